/**
 * Fused ops of the encoder: layer norm, GELU, masked softmax (attention weights) and sparse
 * softmax cross-entropy. As chains of tf ops each is 5 to 15 kernels forward and as many backward;
 * here each is one loop forward and one backward (registered for cpu and wasm through
 * `array-kernel`), with the gradient given by `tf.customGrad`. On a backend without these kernels
 * the same maths runs as the composite tf ops (tests check both agree).
 */
import * as tf from "@tensorflow/tfjs";
import { backendHasKernel, registerArrayKernel, runArrayKernel, runArrayKernelMulti, type KernelArray } from "./array-kernel";

// ------------------------------------------------------------------ maths on typed arrays

/** 2^(m/64) for integer m in [-127*64, 128*64], for the fast exponential (130 kB, stays in cache). */
const EXP_OFFSET = 127 * 64;
const POW2_64THS = new Float64Array(256 * 64).map((_, i) => 2 ** ((i - EXP_OFFSET) / 64));
const SIXTY_FOUR_OVER_LN2 = 92.33248261689366;
const LN2_OVER_SIXTY_FOUR = 0.010830424696249145;

/**
 * e^x to about 1e-10 relative error: e^x = 2^(m/64) * e^r with m = round(64 x / ln 2), the first
 * factor from a table and e^r (|r| <= ln2/128) from four terms of its series. About twice as fast
 * as `Math.exp` in the kernels' loops. 0 below -87.3 (float32's smallest normal).
 */
export function fastExp(x: number): number {
  if (x > 88.7) return Infinity;
  return expNoOverflow(x);
}

/**
 * `fastExp` without its overflow test, the same bits for every x <= 88.7 (and NaN): the kernels
 * below call it on exponents that are at most 0 (a value minus its row's maximum, or -z^2). The
 * `| 0` gives the table an integer index (Math.floor returns a double); with the test gone, the
 * kernels' loops take 15-30 % less time.
 */
export function expNoOverflow(x: number): number {
  if (x < -87.3) return 0;
  const t = x * SIXTY_FOUR_OVER_LN2;
  const m = Math.floor(t + 0.5) | 0;
  const r = (t - m) * LN2_OVER_SIXTY_FOUR;
  return POW2_64THS[m + EXP_OFFSET] * (1 + r * (1 + r * (0.5 + r * 0.16666666666666666)));
}

/** Layer norm over the last axis: y = (x - mean) / sqrt(var + eps) * gamma + beta, per row. */
export function layerNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  rows: number,
  cols: number,
  eps: number,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[base + j];
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[base + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) y[base + j] = (x[base + j] - mu) * rs * gamma[j] + beta[j];
  }
}

/** Gradients of layer norm given the forward pass's per-row mean and 1/std. */
export function layerNormBackward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array
): void {
  const dg = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    let sumD = 0;
    let sumDX = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[base + j] - mu) * rs;
      const g = dy[base + j];
      dg[j] += g * xhat;
      db[j] += g;
      const dxhat = g * gamma[j];
      sumD += dxhat;
      sumDX += dxhat * xhat;
    }
    const m1 = sumD / cols;
    const m2 = sumDX / cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[base + j] - mu) * rs;
      dx[base + j] = rs * (dy[base + j] * gamma[j] - m1 - xhat * m2);
    }
  }
  for (let j = 0; j < cols; j++) {
    dgamma[j] = dg[j];
    dbeta[j] = db[j];
  }
}

// erf by Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7), the formula tfjs's own erf kernels use.
const ERF_P = 0.3275911;
const ERF_A1 = 0.254829592;
const ERF_A2 = -0.284496736;
const ERF_A3 = 1.421413741;
const ERF_A4 = -1.453152027;
const ERF_A5 = 1.061405429;
const INV_SQRT2PI = 0.3989422804014327;

/**
 * GELU(x) = x * Phi(x) (the exact, erf-based form BERT uses), and its derivative
 * Phi(x) + x phi(x) in the same pass: both need exp(-x^2 / 2), and the backward pass is then one
 * multiplication.
 */
export function geluForward(x: Float32Array, y: Float32Array, dydx: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const z = Math.abs(v) * Math.SQRT1_2;
    const t = 1 / (1 + ERF_P * z);
    const e = expNoOverflow(-z * z);
    const q = t * (ERF_A1 + t * (ERF_A2 + t * (ERF_A3 + t * (ERF_A4 + t * ERF_A5)))) * e;
    // erf(|v|) = 1 - q, and erf is odd: q - 1 for v < 0 is -(1 - q) exactly, without a branch to negate.
    const cdf = 0.5 * (1 + (v < 0 ? q - 1 : 1 - q));
    y[i] = v * cdf;
    dydx[i] = cdf + v * e * INV_SQRT2PI;
  }
}

/**
 * Attention weights: softmax over the last axis of scale * scores, with keys whose mask is 0
 * given weight exactly 0. scores: [batch, heads, queries, keys]; mask: [batch, keys] of 1/0.
 * A row whose keys are all masked gets all zeros. With `causalQueries` = the number of queries
 * (0: no causal mask), query q also gives weight 0 to every key after it: the last query lines up
 * with the last key, so keys before the queries (a prefix) stay visible to all.
 */
export function maskedSoftmaxForward(
  scores: Float32Array,
  mask: Float32Array,
  batch: number,
  rowsPerBatch: number,
  keys: number,
  scale: number,
  probs: Float32Array,
  causalQueries = 0
): void {
  for (let b = 0; b < batch; b++) {
    const m = b * keys;
    for (let r = 0; r < rowsPerBatch; r++) {
      const base = (b * rowsPerBatch + r) * keys;
      // Keys [0, visible) may be attended to; with a causal mask, up to this query's own position.
      const visible = causalQueries > 0 ? (r % causalQueries) + keys - causalQueries + 1 : keys;
      let max = -Infinity;
      for (let j = 0; j < visible; j++) {
        if (mask[m + j] !== 0) {
          const s = scores[base + j] * scale;
          if (s > max) max = s;
        }
      }
      if (max === -Infinity) {
        for (let j = 0; j < keys; j++) probs[base + j] = 0;
        continue;
      }
      let sum = 0;
      for (let j = 0; j < visible; j++) {
        const e = mask[m + j] !== 0 ? expNoOverflow(scores[base + j] * scale - max) : 0;
        probs[base + j] = e;
        sum += e;
      }
      for (let j = visible; j < keys; j++) probs[base + j] = 0;
      const inv = 1 / sum;
      for (let j = 0; j < keys; j++) probs[base + j] *= inv;
    }
  }
}

/** dScores = scale * P * (dP - sum_k dP_k P_k), per row. */
export function softmaxBackward(dy: Float32Array, probs: Float32Array, rows: number, cols: number, scale: number, dx: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[base + j] * probs[base + j];
    for (let j = 0; j < cols; j++) dx[base + j] = scale * probs[base + j] * (dy[base + j] - dot);
  }
}

/** Per-row softmax cross-entropy against integer labels; also writes the softmax (for the gradient). */
export function crossEntropyForward(logits: Float32Array, labels: Int32Array, rows: number, cols: number, losses: Float32Array, probs: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const label = labels[r];
    if (!(label >= 0 && label < cols)) throw new Error(`cross-entropy: label ${label} in row ${r} is outside the ${cols} classes.`);
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (logits[base + j] > max) max = logits[base + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = expNoOverflow(logits[base + j] - max);
      probs[base + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) probs[base + j] *= inv;
    losses[r] = Math.log(sum) + max - logits[base + label];
  }
}

/** dLogits = dLoss * (softmax - onehot(label)). */
export function crossEntropyBackward(dy: Float32Array, probs: Float32Array, labels: Int32Array, rows: number, cols: number, dx: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const g = dy[r];
    for (let j = 0; j < cols; j++) dx[base + j] = g * probs[base + j];
    dx[base + labels[r]] -= g;
  }
}

// ------------------------------------------------------------------ kernels

const K = {
  layerNorm: "ShoplmLayerNorm",
  layerNormGrad: "ShoplmLayerNormGrad",
  gelu: "ShoplmGelu",
  maskedSoftmax: "ShoplmMaskedSoftmax",
  softmaxGrad: "ShoplmSoftmaxGrad",
  crossEntropy: "ShoplmCrossEntropy",
  crossEntropyGrad: "ShoplmCrossEntropyGrad",
} as const;

/** The names of the fused kernels (for profiles and tests). */
export const FUSED_KERNELS: readonly string[] = Object.values(K);

const f32 = (a: KernelArray): Float32Array => a as Float32Array;
const i32 = (a: KernelArray): Int32Array => (a instanceof Int32Array ? a : Int32Array.from(a));
const lastDim = (shape: number[]): number => shape[shape.length - 1];
const numRows = (shape: number[]): number => shape.slice(0, -1).reduce((a, b) => a * b, 1);

let registered = false;

/** Register the fused kernels for cpu and wasm (idempotent; the ops call it). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  registerArrayKernel<{ eps: number }>({
    name: K.layerNorm,
    inputs: ["x", "gamma", "beta"],
    outputs: ([x]) => [
      { shape: x, dtype: "float32" },
      { shape: [numRows(x)], dtype: "float32" },
      { shape: [numRows(x)], dtype: "float32" },
    ],
    run: ([x, g, b], [y, mean, rstd], [shape], { eps }) => layerNormForward(f32(x), f32(g), f32(b), numRows(shape), lastDim(shape), eps, f32(y), f32(mean), f32(rstd)),
  });
  registerArrayKernel<object>({
    name: K.layerNormGrad,
    inputs: ["dy", "x", "gamma", "mean", "rstd"],
    outputs: ([, x, g]) => [
      { shape: x, dtype: "float32" },
      { shape: g, dtype: "float32" },
      { shape: g, dtype: "float32" },
    ],
    run: ([dy, x, g, mean, rstd], [dx, dg, db], [, shape]) =>
      layerNormBackward(f32(dy), f32(x), f32(g), f32(mean), f32(rstd), numRows(shape), lastDim(shape), f32(dx), f32(dg), f32(db)),
  });
  registerArrayKernel<object>({
    name: K.gelu,
    inputs: ["x"],
    outputs: ([x]) => [
      { shape: x, dtype: "float32" },
      { shape: x, dtype: "float32" },
    ],
    run: ([x], [y, d]) => geluForward(f32(x), f32(y), f32(d)),
  });
  registerArrayKernel<{ scale: number; causal?: boolean }>({
    name: K.maskedSoftmax,
    inputs: ["scores", "mask"],
    outputs: ([s]) => [{ shape: s, dtype: "float32" }],
    run: ([s, m], [p], [shape], { scale, causal }) =>
      maskedSoftmaxForward(f32(s), f32(m), shape[0], numRows(shape) / shape[0], lastDim(shape), scale, f32(p), causal ? shape[shape.length - 2] : 0),
  });
  registerArrayKernel<{ scale: number }>({
    name: K.softmaxGrad,
    inputs: ["dy", "probs"],
    outputs: ([, p]) => [{ shape: p, dtype: "float32" }],
    run: ([dy, p], [dx], [, shape], { scale }) => softmaxBackward(f32(dy), f32(p), numRows(shape), lastDim(shape), scale, f32(dx)),
  });
  registerArrayKernel<object>({
    name: K.crossEntropy,
    inputs: ["logits", "labels"],
    outputs: ([l]) => [
      { shape: [l[0]], dtype: "float32" },
      { shape: l, dtype: "float32" },
    ],
    run: ([l, y], [loss, p], [shape]) => crossEntropyForward(f32(l), i32(y), shape[0], shape[1], f32(loss), f32(p)),
  });
  registerArrayKernel<object>({
    name: K.crossEntropyGrad,
    inputs: ["dy", "probs", "labels"],
    outputs: ([, p]) => [{ shape: p, dtype: "float32" }],
    run: ([dy, p, y], [dx], [, shape]) => crossEntropyBackward(f32(dy), f32(p), i32(y), shape[0], shape[1], f32(dx)),
  });
}

/** Whether the fused kernels run on the active backend (else the composite ops do). */
export function fusedKernelsActive(): boolean {
  registerFusedKernels();
  return backendHasKernel(K.layerNorm);
}

type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
type Save = (tensors: tf.Tensor[]) => void;

/** tf.customGrad with plain types: the inputs as an array, and `save` for the gradient's use. */
export function custom(f: (inputs: tf.Tensor[], save: Save) => { value: tf.Tensor; gradFunc: Grad }): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as Save;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
}

// ------------------------------------------------------------------ ops

/** Layer norm over the last axis with learned gain and bias. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-12): tf.Tensor {
  if (!fusedKernelsActive()) return layerNormComposite(x, gamma, beta, eps);
  return custom(([xi, g, b], save) => {
    const [y, mean, rstd] = runArrayKernelMulti(K.layerNorm, { x: xi, gamma: g, beta: b }, { eps });
    save([xi, g, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy, [xs, gs, ms, rs]) => runArrayKernelMulti(K.layerNormGrad, { dy, x: xs, gamma: gs, mean: ms, rstd: rs }),
    };
  })(x, gamma, beta);
}

export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-12): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(gamma).add(beta);
  });
}

/** GELU, the exact form: x * Phi(x) with Phi the standard normal CDF. */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (!fusedKernelsActive()) return geluComposite(x);
  return custom(([xi], save) => {
    const [y, dydx] = runArrayKernelMulti(K.gelu, { x: xi });
    save([dydx]);
    return { value: y, gradFunc: (dy, [d]) => tf.mul(dy, d) };
  })(x);
}

export function geluComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)));
}

/**
 * softmax(scale * scores) over the last axis with masked keys at weight 0.
 * scores: [batch, heads, queries, keys]; mask: [batch, keys], 1 for a real token, 0 for padding.
 * `causal`: query i also gives weight 0 to the keys after position i (a decoder's or a
 * sequential recommender's attention; see `maskedSoftmaxForward` for a key prefix).
 */
export function maskedSoftmax(scores: tf.Tensor4D, mask: tf.Tensor2D, scale: number, causal = false): tf.Tensor4D {
  if (scores.shape[0] !== mask.shape[0] || scores.shape[3] !== mask.shape[1]) {
    throw new Error(`maskedSoftmax: mask of shape [${mask.shape}] does not fit scores of shape [${scores.shape}] (expected [batch, keys]).`);
  }
  if (causal && scores.shape[2] > scores.shape[3]) {
    throw new Error(`maskedSoftmax: a causal mask needs at least as many keys as queries, got ${scores.shape[2]} queries and ${scores.shape[3]} keys.`);
  }
  if (!fusedKernelsActive()) return maskedSoftmaxComposite(scores, mask, scale, causal);
  const maskF = mask.dtype === "float32" ? mask : tf.cast(mask, "float32");
  const out = custom(([s], save) => {
    const p = runArrayKernel(K.maskedSoftmax, { scores: s, mask: maskF }, causal ? { scale, causal } : { scale });
    save([p]);
    return { value: p, gradFunc: (dy, [ps]) => runArrayKernel(K.softmaxGrad, { dy, probs: ps }, { scale }) };
  })(scores) as tf.Tensor4D;
  if (maskF !== mask) maskF.dispose();
  return out;
}

export function maskedSoftmaxComposite(scores: tf.Tensor4D, mask: tf.Tensor2D, scale: number, causal = false): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , q, k] = scores.shape;
    let bias = tf.sub(1, tf.cast(mask, "float32")).mul(-1e9).reshape([b, 1, 1, k]);
    if (causal) {
      // -1e9 where key j comes after query i (aligned at the end, as in the kernel).
      const future = tf.sub(1, tf.linalg.bandPart(tf.ones([q, k]), -1, k - q)).mul(-1e9).reshape([1, 1, q, k]);
      bias = bias.add(future);
    }
    return tf.softmax(scores.mul(scale).add(bias)) as tf.Tensor4D;
  });
}

/** Per-row softmax cross-entropy: logits [rows, classes], labels int32 [rows] -> losses [rows]. */
export function sparseCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  if (labels.shape[0] !== logits.shape[0]) {
    throw new Error(`sparseCrossEntropy: ${labels.shape[0]} labels for ${logits.shape[0]} rows of logits.`);
  }
  if (!fusedKernelsActive()) return sparseCrossEntropyComposite(logits, labels);
  const labelsI = labels.dtype === "int32" ? labels : tf.cast(labels, "int32");
  const out = custom(([l], save) => {
    const [loss, probs] = runArrayKernelMulti(K.crossEntropy, { logits: l, labels: labelsI });
    save([probs, labelsI]);
    return { value: loss, gradFunc: (dy, [p, y]) => runArrayKernel(K.crossEntropyGrad, { dy, probs: p, labels: y }) };
  })(logits) as tf.Tensor1D;
  if (labelsI !== labels) labelsI.dispose();
  return out;
}

export function sparseCrossEntropyComposite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, "int32"), logits.shape[1]);
    return tf.neg(tf.sum(tf.logSoftmax(logits).mul(oneHot), 1)) as tf.Tensor1D;
  });
}
