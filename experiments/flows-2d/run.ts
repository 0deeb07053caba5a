/**
 * flows-2d — 001 §3.4: a RealNVP (affine coupling layers with alternating masks, (3.57)-(3.58)) fitted by maximum
 * likelihood (3.55)-(3.56) with Adam to 2-D toy data (two moons, a ring), density by the change of variables (3.54).
 * The document makes no quantitative claim; what is measured: the train/test NLL of the flow against the best
 * Gaussian (the affine flow's MLE, in closed form: sample mean and covariance of the training set), the training NLL
 * curve, the learned log-density on a grid (whose integral over the plotted box is reported as a check of (3.54)),
 * and samples pushed forward from the base next to the data.
 *
 * Run: `npx ebm run experiments/flows-2d/config.json`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { flowLogDensity, flowSample } from '../../src/flows/compose.js';
import { realNvp } from '../../src/flows/coupling.js';
import { flowNll, trainFlowMle } from '../../src/flows/mle.js';
import { writeJson } from '../../src/io/json.js';
import { createProgress } from '../../src/io/progress.js';
import { composeFigure, linePlot, writeSvg } from '../../src/plot/index.js';
import { ring, twoMoons } from './data.js';
import { cellCentres, gaussianNll, gridMass, parseStrict, spreadRows } from './eval.js';
import { densityHeatmap, scatterPlot } from './plots.js';

const DATASETS = ['moons', 'ring'] as const;

export const flows2dConfigSchema = z.object({
  experiment: z.literal('flows-2d'),
  title: z.string().default('RealNVP fitted by maximum likelihood (001 §3.4, (3.54)-(3.58)) to 2-D toy data'),
  datasets: z.array(z.enum(DATASETS)).min(1).default([...DATASETS]),
  trainSize: z.number().int().positive(),
  testSize: z.number().int().positive(),
  /** σ of the moons' noise (before the ×2 scaling) */
  moonsNoise: z.number().nonnegative().default(0.05),
  ringRadius: z.number().positive().default(2),
  ringNoise: z.number().nonnegative().default(0.1),
  /** coupling layers (masks alternate) */
  couplings: z.number().int().positive(),
  /** hidden widths of each conditioner MLP */
  hidden: z.array(z.number().int().positive()).min(1),
  /** soft clamp c of the log-scales, s = c tanh(ŝ/c) */
  scaleBound: z.number().positive().default(3),
  iterations: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  lr: z.number().positive(),
  /** 'linear' decays Adam's rate to 0 over the run */
  schedule: z.enum(['constant', 'linear']).default('linear'),
  /** full train/test NLL every this many iterations */
  recordEvery: z.number().int().positive().default(100),
  /** samples drawn for the scatter plot */
  samples: z.number().int().positive().default(2000),
  /** cells per axis of the density grid */
  grid: z.number().int().min(10).default(80),
  /** half-width of the plotted box [−L, L]² */
  plotRange: z.number().positive().default(3.5),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (c.batchSize > c.trainSize) ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `batchSize must be ≤ trainSize = ${c.trainSize}, got ${c.batchSize}` });
  if (new Set(c.datasets).size !== c.datasets.length) ctx.addIssue({ code: 'custom', path: ['datasets'], message: 'datasets must not repeat' });
});

export type Flows2dConfig = z.infer<typeof flows2dConfigSchema>;

/** Validates a config; throws a RangeError listing "path: message" for every issue. */
export function parseFlows2dConfig(value: unknown, source = 'config'): Flows2dConfig {
  return parseStrict(flows2dConfigSchema, value, source);
}

export interface Flows2dDatasetResult {
  readonly dataset: (typeof DATASETS)[number];
  readonly paramDim: number;
  /** mean NLL (nats per point) of the trained flow */
  readonly trainNll: number;
  readonly testNll: number;
  /** the best Gaussian (affine flow MLE on the training set) */
  readonly gaussianTrainNll: number;
  readonly gaussianTestNll: number;
  /** NLL of the initial (identity) flow, the standard normal */
  readonly initialTestNll: number;
  /** ∫ ρ over the plotted box by the midpoint rule on the density grid (≤ 1; close to 1 when the box holds the mass) */
  readonly gridMass: number;
  readonly seconds: number;
  readonly trace: { readonly iteration: number[]; readonly trainNll: number[]; readonly testNll: number[] };
}

export interface Flows2dResult {
  readonly config: Flows2dConfig;
  readonly datasets: Flows2dDatasetResult[];
  readonly files: string[];
}

export interface Flows2dRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  readonly progress?: boolean;
}

export function runFlows2d(config: Flows2dConfig, options: Flows2dRunOptions): Flows2dResult {
  config = parseFlows2dConfig(config);
  const log = options.log ?? (() => {});
  const out = options.out;
  mkdirSync(out, { recursive: true });
  const root = keyFromSeed(config.seed);
  const files: string[] = [];
  const results: Flows2dDatasetResult[] = [];
  const panels: string[] = [];
  const progress = options.progress === false ? null : createProgress({ total: config.iterations * config.datasets.length, label: 'flows-2d' });
  config.datasets.forEach((dataset, di) => {
    const t0 = performance.now();
    // Named sub-streams per data set: train data, test data, initial θ, mini-batches, samples.
    const key = foldIn(root, di);
    const sub = (k: number) => streamFromKey(foldIn(key, k));
    const gen = (s: ReturnType<typeof sub>, n: number) => (dataset === 'moons'
      ? twoMoons(s, n, config.moonsNoise, new Float64Array(2 * n))
      : ring(s, n, config.ringRadius, config.ringNoise, new Float64Array(2 * n)));
    const nTr = config.trainSize, nTe = config.testSize;
    const train = gen(sub(0), nTr), test = gen(sub(1), nTe);
    const flow = realNvp({ dim: 2, couplings: config.couplings, hidden: config.hidden, scaleBound: config.scaleBound });
    const theta0 = flow.initialParams(sub(2), new Float64Array(flow.paramDim));
    const initialTestNll = flowNll(flow, theta0, test, nTe);
    const trace = { iteration: [0], trainNll: [flowNll(flow, theta0, train, nTr)], testNll: [initialTestNll] };
    const res = trainFlowMle(sub(3), flow, theta0, train, nTr, {
      iterations: config.iterations,
      batchSize: config.batchSize,
      adam: { lr: config.lr, schedule: config.schedule, iterations: config.iterations },
      onIteration: (k, _nll, theta) => {
        if ((k + 1) % config.recordEvery === 0 || k + 1 === config.iterations) {
          trace.iteration.push(k + 1);
          trace.trainNll.push(flowNll(flow, theta, train, nTr));
          trace.testNll.push(flowNll(flow, theta, test, nTe));
          progress?.update(di * config.iterations + k + 1, `${dataset}: test NLL ${trace.testNll[trace.testNll.length - 1]!.toFixed(3)}`);
        }
      },
    });
    const theta = res.theta;
    const trainNll = flowNll(flow, theta, train, nTr), testNll = flowNll(flow, theta, test, nTe);
    const gauss = gaussianNll(train, nTr, test, nTe);
    // Density on the grid of cell centres; its midpoint-rule mass over the box.
    const G = config.grid, Lr = config.plotRange;
    const { points: pts, cellArea } = cellCentres(G, Lr);
    const logRho = flowLogDensity(flow, theta, pts, G * G, new Float64Array(G * G));
    const mass = gridMass(logRho, cellArea);
    const samples = flowSample(sub(4), flow, theta, config.samples, new Float64Array(2 * config.samples));
    const seconds = (performance.now() - t0) / 1000;
    results.push({
      dataset, paramDim: flow.paramDim, trainNll, testNll, gaussianTrainNll: gauss.train, gaussianTestNll: gauss.test,
      initialTestNll, gridMass: mass, seconds, trace,
    });
    log(`${dataset.padEnd(6)} RealNVP (${config.couplings} couplings, p = ${flow.paramDim}): train NLL ${trainNll.toFixed(4)}, test NLL ${testNll.toFixed(4)}; best Gaussian test NLL ${gauss.test.toFixed(4)}; grid mass ${mass.toFixed(4)}; ${seconds.toFixed(1)} s`);
    const range = [-Lr, Lr] as const;
    // nShow training points spread over the whole set (twoMoons lists one moon, then the other)
    const nShow = Math.min(nTr, config.samples);
    panels.push(densityHeatmap(logRho, G, { title: `${dataset}: learned log ρ (3.54)`, range }));
    panels.push(scatterPlot([
      { name: `data (${nShow})`, points: spreadRows(train, nTr, nShow), n: nShow, color: '#000000' },
      { name: `flow samples (${config.samples})`, points: samples, n: config.samples, color: '#D55E00' },
    ], { title: `${dataset}: samples f(z), z ~ N(0, I), vs data`, range }));
  });
  progress?.finish();
  const nllSvg = linePlot(results.flatMap((r, k) => [
    { name: `${r.dataset} train`, x: r.trace.iteration, y: r.trace.trainNll, color: ['#0072B2', '#D55E00'][k % 2]! },
    { name: `${r.dataset} test`, x: r.trace.iteration, y: r.trace.testNll, color: ['#0072B2', '#D55E00'][k % 2]!, dash: '6 3' },
  ]), {
    title: 'Mean NLL (3.56) during Adam training', xLabel: 'iteration', yLabel: 'NLL (nats / point)',
    hLines: results.map((r) => ({ y: r.gaussianTestNll, label: `${r.dataset}: best Gaussian test NLL` })),
  });
  writeSvg(join(out, 'nll.svg'), nllSvg);
  files.push(join(out, 'nll.svg'));
  writeSvg(join(out, 'density-samples.svg'), composeFigure(panels, { columns: 2, title: config.title }));
  files.push(join(out, 'density-samples.svg'));
  const result: Flows2dResult = { config, datasets: results, files: [...files, join(out, 'results.json')] };
  writeJson(join(out, 'results.json'), result);
  return result;
}

export function formatFlows2dSummary(result: Flows2dResult): string {
  return result.datasets
    .map((r) => `${r.dataset}: RealNVP test NLL ${r.testNll.toFixed(4)} (train ${r.trainNll.toFixed(4)}) vs best Gaussian ${r.gaussianTestNll.toFixed(4)} nats/point`)
    .join('\n');
}
