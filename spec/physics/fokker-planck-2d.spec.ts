/**
 * The 2-D Fokker–Planck solver (src/physics/fokker-planck-2d.ts), Layer A:
 *  - on a separable potential U(x, y) = U₁(x) + U₂(y) and a product density, the 2-D operator is A₁ ⊗ I + I ⊗ A₂ of
 *    the 1-D operators (exact to rounding): the 2-D code is the 1-D scheme along each direction;
 *  - mass conservation of explicit Euler and split Crank–Nicolson to 1e-12 (property);
 *  - the stationary residual of e^{−U}/Z falls at order 2 (002 and 003 forms), the wrong factor does not;
 *  - relaxation to e^{−U}/Z (L1 decreasing), its O(h²) limit; 003's constant path in 2-D and its negative control;
 *  - named errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, type Potential } from '../../src/energies/energy.js';
import { doubleWellEnergy } from '../../src/energies/double-well.js';
import {
  discreteStationary1d, fokkerPlanckApply1d, gibbsDensity1d, grid1d, LANGEVIN_000, LANGEVIN_002, LANGEVIN_003, langevinFokkerPlanck1d,
  type LangevinForm,
} from '../../src/physics/fokker-planck.js';
import {
  fokkerPlanck2d, fokkerPlanckApply2d, fokkerPlanckStepper2d, gibbsDensity2d, grid2d, l1Distance2d,
  langevinFokkerPlanck2d, mass2d, type FokkerPlanckScheme2d, type Grid2d,
} from '../../src/physics/fokker-planck-2d.js';
import { keyFromSeed, normals, streamFromKey, uniforms } from '../../src/rng/index.js';

/** U(x, y) = (x² − 1)² + y²/2 (the double well in d = 2). */
const well2: Potential = bind(doubleWellEnergy(2), Float64Array.of(1));
const well1: Potential = bind(doubleWellEnergy(1), Float64Array.of(1));
/** U₂(y) = y²/2 in 1-D. */
const quad1: Potential = {
  name: 'y²/2', dim: 1,
  energy: (x, n, out) => {
    for (let i = 0; i < n; i++) out[i] = 0.5 * x[i]! * x[i]!;
    return out;
  },
  energyGrad: (x, n, u, g) => {
    for (let i = 0; i < n; i++) {
      u[i] = 0.5 * x[i]! * x[i]!;
      g[i] = x[i]!;
    }
  },
};

function residual2d(n: number, form: LangevinForm): number {
  const g = grid2d(grid1d(-2, 2, n), grid1d(-3, 3, n));
  const op = langevinFokkerPlanck2d(g, well2, form);
  const rho = gibbsDensity2d(g, well2, 1, new Float64Array(n * n));
  const a = fokkerPlanckApply2d(op, rho, new Float64Array(n * n));
  let s = 0;
  for (const v of a) s += Math.abs(v);
  return s * g.x.h * g.y.h;
}

describe('2-D operator', () => {
  it('separable U and product ρ = f(x)g(y): A₂ᴅρ = (A_x f) g + f (A_y g) to rounding', () => {
    const gx = grid1d(-2, 2, 17), gy = grid1d(-3, 3, 13), g = grid2d(gx, gy);
    const op = langevinFokkerPlanck2d(g, well2, LANGEVIN_003);
    const ax = langevinFokkerPlanck1d(gx, well1, LANGEVIN_003), ay = langevinFokkerPlanck1d(gy, quad1, LANGEVIN_003);
    const s = streamFromKey(keyFromSeed(7));
    const f = uniforms(s, new Float64Array(17)), q = uniforms(s, new Float64Array(13));
    const rho = new Float64Array(17 * 13);
    for (let iy = 0; iy < 13; iy++) for (let ix = 0; ix < 17; ix++) rho[iy * 17 + ix] = f[ix]! * q[iy]!;
    const a = fokkerPlanckApply2d(op, rho, new Float64Array(17 * 13));
    const afx = fokkerPlanckApply1d(ax, f, new Float64Array(17)), agy = fokkerPlanckApply1d(ay, q, new Float64Array(13));
    let scale = 0;
    for (const v of a) scale = Math.max(scale, Math.abs(v));
    for (let iy = 0; iy < 13; iy++) {
      for (let ix = 0; ix < 17; ix++) {
        expect(Math.abs(a[iy * 17 + ix]! - (afx[ix]! * q[iy]! + f[ix]! * agy[iy]!))).toBeLessThanOrEqual(1e-13 * scale);
      }
    }
    // the Gibbs density is the product of the 1-D ones
    const p2 = gibbsDensity2d(g, well2, 1, new Float64Array(17 * 13));
    const p1 = gibbsDensity1d(gx, well1, 1, new Float64Array(17)), p1y = gibbsDensity1d(gy, quad1, 1, new Float64Array(13));
    for (let iy = 0; iy < 13; iy++) for (let ix = 0; ix < 17; ix++) expect(p2[iy * 17 + ix]).toBeCloseTo(p1[ix]! * p1y[iy]!, 13);
  });

  it('every scheme conserves hx·hy·Σρ to 1e-12 over 100 steps (random drifts, densities)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), (seed, nx, ny) => {
      const s = streamFromKey(keyFromSeed(seed));
      const g: Grid2d = grid2d(grid1d(0, 1, nx), grid1d(-1, 1, ny));
      const bx = normals(s, new Float64Array((nx - 1) * ny)), by = normals(s, new Float64Array(nx * (ny - 1)));
      const op = fokkerPlanck2d(g, bx, by, 0.7);
      const rho = uniforms(s, new Float64Array(nx * ny)), m0 = mass2d(g, rho);
      for (const [scheme, dt] of [['explicit', 0.9 * op.explicitDtLimit], ['split-crank-nicolson', 50 * op.explicitDtLimit]] as const) {
        if (scheme === 'explicit' && op.peclet > 1) continue; // explicit Euler refuses these grids (tested below)
        const step = fokkerPlanckStepper2d(op, dt, scheme);
        const r = Float64Array.from(rho);
        for (let k = 0; k < 100; k++) step(r, r);
        expect(Math.abs(mass2d(g, r) - m0)).toBeLessThanOrEqual(1e-12 * m0);
      }
    }), { numRuns: 60 });
  });
});

describe('2-D stationarity of e^{−U}/Z', () => {
  // As in 1-D: interior truncation C h²(1 + O(h²)), boundary cells O(h)·h; slope 2 + O(h). Measured 1.97 (n 50 → 100)
  // and 2.00 (100 → 200); [1.9, 2.1] is the 1-D interval.
  for (const [label, form] of [['002', LANGEVIN_002], ['003', LANGEVIN_003]] as const) {
    it(`${label}: the L1 residual falls at order 2 on 50², 100², 200² cells`, () => {
      const r = [50, 100, 200].map((n) => residual2d(n, form));
      for (let k = 1; k < r.length; k++) {
        const p = Math.log2(r[k - 1]! / r[k]!);
        expect(p).toBeGreaterThan(1.9);
        expect(p).toBeLessThan(2.1);
      }
    });
  }
  it('negative control: 000 (24) (D = ½ with drift −∇U) leaves e^{−U} with an O(1) residual', () => {
    const r = [50, 100].map((n) => residual2d(n, LANGEVIN_000));
    expect(r[1]!).toBeGreaterThan(0.5);
    expect(r[1]! / r[0]!).toBeGreaterThan(0.95);
  });

  it('relaxation from N((1, 1), ¼I): split CN decreases ‖ρ − e^{−U}/Z‖₁ and its limit is O(h²) (÷ ≈ 4 per refinement)', () => {
    const finals = [40, 80].map((n) => {
      const g = grid2d(grid1d(-2, 2, n), grid1d(-3, 3, n));
      const op = langevinFokkerPlanck2d(g, well2, LANGEVIN_002);
      const p = gibbsDensity2d(g, well2, 1, new Float64Array(n * n));
      const r = new Float64Array(n * n);
      for (let iy = 0; iy < n; iy++) {
        for (let ix = 0; ix < n; ix++) {
          const x = -2 + (ix + 0.5) * g.x.h, y = -3 + (iy + 0.5) * g.y.h;
          r[iy * n + ix] = Math.exp(-((x - 1) ** 2 + (y - 1) ** 2) / 0.5);
        }
      }
      const m = mass2d(g, r);
      for (let k = 0; k < r.length; k++) r[k] = r[k]! / m;
      const step = fokkerPlanckStepper2d(op, 0.02, 'split-crank-nicolson');
      let d = l1Distance2d(g, r, p);
      expect(d).toBeGreaterThan(1);
      for (let k = 1; k <= 500; k++) {
        step(r, r);
        if (k % 25 === 0) {
          const dn = l1Distance2d(g, r, p);
          expect(dn).toBeLessThan(d);
          d = dn;
        }
      }
      expect(Math.abs(mass2d(g, r) - 1)).toBeLessThan(1e-12);
      return d;
    });
    expect(finals[0]!).toBeLessThan(0.02);
    expect(finals[0]! / finals[1]!).toBeGreaterThan(3); // O(h²): 4 asymptotically
  });

  it("003 in 2-D: started at p, the path stays at p to O(h²); without the ½ on the drift it moves by O(1)", () => {
    const n = 60, g = grid2d(grid1d(-2, 2, n), grid1d(-3, 3, n));
    const p = gibbsDensity2d(g, well2, 1, new Float64Array(n * n));
    const run = (form: LangevinForm, scheme: FokkerPlanckScheme2d) => {
      const op = langevinFokkerPlanck2d(g, well2, form);
      const dt = scheme === 'explicit' ? 0.9 * op.explicitDtLimit : 0.02;
      const step = fokkerPlanckStepper2d(op, dt, scheme), r = Float64Array.from(p);
      const steps = Math.ceil(2 / dt);
      for (let k = 0; k < steps; k++) step(r, r);
      return l1Distance2d(g, r, p);
    };
    // The bound, derived: U is separable, so the scheme's stationary law is ρ* = ρ*_x ⊗ ρ*_y of the 1-D zero-flux
    // recurrences, and ‖S^k p − p‖₁ ≤ ‖S^k (p − ρ*)‖₁ + ‖ρ* − p‖₁. Explicit Euler under its limit (Péclet < 1) is a
    // Markov kernel: first term ≤ ‖p − ρ*‖₁. Each split-CN line solve is a contraction in ⟨u, v⟩ = hx·hy Σ uv/ρ* (the
    // line operators satisfy detailed balance with ρ*) and Cauchy–Schwarz gives ‖e‖₁ ≤ ‖e‖_w.
    const sx = discreteStationary1d(langevinFokkerPlanck1d(g.x, well1, LANGEVIN_003), new Float64Array(n));
    const sy = discreteStationary1d(langevinFokkerPlanck1d(g.y, quad1, LANGEVIN_003), new Float64Array(n));
    const st = new Float64Array(n * n);
    for (let iy = 0; iy < n; iy++) for (let ix = 0; ix < n; ix++) st[iy * n + ix] = sx[ix]! * sy[iy]!;
    const l1 = l1Distance2d(g, p, st);
    let w2 = 0;
    for (let k = 0; k < n * n; k++) w2 += ((p[k]! - st[k]!) ** 2) / st[k]!;
    const wNorm = Math.sqrt(w2 * g.x.h * g.y.h);
    expect(run(LANGEVIN_003, 'split-crank-nicolson')).toBeLessThanOrEqual((l1 + wNorm) * (1 + 1e-9));
    expect(run(LANGEVIN_003, 'explicit')).toBeLessThanOrEqual(2 * l1 * (1 + 1e-9));
    // Negative control: the wrong factor moves the path ten times farther than the bound allows the right one.
    expect(run({ driftScale: 1, diffusion: 0.5 }, 'split-crank-nicolson')).toBeGreaterThan(10 * (l1 + wNorm));
  });
});

describe('2-D bad input', () => {
  const g = grid2d(grid1d(0, 1, 10), grid1d(0, 2, 10));
  it('dt over the explicit limit, Péclet > 1, drift lengths, non-finite U, dimension, scheme', () => {
    const op = fokkerPlanck2d(g, new Float64Array(90), new Float64Array(90), 1);
    expect(op.explicitDtLimit).toBeCloseTo(1 / (2 / 0.01 + 2 / 0.04), 12);
    expect(() => fokkerPlanckStepper2d(op, 0.01, 'explicit')).toThrow(/fokkerPlanckStepper2d: dt = 0.01 exceeds the explicit \(CFL\) stability limit/);
    expect(() => fokkerPlanckStepper2d(op, 0.01, 'split-crank-nicolson')).not.toThrow();
    expect(() => fokkerPlanckStepper2d(op, -1, 'split-crank-nicolson')).toThrow(/dt must be finite and > 0, got -1/);
    expect(() => fokkerPlanckStepper2d(op, 0.001, 'adi' as FokkerPlanckScheme2d)).toThrow(/scheme must be 'explicit' or 'split-crank-nicolson'/);
    const steep = fokkerPlanck2d(g, new Float64Array(90).fill(100), new Float64Array(90), 1);
    expect(() => fokkerPlanckStepper2d(steep, 1e-7, 'explicit')).toThrow(/cell Péclet number .* > 1/);
    expect(() => fokkerPlanck2d(g, new Float64Array(100), new Float64Array(90), 1)).toThrow(/driftX must be a Float64Array of \(nx − 1\)·ny = 90 x-faces, got length 100/);
    expect(() => fokkerPlanck2d(g, new Float64Array(90), new Float64Array(89), 1)).toThrow(/driftY must be a Float64Array of nx·\(ny − 1\) = 90 y-faces, got length 89/);
    expect(() => fokkerPlanck2d(g, new Float64Array(90).fill(Infinity), new Float64Array(90), 1)).toThrow(/driftX\[0\] must be finite, got Infinity/);
    expect(() => fokkerPlanck2d(g, new Float64Array(90), new Float64Array(90), 0)).toThrow(/diffusion D must be finite and > 0, got 0/);
    const bad: Potential = {
      name: 'bad', dim: 2,
      energy: (_x, n, out) => out.fill(Number.NaN, 0, n),
      energyGrad: (_x, n, u, gr) => {
        u.fill(Number.NaN, 0, n);
        gr.fill(0, 0, 2 * n);
      },
    };
    expect(() => langevinFokkerPlanck2d(g, bad)).toThrow(/langevinFokkerPlanck2d: U\(0.1, 0.1\) must be finite, got NaN/);
    expect(() => gibbsDensity2d(g, bad, 1, new Float64Array(100))).toThrow(/gibbsDensity2d: U\(0.05, 0.1\) must be finite, got NaN/);
    expect(() => langevinFokkerPlanck2d(g, well1)).toThrow(/must be 2-dimensional, got dim = 1/);
    expect(() => langevinFokkerPlanck2d(g, well2, { driftScale: 1, diffusion: 0 })).toThrow(/langevinFokkerPlanck2d: form.diffusion must be finite and > 0, got 0/);
    expect(() => mass2d(g, new Float64Array(99))).toThrow(/mass2d: rho must hold 100 values, got 99/);
    const explicit = fokkerPlanckStepper2d(op, 1e-3, 'explicit');
    expect(() => explicit(new Float64Array(100), new Float64Array(99))).toThrow(/fokkerPlanckStepper2d: out must hold 100 values, got 99/);
  });
});
