/**
 * A bi-encoder: a query tower and a product tower, each the chapter 1 encoder followed by pooling
 * ([CLS] or the masked mean) and L2 normalisation, so that a query and a product are compared by
 * one dot product (cosine) and a whole catalog can be embedded once, ahead of any query. The
 * towers share one encoder (one set of weights, the usual choice when queries and products speak
 * the same language) or have their own copies. Training is contrastive (InfoNCE with in-batch
 * and hard negatives, `contrastive.ts`) with chapter 2's fine-tuning methods: full fine-tuning or
 * LoRA (`prepareRun`), the course's one Trainer, AdamW with warm-up and linear decay.
 *
 * The temperature is fixed, or learned as log(1 / tau) (CLIP's parametrisation: one scalar that
 * stays positive and moves on a log scale).
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { writeFolderAtomically } from "../core/files";
import * as path from "node:path";
import type { Rng } from "../core/random";
import { shardDropout } from "../model/dropout";
import { productText } from "../data/keyword-match";
import type { Product } from "../data/records";
import { loadEncoder, readTensorFile, writeTensorFile, type Checkpoint, type TensorFileEntry } from "../model/checkpoint";
import type { Encoder } from "../model/encoder";
import { Parameters, type WeightValue } from "../model/parameters";
import { loadTokenizer } from "../text/io";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { BatchSampler, padBatch, type TokenSequence } from "../train/batches";
import { gatheredRows, stopGradient, workerShareOfLoss, type RowExchange } from "../train/row-exchange";
import { resolveWorkers, Trainer, type BatchSource, type BatchSourceState, type DrawnBatch, type TrainStepInfo } from "../train/trainer";
import type { FineTuneMethod, MethodName } from "../finetune/method";
import { baseCheckpoint, DEFAULT_LEARNING_RATES, lossEnds, makeMethod, methodSettingsOf, prepareRun, runTokenizer, type MethodSettings, type RunSetup } from "../finetune/run";
import { baseOf } from "../finetune/fine-tuned-checkpoint";
import { biEncoderRecipe, biEncoderWorkerSpec } from "./bi-encoder-worker";
import { infoNceLoss } from "./contrastive";
import { l2Normalize, poolTokens } from "./pooling";
import type { EmbeddingMatrix } from "./embed-texts";
import type { RetrievalPair, RetrievalTrainingData } from "./retrieval-pairs";

export type BiEncoderPooling = "mean" | "cls";
export type TowerName = "query" | "product";

/** One tower: an encoder and the fine-tuning method on it. */
export interface Tower {
  readonly encoder: Encoder;
  readonly method: FineTuneMethod;
}

export interface BiEncoderOptions {
  readonly pooling?: BiEncoderPooling;
  /** Tokens per text, special tokens included (default 48; at most the encoder's positions). */
  readonly maxLength?: number;
  /** tau (default 0.05). */
  readonly temperature?: number;
  /** Learn tau, starting from `temperature` (default false). */
  readonly learnTemperature?: boolean;
  /** Names the weights in the vectors' `modelId` (a loaded model: its folder and weights' sha256). */
  readonly modelId?: string;
}

/** A padded batch of texts as flat arrays (what a tower reads). */
export interface TextBatch {
  readonly batch: number;
  readonly length: number;
  readonly inputIds: Int32Array;
  readonly attentionMask: Float32Array;
}

/** Where a gradient worker's rows sit in the whole batch (`sliceBiEncoderBatch`). */
export interface BiEncoderShard {
  /** First pair and the whole batch's pairs. */
  readonly start: number;
  readonly total: number;
  /** First hard negative and the whole batch's hard negatives. */
  readonly negativesStart: number;
  readonly negativesTotal: number;
}

/** A training batch: queries, their positives, extra hard negatives, and the columns each row leaves out. */
export interface BiEncoderBatch {
  readonly queries: TextBatch;
  readonly positives: TextBatch;
  readonly negatives: TextBatch | null;
  /** [B, B + H], 1 = a known positive of that row's query (not a negative); the whole batch's, in a shard too. */
  readonly exclude: Uint8Array;
  /** Set on a worker's share of a batch. */
  readonly shard?: BiEncoderShard;
}

/** Rows [start, end) of a padded text batch (the padded length kept). */
export function sliceTextBatch(b: TextBatch, start: number, end: number): TextBatch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= b.batch)) {
    throw new Error(`sliceTextBatch: rows [${start}, ${end}) are not inside a batch of ${b.batch}.`);
  }
  return { batch: end - start, length: b.length, inputIds: b.inputIds.slice(start * b.length, end * b.length), attentionMask: b.attentionMask.slice(start * b.length, end * b.length) };
}

/**
 * Pairs [start, end) of a batch, for a gradient worker: their queries and positives, and a share
 * of the hard negatives in proportion (boundaries rounded up, so the first share holds one
 * whenever there are any: the first worker's dropout stream is the step's). The exclusions stay
 * the whole batch's, since each worker computes the whole batch's loss (`BiEncoder.loss`).
 */
export function sliceBiEncoderBatch(batch: BiEncoderBatch, start: number, end: number): BiEncoderBatch {
  if (batch.shard) throw new Error("sliceBiEncoderBatch: the batch is already a share of another.");
  const total = batch.queries.batch;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= total)) {
    throw new Error(`sliceBiEncoderBatch: pairs [${start}, ${end}) are not a non-empty part of a batch of ${total}.`);
  }
  const h = batch.negatives?.batch ?? 0;
  const negativesStart = Math.ceil((start * h) / total);
  const negativesEnd = Math.ceil((end * h) / total);
  return {
    queries: sliceTextBatch(batch.queries, start, end),
    positives: sliceTextBatch(batch.positives, start, end),
    negatives: batch.negatives && negativesEnd > negativesStart ? sliceTextBatch(batch.negatives, negativesStart, negativesEnd) : null,
    exclude: batch.exclude,
    shard: { start, total, negativesStart, negativesTotal: h },
  };
}

/**
 * The weights of `set` under `prefix/`: the product tower's copy of the encoder (and its LoRA
 * factors) has the same names as the query tower's, and the optimizer keys weights by name.
 */
class PrefixedParameters extends Parameters {
  constructor(
    private readonly inner: Parameters,
    private readonly prefix: string
  ) {
    super(`${prefix}-view`);
  }
  override names(): string[] {
    return this.inner.names().map((n) => `${this.prefix}/${n}`);
  }
  override entries(): Array<[string, tf.Variable]> {
    return this.inner.entries().map(([n, v]) => [`${this.prefix}/${n}`, v]);
  }
  override variables(): tf.Variable[] {
    return this.inner.variables();
  }
  override count(): number {
    return this.inner.count();
  }
  override has(name: string): boolean {
    return name.startsWith(`${this.prefix}/`) && this.inner.has(name.slice(this.prefix.length + 1));
  }
  override get(name: string): tf.Variable {
    return this.inner.get(name.startsWith(`${this.prefix}/`) ? name.slice(this.prefix.length + 1) : name);
  }
  override nameOf(tfName: string): string {
    return `${this.prefix}/${this.inner.nameOf(tfName)}`;
  }
  /** A view owns nothing. */
  override dispose(): void {}
}

function checkPooling(pooling: string): asserts pooling is BiEncoderPooling {
  if (pooling !== "mean" && pooling !== "cls") throw new Error(`BiEncoder: pooling must be "mean" or "cls", got ${JSON.stringify(pooling)}.`);
}

const PAD_TO = 8;

export class BiEncoder {
  readonly pooling: BiEncoderPooling;
  readonly maxLength: number;
  readonly learnTemperature: boolean;
  /** What made its vectors ("biencoder@<sha256 of its weights>" when loaded); an index built on other vectors refuses them. */
  readonly modelId: string;
  /** log(1 / tau) when learned. */
  readonly temperatureParams: Parameters | null;
  private readonly fixedTemperature: number;
  private readonly cache = new Map<string, Int32Array>();

  constructor(
    readonly queryTower: Tower,
    /** The same object as `queryTower` when the towers share weights. */
    readonly productTower: Tower,
    readonly tokenizer: WordPieceTokenizer,
    options: BiEncoderOptions = {}
  ) {
    const pooling = options.pooling ?? "mean";
    checkPooling(pooling);
    this.pooling = pooling;
    const positions = queryTower.encoder.config.maxPositions;
    const maxLength = options.maxLength ?? Math.min(48, positions);
    if (!(Number.isInteger(maxLength) && maxLength >= 3 && maxLength <= positions)) {
      throw new Error(`BiEncoder: maxLength must be an integer in 3..${positions} (the encoder's positions), got ${options.maxLength}.`);
    }
    this.maxLength = maxLength;
    const tau = options.temperature ?? 0.05;
    if (!(tau > 0) || !Number.isFinite(tau)) throw new Error(`BiEncoder: temperature must be a finite number > 0, got ${options.temperature}.`);
    this.fixedTemperature = tau;
    this.modelId = options.modelId ?? `unsaved bi-encoder (${queryTower.method.name}, ${this.pooling})`;
    this.learnTemperature = options.learnTemperature ?? false;
    this.temperatureParams = null;
    if (this.learnTemperature) {
      this.temperatureParams = new Parameters("temperature");
      this.temperatureParams.add("logit_scale", Float32Array.of(Math.log(1 / tau)), []);
    }
    // A frozen encoder's variables say so: no gradient is computed for them (as in HeadedEncoder).
    for (const t of this.towers()) for (const v of t.encoder.params.variables()) v.trainable = t.method.trainsEncoder;
  }

  get shared(): boolean {
    return this.queryTower === this.productTower;
  }

  private towers(): Tower[] {
    return this.shared ? [this.queryTower] : [this.queryTower, this.productTower];
  }

  /** tau as a scalar tensor (learned or fixed), inside the caller's tidy. */
  temperatureTensor(): tf.Scalar {
    if (!this.temperatureParams) return tf.scalar(this.fixedTemperature);
    return tf.exp(tf.neg(this.temperatureParams.get("logit_scale"))) as tf.Scalar;
  }

  /** tau now. */
  async temperature(): Promise<number> {
    if (!this.temperatureParams) return this.fixedTemperature;
    return Math.exp(-((await this.temperatureParams.get("logit_scale").data()) as Float32Array)[0]);
  }

  /** Token ids of a text, cut to `maxLength` (cached: a catalog is tokenized once). */
  tokens(text: string): Int32Array {
    let ids = this.cache.get(text);
    if (!ids) {
      if (typeof text !== "string" || text.trim() === "") throw new Error(`BiEncoder: expected a non-empty text, got ${JSON.stringify(text)}.`);
      ids = Int32Array.from(this.tokenizer.encode(text, null, { truncation: true, maxLength: this.maxLength, padding: false }).inputIds);
      this.cache.set(text, ids);
    }
    return ids;
  }

  /** Texts as one padded batch (to the longest, rounded up to a multiple of 8: fewer distinct shapes). */
  textBatch(texts: readonly string[]): TextBatch {
    const seqs: TokenSequence[] = texts.map((t) => ({ inputIds: this.tokens(t) }));
    const longest = Math.max(...seqs.map((s) => s.inputIds.length));
    const length = Math.min(this.maxLength, Math.ceil(longest / PAD_TO) * PAD_TO);
    const b = padBatch(seqs, { padId: this.tokenizer.padId, maxLength: length, padTo: "max" });
    return { batch: b.batch, length: b.length, inputIds: b.ids, attentionMask: b.attentionMask };
  }

  /** Unit vectors [batch, hidden] of a tower; dropout (where the method allows it) when `rng` is given. */
  vectors(tower: TowerName, b: TextBatch, rng: Rng | null): tf.Tensor2D {
    const t = tower === "query" ? this.queryTower : this.productTower;
    return tf.tidy(() => {
      const shape: [number, number] = [b.batch, b.length];
      const attentionMask = tf.tensor2d(b.attentionMask, shape, "float32");
      const inputIds = tf.tensor2d(b.inputIds, shape, "int32");
      const training = rng !== null && t.method.encoderDropout;
      const { rows } = t.encoder.forwardRows({ inputIds, attentionMask }, training ? { training: true, rng: rng as Rng, hooks: t.method.hooks } : { hooks: t.method.hooks });
      const sequence = rows.reshape([b.batch, b.length, rows.shape[1]]) as tf.Tensor3D;
      return l2Normalize(poolTokens(sequence, attentionMask, this.pooling));
    });
  }

  /**
   * The batch's InfoNCE loss (plus the methods' regularisers while training). On a gradient worker
   * (`exchange` given, `batch` a share) the vectors of its own pairs are computed here and the
   * others' gathered from the other workers: the whole batch's loss, its own rows live (see
   * `RowExchange`).
   */
  loss(batch: BiEncoderBatch, rng: Rng | null, symmetric = false, exchange?: RowExchange): tf.Scalar {
    if (exchange) return this.sharedLoss(batch, rng, symmetric, exchange);
    return tf.tidy(() => {
      const q = this.vectors("query", batch.queries, rng);
      const p = this.vectors("product", batch.positives, rng);
      const hardNegatives = batch.negatives ? this.vectors("product", batch.negatives, rng) : undefined;
      let loss = infoNceLoss(q, p, { temperature: this.temperatureTensor(), hardNegatives, symmetric, exclude: batch.exclude });
      if (rng) for (const t of this.towers()) if (t.method.regularizer) loss = loss.add(t.method.regularizer()) as tf.Scalar;
      return loss;
    });
  }

  private sharedLoss(batch: BiEncoderBatch, rng: Rng | null, symmetric: boolean, exchange: RowExchange): tf.Scalar {
    const s = batch.shard;
    if (!s) throw new Error("BiEncoder.loss: a worker's loss needs its share of a batch (sliceBiEncoderBatch).");
    const d = this.queryTower.encoder.config.hiddenSize;
    return tf.tidy(() => {
      const q = this.vectors("query", batch.queries, rng);
      const p = this.vectors("product", batch.positives, rng);
      let n: tf.Tensor2D | null = null;
      if (batch.negatives) {
        if (rng) shardDropout(rng, { start: s.negativesStart, rows: batch.negatives.batch });
        n = this.vectors("product", batch.negatives, rng);
      }
      const queries = gatheredRows(exchange, q, s.start, s.total, d);
      const positives = gatheredRows(exchange, p, s.start, s.total, d);
      const hardNegatives = s.negativesTotal > 0 ? gatheredRows(exchange, n, s.negativesStart, s.negativesTotal, d) : undefined;
      // A learned tau is live on the first worker only: its gradient is counted once.
      const temperature = exchange.index === 0 ? this.temperatureTensor() : stopGradient(this.temperatureTensor());
      const full = infoNceLoss(queries, positives, { temperature, hardNegatives, symmetric, exclude: batch.exclude });
      let loss = workerShareOfLoss(full, exchange);
      if (rng) for (const t of this.towers()) if (t.method.regularizer) loss = loss.add(t.method.regularizer().div(exchange.count)) as tf.Scalar;
      return loss;
    });
  }

  /** The sets the optimizer updates (the product tower's under "product/" when the towers are separate). */
  trainableSets(): Parameters[] {
    const sets: Parameters[] = [];
    if (this.temperatureParams) sets.push(this.temperatureParams);
    for (const t of this.towers()) {
      const own = (p: Parameters): Parameters => (this.shared || t === this.queryTower ? p : new PrefixedParameters(p, "product"));
      if (t.method.params) sets.push(own(t.method.params));
      if (t.method.trainsEncoder) sets.push(own(t.encoder.params));
    }
    return sets;
  }

  trainableParameters(): number {
    return this.trainableSets().reduce((n, s) => n + s.count(), 0);
  }

  totalParameters(): number {
    return this.towers().reduce((n, t) => n + t.encoder.params.count() + (t.method.params?.count() ?? 0), 0) + (this.temperatureParams?.count() ?? 0);
  }

  /**
   * Unit vectors of `texts` through one tower, row-major [texts, hidden]: `batchSize` texts at a
   * time (sorted by length so that little padding is computed), one batch of activations alive.
   */
  async embed(texts: readonly string[], tower: TowerName, options: { readonly batchSize?: number; readonly onProgress?: (done: number, total: number) => void } = {}): Promise<Float32Array> {
    const batchSize = options.batchSize ?? 128;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`BiEncoder.embed: batchSize must be a positive integer, got ${options.batchSize}.`);
    texts.forEach((t, i) => {
      if (typeof t !== "string" || t.trim() === "") throw new Error(`BiEncoder.embed: texts[${i}] must be a non-empty text, got ${JSON.stringify(t)}.`);
    });
    const d = this.queryTower.encoder.config.hiddenSize;
    const out = new Float32Array(texts.length * d);
    const order = texts.map((t, i) => ({ i, n: this.tokens(t).length })).sort((a, b) => a.n - b.n || a.i - b.i);
    for (let start = 0; start < order.length; start += batchSize) {
      const part = order.slice(start, start + batchSize);
      const v = this.vectors(tower, this.textBatch(part.map((o) => texts[o.i])), null);
      try {
        const values = (await v.data()) as Float32Array;
        part.forEach((o, r) => out.set(values.subarray(r * d, (r + 1) * d), o.i * d));
      } finally {
        v.dispose();
      }
      options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
    }
    return out;
  }

  /** `embed` as an embedding matrix (what vector indexes, cold start and the 2-D map take), its `modelId` naming the tower. */
  async embedMatrix(texts: readonly string[], tower: TowerName, options: { readonly batchSize?: number; readonly onProgress?: (done: number, total: number) => void } = {}): Promise<EmbeddingMatrix> {
    const vectors = await this.embed(texts, tower, options);
    return { vectors, count: texts.length, dimension: this.queryTower.encoder.config.hiddenSize, modelId: `${this.modelId}:${tower}` };
  }

  dispose(): void {
    for (const t of this.towers()) {
      t.method.dispose();
      t.encoder.dispose();
    }
    this.temperatureParams?.dispose();
  }
}

/**
 * Batches of pairs in a fresh seeded order every epoch; each pair brings `hardNegativesPerPair`
 * of its query's hard negatives (drawn from the step's Rng), and every row leaves out the columns
 * that are known positives of its query.
 */
export class PairBatches implements BatchSource<BiEncoderBatch> {
  private readonly sampler: BatchSampler;

  constructor(
    private readonly model: BiEncoder,
    readonly pairs: readonly RetrievalPair[],
    private readonly text: (productId: string) => string,
    readonly options: {
      readonly batchSize: number;
      readonly hardNegativesPerPair: number;
      readonly hardNegatives?: ReadonlyMap<string, readonly string[]>;
      readonly positives?: ReadonlyMap<string, ReadonlySet<string>>;
    }
  ) {
    if (pairs.length === 0) throw new Error("PairBatches: no training pairs.");
    const n = options.hardNegativesPerPair;
    if (!(Number.isInteger(n) && n >= 0)) throw new Error(`PairBatches: hardNegativesPerPair must be a whole number >= 0, got ${n}.`);
    this.sampler = new BatchSampler(pairs.length, options.batchSize);
  }

  next(rng: Rng): DrawnBatch<BiEncoderBatch> {
    const drawn = this.sampler.next(rng).map((i) => this.pairs[i]);
    const negatives: string[] = [];
    for (const p of drawn) {
      const pool = this.options.hardNegatives?.get(p.queryId) ?? [];
      if (pool.length === 0) continue;
      for (const k of rng.sample([...pool.keys()], Math.min(this.options.hardNegativesPerPair, pool.length))) negatives.push(pool[k]);
    }
    const columns = [...drawn.map((p) => p.productId), ...negatives];
    const b = drawn.length;
    const exclude = new Uint8Array(b * columns.length);
    drawn.forEach((p, i) => {
      const known = this.options.positives?.get(p.queryId);
      columns.forEach((id, j) => {
        if (j !== i && (id === p.productId || known?.has(id) || (j < b && drawn[j].queryId === p.queryId))) exclude[i * columns.length + j] = 1;
      });
    });
    const batch: BiEncoderBatch = {
      queries: this.model.textBatch(drawn.map((p) => p.query)),
      positives: this.model.textBatch(drawn.map((p) => this.text(p.productId))),
      negatives: negatives.length ? this.model.textBatch(negatives.map((id) => this.text(id))) : null,
      exclude,
    };
    let tokens = 0;
    for (const t of [batch.queries, batch.positives, batch.negatives]) if (t) for (const m of t.attentionMask) tokens += m;
    return { batch, rows: b, count: b, tokens };
  }

  /** Pairs [start, end) for a gradient worker; the count is the whole batch's (each worker's loss is the whole batch's). */
  slice(batch: BiEncoderBatch, start: number, end: number): { batch: BiEncoderBatch; count: number } {
    return { batch: sliceBiEncoderBatch(batch, start, end), count: batch.queries.batch };
  }

  state(): BatchSourceState {
    return this.sampler.state();
  }

  restore(state: BatchSourceState): void {
    this.sampler.restore(state);
  }
}

export interface BiEncoderTrainingOptions extends RunSetup, BiEncoderOptions {
  /** Positives, hard negatives and known positives (`retrievalTrainingData`), or plain pairs. */
  readonly data: RetrievalTrainingData | { readonly pairs: readonly RetrievalPair[] };
  /** The catalog the pairs' product ids name (their text: title and description). */
  readonly products: readonly Product[];
  readonly steps: number;
  readonly batchSize?: number;
  /** Peak learning rate (default the method's, `DEFAULT_LEARNING_RATES`). */
  readonly learningRate?: number;
  /** Hard negatives each pair brings to its batch (default 1; 0 for in-batch negatives only). */
  readonly hardNegativesPerPair?: number;
  /** Towers with one set of weights (default true) or two. */
  readonly shared?: boolean;
  /** Average with the product -> query direction (default false). */
  readonly symmetric?: boolean;
  /**
   * Gradient worker threads (see `TrainerOptions.workers`): 1 by default, unless COURSE_WORKERS is
   * set. The workers exchange their pairs' vectors each step, so that every query still meets
   * every product of the whole batch. A method that changes the model after each update (AdaLoRA)
   * trains on one thread: asked for explicitly, more is an error; from COURSE_WORKERS, 1.
   */
  readonly workers?: number | "auto";
  readonly onStep?: (info: TrainStepInfo) => void;
}

export interface TrainedBiEncoder {
  readonly biEncoder: BiEncoder;
  readonly base: Checkpoint;
  readonly settings: MethodSettings;
  readonly seed: number;
  readonly losses: readonly number[];
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly steps: number;
  readonly seconds: number;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  /** tau at the end (the fixed one, or what it learned). */
  readonly temperature: number;
  /** Threads that computed the gradients. */
  readonly workers: number;
}

/** A bi-encoder over a checkpoint, with `method` on each tower (the towers untrained). */
export function createBiEncoder(setup: RunSetup & BiEncoderOptions & { readonly shared?: boolean }, base = baseCheckpoint(setup.checkpoint)): BiEncoder {
  const tokenizer = runTokenizer("createBiEncoder", base, setup.tokenizer);
  const query = prepareRun("createBiEncoder", setup, base, tokenizer);
  let product: Tower = query;
  try {
    if (setup.shared === false) product = prepareRun("createBiEncoder", setup, base, tokenizer);
    return new BiEncoder(query, product, tokenizer, setup);
  } catch (error) {
    for (const t of product === query ? [query] : [query, product]) {
      t.method.dispose();
      t.encoder.dispose();
    }
    throw error;
  }
}

/** Train a bi-encoder contrastively from a pretrained checkpoint (full fine-tuning or LoRA, or any chapter 2 method). */
export async function trainBiEncoder(options: BiEncoderTrainingOptions): Promise<TrainedBiEncoder> {
  if (!(Number.isInteger(options.steps) && options.steps >= 1)) throw new Error(`trainBiEncoder: steps must be a positive integer, got ${options.steps}.`);
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(batchSize) && batchSize >= 2)) throw new Error(`trainBiEncoder: batchSize must be an integer >= 2 (in-batch negatives need a batch), got ${options.batchSize}.`);
  const base = baseCheckpoint(options.checkpoint);
  const seed = options.seed ?? 0;
  const texts = new Map(options.products.map((p) => [p.id, productText(p)]));
  const text = (id: string): string => {
    const t = texts.get(id);
    if (t === undefined) throw new Error(`trainBiEncoder: product ${id} is not in the catalog given as \`products\`.`);
    return t;
  };
  for (const p of options.data.pairs) text(p.productId);
  const model = createBiEncoder(options, base);
  try {
    const data = options.data as Partial<RetrievalTrainingData>;
    const source = new PairBatches(model, options.data.pairs, text, {
      batchSize,
      hardNegativesPerPair: options.hardNegativesPerPair ?? 1,
      hardNegatives: data.hardNegatives,
      positives: data.positives,
    });
    const symmetric = options.symmetric ?? false;
    const lrScale = model.queryTower.method.learningRateScale;
    const label = `trainBiEncoder(${options.method})`;
    let workers = resolveWorkers(options.workers);
    if (workers > 1 && model.queryTower.method.afterStep) {
      if (options.workers !== undefined) throw new Error(`${label}: ${workers} workers asked for, but method "${options.method}" changes the model after each update on the main thread; train with workers: 1.`);
      workers = 1; // COURSE_WORKERS is a preference, for the runs that can use it
    }
    if (workers > batchSize) throw new Error(`${label}: ${workers} workers need a batch of at least ${workers} pairs (each worker takes some), got batchSize ${batchSize}.`);
    const hidden = model.queryTower.encoder.config.hiddenSize;
    const trainer = new Trainer<BiEncoderBatch>({ params: model.trainableSets(), loss: (b, rng) => model.loss(b, rng, symmetric) }, source, {
      steps: options.steps,
      schedule: { peak: options.learningRate ?? DEFAULT_LEARNING_RATES[options.method], totalSteps: options.steps, warmupSteps: Math.floor(options.steps / 10), decay: "linear" },
      optimizer: { learningRateScale: lrScale ? (name) => lrScale(name.replace(/^product\//, "")) : undefined },
      seed,
      workers,
      workerTask: workers > 1 ? biEncoderWorkerSpec(biEncoderRecipe(base, options, symmetric)) : undefined,
      // The largest matrix a worker gathers: the batch's queries or products, or its hard negatives.
      exchange: workers > 1 ? Math.max(1, options.hardNegativesPerPair ?? 1) * batchSize * hidden : undefined,
      label,
    });
    const start = performance.now();
    const losses: number[] = [];
    try {
      const methods = model.shared ? [model.queryTower.method] : [model.queryTower.method, model.productTower.method];
      const run = await trainer.run(options.steps, {
        onStep: async (info) => {
          for (const m of methods) await m.afterStep?.(info.step);
          options.onStep?.(info);
        },
        stopOnInterrupt: true,
      });
      losses.push(...run.steps.map((s) => s.loss));
    } finally {
      trainer.dispose();
    }
    return {
      biEncoder: model,
      base,
      settings: methodSettingsOf(options),
      seed,
      losses,
      ...lossEnds(losses),
      steps: losses.length,
      seconds: (performance.now() - start) / 1000,
      trainableParameters: model.trainableParameters(),
      totalParameters: model.totalParameters(),
      temperature: await model.temperature(),
      workers,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// On disk: like chapter 2's fine-tuned checkpoints, a reference to the base (folder and sha256)
// plus only what training changed: the methods' weights, the encoders' when they trained, tau.

export const BI_ENCODER_FORMAT = "shoplm-biencoder";
const BI_ENCODER_VERSION = 1;
const MANIFEST = "biencoder.json";
const WEIGHTS = "biencoder.bin";

export interface BiEncoderManifest {
  readonly format: typeof BI_ENCODER_FORMAT;
  readonly version: number;
  readonly base: { readonly checkpoint: string; readonly weightsSha256: string };
  readonly method: { readonly name: MethodName; readonly settings: MethodSettings; readonly seed: number };
  readonly shared: boolean;
  readonly pooling: BiEncoderPooling;
  readonly maxLength: number;
  readonly temperature: number;
  readonly learnTemperature: boolean;
  readonly weights: TensorFileEntry;
  readonly metadata: Record<string, unknown>;
}

function prefixedSnapshot(prefix: string, set: Parameters): [string, WeightValue][] {
  return [...set.snapshot().entries()].map(([n, w]) => [`${prefix}/${n}`, w]);
}

/** Save a trained bi-encoder into `dir` (all or nothing: a sibling folder renamed into place). */
export function saveBiEncoder(dir: string, trained: Pick<TrainedBiEncoder, "biEncoder" | "base" | "settings" | "seed" | "temperature">, metadata: Record<string, unknown> = {}): BiEncoderManifest {
  const target = path.resolve(dir);
  if (existsSync(target) && !existsSync(path.join(target, MANIFEST))) throw new Error(`saveBiEncoder: ${target} exists and is not a bi-encoder folder; choose a new folder.`);
  const m = trained.biEncoder;
  return writeFolderAtomically(target, (partial) => {
    const tensors: [string, WeightValue][] = [];
    const towers: [TowerName, Tower][] = m.shared ? [["query", m.queryTower]] : [["query", m.queryTower], ["product", m.productTower]];
    for (const [name, t] of towers) {
      if (t.method.params) tensors.push(...prefixedSnapshot(`${name}/method`, t.method.params));
      if (t.method.trainsEncoder) tensors.push(...prefixedSnapshot(`${name}/encoder`, t.encoder.params));
    }
    const weights = writeTensorFile(path.join(partial, WEIGHTS), tensors);
    const relative = path.relative(target, path.resolve(trained.base.dir));
    const manifest: BiEncoderManifest = {
      format: BI_ENCODER_FORMAT,
      version: BI_ENCODER_VERSION,
      base: { checkpoint: path.isAbsolute(relative) ? path.resolve(trained.base.dir) : relative, weightsSha256: trained.base.manifest.weights.sha256 },
      method: { name: m.queryTower.method.name, settings: trained.settings, seed: trained.seed },
      shared: m.shared,
      pooling: m.pooling,
      maxLength: m.maxLength,
      temperature: trained.temperature,
      learnTemperature: m.learnTemperature,
      weights,
      metadata,
    };
    writeFileSync(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    return manifest;
  });
}

/** Load a saved bi-encoder onto its base checkpoint (checked by the sha256 of the base's weights). */
export function loadBiEncoder(dir: string, options: { readonly base?: string | Checkpoint } = {}): BiEncoder {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`Bi-encoder ${dir}: no ${MANIFEST} (not a bi-encoder folder, or its write did not finish).`);
  let manifest: BiEncoderManifest;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as BiEncoderManifest;
  } catch (error) {
    throw new Error(`Bi-encoder ${dir}: ${MANIFEST} is not valid JSON (${(error as Error).message}).`);
  }
  if (manifest.format !== BI_ENCODER_FORMAT) throw new Error(`Bi-encoder ${dir}: format is ${JSON.stringify(manifest.format)}, expected "${BI_ENCODER_FORMAT}".`);
  if (manifest.version !== BI_ENCODER_VERSION) throw new Error(`Bi-encoder ${dir}: format version ${manifest.version}; this library reads version ${BI_ENCODER_VERSION}.`);
  const base = baseOf(`Bi-encoder ${dir}`, dir, manifest.base, options.base);
  if (!base.tokenizerPath) throw new Error(`loadBiEncoder: base checkpoint ${base.dir} has no tokenizer.json.`);
  const tokenizer = loadTokenizer(base.tokenizerPath);
  const weights = readTensorFile(dir, manifest.weights);
  const part = (prefix: string): Map<string, WeightValue> =>
    new Map([...weights.entries()].filter(([n]) => n.startsWith(`${prefix}/`)).map(([n, w]) => [n.slice(prefix.length + 1), w]));
  const towers: Tower[] = [];
  const source = `bi-encoder ${dir}`;
  try {
    for (const name of manifest.shared ? ["query"] : ["query", "product"]) {
      const encoder = loadEncoder(base);
      const method = makeMethod(manifest.method.name, encoder, manifest.method.settings, manifest.method.seed);
      towers.push({ encoder, method });
      if (method.params) method.params.load(part(`${name}/method`), { source });
      if (method.trainsEncoder) encoder.params.load(part(`${name}/encoder`), { source });
    }
    return new BiEncoder(towers[0], towers[towers.length - 1], tokenizer, {
      pooling: manifest.pooling,
      maxLength: manifest.maxLength,
      temperature: manifest.temperature,
      learnTemperature: manifest.learnTemperature,
      modelId: `${path.basename(path.resolve(dir))}@${manifest.weights.sha256.slice(0, 12)}`,
    });
  } catch (error) {
    for (const t of towers) {
      t.method.dispose();
      t.encoder.dispose();
    }
    throw error;
  }
}

/** The chapter 1 encoder as it is, no fine-tuning, mean pooling (the baseline a trained bi-encoder must beat). */
export function pretrainedBiEncoder(options: { readonly checkpoint?: string | Checkpoint; readonly pooling?: BiEncoderPooling; readonly maxLength?: number } = {}): BiEncoder {
  return createBiEncoder({ method: "probe", checkpoint: options.checkpoint, pooling: options.pooling ?? "mean", maxLength: options.maxLength });
}

