/**
 * Hamiltonian Monte Carlo (000 §2.1.3, (16)-(20)).
 * Layer A: detailed balance of the joint (q, p) move pointwise — the proposal Φ(q, p) = (q′, −p′) (leapfrog, then the
 * momentum flip) is an involution, and e^{−H(z)} α(z, Φz) = e^{−H(Φz)} α(Φz, z) — replay of a step from the same
 * stream, the uncorrected variant accepting everything, validation.
 * Layer B (α = 1e-6 each, registered): one-step invariance from exact Gaussian draws at a step size where the energy
 * error is O(1) (diagonal and dense mass), the two-mode mixture's mode weight (exact binomial); negative control: the
 * same invariance test rejects HMC without the Metropolis correction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, type Potential } from '../../src/energies/energy.js';
import { gaussianEnergy } from '../../src/energies/gaussian.js';
import { modeWeightB, twoModeMixtureEnergy } from '../../src/energies/two-mode-mixture.js';
import { normals } from '../../src/rng/index.js';
import type { Stream } from '../../src/rng/stream.js';
import { hmc, hmcLogAcceptance, type HmcInfo } from '../../src/samplers/hmc.js';
import { drawMomentum, kineticEnergy, leapfrog, massMatrix, type MassMatrix } from '../../src/samplers/leapfrog.js';
import { emptyState, type Sampler, type WalkerState } from '../../src/samplers/types.js';
import { testStream } from '../_support/seed.js';
import { alphaOf, dkwEpsilon, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A non-quadratic potential: U(x) = ¼|x|⁴ + ½|x|² + sin(x₀). */
const quartic = (d: number): Potential => {
  const eg = (x: Float64Array, n: number, u: Float64Array, g: Float64Array | null) => {
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += x[i * d + k]! ** 2;
      u[i] = 0.25 * r2 * r2 + 0.5 * r2 + Math.sin(x[i * d]!);
      if (g) for (let k = 0; k < d; k++) g[i * d + k] = (r2 + 1) * x[i * d + k]! + (k === 0 ? Math.cos(x[i * d]!) : 0);
    }
  };
  return { name: `quartic(${d})`, dim: d, energy: (x, n, out) => { eg(x, n, out, null); return out; }, energyGrad: (x, n, u, g) => eg(x, n, u, g) };
};

/** The HMC proposal map Φ(q, p) = (q′, −p′) and H at both ends, for one phase point. */
function proposalMap(pot: Potential, mass: MassMatrix, q: ArrayLike<number>, p: ArrayLike<number>, eps: number, steps: number) {
  const d = pot.dim;
  const z = { q: Float64Array.from(q), p: Float64Array.from(p), u: new Float64Array(1), grad: new Float64Array(d) };
  pot.energyGrad(z.q, 1, z.u, z.grad);
  const h0 = z.u[0]! + kineticEnergy(mass, z.p, 1, new Float64Array(1))[0]!;
  leapfrog(pot, z, 1, eps, steps, mass);
  for (let k = 0; k < d; k++) z.p[k] = -z.p[k]!;
  const h1 = z.u[0]! + kineticEnergy(mass, z.p, 1, new Float64Array(1))[0]!;
  return { q: z.q, p: z.p, h0, h1 };
}

describe('HMC detailed balance, pointwise on the joint (q, p) space', () => {
  it('Φ = flip ∘ leapfrog is an involution and −H(z) + log α(z, Φz) = −H(Φz) + log α(Φz, z) (to 1e-10)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }), fc.array(num(-1.5, 1.5), { minLength: 6, maxLength: 6 }), fc.array(num(0.5, 2), { minLength: 3, maxLength: 3 }),
      num(0.01, 0.3), fc.integer({ min: 1, max: 15 }),
      (d, qp, m, eps, steps) => {
        const pot = quartic(d);
        const mass = massMatrix(d, Float64Array.from(m.slice(0, d)));
        const q0 = qp.slice(0, d), p0 = qp.slice(3, 3 + d);
        const fwd = proposalMap(pot, mass, q0, p0, eps, steps);
        const back = proposalMap(pot, mass, fwd.q, fwd.p, eps, steps);
        for (let k = 0; k < d; k++) {
          expect(Math.abs(back.q[k]! - q0[k]!)).toBeLessThan(1e-11 * (1 + Math.abs(q0[k]!)));
          expect(Math.abs(back.p[k]! - p0[k]!)).toBeLessThan(1e-11 * (1 + Math.abs(p0[k]!)));
        }
        // The reverse move starts where the forward one ends: H at Φz is the same number both ways up to rounding.
        expect(Math.abs(back.h0 - fwd.h1)).toBeLessThan(1e-12 * (1 + Math.abs(fwd.h1)));
        const lhs = -fwd.h0 + hmcLogAcceptance(fwd.h1 - fwd.h0);
        const rhs = -back.h0 + hmcLogAcceptance(back.h1 - back.h0);
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
      }), { numRuns: 150 });
  });

  it('log α = min(0, −ΔH); a NaN energy error rejects', () => {
    expect(hmcLogAcceptance(0.7)).toBeCloseTo(-0.7, 15);
    expect(hmcLogAcceptance(-2)).toBe(0);
    expect(hmcLogAcceptance(NaN)).toBe(-Infinity);
    expect(hmcLogAcceptance(Infinity)).toBe(-Infinity);
  });
});

describe('HMC step mechanics', () => {
  it('replays: momenta first, then L leapfrog steps, then one uniform per walker; ΔH and α as computed by hand', () => {
    const d = 2, n = 300, eps = 0.4, steps = 4;
    const pot = quartic(d);
    const sampler = hmc(pot, n, { stepSize: eps, steps, mass: Float64Array.of(1, 1.5) });
    const stream = testStream('hmc replay');
    const state = sampler.init(normals(stream, new Float64Array(n * d)));
    const replay = stream.clone();
    const out = emptyState(n, d);
    const info = sampler.step(stream, state, out);
    const z = { q: Float64Array.from(state.x), p: drawMomentum(replay, sampler.mass, n, new Float64Array(n * d)), u: Float64Array.from(state.u), grad: Float64Array.from(state.grad) };
    const k0 = kineticEnergy(sampler.mass, z.p, n, new Float64Array(n));
    leapfrog(pot, z, n, eps, steps, sampler.mass);
    const k1 = kineticEnergy(sampler.mass, z.p, n, new Float64Array(n));
    let count = 0;
    for (let i = 0; i < n; i++) {
      const dh = z.u[i]! + k1[i]! - state.u[i]! - k0[i]!;
      expect(info.energyError[i]).toBeCloseTo(dh, 12);
      expect(info.acceptProbability[i]).toBeCloseTo(Math.min(1, Math.exp(-dh)), 12);
      const src = info.accepted[i] ? z.q : state.x;
      expect(Array.from(out.x.subarray(i * d, i * d + d))).toEqual(Array.from(src.subarray(i * d, i * d + d)));
      count += info.accepted[i]!;
    }
    expect(info.acceptRate).toBe(count / n);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(n);
    // the state's caches are U and ∇U at the new positions
    const u = new Float64Array(n), g = new Float64Array(n * d);
    pot.energyGrad(out.x, n, u, g);
    expect(Array.from(out.u)).toEqual(Array.from(u));
    expect(Array.from(out.grad)).toEqual(Array.from(g));
  });

  it('in place equals out of place; without the correction every trajectory is accepted', () => {
    const d = 3, n = 40;
    const pot = quartic(d);
    const sampler = hmc(pot, n, { stepSize: 0.5, steps: 3 });
    const stream = testStream('hmc in place');
    const x0 = normals(stream, new Float64Array(n * d));
    const a = sampler.init(x0), b = sampler.init(x0), out = emptyState(n, d);
    for (let t = 0; t < 4; t++) {
      sampler.step(stream.clone(), a, out);
      sampler.step(stream, b, b);
      a.x.set(out.x); a.u.set(out.u); a.grad.set(out.grad);
    }
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    const loose = hmc(pot, n, { stepSize: 0.5, steps: 3, metropolisCorrection: false });
    const info = loose.step(stream, loose.init(x0), emptyState(n, d));
    expect(info.acceptRate).toBe(1);
    expect(info.energyError.some((e) => e > 0.1)).toBe(true); // trajectories the correction would have rejected
  });

  it('validation: ε ≤ 0, L < 1, mass ≤ 0, non-finite or wrongly sized x, bad n, foreign states', () => {
    const pot = quartic(2);
    expect(() => hmc(pot, 4, { stepSize: 0, steps: 3 })).toThrow(/stepSize must be a finite number > 0/);
    expect(() => hmc(pot, 4, { stepSize: -1, steps: 3 })).toThrow(/stepSize must be a finite number > 0/);
    expect(() => hmc(pot, 4, { stepSize: NaN, steps: 3 })).toThrow(/stepSize must be a finite number > 0/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 0 })).toThrow(/steps must be an integer ≥ 1/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 1.5 })).toThrow(/steps must be an integer ≥ 1/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 2, mass: 0 })).toThrow(/mass\[0\] must be a finite number > 0/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 2, mass: Float64Array.of(1, -1) })).toThrow(/mass\[1\] must be a finite number > 0/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 2, mass: Float64Array.of(1, 3, 3, 1) })).toThrow(/mass must be positive definite/);
    expect(() => hmc(pot, 4, { stepSize: 0.1, steps: 2, mass: Float64Array.of(1, 1, 1) })).toThrow(/mass must be a number, a vector of length d = 2/);
    expect(() => hmc(pot, 0, { stepSize: 0.1, steps: 2 })).toThrow(/n must be a positive integer/);
    const sampler = hmc(pot, 2, { stepSize: 0.1, steps: 2 });
    expect(() => sampler.init(new Float64Array(6))).toThrow(/x must hold n·d = 2·2 = 4 values, got 6/);
    expect(() => sampler.init(Float64Array.of(0, NaN, 0, 0))).toThrow(/x\[1\] must be finite/);
    const state = sampler.init(new Float64Array(4));
    expect(() => sampler.step(testStream('hmc validation'), state, emptyState(2, 3))).toThrow(/state must hold n = 2 walkers of dimension d = 2/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Invariance from exact draws (Layer B)
// ---------------------------------------------------------------------------------------------------------------------

const N = 100_000;
const SIGMA0 = Float64Array.of(1, 0.6, 0.6, 0.8);
const THETA = Float64Array.of(0.5, -1, 0.2);
const SIGMA = SIGMA0.map((v) => v * Math.exp(2 * THETA[2]!));
const MU = THETA.subarray(0, 2);
const PROJECTIONS = [Float64Array.of(1, 0), Float64Array.of(0, 1), Float64Array.of(Math.SQRT1_2, -Math.SQRT1_2)];

interface Run { readonly start: Float64Array; readonly end: WalkerState; readonly acceptRate: number; readonly meanAbsEnergyError: number }

function runFromExact(stream: Stream, sample: (s: Stream, n: number, out: Float64Array) => Float64Array, sampler: Sampler<HmcInfo>, d: number, k: number): Run {
  const start = sample(stream, N, new Float64Array(N * d));
  const state = sampler.init(start);
  let acc = 0, err = 0;
  for (let t = 0; t < k; t++) {
    const info = sampler.step(stream, state, state);
    acc += info.acceptRate;
    for (let i = 0; i < N; i++) err += Math.abs(info.energyError[i]!);
  }
  return { start, end: state, acceptRate: acc / k, meanAbsEnergyError: err / (k * N) };
}

function project(x: Float64Array, w: Float64Array, d: number): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < d; k++) s += w[k]! * x[i * d + k]!; out[i] = s; }
  return out;
}

function projectionCdf(w: Float64Array): (t: number) => number {
  const m = w[0]! * MU[0]! + w[1]! * MU[1]!;
  const v = w[0]! ** 2 * SIGMA[0]! + 2 * w[0]! * w[1]! * SIGMA[1]! + w[1]! ** 2 * SIGMA[3]!;
  return (t) => normalCdf((t - m) / Math.sqrt(v));
}

function meanDisplacement(a: Float64Array, b: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < a.length / d; i++) { let r = 0; for (let k = 0; k < d; k++) r += (a[i * d + k]! - b[i * d + k]!) ** 2; s += Math.sqrt(r); }
  return s / (a.length / d);
}

function expectMoved(run: Run, d: number): void {
  expect(run.acceptRate).toBeGreaterThan(0.05);
  expect(run.acceptRate).toBeLessThan(1);
  expect(meanDisplacement(run.start, run.end.x, d)).toBeGreaterThan(0.1);
}

describe('HMC keeps Gaussian targets invariant (one-step invariance from exact draws, DKW)', () => {
  const energy = gaussianEnergy(SIGMA0, 2);
  const target = bind(energy, THETA);
  const sample = (s: Stream, n: number, out: Float64Array) => energy.sample!(s, THETA, n, out);
  // ε = 1.2 with unit masses: the fastest mode (σ_min = 0.66) has εω = 1.82, below leapfrog's stability limit 2 but
  // with an O(1) energy error, so the correction does real work (mean |ΔH| is asserted > 0.3 below).
  const options = { stepSize: 1.2, steps: 3 };

  it("HMC: 3 steps at a large step from exact Gaussian draws keep three projections' laws", () => {
    // 100,000 iid walkers; three DKW tests at α/3: band ε = 0.0088.
    const name = "HMC: 3 steps at a large step from exact Gaussian draws keep three projections' laws";
    const run = runFromExact(testStream(name), sample, hmc(target, N, options), 2, 3);
    expectMoved(run, 2);
    expect(run.meanAbsEnergyError).toBeGreaterThan(0.3);
    for (const w of PROJECTIONS) expectCdfWithinDkw(name, project(run.end.x, w, 2), projectionCdf(w), { k: 3, detect: 0.01, what: `projection (${w})` });
  });

  it('HMC negative control: without the Metropolis correction the same test rejects', () => {
    // The same kernel with every trajectory accepted. On a Gaussian the uncorrected step is linear: (q − μ, p) ↦ A(q − μ, p)
    // with A read off `leapfrog` itself by feeding unit vectors, so after k steps q − μ ~ N(0, C_k) with
    // C_{t+1} = A_qq C_t A_qqᵀ + A_qp A_qpᵀ (fresh p ~ N(0, I) each step). The projection with the largest exact sup-CDF
    // distance from the target is tested; that distance must exceed twice the DKW band (power), then the sampled
    // walkers must fall outside the band (α/3 as in the positive test).
    const name = 'HMC negative control: without the Metropolis correction the same test rejects';
    const centered = bind(energy, Float64Array.of(0, 0, THETA[2]!));
    const unit = massMatrix(2, 1);
    const a = new Float64Array(16); // rows: (q₀, q₁, p₀, p₁) after the trajectory; columns: the unit input
    for (let c = 0; c < 4; c++) {
      const z = { q: new Float64Array(2), p: new Float64Array(2), u: new Float64Array(1), grad: new Float64Array(2) };
      if (c < 2) z.q[c] = 1; else z.p[c - 2] = 1;
      centered.energyGrad(z.q, 1, z.u, z.grad);
      leapfrog(centered, z, 1, options.stepSize, options.steps, unit);
      for (let r = 0; r < 4; r++) a[r * 4 + c] = r < 2 ? z.q[r]! : z.p[r - 2]!;
    }
    let cq = Float64Array.from(SIGMA);
    for (let t = 0; t < 3; t++) {
      const next = new Float64Array(4);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) s += a[i * 4 + k]! * cq[k * 2 + l]! * a[j * 4 + l]!;
        for (let k = 0; k < 2; k++) s += a[i * 4 + 2 + k]! * a[j * 4 + 2 + k]!;
        next[i * 2 + j] = s;
      }
      cq = next;
    }
    const variance = (c: Float64Array, w: Float64Array) => w[0]! ** 2 * c[0]! + 2 * w[0]! * w[1]! * c[1]! + w[1]! ** 2 * c[3]!;
    // sup_t |Φ(t/s₁) − Φ(t/s₀)| for centred normals is attained at t² = 2 log(s₁/s₀)/(1/s₀² − 1/s₁²).
    const supDistance = (v0: number, v1: number) => {
      const t = Math.sqrt((Math.log(v1 / v0)) / (1 / v0 - 1 / v1));
      return Math.abs(normalCdf(t / Math.sqrt(v1)) - normalCdf(t / Math.sqrt(v0)));
    };
    const distances = PROJECTIONS.map((w) => supDistance(variance(SIGMA, w), variance(cq, w)));
    const best = distances.indexOf(Math.max(...distances));
    expect(distances[best]!).toBeGreaterThan(2 * dkwEpsilon(N, alphaOf(name) / 3));
    const run = runFromExact(testStream(name), sample, hmc(target, N, { ...options, metropolisCorrection: false }), 2, 3);
    expect(run.acceptRate).toBe(1);
    expectCdfOutsideDkw(name, project(run.end.x, PROJECTIONS[best]!, 2), projectionCdf(PROJECTIONS[best]!), { k: 3, what: `projection (${PROJECTIONS[best]}), exact distance ${distances[best]!.toFixed(4)}` });
  });

  it("HMC with a dense mass matrix: 2 steps from exact Gaussian draws keep three projections' laws", () => {
    const name = "HMC with a dense mass matrix: 2 steps from exact Gaussian draws keep three projections' laws";
    const mass = Float64Array.of(1.5, -0.5, -0.5, 2);
    const run = runFromExact(testStream(name), sample, hmc(target, N, { stepSize: 1.1, steps: 3, mass }), 2, 2);
    expectMoved(run, 2);
    for (const w of PROJECTIONS) expectCdfWithinDkw(name, project(run.end.x, w, 2), projectionCdf(w), { k: 3, detect: 0.01, what: `projection (${w})` });
  });
});

describe('HMC keeps the two-mode mixture (004 (15)) invariant: mode weight as a binomial count', () => {
  it("HMC: the two-mode mixture's side count after 3 steps from exact draws is Binomial(n, p)", () => {
    // As in the MH spec: d = 2, a = (−1.25, 0), b = (1.25, 0), z = 0.5; P(x₀ > 0) = w_A Φ(−Δ/2) + w_B Φ(Δ/2) with
    // Δ = 2.5; exact binomial tails at α = 1e-6 (half-width ≈ 0.0077 in probability; |Δw| ≳ 0.01 is detected).
    const name = "HMC: the two-mode mixture's side count after 3 steps from exact draws is Binomial(n, p)";
    const energy = twoModeMixtureEnergy(2);
    const theta = Float64Array.of(-1.25, 0, 1.25, 0, 0.5);
    const wB = modeWeightB(0.5);
    const p = (1 - wB) * normalCdf(-1.25) + wB * normalCdf(1.25);
    const run = runFromExact(testStream(name), (s, n, out) => energy.sample!(s, theta, n, out), hmc(bind(energy, theta), N, { stepSize: 0.6, steps: 4 }), 2, 3);
    expectMoved(run, 2);
    let crossed = 0, count = 0;
    for (let i = 0; i < N; i++) {
      if (run.end.x[2 * i]! > 0) count++;
      if (Math.sign(run.end.x[2 * i]!) !== Math.sign(run.start[2 * i]!)) crossed++;
    }
    expect(crossed / N).toBeGreaterThan(0.05);
    expectBinomialCount(name, count, N, p, { what: 'walkers on the b side' });
  });
});
