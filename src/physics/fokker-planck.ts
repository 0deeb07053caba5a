/**
 * A 1-D finite-volume solver for the Fokker–Planck equation of an Itô SDE dX = b(X) dt + σ dW with constant σ,
 *   ∂ρ/∂t = −∂ₓ(bρ) + D ∂ₓ²ρ,   D = σ²/2                              001 (3.25), 002 "Fokker–Planck Equation", 003 KFP
 * on a box [lower, upper] with zero-flux (reflecting) walls. The unknowns are cell averages ρᵢ on n cells of width h,
 * centres xᵢ = lower + (i + ½)h. The equation is kept in conservative (flux) form,
 *   dρᵢ/dt = −(F_{i+½} − F_{i−½}) / h,   F_{i+½} = b_{i+½} (ρᵢ + ρ_{i+1})/2 − D (ρ_{i+1} − ρᵢ)/h,   F_{½} = F_{n−½} = 0,
 * (central flux, second order in h), so the mass h Σ ρᵢ changes only by rounding: the fluxes telescope. Written as
 * dρ/dt = Aρ, A has zero column sums, and when the cell Péclet number max |b| h / (2D) is ≤ 1 its off-diagonal entries
 * are ≥ 0: A generates a Markov chain on the cells, so explicit Euler under its step limit and implicit Euler keep ρ ≥ 0
 * and contract the L1 distance between any two solutions.
 *
 * The Langevin forms of the documents, drift b = −c ∇U with diffusion D, have the stationary law ∝ e^{−(c/D)U}:
 *   002: dX = ∇log p dt + √2 dW          c = 1, D = 1     → e^{−U}
 *   003: dx = ½ ∂ₓlog p dt + 1·dw        c = ½, D = ½     → e^{−U}  ("Langevin SDE (special case)")
 *   000 (24): x_{k+1} = x_k − ∇U dt + N(0, dt)   c = 1, D = ½   → e^{−2U}, as 000 (35)-(36) state
 * The zero-flux recurrence gives the discrete stationary law of the scheme exactly (`discreteStationary1d`); it
 * differs from e^{−(c/D)U} at the cell centres by O(h²).
 *
 * Time steppers: explicit Euler (a step limit 1/max|Aᵢᵢ| is enforced: a larger dt throws naming dt), implicit Euler and
 * Crank–Nicolson (tridiagonal solves, no step limit). Kernels write into `out`; a stepper's workspace is made once.
 */
import type { Potential } from '../energies/energy.js';

/** A uniform cell-centred grid on [lower, upper] with n cells of width h = (upper − lower)/n. */
export interface Grid1d {
  readonly lower: number;
  readonly upper: number;
  readonly n: number;
  readonly h: number;
}

/** Checks the box and the number of cells; h = (upper − lower)/n must be > 0. */
export function grid1d(lower: number, upper: number, n: number): Grid1d {
  if (!Number.isFinite(lower)) throw new RangeError(`grid1d: lower must be finite, got ${lower}`);
  if (!Number.isFinite(upper)) throw new RangeError(`grid1d: upper must be finite, got ${upper}`);
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`grid1d: n must be an integer ≥ 2, got ${n}`);
  const h = (upper - lower) / n;
  if (!(h > 0)) throw new RangeError(`grid1d: the grid spacing h = (upper − lower)/n = ${h} must be > 0 (lower = ${lower}, upper = ${upper})`);
  return { lower, upper, n, h };
}

/** The cell centres xᵢ = lower + (i + ½)h into out (length n); returns out. */
export function cellCenters1d(grid: Grid1d, out: Float64Array = new Float64Array(grid.n)): Float64Array {
  checkLength('cellCenters1d', 'out', out, grid.n);
  for (let i = 0; i < grid.n; i++) out[i] = grid.lower + (i + 0.5) * grid.h;
  return out;
}

/** The n − 1 interior faces x_{i+½} = lower + (i + 1)h into out; returns out. */
export function interiorFaces1d(grid: Grid1d, out: Float64Array = new Float64Array(grid.n - 1)): Float64Array {
  checkLength('interiorFaces1d', 'out', out, grid.n - 1);
  for (let i = 0; i < grid.n - 1; i++) out[i] = grid.lower + (i + 1) * grid.h;
  return out;
}

/** The semi-discrete operator A of the scheme: drift at the interior faces and the constant diffusion D. */
export interface FokkerPlanck1d {
  readonly grid: Grid1d;
  /** b_{i+½} at the n − 1 interior faces (copied at construction). */
  readonly drift: Float64Array;
  /** D = σ²/2 > 0. */
  readonly diffusion: number;
  /** max over faces of |b| h / (2D); the scheme is positive (monotone) when it is ≤ 1. */
  readonly peclet: number;
  /** 1 / max |Aᵢᵢ|: explicit Euler keeps ρ ≥ 0 and contracts L1 for dt up to this (when peclet ≤ 1). */
  readonly explicitDtLimit: number;
}

/** The operator for drift values at the interior faces and diffusion D. */
export function fokkerPlanck1d(grid: Grid1d, drift: Float64Array, diffusion: number): FokkerPlanck1d {
  const name = 'fokkerPlanck1d';
  if (!(drift instanceof Float64Array) || drift.length !== grid.n - 1) {
    throw new RangeError(`${name}: drift must be a Float64Array of the n − 1 = ${grid.n - 1} interior faces, got length ${drift?.length}`);
  }
  if (!(Number.isFinite(diffusion) && diffusion > 0)) throw new RangeError(`${name}: diffusion D must be finite and > 0, got ${diffusion}`);
  const h = grid.h;
  let maxB = 0;
  for (let i = 0; i < drift.length; i++) {
    const b = drift[i]!;
    if (!Number.isFinite(b)) throw new RangeError(`${name}: drift[${i}] (at x = ${grid.lower + (i + 1) * h}) must be finite, got ${b}`);
    maxB = Math.max(maxB, Math.abs(b));
  }
  let maxDiag = 0;
  const n = grid.n, dh = diffusion / h;
  for (let i = 0; i < n; i++) {
    let a = 0;
    if (i < n - 1) a -= drift[i]! / 2 + dh; // right face: −(b_R/2 + D/h)/h
    if (i > 0) a += drift[i - 1]! / 2 - dh; // left face: +(b_L/2 − D/h)/h
    maxDiag = Math.max(maxDiag, Math.abs(a / h));
  }
  return {
    grid,
    drift: Float64Array.from(drift),
    diffusion,
    peclet: (maxB * h) / (2 * diffusion),
    explicitDtLimit: 1 / maxDiag,
  };
}

/** A Langevin SDE dX = −c ∇U(X) dt + √(2D) dW; its stationary law is ∝ e^{−(c/D)U}. */
export interface LangevinForm {
  /** c in the drift −c ∇U. */
  readonly driftScale: number;
  /** D = σ²/2. */
  readonly diffusion: number;
}

/** 002: dX = ∇log p dt + √2 dW (c = 1, D = 1), stationary e^{−U}. */
export const LANGEVIN_002: LangevinForm = { driftScale: 1, diffusion: 1 };
/** 003 "Langevin SDE (special case)": dx = ½ ∇log p dt + dw (c = ½, D = ½), stationary e^{−U}. */
export const LANGEVIN_003: LangevinForm = { driftScale: 0.5, diffusion: 0.5 };
/** 000 (24): x_{k+1} = x_k − ∇U dt + N(0, dt), i.e. dX = −∇U dt + dW (c = 1, D = ½), stationary e^{−2U} (000 (36)). */
export const LANGEVIN_000: LangevinForm = { driftScale: 1, diffusion: 0.5 };

/** U and U′ of a 1-D potential at the points xs, checked finite; returns [U, U′]. */
export function potentialOnPoints1d(name: string, potential: Potential, xs: Float64Array): [Float64Array, Float64Array] {
  if (potential.dim !== 1) throw new RangeError(`${name}: the potential must be 1-dimensional, got dim = ${potential.dim}`);
  const m = xs.length, u = new Float64Array(m), g = new Float64Array(m);
  potential.energyGrad(xs, m, u, g);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(u[i]!)) throw new RangeError(`${name}: U(${xs[i]}) must be finite, got ${u[i]}`);
    if (!Number.isFinite(g[i]!)) throw new RangeError(`${name}: ∇U(${xs[i]}) must be finite, got ${g[i]}`);
  }
  return [u, g];
}

function checkForm(name: string, form: LangevinForm): void {
  if (!Number.isFinite(form.driftScale)) throw new RangeError(`${name}: form.driftScale must be finite, got ${form.driftScale}`);
  if (!(Number.isFinite(form.diffusion) && form.diffusion > 0)) throw new RangeError(`${name}: form.diffusion must be finite and > 0, got ${form.diffusion}`);
}

/** The operator of dX = −c ∇U dt + √(2D) dW: b_{i+½} = −c U′(x_{i+½}) at the interior faces. */
export function langevinFokkerPlanck1d(grid: Grid1d, potential: Potential, form: LangevinForm = LANGEVIN_002): FokkerPlanck1d {
  const name = 'langevinFokkerPlanck1d';
  checkForm(name, form);
  const faces = interiorFaces1d(grid);
  const [, g] = potentialOnPoints1d(name, potential, faces);
  const b = new Float64Array(grid.n - 1);
  for (let i = 0; i < b.length; i++) b[i] = -form.driftScale * g[i]!; // b = −c ∇U
  return fokkerPlanck1d(grid, b, form.diffusion);
}

/** The n + 1 face fluxes F_{i−½}, i = 0..n, into out (F at the walls is 0, zero flux); returns out. */
export function fokkerPlanckFluxes1d(op: FokkerPlanck1d, rho: Float64Array, out: Float64Array): Float64Array {
  const n = op.grid.n, dh = op.diffusion / op.grid.h, b = op.drift;
  checkLength('fokkerPlanckFluxes1d', 'rho', rho, n);
  checkLength('fokkerPlanckFluxes1d', 'out', out, n + 1);
  out[0] = 0;
  out[n] = 0;
  for (let i = 0; i < n - 1; i++) {
    const l = rho[i]!, r = rho[i + 1]!;
    out[i + 1] = b[i]! * 0.5 * (l + r) - dh * (r - l); // F_{i+½} = b (ρᵢ + ρ_{i+1})/2 − D (ρ_{i+1} − ρᵢ)/h
  }
  return out;
}

/** out = Aρ = −(F_{i+½} − F_{i−½})/h (the right-hand side of the semi-discrete equation); returns out. */
export function fokkerPlanckApply1d(op: FokkerPlanck1d, rho: Float64Array, out: Float64Array): Float64Array {
  const n = op.grid.n, h = op.grid.h, dh = op.diffusion / h, b = op.drift;
  checkLength('fokkerPlanckApply1d', 'rho', rho, n);
  checkLength('fokkerPlanckApply1d', 'out', out, n);
  if (out === rho) throw new RangeError('fokkerPlanckApply1d: out must not alias rho');
  let left = 0; // F_{−½}: the wall
  for (let i = 0; i < n; i++) {
    let right = 0;
    if (i < n - 1) {
      const l = rho[i]!, r = rho[i + 1]!;
      right = b[i]! * 0.5 * (l + r) - dh * (r - l);
    }
    out[i] = -(right - left) / h;
    left = right;
  }
  return out;
}

/** The tridiagonal entries of A: lower[i] = A_{i,i−1}, diag[i] = A_{i,i}, upper[i] = A_{i,i+1} (lower[0] = upper[n−1] = 0). */
export function fokkerPlanckMatrix1d(op: FokkerPlanck1d, lower: Float64Array, diag: Float64Array, upper: Float64Array): void {
  const n = op.grid.n, h = op.grid.h, dh = op.diffusion / h, b = op.drift;
  for (const [what, a] of [['lower', lower], ['diag', diag], ['upper', upper]] as const) checkLength('fokkerPlanckMatrix1d', what, a, n);
  for (let i = 0; i < n; i++) {
    let d = 0, lo = 0, up = 0;
    if (i < n - 1) {
      d -= b[i]! / 2 + dh;
      up = -(b[i]! / 2 - dh);
    }
    if (i > 0) {
      d += b[i - 1]! / 2 - dh;
      lo = b[i - 1]! / 2 + dh;
    }
    lower[i] = lo / h;
    diag[i] = d / h;
    upper[i] = up / h;
  }
}

/** The time steppers: explicit Euler, implicit Euler, Crank–Nicolson (θ = 0, 1, ½ of the θ-method). */
export type FokkerPlanckScheme = 'explicit' | 'implicit' | 'crank-nicolson';

/** One time step ρ(t) ↦ ρ(t + dt) into out (out may be rho); returns out. */
export type FokkerPlanckStepper = (rho: Float64Array, out: Float64Array) => Float64Array;

const THETA: Record<FokkerPlanckScheme, number> = { explicit: 0, implicit: 1, 'crank-nicolson': 0.5 };

/** Checks dt against the scheme: finite and > 0, and for explicit Euler within the step limit and a Péclet number ≤ 1. */
export function checkTimeStep(name: string, scheme: FokkerPlanckScheme, dt: number, dtLimit: number, peclet: number, h: number): void {
  if (!(scheme in THETA)) throw new RangeError(`${name}: scheme must be 'explicit', 'implicit' or 'crank-nicolson', got ${String(scheme)}`);
  if (!(Number.isFinite(dt) && dt > 0)) throw new RangeError(`${name}: dt must be finite and > 0, got ${dt}`);
  if (scheme === 'explicit') {
    if (peclet > 1) {
      throw new RangeError(`${name}: the grid spacing h = ${h} gives a cell Péclet number max|b|h/(2D) = ${peclet} > 1: explicit Euler is not positive; refine the grid or use 'implicit'`);
    }
    if (dt > dtLimit) {
      throw new RangeError(`${name}: dt = ${dt} exceeds the explicit (CFL) stability limit 1/max|A_ii| = ${dtLimit}; use a smaller dt or an implicit scheme`);
    }
  }
}

/**
 * The θ-method (I − θ dt A) ρ' = (I + (1 − θ) dt A) ρ for the chosen scheme, with its workspace made here. Aρ is
 * evaluated in flux form (mass-exact); the tridiagonal system is solved by the Thomas algorithm, which is stable
 * here because I − θ dt A is column diagonally dominant when peclet ≤ 1. Throws on a zero or non-finite pivot.
 */
export function fokkerPlanckStepper1d(op: FokkerPlanck1d, dt: number, scheme: FokkerPlanckScheme = 'crank-nicolson'): FokkerPlanckStepper {
  const name = 'fokkerPlanckStepper1d';
  checkTimeStep(name, scheme, dt, op.explicitDtLimit, op.peclet, op.grid.h);
  const n = op.grid.n, theta = THETA[scheme];
  const arhs = new Float64Array(n), rhs = new Float64Array(n);
  const lo = new Float64Array(n), di = new Float64Array(n), up = new Float64Array(n);
  const cp = new Float64Array(n), m = new Float64Array(n);
  if (theta > 0) {
    fokkerPlanckMatrix1d(op, lo, di, up);
    // M = I − θ dt A, factored once (Thomas forward sweep on the matrix).
    for (let i = 0; i < n; i++) {
      lo[i] = -theta * dt * lo[i]!;
      di[i] = 1 - theta * dt * di[i]!;
      up[i] = -theta * dt * up[i]!;
    }
    let piv = di[0]!;
    for (let i = 0; i < n; i++) {
      if (i > 0) piv = di[i]! - lo[i]! * cp[i - 1]!;
      if (!(Number.isFinite(piv) && piv !== 0)) throw new RangeError(`${name}: the implicit system has pivot ${piv} at row ${i} (dt = ${dt}, Péclet ${op.peclet})`);
      m[i] = piv;
      cp[i] = up[i]! / piv;
    }
  }
  return (rho, out) => {
    checkLength(name, 'rho', rho, n);
    checkLength(name, 'out', out, n);
    fokkerPlanckApply1d(op, rho, arhs);
    if (theta === 0) {
      for (let i = 0; i < n; i++) out[i] = rho[i]! + dt * arhs[i]!; // explicit Euler
      return out;
    }
    // Increment form of the θ-method, (I − θ dt A) δ = dt Aρ, ρ' = ρ + δ: the same step, but the solve's rounding is
    // relative to δ (which → 0 at equilibrium), not to ρ, so mass drifts far less over many steps.
    for (let i = 0; i < n; i++) rhs[i] = dt * arhs[i]!;
    // Thomas: forward substitution with the stored pivots, then back substitution.
    rhs[0] = rhs[0]! / m[0]!;
    for (let i = 1; i < n; i++) rhs[i] = (rhs[i]! - lo[i]! * rhs[i - 1]!) / m[i]!;
    for (let i = n - 2; i >= 0; i--) rhs[i] = rhs[i]! - cp[i]! * rhs[i + 1]!;
    for (let i = 0; i < n; i++) out[i] = rho[i]! + rhs[i]!;
    return out;
  };
}

/** `steps` steps of the scheme from rho0 into out (out may be rho0); returns out. */
export function fokkerPlanckEvolve1d(
  op: FokkerPlanck1d,
  rho0: Float64Array,
  dt: number,
  steps: number,
  scheme: FokkerPlanckScheme,
  out: Float64Array,
): Float64Array {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`fokkerPlanckEvolve1d: steps must be an integer ≥ 0, got ${steps}`);
  checkDensity('fokkerPlanckEvolve1d', 'rho0', rho0, op.grid.n);
  const step = fokkerPlanckStepper1d(op, dt, scheme);
  if (out !== rho0) out.set(rho0.subarray(0, op.grid.n));
  for (let k = 0; k < steps; k++) step(out, out);
  return out;
}

/**
 * The exact stationary law of the discrete scheme: every face flux zero gives
 *   ρ_{i+1} = ρᵢ (D/h + b_{i+½}/2) / (D/h − b_{i+½}/2),
 * normalized to mass 1, into out; returns out. Needs peclet < 1 (otherwise the ratio is not positive).
 */
export function discreteStationary1d(op: FokkerPlanck1d, out: Float64Array): Float64Array {
  const n = op.grid.n, h = op.grid.h, dh = op.diffusion / h;
  checkLength('discreteStationary1d', 'out', out, n);
  if (!(op.peclet < 1)) throw new RangeError(`discreteStationary1d: the cell Péclet number ${op.peclet} must be < 1 for a positive stationary law; refine the grid (h = ${h})`);
  // In log space: the products of ratios span many orders of magnitude for steep potentials.
  out[0] = 0;
  let max = 0;
  for (let i = 0; i < n - 1; i++) {
    const b = op.drift[i]!;
    out[i + 1] = out[i]! + Math.log(dh + b / 2) - Math.log(dh - b / 2);
    max = Math.max(max, out[i + 1]!);
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(out[i]! - max);
    s += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / (s * h);
  return out;
}

/** e^{−βU(xᵢ)} at the cell centres normalized to h Σ ρᵢ = 1 (the Gibbs law e^{−βU}/Z on the grid) into out; returns out. */
export function gibbsDensity1d(grid: Grid1d, potential: Potential, beta: number, out: Float64Array): Float64Array {
  const name = 'gibbsDensity1d';
  if (!(Number.isFinite(beta) && beta > 0)) throw new RangeError(`${name}: beta must be finite and > 0, got ${beta}`);
  checkLength(name, 'out', out, grid.n);
  const [u] = potentialOnPoints1d(name, potential, cellCenters1d(grid));
  let min = Infinity;
  for (let i = 0; i < grid.n; i++) min = Math.min(min, u[i]!);
  let s = 0;
  for (let i = 0; i < grid.n; i++) {
    out[i] = Math.exp(-beta * (u[i]! - min));
    s += out[i]!;
  }
  for (let i = 0; i < grid.n; i++) out[i] = out[i]! / (s * grid.h);
  return out;
}

/** The mass h Σ ρᵢ. */
export function mass1d(grid: Grid1d, rho: Float64Array): number {
  checkLength('mass1d', 'rho', rho, grid.n);
  let s = 0;
  for (let i = 0; i < grid.n; i++) s += rho[i]!;
  return s * grid.h;
}

/** The discrete L1 distance h Σ |aᵢ − bᵢ|. */
export function l1Distance1d(grid: Grid1d, a: Float64Array, b: Float64Array): number {
  checkLength('l1Distance1d', 'a', a, grid.n);
  checkLength('l1Distance1d', 'b', b, grid.n);
  let s = 0;
  for (let i = 0; i < grid.n; i++) s += Math.abs(a[i]! - b[i]!);
  return s * grid.h;
}

/**
 * The CDF of the cell-average density (piecewise linear within cells, 0 below lower, the total mass above upper), built
 * once from cumulative sums; the returned function is O(1) per call.
 */
export function cellCdf1d(grid: Grid1d, rho: Float64Array): (x: number) => number {
  checkDensity('cellCdf1d', 'rho', rho, grid.n);
  const n = grid.n, h = grid.h, cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i]! + rho[i]! * h;
  return (x) => {
    if (Number.isNaN(x)) throw new RangeError('cellCdf1d: x must not be NaN');
    const t = (x - grid.lower) / h;
    if (t <= 0) return 0;
    if (t >= n) return cum[n]!;
    const k = Math.floor(t);
    return cum[k]! + rho[k]! * (t - k) * h;
  };
}

function checkLength(name: string, what: string, a: Float64Array, len: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (a.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${a.length}`);
}

/** Checks a density's length and that its values are finite. */
export function checkDensity(name: string, what: string, rho: Float64Array, len: number): void {
  checkLength(name, what, rho, len);
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(rho[i]!)) throw new RangeError(`${name}: ${what}[${i}] must be finite, got ${rho[i]}`);
  }
}
