/**
 * src/tfjs/data/idx — the IDX file format of the MNIST distribution (LeCun et al., "THE MNIST DATABASE", file formats
 * section): a 4-byte magic number 0x00 0x00 <type> <rank>, then `rank` big-endian uint32 dimensions, then the data in
 * row-major order, big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 * Every violation (bad magic, unknown type, truncated or oversized payload) is a named error with the source's name.
 */
import { readFileSync } from 'node:fs';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

const TYPES: Readonly<Record<number, { type: IdxType; bytes: number }>> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** The typed array that holds each type's values exactly (encodeIdx refuses any other, which could wrap or round). */
const ARRAYS: Readonly<Record<IdxType, abstract new (...args: never[]) => IdxData>> = {
  uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

const hex = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

/** Parses an IDX file's bytes. `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source = 'idx'): IdxArray {
  if (bytes.length < 4) throw new Error(`${source}: IDX file of ${bytes.length} bytes is shorter than its 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${source}: IDX magic number must start with 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`);
  const t = TYPES[bytes[2]!];
  if (t === undefined) throw new Error(`${source}: IDX type byte ${hex(bytes[2]!)} must be one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e`);
  const rank = bytes[3]!;
  if (rank < 1) throw new Error(`${source}: IDX rank must be ≥ 1, got 0`);
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new Error(`${source}: IDX header of rank ${rank} needs ${header} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    size *= d;
  }
  const expected = header + size * t.bytes;
  if (bytes.length !== expected) {
    throw new Error(`${source}: IDX ${t.type} array of shape [${shape.join(', ')}] needs ${expected} bytes, file has ${bytes.length}`);
  }
  let data: IdxData;
  switch (t.type) {
    case 'uint8': data = bytes.slice(header, expected); break;
    case 'int8': data = new Int8Array(bytes.slice(header, expected).buffer); break;
    case 'int16': data = new Int16Array(size); for (let i = 0; i < size; i++) data[i] = view.getInt16(header + 2 * i, false); break;
    case 'int32': data = new Int32Array(size); for (let i = 0; i < size; i++) data[i] = view.getInt32(header + 4 * i, false); break;
    case 'float32': data = new Float32Array(size); for (let i = 0; i < size; i++) data[i] = view.getFloat32(header + 4 * i, false); break;
    case 'float64': data = new Float64Array(size); for (let i = 0; i < size; i++) data[i] = view.getFloat64(header + 8 * i, false); break;
  }
  return { type: t.type, shape, data };
}

/** Encodes an array as IDX (big-endian); the inverse of `parseIdx` (used to write test fixtures). */
export function encodeIdx(a: IdxArray): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)]!.type === a.type));
  const t = TYPES[code];
  if (t === undefined) throw new Error(`encodeIdx: type = ${String(a.type)} must be one of ${Object.keys(ARRAYS).join(', ')}`);
  const Arr = ARRAYS[t.type];
  if (!(a.data instanceof Arr)) throw new Error(`encodeIdx: data must be a ${Arr.name} for type ${t.type}, got ${a.data.constructor.name}`);
  a.shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`encodeIdx: shape[${i}] = ${d} must be an integer in [0, 2³² − 1]`);
  });
  const size = a.shape.reduce((p, d) => p * d, 1);
  if (a.data.length !== size) throw new Error(`encodeIdx: data.length = ${a.data.length} must be the product of shape [${a.shape.join(', ')}] = ${size}`);
  if (a.shape.length < 1 || a.shape.length > 255) throw new Error(`encodeIdx: rank = ${a.shape.length} must be in 1..255`);
  const header = 4 + 4 * a.shape.length;
  const bytes = new Uint8Array(header + size * t.bytes);
  const view = new DataView(bytes.buffer);
  bytes[2] = code;
  bytes[3] = a.shape.length;
  a.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < size; i++) {
    const v = a.data[i]!, o = header + i * t.bytes;
    switch (a.type) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return bytes;
}

/** Reads and parses an IDX file. */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path} (${(e as Error).message})`);
  }
  return parseIdx(bytes, path);
}
