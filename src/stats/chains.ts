/**
 * Error bars for Markov-chain averages (000 §2.1: MCMC replaces the iid draws of (11) by a correlated chain, so the
 * variance D f/n of (11) becomes τ D f/n). Estimators here:
 * - batch means: the spread of means of a consecutive batches of length b estimates Var(x̄) without modelling τ;
 * - the integrated autocorrelation time τ = 1 + 2 Σ_{t≥1} ρ(t) with Sokal's automatic window (A. Sokal, "Monte Carlo
 *   methods in statistical mechanics", 1997, §3: the smallest M with M ≥ c·τ̂(M), c = 5 by default), and the
 *   effective sample size n/τ. Autocovariances are computed directly, O(n·M), lag by lag until the window closes, so
 *   the cost stays O(n·cτ) without an FFT. Sokal's asymptotic variance Var τ̂ ≈ 2(2M + 1)τ²/n comes with the result.
 *   Sokal's window was chosen over Geyer's initial sequences because it has this variance formula, which the tests
 *   use to derive their tolerance.
 * - several chains (e.g. the per-walker chains of a batch, stored step-major): the autocovariances of the chains are
 *   pooled with Stan's between/within-chain combination ρ_t = 1 − (W − γ̄_t)/var⁺ (Gelman et al., BDA3 §11.5),
 *   which also corrects the bias from subtracting each chain's own mean, then windowed as above.
 */

/** The result of an autocorrelation-time estimate. */
export interface AutocorrelationTime {
  /** The integrated autocorrelation time τ̂ = 1 + 2 Σ_{t=1}^{M} ρ̂(t) (τ = 1 for iid draws). */
  tau: number;
  /** The window M where the sum was cut. */
  window: number;
  /** The effective sample size (number of draws)/τ̂. */
  ess: number;
  /** Whether the window closed (M ≥ c·τ̂(M)) before maxLag; if false, τ̂ is a lower estimate and the chain is too short. */
  converged: boolean;
  /** Sokal's asymptotic standard error of τ̂: τ̂·√(2(2M + 1)/N), N the number of draws. */
  tauStandardError: number;
}

/** Options of the autocorrelation-time estimators. */
export interface AutocorrelationOptions {
  /** Sokal's window constant c (default 5). */
  c?: number;
  /** The largest lag considered (default ⌊n/2⌋ − 1 … see each function). */
  maxLag?: number;
}

function checkChain(x: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer ≥ 2, got ${n}`);
  if (x.length < n) throw new RangeError(`x must have length ≥ n = ${n}, got ${x.length}`);
}

function windowOptions(opts: AutocorrelationOptions, defaultMaxLag: number): { c: number; maxLag: number } {
  const c = opts.c ?? 5;
  if (!(c > 0) || !Number.isFinite(c)) throw new RangeError(`c must be finite and > 0, got ${c}`);
  const maxLag = opts.maxLag ?? defaultMaxLag;
  if (!Number.isInteger(maxLag) || maxLag < 1) throw new RangeError(`maxLag must be a positive integer, got ${maxLag}`);
  return { c, maxLag };
}

/** γ̂(t) = (1/n) Σ_{i<n−t} (x_i − m)(x_{i+t} − m) at one lag, for entries x[offset + i·stride]. */
function lagProduct(x: ArrayLike<number>, n: number, m: number, t: number, offset: number, stride: number): number {
  let s = 0;
  for (let i = 0, k = offset, kt = offset + t * stride; i < n - t; i++, k += stride, kt += stride) s += (x[k]! - m) * (x[kt]! - m);
  return s / n;
}

/** The autocovariances γ̂(0 … maxLag) of a scalar chain around its mean, normalized by n (positive semidefinite). */
export function autocovariance(x: ArrayLike<number>, n = x.length, maxLag = n - 1, out: Float64Array = new Float64Array(maxLag + 1)): Float64Array {
  checkChain(x, n);
  if (!Number.isInteger(maxLag) || maxLag < 0 || maxLag >= n) throw new RangeError(`maxLag must be an integer in [0, n − 1], got ${maxLag}`);
  if (out.length < maxLag + 1) throw new RangeError(`out must have length ≥ maxLag + 1 = ${maxLag + 1}, got ${out.length}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  for (let t = 0; t <= maxLag; t++) out[t] = lagProduct(x, n, m, t, 0, 1);
  return out;
}

/** Sokal's automatic window over autocorrelations given lag by lag; returns [τ̂, M, converged]. */
function sokalWindow(rho: (t: number) => number, c: number, maxLag: number): [number, number, boolean] {
  let tau = 1;
  for (let t = 1; t <= maxLag; t++) {
    tau += 2 * rho(t);
    if (t >= c * tau) return [tau, t, true];
  }
  return [tau, maxLag, false];
}

/**
 * The integrated autocorrelation time of a scalar chain x[0 … n − 1] with Sokal's automatic window, the effective
 * sample size n/τ̂ and Sokal's standard error of τ̂. A constant chain has no defined τ: RangeError.
 */
export function integratedAutocorrelationTime(x: ArrayLike<number>, n = x.length, opts: AutocorrelationOptions = {}): AutocorrelationTime {
  checkChain(x, n);
  const { c, maxLag } = windowOptions(opts, Math.max(1, Math.floor(n / 2) - 1));
  if (maxLag >= n) throw new RangeError(`maxLag must be < n = ${n}, got ${maxLag}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  const g0 = lagProduct(x, n, m, 0, 0, 1);
  if (!(g0 > 0)) throw new RangeError(`x: the chain must have positive variance (got γ(0) = ${g0})`);
  const [tau, window, converged] = sokalWindow((t) => lagProduct(x, n, m, t, 0, 1) / g0, c, maxLag);
  return { tau, window, ess: n / tau, converged, tauStandardError: tau * Math.sqrt((2 * (2 * window + 1)) / n) };
}

/** The effective sample size n/τ̂ of a scalar chain (Sokal's window; see `integratedAutocorrelationTime`). */
export function effectiveSampleSize(x: ArrayLike<number>, n = x.length, opts: AutocorrelationOptions = {}): number {
  return integratedAutocorrelationTime(x, n, opts).ess;
}

/**
 * τ̂ and the ESS of m chains of T steps stored step-major, x[t·m + j] = step t of chain j (the layout of recording one
 * per-walker scalar per iteration). Pools autocovariances with Stan's combination: W the mean within-chain variance,
 * var⁺ = (T − 1)/T·W + B/T with B/T the variance of the chain means, ρ̂_t = 1 − (W − γ̄_t)/var⁺; then Sokal's window.
 * ESS = mT/τ̂. Chains that disagree (not mixed) inflate var⁺ and so τ̂. Allocates two length-m arrays.
 */
export function multiChainAutocorrelationTime(x: ArrayLike<number>, steps: number, chains: number, opts: AutocorrelationOptions = {}): AutocorrelationTime {
  if (!Number.isInteger(steps) || steps < 4) throw new RangeError(`steps must be an integer ≥ 4, got ${steps}`);
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`chains must be a positive integer, got ${chains}`);
  if (x.length < steps * chains) throw new RangeError(`x must have length ≥ steps·chains = ${steps * chains}, got ${x.length}`);
  const { c, maxLag } = windowOptions(opts, Math.floor(steps / 2) - 1);
  if (maxLag >= steps) throw new RangeError(`maxLag must be < steps = ${steps}, got ${maxLag}`);
  const T = steps, m = chains;
  const means = new Float64Array(m);
  for (let t = 0; t < T; t++) for (let j = 0; j < m; j++) means[j] = means[j]! + x[t * m + j]!;
  for (let j = 0; j < m; j++) means[j] = means[j]! / T;
  const pooled = (t: number): number => {
    let s = 0;
    for (let j = 0; j < m; j++) s += lagProduct(x, T, means[j]!, t, j, m);
    return s / m;
  };
  const w = (pooled(0) * T) / (T - 1); // mean unbiased within-chain variance
  let between = 0;
  if (m > 1) {
    let grand = 0;
    for (let j = 0; j < m; j++) grand += means[j]!;
    grand /= m;
    for (let j = 0; j < m; j++) between += (means[j]! - grand) ** 2;
    between /= m - 1; // B/T in BDA3's notation
  }
  const varPlus = ((T - 1) / T) * w + between;
  if (!(varPlus > 0)) throw new RangeError('x: the chains must have positive variance');
  const [tau, window, converged] = sokalWindow((t) => 1 - (w - pooled(t)) / varPlus, c, maxLag);
  const N = T * m;
  return { tau, window, ess: N / tau, converged, tauStandardError: tau * Math.sqrt((2 * (2 * window + 1)) / N) };
}

/**
 * The batch-means standard error of the mean of a chain: split the first a·b entries (b = ⌊n/a⌋) into a consecutive
 * batches, SE² = Σ_j (ȳ_j − ȳ)²/(a(a − 1)). Consistent when b ≫ τ; a = ⌊√n⌋ by default.
 */
export function batchMeansStandardError(x: ArrayLike<number>, n = x.length, batches = Math.floor(Math.sqrt(n))): number {
  checkChain(x, n);
  if (!Number.isInteger(batches) || batches < 2 || batches > n) {
    throw new RangeError(`batches must be an integer in [2, n = ${n}], got ${batches}`);
  }
  const a = batches;
  const b = Math.floor(n / a);
  let grand = 0;
  let ss = 0;
  // Welford over batch means: no array of means needed.
  for (let j = 0; j < a; j++) {
    let s = 0;
    for (let i = j * b, end = i + b; i < end; i++) s += x[i]!;
    const y = s / b;
    const delta = y - grand;
    grand += delta / (j + 1);
    ss += delta * (y - grand);
  }
  return Math.sqrt(ss / (a * (a - 1)));
}
