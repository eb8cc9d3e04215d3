/**
 * A sequence classifier being fine-tuned: the encoder, a fine-tuning method and a task head, with
 * its loss, its predictions and exactly which weights train (what the Trainer updates and what the
 * trainable-parameter count counts).
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import { padBatch } from "../train/batches";
import type { TrainingTask } from "../train/trainer";
import type { EncodedExample } from "./examples";
import { HeadedEncoder, ShuffledBatches, slicePaddedBatch, type PaddedBatch } from "./headed-encoder";
import type { SequenceClassificationHead } from "./heads";
import type { FineTuneMethod } from "./method";

/** A padded batch of labelled sequences (flat row-major arrays). */
export interface ClassificationBatch extends PaddedBatch {
  /** [batch] label indices. */
  readonly labels: Int32Array;
}

export function classificationBatch(examples: readonly EncodedExample[], padId: number, maxLength: number): ClassificationBatch {
  const b = padBatch(examples, { padId, maxLength });
  return {
    batch: b.batch,
    length: b.length,
    inputIds: b.ids,
    attentionMask: b.attentionMask,
    tokenTypeIds: b.tokenTypeIds ?? new Int32Array(b.ids.length),
    labels: Int32Array.from(examples, (e) => e.label),
  };
}

/** Rows [start, end) of a classification batch (same padded length). */
export function sliceClassificationBatch(b: ClassificationBatch, start: number, end: number): ClassificationBatch {
  return { ...slicePaddedBatch(b, start, end, "sliceClassificationBatch"), labels: b.labels.slice(start, end) };
}

export class SequenceClassifier extends HeadedEncoder<ClassificationBatch> {
  constructor(
    encoder: Encoder,
    method: FineTuneMethod,
    readonly head: SequenceClassificationHead,
    classWeights?: Float32Array
  ) {
    super(encoder, method, head, classWeights, "SequenceClassifier");
  }

  /** Scores [batch, labels]; dropout (encoder where the method allows it, and head) when `rng` is given. */
  logits(b: ClassificationBatch, rng: Rng | null): tf.Tensor2D {
    return tf.tidy(() => {
      const { rows, attentionMask } = this.encode(b, rng);
      return this.head.logits(rows, b.batch, b.length, attentionMask, rng);
    });
  }

  protected targets(b: ClassificationBatch): Int32Array {
    return b.labels;
  }

  /** Predicted label indices (no dropout), `batchSize` sequences at a time (asynchronous reads: every backend). */
  async predict(examples: readonly EncodedExample[], padId: number, maxLength: number, batchSize = 64): Promise<Int32Array> {
    const out = new Int32Array(examples.length);
    for (let start = 0; start < examples.length; start += batchSize) {
      const part = examples.slice(start, start + batchSize);
      const arg = tf.tidy(() => tf.argMax(this.logits(classificationBatch(part, padId, maxLength), null), 1));
      try {
        out.set((await arg.data()) as Int32Array, start);
      } finally {
        arg.dispose();
      }
    }
    return out;
  }

  /** Class scores (logits, no dropout) per example, `batchSize` sequences at a time (asynchronous reads). */
  async scores(examples: readonly EncodedExample[], padId: number, maxLength: number, batchSize = 64): Promise<Float32Array[]> {
    const rows: Float32Array[] = [];
    for (let start = 0; start < examples.length; start += batchSize) {
      const part = examples.slice(start, start + batchSize);
      const logits = tf.tidy(() => this.logits(classificationBatch(part, padId, maxLength), null));
      try {
        const values = (await logits.data()) as Float32Array;
        const classes = logits.shape[1] as number;
        for (let i = 0; i < part.length; i++) rows.push(values.slice(i * classes, (i + 1) * classes));
      } finally {
        logits.dispose();
      }
    }
    return rows;
  }

  /** Frees the method's, the head's and the encoder's weights (a loaded classifier owns all three). */
  dispose(): void {
    this.method.dispose();
    this.head.dispose();
    this.encoder.dispose();
  }

  /** The classifier as a Trainer task. */
  task(): TrainingTask<ClassificationBatch> {
    return { params: this.trainableSets(), loss: (b, rng) => this.loss(b, rng) };
  }

  /** Training batches over `examples` (what `fineTune` draws from). */
  batchSource(examples: readonly EncodedExample[], options: { readonly batchSize: number; readonly padId: number; readonly maxLength: number }): ShuffledBatches<EncodedExample, ClassificationBatch> {
    // What the loss averages over: the examples, or with class weights the sum of their weights
    // (the loss is the weighted mean), so that worker shards weigh their losses right.
    const weights = this.classWeights;
    const count = weights ? (b: ClassificationBatch) => b.labels.reduce((sum, y) => sum + weights[y], 0) : (b: ClassificationBatch) => b.batch;
    return new ShuffledBatches(examples, options, classificationBatch, count, sliceClassificationBatch);
  }

  /** One label index per example (what `predict` is scored against). */
  labelsOf(examples: readonly EncodedExample[]): Int32Array {
    return Int32Array.from(examples, (e) => e.label);
  }
}
