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
import type { Worker } from "node:worker_threads";
import { startLibraryWorker } from "../core/threads";
import { checkK, oneQuery, sortHits, toCheckedMatrix, type ExactIndex, type VectorHits, type VectorIndexMetadata, type VectorRows } from "./vector-search";

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

export type ExactPoolReply =
  | { readonly type: "ready" }
  | { readonly type: "hits"; readonly id: number; readonly k: number; readonly ids: Float64Array; readonly scores: Float64Array }
  | { readonly type: "error"; readonly id: number; readonly message: string };

interface Pending {
  readonly rows: number;
  readonly parts: Array<Extract<ExactPoolReply, { type: "hits" }> | undefined>;
  remaining: number;
  readonly k: number;
  readonly resolve: (hits: VectorHits[]) => void;
  readonly reject: (error: Error) => void;
}

/** The fewest vectors worth a thread of their own. */
const MIN_SHARE = 1024;

export class ExactSearchPool {
  readonly threads: number;
  readonly metadata: VectorIndexMetadata;
  /** Vectors searched. */
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;
  private ready: Promise<void> = Promise.resolve();
  private readyWaiters: { count: number; resolve: () => void; reject: (e: Error) => void } | null = null;

  private constructor(index: ExactIndex, threads: number) {
    this.metadata = index.metadata;
    this.size = index.size;
    const { vectors, ids } = index.storedRows();
    const d = index.metadata.dimension;
    this.threads = Math.max(1, Math.min(threads, Math.floor(this.size / MIN_SHARE)));
    for (let t = 0; t < this.threads; t++) {
      const [lo, hi] = [Math.floor((t * this.size) / this.threads), Math.floor(((t + 1) * this.size) / this.threads)];
      const setup: ExactWorkerSetup = { dimension: d, modelId: index.metadata.modelId, vectors: vectors.slice(lo * d, hi * d), ids: ids.slice(lo, hi) };
      const worker = startLibraryWorker("embed/exact-worker", setup);
      worker.on("message", (m: ExactPoolReply) => this.onReply(t, m));
      worker.on("error", (e: Error) => this.fail(new Error(`ExactSearchPool: thread ${t + 1} of ${this.threads} failed: ${e.message}`)));
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(new Error(`ExactSearchPool: thread ${t + 1} of ${this.threads} exited (code ${code}).`));
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** A pool over the vectors `index` holds now (later `add`s to the index do not reach it). */
  static async fromIndex(index: ExactIndex, options: ExactPoolOptions = {}): Promise<ExactSearchPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ExactSearchPool: threads must be a positive integer, got ${threads}.`);
    if (index.size === 0) throw new Error("ExactSearchPool: the index is empty; add vectors before searching.");
    const pool = new ExactSearchPool(index, threads);
    for (const w of pool.workers) w.ref();
    pool.ready = new Promise<void>((resolve, reject) => {
      pool.readyWaiters = { count: 0, resolve, reject };
    }).finally(() => {
      for (const w of pool.workers) w.unref();
    });
    try {
      await pool.ready;
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
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error("ExactSearchPool.search: the pool is closed.");
    checkK("ExactSearchPool.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("ExactSearchPool.search", queries, dimension, metric, "query");
    const rows = q.length / dimension;
    if (rows === 0) return [];
    await this.ready;
    const id = this.nextId++;
    const result = new Promise<VectorHits[]>((resolve, reject) => {
      this.pending.set(id, { rows, k, parts: new Array(this.threads).fill(undefined), remaining: this.threads, resolve, reject });
    });
    for (const w of this.workers) {
      w.ref();
      w.postMessage({ id, queries: q, k } satisfies ExactPoolRequest);
    }
    return result;
  }

  private onReply(thread: number, m: ExactPoolReply): void {
    if (m.type === "ready") {
      const waiter = this.readyWaiters;
      if (waiter && ++waiter.count === this.threads) {
        this.readyWaiters = null;
        waiter.resolve();
      }
      return;
    }
    const request = this.pending.get(m.id);
    if (m.type === "error") {
      const error = new Error(`ExactSearchPool: thread ${thread + 1} of ${this.threads}: ${m.message}`);
      if (!request) this.fail(error);
      else {
        this.pending.delete(m.id);
        this.releaseIfIdle();
        request.reject(error);
      }
      return;
    }
    if (!request) return;
    request.parts[thread] = m;
    if (--request.remaining > 0) return;
    this.pending.delete(m.id);
    this.releaseIfIdle();
    const k = Math.min(request.k, this.size);
    const out: VectorHits[] = [];
    for (let r = 0; r < request.rows; r++) {
      const ids: number[] = [];
      const scores: number[] = [];
      for (const part of request.parts as Array<Extract<ExactPoolReply, { type: "hits" }>>) {
        const start = r * part.k;
        for (let i = start; i < start + part.k; i++) {
          ids.push(part.ids[i]);
          scores.push(part.scores[i]);
        }
      }
      const merged = sortHits(ids, scores);
      out.push({ ids: merged.ids.slice(0, k), scores: merged.scores.slice(0, k) });
    }
    request.resolve(out);
  }

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

  /** Stops every thread; pending searches fail. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stopped = this.failure ?? new Error("ExactSearchPool: the pool was closed.");
    this.readyWaiters?.reject(stopped);
    this.readyWaiters = null;
    for (const request of this.pending.values()) request.reject(stopped);
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
