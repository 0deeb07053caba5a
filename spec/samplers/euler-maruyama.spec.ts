/**
 * Euler–Maruyama for dX = f(X, t) dt + g(t) dW (001 (3.24), 003).
 * Layer A, with injected noise: the Wiener process and time-dependent g are exact sums; on Ornstein–Uhlenbeck
 * dX = −λX dt + σ dW the scheme is linear in (x₀, ξ), and its coefficients match the exact mean/variance recursion;
 * the convergence study computes the strong (mean-square) and weak errors against the exact OU solution in closed form
 * from the implementation's own coefficients, and measures the orders by halving dt.
 * Layer B: from a stream, the OU law after 4 steps at dt = 0.5 is EM's exact law (DKW), and the same draws reject the
 * SDE's exact law (the discretization bias is detectable; negative control).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normals } from '../../src/rng/index.js';
import { eulerMaruyama, eulerMaruyamaWithNoise, type Drift } from '../../src/samplers/euler-maruyama.js';
import { ulaStepWithNoise } from '../../src/samplers/ula.js';
import { ALPHA } from '../_support/alpha-registry.js';
import { testStream } from '../_support/seed.js';
import { dkwEpsilon, expectCdfOutsideDkw, expectCdfWithinDkw, normalCdf } from '../_support/stat.js';

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const zeroDrift: Drift = (_x, _t, n, d, out) => {
  out.fill(0, 0, n * d);
};
const fill = (out: Float64Array, g0: number, g1: number) => {
  out[0] = g0;
  out[1] = g1;
  return out;
};
/** f(x) = −λx, batched. */
const linearDrift = (lambda: number): Drift => (x, _t, n, d, out) => {
  for (let j = 0; j < n * d; j++) out[j] = -lambda * x[j]!;
};

describe('Euler–Maruyama with injected noise (exact)', () => {
  it('Wiener process (f = 0, g = 1): x_N = x₀ + √dt Σ ξ_k; per-coordinate g = (1, 2); time-dependent g(t_k) at t_k = t₀ + k dt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), dbl(1e-3, 1), dbl(-2, 2), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (steps, dt, t0, seed) => {
        const n = 3, d = 2;
        const stream = testStream(`em wiener ${seed}`);
        const x0 = normals(stream, new Float64Array(n * d));
        const noise = normals(stream, new Float64Array(steps * n * d));
        const g = (t: number) => 1 + t * t;
        const unit = eulerMaruyamaWithNoise(zeroDrift, 1, x0, n, d, t0, dt, steps, noise, new Float64Array(n * d));
        const diag = eulerMaruyamaWithNoise(zeroDrift, { perCoordinate: (_t: number, out: Float64Array) => fill(out, 1, 2) }, x0, n, d, t0, dt, steps, noise, new Float64Array(n * d));
        const timed = eulerMaruyamaWithNoise(zeroDrift, g, x0, n, d, t0, dt, steps, noise, new Float64Array(n * d));
        for (let j = 0; j < n * d; j++) {
          let sum = 0, sumG = 0;
          for (let k = 0; k < steps; k++) {
            sum += noise[k * n * d + j]!;
            sumG += g(t0 + k * dt) * noise[k * n * d + j]!;
          }
          const tol = 1e-13 * (1 + Math.abs(x0[j]!) + Math.sqrt(steps) * 5);
          expect(Math.abs(unit[j]! - (x0[j]! + Math.sqrt(dt) * sum))).toBeLessThanOrEqual(tol);
          expect(Math.abs(diag[j]! - (x0[j]! + (j % 2 === 0 ? 1 : 2) * Math.sqrt(dt) * sum))).toBeLessThanOrEqual(2 * tol);
          expect(Math.abs(timed[j]! - (x0[j]! + Math.sqrt(dt) * sumG))).toBeLessThanOrEqual(tol * (1 + (Math.abs(t0) + steps * dt) ** 2));
        }
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('a time-dependent drift is evaluated at t_k = t₀ + k dt: f = t, g = 0 gives x₀ + Σ t_k dt', () => {
    const f: Drift = (_x, t, n, d, out) => {
      out.fill(t, 0, n * d);
    };
    const out = eulerMaruyamaWithNoise(f, 0, Float64Array.of(1), 1, 1, 0.5, 0.1, 10, new Float64Array(10), new Float64Array(1));
    let want = 1;
    for (let k = 0; k < 10; k++) want += (0.5 + k * 0.1) * 0.1;
    expect(out[0]).toBeCloseTo(want, 14);
  });

  it('OU dX = −λX dt + σ dW: x_N = (1 − λdt)^N x₀ + Σ σ√dt (1 − λdt)^{N−1−k} ξ_k, so mean and variance follow the exact recursion', () => {
    fc.assert(
      fc.property(dbl(0.1, 3), dbl(0.1, 2), dbl(1e-3, 0.3), fc.integer({ min: 1, max: 30 }), dbl(-3, 3), (lambda, sigma, dt, steps, x0) => {
        const f = linearDrift(lambda);
        const run = (x: number, noise: Float64Array) => eulerMaruyamaWithNoise(f, sigma, Float64Array.of(x), 1, 1, 0, dt, steps, noise, new Float64Array(1))[0]!;
        const zero = new Float64Array(steps);
        const a = 1 - lambda * dt;
        // the coefficient of x₀ and of each ξ_k, recovered from the implementation
        expect(Math.abs(run(x0, zero) - a ** steps * x0)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(x0)));
        let mean = x0, variance = 0, varFromCoefficients = 0;
        for (let k = 0; k < steps; k++) {
          const e = new Float64Array(steps);
          e[k] = 1;
          const ck = run(0, e);
          expect(Math.abs(ck - sigma * Math.sqrt(dt) * a ** (steps - 1 - k))).toBeLessThanOrEqual(1e-14 * (1 + sigma));
          varFromCoefficients += ck * ck;
          // the exact law recursion of the scheme: m ← a m, v ← a² v + σ² dt
          mean = a * mean;
          variance = a * a * variance + sigma * sigma * dt;
        }
        expect(Math.abs(run(x0, zero) - mean)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(x0)));
        expect(Math.abs(varFromCoefficients - variance)).toBeLessThanOrEqual(1e-12 * (1 + variance));
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('on dX = −∇U dt + √2 dW one EM step is the ULA step with h = dt (001 (4.10) is EM on the Langevin SDE)', () => {
    const stream = testStream('em: equals ula');
    const n = 4, d = 3, dt = 0.07;
    const x0 = normals(stream, new Float64Array(n * d));
    const xi = normals(stream, new Float64Array(n * d));
    const em = eulerMaruyamaWithNoise(linearDrift(1.3), Math.SQRT2, x0, n, d, 0, dt, 1, xi, new Float64Array(n * d));
    const ulaOut = ulaStepWithNoise(x0, x0.map((v) => 1.3 * v), xi, dt, new Float64Array(n * d));
    em.forEach((v, j) => expect(Math.abs(v - ulaOut[j]!)).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(v))));
  });

  it('convergence on OU (λ = 1, σ = √2, x₀ = 1, T = 1): strong (RMS) and weak errors both of order 1 in dt for additive noise', () => {
    // X_T = e^{−λT}x₀ + σ ∫₀ᵀ e^{−λ(T−s)} dW_s; EM: X_N = c x₀ + Σ_k c_k ξ_k = c x₀ + Σ_k (c_k/√dt) ΔW_k with the
    // coefficients c, c_k read off the implementation. Driven by the same Brownian path,
    //   E|X_N − X_T|² = (c − e^{−λT})² x₀² + Σ_k ∫_{t_k}^{t_{k+1}} (c_k/√dt − σ e^{−λ(T−s)})² ds   (Itô isometry),
    // each integral in closed form. Weak error: |E X_N − E X_T| + |Var X_N − Var X_T|.
    const lambda = 1, sigma = Math.SQRT2, x0 = 1, T = 1;
    const f = linearDrift(lambda);
    const errors = (N: number) => {
      const dt = T / N;
      const run = (x: number, noise: Float64Array) => eulerMaruyamaWithNoise(f, sigma, Float64Array.of(x), 1, 1, 0, dt, N, noise, new Float64Array(1))[0]!;
      const c = run(x0, new Float64Array(N)) / x0;
      let ms = (c - Math.exp(-lambda * T)) ** 2 * x0 * x0;
      let varEm = 0;
      for (let k = 0; k < N; k++) {
        const e = new Float64Array(N);
        e[k] = 1;
        const ck = run(0, e);
        varEm += ck * ck;
        const alpha = ck / Math.sqrt(dt);
        const tk = k * dt, tk1 = (k + 1) * dt;
        const i1 = (Math.exp(-lambda * (T - tk1)) - Math.exp(-lambda * (T - tk))) / lambda; // ∫ e^{−λ(T−s)} ds
        const i2 = (Math.exp(-2 * lambda * (T - tk1)) - Math.exp(-2 * lambda * (T - tk))) / (2 * lambda);
        ms += alpha * alpha * dt - 2 * alpha * sigma * i1 + sigma * sigma * i2;
      }
      const varExact = (sigma * sigma * (1 - Math.exp(-2 * lambda * T))) / (2 * lambda);
      return { strong: Math.sqrt(ms), weak: Math.abs(c * x0 - Math.exp(-lambda * T) * x0) + Math.abs(varEm - varExact) };
    };
    const ns = [8, 16, 32, 64, 128];
    const e = ns.map(errors);
    for (let i = 0; i + 1 < e.length; i++) {
      const strongOrder = Math.log2(e[i]!.strong / e[i + 1]!.strong);
      const weakOrder = Math.log2(e[i]!.weak / e[i + 1]!.weak);
      expect(strongOrder).toBeGreaterThan(0.85); // ≥ the general ½; 1 for additive noise
      expect(strongOrder).toBeLessThan(1.15);
      expect(weakOrder).toBeGreaterThan(0.85);
      expect(weakOrder).toBeLessThan(1.15);
    }
    expect(e[e.length - 1]!.strong).toBeLessThan(0.01);
  });

  it('rejects bad input: dt ≤ 0, steps < 1 or fractional, non-finite x₀ or t₀, wrong lengths, non-finite g', () => {
    const x = new Float64Array(2), out = new Float64Array(2), s = testStream('em: bad input');
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, 0, 0, 3, out)).toThrow(/dt must be a finite number > 0/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, 0, -0.1, 3, out)).toThrow(/dt must be/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, 0, 0.1, 0, out)).toThrow(/steps must be an integer ≥ 1/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, 0, 0.1, 1.5, out)).toThrow(/steps must be/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, Number.NaN, 0.1, 1, out)).toThrow(/t0 must be finite/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, Float64Array.of(0, Number.NaN), 1, 2, 0, 0.1, 1, out)).toThrow(/x0\[1\] must be finite/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, new Float64Array(3), 1, 2, 0, 0.1, 1, out)).toThrow(/x0 must hold n·d = 2/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 1, 2, 0, 0.1, 1, new Float64Array(1))).toThrow(/out must hold/);
    expect(() => eulerMaruyama(s, zeroDrift, 1, x, 0, 2, 0, 0.1, 1, out)).toThrow(/n must be a positive integer/);
    expect(() => eulerMaruyama(s, zeroDrift, (t) => 1 / (t - 0.1), x, 1, 2, 0, 0.1, 3, out)).toThrow(/g\(t\) must be finite/);
    expect(() => eulerMaruyamaWithNoise(zeroDrift, 1, x, 1, 2, 0, 0.1, 3, new Float64Array(5), out)).toThrow(/noise must hold steps·n·d = 6/);
  });
});

describe('Euler–Maruyama from a stream (Layer B)', () => {
  // dX = −X dt + G dW in d = 2 with per-coordinate G = (√2, 1), x₀ = 0, dt = 0.5, 4 steps (T = 2), n = 10⁵ walkers.
  // EM's law is exactly N(0, G_c² dt (1 − a⁸)/(1 − a²)), a = 1 − dt, per coordinate: tested at α/2 each. In coordinate 0
  // its variance is 1.328 against the SDE's 1 − e^{−4} = 0.982: KS distance 0.05, against 2ε = 0.017 (detectable).
  const n = 100000, d = 2, dt = 0.5, steps = 4, a = 1 - dt;
  const g = { perCoordinate: (_t: number, out: Float64Array) => fill(out, Math.SQRT2, 1) };
  const varEm = (g2: number) => (g2 * dt * (1 - a ** (2 * steps))) / (1 - a * a);
  const varSde = (g2: number) => (g2 * (1 - Math.exp(-2 * dt * steps))) / 2;
  function run(name: string) {
    const out = eulerMaruyama(testStream(name), linearDrift(1), g, new Float64Array(n * d), n, d, 0, dt, steps, new Float64Array(n * d));
    return [0, 1].map((c) => Float64Array.from({ length: n }, (_, i) => out[i * d + c]!));
  }

  it('EM: OU with per-coordinate noise after 4 steps of dt = 0.5 has the exact law of the scheme in both coordinates', () => {
    const name = 'EM: OU with per-coordinate noise after 4 steps of dt = 0.5 has the exact law of the scheme in both coordinates';
    const cols = run(name);
    [2, 1].forEach((g2, c) => {
      const sd = Math.sqrt(varEm(g2));
      expectCdfWithinDkw(name, cols[c]!, (t) => normalCdf(t / sd), { k: 2, what: `coordinate ${c}` });
    });
  });

  it('EM negative control: at dt = 0.5 the same draws reject the exact OU law of the SDE (coordinate 0)', () => {
    const name = 'EM negative control: at dt = 0.5 the same draws reject the exact OU law of the SDE (coordinate 0)';
    const s1 = Math.sqrt(varEm(2)), s2 = Math.sqrt(varSde(2));
    const x = s1 * s2 * Math.sqrt((2 * Math.log(s1 / s2)) / (s1 * s1 - s2 * s2));
    const gap = Math.abs(normalCdf(x / s1) - normalCdf(x / s2));
    const eps = dkwEpsilon(n, ALPHA[name]!);
    if (!(gap > 2 * eps)) throw new Error(`undetectable: KS(EM law, SDE law) = ${gap} ≤ 2ε = ${2 * eps}`);
    expectCdfOutsideDkw(name, run(name)[0]!, (t) => normalCdf(t / s2));
  });
});
