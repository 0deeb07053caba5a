/**
 * src/diffusion — DDPM schedules, forward noising, losses and ancestral sampling (003), NCSN annealed Langevin, guidance,
 * the reverse SDE and stochastic interpolants (001 §3.3), with exact (network-free) oracle models for tests.
 */
export * from './types.js';
export * from './schedules.js';
