/**
 * Maximum-likelihood training of a normalizing flow — 001 §3.4, (3.55)-(3.56):
 *   θ* = argmin_θ D_KL(ρ* ‖ ρ_θ) = argmax_θ E*[log ρ_Z(f_θ⁻¹(y)) + log|det J_y f_θ⁻¹(y)|],
 * the expectation estimated on the data set (Monte Carlo over mini-batches). The objective minimised is the mean
 * negative log-likelihood NLL(θ) = −(1/n) Σᵢ log ρ_θ(yᵢ) with a standard-normal base; its gradient is one
 * `inverseBackward` pass with ∂L/∂z = z/n (from −log ρ_Z) and ∂L/∂logDet = −1/n. The optimizer is Adam
 * (src/training/optimizers.ts), which steps along the direction D = −∇NLL.
 */
import type { Stream } from '../rng/stream.js';
import { uniformInt } from '../rng/uniform.js';
import { adam, type AdamOptions, type OptimizerState } from '../training/optimizers.js';
import { checkFlowBatch, checkFlowOut, checkFlowTheta, scratch, standardNormalLogDensity, type FlowLayer, type Scratch } from './layers.js';

/**
 * The mean NLL of the n rows of y under the flow (3.56); when gradTheta is given, ∇_θ NLL is written into it.
 */
export function flowNll(flow: FlowLayer, theta: Float64Array, y: Float64Array, n: number, gradTheta?: Float64Array): number {
  return nllKernel(flow, nllWorkspace())(theta, y, n, gradTheta);
}

interface NllWorkspace {
  z: Scratch; ld: Scratch; lp: Scratch; gz: Scratch; gl: Scratch; gy: Scratch;
}

function nllWorkspace(): NllWorkspace {
  return { z: scratch(), ld: scratch(), lp: scratch(), gz: scratch(), gl: scratch(), gy: scratch() };
}

/** flowNll with its buffers made once (the training loop calls it every step). */
function nllKernel(flow: FlowLayer, ws: NllWorkspace) {
  const d = flow.dim;
  return (theta: Float64Array, y: Float64Array, n: number, gradTheta?: Float64Array): number => {
    checkFlowTheta(flow, theta);
    checkFlowBatch(`flowNll(${flow.name})`, 'y', y, n, d);
    if (gradTheta !== undefined) checkFlowOut(`flowNll(${flow.name})`, 'gradTheta', gradTheta, flow.paramDim);
    const z = ws.z.get(n * d).subarray(0, n * d), ld = ws.ld.get(n).subarray(0, n), lp = ws.lp.get(n).subarray(0, n);
    flow.inverse(theta, y, n, z, ld);
    standardNormalLogDensity(z, n, d, lp);
    let nll = 0;
    for (let i = 0; i < n; i++) nll -= lp[i]! + ld[i]!; // (3.56)
    nll /= n;
    if (gradTheta !== undefined) {
      gradTheta.fill(0, 0, flow.paramDim);
      const gz = ws.gz.get(n * d).subarray(0, n * d), gl = ws.gl.get(n).subarray(0, n), gy = ws.gy.get(n * d).subarray(0, n * d);
      gl.fill(-1 / n); // ∂NLL/∂logDet_i
      for (let k = 0; k < n * d; k++) gz[k] = z[k]! / n; // ∂(−log N(z))/∂z = z
      flow.inverseBackward(theta, y, n, gz, gl, gradTheta, gy);
    }
    return nll;
  };
}

export interface FlowMleOptions {
  /** optimizer steps */
  readonly iterations: number;
  /** mini-batch size (≤ the number of data rows); rows are drawn without replacement within each shuffled epoch */
  readonly batchSize: number;
  /** Adam's options (lr, β₁, β₂, ε, schedule) */
  readonly adam: AdamOptions;
  /** called after every step with the iteration k (0-based), the mini-batch NLL before the step, and θ after it */
  readonly onIteration?: (k: number, batchNll: number, theta: Float64Array) => void;
}

export interface FlowMleResult {
  /** θ after the last step (a new array; θ₀ is not changed) */
  readonly theta: Float64Array;
  /** the mini-batch NLL at each step, before the step */
  readonly batchNll: Float64Array;
  readonly optimizer: OptimizerState;
}

/** Fisher–Yates permutation of perm in place from the stream. */
function shuffle(stream: Stream, perm: Int32Array): void {
  for (let i = perm.length - 1; i > 0; i--) {
    const j = uniformInt(stream, i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
}

/**
 * Adam on the mini-batch NLL (3.56), starting from θ₀, with the batches drawn from `stream` (one shuffle per epoch).
 */
export function trainFlowMle(
  stream: Stream,
  flow: FlowLayer,
  theta0: Float64Array,
  data: Float64Array,
  nData: number,
  options: FlowMleOptions,
): FlowMleResult {
  checkFlowTheta(flow, theta0);
  checkFlowBatch(`trainFlowMle(${flow.name})`, 'data', data, nData, flow.dim);
  const { iterations, batchSize } = options;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`trainFlowMle: iterations must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > nData) {
    throw new RangeError(`trainFlowMle: batchSize must be an integer in [1, nData = ${nData}], got ${batchSize}`);
  }
  const d = flow.dim, p = flow.paramDim;
  const theta = Float64Array.from(theta0);
  const opt = adam(p, options.adam);
  const grad = new Float64Array(p), direction = new Float64Array(p);
  const batch = new Float64Array(batchSize * d);
  const perm = new Int32Array(nData);
  for (let i = 0; i < nData; i++) perm[i] = i;
  shuffle(stream, perm);
  let cursor = 0;
  const batchNll = new Float64Array(iterations);
  const nll = nllKernel(flow, nllWorkspace());
  for (let k = 0; k < iterations; k++) {
    if (cursor + batchSize > nData) {
      shuffle(stream, perm);
      cursor = 0;
    }
    for (let b = 0; b < batchSize; b++) {
      const src = perm[cursor + b]! * d;
      for (let j = 0; j < d; j++) batch[b * d + j] = data[src + j]!;
    }
    cursor += batchSize;
    const value = nll(theta, batch, batchSize, grad);
    if (!Number.isFinite(value)) throw new RangeError(`trainFlowMle: the mini-batch NLL at iteration ${k} is ${value} (diverged; lower adam.lr)`);
    batchNll[k] = value;
    for (let j = 0; j < p; j++) direction[j] = -grad[j]!; // Adam steps along D = −∇NLL
    opt.step(theta, direction);
    options.onIteration?.(k, value, theta);
  }
  return { theta, batchNll, optimizer: opt.getState() };
}
