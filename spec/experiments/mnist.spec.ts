/**
 * experiments/mnist smoke run: a few iterations of Algorithm 2 and PCD with the paper's 76 993-parameter energy on a
 * handful of real MNIST images; the outputs (JSON-lines logs, checkpoints, PNG grids, training.svg, results.json) are
 * written; resampling stays off before `resamplingFrom`; a run stopped at a checkpoint and run again (resumed) ends
 * with the same logs and results as an uninterrupted run; the config schema rejects inconsistent fields by name.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMnistConfig, runMnist, type MnistResult } from '../../experiments/mnist/run.js';
import { readRunLog } from '../../src/io/run-log.js';
import { PNG_SIGNATURE } from '../../src/tfjs/data/png.js';

tf.env().set('PROD', true);
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ebm-mnist-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const tiny = {
  experiment: 'mnist', digits: [2, 3, 6], counts: [8, 4, 2], walkers: 8, batchSize: 4, dataBatch: 4, h: 5e-5, iterations: 4,
  lr: 1e-4, resamplingFrom: 2, resamplingEssFraction: 1, gridImages: 4, checkpointEvery: 2, seed: 3,
  classifier: { trainImages: 300, testImages: 100, epochs: 1, batchSize: 100, learningRate: 1e-3 },
};

describe('experiments/mnist', () => {
  let result: MnistResult;
  let out: string;

  it('a tiny run writes logs, checkpoints, grids, figure and results; resampling only from resamplingFrom', async () => {
    out = tempDir();
    result = await runMnist(parseMnistConfig(tiny), { out });
    expect(result.complete).toBe(true);
    expect(result.parameters).toBe(76993);
    expect(result.dataSize).toBe(14);
    for (const f of result.files) expect(existsSync(join(out, f))).toBe(true);
    for (const f of ['data.png', 'jarzynski-samples.png', 'pcd-samples.png', 'jarzynski-highest-weights.png', 'jarzynski-resampled.png']) {
      expect(Array.from(readFileSync(join(out, f)).subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
    }
    const jar = readRunLog(join(out, 'jarzynski-log.jsonl'));
    expect(jar.map((r) => r['iteration'])).toEqual([0, 1, 2, 3]);
    // ESS/N < 1 always holds once the weights differ, so the trigger fires at every iteration ≥ resamplingFrom only
    expect(jar.map((r) => r['resampled'])).toEqual([false, false, true, true]);
    expect(jar.slice(0, 2).every((r) => (r['essAfter'] as number) < 1)).toBe(true);
    const pcd = readRunLog(join(out, 'pcd-log.jsonl'));
    expect(pcd.every((r) => r['ess'] === 1 && r['resampled'] === false)).toBe(true);
    const [a, b] = result.algorithms;
    expect(a!.modes!.target).toEqual([4 / 7, 2 / 7, 1 / 7]);
    for (const m of [a!.modes!, b!.modes!]) {
      expect(m.relativeErrors.every((e) => Number.isFinite(e) && e >= 0)).toBe(true);
    }
    expect(a!.modes!.resampledProportions).not.toBeNull();
    expect(b!.modes!.resampledProportions).toBeNull();
    expect(result.classifierTestAccuracy).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).parameters).toBe(76993);
  }, 60_000);

  it('stopped at the first checkpoint and run again, it resumes to the uninterrupted logs and results', async () => {
    const dir = tempDir();
    const first = await runMnist(parseMnistConfig({ ...tiny, stopAfterSeconds: 1e-6, classifier: { ...tiny.classifier, path: join(out, 'classifier.json') } }), { out: dir });
    expect(first.complete).toBe(false);
    expect(first.algorithms[0]!.iterationsDone).toBe(2);
    const second = await runMnist(parseMnistConfig({ ...tiny, classifier: { ...tiny.classifier, path: join(out, 'classifier.json') } }), { out: dir });
    expect(second.complete).toBe(true);
    for (const alg of ['jarzynski', 'pcd']) {
      expect(readFileSync(join(dir, `${alg}-log.jsonl`), 'utf8')).toBe(readFileSync(join(out, `${alg}-log.jsonl`), 'utf8'));
      expect(readFileSync(join(dir, `${alg}-checkpoint.bin`)).equals(readFileSync(join(out, `${alg}-checkpoint.bin`)))).toBe(true);
    }
    expect(second.algorithms.map((r) => r.modes)).toEqual(result.algorithms.map((r) => r.modes));
  }, 60_000);

  it('the schema names inconsistent fields', () => {
    expect(() => parseMnistConfig({ ...tiny, counts: [1, 2] })).toThrow(/counts: counts must have one entry per digit \(3\), got 2/);
    expect(() => parseMnistConfig({ ...tiny, batchSize: 9 })).toThrow(/batchSize: batchSize N' must be ≤ walkers N = 8, got 9/);
    expect(() => parseMnistConfig({ ...tiny, dataBatch: 15 })).toThrow(/dataBatch: dataBatch must be ≤ the subset size 14, got 15/);
    expect(() => parseMnistConfig({ ...tiny, energy: { convs: [{ filters: 2, kernel: 40, stride: 1, pad: 0 }], hidden: [] } })).toThrow(/energy: .*must be at least 1×1/);
    expect(() => parseMnistConfig({ ...tiny, extra: 1 })).toThrow(/Unrecognized key/);
    expect(() => parseMnistConfig(JSON.parse(readFileSync('experiments/mnist/config.json', 'utf8')))).not.toThrow();
  });
});
