/**
 * The partition-function and cross-entropy estimators of 004 (12), carried across resampling (§3.2, "Resampling
 * step", item 3). Without resampling, log Z̃_θk = log Z_θ0 + log N⁻¹ Σ_i e^{A_k^i}. A resampling at k_r resets the
 * weights to 0, after which Z_θk = Z_θkr · N⁻¹ Σ_i e^{A_k^i}: the tracker keeps log Z̃_θkr as a running offset.
 *
 * The cross-entropy estimate is H̃_k = log Z̃_θk + n⁻¹ Σ_j U_θk(x*_j) (004 (12), the empirical form of (9)).
 *
 * `LogZTracker` is a plain record of numbers (JSON-serializable for checkpoints); the functions return new records.
 */
import { logMeanExp } from './log-weights.js';

export interface LogZTracker {
  /** log Z_θ0, known (an analytic initial model) or estimated once. */
  readonly logZ0: number;
  /** log Z̃_θkr at the last resampling k_r (log Z_θ0 before the first). */
  readonly logOffset: number;
  /** how many resamplings have been recorded */
  readonly resamplings: number;
}

/** A tracker starting at log Z_θ0 (finite). */
export function logZTracker(logZ0: number): LogZTracker {
  if (!Number.isFinite(logZ0)) throw new RangeError(`logZ0 must be finite, got ${logZ0}`);
  return { logZ0, logOffset: logZ0, resamplings: 0 };
}

/** log Z̃_θk = log Z̃_θkr + log N⁻¹ Σ_i e^{A_k^i} (004 (12) and §3.2 item 3) for the current log-weights. */
export function logZEstimate(tracker: LogZTracker, logW: Float64Array, n = logW.length): number {
  return tracker.logOffset + logMeanExp(logW, n);
}

/**
 * Records a resampling at the current iteration: call it with the log-weights just before they are reset to 0; the
 * returned tracker continues from log Z̃_θkr. Throws when every weight is 0 (nothing to resample from).
 */
export function recordResampling(tracker: LogZTracker, logW: Float64Array, n = logW.length): LogZTracker {
  const logZ = logZEstimate(tracker, logW, n);
  if (!Number.isFinite(logZ)) throw new RangeError(`log Z estimate at resampling must be finite, got ${logZ} (all log-weights −∞?)`);
  return { logZ0: tracker.logZ0, logOffset: logZ, resamplings: tracker.resamplings + 1 };
}

/**
 * H̃_k = log Z̃_θk + n⁻¹ Σ_j U_θk(x*_j) (004 (12)): the cross-entropy estimate from log Z̃ and the model energies of the
 * n data points.
 */
export function crossEntropyEstimate(logZ: number, dataEnergies: Float64Array, n = dataEnergies.length): number {
  if (!Number.isInteger(n) || n < 1 || n > dataEnergies.length) {
    throw new RangeError(`dataEnergies must hold n ≥ 1 values, got n = ${n} of length ${dataEnergies.length}`);
  }
  let s = 0;
  for (let j = 0; j < n; j++) s += dataEnergies[j]!;
  return logZ + s / n;
}

/** Checks a tracker read from a checkpoint (JSON), naming the field that is wrong. */
export function checkLogZTracker(value: unknown): LogZTracker {
  const t = value as Partial<Record<keyof LogZTracker, unknown>> | null;
  if (t === null || typeof t !== 'object') throw new TypeError('LogZTracker must be an object');
  if (typeof t.logZ0 !== 'number' || !Number.isFinite(t.logZ0)) throw new RangeError(`LogZTracker.logZ0 must be finite, got ${String(t.logZ0)}`);
  if (typeof t.logOffset !== 'number' || !Number.isFinite(t.logOffset)) {
    throw new RangeError(`LogZTracker.logOffset must be finite, got ${String(t.logOffset)}`);
  }
  if (!Number.isInteger(t.resamplings) || (t.resamplings as number) < 0) {
    throw new RangeError(`LogZTracker.resamplings must be an integer ≥ 0, got ${String(t.resamplings)}`);
  }
  return { logZ0: t.logZ0, logOffset: t.logOffset, resamplings: t.resamplings as number };
}
