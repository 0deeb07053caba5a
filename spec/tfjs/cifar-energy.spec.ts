/**
 * src/tfjs/cifar-energy: the parameter count of the n_f = 128 network (672n_f² + 170n_f + 1 = 11 031 809, by shapes,
 * nothing allocated); on tiny synthetic CIFAR-format files (encodeCifar10Batch → loadCifar10 → cifar10ToNhwc) with
 * n_f = 2: U equals an independent float64 forward pass within a float32 bound, and ∇ₓU matches central differences
 * of that reference (a wrong LeakyReLU slope is detected by both); the data noise is x + σξ with σ = 3·10⁻²; per-walker
 * norm clipping caps every norm at c, keeps directions and leaves small gradients untouched; a few clipped ULA steps
 * equal x − h·clip(∇U) + √(2h)ξ with injected ξ. With a clipped drift, the increments of 004 (6) keep E[e^{A}] = 1
 * (quadrature) only if α is evaluated with the clipped gradient; the unclipped α gives 0.9385 (negative control).
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import { cifar10ToNhwc, encodeCifar10Batch, loadCifar10, CIFAR10_PIXELS } from '../../src/tfjs/data/cifar10.js';
import {
  addDataNoise, cifarEnergy, cifarLayers, cifarParameterCount, cifarParamShapes, clipGradientNorms, clipGradientNormsFloat64, clipGradientValues, clippedUlaStep,
  gradientNorms, initCifarParameters, noisyDataTerm, CIFAR_DATA_NOISE, CIFAR_ENERGY_FEATURES, CIFAR_LEAK,
} from '../../src/tfjs/cifar-energy.js';
import { tensorEngine } from '../../src/tfjs/engine.js';
import { createImageTrainer } from '../../src/tfjs/image-trainer.js';
import { adam } from '../../src/training/optimizers.js';
import { foldIn, keyFromSeed, normals, streamFromKey, uniformInt, uniforms } from '../../src/rng/index.js';
import { jarzynskiAlpha } from '../../src/smc/jarzynski.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

const stream = (seed: number) => streamFromKey(keyFromSeed(seed));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const U32 = 2 ** -24;

/** Float64 forward pass (NHWC, explicit zero padding; x and θ taken as given: pass float32 values to mirror the tensors) and Σ|terms| per layer for a first-order float32 error bound. */
function reference(theta: Float64Array, nf: number, x: Float64Array, leak: number): { u: number; bound: number } {
  const layers = cifarLayers(nf);
  let h = Float64Array.from(x), err = new Float64Array(h.length), side = 32;
  let o = 0, u = 0, bound = 0;
  layers.forEach((l, j) => {
    const k = theta.subarray(o, o + l.kernel * l.kernel * l.cin * l.cout);
    o += k.length;
    const b = theta.subarray(o, o + l.cout);
    o += l.cout;
    const os = Math.floor((side + 2 * l.pad - l.kernel) / l.stride) + 1;
    const out = new Float64Array(os * os * l.cout), e = new Float64Array(out.length);
    const gam = ((l.kernel * l.kernel * l.cin + 1) * U32) / (1 - (l.kernel * l.kernel * l.cin + 1) * U32);
    for (let i = 0; i < os; i++) for (let jj = 0; jj < os; jj++) for (let co = 0; co < l.cout; co++) {
      let s = b[co]!, mag = Math.abs(b[co]!), pe = 0;
      for (let a = 0; a < l.kernel; a++) for (let c = 0; c < l.kernel; c++) {
        const r = i * l.stride + a - l.pad, q = jj * l.stride + c - l.pad;
        if (r < 0 || q < 0 || r >= side || q >= side) continue;
        for (let ci = 0; ci < l.cin; ci++) {
          const w = k[((a * l.kernel + c) * l.cin + ci) * l.cout + co]!, v = h[(r * side + q) * l.cin + ci]!;
          s += w * v; mag += Math.abs(w * v); pe += Math.abs(w) * err[(r * side + q) * l.cin + ci]!;
        }
      }
      const last = j + 1 === layers.length;
      out[(i * os + jj) * l.cout + co] = last || s > 0 ? s : leak * s;
      e[(i * os + jj) * l.cout + co] = pe + gam * mag + (last ? 0 : U32 * Math.abs(s)); // leaky product rounds once
    }
    h = out; err = e; side = os;
  });
  u = h[0]!; bound = err[0]!;
  return { u, bound };
}

/** Synthetic CIFAR-format data: n random images written as a binary batch, read back by the project's loader. */
function syntheticCifar(seed: number, n: number): Float64Array {
  const s = stream(seed);
  const images = Uint8Array.from({ length: n * CIFAR10_PIXELS }, () => uniformInt(s, 256));
  const labels = Uint8Array.from({ length: n }, () => uniformInt(s, 10));
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cifar-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'test_batch.bin'), encodeCifar10Batch({ n, labels, images }));
  const batch = loadCifar10(dir, 'test');
  expect(batch.n).toBe(n);
  return cifar10ToNhwc(batch);
}

describe('CIFAR-10 energy (004 §4.3; our reading of [47]\'s network)', () => {
  it('n_f = 128 has 672n_f² + 170n_f + 1 = 11 031 809 parameters (counted from the shapes)', () => {
    expect(CIFAR_ENERGY_FEATURES).toBe(128);
    expect(cifarParameterCount()).toBe(11031809);
    // layer by layer: 3·3·3·128 + 128, 4·4·128·256 + 256, 4·4·256·512 + 512, 4·4·512·1024 + 1024, 4·4·1024 + 1
    expect(cifarParamShapes().map((s) => s.reduce((a, b) => a * b, 1))).toEqual([3456, 128, 524288, 256, 2097152, 512, 8388608, 1024, 16384, 1]);
    for (const nf of [1, 2, 5, 64]) expect(cifarParameterCount(nf)).toBe(672 * nf * nf + 170 * nf + 1);
    expect(() => cifarLayers(0)).toThrow('cifarLayers: nf = 0 must be a positive integer');
  });

  it('on synthetic CIFAR-format files: U equals a float64 forward pass within a float32 bound (a wrong slope is detected)', () => {
    const n = 3, nf = 2, x = syntheticCifar(1, n);
    const theta = Float64Array.from(initCifarParameters(stream(2), nf), Math.fround);
    const e = cifarEnergy(theta, nf);
    expect(e.paramDim).toBe(cifarParameterCount(nf));
    const xt = tf.tensor4d(Float32Array.from(x), [n, 32, 32, 3]);
    const u = e.values(xt), ud = u.dataSync();
    expect(u.shape).toEqual([n]);
    for (let i = 0; i < n; i++) {
      const xi = Float64Array.from(x.subarray(i * 3072, (i + 1) * 3072), Math.fround); // the tensor's float32 input
      const r = reference(theta, nf, xi, CIFAR_LEAK);
      expect(Math.abs(ud[i]! - r.u)).toBeLessThanOrEqual(r.bound);
      // negative control: the network with LeakyReLU slope 0.1 is 100× farther from the tensor result than the reference
      const wrong = reference(theta, nf, xi, 0.1);
      expect(Math.abs(ud[i]! - wrong.u)).toBeGreaterThan(100 * Math.abs(ud[i]! - r.u));
    }
    u.dispose(); xt.dispose(); e.dispose();
  });

  it('∇ₓU matches central differences of the float64 reference along random directions', () => {
    const n = 2, nf = 2, x = syntheticCifar(3, n), theta = Float64Array.from(initCifarParameters(stream(4), nf), Math.fround);
    const e = cifarEnergy(theta, nf);
    const xt = tf.tensor4d(Float32Array.from(x), [n, 32, 32, 3]);
    const { u, grad } = e.valuesAndGradX(xt);
    expect(grad.shape).toEqual([n, 32, 32, 3]);
    const g = grad.dataSync();
    const s = stream(5);
    for (let i = 0; i < n; i++) {
      const xi = Float64Array.from(x.subarray(i * 3072, (i + 1) * 3072), Math.fround);
      const v = normals(s, new Float64Array(3072));
      const eps = 1e-6; // LeakyReLU is piecewise linear: the difference is exact (to float64 roundoff, ~1e-10 relative) unless a kink is crossed
      const plus = reference(theta, nf, xi.map((t, j) => t + eps * v[j]!), CIFAR_LEAK).u;
      const minus = reference(theta, nf, xi.map((t, j) => t - eps * v[j]!), CIFAR_LEAK).u;
      const fd = (plus - minus) / (2 * eps);
      let dot = 0, mag = 0;
      for (let j = 0; j < 3072; j++) { dot += g[i * 3072 + j]! * v[j]!; mag += Math.abs(g[i * 3072 + j]! * v[j]!); }
      // float32 backward pass: typical relative error ~ depth·√(fan_in)·u ≈ 1e-5 of Σ|g_j v_j| (measured 3e-9)
      expect(Math.abs(dot - fd)).toBeLessThanOrEqual(1e-5 * mag);
      const fdWrong = (reference(theta, nf, xi.map((t, j) => t + eps * v[j]!), 0.1).u - reference(theta, nf, xi.map((t, j) => t - eps * v[j]!), 0.1).u) / (2 * eps);
      expect(Math.abs(dot - fdWrong)).toBeGreaterThan(1e-5 * mag);
    }
    u.dispose(); grad.dispose(); xt.dispose(); e.dispose();
  });

  it('Σᵢ wᵢ ∂θU(xᵢ) (through the wasm Conv2DBackpropFilter) matches central differences of the reference in θ', () => {
    const n = 2, nf = 2, x = syntheticCifar(9, n), theta = Float64Array.from(initCifarParameters(stream(10), nf), Math.fround);
    const e = cifarEnergy(theta, nf);
    const xt = tf.tensor4d(Float32Array.from(x), [n, 32, 32, 3]);
    const w = Float64Array.of(0.25, 0.75);
    const g = e.weightedParamGrad(xt, w, new Float64Array(e.paramDim));
    const v = normals(stream(11), new Float64Array(e.paramDim));
    const eps = 1e-6; // U is piecewise polynomial in θ: central differences err by O(ε²) plus float64 roundoff
    let fd = 0;
    for (let i = 0; i < n; i++) {
      const xi = Float64Array.from(x.subarray(i * 3072, (i + 1) * 3072), Math.fround);
      const up = reference(theta.map((t, j) => t + eps * v[j]!), nf, xi, CIFAR_LEAK).u, um = reference(theta.map((t, j) => t - eps * v[j]!), nf, xi, CIFAR_LEAK).u;
      fd += (w[i]! * (up - um)) / (2 * eps);
    }
    let dot = 0, mag = 0;
    for (let j = 0; j < g.length; j++) { dot += g[j]! * v[j]!; mag += Math.abs(g[j]! * v[j]!); }
    expect(Math.abs(dot - fd)).toBeLessThanOrEqual(1e-5 * mag);
    // negative control: the weights swapped (Σ w_{1−i} ∂θU(xᵢ)) is a different vector
    const gs = e.weightedParamGrad(xt, Float64Array.of(0.75, 0.25), new Float64Array(e.paramDim));
    let dots = 0;
    for (let j = 0; j < gs.length; j++) dots += gs[j]! * v[j]!;
    expect(Math.abs(dots - fd)).toBeGreaterThan(1e-5 * mag);
    xt.dispose(); e.dispose();
  });

  it('data noise: x + σξ with the stream\'s normals, σ = 3·10⁻² by default', () => {
    const x = Float64Array.of(0.1, -0.5, 0.9);
    const got = addDataNoise(stream(6), x);
    const xi = normals(stream(6), new Float64Array(3));
    expect(CIFAR_DATA_NOISE).toBe(0.03);
    got.forEach((v, i) => expect(v).toBe(x[i]! + 0.03 * xi[i]!));
    expect(() => addDataNoise(stream(6), x, -1)).toThrow('addDataNoise: sigma = -1 must be finite and ≥ 0');
  });
});

describe('Langevin gradient clipping', () => {
  it('per-walker norm clipping: norms ≤ c, directions kept, gradients with ‖g‖ ≤ c unchanged', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0.1, max: 10, noNaN: true, noDefaultInfinity: true }), (seed, c) => {
      const n = 6, d = 12, s = stream(seed);
      const g = normals(s, new Float64Array(n * d));
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) g[i * d + j] = g[i * d + j]! * (0.2 * (i + 1)); // norms ≈ 0.7 … 4.2
      const g32 = Float64Array.from(g, Math.fround);
      const before = gradientNorms(g32, n);
      const t = tf.tensor(Float32Array.from(g32), [n, 2, 2, 3]);
      const r = clipGradientNorms(t, c), out = Float64Array.from(r.dataSync());
      const after = gradientNorms(out, n);
      for (let i = 0; i < n; i++) {
        if (before[i]! <= c) {
          for (let j = 0; j < d; j++) expect(out[i * d + j]).toBe(g32[i * d + j]);
        } else {
          expect(Math.abs(after[i]! - c)).toBeLessThanOrEqual(8 * U32 * c * Math.sqrt(d));
          const k = c / before[i]!;
          for (let j = 0; j < d; j++) expect(Math.abs(out[i * d + j]! - k * g32[i * d + j]!)).toBeLessThanOrEqual(4 * U32 * Math.abs(k * g32[i * d + j]!) + 1e-30);
        }
      }
      t.dispose(); r.dispose();
    }), { numRuns: 30 });
  });

  it('zero gradients stay zero; entrywise clamping to ±b; bad bounds are named', () => {
    const z = tf.zeros([2, 3]), r = clipGradientNorms(z, 1);
    expect(Array.from(r.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const v = tf.tensor([[-3, 0.5, 2]]), cv = clipGradientValues(v, 1);
    expect(Array.from(cv.dataSync())).toEqual([-1, 0.5, 1]);
    expect(() => clipGradientNorms(z, 0)).toThrow('clipGradientNorms: maxNorm = 0 must be positive and finite');
    expect(() => clipGradientValues(v, NaN)).toThrow('clipGradientValues: bound = NaN must be positive and finite');
    [z, r, v, cv].forEach((t) => t.dispose());
  });

  it('three clipped ULA steps on the n_f = 2 energy equal x − h·clip(∇U) + √(2h)ξ with injected ξ', () => {
    const n = 2, nf = 2, h = 1e-2;
    const e = cifarEnergy(initCifarParameters(stream(7), nf), nf);
    let x = tf.tensor4d(Float32Array.from(syntheticCifar(8, n)), [n, 32, 32, 3]);
    const g0 = e.valuesAndGradX(x);
    const n0 = gradientNorms(Float64Array.from(g0.grad.dataSync()), n);
    g0.u.dispose(); g0.grad.dispose();
    const c = (n0[0]! + n0[1]!) / 2; // between the two walkers' norms: one is clipped, the other not (at step 0)
    expect(n0[0]).not.toBe(n0[1]);
    let clippedSome = 0;
    for (let k = 0; k < 3; k++) {
      const xi = normals(stream(100 + k), new Float64Array(n * 3072));
      const { grad } = e.valuesAndGradX(x);
      const g = Float64Array.from(grad.dataSync()), x0 = Float64Array.from(x.dataSync());
      grad.dispose();
      const norms = gradientNorms(g, n);
      const step = clippedUlaStep(stream(0), e, x, h, c, xi);
      expect(Array.from(step.info.gradNorms).map((v, i) => Math.abs(v - norms[i]!) <= 1e-12 * v)).toEqual([true, true]);
      const y = step.x.dataSync();
      for (let i = 0; i < n; i++) {
        const kf = Math.min(1, c / norms[i]!);
        for (let j = 0; j < 3072; j += 97) {
          const want = x0[i * 3072 + j]! - h * kf * g[i * 3072 + j]! + Math.sqrt(2 * h) * Math.fround(xi[i * 3072 + j]!);
          expect(Math.abs(y[i * 3072 + j]! - want)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want)));
        }
      }
      clippedSome += step.info.clipped;
      expect(y.every(Number.isFinite)).toBe(true);
      x.dispose();
      x = step.x;
    }
    expect(clippedSome).toBeGreaterThan(0); // the clipping was exercised (‖∇U‖ > c for some walker)
    expect(clippedSome).toBeLessThan(3 * n); // and the unclipped branch too
    x.dispose(); e.dispose();
  });
});

describe('clipping and the Jarzynski weights (004 (5)-(6) with a clipped drift)', () => {
  // U(x) = x²/2 in 1-D, X₀ ~ e^{−U}/Z exactly, θ fixed, one step X₁ = X₀ − h·clip_c(X₀) + √(2h)ξ. With α of 004 (6)
  // evaluated with the clipped gradient, −α(X₁, X₀) + α(X₀, X₁) = log[ρ(X₁)q(X₀|X₁)/(ρ(X₀)q(X₁|X₀))] for the kernel
  // actually used, q(y|x) = N(y; x − h·clip(∇U(x)), 2h), so E[e^{A₁}] = ∫∫ρ(x₁)q(x₀|x₁) = 1 exactly. Evaluated by the
  // trapezoid rule on [−9, 9]² (the clipping kinks make it O(Δ²): 1.3e-6 at 2001 points per axis, 3.3e-7 at 4001).
  const h = 0.5, c = 0.3, N = 2001, L = 9;
  function meanExpA(clipInAlpha: boolean): number {
    const dx = (2 * L) / (N - 1);
    const x0 = new Float64Array(N), x1 = new Float64Array(N), u0 = new Float64Array(N), u1 = new Float64Array(N);
    const g0 = new Float64Array(N), g1 = new Float64Array(N), a01 = new Float64Array(N), a10 = new Float64Array(N);
    let total = 0;
    for (let a = 0; a < N; a++) {
      const x = -L + a * dx;
      const drift = clipGradientNormsFloat64(Float64Array.of(x), 1, c)[0]!;
      for (let b = 0; b < N; b++) {
        const xi = -L + b * dx;
        x0[b] = x; x1[b] = x - h * drift + Math.sqrt(2 * h) * xi; // 004 (5) with the clipped drift
        u0[b] = 0.5 * x * x; u1[b] = 0.5 * x1[b]! * x1[b]!;
        g0[b] = x; g1[b] = x1[b]!;
      }
      if (clipInAlpha) { clipGradientNormsFloat64(g0, N, c, g0); clipGradientNormsFloat64(g1, N, c, g1); }
      jarzynskiAlpha(h, N, 1, x1, x0, u1, g1, a10); // α(X₁, X₀)
      jarzynskiAlpha(h, N, 1, x0, x1, u0, g0, a01); // α(X₀, X₁)
      for (let b = 0; b < N; b++) {
        const xi = -L + b * dx;
        const wt = (a === 0 || a === N - 1 ? 0.5 : 1) * (b === 0 || b === N - 1 ? 0.5 : 1);
        total += wt * Math.exp(-0.5 * x * x - 0.5 * xi * xi - a10[b]! + a01[b]!);
      }
    }
    return (total * dx * dx) / (2 * Math.PI);
  }

  it('E[e^{A₁}] = 1 when α uses the clipped gradient; the unclipped α (the public code\'s choice) gives 0.9385', () => {
    expect(Math.abs(meanExpA(true) - 1)).toBeLessThanOrEqual(1e-5);
    const bad = meanExpA(false);
    expect(Math.abs(bad - 0.93853)).toBeLessThanOrEqual(1e-4); // the same quadrature in float64 NumPy: 0.938528
    expect(Math.abs(bad - 1)).toBeGreaterThan(0.05);
  });

  it('clipGradientNormsFloat64 matches the definition and names bad arguments', () => {
    const g = Float64Array.of(3, 4, 0.3, 0.4);
    // walker 0 (norm 5) scaled by c/‖g‖ = 1/5, walker 1 (norm 0.5 ≤ c) untouched
    expect(Array.from(clipGradientNormsFloat64(g, 2, 1))).toEqual([3 * 0.2, 4 * 0.2, 0.3, 0.4]);
    expect(() => clipGradientNormsFloat64(g, 2, 0)).toThrow('clipGradientNormsFloat64: maxNorm = 0 must be positive and finite');
    expect(() => clipGradientNormsFloat64(g, 3, 1)).toThrow('gradientNorms: grad.length = 4 must be a positive multiple of n = 3');
  });
});

describe('the CIFAR-10 pipeline on synthetic CIFAR-format files', () => {
  it('noisyDataTerm: iteration k\'s batch plus fresh σξ from foldIn(noiseKey, k), exactly; σ = 0 is the plain mini-batch', () => {
    const n = 6, nf = 1, x = syntheticCifar(20, n), theta = Float64Array.from(initCifarParameters(stream(21), nf), Math.fround);
    const e = cifarEnergy(theta, nf);
    const term = noisyDataTerm(e, x, n, { batchSize: 3, key: keyFromSeed(22), noiseKey: keyFromSeed(23) });
    term.iteration = 4;
    const g = new Float64Array(e.paramDim), meanU = term.meanParamGradAndEnergy(theta, g);
    const idx = term.batchIndices(4);
    const batch = new Float64Array(3 * 3072);
    for (let j = 0; j < 3; j++) batch.set(x.subarray(idx[j]! * 3072, (idx[j]! + 1) * 3072), j * 3072);
    const noisy = addDataNoise(streamFromKey(foldIn(keyFromSeed(23), 4)), batch, 0.03);
    const xt = tf.tensor4d(Float32Array.from(noisy), [3, 32, 32, 3]);
    const u = Array.from(e.values(xt).dataSync());
    expect(meanU).toBe(u.reduce((a, b) => a + b, 0) / 3);
    const g2 = e.weightedParamGrad(xt, new Float64Array(3).fill(1 / 3), new Float64Array(e.paramDim));
    expect(Array.from(g)).toEqual(Array.from(g2));
    // control: σ = 0 gives the un-noised batch, a different value
    const plain = noisyDataTerm(e, x, n, { batchSize: 3, key: keyFromSeed(22), noiseKey: keyFromSeed(23), sigma: 0 });
    plain.iteration = 4;
    expect(plain.meanParamGradAndEnergy(theta, new Float64Array(e.paramDim))).not.toBe(meanU);
    expect(() => noisyDataTerm(e, x, n, { batchSize: 0, key: keyFromSeed(1), noiseKey: keyFromSeed(2) })).toThrow('noisyDataTerm: batchSize = 0 must be a positive integer');
    xt.dispose(); e.dispose();
  });

  it('Algorithm 2 (createImageTrainer over the tensor engine) runs 3 iterations on the n_f = 2 energy with noisy data and resampling', () => {
    const N = 8, DATA = 6, nf = 2;
    const data = syntheticCifar(30, DATA);
    const theta0 = initCifarParameters(stream(31), nf);
    const energy = cifarEnergy(theta0, nf);
    const engine = tensorEngine(energy, N);
    const dataTerm = noisyDataTerm(energy, data, DATA, { batchSize: 4, key: keyFromSeed(32), noiseKey: keyFromSeed(33) });
    const tr = createImageTrainer({
      engine, data: dataTerm, optimizer: adam(energy.paramDim, { lr: 1e-4 }),
      options: { algorithm: 'jarzynski', h: 1e-3, batchSize: 4, resampling: { scheme: 'systematic', trigger: { kind: 'essFraction', value: 1 } } },
      runKey: keyFromSeed(34), theta0, x0: uniforms(stream(35), new Float64Array(N * 3072)).map((v) => 2 * v - 1),
    });
    for (let k = 0; k < 3; k++) tr.step();
    expect(tr.k).toBe(3);
    expect(tr.logW.every((v) => Number.isFinite(v))).toBe(true);
    expect(tr.theta.every(Number.isFinite)).toBe(true);
    expect(Array.from(tr.theta).some((v, i) => v !== Math.fround(theta0[i]!) && v !== theta0[i])).toBe(true); // θ moved
    const pos = engine.readPositions(new Float64Array(N * 3072));
    expect(pos.every(Number.isFinite)).toBe(true);
    engine.dispose(); dataTerm.dispose(); energy.dispose();
  });
});
