/**
 * log Z and cross-entropy tracking, 004 (12) and §3.2 "Resampling step" item 3 (Z_θk = Z_θkr · mean e^{A_k} after a
 * resampling at k_r). Exact: a deterministic example against the closed form, and the unbiasedness of Z̃ across one
 * and two resamplings by enumerating every multinomial outcome and integrating the systematic uniform.
 */
import { describe, expect, it } from 'vitest';
import {
  checkLogZTracker, crossEntropyEstimate, logZEstimate, logZTracker, recordResampling, systematicFromUniform,
  type LogZTracker,
} from '../../src/smc/index.js';

describe('LogZTracker', () => {
  it('deterministic example: log Z̃ equals the closed form before and after a resampling', () => {
    // log Z_θ0 = 2; at k_r the weights are e^A = (1, 3): Z̃_θkr = e² · 2.
    let t = logZTracker(2);
    const atResampling = Float64Array.of(0, Math.log(3));
    expect(logZEstimate(t, atResampling)).toBeCloseTo(2 + Math.log(2), 14);
    t = recordResampling(t, atResampling);
    expect(t).toEqual({ logZ0: 2, logOffset: logZEstimate(logZTracker(2), atResampling), resamplings: 1 });
    // After the reset the weights evolve to e^A = (0.5, 2.5): Z̃_θk = Z̃_θkr · 1.5.
    expect(logZEstimate(t, Float64Array.of(Math.log(0.5), Math.log(2.5)))).toBeCloseTo(2 + Math.log(2) + Math.log(1.5), 14);
    // Reset weights (all 0) keep the estimate at Z̃_θkr.
    expect(logZEstimate(t, new Float64Array(4))).toBeCloseTo(2 + Math.log(2), 14);
  });

  it('cross-entropy estimate H̃ = log Z̃ + mean U(data) (004 (12))', () => {
    expect(crossEntropyEstimate(1.5, Float64Array.of(1, 2, 6))).toBe(4.5);
    expect(crossEntropyEstimate(1.5, Float64Array.of(1, 2, 6), 2)).toBe(3);
    expect(() => crossEntropyEstimate(0, new Float64Array(0))).toThrow(/dataEnergies must hold n ≥ 1/);
  });

  it('is plain JSON: a checkpoint round trip restores it; bad records are rejected naming the field', () => {
    const t = recordResampling(logZTracker(-3.25), Float64Array.of(0.1, -0.7, 2));
    const back = checkLogZTracker(JSON.parse(JSON.stringify(t)));
    expect(back).toEqual(t);
    expect(() => checkLogZTracker({ logZ0: 1, logOffset: null, resamplings: 0 })).toThrow(/LogZTracker.logOffset must be finite/);
    expect(() => checkLogZTracker({ logZ0: 1, logOffset: 1, resamplings: -1 })).toThrow(/resamplings must be an integer ≥ 0/);
    expect(() => checkLogZTracker(null)).toThrow(TypeError);
    expect(() => logZTracker(Infinity)).toThrow(/logZ0 must be finite/);
    expect(() => recordResampling(t, Float64Array.of(-Infinity, NaN))).toThrow(/must be finite/);
  });
});

describe('Z̃ is unbiased across resampling (exact enumeration)', () => {
  // Three walkers with log-weights A at k_r; afterwards each walker's lineage gains increments that depend on which
  // walker it descends from (as positions would): ΔA1[i] until a second resampling, then ΔA2[i].
  const logZ0 = 0.7;
  const A = Float64Array.of(-0.4, 0.9, 0.1);
  const dA1 = Float64Array.of(0.3, -1.1, 0.8);
  const dA2 = Float64Array.of(-0.5, 0.2, 1.3);
  const n = A.length;
  const p = Array.from(A, Math.exp).map((w, _, all) => w / all.reduce((s, x) => s + x, 0));

  /** Z̃ with no resampling: Z_θ0 · mean e^{A + ΔA1 + ΔA2}. */
  const noResampling = Math.exp(logZ0) * Array.from(A, (a, i) => Math.exp(a + dA1[i]! + dA2[i]!)).reduce((s, x) => s + x, 0) / n;

  /** Every multinomial ancestor vector with its probability. */
  function* outcomes(q: number[]): Generator<[Int32Array, number]> {
    for (let c = 0; c < n ** n; c++) {
      const anc = new Int32Array(n);
      let pr = 1;
      for (let k = 0, r = c; k < n; k++, r = Math.floor(r / n)) { anc[k] = r % n; pr *= q[r % n]!; }
      yield [anc, pr];
    }
  }

  it('one multinomial resampling: E[Z̃_θk] over all 27 outcomes equals the no-resampling estimate', () => {
    let e = 0, total = 0;
    const t = recordResampling(logZTracker(logZ0), A);
    for (const [anc, pr] of outcomes(p)) {
      const after = Float64Array.from(anc, (i) => dA1[i]! + dA2[i]!); // weights reset to 0, then the increments
      e += pr * Math.exp(logZEstimate(t, after));
      total += pr;
    }
    expect(Math.abs(total - 1)).toBeLessThan(1e-14);
    expect(Math.abs(e - noResampling)).toBeLessThan(1e-12 * noResampling);
  });

  it('two multinomial resamplings (27 × 27 outcomes): the offsets chain and E[Z̃] is still exact', () => {
    let e = 0;
    const t1 = recordResampling(logZTracker(logZ0), A);
    for (const [anc1, pr1] of outcomes(p)) {
      const w1 = Float64Array.from(anc1, (i) => dA1[i]!);
      const t2 = recordResampling(t1, w1);
      expect(t2.resamplings).toBe(2);
      const q1 = Array.from(w1, Math.exp).map((w, _, all) => w / all.reduce((s, x) => s + x, 0));
      for (const [anc2, pr2] of outcomes(q1)) {
        const w2 = Float64Array.from(anc2, (j) => dA2[anc1[j]!]!); // the lineage of slot j after the second step
        e += pr1 * pr2 * Math.exp(logZEstimate(t2, w2));
      }
    }
    expect(Math.abs(e - noResampling)).toBeLessThan(1e-12 * noResampling);
  });

  it('systematic resampling (the implementation, integrated over its uniform): E[Z̃] is exact; a tracker that drops the offset is not', () => {
    // breakpoints of the systematic count in V: frac(N P_m)
    const b = [0, 1];
    let c = 0;
    for (const q of p) { c += q; b.push(n * c - Math.floor(n * c)); }
    b.sort((x, y) => x - y);
    const t = recordResampling(logZTracker(logZ0), A);
    const dropped: LogZTracker = logZTracker(logZ0); // wrong: forgets Z̃_θkr at the reset
    let e = 0, eWrong = 0;
    for (let j = 0; j + 1 < b.length; j++) {
      const len = b[j + 1]! - b[j]!;
      if (len <= 0) continue;
      const anc = systematicFromUniform(A, 0.5 * (b[j]! + b[j + 1]!), new Int32Array(n));
      const after = Float64Array.from(anc, (i) => dA1[i]! + dA2[i]!);
      e += len * Math.exp(logZEstimate(t, after));
      eWrong += len * Math.exp(logZEstimate(dropped, after));
    }
    expect(Math.abs(e - noResampling)).toBeLessThan(1e-12 * noResampling);
    expect(Math.abs(eWrong - noResampling)).toBeGreaterThan(0.1 * noResampling);
  });
});
