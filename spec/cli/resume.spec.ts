/**
 * src/cli/train.ts: a "train" run interrupted and resumed from its checkpoint ends with the same numbers as an
 * uninterrupted one, bit for bit, in every NPY output and in results.json (timings aside), for every algorithm.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrain, trainConfigSchema, TrainInterrupted, type TrainConfig } from '../../src/cli/train.js';
import { CheckpointError } from '../../src/io/checkpoint.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-resume-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const base = {
  experiment: 'train',
  energy: { kind: 'twoModeMixture', d: 2 },
  data: { teacher: { a: [-3, 0], b: [3, 0], z: -1.0986122886681098 }, size: 200 },
  theta0: { a: [-1, 0.1], b: [1, -0.1], z: 0 },
  walkers: 150,
  optimizer: { kind: 'sgd', lr: [0.1, 0.1, 0.1, 0.1, 0.5] },
  iterations: 40,
  h: 0.1,
  seed: 7,
  recordEvery: 3,
  checkpointEvery: 7,
};

const variants: Array<[string, Record<string, unknown>]> = [
  ['Algorithm 1, systematic resampling on CV²', { algorithm: 'jarzynski', resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } }],
  ["Algorithm 2 (N' = 50), Adam, resampling every 5", { algorithm: 'jarzynski', batchSize: 50, optimizer: { kind: 'adam', lr: 0.05, schedule: 'linear' }, resampling: { scheme: 'residual', every: 5 } }],
  ['PCD', { algorithm: 'pcd' }],
  ['CD (P = 3)', { algorithm: 'cd', cdSteps: 3 }],
  ['unweighted, Gaussian energy', { algorithm: 'unweighted', energy: { kind: 'gaussian', d: 2, cov0: [[1, 0.5], [0.5, 2]] }, data: { teacher: { mean: [1, -1], logScale: 0.3 }, size: 200 }, theta0: { mean: [0, 0] }, optimizer: { kind: 'sgd', lr: 0.1 } }],
];

const npyFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.npy')).sort();
const numbersOf = (dir: string) => {
  const { timings: _t, files: _f, ...rest } = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  return rest;
};

describe('ebm run train: interrupted + resumed == uninterrupted, bit for bit', () => {
  it.each(variants)('%s', (_name, patch) => {
    const config: TrainConfig = trainConfigSchema.parse({ ...base, ...patch });
    const full = tempDir();
    runTrain(config, { out: full, progress: false });

    const split = tempDir();
    // Interrupt at 17: between the periodic checkpoints at 14 and 21, so the resume starts mid-interval.
    expect(() => runTrain(config, { out: split, progress: false, interruptAt: 17 })).toThrow(TrainInterrupted);
    expect(existsSync(join(split, 'checkpoints', 'train.ckpt'))).toBe(true);
    expect(npyFiles(split)).toEqual([]);
    const resumed = runTrain(config, { out: split, progress: false });
    // It did resume (a restart from 0 would also match, and prove nothing).
    expect(resumed.timings.resumedFrom).toBe(17);

    const files = npyFiles(full);
    expect(files).toEqual(['crossEntropy.npy', 'crossEntropyExact.npy', 'ess.npy', 'iteration.npy', 'logWeights.npy', 'logZ.npy', 'logZExact.npy', 'theta.npy', 'walkers.npy']);
    expect(npyFiles(split)).toEqual(files);
    for (const f of files) {
      expect(Buffer.compare(readFileSync(join(split, f)), readFileSync(join(full, f))), f).toBe(0);
    }
    expect(numbersOf(split)).toEqual(numbersOf(full));
    expect(existsSync(join(split, 'checkpoints'))).toBe(false);
  });

  it('refuses to resume a checkpoint written under another config (negative control: it would give other numbers)', () => {
    const config = trainConfigSchema.parse({ ...base, algorithm: 'pcd' });
    const out = tempDir();
    expect(() => runTrain(config, { out, progress: false, interruptAt: 10 })).toThrow(TrainInterrupted);
    const other = trainConfigSchema.parse({ ...base, algorithm: 'pcd', h: 0.11 });
    expect(() => runTrain(other, { out, progress: false })).toThrow(CheckpointError);
    // interruptAt needs checkpoints, and must fall inside the run.
    expect(() => runTrain(trainConfigSchema.parse({ ...base, algorithm: 'pcd', checkpointEvery: 0 }), { out: tempDir(), progress: false, interruptAt: 3 })).toThrow(/interruptAt needs checkpointEvery > 0/);
    expect(() => runTrain(config, { out: tempDir(), progress: false, interruptAt: 40 })).toThrow(/interruptAt must be an integer in \[1, iterations = 40\)/);
  });

  it('a run moves θ (the identity above does not compare two do-nothing runs)', () => {
    // Guards the identity above against a trainer that never moves: θ changes along the run.
    const config = trainConfigSchema.parse({ ...base, algorithm: 'jarzynski' });
    const out = tempDir();
    const r = runTrain(config, { out, progress: false });
    expect(r.final.theta).not.toEqual([-1, 0.1, 1, -0.1, 0]);
  });
});
