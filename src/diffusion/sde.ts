/**
 * src/diffusion/sde — SDE view of diffusion (001 §3.3, 003 "SDE basics"): forward SDEs dx = f(x, t) dt + g(t) dw with
 * closed-form Gaussian marginals (VP and VE, Song et al. 2021 "Score-based generative modeling through SDEs" eqs.
 * (9)-(11) and (29)-(33)), the reverse SDE of 001 Lemma 3.2 (3.40) dX_s = [f − g² ∇ log ρ] ds + g dW_s (s from T to 0)
 * by Euler–Maruyama (003 "Discretization of SDE"), and the naive score diffusion of 001 Prop. 3.3 with its KL decay
 * (3.34) on Gaussians in closed form.
 *
 * Erratum (001 (3.31), (3.34)): with μ = ε s_* and σ = √(2ε) the Fokker–Planck equation (3.25) gives
 * ∂_t ρ = ε ∇·[ρ ∇ log(ρ/ρ_*)], so dD_KL(ρ‖ρ_*)/dt = −ε ∫ ρ |∇ log R|² dx; 001 drops the factor ε in both.
 * `klDecayRate` implements the correct form.
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import type { Diffusion, Drift, ScoreModel } from './types.js';
import { checkBuffer, checkShape } from './schedules.js';
import { checkFiniteState } from './finite.js';

/** A forward SDE on t ∈ [0, T] whose transition from 0 is Gaussian: x_t | x_0 ~ N(meanScale(t) x_0, variance(t) I). */
export interface ForwardSde {
  readonly kind: 'vp' | 've';
  readonly T: number;
  readonly drift: Drift;
  readonly diffusion: Diffusion;
  meanScale(t: number): number;
  variance(t: number): number;
}

function checkTime(name: string, sde: { T: number }, t: number): void {
  if (!(t >= 0 && t <= sde.T)) throw new RangeError(`${name}: t = ${t} must be in [0, ${sde.T}]`);
}

/**
 * VP SDE: dx = −½ β(t) x dt + √β(t) dw, β(t) = β_min + t (β_max − β_min) on [0, 1] (the continuous DDPM);
 * meanScale = exp(−½ ∫₀ᵗ β), variance = 1 − exp(−∫₀ᵗ β).
 */
export function vpSde(opts: { betaMin?: number; betaMax?: number } = {}): ForwardSde {
  const bmin = opts.betaMin ?? 0.1;
  const bmax = opts.betaMax ?? 20;
  if (!(bmin > 0 && Number.isFinite(bmin))) throw new RangeError(`vpSde: betaMin = ${bmin} must be finite and > 0`);
  if (!(bmax >= bmin && Number.isFinite(bmax))) throw new RangeError(`vpSde: betaMax = ${bmax} must be finite and ≥ betaMin = ${bmin}`);
  const beta = (t: number) => bmin + t * (bmax - bmin);
  const integral = (t: number) => bmin * t + 0.5 * (bmax - bmin) * t * t;
  const sde: ForwardSde = {
    kind: 'vp',
    T: 1,
    drift: (x, _n, t, out) => {
      checkTime('vpSde.drift', sde, t);
      const k = -0.5 * beta(t);
      for (let i = 0; i < x.length && i < out.length; i++) out[i] = k * x[i]!; // f(x, t) = −½ β(t) x
      return out;
    },
    diffusion: (t) => {
      checkTime('vpSde.diffusion', sde, t);
      return Math.sqrt(beta(t));
    },
    meanScale: (t) => {
      checkTime('vpSde.meanScale', sde, t);
      return Math.exp(-0.5 * integral(t));
    },
    variance: (t) => {
      checkTime('vpSde.variance', sde, t);
      return -Math.expm1(-integral(t));
    },
  };
  return sde;
}

/**
 * VE SDE: dx = g(t) dw with σ(t) = σ_min (σ_max/σ_min)^t, g(t) = σ(t) √(2 ln(σ_max/σ_min)) on [0, 1] (the continuous
 * NCSN); meanScale = 1, variance = σ(t)² − σ_min² (= ∫₀ᵗ g²).
 */
export function veSde(opts: { sigmaMin?: number; sigmaMax?: number } = {}): ForwardSde {
  const smin = opts.sigmaMin ?? 0.01;
  const smax = opts.sigmaMax ?? 50;
  if (!(smin > 0 && Number.isFinite(smin))) throw new RangeError(`veSde: sigmaMin = ${smin} must be finite and > 0`);
  if (!(smax > smin && Number.isFinite(smax))) throw new RangeError(`veSde: sigmaMax = ${smax} must be finite and > sigmaMin = ${smin}`);
  const logRatio = Math.log(smax / smin);
  const sigma = (t: number) => smin * Math.exp(t * logRatio);
  const sde: ForwardSde = {
    kind: 've',
    T: 1,
    drift: (x, _n, t, out) => {
      checkTime('veSde.drift', sde, t);
      for (let i = 0; i < x.length && i < out.length; i++) out[i] = 0;
      return out;
    },
    diffusion: (t) => {
      checkTime('veSde.diffusion', sde, t);
      return sigma(t) * Math.sqrt(2 * logRatio);
    },
    meanScale: (t) => {
      checkTime('veSde.meanScale', sde, t);
      return 1;
    },
    variance: (t) => {
      checkTime('veSde.variance', sde, t);
      return sigma(t) ** 2 - smin * smin;
    },
  };
  return sde;
}

/** Forward Euler–Maruyama step (003): x(t + dt) = x + f(x, t) dt + g(t) √dt ξ, noise injected; out may not alias x. */
export function forwardSdeStepWith(
  sde: Pick<ForwardSde, 'drift' | 'diffusion'>,
  t: number,
  dt: number,
  x: Float64Array,
  n: number,
  d: number,
  noise: Float64Array,
  out: Float64Array,
): Float64Array {
  checkShape('forwardSdeStep', n, d);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`forwardSdeStep: dt = ${dt} must be finite and > 0`);
  const len = n * d;
  checkBuffer('forwardSdeStep', 'x', x, len);
  checkBuffer('forwardSdeStep', 'noise', noise, len);
  checkBuffer('forwardSdeStep', 'out', out, len);
  sde.drift(x, n, t, out);
  const g = sde.diffusion(t) * Math.sqrt(dt);
  for (let i = 0; i < len; i++) out[i] = x[i]! + out[i]! * dt + g * noise[i]!; // 003 Euler–Maruyama
  checkFiniteState('forwardSdeStep', `x(t + dt) at t = ${t}`, out, len);
  return out;
}

/**
 * A reverse-SDE stepper (001 Lemma 3.2 (3.40)) for a score model s(x, t) ≈ ∇ log ρ(x, t): step(t, dt, x, noise, out)
 * writes x(t − dt) = x − [f(x, t) − g(t)² s(x, t)] dt + g(t) √dt ξ (ds = −dt < 0). Scratch made once; out may not
 * alias x.
 */
export function reverseSdeStepper(
  sde: Pick<ForwardSde, 'drift' | 'diffusion'>,
  score: ScoreModel,
  n: number,
  d: number,
): (t: number, dt: number, x: Float64Array, noise: Float64Array, out: Float64Array) => Float64Array {
  checkShape('reverseSdeStep', n, d);
  const len = n * d;
  const s = new Float64Array(len);
  return (t, dt, x, noise, out) => {
    if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`reverseSdeStep: dt = ${dt} must be finite and > 0`);
    checkBuffer('reverseSdeStep', 'x', x, len);
    checkBuffer('reverseSdeStep', 'noise', noise, len);
    checkBuffer('reverseSdeStep', 'out', out, len);
    if (out === x) throw new RangeError('reverseSdeStep: out must not alias x');
    sde.drift(x, n, t, out);
    score(x, n, t, s);
    const g = sde.diffusion(t);
    const g2 = g * g;
    const noiseScale = g * Math.sqrt(dt);
    for (let i = 0; i < len; i++) out[i] = x[i]! - (out[i]! - g2 * s[i]!) * dt + noiseScale * noise[i]!; // 001 (3.40)
    checkFiniteState('reverseSdeStep', `x(t − dt) at t = ${t}`, out, len);
    return out;
  };
}

/**
 * Samples the reverse SDE (001 Def. 3.5): from x_T (given, or the prior N(0, variance(T) I)) over `steps` equal steps
 * down to tEnd ∈ [0, T); returns x(tEnd) (n×d, a new array).
 */
export function reverseSdeSample(
  rng: Stream,
  sde: ForwardSde,
  score: ScoreModel,
  n: number,
  d: number,
  opts: { steps: number; tEnd?: number; xT?: Float64Array },
): Float64Array {
  checkShape('reverseSdeSample', n, d);
  const { steps } = opts;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`reverseSdeSample: steps = ${steps} must be an integer ≥ 1`);
  const tEnd = opts.tEnd ?? 0;
  if (!(tEnd >= 0 && tEnd < sde.T)) throw new RangeError(`reverseSdeSample: tEnd = ${tEnd} must be in [0, ${sde.T})`);
  const len = n * d;
  let x = new Float64Array(len);
  if (opts.xT !== undefined) {
    checkBuffer('reverseSdeSample', 'xT', opts.xT, len);
    x.set(opts.xT.subarray(0, len));
  } else {
    normals(rng, x, 0, len);
    const sd = Math.sqrt(sde.variance(sde.T));
    for (let i = 0; i < len; i++) x[i] = sd * x[i]!;
  }
  let y = new Float64Array(len);
  const noise = new Float64Array(len);
  const step = reverseSdeStepper(sde, score, n, d);
  const dt = (sde.T - tEnd) / steps;
  for (let k = 0; k < steps; k++) {
    const t = sde.T - k * dt;
    normals(rng, noise, 0, len);
    step(t, dt, x, noise, y);
    const tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}

/** A time-independent score s(x) (writes n×d). */
export type StaticScore = (x: Float64Array, n: number, out: Float64Array) => Float64Array;

/**
 * 001 Prop. 3.3 naive score diffusion dX = ε s_*(X) dt + √(2ε) dW, one Euler–Maruyama step of size h with the noise
 * injected: x' = x + ε h s_*(x) + √(2εh) ξ. out may not alias x.
 */
export function naiveScoreDiffusionStepWith(
  score: StaticScore,
  epsilon: number,
  h: number,
  x: Float64Array,
  n: number,
  d: number,
  noise: Float64Array,
  out: Float64Array,
): Float64Array {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`naiveScoreDiffusionStep: epsilon = ${epsilon} must be finite and > 0`);
  if (!(h > 0 && Number.isFinite(h))) throw new RangeError(`naiveScoreDiffusionStep: h = ${h} must be finite and > 0`);
  checkShape('naiveScoreDiffusionStep', n, d);
  const len = n * d;
  checkBuffer('naiveScoreDiffusionStep', 'x', x, len);
  checkBuffer('naiveScoreDiffusionStep', 'noise', noise, len);
  checkBuffer('naiveScoreDiffusionStep', 'out', out, len);
  if (out === x) throw new RangeError('naiveScoreDiffusionStep: out must not alias x');
  score(x, n, out);
  const k = Math.sqrt(2 * epsilon * h);
  for (let i = 0; i < len; i++) out[i] = x[i]! + epsilon * h * out[i]! + k * noise[i]!; // 001 Prop. 3.3, μ = ε s_*, σ = √(2ε)
  checkFiniteState('naiveScoreDiffusionStep', 'the new state', out, len);
  return out;
}

/** A diagonal Gaussian N(mean, diag(variance)) (per-coordinate arrays of length d). */
export interface DiagonalGaussian {
  mean: Float64Array;
  variance: Float64Array;
}

function checkGaussians(name: string, p: DiagonalGaussian, q: DiagonalGaussian): number {
  const d = p.mean.length;
  if (p.variance.length !== d || q.mean.length !== d || q.variance.length !== d) {
    throw new RangeError(`${name}: means and variances must all have length d = ${d}`);
  }
  for (let j = 0; j < d; j++) {
    if (!(p.variance[j]! > 0) || !(q.variance[j]! > 0)) throw new RangeError(`${name}: variance[${j}] must be > 0`);
  }
  return d;
}

/**
 * The exact law at time t of 001 Prop. 3.3 for Gaussian ρ_* = N(m_*, v_*) from ρ_0 = N(m_0, v_0) (an OU process,
 * drift −ε (x − m_*)/v_*): m_t = m_* + (m_0 − m_*) e^{−εt/v_*}, v_t = v_* + (v_0 − v_*) e^{−2εt/v_*}.
 */
export function naiveScoreDiffusionGaussianLaw(epsilon: number, target: DiagonalGaussian, initial: DiagonalGaussian, t: number): DiagonalGaussian {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`naiveScoreDiffusionGaussianLaw: epsilon = ${epsilon} must be finite and > 0`);
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`naiveScoreDiffusionGaussianLaw: t = ${t} must be finite and ≥ 0`);
  const d = checkGaussians('naiveScoreDiffusionGaussianLaw', initial, target);
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const vs = target.variance[j]!;
    mean[j] = target.mean[j]! + (initial.mean[j]! - target.mean[j]!) * Math.exp((-epsilon * t) / vs);
    variance[j] = vs + (initial.variance[j]! - vs) * Math.exp((-2 * epsilon * t) / vs);
  }
  return { mean, variance };
}

/** D_KL(p ‖ q) for diagonal Gaussians: Σ_j ½[v_p/v_q + (m_p − m_q)²/v_q − 1 − ln(v_p/v_q)]. */
export function gaussianKl(p: DiagonalGaussian, q: DiagonalGaussian): number {
  const d = checkGaussians('gaussianKl', p, q);
  let s = 0;
  for (let j = 0; j < d; j++) {
    const r = p.variance[j]! / q.variance[j]!;
    const dm = p.mean[j]! - q.mean[j]!;
    s += 0.5 * (r + (dm * dm) / q.variance[j]! - 1 - Math.log(r));
  }
  return s;
}

/**
 * The relative Fisher information ∫ ρ |∇ log(ρ/ρ_*)|² dx (001 (3.34)'s integrand, = D_F of (3.35)) for diagonal
 * Gaussians: Σ_j v (1/v_* − 1/v)² + (m − m_*)²/v_*².
 */
export function gaussianRelativeFisher(p: DiagonalGaussian, target: DiagonalGaussian): number {
  const d = checkGaussians('gaussianRelativeFisher', p, target);
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = p.variance[j]!;
    const vs = target.variance[j]!;
    const k = 1 / vs - 1 / v;
    const dm = p.mean[j]! - target.mean[j]!;
    s += v * k * k + (dm * dm) / (vs * vs);
  }
  return s;
}

/** dD_KL(ρ_t ‖ ρ_*)/dt = −ε ∫ ρ |∇ log(ρ/ρ_*)|² dx (001 (3.34) with the factor ε it omits) for Gaussian ρ_t. */
export function klDecayRate(epsilon: number, p: DiagonalGaussian, target: DiagonalGaussian): number {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`klDecayRate: epsilon = ${epsilon} must be finite and > 0`);
  return -epsilon * gaussianRelativeFisher(p, target); // 001 (3.34), corrected
}

/** 001 (3.34) exactly as written (no factor ε): −∫ ρ |∇ log R|². Kept to show the erratum; correct only at ε = 1. */
export function klDecayRateAsWritten(p: DiagonalGaussian, target: DiagonalGaussian): number {
  return -gaussianRelativeFisher(p, target);
}
