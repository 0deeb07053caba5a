/**
 * mixtureEnergy, the K-mode mixture of 001 (2.4): the contract (the document's example in d = 1, K = 3 in d = 2 with
 * quadrature, K = 3 in d = 3 with exact moments); exact checks against the direct formula; the document's example;
 * and the erratum: (2.4) as printed (U = +log[…]) is not an energy of the mixture.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mixture24Example, mixtureEnergy, mixtureTheta } from '../../src/energies/mixture.js';
import type { Energy } from '../../src/energies/energy.js';
import { keyFromSeed, normal, normals, streamFromKey, uniform } from '../../src/rng/index.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount, normalCdf } from '../_support/stat.js';
import { gridMoments } from './quadrature.js';

function points(name: string, n: number, d: number, scale: number, shift = 0): Float64Array {
  return normals(testStream(name), new Float64Array(n * d)).map((v) => shift + scale * v);
}

/**
 * Exact moments of ρ = e^{−U}/Z: with the mode masses π_k ∝ p_k σ_k^d, mean Σ π_k μ_k and covariance
 * Σ π_k (σ_k²/2 I + μ_k μ_kᵀ) − mean meanᵀ.
 */
function moments(pIn: number[], means: number[], sigmas: number[], d: number): { mean: Float64Array; cov: Float64Array } {
  const mass = pIn.map((pk, k) => pk * sigmas[k]! ** d);
  const tot = mass.reduce((a, b) => a + b, 0);
  const p = mass.map((v) => v / tot);
  const mean = new Float64Array(d), cov = new Float64Array(d * d);
  p.forEach((pk, k) => { for (let j = 0; j < d; j++) mean[j] = mean[j]! + pk * means[k * d + j]!; });
  for (let j = 0; j < d; j++) {
    for (let l = 0; l < d; l++) {
      let s = 0;
      p.forEach((pk, k) => { s += pk * ((j === l ? sigmas[k]! ** 2 / 2 : 0) + means[k * d + j]! * means[k * d + l]!); });
      cov[j * d + l] = s - mean[j]! * mean[l]!;
    }
  }
  return { mean, cov };
}

// Boxes: the widest mode has sd σ/√2 ≤ 1.2/√2 < 0.85 and the centres lie in [−2, 5]: [−15, 20] (1-D) and [−12, 12]
// (2-D, centres in [−2, 2]) are > 11 sd from every centre.
energyContract('mixture(K=2, d=1), 001 (2.4) example', () => {
  const { energy, theta } = mixture24Example();
  return {
    energy,
    thetas: [theta, mixtureTheta([0.2, 0.8], [-1, 2], [1.2, 0.7])],
    points: points('mixture 2.4 points', 10, 1, 3, 2),
    box: { lo: [-15], hi: [20], panels: [300] },
  };
});

energyContract('mixture(K=3, d=2)', () => ({
  energy: mixtureEnergy(3, 2),
  thetas: [mixtureTheta([0.5, 0.3, 0.2], [-2, 0, 1, 1.5, 2, -1.5], [1, 0.6, 0.8]),
    mixtureTheta([0.1, 0.1, 0.8], [0, 0, 0.5, 0, -0.5, 0.2], [1.2, 0.5, 0.9])],
  points: points('mixture K=3 d=2 points', 10, 2, 2),
  box: { lo: [-12, -12], hi: [12, 12], panels: [60, 60] },
}));

const p3 = [0.25, 0.35, 0.4], m3 = [-2, 0, 1, 1, 1, -1, 0.5, -2, 2], s3 = [1, 0.7, 1.3];
energyContract('mixture(K=3, d=3)', () => ({
  energy: mixtureEnergy(3, 3),
  thetas: [mixtureTheta(p3, m3, s3)],
  points: points('mixture K=3 d=3 points', 8, 3, 2),
  moments: () => moments(p3, m3, s3, 3),
}));

describe('mixtureEnergy: exact values', () => {
  it('U, ∂ℓU = p − r and log Z equal the direct formulas of (2.4) (with the −log sign) for generated mixtures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (K, d, seed) => {
          const s = streamFromKey(keyFromSeed(seed));
          const p = Array.from({ length: K }, () => 0.05 + uniform(s));
          const sig = Array.from({ length: K }, () => 0.5 + uniform(s));
          const mu = Array.from(normals(s, new Float64Array(K * d)));
          const x = normals(s, new Float64Array(d)).map((v) => 2 * v);
          const tot = p.reduce((a, b) => a + b, 0);
          const e = mixtureEnergy(K, d), th = mixtureTheta(p, mu, sig);
          let sum = 0, z = 0;
          const terms = p.map((pk, k) => {
            let r2 = 0;
            for (let j = 0; j < d; j++) r2 += (x[j]! - mu[k * d + j]!) ** 2;
            const t = (pk / tot) * Math.exp(-r2 / sig[k]! ** 2);
            sum += t;
            z += (pk / tot) * (Math.PI * sig[k]! ** 2) ** (d / 2);
            return t;
          });
          const u = e.energy(th, x, 1, new Float64Array(1))[0]!;
          expect(Math.abs(u + Math.log(sum))).toBeLessThan(1e-12 * (1 + Math.abs(u)));
          expect(Math.abs(e.logPartition!(th) - Math.log(z))).toBeLessThan(1e-13 * (1 + Math.abs(Math.log(z))));
          const pg = e.paramGrad(th, x, 1, new Float64Array([1]), new Float64Array(e.paramDim));
          let sr = 0;
          terms.forEach((t, k) => {
            expect(Math.abs(pg[k]! - (p[k]! / tot - t / sum))).toBeLessThan(1e-12); // ∂ℓ_k U = p_k − r_k
            sr += pg[k]!;
          });
          expect(Math.abs(sr)).toBeLessThan(1e-13); // Σ (p_k − r_k) = 0: the logits' shift invariance
        }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('the document\'s example: Z = (0.7 + 0.3·0.5)√π, U at the modes, minima of U near 0 and 5 and a barrier between', () => {
    const { energy, theta } = mixture24Example();
    expect(Math.abs(energy.logPartition!(theta) - Math.log(0.85 * Math.sqrt(Math.PI)))).toBeLessThan(1e-15);
    const x = new Float64Array(701).map((_, i) => -1 + i * 0.01); // grid on [−1, 6]
    const u = new Float64Array(x.length), g = new Float64Array(x.length);
    energy.energyGrad(theta, x, x.length, u, g);
    expect(Math.abs(u[100]! + Math.log(0.7 + 0.3 * Math.exp(-100)))).toBeLessThan(1e-15); // x = 0
    // Sign changes of U' from − to + (minima) and + to − (maxima) on the grid.
    const minima: number[] = [], maxima: number[] = [];
    for (let i = 1; i < x.length; i++) {
      if (g[i - 1]! < 0 && g[i]! >= 0) minima.push(x[i]!);
      if (g[i - 1]! > 0 && g[i]! <= 0) maxima.push(x[i]!);
    }
    expect(minima.length).toBe(2);
    expect(Math.abs(minima[0]!)).toBeLessThan(0.02);
    expect(Math.abs(minima[1]! - 5)).toBeLessThan(0.02);
    expect(maxima.length).toBe(1);
    expect(maxima[0]! > 0.5 && maxima[0]! < 4.5).toBe(true);
  });

  it('rejects bad mixture parameters, naming them', () => {
    expect(() => mixtureTheta([0.5, 0], [0, 1], [1, 1])).toThrow(/p\[1\] must be finite and > 0/);
    expect(() => mixtureTheta([0.5, 0.5], [0, 1], [1, -1])).toThrow(/sigmas\[1\]/);
    expect(() => mixtureTheta([0.5, 0.5], [0, 1, 2], [1, 1])).toThrow(/means must have length K·d/);
    expect(() => mixtureTheta([0.5, 0.5], [0, 1], [1])).toThrow(/sigmas must have length/);
    expect(() => mixtureEnergy(0, 1)).toThrow(/K must be a positive integer/);
    expect(() => mixtureEnergy(2, 0)).toThrow(/d must be a positive integer/);
  });

  it('stays finite far from every mode (|x| = 10³) with no NaN', () => {
    const e = mixtureEnergy(3, 2);
    const th = mixtureTheta([0.5, 0.3, 0.2], [-2, 0, 1, 1.5, 2, -1.5], [1, 0.6, 0.8]);
    const x = new Float64Array([1e3, -1e3, -1e3, 1e3]);
    const u = new Float64Array(2), g = new Float64Array(4);
    e.energyGrad(th, x, 2, u, g);
    const lap = e.laplacian!(th, x, 2, new Float64Array(2));
    const pg = e.paramGrad(th, x, 2, new Float64Array([1, 1]), new Float64Array(e.paramDim));
    expect([...u, ...g, ...lap, ...pg].every(Number.isFinite)).toBe(true);
  });
});

describe('001 (2.4) erratum: U = +log[…] as printed is not an energy of the mixture', () => {
  /** (2.4) exactly as printed: U = +log[p e^{−(x−μ₁)²/σ₁²} + (1−p) e^{−(x−μ₂)²/σ₂²}], i.e. −U of the mixture. */
  function printed(): Energy {
    const { energy } = mixture24Example();
    return {
      ...energy,
      name: '(2.4) as printed',
      energy: (th, x, n, out) => {
        energy.energy(th, x, n, out);
        for (let i = 0; i < n; i++) out[i] = -out[i]!;
        return out;
      },
    };
  }

  it('∫ e^{−U} over [−L, L] diverges for the printed sign (grows like e^{L²}) and converges for −log', () => {
    const { energy, theta } = mixture24Example();
    const logMass = (e: Energy, L: number): number => gridMoments(e, theta, { lo: [-L], hi: [L], panels: [400] }).logZ;
    const printedGrowth = logMass(printed(), 12) - logMass(printed(), 10);
    const correctGrowth = logMass(energy, 12) - logMass(energy, 10);
    // Printed: e^{−U} ≈ e^{x²}/0.7 for large |x|, so the log-mass grows by ≈ 12² − 10² = 44.
    expect(printedGrowth).toBeGreaterThan(40);
    expect(Math.abs(correctGrowth)).toBeLessThan(1e-12);
    expect(Math.abs(logMass(energy, 12) - energy.logPartition!(theta))).toBeLessThan(1e-12);
  });

  it('the printed U has maxima where ρ has its modes (0 and 5), contradicting "minima of U ↔ modes of ρ"', () => {
    const { theta } = mixture24Example();
    const e = printed();
    const u = e.energy(theta, new Float64Array([-0.3, 0, 0.3, 4.8, 5, 5.2]), 6, new Float64Array(6));
    expect(u[1]! > u[0]! && u[1]! > u[2]!).toBe(true);
    expect(u[4]! > u[3]! && u[4]! > u[5]!).toBe(true);
  });
});

describe('mixtureEnergy: exact sampler mode masses (Layer B)', () => {
  // In the document's example the modes' masses under e^{−U} are ∝ p_k σ_k: 0.7·1 : 0.3·0.5, i.e. π₂ = 0.15/0.85.
  // P(x > 2.5) = π₁ Φ(−2.5/(1/√2)) + π₂ Φ((5 − 2.5)/(0.5/√2)) exactly; the count of draws above 2.5 is Binomial.
  const { energy, theta } = mixture24Example();
  const N = 100_000;
  const pi2 = 0.15 / 0.85;
  const pAbove = (1 - pi2) * normalCdf(-2.5 * Math.SQRT2) + pi2 * normalCdf(2.5 / (0.5 * Math.SQRT1_2));
  const above = (xs: Float64Array): number => xs.reduce((c, v) => c + (v > 2.5 ? 1 : 0), 0);

  it('draws the mode at 5 with probability p₂σ₂/(p₁σ₁ + p₂σ₂) (exact binomial interval, α = 1e-6)', () => {
    const name = 'mixture (2.4) sampler: count above 2.5 is Binomial(N, P(x > 2.5))';
    const xs = energy.sample!(testStream(name), theta, N, new Float64Array(N));
    expectBinomialCount(name, above(xs), N, pAbove, { what: 'draws above 2.5' });
  });

  it('negative control: drawing modes with the printed p (0.7/0.3) falls outside the same interval', () => {
    const name = 'mixture (2.4) sampler negative control: modes drawn with p rejected';
    const s = testStream(name);
    const xs = new Float64Array(N);
    for (let i = 0; i < N; i++) xs[i] = uniform(s) < 0.7 ? Math.SQRT1_2 * normal(s) : 5 + 0.5 * Math.SQRT1_2 * normal(s);
    const [lo, hi] = binomialInterval(N, pAbove, alphaOf(name));
    const c = above(xs);
    expect(c < lo || c > hi, `count ${c} inside [${lo}, ${hi}]`).toBe(true);
  });
});
