/**
 * Threefry-2x32-20 (src/rng/threefry.ts) against the known-answer vectors of Random123 (Salmon et al., SC 2011),
 * file examples/kat_vectors, lines "threefry2x32 20 <ctr0> <ctr1> <key0> <key1> <out0> <out1>".
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { threefry2x32 } from '../../src/rng/index.js';
import { fcParams } from './_fc.js';

// [key0, key1, ctr0, ctr1, out0, out1]; our argument order is threefry2x32(k0, k1, c0, c1, out).
const KAT: ReadonlyArray<readonly [number, number, number, number, number, number]> = [
  [0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6b200159, 0x99ba4efe],
  [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x1cb996fc, 0xbb002be7],
  [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, 0xc4923a9c, 0x483df7a0],
];

describe('threefry2x32 (20 rounds)', () => {
  it('reproduces Random123 kat_vectors', () => {
    for (const [k0, k1, c0, c1, o0, o1] of KAT) {
      const out = new Uint32Array(2);
      expect(threefry2x32(k0, k1, c0, c1, out)).toBe(out);
      expect([out[0], out[1]]).toEqual([o0, o1]);
    }
  });

  it('takes its inputs modulo 2^32: signed words and words + 2^32 give the same block', () => {
    const out = new Uint32Array(2);
    threefry2x32(-1, -1, -1, -1, out);
    expect([out[0], out[1]]).toEqual([0x1cb996fc, 0xbb002be7]);
    threefry2x32(0x13198a2e + 2 ** 32, 0x03707344, 0x243f6a88 - 2 ** 32, 0x85a308d3 | 0, out);
    expect([out[0], out[1]]).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('is a bijection of the counter for a fixed key: distinct counters never collide (1e5 counters, two keys)', () => {
    const out = new Uint32Array(2);
    for (const [k0, k1] of [[0, 0], [0x13198a2e, 0x03707344]] as const) {
      const seen = new Set<bigint>();
      for (let c = 0; c < 100000; c++) {
        threefry2x32(k0, k1, c, c & 1 ? 0x80000000 : 0, out);
        seen.add((BigInt(out[0]!) << 32n) | BigInt(out[1]!));
      }
      expect(seen.size).toBe(100000);
    }
  });

  it('changes about half of the 64 output bits when one input bit flips (avalanche, exact bit count bound)', () => {
    // A property of 20-round Threefry, not a statistical test: over generated inputs the mean Hamming distance per
    // flip is within a few bits of 32; a cipher that forgot a key injection or round would fall far short.
    const a = new Uint32Array(2), b = new Uint32Array(2);
    const popcount = (x: number): number => { x -= (x >>> 1) & 0x55555555; x = (x & 0x33333333) + ((x >>> 2) & 0x33333333); return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24); };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }), ([k0, k1, c0, c1]) => {
        let total = 0;
        threefry2x32(k0!, k1!, c0!, c1!, a);
        for (let bit = 0; bit < 128; bit++) {
          const w = bit >> 5, mask = 1 << (bit & 31);
          const input = [k0!, k1!, c0!, c1!];
          input[w] = input[w]! ^ mask;
          threefry2x32(input[0]!, input[1]!, input[2]!, input[3]!, b);
          total += popcount(a[0]! ^ b[0]!) + popcount(a[1]! ^ b[1]!);
        }
        // 128 flips × Binomial(64, ½) bits: mean 4096, sd 45; [3600, 4600] is > 10 sd wide each way.
        expect(total).toBeGreaterThan(3600);
        expect(total).toBeLessThan(4600);
      }),
      fcParams('threefry avalanche', 50),
    );
  });
});
