/**
 * The double well on ℝ^d (a standard bimodal test energy; no seed document fixes its form):
 *   U_θ(x) = κ (x₁² − 1)² + ½ Σ_{j≥2} x_j²,   θ = [κ], κ > 0,
 * wells at x₁ = ±1 separated by a barrier of height κ at x₁ = 0; the other coordinates are standard normal.
 *   ∇ₓU = (4κ x₁ (x₁² − 1), x₂, …, x_d),  ∂κU = (x₁² − 1)²,  ΔU = 4κ (3x₁² − 1) + (d − 1).
 * Z has a closed form through modified Bessel functions (substitute t = x², then the integral representation of
 * I_{±1/4}; Gradshteyn–Ryzhik 3.323.3 type):
 *   Z₁(κ) = ∫ e^{−κ(x²−1)²} dx = (π/2) e^{−κ/2} [I_{−1/4}(κ/2) + I_{1/4}(κ/2)],
 *   log Z_θ = log Z₁(κ) + ((d − 1)/2) log 2π.
 * I_ν is summed from its power series in log space (positive terms, no cancellation), so log Z is accurate to
 * rounding for any κ > 0; spec/energies/double-well.spec.ts checks it against quadrature to 1e-12.
 */
import { checkTheta, type Energy } from './energy.js';
import { checkCall, checkDim, checkOut, checkParamGradArgs, LOG_2PI } from './validate.js';

// Γ(3/4) and Γ(5/4) to 17 digits (Γ(1 + ν) for ν = ∓1/4).
const GAMMA_3_4 = 1.2254167024651776;
const GAMMA_5_4 = 0.9064024770554771;

/** log(e^{−z} I_ν(z)) for z > 0 and ν = ±1/4, from I_ν(z) = Σ_m (z/2)^{2m+ν} / (m! Γ(m + ν + 1)). */
function logScaledBesselI(nu: number, z: number): number {
  const g0 = nu > 0 ? GAMMA_5_4 : GAMMA_3_4;
  const lz2 = Math.log(z / 2);
  let logTerm = nu * lz2 - Math.log(g0); // m = 0
  // The terms peak near m ≈ z/2 and fall off like a Gaussian of width ~√z: sum well past the peak in log space.
  const mMax = Math.ceil(z / 2 + 12 * Math.sqrt(z / 2 + 1) + 40);
  const logs = new Float64Array(mMax + 1);
  let max = logTerm;
  logs[0] = logTerm;
  for (let m = 0; m < mMax; m++) {
    logTerm += 2 * lz2 - Math.log(m + 1) - Math.log(m + 1 + nu); // t_{m+1}/t_m = (z/2)² / ((m+1)(m+1+ν))
    logs[m + 1] = logTerm;
    if (logTerm > max) max = logTerm;
  }
  let s = 0;
  for (let m = 0; m <= mMax; m++) s += Math.exp(logs[m]! - max);
  return max + Math.log(s) - z;
}

/** log ∫ e^{−κ(x²−1)²} dx for κ > 0. */
export function doubleWellLogZ1(kappa: number): number {
  if (!(kappa > 0 && Number.isFinite(kappa))) throw new RangeError(`doubleWellLogZ1: kappa must be finite and > 0, got ${kappa}`);
  const z = kappa / 2;
  // (π/2) e^{−κ/2}[I_{−1/4}(κ/2) + I_{1/4}(κ/2)] = (π/2)[e^{−z}I_{−1/4}(z) + e^{−z}I_{1/4}(z)]
  const a = logScaledBesselI(-0.25, z), b = logScaledBesselI(0.25, z);
  const m = Math.max(a, b);
  return Math.log(Math.PI / 2) + m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** The double well on ℝ^d with θ = [κ]. */
export function doubleWellEnergy(d: number): Energy {
  checkDim('doubleWellEnergy', 'd', d);
  const name = `doubleWell(d=${d})`;
  const self = { name, dim: d, paramDim: 1 };

  function checkKappa(theta: Float64Array): number {
    const kappa = theta[0]!;
    if (!(kappa > 0)) throw new RangeError(`theta[0] (κ) for ${name} must be > 0, got ${kappa}`);
    return kappa;
  }

  return {
    ...self,
    energy(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const kappa = checkKappa(theta);
      for (let i = 0; i < n; i++) {
        const off = i * d, x1 = x[off]!, w = x1 * x1 - 1;
        let s = 0;
        for (let j = 1; j < d; j++) s += x[off + j]! * x[off + j]!;
        out[i] = kappa * w * w + 0.5 * s;
      }
      return out;
    },
    energyGrad(theta, x, n, u, grad) {
      checkCall(self, theta, x, n);
      checkOut(name, 'u', u, n);
      checkOut(name, 'grad', grad, n * d);
      const kappa = checkKappa(theta);
      for (let i = 0; i < n; i++) {
        const off = i * d, x1 = x[off]!, w = x1 * x1 - 1;
        let s = 0;
        for (let j = 1; j < d; j++) {
          const xj = x[off + j]!;
          s += xj * xj;
          grad[off + j] = xj;
        }
        u[i] = kappa * w * w + 0.5 * s;
        grad[off] = 4 * kappa * x1 * w;
      }
    },
    paramGrad(theta, x, n, weights, out) {
      checkParamGradArgs(self, theta, x, n, weights, out);
      checkKappa(theta);
      let s = 0;
      for (let i = 0; i < n; i++) {
        const x1 = x[i * d]!, w = x1 * x1 - 1;
        s += weights[i]! * (w * w); // ∂κU = (x₁² − 1)²
      }
      out[0] = s;
      return out;
    },
    logPartition(theta) {
      checkTheta(self, theta);
      const kappa = checkKappa(theta);
      return doubleWellLogZ1(kappa) + 0.5 * (d - 1) * LOG_2PI;
    },
    laplacian(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const kappa = checkKappa(theta);
      for (let i = 0; i < n; i++) {
        const x1 = x[i * d]!;
        out[i] = 4 * kappa * (3 * x1 * x1 - 1) + (d - 1);
      }
      return out;
    },
  };
}
