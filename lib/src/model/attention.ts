/**
 * Multi-head self-attention. Each token's vector is projected to a query, a key and a value per
 * head; a token attends to every real (non-padding) token with weights softmax(q.k / sqrt(d_head)),
 * and takes the weighted sum of their values. The heads' results are concatenated and projected back.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { EncoderConfig } from "./config";
import { dense, denseSpecs } from "./dense";
import { dropout } from "./dropout";
import { maskedSoftmax } from "./fused";
import type { ParameterSpec, Parameters } from "./parameters";

export function attentionSpecs(prefix: string, config: EncoderConfig): ParameterSpec[] {
  const d = config.hiddenSize;
  return [
    ...denseSpecs(`${prefix}.attention.self.query`, d, d),
    ...denseSpecs(`${prefix}.attention.self.key`, d, d),
    ...denseSpecs(`${prefix}.attention.self.value`, d, d),
    ...denseSpecs(`${prefix}.attention.output.dense`, d, d),
  ];
}

export interface AttentionResult {
  /** [batch, heads, length, headSize] */
  readonly context: tf.Tensor4D;
  /** Attention weights [batch, heads, queries, keys] (before dropout); padding keys have weight 0. */
  readonly probs: tf.Tensor4D;
}

/**
 * softmax(q k^T / sqrt(d)) v per head. q, v: [batch, heads, length, headSize]; kT: the keys
 * already transposed, [batch, heads, headSize, length]; mask: [batch, length], 1 for real tokens.
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  kT: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
  dropoutRate: number,
  rng: Rng | null
): AttentionResult {
  return tf.tidy(() => {
    const headSize = q.shape[3];
    const scores = tf.matMul(q, kT) as tf.Tensor4D;
    const probs = maskedSoftmax(scores, mask, 1 / Math.sqrt(headSize));
    const context = tf.matMul(dropout(probs, dropoutRate, rng) as tf.Tensor4D, v) as tf.Tensor4D;
    return { context, probs };
  });
}

/**
 * Self-attention over x [batch * length, hidden] with the padding mask [batch, length]; returns the
 * projected output [batch * length, hidden] (before dropout and the residual) and the weights.
 */
export function multiHeadSelfAttention(
  params: Parameters,
  prefix: string,
  config: EncoderConfig,
  x: tf.Tensor2D,
  batch: number,
  length: number,
  mask: tf.Tensor2D,
  rng: Rng | null
): { output: tf.Tensor2D; probs: tf.Tensor4D } {
  const d = config.hiddenSize;
  const h = config.heads;
  const dh = d / h;
  const p = (name: string) => params.get(`${prefix}.attention.${name}`);
  return tf.tidy(() => {
    const split = (t: tf.Tensor2D) => t.reshape([batch, length, h, dh]);
    const q = split(dense(x, p("self.query.kernel") as tf.Tensor2D, p("self.query.bias") as tf.Tensor1D)).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    const kT = split(dense(x, p("self.key.kernel") as tf.Tensor2D, p("self.key.bias") as tf.Tensor1D)).transpose([0, 2, 3, 1]) as tf.Tensor4D;
    const v = split(dense(x, p("self.value.kernel") as tf.Tensor2D, p("self.value.bias") as tf.Tensor1D)).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    const { context, probs } = scaledDotProductAttention(q, kT, v, mask, config.attentionDropout, rng);
    const merged = context.transpose([0, 2, 1, 3]).reshape([batch * length, d]) as tf.Tensor2D;
    const output = dense(merged, p("output.dense.kernel") as tf.Tensor2D, p("output.dense.bias") as tf.Tensor1D);
    return { output, probs };
  });
}
