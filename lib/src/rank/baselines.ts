/**
 * The simplest rankers, the baselines every later ranker must beat. Each ranks a query's
 * candidate pool (by default the judged pool, so offline metrics see every candidate's grade):
 * at random, by popularity, or by keyword overlap with the title and description.
 */
import { Rng, type Seed } from "../core/random";
import { keywordTokens, queryKeywords } from "../data/keyword-match";
import { ESCI_GRADES } from "../data/esci";
import type { EsciLabel, Judgment, Product, Query, User } from "../data/records";

/** Query id -> its candidate product ids (the judged pool, in file order). */
export function judgedPools(judgments: readonly Judgment[]): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const j of judgments) {
    const pool = pools.get(j.query);
    if (pool) pool.push(j.product);
    else pools.set(j.query, [j.product]);
  }
  return pools;
}

/**
 * Judgments as qrels (query id -> product id -> grade) for `evaluateRun`; the grades are
 * `ESCI_GRADES` unless given.
 */
export function judgmentQrels(judgments: readonly Judgment[], grades: Readonly<Record<EsciLabel, number>> = ESCI_GRADES): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  for (const j of judgments) {
    let forQuery = qrels.get(j.query);
    if (!forQuery) qrels.set(j.query, (forQuery = new Map()));
    forQuery.set(j.product, grades[j.label]);
  }
  return qrels;
}

/** Ranks a query's pool; the same signature as the A/B simulator's `Ranker`. */
export type PoolRanker = (query: Query, user?: User) => string[];

function poolOf(pools: ReadonlyMap<string, readonly string[]>, query: Query): readonly string[] {
  const pool = pools.get(query.id);
  if (!pool) throw new Error(`No candidate pool for query ${query.id} ("${query.text}").`);
  return pool;
}

/** Orders by score, highest first; equal scores by product id, so every ranking is reproducible. */
function byScore(ids: readonly string[], score: (id: string) => number): string[] {
  return [...ids].sort((a, b) => score(b) - score(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A fresh shuffle for every call, from a seeded stream: reproducible over a whole run. */
export function randomRanker(pools: ReadonlyMap<string, readonly string[]>, seed: Seed): PoolRanker {
  const rng = new Rng(seed);
  return (query) => rng.shuffle([...poolOf(pools, query)]);
}

export function popularityRanker(pools: ReadonlyMap<string, readonly string[]>, products: readonly Product[]): PoolRanker {
  const popularity = new Map(products.map((p) => [p.id, p.popularity]));
  return (query) => byScore(poolOf(pools, query), (id) => popularity.get(id) ?? 0);
}

/** Query keywords found in the title count 2, in the description 1; popularity breaks ties. */
export function keywordRanker(pools: ReadonlyMap<string, readonly string[]>, products: readonly Product[]): PoolRanker {
  const text = new Map(products.map((p) => [p.id, { title: new Set(keywordTokens(p.title)), description: new Set(keywordTokens(p.description)), popularity: p.popularity }]));
  return (query) => {
    const words = queryKeywords(query.text);
    return byScore(poolOf(pools, query), (id) => {
      const t = text.get(id);
      if (!t) return 0;
      let score = 0;
      for (const w of words) score += (t.title.has(w) ? 2 : 0) + (t.description.has(w) ? 1 : 0);
      return score + 1e-3 * Math.log1p(t.popularity);
    });
  };
}
