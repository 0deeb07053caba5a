/**
 * src/diffusion/finite — the module's guard against NaN propagation (DESIGN.md: never propagate NaN): every sampler
 * step checks the state it wrote, so a model that returns NaN/±∞ or a step size that makes the chain diverge fails at
 * the step where it happens, with the step named. Internal (not re-exported from index.ts).
 */

/** Throws unless buf[0..len) is finite: `${name}: ${what} has a non-finite value ${v} at index ${i} (${hint})`. */
export function checkFiniteState(name: string, what: string, buf: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const v = buf[i]!;
    if (v - v !== 0) {
      throw new RangeError(`${name}: ${what} has a non-finite value ${v} at index ${i} (the model output is not finite or the chain diverged)`);
    }
  }
}
