/**
 * Score matching on the paper's two-mode mixture (004 (15), §4.1; 001 Remark 3.1; 004 §1: score-based methods "are
 * provably unable to learn the relative weights of modes when they are separated by low-density regions").
 *
 * Data: n exact draws from ρ* = 004 (15) in 1-D with θ* = [a*, b*, z*] (mass p* = 1/(1 + e^{−z*}) on mode a*). Model:
 * the score of the same family, s_θ(x) = −∂ₓU_θ(x) (src/score/model.ts, gaussianMixtureScoreModel(2, 1) with logits
 * [0, −z]), θ = [a, b, z]. Each run fits θ by full-batch gradient descent (src/training/optimizers.ts `sgd`) on
 *   'ism'      002 J̃(θ) = (1/n) Σ [½ s_θ(x_i)² + ∂ₓ s_θ(x_i)]                  (Hyvärinen; 001 (3.38) with its ½)
 *   'dsm'      ½ · 002 J_DSM(θ) with the Gaussian kernel of width σ, fresh noise each iteration
 *   'esm-kde'  002 J(θ) = ½ (1/n) Σ |s_θ(x_i) − ∇ log f̂(x_i)|², f̂ the Gaussian Parzen estimate of the data (002)
 * and reports the fitted a, b, z (and p = σ(z)) against the truth and against the data's own mode mass p̂ (the fraction
 * of draws closer to a*: what a likelihood fit would recover). Each case sets a separation; well separated modes
 * (004 B.1's a* = −10, b* = 6) show the blindness, overlapping ones (a control) show that the same code learns z.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { twoModeMixtureEnergy } from '../../src/energies/two-mode-mixture.js';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { kdeScore, parzenKde } from '../../src/score/kde.js';
import { gaussianMixtureScoreModel, mixtureScoreTheta } from '../../src/score/model.js';
import { denoisingScoreMatching, explicitScoreMatching, implicitScoreMatching, type WeightedPoints } from '../../src/score/objectives.js';
import { sgd } from '../../src/training/optimizers.js';
import { writeJson } from '../../src/io/json.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

const METHODS = ['ism', 'dsm', 'esm-kde'] as const;
export type ScoreMatchingMethod = (typeof METHODS)[number];

const caseSchema = z.object({
  name: z.string(),
  /** the teacher θ* = [a*, b*, z*] of 004 (15) */
  a: z.number(),
  b: z.number(),
  zStar: z.number(),
  /** the initial θ of every run */
  a0: z.number(),
  b0: z.number(),
  z0: z.number().default(0),
}).strict();

export const scoreMatchingConfigSchema = z.object({
  experiment: z.literal('score-matching'),
  title: z.string().default('Score matching on the two-mode mixture 004 (15): modes learned, weights not'),
  cases: z.array(caseSchema).min(1),
  methods: z.array(z.enum(METHODS)).min(1).default([...METHODS]),
  /** data points per run */
  dataSize: z.number().int().positive(),
  runs: z.number().int().positive(),
  iterations: z.number().int().positive(),
  /** gradient-descent rate γ (θ ← θ − γ ∇J) */
  learningRate: z.number().positive(),
  /** DSM noise σ (002, Gaussian kernel) */
  sigma: z.number().positive().default(0.3),
  /** Parzen bandwidth h of the ESM target */
  bandwidth: z.number().positive().default(0.3),
  /** record θ every this many iterations (run 0's trace is plotted) */
  recordEvery: z.number().int().positive().default(10),
  seed: z.number().int().nonnegative().default(1),
}).strict().superRefine((c, ctx) => {
  if (new Set(c.methods).size !== c.methods.length) ctx.addIssue({ code: 'custom', path: ['methods'], message: 'methods must not repeat' });
  c.cases.forEach((k, i) => {
    if (!(k.a < k.b)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'b'], message: `b must be greater than a, got a = ${k.a}, b = ${k.b}` });
  });
});

export type ScoreMatchingConfig = z.infer<typeof scoreMatchingConfigSchema>;

export function parseScoreMatchingConfig(value: unknown, source = 'config'): ScoreMatchingConfig {
  const parsed = scoreMatchingConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

export interface ScoreMatchingRun {
  readonly run: number;
  /** fraction of the data closer to a* than to b* (the realized p̂) */
  readonly pHatData: number;
  readonly a: number;
  readonly b: number;
  readonly z: number;
  /** p = σ(z), the fitted mass of mode a */
  readonly p: number;
  readonly finalLoss: number;
  /** |∂J/∂z| at the start, on the data */
  readonly initialZGradient: number;
  /** ∇J = [∂a, ∂b, ∂z] at the fitted θ (stochastic for DSM) */
  readonly finalGradient: number[];
}

export interface ScoreMatchingSummary {
  readonly case: string;
  readonly method: ScoreMatchingMethod;
  readonly truth: { a: number; b: number; z: number; p: number };
  readonly initial: { a: number; b: number; z: number; p: number };
  readonly runs: ScoreMatchingRun[];
  readonly mean: { a: number; b: number; z: number; p: number; pHatData: number };
  readonly sd: { a: number; b: number; z: number; p: number };
  /** run 0: t and θ = [a, b, z] every recordEvery iterations */
  readonly trace: { t: number[]; a: number[]; b: number[]; z: number[] };
}

export interface ScoreMatchingResult {
  readonly config: ScoreMatchingConfig;
  readonly summaries: ScoreMatchingSummary[];
  readonly files: string[];
  readonly seconds: number;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

export function runScoreMatching(config: ScoreMatchingConfig, options: { out: string; log?: (line: string) => void }): ScoreMatchingResult {
  config = parseScoreMatchingConfig(config);
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  mkdirSync(options.out, { recursive: true });
  const energy = twoModeMixtureEnergy(1), model = gaussianMixtureScoreModel(2, 1);
  const root = keyFromSeed(config.seed), n = config.dataSize;
  const summaries: ScoreMatchingSummary[] = [];
  // θ_model = [a, b, η_a = 0, η_b = −z]; the optimizer moves [a, b, z] (η_a stays 0: only η_a − η_b matters).
  const toModel = (th: Float64Array) => mixtureScoreTheta(Float64Array.of(th[0]!, th[1]!), Float64Array.of(0, -th[2]!));
  const gradModel = new Float64Array(4);
  const objective = (method: ScoreMatchingMethod, th: Float64Array, pts: WeightedPoints, target: Float64Array, runKey: ReturnType<typeof keyFromSeed>, k: number, grad: Float64Array): number => {
    const m = toModel(th);
    let loss: number;
    if (method === 'ism') loss = implicitScoreMatching(model, m, pts, gradModel);
    else if (method === 'esm-kde') loss = explicitScoreMatching(model, m, pts, target, gradModel);
    else {
      loss = 0.5 * denoisingScoreMatching(streamFromKey(foldIn(runKey, k)), model, m, pts, config.sigma, { perPoint: 1 }, gradModel);
      for (let j = 0; j < 4; j++) gradModel[j] = 0.5 * gradModel[j]!;
    }
    grad[0] = gradModel[0]!;
    grad[1] = gradModel[1]!;
    grad[2] = -gradModel[3]!; // ∂/∂z = −∂/∂η_b
    return loss;
  };

  config.cases.forEach((c, ci) => {
    const truth = Float64Array.of(c.a, c.b, c.zStar), mid = 0.5 * (c.a + c.b);
    config.methods.forEach((method, mi) => {
      const runs: ScoreMatchingRun[] = [];
      let trace: ScoreMatchingSummary['trace'] = { t: [], a: [], b: [], z: [] };
      for (let r = 0; r < config.runs; r++) {
        // the same data set for every method of a case (foldIn(case, run)); per-method noise streams
        const data = energy.sample!(streamFromKey(foldIn(foldIn(foldIn(root, 0), ci), r)), truth, n, new Float64Array(n));
        let nearA = 0;
        for (let i = 0; i < n; i++) if (data[i]! < mid) nearA++;
        const pts: WeightedPoints = { x: data, n, d: 1 };
        const target = method === 'esm-kde'
          ? kdeScore(parzenKde(data, n, 1, { kernel: 'gaussian', bandwidth: config.bandwidth }), data, n, new Float64Array(n))
          : new Float64Array(n);
        const runKey = foldIn(foldIn(foldIn(root, 1), ci * 16 + mi), r);
        const th = Float64Array.of(c.a0, c.b0, c.z0), grad = new Float64Array(3), dir = new Float64Array(3);
        const opt = sgd(3, { lr: config.learningRate });
        const tr = { t: [] as number[], a: [] as number[], b: [] as number[], z: [] as number[] };
        let loss = objective(method, th, pts, target, runKey, 0, grad);
        const initialZGradient = Math.abs(grad[2]!);
        for (let k = 0; k <= config.iterations; k++) {
          if (k > 0) loss = objective(method, th, pts, target, runKey, k, grad);
          if (k % config.recordEvery === 0 || k === config.iterations) {
            tr.t.push(k); tr.a.push(th[0]!); tr.b.push(th[1]!); tr.z.push(th[2]!);
          }
          if (k === config.iterations) break;
          for (let j = 0; j < 3; j++) dir[j] = -grad[j]!;
          opt.step(th, dir); // θ ← θ − γ ∇J
        }
        if (r === 0) trace = tr;
        runs.push({ run: r, pHatData: nearA / n, a: th[0]!, b: th[1]!, z: th[2]!, p: sigmoid(th[2]!), finalLoss: loss, initialZGradient, finalGradient: Array.from(grad) });
      }
      const mean = (f: (x: ScoreMatchingRun) => number) => runs.reduce((s, x) => s + f(x), 0) / runs.length;
      const sd = (f: (x: ScoreMatchingRun) => number) => {
        const mu = mean(f);
        return runs.length > 1 ? Math.sqrt(runs.reduce((s, x) => s + (f(x) - mu) ** 2, 0) / (runs.length - 1)) : 0;
      };
      summaries.push({
        case: c.name, method,
        truth: { a: c.a, b: c.b, z: c.zStar, p: sigmoid(c.zStar) },
        initial: { a: c.a0, b: c.b0, z: c.z0, p: sigmoid(c.z0) },
        runs,
        mean: { a: mean((x) => x.a), b: mean((x) => x.b), z: mean((x) => x.z), p: mean((x) => x.p), pHatData: mean((x) => x.pHatData) },
        sd: { a: sd((x) => x.a), b: sd((x) => x.b), z: sd((x) => x.z), p: sd((x) => x.p) },
        trace,
      });
    });
  });
  const files = writeFigures(config, summaries, options.out);
  const result: ScoreMatchingResult = { config, summaries, files, seconds: (performance.now() - t0) / 1000 };
  const resultsFile = join(options.out, 'results.json');
  writeJson(resultsFile, result);
  files.push(resultsFile);
  log(formatScoreMatchingSummary(result));
  return result;
}

function writeFigures(config: ScoreMatchingConfig, summaries: ScoreMatchingSummary[], out: string): string[] {
  const panels: string[] = [];
  for (const c of config.cases) {
    const rows = summaries.filter((s) => s.case === c.name);
    const p: LineSeries[] = rows.map((s) => ({ name: s.method.toUpperCase(), x: s.trace.t, y: s.trace.z.map(sigmoid) }));
    const means: LineSeries[] = rows.flatMap((s, i) => [
      { name: `${s.method} a`, x: s.trace.t, y: s.trace.a, dash: i ? '4 2' : undefined },
      { name: `${s.method} b`, x: s.trace.t, y: s.trace.b, dash: i ? '4 2' : undefined },
    ].map((t) => (t.dash === undefined ? { name: t.name, x: t.x, y: t.y } : { name: t.name, x: t.x, y: t.y, dash: t.dash })));
    // p̂ (the fraction of draws below the midpoint) estimates the mode mass only when the modes are separated (≥ 6 sd)
    const pHat = rows[0]!.runs[0]!.pHatData;
    const hLines = [{ y: 1 / (1 + Math.exp(-c.zStar)), label: 'p*' }, ...(c.b - c.a >= 6 ? [{ y: pHat, label: 'p̂ (data)' }] : [])];
    panels.push(linePlot(p, {
      title: `${c.name}: mode mass p = σ(z), run 0`, xLabel: 'iteration', yLabel: 'p', yRange: [0, 1], hLines, legend: 'top-right',
    }));
    panels.push(linePlot(means, {
      title: `${c.name}: modes a, b, run 0`, xLabel: 'iteration', yLabel: 'mode', legend: 'bottom-right',
      hLines: [{ y: c.a, label: 'a*' }, { y: c.b, label: 'b*' }],
    }));
  }
  const file = join(out, 'score-matching.svg');
  writeSvg(file, composeFigure(panels, { columns: 2, title: config.title }));
  return [file];
}

export function formatScoreMatchingSummary(r: ScoreMatchingResult): string {
  const f = (v: number) => v.toFixed(3);
  return [
    ...r.summaries.map((s) =>
      `  ${s.case} / ${s.method}: a = ${f(s.mean.a)} ± ${f(s.sd.a)} (a* ${s.truth.a}), b = ${f(s.mean.b)} ± ${f(s.sd.b)} (b* ${s.truth.b}), p = ${f(s.mean.p)} ± ${f(s.sd.p)} (p* ${f(s.truth.p)}, data p̂ ${f(s.mean.pHatData)}, start ${f(s.initial.p)}); |∂J/∂z| at start ${s.runs[0]!.initialZGradient.toExponential(2)}`),
    `  ${r.seconds.toFixed(1)} s`,
  ].join('\n');
}
