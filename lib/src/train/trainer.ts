/**
 * One training loop for every model in the course: a task (weights and a loss of a batch), a batch
 * source that draws each step's global batch from the run's seeded Rng, AdamW at a scheduled
 * learning rate, clipping by global norm, callbacks, evaluation and checkpoint hooks.
 *
 * A step keeps the loss and the squared gradient norm on the device and reads them with one
 * asynchronous read (`await trainer.step()`), which is all a GPU backend without synchronous reads
 * needs. The clip scale is then computed on the host: the fused AdamW kernel takes it as a float64
 * number, and the divergence check must come before the update.
 *
 * With `workers` > 1 the gradients come from worker threads (data parallel, see `worker-pool.ts`):
 * the main thread still draws the whole batch, its masks and the dropout stream, splits the rows,
 * and applies the same update as every worker, so its model stays current for evaluation,
 * callbacks and checkpoints.
 */
import * as tf from "@tensorflow/tfjs";
import { availableParallelism } from "node:os";
import { Rng } from "../core/random";
import type { SamplerState, TrainingState } from "../model/checkpoint";
import type { Parameters, WeightValue } from "../model/parameters";
import { AdamW, type AdamWOptions } from "./adamw";
import { clipScale, readSumOfSquares, sumOfSquares } from "./clip";
import { learningRateAt, validateSchedule, type ScheduleOptions } from "./schedule";
import type { RowExchange } from "./row-exchange";
import { WorkerPool, type Shard, type WorkerTaskSpec } from "./worker-pool";

/** What is trained: its weights and the mean loss of a batch. */
export interface TrainingTask<B> {
  /** The weights AdamW updates (one set, or several whose names do not clash). */
  readonly params: Parameters | readonly Parameters[];
  /**
   * Mean loss over the batch, a scalar; dropout masks come from `rng`. On a worker of a task whose
   * rows are coupled (`TrainerOptions.exchange`), `exchange` is given: the loss is then the whole
   * batch's, with a value of 1/count of it (the workers' values add up to the batch's loss).
   */
  loss(batch: B, rng: Rng, exchange?: RowExchange): tf.Scalar;
}

/** One step's global batch. */
export interface DrawnBatch<B> {
  readonly batch: B;
  /** Rows (examples): the unit a batch is split into across workers. */
  readonly rows: number;
  /** What the loss averages over (masked tokens, examples); 0 skips the update. */
  readonly count: number;
  /** Real tokens, for throughput. */
  readonly tokens: number;
}

/** Where a batch source stands (the index sampler's state, stored in checkpoints). */
export type BatchSourceState = SamplerState;

export interface BatchSource<B> {
  /** The global batch of update `step`, every random choice drawn from `rng`. */
  next(rng: Rng, step: number): DrawnBatch<B>;
  /** Rows [start, end) of a batch and the count its loss averages over (needed for workers). */
  slice?(batch: B, start: number, end: number): { readonly batch: B; readonly count: number };
  /** A loss that couples the batch's rows: the exchange's size (see `TrainerOptions.exchange`, which overrides it). */
  readonly exchange?: number;
  state(): BatchSourceState;
  restore(state: BatchSourceState): void;
}

export interface TrainStepInfo {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  readonly clipped: boolean;
  readonly tokens: number;
  /** What the loss averaged over (see `DrawnBatch.count`). */
  readonly count: number;
  readonly tokensPerSecond: number;
  readonly stepMs: number;
}

export interface TrainerOptions {
  readonly steps: number;
  readonly schedule: ScheduleOptions;
  readonly optimizer?: AdamWOptions;
  /** Global-norm gradient clipping (default 1; null for none). */
  readonly clipNorm?: number | null;
  /** Seed of the run's Rng (batches, masks, dropout). */
  readonly seed?: number;
  /**
   * Gradient workers: 1 (default, unless COURSE_WORKERS is set) computes on the main thread;
   * more start that many worker threads; "auto" takes `defaultWorkerCount()`.
   */
  readonly workers?: number | "auto";
  /** How a worker thread builds its replica of the task (required for more than one worker). */
  readonly workerTask?: WorkerTaskSpec;
  /** Use a worker thread even for one worker (tests that the thread path changes no bit). */
  readonly threads?: boolean;
  /**
   * The loss couples a batch's rows (see `RowExchange`): the workers get an exchange of this many
   * float32s (the largest matrix one `gather` returns), every worker needs at least one row of
   * each batch, and each shard's loss counts whole (its `slice` returns the batch's count).
   */
  readonly exchange?: number;
  /** Named in error messages ("pretrain"). */
  readonly label?: string;
}

export interface TrainerRunOptions<E> {
  readonly onStep?: (info: TrainStepInfo) => void | Promise<void>;
  /** Every this many steps (and after the last), `evaluate` runs and `onEval` gets its result. */
  readonly evalEvery?: number;
  readonly evaluate?: () => E | Promise<E>;
  readonly onEval?: (info: E) => void | Promise<void>;
  /** Every this many steps (and after the last), `onCheckpoint` gets the training state. */
  readonly checkpointEvery?: number;
  readonly onCheckpoint?: (state: TrainingState) => void | Promise<void>;
  /** Stops the run (and its workers) before the next step. */
  readonly signal?: AbortSignal;
  /**
   * Stop the same way on SIGINT (default true): a kernel interrupt in Jupyter (tslab) only stops
   * waiting for the cell, so without this the loop and its workers would go on in the background.
   */
  readonly stopOnInterrupt?: boolean;
}

export interface TrainerRunResult<E> {
  readonly steps: TrainStepInfo[];
  readonly evals: E[];
  readonly seconds: number;
}

/** COURSE_WORKERS when set, else the cores minus one (at least 1). */
export function defaultWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  return workersFromEnv(env) ?? Math.max(1, availableParallelism() - 1);
}

function workersFromEnv(env: NodeJS.ProcessEnv): number | null {
  const raw = env.COURSE_WORKERS;
  if (raw === undefined || raw.trim() === "") return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`COURSE_WORKERS must be a positive integer, got "${raw}".`);
  return n;
}

/** The worker count an option means (see `TrainerOptions.workers`). */
export function resolveWorkers(option: number | "auto" | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option === undefined) return workersFromEnv(env) ?? 1;
  if (option === "auto") return defaultWorkerCount(env);
  if (!Number.isInteger(option) || option < 1) throw new Error(`workers must be a positive integer or "auto", got ${option}.`);
  return option;
}

/** tf variable name -> logical weight name, over every set. */
function weightNames(sets: readonly Parameters[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const set of sets) for (const [name, v] of set.entries()) names.set(v.name, name);
  return names;
}

/** Rows of a batch split into `parts` contiguous, near-equal shares. */
export function splitRows(rows: number, parts: number): Array<{ start: number; end: number }> {
  return Array.from({ length: parts }, (_, i) => ({ start: Math.floor((i * rows) / parts), end: Math.floor(((i + 1) * rows) / parts) }));
}

interface Pending {
  readonly step: number;
  readonly lr: number;
  readonly drawn: { readonly rows: number; readonly count: number; readonly tokens: number };
  readonly start: number;
}

export class Trainer<B> {
  readonly optimizer: AdamW;
  readonly schedule: ScheduleOptions;
  readonly workers: number;
  private readonly sets: readonly Parameters[];
  private readonly names: Map<string, string>;
  private readonly label: string;
  private rng: Rng;
  private steps = 0;
  private pool: WorkerPool<B> | null = null;
  private failure: Error | null = null;
  /** Inside `run`, workers update their replicas alone; the main thread's weights catch up in `sync`. */
  private stale = false;

  constructor(
    readonly task: TrainingTask<B>,
    readonly source: BatchSource<B>,
    readonly options: TrainerOptions
  ) {
    this.label = options.label ?? "train";
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new Error(`${this.label}: steps must be a positive integer, got ${options.steps}.`);
    this.schedule = validateSchedule(options.schedule);
    this.sets = Array.isArray(task.params) ? (task.params as readonly Parameters[]) : [task.params as Parameters];
    this.names = weightNames(this.sets);
    this.optimizer = new AdamW(this.sets, options.optimizer);
    this.rng = new Rng(options.seed ?? 0);
    this.workers = resolveWorkers(options.workers);
    if (this.threaded) {
      if (!options.workerTask) throw new Error(`${this.label}: ${this.workers} workers need a \`workerTask\` (how a worker thread builds its copy of the model).`);
      if (!source.slice) throw new Error(`${this.label}: ${this.workers} workers need a batch source that can \`slice\` a batch by rows.`);
    }
  }

  /** The row exchange's size, for a loss that couples rows (the options', else the source's). */
  private get exchange(): number | undefined {
    return this.options.exchange ?? this.source.exchange;
  }

  private get threaded(): boolean {
    return this.workers > 1 || this.options.threads === true;
  }

  /** Updates done so far. */
  get step(): number {
    return this.steps;
  }

  /** Live worker threads (0 before the first step, after `close()` and after a failure). */
  get liveWorkers(): number {
    return this.pool?.alive ?? 0;
  }

  private begin(): Pending {
    if (this.failure) throw this.failure;
    const start = performance.now();
    const step = this.steps + 1;
    const drawn = this.source.next(this.rng, step);
    return { step, lr: learningRateAt(step, this.schedule), drawn, start };
  }

  /** Gradients on the main thread: [loss, squared norm] left on the device, and the gradients by name. */
  private localGradients(batch: B): { readout: tf.Tensor1D; grads: Map<string, tf.Tensor> } {
    const { value, grads } = tf.variableGrads(() => this.task.loss(batch, this.rng), this.sets.flatMap((s) => s.variables()));
    const named = new Map(Object.entries(grads).map(([tfName, g]) => [this.names.get(tfName) as string, g]));
    const sq = sumOfSquares([...named.values()]);
    const readout = tf.stack([value, sq]) as tf.Tensor1D;
    tf.dispose([value, sq]);
    return { readout, grads: named };
  }

  /** The norm and clip scale, or an error when the step diverged (the gradients are then disposed). */
  private clip(p: Pending, loss: number, sumSquares: number, grads: ReadonlyMap<string, tf.Tensor>): { gradNorm: number; scale: number } {
    const gradNorm = Math.sqrt(sumSquares);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      tf.dispose([...grads.values()]);
      throw new Error(`${this.label}: at step ${p.step} the loss is ${loss} and the gradient norm ${gradNorm}: training diverged (learning rate ${p.lr}; try a lower one, or clipping).`);
    }
    return { gradNorm, scale: clipScale(gradNorm, this.options.clipNorm === undefined ? 1 : this.options.clipNorm) };
  }

  private update(p: Pending, grads: ReadonlyMap<string, tf.Tensor>, scale: number): void {
    this.optimizer.apply(grads, p.lr, scale);
    tf.dispose([...grads.values()]);
  }

  private finish(p: Pending, loss: number, sumSquares: number, grads: ReadonlyMap<string, tf.Tensor>): { gradNorm: number; scale: number } {
    const clipped = this.clip(p, loss, sumSquares, grads);
    this.update(p, grads, clipped.scale);
    return clipped;
  }

  private report(p: Pending, loss: number, gradNorm: number, scale: number): TrainStepInfo {
    this.steps = p.step;
    const stepMs = performance.now() - p.start;
    return {
      step: p.step,
      totalSteps: this.options.steps,
      loss,
      learningRate: p.lr,
      gradNorm,
      clipped: scale < 1,
      tokens: p.drawn.tokens,
      count: p.drawn.count,
      tokensPerSecond: p.drawn.tokens / (stepMs / 1000),
      stepMs,
    };
  }

  /**
   * One training step, reading the device once, asynchronously. With workers, the main thread's
   * weights are updated too, so that the model can be used between steps (`run` defers that).
   */
  async trainStep(): Promise<TrainStepInfo> {
    await this.sync();
    return this.stepOnce(false);
  }

  private async stepOnce(deferred: boolean): Promise<TrainStepInfo> {
    try {
      const p = this.begin();
      const batch = (p.drawn as DrawnBatch<B>).batch;
      if (p.drawn.count === 0) return this.report(p, NaN, 0, 1);
      if (this.threaded) return await (deferred ? this.deferredPoolStep(p, batch) : this.poolStep(p, batch));
      const { readout, grads } = this.localGradients(batch);
      let values: Float32Array;
      try {
        values = (await readout.data()) as Float32Array;
      } finally {
        readout.dispose();
      }
      const { gradNorm, scale } = this.finish(p, values[0], values[1], grads);
      return this.report(p, values[0], gradNorm, scale);
    } catch (error) {
      if (this.pool) await this.fail(error as Error);
      throw error;
    }
  }

  /**
   * The same step with synchronous reads, for code written before `trainStep` was asynchronous
   * (wasm, cpu and native backends only; one thread only).
   */
  trainStepSync(): TrainStepInfo {
    if (this.threaded) throw new Error(`${this.label}: a synchronous step runs on the main thread only; use \`await trainStep()\` with workers.`);
    const p = this.begin();
    if (p.drawn.count === 0) return this.report(p, NaN, 0, 1);
    const { readout, grads } = this.localGradients((p.drawn as DrawnBatch<B>).batch);
    const values = readout.dataSync();
    readout.dispose();
    const { gradNorm, scale } = this.finish(p, values[0], values[1], grads);
    return this.report(p, values[0], gradNorm, scale);
  }

  private async startPool(): Promise<WorkerPool<B>> {
    if (!this.pool) {
      // Replicas start from the current weights and moments (read asynchronously, once).
      const weights = new Map<string, WeightValue>();
      for (const set of this.sets) for (const [name, v] of set.entries()) weights.set(name, { shape: v.shape.slice(), values: (await v.data()) as Float32Array });
      this.pool = new WorkerPool<B>({
        workers: this.workers,
        task: this.options.workerTask as WorkerTaskSpec,
        sets: this.sets,
        weights,
        optimizer: this.options.optimizer ?? {},
        optimizerState: await this.optimizer.stateAsync(),
        backend: tf.getBackend(),
        label: this.label,
        exchange: this.exchange,
      });
    }
    return this.pool;
  }

  private shards(p: Pending, batch: B): Array<Shard<B> | null> {
    const slice = this.source.slice as NonNullable<BatchSource<B>["slice"]>;
    const coupled = this.exchange !== undefined;
    if (coupled && p.drawn.rows < this.workers) {
      throw new Error(`${this.label}: a batch of ${p.drawn.rows} row${p.drawn.rows === 1 ? "" : "s"} cannot be shared by ${this.workers} workers that exchange rows (each needs at least one); use a larger batch or fewer workers.`);
    }
    return splitRows(p.drawn.rows, this.workers).map(({ start, end }) => {
      if (end === start) return null;
      const part = slice.call(this.source, batch, start, end);
      // Rows the loss does not average over (no masked token) add nothing: that worker sits out
      // (not when rows are exchanged: the others wait for every worker's rows).
      if (part.count === 0 && !coupled) return null;
      return { batch: part.batch, start, rows: end - start, weight: part.count / p.drawn.count };
    });
  }

  /** Workers compute and apply the update; the main thread applies it as well. */
  private async poolStep(p: Pending, batch: B): Promise<TrainStepInfo> {
    const pool = await this.startPool();
    const { loss, rng, grads } = await pool.gradients(p.step, this.shards(p, batch), this.rng.state());
    this.rng = Rng.fromState(rng);
    const { gradNorm, scale } = this.clip(p, loss, await readSumOfSquares([...grads.values()]), grads);
    // The replicas update while the main thread does the same.
    pool.apply(p.step, p.lr, scale, [...grads.keys()]);
    this.update(p, grads, scale);
    return this.report(p, loss, gradNorm, scale);
  }

  /**
   * Workers do the whole step, clipping and update included; the main thread touches no tensor
   * (its weights and moments catch up in `sync`). The same numbers as `poolStep`.
   */
  private async deferredPoolStep(p: Pending, batch: B): Promise<TrainStepInfo> {
    const pool = await this.startPool();
    const clipNorm = this.options.clipNorm === undefined ? 1 : this.options.clipNorm;
    const done = await pool.step(p.step, this.shards(p, batch), this.rng.state(), { lr: p.lr, clipNorm });
    this.rng = Rng.fromState(done.rng);
    if (!done.applied) {
      // No replica moved: the main thread catches up with the last good step, then reports.
      await this.sync();
      this.clip(p, done.loss, done.gradNorm * done.gradNorm, new Map());
    }
    this.stale = true;
    return this.report(p, done.loss, done.gradNorm, done.scale);
  }

  /**
   * Brings the main thread's weights and optimizer moments up to the workers' (after steps of
   * `run`, which leave them behind). `run` calls it before each evaluation and checkpoint and at
   * its end; `trainStep`, `stateAsync` and `close` call it too.
   */
  async sync(): Promise<void> {
    if (!this.stale) return;
    if (!this.pool || this.failure) {
      throw new Error(`${this.label}: the workers stopped before the main thread's weights caught up with step ${this.steps}${this.failure ? ` (${this.failure.message})` : ""}.`);
    }
    const { weights, optimizer } = await this.pool.replicaState();
    for (const set of this.sets) set.load(weights, { allowExtra: true, source: `${this.label}: worker 1's replica` });
    this.optimizer.loadState(optimizer);
    this.stale = false;
  }

  private async fail(error: Error): Promise<void> {
    this.failure = error;
    await this.close();
  }

  /** Run the remaining steps (or `steps` more), with callbacks, evaluations and checkpoints. */
  async run<E = never>(steps = this.options.steps - this.steps, hooks: TrainerRunOptions<E> = {}): Promise<TrainerRunResult<E>> {
    const start = performance.now();
    const infos: TrainStepInfo[] = [];
    const evals: E[] = [];
    const last = this.steps + steps;
    const due = (every: number | undefined) => every !== undefined && (this.steps % every === 0 || this.steps === last);
    let lastYield = performance.now();
    let interrupted = false;
    const onInterrupt = () => void (interrupted = true);
    if (hooks.stopOnInterrupt !== false) process.on("SIGINT", onInterrupt);
    try {
      for (let i = 0; i < steps; i++) {
        if (hooks.signal?.aborted || interrupted) {
          await this.close();
          throw new Error(`${this.label}: interrupted before step ${this.steps + 1} of ${last}.`);
        }
        const info = await this.stepOnce(true);
        infos.push(info);
        if (hooks.onStep) await hooks.onStep(info);
        if (hooks.evaluate && due(hooks.evalEvery)) {
          await this.sync();
          const e = await hooks.evaluate();
          evals.push(e);
          if (hooks.onEval) await hooks.onEval(e);
        }
        if (hooks.onCheckpoint && due(hooks.checkpointEvery)) await hooks.onCheckpoint(await this.stateAsync());
        // Let a notebook send the displays' updates (the loop itself never waits on I/O).
        if (performance.now() - lastYield > 100) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      await this.sync();
    } finally {
      process.off("SIGINT", onInterrupt);
    }
    return { steps: infos, evals, seconds: (performance.now() - start) / 1000 };
  }

  /** A copy of where the run stands. */
  state(): TrainingState {
    if (this.stale) throw new Error(`${this.label}: the main thread's moments are behind the workers' inside \`run\`; use \`await stateAsync()\`.`);
    return { step: this.steps, rng: this.rng.state(), sampler: this.source.state(), optimizer: this.optimizer.state() };
  }

  /** `state()` with asynchronous reads (every backend). */
  async stateAsync(): Promise<TrainingState> {
    await this.sync();
    return { step: this.steps, rng: this.rng.state(), sampler: this.source.state(), optimizer: await this.optimizer.stateAsync() };
  }

  /** Continue from a saved state (the same weights loaded separately); running workers are stopped and restart from it. */
  restore(state: TrainingState): void {
    // The caller loads the weights that go with `state`: what the workers held is dropped.
    this.stale = false;
    if (this.pool) void this.close();
    this.optimizer.loadState(state.optimizer);
    this.source.restore(state.sampler);
    this.rng = Rng.fromState(state.rng);
    this.steps = state.step;
    this.failure = null;
  }

  /** Every worker replica's weights (tests: the replicas stay identical to the main model). */
  async workerWeights(): Promise<Array<Map<string, Float32Array>>> {
    return this.pool ? this.pool.weights() : [];
  }

  /** Stop the worker threads (a later step starts fresh ones from the current weights). */
  async close(): Promise<void> {
    if (this.stale && this.pool && !this.failure) await this.sync();
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.close();
  }

  /** Stop the workers (without waiting; `await close()` to wait) and free the optimizer's moments. */
  dispose(): void {
    // Nothing left to catch up with: the model is being let go too.
    this.stale = false;
    void this.close();
    this.optimizer.dispose();
  }
}
