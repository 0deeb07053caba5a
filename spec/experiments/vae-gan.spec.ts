/**
 * experiments/vae-gan smoke run on a tiny configuration: outputs are written and the claims hold where they can be
 * asserted: at every record ELBO ≤ log p (3.7) and C(G) ≥ −log 4 (3.22) (exact identities of the recorded quantities),
 * the final log-likelihood does not exceed the family's maximum (PPCA), and on this fixed configuration the training
 * closes the ELBO gap and the JSD by two orders of magnitude (the experiment's claim at a small scale; a smoke check,
 * not a calibrated statistical test).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVaeGanConfig, runVaeGan } from '../../experiments/vae-gan/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const small = {
  experiment: 'vae-gan',
  vae: { d: 3, L: 1, sigma: 0.5, dataSize: 100, steps: 1500, samplesPerPoint: 1, learningRate: 0.03, schedule: 'linear', recordEvery: 50 },
  gan: { meanStar: 1, stdStar: 0.8, mean0: -1, std0: 1.5, iterations: 600, batchSize: 128, discriminatorSteps: 5, discriminatorRate: 0.1, generatorRate: 0.05, recordEvery: 20 },
  seed: 3,
};

describe('experiments/vae-gan', () => {
  it('the shipped config parses; bad configs are rejected with the path named', () => {
    const cfg = parseVaeGanConfig(JSON.parse(readFileSync('experiments/vae-gan/config.json', 'utf8')));
    expect(cfg.experiment).toBe('vae-gan');
    expect(() => parseVaeGanConfig({ ...small, vae: { ...small.vae, L: 4 } })).toThrow(/vae\.L: L must be ≤ d = 3/);
    expect(() => parseVaeGanConfig({ ...small, gan: { ...small.gan, stdStar: 0 } })).toThrow(/gan\.stdStar/);
    expect(() => parseVaeGanConfig({ ...small, extra: 1 })).toThrow(/invalid config/);
  });

  it('a tiny run writes results.json and both figures; ELBO → log p and C(G) → −log 4', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-vae-gan-'));
    dirs.push(out);
    const r = runVaeGan(parseVaeGanConfig(small), { out });
    for (const f of ['results.json', 'vae-elbo.svg', 'gan-value.svg']) expect(existsSync(join(out, f))).toBe(true);
    for (const rec of r.vae.records) expect(rec.elbo).toBeLessThanOrEqual(rec.logLikelihood);
    for (const rec of r.vae.records) expect(rec.logLikelihood).toBeLessThanOrEqual(r.vae.maxLogLikelihood + 1e-9);
    expect(r.vae.finalGap).toBeLessThan(r.vae.initialGap / 100);
    for (const rec of r.gan.records) expect(rec.optimalValue).toBeGreaterThanOrEqual(-Math.log(4) - 1e-12);
    expect(r.gan.medianJsdSecondHalf).toBeLessThan(r.gan.records[0]!.jsd / 100);
  });
});
