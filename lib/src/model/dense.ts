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

/**
 * x [rows, in] -> [rows, out], as one fused matmul-plus-bias kernel where the backend has it. A
 * frozen kernel (a variable marked `trainable = false`, as the classifiers mark a frozen encoder's)
 * goes through plain matMul + add instead: the fused op's gradient computes the kernel's and the
 * bias's gradients even when nothing asks for them, while tfjs skips an unneeded input's gradient
 * of plain ops (LoRA and the other frozen-encoder methods train about a quarter faster).
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (x.shape[1] !== kernel.shape[0]) {
    throw new Error(`dense: input has ${x.shape[1]} features but the kernel expects ${kernel.shape[0]} (kernel shape [${kernel.shape}]).`);
  }
  if (kernel instanceof tf.Variable && !kernel.trainable) return tf.add(tf.matMul(x, kernel), bias) as tf.Tensor2D;
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}
