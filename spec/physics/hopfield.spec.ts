/**
 * Hopfield networks, 001 §1.2: Hebbian couplings (1.3) and the retrieval dynamics (1.4).
 * Layer A: (1.3) against its definition; orthogonal (Sylvester–Hadamard) patterns give J y^μ = (n/P − 1) y^μ, so
 * every stored pattern is a fixed point for P < n (exact, below and above the random-pattern capacity 0.138 n); the
 * fixed-point test equals the crosstalk condition y_i (J y)_i > 0; the asynchronous dynamics never increases
 * U = −½xᵀJx − hᵀx (property) — and the erratum check: with the document's all-pairs sum U = −Σ_{i,j} J_ij x_i x_j − hᵀx
 * the same updates can increase the energy; one pattern is recalled exactly from any corruption of fewer than (n − 1)/2
 * neurons, synchronously and asynchronously; synchronous dynamics can cycle with period 2; corruption flips exactly d
 * neurons. Layer B (α = 1e-7, registered): each neuron is flipped by corruptPattern with probability d/n.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, streamFromKey, uniform } from '../../src/rng/index.js';
import {
  corruptPattern, hebbianCouplings, hopfieldAsyncSweep, hopfieldEnergy, hopfieldRecall, hopfieldSyncStep,
  isHopfieldFixedPoint, overlap, randomPermutation,
} from '../../src/physics/hopfield.js';
import { testStream } from '../_support/seed.js';
import { expectBinomialCount } from '../_support/stat.js';
import { fcParams } from '../rng/_fc.js';

/** The Sylvester–Hadamard matrix of order n = 2^q: rows are mutually orthogonal ±1 vectors. */
function hadamard(n: number): Int8Array {
  const H = new Int8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let b = i & j, c = 0;
    while (b) { c ^= b & 1; b >>= 1; }
    H[i * n + j] = c ? -1 : 1;
  }
  return H;
}

/** P patterns of n neurons: rows 1 … P of the Hadamard matrix (row 0 is all ones). */
function orthogonalPatterns(n: number, P: number): Int8Array {
  return hadamard(n).slice(n, (P + 1) * n);
}

function randomPatterns(seed: number, P: number, n: number): Int8Array {
  const s = streamFromKey(keyFromSeed(seed)), y = new Int8Array(P * n);
  for (let k = 0; k < P * n; k++) y[k] = uniform(s) < 0.5 ? -1 : 1;
  return y;
}

describe('physics/hopfield: Hebbian couplings (1.3)', () => {
  it('J_ij = P⁻¹ Σ_λ y_i^λ y_j^λ, symmetric, zero diagonal by default, 1 with diagonal: "hebbian"', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 12 }), (seed, P, n) => {
      const y = randomPatterns(seed, P, n);
      const J = hebbianCouplings(y, P, n), Jd = hebbianCouplings(y, P, n, { diagonal: 'hebbian' });
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < P; l++) s += y[l * n + i]! * y[l * n + j]!;
        expect(Jd[i * n + j]).toBeCloseTo(s / P, 14);
        expect(J[i * n + j]).toBe(i === j ? 0 : Jd[i * n + j]);
        expect(J[i * n + j]).toBe(J[j * n + i]);
      }
      for (let i = 0; i < n; i++) expect(Jd[i * n + i]).toBe(1);
    }), fcParams('hebbian', 60));
  });
});

describe('physics/hopfield: fixed points and retrieval (1.4)', () => {
  it('orthogonal patterns: J y^μ = (n/P − 1) y^μ, so all P < n stored patterns are fixed points (also P/n = 0.5 > 0.138)', () => {
    const h0 = (n: number) => new Float64Array(n);
    for (const [n, P] of [[16, 3], [32, 16], [64, 40], [64, 63]] as const) {
      const y = orthogonalPatterns(n, P), J = hebbianCouplings(y, P, n);
      for (let mu = 0; mu < P; mu++) {
        const ym = y.subarray(mu * n, (mu + 1) * n);
        for (let i = 0; i < n; i++) {
          let f = 0;
          for (let j = 0; j < n; j++) f += J[i * n + j]! * ym[j]!;
          expect(f).toBeCloseTo((n / P - 1) * ym[i]!, 12);
        }
        expect(isHopfieldFixedPoint(J, h0(n), n, ym)).toBe(true);
        const next = new Int8Array(n);
        expect(hopfieldSyncStep(J, h0(n), n, ym, next)).toBe(0);
      }
    }
  });

  it('the fixed-point test is the crosstalk condition: x is fixed iff x_i (Jx + h)_i ≥ 0 for all i, with > 0 when it changes nothing else', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 30 }), (seed, P) => {
      const n = 50, y = randomPatterns(seed, P, n), J = hebbianCouplings(y, P, n), h = new Float64Array(n);
      for (let mu = 0; mu < P; mu++) {
        const ym = y.subarray(mu * n, (mu + 1) * n);
        let stable = true;
        for (let i = 0; i < n; i++) {
          let f = 0;
          for (let j = 0; j < n; j++) f += J[i * n + j]! * ym[j]!;
          if (ym[i]! * f < 0) stable = false;
        }
        expect(isHopfieldFixedPoint(J, h, n, ym)).toBe(stable);
      }
    }), fcParams('crosstalk', 60));
  });

  it('asynchronous sweeps never increase U = −½xᵀJx − hᵀx (random symmetric J with zero diagonal, random h)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 20 }), (seed, n) => {
      const s = streamFromKey(keyFromSeed(seed));
      const J = new Float64Array(n * n), h = new Float64Array(n), x = new Int8Array(n);
      for (let i = 0; i < n; i++) {
        h[i] = 2 * uniform(s) - 1;
        x[i] = uniform(s) < 0.5 ? -1 : 1;
        for (let j = i + 1; j < n; j++) { const v = 2 * uniform(s) - 1; J[i * n + j] = v; J[j * n + i] = v; }
      }
      const order = randomPermutation(s, new Int32Array(n));
      let u = hopfieldEnergy(J, h, n, x);
      for (let sweep = 0; sweep < 5; sweep++) {
        const before = Int8Array.from(x);
        hopfieldAsyncSweep(J, h, n, before, x, order);
        const v = hopfieldEnergy(J, h, n, x);
        expect(v).toBeLessThanOrEqual(u + 1e-12);
        u = v;
      }
    }), fcParams('hopfield lyapunov', 100));
  });

  it('negative control: with a negative self-coupling J_ii < 0 a (1.4) update can raise U (the J_ii ≥ 0 condition is needed)', () => {
    // n = 1, J = (−2), h = ½, x = 1: the field −2 + ½ < 0 flips x to −1, and U = −½Jx² − hx goes from ½ to 3/2.
    const J = Float64Array.of(-2), h = Float64Array.of(0.5), x = Int8Array.of(1), y = new Int8Array(1);
    expect(hopfieldAsyncSweep(J, h, 1, x, y, Int32Array.of(0))).toBe(1);
    expect(hopfieldEnergy(J, h, 1, y) - hopfieldEnergy(J, h, 1, x)).toBe(1);
  });

  it('erratum check: with the all-pairs energy −Σ_{i,j} J_ij x_i x_j − hᵀx (sum over all i, j as 001 §1.2 says) a (1.4) update raises the energy', () => {
    // n = 2, J_01 = 2, h = (−3, 5): x = (1, 1) has field J_01 x_1 + h_0 = −1 < 0, so (1.4) flips x_0; x_1 keeps +1.
    const n = 2, J = Float64Array.of(0, 2, 2, 0), h = Float64Array.of(-3, 5);
    const x = Int8Array.of(1, 1), y = new Int8Array(2);
    hopfieldAsyncSweep(J, h, n, x, y, Int32Array.of(0, 1));
    expect(Array.from(y)).toEqual([-1, 1]);
    const allPairs = (z: Int8Array) => -(2 * J[1]! * z[0]! * z[1]!) - (h[0]! * z[0]! + h[1]! * z[1]!);
    expect(allPairs(y) - allPairs(x)).toBe(2); // rises under the all-pairs energy …
    expect(hopfieldEnergy(J, h, n, y) - hopfieldEnergy(J, h, n, x)).toBe(-2); // … falls under −½xᵀJx − hᵀx
  });

  it('one stored pattern is recalled exactly from d < (n − 1)/2 flipped neurons (sync and async); d > (n + 1)/2 gives −y', () => {
    const n = 41, y = randomPatterns(4, 1, n), J = hebbianCouplings(y, 1, n), h = new Float64Array(n);
    const s = testStream('hopfield single pattern');
    for (const d of [0, 1, 7, 19]) {
      const cue = corruptPattern(s, y, d, new Int8Array(n));
      expect(overlap(y, cue)).toBeCloseTo(1 - (2 * d) / n, 14);
      for (const mode of ['sync', 'async'] as const) {
        const r = hopfieldRecall(s, J, h, n, cue, { mode });
        expect(r.converged).toBe(true);
        expect(overlap(y, r.state)).toBe(1);
      }
    }
    const far = corruptPattern(s, y, 22, new Int8Array(n));
    expect(overlap(y, hopfieldRecall(s, J, h, n, far, { mode: 'sync' }).state)).toBe(-1);
  });

  it('synchronous (1.4) can cycle with period 2; asynchronous converges from the same start', () => {
    const J = Float64Array.of(0, -1, -1, 0), h = new Float64Array(2), x = Int8Array.of(1, 1);
    const r = hopfieldRecall(testStream('cycle'), J, h, 2, x, { mode: 'sync' });
    expect(r.converged).toBe(false);
    expect(r.sweeps).toBe(2);
    const a = hopfieldRecall(testStream('cycle'), J, h, 2, x, { mode: 'async' });
    expect(a.converged).toBe(true);
    expect(a.state[0]! * a.state[1]!).toBe(-1);
  });

  it('sgn(0) keeps the state: with J = 0, h = 0 every state is a fixed point', () => {
    const n = 5, J = new Float64Array(25), h = new Float64Array(5), x = Int8Array.of(1, -1, -1, 1, 1);
    expect(isHopfieldFixedPoint(J, h, n, x)).toBe(true);
    expect(hopfieldAsyncSweep(J, h, n, x, new Int8Array(5), Int32Array.of(4, 3, 2, 1, 0))).toBe(0);
  });

  it('randomPermutation is a permutation; corruptPattern flips exactly d distinct neurons and leaves the pattern', () => {
    const s = testStream('perm');
    for (let t = 0; t < 20; t++) {
      const p = randomPermutation(s, new Int32Array(17));
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    }
    const y = randomPatterns(1, 1, 30), keep = Int8Array.from(y);
    const c = corruptPattern(s, y, 11, new Int8Array(30));
    expect(Array.from(y)).toEqual(Array.from(keep));
    expect(Array.from(c).reduce((a, v, i) => a + (v !== y[i] ? 1 : 0), 0)).toBe(11);
  });

  const name = 'hopfield corruptPattern: each neuron is flipped with probability d/n (exact binomial, Bonferroni over n)';
  it(name, () => {
    const n = 20, d = 6, N = 20_000, s = testStream(name), y = randomPatterns(2, 1, n), c = new Int8Array(n);
    const flips = new Float64Array(n);
    for (let t = 0; t < N; t++) {
      corruptPattern(s, y, d, c);
      for (let i = 0; i < n; i++) if (c[i] !== y[i]) flips[i] = flips[i]! + 1;
    }
    for (let i = 0; i < n; i++) expectBinomialCount(name, flips[i]!, N, d / n, { what: `neuron ${i}`, k: n });
  });

  it('errors name the argument', () => {
    const y = Int8Array.of(1, -1, 1, 1), J = hebbianCouplings(y, 1, 4), h = new Float64Array(4), s = testStream('errors');
    expect(() => hebbianCouplings(Int8Array.of(1, 0, 1, 1), 1, 4)).toThrow(/hebbianCouplings: patterns\[0\]\[1\] = 0 must be −1 or \+1/);
    expect(() => hebbianCouplings(y, 2, 4)).toThrow(/hebbianCouplings: patterns must hold P·n = 8 spins, got 4/);
    const bad = Float64Array.from(J); bad[1] = 5;
    expect(() => hopfieldEnergy(bad, h, 4, y)).toThrow(/hopfieldEnergy: J must be symmetric/);
    expect(() => hopfieldSyncStep(J, h, 4, y, y)).toThrow(/out must be a different buffer from x/);
    expect(() => hopfieldAsyncSweep(J, h, 4, y, y, Int32Array.of(0, 0, 1, 2))).toThrow(/order must be a permutation of 0 … 3/);
    expect(() => hopfieldRecall(s, J, h, 4, y, { maxSweeps: 0 })).toThrow(/hopfieldRecall: maxSweeps must be a positive integer, got 0/);
    expect(() => corruptPattern(s, y, 5, new Int8Array(4))).toThrow(/corruptPattern: flips = 5 must be an integer in \[0, 4\]/);
    expect(() => overlap(y, Int8Array.of(1))).toThrow(/overlap: y and x must have the same positive length/);
    expect(() => overlap(y, Int8Array.of(1, 1, 0, 1))).toThrow(/overlap: x\[2\] = 0 must be −1 or \+1/);
  });
});
