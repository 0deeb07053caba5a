/**
 * Langevin dynamics keeps e^{−U}/Z (000 (34)-(36), 002 "Fokker–Planck Equation for Langevin Dynamics", 003
 * "Langevin SDE (special case)"), shown with the finite-volume Fokker–Planck solver of src/physics:
 *  1. relaxation: ρ(x, t) for the double well U = κ(x² − 1)² (src/energies/double-well.ts), from a density
 *     concentrated in the left well, relaxing to e^{−U}/Z under the chosen Langevin form; the L1 distance to
 *     e^{−U}/Z and to the scheme's own stationary law over time; mass conservation;
 *  2. convergence: the L1 norm of the discrete stationary residual A(e^{−U}/Z) over grid refinements for the 002,
 *     003 and (wrong-factor control) 000 (24) forms; least-squares and pairwise slopes (the scheme is order 2);
 *  3. 2-D: relaxation on U(x, y) = κ(x² − 1)² + y²/2 by split Crank–Nicolson (L1 distance over time).
 *
 * Run: `npx ebm run experiments/fokker-planck/config.json [--out DIR]`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { bind } from '../../src/energies/energy.js';
import { doubleWellEnergy } from '../../src/energies/double-well.js';
import { writeJson } from '../../src/io/json.js';
import { linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';
import {
  cellCenters1d, discreteStationary1d, fokkerPlanckApply1d, fokkerPlanckStepper1d, gibbsDensity1d, grid1d,
  l1Distance1d, LANGEVIN_000, LANGEVIN_002, LANGEVIN_003, langevinFokkerPlanck1d, mass1d, type LangevinForm,
} from '../../src/physics/fokker-planck.js';
import {
  fokkerPlanckStepper2d, gibbsDensity2d, grid2d, l1Distance2d, langevinFokkerPlanck2d, mass2d,
} from '../../src/physics/fokker-planck-2d.js';

const FORMS = { '002': LANGEVIN_002, '003': LANGEVIN_003, '000': LANGEVIN_000 } as const;
type FormName = keyof typeof FORMS;
const FORM_LABEL: Record<FormName, string> = {
  '002': '002: dX = −∇U dt + √2 dW',
  '003': '003: dx = −½∇U dt + dw',
  '000': '000 (24): dX = −∇U dt + dW (stationary e^{−2U})',
};

export const fokkerPlanckConfigSchema = z.object({
  experiment: z.literal('fokker-planck'),
  title: z.string().default('Langevin dynamics relaxes to e^{−U}/Z: finite-volume Fokker–Planck on the double well'),
  /** κ of the double well U = κ(x² − 1)² */
  kappa: z.number().positive(),
  /** the 1-D box [lower, upper] with reflecting walls */
  lower: z.number(),
  upper: z.number(),
  /** cells of the 1-D relaxation run */
  cells: z.number().int().min(2),
  /** the Langevin form of the relaxation run */
  form: z.enum(['002', '003', '000']).default('002'),
  scheme: z.enum(['explicit', 'implicit', 'crank-nicolson']).default('implicit'),
  dt: z.number().positive(),
  T: z.number().positive(),
  /** the initial density: N(mean, std²) cell values, normalized */
  initialMean: z.number().default(-1),
  initialStd: z.number().positive().default(0.2),
  /** times at which ρ(x, t) is plotted */
  snapshots: z.array(z.number().nonnegative()).min(1),
  /** record the L1 distances every this many steps */
  recordEvery: z.number().int().positive().default(10),
  /** grid sizes of the residual convergence study (each twice the previous is not required) */
  convergenceCells: z.array(z.number().int().min(4)).min(2),
  /** 2-D relaxation: cells per direction (0 skips it), box [−xHalfWidth2d, xHalfWidth2d] × [−yHalfWidth, yHalfWidth] */
  cells2d: z.number().int().min(0).default(60),
  xHalfWidth2d: z.number().positive().default(2),
  yHalfWidth: z.number().positive().default(3),
  dt2d: z.number().positive().default(0.02),
  T2d: z.number().positive().default(10),
}).strict().superRefine((c, ctx) => {
  if (!(c.lower < c.upper)) ctx.addIssue({ code: 'custom', path: ['upper'], message: `upper must be > lower, got lower = ${c.lower}, upper = ${c.upper}` });
  const steps = Math.round(c.T / c.dt);
  if (steps < 1 || Math.abs(steps * c.dt - c.T) > 1e-9 * c.T) ctx.addIssue({ code: 'custom', path: ['T'], message: `T must be a positive multiple of dt = ${c.dt}, got ${c.T}` });
  c.snapshots.forEach((t, i) => {
    if (t > c.T) ctx.addIssue({ code: 'custom', path: ['snapshots', i], message: `snapshot time ${t} must be ≤ T = ${c.T}` });
  });
  const s = [...c.convergenceCells];
  for (let i = 1; i < s.length; i++) {
    if (!(s[i]! > s[i - 1]!)) ctx.addIssue({ code: 'custom', path: ['convergenceCells', i], message: 'convergenceCells must increase' });
  }
});

export type FokkerPlanckConfig = z.infer<typeof fokkerPlanckConfigSchema>;

export function parseFokkerPlanckConfig(value: unknown, source = 'config'): FokkerPlanckConfig {
  const parsed = fokkerPlanckConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

export interface FokkerPlanckRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
}

export interface ConvergenceRow {
  readonly form: FormName;
  readonly cells: number[];
  readonly h: number[];
  readonly residualL1: number[];
  /** log₂ ratios between successive grids divided by log₂ of their h ratio */
  readonly pairwiseSlopes: number[];
  /** least-squares slope of log residual on log h */
  readonly slope: number;
}

export interface FokkerPlanckResult {
  readonly config: FokkerPlanckConfig;
  readonly relaxation: {
    readonly form: FormName;
    readonly peclet: number;
    readonly explicitDtLimit: number;
    readonly initialL1ToGibbs: number;
    readonly finalL1ToGibbs: number;
    readonly finalL1ToDiscreteStationary: number;
    /** ‖ρ*_h − e^{−U}/Z‖₁: the scheme's O(h²) stationary error, the floor of the distance to e^{−U}/Z */
    readonly discreteStationaryL1ToGibbs: number;
    readonly l1Monotone: boolean;
    readonly maxMassError: number;
    readonly seconds: number;
  };
  readonly convergence: ConvergenceRow[];
  readonly relaxation2d: null | {
    readonly cells: number;
    readonly peclet: number;
    readonly initialL1ToGibbs: number;
    readonly finalL1ToGibbs: number;
    readonly maxMassError: number;
    readonly seconds: number;
  };
  readonly files: string[];
}

function lsSlope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** The experiment: results.json and SVG figures under options.out; returns the summary. */
export function runFokkerPlanck(config: FokkerPlanckConfig, options: FokkerPlanckRunOptions): FokkerPlanckResult {
  config = parseFokkerPlanckConfig(config);
  const log = options.log ?? (() => {});
  const out = options.out;
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const pot1 = bind(doubleWellEnergy(1), Float64Array.of(config.kappa));
  const form: LangevinForm = FORMS[config.form];
  const beta = form.driftScale / form.diffusion; // stationary law ∝ e^{−(c/D)U}

  // 1. Relaxation in 1-D.
  const t0 = performance.now();
  const n = config.cells, g = grid1d(config.lower, config.upper, n);
  const op = langevinFokkerPlanck1d(g, pot1, form);
  const x = cellCenters1d(g);
  const gibbs = gibbsDensity1d(g, pot1, 1, new Float64Array(n)); // e^{−U}/Z: the documents' target
  const stationary = discreteStationary1d(op, new Float64Array(n));
  const rho = new Float64Array(n);
  for (let i = 0; i < n; i++) rho[i] = Math.exp(-(((x[i]! - config.initialMean) / config.initialStd) ** 2) / 2);
  const m0 = mass1d(g, rho);
  for (let i = 0; i < n; i++) rho[i] = rho[i]! / m0;
  const step = fokkerPlanckStepper1d(op, config.dt, config.scheme);
  const steps = Math.round(config.T / config.dt);
  const snapSteps = config.snapshots.map((t) => Math.round(t / config.dt));
  const snaps: { t: number; rho: number[] }[] = [];
  const times: number[] = [], l1Gibbs: number[] = [], l1Stationary: number[] = [];
  let monotone = true, prev = Infinity, maxMassError = 0;
  const initialL1ToGibbs = l1Distance1d(g, rho, gibbs);
  for (let k = 0; k <= steps; k++) {
    if (k > 0) step(rho, rho);
    const dS = l1Distance1d(g, rho, stationary);
    if (dS > prev * (1 + 1e-12)) monotone = false;
    prev = dS;
    maxMassError = Math.max(maxMassError, Math.abs(mass1d(g, rho) - 1));
    if (k % config.recordEvery === 0 || k === steps) {
      times.push(k * config.dt);
      l1Gibbs.push(l1Distance1d(g, rho, gibbs));
      l1Stationary.push(dS);
    }
    if (snapSteps.includes(k)) snaps.push({ t: k * config.dt, rho: Array.from(rho) });
  }
  const relaxation = {
    form: config.form,
    peclet: op.peclet,
    explicitDtLimit: op.explicitDtLimit,
    initialL1ToGibbs,
    finalL1ToGibbs: l1Distance1d(g, rho, gibbs),
    finalL1ToDiscreteStationary: l1Distance1d(g, rho, stationary),
    discreteStationaryL1ToGibbs: l1Distance1d(g, stationary, gibbs),
    l1Monotone: monotone,
    maxMassError,
    seconds: (performance.now() - t0) / 1000,
  };
  log(`relaxation (${FORM_LABEL[config.form]}, ${n} cells, Péclet ${op.peclet.toFixed(2)}, ${config.scheme} dt = ${config.dt}, T = ${config.T}): ‖ρ − e^{−U}/Z‖₁ ${initialL1ToGibbs.toExponential(3)} → ${relaxation.finalL1ToGibbs.toExponential(3)} (floor ‖ρ*_h − e^{−U}/Z‖₁ = ${relaxation.discreteStationaryL1ToGibbs.toExponential(3)}), monotone ${monotone}, max |mass − 1| = ${maxMassError.toExponential(2)}`);

  const xs = Array.from(x);
  const snapSeries: LineSeries[] = snaps.map((s) => ({ name: `t = ${s.t}`, x: xs, y: s.rho }));
  const gibbsCurve = Array.from(gibbsDensity1d(g, pot1, beta, new Float64Array(n)));
  snapSeries.push({ name: beta === 1 ? 'e^{−U}/Z' : `e^{−${beta}U}/Z`, x: xs, y: gibbsCurve, color: '#000000', dash: '6 3' });
  const fig1 = join(out, 'density-relaxation.svg');
  writeSvg(fig1, linePlot(snapSeries, {
    title: `ρ(x, t) under ${FORM_LABEL[config.form]}, U = ${config.kappa}(x² − 1)²`, xLabel: 'x', yLabel: 'ρ(x, t)', legend: 'top-left',
  }));
  files.push(fig1);
  const fig2 = join(out, 'l1-vs-time.svg');
  writeSvg(fig2, linePlot([
    { name: '‖ρ(t) − e^{−U}/Z‖₁', x: times, y: l1Gibbs },
    { name: "‖ρ(t) − ρ*_h‖₁ (scheme's stationary law)", x: times, y: l1Stationary, dash: '4 2' },
  ], { title: 'L1 distance to the stationary law (log scale)', xLabel: 't', yLabel: 'L1 distance', logY: true, legend: 'top-right' }));
  files.push(fig2);

  // 2. Residual convergence.
  const convergence: ConvergenceRow[] = (['002', '003', '000'] as const).map((name) => {
    const hs: number[] = [], res: number[] = [];
    for (const m of config.convergenceCells) {
      const gm = grid1d(config.lower, config.upper, m);
      const opm = langevinFokkerPlanck1d(gm, pot1, FORMS[name]);
      const p = gibbsDensity1d(gm, pot1, 1, new Float64Array(m)); // e^{−U}/Z for every form: 000's is the control
      const r = fokkerPlanckApply1d(opm, p, new Float64Array(m));
      let s = 0;
      for (let i = 0; i < m; i++) s += Math.abs(r[i]!);
      hs.push(gm.h);
      res.push(s * gm.h);
    }
    const pairwise = res.slice(1).map((r, i) => Math.log(res[i]! / r) / Math.log(hs[i]! / hs[i + 1]!));
    return { form: name, cells: [...config.convergenceCells], h: hs, residualL1: res, pairwiseSlopes: pairwise, slope: lsSlope(hs.map(Math.log), res.map(Math.log)) };
  });
  for (const c of convergence) log(`residual ‖A(e^{−U}/Z)‖₁, ${FORM_LABEL[c.form]}: slope ${c.slope.toFixed(3)} (pairwise ${c.pairwiseSlopes.map((s) => s.toFixed(3)).join(', ')})`);
  const fig3 = join(out, 'residual-convergence.svg');
  const lh = convergence[0]!.h.map(Math.log10);
  const ref = convergence[0]!.residualL1[0]!;
  writeSvg(fig3, linePlot([
    ...convergence.map((c) => ({ name: `${FORM_LABEL[c.form]} (slope ${c.slope.toFixed(2)})`, x: lh, y: c.residualL1, markers: true })),
    { name: 'h² reference (shifted down ×3)', x: lh, y: convergence[0]!.h.map((h) => (ref / 3) * (h / convergence[0]!.h[0]!) ** 2), color: '#888888', dash: '2 3' },
  ], { title: 'Stationary residual of e^{−U}/Z vs grid spacing (log-log)', xLabel: 'log₁₀ h', yLabel: 'h Σ|A(e^{−U}/Z)|', logY: true, legend: 'bottom-right' }));
  files.push(fig3);

  // 3. 2-D relaxation.
  let relaxation2d: FokkerPlanckResult['relaxation2d'] = null;
  if (config.cells2d > 0) {
    const t2 = performance.now();
    const m = config.cells2d, xw = config.xHalfWidth2d;
    const g2 = grid2d(grid1d(-xw, xw, m), grid1d(-config.yHalfWidth, config.yHalfWidth, m));
    const pot2 = bind(doubleWellEnergy(2), Float64Array.of(config.kappa));
    const op2 = langevinFokkerPlanck2d(g2, pot2, form);
    const p2 = gibbsDensity2d(g2, pot2, beta, new Float64Array(m * m));
    const r2 = new Float64Array(m * m);
    for (let iy = 0; iy < m; iy++) {
      for (let ix = 0; ix < m; ix++) {
        const xx = -xw + (ix + 0.5) * g2.x.h, yy = -config.yHalfWidth + (iy + 0.5) * g2.y.h;
        r2[iy * m + ix] = Math.exp(-(((xx - config.initialMean) / config.initialStd) ** 2 + (yy - 1) ** 2) / 2);
      }
    }
    const mm = mass2d(g2, r2);
    for (let k = 0; k < r2.length; k++) r2[k] = r2[k]! / mm;
    const st2 = fokkerPlanckStepper2d(op2, config.dt2d, 'split-crank-nicolson');
    const steps2 = Math.round(config.T2d / config.dt2d);
    const t2s: number[] = [], d2: number[] = [];
    let mErr = 0;
    const init2 = l1Distance2d(g2, r2, p2);
    for (let k = 0; k <= steps2; k++) {
      if (k > 0) st2(r2, r2);
      mErr = Math.max(mErr, Math.abs(mass2d(g2, r2) - 1));
      if (k % 5 === 0 || k === steps2) {
        t2s.push(k * config.dt2d);
        d2.push(l1Distance2d(g2, r2, p2));
      }
    }
    relaxation2d = { cells: m, peclet: op2.peclet, initialL1ToGibbs: init2, finalL1ToGibbs: d2[d2.length - 1]!, maxMassError: mErr, seconds: (performance.now() - t2) / 1000 };
    log(`2-D relaxation (${m}² cells, Péclet ${op2.peclet.toFixed(2)}, split CN dt = ${config.dt2d}, T = ${config.T2d}): ‖ρ − e^{−U}/Z‖₁ ${init2.toExponential(3)} → ${relaxation2d.finalL1ToGibbs.toExponential(3)}, max |mass − 1| = ${mErr.toExponential(2)}`);
    const fig4 = join(out, 'l1-vs-time-2d.svg');
    writeSvg(fig4, linePlot([{ name: '‖ρ(t) − e^{−U}/Z‖₁ (2-D)', x: t2s, y: d2 }], {
      title: `2-D: U = ${config.kappa}(x² − 1)² + y²/2, split Crank–Nicolson`, xLabel: 't', yLabel: 'L1 distance', logY: true, legend: 'top-right',
    }));
    files.push(fig4);
  }

  const resultsPath = join(out, 'results.json');
  files.push(resultsPath);
  const result: FokkerPlanckResult = { config, relaxation, convergence, relaxation2d, files };
  writeJson(resultsPath, { ...result, snapshots: snaps.map((s) => ({ t: s.t })), x: xs, l1: { t: times, toGibbs: l1Gibbs, toDiscreteStationary: l1Stationary } });
  return result;
}
