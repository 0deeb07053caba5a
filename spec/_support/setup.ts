/**
 * Runs before every spec file: fast-check draws its cases from a seed derived from the suite seed and the current
 * test's name (like testStream), so the generated cases are the same on every run of a given EBM_SEED and a failure
 * replays; fast-check prints {seed, path} with the counterexample. Properties that pass their own `seed` keep it.
 */
import fc from 'fast-check';
import { beforeEach, expect } from 'vitest';
import { SUITE_SEED, hashName } from './seed.js';

beforeEach(() => {
  const name = expect.getState().currentTestName ?? '';
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: (hashName(name) ^ SUITE_SEED) | 0, endOnFailure: true });
});
