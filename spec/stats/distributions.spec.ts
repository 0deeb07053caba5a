/**
 * src/stats/distributions: known-answer values (fixtures computed with mpmath 1.3.0 at 30 digits and SciPy 1.17.1,
 * rounded to 17–20 digits), identities (symmetry, inverses, recurrences), validation, and two calibrated tests of
 * the two-sample KS bound with its negative control.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normals } from '../../src/rng/index.js';
import {
  binomialInterval, chiSquareCdf, chiSquareQuantile, dkwEpsilon, dkwSampleSize, erf, erfc, kolmogorovSurvival,
  ksPValue, ksStatistic, ksTwoSampleStatistic, logBinomialPmf, logGamma, medianOfMeans, medianOfMeansGroups,
  normalCdf, normalQuantile, regularizedGammaP, regularizedGammaQ, zFor,
} from '../../src/stats/index.js';
import { alphaOf } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('erfc, erf (Cody) and the normal CDF and quantile', () => {
  // mpmath erfc at 30 digits.
  const ERFC: [number, number][] = [
    [-3, 1.9999779095030014146], [-1, 1.8427007929497148693], [-0.3, 1.3286267594591274162], [0, 1],
    [1e-5, 0.999988716208329421], [0.2, 0.77729741078952153382], [0.46875, 0.50738652678206200841],
    [0.5, 0.47950012218695346232], [1, 0.15729920705028513066], [2, 0.0046777349810472658379],
    [3.5, 7.4309837234141274552e-7], [4, 1.5417257900280018852e-8], [5, 1.5374597944280348502e-12],
    [10, 2.088487583762544757e-45], [20, 5.3958656116079009289e-176], [26, 5.6631924088561428465e-296],
  ];

  it('erfc matches mpmath to 1e-15 relative error (a few ulps) on all three of Cody\'s intervals and both signs', () => {
    for (const [x, v] of ERFC) expect(rel(erfc(x), v), `erfc(${x})`).toBeLessThan(1e-15);
    expect(erfc(27)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(Number.isNaN(erfc(NaN))).toBe(true);
  });

  it('erf is odd, erf + erfc = 1, and erf is accurate near 0 (no cancellation)', () => {
    fc.assert(fc.property(fc.double({ min: -6, max: 6, noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(erf(-x)).toBe(-erf(x));
      expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(2e-16 * 2);
    }));
    // erf(x) = 2x/√π (1 − x²/3 + …): at 1e-10 the series is exact to double precision.
    expect(rel(erf(1e-10), (2e-10 / Math.sqrt(Math.PI)))).toBeLessThan(1e-15);
  });

  // Rounding x/√2 (relative 1.1e-16) moves erfc by the factor e^{±2y²·1.1e-16}: the conditioning bound (1 + x²)·1e-15.
  it('Φ matches mpmath in both tails (relative (1 + x²)·1e-15, its conditioning), Φ(−x) + Φ(x) = 1', () => {
    const PHI: [number, number][] = [[-10, 7.619853024160526066e-24], [-5, 2.8665157187919391167e-7],
      [-1.5, 0.066807201268858066004], [0.7, 0.75803634777692697138], [3, 0.99865010196836990547]];
    for (const [x, v] of PHI) expect(rel(normalCdf(x), v), `Φ(${x})`).toBeLessThan(1e-15 * (1 + x * x));
    fc.assert(fc.property(fc.double({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThan(3e-16);
    }));
  });

  it('Φ⁻¹ matches mpmath to 1e-14 and inverts Φ in relative terms down to p = 1e-300', () => {
    const Q: [number, number][] = [[1e-12, -7.0344838253011319298], [1e-6, -4.7534243088228989482],
      [0.025, -1.9599639845400542355], [0.3, -0.52440051270804078404], [0.975, 1.9599639845400542355],
      [1 - 2 ** -20, 4.763001034267813957]]; // upper branch at a p that is exact in binary
    for (const [p, v] of Q) expect(Math.abs(normalQuantile(p) - v), `Φ⁻¹(${p})`).toBeLessThan(1e-14 * Math.abs(v));
    expect(normalQuantile(0.5)).toBe(0);
    for (const p of [1e-300, 1e-100, 1e-20, 1e-9, 0.01, 0.2, 0.45]) expect(rel(normalCdf(normalQuantile(p)), p), `p = ${p}`).toBeLessThan(1e-13);
    expect(zFor(1e-6)).toBeCloseTo(4.891638475, 8);
    expect(() => normalQuantile(0)).toThrow(/p must be in \(0, 1\)/);
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => zFor(0)).toThrow(/alpha/);
  });
});

describe('log Γ, incomplete gamma and chi-square', () => {
  it('log Γ matches mpmath (1e-14 abs.), factorials, and the recurrence log Γ(x + 1) = log Γ(x) + log x', () => {
    const LG: [number, number][] = [[0.1, 2.252712651734205902], [1.5, -0.12078223763524522235],
      [10.3, 13.482036786138358593], [100, 359.13420536957539878], [-0.5, 1.2655121234846453965]];
    for (const [x, v] of LG) expect(Math.abs(logGamma(x) - v), `logΓ(${x})`).toBeLessThan(1e-14 * Math.max(1, Math.abs(v)));
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    fc.assert(fc.property(fc.double({ min: 0.01, max: 200, noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(1e-13 * Math.max(1, Math.abs(logGamma(x + 1))));
    }));
  });

  it('P(a, x) matches mpmath on both branches (series and continued fraction); P + Q = 1; P(1, x) = 1 − e^{−x}', () => {
    const G: [number, number, number][] = [[0.5, 0.1, 0.34527915398142297956], [1, 2, 0.86466471676338730811],
      [3, 2.5, 0.456186884116670482], [10, 15, 0.93014633930059023231], [50, 30, 0.00051889146254803429258],
      [100, 130, 0.99724959163269347372]];
    for (const [a, x, v] of G) expect(rel(regularizedGammaP(a, x), v), `P(${a}, ${x})`).toBeLessThan(1e-13);
    fc.assert(fc.property(fc.double({ min: 0.1, max: 50, noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: 80, noNaN: true, noDefaultInfinity: true }), (a, x) => {
      expect(Math.abs(regularizedGammaP(a, x) + regularizedGammaQ(a, x) - 1)).toBeLessThan(1e-14);
    }));
    for (const x of [0.01, 0.7, 3, 20]) expect(rel(regularizedGammaP(1, x), -Math.expm1(-x))).toBeLessThan(1e-14);
    // χ²₁: P(χ²₁ ≤ z²) = 2Φ(z) − 1.
    for (const z of [0.3, 1, 2.5]) expect(Math.abs(chiSquareCdf(z * z, 1) - (2 * normalCdf(z) - 1))).toBeLessThan(1e-14);
    expect(() => regularizedGammaP(0, 1)).toThrow(/a must be finite and > 0/);
    expect(() => regularizedGammaP(1, -1)).toThrow(/x must be ≥ 0/);
  });

  it('chi-square quantiles match SciPy (1e-12 relative) and invert the CDF, also in the far tails', () => {
    const CQ: [number, number, number][] = [[5e-7, 63, 22.396096213108375], [1 - 5e-7, 63, 133.8821373671028],
      [0.5, 1, 0.454936423119572], [0.95, 10, 18.307038053275146], [1e-7, 399, 269.0396856772464]];
    for (const [p, k, v] of CQ) expect(rel(chiSquareQuantile(p, k), v), `q(${p}; ${k})`).toBeLessThan(1e-12);
    expect(rel(regularizedGammaQ(63 / 2, chiSquareQuantile(1 - 1e-9, 63) / 2), 1e-9)).toBeLessThan(1e-6);
    expect(() => chiSquareQuantile(0.5, 0)).toThrow(/degrees of freedom/);
  });
});

describe('Kolmogorov–Smirnov, DKW, binomial, median of means', () => {
  it('the Kolmogorov tail matches SciPy\'s kstwobign (1e-12 abs.) on both series, continuous at the switch λ = 1.18', () => {
    const K: [number, number][] = [[0.3, 0.9999906941986655], [0.5, 0.9639452436648751], [1.0, 0.26999967167735456],
      [1.18, 0.1234538094297657], [1.36, 0.049485876755377876], [2.0, 0.0006709252557796953], [3.0, 3.045995948942526e-8]];
    for (const [l, v] of K) expect(Math.abs(kolmogorovSurvival(l) - v), `Q(${l})`).toBeLessThan(1e-12);
    expect(Math.abs(kolmogorovSurvival(1.18 - 1e-12) - kolmogorovSurvival(1.18))).toBeLessThan(1e-11);
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(ksPValue(0, 10)).toBe(1);
    expect(() => ksPValue(1.5, 10)).toThrow(/d must be in \[0, 1\]/);
  });

  it('the one-sample KS statistic of a hand-made sample; the two-sample one equals it against a step CDF, with ties', () => {
    // Uniform CDF, samples {0.1, 0.5, 0.6}: max over i of |F − i/n|, |(i+1)/n − F| = max(0.1, 0.233, 0.1667, 0.1, 0.4, 0.2667, 0.6−2/3…) = 0.4.
    expect(ksStatistic([0.5, 0.1, 0.6], (x) => x)).toBeCloseTo(0.4, 15);
    expect(ksTwoSampleStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(ksTwoSampleStatistic([1, 2, 3, 4], [5, 6])).toBe(1);
    // Ties across samples jump together: a = {1,1,2}, b = {1,2,2}: after 1, |2/3 − 1/3| = 1/3; after 2, 0.
    expect(ksTwoSampleStatistic([1, 1, 2], [1, 2, 2])).toBeCloseTo(1 / 3, 15);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }), (a, b) => {
      // Brute force: sup over the grid of all sample values of |F_a − F_b|.
      let sup = 0;
      for (const v of [...a, ...b]) sup = Math.max(sup, Math.abs(a.filter((x) => x <= v).length / a.length - b.filter((x) => x <= v).length / b.length));
      expect(ksTwoSampleStatistic(a, b)).toBeCloseTo(sup, 14);
    }));
    expect(() => ksTwoSampleStatistic([], [1])).toThrow(/non-empty/);
  });

  it('DKW sizes: ln(2e6)/(2·1e-4) = 72,543.3, so 72,544 draws for ε = 0.01 at 1e-6; ε(n) inverts n(ε)', () => {
    expect(dkwSampleSize(0.01, 1e-6)).toBe(72544);
    expect(dkwEpsilon(72544, 1e-6)).toBeLessThanOrEqual(0.01);
    expect(dkwEpsilon(72543, 1e-6)).toBeGreaterThan(0.01);
    expect(() => dkwEpsilon(0, 1e-6)).toThrow(/n must be ≥ 1/);
    expect(() => dkwSampleSize(0.01, 2)).toThrow(/alpha/);
  });

  it('binomial intervals have exact tails: each ≤ α/2 and one more value would exceed it', () => {
    expect(binomialInterval(100, 0.5, 0.05)).toEqual([40, 60]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.01, max: 0.99, noNaN: true, noDefaultInfinity: true }), (n, p) => {
      const alpha = 1e-3;
      const [lo, hi] = binomialInterval(n, p, alpha);
      const cdf = (k: number): number => { let s = 0; for (let j = 0; j <= k; j++) s += Math.exp(logBinomialPmf(j, n, p)); return s; };
      const sf = (k: number): number => { let s = 0; for (let j = k; j <= n; j++) s += Math.exp(logBinomialPmf(j, n, p)); return s; };
      expect(lo === 0 || cdf(lo - 1) <= alpha / 2 * (1 + 1e-12)).toBe(true);
      expect(cdf(lo) > alpha / 2 * (1 - 1e-12)).toBe(true);
      expect(hi === n || sf(hi + 1) <= alpha / 2 * (1 + 1e-12)).toBe(true);
      expect(sf(hi) > alpha / 2 * (1 - 1e-12)).toBe(true);
    }), { numRuns: 60 });
    expect(binomialInterval(10, 0, 0.1)).toEqual([0, 0]);
    expect(() => binomialInterval(10.5, 0.5, 0.1)).toThrow(/n must be a non-negative integer/);
  });

  it('median of means: exact on a hand-made set; 111 groups at α = 1e-6', () => {
    expect(medianOfMeans([1, 3, 100, 102, 5, 7], 3)).toBe(6); // group means 2, 101, 6
    expect(medianOfMeans([1, 3, 5, 7, 9], 2)).toBe(4); // uses the first 4: means 2, 6
    expect(medianOfMeansGroups(1e-6)).toBe(111);
    expect(() => medianOfMeans([1], 2)).toThrow(/cannot fill/);
  });

  const same = 'stats KS: two samples from one law are within the two DKW bands';
  const shifted = 'stats KS negative control: a 0.2σ shift leaves the two DKW bands';
  // sup|F_a − F_b| ≤ sup|F_a − F| + sup|F − F_b|: with each DKW band at α/2 the sum fails with probability ≤ α.
  const twoSampleBand = (n: number, m: number, alpha: number): number => dkwEpsilon(n, alpha / 2) + dkwEpsilon(m, alpha / 2);

  it(same, () => {
    const s = testStream(same);
    const a = normals(s, new Float64Array(60000));
    const b = normals(s, new Float64Array(40000));
    const d = ksTwoSampleStatistic(a, b);
    const eps = twoSampleBand(a.length, b.length, alphaOf(same));
    expect(d <= eps, `D = ${d} > ${eps} (${describeSeed(same)})`).toBe(true);
  });

  it(shifted, () => {
    // sup|Φ(x) − Φ(x − 0.2)| = 2Φ(0.1) − 1 = 0.0797; the band is 2·0.0113 = 0.0225 (n = m = 60,000). The control
    // fails only if sup|F_a − Φ| + sup|F_b − Φ(· − 0.2)| > 0.0797 − 0.0225, so one of them > 0.0286:
    // probability ≤ 2·2e^{−2·60000·0.0286²} ≈ 2e−42 by DKW.
    const s = testStream(shifted);
    const a = normals(s, new Float64Array(60000));
    const b = normals(s, new Float64Array(60000)).map((x) => x + 0.2);
    const d = ksTwoSampleStatistic(a, b);
    const eps = twoSampleBand(a.length, b.length, alphaOf(shifted));
    expect(d > eps, `negative control: D = ${d} ≤ ${eps} (${describeSeed(shifted)})`).toBe(true);
  });
});
