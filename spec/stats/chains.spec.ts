/**
 * src/stats/chains. Layer A: hand-computed autocovariances, batch means and windows; the exact relation between
 * the single- and multi-chain estimators. Layer B on AR(1) chains x_{t+1} = φx_t + √(1 − φ²)ξ_t started stationary,
 * whose autocorrelation is ρ(t) = φ^t, so τ = 1 + 2Σφ^t = (1 + φ)/(1 − φ) (19 at φ = 0.9) and
 * Var(mean of b steps) = V_b = (1/b)[1 + 2Σ_{k=1}^{b−1}(1 − k/b)φ^k] exactly.
 *
 * Tolerance for τ̂ (Sokal 1997, eq. (3.19)): τ̂ is asymptotically normal with variance 2(2M + 1)τ²/N (M the window,
 * N the number of draws). The window is chosen from the data, which biases τ̂ slightly: a 200-chain calibration
 * (seeds 0–199, φ = 0.9, N = 2^18) measured a mean z of −0.19 ± 0.07 and sd 0.96 for one chain, −0.10 and
 * 0.82 for 32 pooled chains. The tests allow a bias of up to 0.4 SE on top of z_α: with |bias| ≤ 0.4 SE,
 * P(|τ̂ − τ| > (z_α + 0.4)·SE) ≤ α.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, normals, streamFromKey, type Stream } from '../../src/rng/index.js';
import {
  autocovariance, batchMeansStandardError, chiSquareQuantile, effectiveSampleSize, integratedAutocorrelationTime,
  multiChainAutocorrelationTime, standardError, zFor,
} from '../../src/stats/index.js';
import { alphaOf } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

/** m stationary AR(1) chains of T steps, step-major (x[t·m + j]). */
function ar1(stream: Stream, steps: number, phi: number, chains = 1, offsets?: Float64Array): Float64Array {
  const x = normals(stream, new Float64Array(steps * chains));
  const c = Math.sqrt(1 - phi * phi);
  for (let t = 1; t < steps; t++) {
    for (let j = 0; j < chains; j++) x[t * chains + j] = phi * x[(t - 1) * chains + j]! + c * x[t * chains + j]!;
  }
  if (offsets) for (let t = 0; t < steps; t++) for (let j = 0; j < chains; j++) x[t * chains + j] = x[t * chains + j]! + offsets[j]!;
  return x;
}

/** Var of the mean of b consecutive steps of a stationary unit-variance AR(1) chain. */
function ar1MeanVariance(phi: number, b: number): number {
  let s = 1;
  for (let k = 1; k < b; k++) s += 2 * (1 - k / b) * phi ** k;
  return s / b;
}

/** Whether |τ̂ − τ₀| ≤ (z_α + 0.4)·τ₀√(2(2M + 1)/N) (see the header). */
function withinSokal(tauHat: number, tau0: number, window: number, N: number, alpha: number): [boolean, number] {
  const tol = (zFor(alpha) + 0.4) * tau0 * Math.sqrt((2 * (2 * window + 1)) / N);
  return [Math.abs(tauHat - tau0) <= tol, tol];
}

describe('chains: exact values', () => {
  it('autocovariance of (1, 2, 3, 4): γ = (5/4, 5/16, −3/8, −9/16)·… normalized by n', () => {
    // deviations −1.5, −0.5, 0.5, 1.5: γ(0) = 5/4, γ(1) = (0.75 − 0.25 + 0.75)/4 = 5/16, γ(2) = (−0.75 − 0.75)/4 = −3/8,
    // γ(3) = −2.25/4
    const g = autocovariance(Float64Array.of(1, 2, 3, 4));
    expect(Array.from(g)).toEqual([1.25, 0.3125, -0.375, -0.5625]);
    expect(() => autocovariance(Float64Array.of(1, 2, 3), 3, 3)).toThrow(/maxLag must be an integer in \[0, n − 1\]/);
  });

  it('Sokal window on the alternating chain (ρ(t) = (−1)^t(n − t)/n): τ̂ and M by hand', () => {
    // x = (1, −1, 1, −1, …), n = 100: mean 0, ρ(1) = −0.99, so τ̂(1) = 1 − 1.98 = −0.98 < 1/c·1: the window closes at M = 1.
    const x = Float64Array.from({ length: 100 }, (_, i) => (i % 2 ? -1 : 1));
    const r = integratedAutocorrelationTime(x);
    expect(r.window).toBe(1);
    expect(r.tau).toBeCloseTo(1 - 2 * 0.99, 14);
    expect(r.converged).toBe(true);
    expect(r.ess).toBeCloseTo(100 / r.tau, 10);
  });

  it('a window that cannot close within maxLag is reported (converged = false, M = maxLag)', () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => i); // a trend: ρ ≈ 1 for small lags
    const r = integratedAutocorrelationTime(x, 200, { maxLag: 10 });
    expect(r.converged).toBe(false);
    expect(r.window).toBe(10);
  });

  it('batch means by hand: (1 … 8) in 4 batches: means 1.5, 3.5, 5.5, 7.5, SE² = 20/12', () => {
    expect(batchMeansStandardError(Float64Array.from({ length: 8 }, (_, i) => i + 1), 8, 4)).toBeCloseTo(Math.sqrt(20 / 12), 14);
    // 9 entries in 4 batches of 2: the ninth is left out
    expect(batchMeansStandardError(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 1000), 9, 4)).toBeCloseTo(Math.sqrt(20 / 12), 14);
    expect(() => batchMeansStandardError(Float64Array.of(1, 2, 3), 3, 1)).toThrow(/batches must be an integer in \[2, n = 3\]/);
  });

  it('one chain through the multi-chain estimator: ρ̂_t = γ_t/γ_0 − 1/(T − 1), so τ̂ drops by 2M/(T − 1) at a fixed window', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const x = ar1(streamFromKey(keyFromSeed(seed)), 400, 0.5);
      // c huge: neither window closes, both sum to maxLag = 20
      const single = integratedAutocorrelationTime(x, 400, { c: 1e9, maxLag: 20 });
      const multi = multiChainAutocorrelationTime(x, 400, 1, { c: 1e9, maxLag: 20 });
      expect(multi.window).toBe(20);
      expect(multi.tau).toBeCloseTo(single.tau - (2 * 20) / 399, 12);
    }), { numRuns: 20 });
  });

  it('multi-chain τ̂ does not depend on the order of the chains', () => {
    const x = ar1(streamFromKey(keyFromSeed(7)), 500, 0.7, 4);
    const perm = new Float64Array(x.length);
    const order = [2, 0, 3, 1];
    for (let t = 0; t < 500; t++) for (let j = 0; j < 4; j++) perm[t * 4 + j] = x[t * 4 + order[j]!]!;
    expect(multiChainAutocorrelationTime(perm, 500, 4).tau).toBeCloseTo(multiChainAutocorrelationTime(x, 500, 4).tau, 12);
  });

  it('validation names the argument', () => {
    expect(() => integratedAutocorrelationTime(new Float64Array(10).fill(3))).toThrow(/positive variance/);
    expect(() => integratedAutocorrelationTime(Float64Array.of(1))).toThrow(/n must be an integer ≥ 2/);
    expect(() => integratedAutocorrelationTime(Float64Array.of(1, 2, 3), 3, { c: 0 })).toThrow(/c must be finite and > 0/);
    expect(() => multiChainAutocorrelationTime(new Float64Array(10), 5, 3)).toThrow(/x must have length ≥ steps·chains = 15/);
    expect(() => effectiveSampleSize(Float64Array.of(1, 2), 3)).toThrow(/x must have length ≥ n = 3/);
  });
});

describe('chains: AR(1) at φ = 0.9 (τ = 19), N = 2^18 draws', () => {
  const phi = 0.9;
  const tau = (1 + phi) / (1 - phi);
  const N = 2 ** 18;
  const single = 'stats chains: AR(1) τ̂ of one chain is within Sokal\'s bound of (1 + φ)/(1 − φ)';
  const singleWrong = 'stats chains negative control: the same τ̂ rejects the wrong closed form 1/(1 − φ)';
  const pooled = 'stats chains: AR(1) τ̂ of 32 pooled chains is within Sokal\'s bound of (1 + φ)/(1 − φ)';
  const pooledWrong = 'stats chains negative control: 32 chains around different means are flagged (τ̂ far above τ)';
  const batch = 'stats chains: batch-means SE² of an AR(1) chain has the χ²_{a−1} law around V_b/a';
  const batchWrong = 'stats chains negative control: the iid standard error fails the batch-means χ² test';

  it(single, () => {
    const x = ar1(testStream(single), N, phi);
    const r = integratedAutocorrelationTime(x);
    expect(r.converged).toBe(true);
    const [ok, tol] = withinSokal(r.tau, tau, r.window, N, alphaOf(single));
    expect(ok, `τ̂ = ${r.tau}, τ = ${tau}, tolerance ${tol} (${describeSeed(single)})`).toBe(true);
    expect(r.ess).toBeCloseTo(N / r.tau, 8);
  });

  it(singleWrong, () => {
    const x = ar1(testStream(single), N, phi);
    const r = integratedAutocorrelationTime(x);
    const [ok, tol] = withinSokal(r.tau, 1 / (1 - phi), r.window, N, alphaOf(singleWrong));
    expect(ok, `τ̂ = ${r.tau} is within ${tol} of the wrong τ = 10 (${describeSeed(single)})`).toBe(false);
  });

  it(pooled, () => {
    const m = 32, T = N / m;
    const x = ar1(testStream(pooled), T, phi, m);
    const r = multiChainAutocorrelationTime(x, T, m);
    expect(r.converged).toBe(true);
    const [ok, tol] = withinSokal(r.tau, tau, r.window, N, alphaOf(pooled));
    expect(ok, `τ̂ = ${r.tau}, τ = ${tau}, tolerance ${tol} (${describeSeed(pooled)})`).toBe(true);
    expect(r.ess).toBeCloseTo(N / r.tau, 8);
  });

  it(pooledWrong, () => {
    // Chains offset by ±0.5 (between-chain variance 0.25 against within 1) have not mixed: var⁺ includes B/T, so
    // ρ̂_t ≥ ≈0.2 for every t and the window never closes.
    const m = 32, T = N / m;
    const offsets = Float64Array.from({ length: m }, (_, j) => (j % 2 ? 0.5 : -0.5));
    const x = ar1(testStream(pooled), T, phi, m, offsets);
    const r = multiChainAutocorrelationTime(x, T, m, { maxLag: 400 }); // the window would run to T/2 otherwise
    const [ok] = withinSokal(r.tau, tau, r.window, N, alphaOf(pooledWrong));
    expect(ok, `τ̂ = ${r.tau} was accepted for chains that disagree (${describeSeed(pooled)})`).toBe(false);
    expect(r.converged).toBe(false);
  });

  // a = 64 batches of b = 4096 ≫ τ: batch means are normal with variance V_b and lag-1 correlation
  // φ(1 − φ^b)²/(b²(1 − φ)²V_b) ≈ 0.0012, so a(a − 1)SE²/V_b = Σ(ȳ_j − ȳ)²/V_b is χ²_{a−1} up to that correlation.
  function batchStatistic(se: number, a: number, b: number): number {
    return (a * (a - 1) * se * se) / ar1MeanVariance(phi, b);
  }

  it(batch, () => {
    const a = 64, b = N / a;
    const x = ar1(testStream(single), N, phi); // the chain of the τ̂ test
    const q = batchStatistic(batchMeansStandardError(x, N, a), a, b);
    const alpha = alphaOf(batch);
    const lo = chiSquareQuantile(alpha / 2, a - 1), hi = chiSquareQuantile(1 - alpha / 2, a - 1);
    expect(q >= lo && q <= hi, `a(a − 1)SE²/V_b = ${q} outside [${lo}, ${hi}] (${describeSeed(single)})`).toBe(true);
    // and the batch-means SE is an estimate of the SE of the whole chain's mean, √(τ/N) to first order
    expect(Math.abs(batchMeansStandardError(x, N, a) / Math.sqrt(ar1MeanVariance(phi, N)) - 1)).toBeLessThan(Math.sqrt(hi / (a - 1)) - 1 + 0.01);
  });

  it(batchWrong, () => {
    const a = 64, b = N / a;
    const x = ar1(testStream(single), N, phi);
    const q = batchStatistic(standardError(x), a, b); // ignores the autocorrelation: about (a − 1)/τ
    const alpha = alphaOf(batchWrong);
    const lo = chiSquareQuantile(alpha / 2, a - 1), hi = chiSquareQuantile(1 - alpha / 2, a - 1);
    expect(q >= lo && q <= hi, `the iid SE passed: ${q} in [${lo}, ${hi}] (${describeSeed(single)})`).toBe(false);
  });
});
