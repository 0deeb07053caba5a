/**
 * The Ising model of 001 §1.2, energy (1.2),
 *   U_Is(x) = −Σ_⟨ij⟩ J_ij x_i x_j − μ Σ_j h_j x_j,   x ∈ Ω = {−1, 1}^N,
 * with the Boltzmann–Gibbs law ρ(x) = e^{−βU(x)}/Z (001 (1.1)). One type for every geometry: the couplings are stored
 * as a symmetric sparse (CSR) neighbour list, so a general coupling matrix J (symmetric, zero diagonal; then Σ_⟨ij⟩
 * runs over the unordered pairs i < j, as for Hopfield networks and Boltzmann machines) and the 2-D periodic lattice
 * (Σ_⟨ij⟩ over the 2L² nearest-neighbour bonds) are the same record.
 *
 * Spins are ±1 in an Int8Array or a Float64Array. Exact quantities (Z, marginals E[x_i], correlations E[x_i x_j],
 * mean energy and magnetization) come from enumerating the 2^N states, for N ≤ 20; state k has x_i = +1 iff bit i of
 * k is set.
 */

/** A configuration of N spins, each −1 or +1. */
export type Spins = Int8Array | Float64Array;

export interface IsingModel {
  /** N: the number of spins */
  readonly n: number;
  /** neighbours of spin i: index[offset[i] … offset[i+1] − 1], with couplings J_ij in coupling[…] (each pair stored twice) */
  readonly offset: Int32Array;
  readonly index: Int32Array;
  readonly coupling: Float64Array;
  /** h_j of (1.2) */
  readonly h: Float64Array;
  /** μ of (1.2) */
  readonly mu: number;
  /** μ h_j, the field each spin feels from outside */
  readonly field: Float64Array;
  /** L for an L×L periodic lattice (site (r, c) is spin r·L + c); absent for general couplings */
  readonly lattice?: { readonly L: number };
}

/** The largest N that the enumeration routines accept (2^20 states). */
export const MAX_ENUMERATION_SPINS = 20;

function checkFiniteArray(fn: string, what: string, a: ArrayLike<number>, len: number): void {
  if (a.length !== len) throw new RangeError(`${fn}: ${what} must hold ${len} values, got ${a.length}`);
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(a[i]!)) throw new RangeError(`${fn}: ${what}[${i}] = ${a[i]} must be finite`);
  }
}

function checkMu(fn: string, mu: number): void {
  if (!Number.isFinite(mu)) throw new RangeError(`${fn}: mu = ${mu} must be finite`);
}

/**
 * The Ising model (1.2) with a general coupling matrix J (N×N row-major, symmetric, zero diagonal) and fields h:
 * U(x) = −Σ_{i<j} J_ij x_i x_j − μ Σ_j h_j x_j. Only the nonzero J_ij are stored.
 */
export function isingModel(J: ArrayLike<number>, h: ArrayLike<number>, n: number, options: { mu?: number } = {}): IsingModel {
  const fn = 'isingModel';
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: n must be a positive integer, got ${n}`);
  checkFiniteArray(fn, 'J', J, n * n);
  checkFiniteArray(fn, 'h', h, n);
  const mu = options.mu ?? 1;
  checkMu(fn, mu);
  for (let i = 0; i < n; i++) {
    if (J[i * n + i] !== 0) throw new RangeError(`${fn}: J[${i}][${i}] = ${J[i * n + i]} must be 0 (zero diagonal)`);
    for (let j = i + 1; j < n; j++) {
      if (J[i * n + j] !== J[j * n + i]) {
        throw new RangeError(`${fn}: J must be symmetric, got J[${i}][${j}] = ${J[i * n + j]} ≠ J[${j}][${i}] = ${J[j * n + i]}`);
      }
    }
  }
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (J[i * n + j] !== 0) c++;
    offset[i + 1] = offset[i]! + c;
  }
  const index = new Int32Array(offset[n]!);
  const coupling = new Float64Array(offset[n]!);
  for (let i = 0, k = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = J[i * n + j]!;
      if (v !== 0) { index[k] = j; coupling[k] = v; k++; }
    }
  }
  const hh = Float64Array.from(h);
  return { n, offset, index, coupling, h: hh, mu, field: hh.map((v) => mu * v) };
}

/**
 * The 2-D Ising model (1.2) on an L×L periodic lattice (L ≥ 2): the sum over ⟨ij⟩ runs over the 2L² bonds
 * (r, c)–(r, c+1) and (r, c)–(r+1, c) mod L, each with coupling J; the field h is the same on every site. For L = 2 the
 * right and left neighbours coincide, so each neighbouring pair carries two bonds (coupling 2J), as the bond sum says.
 */
export function isingLattice2d(L: number, options: { J?: number; h?: number; mu?: number } = {}): IsingModel {
  const fn = 'isingLattice2d';
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`${fn}: L must be an integer ≥ 2, got ${L}`);
  const Jc = options.J ?? 1, hv = options.h ?? 0, mu = options.mu ?? 1;
  if (!Number.isFinite(Jc)) throw new RangeError(`${fn}: J = ${Jc} must be finite`);
  if (!Number.isFinite(hv)) throw new RangeError(`${fn}: h = ${hv} must be finite`);
  checkMu(fn, mu);
  const n = L * L;
  const offset = new Int32Array(n + 1);
  const index = new Int32Array(4 * n);
  const coupling = new Float64Array(4 * n).fill(Jc);
  for (let r = 0; r < L; r++) {
    for (let c = 0; c < L; c++) {
      const i = r * L + c, k = 4 * i;
      index[k] = r * L + ((c + 1) % L);
      index[k + 1] = r * L + ((c + L - 1) % L);
      index[k + 2] = ((r + 1) % L) * L + c;
      index[k + 3] = ((r + L - 1) % L) * L + c;
      offset[i + 1] = k + 4;
    }
  }
  const h = new Float64Array(n).fill(hv);
  return { n, offset, index, coupling, h, mu, field: h.map((v) => mu * v), lattice: { L } };
}

/** Throws unless spins holds N values, each −1 or +1. */
export function checkSpins(fn: string, what: string, spins: Spins, n: number): void {
  if (!(spins instanceof Int8Array || spins instanceof Float64Array)) throw new TypeError(`${fn}: ${what} must be an Int8Array or a Float64Array`);
  if (spins.length !== n) throw new RangeError(`${fn}: ${what} must hold ${n} spins, got ${spins.length}`);
  for (let i = 0; i < n; i++) {
    const s = spins[i]!;
    if (s !== 1 && s !== -1) throw new RangeError(`${fn}: ${what}[${i}] = ${s} must be −1 or +1`);
  }
}

/** Throws unless i is a spin index of the model. */
export function checkSite(fn: string, model: IsingModel, i: number): void {
  if (!(Number.isInteger(i) && i >= 0 && i < model.n)) throw new RangeError(`${fn}: site i = ${i} must be an integer in [0, ${model.n})`);
}

/** The local field f_i = Σ_j J_ij x_j + μ h_i, so that U changes by 2 x_i f_i when spin i flips. */
export function isingLocalField(model: IsingModel, spins: Spins, i: number): number {
  checkSite('isingLocalField', model, i);
  checkSpins('isingLocalField', 'spins', spins, model.n);
  return localFieldUnchecked(model, spins, i);
}

/** isingLocalField without the argument checks (the samplers' inner loop, after they have checked once). */
export function localFieldUnchecked(model: IsingModel, spins: Spins, i: number): number {
  const { offset, index, coupling } = model;
  let f = model.field[i]!;
  for (let k = offset[i]!, end = offset[i + 1]!; k < end; k++) f += coupling[k]! * spins[index[k]!]!;
  return f;
}

function energyUnchecked(model: IsingModel, spins: Spins): number {
  const { n, offset, index, coupling, field } = model;
  let pair = 0, ext = 0;
  for (let i = 0; i < n; i++) {
    const si = spins[i]!;
    let s = 0;
    for (let k = offset[i]!, end = offset[i + 1]!; k < end; k++) s += coupling[k]! * spins[index[k]!]!;
    pair += si * s;
    ext += field[i]! * si;
  }
  // Each pair is stored twice: Σ_⟨ij⟩ J_ij x_i x_j = ½ Σ_i x_i Σ_j J_ij x_j.
  return -0.5 * pair - ext; // 001 (1.2)
}

/** U_Is(x) of 001 (1.2). */
export function isingEnergy(model: IsingModel, spins: Spins): number {
  checkSpins('isingEnergy', 'spins', spins, model.n);
  return energyUnchecked(model, spins);
}

/** The magnetization per spin m = N⁻¹ Σ_i x_i. */
export function magnetization(spins: Spins): number {
  if (spins.length === 0) throw new RangeError('magnetization: spins must hold at least one spin');
  let s = 0;
  for (let i = 0; i < spins.length; i++) s += spins[i]!;
  return s / spins.length;
}

/** Writes the spins of state k (x_i = +1 iff bit i of k is set) into out. */
export function spinsOfState(k: number, n: number, out: Spins): Spins {
  if (!Number.isInteger(n) || n < 1 || n > 52) throw new RangeError(`spinsOfState: n must be an integer in [1, 52], got ${n}`);
  if (!(Number.isInteger(k) && k >= 0 && k < 2 ** n)) throw new RangeError(`spinsOfState: state k = ${k} must be an integer in [0, 2^${n})`);
  if (out.length < n) throw new RangeError(`spinsOfState: out must hold n = ${n} spins, got ${out.length}`);
  for (let i = 0; i < n; i++) out[i] = (Math.floor(k / 2 ** i) % 2) === 1 ? 1 : -1;
  return out;
}

/** The index k of a configuration (inverse of spinsOfState). */
export function stateOfSpins(spins: Spins): number {
  if (spins.length < 1 || spins.length > 52) throw new RangeError(`stateOfSpins: spins must hold 1 … 52 spins, got ${spins.length}`);
  checkSpins('stateOfSpins', 'spins', spins, spins.length);
  let k = 0;
  for (let i = spins.length - 1; i >= 0; i--) k = 2 * k + (spins[i]! > 0 ? 1 : 0);
  return k;
}

/** Throws the enumeration limit error for N > 20. */
export function checkEnumerable(fn: string, n: number): void {
  if (n > MAX_ENUMERATION_SPINS) {
    throw new RangeError(`${fn}: N = ${n} spins: lattice too large for enumeration (2^${n} states; the limit is ${MAX_ENUMERATION_SPINS} spins)`);
  }
}

/** U of every one of the 2^N states, state k at [k]. */
export function isingStateEnergies(model: IsingModel): Float64Array {
  checkEnumerable('isingStateEnergies', model.n);
  const n = model.n, S = 2 ** n;
  const out = new Float64Array(S);
  const x = new Int8Array(n).fill(-1);
  for (let k = 0; k < S; k++) {
    // x ← spins of k: increment the binary counter (bit i = 1 ⇔ x_i = +1).
    if (k > 0) for (let i = 0; i < n; i++) { if (x[i] === -1) { x[i] = 1; break; } x[i] = -1; }
    out[k] = energyUnchecked(model, x);
  }
  return out;
}

export interface IsingExact {
  readonly beta: number;
  /** log Z = log Σ_x e^{−βU(x)} */
  readonly logZ: number;
  /** ρ(state k), k = 0 … 2^N − 1 */
  readonly probabilities: Float64Array;
  /** U of each state */
  readonly energies: Float64Array;
  /** E[U] and Var[U] */
  readonly meanEnergy: number;
  readonly energyVariance: number;
  /** E[x_i] */
  readonly marginals: Float64Array;
  /** E[x_i x_j], N×N (diagonal 1); only when requested */
  readonly correlations?: Float64Array;
  /** E[m], E[|m|], E[m²] with m = N⁻¹ Σ x_i */
  readonly meanMagnetization: number;
  readonly meanAbsMagnetization: number;
  readonly magnetizationSecondMoment: number;
}

function checkBeta(fn: string, beta: number): void {
  if (!Number.isFinite(beta)) throw new RangeError(`${fn}: beta = ${beta} must be finite`);
}

/**
 * Exact Boltzmann–Gibbs quantities of the Ising model at inverse temperature β by enumerating all 2^N states
 * (N ≤ 20; larger lattices throw "lattice too large for enumeration"). Correlations cost 2^N N² and are computed
 * when `correlations` is true (the default).
 */
export function isingExact(model: IsingModel, beta: number, options: { correlations?: boolean } = {}): IsingExact {
  const fn = 'isingExact';
  checkBeta(fn, beta);
  checkEnumerable(fn, model.n);
  const n = model.n, S = 2 ** n;
  const energies = isingStateEnergies(model);
  let maxLog = -Infinity;
  for (let k = 0; k < S; k++) maxLog = Math.max(maxLog, -beta * energies[k]!);
  let sum = 0;
  for (let k = 0; k < S; k++) sum += Math.exp(-beta * energies[k]! - maxLog);
  const logZ = maxLog + Math.log(sum);
  const probabilities = new Float64Array(S);
  const marginals = new Float64Array(n);
  const wantCorr = options.correlations ?? true;
  const correlations = wantCorr ? new Float64Array(n * n) : undefined;
  let meanEnergy = 0, m1 = 0, mAbs = 0, m2 = 0;
  const x = new Int8Array(n);
  for (let k = 0; k < S; k++) {
    const p = Math.exp(-beta * energies[k]! - logZ);
    probabilities[k] = p;
    meanEnergy += p * energies[k]!;
    spinsOfState(k, n, x);
    let tot = 0;
    for (let i = 0; i < n; i++) { marginals[i] = marginals[i]! + p * x[i]!; tot += x[i]!; }
    const m = tot / n;
    m1 += p * m; mAbs += p * Math.abs(m); m2 += p * m * m;
    if (correlations) {
      for (let i = 0; i < n; i++) {
        const pi = p * x[i]!;
        for (let j = 0; j < n; j++) correlations[i * n + j] = correlations[i * n + j]! + pi * x[j]!;
      }
    }
  }
  let energyVariance = 0;
  for (let k = 0; k < S; k++) energyVariance += probabilities[k]! * (energies[k]! - meanEnergy) ** 2;
  const result: IsingExact = {
    beta, logZ, probabilities, energies, meanEnergy, energyVariance, marginals,
    meanMagnetization: m1, meanAbsMagnetization: mAbs, magnetizationSecondMoment: m2,
  };
  return correlations ? { ...result, correlations } : result;
}

/** Onsager's critical temperature of the square-lattice Ising model with J = 1: T_c = 2 / ln(1 + √2) ≈ 2.269185. */
export const ONSAGER_TC = 2 / Math.log(1 + Math.SQRT2);

/**
 * The exact spontaneous magnetization of the infinite square lattice (Onsager–Yang, J = 1, h = 0):
 * m(T) = (1 − sinh(2/T)^{−4})^{1/8} for T < T_c, 0 above.
 */
export function onsagerMagnetization(T: number): number {
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`onsagerMagnetization: T = ${T} must be finite and > 0`);
  if (T >= ONSAGER_TC) return 0;
  return Math.pow(1 - Math.pow(Math.sinh(2 / T), -4), 1 / 8);
}
