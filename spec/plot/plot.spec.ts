/**
 * SVG plots (Layer A): every output is well-formed XML (checked by a strict minimal parser below: balanced tags, quoted
 * attributes, only the five XML entities, unique ids, resolvable url(#id) references), contains its series, legend
 * and labels, maps data to pixels exactly (linear and log axes), draws missing values as gaps (never as zeros), and
 * refuses bad input. Histograms are checked against hand-enumerated counts.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeFigure } from '../../src/plot/figure.js';
import { histogram, histogramPlot } from '../../src/plot/histogram.js';
import { linePlot, m4 } from '../../src/plot/line.js';
import { logTicks, niceTicks, writeSvg } from '../../src/plot/svg.js';

interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

/** A strict, minimal XML parser: throws on anything that is not well-formed. */
function parseXml(src: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const ids = new Set<string>();
  const refs: string[] = [];
  const checkText = (t: string): string => {
    if (/&(?!(?:lt|gt|amp|quot|apos);)/.test(t) || t.includes('<')) throw new Error(`bad character data: ${t.slice(0, 40)}`);
    return t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  let pos = 0;
  const decl = /^<\?xml [^?]*\?>/.exec(src);
  if (decl) pos = decl[0].length;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"]*")*)\s*(\/?)>/y;
  while (pos < src.length) {
    const lt = src.indexOf('<', pos);
    const text = src.slice(pos, lt === -1 ? src.length : lt);
    if (text.trim() !== '') {
      if (stack.length === 1) throw new Error('text outside the root element');
      stack[stack.length - 1]!.text += checkText(text);
    }
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(src);
    if (m === null) throw new Error(`malformed tag at ${lt}: ${src.slice(lt, lt + 60)}`);
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name || stack.length === 0) throw new Error(`</${name}> closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
        attrs[a[1]!] = checkText(a[2]!);
        if (a[1] === 'id') {
          if (ids.has(a[2]!)) throw new Error(`duplicate id ${a[2]}`);
          ids.add(a[2]!);
        }
        for (const r of a[2]!.matchAll(/url\(#([^)]+)\)/g)) refs.push(r[1]!);
      }
      const el: XmlElement = { name: name!, attrs, children: [], text: '' };
      if (stack.length === 1 && root.children.length > 0) throw new Error('more than one root element');
      stack[stack.length - 1]!.children.push(el);
      if (!selfClose) stack.push(el);
    }
    pos = tag.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  for (const r of refs) if (!ids.has(r)) throw new Error(`url(#${r}) refers to no element`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0]!;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}
const byClass = (el: XmlElement, cls: string): XmlElement[] => all(el, (e) => (e.attrs['class'] ?? '').split(' ').includes(cls));
const textOf = (el: XmlElement): string => el.text + el.children.map(textOf).join('');

/** The subpaths of an SVG path's d (M/L only), as point lists. */
function subpaths(d: string): [number, number][][] {
  return d.split('M').filter((s) => s !== '').map((s) => s.replace(/Z$/, '').split('L').map((p) => p.trim().split(' ').map(Number) as [number, number]));
}

describe('the XML checker itself', () => {
  it('rejects malformed documents (so the well-formedness tests below can fail)', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow();
    expect(() => parseXml('<svg a=1/>')).toThrow();
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => parseXml('<svg><a id="x"/><b id="x"/></svg>')).toThrow(/duplicate id/);
    expect(() => parseXml('<svg><g clip-path="url(#nope)"/></svg>')).toThrow(/refers to no element/);
    expect(parseXml('<?xml version="1.0"?>\n<svg><text>a &amp; b</text></svg>').children[0]!.text).toBe('a & b');
  });
});

describe('linePlot', () => {
  const names = ['Jarzynski (Alg. 1)', 'PCD', 'CD <a&b> "q"'];
  const K = 500;
  const svg = linePlot(names.map((name, s) => ({
    name,
    x: Float64Array.from({ length: K }, (_, k) => k),
    y: Float64Array.from({ length: K }, (_, k) => 0.25 + (s + 1) * 0.1 * Math.exp(-k / 100)),
    ...(s === 0 ? { lower: Float64Array.from({ length: K }, (_, k) => 0.24 + 0.1 * Math.exp(-k / 100)), upper: Float64Array.from({ length: K }, (_, k) => 0.26 + 0.1 * Math.exp(-k / 100)) } : {}),
  })), { title: 'p_k vs k', xLabel: 'iteration k', yLabel: 'p_k', hLines: [{ y: 0.25, label: 'p* = 0.25' }] });

  it('is well-formed, standalone SVG with its title, labels, series, band, reference line and legend', () => {
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs['width']).toBe('640');
    expect(svg).not.toMatch(/<script|href=|@import|<image/);
    expect(textOf(byClass(root, 'title')[0]!)).toBe('p_k vs k');
    expect(textOf(byClass(root, 'x-label')[0]!)).toBe('iteration k');
    expect(textOf(byClass(root, 'y-label')[0]!)).toBe('p_k');
    expect(byClass(root, 'series').map((g) => g.attrs['data-name'])).toEqual(names);
    expect(byClass(root, 'band').length).toBe(1);
    expect(textOf(byClass(root, 'reference')[0]!)).toBe('p* = 0.25');
    expect(all(byClass(root, 'legend')[0]!, (e) => e.name === 'text').map(textOf)).toEqual(names);
  });

  it('maps data to pixels exactly: (x0, y0) to the bottom-left and (x1, y1) to the top-right corner of the axes', () => {
    const root = parseXml(linePlot([{ name: 'diag', x: [0, 0.5, 1], y: [0, 0.5, 1] }], { xRange: [0, 1], yRange: [0, 1] }));
    const axes = byClass(root, 'axes')[0]!.attrs;
    const [l, t, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(axes[k]));
    const [pts] = subpaths(all(byClass(root, 'line')[0]!, () => true)[0]!.attrs['d']!);
    expect(pts).toEqual([[l!, t! + h!], [l! + w! / 2, t! + h! / 2], [l! + w!, t!]]);
  });

  it('log y: decades are equally spaced; non-positive values are gaps, not clamped', () => {
    const root = parseXml(linePlot([{ name: 'kl', y: [1, 10, 100, 0, 1000, -1, 10000] }], { logY: true }));
    const parts = subpaths(byClass(root, 'line')[0]!.attrs['d']!);
    expect(parts.length).toBe(3); // broken at 0 and at −1
    const ys = parts.flat().map((p) => p[1]);
    const gaps = ys.slice(1).map((y, i) => y - ys[i]!);
    for (const g of gaps.slice(1)) expect(g).toBeCloseTo(gaps[0]!, 1); // 1 → 10 → 100 → 1000 → 10000, equal steps
    const yTicks = all(byClass(root, 'tick-labels')[0]!, (e) => e.name === 'text' && e.attrs['text-anchor'] === 'end');
    expect(yTicks.map(textOf)).toEqual(['1', '10', '100', '1000', '1e4']);
    expect(() => linePlot([{ name: 'x', y: [0, -1] }], { logY: true })).toThrow(/log axis needs positive finite values/);
  });

  it('draws NaN as a gap (negative control: the same series with 0 instead is one unbroken line)', () => {
    const gap = parseXml(linePlot([{ name: 's', y: [1, 2, NaN, 3, 4] }]));
    const zero = parseXml(linePlot([{ name: 's', y: [1, 2, 0, 3, 4] }]));
    expect(subpaths(byClass(gap, 'line')[0]!.attrs['d']!).length).toBe(2);
    expect(subpaths(byClass(zero, 'line')[0]!.attrs['d']!).length).toBe(1);
  });

  it('legend can be moved or left out; markers draw one dot per point', () => {
    const root = parseXml(linePlot([{ name: 'a', y: [1, 2, 3], markers: true }], { legend: 'none' }));
    expect(byClass(root, 'legend').length).toBe(0);
    expect(all(root, (e) => e.name === 'circle').length).toBe(3);
  });

  it('refuses bad input, naming the argument', () => {
    expect(() => linePlot([])).toThrow(/series must be a non-empty array/);
    expect(() => linePlot([{ name: 'a', x: [1, 2], y: [1, 2, 3] }])).toThrow(/series\[0\]\.x has length 2 but y has 3/);
    expect(() => linePlot([{ name: 'a', y: [1], lower: [0] }])).toThrow(/both lower and upper/);
    expect(() => linePlot([{ name: 'a', y: [1, 2] }], { yRange: [1, 1] })).toThrow(/options\.yRange must be \[lo, hi\] with finite lo < hi/);
    expect(() => linePlot([{ name: 'a', y: [1, 2] }], { logY: true, yRange: [0, 1] })).toThrow(/must be positive on a log axis/);
    expect(() => linePlot([{ name: 'a', y: [1, 2] }], { width: 10 })).toThrow(/width must be a finite number ≥ 100/);
    expect(() => linePlot([{ name: 'a', y: [NaN] }])).toThrow(/no plottable points/);
    expect(() => linePlot([{ name: 'a', y: [1, 2] }], { hLines: [{ y: NaN }] })).toThrow(/hLines\[0\]\.y must be finite/);
  });
});

describe('ticks and decimation', () => {
  it('nice ticks lie in the range, step 1, 2 or 5 × 10^k, equally spaced (generated ranges)', () => {
    fc.assert(fc.property(
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      (lo, w) => {
        const hi = lo + w;
        fc.pre(hi > lo);
        const { ticks, step } = niceTicks(lo, hi, 5);
        const mant = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
        expect([1, 2, 5, 10].some((m) => Math.abs(mant - m) < 1e-9 * m)).toBe(true);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(11);
        for (const t of ticks) {
          expect(t).toBeGreaterThanOrEqual(lo - 1e-9 * step);
          expect(t).toBeLessThanOrEqual(hi + 1e-9 * step);
        }
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
      },
    ), { numRuns: 200 });
  });

  it('log ticks are decades, with 2 and 5 on short ranges', () => {
    expect(logTicks(1e-3, 10)).toEqual([0.001, 0.01, 0.1, 1, 10]);
    expect(logTicks(1, 10)).toEqual([1, 2, 5, 10]);
  });

  it('M4 keeps each pixel column\'s first, last, min and max, in order', () => {
    const n = 10_000;
    const xs = Array.from({ length: n }, (_, i) => (i / n) * 500);
    const ys = xs.map((x, i) => 100 + 50 * Math.sin(x / 7) + (i % 97 === 0 ? 30 : 0));
    const kept = m4(xs, ys).map((p) => p.split(' ').map(Number));
    expect(kept.length).toBeLessThanOrEqual(4 * 501);
    expect(kept[0]).toEqual([0, 130]);
    // Every column's extremes survive (to the 0.01-px output precision).
    const cols = new Map<number, number[]>();
    xs.forEach((x, i) => { const c = Math.round(x); cols.set(c, [...(cols.get(c) ?? []), ys[i]!]); });
    for (const [c, vals] of cols) {
      const keptYs = kept.filter(([x]) => Math.round(x!) === c).map(([, y]) => y!);
      expect(Math.max(...keptYs)).toBeCloseTo(Math.max(...vals), 2);
      expect(Math.min(...keptYs)).toBeCloseTo(Math.min(...vals), 2);
    }
    for (let i = 1; i < kept.length; i++) expect(kept[i]![0]!).toBeGreaterThanOrEqual(kept[i - 1]![0]!);
  });
});

describe('histogram', () => {
  it('counts exactly (enumerated), with the last bin closed and outside/non-finite samples accounted for', () => {
    const h = histogram([0, 0.5, 0.99, 1, 1.5, 2, 2, -1, 3, NaN, Infinity], { bins: 2, range: [0, 2], density: false });
    expect(Array.from(h.edges)).toEqual([0, 1, 2]);
    expect(Array.from(h.values)).toEqual([3, 4]); // [0,1): 0, .5, .99; [1,2]: 1, 1.5, 2, 2
    expect(h.outside).toBe(2);
    expect(h.nonFinite).toBe(2);
  });

  it('weighted densities integrate to the weight inside the range over the total weight', () => {
    const samples = [0.1, 0.2, 0.7, 5];
    const weights = [1, 2, 3, 4];
    const h = histogram(samples, { bins: 4, range: [0, 1], weights });
    const area = Array.from(h.values).reduce((a, v) => a + v * 0.25, 0);
    expect(area).toBeCloseTo(6 / 10, 14);
    expect(h.values[0]).toBeCloseTo(3 / (10 * 0.25), 14);
  });

  it('refuses bad input', () => {
    expect(() => histogram([1], { bins: 0 })).toThrow(/options\.bins must be an integer in \[1, 100000\]/);
    expect(() => histogram([1, 2], { weights: [1] })).toThrow(/options\.weights has length 1 but samples has 2/);
    expect(() => histogram([1, 2], { weights: [1, -1] })).toThrow(/options\.weights\[1\] must be finite and ≥ 0/);
    expect(() => histogram([NaN])).toThrow(/no finite values/);
    expect(() => histogram([1], { range: [2, 1] })).toThrow(/options\.range/);
    expect(() => histogram([1], { weights: [0] })).toThrow(/total weight must be positive/);
  });

  it('histogramPlot is well-formed and holds the histograms, the density curves and a note on left-out samples', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 2);
    xs[5] = NaN;
    const root = parseXml(histogramPlot(
      [{ name: 'walkers', samples: xs }, { name: 'weighted', samples: xs, weights: Float64Array.from(xs, () => 2) }],
      { bins: 20, title: 'x', curves: [{ name: 'exact', f: (x) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI), points: 50 }, { name: 'pts', x: [0, 1], y: [0.1, 0.2] }] },
    ));
    expect(byClass(root, 'series').map((g) => g.attrs['data-name'])).toEqual(['walkers', 'weighted', 'exact', 'pts']);
    expect(subpaths(all(byClass(root, 'curve')[0]!, (e) => e.name === 'path')[0]!.attrs['d']!)[0]!.length).toBe(50);
    expect(textOf(byClass(root, 'subtitle')[0]!)).toBe('2 non-finite samples left out');
    expect(() => histogramPlot([])).toThrow(/data must be a non-empty array/);
  });
});

describe('composeFigure and writeSvg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-plot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('places panels on a grid in one well-formed SVG with unique clip ids', () => {
    const panel = (name: string): string => linePlot([{ name, y: [1, 2, 3] }], { width: 300, height: 200, title: name });
    const fig = composeFigure([panel('p'), panel('a'), panel('b'), panel('KL')], { columns: 2, title: 'Fig 1' });
    const root = parseXml(fig); // also checks every url(#id) resolves and no id repeats
    expect(root.attrs['width']).toBe('600');
    expect(root.attrs['height']).toBe(String(32 + 400));
    const inner = all(root, (e) => e.name === 'svg' && e !== root);
    expect(inner.map((e) => [e.attrs['x'], e.attrs['y']])).toEqual([['0', '32'], ['300', '32'], ['0', '232'], ['300', '232']]);
    expect(byClass(root, 'title').map(textOf)).toEqual(['p', 'a', 'b', 'KL']);
    expect(() => composeFigure(['<g/>'])).toThrow(/panels\[0\] must be an SVG document/);
    expect(() => composeFigure([panel('p')], { columns: 0 })).toThrow(/options\.columns must be a positive integer/);
  });

  it('writeSvg writes the file; refuses text that is not SVG', () => {
    const path = join(dir, 'f.svg');
    const svg = linePlot([{ name: 'a', y: [1, 2] }]);
    writeSvg(path, svg);
    expect(readFileSync(path, 'utf8')).toBe(svg);
    expect(() => writeSvg(path, 'hello')).toThrow(/svg must be the text of an SVG document/);
  });
});
