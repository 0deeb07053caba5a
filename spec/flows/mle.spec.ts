import { describe, expect, it } from 'vitest';
import { affineLayer, affineMatrix } from '../../src/flows/affine.js';
import { composeFlows, flowLogDensity } from '../../src/flows/compose.js';
import { realNvp } from '../../src/flows/coupling.js';
import { flowNll, trainFlowMle } from '../../src/flows/mle.js';
import { planarLayer } from '../../src/flows/planar.js';
import { keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { fd5 } from '../_contracts/flow-layer.contract.js';

/** n points of a correlated 2-D Gaussian from a fixed seed (the data set; the oracle is computed on it). */
function gaussianData(n: number): Float64Array {
  const s = streamFromKey(keyFromSeed(2024));
  const z = normals(s, new Float64Array(2 * n));
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = 1 + 2 * z[2 * i]!;
    y[2 * i + 1] = -0.5 + 0.6 * z[2 * i]! + 0.5 * z[2 * i + 1]!;
  }
  return y;
}

/** Sample mean m and biased covariance S (the Gaussian MLE), and the optimal NLL = log(2π) + ½ log det S + 1 (d = 2). */
function gaussianMle(y: Float64Array, n: number) {
  let m0 = 0, m1 = 0;
  for (let i = 0; i < n; i++) { m0 += y[2 * i]!; m1 += y[2 * i + 1]!; }
  m0 /= n; m1 /= n;
  let s00 = 0, s01 = 0, s11 = 0;
  for (let i = 0; i < n; i++) {
    const a = y[2 * i]! - m0, b = y[2 * i + 1]! - m1;
    s00 += a * a; s01 += a * b; s11 += b * b;
  }
  s00 /= n; s01 /= n; s11 /= n;
  const det = s00 * s11 - s01 * s01;
  return { mean: [m0, m1], cov: [s00, s01, s01, s11], nll: Math.log(2 * Math.PI) + 0.5 * Math.log(det) + 1 };
}

/** θ* of the affine layer: A = C (Cholesky of S) = L U with L_ij = C_ij / C_jj, U = diag(C_jj); b = mean. */
function affineOptimum(g: ReturnType<typeof gaussianMle>): Float64Array {
  const c00 = Math.sqrt(g.cov[0]!), c10 = g.cov[1]! / c00, c11 = Math.sqrt(g.cov[3]! - c10 * c10);
  return Float64Array.of(c00, 0, c10 / c00, c11, g.mean[0]!, g.mean[1]!);
}

describe('flows/mle', () => {
  it('flowNll is −mean log ρ (3.54) and its gradient equals finite differences (RealNVP ∘ planar ∘ affine)', () => {
    const f = composeFlows([affineLayer(2), planarLayer(2), realNvp({ dim: 2, couplings: 2, hidden: [5], scaleBound: 3 })]);
    const s = streamFromKey(keyFromSeed(8));
    const th = normals(s, new Float64Array(f.paramDim));
    for (let j = 0; j < th.length; j++) th[j] = 0.4 * th[j]!;
    th[0] = 1.2; th[3] = -0.9;
    const y = gaussianData(7);
    const g = new Float64Array(f.paramDim);
    const nll = flowNll(f, th, y, 7, g);
    const lp = flowLogDensity(f, th, y, 7, new Float64Array(7));
    expect(nll).toBeCloseTo(-lp.reduce((a, b) => a + b, 0) / 7, 13);
    let scale = 0;
    const fd = new Float64Array(f.paramDim);
    for (let j = 0; j < f.paramDim; j++) {
      fd[j] = fd5((t) => { const tt = Float64Array.from(th); tt[j] += t; return flowNll(f, tt, y, 7); }, 1e-4);
      scale = Math.max(scale, Math.abs(fd[j]!));
    }
    for (let j = 0; j < f.paramDim; j++) expect(Math.abs(g[j]! - fd[j]!)).toBeLessThan(1e-7 * scale);
    expect(scale).toBeGreaterThan(0.1);
  });

  it('at the Gaussian MLE (b = mean, AAᵀ = S) an affine flow has NLL = log 2π + ½ log det S + 1 and ∇NLL = 0; without the log-det term the gradient is not 0', () => {
    const n = 300, y = gaussianData(n), g = gaussianMle(y, n);
    const L = affineLayer(2), th = affineOptimum(g);
    const A = affineMatrix(2, th);
    expect(A[0]! * A[0]! + A[1]! * A[1]!).toBeCloseTo(g.cov[0]!, 13);
    expect(A[0]! * A[2]! + A[1]! * A[3]!).toBeCloseTo(g.cov[1]!, 13);
    expect(A[2]! * A[2]! + A[3]! * A[3]!).toBeCloseTo(g.cov[3]!, 13);
    const grad = new Float64Array(6);
    expect(flowNll(L, th, y, n, grad)).toBeCloseTo(g.nll, 12);
    for (let j = 0; j < 6; j++) expect(Math.abs(grad[j]!)).toBeLessThan(1e-12);
    // Negative control: the gradient of −mean log ρ_Z(f⁻¹(y)) alone (log-det dropped) at θ* is ∂/∂U_00 = −1/U_00 ≠ 0
    // (the log-det part −mean log|det A| contributes +1/U_00 to the full gradient, which vanishes)
    const z = new Float64Array(2 * n), ld = new Float64Array(n), gy = new Float64Array(2 * n);
    L.inverse(th, y, n, z, ld);
    const gz = z.map((v) => v / n), g0 = new Float64Array(6);
    L.inverseBackward(th, y, n, gz, new Float64Array(n), g0, gy);
    expect(Math.abs(g0[0]! + 1 / th[0]!)).toBeLessThan(1e-12);
    expect(Math.abs(g0[0]!)).toBeGreaterThan(0.1);
  });

  it('Adam on (3.56) takes an affine flow from the identity to the Gaussian MLE (NLL within 1e-8, AAᵀ and b within 1e-4)', () => {
    const n = 300, y = gaussianData(n), g = gaussianMle(y, n);
    const L = affineLayer(2);
    const th0 = Float64Array.of(1, 0, 0, 1, 0, 0);
    const res = trainFlowMle(streamFromKey(keyFromSeed(1)), L, th0, y, n, {
      iterations: 3000, batchSize: n, adam: { lr: 0.02, schedule: 'linear', iterations: 3000 },
    });
    expect(Array.from(th0)).toEqual([1, 0, 0, 1, 0, 0]); // θ₀ unchanged
    const nll = flowNll(L, res.theta, y, n);
    expect(nll - g.nll).toBeGreaterThanOrEqual(-1e-12); // the MLE is the minimum
    expect(nll - g.nll).toBeLessThan(1e-8);
    const A = affineMatrix(2, res.theta);
    const cov = [A[0]! * A[0]! + A[1]! * A[1]!, A[0]! * A[2]! + A[1]! * A[3]!, A[2]! * A[2]! + A[3]! * A[3]!];
    expect(Math.abs(cov[0]! - g.cov[0]!)).toBeLessThan(1e-4);
    expect(Math.abs(cov[1]! - g.cov[1]!)).toBeLessThan(1e-4);
    expect(Math.abs(cov[2]! - g.cov[3]!)).toBeLessThan(1e-4);
    expect(Math.abs(res.theta[4]! - g.mean[0]!)).toBeLessThan(1e-4);
    expect(Math.abs(res.theta[5]! - g.mean[1]!)).toBeLessThan(1e-4);
    expect(res.batchNll[0]).toBeGreaterThan(res.batchNll[2999]! + 0.5); // it moved
    expect(res.optimizer.t).toBe(3000);
  });

  it('mini-batches come from the stream: same seed, same run; another seed, another run; each epoch uses every row once', () => {
    const n = 60, y = gaussianData(n), L = affineLayer(2), th0 = Float64Array.of(1, 0, 0, 1, 0, 0);
    const seen: number[] = [];
    const opts = { iterations: 12, batchSize: 20, adam: { lr: 0.01 } };
    const a = trainFlowMle(streamFromKey(keyFromSeed(5)), L, th0, y, n, opts);
    const b = trainFlowMle(streamFromKey(keyFromSeed(5)), L, th0, y, n, { ...opts, onIteration: (k) => seen.push(k) });
    const c = trainFlowMle(streamFromKey(keyFromSeed(6)), L, th0, y, n, opts);
    expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
    expect(Array.from(a.theta)).not.toEqual(Array.from(c.theta));
    expect(seen).toEqual(Array.from({ length: 12 }, (_, k) => k));
    // With lr → tiny, θ stays at θ₀ and the three batch NLLs of an epoch average to the full-data NLL at θ₀.
    const tiny = trainFlowMle(streamFromKey(keyFromSeed(5)), L, th0, y, n, { iterations: 3, batchSize: 20, adam: { lr: 1e-300 } });
    const mean = (tiny.batchNll[0]! + tiny.batchNll[1]! + tiny.batchNll[2]!) / 3;
    expect(mean).toBeCloseTo(flowNll(L, th0, y, n), 12);
  });

  it('rejects bad options and data by name', () => {
    const L = affineLayer(2), th0 = Float64Array.of(1, 0, 0, 1, 0, 0), y = gaussianData(10);
    const s = streamFromKey(keyFromSeed(1));
    const adam = { lr: 0.01 };
    expect(() => trainFlowMle(s, L, th0, y, 10, { iterations: 0, batchSize: 5, adam })).toThrow('trainFlowMle: iterations must be a positive integer, got 0');
    expect(() => trainFlowMle(s, L, th0, y, 10, { iterations: 1, batchSize: 11, adam })).toThrow('trainFlowMle: batchSize must be an integer in [1, nData = 10], got 11');
    const bad = Float64Array.from(y);
    bad[3] = NaN;
    expect(() => trainFlowMle(s, L, th0, bad, 10, { iterations: 1, batchSize: 5, adam })).toThrow('trainFlowMle(affine(d=2)): data[3] = NaN must be finite (row 1)');
    expect(() => flowNll(L, Float64Array.of(1, 0, 0, 0, 0, 0), y, 10)).toThrow('U[1][1] = theta[3] = 0: the layer is singular');
    expect(() => trainFlowMle(s, L, th0, y, 10, { iterations: 1, batchSize: 5, adam: { lr: -1 } })).toThrow('adam: lr must be a finite number > 0');
  });
});
