/**
 * src/cli: every example config in experiments/configs validates and runs into a temp dir, and its NPY files decode
 * with the shapes the README promises; the energy-config builder's named θ forms equal the flat layouts exactly.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { runConfig, runConfigFile } from '../../src/cli/run.js';
import { trainConfigSchema, type TrainResult } from '../../src/cli/train.js';
import { sampleConfigSchema, type SampleResult } from '../../src/cli/sample.js';
import { buildEnergy, resolveTheta, energySpecSchema } from '../../src/cli/energy-config.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { gaussianTheta, mixtureTheta, twoModeTheta } from '../../src/energies/index.js';
import { normals, streamFromKey } from '../../src/rng/index.js';
import { testKey } from '../_support/seed.js';

const CONFIG_DIR = join(import.meta.dirname, '../../experiments/configs');
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-'));
  dirs.push(dir);
  return dir;
};
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  vi.restoreAllMocks();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const configs = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')).sort();

describe('experiments/configs', () => {
  it('holds the seven example configs, each listed in its README', () => {
    expect(configs).toEqual(['sample-hmc.json', 'sample-mala.json', 'train-alg1.json', 'train-alg2.json', 'train-cd.json', 'train-pcd.json', 'train-unweighted.json']);
    const readme = readFileSync(join(CONFIG_DIR, 'README.md'), 'utf8');
    for (const c of configs) expect(readme).toContain(`\`${c}\``);
  });

  it.each(configs.filter((c) => c.startsWith('train-')))('%s validates, runs and writes NPY files of the documented shapes', (file) => {
    const raw = JSON.parse(readFileSync(join(CONFIG_DIR, file), 'utf8'));
    const config = trainConfigSchema.parse(raw);
    const out = join(tempDir(), 'run');
    const result = runConfigFile(join(CONFIG_DIR, file), out) as TrainResult;
    const { energy } = buildEnergy(config.energy);
    const p = energy.paramDim, d = energy.dim, N = config.walkers, K = config.iterations, r = config.recordEvery;
    const R = Math.ceil(K / r) + 1;
    const shapes: Record<string, number[]> = {
      iteration: [R], theta: [R, p], ess: [R], logZ: [R], crossEntropy: [R], logZExact: [R], crossEntropyExact: [R],
      walkers: [N, d], logWeights: [N],
    };
    for (const [name, shape] of Object.entries(shapes)) {
      const npy = readNpy(join(out, `${name}.npy`));
      expect(npy.data, name).toBeInstanceOf(Float64Array);
      expect(npy.shape, name).toEqual(shape);
    }
    const iteration = Array.from(readNpy(join(out, 'iteration.npy')).data);
    expect(iteration).toEqual([...Array.from({ length: R - 1 }, (_, i) => i * r), K]);
    const theta = readNpy(join(out, 'theta.npy')).data;
    // Record 0 is θ_0 itself, the last record is the final θ of results.json.
    expect(Array.from(theta.subarray(0, p))).toEqual(Array.from(resolveThetaOrThrow(config.energy, config.theta0)));
    expect(Array.from(theta.subarray((R - 1) * p))).toEqual(result.final.theta);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.final.theta).toEqual(result.final.theta);
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
    const logZ = readNpy(join(out, 'logZ.npy')).data, exact = readNpy(join(out, 'logZExact.npy')).data;
    if (config.algorithm === 'jarzynski') {
      // log Z̃_θ0 is log Z_θ0 itself (12); the final estimate is finite; the weights are not all equal after K steps.
      expect(logZ[0]).toBe(exact[0]);
      expect(Number.isFinite(result.final.logZ)).toBe(true);
      expect(new Set(readNpy(join(out, 'logWeights.npy')).data).size).toBeGreaterThan(1);
    } else {
      expect(Array.from(logZ).every(Number.isNaN)).toBe(true);
      expect(result.final.logZ).toBeNull();
      expect(Array.from(readNpy(join(out, 'logWeights.npy')).data).every((v) => v === 0)).toBe(true);
    }
    expect(Array.from(exact).every(Number.isFinite)).toBe(true);
  });

  it.each(configs.filter((c) => c.startsWith('sample-')))('%s validates, runs and writes NPY files of the documented shapes', (file) => {
    const raw = JSON.parse(readFileSync(join(CONFIG_DIR, file), 'utf8'));
    const config = sampleConfigSchema.parse(raw);
    const out = join(tempDir(), 'run');
    const result = runConfigFile(join(CONFIG_DIR, file), out) as SampleResult;
    const d = buildEnergy(config.energy).energy.dim, N = config.walkers;
    const walkers = readNpy(join(out, 'walkers.npy'));
    expect(walkers.shape).toEqual([N, d]);
    expect(readNpy(join(out, 'energies.npy')).shape).toEqual([N]);
    const acceptance = readNpy(join(out, 'acceptance.npy'));
    expect(acceptance.shape).toEqual([config.steps]);
    // The recorded mean acceptance is the mean of acceptance.npy, and the sampler did move (0 < rate < 1).
    const mean = Array.from(acceptance.data).reduce((a, v) => a + v, 0) / config.steps;
    expect(result.acceptRate).toBe(mean);
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(1);
    // results.json's sample mean is the mean of walkers.npy.
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < N; i++) m += walkers.data[i * d + j]! / N;
      expect(result.mean[j]).toBe(m);
    }
    expect(result.covariance).toHaveLength(d);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).mean).toEqual(result.mean);
  });
});

describe('experiment "sample": every sampler kind', () => {
  const kinds: Array<[Record<string, unknown>, boolean]> = [
    [{ kind: 'ula', h: 0.05 }, false], [{ kind: 'mala', h: 0.05 }, true], [{ kind: 'hmc', stepSize: 0.1, steps: 3, mass: [1, 2] }, true],
    [{ kind: 'mh', scale: 0.5 }, true], [{ kind: 'langevin000', epsilon: 0.2 }, false], [{ kind: 'langevin002', eta: 0.05 }, false],
    [{ kind: 'langevin003', eta: 0.05 }, false],
  ];
  it.each(kinds)('%o runs from an .npy start; acceptance only for the accept/reject samplers', (sampler, rejects) => {
    const dir = tempDir();
    writeNpy(join(dir, 'x0.npy'), Float64Array.from({ length: 40 }, (_, i) => (i % 7) / 7 - 0.5), [20, 2]);
    const config = { experiment: 'sample', energy: { kind: 'gaussian', d: 2 }, sampler, walkers: 20, steps: 4, init: { npy: 'x0.npy' } };
    const result = runConfig(config, join(dir, 'config.json'), join(dir, 'out')) as SampleResult;
    expect(readNpy(join(dir, 'out', 'walkers.npy')).shape).toEqual([20, 2]);
    expect(existsSync(join(dir, 'out', 'acceptance.npy'))).toBe(rejects);
    expect(result.acceptRate === null).toBe(!rejects);
    // The walkers moved away from X_0.
    expect(Array.from(readNpy(join(dir, 'out', 'walkers.npy')).data)).not.toEqual(Array.from(readNpy(join(dir, 'x0.npy')).data));
  });
});

function resolveThetaOrThrow(spec: Parameters<typeof resolveTheta>[0], value: unknown): Float64Array {
  const r = resolveTheta(spec, buildEnergy(spec).energy, value);
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.theta;
}

describe('energy-config: named θ forms equal the energies\' flat layouts', () => {
  const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

  it('twoModeMixture {a, b, z} = [a, b, z] (004 (15))', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), num(-5, 5), (d, seed, z) => {
      const s = streamFromKey(testKey(`twoModeMixture θ ${seed}`));
      const a = normals(s, new Float64Array(d)), b = normals(s, new Float64Array(d));
      const spec = energySpecSchema.parse({ kind: 'twoModeMixture', d });
      const named = resolveThetaOrThrow(spec, { a: Array.from(a), b: Array.from(b), z });
      const flat = resolveThetaOrThrow(spec, Array.from(twoModeTheta(a, b, z)));
      expect(Array.from(named)).toEqual(Array.from(twoModeTheta(a, b, z)));
      expect(Array.from(flat)).toEqual(Array.from(named));
    }), { numRuns: 50 });
  });

  it('gaussian {mean, logScale} = [mean, logScale], logScale 0 by default; nested and flat cov0 give the same energy', () => {
    const spec = energySpecSchema.parse({ kind: 'gaussian', d: 2, cov0: [[2, 0.3], [0.3, 1]] });
    const flatSpec = energySpecSchema.parse({ kind: 'gaussian', d: 2, cov0: [2, 0.3, 0.3, 1] });
    const mean = Float64Array.of(0.5, -1);
    expect(Array.from(resolveThetaOrThrow(spec, { mean: [0.5, -1], logScale: 0.25 }))).toEqual(Array.from(gaussianTheta(mean, 0.25)));
    expect(Array.from(resolveThetaOrThrow(spec, { mean: [0.5, -1] }))).toEqual(Array.from(gaussianTheta(mean, 0)));
    const e1 = buildEnergy(spec).energy, e2 = buildEnergy(flatSpec).energy;
    const th = gaussianTheta(mean, 0.25), x = Float64Array.of(0.3, 0.7, -2, 1.5);
    expect(Array.from(e1.energy(th, x, 2, new Float64Array(2)))).toEqual(Array.from(e2.energy(th, x, 2, new Float64Array(2))));
    expect(e1.logPartition!(th)).toBe(e2.logPartition!(th));
    // Σ₀ = I by default: U = ½|x − μ|².
    const eye = buildEnergy(energySpecSchema.parse({ kind: 'gaussian', d: 2 })).energy;
    expect(eye.energy(gaussianTheta(new Float64Array(2)), Float64Array.of(3, 4), 1, new Float64Array(1))[0]).toBe(12.5);
  });

  it('mixture {p, means (nested or flat), sigmas}, doubleWell {kappa}, rosenbrock {a, b}', () => {
    const mix = energySpecSchema.parse({ kind: 'mixture', k: 2, d: 2 });
    const want = Array.from(mixtureTheta([0.3, 0.7], [1, 2, -1, 0], [1, 0.5]));
    expect(Array.from(resolveThetaOrThrow(mix, { p: [0.3, 0.7], means: [[1, 2], [-1, 0]], sigmas: [1, 0.5] }))).toEqual(want);
    expect(Array.from(resolveThetaOrThrow(mix, { p: [0.3, 0.7], means: [1, 2, -1, 0], sigmas: [1, 0.5] }))).toEqual(want);
    expect(Array.from(resolveThetaOrThrow(energySpecSchema.parse({ kind: 'doubleWell', d: 3 }), { kappa: 2 }))).toEqual([2]);
    expect(Array.from(resolveThetaOrThrow(energySpecSchema.parse({ kind: 'rosenbrock' }), { a: 1, b: 5 }))).toEqual([1, 5]);
    expect(Array.from(buildEnergy(energySpecSchema.parse({ kind: 'rosenbrock' })).defaultTheta!)).toEqual([1, 100]);
  });

  it('refuses θ of the wrong length naming paramDim and the energy, and θ the energy itself refuses', () => {
    const spec = energySpecSchema.parse({ kind: 'twoModeMixture', d: 2 });
    const energy = buildEnergy(spec).energy;
    expect(resolveTheta(spec, energy, [1, 2, 3])).toEqual({ issues: [{ path: [], message: 'must have length paramDim = 5 of twoModeMixture(d=2) (θ = [a (d), b (d), z]), got 3' }] });
    expect(resolveTheta(spec, energy, { a: [1, 2], b: [1], z: 0 })).toEqual({ issues: [{ path: ['b'], message: 'must have 2 numbers, got 1' }] });
    const dw = energySpecSchema.parse({ kind: 'doubleWell', d: 1 });
    const r = resolveTheta(dw, buildEnergy(dw).energy, { kappa: -1 });
    expect('issues' in r && r.issues[0]!.message).toMatch(/κ.*must be > 0, got -1/);
    expect(() => buildEnergy(energySpecSchema.parse({ kind: 'gaussian', d: 2, cov0: [[1, 2], [2, 1]] }))).toThrow(/energy\.cov0: must be symmetric positive definite/);
  });
});
