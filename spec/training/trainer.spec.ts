import { describe, expect, it } from 'vitest';
import { foldIn, normals, streamFromKey, type Key } from '../../src/rng/index.js';
import { gaussianEnergy, gaussianTheta, twoModeMixtureEnergy, twoModeTheta, type Energy } from '../../src/energies/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { ulaStepWithNoise } from '../../src/samplers/ula.js';
import { jarzynskiIncrementLiteral } from '../../src/smc/jarzynski.js';
import { logMeanExp } from '../../src/smc/log-weights.js';
import {
  adam, createTrainer, drawWalkerNoise, energyDataTerm, energyEngine, iterationKey, PURPOSE, purposeKey, sgd,
  type TrainerOptions,
} from '../../src/training/index.js';
import { testKey } from '../_support/seed.js';
import { expectWithinSE, zFor, alphaOf } from '../_support/stat.js';

const d = 2;
const energy = twoModeMixtureEnergy(d);

function teacherData(key: Key, n: number): Float64Array {
  const theta = twoModeTheta(Float64Array.of(-3, 0), Float64Array.of(3, 0), -Math.log(3));
  return energy.sample!(streamFromKey(key), theta, n, new Float64Array(n * d));
}

function setup(seedName: string, n = 300, walkers = 200) {
  const key = testKey(seedName);
  const data = energyDataTerm(energy, teacherData(foldIn(key, 1), n), n);
  const theta0 = twoModeTheta(Float64Array.of(-0.1, 0.02), Float64Array.of(0.1, -0.03), 0);
  const x0 = energy.sample!(streamFromKey(foldIn(key, 2)), theta0, walkers, new Float64Array(walkers * d));
  const p = energy.paramDim;
  const lr = new Float64Array(p).fill(0.05);
  lr[p - 1] = 0.25;
  return { key, data, theta0, x0, lr, walkers };
}

describe('generic engine', () => {
  it('advance equals ULA with the block noise plus the literal Jarzynski increment (004 (5)-(6)), moved and frozen', () => {
    const n = 300; // more than one noise block of 256
    const key = testKey('engine literal');
    const theta = twoModeTheta(Float64Array.of(-1, 0.5), Float64Array.of(1.5, 0), 0.3);
    const thetaNext = twoModeTheta(Float64Array.of(-1.1, 0.4), Float64Array.of(1.6, 0.1), 0.2);
    const x = normals(streamFromKey(foldIn(key, 0)), new Float64Array(n * d));
    const h = 0.3;
    const moved = Int32Array.from({ length: 270 }, (_, t) => (t * 7) % n).sort();
    expect(new Set(moved).size).toBe(270);
    const engine = energyEngine(energy, n);
    engine.setPositions(theta, x);
    const logW = normals(streamFromKey(foldIn(key, 1)), new Float64Array(n));
    const logW0 = Float64Array.from(logW);
    const noiseKey = foldIn(key, 2);
    engine.advance(noiseKey, theta, thetaNext, h, moved, logW);

    const noise = drawWalkerNoise(noiseKey, moved.length, d, new Float64Array(moved.length * d));
    const u0 = new Float64Array(n), g0 = new Float64Array(n * d);
    energy.energyGrad(theta, x, n, u0, g0);
    const after = engine.readPositions(new Float64Array(n * d));
    const movedSet = new Set(moved);
    const one = new Float64Array(d), gOne = new Float64Array(d), uOne = new Float64Array(1);
    const u1 = new Float64Array(1), g1 = new Float64Array(d), w = new Float64Array(1);
    moved.forEach((i, t) => {
      ulaStepWithNoise(x.subarray(i * d, i * d + d), g0.subarray(i * d, i * d + d), noise.subarray(t * d, t * d + d), h, one);
      for (let j = 0; j < d; j++) expect(after[i * d + j]).toBeCloseTo(one[j]!, 13);
      energy.energyGrad(thetaNext, one, 1, u1, g1);
      // The literal α form, 004 (6), evaluated from U and ∇U at both points under both parameters.
      const uOld = Float64Array.of(u0[i]!);
      jarzynskiIncrementLiteral(h, 1, d, x.subarray(i * d, i * d + d), uOld, g0.subarray(i * d, i * d + d), one, u1, g1, Float64Array.of(logW0[i]!), w);
      expect(Math.abs(logW[i]! - w[0]!)).toBeLessThan(1e-11 * Math.max(1, Math.abs(w[0]!)));
    });
    for (let i = 0; i < n; i++) {
      if (movedSet.has(i)) continue;
      // Alg. 2 line 14: frozen walkers stay and get U_θk(X) − U_θk+1(X).
      for (let j = 0; j < d; j++) expect(after[i * d + j]).toBe(x[i * d + j]);
      energy.energy(thetaNext, x.subarray(i * d, i * d + d), 1, uOne);
      expect(logW[i]! - (logW0[i]! + u0[i]! - uOne[0]!)).toBeCloseTo(0, 12);
    }
    void gOne;
  });

  it('rejects repeated walkers in a mini-batch, bad ancestors and a step before positions are set', () => {
    const engine = energyEngine(energy, 4);
    const theta = twoModeTheta(Float64Array.of(0, 0), Float64Array.of(1, 0), 0);
    expect(() => engine.advance([1, 2], theta, theta, 0.1, null, null)).toThrow(/setPositions/);
    engine.setPositions(theta, new Float64Array(8));
    expect(() => engine.advance([1, 2], theta, theta, 0.1, Int32Array.of(1, 1), null)).toThrow(/distinct/);
    expect(() => engine.advance([1, 2], theta, theta, 0, null, null)).toThrow(/h must be/);
    expect(() => engine.resample(Int32Array.of(0, 1, 2, 4))).toThrow(/ancestors\[3\]/);
    expect(() => engine.setPositions(theta, new Float64Array(7))).toThrow(/N·d = 8/);
  });
});

describe('trainer', () => {
  const base: TrainerOptions = {
    algorithm: 'jarzynski', h: 0.1, batchSize: 120,
    resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } }, logZ0: energy.logPartition!(twoModeTheta(Float64Array.of(0, 0), Float64Array.of(0, 0), 0)),
  };

  it('a run resumed from a checkpoint ends bit for bit where the uninterrupted run ends (Alg. 2 with resampling, Adam)', () => {
    const s = setup('trainer resume');
    const make = () => createTrainer({
      engine: energyEngine(energy, s.walkers), data: s.data, optimizer: adam(energy.paramDim, { lr: s.lr }),
      options: { ...base, logZ0: energy.logPartition!(s.theta0) }, runKey: s.key, theta0: s.theta0, x0: s.x0,
    });
    const full = make();
    let resamplings = 0;
    for (let k = 0; k < 40; k++) if (full.step().resampled) resamplings++;
    expect(resamplings).toBeGreaterThan(0); // the resampling path is exercised
    const first = make();
    for (let k = 0; k < 17; k++) first.step();
    const bytes = encodeCheckpoint({ run: 'test' }, first.snapshot());
    const resumed = make();
    resumed.restore(decodeCheckpoint(bytes, { run: 'test' }));
    expect(resumed.k).toBe(17);
    for (let k = 17; k < 40; k++) resumed.step();
    expect(Array.from(resumed.theta)).toEqual(Array.from(full.theta));
    expect(Array.from(resumed.logW)).toEqual(Array.from(full.logW));
    expect(resumed.logZTracker).toEqual(full.logZTracker);
    const snapA = full.snapshot(), snapB = resumed.snapshot();
    expect(Array.from(snapB.arrays!['x'] as Float64Array)).toEqual(Array.from(snapA.arrays!['x'] as Float64Array));
  });

  it('the same key gives the same run; another key another run', () => {
    const s = setup('trainer replay');
    const run = (key: Key) => {
      const t = createTrainer({ engine: energyEngine(energy, s.walkers), data: s.data, optimizer: sgd(energy.paramDim, { lr: s.lr }), options: base, runKey: key, theta0: s.theta0, x0: s.x0 });
      for (let k = 0; k < 10; k++) t.step();
      return Array.from(t.theta);
    };
    expect(run(s.key)).toEqual(run(s.key));
    expect(run(foldIn(s.key, 99))).not.toEqual(run(s.key));
  });

  it('the first iteration follows Alg. 1 lines 4–11 by hand: D_0, the SGD step θ_1 = θ_0 + γ D_0, weights (5)-(6)', () => {
    const s = setup('trainer by hand');
    const options: TrainerOptions = { algorithm: 'jarzynski', h: 0.2 };
    const engine = energyEngine(energy, s.walkers);
    const t = createTrainer({ engine, data: s.data, optimizer: sgd(energy.paramDim, { lr: s.lr }), options, runKey: s.key, theta0: s.theta0, x0: s.x0 });
    const info = t.step();
    expect(info.ess).toBe(1);
    const p = energy.paramDim, n = s.walkers;
    const model = energy.paramGrad(s.theta0, s.x0, n, new Float64Array(n).fill(1 / n), new Float64Array(p));
    const dataGrad = energy.paramGrad(s.theta0, s.data.points, s.data.size, new Float64Array(s.data.size).fill(1 / s.data.size), new Float64Array(p));
    for (let j = 0; j < p; j++) expect(t.theta[j]).toBeCloseTo(s.theta0[j]! + s.lr[j]! * (model[j]! - dataGrad[j]!), 13);
    // The walkers moved with the noise of iteration 0 under θ_0; the weights are the literal increments.
    const noise = drawWalkerNoise(purposeKey(iterationKey(s.key, 0), PURPOSE.noise), n, d, new Float64Array(n * d));
    const u0 = new Float64Array(n), g0 = new Float64Array(n * d);
    energy.energyGrad(s.theta0, s.x0, n, u0, g0);
    const x1 = ulaStepWithNoise(s.x0, g0, noise, 0.2, new Float64Array(n * d));
    const u1 = new Float64Array(n), g1 = new Float64Array(n * d);
    energy.energyGrad(t.theta, x1, n, u1, g1);
    const w = jarzynskiIncrementLiteral(0.2, n, d, s.x0, u0, g0, x1, u1, g1, new Float64Array(n), new Float64Array(n));
    for (let i = 0; i < n; i++) expect(t.logW[i]! - w[i]!).toBeCloseTo(0, 11);
  });

  it('pcd, unweighted and cd carry no weights; cd restarts at data points every iteration', () => {
    const s = setup('trainer unweighted');
    for (const options of [{ algorithm: 'pcd', h: 0.1 }, { algorithm: 'unweighted', h: 0.1 }, { algorithm: 'cd', h: 0.1, cdSteps: 1 }] as TrainerOptions[]) {
      const engine = energyEngine(energy, s.walkers);
      const t = createTrainer({ engine, data: s.data, optimizer: sgd(energy.paramDim, { lr: s.lr }), options, runKey: s.key, theta0: s.theta0, x0: s.x0 });
      for (let k = 0; k < 5; k++) {
        const info = t.step();
        expect(info.ess).toBe(1);
        expect(info.logZ).toBeNull();
      }
      expect(t.logW.every((a) => a === 0)).toBe(true);
    }
    // PCD's walkers start on data points (Alg. 4 line 2).
    const engine = energyEngine(energy, s.walkers);
    createTrainer({ engine, data: s.data, optimizer: sgd(energy.paramDim, { lr: s.lr }), options: { algorithm: 'pcd', h: 0.1 }, runKey: s.key, theta0: s.theta0 });
    const x = engine.readPositions(new Float64Array(s.walkers * d));
    const points = new Set<string>();
    for (let j = 0; j < s.data.size; j++) points.add(`${s.data.points[j * d]},${s.data.points[j * d + 1]}`);
    for (let i = 0; i < s.walkers; i++) expect(points.has(`${x[i * d]},${x[i * d + 1]}`)).toBe(true);
  });

  it('rejects bad configurations before any work', () => {
    const s = setup('trainer validation');
    const make = (options: TrainerOptions, x0: Float64Array | null = s.x0) => createTrainer({
      engine: energyEngine(energy, s.walkers), data: s.data, optimizer: sgd(energy.paramDim, { lr: 0.1 }), options, runKey: s.key, theta0: s.theta0, ...(x0 ? { x0 } : {}),
    });
    expect(() => make({ algorithm: 'jarzynski', h: -0.1 })).toThrow(/h must be/);
    expect(() => make({ algorithm: 'jarzynski', h: 0.1, batchSize: s.walkers + 1 })).toThrow(/batchSize N' must be/);
    expect(() => make({ algorithm: 'cd', h: 0.1 })).toThrow(/cdSteps/);
    expect(() => make({ algorithm: 'pcd', h: 0.1, resampling: { scheme: 'systematic', trigger: { kind: 'never' } } })).toThrow(/resampling applies/);
    expect(() => make({ algorithm: 'jarzynski', h: 0.1, resampling: { scheme: 'systematic', trigger: { kind: 'essFraction', value: 1.5 } } })).toThrow(/essFraction|\(0, 1\]/);
    expect(() => make({ algorithm: 'jarzynski', h: 0.1 }, null)).toThrow(/x0/);
    expect(() => make({ algorithm: 'nope' as 'cd', h: 0.1 })).toThrow(/algorithm must be one of/);
    expect(() => sgd(3, { lr: Float64Array.of(1, 2) })).toThrow(/one rate per parameter/);
    expect(() => adam(3, { lr: 0.1, schedule: 'linear' })).toThrow(/iterations/);
  });
});

describe('Jarzynski log Z along a training protocol (004 (7), (12))', () => {
  // Alg. 1 makes θ_k depend on its own walkers; to test the identity E[e^{A_k}] = Z_θk/Z_θ0 exactly, record the θ path
  // of a training run, then drive a fresh, independent set of walkers along that fixed path (the engine's advance with
  // the recorded θ_k, θ_{k+1}) and compare log mean e^{A_k} with the analytic log Z_θk − log Z_θ0 at checkpoints k.
  // The estimator's standard error is the delta-method sd(e^A)/(√N mean e^A); with K_c checkpoints each is tested at
  // α/K_c. (Along the training run itself the estimate carries a bias −γ tr Cov(D̂) per iteration from the feedback of
  // the walkers into θ: experiments/gmm/README.md measures it.)
  function recordedPathTest(
    name: string, energy: Energy, teacher: Float64Array, theta0: Float64Array, lr: Float64Array, h: number, K: number,
    checkpoints: number[], moved: (path: Float64Array[]) => number,
  ): void {
    const key = testKey(name);
    const n = 400, trainWalkers = 2000, walkers = 20000, d = energy.dim;
    const data = energy.sample!(streamFromKey(foldIn(key, 1)), teacher, n, new Float64Array(n * d));
    const x0 = energy.sample!(streamFromKey(foldIn(key, 2)), theta0, trainWalkers, new Float64Array(trainWalkers * d));
    const trainer = createTrainer({
      engine: energyEngine(energy, trainWalkers), data: energyDataTerm(energy, data, n), optimizer: sgd(energy.paramDim, { lr }),
      options: { algorithm: 'jarzynski', h }, runKey: foldIn(key, 3), theta0, x0,
    });
    const path: Float64Array[] = [Float64Array.from(theta0)];
    for (let k = 0; k < K; k++) {
      trainer.step();
      path.push(Float64Array.from(trainer.theta));
    }
    expect(moved(path)).toBeGreaterThan(0.1); // the protocol moved: Z changed
    const engine = energyEngine(energy, walkers);
    engine.setPositions(theta0, energy.sample!(streamFromKey(foldIn(key, 4)), theta0, walkers, new Float64Array(walkers * d)));
    const logW = new Float64Array(walkers);
    const alpha = alphaOf(name);
    let unweightedMisses = 0;
    for (let k = 0; k < K; k++) {
      engine.advance(foldIn(foldIn(key, 5), k), path[k]!, path[k + 1]!, h, null, logW);
      if (!checkpoints.includes(k + 1)) continue;
      const exact = energy.logPartition!(path[k + 1]!) - energy.logPartition!(theta0);
      const lme = logMeanExp(logW);
      let m2 = 0;
      for (let i = 0; i < walkers; i++) m2 += Math.exp(2 * (logW[i]! - lme));
      const se = Math.sqrt(Math.max(m2 / walkers - 1, 1e-300) / walkers);
      expectWithinSE(name, lme, exact, se, { what: `log mean e^{A_${k + 1}}`, k: checkpoints.length });
      // Negative control: without weights (A ≡ 0) the estimate stays at 0 and misses log Z_θk − log Z_θ0.
      if (Math.abs(0 - exact) > zFor(alpha / checkpoints.length) * se) unweightedMisses++;
    }
    expect(unweightedMisses).toBe(checkpoints.length);
  }

  const gaussianName = 'training: log Z tracks the analytic log Z along a recorded Alg. 1 path';
  it(gaussianName, () => {
    // Fitting a Gaussian's mean and scale to data from N((1, −0.5), 1.7² Σ₀).
    const gauss = gaussianEnergy(Float64Array.of(1, 0.3, 0.3, 0.8), 2);
    recordedPathTest(gaussianName, gauss, gaussianTheta(Float64Array.of(1, -0.5), Math.log(1.7)), gaussianTheta(Float64Array.of(0, 0), 0),
      new Float64Array(3).fill(0.05), 0.25, 60, [10, 30, 60], (path) => Math.abs(path[path.length - 1]![2]!));
  });

  const mixtureName = 'training: log Z tracks the analytic log Z along a recorded Alg. 1 path on the two-mode mixture';
  it(mixtureName, () => {
    // 004 (15) in d = 2: both means and the weight z move (Z_θ depends on z only: log(1 + e^{−z}) + const).
    const lr = new Float64Array(5).fill(0.05);
    lr[4] = 0.5;
    recordedPathTest(mixtureName, energy, twoModeTheta(Float64Array.of(-2, 0), Float64Array.of(2, 0), -Math.log(3)),
      twoModeTheta(Float64Array.of(-0.1, 0.05), Float64Array.of(0.1, -0.05), 0), lr, 0.1, 60, [10, 30, 60],
      (path) => Math.abs(path[path.length - 1]![4]!));
  });
});
