/**
 * 001 §3.2, generative adversarial networks, on 1-D densities where V(G, D) is an integral that quadrature computes:
 *   V(G, D) = E*[log D(x)] + E_{ρz}[log(1 − D(G(z)))]                                     (3.17)
 *           = ∫ ρ*(x) log D(x) + ρg(x) log(1 − D(x)) dx                                  (3.18), (3.20)
 *   D*_G = ρ* / (ρ* + ρg)                                                                    (3.19), Theorem 3.1
 *   C(G) = max_D V(G, D) = E*[log D*_G] + E_ρg[log(1 − D*_G)] = −log 4 + 2 JSD(ρ*‖ρg)       (3.21)-(3.22)
 * and the alternating algorithm of Proposition 3.1 (gradient ascent on θd, then descent on θg, each on fresh
 * minibatches) for a Gaussian generator G(z) = μ + e^{λ} z, z ~ N(0, 1), θg = [μ, λ], against a logistic discriminator
 * D(x) = σ(w₀ + w₁x + w₂x²), θd = [w₀, w₁, w₂] — a family that holds D*_G whenever ρ* is Gaussian, since
 * log(ρ* / ρg) is then quadratic.
 *
 * Errata handled here: (3.20) prints ρg(x)(1 − D(x)) for ρg(x) log(1 − D(x)); (3.21) prints "argmax" for max and
 * drops both logarithms (as printed, C(G) would be 1 at ρg = ρ*, not −log 4). The code uses the correct forms.
 * Discriminators are passed by their logit t(x) (D = σ(t)), so log D = −softplus(−t) and log(1 − D) = −softplus(t)
 * stay finite where D is within rounding of 0 or 1.
 */
import { klDivergence, type LogDensity1D } from '../basics/cross-entropy.js';
import { sigmoid, softplus } from '../energies/validate.js';
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { checkQuadratureRule as checkRule, type QuadratureRule } from '../stats/quadrature.js';

/** The logit t(x) of a discriminator D(x) = σ(t(x)); ±∞ allowed where D is 0 or 1. */
export type Logit1D = (x: number) => number;

const LOG_4 = Math.log(4);

/** log σ(t) and log(1 − σ(t)) = log σ(−t), with the limits at ±∞. */
function logSigmoid(t: number): number {
  if (t === Infinity) return 0;
  if (t === -Infinity) return -Infinity;
  return -softplus(-t);
}

/** ρ(x) log σ(±t(x)) with the convention 0 · log 0 = 0; a NaN or +∞ log-density or a NaN logit is an error. */
function weighted(name: string, x: number, logRho: number, logD: number): number {
  if (Number.isNaN(logRho) || logRho === Infinity) throw new RangeError(`${name}: a log-density at x = ${x} is ${logRho}; it must be finite or −∞`);
  if (Number.isNaN(logD)) throw new RangeError(`${name}: logitD(${x}) is NaN`);
  if (logRho === -Infinity) return 0;
  return Math.exp(logRho) * logD;
}

/** V(G, D) by quadrature of (3.18)/(3.20) (corrected): ∫ ρ* log D + ρg log(1 − D). */
export function ganValue(logRhoStar: LogDensity1D, logRhoG: LogDensity1D, logitD: Logit1D, rule: QuadratureRule): number {
  checkRule('ganValue', rule);
  let v = 0;
  for (let k = 0; k < rule.nodes.length; k++) {
    const x = rule.nodes[k]!, t = logitD(x);
    if (Number.isNaN(t)) throw new RangeError(`ganValue: logitD(${x}) is NaN`);
    v += rule.weights[k]! * (weighted('ganValue', x, logRhoStar(x), logSigmoid(t)) + weighted('ganValue', x, logRhoG(x), logSigmoid(-t)));
  }
  return v;
}

/** V(G, D) as (3.17) writes it: E*[log D] by quadrature over x plus E_{ρz}[log(1 − D(G(z)))] by quadrature over z. */
export function ganValueFromNoise(
  logRhoStar: LogDensity1D,
  generator: (z: number) => number,
  logRhoZ: LogDensity1D,
  logitD: Logit1D,
  ruleX: QuadratureRule,
  ruleZ: QuadratureRule,
): number {
  checkRule('ganValueFromNoise (x)', ruleX);
  checkRule('ganValueFromNoise (z)', ruleZ);
  let v = 0;
  const name = 'ganValueFromNoise';
  for (let k = 0; k < ruleX.nodes.length; k++) {
    const x = ruleX.nodes[k]!;
    v += ruleX.weights[k]! * weighted(name, x, logRhoStar(x), logSigmoid(logitD(x)));
  }
  for (let k = 0; k < ruleZ.nodes.length; k++) {
    const z = ruleZ.nodes[k]!, y = generator(z);
    if (!Number.isFinite(y)) throw new RangeError(`${name}: generator(${z}) = ${y} must be finite`);
    const t = logitD(y);
    if (Number.isNaN(t)) throw new RangeError(`${name}: logitD(${y}) is NaN`);
    v += ruleZ.weights[k]! * weighted(name, z, logRhoZ(z), logSigmoid(-t));
  }
  return v;
}

/** The logit of D*_G = ρ* / (ρ* + ρg) (3.19): log ρ* − log ρg (+∞ where only ρ* > 0, −∞ where only ρg > 0). */
export function optimalDiscriminatorLogit(logRhoStar: LogDensity1D, logRhoG: LogDensity1D): Logit1D {
  return (x) => {
    const a = logRhoStar(x), b = logRhoG(x);
    if (a === -Infinity && b === -Infinity) throw new RangeError(`optimalDiscriminatorLogit: D* is undefined at x = ${x}, outside Supp(ρ*) ∪ Supp(ρg)`);
    return a - b;
  };
}

/** JSD(ρ1‖ρ2) = ½ D_KL(ρ1‖m) + ½ D_KL(ρ2‖m), m = (ρ1 + ρ2)/2 (by quadrature). */
export function jensenShannon(logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule): number {
  const logM: LogDensity1D = (x) => {
    const a = logRho1(x), b = logRho2(x);
    const hi = Math.max(a, b);
    if (hi === -Infinity) return -Infinity;
    return hi + Math.log1p(Math.exp(Math.min(a, b) - hi)) - Math.LN2;
  };
  return 0.5 * klDivergence(logRho1, logM, rule) + 0.5 * klDivergence(logRho2, logM, rule);
}

/** C(G) = V(G, D*_G) (3.21, corrected), by quadrature. */
export function optimalGanValue(logRhoStar: LogDensity1D, logRhoG: LogDensity1D, rule: QuadratureRule): number {
  return ganValue(logRhoStar, logRhoG, optimalDiscriminatorLogit(logRhoStar, logRhoG), rule);
}

/** −log 4 + 2 JSD(ρ*‖ρg): the right-hand side of (3.22). */
export function optimalGanValueFromJsd(logRhoStar: LogDensity1D, logRhoG: LogDensity1D, rule: QuadratureRule): number {
  return -LOG_4 + 2 * jensenShannon(logRhoStar, logRhoG, rule);
}

// --- The Gaussian generator / quadratic logistic discriminator family -------------------------------------------

function checkFamily(name: string, thetaG: Float64Array, thetaD: Float64Array): void {
  if (thetaG.length !== 2) throw new RangeError(`${name}: thetaG must be [μ, log s] (length 2), got length ${thetaG.length}`);
  if (thetaD.length !== 3) throw new RangeError(`${name}: thetaD must be [w0, w1, w2] (length 3), got length ${thetaD.length}`);
  for (let j = 0; j < 2; j++) if (!Number.isFinite(thetaG[j]!)) throw new RangeError(`${name}: thetaG[${j}] = ${thetaG[j]} must be finite`);
  for (let j = 0; j < 3; j++) if (!Number.isFinite(thetaD[j]!)) throw new RangeError(`${name}: thetaD[${j}] = ${thetaD[j]} must be finite`);
}

/** t(x) = w₀ + w₁x + w₂x². */
export function quadraticLogit(thetaD: Float64Array): Logit1D {
  const w0 = thetaD[0]!, w1 = thetaD[1]!, w2 = thetaD[2]!;
  return (x) => w0 + x * (w1 + w2 * x);
}

/** The log-density of ρg = N(μ, e^{2λ}) induced by G(z) = μ + e^{λ} z, z ~ N(0, 1). */
export function gaussianGeneratorLogDensity(thetaG: Float64Array): LogDensity1D {
  const mu = thetaG[0]!, l = thetaG[1]!, s = Math.exp(l);
  return (x) => -0.5 * Math.log(2 * Math.PI) - l - ((x - mu) ** 2) / (2 * s * s);
}

/** θd of D*_G for ρ* = N(m*, s*²) and ρg = N(μ, s²): the coefficients of log ρ* − log ρg. */
export function gaussianOptimalDiscriminator(meanStar: number, stdStar: number, thetaG: Float64Array): Float64Array {
  if (!Number.isFinite(meanStar)) throw new RangeError(`gaussianOptimalDiscriminator: meanStar = ${meanStar} must be finite`);
  if (!(Number.isFinite(stdStar) && stdStar > 0)) throw new RangeError(`gaussianOptimalDiscriminator: stdStar = ${stdStar} must be finite and > 0`);
  checkFamily('gaussianOptimalDiscriminator', thetaG, new Float64Array(3));
  const mu = thetaG[0]!, s = Math.exp(thetaG[1]!), a = 1 / (stdStar * stdStar), b = 1 / (s * s);
  return Float64Array.of(
    Math.log(s / stdStar) - 0.5 * meanStar * meanStar * a + 0.5 * mu * mu * b,
    meanStar * a - mu * b,
    -0.5 * a + 0.5 * b,
  );
}

/**
 * Proposition 3.1's minibatch estimate V̂ = (1/N) Σᵢ log D(xᵢ) + (1/M) Σⱼ log(1 − D(G(zⱼ))) and its gradients:
 *   ∇θd V̂ = (1/N) Σᵢ (1 − D(xᵢ)) φ(xᵢ) − (1/M) Σⱼ D(yⱼ) φ(yⱼ),   φ(x) = (1, x, x²), yⱼ = G(zⱼ);
 *   ∇θg V̂ = (1/M) Σⱼ −D(yⱼ) t'(yⱼ) (1, e^{λ} zⱼ),   t'(y) = w₁ + 2w₂y.
 * Writes the gradients into gradD (3) and gradG (2); returns V̂.
 */
export function ganMinibatchGradients(
  thetaG: Float64Array,
  thetaD: Float64Array,
  x: Float64Array,
  z: Float64Array,
  gradD: Float64Array,
  gradG: Float64Array,
): number {
  const name = 'ganMinibatchGradients';
  checkFamily(name, thetaG, thetaD);
  if (x.length < 1 || z.length < 1) throw new RangeError(`${name}: x (data) and z (noise) must be non-empty, got ${x.length} and ${z.length}`);
  if (gradD.length !== 3 || gradG.length !== 2) throw new RangeError(`${name}: gradD must have length 3 and gradG length 2, got ${gradD.length} and ${gradG.length}`);
  const w0 = thetaD[0]!, w1 = thetaD[1]!, w2 = thetaD[2]!, mu = thetaG[0]!, s = Math.exp(thetaG[1]!);
  let v = 0, d0 = 0, d1 = 0, d2 = 0, g0 = 0, g1 = 0;
  const N = x.length, M = z.length;
  for (let i = 0; i < N; i++) {
    const xi = x[i]!;
    if (!Number.isFinite(xi)) throw new RangeError(`${name}: x[${i}] = ${xi} must be finite`);
    const t = w0 + xi * (w1 + w2 * xi);
    v -= softplus(-t) / N;
    const r = sigmoid(-t) / N; // (1 − D)/N
    d0 += r;
    d1 += r * xi;
    d2 += r * xi * xi;
  }
  for (let j = 0; j < M; j++) {
    const zj = z[j]!;
    if (!Number.isFinite(zj)) throw new RangeError(`${name}: z[${j}] = ${zj} must be finite`);
    const y = mu + s * zj;
    const t = w0 + y * (w1 + w2 * y);
    v -= softplus(t) / M;
    const dy = sigmoid(t) / M; // D/M
    d0 -= dy;
    d1 -= dy * y;
    d2 -= dy * y * y;
    const gy = -dy * (w1 + 2 * w2 * y);
    g0 += gy;
    g1 += gy * s * zj;
  }
  gradD[0] = d0; gradD[1] = d1; gradD[2] = d2;
  gradG[0] = g0; gradG[1] = g1;
  return v;
}

/**
 * The population gradients of V(G, D) in the family (the expectations of `ganMinibatchGradients`), by quadrature:
 * x over `ruleX` weighted by ρ*, z over `ruleZ` weighted by the N(0, 1) density. Returns V.
 */
export function ganPopulationGradients(
  logRhoStar: LogDensity1D,
  thetaG: Float64Array,
  thetaD: Float64Array,
  ruleX: QuadratureRule,
  ruleZ: QuadratureRule,
  gradD: Float64Array,
  gradG: Float64Array,
): number {
  const name = 'ganPopulationGradients';
  checkFamily(name, thetaG, thetaD);
  checkRule(`${name} (x)`, ruleX);
  checkRule(`${name} (z)`, ruleZ);
  if (gradD.length !== 3 || gradG.length !== 2) throw new RangeError(`${name}: gradD must have length 3 and gradG length 2, got ${gradD.length} and ${gradG.length}`);
  const w0 = thetaD[0]!, w1 = thetaD[1]!, w2 = thetaD[2]!, mu = thetaG[0]!, s = Math.exp(thetaG[1]!);
  let v = 0, d0 = 0, d1 = 0, d2 = 0, g0 = 0, g1 = 0;
  for (let k = 0; k < ruleX.nodes.length; k++) {
    const xi = ruleX.nodes[k]!, lr = logRhoStar(xi);
    if (Number.isNaN(lr) || lr === Infinity) throw new RangeError(`${name}: logRhoStar(${xi}) = ${lr} must be finite or −∞`);
    if (lr === -Infinity) continue;
    const w = ruleX.weights[k]! * Math.exp(lr);
    const t = w0 + xi * (w1 + w2 * xi);
    v -= w * softplus(-t);
    const r = w * sigmoid(-t);
    d0 += r; d1 += r * xi; d2 += r * xi * xi;
  }
  for (let k = 0; k < ruleZ.nodes.length; k++) {
    const zj = ruleZ.nodes[k]!;
    const w = (ruleZ.weights[k]! * Math.exp(-0.5 * zj * zj)) / Math.sqrt(2 * Math.PI);
    const y = mu + s * zj;
    const t = w0 + y * (w1 + w2 * y);
    v -= w * softplus(t);
    const dy = w * sigmoid(t);
    d0 -= dy; d1 -= dy * y; d2 -= dy * y * y;
    const gy = -dy * (w1 + 2 * w2 * y);
    g0 += gy; g1 += gy * s * zj;
  }
  gradD[0] = d0; gradD[1] = d1; gradD[2] = d2;
  gradG[0] = g0; gradG[1] = g1;
  return v;
}

/** Options of the alternating algorithm (Proposition 3.1). */
export interface GanAlternatingOptions {
  /** outer iterations (one generator update each) */
  readonly iterations: number;
  /** N: data and noise draws per minibatch */
  readonly batchSize: number;
  /** discriminator ascent steps per generator step (Theorem 3.3 lets D reach its optimum; 1 is Prop. 3.1 as written) */
  readonly discriminatorSteps: number;
  /** ascent rate of θd */
  readonly discriminatorRate: number;
  /** descent rate of θg */
  readonly generatorRate: number;
}

/** What one outer iteration did: the minibatch V̂ at the discriminator's last step and at the generator's step. */
export interface GanIterationInfo {
  readonly iteration: number;
  readonly discriminatorValue: number;
  readonly generatorValue: number;
}

/**
 * Proposition 3.1: per outer iteration, `discriminatorSteps` times [draw N noise values and N data points; θd ← θd +
 * η_d ∇θd V̂], then [draw N noise values; θg ← θg − η_g ∇θg V̂]. thetaG and thetaD are updated in place; `sampleData`
 * draws data points from ρ* into its buffer; `onIteration` sees θg, θd after each outer iteration.
 */
export function ganAlternating(
  stream: Stream,
  sampleData: (stream: Stream, out: Float64Array) => void,
  thetaG: Float64Array,
  thetaD: Float64Array,
  options: GanAlternatingOptions,
  onIteration?: (info: GanIterationInfo, thetaG: Float64Array, thetaD: Float64Array) => void,
): void {
  const name = 'ganAlternating';
  checkFamily(name, thetaG, thetaD);
  const { iterations, batchSize: N, discriminatorSteps: k, discriminatorRate: etaD, generatorRate: etaG } = options;
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`${name}: iterations must be a non-negative integer, got ${iterations}`);
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`${name}: batchSize must be a positive integer, got ${N}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${name}: discriminatorSteps must be a positive integer, got ${k}`);
  if (!(Number.isFinite(etaD) && etaD > 0)) throw new RangeError(`${name}: discriminatorRate must be finite and > 0, got ${etaD}`);
  if (!(Number.isFinite(etaG) && etaG > 0)) throw new RangeError(`${name}: generatorRate must be finite and > 0, got ${etaG}`);
  const x = new Float64Array(N), z = new Float64Array(N), gD = new Float64Array(3), gG = new Float64Array(2);
  for (let it = 0; it < iterations; it++) {
    let vD = 0;
    for (let s = 0; s < k; s++) {
      // Prop. 3.1, discriminator: 1. sample noise and data; 2. ascend ∇θd V.
      normals(stream, z, 0, N);
      sampleData(stream, x);
      vD = ganMinibatchGradients(thetaG, thetaD, x, z, gD, gG);
      for (let j = 0; j < 3; j++) thetaD[j] = thetaD[j]! + etaD * gD[j]!;
    }
    // Prop. 3.1, generator: 1. sample noise; 2. descend ∇θg V (the data term does not depend on θg).
    normals(stream, z, 0, N);
    const vG = ganMinibatchGradients(thetaG, thetaD, x, z, gD, gG);
    for (let j = 0; j < 2; j++) thetaG[j] = thetaG[j]! - etaG * gG[j]!;
    checkFamily(name, thetaG, thetaD);
    onIteration?.({ iteration: it + 1, discriminatorValue: vD, generatorValue: vG }, thetaG, thetaD);
  }
}
