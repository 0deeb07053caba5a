/**
 * Layer B: the Fokker–Planck solver against the project's Euler–Maruyama sampler (src/samplers/euler-maruyama.ts).
 *
 * The particles' law is EM's law, which differs from the SDE's (and so from the FP solution) by EM's O(dt) bias. On
 * linear drifts EM's law is exactly Gaussian with mean and variance from the recursion m' = a m, v' = a² v + g² dt, so
 * that difference is computed, not assumed: δ = sup_x |Φ_EM(x) − F_FP(x)| on a fine grid (plus the grid's Lipschitz
 * slack). Then sup|F_n − F_FP| ≤ sup|F_n − Φ_EM| + δ, and P(sup|F_n − Φ_EM| > ε_α) ≤ α (DKW), so asserting
 * sup|F_n − F_FP| ≤ ε_α + δ has false-failure probability ≤ α = 1e-7 (registered). δ itself is asserted small
 * (≤ ε_α/4): that is the deterministic agreement of the FP solution with the SDE up to EM's bias. Negative controls use
 * the same draws' construction with a wrong factor and assert sup|F_n − F_FP| > ε_α + δ; each control's power is
 * checked exactly first (the wrong EM law, Gaussian in closed form, is > 2ε_α + δ from F_FP), so a correct
 * implementation fails a control with probability ≤ α.
 */
import { describe, expect, it } from 'vitest';
import { cellCdf1d, fokkerPlanck1d, fokkerPlanckEvolve1d, grid1d, interiorFaces1d, type Grid1d } from '../../src/physics/fokker-planck.js';
import { normals } from '../../src/rng/index.js';
import { eulerMaruyama, type Drift } from '../../src/samplers/euler-maruyama.js';
import { normalCdf } from '../../src/stats/distributions.js';
import { testStream, describeSeed } from '../_support/seed.js';
import { alphaOf, dkwEpsilon, ksStatistic } from '../_support/stat.js';

const N = 100_000;

/** Exact cell averages of N(m, s²). */
function gaussianCells(g: Grid1d, m: number, s: number): Float64Array {
  const out = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) out[i] = (normalCdf((g.lower + (i + 1) * g.h - m) / s) - normalCdf((g.lower + i * g.h - m) / s)) / g.h;
  return out;
}

/** EM's exact law on dX = −λX dt + g dW after K steps from N(m0, v0): N(a^K m0, v_K), a = 1 − λ dt. */
function emLaw(lambda: number, gNoise: number, dt: number, K: number, m0: number, v0: number): [number, number] {
  const a = 1 - lambda * dt;
  let m = m0, v = v0;
  for (let k = 0; k < K; k++) {
    m = a * m; // m' = a m
    v = a * a * v + gNoise * gNoise * dt; // v' = a² v + g² dt
  }
  return [m, v];
}

/** δ = sup_x |Φ((x − m)/√v) − F(x)| over [lo, hi] on a grid of spacing Δ, plus (max density)·Δ for the gaps. */
function supDistance(F: (x: number) => number, m: number, v: number, lo: number, hi: number, maxDensity: number): number {
  const M = 40_000, dx = (hi - lo) / M, s = Math.sqrt(v);
  let sup = 0;
  for (let i = 0; i <= M; i++) {
    const x = lo + i * dx;
    sup = Math.max(sup, Math.abs(normalCdf((x - m) / s) - F(x)));
  }
  return sup + (maxDensity + 1 / Math.sqrt(2 * Math.PI * v)) * dx;
}

/** n draws of N(m0, s0²), then K EM steps of dX = −λX dt + g dW with the test's stream. */
function emParticles(name: string, lambda: number, gNoise: number, dt: number, K: number, m0: number, s0: number): Float64Array {
  const stream = testStream(name);
  const x = normals(stream, new Float64Array(N));
  for (let i = 0; i < N; i++) x[i] = m0 + s0 * x[i]!;
  const f: Drift = (xx, _t, n, _d, out) => {
    for (let i = 0; i < n; i++) out[i] = -lambda * xx[i]!;
  };
  return eulerMaruyama(stream, f, gNoise, x, N, 1, 0, dt, K, x);
}

/** The FP solution at T for the drift −λx and diffusion D from N(m0, s0²) cell averages (CN). */
function fpCdf(lambda: number, D: number, T: number, m0: number, s0: number): { F: (x: number) => number; maxDensity: number } {
  const g = grid1d(-6, 6, 1200);
  const faces = interiorFaces1d(g);
  const op = fokkerPlanck1d(g, faces.map((x) => -lambda * x), D);
  const steps = 200;
  const rho = fokkerPlanckEvolve1d(op, gaussianCells(g, m0, s0), T / steps, steps, 'crank-nicolson', new Float64Array(g.n));
  let maxDensity = 0;
  for (const v of rho) maxDensity = Math.max(maxDensity, v);
  return { F: cellCdf1d(g, rho), maxDensity };
}

/**
 * A control's power, exactly: the wrong EM law N(m, v) lies more than 2ε + δ from F_FP (grid sup, a lower bound on the
 * true sup, no slack added), so sup|F_n − F_FP| ≥ sup|Φ_wrong − F_FP| − sup|F_n − Φ_wrong| > ε + δ except with
 * probability ≤ α (DKW on the wrong law's own draws).
 */
function expectPower(name: string, F: (x: number) => number, m: number, v: number, delta: number): void {
  const eps = dkwEpsilon(N, alphaOf(name)), M = 40_000, dx = 12 / M, s = Math.sqrt(v);
  let sup = 0;
  for (let i = 0; i <= M; i++) sup = Math.max(sup, Math.abs(normalCdf((-6 + i * dx - m) / s) - F(-6 + i * dx)));
  expect(sup, `control power: the wrong law is only ${sup} from F_FP (needs > 2ε + δ = ${2 * eps + delta})`).toBeGreaterThan(2 * eps + delta);
}

function check(name: string, samples: Float64Array, F: (x: number) => number, delta: number, expectInside: boolean): void {
  const eps = dkwEpsilon(N, alphaOf(name));
  const d = ksStatistic(samples, F);
  if (expectInside) {
    expect(d <= eps + delta, `sup|F_n − F_FP| = ${d} > ε + δ = ${eps} + ${delta} (${describeSeed(name)})`).toBe(true);
  } else {
    expect(d > eps + delta, `negative control: sup|F_n − F_FP| = ${d} ≤ ε + δ = ${eps} + ${delta}: the wrong law was not detected (${describeSeed(name)})`).toBe(true);
  }
}

describe('FP solution vs Euler–Maruyama particles (DKW, α = 1e-7)', () => {
  // OU in the 002 form with U = x²/2: dX = −X dt + √2 dW, X₀ ~ N(2, 0.5²), T = 0.5, EM with dt = 0.005 (100 steps).
  const T = 0.5, dt = 0.005, K = 100, m0 = 2, s0 = 0.5;
  const fp = fpCdf(1, 1, T, m0, s0);

  it('fokker-planck: OU particles by Euler–Maruyama match the FP solution at T (DKW)', () => {
    const name = 'fokker-planck: OU particles by Euler–Maruyama match the FP solution at T (DKW)';
    const [m, v] = emLaw(1, Math.SQRT2, dt, K, m0, s0 * s0);
    const delta = supDistance(fp.F, m, v, -6, 6, fp.maxDensity);
    expect(delta).toBeLessThan(dkwEpsilon(N, alphaOf(name)) / 4);
    check(name, emParticles(name, 1, Math.SQRT2, dt, K, m0, s0), fp.F, delta, true);
  });

  it('fokker-planck negative control: EM with √dt noise for √(2dt) leaves the FP solution\'s band', () => {
    const name = "fokker-planck negative control: EM with √dt noise for √(2dt) leaves the FP solution's band";
    const [m, v] = emLaw(1, Math.SQRT2, dt, K, m0, s0 * s0);
    const delta = supDistance(fp.F, m, v, -6, 6, fp.maxDensity); // the band of the correct law, as above
    const [mw, vw] = emLaw(1, 1, dt, K, m0, s0 * s0); // the wrong law, exactly
    expectPower(name, fp.F, mw, vw, delta);
    check(name, emParticles(name, 1, 1, dt, K, m0, s0), fp.F, delta, false);
  });

  // 003: dx = ½ ∇log p dt + dw with p = N(0, s²), i.e. drift −x/(2s²), g = 1; from exact draws of p, T = 1.
  const s = 0.8, lambda003 = 0.5 / (s * s), K3 = 200;
  const fp3 = fpCdf(lambda003, 0.5, 1, 0, s);

  it("fokker-planck: 003's Langevin SDE from exact draws of p keeps p at T: particles match the FP path (DKW)", () => {
    const name = "fokker-planck: 003's Langevin SDE from exact draws of p keeps p at T: particles match the FP path (DKW)";
    const [m, v] = emLaw(lambda003, 1, dt, K3, 0, s * s);
    const delta = supDistance(fp3.F, m, v, -6, 6, fp3.maxDensity);
    expect(delta).toBeLessThan(dkwEpsilon(N, alphaOf(name)) / 4);
    // the FP path itself stays at p: its CDF at T is within 1e-3 of Φ(x/s) (O(h²) + the grid slack of supDistance)
    expect(supDistance(fp3.F, 0, s * s, -6, 6, fp3.maxDensity)).toBeLessThan(1e-3);
    check(name, emParticles(name, lambda003, 1, dt, K3, 0, s), fp3.F, delta, true);
  });

  it('fokker-planck negative control: without the ½ (−∇U dt + dW) the particles leave the FP path of p', () => {
    const name = 'fokker-planck negative control: without the ½ (−∇U dt + dW) the particles leave the FP path of p';
    const [m, v] = emLaw(lambda003, 1, dt, K3, 0, s * s);
    const delta = supDistance(fp3.F, m, v, -6, 6, fp3.maxDensity);
    const [mw, vw] = emLaw(2 * lambda003, 1, dt, K3, 0, s * s); // the wrong law, exactly
    expectPower(name, fp3.F, mw, vw, delta);
    check(name, emParticles(name, 2 * lambda003, 1, dt, K3, 0, s), fp3.F, delta, false);
  });
});
