/**
 * `npm run bench:gmm`: one Algorithm-1 iteration of the paper's Gaussian-mixture experiment at paper scale (004 §4.1,
 * App. B.1: d = 50, N = n = 10⁴, h = 0.1, float64): weighted model gradient + data gradient (11), SGD step (10), ULA
 * step and Jarzynski weight update (5)-(6), ESS (13), systematic resampling when CV² > 0.05 — the trainer of
 * src/training with the fused multi-threaded engine (src/training/fused), and for comparison with one worker and with
 * the generic single-threaded engine. The reference is bench/gmm_numpy.py, a clean vectorized NumPy implementation of
 * the same iteration, run by this bench in the same session (when python3 with numpy is available). Prints a table and
 * one `BENCH_JSON {...}` line with ms per iteration and the ratio to NumPy.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench, type Task } from 'tinybench';
import { foldIn, streamFromKey } from '../src/rng/index.js';
import { createTrainer, energyDataTerm, energyEngine, sgd, type DataTerm, type WalkerEngine } from '../src/training/index.js';
import { fusedMixturePool } from '../src/training/fused/pool.js';
import { gmmConfigSchema, gmmProblem } from '../experiments/gmm/run.js';
import { isMain, machine, machineLine, printJsonLine, printTable } from './harness.js';

const config = gmmConfigSchema.parse({
  experiment: 'gmm', d: 50, dataSize: 10_000, walkers: 10_000, iterations: 1, h: 0.1,
  teacher: { a1: -10, b1: 6, z: -Math.log(3) }, init: { a1: -0.1, b1: 0.1, z: 0, perturbation: 0.01 },
  learningRate: { z: 0.125, abFactor: 0.2 },
  methods: [{ name: 'Alg. 1', algorithm: 'jarzynski', resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } }],
});

interface Variant {
  readonly name: string;
  readonly make: () => { engine: WalkerEngine; data: DataTerm; dispose: () => void };
}

function trainerFor(variant: Variant) {
  const problem = gmmProblem(config);
  const { energy, theta0 } = problem;
  const { engine, data: dataTerm, dispose } = variant.make();
  const lr = new Float64Array(2 * config.d + 1).fill(config.learningRate.z * config.learningRate.abFactor);
  lr[2 * config.d] = config.learningRate.z;
  const x0 = energy.sample!(streamFromKey(foldIn(problem.root, 7)), theta0, config.walkers, new Float64Array(config.walkers * config.d));
  const trainer = createTrainer({
    engine, data: dataTerm, optimizer: sgd(energy.paramDim, { lr }),
    options: { algorithm: 'jarzynski', h: config.h, logZ0: energy.logPartition!(theta0), resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } },
    runKey: foldIn(problem.root, 8), theta0, x0,
  });
  return { trainer, dispose };
}

export interface GmmBenchResult {
  readonly variants: { name: string; msPerIteration: number; samples: number; resampledFraction: number }[];
  readonly numpy: { msPerIteration: number; version: string } | { error: string };
}

export async function gmmBench(): Promise<GmmBenchResult> {
  const problem = gmmProblem(config);
  const threads = availableParallelism();
  const variants: Variant[] = [
    { name: `fused engine, ${threads} worker threads`, make: () => { const p = fusedMixturePool({ d: config.d, walkers: config.walkers, data: problem.data, dataSize: config.dataSize, threads }); return { engine: p.engine, data: p.data, dispose: p.dispose }; } },
    { name: 'fused engine, 1 worker thread', make: () => { const p = fusedMixturePool({ d: config.d, walkers: config.walkers, data: problem.data, dataSize: config.dataSize, threads: 1 }); return { engine: p.engine, data: p.data, dispose: p.dispose }; } },
    { name: 'generic engine (any Energy), main thread', make: () => ({ engine: energyEngine(problem.energy, config.walkers), data: energyDataTerm(problem.energy, problem.data, config.dataSize), dispose: () => {} }) },
  ];
  const results: GmmBenchResult['variants'] = [];
  for (const variant of variants) {
    const { trainer, dispose } = trainerFor(variant);
    let resampled = 0, steps = 0;
    const bench = new Bench({ time: 3000, warmupTime: 500, iterations: 50 });
    bench.add(variant.name, () => {
      if (trainer.step().resampled) resampled++;
      steps++;
    });
    await bench.run();
    const r = (bench.getTask(variant.name) as Task).result;
    if (r.state !== 'completed') throw new Error(`gmm bench: ${variant.name} ended ${r.state}`);
    results.push({ name: variant.name, msPerIteration: r.latency.p50, samples: r.latency.samplesCount, resampledFraction: resampled / Math.max(1, steps) });
    dispose();
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'gmm_numpy.py');
  const py = spawnSync('python3', [script, '150', '10'], { encoding: 'utf8' });
  let numpy: GmmBenchResult['numpy'];
  if (py.status === 0) {
    const line = JSON.parse(py.stdout.trim().split('\n').pop()!);
    numpy = { msPerIteration: line.msPerIteration, version: line.numpy };
  } else {
    numpy = { error: `python3 with numpy not available (${(py.stderr || py.error?.message || '').trim().split('\n').pop()})` };
  }
  return { variants: results, numpy };
}

export function printGmmReport(result: GmmBenchResult): void {
  console.log('\n# gmm: one Algorithm-1 iteration at paper scale (d = 50, N = n = 10⁴, float64)');
  const ref = 'msPerIteration' in result.numpy ? result.numpy.msPerIteration : NaN;
  const rows: string[][] = [['case', 'ms/iteration', 'vs NumPy', 'resampled']];
  for (const v of result.variants) rows.push([v.name, v.msPerIteration.toFixed(2), Number.isNaN(ref) ? '—' : (v.msPerIteration / ref).toFixed(3), v.resampledFraction.toFixed(2)]);
  rows.push(['NumPy reference (bench/gmm_numpy.py)', Number.isNaN(ref) ? ('error' in result.numpy ? result.numpy.error : '—') : ref.toFixed(2), '1.000', '']);
  printTable(rows);
  const best = result.variants[0]!;
  printJsonLine({
    bench: 'gmm', machine: machine(), msPerIteration: best.msPerIteration, threads: availableParallelism(),
    numpyMsPerIteration: Number.isNaN(ref) ? null : ref, ratio: Number.isNaN(ref) ? null : best.msPerIteration / ref,
    variants: result.variants, numpy: result.numpy,
  });
}

if (isMain(import.meta.url)) {
  console.log(machineLine());
  printGmmReport(await gmmBench());
}
