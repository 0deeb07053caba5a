/**
 * Checkpoints (Layer A, deterministic): bit-for-bit round trips of every array type and of float64 scalars, validation
 * of magic, format version, checksum and config hash, atomicity under a crash between the temp write and the rename,
 * and a run interrupted and resumed from its checkpoint ending with the same bits as the uninterrupted run (with a
 * broken resume — a stream not restored — as the negative control).
 */
import fc from 'fast-check';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempPrefix } from '../../src/io/atomic.js';
import {
  CheckpointError, configHash, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, loadCheckpointIfExists,
  saveCheckpoint, type Checkpoint, type CheckpointInput,
} from '../../src/io/checkpoint.js';
import type { NpyArray } from '../../src/io/npy.js';
import { foldIn, keyFromSeed, normals, streamFromKey, streamFromState, uniform, type Key } from '../../src/rng/index.js';
import { testKey } from '../_support/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'ebm-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (a: NpyArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const bitsOf = (x: number): bigint => new BigInt64Array(Float64Array.from([x]).buffer)[0]!;

const CONFIG = { method: 'alg1', d: 50, h: 0.1, thresholds: [0.1, 0.2], nested: { gammaZ: 0.125 } };

const SPECIAL = [0, -0, 1, -1, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072009e-308, Number.MAX_VALUE, 0.1];

function sampleInput(): CheckpointInput {
  return {
    iteration: 1234,
    rng: { run: [...keyFromSeed(7)], resample: streamFromKey(keyFromSeed(8)).getState() },
    numbers: Object.fromEntries(SPECIAL.map((x, i) => [`x${i}`, x])),
    arrays: {
      walkers: { data: Float64Array.from(SPECIAL), shape: [3, 4] },
      f32: Float32Array.from([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]),
      ancestors: { data: Int32Array.from([-2147483648, -1, 0, 2147483647]), shape: [2, 2] },
      mask: Uint8Array.from([0, 1, 255]),
      empty: { data: new Float64Array(0), shape: [0, 50] },
    },
    meta: { note: 'NaN', started: 'yesterday', list: [1, 2] },
  };
}

describe('checkpoint round trip', () => {
  it('restores every array type, shape, rng state and scalar bit for bit', () => {
    const input = sampleInput();
    const path = join(dir, 'rt.ckpt');
    saveCheckpoint(path, CONFIG, input);
    const c = loadCheckpoint(path, CONFIG);
    expect(c.iteration).toBe(1234);
    expect(c.configHash).toBe(configHash(CONFIG));
    expect(c.rng).toEqual(input.rng);
    expect(streamFromState(c.rng['resample']!).getState()).toEqual(input.rng!['resample']);
    for (const [name, x] of Object.entries(input.numbers!)) {
      if (Number.isNaN(x)) expect(c.numbers[name]).toBeNaN(); // NaN stays NaN (its payload may not)
      else expect(bitsOf(c.numbers[name]!)).toBe(bitsOf(x));
    }
    for (const [name, entry] of Object.entries(input.arrays!)) {
      const data = ArrayBuffer.isView(entry) ? entry : entry.data;
      const shape = ArrayBuffer.isView(entry) ? [entry.length] : entry.shape;
      const got = c.arrays[name]!;
      expect(got.data.constructor).toBe(data.constructor);
      expect(got.shape).toEqual(shape);
      expect(bytesOf(got.data).equals(bytesOf(data))).toBe(true);
    }
    // meta is plain JSON: the string "NaN" stays a string.
    expect(c.meta).toEqual({ note: 'NaN', started: 'yesterday', list: [1, 2] });
  });

  it('generated scalars and float64 arrays round trip bit for bit', () => {
    fc.assert(fc.property(
      fc.array(fc.double(), { maxLength: 20 }),
      fc.integer({ min: 0, max: 1e9 }),
      (xs, iteration) => {
        const c = decodeCheckpoint(encodeCheckpoint(CONFIG, {
          iteration,
          numbers: Object.fromEntries(xs.map((x, i) => [`n${i}`, x])),
          arrays: { a: Float64Array.from(xs) },
        }), CONFIG);
        expect(c.iteration).toBe(iteration);
        xs.forEach((x, i) => {
          if (Number.isNaN(x)) expect(c.numbers[`n${i}`]).toBeNaN();
          else expect(bitsOf(c.numbers[`n${i}`]!)).toBe(bitsOf(x));
        });
        expect(bytesOf(c.arrays['a']!.data).equals(bytesOf(Float64Array.from(xs)))).toBe(true);
      },
    ), { numRuns: 100 });
  });

  it('is deterministic: the same state gives the same bytes, whatever the key order', () => {
    const a = encodeCheckpoint(CONFIG, sampleInput());
    const b = encodeCheckpoint({ nested: { gammaZ: 0.125 }, thresholds: [0.1, 0.2], h: 0.1, d: 50, method: 'alg1' }, sampleInput());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('stores each array as an NPY file at a 64-byte-aligned offset of the data section', () => {
    const bytes = encodeCheckpoint(CONFIG, sampleInput());
    const m = JSON.parse(Buffer.from(bytes.subarray(48, 48 + new DataView(bytes.buffer).getUint32(12, true))).toString('utf8'));
    const start = Math.ceil((48 + new DataView(bytes.buffer).getUint32(12, true)) / 64) * 64;
    for (const a of Object.values(m.arrays) as { offset: number; length: number }[]) {
      expect(a.offset % 64).toBe(0);
      expect(Buffer.from(bytes.subarray(start + a.offset, start + a.offset + 6)).toString('latin1')).toBe('\x93NUMPY');
    }
  });
});

describe('checkpoint validation', () => {
  const good = (): Uint8Array => encodeCheckpoint(CONFIG, sampleInput());
  const codeOf = (f: () => unknown): string => {
    try { f(); } catch (e) { return e instanceof CheckpointError ? e.code : `not a CheckpointError: ${String(e)}`; }
    return 'no error';
  };

  it('refuses another config, naming both hashes', () => {
    const other = { ...CONFIG, h: 0.2 };
    expect(codeOf(() => decodeCheckpoint(good(), other))).toBe('CONFIG_MISMATCH');
    expect(() => decodeCheckpoint(good(), other, 'run.ckpt')).toThrow(
      `run.ckpt was written for config ${configHash(CONFIG)}, but the current config hashes to ${configHash(other)}`,
    );
  });

  it('refuses another format version, bad magic, corrupt and truncated files', () => {
    const v = good();
    new DataView(v.buffer).setUint32(8, 2, true);
    expect(codeOf(() => decodeCheckpoint(v, CONFIG))).toBe('VERSION');
    expect(() => decodeCheckpoint(v, CONFIG)).toThrow(/format version 2; this build reads version 1/);
    const m = good();
    m[0] = 0x58;
    expect(codeOf(() => decodeCheckpoint(m, CONFIG))).toBe('BAD_MAGIC');
    expect(codeOf(() => decodeCheckpoint(new Uint8Array(4), CONFIG))).toBe('BAD_MAGIC');
    const flipped = good();
    flipped[flipped.length - 1]! ^= 1; // one bit of the last array
    expect(codeOf(() => decodeCheckpoint(flipped, CONFIG))).toBe('CORRUPT');
    const g = good();
    expect(codeOf(() => decodeCheckpoint(g.subarray(0, g.length - 64), CONFIG))).toBe('CORRUPT');
    expect(codeOf(() => decodeCheckpoint(g.subarray(0, 60), CONFIG))).toBe('TRUNCATED');
  });

  it('refuses bad input before writing anything', () => {
    const path = join(dir, 'bad.ckpt');
    expect(() => saveCheckpoint(path, CONFIG, { iteration: -1 })).toThrow(/iteration must be a non-negative integer/);
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 1.5 })).toThrow(RangeError);
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 0, rng: { k: [1, -2] } })).toThrow(/rng\.k must be an array of unsigned 32-bit integers/);
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 0, arrays: { w: { data: new Float64Array(6), shape: [2, 2] } } }))
      .toThrow(/arrays\.w\.shape \(2, 2\) holds 4 elements but the data has 6/);
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 0, arrays: { w: new Int16Array(2) as unknown as NpyArray } })).toThrow(TypeError);
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 0, numbers: { s: '1' as unknown as number } })).toThrow(/numbers\.s must be a number/);
    expect(existsSync(path)).toBe(false);
    expect(loadCheckpointIfExists(path, CONFIG)).toBeNull();
  });
});

describe('checkpoint atomicity', () => {
  it('a crash between the temp write and the rename leaves the previous checkpoint intact', () => {
    const path = join(dir, 'atomic.ckpt');
    saveCheckpoint(path, CONFIG, { iteration: 1, numbers: { a: 1 } });
    const before = readFileSync(path);
    let sawCrashPoint = false;
    expect(() => saveCheckpoint(path, CONFIG, { iteration: 2, numbers: { a: 2 } }, {
      beforeRename: (temp) => {
        // The disk as a crash here would leave it: the target is the old checkpoint, byte for byte and loadable; the
        // new one is complete in the temp file beside it.
        sawCrashPoint = true;
        expect(readFileSync(path).equals(before)).toBe(true);
        expect(loadCheckpoint(path, CONFIG).iteration).toBe(1);
        expect(loadCheckpoint(temp, CONFIG).iteration).toBe(2);
        copyFileSync(temp, join(dir, `${tempPrefix(path)}left-by-crash`)); // what a killed process leaves behind
        throw new Error('simulated crash');
      },
    })).toThrow('simulated crash');
    expect(sawCrashPoint).toBe(true);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(loadCheckpoint(path, CONFIG).iteration).toBe(1);
    // The failed writer removed its own temp file; the crash's leftover neither breaks loading nor the next save.
    expect(readdirSync(dir).filter((f) => f.startsWith(tempPrefix(path)))).toEqual([`${tempPrefix(path)}left-by-crash`]);
    saveCheckpoint(path, CONFIG, { iteration: 3 });
    expect(loadCheckpoint(path, CONFIG).iteration).toBe(3);
  });

  it('a torn write (a file cut short in place, as a non-atomic writer would leave it) is detected, not loaded', () => {
    const path = join(dir, 'torn.ckpt');
    saveCheckpoint(path, CONFIG, sampleInput());
    const full = readFileSync(path);
    writeFileSync(path, full.subarray(0, Math.floor(full.length / 2)));
    expect(() => loadCheckpoint(path, CONFIG)).toThrow(CheckpointError);
  });
});

describe('resume from a checkpoint', () => {
  // A small Langevin-like run with the three kinds of state a real run has: positions, a per-iteration stream derived
  // from the run key (foldIn), a persistent stream carried across iterations, and an accumulated scalar.
  interface RunState { x: Float64Array; logZ: number; persistent: number[] }
  const n = 64, d = 3, h = 0.05;

  function iterate(runKey: Key, k: number, s: RunState, noise: Float64Array): void {
    normals(streamFromKey(foldIn(runKey, k)), noise);
    const persistent = streamFromState(s.persistent);
    for (let i = 0; i < n * d; i++) s.x[i] = s.x[i]! - h * s.x[i]! * (s.x[i]! ** 2 - 1) + Math.sqrt(2 * h) * noise[i]!;
    s.logZ += Math.log(uniform(persistent) + 0.5) + s.x[0]! * 1e-3;
    s.persistent = [...persistent.getState()];
  }

  function run(runKey: Key, from: RunState, k0: number, k1: number): RunState {
    const s = { x: from.x.slice(), logZ: from.logZ, persistent: [...from.persistent] };
    const noise = new Float64Array(n * d);
    for (let k = k0; k < k1; k++) iterate(runKey, k, s, noise);
    return s;
  }

  const runKey = testKey('io: checkpoint resume');
  const initial = (): RunState => ({ x: new Float64Array(n * d), logZ: 0, persistent: [...streamFromKey(foldIn(runKey, 2 ** 40)).getState()] });
  const config = { n, d, h, K: 60 };

  function resumed(restorePersistent: boolean): RunState {
    const path = join(dir, 'resume.ckpt');
    const partial = run(runKey, initial(), 0, 25);
    saveCheckpoint(path, config, { iteration: 25, numbers: { logZ: partial.logZ }, rng: { persistent: partial.persistent }, arrays: { x: { data: partial.x, shape: [n, d] } } });
    // Crash: nothing survives but the file.
    const c: Checkpoint = loadCheckpoint(path, config);
    const state: RunState = {
      x: c.arrays['x']!.data as Float64Array,
      logZ: c.numbers['logZ']!,
      persistent: restorePersistent ? c.rng['persistent']! : initial().persistent,
    };
    return run(runKey, state, c.iteration, 60);
  }

  it('ends with the same bits as the uninterrupted run', () => {
    const straight = run(runKey, initial(), 0, 60);
    const again = resumed(true);
    expect(bytesOf(again.x).equals(bytesOf(straight.x))).toBe(true);
    expect(bitsOf(again.logZ)).toBe(bitsOf(straight.logZ));
    expect(again.persistent).toEqual(straight.persistent);
  });

  it('a resume that does not restore the persistent stream is detected by the same comparison (negative control)', () => {
    const straight = run(runKey, initial(), 0, 60);
    const broken = resumed(false);
    expect(bytesOf(broken.x).equals(bytesOf(straight.x))).toBe(true); // positions use only foldIn streams
    expect(bitsOf(broken.logZ)).not.toBe(bitsOf(straight.logZ));
  });
});
