/**
 * src/tfjs/data/cifar10 — the CIFAR-10 "binary version" (Krizhevsky, cifar-10-binary.tar.gz): files data_batch_1.bin …
 * data_batch_5.bin and test_batch.bin, each 10000 records of 3073 bytes: 1 label byte (0..9), then 3072 pixel bytes,
 * the 1024 red values of the 32×32 image in row-major order, then the 1024 green, then the 1024 blue. The data are not
 * reachable from these machines: the reader takes a user-given folder and is tested on small files in that format.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CIFAR10_SIDE = 32;
export const CIFAR10_PIXELS = 3 * CIFAR10_SIDE * CIFAR10_SIDE; // 3072
export const CIFAR10_RECORD = 1 + CIFAR10_PIXELS; // 3073
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

export interface Cifar10Batch {
  readonly n: number;
  readonly labels: Uint8Array;
  /** n×3×32×32 bytes as stored (channel-major: R plane, G plane, B plane) */
  readonly images: Uint8Array;
}

/** Parses one binary batch; `source` names it in errors. */
export function parseCifar10Batch(bytes: Uint8Array, source = 'cifar10'): Cifar10Batch {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD !== 0) {
    throw new Error(`${source}: CIFAR-10 binary batch length ${bytes.length} must be a positive multiple of ${CIFAR10_RECORD} (1 label + 3072 pixel bytes)`);
  }
  const n = bytes.length / CIFAR10_RECORD;
  const labels = new Uint8Array(n), images = new Uint8Array(n * CIFAR10_PIXELS);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR10_RECORD;
    const l = bytes[o]!;
    if (l > 9) throw new Error(`${source}: record ${i} has label ${l}, must be 0..9`);
    labels[i] = l;
    images.set(bytes.subarray(o + 1, o + CIFAR10_RECORD), i * CIFAR10_PIXELS);
  }
  return { n, labels, images };
}

/** Writes records in the binary batch format (the inverse of `parseCifar10Batch`; for fixtures and exports). */
export function encodeCifar10Batch(batch: Cifar10Batch): Uint8Array {
  if (batch.labels.length !== batch.n || batch.images.length !== batch.n * CIFAR10_PIXELS) {
    throw new Error(`encodeCifar10Batch: labels.length = ${batch.labels.length} and images.length = ${batch.images.length} must be n = ${batch.n} and n·3072`);
  }
  const out = new Uint8Array(batch.n * CIFAR10_RECORD);
  for (let i = 0; i < batch.n; i++) {
    out[i * CIFAR10_RECORD] = batch.labels[i]!;
    out.set(batch.images.subarray(i * CIFAR10_PIXELS, (i + 1) * CIFAR10_PIXELS), i * CIFAR10_RECORD + 1);
  }
  return out;
}

export type Cifar10Split = 'train' | 'test';

/** The file names of a split. */
export function cifar10Files(split: Cifar10Split): string[] {
  if (split === 'train') return [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
  if (split === 'test') return ['test_batch.bin'];
  throw new Error(`cifar10Files: split = ${String(split)} must be 'train' or 'test'`);
}

/** Reads and concatenates a split's batches from `dir` (the folder cifar-10-batches-bin of the binary archive). */
export function loadCifar10(dir: string, split: Cifar10Split): Cifar10Batch {
  const parts = cifar10Files(split).map((f) => {
    const path = join(dir, f);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`loadCifar10: cannot read ${path} (${(e as Error).message}); dir must be the cifar-10-batches-bin folder of the CIFAR-10 binary version`);
    }
    return parseCifar10Batch(bytes, path);
  });
  const n = parts.reduce((s, p) => s + p.n, 0);
  const labels = new Uint8Array(n), images = new Uint8Array(n * CIFAR10_PIXELS);
  let o = 0;
  for (const p of parts) {
    labels.set(p.labels, o);
    images.set(p.images, o * CIFAR10_PIXELS);
    o += p.n;
  }
  return { n, labels, images };
}

/** Images as float64 NHWC (n×32×32×3, row-major) scaled to [−1, 1] by 2p/255 − 1, writing into out. */
export function cifar10ToNhwc(batch: Cifar10Batch, out: Float64Array = new Float64Array(batch.n * CIFAR10_PIXELS)): Float64Array {
  if (out.length !== batch.n * CIFAR10_PIXELS) throw new Error(`cifar10ToNhwc: out.length = ${out.length} must be n·3072 = ${batch.n * CIFAR10_PIXELS}`);
  const hw = CIFAR10_SIDE * CIFAR10_SIDE;
  for (let i = 0; i < batch.n; i++) {
    const src = i * CIFAR10_PIXELS;
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) out[src + 3 * p + c] = (2 * batch.images[src + c * hw + p]!) / 255 - 1;
  }
  return out;
}
