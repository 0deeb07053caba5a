/**
 * A fused, multi-threaded WalkerEngine and DataTerm (../types.ts) for the paper's two-mode mixture 004 (15),
 * θ = [a (d), b (d), z]: the hot path of the §4.1 / App. B.1 experiment (d = 50, N = n = 10⁴). Walkers, caches, data
 * and per-block partial sums live in SharedArrayBuffers; `threads` worker_threads run kernels.ts on fixed blocks of
 * NOISE_BLOCK walkers, synchronized by Atomics (no message per iteration). The results are bit-identical for every
 * thread count (threads = 0 runs the same kernels on the calling thread) and equal to the generic engine's
 * (energyEngine(twoModeMixtureEnergy(d), N)) up to the order of floating-point sums in paramGrad and the data term.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Key } from '../../rng/key.js';
import { ZIGGURAT_TABLES } from '../../rng/normal.js';
import { streamFromKey } from '../../rng/stream.js';
import { NOISE_BLOCK, noiseBlockKey } from '../keys.js';
import type { DataTerm, WalkerEngine } from '../types.js';
import { COMMAND, createKernels, workerLoop, type Kernels, type SharedViews } from './kernels.js';

export interface FusedPoolOptions {
  readonly d: number;
  readonly walkers: number;
  /** the data points x*_j (n×d) */
  readonly data: Float64Array;
  readonly dataSize: number;
  /** worker threads; 0 runs every kernel on the calling thread (default: os.availableParallelism()) */
  readonly threads?: number;
}

export interface FusedPool {
  readonly engine: WalkerEngine;
  readonly data: DataTerm;
  readonly threads: number;
  /** Stops the workers (also through engine.dispose()). */
  dispose(): void;
}

function f64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * Math.max(1, n)), 0, n);
}

function positive(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

export function fusedMixturePool(options: FusedPoolOptions): FusedPool {
  const { d, walkers: N, dataSize: n } = options;
  positive('d', d);
  positive('walkers', N);
  positive('dataSize', n);
  if (options.data.length !== n * d) throw new RangeError(`data must hold n·d = ${n * d} values, got ${options.data.length}`);
  for (let i = 0; i < options.data.length; i++) {
    if (!Number.isFinite(options.data[i]!)) throw new RangeError(`data[${i}] must be finite, got ${options.data[i]}`);
  }
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be an integer ≥ 0, got ${threads}`);
  const p = 2 * d + 1, B = NOISE_BLOCK, stride = 2 * d + 3;
  const walkerBlocks = Math.ceil(N / B), dataBlocks = Math.ceil(n / B);
  const views: SharedViews = {
    d, walkers: N, dataSize: n, block: B,
    x: f64(N * d), u: f64(N), grad: f64(N * d), wb: f64(N), logW: f64(N), weights: f64(N),
    moved: new Int32Array(new SharedArrayBuffer(4 * N)), isMoved: new Uint8Array(new SharedArrayBuffer(N)),
    thetaK: f64(p), thetaNext: f64(p), params: f64(4),
    blockStates: new Int32Array(new SharedArrayBuffer(16 * walkerBlocks)),
    partials: f64(walkerBlocks * stride), data: f64(n * d), dataPartials: f64(dataBlocks * stride),
    ancestors: new Int32Array(new SharedArrayBuffer(4 * N)), xScratch: f64(N * d), gradScratch: f64(N * d), uScratch: f64(N), wbScratch: f64(N),
    zk: f64(128), zw: f64(128), zf: f64(128),
  };
  views.data.set(options.data);
  views.zk.set(ZIGGURAT_TABLES.k);
  views.zw.set(ZIGGURAT_TABLES.w);
  views.zf.set(ZIGGURAT_TABLES.f);

  // control: [command, generation, done]
  const control = new Int32Array(new SharedArrayBuffer(12));
  const workers: Worker[] = [];
  // threads = 0 runs the kernels on the calling thread. They are compiled from the same source text per pool, like a
  // worker's: V8 specializes the closures of one createKernels function to the first pool's memory, and a second pool
  // in the same process then ran 1.5× slower. (Letting the calling thread take a share of the blocks while the workers
  // run was faster but made results differ between thread counts in about one run in six — a race not yet found — so
  // the calling thread only waits.)
  const compile = new Function(`return (${createKernels.toString()});`) as () => typeof createKernels;
  const local: Kernels = compile()(views);
  const source = `const createKernels = ${createKernels.toString()};\n(${workerLoop.toString()})(createKernels);`;
  for (let w = 0; w < threads; w++) {
    const worker = new Worker(source, { eval: true, workerData: { views, control, worker: w, workers: threads } });
    worker.unref();
    workers.push(worker);
  }
  let disposed = false;

  function run(cmd: number): void {
    if (disposed) throw new Error('the fused pool has been disposed');
    if (threads === 0) {
      local.run(cmd, 0, 1);
      return;
    }
    Atomics.store(control, 2, 0);
    Atomics.store(control, 0, cmd);
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
    for (;;) {
      const done = Atomics.load(control, 2);
      if (done >= threads) break;
      Atomics.wait(control, 2, done);
    }
  }

  // The parameters U, ∇U and w_b are cached at (null after a restore: w_b is recomputed on demand).
  let cached: Float64Array | null = null;
  let ready = false;
  const sameTheta = (theta: Float64Array) => cached !== null && theta.every((t, j) => Object.is(t, cached![j]));
  const checkTheta = (name: string, theta: Float64Array) => {
    if (theta.length !== p) throw new RangeError(`${name} must have length 2d + 1 = ${p}, got ${theta.length}`);
    for (let j = 0; j < p; j++) if (!Number.isFinite(theta[j]!)) throw new RangeError(`${name}[${j}] must be finite, got ${theta[j]}`);
  };
  const requireReady = () => {
    if (!ready) throw new Error('fused engine: call setPositions (or restore) before stepping');
  };

  const engine: WalkerEngine = {
    walkers: N,
    dim: d,
    paramDim: p,
    setPositions(theta, x) {
      checkTheta('theta', theta);
      if (x.length !== N * d) throw new RangeError(`positions must hold N·d = ${N * d} values, got ${x.length}`);
      for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new RangeError(`positions[${i}] must be finite, got ${x[i]}`);
      views.x.set(x);
      views.thetaNext.set(theta);
      run(COMMAND.evaluate);
      cached = Float64Array.from(theta);
      ready = true;
    },
    advance(noiseKey: Key, thetaK, thetaNext, h, moved, logW) {
      requireReady();
      if (!(Number.isFinite(h) && h > 0)) throw new RangeError(`h must be a finite number > 0, got ${h}`);
      checkTheta('thetaK', thetaK);
      checkTheta('thetaNext', thetaNext);
      if (cached !== null && !sameTheta(thetaK)) throw new RangeError('advance: thetaK must be the parameters the walkers were last evaluated at');
      if (logW !== null && logW.length !== N) throw new RangeError(`logW must have length N = ${N}, got ${logW.length}`);
      const count = moved === null ? N : moved.length;
      if (moved !== null) {
        views.isMoved.fill(0);
        for (let t = 0; t < count; t++) {
          const i = moved[t]!;
          if (!(i >= 0 && i < N) || views.isMoved[i]) throw new RangeError(`moved must hold distinct walker indices in [0, ${N}), got ${i}`);
          views.isMoved[i] = 1;
        }
        views.moved.set(moved);
      }
      for (let b = 0; b * B < count; b++) views.blockStates.set(streamFromKey(noiseBlockKey(noiseKey, b)).state, 4 * b);
      views.thetaK.set(thetaK);
      views.thetaNext.set(thetaNext);
      views.params[0] = h;
      views.params[1] = count;
      views.params[2] = logW === null ? 0 : 1;
      views.params[3] = moved === null ? 1 : 0;
      if (logW !== null) views.logW.set(logW);
      run(COMMAND.advance);
      if (logW !== null) logW.set(views.logW);
      cached = Float64Array.from(thetaNext);
    },
    paramGrad(theta, weights, out) {
      requireReady();
      checkTheta('theta', theta);
      if (weights.length < N) throw new RangeError(`weights must hold N = ${N} values, got ${weights.length}`);
      if (!sameTheta(theta)) {
        // After a restore (or at other parameters): w_b at θ, without touching the restored U and ∇U.
        if (cached !== null) throw new RangeError('paramGrad: theta must be the parameters the walkers were last evaluated at');
        views.thetaNext.set(theta);
        run(COMMAND.posterior);
        cached = Float64Array.from(theta);
      }
      views.weights.set(weights.subarray(0, N));
      run(COMMAND.paramGrad);
      // Σ w ∂aU = −(Σ w w_a x − a Σ w w_a), likewise b; Σ w ∂zU = Σ w w_b — block partials summed in block order.
      out.fill(0, 0, p);
      let swa = 0, swb = 0;
      for (let b = 0; b < walkerBlocks; b++) {
        const o = b * stride;
        for (let j = 0; j < 2 * d; j++) out[j] = out[j]! + views.partials[o + j]!;
        swa += views.partials[o + 2 * d]!;
        swb += views.partials[o + 2 * d + 1]!;
      }
      for (let j = 0; j < d; j++) {
        out[j] = -(out[j]! - theta[j]! * swa);
        out[d + j] = -(out[d + j]! - theta[d + j]! * swb);
      }
      out[2 * d] = swb;
      return out;
    },
    resample(ancestors) {
      requireReady();
      if (ancestors.length !== N) throw new RangeError(`ancestors must have length N = ${N}, got ${ancestors.length}`);
      for (let i = 0; i < N; i++) {
        const a = ancestors[i]!;
        if (!(a >= 0 && a < N)) throw new RangeError(`ancestors[${i}] = ${a} is not a walker index in [0, ${N})`);
      }
      // Two parallel phases (a walker may be copied from a block another thread overwrites): copy out, then gather.
      views.ancestors.set(ancestors);
      run(COMMAND.copyOut);
      run(COMMAND.gather);
    },
    readPositions: (out) => (out.set(views.x), out),
    readEnergies: (out) => (out.set(views.u), out),
    readGradients: (out) => (out.set(views.grad), out),
    restore(x, u, grad) {
      if (x.length !== N * d || u.length !== N || grad.length !== N * d) {
        throw new RangeError(`restore: expected ${N * d} positions, ${N} energies and ${N * d} gradients`);
      }
      views.x.set(x);
      views.u.set(u);
      views.grad.set(grad);
      cached = null;
      ready = true;
    },
    dispose: () => dispose(),
  };

  const dataTerm: DataTerm = {
    size: n,
    dim: d,
    points: views.data,
    meanParamGradAndEnergy(theta, out) {
      checkTheta('theta', theta);
      views.thetaK.set(theta);
      run(COMMAND.data);
      out.fill(0, 0, p);
      let swa = 0, swb = 0, su = 0;
      for (let b = 0; b < dataBlocks; b++) {
        const o = b * stride;
        for (let j = 0; j < 2 * d; j++) out[j] = out[j]! + views.dataPartials[o + j]!;
        swa += views.dataPartials[o + 2 * d]!;
        swb += views.dataPartials[o + 2 * d + 1]!;
        su += views.dataPartials[o + 2 * d + 2]!;
      }
      for (let j = 0; j < d; j++) {
        out[j] = -(out[j]! - theta[j]! * swa) / n;
        out[d + j] = -(out[d + j]! - theta[d + j]! * swb) / n;
      }
      out[2 * d] = swb / n;
      return su / n;
    },
  };

  function dispose(): void {
    if (disposed) return;
    if (workers.length > 0) {
      Atomics.store(control, 0, COMMAND.exit);
      Atomics.add(control, 1, 1);
      Atomics.notify(control, 1);
      for (const w of workers) void w.terminate();
    }
    disposed = true;
  }

  return { engine, data: dataTerm, threads, dispose };
}
