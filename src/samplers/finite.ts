/**
 * Metropolis–Hastings on a finite state space {0, …, S−1} (000 §2.1.2, 001 Def. 4.2 with sums for integrals): target
 * weights π (unnormalized, > 0) and a proposal matrix Q (row-stochastic, Q_ij = g(j|i)). Two independent routes to the
 * same kernel, so each checks the other:
 *  - `finiteMetropolisHastingsMatrix` builds the exact transition matrix
 *      P_ij = Q_ij A_ij = min(Q_ij, π_j Q_ji / π_i)  (i ≠ j),   P_ii = Q_ii + Σ_{j≠i} (Q_ij − P_ij)   001 (4.3), (4.6)
 *    (rejected proposals stay on the diagonal), on which detailed balance π_i P_ij = π_j P_ji (000 (15), 001 (4.5)) and
 *    stationarity πP = π (001 (4.4)) can be checked exactly;
 *  - `finiteMetropolisHastings` runs the algorithm itself on a batch of walkers: propose j ~ Q_i· (alias tables), accept
 *    with probability min(1, π_j Q_ji / (π_i Q_ij)).
 */
import { aliasTable, categorical, type AliasTable } from '../rng/categorical.js';
import type { Stream } from '../rng/stream.js';
import { uniformOpen } from '../rng/uniform.js';
import type { AcceptInfo } from './types.js';
import { logAcceptanceProbability } from './metropolis-hastings.js';

/** Checks π (S positive finite weights) and Q (S×S, entries ≥ 0, rows summing to 1); returns S. */
function checkFinite(pi: ArrayLike<number>, q: ArrayLike<number>): number {
  const s = pi.length;
  if (s < 1) throw new RangeError('pi must hold at least one weight');
  for (let i = 0; i < s; i++) {
    if (!(Number.isFinite(pi[i]!) && pi[i]! > 0)) throw new RangeError(`pi[${i}] must be a finite number > 0, got ${pi[i]}`);
  }
  if (q.length !== s * s) throw new RangeError(`q must be S×S = ${s * s} values for S = ${s} weights, got ${q.length}`);
  for (let i = 0; i < s; i++) {
    let row = 0;
    for (let j = 0; j < s; j++) {
      const v = q[i * s + j]!;
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`q[${i * s + j}] must be finite and ≥ 0, got ${v}`);
      row += v;
    }
    if (Math.abs(row - 1) > 1e-12 * s) throw new RangeError(`q row ${i} must sum to 1, got ${row}`);
  }
  return s;
}

/** The exact MH transition matrix P (S×S row-major) for target weights π and proposal matrix Q. */
export function finiteMetropolisHastingsMatrix(pi: ArrayLike<number>, q: ArrayLike<number>): Float64Array {
  const s = checkFinite(pi, q);
  const p = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    // Rejected mass accumulates on the diagonal, 001 (4.6) second addend.
    let diag = q[i * s + i]!;
    for (let j = 0; j < s; j++) {
      if (j === i) continue;
      const qij = q[i * s + j]!;
      // Q_ij · min(1, π_j Q_ji / (π_i Q_ij)) = min(Q_ij, π_j Q_ji / π_i), which is 0 when either Q is 0.
      const pij = Math.min(qij, (pi[j]! * q[j * s + i]!) / pi[i]!);
      p[i * s + j] = pij;
      diag += qij - pij;
    }
    p[i * s + i] = diag;
  }
  return p;
}

/** A batched MH kernel on {0, …, S−1}: `step` moves every walker once, writing into out (which may be `states`). */
export interface FiniteSampler {
  readonly size: number;
  step(stream: Stream, states: Int32Array, out: Int32Array): AcceptInfo;
}

/**
 * The MH algorithm on {0, …, S−1} for walkers in an Int32Array (built for n walkers; the info's arrays are
 * overwritten by the next step).
 */
export function finiteMetropolisHastings(pi: ArrayLike<number>, q: ArrayLike<number>, n: number): FiniteSampler {
  const s = checkFinite(pi, q);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const logPi = new Float64Array(s);
  const logQ = new Float64Array(s * s);
  for (let i = 0; i < s; i++) logPi[i] = Math.log(pi[i]!);
  for (let j = 0; j < s * s; j++) logQ[j] = Math.log(q[j]!);
  const rows: AliasTable[] = [];
  for (let i = 0; i < s; i++) rows.push(aliasTable(Array.from({ length: s }, (_, j) => q[i * s + j]!)));
  const accepted = new Uint8Array(n);
  const acceptProbability = new Float64Array(n);
  return {
    size: s,
    step(stream, states, out) {
      if (states.length !== n || out.length !== n) throw new RangeError(`states and out must hold n = ${n} walkers, got ${states.length} and ${out.length}`);
      let count = 0;
      for (let w = 0; w < n; w++) {
        const i = states[w]!;
        if (!(Number.isInteger(i) && i >= 0 && i < s)) throw new RangeError(`states[${w}] must be a state in {0, …, ${s - 1}}, got ${i}`);
        // 001 Def. 4.2: j ~ Q_i·, then u < min(1, π_j Q_ji / (π_i Q_ij)) in log space (U = −log π).
        const j = categorical(stream, rows[i]!);
        const logA = logAcceptanceProbability(-logPi[i]!, -logPi[j]!, logQ[j * s + i]!, logQ[i * s + j]!);
        acceptProbability[w] = Math.exp(logA);
        const acc = Math.log(uniformOpen(stream)) < logA;
        accepted[w] = acc ? 1 : 0;
        if (acc) count++;
        out[w] = acc ? j : i;
      }
      return { accepted, acceptProbability, acceptRate: count / n };
    },
  };
}
