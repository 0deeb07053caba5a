/**
 * src/io — what runs write and read: NPY files that numpy.load reads byte for byte as numpy.save would write them,
 * canonical JSON (non-finite numbers explicit), atomic checkpoints that resume bit-identically, JSON-lines run logs
 * and a progress display.
 */
export { type AtomicWriteOptions, writeFileAtomic, tempPrefix } from './atomic.js';
export {
  type NpyArray, type NpyData, type NpyDescr, type NpyHeader,
  encodeNpy, decodeNpy, decodeNpyHeader, writeNpy, readNpy, npyDescr, checkShape,
} from './npy.js';
export {
  type JsonValue, type ToJsonOptions, type ParseJsonOptions,
  toJson, parseJson, reviveNonFinite, writeJson, readJson,
} from './json.js';
export {
  type Checkpoint, type CheckpointInput, type CheckpointErrorCode,
  CheckpointError, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, configHash,
  encodeCheckpoint, decodeCheckpoint, saveCheckpoint, loadCheckpoint, loadCheckpointIfExists,
} from './checkpoint.js';
export { type RunLog, type RunLogOptions, openRunLog, readRunLog } from './run-log.js';
export { type Progress, type ProgressOptions, type ProgressStream, createProgress, formatDuration } from './progress.js';
