/**
 * The principle of maximum entropy, 001 §5: Example 5.1 (the uniform law on an interval), Proposition 5.1 (the
 * Boltzmann–Gibbs law from a mean-energy constraint (5.7)), Lemma 5.1 and (5.12) (F = −T log Z = Ū − T·H at
 * equilibrium).
 *
 * One discretization serves both settings: a law is a density ρ_k on points x_k with base weights w_k, with
 * ∫f ρ ≈ Σ_k w_k f(x_k) ρ_k. On a finite state space w_k = 1 (ρ_k are probabilities, H the Shannon entropy); for a
 * continuous 1-D energy the (x_k, w_k) are a quadrature rule (src/stats/quadrature.ts) and H is the differential
 * entropy (2.7) by that rule. Stationarity (5.9) gives ρ(x) = exp(λ0 − 1 + λ1 U(x)), Z⁻¹ = e^{λ0 − 1}, and λ1 is fixed
 * by I1[ρ] = Ū: the mean energy E_β[U] with β = −λ1 is strictly decreasing in β (dE/dβ = −Var U), so β is the root of
 * a monotone function, found by bracketing and safeguarded Newton steps.
 *
 * Sign: Prop. 5.1 writes ρ_BG = e^{λ1 U}/Z with λ1 > 0; the Boltzmann–Gibbs law e^{−βU}/Z with β = 1/T > 0 has
 * λ1 = −β < 0 (Lemma 5.1's own λ1 = −1/T). Here λ1 = −β, and β > 0 exactly when Ū is below the mean energy of the
 * uniform law.
 */
import type { QuadratureRule } from '../stats/quadrature.js';

/** A law ρ_k on points with base weights w_k (see the module header). */
export interface GibbsLaw {
  readonly beta: number;
  /** λ1 = −β (5.9) */
  readonly lambda1: number;
  /** λ0 = 1 − log Z (5.9): Z⁻¹ = e^{λ0 − 1} */
  readonly lambda0: number;
  readonly logZ: number;
  /** ρ_k = e^{−βU_k}/Z (density w.r.t. the base weights) */
  readonly density: Float64Array;
  /** Ū = Σ w_k U_k ρ_k */
  readonly meanEnergy: number;
  /** Var U */
  readonly energyVariance: number;
  /** H = −Σ w_k ρ_k log ρ_k, computed from ρ directly */
  readonly entropy: number;
  /** F = −T log Z with T = 1/β (5.12); NaN at β = 0 */
  readonly freeEnergy: number;
}

function checkGrid(fn: string, energies: ArrayLike<number>, weights: ArrayLike<number>): void {
  const S = energies.length;
  if (S < 1) throw new RangeError(`${fn}: energies must hold at least one value`);
  if (weights.length !== S) throw new RangeError(`${fn}: weights must hold ${S} values (one per energy), got ${weights.length}`);
  for (let k = 0; k < S; k++) {
    if (!Number.isFinite(energies[k]!)) throw new RangeError(`${fn}: energies[${k}] = ${energies[k]} must be finite`);
    if (!(Number.isFinite(weights[k]!) && weights[k]! > 0)) throw new RangeError(`${fn}: weights[${k}] = ${weights[k]} must be finite and > 0`);
  }
}

function ones(n: number): Float64Array {
  return new Float64Array(n).fill(1);
}

/** The Boltzmann–Gibbs law at β on a grid (energies U_k, base weights w_k; w = 1 for a finite state space). */
export function gibbsLaw(energies: ArrayLike<number>, beta: number, weights: ArrayLike<number> = ones(energies.length)): GibbsLaw {
  const fn = 'gibbsLaw';
  checkGrid(fn, energies, weights);
  if (!Number.isFinite(beta)) throw new RangeError(`${fn}: beta = ${beta} must be finite`);
  const S = energies.length;
  let max = -Infinity;
  for (let k = 0; k < S; k++) max = Math.max(max, -beta * energies[k]! + Math.log(weights[k]!));
  if (!Number.isFinite(max)) throw new RangeError(`${fn}: beta = ${beta} overflows: −β·U_k + log w_k is not finite for every state`);
  let z = 0;
  for (let k = 0; k < S; k++) z += Math.exp(-beta * energies[k]! + Math.log(weights[k]!) - max);
  const logZ = max + Math.log(z);
  const density = new Float64Array(S);
  let mean = 0;
  for (let k = 0; k < S; k++) {
    density[k] = Math.exp(-beta * energies[k]! - logZ);
    mean += weights[k]! * density[k]! * energies[k]!;
  }
  let variance = 0, entropy = 0;
  for (let k = 0; k < S; k++) {
    const wr = weights[k]! * density[k]!;
    variance += wr * (energies[k]! - mean) ** 2;
    if (density[k]! > 0) entropy -= wr * Math.log(density[k]!);
  }
  return {
    beta, lambda1: -beta, lambda0: 1 - logZ, logZ, density, meanEnergy: mean, energyVariance: variance, entropy,
    freeEnergy: beta === 0 ? Number.NaN : -logZ / beta,
  };
}

/** −Σ w_k π_k log π_k (terms with π_k = 0 contribute 0). */
export function entropyOf(density: ArrayLike<number>, weights: ArrayLike<number> = ones(density.length)): number {
  if (weights.length !== density.length) throw new RangeError(`entropyOf: weights must hold ${density.length} values, got ${weights.length}`);
  for (let k = 0; k < weights.length; k++) {
    if (!(Number.isFinite(weights[k]!) && weights[k]! > 0)) throw new RangeError(`entropyOf: weights[${k}] = ${weights[k]} must be finite and > 0`);
  }
  let h = 0;
  for (let k = 0; k < density.length; k++) {
    const p = density[k]!;
    if (!(Number.isFinite(p) && p >= 0)) throw new RangeError(`entropyOf: density[${k}] = ${p} must be finite and ≥ 0`);
    if (p > 0) h -= weights[k]! * p * Math.log(p);
  }
  return h;
}

/**
 * The root of a continuous, strictly monotone f on [lo, hi] with f(lo), f(hi) of opposite signs (bisection with
 * Newton steps when df is given and the step stays inside the bracket), to |hi − lo| ≤ tol·max(1, |x|).
 */
export function monotoneRoot(f: (x: number) => number, lo: number, hi: number, options: { df?: (x: number) => number; tol?: number; maxIter?: number } = {}): number {
  const fn = 'monotoneRoot';
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`${fn}: the bracket [lo, hi] must be finite with lo < hi, got [${lo}, ${hi}]`);
  const tol = options.tol ?? 1e-15, maxIter = options.maxIter ?? 400;
  if (!(Number.isFinite(tol) && tol > 0)) throw new RangeError(`${fn}: tol = ${tol} must be finite and > 0`);
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) throw new RangeError(`${fn}: maxIter = ${maxIter} must be a positive integer`);
  let flo = f(lo), fhi = f(hi);
  if (Number.isNaN(flo) || Number.isNaN(fhi)) throw new RangeError(`${fn}: f is NaN at the bracket ends (f(${lo}) = ${flo}, f(${hi}) = ${fhi})`);
  if (flo === 0) return lo;
  if (fhi === 0) return hi;
  if (Math.sign(flo) === Math.sign(fhi)) throw new RangeError(`${fn}: f(lo) = ${flo} and f(hi) = ${fhi} must have opposite signs`);
  let x = 0.5 * (lo + hi);
  for (let it = 0; it < maxIter; it++) {
    const fx = f(x);
    if (fx === 0) return x;
    if (Math.sign(fx) === Math.sign(flo)) { lo = x; flo = fx; } else { hi = x; fhi = fx; }
    if (hi - lo <= tol * Math.max(1, Math.abs(x))) return 0.5 * (lo + hi);
    let next = 0.5 * (lo + hi);
    if (options.df) {
      const d = options.df(x);
      const newton = x - fx / d;
      if (Number.isFinite(newton) && newton > lo && newton < hi) next = newton;
    }
    if (next === x) return x;
    x = next;
  }
  return 0.5 * (lo + hi);
}

/**
 * Prop. 5.1 solved numerically: the maximum-entropy law under I0[π] = 1 and I1[π] = Ū (5.7), i.e. the Gibbs law whose
 * mean energy is Ū; β = −λ1 is the root of E_β[U] − Ū (strictly decreasing). Ū must lie strictly between min U and
 * max U.
 */
export function maxEntropyGibbs(energies: ArrayLike<number>, meanEnergy: number, weights: ArrayLike<number> = ones(energies.length)): GibbsLaw {
  const fn = 'maxEntropyGibbs';
  checkGrid(fn, energies, weights);
  if (!Number.isFinite(meanEnergy)) throw new RangeError(`${fn}: meanEnergy = ${meanEnergy} must be finite`);
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < energies.length; k++) { lo = Math.min(lo, energies[k]!); hi = Math.max(hi, energies[k]!); }
  if (!(meanEnergy > lo && meanEnergy < hi)) {
    throw new RangeError(`${fn}: meanEnergy = ${meanEnergy} must lie strictly between min U = ${lo} and max U = ${hi}`);
  }
  const scale = hi - lo;
  const g = (b: number) => gibbsLaw(energies, b, weights).meanEnergy - meanEnergy; // decreasing in β
  // Bracket: expand [−B, B] until E_{−B}[U] > Ū > E_B[U].
  let B = 1 / scale;
  while (!(g(-B) > 0 && g(B) < 0)) {
    B *= 2;
    if (B > 1e300) throw new RangeError(`${fn}: no β found for meanEnergy = ${meanEnergy} (too close to min U or max U)`);
  }
  const beta = monotoneRoot(g, -B, B, { df: (b) => -gibbsLaw(energies, b, weights).energyVariance });
  return gibbsLaw(energies, beta, weights);
}

/** The grid of a continuous 1-D energy U on a quadrature rule: energies U(x_k) and weights w_k. */
export function energyOnRule(U: (x: number) => number, rule: QuadratureRule): { energies: Float64Array; weights: Float64Array } {
  const m = rule.nodes.length;
  const energies = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const u = U(rule.nodes[k]!);
    if (!Number.isFinite(u)) throw new RangeError(`energyOnRule: U(${rule.nodes[k]}) = ${u} must be finite on the rule's nodes`);
    energies[k] = u;
  }
  return { energies, weights: Float64Array.from(rule.weights) };
}

/** Example 5.1 in closed form: on [a, b], ρ = 1/(b − a), λ0 = 1 − log(b − a) (from (5.5)), H = log(b − a). */
export function uniformMaxEntropy(a: number, b: number): { density: number; lambda0: number; entropy: number } {
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) throw new RangeError(`uniformMaxEntropy: the interval [a, b] must be finite with a < b, got [${a}, ${b}]`);
  const len = b - a;
  return { density: 1 / len, lambda0: 1 - Math.log(len), entropy: Math.log(len) };
}

/**
 * Example 5.1 solved numerically on a quadrature rule: the stationary point (5.5) ρ = e^{λ0 − 1} with λ0 the root of
 * the normalization I0[ρ] − 1 = Σ_k w_k e^{λ0 − 1} − 1 (increasing in λ0).
 */
export function uniformMaxEntropyOnRule(rule: QuadratureRule): { density: number; lambda0: number; entropy: number } {
  let total = 0;
  for (let k = 0; k < rule.weights.length; k++) {
    if (!(Number.isFinite(rule.weights[k]!) && rule.weights[k]! > 0)) throw new RangeError(`uniformMaxEntropyOnRule: rule.weights[${k}] = ${rule.weights[k]} must be finite and > 0`);
    total += rule.weights[k]!;
  }
  const c = (l0: number) => total * Math.exp(l0 - 1) - 1; // I0[ρ] − 1
  const lambda0 = monotoneRoot(c, -1 - 50 - Math.abs(Math.log(total)), 1 + 50 + Math.abs(Math.log(total)), { df: (l0) => total * Math.exp(l0 - 1) });
  const density = Math.exp(lambda0 - 1);
  return { density, lambda0, entropy: entropyOf(new Float64Array(rule.weights.length).fill(density), rule.weights) };
}

/** The Helmholtz free energy F = Ū − T·H of any law (Lemma 5.1); equals −T log Z only at equilibrium (5.12). */
export function helmholtzFreeEnergy(meanEnergy: number, entropy: number, T: number): number {
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`helmholtzFreeEnergy: T = ${T} must be finite and > 0`);
  if (!Number.isFinite(meanEnergy)) throw new RangeError(`helmholtzFreeEnergy: meanEnergy = ${meanEnergy} must be finite`);
  if (!Number.isFinite(entropy)) throw new RangeError(`helmholtzFreeEnergy: entropy = ${entropy} must be finite`);
  return meanEnergy - T * entropy;
}

/** The residual of (5.12), log Z + β Ū − H, which is 0 for the Gibbs law at β. */
export function freeEnergyResidual(law: GibbsLaw): number {
  return law.logZ + law.beta * law.meanEnergy - law.entropy;
}
