/**
 * Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
 * the counter-based block cipher that JAX's default PRNG is built on. ebm-ts uses it only to derive keys and to seed
 * streams, never in the hot path, so its cost (about 100 integer operations) does not matter.
 */

// Random123's rotation constants for the 2x32 variant.
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
// Skein key-schedule parity constant.
const PARITY = 0x1bd11bda;

/**
 * Encrypts the counter (c0, c1) under the key (k0, k1) and writes the two output words (as unsigned 32-bit values)
 * into out[0], out[1]. All inputs are taken modulo 2^32.
 */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array): Uint32Array {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = (PARITY ^ ks0 ^ ks1) | 0;
  const ks = [ks0, ks1, ks2];
  let x0 = (c0 + ks0) | 0;
  let x1 = (c1 + ks1) | 0;
  for (let r = 0; r < 20; r++) {
    const rot = ROTATIONS[r % 8]!;
    x0 = (x0 + x1) | 0;
    x1 = (x1 << rot) | (x1 >>> (32 - rot));
    x1 ^= x0;
    if (r % 4 === 3) {
      // Key injection s = (r + 1) / 4.
      const s = (r + 1) >> 2;
      x0 = (x0 + ks[s % 3]!) | 0;
      x1 = (x1 + ks[(s + 1) % 3]! + s) | 0;
    }
  }
  out[0] = x0;
  out[1] = x1;
  return out;
}
