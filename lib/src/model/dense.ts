/**
 * A dense (fully connected) layer: x @ kernel + bias, with the kernel stored [in, out] (the
 * TensorFlow convention; PyTorch's nn.Linear stores the transpose).
 */
import * as tf from "@tensorflow/tfjs";
import type { ParameterSpec } from "./parameters";

/** Parameter specs of a dense layer named `prefix` (prefix.kernel, prefix.bias). */
export function denseSpecs(prefix: string, inputs: number, outputs: number): ParameterSpec[] {
  return [
    { name: `${prefix}.kernel`, shape: [inputs, outputs], init: "normal" },
    { name: `${prefix}.bias`, shape: [outputs], init: "zeros" },
  ];
}

/** x [rows, in] -> [rows, out], as one fused matmul-plus-bias kernel where the backend has it. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (x.shape[1] !== kernel.shape[0]) {
    throw new Error(`dense: input has ${x.shape[1]} features but the kernel expects ${kernel.shape[0]} (kernel shape [${kernel.shape}]).`);
  }
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}
