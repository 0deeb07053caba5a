/**
 * The seeds' Langevin updates as written: 000 (37), 002 and 003 (src/samplers/langevin-variants.ts).
 * Layer A: each is an exact instance of ULA (002: h = η; 003: h = η/2; 000 (37): h = ε² with √h noise); on Gaussians
 * the update is affine, and its exact stationary covariance (the fixed point of S = ASAᵀ + BBᵀ) tends to Σ for 002
 * and 003 but to Σ/2 for 000 (37): the law ∝ e^{−2U} (= P² for U = −log P), not P as 000 (38) concludes (erratum).
 * Layer B: 000 (37) at small ε, run from exact draws of P, has the e^{−2U} law (DKW) and leaves P's DKW band
 * (negative control).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, gaussianEnergy, gaussianTheta } from '../../src/energies/index.js';
import type { Potential } from '../../src/energies/energy.js';
import { matmul, spdInverse, transpose } from '../../src/linalg/index.js';
import { normals, streamFromState } from '../../src/rng/index.js';
import { langevin000, langevin002, langevin003, langevinStep000, langevinStep002, langevinStep003 } from '../../src/samplers/langevin-variants.js';
import { emptyState } from '../../src/samplers/types.js';
import { ula, ulaStepWithNoise } from '../../src/samplers/ula.js';
import { ALPHA } from '../_support/alpha-registry.js';
import { describeSeed, testStream } from '../_support/seed.js';
import { alphaOf, dkwEpsilon, expectCdfOutsideDkw, ksStatistic, normalCdf } from '../_support/stat.js';

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

type Step = (x: Float64Array, grad: Float64Array, xi: Float64Array, c: number, out: Float64Array) => Float64Array;

/** Σ = MᵀM + cI. */
function spd(m: number[], d: number, c: number): Float64Array {
  const mm = Float64Array.from(m);
  const s = matmul(transpose(mm, d, d), mm, d, d, d);
  for (let i = 0; i < d; i++) s[i * d + i] = s[i * d + i]! + c;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) s[j * d + i] = s[i * d + j]!;
  return s;
}

/** x′ = A x + b + B ξ of `step` on `pot` (∇U from the potential), recovered with injected unit vectors. */
function extractAffine(pot: Potential, step: Step, c: number) {
  const d = pot.dim;
  const u = new Float64Array(1), g = new Float64Array(d);
  const at = (x: Float64Array, xi: Float64Array) => {
    pot.energyGrad(x, 1, u, g);
    return Float64Array.from(step(x, g, xi, c, new Float64Array(d)));
  };
  const zero = new Float64Array(d);
  const b = at(zero, zero);
  const A = new Float64Array(d * d), B = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    const ax = at(e, zero), bx = at(zero, e);
    for (let i = 0; i < d; i++) {
      A[i * d + j] = ax[i]! - b[i]!;
      B[i * d + j] = bx[i]! - b[i]!;
    }
  }
  return { A, b, B };
}

/**
 * The stationary covariance of x′ = A x + b + B ξ for A = I − aΣ⁻¹ and B = βI (what every variant is on a Gaussian):
 * S = β²(I − A²)⁻¹, solving S = ASAᵀ + BBᵀ — checked against the extracted A, B by the caller.
 */
function stationaryCov(A: Float64Array, B: Float64Array, d: number): Float64Array {
  const i2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++) i2[i * d + i] = 1;
  const a2 = matmul(A, A, d, d, d);
  const m = i2.map((v, k) => v - a2[k]!);
  // (I − A²) is symmetric positive definite when |eig A| < 1
  return matmul(spdInverse(m, d), matmul(B, transpose(B, d, d), d, d, d), d, d, d);
}

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const step000: Step = (x, g, xi, eps, out) => langevinStep000(x, g, xi, eps, out);
const step002: Step = (x, g, xi, eta, out) => langevinStep002(x, g, xi, eta, out);
const step003: Step = (x, g, xi, eta, out) => langevinStep003(x, g, xi, eta, out);

describe('the updates as the documents write them (exact)', () => {
  const vectors = fc.integer({ min: 1, max: 6 }).chain((len) =>
    fc.record({
      x: fc.array(dbl(-5, 5), { minLength: len, maxLength: len }),
      g: fc.array(dbl(-5, 5), { minLength: len, maxLength: len }),
      xi: fc.array(dbl(-4, 4), { minLength: len, maxLength: len }),
      c: dbl(1e-4, 2),
    }),
  );

  it('000 (37) x − ∇U ε² + ε μ; 002 x + η ∇log p + √(2η) z; 003 x + (η/2) ∇log p + √η ε (∇log p = −∇U)', () => {
    fc.assert(
      fc.property(vectors, ({ x, g, xi, c }) => {
        const X = Float64Array.from(x), G = Float64Array.from(g), Z = Float64Array.from(xi);
        const out = new Float64Array(x.length);
        const close = (got: Float64Array, want: (j: number) => number) =>
          got.forEach((v, j) => expect(Math.abs(v - want(j))).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(want(j)))));
        close(langevinStep000(X, G, Z, c, out), (j) => x[j]! - g[j]! * c * c + c * xi[j]!);
        close(langevinStep002(X, G, Z, c, out), (j) => x[j]! + c * -g[j]! + Math.sqrt(2 * c) * xi[j]!);
        close(langevinStep003(X, G, Z, c, out), (j) => x[j]! + (c / 2) * -g[j]! + Math.sqrt(c) * xi[j]!);
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('002\'s update is ULA with h = η and 003\'s is ULA with h = η/2, bit for bit; 000 (37) is ULA at h = ε² with noise ÷ √2', () => {
    fc.assert(
      fc.property(vectors, ({ x, g, xi, c }) => {
        const X = Float64Array.from(x), G = Float64Array.from(g), Z = Float64Array.from(xi);
        const n = x.length;
        expect(Array.from(langevinStep002(X, G, Z, c, new Float64Array(n)))).toEqual(Array.from(ulaStepWithNoise(X, G, Z, c, new Float64Array(n))));
        expect(Array.from(langevinStep003(X, G, Z, c, new Float64Array(n)))).toEqual(Array.from(ulaStepWithNoise(X, G, Z, c / 2, new Float64Array(n))));
        const a = langevinStep000(X, G, Z, c, new Float64Array(n));
        const b = ulaStepWithNoise(X, G, Z.map((v) => v * Math.SQRT1_2), c * c, new Float64Array(n));
        a.forEach((v, j) => expect(Math.abs(v - b[j]!)).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(v))));
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('the batched samplers draw n·d normals per step and equal the single steps: 002 = ULA(η), 003 = ULA(η/2), 000 (37) = langevinStep000', () => {
    const n = 5, d = 2;
    const pot = bind(gaussianEnergy(Float64Array.of(1, 0.3, 0.3, 0.7), 2), gaussianTheta(Float64Array.of(1, -1)));
    const stream = testStream('langevin variants: batched equals single steps');
    const x0 = normals(stream, new Float64Array(n * d));
    const s0 = stream.getState();
    const stepOnce = (sampler: ReturnType<typeof ula>) => {
      const st = sampler.init(x0), out = emptyState(n, d);
      sampler.step(streamFromState(s0), st, out);
      return Array.from(out.x);
    };
    expect(stepOnce(langevin002(pot, n, 0.3))).toEqual(stepOnce(ula(pot, n, 0.3)));
    expect(stepOnce(langevin003(pot, n, 0.3))).toEqual(stepOnce(ula(pot, n, 0.15)));
    const st = langevin000(pot, n, 0.4).init(x0);
    const mu = normals(streamFromState(s0), new Float64Array(n * d));
    expect(stepOnce(langevin000(pot, n, 0.4))).toEqual(Array.from(langevinStep000(st.x, st.grad, mu, 0.4, new Float64Array(n * d))));
  });

  it('rejects bad input: ε, η ≤ 0 or non-finite; mismatched lengths; non-finite x', () => {
    const z = new Float64Array(3);
    expect(() => langevinStep000(z, z, z, 0, z)).toThrow(/epsilon must be a finite number > 0/);
    expect(() => langevinStep002(z, z, z, -1, z)).toThrow(/eta must be/);
    expect(() => langevinStep003(z, z, z, Number.NaN, z)).toThrow(/eta must be/);
    expect(() => langevinStep002(z, new Float64Array(2), z, 0.1, z)).toThrow(/grad must hold 3/);
    expect(() => langevinStep003(z, z, z, 0.1, new Float64Array(1))).toThrow(/out must hold 3/);
    const pot = bind(gaussianEnergy(Float64Array.of(1), 1), gaussianTheta(Float64Array.of(0)));
    expect(() => langevin000(pot, 2, 0)).toThrow(/epsilon must be/);
    expect(() => langevin002(pot, 2, Number.POSITIVE_INFINITY)).toThrow(/eta must be/);
    expect(() => langevin003(pot, 0, 0.1)).toThrow(/n must be a positive integer/);
    expect(() => langevin002(pot, 2, 0.1).init(Float64Array.of(1, Number.NaN))).toThrow(/x\[1\] must be finite/);
  });
});

describe('stationary laws on Gaussians (exact affine recursion)', () => {
  it('000 (37) on U = x²/(2s²): a = 1 − ε²/s², b = ε, stationary variance ε²/(1 − (1 − ε²/s²)²) → s²/2 (the e^{−2U} law), not s²', () => {
    fc.assert(
      fc.property(dbl(0.2, 5), (s) => {
        const pot = bind(gaussianEnergy(Float64Array.of(s * s), 1), gaussianTheta(Float64Array.of(0)));
        let prevErr = Infinity;
        for (const r of [0.5, 1e-1, 1e-2, 1e-3, 1e-4]) {
          const eps = r * s;
          const { A, b, B } = extractAffine(pot, step000, eps);
          expect(Math.abs(A[0]! - (1 - (eps * eps) / (s * s)))).toBeLessThanOrEqual(1e-15);
          expect(B[0]).toBeCloseTo(eps, 15);
          expect(b[0]).toBe(0);
          const v = stationaryCov(A, B, 1)[0]!;
          const closed = (eps * eps) / (1 - (1 - (eps * eps) / (s * s)) ** 2);
          expect(Math.abs(v - closed)).toBeLessThanOrEqual(1e-9 * closed); // ε⁴/s⁴ cancels in 1 − a²
          // s²/(2 − ε²/s²) − s²/2 = s² r²/(2(2 − r²)) ≤ s² r²/2 for r ≤ 1: the limit is s²/2, at rate ε²
          const err = Math.abs(v - (s * s) / 2);
          expect(err).toBeLessThanOrEqual((s * s * r * r) / 2 + 1e-12 * s * s);
          expect(err).toBeLessThan(prevErr);
          prevErr = err;
          expect(Math.abs(v - s * s)).toBeGreaterThan(0.3 * s * s); // never P's variance s²
        }
      }),
      { numRuns: 50, endOnFailure: true },
    );
  });

  it('e^{−2U} for the same U has variance s²/2 (quadrature of the energy\'s own U)', () => {
    for (const s of [0.5, 1, 3]) {
      const pot = bind(gaussianEnergy(Float64Array.of(s * s), 1), gaussianTheta(Float64Array.of(0)));
      const m = 4001, half = 12 * s, dx = (2 * half) / (m - 1);
      const xs = Float64Array.from({ length: m }, (_, i) => -half + i * dx);
      const u = pot.energy(xs, m, new Float64Array(m));
      let z = 0, x2 = 0;
      for (let i = 0; i < m; i++) {
        const w = Math.exp(-2 * u[i]!);
        z += w;
        x2 += w * xs[i]! * xs[i]!;
      }
      expect(x2 / z / ((s * s) / 2)).toBeCloseTo(1, 12);
    }
  });

  it('on N(μ, Σ) (full Σ, d = 1..4) the stationary covariances tend to Σ for 002 and 003 (error O(η)) and to Σ/2 for 000 (37)', () => {
    const problem = fc.integer({ min: 1, max: 4 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        m: fc.array(dbl(-1, 1), { minLength: d * d, maxLength: d * d }),
        c: dbl(0.2, 1),
        mu: fc.array(dbl(-2, 2), { minLength: d, maxLength: d }),
      }),
    );
    fc.assert(
      fc.property(problem, (p) => {
        const { d } = p;
        const sigma = spd(p.m, d, p.c);
        const mu = Float64Array.from(p.mu);
        const pot = bind(gaussianEnergy(sigma, d), gaussianTheta(mu));
        // λ_min(Σ) ≥ c ≥ 0.2, so every step below keeps |eig A| < 1
        const cases: [Step, (t: number) => number, number][] = [
          [step002, (t) => t, 1],
          [step003, (t) => t, 1],
          [step000, (t) => Math.sqrt(t), 0.5], // ε = √t, so that ε² = t
        ];
        for (const [step, coef, limit] of cases) {
          const errs: number[] = [];
          for (const t of [1e-1, 1e-2, 1e-3]) {
            const { A, b, B } = extractAffine(pot, step, coef(t) * p.c);
            const S = stationaryCov(A, B, d);
            // the fixed point really is stationary: ASAᵀ + BBᵀ = S, and the mean is fixed at μ
            const lyap = matmul(matmul(A, S, d, d, d), transpose(A, d, d), d, d, d).map((v, k) => v + matmul(B, transpose(B, d, d), d, d, d)[k]!);
            expect(maxAbsDiff(lyap, S)).toBeLessThanOrEqual(1e-8 * maxAbs(S));
            const amu = matmul(A, mu, d, d, 1);
            expect(maxAbsDiff(amu.map((v, k) => v + b[k]!), mu)).toBeLessThanOrEqual(1e-10 * (1 + maxAbs(mu)));
            errs.push(maxAbsDiff(S, sigma.map((v) => v * limit)) / maxAbs(sigma));
          }
          // first order in the step: each tenfold smaller step cuts the error about tenfold
          expect(errs[2]!).toBeLessThan(errs[1]! / 5);
          expect(errs[1]!).toBeLessThan(errs[0]! / 5);
          expect(errs[2]!).toBeLessThan(0.01);
        }
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });
});

/** sup_x |Φ(x/s₁) − Φ(x/s₂)|: the KS distance between N(0, s₁²) and N(0, s₂²), at the crossing of the densities. */
function ksSameMean(s1: number, s2: number): number {
  if (s1 === s2) return 0;
  const x = s1 * s2 * Math.sqrt((2 * Math.log(s2 / s1)) / (s2 * s2 - s1 * s1));
  return Math.abs(normalCdf(x / s1) - normalCdf(x / s2));
}

describe('000 (37) has the e^{−2U} law, not P (Layer B)', () => {
  // U = x²/(2s²) = −log P + const with P = N(0, s²), s = 1.5; ε = 0.1; n = 20000 walkers from exact draws of P, K = 800
  // steps. a = 1 − ε²/s², so the law after K steps is exactly N(0, v_K), v_K = a^{2K}s² + ε²(1 − a^{2K})/(1 − a²)
  // (a^{2K} ≈ 8e-4). N(0, v_K) is within δ (exact, ≈ 4e-4) of N(0, s²/2), the e^{−2U} law; so with probability ≥ 1 − α
  // the empirical CDF is within ε_DKW + δ of it (ε_DKW = 0.019). Against P the gap is 0.083 > 2ε (negative control).
  const s = 1.5, eps = 0.1, n = 20000, K = 800;
  const a = 1 - (eps * eps) / (s * s);
  const vK = a ** (2 * K) * s * s + (eps * eps * (1 - a ** (2 * K))) / (1 - a * a);
  const pot = bind(gaussianEnergy(Float64Array.of(s * s), 1), gaussianTheta(Float64Array.of(0)));
  function run(name: string): Float64Array {
    const stream = testStream(name);
    const x0 = normals(stream, new Float64Array(n)).map((v) => s * v); // exact draws of P
    const sampler = langevin000(pot, n, eps);
    const state = sampler.init(x0);
    for (let k = 0; k < K; k++) sampler.step(stream, state, state);
    return state.x;
  }

  it('000 (37) at ε = 0.1 from exact draws of P: the law is N(0, s²/2) ∝ e^{−2U} (DKW)', () => {
    const name = '000 (37) at ε = 0.1 from exact draws of P: the law is N(0, s²/2) ∝ e^{−2U} (DKW)';
    const delta = ksSameMean(Math.sqrt(vK), s * Math.SQRT1_2);
    expect(delta).toBeLessThan(0.005);
    const band = dkwEpsilon(n, alphaOf(name)) + delta;
    const d = ksStatistic(run(name), (t) => normalCdf(t / (s * Math.SQRT1_2)));
    expect(d <= band, `sup|F_n − F| = ${d} > ε + δ = ${band} (${describeSeed(name)})`).toBe(true);
  });

  it('000 (37) negative control: the same draws leave the DKW band of P = N(0, s²) that 000 (38) claims', () => {
    const name = '000 (37) negative control: the same draws leave the DKW band of P = N(0, s²) that 000 (38) claims';
    const gap = ksSameMean(Math.sqrt(vK), s);
    const e = dkwEpsilon(n, ALPHA[name]!);
    if (!(gap > 2 * e)) throw new Error(`undetectable: KS(N(0, v_K), P) = ${gap} ≤ 2ε = ${2 * e}`);
    expectCdfOutsideDkw(name, run(name), (t) => normalCdf(t / s));
  });
});
