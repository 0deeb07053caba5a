/** src/training — optimizers and the training algorithms of 004 (Algorithms 1–4, the unweighted variant) over engines. */
export * from './types.js';
export * from './keys.js';
export * from './optimizers.js';
export * from './engine.js';
export * from './trainer.js';
export * from './continuous.js';
