/**
 * Multi-panel figures: plots made by linePlot/histogramPlot placed on a grid in one SVG (the paper's figures have one
 * panel per quantity: p_k, a_k, b_k, KL). Each panel keeps its own coordinate system as a nested svg element.
 */
import { escapeXml, svgDocument } from './svg.js';

export interface FigureOptions {
  /** Panels per row (default: all in one row). */
  readonly columns?: number;
  readonly title?: string;
}

const ROOT = /^(?:<\?xml[^>]*\?>\s*)?<svg\b([^>]*)>/;

function panelSize(svg: string, i: number): { width: number; height: number; attrs: string } {
  const m = ROOT.exec(svg);
  const w = m && /\bwidth="(\d+(?:\.\d+)?)"/.exec(m[1]!);
  const h = m && /\bheight="(\d+(?:\.\d+)?)"/.exec(m[1]!);
  if (!m || !w || !h) throw new TypeError(`panels[${i}] must be an SVG document with numeric width and height (from linePlot or histogramPlot)`);
  return { width: Number(w[1]), height: Number(h[1]), attrs: m[1]! };
}

/** The SVG text of a grid of panels, row by row; each cell is as large as the largest panel. */
export function composeFigure(panels: readonly string[], options: FigureOptions = {}): string {
  if (!Array.isArray(panels) || panels.length === 0) throw new RangeError('panels must be a non-empty array of SVG documents');
  const columns = options.columns ?? panels.length;
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`options.columns must be a positive integer, got ${columns}`);
  const sizes = panels.map(panelSize);
  const cellW = Math.max(...sizes.map((s) => s.width)), cellH = Math.max(...sizes.map((s) => s.height));
  const top = options.title ? 32 : 0;
  const cols = Math.min(columns, panels.length), rows = Math.ceil(panels.length / columns);
  const width = cols * cellW, height = top + rows * cellH;
  const body: string[] = [`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`];
  if (options.title) {
    body.push(`<text class="figure-title" x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`);
  }
  panels.forEach((svg, i) => {
    const x = (i % columns) * cellW, y = top + Math.floor(i / columns) * cellH;
    const inner = svg.replace(ROOT, `<svg x="${x}" y="${y}"${sizes[i]!.attrs}>`).trimEnd();
    body.push(`<g class="panel">${inner}</g>`);
  });
  return svgDocument(width, height, body);
}
