/**
 * The ranking features of a (query, user, product) triple: what chapter 3's models know about a
 * match, as columns a learned ranker (chapter 4) can weigh. One function, `features`, with a
 * documented and versioned list: a ranker saved with one version refuses rows of another.
 *
 * Nothing here reads the generator's hidden truth (a product's latent popularity, a user's drawn
 * preferences): popularity and history come from the interaction log before the query's time.
 */
import type { Product } from "../data/records";
import { userVector, type HistoryEvent } from "../embed/user-vector";
import { productBm25Index, type Bm25Index } from "./bm25";

/** Bump when a feature is added, removed, reordered or computed differently. */
export const FEATURE_VERSION = "shop-features/1";

export interface FeatureSpec {
  readonly name: string;
  readonly description: string;
}

/** The columns, in order. */
export const FEATURES: readonly FeatureSpec[] = [
  { name: "cosine", description: "cosine of the query's and the product's embeddings" },
  { name: "bm25", description: "BM25F of the query over the product's title (weight 2) and description (k1 1.2, b 0.75)" },
  { name: "categoryProbability", description: "the intent model's probability of the product's category for the query (0 without an intent model)" },
  { name: "categoryTop1", description: "1 when the product's category is the intent model's most likely one, else 0" },
  { name: "logPrice", description: "ln(1 + price in USD)" },
  { name: "relativePrice", description: "ln(price / median price of the product's category)" },
  { name: "logInteractions", description: "ln(1 + interactions with the product in the log before the query's time)" },
  { name: "cold", description: "1 when the product has no interaction in the log before the query's time, else 0" },
  { name: "hasHistory", description: "1 when the user has an interaction before the query's time, else 0" },
  { name: "userCosine", description: "cosine of the user's vector (recency-weighted mean of past products' embeddings) and the product's embedding; 0 without history" },
  { name: "userCategoryShare", description: "share of the user's past interactions in the product's category; 0 without history" },
  { name: "userPriceGap", description: "|ln price - mean ln price of the user's past products|; 0 without history" },
];

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);

/** A user's past interaction, as the log has it (`interactions(sessions)` rows fit). */
export interface LoggedInteraction extends HistoryEvent {
  readonly user: string;
}

export type Maybe<T> = T | Promise<T>;

export interface FeatureSources {
  /** The catalog (every product a query may be scored against). */
  readonly products: readonly Product[];
  /** Each product's embedding (chapter 3); products without one get cosine 0. */
  readonly productVectors: ReadonlyMap<string, Float32Array>;
  /** The query's embedding in the same space. */
  readonly embedQuery: (text: string) => Maybe<Float32Array>;
  /** Category id to probability for a query (chapter 2's intent model); left out: those features are 0. */
  readonly intent?: (text: string) => Maybe<ReadonlyMap<string, number>>;
  /** The interaction log (any period: only what precedes a query's time counts). */
  readonly interactions: readonly LoggedInteraction[];
  /** A BM25 index over the products (built from their titles and descriptions when left out). */
  readonly bm25?: Bm25Index;
  /** Half-life of the user vector's recency weights, in days (default 30). */
  readonly halfLifeDays?: number;
}

/** What `features` needs, indexed once. */
export interface FeatureContext {
  readonly sources: FeatureSources;
  readonly productById: ReadonlyMap<string, Product>;
  readonly categoryMedianPrice: ReadonlyMap<string, number>;
  /** Each product's interaction times (ms), sorted. */
  readonly productTimes: ReadonlyMap<string, Float64Array>;
  /** Each user's interactions, in time order. */
  readonly userEvents: ReadonlyMap<string, readonly LoggedInteraction[]>;
  readonly bm25: Bm25Index;
}

/** The feature matrix of one query's candidates: `values[i * names.length + j]` is product i's feature j. */
export interface FeatureRows {
  readonly version: string;
  readonly names: readonly string[];
  readonly productIds: readonly string[];
  readonly values: Float32Array;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function timeMs(text: string, what: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new Error(`features: ${what} is not an ISO time: ${JSON.stringify(text)}.`);
  return t;
}

/** Indexes the sources once (medians, per-product and per-user logs, the BM25 index). */
export function featureContext(sources: FeatureSources): FeatureContext {
  if (!sources.products.length) throw new Error("featureContext: expected a catalog of at least one product, got none.");
  const productById = new Map(sources.products.map((p) => [p.id, p]));
  const prices = new Map<string, number[]>();
  for (const p of sources.products) {
    if (!(p.price > 0)) throw new Error(`featureContext: product "${p.id}" has price ${p.price}; expected a positive number.`);
    const list = prices.get(p.category) ?? [];
    list.push(p.price);
    prices.set(p.category, list);
  }
  const categoryMedianPrice = new Map([...prices].map(([c, list]) => [c, median(list.sort((a, b) => a - b))]));
  const times = new Map<string, number[]>();
  const userEvents = new Map<string, LoggedInteraction[]>();
  sources.interactions.forEach((e, i) => {
    const t = timeMs(e.time, `interaction ${i}'s time`);
    const list = times.get(e.product) ?? [];
    list.push(t);
    times.set(e.product, list);
    const events = userEvents.get(e.user) ?? [];
    events.push(e);
    userEvents.set(e.user, events);
  });
  const productTimes = new Map([...times].map(([id, list]) => [id, Float64Array.from(list).sort()]));
  for (const events of userEvents.values()) events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { sources, productById, categoryMedianPrice, productTimes, userEvents, bm25: sources.bm25 ?? productBm25Index(sources.products) };
}

/** How many of the sorted times are strictly before t. */
function countBefore(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`features: vectors of dimension ${a.length} and ${b.length} cannot be compared (query and products from different models?).`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j] * b[j];
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface FeatureOptions {
  /** The query's ISO time: only the log before it counts. Default: after the whole log. */
  readonly time?: string;
}

/**
 * The features (FEATURES, in order) of each product for the query and the user (a user id, or
 * null for an anonymous shopper), at the query's time.
 */
export async function features(
  query: string,
  user: string | null,
  products: ReadonlyArray<Product | string>,
  context: FeatureContext,
  options: FeatureOptions = {}
): Promise<FeatureRows> {
  if (typeof query !== "string") throw new Error(`features: the query must be a string, got ${typeof query}.`);
  const { sources } = context;
  const queryVector = await sources.embedQuery(query);
  const intent = sources.intent ? await sources.intent(query) : null;
  return featuresWith(query, { vector: queryVector, intent }, user, products, context, options);
}

/** What `features` computes from the query text with the models: its vector and, with an intent model, its category probabilities. */
export interface PreparedQuery {
  readonly vector: Float32Array;
  readonly intent: ReadonlyMap<string, number> | null;
}

/**
 * The same rows as `features`, from the query's vector and intent computed ahead: no await, so a
 * synchronous caller (the engine answering chapter 5's simulator) can re-rank with them.
 */
export function featuresWith(
  query: string,
  prepared: PreparedQuery,
  user: string | null,
  products: ReadonlyArray<Product | string>,
  context: FeatureContext,
  options: FeatureOptions = {}
): FeatureRows {
  if (typeof query !== "string") throw new Error(`features: the query must be a string, got ${typeof query}.`);
  const now = options.time === undefined ? Infinity : timeMs(options.time, "the query's time");
  const items = products.map((p, i) => {
    const id = typeof p === "string" ? p : p?.id;
    const product = context.productById.get(id);
    if (!product) throw new Error(`features: product ${i} ("${id}") is not in the feature context's catalog.`);
    return product;
  });
  const { sources } = context;
  const queryVector = prepared.vector;
  const intent = prepared.intent;
  let top: string | null = null;
  if (intent) {
    let best = -Infinity;
    for (const [category, p] of intent) if (p > best || (p === best && top !== null && category < top)) [best, top] = [p, category];
  }
  const bm25 = context.bm25.scorePool(query, items.map((p) => p.id));

  const past = (context.userEvents.get(user ?? "") ?? []).filter((e) => Date.parse(e.time) < now);
  const userVec = past.length ? userVector(past, sources.productVectors, { now: Number.isFinite(now) ? options.time : undefined, halfLifeDays: sources.halfLifeDays }) : null;
  const categoryCounts = new Map<string, number>();
  let logPriceSum = 0;
  let priced = 0;
  for (const e of past) {
    const p = context.productById.get(e.product);
    if (!p) continue;
    categoryCounts.set(p.category, (categoryCounts.get(p.category) ?? 0) + 1);
    logPriceSum += Math.log(p.price);
    priced++;
  }

  const F = FEATURES.length;
  const values = new Float32Array(items.length * F);
  items.forEach((p, i) => {
    const vector = sources.productVectors.get(p.id);
    const count = context.productTimes.has(p.id) ? countBefore(context.productTimes.get(p.id) as Float64Array, now) : 0;
    const row = [
      vector ? cosine(queryVector, vector) : 0,
      bm25[i],
      intent?.get(p.category) ?? 0,
      top !== null && top === p.category ? 1 : 0,
      Math.log1p(p.price),
      Math.log(p.price / (context.categoryMedianPrice.get(p.category) as number)),
      Math.log1p(count),
      count === 0 ? 1 : 0,
      past.length ? 1 : 0,
      userVec && vector ? cosine(userVec, vector) : 0,
      past.length ? (categoryCounts.get(p.category) ?? 0) / past.length : 0,
      priced ? Math.abs(Math.log(p.price) - logPriceSum / priced) : 0,
    ];
    values.set(row, i * F);
  });
  return { version: FEATURE_VERSION, names: FEATURE_NAMES, productIds: items.map((p) => p.id), values };
}

/** The extra column a re-ranker may read: the first stage's score, min-max normalised within the query's candidates. */
export const STAGE_SCORE = "stageScore";
/** The version of rows that carry the stage score after the FEATURES columns. */
export const STAGE_FEATURE_VERSION = `${FEATURE_VERSION}+${STAGE_SCORE}`;

/**
 * The rows with the first stage's score appended as a last column (min-max normalised over these
 * candidates; all 1 when they tie), so a re-ranker can learn how far to trust the stage that
 * found them. `scores` are in the rows' product order.
 */
export function withStageScore(rows: FeatureRows, scores: ArrayLike<number>): FeatureRows {
  checkFeatureVersion(rows);
  const n = rows.productIds.length;
  if (scores.length !== n) throw new Error(`withStageScore: ${scores.length} stage scores for ${n} products.`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = Number(scores[i]);
    if (!Number.isFinite(x)) throw new Error(`withStageScore: the stage score of product ${i} ("${rows.productIds[i]}") is ${x}; expected a finite number.`);
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const F = rows.names.length;
  const values = new Float32Array(n * (F + 1));
  for (let i = 0; i < n; i++) {
    values.set(rows.values.subarray(i * F, (i + 1) * F), i * (F + 1));
    values[i * (F + 1) + F] = hi > lo ? (Number(scores[i]) - lo) / (hi - lo) : 1;
  }
  return { version: STAGE_FEATURE_VERSION, names: [...rows.names, STAGE_SCORE], productIds: rows.productIds, values };
}

/** Refuses rows made by another version of the feature list (a ranker trained on other columns). */
export function checkFeatureVersion(rows: Pick<FeatureRows, "version" | "names">, expected = FEATURE_VERSION): void {
  if (rows.version !== expected) throw new Error(`Feature rows of version "${rows.version}", expected "${expected}" (columns ${FEATURE_NAMES.join(", ")}): recompute them with this library's features().`);
}
