/**
 * The Wiener process example of 001 Example 3.1: the SDE dXₜ = dWₜ (3.26) (μ = 0, σ = 1 in (3.24)) has the
 * Fokker–Planck equation ∂ρ/∂t = ½ ∂²ρ/∂x² (3.27), whose solution from ρ(x, 0) = δ(x − x₀) is the heat kernel
 *   ρ(x, t) = (2πt)^{−1/2} e^{−(x − x₀)²/(2t)}                                                          001 (3.28)
 * (x₀ = 0 in the document). `wienerFokkerPlanck1d` is the finite-volume operator of (3.27) on a box (b = 0, D = ½).
 */
import { normalCdf } from '../stats/distributions.js';
import { fokkerPlanck1d, type FokkerPlanck1d, type Grid1d } from './fokker-planck.js';

/** 001 (3.28): the heat kernel (2πt)^{−1/2} e^{−(xᵢ − x₀)²/(2t)} at the n points x into out; returns out. */
export function wienerDensity(t: number, x: Float64Array, n: number, out: Float64Array, x0 = 0): Float64Array {
  if (!(Number.isFinite(t) && t > 0)) throw new RangeError(`wienerDensity: t must be finite and > 0, got ${t}`);
  if (!Number.isFinite(x0)) throw new RangeError(`wienerDensity: x0 must be finite, got ${x0}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`wienerDensity: n must be a positive integer, got ${n}`);
  if (x.length < n) throw new RangeError(`wienerDensity: x must hold n = ${n} values, got ${x.length}`);
  if (out.length < n) throw new RangeError(`wienerDensity: out must hold n = ${n} values, got ${out.length}`);
  const c = 1 / Math.sqrt(2 * Math.PI * t);
  for (let i = 0; i < n; i++) {
    const z = x[i]! - x0;
    out[i] = c * Math.exp(-(z * z) / (2 * t)); // 001 (3.28)
  }
  return out;
}

/**
 * The exact cell averages of (3.28), (1/h) ∫_{cell} ρ(x, t) dx = (Φ((x_{i+½} − x₀)/√t) − Φ((x_{i−½} − x₀)/√t))/h,
 * into out; returns out. This is what the finite-volume unknowns approximate.
 */
export function wienerCellAverages(grid: Grid1d, t: number, out: Float64Array, x0 = 0): Float64Array {
  if (!(Number.isFinite(t) && t > 0)) throw new RangeError(`wienerCellAverages: t must be finite and > 0, got ${t}`);
  if (!Number.isFinite(x0)) throw new RangeError(`wienerCellAverages: x0 must be finite, got ${x0}`);
  if (out.length < grid.n) throw new RangeError(`wienerCellAverages: out must hold n = ${grid.n} values, got ${out.length}`);
  const s = Math.sqrt(t);
  let prev = normalCdf((grid.lower - x0) / s);
  for (let i = 0; i < grid.n; i++) {
    const next = normalCdf((grid.lower + (i + 1) * grid.h - x0) / s);
    out[i] = (next - prev) / grid.h;
    prev = next;
  }
  return out;
}

/** The operator of (3.27) on the grid: zero drift, D = σ²/2 = ½. */
export function wienerFokkerPlanck1d(grid: Grid1d): FokkerPlanck1d {
  return fokkerPlanck1d(grid, new Float64Array(grid.n - 1), 0.5); // 001 (3.27): ∂ρ/∂t = ½ ∂²ρ/∂x²
}
