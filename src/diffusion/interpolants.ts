/**
 * src/diffusion/interpolants — stochastic interpolants (001 §3.3 "Stochastic Interpolants": Def. 3.6 (3.42)-(3.44),
 * Prop. 3.4 (3.45)-(3.46), Lemmas 3.3-3.4, Prop. 3.5 losses (3.52)-(3.53)).
 *
 * X_t = I(t, X_0, X_1) + γ(t) z, t ∈ [0, 1], here with I linear in the endpoints, I = α(t) X_0 + β(t) X_1
 * (α(0) = β(1) = 1, α(1) = β(0) = 0, so (3.43) holds), γ(0) = γ(1) = 0, γ > 0 inside. The linear interpolant
 * satisfies (3.44) with C₁ = 1 (∂_t I = X_1 − X_0); the trigonometric one does not (∂_t I ≠ 0 at X_0 = X_1 ≠ 0) but
 * is kept as the common example of the literature: nothing tested here (transport equation, loss minimisers,
 * generative models) uses (3.44).
 * The generative models run from X_0 ~ ρ̄ to X_1 ~ ρ_*: the ODE Ẋ = b(X, t) (Lemma 3.3) and the SDE
 * dX = (b + ε s) dt + √(2ε) dW (Lemma 3.4), both by Euler / Euler–Maruyama (003 "Euler update step").
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { uniform } from '../rng/uniform.js';
import type { ScoreModel, VelocityModel } from './types.js';
import { checkBuffer, checkShape } from './schedules.js';
import { checkFiniteState } from './finite.js';

/** I(t, x₀, x₁) = α(t) x₀ + β(t) x₁ and the noise scale γ(t), with their time derivatives. */
export interface StochasticInterpolant {
  readonly name: string;
  alpha(t: number): number;
  alphaDot(t: number): number;
  beta(t: number): number;
  betaDot(t: number): number;
  gamma(t: number): number;
  gammaDot(t: number): number;
  /** γ(t) γ̇(t), finite at the endpoints where γ̇ alone may not be */
  gammaGammaDot(t: number): number;
}

function checkGammaScale(name: string, a: number): void {
  if (!(a >= 0 && Number.isFinite(a))) throw new RangeError(`${name}: gammaScale = ${a} must be finite and ≥ 0`);
}

/** Linear interpolant: α = 1 − t, β = t, γ = √(a t (1 − t)) (Albergo & Vanden-Eijnden 2023 use a = 2). */
export function linearInterpolant(opts: { gammaScale?: number } = {}): StochasticInterpolant {
  const a = opts.gammaScale ?? 2;
  checkGammaScale('linearInterpolant', a);
  return {
    name: 'linear',
    alpha: (t) => 1 - t,
    alphaDot: () => -1,
    beta: (t) => t,
    betaDot: () => 1,
    gamma: (t) => Math.sqrt(a * t * (1 - t)),
    gammaDot: (t) => (a === 0 ? 0 : (a * (1 - 2 * t)) / (2 * Math.sqrt(a * t * (1 - t)))),
    gammaGammaDot: (t) => (a * (1 - 2 * t)) / 2,
  };
}

/** Trigonometric interpolant: α = cos(πt/2), β = sin(πt/2), γ = √(a t (1 − t)). */
export function trigonometricInterpolant(opts: { gammaScale?: number } = {}): StochasticInterpolant {
  const a = opts.gammaScale ?? 2;
  checkGammaScale('trigonometricInterpolant', a);
  const h = Math.PI / 2;
  return {
    name: 'trigonometric',
    alpha: (t) => (t === 1 ? 0 : Math.cos(h * t)),
    alphaDot: (t) => -h * Math.sin(h * t),
    beta: (t) => Math.sin(h * t),
    betaDot: (t) => h * Math.cos(h * t),
    gamma: (t) => Math.sqrt(a * t * (1 - t)),
    gammaDot: (t) => (a === 0 ? 0 : (a * (1 - 2 * t)) / (2 * Math.sqrt(a * t * (1 - t)))),
    gammaGammaDot: (t) => (a * (1 - 2 * t)) / 2,
  };
}

function checkUnitTime(name: string, t: number, open = false): void {
  const ok = open ? t > 0 && t < 1 : t >= 0 && t <= 1;
  if (!ok) throw new RangeError(`${name}: t = ${t} must be in ${open ? '(0, 1)' : '[0, 1]'}`);
}

/** 001 (3.42): out = α(t) x₀ + β(t) x₁ + γ(t) z. */
export function interpolantPointWith(
  interp: StochasticInterpolant,
  t: number,
  x0: Float64Array,
  x1: Float64Array,
  z: Float64Array,
  len: number,
  out: Float64Array,
): Float64Array {
  checkUnitTime('interpolantPoint', t);
  checkBuffer('interpolantPoint', 'x0', x0, len);
  checkBuffer('interpolantPoint', 'x1', x1, len);
  checkBuffer('interpolantPoint', 'z', z, len);
  checkBuffer('interpolantPoint', 'out', out, len);
  const a = interp.alpha(t);
  const b = interp.beta(t);
  const g = interp.gamma(t);
  for (let i = 0; i < len; i++) out[i] = a * x0[i]! + b * x1[i]! + g * z[i]!; // 001 (3.42)
  return out;
}

/** The regression target of (3.46)/(3.52): out = ∂_t I(t, x₀, x₁) + γ̇(t) z, t ∈ (0, 1). */
export function interpolantVelocityTargetWith(
  interp: StochasticInterpolant,
  t: number,
  x0: Float64Array,
  x1: Float64Array,
  z: Float64Array,
  len: number,
  out: Float64Array,
): Float64Array {
  checkUnitTime('interpolantVelocityTarget', t, true);
  checkBuffer('interpolantVelocityTarget', 'x0', x0, len);
  checkBuffer('interpolantVelocityTarget', 'x1', x1, len);
  checkBuffer('interpolantVelocityTarget', 'z', z, len);
  checkBuffer('interpolantVelocityTarget', 'out', out, len);
  const ad = interp.alphaDot(t);
  const bd = interp.betaDot(t);
  const gd = interp.gammaDot(t);
  for (let i = 0; i < len; i++) out[i] = ad * x0[i]! + bd * x1[i]! + gd * z[i]!;
  return out;
}

/**
 * The integrand of 001 (3.52) at time t ∈ (0, 1), averaged over the n given triples (x₀, x₁, z):
 * (1/n) Σ [½ |b̂(t, X_t)|² − (∂_t I + γ̇ z) · b̂(t, X_t)]; with `weights` (n values ≥ 0, e.g. a quadrature rule) the
 * weighted mean Σ wᵢ ℓᵢ / Σ wᵢ instead.
 */
export function velocityLossWith(
  interp: StochasticInterpolant,
  b: VelocityModel,
  t: number,
  x0: Float64Array,
  x1: Float64Array,
  z: Float64Array,
  n: number,
  d: number,
  weights?: Float64Array,
): number {
  checkShape('velocityLoss', n, d);
  checkUnitTime('velocityLoss', t, true);
  const len = n * d;
  const xt = interpolantPointWith(interp, t, x0, x1, z, len, new Float64Array(len));
  const target = interpolantVelocityTargetWith(interp, t, x0, x1, z, len, new Float64Array(len));
  const bh = b(xt, n, t, new Float64Array(len));
  return rowMean('velocityLoss', n, d, weights, (j) => 0.5 * bh[j]! * bh[j]! - target[j]! * bh[j]!); // 001 (3.52)
}

/** (1/n) Σ_i Σ_j term(i·d + j), or the weighted mean over rows with the given weights. */
function rowMean(name: string, n: number, d: number, weights: Float64Array | undefined, term: (j: number) => number): number {
  if (weights !== undefined) checkBuffer(name, 'weights', weights, n);
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = i * d; j < (i + 1) * d; j++) r += term(j);
    const w = weights === undefined ? 1 : weights[i]!;
    if (!(w >= 0)) throw new RangeError(`${name}: weights[${i}] = ${w} must be ≥ 0`);
    total += w * r;
    wsum += w;
  }
  if (!(wsum > 0)) throw new RangeError(`${name}: the weights must not all be 0`);
  return total / wsum;
}

/** The integrand of 001 (3.53) at t ∈ (0, 1): (1/n) Σ [½ |ŝ(t, X_t)|² + γ(t)⁻¹ z · ŝ(t, X_t)] (or weighted). */
export function scoreLossWith(
  interp: StochasticInterpolant,
  s: ScoreModel,
  t: number,
  x0: Float64Array,
  x1: Float64Array,
  z: Float64Array,
  n: number,
  d: number,
  weights?: Float64Array,
): number {
  checkShape('scoreLoss', n, d);
  checkUnitTime('scoreLoss', t, true);
  const g = interp.gamma(t);
  if (!(g > 0)) throw new RangeError(`scoreLoss: gamma(${t}) = ${g} must be > 0 (the loss divides by γ)`);
  const len = n * d;
  const xt = interpolantPointWith(interp, t, x0, x1, z, len, new Float64Array(len));
  const sh = s(xt, n, t, new Float64Array(len));
  return rowMean('scoreLoss', n, d, weights, (j) => 0.5 * sh[j]! * sh[j]! + (z[j]! / g) * sh[j]!); // 001 (3.53)
}

/**
 * Monte Carlo estimates of L_b (3.52) and L_s (3.53): t_i ~ U(0, 1) and z_i ~ N(0, I) per pair (x₀ᵢ, x₁ᵢ) (the pairs
 * given, n×d each, drawn from ν by the caller), models called one row at a time.
 */
export function interpolantLosses(
  rng: Stream,
  interp: StochasticInterpolant,
  b: VelocityModel,
  s: ScoreModel,
  x0: Float64Array,
  x1: Float64Array,
  n: number,
  d: number,
): { velocityLoss: number; scoreLoss: number } {
  checkShape('interpolantLosses', n, d);
  checkBuffer('interpolantLosses', 'x0', x0, n * d);
  checkBuffer('interpolantLosses', 'x1', x1, n * d);
  const z = new Float64Array(d);
  let lb = 0;
  let ls = 0;
  for (let i = 0; i < n; i++) {
    let t = uniform(rng);
    while (t === 0) t = uniform(rng); // t ∈ (0, 1): γ(0) = 0
    normals(rng, z, 0, d);
    const a = x0.subarray(i * d, (i + 1) * d);
    const c = x1.subarray(i * d, (i + 1) * d);
    lb += velocityLossWith(interp, b, t, a, c, z, 1, d);
    ls += scoreLossWith(interp, s, t, a, c, z, 1, d);
  }
  return { velocityLoss: lb / n, scoreLoss: ls / n };
}

/** One Euler step of the ODE model (001 Lemma 3.3, 003 Euler update): out = x + dt · b(x, t). out may not alias x. */
export function interpolantOdeStepWith(b: VelocityModel, t: number, dt: number, x: Float64Array, n: number, d: number, out: Float64Array): Float64Array {
  checkShape('interpolantOdeStep', n, d);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`interpolantOdeStep: dt = ${dt} must be finite and > 0`);
  const len = n * d;
  checkBuffer('interpolantOdeStep', 'x', x, len);
  checkBuffer('interpolantOdeStep', 'out', out, len);
  if (out === x) throw new RangeError('interpolantOdeStep: out must not alias x');
  b(x, n, t, out);
  for (let i = 0; i < len; i++) out[i] = x[i]! + dt * out[i]!;
  checkFiniteState('interpolantOdeStep', `x(t + dt) at t = ${t}`, out, len);
  return out;
}

/**
 * One Euler–Maruyama step of the SDE model (001 Lemma 3.4): out = x + dt (b + ε s)(x, t) + √(2ε dt) ξ, noise injected.
 * out may not alias x.
 */
export function interpolantSdeStepWith(
  b: VelocityModel,
  s: ScoreModel,
  epsilon: number,
  t: number,
  dt: number,
  x: Float64Array,
  n: number,
  d: number,
  noise: Float64Array,
  out: Float64Array,
): Float64Array {
  checkShape('interpolantSdeStep', n, d);
  if (!(epsilon >= 0 && Number.isFinite(epsilon))) throw new RangeError(`interpolantSdeStep: epsilon = ${epsilon} must be finite and ≥ 0`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`interpolantSdeStep: dt = ${dt} must be finite and > 0`);
  const len = n * d;
  checkBuffer('interpolantSdeStep', 'x', x, len);
  checkBuffer('interpolantSdeStep', 'noise', noise, len);
  checkBuffer('interpolantSdeStep', 'out', out, len);
  if (out === x) throw new RangeError('interpolantSdeStep: out must not alias x');
  const sc = s(x, n, t, new Float64Array(len));
  b(x, n, t, out);
  const k = Math.sqrt(2 * epsilon * dt);
  for (let i = 0; i < len; i++) out[i] = x[i]! + dt * (out[i]! + epsilon * sc[i]!) + k * noise[i]!; // 001 Lemma 3.4
  checkFiniteState('interpolantSdeStep', `x(t + dt) at t = ${t}`, out, len);
  return out;
}

/** Integrates the ODE model from t = 0 (x0 = X_0 samples of ρ̄) to t = 1 with `steps` Euler steps; a new array. */
export function interpolantOdeSample(b: VelocityModel, x0: Float64Array, n: number, d: number, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`interpolantOdeSample: steps = ${steps} must be an integer ≥ 1`);
  checkShape('interpolantOdeSample', n, d);
  checkBuffer('interpolantOdeSample', 'x0', x0, n * d);
  let x = x0.slice(0, n * d);
  let y = new Float64Array(n * d);
  const dt = 1 / steps;
  for (let k = 0; k < steps; k++) {
    interpolantOdeStepWith(b, k * dt, dt, x, n, d, y);
    const tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}

/** Integrates the SDE model (Lemma 3.4) from t = 0 to 1 with `steps` Euler–Maruyama steps; a new array. */
export function interpolantSdeSample(
  rng: Stream,
  b: VelocityModel,
  s: ScoreModel,
  epsilon: number,
  x0: Float64Array,
  n: number,
  d: number,
  steps: number,
): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`interpolantSdeSample: steps = ${steps} must be an integer ≥ 1`);
  checkShape('interpolantSdeSample', n, d);
  checkBuffer('interpolantSdeSample', 'x0', x0, n * d);
  let x = x0.slice(0, n * d);
  let y = new Float64Array(n * d);
  const noise = new Float64Array(n * d);
  const dt = 1 / steps;
  for (let k = 0; k < steps; k++) {
    normals(rng, noise, 0, n * d);
    interpolantSdeStepWith(b, s, epsilon, k * dt, dt, x, n, d, noise, y);
    const tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}
