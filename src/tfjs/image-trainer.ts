/**
 * src/tfjs/image-trainer — Algorithm 2 and PCD (004 Alg. 2, Alg. 4; §4.2) for images, as src/training's createTrainer
 * run over the tensor engine and data term (engine.ts), unchanged. Two things are added around it:
 *
 * - the data mini-batch of iteration k: the TensorDataTerm's `iteration` is set to k before every step, so a resumed
 *   run draws the mini-batches the uninterrupted run drew;
 * - resampling switched on late (004 Fig. 4: c_k = 0 before epoch 240 and 0.5 after): createTrainer's options are
 *   fixed, so the image trainer runs one trainer without resampling for k < resamplingFrom and, from that iteration
 *   on, a second one with it, restored from the first's snapshot (the state is the same: θ, A, walkers, optimizer
 *   moments, log Z tracker). Resuming a checkpoint picks the phase from its iteration.
 */
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointInput } from '../io/checkpoint.js';
import type { Key } from '../rng/key.js';
import { createTrainer, type IterationInfo, type Trainer, type TrainerOptions } from '../training/trainer.js';
import type { Optimizer } from '../training/optimizers.js';
import type { TensorDataTerm, TensorWalkerEngine } from './engine.js';

export interface ImageTrainerInit {
  readonly engine: TensorWalkerEngine;
  readonly data: TensorDataTerm;
  readonly optimizer: Optimizer;
  /** createTrainer's options; `resampling` applies from iteration `resamplingFrom` on */
  readonly options: TrainerOptions;
  /** the first iteration with resampling on (default 0: from the start) */
  readonly resamplingFrom?: number;
  readonly runKey: Key;
  readonly theta0: Float64Array;
  /** X_0 (N×d) for 'jarzynski' and 'unweighted' */
  readonly x0?: Float64Array;
}

export interface ImageTrainer {
  /** the trainer of the current phase */
  readonly trainer: Trainer;
  readonly k: number;
  readonly theta: Float64Array;
  readonly logW: Float64Array;
  step(): IterationInfo;
  snapshot(): CheckpointInput;
  restore(checkpoint: Checkpoint): void;
}

/** A snapshot as a Checkpoint, through the checkpoint codec (the arrays are copied). */
function asCheckpoint(input: CheckpointInput): Checkpoint {
  return decodeCheckpoint(encodeCheckpoint(null, input), null, 'image-trainer phase switch');
}

function withoutResampling(o: TrainerOptions): TrainerOptions {
  const { resampling: _off, ...rest } = o;
  return rest;
}

export function createImageTrainer(init: ImageTrainerInit): ImageTrainer {
  const from = init.resamplingFrom ?? 0;
  if (!Number.isInteger(from) || from < 0) throw new RangeError(`createImageTrainer: resamplingFrom = ${from} must be a non-negative integer`);
  if (from > 0 && init.options.resampling === undefined) throw new RangeError('createImageTrainer: resamplingFrom needs options.resampling');
  const lateOptions: TrainerOptions = init.options;
  const earlyOptions: TrainerOptions = from > 0 ? withoutResampling(init.options) : init.options;
  const make = (options: TrainerOptions, x0: Float64Array | undefined): Trainer =>
    createTrainer({
      engine: init.engine, data: init.data, optimizer: init.optimizer, options, runKey: init.runKey, theta0: init.theta0,
      ...(x0 === undefined ? {} : { x0 }),
    });
  let trainer = make(earlyOptions, init.x0);
  let late = from === 0;

  /** Switches to the phase of `state`'s iteration (a new trainer restored from it). */
  function enterPhase(state: Checkpoint): void {
    const wantLate = state.iteration >= from;
    if (wantLate !== late) {
      const walkersFirst = init.options.algorithm === 'jarzynski' || init.options.algorithm === 'unweighted';
      const x = walkersFirst ? init.engine.readPositions(new Float64Array(init.engine.walkers * init.engine.dim)) : undefined;
      trainer = make(wantLate ? lateOptions : earlyOptions, x);
      late = wantLate;
    }
    trainer.restore(state);
  }

  return {
    get trainer() { return trainer; },
    get k() { return trainer.k; },
    get theta() { return trainer.theta; },
    get logW() { return trainer.logW; },
    step() {
      if (!late && trainer.k >= from) enterPhase(asCheckpoint(trainer.snapshot()));
      init.data.iteration = trainer.k;
      return trainer.step();
    },
    snapshot: () => trainer.snapshot(),
    restore: (cp) => enterPhase(cp),
  };
}
