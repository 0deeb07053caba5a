import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planarLayer, planarSolveAlpha, planarUHat } from '../../src/flows/planar.js';
import { flowLogDensity } from '../../src/flows/compose.js';
import { keyFromSeed, streamFromKey, type Stream } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { fcParams, flowLayerContract } from '../_contracts/flow-layer.contract.js';
import { compositeRule } from '../energies/quadrature.js';

/**
 * A random θ in a well-conditioned domain: wᵀu ≥ −2 (u's sign is flipped otherwise), so 1 + wᵀû ≥ softplus(−2) = 0.127
 * and det J ≥ 0.127 everywhere; nearer the invertibility limit log|det J| is ill-conditioned (a tiny determinant of
 * O(1) entries) and a finite-difference Jacobian cannot check it to 1e-7.
 */
const planarTheta = (d: number, scale = 1) => (s: Stream): Float64Array => {
  const th = normals(s, new Float64Array(2 * d + 1));
  for (let j = 0; j < th.length; j++) th[j] = scale * th[j]!;
  let a = 0;
  for (let j = 0; j < d; j++) a += th[j]! * th[d + j]!;
  if (a < -2) for (let j = 0; j < d; j++) th[j] = -th[j]!;
  return th;
};

flowLayerContract('planar d=1', () => ({ layer: planarLayer(1), theta: planarTheta(1) }));
flowLayerContract('planar d=3', () => ({ layer: planarLayer(3), theta: planarTheta(3, 1.5), spread: 2 }));

describe('flows/planar', () => {
  it('the reparameterised û satisfies 1 + wᵀû = log(1 + e^{wᵀu}) > 0, the margin computed without cancellation', () => {
    fc.assert(fc.property(
      fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 0.05, max: 5, noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (a, wn, seed) => {
        const d = 3, s = streamFromKey(keyFromSeed(seed));
        const w = normals(s, new Float64Array(d));
        const norm = Math.hypot(...w);
        for (let j = 0; j < d; j++) w[j] = (wn * w[j]!) / norm;
        // u with wᵀu = a: u = a w/|w|² + (a component orthogonal to w)
        const v = normals(s, new Float64Array(d));
        let vw = 0;
        for (let j = 0; j < d; j++) vw += v[j]! * w[j]!;
        const th = new Float64Array(2 * d + 1);
        for (let j = 0; j < d; j++) {
          th[j] = (a * w[j]!) / (wn * wn) + v[j]! - (vw * w[j]!) / (wn * wn);
          th[d + j] = w[j]!;
        }
        const uHat = new Float64Array(d);
        const sigma = planarUHat(d, th, uHat);
        // σ is softplus of wᵀu as computed from θ (the construction of u above rounds, so not exactly a)
        let aTheta = 0, dot = 0, absDot = 0;
        for (let j = 0; j < d; j++) {
          aTheta += th[d + j]! * th[j]!;
          dot += w[j]! * uHat[j]!;
          absDot += Math.abs(w[j]! * uHat[j]!);
        }
        const eps = Number.EPSILON;
        expect(Math.abs(sigma - Math.log1p(Math.exp(aTheta)))).toBeLessThanOrEqual(4 * eps * sigma);
        // 1 + wᵀû agrees with σ up to the rounding of the dot product (and of û, built from u and w)
        expect(Math.abs(1 + dot - sigma)).toBeLessThanOrEqual(8 * d * eps * (1 + absDot + Math.abs(aTheta)));
        expect(sigma).toBeGreaterThan(0);
      }), fcParams('planar uhat'));
  });

  it('far inside the constraint (wᵀu = −50) the log-det stays finite, where the textbook 1 + h′·m(wᵀu) cancels to 0', () => {
    // 1-D, w = 1, u = −50, b = 0: m(−50) = −1 + log(1 + e^{−50}) rounds to exactly −1 in float64, so the textbook
    // 1 + h′(0)·wᵀû = 1 + m is 0 and log|det J| = −∞ at x = 0. The layer uses 1 + wᵀû = log(1 + e^{−50}) = e^{−50}(1 − …).
    const naive = -1 + Math.log1p(Math.exp(-50));
    expect(1 + naive).toBe(0); // the negative control: the as-usually-written margin is lost
    const L = planarLayer(1), th = Float64Array.of(-50, 1, 0);
    const y = new Float64Array(1), ld = new Float64Array(1);
    L.forward(th, Float64Array.of(0), 1, y, ld);
    expect(ld[0]).toBeCloseTo(-50, 12); // log(σ) with σ = log1p(e^{−50}) ≈ e^{−50}
    const back = new Float64Array(1), ldI = new Float64Array(1);
    L.inverse(th, Float64Array.of(0.3), 1, back, ldI);
    expect(Number.isFinite(ldI[0]!)).toBe(true);
  });

  it('the 1-D root α of α + s tanh α = c is exact to rounding for s ∈ (−1, 20], also near the invertibility limit', () => {
    fc.assert(fc.property(
      fc.double({ min: -0.999999, max: 20, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: -30, max: 30, noNaN: true, noDefaultInfinity: true }),
      (s, c) => {
        const a = planarSolveAlpha(s, c);
        expect(Math.abs(a + s * Math.tanh(a) - c)).toBeLessThanOrEqual(4e-15 * (1 + Math.abs(c) + Math.abs(s)));
      }), fcParams('planar root'));
    // s = −1 (what s = σ − 1 rounds to far inside the constraint) still has a unique root: α − tanh α is increasing
    const a1 = planarSolveAlpha(-1, 0.5);
    expect(Math.abs(a1 - Math.tanh(a1) - 0.5)).toBeLessThanOrEqual(4e-15 * 2.5);
    // below it the root is not unique, or the input is not a number: named errors
    expect(() => planarSolveAlpha(-1.5, 0.5)).toThrow('planarSolveAlpha: s = wᵀû = -1.5 must be finite and ≥ −1 (invertibility)');
    expect(() => planarSolveAlpha(NaN, 0.5)).toThrow(/s = wᵀû = NaN must be finite/);
    expect(() => planarSolveAlpha(0.5, Infinity)).toThrow('planarSolveAlpha: c = wᵀy + b = Infinity must be finite');
  });

  it('without the reparameterisation (raw u with wᵀu < −1) the map is not injective: the negative control', () => {
    // f(x) = x + u tanh(w x) in 1-D with w = 1, u = −2: f'(0) = 1 + u w = −1 < 0, f(±0.5) has f(0) = 0 and f(x) → ±∞,
    // so f takes the value 0 three times. The reparameterised layer at the same θ stays strictly increasing.
    const raw = (x: number) => x - 2 * Math.tanh(x);
    const root = 1.9150080481; // x = 2 tanh x
    expect(Math.abs(raw(root))).toBeLessThan(1e-9);
    expect(raw(0)).toBe(0);
    const L = planarLayer(1), th = Float64Array.of(-2, 1, 0);
    const xs = Float64Array.from({ length: 401 }, (_, i) => -4 + 0.02 * i), ys = new Float64Array(401), ld = new Float64Array(401);
    L.forward(th, xs, 401, ys, ld);
    for (let i = 1; i < 401; i++) expect(ys[i]!).toBeGreaterThan(ys[i - 1]!);
  });

  it('the 1-D density (3.54) of a planar layer integrates to 1 by Gauss–Legendre quadrature (1e-10)', () => {
    const L = planarLayer(1);
    for (const th of [Float64Array.of(3, 1.2, -0.5), Float64Array.of(-1.5, 0.8, 0.3), Float64Array.of(0.4, -2, 1)]) {
      // |f(x) − x| ≤ |û| < 3, so the density is an N-tail beyond |y| > 3 + 9: [−16, 16] holds all but < 1e-17 of the mass
      const { nodes, weights } = compositeRule(-16, 16, 200);
      const lp = flowLogDensity(L, th, nodes, nodes.length, new Float64Array(nodes.length));
      let z = 0;
      for (let i = 0; i < nodes.length; i++) z += weights[i]! * Math.exp(lp[i]!);
      expect(Math.abs(z - 1)).toBeLessThan(1e-10);
    }
  });

  it('w = 0 is rejected by name', () => {
    const L = planarLayer(2);
    expect(() => L.forward(Float64Array.of(1, 1, 0, 0, 0), new Float64Array(2), 1, new Float64Array(2), new Float64Array(1)))
      .toThrow('planar(d=2): w = theta[2…3] must be nonzero');
    expect(() => planarUHat(2, new Float64Array(3), new Float64Array(2))).toThrow('planar(d=2): theta must hold [u, w] = 4 values, got 3');
    expect(() => planarUHat(2, Float64Array.of(1, 0, 1, 0), new Float64Array(1))).toThrow('planar(d=2): uHat must hold d = 2 values, got 1');
  });
});
