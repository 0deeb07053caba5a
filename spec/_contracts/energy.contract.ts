/**
 * The contract every Energy passes (STYLE.md 6; DESIGN.md "One sign convention"): argument validation, derivatives
 * against central differences, U from `energy` equal to U from `energyGrad`, batching that changes nothing, log Z
 * against quadrature (d ≤ 2), and exact samplers against the mean and covariance of ρ_θ (Layer B).
 *
 * `energyContract(name, make)` registers a `describe` block. Statistical tests in it are named
 * `${name}: sample mean and covariance` and `${name}: negative control, covariance ×1.21 rejected`; register both in
 * spec/_support/alpha-registry.ts when the energy has `sample`.
 */
import { describe, expect, it } from 'vitest';
import { checkEnergyDerivatives } from '../../src/energies/check.js';
import type { Energy } from '../../src/energies/energy.js';
import { uniform } from '../../src/rng/uniform.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';
import { gridMoments, type Box } from '../energies/quadrature.js';

export interface EnergyCase {
  readonly energy: Energy;
  /** parameter values to test at (the sampler tests use the first) */
  readonly thetas: readonly Float64Array[];
  /** test points, n×d row-major (n ≥ 2) */
  readonly points: Float64Array;
  /** integration box for d ≤ 2: log Z and moments by quadrature; the case says why the mass outside is negligible */
  readonly box?: Box;
  /** exact mean and covariance of ρ_θ, for the sampler test when d > 2 (or to replace quadrature) */
  readonly moments?: (theta: Float64Array) => { mean: Float64Array; cov: Float64Array };
  /** largest allowed scaled FD error (default 1e-6) */
  readonly fdTolerance?: number;
  /** number of exact draws for the sampler test (default 20 000) */
  readonly draws?: number;
}

function bitEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Standardized deviations of the sample mean and of the centred second moments (x_j − μ_j)(x_k − μ_k) from the exact
 * mean and covariance, each divided by its estimated standard error (iid draws: the SE of a mean of N iid terms).
 */
function momentZScores(samples: Float64Array, n: number, d: number, mean: Float64Array, cov: Float64Array): Float64Array {
  const z: number[] = [];
  for (let j = 0; j < d; j++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = samples[i * d + j]! - mean[j]!;
      s += v;
      s2 += v * v;
    }
    const m = s / n, se = Math.sqrt((s2 / n - m * m) / n);
    z.push(m / se);
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) {
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        const v = (samples[i * d + j]! - mean[j]!) * (samples[i * d + k]! - mean[k]!);
        s += v;
        s2 += v * v;
      }
      const m = s / n, se = Math.sqrt((s2 / n - m * m) / n);
      z.push((m - cov[j * d + k]!) / se);
    }
  }
  return Float64Array.from(z);
}

export function energyContract(name: string, make: () => EnergyCase): void {
  describe(`energy contract: ${name}`, () => {
    const c = make();
    const e = c.energy;
    const d = e.dim, p = e.paramDim;
    const n = c.points.length / d;
    const theta0 = c.thetas[0]!;

    it('has consistent shapes (dim, paramDim, points)', () => {
      expect(Number.isInteger(d) && d >= 1).toBe(true);
      expect(Number.isInteger(p) && p >= 1).toBe(true);
      expect(Number.isInteger(n) && n >= 2).toBe(true);
      for (const th of c.thetas) expect(th.length).toBe(p);
    });

    it('rejects a θ of the wrong length or with a non-finite entry, naming θ', () => {
      const out = new Float64Array(n);
      const bad = [new Float64Array(p + 1), new Float64Array(p - 1), Float64Array.from(theta0).fill(NaN, 0, 1),
        Float64Array.from(theta0).fill(Infinity, p - 1)];
      for (const th of bad) {
        expect(() => e.energy(th, c.points, n, out)).toThrow(/theta/);
        expect(() => e.energyGrad(th, c.points, n, out, new Float64Array(n * d))).toThrow(/theta/);
        expect(() => e.paramGrad(th, c.points, n, new Float64Array(n), new Float64Array(p))).toThrow(/theta/);
        if (e.logPartition) expect(() => e.logPartition!(th)).toThrow(/theta/);
        if (e.laplacian) expect(() => e.laplacian!(th, c.points, n, out)).toThrow(/theta/);
        if (e.sample) expect(() => e.sample!(testStream('unused'), th, 1, new Float64Array(d))).toThrow(/theta/);
      }
    });

    it('rejects n < 1 or non-integer n, a short x and short output buffers, naming the argument', () => {
      const out = new Float64Array(n), grad = new Float64Array(n * d);
      for (const bad of [0, -1, 1.5, NaN]) {
        expect(() => e.energy(theta0, c.points, bad, out)).toThrow(RangeError);
        expect(() => e.energy(theta0, c.points, bad, out)).toThrow(/\bn\b/);
        expect(() => e.energyGrad(theta0, c.points, bad, out, grad)).toThrow(/\bn\b/);
        expect(() => e.paramGrad(theta0, c.points, bad, out, new Float64Array(p))).toThrow(/\bn\b/);
        if (e.laplacian) expect(() => e.laplacian!(theta0, c.points, bad, out)).toThrow(/\bn\b/);
        if (e.sample) expect(() => e.sample!(testStream('unused'), theta0, bad, grad)).toThrow(/\bn\b/);
      }
      const short = c.points.subarray(0, n * d - 1);
      expect(() => e.energy(theta0, short, n, out)).toThrow(/\bx\b/);
      expect(() => e.energyGrad(theta0, short, n, out, grad)).toThrow(/\bx\b/);
      expect(() => e.paramGrad(theta0, short, n, out, new Float64Array(p))).toThrow(/\bx\b/);
      expect(() => e.energy(theta0, c.points, n, new Float64Array(n - 1))).toThrow(/\bout\b/);
      expect(() => e.energyGrad(theta0, c.points, n, new Float64Array(n - 1), grad)).toThrow(/\bu\b/);
      expect(() => e.energyGrad(theta0, c.points, n, out, new Float64Array(n * d - 1))).toThrow(/\bgrad\b/);
      expect(() => e.paramGrad(theta0, c.points, n, new Float64Array(n - 1), new Float64Array(p))).toThrow(/\bweights\b/);
      expect(() => e.paramGrad(theta0, c.points, n, out, new Float64Array(p - 1))).toThrow(/\bout\b/);
      if (e.laplacian) expect(() => e.laplacian!(theta0, c.points, n, new Float64Array(n - 1))).toThrow(/\bout\b/);
      if (e.sample) expect(() => e.sample!(testStream('unused'), theta0, 2, new Float64Array(2 * d - 1))).toThrow(/\bout\b/);
    });

    it('∇ₓU, Σᵢ wᵢ ∂θU and ΔU agree with central differences at every θ (random weights)', () => {
      const tol = c.fdTolerance ?? 1e-6;
      const stream = testStream(`${name}: FD weights`);
      c.thetas.forEach((th) => {
        // Weights in [−1, 1) so a per-walker slip (wrong walker, wrong sign) cannot cancel.
        const w = new Float64Array(n).map(() => 2 * uniform(stream) - 1);
        const r = checkEnergyDerivatives(e, th, c.points, n, { weights: w });
        expect(r.grad.maxRelError, `∇ₓU at θ = ${th}`).toBeLessThan(tol);
        expect(r.paramGrad.maxRelError, `∂θU at θ = ${th}`).toBeLessThan(tol);
        if (e.laplacian) expect(r.laplacian!.maxRelError, `ΔU at θ = ${th}`).toBeLessThan(tol);
        else expect(r.laplacian).toBeUndefined();
      });
    });

    it('U from energy equals U from energyGrad bit for bit, and everything is finite', () => {
      for (const th of c.thetas) {
        const u1 = e.energy(th, c.points, n, new Float64Array(n));
        const u2 = new Float64Array(n), g = new Float64Array(n * d);
        e.energyGrad(th, c.points, n, u2, g);
        expect(bitEqual(u1, u2)).toBe(true);
        expect(u1.every(Number.isFinite) && g.every(Number.isFinite)).toBe(true);
      }
    });

    it('does not depend on batching: one walker per call equals the whole batch', () => {
      for (const th of c.thetas) {
        const u = new Float64Array(n), g = new Float64Array(n * d), lap = new Float64Array(n);
        e.energyGrad(th, c.points, n, u, g);
        if (e.laplacian) e.laplacian(th, c.points, n, lap);
        const w = new Float64Array(n).map((_, i) => 1 + i / n);
        const pg = e.paramGrad(th, c.points, n, w, new Float64Array(p));
        const u1 = new Float64Array(n), g1 = new Float64Array(n * d), lap1 = new Float64Array(n), pg1 = new Float64Array(p);
        for (let i = 0; i < n; i++) {
          const xi = c.points.slice(i * d, (i + 1) * d);
          const ui = new Float64Array(1), gi = new Float64Array(d);
          e.energyGrad(th, xi, 1, ui, gi);
          u1[i] = ui[0]!;
          g1.set(gi, i * d);
          if (e.laplacian) lap1[i] = e.laplacian(th, xi, 1, new Float64Array(1))[0]!;
          const pgi = e.paramGrad(th, xi, 1, w.subarray(i, i + 1), new Float64Array(p));
          for (let k = 0; k < p; k++) pg1[k] = pg1[k]! + pgi[k]!;
        }
        expect(bitEqual(u, u1) && bitEqual(g, g1) && bitEqual(lap, lap1)).toBe(true);
        // The weighted sum may be associated differently in a batched implementation: equal to rounding.
        let scale = 0;
        for (let i = 0; i < n; i++) scale += Math.abs(w[i]!);
        for (let k = 0; k < p; k++) expect(Math.abs(pg[k]! - pg1[k]!)).toBeLessThanOrEqual(1e-13 * scale * (1 + Math.abs(pg1[k]!)));
      }
    });

    it('does not modify its inputs', () => {
      const x = Float64Array.from(c.points), th = Float64Array.from(theta0), w = new Float64Array(n).fill(0.5);
      e.energyGrad(th, x, n, new Float64Array(n), new Float64Array(n * d));
      e.paramGrad(th, x, n, w, new Float64Array(p));
      if (e.laplacian) e.laplacian(th, x, n, new Float64Array(n));
      expect(bitEqual(x, c.points) && bitEqual(th, theta0) && w.every((v) => v === 0.5)).toBe(true);
    });

    if (e.logPartition && c.box && d <= 2) {
      it(`log Z_θ equals quadrature of e^{−U} on [${c.box.lo}]–[${c.box.hi}] to 1e-9 (d = ${d})`, () => {
        for (const th of c.thetas) {
          const q = gridMoments(e, th, c.box!);
          expect(Math.abs(e.logPartition!(th) - q.logZ), `θ = ${th}: ${e.logPartition!(th)} vs ${q.logZ}`).toBeLessThan(1e-9);
        }
      });
    }

    if (e.sample) {
      const exact = c.moments
        ? c.moments
        : c.box && d <= 2
          ? (th: Float64Array) => gridMoments(e, th, c.box!)
          : undefined;
      it('has exact moments to test its sampler against (a box with d ≤ 2, or moments)', () => {
        expect(exact).toBeDefined();
      });
      if (exact) {
        const nameOk = `${name}: sample mean and covariance`;
        const nameNeg = `${name}: negative control, covariance ×1.21 rejected`;
        const N = c.draws ?? 20_000;
        const k = d + (d * (d + 1)) / 2;
        it(`sample: mean and covariance of ${N} exact draws within z·SE (α = 1e-6, Bonferroni over ${k})`, () => {
          const { mean, cov } = exact(theta0);
          const xs = e.sample!(testStream(nameOk), theta0, N, new Float64Array(N * d));
          expect(xs.every(Number.isFinite)).toBe(true);
          const z = momentZScores(xs, N, d, mean, cov);
          // Each standardized statistic is tested at α/k; expectWithinSE with se = 1 on the z-score.
          z.forEach((zi, i) => expectWithinSE(nameOk, zi, 0, 1, { k, what: `moment statistic ${i}` }));
        });
        it('negative control: the same test rejects draws with the covariance inflated by 1.21', () => {
          const { mean, cov } = exact(theta0);
          const xs = e.sample!(testStream(nameNeg), theta0, N, new Float64Array(N * d));
          for (let i = 0; i < N * d; i++) xs[i] = mean[i % d]! + 1.1 * (xs[i]! - mean[i % d]!);
          const z = momentZScores(xs, N, d, mean, cov);
          const zmax = z.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          expect(zmax, 'the inflated covariance was not detected').toBeGreaterThan(zFor(alphaOf(nameNeg) / k));
        });
        it('sample does not depend on batching: n single draws equal one batch of n from the same stream', () => {
          const a = e.sample!(testStream(`${name}: batching`), theta0, 16, new Float64Array(16 * d));
          const s = testStream(`${name}: batching`);
          const b = new Float64Array(16 * d);
          for (let i = 0; i < 16; i++) b.set(e.sample!(s, theta0, 1, new Float64Array(d)), i * d);
          expect(bitEqual(a, b)).toBe(true);
        });
      }
    }
  });
}
