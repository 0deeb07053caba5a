/**
 * DDPM schedules and the forward process q(x_t | x_0) (003 Training step 3): exact values, the 1..T indexing, ᾱ as the
 * running product, the cosine schedule's closed form, forward noising with injected noise, and the named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddpmSchedule, forwardNoise, forwardNoiseSteps, forwardNoiseWith, scheduleFromBetas } from '../../src/diffusion/schedules.js';
import { streamFromState } from '../../src/rng/index.js';
import { keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { dbl } from './_helpers.js';

describe('ddpmSchedule', () => {
  it('linear: β_1 = 1e-4, β_T = 0.02, equally spaced, index 0 is the data convention', () => {
    const s = ddpmSchedule({ kind: 'linear', T: 1000 });
    expect(s.beta.length).toBe(1001);
    expect(s.beta[0]).toBe(0);
    expect(s.alpha[0]).toBe(1);
    expect(s.alphaBar[0]).toBe(1);
    expect(s.beta[1]).toBeCloseTo(1e-4, 15);
    expect(s.beta[1000]).toBeCloseTo(0.02, 15);
    expect(s.beta[501]! - s.beta[500]!).toBeCloseTo((0.02 - 1e-4) / 999, 15);
    // ᾱ_T of the Ho et al. schedule is about 4.0e-5 (product of 1 − β_t)
    let prod = 1;
    for (let t = 1; t <= 1000; t++) prod *= 1 - (1e-4 + ((0.02 - 1e-4) * (t - 1)) / 999);
    expect(Math.abs(s.alphaBar[1000]! - prod)).toBeLessThan(1e-15);
    expect(s.alphaBar[1000]).toBeGreaterThan(3e-5);
    expect(s.alphaBar[1000]).toBeLessThan(5e-5);
  });

  it('cosine: ᾱ_t = f(t)/f(0) with f(t) = cos²(((t/T) + s)/(1 + s) · π/2) wherever β_t is below the clip', () => {
    const T = 200;
    const s = ddpmSchedule({ kind: 'cosine', T });
    const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let t = 1; t < T; t++) expect(Math.abs(s.alphaBar[t]! - f(t) / f(0))).toBeLessThan(1e-12);
    expect(s.beta[T]).toBe(0.999); // the last step is clipped (f(T) = cos²(π/2) ≈ 0)
  });

  it('α_t = 1 − β_t and ᾱ_t = ᾱ_{t−1} α_t for any valid β sequence', () => {
    fc.assert(
      fc.property(fc.array(dbl(1e-6, 0.999), { minLength: 1, maxLength: 50 }), (betas) => {
        const s = scheduleFromBetas(betas);
        for (let t = 1; t <= s.T; t++) {
          expect(s.alpha[t]).toBe(1 - betas[t - 1]!);
          expect(s.alphaBar[t]).toBe(s.alphaBar[t - 1]! * s.alpha[t]!);
        }
      }),
    );
  });

  it('names the argument and the constraint on bad input', () => {
    expect(() => ddpmSchedule({ kind: 'custom', beta: [0.1, 0.2, 1.2] })).toThrow('ddpmSchedule: beta[3] = 1.2 must be in (0, 1)');
    expect(() => ddpmSchedule({ kind: 'custom', beta: [0] })).toThrow('beta[1] = 0 must be in (0, 1)');
    expect(() => ddpmSchedule({ kind: 'custom', beta: [Number.NaN] })).toThrow('beta[1] = NaN must be in (0, 1)');
    expect(() => ddpmSchedule({ kind: 'custom', beta: [] })).toThrow('T = 0 must be an integer ≥ 1');
    expect(() => ddpmSchedule({ kind: 'linear', T: 0 })).toThrow('ddpmSchedule: T = 0 must be an integer ≥ 1');
    expect(() => ddpmSchedule({ kind: 'cosine', T: 2.5 })).toThrow('T = 2.5 must be an integer ≥ 1');
    expect(() => ddpmSchedule({ kind: 'linear', T: 10, betaEnd: 1 })).toThrow('betaEnd = 1 must be in (0, 1)');
    expect(() => ddpmSchedule({ kind: 'cosine', T: 10, s: -1 })).toThrow('s = -1 must be a finite number ≥ 0');
  });
});

describe('forwardNoise (003 Training step 3)', () => {
  it('x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε exactly, with ε injected or drawn', () => {
    const s = ddpmSchedule({ kind: 'linear', T: 50 });
    const x0 = Float64Array.from([1, -2, 3, 0.5]);
    const eps = Float64Array.from([0.3, 0.1, -1, 2]);
    const out = new Float64Array(4);
    forwardNoiseWith(s, x0, 2, 2, 17, eps, out);
    for (let i = 0; i < 4; i++) expect(out[i]).toBe(Math.sqrt(s.alphaBar[17]!) * x0[i]! + Math.sqrt(1 - s.alphaBar[17]!) * eps[i]!);
    const rng = streamFromKey(keyFromSeed(5));
    const state = rng.getState();
    const outEps = new Float64Array(4);
    forwardNoise(rng, s, x0, 2, 2, 17, out, outEps);
    const replay = streamFromState(state);
    const xt2 = new Float64Array(4);
    const eps2 = new Float64Array(4);
    forwardNoise(replay, s, x0, 2, 2, 17, xt2, eps2);
    expect(Array.from(xt2)).toEqual(Array.from(out));
    const direct = forwardNoiseWith(s, x0, 2, 2, 17, outEps, new Float64Array(4));
    expect(Array.from(direct)).toEqual(Array.from(out));
    // per-row steps
    const steps = Int32Array.from([3, 40]);
    const o3 = new Float64Array(4);
    const e3 = new Float64Array(4);
    forwardNoiseSteps(streamFromKey(keyFromSeed(6)), s, x0, 2, 2, steps, o3, e3);
    for (let j = 0; j < 2; j++) {
      expect(o3[j]).toBe(Math.sqrt(s.alphaBar[3]!) * x0[j]! + Math.sqrt(1 - s.alphaBar[3]!) * e3[j]!);
      expect(o3[2 + j]).toBe(Math.sqrt(s.alphaBar[40]!) * x0[2 + j]! + Math.sqrt(1 - s.alphaBar[40]!) * e3[2 + j]!);
    }
  });

  it('rejects timesteps out of range and short buffers', () => {
    const s = ddpmSchedule({ kind: 'linear', T: 10 });
    const b = new Float64Array(2);
    expect(() => forwardNoiseWith(s, b, 1, 2, 0, b, new Float64Array(2))).toThrow('forwardNoise: t = 0 must be an integer in 1..10');
    expect(() => forwardNoiseWith(s, b, 1, 2, 11, b, new Float64Array(2))).toThrow('t = 11 must be an integer in 1..10');
    expect(() => forwardNoiseWith(s, b, 1, 2, 1.5, b, new Float64Array(2))).toThrow('t = 1.5 must be an integer in 1..10');
    expect(() => forwardNoiseWith(s, b, 2, 2, 1, b, new Float64Array(4))).toThrow('forwardNoise: x0 must hold 4 values, got 2');
    expect(() => forwardNoiseSteps(streamFromKey(keyFromSeed(1)), s, b, 1, 2, Int32Array.from([12]), b, new Float64Array(2))).toThrow(
      'forwardNoiseSteps: t = 12 must be an integer in 1..10',
    );
  });
});
