/**
 * Fine-tuning a classifier with the course's one Trainer: the classifier is the task, its training
 * examples the batch source, AdamW updates only the classifier's trainable sets. The run goes in
 * chunks of `evalEvery` steps; after each chunk the validation split is scored, and with early
 * stopping the run ends when it stops improving and the best weights are put back.
 */
import type { Parameters, WeightValue } from "../model/parameters";
import type { ScheduleOptions } from "../train/schedule";
import { resolveWorkers, Trainer, type BatchSource, type TrainingTask, type TrainStepInfo } from "../train/trainer";
import type { WorkerTaskSpec } from "../train/worker-pool";
import { EarlyStopping, type EarlyStoppingOptions } from "./early-stopping";
import type { EncodedExample } from "./examples";
import type { FineTuneMethod } from "./method";

/**
 * What `fineTune` trains: the sequence classifier (one label per example), the token classifier
 * (one label per word), or any classifier with the same surface.
 */
export interface FineTunable<E, B> {
  readonly method: FineTuneMethod;
  task(): TrainingTask<B>;
  trainableSets(): Parameters[];
  trainableParameters(): number;
  /** Training batches over `examples` in a fresh seeded order every epoch. */
  batchSource(examples: readonly E[], options: { readonly batchSize: number; readonly padId: number; readonly maxLength: number }): BatchSource<B>;
  /** The labels `predict` is scored against, in example order (flattened for token labels). */
  labelsOf(examples: readonly E[]): Int32Array;
  /** Predicted label indices, aligned with `labelsOf`. */
  predict(examples: readonly E[], padId: number, maxLength: number): Promise<Int32Array>;
}

export interface FineTuneOptions<E = EncodedExample> {
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Warm-up steps (default 10 % of the steps); the rate then decays linearly to 0. */
  readonly warmupSteps?: number;
  readonly weightDecay?: number;
  readonly seed?: number;
  readonly padId: number;
  readonly maxLength: number;
  /** Scored every `evalEvery` steps (and at the end) when given. */
  readonly validation?: readonly E[];
  readonly evalEvery?: number;
  /** Validation score to track (default accuracy, from the predictions). */
  readonly score?: (yTrue: Int32Array, yPred: Int32Array) => number;
  readonly earlyStopping?: EarlyStoppingOptions;
  readonly onStep?: (info: TrainStepInfo) => void;
  /**
   * Gradient worker threads (see `TrainerOptions.workers`). More than one needs `workerTask` and a
   * batch source that splits by rows, and a method without per-step hooks (AdaLoRA reallocates its
   * ranks on the main thread after each update, which replicas would not see). Asked for
   * explicitly, a classifier that cannot is an error; a count from COURSE_WORKERS falls back to one
   * thread for it.
   */
  readonly workers?: number | "auto";
  /** How a worker thread builds its replica of the classifier (`classifierWorkerSpec`). */
  readonly workerTask?: WorkerTaskSpec;
}

export interface FineTuneEval {
  readonly step: number;
  readonly score: number;
}

export interface FineTuneResult {
  readonly losses: number[];
  readonly evals: FineTuneEval[];
  /** Steps actually run (fewer than asked when early stopping ended the run). */
  readonly steps: number;
  /** The evaluation whose weights the classifier holds at the end (the best one with early stopping). */
  readonly best: FineTuneEval | null;
  readonly seconds: number;
  readonly trainableParameters: number;
  /** Threads that computed gradients (1: the main thread alone). */
  readonly workers: number;
}

/** Plain accuracy of label indices. */
export function indexAccuracy(yTrue: Int32Array, yPred: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return yTrue.length ? hits / yTrue.length : NaN;
}

function snapshotTrainable<E, B>(classifier: FineTunable<E, B>): Map<string, WeightValue>[] {
  return classifier.trainableSets().map((s) => s.snapshot());
}

/** The threads a run can use (see `FineTuneOptions.workers`). */
function workerCount<E, B>(classifier: FineTunable<E, B>, source: BatchSource<B>, options: FineTuneOptions<E>, label: string): number {
  const asked = resolveWorkers(options.workers);
  if (asked === 1) return 1;
  const why = !options.workerTask
    ? "this classifier has no worker recipe (the sequence classifiers of trainCrossEncoder and fineTuneIntent have one)"
    : !source.slice
      ? "its batches cannot be split by rows"
      : classifier.method.afterStep
        ? `method "${classifier.method.name}" changes the model after each update on the main thread`
        : null;
  if (why === null) return asked;
  if (options.workers === undefined) return 1; // COURSE_WORKERS is a preference, for the runs that can use it
  throw new Error(`${label}: ${asked} workers asked for, but ${why}; train with workers: 1.`);
}

export async function fineTune<E, B>(classifier: FineTunable<E, B>, train: readonly E[], options: FineTuneOptions<E>): Promise<FineTuneResult> {
  if (train.length === 0) throw new Error("fineTune: no training examples.");
  const source = classifier.batchSource(train, { batchSize: options.batchSize, padId: options.padId, maxLength: options.maxLength });
  const schedule: ScheduleOptions = {
    peak: options.learningRate,
    totalSteps: options.steps,
    warmupSteps: options.warmupSteps ?? Math.floor(options.steps / 10),
    decay: "linear",
  };
  const label = `fineTune(${classifier.method.name})`;
  const trainer = new Trainer(classifier.task(), source, {
    steps: options.steps,
    schedule,
    optimizer: { weightDecay: options.weightDecay, learningRateScale: classifier.method.learningRateScale },
    seed: options.seed ?? 0,
    workers: workerCount(classifier, source, options, label),
    workerTask: options.workerTask,
    label,
  });
  const validation = options.validation;
  const truth = validation ? classifier.labelsOf(validation) : null;
  const score = options.score ?? indexAccuracy;
  const stopper = options.earlyStopping ? new EarlyStopping(options.earlyStopping) : null;
  const evalEvery = options.evalEvery ?? options.steps;
  if (!(Number.isInteger(evalEvery) && evalEvery >= 1)) throw new Error(`fineTune: evalEvery must be a positive integer, got ${evalEvery}.`);
  const losses: number[] = [];
  const evals: FineTuneEval[] = [];
  let bestWeights: Map<string, WeightValue>[] | null = null;
  const method = classifier.method;
  const onStep = async (info: TrainStepInfo): Promise<void> => {
    await method.afterStep?.(info.step);
    options.onStep?.(info);
  };
  const start = performance.now();
  try {
    while (trainer.step < options.steps) {
      const run = await trainer.run(Math.min(evalEvery, options.steps - trainer.step), { onStep, stopOnInterrupt: true });
      losses.push(...run.steps.map((s) => s.loss));
      if (!validation || !truth) continue;
      const e = { step: trainer.step, score: score(truth, await classifier.predict(validation, options.padId, options.maxLength)) };
      evals.push(e);
      if (stopper) {
        if (stopper.update(e.score, e.step)) bestWeights = snapshotTrainable(classifier);
        if (stopper.shouldStop) break;
      }
    }
  } finally {
    // Worker threads (if any) exit before the run returns.
    await trainer.close().finally(() => trainer.dispose());
  }
  if (stopper && bestWeights) {
    const sets = classifier.trainableSets();
    sets.forEach((s, i) => s.load((bestWeights as Map<string, WeightValue>[])[i]));
  }
  const best = stopper ? (stopper.best ? { step: stopper.best.step, score: stopper.best.value } : null) : (evals[evals.length - 1] ?? null);
  return { losses, evals, steps: trainer.step, best, seconds: (performance.now() - start) / 1000, trainableParameters: classifier.trainableParameters(), workers: trainer.workers };
}
