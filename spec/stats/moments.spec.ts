/**
 * src/stats/moments: all Layer A. Hand-computed values, fast-check properties (shift/scale equivariance, PSD
 * covariance, equal weights = unweighted, invariance to the scale of the weights, integer weights = repeated rows),
 * accuracy with a large offset, and validation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/linalg/index.js';
import { normals, streamFromKey, keyFromSeed } from '../../src/rng/index.js';
import { batchCovariance, batchMean, mean, standardError, variance, weightedMean, weightedVariance } from '../../src/stats/index.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const sample = fc.array(finite(-100, 100), { minLength: 2, maxLength: 40 }).map((a) => Float64Array.from(a));

describe('scalar moments', () => {
  it('hand-computed: x = (1, 2, 4, 7): mean 3.5, variance 7, standard error √(7/4)', () => {
    const x = Float64Array.of(1, 2, 4, 7);
    expect(mean(x)).toBe(3.5);
    // deviations −2.5, −1.5, 0.5, 3.5: squares 6.25 + 2.25 + 0.25 + 12.25 = 21; 21/3 = 7
    expect(variance(x)).toBeCloseTo(7, 14);
    expect(standardError(x)).toBeCloseTo(Math.sqrt(7 / 4), 14);
    // strided view: every second entry of (1, 9, 2, 9, 4, 9, 7), and an offset
    const y = Float64Array.of(1, 9, 2, 9, 4, 9, 7);
    expect(mean(y, 4, 0, 2)).toBe(3.5);
    expect(variance(y, 4, 0, 2)).toBeCloseTo(7, 14);
    expect(mean(y, 3, 1, 2)).toBe(9);
  });

  it('mean is shift/scale equivariant, variance shift invariant and scales by a²', () => {
    fc.assert(fc.property(sample, finite(-1e3, 1e3), finite(-10, 10), (x, b, a) => {
      const y = x.map((v) => a * v + b);
      const scale = Math.max(...x.map(Math.abs), 1);
      expect(Math.abs(mean(y) - (a * mean(x) + b))).toBeLessThan(1e-12 * (Math.abs(a) * scale + Math.abs(b) + 1));
      expect(Math.abs(variance(y) - a * a * variance(x))).toBeLessThan(1e-9 * (a * a * scale * scale + 1) + 1e-12 * (Math.abs(b) + 1) ** 2);
      expect(variance(x)).toBeGreaterThanOrEqual(0);
    }));
  });

  it('the corrected two-pass variance keeps full accuracy under an offset of 1e9 (a one-pass Σx² − n x̄² does not)', () => {
    const x = Float64Array.of(1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16);
    expect(variance(x)).toBe(30); // deviations −6, −3, 3, 6: 90/3
    let s = 0, s2 = 0;
    for (const v of x) { s += v; s2 += v * v; }
    expect(Math.abs((s2 - (s * s) / 4) / 3 - 30)).toBeGreaterThan(1); // the naive formula loses the answer
  });

  it('weighted: hand-computed values; equal weights give the unweighted values; scaling weights changes nothing', () => {
    const x = Float64Array.of(1, 2, 4);
    const w = Float64Array.of(1, 1, 2);
    expect(weightedMean(x, w)).toBe(11 / 4);
    // Σ w (x − 2.75)² / Σw = (3.0625 + 0.5625 + 2·1.5625)/4 = 6.75/4
    expect(weightedVariance(x, w)).toBeCloseTo(6.75 / 4, 14);
    // reliability weights: V₁ − V₂/V₁ = 4 − 6/4 = 2.5
    expect(weightedVariance(x, w, 3, { unbiased: true })).toBeCloseTo(6.75 / 2.5, 14);
    fc.assert(fc.property(sample, finite(1e-3, 1e3), (x, c) => {
      const n = x.length;
      const ones = new Float64Array(n).fill(c);
      expect(weightedMean(x, ones)).toBeCloseTo(mean(x), 10);
      expect(weightedVariance(x, ones, n, { unbiased: true })).toBeCloseTo(variance(x), 8);
      expect(weightedVariance(x, ones)).toBeCloseTo((variance(x) * (n - 1)) / n, 8);
    }));
    fc.assert(fc.property(sample, fc.array(finite(0.01, 10), { minLength: 40, maxLength: 40 }), finite(1e-6, 1e6), (x, ws, c) => {
      const w1 = Float64Array.from(ws.slice(0, x.length));
      const w2 = w1.map((v) => c * v);
      expect(weightedMean(x, w2)).toBeCloseTo(weightedMean(x, w1), 10);
      expect(weightedVariance(x, w2)).toBeCloseTo(weightedVariance(x, w1), 8);
      expect(weightedVariance(x, w2, x.length, { unbiased: true })).toBeCloseTo(weightedVariance(x, w1, x.length, { unbiased: true }), 8);
    }));
  });

  it('integer weights equal repeating the entries (the weighted empirical law)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(finite(-10, 10), fc.integer({ min: 1, max: 4 })), { minLength: 2, maxLength: 15 }), (pairs) => {
      const x = Float64Array.from(pairs, (p) => p[0]);
      const w = Float64Array.from(pairs, (p) => p[1]);
      const rep = Float64Array.from(pairs.flatMap(([v, k]) => Array<number>(k).fill(v)));
      expect(weightedMean(x, w)).toBeCloseTo(mean(rep), 10);
      expect(weightedVariance(x, w)).toBeCloseTo((variance(rep) * (rep.length - 1)) / rep.length, 9);
    }));
  });

  it('validation names the argument and the constraint', () => {
    const x = Float64Array.of(1, 2, 3);
    expect(() => mean(x, 0)).toThrow(/n must be a positive integer/);
    expect(() => mean(x, 4)).toThrow(/x has length 3 but entry 3 is needed/);
    expect(() => mean(x, 2, 0, 0)).toThrow(/stride must be a positive integer/);
    expect(() => variance(x, 1)).toThrow(/variance needs n ≥ 2/);
    expect(() => weightedMean(x, Float64Array.of(1, -1, 1))).toThrow(/weights\[1\] must be finite and ≥ 0/);
    expect(() => weightedMean(x, Float64Array.of(1, NaN, 1))).toThrow(/weights\[1\]/);
    expect(() => weightedMean(x, Float64Array.of(0, 0, 0))).toThrow(/weights must have a positive sum/);
    expect(() => weightedMean(x, Float64Array.of(1, 1))).toThrow(/weights must have length ≥ n = 3/);
    expect(() => weightedVariance(x, Float64Array.of(0, 2, 0), 3, { unbiased: true })).toThrow(/at least two positive weights/);
  });
});

describe('walker-batch mean and covariance', () => {
  it('hand-computed 3×2 batch: mean (2, 3), covariance [[1, 2], [2, 4]]', () => {
    const x = Float64Array.of(1, 1, 2, 3, 3, 5); // rows (1,1), (2,3), (3,5): second coordinate = 2·first − 1
    expect(Array.from(batchMean(x, 3, 2))).toEqual([2, 3]);
    const c = batchCovariance(x, 3, 2);
    expect(Array.from(c)).toEqual([1, 2, 2, 4]);
    // the weighted-empirical-law covariance with weights (1, 2, 1): mean (2, 3), Σ w dx dxᵀ / 4 = [[½, 1], [1, 2]]
    const cw = batchCovariance(x, 3, 2, new Float64Array(4), { weights: Float64Array.of(1, 2, 1) });
    expect(Array.from(cw)).toEqual([0.5, 1, 1, 2]);
  });

  it('per-coordinate results equal the scalar functions on strided columns; covariance is symmetric PSD', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 5 }), (seed, n, d) => {
      const x = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(n * d));
      const m = batchMean(x, n, d);
      const c = batchCovariance(x, n, d);
      for (let j = 0; j < d; j++) {
        expect(m[j]).toBeCloseTo(mean(x, n, j, d), 12);
        expect(c[j * d + j]).toBeCloseTo(variance(x, n, j, d), 12);
        for (let k = 0; k < d; k++) expect(c[j * d + k]).toBe(c[k * d + j]);
      }
      const { values } = symmetricEigen(c, d);
      expect(values[0]).toBeGreaterThanOrEqual(-1e-12 * Math.max(1, values[d - 1]!));
    }));
  });

  it('equal weights give the unweighted batch moments; scaling weights changes nothing; zero weights drop walkers', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 3, max: 10 }), fc.integer({ min: 1, max: 4 }), finite(1e-3, 1e3), (seed, n, d, c) => {
      const s = streamFromKey(keyFromSeed(seed));
      const x = normals(s, new Float64Array(n * d));
      const w = normals(s, new Float64Array(n)).map((v) => Math.exp(v));
      const eq = new Float64Array(n).fill(c);
      const unweighted = batchCovariance(x, n, d);
      const equal = batchCovariance(x, n, d, new Float64Array(d * d), { weights: eq, unbiased: true });
      const w1 = batchCovariance(x, n, d, new Float64Array(d * d), { weights: w });
      const w2 = batchCovariance(x, n, d, new Float64Array(d * d), { weights: w.map((v) => v * c) });
      for (let k = 0; k < d * d; k++) {
        expect(equal[k]).toBeCloseTo(unweighted[k]!, 10);
        expect(w2[k]).toBeCloseTo(w1[k]!, 10);
      }
      // drop the last walker by weight 0 = leave it out
      const w0 = w.slice();
      w0[n - 1] = 0;
      const dropped = batchCovariance(x, n, d, new Float64Array(d * d), { weights: w0 });
      const short = batchCovariance(x, n - 1, d, new Float64Array(d * d), { weights: w.subarray(0, n - 1) });
      for (let k = 0; k < d * d; k++) expect(dropped[k]).toBeCloseTo(short[k]!, 12);
      const mw = batchMean(x, n, d, new Float64Array(d), w);
      for (let j = 0; j < d; j++) expect(mw[j]).toBeCloseTo(weightedMean(Float64Array.from({ length: n }, (_, i) => x[i * d + j]!), w), 12);
    }));
  });

  it('writes into out and the mean scratch without allocating; validates shapes', () => {
    const x = Float64Array.of(1, 1, 2, 3, 3, 5);
    const out = new Float64Array(4);
    const m = new Float64Array(2);
    expect(batchCovariance(x, 3, 2, out, { mean: m })).toBe(out);
    expect(Array.from(m)).toEqual([2, 3]);
    expect(() => batchMean(x, 4, 2)).toThrow(/x must have length ≥ n·d = 8/);
    expect(() => batchMean(x, 3, 0)).toThrow(/d must be a positive integer/);
    expect(() => batchCovariance(x, 3, 2, new Float64Array(3))).toThrow(/out must have length ≥ d·d = 4/);
    expect(() => batchCovariance(x, 1, 2)).toThrow(/at least two walkers/);
    expect(() => batchMean(x, 3, 2, new Float64Array(2), Float64Array.of(1, Infinity, 1))).toThrow(/weights\[1\] must be finite/);
  });
});
