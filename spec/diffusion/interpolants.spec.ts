/**
 * Stochastic interpolants (001 Def. 3.6, Prop. 3.4-3.5, Lemmas 3.3-3.4) with a N(0, 1) base and mixture data.
 * Layer A: endpoint conditions (3.43); the exact b solves the transport equation (3.45) pointwise (finite
 * differences); the losses (3.52)-(3.53) at each t are minimised by the exact b and s: E L(b* + h) − E L(b*) =
 * ½ E h(X_t)² by tensor Gauss–Legendre quadrature over (x₀, x₁, z), and the velocity without the γ̇ z term is not the
 * minimiser (negative control); the ODE model (Lemma 3.3) maps N(0, 1) to Gaussian data with an error falling like
 * 1/steps; the SDE model's (Lemma 3.4) affine Euler–Maruyama step, as a moment recursion, does the same for every ε.
 * Layer B: SDE-model samples of a 1-D mixture follow the exact law of the 200-step chain (DKW; the law by a grid
 * Chapman–Kolmogorov oracle, converged in h), which is within 0.0025 of the data law.
 */
import { describe, expect, it } from 'vitest';
import { exactInterpolantModels, gaussianData, gaussianMixtureData, noisedMixture } from '../../src/diffusion/exact.js';
import {
  interpolantLosses,
  interpolantOdeSample,
  interpolantPointWith,
  interpolantSdeSample,
  interpolantSdeStepWith,
  linearInterpolant,
  scoreLossWith,
  trigonometricInterpolant,
  velocityLossWith,
  type StochasticInterpolant,
} from '../../src/diffusion/interpolants.js';
import type { VelocityModel } from '../../src/diffusion/types.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import { testStream } from '../_support/seed.js';
import { expectCdfWithinDkw } from '../_support/stat.js';
import { gridChainLaw, kernelFromStep, mixtureCdf1d, supDistance } from './_helpers.js';

const mixture = gaussianMixtureData({ weights: [0.35, 0.65], means: [-1.5, 1], variances: [0.2, 0.3], d: 1 });
const interps: StochasticInterpolant[] = [linearInterpolant(), trigonometricInterpolant({ gammaScale: 0.5 })];

describe('interpolant definition (001 (3.42)-(3.43))', () => {
  it('X_0 = x₀ and X_1 = x₁ exactly; γ(0) = γ(1) = 0 and γ > 0 inside', () => {
    const x0 = Float64Array.of(0.3, -1);
    const x1 = Float64Array.of(2, 5);
    const z = Float64Array.of(0.7, 0.1);
    for (const it_ of interps) {
      expect(Array.from(interpolantPointWith(it_, 0, x0, x1, z, 2, new Float64Array(2)))).toEqual(Array.from(x0));
      expect(Array.from(interpolantPointWith(it_, 1, x0, x1, z, 2, new Float64Array(2)))).toEqual(Array.from(x1));
      expect(it_.gamma(0)).toBe(0);
      expect(it_.gamma(1)).toBe(0);
      expect(it_.gamma(0.3)).toBeGreaterThan(0);
      // derivatives by central differences
      for (const t of [0.2, 0.5, 0.8]) {
        const h = 1e-6;
        expect(Math.abs((it_.alpha(t + h) - it_.alpha(t - h)) / (2 * h) - it_.alphaDot(t))).toBeLessThan(1e-8);
        expect(Math.abs((it_.beta(t + h) - it_.beta(t - h)) / (2 * h) - it_.betaDot(t))).toBeLessThan(1e-8);
        expect(Math.abs((it_.gamma(t + h) - it_.gamma(t - h)) / (2 * h) - it_.gammaDot(t))).toBeLessThan(1e-7);
        expect(Math.abs(it_.gamma(t) * it_.gammaDot(t) - it_.gammaGammaDot(t))).toBeLessThan(1e-14);
      }
    }
  });

  it('names bad input', () => {
    const b = new Float64Array(1);
    const it_ = linearInterpolant();
    expect(() => interpolantPointWith(it_, 1.5, b, b, b, 1, b)).toThrow('interpolantPoint: t = 1.5 must be in [0, 1]');
    expect(() => scoreLossWith(it_, (_x, _n, _t, o) => o, 0, b, b, b, 1, 1)).toThrow('scoreLoss: t = 0 must be in (0, 1)');
    expect(() => linearInterpolant({ gammaScale: -1 })).toThrow('linearInterpolant: gammaScale = -1 must be finite and ≥ 0');
    expect(() => interpolantOdeSample((_x, _n, _t, o) => o, b, 1, 1, 0)).toThrow('interpolantOdeSample: steps = 0 must be an integer ≥ 1');
  });
});

describe('exact b and s of the interpolant', () => {
  it('b solves the transport equation ∂_t ρ + ∇·(b ρ) = 0 (3.45) pointwise', () => {
    for (const it_ of interps) {
      const { velocity } = exactInterpolantModels(mixture, it_);
      const rho = (x: number, t: number) => {
        const al = it_.alpha(t);
        const g = it_.gamma(t);
        return Math.exp(noisedMixture(mixture, it_.beta(t), Math.sqrt(al * al + g * g)).logDensity(Float64Array.of(x), 1, new Float64Array(1))[0]!);
      };
      const flux = (x: number, t: number) => velocity(Float64Array.of(x), 1, t, new Float64Array(1))[0]! * rho(x, t);
      for (const t of [0.1, 0.4, 0.7, 0.95]) {
        for (const x of [-2, -0.5, 0.3, 1.2]) {
          const h = 1e-5;
          const dt = (rho(x, t + h) - rho(x, t - h)) / (2 * h);
          const dx = (flux(x + h, t) - flux(x - h, t)) / (2 * h);
          expect(Math.abs(dt + dx)).toBeLessThan(1e-6 * (1 + Math.abs(dt)));
        }
      }
    }
  });

  /** Tensor Gauss–Legendre rule for x₀ ~ N(0,1), x₁ ~ mixture, z ~ N(0,1): nodes as three n-vectors and weights. */
  function tripleRule(m: number) {
    const gl = gaussLegendre(m, -8, 8); // the normal tail beyond 8 sd is 1e-15
    const phi = (u: number) => Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
    const N = m * m * m * mixture.K;
    const x0 = new Float64Array(N);
    const x1 = new Float64Array(N);
    const z = new Float64Array(N);
    const w = new Float64Array(N);
    let r = 0;
    for (let k = 0; k < mixture.K; k++)
      for (let p = 0; p < m; p++)
        for (let q = 0; q < m; q++)
          for (let u = 0; u < m; u++) {
            x0[r] = gl.nodes[p]!;
            x1[r] = mixture.means[k]! + Math.sqrt(mixture.variances[k]!) * gl.nodes[q]!;
            z[r] = gl.nodes[u]!;
            w[r] = mixture.weights[k]! * gl.weights[p]! * phi(gl.nodes[p]!) * gl.weights[q]! * phi(gl.nodes[q]!) * gl.weights[u]! * phi(gl.nodes[u]!);
            r++;
          }
    return { x0, x1, z, w, N };
  }

  /** The loss as a weighted mean over the rule's nodes (one batch call). */
  function expectedLoss(
    rule: ReturnType<typeof tripleRule>,
    f: (a: Float64Array, b: Float64Array, c: Float64Array, n: number, w: Float64Array) => number,
  ): number {
    return f(rule.x0, rule.x1, rule.z, rule.N, rule.w);
  }

  it('(3.52) and (3.53) are minimised by the exact b and s: E L(f* + h) − E L(f*) = ½ E h(X_t)² (quadrature)', () => {
    const rule = tripleRule(32);
    const h = (x: number) => 0.3 - 0.2 * x;
    for (const it_ of interps) {
      const { velocity, score } = exactInterpolantModels(mixture, it_);
      const plus = (f: VelocityModel): VelocityModel => (x, n, t, out) => {
        f(x, n, t, out);
        for (let i = 0; i < n; i++) out[i] = out[i]! + h(x[i]!);
        return out;
      };
      for (const t of [0.25, 0.6]) {
        const xt = interpolantPointWith(it_, t, rule.x0, rule.x1, rule.z, rule.N, new Float64Array(rule.N));
        let eh2 = 0;
        let wsum = 0;
        for (let r = 0; r < rule.N; r++) {
          eh2 += rule.w[r]! * h(xt[r]!) ** 2;
          wsum += rule.w[r]!;
        }
        eh2 /= wsum;
        const lb = expectedLoss(rule, (a, b, c, n, w) => velocityLossWith(it_, velocity, t, a, b, c, n, 1, w));
        const lbh = expectedLoss(rule, (a, b, c, n, w) => velocityLossWith(it_, plus(velocity), t, a, b, c, n, 1, w));
        expect(Math.abs(lbh - lb - 0.5 * eh2)).toBeLessThan(1e-8);
        const ls = expectedLoss(rule, (a, b, c, n, w) => scoreLossWith(it_, score, t, a, b, c, n, 1, w));
        const lsh = expectedLoss(rule, (a, b, c, n, w) => scoreLossWith(it_, plus(score), t, a, b, c, n, 1, w));
        expect(Math.abs(lsh - ls - 0.5 * eh2)).toBeLessThan(1e-8);
        // negative control: E[∂_t I | X_t] alone (dropping γ̇ z) is not the minimiser of (3.52)
        const noGammaDot: VelocityModel = (x, n, tt, out) => {
          velocity(x, n, tt, out);
          // E[γ̇ z | X_t] = γ γ̇/c² (x − β E[x₁|x]) = −γ γ̇ s(x) (Tweedie): remove it
          const s = score(x, n, tt, new Float64Array(n));
          for (let i = 0; i < n; i++) out[i] = out[i]! + it_.gammaGammaDot(tt) * s[i]!;
          return out;
        };
        const lbWrong = expectedLoss(rule, (a, b, c, n, w) => velocityLossWith(it_, noGammaDot, t, a, b, c, n, 1, w));
        expect(lbWrong - lb).toBeGreaterThan(1e-3);
      }
    }
  });

  it('Monte Carlo losses are reproducible from the stream and finite', () => {
    const it_ = linearInterpolant();
    const { velocity, score } = exactInterpolantModels(mixture, it_);
    const x0 = normals(streamFromKey(keyFromSeed(1)), new Float64Array(20));
    const x1 = normals(streamFromKey(keyFromSeed(2)), new Float64Array(20));
    const a = interpolantLosses(streamFromKey(keyFromSeed(3)), it_, velocity, score, x0, x1, 20, 1);
    const b = interpolantLosses(streamFromKey(keyFromSeed(3)), it_, velocity, score, x0, x1, 20, 1);
    expect(a).toEqual(b);
    expect(Number.isFinite(a.velocityLoss) && Number.isFinite(a.scoreLoss)).toBe(true);
  });
});

describe('ODE and SDE generative models (Lemmas 3.3-3.4) with exact b, s', () => {
  const m = 1.2;
  const s2 = 0.35;
  const data = gaussianData([m], [s2]);

  it('ODE model: the Euler map is affine; N(0,1) goes to N(m, s²) with an error falling like 1/steps', () => {
    for (const it_ of interps) {
      const { velocity } = exactInterpolantModels(data, it_);
      let prev = Infinity;
      for (const steps of [100, 200, 400]) {
        const out = interpolantOdeSample(velocity, Float64Array.of(0, 1), 2, 1, steps);
        const B = out[0]!;
        const A = out[1]! - B;
        const err = Math.abs(B - m) + Math.abs(A * A - s2);
        expect(err / prev).toBeLessThan(0.6); // first order: → 1/2
        prev = err;
      }
      expect(prev).toBeLessThan(1e-2);
    }
  });

  it('SDE model: the moment recursion of the implementation step reaches N(m, s²) for ε ∈ {0.1, 1}, error ∝ 1/steps', () => {
    for (const it_ of interps) {
      const { velocity, score } = exactInterpolantModels(data, it_);
      for (const eps of [0.1, 1]) {
        let prev = Infinity;
        for (const steps of [200, 400, 800]) {
          let mu = 0;
          let V = 1;
          const dt = 1 / steps;
          const z = new Float64Array(1);
          const o = new Float64Array(1);
          for (let k = 0; k < steps; k++) {
            const t = k * dt;
            const B = interpolantSdeStepWith(velocity, score, eps, t, dt, z, 1, 1, z, o)[0]!;
            const A = interpolantSdeStepWith(velocity, score, eps, t, dt, Float64Array.of(1), 1, 1, z, o)[0]! - B;
            const S = interpolantSdeStepWith(velocity, score, eps, t, dt, z, 1, 1, Float64Array.of(1), o)[0]! - B;
            mu = A * mu + B;
            V = A * A * V + S * S;
          }
          const err = Math.abs(mu - m) + Math.abs(V - s2);
          expect(err / prev).toBeLessThan(0.6);
          prev = err;
        }
        expect(prev).toBeLessThan(2e-2);
      }
    }
  });

  it("interpolant SDE model with exact b, s: 1-D mixture samples follow the chain's exact law (DKW), itself within 0.0025 of the data law", () => {
    const name = "interpolant SDE model with exact b, s: 1-D mixture samples follow the chain's exact law (DKW), itself within 0.0025 of the data law";
    const it_ = linearInterpolant();
    const { velocity, score } = exactInterpolantModels(mixture, it_);
    const steps = 200;
    // the law of the implementation's 200-step chain (grid Chapman–Kolmogorov; the kernel's sd √(2ε dt) = 0.07 ≫ h)
    const lawAt = (h: number) =>
      gridChainLaw(
        (x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI),
        steps,
        kernelFromStep((k, x, n, z, out) => interpolantSdeStepWith(velocity, score, 0.5, k / steps, 1 / steps, x, n, 1, z, out)),
        8,
        h,
      );
    const law = lawAt(0.04);
    const half = lawAt(0.02);
    expect(Math.abs(law.mass - 1)).toBeLessThan(1e-9);
    expect(supDistance(law.cdf, half.cdf, -5, 5, 201)).toBeLessThan(1e-9);
    // Euler–Maruyama's bias in the law is a deterministic fact: 0.0020 here
    const bias = supDistance(law.cdf, mixtureCdf1d(mixture), -5, 5, 2001);
    expect(bias).toBeGreaterThan(1e-4);
    expect(bias).toBeLessThan(2.5e-3);
    const rng = testStream(name);
    const n = 10000;
    const x0 = normals(rng, new Float64Array(n));
    const x = interpolantSdeSample(rng, velocity, score, 0.5, x0, n, 1, steps);
    expectCdfWithinDkw(name, x, law.cdf, { what: 'chain CDF', detect: 0.03 });
  });
});

describe('no NaN propagation', () => {
  it('the ODE and SDE samplers throw when the velocity is not finite, naming the time', () => {
    const { velocity, score } = exactInterpolantModels(gaussianData([0.5], [0.3]), linearInterpolant());
    const bad: VelocityModel = (x, n, t, out) => {
      velocity(x, n, t, out);
      if (t >= 0.5) out[0] = Number.NaN;
      return out;
    };
    const x0 = Float64Array.of(0.1, -0.2);
    expect(() => interpolantOdeSample(bad, x0, 2, 1, 4)).toThrow('interpolantOdeStep: x(t + dt) at t = 0.5 has a non-finite value NaN at index 0');
    expect(() => interpolantSdeSample(streamFromKey(keyFromSeed(3)), bad, score, 0.5, x0, 2, 1, 4)).toThrow(
      'interpolantSdeStep: x(t + dt) at t = 0.5 has a non-finite value NaN at index 0',
    );
    expect(interpolantOdeSample(velocity, x0, 2, 1, 4).every(Number.isFinite)).toBe(true);
  });
});
