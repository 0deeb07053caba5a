/**
 * Training a Boltzmann machine (001 §1.2) on few spins with the exact gradient of the cross-entropy (6.1), Contrastive
 * Divergence (001 §6 Alg. 1) and Persistent Contrastive Divergence (Alg. 2), with heat-bath Gibbs sweeps as the
 * sampler; §6's claim: "neither CD nor PCD actually perform a gradient-based optimization of cross-entropy", CD's
 * bias being tied to the chain length k and PCD's to the chains' lag behind θ.
 *
 * Data: m points drawn exactly from the visible marginal of a teacher machine (V visible, teacherHidden hidden units,
 * random θ* with entries uniform in ±teacherScale). Student: V visible, `hidden` hidden units, θ₀ = 0. Each method
 * records KL(ρ* ‖ p_θ) per iteration, exactly by enumeration, where ρ* is the empirical law of the data; exact gradient
 * descent is the reference curve at equal iterations (at the default 2000 iterations it is still decreasing, so it is
 * not the student's optimum). Runs r = 0 … repeats−1 use the same data and θ₀
 * and the stream foldIn(foldIn(root, method index), r).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey, aliasTable, categorical, uniform } from '../../src/rng/index.js';
import {
  boltzmannExact, boltzmannMachine, dataDistribution, trainBoltzmannMachine, type BoltzmannTrainingMethod,
} from '../../src/physics/boltzmann-machine.js';
import { spinsOfState } from '../../src/physics/ising.js';
import { writeJson } from '../../src/io/json.js';
import { linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

const runSchema = z.object({
  method: z.enum(['exact', 'cd', 'pcd']),
  /** Gibbs sweeps per iteration (CD-k; PCD's chains advance k sweeps) */
  k: z.number().int().positive().default(1),
}).strict();

export const boltzmannConfigSchema = z.object({
  experiment: z.literal('boltzmann'),
  title: z.string().default('Boltzmann machine: exact gradient vs CD vs PCD (001 §6)'),
  visible: z.number().int().min(1).max(10),
  hidden: z.number().int().min(0).max(6),
  teacherHidden: z.number().int().min(0).max(6),
  teacherScale: z.number().positive(),
  dataSize: z.number().int().positive(),
  iterations: z.number().int().positive(),
  lr: z.number().positive(),
  chains: z.number().int().positive(),
  runs: z.array(runSchema).min(1),
  repeats: z.number().int().positive().default(1),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (c.visible + c.hidden > 10) ctx.addIssue({ code: 'custom', path: ['hidden'], message: `visible + hidden must be ≤ 10 (enumeration of the CD expectation and KL), got ${c.visible + c.hidden}` });
  if (c.visible + c.teacherHidden > 16) ctx.addIssue({ code: 'custom', path: ['teacherHidden'], message: `visible + teacherHidden must be ≤ 16, got ${c.visible + c.teacherHidden}` });
});

export type BoltzmannConfig = z.infer<typeof boltzmannConfigSchema>;

export interface BoltzmannRunResult {
  readonly method: BoltzmannTrainingMethod;
  readonly k: number;
  readonly label: string;
  /** mean KL over repeats, per iteration (length iterations + 1), and its SE */
  readonly kl: number[];
  readonly klSE: number[];
  /** mean KL over the last 10 % of iterations, averaged over repeats */
  readonly finalKL: number;
  readonly finalKLSE: number;
  readonly minKL: number;
}

export interface BoltzmannResult {
  readonly config: BoltzmannConfig;
  /** KL(ρ* ‖ p_θ₀) and KL(ρ* ‖ teacher) for reference */
  readonly initialKL: number;
  readonly teacherKL: number;
  readonly runs: BoltzmannRunResult[];
  readonly seconds: number;
  readonly files: string[];
}

export function runBoltzmann(config: BoltzmannConfig, options: { out: string; log?: (line: string) => void }): BoltzmannResult {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  mkdirSync(options.out, { recursive: true });
  const root = keyFromSeed(config.seed);
  const V = config.visible;

  // The teacher and its data.
  const teacher = boltzmannMachine(V, config.teacherHidden);
  const ts = streamFromKey(foldIn(root, 1000));
  const thetaStar = new Float64Array(teacher.paramDim);
  for (let j = 0; j < thetaStar.length; j++) thetaStar[j] = config.teacherScale * (2 * uniform(ts) - 1);
  const pTeacher = boltzmannExact(teacher, thetaStar).visible;
  const table = aliasTable(pTeacher), data = new Float64Array(config.dataSize * V), v = new Float64Array(V);
  for (let r = 0; r < config.dataSize; r++) data.set(spinsOfState(categorical(ts, table), V, v), r * V);

  const student = boltzmannMachine(V, config.hidden);
  const pData = dataDistribution(student, data, config.dataSize);
  let teacherKL = 0;
  for (let s = 0; s < pData.length; s++) if (pData[s]! > 0) teacherKL += pData[s]! * Math.log(pData[s]! / pTeacher[s]!);
  const theta0 = new Float64Array(student.paramDim);

  const T = config.iterations, tail = Math.max(1, Math.floor(T / 10));
  const runs: BoltzmannRunResult[] = config.runs.map((run, ri) => {
    const traces: Float64Array[] = [];
    for (let r = 0; r < config.repeats; r++) {
      const stream = streamFromKey(foldIn(foldIn(root, ri), r));
      traces.push(trainBoltzmannMachine(stream, student, theta0, data, config.dataSize, { method: run.method, iterations: T, lr: config.lr, chains: config.chains, k: run.k }).kl);
      if (run.method === 'exact') break; // deterministic: one run is every run
    }
    const R = traces.length;
    const kl = Array.from({ length: T + 1 }, (_, t) => traces.reduce((a, tr) => a + tr[t]!, 0) / R);
    const klSE = Array.from({ length: T + 1 }, (_, t) => {
      if (R < 2) return 0;
      const mu = kl[t]!;
      return Math.sqrt(traces.reduce((a, tr) => a + (tr[t]! - mu) ** 2, 0) / (R - 1) / R);
    });
    const finals = traces.map((tr) => { let s = 0; for (let t = T + 1 - tail; t <= T; t++) s += tr[t]!; return s / tail; });
    const finalKL = finals.reduce((a, b) => a + b, 0) / R;
    const finalKLSE = R > 1 ? Math.sqrt(finals.reduce((a, b) => a + (b - finalKL) ** 2, 0) / (R - 1) / R) : 0;
    const label = run.method === 'exact' ? 'exact gradient (6.1)' : `${run.method.toUpperCase()}-${run.k}`;
    log(`boltzmann: ${label}: KL ${kl[0]!.toFixed(4)} → ${finalKL.toFixed(5)} (last ${tail} iterations, ${R} run${R > 1 ? 's' : ''})`);
    return { method: run.method, k: run.k, label, kl, klSE, finalKL, finalKLSE, minKL: Math.min(...kl) };
  });

  const files = [join(options.out, 'results.json'), join(options.out, 'kl.svg')];
  const result: BoltzmannResult = { config, initialKL: runs[0]!.kl[0]!, teacherKL, runs, seconds: (performance.now() - t0) / 1000, files };
  writeJson(files[0]!, result);
  const series: LineSeries[] = runs.map((r) => ({
    name: r.label, y: r.kl,
    ...(config.repeats > 1 && r.method !== 'exact' ? { lower: r.kl.map((y, t) => y - 2 * r.klSE[t]!), upper: r.kl.map((y, t) => y + 2 * r.klSE[t]!) } : {}),
  }));
  writeSvg(files[1]!, linePlot(series, {
    title: `${config.title} (N = ${config.chains}, lr = ${config.lr})`,
    xLabel: 'iteration', yLabel: 'KL(ρ* ‖ p_θ)', logY: true, legend: 'top-right', width: 860,
  }));
  return result;
}
