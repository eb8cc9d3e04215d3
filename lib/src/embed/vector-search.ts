/**
 * Exact top-k vector search: every query is scored against every indexed vector, and a bounded
 * heap per query keeps the k best. The reference that approximate indexes (HNSW, LanceDB) are
 * measured against.
 *
 * - Score: the inner product. With `metric: "cosine"` vectors and queries are L2-normalised
 *   first, so the score is the cosine similarity (a zero vector has no direction: error).
 * - Ids: integers in [0, 2^32) (the range HNSW labels take). By default a vector's id is its row
 *   number in the order of `add` calls (0, 1, 2, ...); `add(vectors, ids)` takes the caller's.
 * - Order: score descending, ties broken by the smaller id, so results are reproducible.
 * - k larger than the index: returns every indexed vector (n results, not an error).
 * - Errors, never a crash: k not a positive integer, a query of the wrong dimension, NaN or
 *   Infinity (row and column named), a zero vector under cosine (row named), an empty index.
 *
 * Scores are computed in blocks: a block of queries times a tile of indexed vectors is one matrix
 * product, through one of three kernels (`npm run bench -- search` times them side by side):
 * - "onnx": ONNX Runtime's MatMul then TopK in one graph (onnxruntime-node, one thread), the
 *   fastest on a CPU: only each query's k + 1 best of a tile come back to JavaScript (a row whose
 *   cut falls inside a tie is rescanned whole, so ties still go to the smaller id); it runs
 *   asynchronously, so only `searchAsync` / `searchBatchAsync` use it (their "auto" picks it);
 * - "tfjs": tfjs's `matMul` on the active backend (XNNPACK on wasm); the synchronous methods'
 *   "auto" picks it on the `wasm` and native `tensorflow` backends;
 * - "js": plain JavaScript loops over Float32Arrays, "auto" elsewhere (cpu; webgpu, whose reads
 *   are asynchronous).
 * All three give the same ids; scores agree to float32 rounding.
 */
import * as tf from "@tensorflow/tfjs";
import type * as Ort from "onnxruntime-node";
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType, type OnnxNode, type OnnxValueInfo } from "./onnx-schema";

export type VectorMetric = "ip" | "cosine";

/** What an index was built from: a query embedded by another model or size is refused. */
export interface VectorIndexMetadata {
  readonly dimension: number;
  /** The embedding model's name or checkpoint id ("shoplm-bi-encoder@3"); compared on reload. */
  readonly modelId: string;
  readonly metric: VectorMetric;
}

/** The k best matches of one query, best first. */
export interface VectorHits {
  readonly ids: number[];
  readonly scores: number[];
}

/** Vectors given as one row-major Float32Array (n x dimension) or as one array per vector. */
export type VectorRows = Float32Array | readonly (ArrayLike<number>)[];

/** How the block scores are computed; "auto": onnx for the async methods, else tfjs on wasm/tensorflow, else js. */
export type ScoreKernel = "auto" | "onnx" | "tfjs" | "js";

export interface ExactIndexOptions extends VectorIndexMetadata {
  readonly kernel?: ScoreKernel;
  /** Threads of ONNX Runtime's MatMul (the "onnx" kernel); default 1, leaving the other cores to other work. */
  readonly threads?: number;
}

/** Embedded texts as `embedTexts` returns them: rows of one model, named by its id. */
export interface EmbeddedRows {
  readonly vectors: Float32Array;
  readonly dimension: number;
  readonly modelId: string;
}

const MAX_ID = 2 ** 32 - 1;
/** Queries scored together (one matrix product per tile). */
const QUERY_BLOCK = 64;
/** Indexed vectors per tile: 64 x 16,384 scores = 4 MiB per product. */
const TILE_ROWS = 16_384;

// ---------------------------------------------------------------------------------------------
// Checks and conversions shared by the indexes of this chapter (exact, HNSW, the LanceDB store).

export function checkMetadata(where: string, meta: VectorIndexMetadata): void {
  if (!Number.isInteger(meta.dimension) || meta.dimension <= 0) {
    throw new Error(`${where}: dimension must be a positive integer, got ${meta.dimension}.`);
  }
  if (typeof meta.modelId !== "string" || meta.modelId.length === 0) {
    throw new Error(`${where}: modelId must be a non-empty string (the embedding model's name), got ${JSON.stringify(meta.modelId)}.`);
  }
  if (meta.metric !== "ip" && meta.metric !== "cosine") {
    throw new Error(`${where}: metric must be "ip" or "cosine", got ${JSON.stringify(meta.metric)}.`);
  }
}

/** One query vector as a one-row batch, or an error saying what was given instead. */
export function oneQuery(where: string, query: ArrayLike<number>): ArrayLike<number>[] {
  if (query === null || typeof query !== "object" || typeof query.length !== "number") {
    throw new Error(`${where}: query must be one vector (an array or Float32Array), got ${query === null ? "null" : typeof query}.`);
  }
  return [query];
}

export function checkK(where: string, k: number): void {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`${where}: k must be a positive integer, got ${k}.`);
}

/** The number of rows in `vectors`, checking the shape against `dimension`. */
export function rowCount(where: string, vectors: VectorRows, dimension: number, what: string): number {
  if (vectors instanceof Float32Array) {
    if (vectors.length % dimension !== 0) {
      throw new Error(
        `${where}: ${what} is a Float32Array of length ${vectors.length}, not a multiple of the dimension ${dimension} (row-major rows of ${dimension} expected).`
      );
    }
    return vectors.length / dimension;
  }
  if (!Array.isArray(vectors)) throw new Error(`${where}: ${what} must be a Float32Array or an array of vectors, got ${typeof vectors}.`);
  vectors.forEach((row, i) => {
    if (row === null || typeof row !== "object" || typeof row.length !== "number") {
      throw new Error(`${where}: ${what} row ${i} is not an array of numbers (got ${row === null ? "null" : typeof row}).`);
    }
    if (row.length !== dimension) {
      throw new Error(`${where}: ${what} row ${i} has dimension ${row.length}, expected ${dimension}.`);
    }
  });
  return vectors.length;
}

/**
 * A checked row-major Float32Array copy of `vectors`: finite values, and under cosine unit rows
 * (a zero row is an error, since it has no direction). Rows are named by their position in the
 * input, and by id when ids are given.
 */
export function toCheckedMatrix(
  where: string,
  vectors: VectorRows,
  dimension: number,
  metric: VectorMetric,
  what: string,
  ids?: ArrayLike<number>
): Float32Array {
  const n = rowCount(where, vectors, dimension, what);
  const out = new Float32Array(n * dimension);
  if (vectors instanceof Float32Array) out.set(vectors);
  else for (let r = 0; r < n; r++) {
    const row = vectors[r];
    for (let c = 0; c < dimension; c++) out[r * dimension + c] = Number(row[c]);
  }
  const name = (r: number) => `${what} row ${r}${ids ? ` (id ${ids[r]})` : ""}`;
  for (let r = 0; r < n; r++) {
    const o = r * dimension;
    let norm = 0;
    for (let c = 0; c < dimension; c++) {
      const v = out[o + c];
      if (!Number.isFinite(v)) {
        const given = vectors instanceof Float32Array ? vectors[o + c] : Number(vectors[r][c]);
        throw new Error(`${where}: ${name(r)}, column ${c} is ${Number.isNaN(given) ? "NaN" : given} (expected a finite number).`);
      }
      norm += v * v;
    }
    if (metric === "cosine") {
      if (norm === 0) throw new Error(`${where}: ${name(r)} is a zero vector; cosine similarity is undefined for it (use metric "ip" or drop the row).`);
      // A norm that is finite in double but whose square overflows float32 is still fine here.
      const inv = 1 / Math.sqrt(norm);
      for (let c = 0; c < dimension; c++) out[o + c] *= inv;
    }
  }
  return out;
}

export function checkIds(where: string, ids: ArrayLike<number>, count: number, taken: ReadonlySet<number>): number[] {
  if (ids.length !== count) throw new Error(`${where}: got ${ids.length} ids for ${count} vectors (one id per vector expected).`);
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw new Error(`${where}: id at position ${i} is ${id}; ids must be integers in [0, 2^32 - 1].`);
    }
    if (seen.has(id) || taken.has(id)) throw new Error(`${where}: id ${id} (position ${i}) is already in the index; ids must be unique.`);
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** Hits of several queries in flat arrays, for a thread to hand over: k slots per query, `counts[r]` of them filled. */
export interface PackedHits {
  readonly k: number;
  readonly ids: Float64Array;
  readonly scores: Float64Array;
  readonly counts: Uint32Array;
}

/** `hits` (at most k each) packed into k slots per query, with the buffers to transfer (not copy) to another thread. */
export function packHits(hits: readonly VectorHits[], k: number): { packed: PackedHits; transfer: ArrayBuffer[] } {
  const ids = new Float64Array(hits.length * k);
  const scores = new Float64Array(hits.length * k);
  const counts = new Uint32Array(hits.length);
  hits.forEach((h, r) => {
    counts[r] = h.ids.length;
    ids.set(h.ids, r * k);
    scores.set(h.scores, r * k);
  });
  return { packed: { k, ids, scores, counts }, transfer: [ids.buffer, scores.buffer, counts.buffer] };
}

/** The hits `packHits` packed, one list per query. */
export function unpackHits(packed: PackedHits): VectorHits[] {
  return Array.from(packed.counts, (count, r) => ({
    ids: Array.from(packed.ids.subarray(r * packed.k, r * packed.k + count)),
    scores: Array.from(packed.scores.subarray(r * packed.k, r * packed.k + count)),
  }));
}

/** Sorts hits best first: score descending, then the smaller id. */
export function sortHits(ids: number[], scores: number[]): VectorHits {
  const order = ids.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
  return { ids: order.map((i) => ids[i]), scores: order.map((i) => scores[i]) };
}

// ---------------------------------------------------------------------------------------------
// The bounded heap: the k best (score, id) pairs seen so far; its root is the worst of them.

/** True when (sa, ia) ranks below (sb, ib): a lower score, or an equal score and a larger id. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

class TopKHeap {
  readonly scores: Float64Array;
  readonly ids: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.ids = new Float64Array(k);
  }

  /** The score a candidate must reach to enter (-Infinity while the heap is not full). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  push(score: number, id: number): void {
    const { scores, ids } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, id, scores[parent], ids[parent])) break;
        scores[i] = scores[parent];
        ids[i] = ids[parent];
        i = parent;
      }
      scores[i] = score;
      ids[i] = id;
      return;
    }
    if (!worse(scores[0], ids[0], score, id)) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && worse(scores[r], ids[r], scores[l], ids[l]) ? r : l;
      if (!worse(scores[child], ids[child], score, id)) break;
      scores[i] = scores[child];
      ids[i] = ids[child];
      i = child;
    }
    scores[i] = score;
    ids[i] = id;
  }

  result(): VectorHits {
    return sortHits(Array.from(this.ids.subarray(0, this.size)), Array.from(this.scores.subarray(0, this.size)));
  }
}

// ---------------------------------------------------------------------------------------------

function tfjsFast(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === "tensorflow";
}

type OrtModule = typeof Ort;
let ortModule: OrtModule | null = null;

function onnxRuntime(): OrtModule {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require("onnxruntime-node") as OrtModule;
    } catch (error) {
      throw new Error(`ExactIndex: the "onnx" kernel needs onnxruntime-node, which could not be loaded (${(error as Error).message.split("\n")[0]}); use kernel "tfjs" or "js".`);
    }
  }
  return ortModule;
}

/** Sessions by graph and thread count: each created once and shared by every index (a failed one is forgotten). */
const sessions = new Map<string, Promise<Ort.InferenceSession>>();

function cachedSession(graph: "matmul" | "topk", threads: number): Promise<Ort.InferenceSession> {
  const key = `${graph}/${threads}`;
  let session = sessions.get(key) ?? null;
  if (!session) {
    session = onnxRuntime().InferenceSession.create(graph === "matmul" ? matMulGraph() : topKGraph(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    sessions.set(key, session);
    session.catch(() => {
      sessions.delete(key);
    });
  }
  return session;
}

/** scores = queries x tile (both dimensions symbolic). */
const onnxMatMul = (threads: number) => cachedSession("matmul", threads);
/** MatMul then TopK: each query row's `k` best scores of the tile and their columns. */
const onnxTopK = (threads: number) => cachedSession("topk", threads);

/** A graph input or output: a tensor of `elemType` with symbolic dimensions. */
function valueInfo(name: string, elemType: number, dims: readonly string[]): OnnxValueInfo {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((dim_param) => ({ dim_param })) } } } };
}

/** A one-graph model of the standard domain (opset 17), as ONNX bytes. */
function exactGraph(name: string, node: readonly OnnxNode[], input: readonly OnnxValueInfo[], output: readonly OnnxValueInfo[]): Uint8Array {
  return encodeOnnxModel({ ir_version: 8, opset_import: [{ domain: "", version: 17 }], producer_name: "shoplm", producer_version: "1", graph: { name, node, initializer: [], input, output } });
}

/** One MatMul, scores = queries x tile (float32, every size symbolic), as ONNX bytes. */
export function matMulGraph(): Uint8Array {
  return exactGraph(
    "exact_scores",
    [{ input: ["queries", "tile"], output: ["scores"], name: "scores", op_type: "MatMul" }],
    [valueInfo("queries", OnnxDataType.FLOAT, ["rows", "dimension"]), valueInfo("tile", OnnxDataType.FLOAT, ["dimension", "width"])],
    [valueInfo("scores", OnnxDataType.FLOAT, ["rows", "width"])]
  );
}

/**
 * scores = queries x tile, then TopK (largest, sorted) along each row: `values` and `indices`
 * [rows, k]. ONNX's TopK breaks ties by the lower column, which is not always the lower id: the
 * caller asks for one more than it keeps and rescans a row whose cut falls inside a tie.
 */
export function topKGraph(): Uint8Array {
  return exactGraph(
    "exact_top_k",
    [
      { input: ["queries", "tile"], output: ["scores"], name: "scores", op_type: "MatMul" },
      { input: ["scores", "k"], output: ["values", "indices"], name: "top_k", op_type: "TopK", attribute: [{ name: "axis", type: OnnxAttributeType.INT, i: -1 }] },
    ],
    [valueInfo("queries", OnnxDataType.FLOAT, ["rows", "dimension"]), valueInfo("tile", OnnxDataType.FLOAT, ["dimension", "width"]), valueInfo("k", OnnxDataType.INT64, ["one"])],
    [valueInfo("values", OnnxDataType.FLOAT, ["rows", "kept"]), valueInfo("indices", OnnxDataType.INT64, ["rows", "kept"])]
  );
}

/** Offers one tile's scores (rows x width, row-major) to the heaps. */
function scanTile(scores: Float32Array, rows: number, width: number, ids: Float64Array, base: number, heaps: TopKHeap[]): void {
  for (let i = 0; i < rows; i++) {
    const heap = heaps[i];
    let threshold = heap.threshold;
    const o = i * width;
    for (let c = 0; c < width; c++) {
      const s = scores[o + c];
      if (s >= threshold) {
        heap.push(s, ids[base + c]);
        threshold = heap.threshold;
      }
    }
  }
}

/**
 * An exact inner-product (or cosine) index over vectors held in memory.
 *
 * ```ts
 * const index = new ExactIndex({ dimension: 128, modelId: "course-encoder", metric: "cosine" });
 * index.add(productVectors);                 // Float32Array n x 128, ids 0..n-1
 * const { ids, scores } = index.search(queryVector, 10);
 * const many = await index.searchBatchAsync(queryMatrix, 10); // ONNX Runtime: the fastest kernel
 * index.dispose();                           // frees the tfjs and ONNX copies of the vectors
 * ```
 * Do not `add` while an asynchronous search is running (it replaces the tiles that search reads).
 */
export class ExactIndex {
  readonly metadata: VectorIndexMetadata;
  readonly kernel: ScoreKernel;
  /** ONNX Runtime's intra-op threads for the "onnx" kernel. */
  readonly threads: number;
  private chunks: Float32Array[] = [];
  private idChunks: number[][] = [];
  private taken = new Set<number>();
  private count = 0;
  private matrixCache: Float32Array | null = null;
  private idCache: Float64Array | null = null;
  /** tfjs tiles, each dimension x rows (transposed, so the product needs no transpose flag). */
  private tiles: tf.Tensor2D[] | null = null;
  /** The same tiles as ONNX Runtime tensors (plain memory, freed with the index). */
  private onnxTiles: Ort.Tensor[] | null = null;

  constructor(options: ExactIndexOptions) {
    checkMetadata("ExactIndex", options);
    const kernel = options.kernel ?? "auto";
    if (!["auto", "onnx", "tfjs", "js"].includes(kernel)) throw new Error(`ExactIndex: kernel must be "auto", "onnx", "tfjs" or "js", got ${JSON.stringify(kernel)}.`);
    this.metadata = { dimension: options.dimension, modelId: options.modelId, metric: options.metric };
    this.kernel = kernel;
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ExactIndex: threads must be an integer >= 1, got ${JSON.stringify(options.threads)}.`);
    this.threads = threads;
  }

  /** An index over `embedTexts` output in one call (ids: row numbers unless given). */
  static fromEmbeddings(embeddings: EmbeddedRows, options: { metric?: VectorMetric; ids?: ArrayLike<number>; kernel?: ScoreKernel } = {}): ExactIndex {
    const index = new ExactIndex({ dimension: embeddings.dimension, modelId: embeddings.modelId, metric: options.metric ?? "cosine", kernel: options.kernel });
    index.add(embeddings.vectors, options.ids);
    return index;
  }

  get size(): number {
    return this.count;
  }

  /** Adds vectors (checked, normalised under cosine); ids default to the running row number. */
  add(vectors: VectorRows, ids?: ArrayLike<number>): void {
    const { dimension, metric } = this.metadata;
    const n = rowCount("ExactIndex.add", vectors, dimension, "vectors");
    const rowIds = ids
      ? checkIds("ExactIndex.add", ids, n, this.taken)
      : checkIds("ExactIndex.add", Array.from({ length: n }, (_, i) => this.count + i), n, this.taken);
    const matrix = toCheckedMatrix("ExactIndex.add", vectors, dimension, metric, "vectors", ids);
    if (n === 0) return;
    this.chunks.push(matrix);
    this.idChunks.push(rowIds);
    for (const id of rowIds) this.taken.add(id);
    this.count += n;
    this.invalidate();
  }

  /** The k best matches of one query vector (fewer when the index holds fewer than k). */
  search(query: ArrayLike<number>, k: number): VectorHits {
    return this.searchBatch(oneQuery("ExactIndex.search", query), k)[0];
  }

  /** The k best matches of each query (queries as a row-major Float32Array or one array each). */
  searchBatch(queries: VectorRows, k: number): VectorHits[] {
    if (this.kernel === "onnx") {
      throw new Error('ExactIndex.search: the "onnx" kernel runs asynchronously; call searchAsync / searchBatchAsync (with await), or choose kernel "tfjs" or "js".');
    }
    const useTfjs = this.kernel === "tfjs" || (this.kernel === "auto" && tfjsFast());
    if (useTfjs && tf.getBackend() === "webgpu") {
      // WebGPU has no synchronous read; the async methods read the scores with `await data()`.
      throw new Error('ExactIndex.search: the "tfjs" kernel on the webgpu backend reads its scores asynchronously; call searchAsync / searchBatchAsync (with await), or choose kernel "js".');
    }
    const out: VectorHits[] = [];
    for (const { block, rows, heaps } of this.blocks("ExactIndex.search", queries, k)) {
      if (useTfjs) this.scoreBlockTfjs(block, rows, heaps);
      else this.scoreBlockJs(block, rows, heaps);
      for (const heap of heaps) out.push(heap.result());
    }
    return out;
  }

  /** `search` through ONNX Runtime when the kernel is "auto" or "onnx" (the fastest on a CPU). */
  async searchAsync(query: ArrayLike<number>, k: number): Promise<VectorHits> {
    return (await this.searchBatchAsync(oneQuery("ExactIndex.searchAsync", query), k))[0];
  }

  /** `searchBatch` through ONNX Runtime when the kernel is "auto" or "onnx"; the others as `searchBatch`. */
  async searchBatchAsync(queries: VectorRows, k: number): Promise<VectorHits[]> {
    if (this.kernel === "tfjs") {
      const out: VectorHits[] = [];
      for (const { block, rows, heaps } of this.blocks("ExactIndex.searchAsync", queries, k)) {
        await this.scoreBlockTfjsAsync(block, rows, heaps);
        for (const heap of heaps) out.push(heap.result());
      }
      return out;
    }
    if (this.kernel !== "auto" && this.kernel !== "onnx") return this.searchBatch(queries, k);
    const blocks = this.blocks("ExactIndex.searchAsync", queries, k);
    const out: VectorHits[] = [];
    if (blocks.length === 0) return out;
    const session = await onnxTopK(this.threads);
    const ort = onnxRuntime();
    const { dimension: d } = this.metadata;
    const { ids } = this.rows();
    const tiles = this.ensureOnnxTiles();
    const kk = blocks[0].heaps[0].k;
    // Tiles outside, query blocks inside: each tile is read from memory once for every query
    // block while it sits in the cache (a large index is memory-bound, not compute-bound).
    const queryTensors = blocks.map(({ block, rows }) => new ort.Tensor("float32", block, [rows, d]));
    try {
      let base = 0;
      for (const tile of tiles) {
        const width = tile.dims[1];
        // One more than kept: a row whose k-th and (k+1)-th scores tie may have left out a smaller id.
        const kept = Math.min(kk + 1, width);
        const kTensor = new ort.Tensor("int64", BigInt64Array.of(BigInt(kept)), [1]);
        for (let b = 0; b < blocks.length; b++) {
          const { rows, heaps } = blocks[b];
          const result = await session.run({ queries: queryTensors[b], tile, k: kTensor });
          const values = result.values.data as Float32Array;
          const columns = result.indices.data as BigInt64Array;
          const tied: number[] = [];
          for (let i = 0; i < rows; i++) {
            const o = i * kept;
            if (kept > kk && values[o + kk - 1] === values[o + kk]) {
              tied.push(i);
              continue;
            }
            const heap = heaps[i];
            for (let j = 0; j < Math.min(kk, kept); j++) {
              const score = values[o + j];
              if (score < heap.threshold) break; // sorted: the rest are lower still
              heap.push(score, ids[base + Number(columns[o + j])]);
            }
          }
          result.values.dispose();
          result.indices.dispose();
          if (tied.length > 0) await this.rescanTied(blocks[b], tied, tile, ids, base);
        }
        kTensor.dispose();
        base += width;
      }
    } finally {
      for (const q of queryTensors) q.dispose();
    }
    for (const { heaps } of blocks) for (const heap of heaps) out.push(heap.result());
    return out;
  }

  /**
   * Rows whose top-k cut fell inside a tie: their whole row of this tile's scores, from the plain
   * MatMul (the same products), offered to their heaps, which break ties by id.
   */
  private async rescanTied(block: { block: Float32Array; heaps: TopKHeap[] }, tied: readonly number[], tile: Ort.Tensor, ids: Float64Array, base: number): Promise<void> {
    const ort = onnxRuntime();
    const d = this.metadata.dimension;
    const width = tile.dims[1];
    const rows = new Float32Array(tied.length * d);
    tied.forEach((i, r) => rows.set(block.block.subarray(i * d, (i + 1) * d), r * d));
    const queries = new ort.Tensor("float32", rows, [tied.length, d]);
    try {
      const result = await (await onnxMatMul(this.threads)).run({ queries, tile });
      scanTile(result.scores.data as Float32Array, tied.length, width, ids, base, tied.map((i) => block.heaps[i]));
      result.scores.dispose();
    } finally {
      queries.dispose();
    }
  }

  /**
   * The stored vectors (row-major, normalised under cosine) and their ids: the index's own arrays,
   * to read and not to write (`ExactSearchPool` splits them over its threads).
   */
  storedRows(): { readonly vectors: Float32Array; readonly ids: Float64Array } {
    const { matrix, ids } = this.rows();
    return { vectors: matrix, ids };
  }

  /** Frees the tfjs copy of the vectors (kept between searches); the index stays usable. */
  dispose(): void {
    this.invalidate();
  }

  /** The indexed vectors as one row-major matrix (normalised under cosine) and their ids. */
  private rows(): { matrix: Float32Array; ids: Float64Array } {
    if (!this.matrixCache || !this.idCache) {
      const { dimension } = this.metadata;
      const matrix = new Float32Array(this.count * dimension);
      const ids = new Float64Array(this.count);
      let row = 0;
      this.chunks.forEach((chunk, i) => {
        matrix.set(chunk, row * dimension);
        ids.set(this.idChunks[i], row);
        row += chunk.length / dimension;
      });
      // One chunk from now on: later adds append to it.
      this.chunks = [matrix];
      this.idChunks = [Array.from(ids)];
      this.matrixCache = matrix;
      this.idCache = ids;
    }
    return { matrix: this.matrixCache, ids: this.idCache };
  }

  /** Checked queries cut into blocks, each with one empty heap per query. */
  private blocks(where: string, queries: VectorRows, k: number): { block: Float32Array; rows: number; heaps: TopKHeap[] }[] {
    checkK(where, k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix(where, queries, dimension, metric, "query");
    if (this.count === 0) throw new Error(`${where}: the index is empty; add vectors before searching.`);
    const nq = q.length / dimension;
    const kk = Math.min(k, this.count);
    const out: { block: Float32Array; rows: number; heaps: TopKHeap[] }[] = [];
    for (let start = 0; start < nq; start += QUERY_BLOCK) {
      const rows = Math.min(QUERY_BLOCK, nq - start);
      out.push({ block: q.subarray(start * dimension, (start + rows) * dimension), rows, heaps: Array.from({ length: rows }, () => new TopKHeap(kk)) });
    }
    return out;
  }

  private invalidate(): void {
    this.matrixCache = null;
    this.idCache = null;
    if (this.tiles) for (const t of this.tiles) t.dispose();
    this.tiles = null;
    if (this.onnxTiles) for (const t of this.onnxTiles) t.dispose();
    this.onnxTiles = null;
  }

  private ensureOnnxTiles(): Ort.Tensor[] {
    if (this.onnxTiles) return this.onnxTiles;
    const ort = onnxRuntime();
    const { dimension: d } = this.metadata;
    const { matrix } = this.rows();
    const tiles: Ort.Tensor[] = [];
    for (let start = 0; start < this.count; start += TILE_ROWS) {
      const width = Math.min(TILE_ROWS, this.count - start);
      const t = new Float32Array(d * width);
      for (let r = 0; r < width; r++) {
        const o = (start + r) * d;
        for (let c = 0; c < d; c++) t[c * width + r] = matrix[o + c];
      }
      tiles.push(new ort.Tensor("float32", t, [d, width]));
    }
    this.onnxTiles = tiles;
    return tiles;
  }

  private scoreBlockJs(block: Float32Array, rows: number, heaps: TopKHeap[]): void {
    const { dimension: d } = this.metadata;
    const { matrix, ids } = this.rows();
    const n = this.count;
    const scores = new Float64Array(rows);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      // Four queries per pass over a row: each indexed value is loaded once for four products.
      let q = 0;
      for (; q + 4 <= rows; q += 4) {
        const q0 = q * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j < d; j++) {
          const x = matrix[o + j];
          s0 += x * block[q0 + j];
          s1 += x * block[q1 + j];
          s2 += x * block[q2 + j];
          s3 += x * block[q3 + j];
        }
        scores[q] = s0; scores[q + 1] = s1; scores[q + 2] = s2; scores[q + 3] = s3;
      }
      for (; q < rows; q++) {
        const qo = q * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += matrix[o + j] * block[qo + j];
        scores[q] = s;
      }
      const id = ids[r];
      for (let i = 0; i < rows; i++) {
        // Round to float32 like the tfjs kernel, so both kernels rank ties the same way.
        const s = Math.fround(scores[i]);
        if (s >= heaps[i].threshold) heaps[i].push(s, id);
      }
    }
  }

  /** The block's scores against each tile, as tensors (the caller reads and disposes each). */
  private *tileProducts(block: Float32Array, rows: number): Generator<{ product: tf.Tensor2D; base: number; width: number }> {
    const q = tf.tensor2d(block, [rows, this.metadata.dimension]);
    try {
      let base = 0;
      for (const tile of this.ensureTiles()) {
        yield { product: tf.matMul(q, tile), base, width: tile.shape[1] };
        base += tile.shape[1];
      }
    } finally {
      q.dispose();
    }
  }

  private scoreBlockTfjs(block: Float32Array, rows: number, heaps: TopKHeap[]): void {
    const { ids } = this.rows();
    for (const { product, base, width } of this.tileProducts(block, rows)) {
      let scores: Float32Array;
      try {
        scores = product.dataSync() as Float32Array;
      } finally {
        product.dispose();
      }
      scanTile(scores, rows, width, ids, base, heaps);
    }
  }

  /** `scoreBlockTfjs` with an asynchronous read, which every backend (webgpu too) supports. */
  private async scoreBlockTfjsAsync(block: Float32Array, rows: number, heaps: TopKHeap[]): Promise<void> {
    const { ids } = this.rows();
    for (const { product, base, width } of this.tileProducts(block, rows)) {
      let scores: Float32Array;
      try {
        scores = (await product.data()) as Float32Array;
      } finally {
        product.dispose();
      }
      scanTile(scores, rows, width, ids, base, heaps);
    }
  }

  private ensureTiles(): tf.Tensor2D[] {
    if (this.tiles) return this.tiles;
    const { dimension: d } = this.metadata;
    const { matrix } = this.rows();
    const tiles: tf.Tensor2D[] = [];
    for (let start = 0; start < this.count; start += TILE_ROWS) {
      const rows = Math.min(TILE_ROWS, this.count - start);
      tiles.push(tf.tidy(() => tf.transpose(tf.tensor2d(matrix.subarray(start * d, (start + rows) * d), [rows, d]))) as tf.Tensor2D);
    }
    this.tiles = tiles;
    return tiles;
  }
}
