/**
 * Score-matching objectives (002 "Score Matching", "Denoising Score Matching"; 001 §3.3 Def. 3.4, (3.38)) on WEIGHTED
 * point sets: every estimator is Σ_i w̄_i f(x_i) with w̄ = w/Σw (1/N each when no weights are given, the documents'
 * sample versions), so a quadrature rule (nodes × density weights) can stand in for sampling and give the population
 * objective exactly.
 *
 *   explicitScoreMatching   J(θ) = ½ Σ w̄_i |s_θ(x_i) − ψ(x_i)|²          002 J(θ), with ψ given (e.g. `kdeScore`: ESM)
 *   implicitScoreMatching   J̃(θ) = Σ w̄_i [½|s_θ(x_i)|² + tr ∇ₓ s_θ(x_i)]   002 J̃(θ) (Hyvärinen); 001 (3.38) corrected
 *   hutchinsonScoreMatching the same with tr ∇ₓ s replaced by Hutchinson's vᵀ(∇ₓ s)v (src/linalg/hutchinson.ts)
 *   slicedScoreMatching     Σ w̄_i mean_v [vᵀ(∇ₓ s)v + ½(vᵀs)²]  (Song et al. 2019): E_v gives J̃ for E[vvᵀ] = I
 *   denoisingScoreMatching  J_DSM(θ) = E_x E_{x̃~N(x,σ²I)} |s_θ(x̃) − (x − x̃)/σ²|²  002, as written (no ½)
 *
 * J − J̃ = ½ E|ψ|² does not depend on θ (002's integration by parts; for data N(μ, Σ) it is ½ tr Σ⁻¹), and
 * ½ J_DSM = J(θ; noised density) + const (Vincent 2011), so DSM's minimizer is the score of p ∗ N(0, σ²I).
 *
 * Errata: 001 (3.38) writes 𝔼*[‖s_θ‖² + tr(J_x s_θ)]; integrating ½ρ*‖s_θ − ∇log ρ*‖² by parts gives
 * 𝔼*[½‖s_θ‖² + tr(J_x s_θ)] (002's J̃). The as-written objective is minimized by half the score (for Gaussian data,
 * P = ½Σ⁻¹): spec/score/objectives.spec.ts. And the loss ½∫ρ*‖s_θ − ∇log ρ*‖² is ½ D_F(ρ*‖ρ_θ) with (3.35), not D_F.
 *
 * Gradients with respect to θ are written into `gradOut` when it is given (every objective; for the stochastic-trace
 * ones it is the gradient of the estimate with its probes held fixed, an unbiased estimate of ∇J̃).
 */
import { drawProbes, hutchinsonTerms, type ProbeKind } from '../linalg/hutchinson.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { checkOutBuffer, checkPoints, checkWeights } from './kde.js';
import type { ParametricScoreModel } from './model.js';

/** A weighted point set: n points of dimension d (row-major) and optional non-negative weights (normalized here). */
export interface WeightedPoints {
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly weights?: Float64Array;
}

/** A score function x ↦ ∇ log p(x) on a batch (n×d into out). */
export type ScoreFunction = (x: Float64Array, n: number, out: Float64Array) => Float64Array;

/** The normalized weights w̄ of a point set (1/n each when none are given); checks the points. */
export function normalizedWeights(name: string, points: WeightedPoints): Float64Array {
  checkPoints(name, 'points.x', points.x, points.n, points.d);
  const w = new Float64Array(points.n);
  if (points.weights === undefined) return w.fill(1 / points.n);
  const s = checkWeights(name, points.weights, points.n);
  for (let i = 0; i < points.n; i++) w[i] = points.weights[i]! / s;
  return w;
}

function checkModel(name: string, model: ParametricScoreModel, theta: Float64Array, points: WeightedPoints, gradOut?: Float64Array): void {
  if (points.d !== model.dim) throw new RangeError(`${name}: points have dimension d = ${points.d} but ${model.name} has dimension ${model.dim}`);
  if (theta.length !== model.paramDim) throw new RangeError(`${name}: theta must have length ${model.paramDim} for ${model.name}, got ${theta.length}`);
  if (gradOut !== undefined) checkOutBuffer(name, 'gradOut', gradOut, model.paramDim);
}

/** Every entry of v finite (a NaN target or probe would otherwise propagate into the objective). */
function checkFinite(name: string, what: string, v: Float64Array): void {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new RangeError(`${name}: ${what}[${i}] = ${v[i]} must be finite`);
}

/** m probe (or projection) vectors per point, n·m×d, finite. */
function checkProbeSet(name: string, what: string, v: Float64Array, n: number, m: number, d: number): void {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${name}: ${what} per point m must be a positive integer, got ${m}`);
  if (!(v instanceof Float64Array) || v.length !== n * m * d) throw new RangeError(`${name}: ${what} must hold n·m·d = ${n * m * d} values, got ${v.length}`);
  checkFinite(name, what, v);
}

/** The score s = fn(x) of a bound score function, checked for shape and finiteness. */
function evalScore(name: string, fn: ScoreFunction, x: Float64Array, n: number, d: number): Float64Array {
  const out = fn(x, n, new Float64Array(n * d));
  if (!(out instanceof Float64Array) || out.length < n * d) throw new TypeError(`${name}: a score function must return a Float64Array of n·d = ${n * d} values`);
  for (let i = 0; i < n * d; i++) if (!Number.isFinite(out[i]!)) throw new RangeError(`${name}: score[${i}] = ${out[i]} is not finite`);
  return out;
}

/**
 * Explicit score matching 002 J(θ) = ½ Σ w̄_i |s_θ(x_i) − ψ(x_i)|² against a target score ψ (n×d at the points),
 * e.g. the Parzen score `kdeScore` (ESM) or an exact score. Gradient Σ w̄_i (s − ψ)ᵀ ∂θ s into gradOut.
 */
export function explicitScoreMatching(
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  target: Float64Array,
  gradOut?: Float64Array,
): number {
  const name = 'explicitScoreMatching';
  checkModel(name, model, theta, points, gradOut);
  const w = normalizedWeights(name, points);
  const { n, d } = points;
  if (!(target instanceof Float64Array) || target.length !== n * d) throw new RangeError(`${name}: target must hold n·d = ${n * d} values, got ${target.length}`);
  checkFinite(name, 'target', target);
  const s = model.score(theta, points.x, n, new Float64Array(n * d));
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < d; j++) {
      const r = s[i * d + j]! - target[i * d + j]!;
      e += r * r;
      s[i * d + j] = w[i]! * r; // reuse as the VJP cotangent w̄_i (s − ψ)
    }
    loss += 0.5 * w[i]! * e; // 002 J(θ) = ½ E|s − ψ|²
  }
  if (gradOut !== undefined) model.scoreVjp(theta, points.x, n, s, gradOut);
  return loss;
}

/**
 * Implicit (Hyvärinen) score matching 002 J̃(θ) = Σ w̄_i Σ_k [½ s_k(x_i)² + ∂s_k/∂x_k(x_i)] with the exact trace;
 * 001 (3.38) with its ½ restored. Gradient Σ w̄_i [sᵀ∂θ s + ∂θ tr ∇s] into gradOut.
 */
export function implicitScoreMatching(model: ParametricScoreModel, theta: Float64Array, points: WeightedPoints, gradOut?: Float64Array): number {
  const name = 'implicitScoreMatching';
  checkModel(name, model, theta, points, gradOut);
  const w = normalizedWeights(name, points);
  const { n, d } = points;
  const s = model.score(theta, points.x, n, new Float64Array(n * d));
  const tr = model.divergence(theta, points.x, n, new Float64Array(n));
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let j = 0; j < d; j++) {
      q += s[i * d + j]! ** 2;
      s[i * d + j] = w[i]! * s[i * d + j]!;
    }
    loss += w[i]! * (0.5 * q + tr[i]!); // 002 J̃: ½ s_i² + ∂s_i/∂ξ_i
  }
  if (gradOut !== undefined) {
    model.scoreVjp(theta, points.x, n, s, gradOut);
    const gt = model.divergenceGrad(theta, points.x, n, w, new Float64Array(model.paramDim));
    for (let k = 0; k < model.paramDim; k++) gradOut[k] = gradOut[k]! + gt[k]!;
  }
  return loss;
}

/** An estimate with its standard error conditional on the points (the probes' randomness only). */
export interface ProbeEstimate {
  readonly estimate: number;
  /** √(Σ w̄_i² s_i²/m) with s_i the sample sd of point i's m probe terms; +∞ when m = 1 */
  readonly standardError: number;
}

/** (∇ₓ s_θ(x_i)) v for one row i: the matVec Hutchinson needs. */
function rowJacobianVector(model: ParametricScoreModel, theta: Float64Array, x: Float64Array, i: number, d: number) {
  const xi = x.subarray(i * d, (i + 1) * d);
  return (v: Float64Array, out: Float64Array): Float64Array => model.jacobianVector(theta, xi, 1, v, out);
}

function combine(w: Float64Array, means: Float64Array, vars: Float64Array, m: number, extra: Float64Array): ProbeEstimate {
  let est = 0, v = 0;
  for (let i = 0; i < w.length; i++) {
    est += w[i]! * (extra[i]! + means[i]!);
    v += w[i]! * w[i]! * vars[i]!;
  }
  return { estimate: est, standardError: m > 1 ? Math.sqrt(v / m) : Infinity };
}

function meanVar(terms: Float64Array, m: number): [number, number] {
  let mean = 0;
  for (let j = 0; j < m; j++) mean += terms[j]!;
  mean /= m;
  let ss = 0;
  for (let j = 0; j < m; j++) ss += (terms[j]! - mean) ** 2;
  return [mean, m > 1 ? ss / (m - 1) : Infinity];
}

/**
 * 002 J̃(θ) with tr ∇ₓ s(x_i) replaced by Hutchinson's (1/m) Σ_j v_jᵀ (∇ₓ s(x_i)) v_j over given probes:
 * `probes` holds m probe vectors per point (n·m×d, point i's at rows i·m … i·m + m − 1). Exact in expectation over
 * probes with E[vvᵀ] = I; with all 2^d Rademacher sign vectors (weight 1 each) it equals J̃ exactly.
 */
export function hutchinsonScoreMatchingWithProbes(
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  probes: Float64Array,
  m: number,
  gradOut?: Float64Array,
): ProbeEstimate {
  const name = 'hutchinsonScoreMatching';
  checkModel(name, model, theta, points, gradOut);
  const w = normalizedWeights(name, points);
  const { n, d, x } = points;
  checkProbeSet(name, 'probes', probes, n, m, d);
  const s = model.score(theta, x, n, new Float64Array(n * d));
  const half = new Float64Array(n), means = new Float64Array(n), vars = new Float64Array(n), terms = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let j = 0; j < d; j++) q += s[i * d + j]! ** 2;
    half[i] = 0.5 * q;
    hutchinsonTerms(probes.subarray(i * m * d, (i + 1) * m * d), m, d, rowJacobianVector(model, theta, x, i, d), terms); // 003 εᵀAε
    [means[i], vars[i]] = meanVar(terms, m);
  }
  if (gradOut !== undefined) {
    // Σ w̄_i sᵀ∂θ s + Σ_i Σ_j (w̄_i/m) ∂θ v_ijᵀ(∇ₓ s(x_i))v_ij
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) s[i * d + j] = w[i]! * s[i * d + j]!;
    model.scoreVjp(theta, x, n, s, gradOut);
    addQuadraticFormGrad(model, theta, x, n, d, probes, m, w, gradOut);
  }
  return combine(w, means, vars, m, half);
}

/** gradOut += Σ_i Σ_j (w̄_i/m) ∂θ v_ijᵀ(∇ₓ s(x_i))v_ij, the points repeated once per probe. */
function addQuadraticFormGrad(
  model: ParametricScoreModel, theta: Float64Array, x: Float64Array, n: number, d: number, probes: Float64Array, m: number,
  w: Float64Array, gradOut: Float64Array,
): void {
  const xr = new Float64Array(n * m * d), wr = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      xr.set(x.subarray(i * d, (i + 1) * d), (i * m + j) * d);
      wr[i * m + j] = w[i]! / m;
    }
  }
  const g = model.quadraticFormGrad(theta, xr, n * m, probes, wr, new Float64Array(model.paramDim));
  for (let k = 0; k < model.paramDim; k++) gradOut[k] = gradOut[k]! + g[k]!;
}

/** `hutchinsonScoreMatchingWithProbes` with m fresh probes per point drawn from rng (Rademacher by default). */
export function hutchinsonScoreMatching(
  rng: Stream,
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  options: { probes: number; kind?: ProbeKind },
  gradOut?: Float64Array,
): ProbeEstimate {
  const m = options.probes;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`hutchinsonScoreMatching: options.probes must be a positive integer, got ${m}`);
  checkModel('hutchinsonScoreMatching', model, theta, points, gradOut);
  const probes = drawProbes(rng, options.kind ?? 'rademacher', points.n * m, points.d);
  return hutchinsonScoreMatchingWithProbes(model, theta, points, probes, m, gradOut);
}

/**
 * Sliced score matching over given projections (m per point, n·m×d as for Hutchinson): Σ w̄_i (1/m) Σ_j
 * [v_jᵀ(∇ₓ s)v_j + ½(v_jᵀ s)²]. For E[vvᵀ] = I its expectation is 002 J̃ (both terms are unbiased: E(vᵀs)² = |s|²).
 */
export function slicedScoreMatchingWithProjections(
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  projections: Float64Array,
  m: number,
  gradOut?: Float64Array,
): ProbeEstimate {
  const name = 'slicedScoreMatching';
  checkModel(name, model, theta, points, gradOut);
  const w = normalizedWeights(name, points);
  const { n, d, x } = points;
  checkProbeSet(name, 'projections', projections, n, m, d);
  const s = model.score(theta, x, n, new Float64Array(n * d));
  const zero = new Float64Array(n), means = new Float64Array(n), vars = new Float64Array(n), terms = new Float64Array(m);
  const cot = gradOut === undefined ? null : new Float64Array(n * d); // Σ_j (w̄_i/m)(vᵀs) v: the cotangent of ½(vᵀs)²
  for (let i = 0; i < n; i++) {
    const v = projections.subarray(i * m * d, (i + 1) * m * d);
    hutchinsonTerms(v, m, d, rowJacobianVector(model, theta, x, i, d), terms);
    for (let j = 0; j < m; j++) {
      let vs = 0;
      for (let k = 0; k < d; k++) vs += v[j * d + k]! * s[i * d + k]!;
      terms[j] = terms[j]! + 0.5 * vs * vs; // vᵀ∇s v + ½ (vᵀs)²
      if (cot !== null) for (let k = 0; k < d; k++) cot[i * d + k] = cot[i * d + k]! + (w[i]! / m) * vs * v[j * d + k]!;
    }
    [means[i], vars[i]] = meanVar(terms, m);
  }
  if (gradOut !== undefined && cot !== null) {
    model.scoreVjp(theta, x, n, cot, gradOut);
    addQuadraticFormGrad(model, theta, x, n, d, projections, m, w, gradOut);
  }
  return combine(w, means, vars, m, zero);
}

/** `slicedScoreMatchingWithProjections` with m fresh projections per point (Gaussian by default, as Song et al.). */
export function slicedScoreMatching(
  rng: Stream,
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  options: { projections: number; kind?: ProbeKind },
  gradOut?: Float64Array,
): ProbeEstimate {
  const m = options.projections;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`slicedScoreMatching: options.projections must be a positive integer, got ${m}`);
  checkModel('slicedScoreMatching', model, theta, points, gradOut);
  const v = drawProbes(rng, options.kind ?? 'gaussian', points.n * m, points.d);
  return slicedScoreMatchingWithProjections(model, theta, points, v, m, gradOut);
}

/** Clean points paired with standard-normal noise ε (row i of `noise` corrupts row i of x), weighted per pair. */
export interface NoisyPairs extends WeightedPoints {
  readonly noise: Float64Array;
}

function checkSigma(name: string, sigma: number): void {
  if (!Number.isFinite(sigma) || !(sigma > 0)) throw new RangeError(`${name}: sigma = ${sigma} must be finite and > 0`);
}

/**
 * Denoising score matching with the Gaussian kernel (002): x̃ = x + σε, target ∇_x̃ log q_σ(x̃|x) = (x − x̃)/σ² = −ε/σ,
 *   J_DSM(θ) = Σ w̄_i |s_θ(x̃_i) − (x_i − x̃_i)/σ²|²   (as written in 002: no ½).
 * The noise is given (pairs.noise, n×d) so that quadrature over ε can stand in for sampling. Gradient
 * 2 Σ w̄_i (s − target)ᵀ ∂θ s(x̃_i) into gradOut.
 */
export function denoisingScoreMatchingWithNoise(
  model: ParametricScoreModel,
  theta: Float64Array,
  pairs: NoisyPairs,
  sigma: number,
  gradOut?: Float64Array,
): number {
  const name = 'denoisingScoreMatching';
  checkSigma(name, sigma);
  checkModel(name, model, theta, pairs, gradOut);
  const w = normalizedWeights(name, pairs);
  const { n, d } = pairs;
  checkPoints(name, 'pairs.noise', pairs.noise, n, d);
  const xt = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) xt[i] = pairs.x[i]! + sigma * pairs.noise[i]!; // 002 x̃ = x + ε, ε ~ N(0, σ²I)
  const s = model.score(theta, xt, n, new Float64Array(n * d));
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < d; j++) {
      const r = s[i * d + j]! - (pairs.x[i * d + j]! - xt[i * d + j]!) / (sigma * sigma); // 002 s(x̃) − (x − x̃)/σ²
      e += r * r;
      s[i * d + j] = 2 * w[i]! * r;
    }
    loss += w[i]! * e;
  }
  if (gradOut !== undefined) model.scoreVjp(theta, xt, n, s, gradOut);
  return loss;
}

/** 002 J_DSM with `perPoint` fresh noise draws per data point (each pair weighted w_i/perPoint). */
export function denoisingScoreMatching(
  rng: Stream,
  model: ParametricScoreModel,
  theta: Float64Array,
  points: WeightedPoints,
  sigma: number,
  options: { perPoint?: number } = {},
  gradOut?: Float64Array,
): number {
  const name = 'denoisingScoreMatching';
  checkSigma(name, sigma);
  const k = options.perPoint ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${name}: options.perPoint must be a positive integer, got ${k}`);
  checkModel(name, model, theta, points, gradOut);
  const w = normalizedWeights(name, points);
  const { n, d } = points;
  const x = new Float64Array(n * k * d), pw = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < k; r++) {
      x.set(points.x.subarray(i * d, (i + 1) * d), (i * k + r) * d);
      pw[i * k + r] = w[i]! / k;
    }
  }
  const noise = normals(rng, new Float64Array(n * k * d), 0, n * k * d);
  return denoisingScoreMatchingWithNoise(model, theta, { x, n: n * k, d, weights: pw, noise }, sigma, gradOut);
}

/**
 * The Fisher divergence 001 Def. 3.4 (3.35), D_F(ρ‖π) = ∫ ρ |∇log ρ − ∇log π|², estimated on a point set for ρ (draws
 * from ρ, or quadrature nodes with weights ρ(x)·w): Σ w̄_i |∇log ρ(x_i) − ∇log π(x_i)|² — 001 (3.37) with the 1/N its
 * sum omits (erratum: (3.37) writes Σ_{i=1}^N without 1/N; as written the estimate grows linearly in N).
 */
export function fisherDivergence(scoreRho: ScoreFunction, scorePi: ScoreFunction, points: WeightedPoints): number {
  const name = 'fisherDivergence';
  const w = normalizedWeights(name, points);
  const { n, d } = points;
  const a = evalScore(name, scoreRho, points.x, n, d), b = evalScore(name, scorePi, points.x, n, d);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < d; j++) e += (a[i * d + j]! - b[i * d + j]!) ** 2;
    s += w[i]! * e; // 001 (3.35)
  }
  return s;
}

/** A log-density function on a batch (n values into out). */
export type LogDensityFunction = (x: Float64Array, n: number, out: Float64Array) => Float64Array;

/**
 * D_KL(ρ‖π) = ∫ ρ log(ρ/π) estimated on a point set for ρ: Σ w̄_i [log ρ(x_i) − log π(x_i)] (001 (3.37), with 1/N).
 * Needs normalized log-densities, unlike D_F (001 Remark 3.1).
 */
export function klDivergence(logRho: LogDensityFunction, logPi: LogDensityFunction, points: WeightedPoints): number {
  const name = 'klDivergence';
  const w = normalizedWeights(name, points);
  const n = points.n;
  const a = logRho(points.x, n, new Float64Array(n)), b = logPi(points.x, n, new Float64Array(n));
  for (const [what, v] of [['logRho', a], ['logPi', b]] as const) {
    if (!(v instanceof Float64Array) || v.length < n) throw new TypeError(`${name}: ${what} must return a Float64Array of n = ${n} values`);
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = a[i]! - b[i]!;
    if (!Number.isFinite(t)) throw new RangeError(`${name}: log ρ − log π at point ${i} is ${t} (log ρ = ${a[i]}, log π = ${b[i]})`);
    s += w[i]! * t; // 001 (2.5)/(3.37)
  }
  return s;
}

/** The score function x ↦ s_θ(x) of a model with θ fixed (θ copied). */
export function bindScore(model: ParametricScoreModel, theta: Float64Array): ScoreFunction {
  if (theta.length !== model.paramDim) throw new RangeError(`bindScore: theta must have length ${model.paramDim} for ${model.name}, got ${theta.length}`);
  const th = Float64Array.from(theta);
  return (x, n, out) => model.score(th, x, n, out);
}
