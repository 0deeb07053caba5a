/**
 * src/smc — the sequential Monte Carlo bookkeeping of 004 §3 (Algorithms 1 and 2, App. A.2–A.4): log-weights, the ESS
 * (13), the resampling trigger, resampling schemes, the Jarzynski weight update (5)-(6) and the log Z / cross-entropy
 * estimators (12). It works on per-walker scalars and indices only, so the pure-TS trainer and the tfjs image trainer
 * share it.
 */
export { maxLogWeight, maxFiniteLogWeight, normalizedWeights, logMeanExp } from './log-weights.js';
export { ess, essCount } from './ess.js';
export { type ResamplingTrigger, checkTrigger, shouldResample, cv2FromEssFraction, essFractionFromCv2 } from './trigger.js';
export {
  type ResamplingScheme,
  type ResamplingSchemeName,
  multinomialResampling,
  stratifiedResampling,
  systematicResampling,
  residualResampling,
  RESAMPLING_SCHEMES,
  resamplingScheme,
  systematicFromUniform,
  stratifiedFromUniforms,
  multinomialFromSortedUniforms,
  residualFromSortedUniforms,
  residualDrawCount,
} from './resampling.js';
export {
  jarzynskiAlpha,
  jarzynskiIncrementLiteral,
  jarzynskiIncrement,
  jarzynskiIncrementFromScalars,
  frozenWalkerIncrement,
} from './jarzynski.js';
export {
  type LogZTracker,
  logZTracker,
  logZEstimate,
  recordResampling,
  crossEntropyEstimate,
  checkLogZTracker,
} from './log-z.js';
