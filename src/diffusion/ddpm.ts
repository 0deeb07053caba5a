/**
 * src/diffusion/ddpm — DDPM of 003 ("Training of DDPM", "Sampling of DDPM", "DDPM objective"): the three equivalent
 * parameterisations of the reverse mean (ε, x₀, score; 003 s = −ε/√(1 − ᾱ_t)), one ancestral step
 * x_{t−1} = μ_θ,t(x_t) + σ_t ε with injected or drawn noise, the sampler from x_T ~ N(0, I), L_simple and the weighted
 * objective with its coefficient (1 − α_t)² / (2 β̃_t α_t).
 *
 * σ_t² is β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t (the posterior variance of q(x_{t−1} | x_t, x_0), Ho et al. 2020 (7))
 * or β_t (their other choice); 003 leaves σ_t unspecified. Arrays are indexed by t ∈ 1..T as in schedules.ts.
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import { uniformInt } from '../rng/uniform.js';
import type { EpsilonModel, ScoreModel, X0Model } from './types.js';
import { checkBuffer, checkShape, checkStep, forwardNoiseWith, type DdpmSchedule } from './schedules.js';
import { checkFiniteState } from './finite.js';

/** Which σ_t² the ancestral step uses. */
export type DdpmVariance = 'betaTilde' | 'beta';

/** β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x_0) (β̃_1 = 0). */
export function posteriorVariance(schedule: DdpmSchedule, t: number): number {
  checkStep('posteriorVariance', schedule, t);
  const ab = schedule.alphaBar;
  return ((1 - ab[t - 1]!) / (1 - ab[t]!)) * schedule.beta[t]!;
}

/** σ_t² of the ancestral step: β̃_t or β_t. */
export function ddpmStepVariance(schedule: DdpmSchedule, t: number, variance: DdpmVariance = 'betaTilde'): number {
  checkStep('ddpmStepVariance', schedule, t);
  if (variance === 'betaTilde') return posteriorVariance(schedule, t);
  if (variance === 'beta') return schedule.beta[t]!;
  throw new RangeError(`ddpmStepVariance: variance = ${String(variance)} must be 'betaTilde' or 'beta'`);
}

/** checkStep, then checkBuffer of each named array (in order) for len values. */
function checkArrays(name: string, schedule: DdpmSchedule, t: number, len: number, arrays: Record<string, Float64Array>): void {
  checkStep(name, schedule, t);
  if (!Number.isInteger(len) || len < 1) throw new RangeError(`${name}: len = ${len} must be a positive integer`);
  for (const [what, buf] of Object.entries(arrays)) checkBuffer(name, what, buf, len);
}

/** 003: s_θ,t(x_t) = −ε_θ,t(x_t)/√(1 − ᾱ_t); writes len values. */
export function epsilonToScore(schedule: DdpmSchedule, t: number, eps: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('epsilonToScore', schedule, t, len, { eps, out });
  const c = Math.sqrt(1 - schedule.alphaBar[t]!);
  for (let i = 0; i < len; i++) out[i] = -eps[i]! / c; // 003 s = −ε/√(1 − ᾱ_t)
  return out;
}

/** The inverse: ε = −√(1 − ᾱ_t) · s. */
export function scoreToEpsilon(schedule: DdpmSchedule, t: number, score: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('scoreToEpsilon', schedule, t, len, { score, out });
  const c = Math.sqrt(1 - schedule.alphaBar[t]!);
  for (let i = 0; i < len; i++) out[i] = -c * score[i]!;
  return out;
}

/** x̂₀ = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t (inverting 003 Training step 3). */
export function epsilonToX0(schedule: DdpmSchedule, t: number, xt: Float64Array, eps: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('epsilonToX0', schedule, t, len, { xt, eps, out });
  const ab = schedule.alphaBar[t]!;
  const a = Math.sqrt(ab);
  const c = Math.sqrt(1 - ab);
  for (let i = 0; i < len; i++) out[i] = (xt[i]! - c * eps[i]!) / a;
  return out;
}

/** ε̂ = (x_t − √ᾱ_t x̂₀)/√(1 − ᾱ_t). */
export function x0ToEpsilon(schedule: DdpmSchedule, t: number, xt: Float64Array, x0: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('x0ToEpsilon', schedule, t, len, { xt, x0, out });
  const ab = schedule.alphaBar[t]!;
  const a = Math.sqrt(ab);
  const c = Math.sqrt(1 - ab);
  for (let i = 0; i < len; i++) out[i] = (xt[i]! - a * x0[i]!) / c;
  return out;
}

/** 003 Sampling step 2: μ_θ,t(x_t) = x_t/√α_t − (1 − α_t)/√(α_t (1 − ᾱ_t)) · ε_θ,t(x_t). */
export function ddpmMeanFromEpsilon(schedule: DdpmSchedule, t: number, xt: Float64Array, eps: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('ddpmMeanFromEpsilon', schedule, t, len, { xt, eps, out });
  const at = schedule.alpha[t]!;
  const k0 = 1 / Math.sqrt(at);
  const k1 = (1 - at) / Math.sqrt(at * (1 - schedule.alphaBar[t]!));
  for (let i = 0; i < len; i++) out[i] = k0 * xt[i]! - k1 * eps[i]!; // 003 μ_θ,t
  return out;
}

/** 003 "Unconditional generation": μ = x_t/√α_t + (1 − α_t)/√α_t · ∇ log p(x_t | θ). */
export function ddpmMeanFromScore(schedule: DdpmSchedule, t: number, xt: Float64Array, score: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('ddpmMeanFromScore', schedule, t, len, { xt, score, out });
  const at = schedule.alpha[t]!;
  const k0 = 1 / Math.sqrt(at);
  const k1 = (1 - at) / Math.sqrt(at);
  for (let i = 0; i < len; i++) out[i] = k0 * xt[i]! + k1 * score[i]!; // 003 unconditional generation
  return out;
}

/**
 * The posterior mean of q(x_{t−1} | x_t, x₀) at x₀ = x̂₀ (Ho et al. 2020 (7)):
 * μ̃_t = √ᾱ_{t−1} β_t/(1 − ᾱ_t) · x̂₀ + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) · x_t.
 */
export function ddpmMeanFromX0(schedule: DdpmSchedule, t: number, xt: Float64Array, x0: Float64Array, len: number, out: Float64Array): Float64Array {
  checkArrays('ddpmMeanFromX0', schedule, t, len, { xt, x0, out });
  const ab = schedule.alphaBar[t]!;
  const abPrev = schedule.alphaBar[t - 1]!;
  const bt = schedule.beta[t]!;
  const k0 = (Math.sqrt(abPrev) * bt) / (1 - ab);
  const k1 = (Math.sqrt(schedule.alpha[t]!) * (1 - abPrev)) / (1 - ab);
  for (let i = 0; i < len; i++) out[i] = k0 * x0[i]! + k1 * xt[i]!;
  return out;
}

/** A reverse-process predictor in one of the three parameterisations (a score model is called with level = t). */
export type DdpmPredictor =
  | { kind: 'epsilon'; model: EpsilonModel }
  | { kind: 'x0'; model: X0Model }
  | { kind: 'score'; model: ScoreModel };

export interface DdpmStepOptions {
  /** σ_t²: 'betaTilde' (default) or 'beta' */
  variance?: DdpmVariance;
}

/**
 * An ancestral stepper for one predictor: step(t, x_t, noise, out) writes x_{t−1} = μ_θ,t(x_t) + σ_t · noise
 * (003 Sampling step 3) with the noise injected (n×d). Scratch space is made once here; out may not alias x_t.
 */
export function ddpmStepper(
  predictor: DdpmPredictor,
  schedule: DdpmSchedule,
  n: number,
  d: number,
  opts: DdpmStepOptions = {},
): (t: number, xt: Float64Array, noise: Float64Array, out: Float64Array) => Float64Array {
  checkShape('ddpmStep', n, d);
  const len = n * d;
  const pred = new Float64Array(len);
  const variance = opts.variance ?? 'betaTilde';
  ddpmStepVariance(schedule, 1, variance);
  return (t, xt, noise, out) => {
    checkStep('ddpmStep', schedule, t);
    checkBuffer('ddpmStep', 'xt', xt, len);
    checkBuffer('ddpmStep', 'noise', noise, len);
    checkBuffer('ddpmStep', 'out', out, len);
    if (out === xt) throw new RangeError('ddpmStep: out must not alias xt');
    if (predictor.kind === 'epsilon') {
      predictor.model(xt, n, t, pred);
      ddpmMeanFromEpsilon(schedule, t, xt, pred, len, out);
    } else if (predictor.kind === 'x0') {
      predictor.model(xt, n, t, pred);
      ddpmMeanFromX0(schedule, t, xt, pred, len, out);
    } else if (predictor.kind === 'score') {
      predictor.model(xt, n, t, pred);
      ddpmMeanFromScore(schedule, t, xt, pred, len, out);
    } else {
      throw new TypeError(`ddpmStep: predictor.kind must be 'epsilon', 'x0' or 'score'`);
    }
    const sigma = Math.sqrt(ddpmStepVariance(schedule, t, variance));
    for (let i = 0; i < len; i++) out[i] = out[i]! + sigma * noise[i]!; // 003 x_{t−1} = μ + σ_t ε
    checkFiniteState('ddpmStep', `x_{t−1} at t = ${t}`, out, len);
    return out;
  };
}

/**
 * 003 Sampling of DDPM: x_T ~ N(0, I) (or the given xT), then x_{t−1} = μ_θ,t(x_t) + σ_t ε for t = T..1; returns x_0
 * (n×d, a new array).
 */
export function ddpmSample(
  rng: Stream,
  predictor: DdpmPredictor,
  schedule: DdpmSchedule,
  n: number,
  d: number,
  opts: DdpmStepOptions & { xT?: Float64Array } = {},
): Float64Array {
  checkShape('ddpmSample', n, d);
  const len = n * d;
  const step = ddpmStepper(predictor, schedule, n, d, opts);
  let x = new Float64Array(len);
  if (opts.xT !== undefined) {
    checkBuffer('ddpmSample', 'xT', opts.xT, len);
    x.set(opts.xT.subarray(0, len));
  } else normals(rng, x, 0, len); // 003 Sampling step 1
  let y = new Float64Array(len);
  const noise = new Float64Array(len);
  for (let t = schedule.T; t >= 1; t--) {
    normals(rng, noise, 0, len);
    step(t, x, noise, y);
    const tmp = x;
    x = y;
    y = tmp;
  }
  return x;
}

/**
 * L_simple of 003 Training step 4 with the steps and noise given: (1/n) Σ_i ‖ε_i − ε_θ,t_i(x_{t_i})‖², x_t built by
 * step 3 from x₀. Each row i has its own step t_i (calls the model once per distinct step).
 */
export function lSimpleWith(
  model: EpsilonModel,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  steps: Int32Array,
  eps: Float64Array,
): number {
  return objective('lSimple', model, schedule, x0, n, d, steps, eps, () => 1);
}

/**
 * The weighted objective of 003 "DDPM objective": (1/n) Σ_i (1 − α_t)²/(2 β̃_t α_t) · ‖s_θ,t(x_t) − ∇ log q(x_t | x₀)‖²
 * with s_θ,t = −ε_θ,t/√(1 − ᾱ_t) and ∇ log q(x_t | x₀) = −ε/√(1 − ᾱ_t); equal to the sum of
 * (1 − α_t)²/(2 β̃_t α_t (1 − ᾱ_t)) ‖ε − ε_θ‖². β̃_1 = 0 makes the t = 1 weight infinite: steps must be ≥ 2.
 */
export function ddpmWeightedObjectiveWith(
  model: EpsilonModel,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  steps: Int32Array,
  eps: Float64Array,
): number {
  return objectiveGeneric('ddpmWeightedObjective', model, schedule, x0, n, d, steps, eps, (t, i, pred) => {
    const w = ddpmObjectiveWeight(schedule, t);
    const c = Math.sqrt(1 - schedule.alphaBar[t]!);
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const score = -pred[j]! / c; // 003 s_θ,t = −ε_θ,t/√(1 − ᾱ_t)
      const target = -eps[j]! / c; // ∇ log q(x_t | x_0) = −(x_t − √ᾱ_t x_0)/(1 − ᾱ_t)
      const r = score - target;
      s += r * r;
    }
    return w * s;
  });
}

/** 003 DDPM objective coefficient (1 − α_t)²/(2 β̃_t α_t) (multiplying the score-form error); t ≥ 2. */
export function ddpmObjectiveWeight(schedule: DdpmSchedule, t: number): number {
  checkStep('ddpmObjectiveWeight', schedule, t);
  if (t < 2) throw new RangeError(`ddpmObjectiveWeight: t = ${t} must be ≥ 2 (β̃_1 = 0 makes the weight infinite)`);
  const at = schedule.alpha[t]!;
  return ((1 - at) * (1 - at)) / (2 * posteriorVariance(schedule, t) * at); // 003 DDPM objective
}

function objective(
  name: string,
  model: EpsilonModel,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  steps: Int32Array,
  eps: Float64Array,
  weight: (t: number) => number,
): number {
  return objectiveGeneric(name, model, schedule, x0, n, d, steps, eps, (t, i, pred) => {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const r = eps[j]! - pred[j]!; // 003 ‖ε − ε_θ,t(x_t)‖²
      s += r * r;
    }
    return weight(t) * s;
  });
}

function objectiveGeneric(
  name: string,
  model: EpsilonModel,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  steps: Int32Array,
  eps: Float64Array,
  term: (t: number, row: number, pred: Float64Array) => number,
): number {
  checkShape(name, n, d);
  checkBuffer(name, 'x0', x0, n * d);
  checkBuffer(name, 'eps', eps, n * d);
  if (!(steps instanceof Int32Array) || steps.length < n) throw new RangeError(`${name}: steps must be an Int32Array of at least n = ${n} values`);
  for (let i = 0; i < n; i++) checkStep(name, schedule, steps[i]!);
  const pred = new Float64Array(n * d);
  let total = 0;
  // Rows grouped by step: the model sees a batch per distinct t.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => steps[p]! - steps[q]!);
  let start = 0;
  while (start < n) {
    const t = steps[order[start]!]!;
    let end = start;
    while (end < n && steps[order[end]!]! === t) end++;
    const m = end - start;
    const bx = new Float64Array(m * d);
    const be = new Float64Array(m * d);
    for (let r = 0; r < m; r++) {
      const i = order[start + r]!;
      bx.set(x0.subarray(i * d, (i + 1) * d), r * d);
      be.set(eps.subarray(i * d, (i + 1) * d), r * d);
    }
    const bxt = new Float64Array(m * d);
    forwardNoiseWith(schedule, bx, m, d, t, be, bxt); // 003 Training step 3
    const bp = new Float64Array(m * d);
    model(bxt, m, t, bp);
    for (let r = 0; r < m; r++) pred.set(bp.subarray(r * d, (r + 1) * d), order[start + r]! * d);
    start = end;
  }
  for (let i = 0; i < n; i++) {
    const v = term(steps[i]!, i, pred);
    if (!Number.isFinite(v)) throw new RangeError(`${name}: the loss term of row ${i} is ${v} (model output not finite)`);
    total += v;
  }
  return total / n;
}

/** 003 Training steps 1-4 for one batch: t_i ~ U{1, T}, ε_i ~ N(0, I), returns L_simple (a Monte Carlo estimate). */
export function lSimple(rng: Stream, model: EpsilonModel, schedule: DdpmSchedule, x0: Float64Array, n: number, d: number): number {
  checkShape('lSimple', n, d);
  const steps = new Int32Array(n);
  for (let i = 0; i < n; i++) steps[i] = 1 + uniformInt(rng, schedule.T); // 003 Training step 2
  const eps = normals(rng, new Float64Array(n * d));
  return lSimpleWith(model, schedule, x0, n, d, steps, eps);
}
