/**
 * HNSW search on every core: `HnswSearchPool` runs N threads, each with its own copy of one saved
 * index (hnswlib's search is synchronous native code, so one thread searches one query at a time).
 * A batch of queries is cut into N contiguous shards, one per thread; the hits come back packed
 * and in query order. Every copy is read from the same file, so the pool returns exactly what
 * `HnswIndex.searchBatch` returns on that index. Memory: N copies of the index.
 *
 * A thread that fails (a bad index file, a crash) fails every pending search with its message, and
 * the pool closes; `close()` stops the threads and removes a temporary copy of the index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import type { Worker } from "node:worker_threads";
import { startLibraryWorker } from "../core/threads";
import { HnswIndex, readHnswSidecar } from "./hnsw-index";
import { checkK, oneQuery, toCheckedMatrix, type VectorHits, type VectorIndexMetadata, type VectorRows } from "./vector-search";

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

export type HnswPoolReply =
  | { readonly type: "ready" }
  | { readonly type: "hits"; readonly id: number; readonly k: number; readonly ids: Float64Array; readonly scores: Float64Array; readonly counts: Uint32Array }
  | { readonly type: "error"; readonly id: number; readonly message: string };

/** The fewest queries worth sending to a thread of their own. */
const MIN_ROWS = 16;

interface Pending {
  readonly parts: Array<VectorHits[] | undefined>;
  remaining: number;
  readonly resolve: (hits: VectorHits[]) => void;
  readonly reject: (error: Error) => void;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`HnswSearchPool: ${name} must be a positive integer, got ${value}.`);
  return value;
}

export class HnswSearchPool {
  readonly threads: number;
  readonly metadata: VectorIndexMetadata;
  /** Vectors in the index. */
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private efSearchValue: number;
  private failure: Error | null = null;
  private closing = false;
  private ready: Promise<void> = Promise.resolve();
  private readyWaiters: { count: number; resolve: () => void; reject: (e: Error) => void } | null = null;

  private constructor(
    dir: string,
    expected: Partial<VectorIndexMetadata>,
    threads: number,
    efSearch: number,
    private readonly temporary: string | null
  ) {
    const sidecar = readHnswSidecar(dir);
    this.metadata = { dimension: sidecar.dimension, modelId: sidecar.modelId, metric: sidecar.metric };
    this.size = sidecar.count;
    this.threads = threads;
    this.efSearchValue = efSearch;
    const setup: HnswWorkerSetup = { dir, expected, efSearch };
    for (let i = 0; i < threads; i++) {
      const worker = startLibraryWorker("embed/hnsw-worker", setup);
      worker.on("message", (m: HnswPoolReply) => this.onReply(i, m));
      worker.on("error", (e: Error) => this.fail(new Error(`HnswSearchPool: thread ${i + 1} of ${threads} failed: ${e.message}`)));
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(new Error(`HnswSearchPool: thread ${i + 1} of ${threads} exited (code ${code}).`));
      });
      worker.unref();
      this.workers.push(worker);
    }
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
    pool.ready = pool.expectReady();
    try {
      await pool.ready;
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private expectReady(): Promise<void> {
    for (const w of this.workers) w.ref();
    const ready = new Promise<void>((resolve, reject) => {
      this.readyWaiters = { count: 0, resolve, reject };
    });
    return ready.finally(() => {
      for (const w of this.workers) w.unref();
    });
  }

  get efSearch(): number {
    return this.efSearchValue;
  }

  /** Changes every thread's candidate list; searches asked after this use it. */
  set efSearch(value: number) {
    this.efSearchValue = positiveInt("efSearch", value);
    for (const w of this.workers) w.postMessage({ type: "ef", efSearch: value } satisfies HnswPoolRequest);
  }

  async search(query: ArrayLike<number>, k: number): Promise<VectorHits> {
    return (await this.searchBatch(oneQuery("HnswSearchPool.search", query), k))[0];
  }

  /** The k best hits of every query, in query order: the same as `HnswIndex.searchBatch`. */
  async searchBatch(queries: VectorRows, k: number): Promise<VectorHits[]> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error("HnswSearchPool.search: the pool is closed.");
    checkK("HnswSearchPool.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("HnswSearchPool.search", queries, dimension, metric, "query");
    const rows = q.length / dimension;
    if (rows === 0) return [];
    await this.ready;
    // A thread gets at least MIN_ROWS queries: a message costs about what a few searches do.
    const shards = Math.min(this.threads, Math.ceil(rows / MIN_ROWS));
    const id = this.nextId++;
    const result = new Promise<VectorHits[]>((resolve, reject) => {
      this.pending.set(id, { parts: new Array(this.threads).fill(undefined), remaining: shards, resolve, reject });
    });
    for (const w of this.workers) w.ref();
    for (let s = 0; s < shards; s++) {
      const [from, to] = [Math.floor((s * rows) / shards), Math.floor(((s + 1) * rows) / shards)];
      const part = q.slice(from * dimension, to * dimension);
      this.workers[s].postMessage({ type: "search", id, queries: part, k } satisfies HnswPoolRequest, [part.buffer]);
    }
    return result;
  }

  private onReply(thread: number, m: HnswPoolReply): void {
    if (m.type === "ready") {
      const waiter = this.readyWaiters;
      if (waiter && ++waiter.count === this.threads) {
        this.readyWaiters = null;
        waiter.resolve();
      }
      return;
    }
    if (m.type === "error") {
      const message = `HnswSearchPool: thread ${thread + 1} of ${this.threads}: ${m.message}`;
      const request = this.pending.get(m.id);
      // A bad query fails that search only; anything else (loading the index) fails the pool.
      if (request) {
        this.pending.delete(m.id);
        this.releaseIfIdle();
        request.reject(new Error(message));
      } else this.fail(new Error(message));
      return;
    }
    const request = this.pending.get(m.id);
    if (!request) return;
    const hits: VectorHits[] = [];
    for (let r = 0; r < m.counts.length; r++) {
      const start = r * m.k;
      hits.push({ ids: Array.from(m.ids.subarray(start, start + m.counts[r])), scores: Array.from(m.scores.subarray(start, start + m.counts[r])) });
    }
    request.parts[thread] = hits;
    if (--request.remaining > 0) return;
    this.pending.delete(m.id);
    this.releaseIfIdle();
    request.resolve(request.parts.flatMap((p) => p ?? []));
  }

  /** Threads keep the process alive only while a search waits on them. */
  private releaseIfIdle(): void {
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  private fail(error: Error): void {
    if (this.failure || this.closing) return;
    this.failure = error;
    this.readyWaiters?.reject(error);
    this.readyWaiters = null;
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    void this.close();
  }

  /** Stops every thread (pending searches fail) and removes the temporary copy of an in-memory index. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stopped = new Error("HnswSearchPool: the pool was closed.");
    this.readyWaiters?.reject(this.failure ?? stopped);
    this.readyWaiters = null;
    for (const request of this.pending.values()) request.reject(this.failure ?? stopped);
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
    if (this.temporary) rmSync(this.temporary, { recursive: true, force: true });
  }
}
