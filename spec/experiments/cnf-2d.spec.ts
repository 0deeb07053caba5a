/**
 * experiments/cnf-2d smoke test: a tiny configuration runs in a few seconds, writes results.json and the two SVG
 * figures, and shows what can be asserted of so short a run: the adjoint-trained CNF improves on the standard normal
 * it starts near, the learned density keeps mass ≤ 1 on the plotted box (instantaneous change of variables), and the
 * config schema rejects bad input with named errors. FFJORD's unbiasedness is asserted with calibrated α in
 * spec/flows/cnf.spec.ts; here only that its estimate is finite and reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCnf2dSummary, parseCnf2dConfig, runCnf2d, type Cnf2dResult } from '../../experiments/cnf-2d/run.js';
import { readJson } from '../../src/io/json.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const small = {
  experiment: 'cnf-2d', dataset: 'moons', trainSize: 200, testSize: 100, hidden: 8, steps: 4, iterations: 30,
  batchSize: 16, lr: 0.02, recordEvery: 15, samples: 100, grid: 16, ffjordPoints: 5, ffjordRepeats: 4, seed: 2,
};

describe('experiments/cnf-2d', () => {
  it('a short run writes results.json and the figures; the NLL falls from its start and the grid mass is ≤ 1', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-cnf2d-'));
    dirs.push(out);
    const lines: string[] = [];
    const r = runCnf2d(parseCnf2dConfig(small), { out, progress: false, log: (l) => lines.push(l) });
    const json = readJson(join(out, 'results.json')) as Cnf2dResult;
    expect(json.trace.iteration).toEqual([0, 15, 30]);
    expect(json.trace.testNll.every(Number.isFinite)).toBe(true);
    expect(json.testNll).toBe(r.testNll);
    // 30 Adam steps from a near-identity flow: the test NLL falls clearly below its start.
    expect(r.testNll).toBeLessThan(r.initialTestNll - 0.1);
    // Midpoint rule of a density over part of the plane (cells of 0.44): at most 1 plus the rule's error.
    expect(r.gridMass).toBeGreaterThan(0.5);
    expect(r.gridMass).toBeLessThan(1.05);
    expect(Number.isFinite(r.ffjordBias) && r.ffjordBiasSE > 0).toBe(true);
    for (const f of ['nll.svg', 'density-samples.svg']) {
      const svg = readFileSync(join(out, f), 'utf8');
      expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg\b/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    expect(lines).toHaveLength(1);
    expect(formatCnf2dSummary(r)).toMatch(/^moons: CNF test NLL/);
  });

  it('the config schema names bad fields', () => {
    expect(() => parseCnf2dConfig({ ...small, batchSize: 500 })).toThrow(/batchSize: batchSize must be ≤ trainSize = 200/);
    expect(() => parseCnf2dConfig({ ...small, steps: 0 })).toThrow(/steps/);
    expect(() => parseCnf2dConfig({ ...small, dataset: 'spiral' })).toThrow(/dataset/);
    expect(() => parseCnf2dConfig({ ...small, extra: 1 })).toThrow(/extra|Unrecognized/);
    expect(() => parseCnf2dConfig({ ...small, ffjordPoints: 101 })).toThrow(/ffjordPoints must be ≤ testSize = 100/);
  });
});
