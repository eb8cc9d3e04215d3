/**
 * A two-tower recommender whose item tower reads product text, so that items nobody has bought yet
 * (cold start) still get a vector and a score.
 *
 *   item tower:  v_i = normalize(t_i W + b + e_i)   t_i: the item's text embedding (chapter 3),
 *                                                    e_i: an optional per-item id embedding
 *   user tower:  u   = normalize(mean(v_h over the history's newest items) U + c)
 *   score(u, i)  = u . v_i
 *
 * Trained like chapter 3's bi-encoder, with InfoNCE and in-batch negatives (`infoNceLoss`): each
 * training example is a user's history prefix and the item that came next; the other examples'
 * next items are the negatives. The id embeddings start at zero and are dropped at random during
 * training (id dropout), so that the text path alone must already place an item well: a cold
 * item's id embedding never trains and stays zero, and its vector is its text's.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import path from "node:path";
import { Rng } from "../core/random";
import { defaultDataRoot } from "../data/shop-files";
import { loadBiEncoder } from "../embed/bi-encoder";
import { infoNceLoss } from "../embed/contrastive";
import { truncatedNormalValues, Parameters } from "../model/parameters";
import { BatchSampler } from "../train/batches";
import { gatheredRows, workerShareOfLoss, type RowExchange } from "../train/row-exchange";
import { resolveWorkers, Trainer, type BatchSource, type DrawnBatch, type TrainingTask, type TrainStepInfo } from "../train/trainer";
import type { WorkerTaskSpec } from "../train/worker-pool";
import type { SamplerState } from "../model/checkpoint";
import type { LeaveOneOutSplit, Recommender } from "./recommender";
import { epochProgress, type EpochProgress } from "./sasrec";

/** Item text embeddings, one row per catalog item in index order (chapter 3's `EmbeddingMatrix` fits). */
export interface ItemTextVectors {
  readonly vectors: Float32Array;
  readonly count: number;
  readonly dimension: number;
}

export interface TwoTowerOptions {
  /** Width of the shared user/item space (default 64). */
  readonly hiddenSize?: number;
  /** A per-item id embedding beside the text (default true). */
  readonly idEmbeddings?: boolean;
  /** Probability of dropping an item's id embedding in a training batch (default 0.5). */
  readonly idDropout?: number;
  /** Newest history items the user tower averages (default 20). */
  readonly maxHistory?: number;
  /** InfoNCE temperature (default 0.05). */
  readonly temperature?: number;
}

interface Settings {
  readonly hiddenSize: number;
  readonly idEmbeddings: boolean;
  readonly idDropout: number;
  readonly maxHistory: number;
  readonly temperature: number;
}

function settingsOf(o: TwoTowerOptions): Settings {
  const s = { hiddenSize: o.hiddenSize ?? 64, idEmbeddings: o.idEmbeddings ?? true, idDropout: o.idDropout ?? 0.5, maxHistory: o.maxHistory ?? 20, temperature: o.temperature ?? 0.05 };
  for (const key of ["hiddenSize", "maxHistory"] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`TwoTower: ${key} must be a positive integer, got ${s[key]}.`);
  }
  if (!(s.idDropout >= 0 && s.idDropout < 1)) throw new Error(`TwoTower: idDropout must be in [0, 1), got ${s.idDropout}.`);
  if (!(s.temperature > 0 && Number.isFinite(s.temperature))) throw new Error(`TwoTower: temperature must be a finite number > 0, got ${s.temperature}.`);
  return s;
}

/** One training batch: per example, its history (newest maxHistory items) and the next item. */
export interface TwoTowerBatch {
  readonly histories: readonly Int32Array[];
  readonly targets: Int32Array;
  /**
   * On a gradient worker: its examples [start, end) of the whole batch (the batch itself is whole:
   * the id dropout is drawn over the whole batch's items, the same draws on every worker).
   */
  readonly shard?: { readonly start: number; readonly end: number };
}

/** Examples [start, end) of a batch, for a gradient worker (the whole batch travels, each history copied out of its sequence). */
export function sliceTwoTowerBatch(batch: TwoTowerBatch, start: number, end: number): TwoTowerBatch {
  if (batch.shard) throw new Error("sliceTwoTowerBatch: the batch is already a share of another.");
  const b = batch.targets.length;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= b)) {
    throw new Error(`sliceTwoTowerBatch: examples [${start}, ${end}) are not a non-empty part of a batch of ${b}.`);
  }
  // slice(): a view would carry its whole sequence buffer to the thread.
  return { histories: batch.histories.map((h) => h.slice()), targets: batch.targets.slice(), shard: { start, end } };
}

/** What a worker needs to rebuild the model (plain data, cloned to the thread once). */
export interface TwoTowerRecipe {
  readonly itemText: ItemTextVectors;
  readonly options: TwoTowerOptions;
  readonly seed: number;
}

export class TwoTower implements Recommender {
  readonly name = "two-tower";
  readonly params: Parameters;
  readonly settings: Settings;
  readonly items: number;
  private readonly text: tf.Tensor2D;

  /** A fresh model over `itemText` (one row per item); the same seed gives the same weights. */
  constructor(itemText: ItemTextVectors, options: TwoTowerOptions = {}, seed = 0) {
    const { vectors, count, dimension } = itemText;
    if (!(vectors instanceof Float32Array) || !Number.isInteger(count) || !Number.isInteger(dimension) || vectors.length !== count * dimension) {
      throw new Error(`TwoTower: itemText must hold count x dimension float32 values; found ${vectors?.length} values for ${count} x ${dimension}.`);
    }
    this.settings = settingsOf(options);
    this.items = count;
    const d = this.settings.hiddenSize;
    const rng = new Rng(seed);
    this.params = new Parameters("twotower");
    // A random projection (std 1 / sqrt(dimension)) keeps the text's similarities at the start.
    this.params.add("item.text.kernel", truncatedNormalValues(dimension * d, 1 / Math.sqrt(dimension), rng), [dimension, d]);
    this.params.add("item.text.bias", new Float32Array(d), [d]);
    if (this.settings.idEmbeddings) this.params.add("item.id", new Float32Array(count * d), [count, d]);
    // The identity at the start: a user is the mean of the items they had.
    this.params.add("user.kernel", Float32Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)), [d, d]);
    this.params.add("user.bias", new Float32Array(d), [d]);
    this.text = tf.tensor2d(vectors, [count, dimension]);
  }

  /** Item vectors [ids, hidden] (unit length); `keepIds` (1/0 per id) drops id embeddings in training. */
  itemVectors(ids: Int32Array | null, keepIds: Float32Array | null = null): tf.Tensor2D {
    return tf.tidy(() => {
      const index = ids ? tf.tensor1d(ids, "int32") : null;
      const text = index ? tf.gather(this.text, index) : this.text;
      let v = tf.matMul(text, this.params.get("item.text.kernel")).add(this.params.get("item.text.bias"));
      if (this.settings.idEmbeddings) {
        const table = this.params.get("item.id");
        let e: tf.Tensor = index ? tf.gather(table, index) : table;
        if (keepIds) e = e.mul(tf.tensor2d(keepIds, [keepIds.length, 1]));
        v = v.add(e);
      }
      return normalizeRows(v as tf.Tensor2D);
    });
  }

  /** User vectors [histories, hidden] from item vectors `v` [n, hidden] and histories as rows of `v`. */
  private userVectors(v: tf.Tensor2D, histories: readonly Int32Array[]): tf.Tensor2D {
    return tf.tidy(() => {
      const b = histories.length;
      const length = Math.max(1, ...histories.map((h) => h.length));
      const index = new Int32Array(b * length);
      const weight = new Float32Array(b * length);
      histories.forEach((h, r) => {
        for (let t = 0; t < h.length; t++) {
          index[r * length + t] = h[t];
          weight[r * length + t] = 1 / h.length;
        }
      });
      const rows = tf.gather(v, tf.tensor1d(index, "int32")).reshape([b, length, -1]);
      const mean = rows.mul(tf.tensor3d(weight, [b, length, 1])).sum(1) as tf.Tensor2D;
      return normalizeRows(tf.matMul(mean, this.params.get("user.kernel")).add(this.params.get("user.bias")) as tf.Tensor2D);
    });
  }

  /**
   * InfoNCE of a batch, in-batch negatives; another example with the same next item is not a
   * negative. On a gradient worker (`exchange`; `batch` a share) the item vectors are computed for
   * its own examples' items only, and the other workers' user and target vectors are gathered:
   * the whole batch's loss with its own rows live, 1/N of its value (see `RowExchange`).
   */
  loss(batch: TwoTowerBatch, rng: Rng, exchange?: RowExchange): tf.Scalar {
    const { histories, targets } = batch;
    // The batch's distinct items: their vectors once, the histories and targets as rows of them.
    const rowOf = new Map<number, number>();
    const add = (item: number) => {
      if (!rowOf.has(item)) rowOf.set(item, rowOf.size);
      return rowOf.get(item) as number;
    };
    const targetRows = Int32Array.from(targets, add);
    const historyRows = histories.map((h) => Int32Array.from(h, add));
    const ids = Int32Array.from(rowOf.keys());
    const keep = this.settings.idEmbeddings && this.settings.idDropout > 0 ? Float32Array.from(ids, () => (rng.next() < this.settings.idDropout ? 0 : 1)) : null;
    const b = targets.length;
    const exclude = new Uint8Array(b * b);
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) if (i !== j && targets[i] === targets[j]) exclude[i * b + j] = 1;
    if (exchange) {
      if (!batch.shard) throw new Error("TwoTower.loss: a worker's loss needs its share of a batch (sliceTwoTowerBatch).");
      return this.sharedLoss(batch.shard, historyRows, targetRows, ids, keep, exclude, exchange);
    }
    return tf.tidy(() => {
      const v = this.itemVectors(ids, keep);
      const users = this.userVectors(v, historyRows);
      const positives = tf.gather(v, tf.tensor1d(targetRows, "int32")) as tf.Tensor2D;
      return infoNceLoss(users, positives, { temperature: this.settings.temperature, exclude });
    });
  }

  private sharedLoss(
    shard: { readonly start: number; readonly end: number },
    historyRows: readonly Int32Array[],
    targetRows: Int32Array,
    ids: Int32Array,
    keep: Float32Array | null,
    exclude: Uint8Array,
    exchange: RowExchange
  ): tf.Scalar {
    const { start, end } = shard;
    const b = targetRows.length;
    const d = this.settings.hiddenSize;
    // This share's items, renumbered: only their vectors are computed (and get gradients) here.
    const local = new Map<number, number>();
    const at = (row: number) => {
      if (!local.has(row)) local.set(row, local.size);
      return local.get(row) as number;
    };
    const ownHistories = historyRows.slice(start, end).map((h) => Int32Array.from(h, at));
    const ownTargets = Int32Array.from(targetRows.subarray(start, end), at);
    const rows = Int32Array.from(local.keys());
    const ownIds = Int32Array.from(rows, (r) => ids[r]);
    const ownKeep = keep ? Float32Array.from(rows, (r) => keep[r]) : null;
    return tf.tidy(() => {
      const v = this.itemVectors(ownIds, ownKeep);
      const users = gatheredRows(exchange, this.userVectors(v, ownHistories), start, b, d);
      const positives = gatheredRows(exchange, tf.gather(v, tf.tensor1d(ownTargets, "int32")) as tf.Tensor2D, start, b, d);
      return workerShareOfLoss(infoNceLoss(users, positives, { temperature: this.settings.temperature, exclude }), exchange);
    });
  }

  /** Checks item indices (named by history and position) and keeps the newest maxHistory. */
  private clip(histories: readonly Int32Array[]): Int32Array[] {
    return histories.map((h, r) => {
      for (let t = 0; t < h.length; t++) {
        if (!(h[t] >= 0 && h[t] < this.items)) throw new Error(`TwoTower.scoreBatch: history ${r}, position ${t}: item ${h[t]} is outside the catalog of ${this.items} items.`);
      }
      return h.length > this.settings.maxHistory ? h.subarray(h.length - this.settings.maxHistory) : h;
    });
  }

  /** Cosine scores of every item (cold ones by their text) for each history; an empty history scores every item 0. */
  async scoreBatch(histories: readonly Int32Array[]): Promise<Float32Array[]> {
    const clipped = this.clip(histories);
    const scores = tf.tidy(() => {
      const v = this.itemVectors(null);
      return tf.matMul(this.userVectors(v, clipped), tf.transpose(v));
    });
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    return clipped.map((h, r) => (h.length ? values.slice(r * this.items, (r + 1) * this.items) : new Float32Array(this.items)));
  }

  dispose(): void {
    this.params.dispose();
    this.text.dispose();
  }
}

function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => x.div(tf.norm(x, 2, 1, true).add(1e-12)) as tf.Tensor2D);
}

/** Every (history prefix, next item) pair of the training sequences, drawn in seeded batches. */
export class TwoTowerBatches implements BatchSource<TwoTowerBatch> {
  readonly examples: Array<{ readonly user: number; readonly at: number }> = [];
  private readonly sampler: BatchSampler;

  constructor(
    readonly train: readonly Int32Array[],
    readonly batchSize: number,
    readonly maxHistory: number
  ) {
    train.forEach((s, user) => {
      for (let at = 1; at < s.length; at++) this.examples.push({ user, at });
    });
    if (this.examples.length === 0) throw new Error("TwoTowerBatches: no user has two or more training items; there is no (history, next item) pair to learn from.");
    if (!Number.isInteger(batchSize) || batchSize < 2) throw new Error(`TwoTowerBatches: batchSize must be an integer >= 2 (in-batch negatives need a batch), got ${batchSize}.`);
    this.sampler = new BatchSampler(this.examples.length, batchSize);
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.examples.length / this.batchSize);
  }

  next(rng: Rng): DrawnBatch<TwoTowerBatch> {
    const picked = this.sampler.next(rng).map((i) => this.examples[i]);
    const histories = picked.map(({ user, at }) => this.train[user].subarray(Math.max(0, at - this.maxHistory), at));
    const targets = Int32Array.from(picked, ({ user, at }) => this.train[user][at]);
    return { batch: { histories, targets }, rows: picked.length, count: picked.length, tokens: picked.length };
  }

  /** Examples [start, end) for a gradient worker; the count is the whole batch's (each worker's loss is the whole batch's). */
  slice(batch: TwoTowerBatch, start: number, end: number): { batch: TwoTowerBatch; count: number } {
    return { batch: sliceTwoTowerBatch(batch, start, end), count: batch.targets.length };
  }

  state(): SamplerState {
    return this.sampler.state();
  }

  restore(state: SamplerState): void {
    this.sampler.restore(state);
  }
}

export interface TwoTowerTrainingOptions extends TwoTowerOptions {
  /** Passes over the (history, next item) pairs (default 5); `steps` overrides it. */
  readonly epochs?: number;
  readonly steps?: number;
  /** Examples per batch, the in-batch negatives (default 256). */
  readonly batchSize?: number;
  /** Peak learning rate (default 2e-3), warm-up 5 %, linear decay. */
  readonly learningRate?: number;
  readonly seed?: number;
  /**
   * Gradient worker threads (see `TrainerOptions.workers`): 1 by default, unless COURSE_WORKERS is
   * set. The workers exchange their examples' user and item vectors each step, so the in-batch
   * negatives still span the whole batch.
   */
  readonly workers?: number | "auto";
  readonly onStep?: (info: TrainStepInfo) => void;
  /** After each pass over the pairs: epochs done, of how many, and the pass's mean loss. */
  readonly onEpoch?: EpochProgress;
}

export interface TrainedTwoTower {
  readonly model: TwoTower;
  readonly losses: readonly number[];
  readonly steps: number;
  readonly seconds: number;
  /** Threads that computed the gradients. */
  readonly workers: number;
}

/** A worker thread's replica (its weights are then overwritten with the main thread's). */
export function twoTowerWorkerTask(recipe: TwoTowerRecipe): TrainingTask<TwoTowerBatch> {
  const model = new TwoTower(recipe.itemText, recipe.options, recipe.seed);
  return { params: model.params, loss: (b, rng, exchange) => model.loss(b, rng, exchange) };
}

/** How a worker thread builds the two-tower task (this module, from the built package or the sources). */
export function twoTowerWorkerSpec(recipe: TwoTowerRecipe): WorkerTaskSpec {
  return { module: path.join(__dirname, `two-tower${path.extname(__filename)}`), exportName: "twoTowerWorkerTask", config: recipe };
}

/**
 * Train a two-tower model on the split's training items, the item tower reading `itemText` (one
 * row per catalog item, cold ones included: e.g. `embedTexts` or `embedMatrix` of the products' text).
 */
export async function trainTwoTower(split: LeaveOneOutSplit, itemText: ItemTextVectors, options: TwoTowerTrainingOptions = {}): Promise<TrainedTwoTower> {
  const n = split.data.itemIds.length;
  if (itemText.count !== n) throw new Error(`trainTwoTower: itemText has ${itemText.count} rows but the catalog has ${n} items (one text vector per item, in index order).`);
  const { epochs = 5, steps: stepOption, batchSize = 256, learningRate = 2e-3, seed = 0, workers: workersOption, onStep, onEpoch, ...modelOptions } = options;
  const model = new TwoTower(itemText, modelOptions, seed);
  try {
    const source = new TwoTowerBatches(split.train, batchSize, model.settings.maxHistory);
    if (stepOption === undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new Error(`trainTwoTower: epochs must be a positive integer, got ${epochs}.`);
    const steps = stepOption ?? epochs * source.stepsPerEpoch;
    const workers = resolveWorkers(workersOption);
    // A batch is never larger than the training pairs (BatchSampler): every worker needs one.
    const rowsPerBatch = Math.min(batchSize, source.examples.length);
    if (workers > rowsPerBatch) throw new Error(`trainTwoTower: ${workers} workers need batches of at least ${workers} examples (each worker takes some), got ${rowsPerBatch}.`);
    const trainer = new Trainer<TwoTowerBatch>({ params: model.params, loss: (b, rng) => model.loss(b, rng) }, source, {
      steps,
      schedule: { peak: learningRate, totalSteps: steps, warmupSteps: Math.floor(steps / 20), decay: "linear" },
      optimizer: { weightDecay: 0 },
      seed,
      workers,
      workerTask: workers > 1 ? twoTowerWorkerSpec({ itemText: { vectors: itemText.vectors, count: itemText.count, dimension: itemText.dimension }, options: modelOptions, seed }) : undefined,
      // The largest matrix a worker gathers: the batch's user or target vectors.
      exchange: workers > 1 ? rowsPerBatch * model.settings.hiddenSize : undefined,
      label: "trainTwoTower",
    });
    try {
      const progress = epochProgress(source.stepsPerEpoch, steps, onEpoch);
      const run = await trainer.run(steps, {
        onStep: (info) => {
          onStep?.(info);
          progress(info);
        },
      });
      const losses = run.steps.map((s) => s.loss);
      return { model, losses, steps: losses.length, seconds: run.seconds, workers };
    } finally {
      trainer.dispose();
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Chapter 3's shipped bi-encoder (data/models/biencoder). */
export function shippedBiEncoderDir(): string {
  return path.join(defaultDataRoot(), "models", "biencoder");
}

/**
 * Text vectors for the item tower: chapter 3's bi-encoder's product tower over each item's text
 * (title and description, say), in catalog order. `biEncoder`: its folder (default the shipped one).
 */
export async function embedItemTexts(texts: readonly string[], options: { readonly biEncoder?: string; readonly onProgress?: (done: number, total: number) => void } = {}): Promise<ItemTextVectors> {
  const dir = options.biEncoder ?? shippedBiEncoderDir();
  if (!existsSync(dir)) throw new Error(`embedItemTexts: no bi-encoder at ${dir} (train one with \`npm run biencoder -- --save DIR\`, or pass text vectors to trainTwoTower directly).`);
  const model = loadBiEncoder(dir);
  try {
    return await model.embedMatrix(texts, "product", { onProgress: options.onProgress });
  } finally {
    model.dispose();
  }
}
