/**
 * `ebm run` experiment "sample": one sampler of src/samplers on an energy of energy-config.ts at a fixed θ, N walkers,
 * K steps. Samplers: ULA {h} (001 (4.10)), MALA {h} (001 Def. 4.4), HMC {stepSize, steps, mass?} (000 (16)-(20)),
 * MH {scale} (random-walk proposal, 000 §2.1.2), and the seeds' Langevin updates as written: langevin000 {epsilon}
 * (000 (37); stationary law ∝ e^{−2U}, see docs/ERRATA.md), langevin002 {eta}, langevin003 {eta}.
 *
 * Outputs in --out (NumPy: np.load): walkers.npy [N, d] and energies.npy [N] after K steps; acceptance.npy [K] (the
 * fraction of walkers accepting at each step; accept/reject samplers only); results.json (config, θ, the sampler, the
 * mean acceptance rate, the sample mean and covariance of the final walkers, timings).
 *
 * Randomness: root = keyFromSeed(seed); X_0 from foldIn(root, 0) ('exact': ρ_θ's exact sampler; 'normal': N(0, I));
 * step k draws from foldIn(foldIn(root, 1), k), so any step can be replayed.
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, normals, streamFromKey } from '../rng/index.js';
import { bind } from '../energies/energy.js';
import {
  hmc, langevin000, langevin002, langevin003, massMatrix, mala, metropolisHastings, randomWalkProposal, ula, type AcceptInfo, type Sampler,
} from '../samplers/index.js';
import { writeJson } from '../io/json.js';
import { writeNpy } from '../io/npy.js';
import { createProgress } from '../io/progress.js';
import { ConfigError } from './errors.js';
import {
  energySpecSchema, formatConfigPath, readPointsNpy, refineEnergy, refineTheta, specDim, thetaLayout, thetaOf, tryBuildEnergy,
} from './energy-config.js';

const step = z.number().positive();
const scaleOrVector = z.union([z.number().positive(), z.array(z.number())]);

export const samplerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ula'), h: step }).strict(),
  z.object({ kind: z.literal('mala'), h: step }).strict(),
  /** mass: M = m I, d diagonal masses, or a d×d SPD matrix (flat, row-major) */
  z.object({ kind: z.literal('hmc'), stepSize: step, steps: z.number().int().positive(), mass: scaleOrVector.optional() }).strict(),
  /** scale: σ, d per-coordinate scales, or a d×d lower Cholesky factor L (flat, row-major) */
  z.object({ kind: z.literal('mh'), scale: scaleOrVector }).strict(),
  z.object({ kind: z.literal('langevin000'), epsilon: step }).strict(),
  z.object({ kind: z.literal('langevin002'), eta: step }).strict(),
  z.object({ kind: z.literal('langevin003'), eta: step }).strict(),
]);

export const sampleConfigSchema = z.object({
  experiment: z.literal('sample'),
  title: z.string().default('sample'),
  energy: energySpecSchema,
  /** θ (flat or named); the energy's default where it has one */
  theta: z.unknown().optional(),
  sampler: samplerSchema,
  /** N */
  walkers: z.number().int().positive(),
  /** K */
  steps: z.number().int().positive(),
  /** X_0: 'exact' (ρ_θ's exact sampler), 'normal' (N(0, I)) or an .npy file [N, d] */
  init: z.union([z.enum(['exact', 'normal']), z.object({ npy: z.string().min(1) }).strict()]).default('normal'),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  const built = refineEnergy(ctx, ['energy'], c.energy);
  if (built === null) return;
  const { energy, defaultTheta } = built;
  if (c.theta !== undefined) refineTheta(ctx, ['theta'], c.energy, energy, c.theta);
  else if (defaultTheta === undefined) ctx.addIssue({ code: 'custom', path: ['theta'], message: `required for ${c.energy.kind} (no default): an array ${thetaLayout(c.energy)} or the named form` });
  if (c.init === 'exact' && energy.sample === undefined) ctx.addIssue({ code: 'custom', path: ['init'], message: `${energy.name} has no exact sampler: use 'normal' or {npy}` });
  const d = energy.dim;
  const s = c.sampler;
  try {
    // The samplers' own checks of a mass matrix or a proposal scale (shape, positivity, SPD), run on the config.
    if (s.kind === 'hmc' && s.mass !== undefined) massMatrix(d, typeof s.mass === 'number' ? s.mass : Float64Array.from(s.mass));
    if (s.kind === 'mh') randomWalkProposal(d, typeof s.scale === 'number' ? s.scale : Float64Array.from(s.scale));
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['sampler', s.kind === 'hmc' ? 'mass' : 'scale'], message: (err as Error).message });
  }
});

export type SampleConfig = z.infer<typeof sampleConfigSchema>;

export interface SampleRunOptions {
  readonly out: string;
  /** the folder a relative init .npy path is resolved against (default the working directory) */
  readonly baseDir?: string;
  readonly source?: string;
  readonly log?: (line: string) => void;
  readonly progress?: boolean;
}

export interface SampleResult {
  readonly config: SampleConfig;
  readonly energy: string;
  readonly sampler: string;
  readonly theta: number[];
  /** the mean over steps of the fraction of walkers accepting (null for the samplers that always move) */
  readonly acceptRate: number | null;
  /** of the final walkers */
  readonly mean: number[];
  /** the sample covariance of the final walkers (divisor N − 1; zeros when N = 1), d×d */
  readonly covariance: number[][];
  readonly meanEnergy: number;
  readonly timings: { readonly seconds: number; readonly msPerStep: number };
  readonly files: string[];
}

/** Runs a validated "sample" config (sampleConfigSchema) into options.out. */
export function runSample(config: SampleConfig, options: SampleRunOptions): SampleResult {
  const source = options.source ?? 'config';
  const built = tryBuildEnergy(config.energy);
  if ('issues' in built) throw new ConfigError(`invalid config ${source}:\n  ${formatConfigPath(['energy', ...built.issues[0]!.path])}: ${built.issues[0]!.message}`);
  const { energy } = built;
  const theta = config.theta !== undefined ? thetaOf(config.energy, energy, config.theta) : built.defaultTheta!;
  const n = config.walkers, d = specDim(config.energy), K = config.steps;
  const root = keyFromSeed(config.seed);
  let x0: Float64Array;
  if (config.init === 'exact') x0 = energy.sample!(streamFromKey(foldIn(root, 0)), theta, n, new Float64Array(n * d));
  else if (config.init === 'normal') x0 = normals(streamFromKey(foldIn(root, 0)), new Float64Array(n * d));
  else {
    const path = isAbsolute(config.init.npy) ? config.init.npy : resolve(options.baseDir ?? process.cwd(), config.init.npy);
    const r = readPointsNpy(path, d, n, 'initial walkers');
    if ('message' in r) throw new ConfigError(`invalid config ${source}:\n  init.npy: ${r.message}`);
    x0 = r.points;
  }
  const potential = bind(energy, theta);
  const s = config.sampler;
  const sampler: Sampler<AcceptInfo | void> = (() => {
    switch (s.kind) {
      case 'ula': return ula(potential, n, s.h);
      case 'mala': return mala(potential, n, s.h);
      case 'hmc': return hmc(potential, n, {
        stepSize: s.stepSize, steps: s.steps,
        ...(s.mass !== undefined ? { mass: typeof s.mass === 'number' ? s.mass : Float64Array.from(s.mass) } : {}),
      });
      case 'mh': return metropolisHastings(potential, randomWalkProposal(d, typeof s.scale === 'number' ? s.scale : Float64Array.from(s.scale)), n);
      case 'langevin000': return langevin000(potential, n, s.epsilon);
      case 'langevin002': return langevin002(potential, n, s.eta);
      case 'langevin003': return langevin003(potential, n, s.eta);
    }
  })();
  const rejects = s.kind === 'mala' || s.kind === 'hmc' || s.kind === 'mh';
  const acceptance = new Float64Array(K);
  const stepsKey = foldIn(root, 1);
  const state = sampler.init(x0);
  const progress = options.progress === false ? null : createProgress({ total: K, label: 'sample' });
  const t0 = performance.now();
  for (let k = 0; k < K; k++) {
    const info = sampler.step(streamFromKey(foldIn(stepsKey, k)), state, state);
    if (info) acceptance[k] = info.acceptRate;
    progress?.update(k + 1, info ? `accept ${info.acceptRate.toFixed(3)}` : '');
  }
  const seconds = (performance.now() - t0) / 1000;
  progress?.finish();

  // Sample mean and covariance of the final walkers, two passes.
  const mean = new Float64Array(d), cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + state.x[i * d + j]! / n;
  if (n > 1) {
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const ra = state.x[i * d + a]! - mean[a]!;
        for (let b = 0; b <= a; b++) cov[a * d + b] = cov[a * d + b]! + (ra * (state.x[i * d + b]! - mean[b]!)) / (n - 1);
      }
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) cov[a * d + b] = cov[b * d + a]!;
  }
  let meanEnergy = 0;
  for (let i = 0; i < n; i++) meanEnergy += state.u[i]! / n;

  const out = options.out;
  mkdirSync(out, { recursive: true });
  const files = [join(out, 'walkers.npy'), join(out, 'energies.npy')];
  writeNpy(files[0]!, state.x, [n, d]);
  writeNpy(files[1]!, state.u, [n]);
  let acceptRate: number | null = null;
  if (rejects) {
    files.push(join(out, 'acceptance.npy'));
    writeNpy(files[2]!, acceptance, [K]);
    acceptRate = acceptance.reduce((a, v) => a + v, 0) / K;
  }
  const resultsFile = join(out, 'results.json');
  files.push(resultsFile);
  const result: SampleResult = {
    config, energy: energy.name, sampler: sampler.name, theta: Array.from(theta), acceptRate,
    mean: Array.from(mean), covariance: Array.from({ length: d }, (_, a) => Array.from(cov.subarray(a * d, a * d + d))), meanEnergy,
    timings: { seconds, msPerStep: (1000 * seconds) / K }, files,
  };
  writeJson(resultsFile, result);
  (options.log ?? (() => {}))(`  ${sampler.name} on ${energy.name}: mean [${result.mean.slice(0, 6).map((v) => v.toFixed(4)).join(', ')}${d > 6 ? ', …' : ''}]`
    + (acceptRate !== null ? `  acceptance ${acceptRate.toFixed(3)}` : '') + `  (${seconds.toFixed(2)} s)`);
  return result;
}
