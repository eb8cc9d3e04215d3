import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "shoplm";
import { ExactIndex, type VectorHits } from "../../lib/src/embed/vector-search";
import { gaussian } from "../fixtures/vectors";

const PYTHON = "/usr/bin/python3";
const hasFaiss = spawnSync(PYTHON, ["-c", "import faiss"], { encoding: "utf8" }).status === 0;
const FAISS_SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "golden", "faiss_reference.py");

/** Every score in double precision, sorted by score then id: the definition, written plainly. */
function bruteForce(matrix: Float32Array, ids: readonly number[], query: Float32Array, dim: number, k: number): VectorHits {
  const all = ids.map((id, r) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += matrix[r * dim + c] * query[c];
    return { id, s };
  });
  all.sort((a, b) => b.s - a.s || a.id - b.id);
  const top = all.slice(0, k);
  return { ids: top.map((x) => x.id), scores: top.map((x) => x.s) };
}

function unitRows(matrix: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < matrix.length / dim; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) n += matrix[r * dim + c] ** 2;
    for (let c = 0; c < dim; c++) out[r * dim + c] = matrix[r * dim + c] / Math.sqrt(n);
  }
  return out;
}

const KERNELS = ["js", "tfjs", "onnx"] as const;

describe("ExactIndex", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  const dim = 24;
  const n = 700; // more than one query block of the tfjs kernel is exercised by 70 queries
  const vectors = gaussian(1, n, dim);
  const queries = gaussian(2, 70, dim);
  const rowIds = Array.from({ length: n }, (_, i) => i);

  for (const kernel of KERNELS) {
    it(`${kernel} kernel: equals brute force, inner product and cosine`, async () => {
      for (const metric of ["ip", "cosine"] as const) {
        const index = new ExactIndex({ dimension: dim, modelId: "test", metric, kernel });
        index.add(vectors);
        const hits = await index.searchBatchAsync(queries, 10);
        const base = metric === "cosine" ? unitRows(vectors, dim) : vectors;
        const qs = metric === "cosine" ? unitRows(queries, dim) : queries;
        hits.forEach((hit, q) => {
          const want = bruteForce(base, rowIds, qs.subarray(q * dim, (q + 1) * dim), dim, 10);
          expect(hit.ids).toEqual(want.ids);
          hit.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i], 4));
        });
        // One query alone gives the same as inside a batch (scores up to float32 summation order).
        const alone = await index.searchAsync(queries.subarray(5 * dim, 6 * dim), 10);
        expect(alone.ids).toEqual(hits[5].ids);
        alone.scores.forEach((s, i) => expect(s).toBeCloseTo(hits[5].scores[i], 5));
        index.dispose();
      }
    });
  }

  it("onnx kernel: several vector tiles (16,384 rows each, the last one short) and query blocks equal brute force", async () => {
    const d = 8;
    const many = gaussian(11, 36000, d);
    const qs = gaussian(12, 130, d);
    const ids = Array.from({ length: 36000 }, (_, i) => 3 * i + 1);
    const index = new ExactIndex({ dimension: d, modelId: "test", metric: "ip", kernel: "onnx" });
    index.add(many, ids);
    const hits = await index.searchBatchAsync(qs, 5);
    expect(hits.length).toBe(130);
    hits.forEach((hit, q) => expect(hit.ids).toEqual(bruteForce(many, ids, qs.subarray(q * d, (q + 1) * d), d, 5).ids));
    index.dispose();
  });

  it("caller-given ids, added in two calls, and the arrays-of-rows input", () => {
    const ids = rowIds.map((i) => 10_000 + 3 * i);
    const index = new ExactIndex({ dimension: dim, modelId: "test", metric: "ip", kernel: "js" });
    index.add(vectors.subarray(0, 300 * dim), ids.slice(0, 300));
    const rows = Array.from({ length: n - 300 }, (_, i) => Array.from(vectors.subarray((300 + i) * dim, (301 + i) * dim)));
    index.add(rows, ids.slice(300));
    expect(index.size).toBe(n);
    const q = queries.subarray(0, dim);
    expect(index.search(q, 7).ids).toEqual(bruteForce(vectors, ids, q, dim, 7).ids);
  });

  for (const kernel of KERNELS) {
    it(`${kernel} kernel: ties are broken by the smaller id, also at the k boundary`, async () => {
      const index = new ExactIndex({ dimension: 2, modelId: "test", metric: "ip", kernel });
      // Ids 9, 4, 7, 2 share one vector; 5 is better; 1 is worse.
      index.add([[1, 1], [1, 1], [2, 2], [1, 1], [0, 1], [1, 1]], [9, 4, 5, 7, 1, 2]);
      expect(await index.searchAsync([1, 0], 3)).toEqual({ ids: [5, 2, 4], scores: [2, 1, 1] });
      expect((await index.searchAsync([1, 0], 6)).ids).toEqual([5, 2, 4, 7, 9, 1]);
      index.dispose();
    });
  }

  it("the onnx kernel is asynchronous only; the others answer both ways alike", async () => {
    const index = new ExactIndex({ dimension: dim, modelId: "test", metric: "ip", kernel: "onnx" });
    index.add(vectors);
    expect(() => index.search(queries.subarray(0, dim), 3)).toThrow(/the "onnx" kernel runs asynchronously; call searchAsync/);
    const auto = new ExactIndex({ dimension: dim, modelId: "test", metric: "ip" });
    auto.add(vectors);
    const viaOnnx = await auto.searchBatchAsync(queries, 4);
    const viaTfjs = auto.searchBatch(queries, 4);
    expect(viaOnnx.map((h) => h.ids)).toEqual(viaTfjs.map((h) => h.ids));
    viaOnnx.forEach((h, q) => h.scores.forEach((s, i) => expect(s).toBeCloseTo(viaTfjs[q].scores[i], 5)));
    await expect(index.searchAsync([1, 2], 3)).rejects.toThrow(/query row 0 has dimension 2, expected 24/);
    // Two ONNX Runtime threads: the same ids, the same scores (one MatMul, split across threads).
    const twoThreads = new ExactIndex({ dimension: dim, modelId: "test", metric: "ip", kernel: "onnx", threads: 2 });
    twoThreads.add(vectors);
    const viaTwo = await twoThreads.searchBatchAsync(queries, 4);
    expect(viaTwo.map((h) => h.ids)).toEqual(viaOnnx.map((h) => h.ids));
    viaTwo.forEach((h, q) => h.scores.forEach((s, i) => expect(s).toBeCloseTo(viaOnnx[q].scores[i], 5)));
    expect(() => new ExactIndex({ dimension: dim, modelId: "test", metric: "ip", threads: 0 })).toThrow(/threads must be an integer >= 1, got 0/);
    twoThreads.dispose();
    auto.dispose();
  });

  it.skipIf(!hasFaiss)("equals FAISS IndexFlatIP: ids and scores", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "exact-faiss-"));
    try {
      const big = gaussian(3, 5000, 32);
      const qs = gaussian(4, 40, 32);
      writeFileSync(path.join(dir, "v.f32"), Buffer.from(big.buffer));
      writeFileSync(path.join(dir, "q.f32"), Buffer.from(qs.buffer));
      const run = spawnSync(PYTHON, [FAISS_SCRIPT, path.join(dir, "v.f32"), path.join(dir, "q.f32"), "32", "10"], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      const faiss = JSON.parse(run.stdout) as { ids: number[][]; scores: number[][] };
      for (const kernel of KERNELS) {
        const index = new ExactIndex({ dimension: 32, modelId: "test", metric: "ip", kernel });
        index.add(big);
        (await index.searchBatchAsync(qs, 10)).forEach((hit, q) => {
          expect(hit.ids).toEqual(faiss.ids[q]);
          hit.scores.forEach((s, i) => expect(Math.abs(s - faiss.scores[q][i])).toBeLessThan(1e-4));
        });
        index.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!hasFaiss) it.skip(`FAISS reference skipped: ${PYTHON} cannot import faiss (apt-get install python3-faiss)`, () => {});

  describe("bad input", () => {
    const make = (metric: "ip" | "cosine" = "cosine") => {
      const index = new ExactIndex({ dimension: 3, modelId: "test", metric, kernel: "js" });
      index.add([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      return index;
    };

    it("k larger than the index returns every vector (documented)", () => {
      expect(make().search([1, 2, 3], 50).ids).toEqual([2, 1, 0]);
    });

    it("k that is not a positive integer", () => {
      for (const k of [0, -1, 1.5, Number.NaN]) expect(() => make().search([1, 2, 3], k)).toThrow(/k must be a positive integer, got/);
    });

    it("a query of the wrong dimension names both dimensions", () => {
      expect(() => make().search([1, 2], 1)).toThrow(/query row 0 has dimension 2, expected 3/);
      expect(() => make().searchBatch(new Float32Array(7), 1)).toThrow(/length 7, not a multiple of the dimension 3/);
      expect(() => make().search(3 as unknown as number[], 1)).toThrow(/query must be one vector \(an array or Float32Array\), got number/);
      expect(() => make().search(null as unknown as number[], 1)).toThrow(/got null/);
    });

    it("a zero vector under cosine is an error naming the row (allowed under inner product)", () => {
      const index = new ExactIndex({ dimension: 3, modelId: "test", metric: "cosine" });
      expect(() => index.add([[1, 0, 0], [0, 0, 0]], [5, 6])).toThrow(/vectors row 1 \(id 6\) is a zero vector; cosine similarity is undefined/);
      expect(index.size).toBe(0); // nothing half-added
      expect(() => make().search([0, 0, 0], 1)).toThrow(/query row 0 is a zero vector/);
      const ip = make("ip");
      ip.add([[0, 0, 0]]);
      expect(ip.search([0, 0, 1], 1).ids).toEqual([2]);
    });

    it("NaN and Infinity are errors naming row and column", () => {
      const index = new ExactIndex({ dimension: 3, modelId: "test", metric: "ip" });
      expect(() => index.add([[1, 2, 3], [4, Number.NaN, 6]])).toThrow(/vectors row 1, column 1 is NaN/);
      expect(() => index.add(Float32Array.from([1, 2, 3, 4, 5, Infinity]))).toThrow(/vectors row 1, column 2 is Infinity/);
      expect(() => make().search([1, -Infinity, 0], 1)).toThrow(/query row 0, column 1 is -Infinity/);
    });

    it("an empty index says so", () => {
      const index = new ExactIndex({ dimension: 3, modelId: "test", metric: "ip" });
      expect(() => index.search([1, 2, 3], 1)).toThrow(/the index is empty/);
      index.add(new Float32Array(0));
      expect(() => index.search([1, 2, 3], 1)).toThrow(/the index is empty/);
    });

    it("ids: repeated, negative or not integers", () => {
      expect(() => make().add([[1, 1, 1]], [2])).toThrow(/id 2 \(position 0\) is already in the index/);
      expect(() => make().add([[1, 1, 1], [1, 1, 1]], [7, 7])).toThrow(/id 7 .* already/);
      expect(() => make().add([[1, 1, 1]], [-1])).toThrow(/ids must be integers in \[0, 2\^32 - 1\]/);
      expect(() => make().add([[1, 1, 1]], [1, 2])).toThrow(/got 2 ids for 1 vectors/);
    });

    it("metadata: dimension, model id, metric", () => {
      expect(() => new ExactIndex({ dimension: 0, modelId: "m", metric: "ip" })).toThrow(/dimension must be a positive integer/);
      expect(() => new ExactIndex({ dimension: 3, modelId: "", metric: "ip" })).toThrow(/modelId must be a non-empty string/);
      expect(() => new ExactIndex({ dimension: 3, modelId: "m", metric: "l2" as "ip" })).toThrow(/metric must be "ip" or "cosine", got "l2"/);
    });
  });

  describe("tensors", () => {
    afterAll(() => tf.disposeVariables());

    it("the tfjs kernel keeps only its tiles between searches and frees them on dispose", () => {
      const before = tf.memory().numTensors;
      const index = new ExactIndex({ dimension: dim, modelId: "test", metric: "cosine", kernel: "tfjs" });
      index.add(vectors);
      index.searchBatch(queries, 5);
      const held = tf.memory().numTensors;
      index.searchBatch(queries, 5);
      expect(tf.memory().numTensors).toBe(held);
      index.add(gaussian(9, 3, dim)); // adding frees the stale tiles
      expect(tf.memory().numTensors).toBe(before);
      index.searchBatch(queries, 5);
      index.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(() => index.search(queries.subarray(0, dim), 5)).not.toThrow(); // usable after dispose
      index.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
