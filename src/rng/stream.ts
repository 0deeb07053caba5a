/**
 * The bulk generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021),
 * 128 bits of state, period 2^128 − 1, with a jump of 2^64 steps. It implements pure-rand's `RandomGenerator`
 * interface (next / clone / getState), so pure-rand's distributions accept it, and it adds `jump()` like pure-rand's
 * `JumpableRandomGenerator`.
 *
 * Why not one of pure-rand's own generators: they emulate 64-bit arithmetic with pairs of 32-bit words and cost
 * several times more per word, and the normal sampler draws ~5·10⁵ words per iteration of the paper's experiment
 * (bench/rng.bench.ts measures both). The hot loops (uniforms, normals) inline the recurrence on local variables.
 *
 * Streams are made from keys (`streamFromKey`), never from ad-hoc seeds, so that every stream of a run is derived
 * from the run's root key.
 */
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { threefry2x32 } from './threefry.js';
import { STREAM_DOMAIN, assertKey, type Key } from './key.js';

export class Stream implements RandomGenerator {
  /** s[0..3] of xoshiro128**, as signed 32-bit words. Never all zero. */
  readonly state: Int32Array;

  constructor(state: ArrayLike<number>) {
    if (state.length !== 4) throw new RangeError(`state must have 4 words, got ${state.length}`);
    const s = Int32Array.from(state, (w) => {
      if (!Number.isInteger(w) || w < -0x80000000 || w > 0xffffffff) {
        throw new RangeError(`state words must be 32-bit integers, got ${w}`);
      }
      return w | 0;
    });
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) throw new RangeError('state must not be all zero (xoshiro128** fixed point)');
    this.state = s;
  }

  /** The next 32-bit output as a signed integer in [−2^31, 2^31 − 1] (pure-rand's convention). */
  next(): number {
    const s = this.state;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    // result = rotl(s1 * 5, 7) * 9
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0, n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** The next 32-bit output as an unsigned integer in [0, 2^32 − 1]. */
  nextUint32(): number {
    return this.next() >>> 0;
  }

  clone(): Stream {
    return new Stream(this.state);
  }

  /** The four state words as unsigned integers: JSON-safe; `streamFromState` restores the stream. */
  getState(): readonly number[] {
    return Array.from(this.state, (w) => w >>> 0);
  }

  /** Advances the stream by 2^64 outputs in place (the reference jump polynomial). */
  jump(): this {
    jumpWith(this, JUMP);
    return this;
  }

  /** Advances the stream by 2^96 outputs in place. */
  longJump(): this {
    jumpWith(this, LONG_JUMP);
    return this;
  }
}

const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b] as const;
const LONG_JUMP = [0xb523952e, 0x0b6f099f, 0xccf5a0ef, 0x1c580662] as const;

function jumpWith(stream: Stream, poly: readonly number[]): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const s = stream.state;
  for (const word of poly) {
    for (let b = 0; b < 32; b++) {
      if ((word >>> b) & 1) {
        a0 ^= s[0]!; a1 ^= s[1]!; a2 ^= s[2]!; a3 ^= s[3]!;
      }
      stream.next();
    }
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3;
}

const seedScratch = new Uint32Array(2);

/** The stream of a key: its state is Threefry(key, counters in the stream domain), never all zero. */
export function streamFromKey(key: Key): Stream {
  assertKey('key', key);
  const words: number[] = [];
  for (let i = 0; words.length < 4 || (words[0]! | words[1]! | words[2]! | words[3]!) === 0; i++) {
    if (words.length === 4) words.length = 0; // all-zero state: draw the next block (probability 2^-128)
    threefry2x32(key[0], key[1], 2 * i, STREAM_DOMAIN, seedScratch);
    words.push(seedScratch[0]!, seedScratch[1]!);
    threefry2x32(key[0], key[1], 2 * i + 1, STREAM_DOMAIN, seedScratch);
    words.push(seedScratch[0]!, seedScratch[1]!);
  }
  return new Stream(words);
}

/** Restores a stream saved with `getState()`. */
export function streamFromState(state: readonly number[]): Stream {
  return new Stream(state);
}
