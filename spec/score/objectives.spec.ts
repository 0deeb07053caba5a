/**
 * Score-matching objectives on weighted point sets (src/score/objectives.ts). Layer A, with Gauss–Hermite point sets
 * standing in for the data law (every integrand below is a polynomial of degree ≤ 2 in the nodes, so 3 nodes per axis
 * integrate it exactly):
 *   ESM − ISM = ½ E|∇log p|² = ½ tr Σ⁻¹ for data N(μ, Σ), for every linear model θ (002's integration by parts), and
 *   their θ-gradients agree; 001 (3.38) as written (no ½ on ‖s‖²) is not ESM + const and is minimized by half the score;
 *   ESM with the exact score = ½ D_F (001 Def. 3.4), D_F and KL against their Gaussian closed forms;
 *   ESM against the Gaussian KDE's score on the KDE's own law differs from ISM by a θ-free constant;
 *   DSM (002) is minimized by the score of the noised law, N(μ, Σ + σ²I), not by the clean score, and ½ DSM − ESM on the
 *   noised law is θ-free;
 *   Hutchinson ISM and sliced SM over all 2^d Rademacher vectors (or Gauss–Hermite projections) equal ISM exactly.
 * Layer B (α = 1e-7 each, registered): Hutchinson ISM with random Rademacher/Gaussian probes is unbiased, with its
 * exact variance; sliced SM with random projections equals ISM in expectation; negative controls for both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hutchinsonVariance } from '../../src/linalg/hutchinson.js';
import { spdInverse } from '../../src/linalg/dense.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { gaussianMixtureScoreModel, linearScoreModel, linearScoreTheta, mixtureScoreTheta } from '../../src/score/model.js';
import { kdeDensity, kdeScore, parzenKde } from '../../src/score/kde.js';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import {
  bindScore, denoisingScoreMatching, denoisingScoreMatchingWithNoise, explicitScoreMatching, fisherDivergence,
  hutchinsonScoreMatching, hutchinsonScoreMatchingWithProbes, implicitScoreMatching, klDivergence, slicedScoreMatching,
  slicedScoreMatchingWithProjections, type WeightedPoints,
} from '../../src/score/objectives.js';
import { testStream } from '../_support/seed.js';
import { expectWithinSE, zFor, alphaOf } from '../_support/stat.js';
import { covarianceOf, gaussianPointSet, lowerFrom } from './_quadrature.js';

const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThan(tol * (1 + Math.abs(b)));

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const dimArb = fc.integer({ min: 1, max: 3 });

/** A random Gaussian data law N(μ, LLᵀ) and a random linear model θ = [μ_θ, P_θ] (P_θ any matrix), from a seed. */
function problem(seed: number, d: number) {
  const rng = streamFromKey(keyFromSeed(seed));
  const mu = normals(rng, new Float64Array(d));
  const L = lowerFrom(d, Array.from(normals(rng, new Float64Array((d * (d + 1)) / 2))).map((v) => 0.6 * v));
  const Sigma = covarianceOf(L, d), Prec = spdInverse(Sigma, d);
  const theta = linearScoreTheta(normals(rng, new Float64Array(d)), normals(rng, new Float64Array(d * d)));
  return { rng, mu, L, Sigma, Prec, theta };
}

/** The exact score of N(μ, Σ) at the points: −Σ⁻¹(x − μ). */
function gaussianScore(mu: Float64Array, Prec: Float64Array, d: number) {
  return linearScoreModel(d).score.bind(null, linearScoreTheta(mu, Prec)) as unknown as (x: Float64Array, n: number, out: Float64Array) => Float64Array;
}

const identity = (d: number) => new Float64Array(d * d).map((_, k) => (k % (d + 1) === 0 ? 1 : 0));

function trace(a: Float64Array, d: number): number {
  let t = 0;
  for (let k = 0; k < d; k++) t += a[k * d + k]!;
  return t;
}

describe('score/objectives: ESM, ISM and the Fisher divergence (exact, Gauss–Hermite)', () => {
  it('ESM − ISM = ½ tr Σ⁻¹ for every linear model, and the θ-gradients are equal', () => {
    fc.assert(fc.property(seedArb, dimArb, (seed, d) => {
      const { mu, L, Prec, theta } = problem(seed, d);
      const pts = gaussianPointSet(mu, L, 3);
      const model = linearScoreModel(d), target = gaussianScore(mu, Prec, d)(pts.x, pts.n, new Float64Array(pts.n * d));
      const gE = new Float64Array(model.paramDim), gI = new Float64Array(model.paramDim);
      const esm = explicitScoreMatching(model, theta, pts, target, gE);
      const ism = implicitScoreMatching(model, theta, pts, gI);
      close(esm - ism, 0.5 * trace(Prec, d), 1e-10 * (1 + Math.abs(esm)), `d = ${d}`);
      for (let k = 0; k < model.paramDim; k++) close(gE[k]!, gI[k]!, 1e-10, `grad[${k}]`);
    }), { numRuns: 100 });
  });

  it('ISM is stationary at the true score (μ, Σ⁻¹); a model off by a factor (1.1 Σ⁻¹) is not', () => {
    fc.assert(fc.property(seedArb, dimArb, (seed, d) => {
      const { mu, L, Prec } = problem(seed, d);
      const pts = gaussianPointSet(mu, L, 3), model = linearScoreModel(d), g = new Float64Array(model.paramDim);
      implicitScoreMatching(model, linearScoreTheta(mu, Prec), pts, g);
      for (let k = 0; k < g.length; k++) expect(Math.abs(g[k]!)).toBeLessThan(1e-10 * (1 + trace(Prec, d)));
      implicitScoreMatching(model, linearScoreTheta(mu, Prec.map((v) => 1.1 * v)), pts, g);
      // ∂/∂P of ½ tr(PΣPᵀ) − tr P at 1.1 Σ⁻¹ is 0.1 I: the diagonal entries are 0.1
      for (let k = 0; k < d; k++) close(g[d + k * d + k]!, 0.1, 1e-9, 'off-by-factor gradient');
    }), { numRuns: 50 });
  });

  it('erratum 001 (3.38): E[‖s‖² + tr J s] (no ½) is not ESM + const and is minimized by half the score', () => {
    const d = 1, mu = Float64Array.of(0.3), L = Float64Array.of(1.7), Prec = Float64Array.of(1 / 1.7 ** 2);
    const pts = gaussianPointSet(mu, L, 3), model = linearScoreModel(d);
    const target = gaussianScore(mu, Prec, d)(pts.x, pts.n, new Float64Array(pts.n));
    const asWritten = (P: number) => {
      const th = linearScoreTheta(mu, Float64Array.of(P)), s = model.score(th, pts.x, pts.n, new Float64Array(pts.n));
      const t = model.divergence(th, pts.x, pts.n, new Float64Array(pts.n));
      let a = 0;
      for (let i = 0; i < pts.n; i++) a += pts.weights[i]! * (s[i]! ** 2 + t[i]!);
      return a;
    };
    const esm = (P: number) => explicitScoreMatching(model, linearScoreTheta(mu, Float64Array.of(P)), pts, target);
    const ism = (P: number) => implicitScoreMatching(model, linearScoreTheta(mu, Float64Array.of(P)), pts);
    const p0 = Prec[0]!;
    close(esm(p0) - ism(p0), esm(2 * p0) - ism(2 * p0), 1e-12, 'corrected (3.38): θ-free constant');
    expect(Math.abs((esm(p0) - asWritten(p0)) - (esm(2 * p0) - asWritten(2 * p0)))).toBeGreaterThan(0.1);
    const dd = (f: (P: number) => number, P: number) => (f(P + 1e-5) - f(P - 1e-5)) / 2e-5;
    expect(Math.abs(dd(ism, p0))).toBeLessThan(1e-8);
    expect(Math.abs(dd(asWritten, p0 / 2))).toBeLessThan(1e-8); // the as-written minimizer is ½ Σ⁻¹
    expect(Math.abs(dd(asWritten, p0))).toBeGreaterThan(0.5);
  });

  it('ESM with the exact score is ½ D_F(p‖p_θ) (001 (3.38)); D_F and KL match their Gaussian closed forms', () => {
    fc.assert(fc.property(seedArb, dimArb, (seed, d) => {
      const { rng, mu, L, Sigma, Prec, theta } = problem(seed, d);
      const pts = gaussianPointSet(mu, L, 3), model = linearScoreModel(d);
      const sp = gaussianScore(mu, Prec, d), sq = bindScore(model, theta);
      const DF = fisherDivergence(sp, sq, pts);
      close(explicitScoreMatching(model, theta, pts, sp(pts.x, pts.n, new Float64Array(pts.n * d))), 0.5 * DF, 1e-10, 'ESM = ½ D_F');
      // D_F(N(μ,Σ) ‖ linear θ) = tr(AΣAᵀ) + |P_θ(μ − μ_θ)|², A = P_θ − Σ⁻¹
      const P = theta.subarray(d), m2 = theta.subarray(0, d);
      let df = 0;
      for (let a = 0; a < d; a++) {
        let b2 = 0;
        for (let j = 0; j < d; j++) b2 += P[a * d + j]! * (mu[j]! - m2[j]!);
        df += b2 * b2;
        for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) df += (P[a * d + j]! - Prec[a * d + j]!) * Sigma[j * d + k]! * (P[a * d + k]! - Prec[a * d + k]!);
      }
      close(DF, df, 1e-10, 'D_F closed form');
      // KL(N(μ,Σ) ‖ N(μ2, Σ2)) = ½[tr(Σ2⁻¹Σ) + (μ2−μ)ᵀΣ2⁻¹(μ2−μ) − d + log det Σ2 − log det Σ]
      const L2 = lowerFrom(d, Array.from(normals(rng, new Float64Array((d * (d + 1)) / 2)))), S2 = covarianceOf(L2, d), P2 = spdInverse(S2, d);
      const mu2 = normals(rng, new Float64Array(d));
      const logDet = (Lm: Float64Array) => { let s = 0; for (let k = 0; k < d; k++) s += 2 * Math.log(Lm[k * d + k]!); return s; };
      const logN = (m: Float64Array, Pm: Float64Array, ld: number) => (x: Float64Array, n: number, out: Float64Array) => {
        for (let i = 0; i < n; i++) {
          let q = 0;
          for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) q += (x[i * d + a]! - m[a]!) * Pm[a * d + b]! * (x[i * d + b]! - m[b]!);
          out[i] = -0.5 * q - 0.5 * ld - 0.5 * d * Math.log(2 * Math.PI);
        }
        return out;
      };
      let kl = -d + logDet(L2) - logDet(L);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) kl += P2[a * d + b]! * (Sigma[b * d + a]! + (mu2[a]! - mu[a]!) * (mu2[b]! - mu[b]!));
      close(klDivergence(logN(mu, Prec, logDet(L)), logN(mu2, P2, logDet(L2)), pts), 0.5 * kl, 1e-10, 'KL closed form');
    }), { numRuns: 60 });
  });

  it('erratum 001 (3.37): the sums without 1/N grow with N; the estimates (with 1/N) do not', () => {
    const model = linearScoreModel(1), sp = bindScore(model, linearScoreTheta(Float64Array.of(0), Float64Array.of(1)));
    const sq = bindScore(model, linearScoreTheta(Float64Array.of(0.5), Float64Array.of(2)));
    const x = Float64Array.of(-1, 0.3, 2), twice = Float64Array.of(-1, 0.3, 2, -1, 0.3, 2);
    const f1 = fisherDivergence(sp, sq, { x, n: 3, d: 1 }), f2 = fisherDivergence(sp, sq, { x: twice, n: 6, d: 1 });
    close(f2, f1, 1e-15, 'with 1/N');
    expect(6 * f2).toBeCloseTo(2 * (3 * f1), 12); // as written: Σ over the doubled set is twice Σ over the set
    expect(Math.abs(6 * f2 - 3 * f1)).toBeGreaterThan(0.5 * 3 * f1);
  });

  it('ESM against the Gaussian-KDE score on the KDE\'s own law = ISM + a θ-free constant (1-D, composite Gauss–Legendre)', () => {
    const data = Float64Array.of(-1.2, 0.1, 0.4, 2.0), h = 0.5, kde = parzenKde(data, 4, 1, { kernel: 'gaussian', bandwidth: h });
    // nodes on [−12, 13] (≥ 21 h beyond the data: the mass outside is < e^{−220}), weights w_GL · f̂(x)
    const panels = 250, m = 12, x = new Float64Array(panels * m), w = new Float64Array(panels * m);
    for (let p = 0; p < panels; p++) {
      const r = gaussLegendre(m, -12 + 0.1 * p, -12 + 0.1 * (p + 1));
      x.set(r.nodes, p * m);
      w.set(r.weights, p * m);
    }
    const f = kdeDensity(kde, x, x.length, new Float64Array(x.length));
    for (let k = 0; k < w.length; k++) w[k] = w[k]! * f[k]!;
    const pts: WeightedPoints = { x, n: x.length, d: 1, weights: w };
    const target = kdeScore(kde, x, x.length, new Float64Array(x.length));
    const diffs = [linearScoreTheta(Float64Array.of(0), Float64Array.of(1)), linearScoreTheta(Float64Array.of(0.7), Float64Array.of(-2.5)),
      mixtureScoreTheta(Float64Array.of(-1, 1), Float64Array.of(0.3, 0))].map((th) => {
      const model = th.length === 2 ? linearScoreModel(1) : gaussianMixtureScoreModel(2, 1);
      return explicitScoreMatching(model, th, pts, target) - implicitScoreMatching(model, th, pts);
    });
    close(diffs[1]!, diffs[0]!, 1e-11, 'linear θ₂');
    close(diffs[2]!, diffs[0]!, 1e-11, 'mixture θ');
    // the constant is ½ E|∇ log f̂|²
    let c = 0;
    for (let k = 0; k < x.length; k++) c += 0.5 * w[k]! * target[k]! ** 2;
    close(diffs[0]!, c, 1e-11, '½ E|ψ̂|²');
  });
});

describe('score/objectives: denoising score matching (002, Gaussian kernel)', () => {
  /** Data nodes × noise nodes, weights multiplied: exact expectations of polynomials of degree ≤ 5 in (z, ε). */
  function pairs(mu: Float64Array, L: Float64Array) {
    const d = mu.length, data = gaussianPointSet(mu, L, 3), noise = gaussianPointSet(new Float64Array(d), identity(d), 3);
    const n = data.n * noise.n, x = new Float64Array(n * d), e = new Float64Array(n * d), w = new Float64Array(n);
    for (let i = 0; i < data.n; i++) for (let j = 0; j < noise.n; j++) {
      const r = i * noise.n + j;
      x.set(data.x.subarray(i * d, (i + 1) * d), r * d);
      e.set(noise.x.subarray(j * d, (j + 1) * d), r * d);
      w[r] = data.weights[i]! * noise.weights[j]!;
    }
    return { x, noise: e, n, d, weights: w };
  }

  it('the minimizer is the score of the noised law: μ and (Σ + σ²I)⁻¹; the clean score Σ⁻¹ is not stationary', () => {
    fc.assert(fc.property(seedArb, dimArb, fc.double({ min: 0.1, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, d, sigma) => {
      const { mu, L, Sigma, Prec } = problem(seed, d);
      const P = pairs(mu, L), model = linearScoreModel(d), g = new Float64Array(model.paramDim);
      const noised = Sigma.map((v, k) => (k % (d + 1) === 0 ? v + sigma * sigma : v));
      denoisingScoreMatchingWithNoise(model, linearScoreTheta(mu, spdInverse(noised, d)), P, sigma, g);
      const scale = 1 + trace(Prec, d) / sigma;
      for (let k = 0; k < g.length; k++) expect(Math.abs(g[k]!), `grad[${k}]`).toBeLessThan(1e-9 * scale);
      denoisingScoreMatchingWithNoise(model, linearScoreTheta(mu, Prec), P, sigma, g);
      let gn = 0;
      for (let k = 0; k < g.length; k++) gn = Math.max(gn, Math.abs(g[k]!));
      expect(gn).toBeGreaterThan(1e-3);
    }), { numRuns: 60 });
  });

  it('erratum 002: the target written "∇_x log q_σ(x̃|x)" is (x̃ − x)/σ² (the ∇_x̃ form is (x − x̃)/σ²); with it DSM fits minus the score', () => {
    const d = 1, mu = Float64Array.of(0.4), L = Float64Array.of(1.3), sigma = 0.5;
    const P = pairs(mu, L), model = linearScoreModel(d), v = 1.3 ** 2 + sigma ** 2;
    const asWritten = (prec: number) => { // Σ w |s(x̃) − ∇_x log q(x̃|x)|², ∇_x log q = (x̃ − x)/σ² = ε/σ
      const xt = P.x.map((x, i) => x + sigma * P.noise[i]!);
      const s = model.score(linearScoreTheta(mu, Float64Array.of(prec)), xt, P.n, new Float64Array(P.n));
      let a = 0;
      for (let i = 0; i < P.n; i++) a += P.weights[i]! * (s[i]! - P.noise[i]! / sigma) ** 2;
      return a;
    };
    const correct = (prec: number) => denoisingScoreMatchingWithNoise(model, linearScoreTheta(mu, Float64Array.of(prec)), P, sigma);
    const dd = (f: (p: number) => number, p: number) => (f(p + 1e-5) - f(p - 1e-5)) / 2e-5;
    expect(Math.abs(dd(correct, 1 / v))).toBeLessThan(1e-7);
    expect(Math.abs(dd(asWritten, -1 / v))).toBeLessThan(1e-7); // minimized by precision −(Σ + σ²)⁻¹: minus the score
    expect(Math.abs(dd(asWritten, 1 / v))).toBeGreaterThan(1);
  });

  it('½ DSM − ESM on the noised law N(μ, Σ + σ²I) does not depend on θ (Vincent 2011), gradients included', () => {
    fc.assert(fc.property(seedArb, dimArb, fc.double({ min: 0.1, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, d, sigma) => {
      const { rng, mu, L, Sigma } = problem(seed, d);
      const noised = Sigma.map((v, k) => (k % (d + 1) === 0 ? v + sigma * sigma : v));
      const Lq = new Float64Array(d * d); // Cholesky of the noised covariance, by hand (d ≤ 3)
      for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) {
        let s = noised[a * d + b]!;
        for (let k = 0; k < b; k++) s -= Lq[a * d + k]! * Lq[b * d + k]!;
        Lq[a * d + b] = a === b ? Math.sqrt(s) : s / Lq[b * d + b]!;
      }
      const P = pairs(mu, L), q = gaussianPointSet(mu, Lq, 3), model = linearScoreModel(d);
      const target = gaussianScore(mu, spdInverse(noised, d), d)(q.x, q.n, new Float64Array(q.n * d));
      const c: number[] = [];
      for (let t = 0; t < 3; t++) {
        const th = linearScoreTheta(normals(rng, new Float64Array(d)), normals(rng, new Float64Array(d * d)));
        const g1 = new Float64Array(model.paramDim), g2 = new Float64Array(model.paramDim);
        c.push(0.5 * denoisingScoreMatchingWithNoise(model, th, P, sigma, g1) - explicitScoreMatching(model, th, q, target, g2));
        for (let k = 0; k < g1.length; k++) close(0.5 * g1[k]!, g2[k]!, 1e-9, `grad[${k}]`);
      }
      close(c[1]!, c[0]!, 1e-9 * (1 + 1 / sigma ** 2), 'constant');
      close(c[2]!, c[0]!, 1e-9 * (1 + 1 / sigma ** 2), 'constant');
    }), { numRuns: 60 });
  });

  it('the sampling wrapper draws its noise from the stream it is given (same as injected normals) and checks σ', () => {
    const model = linearScoreModel(2), th = linearScoreTheta(Float64Array.of(0.1, 0.2), Float64Array.of(1, 0.2, 0, 2));
    const pts: WeightedPoints = { x: Float64Array.of(0, 1, 2, 3, -1, 0.5), n: 3, d: 2, weights: Float64Array.of(1, 2, 1) };
    const v1 = denoisingScoreMatching(streamFromKey(keyFromSeed(5)), model, th, pts, 0.7, { perPoint: 2 });
    const eps = normals(streamFromKey(keyFromSeed(5)), new Float64Array(12));
    const x = new Float64Array(12), w = new Float64Array(6);
    for (let i = 0; i < 3; i++) for (let r = 0; r < 2; r++) { x.set(pts.x.subarray(2 * i, 2 * i + 2), 2 * (2 * i + r)); w[2 * i + r] = pts.weights![i]!; }
    expect(v1).toBe(denoisingScoreMatchingWithNoise(model, th, { x, n: 6, d: 2, weights: w, noise: eps }, 0.7));
    expect(() => denoisingScoreMatching(streamFromKey(keyFromSeed(5)), model, th, pts, -0.1)).toThrow(/denoisingScoreMatching: sigma = -0.1 must be finite and > 0/);
    expect(() => denoisingScoreMatching(streamFromKey(keyFromSeed(5)), model, th, pts, 0)).toThrow(/sigma = 0 must be/);
    expect(() => denoisingScoreMatching(streamFromKey(keyFromSeed(5)), model, th, pts, 1, { perPoint: 0 })).toThrow(/perPoint must be a positive integer/);
  });
});

/** All 2^d sign vectors, repeated for each of n points: n·2^d × d. */
function allSigns(n: number, d: number): Float64Array {
  const m = 2 ** d, out = new Float64Array(n * m * d);
  for (let i = 0; i < n; i++) for (let s = 0; s < m; s++) for (let j = 0; j < d; j++) out[(i * m + s) * d + j] = (s >> j) & 1 ? 1 : -1;
  return out;
}

describe('score/objectives: Hutchinson and sliced score matching, exact', () => {
  it('over all 2^d Rademacher vectors both equal ISM exactly, gradients included (mixture model, d = 1 … 4)', () => {
    fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 4 }), (seed, d) => {
      const rng = streamFromKey(keyFromSeed(seed)), n = 5, model = gaussianMixtureScoreModel(2, d);
      const th = normals(rng, new Float64Array(model.paramDim)).map((v) => 1.5 * v);
      const pts: WeightedPoints = { x: normals(rng, new Float64Array(n * d)).map((v) => 2 * v), n, d, weights: Float64Array.of(1, 2, 3, 4, 5) };
      const p = model.paramDim, gI = new Float64Array(p), gH = new Float64Array(p), gS = new Float64Array(p);
      const ism = implicitScoreMatching(model, th, pts, gI), v = allSigns(n, d);
      close(hutchinsonScoreMatchingWithProbes(model, th, pts, v, 2 ** d, gH).estimate, ism, 1e-12, 'Hutchinson');
      close(slicedScoreMatchingWithProjections(model, th, pts, v, 2 ** d, gS).estimate, ism, 1e-12, 'sliced');
      for (let k = 0; k < p; k++) {
        close(gH[k]!, gI[k]!, 1e-11, `Hutchinson grad[${k}]`);
        close(gS[k]!, gI[k]!, 1e-11, `sliced grad[${k}]`);
      }
    }), { numRuns: 50 });
  });

  it('with fixed random probes, the Hutchinson and sliced gradients are the θ-derivatives of their estimates', () => {
    fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 3 }), (seed, d) => {
      const rng = streamFromKey(keyFromSeed(seed)), n = 4, m = 3, model = gaussianMixtureScoreModel(2, d);
      const th = normals(rng, new Float64Array(model.paramDim)).map((v) => 1.5 * v);
      const pts: WeightedPoints = { x: normals(rng, new Float64Array(n * d)).map((v) => 2 * v), n, d, weights: Float64Array.of(1, 2, 3, 4) };
      const v = normals(rng, new Float64Array(n * m * d));
      for (const f of [hutchinsonScoreMatchingWithProbes, slicedScoreMatchingWithProjections]) {
        const g = new Float64Array(model.paramDim);
        f(model, th, pts, v, m, g);
        for (let k = 0; k < model.paramDim; k++) {
          const tp = Float64Array.from(th), tm = Float64Array.from(th);
          tp[k] = tp[k]! + 1e-6; tm[k] = tm[k]! - 1e-6;
          close(g[k]!, (f(model, tp, pts, v, m).estimate - f(model, tm, pts, v, m).estimate) / 2e-6, 1e-6, `${f.name} grad[${k}]`);
        }
      }
    }), { numRuns: 40 });
  });

  it('sliced SM with Gauss–Hermite projections (as weighted (point, v) pairs) equals ISM exactly', () => {
    const d = 2, model = gaussianMixtureScoreModel(2, d), th = mixtureScoreTheta(Float64Array.of(-1, 0, 2, 1), Float64Array.of(0, 0.5));
    const base: WeightedPoints = { x: Float64Array.of(0.3, -0.2, 1.5, 0.7, -2, 1), n: 3, d, weights: Float64Array.of(1, 1, 2) };
    const v = gaussianPointSet(new Float64Array(d), Float64Array.of(1, 0, 0, 1), 3);
    const n = base.n * v.n, x = new Float64Array(n * d), pr = new Float64Array(n * d), w = new Float64Array(n);
    for (let i = 0; i < base.n; i++) for (let j = 0; j < v.n; j++) {
      const r = i * v.n + j;
      x.set(base.x.subarray(i * d, (i + 1) * d), r * d);
      pr.set(v.x.subarray(j * d, (j + 1) * d), r * d);
      w[r] = base.weights![i]! * v.weights[j]!;
    }
    close(slicedScoreMatchingWithProjections(model, th, { x, n, d, weights: w }, pr, 1).estimate, implicitScoreMatching(model, th, base), 1e-12, 'sliced');
  });
});

describe('score/objectives: Hutchinson and sliced score matching, calibrated (α = 1e-7 each)', () => {
  const d = 3, n = 4000;
  const mu = Float64Array.of(0.5, -1, 0.2), P = Float64Array.of(2, 0.6, -0.3, 0.1, 1.5, 0.4, -0.5, 0.2, 1);
  const th = linearScoreTheta(mu, P), model = linearScoreModel(d);
  const negJ = P.map((v) => -v); // ∇ₓ s = −P everywhere
  const points = (name: string): WeightedPoints => ({ x: normals(testStream(`${name} points`), new Float64Array(n * d)), n, d });

  for (const kind of ['rademacher', 'gaussian'] as const) {
    const name = `score hutchinson: ISM with ${kind === 'rademacher' ? 'Rademacher' : 'Gaussian'} probes is unbiased (exact variance)`;
    it(name, () => {
      const pts = points(name), ism = implicitScoreMatching(model, th, pts);
      const est = hutchinsonScoreMatching(testStream(name), model, th, pts, { probes: 1, kind });
      // given the points, the estimate is ISM + (1/n) Σ_i (v_iᵀ(−P)v_i − tr(−P)), iid terms with variance hutchinsonVariance
      expectWithinSE(name, est.estimate, ism, Math.sqrt(hutchinsonVariance(kind, negJ, d) / n), { what: `Hutchinson ISM (${kind})` });
    });
  }

  const negName = 'score hutchinson: probes with E[vvᵀ] = 1.44 I are rejected (negative control)';
  it(negName, () => {
    const pts = points(negName), ism = implicitScoreMatching(model, th, pts);
    const v = normals(testStream(negName), new Float64Array(n * d)).map((t) => 1.2 * t);
    const est = hutchinsonScoreMatchingWithProbes(model, th, pts, v, 1).estimate;
    const se = Math.sqrt(hutchinsonVariance('gaussian', negJ, d) / n) * 1.44; // the scaled probes' own spread
    expect(Math.abs(est - ism)).toBeGreaterThan(zFor(alphaOf(negName)) * se);
  });

  const slicedName = 'score sliced: SSM with Gaussian projections equals ISM in expectation';
  it(slicedName, () => {
    const pts = points(slicedName), ism = implicitScoreMatching(model, th, pts);
    const est = slicedScoreMatching(testStream(slicedName), model, th, pts, { projections: 4 });
    expectWithinSE(slicedName, est.estimate, ism, est.standardError, { what: 'sliced SM' });
  });

  const slicedNeg = 'score sliced: SSM without the ½ on (vᵀs)² is rejected (negative control)';
  it(slicedNeg, () => {
    const pts = points(slicedNeg), ism = implicitScoreMatching(model, th, pts);
    const v = normals(testStream(slicedNeg), new Float64Array(n * 4 * d));
    const est = slicedScoreMatchingWithProjections(model, th, pts, v, 4);
    // the wrong variant uses (vᵀs)² for ½(vᵀs)²: its estimate is est + mean ½(vᵀs)², rejected at twice the band
    const s = model.score(th, pts.x, n, new Float64Array(n * d));
    let extra = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) {
      let vs = 0;
      for (let k = 0; k < d; k++) vs += v[(i * 4 + j) * d + k]! * s[i * d + k]!;
      extra += (0.5 * vs * vs) / (4 * n);
    }
    expect(Math.abs(est.estimate + extra - ism)).toBeGreaterThan(zFor(alphaOf(slicedNeg)) * est.standardError * 2);
  });
});

describe('score/objectives: bad input', () => {
  const model = linearScoreModel(2), th = linearScoreTheta(Float64Array.of(0, 0), Float64Array.of(1, 0, 0, 1));
  const pts: WeightedPoints = { x: Float64Array.of(0, 1, 2, 3), n: 2, d: 2 };
  it('names the argument and the constraint', () => {
    expect(() => implicitScoreMatching(model, th, { x: Float64Array.of(0, 1, 2), n: 3, d: 1 })).toThrow(/implicitScoreMatching: points have dimension d = 1 but linearScore\(d=2\) has dimension 2/);
    expect(() => implicitScoreMatching(model, th, { x: Float64Array.of(0, 1, 2), n: 2, d: 2 })).toThrow(/points.x must hold n·d = 2·2 = 4 values, got 3/);
    expect(() => implicitScoreMatching(model, new Float64Array(5), pts)).toThrow(/theta must have length 6/);
    expect(() => implicitScoreMatching(model, th, { ...pts, weights: Float64Array.of(1, -2) })).toThrow(/weights\[1\] = -2 must be finite and ≥ 0/);
    expect(() => explicitScoreMatching(model, th, pts, new Float64Array(3))).toThrow(/target must hold n·d = 4 values, got 3/);
    expect(() => explicitScoreMatching(model, th, pts, Float64Array.of(0, 1, NaN, 0))).toThrow(/explicitScoreMatching: target\[2\] = NaN must be finite/);
    expect(() => hutchinsonScoreMatchingWithProbes(model, th, pts, Float64Array.of(1, 1, -1, Infinity), 1)).toThrow(/hutchinsonScoreMatching: probes\[3\] = Infinity must be finite/);
    expect(() => slicedScoreMatchingWithProjections(model, th, pts, Float64Array.of(NaN, 1, -1, 1), 1)).toThrow(/slicedScoreMatching: projections\[0\] = NaN must be finite/);
    expect(() => implicitScoreMatching(model, th, pts, new Float64Array(2))).toThrow(/gradOut must hold 6 values, got 2/);
    expect(() => hutchinsonScoreMatchingWithProbes(model, th, pts, new Float64Array(6), 2)).toThrow(/probes must hold n·m·d = 8 values, got 6/);
    expect(() => hutchinsonScoreMatching(streamFromKey(keyFromSeed(1)), model, th, pts, { probes: 0 })).toThrow(/options.probes must be a positive integer/);
    expect(() => slicedScoreMatching(streamFromKey(keyFromSeed(1)), model, th, pts, { projections: 1.5 })).toThrow(/options.projections must be a positive integer/);
    expect(() => denoisingScoreMatchingWithNoise(model, th, { ...pts, noise: new Float64Array(4) }, NaN)).toThrow(/sigma = NaN must be finite and > 0/);
    expect(() => denoisingScoreMatchingWithNoise(model, th, { ...pts, noise: new Float64Array(2) }, 1)).toThrow(/pairs.noise must hold n·d = 2·2 = 4 values, got 2/);
    const nanScore = (_x: Float64Array, _n: number, out: Float64Array) => out.fill(NaN);
    expect(() => fisherDivergence(nanScore, bindScore(model, th), pts)).toThrow(/fisherDivergence: score\[0\] = NaN is not finite/);
    const lp = (_x: Float64Array, n: number, out: Float64Array) => out.fill(0, 0, n);
    const lq = (_x: Float64Array, n: number, out: Float64Array) => out.fill(-Infinity, 0, n);
    expect(() => klDivergence(lp, lq, pts)).toThrow(/klDivergence: log ρ − log π at point 0 is Infinity/);
    expect(() => klDivergence(lp, () => new Float64Array(1), pts)).toThrow(/klDivergence: logPi must return a Float64Array of n = 2 values/);
  });
});
