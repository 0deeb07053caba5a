/**
 * The leapfrog integrator of Hamilton's equations (000 §2.1.3, (19)-(20)) for H(q, p) = U(q) + K(p) with the kinetic
 * energy K(p) = ½ pᵀM⁻¹p (000 (16)-(17); diagonal M gives Σ p_k²/(2m_k)), and the mass matrix M it needs: momentum draws
 * p ~ N(0, M) and K(p). Usable alone (tests, HMC, anything that needs a symplectic map).
 *
 * Everything works in place on a batch of n phase points and allocates nothing: the dense mass matrix needs no
 * scratch because M⁻¹p is formed row by row while p is not being written, and p = Lξ (M = LLᵀ) is formed in place from
 * the last coordinate back.
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';
import { cholesky, spdInverse } from '../linalg/dense.js';
import type { Potential } from '../energies/energy.js';
import { checkStepSize } from './types.js';

/** A mass matrix M on ℝ^d: diagonal (M = diag(m)) or dense symmetric positive definite. */
export interface MassMatrix {
  readonly d: number;
  readonly diagonal: boolean;
  /** diagonal: 1/m_k (length d); dense: M⁻¹ (d×d row-major) */
  readonly inverse: Float64Array;
  /** diagonal: √m_k (length d); dense: the lower Cholesky factor L of M (d×d) */
  readonly factor: Float64Array;
}

/**
 * The mass matrix from a scalar m (M = m I), a vector of d masses (diagonal M), or a d×d SPD matrix (for d = 1 the two
 * array forms coincide). Throws a RangeError naming `mass` when a mass is not finite and > 0 or M is not SPD.
 */
export function massMatrix(d: number, mass: number | Float64Array = 1): MassMatrix {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  const masses = typeof mass === 'number' ? new Float64Array(d).fill(mass) : mass;
  if (masses.length === d) {
    const inverse = new Float64Array(d);
    const factor = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      const m = masses[k]!;
      if (!(Number.isFinite(m) && m > 0)) throw new RangeError(`mass[${k}] must be a finite number > 0, got ${m}`);
      inverse[k] = 1 / m;
      factor[k] = Math.sqrt(m);
    }
    return { d, diagonal: true, inverse, factor };
  }
  if (masses.length !== d * d) {
    throw new RangeError(`mass must be a number, a vector of length d = ${d} or a d×d matrix (${d * d} values), got length ${masses.length}`);
  }
  const factor = cholesky(masses, d, new Float64Array(d * d), 'mass');
  return { d, diagonal: false, inverse: spdInverse(masses, d, 'mass'), factor };
}

/** p_i ~ N(0, M) for i < n into out (n×d); returns out. 000 (17): P(p) = N(p | 0, M). */
export function drawMomentum(stream: Stream, mass: MassMatrix, n: number, out: Float64Array): Float64Array {
  const d = mass.d, f = mass.factor;
  normals(stream, out, 0, n * d);
  if (mass.diagonal) {
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) out[i * d + k] = out[i * d + k]! * f[k]!;
  } else {
    // p = L ξ in place: row k of L reads ξ_0 … ξ_k, so go from the last coordinate back.
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let k = d - 1; k >= 0; k--) {
        let s = 0;
        for (let j = 0; j <= k; j++) s += f[k * d + j]! * out[o + j]!;
        out[o + k] = s;
      }
    }
  }
  return out;
}

/** K(p_i) = ½ p_iᵀM⁻¹p_i into out[i] for i < n; returns out. 000 (16): K(p) = Σ p_k²/(2m_k) for diagonal M. */
export function kineticEnergy(mass: MassMatrix, p: Float64Array, n: number, out: Float64Array): Float64Array {
  const d = mass.d, inv = mass.inverse;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    if (mass.diagonal) {
      for (let k = 0; k < d; k++) s += p[o + k]! * p[o + k]! * inv[k]!;
    } else {
      for (let k = 0; k < d; k++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += inv[k * d + j]! * p[o + j]!;
        s += p[o + k]! * v;
      }
    }
    out[i] = 0.5 * s;
  }
  return out;
}

/** A batch of n phase points (q, p) with the cached U(q) and ∇U(q), integrated in place. */
export interface PhasePoints {
  /** positions, n×d */
  readonly q: Float64Array;
  /** momenta, n×d */
  readonly p: Float64Array;
  /** U(q_i) */
  readonly u: Float64Array;
  /** ∇U(q_i), n×d */
  readonly grad: Float64Array;
}

/**
 * `steps` leapfrog steps of size ε (000 (20)) on every phase point, in place: on entry z.u and z.grad must hold U and ∇U
 * at z.q; on exit they hold them at the new q. One call of `potential.energyGrad` per step, nothing allocated.
 * 000 (20) writes the force as ∇log P̂ = −∇U.
 */
export function leapfrog(
  potential: Potential,
  z: PhasePoints,
  n: number,
  stepSize: number,
  steps: number,
  mass: MassMatrix,
): PhasePoints {
  checkStepSize('stepSize', stepSize);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be an integer ≥ 1, got ${steps}`);
  const d = mass.d;
  if (potential.dim !== d) throw new RangeError(`mass has dimension ${d} but the potential ${potential.name} has ${potential.dim}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const nd = n * d;
  if (z.q.length < nd || z.p.length < nd || z.grad.length < nd || z.u.length < n) {
    throw new RangeError(`phase points must hold n·d = ${nd} coordinates and n = ${n} energies`);
  }
  const { q, p, grad } = z;
  const half = 0.5 * stepSize;
  const inv = mass.inverse;
  for (let s = 0; s < steps; s++) {
    // 000 (20) line 1: p ← p + (ε/2) ∇log P̂(q) = p − (ε/2) ∇U(q)
    for (let j = 0; j < nd; j++) p[j] = p[j]! - half * grad[j]!;
    // 000 (20) line 2: q ← q + ε M⁻¹ p
    if (mass.diagonal) {
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let k = 0; k < d; k++) q[o + k] = q[o + k]! + stepSize * inv[k]! * p[o + k]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let k = 0; k < d; k++) {
          let v = 0;
          for (let j = 0; j < d; j++) v += inv[k * d + j]! * p[o + j]!;
          q[o + k] = q[o + k]! + stepSize * v;
        }
      }
    }
    potential.energyGrad(q, n, z.u, grad);
    // 000 (20) line 3: p ← p − (ε/2) ∇U(q_new)
    for (let j = 0; j < nd; j++) p[j] = p[j]! - half * grad[j]!;
  }
  return z;
}
