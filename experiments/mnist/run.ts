/**
 * The biased-proportion MNIST experiment of 004 §4.2 and App. B.2 (Fig. 2, 3, 4, 11, 12): a subset of MNIST with
 * 5600 '2', 2800 '3' and 1400 '6' (weights 4/7, 2/7, 1/7, scaled to [−1, 1]); an EBM with the paper's CNN energy
 * (src/tfjs/energy.ts PAPER_MNIST_ENERGY, 76 993 parameters) trained by Algorithm 2 (mini-batch of N' moved walkers,
 * Jarzynski weights, resampling switched on late) and by PCD (Algorithm 4, walkers started at data points, no weights),
 * both through src/training's createTrainer over the tensor engine (src/tfjs/engine.ts, image-trainer.ts); Adam with
 * lr 1e-4 decaying linearly (to 0 at the last iteration; the paper: to 1e-10).
 *
 * ULA uses noise variance 2h (engine.ts: the official code's std 1e-4 with step 5e-5 is not the ULA kernel the weights
 * (5)-(6) are derived for); the default keeps the official step h = 5·10⁻⁵, so the noise std is 10⁻².
 * Algorithm 2 assumes X_0 ~ ρ_θ0, which no sampler gives for a CNN energy; the walkers start from U(−1, 1)^d (the
 * paper's code starts from noise as well), so the weights correct the evolution from there on, not the start.
 * log Z_θ0 is unknown: the log Z and cross-entropy traces (12) are reported relative to it (log Z̃_θk − log Z_θ0 and
 * H̃_k − log Z_θ0), which is what Fig. 4 can show too. The data averages use a mini-batch of `dataBatch` images per
 * iteration (engine.ts tensorDataTerm).
 *
 * Mode weights (Fig. 3): a digit classifier (src/tfjs/classifier.ts) labels the final walkers; Algorithm 2's
 * proportions are weighted by the normalized Jarzynski weights and, separately, taken after one systematic resampling;
 * PCD's are unweighted. The relative error per digit is |p̂ − p|/p against the subset's own proportions.
 *
 * Long runs: every `checkpointEvery` iterations an atomic checkpoint per algorithm (src/io); `stopAfterSeconds` ends a
 * run at the next checkpoint, and running the same config again resumes it (the JSON-lines log is cut back to the
 * checkpoint, so the finished log equals an uninterrupted run's).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey, uniforms } from '../../src/rng/index.js';
import { selectBackend, type BackendSelection } from '../../src/tfjs/backend.js';
import { cnnEnergy, cnnParameterCount, initCnnParameters, PAPER_MNIST_ENERGY, type CnnEnergySpec } from '../../src/tfjs/energy.js';
import { tensorDataTerm, tensorEngine } from '../../src/tfjs/engine.js';
import { createImageTrainer } from '../../src/tfjs/image-trainer.js';
import { biasedSubset, loadMnist, type ImageSubset } from '../../src/tfjs/data/mnist.js';
import { sampleGridPng, writePng } from '../../src/tfjs/data/png.js';
import {
  accuracy, classifyDigits, disposeDigitClassifier, loadDigitClassifier, mnistToUnit, modeRelativeErrors, resampledModeProportions, saveDigitClassifier,
  trainDigitClassifier, unweightedModeProportions, weightedModeProportions, type DigitClassifier, type ModeProportions,
} from '../../src/tfjs/classifier.js';
import { adam } from '../../src/training/optimizers.js';
import type { IterationInfo } from '../../src/training/trainer.js';
import { resamplingScheme } from '../../src/smc/resampling.js';
import { ess } from '../../src/smc/ess.js';
import { loadCheckpointIfExists, saveCheckpoint } from '../../src/io/checkpoint.js';
import { writeJson } from '../../src/io/json.js';
import { openRunLog, readRunLog } from '../../src/io/run-log.js';
import { createProgress, type ProgressStream } from '../../src/io/progress.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

const ALGORITHMS = ['jarzynski', 'pcd'] as const;
export type MnistAlgorithm = (typeof ALGORITHMS)[number];

const convSchema = z.object({
  filters: z.number().int().positive(), kernel: z.number().int().positive(), stride: z.number().int().positive(), pad: z.number().int().nonnegative(),
}).strict();

export const mnistConfigSchema = z.object({
  experiment: z.literal('mnist'),
  title: z.string().default('004 §4.2: biased-proportion MNIST, Algorithm 2 vs PCD'),
  /** the digits of the subset and how many training images of each (the paper: 2, 3, 6 with 5600, 2800, 1400) */
  digits: z.array(z.number().int().min(0).max(9)).min(1).default([2, 3, 6]),
  counts: z.array(z.number().int().positive()).min(1).default([5600, 2800, 1400]),
  /** the energy's convolutions and dense widths (default: the paper's, 76 993 parameters) */
  energy: z.object({ convs: z.array(convSchema).min(1), hidden: z.array(z.number().int().positive()) }).strict()
    .default({ convs: PAPER_MNIST_ENERGY.convs.map((c) => ({ ...c })), hidden: [...PAPER_MNIST_ENERGY.hidden] }),
  algorithms: z.array(z.enum(ALGORITHMS)).min(1).default([...ALGORITHMS]),
  /** N */
  walkers: z.number().int().positive().default(1024),
  /** N', the walkers moved per iteration */
  batchSize: z.number().int().positive().default(256),
  /** data images per iteration in the data averages of (11)-(12) */
  dataBatch: z.number().int().positive().default(256),
  /** ULA step h; the noise is √(2h) ξ */
  h: z.number().positive().default(5e-5),
  iterations: z.number().int().positive(),
  /** Adam's initial rate, decaying linearly to 0 at `iterations` */
  lr: z.number().positive().default(1e-4),
  /** Algorithm 2: the first iteration with resampling on (the paper: epoch 240) and its trigger ESS/N < essFraction */
  resamplingFrom: z.number().int().nonnegative(),
  resamplingEssFraction: z.number().gt(0).lte(1).default(0.5),
  resamplingScheme: z.enum(['multinomial', 'stratified', 'systematic', 'residual']).default('systematic'),
  /** images per evaluation chunk of the energy */
  chunk: z.number().int().positive().default(256),
  classifier: z.object({
    /** a saved classifier (src/tfjs/classifier.ts format); trained here and saved there when it does not exist */
    path: z.string().optional(),
    trainImages: z.number().int().positive().default(60000),
    testImages: z.number().int().positive().default(10000),
    epochs: z.number().int().positive().default(3),
    batchSize: z.number().int().positive().default(128),
    learningRate: z.number().positive().default(1e-3),
  }).strict().optional(),
  /** images in each PNG grid */
  gridImages: z.number().int().positive().default(64),
  checkpointEvery: z.number().int().positive().default(50),
  /** end the run at the first checkpoint after this many seconds (run again to resume) */
  stopAfterSeconds: z.number().positive().optional(),
  backend: z.enum(['node', 'wasm', 'cpu']).default('wasm'),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (c.counts.length !== c.digits.length) ctx.addIssue({ code: 'custom', path: ['counts'], message: `counts must have one entry per digit (${c.digits.length}), got ${c.counts.length}` });
  if (new Set(c.digits).size !== c.digits.length) ctx.addIssue({ code: 'custom', path: ['digits'], message: 'digits must not repeat' });
  if (new Set(c.algorithms).size !== c.algorithms.length) ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'algorithms must not repeat' });
  if (c.batchSize > c.walkers) ctx.addIssue({ code: 'custom', path: ['batchSize'], message: `batchSize N' must be ≤ walkers N = ${c.walkers}, got ${c.batchSize}` });
  const n = c.counts.reduce((a, b) => a + b, 0);
  if (c.dataBatch > n) ctx.addIssue({ code: 'custom', path: ['dataBatch'], message: `dataBatch must be ≤ the subset size ${n}, got ${c.dataBatch}` });
  if (c.gridImages > c.walkers) ctx.addIssue({ code: 'custom', path: ['gridImages'], message: `gridImages must be ≤ walkers = ${c.walkers}, got ${c.gridImages}` });
  try {
    cnnParameterCount({ height: 28, width: 28, channels: 1, convs: c.energy.convs, hidden: c.energy.hidden });
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: ['energy'], message: (e as Error).message });
  }
});

export type MnistConfig = z.infer<typeof mnistConfigSchema>;

/** "path: message" per issue; throws a RangeError listing all of them. */
export function parseMnistConfig(value: unknown, source = 'config'): MnistConfig {
  const r = mnistConfigSchema.safeParse(value);
  if (!r.success) throw new RangeError(`invalid config ${source}:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  return r.data;
}

export interface MnistModeResult {
  readonly digits: readonly number[];
  /** the subset's proportions p_d */
  readonly target: number[];
  /** Algorithm 2: weighted by the Jarzynski weights; PCD: unweighted */
  readonly proportions: number[];
  readonly relativeErrors: number[];
  /** Algorithm 2 only: after one resampling by the weights */
  readonly resampledProportions: number[] | null;
  readonly resampledRelativeErrors: number[] | null;
  /** mass labelled as none of the digits */
  readonly otherMass: number;
}

export interface MnistAlgorithmResult {
  readonly algorithm: MnistAlgorithm;
  readonly iterationsDone: number;
  readonly complete: boolean;
  /** seconds spent in this process */
  readonly seconds: number;
  readonly iterationsPerSecond: number;
  readonly finalEss: number;
  readonly resamplings: number;
  readonly modes: MnistModeResult | null;
}

export interface MnistResult {
  readonly config: MnistConfig;
  readonly backend: BackendSelection;
  readonly parameters: number;
  readonly dataSize: number;
  readonly classifierTestAccuracy: number | null;
  readonly algorithms: MnistAlgorithmResult[];
  readonly complete: boolean;
  readonly files: string[];
}

export interface MnistRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  /** the progress display's stream (default none) */
  readonly progress?: ProgressStream;
}

/** The config without the fields that do not change the training (a resumed run may change them). */
function computeConfig(c: MnistConfig): unknown {
  const { stopAfterSeconds: _s, checkpointEvery: _c, title: _t, classifier: _m, gridImages: _g, ...rest } = c;
  return rest;
}

function energySpec(c: MnistConfig): CnnEnergySpec {
  return { height: 28, width: 28, channels: 1, convs: c.energy.convs, hidden: c.energy.hidden };
}

function toArray(a: Float64Array): number[] {
  return Array.from(a);
}

function modeResult(c: MnistConfig, p: ModeProportions, resampled: ModeProportions | null): MnistModeResult {
  const total = c.counts.reduce((a, b) => a + b, 0);
  const target = c.counts.map((k) => k / total);
  return {
    digits: c.digits, target,
    proportions: toArray(p.conditional), relativeErrors: toArray(modeRelativeErrors(p.conditional, target)),
    resampledProportions: resampled ? toArray(resampled.conditional) : null,
    resampledRelativeErrors: resampled ? toArray(modeRelativeErrors(resampled.conditional, target)) : null,
    otherMass: p.otherMass,
  };
}

async function prepareClassifier(c: MnistConfig, out: string, log: (s: string) => void): Promise<{ model: DigitClassifier; accuracy: number } | null> {
  const cc = c.classifier;
  if (cc === undefined) return null;
  const path = cc.path === undefined ? join(out, 'classifier.json') : resolve(cc.path);
  let model: DigitClassifier;
  if (existsSync(path)) {
    model = loadDigitClassifier(path);
    log(`classifier: loaded ${path}`);
  } else {
    const train = loadMnist('train');
    const n = Math.min(cc.trainImages, train.n);
    const x = mnistToUnit(train.images.subarray(0, n * 784));
    const t0 = performance.now();
    model = trainDigitClassifier(streamFromKey(foldIn(keyFromSeed(c.seed), 900)), { n, x, labels: train.labels.subarray(0, n) }, {
      epochs: cc.epochs, batchSize: cc.batchSize, learningRate: cc.learningRate,
    }).model;
    saveDigitClassifier(path, model);
    log(`classifier: trained on ${n} images in ${((performance.now() - t0) / 1000).toFixed(1)} s, saved ${path}`);
  }
  const test = loadMnist('test');
  const m = Math.min(cc.testImages, test.n);
  const pred = classifyDigits(model, { n: m, x: mnistToUnit(test.images.subarray(0, m * 784)) });
  const acc = accuracy(pred.labels, test.labels.subarray(0, m));
  log(`classifier: test accuracy ${(100 * acc).toFixed(2)} % on ${m} images`);
  return { model, accuracy: acc };
}

/** Rows of the JSON-lines log of one algorithm. */
interface LogRow { iteration: number; ess: number; essAfter: number; resampled: boolean; dataEnergy: number; logZRel: number | null; crossEntropyRel: number | null }

/** The experiment: trains each algorithm (resuming from its checkpoint), writes logs, grids, figures and results.json. */
export async function runMnist(config: MnistConfig, options: MnistRunOptions): Promise<MnistResult> {
  const log = options.log ?? (() => {});
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const backend = await selectBackend({
    prefer: config.backend, quiet: true,
    loaders: { webgpu: async () => { throw new Error('not used here: the engine reads tensors back synchronously (dataSync), unsupported by webgpu in Node'); } },
  });
  log(`backend ${backend.backend}: ${backend.reason}`);
  const root = keyFromSeed(config.seed);
  const counts: Record<number, number> = {};
  config.digits.forEach((d, j) => { counts[d] = config.counts[j]!; });
  const subset: ImageSubset = biasedSubset(streamFromKey(foldIn(root, 2)), loadMnist('train'), counts);
  const spec = energySpec(config);
  const p = cnnParameterCount(spec);
  const theta0 = initCnnParameters(streamFromKey(foldIn(root, 0)), spec);
  const x0 = uniforms(streamFromKey(foldIn(root, 1)), new Float64Array(config.walkers * 784)).map((u) => 2 * u - 1);
  log(`data: ${subset.n} images (${config.digits.map((d, j) => `${config.counts[j]} × '${d}'`).join(', ')}); energy: ${p} parameters; N = ${config.walkers}, N' = ${config.batchSize}, h = ${config.h}, ${config.iterations} iterations`);
  const files: string[] = [];
  const png = (name: string, images: Float64Array, n: number) => {
    writePng(join(out, name), sampleGridPng(images, n, 28, 28, 1, { outOfRange: 'clip', scale: 2 }));
    files.push(name);
  };
  png('data.png', subset.x.subarray(0, Math.min(config.gridImages, subset.n) * 784), Math.min(config.gridImages, subset.n));
  const classifier = await prepareClassifier(config, out, log);
  const hashConfig = computeConfig(config);
  const t0 = performance.now();
  const results: MnistAlgorithmResult[] = [];
  const traces: Record<string, LogRow[]> = {};

  for (const [ai, algorithm] of config.algorithms.entries()) {
    const energy = cnnEnergy(spec, theta0, config.chunk);
    const engine = tensorEngine(energy, config.walkers);
    const data = tensorDataTerm(energy, subset.x, subset.n, { batchSize: config.dataBatch, key: foldIn(root, 20 + ai) });
    const jar = algorithm === 'jarzynski';
    const trainer = createImageTrainer({
      engine, data, optimizer: adam(p, { lr: config.lr, schedule: 'linear', iterations: config.iterations }),
      options: {
        algorithm, h: config.h, batchSize: config.batchSize,
        ...(jar ? { logZ0: 0, resampling: { scheme: config.resamplingScheme, trigger: { kind: 'essFraction' as const, value: config.resamplingEssFraction } } } : {}),
      },
      ...(jar ? { resamplingFrom: config.resamplingFrom, x0 } : {}),
      runKey: foldIn(root, 10 + ai), theta0,
    });
    const ckpt = join(out, `${algorithm}-checkpoint.bin`), logPath = join(out, `${algorithm}-log.jsonl`);
    const cp = loadCheckpointIfExists(ckpt, hashConfig);
    if (cp !== null) {
      trainer.restore(cp);
      log(`${algorithm}: resumed from ${ckpt} at iteration ${cp.iteration}`);
    }
    const runLog = openRunLog(logPath, cp === null ? { truncate: true } : { dropAfter: cp.iteration - 1 });
    const progress = options.progress ? createProgress({ total: config.iterations, label: algorithm, start: trainer.k, stream: options.progress }) : null;
    const a0 = performance.now(), k0 = trainer.k;
    let stopped = false;
    while (trainer.k < config.iterations) {
      const info: IterationInfo = trainer.step();
      runLog.write({
        iteration: info.k, ess: info.ess, essAfter: info.essAfter, resampled: info.resampled, dataEnergy: info.dataEnergy,
        logZRel: info.logZ, crossEntropyRel: info.crossEntropy,
      });
      progress?.update(trainer.k, jar ? `ESS ${info.essAfter.toFixed(3)}` : `data U ${info.dataEnergy.toFixed(3)}`);
      if (trainer.k % config.checkpointEvery === 0 || trainer.k === config.iterations) {
        saveCheckpoint(ckpt, hashConfig, trainer.snapshot());
        if (config.stopAfterSeconds !== undefined && (performance.now() - t0) / 1000 > config.stopAfterSeconds && trainer.k < config.iterations) {
          stopped = true;
          break;
        }
      }
    }
    runLog.close();
    progress?.finish();
    const seconds = (performance.now() - a0) / 1000;
    const done = trainer.k;
    const complete = done >= config.iterations;
    files.push(`${algorithm}-log.jsonl`, `${algorithm}-checkpoint.bin`);
    const rows = readRunLog(logPath) as unknown as LogRow[];
    traces[algorithm] = rows;
    // Final walkers: grids (Fig. 2, 12), weights and mode proportions (Fig. 3, 11).
    const n = config.walkers, g = config.gridImages;
    const x = engine.readPositions(new Float64Array(n * 784));
    const logW = Float64Array.from(trainer.logW);
    png(`${algorithm}-samples.png`, x.subarray(0, g * 784), g);
    let modes: MnistModeResult | null = null;
    const resampleStream = () => streamFromKey(foldIn(root, 30 + ai));
    if (jar) {
      // Fig. 11 left: the walkers of highest weight first; and the walkers after one resampling by the weights.
      const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => logW[j]! - logW[i]!);
      const top = new Float64Array(g * 784);
      for (let t = 0; t < g; t++) top.set(x.subarray(order[t]! * 784, order[t]! * 784 + 784), t * 784);
      png('jarzynski-highest-weights.png', top, g);
      const anc = resamplingScheme(config.resamplingScheme)(resampleStream(), logW, new Int32Array(n));
      const res = new Float64Array(g * 784);
      for (let t = 0; t < g; t++) res.set(x.subarray(anc[t]! * 784, anc[t]! * 784 + 784), t * 784);
      png('jarzynski-resampled.png', res, g);
    }
    if (classifier !== null) {
      const labels = classifyDigits(classifier.model, { n, x: clip(x) }).labels;
      try {
        modes = jar
          ? modeResult(config, weightedModeProportions(labels, logW, config.digits),
            resampledModeProportions(resampleStream(), labels, logW, resamplingScheme(config.resamplingScheme), config.digits))
          : modeResult(config, unweightedModeProportions(labels, config.digits), null);
      } catch (e) {
        log(`${algorithm}: no mode proportions (${(e as Error).message})`);
      }
    }
    const result: MnistAlgorithmResult = {
      algorithm, iterationsDone: done, complete, seconds, iterationsPerSecond: (done - k0) / seconds,
      finalEss: jar ? ess(logW) : 1, resamplings: rows.filter((r) => r.resampled).length, modes,
    };
    results.push(result);
    log(`${algorithm}: ${done}/${config.iterations} iterations, ${result.iterationsPerSecond.toFixed(3)} it/s this run${modes ? `; proportions ${modes.proportions.map((v) => v.toFixed(3)).join(', ')} (relative errors ${modes.relativeErrors.map((v) => v.toFixed(3)).join(', ')})` : ''}`);
    engine.dispose();
    data.dispose();
    energy.dispose();
    if (stopped) break;
  }
  if (classifier !== null) disposeDigitClassifier(classifier.model);
  // Fig. 4: ESS and the cross-entropy estimate relative to log Z_θ0 over training (Algorithm 2); data energy for both.
  const series = (alg: string, key: keyof LogRow): LineSeries | null => {
    const rows = traces[alg];
    if (!rows || rows.length === 0) return null;
    const ys = rows.map((r) => r[key] as number | null);
    if (ys.some((v) => v === null)) return null;
    return { name: alg, x: rows.map((r) => r.iteration), y: ys as number[] };
  };
  const panels: string[] = [];
  const essS = series('jarzynski', 'essAfter');
  if (essS) panels.push(linePlot([essS], { title: 'Alg. 2: ESS (13) after each update', xLabel: 'iteration', yLabel: 'ESS / N', yRange: [0, 1] }));
  const ceS = series('jarzynski', 'crossEntropyRel');
  if (ceS) panels.push(linePlot([ceS], { title: 'Alg. 2: cross-entropy estimate (12) − log Z_θ0', xLabel: 'iteration', yLabel: 'H̃ − log Z_θ0' }));
  const de = config.algorithms.map((a) => series(a, 'dataEnergy')).filter((s): s is LineSeries => s !== null);
  if (de.length > 0) panels.push(linePlot(de, { title: 'mean data energy (mini-batch)', xLabel: 'iteration', yLabel: 'U_θ(x*)' }));
  if (panels.length > 0) {
    writeSvg(join(out, 'training.svg'), composeFigure(panels, { columns: panels.length, title: config.title }));
    files.push('training.svg');
  }
  const complete = results.length === config.algorithms.length && results.every((r) => r.complete);
  const summary: MnistResult = {
    config, backend, parameters: p, dataSize: subset.n, classifierTestAccuracy: classifier?.accuracy ?? null, algorithms: results, complete,
    files: ['results.json', ...files],
  };
  writeJson(join(out, 'results.json'), summary);
  return summary;
}

/** Walkers clipped to [−1, 1] for the classifier (it takes images in the data range; generated pixels overshoot). */
function clip(x: Float64Array): Float64Array {
  return x.map((v) => (v < -1 ? -1 : v > 1 ? 1 : v));
}

