/**
 * The stages after retrieval, applied to a whole run (query id -> ranked candidates): query
 * understanding on BM25 over the catalog, a learned ranker re-ranking each query's top
 * candidates from chapter 3's feature function, and a pair scorer (chapter 2's cross-encoder)
 * re-ordering each head. Each returns a run of the same shape, so the search quality table scores
 * every stage the same way. `LearnedReranker` is the learned ranker as the engine's stage, one
 * query at a time.
 */
import type { Product, Query } from "../data/records";
import type { FusedItem } from "./fusion";
import type { Bm25Index } from "./bm25";
import { checkFeatureVersion, features, featuresWith, FEATURE_VERSION, STAGE_FEATURE_VERSION, withStageScore, type FeatureContext, type PreparedQuery } from "./features";
import type { AnyRun, ScoredRun } from "./hybrid-search";
import { scoreRows, type BoostedRanker } from "./lambdamart";
import { RankingDatasetBuilder, type RankingDataset } from "./ranking-dataset";
import { applyQueryUnderstanding, understandQuery, type ApplyOptions, type QueryUnderstandingModel } from "./query-understanding";
import type { EngineHit, EngineReranker, RerankQuery } from "./shop-engine";

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
  options: Pick<RerankOptions, "depth" | "userOf" | "timeOf" | "onProgress"> & {
    /** Append the run's own score as a last column (`withStageScore`); the run must carry scores. */
    readonly stageScore?: boolean;
  } = {}
): Promise<RankingDataset> {
  const depth = checkDepth("candidateRankingDataset", options.depth ?? 100);
  const builder = new RankingDatasetBuilder(options.stageScore ? STAGE_FEATURE_VERSION : FEATURE_VERSION);
  let done = 0;
  for (const q of queries) {
    done++;
    const list = (run.get(q.id) ?? []).slice(0, depth);
    const ids = list.map((x) => (typeof x === "string" ? x : x.id));
    if (ids.length === 0) continue;
    let rows = await features(q.text, options.userOf?.(q) ?? null, ids, context, { time: options.timeOf?.(q) });
    if (options.stageScore) {
      rows = withStageScore(rows, list.map((x, i) => {
        if (typeof x === "string") throw new Error(`candidateRankingDataset: stageScore needs a scored run; query ${q.id}'s candidate ${i} ("${x}") has no score.`);
        return x.score;
      }));
    }
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

/** A pair scorer: one score per (query text, product id), higher better (a cross-encoder's expected grade). */
export type PairScorer = (pairs: readonly { readonly query: string; readonly id: string }[]) => Promise<ArrayLike<number>>;

/**
 * Re-orders each query's top `depth` candidates of `run` by `score` (called once, with every
 * query's pairs), highest first, ties by id; the candidates below `depth` follow in their
 * original order, so the list keeps its length. Queries absent from the run are left out.
 * Returned scores: the pair scores for the re-ranked head, then strictly decreasing values below
 * the head's lowest for the tail.
 */
export async function rerankTopByPairs(run: AnyRun, queries: readonly Query[], score: PairScorer, depth: number): Promise<ScoredRun> {
  checkDepth("rerankTopByPairs", depth);
  const lists = queries.filter((q) => run.has(q.id)).map((q) => ({ q, ids: (run.get(q.id) as readonly (string | FusedItem)[]).map((x) => (typeof x === "string" ? x : x.id)) }));
  const pairs = lists.flatMap(({ q, ids }) => ids.slice(0, depth).map((id) => ({ query: q.text, id })));
  const scores = await score(pairs);
  if (scores.length !== pairs.length) throw new Error(`rerankTopByPairs: the scorer returned ${scores.length} scores for ${pairs.length} pairs.`);
  const out: ScoredRun = new Map();
  let at = 0;
  for (const { q, ids } of lists) {
    const head = ids.slice(0, depth).map((id) => {
      const s = Number(scores[at++]);
      if (!Number.isFinite(s)) throw new Error(`rerankTopByPairs: the score of query ${q.id}, product ${id} is ${s}; expected a finite number.`);
      return { id, score: s };
    });
    head.sort(byScore);
    const floor = head.length ? head[head.length - 1].score : 0;
    out.set(q.id, [...head, ...ids.slice(depth).map((id, i) => ({ id, score: floor - 1 - i }))]);
  }
  return out;
}

/**
 * A learned ranker as the engine's re-ranking stage: chapter 3's features of the searched text
 * (after spelling correction), the shopper and each candidate at the query's time, scored by a
 * boosted ranker (LambdaMART). The query's vector and intent are awaited ahead, in
 * `prepareQueries` (the engine calls it), so scoring needs no await.
 */
export class LearnedReranker implements EngineReranker {
  readonly name: string;
  readonly depth: number;
  /** The model reads the engine's own score of each candidate as its last column (trained with `stageScore`). */
  readonly stageScore: boolean;
  private readonly prepared = new Map<string, PreparedQuery>();

  constructor(
    readonly model: BoostedRanker,
    readonly context: FeatureContext,
    options: { readonly depth?: number; readonly name?: string } = {}
  ) {
    if (model.version !== STAGE_FEATURE_VERSION) checkFeatureVersion({ version: model.version, names: model.names });
    this.stageScore = model.version === STAGE_FEATURE_VERSION;
    this.depth = checkDepth("LearnedReranker", options.depth ?? 30);
    this.name = options.name ?? `${model.objective} (${model.trees.length} trees)`;
  }

  async prepareQueries(texts: readonly string[]): Promise<void> {
    const { sources } = this.context;
    for (const text of new Set(texts)) {
      if (this.prepared.has(text)) continue;
      const vector = await sources.embedQuery(text);
      const intent = sources.intent ? await sources.intent(text) : null;
      this.prepared.set(text, { vector, intent });
    }
  }

  score(query: RerankQuery, user: string | null, candidates: readonly EngineHit[], time: string | undefined): Float64Array {
    const prepared = this.prepared.get(query.searched);
    if (!prepared) throw new Error(`LearnedReranker: the text "${query.searched}" was not prepared; call prepareQueries (ShopEngine.prepareQueries does) with the texts first.`);
    const rows = featuresWith(query.searched, prepared, user, candidates.map((c) => c.id), this.context, { time });
    return scoreRows(this.model, this.stageScore ? withStageScore(rows, candidates.map((c) => c.score)) : rows);
  }
}
