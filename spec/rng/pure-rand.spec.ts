/**
 * pure-rand interop: our Stream implements pure-rand's RandomGenerator (next() a signed 32-bit word, clone, getState),
 * so pure-rand's distributions accept it. Checked with `uniformInt(rng, from, to)` (both its 32-bit and its 64-bit
 * paths) and `uniformFloat64(rng)`.
 */
import { describe, expect, it } from 'vitest';
import { uniformInt as pureUniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 as pureUniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { testStream } from '../_support/seed.js';

describe('pure-rand distributions on a Stream', () => {
  it('uniformInt(stream, from, to) gives integers in [from, to], reaching both ends of small ranges', () => {
    const s = testStream('pure-rand: uniformInt range');
    const ranges: [number, number][] = [[0, 1], [0, 9], [-5, 5], [-(2 ** 31), 2 ** 31 - 1], [0, 2 ** 32 - 1], [0, 2 ** 32], [-(2 ** 40), 3], [-(2 ** 53) + 1, 2 ** 53 - 1]];
    for (const [from, to] of ranges) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < 5000; i++) {
        const v = pureUniformInt(s, from, to);
        if (!(Number.isInteger(v) && v >= from && v <= to)) expect.fail(`uniformInt(${from}, ${to}) = ${v}`);
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
      if (to - from <= 10) expect([lo, hi]).toEqual([from, to]);
      else expect(hi - lo).toBeGreaterThan((to - from) / 2); // 5000 draws spread over the range
    }
  });

  it('is deterministic in the stream: clones give the same values, and the stream advances', () => {
    const s = testStream('pure-rand: determinism');
    const c = s.clone();
    const a = Array.from({ length: 100 }, () => pureUniformInt(s, -1000, 2 ** 40));
    const b = Array.from({ length: 100 }, () => pureUniformInt(c, -1000, 2 ** 40));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(90);
    expect(s.getState()).toEqual(c.getState());
  });

  it('uniformFloat64(stream) gives doubles in [0, 1)', () => {
    const s = testStream('pure-rand: uniformFloat64');
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const u = pureUniformFloat64(s);
      if (!(u >= 0 && u < 1)) expect.fail(`uniformFloat64 = ${u}`);
      sum += u;
    }
    // Mean of 10⁴ uniforms: sd 0.0029; ±0.05 is 17 sd, a range check rather than a statistical test.
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.05);
  });
});
