/**
 * 001 Example 3.1 (src/physics/wiener.ts): dX = dW (3.26), ∂ρ/∂t = ½ ∂²ρ/∂x² (3.27), heat kernel (3.28).
 * Exact: (3.28) solves (3.27) pointwise (closed-form derivatives), has mass 1 and variance t. Deterministic
 * convergence: the finite-volume solver of (3.27) from the delta datum (one cell of mass 1) and from (3.28) at t₀
 * matches (3.28) at t = 1 with an L1 error falling at order 2; the negative control (D = 1, the σ² for σ²/2 slip) does
 * not converge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellCenters1d, fokkerPlanck1d, fokkerPlanckEvolve1d, grid1d, l1Distance1d, mass1d } from '../../src/physics/fokker-planck.js';
import { wienerCellAverages, wienerDensity, wienerFokkerPlanck1d } from '../../src/physics/wiener.js';
import { normalCdf } from '../../src/stats/distributions.js';

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('001 (3.28) solves (3.27)', () => {
  it('∂ρ/∂t = ½ ∂²ρ/∂x² pointwise: ∂ₜρ = ρ (x²/(2t²) − 1/(2t)) equals ½ρ″ = ½ρ (x²/t² − 1/t); central differences agree', () => {
    fc.assert(fc.property(dbl(-4, 4), dbl(0.2, 3), dbl(-1, 1), (x, t, x0) => {
      const at = (xx: number, tt: number) => wienerDensity(tt, Float64Array.of(xx), 1, new Float64Array(1), x0)[0]!;
      const rho = at(x, t), z = x - x0;
      const dt = rho * ((z * z) / (2 * t * t) - 1 / (2 * t));
      const half2 = 0.5 * rho * ((z * z) / (t * t) - 1 / t);
      expect(Math.abs(dt - half2)).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(dt)));
      // independent check of the closed-form derivatives by central differences (errors O(ε²) ≈ 1e-8 relative)
      const e = 1e-4;
      const fdT = (at(x, t + e) - at(x, t - e)) / (2 * e);
      const fdXX = (at(x + e, t) - 2 * rho + at(x - e, t)) / (e * e);
      expect(Math.abs(fdT - dt)).toBeLessThanOrEqual(1e-6 * (1 + rho / t));
      expect(Math.abs(0.5 * fdXX - half2)).toBeLessThanOrEqual(1e-5 * (1 + rho / t));
    }), { numRuns: 100 });
  });

  it('mass 1 and variance t (midpoint quadrature on ±12√t), cell averages sum to Φ(b/√t) − Φ(a/√t)', () => {
    for (const t of [0.1, 1, 4]) {
      const n = 20000, a = -12 * Math.sqrt(t), h = (24 * Math.sqrt(t)) / n;
      const x = Float64Array.from({ length: n }, (_, i) => a + (i + 0.5) * h);
      const r = wienerDensity(t, x, n, new Float64Array(n));
      let m = 0, v = 0;
      for (let i = 0; i < n; i++) {
        m += r[i]! * h;
        v += x[i]! * x[i]! * r[i]! * h;
      }
      expect(m).toBeCloseTo(1, 12);
      expect(v / t).toBeCloseTo(1, 7);
      const g = grid1d(-1, 2, 30);
      expect(mass1d(g, wienerCellAverages(g, t, new Float64Array(30)))).toBeCloseTo(normalCdf(2 / Math.sqrt(t)) - normalCdf(-1 / Math.sqrt(t)), 14);
    }
  });

  it('errors: t ≤ 0, non-finite x0, short buffers', () => {
    const x = new Float64Array(3), o = new Float64Array(3);
    expect(() => wienerDensity(0, x, 3, o)).toThrow(/wienerDensity: t must be finite and > 0, got 0/);
    expect(() => wienerDensity(1, x, 3, o, Number.NaN)).toThrow(/x0 must be finite/);
    expect(() => wienerDensity(1, x, 4, o)).toThrow(/x must hold n = 4 values, got 3/);
    expect(() => wienerCellAverages(grid1d(0, 1, 4), -1, new Float64Array(4))).toThrow(/wienerCellAverages: t must be finite and > 0, got -1/);
    expect(() => wienerCellAverages(grid1d(0, 1, 4), 1, new Float64Array(4), Number.NaN)).toThrow(/wienerCellAverages: x0 must be finite, got NaN/);
  });
});

describe('the FP solver on (3.27) converges to (3.28)', () => {
  // Box [−8, 8]: the heat kernel's mass outside at t = 1 is 2Φ(−8) ≈ 1e-15, so the reflecting walls are invisible at
  // the errors measured (≥ 1e-5). The errors are O(h²) (space) + O(dt²) (CN) or O(dt) = O(h²) (explicit at dt ∝ h²);
  // with the asymptotic expansion e(h) = C h²(1 + O(h²)) the slope between h and h/2 is 2 + O(h²); measured 1.99-2.00.
  it('from the delta datum ρ(x, 0) = δ(x) (one cell of mass 1), explicit Euler: L1 error at t = 1 of order 2', () => {
    const errs = [161, 321, 641].map((n) => {
      const g = grid1d(-8, 8, n), op = wienerFokkerPlanck1d(g);
      const r0 = new Float64Array(n);
      r0[(n - 1) / 2] = 1 / g.h; // the cell centred at x = 0 holds the unit mass
      const steps = Math.ceil(1 / (0.5 * op.explicitDtLimit));
      const r = fokkerPlanckEvolve1d(op, r0, 1 / steps, steps, 'explicit', new Float64Array(n));
      expect(Math.abs(mass1d(g, r) - 1)).toBeLessThan(1e-12);
      return l1Distance1d(g, r, wienerDensity(1, cellCenters1d(g), n, new Float64Array(n)));
    });
    for (let k = 1; k < errs.length; k++) {
      const p = Math.log2(errs[k - 1]! / errs[k]!);
      expect(p).toBeGreaterThan(1.9);
      expect(p).toBeLessThan(2.1);
    }
    expect(errs[2]!).toBeLessThan(5e-5);
  });

  it('from (3.28) at t₀ = 0.05, Crank–Nicolson with dt ∝ h: L1 error to the exact cell averages at t = 1 of order 2', () => {
    const errs = [80, 160, 320, 640].map((n) => {
      const g = grid1d(-8, 8, n), op = wienerFokkerPlanck1d(g);
      const steps = n / 4, dt = 0.95 / steps;
      const r = fokkerPlanckEvolve1d(op, wienerCellAverages(g, 0.05, new Float64Array(n)), dt, steps, 'crank-nicolson', new Float64Array(n));
      return l1Distance1d(g, r, wienerCellAverages(g, 1, new Float64Array(n)));
    });
    for (let k = 1; k < errs.length; k++) {
      const p = Math.log2(errs[k - 1]! / errs[k]!);
      expect(p).toBeGreaterThan(1.9);
      expect(p).toBeLessThan(2.1);
    }
  });

  it('control on the time order: implicit Euler at the same dt ∝ h converges at order 1 only (so order 2 above is CN\'s)', () => {
    const errs = [160, 320, 640].map((n) => {
      const g = grid1d(-8, 8, n), op = wienerFokkerPlanck1d(g);
      const steps = n / 4;
      const r = fokkerPlanckEvolve1d(op, wienerCellAverages(g, 0.05, new Float64Array(n)), 0.95 / steps, steps, 'implicit', new Float64Array(n));
      return l1Distance1d(g, r, wienerCellAverages(g, 1, new Float64Array(n)));
    });
    for (let k = 1; k < errs.length; k++) {
      const p = Math.log2(errs[k - 1]! / errs[k]!);
      expect(p).toBeGreaterThan(0.8);
      expect(p).toBeLessThan(1.2);
    }
  });

  it('negative control: D = σ² = 1 in place of σ²/2 (the ½ of (3.27) dropped) converges to the variance-2t kernel instead', () => {
    const errs = [160, 320].map((n) => {
      const g = grid1d(-8, 8, n), op = fokkerPlanck1d(g, new Float64Array(n - 1), 1);
      const r = fokkerPlanckEvolve1d(op, wienerCellAverages(g, 0.05, new Float64Array(n)), 0.95 / (n / 4), n / 4, 'crank-nicolson', new Float64Array(n));
      return l1Distance1d(g, r, wienerCellAverages(g, 1, new Float64Array(n)));
    });
    expect(errs[1]!).toBeGreaterThan(0.1);
    expect(errs[1]! / errs[0]!).toBeGreaterThan(0.9); // no convergence
  });
});
