/**
 * src/linalg/vector: dot/axpy/row norms against naive sums; logsumexp and softmax under the weights-in-log-space
 * contract of DESIGN.md — shift invariance, NaN counts as −∞, all −∞ gives −∞ (softmax: throws), huge and tiny
 * values without overflow or underflow. All Layer A.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axpy, dot, logSumExp, rowSquaredNorms, softmax } from '../../src/linalg/index.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const vec = fc.array(finite(-50, 50), { minLength: 1, maxLength: 30 });

describe('BLAS-style kernels', () => {
  it('dot with offsets and length, axpy in place, row squared norms of an n×d batch', () => {
    const x = Float64Array.of(1, 2, 3, 4), y = Float64Array.of(5, 6, 7, 8);
    expect(dot(x, y)).toBe(70);
    expect(dot(x, y, 2, 1, 2)).toBe(2 * 7 + 3 * 8);
    const z = Float64Array.of(1, 1, 1, 1);
    expect(axpy(2, x, z)).toBe(z);
    expect(Array.from(z)).toEqual([3, 5, 7, 9]);
    expect(Array.from(axpy(-1, x, Float64Array.of(0, 0, 0, 0), 2))).toEqual([-1, -2, 0, 0]);
    expect(Array.from(rowSquaredNorms(Float64Array.of(3, 4, 1, 2, 0, 0), 3, 2))).toEqual([25, 5, 0]);
    fc.assert(fc.property(vec, (v) => {
      const a = Float64Array.from(v);
      expect(dot(a, a)).toBeCloseTo(v.reduce((s, t) => s + t * t, 0), 8);
      expect(rowSquaredNorms(a, 1, a.length)[0]).toBe(dot(a, a));
    }));
  });
});

describe('logSumExp and softmax', () => {
  it('logSumExp(v + c) = logSumExp(v) + c and softmax(v + c) = softmax(v); softmax sums to 1 and equals e^{v − lse}', () => {
    fc.assert(fc.property(vec, finite(-1e3, 1e3), (v, c) => {
      const a = Float64Array.from(v), b = a.map((t) => t + c);
      const la = logSumExp(a), lb = logSumExp(b);
      expect(Math.abs(lb - (la + c))).toBeLessThan(1e-12 * Math.max(1, Math.abs(lb)));
      // max ≤ lse ≤ max + log n
      const mx = Math.max(...v);
      expect(la).toBeGreaterThanOrEqual(mx);
      expect(la).toBeLessThanOrEqual(mx + Math.log(v.length) + 1e-12);
      const sa = softmax(a), sb = softmax(b);
      expect(Math.abs(sa.reduce((s, t) => s + t, 0) - 1)).toBeLessThan(1e-14 * v.length);
      for (let i = 0; i < v.length; i++) {
        expect(Math.abs(sa[i]! - sb[i]!)).toBeLessThan(1e-10 * Math.max(sa[i]!, 1e-300) + 1e-15);
        expect(sa[i]).toBeCloseTo(Math.exp(v[i]! - la), 13);
      }
    }));
  });

  it('NaN counts as −∞; all −∞ (or NaN) gives −∞ and softmax refuses; +∞ gives +∞', () => {
    expect(logSumExp(Float64Array.of(NaN, 0))).toBe(0);
    expect(logSumExp(Float64Array.of(NaN, Math.log(2), Math.log(3)))).toBeCloseTo(Math.log(5), 15);
    expect(logSumExp(Float64Array.of(NaN))).toBe(-Infinity);
    expect(logSumExp(Float64Array.of(-Infinity, -Infinity))).toBe(-Infinity);
    expect(logSumExp(Float64Array.of(-Infinity, 1))).toBe(1);
    expect(logSumExp(Float64Array.of(Infinity, 1))).toBe(Infinity);
    expect(logSumExp(new Float64Array(0))).toBe(-Infinity);
    expect(Array.from(softmax(Float64Array.of(NaN, 0, -Infinity, 0)))).toEqual([0, 0.5, 0, 0.5]);
    expect(() => softmax(Float64Array.of(-Infinity, NaN))).toThrow(/every log-weight is −∞ or NaN/);
  });

  it('huge and tiny values: no overflow at 1e308-scale exponents, no underflow to −∞ at −1e4', () => {
    expect(logSumExp(Float64Array.of(1000, 1000))).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logSumExp(Float64Array.of(1e300, 0))).toBe(1e300);
    expect(logSumExp(Float64Array.of(-1e4, -1e4, -1e4))).toBeCloseTo(-1e4 + Math.log(3), 10);
    const h = softmax(Float64Array.of(800, 800 + Math.log(3)));
    // 800 + log 3 is rounded to the ulp of 800 (1.1e-13), which moves the weights by ~4e-14
    expect(h[0]).toBeCloseTo(0.25, 12);
    expect(h[1]).toBeCloseTo(0.75, 12);
    const w = softmax(Float64Array.of(-1e4, -1e4 - Math.log(4)));
    expect(w[0]).toBeCloseTo(0.8, 11); // −1e4 − log 4 is rounded to the ulp of 1e4 (1.8e-12)
    // n restricts the range: only the first two entries
    expect(logSumExp(Float64Array.of(0, 0, 1e3), 2)).toBeCloseTo(Math.log(2), 15);
  });
});
