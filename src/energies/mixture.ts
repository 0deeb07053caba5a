/**
 * The isotropic Gaussian mixture of 001 Example 2.1, (2.4), generalized to K modes on ℝ^d:
 *   U_θ(x) = −log Σ_k p_k exp(−|x − μ_k|² / σ_k²),
 *   θ = [logits ℓ (K), μ (K·d, mode k at K-major rows), log σ (K)],  p = softmax(ℓ)  (p = K + K·d + K).
 * Erratum: (2.4) as printed reads U = +log[…]; that is not an energy of the mixture (e^{−U} = 1/[…] grows like
 * e^{|x|²/σ²} and is not integrable) and contradicts the text's "minima of U ↔ modes of ρ". This is the −log form
 * (spec/energies/mixture.spec.ts shows the printed sign fails).
 *
 * Mode k is N(μ_k, (σ_k²/2) I) (the exponent has no ½), so
 *   log Z_θ = log Σ_k p_k (π σ_k²)^{d/2},
 * and, because (2.4) leaves out each mode's normalization, the mode weights of ρ = e^{−U}/Z are
 *   π_k = p_k σ_k^d / Σ_j p_j σ_j^d,
 * not p_k (they agree only when all σ_k are equal; in the document's example 0.82/0.18, not 0.7/0.3). `sample` draws
 * modes with π_k.
 * With E_k = |x − μ_k|²/σ_k² − log p_k, U = −logsumexp(−E) and the posterior mode weights r = softmax(−E):
 *   ∇ₓU = Σ_k r_k g_k,  g_k = 2(x − μ_k)/σ_k²,
 *   ∂μ_k U = −r_k g_k,  ∂(log σ_k) U = −2 r_k |x − μ_k|²/σ_k²,  ∂ℓ_k U = p_k − r_k,
 *   ΔU = Σ_k r_k 2d/σ_k² − (Σ_k r_k |g_k|² − |Σ_k r_k g_k|²)   (mean Hessian minus the covariance of the g_k).
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { uniform } from '../rng/uniform.js';
import { checkTheta, type Energy } from './energy.js';
import { checkCall, checkDim, checkOut, checkParamGradArgs } from './validate.js';

/** θ for `mixtureEnergy` from mode probabilities p (K, positive; normalized here), means (K·d) and scales σ (K). */
export function mixtureTheta(p: ArrayLike<number>, means: ArrayLike<number>, sigmas: ArrayLike<number>): Float64Array {
  const k = p.length;
  if (k < 1) throw new RangeError('mixtureTheta: p must have at least one entry');
  if (sigmas.length !== k) throw new RangeError(`mixtureTheta: sigmas must have length K = ${k}, got ${sigmas.length}`);
  if (means.length % k !== 0 || means.length === 0) {
    throw new RangeError(`mixtureTheta: means must have length K·d (K = ${k}), got ${means.length}`);
  }
  const th = new Float64Array(2 * k + means.length);
  for (let j = 0; j < k; j++) {
    if (!(p[j]! > 0 && Number.isFinite(p[j]!))) throw new RangeError(`mixtureTheta: p[${j}] must be finite and > 0, got ${p[j]}`);
    if (!(sigmas[j]! > 0 && Number.isFinite(sigmas[j]!))) throw new RangeError(`mixtureTheta: sigmas[${j}] must be finite and > 0, got ${sigmas[j]}`);
    th[j] = Math.log(p[j]!);
    th[k + means.length + j] = Math.log(sigmas[j]!);
  }
  for (let i = 0; i < means.length; i++) th[k + i] = means[i]!;
  return th;
}

/** The K-mode mixture on ℝ^d. */
export function mixtureEnergy(k: number, d: number): Energy {
  checkDim('mixtureEnergy', 'K', k);
  checkDim('mixtureEnergy', 'd', d);
  const name = `mixture(K=${k}, d=${d})`;
  const p = 2 * k + k * d;
  const self = { name, dim: d, paramDim: p };
  const MU = k, LS = k + k * d; // offsets of μ and log σ in θ
  // Scratch, made once: per-mode log p_k, 1/σ_k², |x − μ_k|², and the posterior weights r_k.
  const logp = new Float64Array(k), inv2 = new Float64Array(k), dist2 = new Float64Array(k), r = new Float64Array(k);

  /** log p = ℓ − logsumexp(ℓ) and 1/σ² for θ (once per call). */
  function prepare(theta: Float64Array): void {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, theta[j]!);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(theta[j]! - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < k; j++) {
      logp[j] = theta[j]! - lse;
      inv2[j] = Math.exp(-2 * theta[LS + j]!);
    }
  }

  /** U at walker i; leaves |x − μ_k|² in dist2 and the posterior weights in r. */
  function walker(theta: Float64Array, x: Float64Array, i: number): number {
    const off = i * d;
    let m = -Infinity;
    for (let j = 0; j < k; j++) {
      let s = 0;
      const mo = MU + j * d;
      for (let c = 0; c < d; c++) {
        const t = x[off + c]! - theta[mo + c]!;
        s += t * t;
      }
      dist2[j] = s;
      const a = logp[j]! - s * inv2[j]!; // −E_k
      r[j] = a;
      if (a > m) m = a;
    }
    let s = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(r[j]! - m);
      r[j] = e;
      s += e;
    }
    for (let j = 0; j < k; j++) r[j] = r[j]! / s;
    return -(m + Math.log(s)); // U = −logsumexp(−E)
  }

  return {
    ...self,
    energy(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      prepare(theta);
      for (let i = 0; i < n; i++) out[i] = walker(theta, x, i);
      return out;
    },
    energyGrad(theta, x, n, u, grad) {
      checkCall(self, theta, x, n);
      checkOut(name, 'u', u, n);
      checkOut(name, 'grad', grad, n * d);
      prepare(theta);
      for (let i = 0; i < n; i++) {
        u[i] = walker(theta, x, i);
        const off = i * d;
        for (let c = 0; c < d; c++) {
          const xc = x[off + c]!;
          let g = 0;
          for (let j = 0; j < k; j++) g += r[j]! * 2 * inv2[j]! * (xc - theta[MU + j * d + c]!); // Σ r_k g_k
          grad[off + c] = g;
        }
      }
    },
    paramGrad(theta, x, n, weights, out) {
      checkParamGradArgs(self, theta, x, n, weights, out);
      prepare(theta);
      out.fill(0, 0, p);
      for (let i = 0; i < n; i++) {
        walker(theta, x, i);
        const w = weights[i]!, off = i * d;
        for (let j = 0; j < k; j++) {
          const wr = w * r[j]!;
          out[j] = out[j]! + w * (Math.exp(logp[j]!) - r[j]!); // ∂ℓ_k U = p_k − r_k
          const mo = MU + j * d, c2 = 2 * inv2[j]! * wr;
          for (let c = 0; c < d; c++) out[mo + c] = out[mo + c]! - c2 * (x[off + c]! - theta[mo + c]!); // −r_k g_k
          out[LS + j] = out[LS + j]! - c2 * dist2[j]!; // −2 r_k |x − μ_k|²/σ_k²
        }
      }
      return out;
    },
    logPartition(theta) {
      checkTheta(self, theta);
      prepare(theta);
      // log Σ_k p_k (π σ_k²)^{d/2}, as a logsumexp over modes
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, logp[j]! + 0.5 * d * (Math.log(Math.PI) + 2 * theta[LS + j]!));
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(logp[j]! + 0.5 * d * (Math.log(Math.PI) + 2 * theta[LS + j]!) - m);
      return m + Math.log(s);
    },
    laplacian(theta, x, n, out) {
      checkCall(self, theta, x, n);
      checkOut(name, 'out', out, n);
      prepare(theta);
      for (let i = 0; i < n; i++) {
        walker(theta, x, i);
        const off = i * d;
        let meanHess = 0, meanSq = 0;
        for (let j = 0; j < k; j++) {
          meanHess += r[j]! * 2 * d * inv2[j]!;
          meanSq += r[j]! * 4 * inv2[j]! * inv2[j]! * dist2[j]!; // r_k |g_k|²
        }
        let sqMean = 0;
        for (let c = 0; c < d; c++) {
          let g = 0;
          for (let j = 0; j < k; j++) g += r[j]! * 2 * inv2[j]! * (x[off + c]! - theta[MU + j * d + c]!);
          sqMean += g * g;
        }
        out[i] = meanHess - (meanSq - sqMean);
      }
      return out;
    },
    sample(stream: Stream, theta, n, out) {
      checkTheta(self, theta);
      checkDim(name, 'n', n);
      checkOut(name, 'out', out, n * d);
      prepare(theta);
      // π_k ∝ p_k σ_k^d (the mass of mode k under e^{−U}), normalized in log space; kept in dist2 (scratch).
      let m = -Infinity;
      for (let j = 0; j < k; j++) {
        dist2[j] = logp[j]! + d * theta[LS + j]!;
        m = Math.max(m, dist2[j]!);
      }
      let tot = 0;
      for (let j = 0; j < k; j++) tot += Math.exp(dist2[j]! - m);
      for (let j = 0; j < k; j++) dist2[j] = Math.exp(dist2[j]! - m) / tot;
      for (let i = 0; i < n; i++) {
        // Mode by inversion of one uniform over the cumulative π, then N(μ_k, (σ_k²/2) I).
        const v = uniform(stream);
        let j = 0, c = dist2[0]!;
        while (j < k - 1 && v >= c) c += dist2[++j]!;
        const off = i * d, sd = Math.exp(theta[LS + j]!) * Math.SQRT1_2, mo = MU + j * d;
        normals(stream, out, off, d);
        for (let q = 0; q < d; q++) out[off + q] = theta[mo + q]! + sd * out[off + q]!;
      }
      return out;
    },
  };
}

/** 001 Example 2.1: K = 2, d = 1, p = (0.7, 0.3), μ = (0, 5), σ = (1, 0.5). */
export function mixture24Example(): { energy: Energy; theta: Float64Array } {
  return { energy: mixtureEnergy(2, 1), theta: mixtureTheta([0.7, 0.3], [0, 5], [1, 0.5]) };
}
