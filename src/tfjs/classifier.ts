/**
 * src/tfjs/classifier — the digit classifier that labels generated MNIST digits, and the mode-weight measurement of
 * 004 §4.2 / App. B.2 (Fig. 3: "relative error of the weight estimation of the three modes (i.e. three digits)",
 * obtained "by using a classifier pre-trained on the data set").
 *
 * The network (ours; the paper's public code uses a 3-class LeNet-like net for 2/3/6 only, we classify all ten digits
 * so that samples which look like none of 2, 3, 6 are seen as such), NHWC, x ∈ [−1, 1]^{28×28} (x = 2p/255 − 1, as the
 * biased subset and the EBM's walkers):
 *   conv 5×5 1→c₁ (valid) · ReLU · max-pool 2   28 → 24 → 12
 *   conv 5×5 c₁→c₂ (valid) · ReLU · max-pool 2  12 → 8 → 4
 *   dense 16c₂ → h · ReLU · dense h → 10 (logits); p = softmax(logits)
 * Initialisation: He-normal W ~ N(0, 2/fan_in), zero biases, drawn from the project's Stream (identical on every
 * backend). Training: Adam on the mean softmax cross-entropy over mini-batches of a per-epoch seeded shuffle.
 *
 * The measurement functions are backend-free (float64, labels as Int32Array): the weighted proportions use the
 * normalized Jarzynski weights p^i = e^{A^i}/Σ_j e^{A^j} (004 Alg. 1 line 4, src/smc normalizedWeights), the
 * "after resampling" proportions count the labels of resampled ancestors (004 A.4, src/smc resampling schemes).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { normals, uniformInt, type Stream } from '../rng/index.js';
import { normalizedWeights } from '../smc/log-weights.js';
import type { ResamplingScheme } from '../smc/resampling.js';
import { writeFileAtomic } from '../io/atomic.js';
import { toFloat32 } from './backend.js';

export const DIGIT_SIDE = 28;
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;
export const DIGIT_CLASSES = 10;

export interface DigitClassifierSpec {
  /** output channels of the two convolutions */
  readonly channels: readonly [number, number];
  /** width of the hidden dense layer */
  readonly hidden: number;
}

export const DEFAULT_CLASSIFIER_SPEC: DigitClassifierSpec = { channels: [16, 32], hidden: 64 };

export interface DigitClassifier {
  readonly spec: DigitClassifierSpec;
  /** [K₁ (5,5,1,c₁), b₁, K₂ (5,5,c₁,c₂), b₂, W₃ (16c₂, h), b₃, W₄ (h, 10), b₄] */
  readonly variables: readonly tf.Variable[];
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} = ${v} must be a positive integer`);
}

function checkSpec(spec: DigitClassifierSpec, where: string): void {
  if (!Array.isArray(spec.channels) || spec.channels.length !== 2) throw new Error(`${where}: spec.channels must be a pair [c1, c2]`);
  checkPositiveInt(`${where}: spec.channels[0]`, spec.channels[0]);
  checkPositiveInt(`${where}: spec.channels[1]`, spec.channels[1]);
  checkPositiveInt(`${where}: spec.hidden`, spec.hidden);
}

/** Shapes of the variables, in order. */
export function classifierShapes(spec: DigitClassifierSpec): number[][] {
  const [c1, c2] = spec.channels;
  return [[5, 5, 1, c1], [c1], [5, 5, c1, c2], [c2], [16 * c2, spec.hidden], [spec.hidden], [spec.hidden, DIGIT_CLASSES], [DIGIT_CLASSES]];
}

/** Number of parameters. */
export function classifierParameterCount(spec: DigitClassifierSpec): number {
  checkSpec(spec, 'classifierParameterCount');
  return classifierShapes(spec).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

/** A new classifier: He-normal weights (fan_in = 25·C_in for a 5×5 convolution, the input width for dense layers). */
export function createDigitClassifier(stream: Stream, spec: DigitClassifierSpec = DEFAULT_CLASSIFIER_SPEC): DigitClassifier {
  checkSpec(spec, 'createDigitClassifier');
  const variables: tf.Variable[] = [];
  for (const shape of classifierShapes(spec)) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 1) {
      variables.push(tf.variable(tf.zeros(shape), true));
      continue;
    }
    const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
    const v = normals(stream, new Float64Array(size));
    const scale = Math.sqrt(2 / fanIn);
    for (let i = 0; i < size; i++) v[i] = v[i]! * scale;
    variables.push(tf.variable(tf.tensor(toFloat32('createDigitClassifier', v), shape), true));
  }
  return { spec, variables };
}

export function disposeDigitClassifier(model: DigitClassifier): void {
  for (const v of model.variables) v.dispose();
}

/** Logits [n, 10] of x [n, 28, 28, 1] (tensors; call inside tf.tidy or dispose the result). */
export function digitLogits(model: DigitClassifier, x: tf.Tensor4D): tf.Tensor2D {
  const [k1, b1, k2, b2, w3, b3, w4, b4] = model.variables as tf.Variable[];
  let h: tf.Tensor4D = tf.relu(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'valid').add(b1!)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  h = tf.relu(tf.conv2d(h, k2 as tf.Tensor4D, 1, 'valid').add(b2!)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  const f = h.reshape([x.shape[0], 16 * model.spec.channels[1]]) as tf.Tensor2D;
  const z = tf.relu(f.matMul(w3 as tf.Tensor2D).add(b3!)) as tf.Tensor2D;
  return z.matMul(w4 as tf.Tensor2D).add(b4!) as tf.Tensor2D;
}

/** Images for the classifier: n×784 values in [−1, 1] (2p/255 − 1). */
export interface DigitImages {
  readonly n: number;
  /** n×784, row-major, each in [−1, 1] */
  readonly x: Float64Array;
}

export interface LabelledDigits extends DigitImages {
  /** n labels 0..9 */
  readonly labels: Uint8Array;
}

function checkImages(where: string, x: Float64Array, n: number): void {
  checkPositiveInt(`${where}: n`, n);
  if (x.length !== n * DIGIT_PIXELS) throw new Error(`${where}: x.length = ${x.length} must be n·784 = ${n * DIGIT_PIXELS}`);
}

/** MNIST bytes (n×28×28, 0..255) scaled to [−1, 1] by x = 2p/255 − 1, as the biased subset of 004 §4.2; into out. */
export function mnistToUnit(images: Uint8Array, out: Float64Array = new Float64Array(images.length)): Float64Array {
  if (images.length % DIGIT_PIXELS !== 0) throw new Error(`mnistToUnit: images.length = ${images.length} must be a multiple of 784`);
  if (out.length !== images.length) throw new Error(`mnistToUnit: out.length = ${out.length} must be images.length = ${images.length}`);
  for (let i = 0; i < images.length; i++) out[i] = (2 * images[i]!) / 255 - 1;
  return out;
}

export interface TrainDigitClassifierOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** the learning rate decays linearly from `learningRate` at the first step to this value at the last (default: constant) */
  readonly finalLearningRate?: number;
  readonly spec?: DigitClassifierSpec;
  /** called after each epoch with the mean batch loss of that epoch */
  readonly onEpoch?: (epoch: number, meanLoss: number) => void;
}

export interface TrainDigitClassifierResult {
  readonly model: DigitClassifier;
  /** mean softmax cross-entropy of each batch, before its update, in order */
  readonly losses: Float64Array;
}

/**
 * Trains a new classifier (weights from `stream`, then one seeded shuffle per epoch from the same stream) by Adam on
 * the mean cross-entropy −(1/B) Σ_b log p_{y_b}(x_b); the last batch of an epoch may be smaller. Synchronous
 * read-back (cpu, wasm, tfjs-node backends).
 */
export function trainDigitClassifier(stream: Stream, data: LabelledDigits, options: TrainDigitClassifierOptions): TrainDigitClassifierResult {
  const where = 'trainDigitClassifier';
  checkImages(where, data.x, data.n);
  if (data.labels.length !== data.n) throw new Error(`${where}: labels.length = ${data.labels.length} must be n = ${data.n}`);
  for (let i = 0; i < data.n; i++) if (data.labels[i]! > 9) throw new Error(`${where}: labels[${i}] = ${data.labels[i]} must be a digit 0..9`);
  for (let i = 0; i < data.x.length; i++) {
    const v = data.x[i]!;
    if (!(v >= -1 && v <= 1)) throw new Error(`${where}: x[${i}] = ${v} must be in [−1, 1]`);
  }
  checkPositiveInt(`${where}: options.epochs`, options.epochs);
  checkPositiveInt(`${where}: options.batchSize`, options.batchSize);
  const lr0 = options.learningRate, lrF = options.finalLearningRate ?? lr0;
  if (!(lr0 > 0 && Number.isFinite(lr0))) throw new Error(`${where}: options.learningRate = ${lr0} must be positive and finite`);
  if (!(lrF >= 0 && lrF <= lr0)) throw new Error(`${where}: options.finalLearningRate = ${lrF} must be in [0, learningRate = ${lr0}]`);
  const model = createDigitClassifier(stream, options.spec ?? DEFAULT_CLASSIFIER_SPEC);
  const { n } = data, B = Math.min(options.batchSize, n);
  const perEpoch = Math.ceil(n / B), K = perEpoch * options.epochs;
  const losses = new Float64Array(K);
  const opt = tf.train.adam(lr0);
  const order = new Int32Array(n);
  const xb = new Float32Array(B * DIGIT_PIXELS), yb = new Int32Array(B);
  let k = 0;
  try {
    for (let e = 0; e < options.epochs; e++) {
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = uniformInt(stream, i + 1);
        const t = order[i]!; order[i] = order[j]!; order[j] = t;
      }
      let sum = 0;
      for (let s = 0; s < perEpoch; s++, k++) {
        const lo = s * B, m = Math.min(B, n - lo);
        for (let r = 0; r < m; r++) {
          const src = order[lo + r]!;
          yb[r] = data.labels[src]!;
          for (let p = 0; p < DIGIT_PIXELS; p++) xb[r * DIGIT_PIXELS + p] = data.x[src * DIGIT_PIXELS + p]!;
        }
        (opt as unknown as { learningRate: number }).learningRate = K === 1 ? lr0 : lr0 + ((lrF - lr0) * k) / (K - 1);
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(xb.subarray(0, m * DIGIT_PIXELS), [m, DIGIT_SIDE, DIGIT_SIDE, 1]);
          const y = tf.oneHot(tf.tensor1d(yb.subarray(0, m), 'int32'), DIGIT_CLASSES);
          return opt.minimize(() => tf.logSoftmax(digitLogits(model, x)).mul(y).sum().neg().div(m) as tf.Scalar, true, model.variables as tf.Variable[])!;
        });
        const v = loss.dataSync()[0]!;
        loss.dispose();
        if (!Number.isFinite(v)) throw new Error(`${where}: loss at step ${k} = ${v} is not finite (learning rate ${lr0} too large?)`);
        losses[k] = v;
        sum += v;
      }
      options.onEpoch?.(e, sum / perEpoch);
    }
  } catch (err) {
    disposeDigitClassifier(model);
    throw err;
  } finally {
    opt.dispose();
  }
  return { model, losses };
}

export interface DigitPredictions {
  /** argmax_c p_c(x_i), n */
  readonly labels: Int32Array;
  /** p_c(x_i), n×10 row-major (softmax of the logits, widened from float32) */
  readonly probabilities: Float64Array;
}

/** Labels and class probabilities of n images (n×784 in [−1, 1]), evaluated in chunks of `batch`. */
export function classifyDigits(model: DigitClassifier, images: DigitImages, batch = 1000): DigitPredictions {
  const where = 'classifyDigits';
  checkImages(where, images.x, images.n);
  checkPositiveInt(`${where}: batch`, batch);
  const { n } = images;
  const labels = new Int32Array(n), probabilities = new Float64Array(n * DIGIT_CLASSES);
  for (let lo = 0; lo < n; lo += batch) {
    const m = Math.min(batch, n - lo);
    const xs = toFloat32(`${where}: x`, images.x.subarray(lo * DIGIT_PIXELS, (lo + m) * DIGIT_PIXELS));
    const p = tf.tidy(() => tf.softmax(digitLogits(model, tf.tensor4d(xs, [m, DIGIT_SIDE, DIGIT_SIDE, 1]))));
    const d = p.dataSync();
    p.dispose();
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let c = 0; c < DIGIT_CLASSES; c++) {
        const v = d[i * DIGIT_CLASSES + c]!;
        probabilities[(lo + i) * DIGIT_CLASSES + c] = v;
        if (v > d[i * DIGIT_CLASSES + best]!) best = c;
      }
      labels[lo + i] = best;
    }
  }
  return { labels, probabilities };
}

/** Fraction of labels[i] === truth[i]. */
export function accuracy(labels: Int32Array, truth: Uint8Array | Int32Array): number {
  if (labels.length !== truth.length) throw new Error(`accuracy: labels.length = ${labels.length} must equal truth.length = ${truth.length}`);
  if (labels.length === 0) throw new Error('accuracy: labels must not be empty');
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === truth[i]) c++;
  return c / labels.length;
}

/** confusion[t·10 + p] = #{i : truth_i = t, label_i = p}. */
export function confusionMatrix(labels: Int32Array, truth: Uint8Array | Int32Array): Int32Array {
  if (labels.length !== truth.length) throw new Error(`confusionMatrix: labels.length = ${labels.length} must equal truth.length = ${truth.length}`);
  const m = new Int32Array(DIGIT_CLASSES * DIGIT_CLASSES);
  for (let i = 0; i < labels.length; i++) {
    const t = truth[i]!, p = labels[i]!;
    if (!(t >= 0 && t < 10 && p >= 0 && p < 10)) throw new Error(`confusionMatrix: truth[${i}] = ${t} and labels[${i}] = ${p} must be digits 0..9`);
    m[t * DIGIT_CLASSES + p]!++;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------------------
// Saving and loading (JSON: the spec and the float32 parameters in variable order; a float32 value printed as a
// float64 decimal reads back to the same float32 exactly).
// ---------------------------------------------------------------------------------------------------------------------

export const CLASSIFIER_FORMAT = 'ebm-ts digit classifier';
export const CLASSIFIER_FORMAT_VERSION = 1;

/** All parameters as one float64 vector in variable order (exact widening of float32). */
export function classifierParameters(model: DigitClassifier): Float64Array {
  const out = new Float64Array(classifierParameterCount(model.spec));
  let o = 0;
  for (const v of model.variables) {
    const d = v.dataSync();
    for (let i = 0; i < d.length; i++) out[o + i] = d[i]!;
    o += d.length;
  }
  return out;
}

/** The JSON text of a classifier. */
export function encodeDigitClassifier(model: DigitClassifier): string {
  return JSON.stringify({
    format: CLASSIFIER_FORMAT,
    version: CLASSIFIER_FORMAT_VERSION,
    spec: { channels: [...model.spec.channels], hidden: model.spec.hidden },
    parameters: Array.from(classifierParameters(model)),
  });
}

/** Parses `encodeDigitClassifier`'s text into a new classifier; `source` names it in errors. */
export function decodeDigitClassifier(text: string, source = 'classifier'): DigitClassifier {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const o = v as { format?: unknown; version?: unknown; spec?: { channels?: unknown; hidden?: unknown }; parameters?: unknown };
  if (o === null || typeof o !== 'object' || o.format !== CLASSIFIER_FORMAT) throw new Error(`${source}: format must be '${CLASSIFIER_FORMAT}'`);
  if (o.version !== CLASSIFIER_FORMAT_VERSION) throw new Error(`${source}: version = ${String(o.version)} must be ${CLASSIFIER_FORMAT_VERSION}`);
  const ch = o.spec?.channels;
  if (!Array.isArray(ch) || ch.length !== 2) throw new Error(`${source}: spec.channels must be a pair`);
  const spec: DigitClassifierSpec = { channels: [Number(ch[0]), Number(ch[1])], hidden: Number(o.spec?.hidden) };
  checkSpec(spec, source);
  const p = o.parameters;
  const count = classifierParameterCount(spec);
  if (!Array.isArray(p) || p.length !== count) throw new Error(`${source}: parameters must be an array of ${count} numbers (the spec's parameter count)`);
  const theta = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = p[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${source}: parameters[${i}] = ${String(x)} must be a finite number`);
    theta[i] = x;
  }
  const f = toFloat32(`${source}: parameters`, theta);
  const variables: tf.Variable[] = [];
  let off = 0;
  for (const shape of classifierShapes(spec)) {
    const size = shape.reduce((a, b) => a * b, 1);
    variables.push(tf.variable(tf.tensor(f.slice(off, off + size), shape), true));
    off += size;
  }
  return { spec, variables };
}

/** Writes the classifier atomically (src/io) as JSON. */
export function saveDigitClassifier(path: string, model: DigitClassifier): void {
  writeFileAtomic(path, encodeDigitClassifier(model));
}

export function loadDigitClassifier(path: string): DigitClassifier {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`loadDigitClassifier: cannot read ${path} (${(e as Error).message})`);
  }
  return decodeDigitClassifier(text, `loadDigitClassifier(${path})`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Mode weights (004 §4.2, Fig. 3).
// ---------------------------------------------------------------------------------------------------------------------

/** The biased subset's digits and weights: 5600 × '2', 2800 × '3', 1400 × '6' (004 §4.2). */
export const PAPER_MODE_DIGITS: readonly number[] = [2, 3, 6];
export const PAPER_MODE_WEIGHTS: readonly number[] = [4 / 7, 2 / 7, 1 / 7];

export interface ModeProportions {
  /** the digits measured */
  readonly digits: readonly number[];
  /** P̂(d) = Σ_i w_i 1[ℓ_i = d], the mass of each digit among all samples (Σ_i w_i = 1) */
  readonly proportions: Float64Array;
  /** 1 − Σ_d P̂(d): the mass of samples labelled as none of the digits */
  readonly otherMass: number;
  /** P̂(d)/Σ_d' P̂(d'): the proportions among the measured digits (what a classifier of only these digits reports) */
  readonly conditional: Float64Array;
}

function checkDigits(where: string, digits: readonly number[]): void {
  if (digits.length === 0) throw new Error(`${where}: digits must not be empty`);
  const seen = new Set<number>();
  digits.forEach((d, j) => {
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new Error(`${where}: digits[${j}] = ${d} must be a digit 0..9`);
    if (seen.has(d)) throw new Error(`${where}: digits[${j}] = ${d} is repeated`);
    seen.add(d);
  });
}

function checkLabels(where: string, labels: Int32Array): void {
  if (labels.length === 0) throw new Error(`${where}: labels must not be empty`);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l <= 9)) throw new Error(`${where}: labels[${i}] = ${l} must be a digit 0..9`);
  }
}

function proportionsFromWeights(where: string, labels: Int32Array, w: Float64Array | null, digits: readonly number[]): ModeProportions {
  const mass = new Float64Array(10);
  const n = labels.length;
  if (w === null) {
    // counts, then one division: count/n exactly rounded
    for (let i = 0; i < n; i++) mass[labels[i]!]!++;
    for (let c = 0; c < 10; c++) mass[c] = mass[c]! / n;
  } else {
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      mass[l] = mass[l]! + w[i]!;
    }
  }
  const proportions = Float64Array.from(digits, (d) => mass[d]!);
  let s = 0;
  for (const p of proportions) s += p;
  if (!(s > 0)) throw new Error(`${where}: no sample (of positive weight) is labelled as any of the digits ${digits.join(', ')}: the conditional proportions are undefined`);
  return { digits: [...digits], proportions, otherMass: Math.max(0, 1 - s), conditional: proportions.map((p) => p / s) };
}

/**
 * Proportions of `digits` among labelled samples weighted by the normalized Jarzynski weights
 * p^i = e^{A^i}/Σ_j e^{A^j} (004 Alg. 1 line 4; NaN and −∞ log-weights weigh 0).
 */
export function weightedModeProportions(labels: Int32Array, logWeights: Float64Array, digits: readonly number[] = PAPER_MODE_DIGITS): ModeProportions {
  const where = 'weightedModeProportions';
  checkDigits(where, digits);
  checkLabels(where, labels);
  if (logWeights.length !== labels.length) throw new Error(`${where}: logWeights.length = ${logWeights.length} must equal labels.length = ${labels.length}`);
  for (let i = 0; i < logWeights.length; i++) if (logWeights[i] === Infinity) throw new Error(`${where}: logWeights[${i}] = +∞ must be finite or −∞`);
  return proportionsFromWeights(where, labels, normalizedWeights(logWeights, new Float64Array(labels.length)), digits);
}

/** Proportions of `digits` among labelled samples, each counting 1/n (e.g. after resampling, or PCD's walkers). */
export function unweightedModeProportions(labels: Int32Array, digits: readonly number[] = PAPER_MODE_DIGITS): ModeProportions {
  const where = 'unweightedModeProportions';
  checkDigits(where, digits);
  checkLabels(where, labels);
  return proportionsFromWeights(where, labels, null, digits);
}

/** labels[ancestors[k]] into out: the labels of resampled walkers (004 A.4); `ancestors` from a ResamplingScheme. */
export function labelsOfAncestors(labels: Int32Array, ancestors: Int32Array, out: Int32Array = new Int32Array(ancestors.length)): Int32Array {
  if (out.length !== ancestors.length) throw new Error(`labelsOfAncestors: out.length = ${out.length} must be ancestors.length = ${ancestors.length}`);
  for (let k = 0; k < ancestors.length; k++) {
    const a = ancestors[k]!;
    if (!(a >= 0 && a < labels.length)) throw new Error(`labelsOfAncestors: ancestors[${k}] = ${a} must be an index in [0, ${labels.length})`);
    out[k] = labels[a]!;
  }
  return out;
}

/**
 * Proportions after resampling: M = labels.length ancestors drawn by `scheme` from the log-weights, then counted
 * unweighted. Its expectation over the scheme's randomness is `weightedModeProportions` for unbiased schemes.
 */
export function resampledModeProportions(
  stream: Stream, labels: Int32Array, logWeights: Float64Array, scheme: ResamplingScheme, digits: readonly number[] = PAPER_MODE_DIGITS,
): ModeProportions {
  const where = 'resampledModeProportions';
  checkDigits(where, digits);
  checkLabels(where, labels);
  if (logWeights.length !== labels.length) throw new Error(`${where}: logWeights.length = ${logWeights.length} must equal labels.length = ${labels.length}`);
  const ancestors = scheme(stream, logWeights, new Int32Array(labels.length));
  return unweightedModeProportions(labelsOfAncestors(labels, ancestors), digits);
}

/** |p̂_d − p_d| / p_d per digit (Fig. 3 of 004 with p = 4/7, 2/7, 1/7). */
export function modeRelativeErrors(estimated: Float64Array, target: readonly number[] = PAPER_MODE_WEIGHTS): Float64Array {
  if (estimated.length !== target.length) throw new Error(`modeRelativeErrors: estimated.length = ${estimated.length} must equal target.length = ${target.length}`);
  return Float64Array.from(target, (p, j) => {
    if (!(p > 0 && p <= 1)) throw new Error(`modeRelativeErrors: target[${j}] = ${p} must be in (0, 1]`);
    const e = estimated[j]!;
    if (!(e >= 0 && e <= 1)) throw new Error(`modeRelativeErrors: estimated[${j}] = ${e} must be in [0, 1]`);
    return Math.abs(e - p) / p;
  });
}
