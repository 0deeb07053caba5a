/** src/energies — the Energy contract (energy.ts) and the analytic energies; one family per file. */
export * from './energy.js';
export { gaussianEnergy, gaussianTheta } from './gaussian.js';
export { twoModeMixtureEnergy, twoModeTheta, modeWeightB } from './two-mode-mixture.js';
export { mixtureEnergy, mixtureTheta, mixture24Example } from './mixture.js';
export { doubleWellEnergy, doubleWellLogZ1 } from './double-well.js';
export { rosenbrockEnergy } from './rosenbrock.js';
export { checkEnergyDerivatives, type CheckOptions, type DerivativeErrors, type EnergyDerivativeReport } from './check.js';
