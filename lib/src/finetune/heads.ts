/**
 * Task heads on the encoder: sequence classification (one label per text or text pair, from the
 * [CLS] vector or the mean of the real tokens' vectors) and token classification (one label per
 * token). A head is dropout then one dense layer to the labels' scores.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import { poolTokens } from "../embed/pooling";
import { dropout } from "../model/dropout";
import { sparseCrossEntropy } from "../model/fused";
import { Parameters, truncatedNormalValues } from "../model/parameters";

export type Pooling = "cls" | "mean";

export interface HeadOptions {
  readonly hiddenSize: number;
  /** The task's label set, in index order. */
  readonly labels: readonly string[];
  readonly seed?: number;
  /** Dropout before the dense layer while training (default 0.1). */
  readonly dropout?: number;
  /** Initial weights' standard deviation (default 0.02). */
  readonly initStd?: number;
}

function checkLabels(what: string, labels: readonly string[]): void {
  if (labels.length < 2) throw new Error(`${what}: labels must hold at least 2 classes, got ${labels.length}.`);
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new Error(`${what}: label "${l}" appears twice in labels.`);
    seen.add(l);
  }
}

abstract class DenseHead {
  readonly params: Parameters;
  readonly labels: readonly string[];
  readonly dropout: number;
  private readonly index: Map<string, number>;

  constructor(what: string, options: HeadOptions, label: string) {
    checkLabels(what, options.labels);
    this.labels = Object.freeze([...options.labels]);
    this.index = new Map(this.labels.map((l, i) => [l, i]));
    this.dropout = options.dropout ?? 0.1;
    const d = options.hiddenSize;
    const k = this.labels.length;
    const rng = new Rng(options.seed ?? 0);
    this.params = new Parameters(label);
    this.params.add("classifier.kernel", truncatedNormalValues(d * k, options.initStd ?? 0.02, rng), [d, k]);
    this.params.add("classifier.bias", new Float32Array(k), [k]);
  }

  /** The index of a label; a label outside the set is an error naming it and the set. */
  labelIndex(label: string, where = "label"): number {
    const i = this.index.get(label);
    if (i === undefined) {
      const shown = this.labels.length > 8 ? `${this.labels.slice(0, 8).join(", ")}, ... (${this.labels.length})` : this.labels.join(", ");
      throw new Error(`${where}: "${label}" is not in the task's label set {${shown}}.`);
    }
    return i;
  }

  protected project(x: tf.Tensor2D, rng: Rng | null): tf.Tensor2D {
    return tf.tidy(() => tf.fused.matMul({ a: dropout(x, this.dropout, rng) as tf.Tensor2D, b: this.params.get("classifier.kernel") as tf.Tensor2D, bias: this.params.get("classifier.bias") }) as tf.Tensor2D);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** One vector per sequence from the encoder's rows [batch * length, hidden]. */
export function poolRows(rows: tf.Tensor2D, batch: number, length: number, attentionMask: tf.Tensor2D, pooling: Pooling): tf.Tensor2D {
  return tf.tidy(() => poolTokens(rows.reshape([batch, length, rows.shape[1]]), attentionMask, pooling));
}

export class SequenceClassificationHead extends DenseHead {
  readonly pooling: Pooling;

  constructor(options: HeadOptions & { readonly pooling?: Pooling }) {
    super("SequenceClassificationHead", options, "seqcls");
    const pooling = options.pooling ?? "cls";
    if (pooling !== "cls" && pooling !== "mean") throw new Error(`SequenceClassificationHead: pooling must be "cls" or "mean", got "${pooling}".`);
    this.pooling = pooling;
  }

  /** Scores [batch, labels] from the encoder's rows. */
  logits(rows: tf.Tensor2D, batch: number, length: number, attentionMask: tf.Tensor2D, rng: Rng | null): tf.Tensor2D {
    return tf.tidy(() => this.project(poolRows(rows, batch, length, attentionMask, this.pooling), rng));
  }
}

export class TokenClassificationHead extends DenseHead {
  constructor(options: HeadOptions) {
    super("TokenClassificationHead", options, "tokcls");
  }

  /** Scores [batch * length, labels] from the encoder's rows. */
  logits(rows: tf.Tensor2D, rng: Rng | null): tf.Tensor2D {
    return this.project(rows, rng);
  }
}

/**
 * "Balanced" class weights, n / (k * count_c) over the k classes present (scikit-learn's
 * compute_class_weight("balanced") when every class occurs); 0 for a class with no example.
 */
export function balancedClassWeights(labels: ArrayLike<number>, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`balancedClassWeights: labels[${i}] is ${y}, outside 0..${classes - 1}.`);
    counts[y]++;
  }
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? labels.length / (present * c) : 0));
}

/**
 * Cross-entropy of logits [rows, classes] against labels [rows]; with class weights, the weighted
 * mean sum_i w(y_i) CE_i / sum_i w(y_i) (torch's CrossEntropyLoss(weight=...) convention).
 * Rows labelled -1 are ignored (padding and special tokens in token tasks).
 */
export function classificationLoss(logits: tf.Tensor2D, labels: Int32Array, classWeights?: Float32Array): tf.Scalar {
  const k = logits.shape[1];
  if (labels.length !== logits.shape[0]) throw new Error(`classificationLoss: ${labels.length} labels for ${logits.shape[0]} rows of logits.`);
  if (classWeights && classWeights.length !== k) throw new Error(`classificationLoss: classWeights has ${classWeights.length} entries for ${k} classes.`);
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === -1) continue;
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new Error(`classificationLoss: label ${y} at row ${i} is outside 0..${k - 1}.`);
    keep.push(i);
  }
  if (keep.length === 0) throw new Error("classificationLoss: every row is ignored (label -1); nothing to learn from.");
  return tf.tidy(() => {
    const all = keep.length === labels.length;
    const rows = all ? logits : (tf.gather(logits, tf.tensor1d(keep, "int32")) as tf.Tensor2D);
    const y = all ? labels : Int32Array.from(keep, (i) => labels[i]);
    const losses = sparseCrossEntropy(rows, tf.tensor1d(y, "int32"));
    if (!classWeights) return losses.mean() as tf.Scalar;
    const w = Float32Array.from(y, (c) => classWeights[c]);
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error("classificationLoss: the batch's class weights sum to 0.");
    return losses.mul(tf.tensor1d(w)).sum().div(total) as tf.Scalar;
  });
}
