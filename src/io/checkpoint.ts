/**
 * Atomic checkpoints that let a run resume to bit-identical results (DESIGN.md: "Long runs checkpoint atomically and
 * resume to the same result").
 *
 * What a checkpoint holds: the iteration, the hash of the run's config (a resume under another config is refused),
 * the rng state (keys and/or xoshiro stream states as uint32 words), named float64 scalars (bit-exact, including −0
 * and ±∞), named typed arrays with shapes (positions, log-weights, θ, optimizer moments, ancestor indices, masks), and
 * free JSON metadata (plain JSON: put numbers that must survive bit for bit in `numbers`). If every random draw of iteration k comes from `streamFromKey(foldIn(runKey, k))`, or from
 * streams whose states are saved here, then the resumed run draws exactly what the uninterrupted one drew.
 *
 * One file, so one rename makes it atomic (`writeFileAtomic`: temp file, fsync, rename, fsync of the directory):
 *
 *   bytes 0–7    magic "EBM-CKPT"
 *   bytes 8–11   format version (uint32 LE), currently 1
 *   bytes 12–15  manifest length M (uint32 LE)
 *   bytes 16–47  SHA-256 of every byte from 48 to the end (detects torn or corrupted files)
 *   bytes 48–    manifest: UTF-8 JSON (toJson, sorted keys), then zero padding to a multiple of 64
 *   data section each array as a complete NPY file (encodeNpy), each padded to a multiple of 64 bytes; the manifest
 *                gives each array's offset from the start of the data section and its NPY byte length.
 *
 * In Python: `m = json.loads(b[48:48+M]); start = (48 + M + 63) // 64 * 64; a = m['arrays'][name];
 * np.load(io.BytesIO(b[start + a['offset']: start + a['offset'] + a['length']]))`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
import { parseJson, reviveNonFinite, toJson, type JsonValue } from './json.js';
import { checkShape, decodeNpy, encodeNpy, npyDescr, type NpyArray, type NpyData } from './npy.js';

export const CHECKPOINT_MAGIC = 'EBM-CKPT';
export const CHECKPOINT_VERSION = 1;
const HEADER_BYTES = 48;
const ALIGN = 64;

/** What the caller saves; arrays given without a shape are one-dimensional. */
export interface CheckpointInput {
  readonly iteration: number;
  readonly rng?: Readonly<Record<string, readonly number[]>>;
  readonly numbers?: Readonly<Record<string, number>>;
  readonly arrays?: Readonly<Record<string, NpyArray | NpyData>>;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** A loaded checkpoint: fresh arrays the caller may own and mutate. */
export interface Checkpoint {
  readonly iteration: number;
  readonly configHash: string;
  readonly rng: Record<string, number[]>;
  readonly numbers: Record<string, number>;
  readonly arrays: Record<string, NpyData>;
  readonly meta: Record<string, JsonValue>;
}

export type CheckpointErrorCode = 'BAD_MAGIC' | 'VERSION' | 'TRUNCATED' | 'CORRUPT' | 'CONFIG_MISMATCH';

/** A checkpoint that cannot be used; `code` says why. */
export class CheckpointError extends Error {
  constructor(readonly code: CheckpointErrorCode, message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** `sha256:<hex>` of the canonical JSON of a config (sorted keys, typed arrays as arrays). */
export function configHash(config: unknown): string {
  return 'sha256:' + createHash('sha256').update(toJson(config)).digest('hex');
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function checkName(kind: string, name: string): void {
  if (name === '') throw new RangeError(`${kind} names must be non-empty strings`);
}

/** The bytes of a checkpoint (deterministic: the same input gives the same bytes). */
export function encodeCheckpoint(config: unknown, input: CheckpointInput): Uint8Array {
  const { iteration } = input;
  if (!Number.isSafeInteger(iteration) || iteration < 0) {
    throw new RangeError(`iteration must be a non-negative integer, got ${iteration}`);
  }
  const rng: Record<string, number[]> = {};
  for (const [name, words] of Object.entries(input.rng ?? {})) {
    checkName('rng', name);
    if (!Array.isArray(words) || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new RangeError(`rng.${name} must be an array of unsigned 32-bit integers (a key or getState()), got ${JSON.stringify(words)}`);
    }
    rng[name] = [...words];
  }
  const numbers: Record<string, number> = {};
  for (const [name, x] of Object.entries(input.numbers ?? {})) {
    checkName('numbers', name);
    if (typeof x !== 'number') throw new TypeError(`numbers.${name} must be a number, got ${typeof x}`);
    numbers[name] = x;
  }
  const arrays: Record<string, { descr: string; shape: number[]; offset: number; length: number }> = {};
  const segments: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(input.arrays ?? {}).sort()) {
    checkName('arrays', name);
    const entry = input.arrays![name]!;
    const data = ArrayBuffer.isView(entry) ? entry : entry.data;
    const shape = ArrayBuffer.isView(entry) ? [entry.length] : [...entry.shape];
    const descr = npyDescr(data);
    checkShape(shape, data.length, `arrays.${name}.shape`);
    const npy = encodeNpy(data, shape);
    arrays[name] = { descr, shape, offset, length: npy.length };
    segments.push(npy);
    offset = alignUp(offset + npy.length);
  }
  const manifest = new TextEncoder().encode(toJson({
    format: 'ebm-ts-checkpoint',
    configHash: configHash(config),
    iteration,
    rng,
    numbers,
    arrays,
    meta: input.meta ?? {},
  }));
  const dataStart = alignUp(HEADER_BYTES + manifest.length);
  const out = new Uint8Array(dataStart + offset);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, manifest.length, true);
  out.set(manifest, HEADER_BYTES);
  let p = dataStart;
  for (const seg of segments) {
    out.set(seg, p);
    p = alignUp(p - dataStart + seg.length) + dataStart;
  }
  out.set(createHash('sha256').update(out.subarray(HEADER_BYTES)).digest(), 16);
  return out;
}

/**
 * Decodes checkpoint bytes and validates them: magic, format version, checksum, and that the checkpoint was written
 * for `config` (same canonical-JSON hash). `source` names the file in error messages.
 */
export function decodeCheckpoint(bytes: Uint8Array, config: unknown, source = 'checkpoint'): Checkpoint {
  if (bytes.length < 16 || String.fromCharCode(...bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError('BAD_MAGIC', `${source} is not an ebm-ts checkpoint (bad magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError('VERSION',
      `${source} has checkpoint format version ${version}; this build reads version ${CHECKPOINT_VERSION}`);
  }
  const manifestLength = view.getUint32(12, true);
  if (bytes.length < HEADER_BYTES + manifestLength) {
    throw new CheckpointError('TRUNCATED', `${source} is truncated (${bytes.length} bytes, manifest ends at ${HEADER_BYTES + manifestLength})`);
  }
  const digest = createHash('sha256').update(bytes.subarray(HEADER_BYTES)).digest();
  if (!digest.equals(bytes.subarray(16, HEADER_BYTES))) {
    throw new CheckpointError('CORRUPT', `${source} is corrupt or truncated (SHA-256 mismatch)`);
  }
  // Revive non-finite numbers only where numbers are stored, so a string "NaN" in meta stays a string.
  const m = parseJson(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength)), { nonFinite: false }) as {
    format: string; configHash: string; iteration: number; rng: Record<string, number[]>;
    numbers: Record<string, number>; arrays: Record<string, { shape: number[]; offset: number; length: number }>;
    meta: Record<string, JsonValue>;
  };
  const expected = configHash(config);
  if (m.configHash !== expected) {
    throw new CheckpointError('CONFIG_MISMATCH',
      `${source} was written for config ${m.configHash}, but the current config hashes to ${expected}: ` +
      'refusing to resume under a different configuration (use the original config or start a new run)');
  }
  const dataStart = alignUp(HEADER_BYTES + manifestLength);
  const arrays: Record<string, NpyData> = {};
  for (const [name, a] of Object.entries(m.arrays)) {
    const start = dataStart + a.offset;
    arrays[name] = decodeNpy(bytes.subarray(start, start + a.length));
  }
  const numbers: Record<string, number> = {};
  for (const [name, x] of Object.entries(m.numbers)) numbers[name] = reviveNonFinite(name, x) as number;
  return { iteration: m.iteration, configHash: m.configHash, rng: m.rng, numbers, arrays, meta: m.meta };
}

/** Saves a checkpoint atomically: after a crash at any moment, `path` holds the previous or the new checkpoint. */
export function saveCheckpoint(path: string, config: unknown, input: CheckpointInput, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, encodeCheckpoint(config, input), options);
}

/** Loads and validates a checkpoint written for `config` (see decodeCheckpoint). */
export function loadCheckpoint(path: string, config: unknown): Checkpoint {
  return decodeCheckpoint(readFileSync(path), config, path);
}

/** The checkpoint at `path`, or null when there is none yet (a fresh run); invalid files still throw. */
export function loadCheckpointIfExists(path: string, config: unknown): Checkpoint | null {
  return existsSync(path) ? loadCheckpoint(path, config) : null;
}
