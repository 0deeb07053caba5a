/**
 * Quadrature point sets for the score-matching specs: probabilists' Gauss–Hermite rules (∫ f(z) φ(z) dz ≈ Σ w_k f(z_k),
 * φ the standard normal density; exact for polynomials of degree ≤ 2m − 1), produced by Golub–Welsch (the eigenvalues
 * of the Jacobi matrix with off-diagonal √k, k = 1 … m − 1, and weights the squared first eigenvector components), and
 * their tensor products mapped to N(μ, LLᵀ).
 */
import { symmetricEigen } from '../../src/linalg/dense.js';
import type { WeightedPoints } from '../../src/score/objectives.js';

export function gaussHermite(m: number): { nodes: Float64Array; weights: Float64Array } {
  const J = new Float64Array(m * m);
  for (let k = 1; k < m; k++) J[(k - 1) * m + k] = J[k * m + k - 1] = Math.sqrt(k);
  const { values, vectors } = symmetricEigen(J, m);
  const weights = new Float64Array(m);
  for (let k = 0; k < m; k++) weights[k] = vectors[k]! ** 2; // first row of the eigenvector matrix
  return { nodes: values, weights };
}

/** The tensor Gauss–Hermite rule (m nodes per axis) for N(μ, LLᵀ) in ℝ^d: points x = μ + Lz, weights Π w. */
export function gaussianPointSet(mu: Float64Array, L: Float64Array, m: number): WeightedPoints & { z: Float64Array; weights: Float64Array } {
  const d = mu.length;
  const gh = gaussHermite(m);
  const n = m ** d;
  const x = new Float64Array(n * d), z = new Float64Array(n * d), weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i, w = 1;
    for (let j = 0; j < d; j++) {
      const k = rem % m;
      rem = Math.floor(rem / m);
      z[i * d + j] = gh.nodes[k]!;
      w *= gh.weights[k]!;
    }
    weights[i] = w;
    for (let a = 0; a < d; a++) {
      let s = mu[a]!;
      for (let b = 0; b <= a; b++) s += L[a * d + b]! * z[i * d + b]!;
      x[i * d + a] = s;
    }
  }
  return { x, z, n, d, weights };
}

/** A lower-triangular L with positive diagonal from free parameters (for SPD Σ = LLᵀ). */
export function lowerFrom(d: number, vals: readonly number[]): Float64Array {
  const L = new Float64Array(d * d);
  let t = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = vals[t++ % vals.length]!;
      L[a * d + b] = a === b ? 0.5 + Math.abs(v) : v;
    }
  }
  return L;
}

/** Σ = LLᵀ. */
export function covarianceOf(L: Float64Array, d: number): Float64Array {
  const S = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += L[a * d + k]! * L[b * d + k]!;
    S[a * d + b] = s;
  }
  return S;
}
