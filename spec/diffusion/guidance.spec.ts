/**
 * Guidance (003): classifier guidance with scale γ and classifier-free guidance, with the exact Bayes classifier of
 * mixture data (class = component) and exact conditional ε-predictors. Layer A: γ = 0 gives the unguided model and
 * γ = 1 the conditional one; with the Bayes classifier both guided forms coincide at every γ (003's derivation
 * ∇ log p(y|x) = ∇ log p(x|y) − ∇ log p(x)); the guided score is ∇ log(p(y|x)^γ p(x)) (central differences); the w
 * convention of Ho & Salimans equals 003's at γ = 1 + w; and the ε- and score-forms of classifier guidance agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epsilonToScore } from '../../src/diffusion/ddpm.js';
import {
  exactClassifierGradient,
  exactConditionalEpsilonModel,
  exactEpsilonModel,
  gaussianMixtureData,
  noisedMixture,
} from '../../src/diffusion/exact.js';
import {
  classifierFreeEpsilon,
  classifierFreeEpsilonWeighted,
  classifierFreeModel,
  classifierGuidedEpsilon,
  classifierGuidedModel,
  classifierGuidedScore,
  guidanceScaleFromWeight,
  guidanceWeightFromScale,
} from '../../src/diffusion/guidance.js';
import { ddpmSchedule } from '../../src/diffusion/schedules.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { dbl, maxAbsDiff } from './_helpers.js';

const data = gaussianMixtureData({ weights: [0.2, 0.5, 0.3], means: [-2, 0, 1, 1.5, 2, -1], variances: [0.3, 0.2, 0.5, 0.4, 0.25, 0.6], d: 2 });
const s = ddpmSchedule({ kind: 'linear', T: 100 });
const eps = exactEpsilonModel(data, s);
const cond = exactConditionalEpsilonModel(data, s);
const grad = exactClassifierGradient(data, s);
const n = 8;
const batch = (seed: number) => normals(streamFromKey(keyFromSeed(seed)), new Float64Array(n * 2)).map((v) => 2 * v);

describe('classifier and classifier-free guidance (003)', () => {
  it('γ = 0 is the unguided model, γ = 1 the conditional model, for both forms', () => {
    for (const t of [1, 30, 100]) {
      for (const y of [0, 1, 2]) {
        const x = batch(t * 3 + y);
        const unc = eps(x, n, t, new Float64Array(n * 2));
        const con = cond(x, n, t, y, new Float64Array(n * 2));
        expect(Array.from(classifierGuidedModel(s, eps, grad, y, 0)(x, n, t, new Float64Array(n * 2)))).toEqual(Array.from(unc));
        expect(Array.from(classifierFreeModel(cond, y, 0)(x, n, t, new Float64Array(n * 2)))).toEqual(Array.from(unc));
        expect(maxAbsDiff(classifierGuidedModel(s, eps, grad, y, 1)(x, n, t, new Float64Array(n * 2)), con)).toBeLessThan(1e-12);
        expect(maxAbsDiff(classifierFreeModel(cond, y, 1)(x, n, t, new Float64Array(n * 2)), con)).toBeLessThan(1e-15);
      }
    }
  });

  it('with the Bayes classifier, classifier guidance equals classifier-free guidance at every γ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), dbl(-2, 8), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 2 }), (seed, gamma, t, y) => {
        const x = batch(seed);
        const a = classifierGuidedModel(s, eps, grad, y, gamma)(x, n, t, new Float64Array(n * 2));
        const b = classifierFreeModel(cond, y, gamma)(x, n, t, new Float64Array(n * 2));
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-11 * (1 + Math.abs(gamma)));
      }),
    );
  });

  it('negative control: a classifier gradient with the wrong sign does not give the conditional model at γ = 1', () => {
    const wrong = (x: Float64Array, nn: number, t: number, y: number, out: Float64Array) => grad(x, nn, t, y, out).map((v, i) => (out[i] = -v));
    const x = batch(77);
    const con = cond(x, n, 50, 0, new Float64Array(n * 2));
    expect(maxAbsDiff(classifierGuidedModel(s, eps, wrong, 0, 1)(x, n, 50, new Float64Array(n * 2)), con)).toBeGreaterThan(1e-2);
  });

  it('the guided score is ∇ log(p(y|x_t)^γ p(x_t)) (central differences), and equals the ε-form through s = −ε/√(1 − ᾱ_t)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), dbl(0, 5), fc.integer({ min: 2, max: 100 }), fc.integer({ min: 0, max: 2 }), (seed, gamma, t, y) => {
        const a = Math.sqrt(s.alphaBar[t]!);
        const c = Math.sqrt(1 - s.alphaBar[t]!);
        const law = noisedMixture(data, a, c);
        const x = batch(seed).subarray(0, 2);
        const logTarget = (z: Float64Array) => {
          const post = law.classPosterior(z, 1, new Float64Array(3));
          return gamma * Math.log(post[y]!) + law.logDensity(z, 1, new Float64Array(1))[0]!;
        };
        const sc = law.score(x, 1, new Float64Array(2));
        const g = law.classLogPosteriorGradient(x, 1, y, new Float64Array(2));
        const guided = classifierGuidedScore(sc, g, gamma, 2, new Float64Array(2));
        const h = 1e-5;
        for (let j = 0; j < 2; j++) {
          const p = x.slice();
          const m = x.slice();
          p[j] = p[j]! + h;
          m[j] = m[j]! - h;
          const fd = (logTarget(p) - logTarget(m)) / (2 * h);
          expect(Math.abs(fd - guided[j]!)).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
        }
        // ε-form → score-form
        const e = eps(x, 1, t, new Float64Array(2));
        const ge = classifierGuidedEpsilon(s, t, e, g, gamma, 2, new Float64Array(2));
        expect(maxAbsDiff(epsilonToScore(s, t, ge, 2, new Float64Array(2)), guided)).toBeLessThan(1e-10 * (1 + gamma));
      }),
    );
  });

  it('w convention: (1 + w) ε(x, y) − w ε(x) equals 003 at γ = 1 + w; the conversions are inverse', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), dbl(-1, 10), (seed, w) => {
        const rng = streamFromKey(keyFromSeed(seed));
        const ec = normals(rng, new Float64Array(6));
        const eu = normals(rng, new Float64Array(6));
        const a = classifierFreeEpsilonWeighted(ec, eu, w, 6, new Float64Array(6));
        const b = classifierFreeEpsilon(ec, eu, guidanceScaleFromWeight(w), 6, new Float64Array(6));
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-13 * (1 + Math.abs(w)) * 10);
        expect(guidanceWeightFromScale(guidanceScaleFromWeight(w))).toBeCloseTo(w, 12);
        // w = 0 is the conditional model (γ = 1); w = −1 the unconditional (γ = 0)
        expect(Array.from(classifierFreeEpsilonWeighted(ec, eu, 0, 6, new Float64Array(6)))).toEqual(Array.from(ec));
        expect(Array.from(classifierFreeEpsilonWeighted(ec, eu, -1, 6, new Float64Array(6)))).toEqual(Array.from(eu));
      }),
    );
  });

  it('names bad input', () => {
    const b = new Float64Array(2);
    expect(() => classifierGuidedEpsilon(s, 0, b, b, 1, 2, b)).toThrow('classifierGuidedEpsilon: t = 0 must be an integer in 1..100');
    expect(() => classifierGuidedEpsilon(s, 3, b, b, Number.NaN, 2, b)).toThrow('classifierGuidedEpsilon: gamma = NaN must be finite');
    expect(() => classifierFreeEpsilon(b, b, 1.5, 0.5, b)).toThrow('classifierFreeEpsilon: len = 0.5 must be a positive integer');
    expect(() => classifierFreeModel(cond, 0, Infinity)).toThrow('classifierFreeModel: gamma = Infinity must be finite');
    expect(() => cond(b, 1, 3, 5, b)).toThrow('exactConditionalEpsilonModel: y = 5 must be null or an integer in 0..2');
    expect(() => classifierFreeEpsilon(b, new Float64Array(1), 1, 2, b)).toThrow('classifierFreeEpsilon: epsUnconditional must hold 2 values, got 1');
  });
});
