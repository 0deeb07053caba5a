/**
 * The README's API example, kept runnable (spec/experiments/quickstart.spec.ts runs it): sample the paper's two-mode
 * mixture with MALA, check the mode weight against its closed form, then train the mixture's parameters from data
 * with Algorithm 1 (Jarzynski-weighted ULA walkers) and read off the estimated and exact log Z.
 */
import { foldIn, keyFromSeed, streamFromKey } from '../../src/rng/index.js';
import { bind, modeWeightB, twoModeMixtureEnergy, twoModeTheta } from '../../src/energies/index.js';
import { mala } from '../../src/samplers/index.js';
import { createTrainer, energyDataTerm, energyEngine, sgd } from '../../src/training/index.js';

export function quickstart(seed = 7) {
  const root = keyFromSeed(seed);
  const d = 2;
  const energy = twoModeMixtureEnergy(d); // 004 (15): θ = [a, b, z]
  const theta = twoModeTheta(Float64Array.of(-2, 0), Float64Array.of(2, 0), -Math.log(3));

  // 1. MALA on ρ_θ: 4000 walkers started from exact draws, 50 steps, one stream per step.
  const n = 4000;
  const x0 = energy.sample!(streamFromKey(foldIn(root, 0)), theta, n, new Float64Array(n * d));
  const sampler = mala(bind(energy, theta), n, 0.2);
  const state = sampler.init(x0);
  let acceptRate = 0;
  for (let k = 0; k < 50; k++) acceptRate += sampler.step(streamFromKey(foldIn(foldIn(root, 1), k)), state, state).acceptRate / 50;
  let right = 0;
  for (let i = 0; i < n; i++) if (state.x[i * d]! > 0) right++;

  // 2. Algorithm 1: learn θ from 2000 data points, starting from θ_0 with both modes at the origin.
  const data = energy.sample!(streamFromKey(foldIn(root, 2)), theta, 2000, new Float64Array(2000 * d));
  const theta0 = twoModeTheta(Float64Array.of(-0.1, 0), Float64Array.of(0.1, 0), 0);
  const walkers = energy.sample!(streamFromKey(foldIn(root, 3)), theta0, 2000, new Float64Array(2000 * d));
  const lr = new Float64Array(2 * d + 1).fill(0.05);
  lr[2 * d] = 0.25; // γ_z
  const trainer = createTrainer({
    engine: energyEngine(energy, 2000),
    data: energyDataTerm(energy, data, 2000),
    optimizer: sgd(energy.paramDim, { lr }),
    options: { algorithm: 'jarzynski', h: 0.1, logZ0: energy.logPartition!(theta0),
      resampling: { scheme: 'systematic', trigger: { kind: 'cv2', value: 0.05 } } },
    runKey: foldIn(root, 4),
    theta0,
    x0: walkers,
  });
  let last = trainer.step();
  for (let k = 1; k < 300; k++) last = trainer.step();
  return {
    fractionRight: right / n, // ≈ P(x₁ > 0) = q Φ(2) + (1 − q) Φ(−2) with q = 3/4
    expectedFractionRight: modeWeightB(-Math.log(3)) * 0.9772498680518208 + (1 - modeWeightB(-Math.log(3))) * 0.022750131948179195,
    acceptRate,
    learnedP: 1 / (1 + Math.exp(-trainer.theta[2 * d]!)), // p = weight of mode a; the teacher's is 1/4
    logZEstimate: last.logZ, // 004 (12), at θ_299
    logZExact: energy.logPartition!(trainer.theta),
  };
}
