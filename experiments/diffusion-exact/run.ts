/**
 * DDPM and NCSN with exact (network-free) models on a 2-D Gaussian mixture (003 "Sampling of DDPM", NCSN annealed
 * Langevin): with the exact ε-predictor / noisy score, every error left is the sampler's own.
 *  - DDPM ancestral sampling (cosine schedule, σ_t² = β̃_t) for several T: Kolmogorov distance of each coordinate's
 *    sample marginal to the exact marginal CDF, and the component masses (the Bayes class of each sample under the
 *    data law) against those of exact data draws;
 *  - the exact discretisation error, without sampling noise: the moment recursion of the same ancestral step on
 *    Gaussian data with the mixture's per-coordinate mean and variance (the step is affine there), vs T;
 *  - NCSN annealed Langevin (Song & Ermon Alg. 1) with the exact noisy scores, same statistics.
 * Writes results.json, error-vs-T.svg and samples.svg.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ddpmSample, ddpmStepper } from '../../src/diffusion/ddpm.js';
import { exactEpsilonModel, exactNoisedScoreModel, gaussianData, gaussianMixtureData, noisedMixture, sampleMixture, type GaussianMixtureData } from '../../src/diffusion/exact.js';
import { annealedLangevin, ncsnNoiseLevels } from '../../src/diffusion/ncsn.js';
import { ddpmSchedule } from '../../src/diffusion/schedules.js';
import { writeJson } from '../../src/io/json.js';
import { composeFigure, histogramPlot, linePlot, writeSvg } from '../../src/plot/index.js';
import { foldIn, keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import { dkwEpsilon, ksStatistic, normalCdf } from '../../src/stats/distributions.js';

export const diffusionExactConfigSchema = z
  .object({
    experiment: z.literal('diffusion-exact'),
    title: z.string().default('DDPM and NCSN with exact models on a 2-D Gaussian mixture'),
    weights: z.array(z.number().positive()).min(1),
    /** component means, one [x, y] pair per component */
    means: z.array(z.tuple([z.number(), z.number()])).min(1),
    /** the components' common standard deviation (isotropic) */
    std: z.number().positive(),
    schedule: z.enum(['linear', 'cosine']).default('cosine'),
    /** the DDPM step counts compared */
    Ts: z.array(z.number().int().min(1)).min(1),
    samples: z.number().int().min(10),
    ncsn: z
      .object({
        sigmaMax: z.number().positive(),
        sigmaMin: z.number().positive(),
        levels: z.number().int().min(2),
        stepsPerLevel: z.number().int().min(1),
        epsilon: z.number().positive(),
      })
      .strict(),
    seed: z.number().int().nonnegative().default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.weights.length !== c.means.length) ctx.addIssue({ code: 'custom', path: ['means'], message: `means must have one pair per weight (${c.weights.length}), got ${c.means.length}` });
    const s = c.weights.reduce((a, b) => a + b, 0);
    if (Math.abs(s - 1) > 1e-9) ctx.addIssue({ code: 'custom', path: ['weights'], message: `weights must sum to 1, got ${s}` });
    if (!(c.ncsn.sigmaMax > c.ncsn.sigmaMin)) ctx.addIssue({ code: 'custom', path: ['ncsn', 'sigmaMax'], message: 'sigmaMax must be > sigmaMin' });
  });

export type DiffusionExactConfig = z.infer<typeof diffusionExactConfigSchema>;

export interface SampleStats {
  /** sup |F_n − F| of the x and y marginals */
  readonly ks: [number, number];
  /** fraction of samples whose Bayes class (argmax p(k | x) under the data law) is k */
  readonly classFractions: number[];
}

export interface DiffusionExactResult {
  readonly config: DiffusionExactConfig;
  /** the statistics of exact data draws (the reference for the class fractions: classes overlap a little) */
  readonly data: SampleStats;
  /** the DKW band of `samples` draws at α = 0.01 per marginal: the KS values expected from sampling noise alone */
  readonly dkwBand01: number;
  readonly ddpm: { readonly T: number; readonly stats: SampleStats; readonly recursionError: { mean: number; variance: number }; readonly seconds: number }[];
  readonly ncsn: { readonly stats: SampleStats; readonly seconds: number };
  readonly files: string[];
}

function mixtureOf(c: DiffusionExactConfig): GaussianMixtureData {
  return gaussianMixtureData({ weights: c.weights, means: c.means.flat(), variances: c.means.flatMap(() => [c.std ** 2, c.std ** 2]), d: 2 });
}

function statsOf(data: GaussianMixtureData, x: Float64Array, n: number): SampleStats {
  const law = noisedMixture(data, 1, 0);
  const post = law.classPosterior(x, n, new Float64Array(n * data.K));
  const counts = new Array<number>(data.K).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < data.K; k++) if (post[i * data.K + k]! > post[i * data.K + best]!) best = k;
    counts[best]!++;
  }
  const ks = [0, 1].map((j) => {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = x[i * 2 + j]!;
    return ksStatistic(col, (v) => {
      let s = 0;
      for (let k = 0; k < data.K; k++) s += data.weights[k]! * normalCdf((v - data.means[k * 2 + j]!) / Math.sqrt(data.variances[k * 2 + j]!));
      return s;
    });
  }) as [number, number];
  return { ks, classFractions: counts.map((c) => c / n) };
}

/** Exact error of DDPM on Gaussian data N(m, v) per coordinate: the implementation's affine step pushed as moments. */
function recursionError(c: DiffusionExactConfig, data: GaussianMixtureData, T: number): { mean: number; variance: number } {
  const s = ddpmSchedule({ kind: c.schedule, T });
  let worstMean = 0;
  let worstVar = 0;
  for (let j = 0; j < 2; j++) {
    let m = 0;
    let m2 = 0;
    for (let k = 0; k < data.K; k++) {
      const mu = data.means[k * 2 + j]!;
      m += data.weights[k]! * mu;
      m2 += data.weights[k]! * (mu * mu + data.variances[k * 2 + j]!);
    }
    const v = m2 - m * m;
    const step = ddpmStepper({ kind: 'epsilon', model: exactEpsilonModel(gaussianData([m], [v]), s) }, s, 1, 1);
    const zero = new Float64Array(1);
    const one = Float64Array.of(1);
    const o = new Float64Array(1);
    let mu = 0;
    let V = 1;
    for (let t = T; t >= 1; t--) {
      const B = step(t, zero, zero, o)[0]!;
      const A = step(t, one, zero, o)[0]! - B;
      const S = step(t, zero, one, o)[0]! - B;
      mu = A * mu + B;
      V = A * A * V + S * S;
    }
    worstMean = Math.max(worstMean, Math.abs(mu - m));
    worstVar = Math.max(worstVar, Math.abs(V - v) / v);
  }
  return { mean: worstMean, variance: worstVar };
}

export function runDiffusionExact(config: DiffusionExactConfig, options: { out: string; log?: (line: string) => void }): DiffusionExactResult {
  const log = options.log ?? (() => {});
  mkdirSync(options.out, { recursive: true });
  const data = mixtureOf(config);
  const n = config.samples;
  const key = keyFromSeed(config.seed);
  const dataDraws = sampleMixture(streamFromKey(foldIn(key, 0)), data, n);
  const dataStats = statsOf(data, dataDraws, n);
  const ddpm: DiffusionExactResult['ddpm'][number][] = [];
  let lastDdpm: Float64Array = new Float64Array(0);
  config.Ts.forEach((T, i) => {
    const t0 = performance.now();
    const s = ddpmSchedule({ kind: config.schedule, T });
    const x = ddpmSample(streamFromKey(foldIn(key, 1 + i)), { kind: 'epsilon', model: exactEpsilonModel(data, s) }, s, n, 2);
    const stats = statsOf(data, x, n);
    const rec = recursionError(config, data, T);
    const seconds = (performance.now() - t0) / 1000;
    ddpm.push({ T, stats, recursionError: rec, seconds });
    lastDdpm = x;
    log(`DDPM T = ${T}: KS (x, y) = ${stats.ks.map((v) => v.toFixed(4)).join(', ')}; classes ${stats.classFractions.map((v) => v.toFixed(3)).join('/')}; exact recursion |Δm| = ${rec.mean.toExponential(2)}, |ΔV|/V = ${rec.variance.toExponential(2)} (${seconds.toFixed(1)} s)`);
  });
  const t0 = performance.now();
  const nc = config.ncsn;
  const sigmas = ncsnNoiseLevels(nc.sigmaMax, nc.sigmaMin, nc.levels);
  const rngN = streamFromKey(foldIn(key, 1000));
  const x0 = normals(rngN, new Float64Array(n * 2)).map((v) => nc.sigmaMax * v);
  const xn = annealedLangevin(rngN, exactNoisedScoreModel(data), sigmas, x0, n, 2, { stepsPerLevel: nc.stepsPerLevel, epsilon: nc.epsilon });
  const ncsnStats = statsOf(data, xn, n);
  const ncsnSeconds = (performance.now() - t0) / 1000;
  log(`NCSN annealed Langevin: KS (x, y) = ${ncsnStats.ks.map((v) => v.toFixed(4)).join(', ')}; classes ${ncsnStats.classFractions.map((v) => v.toFixed(3)).join('/')} (${ncsnSeconds.toFixed(1)} s)`);
  log(`data draws: KS (x, y) = ${dataStats.ks.map((v) => v.toFixed(4)).join(', ')}; classes ${dataStats.classFractions.map((v) => v.toFixed(3)).join('/')}`);

  const dkwBand01 = dkwEpsilon(n, 0.01);
  const files = ['results.json', 'error-vs-T.svg', 'samples.svg'].map((f) => join(options.out, f));
  const Ts = config.Ts;
  const logTs = Ts.map((T) => Math.log10(T)); // log–log axes: a 1/T error is a line of slope −1
  const errPlot = linePlot(
    [
      { name: 'exact recursion |ΔV|/V (Gaussian)', x: logTs, y: ddpm.map((r) => r.recursionError.variance), markers: true },
      { name: 'KS of x-marginal (samples)', x: logTs, y: ddpm.map((r) => r.stats.ks[0]), markers: true },
      { name: 'KS of y-marginal (samples)', x: logTs, y: ddpm.map((r) => r.stats.ks[1]), markers: true, dash: '6 3' },
    ],
    { title: 'DDPM with the exact ε: error vs T', xLabel: 'log₁₀ T (steps)', yLabel: 'error', logY: true, hLines: [{ y: dkwBand01, label: 'DKW band, α = 0.01' }] },
  );
  const marginal = (j: number) => (v: number) => {
    let s = 0;
    for (let k = 0; k < data.K; k++) {
      const sd = Math.sqrt(data.variances[k * 2 + j]!);
      s += (data.weights[k]! * Math.exp(-0.5 * ((v - data.means[k * 2 + j]!) / sd) ** 2)) / (sd * Math.sqrt(2 * Math.PI));
    }
    return s;
  };
  const column = (x: Float64Array, j: number) => Float64Array.from({ length: n }, (_, i) => x[i * 2 + j]!);
  const panels = [0, 1].map((j) =>
    histogramPlot(
      [
        { name: `DDPM T = ${Ts[Ts.length - 1]}`, samples: column(lastDdpm, j) },
        { name: 'NCSN annealed Langevin', samples: column(xn, j) },
      ],
      { bins: 60, density: true, curves: [{ name: 'exact marginal', f: marginal(j) }], title: `${j === 0 ? 'x' : 'y'}-marginal`, xLabel: j === 0 ? 'x' : 'y' },
    ),
  );
  const result: DiffusionExactResult = { config, data: dataStats, dkwBand01, ddpm, ncsn: { stats: ncsnStats, seconds: ncsnSeconds }, files };
  writeJson(files[0]!, result);
  writeSvg(files[1]!, errPlot);
  writeSvg(files[2]!, composeFigure(panels, { columns: 2, title: config.title }));
  return result;
}
