import { describe, expect, it } from 'vitest';
import { affineLayer, affineMatrix } from '../../src/flows/affine.js';
import { keyFromSeed, streamFromKey, type Stream } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { flowLayerContract } from '../_contracts/flow-layer.contract.js';

/** A random well-conditioned LU parameter: |U_ii| ∈ [0.5, 2] with random signs, off-diagonal N(0, 0.3²), b N(0, 1). */
function affineTheta(d: number) {
  return (s: Stream): Float64Array => {
    const th = normals(s, new Float64Array(d * d + d));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) if (i !== j) th[i * d + j] = 0.3 * th[i * d + j]!;
      const u = th[i * d + i]!;
      th[i * d + i] = Math.sign(u || 1) * (0.5 + 1.5 / (1 + u * u));
    }
    return th;
  };
}

flowLayerContract('affine d=1', () => ({ layer: affineLayer(1), theta: affineTheta(1) }));
flowLayerContract('affine d=3', () => ({ layer: affineLayer(3), theta: affineTheta(3), spread: 2 }));

describe('flows/affine', () => {
  it('is y = A x + b with A = L U and log|det A| = Σ log|U_ii| (closed form)', () => {
    const d = 2, L = affineLayer(d);
    // M = [[2, 3], [0.5, −1]]: L = [[1, 0], [0.5, 1]], U = [[2, 3], [0, −1]], A = [[2, 3], [1, 0.5]], det A = −2
    const th = Float64Array.of(2, 3, 0.5, -1, 0.1, -0.2);
    expect(Array.from(affineMatrix(d, th))).toEqual([2, 3, 1, 0.5]);
    const x = Float64Array.of(1, 2, -1, 0.5);
    const y = new Float64Array(4), ld = new Float64Array(2);
    L.forward(th, x, 2, y, ld);
    expect(Array.from(y)).toEqual([2 + 6 + 0.1, 1 + 1 - 0.2, -2 + 1.5 + 0.1, -1 + 0.25 - 0.2]);
    expect(ld[0]).toBeCloseTo(Math.log(2), 15);
    expect(ld[1]).toBe(ld[0]);
    const back = new Float64Array(4), ldI = new Float64Array(2);
    L.inverse(th, y, 2, back, ldI);
    for (let k = 0; k < 4; k++) expect(back[k]).toBeCloseTo(x[k]!, 14);
    expect(ldI[0]).toBeCloseTo(-Math.log(2), 15);
  });

  it('a singular A (some U_ii = 0) is an error naming the entry, in forward, inverse and inverseBackward', () => {
    const L = affineLayer(3);
    const th = affineTheta(3)(streamFromKey(keyFromSeed(3)));
    th[1 * 3 + 1] = 0;
    const x = new Float64Array(3), o = new Float64Array(3), ld = new Float64Array(1);
    const msg = 'affine(d=3): U[1][1] = theta[4] = 0: the layer is singular';
    expect(() => L.forward(th, x, 1, o, ld)).toThrow(msg);
    expect(() => L.inverse(th, x, 1, o, ld)).toThrow(msg);
    expect(() => L.inverseBackward(th, x, 1, x, ld, new Float64Array(12), o)).toThrow(msg);
    expect(() => affineLayer(0)).toThrow('affineLayer: d must be a positive integer, got 0');
  });

  it('affineMatrix rejects a bad d or a short θ by name', () => {
    expect(() => affineMatrix(0, new Float64Array(2))).toThrow('affineMatrix: d must be a positive integer, got 0');
    expect(() => affineMatrix(2, new Float64Array(3))).toThrow('affineMatrix: theta must be a Float64Array holding d·d = 4 values (the packed L U), got 3');
  });

  it('initialParams is the identity up to 1e-2 perturbations of L and b, with U_ii = 1', () => {
    const L = affineLayer(3);
    const th = L.initialParams(streamFromKey(keyFromSeed(1)), new Float64Array(L.paramDim));
    for (let i = 0; i < 3; i++) expect(th[i * 3 + i]).toBe(1);
    expect(Math.max(...Array.from(th, Math.abs))).toBe(1);
    expect(th.some((v, j) => j % 4 !== 0 && v !== 0)).toBe(true);
  });
});
