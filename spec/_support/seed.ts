/**
 * Seeds for tests (TESTING.md): each test's stream is derived from one suite seed and a hash of the test's name, so
 * tests are independent of order and of each other. `EBM_SEED` overrides the suite seed; `EBM_VARY_SEED=1` draws a
 * fresh one per run (printed). A failing statistical assertion prints the seed (see stat.ts).
 * Never change a seed to make a test pass: a failure under some seed is a bug or a wrong derivation.
 */
import { foldIn, keyFromSeed, streamFromKey, type Key } from '../../src/rng/index.js';
import type { Stream } from '../../src/rng/stream.js';

const DEFAULT_SUITE_SEED = 20260101;

function suiteSeed(): number {
  const env = process.env['EBM_SEED'];
  if (env !== undefined && env !== '') {
    const s = Number(env);
    if (!Number.isSafeInteger(s) || s < 0) throw new Error(`EBM_SEED must be a non-negative integer, got ${env}`);
    return s;
  }
  if (process.env['EBM_VARY_SEED'] === '1') {
    // The one place outside library code that takes entropy: the harness chooses the seed, then prints it.
    const s = Math.floor(Math.random() * 2 ** 32); // eslint-disable-line
    console.log(`EBM_VARY_SEED: suite seed ${s}`);
    process.env['EBM_SEED'] = String(s);
    return s;
  }
  return DEFAULT_SUITE_SEED;
}

export const SUITE_SEED = suiteSeed();

/** FNV-1a 32-bit hash of a test's name. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The key of a named test. */
export function testKey(name: string): Key {
  return foldIn(keyFromSeed(SUITE_SEED), hashName(name));
}

/** The stream of a named test; `describeSeed(name)` says how to replay it. */
export function testStream(name: string): Stream {
  return streamFromKey(testKey(name));
}

/** A line to print with a failure: how to replay this test's randomness. */
export function describeSeed(name: string): string {
  return `test "${name}", suite seed ${SUITE_SEED} (replay with EBM_SEED=${SUITE_SEED})`;
}
