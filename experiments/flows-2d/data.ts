/**
 * 2-D toy data sets for the flows-2d experiment, drawn from a seeded stream (first argument):
 *  - two moons (as scikit-learn's make_moons): half the points at (cos t, sin t), half at (1 − cos t, ½ − sin t),
 *    t ~ U(0, π), plus N(0, σ²) noise per coordinate, then centred and scaled by 2: x ← 2(x − (½, ¼));
 *  - ring: radius R + N(0, σ²), angle U(0, 2π).
 */
import type { Stream } from '../../src/rng/stream.js';
import { normal } from '../../src/rng/normal.js';
import { uniform } from '../../src/rng/uniform.js';

export function twoMoons(stream: Stream, n: number, noise: number, out: Float64Array): Float64Array {
  checkArgs('twoMoons', n, noise, out);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * uniform(stream);
    const upper = i < Math.ceil(n / 2);
    const x = upper ? Math.cos(t) : 1 - Math.cos(t);
    const y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    out[2 * i] = 2 * (x + noise * normal(stream) - 0.5);
    out[2 * i + 1] = 2 * (y + noise * normal(stream) - 0.25);
  }
  return out;
}

export function ring(stream: Stream, n: number, radius: number, noise: number, out: Float64Array): Float64Array {
  checkArgs('ring', n, noise, out);
  if (!(Number.isFinite(radius) && radius > 0)) throw new RangeError(`ring: radius must be a finite number > 0, got ${radius}`);
  for (let i = 0; i < n; i++) {
    const a = 2 * Math.PI * uniform(stream);
    const r = radius + noise * normal(stream);
    out[2 * i] = r * Math.cos(a);
    out[2 * i + 1] = r * Math.sin(a);
  }
  return out;
}

function checkArgs(name: string, n: number, noise: number, out: Float64Array): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (!(Number.isFinite(noise) && noise >= 0)) throw new RangeError(`${name}: noise must be a finite number ≥ 0, got ${noise}`);
  if (out.length < 2 * n) throw new RangeError(`${name}: out must hold 2n = ${2 * n} values, got ${out.length}`);
}
