/**
 * Text-match features of a (query, product) pair, and a LambdaMART ranker over them, for judged
 * relevance data such as Crowdflower's: the learned lexical baseline a cross-encoder has to beat,
 * and its partner in a fusion. Every feature is computed from the query and the product's text
 * alone, plus collection statistics (IDF, average lengths) over every product of the dataset, as a
 * search engine has them; no grade enters a feature.
 *
 * Words: the keyword tokeniser (`keywordTokens`, stop words dropped from queries as BM25 does)
 * folded by the S-stemmer (Harman 1991, "How effective is suffixing?": "ies" -> "y", "es" -> "e",
 * "s" -> "" with its exceptions), so "pillows" matches "pillow" and "batteries" "battery". Each pool's
 * raw features are followed by the same features as z-scores within the pool (mean 0, unit spread;
 * 0 where the pool has one value), so the trees can ask "better than its neighbours" as well as
 * "good in absolute terms".
 *
 * Version: RELEVANCE_FEATURE_VERSION; a ranker trained on one version refuses rows of another.
 */
import { Rng, type Seed } from "../core/random";
import { keywordTokens, queryKeywords } from "../data/keyword-match";
import { Bm25Index, type Bm25Params } from "./bm25";
import type { FeatureSpec } from "./features";
import { trainLambdaMart, ensembleScores, type BoostedRanker, type LambdaMartOptions } from "./lambdamart";
import { rankingDataset, type RankingDataset } from "./ranking-dataset";
import { relevanceProducts, type RelevanceFolds, type RelevancePool, type RelevanceScorer } from "./relevance-folds";

export const RELEVANCE_FEATURE_VERSION = "relevance-features/1";

/** The raw features, in column order; the z-scored copies follow with the suffix "_z". */
export const RELEVANCE_BASE_FEATURES: readonly FeatureSpec[] = [
  { name: "bm25_title", description: "BM25 of the title alone (k1 1.2, b 0.75), exact words" },
  { name: "bm25_description", description: "BM25 of the description alone, exact words" },
  { name: "bm25f", description: "BM25F over title (weight 2) and description, exact words" },
  { name: "bm25f_stemmed", description: "BM25F over title (weight 2) and description, S-stemmed words" },
  { name: "title_coverage", description: "share of the query's stemmed keywords found in the title" },
  { name: "description_coverage", description: "share of the query's stemmed keywords found in the description" },
  { name: "title_idf_coverage", description: "IDF-weighted share of the query's stemmed keywords found in the title" },
  { name: "head_in_title", description: "1 if the query's last keyword (usually its head noun) is in the title, else 0" },
  { name: "phrase_in_title", description: "1 if the query's stemmed keywords occur in the title as one contiguous phrase, else 0" },
  { name: "bigram_coverage", description: "share of the query's keyword bigrams found as bigrams in the title (1 for one-word queries that match)" },
  { name: "trigram_jaccard", description: "Jaccard similarity of the character trigrams of query and title" },
  { name: "trigram_containment", description: "share of the query's character trigrams found in the title" },
  { name: "first_match", description: "position of the first query keyword in the title, as a share of the title's length (1 when none)" },
  { name: "missing_numbers", description: "numbers of the query (sizes, models) found nowhere in title or description" },
  { name: "title_words", description: "words in the title" },
  { name: "description_words", description: "words in the description (0: no description)" },
  { name: "query_words", description: "keywords in the query" },
];

/** Raw features then their z-scores within the pool: the ranker's columns. */
export const RELEVANCE_FEATURE_NAMES: readonly string[] = [...RELEVANCE_BASE_FEATURES.map((f) => f.name), ...RELEVANCE_BASE_FEATURES.map((f) => `${f.name}_z`)];

/** Harman's S-stemmer: "ies" -> "y" (not "eies", "aies"), "es" -> "e" (not "aes", "ees", "oes"), "s" -> "" (not "us", "ss"). */
export function sStem(word: string): string {
  if (word.length > 3 && word.endsWith("ies") && !word.endsWith("eies") && !word.endsWith("aies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("es") && !word.endsWith("aes") && !word.endsWith("ees") && !word.endsWith("oes")) return word.slice(0, -1);
  if (word.length > 2 && word.endsWith("s") && !word.endsWith("us") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

const stemmedTokens = (text: string): string[] => keywordTokens(text).map(sStem);
const stemmedKeywords = (query: string): string[] => [...new Set(queryKeywords(query).map(sStem))];

function trigrams(words: readonly string[]): Set<string> {
  const text = ` ${words.join(" ")} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= text.length; i++) out.add(text.slice(i, i + 3));
  return out;
}

export interface RelevanceProductText {
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

/** Computes feature rows for pools of one collection (built once: indexes, IDF, tokenised text). */
export interface RelevanceFeatureExtractor {
  readonly version: string;
  readonly names: readonly string[];
  /** Row-major features of `ids` (products of the collection) for `query`: one row per id, RELEVANCE_FEATURE_NAMES columns. */
  rows(query: string, ids: readonly string[]): Float32Array;
}

const EXACT_TITLE: Partial<Bm25Params> = { fieldWeights: { title: 1, description: 0 } };
const EXACT_DESCRIPTION: Partial<Bm25Params> = { fieldWeights: { title: 0, description: 1 } };

/** Indexes a collection's products for `rows`. Product ids must be unique. */
export function relevanceFeatureExtractor(products: readonly RelevanceProductText[]): RelevanceFeatureExtractor {
  const documents = products.map((p) => ({ id: p.id, fields: { title: p.title, description: p.description } }));
  const exact = new Bm25Index(documents, { fields: ["title", "description"] });
  const stemmed = new Bm25Index(documents, { fields: ["title", "description"], tokenize: stemmedTokens, queryTerms: stemmedKeywords });
  const text = new Map<string, { title: string[]; titleSet: Set<string>; description: Set<string>; descriptionWords: number; titleTrigrams: Set<string> }>();
  for (const p of products) {
    const title = stemmedTokens(p.title);
    const description = stemmedTokens(p.description);
    text.set(p.id, { title, titleSet: new Set(title), description: new Set(description), descriptionWords: description.length, titleTrigrams: trigrams(title) });
  }
  const B = RELEVANCE_BASE_FEATURES.length;
  const C = 2 * B;
  return {
    version: RELEVANCE_FEATURE_VERSION,
    names: RELEVANCE_FEATURE_NAMES,
    rows(query, ids) {
      const missing = ids.find((id) => !text.has(id));
      if (missing !== undefined) throw new Error(`relevanceFeatureExtractor: product "${missing}" is not in the collection the extractor was built from.`);
      const keywords = stemmedKeywords(query);
      const idf = keywords.map((k) => stemmed.idf(k));
      const idfTotal = idf.reduce((s, x) => s + x, 0);
      const bigrams = keywords.slice(1).map((k, i) => `${keywords[i]} ${k}`);
      const queryTrigrams = trigrams(keywords);
      const numbers = keywords.filter((k) => /^\d/.test(k));
      const head = keywords[keywords.length - 1];
      const scores = [exact.scorePool(query, ids, EXACT_TITLE), exact.scorePool(query, ids, EXACT_DESCRIPTION), exact.scorePool(query, ids), stemmed.scorePool(query, ids)];
      const out = new Float32Array(ids.length * C);
      ids.forEach((id, r) => {
        const t = text.get(id) as NonNullable<ReturnType<typeof text.get>>;
        const inTitle = keywords.map((k) => t.titleSet.has(k));
        const found = inTitle.filter(Boolean).length;
        const titleBigrams = new Set(t.title.slice(1).map((w, i) => `${t.title[i]} ${w}`));
        const phrase = keywords.length > 0 && t.title.some((_, start) => keywords.every((k, j) => t.title[start + j] === k));
        let shared = 0;
        for (const g of queryTrigrams) if (t.titleTrigrams.has(g)) shared++;
        const first = t.title.findIndex((w) => keywords.includes(w));
        const row = out.subarray(r * C, r * C + B);
        row.set([
          scores[0][r],
          scores[1][r],
          scores[2][r],
          scores[3][r],
          keywords.length ? found / keywords.length : 0,
          keywords.length ? keywords.filter((k) => t.description.has(k)).length / keywords.length : 0,
          idfTotal > 0 ? idf.reduce((s, x, i) => s + (inTitle[i] ? x : 0), 0) / idfTotal : 0,
          head !== undefined && t.titleSet.has(head) ? 1 : 0,
          phrase ? 1 : 0,
          bigrams.length ? bigrams.filter((b) => titleBigrams.has(b)).length / bigrams.length : found === keywords.length && found > 0 ? 1 : 0,
          shared / Math.max(1, queryTrigrams.size + t.titleTrigrams.size - shared),
          shared / Math.max(1, queryTrigrams.size),
          first < 0 ? 1 : first / Math.max(1, t.title.length),
          numbers.filter((n) => !t.titleSet.has(n) && !t.description.has(n)).length,
          t.title.length,
          t.descriptionWords,
          keywords.length,
        ]);
      });
      // z-scores within the pool, column by column.
      for (let f = 0; f < B; f++) {
        let mean = 0;
        for (let r = 0; r < ids.length; r++) mean += out[r * C + f];
        mean /= ids.length;
        let variance = 0;
        for (let r = 0; r < ids.length; r++) variance += (out[r * C + f] - mean) ** 2;
        const sd = Math.sqrt(variance / ids.length);
        for (let r = 0; r < ids.length; r++) out[r * C + B + f] = sd > 1e-12 ? (out[r * C + f] - mean) / sd : 0;
      }
      return out;
    },
  };
}

export interface LambdaMartRelevanceOptions extends LambdaMartOptions {
  /** Share of each fold's training queries held out to choose the number of trees (early stopping). Default 0.15. */
  readonly validationShare?: number;
  /** Seed of the held-out queries (with the fold's name). Default 0. */
  readonly seed?: Seed;
}

/**
 * The options a ranker over these features starts from: shallow trees, small steps, linear gain
 * (the folds' metric), and a long patience, since a held-out part of a few dozen queries is noisy.
 */
export const DEFAULT_RELEVANCE_LAMBDAMART: LambdaMartRelevanceOptions = {
  trees: 600,
  learningRate: 0.02,
  maxDepth: 4,
  minSamplesLeaf: 20,
  lambda: 1,
  earlyStoppingRounds: 200,
  gain: "linear",
  validationShare: 0.15,
};

/** Below this many training queries none are held out (early stopping would judge on one or two). */
const MIN_QUERIES_TO_HOLD_OUT = 8;
/** Trees without early stopping. */
const FEW_QUERIES_TREES = 50;

/** A pool's feature rows (`extractor.rows` of its query and products). */
export function poolFeatureRows(extractor: RelevanceFeatureExtractor, pool: RelevancePool): Float32Array {
  return extractor.rows(pool.query, pool.items.map((i) => i.productId));
}

/** Feature rows of pools (one group per pool, labels = grades); `rowsOf` may hand back rows computed before. */
export function relevanceDataset(
  extractor: RelevanceFeatureExtractor,
  pools: readonly RelevancePool[],
  rowsOf: (pool: RelevancePool) => Float32Array = (pool) => poolFeatureRows(extractor, pool)
): RankingDataset {
  const parts = pools.map(rowsOf);
  const values = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    values.set(part, at);
    at += part.length;
  }
  return rankingDataset({
    version: extractor.version,
    names: extractor.names,
    values,
    labels: pools.flatMap((pool) => pool.items.map((i) => i.grade)),
    queryIds: pools.map((pool) => `${pool.fold}/${pool.queryId}`),
    docIds: pools.flatMap((pool) => pool.items.map((i) => i.id)),
    groupSizes: pools.map((pool) => pool.items.length),
  });
}

/**
 * LambdaMART over the text-match features, trained per fold on that fold's training pools: a
 * seeded share of the training queries is held out to pick the number of trees (with fewer than 8
 * training queries none is held out and 50 trees are fitted), then the ranker scores the test
 * pools. The features' collection statistics come from every product's text (unlabelled, as
 * BM25's do); no test grade is used. Each pool's rows are computed once for the whole run (a pool
 * is in the training part of every fold but its own).
 */
export function lambdaMartRelevanceScorer(folds: RelevanceFolds, options: LambdaMartRelevanceOptions = {}): RelevanceScorer {
  const settings = { ...DEFAULT_RELEVANCE_LAMBDAMART, ...options };
  const share = settings.validationShare ?? 0.15;
  if (!(share > 0 && share < 1)) throw new Error(`lambdaMartRelevanceScorer: validationShare must be between 0 and 1 (exclusive), got ${share}.`);
  const extractor = relevanceFeatureExtractor(relevanceProducts(folds));
  const computed = new WeakMap<RelevancePool, Float32Array>();
  const rowsOf = (pool: RelevancePool): Float32Array => {
    let rows = computed.get(pool);
    if (!rows) computed.set(pool, (rows = poolFeatureRows(extractor, pool)));
    return rows;
  };
  return {
    name: "LambdaMART on text-match features",
    train: (train, fold) => {
      if (train.length === 0) throw new Error(`lambdaMartRelevanceScorer: fold ${fold.name} has no training pools.`);
      const queries = [...new Set(train.map((p) => p.queryId))].sort();
      let model: BoostedRanker;
      let note: string;
      if (queries.length < MIN_QUERIES_TO_HOLD_OUT) {
        // Too few queries to hold some out: a fixed, small number of trees.
        const trees = Math.min(settings.trees ?? 100, FEW_QUERIES_TREES);
        model = trainLambdaMart(relevanceDataset(extractor, train, rowsOf), { ...settings, trees, earlyStoppingRounds: undefined, validation: undefined });
        note = `${trees} trees (${queries.length} training queries: none held out)`;
      } else {
        const order = new Rng(`${settings.seed ?? 0}/${fold.name}`).permutation(queries.length);
        const held = new Set(order.slice(0, Math.max(1, Math.round(share * queries.length))).map((i) => queries[i]));
        const fit = train.filter((p) => !held.has(p.queryId));
        const validation = train.filter((p) => held.has(p.queryId));
        model = trainLambdaMart(relevanceDataset(extractor, fit, rowsOf), { ...settings, validation: relevanceDataset(extractor, validation, rowsOf) });
        note = `${model.trees.length} trees (held-out NDCG@${settings.evalAt ?? 10} ${Math.max(...model.validationNdcg).toFixed(4)} on ${held.size} queries)`;
      }
      return {
        note,
        score: (pool) => Array.from(ensembleScores(model, rowsOf(pool), pool.items.length, extractor.names.length)),
      };
    },
  };
}
