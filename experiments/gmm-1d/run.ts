/**
 * The paper's 1-D analysis of mode collapse (004 App. C, Fig. 14): the target (43)
 *   ρ*(x) ∝ e^{−½|x−a|²} + e^{−z* − ½|x−b|²},   |a − b| = 10 (A1),
 * the model (45) U_z(x) = −log(e^{−½|x−a|²} + e^{−z−½|x−b|²}) with a, b fixed and only z learned, and the three
 * continuous-time procedures of C.1.2 run by Euler–Maruyama (src/training/continuous.ts): PCD (walkers at the data,
 * no weights), unweighted (walkers from ρ_z(0), no weights) and Jarzynski (walkers from ρ_z(0), weights by (17)).
 *
 * C.1.3 predicts, with q̂* the fraction of data close to mode b, ẑ* = log((1 − q̂*)/q̂*), q̂(0) the fraction of initial
 * walkers close to b and p̂(0) = 1 − q̂(0):
 *   PCD          ż = 0, z(t) = z(0)                                                                   (51)
 *   unweighted   ż = q̂(0) − q̂*, a linear drift and mode collapse                                     (50)
 *   Jarzynski    z → z̃* = ẑ* + log(q̂(0)/p̂(0)) (+ z(0), C.3's remark)                                (54)
 * "Close to mode b" is taken as x > (a + b)/2 (C.3 uses I_b = [b − 4, b + 4]; the two differ only for points in the
 * empty region between the modes). The measured drift is the least-squares slope of z(t) while |z(t) − z(0)| stays
 * below `driftFitMaxAbsZ` (where Lemma 1's approximation ∂zU ≈ 1{x near b} holds); the measured fixed point is the
 * mean of z(t) over the last `fixedPointWindow` fraction of the horizon.
 *
 * Run: `node dist/experiments/gmm-1d/run.js experiments/gmm-1d/config.json --out DIR`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { twoModeMixtureEnergy, type Energy } from '../../src/energies/index.js';
import { runContinuousTraining, type ContinuousVariant } from '../../src/training/continuous.js';
import { writeJson } from '../../src/io/json.js';
import { writeNpy } from '../../src/io/npy.js';
import { createProgress } from '../../src/io/progress.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

const PROCEDURES = ['pcd', 'unweighted', 'jarzynski'] as const;

export const gmm1dConfigSchema = z.object({
  experiment: z.literal('gmm-1d'),
  title: z.string().default('Fig. 14: learning z in the 1-D two-mode mixture (004 App. C)'),
  /** the mode means of (43); fixed, not learned */
  a: z.number(),
  b: z.number(),
  /** the target's z* of (43); q* = e^{−z*}/(1 + e^{−z*}) is the mass of mode b */
  zStar: z.number(),
  /** z(0) (C.1.2 starts at 0) */
  z0: z.number().default(0),
  /** N */
  walkers: z.number().int().positive(),
  /** n */
  dataSize: z.number().int().positive(),
  /** α in (17), (49) */
  alpha: z.number().positive().default(1),
  /** Euler–Maruyama step */
  h: z.number().positive(),
  /** horizon */
  T: z.number().positive(),
  /** γ in ż = γ(…); 1 is (48) as written */
  learningRate: z.number().positive().default(1),
  procedures: z.array(z.enum(PROCEDURES)).min(1).default([...PROCEDURES]),
  /** record every this many EM steps */
  recordEvery: z.number().int().positive().default(100),
  /** the unweighted drift is fitted while |z(t) − z(0)| ≤ this */
  driftFitMaxAbsZ: z.number().positive().default(5),
  /** the Jarzynski fixed point is the mean of z over this last fraction of [0, T] */
  fixedPointWindow: z.number().gt(0).lte(1).default(0.5),
  /** the early-time figure shows t ≤ earlyT */
  earlyT: z.number().positive().default(100),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (!(c.a < c.b)) ctx.addIssue({ code: 'custom', path: ['b'], message: `b must be greater than a (mode b is the one z weighs), got a = ${c.a}, b = ${c.b}` });
  const steps = Math.round(c.T / c.h);
  if (steps < 1 || Math.abs(steps * c.h - c.T) > 1e-9 * c.T) ctx.addIssue({ code: 'custom', path: ['T'], message: `T must be a positive multiple of h = ${c.h}, got ${c.T}` });
  if (c.procedures.includes('pcd') && c.walkers > c.dataSize) {
    ctx.addIssue({ code: 'custom', path: ['walkers'], message: `PCD starts its walkers at data points: walkers must be ≤ dataSize = ${c.dataSize}, got ${c.walkers}` });
  }
  if (new Set(c.procedures).size !== c.procedures.length) ctx.addIssue({ code: 'custom', path: ['procedures'], message: 'procedures must not repeat' });
});

export type Gmm1dConfig = z.infer<typeof gmm1dConfigSchema>;
export type Gmm1dProcedure = (typeof PROCEDURES)[number];

/** "path: message" per issue; throws a RangeError listing all of them. */
export function parseGmm1dConfig(value: unknown, source = 'config'): Gmm1dConfig {
  const parsed = gmm1dConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

/**
 * The model (45) as an Energy of θ = [z] alone on ℝ¹, a and b fixed: the paper's mixture 004 (15) with d = 1 and
 * θ_full = [a, b, z], so ∂zU = w_b(x) (55).
 */
export function twoModeZEnergy(a: number, b: number): Energy {
  const base = twoModeMixtureEnergy(1);
  const full = Float64Array.of(a, b, 0);
  const fullGrad = new Float64Array(3);
  const set = (theta: Float64Array): Float64Array => {
    if (theta.length !== 1) throw new RangeError(`theta for twoModeZ must have length 1 ([z]), got ${theta.length}`);
    full[2] = theta[0]!;
    return full;
  };
  return {
    name: `twoModeZ(a=${a}, b=${b})`,
    dim: 1,
    paramDim: 1,
    energy: (theta, x, n, out) => base.energy(set(theta), x, n, out),
    energyGrad: (theta, x, n, u, grad) => base.energyGrad(set(theta), x, n, u, grad),
    paramGrad(theta, x, n, weights, out) {
      base.paramGrad(set(theta), x, n, weights, fullGrad);
      out[0] = fullGrad[2]!;
      return out;
    },
    logPartition: (theta) => base.logPartition!(set(theta)),
    sample: (stream, theta, n, out) => base.sample!(stream, set(theta), n, out),
  };
}

export interface Gmm1dProcedureResult {
  readonly procedure: Gmm1dProcedure;
  /** q̂(0): fraction of initial walkers with x > (a + b)/2 */
  readonly qHat0: number;
  readonly zFinal: number;
  readonly qFinal: number;
  /** the prediction of C.1.3 for this procedure and what was measured */
  readonly prediction: { readonly equation: string; readonly description: string; readonly value: number };
  readonly measured: { readonly description: string; readonly value: number; readonly [key: string]: number | string | null };
  /** fraction of walkers near b at T (unweighted count) */
  readonly walkersNearBFinal: number;
  readonly essFinal: number;
  readonly seconds: number;
}

export interface Gmm1dResult {
  readonly config: Gmm1dConfig;
  readonly realized: { readonly qStar: number; readonly qHatStar: number; readonly zHatStar: number; readonly midpoint: number };
  readonly procedures: Gmm1dProcedureResult[];
  readonly files: string[];
}

export interface Gmm1dRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  /** show a progress display on stderr (default true) */
  readonly progress?: boolean;
}

const sigmoidMinus = (zz: number) => (zz >= 0 ? Math.exp(-zz) / (1 + Math.exp(-zz)) : 1 / (1 + Math.exp(zz))); // e^{−z}/(1+e^{−z})

/** Least-squares slope of y on x. */
function slope(x: Float64Array, y: Float64Array, n: number): number {
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (x[i]! - mx) * (y[i]! - my); sxx += (x[i]! - mx) ** 2; }
  return sxy / sxx;
}

/** The experiment: data, the three procedures, results.json, NPY traces and SVG figures under options.out. */
export function runGmm1d(config: Gmm1dConfig, options: Gmm1dRunOptions): Gmm1dResult {
  config = parseGmm1dConfig(config); // also accepts a config object that was not parsed yet
  const log = options.log ?? (() => {});
  const out = options.out;
  mkdirSync(join(out, 'traces'), { recursive: true });
  const { a, b, h, T } = config;
  const mid = (a + b) / 2;
  const energy = twoModeZEnergy(a, b);
  const root = keyFromSeed(config.seed);
  const n = config.dataSize, N = config.walkers;
  // The data: n exact draws from (43).
  const data = energy.sample!(streamFromKey(foldIn(root, 0)), Float64Array.of(config.zStar), n, new Float64Array(n));
  const fractionNearB = (x: Float64Array, count: number) => {
    let c = 0;
    for (let i = 0; i < count; i++) if (x[i]! > mid) c++;
    return c / count;
  };
  const qHatStar = fractionNearB(data, n);
  const zHatStar = Math.log((1 - qHatStar) / qHatStar);
  // One run key for all procedures: unweighted and Jarzynski start from the same X_0 and see the same noise.
  const runKey = foldIn(root, 1);
  const steps = Math.round(T / h);
  const total = steps * config.procedures.length;
  const progress = options.progress === false ? null : createProgress({ total, label: 'gmm-1d' });
  const files: string[] = [];
  const results: Gmm1dProcedureResult[] = [];
  const traces: Record<string, Record<string, Float64Array>> = {};

  config.procedures.forEach((procedure, pi) => {
    const t0 = performance.now();
    const records = Math.floor(steps / config.recordEvery) + 1 + (steps % config.recordEvery === 0 ? 0 : 1);
    const nearB = new Float64Array(records), weightedNearB = new Float64Array(records);
    let qHat0 = NaN;
    const result = runContinuousTraining(runKey, energy, Float64Array.of(config.z0), data, n, {
      variant: procedure as ContinuousVariant, alpha: config.alpha, dt: h, T, walkers: N, learningRate: config.learningRate,
      recordEvery: config.recordEvery,
    }, (r, k, _t, state) => {
      nearB[r] = fractionNearB(state.x, N);
      if (k === 0) qHat0 = nearB[r]!;
      // (69): the weighted fraction of walkers near b, what the first term of (48) approximately is.
      let max = -Infinity;
      for (let i = 0; i < N; i++) max = Math.max(max, state.logW[i]!);
      let s = 0, sb = 0;
      for (let i = 0; i < N; i++) {
        const w = Math.exp(state.logW[i]! - max);
        s += w;
        if (state.x[i]! > mid) sb += w;
      }
      weightedNearB[r] = sb / s;
      progress?.update(pi * steps + k, `${procedure}: z ${state.theta[0]!.toFixed(3)}`);
    });
    const seconds = (performance.now() - t0) / 1000;
    const tr = result.trace;
    const zs = tr.theta; // p = 1
    const qs = zs.map(sigmoidMinus);
    traces[procedure] = { t: tr.t, z: zs, q: qs, ess: tr.ess, walkersNearB: nearB, weightedNearB };
    const zFinal = zs[records - 1]!;
    // The first record at which a walker has changed sides: the rare barrier crossings that C.1.3's approximations
    // (walkers keep their modes, Prop. 3) leave out.
    let firstCrossing = records;
    for (let r = 0; r < records; r++) if (nearB[r] !== qHat0) { firstCrossing = r; break; }
    const firstCrossingT = firstCrossing < records ? tr.t[firstCrossing]! : null;
    let prediction: Gmm1dProcedureResult['prediction'];
    let measured: Gmm1dProcedureResult['measured'];
    if (procedure === 'pcd') {
      let maxDev = 0, maxDevBefore = 0;
      for (let r = 0; r < records; r++) {
        maxDev = Math.max(maxDev, Math.abs(zs[r]! - config.z0));
        if (r < firstCrossing) maxDevBefore = maxDev;
      }
      prediction = { equation: '(51)', description: 'z(t) = z(0)', value: config.z0 };
      measured = { description: 'z(T)', value: zFinal, maxAbsDeviation: maxDev, maxAbsDeviationBeforeFirstCrossing: maxDevBefore, firstCrossingT };
    } else if (procedure === 'unweighted') {
      let m = 0;
      while (m < records && Math.abs(zs[m]! - config.z0) <= config.driftFitMaxAbsZ) m++;
      const fitted = m >= 3 ? slope(tr.t, zs, m) : NaN;
      // Mode collapse of the model: the first time q(t) leaves [0.01, 0.99]; and the walkers' own extreme.
      let collapse: number | null = null;
      for (let r = 0; r < records; r++) if (qs[r]! < 0.01 || qs[r]! > 0.99) { collapse = tr.t[r]!; break; }
      let nearBMin = 1, nearBMax = 0;
      for (let r = 0; r < records; r++) { nearBMin = Math.min(nearBMin, nearB[r]!); nearBMax = Math.max(nearBMax, nearB[r]!); }
      prediction = { equation: '(50)', description: 'dz/dt = q̂(0) − q̂*', value: qHat0 - qHatStar };
      measured = {
        description: `least-squares slope of z(t) while |z(t) − z(0)| ≤ ${config.driftFitMaxAbsZ}`, value: fitted,
        fitUntilT: tr.t[Math.max(0, m - 1)]!, fitPoints: m, firstCrossingT, firstCollapseT: collapse, walkersNearBMin: nearBMin, walkersNearBMax: nearBMax,
      };
    } else {
      const from = Math.min(records - 1, Math.floor((1 - config.fixedPointWindow) * (records - 1)));
      const zTilde = zHatStar + Math.log(qHat0 / (1 - qHat0)) + config.z0; // (54) with C.3's remark for z(0) ≠ 0
      let s = 0, maxDev = 0;
      for (let r = from; r < records; r++) { s += zs[r]!; maxDev = Math.max(maxDev, Math.abs(zs[r]! - zTilde)); }
      const mean = s / (records - from);
      // z just before the first crossing: the plateau the perturbative analysis describes.
      const beforeCrossing = zs[Math.max(0, firstCrossing - 1)]!;
      prediction = { equation: '(54)', description: 'z̃* = ẑ* + log(q̂(0)/p̂(0)) + z(0)', value: zTilde };
      measured = {
        description: `mean of z(t) over t ∈ [${tr.t[from]}, ${T}]`, value: mean,
        maxAbsDeviationOverWindow: maxDev, zBeforeFirstCrossing: beforeCrossing, firstCrossingT, zFinal,
      };
    }
    results.push({
      procedure, qHat0, zFinal, qFinal: sigmoidMinus(zFinal), prediction, measured,
      walkersNearBFinal: nearB[records - 1]!, essFinal: tr.ess[records - 1]!, seconds,
    });
    for (const [key, arr] of Object.entries(traces[procedure]!)) {
      const file = join(out, 'traces', `${procedure}.${key}.npy`);
      writeNpy(file, arr);
      files.push(file);
    }
  });
  progress?.finish();
  const qStar = sigmoidMinus(config.zStar);
  const result: Gmm1dResult = { config, realized: { qStar, qHatStar, zHatStar, midpoint: mid }, procedures: results, files };
  files.push(...writeFigures(config, result, traces, out));
  const resultsFile = join(out, 'results.json');
  files.push(resultsFile);
  writeJson(resultsFile, result);
  log(formatSummary(result));
  return result;
}

function slice(a: Float64Array, m: number): Float64Array {
  return a.subarray(0, m);
}

function writeFigures(config: Gmm1dConfig, result: Gmm1dResult, traces: Record<string, Record<string, Float64Array>>, out: string): string[] {
  const qStar = result.realized.qStar;
  const names: Record<string, string> = { pcd: 'PCD', unweighted: 'unweighted', jarzynski: 'Jarzynski' };
  const draw = (tMax: number) => {
    const zPanels: string[] = [], qPanels: string[] = [];
    for (const pr of result.procedures) {
      const tr = traces[pr.procedure]!;
      let m = 0;
      while (m < tr['t']!.length && tr['t']![m]! <= tMax) m++;
      const t = slice(tr['t']!, m);
      const zSeries: LineSeries[] = [{ name: 'z(t)', x: t, y: slice(tr['z']!, m) }];
      const qSeries: LineSeries[] = [{ name: 'q(t)', x: t, y: slice(tr['q']!, m) }, { name: 'walkers near b', x: t, y: slice(tr['walkersNearB']!, m), dash: '2 2' }];
      const zLines = [{ y: config.zStar, label: 'z*' }];
      const qLines = [{ y: qStar, label: 'q*' }];
      if (pr.procedure === 'pcd') {
        zLines.push({ y: config.z0, label: '(51) z(0)' });
      } else if (pr.procedure === 'unweighted') {
        // (50) drawn while it stays within the range z(t) visits.
        let lo = Infinity, hi = -Infinity;
        for (let r = 0; r < m; r++) { lo = Math.min(lo, tr['z']![r]!); hi = Math.max(hi, tr['z']![r]!); }
        const pred = t.map((tt) => config.z0 + pr.prediction.value * tt).map((v) => (v >= lo && v <= hi ? v : NaN));
        zSeries.push({ name: '(50) z(0) + (q̂(0) − q̂*) t', x: t, y: pred, dash: '6 3' });
      } else {
        zLines.push({ y: pr.prediction.value, label: '(54) z̃*' });
        qLines.push({ y: sigmoidMinus(pr.prediction.value), label: '(54) q(z̃*)' });
      }
      zPanels.push(linePlot(zSeries, { title: `${names[pr.procedure]}: z(t)`, xLabel: 't', yLabel: 'z', hLines: zLines }));
      qPanels.push(linePlot(qSeries, { title: `${names[pr.procedure]}: q(t) = e^{−z}/(1 + e^{−z})`, xLabel: 't', yLabel: 'q', yRange: [0, 1], hLines: qLines }));
    }
    return composeFigure([...zPanels, ...qPanels], { columns: result.procedures.length, title: `${config.title}${tMax < config.T ? ` (t ≤ ${tMax})` : ''}` });
  };
  const files = [join(out, 'figure.svg'), join(out, 'figure-early.svg'), join(out, 'ess.svg')];
  writeSvg(files[0]!, draw(config.T));
  writeSvg(files[1]!, draw(Math.min(config.earlyT, config.T)));
  const essSeries: LineSeries[] = result.procedures.map((pr) => ({ name: names[pr.procedure]!, x: traces[pr.procedure]!['t']!, y: traces[pr.procedure]!['ess']! }));
  writeSvg(files[2]!, linePlot(essSeries, { title: 'ESS (13) of the weights', xLabel: 't', yLabel: 'ESS / N', yRange: [0, 1] }));
  return files;
}

export function formatSummary(result: Gmm1dResult): string {
  const r = result.realized;
  const lines = [
    `  q* = ${r.qStar.toFixed(4)}, realized q̂* = ${r.qHatStar.toFixed(4)} (ẑ* = ${r.zHatStar.toFixed(4)}); near b: x > ${r.midpoint}`,
    ...result.procedures.map((p) =>
      `  ${p.procedure.padEnd(11)} q̂(0) = ${p.qHat0.toFixed(3)}  ${p.prediction.equation} ${p.prediction.description} = ${p.prediction.value.toFixed(4)}; measured ${p.measured.description}: ${Number(p.measured.value).toFixed(4)}  (z(T) = ${p.zFinal.toFixed(3)}, ${p.seconds.toFixed(1)} s)`),
  ];
  return lines.join('\n');
}

/** CLI: node dist/experiments/gmm-1d/run.js CONFIG.json [--out DIR]; argv as process.argv (node, script, …). */
export function gmm1dMain(argv: readonly string[], log: (line: string) => void = console.log, progress = true): Gmm1dResult {
  const args = argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  if (outAt >= 0 && out === undefined) throw new RangeError('--out needs a directory');
  const rest = outAt >= 0 ? args.filter((_, i) => i !== outAt && i !== outAt + 1) : args;
  if (rest.length !== 1) throw new RangeError('usage: node dist/experiments/gmm-1d/run.js CONFIG.json [--out DIR]');
  const path = rest[0]!;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RangeError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  const config = parseGmm1dConfig(value, path);
  const dir = resolve(out ?? 'runs/gmm-1d');
  log(`gmm-1d: ${config.title}\n  a = ${config.a}, b = ${config.b}, z* = ${config.zStar}, N = ${config.walkers}, n = ${config.dataSize}, α = ${config.alpha}, h = ${config.h}, T = ${config.T}; output ${dir}`);
  const result = runGmm1d(config, { out: dir, log, progress });
  log(`results: ${result.files.filter((f) => f.endsWith('.json') || f.endsWith('.svg')).join(', ')}`);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    gmm1dMain(process.argv);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
