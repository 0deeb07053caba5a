/**
 * Uniform draws. A double is built from 53 random bits (the top 27 of one word and 26 of the next), so every value
 * k·2^-53, k = 0 … 2^53 − 1, has probability 2^-53.
 */
import type { Stream } from './stream.js';

const TWO_POW_26 = 67108864;
const TWO_POW_M53 = 1 / 9007199254740992;

/** A uniform double in [0, 1) with 53 random bits. */
export function uniform(stream: Stream): number {
  const a = stream.next() >>> 5;
  const b = stream.next() >>> 6;
  return (a * TWO_POW_26 + b) * TWO_POW_M53;
}

/**
 * A uniform double in (0, 1), so that log(u) is always finite: k·2^-53 with k uniform on {1, …, 2^53 − 1} (k = 0, of
 * probability 2^-53, is redrawn). Not (k + ½)·2^-53: for k ≥ 2^52 that is not a double, rounds to even and, for
 * k = 2^53 − 1, to 1.
 */
export function uniformOpen(stream: Stream): number {
  for (;;) {
    const a = stream.next() >>> 5;
    const b = stream.next() >>> 6;
    const k = a * TWO_POW_26 + b;
    if (k !== 0) return k * TWO_POW_M53;
  }
}

/** Fills out[offset … offset + n − 1] with uniform doubles in [0, 1); returns out. */
export function uniforms(stream: Stream, out: Float64Array, offset = 0, n = out.length - offset): Float64Array {
  if (!Number.isInteger(offset) || !Number.isInteger(n) || offset < 0 || n < 0 || offset + n > out.length) {
    throw new RangeError(`uniforms: offset ${offset} and n ${n} must lie within out (length ${out.length})`);
  }
  for (let i = offset, end = offset + n; i < end; i++) out[i] = uniform(stream);
  return out;
}

/** A uniform integer in {0, …, m − 1} for an integer m in [1, 2^53], without modulo bias. */
export function uniformInt(stream: Stream, m: number): number {
  if (!Number.isInteger(m) || m < 1 || m > 9007199254740992) {
    throw new RangeError(`m must be an integer in [1, 2^53], got ${m}`);
  }
  if (m <= 0x200000) {
    // Lemire's multiply-and-reject on 32-bit words; x·m < 2^53 is exact in a double.
    const threshold = 0x100000000 % m;
    for (;;) {
      const product = (stream.next() >>> 0) * m;
      const lo = product % 0x100000000;
      if (lo >= threshold) return (product - lo) / 0x100000000;
    }
  }
  // Rejection on 53-bit integers: accept k < floor(2^53 / m)·m.
  const limit = Math.floor(9007199254740992 / m) * m;
  for (;;) {
    const k = (stream.next() >>> 5) * TWO_POW_26 + (stream.next() >>> 6);
    if (k < limit) return k % m;
  }
}
