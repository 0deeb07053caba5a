/**
 * The Gaussian family with a full covariance (000 §1, 001 (4.11)–(4.16): the OU/ULA oracle), in energy form:
 *   U_θ(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ),  Σ = e^{2s} Σ₀,  θ = [μ₁ … μ_d, s]  (p = d + 1),
 * with no normalizing constant inside U, so
 *   log Z_θ = (d/2) log 2π + ½ log det Σ₀ + d·s.
 * Σ₀ is fixed when the energy is built: its inverse P₀ and Cholesky factor L (Σ₀ = L Lᵀ) are computed once, so every
 * batched call is allocation-free and costs O(n d²).
 */
import { cholesky, choleskyLogDet, spdInverse } from '../linalg/dense.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { checkTheta, type Energy } from './energy.js';
import { checkCall, checkDim, checkOut, checkParamGradArgs, LOG_2PI } from './validate.js';

/** θ = [mean, logScale] for `gaussianEnergy` (logScale s scales the covariance by e^{2s}). */
export function gaussianTheta(mean: Float64Array, logScale = 0): Float64Array {
  if (!Number.isFinite(logScale)) throw new RangeError(`gaussianTheta: logScale must be finite, got ${logScale}`);
  const th = new Float64Array(mean.length + 1);
  th.set(mean);
  th[mean.length] = logScale;
  return th;
}

/**
 * N(μ, e^{2s} Σ₀) on ℝ^d as an energy. `cov0` is a row-major d×d symmetric positive-definite matrix (copied);
 * otherwise a RangeError names `cov0`.
 */
export function gaussianEnergy(cov0: Float64Array, d: number): Energy {
  checkDim('gaussianEnergy', 'd', d);
  if (!(cov0 instanceof Float64Array)) throw new TypeError('gaussianEnergy: cov0 must be a Float64Array');
  if (cov0.length !== d * d) throw new RangeError(`gaussianEnergy: cov0 must have length d·d = ${d * d}, got ${cov0.length}`);
  // cholesky checks finiteness, symmetry and positive definiteness, naming cov0.
  const l = cholesky(cov0, d, new Float64Array(d * d), 'cov0');
  const prec0 = spdInverse(cov0, d, 'cov0');
  const logDet0 = choleskyLogDet(l, d);
  let trPrec0 = 0;
  for (let i = 0; i < d; i++) trPrec0 += prec0[i * d + i]!;
  const name = `gaussian(d=${d})`;
  const p = d + 1;
  // Scratch, made once: r = x − μ and t = P₀ r for one walker.
  const r = new Float64Array(d);
  const t = new Float64Array(d);

  const self = { name, dim: d, paramDim: p };

  /** r = x_i − μ, t = P₀ r; returns rᵀ P₀ r. Shared by every method so U agrees bit for bit between them. */
  function quad(theta: Float64Array, x: Float64Array, i: number): number {
    const off = i * d;
    for (let j = 0; j < d; j++) r[j] = x[off + j]! - theta[j]!;
    let q = 0;
    for (let a = 0; a < d; a++) {
      let s = 0;
      const row = a * d;
      for (let b = 0; b < d; b++) s += prec0[row + b]! * r[b]!;
      t[a] = s;
      q += r[a]! * s;
    }
    return q;
  }

  return {
    ...self,
    energy(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const c = Math.exp(-2 * theta[d]!); // Σ⁻¹ = e^{−2s} P₀
      for (let i = 0; i < n; i++) out[i] = 0.5 * c * quad(theta, x, i);
      return out;
    },
    energyGrad(theta, x, n, u, grad) {
      checkCall(self, theta, x, n);
      checkOut(name, 'u', u, n);
      checkOut(name, 'grad', grad, n * d);
      const c = Math.exp(-2 * theta[d]!);
      for (let i = 0; i < n; i++) {
        const q = quad(theta, x, i);
        u[i] = 0.5 * c * q;
        const off = i * d;
        for (let j = 0; j < d; j++) grad[off + j] = c * t[j]!; // ∇ₓU = Σ⁻¹ (x − μ)
      }
    },
    paramGrad(theta, x, n, weights, out) {
      checkParamGradArgs(self, theta, x, n, weights, out);
      const c = Math.exp(-2 * theta[d]!);
      out.fill(0, 0, p);
      for (let i = 0; i < n; i++) {
        const w = weights[i]!;
        const q = quad(theta, x, i);
        const wc = w * c;
        for (let j = 0; j < d; j++) out[j] = out[j]! - wc * t[j]!; // ∂μU = −Σ⁻¹ (x − μ)
        out[d] = out[d]! - wc * q; // ∂sU = −(x − μ)ᵀ Σ⁻¹ (x − μ)
      }
      return out;
    },
    logPartition(theta) {
      checkTheta(self, theta);
      // ∫ e^{−½ rᵀΣ⁻¹r} dr = (2π)^{d/2} det(Σ)^{1/2}, det Σ = e^{2ds} det Σ₀.
      return 0.5 * d * LOG_2PI + 0.5 * logDet0 + d * theta[d]!;
    },
    laplacian(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const v = Math.exp(-2 * theta[d]!) * trPrec0; // Δ U = tr Σ⁻¹, the same at every x
      for (let i = 0; i < n; i++) out[i] = v;
      return out;
    },
    sample(stream: Stream, theta, n, out) {
      checkTheta(self, theta);
      checkDim(name, 'n', n);
      checkOut(name, 'out', out, n * d);
      const sc = Math.exp(theta[d]!);
      for (let i = 0; i < n; i++) {
        normals(stream, r, 0, d); // ξ ~ N(0, I)
        const off = i * d;
        for (let a = 0; a < d; a++) {
          // x = μ + e^{s} L ξ, so Cov x = e^{2s} L Lᵀ = Σ.
          let s = 0;
          const row = a * d;
          for (let b = 0; b <= a; b++) s += l[row + b]! * r[b]!;
          out[off + a] = theta[a]! + sc * s;
        }
      }
      return out;
    },
  };
}
