/**
 * Masked-language-model pretraining: draw a batch, mask it, compute the loss at the masked
 * positions, backpropagate, clip the gradients by their global norm, and take an AdamW step at the
 * scheduled learning rate. Every random choice (batch order, masks, dropout) comes from one seeded
 * Rng, so a seed reproduces a run's losses exactly on a given backend. Callbacks report each step
 * (for a progress bar and a live loss curve) and each held-out evaluation. The loop is the course's
 * `Trainer` (asynchronous reads, optional data-parallel workers) with the MLM task of `mlm-task.ts`.
 */
import * as tf from "@tensorflow/tfjs";
import type { EncoderHooks } from "../model/hooks";
import { Rng } from "../core/random";
import type { TrainingState } from "../model/checkpoint";
import { sparseCrossEntropy } from "../model/fused";
import type { MaskedLanguageModel, MlmBatch, MlmEvaluation } from "../model/mlm-head";
import type { AdamW, AdamWOptions } from "./adamw";
import { padBatch, type TokenSequence } from "./batches";
import { maskTokens, toMlmBatch, type MaskingOptions, type SpecialTokens } from "./masking";
import { MlmMetrics } from "./metrics";
import { MlmBatchSource, mlmTrainingTask, mlmWorkerSpec } from "./mlm-task";
import { type Decay, type ScheduleOptions } from "./schedule";
import { Trainer, type TrainStepInfo } from "./trainer";

export interface PretrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Sequences are cut to this many tokens (at most the model's maxPositions). */
  readonly maxLength: number;
  /** Pad each batch to its longest sequence (default) or always to maxLength. */
  readonly padTo?: "longest" | "max";
  readonly special: SpecialTokens;
  /** Peak learning rate (default 1e-3, suited to small models). */
  readonly learningRate?: number;
  /** Warm-up steps (default 10 % of the steps). */
  readonly warmupSteps?: number;
  readonly decay?: Decay;
  readonly minLearningRate?: number;
  readonly optimizer?: AdamWOptions;
  /** Global-norm gradient clipping (default 1; null for none). */
  readonly clipNorm?: number | null;
  /** Masking settings other than the vocabulary and special ids. */
  readonly masking?: Omit<MaskingOptions, "vocabSize" | "special">;
  /** Seed of the run's Rng (batch order, masks, dropout). */
  readonly seed?: number;
  /** Evaluate on the held-out sequences every this many steps (and after the last). */
  readonly evalEvery?: number;
  /** Use at most this many held-out batches per evaluation. */
  readonly evalBatches?: number;
  /** Seed of the held-out masks (the same masks at every evaluation, so the numbers compare). */
  readonly evalSeed?: number;
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
  readonly onEval?: (info: EvalInfo) => void | Promise<void>;
  /**
   * Gradient workers (see `TrainerOptions.workers`): 1 by default (unless COURSE_WORKERS is set),
   * the main thread alone, as before; more data-parallel threads give the same losses up to float
   * summation order, not bit for bit.
   */
  readonly workers?: number | "auto";
  /** Stops `run` (and its workers) before the next step. */
  readonly signal?: AbortSignal;
}

/** A pretraining step's numbers: the trainer's, with the masked tokens the loss averaged over. */
export interface StepInfo extends Omit<TrainStepInfo, "count"> {
  /** Of the batch's real tokens, how many were predicted. */
  readonly maskedTokens: number;
}

export interface EvalInfo {
  readonly step: number;
  readonly loss: number;
  readonly perplexity: number;
  readonly accuracy: number;
  readonly maskedTokens: number;
}

export interface PretrainResult {
  readonly steps: StepInfo[];
  readonly evals: EvalInfo[];
  readonly seconds: number;
}

export type { TrainingState } from "../model/checkpoint";

/** Token ids outside the vocabulary would index past the embedding table (silently, on some backends). */
function checkIds(sequences: readonly TokenSequence[], what: string, vocabSize: number): void {
  sequences.forEach((s, i) => {
    for (let j = 0; j < s.inputIds.length; j++) {
      const id = s.inputIds[j];
      if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
        throw new Error(`pretrain: ${what} sequence ${i} has token id ${id} at position ${j}, outside the model's vocabulary of ${vocabSize} (is the tokenizer's vocabulary size the model's vocabSize?).`);
      }
    }
  });
}

function stepInfo(info: TrainStepInfo): StepInfo {
  const { count, ...rest } = info;
  return { ...rest, maskedTokens: count };
}

/** MLM pretraining on the course's `Trainer`: the batch source masks, the task is the model's masked-token loss. */
export class Pretrainer {
  readonly trainer: Trainer<MlmBatch>;
  private readonly masking: MaskingOptions;

  constructor(
    readonly model: MaskedLanguageModel,
    readonly train: readonly TokenSequence[],
    readonly heldOut: readonly TokenSequence[],
    readonly options: PretrainOptions
  ) {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`pretrain: steps must be a positive integer, got ${options.steps}.`);
    if (options.maxLength > model.config.maxPositions) {
      throw new Error(`pretrain: maxLength ${options.maxLength} exceeds the model's ${model.config.maxPositions} positions.`);
    }
    if (train.length === 0) throw new Error("pretrain: no training sequences.");
    checkIds(train, "training", model.config.vocabSize);
    checkIds(heldOut, "held-out", model.config.vocabSize);
    this.masking = { ...options.masking, vocabSize: model.config.vocabSize, special: options.special };
    const source = new MlmBatchSource(train, { batchSize: options.batchSize, maxLength: options.maxLength, padTo: options.padTo, masking: this.masking });
    this.trainer = new Trainer(mlmTrainingTask(model), source, {
      steps: options.steps,
      schedule: {
        peak: options.learningRate ?? 1e-3,
        totalSteps: options.steps,
        warmupSteps: options.warmupSteps ?? Math.round(0.1 * options.steps),
        decay: options.decay ?? "linear",
        minimum: options.minLearningRate ?? 0,
      },
      optimizer: options.optimizer,
      clipNorm: options.clipNorm,
      seed: options.seed,
      workers: options.workers,
      workerTask: mlmWorkerSpec(model.config),
      label: "pretrain",
    });
  }

  get optimizer(): AdamW {
    return this.trainer.optimizer;
  }

  get schedule(): ScheduleOptions {
    return this.trainer.schedule;
  }

  /** Updates done so far. */
  get step(): number {
    return this.trainer.step;
  }

  /** One training step, reading the device once, asynchronously (every backend; workers too). */
  async trainStepAsync(): Promise<StepInfo> {
    return stepInfo(await this.trainer.trainStep());
  }

  /** One training step with synchronous reads (wasm, cpu and native backends on the main thread; see `trainStepAsync`). */
  trainStep(): StepInfo {
    return stepInfo(this.trainer.trainStepSync());
  }

  /** Held-out loss, perplexity and masked-token accuracy (dropout off; the same masks every time). */
  evaluate(sequences: readonly TokenSequence[] = this.heldOut, maxBatches = this.options.evalBatches ?? Infinity): EvalInfo {
    return evaluateMlm(this.model, sequences, this.evaluation(maxBatches));
  }

  /** `evaluate` with one asynchronous read per batch (every backend; the same numbers). */
  evaluateAsync(sequences: readonly TokenSequence[] = this.heldOut, maxBatches = this.options.evalBatches ?? Infinity): Promise<EvalInfo> {
    return evaluateMlmAsync(this.model, sequences, this.evaluation(maxBatches));
  }

  private evaluation(maxBatches: number): MlmEvaluateOptions {
    const o = this.options;
    return { batchSize: o.batchSize, maxLength: o.maxLength, masking: this.masking, seed: o.evalSeed ?? 12345, maxBatches, step: this.trainer.step };
  }

  /** Run the remaining steps (or `steps` more), calling the callbacks. */
  async run(steps = this.options.steps - this.trainer.step): Promise<PretrainResult> {
    const o = this.options;
    const onStep = o.onStep;
    const result = await this.trainer.run<EvalInfo>(steps, {
      onStep: onStep ? (info) => onStep(stepInfo(info)) : undefined,
      evalEvery: o.evalEvery,
      evaluate: this.heldOut.length > 0 ? () => this.evaluateAsync() : undefined,
      onEval: o.onEval,
      signal: o.signal,
    });
    return { steps: result.steps.map(stepInfo), evals: result.evals, seconds: result.seconds };
  }

  /** A copy of where the run stands. */
  state(): TrainingState {
    return this.trainer.state();
  }

  /** Continue from a saved state (same model weights loaded separately). */
  restore(state: TrainingState): void {
    this.trainer.restore(state);
  }

  /** Stop the workers (if any) and wait for them to exit. */
  close(): Promise<void> {
    return this.trainer.close();
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

export interface MlmEvaluateOptions {
  readonly batchSize: number;
  readonly maxLength: number;
  readonly masking: MaskingOptions;
  readonly seed: number;
  readonly maxBatches?: number;
  /** Reported back in the result. */
  readonly step?: number;
  /** A fine-tuning method's hooks in the encoder (how much a fine-tuned encoder still models language). */
  readonly hooks?: EncoderHooks;
}

/** The held-out batches in order, masked from `seed` (the same masks every time). */
function* evaluationBatches(sequences: readonly TokenSequence[], options: MlmEvaluateOptions): Generator<MlmBatch> {
  const rng = new Rng(options.seed);
  const maxBatches = options.maxBatches ?? Infinity;
  for (let start = 0, b = 0; start < sequences.length && b < maxBatches; start += options.batchSize, b++) {
    const batch = padBatch(sequences.slice(start, start + options.batchSize), { padId: options.masking.special.pad, maxLength: options.maxLength });
    yield toMlmBatch(batch, maskTokens(batch, options.masking, rng));
  }
}

function evalInfo(metrics: MlmMetrics, options: MlmEvaluateOptions): EvalInfo {
  if (metrics.tokens === 0) throw new Error("evaluateMlm: no token was masked (are the sequences empty or all special tokens?).");
  return { step: options.step ?? 0, loss: metrics.loss(), perplexity: metrics.perplexity(), accuracy: metrics.accuracy(), maskedTokens: metrics.tokens };
}

/** Masked-LM metrics on `sequences` in order, with masks drawn from `seed` (reproducible; synchronous reads). */
export function evaluateMlm(model: MaskedLanguageModel, sequences: readonly TokenSequence[], options: MlmEvaluateOptions): EvalInfo {
  const metrics = new MlmMetrics();
  for (const batch of evaluationBatches(sequences, options)) metrics.add(model.evaluate(batch));
  return evalInfo(metrics, options);
}

/**
 * The model's loss sum and correct top-1 predictions on one batch, as `MaskedLanguageModel.evaluate`
 * computes them (the same ops, so the same numbers) but read asynchronously, once.
 */
export async function evaluateMlmBatch(model: MaskedLanguageModel, batch: MlmBatch, hooks?: EncoderHooks): Promise<MlmEvaluation> {
  if (batch.positions.length === 0) return { lossSum: 0, correct: 0, count: 0 };
  const shape: [number, number] = [batch.batch, batch.length];
  const both = tf.tidy(() => {
    const inputs = {
      inputIds: tf.tensor2d(batch.inputIds, shape, "int32"),
      attentionMask: tf.tensor2d(batch.attentionMask, shape, "float32"),
      tokenTypeIds: batch.tokenTypeIds ? tf.tensor2d(batch.tokenTypeIds, shape, "int32") : undefined,
    };
    const logits = model.logitsAt(inputs, batch.positions, { hooks });
    const labels = tf.tensor1d(batch.labels, "int32");
    const loss = sparseCrossEntropy(logits, labels).sum();
    // Counts below 2^24 are exact in float32.
    const hits = tf.equal(tf.argMax(logits, 1), labels).sum().cast("float32");
    return tf.stack([loss, hits]);
  });
  try {
    const [lossSum, correct] = await both.data();
    return { lossSum, correct, count: batch.positions.length };
  } finally {
    both.dispose();
  }
}

/** `evaluateMlm` with asynchronous reads (every backend; the same numbers). */
export async function evaluateMlmAsync(model: MaskedLanguageModel, sequences: readonly TokenSequence[], options: MlmEvaluateOptions): Promise<EvalInfo> {
  const metrics = new MlmMetrics();
  for (const batch of evaluationBatches(sequences, options)) metrics.add(await evaluateMlmBatch(model, batch, options.hooks));
  return evalInfo(metrics, options);
}

/** Train `model` for `options.steps` steps; see `Pretrainer` for step-by-step control. */
export async function pretrain(
  model: MaskedLanguageModel,
  data: { train: readonly TokenSequence[]; heldOut?: readonly TokenSequence[] },
  options: PretrainOptions
): Promise<PretrainResult> {
  const trainer = new Pretrainer(model, data.train, data.heldOut ?? [], options);
  try {
    return await trainer.run();
  } finally {
    await trainer.close();
    trainer.dispose();
  }
}
