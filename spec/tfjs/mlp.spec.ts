/**
 * src/tfjs/mlp: the SiLU network equals an independent float64 forward pass within a propagated float32 error bound;
 * initialisation and training are reproducible for a seed; Adam on the MSE of a linear network recovers the exact
 * least-squares parameters; the loss is the stated weighted MSE; the adapters have the model types' shapes and scalings.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import {
  createMlp, disposeMlp, embeddingDim, epsilonModelFromMlp, layerWidths, mlpParameters, mlpPredict, parameterCount,
  scoreModelFromMlp, setMlpParameters, trainMlp, trainMlpAsync, velocityModelFromMlp, type Mlp, type MlpSpec, type MseBatch,
} from '../../src/tfjs/mlp.js';
import { keyFromSeed, normals, streamFromKey, uniforms } from '../../src/rng/index.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

const stream = (seed: number) => streamFromKey(keyFromSeed(seed));
const U = 2 ** -24;
const gamma = (k: number) => (k * U) / (1 - k * U);
const SILU_LIP = 1.1; // max |d/du u σ(u)| = 1.0998…

/**
 * Float64 forward pass from the float32 parameters, with a first-order bound on the float32 result's error: each layer
 * adds γ_{fan_in+1}(|W|ᵀ|h| + |b|) (dot products), |W|ᵀ e (propagated), SiLU is 1.1-Lipschitz and its evaluation
 * h·σ(h) in float32 adds ≤ 6u|SiLU(h)| (σ to 4 ulps, one product, one rounding); the sinusoidal features add
 * 2u|ωc| + 4u (argument rounding, sin/cos to 4 ulps).
 */
function reference(mlp: Mlp, theta: Float64Array, x: Float64Array, n: number, c: number) {
  const w = layerWidths(mlp.spec), d = mlp.spec.inputDim;
  const out = new Float64Array(n * mlp.spec.outputDim), bound = new Float64Array(out.length);
  for (let i = 0; i < n; i++) {
    let h: number[] = [], e: number[] = [];
    for (let j = 0; j < d; j++) { h.push(Math.fround(x[i * d + j]!)); e.push(0); }
    if (mlp.spec.embedding.kind === 'scalar') { h.push(Math.fround(c)); e.push(0); } else {
      const a = Array.from(mlp.frequencies, (om) => Math.fround(c) * om);
      for (const v of a) { h.push(Math.sin(v)); e.push(2 * U * Math.abs(v) + 4 * U); }
      for (const v of a) { h.push(Math.cos(v)); e.push(2 * U * Math.abs(v) + 4 * U); }
    }
    let o = 0;
    for (let l = 0; l + 1 < w.length; l++) {
      const fi = w[l]!, fo = w[l + 1]!, W = theta.subarray(o, o + fi * fo), b = theta.subarray(o + fi * fo, o + fi * fo + fo);
      o += fi * fo + fo;
      const nh: number[] = [], ne: number[] = [];
      for (let k = 0; k < fo; k++) {
        let s = b[k]!, abs = Math.abs(b[k]!), prop = 0;
        for (let j = 0; j < fi; j++) { s += h[j]! * W[j * fo + k]!; abs += Math.abs(h[j]! * W[j * fo + k]!); prop += e[j]! * Math.abs(W[j * fo + k]!); }
        let err = prop + gamma(fi + 1) * abs;
        if (l + 2 < w.length) {
          const act = s / (1 + Math.exp(-s));
          err = SILU_LIP * err + 6 * U * Math.abs(act);
          s = act;
        }
        nh.push(s); ne.push(err);
      }
      h = nh; e = ne;
    }
    for (let k = 0; k < h.length; k++) { out[i * h.length + k] = h[k]!; bound[i * h.length + k] = e[k]! * (1 + 1e-6) + 1e-30; }
  }
  return { out, bound };
}

const specArb = fc.record({
  d: fc.integer({ min: 1, max: 3 }),
  hidden: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 0, maxLength: 3 }),
  sinusoidal: fc.boolean(),
  freqs: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  c: fc.double({ min: -5, max: 50, noNaN: true, noDefaultInfinity: true }),
  n: fc.integer({ min: 1, max: 5 }),
});
const toSpec = (p: { d: number; hidden: number[]; sinusoidal: boolean; freqs: number }): MlpSpec => ({
  inputDim: p.d, outputDim: p.d, hidden: p.hidden,
  embedding: p.sinusoidal ? { kind: 'sinusoidal', frequencies: p.freqs, maxPeriod: 100 } : { kind: 'scalar' },
});

describe('MLP forward and parameters', () => {
  it('equals an independent float64 forward pass within the propagated float32 bound (random specs, inputs, conditions)', () => {
    fc.assert(fc.property(specArb, (p) => {
      const mlp = createMlp(stream(p.seed), toSpec(p));
      const theta = mlpParameters(mlp);
      expect(theta.length).toBe(parameterCount(mlp.spec));
      const x = normals(stream(p.seed + 1), new Float64Array(p.n * p.d));
      const got = mlpPredict(mlp, x, p.n, p.c, new Float64Array(p.n * p.d));
      const ref = reference(mlp, theta, x, p.n, p.c);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref.out[i]!)).toBeLessThanOrEqual(ref.bound[i]!);
      disposeMlp(mlp);
    }), { numRuns: 60 });
  });

  it('negative control: the bound rejects a network with ReLU instead of SiLU', () => {
    const mlp = createMlp(stream(5), { inputDim: 2, outputDim: 2, hidden: [8, 8], embedding: { kind: 'scalar' } });
    const theta = mlpParameters(mlp);
    const x = normals(stream(6), new Float64Array(20));
    const ref = reference(mlp, theta, x, 10, 0.3);
    // ReLU net by hand, float64.
    const relu = new Float64Array(20), w = layerWidths(mlp.spec);
    for (let i = 0; i < 10; i++) {
      let h = [Math.fround(x[2 * i]!), Math.fround(x[2 * i + 1]!), Math.fround(0.3)], o = 0;
      for (let l = 0; l + 1 < w.length; l++) {
        const fi = w[l]!, fo = w[l + 1]!, nh: number[] = [];
        for (let k = 0; k < fo; k++) {
          let s = theta[o + fi * fo + k]!;
          for (let j = 0; j < fi; j++) s += h[j]! * theta[o + j * fo + k]!;
          nh.push(l + 2 < w.length ? Math.max(s, 0) : s);
        }
        o += fi * fo + fo; h = nh;
      }
      relu[2 * i] = h[0]!; relu[2 * i + 1] = h[1]!;
    }
    const worst = Math.max(...Array.from(relu, (v, i) => Math.abs(v - ref.out[i]!) - ref.bound[i]!));
    expect(worst).toBeGreaterThan(1e-2);
    disposeMlp(mlp);
  });

  it('initialisation is reproducible for a seed, LeCun-scaled, zero-biased; set/get parameters round-trip', () => {
    const spec: MlpSpec = { inputDim: 2, outputDim: 2, hidden: [64, 64], embedding: { kind: 'sinusoidal', frequencies: 8, maxPeriod: 1000 } };
    const a = createMlp(stream(1), spec), b = createMlp(stream(1), spec), c = createMlp(stream(2), spec);
    const ta = mlpParameters(a);
    expect(Array.from(mlpParameters(b))).toEqual(Array.from(ta));
    expect(Array.from(mlpParameters(c))).not.toEqual(Array.from(ta));
    expect(layerWidths(spec)).toEqual([2 + 16, 64, 64, 2]);
    expect(embeddingDim(spec.embedding)).toBe(16);
    expect(parameterCount(spec)).toBe(18 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2);
    // Exact: W_l = fround(z/√fan_in) for the next fan_in·fan_out normals of the stream, row-major, layer after layer;
    // biases zero. Negative control: the fan_out scaling (the first layer is 18×64, the last 64×2) does not match.
    const lecun = (scaleBy: 'in' | 'out') => {
      const s = stream(1), w = layerWidths(spec), out: number[] = [];
      for (let l = 0; l + 1 < w.length; l++) {
        const z = normals(s, new Float64Array(w[l]! * w[l + 1]!)), k = 1 / Math.sqrt(scaleBy === 'in' ? w[l]! : w[l + 1]!);
        for (const v of z) out.push(Math.fround(v * k));
        for (let j = 0; j < w[l + 1]!; j++) out.push(0);
      }
      return out;
    };
    expect(Array.from(ta)).toEqual(lecun('in'));
    const wrong = lecun('out');
    expect(wrong.filter((v, i) => v !== ta[i]).length).toBeGreaterThan(1000);
    setMlpParameters(c, ta);
    expect(Array.from(mlpParameters(c))).toEqual(Array.from(ta));
    expect(() => setMlpParameters(c, new Float64Array(3))).toThrow(/setMlpParameters: theta.length = 3 must be the parameter count/);
    [a, b, c].forEach(disposeMlp);
  });

  it('initialisation is identical on the cpu and wasm backends (weights come from the Stream, not tfjs)', async () => {
    const spec: MlpSpec = { inputDim: 3, outputDim: 3, hidden: [16, 8], embedding: { kind: 'sinusoidal', frequencies: 3, maxPeriod: 50 } };
    const w = createMlp(stream(42), spec), tw = Array.from(mlpParameters(w));
    disposeMlp(w);
    await tf.setBackend('cpu');
    try {
      const c = createMlp(stream(42), spec);
      expect(tf.getBackend()).toBe('cpu');
      expect(Array.from(mlpParameters(c))).toEqual(tw);
      disposeMlp(c);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('rejects bad specs with named errors', () => {
    const s = stream(0);
    expect(() => createMlp(s, { inputDim: 0, outputDim: 2, hidden: [], embedding: { kind: 'scalar' } })).toThrow('createMlp: spec.inputDim = 0 must be a positive integer');
    expect(() => createMlp(s, { inputDim: 2, outputDim: 2, hidden: [4, 2.5], embedding: { kind: 'scalar' } })).toThrow('createMlp: spec.hidden[1] = 2.5 must be a positive integer');
    expect(() => createMlp(s, { inputDim: 2, outputDim: 2, hidden: [], embedding: { kind: 'sinusoidal', frequencies: 2, maxPeriod: 0.5 } })).toThrow('createMlp: spec.embedding.maxPeriod = 0.5 must be ≥ 1');
    expect(() => createMlp(s, { inputDim: 2, outputDim: 2, hidden: [], embedding: { kind: 'fourier' } as never })).toThrow(/spec.embedding.kind = fourier must be/);
  });
});

/** A fixed full batch for a linear target y = x A + c β + γ (exactly representable by hidden: []). */
function linearProblem(n: number) {
  const s = stream(99);
  const x = normals(s, new Float64Array(n * 2)), c = uniforms(s, new Float64Array(n));
  const A = [0.5, -1.25, 2, 0.75], beta = [1.5, -0.5], g = [0.25, -2];
  const y = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) y[2 * i + k] = x[2 * i]! * A[k]! + x[2 * i + 1]! * A[2 + k]! + c[i]! * beta[k]! + g[k]!;
  return { x, c, y, truth: [...A, ...beta, ...g] };
}

describe('trainMlp (Adam on MSE)', () => {
  it('a linear network converges to the exact least-squares parameters (zero-residual problem)', () => {
    const { x, c, y, truth } = linearProblem(64);
    const mlp = createMlp(stream(3), { inputDim: 2, outputDim: 2, hidden: [], embedding: { kind: 'scalar' } });
    const r = trainMlp(stream(4), mlp, () => ({ n: 64, x, condition: c, target: y }), { steps: 1500, learningRate: 0.05 });
    const th = mlpParameters(mlp); // [W (3×2): rows x₁, x₂, c; b]
    // W rows: x₁ → A[0..1], x₂ → A[2..3], c → β; b → γ. The minimiser is unique (the 64×4 design has full rank) and
    // fits exactly; float32 training stalls at a loss of ~u²-scale, so 1e-3 is far from both noise and failure.
    const order = [truth[0], truth[1], truth[2], truth[3], truth[4], truth[5], truth[6], truth[7]];
    for (let i = 0; i < 8; i++) expect(Math.abs(th[i]! - order[i]!)).toBeLessThan(1e-3);
    expect(r.losses[1499]).toBeLessThan(1e-6 * r.losses[0]!);
    disposeMlp(mlp);
  });

  it('the loss is (1/n) Σ λᵢ ‖f(xᵢ, cᵢ) − yᵢ‖² at the current parameters (weighted and unweighted)', () => {
    const mlp = createMlp(stream(7), { inputDim: 2, outputDim: 2, hidden: [16], embedding: { kind: 'scalar' } });
    const n = 10, s = stream(8);
    const x = normals(s, new Float64Array(2 * n)), y = normals(s, new Float64Array(2 * n)), lam = uniforms(s, new Float64Array(n));
    const c = Float64Array.from({ length: n }, (_, i) => i / 10);
    const theta = mlpParameters(mlp);
    // The float64 loss from the reference forward pass, and a bound on the float32 loss's distance from it: the float32
    // output f̂ is within e of the reference (its propagated bound), so the residual r̂ = fl(f̂ − y) is within
    // δ = e + u(|r| + e) of r and r̂² within 2|r|δ + δ²; squaring, the row sum (m = 2 terms), the weight product, the
    // n-term sum and the division by n are ≤ m + n + 2 roundings of non-negative terms: γ_{m+n+2} relative.
    const direct = (weighted: boolean) => {
      let sum = 0, prop = 0;
      for (let i = 0; i < n; i++) {
        const { out: f, bound: e } = reference(mlp, theta, x.subarray(2 * i, 2 * i + 2), 1, c[i]!);
        const l = weighted ? Math.fround(lam[i]!) : 1;
        for (let k = 0; k < 2; k++) {
          const r = Math.abs(f[k]! - Math.fround(y[2 * i + k]!)), dl = e[k]! + U * (r + e[k]!);
          sum += l * r * r; prop += l * (2 * r * dl + dl * dl);
        }
      }
      return { loss: sum / n, tol: prop / n + gamma(2 + n + 2) * (sum + prop) / n };
    };
    const batch: MseBatch = { n, x, condition: c, target: y, weight: lam };
    const w = trainMlp(stream(9), mlp, () => batch, { steps: 1, learningRate: 1e-3 }).losses[0]!;
    setMlpParameters(mlp, theta);
    const u = trainMlp(stream(9), mlp, () => ({ n, x, condition: c, target: y }), { steps: 1, learningRate: 1e-3 }).losses[0]!;
    const dw = direct(true), du = direct(false);
    expect(Math.abs(w - dw.loss)).toBeLessThanOrEqual(dw.tol);
    expect(Math.abs(u - du.loss)).toBeLessThanOrEqual(du.tol);
    expect(dw.tol).toBeLessThan(1e-5 * dw.loss); // the bound is tight enough to mean something
    // negative controls: the weighted loss is not the unweighted one, nor the sum over rows instead of the mean
    expect(Math.abs(w - du.loss)).toBeGreaterThan(100 * du.tol);
    expect(Math.abs(u - n * du.loss)).toBeGreaterThan(100 * du.tol);
    disposeMlp(mlp);
  });

  it('training is reproducible for a seed: the same losses and parameters bit for bit (also trainMlpAsync); another seed differs', async () => {
    const spec: MlpSpec = { inputDim: 2, outputDim: 2, hidden: [32, 32], embedding: { kind: 'sinusoidal', frequencies: 4, maxPeriod: 100 } };
    const maker = (s: ReturnType<typeof stream>): MseBatch => {
      const x = normals(s, new Float64Array(64)), c = uniforms(s, new Float64Array(32));
      return { n: 32, x, condition: c, target: x.map((v) => Math.sin(2 * v)) };
    };
    const run = (seed: number) => {
      const m = createMlp(stream(seed), spec);
      const r = trainMlp(stream(seed + 1000), m, maker, { steps: 30, learningRate: 1e-2 });
      const th = mlpParameters(m);
      disposeMlp(m);
      return { losses: Array.from(r.losses), th: Array.from(th) };
    };
    const a = run(1), b = run(1), c = run(2);
    const m = createMlp(stream(1), spec);
    const asyncLosses = Array.from((await trainMlpAsync(stream(1001), m, maker, { steps: 30, learningRate: 1e-2 })).losses);
    expect(Array.from(mlpParameters(m))).toEqual(a.th); // the async read-back trains the same network
    expect(asyncLosses).toEqual(a.losses);
    disposeMlp(m);
    expect(b.losses).toEqual(a.losses);
    expect(b.th).toEqual(a.th);
    expect(c.losses).not.toEqual(a.losses);
    expect(a.losses[29]).toBeLessThan(a.losses[0]!);
  });

  it('the cosine decay starts at learningRate and ends at finalLearningRate (a last step at rate 0 changes nothing)', () => {
    const spec: MlpSpec = { inputDim: 2, outputDim: 2, hidden: [8], embedding: { kind: 'scalar' } };
    const s = stream(5), x = normals(s, new Float64Array(32)), y = normals(s, new Float64Array(32)), c = uniforms(s, new Float64Array(16));
    const batch: MseBatch = { n: 16, x, condition: c, target: y };
    const run = (steps: number, final?: number) => {
      const m = createMlp(stream(6), spec);
      trainMlp(stream(7), m, () => batch, { steps, learningRate: 0.1, ...(final === undefined ? {} : { finalLearningRate: final }) });
      const th = Array.from(mlpParameters(m));
      disposeMlp(m);
      return th;
    };
    const one = run(1), init = (() => { const m = createMlp(stream(6), spec); const t = Array.from(mlpParameters(m)); disposeMlp(m); return t; })();
    expect(run(2, 0)).toEqual(one); // γ_0 = 0.1, γ_1 = 0
    expect(run(2, 0.1)).toEqual(run(2)); // no decay: the same as the constant rate
    expect(run(2)).not.toEqual(one);
    // Adam's first step moves every weight with a nonzero gradient by γ_0 g/(|g| + ε) ≈ ±γ_0 = ±0.1
    const moved = one.map((v, i) => Math.abs(v - init[i]!)).filter((d) => d > 0);
    expect(moved.length).toBeGreaterThan(10);
    for (const d of moved) expect(Math.abs(d - 0.1)).toBeLessThan(1e-4);
  });

  it('each step of the cosine decay uses γ_k = γ_f + (γ − γ_f)(1 + cos(πk/(K − 1)))/2 (observed through a bias-only Adam step)', () => {
    // f(x, c) = [x, c] W + b at x = c = 0 is b: the W gradients are exactly 0 (so W never moves) and the b gradient is
    // 2(b − 10) < 0 while b < 10. With β₁ = β₂ = 0 Adam's update is γ_k g/(√(g²) + ε) = −γ_k (1 − ε/(|g| + ε)), so
    // b_{k+1} − b_k = γ_k up to float32 roundings: ≤ 8u γ_k (γ_k held in float32, g², √, +ε, ÷, ×γ, and the first
    // two moment updates) + u |b_{k+1}| (rounding b) + γ_k ε/|g| with |g| ≥ 2(10 − Σγ) ≥ 19.
    const K = 5, lr = 0.1, lrF = 0.02, eps = 1e-8;
    const mlp = createMlp(stream(1), { inputDim: 1, outputDim: 1, hidden: [], embedding: { kind: 'scalar' } });
    const w0 = Array.from(mlp.variables[0]!.dataSync());
    const b: number[] = [mlp.variables[1]!.dataSync()[0]!];
    trainMlp(stream(2), mlp, () => ({ n: 4, x: new Float64Array(4), condition: new Float64Array(4), target: new Float64Array(4).fill(10) }), {
      steps: K, learningRate: lr, finalLearningRate: lrF, beta1: 0, beta2: 0, epsilon: eps,
      onStep: () => { b.push(mlp.variables[1]!.dataSync()[0]!); },
    });
    expect(Array.from(mlp.variables[0]!.dataSync())).toEqual(w0);
    const cosine = (k: number) => lrF + ((lr - lrF) * (1 + Math.cos((Math.PI * k) / (K - 1)))) / 2;
    const linear = (k: number) => lr + ((lrF - lr) * k) / (K - 1); // negative control
    const tol = (k: number) => 8 * U * cosine(k) + U * Math.abs(b[k + 1]!) + (cosine(k) * eps) / 19;
    expect(b[0]).toBe(0);
    for (let k = 0; k < K; k++) expect(Math.abs(b[k + 1]! - b[k]! - cosine(k))).toBeLessThanOrEqual(tol(k));
    expect(Math.abs(b[2]! - b[1]! - linear(1))).toBeGreaterThan(1e3 * tol(1));
    disposeMlp(mlp);
  });

  it('rejects bad batches and options with named errors', () => {
    const mlp = createMlp(stream(1), { inputDim: 2, outputDim: 2, hidden: [4], embedding: { kind: 'scalar' } });
    const ok: MseBatch = { n: 2, x: new Float64Array(4), condition: new Float64Array(2), target: new Float64Array(4) };
    const t = (b: Partial<MseBatch>, o: Record<string, number> = {}) => () => trainMlp(stream(1), mlp, () => ({ ...ok, ...b }), { steps: 1, learningRate: 1e-3, ...o });
    expect(t({ x: new Float64Array(3) })).toThrow('trainMlp: batch 0: x.length = 3 must be n·inputDim = 4');
    expect(t({ condition: new Float64Array(1) })).toThrow('trainMlp: batch 0: condition.length = 1 must be n = 2');
    expect(t({ target: new Float64Array(2) })).toThrow('trainMlp: batch 0: target.length = 2 must be n·outputDim = 4');
    expect(t({ weight: new Float64Array(3) })).toThrow('trainMlp: batch 0: weight.length = 3 must be n = 2');
    expect(t({ x: Float64Array.of(0, NaN, 0, 0) })).toThrow('trainMlp: x: value[1] = NaN must be finite');
    expect(t({}, { steps: 0 })).toThrow('trainMlp: steps = 0 must be a positive integer');
    expect(t({}, { learningRate: -1 })).toThrow('trainMlp: learningRate = -1 must be positive and finite');
    expect(t({}, { finalLearningRate: 0.01 })).toThrow('trainMlp: finalLearningRate = 0.01 must be in [0, learningRate = 0.001]');
    expect(t({ target: Float64Array.of(1e38, 1e38, 1e38, 1e38) })).toThrow(/trainMlp: loss at step 0 = Infinity is not finite/);
    expect(t({}, { learningRate: 1e39 })).toThrow(/trainMlp: learningRate: value\[0\] = 1e\+39 overflows float32/);
    expect(t({}, { beta1: 1 })).toThrow('trainMlp: beta1 = 1 must be in [0, 1)');
    expect(t({}, { beta2: -0.1 })).toThrow('trainMlp: beta2 = -0.1 must be in [0, 1)');
    expect(t({}, { epsilon: 0 })).toThrow('trainMlp: epsilon = 0 must be positive and finite');
    disposeMlp(mlp);
    // The last update's loss is never evaluated, so its overflow is caught on the parameters: batch 0 has x = 0 (no
    // gradient for W, which stays put), batch 1 has x = 1; with β₁ = 0 its first W step is γ g/√(v̂) with
    // v̂ = (1 − β₂)g²/(1 − β₂²), i.e. √(1 + β₂)·γ ≈ 1.41 · 3e38 > FLT_MAX.
    const lin = createMlp(stream(1), { inputDim: 1, outputDim: 1, hidden: [], embedding: { kind: 'scalar' } });
    const blowUp = (_: ReturnType<typeof stream>, k: number): MseBatch => ({ n: 1, x: Float64Array.of(k), condition: Float64Array.of(0), target: Float64Array.of(0) });
    expect(() => trainMlp(stream(1), lin, blowUp, { steps: 2, learningRate: 3e38, beta1: 0 })).toThrow(/trainMlp: parameter 0 of variables\[0\] = -?Infinity is not finite after the last step/);
    disposeMlp(lin);
  });
});

describe('adapters to the float64 model types (src/diffusion/types.ts)', () => {
  it('ε, score and velocity adapters write n×d, use the stated conditions and scalings, and leave x unchanged', () => {
    const mlp = createMlp(stream(11), { inputDim: 3, outputDim: 3, hidden: [8], embedding: { kind: 'scalar' } });
    const n = 4, x = normals(stream(12), new Float64Array(n * 3)), x0 = Float64Array.from(x);
    const f = (c: number) => mlpPredict(mlp, x, n, c, new Float64Array(n * 3));
    const eps = epsilonModelFromMlp(mlp), epsScaled = epsilonModelFromMlp(mlp, { condition: (t) => t / 100 });
    const out = new Float64Array(n * 3);
    expect(eps(x, n, 7, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(f(7)));
    expect(Array.from(epsScaled(x, n, 50, out))).toEqual(Array.from(f(0.5)));
    const score = scoreModelFromMlp(mlp), direct = scoreModelFromMlp(mlp, { parameterization: 'score', condition: (s) => s });
    const fs = f(Math.log(0.25));
    expect(Array.from(score(x, n, 0.25, out))).toEqual(Array.from(fs, (v) => v * 4)); // s = f/σ
    expect(Array.from(direct(x, n, 0.25, out))).toEqual(Array.from(f(0.25)));
    expect(Array.from(velocityModelFromMlp(mlp)(x, n, 0.3, out))).toEqual(Array.from(f(0.3)));
    expect(Array.from(x)).toEqual(Array.from(x0));
    expect(() => eps(x, n, 1, new Float64Array(5))).toThrow('epsilonModel: out.length = 5 must be n·3 = 12');
    expect(() => eps(x, 3, 1, out)).toThrow('epsilonModel: x.length = 12 must be n·d = 9');
    expect(() => score(x, n, 0, out)).toThrow('scoreModel: level σ = 0 must be positive and finite');
    // the condition crosses the float32 boundary too (it was filled into the tensor unchecked, silently ∞)
    expect(() => eps(x, n, 1e39, out)).toThrow('epsilonModel: condition: value[0] = 1e+39 overflows float32');
    expect(() => eps(Float64Array.of(0, NaN, ...x.subarray(2)), n, 1, out)).toThrow('epsilonModel: x: value[1] = NaN must be finite');
    const rect = createMlp(stream(1), { inputDim: 3, outputDim: 1, hidden: [], embedding: { kind: 'scalar' } });
    expect(() => epsilonModelFromMlp(rect)).toThrow("epsilonModelFromMlp: the network's outputDim = 1 must equal its inputDim = 3");
    [mlp, rect].forEach(disposeMlp);
  });
});
