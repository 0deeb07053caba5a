/**
 * Argument checks shared by the analytic energies (energy.ts has `checkTheta` and `checkBatch`): output buffers long
 * enough, weights present, dimensions valid. Each error names the energy, the argument and the constraint.
 */
import { checkBatch, checkTheta, type Energy } from './energy.js';

/** Rejects a dimension that is not a positive integer. */
export function checkDim(name: string, what: string, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${d}`);
}

/** Rejects an output buffer shorter than len. */
export function checkOut(name: string, what: string, buf: Float64Array, len: number): void {
  if (!(buf instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (buf.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${buf.length}`);
}

/** θ, x (n walkers) and an output of n·perWalker values. */
export function checkCall(e: Pick<Energy, 'name' | 'paramDim' | 'dim'>, theta: Float64Array, x: Float64Array, n: number): void {
  checkTheta(e, theta);
  checkBatch(e.name, x, n, e.dim);
}

/** Σᵢ wᵢ ∂θU needs n weights and an output of length p. */
export function checkParamGradArgs(
  e: Pick<Energy, 'name' | 'paramDim' | 'dim'>,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  weights: Float64Array,
  out: Float64Array,
): void {
  checkCall(e, theta, x, n);
  checkOut(e.name, 'weights', weights, n);
  checkOut(e.name, 'out', out, e.paramDim);
}

/** log(1 + e^t) without overflow or loss of precision at either end. */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** 1 / (1 + e^{−t}) without overflow. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

export const LOG_2PI = Math.log(2 * Math.PI);
