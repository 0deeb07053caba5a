/**
 * The 2-D Ising model's phase transition (001 §1.2: "as the temperature decreases, there is a critical point at which
 * the system undergoes a phase transition, leading to spontaneous magnetization"): the energy (1.2) on L×L periodic
 * lattices with J = 1, h = 0, sampled by single-spin sweeps (heat bath or Metropolis) over a grid of temperatures.
 * Measured per (L, T): ⟨|m|⟩, the energy per spin ⟨U⟩/N and the susceptibility χ = N(⟨m²⟩ − ⟨|m|⟩²)/T, with
 * batch-means standard errors; the plots mark Onsager's T_c = 2/ln(1 + √2) and his infinite-lattice m(T). A small
 * lattice (default 4×4, 65 536 states) is also sampled and compared with its exact ⟨|m|⟩ and ⟨U⟩/N by enumeration.
 *
 * Each (L, T) chain has its own stream foldIn(foldIn(root, L), index of T) and starts from all spins up, so any point
 * replays alone.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { ONSAGER_TC, isingExact, isingLattice2d, onsagerMagnetization } from '../../src/physics/ising.js';
import { isingSweep } from '../../src/physics/ising-samplers.js';
import { batchMeansStandardError } from '../../src/stats/chains.js';
import { writeJson } from '../../src/io/json.js';
import { composeFigure, linePlot, writeSvg, type LineSeries } from '../../src/plot/index.js';

export const isingConfigSchema = z.object({
  experiment: z.literal('ising'),
  title: z.string().default('2-D Ising model: magnetization vs temperature (001 §1.2)'),
  /** lattice sizes L (L×L periodic) */
  sizes: z.array(z.number().int().min(2).max(256)).min(1),
  /** temperatures T (J = 1, k_B = 1) */
  temperatures: z.array(z.number().positive()).min(1),
  /** measured sweeps per (L, T), after burnIn */
  sweeps: z.number().int().min(16),
  burnIn: z.number().int().nonnegative(),
  rule: z.enum(['heat-bath', 'metropolis']).default('heat-bath'),
  /** L of the lattice checked against exact enumeration (L² ≤ 20 spins: L ≤ 4); 0 skips the check */
  exactCheckL: z.number().int().min(0).max(4).default(4),
  seed: z.number().int().nonnegative().default(1),
}).strict();

export type IsingConfig = z.infer<typeof isingConfigSchema>;

export interface IsingPoint {
  readonly L: number;
  readonly T: number;
  readonly absMagnetization: number;
  readonly absMagnetizationSE: number;
  readonly energyPerSpin: number;
  readonly energyPerSpinSE: number;
  readonly susceptibility: number;
  /** fraction of spin updates that flipped a spin */
  readonly flipRate: number;
}

export interface IsingExactCheck {
  readonly L: number;
  readonly T: number;
  readonly sampledAbsMagnetization: number;
  readonly se: number;
  readonly exactAbsMagnetization: number;
  readonly sampledEnergyPerSpin: number;
  readonly energySE: number;
  readonly exactEnergyPerSpin: number;
  /** (sampled − exact)/SE for |m| and for U/N */
  readonly zAbsMagnetization: number;
  readonly zEnergy: number;
}

export interface IsingResult {
  readonly config: IsingConfig;
  readonly criticalTemperature: number;
  readonly points: IsingPoint[];
  readonly exactCheck: IsingExactCheck[];
  readonly seconds: number;
  readonly files: string[];
}

function runChain(config: IsingConfig, L: number, T: number, ti: number) {
  const model = isingLattice2d(L);
  const stream = streamFromKey(foldIn(foldIn(keyFromSeed(config.seed), L), ti));
  const n = L * L, x = new Int8Array(n).fill(1), beta = 1 / T;
  for (let t = 0; t < config.burnIn; t++) isingSweep(stream, model, beta, x, x, config.rule);
  const absM = new Float64Array(config.sweeps), e = new Float64Array(config.sweeps);
  let flips = 0, m2 = 0;
  for (let t = 0; t < config.sweeps; t++) {
    flips += isingSweep(stream, model, beta, x, x, config.rule).flips;
    let s = 0, bonds = 0;
    for (let r = 0; r < L; r++) for (let c = 0; c < L; c++) {
      const v = x[r * L + c]!;
      s += v;
      bonds += v * (x[r * L + ((c + 1) % L)]! + x[((r + 1) % L) * L + c]!);
    }
    const m = s / n;
    absM[t] = Math.abs(m);
    m2 += m * m;
    e[t] = -bonds / n; // (1.2) with J = 1, h = 0, per spin
  }
  const K = config.sweeps;
  const meanAbs = absM.reduce((a, b) => a + b, 0) / K, meanE = e.reduce((a, b) => a + b, 0) / K;
  return {
    absMagnetization: meanAbs, absMagnetizationSE: batchMeansStandardError(absM),
    energyPerSpin: meanE, energyPerSpinSE: batchMeansStandardError(e),
    susceptibility: (n * (m2 / K - meanAbs * meanAbs)) / T,
    flipRate: flips / (K * n),
  };
}

export function runIsing(config: IsingConfig, options: { out: string; log?: (line: string) => void }): IsingResult {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  mkdirSync(options.out, { recursive: true });
  const points: IsingPoint[] = [];
  for (const L of config.sizes) {
    config.temperatures.forEach((T, ti) => points.push({ L, T, ...runChain(config, L, T, ti) }));
    log(`ising: L = ${L} done (${config.temperatures.length} temperatures × ${config.burnIn + config.sweeps} sweeps)`);
  }
  const exactCheck: IsingExactCheck[] = [];
  if (config.exactCheckL >= 2) {
    const L = config.exactCheckL, model = isingLattice2d(L), n = L * L;
    config.temperatures.forEach((T, ti) => {
      const ex = isingExact(model, 1 / T, { correlations: false });
      const r = runChain(config, L, T, 100_000 + ti);
      exactCheck.push({
        L, T, sampledAbsMagnetization: r.absMagnetization, se: r.absMagnetizationSE, exactAbsMagnetization: ex.meanAbsMagnetization,
        sampledEnergyPerSpin: r.energyPerSpin, energySE: r.energyPerSpinSE, exactEnergyPerSpin: ex.meanEnergy / n,
        zAbsMagnetization: (r.absMagnetization - ex.meanAbsMagnetization) / r.absMagnetizationSE,
        zEnergy: (r.energyPerSpin - ex.meanEnergy / n) / r.energyPerSpinSE,
      });
    });
    const worst = Math.max(...exactCheck.map((c) => Math.max(Math.abs(c.zAbsMagnetization), Math.abs(c.zEnergy))));
    log(`ising: ${L}×${L} sampled vs exact enumeration over ${exactCheck.length} temperatures: max |z| = ${worst.toFixed(2)}`);
  }
  const files = [join(options.out, 'results.json'), join(options.out, 'magnetization.svg'), join(options.out, 'ising.svg')];
  const seconds = (performance.now() - t0) / 1000;
  const result: IsingResult = { config, criticalTemperature: ONSAGER_TC, points, exactCheck, seconds, files };
  writeJson(files[0]!, result);

  const Ts = config.temperatures;
  const tLo = Math.min(...Ts), tHi = Math.max(...Ts);
  const grid = Array.from({ length: 200 }, (_, k) => tLo + ((tHi - tLo) * k) / 199);
  const tcLine = (lo: number, hi: number): LineSeries => ({ name: `T_c = ${ONSAGER_TC.toFixed(4)} (Onsager)`, x: [ONSAGER_TC, ONSAGER_TC], y: [lo, hi], color: '#000000', dash: '2 3' });
  const bySize = (f: (p: IsingPoint) => number, se?: (p: IsingPoint) => number): LineSeries[] => config.sizes.map((L) => {
    const ps = points.filter((p) => p.L === L);
    const y = ps.map(f);
    const s: LineSeries = { name: `L = ${L}`, x: ps.map((p) => p.T), y, markers: true };
    return se ? { ...s, lower: ps.map((p, i) => y[i]! - 2 * se(p)), upper: ps.map((p, i) => y[i]! + 2 * se(p)) } : s;
  });
  const magSeries: LineSeries[] = [
    ...bySize((p) => p.absMagnetization, (p) => p.absMagnetizationSE),
    { name: 'Onsager m(T), L = ∞', x: grid, y: grid.map(onsagerMagnetization), color: '#777777', dash: '6 3' },
    tcLine(0, 1),
  ];
  if (exactCheck.length) magSeries.push({ name: `exact ${config.exactCheckL}×${config.exactCheckL} (enumeration)`, x: exactCheck.map((c) => c.T), y: exactCheck.map((c) => c.exactAbsMagnetization), color: '#CC79A7', dash: '1 2' });
  const magPlot = linePlot(magSeries, { title: `⟨|m|⟩ vs T (${config.rule}, ${config.sweeps} sweeps)`, xLabel: 'T', yLabel: '⟨|m|⟩', yRange: [0, 1], legend: 'bottom-left' });
  writeSvg(files[1]!, magPlot);
  const eVals = points.map((p) => p.energyPerSpin), chi = points.map((p) => p.susceptibility);
  const ePlot = linePlot([...bySize((p) => p.energyPerSpin, (p) => p.energyPerSpinSE), tcLine(Math.min(...eVals), Math.max(...eVals))], { title: 'energy per spin ⟨U⟩/N', xLabel: 'T', yLabel: '⟨U⟩/N', legend: 'top-left' });
  const chiPlot = linePlot([...bySize((p) => p.susceptibility), tcLine(0, Math.max(...chi))], { title: 'susceptibility χ = N(⟨m²⟩ − ⟨|m|⟩²)/T', xLabel: 'T', yLabel: 'χ', legend: 'top-right' });
  writeSvg(files[2]!, composeFigure([magPlot, ePlot, chiPlot], { columns: 3, title: config.title }));
  return result;
}
