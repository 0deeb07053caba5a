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
    // second layer W₁ (64×64): variance 1/64 (4096 entries; a loose exact-draw check, |s² − 1/64| ≤ 20 % at ≫ 5 SE)
    const w1 = a.variables[2]!.dataSync();
    const s2 = Array.from(w1).reduce((s, v) => s + v * v, 0) / w1.length;
    expect(Math.abs(s2 * 64 - 1)).toBeLessThan(0.2);
    expect(Array.from(a.variables[3]!.dataSync()).every((v) => v === 0)).toBe(true);
    setMlpParameters(c, ta);
    expect(Array.from(mlpParameters(c))).toEqual(Array.from(ta));
    expect(() => setMlpParameters(c, new Float64Array(3))).toThrow(/setMlpParameters: theta.length = 3 must be the parameter count/);
    [a, b, c].forEach(disposeMlp);
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
    const direct = (weighted: boolean) => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const f = reference(mlp, theta, x.subarray(2 * i, 2 * i + 2), 1, c[i]!).out;
        sum += (weighted ? Math.fround(lam[i]!) : 1) * ((f[0]! - Math.fround(y[2 * i]!)) ** 2 + (f[1]! - Math.fround(y[2 * i + 1]!)) ** 2);
      }
      return sum / n;
    };
    const batch: MseBatch = { n, x, condition: c, target: y, weight: lam };
    const w = trainMlp(stream(9), mlp, () => batch, { steps: 1, learningRate: 1e-3 }).losses[0]!;
    setMlpParameters(mlp, theta);
    const u = trainMlp(stream(9), mlp, () => ({ n, x, condition: c, target: y }), { steps: 1, learningRate: 1e-3 }).losses[0]!;
    expect(Math.abs(w - direct(true))).toBeLessThan(1e-5 * direct(true));
    expect(Math.abs(u - direct(false))).toBeLessThan(1e-5 * direct(false));
    expect(Math.abs(w - direct(false))).toBeGreaterThan(1e-2 * direct(false)); // the weights matter
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
    disposeMlp(mlp);
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
    const rect = createMlp(stream(1), { inputDim: 3, outputDim: 1, hidden: [], embedding: { kind: 'scalar' } });
    expect(() => epsilonModelFromMlp(rect)).toThrow("epsilonModelFromMlp: the network's outputDim = 1 must equal its inputDim = 3");
    [mlp, rect].forEach(disposeMlp);
  });
});
