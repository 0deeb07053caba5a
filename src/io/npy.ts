/**
 * NPY files (NumPy's `numpy.lib.format`, format versions 1.0, 2.0 and 3.0), so that users can cross-check their
 * NumPy/PyTorch/JAX code against our outputs with `numpy.load`.
 *
 * Layout: the magic `\x93NUMPY`, the major and minor version bytes, the header length (uint16 LE in 1.0, uint32 LE in
 * 2.0/3.0), then the header — the repr of a Python dict `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
 * — padded with spaces and a final '\n' so that the data starts at a multiple of 64 bytes, then the raw data in C
 * order. We write exactly what NumPy ≥ 1.24 writes for the same array (keys sorted, the 21-digit growth padding after
 * the dict, version 1.0 unless the header needs 2.0), so our files are byte-identical to `numpy.save`'s
 * (spec/io/npy.spec.ts compares with fixtures made by NumPy).
 *
 * Supported dtypes: '<f8' Float64Array, '<f4' Float32Array, '<i4' Int32Array, '|u1' Uint8Array (little-endian data;
 * '<u1' and '=u1'-style spellings are read too). Anything else (other dtypes, big-endian data, structured dtypes,
 * Fortran order) is refused with an error that says what was found.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

/** The typed arrays an NPY file can hold here. */
export type NpyArray = Float64Array | Float32Array | Int32Array | Uint8Array;

/** An array with its shape (C order: the last index varies fastest). */
export interface NpyData<T extends NpyArray = NpyArray> {
  readonly data: T;
  readonly shape: readonly number[];
}

/** The NumPy dtype string of each supported typed array. */
export type NpyDescr = '<f8' | '<f4' | '<i4' | '|u1';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAGIC_LEN = 8; // magic + 2 version bytes
const ARRAY_ALIGN = 64; // numpy.lib.format.ARRAY_ALIGN
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS

// The byte order of typed arrays is the host's; NPY data here is little-endian.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The dtype string of a typed array; a TypeError for any other value. */
export function npyDescr(data: unknown): NpyDescr {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  const what = data === null ? 'null' : typeof data === 'object' ? (data as object).constructor?.name ?? 'object' : typeof data;
  throw new TypeError(`data must be a Float64Array, Float32Array, Int32Array or Uint8Array, got ${what}`);
}

/** Checks a shape: non-negative safe integers whose product is `length`. */
export function checkShape(shape: readonly number[], length: number, name = 'shape'): void {
  if (!Array.isArray(shape)) throw new TypeError(`${name} must be an array of non-negative integers`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      throw new RangeError(`${name}[${i}] must be a non-negative integer, got ${String(s)}`);
    }
    size *= s;
  }
  if (size !== length) {
    throw new RangeError(`${name} (${shape.join(', ')}) holds ${size} elements but the data has ${length}`);
  }
}

/** Python's repr of a tuple of ints: (), (3,), (3, 4). */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

function headerBytes(descr: NpyDescr, shape: readonly number[]): Uint8Array {
  // numpy _write_array_header: sorted keys, repr values, then spare spaces so the first axis can grow in place.
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // numpy _wrap_header: hlen counts the final '\n'; padlen ∈ [1, 64] (never 0).
  const hlen = header.length + 1;
  let version = 1;
  let prefixLen = MAGIC_LEN + 2;
  let padlen = ARRAY_ALIGN - ((prefixLen + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    version = 2;
    prefixLen = MAGIC_LEN + 4;
    padlen = ARRAY_ALIGN - ((prefixLen + hlen) % ARRAY_ALIGN);
  }
  const total = prefixLen + hlen + padlen;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(MAGIC_LEN, hlen + padlen, true);
  else view.setUint32(MAGIC_LEN, hlen + padlen, true);
  // The header is ASCII (descr, digits, punctuation), so one byte per character.
  let p = prefixLen;
  for (let i = 0; i < header.length; i++) out[p++] = header.charCodeAt(i);
  out.fill(0x20, p, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

/**
 * The bytes of an NPY file holding `data` with `shape` (C order), exactly as `numpy.save` writes them.
 * `shape` defaults to `[data.length]`; `[]` is a 0-d array (one element).
 */
export function encodeNpy(data: NpyArray, shape: readonly number[] = [data.length]): Uint8Array {
  const descr = npyDescr(data);
  checkShape(shape, data.length);
  if (!HOST_LITTLE_ENDIAN) throw new Error('NPY writing needs a little-endian host');
  const header = headerBytes(descr, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading: a minimal parser for the Python literal in the header (dict, tuple, list, str, int, True/False/None).

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

class PyLiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseAll(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected trailing text');
    return value;
  }

  private fail(what: string): never {
    throw new Error(`NPY header is not a valid Python literal (${what} at offset ${this.pos}): ${this.text.trim()}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(): PyValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(this.text.slice(this.pos));
    if (m === null) this.fail('expected a value');
    this.pos += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  }

  private string(): string {
    const quote = this.text[this.pos++]!;
    let s = '';
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\') this.pos++; // descr strings never need more than a literal escape
      s += this.text[this.pos++];
    }
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.pos++;
    return s;
  }

  private sequence(close: string): PyValue[] {
    this.pos++;
    const items: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) { this.pos++; return items; }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private dict(): { [key: string]: PyValue } {
    this.pos++;
    const d: { [key: string]: PyValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') { this.pos++; return d; }
      const key = this.value();
      if (typeof key !== 'string') this.fail('expected a string key');
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      d[key] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail("expected ',' or '}'");
    }
  }
}

const READ_DESCR: Readonly<Record<string, NpyDescr>> = {
  // Byte order is meaningless for one-byte types, so every spelling of u1 is the same dtype.
  '<f8': '<f8', '<f4': '<f4', '<i4': '<i4', '|u1': '|u1', '<u1': '|u1', '=u1': '|u1', '>u1': '|u1', 'u1': '|u1',
};

/** The header of an NPY file: its version, dtype, shape and where the data starts. */
export interface NpyHeader {
  readonly version: readonly [number, number];
  readonly descr: NpyDescr;
  readonly shape: readonly number[];
  readonly dataOffset: number;
}

/** Parses and validates the header of NPY bytes (versions 1.0, 2.0, 3.0). */
export function decodeNpyHeader(bytes: Uint8Array): NpyHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length < MAGIC_LEN || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('not an NPY file: bad magic (expected \\x93NUMPY)');
  }
  const major = bytes[6]!, minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new Error(`unsupported NPY format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < MAGIC_LEN + lenBytes) throw new Error('NPY file truncated in its header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? view.getUint16(MAGIC_LEN, true) : view.getUint32(MAGIC_LEN, true);
  const dataOffset = MAGIC_LEN + lenBytes + hlen;
  if (bytes.length < dataOffset) throw new Error(`NPY file truncated: header claims ${hlen} bytes, file has ${bytes.length - MAGIC_LEN - lenBytes}`);
  const headerBytes = bytes.subarray(MAGIC_LEN + lenBytes, dataOffset);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const dict = new PyLiteralParser(text).parseAll();
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new Error(`NPY header is not a dict: ${text.trim()}`);
  const keys = Object.keys(dict).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new Error(`NPY header must have exactly the keys descr, fortran_order, shape; got ${keys}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = dict as Record<string, PyValue>;
  if (typeof descr !== 'string') throw new Error(`unsupported NPY dtype ${JSON.stringify(descr)} (structured dtypes are not supported)`);
  const known = READ_DESCR[descr];
  if (known === undefined) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported)' : '';
    throw new Error(`unsupported NPY dtype '${descr}'${hint}; supported: '<f8', '<f4', '<i4', '|u1'`);
  }
  if (typeof fortranOrder !== 'boolean') throw new Error('NPY header: fortran_order must be True or False');
  if (fortranOrder) throw new Error('NPY file is in Fortran order, which is not supported: save it with np.ascontiguousarray');
  if (!Array.isArray(shape) || !shape.every((s) => typeof s === 'number' && Number.isSafeInteger(s) && s >= 0)) {
    throw new Error(`NPY header: shape must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return { version: [major, minor], descr: known, shape: shape as number[], dataOffset };
}

const BYTES: Readonly<Record<NpyDescr, number>> = { '<f8': 8, '<f4': 4, '<i4': 4, '|u1': 1 };

/** Reads NPY bytes into a fresh typed array of the file's dtype; the size must match the shape exactly. */
export function decodeNpy(bytes: Uint8Array): NpyData {
  const header = decodeNpyHeader(bytes);
  if (!HOST_LITTLE_ENDIAN) throw new Error('NPY reading needs a little-endian host');
  const size = header.shape.reduce((a, b) => a * b, 1);
  const byteLength = size * BYTES[header.descr];
  const available = bytes.length - header.dataOffset;
  if (available !== byteLength) {
    throw new Error(
      `NPY data size mismatch: shape (${header.shape.join(', ')}) of '${header.descr}' needs ${byteLength} bytes, ` +
      `the file has ${available}`,
    );
  }
  // Copy into a fresh, aligned buffer: the data offset need not be aligned within `bytes`, and a Node Buffer's
  // slice() is a view into a shared pool, not a copy.
  const buffer = new Uint8Array(bytes.subarray(header.dataOffset)).buffer;
  let data: NpyArray;
  switch (header.descr) {
    case '<f8': data = new Float64Array(buffer); break;
    case '<f4': data = new Float32Array(buffer); break;
    case '<i4': data = new Int32Array(buffer); break;
    case '|u1': data = new Uint8Array(buffer); break;
  }
  return { data, shape: header.shape };
}

/** Writes an NPY file atomically (temp file, fsync, rename): a reader never sees a half-written file. */
export function writeNpy(path: string, data: NpyArray, shape: readonly number[] = [data.length]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

/** Reads an NPY file (versions 1.0, 2.0, 3.0). */
export function readNpy(path: string): NpyData {
  try {
    return decodeNpy(readFileSync(path));
  } catch (e) {
    if (e instanceof Error && !('code' in e)) e.message = `${path}: ${e.message}`;
    throw e;
  }
}
