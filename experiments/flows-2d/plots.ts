/**
 * Two small SVG panels for flows-2d built on src/plot's frame: a scatter of point sets (data vs flow samples) and a
 * heat map of a density on a regular grid (log scale colours, the learned density of (3.54)).
 */
import { PALETTE, escapeXml, frame, legend, px, svgDocument } from '../../src/plot/svg.js';

export interface ScatterSet {
  readonly name: string;
  /** n×2 row-major */
  readonly points: Float64Array;
  readonly n: number;
  readonly color?: string;
}

export interface PanelOptions {
  readonly title?: string;
  readonly range: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

export function scatterPlot(sets: readonly ScatterSet[], o: PanelOptions): string {
  const width = o.width ?? 420, height = o.height ?? 420;
  const f = frame({ width, height, title: o.title, xLabel: 'x₁', yLabel: 'x₂', x: { lo: o.range[0], hi: o.range[1] }, y: { lo: o.range[0], hi: o.range[1] }, logY: false });
  const body = [...f.parts];
  sets.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const dots: string[] = [];
    for (let i = 0; i < s.n; i++) dots.push(`<circle cx="${px(f.sx(s.points[2 * i]!))}" cy="${px(f.sy(s.points[2 * i + 1]!))}" r="1.3"/>`);
    body.push(`<g class="scatter" clip-path="url(#${f.clipId})" fill="${color}" fill-opacity="0.45">${dots.join('')}</g>`);
  });
  body.push(legend(f, sets.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length]!, kind: 'box' as const })), 'top-right'));
  return svgDocument(width, height, body);
}

/** Viridis-like ramp through five anchors, t ∈ [0, 1]. */
function ramp(t: number): string {
  const a = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const u = Math.min(1, Math.max(0, t)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(u)), w = u - i;
  const c = a[i]!.map((v, j) => Math.round(v + w * (a[i + 1]![j]! - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Heat map of log ρ on a G×G grid of cell centres over range² (logDensity[a·G + b] at x₁ = centre a, x₂ = centre b);
 * colours span [max − span, max] in log ρ.
 */
export function densityHeatmap(logDensity: Float64Array, G: number, o: PanelOptions & { readonly span?: number }): string {
  const width = o.width ?? 420, height = o.height ?? 420, span = o.span ?? 8;
  const f = frame({ width, height, title: o.title, subtitle: `log density, colours over [max − ${span}, max]`, xLabel: 'x₁', yLabel: 'x₂', x: { lo: o.range[0], hi: o.range[1] }, y: { lo: o.range[0], hi: o.range[1] }, logY: false });
  let max = -Infinity;
  for (const v of logDensity) if (v > max) max = v;
  const cell = (o.range[1] - o.range[0]) / G;
  const rects: string[] = [];
  for (let a = 0; a < G; a++) {
    for (let b = 0; b < G; b++) {
      const x0 = o.range[0] + a * cell, y1 = o.range[0] + (b + 1) * cell;
      const t = 1 - (max - logDensity[a * G + b]!) / span;
      const X = f.sx(x0), Y = f.sy(y1), W = f.sx(x0 + cell) - X, H = f.sy(y1 - cell) - Y;
      rects.push(`<rect x="${px(X)}" y="${px(Y)}" width="${px(W + 0.3)}" height="${px(H + 0.3)}" fill="${ramp(t)}"/>`);
    }
  }
  const body = [...f.parts.slice(0, 2), `<g class="heatmap" clip-path="url(#${f.clipId})">${rects.join('')}</g>`, ...f.parts.slice(3)];
  body.push(`<desc>${escapeXml(`max log density ${max.toFixed(3)}`)}</desc>`);
  return svgDocument(width, height, body);
}
