/**
 * Query understanding: what a shop does to a query before (and around) ranking.
 *
 * 1. Spelling: unknown words corrected by the noisy-channel corrector (spelling.ts).
 * 2. Attributes: brand, colour, size, material, capacity and compatible device found by a
 *    dictionary of the shop's own values (the taxonomy's attribute values with the shoppers'
 *    variants from vocabulary.ts: synonyms, unit spellings; the brand names), longest match
 *    first over the query's keyword tokens. A bare number or a one- or two-letter size ("9",
 *    "m", "xl") counts only right after the word "size" ("size 9"), since "pulse 3" and
 *    "set of 5" are not sizes. (Chapter 2's attribute tagger learns the same spans; no trained
 *    tagger is shipped, so this is the dictionary the tags were derived from.)
 * 3. Category intent: a pluggable `(text) => Map<category id, probability>`; the default is a
 *    multinomial naive Bayes over keyword tokens (stop words dropped, Laplace smoothing),
 *    trained on the training split's queries (each target category of a query counts 1 / number
 *    of targets) and on every product title (its own category). Chapter 2's intent classifier
 *    fits the same signature.
 *
 * And two ways to use it on a ranked list (`applyQueryUnderstanding`):
 * - a structured filter that removes the products that contradict an explicit attribute (the
 *   query says red, the product's colour is blue; its category must know the value, so "large"
 *   never removes bed sheets, whose sizes are twin to king); it never empties a list: when every
 *   product would go, the list is kept and the result says so;
 * - a category boost: score = score / (the list's best score) + weight * P(category | query).
 */
import { BRANDS } from "../data/brands";
import { keywordTokens, STOP_WORDS } from "../data/keyword-match";
import type { Judgment, Product, Query } from "../data/records";
import { evaluateRun, pairedValues } from "../eval/ranking";
import { pairedTTest } from "../eval/significance";
import { judgedPools, judgmentQrels } from "./baselines";
import { productBm25Index, type Bm25Index } from "./bm25";
import { CATEGORIES, type AttributeName } from "../data/taxonomy";
import { valueVariants } from "../data/vocabulary";
import { shopSpellingCorrector, type SpellingChange, type SpellingCorrector, type SpellingOptions, type SpellingSources } from "./spelling";

/** The attributes the detector looks for: the brand and the five structured product attributes. */
export type QueryAttributeName = "brand" | Extract<AttributeName, "colour" | "size" | "material" | "capacity" | "compatibleWith">;

export const QUERY_ATTRIBUTES: readonly QueryAttributeName[] = ["brand", "colour", "size", "material", "capacity", "compatibleWith"];

/** One reading of a mention: the attribute and its value as the catalog writes it. */
export interface AttributeReading {
  readonly attribute: QueryAttributeName;
  readonly value: string;
}

/** Words of the query that name an attribute value; a word can have several readings ("wood": colour or material). */
export interface QueryAttributeMention {
  /** The words as matched (keyword tokens of the corrected query). */
  readonly words: string;
  /** Token offsets in `tokens`, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly readings: readonly AttributeReading[];
}

/** Query text -> probability of each leaf category (the probabilities of the map sum to 1). */
export type CategoryIntent = (text: string) => ReadonlyMap<string, number>;

/** A surface form -> its readings; longest forms first when matching. */
export interface AttributeLexicon {
  readonly forms: ReadonlyMap<string, readonly AttributeReading[]>;
  /** Longest form, in tokens. */
  readonly longest: number;
}

/** What `understandQuery` needs; `shopQueryUnderstanding` builds it from the shop. */
export interface QueryUnderstandingModel {
  /** null: no spelling correction. */
  readonly corrector: SpellingCorrector | null;
  readonly lexicon: AttributeLexicon;
  /** null: no category intent. */
  readonly intent: CategoryIntent | null;
  /** Category id -> the attribute values it knows (for the filter's "does this value apply here"). */
  readonly categoryValues: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

export interface UnderstoodQuery {
  readonly text: string;
  /** The text after spelling correction (the text itself when nothing changed or there is no corrector). */
  readonly corrected: string;
  readonly changes: readonly SpellingChange[];
  /** Keyword tokens of the corrected text. */
  readonly tokens: readonly string[];
  readonly attributes: readonly QueryAttributeMention[];
  /** The most likely categories, most likely first (at most `topCategories`). */
  readonly categories: ReadonlyArray<{ readonly category: string; readonly probability: number }>;
  /** The full intent distribution (empty without an intent model). */
  readonly categoryProbabilities: ReadonlyMap<string, number>;
}

const AMBIGUOUS_SIZE = /^([0-9]+|[a-z]{1,2})$/;

function addForm(forms: Map<string, AttributeReading[]>, form: string, reading: AttributeReading): void {
  const key = keywordTokens(form).join(" ");
  if (key.length === 0) return;
  const list = forms.get(key);
  if (!list) forms.set(key, [reading]);
  else if (!list.some((r) => r.attribute === reading.attribute && r.value === reading.value)) list.push(reading);
}

/** The shop's attribute dictionary: every brand name, every value of the five attributes and its shopper variants. */
export function shopAttributeLexicon(): AttributeLexicon {
  const forms = new Map<string, AttributeReading[]>();
  for (const brand of BRANDS) addForm(forms, brand.name, { attribute: "brand", value: brand.name });
  for (const category of CATEGORIES) {
    for (const spec of category.attributes) {
      if (!(QUERY_ATTRIBUTES as readonly string[]).includes(spec.name)) continue;
      const attribute = spec.name as QueryAttributeName;
      for (const value of spec.values) {
        for (const form of [value, ...valueVariants(spec.name, value)]) addForm(forms, form, { attribute, value });
      }
    }
  }
  let longest = 1;
  for (const key of forms.keys()) longest = Math.max(longest, key.split(" ").length);
  return { forms, longest };
}

/** Attribute mentions in keyword tokens: longest match first, left to right; ambiguous sizes only after "size". */
export function detectAttributes(tokens: readonly string[], lexicon: AttributeLexicon): QueryAttributeMention[] {
  const out: QueryAttributeMention[] = [];
  let i = 0;
  while (i < tokens.length) {
    let found: QueryAttributeMention | null = null;
    for (let n = Math.min(lexicon.longest, tokens.length - i); n >= 1 && !found; n--) {
      const words = tokens.slice(i, i + n).join(" ");
      const readings = lexicon.forms.get(words);
      if (!readings) continue;
      const afterSize = i > 0 && tokens[i - 1] === "size";
      const kept = readings.filter((r) => r.attribute !== "size" || !AMBIGUOUS_SIZE.test(words) || afterSize);
      if (kept.length > 0) found = { words, start: i, end: i + n, readings: kept };
    }
    if (found) {
      out.push(found);
      i = found.end;
    } else i++;
  }
  return out;
}

/** Anything with the text a naive Bayes intent model learns from. */
export interface IntentSources {
  readonly products: ReadonlyArray<{ readonly title: string; readonly category: string }>;
  readonly queries: ReadonlyArray<{ readonly text: string; readonly split: string; readonly corrected: string | null; readonly intent: { readonly targets: ReadonlyArray<{ readonly category: string }> } }>;
}

export interface NaiveBayesIntentOptions {
  /** Laplace smoothing added to every word count. Default 1. */
  readonly smoothing?: number;
  /** Learn from product titles too (each title: its category, weight 1). Default true. */
  readonly titles?: boolean;
}

/**
 * A multinomial naive Bayes category intent (see the module comment): P(c | q) ∝ P(c) * prod over
 * the query's keyword tokens w of P(w | c), with P(w | c) = (n(w, c) + alpha) / (n(c) + alpha V);
 * words never seen in training are skipped. Trained on the training split only.
 */
export function naiveBayesIntent(shop: IntentSources, options: NaiveBayesIntentOptions = {}): CategoryIntent {
  const alpha = options.smoothing ?? 1;
  if (!Number.isFinite(alpha) || alpha <= 0) throw new Error(`naiveBayesIntent: expected smoothing to be a number > 0, got ${JSON.stringify(options.smoothing)}.`);
  const wordCounts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const priors = new Map<string, number>();
  const vocabulary = new Set<string>();
  const learn = (text: string, category: string, weight: number): void => {
    priors.set(category, (priors.get(category) ?? 0) + weight);
    let counts = wordCounts.get(category);
    if (!counts) wordCounts.set(category, (counts = new Map()));
    for (const w of keywordTokens(text)) {
      if (STOP_WORDS.has(w)) continue;
      vocabulary.add(w);
      counts.set(w, (counts.get(w) ?? 0) + weight);
      totals.set(category, (totals.get(category) ?? 0) + weight);
    }
  };
  for (const q of shop.queries) {
    if (q.split !== "train" || q.intent.targets.length === 0) continue;
    for (const t of q.intent.targets) learn(q.corrected ?? q.text, t.category, 1 / q.intent.targets.length);
  }
  if (options.titles ?? true) for (const p of shop.products) learn(p.title, p.category, 1);
  const categories = [...priors.keys()].sort();
  if (categories.length === 0) throw new Error("naiveBayesIntent: expected training queries or product titles to learn from, got none.");
  const priorTotal = [...priors.values()].reduce((s, x) => s + x, 0);
  const V = vocabulary.size;
  return (text: string) => {
    const words = keywordTokens(text).filter((w) => !STOP_WORDS.has(w) && vocabulary.has(w));
    const logs = categories.map((c) => {
      let s = Math.log((priors.get(c) as number) / priorTotal);
      const counts = wordCounts.get(c) as Map<string, number>;
      const denominator = Math.log((totals.get(c) ?? 0) + alpha * V);
      for (const w of words) s += Math.log((counts.get(w) ?? 0) + alpha) - denominator;
      return s;
    });
    const top = Math.max(...logs);
    const exp = logs.map((l) => Math.exp(l - top));
    const z = exp.reduce((s, x) => s + x, 0);
    return new Map(categories.map((c, i) => [c, exp[i] / z]));
  };
}

function categoryValueTable(): Map<string, Map<string, Set<string>>> {
  const table = new Map<string, Map<string, Set<string>>>();
  for (const c of CATEGORIES) table.set(c.id, new Map(c.attributes.map((a) => [a.name, new Set(a.values)])));
  return table;
}

export interface ShopQueryUnderstandingOptions {
  /** Spelling options, or false for no correction. */
  readonly spelling?: SpellingOptions | false;
  /** A category intent model, false for none; default `naiveBayesIntent(shop)`. */
  readonly intent?: CategoryIntent | false;
}

/** Query understanding for the shop: its spelling corrector, attribute dictionary and (default) naive Bayes intent. */
export function shopQueryUnderstanding(shop: SpellingSources & IntentSources, options: ShopQueryUnderstandingOptions = {}): QueryUnderstandingModel {
  return {
    corrector: options.spelling === false ? null : shopSpellingCorrector(shop, options.spelling ?? {}),
    lexicon: shopAttributeLexicon(),
    intent: options.intent === false ? null : (options.intent ?? naiveBayesIntent(shop)),
    categoryValues: categoryValueTable(),
  };
}

/** The text query understanding searches: the query as the model's corrector spells it (as typed without one). */
export function correctedText(text: string, model: Pick<QueryUnderstandingModel, "corrector">): string {
  return model.corrector ? model.corrector.correct(text).corrected : text;
}

/** Spelling, attributes and category intent of one query (see the module comment). */
export function understandQuery(text: string, model: QueryUnderstandingModel, options: { readonly topCategories?: number } = {}): UnderstoodQuery {
  if (typeof text !== "string") throw new Error(`understandQuery: expected the query text to be a string, got ${JSON.stringify(text)}.`);
  const spelled = model.corrector ? model.corrector.correct(text) : { corrected: text, changes: [] };
  const tokens = keywordTokens(spelled.corrected);
  const probabilities = model.intent ? model.intent(spelled.corrected) : new Map<string, number>();
  const top = options.topCategories ?? 3;
  const categories = [...probabilities].map(([category, probability]) => ({ category, probability })).sort((a, b) => b.probability - a.probability || (a.category < b.category ? -1 : 1)).slice(0, top);
  return { text, corrected: spelled.corrected, changes: spelled.changes, tokens, attributes: detectAttributes(tokens, model.lexicon), categories, categoryProbabilities: probabilities };
}

/** What the filter needs to know of a product. */
export interface FilterableProduct {
  readonly brand: string;
  readonly category: string;
  readonly attributes: Readonly<Partial<Record<AttributeName, string>>>;
}

/** Whether `product` contradicts a mention: some reading applies to its category, and none matches it. */
function contradicts(product: FilterableProduct, mention: QueryAttributeMention, categoryValues: QueryUnderstandingModel["categoryValues"]): boolean {
  let applies = false;
  for (const r of mention.readings) {
    if (r.attribute === "brand") {
      applies = true;
      if (product.brand === r.value) return false;
      continue;
    }
    if (!categoryValues.get(product.category)?.get(r.attribute)?.has(r.value)) continue;
    applies = true;
    if (product.attributes[r.attribute] === r.value) return false;
  }
  return applies;
}

export interface FilterResult {
  readonly ids: readonly string[];
  /** Ids removed (in input order); empty when the filter fell back. */
  readonly removed: readonly string[];
  /** True when every product contradicted the query: the list is returned unfiltered. */
  readonly fellBack: boolean;
  /** One line a notebook can print. */
  readonly message: string;
}

/** Removes the products that contradict an explicit attribute of the query; never empties the list. */
export function attributeFilter(ids: readonly string[], understood: UnderstoodQuery, products: ReadonlyMap<string, FilterableProduct>, model: Pick<QueryUnderstandingModel, "categoryValues">): FilterResult {
  if (understood.attributes.length === 0) return { ids, removed: [], fellBack: false, message: "no attribute in the query: nothing filtered" };
  const kept: string[] = [];
  const removed: string[] = [];
  for (const id of ids) {
    const product = products.get(id);
    if (!product) throw new Error(`attributeFilter: product "${id}" is not in the catalog given (${products.size} products).`);
    if (understood.attributes.some((m) => contradicts(product, m, model.categoryValues))) removed.push(id);
    else kept.push(id);
  }
  const said = understood.attributes.map((m) => `${m.readings.map((r) => r.attribute).join("/")} "${m.words}"`).join(", ");
  if (kept.length === 0 && ids.length > 0) return { ids, removed: [], fellBack: true, message: `every one of the ${ids.length} products contradicts ${said}: kept the list unfiltered` };
  return { ids: kept, removed, fellBack: false, message: `removed ${removed.length} of ${ids.length} products that contradict ${said}` };
}

export interface ScoredId {
  readonly id: string;
  readonly score: number;
}

/**
 * Re-scores a ranked list: score / (the list's best score) + weight * P(product's category |
 * query), highest first (ties by id). Scores should be >= 0 (BM25's are).
 */
export function categoryBoost(hits: readonly ScoredId[], understood: UnderstoodQuery, categoryOf: (id: string) => string, weight = 0.5): ScoredId[] {
  if (!Number.isFinite(weight) || weight < 0) throw new Error(`categoryBoost: expected weight to be a number >= 0, got ${JSON.stringify(weight)}.`);
  const best = hits.reduce((m, h) => Math.max(m, h.score), 0);
  return hits
    .map((h) => ({ id: h.id, score: (best > 0 ? h.score / best : 0) + weight * (understood.categoryProbabilities.get(categoryOf(h.id)) ?? 0) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ApplyOptions {
  /**
   * What to do with the products that contradict an explicit attribute: "remove" them, "demote"
   * them (their score times `demotion`), or nothing (false). Default "demote": a contradicting
   * product is often still a Substitute (the same model in another colour), which graded
   * metrics and shoppers value above an unrelated product that merely lacks the attribute.
   * (Without the filter's fall-back: demoting never empties a list.)
   */
  readonly filter?: "remove" | "demote" | false;
  /** Factor on a contradicting product's score when demoting, in [0, 1]. Default 0.5. Scores must be >= 0. */
  readonly demotion?: number;
  /** Weight of the category boost; 0 for none. Default 0.5. */
  readonly boost?: number;
}

export interface AppliedUnderstanding {
  readonly hits: readonly ScoredId[];
  readonly filter: FilterResult | null;
}

/** The category boost, then the attribute filter, on a scored list (e.g. BM25 hits of the corrected query). */
export function applyQueryUnderstanding(hits: readonly ScoredId[], understood: UnderstoodQuery, products: ReadonlyMap<string, FilterableProduct>, model: Pick<QueryUnderstandingModel, "categoryValues">, options: ApplyOptions = {}): AppliedUnderstanding {
  const mode = options.filter ?? "demote";
  if (mode !== "remove" && mode !== "demote" && mode !== false) throw new Error(`applyQueryUnderstanding: expected filter to be "remove", "demote" or false, got ${JSON.stringify(mode)}.`);
  const weight = options.boost ?? 0.5;
  let list: readonly ScoredId[] = hits;
  if (weight > 0) {
    list = categoryBoost(list, understood, (id) => {
      const p = products.get(id);
      if (!p) throw new Error(`applyQueryUnderstanding: product "${id}" is not in the catalog given (${products.size} products).`);
      return p.category;
    }, weight);
  }
  if (mode === false) return { hits: list, filter: null };
  const filter = attributeFilter(list.map((h) => h.id), understood, products, model);
  const out = new Set(filter.removed);
  const kept = list.filter((h) => !out.has(h.id));
  if (mode === "remove") return { hits: kept, filter };
  const factor = options.demotion ?? 0.5;
  if (!Number.isFinite(factor) || factor < 0 || factor > 1) throw new Error(`applyQueryUnderstanding: expected demotion to be a number in [0, 1], got ${JSON.stringify(options.demotion)}.`);
  const demoted = list.map((h) => (out.has(h.id) ? { id: h.id, score: h.score * factor } : h));
  return { hits: demoted.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), filter };
}

/** The pipelines `evaluateQueryUnderstanding` compares, each against plain BM25. */
export const UNDERSTANDING_VARIANTS = ["bm25", "spelling", "spelling+remove", "spelling+demote", "spelling+boost", "all"] as const;
export type UnderstandingVariant = (typeof UNDERSTANDING_VARIANTS)[number];

export interface UnderstandingRow {
  /** "pools": each query's judged pool re-ranked; "catalog": the top `depth` of the whole catalog. */
  readonly setting: "pools" | "catalog";
  readonly variant: UnderstandingVariant;
  /** A query kind, or "all". */
  readonly kind: string;
  readonly queries: number;
  readonly ndcg10: number;
  /** Mean NDCG@10 difference against plain BM25 on the same queries. */
  readonly delta: number;
  /** Paired t-test p-value against plain BM25 (two-sided; NaN for BM25 itself or when every difference is 0). */
  readonly pValue: number;
}

export interface UnderstandingReport {
  readonly rows: readonly UnderstandingRow[];
  /** Per-query filter fall-backs (every candidate contradicted the query), per setting. */
  readonly fallbacks: Readonly<Record<"pools" | "catalog", number>>;
}

export interface UnderstandingEvaluationOptions {
  /** The split evaluated. Default "test". */
  readonly split?: string;
  /** Candidates taken from the whole catalog per query. Default 100. */
  readonly depth?: number;
  /** Category boost weight. Default 0.5. */
  readonly boost?: number;
  /** A prebuilt model (default `shopQueryUnderstanding(shop)`). */
  readonly model?: QueryUnderstandingModel;
  /** A prebuilt BM25 index of the shop's products (default `productBm25Index(shop.products)`). */
  readonly index?: Bm25Index;
  readonly settings?: ReadonlyArray<"pools" | "catalog">;
}

/**
 * NDCG@10 (ESCI gains, judged pools as qrels) of BM25 with and without each piece of query
 * understanding, by query kind, with a paired t-test against plain BM25. In the catalog
 * setting an unjudged product counts as irrelevant, and a query that retrieves nothing scores 0.
 */
export function evaluateQueryUnderstanding(shop: { readonly products: readonly Product[]; readonly queries: readonly Query[]; readonly judgments: readonly Judgment[] }, options: UnderstandingEvaluationOptions = {}): UnderstandingReport {
  const split = options.split ?? "test";
  const depth = options.depth ?? 100;
  if (!Number.isInteger(depth) || depth < 10) throw new Error(`evaluateQueryUnderstanding: expected depth to be an integer >= 10, got ${JSON.stringify(options.depth)}.`);
  const model = options.model ?? shopQueryUnderstanding(shop);
  const index = options.index ?? productBm25Index(shop.products);
  const products = new Map<string, FilterableProduct>(shop.products.map((p) => [p.id, p]));
  const pools = judgedPools(shop.judgments);
  const queries = shop.queries.filter((q) => q.split === split && pools.has(q.id));
  if (queries.length === 0) throw new Error(`evaluateQueryUnderstanding: no judged query in split "${split}".`);
  const evaluated = new Set(queries.map((q) => q.id));
  const qrels = judgmentQrels(shop.judgments.filter((j) => evaluated.has(j.query)));
  const rows: UnderstandingRow[] = [];
  const fallbacks = { pools: 0, catalog: 0 };
  for (const setting of options.settings ?? (["pools", "catalog"] as const)) {
    const runs = new Map<UnderstandingVariant, Map<string, ScoredId[]>>(UNDERSTANDING_VARIANTS.map((v) => [v, new Map()]));
    for (const q of queries) {
      const understood = understandQuery(q.text, model);
      const retrieve = (text: string): ScoredId[] => {
        if (setting === "catalog") return index.search(text, depth);
        const ids = pools.get(q.id) as string[];
        const scores = index.scorePool(text, ids);
        return ids.map((id, i) => ({ id, score: scores[i] })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      };
      const plain = retrieve(q.text);
      const spelled = understood.corrected === q.text ? plain : retrieve(understood.corrected);
      const removed = applyQueryUnderstanding(spelled, understood, products, model, { filter: "remove", boost: 0 });
      if (removed.filter?.fellBack) fallbacks[setting]++;
      runs.get("bm25")?.set(q.id, plain);
      runs.get("spelling")?.set(q.id, spelled);
      runs.get("spelling+remove")?.set(q.id, [...removed.hits]);
      runs.get("spelling+demote")?.set(q.id, [...applyQueryUnderstanding(spelled, understood, products, model, { filter: "demote", boost: 0 }).hits]);
      runs.get("spelling+boost")?.set(q.id, [...applyQueryUnderstanding(spelled, understood, products, model, { filter: false, boost: options.boost }).hits]);
      runs.get("all")?.set(q.id, [...applyQueryUnderstanding(spelled, understood, products, model, { filter: "demote", boost: options.boost }).hits]);
    }
    const kinds = ["all", ...[...new Set(queries.map((q) => q.kind))].sort()];
    const evaluations = new Map(UNDERSTANDING_VARIANTS.map((v) => {
      const run = new Map([...(runs.get(v) as Map<string, ScoredId[]>)].map(([id, hits]) => [id, hits.map((h) => ({ docId: h.id, score: h.score }))]));
      return [v, evaluateRun(run, qrels, ["ndcg@10"], { missing: "zero" })] as const;
    }));
    const base = evaluations.get("bm25");
    for (const kind of kinds) {
      const ids = new Set(queries.filter((q) => kind === "all" || q.kind === kind).map((q) => q.id));
      for (const v of UNDERSTANDING_VARIANTS) {
        const pairs = pairedValues(evaluations.get(v) as NonNullable<typeof base>, base as NonNullable<typeof base>, "ndcg@10");
        const a: number[] = [];
        const b: number[] = [];
        pairs.queries.forEach((id, i) => {
          if (!ids.has(id)) return;
          a.push(pairs.a[i]);
          b.push(pairs.b[i]);
        });
        const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
        const delta = mean(a) - mean(b);
        const differs = a.some((x, i) => x !== b[i]);
        rows.push({ setting, variant: v, kind, queries: a.length, ndcg10: mean(a), delta, pValue: v === "bm25" || !differs || a.length < 2 ? Number.NaN : pairedTTest(a, b).pValue });
      }
    }
  }
  return { rows, fallbacks };
}
