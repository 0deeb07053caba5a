/**
 * src/flows — normalizing flows. Discrete flows (001 §3.4): the FlowLayer family (affine, planar, RealNVP coupling),
 * composition and maximum likelihood. Continuous flows (003): ODE solvers, neural ODE vector fields, CNF log-densities
 * with exact or Hutchinson (FFJORD) traces, and the adjoint method.
 */
export * from './layers.js';
export * from './mlp.js';
export * from './affine.js';
export * from './planar.js';
export * from './coupling.js';
export * from './compose.js';
export * from './mle.js';
export * from './ode.js';
export * from './neural-ode.js';
export * from './cnf.js';
export * from './adjoint.js';
