import { describe, expect, it } from 'vitest';
import { couplingLayer, realNvp } from '../../src/flows/coupling.js';
import { mlp } from '../../src/flows/mlp.js';
import { keyFromSeed, streamFromKey, type Stream } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { fd5, fdJacobian, flowLayerContract } from '../_contracts/flow-layer.contract.js';

const randomTheta = (scale: number) => (p: number) => (s: Stream): Float64Array => {
  const th = normals(s, new Float64Array(p));
  for (let j = 0; j < p; j++) th[j] = scale * th[j]!;
  return th;
};

const c3 = couplingLayer({ mask: Uint8Array.of(1, 0, 1), hidden: [5, 4] });
flowLayerContract('coupling d=3 mask 101', () => ({ layer: c3, theta: randomTheta(0.5)(c3.paramDim), runs: 24 }));
const c2 = couplingLayer({ mask: Uint8Array.of(0, 1), hidden: [6], scaleBound: 1.5 });
flowLayerContract('coupling d=2 mask 01, scaleBound 1.5', () => ({ layer: c2, theta: randomTheta(0.8)(c2.paramDim), runs: 24 }));

describe('flows/mlp', () => {
  it('forward is tanh(x W₁ᵀ + b₁) W₂ᵀ + b₂ on a hand-computed example', () => {
    const net = mlp([2, 2, 1]);
    expect(net.paramDim).toBe(2 * 2 + 2 + 2 + 1);
    // W₁ = [[1, −1], [0.5, 2]], b₁ = [0.1, −0.2], W₂ = [[3, −4]], b₂ = [0.7]
    const th = Float64Array.of(1, -1, 0.5, 2, 0.1, -0.2, 3, -4, 0.7);
    const x = Float64Array.of(0.3, -0.6);
    const out = net.forward(th, 0, x, 1, new Float64Array(1));
    const h1 = Math.tanh(0.3 + 0.6 + 0.1), h2 = Math.tanh(0.15 - 1.2 - 0.2);
    expect(out[0]).toBeCloseTo(3 * h1 - 4 * h2 + 0.7, 15);
  });

  it('backward equals finite differences in θ and in x (a 3-map net, offsets inside larger θ arrays)', () => {
    const net = mlp([3, 4, 5, 2]);
    const s = streamFromKey(keyFromSeed(11));
    const off = 3, n = 4;
    const th = normals(s, new Float64Array(off + net.paramDim + 2));
    const x = normals(s, new Float64Array(n * 3)), c = normals(s, new Float64Array(n * 2));
    const f = (t: Float64Array, xx: Float64Array) => {
      const o = net.forward(t, off, xx, n, new Float64Array(n * 2));
      return o.reduce((acc, v, k) => acc + c[k]! * v, 0);
    };
    net.forward(th, off, x, n, new Float64Array(n * 2));
    const g = new Float64Array(net.paramDim + 1), gx = new Float64Array(n * 3);
    net.backward(th, off, n, c, g, 1, gx);
    expect(g[0]).toBe(0); // nothing written before gOffset
    for (let j = 0; j < net.paramDim; j++) {
      const fd = fd5((t) => { const tt = Float64Array.from(th); tt[off + j] += t; return f(tt, x); }, 1e-4);
      expect(Math.abs(g[1 + j]! - fd)).toBeLessThan(1e-8 * Math.max(1, Math.abs(fd)));
    }
    for (let k = 0; k < n * 3; k++) {
      const fd = fd5((t) => { const xx = Float64Array.from(x); xx[k] += t; return f(th, xx); }, 1e-4);
      expect(Math.abs(gx[k]! - fd)).toBeLessThan(1e-8 * Math.max(1, Math.abs(fd)));
    }
    expect(() => net.backward(th, off, n + 1, c, g, 1, gx)).toThrow('mlp.backward: n = 5 does not match the latest forward (n = 4)');
    expect(() => mlp([3, 0, 1])).toThrow('mlp: sizes[1] = 0 must be a positive integer');
  });
});

describe('flows/coupling', () => {
  it('passes the conditioning coordinates through and has a block-triangular Jacobian with diagonal e^s (exact log-det)', () => {
    const L = c3, s = streamFromKey(keyFromSeed(5));
    const th = randomTheta(0.7)(L.paramDim)(s);
    const x = normals(s, new Float64Array(3)), y = new Float64Array(3), ld = new Float64Array(1);
    L.forward(th, x, 1, y, ld);
    expect(y[0]).toBe(x[0]);
    expect(y[2]).toBe(x[2]);
    const J = fdJacobian((z) => Float64Array.from(L.forward(th, z, 1, new Float64Array(3), new Float64Array(1))), x, 1e-4);
    // the rows of the conditioning coordinates 0 and 2 are the unit rows e₀ᵀ and e₂ᵀ (y_c = x_c exactly, so the
    // 5-point rule is exact up to rounding, ~1e-12 at h = 1e-4); hence the transformed column 1 has only its diagonal
    for (const [row, unit] of [[0, [1, 0, 0]], [2, [0, 0, 1]]] as const) {
      for (let j = 0; j < 3; j++) expect(Math.abs(J[row * 3 + j]! - unit[j]!)).toBeLessThan(1e-9);
    }
    expect(Math.abs(Math.log(J[1 * 3 + 1]!) - ld[0]!)).toBeLessThan(1e-8); // log J_11 = s(x_c) = logDet
  });

  it('initialParams is the identity map (zero last layer: s = t = 0)', () => {
    const L = realNvp({ dim: 2, couplings: 4, hidden: [8] });
    const th = L.initialParams(streamFromKey(keyFromSeed(2)), new Float64Array(L.paramDim));
    expect(th.some((v) => v !== 0)).toBe(true);
    const x = Float64Array.of(0.3, -1.7, 2.5, 0.1), y = new Float64Array(4), ld = new Float64Array(2);
    L.forward(th, x, 2, y, ld);
    expect(Array.from(y)).toEqual(Array.from(x));
    expect(Array.from(ld)).toEqual([0, 0]);
  });

  it('realNvp alternates the masks and rejects bad options by name', () => {
    const L = realNvp({ dim: 3, couplings: 2, hidden: [4] });
    expect(L.name).toContain('coupling(mask=110');
    expect(L.name).toContain('coupling(mask=001');
    expect(() => couplingLayer({ mask: Uint8Array.of(1, 1) })).toThrow('couplingLayer: mask must have at least one 1 (conditioning) and one 0 (transformed) entry, got [1, 1]');
    expect(() => couplingLayer({ mask: Uint8Array.of(1, 2) })).toThrow('couplingLayer: mask[1] = 2 must be 0 or 1');
    expect(() => couplingLayer({ mask: Uint8Array.of(1, 0), scaleBound: 0 })).toThrow('couplingLayer: scaleBound must be a finite number > 0, got 0');
    expect(() => realNvp({ dim: 1, couplings: 2 })).toThrow('realNvp: dim must be an integer ≥ 2');
    expect(() => realNvp({ dim: 2, couplings: 0 })).toThrow('realNvp: couplings must be a positive integer, got 0');
  });

  it('scaleBound c gives s = c tanh(ŝ/c): |s| < c where the unbounded layer has ŝ > c', () => {
    const bounded = couplingLayer({ mask: Uint8Array.of(1, 0), hidden: [3], scaleBound: 2 });
    const free = couplingLayer({ mask: Uint8Array.of(1, 0), hidden: [3] });
    const th = new Float64Array(bounded.paramDim).fill(1); // ŝ = 3 tanh(2) + 1 at x_c = 1
    const y = new Float64Array(2), ld = new Float64Array(1), ldFree = new Float64Array(1);
    bounded.forward(th, Float64Array.of(1, 1), 1, y, ld);
    free.forward(th, Float64Array.of(1, 1), 1, y, ldFree);
    const raw = 3 * Math.tanh(2) + 1;
    expect(ldFree[0]).toBeCloseTo(raw, 14);
    expect(ld[0]).toBeCloseTo(2 * Math.tanh(raw / 2), 14);
    expect(ld[0]!).toBeLessThan(2);
  });
});
