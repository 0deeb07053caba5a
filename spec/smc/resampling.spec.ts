/**
 * Resampling schemes, 004 App. A.4 (37)-(38). Layer A with injected uniforms (TESTING.md "Resampling with injected
 * uniforms"; BlackJAX tests/smc/test_resampling.py, TFP weighted_resampling_test.py): count bounds, exact expected
 * counts by integrating the piecewise-constant count over the uniform's breakpoints, zero weights never chosen
 * (also when the normalized cumulative sum ends below 1), one dominant weight, 10⁶ walkers. Layer B: E[count_i] = M p_i
 * for every scheme with exact binomial bounds at α = 1e-6 each, and an off-by-one systematic resampler rejected by
 * the same tests (negative control).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normals, streamFromKey, keyFromSeed, uniforms, type Stream } from '../../src/rng/index.js';
import {
  multinomialFromSortedUniforms, multinomialResampling, RESAMPLING_SCHEMES, residualDrawCount, residualFromSortedUniforms,
  residualResampling, resamplingScheme, stratifiedFromUniforms, stratifiedResampling, systematicFromUniform,
  systematicResampling, type ResamplingScheme,
} from '../../src/smc/index.js';
import { binomialInterval, alphaOf } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

/** Normalized weights computed independently of the implementation (the test's oracle). */
function probabilities(logW: Float64Array): number[] {
  let max = -Infinity;
  for (const a of logW) if (a > max) max = a;
  const w = Array.from(logW, (a) => (a === a ? Math.exp(a - max) : 0));
  const s = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / s);
}

function counts(anc: Int32Array, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const i of anc) c[i]!++;
  return c;
}

/** log-weights with some −∞ and NaN entries (zero weights) and at least one finite entry. */
const logWeightsWithZeros = fc
  .array(fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constantFrom(-Infinity, NaN) },
  ), { minLength: 1, maxLength: 30 })
  .map((a) => Float64Array.from(a))
  .filter((a) => a.some((x) => Number.isFinite(x)));

const unitOpenClosed = fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }).filter((v) => v > 0);

/** The breakpoints in (0, 1) where the systematic count changes as a function of V: frac(M·P_m). */
function systematicBreakpoints(p: number[], m: number): number[] {
  const b = [0, 1];
  let c = 0;
  for (const q of p) {
    c += q;
    const t = m * c;
    b.push(t - Math.floor(t));
  }
  return [...new Set(b)].filter((x) => x >= 0 && x <= 1).sort((x, y) => x - y);
}

/** E_V[counts] = ∫₀¹ counts(V) dV, exact for a piecewise-constant count: evaluate at each piece's midpoint. */
function integrateOverV(p: number[], m: number, countsAt: (v: number) => number[]): number[] {
  const b = systematicBreakpoints(p, m);
  const e = new Array<number>(p.length).fill(0);
  for (let j = 0; j + 1 < b.length; j++) {
    const len = b[j + 1]! - b[j]!;
    if (len <= 0) continue;
    const c = countsAt(0.5 * (b[j]! + b[j + 1]!));
    for (let i = 0; i < p.length; i++) e[i] += c[i]! * len;
  }
  return e;
}

/**
 * A deliberately wrong systematic resampler (negative control): strata numbered from 1 instead of 0, i.e.
 * u_n = min(1, (n + V)/M) — the classic off-by-one. It is written like the real one in every other respect.
 */
function systematicOffByOne(logW: Float64Array, v: number, out: Int32Array): Int32Array {
  const p = probabilities(logW);
  const m = out.length;
  let i = 0, c = p[0]!;
  for (let k = 0; k < m; k++) {
    const u = Math.min(1, (k + 1 + v) / m);
    while ((c < u || p[i] === 0) && i < p.length - 1) c += p[++i]!;
    out[k] = i;
  }
  return out;
}

function sortedUniforms(stream: Stream, m: number): Float64Array {
  const u = uniforms(stream, new Float64Array(m)).map((x) => 1 - x); // (0, 1]
  return u.sort();
}

describe('injected uniforms: structure of every scheme', () => {
  it('indices are in range, name positive weights, and sum to M (all schemes, generated weights with zeros)', () => {
    fc.assert(fc.property(logWeightsWithZeros, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (logW, m, seed) => {
      const p = probabilities(logW);
      const stream = streamFromKey(keyFromSeed(seed));
      for (const scheme of Object.values(RESAMPLING_SCHEMES)) {
        const anc = scheme(stream, logW, new Int32Array(m));
        for (const a of anc) {
          expect(a >= 0 && a < logW.length).toBe(true);
          expect(p[a]!).toBeGreaterThan(0);
        }
      }
    }), { numRuns: 200 });
  });

  it('systematic counts lie in {⌊M p_i⌋, ⌈M p_i⌉} for every V ∈ (0, 1]', () => {
    fc.assert(fc.property(logWeightsWithZeros, fc.integer({ min: 1, max: 60 }), unitOpenClosed, (logW, m, v) => {
      const p = probabilities(logW);
      const c = counts(systematicFromUniform(logW, v, new Int32Array(m)), logW.length);
      for (let i = 0; i < p.length; i++) {
        const np = m * p[i]!;
        expect(c[i]!).toBeGreaterThanOrEqual(Math.floor(np - 1e-9));
        expect(c[i]!).toBeLessThanOrEqual(Math.ceil(np + 1e-9));
      }
    }), { numRuns: 300 });
  });

  it('stratified counts satisfy |N_i − M p_i| < 2', () => {
    fc.assert(fc.property(logWeightsWithZeros, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (logW, m, seed) => {
      const p = probabilities(logW);
      const v = uniforms(streamFromKey(keyFromSeed(seed)), new Float64Array(m)).map((x) => 1 - x);
      const c = counts(stratifiedFromUniforms(logW, v, new Int32Array(m)), logW.length);
      for (let i = 0; i < p.length; i++) expect(Math.abs(c[i]! - m * p[i]!)).toBeLessThan(2);
    }), { numRuns: 300 });
  });

  it('residual gives at least ⌊M p_i⌋ copies and uses R = M − Σ⌊M p_i⌋ uniforms', () => {
    fc.assert(fc.property(logWeightsWithZeros, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (logW, m, seed) => {
      const p = probabilities(logW);
      const r = residualDrawCount(logW, m);
      const floors = p.reduce((s, q) => s + Math.floor(m * q + 1e-12), 0);
      // Each M p_i within rounding of an integer may floor either way (e.g. p = (1/3 + 2^-54, 1/3 − 2^-55, …) at M = 12
      // floors to 4, 3, 3 — which is exact — while M p_i + 1e-12 floors to 4, 4, 4): allow one per boundary case.
      const boundary = p.filter((q) => Math.abs(m * q - Math.round(m * q)) < 1e-9).length;
      expect(Math.abs(r - (m - floors))).toBeLessThanOrEqual(boundary);
      const c = counts(residualFromSortedUniforms(logW, sortedUniforms(streamFromKey(keyFromSeed(seed)), Math.max(r, 1)), new Int32Array(m)), logW.length);
      for (let i = 0; i < p.length; i++) {
        expect(c[i]!).toBeGreaterThanOrEqual(Math.floor(m * p[i]! - 1e-9));
        expect(c[i]!).toBeLessThanOrEqual(Math.ceil(m * p[i]! + 1e-9) + r);
      }
    }), { numRuns: 200 });
  });

  it('multinomial with injected sorted uniforms picks m with P_{m−1} < u ≤ P_m (004 (38))', () => {
    fc.assert(fc.property(logWeightsWithZeros, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (logW, seed) => {
      const p = probabilities(logW);
      const cum = p.map(((s) => (q: number) => (s += q))(0));
      const u = sortedUniforms(streamFromKey(keyFromSeed(seed)), 25);
      const anc = multinomialFromSortedUniforms(logW, u, new Int32Array(25));
      for (let k = 0; k < 25; k++) {
        const m = anc[k]!;
        // up to the rounding of two independently computed cumulative sums
        expect(u[k]!).toBeLessThanOrEqual(cum[m]! + 1e-12);
        expect(u[k]!).toBeGreaterThan((m === 0 ? 0 : cum[m - 1]!) - 1e-12);
      }
    }), { numRuns: 200 });
  });
});

describe('exact expected counts, E[N_i] = M p_i, by integrating over the injected uniform', () => {
  const cases = fc.tuple(logWeightsWithZeros, fc.integer({ min: 1, max: 25 }));

  it('systematic: ∫₀¹ N_i(V) dV = M p_i', () => {
    fc.assert(fc.property(cases, ([logW, m]) => {
      const p = probabilities(logW);
      const e = integrateOverV(p, m, (v) => counts(systematicFromUniform(logW, v, new Int32Array(m)), p.length));
      for (let i = 0; i < p.length; i++) expect(Math.abs(e[i]! - m * p[i]!)).toBeLessThan(1e-9);
    }), { numRuns: 200 });
  });

  it('stratified: E[N_i] = Σ_n P(stratum n picks i) = ∫₀¹ N_i(V,…,V) dV = M p_i (each V_n is marginally uniform)', () => {
    fc.assert(fc.property(cases, ([logW, m]) => {
      const p = probabilities(logW);
      const v = new Float64Array(m);
      const e = integrateOverV(p, m, (x) => counts(stratifiedFromUniforms(logW, v.fill(x), new Int32Array(m)), p.length));
      for (let i = 0; i < p.length; i++) expect(Math.abs(e[i]! - m * p[i]!)).toBeLessThan(1e-9);
    }), { numRuns: 200 });
  });

  it('multinomial and residual: the inverse-CDF map gives walker i a set of u of measure exactly p_i (resp. r_i/R)', () => {
    fc.assert(fc.property(cases, ([logW, m]) => {
      const p = probabilities(logW);
      // Multinomial: E[N_i] = Σ_k P(u_k ∈ I_i); inject the stratified points (k + V)/M, each uniform on its stratum.
      const pts = new Float64Array(m);
      const fill = (v: number, r: number) => { for (let k = 0; k < r; k++) pts[k] = (k + v) / r; return pts; };
      const e = integrateOverV(p, m, (v) => counts(multinomialFromSortedUniforms(logW, fill(v, m), new Int32Array(m)), p.length));
      for (let i = 0; i < p.length; i++) expect(Math.abs(e[i]! - m * p[i]!)).toBeLessThan(1e-9);
      // Residual: ⌊M p_i⌋ + R · (r_i/R) = M p_i, with the R residual points injected the same way.
      const r = residualDrawCount(logW, m);
      if (r === 0) return;
      const rp = p.map((q) => m * q - Math.floor(m * q)).map((x, _, all) => x / all.reduce((s, y) => s + y, 0));
      const er = integrateOverV(rp, r, (v) => counts(residualFromSortedUniforms(logW, fill(v, r), new Int32Array(m)), p.length));
      for (let i = 0; i < p.length; i++) expect(Math.abs(er[i]! - m * p[i]!)).toBeLessThan(1e-8);
    }), { numRuns: 200 });
  });

  it('negative control: the off-by-one systematic resampler fails the same integral', () => {
    // Arrange: the same check as above, on a fixed case; Act/Assert: the correct one passes, the wrong one does not.
    const logW = Float64Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const p = probabilities(logW);
    const m = 7;
    const worst = (f: (v: number, out: Int32Array) => Int32Array) => {
      const e = integrateOverV(p, m, (v) => counts(f(v, new Int32Array(m)), p.length));
      return Math.max(...e.map((x, i) => Math.abs(x - m * p[i]!)));
    };
    expect(worst((v, out) => systematicFromUniform(logW, v, out))).toBeLessThan(1e-9);
    expect(worst((v, out) => systematicOffByOne(logW, v, out))).toBeGreaterThan(0.1);
  });
});

describe('floating-point edge cases', () => {
  it('the normalized cumulative sum ends below 1: u = 1 neither runs past the end nor picks the zero-weight walker', () => {
    // Ten equal weights and a zero weight last: Σ 0.1 (ten times) = 0.9999999999999999 < 1 in floating point.
    const logW = Float64Array.from([...new Array<number>(10).fill(0), -Infinity]);
    const p = probabilities(logW);
    const naiveTotal = p.reduce((s, q) => s + q, 0);
    expect(naiveTotal).toBeLessThan(1); // the case is what it claims: a naive search for u = 1 would run past P_10
    const last = new Float64Array(11).fill(1); // u = 1 for every draw
    for (const anc of [
      systematicFromUniform(logW, 1, new Int32Array(11)),
      stratifiedFromUniforms(logW, last, new Int32Array(11)),
      multinomialFromSortedUniforms(logW, last, new Int32Array(11)),
      residualFromSortedUniforms(logW, last, new Int32Array(11)),
    ]) {
      for (const a of anc) expect(a >= 0 && a <= 9).toBe(true);
      expect(anc[10]).toBe(9);
    }
  });

  it('generated cases whose normalized sum is below 1, zero weights interleaved, u at and next to 1', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 40 }), (a) => {
      const logW = Float64Array.from(a.flatMap((x) => [x, -Infinity])); // a zero weight after each walker, also last
      const p = probabilities(logW);
      const m = logW.length;
      const u = new Float64Array(m).fill(1);
      u[0] = 1 - 2 ** -53;
      u.sort();
      for (const anc of [
        systematicFromUniform(logW, 1, new Int32Array(m)),
        multinomialFromSortedUniforms(logW, u, new Int32Array(m)),
        stratifiedFromUniforms(logW, u, new Int32Array(m)),
        residualFromSortedUniforms(logW, u, new Int32Array(m)),
      ]) for (const i of anc) expect(i < m && p[i]! > 0).toBe(true);
    }), { numRuns: 200 });
  });

  it('the smallest u (2^-54, what uniformOpen can give) skips leading zero weights', () => {
    const logW = Float64Array.from([-Infinity, NaN, -Infinity, 0, 0]);
    const u = Float64Array.from([2 ** -54, 2 ** -54]);
    expect(Array.from(multinomialFromSortedUniforms(logW, u, new Int32Array(2)))).toEqual([3, 3]);
    expect(systematicFromUniform(logW, 2 ** -54, new Int32Array(2))[0]).toBe(3);
    expect(stratifiedFromUniforms(logW, u, new Int32Array(2))[0]).toBe(3);
  });

  it('one dominant weight: the others underflow to 0 and are never picked; near-dominant keeps the count bounds', () => {
    const n = 1000, m = 1000;
    const stream = testStream('smc resampling: one dominant weight');
    const logW = new Float64Array(n).fill(-800);
    logW[417] = 0;
    for (const scheme of Object.values(RESAMPLING_SCHEMES)) {
      expect(counts(scheme(stream, logW, new Int32Array(m)), n)[417]).toBe(m);
    }
    logW.fill(-30);
    logW[417] = 0;
    const p = probabilities(logW);
    const c = counts(systematicResampling(stream, logW, new Int32Array(m)), n);
    expect(c[417]!).toBeGreaterThanOrEqual(Math.floor(m * p[417]!));
    for (const scheme of Object.values(RESAMPLING_SCHEMES)) {
      for (const a of scheme(stream, logW, new Int32Array(m))) expect(a >= 0 && a < n).toBe(true);
    }
  });

  it('10⁶ walkers: every scheme returns valid, sorted ancestors with the count bounds', () => {
    const n = 1_000_000;
    const stream = testStream('smc resampling: 10^6 walkers');
    const logW = normals(stream, new Float64Array(n)).map((x) => 2 * x);
    logW[5] = -Infinity;
    logW[n - 1] = -Infinity;
    const p = probabilities(logW);
    const out = new Int32Array(n);
    for (const [name, scheme] of Object.entries(RESAMPLING_SCHEMES)) {
      const anc = scheme(stream, logW, out);
      const c = new Int32Array(n);
      let sorted = true;
      for (let k = 0; k < n; k++) {
        c[anc[k]!]!++;
        if (name !== 'residual' && k > 0 && anc[k]! < anc[k - 1]!) sorted = false;
      }
      expect(sorted).toBe(true);
      expect(c[5]).toBe(0);
      expect(c[n - 1]).toBe(0);
      if (name === 'systematic') {
        let ok = true;
        for (let i = 0; i < n; i++) if (c[i]! < Math.floor(n * p[i]! - 1e-6) || c[i]! > Math.ceil(n * p[i]! + 1e-6)) ok = false;
        expect(ok).toBe(true);
      }
    }
  });
});

describe('input checks and purity', () => {
  it('rejects bad input naming the argument and the constraint', () => {
    const s = testStream('smc resampling: bad input');
    expect(() => systematicResampling(s, new Float64Array(0), new Int32Array(1))).toThrow(/logW must hold at least one/);
    expect(() => multinomialResampling(s, new Float64Array(2), new Int32Array(0))).toThrow(/out must have length M ≥ 1/);
    expect(() => stratifiedResampling(s, Float64Array.from([-Infinity, NaN]), new Int32Array(2))).toThrow(/at least one finite entry/);
    expect(() => residualResampling(s, Float64Array.from([0, Infinity]), new Int32Array(2))).toThrow(/\+∞/);
    expect(() => systematicFromUniform(new Float64Array(2), 0, new Int32Array(2))).toThrow(/v must be in \(0, 1\]/);
    expect(() => systematicFromUniform(new Float64Array(2), 1.5, new Int32Array(2))).toThrow(/v must be in \(0, 1\]/);
    expect(() => stratifiedFromUniforms(new Float64Array(2), Float64Array.from([0.5]), new Int32Array(2))).toThrow(/v must hold at least 2/);
    expect(() => multinomialFromSortedUniforms(new Float64Array(2), Float64Array.from([0.6, 0.5]), new Int32Array(2))).toThrow(/increasing order/);
    expect(() => multinomialFromSortedUniforms(new Float64Array(2), Float64Array.from([0, 0.5]), new Int32Array(2))).toThrow(/u\[0\] must be in \(0, 1\]/);
    expect(() => residualDrawCount(new Float64Array(2), 0)).toThrow(/m must be a positive integer/);
    expect(() => resamplingScheme('multinomal')).toThrow(/one of multinomial, stratified, systematic, residual, got multinomal/);
    expect(resamplingScheme('systematic')).toBe(systematicResampling);
  });

  it('never modifies logW and replays from the same stream state', () => {
    const logW = normals(testStream('smc resampling: purity'), new Float64Array(50));
    const copy = Float64Array.from(logW);
    for (const scheme of Object.values(RESAMPLING_SCHEMES)) {
      const s1 = testStream('smc resampling: purity replay');
      const s2 = testStream('smc resampling: purity replay');
      expect(Array.from(scheme(s1, logW, new Int32Array(64)))).toEqual(Array.from(scheme(s2, logW, new Int32Array(64))));
      expect(Array.from(logW)).toEqual(Array.from(copy));
    }
  });
});

describe('Layer B: E[count_i] = M p_i for every scheme (exact binomial bounds, α = 1e-6 each)', () => {
  // Five walkers, one of zero weight; M = 7 draws per resampling, repeated 20000 times.
  const logW = Float64Array.from([Math.log(0.05), Math.log(0.2), -Infinity, Math.log(0.3), Math.log(0.45)]);
  const p = probabilities(logW);
  const m = 7, reps = 20000;

  function totals(name: string, resample: (s: Stream, out: Int32Array) => Int32Array): number[] {
    const s = testStream(name);
    const out = new Int32Array(m);
    const t = new Array<number>(p.length).fill(0);
    for (let r = 0; r < reps; r++) for (const a of resample(s, out)) t[a]!++;
    return t;
  }

  /**
   * The exact law of a walker's total count over the repetitions, as a binomial interval at α/k per walker:
   * multinomial Bin(reps·M, p_i); systematic reps·⌊Mp_i⌋ + Bin(reps, frac(Mp_i)); residual reps·⌊Mp_i⌋ +
   * Bin(reps·R, r_i/R); stratified is a sum of independent Bernoullis with mean reps·M·p_i, whose tails beyond the
   * mean ± 1 are bounded by those of Bin(reps·M, p_i) (Hoeffding 1956, Thm 4), so that interval is conservative.
   */
  function interval(scheme: string, i: number, alpha: number): [number, number] {
    const np = m * p[i]!, fl = Math.floor(np + 1e-12), fr = Math.max(0, np - fl);
    if (scheme === 'systematic') {
      const [lo, hi] = binomialInterval(reps, fr, alpha);
      return [reps * fl + lo, reps * fl + hi];
    }
    if (scheme === 'residual') {
      const r = m - p.reduce((s, q) => s + Math.floor(m * q + 1e-12), 0);
      const [lo, hi] = binomialInterval(reps * r, fr / r, alpha);
      return [reps * fl + lo, reps * fl + hi];
    }
    return binomialInterval(reps * m, p[i]!, alpha);
  }

  function outside(name: string, scheme: string, t: number[]): string[] {
    const alpha = alphaOf(name) / p.length; // Bonferroni over the walkers
    const bad: string[] = [];
    t.forEach((c, i) => {
      const [lo, hi] = interval(scheme, i, alpha);
      if (c < lo || c > hi) bad.push(`walker ${i}: ${c} ∉ [${lo}, ${hi}] (M p_i · reps = ${m * p[i]! * reps})`);
    });
    return bad;
  }

  for (const [scheme, fn] of Object.entries(RESAMPLING_SCHEMES) as [string, ResamplingScheme][]) {
    const name = `smc resampling: E[count] = M p for ${scheme}`;
    it(name, () => {
      const t = totals(name, (s, out) => fn(s, logW, out));
      expect(t[2]).toBe(0);
      expect(outside(name, scheme, t), describeSeed(name)).toEqual([]);
    });
  }

  const control = 'smc resampling: off-by-one systematic rejected (negative control)';
  it(control, () => {
    const t = totals(control, (s, out) => systematicOffByOne(logW, 1 - uniforms(s, new Float64Array(1))[0]!, out));
    expect(outside(control, 'systematic', t).length, describeSeed(control)).toBeGreaterThan(0);
  });
});
