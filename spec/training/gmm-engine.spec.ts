/**
 * The fused mixture engine (src/training/fused) beyond what fused.spec.ts runs through the trainer: the WalkerEngine
 * operations one at a time against their definitions and against the generic engine (src/training/engine.ts) on
 * twoModeMixtureEnergy(d). All Layer A (exact, no statistics):
 * - resample(ancestors) makes walker i a copy of walker a_i (positions, U, ∇U, and the cached posterior weight that
 *   paramGrad uses), bit for bit, for nondecreasing ancestors (systematic/stratified output, with walkers moving both
 *   up and down) and for arbitrary ones (random, reversed); a wrong ancestor map fails the same comparison;
 * - paramGrad with arbitrary non-negative weights (zeros included) and the data term equal the generic ones to 1e-12;
 * - readPositions/readEnergies/readGradients → restore into another pool with another thread count continues
 *   bit-identically;
 * - bad ancestors are rejected with the argument named.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/index.js';
import { foldIn, normals, streamFromKey, uniformInt, type Key } from '../../src/rng/index.js';
import { systematicResampling } from '../../src/smc/index.js';
import { fusedMixturePool, type FusedPool } from '../../src/training/fused/pool.js';
import { energyDataTerm, energyEngine, type WalkerEngine } from '../../src/training/index.js';
import { testKey } from '../_support/seed.js';

const d = 5, N = 600, n = 520; // three noise blocks of 256 (the last partial); data blocks likewise
const p = 2 * d + 1;
const energy = twoModeMixtureEnergy(d);
const pools: FusedPool[] = [];
afterAll(() => pools.forEach((pool) => pool.dispose()));

function pool(data: Float64Array, threads: number): FusedPool {
  const made = fusedMixturePool({ d, walkers: N, data, dataSize: n, threads });
  pools.push(made);
  return made;
}

/** A problem from an integer seed: data of a separated mixture, θ near it, walkers spread over both modes. */
function problem(key: Key) {
  const stream = streamFromKey(foldIn(key, 0));
  const shift = normals(stream, new Float64Array(2 * d));
  const a = new Float64Array(d), b = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    a[j] = (j === 0 ? -3 : 0) + 0.3 * shift[j]!;
    b[j] = (j === 0 ? 3 : 0) + 0.3 * shift[d + j]!;
  }
  const theta = twoModeTheta(a, b, 0.4 * shift[0]!);
  const teacher = twoModeTheta(Float64Array.of(-3, 0, 0, 0, 0), Float64Array.of(3, 0, 0, 0, 0), -Math.log(3));
  const data = energy.sample!(streamFromKey(foldIn(key, 1)), teacher, n, new Float64Array(n * d));
  const x = energy.sample!(streamFromKey(foldIn(key, 2)), theta, N, new Float64Array(N * d));
  return { theta, data, x };
}

interface Snapshot { x: Float64Array; u: Float64Array; g: Float64Array }
const snapshot = (e: WalkerEngine): Snapshot => ({
  x: e.readPositions(new Float64Array(N * d)), u: e.readEnergies(new Float64Array(N)), g: e.readGradients(new Float64Array(N * d)),
});

/** The definition of resampling: walker i becomes walker ancestors[i]. */
function gathered(s: Snapshot, ancestors: Int32Array): Snapshot {
  const out = { x: new Float64Array(N * d), u: new Float64Array(N), g: new Float64Array(N * d) };
  for (let i = 0; i < N; i++) {
    const a = ancestors[i]!;
    out.x.set(s.x.subarray(a * d, a * d + d), i * d);
    out.g.set(s.g.subarray(a * d, a * d + d), i * d);
    out.u[i] = s.u[a]!;
  }
  return out;
}

const same = (a: Snapshot, b: Snapshot) =>
  a.u.every((v, i) => Object.is(v, b.u[i])) && a.x.every((v, i) => Object.is(v, b.x[i])) && a.g.every((v, i) => Object.is(v, b.g[i]));

function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** Ancestor maps of every kind the engine must handle. */
function ancestorMaps(key: Key): Record<string, Int32Array> {
  const stream = streamFromKey(foldIn(key, 3));
  // Widely spread weights: systematic output that moves walkers both up and down (a_i > i and a_i < i).
  const logW = normals(streamFromKey(foldIn(key, 4)), new Float64Array(N)).map((v) => 1.5 * v);
  const systematic = systematicResampling(streamFromKey(foldIn(key, 5)), logW, new Int32Array(N));
  const random = new Int32Array(N).map(() => uniformInt(stream, N));
  const reversed = new Int32Array(N).map((_, i) => N - 1 - i);
  const single = new Int32Array(N).fill(uniformInt(stream, N));
  return { systematic, random, reversed, single };
}

describe('fused mixture engine: the WalkerEngine operations one by one', () => {
  it('resample makes walker i a copy of walker a_i, bit for bit, for sorted and unsorted ancestors; a wrong map is caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const key = foldIn(testKey('gmm-engine resample'), seed);
        const { theta, data, x } = problem(key);
        const fused = pool(data, 0);
        const generic = energyEngine(energy, N);
        for (const [name, ancestors] of Object.entries(ancestorMaps(key))) {
          fused.engine.setPositions(theta, x);
          generic.setPositions(theta, x);
          const before = snapshot(fused.engine);
          fused.engine.resample(ancestors);
          generic.resample(ancestors);
          const after = snapshot(fused.engine);
          expect(same(after, gathered(before, ancestors)), name).toBe(true);
          // Negative control: the same comparison rejects an off-by-one ancestor map.
          const shifted = ancestors.map((a) => (a + 1) % N);
          expect(same(after, gathered(before, shifted)), `${name} (shifted)`).toBe(false);
          // The cached posterior weights moved with the walkers: paramGrad after resampling equals the generic one.
          const w = new Float64Array(N).fill(1 / N);
          const fg = fused.engine.paramGrad(theta, w, new Float64Array(p));
          const gg = generic.paramGrad(theta, w, new Float64Array(p));
          expect(maxRelativeError(fg, gg), name).toBeLessThan(1e-12);
        }
        fused.dispose();
      }),
      { numRuns: 8, endOnFailure: true },
    );
  });

  it('paramGrad (any weights, zeros included) and the data term equal the generic engine to 1e-12', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 0.9, noNaN: true, noDefaultInfinity: true }), (seed, zeroFraction) => {
        const key = foldIn(testKey('gmm-engine paramGrad'), seed);
        const { theta, data, x } = problem(key);
        const fused = pool(data, 0);
        const generic = energyEngine(energy, N);
        fused.engine.setPositions(theta, x);
        generic.setPositions(theta, x);
        const stream = streamFromKey(foldIn(key, 6));
        const w = normals(stream, new Float64Array(N)).map((v) => Math.exp(v));
        for (let i = 0; i < N; i++) if (uniformInt(stream, 1000) < 1000 * zeroFraction) w[i] = 0;
        const fg = fused.engine.paramGrad(theta, w, new Float64Array(p));
        const gg = generic.paramGrad(theta, w, new Float64Array(p));
        expect(maxRelativeError(fg, gg)).toBeLessThan(1e-12);
        const fd = new Float64Array(p), gd = new Float64Array(p);
        const fu = fused.data.meanParamGradAndEnergy(theta, fd);
        const gu = energyDataTerm(energy, data, n).meanParamGradAndEnergy(theta, gd);
        expect(maxRelativeError(fd, gd)).toBeLessThan(1e-12);
        expect(Math.abs(fu - gu) / Math.max(1, Math.abs(gu))).toBeLessThan(1e-12);
        fused.dispose();
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it('read* → restore into a pool with another thread count continues bit-identically (advance, paramGrad)', () => {
    const key = testKey('gmm-engine restore');
    const { theta, data, x } = problem(key);
    const one = pool(data, 1), two = pool(data, 2);
    one.engine.setPositions(theta, x);
    const logW1 = new Float64Array(N);
    one.engine.advance(foldIn(key, 10), theta, theta, 0.1, null, logW1);
    const saved = snapshot(one.engine);
    two.engine.restore(saved.x, saved.u, saved.g);
    const logW2 = Float64Array.from(logW1);
    const theta2 = Float64Array.from(theta);
    theta2[2 * d] += 0.05;
    one.engine.advance(foldIn(key, 11), theta, theta2, 0.1, null, logW1);
    two.engine.advance(foldIn(key, 11), theta, theta2, 0.1, null, logW2);
    expect(same(snapshot(one.engine), snapshot(two.engine))).toBe(true);
    expect(Array.from(logW2)).toEqual(Array.from(logW1));
    const w = new Float64Array(N).fill(1 / N);
    expect(Array.from(two.engine.paramGrad(theta2, w, new Float64Array(p)))).toEqual(Array.from(one.engine.paramGrad(theta2, w, new Float64Array(p))));
    // Negative control: a restore from other positions does not continue the same way.
    const other = Float64Array.from(saved.x);
    other[0]! += 1e-9;
    const three = pool(data, 0);
    three.engine.restore(other, saved.u, saved.g);
    three.engine.advance(foldIn(key, 11), theta, theta2, 0.1, null, null);
    expect(same(snapshot(three.engine), snapshot(two.engine))).toBe(false);
  });

  it('rejects ancestors of the wrong length or out of range, naming the argument', () => {
    const { theta, data, x } = problem(testKey('gmm-engine bad ancestors'));
    const fused = pool(data, 0);
    fused.engine.setPositions(theta, x);
    expect(() => fused.engine.resample(new Int32Array(N - 1))).toThrow(/ancestors must have length N = 600/);
    const bad = new Int32Array(N);
    bad[7] = N;
    expect(() => fused.engine.resample(bad)).toThrow(/ancestors\[7\] = 600 is not a walker index/);
    bad[7] = -1;
    expect(() => fused.engine.resample(bad)).toThrow(/ancestors\[7\] = -1/);
  });
});
