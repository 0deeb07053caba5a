/**
 * Metropolis–Hastings (000 §2.1.2; 001 Def. 4.2, (4.3)-(4.7)), batched over walkers, with a general proposal g(x'|x):
 * propose x' ~ g(·|x), accept with probability
 *   A(x', x) = min{1, ρ(x') g(x|x') / (ρ(x) g(x'|x))}                                         001 (4.3)
 * (001 (4.3) writes argmin where it means min; this is the min), computed in log space as
 *   log A = min(0, −U(x') + U(x) + log g(x|x') − log g(x'|x)),
 * so Z never appears. A NaN or +∞ energy at the proposal rejects it (a NaN log-ratio counts as −∞, DESIGN.md).
 *
 * Proposals: a Gaussian random walk (symmetric: scale σ, per-coordinate scales, or a Cholesky factor) and an
 * independence proposal N(m, S). A proposal that declares itself `symmetric` skips the Hastings ratio; a proposal that
 * wrongly declares so is MH without the proposal ratio (the spec uses that as a negative control).
 *
 * Gradients: MH needs U only. By default the sampler evaluates `potential.energy` and fills the state's `grad` with
 * NaN, so a stale ∇U can never pass for a valid one (a gradient kernel fed such a state yields NaN energy errors and
 * rejects, or NaN positions, rather than a silently wrong step); with
 * `trackGradient: true` it evaluates `energyGrad` at every proposal and keeps `grad` valid (to alternate MH with HMC
 * or MALA on one state), at the cost of the gradients.
 */
import type { Potential } from '../energies/energy.js';
import { cholesky } from '../linalg/dense.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { uniformOpen } from '../rng/uniform.js';
import type { AcceptInfo, Sampler, WalkerState } from './types.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** A batched proposal kernel g(x'|x) on ℝ^d. */
export interface Proposal {
  readonly name: string;
  readonly dim: number;
  /** g(x'|x) = g(x|x') for all x, x', so the Hastings ratio is 1 and is not evaluated */
  readonly symmetric: boolean;
  /** x'_i ~ g(·|x_i) for i < n into out (n×d; out must not alias x); returns out */
  propose(stream: Stream, x: Float64Array, n: number, out: Float64Array): Float64Array;
  /** log g(to_i | from_i) into out[i] for i < n; returns out */
  logDensity(to: Float64Array, from: Float64Array, n: number, out: Float64Array): Float64Array;
}

/**
 * log A(x → x') = min(0, −U(x') + U(x) + log g(x|x') − log g(x'|x)), 001 (4.3) in log space. Pure; NaN → −∞.
 * @param uFrom U(x)  @param uTo U(x')  @param logGReverse log g(x|x')  @param logGForward log g(x'|x)
 */
export function logAcceptanceProbability(uFrom: number, uTo: number, logGReverse: number, logGForward: number): number {
  const r = -uTo + uFrom + logGReverse - logGForward;
  if (Number.isNaN(r)) return -Infinity;
  return r < 0 ? r : 0;
}

/** Checks a lower-triangular factor with a positive finite diagonal; throws naming `name`. */
function checkLowerFactor(name: string, l: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = l[i * d + j]!;
      if (!Number.isFinite(v)) throw new RangeError(`${name}[${i * d + j}] must be finite, got ${v}`);
      if (j > i && v !== 0) throw new RangeError(`${name} must be lower triangular: entry (${i}, ${j}) is ${v}`);
    }
    if (!(l[i * d + i]! > 0)) throw new RangeError(`${name} must have a positive diagonal: entry (${i}, ${i}) is ${l[i * d + i]}`);
  }
}

/** v ← L v in place for lower-triangular L (row k reads v_0 … v_k, so go from the last coordinate back). */
function lowerTimesInPlace(l: Float64Array, d: number, v: Float64Array, o: number): void {
  for (let k = d - 1; k >= 0; k--) {
    let s = 0;
    for (let j = 0; j <= k; j++) s += l[k * d + j]! * v[o + j]!;
    v[o + k] = s;
  }
}

/**
 * log N(a − b; 0, LLᵀ) for one walker: −½|L⁻¹(a − b)|² − Σ log L_kk − (d/2) log 2π, by forward substitution into the
 * scratch vector z (length d). `bOffset < 0` means b = 0.
 */
function gaussianLogDensity(l: Float64Array, d: number, logDetHalf: number, a: Float64Array, ao: number, b: Float64Array, bo: number, z: Float64Array): number {
  let q = 0;
  for (let k = 0; k < d; k++) {
    let s = a[ao + k]! - b[bo + k]!;
    for (let j = 0; j < k; j++) s -= l[k * d + j]! * z[j]!;
    const zk = s / l[k * d + k]!;
    z[k] = zk;
    q += zk * zk;
  }
  return -0.5 * q - logDetHalf - d * HALF_LOG_2PI;
}

/** The d×d lower factor of a scale given as σ > 0, d per-coordinate scales, or a d×d lower Cholesky factor. */
function scaleFactor(d: number, scale: number | Float64Array): Float64Array {
  const l = new Float64Array(d * d);
  if (typeof scale === 'number') {
    if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scale must be a finite number > 0, got ${scale}`);
    for (let k = 0; k < d; k++) l[k * d + k] = scale;
  } else if (scale.length === d) {
    for (let k = 0; k < d; k++) {
      if (!(Number.isFinite(scale[k]!) && scale[k]! > 0)) throw new RangeError(`scale[${k}] must be a finite number > 0, got ${scale[k]}`);
      l[k * d + k] = scale[k]!;
    }
  } else if (scale.length === d * d) {
    checkLowerFactor('scale', scale, d);
    l.set(scale);
  } else {
    throw new RangeError(`scale must be a number, d = ${d} scales or a d×d Cholesky factor (${d * d} values), got length ${scale.length}`);
  }
  return l;
}

function halfLogDet(l: Float64Array, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += Math.log(l[k * d + k]!);
  return s;
}

function checkDim(d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
}

/**
 * The Gaussian random walk x' = x + L ξ, ξ ~ N(0, I_d): g(x'|x) = N(x'; x, LLᵀ), symmetric (000 §2.1.2: α = P̂(x*)/P̂(x)
 * "for the symmetric case"). `scale` is σ (L = σI), d per-coordinate scales, or a d×d lower Cholesky factor L.
 */
export function randomWalkProposal(d: number, scale: number | Float64Array): Proposal {
  checkDim(d);
  const l = scaleFactor(d, scale);
  const logDetHalf = halfLogDet(l, d);
  const z = new Float64Array(d);
  return {
    name: 'random walk',
    dim: d,
    symmetric: true,
    propose(stream, x, n, out) {
      normals(stream, out, 0, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        lowerTimesInPlace(l, d, out, o);
        for (let k = 0; k < d; k++) out[o + k] = out[o + k]! + x[o + k]!;
      }
      return out;
    },
    logDensity(to, from, n, out) {
      for (let i = 0; i < n; i++) out[i] = gaussianLogDensity(l, d, logDetHalf, to, i * d, from, i * d, z);
      return out;
    },
  };
}

/**
 * The independence proposal x' ~ N(m, S), whatever x (a fixed Gaussian): g(x'|x) = N(x'; m, S), not symmetric, so the
 * Hastings ratio g(x|x')/g(x'|x) = N(x; m, S)/N(x'; m, S) enters the acceptance.
 */
export function independenceProposal(mean: Float64Array, covariance: Float64Array): Proposal {
  const d = mean.length;
  checkDim(d);
  for (let k = 0; k < d; k++) if (!Number.isFinite(mean[k]!)) throw new RangeError(`mean[${k}] must be finite, got ${mean[k]}`);
  if (covariance.length !== d * d) throw new RangeError(`covariance must be d×d = ${d * d} values for a mean of length ${d}, got ${covariance.length}`);
  const l = cholesky(covariance, d, new Float64Array(d * d), 'covariance');
  const m = Float64Array.from(mean);
  const logDetHalf = halfLogDet(l, d);
  const z = new Float64Array(d);
  return {
    name: 'independence',
    dim: d,
    symmetric: false,
    propose(stream, _x, n, out) {
      normals(stream, out, 0, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        lowerTimesInPlace(l, d, out, o);
        for (let k = 0; k < d; k++) out[o + k] = out[o + k]! + m[k]!;
      }
      return out;
    },
    logDensity(to, _from, n, out) {
      for (let i = 0; i < n; i++) out[i] = gaussianLogDensity(l, d, logDetHalf, to, i * d, m, 0, z);
      return out;
    },
  };
}

/** Checks initial positions: exactly n·d finite values; throws a RangeError naming x. */
export function checkInitialPositions(name: string, x: Float64Array, n: number, d: number): void {
  if (x.length !== n * d) throw new RangeError(`${name}: x must hold n·d = ${n}·${d} = ${n * d} values, got ${x.length}`);
  for (let j = 0; j < x.length; j++) {
    if (!Number.isFinite(x[j]!)) throw new RangeError(`${name}: x[${j}] must be finite, got ${x[j]}`);
  }
}

/** Checks that a state has the sampler's n and d and buffers of that size. */
/**
 * The state of n walkers at positions x (copied) with U and ∇U evaluated once: the `init` of every gradient-based
 * sampler (ULA, MALA, HMC, the Langevin variants).
 */
export function initialGradientState(potential: Potential, name: string, x: Float64Array, n: number): WalkerState {
  const d = potential.dim, nd = n * d;
  checkInitialPositions(name, x, n, d);
  const state: WalkerState = { n, d, x: Float64Array.from(x.subarray(0, nd)), u: new Float64Array(n), grad: new Float64Array(nd) };
  potential.energyGrad(state.x, n, state.u, state.grad);
  return state;
}

export function checkState(name: string, s: WalkerState, n: number, d: number): void {
  if (s.n !== n || s.d !== d || s.x.length < n * d || s.u.length < n || s.grad.length < n * d) {
    throw new RangeError(`${name}: state must hold n = ${n} walkers of dimension d = ${d}, got n = ${s.n}, d = ${s.d}`);
  }
}

export interface MetropolisHastingsOptions {
  /** evaluate ∇U at every proposal and keep `grad` valid (default false: grad is NaN) */
  readonly trackGradient?: boolean;
}

/**
 * A Metropolis–Hastings sampler for n walkers on `potential` with `proposal` (001 Def. 4.2). Scratch is made here;
 * `step` allocates nothing. The info's arrays are overwritten by the next step.
 */
export function metropolisHastings(
  potential: Potential,
  proposal: Proposal,
  n: number,
  options: MetropolisHastingsOptions = {},
): Sampler<AcceptInfo> {
  const d = potential.dim;
  if (proposal.dim !== d) throw new RangeError(`proposal has dimension ${proposal.dim} but the potential ${potential.name} has ${d}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const track = options.trackGradient ?? false;
  const nd = n * d;
  const xp = new Float64Array(nd);
  const up = new Float64Array(n);
  const gp = new Float64Array(track ? nd : 0);
  const logForward = new Float64Array(n);
  const logReverse = new Float64Array(n);
  const accepted = new Uint8Array(n);
  const acceptProbability = new Float64Array(n);
  const name = `metropolis-hastings(${proposal.name})`;

  return {
    name,
    init(x: Float64Array): WalkerState {
      checkInitialPositions(name, x, n, d);
      const state: WalkerState = { n, d, x: Float64Array.from(x), u: new Float64Array(n), grad: new Float64Array(nd) };
      if (track) potential.energyGrad(state.x, n, state.u, state.grad);
      else {
        potential.energy(state.x, n, state.u);
        state.grad.fill(NaN);
      }
      return state;
    },
    step(stream: Stream, state: WalkerState, out: WalkerState): AcceptInfo {
      checkState(name, state, n, d);
      checkState(name, out, n, d);
      // 001 Def. 4.2 step 1: x' ~ g(·|x)
      proposal.propose(stream, state.x, n, xp);
      if (track) potential.energyGrad(xp, n, up, gp);
      else potential.energy(xp, n, up);
      if (!proposal.symmetric) {
        proposal.logDensity(xp, state.x, n, logForward); // log g(x'|x)
        proposal.logDensity(state.x, xp, n, logReverse); // log g(x|x')
      }
      // steps 2-3: u < A(x', x), 001 (4.3); one uniform per walker whatever the outcome
      let count = 0;
      for (let i = 0; i < n; i++) {
        const logA = proposal.symmetric
          ? logAcceptanceProbability(state.u[i]!, up[i]!, 0, 0)
          : logAcceptanceProbability(state.u[i]!, up[i]!, logReverse[i]!, logForward[i]!);
        acceptProbability[i] = Math.exp(logA);
        const acc = Math.log(uniformOpen(stream)) < logA;
        accepted[i] = acc ? 1 : 0;
        const o = i * d;
        if (acc) {
          count++;
          for (let k = 0; k < d; k++) out.x[o + k] = xp[o + k]!;
          if (track) for (let k = 0; k < d; k++) out.grad[o + k] = gp[o + k]!;
          out.u[i] = up[i]!;
        } else if (out !== state) {
          for (let k = 0; k < d; k++) out.x[o + k] = state.x[o + k]!;
          if (track) for (let k = 0; k < d; k++) out.grad[o + k] = state.grad[o + k]!;
          out.u[i] = state.u[i]!;
        }
      }
      if (!track) out.grad.fill(NaN, 0, nd);
      return { accepted, acceptProbability, acceptRate: count / n };
    },
  };
}

/**
 * log T(x → x') = log g(x'|x) + log A(x', x) for x' ≠ x: the log density of the accepted part of the MH kernel
 * (001 (4.6), first addend), per walker into out. Detailed balance (001 (4.5), (4.7)) says
 * −U(x) + log T(x → x') = −U(x') + log T(x' → x). Allocates (a convenience for tests and diagnostics).
 */
export function logTransitionDensity(
  potential: Potential,
  proposal: Proposal,
  from: Float64Array,
  to: Float64Array,
  n: number,
  out = new Float64Array(n),
): Float64Array {
  const uFrom = potential.energy(from, n, new Float64Array(n));
  const uTo = potential.energy(to, n, new Float64Array(n));
  const fwd = proposal.logDensity(to, from, n, new Float64Array(n));
  const rev = proposal.logDensity(from, to, n, new Float64Array(n));
  for (let i = 0; i < n; i++) out[i] = fwd[i]! + logAcceptanceProbability(uFrom[i]!, uTo[i]!, rev[i]!, fwd[i]!);
  return out;
}
