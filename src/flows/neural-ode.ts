/**
 * Neural ODE (003, "Continuous-in-time dynamic (neural ODE)"): dz/dt = f_θ(z(t), t), z(t₀) = z₀, and
 * z(t₁) = z₀ + ∫_{t₀}^{t₁} f_θ(z(t), t) dt ≈ ODESolve(z(t₀), f_θ, t₀, t₁); backward in time by the same solve with
 * t₁ < t₀ (003 Picard: z(0) = z(1) + ∫₁⁰ f_θ dt).
 *
 * A `VectorField` is f_θ with the derivatives the CNF and the adjoint need: Jacobian–vector products (∂f/∂z)v and
 * vector–Jacobian products aᵀ∂f/∂z, aᵀ∂f/∂θ, all hand-written. Members: `mlpField` (a one-hidden-layer tanh MLP of
 * (z, t)) and `linearField` (f = A z, θ = A), whose flows have closed forms.
 *
 * The fields keep a small scratch space; their methods are not re-entrant (a call must not run inside another call on
 * the same field), which is how the solvers here use them.
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import type { OdeInfo, OdeRhs, OdeSolver } from './ode.js';

export interface VectorField {
  readonly name: string;
  /** d: the dimension of z. */
  readonly dim: number;
  /** p: the length of θ. */
  readonly paramDim: number;
  /** out ← f_θ(z, t) (length d); returns out. */
  value(theta: Float64Array, t: number, z: Float64Array, out: Float64Array): Float64Array;
  /** out ← (∂f_θ/∂z)(z, t) · v (length d); returns out. */
  jvp(theta: Float64Array, t: number, z: Float64Array, v: Float64Array, out: Float64Array): Float64Array;
  /** outZ ← aᵀ ∂f_θ/∂z (length d) and, when given, outTheta ← aᵀ ∂f_θ/∂θ (length p); both overwritten. */
  vjp(theta: Float64Array, t: number, z: Float64Array, a: Float64Array, outZ: Float64Array, outTheta?: Float64Array): void;
  /** tr ∂f_θ/∂z in closed form, where the field has one (a reference for the generic d-JVP trace). */
  divergence?(theta: Float64Array, t: number, z: Float64Array): number;
  /** outZ ← ∂(tr ∂f_θ/∂z)/∂z (length d), outTheta ← ∂(tr ∂f_θ/∂z)/∂θ (length p): what CNF training needs. */
  divergenceGradient?(theta: Float64Array, t: number, z: Float64Array, outZ: Float64Array, outTheta: Float64Array): void;
}

/** θ must have the field's length and finite entries. */
export function checkFieldTheta(field: VectorField, theta: Float64Array, caller = field.name): void {
  if (!(theta instanceof Float64Array)) throw new TypeError(`${caller}: theta must be a Float64Array`);
  if (theta.length !== field.paramDim) throw new RangeError(`${caller}: theta must have ${field.paramDim} entries (${field.name}), got ${theta.length}`);
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) throw new RangeError(`${caller}: theta[${i}] = ${theta[i]} must be finite`);
  }
}

function checkPositiveInt(name: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${v}`);
}

/** The parameter layout of `mlpField`: offsets of W₁ (H×(d+1)), b₁ (H), W₂ (d×H), b₂ (d) in θ. */
export function mlpFieldLayout(dim: number, hidden: number): { w1: number; b1: number; w2: number; b2: number; paramDim: number } {
  const w1 = 0, b1 = hidden * (dim + 1), w2 = b1 + hidden, b2 = w2 + dim * hidden;
  return { w1, b1, w2, b2, paramDim: b2 + dim };
}

/**
 * f_θ(z, t) = W₂ tanh(W₁ [z; t] + b₁) + b₂ with H hidden units. The last column of W₁ multiplies t, so the dynamics
 * may depend on time (003 f_θ(z(t), t)).
 *   (∂f/∂z) v = W₂ ((1 − h²) ⊙ W₁[:, :d] v),   aᵀ∂f/∂z = W₁[:, :d]ᵀ ((1 − h²) ⊙ W₂ᵀ a),
 *   aᵀ∂f/∂W₂ = a hᵀ, aᵀ∂f/∂b₂ = a, aᵀ∂f/∂W₁ = g [z; t]ᵀ, aᵀ∂f/∂b₁ = g with g = (1 − h²) ⊙ W₂ᵀ a,
 *   tr ∂f/∂z = Σ_k (1 − h_k²) Σ_i W₂[i, k] W₁[k, i].
 */
export function mlpField(options: { dim: number; hidden: number }): VectorField {
  const name = 'mlpField';
  const d = options.dim, H = options.hidden;
  checkPositiveInt(name, 'dim', d);
  checkPositiveInt(name, 'hidden', H);
  const L = mlpFieldLayout(d, H);
  const h = new Float64Array(H);
  const g = new Float64Array(H);
  const cols = d + 1;
  const hidden = (theta: Float64Array, t: number, z: Float64Array): void => {
    for (let k = 0; k < H; k++) {
      const row = L.w1 + k * cols;
      let u = theta[L.b1 + k]! + theta[row + d]! * t;
      for (let i = 0; i < d; i++) u += theta[row + i]! * z[i]!;
      h[k] = Math.tanh(u);
    }
  };
  return {
    name,
    dim: d,
    paramDim: L.paramDim,
    value(theta, t, z, out) {
      hidden(theta, t, z);
      for (let i = 0; i < d; i++) {
        let s = theta[L.b2 + i]!;
        const row = L.w2 + i * H;
        for (let k = 0; k < H; k++) s += theta[row + k]! * h[k]!;
        out[i] = s;
      }
      return out;
    },
    jvp(theta, t, z, v, out) {
      hidden(theta, t, z);
      for (let k = 0; k < H; k++) {
        const row = L.w1 + k * cols;
        let du = 0;
        for (let i = 0; i < d; i++) du += theta[row + i]! * v[i]!;
        g[k] = (1 - h[k]! * h[k]!) * du;
      }
      for (let i = 0; i < d; i++) {
        let s = 0;
        const row = L.w2 + i * H;
        for (let k = 0; k < H; k++) s += theta[row + k]! * g[k]!;
        out[i] = s;
      }
      return out;
    },
    vjp(theta, t, z, a, outZ, outTheta) {
      hidden(theta, t, z);
      for (let k = 0; k < H; k++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += theta[L.w2 + i * H + k]! * a[i]!;
        g[k] = (1 - h[k]! * h[k]!) * s;
      }
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < H; k++) s += theta[L.w1 + k * cols + i]! * g[k]!;
        outZ[i] = s;
      }
      if (outTheta === undefined) return;
      for (let k = 0; k < H; k++) {
        const row = L.w1 + k * cols;
        for (let i = 0; i < d; i++) outTheta[row + i] = g[k]! * z[i]!;
        outTheta[row + d] = g[k]! * t;
        outTheta[L.b1 + k] = g[k]!;
      }
      for (let i = 0; i < d; i++) {
        const row = L.w2 + i * H;
        for (let k = 0; k < H; k++) outTheta[row + k] = a[i]! * h[k]!;
        outTheta[L.b2 + i] = a[i]!;
      }
    },
    divergence(theta, t, z) {
      hidden(theta, t, z);
      let s = 0;
      for (let k = 0; k < H; k++) {
        let c = 0;
        for (let i = 0; i < d; i++) c += theta[L.w2 + i * H + k]! * theta[L.w1 + k * cols + i]!;
        s += (1 - h[k]! * h[k]!) * c;
      }
      return s;
    },
    divergenceGradient(theta, t, z, outZ, outTheta) {
      // div = Σ_k (1 − h_k²) c_k with c_k = Σ_i W₂[i, k] W₁[k, i]; ∂(1 − h_k²)/∂u_k = −2 h_k (1 − h_k²).
      hidden(theta, t, z);
      outZ.fill(0, 0, d);
      outTheta.fill(0, 0, L.paramDim);
      for (let k = 0; k < H; k++) {
        const row = L.w1 + k * cols;
        let c = 0;
        for (let i = 0; i < d; i++) c += theta[L.w2 + i * H + k]! * theta[row + i]!;
        const s1 = 1 - h[k]! * h[k]!;
        const du = -2 * h[k]! * s1 * c; // ∂div/∂u_k
        for (let i = 0; i < d; i++) {
          outZ[i] = outZ[i]! + du * theta[row + i]!;
          outTheta[row + i] = s1 * theta[L.w2 + i * H + k]! + du * z[i]!;
          outTheta[L.w2 + i * H + k] = s1 * theta[row + i]!;
        }
        outTheta[row + d] = du * t;
        outTheta[L.b1 + k] = du;
      }
    },
  };
}

/** Weights of W₁, W₂ ~ N(0, scale²/fan-in) (fan-in d + 1 and H), zero biases; into theta (length paramDim). */
export function initMlpField(rng: Stream, field: VectorField, hidden: number, theta: Float64Array, scale = 1): Float64Array {
  const d = field.dim;
  const L = mlpFieldLayout(d, hidden);
  if (L.paramDim !== field.paramDim) throw new RangeError(`initMlpField: hidden = ${hidden} does not match the field (paramDim ${field.paramDim})`);
  if (theta.length !== L.paramDim) throw new RangeError(`initMlpField: theta must have ${L.paramDim} entries, got ${theta.length}`);
  if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`initMlpField: scale = ${scale} must be finite and ≥ 0`);
  theta.fill(0);
  normals(rng, theta, L.w1, hidden * (d + 1));
  for (let i = L.w1; i < L.b1; i++) theta[i] = (theta[i]! * scale) / Math.sqrt(d + 1);
  normals(rng, theta, L.w2, d * hidden);
  for (let i = L.w2; i < L.b2; i++) theta[i] = (theta[i]! * scale) / Math.sqrt(hidden);
  return theta;
}

/** f_θ(z, t) = A z with θ = A (d×d row-major): z(t) = e^{(t − t₀)A} z₀, tr ∂f/∂z = tr A; aᵀ∂f/∂A = a zᵀ. */
export function linearField(options: { dim: number }): VectorField {
  const name = 'linearField';
  const d = options.dim;
  checkPositiveInt(name, 'dim', d);
  return {
    name,
    dim: d,
    paramDim: d * d,
    value(theta, _t, z, out) {
      for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += theta[i * d + j]! * z[j]!; out[i] = s; }
      return out;
    },
    jvp(theta, _t, _z, v, out) {
      for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += theta[i * d + j]! * v[j]!; out[i] = s; }
      return out;
    },
    vjp(theta, _t, z, a, outZ, outTheta) {
      for (let j = 0; j < d; j++) { let s = 0; for (let i = 0; i < d; i++) s += a[i]! * theta[i * d + j]!; outZ[j] = s; }
      if (outTheta !== undefined) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) outTheta[i * d + j] = a[i]! * z[j]!;
    },
    divergence(theta) {
      let s = 0;
      for (let i = 0; i < d; i++) s += theta[i * d + i]!;
      return s;
    },
    divergenceGradient(_theta, _t, _z, outZ, outTheta) {
      outZ.fill(0, 0, d);
      outTheta.fill(0, 0, d * d);
      for (let i = 0; i < d; i++) outTheta[i * d + i] = 1;
    },
  };
}

/** The right-hand side (t, z) ↦ f_θ(z, t) for an OdeSolver. θ is checked once, here. */
export function neuralOdeRhs(field: VectorField, theta: Float64Array): OdeRhs {
  checkFieldTheta(field, theta, 'neuralOdeRhs');
  return (t, z, out) => field.value(theta, t, z, out);
}

/**
 * 003 z(t₁) = ODESolve(z(t₀), f_θ, t₀, t₁) for each row of a batch z0 (n×d), into out (n×d); t₁ < t₀ runs the flow
 * backward. Returns the diagnostics summed over the rows.
 */
export function neuralOdeFlow(
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  z0: Float64Array,
  n: number,
  t0: number,
  t1: number,
  out: Float64Array = new Float64Array(n * field.dim),
): { z: Float64Array; info: OdeInfo } {
  const name = 'neuralOdeFlow';
  checkFieldTheta(field, theta, name);
  checkPositiveInt(name, 'n', n);
  const d = field.dim;
  if (!(z0 instanceof Float64Array) || z0.length < n * d) throw new RangeError(`${name}: z0 must hold n·d = ${n * d} values, got ${z0.length}`);
  if (!(out instanceof Float64Array) || out.length < n * d) throw new RangeError(`${name}: out must hold n·d = ${n * d} values, got ${out.length}`);
  const f = neuralOdeRhs(field, theta);
  let accepted = 0, rejected = 0, evaluations = 0;
  const row = new Float64Array(d);
  const res = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    row.set(z0.subarray(r * d, (r + 1) * d));
    const info = solver(f, row, t0, t1, res);
    out.set(res, r * d);
    accepted += info.accepted;
    rejected += info.rejected;
    evaluations += info.evaluations;
  }
  return { z: out, info: { accepted, rejected, evaluations } };
}
