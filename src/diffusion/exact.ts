/**
 * src/diffusion/exact — network-free oracle models for the diffusion module: Gaussian and Gaussian-mixture data pushed
 * through an affine noising Y = a·X + c·Z (Z ~ N(0, I) independent of X), which covers every forward process here:
 * DDPM q(x_t | x_0) (003 Training step 3: a = √ᾱ_t, c = √(1 − ᾱ_t)), NCSN/VE perturbations (a = 1, c = σ), the VP SDE
 * (a = e^{−½∫β}, c² = 1 − a²) and stochastic interpolants with a Gaussian base (001 Def. 3.6: a = β(t),
 * c² = α(t)² + γ(t)²). Components have diagonal covariances, so under noising component k stays N(a μ_k, a² s_k² + c²)
 * and the score, posterior mean E[X | Y], exact ε-predictor and class posteriors are closed forms. Also: affine
 * ("linear/quadratic energy") score and ε models.
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { uniform } from '../rng/uniform.js';
import type { ClassifierGradient, ConditionalEpsilonModel, EpsilonModel, ScoreModel, VelocityModel, X0Model } from './types.js';
import { checkBuffer, checkShape, checkStep, type DdpmSchedule } from './schedules.js';

/** A mixture Σ_k w_k N(μ_k, diag(s_k²)) in d dimensions (K = 1: a Gaussian). means and variances are K×d row-major. */
export interface GaussianMixtureData {
  readonly d: number;
  readonly K: number;
  readonly weights: Float64Array;
  readonly means: Float64Array;
  readonly variances: Float64Array;
}

/** Validates and copies a mixture: weights > 0 summing to 1 (to 1e-12), finite means, variances > 0. */
export function gaussianMixtureData(spec: {
  weights: ArrayLike<number>;
  means: ArrayLike<number>;
  variances: ArrayLike<number>;
  d: number;
}): GaussianMixtureData {
  const { d } = spec;
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`gaussianMixtureData: d = ${d} must be a positive integer`);
  const K = spec.weights.length;
  if (K < 1) throw new RangeError('gaussianMixtureData: weights must hold at least one component');
  if (spec.means.length !== K * d) throw new RangeError(`gaussianMixtureData: means must hold K·d = ${K * d} values, got ${spec.means.length}`);
  if (spec.variances.length !== K * d) {
    throw new RangeError(`gaussianMixtureData: variances must hold K·d = ${K * d} values, got ${spec.variances.length}`);
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const w = spec.weights[k]!;
    if (!(w > 0 && w <= 1)) throw new RangeError(`gaussianMixtureData: weights[${k}] = ${w} must be in (0, 1]`);
    sum += w;
  }
  if (Math.abs(sum - 1) > 1e-12) throw new RangeError(`gaussianMixtureData: weights must sum to 1, got ${sum}`);
  for (let i = 0; i < K * d; i++) {
    if (!Number.isFinite(spec.means[i]!)) throw new RangeError(`gaussianMixtureData: means[${i}] = ${spec.means[i]} must be finite`);
    const v = spec.variances[i]!;
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`gaussianMixtureData: variances[${i}] = ${v} must be finite and > 0`);
  }
  return {
    d,
    K,
    weights: Float64Array.from(spec.weights),
    means: Float64Array.from(spec.means),
    variances: Float64Array.from(spec.variances),
  };
}

/** A single Gaussian N(mean, diag(variance)) as a one-component mixture. */
export function gaussianData(mean: ArrayLike<number>, variance: ArrayLike<number>): GaussianMixtureData {
  return gaussianMixtureData({ weights: [1], means: mean, variances: variance, d: mean.length });
}

function checkAffine(name: string, a: number, c: number): void {
  if (!Number.isFinite(a) || a < 0) throw new RangeError(`${name}: a = ${a} must be finite and ≥ 0`);
  if (!Number.isFinite(c) || c < 0) throw new RangeError(`${name}: c = ${c} must be finite and ≥ 0`);
}

/** The law of Y = a X + c Z for mixture data X: score, log-density, posterior mean, class posterior. */
export interface NoisedMixture {
  /** ∇_y log p_Y(y) for a batch; writes n×d. */
  score(y: Float64Array, n: number, out: Float64Array): Float64Array;
  /** log p_Y(y) per row; writes n. */
  logDensity(y: Float64Array, n: number, out: Float64Array): Float64Array;
  /** E[X | Y = y] (the exact x₀-predictor / denoiser); writes n×d. */
  posteriorMean(y: Float64Array, n: number, out: Float64Array): Float64Array;
  /** p(k | y) for every component; writes n×K. */
  classPosterior(y: Float64Array, n: number, out: Float64Array): Float64Array;
  /** ∇_y log p(k | y) for one component k (an exact noisy classifier's gradient); writes n×d. */
  classLogPosteriorGradient(y: Float64Array, n: number, k: number, out: Float64Array): Float64Array;
}

/**
 * The exact law of a X + c Z for mixture data (c > 0, or c = 0 with a > 0): per component N(a μ_k, a² s_k² + c²),
 * responsibilities r_k(y) ∝ w_k N_k(y), score Σ_k r_k · (−(y − a μ_k)/v_k), posterior mean
 * Σ_k r_k (μ_k + a s_k²/v_k · (y − a μ_k)). Scratch space is made once here.
 */
export function noisedMixture(data: GaussianMixtureData, a: number, c: number): NoisedMixture {
  checkAffine('noisedMixture', a, c);
  if (!(c > 0) && !(a > 0)) throw new RangeError('noisedMixture: a and c must not both be 0');
  const { d, K, means, variances } = data;
  // Per component and coordinate: mean a μ_kj, precision 1/v_kj; per component log w_k − ½ Σ_j log(2π v_kj).
  const mean = new Float64Array(K * d);
  const prec = new Float64Array(K * d);
  const logNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let ln = Math.log(data.weights[k]!);
    for (let j = 0; j < d; j++) {
      const v = a * a * variances[k * d + j]! + c * c;
      mean[k * d + j] = a * means[k * d + j]!;
      prec[k * d + j] = 1 / v;
      ln -= 0.5 * Math.log(2 * Math.PI * v);
    }
    logNorm[k] = ln;
  }
  const logp = new Float64Array(K);
  /** log(w_k N_k(y_i)) into logp; returns log p(y_i). */
  const componentLogs = (y: Float64Array, i: number): number => {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let j = 0; j < d; j++) {
        const r = y[i * d + j]! - mean[k * d + j]!;
        q += r * r * prec[k * d + j]!;
      }
      const l = logNorm[k]! - 0.5 * q;
      logp[k] = l;
      if (l > max) max = l;
    }
    if (K === 1) return max;
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(logp[k]! - max);
    return max + Math.log(z);
  };
  /** responsibilities r_k(y_i) into logp */
  const resp = (y: Float64Array, i: number): void => {
    if (K === 1) {
      logp[0] = 1;
      return;
    }
    const lz = componentLogs(y, i);
    for (let k = 0; k < K; k++) logp[k] = Math.exp(logp[k]! - lz);
  };
  const check = (name: string, y: Float64Array, n: number, out: Float64Array, per: number): void => {
    checkShape(name, n, d);
    checkBuffer(name, 'y', y, n * d);
    checkBuffer(name, 'out', out, n * per);
  };
  return {
    score(y, n, out) {
      check('noisedMixture.score', y, n, out, d);
      for (let i = 0; i < n; i++) {
        resp(y, i);
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s -= logp[k]! * (y[i * d + j]! - mean[k * d + j]!) * prec[k * d + j]!;
          out[i * d + j] = s;
        }
      }
      return out;
    },
    logDensity(y, n, out) {
      check('noisedMixture.logDensity', y, n, out, 1);
      for (let i = 0; i < n; i++) out[i] = componentLogs(y, i);
      return out;
    },
    posteriorMean(y, n, out) {
      check('noisedMixture.posteriorMean', y, n, out, d);
      for (let i = 0; i < n; i++) {
        resp(y, i);
        for (let j = 0; j < d; j++) {
          let m = 0;
          for (let k = 0; k < K; k++) {
            const s2 = variances[k * d + j]!;
            m += logp[k]! * (means[k * d + j]! + a * s2 * prec[k * d + j]! * (y[i * d + j]! - mean[k * d + j]!));
          }
          out[i * d + j] = m;
        }
      }
      return out;
    },
    classPosterior(y, n, out) {
      check('noisedMixture.classPosterior', y, n, out, K);
      for (let i = 0; i < n; i++) {
        resp(y, i);
        for (let k = 0; k < K; k++) out[i * K + k] = logp[k]!;
      }
      return out;
    },
    classLogPosteriorGradient(y, n, k, out) {
      if (!Number.isInteger(k) || k < 0 || k >= K) throw new RangeError(`noisedMixture.classLogPosteriorGradient: k = ${k} must be an integer in 0..${K - 1}`);
      check('noisedMixture.classLogPosteriorGradient', y, n, out, d);
      // ∇ log p(k|y) = ∇ log N_k(y) − ∇ log p(y)
      for (let i = 0; i < n; i++) {
        resp(y, i);
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let l = 0; l < K; l++) s -= logp[l]! * (y[i * d + j]! - mean[l * d + j]!) * prec[l * d + j]!;
          out[i * d + j] = -(y[i * d + j]! - mean[k * d + j]!) * prec[k * d + j]! - s;
        }
      }
      return out;
    },
  };
}

/** One component of a mixture as its own (Gaussian) data law. */
export function mixtureComponent(data: GaussianMixtureData, k: number): GaussianMixtureData {
  if (!Number.isInteger(k) || k < 0 || k >= data.K) throw new RangeError(`mixtureComponent: k = ${k} must be an integer in 0..${data.K - 1}`);
  const { d } = data;
  return gaussianMixtureData({
    weights: [1],
    means: data.means.subarray(k * d, (k + 1) * d),
    variances: data.variances.subarray(k * d, (k + 1) * d),
    d,
  });
}

/** n iid draws of the mixture into out (n×d): a component by its weight, then N(μ_k, diag s_k²). */
export function sampleMixture(rng: Stream, data: GaussianMixtureData, n: number, out: Float64Array = new Float64Array(n * data.d)): Float64Array {
  const { d, K, weights, means, variances } = data;
  checkShape('sampleMixture', n, d);
  checkBuffer('sampleMixture', 'out', out, n * d);
  normals(rng, out, 0, n * d);
  for (let i = 0; i < n; i++) {
    const u = uniform(rng);
    let k = 0;
    let acc = weights[0]!;
    while (u >= acc && k < K - 1) acc += weights[++k]!;
    for (let j = 0; j < d; j++) out[i * d + j] = means[k * d + j]! + Math.sqrt(variances[k * d + j]!) * out[i * d + j]!;
  }
  return out;
}

/** The exact ε-predictor of DDPM: ε̂(x_t, t) = E[ε | x_t] = −√(1 − ᾱ_t) ∇ log q(x_t) (003: s = −ε/√(1 − ᾱ_t)). */
export function exactEpsilonModel(data: GaussianMixtureData, schedule: DdpmSchedule): EpsilonModel {
  const laws = stepLaws(data, schedule);
  return (x, n, t, out) => {
    checkStep('exactEpsilonModel', schedule, t);
    const c = Math.sqrt(1 - schedule.alphaBar[t]!);
    laws[t]!.score(x, n, out);
    for (let i = 0; i < n * data.d; i++) out[i] = -c * out[i]!;
    return out;
  };
}

/** The exact x₀-predictor of DDPM: x̂₀(x_t, t) = E[x₀ | x_t]. */
export function exactX0Model(data: GaussianMixtureData, schedule: DdpmSchedule): X0Model {
  const laws = stepLaws(data, schedule);
  return (x, n, t, out) => {
    checkStep('exactX0Model', schedule, t);
    return laws[t]!.posteriorMean(x, n, out);
  };
}

/** The exact score of q(x_t) at an integer DDPM step t (level = t): ∇ log q(x_t). */
export function exactStepScoreModel(data: GaussianMixtureData, schedule: DdpmSchedule): ScoreModel {
  const laws = stepLaws(data, schedule);
  return (x, n, t, out) => {
    checkStep('exactStepScoreModel', schedule, t);
    return laws[t]!.score(x, n, out);
  };
}

function stepLaws(data: GaussianMixtureData, schedule: DdpmSchedule): NoisedMixture[] {
  const laws: NoisedMixture[] = [];
  for (let t = 0; t <= schedule.T; t++) {
    const ab = schedule.alphaBar[t]!;
    laws.push(noisedMixture(data, Math.sqrt(ab), Math.sqrt(1 - ab)));
  }
  return laws;
}

/** The exact noise-conditional score of NCSN / the VE perturbation: s(x, σ) = ∇ log (p_data ∗ N(0, σ² I))(x), σ > 0. */
export function exactNoisedScoreModel(data: GaussianMixtureData): ScoreModel {
  let cached = -1;
  let law: NoisedMixture | null = null;
  return (x, n, sigma, out) => {
    if (!(sigma > 0 && Number.isFinite(sigma))) throw new RangeError(`exactNoisedScoreModel: sigma = ${sigma} must be finite and > 0`);
    if (sigma !== cached || law === null) {
      law = noisedMixture(data, 1, sigma);
      cached = sigma;
    }
    return law.score(x, n, out);
  };
}

/**
 * Exact class-conditional ε-predictor of mixture data where the class y is the component (y = null: the unconditional
 * ε): ε̂(x_t, t, y) = −√(1 − ᾱ_t) ∇ log q(x_t | y).
 */
export function exactConditionalEpsilonModel(data: GaussianMixtureData, schedule: DdpmSchedule): ConditionalEpsilonModel {
  const uncond = exactEpsilonModel(data, schedule);
  const comps: EpsilonModel[] = [];
  for (let k = 0; k < data.K; k++) comps.push(exactEpsilonModel(mixtureComponent(data, k), schedule));
  return (x, n, t, y, out) => {
    if (y === null) return uncond(x, n, t, out);
    if (!Number.isInteger(y) || y < 0 || y >= data.K) {
      throw new RangeError(`exactConditionalEpsilonModel: y = ${y} must be null or an integer in 0..${data.K - 1}`);
    }
    return comps[y]!(x, n, t, out);
  };
}

/** The exact gradient ∇ log p(y | x_t) of the Bayes classifier on noisy samples (class = mixture component). */
export function exactClassifierGradient(data: GaussianMixtureData, schedule: DdpmSchedule): ClassifierGradient {
  const laws = stepLaws(data, schedule);
  return (x, n, t, y, out) => {
    checkStep('exactClassifierGradient', schedule, t);
    return laws[t]!.classLogPosteriorGradient(x, n, y, out);
  };
}

/** Affine map x ↦ A(level) x + b(level) with A d×d row-major: the score of a quadratic energy, or an affine ε model. */
export interface AffineCoefficients {
  A: Float64Array;
  b: Float64Array;
}

/** A model out = A(level)·x + b(level) per row (covers linear score/ε/velocity models; the three types coincide). */
export function affineModel(d: number, coefficients: (level: number) => AffineCoefficients): ScoreModel {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`affineModel: d = ${d} must be a positive integer`);
  return (x, n, level, out) => {
    checkShape('affineModel', n, d);
    checkBuffer('affineModel', 'x', x, n * d);
    checkBuffer('affineModel', 'out', out, n * d);
    if (out === x) throw new RangeError('affineModel: out must not alias x');
    const { A, b } = coefficients(level);
    checkBuffer('affineModel', 'A', A, d * d);
    checkBuffer('affineModel', 'b', b, d);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < d; r++) {
        let s = b[r]!;
        for (let q = 0; q < d; q++) s += A[r * d + q]! * x[i * d + q]!;
        out[i * d + r] = s;
      }
    }
    return out;
  };
}

/** The exact score ∇ log ρ(x, t) of mixture data under a forward SDE with Gaussian transitions (level = t). */
export function exactSdeScoreModel(
  data: GaussianMixtureData,
  sde: { meanScale(t: number): number; variance(t: number): number },
): ScoreModel {
  let cached = Number.NaN;
  let law: NoisedMixture | null = null;
  return (x, n, t, out) => {
    if (t !== cached || law === null) {
      law = noisedMixture(data, sde.meanScale(t), Math.sqrt(sde.variance(t)));
      cached = t;
    }
    return law.score(x, n, out);
  };
}

/**
 * Exact b and s of a stochastic interpolant X_t = α x₀ + β x₁ + γ z (001 Def. 3.6) with base x₀ ~ N(0, I) and mixture
 * data x₁: X_t is the mixture noised with a = β, c² = α² + γ²; s = ∇ log ρ(x, t) and, by (3.46) and Tweedie,
 * b(x, t) = β̇ E[x₁ | X_t = x] − (α̇ α + γ γ̇) s(x, t).
 */
export function exactInterpolantModels(
  data: GaussianMixtureData,
  interp: {
    alpha(t: number): number;
    alphaDot(t: number): number;
    beta(t: number): number;
    betaDot(t: number): number;
    gamma(t: number): number;
    gammaGammaDot(t: number): number;
  },
): { velocity: VelocityModel; score: ScoreModel } {
  let cached = Number.NaN;
  let law: NoisedMixture | null = null;
  const lawAt = (t: number): NoisedMixture => {
    if (!(t >= 0 && t <= 1)) throw new RangeError(`exactInterpolantModels: t = ${t} must be in [0, 1]`);
    if (t !== cached || law === null) {
      const al = interp.alpha(t);
      const g = interp.gamma(t);
      law = noisedMixture(data, interp.beta(t), Math.sqrt(al * al + g * g));
      cached = t;
    }
    return law;
  };
  let scratch = new Float64Array(0);
  return {
    score: (x, n, t, out) => lawAt(t).score(x, n, out),
    velocity: (x, n, t, out) => {
      const l = lawAt(t);
      const len = n * data.d;
      if (scratch.length < len) scratch = new Float64Array(len);
      l.posteriorMean(x, n, out);
      l.score(x, n, scratch);
      const bd = interp.betaDot(t);
      const k = interp.alphaDot(t) * interp.alpha(t) + interp.gammaGammaDot(t);
      for (let i = 0; i < len; i++) out[i] = bd * out[i]! - k * scratch[i]!; // 001 (3.46) + Tweedie
      return out;
    },
  };
}
