/** src/samplers — batched Markov kernels over walker states (types.ts); one algorithm per file. */
export * from './types.js';
export * from './metropolis-hastings.js';
export * from './finite.js';
export * from './leapfrog.js';
export * from './hmc.js';
export * from './ula.js';
export * from './mala.js';
export * from './langevin-variants.js';
export * from './euler-maruyama.js';
