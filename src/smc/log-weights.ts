/**
 * Log-weights of weighted walkers (004 §3.2, Alg. 1 line 4): walker i carries A^i, its weight is e^{A^i}. Weights
 * live in log space; every operation shifts by the largest finite log-weight before exponentiating, so no weight
 * overflows and the largest one is exactly 1. A NaN log-weight counts as −∞ (weight 0), as in particles'
 * `resampling.py`; +∞ is rejected (an infinite weight has no normalization).
 */

/**
 * The largest log-weight among logW[0 … n − 1], NaN skipped; −∞ when every entry is −∞ or NaN. Throws a RangeError
 * naming `name` for an empty range or a +∞ entry.
 */
export function maxLogWeight(logW: Float64Array, n = logW.length, name = 'logW'): number {
  if (!Number.isInteger(n) || n < 1 || n > logW.length) {
    throw new RangeError(`${name} must hold n ≥ 1 log-weights, got n = ${n} of length ${logW.length}`);
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = logW[i]!;
    if (a > max) max = a; // NaN compares false: skipped, i.e. treated as −∞
  }
  if (max === Infinity) throw new RangeError(`${name} must not contain +∞ (an infinite weight cannot be normalized)`);
  return max;
}

/** The same as `maxLogWeight`, but throws when no log-weight is finite (every weight 0: nothing to normalize). */
export function maxFiniteLogWeight(logW: Float64Array, n = logW.length, name = 'logW'): number {
  const max = maxLogWeight(logW, n, name);
  if (max === -Infinity) throw new RangeError(`${name} must have at least one finite entry (all are −∞ or NaN)`);
  return max;
}

/**
 * The normalized weights p^i = e^{A^i} / Σ_j e^{A^j} (004 Alg. 1 line 4) into out[0 … n − 1], computed with the
 * max shift; NaN and −∞ give 0. Throws when every log-weight is −∞ or NaN. Returns out.
 */
export function normalizedWeights(logW: Float64Array, out: Float64Array, n = logW.length): Float64Array {
  const max = maxFiniteLogWeight(logW, n);
  if (out.length < n) throw new RangeError(`out must hold n = ${n} weights, got length ${out.length}`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = logW[i]!;
    const w = a === a ? Math.exp(a - max) : 0;
    out[i] = w;
    s += w;
  }
  const inv = 1 / s; // s ≥ 1: the largest weight is exactly 1
  for (let i = 0; i < n; i++) out[i] = out[i]! * inv;
  return out;
}

/**
 * log((1/n) Σ_i e^{A^i}), stable: the log of the mean weight, as 004 (12) needs for log Z̃. −∞ when every entry is
 * −∞ or NaN (the mean weight is 0).
 */
export function logMeanExp(logW: Float64Array, n = logW.length): number {
  const max = maxLogWeight(logW, n);
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = logW[i]!;
    if (a === a) s += Math.exp(a - max);
  }
  return max + Math.log(s / n);
}
