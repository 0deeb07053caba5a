/**
 * doubleWellEnergy: the contract in d = 1, 2 (log Z by quadrature) and d = 4; the Bessel closed form of Z₁(κ) against
 * quadrature to 1e-12 over a range of κ, with a wrong constant as the negative control; κ ≤ 0 rejected.
 */
import { describe, expect, it } from 'vitest';
import { doubleWellEnergy, doubleWellLogZ1 } from '../../src/energies/double-well.js';
import { normals } from '../../src/rng/index.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { gridMoments } from './quadrature.js';

function points(name: string, n: number, d: number, scale: number): Float64Array {
  return normals(testStream(name), new Float64Array(n * d)).map((v) => scale * v);
}

// Box: for κ ≥ 0.5, e^{−κ(x²−1)²} < e^{−0.5·63²} at |x| = 8; the other coordinate is N(0, 1): ±12 leaves < e^{−72}.
energyContract('doubleWell(d=1)', () => ({
  energy: doubleWellEnergy(1),
  thetas: [new Float64Array([0.5]), new Float64Array([3]), new Float64Array([12])],
  points: points('double well d=1 points', 10, 1, 1.2),
  box: { lo: [-8], hi: [8], panels: [200] },
}));

energyContract('doubleWell(d=2)', () => ({
  energy: doubleWellEnergy(2),
  thetas: [new Float64Array([1]), new Float64Array([4])],
  points: points('double well d=2 points', 10, 2, 1.2),
  box: { lo: [-8, -12], hi: [8, 12], panels: [80, 60] },
}));

energyContract('doubleWell(d=4)', () => ({
  energy: doubleWellEnergy(4),
  thetas: [new Float64Array([2])],
  points: points('double well d=4 points', 6, 4, 1.5),
}));

describe('doubleWellEnergy: exact values', () => {
  /** log ∫ e^{−κ(x²−1)²} by Gauss–Legendre on [−L, L], L with κ(L²−1)² ≥ 800 (outside mass < e^{−800}). */
  const quadLogZ1 = (kappa: number): number => {
    const L = Math.sqrt(1 + Math.sqrt(800 / kappa));
    return gridMoments(doubleWellEnergy(1), new Float64Array([kappa]), { lo: [-L], hi: [L], panels: [400] }).logZ;
  };

  it('log Z₁(κ) = log[(π/2) e^{−κ/2}(I_{−1/4}(κ/2) + I_{1/4}(κ/2))] equals quadrature to 1e-12 for κ from 10⁻³ to 10³', () => {
    for (const kappa of [1e-3, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 100, 300, 1000]) {
      expect(Math.abs(doubleWellLogZ1(kappa) - quadLogZ1(kappa)), `κ = ${kappa}`).toBeLessThan(1e-12);
    }
  });

  it('negative control: the same comparison rejects the formula with only one Bessel term', () => {
    // A plausible slip: (π/2)e^{−κ/2}·2I_{1/4}(κ/2). Differs by ≥ 1e-3 for κ ≤ 30 (I_{−1/4} − I_{1/4} ~ e^{−z}/√z decays).
    const kappa = 2;
    const z = kappa / 2;
    let i14 = 0;
    for (let m = 0; m < 60; m++) {
      let g = 0.9064024770554771; // Γ(5/4) → Γ(m + 5/4)
      for (let j = 0; j < m; j++) g *= j + 1.25;
      let f = 1;
      for (let j = 2; j <= m; j++) f *= j;
      i14 += (z / 2) ** (2 * m + 0.25) / (f * g);
    }
    const wrong = Math.log((Math.PI / 2) * Math.exp(-z) * 2 * i14);
    expect(Math.abs(wrong - quadLogZ1(kappa))).toBeGreaterThan(1e-3);
  });

  it('large κ: log Z₁ → log √(π/κ) (two Gaussian wells of variance 1/(8κ) each), small κ: → log(Γ(1/4)/(2κ^{1/4}))', () => {
    // Laplace: each well ≈ ∫ e^{−4κ t²} dt = √(π/(4κ)); two wells: √(π/κ), relative correction O(1/κ).
    expect(Math.abs(doubleWellLogZ1(1e6) - 0.5 * Math.log(Math.PI / 1e6))).toBeLessThan(1e-5);
    // κ → 0: ∫ e^{−κx⁴} dx = Γ(1/4)/(2κ^{1/4}) with Γ(1/4) = 3.6256099082219083; correction O(√κ).
    expect(Math.abs(doubleWellLogZ1(1e-10) - Math.log(3.6256099082219083 / (2 * 1e-10 ** 0.25)))).toBeLessThan(1e-4);
  });

  it('log Z in d dimensions adds ((d − 1)/2) log 2π', () => {
    const e = doubleWellEnergy(5);
    expect(e.logPartition!(new Float64Array([2]))).toBeCloseTo(doubleWellLogZ1(2) + 2 * Math.log(2 * Math.PI), 14);
  });

  it('rejects κ ≤ 0 (not normalizable), naming theta[0]', () => {
    const e = doubleWellEnergy(2);
    for (const k of [0, -1]) {
      expect(() => e.energy(new Float64Array([k]), new Float64Array(2), 1, new Float64Array(1))).toThrow(/theta\[0\] \(κ\).*> 0/);
      expect(() => e.logPartition!(new Float64Array([k]))).toThrow(/theta\[0\]/);
    }
    expect(() => doubleWellLogZ1(0)).toThrow(/kappa must be finite and > 0/);
    expect(() => doubleWellEnergy(0)).toThrow(/d must be a positive integer/);
  });
});
