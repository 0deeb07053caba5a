/**
 * Walker-steps per second of ULA (001 (4.10)), MALA (001 Def. 4.4) and HMC (000 (16)-(20)) with n = 10⁴ walkers in
 * d = 50 (issue 2, bench item 7), on two targets:
 *   - a Gaussian with full covariance Σ₀ᵢⱼ = 0.5^{|i−j|} (eigenvalues in [1/3, 3]), μ = 0 — `gaussianEnergy`, whose
 *     U and ∇U cost one d×d mat-vec per walker;
 *   - the paper's two-mode mixture 004 (15) with the teacher of 004 App. B.1: a = −10 e₁, b = 6 e₁, z = −log 3.
 * ULA and MALA use the paper's h = 0.1 (004 §4.1); HMC uses ε = 0.2, L = 10, so one HMC walker-step costs 10
 * gradient evaluations (the "grads/s" column counts walker-gradients).
 *
 * Every sampler updates its state in place (out = state, what long runs do), starting from exact draws of the target.
 * The reference of each suite, timed in the same run, is a plain fused JS loop computing the same ULA update: one
 * `normals` call for the step's noise, then one pass per walker that moves it and evaluates U and ∇U inline (no
 * sampler or energy layers, no argument checks). Before timing, one step of the reference and of `ula` from the same
 * state and stream are compared: they must agree to 1e-12, or the bench stops (the floor must compute the same thing).
 */
import { bind, gaussianEnergy, gaussianTheta, twoModeMixtureEnergy, twoModeTheta, type Energy } from '../src/energies/index.js';
import { foldIn, keyFromSeed, normals, streamFromKey, type Stream } from '../src/rng/index.js';
// One algorithm per file (STYLE.md): imported from their files, so the bench does not depend on the index's state.
import { hmc } from '../src/samplers/hmc.js';
import { mala } from '../src/samplers/mala.js';
import type { AcceptInfo, Sampler, WalkerState } from '../src/samplers/types.js';
import { ula } from '../src/samplers/ula.js';
import {
  isMain,
  machine,
  machineLine,
  millions,
  printJsonLine,
  printTable,
  runSuite,
  type BenchCase,
  type CaseResult,
  type SuiteOptions,
} from './harness.js';

export const WALKERS = 10_000;
export const DIM = 50;
/** ULA / MALA step, 004 §4.1 */
export const ULA_STEP = 0.1;
export const HMC_STEP = 0.2;
export const HMC_LEAPFROG_STEPS = 10;
const AR_CORRELATION = 0.5;

type StepFn = (stream: Stream, state: WalkerState) => void;

/** Σ₀ᵢⱼ = ρ^{|i−j|} (Kac–Murdock–Szegő): SPD for |ρ| < 1, and its inverse is known in closed form (tridiagonal). */
function arCovariance(d: number, rho: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] = rho ** Math.abs(i - j);
  return c;
}

/** Its inverse: (1 − ρ²)⁻¹ times tridiag(−ρ; 1, 1 + ρ², …, 1 + ρ², 1; −ρ), stored dense as the energy's P₀ is. */
function arPrecision(d: number, rho: number): Float64Array {
  const p = new Float64Array(d * d);
  const s = 1 / (1 - rho * rho);
  for (let i = 0; i < d; i++) {
    p[i * d + i] = (i === 0 || i === d - 1 ? 1 : 1 + rho * rho) * s;
    if (i + 1 < d) {
      p[i * d + i + 1] = -rho * s;
      p[(i + 1) * d + i] = -rho * s;
    }
  }
  return p;
}

/**
 * The fused ULA floor on N(μ, Σ) with precision P (dense, as in `gaussianEnergy`): x' = x − h∇U + √(2h)ξ, then
 * r = x' − μ, ∇U = P r, U = ½ rᵀ P r, walker by walker, in the same arithmetic order as the energy.
 */
function fusedUlaGaussian(n: number, d: number, h: number, mean: Float64Array, prec: Float64Array): StepFn {
  const noise = new Float64Array(n * d);
  const r = new Float64Array(d);
  const b = Math.sqrt(2 * h);
  return (stream, state) => {
    normals(stream, noise, 0, n * d);
    const x = state.x, g = state.grad, u = state.u;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) {
        const xn = x[o + j]! - h * g[o + j]! + b * noise[o + j]!; // 001 (4.10)
        x[o + j] = xn;
        r[j] = xn - mean[j]!;
      }
      let q = 0;
      for (let a = 0; a < d; a++) {
        let s = 0;
        const row = a * d;
        for (let c = 0; c < d; c++) s += prec[row + c]! * r[c]!;
        g[o + a] = s;
        q += r[a]! * s;
      }
      u[i] = 0.5 * q;
    }
  };
}

/**
 * The fused ULA floor on 004 (15): x' = x − h∇U + √(2h)ξ, then E_a, E_b, U = −log(e^{−E_a} + e^{−E_b}) and
 * ∇U = w_a (x − a) + w_b (x − b), walker by walker.
 */
function fusedUlaMixture(n: number, d: number, h: number, a: Float64Array, bMean: Float64Array, z: number): StepFn {
  const noise = new Float64Array(n * d);
  const b = Math.sqrt(2 * h);
  return (stream, state) => {
    normals(stream, noise, 0, n * d);
    const x = state.x, g = state.grad, u = state.u;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let sa = 0, sb = 0;
      for (let j = 0; j < d; j++) {
        const xn = x[o + j]! - h * g[o + j]! + b * noise[o + j]!; // 001 (4.10)
        x[o + j] = xn;
        const da = xn - a[j]!, db = xn - bMean[j]!;
        sa += da * da;
        sb += db * db;
      }
      const ea = 0.5 * sa, eb = 0.5 * sb + z;
      const diff = ea - eb;
      u[i] = (diff < 0 ? ea : eb) - Math.log1p(Math.exp(-Math.abs(diff)));
      const wb = 1 / (1 + Math.exp(-diff)); // w_b = σ(E_a − E_b)
      const wa = 1 - wb;
      for (let j = 0; j < d; j++) {
        const xj = x[o + j]!;
        g[o + j] = wa * (xj - a[j]!) + wb * (xj - bMean[j]!);
      }
    }
  };
}

function copyState(s: WalkerState): WalkerState {
  return { n: s.n, d: s.d, x: Float64Array.from(s.x), u: Float64Array.from(s.u), grad: Float64Array.from(s.grad) };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
  return m;
}

/** One step of `ula` and of the fused loop from the same state and stream must agree: else the floor is not a floor. */
function checkFusedAgainstUla(target: string, sampler: Sampler<void>, fused: StepFn, init: WalkerState, stream: Stream): number {
  const viaSampler = copyState(init);
  const viaFused = copyState(init);
  sampler.step(stream.clone(), viaSampler, viaSampler);
  fused(stream.clone(), viaFused);
  const diff = Math.max(
    maxAbsDiff(viaSampler.x, viaFused.x),
    maxAbsDiff(viaSampler.u, viaFused.u),
    maxAbsDiff(viaSampler.grad, viaFused.grad),
  );
  if (!(diff <= 1e-12)) throw new Error(`${target}: the fused ULA loop disagrees with ula() by ${diff} (relative)`);
  return diff;
}

function meanOf(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

interface Target {
  readonly name: string;
  readonly energy: Energy;
  readonly theta: Float64Array;
  readonly fused: (n: number) => StepFn;
}

function gaussianTarget(d: number): Target {
  const mean = new Float64Array(d);
  const prec = arPrecision(d, AR_CORRELATION);
  return {
    name: `Gaussian d=${d}, Σ₀ᵢⱼ = ${AR_CORRELATION}^|i−j|`,
    energy: gaussianEnergy(arCovariance(d, AR_CORRELATION), d),
    theta: gaussianTheta(mean, 0),
    fused: (n) => fusedUlaGaussian(n, d, ULA_STEP, mean, prec),
  };
}

function mixtureTarget(d: number): Target {
  const a = new Float64Array(d);
  const b = new Float64Array(d);
  a[0] = -10; // 004 App. B.1 teacher
  b[0] = 6;
  const z = -Math.log(3);
  return {
    name: `two-mode mixture 004 (15) d=${d}, a₁=−10, b₁=6, z=−log 3`,
    energy: twoModeMixtureEnergy(d),
    theta: twoModeTheta(a, b, z),
    fused: (n) => fusedUlaMixture(n, d, ULA_STEP, a, b, z),
  };
}

export interface SamplerSuiteReport {
  readonly target: string;
  readonly walkers: number;
  readonly dim: number;
  /** the fused loop vs `ula` after one step from the same state and stream (max relative difference) */
  readonly fusedVsUlaDifference: number;
  readonly results: readonly (CaseResult & { readonly gradsPerStep: number })[];
}

export interface SamplersBenchReport {
  readonly machine: ReturnType<typeof machine>;
  readonly suites: readonly SamplerSuiteReport[];
}

async function targetSuite(target: Target, n: number, seed: number, options: SuiteOptions): Promise<SamplerSuiteReport> {
  const d = target.energy.dim;
  const root = foldIn(keyFromSeed(20240602), seed);
  const potential = bind(target.energy, target.theta);
  const sample = target.energy.sample;
  if (sample === undefined) throw new Error(`${target.name}: the energy has no exact sampler to start from`);
  const x0 = sample(streamFromKey(foldIn(root, 0)), target.theta, n, new Float64Array(n * d));

  const ulaSampler = ula(potential, n, ULA_STEP);
  const malaSampler = mala(potential, n, ULA_STEP);
  const hmcSampler = hmc(potential, n, { stepSize: HMC_STEP, steps: HMC_LEAPFROG_STEPS });
  const fused = target.fused(n);
  const init = ulaSampler.init(x0);
  const diff = checkFusedAgainstUla(target.name, ulaSampler, fused, init, streamFromKey(foldIn(root, 1)));

  // Each case owns its state and stream, made here; the timed function is one in-place step of all n walkers.
  const sFused = copyState(init), sUla = copyState(init), sMala = copyState(init), sHmc = copyState(init);
  const rFused = streamFromKey(foldIn(root, 2)), rUla = streamFromKey(foldIn(root, 3));
  const rMala = streamFromKey(foldIn(root, 4)), rHmc = streamFromKey(foldIn(root, 5));
  let malaInfo: AcceptInfo | undefined;
  let hmcInfo: AcceptInfo | undefined;
  const rate = (info: AcceptInfo | undefined): string => (info === undefined ? '' : `acceptance ${info.acceptRate.toFixed(3)}, `);

  const cases: (BenchCase & { gradsPerStep: number })[] = [
    {
      name: 'fused ULA loop (floor)',
      items: n,
      gradsPerStep: 1,
      reference: true,
      fn: () => fused(rFused, sFused),
      check: () => `mean U ${meanOf(sFused.u).toFixed(2)}`,
    },
    {
      name: ulaSampler.name,
      items: n,
      gradsPerStep: 1,
      fn: () => ulaSampler.step(rUla, sUla, sUla),
      check: () => `mean U ${meanOf(sUla.u).toFixed(2)}`,
    },
    {
      name: malaSampler.name,
      items: n,
      gradsPerStep: 1,
      fn: () => {
        malaInfo = malaSampler.step(rMala, sMala, sMala);
      },
      check: () => `${rate(malaInfo)}mean U ${meanOf(sMala.u).toFixed(2)}`,
    },
    {
      name: hmcSampler.name,
      items: n,
      gradsPerStep: HMC_LEAPFROG_STEPS,
      fn: () => {
        hmcInfo = hmcSampler.step(rHmc, sHmc, sHmc);
      },
      check: () => `${rate(hmcInfo)}mean U ${meanOf(sHmc.u).toFixed(2)}`,
    },
  ];
  const results = await runSuite(`samplers: ${target.name}`, cases, options);
  return {
    target: target.name,
    walkers: n,
    dim: d,
    fusedVsUlaDifference: diff,
    results: results.map((r, i) => ({ ...r, gradsPerStep: cases[i]!.gradsPerStep })),
  };
}

export async function samplersBench(options: SuiteOptions = {}): Promise<SamplersBenchReport> {
  const opts: SuiteOptions = { timeMs: 600, warmupMs: 200, iterations: 3, rounds: 3, ...options };
  const suites = [
    await targetSuite(gaussianTarget(DIM), WALKERS, 0, opts),
    await targetSuite(mixtureTarget(DIM), WALKERS, 1, opts),
  ];
  return { machine: machine(), suites };
}

export function printSamplersReport(report: SamplersBenchReport): void {
  for (const s of report.suites) {
    console.log(`\n# samplers: ${s.target}; n = ${s.walkers.toLocaleString('en-US')} walkers, walker-steps per second`);
    console.log(machineLine(report.machine));
    console.log('ms/step: the best round\'s median; worst round: the slowest round\'s median (load on the machine)');
    printTable([
      ['case', 'ms/step', 'worst round', 'M walker-steps/s', 'M grads/s', 'vs floor', 'steps', 'check'],
      ...s.results.map((r) => [
        r.name,
        r.medianMs.toFixed(2),
        r.worstRoundMedianMs.toFixed(2),
        millions(r.itemsPerSecond),
        millions(r.itemsPerSecond * r.gradsPerStep),
        r.ratio.toFixed(3),
        String(r.samples),
        r.check,
      ]),
    ]);
    console.log(`fused floor vs ula() after one step from the same state and stream: max relative difference ${s.fusedVsUlaDifference.toExponential(1)}`);
  }
  printJsonLine({
    bench: 'samplers',
    machine: report.machine,
    suites: report.suites.map((s) => ({
      target: s.target,
      walkers: s.walkers,
      dim: s.dim,
      fusedVsUlaDifference: s.fusedVsUlaDifference,
      results: s.results.map((r) => ({
        name: r.name,
        walkerStepsPerSecond: Math.round(r.itemsPerSecond),
        gradientsPerSecond: Math.round(r.itemsPerSecond * r.gradsPerStep),
        ratioToFusedFloor: Number(r.ratio.toFixed(4)),
        medianMs: Number(r.medianMs.toFixed(3)),
        worstRoundMedianMs: Number(r.worstRoundMedianMs.toFixed(3)),
      })),
    })),
  });
}

if (isMain(import.meta.url)) {
  printSamplersReport(await samplersBench());
}
