/**
 * Normals per second (issue 2: target ≥ 150 million per second on one core). The unit of work is one fill of a
 * 5·10⁵ buffer: 10⁴ walkers × d = 50, the noise of one ULA step of the paper's experiment (004 §4.1, App. B.1).
 *
 * Cases, all timed in the same run:
 *   - ours: `normals` (128-layer ziggurat with xoshiro128** inlined on locals, src/rng/normal.ts) — the reference;
 *   - ours, scalar: `normal(stream)` in a loop (the same draws through the RandomGenerator-style `next()` call);
 *   - Box–Muller on our uniforms (`uniformOpen`, `uniform`: 53-bit doubles, four words per pair of normals);
 *   - the same 128-layer ziggurat driven by pure-rand's `xoroshiro128plus` (`next()`, pure-rand 8 mutates in place);
 *   - Box–Muller on pure-rand's `xoroshiro128plus` with its `uniformFloat64`;
 *   - Box–Muller on `Math.random` (a reference only: the library never calls it).
 * The check column gives the moments of the last buffer and their z-scores against N(0, 1), so that a fast but broken
 * generator shows.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { keyFromSeed, foldIn, normal, normals, streamFromKey, uniform, uniformOpen, type Stream } from '../src/rng/index.js';
import { ZIGGURAT_TABLES } from '../src/rng/normal.js';
import {
  isMain,
  machine,
  machineLine,
  millions,
  printJsonLine,
  printTable,
  runSuite,
  standardNormalCheck,
  type BenchCase,
  type CaseResult,
  type SuiteOptions,
} from './harness.js';

/** Normals per buffer: 10⁴ walkers × d = 50, one ULA step of 004 §4.1. */
export const NORMALS_PER_ITERATION = 500_000;
/** Issue 2's target rate for `normals` on one core. */
export const TARGET_NORMALS_PER_SECOND = 150e6;

const TWO_PI = 2 * Math.PI;

// ---------------------------------------------------------------------------------------------------------------
// A reference ziggurat on any pure-rand generator: the same 128-layer tables as src/rng/normal.ts (Marsaglia & Tsang
// 2000). It differs from ours only in where the 32-bit words come from, so the ratio measures the generator and the
// call overhead.
const { layers: LAYERS, r: R, k: K, w: W, f: F } = ZIGGURAT_TABLES;

function zigguratSlow(rng: RandomGenerator, j: number, i: number): number {
  for (;;) {
    if (i === 0) {
      let x: number, y: number;
      do {
        x = -Math.log(1 - uniformFloat64(rng)) / R; // 1 − u ∈ (0, 1]: log finite
        y = -Math.log(1 - uniformFloat64(rng));
      } while (y + y < x * x);
      return j > 0 ? R + x : -R - x;
    }
    const x = j * W[i]!;
    if (F[i]! + uniformFloat64(rng) * (F[i - 1]! - F[i]!) < Math.exp(-0.5 * x * x)) return x;
    j = rng.next();
    i = j & (LAYERS - 1);
    if (Math.abs(j) < K[i]!) return j * W[i]!;
  }
}

function zigguratFill(rng: RandomGenerator, out: Float64Array): void {
  for (let p = 0; p < out.length; p++) {
    const j = rng.next();
    const i = j & (LAYERS - 1);
    out[p] = Math.abs(j) < K[i]! ? j * W[i]! : zigguratSlow(rng, j, i);
  }
}

/*
 * Box–Muller: (u₁, u₂) ↦ √(−2 log u₁)·(cos 2πu₂, sin 2πu₂) with u₁ ∈ (0, 1], u₂ ∈ [0, 1). One loop per uniform source,
 * written out rather than shared through a callback, so that each call site stays monomorphic and the comparison
 * measures the generators, not a polymorphic call. They fill pairs: the buffers here have an even length.
 */
function boxMullerOurs(stream: Stream, out: Float64Array): void {
  for (let p = 0; p + 1 < out.length; p += 2) {
    const r = Math.sqrt(-2 * Math.log(uniformOpen(stream)));
    const t = TWO_PI * uniform(stream);
    out[p] = r * Math.cos(t);
    out[p + 1] = r * Math.sin(t);
  }
}

function boxMullerPureRand(rng: RandomGenerator, out: Float64Array): void {
  for (let p = 0; p + 1 < out.length; p += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng)));
    const t = TWO_PI * uniformFloat64(rng);
    out[p] = r * Math.cos(t);
    out[p + 1] = r * Math.sin(t);
  }
}

function boxMullerMathRandom(out: Float64Array): void {
  for (let p = 0; p + 1 < out.length; p += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const t = TWO_PI * Math.random();
    out[p] = r * Math.cos(t);
    out[p + 1] = r * Math.sin(t);
  }
}

export interface RngBenchReport {
  readonly machine: ReturnType<typeof machine>;
  readonly normalsPerIteration: number;
  readonly targetNormalsPerSecond: number;
  readonly results: readonly CaseResult[];
}

export async function rngBench(options: SuiteOptions = {}): Promise<RngBenchReport> {
  const n = NORMALS_PER_ITERATION;
  const root = keyFromSeed(20240601);
  // Each case gets its own buffer and generator, made once: the timed function only draws.
  const bufOurs = new Float64Array(n);
  const bufScalar = new Float64Array(n);
  const bufBoxMuller = new Float64Array(n);
  const bufPrZig = new Float64Array(n);
  const bufPrBox = new Float64Array(n);
  const bufMath = new Float64Array(n);
  const sOurs = streamFromKey(foldIn(root, 0));
  const sScalar = streamFromKey(foldIn(root, 1));
  const sBox = streamFromKey(foldIn(root, 2));
  const prZig = xoroshiro128plus(3);
  const prBox = xoroshiro128plus(4);

  const cases: BenchCase[] = [
    {
      name: 'normals: ziggurat, xoshiro128** inlined (ours)',
      items: n,
      reference: true,
      fn: () => normals(sOurs, bufOurs),
      check: () => standardNormalCheck(bufOurs),
    },
    {
      name: 'normal() loop: ziggurat, xoshiro128** next()',
      items: n,
      fn: () => {
        for (let p = 0; p < n; p++) bufScalar[p] = normal(sScalar);
      },
      check: () => standardNormalCheck(bufScalar),
    },
    {
      name: 'Box–Muller on our uniformOpen/uniform',
      items: n,
      fn: () => boxMullerOurs(sBox, bufBoxMuller),
      check: () => standardNormalCheck(bufBoxMuller),
    },
    {
      name: 'ziggurat on pure-rand xoroshiro128plus next()',
      items: n,
      fn: () => zigguratFill(prZig, bufPrZig),
      check: () => standardNormalCheck(bufPrZig),
    },
    {
      name: 'Box–Muller on pure-rand xoroshiro128plus uniformFloat64',
      items: n,
      fn: () => boxMullerPureRand(prBox, bufPrBox),
      check: () => standardNormalCheck(bufPrBox),
    },
    {
      name: 'Box–Muller on Math.random (reference only)',
      items: n,
      fn: () => boxMullerMathRandom(bufMath),
      check: () => standardNormalCheck(bufMath),
    },
  ];
  const results = await runSuite('rng', cases, { timeMs: 500, warmupMs: 150, iterations: 10, rounds: 3, ...options });
  return { machine: machine(), normalsPerIteration: n, targetNormalsPerSecond: TARGET_NORMALS_PER_SECOND, results };
}

export function printRngReport(report: RngBenchReport): void {
  console.log(`\n# rng: standard normals per second, ${report.normalsPerIteration.toLocaleString('en-US')} per call`);
  console.log('ms/call: the best round\'s median; worst round: the slowest round\'s median (load on the machine)');
  console.log(machineLine(report.machine));
  printTable([
    ['case', 'ms/call', 'worst round', 'M normals/s', 'vs ours', 'calls', 'check of last buffer'],
    ...report.results.map((r) => [
      r.name,
      r.medianMs.toFixed(3),
      r.worstRoundMedianMs.toFixed(3),
      millions(r.itemsPerSecond),
      r.ratio.toFixed(3),
      String(r.samples),
      r.check,
    ]),
  ]);
  const ours = report.results.find((r) => r.reference)!;
  const verdict = ours.itemsPerSecond >= report.targetNormalsPerSecond ? 'meets' : 'MISSES';
  console.log(`normals ${millions(ours.itemsPerSecond)} M/s ${verdict} the target of ${millions(report.targetNormalsPerSecond)} M/s`);
  printJsonLine({
    bench: 'rng',
    machine: report.machine,
    normalsPerIteration: report.normalsPerIteration,
    targetNormalsPerSecond: report.targetNormalsPerSecond,
    meetsTarget: ours.itemsPerSecond >= report.targetNormalsPerSecond,
    results: report.results.map((r) => ({
      name: r.name,
      normalsPerSecond: Math.round(r.itemsPerSecond),
      ratioToOurs: Number(r.ratio.toFixed(4)),
      medianMs: Number(r.medianMs.toFixed(4)),
      worstRoundMedianMs: Number(r.worstRoundMedianMs.toFixed(4)),
    })),
  });
}

if (isMain(import.meta.url)) {
  printRngReport(await rngBench());
}
