/**
 * Affine coupling layer (RealNVP; Dinh, Sohl-Dickstein & Bengio 2017) — 001 §3.4 ("coupling layers", "RealNVP").
 * A binary mask splits x into the conditioning part x_c (mask 1, passed through) and the transformed part x_t (mask 0):
 *   y_c = x_c,   y_t = x_t ⊙ exp(s(x_c)) + t(x_c),   log|det J_x f| = Σ_j s_j(x_c)
 * The Jacobian is block triangular with identity and diag(e^s) blocks, so the log-determinant is exact. The inverse is
 *   x_c = y_c,   x_t = (y_t − t(y_c)) ⊙ exp(−s(y_c)),   log|det J_y f⁻¹| = −Σ_j s_j(y_c).
 * (s, t) come from one MLP (src/flows/mlp.ts) on the conditioning coordinates: [ŝ, t] = net(x_c); s = ŝ, or, with
 * `scaleBound` c, the soft clamp s = c·tanh(ŝ/c) that keeps |s| < c during training. θ is the MLP's parameters.
 * `realNvp` composes couplings with alternating masks (3.57)-(3.58).
 */
import type { Stream } from '../rng/stream.js';
import { FORWARD_BACKWARD_NAMES, checkFlowBackward, checkFlowCall, scratch, type FlowLayer } from './layers.js';
import { mlp } from './mlp.js';
import { composeFlows } from './compose.js';

export interface CouplingOptions {
  /** 1 = conditioning coordinate (passed through), 0 = transformed; at least one of each */
  readonly mask: Uint8Array;
  /** hidden layer widths of the conditioner MLP (tanh); default [32, 32] */
  readonly hidden?: readonly number[];
  /** soft clamp c of the log-scale, s = c tanh(ŝ/c); default none (s = ŝ) */
  readonly scaleBound?: number;
}

export function couplingLayer(options: CouplingOptions): FlowLayer {
  const { mask } = options;
  if (!(mask instanceof Uint8Array)) throw new TypeError('couplingLayer: mask must be a Uint8Array');
  const d = mask.length;
  const cond: number[] = [], tr: number[] = [];
  mask.forEach((m, j) => {
    if (m !== 0 && m !== 1) throw new RangeError(`couplingLayer: mask[${j}] = ${m} must be 0 or 1`);
    (m === 1 ? cond : tr).push(j);
  });
  if (cond.length === 0 || tr.length === 0) {
    throw new RangeError(`couplingLayer: mask must have at least one 1 (conditioning) and one 0 (transformed) entry, got [${Array.from(mask).join(', ')}]`);
  }
  const hidden = options.hidden ?? [32, 32];
  const bound = options.scaleBound;
  if (bound !== undefined && !(Number.isFinite(bound) && bound > 0)) throw new RangeError(`couplingLayer: scaleBound must be a finite number > 0, got ${bound}`);
  const kc = cond.length, kt = tr.length;
  const net = mlp([kc, ...hidden, 2 * kt]);
  const name = `coupling(mask=${Array.from(mask).join('')}, hidden=[${hidden.join(',')}]${bound === undefined ? '' : `, scaleBound=${bound}`})`;
  const self = { name, dim: d, paramDim: net.paramDim };
  const condIdx = Int32Array.from(cond), trIdx = Int32Array.from(tr);
  const wsIn = scratch(), wsOut = scratch(), wsG = scratch(), wsGIn = scratch();
  const scale = (raw: number): number => (bound === undefined ? raw : bound * Math.tanh(raw / bound));
  const scaleDeriv = (raw: number): number => {
    if (bound === undefined) return 1;
    const t = Math.tanh(raw / bound);
    return 1 - t * t;
  };
  /** the conditioner on the conditioning coordinates of z (n×d): st (n×2kt) ← [ŝ, t] */
  const conditioner = (theta: Float64Array, z: Float64Array, n: number): Float64Array => {
    const xc = wsIn.get(n * kc), st = wsOut.get(n * 2 * kt);
    for (let r = 0; r < n; r++) for (let a = 0; a < kc; a++) xc[r * kc + a] = z[r * d + condIdx[a]!]!;
    net.forward(theta, 0, xc, n, st);
    return st;
  };
  return {
    ...self,
    forward(theta, x, n, out, logDet) {
      checkFlowCall(self, theta, x, n, out, logDet);
      const st = conditioner(theta, x, n);
      for (let r = 0; r < n; r++) {
        const o = r * d, so = r * 2 * kt;
        for (let a = 0; a < kc; a++) out[o + condIdx[a]!] = x[o + condIdx[a]!]!;
        let ld = 0;
        for (let a = 0; a < kt; a++) {
          const j = trIdx[a]!, s = scale(st[so + a]!);
          out[o + j] = x[o + j]! * Math.exp(s) + st[so + kt + a]!; // y_t = x_t e^s + t
          ld += s;
        }
        logDet[r] = ld;
      }
      return out;
    },
    inverse(theta, y, n, out, logDet) {
      checkFlowCall(self, theta, y, n, out, logDet);
      const st = conditioner(theta, y, n);
      for (let r = 0; r < n; r++) {
        const o = r * d, so = r * 2 * kt;
        for (let a = 0; a < kc; a++) out[o + condIdx[a]!] = y[o + condIdx[a]!]!;
        let ld = 0;
        for (let a = 0; a < kt; a++) {
          const j = trIdx[a]!, s = scale(st[so + a]!);
          out[o + j] = (y[o + j]! - st[so + kt + a]!) * Math.exp(-s); // x_t = (y_t − t) e^{−s}
          ld -= s;
        }
        logDet[r] = ld;
      }
      return out;
    },
    inverseBackward(theta, y, n, gradX, gradLogDet, gradTheta, gradY) {
      checkFlowBackward(self, theta, y, n, gradX, gradLogDet, gradTheta, gradY);
      const st = conditioner(theta, y, n);
      const gst = wsG.get(n * 2 * kt), gIn = wsGIn.get(n * kc);
      for (let r = 0; r < n; r++) {
        const o = r * d, so = r * 2 * kt, gl = gradLogDet[r]!;
        for (let a = 0; a < kt; a++) {
          const j = trIdx[a]!, raw = st[so + a]!, s = scale(raw), e = Math.exp(-s);
          const gx = gradX[o + j]!;
          const xt = (y[o + j]! - st[so + kt + a]!) * e;
          gradY[o + j] = gx * e; // ∂x_t/∂y_t = e^{−s}
          gst[so + kt + a] = -gx * e; // ∂x_t/∂t = −e^{−s}
          gst[so + a] = (-gx * xt - gl) * scaleDeriv(raw); // ∂x_t/∂s = −x_t, ∂logDet/∂s = −1
        }
      }
      net.backward(theta, 0, n, gst, gradTheta, 0, gIn);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let a = 0; a < kc; a++) gradY[o + condIdx[a]!] = gradX[o + condIdx[a]!]! + gIn[r * kc + a]!;
      }
    },
    forwardBackward(theta, x, n, gradY, gradLogDet, gradTheta, gradX) {
      checkFlowBackward(self, theta, x, n, gradY, gradLogDet, gradTheta, gradX, FORWARD_BACKWARD_NAMES);
      const st = conditioner(theta, x, n);
      const gst = wsG.get(n * 2 * kt), gIn = wsGIn.get(n * kc);
      for (let r = 0; r < n; r++) {
        const o = r * d, so = r * 2 * kt, gl = gradLogDet[r]!;
        for (let a = 0; a < kt; a++) {
          const j = trIdx[a]!, raw = st[so + a]!, e = Math.exp(scale(raw));
          const gy = gradY[o + j]!;
          gradX[o + j] = gy * e; // ∂y_t/∂x_t = e^s
          gst[so + kt + a] = gy; // ∂y_t/∂t = 1
          gst[so + a] = (gy * x[o + j]! * e + gl) * scaleDeriv(raw); // ∂y_t/∂s = x_t e^s, ∂logDet/∂s = 1
        }
      }
      net.backward(theta, 0, n, gst, gradTheta, 0, gIn);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let a = 0; a < kc; a++) gradX[o + condIdx[a]!] = gradY[o + condIdx[a]!]! + gIn[r * kc + a]!;
      }
    },
    initialParams(stream: Stream, out: Float64Array) {
      net.init(stream, out, 0, true); // last map zero: s = t = 0, the identity
      return out;
    },
  };
}

export interface RealNvpOptions {
  readonly dim: number;
  /** number of coupling layers (masks alternate: even layers condition on the first ⌈d/2⌉ coordinates) */
  readonly couplings: number;
  readonly hidden?: readonly number[];
  readonly scaleBound?: number;
}

/** A RealNVP: `couplings` affine coupling layers with alternating half masks, composed by (3.57)-(3.58). */
export function realNvp(options: RealNvpOptions): FlowLayer {
  const { dim, couplings } = options;
  if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`realNvp: dim must be an integer ≥ 2 (a coupling needs both halves), got ${dim}`);
  if (!Number.isInteger(couplings) || couplings < 1) throw new RangeError(`realNvp: couplings must be a positive integer, got ${couplings}`);
  const half = Math.ceil(dim / 2);
  const layers: FlowLayer[] = [];
  for (let k = 0; k < couplings; k++) {
    const mask = new Uint8Array(dim);
    for (let j = 0; j < dim; j++) mask[j] = (j < half) === (k % 2 === 0) ? 1 : 0;
    const o: CouplingOptions = { mask, ...(options.hidden ? { hidden: options.hidden } : {}), ...(options.scaleBound !== undefined ? { scaleBound: options.scaleBound } : {}) };
    layers.push(couplingLayer(o));
  }
  return composeFlows(layers);
}
