/**
 * 000 §2.1 (11): the Monte Carlo estimator Î = (1/n) Σ f(x_i) and the error rates 000 lists next to it. Layer A:
 * rule exactness (trapezoid: degree 1, Simpson: degree 3, Gauss–Legendre: degree 2m − 1, cross-checked against
 * Golub–Welsch), unbiasedness and the variance D f/n of Î by enumerating all 2^n outcomes of a discrete toy, and the
 * deterministic rates n^{−2/d} (trapezoid) and n^{−4/d} (Simpson) measured by least squares on log-log.
 * Layer B: the variance of independent estimates is D f/n (χ² bound), and the RMS error falls as n^{−1/2} (slope
 * bound derived from χ² quantiles), each with a negative control that reuses draws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/linalg/index.js';
import { normal, normals, type Stream } from '../../src/rng/index.js';
import {
  chiSquareQuantile, gaussLegendre, integrate, integrateBox, monteCarloMean, simpson, simpsonBox, simpsonRule,
  standardError, trapezoid, trapezoidBox, trapezoidRule,
} from '../../src/stats/index.js';
import { alphaOf } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const poly = (c: number[]) => (x: number): number => c.reduceRight((s, ck) => s * x + ck, 0);
/** ∫_a^b Σ c_k x^k dx */
const polyIntegral = (c: number[], a: number, b: number): number => c.reduce((s, ck, k) => s + (ck * (b ** (k + 1) - a ** (k + 1))) / (k + 1), 0);

/** Least-squares slope of y on x. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length, my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i]! - mx) * (y[i]! - my); sxx += (x[i]! - mx) ** 2; }
  return sxy / sxx;
}

describe('quadrature rules: exactness', () => {
  it('trapezoid integrates linear functions exactly, Simpson cubics, Gauss–Legendre (m points) degree 2m − 1', () => {
    fc.assert(fc.property(fc.array(finite(-5, 5), { minLength: 8, maxLength: 8 }), finite(-2, 0), finite(0.1, 2), fc.integer({ min: 1, max: 4 }), (c, a, len, half) => {
      const b = a + len;
      const scale = c.reduce((s, v) => s + Math.abs(v), 1) * Math.max(1, Math.abs(a), Math.abs(b)) ** 8;
      expect(Math.abs(trapezoid(poly(c.slice(0, 2)), a, b, 2 + half) - polyIntegral(c.slice(0, 2), a, b))).toBeLessThan(1e-13 * scale);
      expect(Math.abs(simpson(poly(c.slice(0, 4)), a, b, 2 * half + 1) - polyIntegral(c.slice(0, 4), a, b))).toBeLessThan(1e-13 * scale);
      expect(Math.abs(integrate(poly(c), gaussLegendre(4, a, b)) - polyIntegral(c, a, b))).toBeLessThan(1e-13 * scale);
    }));
    // and not one degree more: x² by the trapezoid rule, x⁴ by Simpson, x⁸ by 4-point Gauss–Legendre
    expect(Math.abs(trapezoid((x) => x * x, 0, 1, 3) - 1 / 3)).toBeGreaterThan(1e-3);
    expect(Math.abs(simpson((x) => x ** 4, 0, 1, 3) - 1 / 5)).toBeGreaterThan(1e-3);
    expect(Math.abs(integrate((x) => x ** 8, gaussLegendre(4)) - 2 / 9)).toBeGreaterThan(1e-4);
  });

  it('Gauss–Legendre: the known 2- and 3-point rules; nodes and weights equal Golub–Welsch (eigen of the Jacobi matrix)', () => {
    const g2 = gaussLegendre(2);
    expect(g2.nodes[1]).toBeCloseTo(1 / Math.sqrt(3), 15);
    expect(g2.weights[0]).toBeCloseTo(1, 15);
    expect(g2.weights[1]).toBeCloseTo(1, 15);
    const g3 = gaussLegendre(3);
    expect(g3.nodes[1]).toBe(0);
    expect(g3.nodes[2]).toBeCloseTo(Math.sqrt(3 / 5), 15);
    expect(g3.weights[1]).toBeCloseTo(8 / 9, 15);
    expect(g3.weights[0]).toBeCloseTo(5 / 9, 15);
    expect(gaussLegendre(1).nodes[0]).toBe(0);
    expect(gaussLegendre(1).weights[0]).toBe(2);
    for (const m of [5, 12, 40]) {
      // Jacobi matrix of the Legendre recurrence: off-diagonal k/√(4k² − 1); nodes = eigenvalues, weights = 2 v₀².
      const J = new Float64Array(m * m);
      for (let k = 1; k < m; k++) J[k * m + k - 1] = J[(k - 1) * m + k] = k / Math.sqrt(4 * k * k - 1);
      const { values, vectors } = symmetricEigen(J, m);
      const g = gaussLegendre(m);
      let wsum = 0;
      for (let k = 0; k < m; k++) {
        expect(Math.abs(g.nodes[k]! - values[k]!)).toBeLessThan(1e-14);
        expect(Math.abs(g.weights[k]! - 2 * vectors[k]! ** 2)).toBeLessThan(1e-14);
        wsum += g.weights[k]!;
      }
      expect(wsum).toBeCloseTo(2, 14);
    }
  });

  it('box rules: separable integrands give the product of 1-D rules; 2-D Simpson is exact for bicubics', () => {
    const f = (x: Float64Array): number => Math.exp(x[0]!) * Math.cos(x[1]!) * (1 + x[2]!);
    const lower = [0, -1, 0], upper = [1, 0.5, 2];
    const prod = trapezoid(Math.exp, 0, 1, 7) * trapezoid(Math.cos, -1, 0.5, 7) * trapezoid((z) => 1 + z, 0, 2, 7);
    expect(trapezoidBox(f, lower, upper, 7)).toBeCloseTo(prod, 13);
    const g = (x: Float64Array): number => x[0]! ** 3 * x[1]! ** 2 - 2 * x[0]! * x[1]! ** 3 + 1;
    // ∫₀¹∫₀² : (1/4)(8/3) − 2(1/2)(4) + 2 = 2/3 − 4 + 2
    expect(simpsonBox(g, [0, 0], [1, 2], 3)).toBeCloseTo(2 / 3 - 2, 13);
    expect(integrateBox(g, [gaussLegendre(2, 0, 1), gaussLegendre(2, 0, 2)])).toBeCloseTo(2 / 3 - 2, 13);
  });

  it('validation names the argument and the constraint', () => {
    expect(() => trapezoidRule(0, 1, 1)).toThrow(/m \(nodes\) must be an integer ≥ 2/);
    expect(() => simpsonRule(0, 1, 4)).toThrow(/odd integer ≥ 3/);
    expect(() => trapezoidRule(1, 0, 3)).toThrow(/a < b/);
    expect(() => gaussLegendre(0)).toThrow(/positive integer/);
    expect(() => trapezoidBox(() => 0, [0], [1, 2], 3)).toThrow(/lower and upper must have the same positive length/);
    expect(() => integrateBox(() => 0, [])).toThrow(/at least one axis/);
    expect(() => monteCarloMean(testStream('v'), () => 0, () => undefined, 0)).toThrow(/n must be a positive integer/);
  });
});

describe('000 (11) error rates of the quadrature rules', () => {
  // Smooth integrands with closed forms: ∫₀¹ eˣ = e − 1; ∫∫_{[0,1]²} e^{xy} = Σ_k 1/(k!(k + 1)²).
  const exact2d = (() => { let s = 0, f = 1; for (let k = 0; k < 30; k++) { if (k > 0) f *= k; s += 1 / (f * (k + 1) ** 2); } return s; })();
  const f2 = (x: Float64Array): number => Math.exp(x[0]! * x[1]!);
  // Total nodes N = m^d for m = 9, 17, …, 129 (odd, so Simpson applies). The error is a power of the spacing
  // h = 1/(m − 1), not of m, so d log(error)/d log N = rate·m/(m − 1): up to 12.5 % steeper at m = 9, ≈ 4 % over the
  // fit (measured: −2.079 and −4.20 for d = 1, −1.040 and −2.10 for d = 2). The tolerance is 10 % of the rate, which
  // still separates −2/d from −4/d (a factor 2).
  const ms = [9, 17, 33, 65, 129];
  const within = (measured: number, rate: number): boolean => Math.abs(measured / rate - 1) <= 0.1;

  it('d = 1: trapezoid error ~ N^{−2}, Simpson ~ N^{−4}', () => {
    const logN = ms.map((m) => Math.log(m));
    const tr = ms.map((m) => Math.log(Math.abs(trapezoid(Math.exp, 0, 1, m) - (Math.E - 1))));
    const si = ms.slice(0, 4).map((m) => Math.log(Math.abs(simpson(Math.exp, 0, 1, m) - (Math.E - 1)))); // m = 129 reaches rounding
    const sTr = slope(logN, tr), sSi = slope(logN.slice(0, 4), si);
    expect(within(sTr, -2), `trapezoid slope ${sTr}`).toBe(true);
    expect(within(sSi, -4), `Simpson slope ${sSi}`).toBe(true);
    expect(within(sTr, -4) || within(sSi, -2)).toBe(false); // the tolerance tells the two rates apart
  });

  it('d = 2 (non-separable e^{xy}): trapezoid error ~ N^{−1}, Simpson ~ N^{−2}', () => {
    const logN = ms.map((m) => 2 * Math.log(m));
    const tr = ms.map((m) => Math.log(Math.abs(trapezoidBox(f2, [0, 0], [1, 1], m) - exact2d)));
    const si = ms.slice(0, 4).map((m) => Math.log(Math.abs(simpsonBox(f2, [0, 0], [1, 1], m) - exact2d)));
    const sTr = slope(logN, tr), sSi = slope(logN.slice(0, 4), si);
    expect(within(sTr, -1), `trapezoid slope ${sTr}`).toBe(true);
    expect(within(sSi, -2), `Simpson slope ${sSi}`).toBe(true);
    expect(within(sTr, -2) || within(sSi, -1)).toBe(false);
    // the 10-point Gauss–Legendre tensor rule already gives the reference to 1e-15
    expect(Math.abs(integrateBox(f2, [gaussLegendre(10, 0, 1), gaussLegendre(10, 0, 1)]) - exact2d)).toBeLessThan(1e-14);
  });
});

describe('000 (11): the Monte Carlo estimator', () => {
  it('unbiased with variance D f/n, exactly: the average over all 2^n outcomes of a two-point law (n = 1 … 12)', () => {
    // X ∈ {0, 1} with P(X = 1) = p drawn from an injected bit sequence; f(0) = 2, f(1) = −1.
    fc.assert(fc.property(finite(0.01, 0.99), fc.integer({ min: 1, max: 12 }), (p, n) => {
      const fv = [2, -1];
      const I = (1 - p) * fv[0]! + p * fv[1]!;
      const Df = (1 - p) * (fv[0]! - I) ** 2 + p * (fv[1]! - I) ** 2;
      let e1 = 0, e2 = 0;
      for (let outcome = 0; outcome < 2 ** n; outcome++) {
        let ones = 0, i = 0;
        const sampler = (_s: Stream, out: Float64Array): void => { const bit = (outcome >> i++) & 1; ones += bit; out[0] = bit; };
        const { estimate } = monteCarloMean(testStream('unused'), (x) => fv[x[0]!]!, sampler, n);
        const prob = p ** ones * (1 - p) ** (n - ones);
        e1 += prob * estimate;
        e2 += prob * (estimate - I) ** 2;
      }
      expect(Math.abs(e1 - I)).toBeLessThan(1e-12);
      expect(Math.abs(e2 - Df / n)).toBeLessThan(1e-12);
    }), { numRuns: 60 });
  });

  it('the reported standard error is √(s²/n) of the f(x_i) (Welford agrees with the two-pass formula)', () => {
    const values: number[] = [];
    const s = testStream('stats MC: standard error bookkeeping');
    const r = monteCarloMean(s, (x) => { const v = x[0]! ** 2 + x[1]!; values.push(v); return v; }, (st, out) => { normals(st, out); }, 500, 2);
    expect(r.estimate).toBeCloseTo(values.reduce((a, b) => a + b) / 500, 12);
    expect(r.standardError).toBeCloseTo(standardError(Float64Array.from(values)), 12);
    expect(Number.isNaN(monteCarloMean(s, () => 1, () => undefined, 1).standardError)).toBe(true);
  });

  // f(x) = x with X ~ N(1, 2²): Î is exactly N(1, 4/n), so R·MSE/(4/n) ~ χ²_R and (R − 1)s²/(4/n) ~ χ²_{R−1}.
  const mu = 1, sigma = 2;
  const gaussian = (s: Stream, out: Float64Array): void => { out[0] = mu + sigma * normal(s); };
  /** A broken sampler: every draw is returned `repeat` times, so only n/repeat of the n draws are independent. */
  const reusing = (repeat: number) => {
    let left = 0, last = 0;
    return (s: Stream, out: Float64Array): void => {
      if (left === 0) { last = mu + sigma * normal(s); left = repeat; }
      left--;
      out[0] = last;
    };
  };
  const id = (x: Float64Array): number => x[0]!;

  const variance = 'stats MC: the variance of 2000 independent estimates is D f/n (χ² bound)';
  const varianceWrong = 'stats MC negative control: reusing each draw twice doubles the variance and is rejected';
  function varianceStatistic(name: string, sampler: (s: Stream, out: Float64Array) => void): [number, number, number] {
    const s = testStream(name);
    const R = 2000, n = 50;
    const est = new Float64Array(R);
    for (let r = 0; r < R; r++) est[r] = monteCarloMean(s, id, sampler, n).estimate;
    const m = est.reduce((a, b) => a + b) / R;
    const ss = est.reduce((a, b) => a + (b - m) ** 2, 0);
    const alpha = alphaOf(name);
    return [ss / ((sigma * sigma) / n), chiSquareQuantile(alpha / 2, R - 1), chiSquareQuantile(1 - alpha / 2, R - 1)];
  }

  it(variance, () => {
    const [q, lo, hi] = varianceStatistic(variance, gaussian);
    expect(q >= lo && q <= hi, `(R − 1)s²/(D f/n) = ${q} outside [${lo}, ${hi}] (${describeSeed(variance)})`).toBe(true);
  });

  it(varianceWrong, () => {
    const [q, lo, hi] = varianceStatistic(varianceWrong, reusing(2));
    expect(q >= lo && q <= hi, `the reused draws passed: ${q} in [${lo}, ${hi}] (${describeSeed(varianceWrong)})`).toBe(false);
  });

  // RMS error over R = 400 repetitions at n_k = 100·4^k, k = 0 … 4. With MSE_k = Σ_r(Î_r − I)²/R,
  // R·MSE_k/(σ²/n_k) = χ²_R exactly, so log RMS_k = const − ½ log n_k + ½ e_k with e_k = log(χ²_R/R) independent. The
  // OLS slope is −½ + ½ Σ c_k e_k (c_k = (ℓ_k − ℓ̄)/Σ(ℓ − ℓ̄)², Σc_k = 0). If every e_k lies in [e_lo, e_hi] — each
  // χ² outside its two-sided α/5 interval has probability α/5 — then |slope + ½| ≤ ½ (e_hi − e_lo) Σ_{c_k>0} c_k.
  const rate = 'stats MC: the RMS error over repetitions falls as n^{−1/2} (slope bound from χ²_R)';
  const rateWrong = 'stats MC negative control: √n-fold reused draws give slope −1/4 and are rejected';
  function rmsSlope(name: string, broken: boolean): [number, number] {
    const s = testStream(name);
    const R = 400, K = 5;
    const ns = Array.from({ length: K }, (_, k) => 100 * 4 ** k);
    const logRms = ns.map((n) => {
      let sse = 0;
      for (let r = 0; r < R; r++) sse += (monteCarloMean(s, id, broken ? reusing(Math.sqrt(n)) : gaussian, n).estimate - mu) ** 2;
      return 0.5 * Math.log(sse / R);
    });
    const l = ns.map(Math.log);
    const lbar = l.reduce((a, b) => a + b) / K;
    const sxx = l.reduce((a, b) => a + (b - lbar) ** 2, 0);
    const cPos = l.reduce((a, b) => a + Math.max(0, (b - lbar) / sxx), 0);
    const alpha = alphaOf(name) / K;
    const eLo = Math.log(chiSquareQuantile(alpha / 2, R) / R), eHi = Math.log(chiSquareQuantile(1 - alpha / 2, R) / R);
    return [slope(l, logRms), 0.5 * (eHi - eLo) * cPos];
  }

  it(rate, () => {
    const [sl, bound] = rmsSlope(rate, false);
    expect(Math.abs(sl + 0.5) <= bound, `slope ${sl}, bound ±${bound} (${describeSeed(rate)})`).toBe(true);
  });

  it(rateWrong, () => {
    const [sl, bound] = rmsSlope(rateWrong, true);
    expect(Math.abs(sl + 0.5) <= bound, `the broken estimator passed: slope ${sl}, bound ±${bound} (${describeSeed(rateWrong)})`).toBe(false);
    expect(Math.abs(sl + 0.25) <= bound).toBe(true); // it has the slope the reuse predicts (same χ² event)
  });
});
