import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ring, twoMoons } from '../../experiments/flows-2d/data.js';
import { cellCentres, gaussianNll, gridMass, spreadRows } from '../../experiments/flows-2d/eval.js';
import { formatFlows2dSummary, parseFlows2dConfig, runFlows2d } from '../../experiments/flows-2d/run.js';
import { readJson } from '../../src/io/json.js';
import { keyFromSeed, streamFromKey } from '../../src/rng/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const small = {
  experiment: 'flows-2d', datasets: ['moons', 'ring'], trainSize: 256, testSize: 256, couplings: 4, hidden: [8],
  iterations: 150, batchSize: 64, lr: 0.01, recordEvery: 50, samples: 100, grid: 40, seed: 3,
};

describe('experiments/flows-2d', () => {
  it('a short run writes results.json and the SVG figures; the flow beats the standard normal it starts from and its density keeps mass ≤ 1 on the box', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-flows2d-'));
    dirs.push(out);
    const lines: string[] = [];
    const r = runFlows2d(parseFlows2dConfig(small), { out, progress: false, log: (l) => lines.push(l) });
    expect(r.datasets.map((d) => d.dataset)).toEqual(['moons', 'ring']);
    const json = readJson(join(out, 'results.json')) as typeof r;
    for (const d of json.datasets) {
      expect(d.trace.iteration).toEqual([0, 50, 100, 150]);
      expect(d.trace.testNll.every(Number.isFinite)).toBe(true);
      // trained for 150 steps from the identity (the standard normal): the test NLL falls by a wide margin
      expect(d.testNll).toBeLessThan(d.initialTestNll - 0.3);
      // midpoint rule of a density over part of the plane: at most the total mass 1 plus the rule's error
      expect(d.gridMass).toBeGreaterThan(0.5);
      expect(d.gridMass).toBeLessThan(1.02);
    }
    for (const f of ['nll.svg', 'density-samples.svg']) {
      const svg = readFileSync(join(out, f), 'utf8');
      expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg\b/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    expect(lines).toHaveLength(2);
    expect(formatFlows2dSummary(r)).toMatch(/moons: RealNVP test NLL \d\.\d{4} .* vs best Gaussian \d\.\d{4}/);
  });

  it('the data generators are seeded and shaped as stated (moons in two arcs, ring at radius R)', () => {
    const a = twoMoons(streamFromKey(keyFromSeed(1)), 100, 0, new Float64Array(200));
    const b = twoMoons(streamFromKey(keyFromSeed(1)), 100, 0, new Float64Array(200));
    expect(Array.from(a)).toEqual(Array.from(b));
    // noise 0: upper arc points satisfy |x/2 + ½ − 0, y/2 + ¼| = 1 (unit circle at the origin before the transform)
    for (let i = 0; i < 50; i++) expect(Math.hypot(a[2 * i]! / 2 + 0.5, a[2 * i + 1]! / 2 + 0.25)).toBeCloseTo(1, 12);
    for (let i = 50; i < 100; i++) expect(Math.hypot(a[2 * i]! / 2 + 0.5 - 1, a[2 * i + 1]! / 2 + 0.25 - 0.5)).toBeCloseTo(1, 12);
    const r = ring(streamFromKey(keyFromSeed(2)), 50, 2, 0, new Float64Array(100));
    for (let i = 0; i < 50; i++) expect(Math.hypot(r[2 * i]!, r[2 * i + 1]!)).toBeCloseTo(2, 12);
    expect(() => ring(streamFromKey(keyFromSeed(2)), 5, -1, 0, new Float64Array(10))).toThrow('ring: radius must be a finite number > 0, got -1');
    expect(() => twoMoons(streamFromKey(keyFromSeed(2)), 5, 0.1, new Float64Array(9))).toThrow('twoMoons: out must hold 2n = 10 values, got 9');
  });

  it('the scatter subset spreads over both moons (a prefix of the same size holds one moon only: the control)', () => {
    const n = 300, k = 100;
    const pts = twoMoons(streamFromKey(keyFromSeed(4)), n, 0, new Float64Array(2 * n));
    // noise 0: a point is on the upper moon iff it lies on the unit circle centred at (−1, −½) after the ×2 map
    const upper = (p: Float64Array, i: number) => Math.abs(Math.hypot(p[2 * i]! / 2 + 0.5, p[2 * i + 1]! / 2 + 0.25) - 1) < 1e-12;
    const count = (p: Float64Array) => { let c = 0; for (let i = 0; i < k; i++) if (upper(p, i)) c++; return c; };
    const shown = spreadRows(pts, n, k);
    // rows ⌊3i⌋ for i < 100: exactly those with 3i < ⌈n/2⌉ = 150, i.e. i < 50, are on the upper moon
    expect(count(shown)).toBe(50);
    expect(count(pts.subarray(0, 2 * k))).toBe(k);
    expect(Array.from(spreadRows(pts, n, n))).toEqual(Array.from(pts));
    expect(() => spreadRows(pts, n, n + 1)).toThrow('spreadRows: k must be an integer in [1, n = 300], got 301');
  });

  it('gaussianNll is log 2π + ½ log det S + ½ mean Mahalanobis²; on its own training set the mean Mahalanobis² is exactly d = 2', () => {
    // four points with mean 0 and covariance S = diag(2, ½): NLL = log 2π + ½ log 1 + ½·2 = log 2π + 1
    const tr = Float64Array.from([2, 0, -2, 0, 0, 1, 0, -1]);
    const te = Float64Array.from([0, 0]);
    const g = gaussianNll(tr, 4, te, 1);
    expect(g.train).toBeCloseTo(Math.log(2 * Math.PI) + 1, 14);
    expect(g.test).toBeCloseTo(Math.log(2 * Math.PI), 14);
    expect(() => gaussianNll(Float64Array.from([1, 1, 2, 2]), 2, te, 1)).toThrow(/covariance must be positive definite/);
    // the midpoint grid integrates N(0, I) over [−6, 6]²: the mass outside is ≈ 4Φ(−6) ≈ 4e−9, and the midpoint rule on
    // a smooth integrand decaying like e^{−x²/2} is accurate far beyond 1e−6 at cells of 0.2
    const { points, cellArea } = cellCentres(60, 6);
    const lr = new Float64Array(3600);
    for (let i = 0; i < 3600; i++) lr[i] = -Math.log(2 * Math.PI) - 0.5 * (points[2 * i]! ** 2 + points[2 * i + 1]! ** 2);
    expect(Math.abs(gridMass(lr, cellArea) - 1)).toBeLessThan(1e-6);
  });

  it('the shipped config parses; bad configs are rejected with the path and the constraint', () => {
    const c = parseFlows2dConfig(JSON.parse(readFileSync('experiments/flows-2d/config.json', 'utf8')));
    expect(c.experiment).toBe('flows-2d');
    expect(c.datasets).toEqual(['moons', 'ring']);
    const bad = (patch: Record<string, unknown>) => () => parseFlows2dConfig({ ...small, ...patch }, 'cfg.json');
    expect(bad({ extra: 1 })).toThrow(/invalid config cfg\.json:\n {2}\(root\): Unrecognized key: "extra"/);
    expect(bad({ batchSize: 300 })).toThrow(/ {2}batchSize: batchSize must be ≤ trainSize = 256, got 300/);
    expect(bad({ datasets: ['ring', 'ring'] })).toThrow(/ {2}datasets: datasets must not repeat/);
    expect(bad({ datasets: ['spiral'] })).toThrow(/ {2}datasets\[0\]: /);
    expect(bad({ lr: 0 })).toThrow(/ {2}lr: /);
    expect(bad({ experiment: 'gmm' })).toThrow(/ {2}experiment: /);
  });
});
