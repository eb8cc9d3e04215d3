/**
 * Training a cross-encoder to rank within a query's pool, not only to label pairs one by one.
 *
 * A pointwise classifier can lower its loss by learning which *queries* have many relevant
 * products (a prior per query) without ever comparing the products of one query: exactly what
 * re-ranking needs and what it does not get. Here a batch holds a few pools (several candidates of
 * the same query each), and the loss compares scores inside each pool:
 * - pairwise (RankNet): for every pair of one pool with grades g_i > g_j,
 *   log(1 + exp(-sharpness * (s_i - s_j)));
 * - listwise (ListNet, top-one): cross-entropy between softmax(g / temperature) and
 *   softmax(sharpness * s) over the pool's candidates;
 * where s is the classifier's expected grade (so the model stays a grade classifier and
 * `expectedGrades` keeps its meaning). The pointwise classification loss is kept beside it with a
 * weight (0 drops it), which keeps the grade scale calibrated.
 *
 * On gradient workers the rows of a batch are split anywhere (inside a pool too): each worker
 * computes its rows' logits and gathers the others' (`RowExchange`), then the whole batch's loss
 * with its own rows live.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import { BatchSampler } from "../train/batches";
import { gatheredRows, workerShareOfLoss, type RowExchange } from "../train/row-exchange";
import type { BatchSource, BatchSourceState, DrawnBatch, TrainingTask } from "../train/trainer";
import { classificationBatch, sliceClassificationBatch, SequenceClassifier, type ClassificationBatch } from "./classifier";
import type { Parameters } from "../model/parameters";
import type { EncodedExample } from "./examples";
import type { FineTunable } from "./fine-tune";
import { classificationLoss } from "./heads";
import type { FineTuneMethod } from "./method";

export type RankingObjective = "pointwise" | "pairwise" | "listwise";
export const RANKING_OBJECTIVES: readonly RankingObjective[] = ["pointwise", "pairwise", "listwise"];

/** One query's encoded candidates with their grade labels (label index into the scale). */
export interface EncodedPool {
  readonly queryId: string;
  readonly examples: readonly EncodedExample[];
}

export interface PoolRankingOptions {
  readonly objective: Exclude<RankingObjective, "pointwise">;
  /** Grade of each label index (the scale's grades). */
  readonly grades: readonly number[];
  /** Multiplies score differences before the logistic or softmax (default 4: grades span a few units). */
  readonly sharpness?: number;
  /** Listwise target softmax(g / temperature) (default 1). */
  readonly temperature?: number;
  /** Weight of the pointwise classification loss added to the ranking loss (default 1; 0: none). */
  readonly pointwiseWeight?: number;
  /** Candidates drawn from each pool per batch (default 8); a batch of B rows holds B / perPool pools. */
  readonly perPool?: number;
}

/** A padded batch of several pools' candidates, pool after pool. */
export interface PoolBatch extends ClassificationBatch {
  /** Candidates of each pool in the batch, in order (the whole batch's, in a share too). */
  readonly poolSizes: Int32Array;
  /** On a gradient worker: its rows [start, start + batch) of the whole batch's `total`, and the whole batch's labels. */
  readonly shard?: { readonly start: number; readonly total: number; readonly labels: Int32Array };
}

/** Rows [start, end) of a pool batch for a gradient worker (the pools and labels stay the whole batch's). */
export function slicePoolBatch(b: PoolBatch, start: number, end: number): PoolBatch {
  if (b.shard) throw new Error("slicePoolBatch: the batch is already a share of another.");
  return { ...sliceClassificationBatch(b, start, end), poolSizes: b.poolSizes, shard: { start, total: b.batch, labels: b.labels } };
}

/** The pools that can teach an order: at least two candidates with different grades. */
export function rankablePools(pools: readonly EncodedPool[], grades: readonly number[]): EncodedPool[] {
  return pools.filter((p) => new Set(p.examples.map((e) => grades[e.label])).size >= 2);
}

/**
 * Batches of `poolsPerBatch` pools in a fresh seeded order every epoch, `perPool` candidates of
 * each drawn without replacement (all of a smaller pool), so that every pool drawn holds at
 * least two different grades: the first candidates are one of the best and one of the worst.
 */
export class PoolBatches implements BatchSource<PoolBatch> {
  private readonly sampler: BatchSampler;
  /** Floats a worker gathers: the logits of the largest batch. */
  readonly exchange: number;

  constructor(
    readonly pools: readonly EncodedPool[],
    readonly options: { readonly poolsPerBatch: number; readonly perPool: number; readonly padId: number; readonly maxLength: number; readonly grades: readonly number[] }
  ) {
    if (pools.length === 0) throw new Error("PoolBatches: no pool holds two different grades; a ranking loss has nothing to compare.");
    if (!(Number.isInteger(options.perPool) && options.perPool >= 2)) throw new Error(`PoolBatches: perPool must be an integer of at least 2, got ${options.perPool}.`);
    this.sampler = new BatchSampler(pools.length, options.poolsPerBatch);
    // One grade per label: a row of logits is grades.length wide.
    this.exchange = options.poolsPerBatch * options.perPool * options.grades.length;
  }

  /** Rows [start, end) for a gradient worker; the count is the whole batch's (each worker's loss is the whole batch's). */
  slice(batch: PoolBatch, start: number, end: number): { batch: PoolBatch; count: number } {
    return { batch: slicePoolBatch(batch, start, end), count: batch.batch };
  }

  private draw(pool: EncodedPool, rng: Rng): EncodedExample[] {
    const { grades, perPool } = this.options;
    const order = rng.permutation(pool.examples.length).map((i) => pool.examples[i]);
    if (order.length <= perPool) return order;
    let best = 0;
    let worst = 0;
    order.forEach((e, i) => {
      if (grades[e.label] > grades[order[best].label]) best = i;
      if (grades[e.label] < grades[order[worst].label]) worst = i;
    });
    const rest = order.filter((_, i) => i !== best && i !== worst);
    return [order[best], order[worst], ...rest.slice(0, perPool - 2)];
  }

  next(rng: Rng): DrawnBatch<PoolBatch> {
    const chosen = this.sampler.next(rng).map((i) => this.draw(this.pools[i], rng));
    const flat = chosen.flat();
    const b = classificationBatch(flat, this.options.padId, this.options.maxLength);
    let tokens = 0;
    for (let i = 0; i < b.attentionMask.length; i++) tokens += b.attentionMask[i];
    return { batch: { ...b, poolSizes: Int32Array.from(chosen, (c) => c.length) }, rows: b.batch, count: b.batch, tokens };
  }

  state(): BatchSourceState {
    return this.sampler.state();
  }

  restore(state: BatchSourceState): void {
    this.sampler.restore(state);
  }
}

/**
 * The ranking loss of scores s [n] for a batch of pools (see the module comment), as plain
 * matrices so that its gradient needs only matMul (no gather: the wasm backend lacks its gradient).
 */
export function poolRankingLoss(scores: tf.Tensor1D, labels: Int32Array, poolSizes: Int32Array, options: PoolRankingOptions): tf.Scalar {
  const n = scores.shape[0];
  const sharpness = options.sharpness ?? 4;
  const g = Array.from(labels, (l) => options.grades[l]);
  let total = 0;
  for (const size of poolSizes) total += size;
  if (total !== n) throw new Error(`poolRankingLoss: the pools hold ${total} candidates, the scores ${n}.`);
  return tf.tidy(() => {
    if (options.objective === "pairwise") {
      // One row per ordered pair (better, worse) of one pool: +1 at the better, -1 at the worse.
      const rows: number[] = [];
      let start = 0;
      for (const size of poolSizes) {
        for (let i = start; i < start + size; i++) {
          for (let j = start; j < start + size; j++) {
            if (g[i] > g[j]) {
              const row = new Array<number>(n).fill(0);
              row[i] = 1;
              row[j] = -1;
              rows.push(...row);
            }
          }
        }
        start += size;
      }
      const pairs = rows.length / n;
      if (pairs === 0) throw new Error("poolRankingLoss: no pool in the batch holds two different grades.");
      const diff = tf.matMul(tf.tensor2d(rows, [pairs, n]), scores.reshape([n, 1])).reshape([pairs]);
      return tf.softplus(diff.mul(-sharpness)).mean() as tf.Scalar;
    }
    // Listwise: one row per pool; -1e9 outside it, so the softmax runs over the pool alone.
    const temperature = options.temperature ?? 1;
    const pools = poolSizes.length;
    const member = new Float32Array(pools * n);
    const outside = new Float32Array(pools * n).fill(-1e9);
    const target = new Float32Array(pools * n);
    let start = 0;
    poolSizes.forEach((size, p) => {
      let max = -Infinity;
      for (let i = start; i < start + size; i++) max = Math.max(max, g[i] / temperature);
      let z = 0;
      for (let i = start; i < start + size; i++) z += Math.exp(g[i] / temperature - max);
      for (let i = start; i < start + size; i++) {
        member[p * n + i] = 1;
        outside[p * n + i] = 0;
        target[p * n + i] = Math.exp(g[i] / temperature - max) / z;
      }
      start += size;
    });
    const s = scores.reshape([1, n]).mul(sharpness);
    const logits = tf.tensor2d(member, [pools, n]).mul(s).add(tf.tensor2d(outside, [pools, n]));
    return tf.logSoftmax(logits).mul(tf.tensor2d(target, [pools, n])).sum().neg().div(pools) as tf.Scalar;
  });
}

/** A sequence classifier over grade labels trained with a ranking loss inside pools (plus the pointwise loss): what `fineTune` trains on pools. */
export class PoolRankingClassifier implements FineTunable<EncodedPool, PoolBatch> {
  constructor(
    readonly classifier: SequenceClassifier,
    readonly options: PoolRankingOptions
  ) {
    if (options.grades.length !== classifier.head.labels.length) throw new Error(`PoolRankingClassifier: ${options.grades.length} grades for ${classifier.head.labels.length} labels.`);
    if (!RANKING_OBJECTIVES.includes(options.objective) || options.objective === ("pointwise" as string)) throw new Error(`PoolRankingClassifier: objective must be "pairwise" or "listwise", got "${options.objective}".`);
    const w = options.pointwiseWeight ?? 1;
    if (!(w >= 0)) throw new Error(`PoolRankingClassifier: pointwiseWeight must be 0 or more, got ${w}.`);
  }

  /** The batch's loss; on a gradient worker (`exchange`, `b` a share) the whole batch's from gathered logits (see `RowExchange`). */
  loss(b: PoolBatch, rng: Rng | null, exchange?: RowExchange): tf.Scalar {
    if (exchange && !b.shard) throw new Error("PoolRankingClassifier.loss: a worker's loss needs its share of a batch (slicePoolBatch).");
    return tf.tidy(() => {
      let logits = this.classifier.logits(b, rng);
      let labels = b.labels;
      const k = this.options.grades.length;
      if (exchange && b.shard) {
        logits = gatheredRows(exchange, logits, b.shard.start, b.shard.total, k);
        labels = b.shard.labels;
      }
      const expected = tf.softmax(logits).matMul(tf.tensor2d(Float32Array.from(this.options.grades), [k, 1])).reshape([labels.length]) as tf.Tensor1D;
      let loss = poolRankingLoss(expected, labels, b.poolSizes, this.options);
      const w = this.options.pointwiseWeight ?? 1;
      if (w > 0) loss = loss.add(classificationLoss(logits, labels, this.classifier.classWeights).mul(w));
      if (exchange) loss = workerShareOfLoss(loss, exchange);
      const regularizer = rng && this.classifier.method.regularizer;
      // A worker adds its share of the regularizer (the workers' shares add up to it).
      return (regularizer ? loss.add(exchange ? regularizer().div(exchange.count) : regularizer()) : loss) as tf.Scalar;
    });
  }

  get method(): FineTuneMethod {
    return this.classifier.method;
  }

  task(): TrainingTask<PoolBatch> {
    return { params: this.classifier.trainableSets(), loss: (b, rng, exchange) => this.loss(b, rng, exchange) };
  }

  trainableSets(): Parameters[] {
    return this.classifier.trainableSets();
  }

  trainableParameters(): number {
    return this.classifier.trainableParameters();
  }

  /** `batchSize` rows per batch: batchSize / perPool pools (at least one). */
  batchSource(pools: readonly EncodedPool[], options: { readonly batchSize: number; readonly padId: number; readonly maxLength: number }): PoolBatches {
    const perPool = this.options.perPool ?? 8;
    return new PoolBatches(rankablePools(pools, this.options.grades), { ...options, perPool, poolsPerBatch: Math.max(1, Math.floor(options.batchSize / perPool)), grades: this.options.grades });
  }

  labelsOf(pools: readonly EncodedPool[]): Int32Array {
    return this.classifier.labelsOf(pools.flatMap((p) => p.examples));
  }

  predict(pools: readonly EncodedPool[], padId: number, maxLength: number): Promise<Int32Array> {
    return this.classifier.predict(pools.flatMap((p) => p.examples), padId, maxLength);
  }
}

/** Encoded examples grouped by their query, first-seen order. */
export function groupIntoPools(examples: readonly EncodedExample[], queryIds: readonly string[]): EncodedPool[] {
  if (examples.length !== queryIds.length) throw new Error(`groupIntoPools: ${examples.length} examples for ${queryIds.length} query ids.`);
  const pools = new Map<string, EncodedExample[]>();
  examples.forEach((e, i) => {
    const list = pools.get(queryIds[i]);
    if (list) list.push(e);
    else pools.set(queryIds[i], [e]);
  });
  return [...pools].map(([queryId, list]) => ({ queryId, examples: list }));
}
