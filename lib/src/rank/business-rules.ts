/**
 * Business rules as filters on a ranking, without breaking top-k: a shop must not show what it
 * cannot sell (not yet launched, out of stock), nor what the shopper ruled out (price range,
 * brands, categories). Filtering a top-k leaves fewer than k, so the retriever is asked again,
 * deeper, until k items pass or the retriever has nothing more; the result says which.
 *
 * - Availability: the shop's records have no stock field. A product is orderable from its
 *   `launchDate` on (`availableOn`, a YYYY-MM-DD date: products launched after it are not shown),
 *   and not when its id is in `outOfStock` (a set the caller passes, e.g. from an inventory feed).
 * - Price: `minPrice` <= price <= `maxPrice` (USD, both ends included).
 * - Brands and categories: `includeBrands` / `includeCategories` keep only those (when given);
 *   `excludeBrands` / `excludeCategories` drop those.
 * - Order: the items that pass keep the retriever's order; nothing is re-scored.
 * - Deeper fetches: first `k * overFetch` (default 2) items, then the depth doubles, up to
 *   `maxDepth` (default unbounded). The retriever is exhausted when it returns fewer items than
 *   asked for; each deeper call must return the earlier list as its prefix (a deterministic
 *   retriever does), which is checked.
 */
import type { Product } from "../data/records";

export interface BusinessRules {
  /** YYYY-MM-DD: only products launched on or before this date are orderable. */
  readonly availableOn?: string;
  /** Ids of products that cannot be ordered now. */
  readonly outOfStock?: Iterable<string>;
  readonly minPrice?: number;
  readonly maxPrice?: number;
  readonly includeBrands?: Iterable<string>;
  readonly excludeBrands?: Iterable<string>;
  readonly includeCategories?: Iterable<string>;
  readonly excludeCategories?: Iterable<string>;
}

/** The rule that removed a product. */
export type RuleName = "unknown-product" | "not-launched" | "out-of-stock" | "price" | "brand" | "category";

/** A product's verdict: null when it passes, else the first rule it breaks. */
export type RuleCheck = (id: string) => RuleName | null;

type RuleProduct = Pick<Product, "id" | "brand" | "category" | "price" | "launchDate">;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function optionalSet(name: string, values: Iterable<string> | undefined): Set<string> | null {
  if (values === undefined) return null;
  if (values === null || typeof (values as Iterable<string>)[Symbol.iterator] !== "function" || typeof values === "string") {
    throw new Error(`businessRules: ${name} must be a list or set of strings, got ${JSON.stringify(values)}.`);
  }
  const set = new Set(values);
  for (const v of set) if (typeof v !== "string") throw new Error(`businessRules: ${name} must hold strings, got ${JSON.stringify(v)}.`);
  return set;
}

function optionalPrice(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new Error(`businessRules: ${name} must be a finite number >= 0 (USD), got ${JSON.stringify(value)}.`);
  return value;
}

/**
 * The rules as one check over a catalog: each product id to null (passes) or the first rule it
 * breaks, in the order unknown-product, not-launched, out-of-stock, price, brand, category.
 * Bad rules (a date not YYYY-MM-DD, min above max, a brand list given as one string) throw.
 */
export function businessRules(products: readonly RuleProduct[], rules: BusinessRules): RuleCheck {
  if (rules === null || typeof rules !== "object") throw new Error(`businessRules: rules must be an object such as { maxPrice: 100 }, got ${JSON.stringify(rules)}.`);
  const known = new Set(["availableOn", "outOfStock", "minPrice", "maxPrice", "includeBrands", "excludeBrands", "includeCategories", "excludeCategories"]);
  for (const key of Object.keys(rules)) if (!known.has(key)) throw new Error(`businessRules: unknown rule "${key}"; expected some of ${[...known].join(", ")}.`);
  const on = rules.availableOn;
  if (on !== undefined && (typeof on !== "string" || !DATE.test(on) || Number.isNaN(Date.parse(on)))) throw new Error(`businessRules: availableOn must be a date YYYY-MM-DD, got ${JSON.stringify(on)}.`);
  const minPrice = optionalPrice("minPrice", rules.minPrice);
  const maxPrice = optionalPrice("maxPrice", rules.maxPrice);
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) throw new Error(`businessRules: minPrice (${minPrice}) is above maxPrice (${maxPrice}); no product could pass.`);
  const outOfStock = optionalSet("outOfStock", rules.outOfStock);
  const includeBrands = optionalSet("includeBrands", rules.includeBrands);
  const excludeBrands = optionalSet("excludeBrands", rules.excludeBrands);
  const includeCategories = optionalSet("includeCategories", rules.includeCategories);
  const excludeCategories = optionalSet("excludeCategories", rules.excludeCategories);
  const byId = new Map(products.map((p) => [p.id, p]));
  return (id) => {
    const p = byId.get(id);
    if (!p) return "unknown-product";
    // YYYY-MM-DD strings compare in date order.
    if (on !== undefined && p.launchDate > on) return "not-launched";
    if (outOfStock?.has(id)) return "out-of-stock";
    if ((minPrice !== null && p.price < minPrice) || (maxPrice !== null && p.price > maxPrice)) return "price";
    if ((includeBrands && !includeBrands.has(p.brand)) || excludeBrands?.has(p.brand)) return "brand";
    if ((includeCategories && !includeCategories.has(p.category)) || excludeCategories?.has(p.category)) return "category";
    return null;
  };
}

/** An item of a ranking: an id, or anything with one (a scored hit). */
export type RankedItem = string | { readonly id: string };

const idOf = (x: RankedItem): string => (typeof x === "string" ? x : x.id);

export interface RuledTopK<T extends RankedItem> {
  /** At most k items that pass every rule, in the retriever's order. */
  readonly items: T[];
  /** True when k items passed. */
  readonly complete: boolean;
  /** How deep the retriever was asked to go last, and how many calls it took. */
  readonly depth: number;
  readonly fetches: number;
  /** The retriever returned fewer than asked for: there is nothing more to fetch. */
  readonly exhausted: boolean;
  /** Items removed by each rule among those examined. */
  readonly removed: Partial<Record<RuleName, number>>;
  /** Why fewer than k came back (null when complete). */
  readonly shortfall: string | null;
}

/**
 * The top k of a ranking that pass the rules, fetching deeper when filtering leaves fewer than k.
 * `retrieve(depth)` returns the ranking's first `depth` items (sync or async).
 */
export async function topKWithRules<T extends RankedItem>(
  retrieve: (depth: number) => readonly T[] | Promise<readonly T[]>,
  k: number,
  check: RuleCheck,
  options: { readonly overFetch?: number; readonly maxDepth?: number } = {}
): Promise<RuledTopK<T>> {
  const what = "topKWithRules";
  if (typeof retrieve !== "function") throw new Error(`${what}: retrieve must be a function depth => ranked items, got ${typeof retrieve}.`);
  if (typeof check !== "function") throw new Error(`${what}: check must be the function businessRules(products, rules) returns, got ${typeof check}.`);
  if (!Number.isInteger(k) || k < 0) throw new Error(`${what}: k must be an integer >= 0, got ${JSON.stringify(k)}.`);
  const overFetch = options.overFetch ?? 2;
  if (!(typeof overFetch === "number" && overFetch >= 1 && Number.isFinite(overFetch))) throw new Error(`${what}: overFetch must be a number >= 1, got ${JSON.stringify(options.overFetch)}.`);
  const maxDepth = options.maxDepth ?? Infinity;
  if (!(maxDepth === Infinity || (Number.isInteger(maxDepth) && maxDepth >= 1))) throw new Error(`${what}: maxDepth must be an integer >= 1, got ${JSON.stringify(options.maxDepth)}.`);
  if (k === 0) return { items: [], complete: true, depth: 0, fetches: 0, exhausted: false, removed: {}, shortfall: null };
  let depth = Math.min(maxDepth, Math.max(k, Math.ceil(k * overFetch)));
  let fetches = 0;
  let previous: readonly T[] = [];
  for (;;) {
    const list = await retrieve(depth);
    fetches++;
    if (!Array.isArray(list)) throw new Error(`${what}: retrieve(${depth}) returned ${typeof list}; expected an array of ranked items.`);
    if (list.length > depth) throw new Error(`${what}: retrieve(${depth}) returned ${list.length} items; expected at most ${depth}.`);
    for (let i = 0; i < previous.length && i < list.length; i++) {
      if (idOf(list[i]) !== idOf(previous[i])) throw new Error(`${what}: retrieve(${depth}) disagrees with the shallower call at rank ${i + 1} ("${idOf(list[i])}" vs "${idOf(previous[i])}"); the retriever must be deterministic.`);
    }
    const items: T[] = [];
    const removed: Partial<Record<RuleName, number>> = {};
    const seen = new Set<string>();
    for (const item of list) {
      const id = idOf(item);
      if (typeof id !== "string") throw new Error(`${what}: retrieve(${depth}) returned an item without an id: ${JSON.stringify(item)}.`);
      if (seen.has(id)) throw new Error(`${what}: retrieve(${depth}) returned "${id}" twice.`);
      seen.add(id);
      if (items.length === k) break;
      const verdict = check(id);
      if (verdict === null) items.push(item);
      else removed[verdict] = (removed[verdict] ?? 0) + 1;
    }
    const exhausted = list.length < depth;
    if (items.length === k || exhausted || depth >= maxDepth) {
      const complete = items.length === k;
      const dropped = Object.entries(removed).map(([r, n]) => `${n} ${r}`).join(", ") || "none";
      const shortfall = complete
        ? null
        : exhausted
          ? `only ${items.length} of the retriever's ${list.length} results pass the rules (removed: ${dropped}); it has nothing more, so fewer than k = ${k}.`
          : `only ${items.length} of the first ${list.length} results pass the rules (removed: ${dropped}) and maxDepth (${maxDepth}) stops a deeper fetch; fewer than k = ${k}.`;
      return { items, complete, depth, fetches, exhausted, removed, shortfall };
    }
    previous = list;
    depth = Math.min(maxDepth, depth * 2);
  }
}
