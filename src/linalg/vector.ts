/**
 * BLAS-style kernels on flat Float64Arrays and row-major walker batches (n walkers × d coordinates): explicit lengths,
 * results written into `out`. Stable reductions in log space (logsumexp) follow the weights-in-log-space contract of
 * DESIGN.md: a NaN log-weight counts as −∞.
 */

/** Σ x_i y_i over n entries. */
export function dot(x: Float64Array, y: Float64Array, n = x.length, xOffset = 0, yOffset = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[xOffset + i]! * y[yOffset + i]!;
  return s;
}

/** y ← a x + y over n entries (daxpy); returns y. */
export function axpy(a: number, x: Float64Array, y: Float64Array, n = x.length): Float64Array {
  for (let i = 0; i < n; i++) y[i] = y[i]! + a * x[i]!;
  return y;
}

/** |x_i|² for each row of an n×d batch, into out (length n). */
export function rowSquaredNorms(x: Float64Array, n: number, d: number, out = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += x[o + j]! * x[o + j]!;
    out[i] = s;
  }
  return out;
}

/** log Σ exp(v_i) over n entries, stable (max-shifted). NaN entries count as −∞; all −∞ gives −∞. */
export function logSumExp(v: ArrayLike<number>, n = v.length): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x > max) max = x; // NaN compares false: skipped
  }
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x === x) s += Math.exp(x - max);
  }
  return max + Math.log(s);
}

/** The normalized weights exp(v_i − logsumexp v) into out; NaN → 0. Throws when every entry is −∞ or NaN. */
export function softmax(v: ArrayLike<number>, out = new Float64Array(v.length)): Float64Array {
  const lse = logSumExp(v);
  if (!(lse > -Infinity)) throw new RangeError('softmax: every log-weight is −∞ or NaN');
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    out[i] = x === x ? Math.exp(x - lse) : 0;
  }
  return out;
}
