/**
 * The training algorithms of 004, written once against a WalkerEngine and a DataTerm (types.ts):
 *
 * - 'jarzynski': Algorithm 1 (all walkers move: batchSize = N) and Algorithm 2 (a mini-batch of N' < N walkers moves,
 *   the others are frozen and get A += U_θk − U_θk+1, App. A.3 line 14), with resampling (§3.2, App. A.4) and the
 *   log Z / cross-entropy estimates (12);
 * - 'pcd': Algorithm 4 — walkers start at data points and follow ULA under θ_k, unweighted;
 * - 'unweighted': App. C.1.2 case 2 — walkers start from ρ_θ0 and follow ULA, weights frozen at 0;
 * - 'cd': Algorithm 3 — every iteration the walkers restart at data points drawn with replacement and take P ULA steps
 *   under θ_k.
 *
 * Iteration k (Alg. 1 lines 4–11): p_k = softmax(A_k) (uniform weights for the others); D_k = Σ pᵢ ∂θU_θk(X_kⁱ) −
 * n⁻¹ Σ_j ∂θU_θk(x*_j) (11); θ_{k+1} = opt(θ_k, D_k); the walkers move by ULA with ∇U_θk and the weights get the
 * Jarzynski increment (5)-(6); then resample if the trigger fires on ESS_{k+1} (13). Every draw of iteration k comes
 * from foldIn(runKey, k) (keys.ts), so a run resumed from a checkpoint at iteration k continues bit for bit.
 */
import type { Key } from '../rng/key.js';
import { assertKey } from '../rng/key.js';
import { streamFromKey } from '../rng/stream.js';
import { uniformInt } from '../rng/uniform.js';
import { ess } from '../smc/ess.js';
import { normalizedWeights } from '../smc/log-weights.js';
import { checkLogZTracker, logZEstimate, logZTracker, recordResampling, type LogZTracker } from '../smc/log-z.js';
import { resamplingScheme, type ResamplingSchemeName } from '../smc/resampling.js';
import { checkTrigger, shouldResample, type ResamplingTrigger } from '../smc/trigger.js';
import type { Checkpoint, CheckpointInput } from '../io/checkpoint.js';
import { innerStepKey, iterationKey, PURPOSE, purposeKey } from './keys.js';
import type { Optimizer } from './optimizers.js';
import type { DataTerm, WalkerEngine } from './types.js';

export type TrainingAlgorithm = 'jarzynski' | 'pcd' | 'unweighted' | 'cd';
export const TRAINING_ALGORITHMS: readonly TrainingAlgorithm[] = ['jarzynski', 'pcd', 'unweighted', 'cd'];

export interface TrainerOptions {
  readonly algorithm: TrainingAlgorithm;
  /** ULA step h > 0 */
  readonly h: number;
  /** N' ≤ N walkers moved per iteration ('jarzynski', 'pcd', 'unweighted'); N (all) by default: Algorithm 1 */
  readonly batchSize?: number;
  /** P ≥ 1 ULA steps between restarts ('cd' only) */
  readonly cdSteps?: number;
  /**
   * when and how to resample ('jarzynski' only; none by default): on a trigger of ESS_{k+1} (smc/trigger.ts), or at a
   * fixed interval (every L iterations: App. B.1's "pre-specified lags between the resampling steps", Fig. 10)
   */
  readonly resampling?:
    | { readonly scheme: ResamplingSchemeName; readonly trigger: ResamplingTrigger }
    | { readonly scheme: ResamplingSchemeName; readonly every: number };
  /** log Z_θ0 where known: enables the log Z and cross-entropy estimates (12) */
  readonly logZ0?: number;
}

export interface TrainerInit {
  readonly engine: WalkerEngine;
  readonly data: DataTerm;
  readonly optimizer: Optimizer;
  readonly options: TrainerOptions;
  /** the run's root key: iteration k draws from foldIn(runKey, k) */
  readonly runKey: Key;
  /** θ_0 (copied) */
  readonly theta0: Float64Array;
  /** X_0 ~ ρ_θ0 (N×d) for 'jarzynski' and 'unweighted'; ignored by 'pcd' (data points) and 'cd' (restarts) */
  readonly x0?: Float64Array;
}

/** What iteration k measured, at θ_k, before its update. */
export interface IterationInfo {
  readonly k: number;
  /** ESS_k (13) as a fraction; 1 for the unweighted algorithms */
  readonly ess: number;
  /** log Z̃_θk (12), when log Z_θ0 is known and the algorithm is 'jarzynski'; else null */
  readonly logZ: number | null;
  /** H̃_k = log Z̃_θk + n⁻¹ Σ_j U_θk(x*_j) (12); null when logZ is */
  readonly crossEntropy: number | null;
  /** n⁻¹ Σ_j U_θk(x*_j) */
  readonly dataEnergy: number;
  /** whether the walkers were resampled at the end of this iteration (on ESS_{k+1}) */
  readonly resampled: boolean;
  /** ESS_{k+1} after the weight update, before any resampling */
  readonly essAfter: number;
}

export interface Trainer {
  readonly options: TrainerOptions;
  /** the next iteration to run */
  readonly k: number;
  /** θ_k (a view: copy it to keep it) */
  readonly theta: Float64Array;
  /** A_k (a view) */
  readonly logW: Float64Array;
  readonly logZTracker: LogZTracker;
  /** Runs iteration k and returns its measurements. */
  step(): IterationInfo;
  /** Everything needed to resume bit for bit (save with src/io saveCheckpoint). */
  snapshot(): CheckpointInput;
  /** Restores a snapshot taken by a trainer with the same options, engine size and data. */
  restore(checkpoint: Checkpoint): void;
}

function checkOptions(o: TrainerOptions, n: number): void {
  if (!TRAINING_ALGORITHMS.includes(o.algorithm)) {
    throw new RangeError(`algorithm must be one of ${TRAINING_ALGORITHMS.join(', ')}, got ${String(o.algorithm)}`);
  }
  if (!(Number.isFinite(o.h) && o.h > 0)) throw new RangeError(`h must be a finite number > 0, got ${o.h}`);
  if (o.batchSize !== undefined) {
    if (o.algorithm === 'cd') throw new RangeError(`batchSize applies to 'jarzynski', 'pcd' and 'unweighted', not 'cd'`);
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > n) {
      throw new RangeError(`batchSize N' must be an integer in [1, N = ${n}], got ${o.batchSize}`);
    }
  }
  if (o.algorithm === 'cd') {
    if (!(Number.isInteger(o.cdSteps) && o.cdSteps! >= 1)) throw new RangeError(`cd needs cdSteps P ≥ 1, got ${o.cdSteps}`);
  } else if (o.cdSteps !== undefined) {
    throw new RangeError(`cdSteps applies to 'cd' only`);
  }
  if (o.resampling !== undefined) {
    if (o.algorithm !== 'jarzynski') throw new RangeError(`resampling applies to 'jarzynski' only (the others carry no weights)`);
    resamplingScheme(o.resampling.scheme);
    if ('every' in o.resampling) {
      if (!Number.isInteger(o.resampling.every) || o.resampling.every < 1) {
        throw new RangeError(`resampling.every must be an integer ≥ 1, got ${o.resampling.every}`);
      }
    } else {
      checkTrigger(o.resampling.trigger, n);
    }
  }
  if (o.logZ0 !== undefined && !Number.isFinite(o.logZ0)) throw new RangeError(`logZ0 must be finite, got ${o.logZ0}`);
}

/** n draws with replacement from {0, …, m−1} (SampleMultinomial(Ω) of Alg. 3 line 4 and Alg. 4 line 2). */
function drawDataIndices(key: Key, count: number, m: number, out: Int32Array): Int32Array {
  const stream = streamFromKey(key);
  for (let i = 0; i < count; i++) out[i] = uniformInt(stream, m);
  return out;
}

/** A uniformly random subset of N' distinct walkers (Alg. 2 line 7), by a partial Fisher–Yates shuffle, sorted. */
function drawMiniBatch(key: Key, n: number, size: number, perm: Int32Array, out: Int32Array): Int32Array {
  const stream = streamFromKey(key);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + uniformInt(stream, n - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
    out[i] = perm[i]!;
  }
  return out.sort();
}

export function createTrainer(init: TrainerInit): Trainer {
  const { engine, data, optimizer, options } = init;
  const n = engine.walkers, d = engine.dim, p = engine.paramDim;
  checkOptions(options, n);
  assertKey('runKey', init.runKey);
  if (data.dim !== d) throw new RangeError(`data dimension ${data.dim} does not match the walkers' dimension ${d}`);
  if (init.theta0.length !== p) throw new RangeError(`theta0 must have length ${p}, got ${init.theta0.length}`);
  const runKey = init.runKey;
  const algorithm = options.algorithm;
  const theta = Float64Array.from(init.theta0);
  const thetaNext = new Float64Array(p);
  const logW = new Float64Array(n);
  const weights = new Float64Array(n);
  const modelGrad = new Float64Array(p), dataGrad = new Float64Array(p), direction = new Float64Array(p);
  const positions = new Float64Array(n * d);
  const indices = new Int32Array(n);
  const batchSize = options.batchSize ?? n;
  const batch = batchSize < n ? new Int32Array(batchSize) : null;
  const perm = batch ? new Int32Array(n) : null;
  const ancestors = new Int32Array(n);
  const scheme = options.resampling ? resamplingScheme(options.resampling.scheme) : null;
  let tracker = logZTracker(options.logZ0 ?? 0);
  let k = 0;

  function placeAtData(key: Key): void {
    drawDataIndices(key, n, data.size, indices);
    for (let i = 0; i < n; i++) positions.set(data.points.subarray(indices[i]! * d, indices[i]! * d + d), i * d);
    engine.setPositions(theta, positions);
  }

  // X_0: the model's samples, or (PCD) data points (Alg. 4 line 2); CD places its walkers every iteration.
  if (algorithm === 'jarzynski' || algorithm === 'unweighted') {
    if (init.x0 === undefined) throw new RangeError(`x0 (N×d samples of ρ_θ0) is required for '${algorithm}'`);
    engine.setPositions(theta, init.x0);
  } else if (algorithm === 'pcd') {
    placeAtData(purposeKey(iterationKey(runKey, 0), PURPOSE.init));
  }

  return {
    options,
    get k() { return k; },
    theta,
    logW,
    get logZTracker() { return tracker; },
    step() {
      const iterKey = iterationKey(runKey, k);
      if (algorithm === 'cd') {
        // Alg. 3 lines 3–8: restart at data points, P ULA steps under θ_k.
        placeAtData(purposeKey(iterKey, PURPOSE.restart));
        for (let s = 0; s < options.cdSteps!; s++) engine.advance(innerStepKey(iterKey, s), theta, theta, options.h, null, null);
      }
      // Line 4: normalized weights; the unweighted algorithms use 1/N.
      const essK = algorithm === 'jarzynski' ? ess(logW) : 1;
      if (algorithm === 'jarzynski') normalizedWeights(logW, weights);
      else weights.fill(1 / n);
      // Line 5: D_k (11).
      const dataEnergy = data.meanParamGradAndEnergy(theta, dataGrad);
      engine.paramGrad(theta, weights, modelGrad);
      for (let j = 0; j < p; j++) direction[j] = modelGrad[j]! - dataGrad[j]!;
      const logZ = algorithm === 'jarzynski' && options.logZ0 !== undefined ? logZEstimate(tracker, logW) : null;
      const crossEntropy = logZ === null ? null : logZ + dataEnergy;
      // Line 6: θ_{k+1} = opt(θ_k, D_k).
      thetaNext.set(theta);
      optimizer.step(thetaNext, direction);
      // Lines 7–10 (Alg. 2 lines 7–15): ULA under θ_k and the weight update.
      let resampled = false;
      let essAfter = 1;
      if (algorithm !== 'cd') {
        const moved = batch ? drawMiniBatch(purposeKey(iterKey, PURPOSE.batch), n, batchSize, perm!, batch) : null;
        engine.advance(purposeKey(iterKey, PURPOSE.noise), theta, thetaNext, options.h, moved, algorithm === 'jarzynski' ? logW : null);
      }
      theta.set(thetaNext);
      if (algorithm === 'jarzynski') {
        // Line 11: resample on ESS_{k+1} (13); log Z carries across (§3.2, step 3).
        essAfter = ess(logW);
        const rs = options.resampling;
        const fire = rs === undefined ? false : 'every' in rs ? (k + 1) % rs.every === 0 : shouldResample(rs.trigger, essAfter, n);
        if (fire) {
          tracker = recordResampling(tracker, logW);
          scheme!(streamFromKey(purposeKey(iterKey, PURPOSE.resample)), logW, ancestors);
          engine.resample(ancestors);
          logW.fill(0);
          resampled = true;
        }
      }
      const info: IterationInfo = { k, ess: essK, logZ, crossEntropy, dataEnergy, resampled, essAfter };
      k++;
      return info;
    },
    snapshot() {
      const state = optimizer.getState();
      const arrays: Record<string, Float64Array> = {
        theta: Float64Array.from(theta),
        logW: Float64Array.from(logW),
        x: engine.readPositions(new Float64Array(n * d)),
        u: engine.readEnergies(new Float64Array(n)),
        grad: engine.readGradients(new Float64Array(n * d)),
      };
      for (const [name, buf] of Object.entries(state.buffers)) arrays[`optimizer.${name}`] = Float64Array.from(buf);
      return {
        iteration: k,
        rng: { runKey: [...runKey] },
        numbers: { optimizerSteps: state.t, logZ0: tracker.logZ0, logOffset: tracker.logOffset, resamplings: tracker.resamplings },
        arrays,
        meta: { algorithm, optimizer: optimizer.name },
      };
    },
    restore(cp) {
      if (cp.meta['algorithm'] !== algorithm || cp.meta['optimizer'] !== optimizer.name) {
        throw new RangeError(`checkpoint is for ${String(cp.meta['algorithm'])}/${String(cp.meta['optimizer'])}, not ${algorithm}/${optimizer.name}`);
      }
      const key = cp.rng['runKey'];
      if (!key || key[0] !== runKey[0] || key[1] !== runKey[1]) throw new RangeError('checkpoint was written by a run with another key');
      const get = (name: string, len: number): Float64Array => {
        const a = cp.arrays[name];
        if (!a || !(a.data instanceof Float64Array) || a.data.length !== len) throw new RangeError(`checkpoint array ${name} must be float64 of length ${len}`);
        return a.data;
      };
      theta.set(get('theta', p));
      logW.set(get('logW', n));
      engine.restore(get('x', n * d), get('u', n), get('grad', n * d));
      const buffers: Record<string, Float64Array> = {};
      for (const name of Object.keys(cp.arrays)) if (name.startsWith('optimizer.')) buffers[name.slice(10)] = get(name, p);
      optimizer.setState({ t: cp.numbers['optimizerSteps']!, buffers });
      tracker = checkLogZTracker({ logZ0: cp.numbers['logZ0'], logOffset: cp.numbers['logOffset'], resamplings: cp.numbers['resamplings'] });
      k = cp.iteration;
    },
  };
}
