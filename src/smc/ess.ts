/**
 * Effective sample size of weighted walkers, 004 (13):
 *
 *   ESS_k = (N⁻¹ Σ_i e^{A_k^i})² / (N⁻¹ Σ_i e^{2A_k^i}) ∈ (0, 1],
 *
 * a fraction of N (the paper's convention); the ESS count is ESS_k · N = (Σ w)² / Σ w² (Kong's ESS, the count
 * particles and BlackJAX report). Both are invariant to adding a constant to every A^i, so they are computed from
 * w_i = e^{A^i − max A}: the largest weight is exactly 1, hence Σ w ≥ 1, Σ w² ≥ 1 and nothing overflows or
 * underflows to 0/0. NaN log-weights count as −∞; when every entry is −∞ or NaN there is no ESS and a RangeError is
 * thrown.
 */
import { maxFiniteLogWeight } from './log-weights.js';

/** ESS_k of 004 (13) as a fraction of n, in [1/n, 1]; exactly 1 when all finite weights are equal and none is 0. */
export function ess(logW: Float64Array, n = logW.length): number {
  const max = maxFiniteLogWeight(logW, n);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const a = logW[i]!;
    if (a === a) {
      const w = Math.exp(a - max);
      s1 += w;
      s2 += w * w;
    }
  }
  // (s1/n)² / (s2/n) = s1² / (n s2); Cauchy–Schwarz makes it ≤ 1, rounding could push it a hair above.
  const f = (s1 * s1) / (n * s2);
  return f < 1 ? f : 1;
}

/** The ESS count ESS_k · n = (Σ w)² / Σ w², in [1, n]. */
export function essCount(logW: Float64Array, n = logW.length): number {
  return ess(logW, n) * n;
}
