/** Shared generators for spec/physics. */
import { uniform, type Stream } from '../../src/rng/index.js';

/** A random symmetric zero-diagonal J (entries in (−1, 1)) and h. */
export function randomCouplings(s: Stream, n: number): { J: Float64Array; h: Float64Array } {
  const J = new Float64Array(n * n), h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    h[i] = 2 * uniform(s) - 1;
    for (let j = i + 1; j < n; j++) { const v = 2 * uniform(s) - 1; J[i * n + j] = v; J[j * n + i] = v; }
  }
  return { J, h };
}
