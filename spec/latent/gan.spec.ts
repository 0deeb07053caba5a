/**
 * src/latent/gan.ts, 001 §3.2 on 1-D densities by quadrature: (3.17) = (3.18); Theorem 3.1 (D* maximizes V, any other
 * D gives less); (3.21)-(3.22) C(G) = −log 4 + 2 JSD with the minimum −log 4 at ρg = ρ*; the printed (3.20) and
 * (3.21) shown wrong; the Gaussian-generator / quadratic-logistic family (D* in the family, population gradients
 * against finite differences); Proposition 3.1 with population gradients converging to −log 4 (and the sign-flipped
 * generator as negative control); a calibrated test that the minibatch gradients are unbiased, with a negative control.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositeGaussLegendre, type LogDensity1D } from '../../src/basics/cross-entropy.js';
import {
  ganAlternating, ganMinibatchGradients, ganPopulationGradients, ganValue, ganValueFromNoise, gaussianGeneratorLogDensity,
  gaussianOptimalDiscriminator, jensenShannon, optimalDiscriminatorLogit, optimalGanValue, optimalGanValueFromJsd, quadraticLogit,
} from '../../src/latent/gan.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import type { Stream } from '../../src/rng/stream.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);
const LOG4 = Math.log(4);
// Densities here have centres in [−3, 3] and sds in [0.5, 2]: [−30, 30] is ≥ 13.5 sd from every centre.
const rx = compositeGaussLegendre(-30, 30, 120);
const rz = compositeGaussLegendre(-13, 13, 26); // N(0, 1) noise: mass beyond 13 is < e^{−84}
const logStdNormal: LogDensity1D = (z) => -0.5 * Math.log(2 * Math.PI) - 0.5 * z * z;
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A two-component Gaussian mixture (1 − q) N(a, s²) + q N(b, s²). */
function logMixture(a: number, b: number, s: number, q: number): LogDensity1D {
  return (x) => {
    const la = Math.log1p(-q) - 0.5 * Math.log(2 * Math.PI * s * s) - ((x - a) ** 2) / (2 * s * s);
    const lb = Math.log(q) - 0.5 * Math.log(2 * Math.PI * s * s) - ((x - b) ** 2) / (2 * s * s);
    const hi = Math.max(la, lb);
    return hi + Math.log1p(Math.exp(Math.min(la, lb) - hi));
  };
}
const arbMixture = fc.tuple(dbl(-3, 3), dbl(-3, 3), dbl(0.5, 1.5), dbl(0.1, 0.9)).map(([a, b, s, q]) => logMixture(a, b, s, q));
const arbThetaG = fc.tuple(dbl(-2, 2), dbl(Math.log(0.5), Math.log(2))).map(([m, l]) => f64(m, l));
const arbThetaD = fc.tuple(dbl(-2, 2), dbl(-2, 2), dbl(-0.5, 0.5)).map(([a, b, c]) => f64(a, b, c));

describe('latent GAN: V(G, D) and Theorem 3.1 by quadrature', () => {
  it('(3.17) = (3.18): E_ρz[log(1 − D(G(z)))] over the noise equals E_ρg[log(1 − D)] over the induced density', () => {
    fc.assert(fc.property(arbMixture, arbThetaG, arbThetaD, (lStar, tg, td) => {
      const G = (z: number): number => tg[0]! + Math.exp(tg[1]!) * z;
      const a = ganValueFromNoise(lStar, G, logStdNormal, quadraticLogit(td), rx, rz);
      const b = ganValue(lStar, gaussianGeneratorLogDensity(tg), quadraticLogit(td), rx);
      expect(Math.abs(a - b)).toBeLessThan(1e-10 * Math.max(1, Math.abs(b)));
    }), { numRuns: 60 });
  });

  it('Theorem 3.1: any D ≠ D*_G gives a lower V (quadratic logits, and D* perturbed by a bounded bump)', () => {
    fc.assert(fc.property(arbMixture, arbThetaG, arbThetaD, dbl(-2, 2), dbl(-2, 2), (lStar, tg, td, amp, at) => {
      fc.pre(Math.abs(amp) > 0.05);
      const lG = gaussianGeneratorLogDensity(tg);
      const best = optimalGanValue(lStar, lG, rx);
      expect(ganValue(lStar, lG, quadraticLogit(td), rx)).toBeLessThanOrEqual(best + 1e-12); // = only if D* is this quadratic
      const dStar = optimalDiscriminatorLogit(lStar, lG);
      const bumped = (x: number): number => dStar(x) + amp * Math.exp(-((x - at) ** 2));
      expect(ganValue(lStar, lG, bumped, rx)).toBeLessThan(best);
    }), { numRuns: 60 });
  });

  it('(3.22): C(G) = V(G, D*) = −log 4 + 2 JSD(ρ*‖ρg) ≥ −log 4, with equality at ρg = ρ* (D* = ½)', () => {
    fc.assert(fc.property(arbMixture, arbThetaG, (lStar, tg) => {
      const lG = gaussianGeneratorLogDensity(tg);
      const c = optimalGanValue(lStar, lG, rx);
      expect(Math.abs(c - optimalGanValueFromJsd(lStar, lG, rx))).toBeLessThan(1e-10);
      expect(c).toBeGreaterThanOrEqual(-LOG4 - 1e-12); // equality when the generated ρ* and ρg coincide
      expect(jensenShannon(lStar, lG, rx)).toBeLessThanOrEqual(Math.LN2 + 1e-12);
      expect(Math.abs(optimalGanValue(lStar, lStar, rx) + LOG4)).toBeLessThan(1e-12);
    }), { numRuns: 60 });
  });

  it('errata: (3.20) as printed, ∫ ρ* log D + ρg (1 − D), is not V; (3.21) as printed gives 1, not −log 4, at ρg = ρ*', () => {
    const lStar = logMixture(-1, 2, 0.7, 0.3), lG = gaussianGeneratorLogDensity(f64(0.5, 0));
    const td = f64(0.2, 0.4, -0.1), t = quadraticLogit(td);
    let printed320 = 0, printed321 = 0;
    for (let k = 0; k < rx.nodes.length; k++) {
      const x = rx.nodes[k]!, d = 1 / (1 + Math.exp(-t(x))), ps = Math.exp(lStar(x));
      printed320 += rx.weights[k]! * (ps * Math.log(d) + Math.exp(lG(x)) * (1 - d));
      if (ps > 0) printed321 += rx.weights[k]! * ps * (ps / (ps + ps)) * 2; // E*[ρ*/(ρ*+ρg)] + E_ρg[ρg/(ρ*+ρg)] at ρg = ρ*
    }
    expect(Math.abs(printed320 - ganValue(lStar, lG, t, rx))).toBeGreaterThan(0.1);
    expect(printed321).toBeCloseTo(1, 12);
    expect(optimalGanValue(lStar, lStar, rx)).toBeCloseTo(-LOG4, 12);
  });
});

describe('latent GAN: the Gaussian generator and quadratic logistic discriminator', () => {
  const mStar = 1, sStar = 0.8;
  const lStar = gaussianGeneratorLogDensity(f64(mStar, Math.log(sStar)));

  it('D*_G is in the family: gaussianOptimalDiscriminator = log ρ* − log ρg, and ∇θd V = 0 there', () => {
    fc.assert(fc.property(arbThetaG, dbl(-5, 5), (tg, x) => {
      const td = gaussianOptimalDiscriminator(mStar, sStar, tg);
      const dStar = optimalDiscriminatorLogit(lStar, gaussianGeneratorLogDensity(tg));
      expect(Math.abs(quadraticLogit(td)(x) - dStar(x))).toBeLessThan(1e-10 * Math.max(1, Math.abs(dStar(x))));
      const gD = new Float64Array(3), gG = new Float64Array(2);
      ganPopulationGradients(lStar, tg, td, rx, rz, gD, gG);
      for (let j = 0; j < 3; j++) expect(Math.abs(gD[j]!)).toBeLessThan(1e-10);
    }), { numRuns: 60 });
  });

  it('population gradients equal central differences of V (θd through D, θg through ρg of (3.18))', () => {
    fc.assert(fc.property(arbThetaG, arbThetaD, (tg, td) => {
      const gD = new Float64Array(3), gG = new Float64Array(2);
      const v = ganPopulationGradients(lStar, tg, td, rx, rz, gD, gG);
      const V = (g: Float64Array, d: Float64Array): number => ganValue(lStar, gaussianGeneratorLogDensity(g), quadraticLogit(d), rx);
      expect(Math.abs(v - V(tg, td))).toBeLessThan(1e-10 * Math.max(1, Math.abs(v)));
      const h = 1e-5;
      for (let j = 0; j < 3; j++) {
        const p = Float64Array.from(td), m = Float64Array.from(td);
        p[j] = p[j]! + h; m[j] = m[j]! - h;
        expect(Math.abs(gD[j]! - (V(tg, p) - V(tg, m)) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, Math.abs(gD[j]!)));
      }
      for (let j = 0; j < 2; j++) {
        const p = Float64Array.from(tg), m = Float64Array.from(tg);
        p[j] = p[j]! + h; m[j] = m[j]! - h;
        expect(Math.abs(gG[j]! - (V(p, td) - V(m, td)) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, Math.abs(gG[j]!)));
      }
    }), { numRuns: 40 });
  });

  /** Prop. 3.1 with the minibatch expectations (population gradients): k ascent steps on θd, one descent step on θg. */
  // ρ* = N(1, 0.8²) and ρg between N(−1, 1.5²) and ρ*: [−14, 16] is ≥ 10 sd from both (mass outside < e^{−50}).
  const rxSmall = compositeGaussLegendre(-14, 16, 30);
  function populationAlternating(sign: 1 | -1, iterations: number): { tg: Float64Array; jsd: number; value: number } {
    const tg = f64(-1, Math.log(1.5)), td = new Float64Array(3);
    const gD = new Float64Array(3), gG = new Float64Array(2);
    for (let it = 0; it < iterations; it++) {
      for (let s = 0; s < 5; s++) {
        ganPopulationGradients(lStar, tg, td, rxSmall, rz, gD, gG);
        for (let j = 0; j < 3; j++) td[j] = td[j]! + 0.1 * gD[j]!;
      }
      ganPopulationGradients(lStar, tg, td, rxSmall, rz, gD, gG);
      for (let j = 0; j < 2; j++) tg[j] = tg[j]! - sign * 0.1 * gG[j]!;
    }
    const lG = gaussianGeneratorLogDensity(tg);
    return { tg, jsd: jensenShannon(lStar, lG, rx), value: ganValue(lStar, lG, quadraticLogit(td), rx) };
  }

  it('Proposition 3.1 with exact expectations reaches the global optimum ρg = ρ*, V = −log 4 (Theorems 3.2-3.3)', () => {
    const { tg, jsd, value } = populationAlternating(1, 1500);
    expect(Math.abs(tg[0]! - mStar)).toBeLessThan(1e-6);
    expect(Math.abs(Math.exp(tg[1]!) - sStar)).toBeLessThan(1e-6);
    expect(jsd).toBeLessThan(1e-10);
    expect(Math.abs(value + LOG4)).toBeLessThan(1e-8);
    // Negative control: the generator ascending V (the sign of its step flipped) moves away: JSD grows from its start.
    const start = jensenShannon(lStar, gaussianGeneratorLogDensity(f64(-1, Math.log(1.5))), rx);
    expect(populationAlternating(-1, 100).jsd).toBeGreaterThan(start);
  });

  const name = 'latent GAN: minibatch gradients of Prop. 3.1 average to the population gradients (5 components)';
  const control = 'latent GAN negative control: fake-term gradients taken at the data instead of G(z) are rejected';
  it(`${name}; ${control}`, () => {
    const stream = testStream(name);
    const tg = f64(-0.5, Math.log(1.3)), td = f64(0.1, 0.3, -0.2);
    const pD = new Float64Array(3), pG = new Float64Array(2);
    ganPopulationGradients(lStar, tg, td, rx, rz, pD, pG);
    const M = 2000, N = 50;
    const x = new Float64Array(N), z = new Float64Array(N), gD = new Float64Array(3), gG = new Float64Array(2);
    const s1 = new Float64Array(5), s2 = new Float64Array(5), w1 = new Float64Array(3), w2 = new Float64Array(3);
    for (let m = 0; m < M; m++) {
      normals(stream, x, 0, N);
      for (let i = 0; i < N; i++) x[i] = mStar + sStar * x[i]!;
      normals(stream, z, 0, N);
      ganMinibatchGradients(tg, td, x, z, gD, gG);
      const g = [gD[0]!, gD[1]!, gD[2]!, gG[0]!, gG[1]!];
      for (let j = 0; j < 5; j++) { s1[j] = s1[j]! + g[j]!; s2[j] = s2[j]! + g[j]! * g[j]!; }
      // The wrong variant: the fake term at the data points, z' = (x − μ)/s so that G(z') = x.
      const zWrong = x.map((v) => (v - tg[0]!) / Math.exp(tg[1]!));
      ganMinibatchGradients(tg, td, x, zWrong, gD, gG);
      for (let j = 0; j < 3; j++) { w1[j] = w1[j]! + gD[j]!; w2[j] = w2[j]! + gD[j]! * gD[j]!; }
    }
    const exact = [pD[0]!, pD[1]!, pD[2]!, pG[0]!, pG[1]!];
    for (let j = 0; j < 5; j++) {
      const mean = s1[j]! / M, se = Math.sqrt((s2[j]! / M - mean * mean) / (M - 1));
      expectWithinSE(name, mean, exact[j]!, se, { what: `gradient component ${j}`, k: 5 });
    }
    // The wrong variant's discriminator gradient, component 1 (x), is far from the population value.
    const mean = w1[1]! / M, se = Math.sqrt((w2[1]! / M - mean * mean) / (M - 1));
    expect(Math.abs(mean - exact[1]!)).toBeGreaterThan(zFor(alphaOf(control)) * se);
  });

  it('ganAlternating: replays from the same stream, reports each iteration, and leaves θ alone for 0 iterations', () => {
    const data = (s: Stream, out: Float64Array): void => {
      normals(s, out, 0, out.length);
      for (let i = 0; i < out.length; i++) out[i] = mStar + sStar * out[i]!;
    };
    const opts = { iterations: 30, batchSize: 16, discriminatorSteps: 2, discriminatorRate: 0.1, generatorRate: 0.05 };
    const run = (): Float64Array => {
      const tg = f64(-1, 0), td = new Float64Array(3);
      let count = 0;
      ganAlternating(streamFromKey(keyFromSeed(9)), data, tg, td, opts, (info) => { count++; expect(info.iteration).toBe(count); });
      expect(count).toBe(30);
      return f64(...tg, ...td);
    };
    expect(Array.from(run())).toEqual(Array.from(run()));
    const tg = f64(-1, 0), td = f64(0, 0, 0);
    ganAlternating(streamFromKey(keyFromSeed(9)), data, tg, td, { ...opts, iterations: 0 });
    expect(Array.from(tg)).toEqual([-1, 0]);
    expect(run()[0]).not.toBe(-1); // it moved
  });

  it('rejects bad input with named errors', () => {
    const g = new Float64Array(3), h = new Float64Array(2);
    expect(() => ganMinibatchGradients(f64(0), f64(0, 0, 0), f64(1), f64(1), g, h)).toThrow(/thetaG must be \[μ, log s\] \(length 2\)/);
    expect(() => ganMinibatchGradients(f64(0, 0), f64(0, NaN, 0), f64(1), f64(1), g, h)).toThrow(/thetaD\[1\] = NaN must be finite/);
    expect(() => ganMinibatchGradients(f64(0, 0), f64(0, 0, 0), f64(), f64(1), g, h)).toThrow(/must be non-empty/);
    expect(() => gaussianOptimalDiscriminator(0, 0, f64(0, 0))).toThrow(/stdStar = 0 must be finite and > 0/);
    const data = (_s: Stream, out: Float64Array): void => { out.fill(0); };
    expect(() => ganAlternating(streamFromKey(keyFromSeed(1)), data, f64(0, 0), f64(0, 0, 0), { iterations: 1, batchSize: 0, discriminatorSteps: 1, discriminatorRate: 0.1, generatorRate: 0.1 }))
      .toThrow(/batchSize must be a positive integer/);
    expect(() => ganValue(lStar, lStar, () => NaN, rx)).toThrow(/logitD\(.*\) is NaN/);
    expect(() => ganValue(() => NaN, lStar, quadraticLogit(f64(0, 0, 0)), rx)).toThrow(/ganValue: a log-density at x = .* is NaN; it must be finite or −∞/);
    expect(() => ganValueFromNoise(lStar, () => NaN, logStdNormal, quadraticLogit(f64(0, 0, 0)), rx, rz)).toThrow(/ganValueFromNoise: generator\(.*\) = NaN must be finite/);
    expect(() => ganValueFromNoise(lStar, (z) => z, logStdNormal, () => NaN, rx, rz)).toThrow(/ganValueFromNoise: logitD\(.*\) is NaN/);
    expect(() => ganPopulationGradients(() => NaN, f64(0, 0), f64(0, 0, 0), rx, rz, g, h)).toThrow(/ganPopulationGradients: logRhoStar\(.*\) = NaN must be finite or −∞/);
    expect(() => optimalDiscriminatorLogit(() => -Infinity, () => -Infinity)(0)).toThrow(/outside Supp/);
  });
});
