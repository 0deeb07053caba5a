/**
 * Key derivation of the trainers: iteration k of a run draws only from `foldIn(runKey, k)`, split by purpose, and the
 * ULA noise of moved walker t comes from block ⌊t / NOISE_BLOCK⌋'s stream, so any engine (single- or multi-threaded,
 * any block-to-thread assignment) draws the same numbers.
 */
import { foldIn, type Key } from '../rng/key.js';

/** Walkers per noise stream: moved walker t uses stream foldIn(noiseKey, ⌊t / NOISE_BLOCK⌋), in order within it. */
export const NOISE_BLOCK = 256;

/** Purposes within an iteration's key. */
export const PURPOSE = {
  noise: 0,
  batch: 1,
  resample: 2,
  restart: 3,
  init: 4,
  cdSteps: 5,
} as const;

/** The key of iteration k (k ≥ 0). */
export function iterationKey(runKey: Key, k: number): Key {
  return foldIn(runKey, k);
}

/** The key of one purpose within an iteration (or, for CD's inner ULA steps, `noiseKeyOfStep`). */
export function purposeKey(iterKey: Key, purpose: number): Key {
  return foldIn(iterKey, purpose);
}

/** The noise key of CD's p-th inner ULA step of an iteration (p ≥ 0). */
export function innerStepKey(iterKey: Key, p: number): Key {
  return foldIn(foldIn(iterKey, PURPOSE.cdSteps), p);
}

/** The stream key of noise block b under a noise key. */
export function noiseBlockKey(noiseKey: Key, block: number): Key {
  return foldIn(noiseKey, block);
}
