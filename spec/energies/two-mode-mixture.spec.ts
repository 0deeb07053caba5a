/**
 * twoModeMixtureEnergy, the paper's model 004 (15): the contract in d = 1, 2 (log Z and moments by quadrature) and
 * d = 5 (exact moments); exact checks of the posterior mode weights, of Z's formula and of stability far from the
 * modes; Layer-B checks of the exact sampler's mode weight q (exact binomial) and law (DKW), with negative controls.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/two-mode-mixture.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, dkwEpsilon, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw, ksStatistic, normalCdf } from '../_support/stat.js';

const f64 = (...v: number[]): Float64Array => Float64Array.from(v);

function points(name: string, n: number, d: number, scale: number): Float64Array {
  return normals(testStream(name), new Float64Array(n * d)).map((v) => scale * v);
}

/** Exact moments: mean (1−q)a + qb, covariance I + q(1−q)(b−a)(b−a)ᵀ. */
function mixtureMoments(th: Float64Array, d: number): { mean: Float64Array; cov: Float64Array } {
  const q = modeWeightB(th[2 * d]!);
  const mean = new Float64Array(d), cov = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    mean[j] = (1 - q) * th[j]! + q * th[d + j]!;
    for (let k = 0; k < d; k++) cov[j * d + k] = (j === k ? 1 : 0) + q * (1 - q) * (th[d + j]! - th[j]!) * (th[d + k]! - th[k]!);
  }
  return { mean, cov };
}

// Boxes: unit-variance modes with centres in [−3, 3]: ±16 is > 13 sd from each centre (outside mass < e^{−84}).
energyContract('twoModeMixture(d=1)', () => ({
  energy: twoModeMixtureEnergy(1),
  thetas: [twoModeTheta(f64(-2), f64(3), 0.7), twoModeTheta(f64(1), f64(-1.5), -1.2), twoModeTheta(f64(0.5), f64(0.5), 0)],
  points: points('two-mode d=1 points', 10, 1, 3),
  box: { lo: [-16], hi: [16], panels: [200] },
}));

energyContract('twoModeMixture(d=2)', () => ({
  energy: twoModeMixtureEnergy(2),
  thetas: [twoModeTheta(f64(-2, 1), f64(2.5, -1), 0.4), twoModeTheta(f64(0, 0), f64(3, 3), 2.5)],
  points: points('two-mode d=2 points', 10, 2, 3),
  box: { lo: [-16, -16], hi: [16, 16], panels: [60, 60] },
}));

energyContract('twoModeMixture(d=5)', () => ({
  energy: twoModeMixtureEnergy(5),
  thetas: [twoModeTheta(f64(-1, 0, 2, 1, -2), f64(2, 1, -1, 0, 1), 0.3)],
  points: points('two-mode d=5 points', 8, 5, 2),
  moments: (th) => mixtureMoments(th, 5),
}));

describe('twoModeMixtureEnergy: exact values', () => {
  it('U, ∇U, the mode weights and ∂θU equal the direct formulas of 004 (15) where they do not overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), (d, seed, z) => {
          const r = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(3 * d)).map((v) => 2 * v);
          const a = r.slice(0, d), b = r.slice(d, 2 * d), x = r.slice(2 * d);
          const e = twoModeMixtureEnergy(d), th = twoModeTheta(a, b, z);
          let sa = 0, sb = 0;
          for (let j = 0; j < d; j++) { sa += (x[j]! - a[j]!) ** 2; sb += (x[j]! - b[j]!) ** 2; }
          const pa = Math.exp(-0.5 * sa), pb = Math.exp(-0.5 * sb - z);
          const uDirect = -Math.log(pa + pb), wa = pa / (pa + pb), wb = pb / (pa + pb);
          const u = new Float64Array(1), g = new Float64Array(d);
          e.energyGrad(th, x, 1, u, g);
          expect(Math.abs(u[0]! - uDirect)).toBeLessThan(1e-12 * (1 + Math.abs(uDirect)));
          const pg = e.paramGrad(th, x, 1, f64(1), new Float64Array(2 * d + 1));
          expect(Math.abs(pg[2 * d]! - wb)).toBeLessThan(1e-12); // ∂zU = w_b
          for (let j = 0; j < d; j++) {
            expect(Math.abs(g[j]! - (wa * (x[j]! - a[j]!) + wb * (x[j]! - b[j]!)))).toBeLessThan(1e-11);
            expect(Math.abs(pg[j]! + wa * (x[j]! - a[j]!))).toBeLessThan(1e-11);
            expect(Math.abs(pg[d + j]! + wb * (x[j]! - b[j]!))).toBeLessThan(1e-11);
          }
          let ab2 = 0;
          for (let j = 0; j < d; j++) ab2 += (a[j]! - b[j]!) ** 2;
          expect(Math.abs(e.laplacian!(th, x, 1, new Float64Array(1))[0]! - (d - wa * wb * ab2))).toBeLessThan(1e-11 * (1 + ab2));
        }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('log Z = (d/2) log 2π + log(1 + e^{−z}) in any d, stable for |z| up to 10³; q = e^{−z}/(1 + e^{−z})', () => {
    for (const d of [1, 3, 50]) {
      const e = twoModeMixtureEnergy(d);
      const a = new Float64Array(d), b = new Float64Array(d).fill(1);
      for (const z of [-1000, -30, -1, 0, 0.5, 30, 1000]) {
        const lz = e.logPartition!(twoModeTheta(a, b, z));
        const expected = 0.5 * d * Math.log(2 * Math.PI) + (z < 0 ? -z + Math.log1p(Math.exp(z)) : Math.log1p(Math.exp(-z)));
        expect(Math.abs(lz - expected)).toBeLessThan(1e-13 * (1 + Math.abs(expected)));
      }
    }
    expect(modeWeightB(0)).toBe(0.5);
    expect(Math.abs(modeWeightB(1) - Math.exp(-1) / (1 + Math.exp(-1)))).toBeLessThan(1e-16);
    // no cancellation in the tail: q(700) = e^{−700}/(1 + e^{−700}) to rounding (a naive 1 − 1/(1+e^{−z}) gives 0)
    expect(Math.abs(modeWeightB(700) / Math.exp(-700) - 1)).toBeLessThan(1e-14);
    expect(modeWeightB(-800)).toBe(1);
  });

  it('stays finite with no NaN at |x| = 10³ and 10¹⁰⁰ in d = 50, where one mode takes all the weight', () => {
    const d = 50, e = twoModeMixtureEnergy(d);
    const a = new Float64Array(d).fill(-1), b = new Float64Array(d).fill(1);
    const th = twoModeTheta(a, b, 0.5);
    for (const s of [1e3, -1e3, 1e100]) {
      const x = new Float64Array(2 * d);
      x.fill(s, 0, d); // walker 0: s·1
      for (let j = 0; j < d; j++) x[d + j] = j % 2 ? s : -s; // walker 1: alternating signs, equidistant from a and b
      const u = new Float64Array(2), g = new Float64Array(2 * d), lap = new Float64Array(2);
      e.energyGrad(th, x, 2, u, g);
      e.laplacian!(th, x, 2, lap);
      const pg = e.paramGrad(th, x, 2, f64(1, 1), new Float64Array(2 * d + 1));
      expect([...u, ...g, ...lap, ...pg].every(Number.isFinite)).toBe(true);
      if (Math.abs(s) === 1e3) {
        // walker 0 is nearest the mode on its side: U equals that mode's exponent (the other term is e^{−2000·…})
        const near = s > 0 ? b : a;
        let e0 = 0;
        for (let j = 0; j < d; j++) e0 += 0.5 * (s - near[j]!) ** 2;
        expect(u[0]).toBe(e0 + (s > 0 ? 0.5 : 0));
        expect(g[0]).toBe(s - near[0]!);
        // walker 1: |x−a| = |x−b|, so U = E − log(1 + e^{−z}) exactly up to rounding
        let e1 = 0;
        for (let j = 0; j < d; j++) e1 += 0.5 * (x[d + j]! - a[j]!) ** 2;
        expect(Math.abs(u[1]! - (e1 - Math.log1p(Math.exp(-0.5))))).toBeLessThan(1e-15 * e1);
      }
    }
  });

  it('rejects a d that is not a positive integer and θ pieces of different lengths', () => {
    expect(() => twoModeMixtureEnergy(0)).toThrow(/d must be a positive integer/);
    expect(() => twoModeTheta(f64(1, 2), f64(1), 0)).toThrow(/same length/);
    expect(() => twoModeTheta(f64(1), f64(1), Infinity)).toThrow(/z must be finite/);
  });
});

describe('twoModeMixtureEnergy: exact sampler (Layer B)', () => {
  // d = 1, modes at ∓8: P(a draw lands on the wrong side of 0) = Φ(−8) ≈ 6e-16 per draw, so the count of positive
  // draws is Binomial(N, q) up to a total-variation error ≤ N·6e-16 (negligible next to α = 1e-6).
  const e = twoModeMixtureEnergy(1);
  const th = twoModeTheta(f64(-8), f64(8), 1);
  const q = modeWeightB(1);
  const N = 100_000;

  const countPositive = (xs: Float64Array): number => xs.reduce((c, v) => c + (v > 0 ? 1 : 0), 0);

  it('draws mode b with probability q = e^{−z}/(1+e^{−z}) (exact binomial interval, α = 1e-6)', () => {
    const name = 'two-mode sampler: mode-b count is Binomial(N, q)';
    const xs = e.sample!(testStream(name), th, N, new Float64Array(N));
    expectBinomialCount(name, countPositive(xs), N, q, { what: 'draws in mode b' });
  });

  it('negative control: a sampler with the weights swapped (q ↔ 1 − q) falls outside the same interval', () => {
    const name = 'two-mode sampler negative control: swapped mode weights rejected';
    // z → −z swaps q and 1 − q: the bug of reading 004 (15)'s e^{−z} as the weight of mode a.
    const xs = e.sample!(testStream(name), twoModeTheta(f64(-8), f64(8), -1), N, new Float64Array(N));
    const [lo, hi] = binomialInterval(N, q, alphaOf(name));
    const c = countPositive(xs);
    expect(c < lo || c > hi, `count ${c} inside [${lo}, ${hi}]`).toBe(true);
  });

  it('has the mixture CDF (1 − q)Φ(x − a) + qΦ(x − b) within the DKW band (α = 1e-6), closer modes', () => {
    const name = 'two-mode sampler: DKW against the mixture CDF';
    const th2 = twoModeTheta(f64(-1), f64(1.5), 0.3);
    const q2 = modeWeightB(0.3);
    const xs = e.sample!(testStream(name), th2, N, new Float64Array(N));
    const cdf = (x: number): number => (1 - q2) * normalCdf(x + 1) + q2 * normalCdf(x - 1.5);
    expectCdfWithinDkw(name, xs, cdf, { detect: 0.02 });
  });

  it('negative control: draws with unit-variance modes shifted by 0.1 leave the DKW band', () => {
    const name = 'two-mode sampler negative control: shifted modes rejected by DKW';
    const th2 = twoModeTheta(f64(-1), f64(1.5), 0.3);
    const q2 = modeWeightB(0.3);
    const xs = e.sample!(testStream(name), th2, N, new Float64Array(N)).map((v) => v + 0.1);
    const cdf = (x: number): number => (1 - q2) * normalCdf(x + 1) + q2 * normalCdf(x - 1.5);
    // sup|ΔF| of a 0.1 shift is ≈ 0.1·φ-weighted ≈ 0.035 > ε = dkwEpsilon(N, α) ≈ 0.0085.
    expect(ksStatistic(xs, cdf)).toBeGreaterThan(dkwEpsilon(N, alphaOf(name)));
    expectCdfOutsideDkw(name, xs, cdf);
  });
});
