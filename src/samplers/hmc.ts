/**
 * Hamiltonian Monte Carlo (000 §2.1.3, (16)-(20)), batched over walkers: draw p ~ N(0, M) (000 (17)), run L leapfrog
 * steps of size ε (000 (20), ./leapfrog.ts), accept (q', p') with probability min(1, exp[−H(q', p') + H(q, p)]) (000 §2.1.3
 * step 3, with H = U(q) + ½ pᵀM⁻¹p, 000 (16)/(18)). The momentum is discarded after the step, so the momentum flip that
 * makes the proposal an involution (and the acceptance a Metropolis–Hastings one) changes nothing: K(−p) = K(p).
 *
 * `metropolisCorrection: false` accepts every trajectory: a biased sampler kept as the negative control that shows the
 * correction is needed (its stationary law is not e^{−U}/Z when the energy error is O(1)).
 */
import type { Potential } from '../energies/energy.js';
import type { Stream } from '../rng/stream.js';
import { uniformOpen } from '../rng/uniform.js';
import { drawMomentum, kineticEnergy, leapfrog, massMatrix, type MassMatrix, type PhasePoints } from './leapfrog.js';
import { checkState, initialGradientState, logAcceptanceProbability } from './metropolis-hastings.js';
import { checkStepSize, type AcceptInfo, type Sampler, type WalkerState } from './types.js';

export interface HmcOptions {
  /** ε > 0, the leapfrog step */
  readonly stepSize: number;
  /** L ≥ 1, the number of leapfrog steps per proposal */
  readonly steps: number;
  /** M: a scalar, d diagonal masses, or a d×d SPD matrix (default 1) */
  readonly mass?: number | Float64Array;
  /** apply the Metropolis correction (default true); false is the biased variant kept as a negative control */
  readonly metropolisCorrection?: boolean;
}

/** Diagnostics of one HMC step (buffers reused by the next step of the same sampler). */
export interface HmcInfo extends AcceptInfo {
  /** ΔH_i = H(q'_i, p'_i) − H(q_i, p_i), the leapfrog energy error of each walker's trajectory */
  readonly energyError: Float64Array;
}

/** log α = min(0, −ΔH) for the energy error ΔH = H(q', p') − H(q, p); a NaN energy error gives −∞ (reject). */
export function hmcLogAcceptance(energyError: number): number {
  return logAcceptanceProbability(0, energyError, 0, 0);
}

/**
 * An HMC sampler for n walkers on `potential`. Scratch (a phase-point batch, energies) is made here; `step` allocates
 * nothing. The returned info's arrays are overwritten by the next step.
 */
export function hmc(potential: Potential, n: number, options: HmcOptions): Sampler<HmcInfo> & { readonly mass: MassMatrix } {
  const d = potential.dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const { stepSize, steps } = options;
  checkStepSize('stepSize', stepSize);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be an integer ≥ 1, got ${steps}`);
  const mass = massMatrix(d, options.mass ?? 1);
  const correct = options.metropolisCorrection ?? true;
  const nd = n * d;
  const z: PhasePoints = { q: new Float64Array(nd), p: new Float64Array(nd), u: new Float64Array(n), grad: new Float64Array(nd) };
  const k0 = new Float64Array(n);
  const k1 = new Float64Array(n);
  const accepted = new Uint8Array(n);
  const acceptProbability = new Float64Array(n);
  const energyError = new Float64Array(n);
  const name = `hmc(ε=${stepSize}, L=${steps}${correct ? '' : ', uncorrected'})`;

  return {
    name,
    mass,
    init(x: Float64Array): WalkerState {
      return initialGradientState(potential, name, x, n);
    },
    step(stream: Stream, state: WalkerState, out: WalkerState): HmcInfo {
      checkState(name, state, n, d);
      checkState(name, out, n, d);
      // 000 HMC step 1: p ~ N(0, M)
      drawMomentum(stream, mass, n, z.p);
      kineticEnergy(mass, z.p, n, k0);
      z.q.set(state.x.subarray(0, nd));
      z.grad.set(state.grad.subarray(0, nd));
      z.u.set(state.u.subarray(0, n));
      // step 2: the leapfrog trajectory, 000 (20)
      leapfrog(potential, z, n, stepSize, steps, mass);
      kineticEnergy(mass, z.p, n, k1);
      // step 3: Metropolis correction on H = U + K, 000 (18)
      let count = 0;
      for (let i = 0; i < n; i++) {
        const dh = z.u[i]! + k1[i]! - (state.u[i]! + k0[i]!);
        energyError[i] = dh;
        const logA = correct ? hmcLogAcceptance(dh) : 0;
        acceptProbability[i] = Math.exp(logA);
        // One uniform per walker whatever the outcome, so the stream's use does not depend on the energies.
        const acc = Math.log(uniformOpen(stream)) < logA;
        accepted[i] = acc ? 1 : 0;
        const o = i * d;
        if (acc) {
          count++;
          for (let k = 0; k < d; k++) {
            out.x[o + k] = z.q[o + k]!;
            out.grad[o + k] = z.grad[o + k]!;
          }
          out.u[i] = z.u[i]!;
        } else if (out !== state) {
          for (let k = 0; k < d; k++) {
            out.x[o + k] = state.x[o + k]!;
            out.grad[o + k] = state.grad[o + k]!;
          }
          out.u[i] = state.u[i]!;
        }
      }
      return { accepted, acceptProbability, acceptRate: count / n, energyError };
    },
  };
}
