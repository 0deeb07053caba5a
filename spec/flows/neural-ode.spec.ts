/**
 * src/flows/neural-ode (003 neural ODE dz/dt = f_θ(z(t), t)). Layer A:
 * - the hand-written derivatives of the MLP field: aᵀ(Jv) = (aᵀJ)v to round-off, J v and aᵀ∂f/∂θ against central
 *   differences (error O(δ²) + round-off/δ; at δ = 1e-5 both ≲ 1e-9, checked by halving δ), the closed-form divergence
 *   against the trace from d JVPs;
 * - the flow of a linear field against e^{tA} z₀ (symmetric A, so e^{tA} comes from the eigendecomposition);
 * - forward then backward in time returns to the start within the solver tolerance; a batch equals its rows;
 * - bad input: named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dormandPrince, rk4, solveOde } from '../../src/flows/ode.js';
import { initMlpField, linearField, mlpField, neuralOdeFlow, neuralOdeRhs } from '../../src/flows/neural-ode.js';
import { symmetricFunction } from '../../src/linalg/dense.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { maxAbs, maxAbsDiff, randomMlpField } from './_fields.js';

const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!; return s; };

/** A random MLP field problem from an integer seed (the project's RNG; fast-check only picks seed and sizes). */
function mlpProblem(seed: number, d: number, H: number) {
  const { field, theta, rng } = randomMlpField(seed, d, H, 1.5);
  const z = normals(rng, new Float64Array(d)), v = normals(rng, new Float64Array(d)), a = normals(rng, new Float64Array(d));
  const t = 2 * (normals(rng, new Float64Array(1))[0]!);
  return { field, theta, z, v, a, t };
}
const sizes = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 }), d: fc.integer({ min: 1, max: 5 }), H: fc.integer({ min: 1, max: 8 }) });

describe('neural-ode: MLP field derivatives', () => {
  it('aᵀ(J v) = (aᵀ J) v to round-off, and the divergence equals Σ_i e_iᵀ J e_i from d JVPs', () => {
    fc.assert(fc.property(sizes, ({ seed, d, H }) => {
      const { field, theta, z, v, a, t } = mlpProblem(seed, d, H);
      const jv = field.jvp(theta, t, z, v, new Float64Array(d));
      const aj = new Float64Array(d);
      field.vjp(theta, t, z, a, aj);
      const scale = (maxAbs(theta) + 1) ** 2 * (maxAbs(v) + 1) * (maxAbs(a) + 1) * H * d;
      expect(Math.abs(dot(a, jv) - dot(aj, v))).toBeLessThanOrEqual(1e-14 * scale);
      let tr = 0;
      const e = new Float64Array(d), col = new Float64Array(d);
      for (let i = 0; i < d; i++) { e.fill(0); e[i] = 1; tr += field.jvp(theta, t, z, e, col)[i]!; }
      expect(Math.abs(tr - field.divergence!(theta, t, z))).toBeLessThanOrEqual(1e-14 * scale);
    }), { numRuns: 100 });
  });

  it('J v and aᵀ∂f/∂θ match central differences (error falls ~4× when δ halves, until round-off)', () => {
    fc.assert(fc.property(sizes, ({ seed, d, H }) => {
      const { field, theta, z, v, a, t } = mlpProblem(seed, d, H);
      const fd = (delta: number) => {
        const zp = z.map((x, i) => x + delta * v[i]!), zm = z.map((x, i) => x - delta * v[i]!);
        const fp = field.value(theta, t, zp, new Float64Array(d)), fm = field.value(theta, t, zm, new Float64Array(d));
        return fp.map((x, i) => (x - fm[i]!) / (2 * delta));
      };
      const jv = field.jvp(theta, t, z, v, new Float64Array(d));
      const e1 = maxAbsDiff(jv, fd(1e-3)), e2 = maxAbsDiff(jv, fd(5e-4));
      // Truncation O(δ²): halving δ divides it by 4 (≤ 1/3.5 allowing the O(δ⁴) term), unless already at round-off.
      expect(e2 <= e1 / 3.5 || e2 < 1e-11).toBe(true);
      expect(maxAbsDiff(jv, fd(1e-5))).toBeLessThanOrEqual(1e-8 * (maxAbs(jv) + 1));
      const gz = new Float64Array(d), gt = new Float64Array(field.paramDim);
      field.vjp(theta, t, z, a, gz, gt);
      const delta = 1e-5;
      const tp = Float64Array.from(theta), fp = new Float64Array(d), fm = new Float64Array(d);
      for (let p = 0; p < field.paramDim; p++) {
        tp[p] = theta[p]! + delta; field.value(tp, t, z, fp);
        tp[p] = theta[p]! - delta; field.value(tp, t, z, fm);
        tp[p] = theta[p]!;
        let s = 0; for (let i = 0; i < d; i++) s += a[i]! * (fp[i]! - fm[i]!) / (2 * delta);
        expect(Math.abs(s - gt[p]!)).toBeLessThanOrEqual(1e-8 * (maxAbs(gt) + 1));
      }
    }), { numRuns: 40 });
  });

  it('divergenceGradient matches central differences of the closed-form divergence in z and θ', () => {
    fc.assert(fc.property(sizes, ({ seed, d, H }) => {
      const { field, theta, z, t } = mlpProblem(seed, d, H);
      const gz = new Float64Array(d), gt = new Float64Array(field.paramDim);
      field.divergenceGradient!(theta, t, z, gz, gt);
      const delta = 1e-5;
      const tol = 1e-7 * (maxAbs(gt) + maxAbs(gz) + 1);
      const zp = Float64Array.from(z);
      for (let i = 0; i < d; i++) {
        zp[i] = z[i]! + delta; const a = field.divergence!(theta, t, zp);
        zp[i] = z[i]! - delta; const b = field.divergence!(theta, t, zp);
        zp[i] = z[i]!;
        expect(Math.abs((a - b) / (2 * delta) - gz[i]!)).toBeLessThanOrEqual(tol);
      }
      const tp = Float64Array.from(theta);
      for (let q = 0; q < field.paramDim; q++) {
        tp[q] = theta[q]! + delta; const a = field.divergence!(tp, t, z);
        tp[q] = theta[q]! - delta; const b = field.divergence!(tp, t, z);
        tp[q] = theta[q]!;
        expect(Math.abs((a - b) / (2 * delta) - gt[q]!)).toBeLessThanOrEqual(tol);
      }
    }), { numRuns: 40 });
  });

  it('linear field: J = A, aᵀ∂f/∂A = a zᵀ, divergence tr A (exact)', () => {
    const f = linearField({ dim: 2 });
    const A = Float64Array.of(1, 2, 3, 4), z = Float64Array.of(0.5, -1), a = Float64Array.of(2, 3);
    expect(Array.from(f.value(A, 0, z, new Float64Array(2)))).toEqual([-1.5, -2.5]);
    const gz = new Float64Array(2), gA = new Float64Array(4);
    f.vjp(A, 0, z, a, gz, gA);
    expect(Array.from(gz)).toEqual([11, 16]);
    expect(Array.from(gA)).toEqual([1, -2, 1.5, -3]);
    expect(f.divergence!(A, 0, z)).toBe(5);
  });
});

describe('neural-ode: flows', () => {
  it('linear field, symmetric A: RK4 flow matches e^{tA} z₀ with an error that falls 16× per halved step', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), (seed, d) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const m = normals(rng, new Float64Array(d * d));
      const A = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = 0.25 * (m[i * d + j]! + m[j * d + i]!);
      const z0 = normals(rng, new Float64Array(d));
      const E = symmetricFunction(A, d, (l) => Math.exp(l));
      const ex = new Float64Array(d);
      for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += E[i * d + j]! * z0[j]!; ex[i] = s; }
      const field = linearField({ dim: d });
      const e1 = maxAbsDiff(neuralOdeFlow(rk4({ steps: 16 }), field, A, z0, 1, 0, 1).z, ex);
      const e2 = maxAbsDiff(neuralOdeFlow(rk4({ steps: 32 }), field, A, z0, 1, 0, 1).z, ex);
      const scale = maxAbs(ex) + 1;
      expect(e2).toBeLessThanOrEqual(1e-5 * scale);
      // order 4: e1/e2 ≈ 16 (between 12 and 20 once asymptotic), unless both are at round-off.
      expect((e1 / e2 > 12 && e1 / e2 < 20) || e1 < 1e-12 * scale).toBe(true);
    }), { numRuns: 40 });
  });

  it('MLP field: forward to t₁ then backward to t₀ returns to z₀ within the tolerance; a batch equals its rows', () => {
    fc.assert(fc.property(sizes, ({ seed, d, H }) => {
      const { field, theta, z } = mlpProblem(seed, d, H);
      const dp = dormandPrince({ rtol: 1e-10, atol: 1e-10 });
      const fwd = neuralOdeFlow(dp, field, theta, z, 1, 0, 1);
      const back = neuralOdeFlow(dp, field, theta, fwd.z, 1, 1, 0);
      // The tanh field is Lipschitz with L ≤ ‖W₂‖‖W₁‖ (a few units here): errors grow by ≤ e^L over [0, 1].
      expect(maxAbsDiff(back.z, z)).toBeLessThanOrEqual(1e-7 * (maxAbs(z) + 1));
      expect(maxAbsDiff(fwd.z, z)).toBeGreaterThan(0);
      const z2 = Float64Array.from([...z, ...fwd.z]);
      const batch = neuralOdeFlow(dp, field, theta, z2, 2, 0, 1);
      expect(Array.from(batch.z.subarray(0, d))).toEqual(Array.from(fwd.z));
      const row2 = solveOde(dp, neuralOdeRhs(field, theta), fwd.z, 0, 1).z;
      expect(Array.from(batch.z.subarray(d))).toEqual(Array.from(row2));
    }), { numRuns: 30 });
  });
});

describe('neural-ode: bad input', () => {
  it('named errors', () => {
    expect(() => mlpField({ dim: 0, hidden: 3 })).toThrow(/mlpField: dim must be a positive integer, got 0/);
    expect(() => mlpField({ dim: 2, hidden: 1.5 })).toThrow(/mlpField: hidden must be a positive integer/);
    expect(() => linearField({ dim: -1 })).toThrow(/linearField: dim must be a positive integer/);
    const f = mlpField({ dim: 2, hidden: 3 });
    expect(() => neuralOdeRhs(f, new Float64Array(3))).toThrow(/neuralOdeRhs: theta must have 20 entries \(mlpField\), got 3/);
    const bad = new Float64Array(20); bad[4] = NaN;
    expect(() => neuralOdeRhs(f, bad)).toThrow(/neuralOdeRhs: theta\[4\] = NaN must be finite/);
    expect(() => neuralOdeFlow(rk4({ steps: 2 }), f, new Float64Array(20), new Float64Array(3), 2, 0, 1)).toThrow(/neuralOdeFlow: z0 must hold n·d = 4 values, got 3/);
    expect(() => neuralOdeFlow(rk4({ steps: 2 }), f, new Float64Array(20), new Float64Array(4), 0, 0, 1)).toThrow(/neuralOdeFlow: n must be a positive integer/);
    expect(() => initMlpField(streamFromKey(keyFromSeed(1)), f, 4, new Float64Array(20))).toThrow(/initMlpField: hidden = 4 does not match the field/);
  });
});
