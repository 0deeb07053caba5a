/**
 * The Jarzynski weight update of 004 §3.1, Proposition 1, in the paper's letters. Walkers move by ULA,
 *
 *   X_{k+1} = X_k − h ∇U_θk(X_k) + √(2h) ξ_k,                                                          004 (5)
 *
 * and carry log-weights A_k updated by
 *
 *   A_{k+1} = A_k − α_{k+1}(X_{k+1}, X_k) + α_k(X_k, X_{k+1}),                                          004 (5)
 *   α_k(x, y) = U_θk(x) + ½ (y − x)·∇U_θk(x) + ¼ h |∇U_θk(x)|²,                                        004 (6)
 *
 * so that E[e^{A_k}] = Z_θk/Z_θ0 and E[f(X_k) e^{A_k}]/E[e^{A_k}] = E_θk[f] for any h (004 (7), App. A.2): the weights
 * correct both the lag of the walkers behind θ_k and ULA's discretization bias.
 *
 * Everything here works on per-walker quantities a trainer already has: U_θk(X_k) and ∇U_θk(X_k) are cached from the
 * previous step (the ULA move needs ∇U_θk(X_k)), and U_θk+1(X_{k+1}), ∇U_θk+1(X_{k+1}) are what the next move needs,
 * so the update costs no extra model evaluation. Three algebraically equal forms:
 *
 * - `jarzynskiIncrementLiteral`: (5)-(6) as written, from both positions and both gradients;
 * - `jarzynskiIncrement`: with s = ∇U_θk(X_k) + ∇U_θk+1(X_{k+1}) and X_{k+1} − X_k = −h∇U_θk(X_k) + √(2h) ξ_k,
 *     A_{k+1} − A_k = U_θk(X_k) − U_θk+1(X_{k+1}) − (h/4)|s|² + √(h/2) ξ_k·s,
 *   one pass over d reading ξ and the two gradients (expand ½(y − x)·(g_k + g_{k+1}) + ¼h(|g_k|² − |g_{k+1}|²));
 * - `jarzynskiIncrementFromScalars`: the same from the per-walker scalars ξ·s and |s|², for backends (tfjs) that
 *   reduce over d themselves.
 *
 * The paper's public code updates x in place after `xo = x` (an alias, not a copy), so it evaluates both α terms at the
 * new positions, α_{k+1}(X_{k+1}, X_{k+1}) and α_k(X_{k+1}, X_{k+1}); this module follows (6) (DESIGN.md;
 * spec/smc/jarzynski.spec.ts shows the difference).
 *
 * Frozen walkers of Algorithm 2 (004 App. A.3, line 14) do not move and get A_{k+1} = A_k + U_θk(X) − U_θk+1(X):
 * `frozenWalkerIncrement`.
 */
import { checkStepSize } from '../samplers/types.js';

function checkScalars(n: number, arrays: readonly (readonly [string, Float64Array, number])[]): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  for (const [name, a, per] of arrays) {
    if (a.length < n * per) throw new RangeError(`${name} must hold ${n * per} values (${per === 1 ? 'n' : `n·d = ${n}·${per}`}), got ${a.length}`);
  }
}

/**
 * α_k(x_i, y_i) of 004 (6) for n walkers: out[i] = u[i] + ½ (y_i − x_i)·grad_i + ¼ h |grad_i|², where u and grad are
 * U_θk and ∇U_θk at x. Returns out.
 */
export function jarzynskiAlpha(
  h: number, n: number, d: number,
  x: Float64Array, y: Float64Array, u: Float64Array, grad: Float64Array, out: Float64Array,
): Float64Array {
  checkStepSize('h', h);
  checkScalars(n, [['x', x, d], ['y', y, d], ['u', u, 1], ['grad', grad, d], ['out', out, 1]]);
  for (let i = 0; i < n; i++) {
    let dot = 0, sq = 0;
    for (let j = i * d, end = j + d; j < end; j++) {
      const g = grad[j]!;
      dot += (y[j]! - x[j]!) * g;
      sq += g * g;
    }
    out[i] = u[i]! + 0.5 * dot + 0.25 * h * sq; // 004 (6)
  }
  return out;
}

/**
 * 004 (5) second line as written: out[i] = logW[i] − α_{k+1}(X_{k+1}, X_k) + α_k(X_k, X_{k+1}), with
 * uOld, gradOld = U_θk, ∇U_θk at xOld = X_k and uNew, gradNew = U_θk+1, ∇U_θk+1 at xNew = X_{k+1}.
 * out may alias logW. Returns out.
 */
export function jarzynskiIncrementLiteral(
  h: number, n: number, d: number,
  xOld: Float64Array, uOld: Float64Array, gradOld: Float64Array,
  xNew: Float64Array, uNew: Float64Array, gradNew: Float64Array,
  logW: Float64Array, out: Float64Array,
): Float64Array {
  checkStepSize('h', h);
  checkScalars(n, [['xOld', xOld, d], ['uOld', uOld, 1], ['gradOld', gradOld, d], ['xNew', xNew, d], ['uNew', uNew, 1],
    ['gradNew', gradNew, d], ['logW', logW, 1], ['out', out, 1]]);
  for (let i = 0; i < n; i++) {
    let dotOld = 0, sqOld = 0, dotNew = 0, sqNew = 0;
    for (let j = i * d, end = j + d; j < end; j++) {
      const go = gradOld[j]!, gn = gradNew[j]!;
      const dx = xNew[j]! - xOld[j]!;
      dotOld += dx * go; // (y − x)·∇U_θk(x) with x = X_k, y = X_{k+1}
      sqOld += go * go;
      dotNew -= dx * gn; // (y − x)·∇U_θk+1(x) with x = X_{k+1}, y = X_k
      sqNew += gn * gn;
    }
    const alphaOld = uOld[i]! + 0.5 * dotOld + 0.25 * h * sqOld; // α_k(X_k, X_{k+1}), 004 (6)
    const alphaNew = uNew[i]! + 0.5 * dotNew + 0.25 * h * sqNew; // α_{k+1}(X_{k+1}, X_k), 004 (6)
    out[i] = logW[i]! - alphaNew + alphaOld; // 004 (5)
  }
  return out;
}

/**
 * 004 (5)-(6) in one pass over d, from the ULA noise ξ_k (n×d) that moved the walkers:
 * out[i] = logW[i] + uOld[i] − uNew[i] − (h/4)|s_i|² + √(h/2) ξ_i·s_i, s_i = gradOld_i + gradNew_i (module comment).
 * out may alias logW. Returns out.
 */
export function jarzynskiIncrement(
  h: number, n: number, d: number,
  noise: Float64Array, uOld: Float64Array, gradOld: Float64Array, uNew: Float64Array, gradNew: Float64Array,
  logW: Float64Array, out: Float64Array,
): Float64Array {
  checkStepSize('h', h);
  checkScalars(n, [['noise', noise, d], ['uOld', uOld, 1], ['gradOld', gradOld, d], ['uNew', uNew, 1],
    ['gradNew', gradNew, d], ['logW', logW, 1], ['out', out, 1]]);
  const a = 0.25 * h, b = Math.sqrt(0.5 * h);
  for (let i = 0; i < n; i++) {
    let xs = 0, ss = 0;
    for (let j = i * d, end = j + d; j < end; j++) {
      const s = gradOld[j]! + gradNew[j]!;
      xs += noise[j]! * s;
      ss += s * s;
    }
    out[i] = logW[i]! + uOld[i]! - uNew[i]! - a * ss + b * xs;
  }
  return out;
}

/**
 * The same update from per-walker scalars: noiseDotSum[i] = ξ_i·s_i and sumSquaredNorm[i] = |s_i|², with
 * s_i = ∇U_θk(X_k^i) + ∇U_θk+1(X_{k+1}^i). out may alias logW. Returns out.
 */
export function jarzynskiIncrementFromScalars(
  h: number, n: number,
  uOld: Float64Array, uNew: Float64Array, noiseDotSum: Float64Array, sumSquaredNorm: Float64Array,
  logW: Float64Array, out: Float64Array,
): Float64Array {
  checkStepSize('h', h);
  checkScalars(n, [['uOld', uOld, 1], ['uNew', uNew, 1], ['noiseDotSum', noiseDotSum, 1],
    ['sumSquaredNorm', sumSquaredNorm, 1], ['logW', logW, 1], ['out', out, 1]]);
  const a = 0.25 * h, b = Math.sqrt(0.5 * h);
  for (let i = 0; i < n; i++) out[i] = logW[i]! + uOld[i]! - uNew[i]! - a * sumSquaredNorm[i]! + b * noiseDotSum[i]!;
  return out;
}

/**
 * 004 Alg. 2 line 14: walkers outside the mini-batch stay put and get A_{k+1} = A_k − U_θk+1(X) + U_θk(X), with
 * uOld = U_θk(X), uNew = U_θk+1(X) at the same positions. out may alias logW. Returns out.
 */
export function frozenWalkerIncrement(
  n: number, uOld: Float64Array, uNew: Float64Array, logW: Float64Array, out: Float64Array,
): Float64Array {
  checkScalars(n, [['uOld', uOld, 1], ['uNew', uNew, 1], ['logW', logW, 1], ['out', out, 1]]);
  for (let i = 0; i < n; i++) out[i] = logW[i]! - uNew[i]! + uOld[i]!;
  return out;
}
