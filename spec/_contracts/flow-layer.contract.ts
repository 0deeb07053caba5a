/**
 * The contract every FlowLayer passes (STYLE.md 6; 001 §3.4 (3.54)-(3.58)), all exact / deterministic:
 *  - inverse ∘ forward = identity and forward ∘ inverse = identity (1e-10, scaled by magnitude);
 *  - forward log|det J| equals the log|det| of a finite-difference Jacobian (5-point rule, error O(h⁴)), and the
 *    inverse's log-det is its negative at the image point (3.54);
 *  - inverseBackward equals finite differences of L = Σ c·x + Σ e·logDet in θ and in y, and forwardBackward those
 *    of L = Σ c·y + Σ e·logDet through forward, in θ and in x;
 *  - batching changes nothing, inputs are not modified;
 *  - θ of the wrong length or non-finite, non-finite inputs and bad n are rejected with named errors.
 * Parameters are drawn from the project's RNG by a seed that fast-check generates, so {seed, path} replays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowLayer } from '../../src/flows/layers.js';
import { keyFromSeed, streamFromKey, type Stream } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { SUITE_SEED, hashName } from '../_support/seed.js';

export function fcParams(name: string, numRuns = 100): { seed: number; numRuns: number; endOnFailure: true } {
  return { seed: (hashName(name) ^ SUITE_SEED) | 0, numRuns, endOnFailure: true };
}

export interface FlowCase {
  readonly layer: FlowLayer;
  /** a random θ (well-conditioned) from the stream */
  readonly theta: (s: Stream) => Float64Array;
  /** standard deviation of the test points (default 1) */
  readonly spread?: number;
  /** fast-check runs (default 40) */
  readonly runs?: number;
}

/** log|det| of a d×d row-major matrix by Gaussian elimination with partial pivoting. */
export function logAbsDet(a: Float64Array, d: number): number {
  const m = Float64Array.from(a);
  let s = 0;
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(m[i * d + k]!) > Math.abs(m[p * d + k]!)) p = i;
    if (p !== k) for (let j = 0; j < d; j++) { const t = m[k * d + j]!; m[k * d + j] = m[p * d + j]!; m[p * d + j] = t; }
    const piv = m[k * d + k]!;
    s += Math.log(Math.abs(piv));
    for (let i = k + 1; i < d; i++) {
      const f = m[i * d + k]! / piv;
      for (let j = k; j < d; j++) m[i * d + j] -= f * m[k * d + j]!;
    }
  }
  return s;
}

/** The Jacobian (d×d) at one point of a map ℝ^d → ℝ^d by the 5-point rule with step h. */
export function fdJacobian(map: (x: Float64Array) => Float64Array, x: Float64Array, h: number): Float64Array {
  const d = x.length;
  const J = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const at = (t: number): Float64Array => {
      const z = Float64Array.from(x);
      z[j] += t;
      return map(z);
    };
    const p1 = at(h), m1 = at(-h), p2 = at(2 * h), m2 = at(-2 * h);
    for (let i = 0; i < d; i++) J[i * d + j] = (8 * (p1[i]! - m1[i]!) - (p2[i]! - m2[i]!)) / (12 * h);
  }
  return J;
}

/** The 5-point derivative of a scalar function of one coordinate. */
export function fd5(f: (t: number) => number, h: number): number {
  return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h);
}

export function flowLayerContract(label: string, make: () => FlowCase): void {
  describe(`FlowLayer contract: ${label}`, () => {
    const c = make();
    const L = c.layer, d = L.dim, n = 3, sp = c.spread ?? 1, runs = c.runs ?? 40;
    const setup = (seed: number) => {
      const s = streamFromKey(keyFromSeed(seed));
      const theta = c.theta(s);
      const x = normals(s, new Float64Array(n * d));
      for (let k = 0; k < n * d; k++) x[k] = sp * x[k]!;
      return { s, theta, x };
    };

    it('inverse ∘ forward and forward ∘ inverse are the identity (1e-10), log-dets are negatives (3.54)', () => {
      const name = `${label} round trip`;
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { theta, x } = setup(seed);
        const th0 = Float64Array.from(theta), x0 = Float64Array.from(x);
        const y = new Float64Array(n * d), back = new Float64Array(n * d), ldF = new Float64Array(n), ldI = new Float64Array(n);
        L.forward(theta, x, n, y, ldF);
        L.inverse(theta, y, n, back, ldI);
        for (let k = 0; k < n * d; k++) expect(Math.abs(back[k]! - x[k]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(x[k]!) + Math.abs(y[k]!)));
        for (let i = 0; i < n; i++) expect(Math.abs(ldI[i]! + ldF[i]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(ldF[i]!)));
        // the other way round, from y' = x treated as a data point
        const z = new Float64Array(n * d), fz = new Float64Array(n * d);
        L.inverse(theta, x, n, z, ldI);
        L.forward(theta, z, n, fz, ldF);
        for (let k = 0; k < n * d; k++) expect(Math.abs(fz[k]! - x[k]!)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(x[k]!) + Math.abs(z[k]!)));
        expect(Array.from(theta)).toEqual(Array.from(th0)); // pure in value
        expect(Array.from(x)).toEqual(Array.from(x0));
      }), fcParams(name, runs));
    });

    it('forward and inverse log|det J| equal log|det| of the finite-difference Jacobian (1e-7)', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { theta, x } = setup(seed);
        const y = new Float64Array(n * d), ld = new Float64Array(n), ldI = new Float64Array(n);
        L.forward(theta, x, n, y, ld);
        L.inverse(theta, y, n, new Float64Array(n * d), ldI);
        const one = new Float64Array(1), out = new Float64Array(d);
        const fwd = (z: Float64Array) => Float64Array.from(L.forward(theta, z, 1, out, one));
        const inv = (z: Float64Array) => Float64Array.from(L.inverse(theta, z, 1, out, one));
        for (let i = 0; i < n; i++) {
          const xi = x.slice(i * d, (i + 1) * d), yi = y.slice(i * d, (i + 1) * d);
          const h = 2e-4 * (1 + Math.max(...Array.from(xi, Math.abs)));
          expect(Math.abs(logAbsDet(fdJacobian(fwd, xi, h), d) - ld[i]!)).toBeLessThanOrEqual(1e-7);
          const hy = 2e-4 * (1 + Math.max(...Array.from(yi, Math.abs)));
          expect(Math.abs(logAbsDet(fdJacobian(inv, yi, hy), d) - ldI[i]!)).toBeLessThanOrEqual(1e-7);
        }
      }), fcParams(`${label} logdet`, Math.ceil(runs / 2)));
    });

    it('inverseBackward equals finite differences of Σ c·x + Σ e·logDet in θ and in y', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { s, theta, x: y } = setup(seed);
        const cx = normals(s, new Float64Array(n * d)), e = normals(s, new Float64Array(n));
        const objective = (th: Float64Array, yy: Float64Array): number => {
          const xo = new Float64Array(n * d), ld = new Float64Array(n);
          L.inverse(th, yy, n, xo, ld);
          let v = 0;
          for (let k = 0; k < n * d; k++) v += cx[k]! * xo[k]!;
          for (let i = 0; i < n; i++) v += e[i]! * ld[i]!;
          return v;
        };
        const gT = new Float64Array(L.paramDim).fill(0.25), gY = new Float64Array(n * d);
        L.inverseBackward(theta, y, n, cx, e, gT, gY);
        for (let j = 0; j < L.paramDim; j++) gT[j] -= 0.25; // inverseBackward adds into gradTheta
        const h = 1e-4;
        let scale = 1;
        const fdT = new Float64Array(L.paramDim);
        for (let j = 0; j < L.paramDim; j++) {
          fdT[j] = fd5((t) => { const th = Float64Array.from(theta); th[j] += t; return objective(th, y); }, h);
          scale = Math.max(scale, Math.abs(fdT[j]!));
        }
        for (let j = 0; j < L.paramDim; j++) expect(Math.abs(gT[j]! - fdT[j]!)).toBeLessThanOrEqual(1e-6 * scale);
        for (let k = 0; k < n * d; k++) {
          const fdY = fd5((t) => { const yy = Float64Array.from(y); yy[k] += t; return objective(theta, yy); }, h);
          expect(Math.abs(gY[k]! - fdY)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fdY)));
        }
      }), fcParams(`${label} backward`, Math.ceil(runs / 4)));
    });

    it('forwardBackward equals finite differences of Σ c·y + Σ e·logDet in θ and in x', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { s, theta, x } = setup(seed);
        const cy = normals(s, new Float64Array(n * d)), e = normals(s, new Float64Array(n));
        const objective = (th: Float64Array, xx: Float64Array): number => {
          const yo = new Float64Array(n * d), ld = new Float64Array(n);
          L.forward(th, xx, n, yo, ld);
          let v = 0;
          for (let k = 0; k < n * d; k++) v += cy[k]! * yo[k]!;
          for (let i = 0; i < n; i++) v += e[i]! * ld[i]!;
          return v;
        };
        const gT = new Float64Array(L.paramDim).fill(-0.5), gX = new Float64Array(n * d);
        L.forwardBackward(theta, x, n, cy, e, gT, gX);
        for (let j = 0; j < L.paramDim; j++) gT[j] += 0.5; // forwardBackward adds into gradTheta
        const h = 1e-4;
        let scale = 1;
        const fdT = new Float64Array(L.paramDim);
        for (let j = 0; j < L.paramDim; j++) {
          fdT[j] = fd5((t) => { const th = Float64Array.from(theta); th[j] += t; return objective(th, x); }, h);
          scale = Math.max(scale, Math.abs(fdT[j]!));
        }
        for (let j = 0; j < L.paramDim; j++) expect(Math.abs(gT[j]! - fdT[j]!)).toBeLessThanOrEqual(1e-6 * scale);
        for (let k = 0; k < n * d; k++) {
          const fdX = fd5((t) => { const xx = Float64Array.from(x); xx[k] += t; return objective(theta, xx); }, h);
          expect(Math.abs(gX[k]! - fdX)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fdX)));
        }
      }), fcParams(`${label} forward backward`, Math.ceil(runs / 4)));
    });

    it('a batch gives the rows one at a time would (forward, inverse)', () => {
      const { theta, x } = setup(hashName(label));
      const y = new Float64Array(n * d), ld = new Float64Array(n), y1 = new Float64Array(d), ld1 = new Float64Array(1);
      L.forward(theta, x, n, y, ld);
      for (let i = 0; i < n; i++) {
        L.forward(theta, x.slice(i * d, (i + 1) * d), 1, y1, ld1);
        for (let j = 0; j < d; j++) expect(y1[j]).toBe(y[i * d + j]);
        expect(ld1[0]).toBe(ld[i]);
      }
      L.inverse(theta, x, n, y, ld);
      for (let i = 0; i < n; i++) {
        L.inverse(theta, x.slice(i * d, (i + 1) * d), 1, y1, ld1);
        for (let j = 0; j < d; j++) expect(y1[j]).toBe(y[i * d + j]);
        expect(ld1[0]).toBe(ld[i]);
      }
    });

    it('rejects θ of the wrong length, non-finite θ or inputs, bad n and short outputs, naming them', () => {
      const { theta, x } = setup(7);
      const out = new Float64Array(n * d), ld = new Float64Array(n);
      expect(() => L.forward(new Float64Array(L.paramDim + 1), x, n, out, ld)).toThrow(new RegExp(`theta must have length ${L.paramDim}`));
      const bad = Float64Array.from(theta);
      bad[L.paramDim - 1] = NaN;
      expect(() => L.forward(bad, x, n, out, ld)).toThrow(new RegExp(`theta\\[${L.paramDim - 1}\\] = NaN must be finite`));
      bad[L.paramDim - 1] = Infinity;
      expect(() => L.inverse(bad, x, n, out, ld)).toThrow(/= Infinity must be finite/);
      const xb = Float64Array.from(x);
      xb[1] = NaN;
      expect(() => L.inverse(theta, xb, n, out, ld)).toThrow(/input\[1\] = NaN must be finite/);
      expect(() => L.forward(theta, x, 0, out, ld)).toThrow(/n must be a positive integer/);
      expect(() => L.forward(theta, x, n, new Float64Array(1), ld)).toThrow(/out must hold/);
      expect(() => L.forward(theta, x, n, out, new Float64Array(0))).toThrow(/logDet must hold/);
      expect(() => L.inverseBackward(theta, x, n, xb, ld, new Float64Array(L.paramDim), out)).toThrow(/gradX\[1\] = NaN must be finite/);
      expect(() => L.inverseBackward(theta, x, n, x, ld, new Float64Array(L.paramDim - 1), out)).toThrow(/gradTheta must hold/);
      expect(() => L.forwardBackward(theta, xb, n, x, ld, new Float64Array(L.paramDim), out)).toThrow(/x\[1\] = NaN must be finite/);
      expect(() => L.forwardBackward(theta, x, n, xb, ld, new Float64Array(L.paramDim), out)).toThrow(/gradY\[1\] = NaN must be finite/);
      expect(() => L.forwardBackward(theta, x, n, out, ld, new Float64Array(L.paramDim), out)).toThrow(/gradX must not alias gradY/);
    });
  });
}
