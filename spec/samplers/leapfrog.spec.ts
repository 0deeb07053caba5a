/**
 * The leapfrog integrator (000 (20)) and the mass matrix: all Layer A (deterministic). Time reversibility, volume
 * preservation (Jacobian determinant 1 by central differences) and the O(ε²) energy error (Stan's
 * expl_leapfrog2_test.cpp checks the same three), each with a non-symplectic integrator (explicit Euler) as the
 * negative control that the same check rejects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Potential } from '../../src/energies/energy.js';
import { normals, streamFromKey } from '../../src/rng/index.js';
import { drawMomentum, kineticEnergy, leapfrog, massMatrix, type MassMatrix, type PhasePoints } from '../../src/samplers/leapfrog.js';
import { testKey } from '../_support/seed.js';

/**
 * A non-quadratic, non-separable potential on ℝ^d: U(q) = ¼|q|⁴ + ½ qᵀAq + sin(q₀) with A = I + ½(11ᵀ − I)/d,
 * ∇U = |q|² q + Aq + cos(q₀) e₀.
 */
function anharmonic(d: number): Potential {
  const energyGrad = (x: Float64Array, n: number, u: Float64Array, grad: Float64Array | null): void => {
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let r2 = 0, sum = 0;
      for (let k = 0; k < d; k++) { r2 += x[o + k]! ** 2; sum += x[o + k]!; }
      let quad = 0;
      for (let k = 0; k < d; k++) {
        const ak = x[o + k]! * (1 - 0.5 / d) + (0.5 / d) * sum; // (A q)_k
        quad += x[o + k]! * ak;
        if (grad) grad[o + k] = r2 * x[o + k]! + ak + (k === 0 ? Math.cos(x[o]!) : 0);
      }
      u[i] = 0.25 * r2 * r2 + 0.5 * quad + Math.sin(x[o]!);
    }
  };
  return {
    name: `anharmonic(${d})`,
    dim: d,
    energy: (x, n, out) => { energyGrad(x, n, out, null); return out; },
    energyGrad: (x, n, u, grad) => energyGrad(x, n, u, grad),
  };
}

/** One phase point (n = 1) with U and ∇U evaluated. */
function phasePoint(potential: Potential, q: ArrayLike<number>, p: ArrayLike<number>): PhasePoints {
  const z = { q: Float64Array.from(q), p: Float64Array.from(p), u: new Float64Array(1), grad: new Float64Array(q.length) };
  potential.energyGrad(z.q, 1, z.u, z.grad);
  return z;
}

function hamiltonian(mass: MassMatrix, z: PhasePoints): number {
  return z.u[0]! + kineticEnergy(mass, z.p, 1, new Float64Array(1))[0]!;
}

/** Explicit Euler on Hamilton's equations (000 (19)): not symplectic, the negative control. */
function euler(potential: Potential, z: PhasePoints, eps: number, steps: number, mass: MassMatrix): PhasePoints {
  const d = potential.dim;
  for (let s = 0; s < steps; s++) {
    for (let k = 0; k < d; k++) {
      const pk = z.p[k]!;
      z.p[k] = pk - eps * z.grad[k]!;
      z.q[k] = z.q[k]! + eps * mass.inverse[k]! * pk;
    }
    potential.energyGrad(z.q, 1, z.u, z.grad);
  }
  return z;
}

type Integrator = (potential: Potential, z: PhasePoints, eps: number, steps: number, mass: MassMatrix) => PhasePoints;
const leapfrog1: Integrator = (potential, z, eps, steps, mass) => leapfrog(potential, z, 1, eps, steps, mass);

/** det of a small square matrix by Gaussian elimination with partial pivoting. */
function determinant(a: Float64Array, m: number): number {
  const b = Float64Array.from(a);
  let det = 1;
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(b[r * m + c]!) > Math.abs(b[piv * m + c]!)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < m; k++) { const t = b[c * m + k]!; b[c * m + k] = b[piv * m + k]!; b[piv * m + k] = t; }
      det = -det;
    }
    const pv = b[c * m + c]!;
    det *= pv;
    for (let r = c + 1; r < m; r++) {
      const f = b[r * m + c]! / pv;
      for (let k = c; k < m; k++) b[r * m + k] = b[r * m + k]! - f * b[c * m + k]!;
    }
  }
  return det;
}

/** The 2d×2d Jacobian of (q, p) ↦ Φ(q, p) by central differences with step h. */
function jacobian(potential: Potential, integrate: Integrator, q: Float64Array, p: Float64Array, eps: number, steps: number, mass: MassMatrix, h: number): Float64Array {
  const d = q.length, m = 2 * d;
  const jac = new Float64Array(m * m);
  const run = (dq: Float64Array, dp: Float64Array): Float64Array => {
    const z = integrate(potential, phasePoint(potential, dq, dp), eps, steps, mass);
    return Float64Array.of(...z.q, ...z.p);
  };
  for (let c = 0; c < m; c++) {
    const qp = Float64Array.from(q), pp = Float64Array.from(p), qm = Float64Array.from(q), pm = Float64Array.from(p);
    if (c < d) { qp[c] = qp[c]! + h; qm[c] = qm[c]! - h; } else { pp[c - d] = pp[c - d]! + h; pm[c - d] = pm[c - d]! - h; }
    const fp = run(qp, pp), fm = run(qm, pm);
    for (let r = 0; r < m; r++) jac[r * m + c] = (fp[r]! - fm[r]!) / (2 * h);
  }
  return jac;
}

const coord = fc.double({ min: -1.5, max: 1.5, noNaN: true, noDefaultInfinity: true });
const massValue = fc.double({ min: 0.5, max: 2, noNaN: true, noDefaultInfinity: true });

describe('leapfrog (000 (20))', () => {
  it('one step on U = q²/2 (m = 1) is the known linear map [[1 − ε²/2, ε], [−ε(1 − ε²/4), 1 − ε²/2]]', () => {
    const harmonic: Potential = {
      name: 'harmonic', dim: 1,
      energy: (x, n, out) => { for (let i = 0; i < n; i++) out[i] = 0.5 * x[i]! ** 2; return out; },
      energyGrad: (x, n, u, g) => { for (let i = 0; i < n; i++) { u[i] = 0.5 * x[i]! ** 2; g[i] = x[i]!; } },
    };
    fc.assert(fc.property(coord, coord, fc.double({ min: 0.01, max: 1.9, noNaN: true, noDefaultInfinity: true }), (q, p, eps) => {
      const z = leapfrog(harmonic, phasePoint(harmonic, [q], [p]), 1, eps, 1, massMatrix(1));
      expect(z.q[0]).toBeCloseTo((1 - eps * eps / 2) * q + eps * p, 12);
      expect(z.p[0]).toBeCloseTo(-eps * (1 - eps * eps / 4) * q + (1 - eps * eps / 2) * p, 12);
      expect(z.u[0]).toBeCloseTo(0.5 * z.q[0]! ** 2, 14);
      expect(z.grad[0]).toBe(z.q[0]);
    }), { numRuns: 100 });
  });

  it('is time reversible: flip p, integrate back, flip p recovers (q, p) to 1e-12 (d = 1 … 4, diagonal and dense M)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.array(coord, { minLength: 8, maxLength: 8 }), fc.array(massValue, { minLength: 4, maxLength: 4 }),
      fc.double({ min: 0.005, max: 0.1, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 30 }), fc.boolean(),
      (d, qp, masses, eps, steps, dense) => {
        const pot = anharmonic(d);
        let mass = massMatrix(d, Float64Array.from(masses.slice(0, d)));
        if (dense) {
          // M = diag(m) + ½·(offdiagonal 0.2): SPD by diagonal dominance.
          const m = new Float64Array(d * d);
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] = i === j ? masses[i]! : 0.1;
          mass = massMatrix(d, m);
        }
        const q0 = qp.slice(0, d), p0 = qp.slice(4, 4 + d);
        const z = leapfrog(pot, phasePoint(pot, q0, p0), 1, eps, steps, mass);
        for (let k = 0; k < d; k++) z.p[k] = -z.p[k]!;
        leapfrog(pot, z, 1, eps, steps, mass);
        for (let k = 0; k < d; k++) {
          expect(Math.abs(z.q[k]! - q0[k]!)).toBeLessThan(1e-12 * (1 + Math.abs(q0[k]!)));
          expect(Math.abs(-z.p[k]! - p0[k]!)).toBeLessThan(1e-12 * (1 + Math.abs(p0[k]!)));
        }
      }), { numRuns: 100 });
  });

  it('preserves volume: det ∂(q′, p′)/∂(q, p) = 1 by central differences in d = 2, 3; explicit Euler does not', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 3 }), fc.array(coord, { minLength: 6, maxLength: 6 }), fc.array(massValue, { minLength: 3, maxLength: 3 }),
      fc.double({ min: 0.05, max: 0.2, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 10 }),
      (d, qp, masses, eps, steps) => {
        const pot = anharmonic(d);
        const mass = massMatrix(d, Float64Array.from(masses.slice(0, d)));
        const q = Float64Array.from(qp.slice(0, d)), p = Float64Array.from(qp.slice(3, 3 + d));
        // Central differences: truncation O(h²)·|Φ'''| ≈ 1e-10, rounding O(1e-16/h) ≈ 1e-11 per entry; 1e-7 on det
        // leaves room for the 6×6 elimination.
        const h = 1e-5;
        const det = determinant(jacobian(pot, leapfrog1, q, p, eps, steps, mass, h), 2 * d);
        expect(Math.abs(det - 1)).toBeLessThan(1e-7);
      }), { numRuns: 40 });
    // Negative control: Euler's Jacobian has det = Π(1 + ε²·(curvature/m)) ≠ 1 at a generic point.
    const pot = anharmonic(2);
    const mass = massMatrix(2, 1);
    const det = determinant(jacobian(pot, euler, Float64Array.of(0.7, -0.4), Float64Array.of(0.3, 0.9), 0.1, 5, mass, 1e-5), 4);
    expect(Math.abs(det - 1)).toBeGreaterThan(1e-3);
  });

  it('has energy error O(ε²): the slope of log max|ΔH| against log ε on a fixed trajectory length is 2 (Euler: 1)', () => {
    const d = 3;
    const pot = anharmonic(d);
    const mass = massMatrix(d, Float64Array.of(1, 0.7, 1.4));
    const q0 = [0.8, -0.5, 0.3], p0 = [0.4, 1.1, -0.6];
    const slope = (integrate: Integrator): number => {
      const xs: number[] = [], ys: number[] = [];
      for (const steps of [40, 80, 160, 320, 640]) {
        const eps = 2 / steps; // trajectory length T = 2
        const z = phasePoint(pot, q0, p0);
        const h0 = hamiltonian(mass, z);
        let maxErr = 0;
        for (let s = 0; s < steps; s++) {
          integrate(pot, z, eps, 1, mass);
          maxErr = Math.max(maxErr, Math.abs(hamiltonian(mass, z) - h0));
        }
        xs.push(Math.log(eps));
        ys.push(Math.log(maxErr));
      }
      const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
      let sxy = 0, sxx = 0;
      for (let i = 0; i < xs.length; i++) { sxy += (xs[i]! - mx) * (ys[i]! - my); sxx += (xs[i]! - mx) ** 2; }
      return sxy / sxx;
    };
    // Halving ε from 0.05 to 0.003: the O(ε⁴) term moves the slope by well under 0.05.
    expect(Math.abs(slope(leapfrog1) - 2)).toBeLessThan(0.05);
    expect(Math.abs(slope(euler) - 1)).toBeLessThan(0.1);
  });

  it('leaves U and ∇U consistent with q, works on a batch as on single walkers, and allocates no new buffers', () => {
    const d = 3, n = 5;
    const pot = anharmonic(d);
    const mass = massMatrix(d, 1.3);
    const stream = streamFromKey(testKey('leapfrog batch'));
    const q = normals(stream, new Float64Array(n * d)), p = normals(stream, new Float64Array(n * d));
    const z: PhasePoints = { q: Float64Array.from(q), p: Float64Array.from(p), u: new Float64Array(n), grad: new Float64Array(n * d) };
    pot.energyGrad(z.q, n, z.u, z.grad);
    const buffers = [z.q, z.p, z.u, z.grad];
    const ret = leapfrog(pot, z, n, 0.07, 9, mass);
    expect(ret).toBe(z);
    expect([ret.q, ret.p, ret.u, ret.grad]).toEqual(buffers);
    const u = new Float64Array(n), g = new Float64Array(n * d);
    pot.energyGrad(z.q, n, u, g);
    expect(Array.from(z.u)).toEqual(Array.from(u));
    expect(Array.from(z.grad)).toEqual(Array.from(g));
    for (let i = 0; i < n; i++) {
      const one = leapfrog(pot, phasePoint(pot, q.subarray(i * d, i * d + d), p.subarray(i * d, i * d + d)), 1, 0.07, 9, mass);
      expect(Array.from(one.q)).toEqual(Array.from(z.q.subarray(i * d, i * d + d)));
      expect(Array.from(one.p)).toEqual(Array.from(z.p.subarray(i * d, i * d + d)));
    }
  });
});

describe('mass matrix (000 (16)-(17))', () => {
  it('K(p) = Σ p²/(2m) for diagonal M; the dense form of a diagonal M gives the same K and the same momenta', () => {
    fc.assert(fc.property(fc.array(massValue, { minLength: 3, maxLength: 3 }), fc.array(coord, { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, p, seed) => {
      const diag = massMatrix(3, Float64Array.from(m));
      const dense = massMatrix(3, Float64Array.of(m[0]!, 0, 0, 0, m[1]!, 0, 0, 0, m[2]!));
      expect(diag.diagonal).toBe(true);
      expect(dense.diagonal).toBe(false);
      const pa = Float64Array.from(p);
      const expected = 0.5 * (p[0]! ** 2 / m[0]! + p[1]! ** 2 / m[1]! + p[2]! ** 2 / m[2]!);
      expect(kineticEnergy(diag, pa, 1, new Float64Array(1))[0]).toBeCloseTo(expected, 13);
      expect(kineticEnergy(dense, pa, 1, new Float64Array(1))[0]).toBeCloseTo(expected, 13);
      const key = testKey(`mass draw ${seed}`);
      const a = drawMomentum(streamFromKey(key), diag, 4, new Float64Array(12));
      const b = drawMomentum(streamFromKey(key), dense, 4, new Float64Array(12));
      for (let j = 0; j < 12; j++) expect(b[j]).toBeCloseTo(a[j]!, 14);
    }), { numRuns: 50 });
  });

  it('dense M: p = Lξ for the Cholesky factor L of M and the same normals ξ, and K(p) = ½|ξ|²', () => {
    const m = Float64Array.of(2, 0.6, 0.3, 0.6, 1.5, -0.4, 0.3, -0.4, 1.2);
    const mass = massMatrix(3, m);
    const key = testKey('dense momentum');
    const xi = normals(streamFromKey(key), new Float64Array(6));
    const p = drawMomentum(streamFromKey(key), mass, 2, new Float64Array(6));
    const k = kineticEnergy(mass, p, 2, new Float64Array(2));
    for (let i = 0; i < 2; i++) {
      let xi2 = 0;
      for (let r = 0; r < 3; r++) {
        let s = 0;
        for (let c = 0; c <= r; c++) s += mass.factor[r * 3 + c]! * xi[i * 3 + c]!;
        expect(p[i * 3 + r]).toBeCloseTo(s, 14);
        xi2 += xi[i * 3 + r]! ** 2;
      }
      // K(Lξ) = ½ ξᵀLᵀ(LLᵀ)⁻¹Lξ = ½|ξ|²
      expect(k[i]).toBeCloseTo(0.5 * xi2, 12);
    }
    // L Lᵀ = M
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += mass.factor[r * 3 + j]! * mass.factor[c * 3 + j]!;
      expect(s).toBeCloseTo(m[r * 3 + c]!, 13);
    }
  });
});

describe('leapfrog validation', () => {
  const pot = anharmonic(2);
  const z = phasePoint(pot, [0.1, 0.2], [0.3, 0.4]);
  it('rejects ε ≤ 0 or non-finite, L < 1 or fractional, naming them', () => {
    for (const eps of [0, -0.1, NaN, Infinity]) expect(() => leapfrog(pot, z, 1, eps, 3, massMatrix(2))).toThrow(/stepSize must be a finite number > 0/);
    for (const l of [0, -1, 2.5]) expect(() => leapfrog(pot, z, 1, 0.1, l, massMatrix(2))).toThrow(/steps must be an integer ≥ 1/);
  });
  it('rejects masses ≤ 0 or non-finite, a non-SPD mass matrix, a wrong mass length and a dimension mismatch', () => {
    expect(() => massMatrix(2, 0)).toThrow(/mass\[0\] must be a finite number > 0/);
    expect(() => massMatrix(2, Float64Array.of(1, -2))).toThrow(/mass\[1\] must be a finite number > 0/);
    expect(() => massMatrix(2, Float64Array.of(1, NaN))).toThrow(/mass\[1\]/);
    expect(() => massMatrix(2, Float64Array.of(1, 2, 2, 1))).toThrow(/mass must be positive definite/);
    expect(() => massMatrix(2, Float64Array.of(1, 2, 3))).toThrow(/mass must be a number, a vector of length d = 2/);
    expect(() => leapfrog(pot, z, 1, 0.1, 3, massMatrix(3))).toThrow(/mass has dimension 3 but the potential/);
    expect(() => leapfrog(pot, z, 2, 0.1, 3, massMatrix(2))).toThrow(/phase points must hold n·d = 4/);
  });
});
