/**
 * The Jarzynski weight update, 004 (5)-(7), Alg. 2 line 14.
 * Layer A: the literal α form, the one-pass noise form and the per-walker scalar form agree to ~1e-12 (fast-check);
 * Jarzynski's identity E[e^{A_k}] = Z_θk/Z_θ0 and E[f(X_k)e^{A_k}]/E[e^{A_k}] = E_θk[f] on a 1-D Gaussian path, with
 * the expectation over X_0 ~ ρ_θ0 and the K = 3 injected normals computed by tensor Gauss–Hermite quadrature, for
 * several h including steps where ULA is visibly biased; the unweighted average and the paper code's aliased update
 * miss it by far more than the quadrature error (negative controls).
 * Layer B: the same identities with exact draws and many walkers on the two-mode mixture (004 (15)) and the Gaussian
 * energy, z·SE at α = 1e-6 (registered), with the unweighted negative control.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/linalg/index.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import {
  frozenWalkerIncrement, jarzynskiAlpha, jarzynskiIncrement, jarzynskiIncrementFromScalars, jarzynskiIncrementLiteral,
} from '../../src/smc/index.js';
import { gaussianEnergy, gaussianTheta } from '../../src/energies/gaussian.js';
import { modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/two-mode-mixture.js';
import type { Energy } from '../../src/energies/energy.js';
import { ulaStepWithNoise } from '../../src/samplers/ula.js';
import { alphaOf, expectWithinSE, zFor } from '../_support/stat.js';
import { describeSeed, testStream } from '../_support/seed.js';

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('the three forms of the weight update agree (004 (5)-(6))', () => {
  it('literal α form = one-pass noise form = scalar form, to ~1e-12 relative, for arbitrary U and ∇U', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }), real(1e-3, 2), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (n, d, h, seed) => {
        const s = streamFromKey(keyFromSeed(seed));
        const g = (len: number, scale: number) => normals(s, new Float64Array(len)).map((v) => v * scale);
        const xOld = g(n * d, 3), gradOld = g(n * d, 2), gradNew = g(n * d, 2), noise = g(n * d, 1);
        const uOld = g(n, 10), uNew = g(n, 10), logW = g(n, 1);
        const xNew = ulaStepWithNoise(xOld, gradOld, noise, h, new Float64Array(n * d));
        const lit = jarzynskiIncrementLiteral(h, n, d, xOld, uOld, gradOld, xNew, uNew, gradNew, logW, new Float64Array(n));
        const fast = jarzynskiIncrement(h, n, d, noise, uOld, gradOld, uNew, gradNew, logW, new Float64Array(n));
        const xs = new Float64Array(n), ss = new Float64Array(n);
        for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) {
          const sj = gradOld[j]! + gradNew[j]!;
          xs[i] += noise[j]! * sj;
          ss[i] += sj * sj;
        }
        const scal = jarzynskiIncrementFromScalars(h, n, uOld, uNew, xs, ss, logW, new Float64Array(n));
        // α evaluated term by term as the oracle for the literal form
        const aOld = jarzynskiAlpha(h, n, d, xOld, xNew, uOld, gradOld, new Float64Array(n));
        const aNew = jarzynskiAlpha(h, n, d, xNew, xOld, uNew, gradNew, new Float64Array(n));
        for (let i = 0; i < n; i++) {
          // The scale of the terms that cancel: |U| + h|∇U|² + |Δx||∇U| ~ the size of the rounding.
          const scale = 1 + Math.abs(uOld[i]!) + Math.abs(uNew[i]!) + Math.abs(aOld[i]!) + Math.abs(aNew[i]!) + h * ss[i]! + Math.sqrt(h * ss[i]! * d);
          expect(Math.abs(lit[i]! - (logW[i]! - aNew[i]! + aOld[i]!))).toBeLessThanOrEqual(1e-13 * scale);
          expect(Math.abs(fast[i]! - lit[i]!)).toBeLessThanOrEqual(1e-12 * scale);
          expect(Math.abs(scal[i]! - fast[i]!)).toBeLessThanOrEqual(1e-12 * scale);
        }
      }));
  });

  it('out may alias logW; frozen walkers get A + U_θk(X) − U_θk+1(X) (Alg. 2 line 14)', () => {
    const logW = Float64Array.from([0.5, -1]);
    frozenWalkerIncrement(2, Float64Array.from([2, 3]), Float64Array.from([1, 5]), logW, logW);
    expect(Array.from(logW)).toEqual([1.5, -3]);
    const a = Float64Array.from([0.25]);
    jarzynskiIncrementFromScalars(0.5, 1, Float64Array.from([1]), Float64Array.from([2]), Float64Array.from([2]), Float64Array.from([4]), a, a);
    expect(a[0]).toBeCloseTo(0.25 + 1 - 2 - 0.125 * 4 + 0.5 * 2, 15);
  });

  it('rejects bad input naming the argument', () => {
    const z = new Float64Array(4);
    expect(() => jarzynskiIncrement(0, 2, 2, z, z, z, z, z, z, z)).toThrow(/h must be a finite number > 0/);
    expect(() => jarzynskiIncrement(0.1, 2, 3, z, z, z, z, z, z, z)).toThrow(/noise must hold 6 values/);
    expect(() => jarzynskiIncrementLiteral(0.1, 0, 1, z, z, z, z, z, z, z, z)).toThrow(/n must be a positive integer/);
    expect(() => frozenWalkerIncrement(5, z, z, z, z)).toThrow(/uOld must hold 5 values/);
    expect(() => jarzynskiAlpha(NaN, 1, 1, z, z, z, z, z)).toThrow(/h must be a finite number > 0/);
  });
});

/** Gauss–Hermite nodes and weights for E[f(Z)], Z ~ N(0, 1) (Golub–Welsch on the probabilists' Jacobi matrix). */
function gaussHermite(m: number): { nodes: Float64Array; weights: Float64Array } {
  const j = new Float64Array(m * m);
  for (let k = 1; k < m; k++) j[k * m + k - 1] = j[(k - 1) * m + k] = Math.sqrt(k);
  const { values, vectors } = symmetricEigen(j, m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) weights[i] = vectors[i]! * vectors[i]!; // first row of the eigenvector matrix
  return { nodes: values, weights };
}

/**
 * The 1-D Gaussian path U_θ(x) = (x − μ)² e^{−2s}/2, θ = (μ, s), Z_θ = √(2π) e^s, with ∂μU = −(x − μ)e^{−2s},
 * ∂sU = −(x − μ)² e^{−2s}; E_θ[∂μU] = 0, E_θ[∂sU] = −1.
 */
const MU = [0, 0.5, 0.9, 1.4];
const S = [0, 0.15, -0.1, 0.2];
function gauss1d(k: number, x: Float64Array, n: number, u: Float64Array, g: Float64Array): void {
  const mu = MU[k]!, p = Math.exp(-2 * S[k]!);
  for (let i = 0; i < n; i++) {
    const r = x[i]! - mu;
    u[i] = 0.5 * r * r * p;
    g[i] = r * p;
  }
}

type StepKind = 'move' | 'frozen';
type Update = 'fast' | 'literal' | 'aliased';

/**
 * E[e^{A_K}], E[f(X_K) e^{A_K}] and the unweighted E[f(X_K)] over X_0 ~ ρ_θ0 and the injected normals, by tensor
 * Gauss–Hermite quadrature with m nodes per dimension (one dimension for X_0 and one per moving step). The weights
 * are updated by the src/smc function named by `update`; `aliased` is the paper code's bug: both α at X_{k+1}.
 */
function quadrature(h: number, steps: StepKind[], m: number, update: Update) {
  const { nodes, weights } = gaussHermite(m);
  const dims = 1 + steps.filter((s) => s === 'move').length;
  const n = m ** dims;
  const x = new Float64Array(n), w = new Float64Array(n).fill(1);
  const xi: Float64Array[] = [];
  for (let t = 0; t < dims; t++) xi.push(new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let t = 0, r = i; t < dims; t++, r = Math.floor(r / m)) {
      xi[t]![i] = nodes[r % m]!;
      w[i] *= weights[r % m]!;
    }
    x[i] = MU[0]! + Math.exp(S[0]!) * xi[0]![i]!; // X_0 ~ ρ_θ0 exactly
  }
  let u = new Float64Array(n), g = new Float64Array(n);
  let uN = new Float64Array(n), gN = new Float64Array(n);
  const xN = new Float64Array(n), logW = new Float64Array(n), tmpU = new Float64Array(n), tmpG = new Float64Array(n);
  gauss1d(0, x, n, u, g);
  let move = 1;
  steps.forEach((kind, k) => {
    if (kind === 'frozen') {
      gauss1d(k + 1, x, n, uN, gN);
      frozenWalkerIncrement(n, u, uN, logW, logW);
    } else {
      const noise = xi[move++]!;
      ulaStepWithNoise(x, g, noise, h, xN);
      gauss1d(k + 1, xN, n, uN, gN);
      if (update === 'fast') jarzynskiIncrement(h, n, 1, noise, u, g, uN, gN, logW, logW);
      else if (update === 'literal') jarzynskiIncrementLiteral(h, n, 1, x, u, g, xN, uN, gN, logW, logW);
      else {
        // the paper's code: xo aliases x, so α_{k+1}(X_{k+1}, X_{k+1}) and α_k(X_{k+1}, X_{k+1})
        gauss1d(k, xN, n, tmpU, tmpG);
        const aOld = jarzynskiAlpha(h, n, 1, xN, xN, tmpU, tmpG, new Float64Array(n));
        const aNew = jarzynskiAlpha(h, n, 1, xN, xN, uN, gN, new Float64Array(n));
        for (let i = 0; i < n; i++) logW[i] += aOld[i]! - aNew[i]!;
      }
      x.set(xN);
    }
    [u, uN] = [uN, u];
    [g, gN] = [gN, g];
  });
  const K = steps.length, mu = MU[K]!, p = Math.exp(-2 * S[K]!);
  let z = 0, fMu = 0, fS = 0, fX = 0, fX2 = 0, uS = 0;
  for (let i = 0; i < n; i++) {
    const e = w[i]! * Math.exp(logW[i]!), r = x[i]! - mu;
    z += e;
    fMu += e * -r * p;
    fS += e * -r * r * p;
    fX += e * x[i]!;
    fX2 += e * x[i]! * x[i]!;
    uS += w[i]! * -r * r * p;
  }
  return { z, dMu: fMu / z, dS: fS / z, mean: fX / z, second: fX2 / z, unweightedDS: uS };
}

describe('Jarzynski identity 004 (7) by Gauss–Hermite quadrature (1-D Gaussian path, K = 3)', () => {
  const K = 3;
  const zRatio = Math.exp(S[K]! - S[0]!); // Z_θK / Z_θ0
  const exact = { dMu: 0, dS: -1, mean: MU[K]!, second: MU[K]! ** 2 + Math.exp(2 * S[K]!) };
  // ULA's stationary variance on N(μ, σ²) is σ²/(1 − h/(2σ²)) (001 (4.16)): at h = 1 it is ~3× σ².
  for (const h of [0.05, 0.4, 1.0]) {
    it(`h = ${h}: E[e^{A_3}] = Z_θ3/Z_θ0 and weighted E[f(X_3)] = E_θ3[f] to 1e-9; unweighted and aliased miss`, () => {
      // 30 and 36 nodes per dimension (27·10⁴ and 1.7·10⁶ points): they agree to ~1e-12.
      const q = quadrature(h, ['move', 'move', 'move'], 30, 'fast');
      const q2 = quadrature(h, ['move', 'move', 'move'], 36, 'fast');
      const quadError = Math.abs(q.z - q2.z) + Math.abs(q.dS - q2.dS);
      expect(quadError).toBeLessThan(1e-10); // the quadrature has converged
      expect(Math.abs(q.z - zRatio)).toBeLessThan(1e-9);
      expect(Math.abs(q.dMu - exact.dMu)).toBeLessThan(1e-9);
      expect(Math.abs(q.dS - exact.dS)).toBeLessThan(1e-9);
      expect(Math.abs(q.mean - exact.mean)).toBeLessThan(1e-9);
      expect(Math.abs(q.second - exact.second)).toBeLessThan(1e-9);
      // The literal form gives the same numbers.
      const lit = quadrature(h, ['move', 'move', 'move'], 30, 'literal');
      expect(Math.abs(lit.z - q.z)).toBeLessThan(1e-12);
      // Negative controls: the unweighted average of ∂sU (measured off by 0.86, 0.30, 0.51 at h = 0.05, 0.4, 1),
      // and the paper code's aliased update (E[e^{A_3}] off by 0.05, 2.0, 1e28).
      expect(Math.abs(q.unweightedDS - exact.dS)).toBeGreaterThan(1e-2);
      const bug = quadrature(h, ['move', 'move', 'move'], 30, 'aliased');
      expect(Math.abs(bug.z - zRatio)).toBeGreaterThan(1e-3);
    });
  }

  it('with a frozen walker step in the middle (Alg. 2 line 14) the identity still holds exactly', () => {
    const q = quadrature(0.4, ['move', 'frozen', 'move'], 30, 'fast');
    expect(Math.abs(q.z - zRatio)).toBeLessThan(1e-9);
    expect(Math.abs(q.dS + 1)).toBeLessThan(1e-9);
    expect(Math.abs(q.mean - exact.mean)).toBeLessThan(1e-9);
  });
});

/**
 * Layer B: N walkers drawn exactly from ρ_θ0, K ULA steps along a protocol θ_0 … θ_K with the one-pass update, then
 * (i) mean e^{A_K} vs Z_θK/Z_θ0 and (ii) the self-normalized weighted mean of one component of ∂θU vs E_θK[∂θU], each
 * within z·SE (SE from the sample; delta method for the ratio), at α/2 each. Returns the unweighted mean too.
 */
function runProtocol(name: string, energy: Energy, thetas: Float64Array[], h: number, n: number, component: number) {
  const d = energy.dim, p = energy.paramDim;
  const stream = testStream(name);
  let x: Float64Array = energy.sample!(stream, thetas[0]!, n, new Float64Array(n * d));
  let u: Float64Array = new Float64Array(n), g: Float64Array = new Float64Array(n * d);
  let uN: Float64Array = new Float64Array(n), gN: Float64Array = new Float64Array(n * d), xN: Float64Array = new Float64Array(n * d);
  const noise = new Float64Array(n * d), logW = new Float64Array(n);
  energy.energyGrad(thetas[0]!, x, n, u, g);
  for (let k = 0; k + 1 < thetas.length; k++) {
    normals(stream, noise);
    ulaStepWithNoise(x, g, noise, h, xN);
    energy.energyGrad(thetas[k + 1]!, xN, n, uN, gN);
    jarzynskiIncrement(h, n, d, noise, u, g, uN, gN, logW, logW);
    [x, xN, u, uN, g, gN] = [xN, x, uN, u, gN, g];
  }
  const thetaK = thetas[thetas.length - 1]!;
  const one = Float64Array.of(1), grad = new Float64Array(p), f = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    energy.paramGrad(thetaK, x.subarray(i * d, (i + 1) * d), 1, one, grad);
    f[i] = grad[component]!;
    w[i] = Math.exp(logW[i]!);
  }
  let sw = 0, sw2 = 0, swf = 0, sf = 0, sf2 = 0;
  for (let i = 0; i < n; i++) { sw += w[i]!; sw2 += w[i]! * w[i]!; swf += w[i]! * f[i]!; sf += f[i]!; sf2 += f[i]! * f[i]!; }
  const meanW = sw / n, seW = Math.sqrt((sw2 / n - meanW * meanW) / (n - 1));
  const ratio = swf / sw;
  let v = 0;
  for (let i = 0; i < n; i++) v += (w[i]! * (f[i]! - ratio)) ** 2;
  const seRatio = Math.sqrt(v) / sw;
  const unweighted = sf / n, seUnweighted = Math.sqrt((sf2 / n - unweighted * unweighted) / (n - 1));
  return { meanW, seW, ratio, seRatio, unweighted, seUnweighted, ess: (sw * sw) / (n * sw2) };
}

describe('Layer B: Jarzynski identity with exact draws and many walkers', () => {
  // Two-mode mixture, d = 2, modes far apart (no walker crosses), z moves from 0 to 1.2 and the means shift:
  // mode b loses mass the walkers cannot give back, which only the weights account for.
  const d = 2, n = 100_000, h = 0.3;
  const mix = twoModeMixtureEnergy(d);
  const thetasMix = [0, 0.3, 0.6, 0.9, 1.2].map((z, k) =>
    twoModeTheta(Float64Array.of(-3 - 0.1 * k, 0.05 * k), Float64Array.of(3 + 0.1 * k, -0.05 * k), z));
  const zIndex = 2 * d; // ∂zU = w_b; E_θ[∂zU] = q = e^{−z}/(1 + e^{−z})
  const mixName = 'smc jarzynski: E[e^A] and weighted dU/dz on the two-mode mixture';
  const mixControl = 'smc jarzynski: unweighted dU/dz misses E_theta[dU/dz] on the two-mode mixture (negative control)';

  it(mixName, () => {
    const r = runProtocol(mixName, mix, thetasMix, h, n, zIndex);
    const zK = thetasMix[4]![zIndex]!;
    const logZRatio = mix.logPartition!(thetasMix[4]!) - mix.logPartition!(thetasMix[0]!);
    expectWithinSE(mixName, r.meanW, Math.exp(logZRatio), r.seW, { k: 2, what: 'mean e^{A_K} vs Z_K/Z_0' });
    expectWithinSE(mixName, r.ratio, modeWeightB(zK), r.seRatio, { k: 2, what: 'weighted E[∂zU] vs q_K' });
  });

  it(mixControl, () => {
    const r = runProtocol(mixControl, mix, thetasMix, h, n, zIndex);
    const zK = thetasMix[4]![zIndex]!;
    const z = zFor(alphaOf(mixControl));
    expect(Math.abs(r.unweighted - modeWeightB(zK)), describeSeed(mixControl)).toBeGreaterThan(z * r.seUnweighted);
  });

  // Gaussian N(μ, e^{2s} Σ₀) in d = 3 with a correlated Σ₀; h = 0.5 is large enough that ULA is visibly biased
  // (its stationary covariance is Σ(I − (h/2)Σ⁻¹)⁻¹, up to ~1.6 Σ here); s moves from 0 to 0.09 and μ drifts. The
  // weights stay mild (ESS ≈ 0.6), so the CLT behind z·SE is not strained.
  const dg = 3;
  const cov0 = Float64Array.of(1, 0.3, 0.1, 0.3, 1.2, -0.2, 0.1, -0.2, 0.9);
  const gauss = gaussianEnergy(cov0, dg);
  const thetasG = [0, 1, 2, 3].map((k) => gaussianTheta(Float64Array.of(0.05 * k, -0.025 * k, 0.0125 * k), 0.03 * k));
  const sIndex = dg; // E_θ[∂sU] = −d
  const gName = 'smc jarzynski: E[e^A] and weighted dU/ds on a Gaussian path';
  const gControl = 'smc jarzynski: unweighted dU/ds misses E_theta[dU/ds] on a Gaussian path (negative control)';

  it(gName, () => {
    const r = runProtocol(gName, gauss, thetasG, 0.5, n, sIndex);
    const logZRatio = gauss.logPartition!(thetasG[3]!) - gauss.logPartition!(thetasG[0]!);
    expectWithinSE(gName, r.meanW, Math.exp(logZRatio), r.seW, { k: 2, what: 'mean e^{A_K} vs Z_K/Z_0' });
    expectWithinSE(gName, r.ratio, -dg, r.seRatio, { k: 2, what: 'weighted E[∂sU] vs −d' });
  });

  it(gControl, () => {
    const r = runProtocol(gControl, gauss, thetasG, 0.5, n, sIndex);
    expect(Math.abs(r.unweighted + dg), describeSeed(gControl)).toBeGreaterThan(zFor(alphaOf(gControl)) * r.seUnweighted);
  });
});
