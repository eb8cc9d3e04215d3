import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HnswIndex, HNSW_INDEX_FILE } from "../../lib/src/embed/hnsw-index";
import { HnswSearchPool } from "../../lib/src/embed/hnsw-pool";
import { gaussian } from "../fixtures/vectors";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hnsw-pool-test-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const DIM = 24;
const meta = { dimension: DIM, modelId: "pool-test", metric: "cosine" as const };

function built(rows = 2000): HnswIndex {
  const index = new HnswIndex({ ...meta, M: 8, efConstruction: 60, efSearch: 20 });
  index.add(gaussian(1, rows, DIM));
  return index;
}

function poolTemps(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("shoplm-hnsw-pool-"));
}

describe("HnswSearchPool", () => {
  it("returns exactly what HnswIndex.searchBatch returns, in query order, across threads and ef changes", async () => {
    const index = built();
    const queries = gaussian(2, 301, DIM);
    const pool = await HnswSearchPool.fromIndex(index, { threads: 3 });
    try {
      expect(pool.threads).toBe(3);
      expect(pool.size).toBe(2000);
      expect(pool.efSearch).toBe(20);
      expect(await pool.searchBatch(queries, 10)).toEqual(index.searchBatch(queries, 10));
      // A low efSearch changes the answers; the pool follows the index there too.
      index.efSearch = 10;
      pool.efSearch = 10;
      const low = index.searchBatch(queries, 10);
      expect(await pool.searchBatch(queries, 10)).toEqual(low);
      // Two batches in flight at once, fewer queries than threads, one query, k above the size.
      const [a, b] = await Promise.all([pool.searchBatch(queries.subarray(0, 2 * DIM), 5), pool.searchBatch(queries.subarray(0, 40 * DIM), 5)]);
      expect(a).toEqual(index.searchBatch(queries.subarray(0, 2 * DIM), 5));
      expect(b).toEqual(index.searchBatch(queries.subarray(0, 40 * DIM), 5));
      expect(await pool.search(Array.from(queries.subarray(0, DIM)), 3)).toEqual(index.search(queries.subarray(0, DIM), 3));
      const small = new HnswIndex(meta);
      small.add(gaussian(3, 7, DIM));
      const smallPool = await HnswSearchPool.fromIndex(small, { threads: 2 });
      try {
        const all = await smallPool.searchBatch(queries.subarray(0, 3 * DIM), 50);
        expect(all.map((h) => h.ids.length)).toEqual([7, 7, 7]);
        expect(all).toEqual(small.searchBatch(queries.subarray(0, 3 * DIM), 50));
      } finally {
        await smallPool.close();
      }
    } finally {
      await pool.close();
    }
  });

  it("opens a saved index with HnswIndex.load's checks, and a bad one fails before any search", async () => {
    const dir = tempDir();
    const index = built(500);
    index.save(dir);
    const pool = await HnswSearchPool.open(dir, meta, { threads: 2, efSearch: 20 });
    const queries = gaussian(4, 20, DIM);
    try {
      expect(await pool.searchBatch(queries, 4)).toEqual(index.searchBatch(queries, 4));
    } finally {
      await pool.close();
    }
    await expect(HnswSearchPool.open(dir, { ...meta, modelId: "other" }, { threads: 2 })).rejects.toThrow(
      /thread \d of 2: HnswIndex\.load: .* was built with modelId "pool-test", expected "other"/
    );
    writeFileSync(path.join(dir, HNSW_INDEX_FILE), "not an index, same length?");
    await expect(HnswSearchPool.open(dir, meta, { threads: 1 })).rejects.toThrow(/corrupted or truncated/);
    await expect(HnswSearchPool.open(tempDir(), meta)).rejects.toThrow(/index\.json/);
    await expect(HnswSearchPool.open(dir, meta, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
  });

  it("checks queries before they reach a thread; a closed pool refuses and leaves no temporary copy", async () => {
    const before = poolTemps();
    const pool = await HnswSearchPool.fromIndex(built(300), { threads: 2 });
    expect(poolTemps().length).toBe(before.length + 1);
    await expect(pool.searchBatch(new Float32Array(DIM + 1), 3)).rejects.toThrow(/not a multiple of the dimension 24/);
    await expect(pool.search(new Float32Array(DIM), 3)).rejects.toThrow(/zero vector/);
    await expect(pool.searchBatch(gaussian(5, 2, DIM), 0)).rejects.toThrow(/k must be a positive integer/);
    expect(await pool.searchBatch(new Float32Array(0), 3)).toEqual([]);
    await pool.close();
    expect(poolTemps()).toEqual(before);
    await expect(pool.searchBatch(gaussian(5, 2, DIM), 3)).rejects.toThrow(/the pool is closed/);
    await pool.close();
  });
});
