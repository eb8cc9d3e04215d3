/**
 * Masked-language-model pretraining as a `Trainer` task: a batch source that samples sequences,
 * pads and masks them (all from the run's Rng), the model's masked-token loss, and the factory a
 * worker thread calls to build its replica.
 */
import * as path from "node:path";
import type { Rng } from "../core/random";
import type { EncoderConfig } from "../model/config";
import { MaskedLanguageModel, type MlmBatch } from "../model/mlm-head";
import { BatchSampler, padBatch, type TokenSequence } from "./batches";
import { maskTokens, toMlmBatch, type MaskingOptions } from "./masking";
import type { BatchSource, BatchSourceState, DrawnBatch, TrainingTask } from "./trainer";
import type { WorkerTaskSpec } from "./worker-pool";

export interface MlmBatchOptions {
  readonly batchSize: number;
  readonly maxLength: number;
  readonly padTo?: "longest" | "max";
  /** Vocabulary, special ids and masking rates. */
  readonly masking: MaskingOptions;
}

/** Rows [start, end) of an MLM batch (the same padded length; positions renumbered). */
export function sliceMlmBatch(b: MlmBatch, start: number, end: number): MlmBatch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= b.batch)) {
    throw new Error(`sliceMlmBatch: expected rows 0 <= start < end <= ${b.batch}, got [${start}, ${end}).`);
  }
  const lo = start * b.length;
  const hi = end * b.length;
  const positions: number[] = [];
  const labels: number[] = [];
  b.positions.forEach((p, i) => {
    if (p >= lo && p < hi) {
      positions.push(p - lo);
      labels.push(b.labels[i]);
    }
  });
  const out: MlmBatch = {
    batch: end - start,
    length: b.length,
    inputIds: b.inputIds.slice(lo, hi),
    attentionMask: b.attentionMask.slice(lo, hi),
    positions: Int32Array.from(positions),
    labels: Int32Array.from(labels),
  };
  return b.tokenTypeIds ? { ...out, tokenTypeIds: b.tokenTypeIds.slice(lo, hi) } : out;
}

/** Draws each step's batch: sequences in epoch order, padded, masked (the draws of today's Pretrainer, in its order). */
export class MlmBatchSource implements BatchSource<MlmBatch> {
  private readonly sampler: BatchSampler;

  constructor(
    readonly sequences: readonly TokenSequence[],
    readonly options: MlmBatchOptions
  ) {
    this.sampler = new BatchSampler(sequences.length, options.batchSize);
  }

  next(rng: Rng): DrawnBatch<MlmBatch> {
    const o = this.options;
    const indices = this.sampler.next(rng);
    const batch = padBatch(
      indices.map((i) => this.sequences[i]),
      { padId: o.masking.special.pad, maxLength: o.maxLength, padTo: o.padTo }
    );
    const masked = maskTokens(batch, o.masking, rng);
    let tokens = 0;
    for (let i = 0; i < batch.attentionMask.length; i++) tokens += batch.attentionMask[i];
    return { batch: toMlmBatch(batch, masked), rows: batch.batch, count: masked.positions.length, tokens };
  }

  slice(batch: MlmBatch, start: number, end: number): { batch: MlmBatch; count: number } {
    const part = sliceMlmBatch(batch, start, end);
    return { batch: part, count: part.positions.length };
  }

  state(): BatchSourceState {
    return this.sampler.state();
  }

  restore(state: BatchSourceState): void {
    this.sampler.restore(state);
  }
}

/** The model's mean masked-token loss, with dropout drawn from the step's Rng. */
export function mlmTrainingTask(model: MaskedLanguageModel): TrainingTask<MlmBatch> {
  return { params: model.params, loss: (batch, rng) => model.loss(batch, { training: true, rng }) };
}

/** A worker's replica (its weights are then overwritten with the main thread's). */
export function mlmWorkerTask(config: EncoderConfig): TrainingTask<MlmBatch> {
  return mlmTrainingTask(MaskedLanguageModel.create(config, 0));
}

/** How a worker thread builds the MLM task (this module, from the built package or the sources). */
export function mlmWorkerSpec(config: EncoderConfig): WorkerTaskSpec {
  return { module: path.join(__dirname, `mlm-task${path.extname(__filename)}`), exportName: "mlmWorkerTask", config };
}
