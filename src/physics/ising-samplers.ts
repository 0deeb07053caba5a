/**
 * Single-spin Markov chains for the Ising law ρ ∝ e^{−βU} of 001 (1.1)-(1.2) (001 §4: Metropolis–Hastings; the Gibbs
 * sampler): spin i with local field f_i = Σ_j J_ij x_j + μ h_i changes the energy by ΔU_i = 2 x_i f_i when flipped.
 *  - heat bath (Gibbs): draw x_i from its conditional law, P(x_i = +1 | rest) = e^{βf_i}/(e^{βf_i} + e^{−βf_i}) = σ(2βf_i);
 *  - Metropolis: propose the flip, accept with probability min(1, e^{−βΔU_i}) (001 (4.3) with a symmetric proposal).
 * Each single-site kernel satisfies detailed balance (001 (4.5)); a sweep visits i = 0 … N−1 in order (it leaves ρ
 * invariant but is not reversible), random scan picks i uniformly (reversible).
 *
 * `spinUpdate` takes the uniform u as an argument, so the exact transition matrices below are the same code as the
 * samplers; `isingSweep` draws one uniform per site from the stream.
 */
import type { Stream } from '../rng/stream.js';
import { uniform, uniformInt } from '../rng/uniform.js';
import { checkEnumerable, checkSite, checkSpins, localFieldUnchecked, type IsingModel, type Spins } from './ising.js';

function checkOut(fn: string, out: Spins, n: number): void {
  if (!(out instanceof Int8Array || out instanceof Float64Array)) throw new TypeError(`${fn}: out must be an Int8Array or a Float64Array`);
  if (out.length !== n) throw new RangeError(`${fn}: out must hold ${n} spins, got ${out.length}`);
}

/** Which single-spin kernel. */
export type SpinUpdateRule = 'heat-bath' | 'metropolis';

function checkRule(fn: string, rule: SpinUpdateRule): void {
  if (rule !== 'heat-bath' && rule !== 'metropolis') throw new RangeError(`${fn}: rule must be 'heat-bath' or 'metropolis', got ${String(rule)}`);
}

function checkBeta(fn: string, beta: number): void {
  if (!(Number.isFinite(beta) && beta >= 0)) throw new RangeError(`${fn}: beta = ${beta} must be finite and ≥ 0`);
}

/** P(x_i = +1 | rest) = σ(2βf) for the heat bath, without overflow. */
function upProbability(beta: number, f: number): number {
  const t = 2 * beta * f;
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

function flipProbabilityUnchecked(rule: SpinUpdateRule, model: IsingModel, beta: number, spins: Spins, i: number): number {
  const f = localFieldUnchecked(model, spins, i);
  const s = spins[i]!;
  if (rule === 'heat-bath') {
    const up = upProbability(beta, f);
    return s > 0 ? 1 - up : up;
  }
  const dU = 2 * s * f; // ΔU_i
  return dU <= 0 ? 1 : Math.exp(-beta * dU); // min(1, e^{−βΔU})
}

function spinUpdateUnchecked(rule: SpinUpdateRule, model: IsingModel, beta: number, spins: Spins, i: number, u: number): number {
  if (rule === 'heat-bath') return u < upProbability(beta, localFieldUnchecked(model, spins, i)) ? 1 : -1;
  const s = spins[i]!;
  return u < flipProbabilityUnchecked('metropolis', model, beta, spins, i) ? -s : s;
}

function checkSiteArgs(fn: string, rule: SpinUpdateRule, model: IsingModel, beta: number, spins: Spins, i: number): void {
  checkRule(fn, rule);
  checkBeta(fn, beta);
  checkSite(fn, model, i);
  checkSpins(fn, 'spins', spins, model.n);
}

/** The probability that the kernel flips spin i of the current configuration. */
export function flipProbability(rule: SpinUpdateRule, model: IsingModel, beta: number, spins: Spins, i: number): number {
  checkSiteArgs('flipProbability', rule, model, beta, spins, i);
  return flipProbabilityUnchecked(rule, model, beta, spins, i);
}

/**
 * The new value of spin i given the uniform u ∈ [0, 1): heat bath sets +1 iff u < σ(2βf_i); Metropolis flips iff
 * u < min(1, e^{−βΔU_i}). Writes nothing; returns −1 or +1.
 */
export function spinUpdate(rule: SpinUpdateRule, model: IsingModel, beta: number, spins: Spins, i: number, u: number): number {
  checkSiteArgs('spinUpdate', rule, model, beta, spins, i);
  if (!(u >= 0 && u < 1)) throw new RangeError(`spinUpdate: u = ${u} must be in [0, 1)`);
  return spinUpdateUnchecked(rule, model, beta, spins, i, u);
}

export interface SweepInfo {
  /** spins that changed during the sweep */
  readonly flips: number;
}

/**
 * One sweep i = 0 … N−1 of single-spin updates at inverse temperature β: copies spins into out (out may be spins) and
 * updates out in place, one uniform per site.
 */
export function isingSweep(stream: Stream, model: IsingModel, beta: number, spins: Spins, out: Spins, rule: SpinUpdateRule = 'heat-bath'): SweepInfo {
  const fn = 'isingSweep';
  checkRule(fn, rule);
  checkBeta(fn, beta);
  checkSpins(fn, 'spins', spins, model.n);
  checkOut(fn, out, model.n);
  if (out !== spins) out.set(spins);
  let flips = 0;
  for (let i = 0; i < model.n; i++) {
    const v = spinUpdateUnchecked(rule, model, beta, out, i, uniform(stream));
    if (v !== out[i]) { out[i] = v; flips++; }
  }
  return { flips };
}

/** `steps` random-scan updates (site uniform on {0 … N−1}, then one uniform for the update); out as in isingSweep. */
export function isingRandomScan(stream: Stream, model: IsingModel, beta: number, spins: Spins, out: Spins, steps: number, rule: SpinUpdateRule = 'heat-bath'): SweepInfo {
  const fn = 'isingRandomScan';
  checkRule(fn, rule);
  checkBeta(fn, beta);
  checkSpins(fn, 'spins', spins, model.n);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`${fn}: steps must be a non-negative integer, got ${steps}`);
  checkOut(fn, out, model.n);
  if (out !== spins) out.set(spins);
  let flips = 0;
  for (let t = 0; t < steps; t++) {
    const i = uniformInt(stream, model.n);
    const v = spinUpdateUnchecked(rule, model, beta, out, i, uniform(stream));
    if (v !== out[i]) { out[i] = v; flips++; }
  }
  return { flips };
}

/** The exact kernels below form 2^N × 2^N matrices: N ≤ 10 (8 MiB). */
export const MAX_MATRIX_SPINS = 10;

function checkMatrixSize(fn: string, n: number): void {
  checkEnumerable(fn, n);
  if (n > MAX_MATRIX_SPINS) throw new RangeError(`${fn}: N = ${n} spins: too large for a 2^N × 2^N transition matrix (the limit is ${MAX_MATRIX_SPINS} spins)`);
}

/** The exact transition matrix (2^N × 2^N, row-major, state k as in spinsOfState) of the single-site kernel at site i. */
export function siteKernelMatrix(model: IsingModel, beta: number, i: number, rule: SpinUpdateRule = 'heat-bath'): Float64Array {
  const fn = 'siteKernelMatrix';
  checkRule(fn, rule);
  checkBeta(fn, beta);
  checkMatrixSize(fn, model.n);
  checkSite(fn, model, i);
  const n = model.n, S = 2 ** n, bit = 2 ** i;
  const P = new Float64Array(S * S);
  const x = new Int8Array(n).fill(-1);
  for (let k = 0; k < S; k++) {
    if (k > 0) for (let j = 0; j < n; j++) { if (x[j] === -1) { x[j] = 1; break; } x[j] = -1; }
    const q = flipProbabilityUnchecked(rule, model, beta, x, i);
    const other = x[i]! > 0 ? k - bit : k + bit;
    P[k * S + other] = q;
    P[k * S + k] = 1 - q;
  }
  return P;
}

function matMul(a: Float64Array, b: Float64Array, S: number): Float64Array {
  const c = new Float64Array(S * S);
  for (let i = 0; i < S; i++) {
    for (let k = 0; k < S; k++) {
      const v = a[i * S + k]!;
      if (v === 0) continue;
      for (let j = 0; j < S; j++) c[i * S + j] = c[i * S + j]! + v * b[k * S + j]!;
    }
  }
  return c;
}

/** The exact transition matrix of one sweep (sites 0, 1, …, N−1 in order): P_0 P_1 ⋯ P_{N−1}. */
export function sweepKernelMatrix(model: IsingModel, beta: number, rule: SpinUpdateRule = 'heat-bath'): Float64Array {
  checkMatrixSize('sweepKernelMatrix', model.n);
  let P = siteKernelMatrix(model, beta, 0, rule);
  for (let i = 1; i < model.n; i++) P = matMul(P, siteKernelMatrix(model, beta, i, rule), 2 ** model.n);
  return P;
}

/** The exact transition matrix of one random-scan update: N⁻¹ Σ_i P_i. */
export function randomScanKernelMatrix(model: IsingModel, beta: number, rule: SpinUpdateRule = 'heat-bath'): Float64Array {
  checkMatrixSize('randomScanKernelMatrix', model.n);
  const S = 2 ** model.n;
  const P = new Float64Array(S * S);
  for (let i = 0; i < model.n; i++) {
    const Pi = siteKernelMatrix(model, beta, i, rule);
    for (let k = 0; k < S * S; k++) P[k] = P[k]! + Pi[k]! / model.n;
  }
  return P;
}
