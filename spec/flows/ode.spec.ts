/**
 * src/flows/ode (003 neural ODE: ODESolve, the Euler update step). All Layer A (no randomness):
 * - one-step exactness: Euler is exact for z' = c; RK4 for z' = cubic in t (Simpson); Dormand–Prince's 5th-order weights
 *   for z' = quartic in t (its quadrature order is 5);
 * - convergence orders measured from errors at halved steps on a problem with a closed-form solution;
 * - backward integration (t₁ < t₀) is the forward integration of the time-reflected ODE, bit for bit, and a round trip
 *   on an isometric flow returns to z₀ within the two measured global errors;
 * - Dormand–Prince: each accepted step's true local error meets the tolerance, the global error on an isometric flow is
 *   at most the sum of the per-step tolerances, the evaluation count is 6 per trial step + start-up, rejections happen
 *   and are counted;
 * - bad input: named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DORMAND_PRINCE_TABLEAU, EULER_TABLEAU, RK4_TABLEAU, dormandPrince, euler, explicitRungeKutta, rk4, solveOde,
  type ButcherTableau, type OdeRhs, type OdeSolver,
} from '../../src/flows/ode.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!)); return m; };

/**
 * Test problem with a closed form, non-autonomous (so the nodes c_i matter) and coupled:
 * z₁' = z₁ cos t  ⇒ z₁(t) = z₁(t₀) e^{sin t − sin t₀};  (z₂, z₃)' = [[−0.1, −1], [1, −0.1]] (z₂, z₃)  ⇒ damped rotation.
 */
const problem: OdeRhs = (t, z, out) => {
  out[0] = z[0]! * Math.cos(t);
  out[1] = -0.1 * z[1]! - z[2]!;
  out[2] = z[1]! - 0.1 * z[2]!;
  return out;
};
function exact(z0: Float64Array, t0: number, t: number): Float64Array {
  const dt = t - t0, g = Math.exp(-0.1 * dt), c = Math.cos(dt), s = Math.sin(dt);
  return Float64Array.from([z0[0]! * Math.exp(Math.sin(t) - Math.sin(t0)), g * (c * z0[1]! - s * z0[2]!), g * (s * z0[1]! + c * z0[2]!)]);
}
const Z0 = Float64Array.from([0.8, 1, -0.5]);

/** Pure rotation z' = [[0, −ω], [ω, 0]] z: an isometry, so propagated errors keep their size. */
const rotation = (omega: number): OdeRhs => (_t, z, out) => { out[0] = -omega * z[1]!; out[1] = omega * z[0]!; return out; };
const rotationExact = (omega: number, z0: Float64Array, dt: number): Float64Array => {
  const c = Math.cos(omega * dt), s = Math.sin(omega * dt);
  return Float64Array.from([c * z0[0]! - s * z0[1]!, s * z0[0]! + c * z0[1]!]);
};

function errorAt(tab: ButcherTableau, steps: number, t0 = 0, t1 = 2): number {
  const { z } = solveOde(explicitRungeKutta(tab, { steps }), problem, Z0, t0, t1);
  return maxAbsDiff(z, exact(Z0, t0, t1));
}

describe('ode: one-step exactness', () => {
  it('Euler: z + h·c for z\' = c, and (1 + h a) z for z\' = a z, exactly', () => {
    fc.assert(fc.property(finite(-3, 3), finite(-3, 3), finite(-2, 2), finite(0.01, 2), (c, z, a, h) => {
      const one = euler({ steps: 1 });
      const out = new Float64Array(1);
      one((_t, _z, o) => { o[0] = c; return o; }, Float64Array.of(z), 0.5, 0.5 + h, out);
      // === rather than Object.is: the accumulation 0 + 1·c turns a −0 into +0, which is the same number.
      expect(out[0] === z + ((0.5 + h) - 0.5) * c).toBe(true);
      one((_t, y, o) => { o[0] = a * y[0]!; return o; }, Float64Array.of(z), 0, h, out);
      expect(out[0] === z + h * (a * z)).toBe(true);
    }), { numRuns: 100 });
  });

  it('RK4 integrates z\' = cubic(t) exactly in one step; DP5 weights integrate quartics exactly', () => {
    fc.assert(fc.property(fc.array(finite(-2, 2), { minLength: 5, maxLength: 5 }), finite(-1, 1), finite(0.1, 1.5), (p, t0, h) => {
      const poly = (deg: number) => (t: number) => { let s = 0; for (let k = deg; k >= 0; k--) s = s * t + p[k]!; return s; };
      const prim = (deg: number) => (t: number) => { let s = 0; for (let k = deg; k >= 0; k--) s = s * t + p[k]! / (k + 1); return s * t; };
      for (const [tab, deg] of [[RK4_TABLEAU, 3], [DORMAND_PRINCE_TABLEAU, 4]] as const) {
        const P = poly(deg), F = prim(deg);
        const { z } = solveOde(explicitRungeKutta(tab, { steps: 1 }), (t, _z, o) => { o[0] = P(t); return o; }, Float64Array.of(0.3), t0, t0 + h);
        expect(Math.abs(z[0]! - (0.3 + F(t0 + h) - F(t0)))).toBeLessThanOrEqual(1e-14 * 30);
      }
    }), { numRuns: 100 });
  });

  it('Dormand–Prince tableau: rows of a sum to c, b and b̂ = b − e each sum to 1, row 7 of a is b (FSAL)', () => {
    const { a, b, c, errorWeights: e, stages: s } = DORMAND_PRINCE_TABLEAU;
    for (let i = 0; i < s; i++) { let r = 0; for (let j = 0; j < s; j++) r += a[i * s + j]!; expect(Math.abs(r - c[i]!)).toBeLessThan(1e-15); }
    let sb = 0, se = 0; for (let i = 0; i < s; i++) { sb += b[i]!; se += e![i]!; }
    expect(Math.abs(sb - 1)).toBeLessThan(1e-15);
    expect(Math.abs(se)).toBeLessThan(1e-15);
    for (let j = 0; j < s; j++) expect(a[(s - 1) * s + j]).toBe(b[j]);
  });
});

describe('ode: convergence orders from halved steps', () => {
  // Slope s = log₂(e(h)/e(h/2)). The global error is e(h) = C h^p (1 + D h + O(h²)), so s = p + O(h); the step counts
  // below make h small enough that the O(h) term measured between the two finest pairs is below 0.05 (printed in the
  // message), and the intervals [p − 0.1, p + 0.1] leave room for it while excluding p ± 1. Errors stay ≥ 1e-11, far
  // above round-off (~1e-15 × steps).
  const cases: [ButcherTableau, number, number][] = [[EULER_TABLEAU, 1, 400], [RK4_TABLEAU, 4, 20], [DORMAND_PRINCE_TABLEAU, 5, 10]];
  for (const [tab, p, n0] of cases) {
    it(`${tab.name}: measured order ≈ ${p}`, () => {
      const e = [n0, 2 * n0, 4 * n0].map((n) => errorAt(tab, n));
      const s1 = Math.log2(e[0]! / e[1]!), s2 = Math.log2(e[1]! / e[2]!);
      expect(e[2]!).toBeGreaterThan(1e-11);
      expect(Math.abs(s2 - p), `slopes ${s1}, ${s2}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(s1 - s2), `slopes ${s1}, ${s2}`).toBeLessThanOrEqual(0.05);
    });
  }

  it('negative control: RK4 with a wrong node (c₂ = 0.4 instead of ½) is detected by the same order test', () => {
    // With c₂ ≠ a₂₁ the stage is inconsistent; the method drops to order 1 on non-autonomous problems.
    const bad: ButcherTableau = { ...RK4_TABLEAU, name: 'rk4-bad', c: Float64Array.from([0, 0.4, 0.5, 1]) };
    const e = [20, 40, 80].map((n) => errorAt(bad, n));
    const s2 = Math.log2(e[1]! / e[2]!);
    expect(Math.abs(s2 - 4)).toBeGreaterThan(0.1);
  });
});

describe('ode: backward integration', () => {
  const reflect = (f: OdeRhs): OdeRhs => (s, z, out) => { f(-s, z, out); for (let i = 0; i < out.length; i++) out[i] = -out[i]!; return out; };
  const solvers: [string, OdeSolver][] = [
    ['euler', euler({ steps: 37 })], ['rk4', rk4({ steps: 23 })], ['dormandPrince', dormandPrince({ rtol: 1e-7, atol: 1e-9 })],
  ];
  for (const [name, solver] of solvers) {
    it(`${name}: integrating from t₀ to t₁ < t₀ is, bit for bit, integrating z'(s) = −f(−s, z) from −t₀ to −t₁`, () => {
      fc.assert(fc.property(finite(-1, 1), finite(0.1, 3), (t0, span) => {
        const t1 = t0 - span;
        const back = solveOde(solver, problem, Z0, t0, t1);
        const refl = solveOde(solver, reflect(problem), Z0, -t0, -t1);
        expect(Array.from(back.z)).toEqual(Array.from(refl.z));
        expect(back.info).toEqual(refl.info);
        expect(maxAbsDiff(back.z, exact(Z0, t0, t1))).toBeLessThan(name === 'euler' ? 0.5 : 1e-4);
      }), { numRuns: 20 });
    });
  }

  it('round trip on an isometric flow returns to z₀ within e_fwd + e_bwd (RK4 and Dormand–Prince)', () => {
    // ‖back(z₁ⁿᵘᵐ) − z₀‖ ≤ ‖back(z₁ⁿᵘᵐ) − back(z₁)‖ + ‖back(z₁) − z₀‖ ≤ L·e_fwd + e_bwd, and L = 1 for a rotation
    // (each numerical step map is linear and within O(h⁵) of orthogonal; a 1e-12 slack covers that and round-off).
    const f = rotation(1.3);
    const z0 = Float64Array.from([0.6, -0.8]);
    for (const solver of [rk4({ steps: 40 }), dormandPrince({ rtol: 1e-8, atol: 1e-10 })]) {
      const fwd = solveOde(solver, f, z0, 0, 3).z;
      const eF = maxAbsDiff(fwd, rotationExact(1.3, z0, 3)) * Math.SQRT2;
      const bwdExact = solveOde(solver, f, rotationExact(1.3, z0, 3), 3, 0).z;
      const eB = maxAbsDiff(bwdExact, z0) * Math.SQRT2;
      const rt = solveOde(solver, f, fwd, 3, 0).z;
      const dist = Math.hypot(rt[0]! - z0[0]!, rt[1]! - z0[1]!);
      expect(dist).toBeLessThanOrEqual(eF + eB + 1e-12);
      expect(dist).toBeGreaterThan(0); // a real integration, not a copy
    }
  });

  it('t₁ = t₀ copies z₀ and takes no steps', () => {
    for (const solver of [euler({ steps: 3 }), rk4({ steps: 3 }), dormandPrince({ rtol: 1e-6, atol: 1e-6 })]) {
      const r = solveOde(solver, problem, Z0, 0.7, 0.7);
      expect(Array.from(r.z)).toEqual(Array.from(Z0));
      expect(r.info).toEqual({ accepted: 0, rejected: 0, evaluations: 0 });
    }
  });
});

describe('ode: the solver family (every member)', () => {
  const members: [string, OdeSolver][] = [
    ['euler', euler({ steps: 9 })], ['rk4', rk4({ steps: 6 })], ['dp5-fixed', explicitRungeKutta(DORMAND_PRINCE_TABLEAU, { steps: 4 })],
    ['dormandPrince', dormandPrince({ rtol: 1e-6, atol: 1e-8 })],
  ];
  for (const [name, solver] of members) {
    it(`${name}: onStep sees every accepted step, strictly monotone in time, ending exactly at t₁; z0 is not changed`, () => {
      fc.assert(fc.property(finite(-2, 2), finite(-3, 3), (t0, span) => {
        fc.pre(Math.abs(span) > 1e-3);
        const t1 = t0 + span;
        const z0 = Float64Array.from(Z0);
        const times: number[] = [];
        const states: number[][] = [];
        const out = new Float64Array(3);
        const info = solver(problem, z0, t0, t1, out, (t, z) => { times.push(t); states.push(Array.from(z)); });
        expect(Array.from(z0)).toEqual(Array.from(Z0));
        expect(times.length).toBe(info.accepted);
        expect(times[times.length - 1]).toBe(t1);
        expect(states[states.length - 1]).toEqual(Array.from(out));
        const dir = Math.sign(span);
        for (let k = 1; k < times.length; k++) expect(dir * (times[k]! - times[k - 1]!)).toBeGreaterThan(0);
        expect(dir * (times[0]! - t0)).toBeGreaterThan(0);
      }), { numRuns: 30 });
    });
  }
});

describe('ode: adaptive Dormand–Prince 5(4)', () => {
  it('every accepted step has a true local error within the tolerance (scaled RMS ≤ 1)', () => {
    // Re-take each accepted step [t_{k−1}, t_k] from the exact state with the 5th-order formula and compare with the
    // exact solution: the scaled RMS norm (the controller's norm) must be ≤ 1. The controller accepts the estimate of
    // the embedded 4th-order error; local extrapolation propagates the 5th-order solution, whose error is smaller.
    for (const [rtol, atol] of [[1e-4, 1e-6], [1e-7, 1e-9], [1e-10, 1e-12]] as const) {
      const times: number[] = [0];
      dormandPrince({ rtol, atol })(problem, Z0, 0, 6, new Float64Array(3), (t) => { times.push(t); });
      expect(times.length).toBeGreaterThan(5);
      expect(times[times.length - 1]).toBe(6);
      let worst = 0;
      for (let k = 1; k < times.length; k++) {
        const from = exact(Z0, 0, times[k - 1]!);
        const step = solveOde(explicitRungeKutta(DORMAND_PRINCE_TABLEAU, { steps: 1 }), problem, from, times[k - 1]!, times[k]!).z;
        const truth = exact(Z0, 0, times[k]!);
        let acc = 0;
        for (let i = 0; i < 3; i++) acc += ((step[i]! - truth[i]!) / (atol + rtol * Math.max(Math.abs(from[i]!), Math.abs(step[i]!)))) ** 2;
        worst = Math.max(worst, Math.sqrt(acc / 3));
      }
      expect(worst, `rtol ${rtol}`).toBeLessThanOrEqual(1);
    }
  });

  it('negative control: Euler steps at the same times fail the same per-step tolerance check', () => {
    const rtol = 1e-7, atol = 1e-9;
    const times: number[] = [0];
    dormandPrince({ rtol, atol })(problem, Z0, 0, 6, new Float64Array(3), (t) => { times.push(t); });
    let worst = 0;
    for (let k = 1; k < times.length; k++) {
      const from = exact(Z0, 0, times[k - 1]!);
      const step = solveOde(euler({ steps: 1 }), problem, from, times[k - 1]!, times[k]!).z;
      const truth = exact(Z0, 0, times[k]!);
      let acc = 0;
      for (let i = 0; i < 3; i++) acc += ((step[i]! - truth[i]!) / (atol + rtol * Math.max(Math.abs(from[i]!), Math.abs(step[i]!)))) ** 2;
      worst = Math.max(worst, Math.sqrt(acc / 3));
    }
    expect(worst).toBeGreaterThan(1);
  });

  it('global error on a rotation is at most Σ over accepted steps of the tolerance scale, and falls with the tolerance', () => {
    // For an isometric flow, global error ≤ Σ_k (local error of step k) ≤ accepted · max_k sc_k·√n (scaled RMS ≤ 1).
    const f = rotation(2), z0 = Float64Array.from([1, 0]);
    let prev = Infinity;
    for (const tol of [1e-4, 1e-6, 1e-8, 1e-10]) {
      const r = solveOde(dormandPrince({ rtol: tol, atol: tol }), f, z0, 0, 5);
      const err = Math.hypot(r.z[0]! - Math.cos(10), r.z[1]! - Math.sin(10));
      expect(err).toBeLessThanOrEqual(r.info.accepted * (tol + tol * 1) * Math.SQRT2);
      expect(err).toBeLessThan(prev);
      prev = err;
    }
  });

  it('rejections are counted; evaluations = 2 (start-up) + 6 per trial step (FSAL), or 1 + 6 per trial with h₀ given', () => {
    const f = rotation(10), z0 = Float64Array.from([1, 0]);
    const withH0 = solveOde(dormandPrince({ rtol: 1e-6, atol: 1e-8, h0: 1 }), f, z0, 0, 2).info;
    expect(withH0.rejected).toBeGreaterThan(0); // h₀ = 1 is ~10× too large for ω = 10
    expect(withH0.evaluations).toBe(1 + 6 * (withH0.accepted + withH0.rejected));
    const auto = solveOde(dormandPrince({ rtol: 1e-6, atol: 1e-8 }), f, z0, 0, 2).info;
    expect(auto.evaluations).toBe(2 + 6 * (auto.accepted + auto.rejected));
    expect(auto.accepted).toBeGreaterThan(10);
  });

  it('integrates a non-autonomous coupled problem to its tolerance, both directions', () => {
    fc.assert(fc.property(finite(-2, 2), finite(0.5, 4), fc.boolean(), (t0, span, backward) => {
      const t1 = backward ? t0 - span : t0 + span;
      const r = solveOde(dormandPrince({ rtol: 1e-9, atol: 1e-11 }), problem, Z0, t0, t1);
      const ex = exact(Z0, t0, t1);
      // ~50-200 accepted steps, each with local error ≤ 1e-9·|z|; the damped rotation and e^{sin} amplify by ≤ e².
      expect(maxAbsDiff(r.z, ex)).toBeLessThanOrEqual(r.info.accepted * 1e-9 * 3 * Math.E ** 2);
    }), { numRuns: 30 });
  });
});

describe('ode: bad input', () => {
  const id: OdeRhs = (_t, z, out) => { out.set(z); return out; };
  it('named errors', () => {
    expect(() => euler({ steps: 0 })).toThrow(/euler: steps must be a positive integer, got 0/);
    expect(() => rk4({ steps: 2.5 })).toThrow(/rk4: steps must be a positive integer, got 2.5/);
    expect(() => dormandPrince({ rtol: 0, atol: 1e-6 })).toThrow(/dormandPrince: rtol = 0 must be finite and > 0/);
    expect(() => dormandPrince({ rtol: 1e-6, atol: -1 })).toThrow(/dormandPrince: atol = -1 must be finite and > 0/);
    expect(() => dormandPrince({ rtol: NaN, atol: 1e-6 })).toThrow(/dormandPrince: rtol = NaN/);
    expect(() => dormandPrince({ rtol: 1e-6, atol: 1e-6, h0: 0 })).toThrow(/dormandPrince: h0 = 0 must be finite and > 0/);
    expect(() => dormandPrince({ rtol: 1e-6, atol: 1e-6, maxSteps: 0 })).toThrow(/dormandPrince: maxSteps must be a positive integer/);
    const s = rk4({ steps: 2 });
    expect(() => solveOde(s, id, Float64Array.of(1, NaN), 0, 1)).toThrow(/rk4: z0\[1\] = NaN must be finite/);
    expect(() => solveOde(s, id, Float64Array.of(1), Infinity, 1)).toThrow(/rk4: t0 = Infinity must be finite/);
    expect(() => solveOde(s, id, Float64Array.of(1), 0, NaN)).toThrow(/rk4: t1 = NaN must be finite/);
    expect(() => s(id, Float64Array.of(1, 2), 0, 1, new Float64Array(1))).toThrow(/rk4: out must be a Float64Array of length ≥ 2/);
    const buf = new Float64Array(2);
    expect(() => s(id, buf, 0, 1, buf)).toThrow(/rk4: out must not overlap z0/);
    expect(() => solveOde(s, (_t, _z, o) => o.fill(NaN), Float64Array.of(1), 0, 1)).toThrow(/rk4: the solution became non-finite \(z\[0\] = NaN\) at t = 0.5/);
    expect(() => solveOde(dormandPrince({ rtol: 1e-6, atol: 1e-6 }), (_t, _z, o) => o.fill(Infinity), Float64Array.of(1), 0, 1)).toThrow(/dormandPrince: the solution became non-finite/);
    expect(() => solveOde(dormandPrince({ rtol: 1e-12, atol: 1e-12, maxSteps: 5 }), rotation(50), Float64Array.of(1, 0), 0, 10)).toThrow(/dormandPrince: more than maxSteps = 5 steps/);
    // z' = z² blows up at t = 1 from z(0) = 1: the step size collapses.
    expect(() => solveOde(dormandPrince({ rtol: 1e-8, atol: 1e-8 }), (_t, z, o) => { o[0] = z[0]! * z[0]!; return o; }, Float64Array.of(1), 0, 2)).toThrow(/dormandPrince: (step size underflow|the solution became non-finite|more than maxSteps)/);
  });
});
