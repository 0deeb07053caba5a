/**
 * The Unadjusted Langevin Algorithm (001 Def. 4.3; 004 (5) first line), batched over walkers:
 *   X_{k+1} = X_k − h ∇U(X_k) + √(2h) ξ_k,  ξ_k ~ N(0, I_d)                                  001 (4.10)
 * the Euler–Maruyama discretization of dX = −∇U(X) dt + √2 dW. No Metropolis correction: for h > 0 its stationary law
 * is not e^{−U}/Z (on a Gaussian it is N(μ, Σ(I − (h/2)Σ⁻¹)⁻¹), 001 (4.16); spec/samplers/ula.spec.ts).
 *
 * The same affine-in-noise update x' = x − a ∇U(x) + b ξ is, with other (a, b), each of the seeds' Langevin updates
 * (./langevin-variants.ts), so one kernel builder serves them all.
 *
 * Hot path (004's experiment: 10⁴ walkers × d = 50 every iteration): one `normals` call draws the whole step's noise,
 * then one fused pass over the n×d positions, then one batched evaluation of U and ∇U at the new positions.
 */
import type { Potential } from '../energies/energy.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { checkState, initialGradientState } from './metropolis-hastings.js';
import { checkStepSize, type Sampler, type WalkerState } from './types.js';

function checkLengths(name: string, x: Float64Array, grad: Float64Array, xi: Float64Array, out: Float64Array, len: number): void {
  if (!Number.isInteger(len) || len < 0) throw new RangeError(`${name}: length must be a non-negative integer, got ${len}`);
  if (x.length < len) throw new RangeError(`${name}: x must hold ${len} values, got ${x.length}`);
  if (grad.length < len) throw new RangeError(`${name}: grad must hold ${len} values (the length of x), got ${grad.length}`);
  if (xi.length < len) throw new RangeError(`${name}: the noise must hold ${len} values (the length of x), got ${xi.length}`);
  if (out.length < len) throw new RangeError(`${name}: out must hold ${len} values (the length of x), got ${out.length}`);
}

/**
 * x' = x − a·grad + b·ξ elementwise over the first `len` entries (a batch of walkers, row-major): the common form of
 * ULA and the seeds' Langevin updates. out may alias x (elementwise). Returns out.
 */
export function langevinStepWithNoise(
  x: Float64Array,
  grad: Float64Array,
  xi: Float64Array,
  a: number,
  b: number,
  out: Float64Array,
  len: number = x.length,
): Float64Array {
  if (!Number.isFinite(a)) throw new RangeError(`langevin step: the drift coefficient must be finite, got ${a}`);
  if (!Number.isFinite(b)) throw new RangeError(`langevin step: the noise coefficient must be finite, got ${b}`);
  checkLengths('langevin step', x, grad, xi, out, len);
  for (let j = 0; j < len; j++) out[j] = x[j]! - a * grad[j]! + b * xi[j]!;
  return out;
}

/**
 * 001 (4.10) with injected noise: out = x − h·grad + √(2h)·ξ over the first `len` entries, where grad = ∇U(x) and ξ
 * holds standard normals. The update is affine in (x, ξ), so tests recover its matrices by feeding unit vectors.
 */
export function ulaStepWithNoise(
  x: Float64Array,
  grad: Float64Array,
  xi: Float64Array,
  h: number,
  out: Float64Array,
  len: number = x.length,
): Float64Array {
  checkStepSize('h', h);
  return langevinStepWithNoise(x, grad, xi, h, Math.sqrt(2 * h), out, len);
}

/**
 * A batched kernel for the update x' = x − a ∇U(x) + b ξ on n walkers of `potential` (scratch made here; `step`
 * allocates nothing). `a` and `b` are checked by the caller, who knows what they mean.
 */
export function langevinKernel(potential: Potential, n: number, a: number, b: number, name: string): Sampler<void> {
  const d = potential.dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(Number.isFinite(a) && a > 0)) throw new RangeError(`${name}: the drift coefficient must be finite and > 0, got ${a}`);
  if (!(Number.isFinite(b) && b > 0)) throw new RangeError(`${name}: the noise coefficient must be finite and > 0, got ${b}`);
  const nd = n * d;
  const noise = new Float64Array(nd);
  return {
    name,
    init(x: Float64Array): WalkerState {
      return initialGradientState(potential, name, x, n);
    },
    step(stream: Stream, state: WalkerState, out: WalkerState): void {
      checkState(name, state, n, d);
      checkState(name, out, n, d);
      // All of the step's noise in one call, then one fused pass (row-major: walker by walker).
      normals(stream, noise, 0, nd);
      const x = state.x, g = state.grad, ox = out.x;
      for (let j = 0; j < nd; j++) ox[j] = x[j]! - a * g[j]! + b * noise[j]!;
      // The state caches U and ∇U at the new positions: the next step (and 004's weights) read them.
      potential.energyGrad(ox, n, out.u, out.grad);
    },
  };
}

/** ULA, 001 (4.10), for n walkers on `potential` with step h > 0. */
export function ula(potential: Potential, n: number, h: number): Sampler<void> {
  checkStepSize('h', h);
  return langevinKernel(potential, n, h, Math.sqrt(2 * h), `ula(h=${h})`);
}
