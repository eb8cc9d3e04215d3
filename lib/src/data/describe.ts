/**
 * Figures about a shop world, computed from its records: the counts and rates the dataset card
 * prints (data/README.md, between the generated markers) and chapter 0 shows.
 */
import { ATTRIBUTE_TAGS, ATTRIBUTE_TAG_TYPES, attributeTagRows, countAttributeSpans, type AttributeTagRow, type AttributeTagType } from "./attribute-tags";
import { LOG_START } from "./calendar";
import { ESCI_LABELS, esciGrade } from "./esci";
import { KeywordIndex } from "./keyword-match";
import { impressions } from "./logs";
import { QUERY_KINDS, SPLITS, type EsciLabel, type Product, type QueryKind, type Split } from "./records";
import type { ShopWorld } from "./world";

export interface KeywordDifficulty {
  readonly queries: number;
  /** Mean over queries of: Exact products (whole catalog) that contain every query keyword / all Exact products. */
  readonly exactRecall: number;
  /** Share of queries for which keyword search finds at least one Exact product. */
  readonly anyExactFound: number;
  /** Share of queries for which keyword search finds nothing at all. */
  readonly zeroResults: number;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** How well AND-of-keywords search does on each query kind, against the catalog-wide Exact set. */
export function keywordDifficulty(world: Pick<ShopWorld, "products" | "queries">): Record<QueryKind, KeywordDifficulty> {
  const index = new KeywordIndex(world.products);
  const byCategory = new Map<string, Product[]>();
  for (const p of world.products) {
    const list = byCategory.get(p.category);
    if (list) list.push(p);
    else byCategory.set(p.category, [p]);
  }
  const acc = new Map<QueryKind, { recall: number[]; any: number[]; zero: number[] }>();
  for (const q of world.queries) {
    const exact = new Set<string>();
    for (const t of q.intent.targets) for (const p of byCategory.get(t.category) ?? []) if (esciGrade(q.intent, p) === "E") exact.add(p.id);
    const hits = index.search(q.text);
    const found = hits.filter((id) => exact.has(id)).length;
    const entry = acc.get(q.kind) ?? { recall: [], any: [], zero: [] };
    acc.set(q.kind, entry);
    entry.zero.push(hits.length === 0 ? 1 : 0);
    if (exact.size === 0) continue;
    entry.recall.push(found / exact.size);
    entry.any.push(found > 0 ? 1 : 0);
  }
  const out = {} as Record<QueryKind, KeywordDifficulty>;
  for (const kind of QUERY_KINDS) {
    const e = acc.get(kind) ?? { recall: [], any: [], zero: [] };
    out[kind] = { queries: e.zero.length, exactRecall: mean(e.recall), anyExactFound: mean(e.any), zeroResults: mean(e.zero) };
  }
  return out;
}

export interface ShopStats {
  readonly counts: {
    readonly departments: number;
    readonly categories: number;
    readonly brands: number;
    readonly products: number;
    readonly queries: number;
    readonly judgments: number;
    readonly users: number;
    readonly sessions: number;
    readonly searches: number;
    readonly clicks: number;
    readonly views: number;
    readonly carts: number;
    readonly purchases: number;
  };
  readonly queryKinds: Record<QueryKind, number>;
  readonly labels: Record<EsciLabel, number>;
  readonly sessionSplits: Record<Split, number>;
  readonly querySplits: Record<Split, number>;
  readonly keyword: Record<QueryKind, KeywordDifficulty>;
  /** Click-through rate by position (1..10), over searches shown the ranker's order, and over shuffled ones. */
  readonly ctrByPosition: { readonly ranker: readonly number[]; readonly shuffle: readonly number[] };
  readonly productsLaunchedDuringLog: number;
  readonly usersJoinedDuringLog: number;
  /** Share of product popularity held by the top 1% of products. */
  readonly top1PercentPopularityShare: number;
  readonly price: { readonly min: number; readonly median: number; readonly max: number };
  readonly smallestCategory: number;
  readonly largestCategory: number;
  /** The attribute tags (attributes.jsonl.gz) of queries and of titles. */
  readonly attributeTags: Record<AttributeTagRow["source"], AttributeTagStats>;
}

export interface AttributeTagStats {
  readonly texts: number;
  readonly words: number;
  readonly splits: Record<Split, number>;
  /** Spans per type. */
  readonly spans: Record<AttributeTagType, number>;
  /** Words per tag. */
  readonly tags: Readonly<Record<string, number>>;
}

/** Counts of the attribute-tag rows of one source. */
export function attributeTagStats(rows: readonly AttributeTagRow[]): AttributeTagStats {
  return {
    texts: rows.length,
    words: rows.reduce((n, r) => n + r.words.length, 0),
    splits: countBy(SPLITS, rows.map((r) => r.split)),
    spans: countAttributeSpans(rows),
    tags: countBy(ATTRIBUTE_TAGS, rows.flatMap((r) => r.tags)),
  };
}

function countBy<K extends string>(keys: readonly K[], values: Iterable<K>): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function describeShop(world: ShopWorld): ShopStats {
  const events = countBy(["search", "click", "view", "cart", "purchase"], world.sessions.flatMap((s) => s.events.map((e) => e.type)));
  const categories = countBy([...new Set(world.products.map((p) => p.category))].sort(), world.products.map((p) => p.category));
  const sizes = Object.values(categories);
  const ctr = { ranker: new Array<number>(10).fill(0), shuffle: new Array<number>(10).fill(0) };
  const shown = { ranker: new Array<number>(10).fill(0), shuffle: new Array<number>(10).fill(0) };
  for (const row of impressions(world.sessions)) {
    if (row.position > 10) continue;
    shown[row.policy][row.position - 1]++;
    if (row.clicked) ctr[row.policy][row.position - 1]++;
  }
  const rate = (policy: "ranker" | "shuffle"): number[] => ctr[policy].map((c, i) => (shown[policy][i] === 0 ? 0 : c / shown[policy][i]));
  const pops = world.products.map((p) => p.popularity).sort((a, b) => b - a);
  const top = Math.max(1, Math.round(pops.length / 100));
  const prices = world.products.map((p) => p.price).sort((a, b) => a - b);
  const logStartDay = LOG_START.slice(0, 10);
  const tagRows = attributeTagRows(world);
  return {
    counts: {
      departments: new Set(world.products.map((p) => p.categoryPath[0])).size,
      categories: sizes.length,
      brands: new Set(world.products.map((p) => p.brand)).size,
      products: world.products.length,
      queries: world.queries.length,
      judgments: world.judgments.length,
      users: world.users.length,
      sessions: world.sessions.length,
      searches: events.search,
      clicks: events.click,
      views: events.view,
      carts: events.cart,
      purchases: events.purchase,
    },
    queryKinds: countBy(QUERY_KINDS, world.queries.map((q) => q.kind)),
    labels: countBy(ESCI_LABELS, world.judgments.map((j) => j.label)),
    sessionSplits: countBy(SPLITS, world.sessions.map((s) => s.split)),
    querySplits: countBy(SPLITS, world.queries.map((q) => q.split)),
    keyword: keywordDifficulty(world),
    ctrByPosition: { ranker: rate("ranker"), shuffle: rate("shuffle") },
    productsLaunchedDuringLog: world.products.filter((p) => p.launchDate >= logStartDay).length,
    usersJoinedDuringLog: world.users.filter((u) => u.joined >= logStartDay).length,
    top1PercentPopularityShare: pops.slice(0, top).reduce((s, x) => s + x, 0) / pops.reduce((s, x) => s + x, 0),
    price: { min: prices[0], median: prices[Math.floor(prices.length / 2)], max: prices[prices.length - 1] },
    // Reductions, not Math.min(...sizes): no argument-count limit.
    smallestCategory: sizes.reduce((m, x) => Math.min(m, x), Infinity),
    largestCategory: sizes.reduce((m, x) => Math.max(m, x), -Infinity),
    attributeTags: { query: attributeTagStats(tagRows.filter((r) => r.source === "query")), title: attributeTagStats(tagRows.filter((r) => r.source === "title")) },
  };
}

export const CARD_BEGIN = "<!-- BEGIN GENERATED BY `npm run data`: do not edit by hand -->";
export const CARD_END = "<!-- END GENERATED -->";

/** 12,345 (no Intl: the output must not depend on the ICU build). */
const fmt = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const dec = (x: number): string => x.toFixed(3);

/** The generated block of the dataset card: one column per profile. */
export function datasetCardBlock(stats: ReadonlyArray<{ readonly profile: string; readonly stats: ShopStats }>): string {
  const head = `| | ${stats.map((s) => s.profile).join(" | ")} |\n|---|${stats.map(() => "---:").join("|")}|\n`;
  const row = (label: string, f: (s: ShopStats) => string): string => `| ${label} | ${stats.map((s) => f(s.stats)).join(" | ")} |\n`;
  let out = `${CARD_BEGIN}\n\n### Counts\n\n${head}`;
  const counts = stats[0].stats.counts;
  for (const key of Object.keys(counts) as Array<keyof ShopStats["counts"]>) out += row(key, (s) => fmt(s.counts[key]));
  out += row("products launched during the log", (s) => fmt(s.productsLaunchedDuringLog));
  out += row("users who joined during the log", (s) => fmt(s.usersJoinedDuringLog));
  out += row("smallest / largest category", (s) => `${fmt(s.smallestCategory)} / ${fmt(s.largestCategory)}`);
  out += row("price min / median / max (USD)", (s) => `${s.price.min} / ${s.price.median} / ${s.price.max}`);
  out += row("popularity held by the top 1% of products", (s) => pct(s.top1PercentPopularityShare));
  out += `\n### Queries by kind\n\n${head}`;
  for (const kind of QUERY_KINDS) out += row(kind, (s) => fmt(s.queryKinds[kind]));
  out += `\n### Judgments by label\n\n${head}`;
  for (const label of ESCI_LABELS) out += row(label, (s) => fmt(s.labels[label]));
  out += `\n### Splits\n\n${head}`;
  for (const split of SPLITS) out += row(`sessions: ${split}`, (s) => fmt(s.sessionSplits[split]));
  for (const split of SPLITS) out += row(`queries: ${split}`, (s) => fmt(s.querySplits[split]));
  out += `\n### Keyword search against the Exact products (whole catalog)\n\nexact recall = mean over queries of (Exact products containing every query keyword) / (all Exact products); found = queries where it finds at least one Exact product; zero = queries where it finds nothing.\n\n`;
  out += `| kind | ${stats.map((s) => `${s.profile}: exact recall | ${s.profile}: found | ${s.profile}: zero`).join(" | ")} |\n|---|${stats.map(() => "---:|---:|---:").join("|")}|\n`;
  for (const kind of QUERY_KINDS) {
    out += `| ${kind} | ${stats.map((s) => `${dec(s.stats.keyword[kind].exactRecall)} | ${pct(s.stats.keyword[kind].anyExactFound)} | ${pct(s.stats.keyword[kind].zeroResults)}`).join(" | ")} |\n`;
  }
  out += `\n### Click-through rate by position (logging ranker / shuffled exploration traffic)\n\n| position | ${stats.map((s) => `${s.profile}: ranker | ${s.profile}: shuffle`).join(" | ")} |\n|---|${stats.map(() => "---:|---:").join("|")}|\n`;
  for (let i = 0; i < 10; i++) out += `| ${i + 1} | ${stats.map((s) => `${dec(s.stats.ctrByPosition.ranker[i])} | ${dec(s.stats.ctrByPosition.shuffle[i])}`).join(" | ")} |\n`;
  out += `\n### Attribute tags (attributes.jsonl.gz): spans per type and words per tag\n\n| | ${stats.map((s) => `${s.profile}: queries | ${s.profile}: titles`).join(" | ")} |\n|---|${stats.map(() => "---:|---:").join("|")}|\n`;
  const both = (label: string, f: (a: AttributeTagStats) => number): string => `| ${label} | ${stats.map((s) => `${fmt(f(s.stats.attributeTags.query))} | ${fmt(f(s.stats.attributeTags.title))}`).join(" | ")} |\n`;
  out += both("texts", (a) => a.texts);
  for (const split of SPLITS) out += both(`texts: ${split}`, (a) => a.splits[split]);
  out += both("words", (a) => a.words);
  for (const type of ATTRIBUTE_TAG_TYPES) out += both(`spans: ${type}`, (a) => a.spans[type]);
  for (const tag of ATTRIBUTE_TAGS) out += both(`words tagged ${tag}`, (a) => a.tags[tag]);
  return `${out}\n${CARD_END}`;
}

/** `card` with its generated block replaced by `block`; a card without the markers is an error. */
export function replaceCardBlock(card: string, block: string): string {
  const begin = card.indexOf(CARD_BEGIN);
  const end = card.indexOf(CARD_END);
  if (begin < 0 || end < begin) throw new Error(`The dataset card has no generated block: expected a line "${CARD_BEGIN}" followed later by "${CARD_END}".`);
  return card.slice(0, begin) + block + card.slice(end + CARD_END.length);
}
