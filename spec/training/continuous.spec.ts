/**
 * The continuous-time algorithm (004 Prop. 2, (17)-(20), App. C.1.2) by Euler–Maruyama: src/training/continuous.ts.
 *
 * Layer A throughout: steps with injected noise against the formulas; the identity (18) as dt → 0 computed exactly
 * for the implementation's own discrete chain on a Gaussian path (the step is affine in (X, ξ) and the weight
 * increment quadratic in X, so E[e^{A_K}] has a closed-form backward recursion, itself checked against tensor
 * Gauss–Legendre quadrature over the injected normals for K ≤ 3); the frozen-weight variant as the negative control.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldIn, normals, streamFromKey } from '../../src/rng/index.js';
import { gaussianEnergy, gaussianTheta, twoModeMixtureEnergy, twoModeTheta, type Energy } from '../../src/energies/index.js';
import { logMeanExp } from '../../src/smc/index.js';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import {
  continuousInitKey, continuousKernel, continuousStepKey, emptyContinuousState, runContinuousTraining,
  type ContinuousTrainingOptions,
} from '../../src/training/continuous.js';
import { testKey } from '../_support/seed.js';

// ---------------------------------------------------------------------------------------------------------------------
// One step against the formulas of (17)

describe('continuousKernel: one Euler–Maruyama step of (17)', () => {
  it('X, A, U, ∇U and the ∂θU rows equal the formulas, for generated θ, θ\', walkers and noise (two-mode mixture, d = 2)', () => {
    const d = 2, n = 5;
    const energy = twoModeMixtureEnergy(d);
    const p = energy.paramDim;
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.double({ min: 0.05, max: 3, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 1e-4, max: 0.5, noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      (seed, alpha, dt, weighted) => {
        const s = streamFromKey(foldIn(testKey('kernel step formulas'), seed));
        const g = (m: number, scale = 1) => normals(s, new Float64Array(m)).map((v) => v * scale);
        const theta = twoModeTheta(g(d, 2), g(d, 2), g(1)[0]!);
        const thetaNext = theta.map((v, j) => v + 0.1 * g(p)[j]!);
        const x = g(n * d, 3), noise = g(n * d), logW = g(n);
        const kernel = continuousKernel(energy, n, { alpha, dt, weighted });
        const state = kernel.init(theta, x);
        state.logW.set(logW);
        const out = emptyContinuousState(n, d, p);
        kernel.step(noise, state, thetaNext, out);
        // State untouched (out is a different buffer).
        expect(Array.from(state.x)).toEqual(Array.from(x));
        expect(Array.from(state.logW)).toEqual(Array.from(logW));
        const u0 = new Float64Array(n), g0 = new Float64Array(n * d);
        energy.energyGrad(theta, x, n, u0, g0);
        const xs = new Float64Array(n * d);
        for (let j = 0; j < n * d; j++) {
          xs[j] = x[j]! - alpha * dt * g0[j]! + Math.sqrt(2 * alpha * dt) * noise[j]!; // (17) by EM
          expect(out.x[j]).toBeCloseTo(xs[j]!, 12);
        }
        const u1 = new Float64Array(n), g1 = new Float64Array(n * d);
        energy.energyGrad(thetaNext, out.x, n, u1, g1);
        const row = new Float64Array(p);
        for (let i = 0; i < n; i++) {
          expect(out.u[i]).toBe(u1[i]);
          // A_{k+1} = A_k − ∂θU_θk(X_k)·(θ_{k+1} − θ_k): ∂θU_θk(X_k) from the contract's weighted sum with w = e_i.
          const w = new Float64Array(n);
          w[i] = 1;
          energy.paramGrad(theta, x, n, w, row);
          let dot = 0;
          for (let j = 0; j < p; j++) dot += row[j]! * (thetaNext[j]! - theta[j]!);
          expect(out.logW[i]).toBeCloseTo(weighted ? logW[i]! - dot : logW[i]!, 12);
          energy.paramGrad(thetaNext, out.x, n, w, row);
          for (let j = 0; j < p; j++) expect(out.paramRows[i * p + j]).toBeCloseTo(row[j]!, 12);
        }
        for (let j = 0; j < n * d; j++) expect(out.grad[j]).toBe(g1[j]);
        expect(Array.from(out.theta)).toEqual(Array.from(thetaNext));
        // In place (out = state) gives the same numbers.
        const again = kernel.init(theta, x);
        again.logW.set(logW);
        kernel.step(noise, again, thetaNext, again);
        expect(Array.from(again.x)).toEqual(Array.from(out.x));
        expect(Array.from(again.logW)).toEqual(Array.from(out.logW));
        expect(Array.from(again.paramRows)).toEqual(Array.from(out.paramRows));
      },
    ), { numRuns: 40 });
  });

  it('weightedParamMean is Σ e^{A} ∂θU / Σ e^{A}, invariant to a constant shift of A, with NaN as −∞', () => {
    const d = 2, n = 6;
    const energy = twoModeMixtureEnergy(d);
    const p = energy.paramDim;
    const s = testStream0('weighted mean');
    const theta = twoModeTheta(Float64Array.of(-1, 0.5), Float64Array.of(2, 0), 0.4);
    const kernel = continuousKernel(energy, n, { alpha: 1, dt: 0.1, weighted: true });
    const state = kernel.init(theta, normals(s, new Float64Array(n * d)).map((v) => 2 * v));
    state.logW.set(Float64Array.of(0.3, -1, 2, NaN, 0.5, -Infinity));
    const got = kernel.weightedParamMean(state, new Float64Array(p));
    const w = Array.from(state.logW, (a) => (Number.isNaN(a) ? 0 : Math.exp(a)));
    const total = w.reduce((a, b) => a + b, 0);
    const want = new Float64Array(p);
    energy.paramGrad(theta, state.x, n, Float64Array.from(w, (v) => v / total), want);
    for (let j = 0; j < p; j++) expect(got[j]).toBeCloseTo(want[j]!, 13);
    for (let i = 0; i < n; i++) state.logW[i] = state.logW[i]! + 700; // would overflow without the max shift
    const shifted = kernel.weightedParamMean(state, new Float64Array(p));
    for (let j = 0; j < p; j++) expect(shifted[j]).toBeCloseTo(want[j]!, 12);
  });
});

function testStream0(name: string) {
  return streamFromKey(testKey(`continuous: ${name}`));
}

// ---------------------------------------------------------------------------------------------------------------------
// The identity (18) as dt → 0, exactly, on a Gaussian path

/**
 * 1-D Gaussian family U_θ(x) = ½ e^{−2s}(x − μ)², θ = [μ, s], log Z_θ = ½ log 2π + s; the protocol μ(t) = 0.5 t,
 * s(t) = 0.25 t on [0, 1], α = 1. Then Z_θ(1)/Z_θ(0) = e^{0.25} and E_θ(1)[∂sU] = −e^{−2s}E[(x − μ)²] = −1.
 */
const gauss = gaussianEnergy(Float64Array.of(1), 1);
const T = 1, ALPHA = 1;
const protocol = (t: number) => gaussianTheta(Float64Array.of(0.5 * t), 0.25 * t);

interface StepCoefficients { beta: number; delta: number; sigma: number; c2: number; c1: number; c0: number }

/**
 * Reads the implementation's step k of K as X' = βX + δ + σξ and A' − A = c₂X² + c₁X + c₀, from kernel evaluations
 * with injected (X, ξ), and checks both forms at a fourth, generic point (so the closed form below describes exactly
 * what the code computes).
 */
function extractStep(k: number, K: number, weighted: boolean): StepCoefficients {
  const dt = T / K;
  const kernel = continuousKernel(gauss, 4, { alpha: ALPHA, dt, weighted });
  const th = protocol(k * dt), thNext = protocol((k + 1) * dt);
  const run = (x: number[], xi: number[]) => kernel.step(Float64Array.from(xi), kernel.init(th, Float64Array.from(x)), thNext, emptyContinuousState(4, 1, 2));
  const m = run([0, 1, 0, 0.7], [0, 0, 1, -1.3]);
  const delta = m.x[0]!, beta = m.x[1]! - delta, sigma = m.x[2]! - delta;
  expect(m.x[3]).toBeCloseTo(beta * 0.7 + delta - sigma * 1.3, 12);
  const a = run([-1, 0, 1, 1.9], [0.4, -2, 1, 0.3]).logW;
  const c0 = a[1]!, c1 = (a[2]! - a[0]!) / 2, c2 = (a[2]! + a[0]!) / 2 - c0;
  expect(a[3]).toBeCloseTo(c2 * 1.9 * 1.9 + c1 * 1.9 + c0, 12);
  return { beta, delta, sigma, c2, c1, c0 };
}

/** log E[exp(P y² + Q y + R)] for y ~ N(m, v), as a quadratic in m: [P', Q', R'] (needs 1 − 2Pv > 0). */
function gaussianExpQuadratic(P: number, Q: number, R: number, v: number): [number, number, number] {
  const D = 1 - 2 * P * v;
  if (!(D > 0)) throw new Error(`E[e^{…}] is infinite: 1 − 2Pv = ${D}`);
  return [P / D, Q / D, R - 0.5 * Math.log(D) + (Q * Q * v) / (2 * D)];
}

/**
 * log E[exp(A_K + ε f(X_K))] for the implementation's chain with X_0 ~ ρ_θ0 = N(0, 1), f(x) = f₂x² + f₁x + f₀, by the
 * backward recursion V_k(x) = a_k(x) + log E[exp V_{k+1}(βx + δ + σξ)], V_K = ε f.
 */
function logExpectation(steps: StepCoefficients[], f: [number, number, number] = [0, 0, 0], eps = 0): number {
  let [P, Q, R] = [eps * f[0], eps * f[1], eps * f[2]];
  for (let k = steps.length - 1; k >= 0; k--) {
    const c = steps[k]!;
    const [Pm, Qm, Rm] = gaussianExpQuadratic(P, Q, R, c.sigma * c.sigma);
    // substitute m = βx + δ, then add the weight increment a_k(x)
    P = Pm * c.beta * c.beta + c.c2;
    Q = 2 * Pm * c.beta * c.delta + Qm * c.beta + c.c1;
    R = Pm * c.delta * c.delta + Qm * c.delta + Rm + c.c0;
  }
  const [P0, Q0, R0] = gaussianExpQuadratic(P, Q, R, 1); // X_0 ~ N(μ(0) = 0, e^{2s(0)} = 1)
  return R0 + P0 * 0 + Q0 * 0;
}

/** E_θ(T)[∂sU]-type functional: the weighted mean of f(X_K) = E[f e^{A}]/E[e^{A}] by a central difference in ε. */
function weightedMean(steps: StepCoefficients[], f: [number, number, number]): number {
  const e = 1e-5;
  return (logExpectation(steps, f, e) - logExpectation(steps, f, -e)) / (2 * e);
}

const thT = protocol(T);
const cT = Math.exp(-2 * thT[1]!), muT = thT[0]!;
/** ∂sU_θ(T)(x) = −e^{−2s}(x − μ)² as [f₂, f₁, f₀]. */
const dsU: [number, number, number] = [-cT, 2 * cT * muT, -cT * muT * muT];

describe('Proposition 2 by Euler–Maruyama: the identity (18) as dt → 0', () => {
  it('the closed-form recursion equals Gauss–Legendre quadrature of the implementation over the injected normals (K = 1, 2, 3)', () => {
    for (const K of [1, 2, 3]) {
      // E[e^{A_K}] depends on X_0, ξ_0 … ξ_{K−2}: K standard normals, integrated on [−14, 14]^K (56 nodes per axis
      // for K = 3 agree with 60 to ~1e-14; 40 would leave a 5e-8 quadrature error).
      const m = K === 3 ? 56 : 60;
      const rule = gaussLegendre(m, -14, 14);
      const phi = rule.nodes.map((z, i) => (rule.weights[i]! * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI));
      const n = m ** K;
      const idx = (i: number, axis: number) => Math.floor(i / m ** axis) % m;
      const x0 = Float64Array.from({ length: n }, (_, i) => rule.nodes[idx(i, 0)]!); // μ(0) = 0, σ(0) = 1
      const dt = T / K;
      const kernel = continuousKernel(gauss, n, { alpha: ALPHA, dt, weighted: true });
      let state = kernel.init(protocol(0), x0);
      for (let k = 0; k < K; k++) {
        const noise = Float64Array.from({ length: n }, (_, i) => (k < K - 1 ? rule.nodes[idx(i, k + 1)]! : 0));
        state = kernel.step(noise, state, protocol((k + 1) * dt), state);
      }
      let e = 0;
      for (let i = 0; i < n; i++) {
        let w = 1;
        for (let axis = 0; axis < K; axis++) w *= phi[idx(i, axis)]!;
        e += w * Math.exp(state.logW[i]!);
      }
      const steps = Array.from({ length: K }, (_, k) => extractStep(k, K, true));
      expect(Math.abs(Math.log(e) - logExpectation(steps))).toBeLessThan(1e-10);
    }
  });

  it('log E[e^{A_K}] → log Z_θ(T)/Z_θ0 = 0.25 and the weighted mean of ∂sU → E_θ(T)[∂sU] = −1, at first order in dt', () => {
    const Ks = [40, 80, 160, 320, 640];
    const logZ = Ks.map((K) => logExpectation(Array.from({ length: K }, (_, k) => extractStep(k, K, true))));
    const dsMean = Ks.map((K) => weightedMean(Array.from({ length: K }, (_, k) => extractStep(k, K, true)), dsU));
    const errZ = logZ.map((v) => v - 0.25), errS = dsMean.map((v) => v + 1);
    // First order: halving dt halves the error (ratio 2 up to O(dt)); the errors are not zero (the scheme is not exact).
    for (let i = 1; i < Ks.length; i++) {
      expect(errZ[i - 1]! / errZ[i]!).toBeGreaterThan(1.9);
      expect(errZ[i - 1]! / errZ[i]!).toBeLessThan(2.1);
      expect(errS[i - 1]! / errS[i]!).toBeGreaterThan(1.9);
      expect(errS[i - 1]! / errS[i]!).toBeLessThan(2.1);
    }
    expect(Math.abs(errZ[errZ.length - 1]!)).toBeLessThan(5e-3);
    // Richardson extrapolation 2 v(dt/2) − v(dt) removes the O(dt) term: the limit is the identity (18), to O(dt²).
    const last = Ks.length - 1;
    expect(Math.abs(2 * logZ[last]! - logZ[last - 1]! - 0.25)).toBeLessThan(2e-5);
    expect(Math.abs(2 * dsMean[last]! - dsMean[last - 1]! + 1)).toBeLessThan(2e-5);
  });

  it('negative control: with the weights frozen (the unweighted variant) E[∂sU(X_K)] converges, but not to E_θ(T)[∂sU] (the lag)', () => {
    const limit = (weighted: boolean) => {
      const v = [320, 640].map((K) => {
        const steps = Array.from({ length: K }, (_, k) => extractStep(k, K, weighted));
        for (const c of steps) if (!weighted) expect([c.c2, c.c1, c.c0]).toEqual([0, 0, 0]);
        return weightedMean(steps, dsU);
      });
      return 2 * v[1]! - v[0]!;
    };
    const weightedError = Math.abs(limit(true) + 1);
    const frozenError = Math.abs(limit(false) + 1);
    // X_T lags behind ρ_θ(T): its variance is below e^{2s(T)}, so E[∂sU(X_T)] > −1 by a fixed amount (measured: the
    // frozen limit is −0.854, the weighted one −1 within 5e-7).
    expect(frozenError).toBeGreaterThan(0.05);
    expect(frozenError).toBeGreaterThan(1000 * weightedError);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The learning runner: variants, (19), (20), resampling, reproducibility, validation

const mix = twoModeMixtureEnergy(1);
const teacher = twoModeTheta(Float64Array.of(-2), Float64Array.of(2), Math.log(3));
const theta0 = twoModeTheta(Float64Array.of(-2), Float64Array.of(2), 0);
function dataOf(name: string, n: number): Float64Array {
  return mix.sample!(streamFromKey(foldIn(testKey(`continuous data: ${name}`), 0)), teacher, n, new Float64Array(n));
}
const base: ContinuousTrainingOptions = { variant: 'jarzynski', alpha: 1, dt: 0.05, T: 1, walkers: 40 };

describe('runContinuousTraining', () => {
  it('step 0 is the kernel step with noise from continuousStepKey(runKey, 0) and θ₁ from (19)', () => {
    const data = dataOf('step 0', 60);
    const runKey = testKey('continuous: step 0');
    const lr = Float64Array.of(0.5, 0.2, 2);
    const res = runContinuousTraining(runKey, mix, theta0, data, 60, { ...base, T: 0.05, learningRate: lr });
    // By hand: X_0 from the init key, the walker mean of ∂θU at A = 0, the data mean, then the kernel with the step noise.
    const x0 = mix.sample!(streamFromKey(continuousInitKey(runKey)), theta0, 40, new Float64Array(40));
    const kernel = continuousKernel(mix, 40, { alpha: 1, dt: 0.05, weighted: true });
    const s0 = kernel.init(theta0, x0);
    const wm = kernel.weightedParamMean(s0, new Float64Array(3));
    const dm = mix.paramGrad(theta0, data, 60, new Float64Array(60).fill(1 / 60), new Float64Array(3));
    const theta1 = theta0.map((v, j) => v + 0.05 * lr[j]! * (wm[j]! - dm[j]!));
    const noise = normals(streamFromKey(continuousStepKey(runKey, 0)), new Float64Array(40));
    const s1 = kernel.step(noise, s0, theta1, emptyContinuousState(40, 1, 3));
    expect(res.steps).toBe(1);
    expect(Array.from(res.state.theta)).toEqual(Array.from(theta1));
    expect(Array.from(res.state.x)).toEqual(Array.from(s1.x));
    expect(Array.from(res.state.logW)).toEqual(Array.from(s1.logW));
    expect(Array.from(res.trace.theta.subarray(3, 6))).toEqual(Array.from(theta1));
    // θ moved, so the Jarzynski weights did too (a do-nothing update would leave A = 0).
    expect(res.state.logW.some((a) => a !== 0)).toBe(true);
  });

  it("variants: 'pcd' starts at the data with A ≡ 0, 'unweighted' at exact draws with A ≡ 0, 'jarzynski' evolves A", () => {
    const data = dataOf('variants', 50);
    const runKey = testKey('continuous: variants');
    const seen: Record<string, { x0: Float64Array; maxAbsA: number; essMin: number }> = {};
    for (const variant of ['pcd', 'unweighted', 'jarzynski'] as const) {
      let x0 = new Float64Array(0), maxAbsA = 0, essMin = 1;
      const res = runContinuousTraining(runKey, mix, theta0, data, 50, { ...base, variant, T: 2, recordEvery: 4 }, (r, _k, _t, s) => {
        if (r === 0) x0 = Float64Array.from(s.x);
        for (const a of s.logW) maxAbsA = Math.max(maxAbsA, Math.abs(a));
      });
      for (const e of res.trace.ess) essMin = Math.min(essMin, e);
      seen[variant] = { x0, maxAbsA, essMin };
      expect(res.trace.t[res.trace.t.length - 1]).toBeCloseTo(2, 12);
      expect(res.trace.t.length).toBe(11); // 40 steps, every 4th, plus t = 0
    }
    expect(Array.from(seen['pcd']!.x0)).toEqual(Array.from(data.subarray(0, 40)));
    const drawn = mix.sample!(streamFromKey(continuousInitKey(runKey)), theta0, 40, new Float64Array(40));
    expect(Array.from(seen['unweighted']!.x0)).toEqual(Array.from(drawn));
    expect(Array.from(seen['jarzynski']!.x0)).toEqual(Array.from(drawn));
    expect(seen['pcd']!.maxAbsA).toBe(0);
    expect(seen['unweighted']!.maxAbsA).toBe(0);
    expect(seen['pcd']!.essMin).toBe(1);
    expect(seen['jarzynski']!.maxAbsA).toBeGreaterThan(0.01);
    expect(seen['jarzynski']!.essMin).toBeLessThan(1);
  });

  it('tracks log Z (18) and the cross-entropy (20): exact at t = 0, and log Z̃ = log Z_θ0 + log mean e^{A} at every record', () => {
    const data = dataOf('cross-entropy', 80);
    const u = new Float64Array(80);
    const meanU = (th: Float64Array) => mix.energy(th, data, 80, u).reduce((a, b) => a + b, 0) / 80;
    const logZ0 = mix.logPartition!(theta0);
    const logZs: number[] = [];
    const res = runContinuousTraining(testKey('continuous: H'), mix, theta0, data, 80, { ...base, T: 1 }, (_r, _k, _t, s) => {
      logZs.push(logZ0 + logMeanExp(s.logW));
    });
    expect(res.trace.crossEntropy[0]).toBeCloseTo(logZ0 + meanU(theta0), 13);
    expect(res.trace.crossEntropyExact[0]).toBeCloseTo(logZ0 + meanU(theta0), 13);
    const p = 3;
    res.trace.logZ.forEach((v, r) => {
      expect(v).toBeCloseTo(logZs[r]!, 13);
      const th = res.trace.theta.slice(r * p, r * p + p);
      expect(res.trace.crossEntropy[r]).toBeCloseTo(v + meanU(th), 12);
      expect(res.trace.crossEntropyExact[r]).toBeCloseTo(mix.logPartition!(th) + meanU(th), 12);
    });
    // Without log Z_θ0 (an energy without logPartition and no options.logZ0), (20) is not tracked.
    const { logPartition: _drop, ...rest } = mix;
    const noZ: Energy = rest;
    const res2 = runContinuousTraining(testKey('continuous: H'), noZ, theta0, data, 80, { ...base, T: 0.1 });
    expect(Number.isNaN(res2.trace.logZ[1]!)).toBe(true);
    expect(Number.isNaN(res2.trace.crossEntropyExact[1]!)).toBe(true);
    const res3 = runContinuousTraining(testKey('continuous: H'), noZ, theta0, data, 80, { ...base, T: 0.1, logZ0: 1.5 });
    expect(res3.trace.logZ[0]).toBe(1.5);
  });

  it('resampling (off by default): the first resampling keeps log Z̃ and the path identical to the run without it; each resets A', () => {
    const data = dataOf('resampling', 60);
    const runKey = testKey('continuous: resampling');
    const opts: ContinuousTrainingOptions = { ...base, T: 2, recordEvery: 1 };
    const plain = runContinuousTraining(runKey, mix, theta0, data, 60, opts);
    expect(plain.resamplings).toBe(0);
    const res = runContinuousTraining(runKey, mix, theta0, data, 60, {
      // ESS/N < 1: resample whenever the weights are not all equal, i.e. at every step here (a threshold that the
      // weights may or may not reach in 40 steps would make the test depend on the seed).
      ...opts, resampling: { scheme: 'systematic', trigger: { kind: 'essFraction', value: 1 } },
    });
    expect(res.resamplings).toBeGreaterThan(0);
    const first = Array.from(res.trace.ess).findIndex((e, r) => r > 0 && e === 1);
    expect(first).toBeGreaterThan(0);
    for (let r = 0; r <= first; r++) {
      expect(res.trace.theta[r * 3 + 2]).toBe(plain.trace.theta[r * 3 + 2]);
      expect(res.trace.logZ[r]).toBeCloseTo(plain.trace.logZ[r]!, 13);
    }
    expect(first).toBe(1);
    expect(plain.trace.ess[first]).toBeLessThan(1);
    expect(res.resamplings).toBe(40);
    // Every step is recorded: the steps that resampled are exactly those whose weights are all equal again (ESS = 1).
    expect(Array.from(res.trace.ess).filter((e, r) => r > 0 && e === 1).length).toBe(res.resamplings);
  });

  it('is reproducible from the run key: bit-identical on a rerun, different under another key', () => {
    const data = dataOf('reproducible', 50);
    const run = (name: string) => runContinuousTraining(testKey(name), mix, theta0, data, 50, { ...base, T: 1, recordEvery: 5 });
    const a = run('continuous: reproducible'), b = run('continuous: reproducible'), c = run('continuous: reproducible (other key)');
    expect(Array.from(a.trace.theta)).toEqual(Array.from(b.trace.theta));
    expect(Array.from(a.state.x)).toEqual(Array.from(b.state.x));
    expect(Array.from(a.state.logW)).toEqual(Array.from(b.state.logW));
    expect(Array.from(a.state.x)).not.toEqual(Array.from(c.state.x));
  });

  it('rejects bad input before any work, naming the field and the constraint', () => {
    const data = dataOf('validation', 30);
    const key = testKey('continuous: validation');
    const run = (o: Partial<Record<keyof ContinuousTrainingOptions, unknown>>, dat = data, n = 30, th = theta0) =>
      () => runContinuousTraining(key, mix, th, dat, n, { ...base, walkers: 20, ...o } as ContinuousTrainingOptions);
    expect(run({ alpha: 0 })).toThrow(/options\.alpha must be a finite number > 0, got 0/);
    expect(run({ alpha: NaN })).toThrow(/options\.alpha/);
    expect(run({ dt: -0.1 })).toThrow(/options\.dt must be a finite number > 0/);
    expect(run({ T: 0 })).toThrow(/options\.T must be a finite number > 0/);
    expect(run({ T: 1.03 })).toThrow(/options\.T must be a positive multiple of options\.dt/);
    expect(run({ walkers: 0 })).toThrow(/options\.walkers must be an integer ≥ 1/);
    expect(run({ walkers: 2.5 })).toThrow(/options\.walkers/);
    expect(run({ variant: 'cd' })).toThrow(/options\.variant must be one of 'jarzynski', 'unweighted', 'pcd'/);
    expect(run({ learningRate: -1 })).toThrow(/options\.learningRate must be a finite number > 0/);
    expect(run({ learningRate: Float64Array.of(1, 1) })).toThrow(/options\.learningRate must hold p = 3 rates/);
    expect(run({ recordEvery: 0 })).toThrow(/options\.recordEvery/);
    expect(run({ logZ0: Infinity })).toThrow(/options\.logZ0 must be finite/);
    expect(run({}, new Float64Array(31), 30)).toThrow(/data must hold dataSize·d = 30·1 = 30 values/);
    expect(() => runContinuousTraining(key, twoModeMixtureEnergy(2), twoModeTheta(Float64Array.of(0, 0), Float64Array.of(1, 1), 0), data, 30, { ...base, walkers: 20 }))
      .toThrow(/data must hold dataSize·d = 30·2 = 60 values/);
    expect(run({}, data, 0)).toThrow(/dataSize must be an integer ≥ 1/);
    expect(run({ variant: 'pcd', walkers: 31 })).toThrow(/options\.walkers must be ≤ dataSize = 30 for 'pcd'/);
    expect(run({ variant: 'pcd', x0: new Float64Array(20) })).toThrow(/options\.x0 does not apply to 'pcd'/);
    expect(run({ x0: new Float64Array(19) })).toThrow(/options\.x0 must hold 20 values/);
    expect(run({}, data, 30, Float64Array.of(0, 1))).toThrow(/theta for twoModeMixture\(d=1\) must have length 3/);
    expect(run({ variant: 'pcd', resampling: { scheme: 'systematic', trigger: { kind: 'never' } } })).toThrow(/options\.resampling applies to 'jarzynski' only/);
    expect(run({ resampling: { scheme: 'systematic', trigger: { kind: 'essCount', value: 21 } } })).toThrow(/essCount value must be ≤ N = 20/);
    const { sample: _s, ...noSampler } = mix;
    expect(() => runContinuousTraining(key, noSampler, theta0, data, 30, { ...base, walkers: 20 })).toThrow(/options\.x0 is required/);
    // the kernel's own checks
    expect(() => continuousKernel(mix, 0, { alpha: 1, dt: 0.1, weighted: true })).toThrow(/n \(walkers\) must be an integer ≥ 1/);
    expect(() => continuousKernel(mix, 3, { alpha: 1, dt: 0, weighted: true })).toThrow(/options\.dt must be a finite number > 0/);
    const k = continuousKernel(mix, 3, { alpha: 1, dt: 0.1, weighted: true });
    const s = k.init(theta0, Float64Array.of(0, 1, 2));
    expect(() => k.step(new Float64Array(2), s, theta0, s)).toThrow(/noise must hold n·d = 3 values/);
    expect(() => k.init(theta0, Float64Array.of(0, NaN, 2))).toThrow(/x0\[1\] must be finite/);
    expect(() => k.step(new Float64Array(3), s, Float64Array.of(0, 0, NaN), s)).toThrow(/theta\[2\].*must be finite/);
  });
});
