import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "shoplm";
import {
  collapseTranspose,
  registerWasmTrainingKernels,
  sumLeadingValues,
  transposeHandled,
  transposeValues,
} from "../../lib/src/core/wasm-kernels";

/** Deterministic pseudo-random values. */
function values(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

function naiveTranspose(x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const out = new Float32Array(x.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < x.length; o++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += index[a] * strides[perm[a]];
    out[o] = x[src];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

/** Run f on a backend and return its result as a plain array with its shape. */
async function on(backend: "wasm" | "cpu", f: () => tf.Tensor): Promise<{ shape: number[]; values: number[] }> {
  await initBackend({ forced: backend, reset: true });
  const t = tf.tidy(f);
  const out = { shape: t.shape.slice(), values: Array.from(t.dataSync()) };
  t.dispose();
  return out;
}

async function sameOnWasmAndCpu(f: () => tf.Tensor, tolerance = 1e-4): Promise<void> {
  const cpu = await on("cpu", f);
  const wasm = await on("wasm", f);
  expect(wasm.shape).toEqual(cpu.shape);
  const worst = cpu.values.reduce((m, v, i) => Math.max(m, Math.abs(v - wasm.values[i]) / Math.max(1, Math.abs(v))), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe("transpose on arrays", () => {
  it("collapses size-1 axes and axes that stay neighbours", () => {
    expect(collapseTranspose([32, 64, 4, 32], [0, 2, 3, 1])).toEqual({ shape: [32, 64, 128], perm: [0, 2, 1] });
    expect(collapseTranspose([32, 64, 4, 32], [0, 2, 1, 3])).toEqual({ shape: [32, 64, 4, 32], perm: [0, 2, 1, 3] });
    expect(collapseTranspose([1, 5, 7], [0, 2, 1])).toEqual({ shape: [5, 7], perm: [1, 0] });
    expect(collapseTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
  });

  it("matches a naive transpose for every permutation it accepts, and declines the others", () => {
    const cases: Array<[number[], number[]]> = [
      [[37, 70], [1, 0]],
      [[3, 33, 65], [0, 2, 1]],
      // Past one tile of rows, with edges of 1-3 rows and columns.
      [[1030, 21], [1, 0]],
      [[2, 7, 1027], [0, 2, 1]],
      [[2, 3], [1, 0]],
      [[2, 5, 3, 4], [0, 2, 1, 3]],
      [[2, 5, 3, 4], [0, 2, 3, 1]],
      [[2, 5, 3, 4], [1, 0, 2, 3]],
      [[4, 1, 6], [2, 1, 0]],
    ];
    for (const [shape, perm] of cases) {
      const x = values(shape.reduce((a, b) => a * b, 1), 3);
      const out = new Float32Array(x.length);
      expect(transposeHandled(shape, perm)).toBe(true);
      expect(transposeValues(x, shape, perm, out)).toBe(true);
      expect(Array.from(out)).toEqual(Array.from(naiveTranspose(x, shape, perm)));
    }
    const x = values(24, 1);
    expect(transposeHandled([2, 3, 4], [2, 1, 0])).toBe(false);
    expect(transposeValues(x, [2, 3, 4], [2, 1, 0], new Float32Array(24))).toBe(false);
  });

  it("sums over leading axes", () => {
    const out = new Float32Array(3);
    sumLeadingValues(Float32Array.from([1, 2, 3, 10, 20, 30]), 2, 3, out);
    expect(Array.from(out)).toEqual([11, 22, 33]);
  });
});

describe("wasm kernel wrappers give the cpu backend's numbers", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });
  afterAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("registering twice adds nothing the second time", async () => {
    await initBackend({ forced: "wasm", reset: true });
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it("BatchMatMul: every transpose combination, batched, broadcast and 4-d", async () => {
    const a = values(3 * 5 * 7, 1);
    const b = values(3 * 7 * 4, 2);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      await sameOnWasmAndCpu(() => tf.matMul(tf.tensor(a, ta ? [3, 7, 5] : [3, 5, 7]), tf.tensor(b, tb ? [3, 4, 7] : [3, 7, 4]), ta, tb));
      await sameOnWasmAndCpu(() => tf.matMul(tf.tensor(a.subarray(0, 35), ta ? [7, 5] : [5, 7]), tf.tensor(b.subarray(0, 28), tb ? [4, 7] : [7, 4]), ta, tb));
    }
    await sameOnWasmAndCpu(() => tf.matMul(tf.tensor(a, [3, 5, 7]), tf.tensor(b.subarray(0, 28), [1, 7, 4])));
    await sameOnWasmAndCpu(() => tf.matMul(tf.tensor(a.subarray(0, 35), [1, 5, 7]), tf.tensor(b, [3, 7, 4]), false, false));
    await sameOnWasmAndCpu(() => tf.matMul(tf.tensor(values(2 * 3 * 6 * 5, 4), [2, 3, 6, 5]), tf.tensor(values(2 * 3 * 5 * 6, 5), [2, 3, 6, 5]), false, true));
  });

  it("fused matMul with bias, with and without transposes, and its gradients", async () => {
    const a = values(6 * 9, 7);
    const w = values(9 * 4, 8);
    const bias = values(4, 9);
    for (const tb of [false, true]) {
      const f = () => tf.fused.matMul({ a: tf.tensor2d(a, [6, 9]), b: tf.tensor2d(w, tb ? [4, 9] : [9, 4]), transposeB: tb, bias: tf.tensor1d(bias) });
      await sameOnWasmAndCpu(f);
      for (const i of [0, 1, 2]) {
        await sameOnWasmAndCpu(() => {
          const inputs = [tf.tensor2d(a, [6, 9]), tf.tensor2d(w, tb ? [4, 9] : [9, 4]), tf.tensor1d(bias)];
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
            tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeB: tb, bias: z }).square().sum()
          )(inputs);
          return grads[i];
        });
      }
    }
  });

  it("fused matMul of a batch against shared weights (one tall product), transposed or not", async () => {
    const a = values(3 * 5 * 7, 13);
    const w = values(7 * 4, 14);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      await sameOnWasmAndCpu(() =>
        tf.fused.matMul({ a: tf.tensor3d(a, ta ? [3, 7, 5] : [3, 5, 7]), b: tf.tensor3d(w, tb ? [1, 4, 7] : [1, 7, 4]), transposeA: ta, transposeB: tb, bias: tf.tensor1d([1, 2, 3, 4]) })
      );
    }
  });

  it("Transpose: fast paths and the original kernel for the rest", async () => {
    const x = values(2 * 5 * 3 * 4, 11);
    for (const perm of [
      [0, 2, 1, 3],
      [0, 2, 3, 1],
      [3, 2, 1, 0],
      [1, 0, 2, 3],
      [2, 0, 3, 1],
    ]) {
      await sameOnWasmAndCpu(() => tf.transpose(tf.tensor(x, [2, 5, 3, 4]), perm), 0);
    }
    await sameOnWasmAndCpu(() => tf.transpose(tf.tensor(Int32Array.from({ length: 600 }, (_, i) => i), [20, 30], "int32")), 0);
  });

  it("Sum over leading axes (keepDims too) and over other axes", async () => {
    const x = values(4 * 6 * 5, 12);
    for (const [axis, keep] of [
      [0, false],
      [[0, 1], false],
      [[0, 1], true],
      [1, false],
      [-1, true],
      [[0, 1, 2], false],
    ] as const) {
      await sameOnWasmAndCpu(() => tf.sum(tf.tensor(x, [4, 6, 5]), axis as number | number[], keep));
    }
  });

  it("GatherV2: rows along the first axis (float32 and int32, long and short rows, indices of any shape), the original for other axes; its gradient", async () => {
    const x = values(300 * 5, 21);
    const wide = values(7 * 300, 22);
    const idx = Int32Array.from({ length: 24 }, (_, i) => (i * 37) % 300);
    for (const [shape, axis] of [
      [[24], 0],
      [[4, 6], 0],
      [[24], -2],
    ] as const) {
      await sameOnWasmAndCpu(() => tf.gather(tf.tensor(x, [300, 5]), tf.tensor(idx, [...shape], "int32"), axis), 0);
    }
    // Rows of 300 values (copied through set()), a 3-d table, int32 values, and another axis.
    await sameOnWasmAndCpu(() => tf.gather(tf.tensor(wide, [7, 300]), tf.tensor1d([6, 0, 6, 3], "int32")), 0);
    await sameOnWasmAndCpu(() => tf.gather(tf.tensor(x, [100, 3, 5]), tf.tensor1d([99, 0, 42], "int32")), 0);
    await sameOnWasmAndCpu(() => tf.gather(tf.tensor(Int32Array.from({ length: 60 }, (_, i) => i), [12, 5], "int32"), tf.tensor1d([11, 2], "int32")), 0);
    await sameOnWasmAndCpu(() => tf.gather(tf.tensor(x, [300, 5]), tf.tensor1d([4, 1], "int32"), 1), 0);
    await sameOnWasmAndCpu(() => tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([3, 3, 0], "int32")).square().sum())(tf.tensor(x.subarray(0, 20), [4, 5])), 1e-6);
  });

  it("GatherV2: an index outside the table is an error naming it, and allocates nothing", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const table = tf.tensor2d(values(12, 23), [4, 3]);
    const before = tf.memory().numBytes;
    expect(() => tf.gather(table, tf.tensor1d([1, 4], "int32"))).toThrow(/index value 4 \(position 1\) is not in \[0, 3\]/);
    // The indices tensor made inline is the only new allocation.
    expect(tf.memory().numBytes - before).toBeLessThanOrEqual(8);
    table.dispose();
  });

  it("a clone survives the disposal of its source (shared data is reference-counted)", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
  });
});
