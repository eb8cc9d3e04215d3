/**
 * The position-wise feed-forward block of a transformer layer: widen each token vector to
 * `intermediateSize`, apply GELU, project back to `hiddenSize`.
 */
import * as tf from "@tensorflow/tfjs";
import type { EncoderConfig } from "./config";
import { hookedDense, type EncoderHooks } from "./hooks";
import { denseSpecs } from "./dense";
import { gelu } from "./fused";
import type { ParameterSpec, Parameters } from "./parameters";

export function feedForwardSpecs(prefix: string, config: EncoderConfig): ParameterSpec[] {
  return [...denseSpecs(`${prefix}.intermediate.dense`, config.hiddenSize, config.intermediateSize), ...denseSpecs(`${prefix}.output.dense`, config.intermediateSize, config.hiddenSize)];
}

/** x [rows, hidden] -> [rows, hidden] (before dropout and the residual). */
export function feedForward(params: Parameters, prefix: string, x: tf.Tensor2D, hooks?: EncoderHooks): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = gelu(hookedDense(params, `${prefix}.intermediate.dense`, x, hooks)) as tf.Tensor2D;
    return hookedDense(params, `${prefix}.output.dense`, inner, hooks);
  });
}
