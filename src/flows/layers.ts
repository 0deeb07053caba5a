/**
 * The FlowLayer family — 001 §3.4 (Normalizing Flows), Lemma 3.5 (3.54) and Lemma 3.6 (3.57)-(3.58).
 *
 * A flow layer is a bijection f_θ: ℝ^d → ℝ^d in the generative direction (noise → data), evaluated on a row-major
 * batch of n points. Every member (affine, planar, coupling, and their composition) has this one type:
 *   forward  y = f_θ(x),     logDet[i] = log|det J_x f_θ(x_i)|
 *   inverse  x = f_θ⁻¹(y),   logDet[i] = log|det J_y f_θ⁻¹(y_i)| = −log|det J_x f_θ(x_i)|       (3.54)
 *   inverseBackward: reverse-mode derivative of a batch objective through the normalizing direction x = f_θ⁻¹(y),
 *     the direction maximum likelihood (3.56) evaluates: given ∂L/∂x (n×d) and ∂L/∂logDet (n), it ADDS ∂L/∂θ into
 *     gradTheta and WRITES ∂L/∂y into gradY.
 *   forwardBackward: the same through the generative direction (y, logDet) = forward(θ, x), for objectives on pushed-
 *     forward samples (e.g. a reverse KL to an energy); it ADDS ∂L/∂θ and WRITES ∂L/∂x.
 * θ is a flat Float64Array of length paramDim passed to every call (as for an Energy), so an optimizer owns it.
 *
 * Kernels write into their output buffers, never change their inputs, and keep their scratch space between calls
 * (grown when a larger batch arrives). Output buffers must not alias the inputs.
 */
import type { Stream } from '../rng/stream.js';

export interface FlowLayer {
  /** a short name for messages */
  readonly name: string;
  /** d */
  readonly dim: number;
  /** p = length of θ */
  readonly paramDim: number;
  /** y = f_θ(x) into out (n×d), log|det J_x f_θ(x_i)| into logDet[i]; returns out. */
  forward(theta: Float64Array, x: Float64Array, n: number, out: Float64Array, logDet: Float64Array): Float64Array;
  /** x = f_θ⁻¹(y) into out (n×d), log|det J_y f_θ⁻¹(y_i)| into logDet[i]; returns out. */
  inverse(theta: Float64Array, y: Float64Array, n: number, out: Float64Array, logDet: Float64Array): Float64Array;
  /**
   * Backprop through (x, logDet) = inverse(θ, y): gradTheta += Σᵢ (∂L/∂xᵢ)·∂xᵢ/∂θ + (∂L/∂logDetᵢ)·∂logDetᵢ/∂θ,
   * gradY ← ∂L/∂y (n×d). gradY must not alias gradX.
   */
  inverseBackward(
    theta: Float64Array,
    y: Float64Array,
    n: number,
    gradX: Float64Array,
    gradLogDet: Float64Array,
    gradTheta: Float64Array,
    gradY: Float64Array,
  ): void;
  /**
   * Backprop through (y, logDet) = forward(θ, x): gradTheta += ∂L/∂θ, gradX ← ∂L/∂x (n×d), given ∂L/∂y (n×d) and
   * ∂L/∂logDet (n). gradX must not alias gradY.
   */
  forwardBackward(
    theta: Float64Array,
    x: Float64Array,
    n: number,
    gradY: Float64Array,
    gradLogDet: Float64Array,
    gradTheta: Float64Array,
    gradX: Float64Array,
  ): void;
  /** A default initial θ into out (length p): the identity map or a small random perturbation of it. */
  initialParams(stream: Stream, out: Float64Array): Float64Array;
}

/** Rejects θ of the wrong length or with a non-finite entry, naming the layer and the index. */
export function checkFlowTheta(layer: Pick<FlowLayer, 'name' | 'paramDim'>, theta: Float64Array): void {
  if (!(theta instanceof Float64Array)) throw new TypeError(`${layer.name}: theta must be a Float64Array`);
  if (theta.length !== layer.paramDim) throw new RangeError(`${layer.name}: theta must have length ${layer.paramDim}, got ${theta.length}`);
  for (let j = 0; j < theta.length; j++) {
    if (!Number.isFinite(theta[j]!)) throw new RangeError(`${layer.name}: theta[${j}] = ${theta[j]} must be finite`);
  }
}

/** Rejects a bad n, a short or non-finite input batch (named `what`), or a short output. */
export function checkFlowBatch(name: string, what: string, x: Float64Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (!(x instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (x.length < n * d) throw new RangeError(`${name}: ${what} must hold n·d = ${n * d} values, got ${x.length}`);
  for (let k = 0; k < n * d; k++) {
    if (!Number.isFinite(x[k]!)) throw new RangeError(`${name}: ${what}[${k}] = ${x[k]} must be finite (row ${Math.floor(k / d)})`);
  }
}

/** Rejects an output buffer shorter than len. */
export function checkFlowOut(name: string, what: string, buf: Float64Array, len: number): void {
  if (!(buf instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (buf.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${buf.length}`);
}

/** The checks of forward/inverse: θ, the input batch, out (n×d) and logDet (n). */
export function checkFlowCall(
  layer: Pick<FlowLayer, 'name' | 'paramDim' | 'dim'>,
  theta: Float64Array,
  input: Float64Array,
  n: number,
  out: Float64Array,
  logDet: Float64Array,
): void {
  checkFlowTheta(layer, theta);
  checkFlowBatch(layer.name, 'input', input, n, layer.dim);
  checkFlowOut(layer.name, 'out', out, n * layer.dim);
  checkFlowOut(layer.name, 'logDet', logDet, n);
  if (out.buffer === input.buffer && out.byteOffset < input.byteOffset + n * layer.dim * 8 && input.byteOffset < out.byteOffset + n * layer.dim * 8) {
    throw new RangeError(`${layer.name}: out must not alias the input batch`);
  }
}

/**
 * The checks of inverseBackward (names 'y', 'gradX', 'gradY') and forwardBackward (names 'x', 'gradY', 'gradX'): the
 * input point, the upstream gradient of the output, ∂L/∂logDet, gradTheta and the gradient written for the input.
 */
export function checkFlowBackward(
  layer: Pick<FlowLayer, 'name' | 'paramDim' | 'dim'>,
  theta: Float64Array,
  input: Float64Array,
  n: number,
  gradOut: Float64Array,
  gradLogDet: Float64Array,
  gradTheta: Float64Array,
  gradIn: Float64Array,
  names: readonly [string, string, string] = ['y', 'gradX', 'gradY'],
): void {
  checkFlowTheta(layer, theta);
  const d = layer.dim;
  checkFlowBatch(layer.name, names[0], input, n, d);
  checkFlowBatch(layer.name, names[1], gradOut, n, d);
  checkFlowBatch(layer.name, 'gradLogDet', gradLogDet, n, 1);
  checkFlowOut(layer.name, 'gradTheta', gradTheta, layer.paramDim);
  checkFlowOut(layer.name, names[2], gradIn, n * d);
  if (gradIn.buffer === gradOut.buffer && gradIn.byteOffset < gradOut.byteOffset + n * d * 8 && gradOut.byteOffset < gradIn.byteOffset + n * d * 8) {
    throw new RangeError(`${layer.name}: ${names[2]} must not alias ${names[1]}`);
  }
}

export const FORWARD_BACKWARD_NAMES = ['x', 'gradY', 'gradX'] as const;

/** A scratch buffer that grows to the largest size asked for and is reused (one per kernel). */
export interface Scratch {
  get(size: number): Float64Array;
}

export function scratch(): Scratch {
  let buf = new Float64Array(0);
  return {
    get(size) {
      if (buf.length < size) buf = new Float64Array(Math.max(size, 2 * buf.length));
      return buf;
    },
  };
}

/** log N(z; 0, I_d) of each row into out[i] (the base density ρ_Z of 001 (3.54)). */
export function standardNormalLogDensity(z: Float64Array, n: number, d: number, out: Float64Array): Float64Array {
  const c = -0.5 * d * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = z[i * d + j]!;
      s += v * v;
    }
    out[i] = c - 0.5 * s;
  }
  return out;
}
