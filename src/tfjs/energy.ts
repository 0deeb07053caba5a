/**
 * src/tfjs/energy — convolutional energies U_θ(x) on images (004 §4.2, App. B.2; issue 6 items 1 and 3). The paper's
 * MNIST energy is "a simple six-layer convolutional neural network with the swish activation and about 77K
 * parameters" (004 §4.2); the official code's layers are four convolutions 1→16 k5 s2 p4, 16→32, 32→64, 64→64 k3 s2 p1,
 * each followed by SiLU, then a 256→64 SiLU layer and a 64→1 output (PAPER_MNIST_ENERGY: 76 993 parameters).
 *
 *   h₀ = x (NHWC),  h_{l+1} = SiLU(conv(h_l; K_l, stride, pad) + b_l),  U_θ(x) = W₂ SiLU(W₁ flat(h_L) + c₁) + c₂,
 *   SiLU(u) = u σ(u) (swish).
 *
 * A `TensorEnergy` gives what an `Energy` gives (DESIGN.md) for a batch of images, as tensors: U (`values`), U and ∇ₓU
 * (`valuesAndGradX`: the vector-Jacobian product of the batch U with dy = 1, which is the per-image gradient since the
 * images do not interact), and Σᵢ wᵢ ∂θU(xᵢ) (`weightedParamGrad`: the θ vector-Jacobian product with dy = w). Batches
 * are evaluated in chunks of `chunk` images so memory stays bounded; the θ-gradient sums the chunks' float32 results in
 * float64. `gaussianTensorEnergy` is the isotropic Gaussian, the oracle of the engine tests.
 *
 * θ: one flat Float64Array in the order of `paramShapes` (per layer: kernel [kh, kw, cin, cout] row-major, then bias;
 * dense W [in, out], then bias). The float32 boundary: `setParameters` rounds θ to the nearest float32 (src/tfjs
 * backend.ts `toFloat32`, refusing NaN and overflow), `parameters` widens exactly, so θ → float32 → θ' is the
 * identity on float32 values and changes any other θ by ≤ 2⁻²⁴ relatively.
 *
 * Initialisation (seeded, the project's Stream, not tfjs's initializers): every weight and bias ~ U(−1/√fan_in,
 * 1/√fan_in), fan_in = kh·kw·cin (PyTorch's default for Conv2d/Linear, which the official code uses).
 */
import * as tf from '@tensorflow/tfjs';
import { uniforms, type Stream } from '../rng/index.js';
import { toFloat32 } from './backend.js';

export interface ConvLayer {
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
}

export interface CnnEnergySpec {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly convs: readonly ConvLayer[];
  /** widths of the SiLU dense layers after flattening; the output layer (→ 1) is added */
  readonly hidden: readonly number[];
}

/** The official code's MNIST energy (004 §4.2, App. B.2): 76 993 parameters. */
export const PAPER_MNIST_ENERGY: CnnEnergySpec = {
  height: 28, width: 28, channels: 1,
  convs: [
    { filters: 16, kernel: 5, stride: 2, pad: 4 },
    { filters: 32, kernel: 3, stride: 2, pad: 1 },
    { filters: 64, kernel: 3, stride: 2, pad: 1 },
    { filters: 64, kernel: 3, stride: 2, pad: 1 },
  ],
  hidden: [64],
};

/**
 * A family U_θ of image energies with tensors inside (the tensor counterpart of src/energies' `Energy`): θ is set
 * once (`setParameters`, float64 → float32) and every batch method uses the current parameters.
 */
export interface TensorEnergy {
  readonly name: string;
  /** [H, W, C] of one image */
  readonly shape: readonly [number, number, number];
  /** d = H·W·C */
  readonly dim: number;
  /** p */
  readonly paramDim: number;
  /** shapes of the parameter tensors, in θ order */
  readonly paramShapes: readonly (readonly number[])[];
  /** images per evaluation chunk */
  readonly chunk: number;
  /** Replaces the parameters by θ rounded to float32 (named errors for length, NaN, overflow). */
  setParameters(theta: Float64Array): void;
  /** The current parameters widened to float64 (exact). */
  parameters(out?: Float64Array): Float64Array;
  /** U_θ(xᵢ) for x [n, H, W, C]: a new [n] tensor (the caller disposes it). */
  values(x: tf.Tensor4D): tf.Tensor1D;
  /** U_θ(xᵢ) and ∇ₓU_θ(xᵢ): new tensors [n] and [n, H, W, C] (the caller disposes them). */
  valuesAndGradX(x: tf.Tensor4D): { u: tf.Tensor1D; grad: tf.Tensor4D };
  /** Σᵢ wᵢ ∂θU_θ(xᵢ) into out (length p; chunks summed in float64); weights are rounded to float32. Returns out. */
  weightedParamGrad(x: tf.Tensor4D, weights: Float64Array, out: Float64Array): Float64Array;
  /** Frees the parameter tensors. */
  dispose(): void;
}

/** U for a batch [n, H, W, C] from explicit parameter tensors (so tf.grads can differentiate in them); returns [n]. */
export type TensorForward = (params: readonly tf.Tensor[], x: tf.Tensor4D) => tf.Tensor1D;

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} = ${v} must be a positive integer`);
}

/** Output side of a convolution: ⌊(s + 2 pad − k)/stride⌋ + 1. */
export function convOutputSide(side: number, layer: ConvLayer): number {
  return Math.floor((side + 2 * layer.pad - layer.kernel) / layer.stride) + 1;
}

/** The parameter shapes of a spec, validating it (named errors). */
export function cnnParamShapes(spec: CnnEnergySpec): number[][] {
  checkPositiveInt('cnnEnergy: spec.height', spec.height);
  checkPositiveInt('cnnEnergy: spec.width', spec.width);
  checkPositiveInt('cnnEnergy: spec.channels', spec.channels);
  let h = spec.height, w = spec.width, c = spec.channels;
  const shapes: number[][] = [];
  spec.convs.forEach((l, i) => {
    checkPositiveInt(`cnnEnergy: spec.convs[${i}].filters`, l.filters);
    checkPositiveInt(`cnnEnergy: spec.convs[${i}].kernel`, l.kernel);
    checkPositiveInt(`cnnEnergy: spec.convs[${i}].stride`, l.stride);
    if (!Number.isInteger(l.pad) || l.pad < 0) throw new Error(`cnnEnergy: spec.convs[${i}].pad = ${l.pad} must be a non-negative integer`);
    const h2 = convOutputSide(h, l), w2 = convOutputSide(w, l);
    if (h2 < 1 || w2 < 1) throw new Error(`cnnEnergy: spec.convs[${i}] maps a ${h}×${w} input to ${h2}×${w2}: the output must be at least 1×1`);
    shapes.push([l.kernel, l.kernel, c, l.filters], [l.filters]);
    h = h2; w = w2; c = l.filters;
  });
  let width = h * w * c;
  spec.hidden.forEach((m, i) => {
    checkPositiveInt(`cnnEnergy: spec.hidden[${i}]`, m);
    shapes.push([width, m], [m]);
    width = m;
  });
  shapes.push([width, 1], [1]);
  return shapes;
}

/** p, the number of parameters of a spec. */
export function cnnParameterCount(spec: CnnEnergySpec): number {
  return cnnParamShapes(spec).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

/** fan_in of parameter tensor j (a kernel or weight and its bias share it). */
function fanIn(shapes: readonly (readonly number[])[], j: number): number {
  const w = shapes[j % 2 === 0 ? j : j - 1]!;
  return w.length === 4 ? w[0]! * w[1]! * w[2]! : w[0]!;
}

/** θ₀ drawn from `stream`: U(−1/√fan_in, 1/√fan_in) for every entry (module header). */
export function initCnnParameters(stream: Stream, spec: CnnEnergySpec): Float64Array {
  const shapes = cnnParamShapes(spec);
  const theta = uniforms(stream, new Float64Array(cnnParameterCount(spec)));
  let o = 0;
  shapes.forEach((sh, j) => {
    const size = sh.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn(shapes, j));
    for (let i = o; i < o + size; i++) theta[i] = (2 * theta[i]! - 1) * bound;
    o += size;
  });
  return theta;
}

const silu = (t: tf.Tensor): tf.Tensor => t.mul(t.sigmoid()); // swish

/** U for a batch x [n, H, W, C] with explicit parameter tensors (for tf.grads); returns [n]. */
export function cnnForward(spec: CnnEnergySpec, params: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor1D {
  let h: tf.Tensor = x;
  let j = 0;
  for (const l of spec.convs) {
    const k = params[j++] as tf.Tensor4D, b = params[j++]!;
    h = silu(tf.conv2d(h as tf.Tensor4D, k, l.stride, l.pad).add(b));
  }
  h = h.reshape([x.shape[0], -1]);
  for (let m = 0; m < spec.hidden.length; m++) {
    const w = params[j++] as tf.Tensor2D, b = params[j++]!;
    h = silu((h as tf.Tensor2D).matMul(w).add(b));
  }
  const w = params[j++] as tf.Tensor2D, b = params[j++]!;
  return (h as tf.Tensor2D).matMul(w).add(b).reshape([x.shape[0]]) as tf.Tensor1D;
}

function checkBatch(name: string, shape: readonly number[], x: tf.Tensor): void {
  const s = x.shape;
  if (s.length !== 4 || s[1] !== shape[0] || s[2] !== shape[1] || s[3] !== shape[2]) {
    throw new Error(`${name}: x has shape [${s.join(', ')}], must be [n, ${shape.join(', ')}]`);
  }
  if (x.dtype !== 'float32') throw new Error(`${name}: x must be float32, got ${x.dtype}`);
}

function chunks(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(size, n - s)]);
  return out;
}

/**
 * A TensorEnergy from a forward function and its parameter shapes, with parameters θ (rounded to float32) and
 * evaluation chunks of `chunk` images.
 */
export function tensorEnergy(
  name: string, shape: readonly [number, number, number], paramShapes: readonly (readonly number[])[],
  forward: TensorForward, theta: Float64Array, chunk = 256,
): TensorEnergy {
  shape.forEach((v, i) => checkPositiveInt(`${name}: shape[${i}]`, v));
  checkPositiveInt(`${name}: chunk`, chunk);
  const sizes = paramShapes.map((sh) => sh.reduce((a, b) => a * b, 1));
  const paramDim = sizes.reduce((a, b) => a + b, 0);
  let params: tf.Tensor[] = [];
  const slice = (x: tf.Tensor4D, s: number, m: number) => x.slice([s, 0, 0, 0], [m, -1, -1, -1]);
  const e: TensorEnergy = {
    name, shape, dim: shape[0] * shape[1] * shape[2], paramDim, paramShapes, chunk,
    setParameters(th) {
      if (th.length !== paramDim) throw new Error(`${name}: theta.length = ${th.length} must be the parameter count ${paramDim}`);
      const f = toFloat32(`${name}: theta`, th);
      const next: tf.Tensor[] = [];
      let o = 0;
      paramShapes.forEach((sh, j) => {
        next.push(tf.tensor(f.subarray(o, o + sizes[j]!), [...sh], 'float32'));
        o += sizes[j]!;
      });
      for (const t of params) t.dispose();
      params = next;
    },
    parameters(out = new Float64Array(paramDim)) {
      if (out.length !== paramDim) throw new Error(`${name}: parameters out.length = ${out.length} must be ${paramDim}`);
      let o = 0;
      for (const t of params) {
        const d = t.dataSync();
        for (let i = 0; i < d.length; i++) out[o + i] = d[i]!;
        o += d.length;
      }
      return out;
    },
    values(x) {
      checkBatch(`${name}: values`, shape, x);
      return tf.tidy(() => {
        const parts = chunks(x.shape[0], chunk).map(([s, m]) => forward(params, slice(x, s, m)));
        return (parts.length === 1 ? parts[0]! : tf.concat(parts)) as tf.Tensor1D;
      });
    },
    valuesAndGradX(x) {
      checkBatch(`${name}: valuesAndGradX`, shape, x);
      const [u, grad] = tf.tidy(() => {
        const us: tf.Tensor[] = [], gs: tf.Tensor[] = [];
        for (const [s, m] of chunks(x.shape[0], chunk)) {
          // The vector-Jacobian product with dy = 1: Σₖ ∇ₓU(xₖ) restricted to image i is ∇ₓU(xᵢ) (the images do not
          // interact), and value is U(xᵢ): one forward and one backward pass give both.
          const { value, grad } = tf.valueAndGrad((xx: tf.Tensor) => forward(params, xx as tf.Tensor4D))(slice(x, s, m), tf.ones([m]));
          us.push(value);
          gs.push(grad);
        }
        return [us.length === 1 ? us[0]! : tf.concat(us), gs.length === 1 ? gs[0]! : tf.concat(gs)];
      });
      return { u: u as tf.Tensor1D, grad: grad as tf.Tensor4D };
    },
    weightedParamGrad(x, weights, out) {
      checkBatch(`${name}: weightedParamGrad`, shape, x);
      const n = x.shape[0];
      if (weights.length !== n) throw new Error(`${name}: weightedParamGrad weights.length = ${weights.length} must be n = ${n}`);
      if (out.length !== paramDim) throw new Error(`${name}: weightedParamGrad out.length = ${out.length} must be p = ${paramDim}`);
      const w32 = toFloat32(`${name}: weightedParamGrad weights`, weights);
      out.fill(0);
      for (const [s, m] of chunks(n, chunk)) {
        // The vector-Jacobian product in θ with dy = w: Σᵢ wᵢ ∂θU(xᵢ).
        const grads = tf.tidy(() => {
          const wc = tf.tensor1d(w32.subarray(s, s + m), 'float32');
          const xc = slice(x, s, m);
          return tf.grads((...ps: tf.Tensor[]) => forward(ps, xc))(params, wc);
        });
        let o = 0;
        for (const g of grads) {
          const d = g.dataSync();
          for (let i = 0; i < d.length; i++) out[o + i] = out[o + i]! + d[i]!;
          o += d.length;
          g.dispose();
        }
      }
      return out;
    },
    dispose() {
      for (const t of params) t.dispose();
      params = [];
    },
  };
  e.setParameters(theta);
  return e;
}

/** The CNN energy of `spec` (module header) with parameters θ. */
export function cnnEnergy(spec: CnnEnergySpec, theta: Float64Array, chunk = 256): TensorEnergy {
  const shapes = cnnParamShapes(spec);
  return tensorEnergy(`cnn(${spec.height}×${spec.width}×${spec.channels}, p=${cnnParameterCount(spec)})`,
    [spec.height, spec.width, spec.channels], shapes, (ps, x) => cnnForward(spec, ps, x), theta, chunk);
}

/**
 * The isotropic Gaussian U_θ(x) = ½ e^{−2s} |x − μ|², θ = [μ (d, image order), s] — src/energies' gaussianEnergy
 * with Σ₀ = I as a tensor energy (the oracle the image engine is tested against; log Z_θ = (d/2) log 2π + d·s).
 */
export function gaussianTensorEnergy(shape: readonly [number, number, number], theta: Float64Array, chunk = 256): TensorEnergy {
  return tensorEnergy(`gaussian(${shape.join('×')})`, shape, [[...shape], [1]], (ps, x) => {
    const r = x.sub(ps[0]!);
    return r.square().sum([1, 2, 3]).mul(ps[1]!.mul(-2).exp()).mul(0.5) as tf.Tensor1D;
  }, theta, chunk);
}
