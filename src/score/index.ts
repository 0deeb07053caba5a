/**
 * src/score — score matching (002; 001 §3.3): Parzen KDE with its score, parametric score models, explicit,
 * implicit (Hyvärinen, exact trace or Hutchinson), sliced and denoising score matching on weighted point sets, and the
 * Fisher and KL divergences of 001 Def. 3.4 / (3.37).
 */
export {
  type ParzenKernel, type ParzenKde, parzenKde, kdeDensity, kdeLogDensity, kdeScore, unitBallVolume, logUnitBallVolume,
  logKernelConstant,
} from './kde.js';
export {
  type ParametricScoreModel, linearScoreModel, linearScoreTheta, gaussianMixtureScoreModel, mixtureScoreTheta, checkScoreTheta,
} from './model.js';
export {
  type WeightedPoints, type NoisyPairs, type ScoreFunction, type LogDensityFunction, type ProbeEstimate,
  normalizedWeights, explicitScoreMatching, implicitScoreMatching, hutchinsonScoreMatching, hutchinsonScoreMatchingWithProbes,
  slicedScoreMatching, slicedScoreMatchingWithProjections, denoisingScoreMatching, denoisingScoreMatchingWithNoise,
  fisherDivergence, klDivergence, bindScore,
} from './objectives.js';
