import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, l2Normalize, l2NormalizeVector, poolRows, poolTokens, poolVectors, Rng, type PoolingMode } from "shoplm";

/** [batch][length][d] random values and a right-padded mask with the given real lengths. */
function randomBatch(rng: Rng, lengths: number[], length: number, d: number): { x: number[][][]; mask: number[][] } {
  const x = lengths.map(() => Array.from({ length }, () => Array.from({ length: d }, () => rng.next() * 4 - 2)));
  const mask = lengths.map((n) => Array.from({ length }, (_, i) => (i < n ? 1 : 0)));
  return { x, mask };
}

describe("pooling", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("cls, mean and max by hand: padding is left out, and never wins a max even when it holds the largest values", () => {
    // Two sequences of 3 tokens, d = 2; the second has one padding token carrying 99 (and -99).
    const seq = tf.tensor3d([1, 2, 3, 4, 5, 6, 10, -20, 30, -40, 99, -99], [2, 3, 2]);
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 0], [2, 3]);
    const read = (mode: PoolingMode) => {
      const p = poolTokens(seq, mask, mode);
      const v = Array.from(p.dataSync());
      p.dispose();
      return v;
    };
    expect(read("cls")).toEqual([1, 2, 10, -20]);
    expect(read("mean")).toEqual([3, 4, 20, -30]);
    expect(read("max")).toEqual([5, 6, 30, -20]);
    tf.dispose([seq, mask]);
  });

  it("an all-padding sequence pools to zeros (mean, max); the zero vector normalises to zero, never NaN", () => {
    const seq = tf.tensor3d([-5, -6, -7, -8], [1, 2, 2]);
    const mask = tf.tensor2d([0, 0], [1, 2]);
    for (const mode of ["mean", "max"] as const) {
      const p = poolTokens(seq, mask, mode);
      expect(Array.from(p.dataSync())).toEqual([0, 0]);
      const n = l2Normalize(p);
      expect(Array.from(n.dataSync())).toEqual([0, 0]);
      tf.dispose([p, n]);
    }
    expect(l2NormalizeVector([0, 0, 0])).toEqual([0, 0, 0]);
    expect(poolVectors([[-5, -6], [-7, -8]], [0, 0], "max")).toEqual([0, 0]);
    tf.dispose([seq, mask]);
  });

  it("the tensor functions agree with the plain-array functions (the exercise's counterpart) on random batches", () => {
    const rng = new Rng(7);
    const lengths = [1, 5, 3, 7, 7, 2];
    const { x, mask } = randomBatch(rng, lengths, 7, 5);
    const seq = tf.tensor3d(x);
    const m = tf.tensor2d(mask);
    for (const mode of ["cls", "mean", "max"] as const) {
      const pooled = poolTokens(seq, m, mode);
      const normed = l2Normalize(pooled);
      const got = pooled.arraySync();
      const gotNormed = normed.arraySync();
      x.forEach((tokens, b) => {
        const want = poolVectors(tokens, mask[b], mode);
        want.forEach((v, j) => expect(got[b][j]).toBeCloseTo(v, 5));
        l2NormalizeVector(want).forEach((v, j) => expect(gotNormed[b][j]).toBeCloseTo(v, 5));
        const norm = Math.hypot(...gotNormed[b]);
        expect(norm).toBeCloseTo(1, 5);
      });
      tf.dispose([pooled, normed]);
    }
    tf.dispose([seq, m]);
  });

  it("gradients flow through every pooling and the normalisation, and none reaches a padding position", () => {
    const rng = new Rng(11);
    const { x, mask } = randomBatch(rng, [2, 4], 4, 3);
    const seq = tf.tensor3d(x);
    const m = tf.tensor2d(mask);
    for (const mode of ["cls", "mean", "max"] as const) {
      const g = tf.grad((s: tf.Tensor) => l2Normalize(poolTokens(s as tf.Tensor3D, m, mode)).mul(tf.range(0, 6).reshape([2, 3])).sum())(seq);
      const grads = g.arraySync() as number[][][];
      expect(grads.flat(2).every(Number.isFinite)).toBe(true);
      // Sequence 0 has two real tokens: positions 2 and 3 are padding.
      for (const pos of [2, 3]) expect(grads[0][pos].every((v) => v === 0)).toBe(true);
      expect(grads.flat(2).some((v) => v !== 0)).toBe(true);
      if (mode === "cls") expect(grads[1].slice(1).flat().every((v) => v === 0)).toBe(true);
      if (mode === "mean") expect(grads[1].flat().filter((v) => v !== 0).length).toBeGreaterThan(3);
      g.dispose();
    }
    tf.dispose([seq, m]);
  });

  it("chapter 2's poolRows is the same pooling (one implementation), and nothing leaks", () => {
    const rng = new Rng(3);
    const { x, mask } = randomBatch(rng, [3, 1], 3, 4);
    const seq = tf.tensor3d(x);
    const m = tf.tensor2d(mask);
    const before = tf.memory().numTensors;
    for (const mode of ["cls", "mean"] as const) {
      const rows = seq.reshape([6, 4]) as tf.Tensor2D;
      const a = poolRows(rows, 2, 3, m, mode);
      const b = poolTokens(seq, m, mode);
      expect(a.arraySync()).toEqual(b.arraySync());
      tf.dispose([rows, a, b]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([seq, m]);
  });

  it("bad input: an unknown mode, a mask of the wrong shape, ragged token vectors", () => {
    const seq = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const mask = tf.ones([2, 2]) as tf.Tensor2D;
    expect(() => poolTokens(seq, mask, "mean")).toThrow(/expected an attention mask of shape \[2, 3\]; found \[2,2\]/);
    expect(() => poolTokens(seq, tf.ones([2, 3]) as tf.Tensor2D, "sum" as PoolingMode)).toThrow(/pooling must be "cls", "mean" or "max"; found "sum"/);
    expect(() => poolVectors([[1, 2], [3]], [1, 1], "mean")).toThrow(/token 0 has 2 values but token 1 has 1/);
    expect(() => poolVectors([[1, 2]], [1, 1], "mean")).toThrow(/1 token vectors but 2 mask values/);
    tf.dispose([seq, mask]);
  });
});
