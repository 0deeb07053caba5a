/**
 * Boltzmann machines as energy-based models, 001 §1.2 (a Hopfield/Ising energy with θ = J at temperature T = 1) and
 * their training by the cross-entropy gradient 001 (6.1), exactly (by enumeration) and with Contrastive Divergence
 * (001 §6 Alg. 1) and Persistent Contrastive Divergence (Alg. 2), with heat-bath Gibbs sweeps in place of ULA (the
 * states are discrete; Hinton's CD-k).
 *
 * Units x = (v, h) ∈ {−1, 1}^{V+H}, V visible and H hidden (H = 0: fully visible), fully connected:
 *   U_θ(x) = −Σ_{i<j} w_ij x_i x_j − Σ_i b_i x_i,      θ = (w_01, w_02, …, w_{U−2,U−1}, b_0, …, b_{U−1}),
 * so ∂U/∂w_ij = −x_i x_j and ∂U/∂b_i = −x_i. The model of the data is the visible marginal p_θ(v) = Σ_h e^{−U(v,h)}/Z.
 * (6.1): ∂θ H(ρ*, ρ_θ) = E_*[∂θU] − E_θ[∂θU], where E_* averages over the data and, for hidden units, over p_θ(h|v).
 * Enumeration (joint states k: unit i is +1 iff bit i of k is set; visible units are the low bits) needs V + H ≤ 20.
 */
import type { Energy } from '../energies/energy.js';
import type { Stream } from '../rng/stream.js';
import { uniform, uniformInt } from '../rng/uniform.js';
import { adam, sgd, type Optimizer } from '../training/optimizers.js';
import { checkEnumerable, isingExact, isingModel, spinsOfState, type IsingModel } from './ising.js';
import { isingSweep, sweepKernelMatrix } from './ising-samplers.js';

export interface BoltzmannMachine {
  readonly visible: number;
  readonly hidden: number;
  /** V + H */
  readonly units: number;
  /** U(U−1)/2 couplings + U biases */
  readonly paramDim: number;
}

/** A fully connected Boltzmann machine with V ≥ 1 visible and H ≥ 0 hidden units (V + H ≤ 20 for enumeration). */
export function boltzmannMachine(visible: number, hidden = 0): BoltzmannMachine {
  if (!Number.isInteger(visible) || visible < 1) throw new RangeError(`boltzmannMachine: visible must be a positive integer, got ${visible}`);
  if (!Number.isInteger(hidden) || hidden < 0) throw new RangeError(`boltzmannMachine: hidden must be a non-negative integer, got ${hidden}`);
  const units = visible + hidden;
  checkEnumerable('boltzmannMachine', units);
  return { visible, hidden, units, paramDim: (units * (units - 1)) / 2 + units };
}

/** The position of w_ij (i ≠ j) in θ. */
export function couplingIndex(machine: BoltzmannMachine, i: number, j: number): number {
  const u = machine.units;
  if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < u && j < u && i !== j)) {
    throw new RangeError(`couplingIndex: (i, j) = (${i}, ${j}) must be distinct units in [0, ${u})`);
  }
  const a = Math.min(i, j), b = Math.max(i, j);
  return a * u - (a * (a + 1)) / 2 + (b - a - 1);
}

/** The position of b_i in θ. */
export function biasIndex(machine: BoltzmannMachine, i: number): number {
  if (!(Number.isInteger(i) && i >= 0 && i < machine.units)) throw new RangeError(`biasIndex: unit i = ${i} must be an integer in [0, ${machine.units})`);
  return (machine.units * (machine.units - 1)) / 2 + i;
}

function checkThetaBM(fn: string, machine: BoltzmannMachine, theta: Float64Array): void {
  if (theta.length !== machine.paramDim) throw new RangeError(`${fn}: theta must have length ${machine.paramDim}, got ${theta.length}`);
  for (let k = 0; k < theta.length; k++) if (!Number.isFinite(theta[k]!)) throw new RangeError(`${fn}: theta[${k}] = ${theta[k]} must be finite`);
}

/** The Ising model (1.2) of θ at T = 1: J_ij = w_ij, μh_i = b_i. */
export function boltzmannIsingModel(machine: BoltzmannMachine, theta: Float64Array): IsingModel {
  checkThetaBM('boltzmannIsingModel', machine, theta);
  const u = machine.units;
  const J = new Float64Array(u * u), h = new Float64Array(u);
  for (let i = 0, k = 0; i < u; i++) {
    for (let j = i + 1; j < u; j++, k++) { J[i * u + j] = theta[k]!; J[j * u + i] = theta[k]!; }
  }
  for (let i = 0; i < u; i++) h[i] = theta[biasIndex(machine, i)]!;
  return isingModel(J, h, u);
}

/** ∂θU(x) for one configuration x (length U) into out[o … o + p − 1] scaled by c (accumulated: out += c ∂θU). */
function accumulateParamGrad(machine: BoltzmannMachine, x: ArrayLike<number>, xo: number, c: number, out: Float64Array): void {
  const u = machine.units;
  let k = 0;
  for (let i = 0; i < u; i++) {
    const xi = x[xo + i]!;
    for (let j = i + 1; j < u; j++, k++) out[k] = out[k]! - c * xi * x[xo + j]!;
  }
  for (let i = 0; i < u; i++, k++) out[k] = out[k]! - c * x[xo + i]!;
}

/**
 * The machine as an `Energy` on ℝ^{V+H} (DESIGN.md contract): U_θ(x) above for x in {−1, 1}^{V+H} (and its multilinear
 * extension elsewhere), ∇ₓU_i = −Σ_{j≠i} w_ij x_j − b_i, Σ_k w_k ∂θU(x_k). It has no `logPartition`: the contract's
 * log Z = log ∫_{ℝ^d} e^{−U} dx diverges for this energy (U is unbounded below); the machine's partition function is the
 * sum over the 2^{V+H} spin states, `boltzmannExact(machine, θ).logZ`.
 */
export function boltzmannMachineEnergy(machine: BoltzmannMachine): Energy {
  const u = machine.units, name = `boltzmannMachine(V=${machine.visible}, H=${machine.hidden})`;
  const check = (theta: Float64Array, x: Float64Array, n: number) => {
    checkThetaBM(name, machine, theta);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
    if (x.length < n * u) throw new RangeError(`${name}: x must hold n·d = ${n * u} values, got ${x.length}`);
    for (let k = 0; k < n * u; k++) if (!Number.isFinite(x[k]!)) throw new RangeError(`${name}: x[${k}] = ${x[k]} must be finite`);
  };
  const checkOut = (what: string, a: Float64Array, len: number) => {
    if (a.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${a.length}`);
  };
  const eg = (theta: Float64Array, x: Float64Array, n: number, out: Float64Array, grad: Float64Array | null) => {
    const nb = (u * (u - 1)) / 2;
    for (let w = 0; w < n; w++) {
      const o = w * u;
      let e = 0;
      if (grad) for (let i = 0; i < u; i++) grad[o + i] = -theta[nb + i]!;
      for (let i = 0, k = 0; i < u; i++) {
        const xi = x[o + i]!;
        e -= theta[nb + i]! * xi;
        for (let j = i + 1; j < u; j++, k++) {
          const wij = theta[k]!;
          e -= wij * xi * x[o + j]!;
          if (grad) { grad[o + i] = grad[o + i]! - wij * x[o + j]!; grad[o + j] = grad[o + j]! - wij * xi; }
        }
      }
      out[w] = e;
    }
  };
  return {
    name,
    dim: u,
    paramDim: machine.paramDim,
    energy(theta, x, n, out) { check(theta, x, n); checkOut('out', out, n); eg(theta, x, n, out, null); return out; },
    energyGrad(theta, x, n, uu, grad) { check(theta, x, n); checkOut('u', uu, n); checkOut('grad', grad, n * u); eg(theta, x, n, uu, grad); },
    paramGrad(theta, x, n, weights, out) {
      check(theta, x, n);
      if (weights.length < n) throw new RangeError(`${name}: weights must hold ${n} values, got ${weights.length}`);
      checkOut('out', out, machine.paramDim);
      out.fill(0, 0, machine.paramDim);
      for (let w = 0; w < n; w++) accumulateParamGrad(machine, x, w * u, weights[w]!, out);
      return out;
    },
  };
}

/** Checks m data points of V visible spins (±1) stored row-major. */
export function checkVisibleData(fn: string, machine: BoltzmannMachine, data: Float64Array, m: number): void {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${fn}: m (data points) must be a positive integer, got ${m}`);
  const V = machine.visible;
  if (data.length !== m * V) throw new RangeError(`${fn}: data must hold m·V = ${m * V} spins, got ${data.length}`);
  for (let k = 0; k < m * V; k++) {
    const s = data[k]!;
    if (s !== 1 && s !== -1) throw new RangeError(`${fn}: data[${Math.floor(k / V)}][${k % V}] = ${s} must be −1 or +1`);
  }
}

/** The empirical law ρ* of the data over the 2^V visible states (state index as in spinsOfState). */
export function dataDistribution(machine: BoltzmannMachine, data: Float64Array, m: number): Float64Array {
  checkVisibleData('dataDistribution', machine, data, m);
  const V = machine.visible, p = new Float64Array(2 ** V);
  for (let r = 0; r < m; r++) {
    let k = 0;
    for (let i = V - 1; i >= 0; i--) k = 2 * k + (data[r * V + i]! > 0 ? 1 : 0);
    p[k] = p[k]! + 1 / m;
  }
  return p;
}

function checkPData(fn: string, machine: BoltzmannMachine, pData: Float64Array): void {
  const S = 2 ** machine.visible;
  if (pData.length !== S) throw new RangeError(`${fn}: pData must hold 2^V = ${S} probabilities, got ${pData.length}`);
  let s = 0;
  for (let k = 0; k < S; k++) {
    if (!(Number.isFinite(pData[k]!) && pData[k]! >= 0)) throw new RangeError(`${fn}: pData[${k}] = ${pData[k]} must be finite and ≥ 0`);
    s += pData[k]!;
  }
  if (Math.abs(s - 1) > 1e-12 * S) throw new RangeError(`${fn}: pData must sum to 1, got ${s}`);
}

export interface BoltzmannExact {
  readonly logZ: number;
  /** p_θ(x) over the 2^{V+H} joint states */
  readonly joint: Float64Array;
  /** p_θ(v) over the 2^V visible states */
  readonly visible: Float64Array;
  /** E_θ[∂θU] (length p) */
  readonly modelMoments: Float64Array;
}

/** Z, the joint and visible laws and E_θ[∂θU] by enumeration. */
export function boltzmannExact(machine: BoltzmannMachine, theta: Float64Array): BoltzmannExact {
  const ex = isingExact(boltzmannIsingModel(machine, theta), 1, { correlations: false });
  const SV = 2 ** machine.visible, S = 2 ** machine.units;
  const visible = new Float64Array(SV);
  const modelMoments = new Float64Array(machine.paramDim);
  const x = new Float64Array(machine.units);
  for (let k = 0; k < S; k++) {
    const p = ex.probabilities[k]!;
    visible[k % SV] = visible[k % SV]! + p;
    accumulateParamGrad(machine, spinsOfState(k, machine.units, x), 0, p, modelMoments);
  }
  return { logZ: ex.logZ, joint: ex.probabilities, visible, modelMoments };
}

/** E_*[∂θU]: the data term of (6.1), over ρ*(v) p_θ(h|v) (exact in h). */
export function clampedMoments(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array, exact?: BoltzmannExact): Float64Array {
  checkPData('clampedMoments', machine, pData);
  const ex = exact ?? boltzmannExact(machine, theta);
  const SV = 2 ** machine.visible, S = 2 ** machine.units;
  const out = new Float64Array(machine.paramDim);
  const x = new Float64Array(machine.units);
  for (let k = 0; k < S; k++) {
    const v = k % SV;
    if (pData[v] === 0 || ex.visible[v] === 0) continue;
    const w = (pData[v]! * ex.joint[k]!) / ex.visible[v]!; // ρ*(v) p_θ(h | v)
    accumulateParamGrad(machine, spinsOfState(k, machine.units, x), 0, w, out);
  }
  return out;
}

/** 001 (6.1) exactly: ∂θ H(ρ*, ρ_θ) = E_*[∂θU] − E_θ[∂θU] into out (length p). */
export function crossEntropyGradient(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array, out: Float64Array): Float64Array {
  checkThetaBM('crossEntropyGradient', machine, theta);
  checkOutParams('crossEntropyGradient', machine, out);
  const ex = boltzmannExact(machine, theta);
  const pos = clampedMoments(machine, theta, pData, ex);
  for (let k = 0; k < machine.paramDim; k++) out[k] = pos[k]! - ex.modelMoments[k]!;
  return out;
}

/** H(ρ*, p_θ) = −Σ_v ρ*(v) log p_θ(v) (the mean negative log-likelihood of the data). */
export function crossEntropy(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array): number {
  checkPData('crossEntropy', machine, pData);
  const pv = boltzmannExact(machine, theta).visible;
  let h = 0;
  for (let v = 0; v < pData.length; v++) if (pData[v]! > 0) h -= pData[v]! * Math.log(pv[v]!);
  return h;
}

/** KL(ρ* ‖ p_θ) = Σ_v ρ*(v) log(ρ*(v)/p_θ(v)) by enumeration. */
export function klDataModel(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array): number {
  checkPData('klDataModel', machine, pData);
  const pv = boltzmannExact(machine, theta).visible;
  let kl = 0;
  for (let v = 0; v < pData.length; v++) if (pData[v]! > 0) kl += pData[v]! * Math.log(pData[v]! / pv[v]!);
  return kl;
}

/**
 * The exact expectation of the CD-k estimate of (6.1): chains start at ρ*(v) p_θ(h|v) and take k Gibbs sweeps
 * (transition matrix Pᵏ), so E[negative term] = Σ_x (μ₀Pᵏ)(x) ∂θU(x). V + H ≤ 10. k = 0 gives 0 for a fully
 * visible machine; k → ∞ gives crossEntropyGradient.
 */
export function cdExpectedGradient(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array, k: number, out: Float64Array): Float64Array {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`cdExpectedGradient: k must be a non-negative integer, got ${k}`);
  checkOutParams('cdExpectedGradient', machine, out);
  checkPData('cdExpectedGradient', machine, pData);
  const ex = boltzmannExact(machine, theta);
  const SV = 2 ** machine.visible, S = 2 ** machine.units;
  const P = sweepKernelMatrix(boltzmannIsingModel(machine, theta), 1, 'heat-bath');
  let mu = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const v = s % SV;
    if (pData[v]! > 0) mu[s] = (pData[v]! * ex.joint[s]!) / ex.visible[v]!;
  }
  for (let t = 0; t < k; t++) {
    const next = new Float64Array(S);
    for (let a = 0; a < S; a++) {
      const ma = mu[a]!;
      if (ma === 0) continue;
      for (let b = 0; b < S; b++) next[b] = next[b]! + ma * P[a * S + b]!;
    }
    mu = next;
  }
  const neg = new Float64Array(machine.paramDim);
  const x = new Float64Array(machine.units);
  for (let s = 0; s < S; s++) if (mu[s]! > 0) accumulateParamGrad(machine, spinsOfState(s, machine.units, x), 0, mu[s]!, neg);
  const pos = clampedMoments(machine, theta, pData, ex);
  for (let j = 0; j < machine.paramDim; j++) out[j] = pos[j]! - neg[j]!;
  return out;
}

/** Draws h ~ p_θ(h | v) exactly (by enumerating the 2^H hidden states) into x[V … V+H−1]; x[0 … V−1] holds v. */
function sampleHidden(stream: Stream, machine: BoltzmannMachine, model: IsingModel, x: Float64Array, logw: Float64Array): void {
  const { visible: V, hidden: H } = machine;
  if (H === 0) return;
  const SH = 2 ** H;
  let max = -Infinity;
  for (let c = 0; c < SH; c++) {
    for (let j = 0; j < H; j++) x[V + j] = (Math.floor(c / 2 ** j) % 2) === 1 ? 1 : -1;
    // −U(v, h) up to terms in v only: the hidden units' fields and couplings.
    let e = 0;
    for (let j = 0; j < H; j++) {
      const i = V + j;
      let f = model.field[i]!;
      for (let q = model.offset[i]!, end = model.offset[i + 1]!; q < end; q++) {
        const nb = model.index[q]!;
        // count each hidden–hidden pair once (nb > i), every hidden–visible pair
        if (nb < V || nb > i) f += model.coupling[q]! * x[nb]!;
      }
      e += x[i]! * f;
    }
    logw[c] = e;
    if (e > max) max = e;
  }
  let tot = 0;
  for (let c = 0; c < SH; c++) { logw[c] = Math.exp(logw[c]! - max); tot += logw[c]!; }
  let u = uniform(stream) * tot, c = 0;
  while (c < SH - 1 && u >= logw[c]!) { u -= logw[c]!; c++; }
  for (let j = 0; j < H; j++) x[V + j] = (Math.floor(c / 2 ** j) % 2) === 1 ? 1 : -1;
}

/** N chains started at RandomSample(data) (001 Alg. 1 line 4 / Alg. 2 line 2), hidden units from p_θ(h|v): N×(V+H). */
export function initChainsAtData(stream: Stream, machine: BoltzmannMachine, theta: Float64Array, data: Float64Array, m: number, chains: number): Float64Array {
  const fn = 'initChainsAtData';
  checkVisibleData(fn, machine, data, m);
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`${fn}: chains must be a positive integer, got ${chains}`);
  const model = boltzmannIsingModel(machine, theta);
  const { visible: V, units: u } = machine;
  const out = new Float64Array(chains * u);
  const logw = new Float64Array(2 ** machine.hidden);
  for (let c = 0; c < chains; c++) {
    const r = uniformInt(stream, m);
    const x = out.subarray(c * u, (c + 1) * u);
    for (let i = 0; i < V; i++) x[i] = data[r * V + i]!;
    sampleHidden(stream, machine, model, x, logw);
  }
  return out;
}

/** k heat-bath Gibbs sweeps (T = 1) of every chain of `chains` (N×(V+H)) into out (out may be chains). */
export function gibbsSweeps(stream: Stream, machine: BoltzmannMachine, theta: Float64Array, chains: Float64Array, n: number, k: number, out: Float64Array): Float64Array {
  const fn = 'gibbsSweeps';
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`${fn}: k must be a non-negative integer, got ${k}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: n must be a positive integer, got ${n}`);
  const u = machine.units;
  if (chains.length !== n * u || out.length !== n * u) throw new RangeError(`${fn}: chains and out must hold n·(V+H) = ${n * u} spins, got ${chains.length} and ${out.length}`);
  const model = boltzmannIsingModel(machine, theta);
  if (out !== chains) out.set(chains);
  for (let c = 0; c < n; c++) {
    const x = out.subarray(c * u, (c + 1) * u);
    for (let t = 0; t < k; t++) isingSweep(stream, model, 1, x, x, 'heat-bath');
  }
  return out;
}

function checkOutParams(fn: string, machine: BoltzmannMachine, out: Float64Array): void {
  if (out.length < machine.paramDim) throw new RangeError(`${fn}: out must hold p = ${machine.paramDim} values, got ${out.length}`);
}

/** Throws unless chains holds n configurations of V + H spins (±1). */
function checkChains(fn: string, machine: BoltzmannMachine, chains: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: n (chains) must be a positive integer, got ${n}`);
  const u = machine.units;
  if (chains.length < n * u) throw new RangeError(`${fn}: chains must hold n·(V+H) = ${n * u} spins, got ${chains.length}`);
  for (let k = 0; k < n * u; k++) {
    const s = chains[k]!;
    if (s !== 1 && s !== -1) throw new RangeError(`${fn}: chains[${Math.floor(k / u)}][${k % u}] = ${s} must be −1 or +1`);
  }
}

/** N⁻¹ Σ_c ∂θU(X_c) over n chains (N×(V+H)). */
export function chainMoments(machine: BoltzmannMachine, chains: Float64Array, n: number, out: Float64Array): Float64Array {
  checkChains('chainMoments', machine, chains, n);
  checkOutParams('chainMoments', machine, out);
  out.fill(0, 0, machine.paramDim);
  for (let c = 0; c < n; c++) accumulateParamGrad(machine, chains, c * machine.units, 1 / n, out);
  return out;
}

export interface ContrastiveEstimate {
  /** the estimate of ∂θ H(ρ*, ρ_θ) */
  readonly gradient: Float64Array;
  /** the negative samples X (N×(V+H)) */
  readonly negatives: Float64Array;
}

/**
 * CD-k, 001 Alg. 1 with k Gibbs sweeps for the P ULA steps: N chains from RandomSample(data), k sweeps at θ, and
 * line 9's difference (sign as a gradient of (6.1)): E_*[∂θU] (exact over the data, and over h | v) − N⁻¹ Σ ∂θU(X_k).
 */
export function cdGradient(stream: Stream, machine: BoltzmannMachine, theta: Float64Array, data: Float64Array, m: number, options: { k: number; chains: number }): ContrastiveEstimate {
  if (!Number.isInteger(options.k) || options.k < 1) throw new RangeError(`cdGradient: k must be a positive integer, got ${options.k}`);
  const pData = dataDistribution(machine, data, m);
  const x0 = initChainsAtData(stream, machine, theta, data, m, options.chains);
  const negatives = gibbsSweeps(stream, machine, theta, x0, options.chains, options.k, x0);
  const pos = clampedMoments(machine, theta, pData);
  const gradient = chainMoments(machine, negatives, options.chains, new Float64Array(machine.paramDim));
  for (let j = 0; j < machine.paramDim; j++) gradient[j] = pos[j]! - gradient[j]!;
  return { gradient, negatives };
}

/** PCD's estimate at the persistent chains, 001 Alg. 2 line 4 (as a gradient of (6.1)): E_*[∂θU] − N⁻¹ Σ ∂θU(X). */
export function pcdGradient(machine: BoltzmannMachine, theta: Float64Array, pData: Float64Array, chains: Float64Array, n: number, out: Float64Array): Float64Array {
  checkChains('pcdGradient', machine, chains, n);
  checkOutParams('pcdGradient', machine, out);
  const pos = clampedMoments(machine, theta, pData);
  chainMoments(machine, chains, n, out);
  for (let j = 0; j < machine.paramDim; j++) out[j] = pos[j]! - out[j]!;
  return out;
}

export type BoltzmannTrainingMethod = 'exact' | 'cd' | 'pcd';

export interface BoltzmannTrainingOptions {
  readonly method: BoltzmannTrainingMethod;
  readonly iterations: number;
  readonly lr: number;
  readonly optimizer?: 'sgd' | 'adam';
  /** Gibbs sweeps per iteration (CD-k; PCD advances its chains k sweeps) */
  readonly k?: number;
  /** N */
  readonly chains?: number;
}

export interface BoltzmannTrainingResult {
  readonly theta: Float64Array;
  /** KL(ρ* ‖ p_θk) for k = 0 … iterations (exact) */
  readonly kl: Float64Array;
}

/**
 * Trains θ by gradient descent on H(ρ*, ρ_θ) with the exact gradient (6.1), CD-k (Alg. 1) or PCD (Alg. 2: the estimate
 * at X_k with θ_k, the optimizer step, then the chains advance k sweeps under θ_k, lines 4-7). Records the exact
 * KL(ρ* ‖ p_θ) per iteration.
 */
export function trainBoltzmannMachine(
  stream: Stream,
  machine: BoltzmannMachine,
  theta0: Float64Array,
  data: Float64Array,
  m: number,
  options: BoltzmannTrainingOptions,
): BoltzmannTrainingResult {
  const fn = 'trainBoltzmannMachine';
  const { method, iterations, lr } = options;
  const k = options.k ?? 1, chains = options.chains ?? 100;
  if (method !== 'exact' && method !== 'cd' && method !== 'pcd') throw new RangeError(`${fn}: method must be 'exact', 'cd' or 'pcd', got ${String(method)}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`${fn}: iterations must be a non-negative integer, got ${iterations}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${fn}: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`${fn}: chains must be a positive integer, got ${chains}`);
  checkThetaBM(fn, machine, theta0);
  const pData = dataDistribution(machine, data, m);
  const opt: Optimizer = (options.optimizer ?? 'sgd') === 'adam' ? adam(machine.paramDim, { lr }) : sgd(machine.paramDim, { lr });
  const theta = Float64Array.from(theta0);
  const kl = new Float64Array(iterations + 1);
  const g = new Float64Array(machine.paramDim), direction = new Float64Array(machine.paramDim);
  let persistent = method === 'pcd' ? initChainsAtData(stream, machine, theta, data, m, chains) : null;
  kl[0] = klDataModel(machine, theta, pData);
  for (let it = 0; it < iterations; it++) {
    const thetaK = Float64Array.from(theta);
    if (method === 'exact') crossEntropyGradient(machine, theta, pData, g);
    else if (method === 'cd') g.set(cdGradient(stream, machine, theta, data, m, { k, chains }).gradient);
    else pcdGradient(machine, theta, pData, persistent!, chains, g); // Alg. 2 line 4
    for (let j = 0; j < g.length; j++) direction[j] = -g[j]!;
    opt.step(theta, direction); // line 5 (the optimizers move along D = −∂θH)
    if (persistent) persistent = gibbsSweeps(stream, machine, thetaK, persistent, chains, k, persistent); // line 7 with θ_k
    kl[it + 1] = klDataModel(machine, theta, pData);
  }
  return { theta, kl };
}
