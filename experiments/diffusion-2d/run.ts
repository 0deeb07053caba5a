/**
 * DDPM and NCSN on 2-D toy data (issue 4 item 6; 003 "Training/Sampling of DDPM", "NCSN objective" and the note that
 * the two differ in their sampling: ancestral sampling for DDPM, annealed Langevin dynamics for NCSN).
 *
 * For each toy distribution (two moons, rings, an 8-Gaussian mixture; toy.ts) and each method:
 *  DDPM  an ε-model MLP (src/tfjs/mlp.ts, condition c = t) trained by Adam on L_simple (003 Training steps 1-4:
 *        x₀ from the training set, t ~ U{1..T}, ε ~ N(0, I), x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, ‖ε − ε_θ(x_t, t)‖²), then
 *        ancestral sampling by src/diffusion ddpmSample (003 Sampling steps 1-3).
 *  NCSN  a score MLP over geometric noise levels σ_1 > … > σ_L (src/diffusion ncsnNoiseLevels), trained on the denoising
 *        objective of 003 with Song & Ermon's weighting λ(σ) = σ² (the network predicts σ·s = −z for x̃ = x + σz, so
 *        λ‖s − ∇log q(x̃|x)‖² = ‖f + z‖²), condition c = 100·log(σ_1/σ)/log(σ_1/σ_L) ∈ [0, 100], then annealed
 *        Langevin dynamics by src/diffusion annealedLangevin from x ~ N(0, σ_1² I).
 * Sample quality: the energy distance and the sliced 2-Wasserstein distance between generated samples and held-out
 * data, against the same numbers for a second held-out set (the data-vs-data floor, what a perfect sampler reads), for
 * the Gaussian with the training set's mean and covariance (the baseline a sampler must beat to have learnt more than
 * two moments) and for the N(0, I) prior (where both samplers start).
 *
 * Run: `npx ebm run experiments/diffusion-2d/config.json` (async: runDiffusion2d returns a Promise).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, normals, streamFromKey, uniformInt, type Stream } from '../../src/rng/index.js';
import { ddpmSchedule, forwardNoiseSteps, type DdpmSchedule, type DdpmScheduleSpec } from '../../src/diffusion/schedules.js';
import { ddpmSample } from '../../src/diffusion/ddpm.js';
import { annealedLangevin, ncsnNoiseLevels } from '../../src/diffusion/ncsn.js';
import { selectBackend, type BackendSelection } from '../../src/tfjs/backend.js';
import {
  createMlp, disposeMlp, epsilonModelFromMlp, parameterCount, scoreModelFromMlp, trainMlp, type MlpSpec, type MseBatch,
} from '../../src/tfjs/mlp.js';
import { formatZodError } from '../../src/cli/errors.js';
import { writeJson } from '../../src/io/json.js';
import { writeNpy } from '../../src/io/npy.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';
import {
  energyDistance, fitGaussian2d, sampleGaussian2d, sampleToy, scatterPlot, slicedWasserstein2, TOY_DATASETS, type ToyDataset,
} from './toy.js';

const METHODS = ['ddpm', 'ncsn'] as const;
export type Diffusion2dMethod = (typeof METHODS)[number];

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

export const diffusion2dConfigSchema = strict({
  experiment: z.literal('diffusion-2d'),
  title: z.string().default('DDPM and NCSN on 2-D toy data (003)'),
  /**
   * the backend tried first (then node, wasm, cpu). webgpu is excluded: the float64 model adapters read tensors back
   * synchronously (dataSync), which the webgpu backend does not support in Node (../shared/gpu/README.md).
   */
  backend: z.enum(['node', 'wasm', 'cpu']).default('wasm'),
  datasets: z.array(z.enum(TOY_DATASETS)).min(1).default([...TOY_DATASETS]),
  methods: z.array(z.enum(METHODS)).min(1).default([...METHODS]),
  /** fixed training set size; batches are drawn from it with replacement */
  trainSize: z.number().int().min(2),
  /** held-out data (two independent sets of this size: the comparison and the data-vs-data floor) */
  heldOutSize: z.number().int().min(2),
  network: strict({
    hidden: z.array(z.number().int().positive()).min(1),
    /** sinusoidal condition embedding: k frequencies ω_j = P^{−j/k} */
    frequencies: z.number().int().positive(),
    maxPeriod: z.number().min(1),
  }),
  training: strict({
    steps: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    /** cosine decay of the Adam step size down to this value at the last step (default: constant) */
    finalLearningRate: z.number().nonnegative().optional(),
  }),
  ddpm: strict({
    schedule: z.discriminatedUnion('kind', [
      strict({ kind: z.literal('linear'), T: z.number().int().positive(), betaStart: z.number().optional(), betaEnd: z.number().optional() }),
      strict({ kind: z.literal('cosine'), T: z.number().int().positive(), s: z.number().optional(), maxBeta: z.number().optional() }),
    ]),
    variance: z.enum(['betaTilde', 'beta']).default('betaTilde'),
  }),
  ncsn: strict({
    sigmaMax: z.number().positive(),
    sigmaMin: z.number().positive(),
    levels: z.number().int().min(2),
    stepsPerLevel: z.number().int().positive(),
    /** ε of Song & Ermon Alg. 1: the step α_L at the smallest level */
    epsilon: z.number().positive(),
  }),
  /** sliced-Wasserstein directions */
  directions: z.number().int().positive().default(64),
  /** points drawn per scatter panel (all are used for the metrics) */
  plotPoints: z.number().int().positive().default(1000),
  seed: z.number().int().nonnegative().default(1),
}).superRefine((c, ctx) => {
  if (c.training.finalLearningRate !== undefined && c.training.finalLearningRate > c.training.learningRate) {
    ctx.addIssue({ code: 'custom', path: ['training', 'finalLearningRate'], message: `finalLearningRate must be ≤ learningRate = ${c.training.learningRate}` });
  }
  if (!(c.ncsn.sigmaMax > c.ncsn.sigmaMin)) ctx.addIssue({ code: 'custom', path: ['ncsn', 'sigmaMin'], message: `sigmaMin must be < sigmaMax = ${c.ncsn.sigmaMax}, got ${c.ncsn.sigmaMin}` });
  for (const key of ['datasets', 'methods'] as const) {
    if (new Set(c[key]).size !== c[key].length) ctx.addIssue({ code: 'custom', path: [key], message: `${key} must not repeat` });
  }
});

export type Diffusion2dConfig = z.infer<typeof diffusion2dConfigSchema>;

/** "path: message" per issue (src/cli/errors.ts's format); throws a RangeError listing all of them. */
export function parseDiffusion2dConfig(value: unknown, source = 'config'): Diffusion2dConfig {
  const parsed = diffusion2dConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new RangeError(formatZodError(parsed.error, source));
}

export interface Quality {
  readonly energyDistance: number;
  readonly slicedW2: number;
}

export interface Diffusion2dRun {
  readonly dataset: ToyDataset;
  readonly method: Diffusion2dMethod;
  readonly quality: Quality;
  /** mean batch loss over the first and the last 10 % of the steps */
  readonly lossFirst: number;
  readonly lossLast: number;
  readonly trainSeconds: number;
  readonly sampleSeconds: number;
}

export interface Diffusion2dDatasetResult {
  readonly dataset: ToyDataset;
  /** a second held-out set against the first: what the metrics read for a perfect sampler */
  readonly dataVsData: Quality;
  /** draws of the Gaussian moment-matched to the training set against held-out data */
  readonly gaussianVsData: Quality;
  /** N(0, I) draws against held-out data */
  readonly priorVsData: Quality;
  readonly runs: Diffusion2dRun[];
}

export interface Diffusion2dResult {
  readonly config: Diffusion2dConfig;
  readonly backend: BackendSelection;
  readonly parameters: number;
  readonly datasets: Diffusion2dDatasetResult[];
  readonly seconds: number;
  readonly files: string[];
}

export interface Diffusion2dRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
}

function quality(samples: Float64Array, heldOut: Float64Array, n: number, directions: number): Quality {
  return { energyDistance: energyDistance(samples, n, heldOut, n), slicedW2: slicedWasserstein2(samples, heldOut, n, directions) };
}

function meanOf(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s / (to - from);
}

/** Moving average over a window (for the loss plot). */
function smooth(a: Float64Array, w: number): Float64Array {
  const out = new Float64Array(a.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i]!;
    if (i >= w) s -= a[i - w]!;
    out[i] = s / Math.min(i + 1, w);
  }
  return out;
}

/** Batches of (x, c, target) for the two objectives, drawn from the training set. */
function batchMaker(config: Diffusion2dConfig, method: Diffusion2dMethod, train: Float64Array): (stream: Stream) => MseBatch {
  const B = config.training.batchSize, n = train.length / 2;
  const x0 = new Float64Array(2 * B), xt = new Float64Array(2 * B), eps = new Float64Array(2 * B), c = new Float64Array(B);
  const steps = new Int32Array(B);
  if (method === 'ddpm') {
    const schedule = scheduleOf(config);
    return (stream) => {
      for (let i = 0; i < B; i++) {
        const j = uniformInt(stream, n); // 003 Training step 1: x₀ ~ π
        x0[2 * i] = train[2 * j]!; x0[2 * i + 1] = train[2 * j + 1]!;
        steps[i] = 1 + uniformInt(stream, schedule.T); // step 2: t ~ U{1, T}
        c[i] = steps[i]!;
      }
      forwardNoiseSteps(stream, schedule, x0, B, 2, steps, xt, eps); // steps 2-3: ε, x_t
      return { n: B, x: xt, condition: c, target: eps }; // step 4: ‖ε − ε_θ,t(x_t)‖²
    };
  }
  const sigmas = ncsnNoiseLevels(config.ncsn.sigmaMax, config.ncsn.sigmaMin, config.ncsn.levels);
  const cond = ncsnCondition(config);
  return (stream) => {
    normals(stream, eps);
    for (let i = 0; i < B; i++) {
      const j = uniformInt(stream, n);
      const sigma = sigmas[uniformInt(stream, sigmas.length)]!;
      // x̃ = x + σ z; target σ·∇log q(x̃|x) = −z (λ(σ) = σ² weighting, Song & Ermon eq. (6))
      xt[2 * i] = train[2 * j]! + sigma * eps[2 * i]!;
      xt[2 * i + 1] = train[2 * j + 1]! + sigma * eps[2 * i + 1]!;
      x0[2 * i] = -eps[2 * i]!; x0[2 * i + 1] = -eps[2 * i + 1]!;
      c[i] = cond(sigma);
    }
    return { n: B, x: xt, condition: c, target: x0 };
  };
}

/** The DDPM schedule of the config (optional keys left out rather than undefined). */
function scheduleOf(config: Diffusion2dConfig): DdpmSchedule {
  const s = config.ddpm.schedule;
  const spec: DdpmScheduleSpec = s.kind === 'linear'
    ? { kind: 'linear', T: s.T, ...(s.betaStart === undefined ? {} : { betaStart: s.betaStart }), ...(s.betaEnd === undefined ? {} : { betaEnd: s.betaEnd }) }
    : { kind: 'cosine', T: s.T, ...(s.s === undefined ? {} : { s: s.s }), ...(s.maxBeta === undefined ? {} : { maxBeta: s.maxBeta }) };
  return ddpmSchedule(spec);
}

/** c(σ) = 100·log(σ_1/σ)/log(σ_1/σ_L): the level's place on the log scale, 0..100 like a DDPM step. */
function ncsnCondition(config: Diffusion2dConfig): (sigma: number) => number {
  const { sigmaMax, sigmaMin } = config.ncsn;
  const span = Math.log(sigmaMax / sigmaMin);
  return (sigma) => (100 * Math.log(sigmaMax / sigma)) / span;
}

export async function runDiffusion2d(config: Diffusion2dConfig, options: Diffusion2dRunOptions): Promise<Diffusion2dResult> {
  const log = options.log ?? (() => {});
  const out = resolve(options.out);
  mkdirSync(join(out, 'samples'), { recursive: true });
  const t0 = performance.now();
  const backend = await selectBackend({
    prefer: config.backend, quiet: true,
    loaders: { webgpu: async () => { throw new Error('not used here: the model adapters read tensors synchronously (dataSync), unsupported by webgpu in Node'); } },
  });
  log(`backend ${backend.backend}: ${backend.reason}`);
  const spec: MlpSpec = {
    inputDim: 2, outputDim: 2, hidden: config.network.hidden,
    embedding: { kind: 'sinusoidal', frequencies: config.network.frequencies, maxPeriod: config.network.maxPeriod },
  };
  const runKey = keyFromSeed(config.seed);
  const files: string[] = [];
  const results: Diffusion2dDatasetResult[] = [];
  const losses = new Map<string, Float64Array>();
  const samplesFor = new Map<string, Float64Array>();
  const m = config.heldOutSize;
  for (const dataset of config.datasets) {
    // Named sub-streams per dataset: data (train, held-out, held-out 2, prior, fitted Gaussian), then per method: init,
    // train, sample.
    const dKey = foldIn(runKey, TOY_DATASETS.indexOf(dataset));
    const train = sampleToy(streamFromKey(foldIn(dKey, 0)), dataset, config.trainSize);
    const heldOut = sampleToy(streamFromKey(foldIn(dKey, 1)), dataset, m);
    const heldOut2 = sampleToy(streamFromKey(foldIn(dKey, 2)), dataset, m);
    const prior = normals(streamFromKey(foldIn(dKey, 3)), new Float64Array(2 * m));
    writeNpy(join(out, 'samples', `${dataset}.heldout.npy`), heldOut, [m, 2]);
    files.push(`samples/${dataset}.heldout.npy`);
    const dataVsData = quality(heldOut2, heldOut, m, config.directions);
    const priorVsData = quality(prior, heldOut, m, config.directions);
    const gaussian = sampleGaussian2d(streamFromKey(foldIn(dKey, 4)), fitGaussian2d(train, config.trainSize), m);
    const gaussianVsData = quality(gaussian, heldOut, m, config.directions);
    log(`${dataset}: data vs data ED ${dataVsData.energyDistance.toExponential(2)} SW2 ${dataVsData.slicedW2.toFixed(4)}; fitted Gaussian vs data ED ${gaussianVsData.energyDistance.toFixed(4)} SW2 ${gaussianVsData.slicedW2.toFixed(4)}; prior vs data ED ${priorVsData.energyDistance.toFixed(4)} SW2 ${priorVsData.slicedW2.toFixed(4)}`);
    samplesFor.set(`${dataset}.data`, heldOut);
    const runs: Diffusion2dRun[] = [];
    for (const method of config.methods) {
      const mKey = foldIn(foldIn(dKey, 10), METHODS.indexOf(method));
      const mlp = createMlp(streamFromKey(foldIn(mKey, 0)), spec);
      const make = batchMaker(config, method, train);
      const tTrain = performance.now();
      const { losses: l } = trainMlp(streamFromKey(foldIn(mKey, 1)), mlp, (s) => make(s), {
        steps: config.training.steps, learningRate: config.training.learningRate,
        ...(config.training.finalLearningRate === undefined ? {} : { finalLearningRate: config.training.finalLearningRate }),
      });
      const trainSeconds = (performance.now() - tTrain) / 1000;
      const tSample = performance.now();
      const sampleStream = streamFromKey(foldIn(mKey, 2));
      let samples: Float64Array;
      if (method === 'ddpm') {
        const schedule = scheduleOf(config);
        samples = ddpmSample(sampleStream, { kind: 'epsilon', model: epsilonModelFromMlp(mlp) }, schedule, m, 2, { variance: config.ddpm.variance });
      } else {
        const sigmas = ncsnNoiseLevels(config.ncsn.sigmaMax, config.ncsn.sigmaMin, config.ncsn.levels);
        const x0 = normals(sampleStream, new Float64Array(2 * m));
        for (let i = 0; i < x0.length; i++) x0[i] = x0[i]! * config.ncsn.sigmaMax; // x ~ N(0, σ_1² I)
        const score = scoreModelFromMlp(mlp, { parameterization: 'noise', condition: ncsnCondition(config) });
        samples = annealedLangevin(sampleStream, score, sigmas, x0, m, 2, { stepsPerLevel: config.ncsn.stepsPerLevel, epsilon: config.ncsn.epsilon });
      }
      const sampleSeconds = (performance.now() - tSample) / 1000;
      disposeMlp(mlp);
      const q = quality(samples, heldOut, m, config.directions);
      const k = Math.max(1, Math.floor(l.length / 10));
      const run: Diffusion2dRun = {
        dataset, method, quality: q, lossFirst: meanOf(l, 0, k), lossLast: meanOf(l, l.length - k, l.length), trainSeconds, sampleSeconds,
      };
      runs.push(run);
      losses.set(`${dataset}.${method}`, l);
      samplesFor.set(`${dataset}.${method}`, samples);
      writeNpy(join(out, 'samples', `${dataset}.${method}.npy`), samples, [m, 2]);
      writeNpy(join(out, 'samples', `${dataset}.${method}.loss.npy`), l, [l.length]);
      files.push(`samples/${dataset}.${method}.npy`, `samples/${dataset}.${method}.loss.npy`);
      log(`${dataset} ${method}: ED ${q.energyDistance.toFixed(4)} SW2 ${q.slicedW2.toFixed(4)}  loss ${run.lossFirst.toFixed(3)} → ${run.lossLast.toFixed(3)}  train ${trainSeconds.toFixed(1)} s, sample ${sampleSeconds.toFixed(1)} s`);
    }
    results.push({ dataset, dataVsData, gaussianVsData, priorVsData, runs });
  }

  // Figures: samples vs data per dataset (rows) and method (columns); loss curves per method.
  const panels: string[] = [];
  for (const r of results) {
    const data = samplesFor.get(`${r.dataset}.data`)!;
    const show = (a: Float64Array) => a.subarray(0, 2 * Math.min(config.plotPoints, a.length / 2));
    panels.push(scatterPlot([{ name: 'held-out data', points: show(data), color: '#555555' }], {
      title: `${r.dataset}: data`, subtitle: `floor ED ${r.dataVsData.energyDistance.toExponential(1)}, fitted-Gaussian ED ${r.gaussianVsData.energyDistance.toFixed(4)}`, range: [-2.5, 2.5],
    }));
    for (const run of r.runs) {
      panels.push(scatterPlot([{ name: `${run.method.toUpperCase()} samples`, points: show(samplesFor.get(`${r.dataset}.${run.method}`)!), color: run.method === 'ddpm' ? '#0072B2' : '#D55E00' }], {
        title: `${r.dataset}: ${run.method.toUpperCase()}`, subtitle: `ED ${run.quality.energyDistance.toFixed(4)}, SW2 ${run.quality.slicedW2.toFixed(3)}`, range: [-2.5, 2.5],
      }));
    }
  }
  writeSvg(join(out, 'samples.svg'), composeFigure(panels, { columns: 1 + config.methods.length, title: config.title }));
  files.push('samples.svg');
  const lossPanels = config.methods.map((method) => {
    const series: LineSeries[] = config.datasets.map((d) => {
      const l = smooth(losses.get(`${d}.${method}`)!, Math.max(1, Math.floor(config.training.steps / 50)));
      const stride = Math.max(1, Math.floor(l.length / 400));
      const xs: number[] = [], ys: number[] = [];
      for (let i = 0; i < l.length; i += stride) { xs.push(i + 1); ys.push(l[i]!); }
      return { name: d, x: xs, y: ys };
    });
    return linePlot(series, {
      title: `${method.toUpperCase()} training loss (moving average)`, xLabel: 'Adam step', yLabel: method === 'ddpm' ? '‖ε − ε_θ‖²' : '‖σ s_θ + z‖²', logY: true, width: 480, height: 320,
    });
  });
  writeSvg(join(out, 'losses.svg'), composeFigure(lossPanels, { columns: lossPanels.length }));
  files.push('losses.svg');
  const seconds = (performance.now() - t0) / 1000;
  const result: Diffusion2dResult = { config, backend, parameters: parameterCount(spec), datasets: results, seconds, files: ['results.json', ...files] };
  writeJson(join(out, 'results.json'), result);
  log(`done in ${seconds.toFixed(1)} s; results in ${out}`);
  return result;
}
