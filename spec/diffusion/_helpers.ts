/** Shared helpers of spec/diffusion: 1-D mixture CDFs, small array utilities, the fast-check double generator. */
import fc from 'fast-check';
import { normalCdf } from '../_support/stat.js';
import type { GaussianMixtureData } from '../../src/diffusion/exact.js';

export const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** CDF of a 1-D mixture after Y = aX + cZ. */
export function mixtureCdf1d(data: GaussianMixtureData, a = 1, c = 0): (x: number) => number {
  if (data.d !== 1) throw new Error('mixtureCdf1d: d must be 1');
  return (x) => {
    let s = 0;
    for (let k = 0; k < data.K; k++) {
      const v = a * a * data.variances[k]! + c * c;
      s += data.weights[k]! * normalCdf((x - a * data.means[k]!) / Math.sqrt(v));
    }
    return s;
  };
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** The law of a 1-D Gaussian-kernel chain as computed by gridChainLaw. */
export interface GridChainLaw {
  /** F(x) = P(x_K ≤ x), in closed form over the last step: h Σ_j p_j Φ((x − m_j)/σ_j) */
  cdf(x: number): number;
  /** the density of x_K, h Σ_j p_j N(x; m_j, σ_j²) */
  density(x: number): number;
  /** the mass left on the grid before the last step (1 − mass bounds the truncation error) */
  mass: number;
}

/**
 * The exact law of a 1-D chain x_{k+1} = m_k(x_k) + σ_k(x_k) z_k (z_k ~ N(0, 1)) after `steps` steps from a start
 * density: Chapman–Kolmogorov on a uniform grid of spacing h over [−R, R], p_{k+1}(y) = ∫ p_k(x) N(y; m_k(x), σ_k(x)²) dx
 * by the trapezoid rule. The integrand is smooth and vanishes at ±R, so the rule is spectrally accurate once h is well
 * below the kernel's width in x (callers check convergence by changing h); for wide kernels only every stride-th source
 * point is used, stride·h ≤ σ_min/3. `kernel(k, x, mean, sd)` writes m_k and σ_k
 * (> 0) at the grid points x. The Gaussian is evaluated out to ±12σ by the recurrence g_{i+1} = g_i r_i,
 * r_{i+1} = r_i e^{−h²/σ²}.
 */
export function gridChainLaw(
  density0: (x: number) => number,
  steps: number,
  kernel: (k: number, x: Float64Array, mean: Float64Array, sd: Float64Array) => void,
  R: number,
  h: number,
): GridChainLaw {
  const N = Math.round((2 * R) / h) + 1;
  const x = new Float64Array(N);
  for (let i = 0; i < N; i++) x[i] = -R + i * h;
  let p = new Float64Array(N);
  let q = new Float64Array(N);
  for (let i = 0; i < N; i++) p[i] = density0(x[i]!);
  const mean = new Float64Array(N);
  const sd = new Float64Array(N);
  for (let k = 0; k < steps; k++) {
    kernel(k, x, mean, sd);
    if (k === steps - 1) break;
    q.fill(0);
    // sources every `stride` points (the rule's spacing stride·h stays ≤ σ_min/3, p being smooth on that scale)
    let sdMin = Infinity;
    for (let j = 0; j < N; j++) sdMin = Math.min(sdMin, sd[j]!);
    if (!(sdMin > 0)) throw new Error(`gridChainLaw: sd = ${sdMin} at step ${k} must be > 0`);
    const stride = Math.max(1, Math.floor(sdMin / (3 * h)));
    for (let j = 0; j < N; j += stride) {
      if (p[j] === 0) continue;
      const m = mean[j]!;
      const s2 = sd[j]! * sd[j]!;
      const w = Math.ceil((12 * sd[j]!) / h);
      const ic = Math.min(N - 1, Math.max(0, Math.round((m + R) / h)));
      const r0 = x[ic]! - m;
      const qq = Math.exp((-h * h) / s2);
      const g0 = ((stride * h * p[j]!) / Math.sqrt(2 * Math.PI * s2)) * Math.exp((-0.5 * r0 * r0) / s2);
      let g = g0;
      let ratio = Math.exp(-(2 * r0 * h + h * h) / (2 * s2));
      for (let i = ic; i <= Math.min(N - 1, ic + w); i++, g *= ratio, ratio *= qq) q[i] = q[i]! + g;
      g = g0 * Math.exp(-(h * h - 2 * r0 * h) / (2 * s2));
      ratio = Math.exp(-(3 * h * h - 2 * r0 * h) / (2 * s2));
      for (let i = ic - 1; i >= Math.max(0, ic - w); i--, g *= ratio, ratio *= qq) q[i] = q[i]! + g;
    }
    [p, q] = [q, p];
  }
  let mass = 0;
  const idx: number[] = [];
  for (let j = 0; j < N; j++) {
    mass += h * p[j]!;
    if (h * p[j]! > 1e-18) idx.push(j); // the points left out carry < N·1e-18 of mass
  }
  const M = idx.length;
  const w = new Float64Array(M);
  const m = new Float64Array(M);
  const sg = new Float64Array(M);
  let monotone = true;
  let sdMax = 0;
  for (let r = 0; r < M; r++) {
    w[r] = h * p[idx[r]!]!;
    m[r] = mean[idx[r]!]!;
    sg[r] = sd[idx[r]!]!;
    sdMax = Math.max(sdMax, sg[r]!);
    if (r > 0 && m[r]! < m[r - 1]!) monotone = false;
  }
  // With the last step's means increasing in x (checked), terms with |y − m_j| > 9 σ_max are Φ = 0 or 1 to < 1e-18:
  // F(y) = (mass of the sources with m_j < y − 9σ_max) + the window's Φ terms, found by binary search.
  const prefix = new Float64Array(M + 1);
  for (let r = 0; r < M; r++) prefix[r + 1] = prefix[r]! + w[r]!;
  const lowerBound = (v: number): number => {
    let lo = 0;
    let hi = M;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (m[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const range = (y: number): [number, number] => (monotone ? [lowerBound(y - 9 * sdMax), lowerBound(y + 9 * sdMax)] : [0, M]);
  return {
    mass,
    cdf: (y) => {
      const [a, b] = range(y);
      let f = prefix[a]!;
      for (let r = a; r < b; r++) f += w[r]! * normalCdf((y - m[r]!) / sg[r]!);
      return f;
    },
    density: (y) => {
      const [a, b] = range(y);
      let f = 0;
      for (let r = a; r < b; r++) f += (w[r]! * Math.exp(-0.5 * ((y - m[r]!) / sg[r]!) ** 2)) / (sg[r]! * Math.sqrt(2 * Math.PI));
      return f;
    },
  };
}

/** A gridChainLaw kernel from an implementation step with injected noise: m = step(x, z = 0), σ = step(x, 1) − m. */
export function kernelFromStep(
  step: (k: number, x: Float64Array, n: number, z: Float64Array, out: Float64Array) => Float64Array,
): (k: number, x: Float64Array, mean: Float64Array, sd: Float64Array) => void {
  let zeros = new Float64Array(0);
  let ones = new Float64Array(0);
  return (k, x, mean, sd) => {
    if (zeros.length !== x.length) {
      zeros = new Float64Array(x.length);
      ones = new Float64Array(x.length).fill(1);
    }
    step(k, x, x.length, zeros, mean);
    step(k, x, x.length, ones, sd);
    for (let i = 0; i < x.length; i++) sd[i] = sd[i]! - mean[i]!;
  };
}

/** sup_x |F(x) − G(x)| over a uniform grid of `points` points on [lo, hi]. */
export function supDistance(F: (x: number) => number, G: (x: number) => number, lo: number, hi: number, points: number): number {
  let best = 0;
  for (let i = 0; i < points; i++) {
    const x = lo + ((hi - lo) * i) / (points - 1);
    best = Math.max(best, Math.abs(F(x) - G(x)));
  }
  return best;
}
