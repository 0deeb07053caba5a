/**
 * src/diffusion/ncsn — noise-conditional score networks (003 "NCSN objective"; Song & Ermon 2019, "Generative modeling
 * by estimating gradients of the data distribution", §4.1-4.3 and Algorithm 1): a geometric sequence of noise levels
 * σ_1 > σ_2 > … > σ_L, the denoising objective E‖s_θ,σ(x̃) − ∇ log q(x̃ | x)‖² with ∇ log q(x̃ | x) = −(x̃ − x)/σ²
 * (optionally weighted by λ(σ) = σ², Song & Ermon eq. (6)), and annealed Langevin dynamics: for each level i, step size
 * α_i = ε σ_i²/σ_L² and K steps of 003's Langevin update x ← x + (α_i/2) s(x, σ_i) + √α_i z.
 */
import type { Stream } from '../rng/stream.js';
import { normals } from '../rng/normal.js';
import type { ScoreModel } from './types.js';
import { checkBuffer, checkShape } from './schedules.js';
import { checkFiniteState } from './finite.js';

function checkSigma(name: string, what: string, s: number): void {
  if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`${name}: ${what} = ${s} must be finite and > 0`);
}

/** σ_i = σ_max (σ_min/σ_max)^{(i−1)/(L−1)}, i = 1..L (index 0..L−1 here), decreasing; L = 1 needs σ_max = σ_min. */
export function ncsnNoiseLevels(sigmaMax: number, sigmaMin: number, L: number): Float64Array {
  checkSigma('ncsnNoiseLevels', 'sigmaMax', sigmaMax);
  checkSigma('ncsnNoiseLevels', 'sigmaMin', sigmaMin);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`ncsnNoiseLevels: L = ${L} must be an integer ≥ 1`);
  if (L === 1) {
    if (sigmaMax !== sigmaMin) throw new RangeError(`ncsnNoiseLevels: L = 1 needs sigmaMax = sigmaMin, got ${sigmaMax} and ${sigmaMin}`);
    return Float64Array.of(sigmaMax);
  }
  if (!(sigmaMax > sigmaMin)) throw new RangeError(`ncsnNoiseLevels: sigmaMax = ${sigmaMax} must be > sigmaMin = ${sigmaMin}`);
  const out = new Float64Array(L);
  const r = Math.log(sigmaMin / sigmaMax);
  for (let i = 0; i < L; i++) out[i] = i === L - 1 ? sigmaMin : sigmaMax * Math.exp((r * i) / (L - 1));
  return out;
}

/** Throws unless sigmas is a strictly decreasing sequence of finite positive levels. */
export function checkNoiseLevels(name: string, sigmas: Float64Array): void {
  if (!(sigmas instanceof Float64Array) || sigmas.length < 1) throw new RangeError(`${name}: sigmas must be a non-empty Float64Array`);
  for (let i = 0; i < sigmas.length; i++) {
    checkSigma(name, `sigmas[${i}]`, sigmas[i]!);
    if (i > 0 && !(sigmas[i]! < sigmas[i - 1]!)) throw new RangeError(`${name}: sigmas[${i}] = ${sigmas[i]} must be < sigmas[${i - 1}] = ${sigmas[i - 1]}`);
  }
}

export interface AnnealedLangevinOptions {
  /** K, Langevin steps per noise level (Song & Ermon use 100) */
  stepsPerLevel: number;
  /** ε, the step size at the smallest level (α_i = ε σ_i²/σ_L²) */
  epsilon: number;
}

/**
 * One annealed-Langevin pass with the noise supplied by `draw` (for injected-noise tests): x ← x + (α_i/2) s(x, σ_i)
 * + √α_i z for i = 1..L, K times each (Song & Ermon Alg. 1; 003 "Langevin dynamic"). Updates x in place; returns x.
 */
export function annealedLangevinWith(
  score: ScoreModel,
  sigmas: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
  opts: AnnealedLangevinOptions,
  draw: (z: Float64Array) => void,
): Float64Array {
  checkNoiseLevels('annealedLangevin', sigmas);
  checkShape('annealedLangevin', n, d);
  checkBuffer('annealedLangevin', 'x', x, n * d);
  const { stepsPerLevel: K, epsilon } = opts;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`annealedLangevin: stepsPerLevel = ${K} must be an integer ≥ 1`);
  checkSigma('annealedLangevin', 'epsilon', epsilon);
  const len = n * d;
  const s = new Float64Array(len);
  const z = new Float64Array(len);
  const sL2 = sigmas[sigmas.length - 1]! ** 2;
  for (let i = 0; i < sigmas.length; i++) {
    const sigma = sigmas[i]!;
    const alpha = (epsilon * sigma * sigma) / sL2; // Song & Ermon Alg. 1: α_i = ε σ_i²/σ_L²
    const root = Math.sqrt(alpha);
    for (let k = 0; k < K; k++) {
      score(x, n, sigma, s);
      draw(z);
      for (let j = 0; j < len; j++) x[j] = x[j]! + 0.5 * alpha * s[j]! + root * z[j]!; // 003 Langevin dynamic
      checkFiniteState('annealedLangevin', `x at level ${i}, step ${k}`, x, len);
    }
  }
  return x;
}

/** Annealed Langevin dynamics from x0 (n×d, copied); returns the final samples (a new array). */
export function annealedLangevin(
  rng: Stream,
  score: ScoreModel,
  sigmas: Float64Array,
  x0: Float64Array,
  n: number,
  d: number,
  opts: AnnealedLangevinOptions,
): Float64Array {
  checkShape('annealedLangevin', n, d);
  checkBuffer('annealedLangevin', 'x0', x0, n * d);
  const x = x0.slice(0, n * d);
  return annealedLangevinWith(score, sigmas, x, n, d, opts, (z) => normals(rng, z, 0, n * d));
}

/**
 * 003 NCSN objective with the levels and noise given: (1/n) Σ_i λ(σ_{l_i}) ‖s_θ(x̃_i, σ) − ∇ log q(x̃_i | x_i)‖², with
 * x̃ = x + σ z and ∇ log q(x̃ | x) = −z/σ; λ = 1 ('none', as 003 writes it) or σ² ('sigma2', Song & Ermon eq. (6)).
 * The level of row i is sigmas[levels[i]].
 */
export function ncsnLossWith(
  score: ScoreModel,
  sigmas: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
  levels: Int32Array,
  z: Float64Array,
  weighting: 'none' | 'sigma2' = 'none',
): number {
  checkNoiseLevels('ncsnLoss', sigmas);
  checkShape('ncsnLoss', n, d);
  checkBuffer('ncsnLoss', 'x', x, n * d);
  checkBuffer('ncsnLoss', 'z', z, n * d);
  if (!(levels instanceof Int32Array) || levels.length < n) throw new RangeError(`ncsnLoss: levels must be an Int32Array of at least n = ${n} values`);
  if (weighting !== 'none' && weighting !== 'sigma2') throw new RangeError(`ncsnLoss: weighting = ${String(weighting)} must be 'none' or 'sigma2'`);
  const row = new Float64Array(d);
  const out = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = levels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= sigmas.length) throw new RangeError(`ncsnLoss: levels[${i}] = ${l} must be an integer in 0..${sigmas.length - 1}`);
    const sigma = sigmas[l]!;
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]! + sigma * z[i * d + j]!;
    score(row, 1, sigma, out);
    let s = 0;
    for (let j = 0; j < d; j++) {
      const r = out[j]! + z[i * d + j]! / sigma; // s − (−z/σ)
      s += r * r;
    }
    total += (weighting === 'sigma2' ? sigma * sigma : 1) * s;
  }
  return total / n;
}
