import { afterAll, describe, expect, it } from 'vitest';
import { foldIn, normals, streamFromKey } from '../../src/rng/index.js';
import { twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/index.js';
import { createTrainer, energyDataTerm, energyEngine, sgd, type TrainerOptions, type WalkerEngine, type DataTerm } from '../../src/training/index.js';
import { fusedMixturePool, type FusedPool } from '../../src/training/fused/pool.js';
import { createKernels } from '../../src/training/fused/kernels.js';
import { NOISE_BLOCK } from '../../src/training/keys.js';
import { testKey } from '../_support/seed.js';

const d = 5, N = 600, n = 700; // several noise blocks of 256, a partial last block
const energy = twoModeMixtureEnergy(d);
const pools: FusedPool[] = [];
afterAll(() => pools.forEach((p) => p.dispose()));

function problem(name: string) {
  const key = testKey(name);
  const teacher = twoModeTheta(Float64Array.of(-3, 0, 0, 0, 0), Float64Array.of(3, 0, 0, 0, 0), -Math.log(3));
  const data = energy.sample!(streamFromKey(foldIn(key, 1)), teacher, n, new Float64Array(n * d));
  const theta0 = twoModeTheta(Float64Array.of(-0.1, 0.01, 0, 0, 0), Float64Array.of(0.1, 0, -0.01, 0, 0), 0);
  const x0 = energy.sample!(streamFromKey(foldIn(key, 2)), theta0, N, new Float64Array(N * d));
  return { key, data, theta0, x0 };
}

function run(engine: WalkerEngine, dataTerm: DataTerm, options: TrainerOptions, name: string, steps: number) {
  const s = problem(name);
  const lr = new Float64Array(2 * d + 1).fill(0.05);
  lr[2 * d] = 0.3;
  const t = createTrainer({ engine, data: dataTerm, optimizer: sgd(2 * d + 1, { lr }), options, runKey: foldIn(s.key, 3), theta0: s.theta0, x0: s.x0 });
  const infos = [];
  for (let k = 0; k < steps; k++) infos.push(t.step());
  return {
    theta: Float64Array.from(t.theta), logW: Float64Array.from(t.logW), infos,
    x: engine.readPositions(new Float64Array(N * d)), u: engine.readEnergies(new Float64Array(N)), g: engine.readGradients(new Float64Array(N * d)),
  };
}

const relClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
};

describe('the fused multi-threaded mixture engine', () => {
  it('its in-worker ziggurat reproduces src/rng normals bit for bit (slow paths included)', () => {
    // Run the kernel's advance with h chosen so that X' − X = √(2h) ξ exactly recoverable: compare against `normals`.
    const s = problem('fused normals');
    const pool = fusedMixturePool({ d, walkers: N, data: s.data, dataSize: n, threads: 0 });
    pools.push(pool);
    const zero = new Float64Array(2 * d + 1); // θ = 0: ∇U(x) = x … use x = 0 so that the move is pure noise
    pool.engine.setPositions(zero, new Float64Array(N * d));
    const noiseKey = foldIn(s.key, 9);
    pool.engine.advance(noiseKey, zero, zero, 0.5, null, null); // √(2h) = 1
    const x = pool.engine.readPositions(new Float64Array(N * d));
    for (let b = 0; b * NOISE_BLOCK < N; b++) {
      const m = Math.min(NOISE_BLOCK, N - b * NOISE_BLOCK);
      const want = normals(streamFromKey(foldIn(noiseKey, b)), new Float64Array(m * d));
      expect(Array.from(x.subarray(b * NOISE_BLOCK * d, (b * NOISE_BLOCK + m) * d))).toEqual(Array.from(want));
    }
    void createKernels;
  });

  const cases: Array<[string, TrainerOptions]> = [
    ['Alg. 1 with resampling', { algorithm: 'jarzynski', h: 0.1, logZ0: 0, resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } }],
    ['Alg. 2 (mini-batch)', { algorithm: 'jarzynski', h: 0.15, batchSize: 333, logZ0: 0 }],
    ['PCD', { algorithm: 'pcd', h: 0.1 }],
    ['CD', { algorithm: 'cd', h: 0.1, cdSteps: 2 }],
  ];
  for (const [label, options] of cases) {
    it(`${label}: equals the generic engine to 1e-12 and is bit-identical for 0, 1, 2 and 3 threads`, () => {
      const name = `fused ${label}`;
      const s = problem(name);
      const generic = run(energyEngine(energy, N), energyDataTerm(energy, s.data, n), options, name, 12);
      const byThreads = [0, 1, 2, 3].map((threads) => {
        const pool = fusedMixturePool({ d, walkers: N, data: s.data, dataSize: n, threads });
        pools.push(pool);
        const r = run(pool.engine, pool.data, options, name, 12);
        pool.dispose();
        return r;
      });
      for (const r of byThreads.slice(1)) {
        expect(Array.from(r.theta)).toEqual(Array.from(byThreads[0]!.theta));
        expect(Array.from(r.logW)).toEqual(Array.from(byThreads[0]!.logW));
        expect(Array.from(r.x)).toEqual(Array.from(byThreads[0]!.x));
      }
      const f = byThreads[0]!;
      relClose(f.theta, generic.theta, 1e-12);
      relClose(f.x, generic.x, 1e-12);
      relClose(f.u, generic.u, 1e-12);
      relClose(f.g, generic.g, 1e-12);
      relClose(f.logW, generic.logW, 1e-11);
      expect(f.infos.map((i) => i.resampled)).toEqual(generic.infos.map((i) => i.resampled));
    });
  }

  it('rejects bad input and use after dispose', () => {
    const s = problem('fused validation');
    const pool = fusedMixturePool({ d, walkers: N, data: s.data, dataSize: n, threads: 1 });
    expect(() => pool.engine.advance([1, 2], s.theta0, s.theta0, 0.1, null, null)).toThrow(/setPositions/);
    pool.engine.setPositions(s.theta0, s.x0);
    expect(() => pool.engine.advance([1, 2], s.theta0, s.theta0, -1, null, null)).toThrow(/h must be/);
    expect(() => pool.engine.advance([1, 2], s.theta0, s.theta0, 0.1, Int32Array.of(3, 3), null)).toThrow(/distinct/);
    const other = Float64Array.from(s.theta0);
    other[0] = 1;
    expect(() => pool.engine.advance([1, 2], other, other, 0.1, null, null)).toThrow(/last evaluated/);
    pool.dispose();
    expect(() => pool.engine.setPositions(s.theta0, s.x0)).toThrow(/disposed/);
    expect(() => fusedMixturePool({ d, walkers: N, data: s.data, dataSize: n + 1, threads: 0 })).toThrow(/n·d/);
    expect(() => fusedMixturePool({ d, walkers: N, data: s.data, dataSize: n, threads: -1 })).toThrow(/threads/);
  });
});
