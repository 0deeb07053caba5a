/**
 * `ebm demo`: the samplers of src/samplers on the paper's two-mode mixture (004 (15)) in d = 2, where every answer is
 * known in closed form — the weight q = e^{−z}/(1 + e^{−z}) of mode b, the mean (1 − q) a + q b — so the table shows at
 * a glance which sampler is exact and which is biased (ULA, 001 (4.16)). The walkers start from N(0, I), away from
 * equilibrium, and each sampler runs the same number of steps from the same derived keys.
 */
import { foldIn, keyFromSeed, normals, streamFromKey, type Key } from '../rng/index.js';
import { bind, modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../energies/index.js';
import { hmc, mala, metropolisHastings, randomWalkProposal, ula, type Sampler, type WalkerState } from '../samplers/index.js';

export interface DemoOptions {
  readonly seed: number;
  readonly walkers: number;
  readonly steps: number;
  readonly log?: (line: string) => void;
}

export interface DemoRow {
  readonly sampler: string;
  readonly weightB: number;
  readonly weightBStandardError: number;
  readonly mean: readonly number[];
  /** Var(x₂): 1 under ρ_θ; ULA's stationary law has 1/(1 − h/2) along this axis (001 (4.16), both modes are N(·, I)). */
  readonly varianceX2: number;
  readonly acceptRate: number | null;
  readonly seconds: number;
}

export interface DemoResult {
  readonly target: { readonly d: number; readonly a: number[]; readonly b: number[]; readonly z: number; readonly weightB: number; readonly mean: number[]; readonly varianceX2: number };
  readonly walkers: number;
  readonly steps: number;
  readonly seed: number;
  readonly rows: DemoRow[];
}

export function runDemo(options: DemoOptions): DemoResult {
  const { seed, walkers: n, steps } = options;
  const log = options.log ?? (() => {});
  const d = 2;
  const a = new Float64Array([-1.5, 0]);
  const b = new Float64Array([1.5, 0]);
  const z = -Math.log(3); // p = 1/(1 + e^{−z}) = 1/4 on mode a, q = 3/4 on mode b, as the paper's teacher
  const energy = twoModeMixtureEnergy(d);
  const theta = twoModeTheta(a, b, z);
  const potential = bind(energy, theta);
  const q = modeWeightB(z);
  const exactMean = [(1 - q) * a[0]! + q * b[0]!, (1 - q) * a[1]! + q * b[1]!];

  const root: Key = keyFromSeed(seed);
  const x0 = normals(streamFromKey(foldIn(root, 0)), new Float64Array(n * d));
  const samplers: Array<[string, Sampler<unknown>]> = [
    ['ULA (h = 0.1)', ula(potential, n, 0.1) as Sampler<unknown>],
    ['MALA (h = 0.1)', mala(potential, n, 0.1) as Sampler<unknown>],
    ['HMC (ε = 0.3, L = 5)', hmc(potential, n, { stepSize: 0.3, steps: 5 }) as Sampler<unknown>],
    ['MH random walk (σ = 1)', metropolisHastings(potential, randomWalkProposal(d, 1), n) as Sampler<unknown>],
  ];
  const rows: DemoRow[] = [];
  samplers.forEach(([label, sampler], s) => {
    const t0 = performance.now();
    let state: WalkerState = sampler.init(x0);
    let accepted = 0;
    let counted = 0;
    const key = foldIn(root, 1 + s);
    for (let k = 0; k < steps; k++) {
      // One stream per step, so any step can be replayed on its own.
      const info = sampler.step(streamFromKey(foldIn(key, k)), state, state) as { acceptRate?: number } | undefined;
      if (info && typeof info.acceptRate === 'number') {
        accepted += info.acceptRate;
        counted++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    // Mode b is the side x₁ > 0 (the modes sit at ±1.5 on the first axis): the fraction of walkers there estimates q
    // up to the overlap of the two unit Gaussians across the midplane, Φ(−1.5) ≈ 0.067 of each — corrected exactly below.
    let onB = 0;
    const mean = [0, 0];
    for (let i = 0; i < n; i++) {
      if (state.x[i * d]! > 0) onB++;
      mean[0]! += state.x[i * d]! / n;
      mean[1]! += state.x[i * d + 1]! / n;
    }
    let varianceX2 = 0;
    for (let i = 0; i < n; i++) varianceX2 += (state.x[i * d + 1]! - mean[1]!) ** 2 / (n - 1);
    // P(x₁ > 0) = (1 − q) Φ(−1.5) + q Φ(1.5) =: (1 − q) e + q (1 − e), so q = (P − e)/(1 − 2e).
    const e = 0.0668072012688581; // Φ(−1.5)
    const frac = onB / n;
    const weightB = (frac - e) / (1 - 2 * e);
    const weightBStandardError = Math.sqrt((frac * (1 - frac)) / n) / (1 - 2 * e);
    rows.push({ sampler: label, weightB, weightBStandardError, mean, varianceX2, acceptRate: counted ? accepted / counted : null, seconds });
    log(`  ${label.padEnd(24)} q̂ = ${weightB.toFixed(4)} ± ${weightBStandardError.toFixed(4)}   mean = (${mean.map((m) => m.toFixed(3)).join(', ')})` +
      `   Var x₂ = ${varianceX2.toFixed(3)} ± ${(varianceX2 * Math.sqrt(2 / (n - 1))).toFixed(3)}` +
      `   accept = ${counted ? (accepted / counted).toFixed(3) : '  —  '}   ${seconds.toFixed(2)} s`);
  });
  return { target: { d, a: [...a], b: [...b], z, weightB: q, mean: exactMean, varianceX2: 1 }, walkers: n, steps, seed, rows };
}
