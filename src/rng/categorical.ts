/**
 * Categorical draws from non-negative weights (not necessarily normalized), by Walker's alias method in Vose's
 * numerically stable construction ("A linear algorithm for generating random numbers with a given distribution",
 * IEEE TSE 17(9), 1991): O(K) to build, O(1) per draw, one uniform double per draw.
 */
import type { Stream } from './stream.js';
import { uniform } from './uniform.js';

export interface AliasTable {
  /** Number of categories K. */
  readonly size: number;
  /** Probability of keeping column i (scaled to [0, 1]). */
  readonly keep: Float64Array;
  /** The category column i hands over to. */
  readonly alias: Int32Array;
}

/** Builds the alias table of `weights` (finite, ≥ 0, with a positive sum). */
export function aliasTable(weights: ArrayLike<number>): AliasTable {
  const k = weights.length;
  if (k === 0) throw new RangeError('weights must not be empty');
  let total = 0;
  for (let i = 0; i < k; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`weights[${i}] must be finite and ≥ 0, got ${w}`);
    total += w;
  }
  if (!(total > 0) || !Number.isFinite(total)) throw new RangeError(`weights must have a finite positive sum, got ${total}`);
  const keep = new Float64Array(k);
  const alias = new Int32Array(k);
  const scaled = new Float64Array(k);
  const small = new Int32Array(k);
  const large = new Int32Array(k);
  let ns = 0, nl = 0;
  for (let i = 0; i < k; i++) {
    scaled[i] = (weights[i]! * k) / total;
    if (scaled[i]! < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns]!;
    const l = large[--nl]!;
    keep[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    if (scaled[l]! < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  // What remains is 1 up to rounding.
  while (nl > 0) { const l = large[--nl]!; keep[l] = 1; alias[l] = l; }
  while (ns > 0) { const s = small[--ns]!; keep[s] = 1; alias[s] = s; }
  // A zero weight must never be drawn: its column keeps probability 0 and hands over to its alias.
  for (let i = 0; i < k; i++) if (weights[i] === 0 && alias[i] === i) keep[i] = 0;
  return { size: k, keep, alias };
}

/** One draw from an alias table. */
export function categorical(stream: Stream, table: AliasTable): number {
  const u = uniform(stream) * table.size;
  const column = Math.floor(u);
  return u - column < table.keep[column]! ? column : table.alias[column]!;
}

/** Fills `out` with independent draws from an alias table; returns out. */
export function categoricals(stream: Stream, table: AliasTable, out: Int32Array): Int32Array {
  for (let i = 0; i < out.length; i++) out[i] = categorical(stream, table);
  return out;
}
