/**
 * Layer A: log-weights, ESS (004 (13)) and the resampling trigger (§3.2, §4.1, App. B.1). All exact: closed forms and
 * fast-check properties over generated log-weights.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTrigger, cv2FromEssFraction, ess, essCount, essFractionFromCv2, logMeanExp, normalizedWeights, shouldResample,
  type ResamplingTrigger,
} from '../../src/smc/index.js';

const logWeight = fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true });
const logWeights = fc.array(logWeight, { minLength: 1, maxLength: 40 }).map((a) => Float64Array.from(a));

/** ESS of (13) computed literally with exp (safe for |A| ≤ 50), the oracle for the stable version. */
function essLiteral(a: Float64Array): number {
  let s1 = 0, s2 = 0;
  for (const x of a) { s1 += Math.exp(x); s2 += Math.exp(2 * x); }
  const n = a.length;
  return (s1 / n) ** 2 / (s2 / n);
}

describe('normalized weights and log mean exp', () => {
  it('normalizedWeights sums to 1 and matches e^{A}/Σe^{A}', () => {
    fc.assert(fc.property(logWeights, (a) => {
      const p = normalizedWeights(a, new Float64Array(a.length));
      let s = 0, z = 0;
      for (const x of a) z += Math.exp(x);
      for (let i = 0; i < a.length; i++) {
        s += p[i]!;
        expect(Math.abs(p[i]! - Math.exp(a[i]!) / z)).toBeLessThanOrEqual(1e-12 * Math.max(p[i]!, 1e-300) + 1e-300);
      }
      expect(Math.abs(s - 1)).toBeLessThan(1e-13);
    }));
  });

  it('logMeanExp equals log((1/n)Σe^{A}) and shifts with a constant, also far outside exp range', () => {
    fc.assert(fc.property(logWeights, fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }), (a, c) => {
      let z = 0;
      for (const x of a) z += Math.exp(x);
      const lme = logMeanExp(a);
      expect(Math.abs(lme - Math.log(z / a.length))).toBeLessThan(1e-12 * Math.max(1, Math.abs(lme)));
      const shifted = a.map((x) => x + c);
      expect(Math.abs(logMeanExp(shifted) - (lme + c))).toBeLessThan(1e-12 * Math.max(1, Math.abs(lme + c)));
    }));
  });

  it('NaN counts as −∞; −∞ entries give weight 0; all −∞ is an error for normalization, −∞ for logMeanExp', () => {
    const a = Float64Array.from([0, NaN, -Infinity, Math.log(3)]);
    const p = normalizedWeights(a, new Float64Array(4));
    [0.25, 0, 0, 0.75].forEach((q, i) => expect(Math.abs(p[i]! - q)).toBeLessThan(1e-15));
    expect(p[1]).toBe(0);
    expect(p[2]).toBe(0);
    expect(logMeanExp(a)).toBeCloseTo(Math.log(4 / 4), 14);
    const dead = Float64Array.from([-Infinity, NaN]);
    expect(() => normalizedWeights(dead, new Float64Array(2))).toThrow(/logW must have at least one finite entry/);
    expect(logMeanExp(dead)).toBe(-Infinity);
    expect(() => normalizedWeights(Float64Array.from([0, Infinity]), new Float64Array(2))).toThrow(/must not contain \+∞/);
    expect(() => normalizedWeights(new Float64Array(0), new Float64Array(0))).toThrow(/n ≥ 1/);
    expect(() => normalizedWeights(new Float64Array(3), new Float64Array(2))).toThrow(/out must hold n = 3/);
  });
});

describe('ESS, 004 (13)', () => {
  it('matches the literal formula (13) and lies in [1/N, 1]', () => {
    fc.assert(fc.property(logWeights, (a) => {
      const f = ess(a);
      expect(Math.abs(f - essLiteral(a))).toBeLessThan(1e-12);
      expect(f).toBeGreaterThanOrEqual(1 / a.length - 1e-15);
      expect(f).toBeLessThanOrEqual(1);
      expect(Math.abs(essCount(a) - f * a.length)).toBeLessThan(1e-12 * a.length);
    }));
  });

  it('is exactly 1 for equal weights and < 1 as soon as two weights differ (ESS = 1 iff all equal)', () => {
    fc.assert(fc.property(logWeight, fc.integer({ min: 1, max: 50 }), (c, n) => {
      expect(ess(new Float64Array(n).fill(c))).toBe(1);
    }));
    // Unequal: a gap δ ≥ 1e-3 between two entries lowers ESS by at least ~δ²/(4N), far above rounding.
    fc.assert(fc.property(logWeights, fc.double({ min: 1e-3, max: 10, noNaN: true, noDefaultInfinity: true }), (a, gap) => {
      const b = Float64Array.from([...a, a[0]! + gap]);
      expect(ess(b)).toBeLessThan(1);
    }));
  });

  it('is 1/N for one-hot weights, also with −∞ and NaN for the rest', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 199 }), logWeight, (n, k, c) => {
      const a = new Float64Array(n).fill(-Infinity);
      if (n > 1) a[(k + 1) % n] = NaN;
      a[k % n] = c;
      expect(Math.abs(ess(a) - 1 / n)).toBeLessThan(1e-15);
      expect(Math.abs(essCount(a) - 1)).toBeLessThan(1e-13);
    }));
  });

  it('is invariant to adding a constant to every log-weight, even where e^{A} would overflow', () => {
    fc.assert(fc.property(logWeights, fc.double({ min: -1e5, max: 1e5, noNaN: true, noDefaultInfinity: true }), (a, c) => {
      const shifted = a.map((x) => x + c);
      expect(Math.abs(ess(shifted) - ess(a))).toBeLessThan(1e-9);
    }));
    // e^{1000} overflows; the weights are ∝ (1, 1, ½): ESS = 2.5² / (3 · 2.25). 1000 − log 2 rounds at ~1e-13.
    expect(Math.abs(ess(Float64Array.from([1000, 1000, 1000 - Math.log(2)])) - (2.5 * 2.5) / (3 * 2.25))).toBeLessThan(1e-12);
  });

  it('rejects all −∞/NaN log-weights and empty input with a clear error', () => {
    expect(() => ess(Float64Array.from([-Infinity, NaN, -Infinity]))).toThrow(/logW must have at least one finite entry/);
    expect(() => ess(new Float64Array(0))).toThrow(/n ≥ 1/);
    expect(() => ess(Float64Array.from([Infinity, 0]))).toThrow(/\+∞/);
  });
});

describe('resampling trigger (§3.2 (13), §4.1 1/c = 1.05, App. B.1 ESS_thresh = N/(c+1))', () => {
  const fraction = fc.double({ min: 1e-6, max: 1, noNaN: true, noDefaultInfinity: true });

  it('the three conventions agree under the documented conversions (away from the boundary)', () => {
    fc.assert(fc.property(fraction, fc.double({ min: 0, max: 20, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 1e6 }), (f, c, n) => {
      const fc2 = essFractionFromCv2(c);
      fc.pre(Math.abs(f - fc2) > 1e-12);
      const byCv2 = shouldResample({ kind: 'cv2', value: c }, f, n);
      const byFraction = shouldResample({ kind: 'essFraction', value: fc2 }, f, n);
      // B.1: ESS_thresh = N/(c + 1) as an ESS count
      const byCount = shouldResample({ kind: 'essCount', value: n / (c + 1) }, f, n);
      expect(byCv2).toBe(f < fc2);
      expect(byFraction).toBe(byCv2);
      expect(byCount).toBe(byCv2);
      expect(Math.abs(cv2FromEssFraction(fc2) - c)).toBeLessThan(1e-9 * (1 + c));
    }));
  });

  it('matches the paper\'s numbers: §4.1 1/c = 1.05 is CV² > 0.05; B.1 c = 1 resamples below ESS = N/2', () => {
    const paper41: ResamplingTrigger = { kind: 'essFraction', value: 1 / 1.05 };
    expect(shouldResample(paper41, 0.95, 100)).toBe(true);
    expect(shouldResample(paper41, 0.96, 100)).toBe(false);
    expect(essFractionFromCv2(0.05)).toBeCloseTo(1 / 1.05, 15);
    const b1: ResamplingTrigger = { kind: 'cv2', value: 1.0 };
    expect(shouldResample(b1, 0.49, 1e4)).toBe(true);
    expect(shouldResample(b1, 0.51, 1e4)).toBe(false);
    // CV² computed from weights the way the paper's code does: mean(e^{2A}) / mean(e^{A})² − 1 = 1/ESS − 1.
    const a = Float64Array.from([0, 0.3, -1.2, 2]);
    const w = Array.from(a, Math.exp);
    const cv2 = (w.reduce((s, x) => s + x * x, 0) / 4) / (w.reduce((s, x) => s + x, 0) / 4) ** 2 - 1;
    expect(Math.abs(cv2FromEssFraction(ess(a)) - cv2)).toBeLessThan(1e-12);
  });

  it('never triggers on equal weights (strict comparisons) and never for kind never', () => {
    for (const t of [{ kind: 'essFraction', value: 1 }, { kind: 'cv2', value: 0 }, { kind: 'essCount', value: 10 }, { kind: 'never' }] as const) {
      expect(shouldResample(t, 1, 10)).toBe(false);
    }
    expect(shouldResample({ kind: 'never' }, 1e-9, 10)).toBe(false);
    expect(shouldResample({ kind: 'essFraction', value: 1 }, 1 - 1e-12, 10)).toBe(true);
  });

  it('rejects thresholds outside their range, naming the constraint', () => {
    expect(() => checkTrigger({ kind: 'essFraction', value: 0 })).toThrow(/essFraction value must be in \(0, 1\]/);
    expect(() => checkTrigger({ kind: 'essFraction', value: 1.05 })).toThrow(/\(0, 1\]/);
    expect(() => checkTrigger({ kind: 'cv2', value: -0.1 })).toThrow(/cv2 value must be a finite number ≥ 0/);
    expect(() => checkTrigger({ kind: 'cv2', value: NaN })).toThrow(/cv2 value/);
    expect(() => checkTrigger({ kind: 'essCount', value: 11 }, 10)).toThrow(/essCount value must be ≤ N = 10/);
    expect(() => checkTrigger({ kind: 'essCount', value: -1 })).toThrow(/essCount value must be a finite number > 0/);
    expect(() => checkTrigger({ kind: 'ess' } as unknown as ResamplingTrigger)).toThrow(TypeError);
    expect(() => shouldResample({ kind: 'cv2', value: 0.1 }, 0, 10)).toThrow(/essFraction must be in \(0, 1\]/);
    expect(() => shouldResample({ kind: 'cv2', value: 0.1 }, 0.5, 0)).toThrow(/n must be a positive integer/);
    expect(() => essFractionFromCv2(-1)).toThrow(/CV²/);
    expect(() => cv2FromEssFraction(1.5)).toThrow(/ESS fraction/);
    expect(() => checkTrigger({ kind: 'cv2', value: 0.4 })).not.toThrow();
  });
});
