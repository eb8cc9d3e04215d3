/**
 * What the sequence and token classifiers share: an encoder, a fine-tuning method and a task head;
 * which weights train (the head's, the method's, and the encoder's only when the method trains
 * it), how many scalars that is, the encoder's rows for a padded batch (dropout where the method
 * allows it, the method's hooks always), and the loss with the method's regulariser.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import type { Parameters } from "../model/parameters";
import { BatchSampler } from "../train/batches";
import type { BatchSource, BatchSourceState, DrawnBatch } from "../train/trainer";
import { classificationLoss } from "./heads";
import { countScalars, type FineTuneMethod } from "./method";

/** A padded batch as flat row-major arrays. */
export interface PaddedBatch {
  readonly batch: number;
  readonly length: number;
  readonly inputIds: Int32Array;
  readonly attentionMask: Float32Array;
  readonly tokenTypeIds: Int32Array;
}

/** Rows [start, end) of a padded batch (the padded length kept), for gradient workers; `what` names the caller in errors. */
export function slicePaddedBatch(b: PaddedBatch, start: number, end: number, what: string): PaddedBatch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= b.batch)) {
    throw new Error(`${what}: expected rows 0 <= start < end <= ${b.batch}, got [${start}, ${end}).`);
  }
  const [lo, hi] = [start * b.length, end * b.length];
  return { batch: end - start, length: b.length, inputIds: b.inputIds.slice(lo, hi), attentionMask: b.attentionMask.slice(lo, hi), tokenTypeIds: b.tokenTypeIds.slice(lo, hi) };
}

export abstract class HeadedEncoder<B extends PaddedBatch> {
  constructor(
    readonly encoder: Encoder,
    readonly method: FineTuneMethod,
    /** The task head's weights and label set. */
    private readonly headParts: { readonly params: Parameters; readonly labels: readonly string[] },
    /** Per-label loss weights (imbalanced labels); none: plain mean. */
    readonly classWeights: Float32Array | undefined,
    what: string
  ) {
    if (classWeights && classWeights.length !== headParts.labels.length) {
      throw new Error(`${what}: classWeights has ${classWeights.length} entries for ${headParts.labels.length} labels.`);
    }
    // A frozen encoder's variables say so: no gradient is computed for them (see `dense`), and
    // tf.variableGrads would refuse to return one. Full fine-tuning marks them trainable again.
    for (const v of encoder.params.variables()) v.trainable = method.trainsEncoder;
  }

  /** The sets the optimizer updates: the head, the method's own weights, and the encoder's only in full fine-tuning. */
  trainableSets(): Parameters[] {
    const sets: Parameters[] = [this.headParts.params];
    if (this.method.params) sets.push(this.method.params);
    if (this.method.trainsEncoder) sets.push(this.encoder.params);
    return sets;
  }

  /** Trainable scalars, counted from the tensors the optimizer updates. */
  trainableParameters(): number {
    return countScalars(this.trainableSets());
  }

  /** All scalars the classifier computes with (encoder, method, head). */
  totalParameters(): number {
    return this.encoder.params.count() + (this.method.params?.count() ?? 0) + this.headParts.params.count();
  }

  /** The encoder's rows [batch * length, hidden] and the attention mask, inside the caller's tidy. */
  protected encode(b: B, rng: Rng | null): { rows: tf.Tensor2D; attentionMask: tf.Tensor2D } {
    const shape: [number, number] = [b.batch, b.length];
    const attentionMask = tf.tensor2d(b.attentionMask, shape, "float32");
    const encoderRng = rng && this.method.encoderDropout ? rng : null;
    const { rows } = this.encoder.forwardRows(
      { inputIds: tf.tensor2d(b.inputIds, shape, "int32"), attentionMask, tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, "int32") },
      encoderRng ? { training: true, rng: encoderRng, hooks: this.method.hooks } : { hooks: this.method.hooks }
    );
    return { rows, attentionMask };
  }

  /** Scores [examples or tokens, labels]; dropout when `rng` is given. */
  abstract logits(b: B, rng: Rng | null): tf.Tensor2D;

  /** The labels the loss is scored against (-1: ignored). */
  protected abstract targets(b: B): Int32Array;

  loss(b: B, rng: Rng | null): tf.Scalar {
    return tf.tidy(() => {
      const loss = classificationLoss(this.logits(b, rng), this.targets(b), this.classWeights);
      return rng && this.method.regularizer ? (loss.add(this.method.regularizer()) as tf.Scalar) : loss;
    });
  }
}

/**
 * Batches of examples in a fresh seeded order every epoch (what `fineTune` draws from): `pad`
 * turns the drawn examples into a padded batch, `count` says how many items the loss averages
 * over (examples for a sequence task, labelled tokens for a token task).
 */
export class ShuffledBatches<E, B extends PaddedBatch> implements BatchSource<B> {
  private readonly sampler: BatchSampler;

  constructor(
    readonly examples: readonly E[],
    readonly options: { readonly batchSize: number; readonly padId: number; readonly maxLength: number },
    private readonly pad: (examples: readonly E[], padId: number, maxLength: number) => B,
    private readonly count: (batch: B) => number,
    /** Rows [start, end) of a batch, for worker threads (sources without it train on one thread). */
    rows?: (batch: B, start: number, end: number) => B
  ) {
    this.sampler = new BatchSampler(examples.length, options.batchSize);
    if (rows) {
      this.slice = (batch, start, end) => {
        const part = rows(batch, start, end);
        return { batch: part, count: count(part) };
      };
    }
  }

  /** Present when the batches can be split by rows (see `BatchSource.slice`). */
  readonly slice?: (batch: B, start: number, end: number) => { readonly batch: B; readonly count: number };

  next(rng: Rng): DrawnBatch<B> {
    const batch = this.pad(this.sampler.next(rng).map((i) => this.examples[i]), this.options.padId, this.options.maxLength);
    let tokens = 0;
    for (let i = 0; i < batch.attentionMask.length; i++) tokens += batch.attentionMask[i];
    return { batch, rows: batch.batch, count: this.count(batch), tokens };
  }

  state(): BatchSourceState {
    return this.sampler.state();
  }

  restore(state: BatchSourceState): void {
    this.sampler.restore(state);
  }
}
