/**
 * Shared evaluation helpers of the 2-D flow experiments (flows-2d, cnf-2d; 001 §3.4 and 003 CNF): strict config
 * parsing with named errors, the best-Gaussian baseline (the affine flow's maximum-likelihood fit, in closed form),
 * the grid of cell centres on which a learned density is drawn and integrated, and an evenly spread subset of rows
 * for scatter plots (the data generators list one moon, then the other, so a prefix would show only one).
 */
import type { ZodType } from 'zod';
import { batchCovariance } from '../../src/stats/moments.js';

/** Parses value with schema; on failure throws a RangeError listing "path: message" for every issue. */
export function parseStrict<T>(schema: ZodType<T>, value: unknown, source: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  throw new RangeError(`invalid config ${source}:\n${lines.join('\n')}`);
}

/**
 * Mean NLL (nats per point) of the train and test sets (n×2) under the Gaussian with the training set's mean and
 * biased covariance S — the MLE of the affine flow: log 2π + ½ log det S + ½ mean (y − m)ᵀ S⁻¹ (y − m).
 */
export function gaussianNll(train: Float64Array, nTrain: number, test: Float64Array, nTest: number): { train: number; test: number } {
  const m = new Float64Array(2);
  const S = batchCovariance(train, nTrain, 2, new Float64Array(4), { unbiased: false, mean: m });
  const m0 = m[0]!, m1 = m[1]!, s00 = S[0]!, s01 = S[1]!, s11 = S[3]!;
  const det = s00 * s11 - s01 * s01;
  if (!(det > 0)) throw new RangeError(`gaussianNll: the training covariance must be positive definite, got det = ${det}`);
  const nll = (y: Float64Array, n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const a = y[2 * i]! - m0, b = y[2 * i + 1]! - m1;
      s += (s11 * a * a - 2 * s01 * a * b + s00 * b * b) / det;
    }
    return Math.log(2 * Math.PI) + 0.5 * Math.log(det) + (0.5 * s) / n;
  };
  return { train: nll(train, nTrain), test: nll(test, nTest) };
}

/**
 * The G² cell centres of a G×G grid on [−L, L]² (row a·G + b at x₁ = centre a, x₂ = centre b, the layout of
 * plots.ts densityHeatmap) and the cell area, for the midpoint rule ∫ ρ ≈ Σ ρ(centre)·cell².
 */
export function cellCentres(G: number, L: number): { points: Float64Array; cellArea: number } {
  const cell = (2 * L) / G;
  const points = new Float64Array(2 * G * G);
  for (let a = 0; a < G; a++) {
    for (let b = 0; b < G; b++) {
      points[2 * (a * G + b)] = -L + (a + 0.5) * cell;
      points[2 * (a * G + b) + 1] = -L + (b + 0.5) * cell;
    }
  }
  return { points, cellArea: cell * cell };
}

/** Midpoint-rule mass Σ exp(log ρ)·cellArea over the grid. */
export function gridMass(logDensity: Float64Array, cellArea: number): number {
  let m = 0;
  for (const v of logDensity) m += Math.exp(v) * cellArea;
  return m;
}

/** k ≤ n rows of an n×2 set spread evenly over it: rows ⌊i·n/k⌋, i = 0 … k − 1. */
export function spreadRows(points: Float64Array, n: number, k: number): Float64Array {
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`spreadRows: k must be an integer in [1, n = ${n}], got ${k}`);
  const out = new Float64Array(2 * k);
  for (let i = 0; i < k; i++) {
    const r = Math.floor((i * n) / k);
    out[2 * i] = points[2 * r]!;
    out[2 * i + 1] = points[2 * r + 1]!;
  }
  return out;
}
