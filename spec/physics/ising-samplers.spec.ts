/**
 * Heat-bath (Gibbs) and Metropolis single-spin kernels for the Ising law (001 §1.2, §4).
 * Layer A: on 3–4 spins the exact transition matrices (built from the same `spinUpdate` code the sampler runs) are
 * row-stochastic, the single-site and random-scan kernels satisfy detailed balance π_a P_ab = π_b P_ba exactly, every
 * kernel (sweep included) leaves the Boltzmann law invariant (πP = π), the sweep is not reversible; a kernel built at the
 * wrong temperature 2β does not leave π_β invariant (exact negative control); injected uniforms reproduce a sweep.
 * Layer B (α = 1e-7 each, registered): the state counts of N independent chains after 3 sweeps from all-up are
 * Binomial(N, (μ₀P³)_s) per state (exact binomial, Bonferroni over the 16 states), for both rules, and likewise after
 * 10 random-scan Metropolis updates (μ₀Q¹⁰); one sweep from
 * exact Boltzmann draws keeps the marginal of x₀ and the law of x₀x₁ (exact binomial). Negative controls: the same
 * counts reject the kernel at 2β; a sweep at 2β from exact draws moves the marginal. Each control's power is checked
 * exactly: the wrong law's own acceptance interval is disjoint from the tested one, so the control passes by chance
 * with probability ≤ α.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aliasTable, categorical, keyFromSeed, streamFromKey, uniform } from '../../src/rng/index.js';
import { isingExact, isingModel, spinsOfState, stateOfSpins, type IsingModel } from '../../src/physics/ising.js';
import {
  flipProbability, isingRandomScan, isingSweep, randomScanKernelMatrix, siteKernelMatrix, spinUpdate, sweepKernelMatrix, type SpinUpdateRule,
} from '../../src/physics/ising-samplers.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount } from '../_support/stat.js';
import { fcParams } from '../rng/_fc.js';
import { randomCouplings } from './_ising.js';

const RULES: readonly SpinUpdateRule[] = ['heat-bath', 'metropolis'];

function randomModel(seed: number, n: number): IsingModel {
  const { J, h } = randomCouplings(streamFromKey(keyFromSeed(seed)), n);
  return isingModel(J, h, n);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function leftMultiply(pi: Float64Array, P: Float64Array): Float64Array {
  const S = pi.length, out = new Float64Array(S);
  for (let a = 0; a < S; a++) for (let b = 0; b < S; b++) out[b] = out[b]! + pi[a]! * P[a * S + b]!;
  return out;
}

function detailedBalanceGap(pi: Float64Array, P: Float64Array): number {
  const S = pi.length;
  let m = 0;
  for (let a = 0; a < S; a++) for (let b = 0; b < S; b++) m = Math.max(m, Math.abs(pi[a]! * P[a * S + b]! - pi[b]! * P[b * S + a]!));
  return m;
}

describe('physics/ising-samplers: exact transition matrices', () => {
  it('single-site and random-scan kernels satisfy detailed balance; all kernels are stochastic and leave π invariant', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 3, max: 4 }), fc.double({ min: 0, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, n, beta) => {
      const model = randomModel(seed, n);
      const pi = isingExact(model, beta, { correlations: false }).probabilities;
      const S = 2 ** n;
      for (const rule of RULES) {
        const kernels = [...Array.from({ length: n }, (_, i) => siteKernelMatrix(model, beta, i, rule)), randomScanKernelMatrix(model, beta, rule)];
        for (const P of kernels) {
          expect(detailedBalanceGap(pi, P)).toBeLessThan(1e-15); // 001 (4.5)
          expect(maxAbs(leftMultiply(pi, P), pi)).toBeLessThan(1e-14); // 001 (4.4)
        }
        const sweep = sweepKernelMatrix(model, beta, rule);
        for (let a = 0; a < S; a++) {
          let row = 0;
          for (let b = 0; b < S; b++) { expect(sweep[a * S + b]).toBeGreaterThanOrEqual(0); row += sweep[a * S + b]!; }
          expect(row).toBeCloseTo(1, 14);
        }
        expect(maxAbs(leftMultiply(pi, sweep), pi)).toBeLessThan(1e-14);
      }
    }), fcParams('ising kernels detailed balance', 40));
  });

  it('the systematic sweep is not reversible (detailed balance fails by > 1e-3) although it keeps π', () => {
    const model = randomModel(11, 3);
    const pi = isingExact(model, 1, { correlations: false }).probabilities;
    for (const rule of RULES) expect(detailedBalanceGap(pi, sweepKernelMatrix(model, 1, rule))).toBeGreaterThan(1e-3);
  });

  it('negative control (exact): the kernels at 2β do not leave π_β invariant', () => {
    const model = randomModel(5, 4);
    const pi = isingExact(model, 0.8, { correlations: false }).probabilities;
    for (const rule of RULES) {
      expect(maxAbs(leftMultiply(pi, sweepKernelMatrix(model, 1.6, rule)), pi)).toBeGreaterThan(1e-3);
      expect(detailedBalanceGap(pi, siteKernelMatrix(model, 1.6, 0, rule))).toBeGreaterThan(1e-4);
    }
  });

  it('Metropolis at β = 0 flips every spin (acceptance 1); heat bath at β = 0 sets each spin to ±1 with probability ½', () => {
    const model = randomModel(2, 3);
    const P = siteKernelMatrix(model, 0, 1, 'metropolis');
    for (let a = 0; a < 8; a++) expect(P[a * 8 + (a ^ 2)]).toBe(1);
    const Q = siteKernelMatrix(model, 0, 1, 'heat-bath');
    for (let a = 0; a < 8; a++) { expect(Q[a * 8 + a]).toBe(0.5); expect(Q[a * 8 + (a ^ 2)]).toBe(0.5); }
  });

  it('a sweep is spinUpdate at sites 0 … N−1 with the stream\'s uniforms in order; out may alias spins; input untouched', () => {
    const model = randomModel(9, 4);
    for (const rule of RULES) {
      const x = Int8Array.of(1, -1, 1, 1), out = new Int8Array(4);
      isingSweep(testStream('replay sweep'), model, 0.9, x, out, rule);
      expect(Array.from(x)).toEqual([1, -1, 1, 1]);
      const s = testStream('replay sweep'), y = Int8Array.from(x);
      for (let i = 0; i < 4; i++) y[i] = spinUpdate(rule, model, 0.9, y, i, uniform(s));
      expect(Array.from(out)).toEqual(Array.from(y));
      const z = Int8Array.from(x);
      isingSweep(testStream('replay sweep'), model, 0.9, z, z, rule);
      expect(Array.from(z)).toEqual(Array.from(y));
    }
  });

  it('errors name the argument', () => {
    const model = randomModel(1, 3), x = Int8Array.of(1, 1, 1);
    const s = testStream('errors');
    expect(() => isingSweep(s, model, -1, x, x)).toThrow(/isingSweep: beta = -1 must be finite and ≥ 0/);
    expect(() => isingSweep(s, model, 1, x, x, 'glauber' as SpinUpdateRule)).toThrow(/isingSweep: rule must be 'heat-bath' or 'metropolis'/);
    expect(() => isingSweep(s, model, 1, x, new Int8Array(2))).toThrow(/isingSweep: out must hold 3 spins, got 2/);
    expect(() => isingRandomScan(s, model, 1, x, x, 1.5)).toThrow(/isingRandomScan: steps must be a non-negative integer/);
    expect(() => siteKernelMatrix(model, 1, 3)).toThrow(/siteKernelMatrix: site i = 3 must be an integer in \[0, 3\)/);
    expect(() => sweepKernelMatrix(randomModel(1, 11), 1)).toThrow(/too large for a 2\^N × 2\^N transition matrix \(the limit is 10 spins\)/);
    expect(() => spinUpdate('glauber' as SpinUpdateRule, model, 1, x, 0, 0.5)).toThrow(/spinUpdate: rule must be 'heat-bath' or 'metropolis'/);
    expect(() => spinUpdate('metropolis', model, 1, x, 0, 1)).toThrow(/spinUpdate: u = 1 must be in \[0, 1\)/);
    expect(() => spinUpdate('heat-bath', model, 1, x, -1, 0.5)).toThrow(/spinUpdate: site i = -1 must be an integer in \[0, 3\)/);
    expect(() => flipProbability('heat-bath', model, NaN, x, 0)).toThrow(/flipProbability: beta = NaN must be finite and ≥ 0/);
    expect(() => flipProbability('metropolis', model, 1, Int8Array.of(1, 0, 1), 0)).toThrow(/flipProbability: spins\[1\] = 0 must be −1 or \+1/);
    expect(() => isingSweep(s, model, 1, x, new Uint8Array(3) as unknown as Int8Array)).toThrow(/isingSweep: out must be an Int8Array or a Float64Array/);
  });
});

/** State counts of N chains, each from `start`, after `sweeps` sweeps at β. */
function stateCounts(name: string, model: IsingModel, beta: number, rule: SpinUpdateRule, N: number, sweeps: number, start: Int8Array): Float64Array {
  const s = testStream(name), counts = new Float64Array(2 ** model.n), x = new Int8Array(model.n);
  for (let c = 0; c < N; c++) {
    x.set(start);
    for (let t = 0; t < sweeps; t++) isingSweep(s, model, beta, x, x, rule);
    counts[stateOfSpins(x)] = counts[stateOfSpins(x)]! + 1;
  }
  return counts;
}

function powerMatrix(mu: Float64Array, P: Float64Array, t: number): Float64Array {
  let m = mu;
  for (let k = 0; k < t; k++) m = leftMultiply(m, P);
  return m;
}

describe('physics/ising-samplers: sampled chains against the exact kernels', () => {
  const model = randomModel(20260101, 4);
  const beta = 0.9, N = 40_000, S = 16;
  const start = new Int8Array(4).fill(1);
  const mu0 = new Float64Array(S); mu0[S - 1] = 1;

  for (const rule of RULES) {
    const name = `ising sweep (${rule}): 3 sweeps from all-up, state counts match μ₀P³ (exact binomial per state)`;
    it(name, () => {
      const law = powerMatrix(mu0, sweepKernelMatrix(model, beta, rule), 3);
      const counts = stateCounts(name, model, beta, rule, N, 3, start);
      for (let k = 0; k < S; k++) expectBinomialCount(name, counts[k]!, N, Math.min(1, law[k]!), { what: `state ${k}`, k: S });
    });
  }

  const rsName = 'ising random scan (metropolis): 10 updates from all-up, state counts match μ₀Q¹⁰ (exact binomial per state)';
  it(rsName, () => {
    const law = powerMatrix(mu0, randomScanKernelMatrix(model, beta, 'metropolis'), 10);
    const s = testStream(rsName), counts = new Float64Array(S), x = new Int8Array(4);
    for (let c = 0; c < N; c++) {
      x.set(start);
      isingRandomScan(s, model, beta, x, x, 10, 'metropolis');
      counts[stateOfSpins(x)] = counts[stateOfSpins(x)]! + 1;
    }
    for (let k = 0; k < S; k++) expectBinomialCount(rsName, counts[k]!, N, Math.min(1, law[k]!), { what: `state ${k}`, k: S });
  });

  const ctrl = 'ising sweep negative control: the counts reject the kernel at the wrong temperature 2β';
  it(ctrl, () => {
    const right = powerMatrix(mu0, sweepKernelMatrix(model, beta, 'heat-bath'), 3);
    const wrong = powerMatrix(mu0, sweepKernelMatrix(model, 2 * beta, 'heat-bath'), 3);
    const a = alphaOf(ctrl);
    // Power, exactly: the state where the two laws' intervals at α are disjoint (so a correct sampler lands outside the
    // wrong law's interval with probability ≥ 1 − α).
    let best = -1;
    for (let k = 0; k < S; k++) {
      const [lo1, hi1] = binomialInterval(N, right[k]!, a), [lo2, hi2] = binomialInterval(N, wrong[k]!, a);
      if (hi1 < lo2 || hi2 < lo1) { best = k; break; }
    }
    expect(best).toBeGreaterThanOrEqual(0);
    const counts = stateCounts(ctrl, model, beta, 'heat-bath', N, 3, start);
    const [lo, hi] = binomialInterval(N, wrong[best]!, a);
    expect(counts[best]! < lo || counts[best]! > hi, `state ${best}: count ${counts[best]} inside the 2β interval [${lo}, ${hi}]`).toBe(true);
  });

  /** One sweep from N exact draws of π_β (alias table), at β′; counts of x₀ = +1 and x₀x₁ = +1, and how many moved. */
  function oneSweepFromExact(name: string, rule: SpinUpdateRule, betaKernel: number, n: number) {
    const s = testStream(name), table = aliasTable(isingExact(model, beta, { correlations: false }).probabilities);
    const x = new Int8Array(4), y = new Int8Array(4);
    let up = 0, aligned = 0, moved = 0;
    for (let c = 0; c < n; c++) {
      spinsOfState(categorical(s, table), 4, x);
      isingSweep(s, model, betaKernel, x, y, rule);
      if (y[0]! > 0) up++;
      if (y[0]! * y[1]! > 0) aligned++;
      if (stateOfSpins(x) !== stateOfSpins(y)) moved++;
    }
    return { up, aligned, moved };
  }

  const exact = isingExact(model, beta);
  const pUp = (1 + exact.marginals[0]!) / 2, pAligned = (1 + exact.correlations![1]!) / 2;
  const M = 100_000;
  for (const rule of RULES) {
    const name = `ising sweep (${rule}): one sweep from exact Boltzmann draws keeps the marginal of x₀ and the law of x₀x₁`;
    it(name, () => {
      const { up, aligned, moved } = oneSweepFromExact(name, rule, beta, M);
      expectBinomialCount(name, up, M, pUp, { what: 'x₀ = +1', k: 2 });
      expectBinomialCount(name, aligned, M, pAligned, { what: 'x₀x₁ = +1', k: 2 });
      expect(moved).toBeGreaterThan(M / 10); // not a do-nothing kernel
    });
  }

  const ctrl2 = 'ising sweep negative control: a sweep at 2β from exact draws moves the marginal of x₀';
  it(ctrl2, () => {
    // The exact law after one wrong sweep, and the power check as above.
    const after = leftMultiply(exact.probabilities, sweepKernelMatrix(model, 2 * beta, 'heat-bath'));
    let pWrong = 0;
    for (let k = 0; k < S; k++) if (k & 1) pWrong += after[k]!;
    const a = alphaOf(ctrl2);
    const [lo1, hi1] = binomialInterval(M, pUp, a), [lo2, hi2] = binomialInterval(M, pWrong, a);
    expect(hi1 < lo2 || hi2 < lo1).toBe(true);
    const { up } = oneSweepFromExact(ctrl2, 'heat-bath', 2 * beta, M);
    expect(up < lo1 || up > hi1, `x₀ = +1 count ${up} inside the π_β interval [${lo1}, ${hi1}]`).toBe(true);
  });
});
