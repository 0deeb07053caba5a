/**
 * Line plots as standalone SVG: several series, optional error bands (lower/upper, e.g. mean ± SE over runs), log-scale
 * y, legend, axis labels, title, horizontal reference lines (e.g. the teacher's p* = 0.25). Enough for the paper-like
 * figures of the experiments (p_k, a_k, b_k, KL vs iteration for Alg. 1, PCD and CD).
 *
 * Missing values are gaps, never zeros: a non-finite point (or a non-positive one on a log axis) breaks the line and
 * the band there.
 */
import {
  PALETTE, axisRange, checkRange, checkSize, escapeXml, frame, legend, px, svgDocument,
  type LegendEntry, type LegendPosition,
} from './svg.js';

export interface LineSeries {
  readonly name: string;
  /** x values; defaults to 0, 1, 2, … */
  readonly x?: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Lower and upper edges of an error band (both or neither). */
  readonly lower?: ArrayLike<number>;
  readonly upper?: ArrayLike<number>;
  /** A CSS colour; defaults to the palette in series order. */
  readonly color?: string;
  /** An SVG stroke-dasharray, e.g. "6 3". */
  readonly dash?: string;
  /** Also mark each point with a dot (for short series). */
  readonly markers?: boolean;
}

export interface ReferenceLine {
  readonly y: number;
  readonly label?: string;
}

export interface LinePlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly legend?: LegendPosition;
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly hLines?: readonly ReferenceLine[];
}

function checkSeries(series: readonly LineSeries[]): void {
  if (!Array.isArray(series) || series.length === 0) throw new RangeError('series must be a non-empty array');
  series.forEach((s, i) => {
    if (typeof s.name !== 'string') throw new TypeError(`series[${i}].name must be a string`);
    const n = s.y?.length;
    if (typeof n !== 'number') throw new TypeError(`series[${i}].y must be an array of numbers`);
    for (const key of ['x', 'lower', 'upper'] as const) {
      const a = s[key];
      if (a !== undefined && a.length !== n) {
        throw new RangeError(`series[${i}].${key} has length ${a.length} but y has ${n}`);
      }
    }
    if ((s.lower === undefined) !== (s.upper === undefined)) {
      throw new RangeError(`series[${i}] must give both lower and upper for an error band, or neither`);
    }
  });
}

/**
 * Pixel-space decimation (M4: first, min, max, last per pixel column, in their original order): the drawn line is
 * the same at the figure's resolution, and an 8000-iteration trajectory costs ~2 points per column instead of 8000.
 */
export function m4(xs: readonly number[], ys: readonly number[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < xs.length) {
    const col = Math.round(xs[i]!);
    let j = i, lo = i, hi = i;
    while (j + 1 < xs.length && Math.round(xs[j + 1]!) === col) {
      j++;
      if (ys[j]! < ys[lo]!) lo = j;
      if (ys[j]! > ys[hi]!) hi = j;
    }
    for (const k of [...new Set([i, lo, hi, j])].sort((a, b) => a - b)) out.push(`${px(xs[k]!)} ${px(ys[k]!)}`);
    i = j + 1;
  }
  return out;
}

/** The SVG text of a line plot. */
export function linePlot(series: readonly LineSeries[], options: LinePlotOptions = {}): string {
  checkSeries(series);
  const width = options.width ?? 640, height = options.height ?? 400;
  checkSize(width, height);
  const logY = options.logY ?? false;
  checkRange('options.xRange', options.xRange, false);
  checkRange('options.yRange', options.yRange, logY);
  const hLines = options.hLines ?? [];
  hLines.forEach((h, i) => {
    if (!Number.isFinite(h.y) || (logY && h.y <= 0)) throw new RangeError(`options.hLines[${i}].y must be finite${logY ? ' and positive' : ''}, got ${h.y}`);
  });

  const xAt = (s: LineSeries, i: number): number => (s.x === undefined ? i : s.x[i]!);
  const okY = (v: number): boolean => Number.isFinite(v) && (!logY || v > 0);
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.y.length; i++) {
      const x = xAt(s, i);
      if (!Number.isFinite(x)) continue;
      for (const v of [s.y[i]!, s.lower?.[i] ?? NaN, s.upper?.[i] ?? NaN]) {
        if (!okY(v)) continue;
        if (x < xlo) xlo = x;
        if (x > xhi) xhi = x;
        if (v < ylo) ylo = v;
        if (v > yhi) yhi = v;
      }
    }
  }
  for (const h of hLines) { ylo = Math.min(ylo, h.y); yhi = Math.max(yhi, h.y); }
  if (!(xlo <= xhi) && options.xRange === undefined) {
    throw new RangeError(`series have no plottable points${logY ? ' (a log axis needs positive finite values)' : ''}`);
  }
  if (!(ylo <= yhi) && options.yRange === undefined) {
    throw new RangeError(`series have no plottable y values${logY ? ' (a log axis needs positive finite values)' : ''}`);
  }
  const x = options.xRange ? { lo: options.xRange[0], hi: options.xRange[1] } : axisRange(xlo, xhi, false, false);
  const y = options.yRange ? { lo: options.yRange[0], hi: options.yRange[1] } : axisRange(ylo, yhi, logY, true);
  const f = frame({ width, height, title: options.title, xLabel: options.xLabel, yLabel: options.yLabel, x, y, logY });

  const body = [...f.parts];
  const data: string[] = [];
  const entries: LegendEntry[] = [];
  series.forEach((s, si) => {
    const color = escapeXml(s.color ?? PALETTE[si % PALETTE.length]!);
    entries.push({ name: s.name, color, dash: s.dash, kind: 'line' });
    const items: string[] = [];
    if (s.lower !== undefined && s.upper !== undefined) {
      // One polygon per run of points where x, lower and upper are all plottable.
      let xs: number[] = [], up: number[] = [], down: number[] = [];
      const flush = (): void => {
        if (xs.length > 0) {
          const fwd = m4(xs, up), back = m4(xs.slice().reverse(), down.reverse());
          items.push(`<path class="band" d="M${fwd.join('L')}L${back.join('L')}Z" fill="${color}" fill-opacity="0.2" stroke="none"/>`);
        }
        xs = []; up = []; down = [];
      };
      for (let i = 0; i < s.y.length; i++) {
        const xi = xAt(s, i), lo = s.lower[i]!, hi = s.upper[i]!;
        if (!Number.isFinite(xi) || !okY(lo) || !okY(hi)) { flush(); continue; }
        xs.push(f.sx(xi)); up.push(f.sy(hi)); down.push(f.sy(lo));
      }
      flush();
    }
    let d = '';
    let xs: number[] = [], ys: number[] = [];
    const dots: string[] = [];
    const flushLine = (): void => {
      if (xs.length > 0) d += `M${m4(xs, ys).join('L')}`;
      xs = []; ys = [];
    };
    for (let i = 0; i < s.y.length; i++) {
      const xi = xAt(s, i), yi = s.y[i]!;
      if (!Number.isFinite(xi) || !okY(yi)) { flushLine(); continue; }
      xs.push(f.sx(xi)); ys.push(f.sy(yi));
      if (s.markers === true) dots.push(`<circle cx="${px(f.sx(xi))}" cy="${px(f.sy(yi))}" r="2.5"/>`);
    }
    flushLine();
    if (d !== '') {
      items.push(`<path class="line" d="${d}" fill="none" stroke="${color}" stroke-width="1.6" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : ''}/>`);
    }
    if (dots.length > 0) items.push(`<g fill="${color}">${dots.join('')}</g>`);
    data.push(`<g class="series" data-name="${escapeXml(s.name)}"><title>${escapeXml(s.name)}</title>${items.join('')}</g>`);
  });
  for (const h of hLines) {
    const Y = px(f.sy(h.y));
    data.push(`<g class="reference"><line x1="${px(f.left)}" y1="${Y}" x2="${px(f.right)}" y2="${Y}" stroke="#777777" stroke-width="1" stroke-dasharray="4 3"/>` +
      (h.label ? `<text x="${px(f.left + 4)}" y="${px(f.sy(h.y) - 4)}" font-size="10" fill="#555555">${escapeXml(h.label)}</text>` : '') + '</g>');
  }
  body.push(`<g clip-path="url(#${f.clipId})">${data.join('')}</g>`);
  body.push(legend(f, entries, options.legend ?? 'top-right'));
  return svgDocument(width, height, body);
}
