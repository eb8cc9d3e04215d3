/**
 * The input layer: a token's vector is its word embedding plus the embedding of its position
 * (learned, one per position up to `maxPositions`) plus the embedding of its segment (first or
 * second text of a pair), then layer norm and dropout.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { EncoderConfig } from "./config";
import { dropout } from "./dropout";
import { layerNorm } from "./fused";
import type { ParameterSpec, Parameters } from "./parameters";

export const WORD_EMBEDDINGS = "embeddings.word_embeddings";

export function embeddingSpecs(config: EncoderConfig): ParameterSpec[] {
  const d = config.hiddenSize;
  return [
    { name: WORD_EMBEDDINGS, shape: [config.vocabSize, d], init: "normal" },
    { name: "embeddings.position_embeddings", shape: [config.maxPositions, d], init: "normal" },
    { name: "embeddings.token_type_embeddings", shape: [config.typeVocabSize, d], init: "normal" },
    { name: "embeddings.LayerNorm.gamma", shape: [d], init: "ones" },
    { name: "embeddings.LayerNorm.beta", shape: [d], init: "zeros" },
  ];
}

/**
 * Token vectors [batch * length, hidden] for ids [batch, length] (int32). Without
 * `tokenTypeIds` every token is in segment 0. `rng` turns dropout on (training).
 */
export function embed(
  params: Parameters,
  config: EncoderConfig,
  inputIds: tf.Tensor2D,
  tokenTypeIds: tf.Tensor2D | undefined,
  rng: Rng | null
): tf.Tensor2D {
  const [batch, length] = inputIds.shape;
  if (length > config.maxPositions) {
    throw new Error(`embed: sequences of ${length} tokens are longer than the ${config.maxPositions} positions the model has (maxPositions).`);
  }
  if (tokenTypeIds && (tokenTypeIds.shape[0] !== batch || tokenTypeIds.shape[1] !== length)) {
    throw new Error(`embed: tokenTypeIds of shape [${tokenTypeIds.shape}] do not match inputIds of shape [${inputIds.shape}].`);
  }
  const d = config.hiddenSize;
  return tf.tidy(() => {
    const words = tf.gather(params.get(WORD_EMBEDDINGS), tf.cast(inputIds, "int32").reshape([-1])).reshape([batch, length, d]);
    const positions = tf.slice(params.get("embeddings.position_embeddings"), [0, 0], [length, d]);
    const typeTable = params.get("embeddings.token_type_embeddings");
    const types = tokenTypeIds
      ? tf.gather(typeTable, tf.cast(tokenTypeIds, "int32").reshape([-1])).reshape([batch, length, d])
      : tf.slice(typeTable, [0, 0], [1, d]);
    const sum = words.add(positions).add(types).reshape([batch * length, d]);
    const normed = layerNorm(sum, params.get("embeddings.LayerNorm.gamma"), params.get("embeddings.LayerNorm.beta"), config.layerNormEps);
    return dropout(normed, config.dropout, rng) as tf.Tensor2D;
  });
}
