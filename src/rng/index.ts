/**
 * src/rng — explicit, splittable randomness. Every function that draws takes a `Stream` as its first argument; streams
 * come from keys (`streamFromKey(foldIn(runKey, k))`), so a run resumed at iteration k draws what the uninterrupted
 * run drew. Nothing here reads a global generator.
 */
export { threefry2x32 } from './threefry.js';
export { type Key, keyFromSeed, foldIn, split, assertKey } from './key.js';
export { Stream, streamFromKey, streamFromState } from './stream.js';
export { uniform, uniformOpen, uniforms, uniformInt } from './uniform.js';
export { normal, normals } from './normal.js';
export { type AliasTable, aliasTable, categorical, categoricals } from './categorical.js';
