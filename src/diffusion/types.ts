/**
 * src/diffusion/types — the model contracts of the diffusion module (003 "Training/Sampling of DDPM", NCSN; 001 §3.3
 * reverse SDE, stochastic interpolants). A model is a plain function over a row-major batch x (n×d, explicit n) that
 * writes its n×d prediction into `out` and returns `out`; it never mutates x. The dimension d is fixed by the model and
 * recovered as x.length / n by callers that need it. Neural (tfjs) models and the exact oracles of `exact.ts` share
 * these types, so every sampler and loss here runs on either.
 */

/** ε-predictor ε̂(x_t, t) for a batch x (n×d row-major), t an integer step in 1..T; writes n×d into out. */
export type EpsilonModel = (x: Float64Array, n: number, t: number, out: Float64Array) => Float64Array;

/** score model s(x, σ) ≈ ∇ log p_σ(x) for noise level σ (NCSN) or s(x, t) for continuous t (SDEs); writes n×d. */
export type ScoreModel = (x: Float64Array, n: number, level: number, out: Float64Array) => Float64Array;

/** velocity model b(t, x) for interpolants / probability-flow ODEs; writes n×d. */
export type VelocityModel = (x: Float64Array, n: number, t: number, out: Float64Array) => Float64Array;

/** x₀-predictor x̂₀(x_t, t) (the "data" parameterisation of DDPM), t an integer step in 1..T; writes n×d. */
export type X0Model = (x: Float64Array, n: number, t: number, out: Float64Array) => Float64Array;

/** Conditional ε-predictor ε̂(x_t, t, y) for a class label y (an integer ≥ 0) or y = null (the empty label ∅). */
export type ConditionalEpsilonModel = (
  x: Float64Array,
  n: number,
  t: number,
  y: number | null,
  out: Float64Array,
) => Float64Array;

/** ∇ₓ log p(y | x_t) of a classifier on noisy samples at step t (003 classifier guidance); writes n×d. */
export type ClassifierGradient = (x: Float64Array, n: number, t: number, y: number, out: Float64Array) => Float64Array;

/** Drift f(x, t) of a forward SDE dx = f(x, t) dt + g(t) dw (003 "SDE basics", 001 (3.24)); writes n×d. */
export type Drift = (x: Float64Array, n: number, t: number, out: Float64Array) => Float64Array;

/** Scalar diffusion coefficient g(t) of a forward SDE. */
export type Diffusion = (t: number) => number;
