/**
 * A sequential recommender in the style of SASRec (Kang and McAuley 2018): chapter 1's encoder
 * over a user's items instead of a sentence's words, with causal self-attention so that the
 * vector at position t has seen items 0..t only, trained to predict the item at t+1 at every
 * position. The input item embeddings double as the output layer (shared weights): an item's
 * score for a history is the last position's vector dotted with the item's embedding, plus a
 * per-item bias (what popularity alone predicts).
 *
 * Sequences are right-padded: with causal attention a real position never looks at the padding
 * after it, so a batch is only as long as its longest sequence, and the trainer draws batches of
 * users of similar length (less padding). Item index i is token i + 1; token 0 is padding.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Rng } from "../core/random";
import { readTensorFile, writeTensorFile, type SamplerState, type TensorFileEntry } from "../model/checkpoint";
import { encoderConfig, type EncoderConfig } from "../model/config";
import { WORD_EMBEDDINGS } from "../model/embeddings";
import { Encoder } from "../model/encoder";
import { sparseCrossEntropy } from "../model/fused";
import type { Parameters } from "../model/parameters";
import { Trainer, type BatchSource, type DrawnBatch, type TrainingTask, type TrainStepInfo } from "../train/trainer";
import type { WorkerTaskSpec } from "../train/worker-pool";
import type { LeaveOneOutSplit, Recommender } from "./recommender";

/** The model's sizes. */
export interface SasRecConfig {
  /** Catalog size (items 0 .. items-1). */
  readonly items: number;
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  /** Width of the feed-forward layer (SASRec uses hiddenSize). */
  readonly intermediateSize: number;
  /** Longest history the model reads; older items are dropped (truncate oldest). */
  readonly maxLength: number;
  /** Dropout on embeddings, attention weights and sub-layer outputs (training only). */
  readonly dropout: number;
  /** Standard deviation of the initial weights. */
  readonly initializerRange: number;
}

export const DEFAULT_SASREC_CONFIG: Omit<SasRecConfig, "items"> = {
  hiddenSize: 64,
  layers: 2,
  heads: 1,
  intermediateSize: 64,
  maxLength: 50,
  dropout: 0.3,
  initializerRange: 0.02,
};

const OUTPUT_BIAS = "sasrec.output_bias";

/** A full config from the catalog size and any sizes to change; unknown or invalid values are named. */
export function sasRecConfig(options: Partial<SasRecConfig> & { items: number }): SasRecConfig {
  const known = new Set<string>(["items", ...Object.keys(DEFAULT_SASREC_CONFIG)]);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`sasRecConfig: unknown option(s) ${unknown.join(", ")}; known: ${[...known].join(", ")}.`);
  const c = { ...DEFAULT_SASREC_CONFIG, ...options };
  for (const key of ["items", "hiddenSize", "layers", "heads", "intermediateSize", "maxLength"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`sasRecConfig: ${key} must be a positive integer, got ${c[key]}.`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`sasRecConfig: dropout must be in [0, 1), got ${c.dropout}.`);
  if (c.hiddenSize % c.heads !== 0) throw new Error(`sasRecConfig: hiddenSize ${c.hiddenSize} is not a multiple of heads ${c.heads}.`);
  if (!(c.initializerRange > 0)) throw new Error(`sasRecConfig: initializerRange must be positive, got ${c.initializerRange}.`);
  return Object.freeze(c);
}

function encoderConfigOf(c: SasRecConfig): EncoderConfig {
  return encoderConfig({
    vocabSize: c.items + 1,
    hiddenSize: c.hiddenSize,
    layers: c.layers,
    heads: c.heads,
    intermediateSize: c.intermediateSize,
    maxPositions: c.maxLength,
    typeVocabSize: 1,
    dropout: c.dropout,
    attentionDropout: c.dropout,
    initializerRange: c.initializerRange,
  });
}

/** One training batch: right-padded token ids and, per real position with a next item, that item. */
export interface SasRecBatch {
  readonly rows: number;
  readonly length: number;
  /** [rows * length] tokens (item + 1; 0 = padding). */
  readonly tokens: Int32Array;
  /** [rows * length] 1 for a real item. */
  readonly mask: Float32Array;
  /** Flat indices (row * length + t) of the positions the loss predicts from. */
  readonly positions: Int32Array;
  /** The next item at each of those positions: an item index (full softmax) or an index into `candidates`. */
  readonly labels: Int32Array;
  /** Sampled softmax: the classes of this batch (its targets and sampled items); null for the full catalog. */
  readonly candidates: Int32Array | null;
}

/**
 * Users (rows) [start, end) of a batch: their tokens, mask, predicted positions (re-indexed) and
 * labels; a sampled softmax keeps the whole batch's classes, so the shards' losses, weighted by
 * their positions, add up to the batch's.
 */
export function sliceSasRecBatch(b: SasRecBatch, start: number, end: number): SasRecBatch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= b.rows)) {
    throw new Error(`sliceSasRecBatch: expected rows 0 <= start < end <= ${b.rows}, got [${start}, ${end}).`);
  }
  const [lo, hi] = [start * b.length, end * b.length];
  const keep: number[] = [];
  b.positions.forEach((p, i) => void (p >= lo && p < hi && keep.push(i)));
  return {
    rows: end - start,
    length: b.length,
    tokens: b.tokens.slice(lo, hi),
    mask: b.mask.slice(lo, hi),
    positions: Int32Array.from(keep, (i) => b.positions[i] - lo),
    labels: Int32Array.from(keep, (i) => b.labels[i]),
    candidates: b.candidates,
  };
}

/** Right-pad item sequences (each already at most `length` long) into tokens and a mask. */
function padRight(sequences: readonly Int32Array[], length: number): { tokens: Int32Array; mask: Float32Array } {
  const tokens = new Int32Array(sequences.length * length);
  const mask = new Float32Array(sequences.length * length);
  sequences.forEach((s, r) => {
    for (let t = 0; t < s.length; t++) {
      tokens[r * length + t] = s[t] + 1;
      mask[r * length + t] = 1;
    }
  });
  return { tokens, mask };
}

export class SasRec implements Recommender {
  readonly name = "sasrec";
  readonly encoder: Encoder;

  constructor(
    readonly config: SasRecConfig,
    readonly params: Parameters
  ) {
    this.encoder = new Encoder(encoderConfigOf(config), params);
    if (!params.has(OUTPUT_BIAS)) throw new Error(`SasRec: the parameters lack ${OUTPUT_BIAS}.`);
  }

  /** A freshly initialised model (same seed, same weights). */
  static create(config: SasRecConfig, seed = 0): SasRec {
    const encoder = Encoder.create(encoderConfigOf(config), new Rng(seed));
    encoder.params.add(OUTPUT_BIAS, new Float32Array(config.items), [config.items]);
    return new SasRec(config, encoder.params);
  }

  parameterCount(): number {
    return this.params.count();
  }

  /** The items' vectors [items, hidden]: the input embeddings without the padding row. */
  private itemTable(): tf.Tensor2D {
    return tf.slice(this.params.get(WORD_EMBEDDINGS), [1, 0], [this.config.items, this.config.hiddenSize]) as tf.Tensor2D;
  }

  /** Vectors [rows * length, hidden] of right-padded tokens, causal attention. */
  private hidden(tokens: Int32Array, mask: Float32Array, rows: number, length: number, rng: Rng | null): tf.Tensor2D {
    return tf.tidy(() => {
      const inputIds = tf.tensor2d(tokens, [rows, length], "int32");
      const attentionMask = tf.tensor2d(mask, [rows, length], "float32");
      return this.encoder.forwardRows({ inputIds, attentionMask }, rng ? { training: true, rng, causal: true } : { causal: true }).rows;
    });
  }

  /** Mean next-item cross-entropy of a batch (full or sampled softmax); dropout from `rng`. */
  loss(batch: SasRecBatch, rng: Rng): tf.Scalar {
    return tf.tidy(() => {
      const h = this.hidden(batch.tokens, batch.mask, batch.rows, batch.length, rng);
      const picked = tf.gather(h, tf.tensor1d(batch.positions, "int32")) as tf.Tensor2D;
      let logits: tf.Tensor2D;
      if (batch.candidates) {
        const c = tf.tensor1d(batch.candidates, "int32");
        const table = tf.gather(this.itemTable(), c) as tf.Tensor2D;
        logits = tf.matMul(picked, tf.transpose(table)).add(tf.gather(this.params.get(OUTPUT_BIAS), c)) as tf.Tensor2D;
      } else {
        // One matmul-plus-bias kernel (the course's wasm wrapper transposes explicitly, its fast path).
        logits = tf.fused.matMul({ a: picked, b: this.itemTable(), transposeB: true, bias: this.params.get(OUTPUT_BIAS) }) as tf.Tensor2D;
      }
      return sparseCrossEntropy(logits, tf.tensor1d(batch.labels, "int32")).mean() as tf.Scalar;
    });
  }

  /** Checks item indices (named by history and position) and keeps the newest `maxLength`. */
  private clip(histories: readonly Int32Array[]): Int32Array[] {
    const n = this.config.items;
    return histories.map((h, r) => {
      for (let t = 0; t < h.length; t++) {
        if (!(h[t] >= 0 && h[t] < n)) throw new Error(`SasRec.scoreBatch: history ${r}, position ${t}: item ${h[t]} is outside the catalog of ${n} items.`);
      }
      return h.length > this.config.maxLength ? h.subarray(h.length - this.config.maxLength) : h;
    });
  }

  /**
   * Scores for every item for each history: the last position's vector dotted with every item
   * embedding, plus the item bias. An empty history gets the bias alone (the learned popularity).
   */
  async scoreBatch(histories: readonly Int32Array[]): Promise<Float32Array[]> {
    const clipped = this.clip(histories);
    const n = this.config.items;
    const bias = (await this.params.get(OUTPUT_BIAS).data()) as Float32Array;
    const rowsWithItems = clipped.map((h, i) => (h.length ? i : -1)).filter((i) => i >= 0);
    const out = clipped.map(() => Float32Array.from(bias));
    if (rowsWithItems.length === 0) return out;
    const seqs = rowsWithItems.map((i) => clipped[i]);
    const length = Math.max(...seqs.map((s) => s.length));
    const { tokens, mask } = padRight(seqs, length);
    const scores = tf.tidy(() => {
      const h = this.hidden(tokens, mask, seqs.length, length, null);
      const last = tf.gather(h, tf.tensor1d(seqs.map((s, r) => r * length + s.length - 1), "int32")) as tf.Tensor2D;
      return tf.fused.matMul({ a: last, b: this.itemTable(), transposeB: true, bias: this.params.get(OUTPUT_BIAS) });
    });
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    rowsWithItems.forEach((i, r) => out[i].set(values.subarray(r * n, (r + 1) * n)));
    return out;
  }

  dispose(): void {
    this.params.dispose();
  }
}

export interface SasRecBatchOptions {
  readonly batchSize: number;
  readonly maxLength: number;
  /** Sampled softmax: this many uniformly drawn items join the batch's own targets as its classes (0: full softmax). */
  readonly sampledItems: number;
  readonly items: number;
}

/**
 * Training sequences (each user's training items, the newest maxLength + 1) in batches of users
 * of similar length: every epoch shuffles the users, sorts them by length within pools of 16
 * batches, cuts the pools into batches and shuffles the batches (less padding, still random).
 */
export class SasRecBatches implements BatchSource<SasRecBatch> {
  readonly sequences: Int32Array[];
  private order: number[] = [];
  private at = 0;
  private epochCount = 0;

  constructor(
    train: readonly Int32Array[],
    readonly options: SasRecBatchOptions
  ) {
    const { batchSize, maxLength, sampledItems } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`SasRecBatches: batchSize must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(sampledItems) || sampledItems < 0) throw new Error(`SasRecBatches: sampledItems must be a non-negative integer, got ${sampledItems}.`);
    this.sequences = train.filter((s) => s.length >= 2).map((s) => (s.length > maxLength + 1 ? s.slice(s.length - maxLength - 1) : s));
    if (this.sequences.length === 0) throw new Error("SasRecBatches: no user has two or more training items; next-item training needs at least one pair.");
  }

  /** Completed passes over the users. */
  get epoch(): number {
    return this.epochCount;
  }

  /** Update steps per pass over the users. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.sequences.length / this.options.batchSize);
  }

  /** Predicted positions per epoch (the tokens the loss averages over). */
  get tokensPerEpoch(): number {
    return this.sequences.reduce((n, s) => n + s.length - 1, 0);
  }

  private shuffle(rng: Rng): void {
    const size = this.options.batchSize;
    const perm = rng.permutation(this.sequences.length);
    const pool = size * 16;
    const sorted: number[] = [];
    for (let i = 0; i < perm.length; i += pool) {
      sorted.push(...perm.slice(i, i + pool).sort((a, b) => this.sequences[b].length - this.sequences[a].length));
    }
    const full = Math.floor(sorted.length / size);
    const batches = rng.permutation(full).flatMap((b) => sorted.slice(b * size, (b + 1) * size));
    this.order = [...batches, ...sorted.slice(full * size)];
    this.at = 0;
  }

  next(rng: Rng): DrawnBatch<SasRecBatch> {
    if (this.order.length === 0 || this.at >= this.order.length) {
      if (this.order.length) this.epochCount++;
      this.shuffle(rng);
    }
    const users = this.order.slice(this.at, this.at + this.options.batchSize);
    this.at += users.length;
    const inputs = users.map((u) => this.sequences[u].subarray(0, this.sequences[u].length - 1));
    const length = Math.max(...inputs.map((s) => s.length));
    const { tokens, mask } = padRight(inputs, length);
    const positions: number[] = [];
    const targets: number[] = [];
    users.forEach((u, r) => {
      const s = this.sequences[u];
      for (let t = 0; t + 1 < s.length; t++) {
        positions.push(r * length + t);
        targets.push(s[t + 1]);
      }
    });
    let labels = Int32Array.from(targets);
    let candidates: Int32Array | null = null;
    if (this.options.sampledItems > 0) {
      const classes = new Map<number, number>();
      for (const t of targets) if (!classes.has(t)) classes.set(t, classes.size);
      for (let i = 0; i < this.options.sampledItems; i++) {
        const item = rng.int(this.options.items);
        if (!classes.has(item)) classes.set(item, classes.size);
      }
      candidates = Int32Array.from(classes.keys());
      labels = Int32Array.from(targets, (t) => classes.get(t) as number);
    }
    const batch: SasRecBatch = { rows: users.length, length, tokens, mask, positions: Int32Array.from(positions), labels, candidates };
    return { batch, rows: users.length, count: positions.length, tokens: positions.length };
  }

  /** Users [start, end) of a batch, for gradient workers: the loss averages over their positions. */
  slice(batch: SasRecBatch, start: number, end: number): { readonly batch: SasRecBatch; readonly count: number } {
    const part = sliceSasRecBatch(batch, start, end);
    return { batch: part, count: part.positions.length };
  }

  state(): SamplerState {
    return { order: this.order.slice(), at: this.at, epoch: this.epochCount };
  }

  restore(state: SamplerState): void {
    if (state.order.length !== 0 && state.order.length !== this.sequences.length) {
      throw new Error(`SasRecBatches.restore: order has ${state.order.length} entries for ${this.sequences.length} sequences.`);
    }
    this.order = state.order.slice();
    this.at = state.at;
    this.epochCount = state.epoch;
  }
}

export interface SasRecTrainingOptions extends Partial<Omit<SasRecConfig, "items">> {
  /** Passes over the users (default 20); `steps` overrides it. */
  readonly epochs?: number;
  readonly steps?: number;
  /** Users per batch (default 128). */
  readonly batchSize?: number;
  /** Peak learning rate (default 1e-3), warm-up over the first 5 % of steps, then linear decay to 10 %. */
  readonly learningRate?: number;
  readonly weightDecay?: number;
  /** Sampled softmax with this many uniform items per batch (plus the batch's targets); default 0, the full catalog. */
  readonly sampledItems?: number;
  readonly seed?: number;
  /** Gradient worker threads (see `TrainerOptions.workers`): 1 by default, unless COURSE_WORKERS is set. */
  readonly workers?: number | "auto";
  readonly onStep?: (info: TrainStepInfo) => void;
  /** After each pass over the users: epochs done, of how many, and the pass's mean loss. */
  readonly onEpoch?: EpochProgress;
}

export type EpochProgress = (progress: { readonly epoch: number; readonly epochs: number; readonly loss: number }) => void;

/** A step callback that reports each pass over the data (its mean loss) to `onEpoch`. */
export function epochProgress(stepsPerEpoch: number, steps: number, onEpoch: EpochProgress | undefined): (info: TrainStepInfo) => void {
  let sum = 0;
  return (info) => {
    sum += info.loss;
    if (info.step % stepsPerEpoch !== 0 && info.step !== steps) return;
    const done = Math.ceil(info.step / stepsPerEpoch);
    onEpoch?.({ epoch: done, epochs: Math.ceil(steps / stepsPerEpoch), loss: sum / (info.step - (done - 1) * stepsPerEpoch) });
    sum = 0;
  };
}

/** The model's mean next-item loss as a training task. */
export function sasRecTask(model: SasRec): TrainingTask<SasRecBatch> {
  return { params: model.params, loss: (b, rng) => model.loss(b, rng) };
}

/** A worker thread's replica (its weights are then overwritten with the main thread's). */
export function sasRecWorkerTask(config: SasRecConfig): TrainingTask<SasRecBatch> {
  return sasRecTask(SasRec.create(config, 0));
}

/** How a worker thread builds the SASRec task (this module, from the built package or the sources). */
export function sasRecWorkerSpec(config: SasRecConfig): WorkerTaskSpec {
  return { module: path.join(__dirname, `sasrec${path.extname(__filename)}`), exportName: "sasRecWorkerTask", config };
}

export interface TrainedSasRec {
  readonly model: SasRec;
  readonly losses: readonly number[];
  readonly steps: number;
  readonly epochs: number;
  readonly seconds: number;
  /** Predicted positions per second over the run. */
  readonly tokensPerSecond: number;
  /** Threads that computed gradients (1: the main thread alone). */
  readonly workers: number;
}

/**
 * Train a SASRec-style model on the split's training items (the validation and test targets are
 * never seen), next-item prediction at every position, through the course's trainer (AdamW, the
 * schedule, clipping at norm 1, seeded batches and dropout).
 */
export async function trainSasRec(split: LeaveOneOutSplit, options: SasRecTrainingOptions = {}): Promise<TrainedSasRec> {
  const { epochs: epochOption, steps: stepOption, batchSize = 128, learningRate = 1e-3, weightDecay = 0, sampledItems = 0, seed = 0, workers, onStep, onEpoch, ...sizes } = options;
  const config = sasRecConfig({ ...sizes, items: split.data.itemIds.length });
  const source = new SasRecBatches(split.train, { batchSize, maxLength: config.maxLength, sampledItems, items: config.items });
  const epochs = epochOption ?? 20;
  if (stepOption === undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new Error(`trainSasRec: epochs must be a positive integer, got ${epochOption}.`);
  const steps = stepOption ?? epochs * source.stepsPerEpoch;
  const model = SasRec.create(config, seed);
  try {
    const trainer = new Trainer<SasRecBatch>(sasRecTask(model), source, {
      steps,
      schedule: { peak: learningRate, totalSteps: steps, warmupSteps: Math.floor(steps / 20), decay: "linear", minimum: learningRate / 10 },
      optimizer: { weightDecay },
      seed,
      workers,
      workerTask: sasRecWorkerSpec(config),
      label: "trainSasRec",
    });
    let tokens = 0;
    const progress = epochProgress(source.stepsPerEpoch, steps, onEpoch);
    try {
      const run = await trainer.run(steps, {
        onStep: (info) => {
          tokens += info.tokens;
          onStep?.(info);
          progress(info);
        },
      });
      const losses = run.steps.map((s) => s.loss);
      return { model, losses, steps: losses.length, epochs: source.epoch + 1, seconds: run.seconds, tokensPerSecond: tokens / run.seconds, workers: trainer.workers };
    } finally {
      // Worker threads (if any) exit before the run returns.
      await trainer.close().finally(() => trainer.dispose());
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// On disk: a manifest (format, sizes, the catalog's item ids) and one tensor file with checksums.

export const SASREC_FORMAT = "shoplm-sasrec";
const SASREC_VERSION = 1;
const MANIFEST = "sasrec.json";
const WEIGHTS = "sasrec.bin";

export interface SasRecManifest {
  readonly format: typeof SASREC_FORMAT;
  readonly version: number;
  readonly config: SasRecConfig;
  /** The catalog the item indices mean (item i is itemIds[i]), when saved with it. */
  readonly itemIds: readonly string[] | null;
  readonly weights: TensorFileEntry;
}

/** Save the model into `dir` (created when missing), with the catalog's item ids when given. */
export function saveSasRec(dir: string, model: SasRec, itemIds: readonly string[] | null = null): SasRecManifest {
  if (itemIds && itemIds.length !== model.config.items) throw new Error(`saveSasRec: ${itemIds.length} item ids for a model of ${model.config.items} items.`);
  mkdirSync(dir, { recursive: true });
  const weights = writeTensorFile(path.join(dir, WEIGHTS), [...model.params.snapshot().entries()]);
  const manifest: SasRecManifest = { format: SASREC_FORMAT, version: SASREC_VERSION, config: model.config, itemIds: itemIds ? [...itemIds] : null, weights };
  writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 1) + "\n");
  return manifest;
}

/** Load a saved model; a tensor whose shape does not fit the manifest's sizes is named with both shapes. */
export function loadSasRec(dir: string): { model: SasRec; itemIds: readonly string[] | null } {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`loadSasRec: ${file} is missing (expected a folder written by saveSasRec).`);
  const manifest = JSON.parse(readFileSync(file, "utf8")) as Partial<SasRecManifest>;
  if (manifest.format !== SASREC_FORMAT) throw new Error(`loadSasRec: ${file} has format ${JSON.stringify(manifest.format)}, expected "${SASREC_FORMAT}".`);
  if (manifest.version !== SASREC_VERSION) throw new Error(`loadSasRec: ${file} is version ${manifest.version}; this library reads version ${SASREC_VERSION}.`);
  const config = sasRecConfig(manifest.config as SasRecConfig);
  const values = readTensorFile(dir, manifest.weights as TensorFileEntry);
  const model = SasRec.create(config, 0);
  try {
    model.params.load(values, { source: dir });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, itemIds: manifest.itemIds ?? null };
}
