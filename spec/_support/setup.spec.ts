import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUITE_SEED, hashName } from './seed.js';

describe('fast-check seeding (setup.ts)', () => {
  it('each test gets a fast-check seed derived from its name and the suite seed', () => {
    const name = expect.getState().currentTestName!;
    expect(fc.readConfigureGlobal().seed).toBe((hashName(name) ^ SUITE_SEED) | 0);
    // and so the generated cases are reproducible
    const draw = () => fc.sample(fc.integer(), { numRuns: 3, seed: fc.readConfigureGlobal().seed! });
    expect(draw()).toEqual(draw());
  });
});
