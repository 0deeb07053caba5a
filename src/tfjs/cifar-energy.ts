/**
 * src/tfjs/cifar-energy — the CIFAR-10 energy of 004 §4.3 and App. B.3 (issue 6 item 5), with the data noise and the
 * Langevin gradient clipping the paper mentions.
 *
 * What 004 says (§4.3): "We use the setup of [47] (Nijkamp et al. 2019, short-run MCMC), with the same neural
 * architecture with n_f = 128 features", N = 4096 walkers, N' = 256, Adam with η = 10⁻⁴, "inject a Gaussian noise of
 * standard deviation σ = 3 × 10⁻² to the dataset while performing gradient clipping in Langevin sampling". The layers
 * are not listed in the document. OUR READING (the architecture of [47]'s CIFAR-10 energy, which is also the
 * `Paper_net` of the paper's public code, there with n_f = 64 by default), NHWC, 32×32×3 → scalar:
 *   conv 3×3 s1 p1  3 → n_f     · LeakyReLU(0.2)   32×32
 *   conv 4×4 s2 p1  n_f → 2n_f  · LeakyReLU(0.2)   16×16
 *   conv 4×4 s2 p1  2n_f → 4n_f · LeakyReLU(0.2)   8×8
 *   conv 4×4 s2 p1  4n_f → 8n_f · LeakyReLU(0.2)   4×4
 *   conv 4×4 s1 p0  8n_f → 1                       1×1 = U_θ(x)
 * p = 27n_f + n_f + 32n_f² + 2n_f + 128n_f² + 4n_f + 512n_f² + 8n_f + 128n_f + 1 = 672n_f² + 170n_f + 1
 * (11 031 809 at n_f = 128). The sign: the network's output is taken as the energy U (the public code's loss
 * −E_walkers[f] + E_data[f] is the cross-entropy gradient with U = f).
 *
 * Initialisation as src/tfjs/energy.ts (PyTorch's default): every entry ~ U(−1/√fan_in, 1/√fan_in), fan_in = kh·kw·cin.
 *
 * Gradient clipping in Langevin sampling (the document gives no form). `clipGradientNorms` rescales each walker's
 * ∇ₓU to norm ≤ c (g ← g·min(1, c/‖g‖)); `clipGradientValues` clamps each entry to [−b, b] (the public code clamps to
 * ±0.3/h). Either changes the ULA proposal to N(x − h·clip(∇U(x)), 2h I): Jarzynski weights stay exact only if the
 * increment's transition densities (004 (6)) use the same clipped drift — pass the clipped gradient there too
 * (spec: E[e^A] = 1 by quadrature with the clipped α, 0.9385 with the unclipped one). src/tfjs/engine.ts's tensor
 * engine moves walkers without clipping; `clippedUlaStep` is the clipped move for an engine that offers it.
 *
 * Data noise: `noisyDataTerm` is a TensorDataTerm (for src/tfjs/image-trainer.ts) whose iteration-k mini-batch gets
 * fresh N(0, σ²I) noise drawn from foldIn(noiseKey, k), so resumed runs reproduce it.
 */
import * as tf from '@tensorflow/tfjs';
import { foldIn, normals, streamFromKey, uniformInt, uniforms, type Key, type Stream } from '../rng/index.js';
import { toFloat32 } from './backend.js';
import { tensorEnergy, type TensorEnergy } from './energy.js';
import type { TensorDataTerm } from './engine.js';

/** 004 §4.3: n_f = 128. */
export const CIFAR_ENERGY_FEATURES = 128;
/** 004 §4.3: the standard deviation of the Gaussian noise added to the data, σ = 3·10⁻². */
export const CIFAR_DATA_NOISE = 3e-2;
/** LeakyReLU slope of [47]'s network. */
export const CIFAR_LEAK = 0.2;
export const CIFAR_SHAPE: readonly [number, number, number] = [32, 32, 3];

export interface CifarConv {
  readonly cin: number;
  readonly cout: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
}

function checkFeatures(where: string, nf: number): void {
  if (!Number.isInteger(nf) || nf < 1) throw new Error(`${where}: nf = ${nf} must be a positive integer`);
}

/** The five convolutions of the module header for n_f features. */
export function cifarLayers(nf: number = CIFAR_ENERGY_FEATURES): CifarConv[] {
  checkFeatures('cifarLayers', nf);
  return [
    { cin: 3, cout: nf, kernel: 3, stride: 1, pad: 1 },
    { cin: nf, cout: 2 * nf, kernel: 4, stride: 2, pad: 1 },
    { cin: 2 * nf, cout: 4 * nf, kernel: 4, stride: 2, pad: 1 },
    { cin: 4 * nf, cout: 8 * nf, kernel: 4, stride: 2, pad: 1 },
    { cin: 8 * nf, cout: 1, kernel: 4, stride: 1, pad: 0 },
  ];
}

/** Parameter tensor shapes in θ order: per layer the kernel [k, k, cin, cout], then its bias [cout]. */
export function cifarParamShapes(nf: number = CIFAR_ENERGY_FEATURES): number[][] {
  return cifarLayers(nf).flatMap((l) => [[l.kernel, l.kernel, l.cin, l.cout], [l.cout]]);
}

/** p = 672 n_f² + 170 n_f + 1. */
export function cifarParameterCount(nf: number = CIFAR_ENERGY_FEATURES): number {
  return cifarParamShapes(nf).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

/** θ₀ ~ U(−1/√fan_in, 1/√fan_in) entrywise (kernel and bias of a layer share fan_in = k·k·cin). */
export function initCifarParameters(stream: Stream, nf: number = CIFAR_ENERGY_FEATURES): Float64Array {
  const layers = cifarLayers(nf);
  const theta = uniforms(stream, new Float64Array(cifarParameterCount(nf)));
  let o = 0;
  for (const l of layers) {
    const bound = 1 / Math.sqrt(l.kernel * l.kernel * l.cin);
    const size = l.kernel * l.kernel * l.cin * l.cout + l.cout;
    for (let i = o; i < o + size; i++) theta[i] = (2 * theta[i]! - 1) * bound;
    o += size;
  }
  return theta;
}

/** U for x [n, 32, 32, 3] from explicit parameter tensors (for tf.grads); returns [n]. */
export function cifarForward(nf: number, params: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor1D {
  const layers = cifarLayers(nf);
  let h: tf.Tensor4D = x;
  layers.forEach((l, j) => {
    const y = tf.conv2d(h, params[2 * j] as tf.Tensor4D, l.stride, l.pad).add(params[2 * j + 1]!) as tf.Tensor4D;
    h = j + 1 < layers.length ? tf.leakyRelu(y, CIFAR_LEAK) : y;
  });
  return h.reshape([x.shape[0]]) as tf.Tensor1D;
}

/** The CIFAR-10 energy (module header) with n_f features and parameters θ, as a TensorEnergy (src/tfjs/energy.ts). */
export function cifarEnergy(theta: Float64Array, nf: number = CIFAR_ENERGY_FEATURES, chunk = 256): TensorEnergy {
  checkFeatures('cifarEnergy', nf);
  return tensorEnergy(`cifar10(nf=${nf}, p=${cifarParameterCount(nf)})`, CIFAR_SHAPE, cifarParamShapes(nf), (ps, x) => cifarForward(nf, ps, x), theta, chunk);
}

/** x + σξ, ξ ~ N(0, I) from `stream` (004 §4.3's data noise, σ = 3·10⁻² by default), float64, into out (may alias x). */
export function addDataNoise(stream: Stream, x: Float64Array, sigma: number = CIFAR_DATA_NOISE, out: Float64Array = new Float64Array(x.length)): Float64Array {
  if (!(sigma >= 0 && Number.isFinite(sigma))) throw new Error(`addDataNoise: sigma = ${sigma} must be finite and ≥ 0`);
  if (out.length !== x.length) throw new Error(`addDataNoise: out.length = ${out.length} must be x.length = ${x.length}`);
  const xi = normals(stream, new Float64Array(x.length)); // a separate buffer: out may alias x
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + sigma * xi[i]!;
  return out;
}

/**
 * Per-walker norm clipping g_i ← g_i·min(1, c/‖g_i‖₂) of a batch of gradients [n, …] (a new tensor; the caller
 * disposes it). Walkers with ‖g_i‖ ≤ c are returned unchanged.
 */
export function clipGradientNorms(grad: tf.Tensor, maxNorm: number): tf.Tensor {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) throw new Error(`clipGradientNorms: maxNorm = ${maxNorm} must be positive and finite`);
  if (grad.rank < 1) throw new Error('clipGradientNorms: grad must have a batch dimension (rank ≥ 1)');
  return tf.tidy(() => {
    const axes = Array.from({ length: grad.rank - 1 }, (_, i) => i + 1);
    const norm = axes.length === 0 ? grad.abs() : grad.square().sum(axes, true).sqrt();
    // min(1, c/‖g‖) as c/max(‖g‖, c): exactly 1 (no rounding) when ‖g‖ ≤ c, and no division by 0
    const scale = tf.scalar(maxNorm).div(tf.maximum(norm, maxNorm));
    return tf.where(norm.lessEqual(maxNorm), grad, grad.mul(scale));
  });
}

/** Entrywise clamp of gradients to [−b, b] (the public code's variant with b = 0.3/h); a new tensor. */
export function clipGradientValues(grad: tf.Tensor, bound: number): tf.Tensor {
  if (!(bound > 0 && Number.isFinite(bound))) throw new Error(`clipGradientValues: bound = ${bound} must be positive and finite`);
  return tf.clipByValue(grad, -bound, bound);
}

/**
 * Per-walker norm clipping of a float64 batch (n×d, row-major) into out: g_i·min(1, c/‖g_i‖₂) — the float64
 * counterpart of `clipGradientNorms`, for the walker bookkeeping of src/smc (the clipped gradient is the one the
 * increment of 004 (6) must see, module header). out may alias grad. Returns out.
 */
export function clipGradientNormsFloat64(grad: Float64Array, n: number, maxNorm: number, out: Float64Array = new Float64Array(grad.length)): Float64Array {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) throw new Error(`clipGradientNormsFloat64: maxNorm = ${maxNorm} must be positive and finite`);
  if (out.length !== grad.length) throw new Error(`clipGradientNormsFloat64: out.length = ${out.length} must be grad.length = ${grad.length}`);
  const norms = gradientNorms(grad, n);
  const d = grad.length / n;
  for (let i = 0; i < n; i++) {
    const k = norms[i]! <= maxNorm ? 1 : maxNorm / norms[i]!;
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = k === 1 ? grad[j]! : grad[j]! * k;
  }
  return out;
}

/** Per-walker ‖g_i‖₂ of a float64 batch (n×d) into out — for diagnostics and tests. */
export function gradientNorms(grad: Float64Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  if (!Number.isInteger(n) || n < 1 || grad.length % n !== 0) throw new Error(`gradientNorms: grad.length = ${grad.length} must be a positive multiple of n = ${n}`);
  if (out.length !== n) throw new Error(`gradientNorms: out.length = ${out.length} must be n = ${n}`);
  const d = grad.length / n;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += grad[i * d + j]! * grad[i * d + j]!;
    out[i] = Math.sqrt(s);
  }
  return out;
}

export interface ClippedUlaInfo {
  /** U(x_k) of every walker before the step (float32 widened) */
  readonly u: Float64Array;
  /** ‖∇ₓU(x_k)‖ before clipping */
  readonly gradNorms: Float64Array;
  /** walkers whose gradient was clipped */
  readonly clipped: number;
}

/**
 * One ULA step with per-walker gradient-norm clipping, x_{k+1} = x_k − h·clip_c(∇ₓU(x_k)) + √(2h) ξ_k (004 (5) with
 * the clipped drift; noise variance 2h), ξ ~ N(0, I) drawn in float64 from `stream` (or injected as `noise`).
 * Returns the new positions (a new tensor) and diagnostics. Synchronous read-back (cpu, wasm, tfjs-node).
 */
export function clippedUlaStep(
  stream: Stream, energy: TensorEnergy, x: tf.Tensor4D, h: number, maxNorm: number, noise?: Float64Array,
): { x: tf.Tensor4D; info: ClippedUlaInfo } {
  if (!(h > 0 && Number.isFinite(h))) throw new Error(`clippedUlaStep: h = ${h} must be positive and finite`);
  const n = x.shape[0], size = x.size;
  const xi = noise ?? normals(stream, new Float64Array(size));
  if (xi.length !== size) throw new Error(`clippedUlaStep: noise.length = ${xi.length} must be x.size = ${size}`);
  const { u, grad } = energy.valuesAndGradX(x);
  try {
    const g64 = Float64Array.from(grad.dataSync());
    const gradNorms = gradientNorms(g64, n);
    let clipped = 0;
    for (const v of gradNorms) if (v > maxNorm) clipped++;
    const next = tf.tidy(() => {
      const g = clipGradientNorms(grad, maxNorm);
      const z = tf.tensor(toFloat32('clippedUlaStep: noise', xi), x.shape, 'float32');
      return x.sub(g.mul(h)).add(z.mul(Math.sqrt(2 * h))) as tf.Tensor4D; // 004 (5)
    });
    return { x: next, info: { u: Float64Array.from(u.dataSync()), gradNorms, clipped } };
  } finally {
    u.dispose();
    grad.dispose();
  }
}

export interface NoisyDataTermOptions {
  /** m images per iteration, drawn uniformly with replacement from foldIn(key, k) */
  readonly batchSize: number;
  readonly key: Key;
  /** the noise of iteration k is drawn from foldIn(noiseKey, k), so a resumed run adds the noise the uninterrupted one added */
  readonly noiseKey: Key;
  /** σ (default 3·10⁻², 004 §4.3) */
  readonly sigma?: number;
}

/**
 * The data term of 004 §4.3 with data noise: iteration k's mini-batch x*_{j} (m indices as src/tfjs/engine.ts's
 * tensorDataTerm draws them) plus fresh σξ_j, then m⁻¹ Σ_j ∂θU_θ(x*_j + σξ_j) and m⁻¹ Σ_j U_θ(x*_j + σξ_j) — the
 * cross-entropy of the data smoothed by N(0, σ²I), estimated without bias. The image trainer sets `iteration`.
 */
export function noisyDataTerm(energy: TensorEnergy, points: Float64Array, size: number, options: NoisyDataTermOptions): TensorDataTerm {
  const where = 'noisyDataTerm';
  if (!Number.isInteger(size) || size < 1) throw new Error(`${where}: size = ${size} must be a positive integer`);
  const d = energy.dim, m = options.batchSize;
  if (points.length !== size * d) throw new Error(`${where}: points.length = ${points.length} must be size·d = ${size * d}`);
  if (!Number.isInteger(m) || m < 1) throw new Error(`${where}: batchSize = ${m} must be a positive integer`);
  const sigma = options.sigma ?? CIFAR_DATA_NOISE;
  if (!(sigma >= 0 && Number.isFinite(sigma))) throw new Error(`${where}: sigma = ${sigma} must be finite and ≥ 0`);
  const pts = Float64Array.from(points);
  const weights = new Float64Array(m).fill(1 / m);
  const batch = new Float64Array(m * d), idx = new Int32Array(m);
  const term: TensorDataTerm = {
    size, dim: d, points: pts, batchSize: m, iteration: 0,
    batchIndices(k, out = new Int32Array(m)) {
      const s = streamFromKey(foldIn(options.key, k));
      for (let j = 0; j < m; j++) out[j] = uniformInt(s, size);
      return out;
    },
    meanParamGradAndEnergy(theta, out) {
      energy.setParameters(theta);
      term.batchIndices(term.iteration, idx);
      for (let j = 0; j < m; j++) batch.set(pts.subarray(idx[j]! * d, (idx[j]! + 1) * d), j * d);
      addDataNoise(streamFromKey(foldIn(options.noiseKey, term.iteration)), batch, sigma, batch); // 004 §4.3 data noise
      const xb = tf.tensor4d(toFloat32(`${where}: noisy batch`, batch), [m, ...energy.shape], 'float32');
      try {
        energy.weightedParamGrad(xb, weights, out);
        const u = energy.values(xb);
        const uv = u.dataSync();
        u.dispose();
        let s = 0;
        for (let j = 0; j < m; j++) s += uv[j]!;
        return s / m;
      } finally {
        xb.dispose();
      }
    },
    dispose() {},
  };
  return term;
}
