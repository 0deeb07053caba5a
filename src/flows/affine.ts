/**
 * Affine flow layer — 001 §3.4 ("simple operations like affine transformations"): y = A x + b with A = L U, L unit
 * lower triangular and U upper triangular (the LU parameterisation). θ = [M (d×d, row-major), b (d)] packs both
 * factors as LAPACK does: L = I + (strict lower part of M), U = (upper part of M, diagonal included). Then
 *   log|det A| = Σᵢ log|U_ii|
 * and the inverse is x = U⁻¹ L⁻¹ (y − b) by two triangular solves. Every invertible A with nonzero leading principal
 * minors has this form; a zero U_ii makes A singular, and every call rejects it, naming the entry.
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { FORWARD_BACKWARD_NAMES, checkFlowBackward, checkFlowCall, scratch, type FlowLayer } from './layers.js';

/** Throws if some U_ii = 0 (A = LU singular). */
function checkNonsingular(name: string, theta: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    if (theta[i * d + i] === 0) throw new RangeError(`${name}: U[${i}][${i}] = theta[${i * d + i}] = 0: the layer is singular (A = LU needs every U_ii ≠ 0)`);
  }
}

/** A = L U (d×d, row-major) of an affine layer's θ, for tests and reports. */
export function affineMatrix(d: number, theta: Float64Array): Float64Array {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`affineMatrix: d must be a positive integer, got ${d}`);
  if (!(theta instanceof Float64Array) || theta.length < d * d) throw new RangeError(`affineMatrix: theta must be a Float64Array holding d·d = ${d * d} values (the packed L U), got ${theta?.length}`);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      // (LU)_ij = Σ_{k ≤ min(i, j)} L_ik U_kj with L_ii = 1
      let s = 0;
      for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : theta[i * d + k]!) * theta[k * d + j]!;
      A[i * d + j] = s;
    }
  }
  return A;
}

/** The affine layer y = L U x + b on ℝ^d. */
export function affineLayer(d: number): FlowLayer {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`affineLayer: d must be a positive integer, got ${d}`);
  const name = `affine(d=${d})`;
  const paramDim = d * d + d;
  const self = { name, dim: d, paramDim };
  const ws = scratch();
  const logAbsDetA = (theta: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.log(Math.abs(theta[i * d + i]!)); // Σ log|U_ii|
    return s;
  };
  return {
    ...self,
    forward(theta, x, n, out, logDet) {
      checkFlowCall(self, theta, x, n, out, logDet);
      checkNonsingular(name, theta, d);
      const bOff = d * d, ld = logAbsDetA(theta);
      const t = ws.get(d);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        // t = U x
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = i; j < d; j++) s += theta[i * d + j]! * x[o + j]!;
          t[i] = s;
        }
        // y = L t + b
        for (let i = 0; i < d; i++) {
          let s = t[i]!;
          for (let j = 0; j < i; j++) s += theta[i * d + j]! * t[j]!;
          out[o + i] = s + theta[bOff + i]!;
        }
        logDet[r] = ld;
      }
      return out;
    },
    inverse(theta, y, n, out, logDet) {
      checkFlowCall(self, theta, y, n, out, logDet);
      checkNonsingular(name, theta, d);
      const bOff = d * d, ld = -logAbsDetA(theta); // (3.54): log|det J f⁻¹| = −log|det A|
      const z = ws.get(d);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        // L z = y − b (forward substitution, unit diagonal)
        for (let i = 0; i < d; i++) {
          let s = y[o + i]! - theta[bOff + i]!;
          for (let j = 0; j < i; j++) s -= theta[i * d + j]! * z[j]!;
          z[i] = s;
        }
        // U x = z (back substitution)
        for (let i = d - 1; i >= 0; i--) {
          let s = z[i]!;
          for (let j = i + 1; j < d; j++) s -= theta[i * d + j]! * out[o + j]!;
          out[o + i] = s / theta[i * d + i]!;
        }
        logDet[r] = ld;
      }
      return out;
    },
    inverseBackward(theta, y, n, gradX, gradLogDet, gradTheta, gradY) {
      checkFlowBackward(self, theta, y, n, gradX, gradLogDet, gradTheta, gradY);
      checkNonsingular(name, theta, d);
      const bOff = d * d;
      const buf = ws.get(4 * d);
      const z = buf.subarray(0, d), x = buf.subarray(d, 2 * d), v = buf.subarray(2 * d, 3 * d), w = buf.subarray(3 * d, 4 * d);
      let gSum = 0;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let i = 0; i < d; i++) {
          let s = y[o + i]! - theta[bOff + i]!;
          for (let j = 0; j < i; j++) s -= theta[i * d + j]! * z[j]!;
          z[i] = s;
        }
        for (let i = d - 1; i >= 0; i--) {
          let s = z[i]!;
          for (let j = i + 1; j < d; j++) s -= theta[i * d + j]! * x[j]!;
          x[i] = s / theta[i * d + i]!;
        }
        // x = U⁻¹ z: v = U⁻ᵀ ∂L/∂x, ∂L/∂U_ij += −v_i x_j (i ≤ j), ∂L/∂z = v
        for (let i = 0; i < d; i++) {
          let s = gradX[o + i]!;
          for (let k = 0; k < i; k++) s -= theta[k * d + i]! * v[k]!;
          v[i] = s / theta[i * d + i]!;
        }
        for (let i = 0; i < d; i++) for (let j = i; j < d; j++) gradTheta[i * d + j] -= v[i]! * x[j]!;
        // z = L⁻¹ (y − b): w = L⁻ᵀ v, ∂L/∂L_ij += −w_i z_j (i > j), ∂L/∂y = w, ∂L/∂b = −w
        for (let i = d - 1; i >= 0; i--) {
          let s = v[i]!;
          for (let k = i + 1; k < d; k++) s -= theta[k * d + i]! * w[k]!;
          w[i] = s;
        }
        for (let i = 1; i < d; i++) for (let j = 0; j < i; j++) gradTheta[i * d + j] -= w[i]! * z[j]!;
        for (let i = 0; i < d; i++) {
          gradY[o + i] = w[i]!;
          gradTheta[bOff + i] -= w[i]!;
        }
        gSum += gradLogDet[r]!;
      }
      // logDet = −Σ log|U_ii|: ∂/∂U_ii = −1/U_ii per row
      for (let i = 0; i < d; i++) gradTheta[i * d + i] -= gSum / theta[i * d + i]!;
    },
    forwardBackward(theta, x, n, gradY, gradLogDet, gradTheta, gradX) {
      checkFlowBackward(self, theta, x, n, gradY, gradLogDet, gradTheta, gradX, FORWARD_BACKWARD_NAMES);
      checkNonsingular(name, theta, d);
      const bOff = d * d;
      const buf = ws.get(2 * d);
      const t = buf.subarray(0, d), gt = buf.subarray(d, 2 * d);
      let gSum = 0;
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = i; j < d; j++) s += theta[i * d + j]! * x[o + j]!;
          t[i] = s;
        }
        // y = L t + b: ∂L/∂t = Lᵀ ∂L/∂y, ∂L/∂L_ij += g_i t_j (i > j), ∂L/∂b += g
        for (let j = 0; j < d; j++) {
          let s = gradY[o + j]!;
          for (let i = j + 1; i < d; i++) s += theta[i * d + j]! * gradY[o + i]!;
          gt[j] = s;
          gradTheta[bOff + j] += gradY[o + j]!;
        }
        for (let i = 1; i < d; i++) for (let j = 0; j < i; j++) gradTheta[i * d + j] += gradY[o + i]! * t[j]!;
        // t = U x: ∂L/∂x = Uᵀ ∂L/∂t, ∂L/∂U_ij += gt_i x_j (i ≤ j)
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let i = 0; i <= j; i++) s += theta[i * d + j]! * gt[i]!;
          gradX[o + j] = s;
        }
        for (let i = 0; i < d; i++) for (let j = i; j < d; j++) gradTheta[i * d + j] += gt[i]! * x[o + j]!;
        gSum += gradLogDet[r]!;
      }
      for (let i = 0; i < d; i++) gradTheta[i * d + i] += gSum / theta[i * d + i]!; // logDet = Σ log|U_ii|
    },
    initialParams(stream: Stream, out: Float64Array) {
      // identity plus a small random perturbation of the off-diagonal entries and b (keeps U_ii = 1)
      normals(stream, out, 0, paramDim);
      for (let j = 0; j < paramDim; j++) out[j] = 0.01 * out[j]!;
      for (let i = 0; i < d; i++) out[i * d + i] = 1;
      return out;
    },
  };
}
