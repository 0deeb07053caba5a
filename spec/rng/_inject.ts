/**
 * Noise injection for Layer-A tests of src/rng: a xoshiro128** stream whose first four outputs are chosen words.
 *
 * The output rotl(s1·5, 7)·9 depends on s1 alone and is a bijection of it, and four consecutive s1 values determine
 * the whole state (the update is linear over GF(2)), so any four outputs except (0, 0, 0, 0) — which only the
 * forbidden all-zero state produces — come from exactly one state. After the four chosen words the stream continues
 * as xoshiro128** from that state; with random chosen words that state is uniformly random.
 */
import { Stream } from '../../src/rng/stream.js';

const INV9 = 0x38e38e39; // 9⁻¹ mod 2^32
const INV5 = 0xcccccccd; // 5⁻¹ mod 2^32

/** The s1 that makes the next output equal `word` (any 32-bit integer, signed or unsigned). */
function s1ForOutput(word: number): number {
  const m = Math.imul(word | 0, INV9); // rotl(s1·5, 7)
  return Math.imul((m >>> 7) | (m << 25), INV5);
}

/**
 * The state whose next four outputs are `words`. From s1' = s0 ⊕ s1 ⊕ s2 (one step of the update) and its next two
 * iterates: b1 ⊕ b0 = s0 ⊕ s2, b2 ⊕ b1 ⊕ b0 ⊕ (b0 ≪ 9) = s3 ⊕ s2, and rotl(s3 ⊕ b0, 11) from b3.
 */
export function stateForOutputs(words: readonly [number, number, number, number]): [number, number, number, number] {
  const b0 = s1ForOutput(words[0]);
  const b1 = s1ForOutput(words[1]);
  const b2 = s1ForOutput(words[2]);
  const b3 = s1ForOutput(words[3]);
  const a0c0 = b1 ^ b0; // s0 ⊕ s2
  const d0c0 = b2 ^ b1 ^ b0 ^ (b0 << 9); // s3 ⊕ s2
  const r = b3 ^ b2 ^ b0 ^ (b0 << 9) ^ (b1 << 9); // rotl(s3 ⊕ s1, 11)
  const d0 = ((r >>> 11) | (r << 21)) ^ b0;
  const c0 = d0c0 ^ d0;
  const a0 = a0c0 ^ c0;
  return [a0 >>> 0, b0 >>> 0, c0 >>> 0, d0 >>> 0];
}

/** A stream whose next four outputs are `words` (as 32-bit integers). */
export function streamWithOutputs(words: readonly [number, number, number, number]): Stream {
  return new Stream(stateForOutputs(words));
}
