/**
 * src/tfjs/energy: the paper's MNIST CNN has 76 993 parameters; a tiny CNN's U equals an independent float64 forward
 * pass (explicit padding, stride, SiLU) within a float32 bound; ∇ₓU and Σᵢ wᵢ ∂θU equal central finite differences of
 * that float64 reference; results do not depend on the evaluation chunk; the θ-gradient is linear in w; θ crosses the
 * float32 boundary as stated; errors are named.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import {
  cnnEnergy, cnnParameterCount, cnnParamShapes, convOutputSide, gaussianTensorEnergy, initCnnParameters, PAPER_MNIST_ENERGY,
  type CnnEnergySpec,
} from '../../src/tfjs/energy.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

const stream = (seed: number) => streamFromKey(keyFromSeed(seed));

/** A tiny CNN with the paper's layer kinds: k3 s2 p1 and k2 s1 p0 convolutions, one SiLU dense layer. */
const TINY: CnnEnergySpec = {
  height: 6, width: 5, channels: 2,
  convs: [{ filters: 3, kernel: 3, stride: 2, pad: 1 }, { filters: 4, kernel: 2, stride: 1, pad: 0 }],
  hidden: [5],
};

const silu = (v: number) => v / (1 + Math.exp(-v));

/** Independent float64 forward pass of U for one NHWC image (kernels [kh, kw, cin, cout], dense W [in, out]). */
function reference(spec: CnnEnergySpec, theta: Float64Array, x: Float64Array, xOff: number, padOverride?: number): number {
  const shapes = cnnParamShapes(spec);
  let o = 0;
  const take = (sh: number[]) => { const size = sh.reduce((a, b) => a * b, 1); const v = theta.subarray(o, o + size); o += size; return v; };
  let h = spec.height, w = spec.width, c = spec.channels;
  let a = Float64Array.from(x.subarray(xOff, xOff + h * w * c));
  let j = 0;
  for (const l of spec.convs) {
    const k = take(shapes[j++]!), b = take(shapes[j++]!);
    const pad = padOverride ?? l.pad;
    const h2 = Math.floor((h + 2 * pad - l.kernel) / l.stride) + 1, w2 = Math.floor((w + 2 * pad - l.kernel) / l.stride) + 1;
    const out = new Float64Array(h2 * w2 * l.filters);
    for (let r = 0; r < h2; r++) for (let q = 0; q < w2; q++) for (let f = 0; f < l.filters; f++) {
      let s = b[f]!;
      for (let dr = 0; dr < l.kernel; dr++) for (let dq = 0; dq < l.kernel; dq++) {
        const rr = r * l.stride + dr - pad, qq = q * l.stride + dq - pad;
        if (rr < 0 || rr >= h || qq < 0 || qq >= w) continue;
        for (let ci = 0; ci < c; ci++) s += a[(rr * w + qq) * c + ci]! * k[((dr * l.kernel + dq) * c + ci) * l.filters + f]!;
      }
      out[(r * w2 + q) * l.filters + f] = silu(s);
    }
    a = out; h = h2; w = w2; c = l.filters;
  }
  for (let m = 0; m <= spec.hidden.length; m++) {
    const W = take(shapes[j++]!), b = take(shapes[j++]!);
    const nOut = b.length, nIn = a.length;
    const out = new Float64Array(nOut);
    for (let t = 0; t < nOut; t++) {
      let s = b[t]!;
      for (let i = 0; i < nIn; i++) s += a[i]! * W[i * nOut + t]!;
      out[t] = m < spec.hidden.length ? silu(s) : s;
    }
    a = out;
  }
  return a[0]!;
}

const f32 = (v: Float64Array) => Float64Array.from(v, Math.fround);

/**
 * Float32 tolerance: every float32 value here is a sum of at most K = 3·3·2 + 1 = 19 (conv), 2·2·3 + 1 = 13, 5·… ≤ 25
 * products per layer over 4 layers; the first-order rounding bound is γ_K per layer on the absolute-value sums, which
 * with |θ| ≤ 1/√fan_in and |x| ≤ 3 stay below 10. 4 layers · γ₂₅ · 10 ≈ 6e-5; we use 2e-4 (a factor 3 for σ, exp and the
 * backward pass's extra accumulation of the same length).
 */
const TOL = 2e-4;

describe('src/tfjs/energy', () => {
  it('the paper\'s MNIST energy: 1→16 k5 s2 p4, 16→32, 32→64, 64→64 k3 s2 p1, 256→64→1, 76 993 parameters (≈ 77K, 004 §4.2)', () => {
    let side = 28;
    for (const l of PAPER_MNIST_ENERGY.convs) side = convOutputSide(side, l);
    expect(side).toBe(2);
    expect(side * side * PAPER_MNIST_ENERGY.convs[3]!.filters).toBe(256);
    const count = (16 * 25 + 16) + (32 * 16 * 9 + 32) + (64 * 32 * 9 + 64) + (64 * 64 * 9 + 64) + (256 * 64 + 64) + (64 + 1);
    expect(count).toBe(76993);
    expect(cnnParameterCount(PAPER_MNIST_ENERGY)).toBe(count);
    const th = initCnnParameters(stream(1), PAPER_MNIST_ENERGY);
    const e = cnnEnergy(PAPER_MNIST_ENERGY, th);
    const x = tf.tensor4d(new Float32Array(3 * 784).fill(-1), [3, 28, 28, 1]);
    const { u, grad } = e.valuesAndGradX(x);
    expect(u.shape).toEqual([3]);
    expect(grad.shape).toEqual([3, 28, 28, 1]);
    expect(Array.from(u.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, u, grad]);
    e.dispose();
  });

  it('initialisation is seeded and within ±1/√fan_in; θ → float32 → θ is the rounding to float32', () => {
    const a = initCnnParameters(stream(5), TINY), b = initCnnParameters(stream(5), TINY), c = initCnnParameters(stream(6), TINY);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const shapes = cnnParamShapes(TINY);
    let o = 0;
    shapes.forEach((sh, j) => {
      const size = sh.reduce((p, q) => p * q, 1);
      const w = shapes[j % 2 === 0 ? j : j - 1]!;
      const fan = w.length === 4 ? w[0]! * w[1]! * w[2]! : w[0]!;
      for (let i = o; i < o + size; i++) expect(Math.abs(a[i]!)).toBeLessThanOrEqual(1 / Math.sqrt(fan));
      o += size;
    });
    const e = cnnEnergy(TINY, a);
    expect(Array.from(e.parameters())).toEqual(Array.from(f32(a)));
    e.dispose();
  });

  it('U equals the float64 reference within the float32 bound; with the padding wrong (0) it does not (negative control)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const s = stream(seed);
      const th = f32(initCnnParameters(s, TINY));
      const n = 3, d = 60;
      const x = f32(normals(s, new Float64Array(n * d)));
      const e = cnnEnergy(TINY, th);
      const xt = tf.tensor4d(Float32Array.from(x), [n, 6, 5, 2]);
      const u = e.values(xt);
      const uv = u.dataSync();
      for (let i = 0; i < n; i++) expect(Math.abs(uv[i]! - reference(TINY, th, x, i * d))).toBeLessThanOrEqual(TOL);
      tf.dispose([xt, u]);
      e.dispose();
    }), { numRuns: 8 });
    // Negative control: the network's U differs from the reference with no padding by more than the tolerance.
    const th = f32(initCnnParameters(stream(3), TINY));
    const x = f32(normals(stream(4), new Float64Array(3 * 60)));
    const e = cnnEnergy(TINY, th);
    const xt = tf.tensor4d(Float32Array.from(x), [3, 6, 5, 2]);
    const ut = e.values(xt), u = ut.dataSync();
    for (let i = 0; i < 3; i++) expect(Math.abs(u[i]! - reference(TINY, th, x, i * 60, 0))).toBeGreaterThan(TOL);
    tf.dispose([xt, ut]);
    e.dispose();
  });

  it('∇ₓU and Σᵢ wᵢ ∂θU equal central differences of the float64 reference (ε = 1e-5: truncation and rounding ≪ 2e-4)', () => {
    const s = stream(11);
    const th = f32(initCnnParameters(s, TINY));
    const n = 2, d = 60, p = th.length;
    const x = f32(normals(s, new Float64Array(n * d)));
    const e = cnnEnergy(TINY, th);
    const xt = tf.tensor4d(Float32Array.from(x), [n, 6, 5, 2]);
    const { u, grad } = e.valuesAndGradX(xt);
    const g = grad.dataSync();
    const eps = 1e-5;
    let maxErr = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const xp = Float64Array.from(x), xm = Float64Array.from(x);
        xp[i * d + j] += eps; xm[i * d + j] -= eps;
        const fd = (reference(TINY, th, xp, i * d) - reference(TINY, th, xm, i * d)) / (2 * eps);
        maxErr = Math.max(maxErr, Math.abs(g[i * d + j]! - fd));
      }
    }
    expect(maxErr).toBeLessThanOrEqual(TOL);
    const w = Float64Array.of(0.3, -1.7);
    const pg = e.weightedParamGrad(xt, w, new Float64Array(p));
    let maxErrTheta = 0, maxAbs = 0;
    for (let j = 0; j < p; j++) {
      const tp = Float64Array.from(th), tm = Float64Array.from(th);
      tp[j] += eps; tm[j] -= eps;
      let fd = 0;
      for (let i = 0; i < n; i++) fd += w[i]! * (reference(TINY, tp, x, i * d) - reference(TINY, tm, x, i * d)) / (2 * eps);
      maxErrTheta = Math.max(maxErrTheta, Math.abs(pg[j]! - fd));
      maxAbs = Math.max(maxAbs, Math.abs(fd));
    }
    expect(maxAbs).toBeGreaterThan(0.1);
    expect(maxErrTheta).toBeLessThanOrEqual(TOL * 2); // |w|₁ = 2: the weighted sum of two images' errors
    tf.dispose([xt, u, grad]);
    e.dispose();
  });

  it('batching invariance: chunks of 1, 2 and 7 images give the same U, ∇ₓU and θ-gradient (float32 tolerance)', () => {
    const s = stream(21);
    const th = initCnnParameters(s, TINY);
    const n = 7;
    const x = normals(s, new Float64Array(n * 60));
    const w = normals(s, new Float64Array(n));
    const xt = tf.tensor4d(Float32Array.from(x), [n, 6, 5, 2]);
    const results = [1, 2, 7].map((chunk) => {
      const e = cnnEnergy(TINY, th, chunk);
      const { u, grad } = e.valuesAndGradX(xt);
      const r = { u: Float64Array.from(u.dataSync()), g: Float64Array.from(grad.dataSync()), pg: e.weightedParamGrad(xt, w, new Float64Array(e.paramDim)) };
      tf.dispose([u, grad]);
      e.dispose();
      return r;
    });
    for (const r of results.slice(1)) {
      for (const key of ['u', 'g', 'pg'] as const) {
        for (let i = 0; i < r[key].length; i++) expect(Math.abs(r[key][i]! - results[0]![key][i]!)).toBeLessThanOrEqual(TOL);
      }
    }
    xt.dispose();
  });

  it('the θ-gradient is linear in the weights: G(a w₁ + b w₂) = a G(w₁) + b G(w₂) and G(w) = Σᵢ wᵢ G(eᵢ)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }),
      (seed, a, b) => {
        const s = stream(seed);
        const th = initCnnParameters(s, TINY);
        const n = 3;
        const xt = tf.tensor4d(Float32Array.from(normals(s, new Float64Array(n * 60))), [n, 6, 5, 2]);
        const w1 = normals(s, new Float64Array(n)), w2 = normals(s, new Float64Array(n));
        const e = cnnEnergy(TINY, th);
        const p = e.paramDim;
        const G = (w: Float64Array) => e.weightedParamGrad(xt, w, new Float64Array(p));
        const g1 = G(w1), g2 = G(w2), g12 = G(Float64Array.from(w1, (v, i) => a * v + b * w2[i]!));
        const basis = [0, 1, 2].map((i) => G(Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))));
        // tolerance: the float32 error of each G (≤ TOL·|w|₁, see TOL) times the coefficients' sizes
        const tol = TOL * (Math.abs(a) + Math.abs(b) + 1) * 4;
        for (let j = 0; j < p; j++) {
          expect(Math.abs(g12[j]! - (a * g1[j]! + b * g2[j]!))).toBeLessThanOrEqual(tol);
          expect(Math.abs(g1[j]! - (w1[0]! * basis[0]![j]! + w1[1]! * basis[1]![j]! + w1[2]! * basis[2]![j]!))).toBeLessThanOrEqual(tol);
        }
        xt.dispose();
        e.dispose();
      }), { numRuns: 5 });
  });

  it('the Gaussian tensor energy is ½ e^{−2s}|x − μ|² with ∇ₓ = e^{−2s}(x − μ), ∂μ = −e^{−2s}(x − μ), ∂s = −e^{−2s}|x − μ|²', () => {
    const mu = normals(stream(31), new Float64Array(8)), s = 0.3;
    const th = f32(Float64Array.from([...mu, s]));
    const e = gaussianTensorEnergy([2, 2, 2], th);
    const x = f32(normals(stream(32), new Float64Array(16)));
    const xt = tf.tensor4d(Float32Array.from(x), [2, 2, 2, 2]);
    const { u, grad } = e.valuesAndGradX(xt);
    const pg = e.weightedParamGrad(xt, Float64Array.of(0.25, 0.75), new Float64Array(9));
    const c = Math.exp(-2 * th[8]!);
    const expPg = new Float64Array(9);
    for (let i = 0; i < 2; i++) {
      let r2 = 0;
      const wi = i === 0 ? 0.25 : 0.75;
      for (let j = 0; j < 8; j++) {
        const r = x[i * 8 + j]! - th[j]!;
        r2 += r * r;
        expect(grad.dataSync()[i * 8 + j]!).toBeCloseTo(c * r, 5);
        expPg[j] = expPg[j]! - wi * c * r;
      }
      expPg[8] = expPg[8]! - wi * c * r2;
      expect(u.dataSync()[i]!).toBeCloseTo(0.5 * c * r2, 5);
    }
    for (let j = 0; j < 9; j++) expect(pg[j]!).toBeCloseTo(expPg[j]!, 5);
    tf.dispose([xt, u, grad]);
    e.dispose();
  });

  it('errors name the argument: spec fields, θ length and finiteness, batch shape, weights length', () => {
    expect(() => cnnParamShapes({ ...TINY, convs: [{ filters: 0, kernel: 3, stride: 1, pad: 0 }] })).toThrow(/spec\.convs\[0\]\.filters = 0 must be a positive integer/);
    expect(() => cnnParamShapes({ ...TINY, convs: [{ filters: 2, kernel: 9, stride: 1, pad: 0 }] })).toThrow(/spec\.convs\[0\] maps a 6×5 input to -2×-3/);
    expect(() => cnnParamShapes({ ...TINY, hidden: [1.5] })).toThrow(/spec\.hidden\[0\] = 1\.5/);
    const th = initCnnParameters(stream(1), TINY);
    expect(() => cnnEnergy(TINY, th.subarray(1))).toThrow(/theta\.length = \d+ must be the parameter count/);
    const bad = Float64Array.from(th); bad[4] = NaN;
    expect(() => cnnEnergy(TINY, bad)).toThrow(/value\[4\] = NaN must be finite/);
    const e = cnnEnergy(TINY, th);
    const x = tf.zeros([2, 5, 6, 2]) as tf.Tensor4D;
    expect(() => e.values(x)).toThrow(/x has shape \[2, 5, 6, 2\], must be \[n, 6, 5, 2\]/);
    const y = tf.zeros([2, 6, 5, 2]) as tf.Tensor4D;
    expect(() => e.weightedParamGrad(y, new Float64Array(3), new Float64Array(e.paramDim))).toThrow(/weights\.length = 3 must be n = 2/);
    tf.dispose([x, y]);
    e.dispose();
  });
});
