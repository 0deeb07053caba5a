/**
 * A small float64 multilayer perceptron with hand-written reverse mode, for the scale/shift conditioners of the
 * RealNVP coupling layers (001 §3.4, "coupling layers"; src/flows/coupling.ts).
 *
 * sizes = [k₀, k₁, …, k_L]: L affine maps a_l = h_{l−1} W_lᵀ + b_l with W_l of shape k_l × k_{l−1} (row-major), tanh
 * after every map but the last (the output is linear). θ holds, per map in order, W_l then b_l, starting at `offset`.
 *
 * `forward` keeps the activations of its batch in the network's own workspace; `backward` uses those of the latest
 * `forward` call on the same network (so each coupling layer owns its network and calls the two back to back).
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';

export interface Mlp {
  readonly sizes: readonly number[];
  readonly inputDim: number;
  readonly outputDim: number;
  readonly paramDim: number;
  /** out (n×k_L) ← net(x) for x (n×k₀), θ read from theta[offset …]; returns out. */
  forward(theta: Float64Array, offset: number, x: Float64Array, n: number, out: Float64Array): Float64Array;
  /**
   * With the activations of the latest forward (same θ, same n): gradTheta[gOffset …] += ∂L/∂θ and gradIn (n×k₀) ←
   * ∂L/∂x, given gradOut = ∂L/∂out (n×k_L).
   */
  backward(theta: Float64Array, offset: number, n: number, gradOut: Float64Array, gradTheta: Float64Array, gOffset: number, gradIn: Float64Array): void;
  /** Weights N(0, 1/k_{l−1}) (LeCun normal), zero biases; the last map all zero when zeroLast (an identity coupling). */
  init(stream: Stream, theta: Float64Array, offset: number, zeroLast: boolean): void;
}

/** The number of parameters of an MLP with these sizes. */
export function mlpParamDim(sizes: readonly number[]): number {
  let p = 0;
  for (let l = 1; l < sizes.length; l++) p += sizes[l]! * sizes[l - 1]! + sizes[l]!;
  return p;
}

export function mlp(sizes: readonly number[]): Mlp {
  if (!Array.isArray(sizes) || sizes.length < 2) throw new RangeError(`mlp: sizes must list at least an input and an output size, got ${JSON.stringify(sizes)}`);
  sizes.forEach((k, l) => {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`mlp: sizes[${l}] = ${k} must be a positive integer`);
  });
  const L = sizes.length - 1;
  const sz = Array.from(sizes);
  const paramDim = mlpParamDim(sz);
  // acts[l] holds h_l (n×k_l) for l = 0 … L−1 (h_0 is a copy of the input); grads are two ping-pong buffers.
  let cap = 0;
  let acts: Float64Array[] = [];
  let g0 = new Float64Array(0), g1 = new Float64Array(0);
  let lastN = -1;
  const kmax = Math.max(...sz);
  const ensure = (n: number): void => {
    if (n <= cap) return;
    cap = Math.max(n, 2 * cap);
    acts = sz.slice(0, L).map((k) => new Float64Array(cap * k));
    g0 = new Float64Array(cap * kmax);
    g1 = new Float64Array(cap * kmax);
  };
  return {
    sizes: sz,
    inputDim: sz[0]!,
    outputDim: sz[L]!,
    paramDim,
    forward(theta, offset, x, n, out) {
      ensure(n);
      const k0 = sz[0]!;
      acts[0]!.set(x.subarray(0, n * k0));
      let off = offset;
      for (let l = 1; l <= L; l++) {
        const kin = sz[l - 1]!, kout = sz[l]!;
        const h = acts[l - 1]!;
        const dst = l === L ? out : acts[l]!;
        const bOff = off + kout * kin;
        for (let i = 0; i < n; i++) {
          const hi = i * kin;
          for (let o = 0; o < kout; o++) {
            let a = theta[bOff + o]!;
            const wo = off + o * kin;
            for (let j = 0; j < kin; j++) a += theta[wo + j]! * h[hi + j]!;
            dst[i * kout + o] = l === L ? a : Math.tanh(a);
          }
        }
        off = bOff + kout;
      }
      lastN = n;
      return out;
    },
    backward(theta, offset, n, gradOut, gradTheta, gOffset, gradIn) {
      if (n !== lastN) throw new RangeError(`mlp.backward: n = ${n} does not match the latest forward (n = ${lastN})`);
      // Parameter offsets of each map.
      const offs: number[] = [];
      let off = 0;
      for (let l = 1; l <= L; l++) {
        offs.push(off);
        off += sz[l]! * sz[l - 1]! + sz[l]!;
      }
      let g = gradOut; // ∂L/∂a_L
      for (let l = L; l >= 1; l--) {
        const kin = sz[l - 1]!, kout = sz[l]!;
        const h = acts[l - 1]!;
        const wOff = offset + offs[l - 1]!, gwOff = gOffset + offs[l - 1]!;
        const bOff = kout * kin;
        const gh = l === 1 ? gradIn : (g === g0 ? g1 : g0);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < kin; j++) gh[i * kin + j] = 0;
          for (let o = 0; o < kout; o++) {
            const go = g[i * kout + o]!;
            if (go === 0) continue;
            gradTheta[gwOff + bOff + o] += go;
            const wo = o * kin;
            for (let j = 0; j < kin; j++) {
              gradTheta[gwOff + wo + j] += go * h[i * kin + j]!;
              gh[i * kin + j] += go * theta[wOff + wo + j]!;
            }
          }
        }
        if (l > 1) {
          // through tanh: ∂L/∂a_{l−1} = ∂L/∂h_{l−1} ⊙ (1 − h²)
          for (let t = 0; t < n * kin; t++) gh[t] = gh[t]! * (1 - h[t]! * h[t]!);
        }
        g = gh;
      }
    },
    init(stream, theta, offset, zeroLast) {
      let off = offset;
      for (let l = 1; l <= L; l++) {
        const kin = sz[l - 1]!, kout = sz[l]!;
        const nw = kout * kin;
        if (l === L && zeroLast) {
          theta.fill(0, off, off + nw + kout);
        } else {
          normals(stream, theta, off, nw);
          const sc = 1 / Math.sqrt(kin);
          for (let t = off; t < off + nw; t++) theta[t] = theta[t]! * sc;
          theta.fill(0, off + nw, off + nw + kout);
        }
        off += nw + kout;
      }
    },
  };
}
