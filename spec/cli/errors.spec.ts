/**
 * src/cli: bad configs fail with a ConfigError whose message names the JSON path and the constraint, before any work
 * starts (the output folder is never created).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { ConfigError, runConfig } from '../../src/cli/run.js';
import { writeNpy } from '../../src/io/npy.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebm-cli-err-'));
  dirs.push(dir);
  return dir;
};
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  vi.restoreAllMocks();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const train = () => ({
  experiment: 'train',
  energy: { kind: 'twoModeMixture', d: 2 },
  data: { teacher: { a: [-3, 0], b: [3, 0], z: -1 }, size: 50 },
  theta0: { a: [-1, 0], b: [1, 0], z: 0 },
  algorithm: 'jarzynski',
  walkers: 40,
  optimizer: { kind: 'sgd', lr: 0.1 },
  resampling: { scheme: 'systematic', trigger: { kind: 'essFraction', value: 0.5 } },
  iterations: 5,
  h: 0.1,
}) as Record<string, any>;

const sample = () => ({
  experiment: 'sample',
  energy: { kind: 'doubleWell', d: 2 },
  theta: { kappa: 2 },
  sampler: { kind: 'mala', h: 0.1 },
  walkers: 10,
  steps: 3,
}) as Record<string, any>;

/** Runs a patched config into a fresh, not yet existing folder; returns the error and asserts nothing was written. */
function failure(base: () => Record<string, any>, patch: (c: Record<string, any>) => void): Error {
  const c = base();
  patch(c);
  const out = join(tempDir(), 'out');
  let error: unknown;
  try {
    runConfig(c, 'test.json', out);
  } catch (err) {
    error = err;
  }
  expect(error, 'the config must be refused').toBeInstanceOf(ConfigError);
  expect(existsSync(out), 'no output before validation').toBe(false);
  return error as Error;
}

describe('ebm run: precise errors before any work', () => {
  it('the valid base configs run (so each failure below is caused by its patch)', () => {
    const out = tempDir();
    expect(() => runConfig(train(), 'test.json', join(out, 't'))).not.toThrow();
    expect(() => runConfig(sample(), 'test.json', join(out, 's'))).not.toThrow();
    expect(existsSync(join(out, 't', 'theta.npy')) && existsSync(join(out, 's', 'walkers.npy'))).toBe(true);
  });

  it('a negative or zero step', () => {
    expect(failure(train, (c) => { c.h = -0.1; }).message).toMatch(/^ {2}h: Too small: expected number to be >0$/m);
    expect(failure(sample, (c) => { c.sampler.h = -1; }).message).toMatch(/^ {2}sampler\.h: Too small: expected number to be >0$/m);
    expect(failure(sample, (c) => { c.sampler = { kind: 'hmc', stepSize: 0, steps: 3 }; }).message).toMatch(/sampler\.stepSize: Too small: expected number to be >0/);
    expect(failure(sample, (c) => { c.sampler = { kind: 'langevin003', eta: -0.5 }; }).message).toMatch(/sampler\.eta: Too small/);
    // Any h ≤ 0 is refused, naming h.
    fc.assert(fc.property(fc.double({ min: -1e6, max: 0, noNaN: true, noDefaultInfinity: true }), (h) => {
      expect(failure(train, (c) => { c.h = h; }).message).toMatch(/^ {2}h: Too small/m);
    }), { numRuns: 20 });
  });

  it("N' > N, and batchSize where it does not apply", () => {
    expect(failure(train, (c) => { c.batchSize = 41; }).message).toContain("  batchSize: N' = 41 must not exceed walkers N = 40");
    expect(failure(train, (c) => { c.algorithm = 'cd'; c.cdSteps = 2; delete c.resampling; c.batchSize = 10; }).message).toContain('  batchSize: applies to jarzynski, pcd and unweighted, not cd');
  });

  it('thresholds outside their range, in each convention', () => {
    expect(failure(train, (c) => { c.resampling.trigger.value = 1.5; }).message).toContain('  resampling.trigger.value: Too big: expected number to be <=1');
    expect(failure(train, (c) => { c.resampling.trigger.value = 0; }).message).toContain('  resampling.trigger.value: Too small: expected number to be >0');
    expect(failure(train, (c) => { c.resampling.trigger = { kind: 'cv2', value: -0.1 }; }).message).toContain('  resampling.trigger.value: Too small: expected number to be >=0');
    expect(failure(train, (c) => { c.resampling.trigger = { kind: 'essCount', value: 41 }; }).message).toContain('  resampling.trigger.value: an ESS count threshold must be ≤ N = 40, got 41');
    expect(failure(train, (c) => { c.resampling.every = 3; }).message).toContain('  resampling: needs exactly one of "trigger" or "every"');
    expect(failure(train, (c) => { c.algorithm = 'pcd'; }).message).toContain('  resampling: applies to jarzynski only, not pcd');
  });

  it('data and initial walkers of the wrong dimension or count', () => {
    const dir = tempDir();
    writeNpy(join(dir, 'd3.npy'), new Float64Array(30), [10, 3]);
    writeNpy(join(dir, 'd2.npy'), new Float64Array(20), [10, 2]);
    writeNpy(join(dir, 'f32.npy'), new Float32Array(20), [10, 2]);
    const m1 = failure(train, (c) => { c.data = { npy: join(dir, 'd3.npy') }; }).message;
    expect(m1).toContain(`  data.npy: data in ${join(dir, 'd3.npy')} has shape [10, 3], expected [n, 2]: the energy's dimension is d = 2`);
    expect(failure(train, (c) => { c.data = { npy: join(dir, 'f32.npy') }; }).message).toMatch(/data\.npy: data in .* must be float64/);
    expect(failure(train, (c) => { c.data = { npy: join(dir, 'missing.npy') }; }).message).toMatch(/data\.npy: cannot read data from .*missing\.npy/);
    expect(failure(train, (c) => { c.init = { npy: join(dir, 'd2.npy') }; }).message).toContain('  init.npy: initial walkers in');
    expect(failure(train, (c) => { c.init = { npy: join(dir, 'd2.npy') }; }).message).toContain('has 10 rows, expected 40');
    expect(failure(sample, (c) => { c.init = { npy: join(dir, 'd3.npy') }; }).message).toContain('  init.npy: initial walkers in');
    expect(failure(train, (c) => { c.data = { npy: join(dir, 'd2.npy'), size: 3 }; }).message).toContain('  data: give either {teacher, size} or {npy}, not both');
    expect(failure(train, (c) => { c.energy = { kind: 'doubleWell', d: 2 }; c.theta0 = [1]; c.data.teacher = [2]; }).message).toContain('  data.teacher: doubleWell(d=2) has no exact sampler: give the data as {npy}');
    // Relative paths are read next to the config file: a data file of the right shape there is accepted.
    expect(() => runConfig({ ...train(), data: { npy: 'd2.npy' } }, join(dir, 'cfg.json'), join(dir, 'ok'))).not.toThrow();
  });

  it('unknown keys, anywhere', () => {
    expect(failure(train, (c) => { c.walkerz = 3; }).message).toContain('  (root): Unrecognized key: "walkerz"');
    expect(failure(train, (c) => { c.energy.dim = 3; }).message).toContain('  energy: Unrecognized key: "dim"');
    expect(failure(train, (c) => { c.optimizer.beta1 = 0.9; }).message).toContain('  optimizer: Unrecognized key: "beta1"');
    expect(failure(train, (c) => { c.theta0.c = 1; }).message).toContain('  theta0.c: unrecognized key "c": θ of twoModeMixture is an array [a (d), b (d), z] or an object {a, b, z}');
    expect(failure(sample, (c) => { c.sampler.steps = 3; }).message).toContain('  sampler: Unrecognized key: "steps"');
    expect(failure(train, (c) => { c.energy.kind = 'ising'; }).message).toMatch(/energy\.kind: Invalid discriminator value/);
  });

  it('θ of the wrong length, naming paramDim and the energy; θ the energy refuses', () => {
    expect(failure(train, (c) => { c.theta0 = [1, 2, 3]; }).message).toContain('  theta0: must have length paramDim = 5 of twoModeMixture(d=2) (θ = [a (d), b (d), z]), got 3');
    expect(failure(train, (c) => { c.data.teacher = { a: [1, 2, 3], b: [0, 0], z: 0 }; }).message).toContain('  data.teacher.a: must have 2 numbers, got 3');
    expect(failure(train, (c) => { delete c.theta0; }).message).toContain('  theta0: required: θ_0 as an array [a (d), b (d), z] or the named form');
    expect(failure(sample, (c) => { c.theta = { kappa: 0 }; }).message).toMatch(/ {2}theta: theta\[0\] \(κ\) for doubleWell\(d=2\) must be > 0, got 0/);
    expect(failure(sample, (c) => { c.energy = { kind: 'mixture', k: 2, d: 2 }; delete c.theta; }).message).toContain('  theta: required for mixture (no default)');
    expect(failure(train, (c) => { c.optimizer.lr = [0.1, 0.1]; }).message).toContain('  optimizer.lr: must have one rate per parameter: paramDim = 5');
    expect(failure(sample, (c) => { c.energy = { kind: 'gaussian', d: 2, cov0: [[1, 2], [2, 1]] }; delete c.theta; }).message).toMatch(/energy\.cov0: must be symmetric positive definite/);
    expect(failure(sample, (c) => { c.energy = { kind: 'gaussian', d: 2, cov0: [1, 0, 0] }; }).message).toContain('  energy.cov0: a flat cov0 must have d² = 4 numbers');
    expect(failure(sample, (c) => { c.sampler = { kind: 'hmc', stepSize: 0.1, steps: 2, mass: [1, 2, 3] }; }).message).toMatch(/sampler\.mass: mass must be a number, a vector of length d = 2/);
    expect(failure(sample, (c) => { c.sampler = { kind: 'mh', scale: [1, -1] }; }).message).toMatch(/sampler\.scale: scale\[1\] must be a finite number > 0/);
  });

  it('algorithm-specific keys', () => {
    expect(failure(train, (c) => { c.algorithm = 'cd'; delete c.resampling; }).message).toContain('  cdSteps: CD needs cdSteps (P ≥ 1)');
    expect(failure(train, (c) => { c.cdSteps = 3; }).message).toContain('  cdSteps: applies to cd only, not jarzynski');
    expect(failure(train, (c) => { c.algorithm = 'pcd'; delete c.resampling; c.init = { npy: 'x.npy' }; }).message).toContain('  init: applies to jarzynski and unweighted only');
  });

  it('an unknown experiment, and a config that is not an object', () => {
    expect(failure(train, (c) => { c.experiment = 'nope'; }).message).toMatch(/"experiment" must be one of gmm, gmm-1d, train, sample, .*, got "nope"$/);
    expect(() => runConfig([1, 2], 'test.json')).toThrow(/expected a JSON object/);
  });

  it('reports every problem at once', () => {
    const m = failure(train, (c) => { c.h = -1; c.walkers = 0; c.theta0 = [1]; }).message;
    expect(m).toMatch(/ h: Too small/);
    expect(m).toMatch(/ walkers: Too small/);
    expect(m).toMatch(/ theta0: must have length paramDim = 5/);
  });
});
