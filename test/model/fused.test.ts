import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "shoplm";
import {
  crossEntropyForward,
  expNoOverflow,
  fastExp,
  fusedKernelsActive,
  gelu,
  geluForward,
  geluComposite,
  layerNorm,
  layerNormComposite,
  maskedSoftmax,
  maskedSoftmaxComposite,
  maskedSoftmaxForward,
  sparseCrossEntropy,
  sparseCrossEntropyComposite,
} from "../../lib/src/model/fused";

function values(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Value and gradients (w.r.t. every input) of sum(f(inputs) * weights), for a fused op and its composite. */
function compare(fused: (...t: tf.Tensor[]) => tf.Tensor, composite: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], tolerance: number): void {
  tf.tidy(() => {
    const y1 = fused(...inputs);
    const y2 = composite(...inputs);
    expect(maxDiff(y1, y2)).toBeLessThan(tolerance);
    const w = tf.tensor(values(y1.size, 99), y1.shape);
    const g1 = tf.grads((...t: tf.Tensor[]) => fused(...t).mul(w).sum())(inputs);
    const g2 = tf.grads((...t: tf.Tensor[]) => composite(...t).mul(w).sum())(inputs);
    g1.forEach((g, i) => expect(maxDiff(g, g2[i])).toBeLessThan(tolerance));
  });
}

describe("fast exponential", () => {
  it("is within 1e-9 relative of Math.exp over the float32 range, 0 below it", () => {
    let worst = 0;
    for (let x = -87; x <= 88; x += 0.0173) worst = Math.max(worst, Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x));
    expect(worst).toBeLessThan(1e-9);
    expect(fastExp(-100)).toBe(0);
    expect(fastExp(0)).toBe(1);
  });

  // The recorded runs were trained with the first version of these kernels: the faster loops must
  // give the same bits. The references below are that version, written out plainly.
  const POW2 = Float64Array.from({ length: 256 * 64 }, (_, i) => 2 ** ((i - 127 * 64) / 64));
  function exp0(x: number): number {
    if (x < -87.3) return 0;
    if (x > 88.7) return Infinity;
    const t = x * 92.33248261689366;
    const m = Math.floor(t + 0.5);
    const r = (t - m) * 0.010830424696249145;
    return POW2[m + 127 * 64] * (1 + r * (1 + r * (0.5 + r * 0.16666666666666666)));
  }
  const rng = new Rng(5);
  // A dense grid, the rounding's ties (t + 0.5 an integer), both ends and random points.
  const xs = [...Array.from({ length: 20001 }, (_, i) => -90 + i * 0.0089), ...Array.from({ length: 200 }, (_, i) => (i - 100.5) / 92.33248261689366), -87.3, 0, -0, 88.7, ...Array.from({ length: 5000 }, () => rng.uniform(-30, 1))];

  it("the kernels' unchecked exponential gives the first version's bits up to the overflow bound, NaN included", () => {
    for (const x of xs) {
      expect(Object.is(expNoOverflow(x), exp0(x)), `x = ${x}`).toBe(true);
      expect(Object.is(fastExp(x), exp0(x)), `x = ${x}`).toBe(true);
    }
    expect(expNoOverflow(NaN)).toBeNaN();
    expect(fastExp(89)).toBe(Infinity);
  });

  it("GELU, masked softmax and cross-entropy give the first version's bits", () => {
    const x = Float32Array.from([...values(4096, 9, 7), 0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 40, -40]);
    const y = new Float32Array(x.length);
    const d = new Float32Array(x.length);
    geluForward(x, y, d);
    x.forEach((v, i) => {
      const z = Math.abs(v) * Math.SQRT1_2;
      const t = 1 / (1 + 0.3275911 * z);
      const e = exp0(-z * z);
      let erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * e;
      if (v < 0) erf = -erf;
      const cdf = 0.5 * (1 + erf);
      expect([y[i], d[i]]).toEqual([Math.fround(v * cdf), Math.fround(cdf + v * e * 0.3989422804014327)]);
    });
    // Softmax rows of 8 keys, some masked, causal and not; one row fully masked.
    const [batch, rows, keys] = [3, 4, 8];
    const scores = values(batch * rows * keys, 3, 6);
    const mask = Float32Array.from({ length: batch * keys }, (_, i) => (i < keys ? 0 : i % 5 === 0 ? 0 : 1));
    for (const causal of [0, rows]) {
      const probs = new Float32Array(scores.length).fill(NaN); // as a reused heap block may hold
      maskedSoftmaxForward(scores, mask, batch, rows, keys, 0.7, probs, causal);
      for (let b = 0; b < batch; b++)
        for (let r = 0; r < rows; r++) {
          const base = (b * rows + r) * keys;
          const visible = causal > 0 ? (r % causal) + keys - causal + 1 : keys;
          const on = (j: number): boolean => j < visible && mask[b * keys + j] !== 0;
          const max = Math.max(...Array.from({ length: keys }, (_, j) => (on(j) ? scores[base + j] * 0.7 : -Infinity)));
          const e = Array.from({ length: keys }, (_, j) => (on(j) && max !== -Infinity ? exp0(scores[base + j] * 0.7 - max) : 0));
          const inv = 1 / e.reduce((s, v) => s + v, 0);
          const want = e.map((v) => (max === -Infinity ? 0 : Math.fround(Math.fround(v) * inv)));
          expect(Array.from(probs.subarray(base, base + keys))).toEqual(want);
        }
    }
    const [n, classes] = [5, 300];
    const logits = values(n * classes, 4, 8);
    const labels = Int32Array.from([0, 299, 7, 150, 42]);
    const losses = new Float32Array(n);
    const p = new Float32Array(logits.length);
    crossEntropyForward(logits, labels, n, classes, losses, p);
    for (let r = 0; r < n; r++) {
      const row = Array.from(logits.subarray(r * classes, (r + 1) * classes));
      const max = Math.max(...row);
      const e = row.map((v) => exp0(v - max));
      const sum = e.reduce((s, v) => s + v, 0);
      expect(Array.from(p.subarray(r * classes, (r + 1) * classes))).toEqual(e.map((v) => Math.fround(Math.fround(v) * (1 / sum))));
      expect(losses[r]).toBe(Math.fround(Math.log(sum) + max - row[labels[r]]));
    }
  });
});

describe.each(["wasm", "cpu"] as const)("fused ops on %s equal the composite tf ops, values and gradients", (backend) => {
  afterAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("the fused kernels are the ones running", async () => {
    await initBackend({ forced: backend, reset: true });
    expect(fusedKernelsActive()).toBe(true);
  });

  it("layer norm", async () => {
    await initBackend({ forced: backend, reset: true });
    const x = tf.tensor(values(6 * 10, 1, 3), [6, 10]);
    const gamma = tf.tensor(values(10, 2).map((v) => 1 + v));
    const beta = tf.tensor(values(10, 3));
    compare(
      (a, g, b) => layerNorm(a, g, b, 1e-6),
      (a, g, b) => layerNormComposite(a, g, b, 1e-6),
      [x, gamma, beta],
      2e-5
    );
    // Normalised rows: mean 0, variance 1 with unit gain and zero bias.
    const y = layerNorm(x, tf.ones([10]), tf.zeros([10]), 1e-12);
    const { mean, variance } = tf.moments(y, -1);
    expect(Math.max(...Array.from(mean.abs().dataSync()))).toBeLessThan(1e-6);
    expect(Math.max(...Array.from(variance.sub(1).abs().dataSync()))).toBeLessThan(1e-4);
    tf.dispose([x, gamma, beta, y, mean, variance]);
  });

  it("GELU (exact, erf form)", async () => {
    await initBackend({ forced: backend, reset: true });
    const x = tf.tensor(values(200, 4, 6), [20, 10]);
    compare(gelu, geluComposite, [x], 2e-6);
    // Known values: GELU(1) = Phi(1) = 0.841345, GELU(-1) = -0.158655.
    const y = gelu(tf.tensor([1, -1, 0])).dataSync();
    expect(y[0]).toBeCloseTo(0.841345, 5);
    expect(y[1]).toBeCloseTo(-0.158655, 5);
    expect(y[2]).toBe(0);
    x.dispose();
  });

  it("masked softmax: equals softmax with a -1e9 bias, masked keys get exactly 0", async () => {
    await initBackend({ forced: backend, reset: true });
    const scores = tf.tensor(values(2 * 3 * 4 * 5, 5, 4), [2, 3, 4, 5]) as tf.Tensor4D;
    const mask = tf.tensor2d([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], [2, 5]);
    compare(
      (s) => maskedSoftmax(s as tf.Tensor4D, mask, 0.5),
      (s) => maskedSoftmaxComposite(s as tf.Tensor4D, mask, 0.5),
      [scores],
      1e-6
    );
    const p = maskedSoftmax(scores, mask, 0.5).arraySync() as number[][][][];
    for (const head of p[0]) for (const row of head) expect([row[3], row[4]]).toEqual([0, 0]);
    for (const head of p[1]) for (const row of head) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    tf.dispose([scores, mask]);
  });

  it("sparse cross-entropy, and a clear error for a label outside the classes", async () => {
    await initBackend({ forced: backend, reset: true });
    const logits = tf.tensor2d(values(7 * 11, 6, 5), [7, 11]);
    const labels = tf.tensor1d([0, 3, 10, 5, 5, 1, 9], "int32");
    compare(
      (l) => sparseCrossEntropy(l as tf.Tensor2D, labels),
      (l) => sparseCrossEntropyComposite(l as tf.Tensor2D, labels),
      [logits],
      2e-6
    );
    // Uniform logits: the loss is ln(classes).
    expect(sparseCrossEntropy(tf.zeros([2, 11]) as tf.Tensor2D, tf.tensor1d([1, 2], "int32")).dataSync()[0]).toBeCloseTo(Math.log(11), 6);
    expect(() => sparseCrossEntropy(logits, tf.tensor1d([0, 1, 2, 3, 4, 5, 11], "int32"))).toThrow(/label 11 in row 6 is outside the 11 classes/);
    tf.dispose([logits, labels]);
  });
});
