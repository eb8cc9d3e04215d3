/**
 * Exact search on every core: `ExactSearchPool` splits an `ExactIndex`'s vectors into N contiguous
 * shares, one per worker thread (each an `ExactIndex` of its share, scored by ONNX Runtime on one
 * thread); every query goes to every thread, and each query's N top-k lists are merged into one.
 * The merge keeps the index's order (score, then the smaller id), so the pool returns what the
 * index returns. onnxruntime-node runs a product on the thread that asks for it, so one index
 * cannot overlap its products with its heap scans; N threads each do both, on their share.
 *
 * Memory: one more copy of the vectors (the shares), held by the threads. A thread that fails
 * fails every pending search with its message, and the pool closes.
 */
import { availableParallelism } from "node:os";
import { RequestThreads } from "../core/threads";
import { checkK, oneQuery, sortHits, toCheckedMatrix, unpackHits, type ExactIndex, type PackedHits, type VectorHits, type VectorIndexMetadata, type VectorRows } from "./vector-search";

export interface ExactPoolOptions {
  /** Threads (and shares of the vectors); default every core, at most one per 1,024 vectors. */
  readonly threads?: number;
}

/** What an exact-search thread is started with: its share of the rows. */
export interface ExactWorkerSetup {
  readonly dimension: number;
  readonly modelId: string;
  readonly vectors: Float32Array;
  readonly ids: Float64Array;
}

export interface ExactPoolRequest {
  readonly id: number;
  readonly queries: Float32Array;
  readonly k: number;
}

/** A share's top-k of every query (k at most the share's size). */
export interface ExactPoolHits extends PackedHits {
  readonly type: "hits";
  readonly id: number;
}

/** The fewest vectors worth a thread of their own. */
const MIN_SHARE = 1024;

export class ExactSearchPool {
  readonly threads: number;
  readonly metadata: VectorIndexMetadata;
  /** Vectors searched. */
  readonly size: number;
  private readonly workers: RequestThreads<ExactPoolHits>;

  private constructor(index: ExactIndex, threads: number) {
    this.metadata = index.metadata;
    this.size = index.size;
    const { vectors, ids } = index.storedRows();
    const d = index.metadata.dimension;
    this.threads = Math.max(1, Math.min(threads, Math.floor(this.size / MIN_SHARE)));
    const setups = Array.from({ length: this.threads }, (_, t): ExactWorkerSetup => {
      const [lo, hi] = [Math.floor((t * this.size) / this.threads), Math.floor(((t + 1) * this.size) / this.threads)];
      return { dimension: d, modelId: index.metadata.modelId, vectors: vectors.slice(lo * d, hi * d), ids: ids.slice(lo, hi) };
    });
    this.workers = new RequestThreads<ExactPoolHits>("ExactSearchPool", "embed/exact-worker", setups);
  }

  /** A pool over the vectors `index` holds now (later `add`s to the index do not reach it). */
  static async fromIndex(index: ExactIndex, options: ExactPoolOptions = {}): Promise<ExactSearchPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ExactSearchPool: threads must be a positive integer, got ${threads}.`);
    if (index.size === 0) throw new Error("ExactSearchPool: the index is empty; add vectors before searching.");
    const pool = new ExactSearchPool(index, threads);
    try {
      await pool.workers.ready();
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  async search(query: ArrayLike<number>, k: number): Promise<VectorHits> {
    return (await this.searchBatch(oneQuery("ExactSearchPool.search", query), k))[0];
  }

  /** The k best hits of every query, best first, ties by the smaller id: what `ExactIndex.searchBatchAsync` returns. */
  async searchBatch(queries: VectorRows, k: number): Promise<VectorHits[]> {
    checkK("ExactSearchPool.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("ExactSearchPool.search", queries, dimension, metric, "query");
    const rows = q.length / dimension;
    if (rows === 0) return [];
    const parts = await this.workers.request((id) => Array.from({ length: this.threads }, (_, thread) => ({ thread, message: { id, queries: q, k } satisfies ExactPoolRequest })));
    const shares = parts.map(unpackHits);
    const kk = Math.min(k, this.size);
    return Array.from({ length: rows }, (_, r) => {
      const merged = sortHits(shares.flatMap((hits) => hits[r].ids), shares.flatMap((hits) => hits[r].scores));
      return { ids: merged.ids.slice(0, kk), scores: merged.scores.slice(0, kk) };
    });
  }

  /** Stops every thread; pending searches fail. */
  async close(): Promise<void> {
    await this.workers.close();
  }
}
