import { describe, expect, it } from 'vitest';
import { quickstart } from '../../experiments/quickstart/quickstart.js';
import { expectWithinSE } from '../_support/stat.js';

describe("the README's API example", () => {
  const name = "quickstart: MALA's side fraction from exact draws matches P(x₁ > 0)";
  it(name, () => {
    const r = quickstart();
    // MALA leaves ρ_θ invariant and starts from exact draws: the 4000 walkers' side indicators are iid Bernoulli(P).
    const p = r.expectedFractionRight;
    expectWithinSE(name, r.fractionRight, p, Math.sqrt((p * (1 - p)) / 4000), { what: 'fraction with x₁ > 0' });
    expect(r.acceptRate).toBeGreaterThan(0.05); // the sampler moves
    // The training half is a smoke check of the example (the trainer's calibrated tests are in spec/training).
    expect(r.learnedP).toBeGreaterThan(0);
    expect(r.learnedP).toBeLessThan(1);
    expect(Number.isFinite(r.logZEstimate!)).toBe(true);
  });
});
