/**
 * The contract every 32-bit generator of the project passes, in the spirit of pure-rand's
 * `RandomGenerator.properties` (dubzzz/pure-rand, test/unit/generator): the RandomGenerator interface (next, clone,
 * getState) and, for jumpable generators, jump. The properties are deterministic (fast-check generates seeds and
 * step counts; the generator under test is the only source of randomness), so none spends α.
 *
 * `randomGeneratorContract(impl)` registers a describe block; `RANDOM_GENERATOR_PROPERTIES` exposes each property as a
 * function that throws on failure, so that spec/rng/random-generator.spec.ts can show each one rejects a deliberately
 * broken generator (negative controls).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { SUITE_SEED, hashName } from '../_support/seed.js';

export interface GeneratorUnderTest<G extends RandomGenerator = RandomGenerator> {
  readonly name: string;
  // Method signatures (bivariant in G) so that a GeneratorUnderTest<Stream> is a GeneratorUnderTest.
  /** A generator from an integer seed in [0, 2^32). */
  fromSeed(seed: number): G;
  /** The generator whose getState() is `state`. */
  fromState(state: readonly number[]): G;
  /** Advances g in place by its jump; absent when the generator has none. */
  jump?(g: G): void;
  /** Reference states before and after one jump (e.g. from the published C code), as unsigned 32-bit words. */
  readonly jumpReference?: ReadonlyArray<{ readonly state: readonly number[]; readonly afterJump: readonly number[] }>;
}

export interface GeneratorProperty {
  readonly name: string;
  readonly applies: (impl: GeneratorUnderTest) => boolean;
  /** Throws (an assertion or fast-check failure) when `impl` violates the property. */
  readonly check: (impl: GeneratorUnderTest) => void;
}

const seedArb = fc.integer({ min: 0, max: 0xffffffff });
const params = (name: string, numRuns: number) => ({ seed: (hashName(name) ^ SUITE_SEED) | 0, numRuns, endOnFailure: true });
const unsigned = (state: readonly number[]): number[] => state.map((w) => w >>> 0);
const take = (g: RandomGenerator, n: number): number[] => Array.from({ length: n }, () => g.next());
const skip = (g: RandomGenerator, n: number): void => { for (let i = 0; i < n; i++) g.next(); };

/**
 * Whether any state repeats among the first `steps` states of the generators (exact): a 53-bit fingerprint of the
 * first two state words indexes the positions, and a fingerprint hit is confirmed on every word.
 */
function overlapOf(gens: RandomGenerator[], steps: number): string | undefined {
  const states: (readonly number[])[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < gens.length; i++) {
    const g = gens[i]!.clone();
    for (let t = 0; t < steps; t++) {
      const st = g.getState();
      const fp = (st[0]! >>> 0) * 2 ** 21 + ((st[1] ?? 0) >>> 11);
      const q = seen.get(fp);
      if (q !== undefined && states[q]!.every((w, j) => (w >>> 0) === (st[j]! >>> 0))) {
        return `generator ${i} step ${t} repeats generator ${Math.floor(q / steps)} step ${q % steps}`;
      }
      seen.set(fp, states.length);
      states.push(st);
      g.next();
    }
  }
  return undefined;
}

export const RANDOM_GENERATOR_PROPERTIES: readonly GeneratorProperty[] = [
  {
    name: 'next() gives integers in [−2^31, 2^31 − 1] and reaches both halves of each sign',
    applies: () => true,
    check: (impl) => fc.assert(fc.property(seedArb, (seed) => {
      const g = impl.fromSeed(seed);
      let min = Infinity, max = -Infinity;
      for (let i = 0; i < 10000; i++) {
        const v = g.next();
        if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) expect.fail(`output ${i} of seed ${seed} is ${v}`);
        min = Math.min(min, v); max = Math.max(max, v);
      }
      // For 10⁴ uniform words, P(max ≤ 2^30) = (3/4)^10⁴: these can only fail for a generator of the wrong range.
      expect(min).toBeLessThan(-(2 ** 30));
      expect(max).toBeGreaterThan(2 ** 30);
    }), params(`${impl.name}: next range`, 20)),
  },
  {
    name: 'clone() reproduces the sequence and advances separately from the original',
    applies: () => true,
    check: (impl) => fc.assert(fc.property(seedArb, fc.nat(50), (seed, k) => {
      const g = impl.fromSeed(seed);
      skip(g, k);
      const c1 = g.clone(), c2 = g.clone();
      expect(c1).not.toBe(g);
      const fromClone = take(c1, 100);
      expect(take(g, 100)).toEqual(fromClone); // g did not move while c1 drew
      skip(g, 10);
      expect(take(c2, 100)).toEqual(fromClone); // nor did c2 while g drew
    }), params(`${impl.name}: clone`, 100)),
  },
  {
    name: 'fromState(getState()) round-trips, through JSON, and continues the same sequence',
    applies: () => true,
    check: (impl) => fc.assert(fc.property(seedArb, fc.nat(50), (seed, k) => {
      const g = impl.fromSeed(seed);
      skip(g, k);
      const st = JSON.parse(JSON.stringify(g.getState())) as number[];
      const h = impl.fromState(st);
      expect(unsigned(h.getState())).toEqual(unsigned(st));
      expect(take(h, 100)).toEqual(take(g, 100));
      expect(unsigned(h.getState())).toEqual(unsigned(g.getState()));
    }), params(`${impl.name}: state round trip`, 100)),
  },
  {
    name: 'getState() is a snapshot: later draws do not change it and it replays from where it was taken',
    applies: () => true,
    check: (impl) => fc.assert(fc.property(seedArb, (seed) => {
      const g = impl.fromSeed(seed);
      const st = g.getState();
      const copy = [...st];
      const first = take(g, 20);
      expect([...st]).toEqual(copy);
      expect(take(impl.fromState(st), 20)).toEqual(first);
    }), params(`${impl.name}: state snapshot`, 100)),
  },
  {
    name: 'jump() matches the reference states',
    applies: (impl) => impl.jump !== undefined && impl.jumpReference !== undefined,
    check: (impl) => {
      expect(impl.jumpReference!.length).toBeGreaterThan(0);
      for (const { state, afterJump } of impl.jumpReference!) {
        const g = impl.fromState(state);
        impl.jump!(g);
        expect(unsigned(g.getState())).toEqual(unsigned(afterJump));
      }
    },
  },
  {
    name: 'jump() commutes with next() (a jump is a power of the transition) and leaves clones alone',
    applies: (impl) => impl.jump !== undefined,
    check: (impl) => fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 20 }), (seed, k) => {
      const a = impl.fromSeed(seed), b = a.clone(), untouched = a.clone();
      skip(a, k);
      impl.jump!(a);
      impl.jump!(b);
      skip(b, k);
      expect(unsigned(a.getState())).toEqual(unsigned(b.getState()));
      expect(take(a, 10)).toEqual(take(b, 10));
      expect(unsigned(untouched.getState())).toEqual(unsigned(impl.fromSeed(seed).getState()));
    }), params(`${impl.name}: jump commutes`, 30)),
  },
  {
    name: 'jumped clones do not overlap: no state repeats in the first 10⁵ outputs of g, jump(g), jump²(g)',
    applies: (impl) => impl.jump !== undefined,
    check: (impl) => fc.assert(fc.property(seedArb, (seed) => {
      const g0 = impl.fromSeed(seed);
      const g1 = g0.clone(); impl.jump!(g1);
      const g2 = g1.clone(); impl.jump!(g2);
      expect(overlapOf([g0, g1, g2], 100000)).toBeUndefined();
    }), params(`${impl.name}: jump non-overlap`, 1)),
  },
];

/** Registers the contract's properties (those that apply) as tests of `impl`. */
export function randomGeneratorContract(impl: GeneratorUnderTest): void {
  describe(`RandomGenerator contract: ${impl.name}`, () => {
    for (const p of RANDOM_GENERATOR_PROPERTIES) {
      if (p.applies(impl)) it(p.name, () => p.check(impl));
    }
  });
}
