/**
 * 001 §2 Remark 2.1, (2.2): the partition function as an expectation under a proposal ρ0 that is known pointwise
 * (with its normalization) and easy to sample,
 *   Zθ = E₀[e^{−Uθ}/ρ0],   Ẑ = (1/n) Σᵢ wᵢ,  wᵢ = e^{−Uθ(xᵢ)}/ρ0(xᵢ),  xᵢ ~ ρ0,
 * and its coefficient of variation CV = sd(w)/E[w], which sets the relative error CV/√n of Ẑ. Weights are kept in
 * log space (log wᵢ = −U(xᵢ) − log ρ0(xᵢ)); Ẑ is returned as log Ẑ = logsumexp(log w) − log n.
 *
 * For a Gaussian target e^{−U} ∝ N(m, diag s²) and a Gaussian proposal N(m0, diag s0²) the CV is closed form:
 *   E[w²]/Z² = Πⱼ s0ⱼ² / (sⱼ √(2s0ⱼ² − sⱼ²)) · exp((mⱼ − m0ⱼ)²/(2s0ⱼ² − sⱼ²)),   CV² = E[w²]/Z² − 1,
 * and infinite as soon as 2s0ⱼ² ≤ sⱼ² for some j — the "very large, or even infinite, coefficient of variation"
 * the remark warns of for a proposal not tailored to e^{−U}.
 */
import type { Potential } from '../energies/energy.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { LOG_2PI } from '../energies/validate.js';

/** A proposal ρ0 on ℝ^d: exact draws and the normalized log-density. */
export interface Proposal {
  readonly name: string;
  readonly dim: number;
  /** n draws into out (n×d); returns out. */
  sample(stream: Stream, n: number, out: Float64Array): Float64Array;
  /** log ρ0(xᵢ) into out[i]; returns out. */
  logDensity(x: Float64Array, n: number, out: Float64Array): Float64Array;
}

function checkGaussianParams(name: string, mean: Float64Array, std: Float64Array): void {
  if (mean.length < 1 || mean.length !== std.length) throw new RangeError(`${name}: mean and std must have the same positive length, got ${mean.length} and ${std.length}`);
  for (let j = 0; j < mean.length; j++) {
    if (!Number.isFinite(mean[j]!)) throw new RangeError(`${name}: mean[${j}] = ${mean[j]} must be finite`);
    if (!(Number.isFinite(std[j]!) && std[j]! > 0)) throw new RangeError(`${name}: std[${j}] = ${std[j]} must be finite and > 0`);
  }
}

/** The proposal N(mean, diag std²). */
export function gaussianProposal(mean: Float64Array, std: Float64Array): Proposal {
  checkGaussianParams('gaussianProposal', mean, std);
  const d = mean.length;
  const m = Float64Array.from(mean), s = Float64Array.from(std);
  let logNorm = -0.5 * d * LOG_2PI;
  for (let j = 0; j < d; j++) logNorm -= Math.log(s[j]!);
  return {
    name: `gaussianProposal(d=${d})`,
    dim: d,
    sample(stream, n, out) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`gaussianProposal.sample: n must be a positive integer, got ${n}`);
      if (out.length < n * d) throw new RangeError(`gaussianProposal.sample: out must hold n·d = ${n * d} values, got ${out.length}`);
      normals(stream, out, 0, n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = m[j]! + s[j]! * out[i * d + j]!;
      return out;
    },
    logDensity(x, n, out) {
      if (x.length < n * d || out.length < n) throw new RangeError(`gaussianProposal.logDensity: x must hold ${n * d} and out ${n} values, got ${x.length} and ${out.length}`);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = 0; j < d; j++) {
          const t = (x[i * d + j]! - m[j]!) / s[j]!;
          q += t * t;
        }
        out[i] = logNorm - 0.5 * q;
      }
      return out;
    },
  };
}

/** The importance-sampling estimate of Z (001 (2.2)) with its diagnostics. */
export interface ImportanceEstimate {
  /** log Ẑ = log((1/n) Σ wᵢ) */
  logZ: number;
  /** the sample coefficient of variation of the weights, sd(w)/mean(w) (sd with the 1/(n − 1) normalization) */
  cv: number;
  /** the estimated relative standard error of Ẑ: cv/√n */
  relativeStandardError: number;
  /** log wᵢ = −U(xᵢ) − log ρ0(xᵢ) */
  logWeights: Float64Array;
}

/** Ẑ from n draws of ρ0 (001 (2.2)); the draws are written into `x` when given (n×d). */
export function importanceLogZ(stream: Stream, target: Potential, proposal: Proposal, n: number, x?: Float64Array): ImportanceEstimate {
  const name = 'importanceLogZ';
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${name}: n must be an integer ≥ 2, got ${n}`);
  if (target.dim !== proposal.dim) throw new RangeError(`${name}: target (dim ${target.dim}) and proposal (dim ${proposal.dim}) must have the same dimension`);
  const d = target.dim;
  const xs = x ?? new Float64Array(n * d);
  if (xs.length !== n * d) throw new RangeError(`${name}: x must hold n·d = ${n * d} values, got ${xs.length}`);
  proposal.sample(stream, n, xs);
  const u = target.energy(xs, n, new Float64Array(n));
  const logW = proposal.logDensity(xs, n, new Float64Array(n));
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const lw = -u[i]! - logW[i]!; // log(e^{−U}/ρ0)
    if (Number.isNaN(lw) || lw === Infinity) throw new RangeError(`${name}: log-weight ${i} is ${lw} (U = ${u[i]}, log ρ0 = ${logW[i]})`);
    logW[i] = lw;
    if (lw > max) max = lw;
  }
  if (max === -Infinity) throw new RangeError(`${name}: every weight is 0 (the proposal missed the target)`);
  // Mean and variance of w̃ = w e^{−max} (Welford), so nothing overflows.
  let mean = 0, ss = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(logW[i]! - max);
    const delta = w - mean;
    mean += delta / (i + 1);
    ss += delta * (w - mean);
  }
  const cv = Math.sqrt(ss / (n - 1)) / mean;
  return { logZ: max + Math.log(mean), cv, relativeStandardError: cv / Math.sqrt(n), logWeights: logW };
}

/**
 * The exact CV of w = e^{−U}/ρ0 for e^{−U} ∝ N(m, diag s²) and ρ0 = N(m0, diag s0²) (formula in the header);
 * Infinity when 2s0ⱼ² ≤ sⱼ² for some coordinate.
 */
export function gaussianImportanceCv(targetMean: Float64Array, targetStd: Float64Array, proposalMean: Float64Array, proposalStd: Float64Array): number {
  const name = 'gaussianImportanceCv';
  checkGaussianParams(`${name} (target)`, targetMean, targetStd);
  checkGaussianParams(`${name} (proposal)`, proposalMean, proposalStd);
  if (targetMean.length !== proposalMean.length) throw new RangeError(`${name}: target (d = ${targetMean.length}) and proposal (d = ${proposalMean.length}) must have the same dimension`);
  let logM2 = 0; // log E[w²]/Z²
  for (let j = 0; j < targetMean.length; j++) {
    const s = targetStd[j]!, s0 = proposalStd[j]!;
    const gap = 2 * s0 * s0 - s * s;
    if (!(gap > 0)) return Infinity;
    const dm = targetMean[j]! - proposalMean[j]!;
    logM2 += 2 * Math.log(s0) - Math.log(s) - 0.5 * Math.log(gap) + (dm * dm) / gap;
  }
  // logM2 ≥ 0 in exact arithmetic (Jensen); rounding can leave −1e-16 when the proposal is the target.
  return Math.sqrt(Math.max(0, Math.expm1(logM2)));
}
