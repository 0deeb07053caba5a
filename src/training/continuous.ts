/**
 * The continuous-time version of Jarzynski-weighted training, 004 App. A.1, Proposition 2, discretized by
 * Euler–Maruyama with step dt (the Itô, left-point scheme), and the three learning procedures of 004 App. C.1.2.
 *
 * Proposition 2 evolves walkers X_t and log-weights A_t along a protocol θ(t):
 *   dX_t = −α ∇U_θ(t)(X_t) dt + √(2α) dW_t,  X_0 ~ ρ_θ0,                                              004 (17)
 *   Ȧ_t  = −∂θU_θ(t)(X_t) · θ̇(t),            A_0 = 0,                                                004 (17)
 * so that E[∂θU_θ(t)(X_t) e^{A_t}]/E[e^{A_t}] = E_θ(t)[∂θU_θ(t)] and Z_θ(t) = Z_θ0 E[e^{A_t}] (18). Learning takes
 *   θ̇ = γ (Σᵢ e^{Aᵢ} ∂θU_θ(Xᵢ)/Σᵢ e^{Aᵢ} − n⁻¹ Σⱼ ∂θU_θ(x*ⱼ)),                                       004 (19), (48)
 * i.e. gradient descent on the cross-entropy at rate γ (γ = 1 is (19) and (48) as written; γ > 0 only rescales time,
 * t ↦ γt, when α is rescaled with it), and tracks H(ρ_θ(t), ρ*) = log N⁻¹Σᵢ e^{Aᵢ} + log Z_θ0 + n⁻¹Σⱼ U_θ(t)(x*ⱼ) (20).
 *
 * Discretization (t_k = k dt), one step from (θ_k, X_k, A_k) with θ_{k+1} given (a protocol, or (19) below):
 *   X_{k+1} = X_k − α dt ∇U_θk(X_k) + √(2α dt) ξ_k,           ξ_k ~ N(0, I)     Euler–Maruyama of (17), left point
 *   A_{k+1} = A_k − ∂θU_θk(X_k) · (θ_{k+1} − θ_k)                               left-point Riemann sum of (17)
 *   θ_{k+1} = θ_k + dt γ (weighted mean of ∂θU_θk(X_k) − data mean of ∂θU_θk)    explicit Euler of (19)
 * Both X and A use the left point (θ_k, X_k): θ(t) is C¹ (θ̇ has no noise term), so the A-integral is an ordinary
 * Riemann–Stieltjes integral and any evaluation point converges; the left point needs no extra model evaluation
 * (∂θU_θk(X_k) is cached with U and ∇U). The error in (18) is O(dt) (EM's weak order 1 and the Riemann sum):
 * spec/training/continuous.spec.ts measures it exactly on a Gaussian path. Unlike Algorithm 1 (004 (5)-(6)), whose
 * weights are exact for any step, this scheme is exact only as dt → 0.
 *
 * The variants of App. C.1.2: 'jarzynski' (X_0 ~ ρ_θ0, A by (17)); 'unweighted' (X_0 ~ ρ_θ0, A frozen at 0);
 * 'pcd' (X_0ⁱ = x*ᵢ, the first N data points, A frozen at 0). Resampling (src/smc) is optional and off by default, as in
 * App. C; after a resampling the weights restart at 0 and log Z continues from its estimate at that time (004 (12)).
 *
 * Randomness: one run key; the initial walkers are drawn from `continuousInitKey(runKey)` and step k's noise (then its
 * resampling, if any) from `continuousStepKey(runKey, k)`, so any step can be replayed and a run is reproducible from
 * its seed.
 */
import { foldIn, normals, split, streamFromKey, type Key } from '../rng/index.js';
import { checkTheta, type Energy } from '../energies/energy.js';
import {
  checkTrigger, ess, logZEstimate, logZTracker, maxFiniteLogWeight, recordResampling, resamplingScheme,
  shouldResample, type LogZTracker, type ResamplingSchemeName, type ResamplingTrigger,
} from '../smc/index.js';

/** The learning procedures of 004 App. C.1.2. */
export type ContinuousVariant = 'jarzynski' | 'unweighted' | 'pcd';
export const CONTINUOUS_VARIANTS: readonly ContinuousVariant[] = ['jarzynski', 'unweighted', 'pcd'];

/** The state at t_k: θ_k, the walkers with U, ∇ₓU and ∂θU cached at θ_k, and the log-weights A_k. */
export interface ContinuousState {
  readonly n: number;
  readonly d: number;
  readonly p: number;
  /** θ_k (p) */
  readonly theta: Float64Array;
  /** X_k, n×d row-major */
  readonly x: Float64Array;
  /** U_θk(X_kⁱ) */
  readonly u: Float64Array;
  /** ∇ₓU_θk(X_kⁱ), n×d */
  readonly grad: Float64Array;
  /** ∂θU_θk(X_kⁱ), n×p row-major (walker i's row at i·p) */
  readonly paramRows: Float64Array;
  /** A_kⁱ */
  readonly logW: Float64Array;
}

/** The Euler–Maruyama kernel of Proposition 2 for n walkers, with its scratch made once. */
export interface ContinuousKernel {
  readonly n: number;
  readonly d: number;
  readonly p: number;
  readonly alpha: number;
  readonly dt: number;
  /** whether A evolves by (17) ('jarzynski') or stays frozen ('unweighted', 'pcd') */
  readonly weighted: boolean;
  /** The state at θ0 with walkers x0 (n×d, copied) and A = 0. */
  init(theta0: Float64Array, x0: Float64Array): ContinuousState;
  /**
   * One step to θ_{k+1} = thetaNext with the injected standard normals `noise` (n·d): reads `state`, writes `out`
   * (which may be `state`); deterministic in (state, thetaNext, noise). Returns out.
   */
  step(noise: Float64Array, state: ContinuousState, thetaNext: Float64Array, out: ContinuousState): ContinuousState;
  /** Σᵢ e^{Aᵢ} ∂θU_θk(Xᵢ) / Σᵢ e^{Aᵢ} (the first term of (19); NaN log-weights count as −∞) into out; returns out. */
  weightedParamMean(state: ContinuousState, out: Float64Array): Float64Array;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

function positiveInteger(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${String(v)}`);
  return v;
}

function checkFinite(name: string, a: Float64Array, len: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${name} must be a Float64Array`);
  if (a.length !== len) throw new RangeError(`${name} must hold ${len} values, got ${a.length}`);
  for (let j = 0; j < len; j++) {
    if (!Number.isFinite(a[j]!)) throw new RangeError(`${name}[${j}] must be finite, got ${a[j]}`);
  }
}

/** A fresh state buffer for n walkers (zeros). */
export function emptyContinuousState(n: number, d: number, p: number): ContinuousState {
  return {
    n, d, p, theta: new Float64Array(p), x: new Float64Array(n * d), u: new Float64Array(n), grad: new Float64Array(n * d),
    paramRows: new Float64Array(n * p), logW: new Float64Array(n),
  };
}

/** Builds the kernel for `energy` and n walkers: dX = −α∇U dt + √(2α) dW and (17)'s weights when `weighted`. */
export function continuousKernel(energy: Energy, n: number, options: { readonly alpha: number; readonly dt: number; readonly weighted: boolean }): ContinuousKernel {
  positiveInteger('continuousKernel: n (walkers)', n);
  const alpha = positive('continuousKernel: options.alpha', options.alpha);
  const dt = positive('continuousKernel: options.dt', options.dt);
  if (typeof options.weighted !== 'boolean') throw new TypeError(`continuousKernel: options.weighted must be a boolean, got ${String(options.weighted)}`);
  const weighted = options.weighted;
  const d = energy.dim, p = energy.paramDim;
  // Scratch, made once.
  const xRow = new Float64Array(d);
  const pRow = new Float64Array(p);
  const one = Float64Array.of(1);
  const thNext = new Float64Array(p);
  const dTheta = new Float64Array(p);
  const drift = alpha * dt;
  const noiseScale = Math.sqrt(2 * alpha * dt);

  /** ∂θU_θ(xᵢ) row by row: the Energy contract gives Σᵢ wᵢ ∂θU, so one walker at a time with w = 1. */
  function paramRows(theta: Float64Array, x: Float64Array, rows: Float64Array): void {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) xRow[j] = x[i * d + j]!;
      energy.paramGrad(theta, xRow, 1, one, pRow);
      for (let j = 0; j < p; j++) rows[i * p + j] = pRow[j]!;
    }
  }

  function evaluate(s: ContinuousState): void {
    energy.energyGrad(s.theta, s.x, n, s.u, s.grad);
    paramRows(s.theta, s.x, s.paramRows);
  }

  function checkState(name: string, s: ContinuousState): void {
    if (s.n !== n || s.d !== d || s.p !== p || s.x.length < n * d || s.paramRows.length < n * p || s.logW.length < n || s.theta.length !== p) {
      throw new RangeError(`continuousKernel.step: ${name} must be a state of n = ${n} walkers, d = ${d}, p = ${p}`);
    }
  }

  return {
    n, d, p, alpha, dt, weighted,
    init(theta0, x0) {
      checkTheta(energy, theta0);
      checkFinite('continuousKernel.init: x0', x0, n * d);
      const s = emptyContinuousState(n, d, p);
      s.theta.set(theta0);
      s.x.set(x0);
      evaluate(s);
      return s;
    },
    step(noise, state, thetaNext, out) {
      checkState('state', state);
      checkState('out', out);
      if (noise.length < n * d) throw new RangeError(`continuousKernel.step: noise must hold n·d = ${n * d} values, got ${noise.length}`);
      checkTheta(energy, thetaNext);
      // Copied first: thetaNext may be out.theta or state.theta.
      thNext.set(thetaNext);
      for (let j = 0; j < p; j++) dTheta[j] = thNext[j]! - state.theta[j]!;
      const rows = state.paramRows, logW = state.logW, outW = out.logW;
      for (let i = 0; i < n; i++) {
        let a = logW[i]!;
        if (weighted) {
          // 004 (17) second line, left point: A_{k+1} = A_k − ∂θU_θk(X_k)·(θ_{k+1} − θ_k)
          let s = 0;
          for (let j = 0; j < p; j++) s += rows[i * p + j]! * dTheta[j]!;
          a -= s;
        }
        outW[i] = a;
      }
      const x = state.x, g = state.grad, ox = out.x;
      // 004 (17) first line by Euler–Maruyama: X_{k+1} = X_k − α dt ∇U_θk(X_k) + √(2α dt) ξ_k
      for (let j = 0; j < n * d; j++) ox[j] = x[j]! - drift * g[j]! + noiseScale * noise[j]!;
      out.theta.set(thNext);
      evaluate(out);
      return out;
    },
    weightedParamMean(state, out) {
      if (out.length < p) throw new RangeError(`weightedParamMean: out must hold p = ${p} values, got ${out.length}`);
      const logW = state.logW, rows = state.paramRows;
      const max = maxFiniteLogWeight(logW, n);
      out.fill(0, 0, p);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const a = logW[i]!;
        if (a !== a) continue; // NaN is −∞ (DESIGN.md)
        const w = Math.exp(a - max);
        if (w === 0) continue;
        total += w;
        for (let j = 0; j < p; j++) out[j] = out[j]! + w * rows[i * p + j]!;
      }
      for (let j = 0; j < p; j++) out[j] = out[j]! / total;
      return out;
    },
  };
}

/** Key of the initial walker draw of a run. */
export function continuousInitKey(runKey: Key): Key {
  return split(runKey, 2)[0]!;
}

/** Key of step k's noise (and then its resampling): foldIn of the run's step key, so any step can be replayed. */
export function continuousStepKey(runKey: Key, k: number): Key {
  return foldIn(split(runKey, 2)[1]!, k);
}

export interface ContinuousTrainingOptions {
  readonly variant: ContinuousVariant;
  /** α > 0 in (17): the walkers' mobility */
  readonly alpha: number;
  /** Euler–Maruyama step dt > 0 */
  readonly dt: number;
  /** horizon T > 0, a multiple of dt: K = T/dt steps */
  readonly T: number;
  /** N ≥ 1 walkers ('pcd': N ≤ n, initialized at the first N data points) */
  readonly walkers: number;
  /** γ > 0 in θ̇ = γ(…) (default 1: (19) as written); a number, or one rate per parameter */
  readonly learningRate?: number | Float64Array;
  /** log Z_θ0 for (20); by default energy.logPartition(θ0) where it exists, else log Z is not tracked */
  readonly logZ0?: number;
  /** optional resampling of the weighted walkers (off by default, as in App. C) */
  readonly resampling?: { readonly scheme: ResamplingSchemeName; readonly trigger: ResamplingTrigger };
  /** record every this many steps (default 1); t = 0 and t = T are always recorded */
  readonly recordEvery?: number;
  /** X_0 for 'jarzynski' and 'unweighted' (N×d); by default N exact draws from ρ_θ0 (energy.sample) */
  readonly x0?: Float64Array;
}

/** The recorded trajectory: record r is at step steps[r], time t[r]. */
export interface ContinuousTrace {
  readonly steps: Float64Array;
  readonly t: Float64Array;
  /** θ at each record, records×p row-major */
  readonly theta: Float64Array;
  /** ESS (13) of the weights, a fraction of N */
  readonly ess: Float64Array;
  /** log Z̃_θ(t) = log Z_θ0 + log N⁻¹Σ e^{A} (18) carried across resamplings; NaN when log Z_θ0 is unknown */
  readonly logZ: Float64Array;
  /** H̃ of (20); NaN when log Z_θ0 is unknown */
  readonly crossEntropy: Float64Array;
  /** log Z_θ(t) + n⁻¹Σ U_θ(t)(x*ⱼ) where energy.logPartition exists, else NaN */
  readonly crossEntropyExact: Float64Array;
}

export interface ContinuousRecordHook {
  /** Called at each record r (after the trace row is written) with the state at that time. */
  (r: number, k: number, t: number, state: ContinuousState): void;
}

export interface ContinuousResult {
  readonly variant: ContinuousVariant;
  readonly steps: number;
  readonly trace: ContinuousTrace;
  /** the state at T */
  readonly state: ContinuousState;
  readonly resamplings: number;
}

/** Checks the options against the energy and data before any work; errors name the field and the constraint. */
export function checkContinuousOptions(energy: Energy, theta0: Float64Array, data: Float64Array, dataSize: number, options: ContinuousTrainingOptions): number {
  const o = options as unknown as Record<string, unknown>;
  if (o === null || typeof o !== 'object') throw new TypeError('options must be an object');
  if (!CONTINUOUS_VARIANTS.includes(o['variant'] as ContinuousVariant)) {
    throw new TypeError(`options.variant must be one of ${CONTINUOUS_VARIANTS.map((v) => `'${v}'`).join(', ')}, got ${String(o['variant'])}`);
  }
  positive('options.alpha', o['alpha']);
  const dt = positive('options.dt', o['dt']);
  const T = positive('options.T', o['T']);
  const walkers = positiveInteger('options.walkers', o['walkers']);
  const steps = Math.round(T / dt);
  if (steps < 1 || Math.abs(steps * dt - T) > 1e-9 * T) throw new RangeError(`options.T must be a positive multiple of options.dt = ${dt}, got ${T}`);
  if (o['recordEvery'] !== undefined) positiveInteger('options.recordEvery', o['recordEvery']);
  const lr = o['learningRate'];
  if (lr !== undefined) {
    if (lr instanceof Float64Array) {
      if (lr.length !== energy.paramDim) throw new RangeError(`options.learningRate must hold p = ${energy.paramDim} rates, got ${lr.length}`);
      lr.forEach((v, j) => positive(`options.learningRate[${j}]`, v));
    } else {
      positive('options.learningRate', lr);
    }
  }
  if (o['logZ0'] !== undefined && !(typeof o['logZ0'] === 'number' && Number.isFinite(o['logZ0']))) {
    throw new RangeError(`options.logZ0 must be finite, got ${String(o['logZ0'])}`);
  }
  checkTheta(energy, theta0);
  if (!Number.isSafeInteger(dataSize) || dataSize < 1) throw new RangeError(`dataSize must be an integer ≥ 1, got ${dataSize}`);
  if (!(data instanceof Float64Array)) throw new TypeError('data must be a Float64Array');
  if (data.length !== dataSize * energy.dim) {
    throw new RangeError(`data must hold dataSize·d = ${dataSize}·${energy.dim} = ${dataSize * energy.dim} values (d = ${energy.name}'s dimension), got ${data.length}`);
  }
  checkFinite('data', data, data.length);
  const variant = o['variant'] as ContinuousVariant;
  if (variant === 'pcd') {
    if (walkers > dataSize) throw new RangeError(`options.walkers must be ≤ dataSize = ${dataSize} for 'pcd' (walkers start at data points), got ${walkers}`);
    if (o['x0'] !== undefined) throw new RangeError("options.x0 does not apply to 'pcd' (its walkers start at the data points)");
  } else if (o['x0'] !== undefined) {
    checkFinite('options.x0', o['x0'] as Float64Array, walkers * energy.dim);
  } else if (energy.sample === undefined) {
    throw new RangeError(`options.x0 is required: ${energy.name} has no exact sampler for X_0 ~ ρ_θ0`);
  }
  const rs = o['resampling'] as ContinuousTrainingOptions['resampling'];
  if (rs !== undefined) {
    if (variant !== 'jarzynski') throw new RangeError(`options.resampling applies to 'jarzynski' only (its weights are frozen otherwise), not '${variant}'`);
    resamplingScheme(rs.scheme); // throws naming the scheme
    checkTrigger(rs.trigger, walkers);
  }
  return steps;
}

/**
 * Runs the continuous-time learning dynamics (17)+(19) by Euler–Maruyama from θ0 on n data points (dataSize×d),
 * recording θ, the ESS, log Z̃ (18) and the cross-entropy (20). `onRecord` sees the state at each record.
 */
export function runContinuousTraining(
  runKey: Key,
  energy: Energy,
  theta0: Float64Array,
  data: Float64Array,
  dataSize: number,
  options: ContinuousTrainingOptions,
  onRecord?: ContinuousRecordHook,
): ContinuousResult {
  const K = checkContinuousOptions(energy, theta0, data, dataSize, options);
  const { variant, dt } = options;
  const N = options.walkers, d = energy.dim, p = energy.paramDim;
  const recordEvery = options.recordEvery ?? 1;
  const kernel = continuousKernel(energy, N, { alpha: options.alpha, dt, weighted: variant === 'jarzynski' });
  const gamma = new Float64Array(p);
  if (options.learningRate instanceof Float64Array) gamma.set(options.learningRate);
  else gamma.fill(options.learningRate ?? 1);

  // App. C.1.2: PCD starts at the (first N) data points, the other two at exact draws from ρ_θ0.
  let x0: Float64Array;
  if (variant === 'pcd') x0 = data.slice(0, N * d);
  else x0 = options.x0 ?? energy.sample!(streamFromKey(continuousInitKey(runKey)), theta0, N, new Float64Array(N * d));
  const state = kernel.init(theta0, x0);

  const logZ0 = options.logZ0 ?? (energy.logPartition ? energy.logPartition(theta0) : undefined);
  let tracker: LogZTracker | null = logZ0 === undefined ? null : logZTracker(logZ0);
  const scheme = options.resampling ? resamplingScheme(options.resampling.scheme) : null;

  const records = Math.floor(K / recordEvery) + 1 + (K % recordEvery === 0 ? 0 : 1);
  const trace: ContinuousTrace = {
    steps: new Float64Array(records), t: new Float64Array(records), theta: new Float64Array(records * p),
    ess: new Float64Array(records), logZ: new Float64Array(records), crossEntropy: new Float64Array(records),
    crossEntropyExact: new Float64Array(records),
  };
  const dataWeights = new Float64Array(dataSize).fill(1 / dataSize);
  const dataU = new Float64Array(dataSize);
  const dataMean = new Float64Array(p);
  const walkerMean = new Float64Array(p);
  const thetaNext = new Float64Array(p);
  const noise = new Float64Array(N * d);
  const ancestors = new Int32Array(N);
  const copy = scheme ? emptyContinuousState(N, d, p) : null;
  const stepsKey = split(runKey, 2)[1]!; // = continuousStepKey's parent, derived once

  let r = 0;
  const record = (k: number) => {
    trace.steps[r] = k;
    trace.t[r] = k * dt;
    trace.theta.set(state.theta, r * p);
    trace.ess[r] = ess(state.logW, N);
    energy.energy(state.theta, data, dataSize, dataU);
    let meanU = 0;
    for (let j = 0; j < dataSize; j++) meanU += dataU[j]!;
    meanU /= dataSize;
    const logZ = tracker ? logZEstimate(tracker, state.logW, N) : NaN;
    trace.logZ[r] = logZ;
    trace.crossEntropy[r] = logZ + meanU; // 004 (20)
    trace.crossEntropyExact[r] = energy.logPartition ? energy.logPartition(state.theta) + meanU : NaN;
    onRecord?.(r, k, k * dt, state);
    r++;
  };

  record(0);
  let resamplings = 0;
  for (let k = 0; k < K; k++) {
    // 004 (19) by explicit Euler: θ_{k+1} = θ_k + dt γ (weighted walker mean − data mean of ∂θU_θk)
    kernel.weightedParamMean(state, walkerMean);
    energy.paramGrad(state.theta, data, dataSize, dataWeights, dataMean);
    for (let j = 0; j < p; j++) thetaNext[j] = state.theta[j]! + dt * gamma[j]! * (walkerMean[j]! - dataMean[j]!);
    const stream = streamFromKey(foldIn(stepsKey, k)); // continuousStepKey(runKey, k)
    normals(stream, noise, 0, N * d);
    kernel.step(noise, state, thetaNext, state);
    if (scheme && copy && shouldResample(options.resampling!.trigger, ess(state.logW, N), N)) {
      // 004 §3.2 item 3: log Z continues from its estimate at the resampling; the weights restart at 0.
      if (tracker) tracker = recordResampling(tracker, state.logW, N);
      scheme(stream, state.logW, ancestors);
      copy.x.set(state.x); copy.u.set(state.u); copy.grad.set(state.grad); copy.paramRows.set(state.paramRows);
      for (let i = 0; i < N; i++) {
        const a = ancestors[i]!;
        for (let j = 0; j < d; j++) {
          state.x[i * d + j] = copy.x[a * d + j]!;
          state.grad[i * d + j] = copy.grad[a * d + j]!;
        }
        for (let j = 0; j < p; j++) state.paramRows[i * p + j] = copy.paramRows[a * p + j]!;
        state.u[i] = copy.u[a]!;
      }
      state.logW.fill(0);
      resamplings++;
    }
    if ((k + 1) % recordEvery === 0 || k + 1 === K) record(k + 1);
  }
  return { variant, steps: K, trace, state, resamplings };
}
