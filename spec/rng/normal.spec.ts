/**
 * Standard normal draws (src/rng/normal.ts, 128-layer ziggurat). Layer A: `normals` equals repeated `normal` bit for
 * bit (its inlined xoshiro recurrence included), and the words that enter the base layer's tail give draws beyond
 * R = 3.442619855899 with the word's sign. Layer B (α = 1e-6 each, registered): DKW against Φ, the mass beyond ±R as
 * an exact binomial count, and the conditional law of the tail by DKW, each with a negative control.
 */
import { describe, expect, it } from 'vitest';
import { normal, normals, uniformOpen, type Stream } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';
import { erfc, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw, alphaOf, binomialInterval, normalCdf } from '../_support/stat.js';
import { streamWithOutputs } from './_inject.js';

const R = 3.442619855899;
/** Upper tail 1 − Φ(x) computed directly (not as 1 − Φ, which would cancel): relative error < 1.2e-7. */
const upperTail = (x: number): number => 0.5 * erfc(x / Math.SQRT2);
/** Law of X − R given X > R for X ~ N(0, 1). */
const tailCdf = (t: number): number => (t <= 0 ? 0 : 1 - upperTail(R + t) / upperTail(R));
// Words that select the base layer (low 7 bits 0) beyond its rectangle (|j| ≥ k_0 ≈ 0.93·2^31): the tail sampler.
const TAIL_POSITIVE = 0x7fffff80;
const TAIL_NEGATIVE = 0x80000000;

describe('normal: exact', () => {
  it('normals(stream, out) equals 10⁶ calls of normal(stream) bit for bit, slow paths included, and leaves the same state', () => {
    const a = testStream('normal: normals equals normal');
    const b = a.clone();
    const n = 1000000;
    const out = normals(a, new Float64Array(n));
    let slow = 0;
    for (let i = 0; i < n; i++) {
      const x = normal(b);
      if (!Object.is(x, out[i])) expect.fail(`draw ${i}: normals gave ${out[i]}, normal gave ${x}`);
      if (Math.abs(x) > 2) slow++;
    }
    expect(a.getState()).toEqual(b.getState());
    expect(slow).toBeGreaterThan(1000); // the comparison covered wedge and tail draws, not only the fast path
  });

  it('normals fills only out[offset, offset + n), and rejects offset/n outside out', () => {
    const a = testStream('normal: normals offset');
    const b = a.clone();
    const out = new Float64Array(50).fill(7);
    expect(normals(a, out, 10, 30)).toBe(out);
    for (let i = 0; i < 50; i++) expect(out[i]).toBe(i >= 10 && i < 40 ? normal(b) : 7);
    expect(normals(a, out, 50, 0)).toBe(out);
    for (const [o, n] of [[-1, 1], [0, 51], [49, 2], [2.5, 1], [0, -3], [51, undefined]] as const) {
      expect(() => normals(a, out, o, n)).toThrow(RangeError);
      expect(() => normals(a, out, o, n)).toThrow(/normals: offset .* and n .* must lie within out \(length 50\)/);
    }
  });

  it('a base-layer word beyond the rectangle goes to the tail: |x| > R with the sign of the word; word 0 gives 0', () => {
    const s = testStream('normal: tail words');
    for (let i = 0; i < 200; i++) {
      const r = [s.next(), s.next(), s.next()] as const;
      const up = normal(streamWithOutputs([TAIL_POSITIVE, ...r]));
      const down = normal(streamWithOutputs([TAIL_NEGATIVE, ...r]));
      expect(up).toBeGreaterThan(R);
      expect(down).toBeLessThan(-R);
      const out = new Float64Array(1);
      expect(normals(streamWithOutputs([TAIL_POSITIVE, ...r]), out)[0]).toBe(up);
    }
    expect(normal(streamWithOutputs([0, 1, 2, 3]))).toBe(0);
    // Fast path: a small word of layer i is j·w_i, positive and tiny.
    const tiny = normal(streamWithOutputs([128 + 5, 1, 2, 3]));
    expect(tiny).toBeGreaterThan(0);
    expect(tiny).toBeLessThan(1e-6);
  });
});

/** The tail sampler's law, isolated: one draw per fresh stream that starts with a tail word and continues at random. */
function tailDraws(s: Stream, n: number, draw: (t: Stream) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = streamWithOutputs([i & 1 ? TAIL_NEGATIVE : TAIL_POSITIVE, s.next(), s.next(), s.next()]);
    out[i] = Math.abs(draw(t)) - R;
  }
  return out;
}

describe('normal: distribution (Layer B)', () => {
  it('normal and normals by DKW against Φ, 2·10⁵ draws each (α split over both; ε = 0.0062)', () => {
    const name = 'rng normal: normal and normals by DKW';
    const s = testStream(name);
    const n = 200000;
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = normal(s);
    expectCdfWithinDkw(name, a, normalCdf, { what: 'normal', k: 2, detect: 0.01 });
    expectCdfWithinDkw(name, normals(s, new Float64Array(n)), normalCdf, { what: 'normals', k: 2, detect: 0.01 });
  });

  it('negative control: Box–Muller with √(−ln u) instead of √(−2 ln u) fails the same DKW test', () => {
    const name = 'rng normal: negative control, Box–Muller without the factor 2';
    const s = testStream(name);
    const n = 200000;
    const bad = new Float64Array(n);
    for (let i = 0; i < n; i++) bad[i] = Math.sqrt(-Math.log(uniformOpen(s))) * Math.cos(2 * Math.PI * uniformOpen(s));
    expectCdfOutsideDkw(name, bad, normalCdf, { what: 'Box–Muller without 2', k: 2 });
  });

  it('the mass beyond ±R: #{|x| > R} in 10⁶ draws is Binomial(10⁶, 2(1 − Φ(R)) = 5.761e-4) (exact tails)', () => {
    const name = 'rng normal: tail mass beyond R';
    const x = normals(testStream(name), new Float64Array(1000000));
    let count = 0;
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > R) count++;
    expectBinomialCount(name, count, x.length, 2 * upperTail(R), { what: '#{|x| > R}' });
  });

  it('negative control: a ziggurat whose tail is clipped at ±R fails the same count test', () => {
    const name = 'rng normal: negative control, tail clipped at R';
    const x = normals(testStream(name), new Float64Array(1000000));
    let count = 0;
    for (let i = 0; i < x.length; i++) if (Math.abs(Math.max(-R, Math.min(R, x[i]!))) > R) count++;
    const [lo, hi] = binomialInterval(x.length, 2 * upperTail(R), alphaOf(name));
    expect(count < lo || count > hi, `${count} within [${lo}, ${hi}]`).toBe(true);
  });

  it('the tail sampler: X − R given X > R has law 1 − (1 − Φ(R + t))/(1 − Φ(R)), by DKW on 5·10⁴ tail draws (ε = 0.012)', () => {
    const name = 'rng normal: tail law beyond R by DKW';
    expectCdfWithinDkw(name, tailDraws(testStream(name), 50000, normal), tailCdf, { what: 'tail of normal', detect: 0.03 });
  });

  it('negative control: the exponential proposal without Marsaglia\'s acceptance step fails the same tail test', () => {
    const name = 'rng normal: negative control, tail without the acceptance step';
    const bad = tailDraws(testStream(name), 50000, (t) => R - Math.log(uniformOpen(t)) / R);
    expectCdfOutsideDkw(name, bad, tailCdf, { what: 'exponential tail' });
  });
});
