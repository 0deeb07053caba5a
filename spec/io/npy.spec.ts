/**
 * NPY read/write (Layer A, deterministic): byte-identical to numpy.save on the fixtures of spec/fixtures/npy (made by
 * NumPy, see the README there), round trips over generated shapes and dtypes, the 64-byte data alignment, format 2.0
 * reading, and the errors for what is not supported.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, decodeNpyHeader, encodeNpy, readNpy, writeNpy, type NpyArray } from '../../src/io/npy.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'npy');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** Bytes of a typed array: comparing these compares bit patterns (−0 vs 0, NaN payloads). */
const bytesOf = (a: NpyArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The same data as make_fixtures.py, written here independently. */
const CASES: { file: string; data: NpyArray; shape: number[] }[] = [
  {
    file: 'f8_3x4.npy',
    data: Float64Array.from([
      0.0, -0.0, 1.5, -2.25,
      Infinity, -Infinity, NaN, 5e-324,
      2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -1e-300,
    ]),
    shape: [3, 4],
  },
  { file: 'f4_5.npy', data: Float32Array.from([0.0, -0.0, 1.0e-45, 3.4028234663852886e38, -0.1]), shape: [5] },
  { file: 'i4_2x3.npy', data: Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 42]), shape: [2, 3] },
  { file: 'u1_2x2x3.npy', data: Uint8Array.from({ length: 12 }, (_, i) => i * 21), shape: [2, 2, 3] },
  { file: 'f8_scalar.npy', data: Float64Array.from([3.25]), shape: [] },
  { file: 'f8_empty.npy', data: new Float64Array(0), shape: [0] },
  { file: 'i4_0x3.npy', data: new Int32Array(0), shape: [0, 3] },
  { file: 'f8_1x64.npy', data: Float64Array.from({ length: 64 }, (_, i) => i), shape: [1, 64] },
  // NumPy's growth padding moves this file's data start from 128 to 192 bytes.
  { file: 'u1_15axes.npy', data: Uint8Array.from([7]), shape: new Array<number>(15).fill(1) },
  // On either side of a 64-byte boundary: these pin the growth padding to exactly 21 characters.
  { file: 'u1_14axes_100.npy', data: Uint8Array.from({ length: 100 }, (_, i) => i), shape: [...new Array<number>(13).fill(1), 100] },
  { file: 'u1_14axes_10.npy', data: Uint8Array.from({ length: 10 }, (_, i) => i), shape: [...new Array<number>(13).fill(1), 10] },
];

describe('NPY: byte-identical to numpy.save', () => {
  for (const { file, data, shape } of CASES) {
    it(`encodeNpy writes the bytes of ${file}`, () => {
      expect(Buffer.from(encodeNpy(data, shape)).equals(fixture(file))).toBe(true);
    });

    it(`decodeNpy reads ${file} bit for bit`, () => {
      const read = decodeNpy(fixture(file));
      expect(read.data.constructor).toBe(data.constructor);
      expect(read.shape).toEqual(shape);
      expect(Buffer.from(bytesOf(read.data)).equals(bytesOf(data))).toBe(true);
    });
  }

  it('the 16-byte alignment of NumPy < 1.14 is rejected by the byte comparison and the alignment check (negative control)', () => {
    // A plausible wrong encoder: NumPy's older convention padded the header to a multiple of 16 bytes. NumPy still
    // reads such files (and so do we), but they are not what numpy.save writes today.
    const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
    const pad = 16 - ((10 + header.length + 1) % 16);
    const bytes = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, (header.length + pad + 1) & 0xff, 0]),
      Buffer.from(header + ' '.repeat(pad) + '\n', 'latin1'),
      Buffer.from(bytesOf(Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 42]))),
    ]);
    expect(Array.from(decodeNpy(bytes).data)).toEqual([-2147483648, -1, 0, 1, 2147483647, 42]);
    expect(decodeNpyHeader(bytes).dataOffset % 64).not.toBe(0);
    expect(bytes.equals(fixture('i4_2x3.npy'))).toBe(false);
  });

  it('reads format 2.0 (uint32 header length)', () => {
    const bytes = fixture('f8_v2.npy');
    const header = decodeNpyHeader(bytes);
    expect(header.version).toEqual([2, 0]);
    expect(header.dataOffset % 64).toBe(0);
    const { data, shape } = decodeNpy(bytes);
    expect(shape).toEqual([3]);
    expect(Array.from(data)).toEqual([1, 2, 3]);
  });

  it('reads from a Buffer at an unaligned offset into a fresh array', () => {
    const bytes = Buffer.concat([Buffer.from([1, 2, 3]), fixture('f8_3x4.npy')]).subarray(3);
    const read = decodeNpy(bytes);
    expect(read.data.byteOffset).toBe(0);
    expect(Buffer.from(bytesOf(read.data)).equals(bytesOf(CASES[0]!.data))).toBe(true);
  });
});

describe('NPY: unsupported files are refused', () => {
  it('Fortran order', () => {
    expect(() => decodeNpy(fixture('f8_fortran.npy'))).toThrow(/Fortran order/);
  });
  it('big-endian data', () => {
    expect(() => decodeNpy(fixture('f8_bigendian.npy'))).toThrow(/unsupported NPY dtype '>f8' \(big-endian/);
  });
  it('an unsupported dtype', () => {
    expect(() => decodeNpy(fixture('i8.npy'))).toThrow(/unsupported NPY dtype '<i8'/);
  });
  it('bad magic', () => {
    const bytes = fixture('f8_scalar.npy');
    bytes[1] = 0x4d;
    expect(() => decodeNpy(bytes)).toThrow(/bad magic/);
    expect(() => decodeNpy(new Uint8Array(3))).toThrow(/bad magic/);
  });
  it('an unknown format version', () => {
    const bytes = fixture('f8_scalar.npy');
    bytes[6] = 4;
    expect(() => decodeNpy(bytes)).toThrow(/unsupported NPY format version 4\.0/);
  });
  it('data shorter or longer than the shape says', () => {
    const bytes = fixture('f8_3x4.npy');
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 8))).toThrow(/needs 96 bytes, the file has 88/);
    expect(() => decodeNpy(Buffer.concat([bytes, Buffer.alloc(8)]))).toThrow(/needs 96 bytes, the file has 104/);
  });
  it('a truncated header', () => {
    expect(() => decodeNpy(fixture('f8_3x4.npy').subarray(0, 40))).toThrow(/truncated/);
  });
  it('a header that is not the expected dict', () => {
    const header = "{'descr': '<f8', 'shape': (1,), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const bytes = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + pad + 1, 0]),
      Buffer.from(header + ' '.repeat(pad) + '\n', 'latin1'),
      Buffer.alloc(8),
    ]);
    expect(() => decodeNpy(bytes)).toThrow(/exactly the keys descr, fortran_order, shape/);
  });
});

describe('NPY: writing', () => {
  it('refuses a shape that does not match the data, non-integer shapes and other arrays', () => {
    expect(() => encodeNpy(new Float64Array(6), [4, 2])).toThrow(RangeError);
    expect(() => encodeNpy(new Float64Array(6), [4, 2])).toThrow(/shape \(4, 2\) holds 8 elements but the data has 6/);
    expect(() => encodeNpy(new Float64Array(2), [2.5])).toThrow(/shape\[0\] must be a non-negative integer/);
    expect(() => encodeNpy(new Float64Array(0), [-1, 0])).toThrow(/shape\[0\] must be a non-negative integer/);
    expect(() => encodeNpy(new Int16Array(2) as unknown as NpyArray)).toThrow(TypeError);
    expect(() => encodeNpy([1, 2] as unknown as NpyArray)).toThrow(/must be a Float64Array, Float32Array, Int32Array or Uint8Array, got Array/);
  });

  const arrayArb = fc.record({
    dtype: fc.constantFrom('f8', 'f4', 'i4', 'u1'),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

  function makeArray(dtype: string, size: number, seed: number): NpyArray {
    // Arbitrary bit patterns (from a simple LCG seeded by the property): NaN payloads, subnormals, −0 all occur.
    const bytes = new Uint8Array(size * (dtype === 'f8' ? 8 : dtype === 'u1' ? 1 : 4));
    let s = seed >>> 0;
    for (let i = 0; i < bytes.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      bytes[i] = s >>> 24;
    }
    const b = bytes.buffer;
    return dtype === 'f8' ? new Float64Array(b) : dtype === 'f4' ? new Float32Array(b) : dtype === 'i4' ? new Int32Array(b) : bytes;
  }

  it('every encoding is aligned, \\n-terminated, version 1.0, and decodes to the same bits and shape', () => {
    fc.assert(fc.property(arrayArb, ({ dtype, shape, seed }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = makeArray(dtype, size, seed);
      const bytes = encodeNpy(data, shape);
      const header = decodeNpyHeader(bytes);
      expect(header.version).toEqual([1, 0]);
      expect(header.dataOffset % 64).toBe(0);
      expect(bytes[header.dataOffset - 1]).toBe(0x0a);
      expect(bytes.length - header.dataOffset).toBe(data.byteLength);
      const read = decodeNpy(bytes);
      expect(read.shape).toEqual(shape);
      expect(read.data.constructor).toBe(data.constructor);
      expect(Buffer.from(bytesOf(read.data)).equals(bytesOf(data))).toBe(true);
    }), { numRuns: 200 });
  });

  it('switches to format 2.0 when the header exceeds 65535 bytes, and reads it back', () => {
    const shape = new Array<number>(30_000).fill(1);
    const bytes = encodeNpy(Float64Array.from([7]), shape);
    const header = decodeNpyHeader(bytes);
    expect(header.version).toEqual([2, 0]);
    expect(header.dataOffset % 64).toBe(0);
    expect(decodeNpy(bytes).shape.length).toBe(30_000);
  });

  const dir = mkdtempSync(join(tmpdir(), 'ebm-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writeNpy and readNpy round trip through a file; read errors name the file', () => {
    const path = join(dir, 'x.npy');
    writeNpy(path, CASES[0]!.data, [3, 4]);
    expect(Buffer.from(readFileSync(path)).equals(fixture('f8_3x4.npy'))).toBe(true);
    const read = readNpy(path);
    expect(read.shape).toEqual([3, 4]);
    expect(Buffer.from(bytesOf(read.data)).equals(bytesOf(CASES[0]!.data))).toBe(true);
    writeNpy(path, Int32Array.from([1, 2, 3]));
    expect(readNpy(path).shape).toEqual([3]);
    expect(() => readNpy(join(FIXTURES, 'i8.npy'))).toThrow(/i8\.npy: unsupported NPY dtype/);
  });
});
