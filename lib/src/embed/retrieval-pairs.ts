/**
 * What a bi-encoder trains on: (query, product) positives and, for each query, hard negatives.
 * Positives come from the train-split queries' Exact judgments and from purchases in the
 * train-split sessions (a purchase after a search: that query's text and the product bought).
 * Hard negatives are the products that look right but are not: the query's judged Irrelevant and
 * Complement products, and the keyword baseline's top results that are not Exact under the
 * shop's grading rule (the train query's own intent). Validation and test queries never appear.
 */
import { Rng } from "../core/random";
import { esciGrade } from "../data/esci";
import { KeywordIndex } from "../data/keyword-match";
import type { Judgment, Product, Query, Session } from "../data/records";
import { keywordRanker } from "../rank/baselines";

export interface RetrievalPair {
  readonly queryId: string;
  readonly query: string;
  readonly productId: string;
  readonly source: "judgment" | "purchase";
}

export interface RetrievalPairCounts {
  readonly queries: number;
  readonly pairs: number;
  readonly fromJudgments: number;
  /** Purchase pairs that a judgment had not already given. */
  readonly fromPurchases: number;
  readonly hardNegatives: number;
  readonly fromJudgedPools: number;
  readonly fromKeyword: number;
  /** Queries with at least one hard negative. */
  readonly queriesWithHardNegatives: number;
}

export interface RetrievalTrainingData {
  /** In a seeded shuffled order. */
  readonly pairs: readonly RetrievalPair[];
  /** Query id -> its hard-negative product ids (keyword look-alikes, up to half, then the judged pool), each at most once. */
  readonly hardNegatives: ReadonlyMap<string, readonly string[]>;
  /** Query id -> every product known to be a positive for it (a batch must not use one as a negative). */
  readonly positives: ReadonlyMap<string, ReadonlySet<string>>;
  readonly counts: RetrievalPairCounts;
}

export interface RetrievalPairOptions {
  readonly seed?: number;
  /** How many of the keyword baseline's top results to look at for hard negatives per query (default 20; 0 for none). */
  readonly keywordDepth?: number;
  /** At most this many hard negatives per query (default 20). */
  readonly maxHardNegatives?: number;
  /** Also take positives from purchases after a search (default true). */
  readonly purchases?: boolean;
}

type Shop = {
  readonly products: readonly Product[];
  readonly queries: readonly Query[];
  readonly judgments: readonly Judgment[];
  readonly sessions: readonly Session[];
};

/** The keyword baseline over a whole catalog: products holding every query keyword, best keyword score first (`keywordRanker`). */
export function keywordRetriever(products: readonly Product[]): (query: Query, k: number) => string[] {
  const index = new KeywordIndex(products);
  // One ranker over a pool map refilled per query: the ranker reads every product's words once.
  const pools = new Map<string, string[]>();
  const rank = keywordRanker(pools, products);
  return (query, k) => {
    const hits = index.search(query.text);
    if (hits.length === 0) return [];
    pools.clear();
    pools.set(query.id, hits);
    return rank(query).slice(0, k);
  };
}

function checkCount(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= 0)) throw new Error(`retrievalTrainingData: ${name} must be a whole number >= 0, got ${value}.`);
  return v;
}

/** Positives and hard negatives of the shop's train-split queries; deterministic from the seed. */
export function retrievalTrainingData(shop: Shop, options: RetrievalPairOptions = {}): RetrievalTrainingData {
  const keywordDepth = checkCount("keywordDepth", options.keywordDepth, 20);
  const maxHard = checkCount("maxHardNegatives", options.maxHardNegatives, 20);
  const rng = new Rng(options.seed ?? 0);
  const train = new Map(shop.queries.filter((q) => q.split === "train").map((q) => [q.id, q]));
  const products = new Map(shop.products.map((p) => [p.id, p]));
  const positives = new Map<string, Set<string>>();
  const pairs: RetrievalPair[] = [];
  const add = (q: Query, productId: string, source: RetrievalPair["source"]): boolean => {
    let set = positives.get(q.id);
    if (!set) positives.set(q.id, (set = new Set()));
    if (set.has(productId)) return false;
    set.add(productId);
    pairs.push({ queryId: q.id, query: q.text, productId, source });
    return true;
  };
  const pool = new Map<string, string[]>();
  let fromJudgments = 0;
  for (const j of shop.judgments) {
    const q = train.get(j.query);
    if (!q) continue;
    if (!products.has(j.product)) throw new Error(`retrievalTrainingData: judgment (${j.query}, ${j.product}) names a product the catalog does not have.`);
    if (j.label === "E") fromJudgments += add(q, j.product, "judgment") ? 1 : 0;
    else if (j.label === "I" || j.label === "C") {
      const list = pool.get(q.id);
      if (list) list.push(j.product);
      else pool.set(q.id, [j.product]);
    }
  }
  let fromPurchases = 0;
  if (options.purchases ?? true) {
    for (const s of shop.sessions) {
      if (s.split !== "train") continue;
      let last: Query | undefined;
      for (const e of s.events) {
        if (e.type === "search") last = train.get(e.query);
        else if (e.type === "purchase" && last && products.has(e.product)) fromPurchases += add(last, e.product, "purchase") ? 1 : 0;
      }
    }
  }
  const keyword = keywordDepth > 0 ? keywordRetriever(shop.products) : null;
  const hardNegatives = new Map<string, string[]>();
  let fromJudgedPools = 0;
  let fromKeyword = 0;
  for (const q of train.values()) {
    if (!positives.has(q.id)) continue;
    const known = positives.get(q.id) as Set<string>;
    const chosen = new Set<string>();
    // Keyword look-alikes first, up to half the cap (they are the lexically hardest), then the judged pool.
    if (keyword) {
      for (const id of keyword(q, keywordDepth)) {
        if (chosen.size >= Math.ceil(maxHard / 2)) break;
        if (known.has(id) || chosen.has(id) || esciGrade(q.intent, products.get(id) as Product) === "E") continue;
        chosen.add(id);
        fromKeyword++;
      }
    }
    // The judged pool's order is the file's; a seeded shuffle so the cap does not favour one end.
    for (const id of rng.shuffle([...(pool.get(q.id) ?? [])])) {
      if (chosen.size >= maxHard) break;
      if (!known.has(id) && !chosen.has(id)) {
        chosen.add(id);
        fromJudgedPools++;
      }
    }
    if (chosen.size) hardNegatives.set(q.id, [...chosen]);
  }
  rng.shuffle(pairs);
  return {
    pairs,
    hardNegatives,
    positives,
    counts: {
      queries: positives.size,
      pairs: pairs.length,
      fromJudgments,
      fromPurchases,
      hardNegatives: fromJudgedPools + fromKeyword,
      fromJudgedPools,
      fromKeyword,
      queriesWithHardNegatives: hardNegatives.size,
    },
  };
}
