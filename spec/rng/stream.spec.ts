/**
 * xoshiro128** streams (src/rng/stream.ts): known answers from the C reference, jump/longJump, replay from saved
 * states and from (key, iteration) checkpoints, clone independence, validation.
 *
 * Fixture spec/fixtures/xoshiro128starstar.json was produced by spec/fixtures/xoshiro128starstar.c, our own
 * transcription of Blackman & Vigna's published xoshiro128starstar.c (state words, next, jump, long_jump), with gcc:
 *   gcc -std=c99 -O2 -Wall -Wextra -o /tmp/xoshiro128starstar spec/fixtures/xoshiro128starstar.c
 *   /tmp/xoshiro128starstar > spec/fixtures/xoshiro128starstar.json
 * Its first case, state (1, 2, 3, 4), starts 11520, 0, 5927040, 70819200, 2031721883, as other published ports do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Stream, foldIn, keyFromSeed, normal, normals, streamFromKey, streamFromState, uniform, uniforms } from '../../src/rng/index.js';
import { testKey, testStream } from '../_support/seed.js';
import { fcParams, u32 } from './_fc.js';

interface FixtureCase {
  state: number[];
  outputs: number[];
  afterOutputs: number[];
  afterJump: { state: number[]; outputs: number[] };
  afterLongJump: { state: number[]; outputs: number[] };
  afterTwoJumps: { state: number[] };
}
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/xoshiro128starstar.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

const take = (s: Stream, n: number): number[] => Array.from({ length: n }, () => s.nextUint32());

describe('xoshiro128**: known answers from the C reference', () => {
  it('the fixture has the cases it claims', () => {
    expect(FIXTURE.cases.length).toBe(5);
    expect(FIXTURE.cases[0]!.outputs.slice(0, 5)).toEqual([11520, 0, 5927040, 70819200, 2031721883]);
  });

  it.each(FIXTURE.cases.map((c, i) => [i, c] as const))('case %i: first 20 outputs and the state after them', (_i, c) => {
    const s = new Stream(c.state);
    const signed = new Stream(c.state);
    expect(take(s, 20)).toEqual(c.outputs);
    // next() is the same word as a signed integer (pure-rand's convention).
    expect(Array.from({ length: 20 }, () => signed.next())).toEqual(c.outputs.map((w) => w | 0));
    expect(s.getState()).toEqual(c.afterOutputs);
  });

  it.each(FIXTURE.cases.map((c, i) => [i, c] as const))('case %i: jump (2^64) and longJump (2^96)', (_i, c) => {
    const j = new Stream(c.state);
    expect(j.jump()).toBe(j);
    expect(j.getState()).toEqual(c.afterJump.state);
    expect(take(j, 20)).toEqual(c.afterJump.outputs);

    const l = new Stream(c.state);
    expect(l.longJump()).toBe(l);
    expect(l.getState()).toEqual(c.afterLongJump.state);
    expect(take(l, 20)).toEqual(c.afterLongJump.outputs);

    expect(new Stream(c.state).jump().jump().getState()).toEqual(c.afterTwoJumps.state);
  });

  it('jump and longJump are linear maps of the state (as jump polynomials must be), and commute with next()', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 8, maxLength: 8 }), (w) => {
        const a = w.slice(0, 4), b = w.slice(4);
        const x = a.map((v, i) => u32(v ^ b[i]!));
        fc.pre(a.some((v) => v !== 0) && b.some((v) => v !== 0) && x.some((v) => v !== 0));
        for (const op of ['jump', 'longJump'] as const) {
          const ja = new Stream(a)[op]().getState(), jb = new Stream(b)[op]().getState(), jx = new Stream(x)[op]().getState();
          expect(jx).toEqual(ja.map((v, i) => u32(v ^ jb[i]!)));
          const s = new Stream(a); s.next(); s[op]();
          const t = new Stream(a)[op](); t.next();
          expect(s.getState()).toEqual(t.getState());
        }
      }),
      fcParams('stream: jump linear and commutes', 30),
    );
  });
});

describe('replay', () => {
  it('getState() mid-stream, continue, streamFromState → the identical continuation (through JSON)', () => {
    const s = testStream('stream: replay from getState');
    normals(s, new Float64Array(1001));
    const saved = JSON.stringify(s.getState());
    const continued = normals(s, new Float64Array(5000));
    const u1 = uniform(s);
    const r = streamFromState(JSON.parse(saved) as number[]);
    const replayed = normals(r, new Float64Array(5000));
    expect(replayed).toEqual(continued);
    expect(uniform(r)).toBe(u1);
    expect(r.getState()).toEqual(s.getState());
  });

  it('getState() is a snapshot: drawing afterwards does not change a saved state, nor does editing it change the stream', () => {
    const s = testStream('stream: state snapshot');
    const saved = s.getState();
    const copy = [...saved];
    s.next();
    expect(saved).toEqual(copy);
    (saved as number[])[0] = 12345;
    expect(s.getState()[0]).not.toBe(12345);
  });

  it('a checkpoint (run key, iteration k) replays iteration k: per-iteration streams streamFromKey(foldIn(runKey, k))', () => {
    // An uninterrupted run of 12 iterations, each drawing a batch of normals and uniforms from its own stream.
    const runKey = testKey('stream: checkpoint replay');
    const iteration = (key: readonly [number, number], k: number): Float64Array => {
      const s = streamFromKey(foldIn(key, k));
      const out = new Float64Array(300);
      normals(s, out, 0, 200);
      uniforms(s, out, 200, 100);
      return out;
    };
    const full = Array.from({ length: 12 }, (_, k) => iteration(runKey, k));
    // Resume at k = 7 from a JSON checkpoint holding only the key and the index: same draws, bit for bit.
    const checkpoint = JSON.parse(JSON.stringify({ key: runKey, k: 7 })) as { key: [number, number]; k: number };
    for (let k = checkpoint.k; k < 12; k++) expect(iteration(checkpoint.key, k)).toEqual(full[k]);
    // The iterations are not copies of one another (a derivation that ignored k would pass the replay check).
    expect(full[7]).not.toEqual(full[8]);
  });

  it('clone() reproduces the stream, and advances separately from it', () => {
    const s = testStream('stream: clone independence');
    s.next();
    const c = s.clone();
    expect(c).not.toBe(s);
    expect(c.state).not.toBe(s.state);
    const fromClone = Array.from({ length: 100 }, () => normal(c));
    // The original has not moved while the clone drew; it now draws the same values.
    expect(Array.from({ length: 100 }, () => normal(s))).toEqual(fromClone);
    c.jump();
    const before = s.getState();
    c.next();
    expect(s.getState()).toEqual(before);
  });
});

describe('stream validation', () => {
  it('rejects a state that is not 4 words, has words outside 32 bits or non-integers, or is all zero', () => {
    expect(() => streamFromState([1, 2, 3])).toThrow(/state must have 4 words, got 3/);
    expect(() => new Stream([1, 2, 3, 4, 5])).toThrow(RangeError);
    for (const bad of [[1.5, 0, 0, 0], [2 ** 32, 0, 0, 1], [-(2 ** 31) - 1, 0, 0, 1], [Number.NaN, 1, 1, 1]]) {
      expect(() => streamFromState(bad)).toThrow(/state words must be 32-bit integers/);
    }
    expect(() => streamFromState([0, 0, 0, 0])).toThrow(/state must not be all zero/);
    // Signed and unsigned spellings of a word are the same state.
    expect(streamFromState([-1, 0, 0, 0]).getState()).toEqual([0xffffffff, 0, 0, 0]);
  });

  it('streamFromKey never gives the all-zero state and validates its key', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seed) => {
        const st = streamFromKey(keyFromSeed(seed)).getState();
        expect(st.some((w) => w !== 0)).toBe(true);
      }),
      fcParams('stream: never all zero'),
    );
    expect(() => streamFromKey([1, -2] as unknown as [number, number])).toThrow(TypeError);
  });
});
