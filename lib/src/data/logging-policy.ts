/**
 * The ranker the shop ran while the sessions were logged (the "logging policy"): count the
 * query's keywords in the title (2 points each) and the description (1 point), break ties by
 * popularity, and fall back to the best sellers when nothing matches. Crude on purpose: its
 * failures on synonyms, vague needs and typos are in the logs, and its position bias is what
 * counterfactual evaluation (chapter 5) has to undo. A share of searches was shown a uniform
 * shuffle of the top results instead (exploration traffic, policy "shuffle").
 */
import { keywordTokens, queryKeywords } from "./keyword-match";
import type { Product } from "./records";

export interface LoggingIndex {
  readonly products: readonly Product[];
  /** Word -> indexes of products with it in the title. */
  readonly title: ReadonlyMap<string, readonly number[]>;
  /** Word -> indexes of products with it in the description. */
  readonly description: ReadonlyMap<string, readonly number[]>;
  /** Popularity tie-breaker per product: 0.3 ln(1 + popularity). */
  readonly prior: Float64Array;
  /** Indexes by popularity, highest first (ties by id). */
  readonly bestSellers: readonly number[];
}

function postings(products: readonly Product[], field: (p: Product) => string): Map<string, number[]> {
  const map = new Map<string, number[]>();
  products.forEach((p, i) => {
    for (const word of new Set(keywordTokens(field(p)))) {
      const list = map.get(word);
      if (list) list.push(i);
      else map.set(word, [i]);
    }
  });
  return map;
}

function byId(products: readonly Product[], a: number, b: number): number {
  return products[a].id < products[b].id ? -1 : products[a].id > products[b].id ? 1 : 0;
}

export function buildLoggingIndex(products: readonly Product[]): LoggingIndex {
  const bestSellers = products.map((_, i) => i).sort((a, b) => products[b].popularity - products[a].popularity || byId(products, a, b));
  const prior = Float64Array.from(products, (p) => 0.3 * Math.log1p(p.popularity));
  return { products, title: postings(products, (p) => p.title), description: postings(products, (p) => p.description), prior, bestSellers };
}

/** The logging ranker's top `k` products for `query` (ids, best first). */
export function loggingRanking(query: string, index: LoggingIndex, k: number): string[] {
  const matches = new Map<number, number>();
  for (const word of queryKeywords(query)) {
    for (const i of index.title.get(word) ?? []) matches.set(i, (matches.get(i) ?? 0) + 2);
    for (const i of index.description.get(word) ?? []) matches.set(i, (matches.get(i) ?? 0) + 1);
  }
  const { products, prior } = index;
  // Top k by (score desc, id asc), kept in a small sorted array: matches can number thousands.
  const top: Array<{ i: number; score: number }> = [];
  const better = (a: { i: number; score: number }, b: { i: number; score: number }): boolean => a.score > b.score || (a.score === b.score && byId(products, a.i, b.i) < 0);
  for (const [i, m] of matches) {
    const entry = { i, score: m + prior[i] };
    if (top.length === k && !better(entry, top[k - 1])) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(top[mid], entry)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, entry);
    if (top.length > k) top.pop();
  }
  const out = top.map((e) => e.i);
  for (let j = 0; out.length < k && j < index.bestSellers.length; j++) if (!matches.has(index.bestSellers[j])) out.push(index.bestSellers[j]);
  return out.map((i) => products[i].id);
}
