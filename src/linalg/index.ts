/** src/linalg — flat Float64Array kernels for walker batches and small dense matrices. */
export * from './vector.js';
export * from './dense.js';
export * from './hutchinson.js';
