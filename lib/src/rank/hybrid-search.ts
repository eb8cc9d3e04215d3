/**
 * Hybrid retrieval measured on the shop: BM25 (top-k from the inverted index), dense retrieval
 * (the chapter 3 bi-encoder through an exact vector index) and their fusion, each over the whole
 * catalog, scored by NDCG@10 per query kind with a paired significance test against BM25.
 *
 * - Runs: query id -> ranked `{ id, score }` (best first), for every query of the shop (all
 *   splits), so that later stages (re-ranking, a learned ranker trained on the train split) take
 *   their candidates from here.
 * - Fusion: reciprocal rank fusion (`reciprocalRankFusion`, swept over its k and over how deep
 *   each list counts) and a linear mix of per-query normalised scores (`linearFusion`: weight w on
 *   dense, 1 - w on BM25, min-max or z-score), both from ./fusion.
 * - Tuning: RRF's (k, depth) and the mix's (w, normalisation) are chosen on the validation
 *   queries only (by default): the bi-encoder learned from the train-split queries' judgments, so
 *   its scores on those queries are optimistic and would pull the weight towards dense. The test
 *   queries are only ever scored. The "hybrid" run handed to later stages is the tuned fusion
 *   (RRF or linear) that scored higher on the tuning queries, never chosen on test.
 * - Grades: catalog-wide ESCI grades (`catalogQrels`, chapter 3's): every product the query's
 *   intent could touch is graded, so a full-catalog run is not scored against a pool of 40.
 *   NDCG@10 with the ESCI gains; only queries with an Exact product in the catalog are scored;
 *   a query a retriever returns nothing for scores 0 (never skipped).
 * - Significance: per-query NDCG@10 of a stage against BM25's on the same queries, paired
 *   randomisation test (two-sided, 10,000 seeded sign flips) or paired t-test.
 */
import { productText } from "../data/keyword-match";
import { QUERY_KINDS, type Product, type Query, type QueryKind, type Split } from "../data/records";
import type { BiEncoder } from "../embed/bi-encoder";
import { catalogQrels, keywordRun } from "../embed/retrieval-eval";
import { ExactIndex } from "../embed/vector-search";
import { evaluateRun } from "../eval/ranking";
import { pairedRandomisationTest, pairedTTest } from "../eval/significance";
import { productBm25Index, type Bm25Index } from "./bm25";
import { linearFusion, reciprocalRankFusion, type FusedItem, type ScoreNormalization } from "./fusion";

/** Query id -> ranked products with their scores, best first. */
export type ScoredRun = Map<string, FusedItem[]>;

/** A run given with or without scores (an id list is already in rank order). */
export type AnyRun = ReadonlyMap<string, readonly (string | FusedItem)[]>;

/** Query id -> ranked product ids. */
export function runIds(run: AnyRun): Map<string, string[]> {
  return new Map([...run].map(([q, list]) => [q, list.map((x) => (typeof x === "string" ? x : x.id))]));
}

function checkDepth(what: string, depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`${what}: depth must be an integer >= 1, got ${JSON.stringify(depth)}.`);
  return depth;
}

/** BM25's top `depth` for each query, from the inverted index (fewer when fewer products match). */
export function bm25Run(index: Bm25Index, queries: readonly Query[], depth = 100): ScoredRun {
  checkDepth("bm25Run", depth);
  return new Map(queries.map((q) => [q.id, index.search(q.text, depth)]));
}

/** The catalog's unit vectors through the bi-encoder's product tower, row-major [products, hidden]. */
export function catalogEmbeddings(model: BiEncoder, products: readonly Product[], options: { readonly batchSize?: number; readonly onProgress?: (done: number, total: number) => void } = {}): Promise<Float32Array> {
  return model.embed(products.map(productText), "product", options);
}

/**
 * The dense retriever's exact top `depth` by cosine for each query, with the cosines (the inner
 * product of unit vectors); ties go to the earlier catalog row. Pass `catalogVectors` (from
 * `catalogEmbeddings`) to embed the catalog once for several runs.
 */
export async function denseScoredRun(
  model: BiEncoder,
  queries: readonly Query[],
  products: readonly Product[],
  options: { readonly depth?: number; readonly catalogVectors?: Float32Array; readonly batchSize?: number } = {}
): Promise<ScoredRun> {
  const depth = checkDepth("denseScoredRun", options.depth ?? 100);
  const dim = model.queryTower.encoder.config.hiddenSize;
  const catalog = options.catalogVectors ?? (await catalogEmbeddings(model, products, { batchSize: options.batchSize }));
  if (catalog.length !== products.length * dim) throw new Error(`denseScoredRun: catalogVectors has ${catalog.length} values, expected ${products.length} products x ${dim}.`);
  if (queries.length === 0) return new Map();
  const q = await model.embed(queries.map((x) => x.text), "query", { batchSize: options.batchSize });
  const index = new ExactIndex({ dimension: dim, modelId: model.modelId, metric: "ip" });
  try {
    index.add(catalog);
    const hits = index.searchBatch(q, depth);
    return new Map(queries.map((x, i) => [x.id, hits[i].ids.map((j, r) => ({ id: products[j].id, score: hits[i].scores[r] }))]));
  } finally {
    index.dispose();
  }
}

function queryIds(runs: readonly AnyRun[]): string[] {
  const ids = new Set<string>();
  for (const run of runs) for (const q of run.keys()) ids.add(q);
  return [...ids];
}

/** RRF of several runs, query by query (each list's first `depth` items count), cut to `cut` (default 100). */
export function rrfRun(runs: readonly AnyRun[], options: { readonly k?: number; readonly depth?: number; readonly cut?: number } = {}): ScoredRun {
  const ids = runs.map(runIds);
  const cut = checkDepth("rrfRun (cut)", options.cut ?? 100);
  return new Map(queryIds(runs).map((q) => [q, reciprocalRankFusion(ids.map((r) => r.get(q) ?? []), { k: options.k, depth: options.depth }).slice(0, cut)]));
}

/**
 * Linear mix of several scored runs, query by query: each run's scores normalised per query
 * (`linearFusion`), weighted, summed, cut to `cut` (default 100).
 */
export function linearMixRun(
  runs: readonly ReadonlyMap<string, readonly FusedItem[]>[],
  options: { readonly weights: readonly number[]; readonly normalize?: ScoreNormalization; readonly cut?: number }
): ScoredRun {
  const cut = checkDepth("linearMixRun (cut)", options.cut ?? 100);
  return new Map(
    queryIds(runs).map((q) => [
      q,
      linearFusion(
        runs.map((r) => new Map((r.get(q) ?? []).map((x) => [x.id, x.score]))),
        { weights: options.weights, normalize: options.normalize }
      ).slice(0, cut),
    ])
  );
}

// ---------------------------------------------------------------------------------------------
// Scoring: NDCG@10 by kind, p-value against a baseline.

export type SignificanceTest = "randomisation" | "t-test";

export interface KindQuality {
  readonly queries: number;
  readonly ndcg10: number;
  /** Paired test against the baseline on this kind's queries (null for the baseline itself, or fewer than 2 queries). */
  readonly pValue: number | null;
}

/** One row of the search quality table: a stage of the engine on the scored queries. */
export interface SearchQualityRow {
  readonly stage: string;
  readonly queries: number;
  readonly ndcg10: number;
  /** Share of the Exact products in the top 100 (what a re-ranker over these candidates can reach). */
  readonly recall100: number;
  readonly byKind: Partial<Record<QueryKind, KindQuality>>;
  /** Paired test of per-query NDCG@10 against the baseline (null for the baseline's own row). */
  readonly pValue: number | null;
  readonly baseline: string;
  readonly test: SignificanceTest;
}

/** What every row is scored on: the queries, their grades and the baseline's per-query NDCG@10. */
export interface SearchQualityContext {
  readonly split: Split;
  /** The split's queries that have an Exact product in the catalog (the scored ones). */
  readonly queries: readonly Query[];
  readonly qrels: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly baseline: string;
  readonly baselineNdcg: ReadonlyMap<string, number>;
  readonly test: SignificanceTest;
  readonly samples: number;
  readonly seed: number;
}

type Metric = "ndcg@10" | "recall@100";

/** Per-query NDCG@10 and recall@100 of a run on `queries` (a query missing from the run scores 0). */
function perQuery(run: AnyRun, queries: readonly Query[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): Map<string, Record<Metric, number>> {
  const judged = new Map(queries.map((q) => [q.id, qrels.get(q.id) as ReadonlyMap<string, number>]));
  const e = evaluateRun(runIds(run), judged, ["ndcg@10", "recall@100"] as const, { relevanceThreshold: 1, scale: { min: 0, max: 1 }, missing: "zero" });
  return e.perQuery as Map<string, Record<Metric, number>>;
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function pValueOf(a: readonly number[], b: readonly number[], context: SearchQualityContext): number | null {
  if (a.length < 2) return null;
  return context.test === "t-test" ? pairedTTest(a, b).pValue : pairedRandomisationTest(a, b, { samples: context.samples, seed: context.seed }).pValue;
}

/** Mean NDCG@10 of a run over `queries` (the tuning score). */
export function meanNdcg10(run: AnyRun, queries: readonly Query[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): number {
  if (queries.length === 0) throw new Error("meanNdcg10: no query to score (none has an Exact product in the catalog).");
  return mean([...perQuery(run, queries, qrels).values()].map((r) => r["ndcg@10"]));
}

/** The queries of `split` (all splits when null) with at least one Exact product (gain 1) in the catalog. */
export function scoredQueries(queries: readonly Query[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>, splits: readonly Split[] | null): Query[] {
  return queries.filter((q) => (splits === null || splits.includes(q.split)) && [...(qrels.get(q.id)?.values() ?? [])].some((g) => g >= 1));
}

/**
 * The context every row of the table is scored in: the `split`'s queries with an Exact product,
 * the catalog-wide grades, and the baseline run's per-query NDCG@10.
 */
export function searchQualityContext(options: {
  readonly products: readonly Product[];
  readonly queries: readonly Query[];
  readonly baselineRun: AnyRun;
  readonly baseline?: string;
  readonly split?: Split;
  readonly qrels?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly test?: SignificanceTest;
  readonly samples?: number;
  readonly seed?: number;
}): SearchQualityContext {
  const split = options.split ?? "test";
  const test = options.test ?? "randomisation";
  if (test !== "randomisation" && test !== "t-test") throw new Error(`searchQualityContext: test must be "randomisation" or "t-test", got ${JSON.stringify(test)}.`);
  const inSplit = options.queries.filter((q) => q.split === split);
  const qrels = options.qrels ?? catalogQrels(options.products, inSplit);
  const queries = scoredQueries(inSplit, qrels, [split]);
  if (queries.length === 0) throw new Error(`searchQualityContext: no ${split}-split query has an Exact product in the catalog (${inSplit.length} ${split}-split queries).`);
  const base = perQuery(options.baselineRun, queries, qrels);
  return {
    split,
    queries,
    qrels,
    baseline: options.baseline ?? "BM25",
    baselineNdcg: new Map([...base].map(([q, r]) => [q, r["ndcg@10"]])),
    test,
    samples: options.samples ?? 10_000,
    seed: options.seed ?? 0,
  };
}

/**
 * A stage's row: NDCG@10 overall and by query kind, recall@100, and the paired p-value against
 * the context's baseline (overall and per kind). Later stages (a re-ranker, a learned ranker)
 * append their rows by calling this with their run.
 */
export function searchQualityRow(stage: string, run: AnyRun, context: SearchQualityContext): SearchQualityRow {
  if (typeof stage !== "string" || stage === "") throw new Error(`searchQualityRow: stage must be a non-empty name, got ${JSON.stringify(stage)}.`);
  const scored = perQuery(run, context.queries, context.qrels);
  const isBaseline = stage === context.baseline;
  const part = (qs: readonly Query[]): { ndcg10: number; pValue: number | null } => {
    const a = qs.map((q) => (scored.get(q.id) as Record<Metric, number>)["ndcg@10"]);
    const b = qs.map((q) => context.baselineNdcg.get(q.id) as number);
    return { ndcg10: mean(a), pValue: isBaseline ? null : pValueOf(a, b, context) };
  };
  const byKind: Partial<Record<QueryKind, KindQuality>> = {};
  for (const kind of QUERY_KINDS) {
    const qs = context.queries.filter((q) => q.kind === kind);
    if (qs.length) byKind[kind] = { queries: qs.length, ...part(qs) };
  }
  const all = part(context.queries);
  return {
    stage,
    queries: context.queries.length,
    ndcg10: all.ndcg10,
    recall100: mean(context.queries.map((q) => (scored.get(q.id) as Record<Metric, number>)["recall@100"])),
    byKind,
    pValue: all.pValue,
    baseline: context.baseline,
    test: context.test,
  };
}

/** Rows as flat records (one per stage: NDCG@10 overall and per kind, p-value), for a DataFrame or a card. */
export function searchQualityTable(rows: readonly SearchQualityRow[]): Record<string, string | number | null>[] {
  return rows.map((r) => {
    const out: Record<string, string | number | null> = { stage: r.stage, queries: r.queries, "ndcg@10": r.ndcg10 };
    for (const kind of QUERY_KINDS) out[kind] = r.byKind[kind]?.ndcg10 ?? null;
    out["recall@100"] = r.recall100;
    out[`p vs ${r.baseline}`] = r.pValue;
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// The whole measurement.

export interface RrfSetting {
  readonly k: number;
  readonly depth: number;
  /** Mean NDCG@10 on the tuning queries. */
  readonly tuning: number;
  /** Mean NDCG@10 on the scored queries of the report's split (shown, never used to choose). */
  readonly test: number;
}

export interface LinearSetting {
  readonly denseWeight: number;
  readonly normalize: ScoreNormalization;
  readonly tuning: number;
  readonly test: number;
}

export interface HybridSearchOptions {
  /** Retrieval depth of BM25 and dense (and the cut of every fused run). Default 100. */
  readonly depth?: number;
  /** RRF's k values swept. Default [1, 10, 30, 60, 100]. */
  readonly rrfKs?: readonly number[];
  /** How deep each list counts in RRF, swept (values above `depth` are dropped). Default [10, 30, 100]. */
  readonly rrfDepths?: readonly number[];
  /** Dense weights w of the linear mix (BM25 gets 1 - w). Default 0, 0.05, ..., 1. */
  readonly denseWeights?: readonly number[];
  /** Normalisations tried for the linear mix. Default ["minmax", "zscore"]. */
  readonly normalizations?: readonly ScoreNormalization[];
  /** Splits whose queries tune RRF and the mix. Default ["validation"] (see the module comment). */
  readonly tuneSplits?: readonly Split[];
  /** Split reported. Default "test". */
  readonly split?: Split;
  readonly test?: SignificanceTest;
  readonly samples?: number;
  readonly seed?: number;
}

export interface HybridSearchReport {
  /** keyword, BM25, dense, RRF (k = 60), RRF (tuned), linear (tuned): scored on the split's queries. */
  readonly rows: readonly SearchQualityRow[];
  readonly context: SearchQualityContext;
  readonly rrfSweep: readonly RrfSetting[];
  readonly linearSweep: readonly LinearSetting[];
  readonly chosen: {
    readonly rrf: RrfSetting;
    readonly linear: LinearSetting;
    /** Which tuned fusion became `runs.hybrid` (the higher tuning score; RRF on a tie). */
    readonly hybrid: "rrf" | "linear";
  };
  /** Every query of the shop (all splits), top `depth`, for the later stages. */
  readonly runs: { readonly bm25: ScoredRun; readonly dense: ScoredRun; readonly rrf: ScoredRun; readonly linear: ScoredRun; readonly hybrid: ScoredRun };
  readonly tuningQueries: number;
  readonly depth: number;
}

const DEFAULT_WEIGHTS = Array.from({ length: 21 }, (_, i) => i / 20);

/**
 * The measurement from runs already retrieved (BM25 and dense, every query of the shop): sweeps
 * RRF and the linear mix on the tuning queries, then scores every stage on the reported split.
 */
export function hybridSearchFromRuns(input: {
  readonly products: readonly Product[];
  readonly queries: readonly Query[];
  readonly bm25: ScoredRun;
  readonly dense: ScoredRun;
  readonly keyword?: AnyRun;
  readonly options?: HybridSearchOptions;
}): HybridSearchReport {
  const o = input.options ?? {};
  const depth = checkDepth("hybridSearch", o.depth ?? 100);
  const split = o.split ?? "test";
  const tuneSplits = o.tuneSplits ?? ["validation"];
  if (tuneSplits.includes(split)) throw new Error(`hybridSearch: the reported split "${split}" cannot also tune the fusion (tuneSplits: ${tuneSplits.join(", ")}).`);
  for (const [name, run] of [["bm25", input.bm25], ["dense", input.dense]] as const) {
    const missing = input.queries.filter((q) => !run.has(q.id));
    if (missing.length) throw new Error(`hybridSearch: the ${name} run has no ranking for ${missing.length} of the ${input.queries.length} queries (first: ${missing[0].id}).`);
  }
  const qrels = catalogQrels(input.products, input.queries);
  const tuning = scoredQueries(input.queries, qrels, tuneSplits);
  if (tuning.length === 0) throw new Error(`hybridSearch: no ${tuneSplits.join("/")} query has an Exact product in the catalog; nothing to tune on.`);
  const context = searchQualityContext({ products: input.products, queries: input.queries, baselineRun: input.bm25, baseline: "BM25", split, qrels, test: o.test, samples: o.samples, seed: o.seed });
  const retrievers = [input.bm25, input.dense];
  const score = (run: AnyRun): { tuning: number; test: number } => ({ tuning: meanNdcg10(run, tuning, qrels), test: meanNdcg10(run, context.queries, qrels) });
  const sub = (run: ScoredRun, qs: readonly Query[]): ScoredRun => new Map(qs.map((q) => [q.id, run.get(q.id) ?? []]));
  const scoredOnly = [...tuning, ...context.queries];
  const small = retrievers.map((r) => sub(r, scoredOnly));

  const rrfSweep: RrfSetting[] = [];
  const depths = [...new Set((o.rrfDepths ?? [10, 30, 100]).map((d) => Math.min(checkDepth("hybridSearch (rrfDepths)", d), depth)))];
  for (const d of depths) for (const k of o.rrfKs ?? [1, 10, 30, 60, 100]) rrfSweep.push({ k, depth: d, ...score(rrfRun(small, { k, depth: d, cut: depth })) });
  const linearSweep: LinearSetting[] = [];
  for (const normalize of o.normalizations ?? ["minmax", "zscore"]) {
    for (const w of o.denseWeights ?? DEFAULT_WEIGHTS) {
      if (!(w >= 0 && w <= 1)) throw new Error(`hybridSearch: denseWeights must lie in [0, 1], got ${w}.`);
      linearSweep.push({ denseWeight: w, normalize, ...score(linearMixRun(small, { weights: [1 - w, w], normalize, cut: depth })) });
    }
  }
  // The first best in sweep order: deterministic, and chosen on the tuning queries only.
  const best = <T extends { tuning: number }>(xs: readonly T[]): T => xs.reduce((a, b) => (b.tuning > a.tuning ? b : a));
  const rrf = best(rrfSweep);
  const linear = best(linearSweep);
  const runs = {
    bm25: input.bm25,
    dense: input.dense,
    rrf: rrfRun(retrievers, { k: rrf.k, depth: rrf.depth, cut: depth }),
    linear: linearMixRun(retrievers, { weights: [1 - linear.denseWeight, linear.denseWeight], normalize: linear.normalize, cut: depth }),
  };
  const hybrid = linear.tuning > rrf.tuning ? "linear" : "rrf";
  const rows: SearchQualityRow[] = [];
  if (input.keyword) rows.push(searchQualityRow("keyword", input.keyword, context));
  rows.push(
    searchQualityRow("BM25", runs.bm25, context),
    searchQualityRow("dense", runs.dense, context),
    searchQualityRow("hybrid RRF (k = 60)", rrfRun(retrievers, { k: 60, cut: depth }), context),
    searchQualityRow(`hybrid RRF (tuned: k = ${rrf.k}, depth ${rrf.depth})`, runs.rrf, context),
    searchQualityRow(`hybrid linear (tuned: dense weight ${linear.denseWeight.toFixed(2)}, ${linear.normalize})`, runs.linear, context)
  );
  return {
    rows,
    context,
    rrfSweep,
    linearSweep,
    chosen: { rrf, linear, hybrid },
    runs: { ...runs, hybrid: runs[hybrid] },
    tuningQueries: tuning.length,
    depth,
  };
}

export interface HybridSearchResult extends HybridSearchReport {
  /** The catalog through the bi-encoder's product tower, row-major (for MMR, or another run). */
  readonly catalogVectors: Float32Array;
  /** Product id -> its unit vector (views into `catalogVectors`). */
  readonly embeddingOf: ReadonlyMap<string, Float32Array>;
}

/**
 * Hybrid retrieval on the shop in one call: BM25 and dense runs for every query over the whole
 * catalog, the RRF and linear sweeps tuned on the validation queries, and the table on the test
 * queries (with the keyword baseline of chapter 0 as its first row).
 */
export async function hybridSearch(options: {
  readonly shop: { readonly products: readonly Product[]; readonly queries: readonly Query[] };
  readonly biEncoder: BiEncoder;
  readonly catalogVectors?: Float32Array;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
} & HybridSearchOptions): Promise<HybridSearchResult> {
  const { products, queries } = options.shop;
  if (products.length === 0 || queries.length === 0) throw new Error(`hybridSearch: the shop has ${products.length} products and ${queries.length} queries; expected some of each.`);
  const depth = checkDepth("hybridSearch", options.depth ?? 100);
  const catalogVectors = options.catalogVectors ?? (await catalogEmbeddings(options.biEncoder, products, { batchSize: options.batchSize, onProgress: options.onProgress }));
  const dense = await denseScoredRun(options.biEncoder, queries, products, { depth, catalogVectors, batchSize: options.batchSize });
  const bm25 = bm25Run(productBm25Index(products), queries, depth);
  const split = options.split ?? "test";
  const keyword = keywordRun(queries.filter((q) => q.split === split), products, depth);
  const report = hybridSearchFromRuns({ products, queries, bm25, dense, keyword, options });
  const dim = catalogVectors.length / products.length;
  const embeddingOf = new Map(products.map((p, i) => [p.id, catalogVectors.subarray(i * dim, (i + 1) * dim)]));
  return { ...report, catalogVectors, embeddingOf };
}
