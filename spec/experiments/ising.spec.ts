/**
 * Smoke test of experiments/ising on a tiny configuration: the files are written, the results record every (L, T) and
 * the exact-enumeration check, and the ordered/disordered phases show (⟨|m|⟩ near 1 at T = 1.5, far below at T = 3.5).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isingConfigSchema, runIsing, type IsingResult } from '../../experiments/ising/run.js';
import { readJson } from '../../src/io/json.js';
import { ONSAGER_TC } from '../../src/physics/ising.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('experiments/ising', () => {
  it('writes results and plots; ⟨|m|⟩ is near 1 in the ordered phase and small above T_c', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-ising-'));
    dirs.push(out);
    const config = isingConfigSchema.parse({ experiment: 'ising', sizes: [6], temperatures: [1.5, 3.5], sweeps: 300, burnIn: 50, exactCheckL: 3, seed: 3 });
    const result = runIsing(config, { out });
    for (const f of result.files) expect(existsSync(f)).toBe(true);
    const saved = readJson(join(out, 'results.json')) as IsingResult;
    expect(saved.points).toHaveLength(2);
    expect(saved.exactCheck).toHaveLength(2);
    expect(saved.criticalTemperature).toBeCloseTo(ONSAGER_TC, 14);
    const [cold, hot] = result.points;
    expect(cold!.absMagnetization).toBeGreaterThan(0.9);
    expect(hot!.absMagnetization).toBeLessThan(0.6);
    expect(cold!.energyPerSpin).toBeLessThan(hot!.energyPerSpin);
    for (const c of result.exactCheck) expect(Number.isFinite(c.exactAbsMagnetization) && c.se > 0).toBe(true);
  });

  it('rejects unknown keys and bad sizes', () => {
    expect(() => isingConfigSchema.parse({ experiment: 'ising', sizes: [1], temperatures: [2], sweeps: 100, burnIn: 0 })).toThrow();
    expect(() => isingConfigSchema.parse({ experiment: 'ising', sizes: [4], temperatures: [2], sweeps: 100, burnIn: 0, extra: 1 })).toThrow();
  });
});
