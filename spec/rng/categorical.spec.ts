/**
 * Categorical draws by Walker/Vose alias tables (src/rng/categorical.ts). Layer A: the probability a table assigns to
 * each category — keep[c]/K plus the (1 − keep)/K of every column aliased to c — equals w_c/Σw for generated weights,
 * exactly 0 for zero weights; degenerate tables; validation. Layer B (α = 1e-6, registered): per-category counts are
 * Binomial(n, p_c) (exact tails, Bonferroni over categories), and a table built with a wrong donation step fails them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aliasTable, categorical, categoricals, type AliasTable } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount } from '../_support/stat.js';
import { streamWithOutputs } from './_inject.js';
import { fcParams } from './_fc.js';

/** The law a table implies for one draw: column ~ U{0..K−1}, keep it with probability keep[col], else its alias. */
function impliedProbabilities(t: AliasTable): Float64Array {
  const p = new Float64Array(t.size);
  for (let col = 0; col < t.size; col++) {
    p[col]! += t.keep[col]! / t.size;
    p[t.alias[col]!]! += (1 - t.keep[col]!) / t.size;
  }
  return p;
}

const weightsArb = fc.array(
  fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e3, noNaN: true, noDefaultInfinity: true })),
  { minLength: 1, maxLength: 40 },
).filter((w) => w.some((x) => x > 0));

/** A deliberately wrong Vose construction: the large column gives away scaled[s] instead of 1 − scaled[s]. */
function wrongDonationTable(weights: readonly number[]): AliasTable {
  const k = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const scaled = weights.map((w) => (w * k) / total);
  const keep = new Float64Array(k).fill(1);
  const alias = Int32Array.from({ length: k }, (_, i) => i);
  const small = scaled.flatMap((x, i) => (x < 1 ? [i] : []));
  const large = scaled.flatMap((x, i) => (x >= 1 ? [i] : []));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!, l = large.pop()!;
    keep[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! - scaled[s]!; // the bug
    (scaled[l]! < 1 ? small : large).push(l);
  }
  return { size: k, keep, alias };
}

describe('aliasTable: exact', () => {
  it('implies p_c = w_c/Σw for every category (to 1e-12), exactly 0 for zero weights, keep ∈ [0, 1]', () => {
    fc.assert(
      fc.property(weightsArb, (w) => {
        const t = aliasTable(w);
        const total = w.reduce((a, b) => a + b, 0);
        const p = impliedProbabilities(t);
        for (let c = 0; c < w.length; c++) {
          expect(t.keep[c]! >= 0 && t.keep[c]! <= 1).toBe(true);
          if (w[c] === 0) {
            expect(p[c]).toBe(0);
            expect(t.keep[c]).toBe(0);
            expect(w[t.alias[c]!]!).toBeGreaterThan(0);
          } else {
            expect(Math.abs(p[c]! - w[c]! / total)).toBeLessThan(1e-12);
          }
        }
      }),
      fcParams('aliasTable: implied probabilities'),
    );
  });

  it('negative control: the wrong-donation table fails the same identity', () => {
    const w = [0.1, 0, 3, 1.5, 0, 0.4, 2, 1e-3, 0.7, 1e-2];
    const total = w.reduce((a, b) => a + b, 0);
    const p = impliedProbabilities(wrongDonationTable(w));
    expect(Math.max(...w.map((x, c) => Math.abs(p[c]! - x / total)))).toBeGreaterThan(0.01);
  });

  it('draws a zero-weight category never, even at the edges of a column (injected uniforms 0 and 1 − 2^-53)', () => {
    const w = [0, 2, 0, 0, 1, 0];
    const t = aliasTable(w);
    for (const words of [[0, 0, 1, 1], [0xffffffff, 0xffffffff, 1, 1], [0x2aaaaaab, 0, 1, 1], [0x80000000, 0, 1, 1]] as const) {
      expect(w[categorical(streamWithOutputs(words), t)]).toBeGreaterThan(0);
    }
    const s = testStream('categorical: zero weights');
    const only = aliasTable([0, 0, 5, 0]);
    for (let i = 0; i < 10000; i++) if (categorical(s, only) !== 2) expect.fail('drew a zero-weight category');
    const one = aliasTable([3]);
    expect(categorical(s, one)).toBe(0);
    expect(one).toEqual({ size: 1, keep: Float64Array.of(1), alias: Int32Array.of(0) });
  });

  it('categoricals fills an Int32Array with the draws of repeated categorical()', () => {
    const a = testStream('categorical: categoricals');
    const b = a.clone();
    const t = aliasTable([1, 2, 3, 4]);
    const out = categoricals(a, t, new Int32Array(1000));
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(categorical(b, t));
  });

  it('rejects empty, negative, non-finite, all-zero and overflowing weights, naming weights', () => {
    expect(() => aliasTable([])).toThrow(/weights must not be empty/);
    for (const bad of [[1, -1], [1, Number.NaN], [1, Number.POSITIVE_INFINITY]]) {
      expect(() => aliasTable(bad)).toThrow(RangeError);
      expect(() => aliasTable(bad)).toThrow(/weights\[1\] must be finite and ≥ 0/);
    }
    expect(() => aliasTable([0, 0])).toThrow(/weights must have a finite positive sum/);
    expect(() => aliasTable([1e308, 1e308])).toThrow(/weights must have a finite positive sum/);
  });
});

describe('categorical: distribution (Layer B)', () => {
  const W = [0.1, 0, 3, 1.5, 0, 0.4, 2, 1e-3, 0.7, 1e-2];
  const P = W.map((w) => w / W.reduce((a, b) => a + b, 0));
  const N = 200000;
  const count = (t: AliasTable, name: string): Float64Array => {
    const s = testStream(name);
    const c = new Float64Array(t.size);
    for (let i = 0; i < N; i++) c[categorical(s, t)]!++;
    return c;
  };

  it('counts per category in 2·10⁵ draws are Binomial(n, p_c), exact tails, Bonferroni over 10 categories; zeros never', () => {
    const name = 'rng categorical: counts per category';
    const c = count(aliasTable(W), name);
    for (let k = 0; k < W.length; k++) expectBinomialCount(name, c[k]!, N, P[k]!, { what: `category ${k} (p = ${P[k]})`, k: W.length });
  });

  it('negative control: a table built with the wrong donation step fails the same count test', () => {
    const name = 'rng categorical: negative control, wrong donation in the alias table';
    const c = count(wrongDonationTable(W), name);
    const rejected = P.some((p, k) => {
      const [lo, hi] = binomialInterval(N, p, alphaOf(name) / W.length);
      return c[k]! < lo || c[k]! > hi;
    });
    expect(rejected, `counts ${Array.from(c)} all within the intervals`).toBe(true);
  });
});
