/**
 * experiments/mnist-classifier smoke run: a tiny configuration (400 training images, three epochs) writes results.json,
 * classifier.json, loss.svg and the misclassified grid; the saved classifier reproduces the reported accuracy, which is
 * above chance; cachedDigitClassifier loads an existing file without training; the committed config parses and the
 * schema is strict.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedDigitClassifier, mnistClassifierConfigSchema, parseMnistClassifierConfig, runMnistClassifier, type MnistClassifierResult } from '../../experiments/mnist-classifier/run.js';
import { accuracy, classifyDigits, disposeDigitClassifier, loadDigitClassifier, mnistToUnit, DIGIT_PIXELS } from '../../src/tfjs/classifier.js';
import { loadMnist } from '../../src/tfjs/data/mnist.js';
import { readJson } from '../../src/io/json.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ebm-mnist-clf-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const tiny = {
  experiment: 'mnist-classifier', trainImages: 400, testImages: 200, network: { channels: [6, 12], hidden: 32 },
  training: { epochs: 3, batchSize: 20, learningRate: 2e-3, finalLearningRate: 1e-3 }, gridImages: 8, seed: 3,
};

describe('experiments/mnist-classifier', () => {
  let result: MnistClassifierResult;
  let out: string;

  it('a tiny run writes its outputs; the saved classifier reproduces the reported accuracy (above chance)', async () => {
    out = tempDir();
    const lines: string[] = [];
    result = await runMnistClassifier(parseMnistClassifierConfig(tiny), { out, log: (l) => lines.push(l) });
    for (const f of ['results.json', 'classifier.json', 'loss.svg', 'misclassified.png', 'misclassified.json']) expect(existsSync(join(out, f))).toBe(true);
    expect(result.files).toContain('classifier.json');
    expect(result.backend.backend).toBe('wasm');
    expect(result.epochLosses).toHaveLength(3);
    expect(result.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1; measured 0.725 for this config
    expect(result.meetsTarget).toBe(result.testAccuracy >= 0.98);
    const saved = readJson(join(out, 'results.json')) as { testAccuracy: number; confusion: number[][] };
    expect(saved.testAccuracy).toBe(result.testAccuracy);
    expect(saved.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);
    const model = loadDigitClassifier(join(out, 'classifier.json'));
    const test = loadMnist('test');
    const x = mnistToUnit(test.images.subarray(0, 200 * DIGIT_PIXELS));
    expect(accuracy(classifyDigits(model, { n: 200, x }).labels, test.labels.subarray(0, 200))).toBe(result.testAccuracy);
    disposeDigitClassifier(model);
    expect(lines.some((l) => l.startsWith('test accuracy'))).toBe(true);
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toContain('<svg');
  });

  it('cachedDigitClassifier loads an existing classifier.json without training, and insists on that file name', async () => {
    const m = await cachedDigitClassifier(join(out, 'classifier.json'), parseMnistClassifierConfig({ ...tiny, trainImages: 60000 }));
    expect(m.spec).toEqual({ channels: [6, 12], hidden: 32 });
    disposeDigitClassifier(m);
    await expect(cachedDigitClassifier(join(out, 'other.json'), parseMnistClassifierConfig(tiny))).rejects.toThrow('must name a file classifier.json');
  });

  it('the committed configs parse; the schema is strict and names bad fields', () => {
    const c = parseMnistClassifierConfig(JSON.parse(readFileSync('experiments/mnist-classifier/config.json', 'utf8')));
    expect(c.trainImages).toBe(60000);
    expect(c.targetAccuracy).toBe(0.98);
    const full = parseMnistClassifierConfig(JSON.parse(readFileSync('experiments/mnist-classifier/config-full.json', 'utf8')));
    expect(full.training.epochs).toBe(4);
    expect(mnistClassifierConfigSchema.safeParse({ ...tiny, extra: 1 }).success).toBe(false);
    expect(() => parseMnistClassifierConfig({ ...tiny, trainImages: 70000 })).toThrow('trainImages');
    expect(() => parseMnistClassifierConfig({ ...tiny, training: { ...tiny.training, finalLearningRate: 1 } })).toThrow('training.finalLearningRate: finalLearningRate must be ≤ learningRate');
  });
});
