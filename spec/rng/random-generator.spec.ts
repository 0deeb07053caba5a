/**
 * Runs spec/_contracts/random-generator.contract.ts against our Stream (with jump checked against the C reference
 * fixture, see stream.spec.ts) and, as a check of the suite itself, against pure-rand's xoroshiro128plus. Each
 * property is then shown to reject a deliberately broken variant of Stream (negative controls).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { Stream, keyFromSeed, streamFromKey, streamFromState } from '../../src/rng/index.js';
import { RANDOM_GENERATOR_PROPERTIES, randomGeneratorContract, type GeneratorUnderTest } from '../_contracts/random-generator.contract.js';

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/xoshiro128starstar.json', import.meta.url), 'utf8')) as {
  cases: { state: number[]; afterJump: { state: number[] } }[];
};

const streamImpl: GeneratorUnderTest<Stream> = {
  name: 'xoshiro128** Stream',
  fromSeed: (seed) => streamFromKey(keyFromSeed(seed)),
  fromState: streamFromState,
  jump: (g) => { g.jump(); },
  jumpReference: FIXTURE.cases.map((c) => ({ state: c.state, afterJump: c.afterJump.state })),
};
randomGeneratorContract(streamImpl);

const xoroshiroImpl: GeneratorUnderTest<JumpableRandomGenerator> = {
  name: 'pure-rand xoroshiro128plus',
  fromSeed: (seed) => xoroshiro128plus(seed | 0),
  fromState: xoroshiro128plusFromState,
  jump: (g) => { g.jump(); },
};
randomGeneratorContract(xoroshiroImpl);

/** Streams with one deliberate defect each. */
class UnsignedNext extends Stream {
  override next(): number { return super.next() >>> 0; }
  override clone(): UnsignedNext { return new UnsignedNext(this.state); }
}
class SharedClone extends Stream {
  override clone(): SharedClone { return this; }
}
class LiveState extends Stream {
  override getState(): readonly number[] { return this.state as unknown as number[]; }
  override clone(): LiveState { return new LiveState(this.state); }
}
class LossyState extends Stream {
  override getState(): readonly number[] { const s = super.getState(); return [s[0]!, s[1]!, s[2]!, s[3]! & 0xffff]; }
  override clone(): LossyState { return new LossyState(this.state); }
}

const broken = <G extends Stream>(name: string, make: (state: readonly number[]) => G, jump: (g: G) => void = (g) => { g.jump(); }): GeneratorUnderTest<G> => ({
  name,
  fromSeed: (seed) => make(streamFromKey(keyFromSeed(seed)).getState()),
  fromState: make,
  jump,
  jumpReference: streamImpl.jumpReference!,
});

describe('negative controls: each contract property rejects a broken generator', () => {
  const property = (prefix: string) => {
    const p = RANDOM_GENERATOR_PROPERTIES.find((q) => q.name.startsWith(prefix));
    if (p === undefined) throw new Error(`no property "${prefix}"`);
    return p;
  };
  const cases: [string, GeneratorUnderTest<Stream>][] = [
    ['next() gives integers', broken('unsigned next()', (s) => new UnsignedNext(s))],
    ['clone() reproduces', broken('clone() returns this', (s) => new SharedClone(s))],
    ['getState() is a snapshot', broken('getState() returns the live state', (s) => new LiveState(s))],
    ['fromState(getState()) round-trips', broken('getState() drops bits', (s) => new LossyState(s))],
    // A wrong jump polynomial still gives a power of the transition, so only the reference states catch it.
    ['jump() matches the reference', broken('jump() advances 3 outputs', (s) => new Stream(s), (g) => { for (let i = 0; i < 3; i++) g.next(); })],
    ['jump() commutes', broken('jump() XORs a constant into the state', (s) => new Stream(s), (g) => { g.state[0]! ^= 0x5bd1e995; })],
    ['jumped clones do not overlap', broken('jump() advances 1000 outputs', (s) => new Stream(s), (g) => { for (let i = 0; i < 1000; i++) g.next(); })],
  ];
  it.each(cases.map(([prefix, impl]) => [prefix, impl.name, impl] as const))('"%s…" rejects: %s', (prefix, _name, impl) => {
    const p = property(prefix);
    expect(p.applies(impl)).toBe(true);
    expect(() => p.check(impl)).toThrow();
  });
});
