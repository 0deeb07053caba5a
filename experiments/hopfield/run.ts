/**
 * Hopfield retrieval (001 §1.2, (1.3)-(1.4)): P random patterns stored in n neurons by the Hebbian rule (1.3), cues made
 * by flipping a fraction q of a stored pattern's neurons, and the asynchronous dynamics (1.4) run to a fixed point.
 * Measured: the final overlap m = n⁻¹ Σ y_i x_i with the cued pattern, (a) against the corruption q at a fixed load
 * α = P/n, (b) against the load α at a fixed corruption, with the capacity α_c ≈ 0.138 (Amit, Gutfreund & Sompolinsky
 * 1985) marked. Each point averages `networks` independent pattern sets × `cuesPerNetwork` cues (each cue on a
 * uniformly chosen stored pattern); its stream is foldIn(foldIn(root, panel), point index), so any point replays.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey, uniform, uniformInt, type Stream } from '../../src/rng/index.js';
import { corruptPattern, hebbianCouplings, hopfieldRecall, overlap } from '../../src/physics/hopfield.js';
import { writeJson } from '../../src/io/json.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

/** The storage capacity of the Hebbian Hopfield network for random patterns (AGS 1985). */
export const HOPFIELD_CAPACITY = 0.138;

export const hopfieldConfigSchema = z.object({
  experiment: z.literal('hopfield'),
  title: z.string().default('Hopfield network: retrieval overlap vs corruption and vs load (001 (1.3)-(1.4))'),
  /** n: neurons */
  neurons: z.number().int().min(4),
  /** panel (a): corruption fractions q at load `fixedLoad` */
  corruptions: z.array(z.number().min(0).max(1)).min(1),
  fixedLoad: z.number().positive(),
  /** panel (b): loads α = P/n at corruption `fixedCorruption` */
  loads: z.array(z.number().positive()).min(1),
  fixedCorruption: z.number().min(0).max(1),
  networks: z.number().int().positive(),
  cuesPerNetwork: z.number().int().positive(),
  mode: z.enum(['async', 'sync']).default('async'),
  maxSweeps: z.number().int().positive().default(100),
  seed: z.number().int().nonnegative().default(1),
}).strict();

export type HopfieldConfig = z.infer<typeof hopfieldConfigSchema>;

export interface HopfieldPoint {
  readonly load: number;
  readonly patterns: number;
  readonly corruption: number;
  /** mean final overlap with the cued pattern and its standard error over cues */
  readonly overlap: number;
  readonly overlapSE: number;
  /** the cues' mean initial overlap 1 − 2⌊qn⌉/n */
  readonly initialOverlap: number;
  /** fraction of cues recalled exactly (m = 1) */
  readonly perfect: number;
  /** fraction of runs that reached a fixed point within maxSweeps */
  readonly converged: number;
}

export interface HopfieldResult {
  readonly config: HopfieldConfig;
  readonly capacity: number;
  readonly byCorruption: HopfieldPoint[];
  readonly byLoad: HopfieldPoint[];
  readonly seconds: number;
  readonly files: string[];
}

function point(config: HopfieldConfig, stream: Stream, load: number, corruption: number): HopfieldPoint {
  const n = config.neurons, P = Math.max(1, Math.round(load * n)), flips = Math.round(corruption * n);
  const h = new Float64Array(n), patterns = new Int8Array(P * n), cue = new Int8Array(n);
  let sum = 0, sum2 = 0, perfect = 0, converged = 0, count = 0;
  for (let net = 0; net < config.networks; net++) {
    for (let k = 0; k < P * n; k++) patterns[k] = uniform(stream) < 0.5 ? -1 : 1;
    const J = hebbianCouplings(patterns, P, n); // 001 (1.3)
    for (let c = 0; c < config.cuesPerNetwork; c++) {
      const mu = uniformInt(stream, P), y = patterns.subarray(mu * n, (mu + 1) * n);
      corruptPattern(stream, y, flips, cue);
      const r = hopfieldRecall(stream, J, h, n, cue, { mode: config.mode, maxSweeps: config.maxSweeps }); // 001 (1.4)
      const m = overlap(y, r.state);
      sum += m; sum2 += m * m; count++;
      if (m === 1) perfect++;
      if (r.converged) converged++;
    }
  }
  const mean = sum / count, variance = count > 1 ? Math.max(0, (sum2 - count * mean * mean) / (count - 1)) : 0;
  return {
    load, patterns: P, corruption, overlap: mean, overlapSE: Math.sqrt(variance / count), initialOverlap: 1 - (2 * flips) / n,
    perfect: perfect / count, converged: converged / count,
  };
}

export function runHopfield(config: HopfieldConfig, options: { out: string; log?: (line: string) => void }): HopfieldResult {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  mkdirSync(options.out, { recursive: true });
  const root = keyFromSeed(config.seed);
  const byCorruption = config.corruptions.map((q, i) => point(config, streamFromKey(foldIn(foldIn(root, 0), i)), config.fixedLoad, q));
  log(`hopfield: overlap vs corruption at α = ${config.fixedLoad} done`);
  const byLoad = config.loads.map((a, i) => point(config, streamFromKey(foldIn(foldIn(root, 1), i)), a, config.fixedCorruption));
  log(`hopfield: overlap vs load at q = ${config.fixedCorruption} done`);
  const files = [join(options.out, 'results.json'), join(options.out, 'hopfield.svg')];
  const result: HopfieldResult = { config, capacity: HOPFIELD_CAPACITY, byCorruption, byLoad, seconds: (performance.now() - t0) / 1000, files };
  writeJson(files[0]!, result);

  const band = (ps: HopfieldPoint[], x: number[]): LineSeries => ({
    name: 'final overlap m (± 2 SE)', x, y: ps.map((p) => p.overlap), lower: ps.map((p) => p.overlap - 2 * p.overlapSE), upper: ps.map((p) => p.overlap + 2 * p.overlapSE), markers: true,
  });
  const qs = byCorruption.map((p) => p.corruption), as = byLoad.map((p) => p.load);
  const panelA = linePlot([
    band(byCorruption, qs),
    { name: 'cue overlap 1 − 2q', x: qs, y: byCorruption.map((p) => p.initialOverlap), dash: '6 3', color: '#777777' },
    { name: 'fraction recalled exactly', x: qs, y: byCorruption.map((p) => p.perfect), markers: true },
  ], { title: `overlap vs corruption q (n = ${config.neurons}, α = ${config.fixedLoad})`, xLabel: 'corruption q', yLabel: 'm', yRange: [-0.2, 1], legend: 'bottom-left' });
  const panelB = linePlot([
    band(byLoad, as),
    { name: 'fraction recalled exactly', x: as, y: byLoad.map((p) => p.perfect), markers: true },
    { name: `α_c ≈ ${HOPFIELD_CAPACITY}`, x: [HOPFIELD_CAPACITY, HOPFIELD_CAPACITY], y: [0, 1], color: '#000000', dash: '2 3' },
  ], { title: `overlap vs load α = P/n (n = ${config.neurons}, q = ${config.fixedCorruption})`, xLabel: 'load α', yLabel: 'm', yRange: [0, 1], legend: 'bottom-left' });
  writeSvg(files[1]!, composeFigure([panelA, panelB], { columns: 2, title: config.title }));
  return result;
}
