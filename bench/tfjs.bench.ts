/**
 * The image energy's two hot paths (issue 6 item 6) on the wasm backend, for the paper's MNIST CNN (src/tfjs/energy.ts
 * PAPER_MNIST_ENERGY: four convolutions 1→16 k5 s2 p4, 16→32, 32→64, 64→64 k3 s2 p1, SiLU, 256→64→1; 76 993
 * parameters) at batches 64, 256 and 1024:
 *   - the ULA step: U and ∇ₓU of the batch (`valuesAndGradX`, one forward and one backward pass) and the move
 *     x − h∇ₓU + √(2h)ξ (004 (5); the noise is a pre-drawn tensor, so the figure is the network's cost);
 *   - the θ-gradient Σᵢ wᵢ ∂θU(xᵢ) (`weightedParamGrad`), whose convolution filter gradients go through the project's
 *     wasm Conv2DBackpropFilter (a dilated forward convolution, src/tfjs/backend.ts).
 * The reference, timed in the same run, is the ULA step at batch 64 on tfjs's pure-JS cpu backend; one θ-gradient at
 * batch 64 on the cpu backend is timed once (not by tinybench: it takes tens of seconds) for the ratio the issue
 * quotes. Before timing, the wasm and cpu results at batch 64 are compared (max relative difference of ∇ₓU and of the
 * θ-gradient, printed; the bench stops above 1e-3), so both backends compute the same thing.
 *
 * Run: `node dist/bench/run.js tfjs` or `node dist/bench/tfjs.bench.js` after a build.
 */
import * as tf from '@tensorflow/tfjs';
import { keyFromSeed, normals, streamFromKey, uniforms } from '../src/rng/index.js';
import { selectBackend } from '../src/tfjs/backend.js';
import { cnnEnergy, initCnnParameters, PAPER_MNIST_ENERGY, type TensorEnergy } from '../src/tfjs/energy.js';
import { isMain, machine, machineLine, printJsonLine, printTable, runSuite, type BenchCase, type CaseResult, type Machine, type SuiteOptions } from './harness.js';

export const BATCHES = [64, 256, 1024] as const;
/** a ULA step size (the value does not change the cost) */
const H = 1e-2;

interface Setup {
  readonly energy: TensorEnergy;
  readonly x: Map<number, tf.Tensor4D>;
  readonly noise: Map<number, tf.Tensor4D>;
  readonly weights: Map<number, Float64Array>;
  readonly grad: Float64Array;
}

/** Energy, images in [−1, 1] and noise on the current backend, all from the same seed on every backend. */
function setup(theta: Float64Array, batches: readonly number[]): Setup {
  const energy = cnnEnergy(PAPER_MNIST_ENERGY, theta, 1024);
  const x = new Map<number, tf.Tensor4D>(), noise = new Map<number, tf.Tensor4D>(), weights = new Map<number, Float64Array>();
  const s = streamFromKey(keyFromSeed(20261202));
  for (const n of batches) {
    const px = uniforms(s, new Float64Array(n * 784)).map((u) => 2 * u - 1);
    x.set(n, tf.tensor4d(Float32Array.from(px), [n, 28, 28, 1]));
    noise.set(n, tf.tensor4d(Float32Array.from(normals(s, new Float64Array(n * 784))), [n, 28, 28, 1]));
    weights.set(n, new Float64Array(n).fill(1 / n));
  }
  return { energy, x, noise, weights, grad: new Float64Array(energy.paramDim) };
}

function ulaStep(st: Setup, n: number): void {
  const { u, grad } = st.energy.valuesAndGradX(st.x.get(n)!);
  const next = tf.tidy(() => st.x.get(n)!.sub(grad.mul(H)).add(st.noise.get(n)!.mul(Math.sqrt(2 * H)))); // 004 (5)
  next.dataSync(); // wait for the result (wasm runs synchronously; this also reads it back, as the trainer does)
  u.dispose(); grad.dispose(); next.dispose();
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / scale);
  return m;
}

export interface TfjsBenchReport {
  readonly machine: Machine;
  readonly parameters: number;
  readonly results: CaseResult[];
  /** one cpu-backend θ-gradient at batch 64, seconds (timed once) */
  readonly cpuParamGrad64Seconds: number;
  readonly wasmVsCpuGradXDifference: number;
  readonly wasmVsCpuParamGradDifference: number;
}

export async function tfjsBench(options: SuiteOptions = {}): Promise<TfjsBenchReport> {
  tf.env().set('PROD', true);
  const theta = initCnnParameters(streamFromKey(keyFromSeed(7)), PAPER_MNIST_ENERGY);
  await selectBackend({ prefer: 'cpu', only: true, quiet: true });
  const cpu = setup(theta, [64]);
  await selectBackend({ prefer: 'wasm', only: true, quiet: true });
  const wasm = setup(theta, BATCHES);

  // The two backends compute the same thing (batch 64).
  await tf.setBackend('cpu');
  const gc = cpu.energy.valuesAndGradX(cpu.x.get(64)!), gcx = gc.grad.dataSync();
  const t0 = performance.now();
  const pc = Float64Array.from(cpu.energy.weightedParamGrad(cpu.x.get(64)!, cpu.weights.get(64)!, cpu.grad));
  const cpuParamGrad64Seconds = (performance.now() - t0) / 1000;
  await tf.setBackend('wasm');
  const gw = wasm.energy.valuesAndGradX(wasm.x.get(64)!), gwx = gw.grad.dataSync();
  const pw = wasm.energy.weightedParamGrad(wasm.x.get(64)!, wasm.weights.get(64)!, wasm.grad);
  const dx = maxRelDiff(gwx, gcx), dp = maxRelDiff(pw, pc);
  gc.u.dispose(); gc.grad.dispose(); gw.u.dispose(); gw.grad.dispose();
  if (!(dx <= 1e-3 && dp <= 1e-3)) throw new Error(`tfjs bench: wasm and cpu disagree (∇ₓU ${dx}, θ-gradient ${dp}): not timing different computations`);

  const on = (name: string, f: () => void) => async () => { if (tf.getBackend() !== name) await tf.setBackend(name); f(); };
  const cases: BenchCase[] = [
    { name: 'cpu: ULA step, batch 64 (reference)', items: 64, reference: true, fn: on('cpu', () => ulaStep(cpu, 64)) },
    ...BATCHES.map((n): BenchCase => ({ name: `wasm: ULA step (U, ∇ₓU, move), batch ${n}`, items: n, fn: on('wasm', () => ulaStep(wasm, n)) })),
    ...BATCHES.map((n): BenchCase => ({
      name: `wasm: θ-gradient Σwᵢ∂θU, batch ${n}`, items: n,
      fn: on('wasm', () => { wasm.energy.weightedParamGrad(wasm.x.get(n)!, wasm.weights.get(n)!, wasm.grad); }),
    })),
  ];
  const results = await runSuite('tfjs', cases, { timeMs: 1500, warmupMs: 300, iterations: 3, rounds: 2, ...options });
  for (const st of [cpu, wasm]) {
    st.energy.dispose();
    for (const t of [...st.x.values(), ...st.noise.values()]) t.dispose();
  }
  return { machine: machine(), parameters: theta.length, results, cpuParamGrad64Seconds, wasmVsCpuGradXDifference: dx, wasmVsCpuParamGradDifference: dp };
}

export function printTfjsReport(r: TfjsBenchReport): void {
  console.log(`\n# tfjs: the paper's MNIST CNN energy (${r.parameters} parameters), images per second`);
  console.log(machineLine(r.machine));
  console.log('ms/call: the best round\'s median; worst round: the slowest round\'s median; vs cpu: images/s relative to the cpu ULA step at batch 64');
  printTable([
    ['case', 'ms/call', 'worst round', 'images/s', 'vs cpu', 'calls'],
    ...r.results.map((c) => [c.name, c.medianMs.toFixed(1), c.worstRoundMedianMs.toFixed(1), c.itemsPerSecond.toFixed(0), c.ratio.toFixed(2), String(c.samples)]),
  ]);
  const wasm64 = r.results.find((c) => c.name === 'wasm: θ-gradient Σwᵢ∂θU, batch 64')!;
  console.log(`cpu θ-gradient at batch 64 (timed once): ${r.cpuParamGrad64Seconds.toFixed(2)} s, ${(r.cpuParamGrad64Seconds * 1000 / wasm64.medianMs).toFixed(0)}× the wasm one`);
  console.log(`wasm vs cpu at batch 64, max relative difference: ∇ₓU ${r.wasmVsCpuGradXDifference.toExponential(1)}, θ-gradient ${r.wasmVsCpuParamGradDifference.toExponential(1)}`);
  printJsonLine({
    bench: 'tfjs', machine: r.machine, parameters: r.parameters, cpuParamGrad64Seconds: Number(r.cpuParamGrad64Seconds.toFixed(3)),
    wasmVsCpuGradXDifference: r.wasmVsCpuGradXDifference, wasmVsCpuParamGradDifference: r.wasmVsCpuParamGradDifference,
    results: r.results.map((c) => ({ name: c.name, imagesPerSecond: Math.round(c.itemsPerSecond), ratioToCpuUla64: Number(c.ratio.toFixed(4)), medianMs: Number(c.medianMs.toFixed(2)), worstRoundMedianMs: Number(c.worstRoundMedianMs.toFixed(2)) })),
  });
}

if (isMain(import.meta.url)) {
  printTfjsReport(await tfjsBench());
}
