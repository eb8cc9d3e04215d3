/**
 * Starting one of the library's own modules on a worker thread, whether the library runs built
 * (lib/dist, .js) or from its TypeScript sources (vitest, .ts: esbuild compiles each module the
 * worker requires, as it loads).
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";

// The worker's `workerData.__tsEntry` is the module to run; the rest of workerData is the caller's.
const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const Module = require("node:module");
const esbuild = require(workerData.__tsEsbuild);
Module._extensions[".ts"] = function (module, filename) {
  const out = esbuild.transformSync(fs.readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: filename, sourcemap: "inline" });
  module._compile(out.code, filename);
};
require(workerData.__tsEntry);
`;

/**
 * A worker running the library module `relative` (a path under the library's source root, without
 * extension, such as "train/worker"), started with `workerData`.
 */
export function startLibraryWorker(relative: string, workerData: object): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, "..", `${relative}${ext}`);
  if (ext !== ".ts") return new Worker(entry, { workerData });
  return new Worker(TS_BOOTSTRAP, { eval: true, workerData: { ...workerData, __tsEntry: entry, __tsEsbuild: require.resolve("esbuild") } });
}

/** What a request thread may send: "ready" once, then replies and errors carrying a request's id. */
export type ThreadMessage = { readonly type: "ready" } | { readonly type: "error"; readonly id: number; readonly message: string } | { readonly type: string; readonly id: number };

/** One message for one thread (`transfer`: buffers moved, not copied). */
export interface ThreadPost {
  readonly thread: number;
  readonly message: object;
  readonly transfer?: ArrayBuffer[];
}

interface PendingRequest<R> {
  readonly replies: Array<R | undefined>;
  remaining: number;
  readonly resolve: (replies: R[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Worker threads running one library module, one per setup, answering numbered requests: what the
 * search pools stand on. A request goes to some threads and resolves with their replies in thread
 * order; several may be in flight. An error about a request fails that request; any other failure
 * (a thread that cannot start, throws or exits) fails everything pending, and the threads stop.
 * Threads keep the process alive only while a request waits on them.
 */
export class RequestThreads<R extends { readonly id: number }> {
  readonly count: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, PendingRequest<R>>();
  private nextId = 0;
  private started = 0;
  private failure: Error | null = null;
  private closing = false;
  private readonly whenReady: Promise<void>;
  private readyWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly label: string,
    relative: string,
    setups: readonly object[]
  ) {
    this.count = setups.length;
    this.whenReady = new Promise<void>((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
    this.whenReady.catch(() => undefined);
    setups.forEach((setup, t) => {
      const worker = startLibraryWorker(relative, setup);
      worker.on("message", (m: ThreadMessage) => this.onMessage(t, m));
      worker.on("error", (e: Error) => this.fail(new Error(`${label}: thread ${t + 1} of ${this.count} failed: ${e.message}`)));
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(new Error(`${label}: thread ${t + 1} of ${this.count} exited (code ${code}).`));
      });
      this.workers.push(worker);
    });
  }

  /** Settles once every thread has said it is ready (or one failed). */
  async ready(): Promise<void> {
    try {
      await this.whenReady;
    } finally {
      this.releaseIfIdle();
    }
  }

  /** Posts `build(id)`'s messages and resolves with the replies of the threads they went to, in thread order. */
  async request(build: (id: number) => readonly ThreadPost[]): Promise<R[]> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error(`${this.label}: the pool is closed.`);
    await this.whenReady;
    const id = this.nextId++;
    const posts = build(id);
    if (posts.length === 0) return [];
    const result = new Promise<R[]>((resolve, reject) => {
      this.pending.set(id, { replies: new Array(this.count).fill(undefined), remaining: posts.length, resolve, reject });
    });
    for (const w of this.workers) w.ref();
    for (const p of posts) this.workers[p.thread].postMessage(p.message, p.transfer ?? []);
    const replies = await result;
    return replies.filter((r): r is R => r !== undefined);
  }

  /** Posts one message to every thread, expecting no reply (settings). */
  broadcast(message: object): void {
    for (const w of this.workers) w.postMessage(message);
  }

  private onMessage(thread: number, message: ThreadMessage): void {
    if (message.type === "ready") {
      if (++this.started === this.count) this.readyWaiter?.resolve();
      return;
    }
    const m = message as { readonly type: string; readonly id: number; readonly message?: string };
    const request = this.pending.get(m.id);
    if (m.type === "error") {
      const error = new Error(`${this.label}: thread ${thread + 1} of ${this.count}: ${m.message}`);
      if (!request) {
        this.fail(error);
        return;
      }
      this.pending.delete(m.id);
      this.releaseIfIdle();
      request.reject(error);
      return;
    }
    if (!request) return;
    request.replies[thread] = m as unknown as R;
    if (--request.remaining > 0) return;
    this.pending.delete(m.id);
    this.releaseIfIdle();
    request.resolve(request.replies as R[]);
  }

  private releaseIfIdle(): void {
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  private fail(error: Error): void {
    if (this.failure || this.closing) return;
    this.failure = error;
    void this.close();
  }

  /** Stops every thread; whatever is pending fails. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stopped = this.failure ?? new Error(`${this.label}: the pool was closed.`);
    this.readyWaiter?.reject(stopped);
    this.readyWaiter = null;
    for (const request of this.pending.values()) request.reject(stopped);
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
