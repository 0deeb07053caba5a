/**
 * Parzen KDE (002 "Parzen Density Estimate"): c_d against its closed values; the estimate integrates to 1 for each
 * kernel by quadrature (d = 1 with panels broken at the kernels' edges, so the piecewise polynomials are integrated
 * exactly; d = 2, 3 in polar/spherical coordinates around each point, which do not use c_d; d = 2 weighted Gaussian on a
 * tensor grid); negative controls: 002's 1/h prefactor (integrates to h^{d−1}) and a wrong c_d. The score against
 * central differences of log f̂; the undefined score outside a compact kernel's support; argument errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaussLegendre } from '../../src/stats/quadrature.js';
import {
  kdeDensity, kdeLogDensity, kdeScore, logKernelConstant, parzenKde, unitBallVolume, type ParzenKernel,
} from '../../src/score/kde.js';
import { logGamma } from '../../src/stats/distributions.js';
import { normals, streamFromKey, keyFromSeed, uniforms } from '../../src/rng/index.js';

const KERNELS: readonly ParzenKernel[] = ['gaussian', 'epanechnikov', 'uniform'];

/** ∫ f over [lo, hi] with 12-node Gauss–Legendre on each interval between consecutive breakpoints. */
function integrateBroken(f: (x: number) => number, breaks: number[]): number {
  const b = [...new Set(breaks)].sort((p, q) => p - q);
  let s = 0;
  for (let k = 0; k + 1 < b.length; k++) {
    const r = gaussLegendre(12, b[k]!, b[k + 1]!);
    for (let j = 0; j < 12; j++) s += r.weights[j]! * f(r.nodes[j]!);
  }
  return s;
}

/** Radial breakpoints: the kernel's edge at r = h (compact) or panels out to 40h (Gaussian). */
function radialBreaks(kernel: ParzenKernel, h: number): number[] {
  if (kernel !== 'gaussian') return [0, h];
  return Array.from({ length: 41 }, (_, k) => k * h);
}

/**
 * ∫_{ℝ^d} g(c + x) dx for g supported on the ball of radius R around c, in polar (d = 2) or spherical (d = 3)
 * coordinates: r by broken Gauss–Legendre, cos φ by Gauss–Legendre, the azimuth by the periodic trapezoid rule.
 */
function integrateAround(g: (x: Float64Array) => number, c: Float64Array, breaks: number[], azimuth = 16): number {
  const d = c.length, x = new Float64Array(d);
  const ring = (r: number): number => {
    let s = 0;
    if (d === 2) {
      for (let a = 0; a < azimuth; a++) {
        const t = (2 * Math.PI * a) / azimuth;
        x[0] = c[0]! + r * Math.cos(t);
        x[1] = c[1]! + r * Math.sin(t);
        s += g(x);
      }
      return (s * 2 * Math.PI * r) / azimuth; // r dr dθ
    }
    const gl = gaussLegendre(12, -1, 1);
    for (let p = 0; p < 12; p++) {
      const ct = gl.nodes[p]!, st = Math.sqrt(1 - ct * ct);
      for (let a = 0; a < azimuth; a++) {
        const t = (2 * Math.PI * a) / azimuth;
        x[0] = c[0]! + r * st * Math.cos(t);
        x[1] = c[1]! + r * st * Math.sin(t);
        x[2] = c[2]! + r * ct;
        s += gl.weights[p]! * g(x);
      }
    }
    return (s * 2 * Math.PI * r * r) / azimuth; // r² dr d(cos φ) dθ
  };
  return integrateBroken(ring, breaks);
}

const density1 = (kde: ReturnType<typeof parzenKde>) => {
  const out = new Float64Array(1);
  return (x: Float64Array) => kdeDensity(kde, x, 1, out)[0]!;
};

describe('score/kde: c_d and the kernels', () => {
  it('c_d = π^{d/2}/Γ(1 + d/2): c_1 = 2, c_2 = π, c_3 = 4π/3, c_4 = π²/2, and c_d = (2π/d) c_{d−2}', () => {
    expect(unitBallVolume(1) / 2).toBeCloseTo(1, 14);
    expect(unitBallVolume(2) / Math.PI).toBeCloseTo(1, 14);
    expect(unitBallVolume(3) / ((4 * Math.PI) / 3)).toBeCloseTo(1, 14);
    expect(unitBallVolume(4) / (Math.PI ** 2 / 2)).toBeCloseTo(1, 14);
    for (let d = 3; d <= 30; d++) expect(unitBallVolume(d) / ((2 * Math.PI / d) * unitBallVolume(d - 2))).toBeCloseTo(1, 12);
    expect(() => unitBallVolume(0)).toThrow(/d must be a positive integer/);
  });

  it('the weighted KDE integrates to 1 in d = 1 for every kernel (panels broken at x_i ± h: exact up to rounding)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0.05, max: 3, noNaN: true, noDefaultInfinity: true }), (seed, h) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const n = 7, pts = normals(rng, new Float64Array(n)).map((v) => 2 * v), w = uniforms(rng, new Float64Array(n)).map((u) => 0.1 + u);
      for (const kernel of KERNELS) {
        const kde = parzenKde(pts, n, 1, { kernel, bandwidth: h, weights: w });
        const f = density1(kde), xb = new Float64Array(1);
        const lo = Math.min(...pts) - 40 * h, hi = Math.max(...pts) + 40 * h;
        const breaks = [lo, hi, ...Array.from(pts).flatMap((p) => [p - h, p + h])];
        if (kernel === 'gaussian') for (let k = 0; k <= 400; k++) breaks.push(lo + ((hi - lo) * k) / 400);
        const I = integrateBroken((x) => ((xb[0] = x), f(xb)), breaks);
        expect(Math.abs(I - 1), `${kernel}, h = ${h}`).toBeLessThan(1e-12);
      }
    }), { numRuns: 30 });
  });

  it('each kernel integrates to 1 in d = 2 and d = 3 (polar/spherical coordinates, independent of c_d)', () => {
    for (const d of [2, 3]) {
      for (const kernel of KERNELS) {
        for (const h of [0.3, 1.7]) {
          const c = Float64Array.from({ length: d }, (_, j) => 0.4 * j - 0.2);
          const I = integrateAround(density1(parzenKde(c, 1, d, { kernel, bandwidth: h })), c, radialBreaks(kernel, h));
          expect(Math.abs(I - 1), `${kernel}, d = ${d}, h = ${h}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('negative controls: 002 as written (prefactor 1/h) integrates to h^{d−1}; the surface area in place of c_d to 1/d', () => {
    const d = 2, h = 0.5, c = Float64Array.of(0.1, -0.3);
    for (const kernel of KERNELS) {
      const kde = parzenKde(c, 1, d, { kernel, bandwidth: h });
      const f = density1(kde);
      const asWritten = (x: Float64Array) => f(x) * h ** (d - 1); // (1/h) K instead of h^{−d} K
      const I = integrateAround(asWritten, c, radialBreaks(kernel, h));
      expect(I).toBeCloseTo(h ** (d - 1), 12); // ∫ (1/h) K((x − c)/h) dx = h^d/h
      expect(Math.abs(I - 1)).toBeGreaterThan(0.4);
    }
    // c_d replaced by the unit sphere's area S_{d−1} = 2π^{d/2}/Γ(d/2) = d c_d: the compact kernels lose a factor d.
    for (const kernel of ['epanechnikov', 'uniform'] as const) {
      for (const dd of [2, 3]) {
        const c = new Float64Array(dd);
        const logS = Math.log(2) + 0.5 * dd * Math.log(Math.PI) - logGamma(0.5 * dd);
        const ratio = Math.exp(logKernelConstant(kernel, dd) + (0.5 * dd * Math.log(Math.PI) - logGamma(1 + 0.5 * dd)) - logS) /
          Math.exp(logKernelConstant(kernel, dd)); // K_wrong / K = c_d / S_{d−1}
        const f = density1(parzenKde(c, 1, dd, { kernel, bandwidth: 1 }));
        const I = integrateAround((x) => ratio * f(x), c, radialBreaks(kernel, 1));
        expect(I).toBeCloseTo(1 / dd, 12);
        expect(Math.abs(I - 1)).toBeGreaterThan(0.3);
      }
    }
  });

  it('the weighted Gaussian KDE with several points integrates to 1 in d = 2 (tensor Gauss–Legendre)', () => {
    const pts = Float64Array.of(-1, 0.5, 0.8, 1.2, 0.3, -0.7), w = Float64Array.of(1, 2, 3);
    const kde = parzenKde(pts, 3, 2, { kernel: 'gaussian', bandwidth: 0.6, weights: w });
    const f = density1(kde), x = new Float64Array(2);
    const rule: { n: number; w: number }[] = []; // 60 panels of 12 nodes on [−12, 12] per axis (> 18 h beyond the points)
    for (let p = 0; p < 60; p++) {
      const r = gaussLegendre(12, -12 + 0.4 * p, -12 + 0.4 * (p + 1));
      for (let j = 0; j < 12; j++) rule.push({ n: r.nodes[j]!, w: r.weights[j]! });
    }
    let I = 0;
    for (const a of rule) for (const b of rule) {
      x[0] = a.n; x[1] = b.n;
      I += a.w * b.w * f(x);
    }
    expect(Math.abs(I - 1)).toBeLessThan(1e-12);
  });
});

describe('score/kde: the score ∇ log f̂', () => {
  /** central differences of log f̂ at x (step δ), into an array */
  function fdScore(kde: ReturnType<typeof parzenKde>, x: Float64Array, delta: number): Float64Array {
    const d = kde.d, g = new Float64Array(d), xp = Float64Array.from(x), o = new Float64Array(1);
    for (let j = 0; j < d; j++) {
      xp[j] = x[j]! + delta;
      const up = kdeLogDensity(kde, xp, 1, o)[0]!;
      xp[j] = x[j]! - delta;
      const dn = kdeLogDensity(kde, xp, 1, o)[0]!;
      xp[j] = x[j]!;
      g[j] = (up - dn) / (2 * delta);
    }
    return g;
  }

  it('matches central differences of log f̂ for the Gaussian and Epanechnikov kernels (d = 1, 2, 3); uniform score is 0', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.double({ min: 0.3, max: 2, noNaN: true, noDefaultInfinity: true }), (seed, d, h) => {
      const rng = streamFromKey(keyFromSeed(seed));
      const n = 6, pts = normals(rng, new Float64Array(n * d)).map((v) => 0.7 * v);
      const w = uniforms(rng, new Float64Array(n)).map((u) => 0.2 + u);
      const q = normals(rng, new Float64Array(d)).map((v) => 0.5 * v);
      const s = new Float64Array(d);
      for (const kernel of KERNELS) {
        const kde = parzenKde(pts, n, d, { kernel, bandwidth: h, weights: w });
        // keep the query 1e-3 away from every sphere |x − x_i| = h, where the compact kernels are not differentiable,
        // and inside the support
        let inside = false, nearEdge = false;
        for (let i = 0; i < n; i++) {
          let r2 = 0;
          for (let j = 0; j < d; j++) r2 += (q[j]! - pts[i * d + j]!) ** 2;
          const r = Math.sqrt(r2);
          if (r < h) inside = true;
          if (Math.abs(r - h) < 1e-3) nearEdge = true;
        }
        if (kernel !== 'gaussian' && (!inside || nearEdge)) continue;
        kdeScore(kde, q, 1, s);
        const fd = fdScore(kde, q, 1e-6);
        // central differences, δ = 1e-6: rounding ε|log f̂|/δ ≲ 1e-9 (the Gaussian's worst over 2·10⁴ random cases:
        // 1.3e-9); truncation δ²|∂³ log f̂|/6 grows as 1/(1 − |u|²)³ near a compact kernel's edge, and 1e-3 from it
        // the Epanechnikov's worst over the same cases is 2.7e-7 — the bound 2e-6 sits above both, far below a real error
        for (let j = 0; j < d; j++) {
          if (kernel === 'uniform') expect(s[j]).toBe(0);
          expect(Math.abs(s[j]! - fd[j]!), `${kernel} d=${d} j=${j}: ${s[j]} vs ${fd[j]}`).toBeLessThan(2e-6 * (1 + Math.abs(fd[j]!)));
        }
      }
    }), { numRuns: 100 });
  });

  it('negative control: a score off by the factor h (∇ log f̂ with 1/h instead of 1/h²) fails the difference check', () => {
    const pts = Float64Array.of(-1, 0.3, 1.1), kde = parzenKde(pts, 3, 1, { kernel: 'gaussian', bandwidth: 0.4 });
    const q = Float64Array.of(0.2), s = kdeScore(kde, q, 1, new Float64Array(1));
    const fd = fdScore(kde, q, 1e-6)[0]!;
    expect(Math.abs(s[0]! - fd)).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
    expect(Math.abs(s[0]! * 0.4 - fd)).toBeGreaterThan(0.1 * Math.abs(fd));
  });

  it('stays finite far from the data (Gaussian, log space): at distance 10³ the score is (x_nearest − x)/h²', () => {
    const kde = parzenKde(Float64Array.of(0, 1), 2, 1, { kernel: 'gaussian', bandwidth: 0.5 });
    const q = Float64Array.of(1000), s = kdeScore(kde, q, 1, new Float64Array(1)), l = kdeLogDensity(kde, q, 1, new Float64Array(1));
    expect(Number.isFinite(l[0])).toBe(true);
    expect(s[0]).toBeCloseTo((1 - 1000) / 0.25, 6);
  });

  it('outside a compact kernel\'s support f̂ = 0, log f̂ = −∞ and the score throws (undefined), naming the row', () => {
    for (const kernel of ['epanechnikov', 'uniform'] as const) {
      const kde = parzenKde(Float64Array.of(0, 1), 2, 1, { kernel, bandwidth: 0.5 });
      const q = Float64Array.of(0.2, 3);
      const f = kdeDensity(kde, q, 2, new Float64Array(2));
      expect(f[0]).toBeGreaterThan(0);
      expect(f[1]).toBe(0);
      expect(kdeLogDensity(kde, q, 2, new Float64Array(2))[1]).toBe(-Infinity);
      expect(() => kdeScore(kde, q, 2, new Float64Array(2))).toThrow(/x row 1 lies outside the support/);
    }
  });
});

describe('score/kde: bad input', () => {
  const pts = Float64Array.of(0, 1, 2, 3);
  it('names the argument and the constraint', () => {
    expect(() => parzenKde(pts, 2, 2, { kernel: 'gaussian', bandwidth: -0.1 })).toThrow(/parzenKde: bandwidth = -0.1 must be finite and > 0/);
    expect(() => parzenKde(pts, 2, 2, { kernel: 'gaussian', bandwidth: 0 })).toThrow(/bandwidth = 0 must be/);
    expect(() => parzenKde(pts, 2, 2, { kernel: 'gaussian', bandwidth: NaN })).toThrow(/bandwidth = NaN/);
    expect(() => parzenKde(pts, 3, 2, { kernel: 'gaussian', bandwidth: 1 })).toThrow(/points must hold n·d = 3·2 = 6 values, got 4/);
    expect(() => parzenKde(pts, 2, 2, { kernel: 'box' as ParzenKernel, bandwidth: 1 })).toThrow(/kernel must be 'gaussian', 'epanechnikov' or 'uniform'/);
    expect(() => parzenKde(pts, 2, 2, { kernel: 'uniform', bandwidth: 1, weights: Float64Array.of(1, -1) })).toThrow(/weights\[1\] = -1 must be finite and ≥ 0/);
    expect(() => parzenKde(pts, 2, 2, { kernel: 'uniform', bandwidth: 1, weights: Float64Array.of(0, 0) })).toThrow(/positive sum/);
    expect(() => parzenKde(Float64Array.of(0, NaN), 2, 1, { kernel: 'uniform', bandwidth: 1 })).toThrow(/points\[1\] = NaN must be finite/);
    const kde = parzenKde(pts, 2, 2, { kernel: 'gaussian', bandwidth: 1 });
    expect(() => kdeDensity(kde, Float64Array.of(0, 0, 0), 1, new Float64Array(1))).toThrow(/kdeLogDensity: x must hold n·d = 1·2 = 2 values, got 3/);
    expect(() => kdeScore(kde, Float64Array.of(0, 0), 1, new Float64Array(1))).toThrow(/kdeScore: out must hold 2 values, got 1/);
  });
});
