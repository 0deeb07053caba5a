/**
 * The Langevin updates exactly as the seed documents write them, with ∇log p = −∇U (U = −log p up to a constant).
 * Each is x' = x − a∇U(x) + bξ for some (a, b), so each is ULA (001 (4.10)) with some step and some noise scale:
 *
 *   000 (37)  x' = x − ∇U(x) ε² + ε μ,          μ ~ N(0, I)   a = ε²,   b = ε       = ULA at h = ε² with √h noise
 *   002       x' = x + η ∇log p(x) + √(2η) z,   z ~ N(0, I)   a = η,    b = √(2η)   = ULA at h = η
 *   003       x' = x + (η/2) ∇log p(x) + √η ε,  ε ~ N(0, I)   a = η/2,  b = √η      = ULA at h = η/2
 *
 * Erratum (000 (37)-(38)): (37) has half the noise of the Langevin SDE dX = −∇U dt + √2 dW; its small-ε limit is
 * dX = −∇U dt + dW, whose stationary law is ∝ e^{−2U} (000 (35) itself says so), i.e. ∝ P² for U = −log P, not P as
 * (38) concludes (the step "exp(2 log P) = e² P" is wrong: exp(2 log P) = P²). On U = x²/(2s²) the stationary
 * variance of (37) is ε²/(1 − (1 − ε²/s²)²) → s²/2, not s² (spec/samplers/langevin-variants.spec.ts). The update is
 * implemented as written; to sample P with it, use U = −½ log P (or use ULA, ./ula.ts).
 */
import type { Potential } from '../energies/energy.js';
import { langevinKernel, langevinStepWithNoise } from './ula.js';
import { checkStepSize, type Sampler } from './types.js';

/** 000 (37) with injected noise μ: out = x − grad·ε² + ε·μ (grad = ∇U(x)). out may alias x. */
export function langevinStep000(x: Float64Array, grad: Float64Array, mu: Float64Array, epsilon: number, out: Float64Array, len: number = x.length): Float64Array {
  checkStepSize('epsilon', epsilon);
  return langevinStepWithNoise(x, grad, mu, epsilon * epsilon, epsilon, out, len);
}

/** 002 (discrete overdamped Langevin) with injected noise z: out = x + η∇log p(x) + √(2η)·z, with ∇log p = −grad. */
export function langevinStep002(x: Float64Array, grad: Float64Array, z: Float64Array, eta: number, out: Float64Array, len: number = x.length): Float64Array {
  checkStepSize('eta', eta);
  return langevinStepWithNoise(x, grad, z, eta, Math.sqrt(2 * eta), out, len);
}

/** 003 (discretized Langevin SDE) with injected noise ε: out = x + (η/2)∇log p(x) + √η·ε, with ∇log p = −grad. */
export function langevinStep003(x: Float64Array, grad: Float64Array, eps: Float64Array, eta: number, out: Float64Array, len: number = x.length): Float64Array {
  checkStepSize('eta', eta);
  return langevinStepWithNoise(x, grad, eps, eta / 2, Math.sqrt(eta), out, len);
}

/** 000 (37) as a batched sampler on n walkers (stationary law ∝ e^{−2U} as ε → 0, see the erratum above). */
export function langevin000(potential: Potential, n: number, epsilon: number): Sampler<void> {
  checkStepSize('epsilon', epsilon);
  return langevinKernel(potential, n, epsilon * epsilon, epsilon, `langevin 000 (37)(ε=${epsilon})`);
}

/** 002's update as a batched sampler on n walkers (identical to ULA with h = η). */
export function langevin002(potential: Potential, n: number, eta: number): Sampler<void> {
  checkStepSize('eta', eta);
  return langevinKernel(potential, n, eta, Math.sqrt(2 * eta), `langevin 002(η=${eta})`);
}

/** 003's update as a batched sampler on n walkers (identical to ULA with h = η/2). */
export function langevin003(potential: Potential, n: number, eta: number): Sampler<void> {
  checkStepSize('eta', eta);
  return langevinKernel(potential, n, eta / 2, Math.sqrt(eta), `langevin 003(η=${eta})`);
}
