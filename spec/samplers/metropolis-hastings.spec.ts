/**
 * Metropolis–Hastings (000 §2.1.2, 001 Def. 4.2) on ℝ^d and on a finite state space.
 * Layer A: the acceptance formula, pointwise detailed balance (001 (4.5), (4.7)) for generated pairs x ≠ x′, the exact
 * transition matrix on {0 … S−1} (detailed balance 000 (15), stationarity 001 (4.4), rows summing to 1), replay of a
 * step from the same stream, validation.
 * Layer B (α = 1e-6 each, registered): one-step invariance from exact draws of Gaussian targets (random walk and
 * independence proposals; DKW on three projections, which pin down the mean and the 2×2 covariance), the two-mode
 * mixture's mode weight (exact binomial), the finite sampler's one-step transition counts (exact binomial per cell,
 * Bonferroni). Negative controls: the independence proposal without its Hastings ratio, and the finite counts against
 * the kernel without the ratio.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, type Potential } from '../../src/energies/energy.js';
import { gaussianEnergy } from '../../src/energies/gaussian.js';
import { modeWeightB, twoModeMixtureEnergy } from '../../src/energies/two-mode-mixture.js';
import { normals } from '../../src/rng/index.js';
import type { Stream } from '../../src/rng/stream.js';
import { finiteMetropolisHastings, finiteMetropolisHastingsMatrix } from '../../src/samplers/finite.js';
import {
  independenceProposal,
  logAcceptanceProbability,
  logTransitionDensity,
  metropolisHastings,
  randomWalkProposal,
  type Proposal,
} from '../../src/samplers/metropolis-hastings.js';
import { emptyState, type AcceptInfo, type Sampler, type WalkerState } from '../../src/samplers/types.js';
import { describeSeed, testStream } from '../_support/seed.js';
import { alphaOf, binomialInterval, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A non-quadratic potential for the pointwise identities: U(x) = ¼|x|⁴ + ½|x|² + sin(x₀). */
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

/** A generated d×d SPD matrix AᵀA + cI and a generated lower factor with positive diagonal. */
const spd = (d: number) => fc.array(num(-1, 1), { minLength: d * d, maxLength: d * d }).map((a) => {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = i === j ? 0.3 : 0;
    for (let k = 0; k < d; k++) s += a[k * d + i]! * a[k * d + j]!;
    m[i * d + j] = s;
  }
  return m;
});
const lowerFactor = (d: number) => fc.array(num(-1, 1), { minLength: d * d, maxLength: d * d }).map((a) => {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) l[i * d + j] = i === j ? 0.2 + Math.abs(a[i * d + j]!) : a[i * d + j]!;
  return l;
});

/** A proposal of every kind on ℝ^d, generated. */
const anyProposal = (d: number): fc.Arbitrary<Proposal> => fc.oneof(
  num(0.1, 3).map((s) => randomWalkProposal(d, s)),
  fc.array(num(0.1, 3), { minLength: d, maxLength: d }).map((s) => randomWalkProposal(d, Float64Array.from(s))),
  lowerFactor(d).map((l) => randomWalkProposal(d, l)),
  fc.tuple(fc.array(num(-2, 2), { minLength: d, maxLength: d }), spd(d)).map(([m, s]) => independenceProposal(Float64Array.from(m), s)),
);

describe('MH acceptance (001 (4.3), with min for the document\'s argmin)', () => {
  it('log A = min(0, −U(x′) + U(x) + log g(x|x′) − log g(x′|x)); NaN and +∞ energies reject', () => {
    expect(logAcceptanceProbability(1, 3, 0, 0)).toBe(-2);
    expect(logAcceptanceProbability(3, 1, 0, 0)).toBe(0);
    expect(logAcceptanceProbability(1, 2, 0.5, -0.25)).toBeCloseTo(-0.25, 15);
    expect(logAcceptanceProbability(1, 2, 1.5, -0.25)).toBe(0);
    expect(logAcceptanceProbability(1, NaN, 0, 0)).toBe(-Infinity);
    expect(logAcceptanceProbability(1, Infinity, 0, 0)).toBe(-Infinity);
    expect(logAcceptanceProbability(Infinity, Infinity, 0, 0)).toBe(-Infinity);
    fc.assert(fc.property(num(-50, 50), num(-50, 50), num(-20, 20), num(-20, 20), (u0, u1, r, f) => {
      const la = logAcceptanceProbability(u0, u1, r, f);
      expect(la).toBeLessThanOrEqual(0);
      expect(la).toBeCloseTo(Math.min(0, -u1 + u0 + r - f), 12);
    }), { numRuns: 100 });
  });

  it('proposal densities are normalized Gaussians: log g for σ, per-coordinate scales and a Cholesky factor agree with the closed form', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(fc.constant(d), lowerFactor(d), fc.array(num(-2, 2), { minLength: 2 * d, maxLength: 2 * d }))), ([d, l, v]) => {
      const to = Float64Array.from(v.slice(0, d)), from = Float64Array.from(v.slice(d));
      // Closed form with Σ = LLᵀ: solve by explicit forward substitution and log det = 2 Σ log L_kk.
      const diff = to.map((t, k) => t - from[k]!);
      const z = new Float64Array(d);
      let q = 0, logDet = 0;
      for (let k = 0; k < d; k++) {
        let s = diff[k]!;
        for (let j = 0; j < k; j++) s -= l[k * d + j]! * z[j]!;
        z[k] = s / l[k * d + k]!;
        q += z[k]! ** 2;
        logDet += 2 * Math.log(l[k * d + k]!);
      }
      const expected = -0.5 * q - 0.5 * logDet - 0.5 * d * Math.log(2 * Math.PI);
      expect(randomWalkProposal(d, l).logDensity(to, from, 1, new Float64Array(1))[0]).toBeCloseTo(expected, 10);
      const diagScale = Float64Array.from({ length: d }, (_, k) => l[k * d + k]!);
      let qd = 0;
      for (let k = 0; k < d; k++) qd += (diff[k]! / diagScale[k]!) ** 2;
      const expectedDiag = -0.5 * qd - diagScale.reduce((s, x) => s + Math.log(x), 0) - 0.5 * d * Math.log(2 * Math.PI);
      expect(randomWalkProposal(d, diagScale).logDensity(to, from, 1, new Float64Array(1))[0]).toBeCloseTo(expectedDiag, 10);
      // the random walk is symmetric
      const rw = randomWalkProposal(d, l);
      expect(rw.logDensity(to, from, 1, new Float64Array(1))[0]).toBeCloseTo(rw.logDensity(from, to, 1, new Float64Array(1))[0]!, 12);
    }), { numRuns: 100 });
  });
});

describe('MH detailed balance on ℝ^d, pointwise (001 (4.5), (4.7))', () => {
  it('−U(x) + log g(x′|x) + log A(x → x′) = the same with x, x′ swapped, for every proposal kind (to 1e-10)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(
      fc.constant(d), anyProposal(d), fc.array(num(-2.5, 2.5), { minLength: 2 * d, maxLength: 2 * d }))), ([d, proposal, v]) => {
      const x = Float64Array.from(v.slice(0, d)), y = Float64Array.from(v.slice(d));
      fc.pre(x.some((xi, k) => xi !== y[k]));
      const pot = quartic(d);
      const ux = pot.energy(x, 1, new Float64Array(1))[0]!, uy = pot.energy(y, 1, new Float64Array(1))[0]!;
      const lhs = -ux + logTransitionDensity(pot, proposal, x, y, 1)[0]!;
      const rhs = -uy + logTransitionDensity(pot, proposal, y, x, 1)[0]!;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs) + Math.abs(rhs)));
    }), { numRuns: 200 });
  });

  it('negative control: without the Hastings ratio the independence proposal breaks the identity by log g(x′|x) − log g(x|x′)', () => {
    fc.assert(fc.property(fc.array(num(-2.5, 2.5), { minLength: 4, maxLength: 4 }), ([a, b, c, e]) => {
      const proposal = independenceProposal(Float64Array.of(1, -0.5), Float64Array.of(2, 0.3, 0.3, 0.5));
      const pot = quartic(2);
      const x = Float64Array.of(a!, b!), y = Float64Array.of(c!, e!);
      const ux = pot.energy(x, 1, new Float64Array(1))[0]!, uy = pot.energy(y, 1, new Float64Array(1))[0]!;
      const gxy = proposal.logDensity(y, x, 1, new Float64Array(1))[0]!, gyx = proposal.logDensity(x, y, 1, new Float64Array(1))[0]!;
      const lhs = -ux + gxy + logAcceptanceProbability(ux, uy, 0, 0);
      const rhs = -uy + gyx + logAcceptanceProbability(uy, ux, 0, 0);
      expect(lhs - rhs).toBeCloseTo(gxy - gyx, 10);
      fc.pre(Math.abs(gxy - gyx) > 1e-3);
      expect(Math.abs(lhs - rhs)).toBeGreaterThan(1e-3);
    }), { numRuns: 100 });
  });
});

describe('MH step mechanics', () => {
  it('replays: each walker moves to the proposal drawn first from the stream or stays, accepting with u < A, info consistent', () => {
    const d = 2, n = 200;
    const pot = quartic(d);
    for (const proposal of [randomWalkProposal(d, 0.8), independenceProposal(Float64Array.of(0.3, 0), Float64Array.of(1, 0.2, 0.2, 0.7))]) {
      const sampler = metropolisHastings(pot, proposal, n);
      const stream = testStream(`mh replay ${proposal.name}`);
      const state = sampler.init(normals(stream, new Float64Array(n * d)));
      const replay = stream.clone();
      const out = emptyState(n, d);
      const info = sampler.step(stream, state, out);
      const xp = proposal.propose(replay, state.x, n, new Float64Array(n * d));
      const up = pot.energy(xp, n, new Float64Array(n));
      const fwd = proposal.logDensity(xp, state.x, n, new Float64Array(n)), rev = proposal.logDensity(state.x, xp, n, new Float64Array(n));
      let count = 0;
      for (let i = 0; i < n; i++) {
        const la = logAcceptanceProbability(state.u[i]!, up[i]!, rev[i]!, fwd[i]!);
        expect(info.acceptProbability[i]).toBeCloseTo(Math.exp(la), 12);
        const src = info.accepted[i] ? xp : state.x;
        expect(Array.from(out.x.subarray(i * d, i * d + d))).toEqual(Array.from(src.subarray(i * d, i * d + d)));
        expect(out.u[i]).toBe(info.accepted[i] ? up[i] : state.u[i]);
        count += info.accepted[i]!;
      }
      expect(info.acceptRate).toBe(count / n);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(n);
      expect(Number.isNaN(out.grad[0]!)).toBe(true); // MH without trackGradient leaves no stale ∇U
    }
  });

  it('an in-place step (out = state) gives what a step into a fresh buffer gives; trackGradient keeps ∇U exact', () => {
    const d = 3, n = 50;
    const pot = quartic(d);
    const sampler = metropolisHastings(pot, randomWalkProposal(d, 0.5), n, { trackGradient: true });
    const stream = testStream('mh in place');
    const x0 = normals(stream, new Float64Array(n * d));
    const a = sampler.init(x0), b = sampler.init(x0);
    const out = emptyState(n, d);
    for (let t = 0; t < 5; t++) {
      const s1 = stream.clone();
      sampler.step(s1, a, out);
      sampler.step(stream, b, b);
      a.x.set(out.x); a.u.set(out.u); a.grad.set(out.grad);
    }
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    const u = new Float64Array(n), g = new Float64Array(n * d);
    pot.energyGrad(b.x, n, u, g);
    expect(Array.from(b.u)).toEqual(Array.from(u));
    expect(Array.from(b.grad)).toEqual(Array.from(g));
  });

  it('validation: bad scales, factors, means, covariances, dimensions, positions and states are rejected by name', () => {
    expect(() => randomWalkProposal(2, 0)).toThrow(/scale must be a finite number > 0/);
    expect(() => randomWalkProposal(2, NaN)).toThrow(/scale must be a finite number > 0/);
    expect(() => randomWalkProposal(2, Float64Array.of(1, -1))).toThrow(/scale\[1\] must be a finite number > 0/);
    expect(() => randomWalkProposal(2, Float64Array.of(1, 0.5, 0, 1))).toThrow(/scale must be lower triangular/);
    expect(() => randomWalkProposal(2, Float64Array.of(1, 0, 0.5, 0))).toThrow(/scale must have a positive diagonal/);
    expect(() => randomWalkProposal(2, Float64Array.of(1, 2, 3))).toThrow(/scale must be a number, d = 2 scales/);
    expect(() => randomWalkProposal(0, 1)).toThrow(/d must be a positive integer/);
    expect(() => independenceProposal(Float64Array.of(0, NaN), Float64Array.of(1, 0, 0, 1))).toThrow(/mean\[1\] must be finite/);
    expect(() => independenceProposal(Float64Array.of(0, 0), Float64Array.of(1, 0, 0))).toThrow(/covariance must be d×d = 4/);
    expect(() => independenceProposal(Float64Array.of(0, 0), Float64Array.of(1, 2, 2, 1))).toThrow(/covariance must be positive definite/);
    const pot = quartic(2);
    expect(() => metropolisHastings(pot, randomWalkProposal(3, 1), 4)).toThrow(/proposal has dimension 3 but the potential/);
    expect(() => metropolisHastings(pot, randomWalkProposal(2, 1), 0)).toThrow(/n must be a positive integer/);
    const sampler = metropolisHastings(pot, randomWalkProposal(2, 1), 2);
    expect(() => sampler.init(new Float64Array(3))).toThrow(/x must hold n·d = 2·2 = 4 values, got 3/);
    expect(() => sampler.init(Float64Array.of(0, 1, Infinity, 0))).toThrow(/x\[2\] must be finite/);
    expect(() => sampler.init(Float64Array.of(0, 1, NaN, 0))).toThrow(/x\[2\] must be finite/);
    const state = sampler.init(new Float64Array(4));
    expect(() => sampler.step(testStream('mh validation'), state, emptyState(3, 2))).toThrow(/state must hold n = 2 walkers of dimension d = 2/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Finite state space
// ---------------------------------------------------------------------------------------------------------------------

/** Generated π (S weights) and a row-stochastic Q with some zero entries (Q_ii > 0 keeps every row non-empty). */
const finiteProblem = fc.integer({ min: 2, max: 6 }).chain((s) => fc.tuple(
  fc.constant(s),
  fc.array(num(0.01, 1), { minLength: s, maxLength: s }),
  fc.array(num(0, 1), { minLength: s * s, maxLength: s * s }),
)).map(([s, pi, raw]) => {
  const q = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    let row = 0;
    for (let j = 0; j < s; j++) {
      const v = i === j ? 0.05 + raw[i * s + j]! : raw[i * s + j]! < 0.25 ? 0 : raw[i * s + j]!;
      q[i * s + j] = v;
      row += v;
    }
    for (let j = 0; j < s; j++) q[i * s + j] = q[i * s + j]! / row;
  }
  return { s, pi: Float64Array.from(pi), q };
});

/** The MH kernel without the Hastings ratio (Q_ij min(1, π_j/π_i)): the deliberately wrong variant. */
function matrixWithoutRatio(pi: Float64Array, q: Float64Array): Float64Array {
  const s = pi.length;
  const p = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    let diag = q[i * s + i]!;
    for (let j = 0; j < s; j++) if (j !== i) { p[i * s + j] = q[i * s + j]! * Math.min(1, pi[j]! / pi[i]!); diag += q[i * s + j]! - p[i * s + j]!; }
    p[i * s + i] = diag;
  }
  return p;
}

describe('MH on a finite state space: the exact transition matrix', () => {
  it('rows sum to 1 with entries in [0, 1]; detailed balance π_i P_ij = π_j P_ji (000 (15)); stationarity πP = π (001 (4.4))', () => {
    fc.assert(fc.property(finiteProblem, ({ s, pi, q }) => {
      const p = finiteMetropolisHastingsMatrix(pi, q);
      for (let i = 0; i < s; i++) {
        let row = 0;
        for (let j = 0; j < s; j++) {
          expect(p[i * s + j]).toBeGreaterThanOrEqual(0);
          expect(p[i * s + j]).toBeLessThanOrEqual(1 + 1e-15);
          row += p[i * s + j]!;
          const a = pi[i]! * p[i * s + j]!, b = pi[j]! * p[j * s + i]!;
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-14 * Math.max(a, b));
          // off the diagonal P ≤ Q, and P = Q where the move is downhill in the MH sense
          if (i !== j) expect(p[i * s + j]).toBeLessThanOrEqual(q[i * s + j]!);
        }
        expect(Math.abs(row - 1)).toBeLessThan(1e-14 * s);
      }
      for (let j = 0; j < s; j++) {
        let flow = 0;
        for (let i = 0; i < s; i++) flow += pi[i]! * p[i * s + j]!;
        expect(Math.abs(flow - pi[j]!)).toBeLessThan(1e-13 * pi.reduce((a, b) => a + b, 0));
      }
    }), { numRuns: 200 });
  });

  it('negative control: the kernel without the Hastings ratio Q_ji/Q_ij breaks detailed balance for an asymmetric Q', () => {
    const pi = Float64Array.of(0.1, 0.2, 0.3, 0.4);
    const q = Float64Array.of(0.1, 0.6, 0.3, 0, 0.2, 0.2, 0.2, 0.4, 0.5, 0.1, 0.1, 0.3, 0.25, 0.25, 0.25, 0.25);
    const wrong = matrixWithoutRatio(pi, q);
    let worst = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) worst = Math.max(worst, Math.abs(pi[i]! * wrong[i * 4 + j]! - pi[j]! * wrong[j * 4 + i]!));
    expect(worst).toBeGreaterThan(0.01);
  });

  it('validation: π ≤ 0, Q of the wrong size, negative or non-stochastic rows', () => {
    expect(() => finiteMetropolisHastingsMatrix([1, 0], [1, 0, 0, 1])).toThrow(/pi\[1\] must be a finite number > 0/);
    expect(() => finiteMetropolisHastingsMatrix([1, 2], [1, 0, 0])).toThrow(/q must be S×S = 4 values/);
    expect(() => finiteMetropolisHastingsMatrix([1, 2], [1.5, -0.5, 0, 1])).toThrow(/q\[1\] must be finite and ≥ 0/);
    expect(() => finiteMetropolisHastingsMatrix([1, 2], [0.5, 0.4, 0, 1])).toThrow(/q row 0 must sum to 1/);
    expect(() => finiteMetropolisHastings([1, 2], [1, 0, 0, 1], 0)).toThrow(/n must be a positive integer/);
    const f = finiteMetropolisHastings([1, 2], [0.5, 0.5, 0.5, 0.5], 2);
    expect(() => f.step(testStream('finite validation'), Int32Array.of(0, 2), new Int32Array(2))).toThrow(/states\[1\] must be a state in \{0, …, 1\}/);
  });
});

describe('MH on a finite state space: the sampler (Layer B)', () => {
  // S = 4 with an asymmetric Q that has a zero, so the Hastings ratio and the rejection mass both matter.
  const pi = Float64Array.of(0.1, 0.2, 0.3, 0.4);
  const q = Float64Array.of(0.1, 0.6, 0.3, 0, 0.2, 0.2, 0.2, 0.4, 0.5, 0.1, 0.1, 0.3, 0.25, 0.25, 0.25, 0.25);
  const perState = 25_000;

  function transitionCounts(name: string): Int32Array {
    const n = 4 * perState;
    const sampler = finiteMetropolisHastings(pi, q, n);
    const states = new Int32Array(n);
    for (let w = 0; w < n; w++) states[w] = Math.floor(w / perState);
    const out = new Int32Array(n);
    sampler.step(testStream(name), states, out);
    const counts = new Int32Array(16);
    for (let w = 0; w < n; w++) counts[states[w]! * 4 + out[w]!]!++;
    return counts;
  }

  it('finite MH: one-step transition counts match P', () => {
    // 25,000 walkers start in each state; the count of i → j is Binomial(25,000, P_ij), tested with exact binomial
    // tails at α/16 per cell (Bonferroni over the 16 cells: total false-failure probability ≤ 1e-6). P_ij = 0 cells
    // (here 0 → 3) must be empty.
    const name = 'finite MH: one-step transition counts match P';
    const counts = transitionCounts(name);
    const p = finiteMetropolisHastingsMatrix(pi, q);
    for (let c = 0; c < 16; c++) expectBinomialCount(name, counts[c]!, perState, p[c]!, { k: 16, what: `count ${c >> 2} → ${c & 3}` });
  });

  it('finite MH negative control: the counts reject the kernel without the Hastings ratio', () => {
    // Fresh counts from this control's own stream, tested against the wrong matrix: at least one cell must fall outside its α/16 interval. P and the wrong kernel differ by up to
    // 0.2 in a cell, ~60 binomial standard deviations at 25,000 walkers per row.
    const name = 'finite MH negative control: the counts reject the kernel without the Hastings ratio';
    const counts = transitionCounts(name);
    const wrong = matrixWithoutRatio(pi, q);
    let outside = 0;
    for (let c = 0; c < 16; c++) {
      const [lo, hi] = binomialInterval(perState, wrong[c]!, alphaOf(name) / 16);
      if (counts[c]! < lo || counts[c]! > hi) outside++;
    }
    expect(outside, `no cell rejects the kernel without the Hastings ratio (${describeSeed(name)})`).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Invariance of Gaussian targets and of the two-mode mixture from exact draws (Layer B)
// ---------------------------------------------------------------------------------------------------------------------

const N = 100_000;
/** The target of the Gaussian invariance tests: μ = (0.5, −1), Σ = e^{2s}Σ₀ with s = 0.2. */
const SIGMA0 = Float64Array.of(1, 0.6, 0.6, 0.8);
const THETA = Float64Array.of(0.5, -1, 0.2);
const SIGMA = SIGMA0.map((v) => v * Math.exp(2 * THETA[2]!));
const MU = THETA.subarray(0, 2);
/** Three projections: their variances determine the 2×2 covariance, their means the mean. */
const PROJECTIONS = [Float64Array.of(1, 0), Float64Array.of(0, 1), Float64Array.of(Math.SQRT1_2, -Math.SQRT1_2)];

interface Run { readonly start: Float64Array; readonly end: WalkerState; readonly acceptRate: number }

/** n exact draws from the target, then k steps of the sampler. */
function runFromExact(stream: Stream, sample: (s: Stream, n: number, out: Float64Array) => Float64Array, sampler: Sampler<AcceptInfo>, d: number, k: number): Run {
  const start = sample(stream, N, new Float64Array(N * d));
  const state = sampler.init(start);
  let acc = 0;
  for (let t = 0; t < k; t++) acc += sampler.step(stream, state, state).acceptRate;
  return { start, end: state, acceptRate: acc / k };
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

/** Asserts the walkers moved: acceptance in (0.05, 1) and a mean displacement above 0.1. */
function expectMoved(run: Run, d: number): void {
  expect(run.acceptRate).toBeGreaterThan(0.05);
  expect(run.acceptRate).toBeLessThan(1);
  expect(meanDisplacement(run.start, run.end.x, d)).toBeGreaterThan(0.1);
}

describe('MH keeps Gaussian targets invariant (one-step invariance from exact draws, DKW)', () => {
  const energy = gaussianEnergy(SIGMA0, 2);
  const target = bind(energy, THETA);
  const sample = (s: Stream, n: number, out: Float64Array) => energy.sample!(s, THETA, n, out);

  it('MH random walk: 3 steps from exact Gaussian draws keep three projections\' laws', () => {
    // 100,000 iid walkers (each its own chain from an exact draw); three DKW tests at α/3 each: band ε = 0.0088.
    const name = "MH random walk: 3 steps from exact Gaussian draws keep three projections' laws";
    const run = runFromExact(testStream(name), sample, metropolisHastings(target, randomWalkProposal(2, 1.2), N), 2, 3);
    expectMoved(run, 2);
    for (const w of PROJECTIONS) expectCdfWithinDkw(name, project(run.end.x, w, 2), projectionCdf(w), { k: 3, detect: 0.01, what: `projection (${w})` });
  });

  it('MH independence: 3 steps from exact Gaussian draws keep three projections\' laws', () => {
    // Proposal N(μ + (1, 0), 2Σ₀): asymmetric, so the Hastings ratio matters. DKW at α/3 per projection.
    const name = "MH independence: 3 steps from exact Gaussian draws keep three projections' laws";
    const proposal = independenceProposal(Float64Array.of(MU[0]! + 1, MU[1]!), SIGMA0.map((v) => 2 * v));
    const run = runFromExact(testStream(name), sample, metropolisHastings(target, proposal, N), 2, 3);
    expectMoved(run, 2);
    for (const w of PROJECTIONS) expectCdfWithinDkw(name, project(run.end.x, w, 2), projectionCdf(w), { k: 3, detect: 0.01, what: `projection (${w})` });
  });

  it('MH independence negative control: without the Hastings ratio the first projection leaves the DKW band', () => {
    // The same proposal declared symmetric (the ratio omitted): its stationary law is ∝ ρ·g, so the first coordinate
    // drifts toward the proposal's mean. Same DKW band as the positive test (α/3).
    const name = 'MH independence negative control: without the Hastings ratio the first projection leaves the DKW band';
    const proposal = independenceProposal(Float64Array.of(MU[0]! + 1, MU[1]!), SIGMA0.map((v) => 2 * v));
    const noRatio: Proposal = { ...proposal, symmetric: true };
    const run = runFromExact(testStream(name), sample, metropolisHastings(target, noRatio, N), 2, 3);
    expectMoved(run, 2);
    expectCdfOutsideDkw(name, project(run.end.x, PROJECTIONS[0]!, 2), projectionCdf(PROJECTIONS[0]!), { k: 3 });
  });
});

describe('MH keeps the two-mode mixture (004 (15)) invariant: mode weight as a binomial count', () => {
  it('MH random walk: the two-mode mixture\'s side count after 5 steps from exact draws is Binomial(n, p)', () => {
    // d = 2, a = (−1.25, 0), b = (1.25, 0) (|a − b| = 2.5, so walkers cross), z = 0.5: w_B = e^{−z}/(1 + e^{−z}). With
    // t = (x − (a+b)/2)·(b − a)/|b − a|, P(t > 0) = w_A Φ(−Δ/2) + w_B Φ(Δ/2) (each mode is N(·, I)); the count of
    // walkers with t > 0 is Binomial(n, p), tested with exact tails at α = 1e-6. A wrong weight Δw shifts p by
    // Δw·(2Φ(Δ/2) − 1) ≈ 0.79 Δw; the interval half-width is ≈ 0.0077, so |Δw| ≳ 0.01 is detected.
    const name = "MH random walk: the two-mode mixture's side count after 5 steps from exact draws is Binomial(n, p)";
    const energy = twoModeMixtureEnergy(2);
    const theta = Float64Array.of(-1.25, 0, 1.25, 0, 0.5);
    const wB = modeWeightB(0.5);
    const delta = 2.5;
    const p = (1 - wB) * normalCdf(-delta / 2) + wB * normalCdf(delta / 2);
    const run = runFromExact(testStream(name), (s, n, out) => energy.sample!(s, theta, n, out), metropolisHastings(bind(energy, theta), randomWalkProposal(2, 1.5), N), 2, 5);
    expectMoved(run, 2);
    let crossed = 0, count = 0;
    for (let i = 0; i < N; i++) {
      if (run.end.x[2 * i]! > 0) count++;
      if (Math.sign(run.end.x[2 * i]!) !== Math.sign(run.start[2 * i]!)) crossed++;
    }
    expect(crossed / N).toBeGreaterThan(0.05); // the modes mix: walkers do change sides
    expectBinomialCount(name, count, N, p, { what: 'walkers on the b side' });
  });
});
