/**
 * Relevance folds: a judged relevance dataset (any format `loadSearchJudgments` reads) as
 * query pools with grades and a fold assignment, and the cross-validated evaluation every
 * relevance model is compared by: re-rank each test pool, NDCG@10 with linear gain of the grade,
 * per fold, mean and standard deviation, RMSE when the scorer predicts grades, and a paired
 * significance test between two scorers. The baselines (random, a mean-grade predictor, BM25
 * tuned on each fold's training part) plug into the same evaluation as any other scorer.
 *
 * Folds:
 * - Files that come as fold files (Crowdflower's fold-1.csv .. fold-10.csv) keep them: fold k
 *   is the test part, the others the training part. Crowdflower's ten folds split the *pairs*,
 *   not the queries: every one of its 261 queries has pairs in every fold, so a test pool is one
 *   query's pairs in that fold (about 4), and models see the same queries (other products) in
 *   training (as in the Kaggle competition, whose test queries all occur in its training set).
 * - `folds: K`, and any file without fold files: K folds grouped by query (every pair of a query
 *   in one fold), queries assigned by a seeded shuffle, so no test query is seen in training and
 *   each test pool is the query's whole judged list (about 39 products on Crowdflower). This is
 *   the harder and more telling protocol: on 4-item pools every ranker scores above 0.9.
 *
 * Grades start at 0 for "irrelevant" on every dataset, so an irrelevant product gains nothing:
 * the file's number minus its scale's lowest value where the scale is numeric (Crowdflower
 * median_relevance 1..4 -> 0..3, Home Depot mean relevance 1..3 -> 0..2), ESCI_GRADES of the
 * label (E 3, S 2, C 1, I 0) for WANDS and ESCI. NDCG uses linear gain = grade; RMSE is on the
 * same shifted scale (a shift does not change it). With the unshifted 1..4 an irrelevant product
 * would gain 1 and every order would look good (the expected NDCG@10 of a random order over
 * whole Crowdflower query pools is 0.83 on 1..4 and 0.77 on 0..3).
 *
 * Ties: a scorer that gives several items of a pool the same score gets the expected NDCG over
 * every order of the tied items (`ties: "average"`), so no scorer gains or loses by item ids.
 */
import { Rng, type Seed } from "../core/random";
import { loadSearchJudgments, type JudgmentFormat, type JudgmentLoadOptions, type SearchJudgment } from "../data/judgments";
import { ESCI_GRADES } from "../data/esci";
import { describeIssues, type RecordIssue, type SourceFile } from "../data/load-report";
import { compareCodePoints, evaluateRun, type GradeScale, type ScoredDoc, type TieRule } from "../eval/ranking";
import { pairedRandomisationTest, pairedTTest, type PairedTTestResult, type RandomisationResult } from "../eval/significance";
import { Bm25Index, type Bm25Params } from "./bm25";
import { normalized, type ScoreNormalization } from "./fusion";

/** One judged (query, product) pair of a pool. */
export interface RelevanceItem {
  /** Unique per row ("fold-3.csv:118"): a product judged twice for one query is two items. */
  readonly id: string;
  readonly productId: string;
  readonly title: string;
  readonly description: string;
  /** On the dataset's scale (see the module comment). */
  readonly grade: number;
}

/** One query's judged items in one fold: what a scorer re-ranks. */
export interface RelevancePool {
  readonly queryId: string;
  readonly query: string;
  /** Index into `RelevanceFolds.foldNames`. */
  readonly fold: number;
  readonly items: readonly RelevanceItem[];
}

export interface RelevanceFolds {
  readonly format: JudgmentFormat;
  /** "fold-1".."fold-10" for fold files; "1".."K" for a seeded split. */
  readonly foldNames: readonly string[];
  /** "files": the file's own folds (pairs split); "queries": a seeded split grouped by query. */
  readonly split: "files" | "queries";
  readonly pools: readonly RelevancePool[];
  readonly scale: GradeScale;
  readonly queries: number;
  readonly pairs: number;
}

export interface RelevanceFoldOptions {
  /**
   * "files": the records' own fold groups (needs at least 2); a number K: K query-grouped folds
   * by a seeded split. Default: "files" when the records come from fold files
   * (fold-1, fold-2, ...), else 5.
   */
  readonly folds?: "files" | number;
  /** Seed of the query split. Default 0. */
  readonly seed?: Seed;
}

const GRADE_SCALES: Readonly<Record<JudgmentFormat, GradeScale>> = {
  crowdflower: { min: 0, max: 3 },
  homedepot: { min: 0, max: 2 },
  wands: { min: 0, max: 3 },
  esci: { min: 0, max: 3 },
};

/** A judgment's grade on its dataset's scale (see the module comment). */
export function relevanceGrade(judgment: SearchJudgment, format: JudgmentFormat): number {
  if (format === "crowdflower" || format === "homedepot") {
    const g = Number(judgment.original);
    if (Number.isFinite(g)) return g - 1;
  }
  return ESCI_GRADES[judgment.label];
}

const FOLD_NAME = /^fold[-_ ]?(\d+)$/i;

/** Judgments into query pools with a fold each (see the module comment for the two splits). */
export function relevanceFolds(records: readonly SearchJudgment[], format: JudgmentFormat, options: RelevanceFoldOptions = {}): RelevanceFolds {
  if (records.length === 0) throw new Error("relevanceFolds: expected judgments, got none (is the file empty, or were all its rows dropped?).");
  const groups = [...new Set(records.map((r) => r.group ?? ""))].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const fromFiles = groups.length >= 2 && groups.every((g) => FOLD_NAME.test(g));
  const folds = options.folds ?? (fromFiles ? "files" : 5);
  const queryIds = [...new Set(records.map((r) => r.queryId))].sort(compareCodePoints);
  let foldNames: string[];
  let foldOf: (r: SearchJudgment) => number;
  if (folds === "files") {
    if (groups.length < 2) throw new Error(`relevanceFolds: folds "files" needs judgments from at least 2 fold files, found ${groups.length} group (${groups[0] || "none"}); pass folds: K for a seeded split.`);
    foldNames = groups;
    const index = new Map(groups.map((g, i) => [g, i]));
    foldOf = (r) => index.get(r.group ?? "") as number;
  } else {
    if (typeof folds !== "number" || !Number.isInteger(folds) || folds < 2 || folds > queryIds.length) {
      throw new Error(`relevanceFolds: expected folds to be "files" or an integer from 2 to ${queryIds.length} (the number of queries), got ${JSON.stringify(folds)}.`);
    }
    const order = new Rng(options.seed ?? 0).permutation(queryIds.length);
    const assigned = new Map<string, number>();
    order.forEach((q, position) => assigned.set(queryIds[q], position % folds));
    foldNames = Array.from({ length: folds }, (_, i) => String(i + 1));
    foldOf = (r) => assigned.get(r.queryId) as number;
  }
  const pools = new Map<string, { queryId: string; query: string; fold: number; items: RelevanceItem[] }>();
  for (const r of records) {
    const fold = foldOf(r);
    const key = `${fold}\u0000${r.queryId}`;
    let pool = pools.get(key);
    if (!pool) pools.set(key, (pool = { queryId: r.queryId, query: r.query, fold, items: [] }));
    pool.items.push({ id: r.source, productId: r.productId, title: r.title, description: r.description, grade: relevanceGrade(r, format) });
  }
  return { format, foldNames, split: folds === "files" ? "files" : "queries", pools: [...pools.values()], scale: GRADE_SCALES[format], queries: queryIds.length, pairs: records.length };
}

/** What `loadRelevanceFolds` read besides the folds: the loader's report. */
export interface RelevanceLoadReport {
  readonly dropped: readonly RecordIssue[];
  readonly repaired: readonly RecordIssue[];
  readonly sources: readonly SourceFile[];
  readonly notes: readonly string[];
}

/**
 * `loadSearchJudgments` then `relevanceFolds`; HTML is stripped from product text unless
 * `stripHtml: false`. When no row survives, the error lists why each was dropped.
 */
export async function loadRelevanceFolds(input: string, options: JudgmentLoadOptions & RelevanceFoldOptions = {}): Promise<RelevanceFolds & RelevanceLoadReport> {
  const loaded = await loadSearchJudgments(input, { ...options, stripHtml: options.stripHtml ?? true });
  if (loaded.records.length === 0) {
    const why = describeIssues(loaded);
    throw new Error(`${input}: no judgments to evaluate (${loaded.format})${why.length > 0 ? `; every row was dropped:\n  ${why.join("\n  ")}` : ": the files hold no data rows."}`);
  }
  return { ...relevanceFolds(loaded.records, loaded.format, options), dropped: loaded.dropped, repaired: loaded.repaired, sources: loaded.sources, notes: loaded.notes ?? [] };
}

/** The training and test pools of one fold. */
export function foldSplit(folds: RelevanceFolds, fold: number): { readonly train: RelevancePool[]; readonly test: RelevancePool[] } {
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds.foldNames.length) throw new Error(`foldSplit: expected a fold index from 0 to ${folds.foldNames.length - 1}, got ${fold}.`);
  return { train: folds.pools.filter((p) => p.fold !== fold), test: folds.pools.filter((p) => p.fold === fold) };
}

/** Every distinct product of the dataset (first text seen per product id), for indexes and vocabularies. */
export function relevanceProducts(folds: RelevanceFolds): { id: string; title: string; description: string }[] {
  const seen = new Map<string, { id: string; title: string; description: string }>();
  for (const pool of folds.pools) for (const item of pool.items) if (!seen.has(item.productId)) seen.set(item.productId, { id: item.productId, title: item.title, description: item.description });
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// Scorers.

/** Scores for a pool's items, in the pool's order (higher = more relevant, or a predicted grade). */
export type PoolScores = (pool: RelevancePool) => readonly number[] | Promise<readonly number[]>;

/** What a scorer hands back after seeing one fold's training part. */
export interface FoldModel {
  readonly score: PoolScores;
  /** What it chose on this fold (parameters, training loss); shown in the report. */
  readonly note?: string;
}

/** A relevance model under cross-validation: trained (or tuned) per fold on that fold's training pools only. */
export interface RelevanceScorer {
  readonly name: string;
  /** Scores are predicted grades on the pools' scale (`RelevanceItem.grade`, 0-based: Crowdflower 0..3): the report adds their RMSE. */
  readonly predictsGrades?: boolean;
  readonly train: (train: readonly RelevancePool[], fold: { readonly index: number; readonly name: string }) => FoldModel | Promise<FoldModel>;
}

/** A scorer from a function of (query, product text), untrained; product text is title + description. */
export function pairScorer(name: string, score: (query: string, productText: string) => number, options: { predictsGrades?: boolean } = {}): RelevanceScorer {
  const model: FoldModel = { score: (pool) => pool.items.map((item) => score(pool.query, `${item.title} ${item.description}`)) };
  return { name, predictsGrades: options.predictsGrades, train: () => model };
}

/** Uniform random scores from a stream seeded by (seed, fold): reproducible, whatever the order folds run in. */
export function randomRelevanceScorer(seed: Seed = 0): RelevanceScorer {
  return {
    name: "random",
    train: (_train, fold) => {
      const rng = new Rng(`${seed}/${fold.name}`);
      return { score: (pool) => pool.items.map(() => rng.next()) };
    },
  };
}

/** Predicts the training part's mean grade for every item: the RMSE a grade predictor must beat (its NDCG is the expected NDCG of a random order). */
export function meanGradeScorer(): RelevanceScorer {
  return {
    name: "mean grade",
    predictsGrades: true,
    train: (train) => {
      let sum = 0;
      let n = 0;
      for (const pool of train) for (const item of pool.items) (sum += item.grade), n++;
      if (n === 0) throw new Error("meanGradeScorer: the fold's training part has no judged items.");
      const mean = sum / n;
      return { score: (pool) => pool.items.map(() => mean), note: `mean ${mean.toFixed(4)}` };
    },
  };
}

/** The parameter grid BM25 is tuned over; the description weighs 1, the title `titleWeight`. */
export interface Bm25Grid {
  readonly k1: readonly number[];
  readonly b: readonly number[];
  readonly titleWeight: readonly number[];
}

/** 6 x 4 x 5 = 120 settings around the usual k1 1.2, b 0.75. */
export const DEFAULT_BM25_GRID: Bm25Grid = { k1: [0.5, 0.9, 1.2, 1.6, 2, 3], b: [0.3, 0.5, 0.75, 0.9], titleWeight: [1, 2, 3, 5, 8] };

/** Mean NDCG@k of a scorer's scores over pools (ties averaged). */
function meanNdcg(pools: readonly RelevancePool[], scores: readonly (readonly number[])[], k: number, scale: GradeScale): number {
  const run = new Map<string, ScoredDoc[]>();
  const qrels = new Map<string, Map<string, number>>();
  pools.forEach((pool, p) => {
    const key = `${pool.fold}/${pool.queryId}`;
    run.set(key, pool.items.map((item, i) => ({ docId: item.id, score: scores[p][i] })));
    qrels.set(key, new Map(pool.items.map((item) => [item.id, item.grade])));
  });
  return evaluateRun(run, qrels, [`ndcg@${k}` as const], { ties: "average", scale }).mean[`ndcg@${k}`];
}

/** A scorer that keeps what it trained and scored in a run, for others to reuse (see `fusedRelevanceScorer`). */
export interface RememberingScorer extends RelevanceScorer {
  /** The fold model trained on fold `index` in this run, if it was trained yet. */
  modelFor(index: number): FoldModel | undefined;
}

/**
 * `scorer`, keeping each fold's model and each pool's scores: a fusion listed after it in the same
 * run reuses them instead of training or scoring again (a cross-encoder trains once per fold, and
 * its predictions are reported once).
 */
export function rememberingScorer(scorer: RelevanceScorer): RememberingScorer {
  const models = new Map<number, FoldModel>();
  return {
    name: scorer.name,
    predictsGrades: scorer.predictsGrades,
    modelFor: (index) => models.get(index),
    train: async (train, fold) => {
      const inner = await scorer.train(train, fold);
      const scored = new WeakMap<RelevancePool, readonly number[] | Promise<readonly number[]>>();
      const model: FoldModel = {
        note: inner.note,
        score: (pool) => {
          let scores = scored.get(pool);
          if (scores === undefined) {
            scores = inner.score(pool);
            scored.set(pool, scores);
          }
          return scores;
        },
      };
      models.set(fold.index, model);
      return model;
    },
  };
}

export interface RelevanceFusionOptions {
  /** One weight per part (default 1 each). */
  readonly weights?: readonly number[];
  /** Each part's scores normalised per pool before they are weighted and summed (default "zscore"). */
  readonly normalize?: ScoreNormalization;
}

/**
 * Linear fusion of other scorers, pool by pool: each part's scores normalised within the pool
 * (z-scores by default: mean 0, unit spread, so a cross-encoder's grades and BM25's unbounded
 * scores count alike), weighted and summed. Fixed weights, nothing tuned: a part's scores on its
 * own training pools would flatter it. Parts made with `rememberingScorer` and listed before the
 * fusion are reused; others are trained here.
 */
export function fusedRelevanceScorer(name: string, parts: readonly RelevanceScorer[], options: RelevanceFusionOptions = {}): RelevanceScorer {
  if (parts.length < 2) throw new Error(`fusedRelevanceScorer: expected at least 2 scorers to fuse, got ${parts.length}.`);
  const weights = options.weights ?? parts.map(() => 1);
  if (weights.length !== parts.length || weights.some((w) => !(Number.isFinite(w) && w >= 0))) {
    throw new Error(`fusedRelevanceScorer: expected ${parts.length} finite weights >= 0, got ${JSON.stringify(weights)}.`);
  }
  const how = options.normalize ?? "zscore";
  return {
    name,
    train: async (train, fold) => {
      const models: FoldModel[] = [];
      for (const part of parts) models.push(("modelFor" in part && (part as RememberingScorer).modelFor(fold.index)) || (await part.train(train, fold)));
      return {
        note: `${how} per pool, weights ${weights.join(", ")}`,
        score: async (pool) => {
          const lists = await Promise.all(models.map((m) => m.score(pool)));
          const fused = new Array<number>(pool.items.length).fill(0);
          lists.forEach((scores, p) => {
            const byItem = new Map(pool.items.map((item, i) => [String(i), scores[i]]));
            const { values } = normalized(byItem, how, `fusedRelevanceScorer (${parts[p].name})`);
            for (let i = 0; i < fused.length; i++) fused[i] += weights[p] * (values.get(String(i)) as number);
          });
          return fused;
        },
      };
    },
  };
}

/**
 * BM25F over the dataset's products (title and description), with k1, b and the title weight
 * tuned per fold on the training pools only (grid search, best mean training NDCG@k; the first
 * best in grid order on ties). The index (IDF, average lengths) is built once from every
 * product's text: unlabelled collection statistics, as a search engine has them; no grade of a
 * test pool is used.
 */
export function bm25RelevanceScorer(folds: RelevanceFolds, options: { grid?: Bm25Grid; k?: number } = {}): RelevanceScorer {
  const grid = options.grid ?? DEFAULT_BM25_GRID;
  const k = options.k ?? 10;
  for (const key of ["k1", "b", "titleWeight"] as const) {
    if (!Array.isArray(grid[key]) || grid[key].length === 0) throw new Error(`bm25RelevanceScorer: expected grid.${key} to be a non-empty list of numbers, got ${JSON.stringify(grid[key])}.`);
  }
  const index = new Bm25Index(relevanceProducts(folds).map((p) => ({ id: p.id, fields: { title: p.title, description: p.description } })), { fields: ["title", "description"] });
  const scorePools = (pools: readonly RelevancePool[], params: Bm25Params) => pools.map((pool) => index.scorePool(pool.query, pool.items.map((i) => i.productId), params));
  return {
    name: "BM25 (tuned on train)",
    train: (train) => {
      let best: { params: Bm25Params; ndcg: number } | null = null;
      for (const k1 of grid.k1)
        for (const b of grid.b)
          for (const titleWeight of grid.titleWeight) {
            const params: Bm25Params = { k1, b, fieldWeights: { title: titleWeight, description: 1 } };
            const ndcg = meanNdcg(train, scorePools(train, params), k, folds.scale);
            if (best === null || ndcg > best.ndcg) best = { params, ndcg };
          }
      const chosen = best as { params: Bm25Params; ndcg: number };
      return {
        score: (pool) => index.scorePool(pool.query, pool.items.map((i) => i.productId), chosen.params),
        note: `k1 ${chosen.params.k1}, b ${chosen.params.b}, title weight ${chosen.params.fieldWeights.title} (train NDCG@${k} ${chosen.ndcg.toFixed(4)})`,
      };
    },
  };
}

/** BM25F with fixed parameters (no tuning), over the dataset's products. */
export function bm25FixedScorer(folds: RelevanceFolds, params: Partial<Bm25Params> = {}): RelevanceScorer {
  const index = new Bm25Index(relevanceProducts(folds).map((p) => ({ id: p.id, fields: { title: p.title, description: p.description } })), { fields: ["title", "description"], params });
  const model: FoldModel = { score: (pool) => index.scorePool(pool.query, pool.items.map((i) => i.productId)) };
  const d = index.defaults;
  return { name: `BM25 (fixed: k1 ${d.k1}, b ${typeof d.b === "number" ? d.b : JSON.stringify(d.b)}, title weight ${d.fieldWeights.title ?? 1})`, train: () => model };
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

export interface ScorerFoldResult {
  readonly fold: string;
  /** Mean NDCG@k over the fold's test pools. */
  readonly ndcg: number;
  /** RMSE of the scores against the grades over the fold's test items (scorers that predict grades). */
  readonly rmse: number | null;
  readonly pools: number;
  readonly note: string | null;
}

export interface ScorerResult {
  readonly name: string;
  readonly folds: readonly ScorerFoldResult[];
  /** Mean of the per-fold NDCG@k, and its sample standard deviation over folds (n - 1). */
  readonly ndcgMean: number;
  readonly ndcgStd: number;
  /** RMSE over every test item of every fold (null unless the scorer predicts grades). */
  readonly rmse: number | null;
  /** Per query: the mean NDCG@k of its test pools over the folds (the unit of the paired tests). */
  readonly perQuery: ReadonlyMap<string, number>;
}

export interface RelevanceReport {
  readonly k: number;
  readonly format: JudgmentFormat;
  readonly split: RelevanceFolds["split"];
  readonly foldNames: readonly string[];
  readonly queries: number;
  readonly pairs: number;
  readonly scorers: readonly ScorerResult[];
}

export interface RelevanceEvaluationOptions {
  /** NDCG cutoff. Default 10. */
  readonly k?: number;
  /** Default "average" (see the module comment). */
  readonly ties?: TieRule;
  /** Only these folds (indices); default all. For quick runs. */
  readonly onlyFolds?: readonly number[];
  /** Called after each (fold, scorer), e.g. to print progress. */
  readonly onFold?: (scorer: string, result: ScorerFoldResult) => void;
}

function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1));
}

/**
 * Cross-validates every scorer on the same folds in one run: for each fold, each scorer is
 * trained on the other folds' pools and re-ranks the fold's test pools; NDCG@k per fold, its
 * mean and standard deviation over folds, per-query values for paired tests, and RMSE for
 * scorers that predict grades.
 */
export async function evaluateRelevanceFolds(folds: RelevanceFolds, scorers: readonly RelevanceScorer[], options: RelevanceEvaluationOptions = {}): Promise<RelevanceReport> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`evaluateRelevanceFolds: expected k to be an integer >= 1, got ${JSON.stringify(k)}.`);
  if (scorers.length === 0) throw new Error("evaluateRelevanceFolds: expected at least one scorer, got none.");
  const names = scorers.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`evaluateRelevanceFolds: two scorers are named "${duplicate}"; names must be unique (they key the report).`);
  const ties = options.ties ?? "average";
  const foldIndices = options.onlyFolds ?? folds.foldNames.map((_, i) => i);
  const metric = `ndcg@${k}` as const;
  const results = scorers.map(() => ({ folds: [] as ScorerFoldResult[], perQuery: new Map<string, number[]>(), sq: 0, n: 0 }));
  for (const fold of foldIndices) {
    const { train, test } = foldSplit(folds, fold);
    if (test.length === 0) throw new Error(`evaluateRelevanceFolds: fold ${folds.foldNames[fold]} has no test pools.`);
    const qrels = new Map(test.map((pool) => [pool.queryId, new Map(pool.items.map((item) => [item.id, item.grade]))]));
    for (const [s, scorer] of scorers.entries()) {
      const model = await scorer.train(train, { index: fold, name: folds.foldNames[fold] });
      const run = new Map<string, ScoredDoc[]>();
      let sq = 0;
      let n = 0;
      for (const pool of test) {
        const scores = await model.score(pool);
        if (!scores || scores.length !== pool.items.length) {
          throw new Error(`${scorer.name}: expected ${pool.items.length} scores for the pool of query "${pool.query}" (fold ${folds.foldNames[fold]}), got ${scores ? scores.length : String(scores)}.`);
        }
        run.set(
          pool.queryId,
          pool.items.map((item, i) => {
            const score = scores[i];
            if (typeof score !== "number" || !Number.isFinite(score)) throw new Error(`${scorer.name}: score ${i} for query "${pool.query}" (item ${item.id}) is ${String(score)}; expected a finite number.`);
            if (scorer.predictsGrades) (sq += (score - item.grade) ** 2), n++;
            return { docId: item.id, score };
          })
        );
      }
      const evaluation = evaluateRun(run, qrels, [metric], { ties, scale: folds.scale });
      const r = results[s];
      for (const q of evaluation.queries) {
        const list = r.perQuery.get(q) ?? [];
        list.push((evaluation.perQuery.get(q) as Record<typeof metric, number>)[metric]);
        r.perQuery.set(q, list);
      }
      r.sq += sq;
      r.n += n;
      const foldResult: ScorerFoldResult = { fold: folds.foldNames[fold], ndcg: evaluation.mean[metric], rmse: scorer.predictsGrades ? Math.sqrt(sq / n) : null, pools: test.length, note: model.note ?? null };
      r.folds.push(foldResult);
      options.onFold?.(scorer.name, foldResult);
    }
  }
  return {
    k,
    format: folds.format,
    split: folds.split,
    foldNames: foldIndices.map((i) => folds.foldNames[i]),
    queries: folds.queries,
    pairs: folds.pairs,
    scorers: scorers.map((scorer, s) => {
      const r = results[s];
      const perFold = r.folds.map((f) => f.ndcg);
      const perQuery = new Map([...r.perQuery.entries()].sort((a, b) => compareCodePoints(a[0], b[0])).map(([q, xs]) => [q, xs.reduce((t, x) => t + x, 0) / xs.length] as const));
      return { name: scorer.name, folds: r.folds, ndcgMean: perFold.reduce((t, x) => t + x, 0) / perFold.length, ndcgStd: sampleStd(perFold), rmse: scorer.predictsGrades ? Math.sqrt(r.sq / r.n) : null, perQuery };
    }),
  };
}

export interface ScorerComparison {
  readonly a: string;
  readonly b: string;
  /** Queries compared (each query's NDCG averaged over its test pools). */
  readonly queries: number;
  /** Mean over queries of NDCG(a) - NDCG(b). */
  readonly meanDifference: number;
  readonly tTest: PairedTTestResult;
  readonly randomisation: RandomisationResult;
}

/** Paired tests (t-test and randomisation test) of two scorers of a report over the test queries. */
export function compareRelevanceScorers(report: RelevanceReport, a: string, b: string, options: { seed?: Seed; samples?: number } = {}): ScorerComparison {
  const find = (name: string): ScorerResult => {
    const hit = report.scorers.find((s) => s.name === name);
    if (!hit) throw new Error(`compareRelevanceScorers: no scorer named "${name}" in the report; it has ${report.scorers.map((s) => `"${s.name}"`).join(", ")}.`);
    return hit;
  };
  const ra = find(a);
  const rb = find(b);
  const queries = [...ra.perQuery.keys()].filter((q) => rb.perQuery.has(q));
  if (queries.length < 2) throw new Error(`compareRelevanceScorers: expected at least 2 queries scored by both, got ${queries.length}.`);
  const xa = queries.map((q) => ra.perQuery.get(q) as number);
  const xb = queries.map((q) => rb.perQuery.get(q) as number);
  return {
    a,
    b,
    queries: queries.length,
    meanDifference: xa.reduce((t, x, i) => t + x - xb[i], 0) / queries.length,
    tTest: pairedTTest(xa, xb),
    randomisation: pairedRandomisationTest(xa, xb, { seed: options.seed ?? 0, samples: options.samples ?? 10_000 }),
  };
}

/** The report as a Markdown table: one row per scorer, mean ± std, RMSE, then one column per fold. */
export function relevanceTable(report: RelevanceReport): string {
  const header = ["scorer", `NDCG@${report.k} mean`, "std (folds)", "RMSE", ...report.foldNames];
  const rows = report.scorers.map((s) => [s.name, s.ndcgMean.toFixed(4), s.ndcgStd.toFixed(4), s.rmse === null ? "-" : s.rmse.toFixed(4), ...s.folds.map((f) => f.ndcg.toFixed(4))]);
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
