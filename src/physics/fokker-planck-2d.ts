/**
 * The 2-D finite-volume Fokker–Planck solver: ∂ρ/∂t = −∇·(bρ) + D Δρ (001 (3.25), 002 multi-dimensional FPE with
 * D_ij = D δ_ij, 003 KFP) on the box [x.lower, x.upper] × [y.lower, y.upper] with zero-flux walls, the 2-D version of
 * fokker-planck.ts (same central flux in each direction, same conservative form: the mass hx·hy·Σρ changes only by
 * rounding). Cells are stored row-major with x fastest: ρ[iy·nx + ix]. Drift lives on the faces:
 *   bx[iy·(nx − 1) + ix] at (x_{ix+½}, y_iy),   by[iy·nx + ix] at (x_ix, y_{iy+½}).
 * Steppers: explicit Euler under its step limit 1/max|A_kk| (a larger dt throws naming dt), and Strang-split
 * Crank–Nicolson (½dt of CN along x, dt along y, ½dt along x; each a set of tridiagonal line solves; second order in dt,
 * no step limit; every line solve conserves that line's mass, so the split step conserves mass too).
 */
import type { Potential } from '../energies/energy.js';
import { checkTimeStep, type Grid1d, type LangevinForm, LANGEVIN_002 } from './fokker-planck.js';

/** A tensor grid of two 1-D grids. */
export interface Grid2d {
  readonly x: Grid1d;
  readonly y: Grid1d;
}

/** The operator: face drifts and the constant diffusion D. */
export interface FokkerPlanck2d {
  readonly grid: Grid2d;
  /** (nx − 1)·ny x-face drifts, bx[iy·(nx − 1) + ix]. */
  readonly driftX: Float64Array;
  /** nx·(ny − 1) y-face drifts, by[iy·nx + ix]. */
  readonly driftY: Float64Array;
  readonly diffusion: number;
  /** max over faces of |b| h / (2D) in each direction. */
  readonly peclet: number;
  /** 1 / max |A_kk|. */
  readonly explicitDtLimit: number;
}

/** The 2-D schemes. */
export type FokkerPlanckScheme2d = 'explicit' | 'split-crank-nicolson';

/** One step ρ(t) ↦ ρ(t + dt) into out (out may be rho); returns out. */
export type FokkerPlanckStepper2d = (rho: Float64Array, out: Float64Array) => Float64Array;

export function grid2d(x: Grid1d, y: Grid1d): Grid2d {
  for (const [what, g] of [['x', x], ['y', y]] as const) {
    if (!(g.h > 0)) throw new RangeError(`grid2d: the ${what} grid spacing h = ${g.h} must be > 0`);
  }
  return { x, y };
}

function diagonalMax(grid: Grid2d, bx: Float64Array, by: Float64Array, D: number): number {
  const nx = grid.x.n, ny = grid.y.n, hx = grid.x.h, hy = grid.y.h, dx = D / hx, dy = D / hy;
  let max = 0;
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      let ax = 0, ay = 0;
      if (ix < nx - 1) ax -= bx[iy * (nx - 1) + ix]! / 2 + dx;
      if (ix > 0) ax += bx[iy * (nx - 1) + ix - 1]! / 2 - dx;
      if (iy < ny - 1) ay -= by[iy * nx + ix]! / 2 + dy;
      if (iy > 0) ay += by[(iy - 1) * nx + ix]! / 2 - dy;
      max = Math.max(max, Math.abs(ax / hx + ay / hy));
    }
  }
  return max;
}

/** The operator for face drifts bx, by (copied) and diffusion D. */
export function fokkerPlanck2d(grid: Grid2d, driftX: Float64Array, driftY: Float64Array, diffusion: number): FokkerPlanck2d {
  const name = 'fokkerPlanck2d';
  const nx = grid.x.n, ny = grid.y.n;
  if (!(driftX instanceof Float64Array) || driftX.length !== (nx - 1) * ny) {
    throw new RangeError(`${name}: driftX must be a Float64Array of (nx − 1)·ny = ${(nx - 1) * ny} x-faces, got length ${driftX?.length}`);
  }
  if (!(driftY instanceof Float64Array) || driftY.length !== nx * (ny - 1)) {
    throw new RangeError(`${name}: driftY must be a Float64Array of nx·(ny − 1) = ${nx * (ny - 1)} y-faces, got length ${driftY?.length}`);
  }
  if (!(Number.isFinite(diffusion) && diffusion > 0)) throw new RangeError(`${name}: diffusion D must be finite and > 0, got ${diffusion}`);
  let pe = 0;
  for (const [what, b, h] of [['driftX', driftX, grid.x.h], ['driftY', driftY, grid.y.h]] as const) {
    for (let k = 0; k < b.length; k++) {
      if (!Number.isFinite(b[k]!)) throw new RangeError(`${name}: ${what}[${k}] must be finite, got ${b[k]}`);
      pe = Math.max(pe, (Math.abs(b[k]!) * h) / (2 * diffusion));
    }
  }
  return {
    grid,
    driftX: Float64Array.from(driftX),
    driftY: Float64Array.from(driftY),
    diffusion,
    peclet: pe,
    explicitDtLimit: 1 / diagonalMax(grid, driftX, driftY, diffusion),
  };
}

/** dX = −c ∇U dt + √(2D) dW in 2-D: bx = −c ∂ₓU at the x-faces, by = −c ∂ᵧU at the y-faces; non-finite U or ∇U throws. */
export function langevinFokkerPlanck2d(grid: Grid2d, potential: Potential, form: LangevinForm = LANGEVIN_002): FokkerPlanck2d {
  const name = 'langevinFokkerPlanck2d';
  if (potential.dim !== 2) throw new RangeError(`${name}: the potential must be 2-dimensional, got dim = ${potential.dim}`);
  if (!Number.isFinite(form.driftScale)) throw new RangeError(`${name}: form.driftScale must be finite, got ${form.driftScale}`);
  if (!(Number.isFinite(form.diffusion) && form.diffusion > 0)) throw new RangeError(`${name}: form.diffusion must be finite and > 0, got ${form.diffusion}`);
  const nx = grid.x.n, ny = grid.y.n, gx = grid.x, gy = grid.y;
  const evalGrad = (pts: Float64Array, m: number, comp: number, out: Float64Array) => {
    const u = new Float64Array(m), g = new Float64Array(2 * m);
    potential.energyGrad(pts, m, u, g);
    for (let k = 0; k < m; k++) {
      const at = `(${pts[2 * k]}, ${pts[2 * k + 1]})`;
      if (!Number.isFinite(u[k]!)) throw new RangeError(`${name}: U${at} must be finite, got ${u[k]}`);
      if (!Number.isFinite(g[2 * k + comp]!)) throw new RangeError(`${name}: ∇U${at} must be finite, got ${g[2 * k + comp]}`);
      out[k] = -form.driftScale * g[2 * k + comp]!; // b = −c ∇U
    }
  };
  const mx = (nx - 1) * ny, px = new Float64Array(2 * mx), bx = new Float64Array(mx);
  for (let iy = 0, k = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx - 1; ix++, k++) {
      px[2 * k] = gx.lower + (ix + 1) * gx.h;
      px[2 * k + 1] = gy.lower + (iy + 0.5) * gy.h;
    }
  }
  evalGrad(px, mx, 0, bx);
  const my = nx * (ny - 1), py = new Float64Array(2 * my), by = new Float64Array(my);
  for (let iy = 0, k = 0; iy < ny - 1; iy++) {
    for (let ix = 0; ix < nx; ix++, k++) {
      py[2 * k] = gx.lower + (ix + 0.5) * gx.h;
      py[2 * k + 1] = gy.lower + (iy + 1) * gy.h;
    }
  }
  evalGrad(py, my, 1, by);
  return fokkerPlanck2d(grid, bx, by, form.diffusion);
}

/** out = Aρ = −(F^x_{ix+½} − F^x_{ix−½})/hx − (F^y_{iy+½} − F^y_{iy−½})/hy with zero flux at the walls; returns out. */
export function fokkerPlanckApply2d(op: FokkerPlanck2d, rho: Float64Array, out: Float64Array): Float64Array {
  const nx = op.grid.x.n, ny = op.grid.y.n, hx = op.grid.x.h, hy = op.grid.y.h, D = op.diffusion;
  const dx = D / hx, dy = D / hy, bx = op.driftX, by = op.driftY, N = nx * ny;
  checkLength('fokkerPlanckApply2d', 'rho', rho, N);
  checkLength('fokkerPlanckApply2d', 'out', out, N);
  if (out === rho) throw new RangeError('fokkerPlanckApply2d: out must not alias rho');
  out.fill(0, 0, N);
  // x-fluxes: each interior face adds −F/hx to its left cell and +F/hx to its right cell.
  for (let iy = 0; iy < ny; iy++) {
    const row = iy * nx;
    for (let ix = 0; ix < nx - 1; ix++) {
      const l = rho[row + ix]!, r = rho[row + ix + 1]!;
      const F = bx[iy * (nx - 1) + ix]! * 0.5 * (l + r) - dx * (r - l);
      out[row + ix] = out[row + ix]! - F / hx;
      out[row + ix + 1] = out[row + ix + 1]! + F / hx;
    }
  }
  for (let iy = 0; iy < ny - 1; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const k = iy * nx + ix, l = rho[k]!, r = rho[k + nx]!;
      const F = by[k]! * 0.5 * (l + r) - dy * (r - l);
      out[k] = out[k]! - F / hy;
      out[k + nx] = out[k + nx]! + F / hy;
    }
  }
  return out;
}

/**
 * The Crank–Nicolson solve (I − ½τA_line) ρ' = (I + ½τA_line) ρ for every line of one direction, factored once:
 * `lines` lines of `len` cells, line l starting at cell offset(l) with stride `stride`, face f of line l at drift index
 * driftIndex(l, f).
 */
function lineSolver(
  lines: number, len: number, stride: number, offset: (l: number) => number, driftIndex: (l: number, f: number) => number,
  drift: Float64Array, h: number, D: number, tau: number,
): (rho: Float64Array) => void {
  const dh = D / h, c = 0.5 * tau / h;
  const lo = new Float64Array(lines * len), cp = new Float64Array(lines * len), m = new Float64Array(lines * len);
  const rhs = new Float64Array(len), v = new Float64Array(len);
  for (let l = 0; l < lines; l++) {
    const base = l * len;
    for (let i = 0; i < len; i++) {
      let d = 0, lw = 0, up = 0;
      if (i < len - 1) {
        const b = drift[driftIndex(l, i)]!;
        d -= b / 2 + dh;
        up = -(b / 2 - dh);
      }
      if (i > 0) {
        const b = drift[driftIndex(l, i - 1)]!;
        d += b / 2 - dh;
        lw = b / 2 + dh;
      }
      // (lw, d, up)/h are the line's entries of A; the factors are I ∓ ½τA.
      lo[base + i] = -c * lw;
      const di = 1 - c * d;
      const piv = i === 0 ? di : di - lo[base + i]! * cp[base + i - 1]!;
      if (!(Number.isFinite(piv) && piv !== 0)) throw new RangeError(`fokkerPlanckStepper2d: the implicit line system has pivot ${piv} (line ${l}, row ${i}, dt = ${2 * tau})`);
      m[base + i] = piv;
      cp[base + i] = (-c * up) / piv;
    }
  }
  return (rho) => {
    for (let l = 0; l < lines; l++) {
      const base = l * len, o = offset(l);
      for (let i = 0; i < len; i++) v[i] = rho[o + i * stride]!;
      // Right side (I + ½τA)v in flux form: the line's face fluxes telescope, so Σ rhs = Σ v to rounding.
      let left = 0;
      for (let i = 0; i < len; i++) {
        let right = 0;
        if (i < len - 1) {
          const b = drift[driftIndex(l, i)]!;
          right = b * 0.5 * (v[i]! + v[i + 1]!) - dh * (v[i + 1]! - v[i]!);
        }
        rhs[i] = v[i]! - c * (right - left);
        left = right;
      }
      rhs[0] = rhs[0]! / m[base]!;
      for (let i = 1; i < len; i++) rhs[i] = (rhs[i]! - lo[base + i]! * rhs[i - 1]!) / m[base + i]!;
      v[len - 1] = rhs[len - 1]!;
      for (let i = len - 2; i >= 0; i--) v[i] = rhs[i]! - cp[base + i]! * v[i + 1]!;
      for (let i = 0; i < len; i++) rho[o + i * stride] = v[i]!;
    }
  };
}

/** A stepper for the scheme, its workspace made here; explicit Euler checks dt against the step limit. */
export function fokkerPlanckStepper2d(op: FokkerPlanck2d, dt: number, scheme: FokkerPlanckScheme2d = 'split-crank-nicolson'): FokkerPlanckStepper2d {
  const name = 'fokkerPlanckStepper2d';
  if (scheme !== 'explicit' && scheme !== 'split-crank-nicolson') {
    throw new RangeError(`${name}: scheme must be 'explicit' or 'split-crank-nicolson', got ${String(scheme)}`);
  }
  checkTimeStep(name, scheme === 'explicit' ? 'explicit' : 'crank-nicolson', dt, op.explicitDtLimit, op.peclet, Math.max(op.grid.x.h, op.grid.y.h));
  const nx = op.grid.x.n, ny = op.grid.y.n, N = nx * ny;
  if (scheme === 'explicit') {
    const a = new Float64Array(N);
    return (rho, out) => {
      checkLength(name, 'rho', rho, N);
      checkLength(name, 'out', out, N);
      fokkerPlanckApply2d(op, rho, a);
      for (let k = 0; k < N; k++) out[k] = rho[k]! + dt * a[k]!; // explicit Euler
      return out;
    };
  }
  const D = op.diffusion;
  // Strang splitting: x for dt/2, y for dt, x for dt/2 (each by Crank–Nicolson).
  const xHalf = lineSolver(ny, nx, 1, (l) => l * nx, (l, f) => l * (nx - 1) + f, op.driftX, op.grid.x.h, D, dt / 2);
  const yFull = lineSolver(nx, ny, nx, (l) => l, (l, f) => f * nx + l, op.driftY, op.grid.y.h, D, dt);
  return (rho, out) => {
    checkLength(name, 'rho', rho, N);
    checkLength(name, 'out', out, N);
    if (out !== rho) out.set(rho.subarray(0, N));
    xHalf(out);
    yFull(out);
    xHalf(out);
    return out;
  };
}

/** e^{−βU} at the cell centres normalized to hx·hy·Σρ = 1, into out; returns out. */
export function gibbsDensity2d(grid: Grid2d, potential: Potential, beta: number, out: Float64Array): Float64Array {
  const name = 'gibbsDensity2d';
  if (potential.dim !== 2) throw new RangeError(`${name}: the potential must be 2-dimensional, got dim = ${potential.dim}`);
  if (!(Number.isFinite(beta) && beta > 0)) throw new RangeError(`${name}: beta must be finite and > 0, got ${beta}`);
  const nx = grid.x.n, ny = grid.y.n, N = nx * ny;
  checkLength(name, 'out', out, N);
  const pts = new Float64Array(2 * N), u = new Float64Array(N);
  for (let iy = 0, k = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++, k++) {
      pts[2 * k] = grid.x.lower + (ix + 0.5) * grid.x.h;
      pts[2 * k + 1] = grid.y.lower + (iy + 0.5) * grid.y.h;
    }
  }
  potential.energy(pts, N, u);
  let min = Infinity;
  for (let k = 0; k < N; k++) {
    if (!Number.isFinite(u[k]!)) throw new RangeError(`${name}: U(${pts[2 * k]}, ${pts[2 * k + 1]}) must be finite, got ${u[k]}`);
    min = Math.min(min, u[k]!);
  }
  let s = 0;
  for (let k = 0; k < N; k++) {
    out[k] = Math.exp(-beta * (u[k]! - min));
    s += out[k]!;
  }
  const norm = s * grid.x.h * grid.y.h;
  for (let k = 0; k < N; k++) out[k] = out[k]! / norm;
  return out;
}

/** The mass hx·hy·Σρ. */
export function mass2d(grid: Grid2d, rho: Float64Array): number {
  const N = grid.x.n * grid.y.n;
  checkLength('mass2d', 'rho', rho, N);
  let s = 0;
  for (let k = 0; k < N; k++) s += rho[k]!;
  return s * grid.x.h * grid.y.h;
}

/** The discrete L1 distance hx·hy·Σ|a − b|. */
export function l1Distance2d(grid: Grid2d, a: Float64Array, b: Float64Array): number {
  const N = grid.x.n * grid.y.n;
  checkLength('l1Distance2d', 'a', a, N);
  checkLength('l1Distance2d', 'b', b, N);
  let s = 0;
  for (let k = 0; k < N; k++) s += Math.abs(a[k]! - b[k]!);
  return s * grid.x.h * grid.y.h;
}

function checkLength(name: string, what: string, a: Float64Array, len: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${name}: ${what} must be a Float64Array`);
  if (a.length < len) throw new RangeError(`${name}: ${what} must hold ${len} values, got ${a.length}`);
}
