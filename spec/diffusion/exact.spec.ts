/**
 * Exact oracle models (src/diffusion/exact.ts): validation of mixture data, affine (quadratic-energy) score models,
 * class posteriors summing to 1, and the exact ε-predictor of Gaussian data in closed form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affineModel, exactEpsilonModel, gaussianData, gaussianMixtureData, noisedMixture, sampleMixture } from '../../src/diffusion/exact.js';
import { ddpmSchedule } from '../../src/diffusion/schedules.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { dbl, maxAbsDiff } from './_helpers.js';

describe('exact oracles', () => {
  it('affine model A x + b with A = −diag(1/v), b = μ/v is the score of N(μ, diag v) (a quadratic energy)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), dbl(-2, 2), dbl(-2, 2), dbl(0.2, 3), dbl(0.2, 3), (seed, m1, m2, v1, v2) => {
        const A = Float64Array.of(-1 / v1, 0, 0, -1 / v2);
        const b = Float64Array.of(m1 / v1, m2 / v2);
        const model = affineModel(2, () => ({ A, b }));
        const x = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(10));
        const want = noisedMixture(gaussianData([m1, m2], [v1, v2]), 1, 0).score(x, 5, new Float64Array(10));
        expect(maxAbsDiff(model(x, 5, 0, new Float64Array(10)), want)).toBeLessThan(1e-12 * (1 + Math.max(...Array.from(want, Math.abs))));
      }),
    );
  });

  it('Gaussian data: ε̂(x_t) = √(1 − ᾱ) (x − √ᾱ m)/(ᾱ s² + 1 − ᾱ) in closed form', () => {
    const s = ddpmSchedule({ kind: 'cosine', T: 40 });
    const model = exactEpsilonModel(gaussianData([0.5, -1], [0.3, 2]), s);
    const x = Float64Array.of(0.2, 1.1);
    for (const t of [1, 20, 40]) {
      const ab = s.alphaBar[t]!;
      const out = model(x, 1, t, new Float64Array(2));
      const want = [0.5, -1].map((m, j) => (Math.sqrt(1 - ab) * (x[j]! - Math.sqrt(ab) * m)) / (ab * [0.3, 2][j]! + 1 - ab));
      expect(maxAbsDiff(out, want)).toBeLessThan(1e-12);
    }
  });

  it('class posteriors sum to 1 and sampleMixture is reproducible', () => {
    const data = gaussianMixtureData({ weights: [0.2, 0.3, 0.5], means: [-1, 0, 2], variances: [0.5, 0.2, 1], d: 1 });
    const law = noisedMixture(data, 0.7, 0.5);
    const y = Float64Array.of(-3, 0, 0.4, 8);
    const post = law.classPosterior(y, 4, new Float64Array(12));
    for (let i = 0; i < 4; i++) expect(Math.abs(post[i * 3]! + post[i * 3 + 1]! + post[i * 3 + 2]! - 1)).toBeLessThan(1e-14);
    const a = sampleMixture(streamFromKey(keyFromSeed(3)), data, 50);
    const b = sampleMixture(streamFromKey(keyFromSeed(3)), data, 50);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('names bad input', () => {
    expect(() => gaussianMixtureData({ weights: [0.5, 0.6], means: [0, 1], variances: [1, 1], d: 1 })).toThrow('gaussianMixtureData: weights must sum to 1, got 1.1');
    expect(() => gaussianMixtureData({ weights: [1], means: [0], variances: [-1], d: 1 })).toThrow('gaussianMixtureData: variances[0] = -1 must be finite and > 0');
    expect(() => gaussianMixtureData({ weights: [1], means: [0, 1], variances: [1], d: 1 })).toThrow('gaussianMixtureData: means must hold K·d = 1 values, got 2');
    expect(() => noisedMixture(gaussianData([0], [1]), 0, 0)).toThrow('noisedMixture: a and c must not both be 0');
    expect(() => noisedMixture(gaussianData([0], [1]), 1, -0.1)).toThrow('noisedMixture: c = -0.1 must be finite and ≥ 0');
    const s = ddpmSchedule({ kind: 'linear', T: 5 });
    expect(() => exactEpsilonModel(gaussianData([0], [1]), s)(new Float64Array(1), 1, 6, new Float64Array(1))).toThrow('exactEpsilonModel: t = 6 must be an integer in 1..5');
  });
});
