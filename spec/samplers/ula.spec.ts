/**
 * ULA (001 Def. 4.3, (4.10)) on Gaussian targets: the Ornstein–Uhlenbeck example 001 (4.11)-(4.16).
 * Layer A: the step is affine in (x, ξ); its matrices are recovered by injecting unit vectors, then the fixed point of
 * the mean, the stationary covariance (4.16), the finite-k law (4.14) and its square-root form are identities to ~1e-10.
 * Layer B: walkers started from exact draws follow the biased law (DKW), and the same draws reject N(μ, Σ) (negative
 * control, with the detectability of the bias checked before the test runs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, gaussianEnergy, gaussianTheta } from '../../src/energies/index.js';
import { matmul, spdInverse, symmetricEigen, symmetricFunction, transpose } from '../../src/linalg/index.js';
import { normals, streamFromState } from '../../src/rng/index.js';
import { emptyState } from '../../src/samplers/types.js';
import { ula, ulaStepWithNoise } from '../../src/samplers/ula.js';
import { testStream } from '../_support/seed.js';
import { dkwEpsilon, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';
import { ALPHA } from '../_support/alpha-registry.js';

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Σ = MᵀM + cI (row-major d×d). */
function spd(m: number[], d: number, c: number): Float64Array {
  const mm = Float64Array.from(m);
  const s = matmul(transpose(mm, d, d), mm, d, d, d);
  for (let i = 0; i < d; i++) s[i * d + i] = s[i * d + i]! + c;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) s[j * d + i] = s[i * d + j]!; // exact symmetry
  return s;
}

/** A generated Gaussian problem: d ∈ 2..5, Σ = MᵀM + cI, μ, and h = f·λ_min(Σ) with f ∈ [0.05, 0.95]. */
const gaussianProblem = fc.integer({ min: 2, max: 5 }).chain((d) =>
  fc.record({
    d: fc.constant(d),
    m: fc.array(dbl(-1, 1), { minLength: d * d, maxLength: d * d }),
    c: dbl(0.1, 1),
    mu: fc.array(dbl(-2, 2), { minLength: d, maxLength: d }),
    f: dbl(0.05, 0.95),
  }),
);

const identity = (d: number) => {
  const e = new Float64Array(d * d);
  for (let i = 0; i < d; i++) e[i * d + i] = 1;
  return e;
};
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const sub = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]!);
const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]!);
const scale = (a: Float64Array, s: number) => a.map((v) => v * s);
/** A X Aᵀ for d×d matrices. */
const sandwich = (a: Float64Array, x: Float64Array, d: number) => matmul(matmul(a, x, d, d, d), transpose(a, d, d), d, d, d);

/**
 * The affine map x' = A x + b + B ξ of one ULA step on `potential`, recovered by evaluating the implementation's step
 * (∇U from the potential, then `ulaStepWithNoise`) at x = 0, x = e_j (ξ = 0) and ξ = e_j (x = 0).
 */
function extractAffine(potential: ReturnType<typeof bind>, d: number, h: number, noiseScale = 1) {
  const u = new Float64Array(1), g = new Float64Array(d), out = new Float64Array(d);
  const step = (x: Float64Array, xi: Float64Array) => {
    potential.energyGrad(x, 1, u, g);
    return Float64Array.from(ulaStepWithNoise(x, g, xi.map((v) => v * noiseScale), h, out));
  };
  const zero = new Float64Array(d);
  const b = step(zero, zero);
  const A = new Float64Array(d * d), B = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    const ax = sub(step(e, zero), b), bx = sub(step(zero, e), b);
    for (let i = 0; i < d; i++) {
      A[i * d + j] = ax[i]!;
      B[i * d + j] = bx[i]!;
    }
  }
  return { A, b, B };
}

function problemFrom(p: { d: number; m: number[]; c: number; mu: number[]; f: number }) {
  const { d } = p;
  const sigma = spd(p.m, d, p.c);
  const lmin = symmetricEigen(sigma, d).values[0]!;
  const h = p.f * lmin;
  const mu = Float64Array.from(p.mu);
  const potential = bind(gaussianEnergy(sigma, d), gaussianTheta(mu));
  const sigmaInv = spdInverse(sigma, d);
  // 001 (4.16): S = Σ (I − (h/2) Σ⁻¹)⁻¹
  const sBias = matmul(sigma, spdInverse(sub(identity(d), scale(sigmaInv, h / 2)), d), d, d, d);
  return { d, sigma, sigmaInv, h, mu, potential, sBias };
}

describe('ULA on N(μ, Σ): the affine step and its stationary law 001 (4.13)-(4.16) (exact)', () => {
  it('the step is A = I − hΣ⁻¹, B = √(2h) I; μ is the fixed point of the mean; S = Σ(I − (h/2)Σ⁻¹)⁻¹ solves S = ASAᵀ + BBᵀ', () => {
    fc.assert(
      fc.property(gaussianProblem, (p) => {
        const { d, sigmaInv, h, mu, potential, sBias } = problemFrom(p);
        const { A, b, B } = extractAffine(potential, d, h);
        // 001 (4.13): X' − μ = (I − hΣ⁻¹)(X − μ) + √(2h) ξ
        expect(maxAbsDiff(A, sub(identity(d), scale(sigmaInv, h)))).toBeLessThan(1e-12 * (1 + h * maxAbs(sigmaInv)));
        expect(maxAbsDiff(B, scale(identity(d), Math.sqrt(2 * h)))).toBeLessThan(1e-14 * (1 + maxAbs(b)));
        // mean fixed point: A μ + b = μ
        const amu = matmul(A, mu, d, d, 1);
        expect(maxAbsDiff(add(amu, b), mu)).toBeLessThan(1e-12 * (1 + maxAbs(mu)));
        // covariance fixed point at (4.16)
        const res = sub(add(sandwich(A, sBias, d), matmul(B, transpose(B, d, d), d, d, d)), sBias);
        expect(maxAbs(res)).toBeLessThan(1e-10 * maxAbs(sBias));
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('N(μ, Σ) itself is not stationary: AΣAᵀ + BBᵀ − Σ = h²Σ⁻¹ (the ULA bias, exactly)', () => {
    fc.assert(
      fc.property(gaussianProblem, (p) => {
        const { d, sigma, sigmaInv, h, potential } = problemFrom(p);
        const { A, B } = extractAffine(potential, d, h);
        const res = sub(add(sandwich(A, sigma, d), matmul(B, transpose(B, d, d), d, d, d)), sigma);
        const expected = scale(sigmaInv, h * h);
        expect(maxAbsDiff(res, expected)).toBeLessThan(1e-10 * maxAbs(sigma));
        expect(maxAbs(res)).toBeGreaterThan(1e3 * 1e-10 * maxAbs(sigma)); // far from zero: the bias is real
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('negative control: ULA with √h noise instead of √(2h) fails the stationary-law identity (residual −h I)', () => {
    fc.assert(
      fc.property(gaussianProblem, (p) => {
        const { d, h, potential, sBias } = problemFrom(p);
        const { A, B } = extractAffine(potential, d, h, Math.SQRT1_2); // √(2h)·ξ/√2 = √h ξ
        const res = sub(add(sandwich(A, sBias, d), matmul(B, transpose(B, d, d), d, d, d)), sBias);
        expect(maxAbsDiff(res, scale(identity(d), -h))).toBeLessThan(1e-10 * maxAbs(sBias));
        expect(maxAbs(res)).toBeGreaterThan(1e3 * 1e-10 * maxAbs(sBias));
      }),
      { numRuns: 50, endOnFailure: true },
    );
  });

  it('the finite-k law 001 (4.14): k steps of the exact mean/covariance recursion equal A^k(x₀ − μ) and 2h(I − A²)⁻¹(I − A^{2k}), and (4.14)\'s square root (I − A²)^{−½}(I − A^{2k})^{½} is right', () => {
    fc.assert(
      fc.property(gaussianProblem, fc.integer({ min: 1, max: 40 }), fc.array(dbl(-3, 3), { minLength: 5, maxLength: 5 }), (p, k, x0raw) => {
        const { d, h, mu, potential, sBias } = problemFrom(p);
        const { A, b, B } = extractAffine(potential, d, h);
        const x0 = Float64Array.from(x0raw.slice(0, d));
        // the recursion of (4.13) on the law, from the point mass at x₀
        let m = Float64Array.from(x0);
        let c = new Float64Array(d * d);
        const bbT = matmul(B, transpose(B, d, d), d, d, d);
        for (let j = 0; j < k; j++) {
          m = add(matmul(A, m, d, d, 1), b);
          c = add(sandwich(A, c, d), bbT);
        }
        // closed forms, through the eigendecomposition of the (symmetric) A
        const ak = symmetricFunction(A, d, (l) => l ** k);
        const meanClosed = add(mu, matmul(ak, sub(x0, mu), d, d, 1));
        const covClosed = scale(symmetricFunction(A, d, (l) => (1 - l ** (2 * k)) / (1 - l * l)), 2 * h);
        const root = matmul(symmetricFunction(A, d, (l) => 1 / Math.sqrt(1 - l * l)), symmetricFunction(A, d, (l) => Math.sqrt(1 - l ** (2 * k))), d, d, d);
        const covFromRoot = scale(matmul(root, transpose(root, d, d), d, d, d), 2 * h);
        const tol = 1e-9 * maxAbs(sBias);
        expect(maxAbsDiff(m, meanClosed)).toBeLessThan(1e-10 * (1 + maxAbs(x0) + maxAbs(mu)));
        expect(maxAbsDiff(c, covClosed)).toBeLessThan(tol);
        expect(maxAbsDiff(c, covFromRoot)).toBeLessThan(tol);
        // k → ∞: (4.15) 2h(I − A²)⁻¹ is (4.16) Σ(I − (h/2)Σ⁻¹)⁻¹
        expect(maxAbsDiff(scale(symmetricFunction(A, d, (l) => 1 / (1 - l * l)), 2 * h), sBias)).toBeLessThan(tol);
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });
});

describe('the ULA sampler', () => {
  const sigma = Float64Array.of(1, 0.5, 0.5, 2);
  const mu = Float64Array.of(0.5, -1);
  const potential = bind(gaussianEnergy(sigma, 2), gaussianTheta(mu));

  it('step = ulaStepWithNoise with the stream\'s normals; caches U and ∇U; in place equals out of place; leaves its input alone', () => {
    const n = 7, d = 2, h = 0.3;
    const stream = testStream('ula: step uses one normals call');
    const x0 = normals(stream, new Float64Array(n * d));
    const afterX0 = stream.getState();
    const sampler = ula(potential, n, h);
    const state = sampler.init(x0);
    const before = Float64Array.from(state.x);
    const out = emptyState(n, d);
    sampler.step(stream, state, out);
    const replay = streamFromState(afterX0);
    const xi = normals(replay, new Float64Array(n * d));
    expect(Array.from(out.x)).toEqual(Array.from(ulaStepWithNoise(state.x, state.grad, xi, h, new Float64Array(n * d))));
    expect(Array.from(state.x)).toEqual(Array.from(before));
    expect(stream.getState()).toEqual(replay.getState()); // exactly n·d normals were drawn
    const u = new Float64Array(n), g = new Float64Array(n * d);
    potential.energyGrad(out.x, n, u, g);
    expect(Array.from(out.u)).toEqual(Array.from(u));
    expect(Array.from(out.grad)).toEqual(Array.from(g));
    // in place (out = state) gives the same walkers
    const s2 = sampler.init(x0);
    sampler.step(streamFromState(afterX0), s2, s2);
    expect(Array.from(s2.x)).toEqual(Array.from(out.x));
  });

  it('rejects bad input: h ≤ 0 or non-finite, non-finite x, wrong shapes', () => {
    expect(() => ula(potential, 4, 0)).toThrow(/h must be a finite number > 0/);
    expect(() => ula(potential, 4, -1)).toThrow(RangeError);
    expect(() => ula(potential, 4, Number.NaN)).toThrow(/h must be/);
    expect(() => ula(potential, 0, 0.1)).toThrow(/n must be a positive integer/);
    const s = ula(potential, 2, 0.1);
    expect(() => s.init(Float64Array.of(0, 0, Number.NaN, 0))).toThrow(/x\[2\] must be finite/);
    expect(() => s.init(new Float64Array(3))).toThrow(/n·d/);
    const st = s.init(new Float64Array(4));
    expect(() => s.step(testStream('ula: bad shapes'), st, emptyState(3, 2))).toThrow(/n = 2 walkers/);
    const z = new Float64Array(4);
    expect(() => ulaStepWithNoise(z, z, z, 0, z)).toThrow(/h must be/);
    expect(() => ulaStepWithNoise(z, new Float64Array(3), z, 0.1, z)).toThrow(/grad must hold 4/);
    expect(() => ulaStepWithNoise(z, z, new Float64Array(2), 0.1, z)).toThrow(/noise must hold 4/);
  });
});

/** sup_x |Φ(x/s₁) − Φ(x/s₂)|: the KS distance between N(m, s₁²) and N(m, s₂²), at the crossing of the densities. */
function ksSameMean(s1: number, s2: number): number {
  if (s1 === s2) return 0;
  const x = s1 * s2 * Math.sqrt((2 * Math.log(s2 / s1)) / (s2 * s2 - s1 * s1));
  return Math.abs(normalCdf(x / s1) - normalCdf(x / s2));
}

describe('ULA from exact draws follows the biased law (Layer B)', () => {
  // Σ = [[1, ½], [½, 2]] (λ_min ≈ 0.79), μ = (½, −1), h = 0.6, K = 25 steps from exact N(μ, Σ) draws. The walkers are
  // independent, so each projection vᵀX_K is iid N(vᵀμ, vᵀ C_K v) with C_K = A^K Σ A^K + 2h(I − A²)⁻¹(I − A^{2K}) (001
  // (4.14) started from N(μ, Σ)). Two projections are tested at α/2 each (Bonferroni), α = 1e-6 in all.
  const sigma = Float64Array.of(1, 0.5, 0.5, 2);
  const mu = Float64Array.of(0.5, -1);
  const d = 2, h = 0.6, K = 25, n = 40000;
  const energy = gaussianEnergy(sigma, d);
  const theta = gaussianTheta(mu);
  // e₁ and the eigenvector of λ_min(Σ), where the bias 1/(1 − h/(2λ)) is largest (KS gaps 0.046 and 0.057 from the
  // target, against 2ε = 0.028: detectable, as the negative control checks before it runs).
  const ev = symmetricEigen(sigma, d).vectors;
  const dirs = [Float64Array.of(1, 0), Float64Array.of(ev[0]!, ev[2]!)];

  function run(name: string) {
    const stream = testStream(name);
    const x0 = energy.sample!(stream, theta, n, new Float64Array(n * d));
    const sampler = ula(bind(energy, theta), n, h);
    const state = sampler.init(x0);
    for (let k = 0; k < K; k++) sampler.step(stream, state, state);
    return state.x;
  }
  const project = (x: Float64Array, v: Float64Array) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = v[0]! * x[2 * i]! + v[1]! * x[2 * i + 1]!;
    return out;
  };
  const quadForm = (c: Float64Array, v: Float64Array) => v[0]! * v[0]! * c[0]! + 2 * v[0]! * v[1]! * c[1]! + v[1]! * v[1]! * c[3]!;
  // exact law after K steps, from the generator A = I − hΣ⁻¹ of (4.13)
  const A = sub(identity(d), scale(spdInverse(sigma, d), h));
  const aK = symmetricFunction(A, d, (l) => l ** K);
  const cK = add(sandwich(aK, sigma, d), scale(symmetricFunction(A, d, (l) => (1 - l ** (2 * K)) / (1 - l * l)), 2 * h));

  it('ULA: 25 steps from exact Gaussian draws have the biased law of 001 (4.14) in two projections', () => {
    const name = 'ULA: 25 steps from exact Gaussian draws have the biased law of 001 (4.14) in two projections';
    const x = run(name);
    for (const v of dirs) {
      const m = v[0]! * mu[0]! + v[1]! * mu[1]!, s = Math.sqrt(quadForm(cK, v));
      expectCdfWithinDkw(name, project(x, v), (t) => normalCdf((t - m) / s), { k: 2, what: `projection (${v[0]!.toFixed(3)}, ${v[1]!.toFixed(3)})` });
    }
  });

  it('ULA negative control: the same draws reject the target N(μ, Σ) in two projections', () => {
    const name = 'ULA negative control: the same draws reject the target N(μ, Σ) in two projections';
    const eps = dkwEpsilon(n, ALPHA[name]! / 2);
    const x = run(name);
    for (const v of dirs) {
      const m = v[0]! * mu[0]! + v[1]! * mu[1]!;
      const sTrue = Math.sqrt(quadForm(sigma, v)), sBiased = Math.sqrt(quadForm(cK, v));
      // Detectable only if the laws differ by more than two DKW bands: then |F_n − F_target| > ε unless the draws leave
      // their own band (probability ≤ α/2).
      const gap = ksSameMean(sTrue, sBiased);
      if (!(gap > 2 * eps)) throw new Error(`undetectable: KS(N(μ,Σ), biased) = ${gap} ≤ 2ε = ${2 * eps}`);
      expectCdfOutsideDkw(name, project(x, v), (t) => normalCdf((t - m) / sTrue), { k: 2, what: `projection (${v[0]!.toFixed(3)}, ${v[1]!.toFixed(3)})` });
    }
  });
});
