/**
 * Uniform draws (src/rng/uniform.ts). Layer A: the exact recipe from the generator's words (by injecting words, see
 * _inject.ts), the exact extremes of [0, 1) and (0, 1), 53-bit granularity, and for uniformInt an exact count of the
 * words mapped to each value. Layer B (α = 1e-6 each, registered): DKW for the doubles, exact binomial counts for
 * small m, DKW on the jittered index for large m, with negative controls that the same assertions reject.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { uniform, uniformInt, uniformOpen, uniforms, type Stream } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw } from '../_support/stat.js';
import { streamWithOutputs } from './_inject.js';
import { fcParams } from './_fc.js';

const TWO53 = 2 ** 53;
const word = fc.integer({ min: 0, max: 0xffffffff });
const words4 = fc.tuple(word, word, word, word).filter((w) => w.some((v) => v !== 0));
const uniformCdf = (x: number): number => Math.min(1, Math.max(0, x));
/** The 53-bit integer that uniform() builds from two words: top 27 bits of the first, top 26 of the second. */
const k53 = (w0: number, w1: number): number => (w0 >>> 5) * 2 ** 26 + (w1 >>> 6);

describe('uniform and uniformOpen: exact (injected words)', () => {
  it('uniform = k·2^-53 with k from the top 27 + 26 bits of two words; uniformOpen the same, redrawing k = 0', () => {
    fc.assert(
      fc.property(words4, (w) => {
        expect(uniform(streamWithOutputs(w))).toBe(k53(w[0], w[1]) / TWO53);
        const k = k53(w[0], w[1]);
        fc.pre(k !== 0 || k53(w[2], w[3]) !== 0); // else a third pair, beyond the injected words, decides
        expect(uniformOpen(streamWithOutputs(w))).toBe((k !== 0 ? k : k53(w[2], w[3])) / TWO53);
      }),
      fcParams('uniform: exact recipe'),
    );
  });

  it('extremes: uniform spans exactly [0, 1 − 2^-53]; uniformOpen exactly [2^-53, 1 − 2^-53], never 0 or 1', () => {
    const ONES = 0xffffffff;
    expect(uniform(streamWithOutputs([0, 31, 1, 1]))).toBe(0);
    expect(uniform(streamWithOutputs([ONES, ONES, 1, 1]))).toBe(1 - 2 ** -53);
    expect(uniformOpen(streamWithOutputs([0, 64, 1, 1]))).toBe(2 ** -53);
    // The all-ones words: (k + ½)·2^-53 rounded this to exactly 1 before the fix.
    expect(uniformOpen(streamWithOutputs([ONES, ONES, 1, 1]))).toBe(1 - 2 ** -53);
    // k = 0 is redrawn from the next two words, so log(u) stays finite.
    expect(uniformOpen(streamWithOutputs([31, 63, 0x80000000, 0]))).toBe(0.5);
    expect(Math.log(uniformOpen(streamWithOutputs([0, 0, 0, 64])))).toBe(Math.log(2 ** -53));
  });

  it('53-bit granularity and range over 10⁵ draws each: u·2^53 is an integer in [0, 2^53) (uniform), [1, 2^53) (open)', () => {
    const s = testStream('uniform: granularity');
    for (let i = 0; i < 100000; i++) {
      const u = uniform(s) * TWO53;
      const v = uniformOpen(s) * TWO53;
      if (!(Number.isInteger(u) && u >= 0 && u < TWO53 && Number.isInteger(v) && v >= 1 && v < TWO53)) {
        expect.fail(`draw ${i}: uniform·2^53 = ${u}, uniformOpen·2^53 = ${v}`);
      }
    }
    // The upper half of [0, 1) is reached and its values are not all even multiples (no rounding to even).
    let odd = 0;
    for (let i = 0; i < 1000; i++) { const v = uniformOpen(s); if (v >= 0.5 && (v * TWO53) % 2 === 1) odd++; }
    expect(odd).toBeGreaterThan(0);
  });

  it('uniforms fills out[offset, offset + n) with the draws of repeated uniform(), and nothing else', () => {
    const a = testStream('uniform: uniforms equals uniform');
    const b = a.clone();
    const out = new Float64Array(1000).fill(-1);
    expect(uniforms(a, out, 100, 800)).toBe(out);
    for (let i = 0; i < 1000; i++) expect(out[i]).toBe(i >= 100 && i < 900 ? uniform(b) : -1);
    expect(a.getState()).toEqual(b.getState());
    expect(uniforms(a, new Float64Array(0))).toHaveLength(0);
  });

  it('uniforms rejects offset/n outside out, naming them', () => {
    const s = testStream('uniform: validation');
    const out = new Float64Array(10);
    for (const [o, n] of [[-1, 2], [1.5, 2], [0, 11], [5, 6], [11, 0], [0, -1], [0, Number.NaN]] as const) {
      expect(() => uniforms(s, out, o, n)).toThrow(RangeError);
      expect(() => uniforms(s, out, o, n)).toThrow(/offset .* and n .* must lie within out \(length 10\)/);
    }
  });
});

describe('uniform and uniformOpen: distribution (Layer B)', () => {
  it('uniform and uniformOpen by DKW, 2·10⁵ draws each (α = 1e-6 split over both; ε = 0.0062)', () => {
    const name = 'rng uniform: uniform and uniformOpen by DKW';
    const s = testStream(name);
    const n = 200000;
    const a = new Float64Array(n), b = new Float64Array(n);
    for (let i = 0; i < n; i++) { a[i] = uniform(s); b[i] = uniformOpen(s); }
    expectCdfWithinDkw(name, a, uniformCdf, { what: 'uniform', k: 2, detect: 0.01 });
    expectCdfWithinDkw(name, b, uniformCdf, { what: 'uniformOpen', k: 2, detect: 0.01 });
  });

  it('negative control: doubles from a modulo-reduced word ((w mod 3·10⁹)/3·10⁹) fail the same DKW test', () => {
    const name = 'rng uniform: negative control, modulo-reduced doubles';
    const s = testStream(name);
    const n = 200000;
    const bad = new Float64Array(n);
    for (let i = 0; i < n; i++) bad[i] = ((s.next() >>> 0) % 3e9) / 3e9;
    expectCdfOutsideDkw(name, bad, uniformCdf, { what: 'modulo-reduced doubles', k: 2 });
  });
});

/** Number of 32-bit words that Lemire's multiply-and-reject (as in uniformInt) maps to r, computed exactly. */
function lemirePreimages(m: bigint, r: bigint): bigint {
  const two32 = 1n << 32n;
  const t = two32 % m;
  const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
  // w is accepted with value r iff r·2^32 + t ≤ w·m < (r + 1)·2^32.
  return ceilDiv((r + 1n) * two32, m) - ceilDiv(r * two32 + t, m);
}

describe('uniformInt: exact', () => {
  it('equals the reference map of its words: Lemire on 32-bit words for m ≤ 2^21, 53-bit rejection above (BigInt)', () => {
    const ref = (w: readonly number[], m: number): number | undefined => {
      if (m <= 2 ** 21) {
        for (const x of w) {
          const p = BigInt(x >>> 0) * BigInt(m);
          if (p % (1n << 32n) >= (1n << 32n) % BigInt(m)) return Number(p >> 32n);
        }
        return undefined;
      }
      const limit = BigInt(Math.floor(TWO53 / m) * m);
      for (let i = 0; i + 1 < w.length; i += 2) {
        const k = BigInt(k53(w[i]!, w[i + 1]!));
        if (k < limit) return Number(k % BigInt(m));
      }
      return undefined;
    };
    const mArb = fc.oneof(fc.integer({ min: 1, max: 2 ** 21 }), fc.integer({ min: 2 ** 21 + 1, max: TWO53 }), fc.constantFrom(1, 3, 2 ** 21, 2 ** 21 + 1, 3 * 2 ** 50, TWO53));
    fc.assert(
      fc.property(words4, mArb, (w, m) => {
        const expected = ref(w, m);
        fc.pre(expected !== undefined); // all four words rejected: probability < 2^-20 per case
        expect(uniformInt(streamWithOutputs(w), m)).toBe(expected);
      }),
      fcParams('uniformInt: reference map', 300),
    );
    // Rejection is exercised: for m = 3 the only rejected word is 0 (2^32 mod 3 = 1), so [0, w1, …] draws from w1.
    expect(uniformInt(streamWithOutputs([0, 0xffffffff, 1, 1]), 3)).toBe(2);
  });

  it('the word map is exactly unbiased: every value has floor(2^32/m) preimages (m = 3, 7, 1000, 2^21 − 1, 2^21)', () => {
    for (const m of [3n, 7n, 1000n, 2n ** 21n - 1n, 2n ** 21n]) {
      const per = (1n << 32n) / m;
      const rs = m <= 1000n ? Array.from({ length: Number(m) }, (_, i) => BigInt(i)) : [0n, 1n, m / 2n, m - 2n, m - 1n];
      for (const r of rs) expect(lemirePreimages(m, r)).toBe(per);
    }
  });

  it('m = 1 gives 0; m = 2^53 gives 53-bit integers; results are integers in [0, m)', () => {
    const s = testStream('uniformInt: ranges');
    for (let i = 0; i < 100; i++) expect(uniformInt(s, 1)).toBe(0);
    for (const m of [2, 3, 7, 2 ** 21, 2 ** 21 + 1, 2 ** 32, 2 ** 40 + 5, TWO53]) {
      for (let i = 0; i < 2000; i++) {
        const r = uniformInt(s, m);
        if (!(Number.isInteger(r) && r >= 0 && r < m)) expect.fail(`uniformInt(${m}) = ${r}`);
      }
    }
    expect(uniformInt(streamWithOutputs([0xffffffff, 0xffffffff, 1, 1]), TWO53)).toBe(TWO53 - 1);
  });

  it('rejects m that is not an integer in [1, 2^53], naming m', () => {
    const s = testStream('uniformInt: validation');
    for (const m of [0, -1, 1.5, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => uniformInt(s, m)).toThrow(RangeError);
      expect(() => uniformInt(s, m)).toThrow(/m must be an integer in \[1, 2\^53\]/);
    }
  });
});

/** n draws of a discrete uniform on {0, …, m − 1}, jittered by an independent uniform: exactly U[0, 1) if unbiased. */
function jittered(s: Stream, n: number, m: number, draw: (s: Stream, m: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = draw(s, m);
    out[i] = (k + uniform(s)) / m;
  }
  return out;
}

describe('uniformInt: distribution (Layer B)', () => {
  it('m = 3 and m = 7: each value\'s count in 10⁵ draws is Binomial(10⁵, 1/m) (exact tails, Bonferroni over 10 values)', () => {
    const name = 'rng uniformInt: per-value counts for m = 3, 7';
    const s = testStream(name);
    for (const m of [3, 7]) {
      const n = 100000;
      const counts = new Float64Array(m);
      for (let i = 0; i < n; i++) counts[uniformInt(s, m)]!++;
      for (let r = 0; r < m; r++) expectBinomialCount(name, counts[r]!, n, 1 / m, { what: `uniformInt(${m}) = ${r}`, k: 10 });
    }
  });

  it('negative control: the off-by-one floor(u·(m − 1)) fails the same count test', () => {
    const name = 'rng uniformInt: negative control, off-by-one';
    const s = testStream(name);
    const n = 100000, m = 7;
    const counts = new Float64Array(m);
    for (let i = 0; i < n; i++) counts[Math.floor(uniform(s) * (m - 1))]!++;
    // Rejected iff some value's count leaves the interval the test above uses (same α/10 per value).
    const [lo, hi] = binomialInterval(n, 1 / m, alphaOf(name) / 10);
    expect(Array.from(counts).some((c) => c < lo || c > hi), `counts ${Array.from(counts)} all within [${lo}, ${hi}]`).toBe(true);
  });

  it('m = 2^21 + 3 and 2^40 + 5: the jittered index (k + u)/m is U[0, 1) by DKW, 10⁵ draws each (ε = 0.0087)', () => {
    const name = 'rng uniformInt: jittered DKW for m = 2^21 + 3, 2^40 + 5';
    const s = testStream(name);
    for (const m of [2 ** 21 + 3, 2 ** 40 + 5]) {
      expectCdfWithinDkw(name, jittered(s, 100000, m, uniformInt), uniformCdf, { what: `uniformInt(${m})`, k: 2, detect: 0.02 });
    }
  });

  it('negative control: 32-bit modulo reduction (w mod m) with m = 3·2^30 fails the same DKW test', () => {
    const name = 'rng uniformInt: negative control, modulo bias';
    const s = testStream(name);
    const bad = jittered(s, 100000, 3 * 2 ** 30, (t, m) => (t.next() >>> 0) % m);
    expectCdfOutsideDkw(name, bad, uniformCdf, { what: 'w mod 3·2^30', k: 2 });
  });
});
