/**
 * Calibrated statistical assertions (TESTING.md, Layer B). Each takes the test's registered name; its false-failure
 * probability α comes from the registry (alpha-registry.ts), never from the call site, so the suite's total α is the
 * registry's sum. Tolerances are derived from α: a normal quantile for means with a known or estimated standard error,
 * DKW for distribution functions, exact binomial tails for counts, median of means for heavy-tailed estimators.
 */
import { expect } from 'vitest';
import { ALPHA } from './alpha-registry.js';
import { describeSeed } from './seed.js';

/** The α registered for a statistical test; throws if the test is not registered. */
export function alphaOf(name: string): number {
  const a = ALPHA[name];
  if (a === undefined) throw new Error(`statistical test "${name}" is not in spec/_support/alpha-registry.ts`);
  return a;
}

/** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step (|error| < 1e-13). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // Halley refinement with Φ(x) from erfc.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** erfc(x) with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit), enough for the Halley step above. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** The two-sided z threshold for false-failure probability α: Φ⁻¹(1 − α/2) (4.89 at α = 1e-6). */
export function zFor(alpha: number): number {
  return normalQuantile(1 - alpha / 2);
}

/**
 * Asserts |estimate − expected| ≤ z_α · se, for an estimator that is (approximately) normal with standard error se.
 * When `k` statistics are tested under one registered name, pass k: each is tested at α/k (Bonferroni).
 */
export function expectWithinSE(
  name: string,
  estimate: number,
  expected: number,
  se: number,
  opts: { what?: string; k?: number } = {},
): void {
  const k = opts.k ?? 1;
  const z = zFor(alphaOf(name) / k);
  if (!(se > 0) || !Number.isFinite(se)) throw new Error(`${name}: standard error must be finite and > 0, got ${se}`);
  const dev = Math.abs(estimate - expected);
  expect(
    dev <= z * se,
    `${opts.what ?? 'statistic'}: |${estimate} − ${expected}| = ${dev} > z·se = ${z.toFixed(3)}·${se} (${describeSeed(name)})`,
  ).toBe(true);
}

/** DKW: with n iid draws, P(sup|F_n − F| > ε) ≤ 2 e^{−2nε²}; the ε for false-failure probability α. */
export function dkwEpsilon(n: number, alpha: number): number {
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** The number of draws for which the DKW band at α is ε: n = ln(2/α)/(2ε²). */
export function dkwSampleSize(epsilon: number, alpha: number): number {
  return Math.ceil(Math.log(2 / alpha) / (2 * epsilon * epsilon));
}

/** sup_x |F_n(x) − F(x)| of the empirical CDF of `samples` against a continuous CDF. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let sup = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    sup = Math.max(sup, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return sup;
}

/**
 * Asserts the empirical CDF of iid `samples` lies within the DKW band of `cdf` at the registered α; when `detect` is
 * given, first refuses to run if the band is wider than that (the test could not detect a discrepancy of that size).
 */
export function expectCdfWithinDkw(
  name: string,
  samples: ArrayLike<number>,
  cdf: (x: number) => number,
  opts: { what?: string; detect?: number; k?: number } = {},
): number {
  const alpha = alphaOf(name) / (opts.k ?? 1);
  const eps = dkwEpsilon(samples.length, alpha);
  if (opts.detect !== undefined && eps >= opts.detect) {
    throw new Error(`${name}: ${samples.length} draws give a DKW band ${eps.toFixed(4)} ≥ the discrepancy ${opts.detect} to detect`);
  }
  const d = ksStatistic(samples, cdf);
  expect(d <= eps, `${opts.what ?? 'CDF'}: sup|F_n − F| = ${d} > DKW ε = ${eps} (${describeSeed(name)})`).toBe(true);
  return d;
}

/** The DKW bound the other way: asserts that a wrong law IS detected (negative control): sup|F_n − F| > ε. */
export function expectCdfOutsideDkw(
  name: string,
  samples: ArrayLike<number>,
  cdf: (x: number) => number,
  opts: { what?: string; k?: number } = {},
): number {
  const alpha = alphaOf(name) / (opts.k ?? 1);
  const eps = dkwEpsilon(samples.length, alpha);
  const d = ksStatistic(samples, cdf);
  expect(d > eps, `${opts.what ?? 'CDF'} (negative control): sup|F_n − F| = ${d} ≤ DKW ε = ${eps}: the wrong law was not detected (${describeSeed(name)})`).toBe(true);
  return d;
}

/** log of the binomial pmf, for exact tails. */
function logBinomPmf(k: number, n: number, p: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  const g = 7;
  const coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = coef[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += coef[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The central acceptance interval [lo, hi] of Binomial(n, p) with each tail ≤ α/2 (exact summation). */
export function binomialInterval(n: number, p: number, alpha: number): [number, number] {
  if (p <= 0) return [0, 0];
  if (p >= 1) return [n, n];
  let lo = 0, tail = 0;
  while (lo <= n) {
    const next = tail + Math.exp(logBinomPmf(lo, n, p));
    if (next > alpha / 2) break;
    tail = next;
    lo++;
  }
  let hi = n;
  tail = 0;
  while (hi >= 0) {
    const next = tail + Math.exp(logBinomPmf(hi, n, p));
    if (next > alpha / 2) break;
    tail = next;
    hi--;
  }
  return [lo, hi];
}

/** Asserts a count is inside the exact Binomial(n, p) acceptance interval at α/k. */
export function expectBinomialCount(name: string, count: number, n: number, p: number, opts: { what?: string; k?: number } = {}): void {
  const [lo, hi] = binomialInterval(n, p, alphaOf(name) / (opts.k ?? 1));
  expect(count >= lo && count <= hi, `${opts.what ?? 'count'}: ${count} of ${n} outside [${lo}, ${hi}] for p = ${p} (${describeSeed(name)})`).toBe(true);
}

/**
 * Median of means: split `values` into `groups` groups; each group mean lies within 2σ/√m of the truth with
 * probability ≥ 3/4 by Chebyshev, so the median is off by more only if half the groups are, which has probability
 * ≤ e^{−groups/8} (Hoeffding); groups = ⌈8 ln(1/α)⌉ reaches α without assuming normality (TESTING.md).
 */
export function medianOfMeans(values: ArrayLike<number>, groups: number): number {
  const m = Math.floor(values.length / groups);
  if (m < 1) throw new RangeError(`medianOfMeans: ${values.length} values cannot fill ${groups} groups`);
  const means = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += values[g * m + i]!;
    means[g] = s / m;
  }
  means.sort();
  return groups % 2 ? means[(groups - 1) / 2]! : 0.5 * (means[groups / 2 - 1]! + means[groups / 2]!);
}

/** The number of groups for median of means at false-failure probability α: ⌈8 ln(1/α)⌉ (111 at 1e-6). */
export function medianOfMeansGroups(alpha: number): number {
  return Math.ceil(8 * Math.log(1 / alpha));
}
