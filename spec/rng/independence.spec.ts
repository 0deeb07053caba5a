/**
 * Independence of derived streams (src/rng/key.ts, streamFromKey). JAX-style derivation promises that per-iteration
 * streams streamFromKey(foldIn(key, k)), split children and the streams of neighbouring seeds behave as independent.
 * Layer A: no two derived streams share a state within their first 10⁴ outputs (exact). Layer B (α = 1e-6 each,
 * registered): the first draws across 5·10⁴ neighbouring keys are iid N(0, 1) (DKW, and Pearson's correlation of
 * neighbours through its exact t law), and 25 derived streams are pairwise uncorrelated (Bonferroni over 300 pairs).
 * Each has a negative control: a plausible wrong derivation that the same assertion rejects.
 */
import { describe, expect, it } from 'vitest';
import { Stream, foldIn, keyFromSeed, normal, normals, split, streamFromKey, uniformInt, type Key } from '../../src/rng/index.js';
import { testKey, testStream, describeSeed } from '../_support/seed.js';
import { alphaOf, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf, normalQuantile } from '../_support/stat.js';

/** Student-t quantile by the Cornish–Fisher expansion in 1/ν (error O(ν⁻⁴), far below 1e-9 for ν ≥ 10⁴). */
function tQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * (5 * z2 * z2 + 16 * z2 + 3)) / 96;
  const g3 = (z * (3 * z2 * z2 * z2 + 19 * z2 * z2 + 17 * z2 - 15)) / 384;
  return z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu);
}

/**
 * Pearson's r of n pairs and its t statistic r·√((n − 2)/(1 − r²)), which is exactly Student-t with n − 2 degrees of
 * freedom when x and y are independent normal samples. Returns whether |t| exceeds the two-sided threshold at α.
 */
function correlationRejects(x: ArrayLike<number>, y: ArrayLike<number>, alpha: number): { r: number; t: number; threshold: number; rejects: boolean } {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  const t = r * Math.sqrt((n - 2) / (1 - r * r));
  const threshold = tQuantile(1 - alpha / 2, n - 2);
  // NaN (a constant sample) or ±∞ (r = ±1) reject: such streams are certainly not independent normals.
  return { r, t, threshold, rejects: !(Math.abs(t) <= threshold) };
}

/** Even- and odd-indexed entries: disjoint neighbour pairs (x_{2k}, x_{2k+1}), so the pairs are iid under H0. */
function neighbourPairs(x: Float64Array): [Float64Array, Float64Array] {
  const h = x.length >> 1;
  const a = new Float64Array(h), b = new Float64Array(h);
  for (let k = 0; k < h; k++) { a[k] = x[2 * k]!; b[k] = x[2 * k + 1]!; }
  return [a, b];
}

type Family = { what: string; key: (k: number) => Key };
const N_FIRST = 50000;

/** The first normal draw of the stream of each of N keys of a family. */
function firstDraws(family: Family, stream: (key: Key) => Stream = streamFromKey): Float64Array {
  const x = new Float64Array(N_FIRST);
  for (let k = 0; k < N_FIRST; k++) x[k] = normal(stream(family.key(k)));
  return x;
}

describe('derived streams: Layer B', () => {
  it('first draws of the streams of 5·10⁴ neighbouring keys (foldIn k, split children, seeds s + k) are iid N(0, 1)', () => {
    const name = 'rng independence: first draws of neighbouring derived streams';
    const root = testKey(name);
    const base = uniformInt(testStream(name), 2 ** 52);
    const children = split(root, N_FIRST);
    const families: Family[] = [
      { what: 'foldIn(key, k)', key: (k) => foldIn(root, k) },
      { what: 'split(key, n)[k]', key: (k) => children[k]! },
      { what: 'keyFromSeed(s + k)', key: (k) => keyFromSeed(base + k) },
    ];
    const alpha = alphaOf(name) / 6; // two assertions for each of three families
    for (const f of families) {
      const x = firstDraws(f);
      expectCdfWithinDkw(name, x, normalCdf, { what: `first draws of ${f.what}`, k: 6 });
      const [a, b] = neighbourPairs(x);
      const c = correlationRejects(a, b, alpha);
      expect(c.rejects, `${f.what}: neighbours' correlation r = ${c.r}, |t| = ${Math.abs(c.t)} > ${c.threshold} (${describeSeed(name)})`).toBe(false);
    }
  });

  it('negative control: xoshiro seeded with the key words and fold-in by adding k fails the same DKW test', () => {
    const name = 'rng independence: negative control, unencrypted derivation';
    const root = testKey(name);
    const rawStream = (key: Key): Stream => new Stream([key[0], key[1], 0x9e3779b9, 0]);
    const x = firstDraws({ what: 'raw', key: (k) => [root[0], (root[1] + k) >>> 0] }, rawStream);
    expectCdfOutsideDkw(name, x, normalCdf, { what: 'first draws of unencrypted fold-in', k: 6 });
  });

  // 25 streams: the parent, 8 foldIn children, 8 split children, 8 neighbouring seeds' streams.
  const derivedStreams = (name: string): Stream[] => {
    const root = testKey(name);
    const base = uniformInt(testStream(name), 2 ** 52);
    return [
      streamFromKey(root),
      ...Array.from({ length: 8 }, (_, k) => streamFromKey(foldIn(root, k))),
      ...split(root, 8).map(streamFromKey),
      ...Array.from({ length: 8 }, (_, k) => streamFromKey(keyFromSeed(base + k))),
    ];
  };
  const pairwise = (streams: Stream[], alpha: number): { worst: number; rejected: number; pairs: number } => {
    const n = 20000;
    const draws = streams.map((s) => normals(s, new Float64Array(n)));
    const pairs = (streams.length * (streams.length - 1)) / 2;
    let worst = 0, rejected = 0;
    for (let i = 0; i < draws.length; i++) {
      for (let j = i + 1; j < draws.length; j++) {
        const c = correlationRejects(draws[i]!, draws[j]!, alpha / pairs);
        worst = Math.max(worst, Number.isNaN(c.t) ? Infinity : Math.abs(c.t) / c.threshold);
        if (c.rejects) rejected++;
      }
    }
    return { worst, rejected, pairs };
  };

  it('25 derived streams (parent, foldIn, split, neighbouring seeds): 2·10⁴ normal draws each, pairwise uncorrelated (300 pairs)', () => {
    const name = 'rng independence: pairwise correlation of derived streams';
    const res = pairwise(derivedStreams(name), alphaOf(name));
    expect(res.pairs).toBe(300);
    expect(res.rejected, `largest |t|/threshold ${res.worst} (${describeSeed(name)})`).toBe(0);
  });

  it('negative control: a derivation that reuses the key (foldIn ignoring k) fails the same pairwise test', () => {
    const name = 'rng independence: negative control, reused key';
    const root = testKey(name);
    const streams = [streamFromKey(root), ...Array.from({ length: 24 }, (_, k) => streamFromKey(k < 8 ? foldIn(root, k) : root))];
    expect(pairwise(streams, alphaOf(name)).rejected).toBeGreaterThan(0);
  });
});

/**
 * Whether any state repeats among the first `steps` outputs of the streams (exact): a 53-bit fingerprint of the state
 * indexes the positions, and every fingerprint hit is confirmed on all four words.
 */
function findOverlap(streams: Stream[], steps: number): string | undefined {
  const words = new Int32Array(streams.length * steps * 4);
  const seen = new Map<number, number>();
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i]!.clone();
    for (let t = 0; t < steps; t++) {
      const p = i * steps + t;
      words.set(s.state, 4 * p);
      const fp = (s.state[0]! >>> 0) * 2 ** 21 + (s.state[1]! >>> 11);
      const q = seen.get(fp);
      if (q !== undefined && words[4 * q + 2] === s.state[2] && words[4 * q + 3] === s.state[3] && words[4 * q + 1] === s.state[1]) {
        return `stream ${i} step ${t} repeats stream ${Math.floor(q / steps)} step ${q % steps}`;
      }
      seen.set(fp, p);
      s.next();
    }
  }
  return undefined;
}

describe('derived streams: Layer A', () => {
  it('no two of 25 derived streams share a state within their first 10⁴ outputs (exact)', () => {
    const root = testKey('independence: no overlap');
    const streams = [
      streamFromKey(root),
      ...Array.from({ length: 8 }, (_, k) => streamFromKey(foldIn(root, k))),
      ...split(root, 8).map(streamFromKey),
      ...Array.from({ length: 8 }, (_, k) => streamFromKey(keyFromSeed(k))),
    ];
    expect(findOverlap(streams, 10000)).toBeUndefined();
  });

  it('negative control: children made by advancing the parent k words overlap, and are found', () => {
    const parent = testStream('independence: overlap control');
    const streams = Array.from({ length: 8 }, (_, k) => {
      const c = parent.clone();
      for (let i = 0; i < 1000 * k; i++) c.next();
      return c;
    });
    expect(findOverlap(streams, 10000)).toMatch(/stream 1 step 0 repeats stream 0 step 1000/);
  });
});
