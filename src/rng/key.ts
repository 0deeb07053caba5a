/**
 * Splittable keys, after JAX's design (JEP 263): a key is two unsigned 32-bit words; independent keys are derived by
 * encrypting a counter under the parent key with Threefry-2x32. `foldIn(key, k)` gives the key of iteration k (so any
 * iteration can be replayed without replaying the others), `split(key, n)` gives n children.
 *
 * The derivation uses three disjoint counter domains (high word bit pattern), so foldIn, split and stream seeding can
 * never produce the same counter for one parent key. The keys are not bit-compatible with JAX's.
 */
import { threefry2x32 } from './threefry.js';

/** A key: two unsigned 32-bit words. Plain numbers so that it serializes to JSON as it is. */
export type Key = readonly [number, number];

const scratch = new Uint32Array(2);

// Counter domains, in the high word: foldIn data < 2^53 uses hi < 2^21; split uses 0x8000_0000 | i_hi; streams 0xC000_0000.
const SPLIT_DOMAIN = 0x80000000;
export const STREAM_DOMAIN = 0xc0000000;

function checkWord(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in [0, ${max}], got ${value}`);
  }
}

/** The root key of a seed: any integer in [0, 2^53 − 1]. */
export function keyFromSeed(seed: number): Key {
  checkWord('seed', seed, Number.MAX_SAFE_INTEGER);
  const hi = Math.floor(seed / 0x100000000);
  const lo = seed >>> 0;
  // One encryption so that nearby seeds give unrelated keys.
  threefry2x32(0x45424d2d, 0x74732121, lo, hi, scratch);
  return [scratch[0]!, scratch[1]!];
}

/** Checks that a value is a key; throws a RangeError naming `name` otherwise. */
export function assertKey(name: string, key: unknown): asserts key is Key {
  if (
    !Array.isArray(key) || key.length !== 2 ||
    !key.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    throw new TypeError(`${name} must be a key: a pair of unsigned 32-bit integers, got ${JSON.stringify(key)}`);
  }
}

/** The key derived from `key` and the integer `data` in [0, 2^53 − 1] (e.g. an iteration or a walker-block index). */
export function foldIn(key: Key, data: number): Key {
  assertKey('key', key);
  checkWord('data', data, Number.MAX_SAFE_INTEGER);
  threefry2x32(key[0], key[1], data >>> 0, Math.floor(data / 0x100000000), scratch);
  return [scratch[0]!, scratch[1]!];
}

/** n independent child keys of `key` (n ≥ 1). */
export function split(key: Key, n: number): Key[] {
  assertKey('key', key);
  checkWord('n', n, 0x7fffffff);
  if (n < 1) throw new RangeError(`n must be at least 1, got ${n}`);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) {
    threefry2x32(key[0], key[1], i, SPLIT_DOMAIN, scratch);
    keys.push([scratch[0]!, scratch[1]!]);
  }
  return keys;
}
