/**
 * Boltzmann machines (001 §1.2) trained on the cross-entropy (6.1) exactly, by CD-k (001 §6 Alg. 1) and PCD (Alg. 2)
 * with heat-bath Gibbs sweeps.
 * Layer A: θ's layout; the Energy contract pieces (U equals the Ising energy (1.2) of θ, ∇ₓU by central differences,
 * Σ w ∂θU by its definition); log Z and p_θ(v) against brute-force sums; the exact gradient (6.1) against central
 * differences of the cross-entropy, with and without hidden units; the exact expectation of the CD-k estimate
 * (μ₀Pᵏ with the sweep matrix): zero for k = 0 on a fully visible machine, biased for k = 1 (the bias exists), and
 * converging to (6.1) as k grows; exact gradient descent lowers KL(ρ* ‖ p_θ) at every step; training replays.
 * Layer B (α = 1e-7 each, registered): the CD-1 estimate equals its exact expectation within z·SE per component
 * (Bonferroni over θ); PCD's chains at fixed θ after 40 sweeps give (6.1) itself within z·SE; negative control: the
 * CD-1 estimate rejects (6.1) (its bias, with the control's power checked from the exact bias).
 */
import { describe, expect, it } from 'vitest';
import { keyFromSeed, streamFromKey, uniform, type Stream } from '../../src/rng/index.js';
import {
  biasIndex, boltzmannExact, boltzmannIsingModel, boltzmannMachine, boltzmannMachineEnergy, cdExpectedGradient, cdGradient,
  chainMoments, couplingIndex, crossEntropy, crossEntropyGradient, dataDistribution, gibbsSweeps, initChainsAtData,
  klDataModel, pcdGradient, trainBoltzmannMachine, type BoltzmannMachine,
} from '../../src/physics/boltzmann-machine.js';
import { isingEnergy } from '../../src/physics/ising.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';

const streamOf = (seed: number) => streamFromKey(keyFromSeed(seed));

function randomTheta(s: Stream, machine: BoltzmannMachine, scale: number): Float64Array {
  const t = new Float64Array(machine.paramDim);
  for (let k = 0; k < t.length; k++) t[k] = scale * (2 * uniform(s) - 1);
  return t;
}

function randomData(s: Stream, V: number, m: number): Float64Array {
  const d = new Float64Array(m * V);
  for (let k = 0; k < m * V; k++) d[k] = uniform(s) < 0.6 ? 1 : -1;
  return d;
}

function norm(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(s);
}

// The Energy family's contract (spec/_contracts): validation, derivatives by central differences, batching, inputs
// untouched. Points: spin states and interior points of the multilinear extension.
energyContract('boltzmannMachine(V=3, H=2)', () => {
  const machine = boltzmannMachine(3, 2), s = streamOf(91);
  const points = new Float64Array(6 * 5);
  for (let k = 0; k < points.length; k++) points[k] = k < 15 ? (uniform(s) < 0.5 ? -1 : 1) : 2 * uniform(s) - 1;
  return { energy: boltzmannMachineEnergy(machine), thetas: [randomTheta(s, machine, 1), randomTheta(s, machine, 0.3)], points };
});

describe('physics/boltzmann-machine: the model', () => {
  it('θ = (w_ij for i < j in row order, then b_i): couplingIndex and biasIndex enumerate 0 … p−1 once', () => {
    const m = boltzmannMachine(3, 2), seen = new Set<number>();
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) { seen.add(couplingIndex(m, i, j)); expect(couplingIndex(m, j, i)).toBe(couplingIndex(m, i, j)); }
    for (let i = 0; i < 5; i++) seen.add(biasIndex(m, i));
    expect(m.paramDim).toBe(15);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, k) => k));
    expect(couplingIndex(m, 0, 1)).toBe(0);
    expect(couplingIndex(m, 1, 2)).toBe(4);
    expect(couplingIndex(m, 3, 4)).toBe(9);
  });

  it('as an Energy: U is the Ising energy (1.2) of θ, ∇ₓU matches central differences, Σ w ∂θU is −Σ w (x_i x_j, x_i)', () => {
    const machine = boltzmannMachine(3, 2), s = streamOf(1), theta = randomTheta(s, machine, 1);
    const e = boltzmannMachineEnergy(machine), n = 6, u = 5;
    const x = new Float64Array(n * u);
    for (let k = 0; k < n * u; k++) x[k] = uniform(s) < 0.5 ? -1 : 1;
    const U = e.energy(theta, x, n, new Float64Array(n)), g = new Float64Array(n * u), U2 = new Float64Array(n);
    e.energyGrad(theta, x, n, U2, g);
    const model = boltzmannIsingModel(machine, theta);
    for (let w = 0; w < n; w++) {
      expect(U[w]).toBeCloseTo(isingEnergy(model, x.subarray(w * u, (w + 1) * u)), 13);
      expect(U2[w]).toBe(U[w]);
      for (let i = 0; i < u; i++) {
        const xp = Float64Array.from(x.subarray(w * u, (w + 1) * u)), xm = Float64Array.from(xp);
        xp[i] = xp[i]! + 1e-3; xm[i] = xm[i]! - 1e-3;
        const d = (e.energy(theta, xp, 1, new Float64Array(1))[0]! - e.energy(theta, xm, 1, new Float64Array(1))[0]!) / 2e-3;
        expect(g[w * u + i]).toBeCloseTo(d, 10); // U is affine in each x_i: central differences are exact up to rounding
      }
    }
    const weights = Float64Array.from({ length: n }, (_, k) => 0.5 + k), pg = e.paramGrad(theta, x, n, weights, new Float64Array(machine.paramDim));
    for (let i = 0; i < u; i++) {
      let sb = 0;
      for (let w = 0; w < n; w++) sb -= weights[w]! * x[w * u + i]!;
      expect(pg[biasIndex(machine, i)]).toBeCloseTo(sb, 13);
      for (let j = i + 1; j < u; j++) {
        let sw = 0;
        for (let w = 0; w < n; w++) sw -= weights[w]! * x[w * u + i]! * x[w * u + j]!;
        expect(pg[couplingIndex(machine, i, j)]).toBeCloseTo(sw, 13);
      }
    }
  });

  it('log Z, p_θ(v) = Σ_h e^{−U(v,h)}/Z and E_θ[∂θU] equal brute-force sums', () => {
    const machine = boltzmannMachine(3, 2), s = streamOf(2), theta = randomTheta(s, machine, 0.8);
    const e = boltzmannMachineEnergy(machine), ex = boltzmannExact(machine, theta);
    let Z = 0;
    const pv = new Float64Array(8), x = new Float64Array(5), U = new Float64Array(1), mom = new Float64Array(machine.paramDim), g = new Float64Array(machine.paramDim);
    for (let k = 0; k < 32; k++) {
      for (let i = 0; i < 5; i++) x[i] = (k >> i) & 1 ? 1 : -1;
      const w = Math.exp(-e.energy(theta, x, 1, U)[0]!);
      Z += w;
      pv[k & 7] = pv[k & 7]! + w;
      e.paramGrad(theta, x, 1, Float64Array.of(w), g);
      for (let j = 0; j < g.length; j++) mom[j] = mom[j]! + g[j]!;
    }
    expect(ex.logZ).toBeCloseTo(Math.log(Z), 13);
    expect(e.logPartition).toBeUndefined(); // ∫_ℝ^d e^{−U} dx diverges; log Z is the spin-state sum above
    for (let v = 0; v < 8; v++) expect(ex.visible[v]).toBeCloseTo(pv[v]! / Z, 14);
    for (let j = 0; j < g.length; j++) expect(ex.modelMoments[j]).toBeCloseTo(mom[j]! / Z, 13);
  });

  for (const [V, H] of [[4, 0], [3, 2]] as const) {
    it(`(6.1) exactly: the gradient of H(ρ*, p_θ) equals central differences of the cross-entropy (V = ${V}, H = ${H}${H > 0 ? '; control: p_θ(h) for p_θ(h | v) does not' : ''})`, () => {
      const machine = boltzmannMachine(V, H), s = streamOf(10 + H), theta = randomTheta(s, machine, 0.7);
      const pData = dataDistribution(machine, randomData(s, V, 9), 9);
      const g = crossEntropyGradient(machine, theta, pData, new Float64Array(machine.paramDim));
      const d = 1e-5;
      for (let j = 0; j < machine.paramDim; j++) {
        const tp = Float64Array.from(theta), tm = Float64Array.from(theta);
        tp[j] = tp[j]! + d; tm[j] = tm[j]! - d;
        const fd = (crossEntropy(machine, tp, pData) - crossEntropy(machine, tm, pData)) / (2 * d);
        expect(Math.abs(g[j]! - fd)).toBeLessThan(1e-8); // O(d²) truncation + O(ε/d) rounding
      }
      if (H > 0) {
        // Negative control: the data term averaged over the hidden marginal p_θ(h) instead of p_θ(h | v) misses the
        // same central differences by far more than the tolerance.
        const ex = boltzmannExact(machine, theta), e = boltzmannMachineEnergy(machine), SV = 2 ** V, S = 2 ** (V + H);
        const pH = new Float64Array(S / SV);
        for (let k = 0; k < S; k++) pH[Math.floor(k / SV)] = pH[Math.floor(k / SV)]! + ex.joint[k]!;
        const wrong = new Float64Array(machine.paramDim), one = new Float64Array(machine.paramDim), x = new Float64Array(V + H);
        for (let k = 0; k < S; k++) {
          for (let i = 0; i < V + H; i++) x[i] = Math.floor(k / 2 ** i) % 2 === 1 ? 1 : -1;
          e.paramGrad(theta, x, 1, Float64Array.of(pData[k % SV]! * pH[Math.floor(k / SV)]!), one);
          for (let j = 0; j < wrong.length; j++) wrong[j] = wrong[j]! + one[j]!;
        }
        for (let j = 0; j < wrong.length; j++) wrong[j] = wrong[j]! - ex.modelMoments[j]!;
        let worst = 0;
        for (let j = 0; j < machine.paramDim; j++) {
          const tp = Float64Array.from(theta), tm = Float64Array.from(theta);
          tp[j] = tp[j]! + d; tm[j] = tm[j]! - d;
          worst = Math.max(worst, Math.abs(wrong[j]! - (crossEntropy(machine, tp, pData) - crossEntropy(machine, tm, pData)) / (2 * d)));
        }
        expect(worst).toBeGreaterThan(1e-3);
      }
      // KL = H(ρ*, p_θ) − H(ρ*).
      let hData = 0;
      for (const p of pData) if (p > 0) hData -= p * Math.log(p);
      expect(klDataModel(machine, theta, pData)).toBeCloseTo(crossEntropy(machine, theta, pData) - hData, 13);
    });
  }
});

describe('physics/boltzmann-machine: CD and PCD (001 §6) against the exact gradient', () => {
  const machine = boltzmannMachine(3, 2);
  const s0 = streamOf(31), theta = randomTheta(s0, machine, 0.9), m = 10, data = randomData(s0, 3, m);
  const pData = dataDistribution(machine, data, m);
  const exact = crossEntropyGradient(machine, theta, pData, new Float64Array(machine.paramDim));
  const cd = (k: number) => cdExpectedGradient(machine, theta, pData, k, new Float64Array(machine.paramDim));

  it('the exact CD-k expectation: zero at k = 0 (fully visible), biased at k = 1, → (6.1) as k grows', () => {
    const fv = boltzmannMachine(4), th = randomTheta(streamOf(4), fv, 0.9), pd = dataDistribution(fv, randomData(streamOf(5), 4, 7), 7);
    expect(Math.max(...cdExpectedGradient(fv, th, pd, 0, new Float64Array(fv.paramDim)).map(Math.abs))).toBeLessThan(1e-15);
    const bias1 = norm(cd(1), exact), bias5 = norm(cd(5), exact), bias80 = norm(cd(80), exact);
    expect(bias1).toBeGreaterThan(0.05); // CD's bias exists
    expect(bias5).toBeLessThan(bias1);
    expect(bias80).toBeLessThan(1e-10); // the chain has mixed: CD-∞ is the exact gradient
  });

  const N = 20_000;
  const p = machine.paramDim;

  /** Per-component mean and SE of the negative term N⁻¹ Σ ∂θU(X_c) over independent chains. */
  function negativeStats(chains: Float64Array): { mean: Float64Array; se: Float64Array } {
    const mean = chainMoments(machine, chains, N, new Float64Array(p));
    const sq = new Float64Array(p), one = new Float64Array(p);
    for (let c = 0; c < N; c++) {
      chainMoments(machine, chains.subarray(c * machine.units, (c + 1) * machine.units), 1, one);
      for (let j = 0; j < p; j++) sq[j] = sq[j]! + (one[j]! - mean[j]!) ** 2;
    }
    return { mean, se: sq.map((v) => Math.sqrt(v / (N - 1) / N)) };
  }

  const cdName = 'boltzmann CD-1: the estimate equals its exact expectation μ₀P (z·SE per component, Bonferroni over θ)';
  it(cdName, () => {
    const est = cdGradient(testStream(cdName), machine, theta, data, m, { k: 1, chains: N });
    const { se } = negativeStats(est.negatives);
    const expected = cd(1);
    for (let j = 0; j < p; j++) expectWithinSE(cdName, est.gradient[j]!, expected[j]!, se[j]!, { what: `θ[${j}]`, k: p });
  });

  const cdCtrl = 'boltzmann CD-1 negative control: the same estimate rejects the exact gradient (6.1) (CD bias)';
  it(cdCtrl, () => {
    const est = cdGradient(testStream(cdCtrl), machine, theta, data, m, { k: 1, chains: N });
    const { se } = negativeStats(est.negatives);
    const bias = cd(1), z = zFor(alphaOf(cdCtrl) / p);
    // Power: the component with the largest |bias|/SE has |bias| > 2z·SE, so it falls outside z·SE of (6.1) with
    // probability ≥ 1 − α/p.
    let j = 0;
    for (let q = 1; q < p; q++) if (Math.abs(bias[q]! - exact[q]!) / se[q]! > Math.abs(bias[j]! - exact[j]!) / se[j]!) j = q;
    expect(Math.abs(bias[j]! - exact[j]!)).toBeGreaterThan(2 * z * se[j]!);
    expect(Math.abs(est.gradient[j]! - exact[j]!), `θ[${j}] within z·SE of (6.1)`).toBeGreaterThan(z * se[j]!);
  });

  const pcdName = 'boltzmann PCD: chains at fixed θ after 40 sweeps from the data give the exact gradient (6.1) within z·SE';
  it(pcdName, () => {
    // Exact check that 40 sweeps suffice: the chains' law μ₀P⁴⁰ is CD-40's, whose bias is negligible next to the SE.
    const s = testStream(pcdName);
    const chains = initChainsAtData(s, machine, theta, data, m, N);
    gibbsSweeps(s, machine, theta, chains, N, 40, chains);
    const { se } = negativeStats(chains);
    const bias40 = cd(40);
    for (let j = 0; j < p; j++) expect(Math.abs(bias40[j]! - exact[j]!)).toBeLessThan(1e-3 * se[j]!);
    const g = pcdGradient(machine, theta, pData, chains, N, new Float64Array(p));
    for (let j = 0; j < p; j++) expectWithinSE(pcdName, g[j]!, exact[j]!, se[j]!, { what: `θ[${j}]`, k: p });
  });
});

describe('physics/boltzmann-machine: training', () => {
  const machine = boltzmannMachine(4, 1);
  const s0 = streamOf(77), m = 16, data = randomData(s0, 4, m), theta0 = new Float64Array(machine.paramDim);
  for (let k = 0; k < theta0.length; k++) theta0[k] = 0.1 * (2 * uniform(s0) - 1);

  it('exact gradient descent lowers KL(ρ* ‖ p_θ) at every iteration', () => {
    const r = trainBoltzmannMachine(testStream('bm exact'), machine, theta0, data, m, { method: 'exact', iterations: 150, lr: 0.1 });
    for (let t = 1; t < r.kl.length; t++) expect(r.kl[t]).toBeLessThanOrEqual(r.kl[t - 1]! + 1e-15);
    expect(r.kl[150]).toBeLessThan(0.5 * r.kl[0]!);
  });

  it('CD-1 and PCD-1 training replay from the same stream and lower the KL from its start', () => {
    for (const method of ['cd', 'pcd'] as const) {
      const opts = { method, iterations: 150, lr: 0.05, chains: 100, k: 1 };
      const a = trainBoltzmannMachine(testStream(`bm ${method}`), machine, theta0, data, m, opts);
      const b = trainBoltzmannMachine(testStream(`bm ${method}`), machine, theta0, data, m, opts);
      expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
      expect(Array.from(a.kl)).toEqual(Array.from(b.kl));
      expect(a.kl[150]).toBeLessThan(0.7 * a.kl[0]!);
    }
  });

  it('errors name the argument', () => {
    const s = testStream('bm errors');
    expect(() => boltzmannMachine(0)).toThrow(/boltzmannMachine: visible must be a positive integer, got 0/);
    expect(() => boltzmannMachine(15, 6)).toThrow(/lattice too large for enumeration/);
    expect(() => couplingIndex(machine, 2, 2)).toThrow(/couplingIndex: \(i, j\) = \(2, 2\) must be distinct units/);
    expect(() => dataDistribution(machine, Float64Array.of(1, 1, 0, 1), 1)).toThrow(/dataDistribution: data\[0\]\[2\] = 0 must be −1 or \+1/);
    expect(() => dataDistribution(machine, Float64Array.of(1, 1, 1), 1)).toThrow(/data must hold m·V = 4 spins, got 3/);
    expect(() => crossEntropyGradient(machine, new Float64Array(3), new Float64Array(16), new Float64Array(3))).toThrow(/crossEntropyGradient: theta must have length 15, got 3/);
    expect(() => klDataModel(machine, theta0, new Float64Array(16))).toThrow(/klDataModel: pData must sum to 1, got 0/);
    expect(() => trainBoltzmannMachine(s, machine, theta0, data, m, { method: 'sgd' as 'cd', iterations: 1, lr: 0.1 })).toThrow(/method must be 'exact', 'cd' or 'pcd'/);
    expect(() => trainBoltzmannMachine(s, machine, theta0, data, m, { method: 'cd', iterations: 1, lr: 0.1, k: 0 })).toThrow(/trainBoltzmannMachine: k must be a positive integer, got 0/);
    expect(() => cdExpectedGradient(machine, theta0, dataDistribution(machine, data, m), -1, new Float64Array(15))).toThrow(/k must be a non-negative integer, got -1/);
    const pd = dataDistribution(machine, data, m), chains = new Float64Array(2 * 5).fill(1);
    expect(() => biasIndex(machine, 5)).toThrow(/biasIndex: unit i = 5 must be an integer in \[0, 5\)/);
    expect(() => crossEntropyGradient(machine, theta0, pd, new Float64Array(14))).toThrow(/crossEntropyGradient: out must hold p = 15 values, got 14/);
    expect(() => chainMoments(machine, chains, 3, new Float64Array(15))).toThrow(/chainMoments: chains must hold n·\(V\+H\) = 15 spins, got 10/);
    chains[7] = 0;
    expect(() => pcdGradient(machine, theta0, pd, chains, 2, new Float64Array(15))).toThrow(/pcdGradient: chains\[1\]\[2\] = 0 must be −1 or \+1/);
    expect(() => cdGradient(s, machine, theta0, data, m, { k: 0, chains: 10 })).toThrow(/cdGradient: k must be a positive integer, got 0/);
    const e = boltzmannMachineEnergy(machine);
    expect(() => e.energy(theta0, Float64Array.of(1, 1, NaN, 1, 1), 1, new Float64Array(1))).toThrow(/x\[2\] = NaN must be finite/);
    expect(() => e.energy(theta0, new Float64Array(10).fill(1), 2, new Float64Array(1))).toThrow(/out must hold 2 values, got 1/);
  });
});
