/**
 * src/tfjs/backend: selection falls through in the stated order and reports why; the wasm Conv2DBackpropFilter
 * registered by the project (a dilated forward convolution) equals an independent float64 reference and the cpu
 * backend's own kernel within a derived float32 bound; the float32 boundary refuses what float32 cannot hold.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKEND_ORDER, backpropFilterPlan, selectBackend, tensorToFloat64, tensorToFloat64Sync, toFloat32, toTensor, toTensor2d,
  type BackendLoader,
} from '../../src/tfjs/backend.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';

tf.env().set('PROD', true); // no tfjs banner / warnings in tests

const fail = (why: string): BackendLoader => async () => { throw new Error(why); };

describe('selectBackend', () => {
  it('falls through node → webgpu → wasm and records why each candidate was skipped', async () => {
    const s = await selectBackend({ quiet: true, loaders: { node: fail('no tfjs-node'), webgpu: fail('no GPU') } });
    expect(s.backend).toBe('wasm');
    expect(s.tfjsName).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(s.attempts.map((a) => [a.backend, a.ok])).toEqual([['node', false], ['webgpu', false], ['wasm', true]]);
    expect(s.attempts[0]!.reason).toBe('no tfjs-node');
    expect(s.reason).toMatch(/Conv2DBackpropFilter registered.*skipped node: no tfjs-node; webgpu: no GPU/);
  });

  it('with the real loaders: candidates are tried in order, the first that initialises is chosen, the others say why not', async () => {
    // On the CPU machines tfjs-node's install fails and webgpu (an optional dependency) finds no adapter
    // (../shared/gpu/README.md; Dawn prints a native "Couldn't load Vulkan" warning to stderr, which tfjs's PROD flag
    // cannot silence), so wasm is chosen; on the GPU machine webgpu is. Both outcomes are asserted, each exactly.
    const s = await selectBackend({ quiet: true });
    expect(BACKEND_ORDER).toEqual(['node', 'webgpu', 'wasm', 'cpu']);
    expect(s.attempts.map((a) => a.backend)).toEqual(BACKEND_ORDER.slice(0, s.attempts.length));
    expect(s.attempts.map((a) => a.ok)).toEqual([...Array(s.attempts.length - 1).fill(false), true]);
    expect(s.backend).toBe(s.attempts.at(-1)!.backend);
    expect(tf.getBackend()).toBe(s.tfjsName);
    const node = s.attempts[0]!;
    if (!node.ok) expect(node.reason).toMatch(/^@tensorflow\/tfjs-node is not available \(/);
    const webgpu = s.attempts[1];
    if (webgpu !== undefined && !webgpu.ok) {
      expect(webgpu.reason).toMatch(/^webgpu: no GPU adapter found$|webgpu is not installed|Dawn could not start/);
      expect(s.backend).toBe('wasm'); // wasm is a regular dependency: it always loads
    }
    if (s.backend === 'webgpu') expect(s.reason).toMatch(/^webgpu adapter found/);
  });

  it('prefer puts one candidate first and the rest follow in order; a failing wasm falls to cpu', async () => {
    const c = await selectBackend({ prefer: 'cpu', quiet: true });
    expect(c.attempts).toHaveLength(1);
    expect(c.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const w = await selectBackend({ prefer: 'wasm', quiet: true, loaders: { wasm: fail('wasm broken'), node: fail('x'), webgpu: fail('y') } });
    expect(w.attempts.map((a) => a.backend)).toEqual(['wasm', 'node', 'webgpu', 'cpu']);
    expect(w.backend).toBe('cpu');
    // A loader that "succeeds" without registering its backend is not taken.
    const n = await selectBackend({ prefer: 'node', quiet: true, loaders: { node: async () => 'pretend', webgpu: fail('y') } });
    expect(n.attempts[0]).toEqual({ backend: 'node', ok: false, reason: 'tfjs has no backend named tensorflow registered' });
    expect(n.backend).toBe('wasm');
  });

  it('only = true throws listing the attempt; bad options are named', async () => {
    await expect(selectBackend({ prefer: 'webgpu', only: true, loaders: { webgpu: fail('no GPU adapter') } }))
      .rejects.toThrow(/selectBackend: no backend could be initialised: webgpu: no GPU adapter/);
    await expect(selectBackend({ only: true })).rejects.toThrow(/only = true needs prefer/);
    await expect(selectBackend({ prefer: 'gpu' as never })).rejects.toThrow(/prefer = gpu must be one of node, webgpu, wasm, cpu/);
  });
});

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/** Independent float64 reference of dW[a, b, c, o] = Σ_{n,i,j} x[n, i s_h + a − pT, j s_w + b − pL, c] dy[n, i, j, o]. */
function referenceFilterGrad(
  x: Float32Array, xs: number[], dy: Float32Array, ds: number[], f: [number, number], s: [number, number], pT: number, pL: number,
): { value: Float64Array; absSum: Float64Array; terms: number } {
  const [N, H, W, C] = xs as [number, number, number, number];
  const [, Ho, Wo, O] = ds as [number, number, number, number];
  const value = new Float64Array(f[0] * f[1] * C * O), absSum = new Float64Array(value.length);
  for (let a = 0; a < f[0]; a++) for (let b = 0; b < f[1]; b++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
    let v = 0, m = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      const r = i * s[0] + a - pT, q = j * s[1] + b - pL;
      if (r < 0 || r >= H || q < 0 || q >= W) continue;
      const p = x[((n * H + r) * W + q) * C + c]! * dy[((n * Ho + i) * Wo + j) * O + o]!;
      v += p; m += Math.abs(p);
    }
    const k = ((a * f[1] + b) * C + c) * O + o;
    value[k] = v; absSum[k] = m;
  }
  return { value, absSum, terms: N * Ho * Wo };
}

/** Forward padding (top, left) and output size as tfjs defines 'same' / 'valid' / explicit. */
function geometry(H: number, W: number, f: [number, number], s: [number, number], pad: Pad) {
  if (pad === 'valid') return { pT: 0, pL: 0, Ho: Math.floor((H - f[0]) / s[0]) + 1, Wo: Math.floor((W - f[1]) / s[1]) + 1 };
  if (pad === 'same') {
    const Ho = Math.ceil(H / s[0]), Wo = Math.ceil(W / s[1]);
    const th = Math.max((Ho - 1) * s[0] + f[0] - H, 0), tw = Math.max((Wo - 1) * s[1] + f[1] - W, 0);
    return { pT: Math.floor(th / 2), pL: Math.floor(tw / 2), Ho, Wo };
  }
  const [[, ], [t, bo], [l, r]] = pad;
  return { pT: t, pL: l, Ho: Math.floor((H + t + bo - f[0]) / s[0]) + 1, Wo: Math.floor((W + l + r - f[1]) / s[1]) + 1 };
}

function float32Normals(seed: number, n: number): Float32Array {
  return Float32Array.from(normals(streamFromKey(keyFromSeed(seed)), new Float64Array(n)));
}

const U = 2 ** -24; // float32 unit roundoff
/** Higham's γ_k = k u / (1 − k u): |fl(Σ pᵢ) − Σ pᵢ| ≤ γ_{k+1} Σ |pᵢ| for k float32 products in any summation order. */
const gamma = (k: number) => (k * U) / (1 - k * U);

describe('wasm Conv2DBackpropFilter (registered by the project)', () => {
  beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

  it('the plan crops rows the forward convolution never reads (valid, stride 2, even size) and pads the rest', () => {
    // H = 8, fh = 3, s = 2, valid: Ho = 3 outputs read rows 0..6, so row 7 is cropped; W = 7: columns 0..6 all read.
    const p = backpropFilterPlan([2, 8, 7, 3], [2, 3, 3, 5], [3, 3, 3, 5], 2, 'valid', 'NHWC');
    expect([p.keepH, p.keepW]).toEqual([7, 7]);
    expect(p.pad).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(p.dilations).toEqual([2, 2]);
    const q = backpropFilterPlan([1, 5, 5, 1], [1, 3, 3, 1], [3, 3, 1, 1], 2, 'same', 'NHWC'); // pads 1 / 1
    expect(q.pad).toEqual([[0, 0], [1, 1], [1, 1], [0, 0]]);
    expect(() => backpropFilterPlan([1, 5, 5, 1], [1, 2, 3, 1], [3, 3, 1, 1], 2, 'same', 'NHWC')).toThrow(/dy spatial shape 2×3 must equal the forward output 3×3/);
    expect(() => backpropFilterPlan([5, 5, 1], [1, 2, 3, 1], [3, 3, 1, 1], 2, 'same', 'NHWC')).toThrow(/x must be rank 4/);
  });

  it('equals the float64 reference and the cpu backend within γ_{K+1} Σ|x·dy| on random shapes, strides 1-2, same/valid/explicit padding', async () => {
    const shapes = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      n: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }),
      c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
      fh: fc.integer({ min: 1, max: 3 }), fw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }),
      pad: fc.oneof(fc.constant<Pad>('same'), fc.constant<Pad>('valid'),
        fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([a, b, c, d]): Pad => [[0, 0], [a, b], [c, d], [0, 0]])),
    });
    let checked = 0;
    await fc.assert(fc.asyncProperty(shapes, async (p) => {
      const f: [number, number] = [p.fh, p.fw], s: [number, number] = [p.sh, p.sw];
      const g = geometry(p.h, p.w, f, s, p.pad);
      const xs = [p.n, p.h, p.w, p.c], ds = [p.n, g.Ho, g.Wo, p.o];
      const x = float32Normals(p.seed, p.n * p.h * p.w * p.c);
      const dy = float32Normals(p.seed + 1, ds.reduce((a, b) => a * b, 1));
      // The loss Σ conv(x, w) ⊙ R has ∂/∂y = R exactly, so dy = R and only the filter gradient itself rounds.
      const grad = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const xt = tf.tensor4d(x, xs as [number, number, number, number]), r = tf.tensor4d(dy, ds as [number, number, number, number]);
          const w0 = tf.ones([p.fh, p.fw, p.c, p.o]) as tf.Tensor4D;
          return tf.grad((w: tf.Tensor) => tf.conv2d(xt, w as tf.Tensor4D, s, p.pad).mul(r).sum())(w0).dataSync() as Float32Array;
        });
      };
      const wasm = await grad('wasm'), cpu = await grad('cpu');
      await tf.setBackend('wasm');
      const ref = referenceFilterGrad(x, xs, dy, ds, f, s, g.pT, g.pL);
      const tol = gamma(ref.terms + 1);
      expect(wasm.length).toBe(ref.value.length);
      for (let k = 0; k < ref.value.length; k++) {
        expect(Math.abs(wasm[k]! - ref.value[k]!)).toBeLessThanOrEqual(tol * ref.absSum[k]! + 1e-30);
        expect(Math.abs(cpu[k]! - ref.value[k]!)).toBeLessThanOrEqual(tol * ref.absSum[k]! + 1e-30);
      }
      checked++;
    }), { numRuns: 40 });
    expect(checked).toBe(40);
  });

  it('negative control: the same bound rejects the gradient computed without the stride as dilation', () => {
    // With stride 2 the taps of dy are 2 apart in x; using dilation 1 reads the wrong rows of x.
    const x = float32Normals(11, 1 * 6 * 6 * 1), dy = float32Normals(12, 1 * 3 * 3 * 1);
    const ref = referenceFilterGrad(x, [1, 6, 6, 1], dy, [1, 3, 3, 1], [2, 2], [2, 2], 0, 0);
    const wrong = tf.tidy(() => {
      const xt = tf.transpose(tf.tensor4d(x, [1, 6, 6, 1]), [3, 1, 2, 0]).slice([0, 0, 0, 0], [1, 4, 4, 1]) as tf.Tensor4D;
      const w = tf.transpose(tf.tensor4d(dy, [1, 3, 3, 1]), [1, 2, 0, 3]) as tf.Tensor4D;
      return tf.transpose(tf.conv2d(xt, w, 1, 'valid', 'NHWC', 1), [1, 2, 0, 3]).dataSync();
    });
    const tol = gamma(ref.terms + 1);
    const worst = Math.max(...Array.from(ref.value, (v, k) => Math.abs(wrong[k]! - v) - tol * ref.absSum[k]!));
    expect(worst).toBeGreaterThan(0.1);
  });

  it('the kernel frees its intermediate tensors (transposes, crop, dilated convolution): only its result stays allocated', () => {
    const x = tf.tensor4d(float32Normals(31, 2 * 8 * 7 * 3), [2, 8, 7, 3]), dy = tf.tensor4d(float32Normals(32, 2 * 3 * 3 * 5), [2, 3, 3, 5]);
    const before = tf.engine().backend.numDataIds();
    // valid padding, stride 2, H = 8: the plan crops (a Slice), so all four intermediates are exercised
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [2, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 3, 5] }) as tf.Tensor;
    expect(dw.shape).toEqual([3, 3, 3, 5]);
    expect(tf.engine().backend.numDataIds()).toBe(before + 1);
    tf.dispose([x, dy, dw]);
    expect(tf.engine().backend.numDataIds()).toBe(before - 2);
  });

  it('NCHW inputs give the transpose-consistent result of the NHWC kernel', () => {
    const x = float32Normals(21, 2 * 5 * 6 * 3), dy = float32Normals(22, 2 * 3 * 3 * 4);
    const attrs = { strides: [2, 2], pad: 'same', filterShape: [3, 2, 3, 4] };
    const [a, b] = tf.tidy(() => {
      const xh = tf.tensor4d(x, [2, 5, 6, 3]), dh = tf.tensor4d(dy, [2, 3, 3, 4]);
      const nhwc = tf.engine().runKernel('Conv2DBackpropFilter', { x: xh, dy: dh }, { ...attrs, dataFormat: 'NHWC' }) as tf.Tensor;
      const nchw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xh.transpose([0, 3, 1, 2]), dy: dh.transpose([0, 3, 1, 2]) }, { ...attrs, dataFormat: 'NCHW' }) as tf.Tensor;
      return [nhwc.dataSync(), nchw.dataSync()];
    });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('float32 boundary', () => {
  it('round-trips float32-representable values exactly and rounds others to nearest (relative error ≤ 2⁻²⁴)', async () => {
    await selectBackend({ prefer: 'wasm', only: true, quiet: true });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (seed, n, d) => {
      const v = normals(streamFromKey(keyFromSeed(seed)), new Float64Array(n * d));
      const t = toTensor2d(v, n, d);
      const back = tensorToFloat64Sync(t);
      t.dispose();
      expect(back.length).toBe(n * d);
      for (let i = 0; i < v.length; i++) {
        expect(back[i]).toBe(Math.fround(v[i]!));
        expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(U * Math.abs(v[i]!));
      }
      const exact = toTensor(back, [n, d]);
      expect(Array.from(tensorToFloat64Sync(exact))).toEqual(Array.from(back));
      exact.dispose();
    }), { numRuns: 50 });
    const t = toTensor(Float64Array.of(1.5, -2), [2]);
    expect(Array.from(await tensorToFloat64(t))).toEqual([1.5, -2]);
    t.dispose();
  });

  it('refuses NaN, ±∞, float32 overflow and wrong sizes with named errors', () => {
    expect(() => toTensor2d(Float64Array.of(1, NaN), 1, 2, 'xs')).toThrow('xs: value[1] = NaN must be finite');
    expect(() => toFloat32('v', Float64Array.of(-Infinity))).toThrow('v: value[0] = -Infinity must be finite');
    expect(() => toFloat32('v', Float64Array.of(0, 1e39))).toThrow(/v: value\[1\] = 1e\+39 overflows float32 \(\|v\| must be < 2¹²⁸ − 2¹⁰³/);
    // The overflow threshold is exact: 2¹²⁸ − 2¹⁰³ (the midpoint FLT_MAX ↔ 2¹²⁸) rounds to even, ∞, and is refused (either
    // sign); the float64 just below it rounds to FLT_MAX = 2¹²⁸ − 2¹⁰⁴ (relative error < 2⁻²⁴) and is accepted.
    const mid = 2 ** 128 - 2 ** 103, below = mid - 2 ** 75; // 2⁷⁵ = one float64 ulp at this magnitude
    expect(() => toFloat32('v', Float64Array.of(mid))).toThrow(/v: value\[0\] = 3\.4028235677973366e\+38 overflows float32/);
    expect(() => toFloat32('v', Float64Array.of(1, -mid))).toThrow(/v: value\[1\] = -3\.4028235677973366e\+38 overflows float32/);
    expect(Array.from(toFloat32('v', Float64Array.of(below, -below, 3.4028234663852886e38)))).toEqual([2 ** 128 - 2 ** 104, -(2 ** 128 - 2 ** 104), 2 ** 128 - 2 ** 104]);
    // Below the normal range the rounding error is absolute, ≤ 2⁻¹⁵⁰ (half the subnormal spacing 2⁻¹⁴⁹); 2⁻¹⁵¹ → +0.
    for (const v of [2 ** -127 + 2 ** -160, 3e-45, -1.1e-40, 2 ** -151]) expect(Math.abs(toFloat32('v', Float64Array.of(v))[0]! - v)).toBeLessThanOrEqual(2 ** -150);
    expect(toFloat32('v', Float64Array.of(2 ** -151))[0]).toBe(0);
    expect(() => toTensor(new Float64Array(5), [2.5, 2], 'w')).toThrow('w: shape[0] = 2.5 must be a non-negative integer');
    expect(() => toTensor(new Float64Array(2), [-1, -2], 'w')).toThrow('w: shape[0] = -1 must be a non-negative integer');
    expect(() => toTensor2d(new Float64Array(5), 2, 3)).toThrow('toTensor2d: x.length = 5 must be n·d = 6');
    expect(() => toTensor2d(new Float64Array(0), 0, 0)).toThrow('toTensor2d: d = 0 must be a positive integer');
    expect(() => toTensor(new Float64Array(3), [2, 2])).toThrow(/values.length = 3 must be the product of shape \[2, 2\] = 4/);
    const t = tf.zeros([3]);
    expect(() => tensorToFloat64Sync(t, new Float64Array(2))).toThrow("tensorToFloat64Sync: out.length = 2 must be the tensor's size 3");
    t.dispose();
  });
});
