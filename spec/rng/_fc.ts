/**
 * fast-check settings for spec/rng: each property's fast-check seed is derived from the suite seed and the property's
 * name (like testStream), so a failure replays under the same EBM_SEED; fast-check prints {seed, path} on failure.
 */
import { SUITE_SEED, hashName } from '../_support/seed.js';

export function fcParams(name: string, numRuns = 100): { seed: number; numRuns: number; endOnFailure: true } {
  return { seed: (hashName(name) ^ SUITE_SEED) | 0, numRuns, endOnFailure: true };
}

/** A 32-bit word as an unsigned integer. */
export const u32 = (w: number): number => w >>> 0;
