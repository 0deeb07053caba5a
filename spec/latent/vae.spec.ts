/**
 * src/latent/vae.ts, 001 §3.1 on the linear-Gaussian VAE: the exact marginal (3.3), posterior and ELBO (3.5) against
 * quadrature over z; the decomposition (3.6) and the bound (3.7) (equality at the posterior); the Monte Carlo
 * objective (3.16) with the reparameterization (3.15): exact on a degree-3 cubature of ε, its reparameterized gradient
 * against finite differences (of the exact ELBO at the cubature, of ℒ̂ itself at random ε), a calibrated test of its
 * unbiasedness and a negative control (the variance in place of the standard deviation in (3.15)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositeGaussLegendre } from '../../src/basics/cross-entropy.js';
import {
  diagonalGaussianKlToStandard, linearGaussianVae, linearVaeParams, trainLinearVae, vaeElbo, vaeElboEstimate, vaeElboEstimateDrawn,
  vaeElboTerms, vaeEncoderMean, vaeLogMarginal, vaePosterior, vaePosteriorKl, vaeReparameterize, type LinearGaussianVae,
} from '../../src/latent/vae.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { integrate } from '../../src/stats/quadrature.js';
import { sgd } from '../../src/training/optimizers.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);
const sum = (v: Float64Array): number => v.reduce((a, b) => a + b, 0);
const zRule = compositeGaussLegendre(-14, 14, 140); // N(0, 1) prior and posteriors of sd ≤ 1 centred in [−3, 3]

/** Random parameters and data from a seed (the project's RNG, so {seed} replays). */
function randomCase(seed: number, d: number, L: number, sigma: number, n: number): { vae: LinearGaussianVae; params: Float64Array; x: Float64Array } {
  const st = streamFromKey(keyFromSeed(seed));
  const vae = linearGaussianVae(d, L, sigma);
  const params = normals(st, new Float64Array(vae.paramDim)).map((v) => 0.6 * v);
  const x = normals(st, new Float64Array(n * d)).map((v) => 1.2 * v);
  return { vae, params, x };
}
const arbCase = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  d: fc.integer({ min: 1, max: 4 }),
  L: fc.integer({ min: 1, max: 3 }),
  sigma: fc.double({ min: 0.3, max: 2, noNaN: true, noDefaultInfinity: true }),
});

/** The degree-3 cubature of N(0, I_L): the 2L points ±√L eⱼ with weights 1/(2L), as R = 2L injected ε per point. */
function cubatureEps(n: number, L: number): Float64Array {
  const eps = new Float64Array(n * 2 * L * L);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      eps[(i * 2 * L + 2 * j) * L + j] = Math.sqrt(L);
      eps[(i * 2 * L + 2 * j + 1) * L + j] = -Math.sqrt(L);
    }
  }
  return eps;
}

describe('latent VAE: exact quantities of the linear-Gaussian model against quadrature over z (L = 1)', () => {
  it('log ρθ(x) (3.3), the posterior ρθ(z|x) and the ELBO (3.5) as E_q[log ρθ(x, z) − log q(z)]', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), (seed, d) => {
      const { vae, params, x } = randomCase(seed, d, 1, 0.8, 2);
      const o = vae.offsets;
      const logMarg = vaeLogMarginal(vae, params, x, 2, new Float64Array(2));
      const mean = new Float64Array(2), cov = new Float64Array(1);
      vaePosterior(vae, params, x, 2, mean, cov);
      const elbo = vaeElbo(vae, params, x, 2, new Float64Array(2));
      const mu = vaeEncoderMean(vae, params, x, 2, new Float64Array(2));
      const s = Math.exp(params[o.logStd]!);
      for (let i = 0; i < 2; i++) {
        const logJoint = (z: number): number => {
          let q = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
          for (let k = 0; k < d; k++) q += -0.5 * Math.log(2 * Math.PI * 0.64) - ((x[i * d + k]! - params[o.W + k]! * z - params[o.b + k]!) ** 2) / (2 * 0.64);
          return q;
        };
        const px = integrate((z) => Math.exp(logJoint(z)), zRule);
        expect(logMarg[i]).toBeCloseTo(Math.log(px), 10);
        const m1 = integrate((z) => z * Math.exp(logJoint(z)), zRule) / px;
        const m2 = integrate((z) => z * z * Math.exp(logJoint(z)), zRule) / px;
        expect(mean[i]).toBeCloseTo(m1, 10);
        expect(cov[0]).toBeCloseTo(m2 - m1 * m1, 10);
        const logQ = (z: number): number => -0.5 * Math.log(2 * Math.PI * s * s) - ((z - mu[i]!) ** 2) / (2 * s * s);
        const direct = integrate((z) => Math.exp(logQ(z)) * (logJoint(z) - logQ(z)), compositeGaussLegendre(mu[i]! - 14 * s, mu[i]! + 14 * s, 140));
        expect(Math.abs(elbo[i]! - direct)).toBeLessThan(1e-9 * Math.max(1, Math.abs(direct)));
      }
    }), { numRuns: 30 });
  });

  it('the regularizer D_KL(N(μ, s²)‖N(0, 1)) against quadrature', () => {
    const m = 0.7, l = -0.4, s = Math.exp(l);
    const logQ = (z: number): number => -0.5 * Math.log(2 * Math.PI * s * s) - ((z - m) ** 2) / (2 * s * s);
    const logP = (z: number): number => -0.5 * Math.log(2 * Math.PI) - 0.5 * z * z;
    const direct = integrate((z) => Math.exp(logQ(z)) * (logQ(z) - logP(z)), zRule);
    expect(diagonalGaussianKlToStandard(f64(m), 0, f64(l), 0, 1)).toBeCloseTo(direct, 12);
  });
});

describe('latent VAE: Lemma 3.1', () => {
  it('(3.6): log ρθ(x) = ℒ(θ, q; x) + D_KL(q‖ρθ(z|x)) for random models, encoders and points', () => {
    fc.assert(fc.property(arbCase, ({ seed, d, L, sigma }) => {
      const { vae, params, x } = randomCase(seed, d, L, sigma, 3);
      const lp = vaeLogMarginal(vae, params, x, 3, new Float64Array(3));
      const el = vaeElbo(vae, params, x, 3, new Float64Array(3));
      const kl = vaePosteriorKl(vae, params, x, 3, new Float64Array(3));
      for (let i = 0; i < 3; i++) {
        expect(Math.abs(lp[i]! - el[i]! - kl[i]!)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lp[i]!)));
        expect(kl[i]).toBeGreaterThan(0); // (3.7): a random diagonal q is not the posterior
        expect(el[i]).toBeLessThan(lp[i]!);
      }
    }), { numRuns: 100 });
  });

  it('(3.7): equality when q is the posterior (W with orthogonal columns: diagonal posterior, C = Λ⁻¹Wᵀ/σ², c = −Cb)', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.2, max: 3, noNaN: true, noDefaultInfinity: true }), fc.double({ min: -3, max: -0.2, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 0.3, max: 2, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (w1, w2, sigma, seed) => {
        const vae = linearGaussianVae(3, 2, sigma);
        const W = f64(w1, 0, 0, w2, 0.5 * w1, 0), b = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(3));
        // WᵀW = diag(1.25 w1², w2²), so Λ = diag(1 + 1.25 w1²/σ², 1 + w2²/σ²).
        const lam = [1 + (1.25 * w1 * w1) / sigma ** 2, 1 + (w2 * w2) / sigma ** 2];
        const C = new Float64Array(6);
        for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) C[j * 3 + k] = W[k * 2 + j]! / (sigma * sigma * lam[j]!);
        const c = f64(-(C[0]! * b[0]! + C[1]! * b[1]! + C[2]! * b[2]!), -(C[3]! * b[0]! + C[4]! * b[1]! + C[5]! * b[2]!));
        const params = linearVaeParams(vae, { W, b, C, c, logStd: f64(-0.5 * Math.log(lam[0]!), -0.5 * Math.log(lam[1]!)) });
        const x = normals(streamFromKey(keyFromSeed(seed + 1)), new Float64Array(12));
        const lp = vaeLogMarginal(vae, params, x, 4, new Float64Array(4)), el = vaeElbo(vae, params, x, 4, new Float64Array(4));
        const kl = vaePosteriorKl(vae, params, x, 4, new Float64Array(4));
        for (let i = 0; i < 4; i++) {
          expect(Math.abs(lp[i]! - el[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lp[i]!)));
          expect(Math.abs(kl[i]!)).toBeLessThan(1e-12);
        }
        // Moving the encoder off the posterior opens the gap.
        params[vae.offsets.c] = params[vae.offsets.c]! + 0.1;
        const el2 = vaeElbo(vae, params, x, 4, new Float64Array(4));
        for (let i = 0; i < 4; i++) expect(el2[i]).toBeLessThan(lp[i]! - 1e-4);
      }), { numRuns: 50 });
  });
});

describe('latent VAE: the Monte Carlo objective (3.16) and the reparameterized gradient (3.15)', () => {
  it('at the degree-3 cubature of ε (R = 2L) ℒ̂ is the exact Σᵢ ℒ, and its gradient matches central differences of it', () => {
    fc.assert(fc.property(arbCase, ({ seed, d, L, sigma }) => {
      const { vae, params, x } = randomCase(seed, d, L, sigma, 2);
      const eps = cubatureEps(2, L), grad = new Float64Array(vae.paramDim);
      const est = vaeElboEstimate(vae, params, x, 2, eps, 2 * L, grad);
      const exact = (p: Float64Array): number => sum(vaeElbo(vae, p, x, 2, new Float64Array(2)));
      expect(Math.abs(est - exact(params))).toBeLessThan(1e-10 * Math.max(1, Math.abs(est)));
      for (let j = 0; j < vae.paramDim; j++) {
        const h = 1e-5, pp = Float64Array.from(params), pm = Float64Array.from(params);
        pp[j] = pp[j]! + h;
        pm[j] = pm[j]! - h;
        const fd = (exact(pp) - exact(pm)) / (2 * h);
        // truncation O(h²·|ℒ'''|) plus rounding O(1e-16·|ℒ|/h): ≤ 1e-6 relative for these O(1)–O(10²) objectives
        expect(Math.abs(grad[j]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }), { numRuns: 40 });
  });

  it('at random ε the gradient is that of ℒ̂ at the same ε (central differences), and z follows (3.15)', () => {
    fc.assert(fc.property(arbCase, fc.integer({ min: 1, max: 3 }), ({ seed, d, L, sigma }, R) => {
      const { vae, params, x } = randomCase(seed, d, L, sigma, 2);
      const eps = normals(streamFromKey(keyFromSeed(seed + 7)), new Float64Array(2 * R * L));
      const grad = new Float64Array(vae.paramDim);
      vaeElboEstimate(vae, params, x, 2, eps, R, grad);
      for (let j = 0; j < vae.paramDim; j++) {
        const h = 1e-5, pp = Float64Array.from(params), pm = Float64Array.from(params);
        pp[j] = pp[j]! + h;
        pm[j] = pm[j]! - h;
        const fd = (vaeElboEstimate(vae, pp, x, 2, eps, R) - vaeElboEstimate(vae, pm, x, 2, eps, R)) / (2 * h);
        expect(Math.abs(grad[j]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
      const z = vaeReparameterize(vae, params, x, 2, eps, R, new Float64Array(2 * R * L));
      const mu = vaeEncoderMean(vae, params, x, 2, new Float64Array(2 * L));
      for (let i = 0; i < 2; i++) for (let r = 0; r < R; r++) for (let j = 0; j < L; j++) {
        const k = (i * R + r) * L + j;
        expect(z[k]).toBeCloseTo(mu[i * L + j]! + Math.exp(params[vae.offsets.logStd + j]!) * eps[k]!, 13);
      }
    }), { numRuns: 40 });
  });

  it('the exact ELBO terms add up: (3.14) reconstruction − KL = (3.5)', () => {
    const { vae, params, x } = randomCase(11, 3, 2, 0.7, 4);
    const rec = new Float64Array(4), kl = new Float64Array(4);
    vaeElboTerms(vae, params, x, 4, rec, kl);
    const el = vaeElbo(vae, params, x, 4, new Float64Array(4));
    for (let i = 0; i < 4; i++) expect(el[i]).toBe(rec[i]! - kl[i]!);
  });

  const name = 'latent VAE: the mean of 20000 independent (3.16) estimates (R = 1) is the exact ELBO';
  const control = 'latent VAE negative control: the variance in place of the std in (3.15) is rejected';
  it(`${name}; ${control}`, () => {
    const stream = testStream(name);
    const { vae, params, x } = randomCase(5, 2, 2, 0.6, 3);
    params[vae.offsets.logStd] = Math.log(0.5); // s₀ = 0.5, so s² ≠ s
    params[vae.offsets.logStd + 1] = Math.log(0.4);
    const exact = sum(vaeElbo(vae, params, x, 3, new Float64Array(3)));
    const M = 20000, eps = new Float64Array(3 * 2);
    const right = new Float64Array(M), wrong = new Float64Array(M);
    const s = [0.5, 0.4];
    for (let m = 0; m < M; m++) {
      right[m] = vaeElboEstimateDrawn(stream, vae, params, x, 3, 1, undefined, eps);
      // z = μ + s² ε is (3.15) fed with ε' = s ε.
      for (let k = 0; k < 6; k++) eps[k] = eps[k]! * s[k % 2]!;
      wrong[m] = vaeElboEstimate(vae, params, x, 3, eps, 1);
    }
    const meanSe = (v: Float64Array): [number, number] => {
      const mu = sum(v) / M;
      return [mu, Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (M - 1) / M)];
    };
    const [mr, ser] = meanSe(right), [mw, sew] = meanSe(wrong);
    expectWithinSE(name, mr, exact, ser, { what: 'mean of ℒ̂' });
    expect(Math.abs(mw - exact)).toBeGreaterThan(zFor(alphaOf(control)) * sew);
  });
});

describe('latent VAE: training and errors', () => {
  it('trainLinearVae records the exact ELBO ≤ log-likelihood at every record and raises the ELBO', () => {
    const st = streamFromKey(keyFromSeed(2));
    const vae = linearGaussianVae(2, 1, 0.5);
    const data = normals(st, new Float64Array(40)).map((v, i) => (i % 2 ? 0.3 * v : 1.5 * v));
    const params = normals(st, new Float64Array(vae.paramDim)).map((v) => 0.1 * v);
    const recs = trainLinearVae(st, vae, params, data, 20, { steps: 200, samplesPerPoint: 1, optimizer: sgd(vae.paramDim, { lr: 0.02 }), recordEvery: 50 });
    expect(recs.map((r) => r.step)).toEqual([0, 50, 100, 150, 200]);
    for (const r of recs) expect(r.elbo).toBeLessThan(r.logLikelihood);
    expect(recs[4]!.elbo).toBeGreaterThan(recs[0]!.elbo);
  });

  it('rejects bad input with named errors', () => {
    expect(() => linearGaussianVae(2, 1, 0)).toThrow(/linearGaussianVae: sigma must be finite and > 0, got 0/);
    expect(() => linearGaussianVae(0, 1, 1)).toThrow(/d must be a positive integer/);
    const vae = linearGaussianVae(2, 1, 1);
    const p = new Float64Array(vae.paramDim);
    expect(() => vaeElbo(vae, new Float64Array(3), f64(0, 0), 1, new Float64Array(1))).toThrow(/vaeElboTerms: params must have length 8, got 3/);
    p[4] = NaN;
    expect(() => vaeLogMarginal(vae, p, f64(0, 0), 1, new Float64Array(1))).toThrow(/params\[4\] = NaN must be finite/);
    p[4] = 0;
    expect(() => vaeElbo(vae, p, f64(0, 0, 1), 1, new Float64Array(1))).toThrow(/x must hold n·d = 2 values, got 3/);
    expect(() => vaeElboEstimate(vae, p, f64(0, 0), 1, f64(0, 0), 1)).toThrow(/eps must hold n·R·L = 1 values, got 2/);
    expect(() => vaeElboEstimate(vae, p, f64(0, 0), 1, f64(0), 0)).toThrow(/R must be a positive integer/);
    expect(() => linearVaeParams(vae, { W: f64(1), b: f64(0, 0), C: f64(0, 0), c: f64(0), logStd: f64(0) })).toThrow(/W must have length 2, got 1/);
  });
});
