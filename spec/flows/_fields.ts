/**
 * Test helpers shared by spec/flows (neural-ode, cnf, adjoint): a random one-hidden-layer MLP vector field (003 neural
 * ODE f_θ(z, t)) drawn from the project's RNG by an integer seed (fast-check picks only seeds and sizes), with
 * non-zero biases; the 2^d Rademacher sign vectors; small array helpers.
 */
import { initMlpField, mlpField, mlpFieldLayout, type VectorField } from '../../src/flows/neural-ode.js';
import { keyFromSeed, normals, streamFromKey, type Stream } from '../../src/rng/index.js';

/**
 * mlpField(d, H) with θ from initMlpField(scale) and then biases b₁ ~ N(0, 0.5²), b₂ ~ N(0, b2Scale²), all from the
 * stream of `seed`; the stream is returned for further draws.
 */
export function randomMlpField(seed: number, d: number, H: number, scale: number, b2Scale = 0.5): { field: VectorField; theta: Float64Array; rng: Stream } {
  const rng = streamFromKey(keyFromSeed(seed));
  const field = mlpField({ dim: d, hidden: H });
  const theta = initMlpField(rng, field, H, new Float64Array(field.paramDim), scale);
  const L = mlpFieldLayout(d, H);
  const b = normals(rng, new Float64Array(H + d));
  for (let k = 0; k < H; k++) theta[L.b1 + k] = 0.5 * b[k]!;
  for (let i = 0; i < d; i++) theta[L.b2 + i] = b2Scale * b[H + i]!;
  return { field, theta, rng };
}

/** All 2^d sign vectors (row k has entry i = +1 iff bit i of k is set), row-major. */
export function allSigns(d: number): Float64Array {
  const m = 1 << d;
  const p = new Float64Array(m * d);
  for (let k = 0; k < m; k++) for (let i = 0; i < d; i++) p[k * d + i] = (k >> i) & 1 ? 1 : -1;
  return p;
}

export const maxAbs = (x: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!)); return m; };
export const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!)); return m; };
