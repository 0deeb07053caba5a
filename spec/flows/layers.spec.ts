import { describe, expect, it } from 'vitest';
import { checkFlowBatch, checkFlowTheta, scratch, standardNormalLogDensity } from '../../src/flows/layers.js';
import { logAbsDet } from '../_contracts/flow-layer.contract.js';

describe('flows/layers', () => {
  it('standardNormalLogDensity is log N(z; 0, I_d) row by row', () => {
    const z = Float64Array.of(0, 0, 1, -2, 0.5, 3);
    const out = standardNormalLogDensity(z, 3, 2, new Float64Array(3));
    const c = -Math.log(2 * Math.PI);
    expect(out[0]).toBeCloseTo(c, 15);
    expect(out[1]).toBeCloseTo(c - 0.5 * 5, 14);
    expect(out[2]).toBeCloseTo(c - 0.5 * (0.25 + 9), 14);
  });

  it('checkFlowTheta and checkFlowBatch name the layer, the argument and the constraint', () => {
    const layer = { name: 'toy', paramDim: 2 };
    expect(() => checkFlowTheta(layer, Float64Array.of(1))).toThrow('toy: theta must have length 2, got 1');
    expect(() => checkFlowTheta(layer, Float64Array.of(1, -Infinity))).toThrow('toy: theta[1] = -Infinity must be finite');
    expect(() => checkFlowTheta(layer, [1, 2] as unknown as Float64Array)).toThrow('toy: theta must be a Float64Array');
    expect(() => checkFlowBatch('toy', 'y', Float64Array.of(1, 2, 3), 2, 2)).toThrow('toy: y must hold n·d = 4 values, got 3');
    expect(() => checkFlowBatch('toy', 'y', Float64Array.of(1, 2, NaN, 4), 2, 2)).toThrow('toy: y[2] = NaN must be finite (row 1)');
    expect(() => checkFlowBatch('toy', 'y', Float64Array.of(1, 2), 1.5, 2)).toThrow('toy: n must be a positive integer, got 1.5');
  });

  it('scratch grows and then reuses its buffer', () => {
    const s = scratch();
    const a = s.get(4);
    expect(a.length).toBeGreaterThanOrEqual(4);
    expect(s.get(3)).toBe(a);
    expect(s.get(100).length).toBeGreaterThanOrEqual(100);
  });

  it('the contract helper logAbsDet is exact on a known matrix (needs pivoting)', () => {
    // det [[0, 2, 1], [1, 1, 0], [3, 0, 1]] = 0·1 − 2·1 + 1·(−3) = −5
    expect(logAbsDet(Float64Array.of(0, 2, 1, 1, 1, 0, 3, 0, 1), 3)).toBeCloseTo(Math.log(5), 14);
  });
});
