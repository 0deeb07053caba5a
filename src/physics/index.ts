/**
 * src/physics — statistical physics of 001 §1.2 and §5: the Ising model (1.2) with exact enumeration and single-spin
 * samplers, Hopfield networks (1.3)-(1.4), Boltzmann machines trained by the exact gradient, CD and PCD (§6), and the
 * maximum-entropy derivation of the Boltzmann–Gibbs law (Ex. 5.1, Prop. 5.1, (5.12)).
 */
export {
  type Spins, type IsingModel, type IsingExact, MAX_ENUMERATION_SPINS, ONSAGER_TC,
  isingModel, isingLattice2d, isingEnergy, isingLocalField, isingStateEnergies, isingExact, magnetization,
  spinsOfState, stateOfSpins, checkSpins, checkEnumerable, onsagerMagnetization,
} from './ising.js';
export {
  type SpinUpdateRule, type SweepInfo, MAX_MATRIX_SPINS,
  flipProbability, spinUpdate, isingSweep, isingRandomScan, siteKernelMatrix, sweepKernelMatrix, randomScanKernelMatrix,
} from './ising-samplers.js';
export {
  type HopfieldRecall, hebbianCouplings, hopfieldEnergy, hopfieldSyncStep, hopfieldAsyncSweep, hopfieldRecall,
  randomPermutation, overlap, corruptPattern, isHopfieldFixedPoint, checkHopfield,
} from './hopfield.js';
export {
  type BoltzmannMachine, type BoltzmannExact, type ContrastiveEstimate, type BoltzmannTrainingMethod,
  type BoltzmannTrainingOptions, type BoltzmannTrainingResult,
  boltzmannMachine, couplingIndex, biasIndex, boltzmannIsingModel, boltzmannMachineEnergy, checkVisibleData,
  dataDistribution, boltzmannExact, clampedMoments, crossEntropyGradient, crossEntropy, klDataModel,
  cdExpectedGradient, initChainsAtData, gibbsSweeps, chainMoments, cdGradient, pcdGradient, trainBoltzmannMachine,
} from './boltzmann-machine.js';
export {
  type GibbsLaw, gibbsLaw, entropyOf, monotoneRoot, maxEntropyGibbs, energyOnRule, uniformMaxEntropy,
  uniformMaxEntropyOnRule, helmholtzFreeEnergy, freeEnergyResidual,
} from './maxent.js';
// The Fokker–Planck solvers and the Wiener heat kernel (another module of src/physics).
export * from './fokker-planck.js';
export * from './fokker-planck-2d.js';
export * from './wiener.js';
