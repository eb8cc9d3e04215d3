/**
 * A learning-to-rank dataset: feature rows grouped by query, with a label per row (a graded
 * relevance such as ESCI's 0..3, or a click 0/1) and an optional per-row weight (an inverse
 * propensity weight, for instance; 1 when left out). Every ranker of chapter 4 trains on it, and
 * `datasetNdcg` scores any ranker's row scores on it with the evaluation library's NDCG.
 */
import { ndcgAtK, type Gain, type ScoredDoc } from "../eval/ranking";
import type { FeatureMatrix } from "./regression-tree";

export interface RankingDataset extends FeatureMatrix {
  /** The feature list's version (FEATURE_VERSION for the shop's features). */
  readonly version: string;
  readonly names: readonly string[];
  readonly labels: Float32Array;
  /** Per-row weights, or null for all 1. */
  readonly weights: Float32Array | null;
  /** One id per query (group). */
  readonly queryIds: readonly string[];
  /** One id per row (the product id). */
  readonly docIds: readonly string[];
  /** Query q owns rows groupStarts[q] .. groupStarts[q + 1] - 1; length queries + 1. */
  readonly groupStarts: Int32Array;
}

export interface RankingDatasetInput {
  readonly version: string;
  readonly names: readonly string[];
  readonly values: Float32Array;
  readonly labels: ArrayLike<number>;
  readonly weights?: ArrayLike<number> | null;
  readonly queryIds: readonly string[];
  readonly docIds: readonly string[];
  /** Rows per query, in order. */
  readonly groupSizes: readonly number[];
}

/** Checks and assembles a dataset (labels and weights finite, weights >= 0, sizes consistent). */
export function rankingDataset(input: RankingDatasetInput): RankingDataset {
  const columns = input.names.length;
  const rows = input.docIds.length;
  if (columns < 1) throw new Error("rankingDataset: expected at least one feature name, got none.");
  if (input.values.length !== rows * columns) throw new Error(`rankingDataset: ${rows} rows (docIds) x ${columns} columns (names) need ${rows * columns} values, got ${input.values.length}.`);
  if (input.labels.length !== rows) throw new Error(`rankingDataset: expected ${rows} labels (one per row), got ${input.labels.length}.`);
  if (input.weights && input.weights.length !== rows) throw new Error(`rankingDataset: expected ${rows} weights (one per row), got ${input.weights.length}.`);
  if (input.groupSizes.length !== input.queryIds.length) throw new Error(`rankingDataset: expected one group size per query (${input.queryIds.length}), got ${input.groupSizes.length}.`);
  const groupStarts = new Int32Array(input.groupSizes.length + 1);
  input.groupSizes.forEach((n, q) => {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`rankingDataset: query ${q} ("${input.queryIds[q]}") has group size ${n}; expected an integer >= 1.`);
    groupStarts[q + 1] = groupStarts[q] + n;
  });
  if (groupStarts[input.groupSizes.length] !== rows) throw new Error(`rankingDataset: the group sizes add up to ${groupStarts[input.groupSizes.length]} rows, but there are ${rows}.`);
  const labels = Float32Array.from(input.labels);
  labels.forEach((y, i) => {
    if (!Number.isFinite(y) || y < 0) throw new Error(`rankingDataset: row ${i} (query "${queryOfRow(groupStarts, input.queryIds, i)}", doc "${input.docIds[i]}") has label ${y}; expected a finite number >= 0 (a grade or a click).`);
  });
  const weights = input.weights ? Float32Array.from(input.weights) : null;
  weights?.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new Error(`rankingDataset: row ${i} (doc "${input.docIds[i]}") has weight ${w}; expected a finite number >= 0.`);
  });
  return { version: input.version, names: input.names, values: input.values, rows, columns, labels, weights, queryIds: input.queryIds, docIds: input.docIds, groupStarts };
}

/**
 * Collects a dataset one query at a time (its feature rows, their labels, optional weights) and
 * assembles it once at the end, so callers never concatenate feature chunks by hand.
 */
export class RankingDatasetBuilder {
  private readonly chunks: Float32Array[] = [];
  private readonly labels: number[] = [];
  private readonly weights: number[] = [];
  private weighted = false;
  private readonly docIds: string[] = [];
  private readonly queryIds: string[] = [];
  private readonly sizes: number[] = [];
  private names: readonly string[] | null = null;

  constructor(private readonly version: string) {}

  /** One query's group: `rows` as `features()` returns them (one row per product, in order). */
  add(queryId: string, rows: { readonly names: readonly string[]; readonly productIds: readonly string[]; readonly values: Float32Array }, labels: ArrayLike<number>, weights?: ArrayLike<number>): void {
    if (this.names === null) this.names = rows.names;
    else if (rows.names.length !== this.names.length || rows.names.some((n, i) => n !== (this.names as readonly string[])[i])) throw new Error(`RankingDatasetBuilder: query "${queryId}" has features ${rows.names.join(", ")}; the dataset has ${this.names.join(", ")}.`);
    const n = rows.productIds.length;
    if (labels.length !== n) throw new Error(`RankingDatasetBuilder: query "${queryId}" has ${n} rows but ${labels.length} labels.`);
    if (weights && weights.length !== n) throw new Error(`RankingDatasetBuilder: query "${queryId}" has ${n} rows but ${weights.length} weights.`);
    if (weights && !this.weighted) {
      this.weighted = true;
      this.weights.push(...new Array<number>(this.labels.length).fill(1));
    }
    this.chunks.push(rows.values);
    for (let i = 0; i < n; i++) {
      this.labels.push(labels[i]);
      if (this.weighted) this.weights.push(weights ? weights[i] : 1);
      this.docIds.push(rows.productIds[i]);
    }
    this.queryIds.push(queryId);
    this.sizes.push(n);
  }

  get queries(): number {
    return this.queryIds.length;
  }

  build(): RankingDataset {
    if (this.names === null) throw new Error("RankingDatasetBuilder: no query was added.");
    const values = new Float32Array(this.docIds.length * this.names.length);
    let at = 0;
    for (const c of this.chunks) {
      values.set(c, at);
      at += c.length;
    }
    return rankingDataset({ version: this.version, names: this.names, values, labels: this.labels, weights: this.weighted ? this.weights : null, queryIds: this.queryIds, docIds: this.docIds, groupSizes: this.sizes });
  }
}

function queryOfRow(groupStarts: Int32Array, queryIds: readonly string[], row: number): string {
  let q = 0;
  while (q + 1 < groupStarts.length - 1 && groupStarts[q + 1] <= row) q++;
  return queryIds[q];
}

/** The dataset restricted to some queries (by index, in the given order). */
export function subsetQueries(data: RankingDataset, queries: ArrayLike<number>): RankingDataset {
  const sizes: number[] = [];
  let rows = 0;
  for (let k = 0; k < queries.length; k++) {
    const q = queries[k];
    if (!(Number.isInteger(q) && q >= 0 && q < data.queryIds.length)) throw new Error(`subsetQueries: query index ${q} is out of range 0..${data.queryIds.length - 1}.`);
    sizes.push(data.groupStarts[q + 1] - data.groupStarts[q]);
    rows += sizes[k];
  }
  const values = new Float32Array(rows * data.columns);
  const labels = new Float32Array(rows);
  const weights = data.weights ? new Float32Array(rows) : null;
  const docIds: string[] = [];
  const queryIds: string[] = [];
  let at = 0;
  for (let k = 0; k < queries.length; k++) {
    const q = queries[k];
    const a = data.groupStarts[q];
    const b = data.groupStarts[q + 1];
    values.set(data.values.subarray(a * data.columns, b * data.columns), at * data.columns);
    labels.set(data.labels.subarray(a, b), at);
    weights?.set((data.weights as Float32Array).subarray(a, b), at);
    for (let i = a; i < b; i++) docIds.push(data.docIds[i]);
    queryIds.push(data.queryIds[q]);
    at += b - a;
  }
  return rankingDataset({ version: data.version, names: data.names, values, labels, weights, queryIds, docIds, groupSizes: sizes });
}

/** The same rows with other labels and/or weights (clicks instead of grades, propensity weights). */
export function withLabels(data: RankingDataset, labels: ArrayLike<number>, weights: ArrayLike<number> | null = data.weights): RankingDataset {
  const sizes = Array.from({ length: data.queryIds.length }, (_, q) => data.groupStarts[q + 1] - data.groupStarts[q]);
  return rankingDataset({ version: data.version, names: data.names, values: data.values, labels, weights, queryIds: data.queryIds, docIds: data.docIds, groupSizes: sizes });
}

export interface DatasetNdcgOptions {
  /** Cutoff. Default 10. */
  readonly k?: number;
  /** Default "exponential" (2^label - 1, what LambdaMART and XGBoost's rank:ndcg optimise). */
  readonly gain?: Gain;
}

/**
 * NDCG@k of each query when its rows are ordered by `scores` (eval/ranking.ts's ndcgAtK; tied
 * scores get the expected NDCG over their orders, so no ranker gains from row order).
 */
export function datasetNdcg(data: RankingDataset, scores: ArrayLike<number>, options: DatasetNdcgOptions = {}): Float64Array {
  if (scores.length !== data.rows) throw new Error(`datasetNdcg: expected ${data.rows} scores (one per row), got ${scores.length}.`);
  const out = new Float64Array(data.queryIds.length);
  for (let q = 0; q < out.length; q++) {
    const ranking: ScoredDoc[] = [];
    const judgments = new Map<string, number>();
    for (let i = data.groupStarts[q]; i < data.groupStarts[q + 1]; i++) {
      const id = String(i);
      if (!Number.isFinite(scores[i])) throw new Error(`datasetNdcg: the score of row ${i} (query "${data.queryIds[q]}", doc "${data.docIds[i]}") is ${scores[i]}; expected a finite number.`);
      ranking.push({ docId: id, score: scores[i] });
      judgments.set(id, data.labels[i]);
    }
    out[q] = ndcgAtK(ranking, judgments, options.k ?? 10, { gain: options.gain ?? "exponential", ties: "average" });
  }
  return out;
}

/** The mean of `datasetNdcg` over the queries. */
export function meanDatasetNdcg(data: RankingDataset, scores: ArrayLike<number>, options: DatasetNdcgOptions = {}): number {
  const per = datasetNdcg(data, scores, options);
  let sum = 0;
  for (const v of per) sum += v;
  return per.length ? sum / per.length : 0;
}
