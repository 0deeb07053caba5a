/**
 * Smoke test of experiments/boltzmann on a tiny configuration: files written, one KL trace per run, exact gradient
 * descent on the fully visible machine (convex cross-entropy, small step) lowers the KL at every iteration, and every
 * method ends below its starting KL.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boltzmannConfigSchema, runBoltzmann, type BoltzmannResult } from '../../experiments/boltzmann/run.js';
import { readJson } from '../../src/io/json.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('experiments/boltzmann', () => {
  it('writes results and plots; the exact gradient lowers KL monotonically; CD and PCD lower it too', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-boltzmann-'));
    dirs.push(out);
    const config = boltzmannConfigSchema.parse({
      experiment: 'boltzmann', visible: 3, hidden: 0, teacherHidden: 1, teacherScale: 1, dataSize: 50, iterations: 100, lr: 0.1,
      chains: 50, runs: [{ method: 'exact' }, { method: 'cd', k: 1 }, { method: 'pcd', k: 1 }], repeats: 2, seed: 4,
    });
    const result = runBoltzmann(config, { out });
    for (const f of result.files) expect(existsSync(f)).toBe(true);
    const saved = readJson(join(out, 'results.json')) as BoltzmannResult;
    expect(saved.runs).toHaveLength(3);
    const exact = result.runs[0]!;
    expect(exact.kl).toHaveLength(101);
    for (let t = 1; t <= 100; t++) expect(exact.kl[t]).toBeLessThanOrEqual(exact.kl[t - 1]! + 1e-15);
    for (const r of result.runs) expect(r.finalKL).toBeLessThan(0.5 * r.kl[0]!);
  });

  it('rejects machines too large to enumerate', () => {
    expect(() => boltzmannConfigSchema.parse({
      experiment: 'boltzmann', visible: 8, hidden: 4, teacherHidden: 0, teacherScale: 1, dataSize: 5, iterations: 1, lr: 0.1, chains: 1, runs: [{ method: 'exact' }],
    })).toThrow(/visible \+ hidden must be ≤ 10/);
  });
});
