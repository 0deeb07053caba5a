/**
 * MALA (001 Def. 4.4) and the erratum of 001 (4.21).
 * Layer A: the proposal density integrates to 1 with (4πh)^{−d/2} and to 2^{d/2} with the document's (2πh)^{−d/2}
 * (quadrature, d = 1, 2); the constant alone cancels from the acceptance (exact identity); pointwise detailed balance
 * on Gaussians and the two-mode mixture, which the document's U(x)-for-∇U(x) density breaks; on a 1-D grid the
 * MALA transition operator keeps e^{−U}/Z exactly and the as-written one does not; the batched step is the scalar
 * recipe replayed on the same stream.
 * Layer B: from exact draws, MALA keeps Gaussian laws (DKW) and the mixture's mode weight (exact binomial); the
 * as-written variant is rejected by the same DKW test (its law computed by quadrature first, to show it is detectable).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bind, gaussianEnergy, gaussianTheta, modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/index.js';
import type { Potential } from '../../src/energies/energy.js';
import { matmul, symmetricEigen, transpose } from '../../src/linalg/index.js';
import { normals, streamFromState, uniformOpen } from '../../src/rng/index.js';
import {
  mala,
  malaLogAcceptance,
  malaProposalLogDensity,
  malaProposalLogDensityAsWritten,
  type MalaProposalLogDensity,
} from '../../src/samplers/mala.js';
import { emptyState, type WalkerState } from '../../src/samplers/types.js';
import { ALPHA } from '../_support/alpha-registry.js';
import { testStream } from '../_support/seed.js';
import { dkwEpsilon, expectBinomialCount, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** ∫ e^{log g(y|x)} dy by the trapezoid rule on ±14 proposal standard deviations (spectrally accurate for a Gaussian). */
function integrateProposal(logG: MalaProposalLogDensity, x: Float64Array, u: number, grad: Float64Array, h: number, d: 1 | 2): number {
  const m = 561, half = 14 * Math.sqrt(2 * h);
  const y = new Float64Array(d);
  // centre the grid on the density's own mean (x − h∇U for MALA, x − hU·1 as written)
  const centre = (k: number) => (logG === malaProposalLogDensityAsWritten ? x[k]! - h * u : x[k]! - h * grad[k]!);
  const step = (2 * half) / (m - 1);
  let s = 0;
  if (d === 1) {
    for (let i = 0; i < m; i++) {
      y[0] = centre(0) - half + i * step;
      s += (i === 0 || i === m - 1 ? 0.5 : 1) * Math.exp(logG(y, x, u, grad, h, 1));
    }
    return s * step;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      y[0] = centre(0) - half + i * step;
      y[1] = centre(1) - half + j * step;
      s += (i === 0 || i === m - 1 ? 0.5 : 1) * (j === 0 || j === m - 1 ? 0.5 : 1) * Math.exp(logG(y, x, u, grad, h, 2));
    }
  }
  return s * step * step;
}

/** The document's constant with the right mean: (2πh)^{−d/2} exp(−|x' − x + h∇U(x)|²/(4h)). */
const wrongConstantOnly: MalaProposalLogDensity = (to, from, u, grad, h, d, offset = 0) =>
  malaProposalLogDensity(to, from, u, grad, h, d, offset) + 0.5 * d * Math.LN2;

/** Σ = MᵀM + cI. */
function spd(m: number[], d: number, c: number): Float64Array {
  const mm = Float64Array.from(m);
  const s = matmul(transpose(mm, d, d), mm, d, d, d);
  for (let i = 0; i < d; i++) s[i * d + i] = s[i * d + i]! + c;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) s[j * d + i] = s[i * d + j]!;
  return s;
}

/** A generated target with a pair of points: a Gaussian (d = 1..4, full Σ) or the two-mode mixture (d = 2). */
const targetAndPair = fc.oneof(
  fc.integer({ min: 1, max: 4 }).chain((d) =>
    fc.record({
      kind: fc.constant('gaussian' as const),
      d: fc.constant(d),
      m: fc.array(dbl(-1, 1), { minLength: d * d, maxLength: d * d }),
      c: dbl(0.2, 1),
      mu: fc.array(dbl(-2, 2), { minLength: d, maxLength: d }),
      x: fc.array(dbl(-3, 3), { minLength: d, maxLength: d }),
      y: fc.array(dbl(-3, 3), { minLength: d, maxLength: d }),
      h: dbl(0.01, 1.5),
    }),
  ),
  fc.record({
    kind: fc.constant('mixture' as const),
    d: fc.constant(2),
    ab: fc.array(dbl(-2, 2), { minLength: 4, maxLength: 4 }),
    z: dbl(-2, 2),
    x: fc.array(dbl(-3, 3), { minLength: 2, maxLength: 2 }),
    y: fc.array(dbl(-3, 3), { minLength: 2, maxLength: 2 }),
    h: dbl(0.01, 1.5),
  }),
);

type Generated = { kind: 'gaussian'; d: number; m: number[]; c: number; mu: number[]; x: number[]; y: number[]; h: number }
  | { kind: 'mixture'; d: number; ab: number[]; z: number; x: number[]; y: number[]; h: number };

function potentialOf(g: Generated): Potential {
  if (g.kind === 'gaussian') return bind(gaussianEnergy(spd(g.m, g.d, g.c), g.d), gaussianTheta(Float64Array.from(g.mu)));
  return bind(twoModeMixtureEnergy(2), twoModeTheta(Float64Array.from(g.ab.slice(0, 2)), Float64Array.from(g.ab.slice(2)), g.z));
}

/** The two sides of detailed balance for the MALA kernel T(x → y) = g(y|x) α(x, y), α built with `ratioDensity`. */
function balance(pot: Potential, xs: number[], ys: number[], h: number, ratioDensity: MalaProposalLogDensity) {
  const d = pot.dim;
  const x = Float64Array.from(xs), y = Float64Array.from(ys);
  const ux = new Float64Array(1), uy = new Float64Array(1), gx = new Float64Array(d), gy = new Float64Array(d);
  pot.energyGrad(x, 1, ux, gx);
  pot.energyGrad(y, 1, uy, gy);
  // the kernel's proposal is always the ULA step, whatever density the ratio uses
  const lhs = -ux[0]! + malaProposalLogDensity(y, x, ux[0]!, gx, h, d) + malaLogAcceptance(x, ux[0]!, gx, y, uy[0]!, gy, h, d, ratioDensity);
  const rhs = -uy[0]! + malaProposalLogDensity(x, y, uy[0]!, gy, h, d) + malaLogAcceptance(y, uy[0]!, gy, x, ux[0]!, gx, h, d, ratioDensity);
  return { lhs, rhs, scale: 1 + Math.abs(lhs) + Math.abs(rhs) };
}

describe('the MALA proposal density and the 001 (4.21) erratum (exact)', () => {
  it('(4πh)^{−d/2} exp(−|x′ − x + h∇U|²/4h) integrates to 1; the document\'s (2πh)^{−d/2} version to 2^{d/2} (d = 1, 2)', () => {
    const stream = testStream('mala: proposal quadrature points');
    for (const d of [1, 2] as const) {
      for (const h of [0.01, 0.3, 2]) {
        const x = normals(stream, new Float64Array(d)), grad = normals(stream, new Float64Array(d));
        const u = 1.7;
        expect(integrateProposal(malaProposalLogDensity, x, u, grad, h, d)).toBeCloseTo(1, 12);
        expect(integrateProposal(malaProposalLogDensityAsWritten, x, u, grad, h, d) / 2 ** (d / 2)).toBeCloseTo(1, 12);
      }
    }
  });

  it('the (2πh) constant alone cancels: the acceptance probability is identical (so it cannot change the chain)', () => {
    fc.assert(
      fc.property(targetAndPair, (g) => {
        const pot = potentialOf(g);
        const d = pot.dim, x = Float64Array.from(g.x), y = Float64Array.from(g.y);
        const ux = new Float64Array(1), uy = new Float64Array(1), gx = new Float64Array(d), gy = new Float64Array(d);
        pot.energyGrad(x, 1, ux, gx);
        pot.energyGrad(y, 1, uy, gy);
        const right = malaLogAcceptance(x, ux[0]!, gx, y, uy[0]!, gy, g.h, d);
        const constant = malaLogAcceptance(x, ux[0]!, gx, y, uy[0]!, gy, g.h, d, wrongConstantOnly);
        expect(Math.abs(right - constant)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(right)));
      }),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('pointwise detailed balance 001 (4.5): −U(x) + log g(y|x) + log α(x,y) = −U(y) + log g(x|y) + log α(y,x)', () => {
    fc.assert(
      fc.property(targetAndPair, (g) => {
        const { lhs, rhs, scale } = balance(potentialOf(g), g.x, g.y, g.h, malaProposalLogDensity);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * scale);
      }),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('negative control: with 001 (4.21) as written (U(x) for ∇U(x)) in the ratio, detailed balance fails', () => {
    // 200 pairs from the test's stream on a 2-D Gaussian and on the mixture; generic pairs violate it by O(1).
    const stream = testStream('mala: as-written pairs');
    const targets = [
      bind(gaussianEnergy(Float64Array.of(1, 0.3, 0.3, 0.5), 2), gaussianTheta(Float64Array.of(0.5, -1))),
      bind(twoModeMixtureEnergy(2), twoModeTheta(Float64Array.of(-1, 0), Float64Array.of(1, 0.5), 0.3)),
    ];
    for (const pot of targets) {
      const violations: number[] = [];
      for (let k = 0; k < 200; k++) {
        const xy = normals(stream, new Float64Array(4));
        const { lhs, rhs, scale } = balance(pot, [xy[0]!, xy[1]!], [xy[2]!, xy[3]!], 0.4, malaProposalLogDensityAsWritten);
        violations.push(Math.abs(lhs - rhs) / scale);
      }
      violations.sort((a, b) => a - b);
      expect(violations[100]!).toBeGreaterThan(1e-2); // the median pair is off by more than 1 %
      expect(violations[199]!).toBeGreaterThan(1e-1);
    }
  });
});

/**
 * One step of a 1-D MALA chain as a matrix on a grid x_i (spacing Δ): p′_j = Σ_i p_i T(x_i → x_j) Δ + p_j r_j, with
 * T = g α and r the grid's rejection mass. Detailed balance makes the grid operator keep π_i exactly (to rounding).
 */
function gridChain(mu: number, s: number, h: number, ratioDensity: MalaProposalLogDensity, m = 801) {
  const half = 10 * s, dx = (2 * half) / (m - 1);
  const xs = Float64Array.from({ length: m }, (_, i) => mu - half + i * dx);
  const pot = bind(gaussianEnergy(Float64Array.of(s * s), 1), gaussianTheta(Float64Array.of(mu)));
  const u = pot.energy(xs, m, new Float64Array(m));
  const grad = new Float64Array(m);
  pot.energyGrad(xs, m, new Float64Array(m), grad);
  const t = new Float64Array(m * m), r = new Float64Array(m);
  const a = new Float64Array(1), b = new Float64Array(1), ga = new Float64Array(1), gb = new Float64Array(1);
  for (let i = 0; i < m; i++) {
    a[0] = xs[i]!;
    ga[0] = grad[i]!;
    let acc = 0;
    for (let j = 0; j < m; j++) {
      b[0] = xs[j]!;
      gb[0] = grad[j]!;
      const v = Math.exp(malaProposalLogDensity(b, a, u[i]!, ga, h, 1) + malaLogAcceptance(a, u[i]!, ga, b, u[j]!, gb, h, 1, ratioDensity)) * dx;
      t[i * m + j] = v;
      acc += v;
    }
    r[i] = 1 - acc;
  }
  const pi = Float64Array.from(xs, (x) => Math.exp(-((x - mu) ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI)) * dx);
  const apply = (p: Float64Array) => {
    const q = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const pi_ = p[i]!;
      for (let j = 0; j < m; j++) q[j] = q[j]! + pi_ * t[i * m + j]!;
      q[i] = q[i]! + pi_ * r[i]!;
    }
    return q;
  };
  /** sup_j |cumulative mass up to x_j (midpoint rule) − Φ((x_j − μ)/s)| after k steps from π. */
  const ksAfter = (k: number) => {
    let p = pi;
    for (let j = 0; j < k; j++) p = apply(p);
    let c = 0, sup = 0;
    for (let j = 0; j < m; j++) {
      c += p[j]!;
      sup = Math.max(sup, Math.abs(c - p[j]! / 2 - normalCdf((xs[j]! - mu) / s)));
    }
    return sup;
  };
  return { pi, apply, ksAfter, dx };
}

describe('MALA invariance on a 1-D grid (exact)', () => {
  it('the MALA operator keeps π to rounding; with 001 (4.21) as written in the ratio it moves π by O(0.1)', () => {
    const right = gridChain(0.5, 1, 0.5, malaProposalLogDensity, 401);
    const wrong = gridChain(0.5, 1, 0.5, malaProposalLogDensityAsWritten, 401);
    const dev = (g: ReturnType<typeof gridChain>) => {
      const q = g.apply(g.pi);
      return q.reduce((mx, v, j) => Math.max(mx, Math.abs(v - g.pi[j]!) / g.dx), 0); // density units
    };
    expect(dev(right)).toBeLessThan(1e-12);
    expect(dev(wrong)).toBeGreaterThan(1e-2);
  });
});

const sigma = Float64Array.of(1, 0.5, 0.5, 2);
const mu = Float64Array.of(0.5, -1);

describe('the MALA sampler', () => {
  const potential = bind(gaussianEnergy(sigma, 2), gaussianTheta(mu));

  it('step = propose with the stream\'s n·d normals, then one uniform per walker and the scalar acceptance; in place equals out of place', () => {
    const n = 200, d = 2, h = 0.8; // acceptance ≈ 0.8: both branches occur (all-accept has probability ≈ 0.8^200)
    const stream = testStream('mala: step replay');
    const x0 = normals(stream, new Float64Array(n * d));
    const after = stream.getState();
    const sampler = mala(potential, n, h);
    const state = sampler.init(x0);
    const before = Float64Array.from(state.x);
    const out = emptyState(n, d);
    const info = sampler.step(stream, state, out);
    // the recipe, by hand
    const replay = streamFromState(after);
    const xi = normals(replay, new Float64Array(n * d));
    const y = Float64Array.from(xi, (v, j) => state.x[j]! - h * state.grad[j]! + Math.sqrt(2 * h) * v);
    const uy = new Float64Array(n), gy = new Float64Array(n * d);
    potential.energyGrad(y, n, uy, gy);
    let accepted = 0;
    for (let i = 0; i < n; i++) {
      const logA = malaLogAcceptance(state.x, state.u[i]!, state.grad, y, uy[i]!, gy, h, d, malaProposalLogDensity, i * d);
      const acc = Math.log(uniformOpen(replay)) < logA;
      expect(info.accepted[i]).toBe(acc ? 1 : 0);
      expect(info.acceptProbability[i]).toBe(Math.exp(logA));
      const src = acc ? y : state.x;
      expect([out.x[2 * i], out.x[2 * i + 1]]).toEqual([src[2 * i], src[2 * i + 1]]);
      expect(out.u[i]).toBe(acc ? uy[i] : state.u[i]);
      expect([out.grad[2 * i], out.grad[2 * i + 1]]).toEqual(acc ? [gy[2 * i], gy[2 * i + 1]] : [state.grad[2 * i], state.grad[2 * i + 1]]);
      accepted += acc ? 1 : 0;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(n); // the replay exercises both branches
    expect(info.acceptRate).toBe(accepted / n);
    expect(Array.from(state.x)).toEqual(Array.from(before));
    expect(stream.getState()).toEqual(replay.getState());
    const s2 = sampler.init(x0);
    sampler.step(streamFromState(after), s2, s2);
    expect(Array.from(s2.x)).toEqual(Array.from(out.x));
    expect(Array.from(s2.u)).toEqual(Array.from(out.u));
  });

  it('rejects bad input: h ≤ 0 or non-finite, non-finite x, wrong shapes; a NaN energy at the proposal rejects it', () => {
    expect(() => mala(potential, 4, 0)).toThrow(/h must be a finite number > 0/);
    expect(() => mala(potential, 4, Number.POSITIVE_INFINITY)).toThrow(/h must be/);
    expect(() => mala(potential, 1.5, 0.1)).toThrow(/n must be a positive integer/);
    const s = mala(potential, 2, 0.1);
    expect(() => s.init(Float64Array.of(0, Number.POSITIVE_INFINITY, 0, 0))).toThrow(/x\[1\] must be finite/);
    expect(() => s.init(new Float64Array(5))).toThrow(/n·d/);
    expect(() => s.step(testStream('mala: bad shapes'), s.init(new Float64Array(4)), emptyState(2, 3))).toThrow(/d = 2/);
    const z = Float64Array.of(0);
    expect(malaLogAcceptance(z, 0, z, z, Number.NaN, z, 0.1, 1)).toBe(-Infinity);
  });
});

describe('MALA keeps its target from exact draws (Layer B)', () => {
  function runFromExact(stream: ReturnType<typeof testStream>, sample: (n: number, out: Float64Array) => Float64Array, sampler: ReturnType<typeof mala>, n: number, d: number, k: number) {
    const x0 = sample(n, new Float64Array(n * d));
    const state: WalkerState = sampler.init(x0);
    let rate = 0;
    for (let j = 0; j < k; j++) rate += sampler.step(stream, state, state).acceptRate / k;
    let moved = 0;
    for (let i = 0; i < n; i++) if (state.x[i * d] !== x0[i * d]) moved++;
    return { x0, x: state.x, rate, moved: moved / n };
  }

  it("MALA: 3 steps from exact 2-D Gaussian draws keep two projections' laws", () => {
    // Σ = [[1, ½], [½, 2]], μ = (½, −1), h = 0.6 (where ULA's bias is detectable, spec/samplers/ula.spec.ts), n = 40000
    // iid walkers: each projection vᵀX_3 is exactly N(vᵀμ, vᵀΣv) under invariance; two projections at α/2 each.
    const name = "MALA: 3 steps from exact 2-D Gaussian draws keep two projections' laws";
    const stream = testStream(name);
    const energy = gaussianEnergy(sigma, 2), theta = gaussianTheta(mu), n = 40000;
    const run = runFromExact(stream, (m, out) => energy.sample!(stream, theta, m, out), mala(bind(energy, theta), n, 0.6), n, 2, 3);
    expect(run.rate).toBeGreaterThan(0.5); // not a do-nothing kernel: most proposals are accepted
    expect(run.moved).toBeGreaterThan(0.5);
    const ev = symmetricEigen(sigma, 2).vectors;
    for (const v of [[1, 0], [ev[0]!, ev[2]!]]) {
      const proj = Float64Array.from({ length: n }, (_, i) => v[0]! * run.x[2 * i]! + v[1]! * run.x[2 * i + 1]!);
      const m = v[0]! * mu[0]! + v[1]! * mu[1]!;
      const sd = Math.sqrt(v[0]! * v[0]! * sigma[0]! + 2 * v[0]! * v[1]! * sigma[1]! + v[1]! * v[1]! * sigma[3]!);
      expectCdfWithinDkw(name, proj, (t) => normalCdf((t - m) / sd), { k: 2, what: `projection (${v[0]!.toFixed(3)}, ${v[1]!.toFixed(3)})` });
    }
  });

  // 1-D, N(½, 1), h = ½, 3 steps from n = 20000 exact draws: the DKW test of the law, then the same test on the chain
  // whose ratio uses 001 (4.21) as written (negative control). The grid operator gives that chain's law after 3 steps;
  // its KS distance from the target (≈ 0.13) must exceed two DKW bands (≈ 0.038) for the control to be meaningful.
  const mu1 = 0.5, s1 = 1, h1 = 0.5, n1 = 20000, k1 = 3;
  const energy1 = gaussianEnergy(Float64Array.of(s1 * s1), 1), theta1 = gaussianTheta(Float64Array.of(mu1));
  const cdf1 = (t: number) => normalCdf((t - mu1) / s1);

  it('MALA: 3 steps from exact 1-D Gaussian draws keep the law', () => {
    const name = 'MALA: 3 steps from exact 1-D Gaussian draws keep the law';
    const stream = testStream(name);
    const run = runFromExact(stream, (m, out) => energy1.sample!(stream, theta1, m, out), mala(bind(energy1, theta1), n1, h1), n1, 1, k1);
    expect(run.moved).toBeGreaterThan(0.5);
    expectCdfWithinDkw(name, run.x, cdf1);
  });

  it('MALA negative control: with 001 (4.21) as written in the ratio the same test rejects', () => {
    const name = 'MALA negative control: with 001 (4.21) as written in the ratio the same test rejects';
    const gap = gridChain(mu1, s1, h1, malaProposalLogDensityAsWritten, 401).ksAfter(k1);
    const eps = dkwEpsilon(n1, ALPHA[name]!);
    if (!(gap > 2 * eps + 1e-3)) throw new Error(`undetectable: KS of the as-written chain's law = ${gap} ≤ 2ε = ${2 * eps} (+ grid error)`);
    const stream = testStream(name);
    const sampler = mala(bind(energy1, theta1), n1, h1, { proposalLogDensity: malaProposalLogDensityAsWritten });
    const run = runFromExact(stream, (m, out) => energy1.sample!(stream, theta1, m, out), sampler, n1, 1, k1);
    expectCdfOutsideDkw(name, run.x, cdf1);
  });

  it("MALA: the two-mode mixture's side count after 5 steps from exact draws is Binomial(n, p)", () => {
    // d = 2, a = (−1.25, 0), b = (1.25, 0), z = 0.5 (as the MH and HMC specs). With t = (x − (a+b)/2)·(b − a)/|b − a|,
    // P(t > 0) = w_A Φ(−Δ/2) + w_B Φ(Δ/2), Δ = |a − b| = 2.5, w_B = e^{−z}/(1 + e^{−z}); the count of the n iid walkers
    // with t > 0 is Binomial(n, p) under invariance, tested with exact tails at α = 1e-6.
    const name = "MALA: the two-mode mixture's side count after 5 steps from exact draws is Binomial(n, p)";
    const stream = testStream(name);
    const energy = twoModeMixtureEnergy(2), theta = twoModeTheta(Float64Array.of(-1.25, 0), Float64Array.of(1.25, 0), 0.5);
    const wB = modeWeightB(0.5), delta = 2.5, n = 40000;
    const p = (1 - wB) * normalCdf(-delta / 2) + wB * normalCdf(delta / 2);
    const run = runFromExact(stream, (m, out) => energy.sample!(stream, theta, m, out), mala(bind(energy, theta), n, 0.5), n, 2, 5);
    let count = 0, crossed = 0;
    for (let i = 0; i < n; i++) {
      if (run.x[2 * i]! > 0) count++;
      if (Math.sign(run.x[2 * i]!) !== Math.sign(run.x0[2 * i]!)) crossed++;
    }
    expect(crossed / n).toBeGreaterThan(0.05); // the modes mix: walkers do change sides
    expectBinomialCount(name, count, n, p, { what: 'walkers on the b side' });
  });
});
