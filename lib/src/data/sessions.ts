/**
 * Sessions over the logged half-year: each user's visits, sampled from their hidden preferences
 * and the choice model. A visit starts with a search (a query from the query set, ranked by the
 * logging policy, ten results shown) or with a product page; the user clicks (position-biased),
 * reformulates when nothing appeals, browses on to similar or complementary products, adds to
 * cart and sometimes buys. Products never appear before their launch day.
 */
import { Rng } from "../core/random";
import { LOG_END, LOG_START, isoDay, isoSecond, splitOf, toMs } from "./calendar";
import { browseCartProbability, choiceProbabilities, purchaseGivenCart, sampleChoices, userUtility } from "./choice-model";
import { buildLoggingIndex, loggingRanking, type LoggingIndex } from "./logging-policy";
import type { Product, Query, QueryKind, Session, SessionEvent, User } from "./records";
import { attributeSpec, categoryById } from "./taxonomy";
import { PERSONAS } from "./users";

export interface SessionOptions {
  readonly seed: number;
  /** Mean sessions of a user with activity 1 who was a customer for the whole log. */
  readonly sessionsPerUser: number;
  /** Results shown per search. */
  readonly pageSize?: number;
  /** Share of searches shown a uniform shuffle of the top results (exploration traffic). */
  readonly exploreShare?: number;
}

/** How often a user's search is each kind of query (relative), before query popularity. */
const KIND_WEIGHT: Readonly<Record<QueryKind, number>> = {
  "exact-product": 0.8,
  "category-attribute": 1.5,
  synonym: 1.1,
  vague: 1,
  misspelled: 0.7,
  brand: 0.6,
};

interface CategoryShelf {
  readonly products: readonly Product[];
  /** Cumulative popularity, for drawing products in proportion to demand. */
  readonly cumulative: Float64Array;
}

interface Context {
  readonly rng: Rng;
  readonly byId: ReadonlyMap<string, Product>;
  readonly shelves: ReadonlyMap<string, CategoryShelf>;
  readonly logging: LoggingIndex;
  readonly rankingCache: Map<string, readonly string[]>;
  readonly byCategory: ReadonlyMap<string, readonly Query[]>;
  readonly byNeed: ReadonlyMap<string, readonly Query[]>;
  readonly byBrand: ReadonlyMap<string, readonly Query[]>;
  readonly queryWeight: ReadonlyMap<string, number>;
  readonly asks: ReadonlyMap<string, readonly CriticalAsk[]>;
  readonly pageSize: number;
  readonly exploreShare: number;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function shelvesOf(products: readonly Product[]): Map<string, CategoryShelf> {
  const lists = new Map<string, Product[]>();
  for (const p of products) push(lists, p.category, p);
  const shelves = new Map<string, CategoryShelf>();
  for (const [category, list] of lists) {
    const cumulative = new Float64Array(list.length);
    let acc = 0;
    list.forEach((p, i) => {
      acc += p.popularity;
      cumulative[i] = acc;
    });
    shelves.set(category, { products: list, cumulative });
  }
  return shelves;
}

/** Up to `k` distinct products of a category launched by `day`, drawn in proportion to popularity. */
function drawFromShelf(shelf: CategoryShelf, day: string, k: number, rng: Rng, exclude: string): Product[] {
  const out = new Map<string, Product>();
  const total = shelf.cumulative[shelf.cumulative.length - 1];
  for (let attempt = 0; attempt < k * 4 && out.size < k; attempt++) {
    const target = rng.next() * total;
    let lo = 0;
    let hi = shelf.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (shelf.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    const p = shelf.products[lo];
    if (p.launchDate <= day && p.id !== exclude) out.set(p.id, p);
  }
  return [...out.values()];
}

/** The product the user opens next among a few candidates, by exp(utility). */
function chooseByUtility(user: User, candidates: readonly Product[], rng: Rng): Product | null {
  if (candidates.length === 0) return null;
  return candidates[rng.weightedIndex(candidates.map((p) => Math.exp(Math.min(5, userUtility(user, p)))))];
}

function favouriteCategory(user: User, rng: Rng): string {
  const cats = user.preferences.categories;
  return cats[rng.weightedIndex(cats.map((c) => c.weight))].value;
}

function nextBrowse(ctx: Context, user: User, current: Product, day: string): Product | null {
  const { rng } = ctx;
  const r = rng.next();
  let category = current.category;
  if (r >= 0.6) {
    const c = categoryById(current.category);
    const related = [...c.complements, ...c.substitutes];
    category = r < 0.85 && related.length > 0 ? rng.choice(related) : favouriteCategory(user, rng);
  }
  const shelf = ctx.shelves.get(category);
  return shelf ? chooseByUtility(user, drawFromShelf(shelf, day, 8, rng, current.id), rng) : null;
}

interface CriticalAsk {
  readonly attribute: string;
  readonly value: string;
  readonly values: readonly string[];
}

/** The critical attribute values a query asks for (a device, a size), with the values their attribute can take. */
function criticalAsks(query: Query): CriticalAsk[] {
  const out: CriticalAsk[] = [];
  for (const t of query.intent.targets) {
    const category = categoryById(t.category);
    for (const [name, value] of Object.entries(t.attributes)) {
      const spec = attributeSpec(category, name);
      if (spec?.critical && value !== undefined) out.push({ attribute: name, value, values: spec.values });
    }
  }
  return out;
}

/** Down-weights queries asking for a critical value the user cannot use (a case for a phone they do not own, another size). */
function fitsUser(user: User, asks: readonly CriticalAsk[]): number {
  let factor = 1;
  for (const ask of asks) {
    const owned = user.preferences.attributes.filter((a) => a.attribute === ask.attribute && ask.values.includes(a.value));
    if (owned.length > 0 && !owned.some((a) => a.value === ask.value)) factor *= 0.05;
  }
  return factor;
}

function pickQuery(ctx: Context, user: User, pool: readonly Query[], exclude: ReadonlySet<string>): Query | null {
  const candidates = pool.filter((q) => !exclude.has(q.id));
  if (candidates.length === 0) return null;
  const weights = candidates.map((q) => (ctx.queryWeight.get(q.id) ?? 1) * KIND_WEIGHT[q.kind] * fitsUser(user, ctx.asks.get(q.id) ?? []));
  return candidates[ctx.rng.weightedIndex(weights)];
}

function queryPool(ctx: Context, user: User): readonly Query[] {
  const { rng } = ctx;
  const persona = PERSONAS.find((p) => p.id === user.persona);
  const r = rng.next();
  if (r < 0.15 && persona && persona.needs.length > 0) {
    const pool = ctx.byNeed.get(rng.choice(persona.needs));
    if (pool && pool.length > 0) return pool;
  }
  if (r >= 0.15 && r < 0.25 && user.preferences.brands.length > 0) {
    const pool = ctx.byBrand.get(user.preferences.brands[0].value);
    if (pool && pool.length > 0) return pool;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const pool = ctx.byCategory.get(favouriteCategory(user, rng));
    if (pool && pool.length > 0) return pool;
  }
  return [];
}

function shownFor(ctx: Context, query: Query, day: string): string[] {
  let ranking = ctx.rankingCache.get(query.id);
  if (!ranking) {
    ranking = loggingRanking(query.text, ctx.logging, ctx.pageSize * 4);
    ctx.rankingCache.set(query.id, ranking);
  }
  const shown: string[] = [];
  for (const id of ranking) {
    if (shown.length === ctx.pageSize) break;
    if ((ctx.byId.get(id) as Product).launchDate <= day) shown.push(id);
  }
  return shown;
}

function seconds(rng: Rng, base: number, mean: number): number {
  return base + Math.round(rng.exponential(1 / mean));
}

function simulateVisit(ctx: Context, user: User, startMs: number, fallback: readonly Query[]): SessionEvent[] {
  const { rng } = ctx;
  const day = isoDay(startMs);
  const events: SessionEvent[] = [];
  const toBuy: Product[] = [];
  let t = 0;
  let last: Product | null = null;

  if (rng.next() < user.preferences.searchPropensity) {
    let pool = queryPool(ctx, user);
    if (pool.length === 0) pool = fallback;
    const asked = new Set<string>();
    for (let search = 0; search < 3; search++) {
      const query = pickQuery(ctx, user, pool, asked);
      if (!query) break;
      asked.add(query.id);
      let shown = shownFor(ctx, query, day);
      const policy = rng.next() < ctx.exploreShare ? "shuffle" : "ranker";
      if (policy === "shuffle") shown = rng.shuffle(shown.slice());
      events.push({ t, type: "search", query: query.id, shown, policy });
      const products = shown.map((id) => ctx.byId.get(id) as Product);
      const choices = sampleChoices(choiceProbabilities(user, query, products), rng);
      for (const position of choices.clicks) {
        const product = products[position - 1];
        t += seconds(rng, 2, 10);
        events.push({ t, type: "click", product: product.id, position });
        last = product;
        t += seconds(rng, 5, 40);
        if (choices.carts.includes(position)) {
          events.push({ t, type: "cart", product: product.id });
          if (choices.purchases.includes(position)) toBuy.push(product);
        }
      }
      // Nothing appealed: try other words, or give up.
      if (choices.clicks.length > 0 || rng.next() >= 0.5) break;
      t += seconds(rng, 4, 12);
    }
  } else {
    const shelf = ctx.shelves.get(favouriteCategory(user, rng));
    const start = shelf ? chooseByUtility(user, drawFromShelf(shelf, day, 8, rng, ""), rng) : null;
    if (start) {
      events.push({ t, type: "view", product: start.id });
      last = start;
      t += seconds(rng, 5, 40);
      if (rng.next() < browseCartProbability(user, start)) {
        events.push({ t, type: "cart", product: start.id });
        if (rng.next() < purchaseGivenCart(user, start)) toBuy.push(start);
      }
    }
  }

  // Browse on from the last product page: similar items, complements, favourites.
  if (last && rng.next() < 0.5) {
    for (let step = 0; step < 8; step++) {
      const next = nextBrowse(ctx, user, last, day);
      if (!next) break;
      t += seconds(rng, 2, 8);
      events.push({ t, type: "view", product: next.id });
      last = next;
      t += seconds(rng, 5, 35);
      if (rng.next() < browseCartProbability(user, next)) {
        events.push({ t, type: "cart", product: next.id });
        if (rng.next() < purchaseGivenCart(user, next)) toBuy.push(next);
      }
      if (rng.next() < 0.45) break;
    }
  }

  if (toBuy.length > 0) {
    t += seconds(rng, 20, 60);
    for (const p of toBuy) events.push({ t, type: "purchase", product: p.id });
  }
  return events;
}

/**
 * The sessions of all `users` over the log period, deterministic from `options.seed`, sorted by
 * start time (ids "s000001"... in that order), each with its time-based split.
 */
export function simulateSessions(users: readonly User[], products: readonly Product[], queries: readonly Query[], options: SessionOptions): Session[] {
  const rng = new Rng(`${options.seed}/sessions`);
  const byCategory = new Map<string, Query[]>();
  const byNeed = new Map<string, Query[]>();
  const byBrand = new Map<string, Query[]>();
  const queryWeight = new Map<string, number>();
  for (const q of queries) {
    // Query popularity: log-normal, so a few queries are typed far more often than most.
    queryWeight.set(q.id, Math.exp(rng.normal(0, 1)));
    if (q.intent.need) push(byNeed, q.intent.need, q);
    if (q.intent.brand) push(byBrand, q.intent.brand, q);
    if (!q.intent.brandOnly && !q.intent.need) for (const t of q.intent.targets) push(byCategory, t.category, q);
  }
  const ctx: Context = {
    rng,
    byId: new Map(products.map((p) => [p.id, p])),
    shelves: shelvesOf(products),
    logging: buildLoggingIndex(products),
    rankingCache: new Map(),
    byCategory,
    byNeed,
    byBrand,
    queryWeight,
    asks: new Map(queries.map((q) => [q.id, criticalAsks(q)])),
    pageSize: options.pageSize ?? 10,
    exploreShare: options.exploreShare ?? 0.08,
  };
  const logStart = toMs(LOG_START);
  const logEnd = toMs(LOG_END);
  const drafts: Array<{ user: string; startMs: number; events: SessionEvent[] }> = [];
  for (const user of users) {
    const from = Math.max(logStart, toMs(user.joined));
    const active = (logEnd - from) / (logEnd - logStart);
    const n = Math.max(1, rng.poisson(options.sessionsPerUser * user.preferences.activity * active));
    const starts = Array.from({ length: n }, () => Math.floor((from + rng.next() * (logEnd - 3_600_000 - from)) / 1000) * 1000).sort((a, b) => a - b);
    for (const startMs of starts) {
      const events = simulateVisit(ctx, user, startMs, queries);
      if (events.length > 0) drafts.push({ user: user.id, startMs, events });
    }
  }
  drafts.sort((a, b) => a.startMs - b.startMs || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  const width = Math.max(6, String(drafts.length).length);
  return drafts.map((d, i) => ({ id: `s${String(i + 1).padStart(width, "0")}`, user: d.user, start: isoSecond(d.startMs), split: splitOf(d.startMs), events: d.events }));
}
