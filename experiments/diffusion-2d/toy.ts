/**
 * experiments/diffusion-2d/toy — seeded 2-D toy distributions (two moons, two rings, an 8-component Gaussian mixture on
 * a circle), two sample-quality numbers between point sets (the energy distance and the sliced 2-Wasserstein distance)
 * and an SVG scatter plot. Generators draw from the Stream given first; points are row-major n×2.
 */
import { normal, uniform, uniformInt, type Stream } from '../../src/rng/index.js';
import { escapeXml, frame, legend, PALETTE, px, svgDocument } from '../../src/plot/svg.js';
import { batchCovariance } from '../../src/stats/moments.js';

export const TOY_DATASETS = ['two-moons', 'rings', 'gaussian-mixture'] as const;
export type ToyDataset = (typeof TOY_DATASETS)[number];

/** Two interleaved half circles (the scikit-learn "make_moons" construction), centred: noise 0.05. */
function twoMoons(stream: Stream, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const t = Math.PI * uniform(stream);
    const upper = uniformInt(stream, 2) === 0;
    const x = upper ? Math.cos(t) : 1 - Math.cos(t);
    const y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    out[2 * i] = x - 0.5 + 0.05 * normal(stream);
    out[2 * i + 1] = y - 0.25 + 0.05 * normal(stream);
  }
}

/** Two concentric circles of radii 0.7 and 1.4, equally likely, plus isotropic noise N(0, 0.05² I). */
function rings(stream: Stream, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const r = uniformInt(stream, 2) === 0 ? 0.7 : 1.4;
    const a = 2 * Math.PI * uniform(stream);
    out[2 * i] = r * Math.cos(a) + 0.05 * normal(stream);
    out[2 * i + 1] = r * Math.sin(a) + 0.05 * normal(stream);
  }
}

/** Eight equally weighted N(μ_k, 0.1² I), μ_k = 1.5 (cos 2πk/8, sin 2πk/8). */
function gaussianMixture(stream: Stream, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * uniformInt(stream, 8)) / 8;
    out[2 * i] = 1.5 * Math.cos(a) + 0.1 * normal(stream);
    out[2 * i + 1] = 1.5 * Math.sin(a) + 0.1 * normal(stream);
  }
}

/** n draws of a toy distribution into out (n×2). */
export function sampleToy(stream: Stream, dataset: ToyDataset, n: number, out: Float64Array = new Float64Array(2 * n)): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`sampleToy: n = ${n} must be a positive integer`);
  if (out.length !== 2 * n) throw new Error(`sampleToy: out.length = ${out.length} must be 2n = ${2 * n}`);
  switch (dataset) {
    case 'two-moons': twoMoons(stream, n, out); break;
    case 'rings': rings(stream, n, out); break;
    case 'gaussian-mixture': gaussianMixture(stream, n, out); break;
    default: throw new Error(`sampleToy: dataset = ${String(dataset)} must be one of ${TOY_DATASETS.join(', ')}`);
  }
  return out;
}

/** A 2-D Gaussian: mean, covariance (Σ_xx, Σ_xy, Σ_yy) and its Cholesky factor L = [[l11, 0], [l21, l22]], LLᵀ = Σ. */
export interface Gaussian2d {
  readonly mean: readonly [number, number];
  readonly cov: readonly [number, number, number];
  readonly chol: readonly [number, number, number];
}

/**
 * The moment-matched Gaussian of n points: their mean and unbiased covariance (1/(n − 1)) Σ (xᵢ − x̄)(xᵢ − x̄)ᵀ — the
 * best a sampler that knows only first and second moments can do, a baseline sharper than N(0, I).
 */
export function fitGaussian2d(x: Float64Array, n: number): Gaussian2d {
  checkPoints('fitGaussian2d', 'x', x, n);
  const m = new Float64Array(2);
  const S = batchCovariance(x, n, 2, new Float64Array(4), { unbiased: true, mean: m });
  const mx = m[0]!, my = m[1]!, sxx = S[0]!, sxy = S[1]!, syy = S[3]!;
  const l11 = Math.sqrt(sxx), l21 = l11 > 0 ? sxy / l11 : 0, r = syy - l21 * l21;
  if (!(l11 > 0 && r > 0 && Number.isFinite(r))) {
    throw new Error(`fitGaussian2d: the sample covariance [[${sxx}, ${sxy}], [${sxy}, ${syy}]] must be positive definite (the points must not be collinear)`);
  }
  return { mean: [mx, my], cov: [sxx, sxy, syy], chol: [l11, l21, Math.sqrt(r)] };
}

/** m draws μ + L z, z ~ N(0, I), into out (m×2). */
export function sampleGaussian2d(stream: Stream, g: Gaussian2d, m: number, out: Float64Array = new Float64Array(2 * m)): Float64Array {
  if (!Number.isInteger(m) || m < 1) throw new Error(`sampleGaussian2d: m = ${m} must be a positive integer`);
  if (out.length !== 2 * m) throw new Error(`sampleGaussian2d: out.length = ${out.length} must be 2m = ${2 * m}`);
  const [mx, my] = g.mean, [l11, l21, l22] = g.chol;
  for (let i = 0; i < m; i++) {
    const z1 = normal(stream), z2 = normal(stream);
    out[2 * i] = mx + l11 * z1;
    out[2 * i + 1] = my + l21 * z1 + l22 * z2;
  }
  return out;
}

function meanDistance(a: Float64Array, na: number, b: Float64Array, nb: number, same: boolean): number {
  let s = 0;
  for (let i = 0; i < na; i++) {
    const ax = a[2 * i]!, ay = a[2 * i + 1]!;
    for (let j = same ? i + 1 : 0; j < nb; j++) s += Math.hypot(ax - b[2 * j]!, ay - b[2 * j + 1]!);
  }
  return same ? s / ((na * (na - 1)) / 2) : s / (na * nb);
}

function checkPoints(name: string, what: string, x: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new Error(`${name}: ${what} n = ${n} must be an integer ≥ 2`);
  if (x.length !== 2 * n) throw new Error(`${name}: ${what}.length = ${x.length} must be 2n = ${2 * n}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new Error(`${name}: ${what}[${i}] = ${x[i]} must be finite`);
}

/**
 * The energy distance (Székely & Rizzo) 2E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ between the laws of two 2-D point sets,
 * estimated with U-statistics for the within-set terms (unbiased; 0 in expectation for equal laws, so it can be < 0).
 */
export function energyDistance(x: Float64Array, nx: number, y: Float64Array, ny: number): number {
  checkPoints('energyDistance', 'x', x, nx);
  checkPoints('energyDistance', 'y', y, ny);
  return 2 * meanDistance(x, nx, y, ny, false) - meanDistance(x, nx, x, nx, true) - meanDistance(y, ny, y, ny, true);
}

/**
 * The sliced 2-Wasserstein distance over K evenly spaced directions θ_k = πk/K (k = 0..K−1):
 * SW₂ = (K⁻¹ Σ_k W₂²(θ_kᵀX, θ_kᵀY))^{1/2}, each 1-D W₂² between the empirical laws of two sets of equal size by sorting.
 */
export function slicedWasserstein2(x: Float64Array, y: Float64Array, n: number, directions: number): number {
  checkPoints('slicedWasserstein2', 'x', x, n);
  checkPoints('slicedWasserstein2', 'y', y, n);
  if (!Number.isInteger(directions) || directions < 1) throw new Error(`slicedWasserstein2: directions = ${directions} must be a positive integer`);
  const px_ = new Float64Array(n), py = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < directions; k++) {
    const c = Math.cos((Math.PI * k) / directions), s = Math.sin((Math.PI * k) / directions);
    for (let i = 0; i < n; i++) {
      px_[i] = c * x[2 * i]! + s * x[2 * i + 1]!;
      py[i] = c * y[2 * i]! + s * y[2 * i + 1]!;
    }
    px_.sort();
    py.sort();
    let w = 0;
    for (let i = 0; i < n; i++) w += (px_[i]! - py[i]!) ** 2;
    total += w / n;
  }
  return Math.sqrt(total / directions);
}

export interface ScatterSeries {
  readonly name: string;
  /** n×2 row-major points */
  readonly points: Float64Array;
  readonly color?: string;
}

export interface ScatterOptions {
  readonly title?: string;
  readonly subtitle?: string;
  readonly width?: number;
  readonly height?: number;
  /** the square range shown on both axes */
  readonly range: readonly [number, number];
  readonly radius?: number;
}

/** A scatter plot (points outside `range` are clipped by the plot area). */
export function scatterPlot(series: readonly ScatterSeries[], options: ScatterOptions): string {
  const width = options.width ?? 340, height = options.height ?? 360, r = options.radius ?? 1.3;
  const [lo, hi] = options.range;
  if (!(hi > lo)) throw new Error(`scatterPlot: range [${lo}, ${hi}] must have hi > lo`);
  const f = frame({
    width, height, title: options.title, subtitle: options.subtitle, x: { lo, hi }, y: { lo, hi }, logY: false,
  });
  const body = [...f.parts];
  series.forEach((s, k) => {
    if (s.points.length % 2 !== 0) throw new Error(`scatterPlot: series[${k}].points.length = ${s.points.length} must be even (n×2)`);
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const dots: string[] = [];
    for (let i = 0; i < s.points.length; i += 2) {
      const x = s.points[i]!, y = s.points[i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      dots.push(`<circle cx="${px(f.sx(x))}" cy="${px(f.sy(y))}" r="${r}"/>`);
    }
    body.push(`<g class="series" clip-path="url(#${f.clipId})" fill="${color}" fill-opacity="0.45" stroke="none"><title>${escapeXml(s.name)}</title>${dots.join('')}</g>`);
  });
  body.push(legend(f, series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length]!, kind: 'box' as const })), 'top-right'));
  return svgDocument(width, height, body);
}
