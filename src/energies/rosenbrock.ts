/**
 * The Rosenbrock density of 000 Fig. 3 (MH vs HMC on the Rosenbrock function), in energy form on ℝ²:
 *   U_θ(x, y) = (a − x)² + b (y − x²)²,   θ = [a, b], b > 0.
 *   ∇U = (−2(a − x) − 4b x (y − x²),  2b (y − x²)),  ∂aU = 2(a − x),  ∂bU = (y − x²)²,
 *   ΔU = 2 − 4b (y − x²) + 8b x² + 2b.
 * Z in closed form: for fixed x, ∫ e^{−b(y − x²)²} dy = √(π/b) (a Gaussian in y, whatever x is), then
 * ∫ e^{−(a − x)²} dx = √π, so Z = π/√b, independent of a; log Z = log π − ½ log b.
 * The same factorization gives the exact sampler: x ~ N(a, ½), then y | x ~ N(x², 1/(2b)).
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { checkTheta, type Energy } from './energy.js';
import { checkCall, checkDim, checkOut, checkParamGradArgs } from './validate.js';

/** The Rosenbrock energy on ℝ² with θ = [a, b]. */
export function rosenbrockEnergy(): Energy {
  const name = 'rosenbrock';
  const self = { name, dim: 2, paramDim: 2 };

  function checkB(theta: Float64Array): number {
    const b = theta[1]!;
    if (!(b > 0)) throw new RangeError(`theta[1] (b) for ${name} must be > 0, got ${b}`);
    return b;
  }

  return {
    ...self,
    energy(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const a = theta[0]!, b = checkB(theta);
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i]!, y = x[2 * i + 1]!, s = a - x0, t = y - x0 * x0;
        out[i] = s * s + b * (t * t);
      }
      return out;
    },
    energyGrad(theta, x, n, u, grad) {
      checkCall(self, theta, x, n);
      checkOut(name, 'u', u, n);
      checkOut(name, 'grad', grad, 2 * n);
      const a = theta[0]!, b = checkB(theta);
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i]!, y = x[2 * i + 1]!, s = a - x0, t = y - x0 * x0;
        u[i] = s * s + b * (t * t);
        grad[2 * i] = -2 * s - 4 * b * x0 * t;
        grad[2 * i + 1] = 2 * b * t;
      }
    },
    paramGrad(theta, x, n, weights, out) {
      checkParamGradArgs(self, theta, x, n, weights, out);
      const a = theta[0]!;
      checkB(theta);
      let ga = 0, gb = 0;
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i]!, y = x[2 * i + 1]!, t = y - x0 * x0, w = weights[i]!;
        ga += w * (2 * (a - x0)); // ∂aU
        gb += w * (t * t); // ∂bU
      }
      out[0] = ga;
      out[1] = gb;
      return out;
    },
    logPartition(theta) {
      checkTheta(self, theta);
      return Math.log(Math.PI) - 0.5 * Math.log(checkB(theta)); // Z = π/√b
    },
    laplacian(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      const b = checkB(theta);
      for (let i = 0; i < n; i++) {
        const x0 = x[2 * i]!, y = x[2 * i + 1]!;
        out[i] = 2 - 4 * b * (y - x0 * x0) + 8 * b * x0 * x0 + 2 * b;
      }
      return out;
    },
    sample(stream: Stream, theta, n, out) {
      checkTheta(self, theta);
      checkDim(name, 'n', n);
      checkOut(name, 'out', out, 2 * n);
      const a = theta[0]!, b = checkB(theta);
      const sy = 1 / Math.sqrt(2 * b);
      for (let i = 0; i < n; i++) {
        normals(stream, out, 2 * i, 2);
        const x0 = a + Math.SQRT1_2 * out[2 * i]!; // x ~ N(a, ½)
        out[2 * i] = x0;
        out[2 * i + 1] = x0 * x0 + sy * out[2 * i + 1]!; // y | x ~ N(x², 1/(2b))
      }
      return out;
    },
  };
}
