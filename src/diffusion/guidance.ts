/**
 * src/diffusion/guidance — classifier guidance and classifier-free guidance of 003 ("Classifier-corrected noise
 * prediction", "Guidance scale", "Guided sampling", "Classifier-free-corrected noise prediction"):
 *   classifier:       ε_θ,t(x_t, y) = ε_θ,t(x_t) − γ √(1 − ᾱ_t) ∇ log p(y | x_t)
 *                     ∇^γ log p(x_t | y) = ∇ log p(x_t) + γ ∇ log p(y | x_t)
 *   classifier-free:  ε̂_θ,t(x_t, y) = γ ε_θ,t(x_t, y) + (1 − γ) ε_θ,t(x_t)
 *                     ∇^γ log p(x_t | y) = (1 − γ) ∇ log p(x_t) + γ ∇ log p(x_t | y)
 * γ = 0 is the unguided model, γ = 1 the conditional one. Elsewhere (Ho & Salimans 2022, "Classifier-free diffusion
 * guidance", eq. (6)) the same combination is written with a weight w: ε̃ = (1 + w) ε(x, y) − w ε(x), i.e. γ = 1 + w
 * (w = 0 is the conditional model). `guidanceScaleFromWeight` / `guidanceWeightFromScale` convert.
 */
import type { ClassifierGradient, ConditionalEpsilonModel, EpsilonModel } from './types.js';
import { checkBuffer, checkStep, type DdpmSchedule } from './schedules.js';

function checkScale(name: string, what: string, g: number): void {
  if (!Number.isFinite(g)) throw new RangeError(`${name}: ${what} = ${g} must be finite`);
}

function checkLen(name: string, len: number): void {
  if (!Number.isInteger(len) || len < 1) throw new RangeError(`${name}: len = ${len} must be a positive integer`);
}

/** 003 classifier guidance: out = ε(x_t) − γ √(1 − ᾱ_t) ∇ log p(y | x_t). */
export function classifierGuidedEpsilon(
  schedule: DdpmSchedule,
  t: number,
  eps: Float64Array,
  gradLogClassifier: Float64Array,
  gamma: number,
  len: number,
  out: Float64Array,
): Float64Array {
  checkStep('classifierGuidedEpsilon', schedule, t);
  checkLen('classifierGuidedEpsilon', len);
  checkScale('classifierGuidedEpsilon', 'gamma', gamma);
  checkBuffer('classifierGuidedEpsilon', 'eps', eps, len);
  checkBuffer('classifierGuidedEpsilon', 'gradLogClassifier', gradLogClassifier, len);
  checkBuffer('classifierGuidedEpsilon', 'out', out, len);
  const c = gamma * Math.sqrt(1 - schedule.alphaBar[t]!);
  for (let i = 0; i < len; i++) out[i] = eps[i]! - c * gradLogClassifier[i]!; // 003 guidance scale
  return out;
}

/** 003 guided score: out = ∇ log p(x_t) + γ ∇ log p(y | x_t) = ∇ log (p(y | x_t)^γ p(x_t) / Z). */
export function classifierGuidedScore(score: Float64Array, gradLogClassifier: Float64Array, gamma: number, len: number, out: Float64Array): Float64Array {
  checkLen('classifierGuidedScore', len);
  checkScale('classifierGuidedScore', 'gamma', gamma);
  checkBuffer('classifierGuidedScore', 'score', score, len);
  checkBuffer('classifierGuidedScore', 'gradLogClassifier', gradLogClassifier, len);
  checkBuffer('classifierGuidedScore', 'out', out, len);
  for (let i = 0; i < len; i++) out[i] = score[i]! + gamma * gradLogClassifier[i]!;
  return out;
}

/** 003 classifier-free: out = γ ε(x_t, y) + (1 − γ) ε(x_t) (also the score form with scores in place of ε). */
export function classifierFreeEpsilon(epsConditional: Float64Array, epsUnconditional: Float64Array, gamma: number, len: number, out: Float64Array): Float64Array {
  checkLen('classifierFreeEpsilon', len);
  checkScale('classifierFreeEpsilon', 'gamma', gamma);
  checkBuffer('classifierFreeEpsilon', 'epsConditional', epsConditional, len);
  checkBuffer('classifierFreeEpsilon', 'epsUnconditional', epsUnconditional, len);
  checkBuffer('classifierFreeEpsilon', 'out', out, len);
  for (let i = 0; i < len; i++) out[i] = gamma * epsConditional[i]! + (1 - gamma) * epsUnconditional[i]!; // 003
  return out;
}

/** Ho & Salimans (2022) eq. (6): out = (1 + w) ε(x_t, y) − w ε(x_t). Equal to classifierFreeEpsilon at γ = 1 + w. */
export function classifierFreeEpsilonWeighted(
  epsConditional: Float64Array,
  epsUnconditional: Float64Array,
  w: number,
  len: number,
  out: Float64Array,
): Float64Array {
  checkLen('classifierFreeEpsilonWeighted', len);
  checkScale('classifierFreeEpsilonWeighted', 'w', w);
  checkBuffer('classifierFreeEpsilonWeighted', 'epsConditional', epsConditional, len);
  checkBuffer('classifierFreeEpsilonWeighted', 'epsUnconditional', epsUnconditional, len);
  checkBuffer('classifierFreeEpsilonWeighted', 'out', out, len);
  for (let i = 0; i < len; i++) out[i] = (1 + w) * epsConditional[i]! - w * epsUnconditional[i]!;
  return out;
}

/** γ (003's scale) from w (Ho & Salimans' weight): γ = 1 + w. */
export function guidanceScaleFromWeight(w: number): number {
  checkScale('guidanceScaleFromWeight', 'w', w);
  return 1 + w;
}

/** w from γ: w = γ − 1. */
export function guidanceWeightFromScale(gamma: number): number {
  checkScale('guidanceWeightFromScale', 'gamma', gamma);
  return gamma - 1;
}

/** An ε-model with classifier guidance for class y at scale γ (003 Guided sampling), usable by ddpmSample. */
export function classifierGuidedModel(
  schedule: DdpmSchedule,
  model: EpsilonModel,
  classifierGradient: ClassifierGradient,
  y: number,
  gamma: number,
): EpsilonModel {
  checkScale('classifierGuidedModel', 'gamma', gamma);
  let grad = new Float64Array(0);
  return (x, n, t, out) => {
    const len = out.length < x.length ? out.length : x.length;
    if (grad.length < len) grad = new Float64Array(len);
    model(x, n, t, out);
    classifierGradient(x, n, t, y, grad);
    return classifierGuidedEpsilon(schedule, t, out, grad, gamma, len, out);
  };
}

/** An ε-model with classifier-free guidance: γ ε(x, y) + (1 − γ) ε(x, ∅) from one conditional model called twice. */
export function classifierFreeModel(model: ConditionalEpsilonModel, y: number, gamma: number): EpsilonModel {
  checkScale('classifierFreeModel', 'gamma', gamma);
  let unc = new Float64Array(0);
  return (x, n, t, out) => {
    const len = out.length < x.length ? out.length : x.length;
    if (unc.length < len) unc = new Float64Array(len);
    model(x, n, t, y, out);
    model(x, n, t, null, unc);
    return classifierFreeEpsilon(out, unc, gamma, len, out);
  };
}
