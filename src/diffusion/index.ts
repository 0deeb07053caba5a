/**
 * src/diffusion — DDPM schedules, forward noising, losses and ancestral sampling (003), NCSN annealed Langevin, guidance
 * (003), forward/reverse SDEs, naive score diffusion and its KL decay, and stochastic interpolants (001 §3.3), with
 * exact (network-free) oracle models of Gaussian and Gaussian-mixture data for tests.
 */
export * from './types.js';
export * from './schedules.js';
export * from './ddpm.js';
export * from './exact.js';
export * from './guidance.js';
export * from './ncsn.js';
export * from './sde.js';
export * from './interpolants.js';
