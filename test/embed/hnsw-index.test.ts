import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { HnswIndex, readHnswSidecar } from "../../lib/src/embed/hnsw-index";
import { efSearchSweep, recallAgainstExact } from "../../lib/src/embed/index-recall";
import { ExactIndex } from "../../lib/src/embed/vector-search";
import { gaussian } from "../fixtures/vectors";
import { tempDirs } from "../fixtures/temp-dirs";

const tempDir = tempDirs("hnsw-test-");

describe("recallAgainstExact", () => {
  it("is the mean over queries of the overlap of the top k", () => {
    expect(recallAgainstExact([[1, 2, 3], [4, 5, 6]], [[3, 2, 1], [4, 9, 8]], 3)).toBeCloseTo((1 + 1 / 3) / 2, 12);
    // Only the first k of each list count; order inside the top k does not.
    expect(recallAgainstExact([[1, 9, 2]], [[1, 2, 3]], 2)).toBe(0.5);
    // An exact list shorter than k (a small index) is measured against what it holds.
    expect(recallAgainstExact([[7, 8]], [[8, 7]], 10)).toBe(1);
    // Hits objects are accepted as well as id lists; a repeated id counts once.
    expect(recallAgainstExact([{ ids: [1, 1], scores: [1, 1] }], [{ ids: [1, 2], scores: [2, 1] }], 2)).toBe(0.5);
  });

  it("refuses mismatched or empty input", () => {
    expect(() => recallAgainstExact([[1]], [[1], [2]], 1)).toThrow(/1 approximate results for 2 exact ones/);
    expect(() => recallAgainstExact([], [], 1)).toThrow(/no queries/);
    expect(() => recallAgainstExact([[1]], [[]], 1)).toThrow(/query 0 has no exact results/);
    expect(() => recallAgainstExact([[1]], [[1]], 0)).toThrow(/k must be a positive integer/);
  });
});

describe("HnswIndex", () => {
  const dim = 32;
  const n = 4000;
  const vectors = gaussian(11, n, dim);
  const queries = gaussian(12, 200, dim);

  for (const metric of ["ip", "cosine"] as const) {
    it(`${metric}: recall@10 against exact search is at least 0.95 at efSearch 128`, () => {
      const exact = new ExactIndex({ dimension: dim, modelId: "test", metric, kernel: "js" });
      exact.add(vectors);
      const hnsw = new HnswIndex({ dimension: dim, modelId: "test", metric, M: 16, efConstruction: 200, efSearch: 128 });
      hnsw.add(vectors);
      const truth = exact.searchBatch(queries, 10);
      const found = hnsw.searchBatch(queries, 10);
      expect(recallAgainstExact(found, truth, 10)).toBeGreaterThanOrEqual(0.95);
      // Scores are the same dot products as exact search's, where the ids agree.
      const exactScore = new Map(truth[0].ids.map((id, i) => [id, truth[0].scores[i]]));
      found[0].ids.forEach((id, i) => {
        if (exactScore.has(id)) expect(found[0].scores[i]).toBeCloseTo(exactScore.get(id)!, 4);
      });
      // A tiny candidate list loses recall: the knob is real.
      hnsw.efSearch = 10;
      expect(recallAgainstExact(hnsw.searchBatch(queries, 10), truth, 10)).toBeLessThan(recallAgainstExact(found, truth, 10));
    });
  }

  it("is reproducible for a seed, takes caller ids and orders ties by id", () => {
    const build = () => {
      const index = new HnswIndex({ dimension: dim, modelId: "test", metric: "ip", seed: 7 });
      index.add(vectors.subarray(0, 1000 * dim), Array.from({ length: 1000 }, (_, i) => 5000 + i));
      return index;
    };
    expect(build().searchBatch(queries.subarray(0, 20 * dim), 10)).toEqual(build().searchBatch(queries.subarray(0, 20 * dim), 10));
    const ties = new HnswIndex({ dimension: 2, modelId: "test", metric: "ip" });
    ties.add([[1, 1], [1, 1], [2, 2], [1, 1]], [9, 4, 5, 7]);
    expect(ties.search([1, 0], 3)).toEqual({ ids: [5, 4, 7], scores: [2, 1, 1] });
  });

  it("grows past its first capacity", () => {
    const index = new HnswIndex({ dimension: 4, modelId: "test", metric: "ip" });
    for (let i = 0; i < 3; i++) index.add(gaussian(20 + i, 900, 4));
    expect(index.size).toBe(2700);
    expect(index.search([1, 0, 0, 0], 5).ids).toHaveLength(5);
  });

  describe("save and load", () => {
    const built = () => {
      const index = new HnswIndex({ dimension: dim, modelId: "encoder@1", metric: "cosine", M: 12, efConstruction: 100, efSearch: 64 });
      index.add(vectors.subarray(0, 1500 * dim));
      return index;
    };

    it("round trip: same results, a sidecar with what it was built from, no temporary files", () => {
      const dir = tempDir();
      const index = built();
      const sidecar = index.save(dir);
      expect(readdirSync(dir).sort()).toEqual(["index.hnsw", "index.json"]);
      expect(readHnswSidecar(dir)).toEqual(sidecar);
      expect(sidecar).toMatchObject({ dimension: dim, count: 1500, modelId: "encoder@1", metric: "cosine", M: 12, efConstruction: 100 });
      expect(sidecar.library).toMatch(/^hnswlib-node \d+\.\d+\.\d+$/);
      expect(sidecar.sha256).toMatch(/^[0-9a-f]{64}$/);
      const loaded = HnswIndex.load(dir, { dimension: dim, modelId: "encoder@1", efSearch: 64 });
      expect(loaded.size).toBe(1500);
      const qs = queries.subarray(0, 30 * dim);
      expect(loaded.searchBatch(qs, 10)).toEqual(index.searchBatch(qs, 10));
      // Loaded indexes keep their ids and accept more vectors.
      expect(() => loaded.add([Array.from(vectors.subarray(0, dim))], [3])).toThrow(/id 3 .* already in the index/);
      loaded.add([Array.from(vectors.subarray(0, dim))], [99_999]);
      expect(loaded.search(vectors.subarray(0, dim), 2).ids.sort()).toEqual([0, 99_999]);
    });

    it("refuses another dimension, model or metric, naming what differs", () => {
      const dir = tempDir();
      built().save(dir);
      expect(() => HnswIndex.load(dir, { dimension: 64 })).toThrow(/built with dimension 32, expected 64/);
      expect(() => HnswIndex.load(dir, { modelId: "encoder@2" })).toThrow(/built with modelId "encoder@1", expected "encoder@2"/);
      expect(() => HnswIndex.load(dir, { metric: "ip" })).toThrow(/built with metric "cosine", expected "ip"/);
    });

    it("refuses a corrupted, truncated or missing file, or a missing or broken sidecar", () => {
      const dir = tempDir();
      built().save(dir);
      const file = path.join(dir, "index.hnsw");
      const original = readFileSync(file);
      const flipped = Buffer.from(original);
      flipped[flipped.length >> 1] ^= 0xff;
      writeFileSync(file, flipped);
      expect(() => HnswIndex.load(dir)).toThrow(/index.hnsw is corrupted: its SHA-256 is [0-9a-f]+, the sidecar says/);
      truncateSync(file, 100);
      expect(() => HnswIndex.load(dir)).toThrow(/corrupted or truncated: 100 bytes, the sidecar says \d+/);
      rmSync(file);
      expect(() => HnswIndex.load(dir)).toThrow(/the index file .*index.hnsw is missing/);
      writeFileSync(file, original);
      expect(HnswIndex.load(dir).size).toBe(1500);
      const sidecar = path.join(dir, "index.json");
      writeFileSync(sidecar, "{ not json");
      expect(() => HnswIndex.load(dir)).toThrow(/index.json is not valid JSON/);
      rmSync(sidecar);
      expect(() => HnswIndex.load(dir)).toThrow(/index.json is missing/);
      expect(() => HnswIndex.load(path.join(dir, "nowhere"))).toThrow(/is missing/);
    });

    it("a failed save leaves nothing half-written", () => {
      const dir = tempDir();
      const blocker = path.join(dir, "index.hnsw");
      // A folder where the index file should go: the rename fails after the temporary files exist.
      writeFileSync(path.join(dir, "keep.txt"), "x");
      mkdirSync(path.join(blocker, "inside"), { recursive: true });
      expect(() => built().save(dir)).toThrow(/HnswIndex.save: could not write/);
      expect(readdirSync(dir).sort()).toEqual(["index.hnsw", "keep.txt"]);
      expect(existsSync(path.join(dir, "index.json"))).toBe(false);
      expect(() => new HnswIndex({ dimension: 2, modelId: "m", metric: "ip" }).save(tempDir())).toThrow(/the index is empty/);
    });
  });

  describe("bad input", () => {
    const make = () => {
      const index = new HnswIndex({ dimension: 3, modelId: "test", metric: "cosine" });
      index.add([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      return index;
    };

    it("k larger than the index returns every vector; k must be a positive integer", () => {
      expect(make().search([1, 2, 3], 50).ids).toEqual([2, 1, 0]);
      for (const k of [0, -2, 2.5]) expect(() => make().search([1, 2, 3], k)).toThrow(/k must be a positive integer, got/);
    });

    it("wrong dimension, zero vector, NaN and Infinity, empty index, bad knobs", () => {
      expect(() => make().search([1, 2], 1)).toThrow(/query row 0 has dimension 2, expected 3/);
      expect(() => make().add([[0, 0, 0]], [8])).toThrow(/vectors row 0 \(id 8\) is a zero vector; cosine similarity is undefined/);
      expect(() => make().search([0, 0, 0], 1)).toThrow(/query row 0 is a zero vector/);
      expect(() => make().add([[1, Number.NaN, 0]])).toThrow(/vectors row 0, column 1 is NaN/);
      expect(() => make().search([Infinity, 0, 0], 1)).toThrow(/query row 0, column 0 is Infinity/);
      expect(() => new HnswIndex({ dimension: 3, modelId: "t", metric: "ip" }).search([1, 2, 3], 1)).toThrow(/the index is empty/);
      expect(() => new HnswIndex({ dimension: 3, modelId: "t", metric: "ip", M: 0 })).toThrow(/M must be a positive integer, got 0/);
      expect(() => {
        make().efSearch = -1;
      }).toThrow(/efSearch must be a positive integer, got -1/);
    });
  });

  it("efSearchSweep: one row per value, recall rising to exact, the index's efSearch restored", () => {
    const exact = new ExactIndex({ dimension: dim, modelId: "test", metric: "cosine", kernel: "js" });
    exact.add(vectors);
    const hnsw = new HnswIndex({ dimension: dim, modelId: "test", metric: "cosine", efSearch: 50 });
    hnsw.add(vectors);
    const qs = queries.subarray(0, 100 * dim);
    const rows = efSearchSweep(hnsw, qs, exact, { efSearch: [10, 40, 400], repeats: 1 });
    expect(rows.map((r) => r.efSearch)).toEqual([10, 40, 400]);
    expect(rows[2].recallAt10).toBeGreaterThan(rows[0].recallAt10);
    expect(rows[2].recallAt10).toBeGreaterThanOrEqual(0.99);
    for (const row of rows) {
      expect(row.queriesPerSecond).toBeGreaterThan(0);
      expect(row.msPerQuery * row.queriesPerSecond).toBeCloseTo(1000, 6);
    }
    expect(hnsw.efSearch).toBe(50);
    // The same figures from precomputed exact ids.
    const again = efSearchSweep(hnsw, qs, exact.searchBatch(qs, 10).map((h) => h.ids), { efSearch: [400], repeats: 1 });
    expect(again[0].recallAt10).toBe(rows[2].recallAt10);
  });
});
