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
 */
import { compareCodePoints } from "./ranking";

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
  if (!Number.isInteger(k) || k < 1) throw new Error(`${what}: expected a cutoff k that is an integer >= 1, got ${k}.`);
  return k;
}

function topK(list: ItemList, k: number, what: string, index?: number): readonly string[] {
  if (!Array.isArray(list)) throw new Error(`${what}: list${index === undefined ? "" : ` ${index}`} is not an array of item ids.`);
  return k === Infinity ? list : list.slice(0, k);
}

function positionWeight(rank0: number, weighting: Weighting): number {
  return weighting === "log" ? 1 / Math.log2(rank0 + 2) : 1;
}

function checkWeighting(w: Weighting | undefined, what: string): Weighting {
  const v = w ?? "uniform";
  if (v !== "uniform" && v !== "log") throw new Error(`${what}: weighting must be "uniform" or "log", got "${String(w)}".`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Coverage.

/**
 * Catalog coverage: the share of the catalog that appears in at least one list. `catalog` is
 * the set of item ids (recommending an item outside it is an error) or just its size.
 */
export function catalogCoverage(lists: readonly ItemList[], catalog: Iterable<string> | number, options: { k?: number } = {}): number {
  const what = "catalogCoverage";
  const k = checkK(options.k, what);
  const shown = new Set<string>();
  lists.forEach((list, i) => topK(list, k, what, i).forEach((item) => shown.add(item)));
  if (typeof catalog === "number") {
    if (!Number.isInteger(catalog) || catalog < 1) throw new Error(`${what}: catalog size must be an integer >= 1, got ${catalog}.`);
    if (shown.size > catalog) throw new Error(`${what}: the lists show ${shown.size} distinct items but the catalog size is ${catalog}.`);
    return shown.size / catalog;
  }
  const items = new Set(catalog);
  if (items.size === 0) throw new Error(`${what}: the catalog is empty.`);
  const outside = Array.from(shown).filter((x) => !items.has(x));
  if (outside.length > 0) {
    throw new Error(`${what}: ${outside.length} recommended item(s) are not in the catalog, e.g. "${outside.slice(0, 3).join('", "')}".`);
  }
  return shown.size / items.size;
}

// ---------------------------------------------------------------------------------------------
// Diversity.

/** Mean pairwise distance within one list (0 for fewer than two items). */
export function intraListDiversity<T>(items: readonly T[], distance: (a: T, b: T) => number): number {
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

/** Intra-list diversity on categories: the share of item pairs in different categories. */
export function categoryDiversity(list: ItemList, categoryOf: ItemLookup<string>): number {
  const categories = list.map((item) => {
    const c = lookupItem(categoryOf, item);
    if (c === undefined) throw new Error(`categoryDiversity: item "${item}" has no category.`);
    return c;
  });
  return intraListDiversity(categories, (a, b) => (a === b ? 0 : 1));
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

/** Intra-list diversity on embeddings: the mean pairwise cosine distance of the items' vectors. */
export function embeddingDiversity(list: ItemList, embeddingOf: ItemLookup<ArrayLike<number>>): number {
  const vectors = list.map((item) => {
    const v = lookupItem(embeddingOf, item);
    if (v === undefined) throw new Error(`embeddingDiversity: item "${item}" has no embedding.`);
    return v;
  });
  return intraListDiversity(vectors, cosineDistance);
}

// ---------------------------------------------------------------------------------------------
// Novelty and popularity.

/**
 * Novelty of one list: mean self-information -log2(count / population) of its items, where
 * count is how many of the `population` users interacted with the item. An item with count 0
 * would be infinitely novel: it is an error unless `smoothing` adds pseudo-counts
 * ((count + s) / (population + s)).
 */
export function novelty(list: ItemList, popularity: ItemLookup<number>, population: number, options: { smoothing?: number } = {}): number {
  const what = "novelty";
  if (!(population > 0) || !Number.isFinite(population)) throw new Error(`${what}: population must be a finite number > 0, got ${population}.`);
  const s = options.smoothing ?? 0;
  if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`${what}: smoothing must be a finite number >= 0, got ${s}.`);
  if (list.length === 0) throw new Error(`${what}: the list is empty; novelty of no item is undefined.`);
  let total = 0;
  for (const item of list) {
    const count = lookupItem(popularity, item) ?? 0;
    if (!(count >= 0) || count > population) throw new Error(`${what}: item "${item}" has popularity ${count}; expected a count between 0 and the population ${population}.`);
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
  if (!(headFraction >= 0 && headFraction <= 1)) throw new Error(`${what}: headFraction must be in [0, 1], got ${headFraction}.`);
  const entries = popularity instanceof Map ? Array.from(popularity.entries()) : Object.entries(popularity);
  for (const [item, c] of entries) {
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`${what}: item "${item}" has popularity ${c}; expected a finite count >= 0.`);
  }
  entries.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const size = Math.ceil(headFraction * entries.length);
  return new Set(entries.slice(0, size).map(([item]) => item));
}

/**
 * Share of the long tail: the fraction of recommended slots (top k of every list) filled by
 * items outside the popularity head (Abdollahpouri et al. 2019's average percentage of long
 * tail items, pooled over slots). `popularity` must list the whole catalog, including items
 * nobody interacted with (count 0), since the head is a fraction of it.
 */
export function longTailShare(lists: readonly ItemList[], popularity: ReadonlyMap<string, number> | { readonly [item: string]: number }, options: { headFraction?: number; k?: number } = {}): number {
  const what = "longTailShare";
  const k = checkK(options.k, what);
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
  if (slots === 0) throw new Error(`${what}: the lists are empty; the share of no slot is undefined.`);
  return tail / slots;
}

/** Gini index of non-negative values (0: all equal; (n - 1) / n: all mass on one). */
export function giniIndex(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) throw new Error("giniIndex: expected at least one value, got none.");
  const sorted = Array.from(values);
  sorted.forEach((v, i) => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`giniIndex: value ${i} is ${v}; expected a finite number >= 0.`);
  });
  sorted.sort((a, b) => a - b);
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
  const exposure = new Map<string, number>();
  lists.forEach((list, i) => {
    topK(list, k, what, i).forEach((item, rank) => exposure.set(item, (exposure.get(item) ?? 0) + positionWeight(rank, weighting)));
  });
  return exposure;
}

/**
 * Gini of exposure over the catalog: how unequally the lists spread attention over items.
 * Catalog items never shown count with exposure 0; an item outside the catalog is an error.
 */
export function exposureGini(lists: readonly ItemList[], catalog: Iterable<string>, options: { weighting?: Weighting; k?: number } = {}): number {
  const what = "exposureGini";
  const exposure = itemExposure(lists, options);
  const items = Array.from(new Set(catalog));
  if (items.length === 0) throw new Error(`${what}: the catalog is empty.`);
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
