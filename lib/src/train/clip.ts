/**
 * Gradient clipping by global norm: when the norm of all gradients taken together exceeds
 * `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_
 * does. The direction of the update is kept; only its length is capped.
 */
import * as tf from "@tensorflow/tfjs";

/** sqrt of the sum of squares of every element of every tensor. */
export function globalNorm(tensors: readonly tf.Tensor[]): number {
  if (tensors.length === 0) return 0;
  const total = tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))));
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
