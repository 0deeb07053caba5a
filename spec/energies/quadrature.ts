/**
 * Tensor-grid composite Gauss–Legendre quadrature of e^{−U} on a box in d = 1 or 2: log Z and the first two moments
 * of ρ = e^{−U}/Z, as exact oracles for `logPartition` and for exact samplers. With 20 nodes per panel the rule is
 * exact for polynomials of degree 39 on each panel, so for the smooth, light-tailed energies here a few hundred panels
 * per axis give ~1e-13 relative accuracy; the box must be wide enough that the mass outside it is negligible
 * (each case states why its box is).
 */
import type { Energy } from '../../src/energies/energy.js';

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_m from Chebyshev-like starts; converged to rounding). */
export function gaussLegendre(m: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(m), weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= m; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pm = m === 1 ? z : p1, pm1 = m === 1 ? 1 : p0;
      dp = (m * (z * pm - pm1)) / (z * z - 1);
      const dz = pm / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    nodes[i] = z;
    weights[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { nodes, weights };
}

/** Composite rule on [lo, hi] with `panels` panels of m nodes each. */
export function compositeRule(lo: number, hi: number, panels: number, m = 20): { nodes: Float64Array; weights: Float64Array } {
  const gl = gaussLegendre(m);
  const nodes = new Float64Array(panels * m), weights = new Float64Array(panels * m);
  const w = (hi - lo) / panels;
  for (let q = 0; q < panels; q++) {
    const a = lo + q * w;
    for (let i = 0; i < m; i++) {
      nodes[q * m + i] = a + 0.5 * w * (gl.nodes[i]! + 1);
      weights[q * m + i] = 0.5 * w * gl.weights[i]!;
    }
  }
  return { nodes, weights };
}

export interface Box {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** panels per axis (default 100) */
  readonly panels?: readonly number[];
}

export interface GridMoments {
  readonly logZ: number;
  readonly mean: Float64Array;
  /** row-major d×d */
  readonly cov: Float64Array;
}

/** log ∫ e^{−U_θ}, E x and Cov x under ρ_θ by a tensor Gauss–Legendre grid on the box (d ∈ {1, 2}). */
export function gridMoments(energy: Energy, theta: Float64Array, box: Box): GridMoments {
  const d = energy.dim;
  if (d !== 1 && d !== 2) throw new RangeError(`gridMoments: d must be 1 or 2, got ${d}`);
  const rules = [0, 1].slice(0, d).map((k) => compositeRule(box.lo[k]!, box.hi[k]!, box.panels?.[k] ?? 100));
  const r0 = rules[0]!, r1 = d === 2 ? rules[1]! : { nodes: new Float64Array([0]), weights: new Float64Array([1]) };
  const n0 = r0.nodes.length, n1 = r1.nodes.length;
  // One batched evaluation per row of the grid, U kept to shift by its minimum before exponentiating.
  const u = new Float64Array(n0 * n1);
  const x = new Float64Array(n1 * d);
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      x[b * d] = r0.nodes[a]!;
      if (d === 2) x[b * d + 1] = r1.nodes[b]!;
    }
    energy.energy(theta, x, n1, u.subarray(a * n1, (a + 1) * n1));
  }
  let umin = Infinity;
  for (let i = 0; i < u.length; i++) umin = Math.min(umin, u[i]!);
  let s = 0;
  const m1 = new Float64Array(d), m2 = new Float64Array(d * d);
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      const w = r0.weights[a]! * r1.weights[b]! * Math.exp(-(u[a * n1 + b]! - umin));
      const p0 = r0.nodes[a]!;
      s += w;
      m1[0] = m1[0]! + w * p0;
      m2[0] = m2[0]! + w * p0 * p0;
      if (d === 2) {
        const p1 = r1.nodes[b]!;
        m1[1] = m1[1]! + w * p1;
        m2[1] = m2[1]! + w * p0 * p1;
        m2[3] = m2[3]! + w * p1 * p1;
      }
    }
  }
  if (d === 2) m2[2] = m2[1]!;
  const mean = m1.map((v) => v / s);
  const cov = new Float64Array(d * d);
  for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[j * d + k] = m2[j * d + k]! / s - mean[j]! * mean[k]!;
  return { logZ: Math.log(s) - umin, mean, cov };
}
