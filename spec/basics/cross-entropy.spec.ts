/**
 * src/basics/cross-entropy.ts: 001 Definition 2.3 and Lemma 2.1 by quadrature on 1-D mixtures (with the printed
 * (2.9) shown wrong), (2.10), the exact cross-entropy gradient (2.12) on the paper's two-mode mixture 004 (15)
 * (analytic Z: Eθ[∂θU] = −∂θ log Zθ = (0, 0, q)), and the data/sample estimator of (2.12) / 000 (9): exact with
 * weighted quadrature points, calibrated with exact draws, and a negative control.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compositeGaussLegendre, crossEntropy, crossEntropyGradient, crossEntropyOfEnergy, entropy, klDivergence, lemma21,
  lemma21AsWritten, logLikelihoodGradient, type LogDensity1D,
} from '../../src/basics/cross-entropy.js';
import { modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/two-mode-mixture.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);
const energy = twoModeMixtureEnergy(1);
// Centres in [−3, 3], unit-variance modes: [−20, 20] leaves mass < e^{−144} outside; 200 panels × 20 nodes.
const rule = compositeGaussLegendre(-20, 20, 200);

/** log ρθ(x) = −Uθ(x) − log Zθ for the 1-D two-mode mixture. */
function logMixture(theta: Float64Array): LogDensity1D {
  const logZ = energy.logPartition!(theta);
  const x = new Float64Array(1), u = new Float64Array(1);
  return (t) => {
    x[0] = t;
    return -energy.energy(theta, x, 1, u)[0]! - logZ;
  };
}
const logGauss = (m: number, s: number): LogDensity1D => (x) => -0.5 * Math.log(2 * Math.PI * s * s) - ((x - m) ** 2) / (2 * s * s);
const arbTheta = fc.tuple(
  fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }),
).map(([a, b, z]) => twoModeTheta(f64(a), f64(b), z));

describe('basics: cross-entropy, entropy, KL (001 Definition 2.3) by quadrature', () => {
  it('Gaussian closed forms: H(N(m, s²)) = ½ log 2πe s², KL(N1‖N2), H(ρ1, ρ2)', () => {
    const [m1, s1, m2, s2] = [0.3, 0.7, -1.1, 1.6];
    expect(entropy(logGauss(m1, s1), rule)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E * s1 * s1), 12);
    const kl = Math.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - 0.5;
    expect(klDivergence(logGauss(m1, s1), logGauss(m2, s2), rule)).toBeCloseTo(kl, 12);
    expect(crossEntropy(logGauss(m1, s1), logGauss(m2, s2), rule)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E * s1 * s1) + kl, 12);
    expect(klDivergence(logGauss(m1, s1), logGauss(m1, s1), rule)).toBe(0);
  });

  it('Lemma 2.1, corrected: H(ρ1, ρ2) = H(ρ1) + D_KL(ρ1‖ρ2) for random pairs of 1-D two-mode mixtures', () => {
    fc.assert(fc.property(arbTheta, arbTheta, (t1, t2) => {
      const l1 = logMixture(t1), l2 = logMixture(t2);
      const h12 = crossEntropy(l1, l2, rule);
      expect(Math.abs(lemma21(l1, l2, rule) - h12)).toBeLessThan(1e-10 * Math.max(1, Math.abs(h12)));
      expect(klDivergence(l1, l2, rule)).toBeGreaterThanOrEqual(-1e-12); // (2.8)
    }), { numRuns: 60 });
  });

  it('Lemma 2.1 as printed (2.9), H(ρ2) + D_KL(ρ2‖ρ1), is H(ρ2, ρ1) and misses H(ρ1, ρ2) (erratum)', () => {
    const l1 = logMixture(twoModeTheta(f64(-2), f64(2), 1.5)), l2 = logGauss(0.5, 0.8);
    const h12 = crossEntropy(l1, l2, rule), h21 = crossEntropy(l2, l1, rule);
    expect(lemma21AsWritten(l1, l2, rule)).toBeCloseTo(h21, 10);
    expect(Math.abs(lemma21AsWritten(l1, l2, rule) - h12)).toBeGreaterThan(1); // the two differ by O(1) here
    expect(lemma21(l1, l2, rule)).toBeCloseTo(h12, 10);
  });

  it('(2.10): H(ρ*, ρθ) = log Zθ + ∫ Uθ ρ* equals −∫ ρ* log ρθ', () => {
    fc.assert(fc.property(arbTheta, arbTheta, (tStar, th) => {
      const direct = crossEntropy(logMixture(tStar), logMixture(th), rule);
      expect(Math.abs(crossEntropyOfEnergy(logMixture(tStar), energy, th, rule) - direct)).toBeLessThan(1e-10 * Math.max(1, Math.abs(direct)));
    }), { numRuns: 40 });
  });

  it('rejects bad input with named errors', () => {
    expect(() => crossEntropy(() => NaN, logGauss(0, 1), rule)).toThrow(/crossEntropy: logRho1\(.*\) = NaN/);
    expect(() => klDivergence(logGauss(0, 1), () => Infinity, rule)).toThrow(/klDivergence: logRho2/);
    expect(() => crossEntropy(logGauss(0, 1), logGauss(0, 1), { nodes: f64(0, 1), weights: f64(1) })).toThrow(/rule must have as many weights as nodes/);
    expect(crossEntropy(logGauss(0, 1), () => -Infinity, rule)).toBe(Infinity);
    expect(() => compositeGaussLegendre(0, 1, 0)).toThrow(/panels must be a positive integer/);
  });
});

/** Eθ[∂θU] for 004 (15) in d = 1: −∂θ log Zθ with log Z = ½ log 2π + log(1 + e^{−z}): (0, 0, q). */
const exactModelTerm = (th: Float64Array): Float64Array => f64(0, 0, modeWeightB(th[2]!));

/** E*[∂θU] by quadrature: the paramGrad of the quadrature nodes weighted by w_k ρ*(x_k). */
function dataTermByQuadrature(logRhoStar: LogDensity1D, th: Float64Array): Float64Array {
  const w = rule.nodes.map((x, k) => rule.weights[k]! * Math.exp(logRhoStar(x)));
  return energy.paramGrad(th, rule.nodes, rule.nodes.length, w, new Float64Array(3));
}

describe('basics: the cross-entropy gradient (001 (2.12), 000 (9)) on the two-mode mixture', () => {
  it('Eθ[∂θU] by quadrature is −∂θ log Zθ = (0, 0, q) (the identity under (2.11))', () => {
    fc.assert(fc.property(arbTheta, (th) => {
      const q = dataTermByQuadrature(logMixture(th), th), e = exactModelTerm(th);
      for (let j = 0; j < 3; j++) expect(Math.abs(q[j]! - e[j]!)).toBeLessThan(1e-11);
    }), { numRuns: 40 });
  });

  it('(2.12) with the exact model term equals central differences of H(ρ*, ρθ) (2.10)', () => {
    fc.assert(fc.property(arbTheta, arbTheta, (tStar, th) => {
      const lStar = logMixture(tStar);
      const g = dataTermByQuadrature(lStar, th), e = exactModelTerm(th);
      for (let j = 0; j < 3; j++) {
        const h = 1e-4, tp = Float64Array.from(th), tm = Float64Array.from(th);
        tp[j] = tp[j]! + h;
        tm[j] = tm[j]! - h;
        const fd = (crossEntropyOfEnergy(lStar, energy, tp, rule) - crossEntropyOfEnergy(lStar, energy, tm, rule)) / (2 * h);
        // central-difference error O(h² · H''') ≲ 1e-8 for these smooth, O(1) derivatives
        expect(Math.abs(g[j]! - e[j]! - fd)).toBeLessThan(1e-6);
      }
    }), { numRuns: 30 });
  });

  it('the estimator is exact on weighted quadrature points: data term by (000 (10)) means, model term self-normalized', () => {
    const tStar = twoModeTheta(f64(-1), f64(2.5), -0.4), th = twoModeTheta(f64(0.5), f64(1.5), 0.8);
    const lModel = logMixture(th);
    const wModel = rule.nodes.map((x, k) => rule.weights[k]! * Math.exp(lModel(x)));
    const data = f64(-1.2, 0.4, 2.2, 3.1);
    const out = crossEntropyGradient(energy, th, data, 4, rule.nodes, rule.nodes.length, new Float64Array(3), wModel);
    const meanData = energy.paramGrad(th, data, 4, f64(0.25, 0.25, 0.25, 0.25), new Float64Array(3));
    const e = exactModelTerm(th);
    for (let j = 0; j < 3; j++) expect(out[j]).toBeCloseTo(meanData[j]! - e[j]!, 11);
    // 000 (9) is the negative; the same points as data and samples give 0.
    const ll = logLikelihoodGradient(energy, th, data, 4, rule.nodes, rule.nodes.length, new Float64Array(3), wModel);
    for (let j = 0; j < 3; j++) expect(ll[j]).toBe(-out[j]!);
    const zero = crossEntropyGradient(energy, tStar, data, 4, data, 4, new Float64Array(3));
    for (let j = 0; j < 3; j++) expect(Math.abs(zero[j]!)).toBeLessThan(1e-15);
  });

  const name = 'basics MLE gradient: (2.12) from exact draws of ρ* and ρθ matches the exact gradient (3 components)';
  const control = 'basics MLE gradient negative control: data draws in place of model draws (no model term) are rejected';
  it(`${name}; ${control}`, () => {
    const stream = testStream(name);
    const tStar = twoModeTheta(f64(-2), f64(2), 1.0), th = twoModeTheta(f64(-1), f64(2.5), -0.5);
    const n = 20000, N = 20000;
    const data = energy.sample!(stream, tStar, n, new Float64Array(n));
    const model = energy.sample!(stream, th, N, new Float64Array(N));
    const est = crossEntropyGradient(energy, th, data, n, model, N, new Float64Array(3));
    const exact = dataTermByQuadrature(logMixture(tStar), th).map((v, j) => v - exactModelTerm(th)[j]!);
    // Standard errors from the per-point ∂θU of the two independent sets.
    const se = new Float64Array(3);
    for (const [xs, m] of [[data, n], [model, N]] as const) {
      const g = new Float64Array(3), one = f64(1);
      const s1 = new Float64Array(3), s2 = new Float64Array(3);
      for (let i = 0; i < m; i++) {
        energy.paramGrad(th, xs.subarray(i, i + 1), 1, one, g);
        for (let j = 0; j < 3; j++) { s1[j] = s1[j]! + g[j]!; s2[j] = s2[j]! + g[j]! * g[j]!; }
      }
      for (let j = 0; j < 3; j++) se[j] = se[j]! + (s2[j]! / m - (s1[j]! / m) ** 2) * (m / (m - 1)) / m;
    }
    for (let j = 0; j < 3; j++) expectWithinSE(name, est[j]!, exact[j]!, Math.sqrt(se[j]!), { what: `∂θ${j} H`, k: 3 });
    // Negative control: the data's own ∂θU as the "model" term gives 0, not the gradient; the z-component
    // (exact ≈ −0.375, se ≈ 0.005) is far outside the band.
    const z = zFor(alphaOf(control) / 3);
    const wrong = crossEntropyGradient(energy, th, data, n, data.slice(), n, new Float64Array(3));
    expect(Math.abs(wrong[2]! - exact[2]!)).toBeGreaterThan(z * Math.sqrt(se[2]!));
  });

  it('rejects mismatched sizes and bad weights with named errors', () => {
    const th = twoModeTheta(f64(0), f64(1), 0);
    const x = f64(0.1, 0.2);
    expect(() => crossEntropyGradient(energy, th, x, 3, x, 2, new Float64Array(3))).toThrow(/data must hold nData·d = 3 values, got 2/);
    expect(() => crossEntropyGradient(energy, th, x, 2, x, 2, new Float64Array(2))).toThrow(/out must have length p = 3/);
    expect(() => crossEntropyGradient(energy, th, x, 2, x, 2, new Float64Array(3), f64(1, -1))).toThrow(/weights\[1\] = -1 must be finite and ≥ 0/);
    expect(() => crossEntropyGradient(energy, th, x, 2, x, 2, new Float64Array(3), f64(0, 0))).toThrow(/weights must not all be 0/);
    expect(() => crossEntropyGradient(energy, th, x, 0, x, 2, new Float64Array(3))).toThrow(/nData must be a positive integer/);
  });
});
