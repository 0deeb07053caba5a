/**
 * 001 §3.1-3.2 on models where everything is exact: (1) a linear-Gaussian VAE trained by joint gradient ascent on the
 * reparameterized Monte Carlo ELBO (3.15)-(3.16); the exact mean ELBO (3.5) is recorded against the exact mean
 * log-likelihood (3.3), and against the largest log-likelihood the decoder family can reach (probabilistic PCA with σ
 * fixed, Tipping & Bishop 1999: b = the data mean, W = U_L (Λ_L − σ²I)^{1/2}); by (3.6) the gap is the mean
 * D_KL(q‖ρθ(z|x)). (2) A 1-D GAN, a Gaussian generator against a quadratic logistic discriminator, trained by the
 * alternating algorithm of Proposition 3.1 on minibatches; V(G, D) of the current pair and C(G) = V(G, D*_G) =
 * −log 4 + 2 JSD(ρ*‖ρg) (3.22) are computed by quadrature along the run, and approach −log 4 (Theorems 3.2-3.3).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { compositeGaussLegendre } from '../../src/basics/cross-entropy.js';
import {
  ganAlternating, ganValue, gaussianGeneratorLogDensity, jensenShannon, linearGaussianVae, optimalGanValue, quadraticLogit, trainLinearVae,
  vaeLogMarginal, type VaeTrainingRecord,
} from '../../src/latent/index.js';
import { symmetricEigen } from '../../src/linalg/dense.js';
import { foldIn, keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { adam } from '../../src/training/optimizers.js';
import { writeJson } from '../../src/io/json.js';
import { composeFigure, linePlot, writeSvg } from '../../src/plot/index.js';

const vaeSchema = z.object({
  /** data dimension d and latent dimension L */
  d: z.number().int().positive(),
  L: z.number().int().positive(),
  /** decoder noise σ, the true model's and the fitted model's (fixed) */
  sigma: z.number().positive(),
  /** scale of the true W* entries (N(0, scale²)) */
  trueScale: z.number().positive().default(1),
  dataSize: z.number().int().positive(),
  steps: z.number().int().positive(),
  samplesPerPoint: z.number().int().positive().default(1),
  /** Adam's rate, constant or decayed linearly to 0 over the steps */
  learningRate: z.number().positive(),
  schedule: z.enum(['constant', 'linear']).default('linear'),
  recordEvery: z.number().int().positive().default(10),
}).strict().superRefine((c, ctx) => {
  if (c.L > c.d) ctx.addIssue({ code: 'custom', path: ['L'], message: `L must be ≤ d = ${c.d}, got ${c.L}` });
});

const ganSchema = z.object({
  /** ρ* = N(meanStar, stdStar²) */
  meanStar: z.number(),
  stdStar: z.number().positive(),
  /** the generator starts at N(mean0, std0²); the discriminator at D = ½ */
  mean0: z.number(),
  std0: z.number().positive(),
  iterations: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  discriminatorSteps: z.number().int().positive(),
  discriminatorRate: z.number().positive(),
  generatorRate: z.number().positive(),
  recordEvery: z.number().int().positive().default(10),
}).strict();

export const vaeGanConfigSchema = z.object({
  experiment: z.literal('vae-gan'),
  title: z.string().default('VAE ELBO → log p and GAN V(G, D) → −log 4 (001 §3.1-3.2)'),
  vae: vaeSchema,
  gan: ganSchema,
  seed: z.number().int().nonnegative().default(1),
}).strict();

export type VaeGanConfig = z.infer<typeof vaeGanConfigSchema>;

/** "path: message" per issue; throws a RangeError listing all of them. */
export function parseVaeGanConfig(value: unknown, source = 'config'): VaeGanConfig {
  const parsed = vaeGanConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

export interface GanRecord {
  readonly iteration: number;
  /** μ and s of ρg */
  readonly mean: number;
  readonly std: number;
  /** V(G, D) of the current pair (quadrature) */
  readonly value: number;
  /** C(G) = V(G, D*_G) (quadrature) */
  readonly optimalValue: number;
  /** JSD(ρ*‖ρg) (quadrature) */
  readonly jsd: number;
}

export interface VaeGanResult {
  readonly experiment: 'vae-gan';
  readonly vae: {
    readonly records: readonly VaeTrainingRecord[];
    /** the largest mean log-likelihood of the decoder family (PPCA with σ fixed) */
    readonly maxLogLikelihood: number;
    /** the mean log-likelihood under the true model */
    readonly trueLogLikelihood: number;
    readonly finalGap: number;
    readonly initialGap: number;
  };
  readonly gan: { readonly records: readonly GanRecord[]; readonly finalOptimalValueMinusLog4: number; readonly finalJsd: number; readonly medianJsdSecondHalf: number };
  readonly files: readonly string[];
}

export interface VaeGanRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
}

/** The largest (1/n) Σ log N(xᵢ; b, WWᵀ + σ²I) over W (d×L) and b, σ fixed: PPCA's closed form. */
function ppcaMaxLogLikelihood(data: Float64Array, n: number, d: number, L: number, sigma: number): number {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] = mean[k]! + data[i * d + k]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) cov[r * d + s] = cov[r * d + s]! + ((data[i * d + r]! - mean[r]!) * (data[i * d + s]! - mean[s]!)) / n;
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]!);
  const vae = linearGaussianVae(d, L, sigma);
  const params = new Float64Array(vae.paramDim);
  params.set(mean, vae.offsets.b);
  for (let j = 0; j < L; j++) {
    const col = order[j]!, scale = Math.sqrt(Math.max(values[col]! - sigma * sigma, 0));
    for (let k = 0; k < d; k++) params[vae.offsets.W + k * L + j] = vectors[k * d + col]! * scale;
  }
  const lp = vaeLogMarginal(vae, params, data, n, new Float64Array(n));
  return lp.reduce((a, b) => a + b, 0) / n;
}

/** The experiment: both runs, results.json and two SVG figures under options.out. */
export function runVaeGan(config: VaeGanConfig, options: VaeGanRunOptions): VaeGanResult {
  const log = options.log ?? (() => {});
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const key = keyFromSeed(config.seed);

  // --- VAE ---
  const v = config.vae;
  const vae = linearGaussianVae(v.d, v.L, v.sigma);
  const truth = normals(streamFromKey(foldIn(key, 1)), new Float64Array(vae.paramDim)).map((t) => v.trueScale * t);
  const data = new Float64Array(v.dataSize * v.d);
  {
    // x = W* z + b* + σ ξ, z ~ N(0, I_L), ξ ~ N(0, I_d)
    const st = streamFromKey(foldIn(key, 2));
    const zs = new Float64Array(v.L), xi = new Float64Array(v.d);
    for (let i = 0; i < v.dataSize; i++) {
      normals(st, zs, 0, v.L);
      normals(st, xi, 0, v.d);
      for (let k = 0; k < v.d; k++) {
        let s = truth[vae.offsets.b + k]! + v.sigma * xi[k]!;
        for (let j = 0; j < v.L; j++) s += truth[vae.offsets.W + k * v.L + j]! * zs[j]!;
        data[i * v.d + k] = s;
      }
    }
  }
  const trueLp = vaeLogMarginal(vae, truth, data, v.dataSize, new Float64Array(v.dataSize)).reduce((a, b) => a + b, 0) / v.dataSize;
  const maxLp = ppcaMaxLogLikelihood(data, v.dataSize, v.d, v.L, v.sigma);
  const params = normals(streamFromKey(foldIn(key, 3)), new Float64Array(vae.paramDim)).map((t) => 0.1 * t);
  const vaeRecords = trainLinearVae(streamFromKey(foldIn(key, 4)), vae, params, data, v.dataSize, {
    steps: v.steps, samplesPerPoint: v.samplesPerPoint, optimizer: adam(vae.paramDim, { lr: v.learningRate, schedule: v.schedule, iterations: v.steps }), recordEvery: v.recordEvery,
  });
  const gapOf = (r: VaeTrainingRecord): number => r.logLikelihood - r.elbo;
  const lastV = vaeRecords[vaeRecords.length - 1]!;
  log(`vae: d = ${v.d}, L = ${v.L}, σ = ${v.sigma}, n = ${v.dataSize}; after ${v.steps} steps ELBO = ${lastV.elbo.toFixed(5)}, log p = ${lastV.logLikelihood.toFixed(5)}, gap = ${gapOf(lastV).toExponential(3)} (initially ${gapOf(vaeRecords[0]!).toExponential(3)}); max log p of the family = ${maxLp.toFixed(5)}, true model ${trueLp.toFixed(5)}`);

  // --- GAN ---
  const g = config.gan;
  const lStar = gaussianGeneratorLogDensity(Float64Array.of(g.meanStar, Math.log(g.stdStar)));
  const lo = Math.min(g.meanStar - 12 * g.stdStar, g.mean0 - 12 * g.std0), hi = Math.max(g.meanStar + 12 * g.stdStar, g.mean0 + 12 * g.std0);
  const rule = compositeGaussLegendre(lo, hi, 60);
  const tg = Float64Array.of(g.mean0, Math.log(g.std0)), td = new Float64Array(3);
  const ganRecords: GanRecord[] = [];
  const recordGan = (iteration: number): void => {
    const lG = gaussianGeneratorLogDensity(tg);
    ganRecords.push({
      iteration, mean: tg[0]!, std: Math.exp(tg[1]!), value: ganValue(lStar, lG, quadraticLogit(td), rule),
      optimalValue: optimalGanValue(lStar, lG, rule), jsd: jensenShannon(lStar, lG, rule),
    });
  };
  recordGan(0);
  ganAlternating(streamFromKey(foldIn(key, 5)), (st, buf) => {
    normals(st, buf, 0, buf.length);
    for (let i = 0; i < buf.length; i++) buf[i] = g.meanStar + g.stdStar * buf[i]!;
  }, tg, td, g, (info) => {
    if (info.iteration % g.recordEvery === 0 || info.iteration === g.iterations) recordGan(info.iteration);
  });
  const lastG = ganRecords[ganRecords.length - 1]!;
  // The generator keeps moving with the minibatch noise: the median JSD over the second half is the steady level.
  const tail = ganRecords.filter((r) => r.iteration >= g.iterations / 2).map((r) => r.jsd).sort((a, b) => a - b);
  const jsdMedian = tail[Math.floor(tail.length / 2)]!;
  log(`gan: ρ* = N(${g.meanStar}, ${g.stdStar}²), start N(${g.mean0}, ${g.std0}²); after ${g.iterations} iterations ρg = N(${lastG.mean.toFixed(4)}, ${lastG.std.toFixed(4)}²), V(G, D) = ${lastG.value.toFixed(6)}, C(G) + log 4 = ${(lastG.optimalValue + Math.log(4)).toExponential(3)}, JSD = ${lastG.jsd.toExponential(3)} (median over the second half ${jsdMedian.toExponential(3)}; ${ganRecords[0]!.jsd.toExponential(3)} at the start)`);

  // --- outputs ---
  const files = [join(out, 'results.json'), join(out, 'vae-elbo.svg'), join(out, 'gan-value.svg')];
  const steps = vaeRecords.map((r) => r.step);
  const vaePanel = linePlot([
    { name: 'exact ELBO (3.5), mean over data', x: steps, y: vaeRecords.map((r) => r.elbo) },
    { name: 'exact log ρθ(x) (3.3), mean', x: steps, y: vaeRecords.map((r) => r.logLikelihood), dash: '6 3' },
  ], {
    title: 'VAE: ELBO and log-likelihood (zoomed to the end)', xLabel: 'gradient step', yLabel: 'nats per point', legend: 'bottom-right',
    yRange: [lastV.elbo - 0.5, maxLp + 0.1], hLines: [{ y: maxLp, label: 'max log p (PPCA)' }],
  });
  const gapPanel = linePlot([{ name: 'log p − ELBO = mean KL(q‖posterior) (3.6)', x: steps, y: vaeRecords.map((r) => Math.max(gapOf(r), 1e-16)) }],
    { title: 'VAE: the gap', xLabel: 'gradient step', yLabel: 'nats per point', logY: true, legend: 'top-right' });
  writeSvg(files[1]!, composeFigure([vaePanel, gapPanel], { columns: 2, title: 'Linear-Gaussian VAE trained on the reparameterized ELBO (3.16)' }));
  const its = ganRecords.map((r) => r.iteration);
  const ganPanel = linePlot([
    { name: 'V(G, D) of the current pair', x: its, y: ganRecords.map((r) => r.value) },
    { name: 'C(G) = V(G, D*) = −log 4 + 2 JSD', x: its, y: ganRecords.map((r) => r.optimalValue), dash: '6 3' },
  ], { title: 'GAN: V(G, D) (quadrature)', xLabel: 'iteration', yLabel: 'V', legend: 'top-right', hLines: [{ y: -Math.log(4), label: '−log 4' }] });
  const jsdPanel = linePlot([{ name: 'JSD(ρ*‖ρg)', x: its, y: ganRecords.map((r) => Math.max(r.jsd, 1e-16)) }],
    { title: 'GAN: JSD(ρ*‖ρg)', xLabel: 'iteration', yLabel: 'JSD', logY: true, legend: 'top-right' });
  writeSvg(files[2]!, composeFigure([ganPanel, jsdPanel], { columns: 2, title: 'GAN, Gaussian generator vs quadratic logistic discriminator (Prop. 3.1)' }));
  const result: VaeGanResult = {
    experiment: 'vae-gan',
    vae: { records: vaeRecords, maxLogLikelihood: maxLp, trueLogLikelihood: trueLp, finalGap: gapOf(lastV), initialGap: gapOf(vaeRecords[0]!) },
    gan: { records: ganRecords, finalOptimalValueMinusLog4: lastG.optimalValue + Math.log(4), finalJsd: lastG.jsd, medianJsdSecondHalf: jsdMedian },
    files,
  };
  writeJson(files[0]!, result);
  return result;
}
