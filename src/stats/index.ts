/** src/stats — moments, chain error bars (batch means, τ, ESS), distribution functions and KS/DKW/binomial bounds, quadrature and Monte Carlo. */
export * from './moments.js';
export * from './chains.js';
export * from './distributions.js';
export * from './quadrature.js';
