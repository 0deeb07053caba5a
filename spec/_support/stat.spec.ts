import { describe, expect, it } from 'vitest';
import { ALPHA } from './alpha-registry.js';
import { binomialInterval, dkwEpsilon, dkwSampleSize, erfc, expectCdfWithinDkw, logGamma, normalCdf, normalQuantile, zFor } from './stat.js';
import { testStream } from './seed.js';
import { normals } from '../../src/rng/index.js';

describe('statistical helpers', () => {
  it('the suite spends at most 1e-4 in false failures, at most 1e-6 per test', () => {
    const values = Object.values(ALPHA);
    expect(values.every((a) => a > 0 && a <= 1e-6)).toBe(true);
    expect(values.reduce((s, a) => s + a, 0)).toBeLessThanOrEqual(1e-4);
  });

  it('normal quantiles: z for α = 1e-6 is 4.8916, Φ(Φ⁻¹(p)) = p', () => {
    expect(zFor(1e-6)).toBeCloseTo(4.891638, 5);
    for (const p of [1e-9, 1e-4, 0.01, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 5);
    expect(erfc(0)).toBeCloseTo(1, 7);
  });

  it('DKW sizes: ln(2e6)/(2·1e-4) = 72,543.3, so 72,544 draws for ε = 0.01 at 1e-6; ε(n) inverts n(ε)', () => {
    expect(dkwSampleSize(0.01, 1e-6)).toBe(72544);
    expect(dkwEpsilon(72544, 1e-6)).toBeLessThanOrEqual(0.01);
  });

  it('log Γ matches factorials; the binomial interval has exact tails', () => {
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 10);
    const [lo, hi] = binomialInterval(100, 0.5, 0.05);
    // Binomial(100, ½): P(X ≤ 39) = 0.0176, P(X ≤ 40) = 0.0284 — so the 2.5 % lower cut is 40.
    expect([lo, hi]).toEqual([40, 60]);
  });

  it('DKW accepts exact normal draws', () => {
    const draws = normals(testStream('stat: DKW accepts exact normal draws'), new Float64Array(20000));
    expectCdfWithinDkw('stat: DKW accepts exact normal draws', draws, normalCdf);
  });
});
