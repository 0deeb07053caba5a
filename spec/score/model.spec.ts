/**
 * ParametricScoreModel (src/score/model.ts): one suite every member passes — divergence = trace of the
 * finite-difference Jacobian of s, jacobianVector = the directional derivative, scoreVjp, divergenceGrad and
 * quadraticFormGrad = central differences in θ — plus each model's closed form: the linear model is the score of
 * N(μ, P⁻¹); the mixture model is −∇ₓU and its divergence −ΔU of the paper's mixture energy 004 (15)
 * (src/energies/two-mode-mixture.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/two-mode-mixture.js';
import { keyFromSeed, normals, streamFromKey } from '../../src/rng/index.js';
import {
  gaussianMixtureScoreModel, linearScoreModel, linearScoreTheta, mixtureScoreTheta, type ParametricScoreModel,
} from '../../src/score/model.js';

// Central differences at δ = 1e-6 of smooth O(1)–O(10) functions: rounding ~1e-16·|f|/δ ≈ 1e-9, truncation δ²|f'''|/6 ≈ 1e-11;
// the relative bound 1e-6 is three orders above both and far below any wrong derivative (an O(1) error).
const DELTA = 1e-6;
const close = (a: number, b: number, tol: number, what: string) =>
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThan(tol * (1 + Math.abs(b)));

function scoreModelContract(label: string, make: () => ParametricScoreModel, thetaScale: number) {
  describe(`score model contract: ${label}`, () => {
    it('divergence, Jacobian–vector product, scoreVjp, divergenceGrad and quadraticFormGrad agree with central differences', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const model = make(), d = model.dim, p = model.paramDim, n = 3;
        const rng = streamFromKey(keyFromSeed(seed));
        const theta = normals(rng, new Float64Array(p)).map((v) => thetaScale * v);
        const x = normals(rng, new Float64Array(n * d)).map((v) => 1.5 * v);
        const v = normals(rng, new Float64Array(n * d)), g = normals(rng, new Float64Array(n * d));
        const w = Float64Array.of(0.5, 1.5, 2);
        const s = (th: Float64Array, xx: Float64Array) => model.score(th, xx, n, new Float64Array(n * d));
        // ∇ₓ s by differences along each axis and along v
        const div = model.divergence(theta, x, n, new Float64Array(n));
        const jv = model.jacobianVector(theta, x, n, v, new Float64Array(n * d));
        const trFd = new Float64Array(n);
        for (let j = 0; j < d; j++) {
          const xp = Float64Array.from(x), xm = Float64Array.from(x);
          for (let i = 0; i < n; i++) { xp[i * d + j] = xp[i * d + j]! + DELTA; xm[i * d + j] = xm[i * d + j]! - DELTA; }
          const sp = s(theta, xp), sm = s(theta, xm);
          for (let i = 0; i < n; i++) trFd[i] = trFd[i]! + (sp[i * d + j]! - sm[i * d + j]!) / (2 * DELTA);
        }
        const xp = x.map((t, k) => t + DELTA * v[k]!), xm = x.map((t, k) => t - DELTA * v[k]!);
        const sp = s(theta, xp), sm = s(theta, xm);
        for (let i = 0; i < n; i++) {
          close(div[i]!, trFd[i]!, 1e-6, `${label} tr ∇s row ${i}`);
          for (let j = 0; j < d; j++) close(jv[i * d + j]!, (sp[i * d + j]! - sm[i * d + j]!) / (2 * DELTA), 1e-6, `${label} Jv`);
        }
        // ∂θ by differences of gᵀs and Σ w tr ∇s
        const vjp = model.scoreVjp(theta, x, n, g, new Float64Array(p));
        const dg = model.divergenceGrad(theta, x, n, w, new Float64Array(p));
        const gs = (th: Float64Array) => { const t = s(th, x); let a = 0; for (let k = 0; k < n * d; k++) a += g[k]! * t[k]!; return a; };
        const wt = (th: Float64Array) => { const t = model.divergence(th, x, n, new Float64Array(n)); let a = 0; for (let i = 0; i < n; i++) a += w[i]! * t[i]!; return a; };
        const qg = model.quadraticFormGrad(theta, x, n, v, w, new Float64Array(p));
        const wq = (th: Float64Array) => {
          const t = model.jacobianVector(th, x, n, v, new Float64Array(n * d));
          let a = 0;
          for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) a += w[i]! * v[i * d + j]! * t[i * d + j]!;
          return a;
        };
        for (let k = 0; k < p; k++) {
          const tp = Float64Array.from(theta), tm = Float64Array.from(theta);
          tp[k] = tp[k]! + DELTA; tm[k] = tm[k]! - DELTA;
          close(vjp[k]!, (gs(tp) - gs(tm)) / (2 * DELTA), 1e-6, `${label} ∂θ(gᵀs)[${k}]`);
          close(dg[k]!, (wt(tp) - wt(tm)) / (2 * DELTA), 1e-6, `${label} ∂θ tr∇s[${k}]`);
          close(qg[k]!, (wq(tp) - wq(tm)) / (2 * DELTA), 1e-6, `${label} ∂θ vᵀ∇s v[${k}]`);
        }
      }), { numRuns: 40 });
    });

    it('never mutates its inputs and rejects a θ or batch of the wrong size', () => {
      const model = make(), d = model.dim, p = model.paramDim;
      const theta = new Float64Array(p).map((_, k) => 0.1 * k), x = new Float64Array(2 * d).map((_, k) => k - 1);
      const th0 = Float64Array.from(theta), x0 = Float64Array.from(x);
      model.score(theta, x, 2, new Float64Array(2 * d));
      model.scoreVjp(theta, x, 2, new Float64Array(2 * d).fill(1), new Float64Array(p));
      expect(Array.from(theta)).toEqual(Array.from(th0));
      expect(Array.from(x)).toEqual(Array.from(x0));
      expect(() => model.score(new Float64Array(p + 1), x, 2, new Float64Array(2 * d))).toThrow(new RegExp(`theta must have length ${p}, got ${p + 1}`));
      expect(() => model.score(theta, x, 3, new Float64Array(3 * d))).toThrow(/x must hold n·d/);
      expect(() => model.divergence(theta, x, 2, new Float64Array(1))).toThrow(/out must hold 2 values, got 1/);
      const bad = Float64Array.from(theta); bad[0] = NaN;
      expect(() => model.score(bad, x, 2, new Float64Array(2 * d))).toThrow(/theta\[0\] = NaN must be finite/);
    });
  });
}

scoreModelContract('linear d=1', () => linearScoreModel(1), 1);
scoreModelContract('linear d=3', () => linearScoreModel(3), 1);
scoreModelContract('mixture K=2 d=1', () => gaussianMixtureScoreModel(2, 1), 1.5);
scoreModelContract('mixture K=3 d=2', () => gaussianMixtureScoreModel(3, 2), 1.5);

describe('score models: closed forms', () => {
  it('linear: s(x) = −P(x − μ) and tr ∇s = −tr P', () => {
    const m = linearScoreModel(2), th = linearScoreTheta(Float64Array.of(1, -2), Float64Array.of(2, 0.5, 0.5, 1));
    const s = m.score(th, Float64Array.of(0, 0), 1, new Float64Array(2));
    expect(Array.from(s)).toEqual([-(2 * -1 + 0.5 * 2), -(0.5 * -1 + 1 * 2)]);
    expect(m.divergence(th, Float64Array.of(3, 4), 1, new Float64Array(1))[0]).toBe(-3);
  });

  it('mixture K = 2 with η = [0, −z] is the score −∇ₓU and divergence −ΔU of 004 (15) (d = 1, 3)', () => {
    for (const d of [1, 3]) {
      const rng = streamFromKey(keyFromSeed(11 + d));
      const a = normals(rng, new Float64Array(d)), b = normals(rng, new Float64Array(d)).map((v) => v + 3), z = 0.8;
      const energy = twoModeMixtureEnergy(d), model = gaussianMixtureScoreModel(2, d);
      const eth = twoModeTheta(a, b, z), sth = mixtureScoreTheta(Float64Array.from([...a, ...b]), Float64Array.of(0, -z));
      const n = 20, x = normals(rng, new Float64Array(n * d)).map((v) => 3 * v);
      const u = new Float64Array(n), grad = new Float64Array(n * d), lap = energy.laplacian!(eth, x, n, new Float64Array(n));
      energy.energyGrad(eth, x, n, u, grad);
      const s = model.score(sth, x, n, new Float64Array(n * d)), div = model.divergence(sth, x, n, new Float64Array(n));
      for (let k = 0; k < n * d; k++) close(s[k]!, -grad[k]!, 1e-13, 'score');
      for (let i = 0; i < n; i++) close(div[i]!, -lap[i]!, 1e-12, 'divergence');
    }
  });

  it('mixture: stable far from the modes (|x| = 10³): s = m_nearest − x', () => {
    const m = gaussianMixtureScoreModel(2, 1), th = mixtureScoreTheta(Float64Array.of(-5, 5), Float64Array.of(0, 0));
    const s = m.score(th, Float64Array.of(1000, -1000), 2, new Float64Array(2));
    expect(Array.from(s)).toEqual([5 - 1000, -5 + 1000]);
  });

  it('constructors reject bad sizes', () => {
    expect(() => linearScoreModel(0)).toThrow(/linearScoreModel: d must be a positive integer, got 0/);
    expect(() => gaussianMixtureScoreModel(0, 1)).toThrow(/K must be a positive integer/);
    expect(() => linearScoreTheta(Float64Array.of(1, 2), Float64Array.of(1, 0, 0))).toThrow(/precision must hold d·d = 4 values for mu of length 2, got 3/);
    expect(() => mixtureScoreTheta(Float64Array.of(1, 2, 3), Float64Array.of(0, 0))).toThrow(/means must hold K·d values for K = 2/);
  });
});
