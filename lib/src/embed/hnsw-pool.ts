/**
 * HNSW search on every core: `HnswSearchPool` runs N threads, each with its own copy of one saved
 * index (hnswlib's search is synchronous native code, so one thread searches one query at a time).
 * A batch of queries is cut into contiguous shards, one per thread; the hits come back packed and
 * in query order. Every copy is read from the same file, so the pool returns exactly what
 * `HnswIndex.searchBatch` returns on that index. Memory: N copies of the index.
 *
 * A thread that fails (a bad index file, a crash) fails every pending search with its message, and
 * the pool closes; `close()` stops the threads and removes a temporary copy of the index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import { RequestThreads } from "../core/threads";
import { HnswIndex, readHnswSidecar } from "./hnsw-index";
import { checkK, oneQuery, toCheckedMatrix, unpackHits, type PackedHits, type VectorHits, type VectorIndexMetadata, type VectorRows } from "./vector-search";

export interface HnswPoolOptions {
  /** Search threads; default: every core (the main thread only waits while they search). */
  readonly threads?: number;
  /** Candidate list while searching; default 64 (as `HnswIndex`). */
  readonly efSearch?: number;
}

/** What a search thread is started with. */
export interface HnswWorkerSetup {
  readonly dir: string;
  readonly expected: Partial<VectorIndexMetadata>;
  readonly efSearch: number;
}

export type HnswPoolRequest =
  | { readonly type: "search"; readonly id: number; readonly queries: Float32Array; readonly k: number }
  | { readonly type: "ef"; readonly efSearch: number };

/** Hits of a shard of queries. */
export interface HnswPoolHits extends PackedHits {
  readonly type: "hits";
  readonly id: number;
}

/** The fewest queries worth sending to a thread of their own: a message costs about what a few searches do. */
const MIN_ROWS = 16;

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`HnswSearchPool: ${name} must be a positive integer, got ${value}.`);
  return value;
}

export class HnswSearchPool {
  readonly threads: number;
  readonly metadata: VectorIndexMetadata;
  /** Vectors in the index. */
  readonly size: number;
  private readonly workers: RequestThreads<HnswPoolHits>;
  private efSearchValue: number;

  private constructor(dir: string, expected: Partial<VectorIndexMetadata>, threads: number, efSearch: number, private readonly temporary: string | null) {
    const sidecar = readHnswSidecar(dir);
    this.metadata = { dimension: sidecar.dimension, modelId: sidecar.modelId, metric: sidecar.metric };
    this.size = sidecar.count;
    this.threads = threads;
    this.efSearchValue = efSearch;
    const setup: HnswWorkerSetup = { dir, expected, efSearch };
    this.workers = new RequestThreads<HnswPoolHits>("HnswSearchPool", "embed/hnsw-worker", new Array(threads).fill(setup));
  }

  /** A pool over the index saved in `dir` (see `HnswIndex.save`), checked as `HnswIndex.load` checks it. */
  static async open(dir: string, expected: Partial<VectorIndexMetadata> = {}, options: HnswPoolOptions = {}): Promise<HnswSearchPool> {
    return HnswSearchPool.start(dir, expected, options, null);
  }

  /** A pool over an index in memory: saved to a temporary folder, removed again by `close()`. */
  static async fromIndex(index: HnswIndex, options: HnswPoolOptions = {}): Promise<HnswSearchPool> {
    const dir = mkdtempSync(path.join(tmpdir(), "shoplm-hnsw-pool-"));
    try {
      index.save(dir);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return HnswSearchPool.start(dir, index.metadata, { efSearch: index.efSearch, ...options }, dir);
  }

  private static async start(dir: string, expected: Partial<VectorIndexMetadata>, options: HnswPoolOptions, temporary: string | null): Promise<HnswSearchPool> {
    let pool: HnswSearchPool;
    try {
      const threads = positiveInt("threads", options.threads ?? availableParallelism());
      const efSearch = positiveInt("efSearch", options.efSearch ?? 64);
      pool = new HnswSearchPool(dir, expected, threads, efSearch, temporary);
    } catch (error) {
      if (temporary) rmSync(temporary, { recursive: true, force: true });
      throw error;
    }
    try {
      await pool.workers.ready();
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get efSearch(): number {
    return this.efSearchValue;
  }

  /** Changes every thread's candidate list; searches asked after this use it. */
  set efSearch(value: number) {
    this.efSearchValue = positiveInt("efSearch", value);
    this.workers.broadcast({ type: "ef", efSearch: value } satisfies HnswPoolRequest);
  }

  async search(query: ArrayLike<number>, k: number): Promise<VectorHits> {
    return (await this.searchBatch(oneQuery("HnswSearchPool.search", query), k))[0];
  }

  /** The k best hits of every query, in query order: the same as `HnswIndex.searchBatch`. */
  async searchBatch(queries: VectorRows, k: number): Promise<VectorHits[]> {
    checkK("HnswSearchPool.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("HnswSearchPool.search", queries, dimension, metric, "query");
    const rows = q.length / dimension;
    const shards = Math.min(this.threads, Math.ceil(rows / MIN_ROWS));
    const replies = await this.workers.request((id) =>
      Array.from({ length: shards }, (_, s) => {
        const part = q.slice(Math.floor((s * rows) / shards) * dimension, Math.floor(((s + 1) * rows) / shards) * dimension);
        return { thread: s, message: { type: "search", id, queries: part, k } satisfies HnswPoolRequest, transfer: [part.buffer] };
      })
    );
    return replies.flatMap(unpackHits);
  }

  /** Stops every thread (pending searches fail) and removes the temporary copy of an in-memory index. */
  async close(): Promise<void> {
    await this.workers.close();
    if (this.temporary) rmSync(this.temporary, { recursive: true, force: true });
  }
}
