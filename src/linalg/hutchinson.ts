/**
 * Hutchinson's trace estimator (003, "Continuous-in-time Normalizing Flows: Hutchinson's trace estimator"): for a
 * probe ε with E[ε] = 0 and cov(ε) = I, tr(A) = E[εᵀAε]. FFJORD (003, "FFJORD density estimation") uses it for
 * tr(∂f/∂z) with one matrix–vector product per probe instead of d.
 *
 * Probes are Rademacher (±1, each with probability ½) or standard Gaussian. Per-probe variances have closed forms
 * (Hutchinson 1989; Avron & Toledo 2011), with S = (A + Aᵀ)/2 (εᵀAε = εᵀSε):
 *   Gaussian:   Var = 2‖S‖_F² = Σ_ij A_ij² + A_ij A_ji
 *   Rademacher: Var = 2 Σ_{i≠j} S_ij²  (the diagonal contributes nothing since ε_i² = 1)
 * so Rademacher never has the larger variance.
 */
import { normals } from '../rng/normal.js';
import type { Stream } from '../rng/stream.js';

export type ProbeKind = 'rademacher' | 'gaussian';

function checkKind(name: string, kind: unknown): asserts kind is ProbeKind {
  if (kind !== 'rademacher' && kind !== 'gaussian') {
    throw new RangeError(`${name}: kind must be 'rademacher' or 'gaussian', got ${String(kind)}`);
  }
}

function checkPositiveInt(name: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${v}`);
}

/**
 * m probe vectors, row-major m×d, into out. Rademacher signs take one bit each from consecutive 32-bit words
 * (bit k of word w is entry 32w + k of out, 1 ↦ +1, 0 ↦ −1); Gaussian entries are `normals` in order.
 */
export function drawProbes(rng: Stream, kind: ProbeKind, m: number, d: number, out?: Float64Array): Float64Array {
  checkKind('drawProbes', kind);
  checkPositiveInt('drawProbes', 'm', m);
  checkPositiveInt('drawProbes', 'd', d);
  const len = m * d;
  const res = out ?? new Float64Array(len);
  if (!(res instanceof Float64Array)) throw new TypeError('drawProbes: out must be a Float64Array');
  if (res.length < len) throw new RangeError(`drawProbes: out must hold m·d = ${len} values, got ${res.length}`);
  if (kind === 'gaussian') return normals(rng, res, 0, len);
  for (let p = 0; p < len; p += 32) {
    const w = rng.next();
    const end = Math.min(32, len - p);
    for (let k = 0; k < end; k++) res[p + k] = (w >>> k) & 1 ? 1 : -1;
  }
  return res;
}

/**
 * The per-probe terms v_jᵀ A v_j for the m probes in `probes` (row-major m×d), into out (length m). `matVec(v, out)`
 * must write A v into out and return it; it is called once per probe with a fresh d-vector view and one scratch
 * buffer. A non-finite product is an error (never propagated).
 */
export function hutchinsonTerms(
  probes: Float64Array,
  m: number,
  d: number,
  matVec: (v: Float64Array, out: Float64Array) => Float64Array,
  out = new Float64Array(m),
): Float64Array {
  checkPositiveInt('hutchinsonTerms', 'm', m);
  checkPositiveInt('hutchinsonTerms', 'd', d);
  if (probes.length < m * d) throw new RangeError(`hutchinsonTerms: probes must hold m·d = ${m * d} values, got ${probes.length}`);
  if (out.length < m) throw new RangeError(`hutchinsonTerms: out must hold m = ${m} values, got ${out.length}`);
  const av = new Float64Array(d);
  for (let j = 0; j < m; j++) {
    const v = probes.subarray(j * d, (j + 1) * d);
    const r = matVec(v, av);
    if (!(r instanceof Float64Array) || r.length < d) throw new TypeError(`hutchinsonTerms: matVec must return a Float64Array of length ≥ ${d}`);
    let s = 0;
    for (let i = 0; i < d; i++) s += v[i]! * r[i]!; // 003 Hutchinson: εᵀAε
    if (!Number.isFinite(s)) throw new RangeError(`hutchinsonTerms: probe ${j} gives a non-finite vᵀAv = ${s}`);
    out[j] = s;
  }
  return out;
}

/**
 * (1/m) Σ_j v_jᵀ A v_j from products matVec(v, out) = A v; with its sample standard error s/√m (s the sample standard
 * deviation of the m terms, divisor m − 1). With one probe the spread is unknown and standardError is +∞.
 */
export function hutchinsonTrace(
  rng: Stream,
  d: number,
  matVec: (v: Float64Array, out: Float64Array) => Float64Array,
  options: { probes: number; kind?: ProbeKind },
): { estimate: number; standardError: number } {
  const m = options.probes;
  const kind = options.kind ?? 'rademacher';
  checkKind('hutchinsonTrace', kind);
  checkPositiveInt('hutchinsonTrace', 'options.probes', m);
  checkPositiveInt('hutchinsonTrace', 'd', d);
  const probes = drawProbes(rng, kind, m, d);
  const terms = hutchinsonTerms(probes, m, d, matVec);
  let mean = 0;
  for (let j = 0; j < m; j++) mean += terms[j]!;
  mean /= m; // 003 tr(A) = E[εᵀAε], Monte Carlo mean
  if (m === 1) return { estimate: mean, standardError: Infinity };
  let ss = 0;
  for (let j = 0; j < m; j++) ss += (terms[j]! - mean) ** 2;
  return { estimate: mean, standardError: Math.sqrt(ss / (m - 1) / m) };
}

/**
 * The exact variance of one probe's term εᵀAε for a dense row-major d×d matrix A (see the module header): the
 * reference the estimator's spread is checked against.
 */
export function hutchinsonVariance(kind: ProbeKind, a: Float64Array, d: number): number {
  checkKind('hutchinsonVariance', kind);
  checkPositiveInt('hutchinsonVariance', 'd', d);
  if (a.length < d * d) throw new RangeError(`hutchinsonVariance: a must hold d·d = ${d * d} values, got ${a.length}`);
  let v = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (kind === 'rademacher' && i === j) continue;
      const s = 0.5 * (a[i * d + j]! + a[j * d + i]!);
      v += 2 * s * s;
    }
  }
  if (!Number.isFinite(v)) throw new RangeError(`hutchinsonVariance: a has non-finite entries or overflows (variance ${v})`);
  return v;
}
