/**
 * 001 §3.1, variational autoencoders, on the linear-Gaussian model where every quantity is closed form:
 *   prior ρ(z) = N(0, I_L), decoder ρθ(x|z) = N(Wz + b, σ²I_d) (3.1)-(3.2), θ = {W, b} (σ fixed),
 *   encoder qφ(z|x) = N(Cx + c, diag e^{2ℓ}) (3.13), φ = {C, c, ℓ} (ℓ = log std, shared over x: the exact posterior's
 *   covariance does not depend on x, so this family holds it whenever that covariance is diagonal).
 * Exact: the marginal ρθ(x) = N(b, WWᵀ + σ²I) (3.3); the posterior ρθ(z|x) = N(Λ⁻¹Wᵀ(x − b)/σ², Λ⁻¹) with
 * Λ = I + WᵀW/σ²; the ELBO (3.5) = (3.14) = E_q[log ρθ(x|z)] − D_KL(q‖ρ(z)) with
 *   E_q[log ρθ(x|z)] = −(d/2) log 2πσ² − (|x − Wμ − b|² + Σⱼ sⱼ² |W₋ⱼ|²)/(2σ²),
 *   D_KL(N(μ, diag s²)‖N(0, I)) = ½ Σⱼ (sⱼ² + μⱼ² − 1 − 2 log sⱼ);
 * and D_KL(q‖ρθ(z|x)) in closed form, for the decomposition (3.6) and the bound (3.7).
 * The Monte Carlo objective (3.16) with the reparameterization (3.15), zᵢ⁽ʳ⁾ = μφ(xᵢ) + sφ ⊙ ε⁽ʳ⁾, and its exact
 * gradient with respect to (θ, φ) for given ε (the reparameterized gradient) are here; ε is injected or drawn.
 *
 * (3.15) prints diag{σ²φ(x)}^{1/2} for the i-th point's scale; the scale is that of xᵢ (sφ(xᵢ)); (3.16)'s inner sum
 * index "i = r" is Σ_{r=1}^{R}. Both are read as intended.
 *
 * Parameters are one flat Float64Array, laid out [W (d×L, row-major), b (d), C (L×d, row-major), c (L), ℓ (L)].
 */
import { cholesky, choleskyLogDet, choleskySolve } from '../linalg/dense.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import type { Optimizer } from '../training/optimizers.js';
import { LOG_2PI } from '../energies/validate.js';

/** The shape of a linear-Gaussian VAE and the offsets of its blocks in the flat parameter vector. */
export interface LinearGaussianVae {
  /** data dimension d */
  readonly d: number;
  /** latent dimension L */
  readonly L: number;
  /** decoder noise σ > 0 */
  readonly sigma: number;
  /** d·L + d + L·d + 2L */
  readonly paramDim: number;
  readonly offsets: { readonly W: number; readonly b: number; readonly C: number; readonly c: number; readonly logStd: number };
}

/** The linear-Gaussian VAE with data dimension d, latent dimension L and decoder noise σ. */
export function linearGaussianVae(d: number, L: number, sigma: number): LinearGaussianVae {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`linearGaussianVae: d must be a positive integer, got ${d}`);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`linearGaussianVae: L must be a positive integer, got ${L}`);
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new RangeError(`linearGaussianVae: sigma must be finite and > 0, got ${sigma}`);
  const W = 0, b = d * L, C = b + d, c = C + L * d, logStd = c + L;
  return { d, L, sigma, paramDim: logStd + L, offsets: { W, b, C, c, logStd } };
}

/** Assembles the flat parameter vector from its blocks. */
export function linearVaeParams(vae: LinearGaussianVae, blocks: { W: Float64Array; b: Float64Array; C: Float64Array; c: Float64Array; logStd: Float64Array }): Float64Array {
  const { d, L, offsets: o } = vae;
  const sizes = { W: d * L, b: d, C: L * d, c: L, logStd: L } as const;
  const p = new Float64Array(vae.paramDim);
  for (const k of ['W', 'b', 'C', 'c', 'logStd'] as const) {
    if (blocks[k].length !== sizes[k]) throw new RangeError(`linearVaeParams: ${k} must have length ${sizes[k]}, got ${blocks[k].length}`);
    p.set(blocks[k], o[k]);
  }
  checkParams('linearVaeParams', vae, p);
  return p;
}

function checkParams(name: string, vae: LinearGaussianVae, params: Float64Array): void {
  if (params.length !== vae.paramDim) throw new RangeError(`${name}: params must have length ${vae.paramDim}, got ${params.length}`);
  for (let j = 0; j < params.length; j++) {
    if (!Number.isFinite(params[j]!)) throw new RangeError(`${name}: params[${j}] = ${params[j]} must be finite`);
  }
}

function checkData(name: string, vae: LinearGaussianVae, x: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (x.length !== n * vae.d) throw new RangeError(`${name}: x must hold n·d = ${n * vae.d} values, got ${x.length}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new RangeError(`${name}: x[${i}] = ${x[i]} must be finite`);
}

function checkOut(name: string, what: string, out: Float64Array, len: number): void {
  if (out.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${out.length}`);
}

/** μφ(xᵢ) = C xᵢ + c into out (n×L) — the encoder mean of (3.13). */
export function vaeEncoderMean(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  checkParams('vaeEncoderMean', vae, params);
  checkData('vaeEncoderMean', vae, x, n);
  checkOut('vaeEncoderMean', 'out', out, n * vae.L);
  encoderMean(vae, params, x, n, out);
  return out;
}

function encoderMean(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, out: Float64Array): void {
  const { d, L, offsets: o } = vae;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      let s = params[o.c + j]!;
      for (let k = 0; k < d; k++) s += params[o.C + j * d + k]! * x[i * d + k]!;
      out[i * L + j] = s;
    }
  }
}

/** log ρθ(xᵢ) = log N(xᵢ; b, WWᵀ + σ²I) (3.3) into out. */
export function vaeLogMarginal(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  const name = 'vaeLogMarginal';
  checkParams(name, vae, params);
  checkData(name, vae, x, n);
  checkOut(name, 'out', out, n);
  const { d, L, sigma, offsets: o } = vae;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    for (let s = 0; s < d; s++) {
      let v = r === s ? sigma * sigma : 0;
      for (let j = 0; j < L; j++) v += params[o.W + r * L + j]! * params[o.W + s * L + j]!;
      cov[r * d + s] = v;
    }
  }
  const chol = cholesky(cov, d, new Float64Array(d * d), 'WWᵀ + σ²I');
  const logDet = choleskyLogDet(chol, d);
  const r = new Float64Array(d), sol = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) r[k] = x[i * d + k]! - params[o.b + k]!;
    choleskySolve(chol, d, r, sol);
    let q = 0;
    for (let k = 0; k < d; k++) q += r[k]! * sol[k]!;
    out[i] = -0.5 * (d * LOG_2PI + logDet + q);
  }
  return out;
}

/** The exact posterior ρθ(z|xᵢ) = N(meanᵢ, cov): means into outMean (n×L), the shared covariance Λ⁻¹ into outCov (L×L). */
export function vaePosterior(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, outMean: Float64Array, outCov: Float64Array): void {
  const name = 'vaePosterior';
  checkParams(name, vae, params);
  checkData(name, vae, x, n);
  checkOut(name, 'outMean', outMean, n * vae.L);
  checkOut(name, 'outCov', outCov, vae.L * vae.L);
  const { d, L, offsets: o } = vae;
  const { chol } = precision(vae, params);
  const rhs = new Float64Array(L), m = new Float64Array(L), e = new Float64Array(L), col = new Float64Array(L);
  const s2 = vae.sigma * vae.sigma;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += params[o.W + k * L + j]! * (x[i * d + k]! - params[o.b + k]!);
      rhs[j] = s / s2;
    }
    choleskySolve(chol, L, rhs, m);
    outMean.set(m, i * L);
  }
  for (let j = 0; j < L; j++) {
    e.fill(0);
    e[j] = 1;
    choleskySolve(chol, L, e, col);
    for (let r = 0; r < L; r++) outCov[r * L + j] = col[r]!;
  }
}

/** Λ = I + WᵀW/σ² and its Cholesky factor. */
function precision(vae: LinearGaussianVae, params: Float64Array): { lambda: Float64Array; chol: Float64Array } {
  const { d, L, sigma, offsets: o } = vae;
  const lambda = new Float64Array(L * L);
  for (let r = 0; r < L; r++) {
    for (let s = 0; s < L; s++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += params[o.W + k * L + r]! * params[o.W + k * L + s]!;
      lambda[r * L + s] = (r === s ? 1 : 0) + v / (sigma * sigma);
    }
  }
  return { lambda, chol: cholesky(lambda, L, new Float64Array(L * L), 'Λ = I + WᵀW/σ²') };
}

/** D_KL(N(μ, diag e^{2ℓ}) ‖ N(0, I)) = ½ Σⱼ (e^{2ℓⱼ} + μⱼ² − 1 − 2ℓⱼ): the regularizer of (3.14), (3.16). */
export function diagonalGaussianKlToStandard(mean: Float64Array, meanOffset: number, logStd: Float64Array, logStdOffset: number, L: number): number {
  let s = 0;
  for (let j = 0; j < L; j++) {
    const m = mean[meanOffset + j]!, l = logStd[logStdOffset + j]!;
    s += Math.exp(2 * l) + m * m - 1 - 2 * l;
  }
  return 0.5 * s;
}

/** The two terms of the exact ELBO (3.14) per point: E_q[log ρθ(xᵢ|z)] into reconstruction, D_KL(q‖ρ(z)) into kl. */
export function vaeElboTerms(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, reconstruction: Float64Array, kl: Float64Array): void {
  const name = 'vaeElboTerms';
  checkParams(name, vae, params);
  checkData(name, vae, x, n);
  checkOut(name, 'reconstruction', reconstruction, n);
  checkOut(name, 'kl', kl, n);
  const { d, L, sigma, offsets: o } = vae;
  const mu = new Float64Array(n * L);
  encoderMean(vae, params, x, n, mu);
  // Σⱼ sⱼ² |W₋ⱼ|²: the decoder's spread of the encoder's variance.
  let spread = 0;
  for (let j = 0; j < L; j++) {
    let col = 0;
    for (let k = 0; k < d; k++) col += params[o.W + k * L + j]! ** 2;
    spread += Math.exp(2 * params[o.logStd + j]!) * col;
  }
  const s2 = sigma * sigma;
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    for (let k = 0; k < d; k++) {
      let e = x[i * d + k]! - params[o.b + k]!;
      for (let j = 0; j < L; j++) e -= params[o.W + k * L + j]! * mu[i * L + j]!;
      r2 += e * e;
    }
    reconstruction[i] = -0.5 * d * Math.log(2 * Math.PI * s2) - (r2 + spread) / (2 * s2);
    kl[i] = diagonalGaussianKlToStandard(mu, i * L, params, o.logStd, L);
  }
}

/** The exact ELBO ℒ(θ, qφ(·|xᵢ); xᵢ) of (3.5) per point into out. */
export function vaeElbo(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  checkOut('vaeElbo', 'out', out, n);
  const kl = new Float64Array(n);
  vaeElboTerms(vae, params, x, n, out, kl);
  for (let i = 0; i < n; i++) out[i] = out[i]! - kl[i]!; // (3.14)
  return out;
}

/**
 * D_KL(qφ(z|xᵢ) ‖ ρθ(z|xᵢ)) per point into out, from the two Gaussians directly:
 * ½[tr(Λ S) + (m − μ)ᵀΛ(m − μ) − L − log det Λ − log det S], S = diag e^{2ℓ}, m the posterior mean.
 */
export function vaePosteriorKl(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, out: Float64Array): Float64Array {
  const name = 'vaePosteriorKl';
  checkOut(name, 'out', out, n);
  const { L, offsets: o } = vae;
  const m = new Float64Array(n * L), cov = new Float64Array(L * L);
  vaePosterior(vae, params, x, n, m, cov);
  const { lambda, chol } = precision(vae, params);
  const mu = new Float64Array(n * L);
  encoderMean(vae, params, x, n, mu);
  let trLS = 0, logDetS = 0;
  for (let j = 0; j < L; j++) {
    trLS += lambda[j * L + j]! * Math.exp(2 * params[o.logStd + j]!);
    logDetS += 2 * params[o.logStd + j]!;
  }
  const logDetLambda = choleskyLogDet(chol, L);
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let r = 0; r < L; r++) {
      for (let s = 0; s < L; s++) q += (m[i * L + r]! - mu[i * L + r]!) * lambda[r * L + s]! * (m[i * L + s]! - mu[i * L + s]!);
    }
    out[i] = 0.5 * (trLS + q - L - logDetLambda - logDetS);
  }
  return out;
}

/** (3.15): zᵢ⁽ʳ⁾ = μφ(xᵢ) + sφ ⊙ ε⁽ʳ⁾ for ε (n×R×L, point-major) into outZ (n×R×L). */
export function vaeReparameterize(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, eps: Float64Array, R: number, outZ: Float64Array): Float64Array {
  const name = 'vaeReparameterize';
  checkParams(name, vae, params);
  checkData(name, vae, x, n);
  checkEps(name, vae, n, eps, R);
  checkOut(name, 'outZ', outZ, n * R * vae.L);
  const { L, offsets: o } = vae;
  const mu = new Float64Array(n * L);
  encoderMean(vae, params, x, n, mu);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < R; r++) {
      const off = (i * R + r) * L;
      for (let j = 0; j < L; j++) outZ[off + j] = mu[i * L + j]! + Math.exp(params[o.logStd + j]!) * eps[off + j]!; // (3.15)
    }
  }
  return outZ;
}

function checkEps(name: string, vae: LinearGaussianVae, n: number, eps: Float64Array, R: number): void {
  if (!Number.isInteger(R) || R < 1) throw new RangeError(`${name}: R must be a positive integer, got ${R}`);
  if (eps.length !== n * R * vae.L) throw new RangeError(`${name}: eps must hold n·R·L = ${n * R * vae.L} values, got ${eps.length}`);
  for (let i = 0; i < eps.length; i++) if (!Number.isFinite(eps[i]!)) throw new RangeError(`${name}: eps[${i}] = ${eps[i]} must be finite`);
}

/**
 * The Monte Carlo objective (3.16), ℒ̂ = Σᵢ (1/R) Σᵣ log ρθ(xᵢ|zᵢ⁽ʳ⁾) − Σᵢ D_KL(qφ(zᵢ|xᵢ)‖ρ(z)), with zᵢ⁽ʳ⁾ from
 * (3.15) and the injected ε (n×R×L). Returns ℒ̂; when grad is given, writes ∇_{θ,φ} ℒ̂ at this ε (the
 * reparameterized gradient, by the chain rule through (3.15)) into it. With eᵣ = xᵢ − Wzᵣ − b and gᵣ = Wᵀeᵣ/σ²:
 *   ∂W = (1/R)Σᵣ eᵣ zᵣᵀ/σ²,  ∂b = (1/R)Σᵣ eᵣ/σ²,  ∂C = [(1/R)Σᵣ gᵣ − μ] xᵢᵀ,  ∂c = (1/R)Σᵣ gᵣ − μ,
 *   ∂ℓⱼ = (1/R)Σᵣ gᵣⱼ sⱼ εᵣⱼ − (sⱼ² − 1), summed over i.
 */
export function vaeElboEstimate(vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, eps: Float64Array, R: number, grad?: Float64Array): number {
  const name = 'vaeElboEstimate';
  checkParams(name, vae, params);
  checkData(name, vae, x, n);
  checkEps(name, vae, n, eps, R);
  if (grad !== undefined && grad.length !== vae.paramDim) throw new RangeError(`${name}: grad must have length ${vae.paramDim}, got ${grad.length}`);
  const { d, L, sigma, offsets: o } = vae;
  const s2 = sigma * sigma;
  const mu = new Float64Array(L), s = new Float64Array(L), z = new Float64Array(L), e = new Float64Array(d), gz = new Float64Array(L);
  for (let j = 0; j < L; j++) s[j] = Math.exp(params[o.logStd + j]!);
  if (grad !== undefined) grad.fill(0);
  const logNorm = -0.5 * d * Math.log(2 * Math.PI * s2);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const xi = i * d;
    for (let j = 0; j < L; j++) {
      let v = params[o.c + j]!;
      for (let k = 0; k < d; k++) v += params[o.C + j * d + k]! * x[xi + k]!;
      mu[j] = v;
    }
    gz.fill(0); // (1/R) Σᵣ gᵣ, then the gradient with respect to μ
    for (let r = 0; r < R; r++) {
      const off = (i * R + r) * L;
      for (let j = 0; j < L; j++) z[j] = mu[j]! + s[j]! * eps[off + j]!; // (3.15)
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        let v = x[xi + k]! - params[o.b + k]!;
        for (let j = 0; j < L; j++) v -= params[o.W + k * L + j]! * z[j]!;
        e[k] = v;
        r2 += v * v;
      }
      total += (logNorm - r2 / (2 * s2)) / R;
      if (grad === undefined) continue;
      for (let k = 0; k < d; k++) {
        const ek = e[k]! / (s2 * R);
        grad[o.b + k] = grad[o.b + k]! + ek;
        for (let j = 0; j < L; j++) grad[o.W + k * L + j] = grad[o.W + k * L + j]! + ek * z[j]!;
      }
      for (let j = 0; j < L; j++) {
        let g = 0;
        for (let k = 0; k < d; k++) g += params[o.W + k * L + j]! * e[k]!;
        g /= s2 * R;
        gz[j] = gz[j]! + g;
        grad[o.logStd + j] = grad[o.logStd + j]! + g * s[j]! * eps[off + j]!;
      }
    }
    total -= diagonalGaussianKlToStandard(mu, 0, params, o.logStd, L);
    if (grad === undefined) continue;
    for (let j = 0; j < L; j++) {
      const gm = gz[j]! - mu[j]!; // ∂/∂μ of the reconstruction minus ∂/∂μ of the KL
      grad[o.c + j] = grad[o.c + j]! + gm;
      for (let k = 0; k < d; k++) grad[o.C + j * d + k] = grad[o.C + j * d + k]! + gm * x[xi + k]!;
      grad[o.logStd + j] = grad[o.logStd + j]! - (s[j]! * s[j]! - 1);
    }
  }
  return total;
}

/** (3.16) with ε ~ N(0, I) drawn from the stream into `eps` (n×R×L, allocated when omitted). */
export function vaeElboEstimateDrawn(stream: Stream, vae: LinearGaussianVae, params: Float64Array, x: Float64Array, n: number, R: number, grad?: Float64Array, eps?: Float64Array): number {
  if (!Number.isInteger(R) || R < 1) throw new RangeError(`vaeElboEstimateDrawn: R must be a positive integer, got ${R}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`vaeElboEstimateDrawn: n must be a positive integer, got ${n}`);
  const e = eps ?? new Float64Array(n * R * vae.L);
  normals(stream, e, 0, n * R * vae.L);
  return vaeElboEstimate(vae, params, x, n, e, R, grad);
}

/** The exact sum over the data of (3.5), of log ρθ (3.3), and their gap Σ D_KL(q‖ρθ(z|x)) (3.6). */
export interface VaeTrainingRecord {
  readonly step: number;
  /** (1/n) Σᵢ ℒ(θ, φ; xᵢ) (exact) */
  readonly elbo: number;
  /** (1/n) Σᵢ log ρθ(xᵢ) (exact) */
  readonly logLikelihood: number;
}

export interface VaeTrainingOptions {
  /** gradient-ascent steps on ℒ̂ */
  readonly steps: number;
  /** R in (3.16) */
  readonly samplesPerPoint: number;
  /** the optimizer; it receives the ascent direction ∇ℒ̂/n */
  readonly optimizer: Optimizer;
  /** record the exact ELBO and log-likelihood every this many steps (and at 0 and the end) */
  readonly recordEvery?: number;
}

/**
 * Joint gradient ascent on (θ, φ) with the reparameterized gradient of (3.16) over the whole data set (001 §3.1:
 * "gradient-based optimization on the joint set of parameters {θ, φ} with (3.12) as objective"); params is updated
 * in place. Records the exact mean ELBO and log-likelihood.
 */
export function trainLinearVae(stream: Stream, vae: LinearGaussianVae, params: Float64Array, data: Float64Array, n: number, options: VaeTrainingOptions): VaeTrainingRecord[] {
  const name = 'trainLinearVae';
  checkParams(name, vae, params);
  checkData(name, vae, data, n);
  const { steps, samplesPerPoint: R, optimizer } = options;
  const every = options.recordEvery ?? 1;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`${name}: steps must be a non-negative integer, got ${steps}`);
  if (!Number.isInteger(R) || R < 1) throw new RangeError(`${name}: samplesPerPoint must be a positive integer, got ${R}`);
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`${name}: recordEvery must be a positive integer, got ${every}`);
  const grad = new Float64Array(vae.paramDim), eps = new Float64Array(n * R * vae.L);
  const elbo = new Float64Array(n), logp = new Float64Array(n);
  const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / n;
  const records: VaeTrainingRecord[] = [];
  const record = (step: number): void => {
    vaeElbo(vae, params, data, n, elbo);
    vaeLogMarginal(vae, params, data, n, logp);
    records.push({ step, elbo: mean(elbo), logLikelihood: mean(logp) });
  };
  record(0);
  for (let t = 1; t <= steps; t++) {
    vaeElboEstimateDrawn(stream, vae, params, data, n, R, grad, eps);
    for (let j = 0; j < grad.length; j++) grad[j] = grad[j]! / n;
    optimizer.step(params, grad);
    if (t % every === 0 || t === steps) record(t);
  }
  return records;
}
