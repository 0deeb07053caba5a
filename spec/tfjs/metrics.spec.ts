/**
 * src/tfjs/metrics: the Fréchet distance between Gaussian fits is 0 for equal sets, ‖Δμ‖² for a shift, the closed form
 * Σ(σ₁ⱼ − σ₂ⱼ)² + ‖Δμ‖² for diagonal covariances, and for 2×2 covariances tr((Σ₁^{1/2}Σ₂Σ₁^{1/2})^{1/2}) =
 * √(tr Σ₁Σ₂ + 2√det Σ₁Σ₂) (the trace of the square root of a 2×2 matrix with non-negative eigenvalues); it is
 * symmetric and invariant under a common rotation and translation of both feature sets. Negative control: the
 * "commuting" shortcut tr(Σ₁ + Σ₂ − 2Σ₁^{1/2}Σ₂^{1/2}) fails the 2×2 closed form. The Inception Score is 1 for identical
 * rows and K for K equally used one-hot classes, exp(log K − H) for rows of equal entropy H on disjoint supports.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frechetDistance, frechetDistanceFromFeatures, gaussianFit, inceptionScore, type GaussianFit } from '../../src/tfjs/metrics.js';
import { symmetricFunction } from '../../src/linalg/dense.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';

const stream = (seed: number) => streamFromKey(keyFromSeed(seed));
const fit = (mean: number[], cov: number[]): GaussianFit => ({ d: mean.length, n: 100, mean: Float64Array.from(mean), covariance: Float64Array.from(cov) });
const diag = (v: number[]) => {
  const d = v.length, m = new Array<number>(d * d).fill(0);
  v.forEach((x, i) => { m[i * d + i] = x; });
  return m;
};
/** SPD 2×2 matrix LLᵀ + cI from three entries of L. */
const spd2 = (a: number, b: number, c: number, shift: number) => [a * a + shift, a * b, a * b, b * b + c * c + shift];

describe('gaussianFit', () => {
  it('mean and unbiased covariance of a hand-computed set', () => {
    // rows (1, 2), (3, 0), (5, 4): mean (3, 2); centred (−2, 0), (0, −2), (2, 2); Σ = [[8, 4], [4, 8]] / 2
    const f = gaussianFit(Float64Array.of(1, 2, 3, 0, 5, 4), 3, 2);
    expect(Array.from(f.mean)).toEqual([3, 2]);
    expect(Array.from(f.covariance)).toEqual([4, 2, 2, 4]);
  });
  it('names bad arguments', () => {
    expect(() => gaussianFit(new Float64Array(3), 1, 3)).toThrow('gaussianFit: n = 1 must be an integer ≥ 2');
    expect(() => gaussianFit(new Float64Array(5), 2, 3)).toThrow('gaussianFit: features.length = 5 must be n·d = 6');
    expect(() => gaussianFit(Float64Array.of(0, NaN), 2, 1)).toThrow('gaussianFit: features[1] = NaN must be finite');
  });
});

describe('frechetDistance', () => {
  it('equal feature sets give 0 (to roundoff of the traces)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), (seed, d) => {
      const n = 3 * d + 2;
      const x = normals(stream(seed), new Float64Array(n * d));
      const f = gaussianFit(x, n, d);
      let tr = 0;
      for (let j = 0; j < d; j++) tr += f.covariance[j * d + j]!;
      const v = frechetDistanceFromFeatures(x, n, x, n, d);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1e-12 * tr);
    }), { numRuns: 60 });
  });

  it('a shift of one set by δ gives ‖δ‖² (equal covariances)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 5 }), (seed, d) => {
      const n = 4 * d + 3, s = stream(seed);
      const x = normals(s, new Float64Array(n * d)), delta = normals(s, new Float64Array(d));
      const y = x.map((v, i) => v + 3 * delta[i % d]!);
      let want = 0, tr = 0;
      for (const v of delta) want += 9 * v * v;
      const f = gaussianFit(x, n, d);
      for (let j = 0; j < d; j++) tr += f.covariance[j * d + j]!;
      expect(Math.abs(frechetDistanceFromFeatures(x, n, y, n, d) - want)).toBeLessThanOrEqual(1e-12 * (want + tr) * d);
    }), { numRuns: 60 });
  });

  it('diagonal covariances: Σⱼ (σ₁ⱼ − σ₂ⱼ)² + ‖μ₁ − μ₂‖²', () => {
    const pos = fc.double({ min: 1e-3, max: 10, noNaN: true, noDefaultInfinity: true });
    const mu = fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true });
    fc.assert(fc.property(fc.array(fc.tuple(pos, pos, mu, mu), { minLength: 1, maxLength: 6 }), (rows) => {
      const a = fit(rows.map((r) => r[2]), diag(rows.map((r) => r[0])));
      const b = fit(rows.map((r) => r[3]), diag(rows.map((r) => r[1])));
      let want = 0, scale = 0;
      for (const [v1, v2, m1, m2] of rows) { want += (Math.sqrt(v1) - Math.sqrt(v2)) ** 2 + (m1 - m2) ** 2; scale += v1 + v2 + m1 * m1 + m2 * m2; }
      expect(Math.abs(frechetDistance(a, b) - want)).toBeLessThanOrEqual(1e-13 * scale);
    }), { numRuns: 100 });
  });

  // For a 2×2 matrix M with non-negative real eigenvalues λ₁, λ₂: (√λ₁ + √λ₂)² = tr M + 2√det M.
  const trSqrtClosed = (s1: number[], s2: number[]) => {
    const [a, b, c, d] = s1 as [number, number, number, number], [e, f, g, h] = s2 as [number, number, number, number];
    const trM = a * e + b * g + c * f + d * h; // tr(Σ₁Σ₂)
    const detM = (a * d - b * c) * (e * h - f * g);
    return Math.sqrt(trM + 2 * Math.sqrt(detM));
  };
  const entry = fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });
  const shift = fc.double({ min: 0.05, max: 1, noNaN: true, noDefaultInfinity: true });
  const spd = fc.tuple(entry, entry, entry, shift).map(([a, b, c, s]) => spd2(a, b, c, s));

  it('2×2 covariances (non-commuting in general): the closed form √(tr Σ₁Σ₂ + 2√det Σ₁Σ₂), and symmetry', () => {
    fc.assert(fc.property(spd, spd, entry, entry, (s1, s2, m1, m2) => {
      const a = fit([m1, 0], s1), b = fit([0, m2], s2);
      const want = m1 * m1 + m2 * m2 + s1[0]! + s1[3]! + s2[0]! + s2[3]! - 2 * trSqrtClosed(s1, s2);
      const scale = s1[0]! + s1[3]! + s2[0]! + s2[3]! + m1 * m1 + m2 * m2;
      const v = frechetDistance(a, b);
      expect(Math.abs(v - Math.max(want, 0))).toBeLessThanOrEqual(1e-11 * scale);
      expect(Math.abs(v - frechetDistance(b, a))).toBeLessThanOrEqual(1e-11 * scale);
    }), { numRuns: 100 });
  });

  it('negative control: the commuting shortcut tr(Σ₁ + Σ₂ − 2Σ₁^{1/2}Σ₂^{1/2}) misses the closed form for non-commuting Σ', () => {
    const s1 = [2, 0, 0, 0.5], s2 = [1, 0.6, 0.6, 1]; // Σ₁Σ₂ ≠ Σ₂Σ₁
    const r1 = symmetricFunction(Float64Array.from(s1), 2, Math.sqrt), r2 = symmetricFunction(Float64Array.from(s2), 2, Math.sqrt);
    const shortcut = s1[0]! + s1[3]! + s2[0]! + s2[3]! - 2 * (r1[0]! * r2[0]! + r1[1]! * r2[2]! + r1[2]! * r2[1]! + r1[3]! * r2[3]!);
    const closed = s1[0]! + s1[3]! + s2[0]! + s2[3]! - 2 * trSqrtClosed(s1, s2);
    expect(Math.abs(frechetDistance(fit([0, 0], s1), fit([0, 0], s2)) - closed)).toBeLessThanOrEqual(1e-13 * 4.5);
    expect(Math.abs(shortcut - closed)).toBeGreaterThan(1e-3); // 0.0298…: the shortcut is a different number
  });

  it('is invariant under a common rotation and translation of both feature sets', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 6.28, noNaN: true, noDefaultInfinity: true }), (seed, th) => {
      const n = 12, s = stream(seed);
      const x = normals(s, new Float64Array(2 * n)), y = normals(s, new Float64Array(2 * n)).map((v, i) => (i % 2 ? 2 * v + 1 : 0.5 * v));
      const c = Math.cos(th), si = Math.sin(th);
      const rot = (z: Float64Array) => {
        const o = new Float64Array(z.length);
        for (let i = 0; i < n; i++) { o[2 * i] = c * z[2 * i]! - si * z[2 * i + 1]! + 3; o[2 * i + 1] = si * z[2 * i]! + c * z[2 * i + 1]! - 1; }
        return o;
      };
      const v = frechetDistanceFromFeatures(x, n, y, n, 2), w = frechetDistanceFromFeatures(rot(x), n, rot(y), n, 2);
      expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-11 * (1 + v));
    }), { numRuns: 60 });
  });

  it('a singular covariance (features on a line) is handled; zero covariances give ‖Δμ‖²', () => {
    // Σ₁ = diag(1, 0), Σ₂ = diag(4, 0): d² = (1 − 2)² = 1
    expect(frechetDistance(fit([0, 0], [1, 0, 0, 0]), fit([0, 0], [4, 0, 0, 0]))).toBeCloseTo(1, 14);
    expect(frechetDistance(fit([1, 2], [0, 0, 0, 0]), fit([4, -2], [0, 0, 0, 0]))).toBe(25);
  });

  it('names bad arguments', () => {
    expect(() => frechetDistance(fit([0], [1]), fit([0, 0], [1, 0, 0, 1]))).toThrow('frechetDistance: a.d = 1 must equal b.d = 2');
    expect(() => frechetDistance(fit([0, 0], [1, 0.5, 0, 1]), fit([0, 0], [1, 0, 0, 1]))).toThrow('frechetDistance: a.covariance must be symmetric');
    expect(() => frechetDistance(fit([0, 0], [1, 2, 2, 1]), fit([0, 0], [1, 0, 0, 1]))).toThrow('positive semi-definite');
    expect(() => frechetDistance({ d: 2, n: 3, mean: new Float64Array(3), covariance: new Float64Array(4) }, fit([0, 0], [1, 0, 0, 1]))).toThrow('frechetDistance: a.mean.length = 3 must be d = 2');
    expect(() => frechetDistance(fit([NaN], [1]), fit([0], [1]))).toThrow('frechetDistance: a.mean[0] = NaN must be finite');
  });
});

describe('inceptionScore', () => {
  it('identical rows give 1; K one-hot classes used equally give K; disjoint equal-entropy rows give exp(log K − H)', () => {
    const same = Float64Array.from({ length: 5 * 4 }, (_, i) => [0.1, 0.2, 0.3, 0.4][i % 4]!);
    expect(inceptionScore(same, 5, 4).mean).toBeCloseTo(1, 14);
    const oneHot = Float64Array.from({ length: 8 * 4 }, (_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));
    expect(inceptionScore(oneHot, 8, 4).mean).toBeCloseTo(4, 13);
    // 2 rows over 4 classes: (0.5, 0.5, 0, 0) and (0, 0, 0.5, 0.5): p(y) uniform, KL = log 2 for each row
    const halves = Float64Array.of(0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5);
    expect(inceptionScore(halves, 2, 4).mean).toBeCloseTo(2, 14);
  });
  it('splits: the mean and standard deviation of the per-split scores', () => {
    // split 1 one-hot over 2 classes (IS 2), split 2 identical rows (IS 1)
    const p = Float64Array.of(1, 0, 0, 1, 0.5, 0.5, 0.5, 0.5);
    const r = inceptionScore(p, 4, 2, 2);
    expect(Array.from(r.scores).map((v) => Number(v.toFixed(12)))).toEqual([2, 1]);
    expect(r.mean).toBeCloseTo(1.5, 12);
    expect(r.std).toBeCloseTo(0.5, 12);
  });
  it('names bad arguments', () => {
    expect(() => inceptionScore(Float64Array.of(0.5, 0.4), 1, 2)).toThrow('inceptionScore: row 0 sums to 0.9');
    expect(() => inceptionScore(new Float64Array(6), 3, 2, 2)).toThrow('inceptionScore: splits = 2 must be a positive integer dividing n = 3');
    expect(() => inceptionScore(Float64Array.of(1.5, -0.5), 1, 2)).toThrow('inceptionScore: probabilities[0] = 1.5 must be in [0, 1]');
  });
});
