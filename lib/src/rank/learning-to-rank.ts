/**
 * Learning to rank on the shop: the judged pools as a grouped dataset of chapter 3's ranking
 * features (`features()`) with ESCI grades (E 3, S 2, C 1, I 0), query-level folds, and the
 * cross-validated comparison of learned rankers (pointwise GBRT, RankNet, LambdaMART) with a
 * single-feature baseline (BM25), by NDCG@10 per query.
 *
 * The judged queries carry no user and no time: each pool is scored for an anonymous shopper
 * (user null, so the personal features are 0) after the whole interaction log (popularity from
 * the whole log). Product and query embeddings come from the shipped bi-encoder.
 *
 * Folds are by query (every row of a query in one fold): K folds over the shop's train + valid
 * queries by a seeded shuffle, plus the shop's own split ("test": train on all train + valid
 * queries, evaluate on the test queries). Note that the shipped bi-encoder learned from the
 * train-split judgments, so its cosine is more telling on those queries than on unseen ones;
 * the "test" fold has none of that.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/files";
import * as path from "node:path";
import { Rng, type Seed } from "../core/random";
import { sha256Hex } from "../core/hash";
import { ESCI_GRADES } from "../data/esci";
import { productText } from "../data/keyword-match";
import { interactions } from "../data/logs";
import type { EsciLabel, Query } from "../data/records";
import { defaultDataRoot, type LoadedShop } from "../data/shop-files";
import type { BiEncoder } from "../embed/bi-encoder";
import type { Gain } from "../eval/ranking";
import { featureContext, features, FEATURE_VERSION, type FeatureSources } from "./features";
import { trainLambdaMart, trainPointwiseGbrt, ensembleScores, featureImportances, type BoostingOptions, type FeatureImportance, type LambdaMartOptions } from "./lambdamart";
import { datasetNdcg, rankingDataset, RankingDatasetBuilder, subsetQueries, type RankingDataset } from "./ranking-dataset";
import { rankNetScores, trainRankNet, type RankNetOptions } from "./ranknet";

/** Embeds the catalog (product tower) and the given query texts (query tower) once, as `features()`' sources. */
export async function shopFeatureSources(
  shop: Pick<LoadedShop, "products" | "sessions">,
  biEncoder: BiEncoder,
  queryTexts: readonly string[],
  options: {
    readonly onProgress?: (stage: string, done: number, total: number) => void;
    /** The catalog already through the product tower (rows in `shop.products` order, e.g. `hybridSearch`'s `catalogVectors`): not embedded again. */
    readonly catalogVectors?: Float32Array;
  } = {}
): Promise<FeatureSources> {
  const products = options.catalogVectors ?? (await biEncoder.embed(shop.products.map(productText), "product", { onProgress: (d, t) => options.onProgress?.("products", d, t) }));
  if (products.length % shop.products.length !== 0) throw new Error(`shopFeatureSources: ${products.length} catalog vector values are not whole rows for ${shop.products.length} products.`);
  const d = products.length / shop.products.length;
  const productVectors = new Map(shop.products.map((p, i) => [p.id, products.subarray(i * d, (i + 1) * d)]));
  const texts = [...new Set(queryTexts)];
  const queries = await biEncoder.embed(texts, "query", { onProgress: (dd, t) => options.onProgress?.("queries", dd, t) });
  const queryVectors = new Map(texts.map((t, i) => [t, queries.subarray(i * d, (i + 1) * d)]));
  const embedQuery = async (text: string): Promise<Float32Array> => queryVectors.get(text) ?? (await biEncoder.embed([text], "query"));
  return { products: shop.products, productVectors, embedQuery, interactions: interactions(shop.sessions) };
}

/**
 * The judged pools as a ranking dataset: one group per judged query (in `queries` order, those
 * without judgments left out), its judged products' feature rows, labels = grades of the ESCI labels.
 */
export async function judgedRankingDataset(
  shop: Pick<LoadedShop, "judgments">,
  queries: readonly Query[],
  sources: FeatureSources,
  options: { readonly grades?: Readonly<Record<EsciLabel, number>>; readonly onProgress?: (done: number, total: number) => void } = {}
): Promise<RankingDataset> {
  const grades = options.grades ?? ESCI_GRADES;
  const pools = new Map<string, { product: string; label: EsciLabel }[]>();
  for (const j of shop.judgments) {
    const list = pools.get(j.query) ?? [];
    list.push({ product: j.product, label: j.label });
    pools.set(j.query, list);
  }
  const context = featureContext(sources);
  const builder = new RankingDatasetBuilder(FEATURE_VERSION);
  let done = 0;
  for (const q of queries) {
    const pool = pools.get(q.id);
    done++;
    if (!pool) continue;
    const rows = await features(q.text, null, pool.map((p) => p.product), context);
    builder.add(q.id, rows, pool.map((p) => grades[p.label]));
    if (done % 100 === 0 || done === queries.length) options.onProgress?.(done, queries.length);
  }
  if (builder.queries === 0) throw new Error(`judgedRankingDataset: none of the ${queries.length} queries has a judgment.`);
  return builder.build();
}

const DATASET_FORMAT = "shoplm-ranking-dataset";

/**
 * Writes a dataset as `<file>` (JSON: everything but the feature values) and `<file>.f32` (the
 * values, little-endian float32, row-major): numpy reads the second with np.fromfile.
 */
export function saveRankingDataset(data: RankingDataset, file: string, extra: Readonly<Record<string, unknown>> = {}): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const bytes = new Uint8Array(data.values.buffer, data.values.byteOffset, data.values.byteLength);
  // Unique temporary names (writeFileAtomic): two processes building the same cache at once (a
  // notebook and a test) must not write into one partial file.
  writeFileAtomic(`${file}.f32`, bytes);
  const header = {
    format: DATASET_FORMAT,
    ...extra,
    version: data.version,
    names: data.names,
    rows: data.rows,
    columns: data.columns,
    valuesSha256: sha256Hex(bytes),
    queryIds: data.queryIds,
    groupSizes: Array.from({ length: data.queryIds.length }, (_, q) => data.groupStarts[q + 1] - data.groupStarts[q]),
    docIds: data.docIds,
    labels: Array.from(data.labels),
    weights: data.weights ? Array.from(data.weights) : null,
  };
  writeFileAtomic(file, JSON.stringify(header));
}

/** Reads a dataset written by `saveRankingDataset` (checking the values' checksum). */
export function loadRankingDataset(file: string): RankingDataset & { readonly extra: Readonly<Record<string, unknown>> } {
  if (!existsSync(file) || !existsSync(`${file}.f32`)) throw new Error(`loadRankingDataset: expected ${file} and ${file}.f32 (written by saveRankingDataset); ${existsSync(file) ? `${file}.f32` : file} is missing.`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`loadRankingDataset: ${file} is not valid JSON (${(error as Error).message}).`);
  }
  if (header.format !== DATASET_FORMAT) throw new Error(`loadRankingDataset: ${file} has format ${JSON.stringify(header.format)}, expected "${DATASET_FORMAT}".`);
  const bytes = readFileSync(`${file}.f32`);
  if (sha256Hex(bytes) !== header.valuesSha256) throw new Error(`loadRankingDataset: ${file}.f32 does not match the checksum in ${file} (a partial or stale write?).`);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const { format: _f, version, names, rows: _r, columns: _c, valuesSha256: _s, queryIds, groupSizes, docIds, labels, weights, ...extra } = header;
  const data = rankingDataset({
    version: version as string,
    names: names as string[],
    values,
    labels: labels as number[],
    weights: weights as number[] | null,
    queryIds: queryIds as string[],
    docIds: docIds as string[],
    groupSizes: groupSizes as number[],
  });
  return { ...data, extra };
}

export interface ShopRankingDatasetOptions {
  /** Where to cache the feature rows (default build/ltr in the course's folder, whatever the working directory); null: no cache. */
  readonly cacheDir?: string | null;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
  /** The catalog already through the bi-encoder's product tower (see `shopFeatureSources`). */
  readonly catalogVectors?: Float32Array;
}

/**
 * The shop's judged pools as a ranking dataset (every judged query, all splits), built once with
 * the given bi-encoder and cached under `cacheDir` keyed by the shop's files, the feature version
 * and the bi-encoder's id: later calls read the file (seconds instead of minutes). `file` is the
 * cache file (what scripts/golden/xgboost_rank.py reads), null without a cache.
 */
export async function shopRankingDataset(shop: LoadedShop, biEncoder: BiEncoder, options: ShopRankingDatasetOptions = {}): Promise<RankingDataset & { readonly cached: boolean; readonly seconds: number; readonly file: string | null }> {
  const started = performance.now();
  const key = sha256Hex(JSON.stringify([FEATURE_VERSION, biEncoder.modelId, shop.manifest.files, shop.manifest.profile])).slice(0, 16);
  // The course's build folder beside data/ (a notebook's working directory is notebooks/).
  const cacheDir = options.cacheDir === undefined ? path.join(path.dirname(defaultDataRoot()), "build", "ltr") : options.cacheDir;
  const file = cacheDir === null ? null : path.join(cacheDir, `${shop.manifest.profile}-${key}.json`);
  if (file && existsSync(file) && existsSync(`${file}.f32`)) {
    try {
      const data = loadRankingDataset(file);
      return { ...data, cached: true, seconds: (performance.now() - started) / 1000, file };
    } catch (error) {
      // A cache left inconsistent (values and header from different writes): rebuilt below and rewritten.
      console.warn(`shopRankingDataset: rebuilding the cache: ${(error as Error).message}`);
    }
  }
  const queries = shop.queries;
  const sources = await shopFeatureSources(shop, biEncoder, queries.map((q) => q.text), { onProgress: options.onProgress, catalogVectors: options.catalogVectors });
  const data = await judgedRankingDataset(shop, queries, sources, { onProgress: (d, t) => options.onProgress?.("features", d, t) });
  if (file) saveRankingDataset(data, file, { profile: shop.manifest.profile, biEncoder: biEncoder.modelId });
  return { ...data, cached: false, seconds: (performance.now() - started) / 1000, file };
}

/** A fold: which queries (indexes into the dataset's queries) train and which test. */
export interface QueryFold {
  readonly name: string;
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * Query-level folds: `k` folds over the queries of the `cross` splits (default train and validation) by
 * a seeded shuffle, then the shop's own split: "test" trains on every `cross` query and tests on
 * the `holdout` split's queries (default "test"; none: no such fold).
 */
export function queryFolds(
  data: Pick<RankingDataset, "queryIds">,
  queries: readonly Pick<Query, "id" | "split">[],
  options: { readonly k?: number; readonly seed?: Seed; readonly cross?: readonly string[]; readonly holdout?: string | null } = {}
): QueryFold[] {
  const k = options.k ?? 5;
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`queryFolds: k must be an integer >= 2, got ${k}.`);
  const split = new Map(queries.map((q) => [q.id, q.split as string]));
  const cross = new Set(options.cross ?? ["train", "validation"]);
  const holdout = options.holdout === undefined ? "test" : options.holdout;
  const inCross: number[] = [];
  const inHoldout: number[] = [];
  data.queryIds.forEach((id, q) => {
    const s = split.get(id);
    if (s === undefined) throw new Error(`queryFolds: dataset query "${id}" is not among the ${queries.length} queries given.`);
    if (cross.has(s)) inCross.push(q);
    else if (s === holdout) inHoldout.push(q);
  });
  if (inCross.length < k) throw new Error(`queryFolds: ${inCross.length} queries of the splits ${[...cross].join(", ")} cannot make ${k} folds.`);
  const order = new Rng(options.seed ?? 0).shuffle(inCross.slice());
  const folds: QueryFold[] = [];
  for (let f = 0; f < k; f++) {
    const test = order.filter((_, i) => i % k === f).sort((a, b) => a - b);
    const train = order.filter((_, i) => i % k !== f).sort((a, b) => a - b);
    folds.push({ name: `fold ${f + 1}`, train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  if (holdout !== null && inHoldout.length) folds.push({ name: holdout, train: Int32Array.from(inCross.slice().sort((a, b) => a - b)), test: Int32Array.from(inHoldout) });
  return folds;
}

/** A learned ranker for the comparison: trains on a dataset and returns a scorer of raw rows. */
export interface LearnedRanker {
  readonly name: string;
  readonly train: (data: RankingDataset) => LearnedScorer;
}

export interface LearnedScorer {
  readonly score: (values: Float32Array, rows: number) => Float64Array;
  /** Gain importances, for tree models. */
  readonly importances?: FeatureImportance[];
}

/** Ranks by one feature column (no training): the keyword (BM25) or dense (cosine) baseline. */
export function featureRanker(feature: string, name = feature): LearnedRanker {
  return {
    name,
    train: (data) => {
      const j = data.names.indexOf(feature);
      if (j < 0) throw new Error(`featureRanker: no feature "${feature}" among ${data.names.join(", ")}.`);
      return { score: (values, rows) => Float64Array.from({ length: rows }, (_, i) => values[i * data.columns + j]) };
    },
  };
}

export function lambdaMartRanker(options: LambdaMartOptions = {}, name = "LambdaMART"): LearnedRanker {
  return {
    name,
    train: (data) => {
      const model = trainLambdaMart(data, options);
      return { score: (values, rows) => ensembleScores(model, values, rows, data.columns), importances: featureImportances(model) };
    },
  };
}

export function pointwiseRanker(options: BoostingOptions = {}, name = "pointwise GBRT"): LearnedRanker {
  return {
    name,
    train: (data) => {
      const model = trainPointwiseGbrt(data, options);
      return { score: (values, rows) => ensembleScores(model, values, rows, data.columns), importances: featureImportances(model) };
    },
  };
}

export function rankNetRanker(options: RankNetOptions = {}, name = "RankNet"): LearnedRanker {
  return {
    name,
    train: (data) => {
      const model = trainRankNet(data, options);
      return { score: (values, rows) => rankNetScores(model, values, rows) };
    },
  };
}

export interface LtrFoldResult {
  readonly fold: string;
  readonly queries: number;
  readonly ndcg: number;
  readonly seconds: number;
}

export interface LtrResult {
  readonly ranker: string;
  readonly folds: readonly LtrFoldResult[];
  /** Mean over the folds of each fold's mean NDCG. */
  readonly mean: number;
  /** Per test query (query id -> NDCG), over all folds, for paired tests. */
  readonly perQuery: ReadonlyMap<string, number>;
  /** Gain importances of the model trained on the last fold (tree models). */
  readonly importances?: readonly FeatureImportance[];
}

export interface LtrComparisonOptions {
  /** NDCG cutoff. Default 10. */
  readonly k?: number;
  /** Default "exponential". */
  readonly gain?: Gain;
  readonly onFold?: (ranker: string, fold: string, ndcg: number) => void;
}

/**
 * Trains every ranker on each fold's training queries and scores its test queries: NDCG@k per
 * query (ranking-dataset.ts's `datasetNdcg`), mean per fold, mean over folds.
 */
export async function compareLearnedRankers(data: RankingDataset, folds: readonly QueryFold[], rankers: readonly LearnedRanker[], options: LtrComparisonOptions = {}): Promise<LtrResult[]> {
  if (!folds.length || !rankers.length) throw new Error(`compareLearnedRankers: expected at least one fold and one ranker, got ${folds.length} and ${rankers.length}.`);
  const parts = folds.map((f) => ({ fold: f, train: subsetQueries(data, f.train), test: subsetQueries(data, f.test) }));
  const out: LtrResult[] = [];
  for (const ranker of rankers) {
    const perQuery = new Map<string, number>();
    let importances: FeatureImportance[] | undefined;
    const results: LtrFoldResult[] = [];
    for (const { fold, train, test } of parts) {
      const started = performance.now();
      const scorer = ranker.train(train);
      const per = datasetNdcg(test, scorer.score(test.values, test.rows), { k: options.k, gain: options.gain });
      per.forEach((v, q) => perQuery.set(test.queryIds[q], v));
      importances = scorer.importances;
      const ndcg = per.reduce((a, b) => a + b, 0) / per.length;
      options.onFold?.(ranker.name, fold.name, ndcg);
      results.push({ fold: fold.name, queries: per.length, ndcg, seconds: (performance.now() - started) / 1000 });
      // Let the event loop run between folds (a notebook's display, a test worker's heartbeat).
      await new Promise((resolve) => setImmediate(resolve));
    }
    out.push({ ranker: ranker.name, folds: results, mean: results.reduce((a, r) => a + r.ndcg, 0) / results.length, perQuery, importances });
  }
  return out;
}
