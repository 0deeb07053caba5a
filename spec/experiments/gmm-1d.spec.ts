import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gmm1dConfigSchema, gmm1dMain, parseGmm1dConfig, runGmm1d, twoModeZEnergy, type Gmm1dResult } from '../../experiments/gmm-1d/run.js';
import { twoModeMixtureEnergy } from '../../src/energies/index.js';
import { readJson } from '../../src/io/json.js';
import { readNpy } from '../../src/io/npy.js';
import { alphaOf, erfc } from '../_support/stat.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ebm-gmm1d-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The smoke configuration: the paper's 200 walkers and data points and h = 0.01, 200 steps, modes 20 apart. */
const small = {
  experiment: 'gmm-1d', a: -10, b: 10, zStar: Math.log(3), z0: 0, walkers: 200, dataSize: 200, alpha: 1, h: 0.01, T: 2,
  recordEvery: 10, earlyT: 1, seed: 7,
};

describe('experiments/gmm-1d', () => {
  const name = "gmm-1d: in a short run PCD's z stays within 2T e^{−19} of z(0) and the unweighted z follows (50) within 2T e^{−18}";
  let result: Gmm1dResult;
  let out: string;

  it('the model is (45) with θ = [z]: U, ∇U, ∂zU = w_b (55), log Z (46) as the mixture 004 (15) with θ = [a, b, z]', () => {
    const e = twoModeZEnergy(-5, 5), base = twoModeMixtureEnergy(1);
    const x = Float64Array.of(-6, -0.3, 0, 0.4, 5.5);
    const th = Float64Array.of(0.7), full = Float64Array.of(-5, 5, 0.7);
    const u = new Float64Array(5), g = new Float64Array(5), u2 = new Float64Array(5), g2 = new Float64Array(5);
    e.energyGrad(th, x, 5, u, g);
    base.energyGrad(full, x, 5, u2, g2);
    expect(Array.from(u)).toEqual(Array.from(u2));
    expect(Array.from(g)).toEqual(Array.from(g2));
    const w = Float64Array.of(1, 0, 0, 0, 0);
    for (let i = 0; i < 5; i++) {
      w.fill(0); w[i] = 1;
      const dz = e.paramGrad(th, x, 5, w, new Float64Array(1))[0]!;
      const eb = Math.exp(-0.7 - 0.5 * (x[i]! - 5) ** 2);
      expect(dz).toBeCloseTo(eb / (Math.exp(-0.5 * (x[i]! + 5) ** 2) + eb), 14); // (55)
    }
    expect(e.logPartition!(th)).toBeCloseTo(0.5 * Math.log(2 * Math.PI) + Math.log(1 + Math.exp(-0.7)), 14); // (46)
    expect(() => e.energy(Float64Array.of(0, 1), x, 5, u)).toThrow(/theta for twoModeZ must have length 1/);
  });

  it(name, () => {
    out = tempDir();
    const t0 = performance.now();
    result = runGmm1d(parseGmm1dConfig(small), { out, progress: false });
    expect(performance.now() - t0).toBeLessThan(20_000); // a smoke run; typically well under a second
    const T = small.T, dt = small.h, K = T / dt, N = small.walkers;
    const traces = (p: string) => ({ t: readNpy(join(out, 'traces', `${p}.t.npy`)).data, z: readNpy(join(out, 'traces', `${p}.z.npy`)).data });
    // The bound. With a = −10, b = 10, w_b(x; z) = σ(20x − z) and |σ(u) − 1{u > 0}| ≤ e^{−|u|}. Let G be the event that
    // every data point and every walker at every step k ≤ K stays on its side of 0 with |x| ≥ 1. On G, while |z| ≤ 1:
    //  PCD (walkers = data, pairwise): |ż_k| = |N⁻¹ Σᵢ (w_b(X_kⁱ) − w_b(x*ᵢ))| ≤ 2e^{−19}, so |z(t) − z(0)| ≤ 2T e^{−19};
    //  unweighted (while |z| ≤ 2): |ż_k − (q̂(0) − q̂*)| ≤ 2e^{−18}, so |z(t) − z(0) − (q̂(0) − q̂*) t| ≤ 2T e^{−18}
    //  (and |q̂(0) − q̂*| T ≤ 1.9 keeps |z| ≤ 2: asserted below, it fails only if q̂(0) or q̂* is beyond 0.95).
    // P(G^c): until G first fails a walker is the AR(1) Y_{k+1} = (1 − α dt) Y_k + √(2α dt) ξ_k around its mode, started
    // from N(0, 1) (data: exact draws; ρ_z(0): exact draws), perturbed by at most |a − b| e^{−19} per unit of drift
    // (≤ 1.2e-7 in all); Var Y_k ≤ 1/(1 − α dt/2); leaving G needs |Y_k| ≥ 9 − 1.2e-7. Union bound over both procedures,
    // N walkers, K + 1 steps: P(G^c) ≤ 2·N·(K + 1)·2Φ̄(8.99 √(1 − α dt/2)) ≈ 5e-14 ≤ the registered α.
    const tail = erfc((8.99 * Math.sqrt(1 - (small.alpha * dt) / 2)) / Math.SQRT2); // 2Φ̄
    const pFail = 2 * N * (K + 1) * tail;
    expect(pFail).toBeLessThan(alphaOf(name));
    const pcd = traces('pcd');
    const bound = 2 * T * Math.exp(-19);
    for (let r = 0; r < pcd.z.length; r++) expect(Math.abs(pcd.z[r]! - small.z0)).toBeLessThanOrEqual(bound);
    const unw = traces('unweighted');
    const gamma = result.procedures.find((p) => p.procedure === 'unweighted')!.prediction.value;
    expect(Math.abs(gamma) * T).toBeLessThan(1.9);
    for (let r = 0; r < unw.z.length; r++) {
      expect(Math.abs(unw.z[r]! - small.z0 - gamma * unw.t[r]!)).toBeLessThanOrEqual(2 * T * Math.exp(-18));
    }
    // Not a do-nothing run: the unweighted z moved by |γ̂| T, far beyond the PCD bound (|γ̂| ≈ 0.25 ± 0.05 here).
    expect(Math.abs(unw.z[unw.z.length - 1]!)).toBeGreaterThan(1e4 * bound);
  });

  it('writes results.json, NPY traces (t, z, q, ESS, walkers near b) per procedure and the SVG figures, all parseable', () => {
    expect(result).toBeDefined();
    const json = readJson(join(out, 'results.json')) as Gmm1dResult;
    expect(json.procedures.map((p) => p.procedure)).toEqual(['pcd', 'unweighted', 'jarzynski']);
    expect(json.realized.midpoint).toBe(0);
    expect(json.realized.qHatStar).toBeGreaterThan(0);
    expect(json.realized.zHatStar).toBeCloseTo(Math.log((1 - json.realized.qHatStar) / json.realized.qHatStar), 12);
    const records = small.T / small.h / small.recordEvery + 1;
    for (const p of ['pcd', 'unweighted', 'jarzynski']) {
      for (const key of ['t', 'z', 'q', 'ess', 'walkersNearB', 'weightedNearB']) {
        const file = join(out, 'traces', `${p}.${key}.npy`);
        const arr = readNpy(file);
        expect(arr.shape).toEqual([records]);
        expect(Array.from(arr.data).every(Number.isFinite)).toBe(true);
      }
      const z = readNpy(join(out, 'traces', `${p}.z.npy`)).data, q = readNpy(join(out, 'traces', `${p}.q.npy`)).data;
      for (let r = 0; r < records; r++) expect(q[r]).toBeCloseTo(Math.exp(-z[r]!) / (1 + Math.exp(-z[r]!)), 14);
    }
    // PCD's walkers are the data: q̂(0) = q̂*; unweighted and Jarzynski share X_0.
    const [pcd, unw, jar] = json.procedures;
    expect(pcd!.qHat0).toBe(json.realized.qHatStar);
    expect(unw!.qHat0).toBe(jar!.qHat0);
    expect(jar!.prediction.value).toBeCloseTo(json.realized.zHatStar + Math.log(jar!.qHat0 / (1 - jar!.qHat0)), 12);
    expect(readNpy(join(out, 'traces', 'jarzynski.ess.npy')).data[records - 1]).toBeLessThan(1); // weights evolved
    for (const f of ['figure.svg', 'figure-early.svg', 'ess.svg']) {
      const svg = readFileSync(join(out, f), 'utf8');
      expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg\b/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    expect(readFileSync(join(out, 'figure.svg'), 'utf8')).toContain('(54)');
  });

  it('runs from the command line entry with a config file and --out', () => {
    const dir = tempDir();
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ ...small, T: 0.5, procedures: ['jarzynski'] }));
    const lines: string[] = [];
    const r = gmm1dMain(['node', 'run.js', cfg, '--out', join(dir, 'out')], (l) => lines.push(l), false);
    expect(r.procedures).toHaveLength(1);
    expect(existsSync(join(dir, 'out', 'results.json'))).toBe(true);
    expect(lines.join('\n')).toMatch(/jarzynski\s+q̂\(0\) = /);
    expect(() => gmm1dMain(['node', 'run.js'], () => {}, false)).toThrow(/usage/);
    expect(() => gmm1dMain(['node', 'run.js', join(dir, 'missing.json')], () => {}, false)).toThrow(/cannot read config/);
  });

  it('the shipped config parses and is the stated setup (a = −5, b = 5, z* = log 3, N = n = 200, h = 0.01, T = 10⁴)', () => {
    const c = parseGmm1dConfig(JSON.parse(readFileSync('experiments/gmm-1d/config.json', 'utf8')));
    expect([c.a, c.b, c.zStar, c.walkers, c.dataSize, c.h, c.T]).toEqual([-5, 5, Math.log(3), 200, 200, 0.01, 10000]);
    expect(Math.abs(c.b - c.a)).toBe(10); // (A1)
  });

  it('rejects bad configs with the path and the constraint, before any work', () => {
    const bad = (patch: Record<string, unknown>) => () => parseGmm1dConfig({ ...small, ...patch }, 'cfg.json');
    expect(bad({ extra: 1 })).toThrow(/invalid config cfg\.json:\n {2}\(root\): Unrecognized key: "extra"/);
    expect(bad({ h: -0.01 })).toThrow(/ {2}h: .*>0/);
    expect(bad({ T: 1.005 })).toThrow(/ {2}T: T must be a positive multiple of h = 0\.01, got 1\.005/);
    expect(bad({ a: 5, b: -5 })).toThrow(/ {2}b: b must be greater than a/);
    expect(bad({ walkers: 300 })).toThrow(/ {2}walkers: PCD starts its walkers at data points: walkers must be ≤ dataSize = 200, got 300/);
    expect(() => parseGmm1dConfig({ ...small, walkers: 300, procedures: ['jarzynski'] })).not.toThrow();
    expect(bad({ walkers: 2.5 })).toThrow(/ {2}walkers: .*int/i);
    expect(bad({ procedures: ['pcd', 'pcd'] })).toThrow(/ {2}procedures: procedures must not repeat/);
    expect(bad({ procedures: ['cd'] })).toThrow(/ {2}procedures\[0\]: /);
    expect(bad({ experiment: 'gmm' })).toThrow(/ {2}experiment: /);
    expect(bad({ fixedPointWindow: 0 })).toThrow(/ {2}fixedPointWindow: /);
    expect(bad({ zStar: undefined })).toThrow(/ {2}zStar: /);
    expect(gmm1dConfigSchema.safeParse({ ...small }).success).toBe(true);
  });
});
