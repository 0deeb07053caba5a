/**
 * DDPM (003 "Sampling of DDPM", "DDPM objective", s = −ε/√(1 − ᾱ_t)) with exact oracle models.
 * Layer A: the three parameterisations give identical steps on consistent predictions (and a sign-flipped score ↔ ε
 * relation does not); the implementation's ancestral step with the exact ε-predictor of Gaussian data is affine and
 * its coefficients equal an independently written moment recursion; the recursion's error in the final law falls like
 * 1/T for σ_t² = β̃_t and β_t and does not fall for the wrong σ_t = β_t; L_simple and the weighted objective are related
 * by the coefficient; the exact ε-predictor minimises L_simple (quadrature); Tweedie consistency of the oracles.
 * Layer B: ancestral sampling with the exact ε-predictor follows the chain's exact law (DKW): for Gaussian data the
 * moment recursion, for a two-mode mixture a grid Chapman–Kolmogorov oracle (spec/diffusion/_helpers.ts); both laws are
 * within a deterministic, asserted distance of the data law; the sign error is rejected.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ddpmMeanFromEpsilon,
  ddpmMeanFromScore,
  ddpmMeanFromX0,
  ddpmObjectiveWeight,
  ddpmSample,
  ddpmStepper,
  ddpmWeightedObjectiveWith,
  epsilonToScore,
  epsilonToX0,
  lSimple,
  lSimpleWith,
  posteriorVariance,
  scoreToEpsilon,
  x0ToEpsilon,
  type DdpmVariance,
} from '../../src/diffusion/ddpm.js';
import {
  exactEpsilonModel,
  exactStepScoreModel,
  exactX0Model,
  gaussianData,
  gaussianMixtureData,
  noisedMixture,
} from '../../src/diffusion/exact.js';
import { ddpmSchedule, type DdpmSchedule } from '../../src/diffusion/schedules.js';
import type { EpsilonModel, ScoreModel } from '../../src/diffusion/types.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import { describeSeed, testStream } from '../_support/seed.js';
import { dkwEpsilon, expectCdfOutsideDkw, expectCdfWithinDkw, alphaOf, ksStatistic, normalCdf } from '../_support/stat.js';
import { dbl, gridChainLaw, kernelFromStep, maxAbsDiff, mixtureCdf1d, supDistance } from './_helpers.js';

const rngOf = (seed: number) => streamFromKey(keyFromSeed(seed));

describe('parameterisations (003 s = −ε/√(1 − ᾱ_t), x₀ = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t)', () => {
  it('ε-, x₀- and score-means agree on consistent predictions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 100 }), fc.constantFrom<'linear' | 'cosine'>('linear', 'cosine'), (seed, t, kind) => {
        const s = ddpmSchedule({ kind, T: 100 });
        const len = 12;
        const rng = rngOf(seed);
        const xt = normals(rng, new Float64Array(len));
        const eps = normals(rng, new Float64Array(len));
        const score = epsilonToScore(s, t, eps, len, new Float64Array(len));
        const x0 = epsilonToX0(s, t, xt, eps, len, new Float64Array(len));
        const mE = ddpmMeanFromEpsilon(s, t, xt, eps, len, new Float64Array(len));
        const mS = ddpmMeanFromScore(s, t, xt, score, len, new Float64Array(len));
        const mX = ddpmMeanFromX0(s, t, xt, x0, len, new Float64Array(len));
        const scale = 1 + Math.max(...Array.from(mE, Math.abs));
        expect(maxAbsDiff(mE, mS)).toBeLessThan(1e-12 * scale);
        // x₀ divides by √ᾱ_t, which is small at the end of the cosine schedule: error ∝ 1/√ᾱ_t
        expect(maxAbsDiff(mE, mX)).toBeLessThan((1e-13 * scale) / Math.sqrt(s.alphaBar[t]!));
        // round trips
        expect(maxAbsDiff(scoreToEpsilon(s, t, score, len, new Float64Array(len)), eps)).toBeLessThan(1e-12);
        expect(maxAbsDiff(x0ToEpsilon(s, t, xt, x0, len, new Float64Array(len)), eps)).toBeLessThan(1e-12 / Math.sqrt(1 - s.alphaBar[t]!));
      }),
    );
  });

  it('negative control: a sign error s = +ε/√(1 − ᾱ_t) changes the step', () => {
    const s = ddpmSchedule({ kind: 'linear', T: 100 });
    const rng = rngOf(3);
    const len = 8;
    const xt = normals(rng, new Float64Array(len));
    const eps = normals(rng, new Float64Array(len));
    const wrongScore = epsilonToScore(s, 50, eps, len, new Float64Array(len)).map((v) => -v);
    const mE = ddpmMeanFromEpsilon(s, 50, xt, eps, len, new Float64Array(len));
    const mS = ddpmMeanFromScore(s, 50, xt, wrongScore, len, new Float64Array(len));
    expect(maxAbsDiff(mE, mS)).toBeGreaterThan(1e-3);
  });

  it('the three exact predictors drive identical ancestral steps on mixture data', () => {
    const data = gaussianMixtureData({ weights: [0.3, 0.7], means: [-2, 1, 1.5, -0.5], variances: [0.2, 0.5, 0.3, 0.1], d: 2 });
    const s = ddpmSchedule({ kind: 'cosine', T: 50 });
    const n = 16;
    const rng = rngOf(9);
    const steppers = [
      ddpmStepper({ kind: 'epsilon', model: exactEpsilonModel(data, s) }, s, n, 2),
      ddpmStepper({ kind: 'x0', model: exactX0Model(data, s) }, s, n, 2),
      ddpmStepper({ kind: 'score', model: exactStepScoreModel(data, s) }, s, n, 2),
    ];
    for (const t of [1, 2, 10, 25, 49]) {
      const xt = normals(rng, new Float64Array(n * 2));
      const noise = normals(rng, new Float64Array(n * 2));
      const outs = steppers.map((st) => st(t, xt, noise, new Float64Array(n * 2)));
      expect(maxAbsDiff(outs[0]!, outs[1]!)).toBeLessThan(1e-11);
      expect(maxAbsDiff(outs[0]!, outs[2]!)).toBeLessThan(1e-11);
    }
  });
});

describe('exact oracles (Tweedie)', () => {
  it('posterior mean = (y + c² ∇log p(y))/a, score = ∇ of the log-density (central differences)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), dbl(0.2, 1), dbl(0.1, 1.5), (seed, a, c) => {
        const data = gaussianMixtureData({ weights: [0.25, 0.75], means: [-1, 2, 1, 0], variances: [0.3, 0.6, 1, 0.2], d: 2 });
        const law = noisedMixture(data, a, c);
        const y = normals(rngOf(seed), new Float64Array(2));
        const sc = law.score(y, 1, new Float64Array(2));
        const pm = law.posteriorMean(y, 1, new Float64Array(2));
        for (let j = 0; j < 2; j++) expect(Math.abs(pm[j]! - (y[j]! + c * c * sc[j]!) / a)).toBeLessThan(1e-10);
        const h = 1e-5;
        for (let j = 0; j < 2; j++) {
          const yp = y.slice();
          const ym = y.slice();
          yp[j] = yp[j]! + h;
          ym[j] = ym[j]! - h;
          const fd = (law.logDensity(yp, 1, new Float64Array(1))[0]! - law.logDensity(ym, 1, new Float64Array(1))[0]!) / (2 * h);
          expect(Math.abs(fd - sc[j]!)).toBeLessThan(1e-6 * (1 + Math.abs(sc[j]!)));
        }
      }),
    );
  });
});

/** The ancestral step x' = A x + B + S ξ of the implementation, recovered with injected x and noise (1-D). */
function extractStep(step: (t: number, x: Float64Array, noise: Float64Array, out: Float64Array) => Float64Array, t: number) {
  const zero = new Float64Array(1);
  const one = Float64Array.of(1);
  const B = step(t, zero, zero, new Float64Array(1))[0]!;
  const A = step(t, one, zero, new Float64Array(1))[0]! - B;
  const S = step(t, zero, one, new Float64Array(1))[0]! - B;
  return { A, B, S };
}

/**
 * An independently written moment recursion for 1-D Gaussian data N(m, s²): the exact ε-predictor is
 * ε̂(x) = c (x − a m)/(a² s² + c²) (a = √ᾱ_t, c = √(1 − ᾱ_t)), so x_{t−1} = A x + B + σ ξ with the coefficients below.
 */
function recursionCoefficients(s: DdpmSchedule, t: number, m: number, s2: number, sigma2: (t: number) => number) {
  const ab = s.alphaBar[t]!;
  const a = Math.sqrt(ab);
  const c = Math.sqrt(1 - ab);
  const v = a * a * s2 + c * c;
  const k0 = 1 / Math.sqrt(s.alpha[t]!);
  const k1 = s.beta[t]! / Math.sqrt(s.alpha[t]! * (1 - ab));
  return { A: k0 - (k1 * c) / v, B: (k1 * c * a * m) / v, S: Math.sqrt(sigma2(t)) };
}

const betaTilde = (s: DdpmSchedule) => (t: number) => ((1 - s.alphaBar[t - 1]!) / (1 - s.alphaBar[t]!)) * s.beta[t]!;

/** The law N(μ, V) of x_0 when x_T ~ N(0, 1) is pushed through steps x' = A_t x + B_t + S_t ξ, t = T..1. */
function pushMoments(T: number, coef: (t: number) => { A: number; B: number; S: number }) {
  let mu = 0;
  let V = 1;
  for (let t = T; t >= 1; t--) {
    const { A, B, S } = coef(t);
    mu = A * mu + B;
    V = A * A * V + S * S;
  }
  return { mu, V };
}

describe('ancestral sampling moments with the exact ε-predictor (Gaussian data)', () => {
  const m = 1.5;
  const s2 = 0.25;
  const data = gaussianData([m], [s2]);

  it("the implementation's step equals the independent recursion at every t (σ² = β̃_t and β_t)", () => {
    for (const kind of ['linear', 'cosine'] as const) {
      const s = ddpmSchedule({ kind, T: 200 });
      for (const variance of ['betaTilde', 'beta'] as DdpmVariance[]) {
        const step = ddpmStepper({ kind: 'epsilon', model: exactEpsilonModel(data, s) }, s, 1, 1, { variance });
        const sig = variance === 'betaTilde' ? betaTilde(s) : (t: number) => s.beta[t]!;
        for (let t = 1; t <= 200; t++) {
          const got = extractStep(step, t);
          const want = recursionCoefficients(s, t, m, s2, sig);
          expect(Math.abs(got.A - want.A)).toBeLessThan(1e-12 * Math.abs(want.A));
          expect(Math.abs(got.B - want.B)).toBeLessThan(1e-12);
          expect(Math.abs(got.S - want.S)).toBeLessThan(1e-14 + 1e-12 * want.S);
        }
      }
    }
    expect(posteriorVariance(ddpmSchedule({ kind: 'linear', T: 10 }), 1)).toBe(0);
  });

  it('the error of the final law falls like 1/T (cosine schedule), for σ² = β̃_t and σ² = β_t', () => {
    for (const variance of ['betaTilde', 'beta'] as DdpmVariance[]) {
      let prev = Infinity;
      for (const T of [50, 100, 200, 400, 800]) {
        const s = ddpmSchedule({ kind: 'cosine', T });
        const step = ddpmStepper({ kind: 'epsilon', model: exactEpsilonModel(data, s) }, s, 1, 1, { variance });
        const { mu, V } = pushMoments(T, (t) => extractStep(step, t));
        const err = Math.abs(mu - m) + Math.abs(V - s2);
        // first order: halving the step size halves the error (ratio within [0.4, 0.6] once T ≥ 100)
        if (prev < Infinity) {
          expect(err / prev).toBeGreaterThan(0.4);
          expect(err / prev).toBeLessThan(0.6);
        }
        prev = err;
      }
      expect(prev).toBeLessThan(5e-3);
    }
  });

  it('negative control: σ_t = β_t (the std set to the variance) collapses the variance and does not improve with T', () => {
    for (const T of [100, 800]) {
      const s = ddpmSchedule({ kind: 'cosine', T });
      const { mu, V } = pushMoments(T, (t) => recursionCoefficients(s, t, m, s2, (u) => s.beta[u]! ** 2));
      expect(Math.abs(mu - m)).toBeLessThan(1e-6);
      expect(Math.abs(V - s2)).toBeGreaterThan(0.2);
    }
  });
});

describe('L_simple and the weighted objective (003)', () => {
  const data = gaussianMixtureData({ weights: [0.4, 0.6], means: [-1, 1], variances: [0.3, 0.2], d: 1 });
  const s = ddpmSchedule({ kind: 'linear', T: 100 });
  const exact = exactEpsilonModel(data, s);

  it('weighted objective = Σ (1 − α_t)²/(2 β̃_t α_t (1 − ᾱ_t)) ‖ε − ε_θ‖² / n; L_simple = Σ ‖ε − ε_θ‖² / n', () => {
    const rng = rngOf(11);
    const n = 40;
    const x0 = normals(rng, new Float64Array(n));
    const eps = normals(rng, new Float64Array(n));
    const steps = Int32Array.from({ length: n }, (_, i) => 2 + ((i * 7) % 99));
    const model: EpsilonModel = (x, nn, _t, out) => {
      for (let i = 0; i < nn; i++) out[i] = 0.5 * x[i]!;
      return out;
    };
    let want = 0;
    let wantSimple = 0;
    for (let i = 0; i < n; i++) {
      const t = steps[i]!;
      const xt = Math.sqrt(s.alphaBar[t]!) * x0[i]! + Math.sqrt(1 - s.alphaBar[t]!) * eps[i]!;
      const r = eps[i]! - 0.5 * xt;
      const at = s.alpha[t]!;
      want += (((1 - at) ** 2 / (2 * betaTilde(s)(t) * at)) * r * r) / (1 - s.alphaBar[t]!);
      wantSimple += r * r;
    }
    expect(Math.abs(ddpmWeightedObjectiveWith(model, s, x0, n, 1, steps, eps) - want / n)).toBeLessThan(1e-10 * (want / n));
    expect(Math.abs(lSimpleWith(model, s, x0, n, 1, steps, eps) - wantSimple / n)).toBeLessThan(1e-12 * (wantSimple / n));
    expect(() => ddpmObjectiveWeight(s, 1)).toThrow('ddpmObjectiveWeight: t = 1 must be ≥ 2');
    expect(ddpmObjectiveWeight(s, 50)).toBeCloseTo((s.beta[50]! ** 2) / (2 * betaTilde(s)(50) * s.alpha[50]!), 12);
  });

  it('the exact ε-predictor minimises the expected L_simple at each t: E‖ε − ε̂ − δh‖² − E‖ε − ε̂‖² = δ² E h² (quadrature)', () => {
    // E over x₀ ~ mixture, ε ~ N(0,1) by Gauss–Legendre on ±10 sd (error ≪ 1e-10 for these smooth integrands).
    const gl = gaussLegendre(120, -10, 10);
    const expectedLoss = (t: number, perturb: (x: number) => number): number => {
      const one = new Float64Array(1);
      const o = new Float64Array(1);
      let total = 0;
      for (let k = 0; k < data.K; k++) {
        const mk = data.means[k]!;
        const sk = Math.sqrt(data.variances[k]!);
        for (let p = 0; p < gl.nodes.length; p++) {
          const x0 = mk + sk * gl.nodes[p]!;
          const w0 = (gl.weights[p]! * Math.exp(-0.5 * gl.nodes[p]! ** 2)) / Math.sqrt(2 * Math.PI);
          for (let q = 0; q < gl.nodes.length; q++) {
            const e = gl.nodes[q]!;
            const w1 = (gl.weights[q]! * Math.exp(-0.5 * e * e)) / Math.sqrt(2 * Math.PI);
            one[0] = Math.sqrt(s.alphaBar[t]!) * x0 + Math.sqrt(1 - s.alphaBar[t]!) * e;
            exact(one, 1, t, o);
            const r = e - o[0]! - perturb(one[0]!);
            total += data.weights[k]! * w0 * w1 * r * r;
          }
        }
      }
      return total;
    };
    for (const t of [5, 50, 95]) {
      const base = expectedLoss(t, () => 0);
      for (const delta of [0.1, -0.05]) {
        const h = (x: number) => delta * (1 + 0.5 * x);
        const pert = expectedLoss(t, h);
        const eh2 = pushH2(t, h);
        expect(Math.abs(pert - base - eh2)).toBeLessThan(1e-9);
        expect(pert).toBeGreaterThan(base);
      }
    }
    function pushH2(t: number, h: (x: number) => number): number {
      // E h(x_t)² under q(x_t) by the same quadrature
      let total = 0;
      for (let k = 0; k < data.K; k++) {
        const mean = Math.sqrt(s.alphaBar[t]!) * data.means[k]!;
        const sd = Math.sqrt(s.alphaBar[t]! * data.variances[k]! + 1 - s.alphaBar[t]!);
        for (let p = 0; p < gl.nodes.length; p++) {
          const w = (gl.weights[p]! * Math.exp(-0.5 * gl.nodes[p]! ** 2)) / Math.sqrt(2 * Math.PI);
          total += data.weights[k]! * w * h(mean + sd * gl.nodes[p]!) ** 2;
        }
      }
      return total;
    }
  });

  it('lSimple draws t ~ U{1, T} and ε, and is reproducible from the stream', () => {
    const x0 = Float64Array.from([0.1, -0.3, 0.8]);
    const a = lSimple(rngOf(4), exact, s, x0, 3, 1);
    const b = lSimple(rngOf(4), exact, s, x0, 3, 1);
    expect(a).toBe(b);
    expect(a).toBeGreaterThan(0);
  });

  it('names bad input', () => {
    const x = new Float64Array(2);
    expect(() => lSimpleWith(exact, s, x, 2, 1, Int32Array.from([0, 3]), x)).toThrow('lSimple: t = 0 must be an integer in 1..100');
    expect(() => ddpmStepper({ kind: 'epsilon', model: exact }, s, 1, 1)(101, x, x, new Float64Array(1))).toThrow('ddpmStep: t = 101 must be an integer in 1..100');
    expect(() => ddpmStepper({ kind: 'epsilon', model: exact }, s, 1, 1, { variance: 'sigma' as DdpmVariance })).toThrow("variance = sigma must be 'betaTilde' or 'beta'");
    const bad: EpsilonModel = (_x, _n, _t, out) => out.fill(Number.NaN);
    expect(() => lSimpleWith(bad, s, x, 2, 1, Int32Array.from([1, 3]), x)).toThrow('lSimple: the loss term of row 0 is NaN');
    expect(() => epsilonToScore(s, 3, x, Number.NaN, x)).toThrow('epsilonToScore: len = NaN must be a positive integer');
    expect(() => ddpmMeanFromX0(s, 3, x, x, 3, new Float64Array(3))).toThrow('ddpmMeanFromX0: xt must hold 3 values, got 2');
  });
});

describe('DDPM ancestral sampling reproduces the data law (calibrated)', () => {
  // T = 500: the exact first-order bias (≈ 0.6/T in the Gaussian's variance, from the recursion above) is below a
  // tenth of the DKW band of 10⁴ draws, checked in the Gaussian test.
  const T = 500;
  const s = ddpmSchedule({ kind: 'cosine', T });

  it('DDPM exact ε: 1-D Gaussian data, samples follow the recursion law and the data law (DKW)', () => {
    const name = 'DDPM exact ε: 1-D Gaussian data, samples follow the recursion law and the data law (DKW)';
    const m = 1.5;
    const s2 = 0.25;
    const data = gaussianData([m], [s2]);
    const n = 10000;
    const x = ddpmSample(testStream(name), { kind: 'epsilon', model: exactEpsilonModel(data, s) }, s, n, 1);
    const { mu, V } = pushMoments(T, (t) => recursionCoefficients(s, t, m, s2, betaTilde(s)));
    expectCdfWithinDkw(name, x, (z) => normalCdf((z - mu) / Math.sqrt(V)), { what: 'recursion law', k: 2 });
    // against the data law: the band plus the exact discretisation bias sup|F_alg − F_data| (from the recursion)
    const bias = gaussianKs(mu, V, m, s2);
    const eps = dkwEpsilon(n, alphaOf(name) / 2);
    expect(bias).toBeLessThan(eps / 10);
    const dData = ksStatistic(x, (z) => normalCdf((z - m) / Math.sqrt(s2)));
    expect(dData).toBeLessThan(eps + bias);
  });

  it("DDPM exact ε: 1-D two-mode mixture, samples follow the chain's exact law (DKW), itself within 0.0025 of the data law", () => {
    const name = "DDPM exact ε: 1-D two-mode mixture, samples follow the chain's exact law (DKW), itself within 0.0025 of the data law";
    const data = gaussianMixtureData({ weights: [0.3, 0.7], means: [-2, 1.5], variances: [0.25, 0.36], d: 1 });
    const model = exactEpsilonModel(data, s);
    // The law of x_1 after the implementation's steps t = T..2 (grid Chapman–Kolmogorov; the narrowest kernel,
    // σ_2 = √β̃_2 = 0.0069, is 1.2 h at h = 0.006, and h = 0.004 agrees to < 1e-8, asserted). The last step t = 1 has
    // σ_1 = 0: x_0 = μ_1(x_1) moves each point by at most δ = sup|μ_1(x) − x|, so sup|F_{x_0} − F_{x_1}| ≤ δ · sup p_{x_1}.
    const R = 7;
    const lawAt = (h: number) => {
      const N = Math.round((2 * R) / h) + 1;
      const step = ddpmStepper({ kind: 'epsilon', model }, s, N, 1);
      const law = gridChainLaw((x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI), T - 1, kernelFromStep((k, x, _n, z, out) => step(T - k, x, z, out)), R, h);
      return { law, N, step };
    };
    const { law, N, step } = lawAt(0.006);
    expect(Math.abs(law.mass - 1)).toBeLessThan(1e-8);
    expect(supDistance(law.cdf, lawAt(0.004).law.cdf, -5, 5, 2001)).toBeLessThan(1e-8);
    const grid = Float64Array.from({ length: N }, (_, i) => -R + (i * 2 * R) / (N - 1));
    const mu1 = step(1, grid, new Float64Array(N), new Float64Array(N));
    let delta = 0; // over [−5, 5]; x_1 is outside with probability F(−5) + 1 − F(5)
    for (let i = 0; i < N; i++) if (Math.abs(grid[i]!) <= 5) delta = Math.max(delta, Math.abs(mu1[i]! - grid[i]!));
    let pMax = 0;
    for (let i = 0; i <= 2000; i++) pMax = Math.max(pMax, law.density(-5 + i / 200));
    const lastStep = delta * pMax + law.cdf(-5) + 1 - law.cdf(5) + (1 - law.mass);
    // the algorithm's own error in the law of x_0 (deterministic): ≤ 0.0013 (x_1) + 0.0004 (the last step's bound)
    const biasX1 = supDistance(law.cdf, mixtureCdf1d(data), -5, 5, 2001);
    expect(biasX1 + lastStep).toBeLessThan(2.5e-3);
    const n = 10000;
    const x = ddpmSample(testStream(name), { kind: 'epsilon', model }, s, n, 1);
    const eps = dkwEpsilon(n, alphaOf(name));
    expect(eps).toBeLessThan(0.03);
    const d = ksStatistic(x, law.cdf);
    expect(d, `sup|F_n − F_chain| = ${d} > DKW ε ${eps} + last-step bound ${lastStep} (${describeSeed(name)})`).toBeLessThanOrEqual(eps + lastStep);
  });

  it('DDPM negative control: the sign-flipped score ↔ ε relation is rejected (DKW)', () => {
    const name = 'DDPM negative control: the sign-flipped score ↔ ε relation is rejected (DKW)';
    const data = gaussianMixtureData({ weights: [0.3, 0.7], means: [-2, 1.5], variances: [0.25, 0.36], d: 1 });
    const eps = exactEpsilonModel(data, s);
    // s = +ε/√(1 − ᾱ_t) instead of −ε/√(1 − ᾱ_t)
    const wrong: ScoreModel = (xx, nn, t, out) => {
      eps(xx, nn, t, out);
      const c = Math.sqrt(1 - s.alphaBar[t]!);
      for (let i = 0; i < nn; i++) out[i] = out[i]! / c;
      return out;
    };
    const x = ddpmSample(testStream(name), { kind: 'score', model: wrong }, s, 2000, 1);
    expectCdfOutsideDkw(name, x, mixtureCdf1d(data), { what: 'mixture CDF' });
  });
});

/** sup_x |Φ((x − μ)/√V) − Φ((x − m)/√s2)| on a fine grid (the two laws' Kolmogorov distance). */
function gaussianKs(mu: number, V: number, m: number, s2: number): number {
  let best = 0;
  for (let i = -4000; i <= 4000; i++) {
    const z = m + (i / 500) * Math.sqrt(s2);
    best = Math.max(best, Math.abs(normalCdf((z - mu) / Math.sqrt(V)) - normalCdf((z - m) / Math.sqrt(s2))));
  }
  return best;
}

describe('no NaN propagation', () => {
  it('ddpmSample throws at the step where the model returns NaN, naming the step', () => {
    const s = ddpmSchedule({ kind: 'linear', T: 20 });
    const good = exactEpsilonModel(gaussianData([0], [1]), s);
    const bad: EpsilonModel = (x, n, t, out) => {
      good(x, n, t, out);
      if (t === 7) out[1] = Number.NaN;
      return out;
    };
    expect(() => ddpmSample(rngOf(1), { kind: 'epsilon', model: bad }, s, 3, 1)).toThrow(
      'ddpmStep: x_{t−1} at t = 7 has a non-finite value NaN at index 1',
    );
    expect(ddpmSample(rngOf(1), { kind: 'epsilon', model: good }, s, 3, 1).every(Number.isFinite)).toBe(true);
  });
});
