/**
 * cnf-2d — 003 "Continuous-in-time Normalizing Flows": a CNF dz/dt = f_θ(z, t) (one-hidden-layer tanh MLP of (z, t))
 * fitted by maximum likelihood to 2-D toy data, log p(x|θ) = log p(z) − ∫₀¹ tr(∂f_θ/∂z) dt with the exact trace,
 * gradients by the adjoint method (003 "Adjoint method": z = x + ∫₁⁰ f_θ dt, L = −log p(z) + ∫₀¹ tr dt, backward
 * pass on the augmented system), Adam. The document makes no quantitative claim; measured: train/test NLL against the
 * best Gaussian, the NLL curve, the learned density on a grid (its mass over the box checks the instantaneous change
 * of variables), samples x = z + ∫₀¹ f_θ dt from z ~ N(0, I), and FFJORD's Hutchinson estimate of log p on test
 * points against the exact-trace value (003 FFJORD: unbiased; its spread per probe).
 *
 * Run: `npx ebm run experiments/cnf-2d/config.json`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, normals, streamFromKey, uniformInt } from '../../src/rng/index.js';
import { cnfLogDensity, cnfNllGradients, cnfPushForward, ffjordLogDensity } from '../../src/flows/cnf.js';
import { standardNormalLogDensity } from '../../src/flows/layers.js';
import { initMlpField, mlpField } from '../../src/flows/neural-ode.js';
import { rk4 } from '../../src/flows/ode.js';
import { adam } from '../../src/training/optimizers.js';
import { writeJson } from '../../src/io/json.js';
import { createProgress } from '../../src/io/progress.js';
import { composeFigure, linePlot, writeSvg } from '../../src/plot/index.js';
import { ring, twoMoons } from '../flows-2d/data.js';
import { cellCentres, gaussianNll, gridMass, parseStrict, spreadRows } from '../flows-2d/eval.js';
import { densityHeatmap, scatterPlot } from '../flows-2d/plots.js';

export const cnf2dConfigSchema = z.object({
  experiment: z.literal('cnf-2d'),
  title: z.string().default('CNF (003) fitted by maximum likelihood with adjoint gradients to 2-D toy data'),
  dataset: z.enum(['moons', 'ring']),
  trainSize: z.number().int().positive(),
  testSize: z.number().int().positive(),
  moonsNoise: z.number().nonnegative().default(0.05),
  ringRadius: z.number().positive().default(2),
  ringNoise: z.number().nonnegative().default(0.1),
  /** hidden units of f_θ */
  hidden: z.number().int().positive(),
  /** scale of the initial weights (N(0, scale²/fan-in)) */
  initScale: z.number().nonnegative().default(0.5),
  /** RK4 steps on [0, 1], for the forward and the adjoint solves */
  steps: z.number().int().positive(),
  iterations: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  lr: z.number().positive(),
  schedule: z.enum(['constant', 'linear']).default('linear'),
  recordEvery: z.number().int().positive().default(50),
  samples: z.number().int().positive().default(1000),
  grid: z.number().int().min(10).default(40),
  plotRange: z.number().positive().default(3.5),
  /** test points and single-probe repetitions for the FFJORD comparison */
  ffjordPoints: z.number().int().positive().default(20),
  ffjordRepeats: z.number().int().min(2).default(50),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (c.batchSize > c.trainSize) ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `batchSize must be ≤ trainSize = ${c.trainSize}, got ${c.batchSize}` });
  if (c.ffjordPoints > c.testSize) ctx.addIssue({ code: 'custom', path: ['ffjordPoints'], message: `ffjordPoints must be ≤ testSize = ${c.testSize}, got ${c.ffjordPoints}` });
});

export type Cnf2dConfig = z.infer<typeof cnf2dConfigSchema>;

/** Validates a config; throws a RangeError listing "path: message" for every issue. */
export function parseCnf2dConfig(value: unknown, source = 'config'): Cnf2dConfig {
  return parseStrict(cnf2dConfigSchema, value, source);
}

export interface Cnf2dResult {
  readonly config: Cnf2dConfig;
  readonly paramDim: number;
  readonly initialTestNll: number;
  readonly trainNll: number;
  readonly testNll: number;
  /** the best Gaussian: the training set's mean and (biased) covariance */
  readonly gaussianTrainNll: number;
  readonly gaussianTestNll: number;
  /** ∫ p over the plotted box, midpoint rule on the density grid */
  readonly gridMass: number;
  /** FFJORD (1 Rademacher probe per estimate) minus exact log p, averaged over points × repeats, with its SE */
  readonly ffjordBias: number;
  readonly ffjordBiasSE: number;
  /** the standard deviation of one single-probe FFJORD estimate around the exact value (pooled) */
  readonly ffjordSd: number;
  readonly seconds: number;
  readonly trace: { readonly iteration: number[]; readonly trainNll: number[]; readonly testNll: number[] };
  readonly files: string[];
}

export interface Cnf2dRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  readonly progress?: boolean;
}

export function runCnf2d(config: Cnf2dConfig, options: Cnf2dRunOptions): Cnf2dResult {
  config = parseCnf2dConfig(config);
  const log = options.log ?? (() => {});
  const out = options.out;
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  // Named sub-streams: train data, test data, initial θ, mini-batches (one per iteration), samples, FFJORD probes.
  const root = keyFromSeed(config.seed);
  const sub = (k: number) => streamFromKey(foldIn(root, k));
  const gen = (s: ReturnType<typeof sub>, n: number) => (config.dataset === 'moons'
    ? twoMoons(s, n, config.moonsNoise, new Float64Array(2 * n))
    : ring(s, n, config.ringRadius, config.ringNoise, new Float64Array(2 * n)));
  const nTr = config.trainSize, nTe = config.testSize, B = config.batchSize;
  const train = gen(sub(0), nTr), test = gen(sub(1), nTe);
  const field = mlpField({ dim: 2, hidden: config.hidden });
  const theta = initMlpField(sub(2), field, config.hidden, new Float64Array(field.paramDim), config.initScale);
  const solver = rk4({ steps: config.steps });
  const nll = (x: Float64Array, n: number): number => {
    const lp = cnfLogDensity(solver, field, theta, standardNormalLogDensity, x, n).logDensity;
    let s = 0;
    for (let i = 0; i < n; i++) s -= lp[i]!;
    return s / n;
  };
  const initialTestNll = nll(test, nTe);
  const trace = { iteration: [0], trainNll: [nll(train, nTr)], testNll: [initialTestNll] };
  const opt = adam(field.paramDim, { lr: config.lr, schedule: config.schedule, iterations: config.iterations });
  const batch = new Float64Array(2 * B);
  const direction = new Float64Array(field.paramDim);
  const batchKey = foldIn(root, 3);
  const progress = options.progress === false ? null : createProgress({ total: config.iterations, label: 'cnf-2d' });
  for (let k = 0; k < config.iterations; k++) {
    const s = streamFromKey(foldIn(batchKey, k));
    for (let b = 0; b < B; b++) {
      const i = uniformInt(s, nTr);
      batch[2 * b] = train[2 * i]!;
      batch[2 * b + 1] = train[2 * i + 1]!;
    }
    const g = cnfNllGradients(solver, field, theta, batch, B); // 003 adjoint method
    for (let q = 0; q < direction.length; q++) direction[q] = -g.gradTheta[q]!;
    opt.step(theta, direction);
    if ((k + 1) % config.recordEvery === 0 || k + 1 === config.iterations) {
      trace.iteration.push(k + 1);
      trace.trainNll.push(nll(train, nTr));
      trace.testNll.push(nll(test, nTe));
      progress?.update(k + 1, `test NLL ${trace.testNll[trace.testNll.length - 1]!.toFixed(3)}`);
    }
  }
  progress?.finish();
  const trainNll = trace.trainNll[trace.trainNll.length - 1]!, testNll = trace.testNll[trace.testNll.length - 1]!;
  const gauss = gaussianNll(train, nTr, test, nTe);
  // Density on the cell centres of a G×G grid; midpoint-rule mass.
  const G = config.grid, Lr = config.plotRange;
  const { points: pts, cellArea } = cellCentres(G, Lr);
  const logRho = cnfLogDensity(solver, field, theta, standardNormalLogDensity, pts, G * G).logDensity;
  const mass = gridMass(logRho, cellArea);
  // Samples: z ~ N(0, I) pushed forward, x = z + ∫₀¹ f_θ dt.
  const z0 = normals(sub(4), new Float64Array(2 * config.samples));
  const samples = cnfPushForward(solver, field, theta, standardNormalLogDensity, z0, config.samples).z;
  // FFJORD: R single-probe estimates at each of M test points, against the exact-trace value of the same solver.
  const M = config.ffjordPoints, R = config.ffjordRepeats;
  const pointsM = test.slice(0, 2 * M);
  const exactM = cnfLogDensity(solver, field, theta, standardNormalLogDensity, pointsM, M).logDensity;
  const rep = new Float64Array(2 * M * R);
  for (let r = 0; r < R; r++) rep.set(pointsM, 2 * M * r);
  const est = ffjordLogDensity(sub(5), solver, field, theta, standardNormalLogDensity, rep, M * R, { probes: 1 }).logDensity;
  let sum = 0, ss = 0;
  for (let j = 0; j < M * R; j++) {
    const e = est[j]! - exactM[j % M]!;
    sum += e;
    ss += e * e;
  }
  const ffjordBias = sum / (M * R);
  const ffjordSd = Math.sqrt(ss / (M * R));
  // Per point the estimates are iid around that point's exact value, so the pooled mean's SE is sd/√(MR).
  const ffjordBiasSE = Math.sqrt((ss / (M * R) - ffjordBias * ffjordBias) / (M * R - 1));
  const seconds = (performance.now() - t0) / 1000;
  log(`cnf-2d ${config.dataset}: CNF (${config.hidden} hidden, p = ${field.paramDim}, RK4 ${config.steps} steps): train NLL ${trainNll.toFixed(4)}, test NLL ${testNll.toFixed(4)} (initial ${initialTestNll.toFixed(4)}); best Gaussian test NLL ${gauss.test.toFixed(4)}; grid mass ${mass.toFixed(4)}; FFJORD − exact ${ffjordBias.toExponential(2)} ± ${ffjordBiasSE.toExponential(2)} (sd per probe ${ffjordSd.toFixed(3)}); ${seconds.toFixed(1)} s`);
  const range = [-Lr, Lr] as const;
  // nShow data points spread over the whole set (twoMoons lists one moon, then the other)
  const nShow = Math.min(nTr, config.samples);
  const shown = spreadRows(train, nTr, nShow);
  const files = [join(out, 'nll.svg'), join(out, 'density-samples.svg'), join(out, 'results.json')];
  writeSvg(files[0]!, linePlot([
    { name: 'train', x: trace.iteration, y: trace.trainNll, color: '#0072B2' },
    { name: 'test', x: trace.iteration, y: trace.testNll, color: '#D55E00', dash: '6 3' },
  ], {
    title: `${config.dataset}: CNF mean NLL during Adam training (adjoint gradients)`, xLabel: 'iteration', yLabel: 'NLL (nats / point)',
    hLines: [{ y: gauss.test, label: 'best Gaussian test NLL' }],
  }));
  writeSvg(files[1]!, composeFigure([
    densityHeatmap(logRho, G, { title: `${config.dataset}: CNF log p(x|θ) (003)`, range }),
    scatterPlot([
      { name: `data (${nShow})`, points: shown, n: nShow, color: '#000000' },
      { name: `CNF samples (${config.samples})`, points: samples, n: config.samples, color: '#D55E00' },
    ], { title: `${config.dataset}: x = z + ∫₀¹ f dt, z ~ N(0, I), vs data`, range }),
  ], { columns: 2, title: config.title }));
  const result: Cnf2dResult = {
    config, paramDim: field.paramDim, initialTestNll, trainNll, testNll, gaussianTrainNll: gauss.train, gaussianTestNll: gauss.test,
    gridMass: mass, ffjordBias, ffjordBiasSE, ffjordSd, seconds, trace, files,
  };
  writeJson(files[2]!, result);
  return result;
}

export function formatCnf2dSummary(r: Cnf2dResult): string {
  return `${r.config.dataset}: CNF test NLL ${r.testNll.toFixed(4)} (train ${r.trainNll.toFixed(4)}, initial ${r.initialTestNll.toFixed(4)}) vs best Gaussian ${r.gaussianTestNll.toFixed(4)} nats/point; grid mass ${r.gridMass.toFixed(4)}; FFJORD − exact ${r.ffjordBias.toExponential(2)} ± ${r.ffjordBiasSE.toExponential(2)}`;
}
