/**
 * Smoke test of experiments/hopfield on a tiny configuration: files written, every point recorded, recall near-perfect
 * at a low load (α = 0.05, 10 % corruption) and much worse at α = 0.3, above the capacity 0.138.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hopfieldConfigSchema, runHopfield, type HopfieldResult } from '../../experiments/hopfield/run.js';
import { readJson } from '../../src/io/json.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('experiments/hopfield', () => {
  it('writes results and plots; retrieval works below capacity and fails above it', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-hopfield-'));
    dirs.push(out);
    const config = hopfieldConfigSchema.parse({
      experiment: 'hopfield', neurons: 100, corruptions: [0, 0.1], fixedLoad: 0.05, loads: [0.05, 0.3], fixedCorruption: 0.1,
      networks: 2, cuesPerNetwork: 10, seed: 2,
    });
    const result = runHopfield(config, { out });
    for (const f of result.files) expect(existsSync(f)).toBe(true);
    const saved = readJson(join(out, 'results.json')) as HopfieldResult;
    expect(saved.byCorruption).toHaveLength(2);
    expect(saved.byLoad).toHaveLength(2);
    expect(result.byCorruption[1]!.initialOverlap).toBeCloseTo(0.8, 14);
    expect(result.byLoad[0]!.overlap).toBeGreaterThan(0.95);
    expect(result.byLoad[1]!.overlap).toBeLessThan(0.9);
    // Asynchronous (1.4) with symmetric J, J_ii = 0 strictly lowers U at every change: every run reaches a fixed point.
    for (const p of [...result.byCorruption, ...result.byLoad]) expect(p.converged).toBe(1);
  });
});
