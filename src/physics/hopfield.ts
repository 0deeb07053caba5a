/**
 * Hopfield networks, 001 §1.2: Hebbian couplings (1.3) J_ij = P⁻¹ Σ_λ y_i^λ y_j^λ from P patterns y^λ ∈ {−1, 1}^n
 * (the document writes n for the number of patterns; here P, and n is the number of neurons), and the retrieval
 * dynamics (1.4) x^{k+1} = sgn(J x^k + h).
 *
 * Conventions:
 *  - The diagonal: (1.3) as written gives J_ii = 1; Hopfield's network (and the Ising energy of §1.2) has no
 *    self-coupling, so `hebbianCouplings` sets J_ii = 0 unless `diagonal: 'hebbian'` keeps (1.3) verbatim.
 *  - sgn(0): a neuron whose field is exactly 0 keeps its state (so fixed points are well defined).
 *  - The energy that (1.4) descends is U(x) = −½ xᵀJx − hᵀx (1.2 with the sum over unordered pairs): an asynchronous
 *    update never increases it when J is symmetric with J_ii ≥ 0.
 * The asynchronous dynamics updates one neuron at a time (in a random order per sweep); the synchronous one is (1.4)
 * for all neurons at once. The overlap with a pattern is m = n⁻¹ Σ_i y_i x_i; recall from corruption works up to a
 * load α = P/n ≈ 0.138 (Amit, Gutfreund & Sompolinsky 1985).
 */
import type { Stream } from '../rng/stream.js';
import { uniformInt } from '../rng/uniform.js';
import { checkSpins, type Spins } from './ising.js';

function checkPositiveInt(fn: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${fn}: ${what} must be a positive integer, got ${v}`);
}

function checkPatterns(fn: string, patterns: Spins, P: number, n: number): void {
  checkPositiveInt(fn, 'P (patterns)', P);
  checkPositiveInt(fn, 'n (neurons)', n);
  if (patterns.length !== P * n) throw new RangeError(`${fn}: patterns must hold P·n = ${P * n} spins, got ${patterns.length}`);
  for (let k = 0; k < P * n; k++) {
    const s = patterns[k]!;
    if (s !== 1 && s !== -1) throw new RangeError(`${fn}: patterns[${Math.floor(k / n)}][${k % n}] = ${s} must be −1 or +1`);
  }
}

/** Checks J (n×n, finite, symmetric) and h (n, finite). */
export function checkHopfield(fn: string, J: Float64Array, h: Float64Array, n: number): void {
  checkPositiveInt(fn, 'n (neurons)', n);
  if (J.length !== n * n) throw new RangeError(`${fn}: J must hold n·n = ${n * n} values, got ${J.length}`);
  if (h.length !== n) throw new RangeError(`${fn}: h must hold n = ${n} values, got ${h.length}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(h[i]!)) throw new RangeError(`${fn}: h[${i}] = ${h[i]} must be finite`);
    for (let j = i; j < n; j++) {
      const a = J[i * n + j]!, b = J[j * n + i]!;
      if (!Number.isFinite(a)) throw new RangeError(`${fn}: J[${i}][${j}] = ${a} must be finite`);
      if (a !== b) throw new RangeError(`${fn}: J must be symmetric, got J[${i}][${j}] = ${a} ≠ J[${j}][${i}] = ${b}`);
    }
  }
}

/** 001 (1.3) Hebbian couplings J_ij = P⁻¹ Σ_λ y_i^λ y_j^λ (n×n), J_ii = 0 unless `diagonal: 'hebbian'`. */
export function hebbianCouplings(patterns: Spins, P: number, n: number, options: { diagonal?: 'zero' | 'hebbian' } = {}): Float64Array {
  const fn = 'hebbianCouplings';
  checkPatterns(fn, patterns, P, n);
  const diagonal = options.diagonal ?? 'zero';
  if (diagonal !== 'zero' && diagonal !== 'hebbian') throw new RangeError(`${fn}: diagonal must be 'zero' or 'hebbian', got ${String(diagonal)}`);
  const J = new Float64Array(n * n);
  for (let l = 0; l < P; l++) {
    const o = l * n;
    for (let i = 0; i < n; i++) {
      const yi = patterns[o + i]!;
      for (let j = 0; j < n; j++) J[i * n + j] = J[i * n + j]! + yi * patterns[o + j]!;
    }
  }
  for (let k = 0; k < n * n; k++) J[k] = J[k]! / P; // 001 (1.3)
  if (diagonal === 'zero') for (let i = 0; i < n; i++) J[i * n + i] = 0;
  return J;
}

/** U(x) = −½ xᵀJx − hᵀx, the energy that the dynamics (1.4) descends. */
export function hopfieldEnergy(J: Float64Array, h: Float64Array, n: number, x: Spins): number {
  checkHopfield('hopfieldEnergy', J, h, n);
  checkSpins('hopfieldEnergy', 'x', x, n);
  let u = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += J[i * n + j]! * x[j]!;
    u += x[i]! * (0.5 * s + h[i]!);
  }
  return -u;
}

function field(J: Float64Array, h: Float64Array, n: number, x: Spins, i: number): number {
  let s = h[i]!;
  const o = i * n;
  for (let j = 0; j < n; j++) s += J[o + j]! * x[j]!;
  return s;
}

/** sgn with the tie rule: a zero field keeps the current state. */
function sgnKeep(f: number, current: number): number {
  return f > 0 ? 1 : f < 0 ? -1 : current;
}

/**
 * Synchronous (1.4): out = sgn(Jx + h) for all neurons at once (out must not be x). Returns the number of neurons
 * that changed.
 */
export function hopfieldSyncStep(J: Float64Array, h: Float64Array, n: number, x: Spins, out: Spins): number {
  const fn = 'hopfieldSyncStep';
  checkHopfield(fn, J, h, n);
  checkSpins(fn, 'x', x, n);
  if (out.length !== n) throw new RangeError(`${fn}: out must hold ${n} spins, got ${out.length}`);
  if (out === x) throw new RangeError(`${fn}: out must be a different buffer from x (all neurons update from the same x^k)`);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const v = sgnKeep(field(J, h, n, x, i), x[i]!); // 001 (1.4)
    out[i] = v;
    if (v !== x[i]) changed++;
  }
  return changed;
}

/**
 * Asynchronous (1.4): neurons updated one at a time in the given order (a permutation of 0 … n−1), each from the
 * current state; copies x into out (out may be x) and updates out in place. Returns the number of changes.
 */
export function hopfieldAsyncSweep(J: Float64Array, h: Float64Array, n: number, x: Spins, out: Spins, order: Int32Array): number {
  const fn = 'hopfieldAsyncSweep';
  checkHopfield(fn, J, h, n);
  checkSpins(fn, 'x', x, n);
  if (out.length !== n) throw new RangeError(`${fn}: out must hold ${n} spins, got ${out.length}`);
  if (order.length !== n) throw new RangeError(`${fn}: order must hold n = ${n} indices, got ${order.length}`);
  const seen = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    const i = order[t]!;
    if (!(i >= 0 && i < n) || seen[i]) throw new RangeError(`${fn}: order must be a permutation of 0 … ${n - 1} (order[${t}] = ${i})`);
    seen[i] = 1;
  }
  if (out !== x) out.set(x);
  let changed = 0;
  for (let t = 0; t < n; t++) {
    const i = order[t]!;
    const v = sgnKeep(field(J, h, n, out, i), out[i]!); // 001 (1.4), one neuron
    if (v !== out[i]) { out[i] = v; changed++; }
  }
  return changed;
}

/** A uniformly random permutation of 0 … n−1 into out (Fisher–Yates). */
export function randomPermutation(stream: Stream, out: Int32Array): Int32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(stream, i + 1);
    const t = out[i]!; out[i] = out[j]!; out[j] = t;
  }
  return out;
}

export interface HopfieldRecall {
  /** the final state */
  readonly state: Int8Array;
  /** sweeps (async) or steps (sync) taken */
  readonly sweeps: number;
  /** whether a fixed point was reached within maxSweeps (a synchronous period-2 cycle stops the run with false) */
  readonly converged: boolean;
}

/**
 * Runs (1.4) from x0 until nothing changes or maxSweeps: asynchronous sweeps in a fresh random order each (the stream
 * draws the orders), or synchronous steps (the stream is not used; a period-2 cycle, which synchronous dynamics can
 * reach, also stops it and counts as converged: false).
 */
export function hopfieldRecall(
  stream: Stream,
  J: Float64Array,
  h: Float64Array,
  n: number,
  x0: Spins,
  options: { mode?: 'async' | 'sync'; maxSweeps?: number } = {},
): HopfieldRecall {
  const fn = 'hopfieldRecall';
  const mode = options.mode ?? 'async';
  const maxSweeps = options.maxSweeps ?? 100;
  if (mode !== 'async' && mode !== 'sync') throw new RangeError(`${fn}: mode must be 'async' or 'sync', got ${String(mode)}`);
  checkPositiveInt(fn, 'maxSweeps', maxSweeps);
  checkHopfield(fn, J, h, n);
  checkSpins(fn, 'x0', x0, n);
  const state = Int8Array.from(x0);
  if (mode === 'async') {
    const order = new Int32Array(n);
    for (let s = 1; s <= maxSweeps; s++) {
      if (hopfieldAsyncSweep(J, h, n, state, state, randomPermutation(stream, order)) === 0) return { state, sweeps: s, converged: true };
    }
    return { state, sweeps: maxSweeps, converged: false };
  }
  const prev = Int8Array.from(state), next = new Int8Array(n);
  for (let s = 1; s <= maxSweeps; s++) {
    const changed = hopfieldSyncStep(J, h, n, state, next);
    if (changed === 0) return { state, sweeps: s, converged: true };
    if (s > 1 && next.every((v, i) => v === prev[i])) { state.set(next); return { state, sweeps: s, converged: false }; }
    prev.set(state);
    state.set(next);
  }
  return { state, sweeps: maxSweeps, converged: false };
}

/** The overlap m = n⁻¹ Σ_i y_i x_i ∈ [−1, 1] of a state x with a pattern y. */
export function overlap(y: Spins, x: Spins): number {
  if (y.length !== x.length || y.length === 0) throw new RangeError(`overlap: y and x must have the same positive length, got ${y.length} and ${x.length}`);
  checkSpins('overlap', 'y', y, y.length);
  checkSpins('overlap', 'x', x, x.length);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * x[i]!;
  return s / y.length;
}

/** Copies pattern into out and flips exactly `flips` distinct neurons chosen uniformly (a corrupted cue). */
export function corruptPattern(stream: Stream, pattern: Spins, flips: number, out: Spins): Spins {
  const fn = 'corruptPattern';
  const n = pattern.length;
  checkSpins(fn, 'pattern', pattern, n);
  if (!Number.isInteger(flips) || flips < 0 || flips > n) throw new RangeError(`${fn}: flips = ${flips} must be an integer in [0, ${n}]`);
  if (out.length !== n) throw new RangeError(`${fn}: out must hold ${n} spins, got ${out.length}`);
  if (out !== pattern) out.set(pattern);
  // The first `flips` entries of a partial Fisher–Yates shuffle: a uniform subset of that size.
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let t = 0; t < flips; t++) {
    const j = t + uniformInt(stream, n - t);
    const tmp = idx[t]!; idx[t] = idx[j]!; idx[j] = tmp;
    out[idx[t]!] = -out[idx[t]!]!;
  }
  return out;
}

/** Whether x is a fixed point of (1.4): no neuron's sgn(Jx + h)_i differs from x_i (a zero field keeps the state). */
export function isHopfieldFixedPoint(J: Float64Array, h: Float64Array, n: number, x: Spins): boolean {
  checkHopfield('isHopfieldFixedPoint', J, h, n);
  checkSpins('isHopfieldFixedPoint', 'x', x, n);
  for (let i = 0; i < n; i++) if (sgnKeep(field(J, h, n, x, i), x[i]!) !== x[i]) return false;
  return true;
}
