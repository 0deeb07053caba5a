/**
 * 001 §2 (Definition 2.3, Lemma 2.1, (2.10)-(2.12)) and 000 §2 (6)-(9): cross-entropy, entropy and KL divergence of
 * 1-D densities by quadrature, and the maximum-likelihood / cross-entropy gradient of an EBM,
 *   ∂θ H(ρ*, ρθ) = E*[∂θUθ] − Eθ[∂θUθ]                                                   001 (2.12)
 *   ∂θ 𝕃(θ)      = −E_data[∂θEθ] + E_θ[∂θEθ]  (𝕃 = E_data log Pθ = −H)                   000 (9)
 * estimated from a data set (000 (10): the empirical mean over the data) and (weighted) model samples.
 *
 * Lemma 2.1 as printed, H(ρ1, ρ2) = H(ρ2) + D_KL(ρ2‖ρ1) (2.9), is wrong: the identity is
 * H(ρ1, ρ2) = H(ρ1) + D_KL(ρ1‖ρ2) (it is what the text then uses: H(ρ*, ρθ) − D_KL(ρ*‖ρθ) = H(ρ*)). Both sides are
 * computed here; `lemma21AsWritten` is the printed right-hand side, kept for the test that shows the difference.
 *
 * Densities are passed as log-density functions of one real variable; a density that is 0 at a node contributes
 * 0 log 0 = 0 where it is the weighting density.
 */
import type { Energy } from '../energies/energy.js';
import { checkQuadratureRule as checkRule, gaussLegendre, type QuadratureRule } from '../stats/quadrature.js';

/** log ρ(x) of a 1-D density; −∞ where ρ(x) = 0. */
export type LogDensity1D = (x: number) => number;

/**
 * The composite m-point Gauss–Legendre rule on [a, b] with `panels` equal panels: the reference rule for the 1-D
 * integrals of this layer and of src/latent (exact for piecewise polynomials of degree 2m − 1 on each panel).
 */
export function compositeGaussLegendre(a: number, b: number, panels: number, m = 20): QuadratureRule {
  if (!Number.isInteger(panels) || panels < 1) throw new RangeError(`compositeGaussLegendre: panels must be a positive integer, got ${panels}`);
  const nodes = new Float64Array(panels * m), weights = new Float64Array(panels * m);
  const h = (b - a) / panels;
  for (let k = 0; k < panels; k++) {
    const r = gaussLegendre(m, a + k * h, k === panels - 1 ? b : a + (k + 1) * h);
    nodes.set(r.nodes, k * m);
    weights.set(r.weights, k * m);
  }
  return { nodes, weights };
}

function checkValue(name: string, what: string, x: number, v: number): void {
  if (Number.isNaN(v) || v === Infinity) throw new RangeError(`${name}: ${what}(${x}) = ${v} must be a log-density (finite or −∞)`);
}

/**
 * Σ_k w_k ρ1(x_k) term(log ρ1(x_k), log ρ2(x_k)) over the nodes where ρ1 > 0 (0 log 0 = 0); +∞ as soon as ρ1 > 0 and
 * ρ2 = 0 at a node (both integrands below are +∞ there).
 */
function expectUnderRho1(name: string, logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule, term: (l1: number, l2: number) => number): number {
  checkRule(name, rule);
  let s = 0;
  for (let k = 0; k < rule.nodes.length; k++) {
    const x = rule.nodes[k]!;
    const l1 = logRho1(x);
    checkValue(name, 'logRho1', x, l1);
    if (l1 === -Infinity) continue;
    const l2 = logRho2(x);
    checkValue(name, 'logRho2', x, l2);
    if (l2 === -Infinity) return Infinity;
    s += rule.weights[k]! * Math.exp(l1) * term(l1, l2);
  }
  return s;
}

/** −∫ ρ1 log ρ2 = Σ_k w_k ρ1(x_k) (−log ρ2(x_k)) — 001 (2.5). +∞ where ρ1 > 0 and ρ2 = 0. */
export function crossEntropy(logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule): number {
  return expectUnderRho1('crossEntropy', logRho1, logRho2, rule, (_l1, l2) => -l2); // 001 (2.5)
}

/** H(ρ) = −∫ ρ log ρ — 001 (2.7). */
export function entropy(logRho: LogDensity1D, rule: QuadratureRule): number {
  return crossEntropy(logRho, logRho, rule);
}

/** D_KL(ρ1‖ρ2) = ∫ ρ1 log(ρ1/ρ2) — 001 (2.6). */
export function klDivergence(logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule): number {
  return expectUnderRho1('klDivergence', logRho1, logRho2, rule, (l1, l2) => l1 - l2); // 001 (2.6)
}

/** The correct Lemma 2.1 right-hand side: H(ρ1) + D_KL(ρ1‖ρ2) (= H(ρ1, ρ2)). */
export function lemma21(logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule): number {
  return entropy(logRho1, rule) + klDivergence(logRho1, logRho2, rule);
}

/** 001 (2.9) as printed: H(ρ2) + D_KL(ρ2‖ρ1) — equals H(ρ2, ρ1), not H(ρ1, ρ2) (erratum). */
export function lemma21AsWritten(logRho1: LogDensity1D, logRho2: LogDensity1D, rule: QuadratureRule): number {
  return entropy(logRho2, rule) + klDivergence(logRho2, logRho1, rule);
}

/**
 * 001 (2.10): H(ρ*, ρθ) = log Zθ + ∫ Uθ ρ*, for a 1-D energy with a closed-form log Zθ (the integral by quadrature).
 */
export function crossEntropyOfEnergy(logRhoStar: LogDensity1D, energy: Energy, theta: Float64Array, rule: QuadratureRule): number {
  checkRule('crossEntropyOfEnergy', rule);
  if (energy.dim !== 1) throw new RangeError(`crossEntropyOfEnergy: energy must be 1-D, got dim = ${energy.dim}`);
  if (energy.logPartition === undefined) throw new RangeError(`crossEntropyOfEnergy: energy ${energy.name} must have a closed-form logPartition`);
  const m = rule.nodes.length;
  const u = energy.energy(theta, rule.nodes, m, new Float64Array(m));
  let s = 0;
  for (let k = 0; k < m; k++) {
    const l = logRhoStar(rule.nodes[k]!);
    checkValue('crossEntropyOfEnergy', 'logRhoStar', rule.nodes[k]!, l);
    if (l !== -Infinity) s += rule.weights[k]! * Math.exp(l) * u[k]!;
  }
  return energy.logPartition(theta) + s; // 001 (2.10)
}

/**
 * The cross-entropy gradient 001 (2.12), D = (1/n) Σᵢ ∂θU(x*ᵢ) − Σⱼ pⱼ ∂θU(Xⱼ), from n data points (000 (10)) and N
 * model samples with normalized weights p (uniform 1/N when `weights` is omitted; self-normalized when given, e.g.
 * exponentiated Jarzynski log-weights). Written into out (length p); returns out. The log-likelihood gradient
 * 000 (9) is −D (`logLikelihoodGradient`).
 */
export function crossEntropyGradient(
  energy: Energy,
  theta: Float64Array,
  data: Float64Array,
  nData: number,
  samples: Float64Array,
  nSamples: number,
  out: Float64Array,
  weights?: Float64Array,
): Float64Array {
  const name = 'crossEntropyGradient';
  const d = energy.dim, p = energy.paramDim;
  if (!Number.isInteger(nData) || nData < 1) throw new RangeError(`${name}: nData must be a positive integer, got ${nData}`);
  if (!Number.isInteger(nSamples) || nSamples < 1) throw new RangeError(`${name}: nSamples must be a positive integer, got ${nSamples}`);
  if (data.length !== nData * d) throw new RangeError(`${name}: data must hold nData·d = ${nData * d} values, got ${data.length}`);
  if (samples.length !== nSamples * d) throw new RangeError(`${name}: samples must hold nSamples·d = ${nSamples * d} values, got ${samples.length}`);
  if (out.length !== p) throw new RangeError(`${name}: out must have length p = ${p}, got ${out.length}`);
  const wData = new Float64Array(nData).fill(1 / nData); // 000 (10)
  let wModel: Float64Array;
  if (weights === undefined) {
    wModel = new Float64Array(nSamples).fill(1 / nSamples);
  } else {
    if (weights.length !== nSamples) throw new RangeError(`${name}: weights must have length nSamples = ${nSamples}, got ${weights.length}`);
    let s = 0;
    for (let j = 0; j < nSamples; j++) {
      const w = weights[j]!;
      if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`${name}: weights[${j}] = ${w} must be finite and ≥ 0`);
      s += w;
    }
    if (!(s > 0)) throw new RangeError(`${name}: weights must not all be 0`);
    wModel = weights.map((w) => w / s);
  }
  const gModel = energy.paramGrad(theta, samples, nSamples, wModel, new Float64Array(p));
  energy.paramGrad(theta, data, nData, wData, out);
  for (let j = 0; j < p; j++) out[j] = out[j]! - gModel[j]!; // 001 (2.12): E*[∂θU] − Eθ[∂θU]
  return out;
}

/** 000 (9): ∂θ𝕃 = −E_data[∂θE] + E_θ[∂θE], the ascent direction of the log-likelihood (= −`crossEntropyGradient`). */
export function logLikelihoodGradient(
  energy: Energy,
  theta: Float64Array,
  data: Float64Array,
  nData: number,
  samples: Float64Array,
  nSamples: number,
  out: Float64Array,
  weights?: Float64Array,
): Float64Array {
  crossEntropyGradient(energy, theta, data, nData, samples, nSamples, out, weights);
  for (let j = 0; j < out.length; j++) out[j] = -out[j]!;
  return out;
}
