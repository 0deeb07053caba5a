import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fokkerPlanckConfigSchema, parseFokkerPlanckConfig, runFokkerPlanck } from '../../experiments/fokker-planck/run.js';
import { readJson } from '../../src/io/json.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A tiny configuration: κ = 1, 100 cells, T = 30, a three-grid convergence study, a 40² 2-D run. */
const small = {
  experiment: 'fokker-planck', kappa: 1, lower: -2, upper: 2, cells: 100, form: '002', scheme: 'implicit', dt: 0.02, T: 30,
  snapshots: [0, 1, 30], recordEvery: 10, convergenceCells: [100, 200, 400], cells2d: 40, dt2d: 0.05, T2d: 2,
};

describe('experiments/fokker-planck', () => {
  it('writes results and figures; the residual slope is 2 for 002 and 003 and 0 for the control; L1 falls monotonically to the O(h²) floor', () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-fp-'));
    dirs.push(out);
    const r = runFokkerPlanck(parseFokkerPlanckConfig(small), { out });
    for (const f of ['results.json', 'density-relaxation.svg', 'l1-vs-time.svg', 'residual-convergence.svg', 'l1-vs-time-2d.svg']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'residual-convergence.svg'), 'utf8')).toContain('<svg');
    const json = readJson(join(out, 'results.json')) as { convergence: { form: string; slope: number }[] };
    expect(json.convergence.map((c) => c.form)).toEqual(['002', '003', '000']);
    // the same interval and argument as spec/physics/fokker-planck.spec.ts (slope 2 + O(h))
    for (const c of r.convergence.slice(0, 2)) {
      for (const p of c.pairwiseSlopes) {
        expect(p).toBeGreaterThan(1.9);
        expect(p).toBeLessThan(2.1);
      }
    }
    expect(Math.abs(r.convergence[2]!.slope)).toBeLessThan(0.05); // 000 (24): e^{−U} is not its stationary law
    expect(r.relaxation.l1Monotone).toBe(true);
    expect(r.relaxation.maxMassError).toBeLessThan(1e-12);
    expect(r.relaxation.finalL1ToDiscreteStationary).toBeLessThan(1e-6);
    expect(r.relaxation.finalL1ToGibbs).toBeLessThanOrEqual(r.relaxation.discreteStationaryL1ToGibbs + 1e-6);
    expect(r.relaxation2d!.finalL1ToGibbs).toBeLessThan(r.relaxation2d!.initialL1ToGibbs / 2);
    expect(r.relaxation2d!.maxMassError).toBeLessThan(1e-12);
  });

  it('the config schema rejects bad values with named paths', () => {
    expect(() => parseFokkerPlanckConfig({ ...small, T: 0.03 })).toThrow(/T: T must be a positive multiple of dt = 0.02/);
    expect(() => parseFokkerPlanckConfig({ ...small, upper: -3 })).toThrow(/upper: upper must be > lower/);
    expect(() => parseFokkerPlanckConfig({ ...small, snapshots: [40] })).toThrow(/snapshots\[0\]: snapshot time 40 must be ≤ T = 30/);
    expect(() => parseFokkerPlanckConfig({ ...small, convergenceCells: [200, 100] })).toThrow(/convergenceCells\[1\]: convergenceCells must increase/);
    expect(() => parseFokkerPlanckConfig({ ...small, extra: 1 })).toThrow(/Unrecognized key/);
    expect(fokkerPlanckConfigSchema.safeParse(JSON.parse(readFileSync('experiments/fokker-planck/config.json', 'utf8'))).success).toBe(true);
  });
});
