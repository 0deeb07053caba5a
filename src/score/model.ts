/**
 * Parametric score models s_θ(x) ≈ ∇ₓ log p(x) (002 "Score Matching": s(x; θ) = ∇ₓ log p_θ(x); 001 §3.3 (3.38)), the
 * family the score-matching objectives train. A model gives, on a batch of n points (n×d, row-major):
 *   score        s_θ(x_i)                                  (n×d)
 *   divergence   tr ∇ₓ s_θ(x_i) = Σ_k ∂s_k/∂x_k            (n)     — 002's Σ_i ∂s_i/∂ξ_i, 001's tr(J_x s_θ)
 *   jacobianVector   (∇ₓ s_θ(x_i)) v_i                     (n×d)   — for Hutchinson and sliced score matching
 *   scoreVjp     Σ_i g_iᵀ ∂θ s_θ(x_i)                      (p)     — the gradient of any loss through s
 *   divergenceGrad  Σ_i w_i ∂θ tr ∇ₓ s_θ(x_i)               (p)
 *   quadraticFormGrad  Σ_i w_i ∂θ [v_iᵀ (∇ₓ s_θ(x_i)) v_i]  (p)     — Hutchinson's / sliced SM's trace term, for training
 * θ is a flat Float64Array of length paramDim; nothing mutates its inputs; outputs are written into `out`.
 *
 * Members:
 *   linearScoreModel(d)          s(x) = −P(x − μ), θ = [μ (d), P (d×d row-major)]: the score of N(μ, P⁻¹) when P is SPD
 *   gaussianMixtureScoreModel(K, d)  the score of Σ_k π_k N(m_k, I), π = softmax(η), θ = [m_1 … m_K (K×d), η (K)];
 *                                the paper's 004 (15) two-mode mixture is K = 2 with η = [0, −z].
 */
import { checkOutBuffer, checkPoints } from './kde.js';

export interface ParametricScoreModel {
  readonly name: string;
  readonly dim: number;
  readonly paramDim: number;
  score(theta: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array;
  divergence(theta: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array;
  jacobianVector(theta: Float64Array, x: Float64Array, n: number, v: Float64Array, out: Float64Array): Float64Array;
  scoreVjp(theta: Float64Array, x: Float64Array, n: number, g: Float64Array, out: Float64Array): Float64Array;
  divergenceGrad(theta: Float64Array, x: Float64Array, n: number, weights: Float64Array, out: Float64Array): Float64Array;
  quadraticFormGrad(theta: Float64Array, x: Float64Array, n: number, v: Float64Array, weights: Float64Array, out: Float64Array): Float64Array;
}

/** θ of the right length and finite. */
export function checkScoreTheta(model: Pick<ParametricScoreModel, 'name' | 'paramDim'>, theta: Float64Array): void {
  if (!(theta instanceof Float64Array)) throw new TypeError(`${model.name}: theta must be a Float64Array`);
  if (theta.length !== model.paramDim) throw new RangeError(`${model.name}: theta must have length ${model.paramDim}, got ${theta.length}`);
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i]!)) throw new RangeError(`${model.name}: theta[${i}] = ${theta[i]} must be finite`);
  }
}

function checkCall(model: ParametricScoreModel, theta: Float64Array, x: Float64Array, n: number): void {
  checkScoreTheta(model, theta);
  checkPoints(model.name, 'x', x, n, model.dim);
}

/** θ = [μ, P] for `linearScoreModel`. */
export function linearScoreTheta(mu: Float64Array, precision: Float64Array): Float64Array {
  const d = mu.length;
  if (precision.length !== d * d) throw new RangeError(`linearScoreTheta: precision must hold d·d = ${d * d} values for mu of length ${d}, got ${precision.length}`);
  const th = new Float64Array(d + d * d);
  th.set(mu, 0);
  th.set(precision, d);
  return th;
}

/** s(x) = −P(x − μ), θ = [μ, P] (P a general d×d matrix; the Gaussian score when P is the SPD precision). */
export function linearScoreModel(d: number): ParametricScoreModel {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`linearScoreModel: d must be a positive integer, got ${d}`);
  const self: ParametricScoreModel = {
    name: `linearScore(d=${d})`,
    dim: d,
    paramDim: d + d * d,
    score(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'out', out, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let k = 0; k < d; k++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += theta[d + k * d + j]! * (x[o + j]! - theta[j]!);
          out[o + k] = -s;
        }
      }
      return out;
    },
    divergence(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'out', out, n);
      let tr = 0;
      for (let k = 0; k < d; k++) tr += theta[d + k * d + k]!;
      out.fill(-tr, 0, n); // tr ∇ₓ(−P(x − μ)) = −tr P
      return out;
    },
    jacobianVector(theta, x, n, v, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'v', v, n * d);
      checkOutBuffer(self.name, 'out', out, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let k = 0; k < d; k++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += theta[d + k * d + j]! * v[o + j]!;
          out[o + k] = -s;
        }
      }
      return out;
    },
    scoreVjp(theta, x, n, g, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'g', g, n * d);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let k = 0; k < d; k++) {
          const gk = g[o + k]!;
          if (gk === 0) continue;
          for (let j = 0; j < d; j++) {
            out[j] = out[j]! + gk * theta[d + k * d + j]!; // ∂s_k/∂μ_j = P_kj
            out[d + k * d + j] = out[d + k * d + j]! - gk * (x[o + j]! - theta[j]!); // ∂s_k/∂P_kj = −(x − μ)_j
          }
        }
      }
      return out;
    },
    divergenceGrad(theta, x, n, weights, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'weights', weights, n);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      let w = 0;
      for (let i = 0; i < n; i++) w += weights[i]!;
      for (let k = 0; k < d; k++) out[d + k * d + k] = -w; // ∂(−tr P)/∂P_kk = −1
      return out;
    },
    quadraticFormGrad(theta, x, n, v, weights, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'v', v, n * d);
      checkOutBuffer(self.name, 'weights', weights, n);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      for (let i = 0; i < n; i++) {
        const w = weights[i]!, o = i * d;
        for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[d + k * d + j] = out[d + k * d + j]! - w * v[o + k]! * v[o + j]!; // ∂(−vᵀPv)/∂P_kj
      }
      return out;
    },
  };
  return self;
}

/** θ = [m_1 … m_K, η] for `gaussianMixtureScoreModel`; the 004 (15) two-mode mixture [a, b, z] is [a, b, 0, −z]. */
export function mixtureScoreTheta(means: Float64Array, logits: Float64Array): Float64Array {
  const K = logits.length;
  if (K < 1 || means.length % K !== 0) throw new RangeError(`mixtureScoreTheta: means must hold K·d values for K = ${K} logits, got ${means.length}`);
  const th = new Float64Array(means.length + K);
  th.set(means, 0);
  th.set(logits, means.length);
  return th;
}

/**
 * The score of the unit-covariance mixture ρ(x) ∝ Σ_k e^{η_k} N(x; m_k, I). With responsibilities
 * r_k(x) = softmax_k(η_k − ½|x − m_k|²) and m̄ = Σ r_k m_k:
 *   s(x) = m̄(x) − x,   ∇ₓ s = Σ_k r_k (m_k − m̄)(m_k − m̄)ᵀ − I,   tr ∇ₓ s = V − d, V = Σ_k r_k |m_k − m̄|²
 * (the negative of the mixture energy's Laplacian, src/energies/two-mode-mixture.ts). With c_k = g·m_k, c̄ = Σ r_k c_k,
 * D_k = |m_k − m̄|²:
 *   ∂(gᵀs)/∂η_j = r_j (c_j − c̄),   ∂(gᵀs)/∂m_j = r_j g + r_j (c_j − c̄)(x − m_j),
 *   ∂(tr ∇s)/∂η_j = r_j (D_j − V),  ∂(tr ∇s)/∂m_j = 2 r_j (m_j − m̄) + r_j (D_j − V)(x − m_j).
 * For the quadratic form Q = vᵀ(∇ₓ s)v = Σ_k r_k (c_k − c̄)² − |v|² with c_k = v·m_k, E_k = (c_k − c̄)², Q' = Σ r_k E_k:
 *   ∂Q/∂η_j = r_j (E_j − Q'),  ∂Q/∂m_j = 2 r_j (c_j − c̄) v + r_j (E_j − Q')(x − m_j).
 */
export function gaussianMixtureScoreModel(K: number, d: number): ParametricScoreModel {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`gaussianMixtureScoreModel: K must be a positive integer, got ${K}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`gaussianMixtureScoreModel: d must be a positive integer, got ${d}`);
  const r = new Float64Array(K);
  const mbar = new Float64Array(d);
  const c = new Float64Array(K);
  const eta = K * d;

  /** responsibilities of row i into r and m̄ into mbar */
  function responsibilities(theta: Float64Array, x: Float64Array, i: number): void {
    const o = i * d;
    let mx = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = x[o + j]! - theta[k * d + j]!;
        s += t * t;
      }
      r[k] = theta[eta + k]! - 0.5 * s;
      if (r[k]! > mx) mx = r[k]!;
    }
    let z = 0;
    for (let k = 0; k < K; k++) {
      r[k] = Math.exp(r[k]! - mx);
      z += r[k]!;
    }
    mbar.fill(0);
    for (let k = 0; k < K; k++) {
      r[k] = r[k]! / z;
      for (let j = 0; j < d; j++) mbar[j] = mbar[j]! + r[k]! * theta[k * d + j]!;
    }
  }

  function spread(theta: Float64Array, k: number): number {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = theta[k * d + j]! - mbar[j]!;
      s += t * t;
    }
    return s;
  }

  const self: ParametricScoreModel = {
    name: `gaussianMixtureScore(K=${K}, d=${d})`,
    dim: d,
    paramDim: K * d + K,
    score(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'out', out, n * d);
      for (let i = 0; i < n; i++) {
        responsibilities(theta, x, i);
        for (let j = 0; j < d; j++) out[i * d + j] = mbar[j]! - x[i * d + j]!; // s = m̄ − x
      }
      return out;
    },
    divergence(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'out', out, n);
      for (let i = 0; i < n; i++) {
        responsibilities(theta, x, i);
        let v = 0;
        for (let k = 0; k < K; k++) v += r[k]! * spread(theta, k);
        out[i] = v - d; // tr ∇s = Σ r_k |m_k − m̄|² − d
      }
      return out;
    },
    jacobianVector(theta, x, n, v, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'v', v, n * d);
      checkOutBuffer(self.name, 'out', out, n * d);
      for (let i = 0; i < n; i++) {
        responsibilities(theta, x, i);
        const o = i * d;
        for (let j = 0; j < d; j++) out[o + j] = -v[o + j]!;
        for (let k = 0; k < K; k++) {
          let dv = 0;
          for (let j = 0; j < d; j++) dv += (theta[k * d + j]! - mbar[j]!) * v[o + j]!;
          const c = r[k]! * dv;
          for (let j = 0; j < d; j++) out[o + j] = out[o + j]! + c * (theta[k * d + j]! - mbar[j]!);
        }
      }
      return out;
    },
    scoreVjp(theta, x, n, g, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'g', g, n * d);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      for (let i = 0; i < n; i++) {
        responsibilities(theta, x, i);
        const o = i * d;
        let cbar = 0;
        for (let j = 0; j < d; j++) cbar += g[o + j]! * mbar[j]!;
        for (let k = 0; k < K; k++) {
          let ck = 0;
          for (let j = 0; j < d; j++) ck += g[o + j]! * theta[k * d + j]!;
          const rk = r[k]!, a = rk * (ck - cbar);
          out[eta + k] = out[eta + k]! + a;
          for (let j = 0; j < d; j++) out[k * d + j] = out[k * d + j]! + rk * g[o + j]! + a * (x[o + j]! - theta[k * d + j]!);
        }
      }
      return out;
    },
    divergenceGrad(theta, x, n, weights, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'weights', weights, n);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      for (let i = 0; i < n; i++) {
        const w = weights[i]!;
        if (w === 0) continue;
        responsibilities(theta, x, i);
        const o = i * d;
        let V = 0;
        for (let k = 0; k < K; k++) V += r[k]! * spread(theta, k);
        for (let k = 0; k < K; k++) {
          const rk = r[k]!, a = w * rk * (spread(theta, k) - V);
          out[eta + k] = out[eta + k]! + a;
          for (let j = 0; j < d; j++) {
            out[k * d + j] = out[k * d + j]! + 2 * w * rk * (theta[k * d + j]! - mbar[j]!) + a * (x[o + j]! - theta[k * d + j]!);
          }
        }
      }
      return out;
    },
    quadraticFormGrad(theta, x, n, v, weights, out) {
      checkCall(self, theta, x, n);
      checkOutBuffer(self.name, 'v', v, n * d);
      checkOutBuffer(self.name, 'weights', weights, n);
      checkOutBuffer(self.name, 'out', out, self.paramDim);
      out.fill(0, 0, self.paramDim);
      for (let i = 0; i < n; i++) {
        const w = weights[i]!;
        if (w === 0) continue;
        responsibilities(theta, x, i);
        const o = i * d;
        let cbar = 0;
        for (let j = 0; j < d; j++) cbar += v[o + j]! * mbar[j]!;
        let Q = 0;
        for (let k = 0; k < K; k++) {
          let ck = 0;
          for (let j = 0; j < d; j++) ck += v[o + j]! * theta[k * d + j]!;
          c[k] = ck;
          Q += r[k]! * (ck - cbar) ** 2;
        }
        for (let k = 0; k < K; k++) {
          const rk = r[k]!, dc = c[k]! - cbar, a = w * rk * (dc * dc - Q), b2 = 2 * w * rk * dc;
          out[eta + k] = out[eta + k]! + a;
          for (let j = 0; j < d; j++) out[k * d + j] = out[k * d + j]! + b2 * v[o + j]! + a * (x[o + j]! - theta[k * d + j]!);
        }
      }
      return out;
    },
  };
  return self;
}
