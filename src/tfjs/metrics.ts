/**
 * src/tfjs/metrics — the sample-quality metrics of 004 §4.3 (Table 1: FID and Inception Score on CIFAR-10) on
 * USER-SUPPLIED features. The FID and IS of the paper are computed on the pool3 features (2048-d) and class
 * probabilities of an ImageNet Inception-v3 network whose weights cannot be reached from these machines; ebm-ts does
 * not ship or imitate that network. These functions take the features (n×d, row-major float64) or class probabilities
 * (n×K) from the user: with Inception-v3 pool3 features they are the usual FID/IS; with any other feature map they are
 * a Fréchet distance / score "in that feature space" and must be reported as such, not compared with published FIDs.
 *
 * Fréchet (2-Wasserstein) distance between the Gaussian fits N(μ₁, Σ₁), N(μ₂, Σ₂) (Dowson & Landau 1982; Heusel et
 * al. 2017, the FID):
 *   d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}),
 * computed in float64 with the symmetric form: tr((Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}) = Σᵢ √λᵢ, λ the eigenvalues of the
 * symmetric PSD matrix Σ₁^{1/2} Σ₂ Σ₁^{1/2} (src/linalg symmetricEigen). Covariances are the unbiased sample
 * covariances (divisor n − 1, as numpy's cov in the reference FID code).
 * Inception Score (Salimans et al. 2016): IS = exp(E_x KL(p(y|x) ‖ p(y))), p(y) the mean of p(y|x) over the set,
 * optionally averaged over `splits` consecutive equal parts (the reference code uses 10).
 * Backend-free (no tfjs); it lives in src/tfjs beside the image experiments it serves.
 */
import { symmetricEigen } from '../linalg/dense.js';

export interface GaussianFit {
  readonly d: number;
  /** number of feature vectors fitted */
  readonly n: number;
  readonly mean: Float64Array;
  /** d×d unbiased sample covariance, row-major */
  readonly covariance: Float64Array;
}

function checkFeatures(where: string, features: Float64Array, n: number, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new Error(`${where}: d = ${d} must be a positive integer`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`${where}: n = ${n} must be an integer ≥ 2 (a covariance needs two feature vectors)`);
  if (features.length !== n * d) throw new Error(`${where}: features.length = ${features.length} must be n·d = ${n * d}`);
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) throw new Error(`${where}: features[${i}] = ${features[i]} must be finite`);
  }
}

/** Mean and unbiased covariance of n feature vectors (n×d, row-major), two-pass. */
export function gaussianFit(features: Float64Array, n: number, d: number): GaussianFit {
  checkFeatures('gaussianFit', features, n, d);
  const mean = new Float64Array(d), covariance = new Float64Array(d * d), c = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + features[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = features[i * d + j]! - mean[j]!;
    for (let j = 0; j < d; j++) {
      const cj = c[j]!;
      for (let k = j; k < d; k++) covariance[j * d + k] = covariance[j * d + k]! + cj * c[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = covariance[j * d + k]! / (n - 1);
      covariance[j * d + k] = v;
      covariance[k * d + j] = v;
    }
  }
  return { d, n, mean, covariance };
}

/** The eigenvalues of a symmetric PSD matrix, refusing ones below −tol·max(λ_max, 0) (roundoff allowance, not a clamp of bad input). */
function psdEigen(where: string, a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const e = symmetricEigen(a, d);
  const top = Math.max(e.values[d - 1]!, 0);
  const tol = 64 * d * Number.EPSILON * top;
  for (let i = 0; i < d; i++) {
    const v = e.values[i]!;
    if (v < -tol) throw new Error(`${where}: eigenvalue ${v} < 0 beyond roundoff (${-tol}): the matrix must be positive semi-definite`);
    if (v < 0) e.values[i] = 0; // |v| ≤ tol: roundoff of a zero eigenvalue
  }
  return e;
}

function checkFit(where: string, name: string, f: GaussianFit): void {
  const { d } = f;
  if (!Number.isInteger(d) || d < 1) throw new Error(`${where}: ${name}.d = ${d} must be a positive integer`);
  if (f.mean.length !== d) throw new Error(`${where}: ${name}.mean.length = ${f.mean.length} must be d = ${d}`);
  if (f.covariance.length !== d * d) throw new Error(`${where}: ${name}.covariance.length = ${f.covariance.length} must be d·d = ${d * d}`);
  for (let i = 0; i < d; i++) if (!Number.isFinite(f.mean[i]!)) throw new Error(`${where}: ${name}.mean[${i}] = ${f.mean[i]} must be finite`);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const a = f.covariance[i * d + j]!, b = f.covariance[j * d + i]!;
      if (!Number.isFinite(a)) throw new Error(`${where}: ${name}.covariance[${i * d + j}] = ${a} must be finite`);
      if (Math.abs(a - b) > 1e-12 * (Math.abs(a) + Math.abs(b))) throw new Error(`${where}: ${name}.covariance must be symmetric ([${i}][${j}] = ${a}, [${j}][${i}] = ${b})`);
    }
  }
}

/**
 * d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr((Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}): the squared Fréchet distance, i.e. the FID
 * when the fits are of Inception-v3 pool3 features. Returns max(d², 0) only for a negative value within roundoff
 * of 0 (|d²| ≤ 1e-12·(tr Σ₁ + tr Σ₂ + ‖μ₁‖² + ‖μ₂‖²)); a larger negative value throws.
 */
export function frechetDistance(a: GaussianFit, b: GaussianFit): number {
  const where = 'frechetDistance';
  checkFit(where, 'a', a);
  checkFit(where, 'b', b);
  if (a.d !== b.d) throw new Error(`${where}: a.d = ${a.d} must equal b.d = ${b.d}`);
  const d = a.d;
  let dm = 0, scale = 0;
  for (let j = 0; j < d; j++) {
    const t = a.mean[j]! - b.mean[j]!;
    dm += t * t;
    scale += a.mean[j]! * a.mean[j]! + b.mean[j]! * b.mean[j]!;
  }
  let tr = 0;
  for (let j = 0; j < d; j++) tr += a.covariance[j * d + j]! + b.covariance[j * d + j]!;
  // S = Σ₁^{1/2} = V diag(√λ) Vᵀ
  const ea = psdEigen(`${where}: a.covariance`, a.covariance, d);
  const s = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const r = Math.sqrt(ea.values[k]!);
    if (r === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = ea.vectors[i * d + k]! * r;
      for (let j = 0; j < d; j++) s[i * d + j] = s[i * d + j]! + vik * ea.vectors[j * d + k]!;
    }
  }
  // M = S Σ₂ S, symmetrized against roundoff
  const t = new Float64Array(d * d), m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    const sik = s[i * d + k]!;
    if (sik === 0) continue;
    for (let j = 0; j < d; j++) t[i * d + j] = t[i * d + j]! + sik * b.covariance[k * d + j]!;
  }
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    const tik = t[i * d + k]!;
    if (tik === 0) continue;
    for (let j = 0; j < d; j++) m[i * d + j] = m[i * d + j]! + tik * s[k * d + j]!;
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) {
    const v = 0.5 * (m[i * d + j]! + m[j * d + i]!);
    m[i * d + j] = v; m[j * d + i] = v;
  }
  let trSqrt = 0;
  if (m.some((v) => v !== 0)) {
    const em = psdEigen(`${where}: Σ₁^{1/2} Σ₂ Σ₁^{1/2}`, m, d);
    for (let k = 0; k < d; k++) trSqrt += Math.sqrt(em.values[k]!);
  }
  const d2 = dm + tr - 2 * trSqrt;
  if (d2 < 0) {
    if (-d2 > 1e-12 * (tr + scale)) throw new Error(`${where}: d² = ${d2} is negative beyond roundoff: the covariances are not PSD`);
    return 0;
  }
  return d2;
}

/** The squared Fréchet distance between the Gaussian fits of two feature sets (na×d and nb×d). */
export function frechetDistanceFromFeatures(a: Float64Array, na: number, b: Float64Array, nb: number, d: number): number {
  return frechetDistance(gaussianFit(a, na, d), gaussianFit(b, nb, d));
}

/**
 * Inception Score exp(E_x KL(p(y|x) ‖ p(y))) of n class-probability rows (n×K, each row ≥ 0 summing to 1 within
 * 1e-6), as the mean over `splits` consecutive parts of n/splits rows (n must be a multiple of splits); also the
 * standard deviation over the splits (0 for one split).
 */
export function inceptionScore(probabilities: Float64Array, n: number, k: number, splits = 1): { mean: number; std: number; scores: Float64Array } {
  const where = 'inceptionScore';
  if (!Number.isInteger(k) || k < 2) throw new Error(`${where}: k = ${k} must be an integer ≥ 2 (classes)`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: n = ${n} must be a positive integer`);
  if (probabilities.length !== n * k) throw new Error(`${where}: probabilities.length = ${probabilities.length} must be n·k = ${n * k}`);
  if (!Number.isInteger(splits) || splits < 1 || n % splits !== 0) throw new Error(`${where}: splits = ${splits} must be a positive integer dividing n = ${n}`);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) {
      const p = probabilities[i * k + c]!;
      if (!(p >= 0 && p <= 1)) throw new Error(`${where}: probabilities[${i * k + c}] = ${p} must be in [0, 1]`);
      s += p;
    }
    if (Math.abs(s - 1) > 1e-6) throw new Error(`${where}: row ${i} sums to ${s}, must sum to 1 (within 1e-6)`);
  }
  const m = n / splits, scores = new Float64Array(splits), marginal = new Float64Array(k);
  for (let s = 0; s < splits; s++) {
    marginal.fill(0);
    for (let i = s * m; i < (s + 1) * m; i++) for (let c = 0; c < k; c++) marginal[c] = marginal[c]! + probabilities[i * k + c]! / m;
    let kl = 0;
    for (let i = s * m; i < (s + 1) * m; i++) {
      for (let c = 0; c < k; c++) {
        const p = probabilities[i * k + c]!;
        if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]!)); // 0·log 0 = 0; p > 0 implies marginal > 0
      }
    }
    scores[s] = Math.exp(kl / m);
  }
  let mean = 0;
  for (const v of scores) mean += v / splits;
  let v2 = 0;
  for (const v of scores) v2 += ((v - mean) * (v - mean)) / splits;
  return { mean, std: Math.sqrt(v2), scores };
}
