/**
 * Parzen window density estimation (002, "Parzen Density Estimate"): for points x_1 … x_n in ℝ^d with weights w_i
 * (Σ w_i = 1 after normalization; the document's 1/n when none are given) and bandwidth h,
 *   f̂(x) = Σ_i w_i h^{−d} K((x − x_i)/h),
 * with the document's three kernels, c_d = π^{d/2}/Γ(1 + d/2) the volume of the unit ball in ℝ^d:
 *   Gaussian       K(u) = (2π)^{−d/2} e^{−|u|²/2}
 *   Epanechnikov   K(u) = (d + 2)/(2 c_d) (1 − |u|²) on |u| ≤ 1, 0 outside
 *   uniform        K(u) = 1/c_d on |u| ≤ 1, 0 outside
 * Erratum: 002 writes the prefactor 1/h, which is right only for d = 1; its change of variables "dx = h du" is
 * dx = h^d du in ℝ^d, so the normalized estimate needs h^{−d} (spec/score/kde.spec.ts shows 1/h integrates to h^{d−1}).
 *
 * The score ∇ log f̂ = ∇f̂ / f̂:
 *   Gaussian       Σ_i r_i (x_i − x)/h², r_i ∝ w_i e^{−|x − x_i|²/(2h²)} (a softmax: evaluated stably in log space);
 *   Epanechnikov   Σ_{|u_i|<1} w_i (−2u_i/h) / Σ_{|u_i|≤1} w_i (1 − |u_i|²),  u_i = (x − x_i)/h (the constants cancel);
 *                  f̂ is not differentiable on the spheres |u_i| = 1 (a null set), where the one-sided value is returned;
 *   uniform        0 wherever f̂ > 0 off the spheres |u_i| = 1: f̂ is piecewise constant, so its score carries no
 *                  information (and on the spheres it is undefined).
 * Where f̂(x) = 0 (outside every ball, compact kernels only) log f̂ = −∞ and the score is undefined: `kdeScore` throws
 * there rather than return NaN. At the data points themselves f̂ > 0 always (K(0) > 0).
 */
import { logGamma } from '../stats/distributions.js';

export type ParzenKernel = 'gaussian' | 'epanechnikov' | 'uniform';

/** A Parzen estimate: its points (n×d, row-major, copied), normalized weights, bandwidth and kernel. */
export interface ParzenKde {
  readonly kernel: ParzenKernel;
  readonly d: number;
  readonly n: number;
  readonly bandwidth: number;
  readonly points: Float64Array;
  /** normalized to sum 1 */
  readonly weights: Float64Array;
  /** log of the kernel's constant: −(d/2) log 2π, log((d+2)/(2c_d)) or −log c_d */
  readonly logKernelConstant: number;
}

/** log c_d, c_d = π^{d/2}/Γ(1 + d/2): the volume of the unit ball in ℝ^d (002). */
export function logUnitBallVolume(d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`logUnitBallVolume: d must be a positive integer, got ${d}`);
  return 0.5 * d * Math.log(Math.PI) - logGamma(1 + 0.5 * d);
}

/** c_d = π^{d/2}/Γ(1 + d/2) (002). */
export function unitBallVolume(d: number): number {
  return Math.exp(logUnitBallVolume(d));
}

/** log of the normalizing constant in front of each kernel's profile (002, "Common kernels"). */
export function logKernelConstant(kernel: ParzenKernel, d: number): number {
  switch (kernel) {
    case 'gaussian':
      return -0.5 * d * Math.log(2 * Math.PI); // 002 Gaussian (2π)^{−d/2}
    case 'epanechnikov':
      return Math.log((d + 2) / 2) - logUnitBallVolume(d); // 002 Epanechnikov (d+2)/(2c_d)
    case 'uniform':
      return -logUnitBallVolume(d); // 002 uniform 1/c_d
    default:
      throw new RangeError(`parzen: kernel must be 'gaussian', 'epanechnikov' or 'uniform', got ${String(kernel)}`);
  }
}

/** Checks a weight vector: n finite non-negative values with a positive sum; returns the sum. */
export function checkWeights(name: string, weights: Float64Array, n: number): number {
  if (!(weights instanceof Float64Array)) throw new TypeError(`${name}: weights must be a Float64Array`);
  if (weights.length < n) throw new RangeError(`${name}: weights must hold n = ${n} values, got ${weights.length}`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`${name}: weights[${i}] = ${w} must be finite and ≥ 0`);
    s += w;
  }
  if (!(s > 0)) throw new RangeError(`${name}: weights must have a positive sum, got ${s}`);
  return s;
}

/** Checks that x holds n finite rows of dimension d. */
export function checkPoints(name: string, what: string, x: Float64Array, n: number, d: number): void {
  if (!(x instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: d must be a positive integer, got ${d}`);
  if (x.length !== n * d) throw new RangeError(`${name}: ${what} must hold n·d = ${n}·${d} = ${n * d} values, got ${x.length}`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`${name}: ${what}[${i}] = ${x[i]} must be finite`);
  }
}

export function checkOutBuffer(name: string, what: string, out: Float64Array, len: number): void {
  if (!(out instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (out.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${out.length}`);
}

/**
 * The Parzen estimate of points (n×d) with bandwidth h > 0 and an optional weight per point (normalized here;
 * 1/n each when absent, as in 002).
 */
export function parzenKde(
  points: Float64Array,
  n: number,
  d: number,
  options: { kernel: ParzenKernel; bandwidth: number; weights?: Float64Array },
): ParzenKde {
  const { kernel, bandwidth } = options;
  const lc = logKernelConstant(kernel, Number.isInteger(d) && d >= 1 ? d : 1);
  checkPoints('parzenKde', 'points', points, n, d);
  if (!Number.isFinite(bandwidth) || !(bandwidth > 0)) throw new RangeError(`parzenKde: bandwidth = ${bandwidth} must be finite and > 0`);
  const weights = new Float64Array(n);
  if (options.weights === undefined) weights.fill(1 / n);
  else {
    const s = checkWeights('parzenKde', options.weights, n);
    for (let i = 0; i < n; i++) weights[i] = options.weights[i]! / s;
  }
  return { kernel, d, n, bandwidth, points: Float64Array.from(points), weights, logKernelConstant: lc };
}

function checkQuery(name: string, kde: ParzenKde, x: Float64Array, m: number): void {
  checkPoints(name, 'x', x, m, kde.d);
}

/** |x_q − x_i|²/h² for query row q and point i. */
function scaledDist2(kde: ParzenKde, x: Float64Array, q: number, i: number): number {
  const d = kde.d, h = kde.bandwidth;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = (x[q * d + j]! - kde.points[i * d + j]!) / h;
    s += t * t;
  }
  return s;
}

/** max_i [log w_i − |x_q − x_i|²/(2h²)] over the points with w_i > 0: the shift that keeps the Gaussian sums finite. */
function gaussianLogShift(kde: ParzenKde, x: Float64Array, q: number): number {
  let mx = -Infinity;
  for (let i = 0; i < kde.n; i++) {
    if (kde.weights[i]! === 0) continue;
    const a = Math.log(kde.weights[i]!) - 0.5 * scaledDist2(kde, x, q, i);
    if (a > mx) mx = a;
  }
  return mx;
}

/** log f̂(x_q) into out[q] for m query rows; −∞ outside the support of a compact kernel. */
export function kdeLogDensity(kde: ParzenKde, x: Float64Array, m: number, out: Float64Array): Float64Array {
  checkQuery('kdeLogDensity', kde, x, m);
  checkOutBuffer('kdeLogDensity', 'out', out, m);
  const logNorm = kde.logKernelConstant - kde.d * Math.log(kde.bandwidth); // 002 Parzen h^{−d} K(·) (erratum: not 1/h)
  for (let q = 0; q < m; q++) {
    if (kde.kernel === 'gaussian') {
      // log Σ w_i e^{−r_i/2}, max-shifted
      const mx = gaussianLogShift(kde, x, q);
      let s = 0;
      for (let i = 0; i < kde.n; i++) {
        if (kde.weights[i]! === 0) continue;
        s += Math.exp(Math.log(kde.weights[i]!) - 0.5 * scaledDist2(kde, x, q, i) - mx);
      }
      out[q] = logNorm + mx + Math.log(s);
    } else {
      let s = 0;
      for (let i = 0; i < kde.n; i++) {
        const r2 = scaledDist2(kde, x, q, i);
        if (r2 > 1) continue;
        s += kde.weights[i]! * (kde.kernel === 'epanechnikov' ? 1 - r2 : 1);
      }
      out[q] = s > 0 ? logNorm + Math.log(s) : -Infinity;
    }
  }
  return out;
}

/** f̂(x_q) into out[q]. */
export function kdeDensity(kde: ParzenKde, x: Float64Array, m: number, out: Float64Array): Float64Array {
  kdeLogDensity(kde, x, m, out);
  for (let q = 0; q < m; q++) out[q] = Math.exp(out[q]!);
  return out;
}

/**
 * ∇ log f̂(x_q) into out (m×d). Throws where f̂(x_q) = 0 (compact kernels, outside the support): the score is
 * undefined there. The uniform kernel's score is 0 wherever it is defined (see the module header).
 */
export function kdeScore(kde: ParzenKde, x: Float64Array, m: number, out: Float64Array): Float64Array {
  checkQuery('kdeScore', kde, x, m);
  const d = kde.d, h = kde.bandwidth;
  checkOutBuffer('kdeScore', 'out', out, m * d);
  for (let q = 0; q < m; q++) {
    const o = q * d;
    for (let j = 0; j < d; j++) out[o + j] = 0;
    if (kde.kernel === 'gaussian') {
      // Σ r_i (x_i − x)/h² with r = softmax(log w_i − |x − x_i|²/(2h²))
      const mx = gaussianLogShift(kde, x, q);
      let s = 0;
      for (let i = 0; i < kde.n; i++) {
        if (kde.weights[i]! === 0) continue;
        const r = Math.exp(Math.log(kde.weights[i]!) - 0.5 * scaledDist2(kde, x, q, i) - mx);
        s += r;
        for (let j = 0; j < d; j++) out[o + j] = out[o + j]! + r * (kde.points[i * d + j]! - x[o + j]!);
      }
      const c = 1 / (s * h * h);
      for (let j = 0; j < d; j++) out[o + j] = out[o + j]! * c;
    } else {
      let s = 0;
      for (let i = 0; i < kde.n; i++) {
        const r2 = scaledDist2(kde, x, q, i);
        if (r2 > 1) continue;
        const w = kde.weights[i]!;
        if (kde.kernel === 'epanechnikov') {
          s += w * (1 - r2);
          // ∇ₓ (1 − |u|²) = −2u/h, u = (x − x_i)/h
          for (let j = 0; j < d; j++) out[o + j] = out[o + j]! - (2 * w * (x[o + j]! - kde.points[i * d + j]!)) / (h * h);
        } else s += w;
      }
      if (!(s > 0)) {
        throw new RangeError(`kdeScore: x row ${q} lies outside the support of the ${kde.kernel} KDE (f̂ = 0): the score ∇ log f̂ is undefined there`);
      }
      for (let j = 0; j < d; j++) out[o + j] = out[o + j]! / s;
    }
  }
  return out;
}
