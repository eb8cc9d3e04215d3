/**
 * The position-wise feed-forward block of a transformer layer: widen each token vector to
 * `intermediateSize`, apply GELU, project back to `hiddenSize`.
 */
import * as tf from "@tensorflow/tfjs";
import type { EncoderConfig } from "./config";
import { dense, denseSpecs } from "./dense";
import { gelu } from "./fused";
import type { ParameterSpec, Parameters } from "./parameters";

export function feedForwardSpecs(prefix: string, config: EncoderConfig): ParameterSpec[] {
  return [...denseSpecs(`${prefix}.intermediate.dense`, config.hiddenSize, config.intermediateSize), ...denseSpecs(`${prefix}.output.dense`, config.intermediateSize, config.hiddenSize)];
}

/** x [rows, hidden] -> [rows, hidden] (before dropout and the residual). */
export function feedForward(params: Parameters, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = gelu(dense(x, params.get(`${prefix}.intermediate.dense.kernel`) as tf.Tensor2D, params.get(`${prefix}.intermediate.dense.bias`) as tf.Tensor1D)) as tf.Tensor2D;
    return dense(inner, params.get(`${prefix}.output.dense.kernel`) as tf.Tensor2D, params.get(`${prefix}.output.dense.bias`) as tf.Tensor1D);
  });
}
