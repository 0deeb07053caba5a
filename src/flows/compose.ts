/**
 * Composition of flow layers and the change of variables — 001 §3.4, Lemma 3.5 (3.54) and Lemma 3.6 (3.57)-(3.58).
 *
 * f = f_M ∘ … ∘ f_1 (generative direction); its inverse is f⁻¹ = f_1⁻¹ ∘ … ∘ f_M⁻¹ (3.57) and, with x_M = y and
 * x_{i−1} = f_i⁻¹(x_i), log|det J_y f⁻¹(y)| = Σ_{i=1}^M log|det J f_i⁻¹(x_i)| (3.58). The composition is itself a
 * FlowLayer whose θ is the layers' θ concatenated in order.
 *
 * With a standard-normal base ρ_Z, the pushforward density (3.54) is
 *   log ρ(y) = log ρ_Z(f⁻¹(y)) + log|det J_y f⁻¹(y)|,
 * and sampling pushes base draws forward: y = f(z), z ~ N(0, I).
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { FORWARD_BACKWARD_NAMES, checkFlowBackward, checkFlowBatch, checkFlowCall, checkFlowOut, checkFlowTheta, scratch, standardNormalLogDensity, type FlowLayer } from './layers.js';

/** f = layers[M−1] ∘ … ∘ layers[0] as one FlowLayer (3.57)-(3.58). */
export function composeFlows(layers: readonly FlowLayer[]): FlowLayer {
  if (!Array.isArray(layers) || layers.length === 0) throw new RangeError('composeFlows: layers must be a non-empty array of flow layers');
  const d = layers[0]!.dim;
  layers.forEach((l, i) => {
    if (l.dim !== d) throw new RangeError(`composeFlows: layers[${i}] (${l.name}) has dim ${l.dim}, layers[0] has ${d}`);
  });
  const M = layers.length;
  const offsets = new Int32Array(M + 1);
  for (let i = 0; i < M; i++) offsets[i + 1] = offsets[i]! + layers[i]!.paramDim;
  const paramDim = offsets[M]!;
  const name = `compose(${layers.map((l) => l.name).join(' ∘ ')})`;
  const self = { name, dim: d, paramDim };
  const th = (theta: Float64Array, i: number): Float64Array => theta.subarray(offsets[i]!, offsets[i + 1]!);
  const wsA = scratch(), wsB = scratch(), wsLd = scratch(), wsStack = scratch(), wsG = scratch();
  return {
    ...self,
    forward(theta, x, n, out, logDet) {
      checkFlowCall(self, theta, x, n, out, logDet);
      const ld = wsLd.get(n).subarray(0, n);
      logDet.fill(0, 0, n);
      let src = x;
      const bufs = [wsA.get(n * d).subarray(0, n * d), wsB.get(n * d).subarray(0, n * d)];
      for (let i = 0; i < M; i++) {
        const dst = i === M - 1 ? out : bufs[i % 2]!;
        layers[i]!.forward(th(theta, i), src, n, dst, ld);
        for (let r = 0; r < n; r++) logDet[r] += ld[r]!; // (3.58), forward direction
        src = dst;
      }
      return out;
    },
    inverse(theta, y, n, out, logDet) {
      checkFlowCall(self, theta, y, n, out, logDet);
      const ld = wsLd.get(n).subarray(0, n);
      logDet.fill(0, 0, n);
      let src = y;
      const bufs = [wsA.get(n * d).subarray(0, n * d), wsB.get(n * d).subarray(0, n * d)];
      for (let k = 0; k < M; k++) {
        const i = M - 1 - k; // (3.57): f_M⁻¹ first
        const dst = k === M - 1 ? out : bufs[k % 2]!;
        layers[i]!.inverse(th(theta, i), src, n, dst, ld);
        for (let r = 0; r < n; r++) logDet[r] += ld[r]!; // (3.58)
        src = dst;
      }
      return out;
    },
    inverseBackward(theta, y, n, gradX, gradLogDet, gradTheta, gradY) {
      checkFlowBackward(self, theta, y, n, gradX, gradLogDet, gradTheta, gradY);
      // Keep the inputs of every inverse: stack[i] = x_{i+1} for layer i (x_M = y).
      const nd = n * d;
      const stack = wsStack.get(M * nd);
      const ld = wsLd.get(n).subarray(0, n);
      stack.set(y.subarray(0, nd), (M - 1) * nd);
      for (let i = M - 1; i >= 1; i--) {
        layers[i]!.inverse(th(theta, i), stack.subarray(i * nd, (i + 1) * nd), n, stack.subarray((i - 1) * nd, i * nd), ld);
      }
      // Backprop from x_0 to y: the total logDet is the sum, so every layer sees the same ∂L/∂logDet.
      const g = wsG.get(2 * nd);
      const bufs = [g.subarray(0, nd), g.subarray(nd, 2 * nd)];
      let gIn: Float64Array = gradX;
      for (let i = 0; i < M; i++) {
        const gOut = i === M - 1 ? gradY : bufs[i % 2]!;
        layers[i]!.inverseBackward(th(theta, i), stack.subarray(i * nd, (i + 1) * nd), n, gIn, gradLogDet, th(gradTheta, i), gOut);
        gIn = gOut;
      }
    },
    forwardBackward(theta, x, n, gradY, gradLogDet, gradTheta, gradX) {
      checkFlowBackward(self, theta, x, n, gradY, gradLogDet, gradTheta, gradX, FORWARD_BACKWARD_NAMES);
      // stack[i] = x_i, the input of layer i (x_0 = x).
      const nd = n * d;
      const stack = wsStack.get(M * nd);
      const ld = wsLd.get(n).subarray(0, n);
      stack.set(x.subarray(0, nd), 0);
      for (let i = 0; i < M - 1; i++) {
        layers[i]!.forward(th(theta, i), stack.subarray(i * nd, (i + 1) * nd), n, stack.subarray((i + 1) * nd, (i + 2) * nd), ld);
      }
      const g = wsG.get(2 * nd);
      const bufs = [g.subarray(0, nd), g.subarray(nd, 2 * nd)];
      let gOut: Float64Array = gradY;
      for (let k = 0; k < M; k++) {
        const i = M - 1 - k;
        const gIn = i === 0 ? gradX : bufs[k % 2]!;
        layers[i]!.forwardBackward(th(theta, i), stack.subarray(i * nd, (i + 1) * nd), n, gOut, gradLogDet, th(gradTheta, i), gIn);
        gOut = gIn;
      }
    },
    initialParams(stream: Stream, out: Float64Array) {
      for (let i = 0; i < M; i++) layers[i]!.initialParams(stream, th(out, i));
      return out;
    },
  };
}

/** 001 (3.54) with ρ_Z = N(0, I): log ρ(y_i) = log ρ_Z(f⁻¹(y_i)) + log|det J_y f⁻¹(y_i)| into out[i]; returns out. */
export function flowLogDensity(flow: FlowLayer, theta: Float64Array, y: Float64Array, n: number, out: Float64Array): Float64Array {
  checkFlowTheta(flow, theta);
  checkFlowBatch(`flowLogDensity(${flow.name})`, 'y', y, n, flow.dim);
  checkFlowOut(`flowLogDensity(${flow.name})`, 'out', out, n);
  const z = new Float64Array(n * flow.dim), ld = new Float64Array(n);
  flow.inverse(theta, y, n, z, ld);
  standardNormalLogDensity(z, n, flow.dim, out);
  for (let i = 0; i < n; i++) out[i] += ld[i]!;
  return out;
}

/** n draws of the pushforward f_#ρ_Z into out (n×d): z ~ N(0, I), y = f_θ(z). */
export function flowSample(stream: Stream, flow: FlowLayer, theta: Float64Array, n: number, out: Float64Array): Float64Array {
  checkFlowTheta(flow, theta);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`flowSample(${flow.name}): n must be a positive integer, got ${n}`);
  checkFlowOut(`flowSample(${flow.name})`, 'out', out, n * flow.dim);
  const z = normals(stream, new Float64Array(n * flow.dim));
  flow.forward(theta, z, n, out, new Float64Array(n));
  return out;
}
