import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gmmConfigSchema, gmmProblem, GmmInterrupted, runGmm, type GmmConfig } from '../../experiments/gmm/run.js';
import { readNpy } from '../../src/io/npy.js';
import { ConfigError, runConfig } from '../../src/cli/run.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-gmm-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const small = (overrides: Partial<GmmConfig> = {}): GmmConfig => gmmConfigSchema.parse({
  experiment: 'gmm', d: 3, dataSize: 300, walkers: 200, iterations: 40, h: 0.1,
  teacher: { a1: -4, b1: 4, z: -Math.log(3) }, init: { a1: -0.1, b1: 0.1, z: 0, perturbation: 0.01 },
  learningRate: { z: 0.125, abFactor: 0.2 },
  methods: [
    { name: 'Jarzynski', algorithm: 'jarzynski', resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } },
    { name: 'PCD', algorithm: 'pcd' },
    { name: 'CD', algorithm: 'cd', cdSteps: 2, learningRateFactor: 10 },
  ],
  recordEvery: 7, runs: 2, ...overrides,
});

describe('experiments/gmm', () => {
  it('runs every method, writes results.json, NPY traces [runs, records] and the figures', () => {
    const out = tempDir();
    const result = runGmm(small(), { out, progress: false });
    expect(result.methods.map((m) => m.name)).toEqual(['Jarzynski', 'PCD', 'CD']);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.methods).toHaveLength(3);
    const p = readNpy(join(out, 'traces', '0-jarzynski.p.npy'));
    // records at k = 0, 7, …, 35 and the final K = 40
    expect(p.shape).toEqual([2, 7]);
    const it = readNpy(join(out, 'traces', '0-jarzynski.iteration.npy')).data;
    expect(Array.from(it.subarray(0, 7))).toEqual([0, 7, 14, 21, 28, 35, 40]);
    expect(result.methods[0]!.final.klEstimated.every((v) => v !== null && Number.isFinite(v))).toBe(true);
    expect(result.methods[1]!.final.klEstimated.every((v) => v === null)).toBe(true);
    expect(readFileSync(join(out, 'figure.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(out, 'ess.svg'), 'utf8')).toContain('Jarzynski');
  });

  it('an interrupted run resumed from its checkpoint ends with the same numbers as an uninterrupted one', () => {
    const config = small({ checkpointEvery: 10 });
    const a = tempDir();
    const full = runGmm(config, { out: a, progress: false });
    const b = tempDir();
    expect(() => runGmm(config, { out: b, progress: false, interruptAt: { method: 1, run: 1, iteration: 23 } })).toThrow(GmmInterrupted);
    const resumed = runGmm(config, { out: b, progress: false });
    expect(resumed.methods.map((m) => m.final)).toEqual(full.methods.map((m) => m.final));
    for (const file of ['1-pcd.p.npy', '0-jarzynski.klEstimated.npy', '2-cd.b1.npy']) {
      expect(Array.from(readNpy(join(b, 'traces', file)).data)).toEqual(Array.from(readNpy(join(a, 'traces', file)).data));
    }
  });

  it('rejects bad configs with the path and the constraint, before any work', () => {
    const base = JSON.parse(JSON.stringify(small()));
    const bad = (patch: (c: any) => void) => {
      const c = JSON.parse(JSON.stringify(base));
      patch(c);
      return () => runConfig(c, 'test.json', tempDir());
    };
    expect(bad((c) => { c.h = -0.1; })).toThrow(/h: .*(>0|greater than 0)/i);
    expect(bad((c) => { c.methods[0].batchSize = 500; })).toThrow(/methods\[0\]\.batchSize: N' = 500 must not exceed walkers N = 200/);
    expect(bad((c) => { c.methods[0].resampling.trigger = { kind: 'essFraction', value: 1.5 }; })).toThrow(/methods\[0\]\.resampling/);
    expect(bad((c) => { c.methods[2].cdSteps = undefined; })).toThrow(/methods\[2\]\.cdSteps: CD needs cdSteps/);
    expect(bad((c) => { c.methods[1].resampling = { scheme: 'systematic', every: 5 }; })).toThrow(/resampling applies to jarzynski only/);
    expect(bad((c) => { c.walkerz = 3; })).toThrow(/walkerz|unrecognized/i);
    expect(bad((c) => { c.experiment = 'nope'; })).toThrow(ConfigError);
  });
});

describe('004 (16) erratum: the exact cross-entropy needs z_k, not z*', () => {
  // (16) as printed: log((2π)^{d/2}(1 + e^{−z*})) − n⁻¹ Σ_j log(e^{−½|x−a_k|²} + e^{−½|x−b_k|²−z_k}).
  // The cross-entropy (3) is log Z_θk + n⁻¹ Σ_j U_θk(x*_j) with Z_θk = (2π)^{d/2}(1 + e^{−z_k}).
  const config = small({ d: 2, dataSize: 2000 });
  const { energy, data, teacherTheta } = gmmProblem(config);
  const n = config.dataSize, d = config.d, zStar = config.teacher.z;
  const meanU = (theta: Float64Array) => energy.energy(theta, data, n, new Float64Array(n)).reduce((s, u) => s + u, 0) / n;
  const withZ = (z: number) => { const t = Float64Array.from(teacherTheta); t[2 * d] = z; return t; };
  const printed = (z: number) => Math.log((2 * Math.PI) ** (d / 2) * (1 + Math.exp(-zStar))) + meanU(withZ(z));
  const correct = (z: number) => energy.logPartition!(withZ(z)) + meanU(withZ(z));

  it('the two agree only at z_k = z*', () => {
    expect(printed(zStar)).toBeCloseTo(correct(zStar), 12);
    for (const z of [-3, -0.5, 0, 1, 2]) expect(Math.abs(printed(z) - correct(z))).toBeGreaterThan(0.05);
  });

  it('the correct form is minimized at the data MLE ẑ (p̂ = the data fraction in mode a); the printed one is monotone in z', () => {
    // Modes 8 apart: the MLE of z on the data is log(p̂/(1 − p̂)) up to overlap terms e^{−8} ≈ 3e-4.
    let inA = 0;
    for (let j = 0; j < n; j++) if (data[j * d]! < 0) inA++;
    const pHat = inA / n;
    const zHat = Math.log(pHat / (1 - pHat));
    const grid = Array.from({ length: 401 }, (_, i) => -4 + i * 0.01);
    const argmin = grid.reduce((best, z) => (correct(z) < correct(best) ? z : best), grid[0]!);
    expect(Math.abs(argmin - zHat)).toBeLessThan(0.02);
    // d/dz of the printed form is the data mean of the mode-b posterior weight: positive, so no interior minimum.
    for (let i = 1; i < grid.length; i++) expect(printed(grid[i]!)).toBeGreaterThan(printed(grid[i - 1]!));
    // …and as a "KL" it goes negative below z*: printed(z) − H(ρ*) < 0.
    expect(printed(-4) - correct(zStar)).toBeLessThan(0);
  });
});
