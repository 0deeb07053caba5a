/**
 * Histograms (optionally weighted, e.g. by Jarzynski weights) with density overlays (e.g. the exact mixture density),
 * as standalone SVG.
 *
 * Normalization: with `density: true` the bar heights are Σ weights in the bin / (Σ all weights · bin width), where
 * "all" includes samples outside the plotted range. So a curve of the true density matches the bars on the visible
 * part, and mass outside the range shows up as missing area rather than being spread over the bins (NumPy's
 * `density=True` normalizes over the range only). Non-finite samples are left out and counted in `nonFinite`; the
 * plot says how many.
 */
import {
  PALETTE, axisRange, checkRange, checkSize, escapeXml, frame, legend, px, svgDocument, type LegendEntry, type LegendPosition,
} from './svg.js';

export interface HistogramOptions {
  /** Number of equal-width bins (default 50). */
  readonly bins?: number;
  /** [lo, hi]; defaults to the finite samples' range. Bins are [lo + jw, lo + (j+1)w), the last one closed. */
  readonly range?: readonly [number, number];
  /** Non-negative weights, one per sample (default all 1). */
  readonly weights?: ArrayLike<number>;
  /** Divide by total weight × bin width (default true); otherwise bar heights are summed weights. */
  readonly density?: boolean;
}

export interface Histogram {
  /** bins + 1 edges. */
  readonly edges: Float64Array;
  readonly values: Float64Array;
  /** Weight of finite samples outside the range. */
  readonly outside: number;
  /** Count of non-finite samples (left out). */
  readonly nonFinite: number;
}

/** Bins samples (see the module comment for the normalization). */
export function histogram(samples: ArrayLike<number>, options: HistogramOptions = {}): Histogram {
  if (samples === null || typeof samples !== 'object' || typeof samples.length !== 'number') {
    throw new TypeError('samples must be an array of numbers');
  }
  const bins = options.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1 || bins > 100_000) throw new RangeError(`options.bins must be an integer in [1, 100000], got ${bins}`);
  checkRange('options.range', options.range, false);
  const w = options.weights;
  if (w !== undefined && w.length !== samples.length) {
    throw new RangeError(`options.weights has length ${w.length} but samples has ${samples.length}`);
  }
  let lo = Infinity, hi = -Infinity, nonFinite = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    if (w !== undefined && !(w[i]! >= 0 && w[i]! < Infinity)) throw new RangeError(`options.weights[${i}] must be finite and ≥ 0, got ${w[i]}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (options.range) [lo, hi] = options.range;
  else if (!(lo <= hi)) throw new RangeError('samples has no finite values to bin');
  else if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const width = (hi - lo) / bins;
  const values = new Float64Array(bins);
  let total = 0, outside = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) continue;
    const wi = w === undefined ? 1 : w[i]!;
    total += wi;
    if (v < lo || v > hi) { outside += wi; continue; }
    values[Math.min(bins - 1, Math.floor((v - lo) / width))]! += wi;
  }
  if (options.density ?? true) {
    if (!(total > 0)) throw new RangeError('the total weight must be positive for a density');
    for (let j = 0; j < bins; j++) values[j] = values[j]! / (total * width);
  }
  const edges = new Float64Array(bins + 1);
  for (let j = 0; j <= bins; j++) edges[j] = j === bins ? hi : lo + j * width;
  return { edges, values, outside, nonFinite };
}

export interface HistogramSeries {
  readonly name: string;
  readonly samples: ArrayLike<number>;
  readonly weights?: ArrayLike<number>;
  readonly color?: string;
}

/** A curve over the histogram: given as points, or as a function evaluated at `points` (default 200) x values. */
export type DensityCurve =
  | { readonly name: string; readonly x: ArrayLike<number>; readonly y: ArrayLike<number>; readonly color?: string; readonly dash?: string }
  | { readonly name: string; readonly f: (x: number) => number; readonly points?: number; readonly color?: string; readonly dash?: string };

export interface HistogramPlotOptions {
  readonly bins?: number;
  readonly range?: readonly [number, number];
  readonly density?: boolean;
  readonly curves?: readonly DensityCurve[];
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
  readonly legend?: LegendPosition;
}

/** The SVG text of one or more histograms on shared bins, with optional density curves. */
export function histogramPlot(data: readonly HistogramSeries[], options: HistogramPlotOptions = {}): string {
  if (!Array.isArray(data) || data.length === 0) throw new RangeError('data must be a non-empty array of histogram series');
  const width = options.width ?? 640, height = options.height ?? 400;
  checkSize(width, height);
  // Shared bins: the union of the finite ranges unless a range is given.
  let range = options.range;
  if (range === undefined) {
    let lo = Infinity, hi = -Infinity;
    for (const s of data) for (let i = 0; i < s.samples.length; i++) {
      const v = s.samples[i]!;
      if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (!(lo <= hi)) throw new RangeError('data has no finite samples');
    range = lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
  }
  const hs = data.map((s, i) => {
    if (typeof s.name !== 'string') throw new TypeError(`data[${i}].name must be a string`);
    const opts: HistogramOptions = { range: range!, density: options.density ?? true };
    return histogram(s.samples, {
      ...opts, ...(options.bins !== undefined ? { bins: options.bins } : {}), ...(s.weights !== undefined ? { weights: s.weights } : {}),
    });
  });
  const curves = (options.curves ?? []).map((c, i) => {
    if ('f' in c) {
      const n = c.points ?? 200;
      if (!Number.isInteger(n) || n < 2) throw new RangeError(`options.curves[${i}].points must be an integer ≥ 2, got ${n}`);
      const x = Float64Array.from({ length: n }, (_, k) => range![0] + ((range![1] - range![0]) * k) / (n - 1));
      return { name: c.name, color: c.color, dash: c.dash, x, y: x.map((v) => c.f(v)) };
    }
    if (c.x.length !== c.y.length) throw new RangeError(`options.curves[${i}].x has length ${c.x.length} but y has ${c.y.length}`);
    return { name: c.name, color: c.color, dash: c.dash, x: c.x, y: c.y };
  });
  let yhi = 0;
  for (const h of hs) for (const v of h.values) yhi = Math.max(yhi, v);
  for (const c of curves) for (let i = 0; i < c.y.length; i++) if (Number.isFinite(c.y[i]!)) yhi = Math.max(yhi, c.y[i]!);
  const x = axisRange(range[0], range[1], false, false);
  const y = axisRange(0, yhi === 0 ? 1 : yhi, false, true);
  const nonFinite = hs.reduce((a, h) => a + h.nonFinite, 0);
  const f = frame({
    width, height, title: options.title, xLabel: options.xLabel, yLabel: options.yLabel ?? ((options.density ?? true) ? 'density' : 'weight'),
    subtitle: nonFinite > 0 ? `${nonFinite} non-finite sample${nonFinite === 1 ? '' : 's'} left out` : undefined, x, y, logY: false,
  });
  const body = [...f.parts];
  const items: string[] = [];
  const entries: LegendEntry[] = [];
  hs.forEach((h, si) => {
    const color = escapeXml(data[si]!.color ?? PALETTE[si % PALETTE.length]!);
    entries.push({ name: data[si]!.name, color, kind: 'box' });
    // One step outline per histogram: bars of overlaid histograms stay readable.
    let d = `M${px(f.sx(h.edges[0]!))} ${px(f.sy(0))}`;
    for (let j = 0; j < h.values.length; j++) {
      d += `L${px(f.sx(h.edges[j]!))} ${px(f.sy(h.values[j]!))}L${px(f.sx(h.edges[j + 1]!))} ${px(f.sy(h.values[j]!))}`;
    }
    d += `L${px(f.sx(h.edges[h.values.length]!))} ${px(f.sy(0))}Z`;
    const name = escapeXml(data[si]!.name);
    items.push(`<g class="series histogram" data-name="${name}"><title>${name}</title><path d="${d}" fill="${color}" fill-opacity="${hs.length > 1 ? 0.25 : 0.35}" stroke="${color}" stroke-width="1"/></g>`);
  });
  curves.forEach((c, ci) => {
    const color = escapeXml(c.color ?? PALETTE[(hs.length + ci) % PALETTE.length]!);
    entries.push({ name: c.name, color, dash: c.dash, kind: 'line' });
    let d = '', pen = false;
    for (let i = 0; i < c.y.length; i++) {
      const xi = c.x[i]!, yi = c.y[i]!;
      if (!Number.isFinite(xi) || !Number.isFinite(yi)) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${px(f.sx(xi))} ${px(f.sy(yi))}`;
      pen = true;
    }
    const name = escapeXml(c.name);
    items.push(`<g class="series curve" data-name="${name}"><title>${name}</title><path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${c.dash ? ` stroke-dasharray="${escapeXml(c.dash)}"` : ''}/></g>`);
  });
  body.push(`<g clip-path="url(#${f.clipId})">${items.join('')}</g>`);
  body.push(legend(f, entries, options.legend ?? 'top-right'));
  return svgDocument(width, height, body);
}
