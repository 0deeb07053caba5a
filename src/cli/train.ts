/**
 * `ebm run` experiment "train": any training algorithm of src/training (004 Alg. 1 and Alg. 2 — 'jarzynski' with or
 * without batchSize N' —, PCD (Alg. 4), CD (Alg. 3, cdSteps P), the unweighted variant of App. C.1.2) on any energy of
 * energy-config.ts, with data drawn from a teacher θ* (the energy's exact sampler) or read from an .npy file [n, d].
 *
 * Outputs in --out (NumPy: np.load):
 *   results.json       config, final θ, final ESS, log Z and cross-entropy estimates (12), exact values where log Z_θ is
 *                      known in closed form, resampling count, timings
 *   iteration.npy      [R]     the recorded iterations k = 0, r, 2r, … and K (r = recordEvery)
 *   theta.npy          [R, p]  θ_k
 *   ess.npy            [R]     ESS_k (13) as a fraction (1 for the unweighted algorithms)
 *   logZ.npy           [R]     log Z̃_θk (12) ('jarzynski' with log Z_θ0 known; NaN otherwise)
 *   crossEntropy.npy   [R]     H̃_k = log Z̃_θk + n⁻¹ Σ_j U_θk(x*_j) (12) (NaN where logZ is)
 *   logZExact.npy, crossEntropyExact.npy  [R]  the same with the closed-form log Z_θk (NaN where none)
 *   walkers.npy        [N, d]  X_K;  logWeights.npy [N]  A_K (zeros for the unweighted algorithms)
 * Records at k < K are measured at θ_k before its update (IterationInfo); the last one at θ_K without another step.
 *
 * Randomness: root = keyFromSeed(seed); teacher data from foldIn(root, 0), the trainer's runKey = foldIn(root, 1) (all
 * draws of iteration k from foldIn(runKey, k)), X_0 from foldIn(root, 2). With checkpointEvery > 0 a rerun with the
 * same --out resumes from the last checkpoint and writes bit-identical NPY files.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey } from '../rng/index.js';
import type { Energy } from '../energies/energy.js';
import { ess, logZEstimate } from '../smc/index.js';
import { adam, createTrainer, energyDataTerm, energyEngine, sgd, type Optimizer, type TrainerOptions } from '../training/index.js';
import { loadCheckpointIfExists, saveCheckpoint } from '../io/checkpoint.js';
import { writeJson } from '../io/json.js';
import { writeNpy } from '../io/npy.js';
import { createProgress } from '../io/progress.js';
import { ConfigError } from './errors.js';
import {
  energySpecSchema, formatConfigPath, readPointsNpy, refineEnergy, refineTheta, specDim, thetaLayout, thetaOf, tryBuildEnergy,
  type ConfigPath,
} from './energy-config.js';

/** Resampling triggers in the paper's three conventions (src/smc/trigger.ts), each with its range. */
export const triggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('essFraction'), value: z.number().gt(0).lte(1) }).strict(),
  z.object({ kind: z.literal('essCount'), value: z.number().positive() }).strict(),
  z.object({ kind: z.literal('cv2'), value: z.number().nonnegative() }).strict(),
  z.object({ kind: z.literal('never') }).strict(),
]);

/** {scheme, trigger} or {scheme, every}: one object so that a bad value is reported at its own path. */
export const resamplingSchema = z.object({
  scheme: z.enum(['multinomial', 'stratified', 'systematic', 'residual']),
  trigger: triggerSchema.optional(),
  every: z.number().int().positive().optional(),
}).strict();

const learningRate = z.union([z.number().positive(), z.array(z.number().nonnegative())]);
const schedule = z.enum(['constant', 'linear']).default('constant');

export const optimizerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sgd'), lr: learningRate, schedule }).strict(),
  z.object({
    kind: z.literal('adam'), lr: learningRate, schedule,
    beta1: z.number().min(0).lt(1).optional(), beta2: z.number().min(0).lt(1).optional(), epsilon: z.number().positive().optional(),
  }).strict(),
]);

const npyRef = z.object({ npy: z.string().min(1) }).strict();

export const trainConfigSchema = z.object({
  experiment: z.literal('train'),
  title: z.string().default('train'),
  energy: energySpecSchema,
  /** {teacher: θ*, size: n} (drawn with the energy's exact sampler) or {npy: path} of shape [n, d] */
  data: z.object({ teacher: z.unknown().optional(), size: z.number().int().positive().optional(), npy: z.string().min(1).optional() }).strict(),
  /** θ_0: a flat array or the energy's named form (energy-config.ts) */
  theta0: z.unknown().optional(),
  algorithm: z.enum(['jarzynski', 'pcd', 'unweighted', 'cd']),
  /** N' ≤ N walkers moved per iteration (Algorithm 2) */
  batchSize: z.number().int().positive().optional(),
  /** P ULA steps per iteration (CD) */
  cdSteps: z.number().int().positive().optional(),
  /** N */
  walkers: z.number().int().positive(),
  /** X_0: exact draws from ρ_θ0 ('exact') or an .npy file [N, d] ('jarzynski' and 'unweighted' only) */
  init: z.union([z.literal('exact'), npyRef]).default('exact'),
  optimizer: optimizerSchema,
  resampling: resamplingSchema.optional(),
  /** K */
  iterations: z.number().int().positive(),
  /** the ULA step */
  h: z.number().positive(),
  seed: z.number().int().nonnegative().default(1),
  recordEvery: z.number().int().positive().default(1),
  /** save a checkpoint every this many iterations (0: never); a rerun with the same --out resumes */
  checkpointEvery: z.number().int().nonnegative().default(0),
}).strict().superRefine((c, ctx) => {
  const issue = (path: ConfigPath, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const weighted = c.algorithm === 'jarzynski' || c.algorithm === 'unweighted';
  if (c.batchSize !== undefined && c.algorithm === 'cd') issue(['batchSize'], 'applies to jarzynski, pcd and unweighted, not cd');
  if (c.batchSize !== undefined && c.batchSize > c.walkers) issue(['batchSize'], `N' = ${c.batchSize} must not exceed walkers N = ${c.walkers}`);
  if (c.algorithm === 'cd' && c.cdSteps === undefined) issue(['cdSteps'], 'CD needs cdSteps (P ≥ 1)');
  if (c.algorithm !== 'cd' && c.cdSteps !== undefined) issue(['cdSteps'], `applies to cd only, not ${c.algorithm}`);
  if (c.resampling !== undefined) {
    if (c.algorithm !== 'jarzynski') issue(['resampling'], `applies to jarzynski only, not ${c.algorithm} (it carries no weights)`);
    const { trigger, every } = c.resampling;
    if ((trigger === undefined) === (every === undefined)) issue(['resampling'], 'needs exactly one of "trigger" or "every"');
    if (trigger?.kind === 'essCount' && trigger.value > c.walkers) issue(['resampling', 'trigger', 'value'], `an ESS count threshold must be ≤ N = ${c.walkers}, got ${trigger.value}`);
  }
  if (c.init !== 'exact' && !weighted) issue(['init'], `applies to jarzynski and unweighted only: ${c.algorithm} starts its walkers at data points`);
  if (c.theta0 === undefined) issue(['theta0'], `required: θ_0 as an array ${thetaLayout(c.energy)} or the named form`);
  const built = refineEnergy(ctx, ['energy'], c.energy);
  if (built === null) return;
  const { energy } = built;
  if (c.theta0 !== undefined) refineTheta(ctx, ['theta0'], c.energy, energy, c.theta0);
  const { teacher, size, npy } = c.data;
  if (npy !== undefined) {
    if (teacher !== undefined || size !== undefined) issue(['data'], 'give either {teacher, size} or {npy}, not both');
  } else {
    if (teacher === undefined) issue(['data', 'teacher'], 'required (θ* of the teacher), unless data is read from {npy}');
    else refineTheta(ctx, ['data', 'teacher'], c.energy, energy, teacher);
    if (size === undefined) issue(['data', 'size'], 'required (n, the number of data points drawn from the teacher)');
    if (energy.sample === undefined) issue(['data', 'teacher'], `${energy.name} has no exact sampler: give the data as {npy}`);
  }
  if (c.init === 'exact' && weighted && energy.sample === undefined) issue(['init'], `${energy.name} has no exact sampler: give X_0 as {npy}`);
  const p = energy.paramDim;
  if (Array.isArray(c.optimizer.lr) && c.optimizer.lr.length !== p) {
    issue(['optimizer', 'lr'], `must have one rate per parameter: paramDim = ${p} of ${energy.name} (θ = ${thetaLayout(c.energy)}), got ${c.optimizer.lr.length}`);
  }
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;

export interface TrainRunOptions {
  readonly out: string;
  /** the folder relative .npy paths are resolved against (the config file's folder; default the working directory) */
  readonly baseDir?: string;
  /** the config's name in error messages */
  readonly source?: string;
  readonly log?: (line: string) => void;
  /** show a progress display on stderr (default true) */
  readonly progress?: boolean;
  /**
   * Simulates an interruption (tests; runs split across time-limited sessions): after this many iterations the run
   * saves a checkpoint and throws `TrainInterrupted`; rerunning with the same out resumes. Needs checkpointEvery > 0.
   */
  readonly interruptAt?: number;
}

/** Thrown by runTrain when `interruptAt` is reached, after the checkpoint is saved. */
export class TrainInterrupted extends Error {
  constructor(readonly checkpoint: string) {
    super(`interrupted; resume by running again with the same output folder (checkpoint ${checkpoint})`);
    this.name = 'TrainInterrupted';
  }
}

export interface TrainResult {
  readonly config: TrainConfig;
  readonly energy: string;
  readonly thetaLayout: string;
  readonly dataSize: number;
  readonly final: {
    readonly iteration: number;
    readonly theta: number[];
    readonly ess: number;
    readonly logZ: number | null;
    readonly crossEntropy: number | null;
    readonly logZExact: number | null;
    readonly crossEntropyExact: number | null;
    readonly resamplings: number;
  };
  readonly records: number;
  readonly timings: { readonly seconds: number; readonly msPerIteration: number; readonly resumedFrom: number };
  readonly files: string[];
}

/** What a run needs that is read or drawn before the first iteration. */
interface TrainProblem {
  readonly energy: Energy;
  readonly theta0: Float64Array;
  readonly data: Float64Array;
  readonly dataSize: number;
  readonly x0: Float64Array | undefined;
}

function configError(source: string, path: ConfigPath, message: string): ConfigError {
  return new ConfigError(`invalid config ${source}:\n  ${formatConfigPath(path)}: ${message}`);
}

/** Reads the .npy inputs and draws the teacher data and X_0; every problem is a ConfigError naming its path. */
export function prepareTrain(config: TrainConfig, baseDir: string, source: string): TrainProblem {
  const built = tryBuildEnergy(config.energy);
  if ('issues' in built) throw configError(source, ['energy', ...built.issues[0]!.path], built.issues[0]!.message);
  const { energy } = built;
  const d = specDim(config.energy);
  const root = keyFromSeed(config.seed);
  const theta0 = thetaOf(config.energy, energy, config.theta0);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  let data: Float64Array, dataSize: number;
  if (config.data.npy !== undefined) {
    const r = readPointsNpy(at(config.data.npy), d, undefined, 'data');
    if ('message' in r) throw configError(source, ['data', 'npy'], r.message);
    data = r.points;
    dataSize = r.rows;
  } else {
    const teacher = thetaOf(config.energy, energy, config.data.teacher);
    dataSize = config.data.size!;
    data = energy.sample!(streamFromKey(foldIn(root, 0)), teacher, dataSize, new Float64Array(dataSize * d));
  }
  let x0: Float64Array | undefined;
  if (config.algorithm === 'jarzynski' || config.algorithm === 'unweighted') {
    if (config.init === 'exact') {
      x0 = energy.sample!(streamFromKey(foldIn(root, 2)), theta0, config.walkers, new Float64Array(config.walkers * d));
    } else {
      const r = readPointsNpy(at(config.init.npy), d, config.walkers, 'initial walkers');
      if ('message' in r) throw configError(source, ['init', 'npy'], r.message);
      x0 = r.points;
    }
  }
  return { energy, theta0, data, dataSize, x0 };
}

function makeOptimizer(config: TrainConfig, p: number): Optimizer {
  const o = config.optimizer;
  const rates = {
    lr: typeof o.lr === 'number' ? o.lr : Float64Array.from(o.lr),
    schedule: o.schedule,
    ...(o.schedule === 'linear' ? { iterations: config.iterations } : {}),
  };
  if (o.kind === 'sgd') return sgd(p, rates);
  return adam(p, {
    ...rates,
    ...(o.beta1 !== undefined ? { beta1: o.beta1 } : {}),
    ...(o.beta2 !== undefined ? { beta2: o.beta2 } : {}),
    ...(o.epsilon !== undefined ? { epsilon: o.epsilon } : {}),
  });
}

const TRACE_SCALARS = ['iteration', 'ess', 'logZ', 'crossEntropy', 'logZExact', 'crossEntropyExact'] as const;

/** Runs a validated "train" config (trainConfigSchema) into options.out; see the module comment for the outputs. */
export function runTrain(config: TrainConfig, options: TrainRunOptions): TrainResult {
  const source = options.source ?? 'config';
  if (options.interruptAt !== undefined) {
    if (config.checkpointEvery === 0) throw new RangeError('interruptAt needs checkpointEvery > 0 in the config');
    if (!Number.isInteger(options.interruptAt) || options.interruptAt < 1 || options.interruptAt >= config.iterations) {
      throw new RangeError(`interruptAt must be an integer in [1, iterations = ${config.iterations}), got ${options.interruptAt}`);
    }
  }
  const problem = prepareTrain(config, options.baseDir ?? process.cwd(), source);
  const { energy, theta0, data, dataSize, x0 } = problem;
  const log = options.log ?? (() => {});
  const out = options.out;
  const n = config.walkers, d = energy.dim, p = energy.paramDim, K = config.iterations;
  const root = keyFromSeed(config.seed);
  const trainerOptions: TrainerOptions = {
    algorithm: config.algorithm,
    h: config.h,
    ...(energy.logPartition !== undefined ? { logZ0: energy.logPartition(theta0) } : {}),
    ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
    ...(config.cdSteps !== undefined ? { cdSteps: config.cdSteps } : {}),
    ...(config.resampling !== undefined
      ? { resampling: config.resampling.trigger !== undefined
        ? { scheme: config.resampling.scheme, trigger: config.resampling.trigger }
        : { scheme: config.resampling.scheme, every: config.resampling.every! } }
      : {}),
  };
  const engine = energyEngine(energy, n);
  const dataTerm = energyDataTerm(energy, data, dataSize);
  const trainer = createTrainer({
    engine, data: dataTerm, optimizer: makeOptimizer(config, p), options: trainerOptions, runKey: foldIn(root, 1), theta0,
    ...(x0 !== undefined ? { x0 } : {}),
  });
  mkdirSync(out, { recursive: true });

  // Records at k = 0, r, 2r, … < K and always at K.
  const records = Math.ceil(K / config.recordEvery) + 1;
  const trace: Record<(typeof TRACE_SCALARS)[number], Float64Array> & { theta: Float64Array } = {
    iteration: new Float64Array(records), ess: new Float64Array(records), logZ: new Float64Array(records).fill(NaN),
    crossEntropy: new Float64Array(records).fill(NaN), logZExact: new Float64Array(records).fill(NaN),
    crossEntropyExact: new Float64Array(records).fill(NaN), theta: new Float64Array(records * p),
  };
  let resamplings = 0;
  const ckptPath = join(out, 'checkpoints', 'train.ckpt');
  const resumeFrom = config.checkpointEvery > 0 ? loadCheckpointIfExists(ckptPath, config) : null;
  if (resumeFrom) {
    trainer.restore(resumeFrom);
    for (const [name, arr] of Object.entries(trace)) arr.set(resumeFrom.arrays[`trace.${name}`]!.data as Float64Array);
    resamplings = resumeFrom.numbers['traceResamplings']!;
    log(`resuming from iteration ${trainer.k} (${ckptPath})`);
  }
  const startK = trainer.k;
  const record = (r: number, k: number, theta: Float64Array, essK: number, logZ: number | null, dataEnergy: number) => {
    trace.iteration[r] = k;
    trace.theta.set(theta, r * p);
    trace.ess[r] = essK;
    if (logZ !== null) {
      trace.logZ[r] = logZ;
      trace.crossEntropy[r] = logZ + dataEnergy;
    }
    if (energy.logPartition !== undefined) {
      const exact = energy.logPartition(theta);
      trace.logZExact[r] = exact;
      trace.crossEntropyExact[r] = exact + dataEnergy;
    }
  };
  const progress = options.progress === false || startK >= K ? null : createProgress({ total: K, label: 'train', start: startK });
  const thetaK = new Float64Array(p);
  const t0 = performance.now();
  while (trainer.k < K) {
    const k = trainer.k;
    thetaK.set(trainer.theta);
    const info = trainer.step();
    if (info.resampled) resamplings++;
    if (k % config.recordEvery === 0) record(k / config.recordEvery, k, thetaK, info.ess, info.logZ, info.dataEnergy);
    progress?.update(k + 1, `ESS ${info.essAfter.toFixed(3)}`);
    const interrupt = options.interruptAt === k + 1;
    if (config.checkpointEvery > 0 && (interrupt || (k + 1) % config.checkpointEvery === 0 || k + 1 === K)) {
      const snap = trainer.snapshot();
      const arrays: Record<string, Float64Array> = { ...(snap.arrays as Record<string, Float64Array>) };
      for (const [name, arr] of Object.entries(trace)) arrays[`trace.${name}`] = arr;
      mkdirSync(join(out, 'checkpoints'), { recursive: true });
      saveCheckpoint(ckptPath, config, { ...snap, arrays, numbers: { ...snap.numbers, traceResamplings: resamplings } });
    }
    if (interrupt) {
      engine.dispose();
      throw new TrainInterrupted(ckptPath);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  progress?.finish();

  // θ_K: measured without another step.
  const dataEnergy = dataTerm.meanParamGradAndEnergy(trainer.theta, new Float64Array(p));
  const weighted = config.algorithm === 'jarzynski';
  const essK = weighted ? ess(trainer.logW) : 1;
  const logZK = weighted && trainerOptions.logZ0 !== undefined ? logZEstimate(trainer.logZTracker, trainer.logW) : null;
  record(records - 1, K, trainer.theta, essK, logZK, dataEnergy);
  const walkers = engine.readPositions(new Float64Array(n * d));
  engine.dispose();

  const files: string[] = [];
  const npy = (name: string, arr: Float64Array, shape: number[]) => {
    const file = join(out, `${name}.npy`);
    writeNpy(file, arr, shape);
    files.push(file);
  };
  for (const name of TRACE_SCALARS) npy(name, trace[name], [records]);
  npy('theta', trace.theta, [records, p]);
  npy('walkers', walkers, [n, d]);
  npy('logWeights', Float64Array.from(trainer.logW), [n]);
  const last = (a: Float64Array) => (Number.isNaN(a[records - 1]!) ? null : a[records - 1]!);
  const resultsFile = join(out, 'results.json');
  files.push(resultsFile);
  const result: TrainResult = {
    config, energy: energy.name, thetaLayout: thetaLayout(config.energy), dataSize,
    final: {
      iteration: K, theta: Array.from(trainer.theta), ess: essK, logZ: last(trace.logZ), crossEntropy: last(trace.crossEntropy),
      logZExact: last(trace.logZExact), crossEntropyExact: last(trace.crossEntropyExact), resamplings,
    },
    records,
    timings: { seconds, msPerIteration: K > startK ? (1000 * seconds) / (K - startK) : 0, resumedFrom: startK },
    files,
  };
  writeJson(resultsFile, result);
  if (config.checkpointEvery > 0) rmSync(join(out, 'checkpoints'), { recursive: true, force: true });
  const f = result.final;
  log(`  θ_K = [${f.theta.slice(0, 6).map((v) => v.toFixed(4)).join(', ')}${p > 6 ? ', …' : ''}]  ESS ${f.ess.toFixed(3)}`
    + (f.logZ !== null ? `  log Z̃ ${f.logZ.toFixed(4)}` : '') + (f.logZExact !== null ? `  log Z ${f.logZExact.toFixed(4)}` : '')
    + (f.crossEntropy !== null ? `  H̃ ${f.crossEntropy.toFixed(4)}` : '') + (f.crossEntropyExact !== null ? `  H ${f.crossEntropyExact.toFixed(4)}` : '')
    + `  (${resamplings} resamplings, ${seconds.toFixed(2)} s)`);
  return result;
}
