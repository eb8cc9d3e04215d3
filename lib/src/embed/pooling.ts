/**
 * Pooling: from an encoder's token vectors to one vector per text. [CLS] takes the first row;
 * mean and max look only at real tokens (attention mask 1), so padding never changes a result
 * and never wins a max. L2 normalisation puts every vector on the unit sphere (cosine = dot).
 *
 * Two forms with one meaning: tensor functions (used in training, gradients flow through them)
 * and plain-array functions over one sequence (what the exercises write by hand; the tests check
 * that both agree).
 *
 * Documented edge cases:
 *  - a sequence whose mask is all 0 pools to the zero vector with "mean" and "max" ("cls" still
 *    takes row 0);
 *  - L2 normalisation of the zero vector returns the zero vector (norm clamped at `eps`, as
 *    PyTorch's `F.normalize` does), never NaN.
 */
import * as tf from "@tensorflow/tfjs";

/** How token vectors become one vector: the [CLS] row, the masked mean, or the masked max. */
export type PoolingMode = "cls" | "mean" | "max";

export const POOLING_MODES: readonly PoolingMode[] = ["cls", "mean", "max"];

/** Smallest norm divided by in `l2Normalize` (PyTorch's F.normalize default). */
export const L2_EPS = 1e-12;

function checkMode(what: string, mode: string): asserts mode is PoolingMode {
  if (!(POOLING_MODES as readonly string[]).includes(mode)) {
    throw new Error(`${what}: pooling must be "cls", "mean" or "max"; found ${JSON.stringify(mode)}.`);
  }
}

/**
 * One vector per sequence [batch, hidden] from token vectors [batch, length, hidden] and the
 * attention mask [batch, length] (1 real, 0 padding).
 */
export function poolTokens(sequence: tf.Tensor3D, attentionMask: tf.Tensor2D, mode: PoolingMode): tf.Tensor2D {
  checkMode("poolTokens", mode);
  if (sequence.rank !== 3) throw new Error(`poolTokens: expected token vectors [batch, length, hidden]; found shape [${sequence.shape}].`);
  const [batch, length, d] = sequence.shape;
  if (attentionMask.rank !== 2 || attentionMask.shape[0] !== batch || attentionMask.shape[1] !== length) {
    throw new Error(`poolTokens: expected an attention mask of shape [${batch}, ${length}]; found [${attentionMask.shape}].`);
  }
  return tf.tidy(() => {
    if (mode === "cls") return tf.slice(sequence, [0, 0, 0], [batch, 1, d]).reshape([batch, d]) as tf.Tensor2D;
    const m = tf.cast(attentionMask, "float32").reshape([batch, length, 1]);
    const count = m.sum(1); // [batch, 1]
    if (mode === "mean") return sequence.mul(m).sum(1).div(tf.maximum(count, 1)) as tf.Tensor2D;
    // max: padding becomes -inf so it never wins (where(), not arithmetic: 0 * -inf would be NaN).
    const real = tf.greater(m, 0).tile([1, 1, d]) as tf.Tensor3D;
    const masked = tf.where(real, sequence, tf.fill(sequence.shape, -Infinity));
    const best = masked.max(1) as tf.Tensor2D;
    return tf.where(tf.greater(count, 0).tile([1, d]) as tf.Tensor2D, best, tf.zerosLike(best)) as tf.Tensor2D;
  });
}

/** Rows scaled to unit length: x / max(|x|, eps); a zero row stays zero. */
export function l2Normalize(x: tf.Tensor2D, eps = L2_EPS): tf.Tensor2D {
  if (x.rank !== 2) throw new Error(`l2Normalize: expected a matrix [rows, dimension]; found shape [${x.shape}].`);
  return tf.tidy(() => x.div(tf.maximum(x.square().sum(1, true).sqrt(), eps)) as tf.Tensor2D);
}

/**
 * The same pooling over one sequence as plain numbers: `tokens[i]` is token i's vector,
 * `mask[i]` is 1 for a real token and 0 for padding.
 */
export function poolVectors(tokens: readonly ArrayLike<number>[], mask: ArrayLike<number>, mode: PoolingMode): number[] {
  checkMode("poolVectors", mode);
  if (tokens.length === 0) throw new Error("poolVectors: expected at least one token vector; found none.");
  if (mask.length !== tokens.length) throw new Error(`poolVectors: ${tokens.length} token vectors but ${mask.length} mask values.`);
  const d = tokens[0].length;
  tokens.forEach((t, i) => {
    if (t.length !== d) throw new Error(`poolVectors: token 0 has ${d} values but token ${i} has ${t.length}.`);
  });
  if (mode === "cls") return Array.from(tokens[0]);
  const real = tokens.filter((_, i) => mask[i] !== 0);
  if (real.length === 0) return new Array<number>(d).fill(0);
  const out = Array.from(real[0]);
  for (const t of real.slice(1)) {
    for (let j = 0; j < d; j++) out[j] = mode === "mean" ? out[j] + t[j] : Math.max(out[j], t[j]);
  }
  return mode === "mean" ? out.map((v) => v / real.length) : out;
}

/** One vector scaled to unit length; the zero vector stays zero. */
export function l2NormalizeVector(v: ArrayLike<number>, eps = L2_EPS): number[] {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.max(Math.sqrt(sum), eps);
  return Array.from(v, (x) => x / norm);
}
