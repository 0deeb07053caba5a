/**
 * Small dense linear algebra on row-major Float64Array matrices (d×d with d up to a few hundred): Cholesky,
 * triangular solves, SPD solve and log-determinant, products. Written here rather than through ml-matrix because the
 * samplers call them on flat buffers without allocation; ml-matrix is used for the symmetric eigendecomposition
 * (`symmetricEigen`), where a careful Jacobi/QL implementation is not worth rewriting.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

function checkSquare(name: string, a: Float64Array, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: dimension must be a positive integer, got ${d}`);
  if (a.length !== d * d) throw new RangeError(`${name} must have length d·d = ${d * d}, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new RangeError(`${name}[${i}] must be finite, got ${a[i]}`);
  }
}

/**
 * Lower Cholesky factor L (A = L Lᵀ) of a symmetric positive-definite A, written into out (upper triangle zero).
 * Throws a RangeError naming `name` when A is not symmetric or not positive definite.
 */
export function cholesky(a: Float64Array, d: number, out = new Float64Array(d * d), name = 'matrix'): Float64Array {
  checkSquare(name, a, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const aij = a[i * d + j]!, aji = a[j * d + i]!;
      if (Math.abs(aij - aji) > 1e-12 * Math.max(1, Math.abs(aij), Math.abs(aji))) {
        throw new RangeError(`${name} must be symmetric: entry (${i}, ${j}) = ${aij} but (${j}, ${i}) = ${aji}`);
      }
    }
  }
  out.fill(0);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= out[j * d + k]! * out[j * d + k]!;
    if (!(diag > 0)) {
      throw new RangeError(`${name} must be positive definite (Cholesky pivot ${j} is ${diag})`);
    }
    const ljj = Math.sqrt(diag);
    out[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= out[i * d + k]! * out[j * d + k]!;
      out[i * d + j] = s / ljj;
    }
  }
  return out;
}

/** Solves L y = b for lower-triangular L (forward substitution); out may alias b. */
export function solveLower(l: Float64Array, d: number, b: Float64Array, out = new Float64Array(d)): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  return out;
}

/** Solves Lᵀ x = y for lower-triangular L (back substitution); out may alias y. */
export function solveLowerTransposed(l: Float64Array, d: number, y: Float64Array, out = new Float64Array(d)): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * out[k]!;
    out[i] = s / l[i * d + i]!;
  }
  return out;
}

/** Solves A x = b given the Cholesky factor L of A. */
export function choleskySolve(l: Float64Array, d: number, b: Float64Array, out = new Float64Array(d)): Float64Array {
  solveLower(l, d, b, out);
  return solveLowerTransposed(l, d, out, out);
}

/** log det A from its Cholesky factor: 2 Σ log L_ii. */
export function choleskyLogDet(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
}

/** A⁻¹ of a symmetric positive-definite A (through its Cholesky factor). */
export function spdInverse(a: Float64Array, d: number, name = 'matrix'): Float64Array {
  const l = cholesky(a, d, new Float64Array(d * d), name);
  const inv = new Float64Array(d * d);
  const e = new Float64Array(d);
  const col = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    e.fill(0);
    e[j] = 1;
    choleskySolve(l, d, e, col);
    for (let i = 0; i < d; i++) inv[i * d + j] = col[i]!;
  }
  // Symmetrize the rounding.
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (inv[i * d + j]! + inv[j * d + i]!);
      inv[i * d + j] = m;
      inv[j * d + i] = m;
    }
  }
  return inv;
}

/** C = A B for row-major A (m×k) and B (k×n). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out = new Float64Array(m * n)): Float64Array {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + aip * b[p * n + j]!;
    }
  }
  return out;
}

/** y = A x for row-major A (m×n). */
export function matvec(a: Float64Array, x: Float64Array, m: number, n: number, out = new Float64Array(m)): Float64Array {
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** Aᵀ of a row-major m×n matrix. */
export function transpose(a: Float64Array, m: number, n: number, out = new Float64Array(m * n)): Float64Array {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
  return out;
}

/** Eigenvalues (ascending) and eigenvectors (columns of a row-major d×d matrix) of a symmetric matrix. */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  checkSquare('matrix', a, d);
  // Scale by a power of two (exact) so that the largest entry is about 1: ml-matrix's QL iteration loses orthogonality
  // on subnormal inputs (e.g. entries 5e-324) and could overflow on huge ones.
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
  // 2^k may not be representable (k up to 1074 for subnormals): apply it as two factors.
  const k = maxAbs === 0 ? 0 : -Math.round(Math.log2(maxAbs));
  const f1 = 2 ** Math.ceil(k / 2), f2 = 2 ** Math.floor(k / 2);
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m.set(i, j, 0.5 * (a[i * d + j]! * f1 * f2 + a[j * d + i]! * f1 * f2));
  }
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const order = eig.realEigenvalues.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  const v = eig.eigenvectorMatrix;
  order.forEach(([value, src], dst) => {
    values[dst] = value / f1 / f2;
    for (let i = 0; i < d; i++) vectors[i * d + dst] = v.get(i, src);
  });
  return { values, vectors };
}

/** f(A) = V diag(f(λ)) Vᵀ for symmetric A, e.g. the square root or inverse square root of an SPD matrix. */
export function symmetricFunction(a: Float64Array, d: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const fk = f(values[k]!);
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k]! * fk;
      if (vik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! + vik * vectors[j * d + k]!;
    }
  }
  return out;
}
