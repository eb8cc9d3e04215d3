/**
 * Multi-head self-attention. Each token's vector is projected to a query, a key and a value per
 * head; a token attends to every real (non-padding) token with weights softmax(q.k / sqrt(d_head)),
 * and takes the weighted sum of their values. The heads' results are concatenated and projected back.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { EncoderConfig } from "./config";
import { denseSpecs } from "./dense";
import { dropout } from "./dropout";
import { maskedSoftmax } from "./fused";
import { hookedDense, type EncoderHooks } from "./hooks";
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
 * `causal`: each query also ignores the keys after its own position (next-item models).
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  kT: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
  dropoutRate: number,
  rng: Rng | null,
  causal = false
): AttentionResult {
  return tf.tidy(() => {
    const headSize = q.shape[3];
    const scores = tf.matMul(q, kT) as tf.Tensor4D;
    const probs = maskedSoftmax(scores, mask, 1 / Math.sqrt(headSize), causal);
    const context = tf.matMul(dropout(probs, dropoutRate, rng) as tf.Tensor4D, v) as tf.Tensor4D;
    return { context, probs };
  });
}

/**
 * Self-attention over x [batch * length, hidden] with the padding mask [batch, length]; returns the
 * projected output [batch * length, hidden] (before dropout and the residual) and the weights.
 * With a key/value prefix hook, the weights cover [prefix keys, then the tokens]. `causal`: token i
 * attends to tokens 0..i only (and to the whole prefix).
 */
export function multiHeadSelfAttention(
  params: Parameters,
  prefix: string,
  config: EncoderConfig,
  x: tf.Tensor2D,
  batch: number,
  length: number,
  mask: tf.Tensor2D,
  rng: Rng | null,
  hooks?: EncoderHooks,
  layer = 0,
  causal = false
): { output: tf.Tensor2D; probs: tf.Tensor4D } {
  const d = config.hiddenSize;
  const h = config.heads;
  const dh = d / h;
  const name = (n: string) => `${prefix}.attention.${n}`;
  return tf.tidy(() => {
    const split = (t: tf.Tensor2D) => t.reshape([batch, length, h, dh]);
    const q = split(hookedDense(params, name("self.query"), x, hooks)).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    let kT = split(hookedDense(params, name("self.key"), x, hooks)).transpose([0, 2, 3, 1]) as tf.Tensor4D;
    let v = split(hookedDense(params, name("self.value"), x, hooks)).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    let keyMask = mask;
    const extra = hooks?.keyValuePrefix ? hooks.keyValuePrefix(layer) : null;
    if (extra) {
      const n = extra.key.shape[0];
      if (extra.key.shape[1] !== d || extra.value.shape[0] !== n || extra.value.shape[1] !== d) {
        throw new Error(`keyValuePrefix: layer ${layer} gave key [${extra.key.shape}] and value [${extra.value.shape}]; expected both [prefixLength, ${d}].`);
      }
      // [n, d] -> [batch, heads, n, dh], the same prefix for every sequence of the batch.
      const heads = (t: tf.Tensor2D) => tf.tile(t.reshape([1, n, h, dh]).transpose([0, 2, 1, 3]), [batch, 1, 1, 1]) as tf.Tensor4D;
      kT = tf.concat([heads(extra.key).transpose([0, 1, 3, 2]), kT], 3) as tf.Tensor4D;
      v = tf.concat([heads(extra.value), v], 2) as tf.Tensor4D;
      keyMask = tf.concat([tf.ones([batch, n]), tf.cast(mask, "float32")], 1) as tf.Tensor2D;
    }
    const { context, probs } = scaledDotProductAttention(q, kT, v, keyMask, config.attentionDropout, rng, causal);
    const merged = context.transpose([0, 2, 1, 3]).reshape([batch * length, d]) as tf.Tensor2D;
    const output = hookedDense(params, name("output.dense"), merged, hooks);
    return { output, probs };
  });
}
