/**
 * gaussianEnergy: the contract on d = 1, 2 (full Σ₀, log Z and moments by quadrature) and d = 4 (exact moments), and
 * exact Layer-A checks against an independent computation through the Cholesky solve, over generated SPD matrices.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaussianEnergy, gaussianTheta } from '../../src/energies/gaussian.js';
import { cholesky, choleskySolve, symmetricEigen } from '../../src/linalg/dense.js';
import { normals, streamFromKey, keyFromSeed } from '../../src/rng/index.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { gridMoments } from './quadrature.js';

const cov2 = new Float64Array([2, 0.6, 0.6, 1]);

/** n×d points drawn from N(0, scale²) with the test's own stream. */
function points(name: string, n: number, d: number, scale: number): Float64Array {
  const x = normals(testStream(name), new Float64Array(n * d));
  return x.map((v) => scale * v);
}

// Boxes: the largest standard deviation is e^{s}·√λmax(Σ₀) ≤ e^{0.3}·1.5 ≈ 2.1 here, and |μ| ≤ 1.5, so ±20 is
// > 8.8 sd from the mean: the mass outside is < e^{−38} ≈ 3e-17 of Z.
energyContract('gaussian(d=1)', () => ({
  energy: gaussianEnergy(new Float64Array([2]), 1),
  thetas: [gaussianTheta(new Float64Array([0.5]), 0.3), gaussianTheta(new Float64Array([-1.5]), -0.7)],
  points: points('gaussian d=1 points', 8, 1, 2),
  box: { lo: [-20], hi: [20], panels: [200] },
}));

energyContract('gaussian(d=2, full cov)', () => ({
  energy: gaussianEnergy(cov2, 2),
  thetas: [gaussianTheta(new Float64Array([1, -0.5]), 0.2), gaussianTheta(new Float64Array([-1, 1.5]), -0.4)],
  points: points('gaussian d=2 points', 8, 2, 2),
  box: { lo: [-20, -20], hi: [20, 20], panels: [60, 60] },
}));

const cov4 = new Float64Array([4, 1, 0.5, 0, 1, 3, 0.2, -0.4, 0.5, 0.2, 2, 0.3, 0, -0.4, 0.3, 1]);
energyContract('gaussian(d=4)', () => ({
  energy: gaussianEnergy(cov4, 4),
  thetas: [gaussianTheta(new Float64Array([1, -2, 0.5, 3]), 0.25), gaussianTheta(new Float64Array([0, 0, 0, 0]), -1)],
  points: points('gaussian d=4 points', 6, 4, 3),
  moments: (th) => {
    const c = Math.exp(2 * th[4]!);
    return { mean: th.slice(0, 4), cov: cov4.map((v) => c * v) };
  },
}));

/** A random SPD matrix MᵀM + cI from an integer seed (fast-check draws the seed, the project's RNG the entries). */
function randomSpd(seed: number, d: number, c: number): Float64Array {
  const m = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(d * d));
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = i === j ? c : 0;
      for (let k = 0; k < d; k++) s += m[k * d + i]! * m[k * d + j]!;
      a[i * d + j] = s;
    }
  }
  return a;
}

describe('gaussianEnergy: exact values', () => {
  it('U, ∇U, ∂θU, ΔU and log Z equal an independent computation (Cholesky solve, eigenvalues) for generated Σ₀', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.1, max: 2, noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: -1.5, max: 1.5, noNaN: true, noDefaultInfinity: true }),
        (d, seed, c, s) => {
          const cov0 = randomSpd(seed, d, c);
          const e = gaussianEnergy(cov0, d);
          const rnd = normals(streamFromKey(keyFromSeed(seed + 1)), new Float64Array(2 * d));
          const mu = rnd.slice(0, d), x = rnd.slice(d);
          const th = gaussianTheta(mu, s);
          // Independent: Σ = e^{2s}Σ₀, y = Σ⁻¹ r by Cholesky solve of Σ itself.
          const sigma = cov0.map((v) => Math.exp(2 * s) * v);
          const l = cholesky(sigma, d);
          const r = x.map((v, j) => v - mu[j]!);
          const y = choleskySolve(l, d, r);
          let q = 0;
          for (let j = 0; j < d; j++) q += r[j]! * y[j]!;
          const u = new Float64Array(1), g = new Float64Array(d);
          e.energyGrad(th, x, 1, u, g);
          const tol = 1e-10 * (1 + q);
          expect(Math.abs(u[0]! - 0.5 * q)).toBeLessThan(tol);
          for (let j = 0; j < d; j++) expect(Math.abs(g[j]! - y[j]!)).toBeLessThan(1e-10 * (1 + Math.abs(y[j]!)) * 1e2);
          const pg = e.paramGrad(th, x, 1, new Float64Array([1]), new Float64Array(d + 1));
          for (let j = 0; j < d; j++) expect(Math.abs(pg[j]! + y[j]!)).toBeLessThan(1e-8 * (1 + Math.abs(y[j]!)));
          expect(Math.abs(pg[d]! + q)).toBeLessThan(tol);
          // log Z = (d/2) log 2π + ½ Σ log λ_k(Σ), with the eigenvalues from ml-matrix (not the Cholesky factor).
          const { values } = symmetricEigen(sigma, d);
          let logDet = 0, tr = 0;
          for (const v of values) { logDet += Math.log(v); tr += 1 / v; }
          expect(Math.abs(e.logPartition!(th) - (0.5 * d * Math.log(2 * Math.PI) + 0.5 * logDet))).toBeLessThan(1e-10 * (1 + Math.abs(logDet)));
          const lap = e.laplacian!(th, x, 1, new Float64Array(1))[0]!;
          expect(Math.abs(lap - tr)).toBeLessThan(1e-9 * tr);
        },
      ),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('log Z with a strongly correlated Σ₀ (ρ = 0.9) equals quadrature in 2-D to 1e-10', () => {
    const e = gaussianEnergy(new Float64Array([1, 0.9, 0.9, 1]), 2);
    const th = gaussianTheta(new Float64Array([0.3, -0.2]), 0.1);
    // sd ≤ e^{0.1}·√1.9 ≈ 1.53: ±16 is > 10 sd from μ.
    const q = gridMoments(e, th, { lo: [-16, -16], hi: [16, 16], panels: [80, 80] });
    expect(Math.abs(e.logPartition!(th) - q.logZ)).toBeLessThan(1e-10);
    // and the covariance by quadrature is e^{2s}Σ₀
    const c = Math.exp(0.2);
    [1, 0.9, 0.9, 1].forEach((v, i) => expect(Math.abs(q.cov[i]! - c * v)).toBeLessThan(1e-10));
  });

  it('U is zero at μ and the gradient vanishes there; ∂sU = −2U', () => {
    const e = gaussianEnergy(cov2, 2);
    const th = gaussianTheta(new Float64Array([0.7, -0.3]), 0.4);
    const u = new Float64Array(2), g = new Float64Array(4);
    e.energyGrad(th, new Float64Array([0.7, -0.3, 2, 1]), 2, u, g);
    expect([u[0], g[0], g[1]]).toEqual([0, 0, 0]);
    const pg = e.paramGrad(th, new Float64Array([2, 1]), 1, new Float64Array([1]), new Float64Array(3));
    expect(pg[2]).toBeCloseTo(-2 * u[1]!, 13);
  });

  it('rejects a Σ₀ that is not symmetric positive definite, or of the wrong size, naming cov0', () => {
    expect(() => gaussianEnergy(new Float64Array([1, 0.5, 0.4, 1]), 2)).toThrow(/cov0 must be symmetric/);
    expect(() => gaussianEnergy(new Float64Array([1, 2, 2, 1]), 2)).toThrow(/cov0 must be positive definite/);
    expect(() => gaussianEnergy(new Float64Array([0]), 1)).toThrow(/cov0 must be positive definite/);
    expect(() => gaussianEnergy(new Float64Array([1, NaN, NaN, 1]), 2)).toThrow(/cov0.*finite/);
    expect(() => gaussianEnergy(new Float64Array([1, 0, 0]), 2)).toThrow(/cov0 must have length/);
    expect(() => gaussianEnergy(new Float64Array([1]), 0)).toThrow(/d must be a positive integer/);
    expect(() => gaussianEnergy(new Float64Array([1]), 1.5)).toThrow(RangeError);
    expect(() => gaussianTheta(new Float64Array([0]), NaN)).toThrow(/logScale must be finite/);
  });

  it('copies Σ₀: changing the caller’s array later changes nothing', () => {
    const cov = Float64Array.from(cov2);
    const e = gaussianEnergy(cov, 2);
    const th = gaussianTheta(new Float64Array([0, 0]));
    const before = e.energy(th, new Float64Array([1, 1]), 1, new Float64Array(1))[0];
    cov.fill(100);
    expect(e.energy(th, new Float64Array([1, 1]), 1, new Float64Array(1))[0]).toBe(before);
  });
});
