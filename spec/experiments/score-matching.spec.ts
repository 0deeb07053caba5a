/**
 * Smoke test of experiments/score-matching on a small configuration. What can be asserted exactly:
 *  - separated modes (004 B.1, a* = −10, b* = 6): ∂J/∂z is below 1e-15 on the data (the responsibilities are 0 or 1 to
 *    within e^{−30}), so every method leaves z at z(0) to 1e-12 — the blindness; and ISM's fitted a, b are the means
 *    of the data below / above the midpoint (with the responsibilities 0/1, J̃ = (1/n) Σ ½(m(x) − x)² − 1 + const, whose
 *    minimizer is the per-mode mean), to 1e-8 after 300 contractions by 1 − γ n_a/n;
 *  - overlapping control (a* = −1, b* = 1): the same code moves z (ISM's fitted θ is stationary, |∇J̃| < 1e-6, and
 *    p = σ(z) leaves ½: with n = 1000 the fitted p has sd ≈ 0.03 around p* = ¼, so |p − ½| > 0.025 fails with
 *    probability < 1e-12).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScoreMatchingConfig, runScoreMatching } from '../../experiments/score-matching/run.js';
import { twoModeMixtureEnergy } from '../../src/energies/two-mode-mixture.js';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const small = {
  experiment: 'score-matching',
  cases: [
    { name: 'separated', a: -10, b: 6, zStar: -Math.log(3), a0: -7, b0: 3, z0: 0 },
    { name: 'overlapping', a: -1, b: 1, zStar: -Math.log(3), a0: -0.5, b0: 0.5, z0: 0 },
  ],
  methods: ['ism', 'dsm', 'esm-kde'], dataSize: 1000, runs: 1, iterations: 300, learningRate: 0.5, sigma: 0.3, bandwidth: 0.3, seed: 4,
};

describe('experiments/score-matching', () => {
  it('separated modes: z never moves and ISM fits the per-mode data means; overlapping control: z is learned', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-sm-'));
    dirs.push(out);
    const config = parseScoreMatchingConfig(small);
    const r = runScoreMatching({ ...config, cases: [config.cases[0]!] }, { out }); // a few seconds
    for (const f of ['results.json', 'score-matching.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    for (const s of r.summaries.filter((t) => t.case === 'separated')) {
      expect(s.runs[0]!.initialZGradient, s.method).toBeLessThan(1e-15);
      expect(Math.abs(s.runs[0]!.z - 0), s.method).toBeLessThan(1e-12);
    }
    // the experiment's data for case 0, run 0 (foldIn(foldIn(foldIn(seed, 0), case), run))
    const data = twoModeMixtureEnergy(1).sample!(streamFromKey(foldIn(foldIn(foldIn(keyFromSeed(4), 0), 0), 0)), Float64Array.of(-10, 6, -Math.log(3)), 1000, new Float64Array(1000));
    let sa = 0, na = 0, sb = 0;
    for (const x of data) if (x < -2) { sa += x; na++; } else sb += x;
    const ism = r.summaries.find((t) => t.case === 'separated' && t.method === 'ism')!.runs[0]!;
    expect(Math.abs(ism.a - sa / na)).toBeLessThan(1e-8);
    expect(Math.abs(ism.b - sb / (1000 - na))).toBeLessThan(1e-8);
    expect(ism.pHatData).toBe(na / 1000);
    const rc = runScoreMatching({ ...config, cases: [config.cases[1]!], methods: ['ism'], iterations: 2000, learningRate: 1 }, { out: join(out, 'control') });
    const control = rc.summaries[0]!.runs[0]!;
    for (const g of control.finalGradient) expect(Math.abs(g)).toBeLessThan(1e-6);
    expect(Math.abs(control.p - 0.5)).toBeGreaterThan(0.025);
  });

  it('rejects a bad config, naming the field', () => {
    expect(() => parseScoreMatchingConfig({ ...small, methods: ['ism', 'ism'] })).toThrow(/methods must not repeat/);
    expect(() => parseScoreMatchingConfig({ ...small, cases: [{ ...small.cases[0], b: -20 }] })).toThrow(/cases.0.b: b must be greater than a/);
    expect(() => parseScoreMatchingConfig({ ...small, methods: ['mle'] })).toThrow(/invalid config/);
  });
});
