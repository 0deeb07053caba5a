import { describe, expect, it } from 'vitest';
import { affineLayer } from '../../src/flows/affine.js';
import { composeFlows, flowLogDensity, flowSample } from '../../src/flows/compose.js';
import { couplingLayer } from '../../src/flows/coupling.js';
import { standardNormalLogDensity, type FlowLayer } from '../../src/flows/layers.js';
import { planarLayer } from '../../src/flows/planar.js';
import { keyFromSeed, streamFromKey, type Stream } from '../../src/rng/index.js';
import { normals } from '../../src/rng/normal.js';
import { flowLayerContract } from '../_contracts/flow-layer.contract.js';
import { testStream } from '../_support/seed.js';
import { expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';
import { compositeRule } from '../energies/quadrature.js';

const mixed2 = composeFlows([affineLayer(2), planarLayer(2), couplingLayer({ mask: Uint8Array.of(1, 0), hidden: [4] }), planarLayer(2)]);
/** θ of mixed2: U_ii ∈ ±[0.6, 1.6], the rest N(0, 0.5²). */
function mixedTheta(s: Stream): Float64Array {
  const th = normals(s, new Float64Array(mixed2.paramDim));
  for (let j = 0; j < th.length; j++) th[j] = 0.5 * th[j]!;
  for (const i of [0, 3]) th[i] = Math.sign(th[i]! || 1) * (0.6 + Math.min(1, Math.abs(th[i]!)));
  return th;
}
flowLayerContract('compose(affine, planar, coupling, planar) d=2', () => ({ layer: mixed2, theta: mixedTheta, runs: 24 }));

/** ∫ e^{log ρ} over a tensor Gauss–Legendre grid on [lo, hi]^d (d = 1, 2). */
function integrate(logDensity: (y: Float64Array, n: number, out: Float64Array) => Float64Array, d: 1 | 2, lo: number, hi: number, panels: number): number {
  const r = compositeRule(lo, hi, panels);
  const m = r.nodes.length;
  if (d === 1) {
    const lp = logDensity(r.nodes, m, new Float64Array(m));
    return lp.reduce((acc, v, i) => acc + r.weights[i]! * Math.exp(v), 0);
  }
  const y = new Float64Array(2 * m), lp = new Float64Array(m);
  let z = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) { y[2 * b] = r.nodes[a]!; y[2 * b + 1] = r.nodes[b]!; }
    logDensity(y, m, lp);
    for (let b = 0; b < m; b++) z += r.weights[a]! * r.weights[b]! * Math.exp(lp[b]!);
  }
  return z;
}

/** The density without the log-det term of (3.54): ρ_Z(f⁻¹(y)) alone (the negative control). */
function withoutLogDet(flow: FlowLayer, theta: Float64Array) {
  return (y: Float64Array, n: number, out: Float64Array) => {
    const z = new Float64Array(n * flow.dim);
    flow.inverse(theta, y, n, z, new Float64Array(n));
    return standardNormalLogDensity(z, n, flow.dim, out);
  };
}

describe('flows/compose', () => {
  it('(3.57)-(3.58): the composition is the layers applied in turn, inverse in reverse order, log-dets summed', () => {
    const a = affineLayer(2), p = planarLayer(2);
    const f = composeFlows([a, p]);
    const s = streamFromKey(keyFromSeed(9));
    const th = Float64Array.of(1.3, 0.4, -0.2, -0.8, 0.5, 0.1, 0.7, -1.1, 0.9, 0.3, -0.4);
    expect(f.paramDim).toBe(a.paramDim + p.paramDim);
    const x = normals(s, new Float64Array(6));
    const y = new Float64Array(6), ld = new Float64Array(3), mid = new Float64Array(6), l1 = new Float64Array(3), y2 = new Float64Array(6), l2 = new Float64Array(3);
    f.forward(th, x, 3, y, ld);
    a.forward(th.subarray(0, 6), x, 3, mid, l1);
    p.forward(th.subarray(6), mid, 3, y2, l2);
    expect(Array.from(y)).toEqual(Array.from(y2));
    for (let i = 0; i < 3; i++) expect(ld[i]).toBe(0 + l1[i]! + l2[i]!);
    const back = new Float64Array(6), ldi = new Float64Array(3), m2 = new Float64Array(6), li1 = new Float64Array(3), li2 = new Float64Array(3), b2 = new Float64Array(6);
    f.inverse(th, y, 3, back, ldi);
    p.inverse(th.subarray(6), y, 3, m2, li2);
    a.inverse(th.subarray(0, 6), m2, 3, b2, li1);
    expect(Array.from(back)).toEqual(Array.from(b2));
    for (let i = 0; i < 3; i++) expect(ldi[i]).toBe(0 + li2[i]! + li1[i]!);
    expect(() => composeFlows([affineLayer(2), affineLayer(3)])).toThrow('composeFlows: layers[1] (affine(d=3)) has dim 3, layers[0] has 2');
    expect(() => composeFlows([])).toThrow('composeFlows: layers must be a non-empty array');
  });

  it('the 1-D density (3.54) of affine ∘ planar ∘ planar integrates to 1 (1e-10); without the log-det it does not', () => {
    const f = composeFlows([affineLayer(1), planarLayer(1), planarLayer(1)]);
    const th = Float64Array.of(0.7, 0.5, 2, 1.3, -0.4, -1.2, 0.9, 0.6);
    // |f(z) − (0.7 z + 0.5)| ≤ |û₁| + |û₂| < 5 and 0.7·|z| > 0.7·9 outside |z| < 9: [−20, 20] misses < 1e-17 of the mass
    const z = integrate((y, n, out) => flowLogDensity(f, th, y, n, out), 1, -20, 20, 200);
    expect(Math.abs(z - 1)).toBeLessThan(1e-10);
    const bad = integrate(withoutLogDet(f, th), 1, -20, 20, 200);
    expect(Math.abs(bad - 1)).toBeGreaterThan(1e-3); // 10⁷ × the tolerance above (measured 0.028)
  });

  it('the 2-D density (3.54) of affine ∘ planar ∘ coupling ∘ planar integrates to 1 (1e-8); without the log-det it does not', () => {
    const th = mixedTheta(streamFromKey(keyFromSeed(4)));
    // Each planar layer moves points by at most |û| and the coupling's conditioner is bounded (tanh hidden layer), so the
    // tails are Gaussian through the affine map; that [−14, 14]² holds all but ≪ 1e-8 of the mass is checked against
    // the wider box [−18, 18]² (the two agree to 1e-11). 2 nodes per unit length resolve the density to ~1e-11.
    const z = integrate((y, n, out) => flowLogDensity(mixed2, th, y, n, out), 2, -14, 14, 28);
    const zWide = integrate((y, n, out) => flowLogDensity(mixed2, th, y, n, out), 2, -18, 18, 36);
    expect(Math.abs(z - 1)).toBeLessThan(1e-8);
    expect(Math.abs(zWide - 1)).toBeLessThan(1e-8);
    const bad = integrate(withoutLogDet(mixed2, th), 2, -14, 14, 28);
    expect(Math.abs(bad - 1)).toBeGreaterThan(1e-3); // 10⁵ × the tolerance above
  });

  it('flowSample pushes base draws forward: in 1-D, F(y) = Φ(f⁻¹(y)), checked by DKW (1e5 draws)', () => {
    const name = 'flows compose: pushforward samples of a monotone 1-D flow follow Φ(f⁻¹(y)) (DKW)';
    const f = composeFlows([affineLayer(1), planarLayer(1), planarLayer(1)]);
    const th = Float64Array.of(0.7, 0.5, 2, 1.3, -0.4, -1.2, 0.9, 0.6);
    const n = 100_000;
    const y = flowSample(testStream(name), f, th, n, new Float64Array(n));
    const one = new Float64Array(1), ld = new Float64Array(1);
    const cdf = (v: number) => normalCdf(f.inverse(th, Float64Array.of(v), 1, one, ld)[0]!); // f increasing (A_11 > 0, planar)
    expectCdfWithinDkw(name, y, cdf, { detect: 0.01, what: 'pushforward CDF' });
    // negative control: the same draws against the law of f⁻¹(z) (the normalizing direction applied to noise)
    const nc = 'flows compose negative control: the same draws reject the law of f⁻¹(Z) (DKW)';
    const cdfWrong = (v: number) => {
      const fy = f.forward(th, Float64Array.of(v), 1, one, ld)[0]!;
      return normalCdf(fy);
    };
    expectCdfOutsideDkw(nc, y, cdfWrong, { what: 'CDF of f⁻¹(Z)' });
  });

  it('flowLogDensity and flowSample reject bad input by name', () => {
    const f = composeFlows([affineLayer(1)]);
    expect(() => flowLogDensity(f, Float64Array.of(1, 0), Float64Array.of(NaN), 1, new Float64Array(1))).toThrow('flowLogDensity(compose(affine(d=1))): y[0] = NaN must be finite');
    expect(() => flowSample(streamFromKey(keyFromSeed(1)), f, Float64Array.of(0, 0), 2, new Float64Array(2))).toThrow('affine(d=1): U[0][0] = theta[0] = 0: the layer is singular');
    expect(() => flowSample(streamFromKey(keyFromSeed(1)), f, Float64Array.of(1, 0), 0, new Float64Array(2))).toThrow('n must be a positive integer, got 0');
  });
});
