/**
 * A finite-difference checker for energies: compares ∇ₓU, Σᵢ wᵢ ∂θU and (where present) the Laplacian with central
 * differences. The contract suite (spec/_contracts/energy.contract.ts) runs it on every energy.
 *
 * Central differences with step h = ε·max(1, |v|) (ε = 6e-6 ≈ ∛(machine ε)) have truncation error O(h² U''') and
 * rounding error O(ε_mach |U| / h), both ~1e-10 for smooth energies of moderate size, so errors above ~1e-6 mean a
 * wrong derivative. The Laplacian is checked as the central difference of the (separately checked) analytic gradient,
 * Σⱼ (∂ⱼU(x + h eⱼ) − ∂ⱼU(x − h eⱼ)) / 2h, which is far more accurate than second differences of U.
 *
 * Errors are reported as the maximum absolute error and the maximum scaled error |fd − analytic| / (1 + |analytic|).
 * This is a test tool: it allocates freely.
 */
import { checkBatch, checkTheta, type Energy } from './energy.js';

export interface DerivativeErrors {
  /** max |fd − analytic| over the entries compared */
  readonly maxAbsError: number;
  /** max |fd − analytic| / (1 + |analytic|) */
  readonly maxRelError: number;
}

export interface EnergyDerivativeReport {
  /** ∇ₓU against central differences of U in each coordinate of each walker */
  readonly grad: DerivativeErrors;
  /** Σᵢ wᵢ ∂θU against central differences of θ ↦ Σᵢ wᵢ U_θ(xᵢ) */
  readonly paramGrad: DerivativeErrors;
  /** ΔU against the divergence of ∇ₓU by central differences (absent when the energy has no Laplacian) */
  readonly laplacian?: DerivativeErrors;
}

export interface CheckOptions {
  /** the weights wᵢ of Σᵢ wᵢ ∂θU (length n); all ones by default. Pass random weights to catch per-walker slips. */
  readonly weights?: Float64Array;
  /** relative step ε (default 6e-6) */
  readonly step?: number;
}

function accumulate(errs: { abs: number; rel: number }, fd: number, an: number): void {
  const e = Math.abs(fd - an);
  // NaN anywhere must show up as a failure, not vanish in Math.max.
  const abs = Number.isNaN(e) ? Infinity : e;
  errs.abs = Math.max(errs.abs, abs);
  errs.rel = Math.max(errs.rel, abs / (1 + Math.abs(an)));
}

/**
 * Checks the derivatives of `energy` at θ on the n walkers x (n×d row-major) by central differences; returns the
 * largest errors. Coordinate j of every walker is perturbed at once (walkers are independent), so the check costs
 * O(d + p) batched evaluations.
 */
export function checkEnergyDerivatives(
  energy: Energy,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  opts: CheckOptions = {},
): EnergyDerivativeReport {
  checkTheta(energy, theta);
  checkBatch(energy.name, x, n, energy.dim);
  const d = energy.dim, p = energy.paramDim;
  const eps = opts.step ?? 6e-6;
  if (!(eps > 0 && eps < 1)) throw new RangeError(`checkEnergyDerivatives: step must be in (0, 1), got ${eps}`);
  const weights = opts.weights ?? new Float64Array(n).fill(1);
  if (weights.length < n) throw new RangeError(`checkEnergyDerivatives: weights must hold n = ${n} values, got ${weights.length}`);

  const u = new Float64Array(n), grad = new Float64Array(n * d);
  energy.energyGrad(theta, x, n, u, grad);
  const xp = Float64Array.from(x.subarray(0, n * d));
  const up = new Float64Array(n), um = new Float64Array(n);

  // ∇ₓU
  const g = { abs: 0, rel: 0 };
  for (let j = 0; j < d; j++) {
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = x[i * d + j]!;
      // h is made exactly representable as the difference of the perturbed points.
      const hi = eps * Math.max(1, Math.abs(v));
      xp[i * d + j] = v + hi;
      h[i] = xp[i * d + j]! - v;
    }
    energy.energy(theta, xp, n, up);
    for (let i = 0; i < n; i++) xp[i * d + j] = x[i * d + j]! - h[i]!;
    energy.energy(theta, xp, n, um);
    for (let i = 0; i < n; i++) {
      xp[i * d + j] = x[i * d + j]!;
      accumulate(g, (up[i]! - um[i]!) / (2 * h[i]!), grad[i * d + j]!);
    }
  }

  // Σᵢ wᵢ ∂θU
  const pg = energy.paramGrad(theta, x, n, weights, new Float64Array(p));
  const th = Float64Array.from(theta);
  const pe = { abs: 0, rel: 0 };
  const weighted = (): number => {
    energy.energy(th, x, n, up);
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i]! * up[i]!;
    return s;
  };
  for (let k = 0; k < p; k++) {
    const v = theta[k]!;
    th[k] = v + eps * Math.max(1, Math.abs(v));
    const h = th[k]! - v;
    const fp = weighted();
    th[k] = v - h;
    const fm = weighted();
    th[k] = v;
    accumulate(pe, (fp - fm) / (2 * h), pg[k]!);
  }

  const report = {
    grad: { maxAbsError: g.abs, maxRelError: g.rel },
    paramGrad: { maxAbsError: pe.abs, maxRelError: pe.rel },
  };
  if (energy.laplacian === undefined) return report;

  // ΔU = Σⱼ ∂ⱼ(∂ⱼU)
  const lap = energy.laplacian(theta, x, n, new Float64Array(n));
  const div = new Float64Array(n);
  const gp = new Float64Array(n * d), gm = new Float64Array(n * d);
  const h = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) {
      const v = x[i * d + j]!;
      xp[i * d + j] = v + eps * Math.max(1, Math.abs(v));
      h[i] = xp[i * d + j]! - v;
    }
    energy.energyGrad(theta, xp, n, up, gp);
    for (let i = 0; i < n; i++) xp[i * d + j] = x[i * d + j]! - h[i]!;
    energy.energyGrad(theta, xp, n, um, gm);
    for (let i = 0; i < n; i++) {
      xp[i * d + j] = x[i * d + j]!;
      div[i] = div[i]! + (gp[i * d + j]! - gm[i * d + j]!) / (2 * h[i]!);
    }
  }
  const l = { abs: 0, rel: 0 };
  for (let i = 0; i < n; i++) accumulate(l, div[i]!, lap[i]!);
  return { ...report, laplacian: { maxAbsError: l.abs, maxRelError: l.rel } };
}
