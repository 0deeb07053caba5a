/**
 * The principle of maximum entropy, 001 §5. Layer A only (no randomness beyond generated problem parameters):
 * Example 5.1 solved numerically equals ρ = 1/(b − a), λ0 = 1 − log(b − a), H = log(b − a); Prop. 5.1 solved for β
 * recovers β from Ū = E_β[U] (finite state spaces, property), the two-level closed form β = log((1 − Ū)/Ū), and on
 * continuous energies by quadrature the Gaussian (U = x²/2: Ū = 1/(2β), log Z = ½ log(2π/β)) and the truncated
 * exponential; the stationarity condition (5.9) holds pointwise; (5.12) F = −T log Z = Ū − T·H to 1e-12; maximality:
 * every perturbed law with the same constraints has lower entropy, by exactly KL(π ‖ ρ) (property); the Ising
 * enumeration's mean energy gives back its β. Erratum (Prop. 5.1 writes λ1 > 0): the multiplier is λ1 = −β < 0 when Ū is
 * below the uniform mean, and the law e^{+βU}/Z of the as-written sign violates the constraint.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, streamFromKey, uniform } from '../../src/rng/index.js';
import { gaussLegendre, simpsonRule } from '../../src/stats/quadrature.js';
import {
  energyOnRule, entropyOf, freeEnergyResidual, gibbsLaw, helmholtzFreeEnergy, maxEntropyGibbs, monotoneRoot,
  uniformMaxEntropy, uniformMaxEntropyOnRule,
} from '../../src/physics/maxent.js';
import { isingExact, isingLattice2d, isingStateEnergies } from '../../src/physics/ising.js';
import { fcParams } from '../rng/_fc.js';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

function randomEnergies(seed: number, S: number): Float64Array {
  const s = streamFromKey(keyFromSeed(seed)), u = new Float64Array(S);
  for (let k = 0; k < S; k++) u[k] = 4 * uniform(s) - 2;
  return u;
}

describe('physics/maxent: Example 5.1 (uniform law on an interval)', () => {
  it('the numerical root of the normalization (5.5) gives ρ = 1/(b − a), λ0 = 1 − log(b − a), H = log(b − a)', () => {
    fc.assert(fc.property(num(-5, 5), num(0.01, 20), (a, len) => {
      const b = a + len, closed = uniformMaxEntropy(a, b);
      for (const rule of [gaussLegendre(16, a, b), simpsonRule(a, b, 41)]) {
        const num_ = uniformMaxEntropyOnRule(rule);
        expect(num_.density * len).toBeCloseTo(1, 12);
        expect(num_.lambda0).toBeCloseTo(closed.lambda0, 12);
        expect(num_.entropy).toBeCloseTo(closed.entropy, 12);
      }
      expect(closed.lambda0).toBeCloseTo(1 - Math.log(len), 13);
    }), fcParams('maxent uniform', 100));
  });

  it('maximality: every normalized perturbation ρ + εg (∫g = 0) of the uniform law has lower entropy, by KL(π ‖ uniform)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), num(0.05, 0.95), (seed, eps) => {
      const rule = gaussLegendre(24, 0, 2), w = rule.weights;
      const s = streamFromKey(keyFromSeed(seed)), g = new Float64Array(24);
      let mean = 0;
      for (let k = 0; k < 24; k++) { g[k] = 2 * uniform(s) - 1; mean += w[k]! * g[k]! / 2; }
      let gmax = 0;
      for (let k = 0; k < 24; k++) { g[k] = g[k]! - mean; gmax = Math.max(gmax, Math.abs(g[k]!)); }
      const rho = 0.5, pi = g.map((v) => rho + (eps * rho * v) / gmax); // positive: |ε ρ g/gmax| < ρ
      let kl = 0;
      for (let k = 0; k < 24; k++) kl += w[k]! * pi[k]! * Math.log(pi[k]! / rho);
      const H = entropyOf(pi, w);
      expect(H).toBeLessThan(Math.log(2));
      expect(Math.log(2) - H).toBeCloseTo(kl, 12);
    }), fcParams('maxent uniform maximality', 100));
  });
});

describe('physics/maxent: Proposition 5.1 (Boltzmann–Gibbs from a mean-energy constraint)', () => {
  it('on finite state spaces the solved β reproduces the β that generated Ū', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 40 }), num(-3, 3), (seed, S, beta) => {
      const U = randomEnergies(seed, S);
      const target = gibbsLaw(U, beta);
      if (!(target.energyVariance > 1e-6)) return true; // Ū at the edge of the range: β is ill-conditioned, skip
      const law = maxEntropyGibbs(U, target.meanEnergy);
      expect(Math.abs(law.beta - beta)).toBeLessThan(1e-8 * (1 + Math.abs(beta)) / Math.min(1, target.energyVariance));
      expect(law.meanEnergy).toBeCloseTo(target.meanEnergy, 12);
      return true;
    }), fcParams('maxent beta roundtrip', 100));
  });

  it('the two-level system U ∈ {0, 1}: β = log((1 − Ū)/Ū) in closed form', () => {
    for (const ubar of [0.01, 0.2, 0.5, 0.7, 0.999]) {
      expect(maxEntropyGibbs(Float64Array.of(0, 1), ubar).beta).toBeCloseTo(Math.log((1 - ubar) / ubar), 11);
    }
  });

  it('a continuous energy by quadrature: U = x²/2 gives the Gaussian (Ū = 1/(2β), log Z = ½ log(2π/β), H = ½ log(2πe/β))', () => {
    const { energies, weights } = energyOnRule((x) => 0.5 * x * x, gaussLegendre(400, -30, 30)); // 200 nodes leave 6e-6 at Ū = 0.1; 400 and 800 agree to 1e-14
    for (const ubar of [0.1, 0.25, 1, 3]) {
      const law = maxEntropyGibbs(energies, ubar, weights);
      const beta = 1 / (2 * ubar);
      expect(law.beta).toBeCloseTo(beta, 10);
      expect(law.logZ).toBeCloseTo(0.5 * Math.log((2 * Math.PI) / beta), 10);
      expect(law.entropy).toBeCloseTo(0.5 * Math.log((2 * Math.PI * Math.E) / beta), 10);
    }
  });

  it('a continuous energy by quadrature: U = x on [0, L] gives the truncated exponential, Ū = 1/β − L/(e^{βL} − 1)', () => {
    const L = 3, { energies, weights } = energyOnRule((x) => x, gaussLegendre(60, 0, L));
    for (const beta of [-2, -0.3, 0.4, 1, 5]) {
      const ubar = 1 / beta - L / Math.expm1(beta * L);
      expect(maxEntropyGibbs(energies, ubar, weights).beta).toBeCloseTo(beta, 10);
    }
  });

  it('stationarity (5.9): −log ρ(x) − 1 + λ0 + λ1 U(x) = 0 at every point, with λ0 = 1 − log Z, λ1 = −β', () => {
    const U = randomEnergies(7, 25), law = maxEntropyGibbs(U, -0.4);
    for (let k = 0; k < 25; k++) expect(Math.abs(-Math.log(law.density[k]!) - 1 + law.lambda0 + law.lambda1 * U[k]!)).toBeLessThan(1e-13);
  });

  it('(5.12): log Z + βŪ − H = 0 and F = −T log Z = Ū − T·H to 1e-12 (finite and quadrature)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), num(0.05, 5), (seed, beta) => {
      const U = randomEnergies(seed, 30);
      const grids = [{ energies: U, weights: new Float64Array(30).fill(1) }, energyOnRule((x) => x ** 4 / 4 - x * x + 0.3 * x, gaussLegendre(120, -6, 6))];
      for (const { energies, weights } of grids) {
        const law = gibbsLaw(energies, beta, weights);
        expect(Math.abs(freeEnergyResidual(law))).toBeLessThan(1e-12 * (1 + Math.abs(law.logZ)));
        const T = 1 / beta;
        expect(Math.abs(helmholtzFreeEnergy(law.meanEnergy, law.entropy, T) - law.freeEnergy)).toBeLessThan(1e-12 * (1 + Math.abs(law.freeEnergy)) * T);
      }
    }), fcParams('maxent free energy', 100));
  });

  it('out of equilibrium F = Ū − T·H exceeds −T log Z by T·KL(π ‖ ρ) (Lemma 5.1: ρ minimizes F)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), num(0.1, 3), (seed, beta) => {
      const U = randomEnergies(seed, 12), rho = gibbsLaw(U, beta).density;
      const s = streamFromKey(keyFromSeed(seed + 1)), pi = new Float64Array(12);
      let tot = 0;
      for (let k = 0; k < 12; k++) { pi[k] = uniform(s) + 0.01; tot += pi[k]!; }
      let ubar = 0, kl = 0;
      for (let k = 0; k < 12; k++) { pi[k] = pi[k]! / tot; ubar += pi[k]! * U[k]!; kl += pi[k]! * Math.log(pi[k]! / rho[k]!); }
      const T = 1 / beta, F = helmholtzFreeEnergy(ubar, entropyOf(pi), T), Feq = gibbsLaw(U, beta).freeEnergy;
      expect(F - Feq).toBeCloseTo(T * kl, 11);
      expect(F).toBeGreaterThanOrEqual(Feq - 1e-12);
    }), fcParams('maxent free energy out of equilibrium', 100));
  });

  it('maximality: laws with the same normalization and mean energy have lower entropy, by exactly KL(π ‖ ρ)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), num(0.05, 0.9), (seed, eps) => {
      const S = 15, U = randomEnergies(seed, S), rho = maxEntropyGibbs(U, -0.2);
      // A direction g with Σ g = 0 and Σ g U = 0 (Gram–Schmidt against 1 and U), scaled to keep π > 0.
      const s = streamFromKey(keyFromSeed(seed + 7)), g = new Float64Array(S);
      for (let k = 0; k < S; k++) g[k] = 2 * uniform(s) - 1;
      const e1 = new Float64Array(S).fill(1 / Math.sqrt(S));
      const proj = (v: Float64Array, e: Float64Array) => { let d = 0; for (let k = 0; k < S; k++) d += v[k]! * e[k]!; for (let k = 0; k < S; k++) v[k] = v[k]! - d * e[k]!; };
      const e2 = Float64Array.from(U); proj(e2, e1);
      const n2 = Math.hypot(...e2); for (let k = 0; k < S; k++) e2[k] = e2[k]! / n2;
      proj(g, e1); proj(g, e2);
      let r = Infinity;
      for (let k = 0; k < S; k++) if (g[k]! < 0) r = Math.min(r, rho.density[k]! / -g[k]!);
      const pi = rho.density.map((p, k) => p + eps * r * g[k]!);
      let kl = 0, ubar = 0, tot = 0;
      for (let k = 0; k < S; k++) { kl += pi[k]! > 0 ? pi[k]! * Math.log(pi[k]! / rho.density[k]!) : 0; ubar += pi[k]! * U[k]!; tot += pi[k]!; }
      expect(tot).toBeCloseTo(1, 13);
      expect(ubar).toBeCloseTo(-0.2, 12);
      const H = entropyOf(pi);
      expect(H).toBeLessThan(rho.entropy);
      expect(rho.entropy - H).toBeCloseTo(kl, 12);
    }), fcParams('maxent gibbs maximality', 100));
  });

  it('the Ising enumeration: the law with the 3×3 lattice\'s mean energy at β = 0.4 is the Ising law at β = 0.4', () => {
    const model = isingLattice2d(3, { h: 0.1 });
    const ex = isingExact(model, 0.4, { correlations: false });
    const law = maxEntropyGibbs(isingStateEnergies(model), ex.meanEnergy);
    expect(law.beta).toBeCloseTo(0.4, 11);
    expect(law.logZ).toBeCloseTo(ex.logZ, 11);
  });

  it('erratum 001 Prop. 5.1 (λ1 > 0 as written): for Ū below the uniform mean λ1 = −β < 0, and e^{+βU}/Z misses Ū', () => {
    const U = randomEnergies(3, 20);
    const uniformMean = U.reduce((a, b) => a + b, 0) / 20;
    const ubar = uniformMean - 0.3;
    const law = maxEntropyGibbs(U, ubar);
    expect(law.lambda1).toBeLessThan(0);
    expect(law.beta).toBeGreaterThan(0);
    const asWritten = gibbsLaw(U, law.lambda1); // e^{λ1 U}/Z with λ1 = +β, the sign of Prop. 5.1 as printed
    const flipped = gibbsLaw(U, -law.beta);
    expect(flipped.meanEnergy).toBeGreaterThan(uniformMean); // e^{+βU} puts weight on high energies
    expect(Math.abs(flipped.meanEnergy - ubar)).toBeGreaterThan(0.5);
    expect(asWritten.meanEnergy).toBeCloseTo(flipped.meanEnergy, 14);
  });

  it('monotoneRoot finds roots of increasing and decreasing functions; errors name the argument', () => {
    expect(monotoneRoot((x) => x ** 3 - 2, 0, 2)).toBeCloseTo(Math.cbrt(2), 14);
    expect(monotoneRoot((x) => Math.exp(-x) - 0.3, -5, 5, { df: (x) => -Math.exp(-x) })).toBeCloseTo(-Math.log(0.3), 14);
    expect(() => monotoneRoot((x) => x + 10, 0, 1)).toThrow(/monotoneRoot: f\(lo\) = 10 and f\(hi\) = 11 must have opposite signs/);
    expect(() => monotoneRoot((x) => x, 1, 0)).toThrow(/monotoneRoot: the bracket \[lo, hi\] must be finite with lo < hi/);
    expect(() => maxEntropyGibbs(Float64Array.of(0, 1, 2), 2)).toThrow(/maxEntropyGibbs: meanEnergy = 2 must lie strictly between min U = 0 and max U = 2/);
    expect(() => maxEntropyGibbs(Float64Array.of(1, 1), 1)).toThrow(/meanEnergy = 1 must lie strictly between min U = 1 and max U = 1/);
    expect(() => gibbsLaw(Float64Array.of(0, NaN), 1)).toThrow(/gibbsLaw: energies\[1\] = NaN must be finite/);
    expect(() => gibbsLaw(Float64Array.of(0, 1), 1, Float64Array.of(1, 0))).toThrow(/gibbsLaw: weights\[1\] = 0 must be finite and > 0/);
    expect(() => gibbsLaw(Float64Array.of(0, 1), Infinity)).toThrow(/gibbsLaw: beta = Infinity must be finite/);
    expect(() => gibbsLaw(Float64Array.of(10, 20), 1e308)).toThrow(/gibbsLaw: beta = 1e\+308 overflows/);
    expect(() => uniformMaxEntropy(1, 1)).toThrow(/uniformMaxEntropy: the interval \[a, b\] must be finite with a < b/);
    expect(() => helmholtzFreeEnergy(0, 0, -1)).toThrow(/helmholtzFreeEnergy: T = -1 must be finite and > 0/);
    expect(() => helmholtzFreeEnergy(NaN, 0, 1)).toThrow(/helmholtzFreeEnergy: meanEnergy = NaN must be finite/);
    expect(() => helmholtzFreeEnergy(0, Infinity, 1)).toThrow(/helmholtzFreeEnergy: entropy = Infinity must be finite/);
    expect(() => entropyOf(Float64Array.of(0.5, 0.5), Float64Array.of(1, -1))).toThrow(/entropyOf: weights\[1\] = -1 must be finite and > 0/);
    expect(() => monotoneRoot((x) => x, -1, 1, { tol: 0 })).toThrow(/monotoneRoot: tol = 0 must be finite and > 0/);
    expect(() => monotoneRoot((x) => x, -1, 1, { maxIter: 0.5 })).toThrow(/monotoneRoot: maxIter = 0.5 must be a positive integer/);
    expect(() => uniformMaxEntropyOnRule({ nodes: Float64Array.of(0, 1), weights: Float64Array.of(1, Infinity) } as never)).toThrow(/uniformMaxEntropyOnRule: rule.weights\[1\] = Infinity must be finite and > 0/);
    expect(() => energyOnRule(() => Infinity, gaussLegendre(3))).toThrow(/energyOnRule: U\(.*\) = Infinity must be finite/);
  });
});
