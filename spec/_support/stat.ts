/**
 * Calibrated statistical assertions (TESTING.md, Layer B). Each takes the test's registered name; its false-failure
 * probability α comes from the registry (alpha-registry.ts), never from the call site, so the suite's total α is the
 * registry's sum. Tolerances are derived from α: a normal quantile for means with a known or estimated standard error,
 * DKW for distribution functions, exact binomial tails for counts, median of means for heavy-tailed estimators.
 */
import { expect } from 'vitest';
import { ALPHA } from './alpha-registry.js';
import { describeSeed } from './seed.js';
import { binomialInterval, dkwEpsilon, ksStatistic, zFor } from '../../src/stats/distributions.js';

// The pure mathematics lives in src/stats; re-exported here so tests keep importing one module.
export {
  binomialInterval,
  dkwEpsilon,
  dkwSampleSize,
  erfc,
  ksStatistic,
  logGamma,
  medianOfMeans,
  medianOfMeansGroups,
  normalCdf,
  normalQuantile,
  zFor,
} from '../../src/stats/distributions.js';

/** The α registered for a statistical test; throws if the test is not registered. */
export function alphaOf(name: string): number {
  const a = ALPHA[name];
  if (a === undefined) throw new Error(`statistical test "${name}" is not in spec/_support/alpha-registry.ts`);
  return a;
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

/** Asserts a count is inside the exact Binomial(n, p) acceptance interval at α/k. */
export function expectBinomialCount(name: string, count: number, n: number, p: number, opts: { what?: string; k?: number } = {}): void {
  const [lo, hi] = binomialInterval(n, p, alphaOf(name) / (opts.k ?? 1));
  expect(count >= lo && count <= hi, `${opts.what ?? 'count'}: ${count} of ${n} outside [${lo}, ${hi}] for p = ${p} (${describeSeed(name)})`).toBe(true);
}
