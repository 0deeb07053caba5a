/**
 * The Energy contract (DESIGN.md): one sign convention, the energy U with density ρ_θ = e^{−U_θ}/Z_θ (000 (1),
 * 001 (2.1)). An energy is a family U_θ on ℝ^d with parameters θ ∈ ℝ^p, evaluated on a batch of n walkers stored
 * row-major in one Float64Array (walker i occupies x[i·d … i·d + d − 1]). θ is passed to every call, so a trainer can
 * evaluate U_θk and U_θk+1 on the same walkers.
 *
 * Methods write into the buffers they are given and allocate nothing on the hot path. Analytic energies add what the
 * tests need where it exists: log Z_θ, the Laplacian Δₓ U_θ, and exact draws from ρ_θ. The exact score of ρ_θ is
 * −∇ₓU_θ, which `energyGrad` gives.
 */
import type { Stream } from '../rng/stream.js';

export interface Energy {
  /** A short name for messages and results. */
  readonly name: string;
  /** d: the dimension of x. */
  readonly dim: number;
  /** p: the number of parameters θ. */
  readonly paramDim: number;
  /** U_θ(x_i) into out[i] for i < n; returns out. */
  energy(theta: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array;
  /** U_θ(x_i) into u[i] and ∇ₓU_θ(x_i) into grad[i·d …]; one pass for both, as the samplers need both. */
  energyGrad(theta: Float64Array, x: Float64Array, n: number, u: Float64Array, grad: Float64Array): void;
  /** Σᵢ wᵢ ∂θU_θ(x_i) into out (length p); returns out. */
  paramGrad(theta: Float64Array, x: Float64Array, n: number, weights: Float64Array, out: Float64Array): Float64Array;
  /** log Z_θ = log ∫ e^{−U_θ(x)} dx, where it is known in closed form. */
  logPartition?(theta: Float64Array): number;
  /** Δₓ U_θ(x_i) (the trace of the Hessian) into out[i], where it is known in closed form. */
  laplacian?(theta: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array;
  /** n exact, independent draws from ρ_θ into out (n×d), where an exact sampler exists. */
  sample?(stream: Stream, theta: Float64Array, n: number, out: Float64Array): Float64Array;
}

/**
 * A target for the samplers: an energy with θ fixed. `bind` makes one; samplers never see θ, so any function of x with
 * a gradient can be sampled.
 */
export interface Potential {
  readonly name: string;
  readonly dim: number;
  /** U(x_i) into out[i]. */
  energy(x: Float64Array, n: number, out: Float64Array): Float64Array;
  /** U(x_i) into u[i] and ∇U(x_i) into grad[i·d …]. */
  energyGrad(x: Float64Array, n: number, u: Float64Array, grad: Float64Array): void;
}

/** Checks θ's length and finiteness; throws a RangeError naming the energy. */
export function checkTheta(energy: Pick<Energy, 'name' | 'paramDim'>, theta: Float64Array): void {
  if (theta.length !== energy.paramDim) {
    throw new RangeError(`theta for ${energy.name} must have length ${energy.paramDim}, got ${theta.length}`);
  }
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) throw new RangeError(`theta[${i}] for ${energy.name} must be finite, got ${theta[i]}`);
  }
}

/** Checks that x holds n walkers of dimension d (n ≥ 1) and out buffers are long enough. */
export function checkBatch(name: string, x: Float64Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (x.length < n * d) throw new RangeError(`${name}: x must hold n·d = ${n * d} values, got ${x.length}`);
}

/** The potential x ↦ U_θ(x) with θ fixed (θ is copied: later changes to the caller's array do not leak in). */
export function bind(energy: Energy, theta: Float64Array): Potential {
  checkTheta(energy, theta);
  const th = Float64Array.from(theta);
  return {
    name: energy.name,
    dim: energy.dim,
    energy: (x, n, out) => energy.energy(th, x, n, out),
    energyGrad: (x, n, u, grad) => energy.energyGrad(th, x, n, u, grad),
  };
}
