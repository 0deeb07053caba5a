/** Shared helpers of spec/diffusion: 1-D mixture CDFs, small array utilities, the fast-check double generator. */
import fc from 'fast-check';
import { normalCdf } from '../_support/stat.js';
import type { GaussianMixtureData } from '../../src/diffusion/exact.js';

export const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** CDF of a 1-D mixture after Y = aX + cZ. */
export function mixtureCdf1d(data: GaussianMixtureData, a = 1, c = 0): (x: number) => number {
  if (data.d !== 1) throw new Error('mixtureCdf1d: d must be 1');
  return (x) => {
    let s = 0;
    for (let k = 0; k < data.K; k++) {
      const v = a * a * data.variances[k]! + c * c;
      s += data.weights[k]! * normalCdf((x - a * data.means[k]!) / Math.sqrt(v));
    }
    return s;
  };
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
