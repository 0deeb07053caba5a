/**
 * src/tfjs/mlp — small fully connected networks with swish/SiLU activations (issue 4 item 4) for the neural models of
 * 003 (DDPM ε-predictor ε_θ(x_t, t), "Training of DDPM"; NCSN score s_θ(x, σ)) and 001 §3.3 (interpolant velocity
 * b(t, x)), conditioned on a scalar c (the step t, a noise level, or a time) through a plain or sinusoidal embedding:
 *
 *   h₀ = [x, e(c)],  h_{l+1} = SiLU(h_l W_l + b_l),  f(x, c) = h_L W_L + b_L,  SiLU(u) = u·σ(u),
 *   e(c) = c (scalar)  or  [sin(ω_j c), cos(ω_j c)]_{j<k}, ω_j = P^{−j/k} (sinusoidal, maximal period 2πP).
 *
 * Initialisation is LeCun-normal, W_l ~ N(0, 1/fan_in), b_l = 0, drawn from the project's Stream (not tfjs's seeded
 * initializers, so weights are identical on every backend). Training is Adam (tf.train.adam) on a weighted mean squared
 * error whose batches are made in float64 by a caller-supplied function of the Stream, so a run is reproducible given
 * its seed on a given backend. The adapters wrap a network as the float64 model types of src/diffusion/types.ts; the
 * float32 boundary is src/tfjs/backend.ts's (inputs rounded to float32, outputs widened exactly).
 */
import * as tf from '@tensorflow/tfjs';
import { normals, type Stream } from '../rng/index.js';
import type { EpsilonModel, ScoreModel, VelocityModel } from '../diffusion/types.js';
import { toFloat32 } from './backend.js';

export type ConditionEmbedding =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'sinusoidal'; readonly frequencies: number; readonly maxPeriod: number };

export interface MlpSpec {
  /** d: the dimension of x */
  readonly inputDim: number;
  /** the dimension of the prediction (d for ε, score and velocity models) */
  readonly outputDim: number;
  /** widths of the hidden SiLU layers */
  readonly hidden: readonly number[];
  readonly embedding: ConditionEmbedding;
}

export interface Mlp {
  readonly spec: MlpSpec;
  /** [W₀, b₀, W₁, b₁, …, W_L, b_L]; W_l is fan_in × fan_out */
  readonly variables: readonly tf.Variable[];
  /** ω_j of the sinusoidal embedding (empty for 'scalar') */
  readonly frequencies: Float32Array;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} = ${v} must be a positive integer`);
}

/** Width of e(c). */
export function embeddingDim(e: ConditionEmbedding): number {
  return e.kind === 'scalar' ? 1 : 2 * e.frequencies;
}

function checkSpec(spec: MlpSpec): void {
  checkPositiveInt('createMlp: spec.inputDim', spec.inputDim);
  checkPositiveInt('createMlp: spec.outputDim', spec.outputDim);
  spec.hidden.forEach((h, i) => checkPositiveInt(`createMlp: spec.hidden[${i}]`, h));
  const e = spec.embedding;
  if (e.kind === 'sinusoidal') {
    checkPositiveInt('createMlp: spec.embedding.frequencies', e.frequencies);
    if (!(Number.isFinite(e.maxPeriod) && e.maxPeriod >= 1)) throw new Error(`createMlp: spec.embedding.maxPeriod = ${e.maxPeriod} must be ≥ 1`);
  } else if (e.kind !== 'scalar') {
    throw new Error(`createMlp: spec.embedding.kind = ${String((e as { kind: unknown }).kind)} must be 'scalar' or 'sinusoidal'`);
  }
}

/** Layer widths [d + dim e, hidden…, outputDim]. */
export function layerWidths(spec: MlpSpec): number[] {
  return [spec.inputDim + embeddingDim(spec.embedding), ...spec.hidden, spec.outputDim];
}

/** Number of parameters. */
export function parameterCount(spec: MlpSpec): number {
  const w = layerWidths(spec);
  let p = 0;
  for (let l = 0; l + 1 < w.length; l++) p += w[l]! * w[l + 1]! + w[l + 1]!;
  return p;
}

/** A new network with LeCun-normal weights drawn from `stream` (row-major W, fan_in × fan_out) and zero biases. */
export function createMlp(stream: Stream, spec: MlpSpec): Mlp {
  checkSpec(spec);
  const w = layerWidths(spec);
  const variables: tf.Variable[] = [];
  for (let l = 0; l + 1 < w.length; l++) {
    const fanIn = w[l]!, fanOut = w[l + 1]!;
    const v = normals(stream, new Float64Array(fanIn * fanOut));
    const scale = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * scale;
    variables.push(tf.variable(tf.tensor2d(toFloat32('createMlp', v), [fanIn, fanOut]), true));
    variables.push(tf.variable(tf.zeros([fanOut]), true));
  }
  const e = spec.embedding;
  const frequencies = new Float32Array(e.kind === 'sinusoidal' ? e.frequencies : 0);
  if (e.kind === 'sinusoidal') for (let j = 0; j < e.frequencies; j++) frequencies[j] = Math.pow(e.maxPeriod, -j / e.frequencies);
  return { spec, variables, frequencies };
}

/** Frees the network's tensors. */
export function disposeMlp(mlp: Mlp): void {
  for (const v of mlp.variables) v.dispose();
}

/** e(c) for c of shape [n] → [n, dim e]. */
function embed(mlp: Mlp, c: tf.Tensor1D): tf.Tensor2D {
  const c2 = c.reshape([-1, 1]) as tf.Tensor2D;
  if (mlp.spec.embedding.kind === 'scalar') return c2;
  const arg = c2.mul(tf.tensor2d(mlp.frequencies, [1, mlp.frequencies.length]));
  return tf.concat([arg.sin(), arg.cos()], 1) as tf.Tensor2D;
}

/** f(x, c) for x [n, d] and c [n] (tensors; call inside tf.tidy or dispose the result). */
export function mlpForward(mlp: Mlp, x: tf.Tensor2D, c: tf.Tensor1D): tf.Tensor2D {
  let h = tf.concat([x, embed(mlp, c)], 1) as tf.Tensor2D;
  const L = mlp.variables.length / 2;
  for (let l = 0; l < L; l++) {
    h = h.matMul(mlp.variables[2 * l] as tf.Tensor2D).add(mlp.variables[2 * l + 1]!) as tf.Tensor2D;
    if (l + 1 < L) h = h.mul(h.sigmoid()) as tf.Tensor2D; // SiLU
  }
  return h;
}

/** All parameters as one float64 vector in the order of `variables` (exact widening of float32). */
export function mlpParameters(mlp: Mlp): Float64Array {
  const out = new Float64Array(parameterCount(mlp.spec));
  let o = 0;
  for (const v of mlp.variables) {
    const d = v.dataSync();
    for (let i = 0; i < d.length; i++) out[o + i] = d[i]!;
    o += d.length;
  }
  return out;
}

/** Sets all parameters from a float64 vector (rounded to float32); the inverse of `mlpParameters`. */
export function setMlpParameters(mlp: Mlp, theta: Float64Array): void {
  const p = parameterCount(mlp.spec);
  if (theta.length !== p) throw new Error(`setMlpParameters: theta.length = ${theta.length} must be the parameter count ${p}`);
  const f = toFloat32('setMlpParameters', theta);
  let o = 0;
  for (const v of mlp.variables) {
    v.assign(tf.tensor(f.subarray(o, o + v.size), v.shape));
    o += v.size;
  }
}

/** One training batch, made in float64: inputs x (n×d), conditions c (n), targets (n×outputDim), optional weights λ (n). */
export interface MseBatch {
  readonly n: number;
  readonly x: Float64Array;
  readonly condition: Float64Array;
  readonly target: Float64Array;
  readonly weight?: Float64Array;
}

/** Draws the k-th batch from the stream (k = 0, 1, …). */
export type BatchMaker = (stream: Stream, step: number) => MseBatch;

export interface TrainMlpOptions {
  readonly steps: number;
  readonly learningRate: number;
  /**
   * if given, the step size follows a cosine decay from `learningRate` at step 0 to this value at the last step:
   * γ_k = γ_f + (γ − γ_f)(1 + cos(πk/(K − 1)))/2 (K = 1: γ_0 = γ)
   */
  readonly finalLearningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** called after each step with the batch loss */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface TrainMlpResult {
  /** the batch loss (1/n) Σᵢ λᵢ ‖f(xᵢ, cᵢ) − yᵢ‖² per step (before that step's update) */
  readonly losses: Float64Array;
}

function checkBatch(mlp: Mlp, b: MseBatch, step: number): void {
  const where = `trainMlp: batch ${step}`;
  checkPositiveInt(`${where}: n`, b.n);
  if (b.x.length !== b.n * mlp.spec.inputDim) throw new Error(`${where}: x.length = ${b.x.length} must be n·inputDim = ${b.n * mlp.spec.inputDim}`);
  if (b.condition.length !== b.n) throw new Error(`${where}: condition.length = ${b.condition.length} must be n = ${b.n}`);
  if (b.target.length !== b.n * mlp.spec.outputDim) throw new Error(`${where}: target.length = ${b.target.length} must be n·outputDim = ${b.n * mlp.spec.outputDim}`);
  if (b.weight !== undefined && b.weight.length !== b.n) throw new Error(`${where}: weight.length = ${b.weight.length} must be n = ${b.n}`);
}

interface Trainer {
  /** draws batch k, sets the step size, takes one Adam step; returns the batch loss before the step (a scalar tensor) */
  step(stream: Stream, k: number): tf.Scalar;
  /** checks and stores the loss read back from the tensor */
  record(k: number, v: number): void;
  readonly losses: Float64Array;
  dispose(): void;
}

function trainer(mlp: Mlp, makeBatch: BatchMaker, options: TrainMlpOptions): Trainer {
  checkPositiveInt('trainMlp: steps', options.steps);
  if (!(options.learningRate > 0 && Number.isFinite(options.learningRate))) throw new Error(`trainMlp: learningRate = ${options.learningRate} must be positive and finite`);
  toFloat32('trainMlp: learningRate', Float64Array.of(options.learningRate)); // tfjs holds it in float32
  const lr0 = options.learningRate, lrF = options.finalLearningRate ?? lr0;
  if (!(lrF >= 0 && lrF <= lr0)) throw new Error(`trainMlp: finalLearningRate = ${lrF} must be in [0, learningRate = ${lr0}]`);
  const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999, epsilon = options.epsilon ?? 1e-8;
  if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`trainMlp: beta1 = ${beta1} must be in [0, 1)`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new Error(`trainMlp: beta2 = ${beta2} must be in [0, 1)`);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new Error(`trainMlp: epsilon = ${epsilon} must be positive and finite`);
  const opt = tf.train.adam(lr0, beta1, beta2, epsilon);
  const K = options.steps;
  const losses = new Float64Array(K);
  const { inputDim: d, outputDim: m } = mlp.spec;
  return {
    losses,
    step(stream, k) {
      const b = makeBatch(stream, k);
      checkBatch(mlp, b, k);
      // tfjs's AdamOptimizer reads its (protected) learningRate field at every step; the schedule sets it there.
      (opt as unknown as { learningRate: number }).learningRate = K === 1 || lrF === lr0 ? lr0 : lrF + ((lr0 - lrF) * (1 + Math.cos((Math.PI * k) / (K - 1)))) / 2;
      return tf.tidy(() => {
        const x = tf.tensor2d(toFloat32('trainMlp: x', b.x), [b.n, d]);
        const c = tf.tensor1d(toFloat32('trainMlp: condition', b.condition));
        const y = tf.tensor2d(toFloat32('trainMlp: target', b.target), [b.n, m]);
        const w = b.weight === undefined ? null : tf.tensor2d(toFloat32('trainMlp: weight', b.weight), [b.n, 1]);
        return opt.minimize(() => {
          const r = mlpForward(mlp, x, c).sub(y).square();
          const per = r.sum(1, true);
          return (w === null ? per : per.mul(w)).mean() as tf.Scalar;
        }, true, mlp.variables as tf.Variable[])!;
      });
    },
    record(k, v) {
      if (!Number.isFinite(v)) throw new Error(`trainMlp: loss at step ${k} = ${v} is not finite (learning rate ${options.learningRate} too large?)`);
      losses[k] = v;
      options.onStep?.(k, v);
    },
    dispose: () => opt.dispose(),
  };
}

/** After the last update (whose loss is never evaluated): every parameter must still be finite. */
function checkFiniteParameters(values: readonly ArrayLike<number>[]): void {
  values.forEach((d, l) => {
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) throw new Error(`trainMlp: parameter ${i} of variables[${l}] = ${d[i]} is not finite after the last step (learning rate too large?)`);
    }
  });
}

/**
 * Adam on the weighted MSE (1/n) Σᵢ λᵢ ‖f(xᵢ, cᵢ) − yᵢ‖² (the DDPM simple loss 003 "Training of DDPM" step 4 with
 * λ = 1 and y = ε; denoising score matching with λ(σ) = σ² for NCSN). Batches come from `makeBatch(stream, k)`.
 * Reads each loss back synchronously (cpu, wasm, tfjs-node); on webgpu use `trainMlpAsync`.
 */
export function trainMlp(stream: Stream, mlp: Mlp, makeBatch: BatchMaker, options: TrainMlpOptions): TrainMlpResult {
  const t = trainer(mlp, makeBatch, options);
  try {
    for (let k = 0; k < options.steps; k++) {
      const loss = t.step(stream, k);
      const v = loss.dataSync()[0]!;
      loss.dispose();
      t.record(k, v);
    }
  } finally {
    t.dispose();
  }
  checkFiniteParameters(mlp.variables.map((v) => v.dataSync()));
  return { losses: t.losses };
}

/** `trainMlp` with asynchronous read-back (`await data()`), for backends without dataSync (webgpu in Node). */
export async function trainMlpAsync(stream: Stream, mlp: Mlp, makeBatch: BatchMaker, options: TrainMlpOptions): Promise<TrainMlpResult> {
  const t = trainer(mlp, makeBatch, options);
  try {
    for (let k = 0; k < options.steps; k++) {
      const loss = t.step(stream, k);
      const v = (await loss.data())[0]!;
      loss.dispose();
      t.record(k, v);
    }
  } finally {
    t.dispose();
  }
  checkFiniteParameters(await Promise.all(mlp.variables.map((v) => v.data())));
  return { losses: t.losses };
}

/**
 * f(x, c) for a float64 batch at one condition c, written into out (n×outputDim), with `scale` multiplying the output.
 * Synchronous read-back (cpu, wasm, tfjs-node backends).
 */
export function mlpPredict(mlp: Mlp, x: Float64Array, n: number, c: number, out: Float64Array, scale = 1, name = 'mlpPredict'): Float64Array {
  const { inputDim: d, outputDim: m } = mlp.spec;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: n = ${n} must be a positive integer`);
  if (x.length !== n * d) throw new Error(`${name}: x.length = ${x.length} must be n·d = ${n * d}`);
  if (out.length !== n * m) throw new Error(`${name}: out.length = ${out.length} must be n·${m} = ${n * m}`);
  if (!Number.isFinite(c)) throw new Error(`${name}: condition = ${c} must be finite`);
  const c32 = toFloat32(`${name}: condition`, Float64Array.of(c))[0]!;
  const r = tf.tidy(() => mlpForward(mlp, tf.tensor2d(toFloat32(`${name}: x`, x), [n, d]), tf.fill([n], c32) as tf.Tensor1D));
  const data = r.dataSync();
  r.dispose();
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * scale;
  return out;
}

function checkSquare(name: string, mlp: Mlp): void {
  if (mlp.spec.outputDim !== mlp.spec.inputDim) {
    throw new Error(`${name}: the network's outputDim = ${mlp.spec.outputDim} must equal its inputDim = ${mlp.spec.inputDim}`);
  }
}

export interface EpsilonAdapterOptions {
  /** the condition fed to the network for step t (default c = t) */
  readonly condition?: (t: number) => number;
}

/** ε̂(x_t, t) = f(x_t, c(t)) as an EpsilonModel (003 DDPM). */
export function epsilonModelFromMlp(mlp: Mlp, options: EpsilonAdapterOptions = {}): EpsilonModel {
  checkSquare('epsilonModelFromMlp', mlp);
  const cond = options.condition ?? ((t: number) => t);
  return (x, n, t, out) => mlpPredict(mlp, x, n, cond(t), out, 1, 'epsilonModel');
}

export interface ScoreAdapterOptions {
  /** the condition fed to the network for level σ (default c = log σ) */
  readonly condition?: (level: number) => number;
  /**
   * 'score': s = f(x, c) directly; 'noise' (default): the network predicts σ·s, i.e. −z for x̃ = x + σz, the
   * well-scaled target of denoising score matching with λ(σ) = σ², so s = f(x, c)/σ.
   */
  readonly parameterization?: 'score' | 'noise';
}

/** s(x, σ) as a ScoreModel (003 NCSN). */
export function scoreModelFromMlp(mlp: Mlp, options: ScoreAdapterOptions = {}): ScoreModel {
  checkSquare('scoreModelFromMlp', mlp);
  const cond = options.condition ?? ((level: number) => Math.log(level));
  const noise = (options.parameterization ?? 'noise') === 'noise';
  return (x, n, level, out) => {
    if (!(level > 0 && Number.isFinite(level))) throw new Error(`scoreModel: level σ = ${level} must be positive and finite`);
    return mlpPredict(mlp, x, n, cond(level), out, noise ? 1 / level : 1, 'scoreModel');
  };
}

export interface VelocityAdapterOptions {
  /** the condition fed to the network for time t (default c = t) */
  readonly condition?: (t: number) => number;
}

/** b(t, x) = f(x, c(t)) as a VelocityModel (001 §3.3 interpolants). */
export function velocityModelFromMlp(mlp: Mlp, options: VelocityAdapterOptions = {}): VelocityModel {
  checkSquare('velocityModelFromMlp', mlp);
  const cond = options.condition ?? ((t: number) => t);
  return (x, n, t, out) => mlpPredict(mlp, x, n, cond(t), out, 1, 'velocityModel');
}
