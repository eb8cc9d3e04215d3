/**
 * Beyond accuracy: what a list of recommendations does to the catalog and to the user, whether
 * or not each item was relevant. Catalog coverage, intra-list diversity (on categories and on
 * embeddings), novelty, popularity bias (share of the long tail, Gini of exposure) and exposure
 * per group of items (a brand, a seller).
 *
 * Conventions:
 * - A recommendation list is an array of item ids, best first; `lists` holds one per user or
 *   query. Only the top k count when `k` is given.
 * - Intra-list diversity (Ziegler et al., WWW 2005) is the mean distance over the
 *   n(n-1)/2 unordered pairs of a list; a list of fewer than two items has no pairs and scores 0.
 * - Novelty of an item is its self-information -log2(p), with p the share of the population
 *   (users) that interacted with it (Zhou et al., PNAS 2010); a list's novelty is the mean
 *   over its items.
 * - Position weights for exposure: "uniform" (every slot counts 1) or "log" (slot i counts
 *   1 / log2(i + 1), the DCG discount; Singh and Joachims, KDD 2018).
 * - Gini index over the whole catalog (items never shown have exposure 0):
 *   G = sum_i (2i - n - 1) x_(i) / (n sum x), x sorted ascending, i = 1..n; 0 is perfect
 *   equality and (n - 1) / n is everything on one item.
 * - Empty input (the library's rule, ./validate.ts): a summary over lists (coverage, long-tail
 *   share, exposure Gini) throws `EmptyInputError` when the lists hold no recommended slot at
 *   all (no list, or only empty ones, within the top k); so does novelty of an empty list and
 *   the Gini index of no value. Per-item tables (`itemExposure`, `groupExposure`) are simply
 *   empty. A list of fewer than two items has intra-list diversity 0 (no pair differs).
 * - Items missing from a lookup (popularity, category, embedding, group) are errors, never a
 *   silent 0; novelty can instead count them as never interacted with (`missing: "zero"`),
 *   which needs `smoothing` like any count of 0.
 * - Scale: category diversity is computed from category counts and embedding diversity from
 *   the sum of unit vectors (linear in the list length; the same value as the pairwise mean up
 *   to rounding); `intraListDiversity` with an arbitrary distance makes n(n-1)/2 calls.
 */
import { compareCodePoints } from "./ranking";
import { checkChoice, checkNonEmpty, checkNumber, optionalNumber, shown } from "./validate";

export type ItemList = readonly string[];
export type Weighting = "uniform" | "log";

/** A lookup given as a Map, a plain record or a function. */
export type ItemLookup<V> = ReadonlyMap<string, V> | { readonly [item: string]: V } | ((item: string) => V | undefined);

function lookupItem<V>(table: ItemLookup<V>, item: string): V | undefined {
  if (typeof table === "function") return table(item);
  if (table instanceof Map) return table.get(item);
  const rec = table as { readonly [item: string]: V };
  return Object.prototype.hasOwnProperty.call(rec, item) ? rec[item] : undefined;
}

function checkK(k: number | undefined, what: string): number {
  if (k === undefined) return Infinity;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) throw new Error(`${what}: expected a cutoff k that is an integer >= 1, got ${shown(k)}.`);
  return k;
}

function checkLists(lists: readonly ItemList[], what: string): void {
  if (!Array.isArray(lists)) throw new Error(`${what}: lists must be an array of recommendation lists (arrays of item ids), got ${shown(lists)}.`);
}

const NO_SLOT = "the lists hold no recommended item (no list, or only empty ones), so there is nothing to summarise.";

function topK(list: ItemList, k: number, what: string, index?: number): readonly string[] {
  if (!Array.isArray(list)) throw new Error(`${what}: list${index === undefined ? "" : ` ${index}`} is not an array of item ids.`);
  return k === Infinity ? list : list.slice(0, k);
}

function positionWeight(rank0: number, weighting: Weighting): number {
  return weighting === "log" ? 1 / Math.log2(rank0 + 2) : 1;
}

function checkWeighting(w: Weighting | undefined, what: string): Weighting {
  return checkChoice(what, "weighting", w, ["uniform", "log"], "uniform");
}

// ---------------------------------------------------------------------------------------------
// Coverage.

/**
 * Catalog coverage: the share of the catalog that appears in at least one list. `catalog` is
 * the set of item ids (recommending an item outside it is an error) or just its size. Lists
 * without any recommended slot (within the top k) throw `EmptyInputError`.
 */
export function catalogCoverage(lists: readonly ItemList[], catalog: Iterable<string> | number, options: { k?: number } = {}): number {
  const what = "catalogCoverage";
  const k = checkK(options.k, what);
  checkLists(lists, what);
  const seen = new Set<string>();
  let slots = 0;
  lists.forEach((list, i) =>
    topK(list, k, what, i).forEach((item) => {
      seen.add(item);
      slots++;
    }),
  );
  checkNonEmpty(what, "lists", slots, NO_SLOT);
  if (typeof catalog === "number") {
    if (!Number.isInteger(catalog) || catalog < 1) throw new Error(`${what}: catalog size must be an integer >= 1, got ${catalog}.`);
    if (seen.size > catalog) throw new Error(`${what}: the lists show ${seen.size} distinct items but the catalog size is ${catalog}.`);
    return seen.size / catalog;
  }
  if (catalog === null || typeof catalog !== "object" || typeof (catalog as Iterable<string>)[Symbol.iterator] !== "function") {
    throw new Error(`${what}: catalog must be the item ids (an iterable) or the catalog size, got ${shown(catalog)}.`);
  }
  const items = new Set(catalog);
  checkNonEmpty(what, "catalog", items.size, "coverage of an empty catalog is undefined.");
  const outside = Array.from(seen).filter((x) => !items.has(x));
  if (outside.length > 0) {
    throw new Error(`${what}: ${outside.length} recommended item(s) are not in the catalog, e.g. "${outside.slice(0, 3).join('", "')}".`);
  }
  return seen.size / items.size;
}

// ---------------------------------------------------------------------------------------------
// Diversity.

/**
 * Mean pairwise distance within one list (0 for fewer than two items). Makes n(n-1)/2 calls of
 * `distance`: fine for recommendation lists, quadratic for long ones.
 */
export function intraListDiversity<T>(items: readonly T[], distance: (a: T, b: T) => number): number {
  if (!Array.isArray(items)) throw new Error(`intraListDiversity: items must be an array, got ${shown(items)}.`);
  if (typeof distance !== "function") throw new Error(`intraListDiversity: distance must be a function (a, b) => number, got ${shown(distance)}.`);
  const n = items.length;
  if (n < 2) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = distance(items[i], items[j]);
      if (typeof d !== "number" || Number.isNaN(d)) throw new Error(`intraListDiversity: distance between items ${i} and ${j} is ${String(d)}; expected a number.`);
      total += d;
    }
  }
  return total / ((n * (n - 1)) / 2);
}

/**
 * Intra-list diversity on categories: the share of item pairs in different categories (0 for
 * fewer than two items). Counted per category, so linear in the list length:
 * pairs that differ = n(n-1)/2 - sum_c n_c(n_c - 1)/2 (exact integers, the same value as the
 * pairwise mean).
 */
export function categoryDiversity(list: ItemList, categoryOf: ItemLookup<string>): number {
  const what = "categoryDiversity";
  if (!Array.isArray(list)) throw new Error(`${what}: list must be an array of item ids, got ${shown(list)}.`);
  const counts = new Map<string, number>();
  for (const item of list) {
    const c = lookupItem(categoryOf, item);
    if (c === undefined) throw new Error(`${what}: item "${item}" has no category.`);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const n = list.length;
  if (n < 2) return 0;
  const pairs = (n * (n - 1)) / 2;
  let same = 0;
  for (const m of counts.values()) same += (m * (m - 1)) / 2;
  return (pairs - same) / pairs;
}

/** Cosine distance 1 - cos(a, b); zero vectors are an error (their direction is undefined). */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosineDistance: vectors have lengths ${a.length} and ${b.length}; they must match.`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) throw new Error("cosineDistance: a zero vector has no direction; cosine distance is undefined.");
  return 1 - dot / Math.sqrt(na * nb);
}

/**
 * Intra-list diversity on embeddings: the mean pairwise cosine distance of the items' vectors
 * (0 for fewer than two items). Linear in the list length: with u_i the unit vectors and
 * S = sum u_i, the sum over pairs of cos(u_i, u_j) is (|S|^2 - n) / 2, so the mean distance is
 * 1 - (|S|^2 - n) / (n(n - 1)). Zero vectors are an error, as in `cosineDistance`.
 */
export function embeddingDiversity(list: ItemList, embeddingOf: ItemLookup<ArrayLike<number>>): number {
  const what = "embeddingDiversity";
  if (!Array.isArray(list)) throw new Error(`${what}: list must be an array of item ids, got ${shown(list)}.`);
  const n = list.length;
  let sum: Float64Array | null = null;
  let unitNorms = 0;
  for (const item of list) {
    const v = lookupItem(embeddingOf, item);
    if (v === undefined) throw new Error(`${what}: item "${item}" has no embedding.`);
    if (sum === null) sum = new Float64Array(v.length);
    if (v.length !== sum.length) throw new Error(`${what}: item "${item}" has an embedding of length ${v.length}; the first item's has ${sum.length}.`);
    let norm = 0;
    for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
    if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`${what}: item "${item}" has a zero or non-finite embedding; cosine distance is undefined.`);
    const inv = 1 / Math.sqrt(norm);
    let unit = 0;
    for (let d = 0; d < v.length; d++) {
      const u = v[d] * inv;
      sum[d] += u;
      unit += u * u;
    }
    unitNorms += unit;
  }
  if (n < 2 || sum === null) return 0;
  let s2 = 0;
  for (let d = 0; d < sum.length; d++) s2 += sum[d] * sum[d];
  // unitNorms is n up to rounding; using the computed norms keeps identical vectors at distance 0.
  return 1 - (s2 - unitNorms) / (n * (n - 1));
}

// ---------------------------------------------------------------------------------------------
// Novelty and popularity.

/**
 * Novelty of one list: mean self-information -log2(count / population) of its items, where
 * count is how many of the `population` users interacted with the item. An item with count 0
 * would be infinitely novel: it is an error unless `smoothing` adds pseudo-counts
 * ((count + s) / (population + s)). An item missing from `popularity` is an error (it usually
 * means a table built from another catalog or split), with or without smoothing; pass
 * `missing: "zero"` to count missing items as never interacted with (count 0) instead. An
 * empty list throws `EmptyInputError`.
 */
export function novelty(
  list: ItemList,
  popularity: ItemLookup<number>,
  population: number,
  options: { smoothing?: number; missing?: "error" | "zero" } = {},
): number {
  const what = "novelty";
  checkNumber(what, "population", population, { min: 0, minExclusive: true });
  const s = optionalNumber(what, "smoothing", options.smoothing, 0, { min: 0 });
  const missing = checkChoice(what, "missing", options.missing, ["error", "zero"], "error");
  if (!Array.isArray(list)) throw new Error(`${what}: list must be an array of item ids, got ${shown(list)}.`);
  checkNonEmpty(what, "list", list.length, "novelty of no item is undefined.");
  let total = 0;
  for (const item of list) {
    const found = lookupItem(popularity, item);
    if (found === undefined && missing === "error") {
      throw new Error(`${what}: item "${item}" is missing from popularity; list every item (0 for items nobody interacted with) or pass missing: "zero".`);
    }
    const count = found ?? 0;
    if (typeof count !== "number" || !(count >= 0) || count > population) throw new Error(`${what}: item "${item}" has popularity ${shown(count)}; expected a count between 0 and the population ${population}.`);
    const p = (count + s) / (population + s);
    if (p === 0) throw new Error(`${what}: item "${item}" was never interacted with (count 0), so -log2(0) is infinite; pass options.smoothing (e.g. 1).`);
    total += -Math.log2(p);
  }
  return total / list.length;
}

/**
 * The short head of the catalog: the ceil(headFraction * |catalog|) most popular items (ties
 * broken by item id, code-point order, so the split is deterministic). The rest is the long tail.
 */
export function popularityHead(popularity: ReadonlyMap<string, number> | { readonly [item: string]: number }, headFraction = 0.2): Set<string> {
  const what = "popularityHead";
  checkNumber(what, "headFraction", headFraction, { min: 0, max: 1 });
  const entries = popularity instanceof Map ? Array.from(popularity.entries()) : Object.entries(popularity);
  for (const [item, c] of entries) {
    if (typeof c !== "number" || !(c >= 0) || !Number.isFinite(c)) throw new Error(`${what}: item "${item}" has popularity ${shown(c)}; expected a finite count >= 0.`);
  }
  entries.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const size = Math.ceil(headFraction * entries.length);
  return new Set(entries.slice(0, size).map(([item]) => item));
}

/**
 * Share of the long tail: the fraction of recommended slots (top k of every list) filled by
 * items outside the popularity head (Abdollahpouri et al. 2019's average percentage of long
 * tail items, pooled over slots). `popularity` must list the whole catalog, including items
 * nobody interacted with (count 0), since the head is a fraction of it. Lists without any
 * recommended slot (within the top k) throw `EmptyInputError`.
 */
export function longTailShare(lists: readonly ItemList[], popularity: ReadonlyMap<string, number> | { readonly [item: string]: number }, options: { headFraction?: number; k?: number } = {}): number {
  const what = "longTailShare";
  const k = checkK(options.k, what);
  checkLists(lists, what);
  const head = popularityHead(popularity, options.headFraction ?? 0.2);
  const known = popularity instanceof Map ? (item: string) => popularity.has(item) : (item: string) => Object.prototype.hasOwnProperty.call(popularity, item);
  let slots = 0;
  let tail = 0;
  lists.forEach((list, i) => {
    for (const item of topK(list, k, what, i)) {
      if (!known(item)) throw new Error(`${what}: item "${item}" (list ${i}) is missing from popularity; list every catalog item, with 0 for unseen ones.`);
      slots++;
      if (!head.has(item)) tail++;
    }
  });
  checkNonEmpty(what, "lists", slots, NO_SLOT);
  return tail / slots;
}

/**
 * Gini index of non-negative values (0: all equal; (n - 1) / n: all mass on one). No value
 * throws `EmptyInputError`; all-zero values give 0.
 */
export function giniIndex(values: ArrayLike<number>): number {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") throw new Error(`giniIndex: values must be an array of numbers, got ${shown(values)}.`);
  const n = values.length;
  checkNonEmpty("giniIndex", "values", n, "expected at least one value, got none.");
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw new Error(`giniIndex: value ${i} is ${shown(v)}; expected a finite number >= 0.`);
    sorted[i] = v;
  }
  sorted.sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (2 * (i + 1) - n - 1) * sorted[i];
  }
  return total === 0 ? 0 : weighted / (n * total);
}

/** Exposure of each item: the sum of its position weights over the lists (top k). */
export function itemExposure(lists: readonly ItemList[], options: { weighting?: Weighting; k?: number } = {}): Map<string, number> {
  const what = "itemExposure";
  const weighting = checkWeighting(options.weighting, what);
  const k = checkK(options.k, what);
  checkLists(lists, what);
  const exposure = new Map<string, number>();
  lists.forEach((list, i) => {
    topK(list, k, what, i).forEach((item, rank) => exposure.set(item, (exposure.get(item) ?? 0) + positionWeight(rank, weighting)));
  });
  return exposure;
}

/**
 * Gini of exposure over the catalog: how unequally the lists spread attention over items.
 * Catalog items never shown count with exposure 0; an item outside the catalog is an error.
 * Lists without any recommended slot (within the top k) throw `EmptyInputError` (they used to
 * give 0, "perfect equality", for a system that shows nothing).
 */
export function exposureGini(lists: readonly ItemList[], catalog: Iterable<string>, options: { weighting?: Weighting; k?: number } = {}): number {
  const what = "exposureGini";
  const exposure = itemExposure(lists, options);
  checkNonEmpty(what, "lists", exposure.size, NO_SLOT);
  const items = Array.from(new Set(catalog));
  checkNonEmpty(what, "catalog", items.length, "the Gini index over an empty catalog is undefined.");
  const inCatalog = new Set(items);
  for (const item of exposure.keys()) if (!inCatalog.has(item)) throw new Error(`${what}: recommended item "${item}" is not in the catalog.`);
  return giniIndex(items.map((item) => exposure.get(item) ?? 0));
}

export interface GroupExposure {
  /** Summed position weights of the group's items. */
  readonly exposure: number;
  /** The group's share of all exposure. */
  readonly share: number;
  /** Recommended slots the group's items filled. */
  readonly slots: number;
}

/**
 * Exposure per group of items (per brand, per seller): each group's summed position weights
 * and its share of the total, sorted by group id. Every shown item needs a group.
 */
export function groupExposure(lists: readonly ItemList[], groupOf: ItemLookup<string>, options: { weighting?: Weighting; k?: number } = {}): Map<string, GroupExposure> {
  const what = "groupExposure";
  const weighting = checkWeighting(options.weighting, what);
  const k = checkK(options.k, what);
  checkLists(lists, what);
  const sums = new Map<string, { exposure: number; slots: number }>();
  let total = 0;
  lists.forEach((list, i) => {
    topK(list, k, what, i).forEach((item, rank) => {
      const group = lookupItem(groupOf, item);
      if (group === undefined) throw new Error(`${what}: item "${item}" (list ${i}, rank ${rank + 1}) has no group.`);
      const w = positionWeight(rank, weighting);
      const s = sums.get(group) ?? { exposure: 0, slots: 0 };
      s.exposure += w;
      s.slots += 1;
      sums.set(group, s);
      total += w;
    });
  });
  const out = new Map<string, GroupExposure>();
  for (const group of Array.from(sums.keys()).sort(compareCodePoints)) {
    const s = sums.get(group) as { exposure: number; slots: number };
    out.set(group, { exposure: s.exposure, share: total > 0 ? s.exposure / total : 0, slots: s.slots });
  }
  return out;
}
