/**
 * The contracts of src/training. An algorithm (Algorithms 1–4 of 004, the unweighted variant of App. C.1.2) is
 * written once, in trainer.ts, against two interfaces that hide where the walkers and the data live:
 *
 * - a `WalkerEngine` holds the N walkers X^i with U and ∇ₓU cached at the current parameters, moves them by ULA and
 *   updates their Jarzynski log-weights; engine.ts has the generic one (any `Energy`, Float64Arrays), gmm/ has a fused,
 *   multi-threaded one for the paper's mixture, and src/tfjs (issue 6) holds walkers as tensors;
 * - a `DataTerm` gives the data averages n⁻¹ Σ_j ∂θU_θ(x*_j) and n⁻¹ Σ_j U_θ(x*_j).
 *
 * Randomness: every draw of iteration k comes from `iterationKey(runKey, k)` and named sub-keys (keys.ts), so a run
 * resumed at iteration k draws exactly what the uninterrupted run drew, whatever the number of threads.
 */
import type { Key } from '../rng/key.js';

export interface WalkerEngine {
  /** N, the number of walkers. */
  readonly walkers: number;
  /** d */
  readonly dim: number;
  /** p, the number of parameters θ. */
  readonly paramDim: number;
  /** Places the walkers at x (N×d, copied) and evaluates U_θ and ∇ₓU_θ there. */
  setPositions(theta: Float64Array, x: Float64Array): void;
  /**
   * One ULA move (004 (5) first line; Alg. 2 line 9) of the walkers listed in `moved` (all walkers when null), from
   * the cached ∇U_θk, with the noise of `noiseKey` (keys.ts: the t-th moved walker takes the next d normals of the
   * stream of `noiseBlockKey(noiseKey, ⌊t / NOISE_BLOCK⌋)`, walkers in order within a block); then U and
   * ∇U are evaluated at θ_{k+1} = thetaNext for every walker (frozen walkers at their old positions). When `logW` is
   * given, it is updated in place: moved walkers by the Jarzynski increment 004 (5)-(6), frozen walkers by
   * Alg. 2 line 14 (A += U_θk(X) − U_θk+1(X)).
   */
  advance(noiseKey: Key, thetaK: Float64Array, thetaNext: Float64Array, h: number, moved: Int32Array | null, logW: Float64Array | null): void;
  /** Σᵢ wᵢ ∂θU_θ(Xᵢ) at the cached parameters θ (the last evaluated), into out (length p). */
  paramGrad(theta: Float64Array, weights: Float64Array, out: Float64Array): Float64Array;
  /** Replaces walker i by walker ancestors[i] (positions and cached U, ∇U). */
  resample(ancestors: Int32Array): void;
  /** Copies the positions (N×d) into out. */
  readPositions(out: Float64Array): Float64Array;
  /** Copies the cached energies U_θ(Xᵢ) (N) into out. */
  readEnergies(out: Float64Array): Float64Array;
  /** Copies the cached gradients ∇ₓU_θ(Xᵢ) (N×d) into out. */
  readGradients(out: Float64Array): Float64Array;
  /** Restores positions, energies and gradients exactly (checkpoint resume: no re-evaluation, bit-identical). */
  restore(x: Float64Array, u: Float64Array, grad: Float64Array): void;
  /** Releases threads or devices, if any. */
  dispose(): void;
}

export interface DataTerm {
  /** n, the number of data points. */
  readonly size: number;
  readonly dim: number;
  /** n⁻¹ Σ_j ∂θU_θ(x*_j) into out; returns n⁻¹ Σ_j U_θ(x*_j) (the data part of the cross-entropy (12)). */
  meanParamGradAndEnergy(theta: Float64Array, out: Float64Array): number;
  /** The data points (n×d), for the algorithms that place walkers on them (CD, PCD). */
  readonly points: Float64Array;
}
