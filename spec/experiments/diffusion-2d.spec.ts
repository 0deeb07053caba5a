/**
 * experiments/diffusion-2d: the sample-quality metrics on cases with known answers, the toy generators (seeded,
 * calibrated component counts with a negative control), and a smoke run of DDPM and NCSN on a tiny config that writes
 * every output.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { diffusion2dConfigSchema, parseDiffusion2dConfig, runDiffusion2d, type Diffusion2dResult } from '../../experiments/diffusion-2d/run.js';
import { energyDistance, fitGaussian2d, sampleGaussian2d, sampleToy, scatterPlot, slicedWasserstein2 } from '../../experiments/diffusion-2d/toy.js';
import { keyFromSeed, normal, normals, streamFromKey, uniformInt } from '../../src/rng/index.js';
import { readJson } from '../../src/io/json.js';
import { readNpy } from '../../src/io/npy.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount } from '../_support/stat.js';

tf.env().set('PROD', true);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stream = (seed: number) => streamFromKey(keyFromSeed(seed));

describe('diffusion-2d metrics', () => {
  it('sliced W₂ of a translate y = x + v is |v|/√2 (mean of cos² over K ≥ 2 even directions) and 0 for a permutation', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 16 }),
      fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }),
      (seed, n, K, vx, vy) => {
        const s = stream(seed), x = normals(s, new Float64Array(2 * n));
        const y = x.map((v, i) => v + (i % 2 === 0 ? vx : vy));
        expect(slicedWasserstein2(x, y, n, K)).toBeCloseTo(Math.hypot(vx, vy) / Math.SQRT2, 10);
        const perm = new Float64Array(2 * n), idx = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) { const j = uniformInt(s, i + 1); [idx[i], idx[j]] = [idx[j]!, idx[i]!]; }
        idx.forEach((p, i) => { perm[2 * i] = x[2 * p]!; perm[2 * i + 1] = x[2 * p + 1]!; });
        expect(slicedWasserstein2(x, perm, n, K)).toBe(0);
      }), { numRuns: 100 });
  });

  it('energy distance: 2|a − b| for point masses, −4S/(n²(n−1)) for a set against itself, translation invariant', () => {
    const a = new Float64Array(10).fill(0), b = new Float64Array(10);
    for (let i = 0; i < 5; i++) { b[2 * i] = 3; b[2 * i + 1] = 4; }
    expect(energyDistance(a, 5, b, 5)).toBeCloseTo(10, 12);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 30 }), (seed, n) => {
      const s = stream(seed), x = normals(s, new Float64Array(2 * n)), y = normals(s, new Float64Array(2 * n + 2));
      let S = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) S += Math.hypot(x[2 * i]! - x[2 * j]!, x[2 * i + 1]! - x[2 * j + 1]!);
      expect(energyDistance(x, n, x, n)).toBeCloseTo((-4 * S) / (n * n * (n - 1)), 10);
      const sh = (p: Float64Array) => p.map((v, i) => v + (i % 2 ? -1.5 : 2));
      expect(energyDistance(sh(x), n, sh(y), n + 1)).toBeCloseTo(energyDistance(x, n, y, n + 1), 10);
    }), { numRuns: 50 });
    expect(() => energyDistance(a, 1, b, 5)).toThrow('energyDistance: x n = 1 must be an integer ≥ 2');
    expect(() => slicedWasserstein2(a, b, 4, 8)).toThrow('slicedWasserstein2: x.length = 10 must be 2n = 8');
    expect(() => slicedWasserstein2(a, b, 5, 0)).toThrow('slicedWasserstein2: directions = 0 must be a positive integer');
    // a diverged sampler's NaN must not become a quality number (NaN compares false with every threshold)
    const bad = Float64Array.from(b); bad[7] = NaN;
    expect(() => energyDistance(a, 5, bad, 5)).toThrow('energyDistance: y[7] = NaN must be finite');
    expect(() => slicedWasserstein2(bad, a, 5, 4)).toThrow('slicedWasserstein2: x[7] = NaN must be finite');
  });
});

describe('diffusion-2d moment-matched Gaussian baseline', () => {
  it('fits the mean and the unbiased covariance (closed form on a square and on an affine image), LLᵀ = Σ, draws μ + Lz', () => {
    // corners of [0, 2]²: mean (1, 1), Σ = (4/3) I (four deviations ±1, divided by n − 1 = 3)
    const sq = fitGaussian2d(Float64Array.of(0, 0, 2, 0, 0, 2, 2, 2), 4);
    expect(sq.mean).toEqual([1, 1]);
    expect(sq.cov[0]).toBeCloseTo(4 / 3, 14); expect(sq.cov[1]).toBe(0); expect(sq.cov[2]).toBeCloseTo(4 / 3, 14);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 3, max: 40 }), (seed, n) => {
      // y = A x + b has mean A x̄ + b and covariance A S Aᵀ, S the covariance of x
      const s = stream(seed), x = normals(s, new Float64Array(2 * n)), A = [1.5, -0.4, 0.7, 0.3], b = [2, -1];
      const y = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        y[2 * i] = A[0]! * x[2 * i]! + A[1]! * x[2 * i + 1]! + b[0]!;
        y[2 * i + 1] = A[2]! * x[2 * i]! + A[3]! * x[2 * i + 1]! + b[1]!;
      }
      const gx = fitGaussian2d(x, n), gy = fitGaussian2d(y, n);
      const [sxx, sxy, syy] = gx.cov;
      const want = [
        A[0]! * A[0]! * sxx + 2 * A[0]! * A[1]! * sxy + A[1]! * A[1]! * syy,
        A[0]! * A[2]! * sxx + (A[0]! * A[3]! + A[1]! * A[2]!) * sxy + A[1]! * A[3]! * syy,
        A[2]! * A[2]! * sxx + 2 * A[2]! * A[3]! * sxy + A[3]! * A[3]! * syy,
      ];
      for (let k = 0; k < 3; k++) expect(gy.cov[k]).toBeCloseTo(want[k]!, 10);
      expect(gy.mean[0]).toBeCloseTo(A[0]! * gx.mean[0] + A[1]! * gx.mean[1] + b[0]!, 12);
      const [l11, l21, l22] = gy.chol;
      expect(l11 * l11).toBeCloseTo(gy.cov[0], 12); expect(l11 * l21).toBeCloseTo(gy.cov[1], 12); expect(l21 * l21 + l22 * l22).toBeCloseTo(gy.cov[2], 12);
      // the draws are μ + L z for the stream's next normals, in pairs
      const d = sampleGaussian2d(stream(seed + 1), gy, 5), z = stream(seed + 1);
      for (let i = 0; i < 5; i++) {
        const z1 = normal(z), z2 = normal(z);
        expect(d[2 * i]).toBe(gy.mean[0] + l11 * z1);
        expect(d[2 * i + 1]).toBe(gy.mean[1] + l21 * z1 + l22 * z2);
      }
    }), { numRuns: 50 });
    expect(() => fitGaussian2d(Float64Array.of(0, 0, 1, 1, 2, 2), 3)).toThrow(/fitGaussian2d: the sample covariance .* must be positive definite \(the points must not be collinear\)/);
    expect(() => fitGaussian2d(new Float64Array(4), 1)).toThrow('fitGaussian2d: x n = 1 must be an integer ≥ 2');
    expect(() => sampleGaussian2d(stream(1), sq, 0)).toThrow('sampleGaussian2d: m = 0 must be a positive integer');
  });
});

describe('diffusion-2d toy data', () => {
  const name = 'diffusion-2d toy: the inner-ring count of the rings data is Binomial(n, 1/2)';
  const control = 'diffusion-2d toy negative control: the same count rejects ring weights 0.35 / 0.65';
  it(name, () => {
    const n = 2000, s = testStream(name);
    const r = sampleToy(s, 'rings', n);
    let inner = 0;
    for (let i = 0; i < n; i++) if (Math.hypot(r[2 * i]!, r[2 * i + 1]!) < 1.05) inner++;
    // A point is counted on the wrong ring only if its 2-D noise N(0, 0.05² I) has norm > 0.35 (7 SD): probability
    // e^{−24.5} = 2.3e-11 per point, ≤ 4.6e-8 for all n; the binomial test runs at α/2, so the total is ≤ α.
    expectBinomialCount(name, inner, n, 0.5, { what: 'inner ring', k: 2 });
    // negative control: p = 0.35 is 13 SE away; its acceptance interval at the control's α excludes the count
    const [lo, hi] = binomialInterval(n, 0.35, alphaOf(control));
    expect(inner < lo || inner > hi).toBe(true);
  });

  it('generators are seeded, write n×2 and reject bad arguments', () => {
    const a = sampleToy(stream(3), 'two-moons', 50), b = sampleToy(stream(3), 'two-moons', 50);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(sampleToy(stream(4), 'two-moons', 50))).not.toEqual(Array.from(a));
    expect(() => sampleToy(stream(1), 'spiral' as never, 5)).toThrow(/sampleToy: dataset = spiral must be one of two-moons, rings, gaussian-mixture/);
    expect(() => sampleToy(stream(1), 'rings', 0)).toThrow('sampleToy: n = 0 must be a positive integer');
    expect(() => sampleToy(stream(1), 'rings', 3, new Float64Array(5))).toThrow('sampleToy: out.length = 5 must be 2n = 6');
    const svg = scatterPlot([{ name: 'pts', points: a }], { range: [-2, 2], title: 't' });
    expect((svg.match(/<circle /g) ?? []).length).toBe(50);
    expect(() => scatterPlot([{ name: 'bad', points: new Float64Array(3) }], { range: [-1, 1] })).toThrow(/points.length = 3 must be even/);
  });
});

const tiny = {
  experiment: 'diffusion-2d', backend: 'wasm', datasets: ['two-moons'], methods: ['ddpm', 'ncsn'],
  trainSize: 300, heldOutSize: 200,
  network: { hidden: [16, 16], frequencies: 4, maxPeriod: 100 },
  training: { steps: 40, batchSize: 64, learningRate: 0.005 },
  ddpm: { schedule: { kind: 'cosine', T: 20 } },
  ncsn: { sigmaMax: 3, sigmaMin: 0.05, levels: 4, stepsPerLevel: 5, epsilon: 0.0005 },
  directions: 16, plotPoints: 100, seed: 3,
};

describe('diffusion-2d smoke run', () => {
  it('trains DDPM and NCSN on a tiny config and writes results.json, NPY samples and losses, and both figures', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ebm-diffusion-2d-'));
    dirs.push(out);
    const lines: string[] = [];
    const r: Diffusion2dResult = await runDiffusion2d(parseDiffusion2dConfig(tiny), { out, log: (l) => lines.push(l) });
    expect(r.backend.backend).toBe('wasm');
    expect(r.backend.attempts.map((a) => a.backend)).toEqual(['wasm']);
    const json = readJson(join(out, 'results.json')) as Diffusion2dResult;
    expect(json.datasets).toHaveLength(1);
    const d = json.datasets[0]!;
    expect(d.runs.map((x) => x.method)).toEqual(['ddpm', 'ncsn']);
    for (const run of d.runs) {
      const s = readNpy(join(out, 'samples', `two-moons.${run.method}.npy`));
      expect(s.shape).toEqual([200, 2]);
      expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
      expect(readNpy(join(out, 'samples', `two-moons.${run.method}.loss.npy`)).shape).toEqual([40]);
      expect(Number.isFinite(run.quality.energyDistance) && run.quality.slicedW2 > 0).toBe(true);
    }
    // the metric separates the prior from the data far beyond the data-vs-data floor; the baselines are recorded
    expect(d.priorVsData.energyDistance).toBeGreaterThan(10 * Math.abs(d.dataVsData.energyDistance));
    expect(Number.isFinite(d.gaussianVsData.energyDistance) && d.gaussianVsData.slicedW2 > 0).toBe(true);
    expect(lines.some((l) => /two-moons: data vs data ED .* fitted Gaussian vs data ED .* prior vs data ED/.test(l))).toBe(true);
    for (const f of ['samples.svg', 'losses.svg']) {
      const svg = readFileSync(join(out, f), 'utf8');
      expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg\b/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    expect(existsSync(join(out, 'samples', 'two-moons.heldout.npy'))).toBe(true);
    expect(lines.some((l) => /two-moons ncsn: ED/.test(l))).toBe(true);
  });

  it('the shipped config parses; bad configs are rejected with the path and the constraint', () => {
    const c = parseDiffusion2dConfig(JSON.parse(readFileSync('experiments/diffusion-2d/config.json', 'utf8')));
    expect(c.datasets).toEqual(['two-moons', 'rings', 'gaussian-mixture']);
    expect(c.methods).toEqual(['ddpm', 'ncsn']);
    const bad = (patch: Record<string, unknown>) => () => parseDiffusion2dConfig({ ...tiny, ...patch }, 'cfg.json');
    expect(bad({ extra: 1 })).toThrow(/invalid config cfg\.json:\n {2}\(root\): Unrecognized key: "extra"/);
    expect(bad({ ncsn: { ...tiny.ncsn, sigmaMin: 4 } })).toThrow(/ {2}ncsn\.sigmaMin: sigmaMin must be < sigmaMax = 3, got 4/);
    expect(bad({ methods: ['ddpm', 'ddpm'] })).toThrow(/ {2}methods: methods must not repeat/);
    expect(bad({ datasets: ['spiral'] })).toThrow(/ {2}datasets\[0\]: /);
    expect(bad({ backend: 'webgpu' })).toThrow(/ {2}backend: /);
    expect(bad({ training: { steps: 0, batchSize: 1, learningRate: 1 } })).toThrow(/ {2}training\.steps: /);
    expect(diffusion2dConfigSchema.safeParse(tiny).success).toBe(true);
  });
});
