/**
 * Shared pieces of the SVG plots: XML escaping, number formatting, "nice" ticks (1, 2, 5 × 10^k) and decade ticks for
 * log axes, the colour cycle, and the axes frame every plot draws into. Output is plain SVG 1.1 with no scripts, fonts
 * or external references, so a README can embed it as an image.
 */
import { writeFileAtomic } from '../io/atomic.js';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A pixel coordinate: two decimals are far below a pixel and keep files small. */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Ticks at multiples of 1, 2 or 5 × 10^k covering [lo, hi] with about `target` intervals. */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + 1e-9 * step; i++) ticks.push(Number((i * step).toFixed(digits)));
  return { ticks, step };
}

/** A tick label: as many decimals as the step needs; exponent form for very large or small magnitudes. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, Math.min(6, Math.round(Math.log10(a) - Math.log10(step))))).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** Log-axis ticks: the decades in [lo, hi] (positive), with 2 and 5 added when there are fewer than three. */
export function logTicks(lo: number, hi: number): number[] {
  const k0 = Math.ceil(Math.log10(lo) - 1e-9), k1 = Math.floor(Math.log10(hi) + 1e-9);
  const ticks: number[] = [];
  const decades = k1 - k0 + 1;
  for (let k = Math.floor(Math.log10(lo)); k <= k1; k++) {
    const mults = decades < 3 ? [1, 2, 5] : [1];
    for (const m of mults) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

export function formatLogTick(v: number): string {
  const k = Math.log10(v);
  return Math.abs(k) <= 3 ? String(Number(v.toPrecision(6))) : v.toExponential(0).replace('e+', 'e');
}

export interface AxisRange {
  readonly lo: number;
  readonly hi: number;
}

/** Checks an optional user range. */
export function checkRange(name: string, r: readonly [number, number] | undefined, log: boolean): void {
  if (r === undefined) return;
  if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[0] < r[1])) {
    throw new RangeError(`${name} must be [lo, hi] with finite lo < hi, got ${JSON.stringify(r)}`);
  }
  if (log && r[0] <= 0) throw new RangeError(`${name} must be positive on a log axis, got ${JSON.stringify(r)}`);
}

/** Expands a data range to its axis: nice tick bounds (linear) or whole decades (log); degenerate ranges widened. */
export function axisRange(lo: number, hi: number, log: boolean, snap: boolean): AxisRange {
  if (log) {
    if (lo === hi) { lo /= 10; hi *= 10; }
    return snap ? { lo: 10 ** Math.floor(Math.log10(lo) + 1e-9), hi: 10 ** Math.ceil(Math.log10(hi) - 1e-9) } : { lo, hi };
  }
  if (lo === hi) {
    const w = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= w; hi += w;
  }
  if (!snap) return { lo, hi };
  const { step } = niceTicks(lo, hi);
  return { lo: Math.floor(lo / step + 1e-9) * step, hi: Math.ceil(hi / step - 1e-9) * step };
}

export interface FrameOptions {
  readonly width: number;
  readonly height: number;
  readonly title?: string | undefined;
  readonly subtitle?: string | undefined;
  readonly xLabel?: string | undefined;
  readonly yLabel?: string | undefined;
  readonly x: AxisRange;
  readonly y: AxisRange;
  readonly logY: boolean;
}

export interface Frame {
  /** Data → pixel maps. */
  readonly sx: (x: number) => number;
  readonly sy: (y: number) => number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** The id of the clip path of the plot area. */
  readonly clipId: string;
  /** SVG elements: background, grid, axes, ticks, labels, title (before the data) . */
  readonly parts: string[];
}

let clipCounter = 0;

/** Checks width and height. */
export function checkSize(width: number, height: number): void {
  if (!Number.isFinite(width) || width < 100) throw new RangeError(`width must be a finite number ≥ 100, got ${width}`);
  if (!Number.isFinite(height) || height < 80) throw new RangeError(`height must be a finite number ≥ 80, got ${height}`);
}

/** Draws the axes frame (see Frame). */
export function frame(o: FrameOptions): Frame {
  const top = (o.title ? 30 : 12) + (o.subtitle ? 16 : 0);
  const left = o.yLabel ? 72 : 56, right = o.width - 16, bottom = o.height - (o.xLabel ? 48 : 32);
  const ly = (v: number): number => (o.logY ? Math.log10(v) : v);
  const sx = (x: number): number => left + ((x - o.x.lo) / (o.x.hi - o.x.lo)) * (right - left);
  const y0 = ly(o.y.lo), y1 = ly(o.y.hi);
  const sy = (y: number): number => bottom - ((ly(y) - y0) / (y1 - y0)) * (bottom - top);
  const clipId = `ebm-plot-area-${++clipCounter}`;
  const parts: string[] = [
    `<rect x="0" y="0" width="${o.width}" height="${o.height}" fill="#ffffff"/>`,
    `<clipPath id="${clipId}"><rect x="${px(left)}" y="${px(top)}" width="${px(right - left)}" height="${px(bottom - top)}"/></clipPath>`,
  ];
  const grid: string[] = [];
  const labels: string[] = [];
  const xt = niceTicks(o.x.lo, o.x.hi, Math.max(2, Math.round((right - left) / 90)));
  for (const t of xt.ticks) {
    const X = px(sx(t));
    grid.push(`<line x1="${X}" y1="${px(top)}" x2="${X}" y2="${px(bottom)}"/>`);
    labels.push(`<text x="${X}" y="${px(bottom + 16)}" text-anchor="middle">${escapeXml(formatTick(t, xt.step))}</text>`);
  }
  if (o.logY) {
    for (const t of logTicks(o.y.lo, o.y.hi)) {
      const Y = px(sy(t));
      grid.push(`<line x1="${px(left)}" y1="${Y}" x2="${px(right)}" y2="${Y}"/>`);
      labels.push(`<text x="${px(left - 6)}" y="${Y}" dy="0.32em" text-anchor="end">${escapeXml(formatLogTick(t))}</text>`);
    }
  } else {
    const yt = niceTicks(o.y.lo, o.y.hi, Math.max(2, Math.round((bottom - top) / 60)));
    for (const t of yt.ticks) {
      const Y = px(sy(t));
      grid.push(`<line x1="${px(left)}" y1="${Y}" x2="${px(right)}" y2="${Y}"/>`);
      labels.push(`<text x="${px(left - 6)}" y="${Y}" dy="0.32em" text-anchor="end">${escapeXml(formatTick(t, yt.step))}</text>`);
    }
  }
  parts.push(`<g class="grid" stroke="#e6e6e6" stroke-width="1">${grid.join('')}</g>`);
  parts.push(`<rect class="axes" x="${px(left)}" y="${px(top)}" width="${px(right - left)}" height="${px(bottom - top)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  parts.push(`<g class="tick-labels" font-size="11" fill="#333333">${labels.join('')}</g>`);
  if (o.title) {
    parts.push(`<text class="title" x="${px(o.width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`);
  }
  if (o.subtitle) {
    parts.push(`<text class="subtitle" x="${px(o.width / 2)}" y="${o.title ? 36 : 18}" text-anchor="middle" font-size="11" fill="#555555">${escapeXml(o.subtitle)}</text>`);
  }
  if (o.xLabel) {
    parts.push(`<text class="x-label" x="${px((left + right) / 2)}" y="${px(o.height - 10)}" text-anchor="middle" font-size="12">${escapeXml(o.xLabel)}</text>`);
  }
  if (o.yLabel) {
    const cy = px((top + bottom) / 2);
    parts.push(`<text class="y-label" x="16" y="${cy}" transform="rotate(-90 16 ${cy})" text-anchor="middle" font-size="12">${escapeXml(o.yLabel)}</text>`);
  }
  return { sx, sy, left, right, top, bottom, clipId, parts };
}

export type LegendPosition = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';

export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  readonly dash?: string | undefined;
  readonly kind: 'line' | 'box';
}

/** A legend box in a corner of the plot area. */
export function legend(f: Frame, entries: readonly LegendEntry[], position: LegendPosition): string {
  if (position === 'none' || entries.length === 0) return '';
  const rowH = 16;
  const w = 34 + 6.5 * Math.max(...entries.map((e) => e.name.length));
  const h = rowH * entries.length + 8;
  const x = position.endsWith('right') ? f.right - w - 8 : f.left + 8;
  const y = position.startsWith('top') ? f.top + 8 : f.bottom - h - 8;
  const rows = entries.map((e, i) => {
    const cy = y + 4 + rowH * i + rowH / 2;
    const swatch = e.kind === 'line'
      ? `<line x1="${px(x + 6)}" y1="${px(cy)}" x2="${px(x + 26)}" y2="${px(cy)}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${escapeXml(e.dash)}"` : ''}/>`
      : `<rect x="${px(x + 8)}" y="${px(cy - 5)}" width="16" height="10" fill="${e.color}" fill-opacity="0.35" stroke="${e.color}"/>`;
    return `${swatch}<text x="${px(x + 30)}" y="${px(cy)}" dy="0.32em">${escapeXml(e.name)}</text>`;
  });
  return `<g class="legend" font-size="11"><rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(h)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb"/>${rows.join('')}</g>`;
}

/** Wraps elements in the root svg element. */
export function svgDocument(width: number, height: number, body: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif">\n${body.join('\n')}\n</svg>\n`;
}

/** Writes an SVG file atomically. */
export function writeSvg(path: string, svg: string): void {
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new TypeError('svg must be the text of an SVG document');
  writeFileAtomic(path, svg);
}
