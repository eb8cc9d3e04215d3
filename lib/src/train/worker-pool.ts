/**
 * Data-parallel gradients on worker threads. Each worker has its own tfjs backend and a replica of
 * the model. A step: every worker computes the gradient of its rows of the global batch (its loss
 * weighted by its share of what the loss averages over) into its own slot of a SharedArrayBuffer;
 * then each sums one segment of all the slots, in worker order, into a shared sum (the same bits
 * whoever sums); then every worker clips and applies the same AdamW update from that sum, so the
 * replicas stay identical (`step`; with `gradients` + `apply` the main thread updates its own copy
 * too, and `replicaState` brings it a replica's weights and moments when it has not). The clip
 * norm's per-weight sums and the AdamW update are shared out too: the weights and moments live
 * once in shared memory (`shared-adamw.ts`), each worker updates its segment, and every replica
 * copies the result. Between
 * those phases the workers wait for each other at a barrier in shared memory, so a whole step is
 * one message to each worker and one reply: the main thread's event loop is not in the path. The
 * main thread only coordinates with small messages; gradient values never travel through them. A
 * worker that throws or exits fails the step with its index, step and error, and every worker is
 * terminated (those waiting at the barrier are released first).
 */
import * as tf from "@tensorflow/tfjs";
import type { Worker } from "node:worker_threads";
import { startLibraryWorker } from "../core/threads";
import type { RngState } from "../core/random";
import type { Parameters, WeightValue } from "../model/parameters";
import { adamwHyper, decaysByDefault, type AdamWHyper, type AdamWOptions, type AdamWState } from "./adamw";
import { sharedOptimizerBuffers, type SharedOptimizerBuffers } from "./shared-adamw";

/** How a worker thread builds its replica: `require(module)[exportName](config)` returns a `TrainingTask`. */
export interface WorkerTaskSpec {
  /** Absolute path of the module (.js; .ts when the library runs from its TypeScript sources). */
  readonly module: string;
  readonly exportName: string;
  /** Passed to the factory (must survive structured cloning: plain data, typed arrays, Maps). */
  readonly config: unknown;
}

/** One worker's rows of the global batch. */
export interface Shard<B> {
  readonly batch: B;
  /** First row in the global batch, and how many (the dropout masks are those rows' masks). */
  readonly start: number;
  readonly rows: number;
  /** Share of the global loss's count in these rows: the worker's loss is multiplied by it. */
  readonly weight: number;
}

/** Where a weight's gradient sits in a flat slot. */
export interface WeightSlot {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly size: number;
}

/** What a worker is started with (`workerData`). */
export interface WorkerSetup {
  readonly index: number;
  readonly count: number;
  readonly task: WorkerTaskSpec;
  readonly layout: WeightSlot[];
  readonly total: number;
  /** count slots of `total` float32 gradients, then the sum. */
  readonly grads: SharedArrayBuffer;
  readonly sum: SharedArrayBuffer;
  /** An Int32 used as a memory fence around the buffers. */
  readonly fence: SharedArrayBuffer;
  /** The barrier's Int32s: arrived, generation, aborted (see `arriveAtBarrier`). */
  readonly barrier: SharedArrayBuffer;
  /** Each worker's loss this step (Float64, worker order). */
  readonly losses: SharedArrayBuffer;
  /** Per worker, one byte per weight of the layout: 1 where its rows gave the weight a gradient. */
  readonly flags: SharedArrayBuffer;
  /** Per weight of the layout, the float32 sum of squares of its summed gradient (the clip norm's parts). */
  readonly squares: SharedArrayBuffer;
  /** The weights and AdamW moments, once for all workers (they start from the main thread's). */
  readonly shared: SharedOptimizerBuffers;
  readonly optimizerStep: number;
  /** The rows workers exchange mid-step (`RowExchange`), float32; null when the task's rows are independent. */
  readonly exchange: SharedArrayBuffer | null;
  readonly optimizer: AdamWHyper;
  /** Weights AdamW decays (the options' `decays` function cannot cross threads). */
  readonly decayed: string[];
  /** Each weight's learning-rate factor where the options' `learningRateScale` gives one (layer-wise decay); null: all 1. */
  readonly scales: [string, number][] | null;
  readonly backend: string;
}

export type ToWorker<B> =
  | { readonly type: "grads"; readonly step: number; readonly shard: Shard<B> | null; readonly rng: RngState }
  | { readonly type: "apply"; readonly step: number; readonly lr: number; readonly scale: number; readonly names: string[] }
  | {
      readonly type: "step";
      readonly step: number;
      readonly shard: Shard<B> | null;
      readonly rng: RngState;
      readonly lr: number;
      readonly clipNorm: number | null;
    }
  | { readonly type: "weights" }
  | { readonly type: "state"; readonly full: boolean };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "grads"; readonly step: number; readonly loss: number; readonly rng: RngState | null; readonly names: string[] }
  | {
      readonly type: "stepped";
      readonly step: number;
      readonly loss: number;
      readonly rng: RngState | null;
      readonly gradNorm: number;
      readonly scale: number;
      readonly applied: boolean;
    }
  | { readonly type: "weights"; readonly weights: Map<string, Float32Array> }
  | { readonly type: "state"; readonly weights: Map<string, Float32Array> | null; readonly optimizer: AdamWState | null }
  | { readonly type: "error"; readonly step: number; readonly message: string; readonly stack?: string };

export interface WorkerPoolOptions {
  readonly workers: number;
  readonly task: WorkerTaskSpec;
  readonly sets: readonly Parameters[];
  /** Every weight's current value, by name (what the replicas start from). */
  readonly weights: Map<string, WeightValue>;
  readonly optimizer: AdamWOptions;
  readonly optimizerState: AdamWState;
  readonly backend: string;
  readonly label: string;
  /** Float32s of the row exchange (`TrainerOptions.exchange`); none when absent. */
  readonly exchange?: number;
}

/**
 * The summed gradients of the named weights as new tensors, copied out of the shared sum (it is
 * rewritten next step); a name outside the layout is an error.
 */
export function gradientTensors(sum: Float32Array, byName: ReadonlyMap<string, WeightSlot>, names: readonly string[]): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  for (const name of names) {
    const s = byName.get(name);
    if (!s) {
      tf.dispose([...grads.values()]);
      throw new Error(`no weight named "${name}" in this replica.`);
    }
    grads.set(name, tf.tensor(sum.slice(s.offset, s.offset + s.size), s.shape, "float32"));
  }
  return grads;
}

/** Thrown in a worker waiting at the barrier when another has failed (it reports nothing: the pool has that one's error). */
export class BarrierAborted extends Error {
  constructor() {
    super("another worker failed; this one stopped waiting for it.");
  }
}

/** Index of the barrier's Int32s. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
export const BARRIER_INTS = 3;

/**
 * Wait until all `count` workers have arrived (a reusable barrier: the last to arrive starts the
 * next generation and wakes the others). Waits in short slices so that an abort is seen.
 */
export function arriveAtBarrier(barrier: Int32Array, count: number): void {
  const generation = Atomics.load(barrier, GENERATION);
  if (Atomics.add(barrier, ARRIVED, 1) === count - 1) {
    Atomics.store(barrier, ARRIVED, 0);
    Atomics.add(barrier, GENERATION, 1);
    Atomics.notify(barrier, GENERATION);
    return;
  }
  while (Atomics.load(barrier, GENERATION) === generation) {
    if (Atomics.load(barrier, ABORTED) !== 0) throw new BarrierAborted();
    Atomics.wait(barrier, GENERATION, generation, 50);
  }
}

/** Release every worker waiting at the barrier, for good. */
export function abortBarrier(barrier: Int32Array): void {
  Atomics.store(barrier, ABORTED, 1);
  Atomics.notify(barrier, GENERATION);
}

/** The segment of [0, total) that worker `index` of `count` sums. */
export function segmentOf(index: number, count: number, total: number): [number, number] {
  return [Math.floor((index * total) / count), Math.floor(((index + 1) * total) / count)];
}

interface Waiting {
  readonly type: FromWorker["type"];
  readonly replies: Array<FromWorker | undefined>;
  readonly resolve: (replies: FromWorker[]) => void;
  readonly reject: (error: Error) => void;
}

export class WorkerPool<B> {
  readonly count: number;
  private readonly threads: Worker[] = [];
  private readonly layout: WeightSlot[];
  private readonly byName: Map<string, WeightSlot>;
  private readonly sum: Float32Array;
  private readonly fence: Int32Array;
  private readonly barrier: Int32Array;
  private readonly exited = new Set<number>();
  private readonly ready: Promise<FromWorker[]>;
  private waiting: Waiting | null = null;
  private failure: Error | null = null;
  private closing = false;
  private currentStep = 0;

  constructor(private readonly options: WorkerPoolOptions) {
    this.count = options.workers;
    let offset = 0;
    this.layout = options.sets.flatMap((set) =>
      set.entries().map(([name, v]) => {
        const slot = { name, shape: v.shape.slice(), offset, size: v.size };
        offset += v.size;
        return slot;
      })
    );
    this.byName = new Map(this.layout.map((s) => [s.name, s]));
    const total = offset;
    const grads = new SharedArrayBuffer(4 * total * this.count);
    const sum = new SharedArrayBuffer(4 * total);
    const fence = new SharedArrayBuffer(4);
    const barrier = new SharedArrayBuffer(4 * BARRIER_INTS);
    const losses = new SharedArrayBuffer(8 * this.count);
    const flags = new SharedArrayBuffer(this.layout.length * this.count);
    const squares = new SharedArrayBuffer(4 * this.layout.length);
    const exchange = options.exchange === undefined ? null : new SharedArrayBuffer(4 * options.exchange);
    const shared = sharedOptimizerBuffers(this.layout, total, options.weights, options.optimizerState);
    this.sum = new Float32Array(sum);
    this.fence = new Int32Array(fence);
    this.barrier = new Int32Array(barrier);
    const { decays, learningRateScale } = options.optimizer;
    const optimizer = adamwHyper(options.optimizer);
    // Functions cannot cross to a thread: decays travels as a list of names, a per-weight learning
    // rate scale (layer-wise decay) as a table of the layout's names.
    const decayed = this.layout.map((s) => s.name).filter(decays ?? decaysByDefault);
    const scales = learningRateScale ? this.layout.map((s): [string, number] => [s.name, learningRateScale(s.name)]) : null;
    // Ready once every worker has loaded its backend and replica (awaited by the first request).
    this.ready = this.expect("ready");
    this.ready.catch(() => undefined);
    for (let index = 0; index < this.count; index++) {
      const setup: WorkerSetup = {
        index,
        count: this.count,
        task: options.task,
        layout: this.layout,
        total,
        grads,
        sum,
        fence,
        barrier,
        losses,
        flags,
        squares,
        shared,
        optimizerStep: options.optimizerState.step,
        exchange,
        optimizer,
        decayed,
        scales,
        backend: options.backend,
      };
      const worker = startLibraryWorker("train/worker", setup);
      worker.on("message", (m: FromWorker) => this.onMessage(index, m));
      worker.on("error", (e: Error) => this.onFailure(this.error(index, e.message, e.stack)));
      worker.on("exit", (code) => {
        this.exited.add(index);
        if (!this.closing) this.onFailure(this.error(index, `the thread exited (code ${code})`));
      });
      this.threads.push(worker);
    }
  }

  /** Threads not yet exited. */
  get alive(): number {
    return this.count - this.exited.size;
  }

  private error(index: number, message: string, stack?: string): Error {
    const when = this.currentStep > 0 ? `at step ${this.currentStep}` : "while starting";
    const e = new Error(`${this.options.label}: worker ${index + 1} of ${this.count} failed ${when}: ${message}`);
    if (stack) e.stack = `${e.stack}\nWorker stack: ${stack}`;
    return e;
  }

  private expect(type: FromWorker["type"]): Promise<FromWorker[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error(`${this.options.label}: worker pool is busy (waiting for "${this.waiting.type}").`));
    // Threads keep the process alive only while a request waits on them: a forgotten pool never does.
    for (const t of this.threads) t.ref();
    return new Promise((resolve, reject) => {
      this.waiting = { type, replies: new Array(this.count).fill(undefined), resolve, reject };
    });
  }

  private onMessage(index: number, m: FromWorker): void {
    if (m.type === "error") {
      this.currentStep = m.step || this.currentStep;
      this.onFailure(this.error(index, m.message, m.stack));
      return;
    }
    const w = this.waiting;
    if (!w || w.type !== m.type) {
      this.onFailure(this.error(index, `unexpected message "${m.type}"${w ? ` while waiting for "${w.type}"` : ""}`));
      return;
    }
    w.replies[index] = m;
    if (w.replies.every((r) => r !== undefined)) {
      this.waiting = null;
      for (const t of this.threads) t.unref();
      w.resolve(w.replies as FromWorker[]);
    }
  }

  private onFailure(error: Error): void {
    if (this.failure || this.closing) return;
    this.failure = error;
    abortBarrier(this.barrier);
    const w = this.waiting;
    this.waiting = null;
    w?.reject(error);
    void this.close();
  }

  private post(message: ToWorker<B>): void {
    for (const t of this.threads) t.postMessage(message);
  }

  /**
   * The summed gradients of one step (new tensors by weight name, the caller disposes them), the
   * summed loss, and the Rng state after the replicas' dropout draws.
   */
  async gradients(step: number, shards: ReadonlyArray<Shard<B> | null>, rng: RngState): Promise<{ loss: number; rng: RngState; grads: Map<string, tf.Tensor> }> {
    const { loss, rng: after, names } = await this.summed(step, shards, rng);
    return { loss, rng: after, grads: gradientTensors(this.sum, this.byName, names) };
  }

  /**
   * One whole step on the workers, the main thread computing nothing: gradients, their sum, then
   * every replica clips and applies the update itself (the norm computed by each from the same
   * sum, with the main thread's ops, so the same bits). Returns the loss, the Rng state after the
   * dropout draws, the norm and clip scale; `applied` is false when the loss or norm is not
   * finite (no replica changed).
   */
  async step(
    step: number,
    shards: ReadonlyArray<Shard<B> | null>,
    rng: RngState,
    update: { readonly lr: number; readonly clipNorm: number | null }
  ): Promise<{ loss: number; rng: RngState; gradNorm: number; scale: number; applied: boolean }> {
    await this.ready;
    this.currentStep = step;
    const stepped = this.expect("stepped");
    this.threads.forEach((t, i) =>
      t.postMessage({ type: "step", step, shard: shards[i], rng, lr: update.lr, clipNorm: update.clipNorm } satisfies ToWorker<B>)
    );
    const replies = (await stepped) as Array<Extract<FromWorker, { type: "stepped" }>>;
    const { loss, rng: after } = this.combine(step, shards, replies);
    const first = replies[0];
    return { loss, rng: after, gradNorm: first.gradNorm, scale: first.scale, applied: first.applied };
  }

  /** The summed loss (worker order) and the Rng state of the first worker with rows. */
  private combine(step: number, shards: ReadonlyArray<Shard<B> | null>, replies: ReadonlyArray<{ readonly loss: number; readonly rng: RngState | null }>): { loss: number; rng: RngState; first: number } {
    let loss = 0;
    let first = -1;
    replies.forEach((r, i) => {
      if (!shards[i]) return;
      loss += r.loss;
      if (first < 0) first = i;
    });
    if (first < 0) throw new Error(`${this.options.label}: step ${step} gave no worker any rows.`);
    return { loss, rng: replies[first].rng as RngState, first };
  }

  /** The gradients of one step summed into the shared buffer: the loss, the Rng state after, and the weights that got gradients. */
  private async summed(step: number, shards: ReadonlyArray<Shard<B> | null>, rng: RngState): Promise<{ loss: number; rng: RngState; names: string[] }> {
    await this.ready;
    this.currentStep = step;
    const computed = this.expect("grads");
    this.threads.forEach((t, i) => t.postMessage({ type: "grads", step, shard: shards[i], rng } satisfies ToWorker<B>));
    // Each worker replies once the sum is complete (its segment summed after the barrier).
    const replies = (await computed) as Array<Extract<FromWorker, { type: "grads" }>>;
    Atomics.load(this.fence, 0);
    const { loss, rng: after, first } = this.combine(step, shards, replies);
    return { loss, rng: after, names: replies[first].names };
  }

  /** Every replica applies the update (no reply: the next request queues behind it). */
  apply(step: number, lr: number, scale: number, names: string[]): void {
    if (this.failure) throw this.failure;
    this.post({ type: "apply", step, lr, scale, names });
  }

  /** Each replica's weights, in worker order. */
  async weights(): Promise<Array<Map<string, Float32Array>>> {
    await this.ready;
    const replies = this.expect("weights");
    this.post({ type: "weights" });
    return ((await replies) as Array<Extract<FromWorker, { type: "weights" }>>).map((r) => r.weights);
  }

  /** The first replica's weights and optimizer state (every replica holds the same). */
  async replicaState(): Promise<{ weights: Map<string, WeightValue>; optimizer: AdamWState }> {
    await this.ready;
    const replies = this.expect("state");
    this.threads.forEach((t, i) => t.postMessage({ type: "state", full: i === 0 } satisfies ToWorker<B>));
    const first = (await replies)[0] as Extract<FromWorker, { type: "state" }>;
    if (!first.weights || !first.optimizer) throw new Error(`${this.options.label}: worker 1 sent no state.`);
    const weights = new Map<string, WeightValue>();
    for (const [name, values] of first.weights) weights.set(name, { shape: (this.byName.get(name) as WeightSlot).shape.slice(), values });
    return { weights, optimizer: first.optimizer };
  }

  /** Terminate every thread and wait for them to exit. */
  async close(): Promise<void> {
    this.closing = true;
    abortBarrier(this.barrier);
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failure ?? new Error(`${this.options.label}: the workers were stopped.`));
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
