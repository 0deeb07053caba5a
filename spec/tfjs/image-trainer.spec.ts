/**
 * src/tfjs/image-trainer: Algorithm 2 and PCD on tiny images with a tiny CNN through createTrainer; an interrupted run
 * resumed from an atomic checkpoint file equals the uninterrupted run bit for bit (before and after resampling is
 * switched on, and for PCD with data mini-batches); resampling is off before `resamplingFrom` and on after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import { cnnEnergy, initCnnParameters, type CnnEnergySpec } from '../../src/tfjs/energy.js';
import { tensorDataTerm, tensorEngine } from '../../src/tfjs/engine.js';
import { createImageTrainer } from '../../src/tfjs/image-trainer.js';
import { adam } from '../../src/training/optimizers.js';
import type { TrainingAlgorithm } from '../../src/training/trainer.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { keyFromSeed, normals, streamFromKey, uniforms } from '../../src/rng/index.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SPEC: CnnEnergySpec = {
  height: 8, width: 8, channels: 1,
  convs: [{ filters: 4, kernel: 3, stride: 2, pad: 1 }, { filters: 4, kernel: 3, stride: 2, pad: 1 }],
  hidden: [8],
};
const N = 12, BATCH = 4, DATA = 10, D = 64, ITER = 8, FROM = 3;

function setup(algorithm: TrainingAlgorithm) {
  const s = streamFromKey(keyFromSeed(100));
  const theta0 = initCnnParameters(s, SPEC);
  const data = uniforms(s, new Float64Array(DATA * D)).map((v) => 2 * v - 1);
  const x0 = normals(s, new Float64Array(N * D));
  const energy = cnnEnergy(SPEC, theta0);
  const engine = tensorEngine(energy, N);
  const dataTerm = tensorDataTerm(energy, data, DATA, { batchSize: 5, key: keyFromSeed(101) });
  const jar = algorithm === 'jarzynski';
  const trainer = createImageTrainer({
    engine, data: dataTerm, optimizer: adam(energy.paramDim, { lr: 1e-2, schedule: 'linear', iterations: ITER }),
    options: {
      algorithm, h: 1e-3, batchSize: BATCH,
      ...(jar ? { resampling: { scheme: 'systematic' as const, trigger: { kind: 'essFraction' as const, value: 1 } } } : {}),
    },
    ...(jar ? { resamplingFrom: FROM, x0 } : {}),
    runKey: keyFromSeed(102), theta0,
  });
  const dispose = () => { engine.dispose(); dataTerm.dispose(); energy.dispose(); };
  return { trainer, engine, dispose };
}

function state(t: ReturnType<typeof setup>) {
  return {
    theta: Array.from(t.trainer.theta),
    logW: Array.from(t.trainer.logW),
    x: Array.from(t.engine.readPositions(new Float64Array(N * D))),
    u: Array.from(t.engine.readEnergies(new Float64Array(N))),
  };
}

describe('src/tfjs/image-trainer', () => {
  const config = { experiment: 'image-trainer-spec' };
  const uninterrupted: Record<string, { infos: { resampled: boolean }[]; thetas: Float64Array[]; final: ReturnType<typeof state> }> = {};
  for (const algorithm of ['jarzynski', 'pcd'] as const) {
    it(`${algorithm}: runs ${ITER} iterations; resampling only from iteration ${FROM} (Alg. 2), θ moves at every step under Adam's linearly decaying rate (γ/ITER at the last)`, () => {
      const t = setup(algorithm);
      const infos = [], thetas = [Float64Array.from(t.trainer.theta)];
      for (let k = 0; k < ITER; k++) { infos.push(t.trainer.step()); thetas.push(Float64Array.from(t.trainer.theta)); }
      uninterrupted[algorithm] = { infos, thetas, final: state(t) };
      if (algorithm === 'jarzynski') {
        // the trigger (ESS/N < 1) fires whenever it is on and the weights are unequal, and never before FROM
        expect(infos.slice(0, FROM).every((i) => !i.resampled && i.essAfter < 1)).toBe(true);
        expect(infos.slice(FROM).every((i) => i.resampled === i.essAfter < 1)).toBe(true);
        expect(infos.slice(FROM).some((i) => i.resampled)).toBe(true);
        // the weights are not all zero (the walkers do carry Jarzynski weights)
        expect(infos.slice(1, FROM).some((i) => i.ess < 1)).toBe(true);
      } else {
        expect(infos.every((i) => i.ess === 1 && !i.resampled)).toBe(true);
      }
      // γ_t = γ(1 − t/ITER): the update of step ITER − 1 still uses γ/ITER > 0
      for (let k = 0; k < ITER; k++) expect(thetas[k + 1]).not.toEqual(thetas[k]);
      t.dispose();
    });

    for (const stop of algorithm === 'jarzynski' ? [2, 5] : [4]) {
      it(`${algorithm}: interrupted after ${stop} iterations, saved atomically and resumed in a fresh trainer = uninterrupted, bit for bit`, () => {
        const dir = mkdtempSync(join(tmpdir(), 'ebm-image-trainer-'));
        dirs.push(dir);
        const path = join(dir, 'ckpt.bin');
        const a = setup(algorithm);
        for (let k = 0; k < stop; k++) a.trainer.step();
        saveCheckpoint(path, config, a.trainer.snapshot());
        a.dispose();
        const b = setup(algorithm);
        b.trainer.restore(loadCheckpoint(path, config));
        expect(b.trainer.k).toBe(stop);
        const infos = [];
        for (let k = stop; k < ITER; k++) infos.push(b.trainer.step());
        const ref = uninterrupted[algorithm]!;
        expect(infos.map((i) => i.resampled)).toEqual(ref.infos.slice(stop).map((i) => i.resampled));
        expect(state(b)).toEqual(ref.final);
        b.dispose();
      });
    }
  }

  it("Adam's linear decay: with identical first steps, the second update is (1 − 1/K) times the constant-rate one", () => {
    const K = 5;
    const run = (schedule: 'constant' | 'linear') => {
      const s = streamFromKey(keyFromSeed(200));
      const theta0 = initCnnParameters(s, SPEC);
      const energy = cnnEnergy(SPEC, theta0);
      const engine = tensorEngine(energy, N);
      const data = tensorDataTerm(energy, uniforms(s, new Float64Array(DATA * D)), DATA, { batchSize: 5, key: keyFromSeed(201) });
      const tr = createImageTrainer({
        engine, data, optimizer: adam(energy.paramDim, { lr: 1e-2, schedule, iterations: K }),
        options: { algorithm: 'jarzynski', h: 1e-3, batchSize: BATCH }, runKey: keyFromSeed(202), theta0, x0: normals(s, new Float64Array(N * D)),
      });
      const th = [Float64Array.from(tr.theta)];
      for (let k = 0; k < 2; k++) { tr.step(); th.push(Float64Array.from(tr.theta)); }
      engine.dispose(); data.dispose(); energy.dispose();
      return th;
    };
    const c = run('constant'), l = run('linear');
    expect(Array.from(l[1]!)).toEqual(Array.from(c[1]!)); // γ_0 = γ: the same first step, so the same state at k = 1
    let moved = 0;
    for (let j = 0; j < c[0]!.length; j++) {
      const dc = c[2]![j]! - c[1]![j]!, dl = l[2]![j]! - l[1]![j]!;
      // θ₂ = θ₁ − γ_1 m̂/(√v̂ + ε) with the same m̂, v̂: the difference of two float64 sums, rounding ≤ 2⁻⁵² |θ| each
      expect(Math.abs(dl - (1 - 1 / K) * dc)).toBeLessThanOrEqual(4e-16 * (Math.abs(c[1]![j]!) + 1));
      if (Math.abs(dc) > 1e-3) moved++;
    }
    expect(moved).toBeGreaterThan(c[0]!.length / 2);
  });

  it('createImageTrainer: resamplingFrom must be a non-negative integer and needs options.resampling', () => {
    const s = streamFromKey(keyFromSeed(1));
    const th = initCnnParameters(s, SPEC);
    const energy = cnnEnergy(SPEC, th);
    const engine = tensorEngine(energy, 2);
    const data = tensorDataTerm(energy, new Float64Array(2 * D), 2);
    const base = { engine, data, optimizer: adam(energy.paramDim, { lr: 1e-3 }), runKey: keyFromSeed(2), theta0: th, x0: new Float64Array(2 * D) };
    expect(() => createImageTrainer({ ...base, options: { algorithm: 'jarzynski', h: 0.1 }, resamplingFrom: 3 })).toThrow(/resamplingFrom needs options\.resampling/);
    expect(() => createImageTrainer({ ...base, options: { algorithm: 'jarzynski', h: 0.1 }, resamplingFrom: -1 })).toThrow(/resamplingFrom = -1 must be a non-negative integer/);
    engine.dispose(); data.dispose(); energy.dispose();
  });
});
