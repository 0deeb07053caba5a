/**
 * Shared types of the samplers (BlackJAX's shape, STYLE.md): a sampler is built once for a potential and a batch size
 * (its scratch space is made then) and exposes `init` and `step`. The state holds what the next step needs — the
 * positions and the cached U and ∇U — so each step evaluates the model once; `step` returns an info record with
 * diagnostics that never feed the next step.
 *
 * `step(stream, state, out)` reads `state` and writes the new state into `out`; it never modifies `state`, except that
 * `out` may be `state` itself (in-place update, what long runs do to avoid copies).
 */
import type { Stream } from '../rng/stream.js';

/** n walkers in ℝ^d with their cached energies and gradients. */
export interface WalkerState {
  readonly n: number;
  readonly d: number;
  /** positions, n×d row-major */
  readonly x: Float64Array;
  /** U(x_i) */
  readonly u: Float64Array;
  /** ∇U(x_i), n×d row-major */
  readonly grad: Float64Array;
}

/** Diagnostics of one step of an accept/reject sampler. */
export interface AcceptInfo {
  /** 1 where walker i accepted its proposal */
  readonly accepted: Uint8Array;
  /** the Metropolis–Hastings acceptance probability of each walker's proposal */
  readonly acceptProbability: Float64Array;
  /** the fraction of walkers that accepted */
  readonly acceptRate: number;
}

/** A batched Markov kernel over walker states. */
export interface Sampler<Info = unknown> {
  readonly name: string;
  /** Builds the state of n walkers at positions x (n×d, copied), evaluating U and ∇U once. */
  init(x: Float64Array): WalkerState;
  /** One step of every walker: reads `state`, writes `out` (which may be `state`), returns diagnostics. */
  step(stream: Stream, state: WalkerState, out: WalkerState): Info;
}

/** A fresh state buffer of n walkers in ℝ^d (zeros). */
export function emptyState(n: number, d: number): WalkerState {
  return { n, d, x: new Float64Array(n * d), u: new Float64Array(n), grad: new Float64Array(n * d) };
}

/** Rejects a step size that is not a finite positive number, naming it. */
export function checkStepSize(name: string, h: number): void {
  if (!(Number.isFinite(h) && h > 0)) throw new RangeError(`${name} must be a finite number > 0, got ${h}`);
}
