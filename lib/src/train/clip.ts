/**
 * Gradient clipping by global norm: when the norm of all gradients taken together exceeds
 * `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_
 * does. The direction of the update is kept; only its length is capped.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Inputs per `tf.addN`: a WebGPU adapter in compatibility mode binds few storage buffers per
 * shader stage and rejects an addN of ~40 tensors. Summing in groups as one running total adds in
 * the same left-to-right order as a single addN, so wasm and cpu give the same bits.
 */
export const ADD_N_GROUP = 8;

/** The sum of squares of every element of every tensor, as a scalar left on the device (no read). */
export function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    const squares = tensors.map((t) => tf.sum(tf.square(t)));
    let total: tf.Tensor | null = null;
    for (let i = 0; i < squares.length; ) {
      const take = total ? ADD_N_GROUP - 1 : ADD_N_GROUP;
      const group = squares.slice(i, i + take);
      i += take;
      total = tf.addN(total ? [total, ...group] : group);
    }
    return total as tf.Scalar;
  });
}

/** `sumOfSquares`, read asynchronously (every backend), the scalar freed. */
export async function readSumOfSquares(tensors: readonly tf.Tensor[]): Promise<number> {
  const total = sumOfSquares(tensors);
  try {
    return (await total.data())[0];
  } finally {
    total.dispose();
  }
}

/**
 * sqrt of the sum of squares of every element of every tensor. Reads synchronously (wasm, cpu,
 * native); a training step reads `sumOfSquares` asynchronously instead.
 */
export function globalNorm(tensors: readonly tf.Tensor[]): number {
  if (tensors.length === 0) return 0;
  const total = sumOfSquares(tensors);
  const value = total.dataSync()[0];
  total.dispose();
  return Math.sqrt(value);
}

/** The factor to multiply gradients by (1 when the norm is within the limit). */
export function clipScale(norm: number, maxNorm: number | null): number {
  if (maxNorm === null || maxNorm === Infinity) return 1;
  if (!(maxNorm > 0)) throw new Error(`clip: maxNorm must be positive (or null for no clipping), got ${maxNorm}.`);
  const coef = maxNorm / (norm + 1e-6);
  return coef < 1 ? coef : 1;
}

/** New, scaled gradient tensors (the inputs are left alone), with the norm before clipping. */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number; scale: number } {
  const norm = globalNorm(grads);
  const scale = clipScale(norm, maxNorm);
  return { grads: grads.map((g) => tf.mul(g, scale)), norm, scale };
}
