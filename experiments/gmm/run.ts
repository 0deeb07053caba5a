/**
 * The paper's Gaussian-mixture experiment (004 §4.1 and App. B.1: Figs 1, 6, 7, 8, 9, 10): a teacher–student model in
 * d = 50 with the energy 004 (15), U_θ(x) = −log(e^{−½|x−a|²} + e^{−½|x−b|²−z}), trained from n teacher samples by
 * Algorithm 1 (Jarzynski-weighted ULA walkers with resampling), PCD (Alg. 4), CD (Alg. 3) and the unweighted variant.
 *
 * Everything is known in closed form here: Z_θ = (2π)^{d/2}(1 + e^{−z}), so the cross-entropy of the model on the data,
 * H_k = log Z_θk + n⁻¹ Σ_j U_θk(x*_j), is exact (004 (16), corrected: see docs/ERRATA.md), and Algorithm 1's
 * estimate (12) replaces log Z_θk by its Jarzynski estimate. KL = H − H(ρ*), with H(ρ*) estimated on the same data
 * (n⁻¹ Σ_j U_θ*(x*_j) + log Z_θ*), so "exact" KL means exact up to the data's Monte Carlo error, identical for all
 * methods.
 *
 * Run: `ebm run experiments/gmm/config.json [--out DIR]` (or `npm start` for the Fig 1 comparison).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, normals, streamFromKey, type Key } from '../../src/rng/index.js';
import { twoModeMixtureEnergy, twoModeTheta, type Energy } from '../../src/energies/index.js';
import { createTrainer, energyDataTerm, energyEngine, sgd, type TrainerOptions, type WalkerEngine, type DataTerm } from '../../src/training/index.js';
import { fusedMixturePool } from '../../src/training/fused/pool.js';
import { loadCheckpointIfExists, saveCheckpoint } from '../../src/io/checkpoint.js';
import { ess, logZEstimate } from '../../src/smc/index.js';
import { writeJson } from '../../src/io/json.js';
import { writeNpy } from '../../src/io/npy.js';
import { createProgress } from '../../src/io/progress.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

const triggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('essFraction'), value: z.number().gt(0).lte(1) }).strict(),
  z.object({ kind: z.literal('essCount'), value: z.number().positive() }).strict(),
  z.object({ kind: z.literal('cv2'), value: z.number().nonnegative() }).strict(),
  z.object({ kind: z.literal('never') }).strict(),
]);

const schemeSchema = z.enum(['multinomial', 'stratified', 'systematic', 'residual']);

const methodSchema = z.object({
  /** a label for tables and plots */
  name: z.string().min(1),
  algorithm: z.enum(['jarzynski', 'pcd', 'cd', 'unweighted']),
  /** N' < N walkers moved per iteration (Algorithm 2); all by default (Algorithm 1) */
  batchSize: z.number().int().positive().optional(),
  /** P ULA steps between restarts (CD) */
  cdSteps: z.number().int().positive().optional(),
  /** multiplies both learning rates (the paper uses 10 for CD) */
  learningRateFactor: z.number().positive().default(1),
  resampling: z.union([
    z.object({ scheme: schemeSchema, trigger: triggerSchema }).strict(),
    z.object({ scheme: schemeSchema, every: z.number().int().positive() }).strict(),
  ]).optional(),
}).strict();

export const gmmConfigSchema = z.object({
  experiment: z.literal('gmm'),
  /** a title for the figures */
  title: z.string().default('Gaussian mixture, 004 §4.1'),
  d: z.number().int().min(1),
  /** n, the number of data points drawn from the teacher */
  dataSize: z.number().int().positive(),
  /** N */
  walkers: z.number().int().positive(),
  /** K */
  iterations: z.number().int().positive(),
  /** ULA step h */
  h: z.number().positive(),
  /** the teacher: a* = (a1, 0, …), b* = (b1, 0, …), z* */
  teacher: z.object({ a1: z.number(), b1: z.number(), z: z.number() }).strict(),
  /** θ_0: a_0 = (a1, ε ξ), b_0 = (b1, ε ξ'), z_0, with ε = perturbation and ξ, ξ' ~ N(0, I) */
  init: z.object({ a1: z.number(), b1: z.number(), z: z.number(), perturbation: z.number().nonnegative() }).strict(),
  /** γ_z and γ_{a,b} = abFactor · γ_z */
  learningRate: z.object({ z: z.number().positive(), abFactor: z.number().positive() }).strict(),
  methods: z.array(methodSchema).min(1),
  /** independent repetitions of every method (different data? no: the same data, other walker and noise keys) */
  runs: z.number().int().positive().default(1),
  seed: z.number().int().nonnegative().default(1),
  /** record the trajectory every this many iterations */
  recordEvery: z.number().int().positive().default(10),
  /** 'generic' (any Energy, one thread) or 'fused' (src/training/fused: the mixture's fused kernels on worker threads) */
  engine: z.enum(['generic', 'fused']).default('fused'),
  /** worker threads of the fused engine (default: the machine's available parallelism; 0: the calling thread) */
  threads: z.number().int().nonnegative().optional(),
  /** save a checkpoint every this many iterations (0: never); a rerun with the same --out resumes */
  checkpointEvery: z.number().int().nonnegative().default(0),
}).strict().superRefine((c, ctx) => {
  c.methods.forEach((m, i) => {
    if (m.batchSize !== undefined && m.batchSize > c.walkers) {
      ctx.addIssue({ code: 'custom', path: ['methods', i, 'batchSize'], message: `N' = ${m.batchSize} must not exceed walkers N = ${c.walkers}` });
    }
    if (m.algorithm === 'cd' && m.cdSteps === undefined) {
      ctx.addIssue({ code: 'custom', path: ['methods', i, 'cdSteps'], message: 'CD needs cdSteps (P ≥ 1)' });
    }
    if (m.algorithm !== 'cd' && m.cdSteps !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['methods', i, 'cdSteps'], message: `cdSteps applies to CD only, not ${m.algorithm}` });
    }
    if (m.algorithm !== 'jarzynski' && m.resampling !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['methods', i, 'resampling'], message: `resampling applies to jarzynski only, not ${m.algorithm}` });
    }
    if (m.resampling && 'trigger' in m.resampling && m.resampling.trigger.kind === 'essCount' && m.resampling.trigger.value > c.walkers) {
      ctx.addIssue({ code: 'custom', path: ['methods', i, 'resampling', 'trigger', 'value'], message: `an ESS count threshold must not exceed N = ${c.walkers}` });
    }
  });
  const names = new Set<string>();
  c.methods.forEach((m, i) => {
    if (names.has(m.name)) ctx.addIssue({ code: 'custom', path: ['methods', i, 'name'], message: `duplicate method name "${m.name}"` });
    names.add(m.name);
  });
});

export type GmmConfig = z.infer<typeof gmmConfigSchema>;
export type GmmMethod = GmmConfig['methods'][number];

/** Per-method summary over runs: final values and their spread. */
export interface GmmMethodResult {
  readonly name: string;
  readonly algorithm: string;
  /** final p = 1/(1 + e^{−z}), a¹, b¹, KL exact, KL estimated (Jarzynski only), per run */
  readonly final: { p: number[]; a1: number[]; b1: number[]; klExact: number[]; klEstimated: (number | null)[]; resamplings: number[] };
  readonly mean: { p: number; a1: number; b1: number; klExact: number; klEstimated: number | null };
  /** standard error of the mean over runs (null with one run) */
  readonly standardError: { p: number | null };
  readonly seconds: number;
}

export interface GmmResult {
  readonly config: GmmConfig;
  readonly teacher: { p: number; entropyOnData: number };
  readonly methods: GmmMethodResult[];
  readonly files: string[];
}

export interface RunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  /** show a progress display on stderr (default true) */
  readonly progress?: boolean;
  /**
   * Simulates an interruption (tests, and runs split across time-limited sessions): after this many iterations of
   * method `method`, run `run`, the run saves a checkpoint and `runGmm` throws `GmmInterrupted`; rerunning with the same
   * out resumes from it. Needs checkpointEvery > 0 in the config.
   */
  readonly interruptAt?: { readonly method: number; readonly run: number; readonly iteration: number };
}

/** Thrown by runGmm when `interruptAt` is reached, after the checkpoint is saved. */
export class GmmInterrupted extends Error {
  constructor(readonly checkpoint: string) {
    super(`interrupted; resume by running again with the same output folder (checkpoint ${checkpoint})`);
    this.name = 'GmmInterrupted';
  }
}

/** The problem shared by all methods and runs: the energy, teacher, data, θ_0 and keys. */
export function gmmProblem(config: GmmConfig) {
  const { d } = config;
  const energy = twoModeMixtureEnergy(d);
  const root = keyFromSeed(config.seed);
  const axis = (v: number) => { const a = new Float64Array(d); a[0] = v; return a; };
  const teacherTheta = twoModeTheta(axis(config.teacher.a1), axis(config.teacher.b1), config.teacher.z);
  const data = energy.sample!(streamFromKey(foldIn(root, 0)), teacherTheta, config.dataSize, new Float64Array(config.dataSize * d));
  // θ_0 (B.1): a_0 = (a1, 10⁻² ξ), b_0 = (b1, 10⁻² ξ'), z_0.
  const perturb = normals(streamFromKey(foldIn(root, 1)), new Float64Array(2 * d));
  const a0 = axis(config.init.a1), b0 = axis(config.init.b1);
  for (let j = 1; j < d; j++) {
    a0[j] = config.init.perturbation * perturb[j]!;
    b0[j] = config.init.perturbation * perturb[d + j]!;
  }
  const theta0 = twoModeTheta(a0, b0, config.init.z);
  // H(ρ*) on the data: n⁻¹ Σ_j U_θ*(x*_j) + log Z_θ*.
  const u = energy.energy(teacherTheta, data, config.dataSize, new Float64Array(config.dataSize));
  let mean = 0;
  for (let j = 0; j < config.dataSize; j++) mean += u[j]! / config.dataSize;
  const entropyOnData = mean + energy.logPartition!(teacherTheta);
  return { energy, root, teacherTheta, data, theta0, entropyOnData };
}

function learningRates(config: GmmConfig, factor: number): Float64Array {
  const d = config.d;
  const lr = new Float64Array(2 * d + 1).fill(config.learningRate.abFactor * config.learningRate.z * factor);
  lr[2 * d] = config.learningRate.z * factor;
  return lr;
}

/** The walker engine and data term of one run: generic (any Energy) or fused (multi-threaded, this mixture only). */
function makeEngine(config: GmmConfig, energy: Energy, data: Float64Array): { engine: WalkerEngine; dataTerm: DataTerm } {
  if (config.engine === 'generic') return { engine: energyEngine(energy, config.walkers), dataTerm: energyDataTerm(energy, data, config.dataSize) };
  const pool = fusedMixturePool({ d: config.d, walkers: config.walkers, data, dataSize: config.dataSize, ...(config.threads !== undefined ? { threads: config.threads } : {}) });
  return { engine: pool.engine, dataTerm: pool.data };
}

/** One method, one run: returns the recorded trajectory. */
function runOne(
  config: GmmConfig, problem: ReturnType<typeof gmmProblem>, method: GmmMethod, methodIndex: number, run: number,
  out: string, onTick: (k: number, note: string) => void, interruptAt: RunOptions['interruptAt'],
) {
  const { energy, root, data, theta0, entropyOnData } = problem;
  const d = config.d, K = config.iterations;
  const runKey: Key = foldIn(foldIn(root, 100 + methodIndex), run);
  const options: TrainerOptions = {
    algorithm: method.algorithm,
    h: config.h,
    logZ0: energy.logPartition!(theta0),
    ...(method.batchSize !== undefined ? { batchSize: method.batchSize } : {}),
    ...(method.cdSteps !== undefined ? { cdSteps: method.cdSteps } : {}),
    ...(method.resampling !== undefined ? { resampling: method.resampling } : {}),
  };
  const x0 = energy.sample!(streamFromKey(foldIn(runKey, 0xffff_fff0)), theta0, config.walkers, new Float64Array(config.walkers * d));
  const { engine, dataTerm } = makeEngine(config, energy, data);
  const trainer = createTrainer({
    engine, data: dataTerm, optimizer: sgd(energy.paramDim, { lr: learningRates(config, method.learningRateFactor) }),
    options, runKey, theta0, ...(method.algorithm === 'pcd' || method.algorithm === 'cd' ? {} : { x0 }),
  });
  // Records at k = 0, r, 2r, … and always at k = K.
  const records = Math.ceil(K / config.recordEvery) + 1;
  const trace = {
    iteration: new Float64Array(records), p: new Float64Array(records), a1: new Float64Array(records), b1: new Float64Array(records),
    klExact: new Float64Array(records), klEstimated: new Float64Array(records).fill(NaN), ess: new Float64Array(records), logZEstimated: new Float64Array(records).fill(NaN),
  };
  let resamplings = 0;
  const ckptPath = join(out, 'checkpoints', `${methodIndex}-${run}.ckpt`);
  const ckptConfig = { config, methodIndex, run };
  const resumeFrom = config.checkpointEvery > 0 ? loadCheckpointIfExists(ckptPath, ckptConfig) : null;
  if (resumeFrom) {
    trainer.restore(resumeFrom);
    for (const [name, arr] of Object.entries(trace)) (arr as Float64Array).set(resumeFrom.arrays[`trace.${name}`]!.data as Float64Array);
    resamplings = resumeFrom.numbers['traceResamplings']!;
  }
  const record = (r: number, k: number, theta: Float64Array, essK: number, logZ: number | null, dataEnergy: number) => {
    const zk = theta[2 * d]!;
    trace.iteration[r] = k;
    trace.p[r] = 1 / (1 + Math.exp(-zk));
    trace.a1[r] = theta[0]!;
    trace.b1[r] = theta[d]!;
    trace.klExact[r] = energy.logPartition!(theta) + dataEnergy - entropyOnData;
    trace.ess[r] = essK;
    if (logZ !== null) {
      trace.logZEstimated[r] = logZ;
      trace.klEstimated[r] = logZ + dataEnergy - entropyOnData;
    }
  };
  while (trainer.k < K) {
    const k = trainer.k;
    const theta = Float64Array.from(trainer.theta);
    const info = trainer.step();
    if (info.resampled) resamplings++;
    if (k % config.recordEvery === 0) record(k / config.recordEvery, k, theta, info.ess, info.logZ, info.dataEnergy);
    onTick(k + 1, `p ${(1 / (1 + Math.exp(-trainer.theta[2 * d]!))).toFixed(3)}  ESS ${info.essAfter.toFixed(3)}`);
    const interrupt = interruptAt !== undefined && interruptAt.method === methodIndex && interruptAt.run === run && interruptAt.iteration === k + 1;
    if (config.checkpointEvery > 0 && (interrupt || (((k + 1) % config.checkpointEvery === 0 || k + 1 === K)))) {
      const snap = trainer.snapshot();
      const arrays: Record<string, Float64Array> = { ...(snap.arrays as Record<string, Float64Array>) };
      for (const [name, arr] of Object.entries(trace)) arrays[`trace.${name}`] = arr;
      mkdirSync(join(out, 'checkpoints'), { recursive: true });
      saveCheckpoint(ckptPath, ckptConfig, { ...snap, arrays, numbers: { ...snap.numbers, traceResamplings: resamplings } });
    }
    if (interrupt) {
      engine.dispose();
      throw new GmmInterrupted(ckptPath);
    }
  }
  // θ_K: measured without another step.
  const dataEnergy = dataTerm.meanParamGradAndEnergy(trainer.theta, new Float64Array(energy.paramDim));
  const weighted = method.algorithm === 'jarzynski';
  record(records - 1, K, trainer.theta, weighted ? ess(trainer.logW) : 1, weighted ? logZEstimate(trainer.logZTracker, trainer.logW) : null, dataEnergy);
  engine.dispose();
  return { trace, resamplings };
}

export function runGmm(config: GmmConfig, options: RunOptions): GmmResult {
  const log = options.log ?? (() => {});
  const out = options.out;
  if (options.interruptAt !== undefined && config.checkpointEvery === 0) throw new RangeError('interruptAt needs checkpointEvery > 0 in the config');
  mkdirSync(out, { recursive: true });
  const problem = gmmProblem(config);
  const K = config.iterations;
  const total = config.methods.length * config.runs * K;
  const progress = options.progress === false ? null : createProgress({ total, label: 'gmm' });
  const methods: GmmMethodResult[] = [];
  const traces: Record<string, Record<string, Float64Array[]>> = {};
  const files: string[] = [];
  let done = 0;
  config.methods.forEach((method, mi) => {
    const t0 = performance.now();
    const perRun: Array<ReturnType<typeof runOne>> = [];
    for (let run = 0; run < config.runs; run++) {
      const before = done;
      perRun.push(runOne(config, problem, method, mi, run, out, (k, note) => {
        done = before + k;
        progress?.update(Math.min(done, total), `${method.name} run ${run + 1}/${config.runs}: ${note}`);
      }, options.interruptAt));
      done = before + K;
    }
    const seconds = (performance.now() - t0) / 1000;
    const last = (a: Float64Array) => a[a.length - 1]!;
    const final = {
      p: perRun.map((r) => last(r.trace.p)), a1: perRun.map((r) => last(r.trace.a1)), b1: perRun.map((r) => last(r.trace.b1)),
      klExact: perRun.map((r) => last(r.trace.klExact)),
      klEstimated: perRun.map((r) => (Number.isNaN(last(r.trace.klEstimated)) ? null : last(r.trace.klEstimated))),
      resamplings: perRun.map((r) => r.resamplings),
    };
    const avg = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const est = final.klEstimated.every((v) => v !== null) ? avg(final.klEstimated as number[]) : null;
    const sdP = config.runs > 1 ? Math.sqrt(final.p.reduce((s, x) => s + (x - avg(final.p)) ** 2, 0) / (config.runs - 1)) : null;
    methods.push({
      name: method.name, algorithm: method.algorithm, final,
      mean: { p: avg(final.p), a1: avg(final.a1), b1: avg(final.b1), klExact: avg(final.klExact), klEstimated: est },
      standardError: { p: sdP === null ? null : sdP / Math.sqrt(config.runs) },
      seconds,
    });
    traces[method.name] = {};
    for (const key of Object.keys(perRun[0]!.trace)) traces[method.name]![key] = perRun.map((r) => (r.trace as Record<string, Float64Array>)[key]!);
  });
  progress?.finish();

  // NPY traces: one file per method and quantity, shape [runs, records].
  const traceDir = join(out, 'traces');
  mkdirSync(traceDir, { recursive: true });
  config.methods.forEach((method, mi) => {
    for (const [key, runs] of Object.entries(traces[method.name]!)) {
      const records = runs[0]!.length;
      const flat = new Float64Array(runs.length * records);
      runs.forEach((r, i) => flat.set(r, i * records));
      const file = join(traceDir, `${mi}-${slug(method.name)}.${key}.npy`);
      writeNpy(file, flat, [runs.length, records]);
      files.push(file);
    }
  });
  files.push(...writeFigures(config, traces, out));
  const result: GmmResult = { config, teacher: { p: 1 / (1 + Math.exp(-config.teacher.z)), entropyOnData: problem.entropyOnData }, methods, files };
  const resultsFile = join(out, 'results.json');
  writeJson(resultsFile, result);
  files.push(resultsFile);
  log(formatTable(result));
  if (config.checkpointEvery > 0) rmSync(join(out, 'checkpoints'), { recursive: true, force: true });
  return result;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function meanOverRuns(runs: Float64Array[]): Float64Array {
  const out = new Float64Array(runs[0]!.length);
  for (const r of runs) for (let i = 0; i < out.length; i++) out[i] = out[i]! + r[i]! / runs.length;
  return out;
}

function writeFigures(config: GmmConfig, traces: Record<string, Record<string, Float64Array[]>>, out: string): string[] {
  const names = config.methods.map((m) => m.name);
  const x = (name: string) => traces[name]!['iteration']![0]!;
  const pStar = 1 / (1 + Math.exp(-config.teacher.z));
  // With several runs, p_k carries a band of ± one standard error over runs (σ_emp/√runs, as Fig. 10's lower panels).
  const pSeries: LineSeries[] = names.map((name) => {
    const runs = traces[name]!['p']!;
    const mean = meanOverRuns(runs);
    if (runs.length < 2) return { name, x: x(name), y: mean };
    const se = mean.map((m, i) => Math.sqrt(runs.reduce((s, r) => s + (r[i]! - m) ** 2, 0) / (runs.length - 1) / runs.length));
    return { name, x: x(name), y: mean, lower: mean.map((m, i) => m - se[i]!), upper: mean.map((m, i) => m + se[i]!) };
  });
  const pPanel = linePlot(pSeries, { title: 'p_k = 1/(1 + e^{−z_k})', xLabel: 'iteration k', yLabel: 'p', yRange: [0, 1], hLines: [{ y: pStar, label: `p* = ${pStar.toFixed(2)}` }] });
  const abSeries: LineSeries[] = names.flatMap((name, i) => [
    { name: `${name}: a¹`, x: x(name), y: meanOverRuns(traces[name]!['a1']!), dash: i ? '6 3' : '' },
    { name: `${name}: b¹`, x: x(name), y: meanOverRuns(traces[name]!['b1']!), dash: i ? '6 3' : '' },
  ]).map((s) => (s.dash ? s : { name: s.name, x: s.x, y: s.y }));
  const abPanel = linePlot(abSeries, { title: 'mode means a_k¹, b_k¹', xLabel: 'iteration k', hLines: [{ y: config.teacher.a1, label: 'a*¹' }, { y: config.teacher.b1, label: 'b*¹' }] });
  const klSeries: LineSeries[] = names.flatMap((name) => {
    const list: LineSeries[] = [{ name: `${name} (exact)`, x: x(name), y: meanOverRuns(traces[name]!['klExact']!) }];
    const est = meanOverRuns(traces[name]!['klEstimated']!);
    if (est.some((v) => !Number.isNaN(v))) list.push({ name: `${name} (estimated, (12))`, x: x(name), y: est, dash: '6 3' });
    return list;
  });
  const klPanel = linePlot(klSeries, { title: 'KL(ρ* ‖ ρ_θk) (non-positive estimates not drawn)', xLabel: 'iteration k', logY: true });
  const fig = composeFigure([pPanel, abPanel, klPanel], { columns: 3, title: config.title });
  const files = [join(out, 'figure.svg')];
  writeSvg(files[0]!, fig);
  const essSeries: LineSeries[] = config.methods.filter((m) => m.algorithm === 'jarzynski').map((m) => ({ name: m.name, x: x(m.name), y: meanOverRuns(traces[m.name]!['ess']!) }));
  if (essSeries.length > 0) {
    files.push(join(out, 'ess.svg'));
    writeSvg(files[1]!, linePlot(essSeries, { title: 'ESS_k (13), mean over runs', xLabel: 'iteration k', yLabel: 'ESS / N', yRange: [0, 1] }));
  }
  return files;
}

export function formatTable(result: GmmResult): string {
  const rows = result.methods.map((m) => {
    const se = m.standardError.p === null ? '' : ` ± ${m.standardError.p.toFixed(3)}`;
    const est = m.mean.klEstimated === null ? '—' : m.mean.klEstimated.toFixed(4);
    return `  ${m.name.padEnd(28)} ${(m.mean.p.toFixed(3) + se).padEnd(14)} ${m.mean.a1.toFixed(3).padStart(8)} ${m.mean.b1.toFixed(3).padStart(8)} ${est.padStart(10)} ${m.mean.klExact.toFixed(4).padStart(10)} ${m.seconds.toFixed(1).padStart(8)} s`;
  });
  return [
    `  ${'method'.padEnd(28)} ${'p (final)'.padEnd(14)} ${'a¹'.padStart(8)} ${'b¹'.padStart(8)} ${'KL est.'.padStart(10)} ${'KL exact'.padStart(10)} ${'time'.padStart(10)}`,
    `  ${'teacher'.padEnd(28)} ${result.teacher.p.toFixed(3).padEnd(14)} ${result.config.teacher.a1.toFixed(3).padStart(8)} ${result.config.teacher.b1.toFixed(3).padStart(8)} ${'0'.padStart(10)} ${'0'.padStart(10)}`,
    ...rows,
  ].join('\n');
}
