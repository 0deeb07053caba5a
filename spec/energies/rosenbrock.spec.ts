/**
 * rosenbrockEnergy (000 Fig. 3): the contract (log Z = log π − ½ log b by quadrature, exact moments for the sampler);
 * Z independent of a; b ≤ 0 rejected.
 */
import { describe, expect, it } from 'vitest';
import { rosenbrockEnergy } from '../../src/energies/rosenbrock.js';
import { normals } from '../../src/rng/index.js';
import { energyContract } from '../_contracts/energy.contract.js';
import { testStream } from '../_support/seed.js';
import { gridMoments } from './quadrature.js';

// Box: x − a ~ N(0, ½) so |x − a| ≤ 6.5 leaves < e^{−42}; with |a| ≤ 1, x ∈ [−7.5, 7.5] and y − x² ~ N(0, 1/(2b)), sd ≤
// 0.71 for b ≥ 1, so y ∈ [−8, 66] (x² ≤ 56.25, +9.8 sd) leaves < e^{−48}.
const box = { lo: [-7.5, -8], hi: [7.5, 66], panels: [60, 240] };

energyContract('rosenbrock', () => ({
  energy: rosenbrockEnergy(),
  thetas: [new Float64Array([1, 2]), new Float64Array([-0.5, 1]), new Float64Array([0.3, 4])],
  points: normals(testStream('rosenbrock points'), new Float64Array(20)),
  box,
  // x ~ N(a, ½), y = x² + N(0, 1/(2b)): E y = a² + ½, Var y = Var(x²) + 1/(2b) = 2a² + ½ + 1/(2b), Cov(x, y) = 2a·½.
  moments: (th) => {
    const a = th[0]!, b = th[1]!;
    return { mean: new Float64Array([a, a * a + 0.5]), cov: new Float64Array([0.5, a, a, 2 * a * a + 0.5 + 1 / (2 * b)]) };
  },
}));

describe('rosenbrockEnergy: exact values', () => {
  it('the exact moments above agree with quadrature (checks the moment formulas the sampler test uses)', () => {
    const e = rosenbrockEnergy();
    const th = new Float64Array([1, 2]);
    const q = gridMoments(e, th, box);
    const expected = [0.5, 1, 1, 2 + 0.5 + 0.25];
    expect(Math.abs(q.mean[0]! - 1)).toBeLessThan(1e-10);
    expect(Math.abs(q.mean[1]! - 1.5)).toBeLessThan(1e-10);
    expected.forEach((v, i) => expect(Math.abs(q.cov[i]! - v)).toBeLessThan(1e-9));
  });

  it('Z = π/√b does not depend on a', () => {
    const e = rosenbrockEnergy();
    expect(e.logPartition!(new Float64Array([0, 4]))).toBe(Math.log(Math.PI) - Math.log(2));
    expect(e.logPartition!(new Float64Array([7, 4]))).toBe(e.logPartition!(new Float64Array([-3, 4])));
  });

  it('U is 0 only at (a, a²), the minimum of the banana', () => {
    const e = rosenbrockEnergy();
    const u = e.energy(new Float64Array([1, 100]), new Float64Array([1, 1, 1.01, 1, 0.99, 0.98]), 3, new Float64Array(3));
    expect(u[0]).toBe(0);
    expect(u[1]! > 0 && u[2]! > 0).toBe(true);
  });

  it('rejects b ≤ 0, naming theta[1]', () => {
    const e = rosenbrockEnergy();
    for (const b of [0, -2]) {
      const th = new Float64Array([1, b]);
      expect(() => e.energy(th, new Float64Array(2), 1, new Float64Array(1))).toThrow(/theta\[1\] \(b\).*> 0/);
      expect(() => e.logPartition!(th)).toThrow(/theta\[1\]/);
      expect(() => e.sample!(testStream('unused'), th, 1, new Float64Array(2))).toThrow(/theta\[1\]/);
    }
  });
});
