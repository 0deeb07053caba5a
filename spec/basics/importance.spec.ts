/**
 * src/basics/importance.ts, 001 (2.2): the closed-form CV of a Gaussian proposal/target pair against quadrature
 * (and its divergence at 2s0² ≤ s²), exact behaviour for a proposal proportional to the target, the reported CV
 * against its definition, and calibrated tests of Ẑ and of E[w²] (= Z²(1 + CV²)) with a negative control (a proposal
 * whose stated density is not the one it samples).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compositeGaussLegendre } from '../../src/basics/cross-entropy.js';
import { gaussianImportanceCv, gaussianProposal, importanceLogZ, type Proposal } from '../../src/basics/importance.js';
import type { Potential } from '../../src/energies/energy.js';
import { integrate } from '../../src/stats/quadrature.js';
import { keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);

/** U(x) = Σⱼ (xⱼ − mⱼ)²/(2sⱼ²) + u0, so Z = e^{−u0} Πⱼ √(2π) sⱼ. */
function gaussianPotential(m: Float64Array, s: Float64Array, u0: number): Potential {
  const d = m.length;
  const energy = (x: Float64Array, n: number, out: Float64Array): Float64Array => {
    for (let i = 0; i < n; i++) {
      let q = u0;
      for (let j = 0; j < d; j++) q += ((x[i * d + j]! - m[j]!) ** 2) / (2 * s[j]! * s[j]!);
      out[i] = q;
    }
    return out;
  };
  return { name: 'gaussianPotential', dim: d, energy, energyGrad: () => { throw new Error('not used'); } };
}
const logZOf = (s: Float64Array, u0: number): number => -u0 + Array.from(s).reduce((a, v) => a + 0.5 * Math.log(2 * Math.PI) + Math.log(v), 0);
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('basics: the importance-sampling estimate of Z (001 (2.2))', () => {
  it('the closed-form CV² + 1 equals ∫ ρ²/ρ0 by quadrature (1-D, random pairs with 2s0² > s²)', () => {
    fc.assert(fc.property(dbl(-1, 1), dbl(0.5, 2), dbl(-1, 1), dbl(0.5, 2), (m, s, m0, s0) => {
      fc.pre(2 * s0 * s0 > 1.5 * s * s);
      const r = (x: number): number => {
        const lr = -0.5 * Math.log(2 * Math.PI * s * s) - ((x - m) ** 2) / (2 * s * s);
        const l0 = -0.5 * Math.log(2 * Math.PI * s0 * s0) - ((x - m0) ** 2) / (2 * s0 * s0);
        return Math.exp(2 * lr - l0);
      };
      // The integrand is a Gaussian of variance s²s0²/(2s0² − s²) ≤ 3 s0²·… ≤ 16: ±60 is > 15 sd from its centre.
      const m2 = integrate(r, compositeGaussLegendre(-60, 60, 240));
      const cv = gaussianImportanceCv(f64(m), f64(s), f64(m0), f64(s0));
      expect(Math.abs(cv * cv + 1 - m2)).toBeLessThan(1e-10 * m2);
    }), { numRuns: 100 });
  });

  it('the CV is a product over coordinates, 0 for a proposal equal to the target, and infinite for 2s0² ≤ s²', () => {
    const c1 = gaussianImportanceCv(f64(0.2), f64(1), f64(0), f64(1.3));
    const c2 = gaussianImportanceCv(f64(-0.4), f64(0.7), f64(0.1), f64(0.9));
    const c12 = gaussianImportanceCv(f64(0.2, -0.4), f64(1, 0.7), f64(0, 0.1), f64(1.3, 0.9));
    expect(c12 * c12 + 1).toBeCloseTo((c1 * c1 + 1) * (c2 * c2 + 1), 12);
    expect(gaussianImportanceCv(f64(0.5, 1), f64(2, 3), f64(0.5, 1), f64(2, 3))).toBeLessThan(1e-7); // √(rounding)
    expect(gaussianImportanceCv(f64(0), f64(2), f64(0), f64(1.4))).toBe(Infinity);
    expect(gaussianImportanceCv(f64(0, 0), f64(1, 2), f64(0, 0), f64(1, 1.2))).toBe(Infinity);
  });

  it('a proposal proportional to e^{−U} gives equal weights: log Ẑ = log Z exactly and CV = 0', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), dbl(-2, 2), dbl(0.3, 3), dbl(-5, 5), (seed, m, s, u0) => {
      const est = importanceLogZ(streamFromKey(keyFromSeed(seed)), gaussianPotential(f64(m, -m), f64(s, 2 * s), u0), gaussianProposal(f64(m, -m), f64(s, 2 * s)), 64);
      const exact = logZOf(f64(s, 2 * s), u0);
      expect(Math.abs(est.logZ - exact)).toBeLessThan(1e-12 * Math.max(1, Math.abs(exact)));
      expect(est.cv).toBeLessThan(1e-12);
    }), { numRuns: 50 });
  });

  it('the reported CV and relative standard error are sd(w)/mean(w) and cv/√n of the returned log-weights', () => {
    const est = importanceLogZ(streamFromKey(keyFromSeed(3)), gaussianPotential(f64(0.3), f64(0.8), 0.5), gaussianProposal(f64(0), f64(1.2)), 500);
    const w = Array.from(est.logWeights, Math.exp);
    const mean = w.reduce((a, v) => a + v, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / (w.length - 1));
    expect(est.logZ).toBeCloseTo(Math.log(mean), 12);
    expect(est.cv).toBeCloseTo(sd / mean, 12);
    expect(est.relativeStandardError).toBeCloseTo(sd / mean / Math.sqrt(500), 14);
  });

  const nameZ = 'basics IS: Ẑ from 1e5 Gaussian-proposal draws is within z·Z·CV/√n of Z (exact CV)';
  const nameM2 = 'basics IS: the mean of w² from 1e5 draws is within z·se of Z²(1 + CV²)';
  const control = 'basics IS negative control: a proposal whose stated density has the wrong scale is rejected';
  it(`${nameZ}; ${nameM2}`, () => {
    // Target e^{−U} ∝ N(0.3, 0.8²), proposal N(0, 1.2²): w ≤ max ratio < ∞ (s0 > s), so the CLT applies at n = 1e5.
    const n = 100000, s = 0.8, s0 = 1.2, u0 = 0.5;
    const est = importanceLogZ(testStream(nameZ), gaussianPotential(f64(0.3), f64(s), u0), gaussianProposal(f64(0), f64(s0)), n);
    const Z = Math.exp(logZOf(f64(s), u0)), cv = gaussianImportanceCv(f64(0.3), f64(s), f64(0), f64(s0));
    expectWithinSE(nameZ, Math.exp(est.logZ), Z, (Z * cv) / Math.sqrt(n), { what: 'Ẑ' });
    // E[w²] = Z²(1 + CV²); its standard error from the sample variance of w² (bounded).
    const w2 = Array.from(est.logWeights, (l) => Math.exp(2 * l));
    const m2 = w2.reduce((a, v) => a + v, 0) / n;
    const v2 = w2.reduce((a, v) => a + (v - m2) ** 2, 0) / (n - 1);
    expectWithinSE(nameM2, m2, Z * Z * (1 + cv * cv), Math.sqrt(v2 / n), { what: 'mean of w²' });
  });

  it(control, () => {
    // Draws from N(0, 1.2²) but the density claims N(0, 1.0²): Ẑ estimates ∫ e^{−U} ρ_true/ρ_claimed ≠ Z.
    const n = 100000, s = 0.8, u0 = 0.5;
    const honest = gaussianProposal(f64(0), f64(1.2)), claimed = gaussianProposal(f64(0), f64(1.0));
    const wrong: Proposal = { name: 'mismatched', dim: 1, sample: honest.sample, logDensity: claimed.logDensity };
    const est = importanceLogZ(testStream(control), gaussianPotential(f64(0.3), f64(s), u0), wrong, n);
    const Z = Math.exp(logZOf(f64(s), u0)), cv = gaussianImportanceCv(f64(0.3), f64(s), f64(0), f64(1.2));
    const z = zFor(alphaOf(control));
    expect(Math.abs(Math.exp(est.logZ) - Z)).toBeGreaterThan((z * Z * cv) / Math.sqrt(n));
  });

  it('rejects bad input with named errors', () => {
    const p = gaussianProposal(f64(0), f64(1));
    expect(() => gaussianProposal(f64(0), f64(0))).toThrow(/gaussianProposal: std\[0\] = 0 must be finite and > 0/);
    expect(() => gaussianProposal(f64(NaN), f64(1))).toThrow(/mean\[0\] = NaN must be finite/);
    expect(() => gaussianProposal(f64(0, 1), f64(1))).toThrow(/mean and std must have the same positive length/);
    expect(() => importanceLogZ(streamFromKey(keyFromSeed(1)), gaussianPotential(f64(0, 0), f64(1, 1), 0), p, 10)).toThrow(/same dimension/);
    expect(() => importanceLogZ(streamFromKey(keyFromSeed(1)), gaussianPotential(f64(0), f64(1), 0), p, 1)).toThrow(/n must be an integer ≥ 2/);
    expect(() => gaussianImportanceCv(f64(0), f64(-1), f64(0), f64(1))).toThrow(/gaussianImportanceCv \(target\): std\[0\] = -1/);
    const nanTarget: Potential = { ...gaussianPotential(f64(0), f64(1), 0), energy: (_x, n, out) => out.fill(NaN, 0, n) };
    expect(() => importanceLogZ(streamFromKey(keyFromSeed(1)), nanTarget, p, 4)).toThrow(/log-weight 0 is NaN/);
  });
});
