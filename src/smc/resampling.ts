/**
 * Resampling schemes, 004 App. A.4 (and particles' `resampling.py`, whose shape this follows). Every scheme has one
 * signature:
 *
 *   type ResamplingScheme = (stream, logW: Float64Array, out: Int32Array) => Int32Array
 *
 * It reads the N log-weights A^i in `logW` (normalized weights p_i = e^{A^i}/Σ_j e^{A^j}; NaN counts as −∞), draws
 * M = out.length ancestor indices into `out` and returns it. Each index is in [0, N) and names a walker of positive
 * weight; E[#{n : out[n] = i}] = M p_i for every scheme (the unbiasedness condition of A.4). A scheme allocates
 * nothing and runs in O(N + M): the sorted points u_1 ≤ … ≤ u_M in (0, 1] are generated in increasing order and matched
 * against the cumulative sum P_m (004 (37)) in one merge pass, picking m with P_{m−1} < u_n ≤ P_m (004 (38) on the
 * half-open strata (0, 1] that A.4 uses). Outputs are in increasing order (residual: the deterministic copies in
 * increasing order, then the residual draws in increasing order).
 *
 * Floating point: the cumulative sum is taken over the unnormalized weights w_i = e^{A^i − max A} and the points are
 * scaled by their total W computed by the same summation in the same order, so the last cumulative value equals W
 * exactly and a point u·W ≤ W can never run past the end — the failure of implementations that normalize first and
 * find Σ p_i < 1. A walker of zero weight leaves the cumulative sum unchanged and so is never picked.
 *
 * The schemes (A.4's letters; u ∈ (0, 1]):
 * - multinomial: u_n iid U(0, 1], generated already sorted (the minimum of k uniforms on (a, 1] is
 *   a + (1 − a)(1 − V^{1/k})), so no sort and no alias table are needed;
 * - stratified: u_n = (n − 1 + V_n)/M with V_n iid U(0, 1];
 * - systematic: u_n = (n − 1 + V)/M with one V ~ U(0, 1] (A.4's u_1 ~ U(0, 1/N]);
 * - residual (Liu & Chen 1998, particles' `residual`): ⌊M p_i⌋ deterministic copies of walker i, then the remaining
 *   R = M − Σ_i ⌊M p_i⌋ draws multinomially from the residuals M p_i − ⌊M p_i⌋.
 *
 * Each has a lower-level form with injected uniforms for exact tests: `systematicFromUniform(logW, v, out)`,
 * `stratifiedFromUniforms(logW, v, out)`, `multinomialFromSortedUniforms(logW, u, out)`,
 * `residualFromSortedUniforms(logW, u, out)`.
 */
import type { Stream } from '../rng/stream.js';
import { uniform, uniformOpen } from '../rng/uniform.js';
import { maxFiniteLogWeight } from './log-weights.js';

/** A resampling scheme: M = out.length ancestor indices drawn from the normalized weights of `logW`. */
export type ResamplingScheme = (stream: Stream, logW: Float64Array, out: Int32Array) => Int32Array;

// The merge cursor over the cumulative sum, kept in module state so the schemes allocate nothing. Schemes are
// synchronous and never re-enter each other, so one cursor suffices.
let curLogW: Float64Array = new Float64Array(0);
let curMax = 0; // max A: the weights are w_i = e^{A^i − max}
let curResidualScale = 0; // residual mode (when > 0): weights are frac(w_i · M/W)
let curTotal = 0; // the sum of the weights, in index order
let curLast = 0; // the last index of positive weight
let curIndex = 0; // the walker the cursor is on
let curCumulative = 0; // the cumulative weight through curIndex

function weightAt(i: number): number {
  const a = curLogW[i]!;
  const w = a === a ? Math.exp(a - curMax) : 0;
  if (curResidualScale > 0) {
    const y = w * curResidualScale;
    return y - Math.floor(y);
  }
  return w;
}

/** Sets the cursor on logW's weights (or, in residual mode, on their residuals) and sums them. */
function startCursor(logW: Float64Array, max: number, residualScale: number): void {
  curLogW = logW;
  curMax = max;
  curResidualScale = residualScale;
  let s = 0, last = 0;
  for (let i = 0; i < logW.length; i++) {
    const w = weightAt(i);
    s += w;
    if (w > 0) last = i;
  }
  curTotal = s;
  curLast = last;
  curIndex = 0;
  curCumulative = weightAt(0);
}

/**
 * The walker m with C_{m−1} < t ≤ C_m (004 (38) in unnormalized units), for points t given in increasing order. The
 * `curCumulative <= 0` clause skips leading zero weights even for t = 0; the `curIndex < curLast` bound never binds
 * when the points are ≤ the total (the sums agree bit for bit), and if it did it would stop on a positive weight.
 */
function findAncestor(t: number): number {
  while ((curCumulative < t || curCumulative <= 0) && curIndex < curLast) {
    curIndex++;
    curCumulative += weightAt(curIndex);
  }
  return curIndex;
}

function releaseCursor(): void {
  curLogW = new Float64Array(0);
  curResidualScale = 0;
}

function checkInputs(logW: Float64Array, out: Int32Array): number {
  if (logW.length < 1) throw new RangeError('logW must hold at least one log-weight');
  if (out.length < 1) throw new RangeError('out must have length M ≥ 1 (the number of draws)');
  return maxFiniteLogWeight(logW);
}

function checkUnitInterval(name: string, u: Float64Array, m: number, sorted: boolean): void {
  if (u.length < m) throw new RangeError(`${name} must hold at least ${m} uniforms, got ${u.length}`);
  let prev = 0;
  for (let k = 0; k < m; k++) {
    const x = u[k]!;
    if (!(x > 0 && x <= 1)) throw new RangeError(`${name}[${k}] must be in (0, 1], got ${x}`);
    if (sorted && x < prev) throw new RangeError(`${name} must be in increasing order: ${name}[${k}] = ${x} < ${prev}`);
    prev = x;
  }
}

/** Systematic resampling with an injected V ∈ (0, 1]: u_n = (n − 1 + V)/M (004 A.4). Returns out. */
export function systematicFromUniform(logW: Float64Array, v: number, out: Int32Array): Int32Array {
  const max = checkInputs(logW, out);
  if (!(v > 0 && v <= 1)) throw new RangeError(`v must be in (0, 1], got ${v}`);
  const m = out.length;
  startCursor(logW, max, 0);
  for (let k = 0; k < m; k++) out[k] = findAncestor(((k + v) / m) * curTotal);
  releaseCursor();
  return out;
}

/** Stratified resampling with injected V_n ∈ (0, 1] (v[0 … M − 1]): u_n = (n − 1 + V_n)/M (004 A.4). Returns out. */
export function stratifiedFromUniforms(logW: Float64Array, v: Float64Array, out: Int32Array): Int32Array {
  const max = checkInputs(logW, out);
  const m = out.length;
  checkUnitInterval('v', v, m, false);
  startCursor(logW, max, 0);
  for (let k = 0; k < m; k++) out[k] = findAncestor(((k + v[k]!) / m) * curTotal);
  releaseCursor();
  return out;
}

/** Multinomial resampling with injected increasing uniforms u[0 … M − 1] ∈ (0, 1] (004 A.4, (38)). Returns out. */
export function multinomialFromSortedUniforms(logW: Float64Array, u: Float64Array, out: Int32Array): Int32Array {
  const max = checkInputs(logW, out);
  const m = out.length;
  checkUnitInterval('u', u, m, true);
  startCursor(logW, max, 0);
  for (let k = 0; k < m; k++) out[k] = findAncestor(u[k]! * curTotal);
  releaseCursor();
  return out;
}

/**
 * Deterministic part of residual resampling: writes ⌊M p_i⌋ copies of each walker i into out (increasing), returns
 * their number D (the residual draws then fill out[D … M − 1]).
 */
function residualCopies(logW: Float64Array, max: number, out: Int32Array): number {
  const m = out.length;
  startCursor(logW, max, 0);
  const scale = m / curTotal;
  let filled = 0;
  for (let i = 0; i < logW.length; i++) {
    const y = weightAt(i) * scale; // the same value as weightAt's residual mode computes
    // Rounding could in principle push Σ ⌊y⌋ past M; never write more than M.
    for (let c = Math.floor(y); c > 0 && filled < m; c--) out[filled++] = i;
  }
  // Residual mode; if every residual rounds to 0 while draws remain (not seen in practice), fall back to the weights.
  startCursor(logW, max, scale);
  if (!(curTotal > 0)) startCursor(logW, max, 0);
  return filled;
}

/** R = M − Σ_i ⌊M p_i⌋: how many uniforms residual resampling of M draws from logW consumes. */
export function residualDrawCount(logW: Float64Array, m: number): number {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`m must be a positive integer, got ${m}`);
  const max = maxFiniteLogWeight(logW);
  startCursor(logW, max, 0);
  const scale = m / curTotal;
  let filled = 0;
  for (let i = 0; i < logW.length && filled < m; i++) filled = Math.min(m, filled + Math.floor(weightAt(i) * scale));
  releaseCursor();
  return m - filled;
}

/**
 * Residual resampling with injected increasing uniforms: the deterministic copies, then u[0 … R − 1] ∈ (0, 1] matched
 * against the cumulative residuals (R from `residualDrawCount`; u may be longer). Returns out.
 */
export function residualFromSortedUniforms(logW: Float64Array, u: Float64Array, out: Int32Array): Int32Array {
  const max = checkInputs(logW, out);
  const d = residualCopies(logW, max, out);
  const r = out.length - d;
  checkUnitInterval('u', u, r, true);
  for (let k = 0; k < r; k++) out[d + k] = findAncestor(u[k]! * curTotal);
  releaseCursor();
  return out;
}

/** The next of `remaining` sorted iid U(0, 1] points above `prev`: prev + (1 − prev)(1 − V^{1/remaining}). */
function nextSortedUniform(stream: Stream, prev: number, remaining: number): number {
  const u = prev - (1 - prev) * Math.expm1(Math.log(uniformOpen(stream)) / remaining);
  return u < 1 ? u : 1;
}

/** Multinomial resampling (004 A.4): M iid draws from p, via sorted uniforms in O(N + M). */
export const multinomialResampling: ResamplingScheme = (stream, logW, out) => {
  const max = checkInputs(logW, out);
  const m = out.length;
  startCursor(logW, max, 0);
  let u = 0;
  for (let k = 0; k < m; k++) {
    u = nextSortedUniform(stream, u, m - k);
    out[k] = findAncestor(u * curTotal);
  }
  releaseCursor();
  return out;
};

/** Stratified resampling (004 A.4): one uniform in each stratum ((n − 1)/M, n/M]. */
export const stratifiedResampling: ResamplingScheme = (stream, logW, out) => {
  const max = checkInputs(logW, out);
  const m = out.length;
  startCursor(logW, max, 0);
  for (let k = 0; k < m; k++) out[k] = findAncestor(((k + (1 - uniform(stream))) / m) * curTotal);
  releaseCursor();
  return out;
};

/** Systematic resampling (004 A.4; the scheme of §4.1): one uniform shared by all strata. */
export const systematicResampling: ResamplingScheme = (stream, logW, out) =>
  systematicFromUniform(logW, 1 - uniform(stream), out);

/** Residual resampling: ⌊M p_i⌋ copies, then multinomial draws from the residuals. */
export const residualResampling: ResamplingScheme = (stream, logW, out) => {
  const max = checkInputs(logW, out);
  const d = residualCopies(logW, max, out);
  const r = out.length - d;
  let u = 0;
  for (let k = 0; k < r; k++) {
    u = nextSortedUniform(stream, u, r - k);
    out[d + k] = findAncestor(u * curTotal);
  }
  releaseCursor();
  return out;
};

/** The schemes by name, for configurations. */
export const RESAMPLING_SCHEMES = {
  multinomial: multinomialResampling,
  stratified: stratifiedResampling,
  systematic: systematicResampling,
  residual: residualResampling,
} as const satisfies Record<string, ResamplingScheme>;

export type ResamplingSchemeName = keyof typeof RESAMPLING_SCHEMES;

/** The scheme of a name, with a precise error for an unknown one. */
export function resamplingScheme(name: string): ResamplingScheme {
  if (!Object.hasOwn(RESAMPLING_SCHEMES, name)) {
    throw new RangeError(`resampling scheme must be one of ${Object.keys(RESAMPLING_SCHEMES).join(', ')}, got ${name}`);
  }
  return RESAMPLING_SCHEMES[name as ResamplingSchemeName];
}
