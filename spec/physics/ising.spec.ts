/**
 * The Ising model of 001 §1.2, energy (1.2), and its exact enumeration.
 * Layer A only: (1.2) against brute-force pair sums (general J and the periodic lattice's bond list), log Z, marginals
 * and correlations against an independent naive enumeration, closed forms (free spins: log Z = Σ log 2cosh(βμh_i),
 * E[x_i] = tanh(βμh_i); the periodic 1-D ring by its transfer matrix: Z = (2cosh βJ)^N + (2sinh βJ)^N), the
 * thermodynamic identities E[U] = −∂β log Z and Var U = ∂²β log Z, Onsager's T_c, and the named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, streamFromKey, uniform, type Stream } from '../../src/rng/index.js';
import {
  ONSAGER_TC, isingEnergy, isingExact, isingLattice2d, isingLocalField, isingModel, isingStateEnergies, magnetization,
  onsagerMagnetization, spinsOfState, stateOfSpins,
} from '../../src/physics/ising.js';
import { fcParams } from '../rng/_fc.js';
import { randomCouplings } from './_ising.js';

const streamOf = (seed: number) => streamFromKey(keyFromSeed(seed));

function randomSpins(s: Stream, n: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = uniform(s) < 0.5 ? -1 : 1;
  return x;
}

/** −Σ_{i<j} J_ij x_i x_j − μ Σ h_j x_j, written directly from (1.2). */
function bruteEnergy(J: Float64Array, h: Float64Array, mu: number, x: ArrayLike<number>): number {
  const n = h.length;
  let u = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) u -= J[i * n + j]! * x[i]! * x[j]!;
  for (let j = 0; j < n; j++) u -= mu * h[j]! * x[j]!;
  return u;
}

describe('physics/ising: energy (1.2)', () => {
  it('on general couplings equals the pair sum −Σ_{i<j} J_ij x_i x_j − μ Σ h_j x_j, for Int8Array and Float64Array spins', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 9 }), fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, n, mu) => {
      const s = streamOf(seed);
      const { J, h } = randomCouplings(s, n);
      const model = isingModel(J, h, n, { mu });
      const x = randomSpins(s, n);
      const expected = bruteEnergy(J, h, mu, x);
      expect(isingEnergy(model, x)).toBeCloseTo(expected, 12);
      expect(isingEnergy(model, Float64Array.from(x))).toBeCloseTo(expected, 12);
      // Flipping spin i changes U by 2 x_i f_i.
      const i = seed % n, f = isingLocalField(model, x, i);
      const y = Int8Array.from(x); y[i] = -y[i]!;
      expect(isingEnergy(model, y) - isingEnergy(model, x)).toBeCloseTo(2 * x[i]! * f, 11);
    }), fcParams('ising energy general', 100));
  });

  it('on the L×L periodic lattice equals the sum over the 2L² right and down bonds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 6 }), (seed, L) => {
      const s = streamOf(seed);
      const Jc = 2 * uniform(s) - 1, hv = 2 * uniform(s) - 1;
      const model = isingLattice2d(L, { J: Jc, h: hv, mu: 0.7 });
      const x = randomSpins(s, L * L);
      let u = 0;
      for (let r = 0; r < L; r++) for (let c = 0; c < L; c++) {
        const v = x[r * L + c]!;
        u -= Jc * v * (x[r * L + ((c + 1) % L)]! + x[((r + 1) % L) * L + c]!);
        u -= 0.7 * hv * v;
      }
      expect(isingEnergy(model, x)).toBeCloseTo(u, 12);
    }), fcParams('ising energy lattice', 60));
  });

  it('ground states of the ferromagnetic lattice: all-up and all-down have U = −2L²J, m = ±1', () => {
    const L = 5, model = isingLattice2d(L);
    const up = new Int8Array(L * L).fill(1), down = new Int8Array(L * L).fill(-1);
    expect(isingEnergy(model, up)).toBe(-2 * L * L);
    expect(isingEnergy(model, down)).toBe(-2 * L * L);
    expect(magnetization(up)).toBe(1);
    expect(magnetization(down)).toBe(-1);
  });

  it('state indices: spinsOfState and stateOfSpins are inverse; isingStateEnergies[k] is U of state k', () => {
    const s = streamOf(3), n = 7;
    const { J, h } = randomCouplings(s, n);
    const model = isingModel(J, h, n);
    const E = isingStateEnergies(model);
    const x = new Int8Array(n);
    for (let k = 0; k < 2 ** n; k++) {
      spinsOfState(k, n, x);
      expect(stateOfSpins(x)).toBe(k);
      expect(E[k]).toBeCloseTo(bruteEnergy(J, h, 1, x), 12);
    }
  });
});

describe('physics/ising: exact enumeration', () => {
  it('log Z, marginals and correlations equal a naive enumeration', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, n, beta) => {
      const s = streamOf(seed);
      const { J, h } = randomCouplings(s, n);
      const ex = isingExact(isingModel(J, h, n), beta);
      let Z = 0;
      const m1 = new Float64Array(n), c2 = new Float64Array(n * n);
      const x = new Float64Array(n);
      for (let k = 0; k < 2 ** n; k++) {
        for (let i = 0; i < n; i++) x[i] = ((k >> i) & 1) === 1 ? 1 : -1;
        const w = Math.exp(-beta * bruteEnergy(J, h, 1, x));
        Z += w;
        for (let i = 0; i < n; i++) { m1[i] = m1[i]! + w * x[i]!; for (let j = 0; j < n; j++) c2[i * n + j] = c2[i * n + j]! + w * x[i]! * x[j]!; }
      }
      expect(ex.logZ).toBeCloseTo(Math.log(Z), 12);
      for (let i = 0; i < n; i++) expect(ex.marginals[i]).toBeCloseTo(m1[i]! / Z, 12);
      for (let k = 0; k < n * n; k++) expect(ex.correlations![k]).toBeCloseTo(c2[k]! / Z, 12);
      const total = ex.probabilities.reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 13);
    }), fcParams('ising exact vs naive', 60));
  });

  it('free spins (J = 0): log Z = Σ log 2cosh(βμh_i) and E[x_i] = tanh(βμh_i)', () => {
    const n = 6, h = Float64Array.of(0.3, -1.2, 0.05, 2, -0.4, 0), mu = 1.3, beta = 0.8;
    const ex = isingExact(isingModel(new Float64Array(n * n), h, n, { mu }), beta);
    let logZ = 0;
    for (let i = 0; i < n; i++) {
      logZ += Math.log(2 * Math.cosh(beta * mu * h[i]!));
      expect(ex.marginals[i]).toBeCloseTo(Math.tanh(beta * mu * h[i]!), 14);
    }
    expect(ex.logZ).toBeCloseTo(logZ, 13);
  });

  it('the periodic 1-D ring: Z = (2cosh βJ)^N + (2sinh βJ)^N and E[x_0 x_1] = (c^{N−1}s + s^{N−1}c)/(c^N + s^N) (transfer matrix)', () => {
    for (const [N, Jc, beta] of [[5, 1, 0.7], [8, -0.6, 1.1], [12, 0.9, 0.35]] as const) {
      const J = new Float64Array(N * N);
      for (let i = 0; i < N; i++) { const j = (i + 1) % N; J[i * N + j] = Jc; J[j * N + i] = Jc; }
      const ex = isingExact(isingModel(J, new Float64Array(N), N), beta);
      const c = 2 * Math.cosh(beta * Jc), sh = 2 * Math.sinh(beta * Jc);
      expect(ex.logZ).toBeCloseTo(Math.log(c ** N + sh ** N), 12);
      // E[x_0 x_1] = (1/N) ∂ log Z/∂(βJ) = (c^{N−1} sh + sh^{N−1} c)/(c^N + sh^N).
      expect(ex.correlations![1]).toBeCloseTo((c ** (N - 1) * sh + sh ** (N - 1) * c) / (c ** N + sh ** N), 12);
      expect(ex.meanMagnetization).toBeCloseTo(0, 14);
    }
  });

  it('E[U] = −∂β log Z and Var U = ∂²β log Z (central differences, error O(δ²))', () => {
    const model = isingLattice2d(3, { J: 1, h: 0.2 });
    const beta = 0.45, d = 1e-4;
    const lz = (b: number) => isingExact(model, b, { correlations: false }).logZ;
    const ex = isingExact(model, beta, { correlations: false });
    // Error budgets (κ₃ ≈ −214, κ₄ ≈ 670 are this lattice's third and fourth cumulants of U, log Z ≈ 9.4): first
    // difference δ²|κ₃|/6 ≈ 3.6e-7 (+ rounding ε|log Z|/δ ≈ 2e-11); second difference δ²|κ₄|/12 ≈ 5.6e-7 + rounding
    // 4ε|log Z|/δ² ≈ 8e-7. The bounds below are ≈ 3× those budgets.
    expect(Math.abs(ex.meanEnergy + (lz(beta + d) - lz(beta - d)) / (2 * d))).toBeLessThan(1e-6);
    expect(Math.abs(ex.energyVariance - (lz(beta + d) - 2 * lz(beta) + lz(beta - d)) / (d * d))).toBeLessThan(5e-6);
  });

  it('a 4×4 lattice (65 536 states): ⟨|m|⟩ decreases with T and E[m] = 0 at h = 0', () => {
    const model = isingLattice2d(4);
    let prev = 1;
    for (const T of [1.5, 2.0, 2.5, 3.0]) {
      const ex = isingExact(model, 1 / T, { correlations: false });
      expect(ex.meanAbsMagnetization).toBeLessThan(prev);
      expect(Math.abs(ex.meanMagnetization)).toBeLessThan(1e-12);
      prev = ex.meanAbsMagnetization;
    }
  });

  it('Onsager: T_c = 2/ln(1 + √2) = 2.269185314…, m(T) = (1 − sinh(2/T)^{−4})^{1/8} below it and 0 above', () => {
    expect(ONSAGER_TC).toBeCloseTo(2.269185314213022, 14);
    expect(onsagerMagnetization(3)).toBe(0);
    expect(onsagerMagnetization(1)).toBeCloseTo(Math.pow(1 - Math.pow(Math.sinh(2), -4), 0.125), 15);
    expect(onsagerMagnetization(ONSAGER_TC * (1 - 1e-9))).toBeLessThan(0.1);
    expect(() => onsagerMagnetization(0)).toThrow(/onsagerMagnetization: T = 0 must be finite and > 0/);
  });
});

describe('physics/ising: errors', () => {
  it('names the argument and the constraint', () => {
    const n = 3, J = new Float64Array(9), h = new Float64Array(3);
    expect(() => isingExact(isingModel(new Float64Array(21 * 21), new Float64Array(21), 21), 1)).toThrow(/lattice too large for enumeration/);
    expect(() => isingExact(isingLattice2d(5), 1)).toThrow(/isingExact: N = 25 spins: lattice too large for enumeration/);
    J[1] = 0.5;
    expect(() => isingModel(J, h, n)).toThrow(/isingModel: J must be symmetric, got J\[0\]\[1\] = 0.5 ≠ J\[1\]\[0\] = 0/);
    J[1] = 0; J[4] = 1;
    expect(() => isingModel(J, h, n)).toThrow(/isingModel: J\[1\]\[1\] = 1 must be 0 \(zero diagonal\)/);
    J[4] = 0;
    expect(() => isingModel(J, Float64Array.of(0, NaN, 0), n)).toThrow(/isingModel: h\[1\] = NaN must be finite/);
    expect(() => isingModel(J, h, 2)).toThrow(/isingModel: J must hold 4 values, got 9/);
    expect(() => isingLattice2d(1)).toThrow(/isingLattice2d: L must be an integer ≥ 2, got 1/);
    const model = isingModel(J, h, n);
    expect(() => isingEnergy(model, Int8Array.of(1, 0, 1))).toThrow(/isingEnergy: spins\[1\] = 0 must be −1 or \+1/);
    expect(() => isingEnergy(model, Int8Array.of(1, 1))).toThrow(/isingEnergy: spins must hold 3 spins, got 2/);
    expect(() => isingExact(model, NaN)).toThrow(/isingExact: beta = NaN must be finite/);
    expect(() => isingLocalField(model, Int8Array.of(1, 1, 1), 3)).toThrow(/isingLocalField: site i = 3 must be an integer in \[0, 3\)/);
    expect(() => isingLocalField(model, Int8Array.of(1, 2, 1), 0)).toThrow(/isingLocalField: spins\[1\] = 2 must be −1 or \+1/);
    expect(() => magnetization(new Int8Array(0))).toThrow(/magnetization: spins must hold at least one spin/);
    expect(() => spinsOfState(8, 3, new Int8Array(3))).toThrow(/spinsOfState: state k = 8 must be an integer in \[0, 2\^3\)/);
    expect(() => spinsOfState(1, 3, new Int8Array(2))).toThrow(/spinsOfState: out must hold n = 3 spins, got 2/);
    expect(() => stateOfSpins(Float64Array.of(1, 0.5))).toThrow(/stateOfSpins: spins\[1\] = 0.5 must be −1 or \+1/);
  });
});
