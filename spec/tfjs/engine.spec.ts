/**
 * src/tfjs/engine: the tensor WalkerEngine's ULA move is 004 (5) with noise √(2h) ξ and the generic engine's noise
 * draws; frozen walkers keep their positions bit for bit; the weight update is src/smc's (5)-(6) and Alg. 2 line 14;
 * resampling gathers positions, energies and gradients exactly; restore reads back bit for bit; and Algorithm 2 with
 * resampling and log Z run through createTrainer on a Gaussian tensor energy reproduces the float64 generic engine's
 * run (weights, ESS, resampling decisions, log Z, θ) to float32 tolerance, while a 1 % error in h is detected.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import { gaussianTensorEnergy } from '../../src/tfjs/energy.js';
import { tensorDataTerm, tensorEngine } from '../../src/tfjs/engine.js';
import { gaussianEnergy } from '../../src/energies/gaussian.js';
import { drawWalkerNoise, energyDataTerm, energyEngine } from '../../src/training/engine.js';
import { createTrainer, type IterationInfo, type TrainerOptions } from '../../src/training/trainer.js';
import { adam } from '../../src/training/optimizers.js';
import { jarzynskiIncrement } from '../../src/smc/jarzynski.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

const SHAPE: [number, number, number] = [4, 4, 1];
const D = 16;
const identity = (d: number) => { const m = new Float64Array(d * d); for (let i = 0; i < d; i++) m[i * d + i] = 1; return m; };
const f32 = (v: Float64Array) => Float64Array.from(v, Math.fround);
const U32 = 2 ** -24;

function theta(seed: number, s: number): Float64Array {
  const mu = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(D));
  return f32(Float64Array.from([...mu, s]));
}

describe('src/tfjs/engine', () => {
  it('ULA: moved walkers follow X − h∇U + √(2h)ξ with the generic engine\'s noise; frozen walkers stay put bit for bit', () => {
    const th = theta(1, 0.2), n = 6, h = 0.05;
    const e = gaussianTensorEnergy(SHAPE, th);
    const eng = tensorEngine(e, n);
    const x0 = f32(normals(streamFromKey(keyFromSeed(2)), new Float64Array(n * D)));
    eng.setPositions(th, x0);
    const g0 = eng.readGradients(new Float64Array(n * D));
    const moved = Int32Array.of(1, 4);
    const key = keyFromSeed(3);
    eng.advance(key, th, th, h, moved, null);
    const x1 = eng.readPositions(new Float64Array(n * D));
    const xi = drawWalkerNoise(key, 2, D, new Float64Array(2 * D));
    const c = Math.exp(-2 * th[D]!);
    for (let i = 0; i < n; i++) {
      const t = Array.from(moved).indexOf(i);
      for (let j = 0; j < D; j++) {
        const k = i * D + j;
        if (t < 0) { expect(x1[k]).toBe(x0[k]); continue; }
        expect(g0[k]!).toBeCloseTo(c * (x0[k]! - th[j]!), 5);
        const expected = x0[k]! - h * g0[k]! + Math.sqrt(2 * h) * Math.fround(xi[t * D + j]!);
        // three float32 roundings of terms of size ≤ |x| + |h g| + |√(2h) ξ| ≤ 10
        expect(Math.abs(x1[k]! - expected)).toBeLessThanOrEqual(3 * U32 * 10);
      }
    }
    eng.dispose();
    e.dispose();
  });

  it('the weight update equals src/smc\'s (5)-(6) for moved walkers and Alg. 2 line 14 for frozen ones', () => {
    const thK = theta(4, 0.1), thN = theta(5, -0.1), n = 7, h = 0.02;
    const e = gaussianTensorEnergy(SHAPE, thK);
    const eng = tensorEngine(e, n);
    eng.setPositions(thK, f32(normals(streamFromKey(keyFromSeed(6)), new Float64Array(n * D))));
    const uOld = eng.readEnergies(new Float64Array(n)), gOld = eng.readGradients(new Float64Array(n * D));
    const x0 = eng.readPositions(new Float64Array(n * D));
    const logW = normals(streamFromKey(keyFromSeed(7)), new Float64Array(n));
    const before = Float64Array.from(logW);
    const moved = Int32Array.of(0, 2, 3, 6), key = keyFromSeed(8);
    eng.advance(key, thK, thN, h, moved, logW);
    const uNew = eng.readEnergies(new Float64Array(n)), gNew = eng.readGradients(new Float64Array(n * D));
    const xi = f32(drawWalkerNoise(key, moved.length, D, new Float64Array(moved.length * D)));
    const x1 = eng.readPositions(new Float64Array(n * D));
    for (let t = 0; t < moved.length; t++) {
      const i = moved[t]!;
      const one = jarzynskiIncrement(h, 1, D, xi.subarray(t * D, t * D + D), uOld.subarray(i, i + 1), gOld.subarray(i * D, i * D + D),
        uNew.subarray(i, i + 1), gNew.subarray(i * D, i * D + D), before.subarray(i, i + 1), new Float64Array(1));
      // the float32 reductions ξ·s and |s|² over d = 16 terms of size ≤ 50: γ₁₆ · 50 · (h/4 + √(h/2)) ≪ 1e-5
      expect(Math.abs(logW[i]! - one[0]!)).toBeLessThanOrEqual(1e-5);
    }
    for (const i of [1, 4, 5]) {
      expect(logW[i]).toBe(before[i]! + uOld[i]! - uNew[i]!);
      for (let j = 0; j < D; j++) expect(x1[i * D + j]).toBe(x0[i * D + j]);
    }
    // U_θk+1 of the frozen walkers is evaluated at their unchanged positions
    const c = Math.exp(-2 * thN[D]!);
    let r2 = 0;
    for (let j = 0; j < D; j++) r2 += (x0[D + j]! - thN[j]!) ** 2;
    expect(uNew[1]!).toBeCloseTo(0.5 * c * r2, 4);
    eng.dispose();
    e.dispose();
  });

  it('after a mini-batch move readGradients re-evaluates ∇U at θ_k+1; a following all-walker move uses ∇U at its θ_k', () => {
    const thA = theta(20, 0.1), thB = theta(21, -0.2), thC = theta(22, 0), n = 5, h = 0.03;
    const e = gaussianTensorEnergy(SHAPE, thA);
    const eng = tensorEngine(e, n);
    eng.setPositions(thA, f32(normals(streamFromKey(keyFromSeed(23)), new Float64Array(n * D))));
    eng.advance(keyFromSeed(24), thA, thB, h, Int32Array.of(3, 0), null);
    const x1 = eng.readPositions(new Float64Array(n * D));
    const gradAt = (th: Float64Array, x: Float64Array) => Float64Array.from(x, (v, k) => Math.exp(-2 * th[D]!) * (v - th[k % D]!));
    const g1 = eng.readGradients(new Float64Array(n * D)), g1Exact = gradAt(thB, x1);
    for (let k = 0; k < n * D; k++) expect(Math.abs(g1[k]! - g1Exact[k]!)).toBeLessThanOrEqual(1e-5);
    const other = tensorEngine(e, n);
    other.setPositions(thA, f32(normals(streamFromKey(keyFromSeed(23)), new Float64Array(n * D))));
    other.advance(keyFromSeed(24), thA, thB, h, Int32Array.of(3, 0), null);
    other.advance(keyFromSeed(25), thB, thC, h, null, null); // the cache is stale here: ∇U_θB is evaluated first
    const x2 = other.readPositions(new Float64Array(n * D));
    const xi = drawWalkerNoise(keyFromSeed(25), n, D, new Float64Array(n * D));
    for (let k = 0; k < n * D; k++) {
      const expected = x1[k]! - h * g1Exact[k]! + Math.sqrt(2 * h) * Math.fround(xi[k]!);
      expect(Math.abs(x2[k]! - expected)).toBeLessThanOrEqual(1e-5);
    }
    eng.dispose();
    other.dispose();
    e.dispose();
  });

  it('resample gathers positions, energies and gradients exactly; restore reads back bit for bit', () => {
    const th = theta(9, 0), n = 5;
    const e = gaussianTensorEnergy(SHAPE, th);
    const eng = tensorEngine(e, n);
    eng.setPositions(th, normals(streamFromKey(keyFromSeed(10)), new Float64Array(n * D)));
    const x = eng.readPositions(new Float64Array(n * D)), u = eng.readEnergies(new Float64Array(n)), g = eng.readGradients(new Float64Array(n * D));
    const anc = Int32Array.of(3, 3, 0, 4, 1);
    eng.resample(anc);
    const x2 = eng.readPositions(new Float64Array(n * D)), u2 = eng.readEnergies(new Float64Array(n)), g2 = eng.readGradients(new Float64Array(n * D));
    for (let i = 0; i < n; i++) {
      expect(u2[i]).toBe(u[anc[i]!]);
      for (let j = 0; j < D; j++) {
        expect(x2[i * D + j]).toBe(x[anc[i]! * D + j]);
        expect(g2[i * D + j]).toBe(g[anc[i]! * D + j]);
      }
    }
    const other = tensorEngine(e, n);
    other.restore(x2, u2, g2);
    expect(Array.from(other.readPositions(new Float64Array(n * D)))).toEqual(Array.from(x2));
    expect(Array.from(other.readEnergies(new Float64Array(n)))).toEqual(Array.from(u2));
    expect(Array.from(other.readGradients(new Float64Array(n * D)))).toEqual(Array.from(g2));
    eng.dispose();
    other.dispose();
    e.dispose();
  });

  for (const batch of [8, undefined]) it(`Algorithm ${batch === undefined ? 1 : 2} with resampling and log Z: the tensor engine reproduces the float64 engine to float32 tolerance; h·1.01 is detected`, () => {
    const n = 24, iterations = 30, s0 = 0.3;
    const th0 = theta(11, s0);
    const f64 = gaussianEnergy(identity(D), D);
    const x0 = f32(f64.sample!(streamFromKey(keyFromSeed(12)), th0, n, new Float64Array(n * D)));
    const dataTheta = theta(13, -0.2);
    const data = f32(f64.sample!(streamFromKey(keyFromSeed(14)), dataTheta, 40, new Float64Array(40 * D)));
    const logZ0 = (D / 2) * Math.log(2 * Math.PI) + D * s0; // gaussianEnergy's log Z_θ (Σ₀ = I)
    const runKey = keyFromSeed(15);
    const options = (h: number): TrainerOptions => ({
      algorithm: 'jarzynski', h, ...(batch === undefined ? {} : { batchSize: batch }), logZ0,
      resampling: { scheme: 'systematic', trigger: { kind: 'essFraction', value: 0.6 } },
    });
    const opt = () => adam(D + 1, { lr: 0.05, schedule: 'linear', iterations });
    function run64(h: number) {
      const tr = createTrainer({ engine: energyEngine(f64, n), data: energyDataTerm(f64, data, 40), optimizer: opt(), options: options(h), runKey, theta0: th0, x0 });
      const infos: IterationInfo[] = [];
      for (let k = 0; k < iterations; k++) infos.push(tr.step());
      return { infos, theta: Float64Array.from(tr.theta), logW: Float64Array.from(tr.logW) };
    }
    const te = gaussianTensorEnergy(SHAPE, th0);
    const eng = tensorEngine(te, n);
    const dt = tensorDataTerm(te, data, 40);
    const tr32 = createTrainer({ engine: eng, data: dt, optimizer: opt(), options: options(0.05), runKey, theta0: th0, x0 });
    const infos32: IterationInfo[] = [];
    for (let k = 0; k < iterations; k++) infos32.push(tr32.step());
    const ref = run64(0.05), wrong = run64(0.05 * 1.01);
    // Tolerance: per iteration and walker the float32 error of U_k − U_k+1 − (h/4)|s|² + √(h/2)ξ·s is ≤ 4 γ₁₆ · 50
    // (terms of size ≤ 50, as |x − μ|² e^{−2s} ≤ 50 here) ≈ 2e-4 / 4; over 30 iterations, with resampling copying
    // weights, ≤ 30 · 5e-5 = 1.5e-3. The same bound covers log Z, whose increments are log-mean-exps of the A's.
    const tol = 1.5e-3;
    const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(infos32.some((i) => i.resampled)).toBe(true);
    expect(infos32.map((i) => i.resampled)).toEqual(ref.infos.map((i) => i.resampled));
    for (let k = 0; k < iterations; k++) {
      expect(Math.abs(infos32[k]!.ess - ref.infos[k]!.ess)).toBeLessThanOrEqual(tol);
      expect(Math.abs(infos32[k]!.logZ! - ref.infos[k]!.logZ!)).toBeLessThanOrEqual(tol);
      expect(Math.abs(infos32[k]!.crossEntropy! - ref.infos[k]!.crossEntropy!)).toBeLessThanOrEqual(tol);
    }
    expect(maxDiff(tr32.logW, ref.logW)).toBeLessThanOrEqual(tol);
    expect(maxDiff(tr32.theta, ref.theta)).toBeLessThanOrEqual(tol);
    // Negative control: a 1 % error in h moves the weights by more than the tolerance.
    expect(maxDiff(tr32.logW, wrong.logW)).toBeGreaterThan(tol);
    eng.dispose();
    dt.dispose();
    te.dispose();
  });

  it('the data term: full averages equal the float64 ones; mini-batches are drawn per iteration from foldIn(key, k)', () => {
    const th = theta(16, 0.1), n = 9;
    const te = gaussianTensorEnergy(SHAPE, th);
    const pts = f32(normals(streamFromKey(keyFromSeed(17)), new Float64Array(n * D)));
    const full = tensorDataTerm(te, pts, n);
    const f64 = energyDataTerm(gaussianEnergy(identity(D), D), pts, n);
    const g32 = new Float64Array(D + 1), g64 = new Float64Array(D + 1);
    expect(full.meanParamGradAndEnergy(th, g32)).toBeCloseTo(f64.meanParamGradAndEnergy(th, g64), 5);
    for (let j = 0; j <= D; j++) expect(g32[j]!).toBeCloseTo(g64[j]!, 5);
    const key = keyFromSeed(18);
    const mb = tensorDataTerm(te, pts, n, { batchSize: 4, key });
    const a = mb.batchIndices(3), b = mb.batchIndices(3), c = mb.batchIndices(4);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a).every((i) => i >= 0 && i < n)).toBe(true);
    // iteration 3's mini-batch average is the float64 average over those indices
    mb.iteration = 3;
    const sub = new Float64Array(4 * D);
    a.forEach((i, t) => sub.set(pts.subarray(i * D, i * D + D), t * D));
    const f64sub = energyDataTerm(gaussianEnergy(identity(D), D), sub, 4);
    expect(mb.meanParamGradAndEnergy(th, g32)).toBeCloseTo(f64sub.meanParamGradAndEnergy(th, g64), 5);
    for (let j = 0; j <= D; j++) expect(g32[j]!).toBeCloseTo(g64[j]!, 5);
    full.dispose();
    mb.dispose();
    te.dispose();
  });

  it('errors name the argument', () => {
    const th = theta(19, 0), n = 3;
    const te = gaussianTensorEnergy(SHAPE, th);
    const eng = tensorEngine(te, n);
    expect(() => eng.advance(keyFromSeed(1), th, th, 0.1, null, null)).toThrow(/call setPositions \(or restore\) before stepping/);
    expect(() => eng.setPositions(th, new Float64Array(5))).toThrow(/positions must hold N·d = 48 values, got 5/);
    const bad = new Float64Array(n * D); bad[7] = NaN;
    expect(() => eng.setPositions(th, bad)).toThrow(/value\[7\] = NaN must be finite/);
    eng.setPositions(th, new Float64Array(n * D));
    expect(() => eng.advance(keyFromSeed(1), th, th, -1, null, null)).toThrow(/h must be a finite number > 0, got -1/);
    expect(() => eng.advance(keyFromSeed(1), th, th, 0.1, Int32Array.of(1, 1), null)).toThrow(/moved must hold distinct walker indices in \[0, 3\), got 1/);
    expect(() => eng.advance(keyFromSeed(1), th, th, 0.1, null, new Float64Array(2))).toThrow(/logW must have length N = 3, got 2/);
    expect(() => eng.resample(Int32Array.of(0, 5, 1))).toThrow(/ancestors\[1\] = 5 is not a walker index in \[0, 3\)/);
    expect(() => eng.restore(new Float64Array(n * D), Float64Array.of(0.1, 0, 0), new Float64Array(n * D))).toThrow(/energies\[0\] = 0\.1 is not a float32 value/);
    expect(() => tensorDataTerm(te, new Float64Array(2 * D), 2, { batchSize: 1 })).toThrow(/key is required when batchSize < size/);
    expect(() => tensorEngine(te, 0)).toThrow(/walkers = 0 must be a positive integer/);
    eng.dispose();
    te.dispose();
  });
});
