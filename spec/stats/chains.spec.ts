/**
 * src/stats/chains. Layer A: hand-computed autocovariances, batch means and windows; the exact relation between
 * the single- and multi-chain estimators; the exact moments used below, against dense matrix products. Layer B on
 * AR(1) chains x_{t+1} = φx_t + √(1 − φ²)ξ_t started stationary, so x ~ N(0, Σ), Σ_ij = φ^|i−j|, ρ(t) = φ^t,
 * τ = (1 + φ)/(1 − φ) (19 at φ = 0.9) and Var(mean of b steps) = V_b = (1/b)[1 + 2Σ_{k=1}^{b−1}(1 − k/b)φ^k] exactly.
 *
 * τ̂ bands, derived with no asymptotics and no calibration. At a window M fixed in advance (c = 1e9, maxLag = M),
 * τ̂_M = 1 + 2Σ_{t≤M} γ̂(t)/γ̂(0) = yᵀK₁y/yᵀy with y = Cx, C = I − 11ᵀ/n, K₁ the band of ones |i − j| ≤ M. Since
 * yᵀy > 0, {τ̂_M > s} = {Z_s > 0} with Z_s = xᵀQ_s x, Q_s = C(K₁ − sI)C: a Gaussian quadratic form,
 * Z_s = E(s) + Σ a_i(g_i² − 1), g iid N(0, 1), a the eigenvalues of Σ^{1/2}Q_sΣ^{1/2}, so E(s) = tr(Q_sΣ),
 * ‖a‖₂² = F(s) = tr((Q_sΣ)²) (= Var Z_s/2), and ‖a‖_∞ ≤ ‖Σ‖‖K₁ − sI‖ ≤ (1 + φ)/(1 − φ)·(|1 − s| + 2M) (Gershgorin).
 * Tail: for λa_i ∈ [0, ½), log E e^{λa_i(g² − 1)} ≤ λ²a_i²/(1 − 2λa_i) (Laurent & Massart 2000, Lemma 1); for λa_i < 0,
 * with r = −λa_i, r − ½ln(1 + 2r) ≤ r². So Z_s − E(s) is sub-gamma on both sides with v = 2‖a‖₂², scale 2‖a‖_∞, and
 * P(±(Z_s − E(s)) ≥ 2‖a‖₂√u + 2‖a‖_∞u) ≤ e^{−u} (Boucheron, Lugosi & Massart 2013, §2.4). Hence hi with
 * −E(hi) ≥ 2√(u F(hi)) + 2u L(hi) gives P(τ̂_M > hi) ≤ e^{−u}, and lo with E(lo) ≥ the same gives P(τ̂_M < lo) ≤ e^{−u}.
 * E and F are computed exactly from the structure (ar1BandMoments: Σ_c = CΣC = Σ minus a rank-2 term, KΣ banded plus
 * separable off-band parts), O(n·M); the Layer-A test checks them against dense tr(QΣ), tr((QΣ)²).
 * The window must really be M: it closes early only if τ̂(t) ≤ t/c for some t ≤ M, bounded the same way at α/(2M)
 * per t (exact E, the cruder ‖a‖₂ ≤ ‖Σ‖‖K_t − sI‖_F) and asserted. The test's α: α/2 early closure, α/4 per side.
 * At φ = 0.9, N = 2^18, M = 60 this gives about [16.0, 21.8] around E τ̂_60 ≈ 18.96 (−0.032 truncation, the rest the
 * mean subtraction): half-width ≈ 5 sd, where the old test allowed (z_α + 0.4)·Sokal SE ≈ 3.05 after calibrating the 0.4.
 * Pooled chains (step-major, Stan's ρ̂_t = 1 − (W − γ̄_t)/var⁺): τ̂ − s = Z_s/var⁺ with
 * Z_s = (1/(mT))Σ_j y_jᵀ(K₁ − s′I)y_j + γ_b(s)·x̄ᵀC_m x̄, s′ = s + 2M/(T − 1), γ_b = (1 + 2M − s)/(m − 1), x̄ the
 * chain means (var⁺ = (1/(mT))Σ‖y_j‖² + x̄ᵀC_m x̄/(m − 1), W = (1/(m(T − 1)))Σ‖y_j‖²); with the chains independent,
 * E, F and L follow from the one-chain quantities at length T (pooledMoments).
 * The automatic window (one chain, c = 5) closes at the first t with τ̂(t) ≤ t/5. Lower tails at s = t/5 for all
 * t < tLo show it cannot close before tLo, an upper tail at s = tHi/5 that it closes by tHi (tLo = 75, tHi = 118 here,
 * computed from the model, not the data), and Bonferroni over the windows in [tLo, tHi] puts τ̂_auto = τ̂(window) in
 * the exact band of the window chosen; α/3 for each of the three parts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, normals, streamFromKey, type Stream } from '../../src/rng/index.js';
import {
  autocovariance, batchMeansStandardError, chiSquareQuantile, effectiveSampleSize, integratedAutocorrelationTime,
  multiChainAutocorrelationTime, standardError, zFor,
} from '../../src/stats/index.js';
import { alphaOf } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

/** m stationary AR(1) chains of T steps, step-major (x[t·m + j]). */
function ar1(stream: Stream, steps: number, phi: number, chains = 1, offsets?: Float64Array): Float64Array {
  const x = normals(stream, new Float64Array(steps * chains));
  const c = Math.sqrt(1 - phi * phi);
  for (let t = 1; t < steps; t++) {
    for (let j = 0; j < chains; j++) x[t * chains + j] = phi * x[(t - 1) * chains + j]! + c * x[t * chains + j]!;
  }
  if (offsets) for (let t = 0; t < steps; t++) for (let j = 0; j < chains; j++) x[t * chains + j] = x[t * chains + j]! + offsets[j]!;
  return x;
}

/** Var of the mean of b consecutive steps of a stationary unit-variance AR(1) chain. */
function ar1MeanVariance(phi: number, b: number): number {
  let s = 1;
  for (let k = 1; k < b; k++) s += 2 * (1 - k / b) * phi ** k;
  return s / b;
}

/** Σq for the stationary unit-variance AR(1) covariance Σ_ij = φ^|i−j|: forward and backward recursions, O(n). */
function ar1CovTimes(phi: number, q: Float64Array): Float64Array {
  const n = q.length, f = new Float64Array(n), out = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) f[i] = acc = q[i]! + phi * acc;
  acc = 0;
  for (let i = n - 1; i >= 0; i--) { acc = q[i]! + phi * acc; out[i] = f[i]! + acc - q[i]!; }
  return out;
}

/** (K₁ − sI)q, K₁ the n×n band of ones |i − j| ≤ M (window sums by prefix sums), O(n). */
function bandTimes(q: Float64Array, M: number, s: number): Float64Array {
  const n = q.length, pre = new Float64Array(n + 1), out = new Float64Array(n);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i]! + q[i]!;
  for (let i = 0; i < n; i++) out[i] = pre[Math.min(n, i + M + 1)]! - pre[Math.max(0, i - M)]! - s * q[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Exact moments of Z_s = yᵀ(K₁ − sI)y, y = Cx the mean-subtracted chain (C = I − 11ᵀ/n), x ~ N(0, Σ) one stationary
 * AR(1) chain of length n, K₁ the band of ones |i − j| ≤ M. Then n·γ̂(0)·(τ̂_M − s) = Z_s (see the header), and with
 * Σ_c = CΣC: E Z_s = tr(KΣ_c) = e0 − s·e1, Var Z_s = 2F(s), F(s) = tr((KΣ_c)²) = f0 + f1·s + f2·s² (K = K₁ − sI).
 * Σ_c = Σ − PGPᵀ with P = [v, 1], v = Σ1/n, G = [[0, 1], [1, −1ᵀΣ1/n²]]; tr((KΣ)²) from A = KΣ: inside the band
 * |i − j| ≤ M entry by entry (closed geometric sums), outside A_ij = φ^{i−j}(a_i − s) (j < i − M) and
 * A_ij = φ^{j−i}(b_i − s) (j > i + M), a_i = Σ_l φ^{l−i}, b_i = Σ_l φ^{i−l} over the row's band l; O(n·M) in all.
 * `full = false` skips F (O(n)). Checked against dense matrices in the exact tests.
 */
function ar1BandMoments(n: number, phi: number, M: number, full = true): {
  e0: number; e1: number; f: [number, number, number]; sigma1: Float64Array;
  /** zᵀC(K₁ − sI)Cz for a vector z */
  qform: (z: Float64Array, s: number) => number;
} {
  const off = 2 * M + 2;
  const pow = Float64Array.from({ length: 2 * off + 1 }, (_, k) => phi ** (k - off)); // φ^k at k + off
  const geo = new Float64Array(2 * off + 2); // geo[k] = Σ_{m<k} φ^m (no cancellation, unlike differences of prefixes)
  for (let k = 0; k <= 2 * off; k++) geo[k + 1] = geo[k]! + phi ** k;
  const gs = (a: number, b: number): number => pow[a + off]! * geo[b - a + 1]!; // Σ_{k=a}^{b} φ^k = φ^a Σ_{m ≤ b−a} φ^m
  const bandSum = (i: number, j: number): number => { // (K₁Σ)_ij = Σ_{l ∈ row i's band} φ^|l−j|
    const lo = Math.max(0, i - M), hi = Math.min(n - 1, i + M);
    if (hi < j) return gs(j - hi, j - lo);
    if (lo > j) return gs(lo - j, hi - j);
    return gs(0, j - lo) + (hi > j ? gs(1, hi - j) : 0);
  };
  let trB = 0;
  for (let i = 0; i < n; i++) trB += bandSum(i, i);
  const pw = Float64Array.from({ length: M + 1 }, (_, k) => phi ** k);
  // tr((K₁Σ − sΣ)²) = c0 + c1·s + c2·s²
  let c0 = 0, c1 = 0, c2 = 0;
  if (full) {
    const row = (i: number): [number, number, number] => {
      let r0 = 0, r1 = 0, r2 = 0;
      for (let j = Math.max(0, i - M), end = Math.min(n - 1, i + M); j <= end; j++) {
        const bij = bandSum(i, j), bji = bandSum(j, i), p = pw[Math.abs(i - j)]!;
        r0 += bij * bji; r1 -= p * (bij + bji); r2 += p * p;
      }
      return [r0, r1, r2];
    };
    // rows 2M ≤ i < n − 2M see no edge (i and all j of its band are ≥ M from both ends): one value, by translation
    const inner = n - 4 * M > 0 ? row(2 * M) : [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const [r0, r1, r2] = i >= 2 * M && i < n - 2 * M ? inner : row(i);
      c0 += r0!; c1 += r1!; c2 += r2!;
    }
    const a = new Float64Array(n), b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - M), hi = Math.min(n - 1, i + M);
      a[i] = gs(lo - i, hi - i); b[i] = gs(i - hi, i - lo);
    }
    // off-band: 2 Σ_i Σ_{j ≤ i−M−1} φ^{2(i−j)}(a_i − s)(b_j − s), running sums over j
    const p2 = phi * phi, edge = p2 ** (M + 1);
    let tb = 0, t1 = 0;
    for (let i = M + 1; i < n; i++) {
      tb = p2 * tb + edge * b[i - M - 1]!; t1 = p2 * t1 + edge;
      c0 += 2 * a[i]! * tb; c1 -= 2 * (a[i]! * t1 + tb); c2 += 2 * t1;
    }
  }
  const ones = new Float64Array(n).fill(1);
  const sigma1 = ar1CovTimes(phi, ones);
  const v = sigma1.map((e) => e / n);
  const w = dot(sigma1, ones) / (n * n);
  const P = [v, ones];
  const G = [[0, 1], [1, -w]];
  // low-rank terms at shift s: tr(KU) = tr(GW), tr(KΣKU) = tr(HG), tr(KUKU) = tr(GWGW); W = PᵀKP, H = PᵀKΣKP, and
  // KP = K₁P − sP makes W linear and H quadratic in s: the products below are taken once
  const K1P = P.map((p) => bandTimes(p, M, 0));
  const SP = full ? P.map((p) => ar1CovTimes(phi, p)) : [];
  const SK1P = full ? K1P.map((q) => ar1CovTimes(phi, q)) : [];
  const d2 = (a: Float64Array[], b: Float64Array[]): number[][] => [0, 1].map((r) => [0, 1].map((c) => dot(a[r]!, b[c]!)));
  const PK1P = d2(P, K1P), PP = d2(P, P);
  const [K1PSK1P, PSK1P, K1PSP, PSP] = full ? [d2(K1P, SK1P), d2(P, SK1P), d2(K1P, SP), d2(P, SP)] : [PP, PP, PP, PP];
  const lowRank = (s: number): [number, number, number] => {
    const W = [0, 1].map((r) => [0, 1].map((c) => PK1P[r]![c]! - s * PP[r]![c]!));
    const H = [0, 1].map((r) => [0, 1].map((c) => K1PSK1P[r]![c]! - s * (PSK1P[r]![c]! + K1PSP[r]![c]!) + s * s * PSP[r]![c]!));
    const GW = [0, 1].map((r) => [0, 1].map((c) => G[r]![0]! * W[0]![c]! + G[r]![1]! * W[1]![c]!));
    const trGW = GW[0]![0]! + GW[1]![1]!;
    const trHG = H[0]![0]! * G[0]![0]! + H[0]![1]! * G[1]![0]! + H[1]![0]! * G[0]![1]! + H[1]![1]! * G[1]![1]!;
    const trGWGW = GW[0]![0]! ** 2 + 2 * GW[0]![1]! * GW[1]![0]! + GW[1]![1]! ** 2;
    return [trGW, trHG, trGWGW];
  };
  const e = (s: number): number => trB - s * n - lowRank(s)[0];
  const F = (s: number): number => { const [, h, g] = lowRank(s); return c0 + c1 * s + c2 * s * s - 2 * h + g; };
  const [Fm, F0, Fp] = full ? [F(-1), F(0), F(1)] : [0, 0, 0];
  const e0 = e(0);
  const qform = (z: Float64Array, s: number): number => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += z[i]!;
    mean /= n;
    const y = z.map((x) => x - mean);
    return dot(y, bandTimes(y, M, s));
  };
  return { e0, e1: e0 - e(1), f: [F0, (Fp - Fm) / 2, (Fp + Fm) / 2 - F0], sigma1, qform };
}

/**
 * E Z_s at window t without F, in O(n): tr(K_tΣ_c) = Σ over the band |i − j| ≤ t of Σ_c = Σ − 1vᵀ − v1ᵀ + w11ᵀ,
 * i.e. Σ_{|d|≤t}(n − |d|)φ^|d| − 2Σ_j v_j·cnt_j + w·Σ_j cnt_j with cnt_j the band's length in column j; minus s·tr(Σ_c)
 * (the same sum at t = 0).
 */
const meanCache = new Map<string, Float64Array>();
function ar1BandMean(n: number, phi: number, t: number, s: number): number {
  const key = `${n} ${phi}`;
  const v = meanCache.get(key) ?? ar1CovTimes(phi, new Float64Array(n).fill(1)).map((e) => e / n);
  meanCache.set(key, v);
  let w = 0;
  for (let j = 0; j < n; j++) w += v[j]! / n;
  const trace = (t: number): number => {
    let sum = n;
    for (let d = 1; d <= t; d++) sum += 2 * (n - d) * phi ** d;
    for (let j = 0; j < n; j++) {
      const cnt = Math.min(n - 1, j + t) - Math.max(0, j - t) + 1;
      sum += cnt * (w - 2 * v[j]!);
    }
    return sum;
  };
  return trace(t) - s * trace(0);
}

/**
 * A level-α band [lo, hi] for a ratio R = N(x)/D(x) (D > 0) where N − sD = Z_s is a Gaussian quadratic form with
 * E Z_s = E(s), ‖a(s)‖₂² = F(s) (a the eigenvalues of Σ^{1/2}Q_sΣ^{1/2}) and ‖a(s)‖_∞ ≤ L(s): by the sub-gamma
 * bound (header) P(R > s) = P(Z_s > 0) ≤ α/2 once −E(s) ≥ 2√(uF(s)) + 2uL(s), u = ln(2/α), and likewise below.
 * Bisection keeps only points where the inequality was checked.
 */
function quadraticFormBand(E: (s: number) => number, F: (s: number) => number, L: (s: number) => number, alpha: number,
  start: number): [number, number] {
  const u = Math.log(2 / alpha);
  const slack = (s: number): number => 2 * Math.sqrt(u * Math.max(0, F(s))) + 2 * u * L(s);
  const side = (dir: 1 | -1): number => {
    const ok = (s: number): boolean => -dir * E(s) >= slack(s);
    let bad = start, step = 1;
    while (!ok(start + dir * step)) { bad = start + dir * step; step *= 2; if (step > 1e6) throw new Error('quadraticFormBand: no bound'); }
    let good = start + dir * step;
    for (let k = 0; k < 60; k++) { const mid = (bad + good) / 2; if (ok(mid)) good = mid; else bad = mid; }
    return good;
  };
  if (!(E(start) * 0 === 0)) throw new Error('quadraticFormBand: E must be finite');
  return [side(-1), side(1)];
}

describe('chains: exact values', () => {
  it('autocovariance of (1, 2, 3, 4): γ = (5/4, 5/16, −3/8, −9/16)·… normalized by n', () => {
    // deviations −1.5, −0.5, 0.5, 1.5: γ(0) = 5/4, γ(1) = (0.75 − 0.25 + 0.75)/4 = 5/16, γ(2) = (−0.75 − 0.75)/4 = −3/8,
    // γ(3) = −2.25/4
    const g = autocovariance(Float64Array.of(1, 2, 3, 4));
    expect(Array.from(g)).toEqual([1.25, 0.3125, -0.375, -0.5625]);
    expect(() => autocovariance(Float64Array.of(1, 2, 3), 3, 3)).toThrow(/maxLag must be an integer in \[0, n − 1\]/);
  });

  it('Sokal window on the alternating chain (ρ(t) = (−1)^t(n − t)/n): τ̂ and M by hand', () => {
    // x = (1, −1, 1, −1, …), n = 100: mean 0, ρ(1) = −0.99, so τ̂(1) = 1 − 1.98 = −0.98 < 1/c·1: the window closes at M = 1.
    const x = Float64Array.from({ length: 100 }, (_, i) => (i % 2 ? -1 : 1));
    const r = integratedAutocorrelationTime(x);
    expect(r.window).toBe(1);
    expect(r.tau).toBeCloseTo(1 - 2 * 0.99, 14);
    expect(r.converged).toBe(true);
    expect(r.ess).toBeCloseTo(100 / r.tau, 10);
  });

  it('a window that cannot close within maxLag is reported (converged = false, M = maxLag)', () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => i); // a trend: ρ ≈ 1 for small lags
    const r = integratedAutocorrelationTime(x, 200, { maxLag: 10 });
    expect(r.converged).toBe(false);
    expect(r.window).toBe(10);
  });

  it('batch means by hand: (1 … 8) in 4 batches: means 1.5, 3.5, 5.5, 7.5, SE² = 20/12', () => {
    expect(batchMeansStandardError(Float64Array.from({ length: 8 }, (_, i) => i + 1), 8, 4)).toBeCloseTo(Math.sqrt(20 / 12), 14);
    // 9 entries in 4 batches of 2: the ninth is left out
    expect(batchMeansStandardError(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 1000), 9, 4)).toBeCloseTo(Math.sqrt(20 / 12), 14);
    expect(() => batchMeansStandardError(Float64Array.of(1, 2, 3), 3, 1)).toThrow(/batches must be an integer in \[2, n = 3\]/);
  });

  it('one chain through the multi-chain estimator: ρ̂_t = γ_t/γ_0 − 1/(T − 1), so τ̂ drops by 2M/(T − 1) at a fixed window', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const x = ar1(streamFromKey(keyFromSeed(seed)), 400, 0.5);
      // c huge: neither window closes, both sum to maxLag = 20
      const single = integratedAutocorrelationTime(x, 400, { c: 1e9, maxLag: 20 });
      const multi = multiChainAutocorrelationTime(x, 400, 1, { c: 1e9, maxLag: 20 });
      expect(multi.window).toBe(20);
      expect(multi.tau).toBeCloseTo(single.tau - (2 * 20) / 399, 12);
    }), { numRuns: 20 });
  });

  it('multi-chain τ̂ does not depend on the order of the chains', () => {
    const x = ar1(streamFromKey(keyFromSeed(7)), 500, 0.7, 4);
    const perm = new Float64Array(x.length);
    const order = [2, 0, 3, 1];
    for (let t = 0; t < 500; t++) for (let j = 0; j < 4; j++) perm[t * 4 + j] = x[t * 4 + order[j]!]!;
    expect(multiChainAutocorrelationTime(perm, 500, 4).tau).toBeCloseTo(multiChainAutocorrelationTime(x, 500, 4).tau, 12);
  });

  it('validation names the argument', () => {
    expect(() => integratedAutocorrelationTime(new Float64Array(10).fill(3))).toThrow(/positive variance/);
    expect(() => integratedAutocorrelationTime(Float64Array.of(1))).toThrow(/n must be an integer ≥ 2/);
    expect(() => integratedAutocorrelationTime(Float64Array.of(1, 2, 3), 3, { c: 0 })).toThrow(/c must be finite and > 0/);
    expect(() => multiChainAutocorrelationTime(new Float64Array(10), 5, 3)).toThrow(/x must have length ≥ steps·chains = 15/);
    expect(() => effectiveSampleSize(Float64Array.of(1, 2), 3)).toThrow(/x must have length ≥ n = 3/);
  });
});

describe('chains: the exact moments behind the AR(1) bands', () => {
  /** Dense E = tr(QΣ), F = tr((QΣ)²), Q = C(K₁ − sI)C, by matrix products (O(n³)): the brute-force reference. */
  function denseMoments(n: number, phi: number, M: number, s: number): [number, number] {
    const Q = new Float64Array(n * n), S = new Float64Array(n * n), K = new Float64Array(n * n), CK = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      S[i * n + j] = phi ** Math.abs(i - j);
      K[i * n + j] = (Math.abs(i - j) <= M ? 1 : 0) - (i === j ? s : 0);
    }
    const Cij = (i: number, j: number): number => (i === j ? 1 : 0) - 1 / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let a = 0; for (let k = 0; k < n; k++) a += Cij(i, k) * K[k * n + j]!; CK[i * n + j] = a; }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let a = 0; for (let k = 0; k < n; k++) a += CK[i * n + k]! * Cij(k, j); Q[i * n + j] = a; }
    const QS = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let a = 0; for (let k = 0; k < n; k++) a += Q[i * n + k]! * S[k * n + j]!; QS[i * n + j] = a; }
    let e = 0, f = 0;
    for (let i = 0; i < n; i++) { e += QS[i * n + i]!; for (let j = 0; j < n; j++) f += QS[i * n + j]! * QS[j * n + i]!; }
    return [e, f];
  }

  it('E Z_s = tr(QΣ) and tr((QΣ)²) of the O(n·M) formulas equal the dense products', () => {
    for (const [n, phi, M] of [[9, 0.9, 3], [30, 0.5, 7], [25, -0.6, 4], [40, 0.95, 12], [12, 0.3, 11], [70, 0.8, 6]] as const) {
      const mo = ar1BandMoments(n, phi, M);
      for (const s of [-2, 0, 0.5, 3, 19]) {
        const [e, f] = denseMoments(n, phi, M, s);
        expect(Math.abs(mo.e0 - s * mo.e1 - e), `E: n = ${n}, φ = ${phi}, M = ${M}, s = ${s}: ${mo.e0 - s * mo.e1} vs ${e}`).toBeLessThan(1e-11 * (1 + Math.abs(e)));
        expect(Math.abs(ar1BandMean(n, phi, M, s) - e)).toBeLessThan(1e-11 * (1 + Math.abs(e)));
        const fs = mo.f[0] + mo.f[1] * s + mo.f[2] * s * s;
        expect(Math.abs(fs - f), `n = ${n}, φ = ${phi}, M = ${M}, s = ${s}: ${fs} vs ${f}`).toBeLessThan(1e-9 * (1 + f));
      }
    }
  });

  it('the fixed-window τ̂_M is the ratio of quadratic forms yᵀK₁y/yᵀy (y = x − x̄) that the bands are built on', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 15 }), (seed, M) => {
      const x = ar1(streamFromKey(keyFromSeed(seed)), 200, 0.7);
      const r = integratedAutocorrelationTime(x, 200, { c: 1e9, maxLag: M });
      const mo = ar1BandMoments(200, 0.7, M, false);
      expect(r.window).toBe(M);
      const yKy = mo.qform(x, 0), yy = yKy - mo.qform(x, 1);
      expect(r.tau).toBeCloseTo(yKy / yy, 10);
    }), { numRuns: 20 });
  });
});

describe('chains: AR(1) at φ = 0.9 (τ = 19), N = 2^18 draws', () => {
  const phi = 0.9;
  const tau = (1 + phi) / (1 - phi);
  const N = 2 ** 18;
  const M = 60; // the fixed window: truncation bias −2φ^{M+1}/(1 − φ) = −0.032, inside the exact band
  const c = 1e9; // with maxLag = M the window closes early only if τ̂(t) ≤ t/c for some t ≤ M
  const sigmaNorm = (1 + phi) / (1 - phi); // ‖Σ‖ ≤ max row sum (Gershgorin), the same for Σ_c = CΣC
  const m = 32, T = N / m;
  const single = 'stats chains: AR(1) τ̂ of one chain at a fixed window lies in its exact quadratic-form band';
  const singleWrong = 'stats chains negative control: the same τ̂ rejects the wrong closed form 1/(1 − φ)';
  const pooled = 'stats chains: AR(1) τ̂ of 32 pooled chains at a fixed window lies in its exact quadratic-form band';
  const pooledWrong = 'stats chains negative control: 32 chains around different means are flagged (τ̂ far above τ)';
  const batch = 'stats chains: batch-means SE² of an AR(1) chain has the χ²_{a−1} law around V_b/a';
  const batchWrong = 'stats chains negative control: the iid standard error fails the batch-means χ² test';

  /** Asserts (deterministically) that P(∃ t ≤ M: τ̂(t) ≤ t/c) ≤ α/2: lower tails at s = t/c, α/(2M) each, crude F. */
  function expectNoEarlyClosure(Et: (t: number, s: number) => number, FL: (t: number, s: number) => [number, number], alpha: number): void {
    const u = Math.log((2 * M) / alpha);
    for (let t = 1; t <= M; t++) {
      const s = t / c, [F, L] = FL(t, s);
      expect(Et(t, s) >= 2 * Math.sqrt(u * F) + 2 * u * L, `early-closure bound at t = ${t}`).toBe(true);
    }
  }

  const bands = new Map<string, [number, number]>();
  /** The band [lo, hi] with P(τ̂_M ∉ [lo, hi]) ≤ α/2 for one chain (header), after checking early closure at α/2. */
  function singleBand(alpha: number): [number, number] {
    const key = `single ${alpha}`, known = bands.get(key);
    if (known) return known;
    const mo = ar1BandMoments(N, phi, M);
    expectNoEarlyClosure((t, s) => ar1BandMean(N, phi, t, s),
      (t, s) => [sigmaNorm ** 2 * N * ((1 - s) ** 2 + 2 * t), sigmaNorm * (Math.abs(1 - s) + 2 * t)], alpha);
    const band = quadraticFormBand((s) => mo.e0 - s * mo.e1, (s) => mo.f[0] + mo.f[1] * s + mo.f[2] * s * s,
      (s) => sigmaNorm * (Math.abs(1 - s) + 2 * M), alpha / 2, mo.e0 / mo.e1);
    bands.set(key, band);
    return band;
  }

  /**
   * The pooled Z_s (header): per chain (1/(mT))·y_jᵀ(K₁ − s′I)y_j with s′ = s + 2M/(T − 1), plus
   * γ_b(s)·x̄ᵀC_m x̄, γ_b = (1 + 2M − s)/(m − 1), x̄ the chain means (iid, variance V1 = 1ᵀΣ1/T²).
   */
  function pooledMoments(Mw: number, full: boolean) {
    const mo = ar1BandMoments(T, phi, Mw, full);
    const beta = 1 / (m * T), V1 = dot(mo.sigma1, new Float64Array(T).fill(1)) / (T * T);
    const sh = (s: number): number => s + (2 * Mw) / (T - 1);
    const gb = (s: number): number => (1 + 2 * Mw - s) / (m - 1);
    const E = (s: number): number => beta * m * (mo.e0 - sh(s) * mo.e1) + gb(s) * (m - 1) * V1;
    const F = (s: number): number => {
      const p = sh(s), Fc = mo.f[0] + mo.f[1] * p + mo.f[2] * p * p;
      return beta ** 2 * m * Fc + (2 * beta * gb(s) * (m - 1) * mo.qform(mo.sigma1, p)) / (T * T) + gb(s) ** 2 * (m - 1) * V1 ** 2;
    };
    const L = (s: number): number => sigmaNorm * (beta * (Math.abs(1 - sh(s)) + 2 * Mw) + Math.abs(gb(s)) / T);
    const crudeF = (s: number): number =>
      (sigmaNorm * (beta * Math.sqrt(m * T * ((1 - sh(s)) ** 2 + 2 * Mw)) + (Math.abs(gb(s)) * Math.sqrt(m - 1)) / T)) ** 2;
    return { E, F, L, crudeF, gb, V1 };
  }
  let pooledCache: ReturnType<typeof pooledMoments> | undefined;
  function pooledBand(alpha: number): [number, number] {
    const p = (pooledCache ??= pooledMoments(M, true));
    expectNoEarlyClosure((t, s) => pooledMoments(t, false).E(s), (t, s) => {
      const q = pooledMoments(t, false);
      return [q.crudeF(s), q.L(s)];
    }, alpha);
    const e0 = p.E(0), e1 = e0 - p.E(1);
    return quadraticFormBand(p.E, p.F, p.L, alpha / 2, e0 / e1);
  }

  it(single, () => {
    const x = ar1(testStream(single), N, phi);
    const r = integratedAutocorrelationTime(x, N, { c, maxLag: M });
    const [lo, hi] = singleBand(alphaOf(single));
    expect(lo <= tau && tau <= hi, `the band [${lo}, ${hi}] misses τ = ${tau}`).toBe(true);
    expect(r.tau >= lo && r.tau <= hi, `τ̂_${M} = ${r.tau} outside the exact band [${lo}, ${hi}] (${describeSeed(single)})`).toBe(true);
    expect(r.window).toBe(M);
    expect(r.ess).toBeCloseTo(N / r.tau, 8);
  });

  it(singleWrong, () => {
    // The band, as a band for τ̂_M − τ₀, recentred on the wrong closed form τ₀ = 1/(1 − φ) = 10. It is narrower than the
    // error φ/(1 − φ) = 9 of that form, so the control passes by chance only if τ̂_M < lo: probability ≤ α/4.
    const x = ar1(testStream(single), N, phi);
    const r = integratedAutocorrelationTime(x, N, { c, maxLag: M });
    const [lo, hi] = singleBand(alphaOf(singleWrong));
    const wrong = 1 / (1 - phi);
    expect(hi - lo).toBeLessThan(tau - wrong);
    const ok = r.tau - wrong >= lo - tau && r.tau - wrong <= hi - tau;
    expect(ok, `τ̂ = ${r.tau} lies in the band [${lo - tau + wrong}, ${hi - tau + wrong}] of the wrong τ = 10 (${describeSeed(single)})`).toBe(false);
  });

  const autoName = 'stats chains: AR(1) τ̂ of one chain with the automatic window lies in the exact band of the window it chose';
  it(autoName, () => {
    // Sokal's rule (c = 5) stops at the first t with τ̂(t) ≤ t/5. α/3 each: (i) window ≥ tLo, from lower tails
    // P(τ̂(t) ≤ t/5) ≤ α/(3·200) for every t < tLo (at most 200 such t, fixed in advance); (ii) window ≤ tHi, from the
    // upper tail P(τ̂(tHi) > tHi/5) ≤ α/3; (iii) τ̂(t) in its band for every t in [tLo, tHi], α/(3(tHi − tLo + 1)) each.
    // tLo and tHi depend on the model only, so on the complement τ̂_auto = τ̂(window) lies in the band of its window.
    const alpha = alphaOf(autoName), cw = 5, maxChecks = 200;
    const moments: ReturnType<typeof ar1BandMoments>[] = [];
    const at = (t: number) => (moments[t] ??= ar1BandMoments(N, phi, t));
    const E = (t: number, s: number): number => at(t).e0 - s * at(t).e1;
    const F = (t: number, s: number): number => { const f = at(t).f; return f[0] + f[1] * s + f[2] * s * s; };
    const L = (t: number, s: number): number => sigmaNorm * (Math.abs(1 - s) + 2 * t);
    const slack = (t: number, s: number, a: number): number => {
      const u = Math.log(1 / a);
      return 2 * Math.sqrt(u * F(t, s)) + 2 * u * L(t, s);
    };
    // (i): first with exact E and the crude ‖a‖₂ ≤ ‖Σ‖‖K_t − sI‖_F (cheap), then with the exact F where that fails
    const lowerHolds = (t: number): boolean => {
      const s = t / cw, a = alpha / (3 * maxChecks), u = Math.log(1 / a), e = ar1BandMean(N, phi, t, s);
      if (e >= 2 * Math.sqrt(u * sigmaNorm ** 2 * N * ((1 - s) ** 2 + 2 * t)) + 2 * u * L(t, s)) return true;
      return E(t, s) >= slack(t, s, a);
    };
    let tLo = 1;
    while (lowerHolds(tLo)) tLo++;
    expect(tLo - 1).toBeLessThanOrEqual(maxChecks);
    // (ii): any t where the upper tail holds will do; bisection between tLo (fails: τ̂(tLo) > tLo/5 is likely) and
    // tLo + 64, keeping only a point where it was checked to hold
    const upperHolds = (t: number): boolean => -E(t, t / cw) >= slack(t, t / cw, alpha / 3);
    let bad = tLo, tHi = tLo + 64;
    expect(upperHolds(tHi)).toBe(true);
    while (tHi - bad > 1) { const mid = (bad + tHi) >> 1; if (upperHolds(mid)) tHi = mid; else bad = mid; }
    const x = ar1(testStream(autoName), N, phi);
    const r = integratedAutocorrelationTime(x);
    expect(r.converged).toBe(true);
    expect(r.window >= tLo && r.window <= tHi, `window ${r.window} outside [${tLo}, ${tHi}] (${describeSeed(autoName)})`).toBe(true);
    const k = tHi - tLo + 1, mo = at(r.window);
    const [lo, hi] = quadraticFormBand((s) => E(r.window, s), (s) => F(r.window, s), (s) => L(r.window, s), alpha / (3 * k), mo.e0 / mo.e1);
    expect(r.tau >= lo && r.tau <= hi, `τ̂ = ${r.tau} at window ${r.window} outside [${lo}, ${hi}] (${describeSeed(autoName)})`).toBe(true);
    expect(lo <= tau && tau <= hi).toBe(true);
  });

  it('the automatic window returns the fixed-window τ̂ at the window it chose', () => {
    const x = ar1(testStream(single), N, phi);
    const auto = integratedAutocorrelationTime(x);
    const fixed = integratedAutocorrelationTime(x, N, { c: 1e9, maxLag: auto.window });
    expect(auto.converged).toBe(true);
    expect(auto.window).toBeGreaterThanOrEqual(5 * auto.tau);
    expect(fixed.tau).toBe(auto.tau);
  });

  it(pooled, () => {
    const x = ar1(testStream(pooled), T, phi, m);
    const r = multiChainAutocorrelationTime(x, T, m, { c, maxLag: M });
    const [lo, hi] = pooledBand(alphaOf(pooled));
    expect(lo <= tau && tau <= hi, `the band [${lo}, ${hi}] misses τ = ${tau}`).toBe(true);
    expect(r.tau >= lo && r.tau <= hi, `τ̂_${M} = ${r.tau} outside the exact band [${lo}, ${hi}] (${describeSeed(pooled)})`).toBe(true);
    expect(r.window).toBe(M);
    expect(r.ess).toBeCloseTo(N / r.tau, 8);
  });

  it(pooledWrong, () => {
    // Chains offset by μ_j = ±0.5 have not mixed. Centring within chains removes μ, so the offset chains' Z_s is the
    // mixed chains' Z_s plus γ_b(s)(μᵀμ + 2μᵀξ̄), ξ̄ the chain means of the AR(1) noise (μᵀC_m = μᵀ: Σμ = 0). At s = hi
    // the control passes by chance only if Z_hi + γ_b(μᵀμ + 2μᵀξ̄) ≤ 0: the quadratic part's lower tail (α/2, sub-gamma)
    // plus the Gaussian μᵀξ̄ (variance μᵀμ·V1, α/2, zFor is two-sided so conservative) — checked below.
    const offsets = Float64Array.from({ length: m }, (_, j) => (j % 2 ? 0.5 : -0.5));
    const x = ar1(testStream(pooled), T, phi, m, offsets);
    const alpha = alphaOf(pooledWrong);
    const [lo, hi] = pooledBand(alpha);
    const p = pooledCache!;
    const u = Math.log(2 / alpha), mu2 = m * 0.25;
    const margin = p.E(hi) + p.gb(hi) * mu2 - 2 * Math.sqrt(u * p.F(hi)) - 2 * u * p.L(hi) - zFor(alpha / 2) * 2 * p.gb(hi) * Math.sqrt(mu2 * p.V1);
    expect(p.gb(hi)).toBeGreaterThan(0);
    expect(margin, 'the offset chains could land in the band').toBeGreaterThan(0);
    const r = multiChainAutocorrelationTime(x, T, m, { c, maxLag: M });
    expect(r.tau >= lo && r.tau <= hi, `τ̂ = ${r.tau} in [${lo}, ${hi}] for chains that disagree (${describeSeed(pooled)})`).toBe(false);
    // and the automatic window never closes: ρ̂_t stays ≈ 0.2 (var⁺ includes B/T), so τ̂(t) ≈ 15 + 0.4t > t/5
    const auto = multiChainAutocorrelationTime(x, T, m, { maxLag: 400 });
    expect(auto.converged).toBe(false);
  });

  // a = 64 batches of b = 4096 ≫ τ: batch means are normal with variance V_b and lag-1 correlation
  // φ(1 − φ^b)²/(b²(1 − φ)²V_b) ≈ 0.0012, so a(a − 1)SE²/V_b = Σ(ȳ_j − ȳ)²/V_b is χ²_{a−1} up to that correlation.
  function batchStatistic(se: number, a: number, b: number): number {
    return (a * (a - 1) * se * se) / ar1MeanVariance(phi, b);
  }

  it(batch, () => {
    const a = 64, b = N / a;
    const x = ar1(testStream(single), N, phi); // the chain of the τ̂ test
    const q = batchStatistic(batchMeansStandardError(x, N, a), a, b);
    const alpha = alphaOf(batch);
    const lo = chiSquareQuantile(alpha / 2, a - 1), hi = chiSquareQuantile(1 - alpha / 2, a - 1);
    expect(q >= lo && q <= hi, `a(a − 1)SE²/V_b = ${q} outside [${lo}, ${hi}] (${describeSeed(single)})`).toBe(true);
    // and the batch-means SE is an estimate of the SE of the whole chain's mean, √(τ/N) to first order
    expect(Math.abs(batchMeansStandardError(x, N, a) / Math.sqrt(ar1MeanVariance(phi, N)) - 1)).toBeLessThan(Math.sqrt(hi / (a - 1)) - 1 + 0.01);
  });

  it(batchWrong, () => {
    const a = 64, b = N / a;
    const x = ar1(testStream(single), N, phi);
    const q = batchStatistic(standardError(x), a, b); // ignores the autocorrelation: about (a − 1)/τ
    const alpha = alphaOf(batchWrong);
    const lo = chiSquareQuantile(alpha / 2, a - 1), hi = chiSquareQuantile(1 - alpha / 2, a - 1);
    expect(q >= lo && q <= hi, `the iid SE passed: ${q} in [${lo}, ${hi}] (${describeSeed(single)})`).toBe(false);
  });
});
