/**
 * The stages after retrieval, applied to a whole run (query id -> ranked candidates): query
 * understanding on BM25 over the catalog, and a learned ranker re-ranking each query's top
 * candidates from chapter 3's feature function. Each returns a run of the same shape, so the
 * search quality table scores every stage the same way.
 */
import type { Product, Query } from "../data/records";
import type { FusedItem } from "./fusion";
import type { Bm25Index } from "./bm25";
import { features, FEATURE_VERSION, type FeatureContext } from "./features";
import type { AnyRun, ScoredRun } from "./hybrid-search";
import { scoreRows, type BoostedRanker } from "./lambdamart";
import { RankingDatasetBuilder, type RankingDataset } from "./ranking-dataset";
import { applyQueryUnderstanding, understandQuery, type ApplyOptions, type QueryUnderstandingModel } from "./query-understanding";

const byScore = (a: FusedItem, b: FusedItem): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function checkDepth(what: string, depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`${what}: depth must be an integer >= 1, got ${JSON.stringify(depth)}.`);
  return depth;
}

/**
 * BM25 over the whole catalog with query understanding: each query spelled by the corrector,
 * retrieved to `depth`, then the category boost and the attribute demotion (`applyQueryUnderstanding`).
 */
export function understoodBm25Run(
  index: Bm25Index,
  queries: readonly Query[],
  model: QueryUnderstandingModel,
  products: readonly Product[],
  options: ApplyOptions & { readonly depth?: number } = {}
): ScoredRun {
  const depth = checkDepth("understoodBm25Run", options.depth ?? 100);
  const byId = new Map(products.map((p) => [p.id, p]));
  const run: ScoredRun = new Map();
  for (const q of queries) {
    const understood = understandQuery(q.text, model);
    const hits = index.search(understood.corrected, depth);
    run.set(q.id, applyQueryUnderstanding(hits, understood, byId, model, options).hits.map((h) => ({ id: h.id, score: h.score })));
  }
  return run;
}

export interface RerankOptions {
  /** Candidates of each query re-ranked (default 100); the rest of the list is dropped. */
  readonly depth?: number;
  /** The shopper of each query (default none: the anonymous shopper, personal features 0). */
  readonly userOf?: (query: Query) => string | null;
  /** The moment of each query, so features read only the log before it (default: after the whole log). */
  readonly timeOf?: (query: Query) => string | undefined;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Re-ranks each query's top `depth` candidates of `run` by a learned ranker's scores of their
 * feature rows (`features()`); ties keep the candidate with the smaller id first. Queries absent
 * from the run are left out.
 */
export async function rerankRun(run: AnyRun, queries: readonly Query[], ranker: BoostedRanker, context: FeatureContext, options: RerankOptions = {}): Promise<ScoredRun> {
  const depth = checkDepth("rerankRun", options.depth ?? 100);
  const out: ScoredRun = new Map();
  let done = 0;
  for (const q of queries) {
    done++;
    const list = run.get(q.id);
    if (!list) continue;
    const ids = list.slice(0, depth).map((x) => (typeof x === "string" ? x : x.id));
    if (ids.length === 0) {
      out.set(q.id, []);
      continue;
    }
    const rows = await features(q.text, options.userOf?.(q) ?? null, ids, context, { time: options.timeOf?.(q) });
    const scores = scoreRows(ranker, rows);
    out.set(q.id, ids.map((id, i) => ({ id, score: scores[i] })).sort(byScore));
    if (done % 50 === 0 || done === queries.length) options.onProgress?.(done, queries.length);
  }
  return out;
}

/**
 * Training data for a re-ranker from the stage it re-ranks: each query's top `depth` candidates
 * of `run` as a group of feature rows, labelled by `grade(queryId, productId)` (e.g. the ESCI
 * grade a judge gave the pair). A ranker learns best from the candidates it will meet: judged
 * pools sampled another way have another mix of products. Queries without candidates are left out.
 */
export async function candidateRankingDataset(
  run: AnyRun,
  queries: readonly Query[],
  grade: (queryId: string, productId: string) => number,
  context: FeatureContext,
  options: Pick<RerankOptions, "depth" | "userOf" | "timeOf" | "onProgress"> = {}
): Promise<RankingDataset> {
  const depth = checkDepth("candidateRankingDataset", options.depth ?? 100);
  const builder = new RankingDatasetBuilder(FEATURE_VERSION);
  let done = 0;
  for (const q of queries) {
    done++;
    const ids = (run.get(q.id) ?? []).slice(0, depth).map((x) => (typeof x === "string" ? x : x.id));
    if (ids.length === 0) continue;
    const rows = await features(q.text, options.userOf?.(q) ?? null, ids, context, { time: options.timeOf?.(q) });
    builder.add(q.id, rows, ids.map((id) => grade(q.id, id)));
    if (done % 50 === 0 || done === queries.length) options.onProgress?.(done, queries.length);
  }
  if (builder.queries === 0) throw new Error(`candidateRankingDataset: none of the ${queries.length} queries has a candidate in the run.`);
  return builder.build();
}

/** A run from a dataset's rows and their scores: each group's documents by score (ties: smaller id first). */
export function datasetRun(data: RankingDataset, scores: ArrayLike<number>): ScoredRun {
  if (scores.length !== data.rows) throw new Error(`datasetRun: ${scores.length} scores for ${data.rows} rows.`);
  const run: ScoredRun = new Map();
  data.queryIds.forEach((q, g) => {
    const list: FusedItem[] = [];
    for (let i = data.groupStarts[g]; i < data.groupStarts[g + 1]; i++) list.push({ id: data.docIds[i], score: scores[i] });
    run.set(q, list.sort(byScore));
  });
  return run;
}
