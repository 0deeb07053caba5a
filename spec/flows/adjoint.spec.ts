/**
 * src/flows/adjoint (003 adjoint functions, Pontryagin's theorem, the adjoint method). Layer A, float64:
 * - closed form: dz/dt = a z, L = ½ z(1)²: ∂L/∂z₀ = z(1) e^{a}, ∂L/∂a = z(1)²; for symmetric A, ∂L/∂z₀ = e^{A} z(1);
 * - direct differentiation through RK4 equals central differences of the same discrete solve (error O(δ²): checked to
 *   fall ~4× when δ halves, then ≤ 1e-7 relative at δ = 1e-5);
 * - the continuous adjoint (RK4 forward and backward) and the discrete gradient agree within the Richardson error bound
 *   measured from halved steps (both are O(h⁴) from the exact gradient), and a tight Dormand–Prince adjoint matches a
 *   fine discrete gradient;
 * - 003's own convention (loss at t = 0, data at t = 1, adjoint solved from 0 to 1) is the call with t₀ = 1, t₁ = 0;
 * - negative control: the sign-flipped adjoint (da/dt = +aᵀ∂f/∂z) fails the same comparison;
 * - bad input: named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjointBackward, adjointGradients, adjointRhs, discreteGradients, discreteLoss, type LossGradient } from '../../src/flows/adjoint.js';
import { DORMAND_PRINCE_TABLEAU, EULER_TABLEAU, RK4_TABLEAU, dormandPrince, explicitRungeKutta, rk4, type OdeRhs } from '../../src/flows/ode.js';
import { linearField, neuralOdeRhs } from '../../src/flows/neural-ode.js';
import { symmetricFunction } from '../../src/linalg/dense.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { maxAbs, maxAbsDiff, randomMlpField } from './_fields.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** Euclidean distance (y may be shorter: missing entries count as 0). */
const l2 = (x: ArrayLike<number>, y: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < x.length; i++) s += (x[i]! - (y[i] ?? 0)) ** 2; return Math.sqrt(s); };

/** L(z) = Σ_i w_i z_i + ½|z|²: ∂L/∂z = w + z. */
const lossWith = (w: Float64Array): LossGradient => (z, g) => {
  let L = 0;
  for (let i = 0; i < z.length; i++) { L += w[i]! * z[i]! + 0.5 * z[i]! * z[i]!; g[i] = w[i]! + z[i]!; }
  return L;
};

function mlpProblem(seed: number, d: number, H: number) {
  const { field, theta, rng } = randomMlpField(seed, d, H, 1.2, 0.3);
  const z0 = normals(rng, new Float64Array(d));
  const w = normals(rng, new Float64Array(d));
  return { field, theta, z0, loss: lossWith(w) };
}
const problems = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 }), d: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 5 }) });

/** Central differences of the discrete loss w.r.t. z₀ and θ. */
function centralDifferences(steps: number, delta: number, pr: ReturnType<typeof mlpProblem>, t0 = 0, t1 = 1) {
  const { field, theta, z0, loss } = pr;
  const Lof = (th: Float64Array, z: Float64Array) => discreteLoss(RK4_TABLEAU, steps, field, th, z, t0, t1, loss);
  const gz = new Float64Array(field.dim), gt = new Float64Array(field.paramDim);
  const zp = Float64Array.from(z0);
  for (let i = 0; i < field.dim; i++) {
    zp[i] = z0[i]! + delta; const a = Lof(theta, zp);
    zp[i] = z0[i]! - delta; const b = Lof(theta, zp);
    zp[i] = z0[i]!;
    gz[i] = (a - b) / (2 * delta);
  }
  const tp = Float64Array.from(theta);
  for (let q = 0; q < field.paramDim; q++) {
    tp[q] = theta[q]! + delta; const a = Lof(tp, z0);
    tp[q] = theta[q]! - delta; const b = Lof(tp, z0);
    tp[q] = theta[q]!;
    gt[q] = (a - b) / (2 * delta);
  }
  return { gz, gt };
}

describe('adjoint: closed forms', () => {
  it('dz/dt = a z, L = ½ z(1)²: ∂L/∂z₀ = z(1) e^{a}, ∂L/∂a = z(1)² (adjoint and discrete)', () => {
    fc.assert(fc.property(finite(-1, 1), finite(-2, 2), (a, z0) => {
      const field = linearField({ dim: 1 });
      const theta = Float64Array.of(a);
      const loss: LossGradient = (z, g) => { g[0] = z[0]!; return 0.5 * z[0]! ** 2; };
      const z1 = z0 * Math.exp(a);
      const adj = adjointGradients(dormandPrince({ rtol: 1e-12, atol: 1e-14 }), field, theta, Float64Array.of(z0), 0, 1, loss);
      expect(Math.abs(adj.gradZ0[0]! - z1 * Math.exp(a))).toBeLessThanOrEqual(1e-10 * (Math.abs(z1 * Math.exp(a)) + 1));
      expect(Math.abs(adj.gradTheta[0]! - z1 * z1)).toBeLessThanOrEqual(1e-10 * (z1 * z1 + 1));
      // RK4's discrete map is z₁ = R(a/N)^N z₀ with R(x) = 1 + x + x²/2 + x³/6 + x⁴/24: its gradient in closed form.
      const N = 10, x = a / N, R = 1 + x + x * x / 2 + x ** 3 / 6 + x ** 4 / 24, dR = (1 + x + x * x / 2 + x ** 3 / 6) / N;
      const disc = discreteGradients(RK4_TABLEAU, N, field, theta, Float64Array.of(z0), 0, 1, loss);
      const zN = R ** N * z0;
      expect(Math.abs(disc.gradZ0[0]! - zN * R ** N)).toBeLessThanOrEqual(1e-13 * (Math.abs(zN * R ** N) + 1));
      expect(Math.abs(disc.gradTheta[0]! - zN * N * R ** (N - 1) * dR * z0)).toBeLessThanOrEqual(1e-13 * (zN * zN + 1) * N);
    }), { numRuns: 50 });
  });

  it('symmetric A, L = ½|z(1)|²: ∂L/∂z₀ = e^{A} z(1)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), (seed, d) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const m = normals(rng, new Float64Array(d * d));
      const A = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = 0.25 * (m[i * d + j]! + m[j * d + i]!);
      const z0 = normals(rng, new Float64Array(d));
      const E = symmetricFunction(A, d, Math.exp);
      const z1 = new Float64Array(d), g = new Float64Array(d);
      for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += E[i * d + j]! * z0[j]!; z1[i] = s; }
      for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += E[i * d + j]! * z1[j]!; g[i] = s; }
      const loss: LossGradient = (z, gr) => { let L = 0; for (let i = 0; i < d; i++) { gr[i] = z[i]!; L += 0.5 * z[i]! ** 2; } return L; };
      const adj = adjointGradients(dormandPrince({ rtol: 1e-12, atol: 1e-14 }), linearField({ dim: d }), A, z0, 0, 1, loss);
      expect(maxAbsDiff(adj.gradZ0, g)).toBeLessThanOrEqual(1e-9 * (maxAbs(g) + 1));
      expect(maxAbsDiff(adj.z0Reconstructed, z0)).toBeLessThanOrEqual(1e-9 * (maxAbs(z0) + 1));
    }), { numRuns: 40 });
  });
});

describe('adjoint: MLP field, three gradients compared', () => {
  it('discreteGradients: the same z(t₁) as the solver family, and equal to central differences of the discrete loss', () => {
    fc.assert(fc.property(problems, ({ seed, d, H }) => {
      const pr = mlpProblem(seed, d, H);
      const steps = 6;
      const disc = discreteGradients(RK4_TABLEAU, steps, pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
      const z1 = new Float64Array(d);
      explicitRungeKutta(RK4_TABLEAU, { steps })(neuralOdeRhs(pr.field, pr.theta), pr.z0, 0, 1, z1);
      expect(Array.from(disc.z1)).toEqual(Array.from(z1));
      const all = Float64Array.from([...disc.gradZ0, ...disc.gradTheta]);
      const fdAt = (delta: number) => { const r = centralDifferences(steps, delta, pr); return Float64Array.from([...r.gz, ...r.gt]); };
      const e1 = maxAbsDiff(all, fdAt(1e-2)), e2 = maxAbsDiff(all, fdAt(5e-3));
      // Central differences: error C δ² (+ O(δ⁴)): halving δ divides it by ≈ 4 (≥ 3.5), unless at round-off already.
      expect(e2 <= e1 / 3.5 || e2 < 1e-10, `e(δ) = ${e1}, e(δ/2) = ${e2}`).toBe(true);
      // At δ = 1e-5: truncation ~ (1e-5/5e-3)² e2 and round-off ~ 1e-16·|L|/1e-5: both below 1e-7 relative.
      expect(maxAbsDiff(all, fdAt(1e-5))).toBeLessThanOrEqual(1e-7 * (maxAbs(all) + 1));
    }), { numRuns: 25 });
  });

  it('continuous adjoint vs discrete gradient agree within the Richardson bound from halved RK4 steps', () => {
    // Both gradients converge to the exact one with error C h⁴: the error of a value at 2N steps is ≈ |g(N) − g(2N)|/15
    // (Richardson). So |g_adj(2N) − g_disc(2N)| ≤ 2·(|Δ_adj| + |Δ_disc|)/15, where the factor 2 admits a measured
    // error ratio down to 8 (pre-asymptotic) instead of 16; plus round-off 1e-12.
    fc.assert(fc.property(problems, ({ seed, d, H }) => {
      const pr = mlpProblem(seed, d, H);
      const grads = (steps: number) => {
        const adj = adjointGradients(rk4({ steps }), pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
        const disc = discreteGradients(RK4_TABLEAU, steps, pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
        expect(Array.from(adj.z1)).toEqual(Array.from(disc.z1)); // same forward pass
        return { adj: [...adj.gradZ0, ...adj.gradTheta], disc: [...disc.gradZ0, ...disc.gradTheta] };
      };
      const c = grads(16), f = grads(32);
      const bound = (2 * (l2(c.adj, f.adj) + l2(c.disc, f.disc))) / 15 + 1e-12 * (l2(f.disc, []) + 1);
      expect(l2(f.adj, f.disc), `bound ${bound}`).toBeLessThanOrEqual(bound);
      expect(l2(c.adj, f.adj)).toBeGreaterThan(0); // the continuous adjoint really depends on the step
      // A tight adaptive adjoint agrees with a fine discrete gradient (both within ~1e-9 of the exact gradient).
      const adj = adjointGradients(dormandPrince({ rtol: 1e-12, atol: 1e-12 }), pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
      const disc = discreteGradients(RK4_TABLEAU, 200, pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
      const g = [...disc.gradZ0, ...disc.gradTheta];
      expect(maxAbsDiff([...adj.gradZ0, ...adj.gradTheta], g)).toBeLessThanOrEqual(1e-8 * (maxAbs(g) + 1));
    }), { numRuns: 25 });
  });

  it('discrete gradients of Euler and of DP5 weights also match central differences', () => {
    const pr = mlpProblem(3, 2, 4);
    for (const tab of [EULER_TABLEAU, DORMAND_PRINCE_TABLEAU]) {
      const disc = discreteGradients(tab, 5, pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
      const delta = 1e-5;
      const Lof = (th: Float64Array, z: Float64Array) => discreteLoss(tab, 5, pr.field, th, z, 0, 1, pr.loss);
      const tp = Float64Array.from(pr.theta);
      for (let q = 0; q < pr.field.paramDim; q++) {
        tp[q] = pr.theta[q]! + delta; const a = Lof(tp, pr.z0);
        tp[q] = pr.theta[q]! - delta; const b = Lof(tp, pr.z0);
        tp[q] = pr.theta[q]!;
        expect(Math.abs((a - b) / (2 * delta) - disc.gradTheta[q]!)).toBeLessThanOrEqual(1e-7 * (maxAbs(disc.gradTheta) + 1));
      }
    }
  });

  it('003 convention: loss at t = 0 of z = x + ∫₁⁰ f dt, adjoint solved from 0 to 1 (t₀ = 1, t₁ = 0)', () => {
    fc.assert(fc.property(problems, ({ seed, d, H }) => {
      const pr = mlpProblem(seed, d, H);
      const adj = adjointGradients(rk4({ steps: 40 }), pr.field, pr.theta, pr.z0, 1, 0, pr.loss);
      const disc = discreteGradients(RK4_TABLEAU, 40, pr.field, pr.theta, pr.z0, 1, 0, pr.loss);
      const g = [...disc.gradZ0, ...disc.gradTheta];
      // Same O(h⁴) agreement as forward in time: at 40 steps well below 1e-5 relative for these fields.
      expect(maxAbsDiff([...adj.gradZ0, ...adj.gradTheta], g)).toBeLessThanOrEqual(1e-5 * (maxAbs(g) + 1));
      const fd = centralDifferences(40, 1e-5, pr, 1, 0);
      expect(maxAbsDiff([...fd.gz, ...fd.gt], g)).toBeLessThanOrEqual(1e-7 * (maxAbs(g) + 1));
    }), { numRuns: 15 });
  });

  it('negative control: the sign-flipped adjoint (da/dt = +aᵀ∂f/∂z, da_θ/dt = +aᵀ∂f/∂θ) fails the same comparison', () => {
    let detected = 0, runs = 0;
    fc.assert(fc.property(problems, ({ seed, d, H }) => {
      const pr = mlpProblem(seed, d, H);
      const right = adjointRhs(pr.field, pr.theta);
      const flipped: OdeRhs = (t, y, out) => { right(t, y, out); for (let i = d; i < out.length; i++) out[i] = -out[i]!; return out; };
      const solver = dormandPrince({ rtol: 1e-12, atol: 1e-12 });
      const z1 = new Float64Array(d);
      solver(neuralOdeRhs(pr.field, pr.theta), pr.z0, 0, 1, z1);
      const g1 = new Float64Array(d);
      pr.loss(z1, g1);
      const bad = adjointBackward(solver, flipped, d, pr.field.paramDim, z1, g1, 1, 0);
      const good = adjointBackward(solver, right, d, pr.field.paramDim, z1, g1, 1, 0);
      const disc = discreteGradients(RK4_TABLEAU, 200, pr.field, pr.theta, pr.z0, 0, 1, pr.loss);
      const g = [...disc.gradZ0, ...disc.gradTheta];
      const tol = 1e-8 * (maxAbs(g) + 1);
      expect(maxAbsDiff([...good.gradZ0, ...good.gradTheta], g)).toBeLessThanOrEqual(tol);
      runs++;
      if (maxAbsDiff([...bad.gradZ0, ...bad.gradTheta], g) > tol) detected++;
    }), { numRuns: 20 });
    // Every generated problem detects the flip (a flipped a_θ has the opposite sign of a non-zero gradient).
    expect(detected).toBe(runs);
  });
});

describe('adjoint: bad input', () => {
  it('named errors', () => {
    const field = linearField({ dim: 2 });
    const A = Float64Array.of(0, 1, -1, 0);
    const z0 = Float64Array.of(1, 0);
    const ok: LossGradient = (z, g) => { g.set(z); return 0; };
    expect(() => adjointGradients(rk4({ steps: 2 }), field, Float64Array.of(0, Infinity, 0, 0), z0, 0, 1, ok)).toThrow(/adjointGradients: theta\[1\] = Infinity must be finite/);
    expect(() => adjointGradients(rk4({ steps: 2 }), field, A, Float64Array.of(1), 0, 1, ok)).toThrow(/adjointGradients: z0 must be a Float64Array of length d = 2/);
    expect(() => adjointGradients(rk4({ steps: 2 }), field, A, z0, 0, 1, (_z, g) => { g[0] = NaN; return 0; })).toThrow(/adjointGradients: ∂L\/∂z\(t1\)\[0\] = NaN must be finite/);
    expect(() => adjointGradients(rk4({ steps: 2 }), field, A, z0, 0, 1, () => NaN)).toThrow(/adjointGradients: the loss is not finite/);
    expect(() => discreteGradients(RK4_TABLEAU, 0, field, A, z0, 0, 1, ok)).toThrow(/discreteGradients: steps must be a positive integer, got 0/);
    expect(() => discreteGradients(RK4_TABLEAU, 3, field, A, z0, 0, NaN, ok)).toThrow(/discreteGradients: t1 = NaN must be finite/);
    expect(() => adjointRhs(field, new Float64Array(3))).toThrow(/adjointRhs: theta must have 4 entries/);
  });
});
