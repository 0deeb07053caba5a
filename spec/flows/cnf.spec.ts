/**
 * src/flows/cnf (003 KFP special case d log p_t/dt = −tr ∂f/∂z, FFJORD). Layer A:
 * - linear ODE dz/dt = Az: the log-density change is exactly −t·tr(A) (constant trace, integrated exactly by every RK
 *   method), and the CNF density equals the exact Gaussian push-forward N(0, e^{tA}e^{tAᵀ}) within the solver error,
 *   whose 4th-order decay under halved steps is checked;
 * - a nonlinear 1-D MLP flow: the CNF density integrates to 1 (Simpson), and the sign-flipped trace does not;
 * - Hutchinson with all 2^d Rademacher probes injected equals the exact trace pointwise, hence the same log-density;
 * - bad input: named errors.
 * Layer B: FFJORD with random probes is unbiased for the fixed-step log-density (the trajectory of z does not depend
 * on the probes and δ is linear in the per-stage trace estimates), and a negative control with probes of covariance
 * I/3 is rejected.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cnfAugmentedField, cnfLogDensity, cnfNllGradients, cnfPushForward, cnfRhs, ffjordLogDensity, hutchinsonJacobianTrace, jacobianTrace } from '../../src/flows/cnf.js';
import { standardNormalLogDensity } from '../../src/flows/layers.js';

/** log N(z; 0, I) of one point. */
const logN = (z: Float64Array): number => standardNormalLogDensity(z, 1, z.length, new Float64Array(1))[0]!;
import { dormandPrince, euler, rk4, type OdeSolver } from '../../src/flows/ode.js';
import type { VectorField } from '../../src/flows/neural-ode.js';
import { linearField } from '../../src/flows/neural-ode.js';
import { symmetricFunction } from '../../src/linalg/dense.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { simpson } from '../../src/stats/quadrature.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';
import { allSigns, maxAbs, randomMlpField } from './_fields.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const mlpProblem = (seed: number, d: number, H: number, scale = 1.5) => randomMlpField(seed, d, H, scale);

describe('cnf: linear ODE dz/dt = Az (exact oracle)', () => {
  it('log-density change is exactly −t·tr(A) for Euler, RK4 and Dormand–Prince, forward and backward', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), finite(-2, 2), (seed, d, t) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const A = normals(rng, new Float64Array(d * d)).map((v) => 0.5 * v);
      const z = normals(rng, new Float64Array(3 * d));
      let tr = 0; for (let i = 0; i < d; i++) tr += A[i * d + i]!;
      const field = linearField({ dim: d });
      for (const solver of [euler({ steps: 7 }), rk4({ steps: 5 }), dormandPrince({ rtol: 1e-6, atol: 1e-8 })]) {
        const r = cnfPushForward(solver, field, A, standardNormalLogDensity, z, 3, { t0: 0, t1: t });
        for (let k = 0; k < 3; k++) {
          expect(Math.abs(r.deltaLogDensity[k]! + t * tr)).toBeLessThanOrEqual(1e-13 * (Math.abs(t * tr) + 1) * (r.info.accepted + 1));
          expect(r.logDensity[k]).toBe(logN(z.subarray(k * d, (k + 1) * d)) + r.deltaLogDensity[k]!);
        }
      }
    }), { numRuns: 50 });
  });

  it('single-probe Hutchinson log-density change over all 2^d sign probes: mean −t·tr(A), variance t²·2Σ_{i≠j}S_ij²', () => {
    // For dz/dt = Az the estimate is δ̂ = −t εᵀAε exactly, so its law over the probes is that of the Hutchinson term.
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 5 }), finite(0.1, 2), (seed, d, t) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const A = normals(rng, new Float64Array(d * d)).map((v) => 0.5 * v);
      let tr = 0; for (let i = 0; i < d; i++) tr += A[i * d + i]!;
      const m = 1 << d;
      const z = normals(rng, new Float64Array(d));
      const zs = new Float64Array(m * d);
      for (let k = 0; k < m; k++) zs.set(z, k * d);
      const r = cnfPushForward(rk4({ steps: 3 }), linearField({ dim: d }), A, standardNormalLogDensity, zs, m, { t1: t, trace: { kind: 'hutchinson', probes: allSigns(d), m: 1 } });
      let mean = 0; for (let k = 0; k < m; k++) mean += r.deltaLogDensity[k]!; mean /= m;
      let v = 0; for (let k = 0; k < m; k++) v += (r.deltaLogDensity[k]! - mean) ** 2; v /= m;
      let vr = 0; for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) vr += 2 * (0.5 * (A[i * d + j]! + A[j * d + i]!)) ** 2;
      const scale = maxAbs(A) * d * d + 1;
      expect(Math.abs(mean + t * tr)).toBeLessThanOrEqual(1e-13 * scale);
      expect(Math.abs(v - t * t * vr)).toBeLessThanOrEqual(1e-12 * scale * scale);
    }), { numRuns: 50 });
  });

  it('CNF log p(x) equals the exact Gaussian push-forward density; the error falls 16× per halved RK4 step', () => {
    // Base N(0, I), symmetric A: x = e^{A} z ~ N(0, e^{2A}), log p(x) = −(d/2) log 2π − tr A − ½ xᵀ e^{−2A} x. The trace
    // part is exact, so the only error is z(0)'s RK4 error entering log p(z): O(h⁴).
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), (seed, d) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const m = normals(rng, new Float64Array(d * d));
      const A = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = 0.3 * (m[i * d + j]! + m[j * d + i]!);
      let tr = 0; for (let i = 0; i < d; i++) tr += A[i * d + i]!;
      const P = symmetricFunction(A, d, (l) => Math.exp(-2 * l)); // covariance⁻¹
      const x = normals(rng, new Float64Array(2 * d));
      const exact = (k: number): number => {
        let q = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) q += x[k * d + i]! * P[i * d + j]! * x[k * d + j]!;
        return -0.5 * d * Math.log(2 * Math.PI) - tr - 0.5 * q;
      };
      const field = linearField({ dim: d });
      const errs = [20, 40].map((steps) => {
        const r = cnfLogDensity(rk4({ steps }), field, A, standardNormalLogDensity, x, 2);
        return Math.max(Math.abs(r.logDensity[0]! - exact(0)), Math.abs(r.logDensity[1]! - exact(1)));
      });
      const scale = Math.abs(exact(0)) + Math.abs(exact(1)) + 1;
      expect(errs[1]!).toBeLessThanOrEqual(1e-5 * scale);
      expect((errs[0]! / errs[1]! > 12 && errs[0]! / errs[1]! < 20) || errs[0]! < 1e-12 * scale).toBe(true);
      const tight = cnfLogDensity(dormandPrince({ rtol: 1e-12, atol: 1e-12 }), field, A, standardNormalLogDensity, x, 2);
      expect(Math.abs(tight.logDensity[0]! - exact(0))).toBeLessThanOrEqual(1e-9 * scale);
    }), { numRuns: 40 });
  });

  it('non-symmetric A = [[a, −b], [b, a]]: log p(x) = −log 2π − 2at − |x|² e^{−2at}/2 (rotation + scaling)', () => {
    fc.assert(fc.property(finite(-0.7, 0.7), finite(-3, 3), finite(0.2, 1.5), finite(-2, 2), finite(-2, 2), (a, b, t, x0, x1) => {
      const A = Float64Array.of(a, -b, b, a);
      const x = Float64Array.of(x0, x1);
      const r = cnfLogDensity(dormandPrince({ rtol: 1e-12, atol: 1e-12 }), linearField({ dim: 2 }), A, standardNormalLogDensity, x, 1, { t0: 0, t1: t });
      const exact = -Math.log(2 * Math.PI) - 2 * a * t - 0.5 * (x0 * x0 + x1 * x1) * Math.exp(-2 * a * t);
      expect(Math.abs(r.logDensity[0]! - exact)).toBeLessThanOrEqual(1e-9 * (Math.abs(exact) + 1));
      expect(Math.abs(r.deltaLogDensity[0]! - 2 * a * t)).toBeLessThanOrEqual(1e-13 * (r.info.accepted + 1));
    }), { numRuns: 50 });
  });
});

describe('cnf: erratum in 003 "Adjoint method, Forward pass"', () => {
  it('z = x + ∫₁⁰ f dt (integrating back to the base), not z = x + ∫₀¹ f dt as the slide writes', () => {
    // 003 writes z = z(0) = ∫₀¹ f_θ dt + x on the "Adjoint method" slide; its own "Forward pass (Loss function)" slide
    // and Picard's theorem give z(0) = x + ∫₁⁰ f_θ dt. For dz/dt = Az these are e^{−A}x (correct) and e^{A}x (as
    // written): the as-written base point is wrong and so is the log-density built on it.
    const a = 0.4, b = 1.1, A = Float64Array.of(a, -b, b, a), x = Float64Array.of(0.7, -0.3);
    const field = linearField({ dim: 2 });
    const dp = dormandPrince({ rtol: 1e-12, atol: 1e-12 });
    const r = cnfLogDensity(dp, field, A, standardNormalLogDensity, x, 1);
    const e = Math.exp(-a), c = Math.cos(b), s = Math.sin(b);
    const back = [e * (c * x[0]! + s * x[1]!), e * (-s * x[0]! + c * x[1]!)]; // e^{−A} x
    expect(Math.abs(r.z[0]! - back[0]!) + Math.abs(r.z[1]! - back[1]!)).toBeLessThan(1e-10);
    const asWritten = cnfPushForward(dp, field, A, standardNormalLogDensity, x, 1).z; // x + ∫₀¹ f dt = e^{A} x
    const exact = -Math.log(2 * Math.PI) - 2 * a - 0.5 * (x[0]! ** 2 + x[1]! ** 2) * Math.exp(-2 * a);
    expect(Math.abs(r.logDensity[0]! - exact)).toBeLessThan(1e-10);
    const wrongLogP = logN(asWritten) - r.deltaLogDensity[0]!;
    expect(Math.abs(wrongLogP - exact)).toBeGreaterThan(0.05);
  });
});

describe('cnf: nonlinear MLP flows', () => {
  it('the exact trace from d JVPs equals the field\'s closed-form divergence', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), (seed, d, H) => {
      const { field, theta, rng } = mlpProblem(seed, d, H);
      const z = normals(rng, new Float64Array(d));
      const tr = jacobianTrace(field, theta, 0.3, z);
      expect(Math.abs(tr - field.divergence!(theta, 0.3, z))).toBeLessThanOrEqual(1e-13 * (maxAbs(theta) + 1) ** 2 * H * d);
    }), { numRuns: 100 });
  });

  it('Hutchinson over all 2^d Rademacher probes equals the exact trace, and gives the same CNF log-density', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 5 }), (seed, d) => {
      const { field, theta, rng } = mlpProblem(seed, d, 6);
      const x = normals(rng, new Float64Array(d));
      const probes = allSigns(d), m = 1 << d;
      const scale = (maxAbs(theta) + 1) ** 2 * 6 * d;
      expect(Math.abs(hutchinsonJacobianTrace(field, theta, 0.2, x, probes, m) - jacobianTrace(field, theta, 0.2, x))).toBeLessThanOrEqual(1e-13 * scale);
      const solver = rk4({ steps: 10 });
      const ex = cnfLogDensity(solver, field, theta, standardNormalLogDensity, x, 1);
      const hu = cnfLogDensity(solver, field, theta, standardNormalLogDensity, x, 1, { trace: { kind: 'hutchinson', probes, m } });
      expect(Array.from(hu.z)).toEqual(Array.from(ex.z)); // the z-trajectory does not depend on the trace
      expect(Math.abs(hu.logDensity[0]! - ex.logDensity[0]!)).toBeLessThanOrEqual(1e-12 * scale);
    }), { numRuns: 40 });
  });

  it('1-D: the CNF density integrates to 1 (Simpson over a wide grid); the sign-flipped trace does not', () => {
    // The solver's tolerance 1e-11 contributes ≲ 1e-10 to the integral (the 1e-9 allowance below).
    const { field, theta } = mlpProblem(7, 1, 8, 2);
    const solver: OdeSolver = dormandPrince({ rtol: 1e-11, atol: 1e-11 });
    const logp = (xv: number) => cnfLogDensity(solver, field, theta, standardNormalLogDensity, Float64Array.of(xv), 1).logDensity[0]!;
    const i801 = simpson((xv) => Math.exp(logp(xv)), -12, 12, 801);
    const i401 = simpson((xv) => Math.exp(logp(xv)), -12, 12, 401);
    // Composite Simpson's error is O(h⁴): the 801-node error is ≤ |I₈₀₁ − I₄₀₁|/15 (Richardson), measured ~2e-8 here
    // (the integrand is smooth and its tails are Gaussian, so it actually converges faster: ~1e-12).
    const quadErr = Math.abs(i801 - i401) / 15;
    expect(quadErr).toBeLessThan(1e-7);
    expect(Math.abs(i801 - 1)).toBeLessThanOrEqual(quadErr + 1e-9);
    // the field really is nonlinear: the density is not the base density
    let dev = 0;
    for (const xv of [-2, -1, 0, 1, 2]) dev = Math.max(dev, Math.abs(logp(xv) - logN(Float64Array.of(xv))));
    expect(dev).toBeGreaterThan(0.1);
    // negative control: log p(z) + δ instead of − δ (the KFP sign flipped)
    const wrong = (xv: number) => {
      const r = cnfLogDensity(solver, field, theta, standardNormalLogDensity, Float64Array.of(xv), 1);
      return Math.exp(logN(r.z) + r.deltaLogDensity[0]!);
    };
    expect(Math.abs(simpson(wrong, -12, 12, 401) - 1)).toBeGreaterThan(1e-3);
  });

  it('push-forward then log-density at the pushed point agree (round trip through the flow)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 3 }), (seed, d) => {
      const { field, theta, rng } = mlpProblem(seed, d, 5);
      const z = normals(rng, new Float64Array(d));
      const solver = dormandPrince({ rtol: 1e-11, atol: 1e-11 });
      const fwd = cnfPushForward(solver, field, theta, standardNormalLogDensity, z, 1);
      const back = cnfLogDensity(solver, field, theta, standardNormalLogDensity, fwd.z, 1);
      expect(Math.abs(back.logDensity[0]! - fwd.logDensity[0]!)).toBeLessThanOrEqual(1e-7 * (Math.abs(fwd.logDensity[0]!) + 1));
    }), { numRuns: 30 });
  });
});

describe('cnf: NLL gradients by the adjoint method (003 "Adjoint method for continuous-in-time NF")', () => {
  it('1-D linear CNF dz/dt = a z: nll = ½log 2π + ½x²e^{−2a} + a, ∂/∂a = 1 − x²e^{−2a}, ∂/∂x = x e^{−2a}', () => {
    fc.assert(fc.property(finite(-1, 1), finite(-3, 3), (a, xv) => {
      const r = cnfNllGradients(dormandPrince({ rtol: 1e-12, atol: 1e-12 }), linearField({ dim: 1 }), Float64Array.of(a), Float64Array.of(xv), 1);
      const e2 = Math.exp(-2 * a);
      expect(Math.abs(r.nll - (0.5 * Math.log(2 * Math.PI) + 0.5 * xv * xv * e2 + a))).toBeLessThanOrEqual(1e-10 * (xv * xv * e2 + 2));
      expect(Math.abs(r.gradTheta[0]! - (1 - xv * xv * e2))).toBeLessThanOrEqual(1e-9 * (xv * xv * e2 + 1));
      expect(Math.abs(r.gradX[0]! - xv * e2)).toBeLessThanOrEqual(1e-9 * (Math.abs(xv) * e2 + 1));
    }), { numRuns: 50 });
  });

  it('the augmented field [f; −div] gives the same log-density as the exact-trace CNF', () => {
    const { field, theta, rng } = mlpProblem(5, 2, 4);
    const x = normals(rng, new Float64Array(2));
    const aug = cnfAugmentedField(field);
    const a = cnfRhs(field, theta)(0.3, Float64Array.of(x[0]!, x[1]!, 0), new Float64Array(3));
    const b = aug.value(theta, 0.3, Float64Array.of(x[0]!, x[1]!, 0), new Float64Array(3));
    for (let i = 0; i < 3; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-14 * (Math.abs(a[i]!) + 1));
  });

  it('MLP CNF: the adjoint NLL gradient matches central differences of the NLL, within the Richardson bound', () => {
    // RK4 with N and 2N steps: the adjoint gradient's error at 2N is ≤ 2|g(N) − g(2N)|/15 (as in adjoint.spec.ts);
    // central differences of the 2N-step NLL (δ = 1e-4) add ≲ δ²·|L'''| ~ 1e-8 and the discrete-vs-continuous O(h⁴),
    // the latter bounded the same way from the two FD gradients.
    const { field, theta, rng } = mlpProblem(21, 2, 4);
    const n = 3;
    const x = normals(rng, new Float64Array(n * 2));
    const nllAt = (steps: number, th: Float64Array) => {
      const r = cnfLogDensity(rk4({ steps }), field, th, standardNormalLogDensity, x, n).logDensity;
      return -(r[0]! + r[1]! + r[2]!) / n;
    };
    const fd = (steps: number) => {
      const delta = 1e-4, tp = Float64Array.from(theta), g = new Float64Array(theta.length);
      for (let q = 0; q < theta.length; q++) {
        tp[q] = theta[q]! + delta; const a = nllAt(steps, tp);
        tp[q] = theta[q]! - delta; const b = nllAt(steps, tp);
        tp[q] = theta[q]!;
        g[q] = (a - b) / (2 * delta);
      }
      return g;
    };
    const dist = (u: ArrayLike<number>, v: ArrayLike<number>) => { let s = 0; for (let i = 0; i < u.length; i++) s += (u[i]! - v[i]!) ** 2; return Math.sqrt(s); };
    const g16 = cnfNllGradients(rk4({ steps: 16 }), field, theta, x, n), g32 = cnfNllGradients(rk4({ steps: 32 }), field, theta, x, n);
    const f16 = fd(16), f32 = fd(32);
    expect(Math.abs(g32.nll - nllAt(32, theta))).toBeLessThanOrEqual(1e-12 * (Math.abs(g32.nll) + 1)); // same forward pass
    const bound = (2 * (dist(g16.gradTheta, g32.gradTheta) + dist(f16, f32))) / 15 + 1e-7;
    expect(dist(g32.gradTheta, f32), `bound ${bound}`).toBeLessThanOrEqual(bound);
    // negative control: dropping the trace's dependence on θ and z (∂div = 0) is detected by the same bound
    const noDivGrad: VectorField = { ...field, divergence: field.divergence!.bind(field), divergenceGradient: (_t, _s, _z, oz, ot) => { oz.fill(0); ot.fill(0); } };
    const wrong = cnfNllGradients(rk4({ steps: 32 }), noDivGrad, theta, x, n);
    expect(dist(wrong.gradTheta, f32)).toBeGreaterThan(bound);
  });

  it('bad input: a field without a closed-form divergence cannot be trained by cnfNllGradients', () => {
    const { field, theta } = mlpProblem(1, 2, 3);
    const bare: VectorField = { name: 'bare', dim: 2, paramDim: field.paramDim, value: field.value, jvp: field.jvp, vjp: field.vjp };
    expect(() => cnfNllGradients(rk4({ steps: 2 }), bare, theta, Float64Array.of(0, 1), 1)).toThrow(/cnfAugmentedField: the field bare must give divergence and divergenceGradient/);
  });
});

describe('cnf: FFJORD (Layer B)', () => {
  const d = 3;
  const { field, theta } = mlpProblem(11, d, 6);
  const x = Float64Array.of(0.4, -0.9, 1.2);
  const solver = rk4({ steps: 8 });
  const N = 4000;

  const unbiased = 'cnf FFJORD: the mean of single-probe log-density estimates is within z·SE of the exact-trace value';
  it(unbiased, () => {
    // For a fixed-step solver δ is linear in the per-stage trace estimates (z(t) does not depend on ε), each unbiased,
    // so E[log p̂] equals the exact-trace log p of the same solver exactly. N = 4000 single-probe estimates per kind
    // (k = 2 kinds, Bonferroni), SE estimated from the N draws (relative error of the SE ~1/√(2N) ≈ 1 %).
    const exact = cnfLogDensity(solver, field, theta, standardNormalLogDensity, x, 1).logDensity[0]!;
    const rng = testStream(unbiased);
    const xs = new Float64Array(N * d);
    for (let r = 0; r < N; r++) xs.set(x, r * d);
    for (const kind of ['rademacher', 'gaussian'] as const) {
      const est = ffjordLogDensity(rng, solver, field, theta, standardNormalLogDensity, xs, N, { probes: 1, kind }).logDensity;
      let mean = 0; for (let r = 0; r < N; r++) mean += est[r]!; mean /= N;
      let ss = 0; for (let r = 0; r < N; r++) ss += (est[r]! - mean) ** 2;
      const se = Math.sqrt(ss / (N - 1) / N);
      expect(se).toBeGreaterThan(0); // the probes do vary the estimate
      expectWithinSE(unbiased, mean, exact, se, { what: `${kind} FFJORD mean`, k: 2 });
    }
  });

  const control = 'cnf FFJORD negative control: probes with covariance I/3 (uniform on [−1, 1]) are rejected';
  it(control, () => {
    // Uniform probes have E[εεᵀ] = I/3: δ̂ estimates δ/3, a bias of (2/3)|δ| in log p. The test asserts the bias exceeds
    // z·SE; it passes by chance only if the estimate falls ~(bias − z·SE)/SE short (see the printed numbers).
    const exactRes = cnfLogDensity(solver, field, theta, standardNormalLogDensity, x, 1);
    const exact = exactRes.logDensity[0]!;
    const rng = testStream(control);
    const probes = new Float64Array(N * d);
    for (let i = 0; i < N * d; i++) probes[i] = 2 * ((rng.next() >>> 0) / 4294967296) - 1;
    const xs = new Float64Array(N * d);
    for (let r = 0; r < N; r++) xs.set(x, r * d);
    const est = cnfLogDensity(solver, field, theta, standardNormalLogDensity, xs, N, { trace: { kind: 'hutchinson', probes, m: 1 } }).logDensity;
    let mean = 0; for (let r = 0; r < N; r++) mean += est[r]!; mean /= N;
    let ss = 0; for (let r = 0; r < N; r++) ss += (est[r]! - mean) ** 2;
    const se = Math.sqrt(ss / (N - 1) / N);
    const bias = (2 / 3) * Math.abs(exactRes.deltaLogDensity[0]!);
    // Power: the control needs the bias to be ≥ z·SE + 5.3·SE (so a false pass has P ≤ 1e-7); refuse otherwise.
    expect(bias, `bias ${bias}, se ${se}`).toBeGreaterThan((zFor(alphaOf(control)) + 5.33) * se);
    expect(Math.abs(mean - exact)).toBeGreaterThan(zFor(alphaOf(control)) * se);
  });
});

describe('cnf: bad input', () => {
  it('named errors', () => {
    const field = linearField({ dim: 2 });
    const A = Float64Array.of(1, 0, 0, 1);
    const s = rk4({ steps: 2 });
    const x = Float64Array.of(1, 2);
    expect(() => cnfLogDensity(s, field, Float64Array.of(1, NaN, 0, 1), standardNormalLogDensity, x, 1)).toThrow(/cnfLogDensity: theta\[1\] = NaN must be finite/);
    expect(() => cnfLogDensity(s, field, A, standardNormalLogDensity, Float64Array.of(1, NaN), 1)).toThrow(/cnfLogDensity: row 0 has a non-finite entry NaN/);
    expect(() => cnfLogDensity(s, field, A, standardNormalLogDensity, x, 2)).toThrow(/cnfLogDensity: the batch must hold n·d = 4 values, got 2/);
    expect(() => cnfLogDensity(s, field, A, standardNormalLogDensity, x, 1, { t0: -Infinity })).toThrow(/cnfLogDensity: t0 and t1 must be finite/);
    expect(() => cnfLogDensity(s, field, A, standardNormalLogDensity, x, 1, { trace: { kind: 'hutchinson', probes: new Float64Array(3), m: 2 } })).toThrow(/cnfLogDensity: trace.probes must hold n·m·d = 4 values/);
    expect(() => cnfLogDensity(s, field, A, standardNormalLogDensity, x, 1, { trace: { kind: 'hutchinson', probes: new Float64Array(4), m: 0 } })).toThrow(/cnfLogDensity: trace.m must be a positive integer/);
    expect(() => cnfLogDensity(s, field, A, (_z, _n, _d, out) => out.fill(NaN), x, 1)).toThrow(/cnfLogDensity: baseLogDensity returned NaN for row 0/);
    expect(() => cnfRhs(field, A, { kind: 'hutchinson', probes: Float64Array.of(1, NaN), m: 1 })).toThrow(/cnfRhs: trace.probes\[1\] = NaN must be finite/);
    expect(() => ffjordLogDensity(streamFromKey(keyFromSeed(1)), s, field, A, standardNormalLogDensity, x, 1, { probes: 0 })).toThrow(/ffjordLogDensity: options.probes must be a positive integer/);
    expect(() => jacobianTrace(field, A, 0, Float64Array.of(1))).toThrow('jacobianTrace: z must hold d = 2 values, got 1');
    expect(() => hutchinsonJacobianTrace(field, A, 0, x, Float64Array.of(1, 1), 2)).toThrow('hutchinsonJacobianTrace: probes must hold m·d = 4 values, got 2');
    expect(() => hutchinsonJacobianTrace(field, A, 0, x, Float64Array.of(1, 1), 0)).toThrow('hutchinsonJacobianTrace: m must be a positive integer, got 0');
  });
});
