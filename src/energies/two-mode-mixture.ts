/**
 * The paper's two-mode Gaussian mixture (004 (15), §4.1, App. B.1):
 *   U_θ(x) = −log( e^{−½|x−a|²} + e^{−½|x−b|² − z} ),  θ = [a (d), b (d), z]  (p = 2d + 1),
 * so ρ_θ puts weight 1 − q on N(a, I) and q = e^{−z}/(1 + e^{−z}) on N(b, I), and
 *   log Z_θ = (d/2) log 2π + log(1 + e^{−z}).
 * With E_a = ½|x−a|², E_b = ½|x−b|² + z and posterior mode weights w_a = σ(E_b − E_a), w_b = 1 − w_a:
 *   ∇ₓU = w_a (x−a) + w_b (x−b),  ∂aU = −w_a (x−a),  ∂bU = −w_b (x−b),  ∂zU = w_b,
 *   ΔU = d − w_a w_b |a − b|²  (the Hessian is I minus the weighted covariance of the two mode gradients).
 * U is evaluated as a log-sum-exp of −E_a and −E_b, so it stays finite for any finite x (|x| = 10³ and beyond).
 *
 * This is the hot path of the paper's experiment (d = 50, n = 10⁴ walkers, every iteration): `energyGrad` makes one
 * pass over a walker's coordinates for both distances and one to write the gradient; nothing is allocated.
 */
import { normals } from '../rng/normal.js';
import { uniform } from '../rng/uniform.js';
import type { Stream } from '../rng/stream.js';
import { checkTheta, type Energy } from './energy.js';
import { checkCall, checkDim, checkOut, checkParamGradArgs, LOG_2PI, sigmoid, softplus } from './validate.js';

/** q = e^{−z}/(1 + e^{−z}): the probability of mode b under 004 (15). */
export function modeWeightB(z: number): number {
  return sigmoid(-z);
}

/** θ = [a, b, z] for `twoModeMixtureEnergy`. */
export function twoModeTheta(a: Float64Array, b: Float64Array, z: number): Float64Array {
  if (a.length !== b.length) throw new RangeError(`twoModeTheta: a and b must have the same length, got ${a.length} and ${b.length}`);
  if (!Number.isFinite(z)) throw new RangeError(`twoModeTheta: z must be finite, got ${z}`);
  const d = a.length;
  const th = new Float64Array(2 * d + 1);
  th.set(a, 0);
  th.set(b, d);
  th[2 * d] = z;
  return th;
}

/** The 004 (15) mixture on ℝ^d. */
export function twoModeMixtureEnergy(d: number): Energy {
  checkDim('twoModeMixtureEnergy', 'd', d);
  const name = `twoModeMixture(d=${d})`;
  const p = 2 * d + 1;
  const self = { name, dim: d, paramDim: p };

  // Results of the last `modes` call (one walker): kept in closure variables, not allocated.
  let uLast = 0;
  let wbLast = 0;

  /** E_a, E_b of walker i → U (log-sum-exp) and w_b; returns nothing, sets uLast and wbLast. */
  function modes(theta: Float64Array, x: Float64Array, i: number): void {
    const off = i * d;
    let sa = 0, sb = 0;
    for (let j = 0; j < d; j++) {
      const xj = x[off + j]!;
      const da = xj - theta[j]!;
      const db = xj - theta[d + j]!;
      sa += da * da;
      sb += db * db;
    }
    const ea = 0.5 * sa;
    const eb = 0.5 * sb + theta[2 * d]!;
    // −log(e^{−E_a} + e^{−E_b}) = min(E_a, E_b) − log(1 + e^{−|E_a − E_b|}).
    const diff = ea - eb;
    uLast = (diff < 0 ? ea : eb) - Math.log1p(Math.exp(-Math.abs(diff)));
    wbLast = sigmoid(diff); // w_b = e^{−E_b}/(e^{−E_a} + e^{−E_b}) = σ(E_a − E_b)
  }

  return {
    ...self,
    energy(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      for (let i = 0; i < n; i++) {
        modes(theta, x, i);
        out[i] = uLast;
      }
      return out;
    },
    energyGrad(theta, x, n, u, grad) {
      checkCall(self, theta, x, n);
      checkOut(name, 'u', u, n);
      checkOut(name, 'grad', grad, n * d);
      for (let i = 0; i < n; i++) {
        modes(theta, x, i);
        u[i] = uLast;
        const wb = wbLast, wa = 1 - wbLast;
        const off = i * d;
        for (let j = 0; j < d; j++) {
          const xj = x[off + j]!;
          grad[off + j] = wa * (xj - theta[j]!) + wb * (xj - theta[d + j]!);
        }
      }
    },
    paramGrad(theta, x, n, weights, out) {
      checkParamGradArgs(self, theta, x, n, weights, out);
      out.fill(0, 0, p);
      for (let i = 0; i < n; i++) {
        modes(theta, x, i);
        const w = weights[i]!;
        const wwb = w * wbLast, wwa = w * (1 - wbLast);
        const off = i * d;
        for (let j = 0; j < d; j++) {
          const xj = x[off + j]!;
          out[j] = out[j]! - wwa * (xj - theta[j]!); // ∂aU = −w_a (x − a)
          out[d + j] = out[d + j]! - wwb * (xj - theta[d + j]!); // ∂bU = −w_b (x − b)
        }
        out[2 * d] = out[2 * d]! + wwb; // ∂zU = w_b
      }
      return out;
    },
    logPartition(theta) {
      checkTheta(self, theta);
      return 0.5 * d * LOG_2PI + softplus(-theta[2 * d]!); // log(1 + e^{−z}), stable for any z
    },
    laplacian(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      let ab2 = 0;
      for (let j = 0; j < d; j++) {
        const t = theta[j]! - theta[d + j]!;
        ab2 += t * t;
      }
      for (let i = 0; i < n; i++) {
        modes(theta, x, i);
        out[i] = d - wbLast * (1 - wbLast) * ab2;
      }
      return out;
    },
    sample(stream: Stream, theta, n, out) {
      checkTheta(self, theta);
      checkDim(name, 'n', n);
      checkOut(name, 'out', out, n * d);
      const q = modeWeightB(theta[2 * d]!);
      for (let i = 0; i < n; i++) {
        // Mode b with probability q (one uniform), then d normals around its centre.
        const c = uniform(stream) < q ? d : 0;
        const off = i * d;
        normals(stream, out, off, d);
        for (let j = 0; j < d; j++) out[off + j] = out[off + j]! + theta[c + j]!;
      }
      return out;
    },
  };
}
