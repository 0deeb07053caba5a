/**
 * When to resample (004 §3.2 "Resampling step", Alg. 1 line 11, §4.1, App. B.1). The paper and its code state the
 * rule in three conventions; all three are functions of the ESS fraction f = ESS_k of 004 (13):
 *
 * - `essFraction`, value c ∈ (0, 1]: resample when f < c. This is (13)'s rule "ESS_k < c_k". §4.1 writes it as
 *   "1/c_k = 1.05", i.e. c = 1/1.05 ≈ 0.952: resample as soon as the ESS drops below 95.2 % of N.
 * - `essCount`, value E ∈ (0, N]: resample when the ESS count f·N < E.
 * - `cv2`, value c ≥ 0: resample when the squared coefficient of variation of the weights exceeds c, where
 *   CV² = (N⁻¹ Σ e^{2A}) / (N⁻¹ Σ e^{A})² − 1 = 1/f − 1 = N/ESS_count − 1. This is App. B.1's c ∈ {0.1, …, 1.0}:
 *   B.1 relates it to "ESS_thresh = N/(c + 1)", and indeed CV² > c ⇔ 1/f > 1 + c ⇔ ESS_count < N/(c + 1). It is also
 *   what the paper's public code computes (`varian = mean(e^{2A}) / mean(e^{A})² − 1`, resample when `varian > c`).
 *   So B.1's c is not (13)'s c_k: B.1's c = 1.0 resamples below ESS = N/2, whereas (13)'s c_k = 1 would resample
 *   whenever the weights are not all equal. Conversions: `cv2FromEssFraction(f) = 1/f − 1`,
 *   `essFractionFromCv2(c) = 1/(1 + c)`. (§4.1's 1/c = 1.05 is the same rule as CV² > 0.05.)
 * - `never`: no resampling (App. B.1, Fig. 9).
 *
 * The comparisons are strict, as in the paper (ESS_k < c_k; CV² > c): equal weights (f = 1, CV² = 0) never trigger.
 */

/** A resampling rule in one of the paper's conventions (see the module comment). */
export type ResamplingTrigger =
  | { readonly kind: 'essFraction'; readonly value: number }
  | { readonly kind: 'essCount'; readonly value: number }
  | { readonly kind: 'cv2'; readonly value: number }
  | { readonly kind: 'never' };

/** CV² of the weights from the ESS fraction f ∈ (0, 1]: 1/f − 1. */
export function cv2FromEssFraction(f: number): number {
  if (!(f > 0 && f <= 1)) throw new RangeError(`ESS fraction must be in (0, 1], got ${f}`);
  return 1 / f - 1;
}

/** The ESS fraction from CV² ≥ 0: 1/(1 + CV²). B.1: ESS_thresh = N/(c + 1) is N times this. */
export function essFractionFromCv2(cv2: number): number {
  if (!(cv2 >= 0 && cv2 < Infinity)) throw new RangeError(`CV² must be finite and ≥ 0, got ${cv2}`);
  return 1 / (1 + cv2);
}

/**
 * Checks a trigger's kind and value range, naming the constraint; `n` (the number of walkers) bounds `essCount`.
 * Call it when a run's configuration is read, before any work starts.
 */
export function checkTrigger(trigger: ResamplingTrigger, n?: number): void {
  const t = trigger as { kind?: unknown; value?: unknown };
  const v = t.value as number;
  switch (t.kind) {
    case 'essFraction':
      if (!(typeof v === 'number' && v > 0 && v <= 1)) {
        throw new RangeError(`trigger essFraction value must be in (0, 1] (resample when ESS/N < value), got ${String(t.value)}`);
      }
      return;
    case 'essCount':
      if (!(typeof v === 'number' && v > 0 && v < Infinity)) {
        throw new RangeError(`trigger essCount value must be a finite number > 0, got ${String(t.value)}`);
      }
      if (n !== undefined && v > n) throw new RangeError(`trigger essCount value must be ≤ N = ${n}, got ${v}`);
      return;
    case 'cv2':
      if (!(typeof v === 'number' && v >= 0 && v < Infinity)) {
        throw new RangeError(`trigger cv2 value must be a finite number ≥ 0 (resample when CV² > value), got ${String(t.value)}`);
      }
      return;
    case 'never':
      return;
    default:
      throw new TypeError(`trigger kind must be 'essFraction', 'essCount', 'cv2' or 'never', got ${String(t.kind)}`);
  }
}

/**
 * 004 Alg. 1 line 11: whether to resample, given the ESS fraction f = ESS_k ∈ (0, 1] of 004 (13) (see `ess`) and the
 * number of walkers n. Each kind compares in its own units, as the paper states it.
 */
export function shouldResample(trigger: ResamplingTrigger, essFraction: number, n: number): boolean {
  if (!(essFraction > 0 && essFraction <= 1)) throw new RangeError(`essFraction must be in (0, 1], got ${essFraction}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  switch (trigger.kind) {
    case 'essFraction':
      return essFraction < trigger.value;
    case 'essCount':
      return essFraction * n < trigger.value;
    case 'cv2':
      return 1 / essFraction - 1 > trigger.value;
    case 'never':
      return false;
    default:
      checkTrigger(trigger); // unreachable for well-typed input; throws the precise error for a bad kind
      return false;
  }
}
