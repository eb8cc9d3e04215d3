import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "shoplm";
import { ExactSearchPool } from "../../lib/src/embed/exact-pool";
import { ExactIndex } from "../../lib/src/embed/vector-search";
import { gaussian } from "../fixtures/vectors";

const DIM = 16;

describe("ExactSearchPool", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("returns what ExactIndex returns: the shares' top-k merged by score, ties by the smaller id", async () => {
    const index = new ExactIndex({ dimension: DIM, modelId: "pool-test", metric: "cosine", kernel: "onnx" });
    const ids = Array.from({ length: 5000 }, (_, i) => 7 * i + 3);
    index.add(gaussian(1, 5000, DIM), ids);
    // Repeated vectors across the shares' boundaries: equal scores, ordered by id.
    index.add(Array.from({ length: 4 }, () => Array.from(gaussian(9, 1, DIM))), [2, 40_000, 1, 30_000]);
    const queries = gaussian(2, 150, DIM);
    const pool = await ExactSearchPool.fromIndex(index, { threads: 3 });
    try {
      expect(pool.threads).toBe(3);
      expect(pool.size).toBe(5004);
      const want = await index.searchBatchAsync(queries, 10);
      const got = await pool.searchBatch(queries, 10);
      expect(got.map((h) => h.ids)).toEqual(want.map((h) => h.ids));
      got.forEach((h, q) => h.scores.forEach((s, i) => expect(Math.abs(s - want[q].scores[i])).toBeLessThan(1e-6)));
      const tie = await pool.search(gaussian(9, 1, DIM), 4);
      expect(tie.ids).toEqual([1, 2, 30_000, 40_000]);
      // Two searches in flight at once; one query alone (its scores up to float32 summation order).
      const [a, b] = await Promise.all([pool.searchBatch(queries.subarray(0, 5 * DIM), 3), pool.search(queries.subarray(0, DIM), 3)]);
      expect(a[0].ids).toEqual(b.ids);
      b.scores.forEach((s, i) => expect(Math.abs(s - a[0].scores[i])).toBeLessThan(1e-6));
    } finally {
      await pool.close();
      index.dispose();
    }
  });

  it("a small index gets one thread; k above the size returns every vector; bad input is refused", async () => {
    const index = new ExactIndex({ dimension: DIM, modelId: "pool-test", metric: "ip", kernel: "onnx" });
    await expect(ExactSearchPool.fromIndex(index)).rejects.toThrow(/the index is empty/);
    index.add(gaussian(3, 30, DIM));
    await expect(ExactSearchPool.fromIndex(index, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    const pool = await ExactSearchPool.fromIndex(index, { threads: 4 });
    try {
      expect(pool.threads).toBe(1);
      const all = await pool.search(gaussian(4, 1, DIM), 100);
      expect(all.ids.length).toBe(30);
      expect(all).toEqual(await index.searchAsync(gaussian(4, 1, DIM), 100));
      await expect(pool.searchBatch(new Float32Array(DIM + 1), 3)).rejects.toThrow(/not a multiple of the dimension 16/);
      await expect(pool.searchBatch(gaussian(5, 1, DIM), 0)).rejects.toThrow(/k must be a positive integer/);
      expect(await pool.searchBatch(new Float32Array(0), 3)).toEqual([]);
    } finally {
      await pool.close();
    }
    await expect(pool.search(gaussian(5, 1, DIM), 3)).rejects.toThrow(/the pool is closed/);
    index.dispose();
  });
});
