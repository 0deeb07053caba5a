/**
 * Euler–Maruyama for dX = f(X, t) dt + g(t) dW (001 (3.24) with σ = g(t) I; 003 "Discretization of SDE (Euler
 * method)"), batched over n walkers in ℝ^d:
 *   x(t + dt) = x(t) + f(x(t), t) dt + g(t) √dt ε,  ε ~ N(0, I)                                  003
 * g is a scalar function of t (or a constant), or per coordinate: g(t) ∈ ℝ^d, i.e. σ = diag(g(t)). With noise that
 * does not depend on X (additive noise) the scheme has weak order 1 and strong order 1 (the strong order ½ of the
 * general theory needs X-dependent noise, which this signature excludes); spec/samplers/euler-maruyama.spec.ts
 * measures both exactly on Ornstein–Uhlenbeck.
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';

/** The drift of every walker: f(x_i, t) into out[i·d …] for i < n. Must not write into x. */
export type Drift = (x: Float64Array, t: number, n: number, d: number, out: Float64Array) => void;

/** g(t): a constant, a scalar function of t, or per coordinate (`perCoordinate(t, out)` writes g(t) ∈ ℝ^d into out). */
export type Diffusion =
  | number
  | ((t: number) => number)
  | { readonly perCoordinate: (t: number, out: Float64Array) => Float64Array };

function checkArguments(x0: Float64Array, n: number, d: number, t0: number, dt: number, steps: number, out: Float64Array): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`eulerMaruyama: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`eulerMaruyama: d must be a positive integer, got ${d}`);
  if (!Number.isFinite(t0)) throw new RangeError(`eulerMaruyama: t0 must be finite, got ${t0}`);
  if (!(Number.isFinite(dt) && dt > 0)) throw new RangeError(`eulerMaruyama: dt must be a finite number > 0, got ${dt}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`eulerMaruyama: steps must be an integer ≥ 1, got ${steps}`);
  if (x0.length !== n * d) throw new RangeError(`eulerMaruyama: x0 must hold n·d = ${n * d} values, got ${x0.length}`);
  for (let j = 0; j < x0.length; j++) {
    if (!Number.isFinite(x0[j]!)) throw new RangeError(`eulerMaruyama: x0[${j}] must be finite, got ${x0[j]}`);
  }
  if (out.length < n * d) throw new RangeError(`eulerMaruyama: out must hold n·d = ${n * d} values, got ${out.length}`);
}

/** g(t) into gv (length d), checked finite. */
function diffusionAt(g: Diffusion, t: number, d: number, gv: Float64Array): void {
  if (typeof g === 'number') {
    gv.fill(g);
  } else if (typeof g === 'function') {
    gv.fill(g(t));
  } else {
    g.perCoordinate(t, gv);
  }
  for (let k = 0; k < d; k++) {
    if (!Number.isFinite(gv[k]!)) throw new RangeError(`eulerMaruyama: g(t) must be finite, got ${gv[k]} at t = ${t} (coordinate ${k})`);
  }
}

/** The common loop; `draw(k)` readies the standard normals of step k (n·d values) in xi and returns their offset. */
function run(
  f: Drift,
  g: Diffusion,
  x0: Float64Array,
  n: number,
  d: number,
  t0: number,
  dt: number,
  steps: number,
  out: Float64Array,
  xi: Float64Array,
  draw: (k: number) => number,
): Float64Array {
  const nd = n * d;
  const drift = new Float64Array(nd);
  const gv = new Float64Array(d);
  const sdt = Math.sqrt(dt);
  if (out !== x0) out.set(x0);
  for (let k = 0; k < steps; k++) {
    // t_k = t0 + k·dt, not a running sum, so long runs do not drift in time.
    const t = t0 + k * dt;
    f(out, t, n, d, drift);
    diffusionAt(g, t, d, gv);
    for (let k2 = 0; k2 < d; k2++) gv[k2] = gv[k2]! * sdt;
    const o = draw(k);
    // 003: x(t + dt) = x(t) + f(x(t), t) dt + g(t) √dt ε
    for (let i = 0, j = 0; i < n; i++) {
      for (let c = 0; c < d; c++, j++) out[j] = out[j]! + drift[j]! * dt + gv[c]! * xi[o + j]!;
    }
  }
  return out;
}

/**
 * `steps` Euler–Maruyama steps of n walkers from x0 (n×d) at time t0 with step dt, the noise drawn from `stream` (one
 * `normals` call per step, n·d values). The final positions go into out (which may be x0); returns out.
 */
export function eulerMaruyama(
  stream: Stream,
  f: Drift,
  g: Diffusion,
  x0: Float64Array,
  n: number,
  d: number,
  t0: number,
  dt: number,
  steps: number,
  out: Float64Array,
): Float64Array {
  checkArguments(x0, n, d, t0, dt, steps, out);
  const noise = new Float64Array(n * d);
  return run(f, g, x0, n, d, t0, dt, steps, out, noise, () => {
    normals(stream, noise, 0, n * d);
    return 0;
  });
}

/**
 * The same scheme with injected noise: `noise` holds steps × n × d standard normals (step k's block at k·n·d), so the
 * result is a deterministic function of (x0, noise) — affine in both when f is linear.
 */
export function eulerMaruyamaWithNoise(
  f: Drift,
  g: Diffusion,
  x0: Float64Array,
  n: number,
  d: number,
  t0: number,
  dt: number,
  steps: number,
  noise: Float64Array,
  out: Float64Array,
): Float64Array {
  checkArguments(x0, n, d, t0, dt, steps, out);
  const nd = n * d;
  if (noise.length !== steps * nd) throw new RangeError(`eulerMaruyamaWithNoise: noise must hold steps·n·d = ${steps * nd} values, got ${noise.length}`);
  return run(f, g, x0, n, d, t0, dt, steps, out, noise, (k) => k * nd);
}
