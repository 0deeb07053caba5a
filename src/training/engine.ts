/**
 * The generic engine and data term (types.ts) for any `Energy`: walkers in Float64Arrays, one thread. It is the
 * reference the specialized engines (gmm/, src/tfjs) are tested against, so it is written plainly: each step calls
 * the energy on the whole batch and the src/smc kernels on per-walker scalars.
 */
import type { Key } from '../rng/key.js';
import { normals } from '../rng/normal.js';
import { streamFromKey } from '../rng/stream.js';
import type { Energy } from '../energies/energy.js';
import { checkTheta } from '../energies/energy.js';
import { NOISE_BLOCK, noiseBlockKey } from './keys.js';
import type { DataTerm, WalkerEngine } from './types.js';

/** Fills noise (count×d) for `count` moved walkers from the block streams of `noiseKey` (keys.ts). */
export function drawWalkerNoise(noiseKey: Key, count: number, d: number, noise: Float64Array): Float64Array {
  for (let b = 0, t0 = 0; t0 < count; b++, t0 += NOISE_BLOCK) {
    const m = Math.min(NOISE_BLOCK, count - t0);
    normals(streamFromKey(noiseBlockKey(noiseKey, b)), noise, t0 * d, m * d);
  }
  return noise;
}

function checkPositive(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

/** The generic WalkerEngine of N walkers of `energy`. */
export function energyEngine(energy: Energy, walkers: number): WalkerEngine {
  checkPositive('walkers', walkers);
  const n = walkers, d = energy.dim, p = energy.paramDim;
  let x = new Float64Array(n * d), u = new Float64Array(n), grad = new Float64Array(n * d);
  let xNew = new Float64Array(n * d), uNew = new Float64Array(n), gradNew = new Float64Array(n * d);
  const noise = new Float64Array(n * d);
  const sqrt2h = (h: number) => Math.sqrt(2 * h);
  const isMoved = new Uint8Array(n);
  let ready = false;

  function requireReady(): void {
    if (!ready) throw new Error(`${energy.name} engine: call setPositions (or restore) before stepping`);
  }

  return {
    walkers: n,
    dim: d,
    paramDim: p,
    setPositions(theta, x0) {
      checkTheta(energy, theta);
      if (x0.length !== n * d) throw new RangeError(`positions must hold N·d = ${n * d} values, got ${x0.length}`);
      for (let i = 0; i < x0.length; i++) {
        if (!Number.isFinite(x0[i]!)) throw new RangeError(`positions[${i}] must be finite, got ${x0[i]}`);
      }
      x.set(x0);
      energy.energyGrad(theta, x, n, u, grad);
      ready = true;
    },
    advance(noiseKey, thetaK, thetaNext, h, moved, logW) {
      requireReady();
      if (!(Number.isFinite(h) && h > 0)) throw new RangeError(`h must be a finite number > 0, got ${h}`);
      checkTheta(energy, thetaK);
      const count = moved === null ? n : moved.length;
      if (logW !== null && logW.length !== n) throw new RangeError(`logW must have length N = ${n}, got ${logW.length}`);
      drawWalkerNoise(noiseKey, count, d, noise);
      const b = sqrt2h(h);
      xNew.set(x);
      isMoved.fill(moved === null ? 1 : 0);
      for (let t = 0; t < count; t++) {
        const i = moved === null ? t : moved[t]!;
        if (moved !== null) {
          if (!(i >= 0 && i < n) || isMoved[i]) throw new RangeError(`moved must hold distinct walker indices in [0, ${n}), got ${i}`);
          isMoved[i] = 1;
        }
        // 004 (5) first line / Alg. 2 line 9: X' = X − h ∇U_θk(X) + √(2h) ξ, with ∇U_θk cached at X.
        for (let j = 0; j < d; j++) xNew[i * d + j] = x[i * d + j]! - h * grad[i * d + j]! + b * noise[t * d + j]!;
      }
      energy.energyGrad(thetaNext, xNew, n, uNew, gradNew);
      if (logW !== null) {
        const a4 = 0.25 * h, c = Math.sqrt(0.5 * h);
        for (let t = 0; t < count; t++) {
          const i = moved === null ? t : moved[t]!;
          // 004 (5)-(6) in the fused form of src/smc/jarzynski.ts: ΔA = U_k(X) − U_k+1(X') − (h/4)|s|² + √(h/2) ξ·s.
          let xs = 0, ss = 0;
          for (let j = 0; j < d; j++) {
            const s = grad[i * d + j]! + gradNew[i * d + j]!;
            xs += noise[t * d + j]! * s;
            ss += s * s;
          }
          logW[i] = logW[i]! + u[i]! - uNew[i]! - a4 * ss + c * xs;
        }
        if (moved !== null) {
          // 004 Alg. 2 line 14: frozen walkers get A += U_θk(X) − U_θk+1(X).
          for (let i = 0; i < n; i++) if (!isMoved[i]) logW[i] = logW[i]! + u[i]! - uNew[i]!;
        }
      }
      [x, xNew] = [xNew, x];
      [u, uNew] = [uNew, u];
      [grad, gradNew] = [gradNew, grad];
    },
    paramGrad(theta, weights, out) {
      requireReady();
      return energy.paramGrad(theta, x, n, weights, out);
    },
    resample(ancestors) {
      requireReady();
      if (ancestors.length !== n) throw new RangeError(`ancestors must have length N = ${n}, got ${ancestors.length}`);
      for (let i = 0; i < n; i++) {
        const a = ancestors[i]!;
        if (!(a >= 0 && a < n)) throw new RangeError(`ancestors[${i}] = ${a} is not a walker index in [0, ${n})`);
        xNew.set(x.subarray(a * d, a * d + d), i * d);
        gradNew.set(grad.subarray(a * d, a * d + d), i * d);
        uNew[i] = u[a]!;
      }
      [x, xNew] = [xNew, x];
      [u, uNew] = [uNew, u];
      [grad, gradNew] = [gradNew, grad];
    },
    readPositions: (out) => (out.set(x), out),
    readEnergies: (out) => (out.set(u), out),
    readGradients: (out) => (out.set(grad), out),
    restore(x0, u0, g0) {
      if (x0.length !== n * d || u0.length !== n || g0.length !== n * d) {
        throw new RangeError(`restore: expected ${n * d} positions, ${n} energies and ${n * d} gradients`);
      }
      x.set(x0);
      u.set(u0);
      grad.set(g0);
      ready = true;
    },
    dispose() {},
  };
}

/** The generic DataTerm: n⁻¹ Σ_j ∂θU_θ(x*_j) and n⁻¹ Σ_j U_θ(x*_j) through the energy. */
export function energyDataTerm(energy: Energy, points: Float64Array, size: number): DataTerm {
  checkPositive('data size', size);
  const d = energy.dim;
  if (points.length !== size * d) throw new RangeError(`data must hold n·d = ${size * d} values (d = ${d}), got ${points.length}`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i]!)) throw new RangeError(`data[${i}] must be finite, got ${points[i]}`);
  }
  const pts = Float64Array.from(points);
  const weights = new Float64Array(size).fill(1 / size);
  const energies = new Float64Array(size);
  return {
    size,
    dim: d,
    points: pts,
    meanParamGradAndEnergy(theta, out) {
      energy.paramGrad(theta, pts, size, weights, out);
      energy.energy(theta, pts, size, energies);
      let s = 0;
      for (let j = 0; j < size; j++) s += energies[j]!;
      return s / size;
    },
  };
}
