/**
 * The query set: six kinds of queries, each written from a hidden intent, and for each query a
 * pool of judged candidates (ESCI labels) that mixes exact matches, hard negatives (same category,
 * wrong attribute, often the same model in another colour or for another phone), related
 * categories, lexical look-alikes (share a word, wrong product) and random products.
 */
import { Rng } from "../core/random";
import { BRANDS, type Brand } from "./brands";
import { esciGrade } from "./esci";
import { keywordTokens, STOP_WORDS } from "./keyword-match";
import { pickRanked } from "./products";
import type { IntentTarget, Judgment, Product, ProductAttributes, Query, QueryIntent, QueryKind, Split } from "./records";
import { attributeSpec, categoryById, type AttributeName, type Category } from "./taxonomy";
import { MISSPELLINGS, NEEDS, misspell, valueVariants } from "./vocabulary";

/** Share of each kind in the query set. */
export const QUERY_KIND_SHARES: Readonly<Record<QueryKind, number>> = {
  "exact-product": 0.17,
  "category-attribute": 0.23,
  synonym: 0.2,
  vague: 0.13,
  misspelled: 0.15,
  brand: 0.12,
};

interface Draft {
  readonly text: string;
  readonly intent: QueryIntent;
  readonly corrected: string | null;
}

/** Lookups the generators share, built once per catalog. */
export interface CatalogIndex {
  readonly products: readonly Product[];
  readonly byCategory: ReadonlyMap<string, readonly Product[]>;
  readonly byFamily: ReadonlyMap<string, readonly Product[]>;
  readonly byBrand: ReadonlyMap<string, readonly Product[]>;
  /** Title word -> products whose title has it. */
  readonly byTitleWord: ReadonlyMap<string, readonly Product[]>;
}

function group<K>(products: readonly Product[], key: (p: Product) => K): Map<K, Product[]> {
  const map = new Map<K, Product[]>();
  for (const p of products) {
    const k = key(p);
    const list = map.get(k);
    if (list) list.push(p);
    else map.set(k, [p]);
  }
  return map;
}

export function indexCatalog(products: readonly Product[]): CatalogIndex {
  const byTitleWord = new Map<string, Product[]>();
  for (const p of products) {
    for (const word of new Set(keywordTokens(p.title))) {
      if (STOP_WORDS.has(word)) continue;
      const list = byTitleWord.get(word);
      if (list) list.push(p);
      else byTitleWord.set(word, [p]);
    }
  }
  return {
    products,
    byCategory: group(products, (p) => p.category),
    byFamily: group(products, (p) => p.family),
    byBrand: group(products, (p) => p.brand),
    byTitleWord,
  };
}

const PRE_ATTRIBUTES: ReadonlySet<AttributeName> = new Set(["colour", "material", "feature", "style", "audience", "connectivity"]);
const APPAREL = "Clothing & Shoes";

/** An attribute value as shoppers type it; `variant` swaps in a synonym, spelling or unit variant when there is one. */
function queryValue(category: Category, name: AttributeName, value: string, rng: Rng, variant: boolean): string {
  let v = value.toLowerCase();
  if (variant) {
    const options = valueVariants(name, value);
    if (options.length > 0) v = rng.choice(options).toLowerCase();
  }
  if (name === "size" && (category.department === APPAREL || category.id === "bike-helmets") && !/[a-z]{3}/.test(v)) return rng.next() < 0.7 ? `size ${v}` : v;
  return v;
}

const samplers = new WeakMap<readonly Product[], Map<number, Float64Array>>();

/** A product drawn with probability proportional to popularity^exponent (cumulative weights cached per list). */
function pickProduct(products: readonly Product[], rng: Rng, exponent: number): Product {
  let byExponent = samplers.get(products);
  if (!byExponent) samplers.set(products, (byExponent = new Map()));
  let cumulative = byExponent.get(exponent);
  if (!cumulative) {
    cumulative = new Float64Array(products.length);
    let acc = 0;
    products.forEach((p, i) => (cumulative![i] = acc += Math.pow(p.popularity, exponent)));
    byExponent.set(exponent, cumulative);
  }
  const target = rng.next() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return products[lo];
}

function assemble(name: string, attrs: ReadonlyArray<[AttributeName, string]>, rng: Rng): string {
  const pre: string[] = [];
  const post: string[] = [];
  const said = new Set(name.split(" "));
  for (const [attr, text] of attrs) {
    // "mummy sleeping bag" already says style mummy: do not say it twice.
    if (text.split(" ").every((w) => said.has(w))) continue;
    for (const w of text.split(" ")) said.add(w);
    if (PRE_ATTRIBUTES.has(attr) || (attr === "compatibleWith" && rng.next() < 0.5)) pre.push(text);
    else post.push(text);
  }
  if (rng.next() < 0.1) return [name, ...pre, ...post].join(" ");
  return [...pre, name, ...post].join(" ");
}

function chooseAttributes(product: Product, category: Category, rng: Rng, weights: readonly number[]): AttributeName[] {
  const names = category.attributes.map((s) => s.name).filter((n) => product.attributes[n] !== undefined);
  const k = Math.min(names.length, rng.weightedIndex(weights));
  // Critical attributes are what shoppers mention first ("case for orbis s5").
  const critical = names.filter((n) => attributeSpec(category, n)?.critical);
  const others = names.filter((n) => !attributeSpec(category, n)?.critical);
  const picked: AttributeName[] = [];
  for (const n of critical) if (picked.length < k && rng.next() < 0.8) picked.push(n);
  for (const n of rng.shuffle(others.slice())) if (picked.length < k) picked.push(n);
  return picked;
}

function target(category: string, attributes: ProductAttributes): IntentTarget {
  return { category, attributes };
}

function intent(targets: IntentTarget[], extra: Partial<Omit<QueryIntent, "targets">> = {}): QueryIntent {
  return { targets, brand: extra.brand ?? null, family: extra.family ?? null, brandOnly: extra.brandOnly ?? false, need: extra.need ?? null };
}

function attributesOf(product: Product, names: readonly AttributeName[]): ProductAttributes {
  const out: ProductAttributes = {};
  for (const spec of categoryById(product.category).attributes) if (names.includes(spec.name)) out[spec.name] = product.attributes[spec.name];
  return out;
}

function categoryAttributeDraft(index: CatalogIndex, rng: Rng): Draft {
  const product = pickProduct(index.products, rng, 0.5);
  const category = categoryById(product.category);
  const names = chooseAttributes(product, category, rng, [0.15, 0.55, 0.3]);
  const parts = names.map((n): [AttributeName, string] => [n, queryValue(category, n, product.attributes[n] as string, rng, false)]);
  const text = assemble(pickRanked(category.titleNames, rng).toLowerCase(), parts, rng);
  return { text, intent: intent([target(category.id, attributesOf(product, names))]), corrected: null };
}

function synonymDraft(index: CatalogIndex, rng: Rng): Draft | null {
  const product = pickProduct(index.products, rng, 0.5);
  const category = categoryById(product.category);
  const names = chooseAttributes(product, category, rng, [0.35, 0.5, 0.15]);
  const byQueryName = names.length === 0 || rng.next() < 0.7;
  const withVariants = names.filter((n) => valueVariants(n, product.attributes[n] as string).length > 0);
  if (!byQueryName && withVariants.length === 0) return null;
  const swap = byQueryName ? (rng.next() < 0.4 ? withVariants : []) : withVariants;
  const parts = names.map((n): [AttributeName, string] => [n, queryValue(category, n, product.attributes[n] as string, rng, swap.includes(n))]);
  const name = byQueryName ? rng.choice(category.queryNames).toLowerCase() : pickRanked(category.titleNames, rng).toLowerCase();
  return { text: assemble(name, parts, rng), intent: intent([target(category.id, attributesOf(product, names))]), corrected: null };
}

const VAGUE_SUFFIXES = ["", "", "", " ideas", " recommendations", " on a budget", " best options", " cheap", " suggestions", " help", " 2025", " top rated", " what to buy", " advice", " for a small budget"];

function vagueDraft(_index: CatalogIndex, rng: Rng): Draft {
  const need = rng.choice(NEEDS);
  const text = rng.choice(need.phrasings) + rng.choice(VAGUE_SUFFIXES);
  const targets = need.targets.map((t) => target(t.category, t.attributes ?? {}));
  return { text, intent: intent(targets, { need: need.id }), corrected: null };
}

function brandCategories(index: CatalogIndex, brand: Brand): string[] {
  return [...new Set((index.byBrand.get(brand.name) ?? []).map((p) => p.category))].sort();
}

const BRAND_ONLY = ["{b}", "{b}", "{b} shop", "{b} products", "{b} new", "{b} sale", "{b} official", "{b} store", "{b} deals", "{b} range", "{b} collection", "{b} brand"];
const BRAND_CATEGORY = ["{b} {n}", "{b} {n}", "{n} by {b}", "{n} {b}", "{b} {a} {n}"];

function brandDraft(index: CatalogIndex, rng: Rng): Draft | null {
  const brand = BRANDS[rng.weightedIndex(BRANDS.map((x) => x.share * (index.byBrand.has(x.name) ? 1 : 0)))];
  const b = brand.name.toLowerCase();
  if (rng.next() < 0.35) {
    const text = rng.choice(BRAND_ONLY).replace("{b}", b);
    const targets = brandCategories(index, brand).map((c) => target(c, {}));
    return { text, intent: intent(targets, { brand: brand.name, brandOnly: true }), corrected: null };
  }
  const product = pickProduct(index.byBrand.get(brand.name) ?? [], rng, 0.5);
  const category = categoryById(product.category);
  const template = rng.choice(BRAND_CATEGORY);
  let attrs: ProductAttributes = {};
  let a = "";
  if (template.includes("{a}")) {
    const names = chooseAttributes(product, category, rng, [0, 1]);
    if (names.length === 0) return null;
    attrs = attributesOf(product, names);
    a = queryValue(category, names[0], product.attributes[names[0]] as string, rng, false);
  }
  const name = pickRanked(category.titleNames, rng).toLowerCase();
  // "ionic hair dryer" already says ionic: do not say it twice.
  if (a.split(" ").every((w) => name.split(" ").includes(w))) a = "";
  const text = template.replace("{b}", b).replace("{a}", a).replace("{n}", name).replace(/\s+/g, " ").trim();
  return { text, intent: intent([target(category.id, attrs)], { brand: brand.name }), corrected: null };
}

function exactDraft(index: CatalogIndex, rng: Rng): Draft {
  const product = pickProduct(index.products, rng, 0.7);
  const category = categoryById(product.category);
  const brand = product.brand.toLowerCase();
  const line = lineOf(product).toLowerCase();
  // The shopper has seen this product: they use the seller's name for it when the title has one.
  const title = product.title.toLowerCase();
  const own = category.titleNames.map((n) => n.toLowerCase()).filter((n) => title.includes(n));
  const name = own.length > 0 ? own.reduce((x, y) => (y.length > x.length ? y : x)) : pickRanked(category.titleNames, rng).toLowerCase();
  const siblings = index.byFamily.get(product.family) ?? [product];
  // Mention what tells this variant from its siblings (colour, size...), when it has siblings.
  const varying = category.attributes.map((s) => s.name).filter((n) => siblings.some((s) => s.attributes[n] !== product.attributes[n]));
  const mention = varying.length > 0 && rng.next() < 0.75 ? [rng.choice(varying)] : [];
  const attrText = mention.map((n) => queryValue(category, n, product.attributes[n] as string, rng, false)).join(" ");
  const form = rng.int(5);
  let text: string;
  if (form === 0) text = `${brand} ${product.model.toLowerCase()}`;
  else if (form === 1) text = `${line} ${name} ${attrText}`;
  else if (form === 2) {
    text = keywordTokens(product.title).slice(0, 4 + rng.int(4)).join(" ");
    // A title prefix mentions what it mentions: record the attributes it happens to contain.
    const said = new Set(keywordTokens(text));
    mention.length = 0;
    for (const n of varying) if (keywordTokens(String(product.attributes[n])).every((t) => said.has(t))) mention.push(n);
  } else text = `${brand} ${line} ${name} ${attrText}`;
  text = text.replace(/\s+/g, " ").trim();
  return { text, intent: intent([target(category.id, attributesOf(product, mention))], { brand: product.brand, family: product.family }), corrected: null };
}

/** The model line of a product: its family id minus brand and category ("voltix-pulse-3-earbuds" -> "pulse 3"). */
export function lineOf(product: Pick<Product, "family" | "brand" | "category">): string {
  const brandSlug = product.brand.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  let rest = product.family;
  if (rest.startsWith(`${brandSlug}-`)) rest = rest.slice(brandSlug.length + 1);
  if (rest.endsWith(`-${product.category}`)) rest = rest.slice(0, -product.category.length - 1);
  return rest.replace(/-/g, " ");
}

function misspelledDraft(index: CatalogIndex, rng: Rng): Draft | null {
  const roll = rng.next();
  const base = roll < 0.6 ? categoryAttributeDraft(index, rng) : roll < 0.8 ? brandDraft(index, rng) : exactDraft(index, rng);
  if (!base) return null;
  const words = base.text.split(" ");
  const known = words.map((w, i) => ({ w, i })).filter(({ w }) => MISSPELLINGS[w] !== undefined);
  const long = words.map((w, i) => ({ w, i })).filter(({ w }) => /^[a-z]{4,}$/.test(w));
  const pool = known.length > 0 && rng.next() < 0.7 ? known : long;
  if (pool.length === 0) return null;
  const { w, i } = rng.choice(pool);
  const typo = misspell(w, rng);
  if (typo === w) return null;
  words[i] = typo;
  return { text: words.join(" "), intent: base.intent, corrected: base.text };
}

const DRAFTERS: Readonly<Record<QueryKind, (index: CatalogIndex, rng: Rng) => Draft | null>> = {
  "exact-product": exactDraft,
  "category-attribute": categoryAttributeDraft,
  synonym: synonymDraft,
  vague: vagueDraft,
  misspelled: misspelledDraft,
  brand: brandDraft,
};

/** Exact counts per kind for `count` queries (largest remainder, in QUERY_KINDS order). */
export function kindCounts(count: number): Record<QueryKind, number> {
  const kinds = Object.keys(QUERY_KIND_SHARES) as QueryKind[];
  const exact = kinds.map((k) => count * QUERY_KIND_SHARES[k]);
  const counts = exact.map(Math.floor);
  let left = count - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.i - q.i);
  for (let k = 0; left > 0; k++, left--) counts[order[k % order.length].i]++;
  return Object.fromEntries(kinds.map((k, i) => [k, counts[i]])) as Record<QueryKind, number>;
}

function takeSample<T>(items: readonly T[], k: number, rng: Rng): T[] {
  return items.length <= k ? items.slice() : rng.sample(items, k);
}

/**
 * The judged candidate pool of a query: `size` distinct products, at least one Exact when the
 * catalog has one, about 30% exact matches, 30% same-category products that miss an attribute
 * (siblings of the same model first), then related categories, lexical look-alikes, random.
 */
export function candidatePool(query: Pick<Query, "text" | "intent">, index: CatalogIndex, size: number, rng: Rng): Product[] {
  const chosen = new Map<string, Product>();
  const add = (products: readonly Product[], limit: number): void => {
    for (const p of products) {
      if (chosen.size >= size || limit <= 0) return;
      if (chosen.has(p.id)) continue;
      chosen.set(p.id, p);
      limit--;
    }
  };
  const inTargets = query.intent.targets.flatMap((t) => index.byCategory.get(t.category) ?? []);
  const exact: Product[] = [];
  const near: Product[] = [];
  for (const p of inTargets) (esciGrade(query.intent, p) === "E" ? exact : near).push(p);
  add(takeSample(exact, Math.ceil(size * 0.3), rng), size);
  const family = query.intent.family;
  const siblings = family ? near.filter((p) => p.family === family) : [];
  add(takeSample(siblings, Math.ceil(size * 0.15), rng), size);
  const sameBrand = query.intent.brand ? near.filter((p) => p.brand === query.intent.brand) : [];
  add(takeSample(sameBrand, Math.ceil(size * 0.1), rng), size);
  add(takeSample(near, Math.ceil(size * 0.3), rng), Math.ceil(size * 0.3));
  const related = new Set<string>();
  for (const t of query.intent.targets) {
    const c = categoryById(t.category);
    for (const r of [...c.substitutes, ...c.complements]) related.add(r);
  }
  const relatedProducts = [...related].sort().flatMap((c) => index.byCategory.get(c) ?? []);
  add(takeSample(relatedProducts, Math.ceil(size * 0.15), rng), Math.ceil(size * 0.15));
  const lookAlikes: Product[] = [];
  for (const word of new Set(keywordTokens(query.text))) {
    if (STOP_WORDS.has(word)) continue;
    for (const p of index.byTitleWord.get(word) ?? []) if (!query.intent.targets.some((t) => t.category === p.category)) lookAlikes.push(p);
  }
  add(takeSample(lookAlikes, Math.ceil(size * 0.15), rng), Math.ceil(size * 0.15));
  while (chosen.size < size) {
    const p = index.products[rng.int(index.products.length)];
    if (!chosen.has(p.id)) chosen.set(p.id, p);
  }
  return [...chosen.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

function assignSplits(queries: Array<{ kind: QueryKind }>, rng: Rng): Split[] {
  const splits: Split[] = new Array(queries.length);
  const kinds = [...new Set(queries.map((q) => q.kind))];
  for (const kind of kinds) {
    const idx = queries.map((q, i) => (q.kind === kind ? i : -1)).filter((i) => i >= 0);
    rng.shuffle(idx);
    const nVal = Math.round(idx.length * 0.15);
    const nTest = Math.round(idx.length * 0.15);
    idx.forEach((qi, k) => {
      splits[qi] = k < nTest ? "test" : k < nTest + nVal ? "validation" : "train";
    });
  }
  return splits;
}

/**
 * `count` queries with unique texts, mixed by kind as QUERY_KIND_SHARES says, and `judgedPerQuery`
 * ESCI judgments per query. Deterministic from `seed`; ids are given after a shuffle.
 */
export function generateQueries(products: readonly Product[], count: number, judgedPerQuery: number, seed: number): { queries: Query[]; judgments: Judgment[] } {
  if (judgedPerQuery > products.length) throw new Error(`generateQueries: cannot judge ${judgedPerQuery} products per query from a catalog of ${products.length}.`);
  const rng = new Rng(`${seed}/queries`);
  const index = indexCatalog(products);
  const counts = kindCounts(count);
  const texts = new Set<string>();
  const drafts: Array<Draft & { kind: QueryKind }> = [];
  for (const kind of Object.keys(counts) as QueryKind[]) {
    for (let made = 0, tries = 0; made < counts[kind]; tries++) {
      if (tries > counts[kind] * 200 + 1000) throw new Error(`generateQueries: could not write ${counts[kind]} distinct "${kind}" queries (made ${made}); the vocabulary is too small for this many.`);
      const draft = DRAFTERS[kind](index, rng);
      if (!draft || draft.text.length < 2 || texts.has(draft.text)) continue;
      texts.add(draft.text);
      drafts.push({ ...draft, kind });
      made++;
    }
  }
  rng.shuffle(drafts);
  const splits = assignSplits(drafts, rng);
  const width = Math.max(4, String(drafts.length).length);
  const queries: Query[] = drafts.map((d, i) => ({
    id: `q${String(i + 1).padStart(width, "0")}`,
    text: d.text,
    kind: d.kind,
    intent: d.intent,
    split: splits[i],
    corrected: d.corrected,
  }));
  const judgments: Judgment[] = [];
  for (const q of queries) {
    for (const p of candidatePool(q, index, judgedPerQuery, rng)) judgments.push({ query: q.id, product: p.id, label: esciGrade(q.intent, p) });
  }
  return { queries, judgments };
}
