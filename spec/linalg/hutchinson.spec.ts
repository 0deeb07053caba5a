/**
 * src/linalg/hutchinson (003 "Hutchinson's trace estimator"). Layer A: the mean over all 2^d Rademacher probes is
 * tr(A) exactly and their variance is 2 Σ_{i≠j} S_ij²; Gaussian probes by a product Gauss–Hermite rule (3 nodes per
 * axis, exact for polynomials of degree ≤ 5, so for εᵀAε and its square): mean tr(A), variance 2‖S‖_F²; Rademacher
 * variance ≤ Gaussian variance. Layer B: one calibrated test per probe kind (the estimate against tr A with the exact
 * SE, and the reported sample SE against the exact one, its tolerance from the terms' exact kurtosis), and a negative
 * control (probes with cov = 1.21·I are biased by 0.21·tr A and are rejected by the same bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawProbes, hutchinsonTerms, hutchinsonTrace, hutchinsonVariance, type ProbeKind } from '../../src/linalg/hutchinson.js';
import { keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';
import { allSigns } from '../flows/_fields.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A general (non-symmetric) d×d matrix with entries in [−2, 2]. */
const squareMatrix = (dMin: number, dMax: number) =>
  fc.integer({ min: dMin, max: dMax }).chain((d) =>
    fc.tuple(fc.constant(d), fc.array(finite(-2, 2), { minLength: d * d, maxLength: d * d })),
  ).map(([d, a]) => ({ d, a: Float64Array.from(a) }));

const trace = (a: Float64Array, d: number): number => { let s = 0; for (let i = 0; i < d; i++) s += a[i * d + i]!; return s; };
/** v ↦ A v by a naive loop (written here, independent of src/linalg/dense). */
const mv = (a: Float64Array, d: number) => (v: Float64Array, out: Float64Array): Float64Array => {
  for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += a[i * d + j]! * v[j]!; out[i] = s; }
  return out;
};
const absSum = (a: Float64Array): number => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!); return s; };


/** Product 3-node Gauss–Hermite rule for N(0, I_d): nodes 0, ±√3, weights 2/3, 1/6, 1/6 per axis. */
function gaussHermite3(d: number): { nodes: Float64Array; weights: Float64Array; m: number } {
  const x = [0, Math.sqrt(3), -Math.sqrt(3)];
  const w = [2 / 3, 1 / 6, 1 / 6];
  const m = 3 ** d;
  const nodes = new Float64Array(m * d);
  const weights = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let r = k, wt = 1;
    for (let i = 0; i < d; i++) { const j = r % 3; r = (r - j) / 3; nodes[k * d + i] = x[j]!; wt *= w[j]!; }
    weights[k] = wt;
  }
  return { nodes, weights, m };
}

describe('hutchinson: exact (Layer A)', () => {
  it('the mean over all 2^d Rademacher probes is tr(A) and their variance is 2 Σ_{i≠j} S_ij² (d ≤ 10)', () => {
    fc.assert(fc.property(squareMatrix(1, 10), ({ d, a }) => {
      const m = 1 << d;
      const terms = hutchinsonTerms(allSigns(d), m, d, mv(a, d));
      let mean = 0; for (let k = 0; k < m; k++) mean += terms[k]!; mean /= m;
      let v = 0; for (let k = 0; k < m; k++) v += (terms[k]! - mean) ** 2; v /= m;
      const scale = absSum(a) + 1;
      expect(Math.abs(mean - trace(a, d))).toBeLessThanOrEqual(1e-13 * scale);
      expect(Math.abs(v - hutchinsonVariance('rademacher', a, d))).toBeLessThanOrEqual(1e-12 * scale * scale);
    }), { numRuns: 60 });
  });

  it('Gaussian probes by Gauss–Hermite quadrature: mean tr(A), variance 2‖S‖_F² (d ≤ 4)', () => {
    fc.assert(fc.property(squareMatrix(1, 4), ({ d, a }) => {
      const { nodes, weights, m } = gaussHermite3(d);
      const terms = hutchinsonTerms(nodes, m, d, mv(a, d));
      let mean = 0, second = 0;
      for (let k = 0; k < m; k++) { mean += weights[k]! * terms[k]!; second += weights[k]! * terms[k]! ** 2; }
      const scale = absSum(a) + 1;
      expect(Math.abs(mean - trace(a, d))).toBeLessThanOrEqual(1e-13 * scale);
      expect(Math.abs(second - mean * mean - hutchinsonVariance('gaussian', a, d))).toBeLessThanOrEqual(1e-12 * scale * scale);
    }), { numRuns: 60 });
  });

  it('Rademacher variance ≤ Gaussian variance; for symmetric A they are 2Σ_{i≠j}A_ij² and 2‖A‖_F²', () => {
    fc.assert(fc.property(squareMatrix(1, 6), ({ d, a }) => {
      const s = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] = 0.5 * (a[i * d + j]! + a[j * d + i]!);
      let off = 0, fro = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { const x = s[i * d + j]!; fro += x * x; if (i !== j) off += x * x; }
      const vr = hutchinsonVariance('rademacher', s, d), vg = hutchinsonVariance('gaussian', s, d);
      expect(vr).toBeLessThanOrEqual(vg);
      expect(Math.abs(vr - 2 * off)).toBeLessThanOrEqual(1e-12 * (fro + 1));
      expect(Math.abs(vg - 2 * fro)).toBeLessThanOrEqual(1e-12 * (fro + 1));
      // The gap is exactly the diagonal's 2 Σ S_ii²: Rademacher probes have ε_i² = 1, Gaussian ones Var(ε_i²) = 2.
      let diag = 0; for (let i = 0; i < d; i++) diag += s[i * d + i]! ** 2;
      expect(Math.abs(vg - vr - 2 * diag)).toBeLessThanOrEqual(1e-12 * (fro + 1));
    }), { numRuns: 100 });
  });

  it('negative control: the unsymmetrized 2 Σ_{i≠j} A_ij² is not the Rademacher variance of a non-symmetric A', () => {
    const d = 2, a = Float64Array.from([0, 1, 0, 0]); // εᵀAε = ε₁ε₂: variance 1, while 2 Σ_{i≠j} A_ij² = 2
    const terms = hutchinsonTerms(allSigns(d), 4, d, mv(a, d));
    let v = 0; for (let k = 0; k < 4; k++) v += terms[k]! ** 2; v /= 4;
    expect(v).toBe(1);
    expect(hutchinsonVariance('rademacher', a, d)).toBe(1);
    expect(Math.abs(v - 2)).toBeGreaterThan(0.5);
  });

  it('drawProbes: Rademacher entries are ±1 with the documented bit layout; draws are replayable', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 20 }), (seed, m, d) => {
      const p = drawProbes(streamFromKey(keyFromSeed(seed)), 'rademacher', m, d);
      const s = streamFromKey(keyFromSeed(seed));
      let w = 0;
      for (let k = 0; k < m * d; k++) {
        if (k % 32 === 0) w = s.next();
        expect(p[k]).toBe((w >>> (k % 32)) & 1 ? 1 : -1);
      }
      const g1 = drawProbes(streamFromKey(keyFromSeed(seed)), 'gaussian', m, d);
      const g2 = drawProbes(streamFromKey(keyFromSeed(seed)), 'gaussian', m, d, new Float64Array(m * d + 3));
      for (let k = 0; k < m * d; k++) expect(g2[k]).toBe(g1[k]);
    }), { numRuns: 50 });
  });

  it('hutchinsonTrace with one probe reports an infinite standard error; the estimate is that probe\'s term', () => {
    const d = 3, a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r = hutchinsonTrace(streamFromKey(keyFromSeed(5)), d, mv(a, d), { probes: 1 });
    const v = drawProbes(streamFromKey(keyFromSeed(5)), 'rademacher', 1, d);
    const av = mv(a, d)(v, new Float64Array(d));
    expect(r.estimate).toBe(v[0]! * av[0]! + v[1]! * av[1]! + v[2]! * av[2]!);
    expect(r.standardError).toBe(Infinity);
  });

  it('bad input: named errors', () => {
    const s = streamFromKey(keyFromSeed(1));
    const id = (v: Float64Array, out: Float64Array) => { out.set(v); return out; };
    expect(() => drawProbes(s, 'uniform' as ProbeKind, 2, 2)).toThrow(/drawProbes: kind must be 'rademacher' or 'gaussian'/);
    expect(() => drawProbes(s, 'gaussian', 0, 2)).toThrow(/drawProbes: m must be a positive integer, got 0/);
    expect(() => drawProbes(s, 'gaussian', 2, 1.5)).toThrow(/drawProbes: d must be a positive integer/);
    expect(() => drawProbes(s, 'gaussian', 2, 3, new Float64Array(5))).toThrow(/drawProbes: out must hold m·d = 6 values, got 5/);
    expect(() => hutchinsonTrace(s, 2, id, { probes: 0 })).toThrow(/hutchinsonTrace: options.probes must be a positive integer/);
    expect(() => hutchinsonTrace(s, 0, id, { probes: 3 })).toThrow(/hutchinsonTrace: d must be a positive integer/);
    expect(() => hutchinsonTrace(s, 2, (_v, out) => out.fill(NaN), { probes: 3 })).toThrow(/hutchinsonTerms: probe 0 gives a non-finite vᵀAv/);
    expect(() => hutchinsonVariance('gaussian', Float64Array.from([1, Infinity, 0, 1]), 2)).toThrow(/hutchinsonVariance: a has non-finite entries/);
  });
});

describe('hutchinson: calibrated (Layer B)', () => {
  // A fixed non-symmetric 4×4 matrix: tr A = 2, Var_R = 2 Σ_{i≠j} S_ij² = 5.18, Var_G = 2‖S‖_F² = 20.42 (closed forms,
  // checked exactly above).
  const d = 4;
  const a = Float64Array.from([1.5, -0.7, 0.2, 0.9, 0.3, -1.1, 0.8, -0.4, -0.6, 0.5, 2.0, 0.1, 0.7, -0.2, 0.4, -0.4]);
  const tr = trace(a, d);
  const m = 20000;

  const unbiased = 'hutchinson: the estimate over random probes is within z·SE of tr(A) (Rademacher and Gaussian)';
  it(unbiased, () => {
    // α = 1e-7 over four assertions (Bonferroni k = 4): per kind, the mean of 20000 iid terms (normal to ~1e-3 by
    // Berry–Esseen) against tr A with the exact SE √(Var/m) from the closed form, and the reported (sample) SE against
    // that exact SE: s/σ − 1 has sd √((κ − 1)/(4m)) to first order (delta method on s²), κ the terms' kurtosis,
    // computed exactly: Rademacher by enumerating the 16 sign vectors, Gaussian as 3 + 12 tr(S⁴)/tr(S²)² (the
    // cumulants of Σ λ_i χ²₁).
    const rng = testStream(unbiased);
    const s = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] = 0.5 * (a[i * d + j]! + a[j * d + i]!);
    const s2 = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { let t = 0; for (let k = 0; k < d; k++) t += s[i * d + k]! * s[k * d + j]!; s2[i * d + j] = t; }
    let trS2 = 0, trS4 = 0;
    for (let i = 0; i < d; i++) { trS2 += s2[i * d + i]!; for (let k = 0; k < d; k++) trS4 += s2[i * d + k]! * s2[k * d + i]!; }
    const signTerms = hutchinsonTerms(allSigns(d), 1 << d, d, mv(a, d));
    let m2 = 0, m4 = 0;
    for (const t of signTerms) { m2 += (t - tr) ** 2 / (1 << d); m4 += (t - tr) ** 4 / (1 << d); }
    const kurtosis = { rademacher: m4 / (m2 * m2), gaussian: 3 + (12 * trS4) / (trS2 * trS2) };
    for (const kind of ['rademacher', 'gaussian'] as const) {
      const r = hutchinsonTrace(rng, d, mv(a, d), { probes: m, kind });
      const se = Math.sqrt(hutchinsonVariance(kind, a, d) / m);
      expectWithinSE(unbiased, r.estimate, tr, se, { what: `${kind} estimate`, k: 4 });
      expectWithinSE(unbiased, r.standardError / se, 1, Math.sqrt((kurtosis[kind] - 1) / (4 * m)), { what: `${kind} sample SE / exact SE`, k: 4 });
    }
  });

  const control = 'hutchinson negative control: probes with cov = 1.21·I (bias 0.21·tr A) are rejected';
  it(control, () => {
    // Multiplying each term by 1.21 (what probes scaled by 1.1 do): mean 1.21·tr A = 2.42. Var_G = 20.42, so the
    // threshold z·SE is 5.33·0.0320 = 0.170 and the wrong estimator's own SE is 0.0387: it passes by chance only if it
    // falls (0.42 − 0.170)/0.0387 ≈ 6.5 of its SEs short of its mean (P ≈ 5e-11 < 1e-7).
    const rng = testStream(control);
    const scaled = (v: Float64Array, out: Float64Array) => { mv(a, d)(v, out); for (let i = 0; i < d; i++) out[i] = 1.21 * out[i]!; return out; };
    const r = hutchinsonTrace(rng, d, scaled, { probes: m, kind: 'gaussian' });
    const se = Math.sqrt(hutchinsonVariance('gaussian', a, d) / m);
    const z = zFor(alphaOf(control));
    expect(Math.abs(r.estimate - tr)).toBeGreaterThan(z * se);
  });
});
