/**
 * Full-catalog retrieval, scored: every product of the catalog is a candidate (not a judged pool
 * of 40), each test query gets its exact top 100 by cosine, and the ranking is scored against the
 * catalog-wide ESCI grades (the shop's grading rule applied to every product the query's intent
 * could touch: its target categories and their substitutes and complements; every other product
 * is Irrelevant). Recall@10 and recall@100 count Exact products; NDCG@10 uses the ESCI gains
 * (Exact 1, Substitute 0.1, Complement 0.01). Reported overall and by query kind, beside the
 * keyword baseline on the same queries: the synonym, vague and misspelled kinds are where
 * keyword search failed in chapter 0.
 */
import { ESCI_GAINS, esciGrade } from "../data/esci";
import { productText } from "../data/keyword-match";
import { QUERY_KINDS, type Product, type Query, type QueryKind, type Split } from "../data/records";
import { categoryById } from "../data/taxonomy";
import { evaluateRun, type RunEvaluation } from "../eval/ranking";
import type { BiEncoder } from "./bi-encoder";
import { keywordRetriever } from "./retrieval-pairs";
import { ExactIndex } from "./vector-search";

type Metric = "recall@10" | "recall@100" | "ndcg@10";
const METRICS: readonly Metric[] = ["recall@10", "recall@100", "ndcg@10"];

export interface RetrievalMetrics {
  readonly queries: number;
  readonly recall10: number;
  readonly recall100: number;
  readonly ndcg10: number;
}

export interface RetrievalRow {
  readonly retriever: string;
  readonly overall: RetrievalMetrics;
  /** Kinds with no query in the evaluated split are left out. */
  readonly byKind: Partial<Record<QueryKind, RetrievalMetrics>>;
}

/** Query id -> product id -> ESCI gain over the whole catalog (gain-0 products left out). */
export function catalogQrels(products: readonly Product[], queries: readonly Query[]): Map<string, Map<string, number>> {
  const byCategory = new Map<string, Product[]>();
  for (const p of products) {
    const list = byCategory.get(p.category);
    if (list) list.push(p);
    else byCategory.set(p.category, [p]);
  }
  const qrels = new Map<string, Map<string, number>>();
  for (const q of queries) {
    const categories = new Set<string>();
    for (const t of q.intent.targets) {
      categories.add(t.category);
      const c = categoryById(t.category);
      for (const r of [...c.substitutes, ...c.complements]) categories.add(r);
    }
    const grades = new Map<string, number>();
    for (const c of categories) {
      for (const p of byCategory.get(c) ?? []) {
        const gain = ESCI_GAINS[esciGrade(q.intent, p)];
        if (gain > 0) grades.set(p.id, gain);
      }
    }
    qrels.set(q.id, grades);
  }
  return qrels;
}

/** A dense retriever's run: each query's exact top `k` catalog products by cosine through the bi-encoder's towers (`ExactIndex`). */
export async function denseRun(
  model: BiEncoder,
  queries: readonly Query[],
  products: readonly Product[],
  options: { readonly k?: number; readonly batchSize?: number; readonly catalogVectors?: Float32Array; readonly onProgress?: (done: number, total: number) => void } = {}
): Promise<Map<string, string[]>> {
  const k = options.k ?? 100;
  const dim = model.queryTower.encoder.config.hiddenSize;
  const catalog = options.catalogVectors ?? (await model.embed(products.map(productText), "product", { batchSize: options.batchSize, onProgress: options.onProgress }));
  if (catalog.length !== products.length * dim) throw new Error(`denseRun: catalogVectors has ${catalog.length} values, expected ${products.length} products x ${dim}.`);
  const q = await model.embed(queries.map((x) => x.text), "query", { batchSize: options.batchSize });
  // Unit vectors already: the inner product is the cosine. Ties go to the earlier catalog row.
  const index = new ExactIndex({ dimension: dim, modelId: "bi-encoder", metric: "ip" });
  try {
    index.add(catalog);
    const hits = index.searchBatch(q, k);
    return new Map(queries.map((x, i) => [x.id, hits[i].ids.map((j) => products[j].id)]));
  } finally {
    index.dispose();
  }
}

/** The keyword baseline's run: products holding every query keyword, best keyword score first, top `k`. */
export function keywordRun(queries: readonly Query[], products: readonly Product[], k = 100): Map<string, string[]> {
  const retrieve = keywordRetriever(products);
  return new Map(queries.map((q) => [q.id, retrieve(q, k)]));
}

function metricsOf(e: RunEvaluation<Metric>, ids: readonly string[]): RetrievalMetrics {
  const mean = (m: Metric): number => ids.reduce((s, id) => s + (e.perQuery.get(id) as Record<Metric, number>)[m], 0) / ids.length;
  return { queries: ids.length, recall10: mean("recall@10"), recall100: mean("recall@100"), ndcg10: mean("ndcg@10") };
}

/** Recall@10, recall@100 (Exact products) and NDCG@10 (ESCI gains) of a run, overall and by query kind. */
export function scoreRetrieval(name: string, run: ReadonlyMap<string, readonly string[]>, queries: readonly Query[], qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): RetrievalRow {
  const judged = queries.filter((q) => [...(qrels.get(q.id)?.values() ?? [])].some((g) => g >= 1));
  if (judged.length === 0) throw new Error("scoreRetrieval: none of the queries has an Exact product in the catalog.");
  const missing = judged.filter((q) => !run.has(q.id));
  if (missing.length) throw new Error(`scoreRetrieval: the run of ${name} has no ranking for ${missing.length} queries (first: ${missing[0].id}).`);
  const subset = new Map(judged.map((q) => [q.id, qrels.get(q.id) as ReadonlyMap<string, number>]));
  // Only an Exact product (gain 1) reaches the relevance threshold; an empty ranking scores 0.
  const e = evaluateRun(run, subset, METRICS, { relevanceThreshold: 1, scale: { min: 0, max: 1 }, missing: "zero" });
  const byKind: Partial<Record<QueryKind, RetrievalMetrics>> = {};
  for (const kind of QUERY_KINDS) {
    const ids = judged.filter((q) => q.kind === kind).map((q) => q.id);
    if (ids.length) byKind[kind] = metricsOf(e, ids);
  }
  return { retriever: name, overall: metricsOf(e, judged.map((q) => q.id)), byKind };
}

export interface RetrievalComparison {
  readonly split: Split;
  /** Queries of the split with at least one Exact product in the catalog (the ones scored). */
  readonly queries: number;
  readonly catalog: number;
  readonly k: number;
  /** Keyword first, then each dense retriever in the order given. */
  readonly rows: readonly RetrievalRow[];
}

/**
 * The keyword baseline and each bi-encoder, full-catalog retrieval on one split's queries
 * (default test), scored on the same queries with the same catalog-wide grades.
 */
export async function compareRetrieval(options: {
  readonly shop: { readonly products: readonly Product[]; readonly queries: readonly Query[] };
  readonly retrievers: ReadonlyArray<readonly [string, BiEncoder]>;
  readonly split?: Split;
  readonly k?: number;
  readonly batchSize?: number;
  readonly onProgress?: (retriever: string, done: number, total: number) => void;
}): Promise<RetrievalComparison> {
  const split = options.split ?? "test";
  const k = options.k ?? 100;
  const { products } = options.shop;
  const queries = options.shop.queries.filter((q) => q.split === split);
  if (queries.length === 0) throw new Error(`compareRetrieval: the shop has no ${split}-split query.`);
  const qrels = catalogQrels(products, queries);
  const rows = [scoreRetrieval("keyword", keywordRun(queries, products, k), queries, qrels)];
  for (const [name, model] of options.retrievers) {
    const run = await denseRun(model, queries, products, { k, batchSize: options.batchSize, onProgress: (d, t) => options.onProgress?.(name, d, t) });
    rows.push(scoreRetrieval(name, run, queries, qrels));
  }
  return { split, queries: rows[0].overall.queries, catalog: products.length, k, rows };
}

/** The comparison as table rows (retriever x kind), for a DataFrame or a results card. */
export function retrievalTable(comparison: RetrievalComparison): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  for (const row of comparison.rows) {
    const parts: [string, RetrievalMetrics | undefined][] = [["all", row.overall], ...QUERY_KINDS.map((k) => [k, row.byKind[k]] as [string, RetrievalMetrics | undefined])];
    for (const [kind, m] of parts) if (m) out.push({ retriever: row.retriever, kind, queries: m.queries, "recall@10": m.recall10, "recall@100": m.recall100, "ndcg@10": m.ndcg10 });
  }
  return out;
}
