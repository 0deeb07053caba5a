/**
 * src/tfjs/engine — the image WalkerEngine and DataTerm of src/training/types.ts (004 Alg. 1, 2, 4 for images;
 * issue 6 item 1): walker positions and their cached ∇ₓU live in tfjs tensors [N, H, W, C], the per-walker scalars
 * (U, ξ·s, |s|²) are widened to float64 and the bookkeeping is src/smc's code — `jarzynskiIncrementFromScalars` for
 * the moved walkers (004 (5)-(6)) and `frozenWalkerIncrement` for the frozen ones (Alg. 2 line 14) — so weights, ESS,
 * resampling indices and log Z are computed exactly as for the float64 engine (src/training/engine.ts).
 *
 * ULA (004 (5) first line, Alg. 2 line 9): X' = X − h ∇U_θk(X) + √(2h) ξ, noise variance 2h, the variance the weight
 * formula (6) assumes. (The paper's public code moves the walkers with step 5·10⁻⁵ and noise std 10⁻⁴ ≠ √(2h) = 10⁻²;
 * with that noise the walkers do not follow the ULA transition the Jarzynski weights are derived for, so (5)-(6)
 * would not give E[e^{A_k}] = Z_θk/Z_θ0. Here the noise is always √(2h) ξ.) The noise ξ of the t-th moved walker is
 * drawn in float64 exactly as the generic engine draws it (`drawWalkerNoise`, keys.ts blocks) and rounded to float32;
 * that rounded ξ both moves the walker and enters ξ·s.
 *
 * Cost (004 A.3: the frozen walkers' update "uses only the model energy and does not require back-propagation"): a
 * mini-batch move gathers the N' moved walkers, evaluates ∇U_θk there, moves them, evaluates U and ∇U at θ_{k+1} at
 * their new positions, and evaluates only U_θk+1 (a forward pass) at the N − N' frozen ones; the cached ∇U of all
 * walkers is then stale and `readGradients` (checkpoints) re-evaluates it at the current θ. A move of all walkers
 * (moved = null) uses and refreshes the cache, so each step costs one ∇U evaluation. The dynamics never read a
 * gradient that a checkpoint stored except in the all-walkers case, where it is the exact cache.
 *
 * Float32: the move, U, ∇U, s = ∇U_θk(X) + ∇U_θk+1(X'), ξ·s and |s|² (reductions over d) are float32 tensor ops; the
 * scalars are widened exactly, and the log-weights are float64. Frozen walkers are copied by tf.gather, so they keep
 * their positions bit for bit.
 *
 * Checkpoints: readPositions/readEnergies/readGradients widen float32 exactly and restore rounds back, which is exact
 * for values that came from the engine, so a resumed run continues bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { foldIn, type Key } from '../rng/key.js';
import { streamFromKey } from '../rng/stream.js';
import { uniformInt } from '../rng/uniform.js';
import { frozenWalkerIncrement, jarzynskiIncrementFromScalars } from '../smc/jarzynski.js';
import { drawWalkerNoise } from '../training/engine.js';
import type { DataTerm, WalkerEngine } from '../training/types.js';
import { toFloat32 } from './backend.js';
import type { TensorEnergy } from './energy.js';

/** A WalkerEngine whose walkers are a tfjs tensor. */
export interface TensorWalkerEngine extends WalkerEngine {
  readonly energy: TensorEnergy;
  /** The current positions [N, H, W, C] (owned by the engine: do not dispose; valid until the next move). */
  positions(): tf.Tensor4D;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} = ${v} must be a positive integer`);
}

function widen(t: tf.Tensor, out: Float64Array): Float64Array {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) out[i] = d[i]!;
  return out;
}

/** The image WalkerEngine of N walkers of `energy` (module header). */
export function tensorEngine(energy: TensorEnergy, walkers: number): TensorWalkerEngine {
  checkPositiveInt('tensorEngine: walkers', walkers);
  const n = walkers, d = energy.dim, p = energy.paramDim;
  const shape: [number, number, number, number] = [n, ...energy.shape];
  const name = `tensorEngine(${energy.name})`;
  let x: tf.Tensor4D | null = null, grad: tf.Tensor4D | null = null;
  let u = new Float64Array(n), uNew = new Float64Array(n);
  const noise = new Float64Array(n * d);
  const noise32 = new Float32Array(n * d);
  const isMoved = new Uint8Array(n);
  /** whether `grad` holds ∇U at the current θ (false after a mini-batch move, which evaluates ∇U of the moved only) */
  let gradFresh = false;
  const thetaCur = new Float64Array(p);
  const cU = new Float64Array(n), cUNew = new Float64Array(n), cXs = new Float64Array(n), cSs = new Float64Array(n), cW = new Float64Array(n);

  function requireReady(): [tf.Tensor4D, tf.Tensor4D] {
    if (x === null || grad === null) throw new Error(`${name}: call setPositions (or restore) before stepping`);
    return [x, grad];
  }
  function checkTheta(label: string, theta: Float64Array): void {
    if (theta.length !== p) throw new RangeError(`${name}: ${label} must have length p = ${p}, got ${theta.length}`);
  }
  /** Installs new position and gradient tensors, disposing the old ones that are not reused. */
  function replace(nx: tf.Tensor4D, ng: tf.Tensor4D): void {
    if (x !== null && x !== nx) x.dispose();
    if (grad !== null && grad !== ng) grad.dispose();
    x = nx;
    grad = ng;
  }

  return {
    walkers: n,
    dim: d,
    paramDim: p,
    energy,
    positions: () => requireReady()[0],
    setPositions(theta, x0) {
      checkTheta('theta', theta);
      if (x0.length !== n * d) throw new RangeError(`${name}: positions must hold N·d = ${n * d} values, got ${x0.length}`);
      const t = tf.tensor4d(toFloat32(`${name}: positions`, x0), shape, 'float32');
      energy.setParameters(theta);
      const r = energy.valuesAndGradX(t);
      widen(r.u, u);
      r.u.dispose();
      replace(t, r.grad);
      thetaCur.set(theta);
      gradFresh = true;
    },
    advance(noiseKey, thetaK, thetaNext, h, moved, logW) {
      const [x0, g0] = requireReady();
      if (!(Number.isFinite(h) && h > 0)) throw new RangeError(`${name}: h must be a finite number > 0, got ${h}`);
      checkTheta('thetaK', thetaK);
      checkTheta('thetaNext', thetaNext);
      if (logW !== null && logW.length !== n) throw new RangeError(`${name}: logW must have length N = ${n}, got ${logW.length}`);
      const count = moved === null ? n : moved.length;
      isMoved.fill(moved === null ? 1 : 0);
      if (moved !== null) {
        for (let t = 0; t < count; t++) {
          const i = moved[t]!;
          if (!(Number.isInteger(i) && i >= 0 && i < n) || isMoved[i]) throw new RangeError(`${name}: moved must hold distinct walker indices in [0, ${n}), got ${i}`);
          isMoved[i] = 1;
        }
      }
      drawWalkerNoise(noiseKey, count, d, noise);
      for (let j = 0; j < count * d; j++) noise32[j] = noise[j]!; // rounded to float32
      const b = Math.sqrt(2 * h);
      const xi = tf.tensor4d(noise32.subarray(0, count * d), [count, ...energy.shape], 'float32');
      // The moved walkers (in the order of `moved`) and ∇U_θk there: the cache when it is current (all walkers moved
      // last time), else evaluated now — frozen walkers never need ∇U (Alg. 2 line 14 uses U only).
      let idx: tf.Tensor1D | null = null, frozenIdx: tf.Tensor1D | null = null;
      let xm: tf.Tensor4D, gm: tf.Tensor4D;
      if (moved === null) {
        if (!gradFresh) {
          energy.setParameters(thetaK);
          const r0 = energy.valuesAndGradX(x0);
          r0.u.dispose();
          replace(x0, r0.grad);
        }
        xm = x0;
        gm = grad!;
      } else {
        idx = tf.tensor1d(moved, 'int32');
        xm = tf.gather(x0, idx) as tf.Tensor4D;
        energy.setParameters(thetaK);
        const r0 = energy.valuesAndGradX(xm);
        r0.u.dispose();
        gm = r0.grad;
      }
      // 004 (5) first line / Alg. 2 line 9: X' = X − h ∇U_θk(X) + √(2h) ξ.
      const x1m = tf.tidy(() => xm.sub(gm.mul(h)).add(xi.mul(b)) as tf.Tensor4D);
      energy.setParameters(thetaNext);
      thetaCur.set(thetaNext);
      const r = energy.valuesAndGradX(x1m);
      const u1m = r.u.dataSync();
      for (let t = 0; t < count; t++) uNew[moved === null ? t : moved[t]!] = u1m[t]!;
      r.u.dispose();
      let x1: tf.Tensor4D;
      if (moved === null) {
        x1 = x1m;
      } else {
        // Frozen walkers: U_θk+1 at their unchanged positions (a forward pass), then all walkers back in index order.
        const frozen = new Int32Array(n - count), inverse = new Int32Array(n);
        for (let t = 0; t < count; t++) inverse[moved[t]!] = t;
        for (let i = 0, f = 0; i < n; i++) if (!isMoved[i]) { frozen[f] = i; inverse[i] = count + f; f++; }
        if (frozen.length > 0) {
          frozenIdx = tf.tensor1d(frozen, 'int32');
          const uf = tf.tidy(() => energy.values(tf.gather(x0, frozenIdx!) as tf.Tensor4D));
          const ufv = uf.dataSync();
          for (let f = 0; f < frozen.length; f++) uNew[frozen[f]!] = ufv[f]!;
          uf.dispose();
        }
        x1 = tf.tidy(() => {
          const parts = frozenIdx === null ? x1m : tf.concat([x1m, tf.gather(x0, frozenIdx)]);
          return tf.gather(parts, tf.tensor1d(inverse, 'int32')) as tf.Tensor4D;
        });
      }
      if (logW !== null) {
        const [xsT, ssT] = tf.tidy(() => {
          const s = gm.add(r.grad); // s = ∇U_θk(X) + ∇U_θk+1(X'), moved walkers in the order of `moved`
          return [xi.mul(s).sum([1, 2, 3]), s.square().sum([1, 2, 3])];
        });
        widen(xsT, cXs.subarray(0, count));
        widen(ssT, cSs.subarray(0, count));
        xsT.dispose();
        ssT.dispose();
        // Moved walkers: 004 (5)-(6) from the per-walker scalars (src/smc, the same code as the float64 engine).
        for (let t = 0; t < count; t++) {
          const i = moved === null ? t : moved[t]!;
          cU[t] = u[i]!; cUNew[t] = uNew[i]!; cW[t] = logW[i]!;
        }
        jarzynskiIncrementFromScalars(h, count, cU, cUNew, cXs, cSs, cW, cW);
        for (let t = 0; t < count; t++) logW[moved === null ? t : moved[t]!] = cW[t]!;
        // Frozen walkers: 004 Alg. 2 line 14, A += U_θk(X) − U_θk+1(X).
        if (count < n) {
          let f = 0;
          for (let i = 0; i < n; i++) {
            if (isMoved[i]) continue;
            cU[f] = u[i]!; cUNew[f] = uNew[i]!; cW[f] = logW[i]!;
            f++;
          }
          frozenWalkerIncrement(f, cU, cUNew, cW, cW);
          for (let i = 0, t = 0; i < n; i++) if (!isMoved[i]) logW[i] = cW[t++]!;
        }
      }
      xi.dispose();
      idx?.dispose();
      frozenIdx?.dispose();
      if (moved === null) {
        replace(x1, r.grad);
        gradFresh = true;
      } else {
        xm.dispose();
        gm.dispose();
        r.grad.dispose();
        x1m.dispose();
        replace(x1, g0); // g0 is now stale (not at θ_k+1): readGradients re-evaluates it when asked
        gradFresh = false;
      }
      [u, uNew] = [uNew, u];
    },
    paramGrad(theta, weights, out) {
      const [x0] = requireReady();
      checkTheta('theta', theta);
      if (weights.length !== n) throw new RangeError(`${name}: weights must have length N = ${n}, got ${weights.length}`);
      energy.setParameters(theta);
      return energy.weightedParamGrad(x0, weights, out);
    },
    resample(ancestors) {
      const [x0, g0] = requireReady();
      if (ancestors.length !== n) throw new RangeError(`${name}: ancestors must have length N = ${n}, got ${ancestors.length}`);
      for (let i = 0; i < n; i++) {
        const a = ancestors[i]!;
        if (!(a >= 0 && a < n)) throw new RangeError(`${name}: ancestors[${i}] = ${a} is not a walker index in [0, ${n})`);
        uNew[i] = u[a]!;
      }
      const idx = tf.tensor1d(ancestors, 'int32');
      const nx = tf.gather(x0, idx) as tf.Tensor4D, ng = tf.gather(g0, idx) as tf.Tensor4D;
      idx.dispose();
      replace(nx, ng);
      [u, uNew] = [uNew, u];
    },
    readPositions(out) {
      if (out.length !== n * d) throw new RangeError(`${name}: readPositions out must have length N·d = ${n * d}, got ${out.length}`);
      return widen(requireReady()[0], out);
    },
    readEnergies(out) {
      if (out.length !== n) throw new RangeError(`${name}: readEnergies out must have length N = ${n}, got ${out.length}`);
      requireReady();
      out.set(u);
      return out;
    },
    readGradients(out) {
      if (out.length !== n * d) throw new RangeError(`${name}: readGradients out must have length N·d = ${n * d}, got ${out.length}`);
      const [x0] = requireReady();
      if (!gradFresh) {
        energy.setParameters(thetaCur);
        const r = energy.valuesAndGradX(x0);
        r.u.dispose();
        replace(x0, r.grad);
        gradFresh = true;
      }
      return widen(grad!, out);
    },
    restore(x0, u0, g0) {
      if (x0.length !== n * d || u0.length !== n || g0.length !== n * d) {
        throw new RangeError(`${name}: restore expects ${n * d} positions, ${n} energies and ${n * d} gradients`);
      }
      for (let i = 0; i < n; i++) {
        if (Math.fround(u0[i]!) !== u0[i]) throw new RangeError(`${name}: restore energies[${i}] = ${u0[i]} is not a float32 value (not written by a tensor engine)`);
      }
      const nx = tf.tensor4d(toFloat32(`${name}: restore positions`, x0), shape, 'float32');
      const ng = tf.tensor4d(toFloat32(`${name}: restore gradients`, g0), shape, 'float32');
      replace(nx, ng);
      u.set(u0);
      gradFresh = true;
    },
    dispose() {
      x?.dispose();
      grad?.dispose();
      x = null;
      grad = null;
    },
  };
}

/** A DataTerm over image tensors, optionally on a data mini-batch drawn per iteration. */
export interface TensorDataTerm extends DataTerm {
  /** m: images per evaluation (n when the full data is used) */
  readonly batchSize: number;
  /** the iteration whose mini-batch the next call uses (the image trainer sets it before every step) */
  iteration: number;
  /** The data indices of iteration k's mini-batch (into out, length m). */
  batchIndices(k: number, out?: Int32Array): Int32Array;
  dispose(): void;
}

export interface TensorDataTermOptions {
  /** m ≤ n images per iteration, drawn with replacement (default: all n, no randomness) */
  readonly batchSize?: number;
  /** the key of the mini-batches: iteration k draws from foldIn(key, k) (required with batchSize < n) */
  readonly key?: Key;
}

/**
 * The data averages of (11)-(12) for images: m⁻¹ Σ_j ∂θU_θ(x*_j) and m⁻¹ Σ_j U_θ(x*_j), over all n points or over
 * iteration k's mini-batch of m indices drawn uniformly with replacement from foldIn(key, k) (an unbiased estimate of
 * the full averages; 004's image experiments use mini-batches).
 */
export function tensorDataTerm(energy: TensorEnergy, points: Float64Array, size: number, options: TensorDataTermOptions = {}): TensorDataTerm {
  checkPositiveInt('tensorDataTerm: size', size);
  const d = energy.dim;
  if (points.length !== size * d) throw new RangeError(`tensorDataTerm: points must hold n·d = ${size * d} values (d = ${d}), got ${points.length}`);
  const m = options.batchSize ?? size;
  checkPositiveInt('tensorDataTerm: batchSize', m);
  const full = options.batchSize === undefined || m === size;
  if (!full && options.key === undefined) throw new RangeError('tensorDataTerm: key is required when batchSize < size');
  const pts = Float64Array.from(points);
  const all = tf.tensor4d(toFloat32('tensorDataTerm: points', pts), [size, ...energy.shape], 'float32');
  const weights = new Float64Array(m).fill(1 / m);
  const idx = new Int32Array(m);
  const term: TensorDataTerm = {
    size,
    dim: d,
    points: pts,
    batchSize: m,
    iteration: 0,
    batchIndices(k, out = new Int32Array(m)) {
      if (full) {
        for (let j = 0; j < m; j++) out[j] = j;
        return out;
      }
      const s = streamFromKey(foldIn(options.key!, k));
      for (let j = 0; j < m; j++) out[j] = uniformInt(s, size);
      return out;
    },
    meanParamGradAndEnergy(theta, out) {
      energy.setParameters(theta);
      const xb = full ? all : tf.tidy(() => tf.gather(all, tf.tensor1d(term.batchIndices(term.iteration, idx), 'int32')) as tf.Tensor4D);
      energy.weightedParamGrad(xb, weights, out);
      const u = energy.values(xb);
      const uv = u.dataSync();
      let s = 0;
      for (let j = 0; j < m; j++) s += uv[j]!;
      u.dispose();
      if (!full) xb.dispose();
      return s / m;
    },
    dispose() {
      all.dispose();
    },
  };
  return term;
}
