/**
 * 001 §3.3, Remark 3.1 and Fig. 4: the Fisher divergence (Def. 3.4, (3.35)) is blind to the relative mass of well
 * separated modes, the KL divergence is not. The two mixtures (3.36)
 *   ρ₁ = ½ N(−5, 1) + ½ N(5, 1),   ρ₂ = σ(z) N(−5, 1) + (1 − σ(z)) N(5, 1),   σ(z) = 1/(1 + e^{−z}),
 * differ only in their mode weights. D_F(ρ₁‖ρ₂) and D_KL(ρ₁‖ρ₂) as functions of z ∈ [0, zMax], by the Monte Carlo
 * estimates (3.37) from N = 100, 1000, 10000 draws of ρ₁ (with the 1/N that (3.37) omits; see the README), repeated
 * over independent sample sets, and exactly by composite Gauss–Legendre quadrature.
 *
 * The scores are those of the unit-covariance mixture score model (src/score/model.ts, logits [0, −z] so mode −5 has
 * weight σ(z)); the log-densities come from the paper's mixture energy 004 (15) (src/energies/two-mode-mixture.ts),
 * which is (3.36) with a = −5, b = 5.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { twoModeMixtureEnergy } from '../../src/energies/two-mode-mixture.js';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { gaussianMixtureScoreModel, mixtureScoreTheta } from '../../src/score/model.js';
import { bindScore, fisherDivergence, klDivergence, type LogDensityFunction, type WeightedPoints } from '../../src/score/objectives.js';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import { writeJson } from '../../src/io/json.js';
import { PALETTE, composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

export const fisherBlindnessConfigSchema = z.object({
  experiment: z.literal('fisher-blindness'),
  title: z.string().default('001 Fig. 4: Fisher divergence vs KL for mixtures that differ only in mode weights'),
  /** the two mode means of (3.36) */
  a: z.number().default(-5),
  b: z.number().default(5),
  /** z grid: zPoints values from 0 to zMax */
  zMax: z.number().positive().default(10),
  zPoints: z.number().int().min(2).default(41),
  /** the Monte Carlo sample sizes N of Fig. 4 */
  sampleSizes: z.array(z.number().int().positive()).min(1).default([100, 1000, 10000]),
  /** independent sample sets per N (the band is mean ± sd over them) */
  repeats: z.number().int().positive().default(20),
  /** composite Gauss–Legendre panels (12 nodes each) on [a − 15, b + 15] for the exact values */
  quadraturePanels: z.number().int().positive().default(600),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (!(c.a < c.b)) ctx.addIssue({ code: 'custom', path: ['b'], message: `b must be greater than a, got a = ${c.a}, b = ${c.b}` });
});

export type FisherBlindnessConfig = z.infer<typeof fisherBlindnessConfigSchema>;

export function parseFisherBlindnessConfig(value: unknown, source = 'config'): FisherBlindnessConfig {
  const parsed = fisherBlindnessConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

export interface FisherBlindnessMonteCarlo {
  readonly N: number;
  readonly fisherMean: number[];
  readonly fisherSd: number[];
  /** the median over sample sets: the typical estimate (the mean is carried by the rare sets with draws between the modes) */
  readonly fisherMedian: number[];
  readonly klMean: number[];
  readonly klSd: number[];
  /** the first sample set's curves (one realization, as in the paper's figure) */
  readonly fisherRun0: number[];
  readonly klRun0: number[];
  /** mean fraction of the draws with |x − (a+b)/2| < 2.5, the low-density region where D_F's integrand lives */
  readonly fractionNearMidpoint: number;
}

export interface FisherBlindnessResult {
  readonly config: FisherBlindnessConfig;
  readonly z: number[];
  readonly exact: { readonly fisher: number[]; readonly kl: number[]; readonly klSeparatedModes: number[] };
  readonly monteCarlo: FisherBlindnessMonteCarlo[];
  /** exact values at a few z, and their ratio */
  readonly table: { z: number; fisher: number; kl: number; ratio: number }[];
  readonly files: string[];
  readonly seconds: number;
}

export interface FisherBlindnessRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
}

/** The two ingredients per z: ρ₂'s score and log-density. */
function mixture(a: number, b: number) {
  const energy = twoModeMixtureEnergy(1), model = gaussianMixtureScoreModel(2, 1);
  // (3.36): weight σ(z) on a = 004 (15) with [a, b, z] (weight of b is e^{−z}/(1 + e^{−z})) = logits [0, −z]
  const logDensity = (zz: number): LogDensityFunction => {
    const th = Float64Array.of(a, b, zz), logZ = energy.logPartition!(th);
    return (x, n, out) => {
      energy.energy(th, x, n, out);
      for (let i = 0; i < n; i++) out[i] = -out[i]! - logZ;
      return out;
    };
  };
  const score = (zz: number) => bindScore(model, mixtureScoreTheta(Float64Array.of(a, b), Float64Array.of(0, -zz)));
  return { energy, logDensity, score };
}

export function runFisherBlindness(config: FisherBlindnessConfig, options: FisherBlindnessRunOptions): FisherBlindnessResult {
  config = parseFisherBlindnessConfig(config);
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  mkdirSync(options.out, { recursive: true });
  const { a, b } = config;
  const mix = mixture(a, b);
  const zs = Array.from({ length: config.zPoints }, (_, k) => (config.zMax * k) / (config.zPoints - 1));
  const rho1Score = mix.score(0), rho1Log = mix.logDensity(0);

  // Exact: nodes on [a − 15, b + 15] (15 sd beyond each mode: the mass outside is < e^{−112}), weights w_GL · ρ₁(x).
  const lo = a - 15, hi = b + 15, P = config.quadraturePanels, m = 12;
  const qx = new Float64Array(P * m), qw = new Float64Array(P * m);
  for (let p = 0; p < P; p++) {
    const r = gaussLegendre(m, lo + ((hi - lo) * p) / P, lo + ((hi - lo) * (p + 1)) / P);
    qx.set(r.nodes, p * m);
    qw.set(r.weights, p * m);
  }
  const l1 = rho1Log(qx, qx.length, new Float64Array(qx.length));
  for (let k = 0; k < qw.length; k++) qw[k] = qw[k]! * Math.exp(l1[k]!);
  const quad: WeightedPoints = { x: qx, n: qx.length, d: 1, weights: qw };
  const exactFisher = zs.map((zz) => fisherDivergence(rho1Score, mix.score(zz), quad)); // 001 (3.35)
  const exactKl = zs.map((zz) => klDivergence(rho1Log, mix.logDensity(zz), quad));
  // For separated modes KL → ½ log(½/σ(z)) + ½ log(½/(1 − σ(z))) (the modes' own contributions)
  const sig = (t: number) => 1 / (1 + Math.exp(-t));
  const klSeparated = zs.map((zz) => 0.5 * Math.log(0.5 / sig(zz)) + 0.5 * Math.log(0.5 / (1 - sig(zz))));

  // Monte Carlo (3.37), with 1/N, from exact draws of ρ₁; sample set r of size N from foldIn(foldIn(seed, N), r).
  const root = keyFromSeed(config.seed), mid = 0.5 * (a + b);
  const monteCarlo: FisherBlindnessMonteCarlo[] = config.sampleSizes.map((N) => {
    const R = config.repeats, F = zs.map(() => new Float64Array(R)), K = zs.map(() => new Float64Array(R));
    let near = 0;
    for (let r = 0; r < R; r++) {
      const x = mix.energy.sample!(streamFromKey(foldIn(foldIn(root, N), r)), Float64Array.of(a, b, 0), N, new Float64Array(N));
      for (let i = 0; i < N; i++) if (Math.abs(x[i]! - mid) < 2.5) near++;
      const pts: WeightedPoints = { x, n: N, d: 1 };
      zs.forEach((zz, k) => {
        F[k]![r] = fisherDivergence(rho1Score, mix.score(zz), pts);
        K[k]![r] = klDivergence(rho1Log, mix.logDensity(zz), pts);
      });
    }
    const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / v.length;
    const sd = (v: Float64Array) => { const mu = mean(v); return v.length > 1 ? Math.sqrt(v.reduce((s, t) => s + (t - mu) ** 2, 0) / (v.length - 1)) : 0; };
    const median = (v: Float64Array) => { const t = Float64Array.from(v).sort(); const h = t.length >> 1; return t.length % 2 ? t[h]! : 0.5 * (t[h - 1]! + t[h]!); };
    return {
      N, fisherMean: F.map(mean), fisherSd: F.map(sd), fisherMedian: F.map(median), klMean: K.map(mean), klSd: K.map(sd),
      fisherRun0: F.map((v) => v[0]!), klRun0: K.map((v) => v[0]!), fractionNearMidpoint: near / (N * R),
    };
  });

  const table = [1, 2, 5, 10].filter((t) => t <= config.zMax).map((t) => {
    const k = zs.reduce((best, zz, i) => (Math.abs(zz - t) < Math.abs(zs[best]! - t) ? i : best), 0);
    return { z: zs[k]!, fisher: exactFisher[k]!, kl: exactKl[k]!, ratio: exactFisher[k]! / exactKl[k]! };
  });
  const files = writeFigures(config, zs, exactFisher, exactKl, monteCarlo, options.out);
  const result: FisherBlindnessResult = {
    config, z: zs, exact: { fisher: exactFisher, kl: exactKl, klSeparatedModes: klSeparated }, monteCarlo, table, files,
    seconds: (performance.now() - t0) / 1000,
  };
  const resultsFile = join(options.out, 'results.json');
  writeJson(resultsFile, result);
  files.push(resultsFile);
  log(formatFisherBlindnessSummary(result));
  return result;
}

function writeFigures(config: FisherBlindnessConfig, zs: number[], F: number[], K: number[], mc: FisherBlindnessMonteCarlo[], out: string): string[] {
  const series = (pick: 'fisher' | 'kl', exact: number[], positive: boolean): LineSeries[] => [
    { name: 'exact (quadrature)', x: zs, y: exact, color: '#000000' },
    ...mc.map((r) => {
      const mean = pick === 'fisher' ? r.fisherMean : r.klMean, sd = pick === 'fisher' ? r.fisherSd : r.klSd;
      const lower = mean.map((v, k) => v - sd[k]!).map((v) => (positive && v <= 0 ? NaN : v));
      return { name: `N = ${r.N} (mean ± sd, ${config.repeats} sets)`, x: zs, y: mean, lower, upper: mean.map((v, k) => v + sd[k]!), markers: false };
    }),
  ];
  const run0 = (pick: 'fisher' | 'kl'): LineSeries[] => mc.map((r) => ({ name: `N = ${r.N}`, x: zs, y: pick === 'fisher' ? r.fisherRun0 : r.klRun0 }));
  const files = [join(out, 'fig4.svg'), join(out, 'fig4-log.svg'), join(out, 'fig4-one-realization.svg')];
  writeSvg(files[0]!, composeFigure([
    linePlot(series('kl', K, false), { title: 'D_KL(ρ₁‖ρ₂)', xLabel: 'z', yLabel: 'KL', legend: 'top-left' }),
    linePlot(series('fisher', F, false), { title: 'D_F(ρ₁‖ρ₂)', xLabel: 'z', yLabel: 'Fisher', legend: 'top-left' }),
  ], { title: config.title }));
  const medians: LineSeries[] = mc.map((r, i) => ({ name: `N = ${r.N}, median`, x: zs, y: r.fisherMedian, dash: '5 3', color: PALETTE[(i + 1) % PALETTE.length]! }));
  const withColors = (s: LineSeries[]) => s.map((t, i) => (i === 0 ? t : { ...t, color: PALETTE[i % PALETTE.length]! }));
  writeSvg(files[1]!, composeFigure([
    linePlot(withColors(series('kl', K, true)), { title: 'D_KL(ρ₁‖ρ₂), log scale', xLabel: 'z', yLabel: 'KL', logY: true, legend: 'bottom-right' }),
    linePlot([...withColors(series('fisher', F, true)), ...medians], { title: 'D_F(ρ₁‖ρ₂), log scale', xLabel: 'z', yLabel: 'Fisher', logY: true, legend: 'bottom-right' }),
  ], { title: `${config.title} (log y)` }));
  writeSvg(files[2]!, composeFigure([
    linePlot([{ name: 'exact', x: zs, y: K, color: '#000000' }, ...run0('kl')], { title: 'D_KL, one sample set per N', xLabel: 'z', yLabel: 'KL', legend: 'top-left' }),
    linePlot([{ name: 'exact', x: zs, y: F, color: '#000000' }, ...run0('fisher')], { title: 'D_F, one sample set per N', xLabel: 'z', yLabel: 'Fisher', legend: 'top-left' }),
  ], { title: `${config.title}: one realization (as in the paper)` }));
  return files;
}

export function formatFisherBlindnessSummary(r: FisherBlindnessResult): string {
  const e = (v: number) => v.toExponential(3);
  const last = r.z.length - 1;
  return [
    ...r.table.map((t) => `  z = ${t.z.toFixed(2)}: exact D_F = ${e(t.fisher)}, exact KL = ${e(t.kl)}, D_F/KL = ${e(t.ratio)}`),
    ...r.monteCarlo.map((m) => `  N = ${m.N}: at z = ${r.z[last]!.toFixed(1)} D_F ≈ ${e(m.fisherMean[last]!)} ± ${e(m.fisherSd[last]!)} (median ${e(m.fisherMedian[last]!)}), KL ≈ ${e(m.klMean[last]!)} ± ${e(m.klSd[last]!)}; draws near the midpoint ${(100 * m.fractionNearMidpoint).toFixed(3)}%`),
    `  ${r.seconds.toFixed(1)} s`,
  ].join('\n');
}
