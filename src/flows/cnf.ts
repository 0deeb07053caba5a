/**
 * Continuous normalizing flows (003, "Continuous-in-time Normalizing Flows" and "FFJORD density estimation"; 001 §3.4
 * for the discrete change of variables they generalize).
 *
 * 003 Kolmogorov–Fokker–Planck (special case): d log p_t(z(t))/dt = −tr(∂f_θ(z(t), t)/∂z(t)), so
 *   x = z + ∫₀¹ f_θ dt,   log p(x|θ) = log p(z) − ∫₀¹ tr(∂f_θ/∂z) dt.
 * The solvers integrate the augmented state [z; δ] with dz/dt = f_θ, dδ/dt = −tr(∂f_θ/∂z), δ(start) = 0, so that
 * log p_end(z(end)) = log p_start(z(start)) + δ(end) in either time direction.
 *
 * The trace is either exact (d Jacobian–vector products with the unit vectors: the d Jacobian columns, O(d²)) or
 * Hutchinson's estimate (003 FFJORD): (1/m) Σ_j ε_jᵀ (∂f/∂z) ε_j with probes ε_j drawn once per sample and kept along
 * the whole trajectory, so log p_0(z(0)) − E_ε ∫ εᵀ(∂f/∂z)ε dt is estimated without bias.
 */
import { drawProbes, type ProbeKind } from '../linalg/hutchinson.js';
import type { Stream } from '../rng/stream.js';
import type { OdeInfo, OdeRhs, OdeSolver } from './ode.js';
import { checkFieldTheta, type VectorField } from './neural-ode.js';
import { adjointGradients } from './adjoint.js';

/** How tr ∂f/∂z is computed: exactly, or by Hutchinson with m given probes (m×d row-major) for one trajectory. */
export type TraceMethod = { readonly kind: 'exact' } | { readonly kind: 'hutchinson'; readonly probes: Float64Array; readonly m: number };

/**
 * The base density p(z) = p_{t₀} on a batch: out[i] ← log p(z_i) for the n rows of z (n×d); the same type as
 * `standardNormalLogDensity` of src/flows/layers.ts, which is the usual choice.
 */
export type BaseLogDensity = (z: Float64Array, n: number, d: number, out: Float64Array) => Float64Array;

/** tr ∂f_θ/∂z at (z, t) from the d Jacobian columns (∂f/∂z) e_i (003 "Why O(m²)?": d evaluations). */
export function jacobianTrace(field: VectorField, theta: Float64Array, t: number, z: Float64Array, scratch = new Float64Array(2 * field.dim)): number {
  const d = field.dim;
  if (z.length < d) throw new RangeError(`jacobianTrace: z must hold d = ${d} values, got ${z.length}`);
  if (scratch.length < 2 * d) throw new RangeError(`jacobianTrace: scratch must hold 2d = ${2 * d} values, got ${scratch.length}`);
  const e = scratch.subarray(0, d), col = scratch.subarray(d, 2 * d);
  e.fill(0);
  let tr = 0;
  for (let i = 0; i < d; i++) {
    e[i] = 1;
    tr += field.jvp(theta, t, z, e, col)[i]!;
    e[i] = 0;
  }
  return tr;
}

/** 003 Hutchinson: (1/m) Σ_j ε_jᵀ (∂f_θ/∂z) ε_j with the m probes given (m×d), one JVP each. */
export function hutchinsonJacobianTrace(
  field: VectorField,
  theta: Float64Array,
  t: number,
  z: Float64Array,
  probes: Float64Array,
  m: number,
  scratch = new Float64Array(field.dim),
): number {
  const d = field.dim;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`hutchinsonJacobianTrace: m must be a positive integer, got ${m}`);
  if (z.length < d) throw new RangeError(`hutchinsonJacobianTrace: z must hold d = ${d} values, got ${z.length}`);
  if (probes.length < m * d) throw new RangeError(`hutchinsonJacobianTrace: probes must hold m·d = ${m * d} values, got ${probes.length}`);
  if (scratch.length < d) throw new RangeError(`hutchinsonJacobianTrace: scratch must hold d = ${d} values, got ${scratch.length}`);
  const jv = scratch.subarray(0, d);
  let s = 0;
  for (let j = 0; j < m; j++) {
    const eps = probes.subarray(j * d, (j + 1) * d);
    field.jvp(theta, t, z, eps, jv);
    for (let i = 0; i < d; i++) s += eps[i]! * jv[i]!;
  }
  return s / m;
}

function checkTrace(name: string, field: VectorField, trace: TraceMethod): void {
  if (trace.kind === 'exact') return;
  if (trace.kind !== 'hutchinson') throw new RangeError(`${name}: trace.kind must be 'exact' or 'hutchinson', got ${String((trace as { kind: unknown }).kind)}`);
  if (!Number.isInteger(trace.m) || trace.m < 1) throw new RangeError(`${name}: trace.m must be a positive integer, got ${trace.m}`);
  if (!(trace.probes instanceof Float64Array) || trace.probes.length < trace.m * field.dim) {
    throw new RangeError(`${name}: trace.probes must hold m·d = ${trace.m * field.dim} values`);
  }
  for (let i = 0; i < trace.m * field.dim; i++) {
    if (!Number.isFinite(trace.probes[i]!)) throw new RangeError(`${name}: trace.probes[${i}] = ${trace.probes[i]} must be finite`);
  }
}

/**
 * The augmented right-hand side on [z; δ] (length d + 1): dz/dt = f_θ(z, t), dδ/dt = −tr ∂f_θ/∂z (003 KFP special
 * case), with the trace exact or by Hutchinson with fixed probes.
 */
export function cnfRhs(field: VectorField, theta: Float64Array, trace: TraceMethod = { kind: 'exact' }): OdeRhs {
  checkFieldTheta(field, theta, 'cnfRhs');
  checkTrace('cnfRhs', field, trace);
  const d = field.dim;
  const scratch = new Float64Array(2 * d);
  return (t, y, out) => {
    const z = y.subarray(0, d);
    const tr = trace.kind === 'exact'
      ? jacobianTrace(field, theta, t, z, scratch)
      : hutchinsonJacobianTrace(field, theta, t, z, trace.probes, trace.m, scratch);
    field.value(theta, t, z, out.subarray(0, d));
    out[d] = -tr; // 003 d log p_t(z(t))/dt = −tr(∂f/∂z)
    return out;
  };
}

export interface CnfResult {
  /** log p at the end points (n). */
  readonly logDensity: Float64Array;
  /** The end points (n×d). */
  readonly z: Float64Array;
  /** δ = log p_end(z(end)) − log p_start(z(start)) (n). */
  readonly deltaLogDensity: Float64Array;
  readonly info: OdeInfo;
}

export interface CnfOptions {
  /** Time of the base density p(z) = p_{t₀}; default 0. */
  readonly t0?: number;
  /** Time of the data density p(x|θ) = p_{t₁}; default 1. */
  readonly t1?: number;
  /** The trace for every row, or per row (row r gets probes r·m … r·m + m − 1 of a (n·m)×d array). */
  readonly trace?: { readonly kind: 'exact' } | { readonly kind: 'hutchinson'; readonly probes: Float64Array; readonly m: number };
}

/** log p(z_i) of the n rows; a NaN is an error. */
function baseLogDensityChecked(name: string, base: BaseLogDensity, z: Float64Array, n: number, d: number): Float64Array {
  const out = base(z, n, d, new Float64Array(n));
  for (let r = 0; r < n; r++) {
    if (Number.isNaN(out[r]!)) throw new RangeError(`${name}: baseLogDensity returned NaN for row ${r}`);
  }
  return out;
}

function checkBatch(name: string, x: Float64Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: n must be a positive integer, got ${n}`);
  if (!(x instanceof Float64Array) || x.length < n * d) throw new RangeError(`${name}: the batch must hold n·d = ${n * d} values, got ${x.length}`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`${name}: row ${Math.floor(i / d)} has a non-finite entry ${x[i]}`);
  }
}

function integrateBatch(
  name: string,
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  points: Float64Array,
  n: number,
  from: number,
  to: number,
  trace: CnfOptions['trace'],
): { z: Float64Array; delta: Float64Array; info: OdeInfo } {
  checkFieldTheta(field, theta, name);
  const d = field.dim;
  checkBatch(name, points, n, d);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError(`${name}: t0 and t1 must be finite, got ${from} and ${to}`);
  const tr = trace ?? { kind: 'exact' as const };
  if (tr.kind === 'hutchinson') {
    if (!Number.isInteger(tr.m) || tr.m < 1) throw new RangeError(`${name}: trace.m must be a positive integer, got ${tr.m}`);
    if (!(tr.probes instanceof Float64Array) || tr.probes.length < n * tr.m * d) {
      throw new RangeError(`${name}: trace.probes must hold n·m·d = ${n * tr.m * d} values (m probes per row), got ${tr.probes?.length}`);
    }
  }
  const z = new Float64Array(n * d), delta = new Float64Array(n);
  const y0 = new Float64Array(d + 1), y1 = new Float64Array(d + 1);
  let accepted = 0, rejected = 0, evaluations = 0;
  const exactRhs = tr.kind === 'exact' ? cnfRhs(field, theta) : undefined;
  for (let r = 0; r < n; r++) {
    const rhs = tr.kind === 'exact'
      ? exactRhs!
      : cnfRhs(field, theta, { kind: 'hutchinson', m: tr.m, probes: tr.probes.subarray(r * tr.m * d, (r + 1) * tr.m * d) });
    y0.set(points.subarray(r * d, (r + 1) * d));
    y0[d] = 0;
    const info = solver(rhs, y0, from, to, y1);
    z.set(y1.subarray(0, d), r * d);
    delta[r] = y1[d]!;
    accepted += info.accepted;
    rejected += info.rejected;
    evaluations += info.evaluations;
  }
  return { z, delta, info: { accepted, rejected, evaluations } };
}

/**
 * 003 log p(x|θ) = log p(z) − ∫_{t₀}^{t₁} tr(∂f_θ/∂z) dt for each row x of a batch (n×d): integrate [z; δ] from x at t₁
 * back to the base at t₀ (003 Forward pass: z = x + ∫₁⁰ f_θ dt), then log p(x) = log p(z(t₀)) − δ(t₀).
 */
export function cnfLogDensity(
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  baseLogDensity: BaseLogDensity,
  x: Float64Array,
  n: number,
  options: CnfOptions = {},
): CnfResult {
  const name = 'cnfLogDensity';
  const t0 = options.t0 ?? 0, t1 = options.t1 ?? 1;
  const { z, delta, info } = integrateBatch(name, solver, field, theta, x, n, t1, t0, options.trace);
  const logDensity = baseLogDensityChecked(name, baseLogDensity, z, n, field.dim);
  // δ(t₀) = log p_{t₀}(z(t₀)) − log p_{t₁}(x), so log p_{t₁}(x) = log p(z) − δ(t₀).
  for (let r = 0; r < n; r++) logDensity[r] = logDensity[r]! - delta[r]!;
  return { logDensity, z, deltaLogDensity: delta, info };
}

/**
 * FFJORD (003): cnfLogDensity with Hutchinson's trace, m probes per row drawn from rng (Rademacher by default) and kept
 * fixed along that row's trajectory. An unbiased estimate of log p(x|θ) (for fixed solver error).
 */
export function ffjordLogDensity(
  rng: Stream,
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  baseLogDensity: BaseLogDensity,
  x: Float64Array,
  n: number,
  options: { probes: number; kind?: ProbeKind; t0?: number; t1?: number },
): CnfResult {
  const m = options.probes;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`ffjordLogDensity: options.probes must be a positive integer, got ${m}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ffjordLogDensity: n must be a positive integer, got ${n}`);
  const probes = drawProbes(rng, options.kind ?? 'rademacher', n * m, field.dim);
  const base: CnfOptions = { trace: { kind: 'hutchinson', probes, m } };
  return cnfLogDensity(solver, field, theta, baseLogDensity, x, n, {
    ...base,
    ...(options.t0 === undefined ? {} : { t0: options.t0 }),
    ...(options.t1 === undefined ? {} : { t1: options.t1 }),
  });
}

/**
 * 003 x = z + ∫_{t₀}^{t₁} f_θ dt with log p(x|θ) = log p(z) + δ(t₁), δ(t₁) = −∫_{t₀}^{t₁} tr(∂f_θ/∂z) dt: pushes base
 * points z (n×d, e.g. draws from p(z)) forward, giving samples of p_{t₁} and their log-densities.
 */
export function cnfPushForward(
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  baseLogDensity: BaseLogDensity,
  z: Float64Array,
  n: number,
  options: CnfOptions = {},
): CnfResult {
  const name = 'cnfPushForward';
  const t0 = options.t0 ?? 0, t1 = options.t1 ?? 1;
  const r0 = integrateBatch(name, solver, field, theta, z, n, t0, t1, options.trace);
  const logDensity = baseLogDensityChecked(name, baseLogDensity, z, n, field.dim);
  for (let r = 0; r < n; r++) logDensity[r] = logDensity[r]! + r0.delta[r]!;
  return { logDensity, z: r0.z, deltaLogDensity: r0.delta, info: r0.info };
}

/**
 * The CNF as one vector field on y = [z; δ] (dimension d + 1): F_θ(y, t) = [f_θ(z, t); −tr ∂f_θ/∂z], with
 * aᵀ∂F/∂y = [a_zᵀ∂f/∂z − a_δ ∂div/∂z; 0] and aᵀ∂F/∂θ = a_zᵀ∂f/∂θ − a_δ ∂div/∂θ. It needs the field's closed-form
 * divergence and its gradient; the adjoint method then trains a CNF (003 "Adjoint method for continuous-in-time NF").
 */
export function cnfAugmentedField(field: VectorField): VectorField {
  const name = 'cnfAugmentedField';
  const div = field.divergence, divGrad = field.divergenceGradient;
  if (div === undefined || divGrad === undefined) throw new RangeError(`${name}: the field ${field.name} must give divergence and divergenceGradient`);
  const d = field.dim, p = field.paramDim;
  const gz = new Float64Array(d), gt = new Float64Array(p);
  return {
    name: `cnf(${field.name})`,
    dim: d + 1,
    paramDim: p,
    value(theta, t, y, out) {
      const z = y.subarray(0, d);
      field.value(theta, t, z, out.subarray(0, d));
      out[d] = -div.call(field, theta, t, z); // 003 d log p_t/dt = −tr ∂f/∂z
      return out;
    },
    jvp(theta, t, y, v, out) {
      const z = y.subarray(0, d);
      field.jvp(theta, t, z, v.subarray(0, d), out.subarray(0, d));
      divGrad.call(field, theta, t, z, gz, gt);
      let s = 0;
      for (let i = 0; i < d; i++) s += gz[i]! * v[i]!;
      out[d] = -s;
      return out;
    },
    vjp(theta, t, y, a, outZ, outTheta) {
      const z = y.subarray(0, d);
      const aDelta = a[d]!;
      field.vjp(theta, t, z, a.subarray(0, d), outZ.subarray(0, d), outTheta);
      divGrad.call(field, theta, t, z, gz, gt);
      for (let i = 0; i < d; i++) outZ[i] = outZ[i]! - aDelta * gz[i]!;
      outZ[d] = 0;
      if (outTheta !== undefined) for (let q = 0; q < p; q++) outTheta[q] = outTheta[q]! - aDelta * gt[q]!;
    },
  };
}

export interface CnfNllResult {
  /** −(1/n) Σ_i log p(x_i|θ). */
  readonly nll: number;
  /** ∂nll/∂θ (length p). */
  readonly gradTheta: Float64Array;
  /** ∂nll/∂x (n×d): minus the model's score divided by n. */
  readonly gradX: Float64Array;
  readonly forward: OdeInfo;
  readonly backward: OdeInfo;
}

/**
 * The CNF negative log-likelihood of a batch and its gradient by the adjoint method (003 "Forward pass (Loss
 * function)": z = x + ∫₁⁰ f_θ dt, L = −log p(z) + ∫₀¹ tr(∂f_θ/∂z) dt, then the adjoint backward pass), with the base
 * p(z) = N(0, I). For each row the augmented field [z; δ] runs from [x; 0] at t₁ to t₀, L = −log p(z(t₀)) + δ(t₀)
 * with ∂L/∂[z; δ] = [z; 1], and the adjoint runs back from t₀ to t₁.
 */
export function cnfNllGradients(
  solver: OdeSolver,
  field: VectorField,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  options: { t0?: number; t1?: number; backwardSolver?: OdeSolver } = {},
): CnfNllResult {
  const name = 'cnfNllGradients';
  checkFieldTheta(field, theta, name);
  const d = field.dim;
  checkBatch(name, x, n, d);
  const t0 = options.t0 ?? 0, t1 = options.t1 ?? 1;
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) throw new RangeError(`${name}: t0 and t1 must be finite, got ${t0} and ${t1}`);
  const aug = cnfAugmentedField(field);
  const gradTheta = new Float64Array(field.paramDim);
  const gradX = new Float64Array(n * d);
  const y = new Float64Array(d + 1);
  const c = 0.5 * d * Math.log(2 * Math.PI);
  let nll = 0;
  let fa = 0, fr = 0, fe = 0, ba = 0, br = 0, be = 0;
  const loss = (yEnd: Float64Array, g: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < d; i++) { s += yEnd[i]! * yEnd[i]!; g[i] = yEnd[i]!; }
    g[d] = 1;
    return c + 0.5 * s + yEnd[d]!; // −log N(z; 0, I) + δ(t₀)
  };
  for (let r = 0; r < n; r++) {
    y.set(x.subarray(r * d, (r + 1) * d));
    y[d] = 0;
    const res = adjointGradients(solver, aug, theta, y, t1, t0, loss, options.backwardSolver ?? solver);
    nll += res.loss / n;
    for (let q = 0; q < gradTheta.length; q++) gradTheta[q] = gradTheta[q]! + res.gradTheta[q]! / n;
    for (let i = 0; i < d; i++) gradX[r * d + i] = res.gradZ0[i]! / n;
    fa += res.forward.accepted; fr += res.forward.rejected; fe += res.forward.evaluations;
    ba += res.backward.accepted; br += res.backward.rejected; be += res.backward.evaluations;
  }
  return {
    nll,
    gradTheta,
    gradX,
    forward: { accepted: fa, rejected: fr, evaluations: fe },
    backward: { accepted: ba, rejected: br, evaluations: be },
  };
}
