/**
 * Moments of scalar samples and of row-major walker batches (n walkers × d coordinates), optionally weighted — the
 * Jarzynski-weighted averages of 004 (7)/(12) are weighted means with weights e^{A_k} normalized by their sum.
 * Weights are non-negative and need not be normalized: every weighted statistic here is invariant to scaling them.
 * Variances are two-pass with the Chan–Golub–LeVeque correction term (the sum of deviations, zero in exact
 * arithmetic), which keeps full accuracy when the mean is large compared with the spread.
 */

function checkLength(name: string, x: ArrayLike<number>, n: number, offset: number, stride: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  const last = offset + (n - 1) * stride;
  if (last >= x.length) throw new RangeError(`${name} has length ${x.length} but entry ${last} is needed (n ${n}, offset ${offset}, stride ${stride})`);
}

/** Checks weights are finite, ≥ 0 with a positive sum; returns the sum. */
function weightSum(w: ArrayLike<number>, n: number): number {
  if (w.length < n) throw new RangeError(`weights must have length ≥ n = ${n}, got ${w.length}`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    if (!(wi >= 0) || wi === Infinity) throw new RangeError(`weights[${i}] must be finite and ≥ 0, got ${wi}`);
    s += wi;
  }
  if (!(s > 0)) throw new RangeError('weights must have a positive sum');
  return s;
}

/** The mean of x[offset], x[offset + stride], … (n entries). */
export function mean(x: ArrayLike<number>, n = x.length, offset = 0, stride = 1): number {
  checkLength('x', x, n, offset, stride);
  let s = 0;
  for (let i = 0, k = offset; i < n; i++, k += stride) s += x[k]!;
  return s / n;
}

/** The unbiased sample variance Σ(x_i − x̄)²/(n − 1) of n ≥ 2 entries (corrected two-pass). */
export function variance(x: ArrayLike<number>, n = x.length, offset = 0, stride = 1): number {
  if (n < 2) throw new RangeError(`variance needs n ≥ 2, got ${n}`);
  const m = mean(x, n, offset, stride);
  let ss = 0, s = 0;
  for (let i = 0, k = offset; i < n; i++, k += stride) {
    const e = x[k]! - m;
    ss += e * e;
    s += e;
  }
  return (ss - (s * s) / n) / (n - 1);
}

/** The standard error of the mean of n ≥ 2 iid entries, √(s²/n). For correlated chains see `batchMeansStandardError`. */
export function standardError(x: ArrayLike<number>, n = x.length, offset = 0, stride = 1): number {
  return Math.sqrt(variance(x, n, offset, stride) / n);
}

/** The weighted mean Σ w_i x_i / Σ w_i (weights ≥ 0, normalized or not). */
export function weightedMean(x: ArrayLike<number>, w: ArrayLike<number>, n = x.length): number {
  checkLength('x', x, n, 0, 1);
  const sw = weightSum(w, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]! * x[i]!;
  return s / sw;
}

/**
 * The weighted variance. `unbiased: false` (default) gives the variance of the weighted empirical law,
 * Σ w_i (x_i − x̄_w)² / Σ w_i; `unbiased: true` divides instead by V₁ − V₂/V₁ (V₁ = Σw, V₂ = Σw²), the
 * reliability-weights correction, which is the usual n − 1 correction when all weights are equal.
 */
export function weightedVariance(x: ArrayLike<number>, w: ArrayLike<number>, n = x.length, opts: { unbiased?: boolean } = {}): number {
  const m = weightedMean(x, w, n);
  let v1 = 0, v2 = 0, ss = 0, s = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    const e = x[i]! - m;
    v1 += wi;
    v2 += wi * wi;
    ss += wi * e * e;
    s += wi * e;
  }
  const central = ss - (s * s) / v1;
  if (!opts.unbiased) return central / v1;
  const denom = v1 - v2 / v1;
  if (!(denom > 0)) throw new RangeError('weights: the unbiased weighted variance needs at least two positive weights');
  return central / denom;
}

function checkBatch(x: ArrayLike<number>, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  if (x.length < n * d) throw new RangeError(`x must have length ≥ n·d = ${n * d}, got ${x.length}`);
}

/**
 * The per-coordinate mean of an n×d walker batch into out (length d), weighted by w (length n, ≥ 0, any scale) when
 * given. Allocates nothing when out is passed.
 */
export function batchMean(x: Float64Array, n: number, d: number, out: Float64Array = new Float64Array(d), weights?: ArrayLike<number>): Float64Array {
  checkBatch(x, n, d);
  if (out.length < d) throw new RangeError(`out must have length ≥ d = ${d}, got ${out.length}`);
  const sw = weights === undefined ? n : weightSum(weights, n);
  out.fill(0, 0, d);
  for (let i = 0; i < n; i++) {
    const wi = weights === undefined ? 1 : weights[i]!;
    if (wi === 0) continue;
    const o = i * d;
    for (let j = 0; j < d; j++) out[j] = out[j]! + wi * x[o + j]!;
  }
  for (let j = 0; j < d; j++) out[j] = out[j]! / sw;
  return out;
}

/** Options of `batchCovariance`. */
export interface CovarianceOptions {
  /** Per-walker weights (length n, ≥ 0, any scale); unweighted when absent. */
  weights?: ArrayLike<number>;
  /** Divide by n − 1 (unweighted) or V₁ − V₂/V₁ (weighted) instead of n or V₁. Default true unweighted, false weighted. */
  unbiased?: boolean;
  /** Scratch for the mean (length ≥ d), to avoid allocating; holds the (weighted) mean on return. */
  mean?: Float64Array;
}

/**
 * The d×d (row-major) covariance of an n×d walker batch into out, optionally weighted. Unweighted it is the unbiased
 * sample covariance by default; weighted, the covariance of the weighted empirical law by default (the quantity a
 * self-normalized importance estimate targets). Exactly symmetric; allocates nothing when out and opts.mean are given.
 */
export function batchCovariance(x: Float64Array, n: number, d: number, out: Float64Array = new Float64Array(d * d), opts: CovarianceOptions = {}): Float64Array {
  checkBatch(x, n, d);
  if (out.length < d * d) throw new RangeError(`out must have length ≥ d·d = ${d * d}, got ${out.length}`);
  const w = opts.weights;
  const m = batchMean(x, n, d, opts.mean ?? new Float64Array(d), w);
  const unbiased = opts.unbiased ?? w === undefined;
  let v1 = n, v2 = n;
  if (w !== undefined) {
    v1 = 0;
    v2 = 0;
    for (let i = 0; i < n; i++) {
      v1 += w[i]!;
      v2 += w[i]! * w[i]!;
    }
  }
  const denom = unbiased ? v1 - v2 / v1 : v1;
  if (!(denom > 0)) throw new RangeError(`x: an unbiased covariance needs at least two walkers with positive weight`);
  out.fill(0, 0, d * d);
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (wi === 0) continue;
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const ea = wi * (x[o + a]! - m[a]!);
      for (let b = 0; b <= a; b++) out[a * d + b] = out[a * d + b]! + ea * (x[o + b]! - m[b]!);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const c = out[a * d + b]! / denom;
      out[a * d + b] = c;
      out[b * d + a] = c;
    }
  }
  return out;
}
