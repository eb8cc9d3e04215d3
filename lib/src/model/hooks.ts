/**
 * Extension points of the encoder for parameter-efficient fine-tuning (chapter 2: LoRA, Adapters,
 * prefix tuning): a method adds its own small weights by intercepting a projection, a sublayer's
 * output or the keys and values attention sees. Without hooks the encoder runs exactly the ops it
 * always did (chapter 1's results are unchanged bit for bit).
 */
import type * as tf from "@tensorflow/tfjs";
import { dense } from "./dense";
import type { Parameters } from "./parameters";

/** Every hook is optional. */
export interface EncoderHooks {
  /**
   * A dense projection's output: `name` is the layer's weight prefix (such as
   * "encoder.layer_0.attention.self.query"), `x` its input and `output` the frozen result
   * x @ kernel + bias; returns what the model uses instead (LoRA adds a low-rank update).
   */
  readonly projection?: (name: string, x: tf.Tensor2D, output: tf.Tensor2D) => tf.Tensor2D;
  /** A sublayer's output [rows, hidden] before dropout and the residual (adapters). */
  readonly sublayer?: (layer: number, which: "attention" | "feedForward", output: tf.Tensor2D) => tf.Tensor2D;
  /** Key and value vectors [prefixLength, hidden] that every token of `layer` also attends to (prefix tuning); null for none. */
  readonly keyValuePrefix?: (layer: number) => { readonly key: tf.Tensor2D; readonly value: tf.Tensor2D } | null;
}

/** dense(x, prefix.kernel, prefix.bias), passed through the projection hook when there is one. */
export function hookedDense(params: Parameters, name: string, x: tf.Tensor2D, hooks?: EncoderHooks): tf.Tensor2D {
  const out = dense(x, params.get(`${name}.kernel`) as tf.Tensor2D, params.get(`${name}.bias`) as tf.Tensor1D);
  return hooks?.projection ? hooks.projection(name, x, out) : out;
}
