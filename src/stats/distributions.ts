/**
 * Distribution functions and the bounds that calibrated tests are built on (TESTING.md, Layer B): the normal CDF and
 * quantile, erfc to double precision (W. J. Cody's rational approximations), log Γ, the regularized incomplete gamma
 * and the chi-square CDF and quantile, one- and two-sample Kolmogorov–Smirnov statistics with the asymptotic
 * Kolmogorov tail, DKW bands, exact binomial acceptance intervals and median of means.
 */

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631–637; the
// coefficients of his CALERF (SPECFUN), relative error below 1e-16 on each interval.
const ERF_A = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const ERF_B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const ERF_C = [5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2,
  8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8];
const ERF_D = [1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
  3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3];
const ERF_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
  6.58749161529837803e-4, 1.63153871373020978e-2];
const ERF_Q = [2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2,
  2.33520497626869185e-3];
const INV_SQRT_PI = 0.5641895835477562869;

/** erf(x) for |x| ≤ 0.46875 (Cody's first interval). */
function erfSmall(x: number): number {
  const z = x * x;
  let num = ERF_A[4]! * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + ERF_A[i]!) * z;
    den = (den + ERF_B[i]!) * z;
  }
  return (x * (num + ERF_A[3]!)) / (den + ERF_B[3]!);
}

/** erfc(y) for y > 0.46875 (Cody's second and third intervals). */
function erfcLarge(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = ERF_C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERF_C[i]!) * y;
      den = (den + ERF_D[i]!) * y;
    }
    r = (num + ERF_C[7]!) / (den + ERF_D[7]!);
  } else {
    if (y >= 26.6) return 0; // below the smallest subnormal
    const z = 1 / (y * y);
    let num = ERF_P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERF_P[i]!) * z;
      den = (den + ERF_Q[i]!) * z;
    }
    r = (INV_SQRT_PI - (z * (num + ERF_P[4]!)) / (den + ERF_Q[4]!)) / y;
  }
  // e^{−y²} split as e^{−s²}·e^{−(y−s)(y+s)} with s = y rounded to 1/16, so that y² is not rounded (Cody).
  const s = Math.trunc(y * 16) / 16;
  return Math.exp(-s * s) * Math.exp(-(y - s) * (y + s)) * r;
}

/** The complementary error function, to about 1e-16 relative error (Cody's CALERF). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/** The error function, to about 1e-16 relative error. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = 1 - erfcLarge(y);
  return x < 0 ? -r : r;
}

/** Standard normal CDF Φ(x) = ½ erfc(−x/√2), accurate in the lower tail too. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step on Φ (|error| ≲ 1e-15). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // Halley refinement of Φ(x) − p; for p > ½ it is computed as (1 − p) − Φ(−x), without cancellation in Φ.
  const e = p > 0.5 ? (1 - p) - normalCdf(-x) : normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The two-sided z threshold for false-failure probability α: Φ⁻¹(1 − α/2) (4.8916 at α = 1e-6). */
export function zFor(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return -normalQuantile(alpha / 2);
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log |Γ(x)| (Lanczos, g = 7, n = 9; relative error ~1e-15; reflection for x < ½). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), a > 0, x ≥ 0: the power series for x < a + 1, the
 * Legendre continued fraction (modified Lentz) for Q = 1 − P otherwise (Numerical Recipes §6.2), each to ~1e-15.
 */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** The regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), without cancellation in the upper tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`a must be finite and > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`x must be ≥ 0, got ${x}`);
}

function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let k = 1; k < 10000; k++) {
    term *= x / (a + k);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** The chi-square CDF with k > 0 degrees of freedom: P(k/2, x/2). */
export function chiSquareCdf(x: number, k: number): number {
  if (!(k > 0)) throw new RangeError(`degrees of freedom k must be > 0, got ${k}`);
  return x <= 0 ? 0 : regularizedGammaP(k / 2, x / 2);
}

/**
 * The chi-square quantile: the x with P(χ²_k ≤ x) = p, by bisection on the CDF (or on the upper tail Q for p > ½, so
 * that small upper-tail probabilities keep their relative accuracy) to full double precision.
 */
export function chiSquareQuantile(p: number, k: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`degrees of freedom k must be finite and > 0, got ${k}`);
  const upper = p > 0.5;
  const target = upper ? 1 - p : p;
  const tail = (x: number): number => (upper ? regularizedGammaQ(k / 2, x / 2) : regularizedGammaP(k / 2, x / 2));
  let lo = 0;
  let hi = Math.max(1, k);
  while ((upper ? tail(hi) > target : tail(hi) < target)) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    const below = upper ? tail(mid) > target : tail(mid) < target;
    if (below) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** DKW: with n iid draws, P(sup|F_n − F| > ε) ≤ 2 e^{−2nε²}; the ε for false-failure probability α. */
export function dkwEpsilon(n: number, alpha: number): number {
  if (!(n >= 1)) throw new RangeError(`n must be ≥ 1, got ${n}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** The number of draws for which the DKW band at α is ε: n = ⌈ln(2/α)/(2ε²)⌉. */
export function dkwSampleSize(epsilon: number, alpha: number): number {
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return Math.ceil(Math.log(2 / alpha) / (2 * epsilon * epsilon));
}

/** sup_x |F_n(x) − F(x)| of the empirical CDF of `samples` against a continuous CDF (sorts a copy). */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  if (n === 0) throw new RangeError('samples must not be empty');
  let sup = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    sup = Math.max(sup, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return sup;
}

/** The two-sample statistic sup_x |F_a(x) − G_b(x)| of two empirical CDFs (sorts copies; ties handled jointly). */
export function ksTwoSampleStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n = x.length, m = y.length;
  if (n === 0 || m === 0) throw new RangeError('both samples must be non-empty');
  let i = 0, j = 0, sup = 0;
  while (i < n && j < m) {
    // Step past every copy of the smaller value in both samples before comparing: the CDFs jump together at ties.
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    sup = Math.max(sup, Math.abs(i / n - j / m));
  }
  return sup;
}

/**
 * The Kolmogorov distribution's upper tail Q(λ) = P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}; for λ < 1.18 the
 * Jacobi-transformed series 1 − (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)} converges faster. √n·D_n → K under H₀.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) throw new RangeError('lambda must not be NaN');
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const w = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k < 20; k++) s += Math.exp(-(2 * k - 1) * (2 * k - 1) * w);
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * s;
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const t = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 ? t : -t;
    if (t < 1e-300) break;
  }
  return 2 * s;
}

/**
 * The asymptotic p-value of a KS statistic D from n draws (one sample) or with n = n_a n_b/(n_a + n_b) (two samples),
 * with Stephens' finite-n correction λ = (√n + 0.12 + 0.11/√n) D (Numerical Recipes §14.3).
 */
export function ksPValue(d: number, n: number): number {
  if (!(d >= 0 && d <= 1)) throw new RangeError(`d must be in [0, 1], got ${d}`);
  if (!(n > 0)) throw new RangeError(`n must be > 0, got ${n}`);
  const r = Math.sqrt(n);
  return kolmogorovSurvival((r + 0.12 + 0.11 / r) * d);
}

/** log of the Binomial(n, p) pmf at k. */
export function logBinomialPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** The central acceptance interval [lo, hi] of Binomial(n, p) with each tail ≤ α/2 (exact summation). */
export function binomialInterval(n: number, p: number, alpha: number): [number, number] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (p === 0) return [0, 0];
  if (p === 1) return [n, n];
  let lo = 0, tail = 0;
  while (lo <= n) {
    const next = tail + Math.exp(logBinomialPmf(lo, n, p));
    if (next > alpha / 2) break;
    tail = next;
    lo++;
  }
  let hi = n;
  tail = 0;
  while (hi >= 0) {
    const next = tail + Math.exp(logBinomialPmf(hi, n, p));
    if (next > alpha / 2) break;
    tail = next;
    hi--;
  }
  return [lo, hi];
}

/**
 * Median of means: split the first groups·m values (m = ⌊length/groups⌋) into `groups` consecutive groups and return
 * the median of the group means. Each group mean lies within 2σ/√m of the truth with probability ≥ 3/4 (Chebyshev),
 * so the median is off by more only if half the groups are: probability ≤ e^{−groups/8} (Hoeffding).
 */
export function medianOfMeans(values: ArrayLike<number>, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`groups must be a positive integer, got ${groups}`);
  const m = Math.floor(values.length / groups);
  if (m < 1) throw new RangeError(`medianOfMeans: ${values.length} values cannot fill ${groups} groups`);
  const means = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += values[g * m + i]!;
    means[g] = s / m;
  }
  means.sort();
  return groups % 2 ? means[(groups - 1) / 2]! : 0.5 * (means[groups / 2 - 1]! + means[groups / 2]!);
}

/** The number of groups for median of means at false-failure probability α: ⌈8 ln(1/α)⌉ (111 at 1e-6). */
export function medianOfMeansGroups(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return Math.ceil(8 * Math.log(1 / alpha));
}
