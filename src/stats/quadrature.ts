/**
 * Numerical integration for 000 §2.1 (11): the Monte Carlo estimate Î = (1/n) Σ f(x_i), x_i ~ P, with its standard
 * error √(D f/n), and the classical rules 000 compares it with — composite trapezoid (error ~ n^{−2/d}) and Simpson
 * (~ n^{−4/d}), n the total number of nodes of a d-dimensional tensor-product rule — plus Gauss–Legendre rules for
 * accurate reference integrals. A 1-D rule is a record of nodes and weights; a box rule is the tensor product of one
 * 1-D rule per axis.
 */
import type { Stream } from '../rng/stream.js';

/** A 1-D quadrature rule: ∫ f ≈ Σ_k weights[k] f(nodes[k]). */
export interface QuadratureRule {
  nodes: Float64Array;
  weights: Float64Array;
}

/** Throws unless `rule` has at least one node and one weight per node; `name` is the calling function. */
export function checkQuadratureRule(name: string, rule: QuadratureRule): void {
  if (rule.nodes.length < 1 || rule.nodes.length !== rule.weights.length) {
    throw new RangeError(`${name}: rule must have as many weights as nodes (≥ 1), got ${rule.nodes.length} nodes and ${rule.weights.length} weights`);
  }
}

function checkInterval(a: number, b: number): void {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) throw new RangeError(`the interval [a, b] must be finite with a < b, got [${a}, ${b}]`);
}

/** The composite trapezoid rule on [a, b] with m ≥ 2 equally spaced nodes (h = (b − a)/(m − 1)). */
export function trapezoidRule(a: number, b: number, m: number): QuadratureRule {
  checkInterval(a, b);
  if (!Number.isInteger(m) || m < 2) throw new RangeError(`m (nodes) must be an integer ≥ 2, got ${m}`);
  const h = (b - a) / (m - 1);
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m).fill(h);
  for (let k = 0; k < m; k++) nodes[k] = k === m - 1 ? b : a + k * h;
  weights[0] = h / 2;
  weights[m - 1] = h / 2;
  return { nodes, weights };
}

/** The composite Simpson rule on [a, b] with an odd number m ≥ 3 of equally spaced nodes (weights h/3 · 1,4,2,…,4,1). */
export function simpsonRule(a: number, b: number, m: number): QuadratureRule {
  checkInterval(a, b);
  if (!Number.isInteger(m) || m < 3 || m % 2 === 0) throw new RangeError(`m (nodes) must be an odd integer ≥ 3, got ${m}`);
  const h = (b - a) / (m - 1);
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    nodes[k] = k === m - 1 ? b : a + k * h;
    weights[k] = ((k === 0 || k === m - 1 ? 1 : k % 2 ? 4 : 2) * h) / 3;
  }
  return { nodes, weights };
}

/**
 * The m-point Gauss–Legendre rule on [a, b] (exact for polynomials of degree ≤ 2m − 1): nodes are the roots of P_m
 * found by Newton's method from Tricomi's initial guesses cos(π(k + ¾)/(m + ½)), with P_m and P_m' by the three-term
 * recurrence; w_k = 2/((1 − x_k²) P_m'(x_k)²) on [−1, 1], then mapped affinely.
 */
export function gaussLegendre(m: number, a = -1, b = 1): QuadratureRule {
  checkInterval(a, b);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`m (nodes) must be a positive integer, got ${m}`);
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  const half = (b - a) / 2, mid = (a + b) / 2;
  for (let k = 0; k < Math.ceil(m / 2); k++) {
    let x = Math.cos((Math.PI * (k + 0.75)) / (m + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // (j + 1) P_{j+1} = (2j + 1) x P_j − j P_{j−1}
      let p0 = 1, p1 = x;
      for (let j = 1; j < m; j++) {
        const p2 = ((2 * j + 1) * x * p1 - j * p0) / (j + 1);
        p0 = p1;
        p1 = p2;
      }
      dp = (m * (x * p1 - p0)) / (x * x - 1); // P_m'(x) = m (x P_m − P_{m−1})/(x² − 1)
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) <= 1e-16 * Math.max(1, Math.abs(x))) break;
    }
    if (m % 2 === 1 && k === (m - 1) / 2) x = 0; // the middle root is exactly 0
    const w = 2 / ((1 - x * x) * dp * dp);
    nodes[k] = mid - half * x;
    nodes[m - 1 - k] = mid + half * x;
    weights[k] = half * w;
    weights[m - 1 - k] = half * w;
  }
  return { nodes, weights };
}

/** Σ_k w_k f(x_k) for a 1-D rule. */
export function integrate(f: (x: number) => number, rule: QuadratureRule): number {
  let s = 0;
  for (let k = 0; k < rule.nodes.length; k++) s += rule.weights[k]! * f(rule.nodes[k]!);
  return s;
}

/**
 * The tensor-product rule over a box: Σ_{k₁…k_d} Π_a w^{(a)}_{k_a} f(x^{(1)}_{k₁}, …, x^{(d)}_{k_d}), one 1-D rule per
 * axis. f receives one point buffer that is reused between calls (copy it to keep it). Nodes are visited with an
 * odometer; nothing is allocated per node.
 */
export function integrateBox(f: (x: Float64Array) => number, rules: readonly QuadratureRule[]): number {
  const d = rules.length;
  if (d < 1) throw new RangeError('rules must hold at least one axis');
  const index = new Int32Array(d);
  const point = new Float64Array(d);
  for (let a = 0; a < d; a++) point[a] = rules[a]!.nodes[0]!;
  let total = 0;
  for (;;) {
    let w = 1;
    for (let a = 0; a < d; a++) w *= rules[a]!.weights[index[a]!]!;
    total += w * f(point);
    let a = 0;
    while (a < d) {
      const r = rules[a]!;
      index[a] = index[a]! + 1;
      if (index[a]! < r.nodes.length) {
        point[a] = r.nodes[index[a]!]!;
        break;
      }
      index[a] = 0;
      point[a] = r.nodes[0]!;
      a++;
    }
    if (a === d) return total;
  }
}

function boxRules(lower: ArrayLike<number>, upper: ArrayLike<number>, m: number, make: (a: number, b: number, m: number) => QuadratureRule): QuadratureRule[] {
  if (lower.length !== upper.length || lower.length < 1) {
    throw new RangeError(`lower and upper must have the same positive length, got ${lower.length} and ${upper.length}`);
  }
  const rules: QuadratureRule[] = [];
  for (let a = 0; a < lower.length; a++) rules.push(make(lower[a]!, upper[a]!, m));
  return rules;
}

/** The composite trapezoid rule for ∫_a^b f with m nodes. */
export function trapezoid(f: (x: number) => number, a: number, b: number, m: number): number {
  return integrate(f, trapezoidRule(a, b, m));
}

/** The composite Simpson rule for ∫_a^b f with m (odd) nodes. */
export function simpson(f: (x: number) => number, a: number, b: number, m: number): number {
  return integrate(f, simpsonRule(a, b, m));
}

/** The tensor-product trapezoid rule over the box Π [lower_a, upper_a] with m nodes per axis (m^d in all). */
export function trapezoidBox(f: (x: Float64Array) => number, lower: ArrayLike<number>, upper: ArrayLike<number>, m: number): number {
  return integrateBox(f, boxRules(lower, upper, m, trapezoidRule));
}

/** The tensor-product Simpson rule over the box Π [lower_a, upper_a] with m (odd) nodes per axis. */
export function simpsonBox(f: (x: Float64Array) => number, lower: ArrayLike<number>, upper: ArrayLike<number>, m: number): number {
  return integrateBox(f, boxRules(lower, upper, m, simpsonRule));
}

/** A Monte Carlo estimate with its standard error. */
export interface MonteCarloEstimate {
  /** Î = (1/n) Σ f(x_i) — 000 (11). */
  estimate: number;
  /** √(s²/n) with s² the unbiased sample variance of f(x_i): the estimate of √(D f/n) (000 §2.1, property 2); NaN for n = 1. */
  standardError: number;
}

/**
 * 000 (11): Î = (1/n) Σ_i f(x_i) with x_i ~ P drawn by `sampler(stream, x)` into a reused buffer of length d, and its
 * standard error from the running (Welford) variance of the f(x_i). Allocates only the buffer, once.
 */
export function monteCarloMean(
  stream: Stream,
  f: (x: Float64Array) => number,
  sampler: (stream: Stream, out: Float64Array) => void,
  n: number,
  d = 1,
): MonteCarloEstimate {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  const x = new Float64Array(d);
  let mean = 0, ss = 0;
  for (let i = 0; i < n; i++) {
    sampler(stream, x);
    const y = f(x);
    const delta = y - mean;
    mean += delta / (i + 1);
    ss += delta * (y - mean);
  }
  return { estimate: mean, standardError: n > 1 ? Math.sqrt(ss / (n - 1) / n) : NaN };
}
