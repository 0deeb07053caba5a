/**
 * Smoke test of experiments/diffusion-exact on a tiny configuration: the outputs are written, the config schema
 * rejects bad input, and the exact (sampling-free) DDPM discretisation error falls as T grows.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffusionExactConfigSchema, runDiffusionExact } from '../../experiments/diffusion-exact/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const tiny = {
  experiment: 'diffusion-exact',
  weights: [0.4, 0.6],
  means: [
    [-1.5, 0],
    [1, 1],
  ],
  std: 0.5,
  Ts: [5, 20, 80],
  samples: 300,
  ncsn: { sigmaMax: 3, sigmaMin: 0.2, levels: 4, stepsPerLevel: 10, epsilon: 0.02 },
  seed: 3,
};

describe('experiments/diffusion-exact', () => {
  it('writes results.json and two SVG figures; the exact recursion error falls with T', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-diffusion-exact-'));
    dirs.push(out);
    const result = runDiffusionExact(diffusionExactConfigSchema.parse(tiny), { out });
    for (const f of ['results.json', 'error-vs-T.svg', 'samples.svg']) expect(existsSync(join(out, f))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.ddpm.length).toBe(3);
    const errs = result.ddpm.map((r) => r.recursionError.variance);
    expect(errs[1]!).toBeLessThan(errs[0]!);
    expect(errs[2]!).toBeLessThan(errs[1]!);
    for (const r of [...result.ddpm.map((d) => d.stats), result.ncsn.stats, result.data]) {
      expect(Math.abs(r.classFractions.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
    expect(readFileSync(join(out, 'samples.svg'), 'utf8')).toContain('<svg');
  });

  it('the schema rejects inconsistent configs', () => {
    expect(diffusionExactConfigSchema.safeParse({ ...tiny, weights: [0.5, 0.6] }).success).toBe(false);
    expect(diffusionExactConfigSchema.safeParse({ ...tiny, means: [[0, 0]] }).success).toBe(false);
    expect(diffusionExactConfigSchema.safeParse({ ...tiny, extra: 1 }).success).toBe(false);
    expect(diffusionExactConfigSchema.safeParse({ ...tiny, ncsn: { ...tiny.ncsn, sigmaMin: 5 } }).success).toBe(false);
  });
});
