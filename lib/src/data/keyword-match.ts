/**
 * The naive keyword search most shops start with: a product matches a query when its text
 * contains every query word (after lower-casing and dropping function words). No stemming, no
 * synonyms, no spelling correction, on purpose: chapter 0 uses it to show where keywords fail,
 * and chapter 4 replaces it with BM25 and dense retrieval.
 */

/** Function words that carry no product meaning; everything else must match. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by can do for from get has have i if in into is it its me my need of on or our so some " +
    "something that the their them then there these they thing things this to up was we what when where which who will with " +
    "without would you your"
  ).split(" ")
);

/** Lower-case words and numbers of `text`, accents folded ("Étoile" -> "etoile"), stop words kept. */
export function keywordTokens(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** The distinct query words a keyword search requires: tokens minus stop words (all tokens if every one is a stop word). */
export function queryKeywords(query: string): string[] {
  const tokens = keywordTokens(query);
  const kept = tokens.filter((t) => !STOP_WORDS.has(t));
  return [...new Set(kept.length > 0 ? kept : tokens)];
}

export interface KeywordMatch {
  /** Every query keyword occurs in the text. */
  readonly matched: boolean;
  /** Share of the query keywords found (0..1; 0 for an empty query). */
  readonly overlap: number;
  readonly found: readonly string[];
  readonly missing: readonly string[];
}

/** Whether `text` contains every keyword of `query` (exact word match, no stemming). */
export function keywordMatch(query: string, text: string | ReadonlySet<string>): KeywordMatch {
  const words = typeof text === "string" ? new Set(keywordTokens(text)) : text;
  const keywords = queryKeywords(query);
  const found = keywords.filter((k) => words.has(k));
  const missing = keywords.filter((k) => !words.has(k));
  return { matched: keywords.length > 0 && missing.length === 0, overlap: keywords.length === 0 ? 0 : found.length / keywords.length, found, missing };
}

/** The text a shop's keyword search looks at: title and description. */
export function productText(product: { readonly title: string; readonly description: string }): string {
  return `${product.title} ${product.description}`;
}

/** Ids of the products whose title + description contain every keyword of `query`, in catalog order. */
export function keywordSearch<P extends { readonly id: string; readonly title: string; readonly description: string }>(query: string, products: readonly P[]): string[] {
  return products.filter((p) => keywordMatch(query, productText(p)).matched).map((p) => p.id);
}

/**
 * The same AND-of-keywords search over a whole catalog, through an inverted index (word ->
 * products), for when a linear scan per query is too slow.
 */
export class KeywordIndex {
  private readonly ids: readonly string[];
  private readonly postings = new Map<string, number[]>();

  constructor(products: ReadonlyArray<{ readonly id: string; readonly title: string; readonly description: string }>) {
    this.ids = products.map((p) => p.id);
    products.forEach((p, i) => {
      for (const word of new Set(keywordTokens(productText(p)))) {
        const list = this.postings.get(word);
        if (list) list.push(i);
        else this.postings.set(word, [i]);
      }
    });
  }

  /** Ids of the products that contain every keyword of `query`, in catalog order. */
  search(query: string): string[] {
    const keywords = queryKeywords(query);
    if (keywords.length === 0) return [];
    const lists = keywords.map((k) => this.postings.get(k) ?? []).sort((a, b) => a.length - b.length);
    let hits = lists[0];
    for (const list of lists.slice(1)) {
      const set = new Set(list);
      hits = hits.filter((i) => set.has(i));
    }
    return hits.map((i) => this.ids[i]);
  }
}
