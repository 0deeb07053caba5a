/**
 * src/diffusion/schedules — DDPM noise schedules and the forward process q(x_t | x_0) of 003 "Training of DDPM" step 3:
 * x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, ε ~ N(0, I), with α_t = 1 − β_t and ᾱ_t = ∏_{s≤t} α_s.
 *
 * Indexing: every per-step array has length T + 1 and is indexed by the step t ∈ 1..T as in the document; index 0
 * holds the t = 0 (data) convention β_0 = 0, α_0 = 1, ᾱ_0 = 1, so `alphaBar[t]` is ᾱ_t and `alphaBar[t − 1]` is ᾱ_{t−1}
 * for every t ≥ 1 without a special case.
 *
 * 003 does not fix β_t. The two schedules are the standard ones (facts from the literature): 'linear' is Ho, Jain &
 * Abbeel (2020): β_t linear from β_1 = 1e-4 to β_T = 0.02; 'cosine' is Nichol & Dhariwal (2021) eq. (17):
 * ᾱ_t = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2), s = 0.008, β_t = 1 − ᾱ_t/ᾱ_{t−1} clipped to ≤ maxBeta = 0.999
 * (their clip; ᾱ is then recomputed from the clipped β so that α, β, ᾱ stay consistent).
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';

export interface DdpmSchedule {
  readonly kind: 'linear' | 'cosine' | 'custom';
  /** number of steps T ≥ 1 */
  readonly T: number;
  /** β_t, length T + 1, β[0] = 0 */
  readonly beta: Float64Array;
  /** α_t = 1 − β_t, length T + 1, α[0] = 1 */
  readonly alpha: Float64Array;
  /** ᾱ_t = ∏_{s=1}^t α_s, length T + 1, ᾱ[0] = 1 */
  readonly alphaBar: Float64Array;
}

export type DdpmScheduleSpec =
  | { kind: 'linear'; T: number; betaStart?: number | undefined; betaEnd?: number | undefined }
  | { kind: 'cosine'; T: number; s?: number | undefined; maxBeta?: number | undefined }
  | { kind: 'custom'; beta: Float64Array | readonly number[] };

function checkT(name: string, T: number): void {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`${name}: T = ${T} must be an integer ≥ 1`);
}

function checkBetaValue(name: string, what: string, b: number): void {
  if (!(b > 0 && b < 1)) throw new RangeError(`${name}: ${what} = ${b} must be in (0, 1)`);
}

/** Builds α and ᾱ from β[1..T] (β[0] = 0) after checking every β_t ∈ (0, 1). */
export function scheduleFromBetas(beta: Float64Array | readonly number[], kind: DdpmSchedule['kind'] = 'custom'): DdpmSchedule {
  const T = beta.length;
  checkT('ddpmSchedule', T);
  const b = new Float64Array(T + 1);
  const a = new Float64Array(T + 1);
  const ab = new Float64Array(T + 1);
  a[0] = 1;
  ab[0] = 1;
  for (let t = 1; t <= T; t++) {
    const v = beta[t - 1]!;
    checkBetaValue('ddpmSchedule', `beta[${t}]`, v);
    b[t] = v;
    a[t] = 1 - v; // 003: α_t = 1 − β_t
    ab[t] = ab[t - 1]! * a[t]!; // 003: ᾱ_t = ∏_{s≤t} α_s
  }
  return { kind, T, beta: b, alpha: a, alphaBar: ab };
}

/** A DDPM schedule: 'linear' (Ho et al. 2020), 'cosine' (Nichol & Dhariwal 2021) or 'custom' β_1..β_T. */
export function ddpmSchedule(spec: DdpmScheduleSpec): DdpmSchedule {
  if (spec.kind === 'custom') return scheduleFromBetas(spec.beta, 'custom');
  checkT('ddpmSchedule', spec.T);
  const T = spec.T;
  const betas = new Float64Array(T);
  if (spec.kind === 'linear') {
    const b1 = spec.betaStart ?? 1e-4;
    const bT = spec.betaEnd ?? 0.02;
    checkBetaValue('ddpmSchedule', 'betaStart', b1);
    checkBetaValue('ddpmSchedule', 'betaEnd', bT);
    for (let t = 1; t <= T; t++) betas[t - 1] = T === 1 ? b1 : b1 + ((bT - b1) * (t - 1)) / (T - 1);
    return scheduleFromBetas(betas, 'linear');
  }
  if (spec.kind === 'cosine') {
    const s = spec.s ?? 0.008;
    const maxBeta = spec.maxBeta ?? 0.999;
    if (!(s >= 0 && Number.isFinite(s))) throw new RangeError(`ddpmSchedule: s = ${s} must be a finite number ≥ 0`);
    checkBetaValue('ddpmSchedule', 'maxBeta', maxBeta);
    const f = (t: number): number => {
      const c = Math.cos((((t / T) + s) / (1 + s)) * (Math.PI / 2));
      return c * c;
    };
    const f0 = f(0);
    for (let t = 1; t <= T; t++) {
      const abPrev = f(t - 1) / f0;
      const abT = f(t) / f0;
      const b = 1 - abT / abPrev; // Nichol & Dhariwal: β_t = 1 − ᾱ_t / ᾱ_{t−1}
      betas[t - 1] = Math.min(b, maxBeta);
    }
    return scheduleFromBetas(betas, 'cosine');
  }
  throw new TypeError(`ddpmSchedule: kind = ${(spec as { kind: unknown }).kind} must be 'linear', 'cosine' or 'custom'`);
}

/** Throws unless t is an integer step in 1..T (or 0..T when allowZero). */
export function checkStep(name: string, schedule: DdpmSchedule, t: number, allowZero = false): void {
  const lo = allowZero ? 0 : 1;
  if (!Number.isInteger(t) || t < lo || t > schedule.T) {
    throw new RangeError(`${name}: t = ${t} must be an integer in ${lo}..${schedule.T}`);
  }
}

/** Throws unless buf is a Float64Array of at least len values. */
export function checkBuffer(name: string, what: string, buf: Float64Array, len: number): void {
  if (!(buf instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (buf.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${buf.length}`);
}

/** Throws unless n and d are positive integers. */
export function checkShape(name: string, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n = ${n} must be a positive integer`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: d = ${d} must be a positive integer`);
}

/**
 * x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε with ε given (003 Training step 3); writes n×d into outXt. Deterministic: the noise is
 * an argument, for tests and for losses that reuse it.
 */
export function forwardNoiseWith(
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  t: number,
  eps: Float64Array,
  outXt: Float64Array,
): Float64Array {
  checkShape('forwardNoise', n, d);
  checkStep('forwardNoise', schedule, t);
  checkBuffer('forwardNoise', 'x0', x0, n * d);
  checkBuffer('forwardNoise', 'eps', eps, n * d);
  checkBuffer('forwardNoise', 'outXt', outXt, n * d);
  const ab = schedule.alphaBar[t]!;
  const a = Math.sqrt(ab);
  const s = Math.sqrt(1 - ab);
  for (let i = 0; i < n * d; i++) outXt[i] = a * x0[i]! + s * eps[i]!; // 003 Training step 3
  return outXt;
}

/**
 * Draws ε ~ N(0, I) into outEps and writes x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε into outXt (003 Training step 3), one step t
 * for the whole batch. Returns outXt.
 */
export function forwardNoise(
  rng: Stream,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  t: number,
  outXt: Float64Array,
  outEps: Float64Array,
): Float64Array {
  checkShape('forwardNoise', n, d);
  checkStep('forwardNoise', schedule, t);
  checkBuffer('forwardNoise', 'outEps', outEps, n * d);
  normals(rng, outEps, 0, n * d);
  return forwardNoiseWith(schedule, x0, n, d, t, outEps, outXt);
}

/**
 * Per-row steps: x_t[i] = √ᾱ_{t_i} x_0[i] + √(1 − ᾱ_{t_i}) ε[i] with t_i = steps[i] (for training batches where each
 * row has its own t ~ U{1, T}, 003 Training step 2). Draws ε into outEps. Returns outXt.
 */
export function forwardNoiseSteps(
  rng: Stream,
  schedule: DdpmSchedule,
  x0: Float64Array,
  n: number,
  d: number,
  steps: Int32Array,
  outXt: Float64Array,
  outEps: Float64Array,
): Float64Array {
  checkShape('forwardNoiseSteps', n, d);
  checkBuffer('forwardNoiseSteps', 'x0', x0, n * d);
  checkBuffer('forwardNoiseSteps', 'outXt', outXt, n * d);
  checkBuffer('forwardNoiseSteps', 'outEps', outEps, n * d);
  if (!(steps instanceof Int32Array) || steps.length < n) {
    throw new RangeError(`forwardNoiseSteps: steps must be an Int32Array of at least n = ${n} values`);
  }
  for (let i = 0; i < n; i++) checkStep('forwardNoiseSteps', schedule, steps[i]!);
  normals(rng, outEps, 0, n * d);
  for (let i = 0; i < n; i++) {
    const ab = schedule.alphaBar[steps[i]!]!;
    const a = Math.sqrt(ab);
    const s = Math.sqrt(1 - ab);
    for (let j = i * d; j < (i + 1) * d; j++) outXt[j] = a * x0[j]! + s * outEps[j]!;
  }
  return outXt;
}
