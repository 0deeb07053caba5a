/**
 * The Metropolis-Adjusted Langevin Algorithm (001 Def. 4.4), batched over walkers: Metropolis–Hastings (001 Def. 4.2)
 * whose proposal is one ULA step (001 (4.10)), x' = x − h∇U(x) + √(2h) ξ, i.e. x' ~ N(x − h∇U(x), 2h I_d), with density
 *   g(x'|x) = (4πh)^{−d/2} exp(−|x' − x + h∇U(x)|² / (4h)).
 * Accept with probability min{1, e^{−U(x')} g(x|x') / (e^{−U(x)} g(x'|x))} (001 (4.3)), in log space.
 *
 * Erratum: 001 (4.21) writes the constant (2πh)^{−d/2} and U(x) where ∇U(x) belongs. The constant cancels in the
 * ratio (so alone it does not change the chain, although that density integrates to 2^{d/2}); U(x) in place of ∇U(x)
 * does change it and breaks detailed balance. `malaProposalLogDensityAsWritten` is the document's density, kept for the
 * erratum tests: a MALA whose ratio uses it (`proposalLogDensity` option) still proposes ULA steps, and is the
 * negative control of spec/samplers/mala.spec.ts.
 */
import type { Potential } from '../energies/energy.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { uniformOpen } from '../rng/uniform.js';
import { checkState, initialGradientState, logAcceptanceProbability } from './metropolis-hastings.js';
import { checkStepSize, type AcceptInfo, type Sampler, type WalkerState } from './types.js';

const LOG_4PI = Math.log(4 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log g(to | from) for one walker at `offset` in row-major batches: `to`, `from` and `fromGrad` hold walkers of
 * dimension d at the same offset; `fromU` = U(from), `fromGrad` = ∇U(from).
 */
export type MalaProposalLogDensity = (
  to: Float64Array,
  from: Float64Array,
  fromU: number,
  fromGrad: Float64Array,
  h: number,
  d: number,
  offset?: number,
) => number;

/** log g(x'|x) = −(d/2) log(4πh) − |x' − x + h∇U(x)|²/(4h): the density of the ULA step, N(x − h∇U(x), 2h I). */
export const malaProposalLogDensity: MalaProposalLogDensity = (to, from, _fromU, fromGrad, h, d, offset = 0) => {
  let q = 0;
  for (let k = offset, end = offset + d; k < end; k++) {
    const r = to[k]! - from[k]! + h * fromGrad[k]!;
    q += r * r;
  }
  return -0.5 * d * (LOG_4PI + Math.log(h)) - q / (4 * h);
};

/**
 * 001 (4.21) as written: log g(x'|x) = −(d/2) log(2πh) − |x' − x + h U(x) 1|²/(4h), the scalar U(x) added to every
 * coordinate where ∇U(x) belongs. Not the density of the ULA step; kept for the erratum tests only.
 */
export const malaProposalLogDensityAsWritten: MalaProposalLogDensity = (to, from, fromU, _fromGrad, h, d, offset = 0) => {
  let q = 0;
  for (let k = offset, end = offset + d; k < end; k++) {
    const r = to[k]! - from[k]! + h * fromU;
    q += r * r;
  }
  return -0.5 * d * (LOG_2PI + Math.log(h)) - q / (4 * h);
};

/**
 * log α(x → y) = min(0, −U(y) + U(x) + log g(x|y) − log g(y|x)), 001 (4.3) with MALA's proposal density (default the
 * correct one). The walkers sit at `offset` of their batches. NaN → −∞ (reject).
 */
export function malaLogAcceptance(
  x: Float64Array,
  ux: number,
  gradX: Float64Array,
  y: Float64Array,
  uy: number,
  gradY: Float64Array,
  h: number,
  d: number,
  logDensity: MalaProposalLogDensity = malaProposalLogDensity,
  offset = 0,
): number {
  const forward = logDensity(y, x, ux, gradX, h, d, offset);
  const reverse = logDensity(x, y, uy, gradY, h, d, offset);
  return logAcceptanceProbability(ux, uy, reverse, forward);
}

export interface MalaOptions {
  /** the proposal density used in the acceptance ratio (default `malaProposalLogDensity`); the draws are ULA steps */
  readonly proposalLogDensity?: MalaProposalLogDensity;
}

/**
 * MALA for n walkers on `potential` with step h > 0 (001 Def. 4.4). Scratch is made here; `step` allocates nothing and
 * draws, in order, the n·d proposal normals (one call) and one uniform per walker. The info's arrays are overwritten by
 * the next step.
 */
export function mala(potential: Potential, n: number, h: number, options: MalaOptions = {}): Sampler<AcceptInfo> {
  checkStepSize('h', h);
  const d = potential.dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const logDensity = options.proposalLogDensity ?? malaProposalLogDensity;
  const asWritten = logDensity === malaProposalLogDensityAsWritten;
  const nd = n * d;
  const b = Math.sqrt(2 * h);
  const xp = new Float64Array(nd);
  const up = new Float64Array(n);
  const gp = new Float64Array(nd);
  const accepted = new Uint8Array(n);
  const acceptProbability = new Float64Array(n);
  const name = `mala(h=${h}${options.proposalLogDensity === undefined ? '' : asWritten ? ', 001 (4.21) as written' : ', custom density'})`;

  return {
    name,
    init(x: Float64Array): WalkerState {
      return initialGradientState(potential, name, x, n);
    },
    step(stream: Stream, state: WalkerState, out: WalkerState): AcceptInfo {
      checkState(name, state, n, d);
      checkState(name, out, n, d);
      // Proposal: one ULA step for every walker, 001 (4.10).
      normals(stream, xp, 0, nd);
      const x = state.x, g = state.grad;
      for (let j = 0; j < nd; j++) xp[j] = x[j]! - h * g[j]! + b * xp[j]!;
      potential.energyGrad(xp, n, up, gp);
      let count = 0;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const logA = malaLogAcceptance(x, state.u[i]!, g, xp, up[i]!, gp, h, d, logDensity, o);
        acceptProbability[i] = Math.exp(logA);
        const acc = Math.log(uniformOpen(stream)) < logA;
        accepted[i] = acc ? 1 : 0;
        if (acc) {
          count++;
          for (let k = o; k < o + d; k++) {
            out.x[k] = xp[k]!;
            out.grad[k] = gp[k]!;
          }
          out.u[i] = up[i]!;
        } else if (out !== state) {
          for (let k = o; k < o + d; k++) {
            out.x[k] = x[k]!;
            out.grad[k] = g[k]!;
          }
          out.u[i] = state.u[i]!;
        }
      }
      return { accepted, acceptProbability, acceptRate: count / n };
    },
  };
}
