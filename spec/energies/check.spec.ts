/**
 * checkEnergyDerivatives: it must be able to fail. Each deliberately wrong energy below (one slip each, of the kind
 * seen in practice) is rejected at the contract's tolerance (1e-6), while the correct energies give errors ~1e-9.
 */
import { describe, expect, it } from 'vitest';
import { checkEnergyDerivatives } from '../../src/energies/check.js';
import type { Energy } from '../../src/energies/energy.js';
import { gaussianEnergy, gaussianTheta } from '../../src/energies/gaussian.js';
import { twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/two-mode-mixture.js';
import { normals, uniform } from '../../src/rng/index.js';
import { testStream } from '../_support/seed.js';

const d = 3, n = 6;
const mix = twoModeMixtureEnergy(d);
const theta = twoModeTheta(new Float64Array([-1, 0, 1]), new Float64Array([1, 1, -1]), 0.4);
const x = normals(testStream('check spec points'), new Float64Array(n * d));
const wStream = testStream('check spec weights');
const wts = new Float64Array(n).map(() => 2 * uniform(wStream) - 1);
const TOL = 1e-6;

/** The mixture with one method replaced. */
const broken = (patch: Partial<Energy>): Energy => ({ ...mix, ...patch });

describe('checkEnergyDerivatives', () => {
  it('accepts the correct energies with errors far below the tolerance', () => {
    const r = checkEnergyDerivatives(mix, theta, x, n, { weights: wts });
    expect(Math.max(r.grad.maxRelError, r.paramGrad.maxRelError, r.laplacian!.maxRelError)).toBeLessThan(1e-8);
    const g = gaussianEnergy(new Float64Array([2, 0.3, 0.3, 1]), 2);
    const rg = checkEnergyDerivatives(g, gaussianTheta(new Float64Array([0.5, -1]), 0.2), x, n, { weights: wts });
    expect(Math.max(rg.grad.maxRelError, rg.paramGrad.maxRelError, rg.laplacian!.maxRelError)).toBeLessThan(1e-8);
  });

  it('rejects ∇ₓU with the posterior weights swapped (w_b (x−a) + w_a (x−b))', () => {
    const e = broken({
      energyGrad(th, xs, m, u, grad) {
        mix.energyGrad(th, xs, m, u, grad);
        // swapped weights; w_b read from the ∂zU channel of a one-walker paramGrad
        const pz = new Float64Array(mix.paramDim);
        for (let i = 0; i < m; i++) {
          const wb = mix.paramGrad(th, xs.subarray(i * d, (i + 1) * d), 1, new Float64Array([1]), pz)[2 * d]!;
          for (let j = 0; j < d; j++) {
            const xj = xs[i * d + j]!;
            grad[i * d + j] = wb * (xj - th[j]!) + (1 - wb) * (xj - th[d + j]!);
          }
        }
      },
    });
    expect(checkEnergyDerivatives(e, theta, x, n, { weights: wts }).grad.maxRelError).toBeGreaterThan(TOL);
  });

  it('rejects Σᵢ wᵢ ∂θU that ignores the weights (all wᵢ = 1)', () => {
    const e = broken({ paramGrad: (th, xs, m, _w, out) => mix.paramGrad(th, xs, m, new Float64Array(m).fill(1), out) });
    expect(checkEnergyDerivatives(e, theta, x, n, { weights: wts }).paramGrad.maxRelError).toBeGreaterThan(TOL);
  });

  it('rejects ∂zU with the wrong sign (−w_b)', () => {
    const e = broken({
      paramGrad(th, xs, m, w, out) {
        mix.paramGrad(th, xs, m, w, out);
        out[2 * d] = -out[2 * d]!;
        return out;
      },
    });
    expect(checkEnergyDerivatives(e, theta, x, n, { weights: wts }).paramGrad.maxRelError).toBeGreaterThan(TOL);
  });

  it('rejects a Laplacian without the mode-covariance term (d instead of d − w_a w_b |a − b|²)', () => {
    const e = broken({ laplacian: (_th, _xs, m, out) => out.fill(d, 0, m) });
    expect(checkEnergyDerivatives(e, theta, x, n, { weights: wts }).laplacian!.maxRelError).toBeGreaterThan(TOL);
  });

  it('rejects a Gaussian ∂sU of −½(x−μ)ᵀΣ⁻¹(x−μ) (the slip of differentiating e^{−s} instead of e^{−2s})', () => {
    const g = gaussianEnergy(new Float64Array([2, 0.3, 0.3, 1]), 2);
    const e: Energy = {
      ...g,
      paramGrad(th, xs, m, w, out) {
        g.paramGrad(th, xs, m, w, out);
        out[2] = 0.5 * out[2]!;
        return out;
      },
    };
    const r = checkEnergyDerivatives(e, gaussianTheta(new Float64Array([0.5, -1]), 0.2), x, n, { weights: wts });
    expect(r.paramGrad.maxRelError).toBeGreaterThan(TOL);
  });

  it('reports NaN derivatives as an infinite error', () => {
    const e = broken({ laplacian: (_th, _xs, m, out) => out.fill(NaN, 0, m) });
    expect(checkEnergyDerivatives(e, theta, x, n).laplacian!.maxAbsError).toBe(Infinity);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => checkEnergyDerivatives(mix, theta, x, n, { step: 0 })).toThrow(/step must be in \(0, 1\)/);
    expect(() => checkEnergyDerivatives(mix, theta, x, n, { weights: new Float64Array(2) })).toThrow(/weights must hold/);
    expect(() => checkEnergyDerivatives(mix, new Float64Array(2), x, n)).toThrow(/theta/);
    expect(() => checkEnergyDerivatives(mix, theta, x, n + 1)).toThrow(/\bx\b/);
  });
});
