/**
 * Hybrid retrieval measured on the shop (lib/src/rank/hybrid-search.ts): the runs are the
 * retrievers' and fusions' own (BM25 index, exact vector search, RRF, linear mix), rows are the
 * eval library's NDCG@10 and paired randomisation test, the fusion is tuned on the validation
 * queries only (the test queries cannot move the choice), and, end to end with the shipped
 * bi-encoder on the fast shop, the hybrid beats both of its parts.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  catalogQrels,
  denseRun,
  evaluateRun,
  initBackend,
  keywordRun,
  linearFusion,
  loadBiEncoder,
  loadShop,
  pairedRandomisationTest,
  pretrainedBiEncoder,
  productBm25Index,
  reciprocalRankFusion,
  Rng,
  type Query,
} from "shoplm";
import {
  bm25Run,
  denseScoredRun,
  hybridSearch,
  hybridSearchFromRuns,
  linearMixRun,
  rrfRun,
  runIds,
  searchQualityContext,
  searchQualityRow,
  searchQualityTable,
  type HybridSearchResult,
  type ScoredRun,
} from "../../lib/src/rank/hybrid-search";

const shop = loadShop("fast");
const index = productBm25Index(shop.products);
const bm25 = bm25Run(index, shop.queries, 100);
const qrels = catalogQrels(shop.products, shop.queries);

/** A stand-in dense retriever: each query's graded products with noisy scores, then random products. */
function noisyOracle(queries: readonly Query[], seed: number): ScoredRun {
  const rng = new Rng(seed);
  return new Map(
    queries.map((q) => {
      const graded = [...(qrels.get(q.id) ?? new Map<string, number>())].map(([id, g]) => ({ id, score: g + rng.next() }));
      const rest = Array.from({ length: 30 }, () => shop.products[rng.int(shop.products.length)].id).filter((id) => !qrels.get(q.id)?.has(id));
      const all = [...graded, ...[...new Set(rest)].map((id) => ({ id, score: rng.next() * 0.5 }))];
      return [q.id, all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, 100)];
    })
  );
}

describe("runs", () => {
  it("BM25's run is the index's top k for each query", () => {
    for (const q of shop.queries.slice(0, 20)) expect(bm25.get(q.id)).toEqual(index.search(q.text, 100));
    expect(() => bm25Run(index, shop.queries, 0)).toThrow(/depth must be an integer >= 1, got 0/);
  });

  it("RRF and the linear mix are ./fusion's, query by query, cut to 100", () => {
    const dense = noisyOracle(shop.queries.slice(0, 10), 1);
    const some = new Map(shop.queries.slice(0, 10).map((q) => [q.id, bm25.get(q.id) ?? []]));
    const rrf = rrfRun([some, dense], { k: 10, depth: 30 });
    const mix = linearMixRun([some, dense], { weights: [0.4, 0.6], normalize: "zscore" });
    for (const q of shop.queries.slice(0, 10)) {
      const lists = [some, dense].map((r) => (r.get(q.id) ?? []).map((x) => x.id));
      expect(rrf.get(q.id)).toEqual(reciprocalRankFusion(lists, { k: 10, depth: 30 }).slice(0, 100));
      const maps = [some, dense].map((r) => new Map((r.get(q.id) ?? []).map((x) => [x.id, x.score])));
      expect(mix.get(q.id)).toEqual(linearFusion(maps, { weights: [0.4, 0.6], normalize: "zscore" }).slice(0, 100));
    }
  });

  it("a linear mix worked by hand: min-max per retriever, weights 0.3 / 0.7, a missing product gets 0", () => {
    const a = new Map([["q", [{ id: "x", score: 10 }, { id: "y", score: 5 }, { id: "z", score: 0 }]]]);
    const b = new Map([["q", [{ id: "z", score: 0.9 }, { id: "x", score: 0.5 }, { id: "w", score: 0.1 }]]]);
    const mix = linearMixRun([a, b], { weights: [0.3, 0.7] }).get("q") ?? [];
    // x: 0.3 * 1 + 0.7 * 0.5 = 0.65; z: 0 + 0.7; y: 0.3 * 0.5 + 0 = 0.15; w: 0 + 0.
    expect(mix.map((x) => x.id)).toEqual(["z", "x", "y", "w"]);
    [0.7, 0.65, 0.15, 0].forEach((s, i) => expect(mix[i].score).toBeCloseTo(s, 12));
    expect(runIds(new Map([["q", mix]]))).toEqual(new Map([["q", ["z", "x", "y", "w"]]]));
  });
});

describe("the search quality table", () => {
  const keyword = keywordRun(shop.queries.filter((q) => q.split === "test"), shop.products);
  const context = searchQualityContext({ products: shop.products, queries: shop.queries, baselineRun: bm25, samples: 2000, seed: 4 });

  it("rows are the eval library's NDCG@10 and paired randomisation test, overall and by kind", () => {
    const row = searchQualityRow("keyword", keyword, context);
    const scored = shop.queries.filter((q) => q.split === "test" && [...(qrels.get(q.id)?.values() ?? [])].some((g) => g === 1));
    expect(row.queries).toBe(scored.length);
    const judged = new Map(scored.map((q) => [q.id, qrels.get(q.id) as Map<string, number>]));
    const opts = { relevanceThreshold: 1, scale: { min: 0, max: 1 }, missing: "zero" } as const;
    const a = evaluateRun(keyword, judged, ["ndcg@10", "recall@100"], opts);
    const b = evaluateRun(runIds(bm25), judged, ["ndcg@10"], opts);
    expect(row.ndcg10).toBeCloseTo(a.mean["ndcg@10"], 12);
    expect(row.recall100).toBeCloseTo(a.mean["recall@100"], 12);
    const values = (e: typeof a | typeof b) => e.queries.map((q) => (e.perQuery.get(q) as Record<"ndcg@10", number>)["ndcg@10"]);
    expect(row.pValue).toBe(pairedRandomisationTest(values(a), values(b), { samples: 2000, seed: 4 }).pValue);
    const kinds = Object.values(row.byKind);
    expect(kinds.reduce((s, k) => s + k.queries, 0)).toBe(row.queries);
    expect(kinds.reduce((s, k) => s + k.queries * k.ndcg10, 0) / row.queries).toBeCloseTo(row.ndcg10, 12);
    const vague = scored.filter((q) => q.kind === "vague").map((q) => q.id);
    const pick = (e: typeof a | typeof b) => vague.map((q) => (e.perQuery.get(q) as Record<"ndcg@10", number>)["ndcg@10"]);
    expect(row.byKind.vague?.pValue).toBe(pairedRandomisationTest(pick(a), pick(b), { samples: 2000, seed: 4 }).pValue);
  });

  it("the baseline's own row has no p-value; the same run as the baseline gives p = 1; a missing query scores 0", () => {
    expect(searchQualityRow("BM25", bm25, context).pValue).toBeNull();
    expect(searchQualityRow("BM25 again", bm25, context).pValue).toBe(1);
    const none = searchQualityRow("nothing", new Map(), context);
    expect(none.ndcg10).toBe(0);
    const t = searchQualityContext({ products: shop.products, queries: shop.queries, baselineRun: bm25, test: "t-test" });
    expect(searchQualityRow("keyword", keyword, t).test).toBe("t-test");
    const table = searchQualityTable([searchQualityRow("BM25", bm25, context), searchQualityRow("keyword", keyword, context)]);
    expect(Object.keys(table[0])).toEqual(["stage", "queries", "ndcg@10", "exact-product", "category-attribute", "synonym", "vague", "misspelled", "brand", "recall@100", "p vs BM25"]);
    expect(() => searchQualityContext({ products: shop.products, queries: [], baselineRun: bm25 })).toThrow(/no test-split query has an Exact product/);
    expect(() => searchQualityRow("", bm25, context)).toThrow(/stage must be a non-empty name/);
  });
});

describe("tuning the fusion", () => {
  const dense = noisyOracle(shop.queries, 7);
  const options = { samples: 500, rrfKs: [1, 60], rrfDepths: [10, 100], denseWeights: [0, 0.25, 0.5, 0.75, 1] };
  const report = hybridSearchFromRuns({ products: shop.products, queries: shop.queries, bm25, dense, options });

  it("chooses the best setting on the validation queries, and the test queries cannot move the choice", () => {
    const best = <T extends { tuning: number }>(xs: readonly T[]) => Math.max(...xs.map((x) => x.tuning));
    expect(report.chosen.rrf.tuning).toBe(best(report.rrfSweep));
    expect(report.chosen.linear.tuning).toBe(best(report.linearSweep));
    expect(report.rrfSweep.length).toBe(4);
    expect(report.linearSweep.length).toBe(10);
    expect(report.tuningQueries).toBe(shop.queries.filter((q) => q.split === "validation" && [...(qrels.get(q.id)?.values() ?? [])].some((g) => g === 1)).length);
    expect(report.chosen.rrf).toBe(report.rrfSweep.find((s) => s.tuning === report.chosen.rrf.tuning));
    expect(report.chosen.linear).toBe(report.linearSweep.find((s) => s.tuning === report.chosen.linear.tuning));
    // Change the dense run on the test queries only (to nothing; to a perfect ranking): the sweeps'
    // tuning column and the choice stay.
    const isTest = (q: string) => shop.queries.find((x) => x.id === q)?.split === "test";
    const perfect = (q: string) => [...(qrels.get(q) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 100).map(([id, g], i) => ({ id, score: g * 1000 - i }));
    for (const replace of [() => [], perfect]) {
      const changed = new Map([...dense].map(([q, l]) => [q, isTest(q) ? replace(q) : l]));
      const again = hybridSearchFromRuns({ products: shop.products, queries: shop.queries, bm25, dense: changed, options });
      expect(again.rrfSweep.map((s) => s.tuning)).toEqual(report.rrfSweep.map((s) => s.tuning));
      expect(again.linearSweep.map((s) => s.tuning)).toEqual(report.linearSweep.map((s) => s.tuning));
      const setting = (c: typeof report.chosen) => [c.rrf.k, c.rrf.depth, c.linear.denseWeight, c.linear.normalize, c.hybrid];
      expect(setting(again.chosen)).toEqual(setting(report.chosen));
      expect(again.rows[1].ndcg10).not.toBeCloseTo(report.rows[1].ndcg10, 3); // the dense row did change
    }
  });

  it("reports BM25, dense and the fusions on the test queries, and hands on runs for every query", () => {
    expect(report.rows.map((r) => r.stage.replace(/ \(tuned.*/, " (tuned)"))).toEqual(["BM25", "dense", "hybrid RRF (k = 60)", "hybrid RRF (tuned)", "hybrid linear (tuned)"]);
    expect(report.rows[0].pValue).toBeNull();
    for (const run of Object.values(report.runs)) {
      expect(run.size).toBe(shop.queries.length);
      for (const list of run.values()) expect(list.length).toBeLessThanOrEqual(100);
    }
    expect(report.runs.hybrid).toBe(report.chosen.hybrid === "rrf" ? report.runs.rrf : report.runs.linear);
    // A strong stand-in dense retriever: the fused runs beat BM25.
    expect(report.rows[4].ndcg10).toBeGreaterThan(report.rows[0].ndcg10);
    expect(() => hybridSearchFromRuns({ products: shop.products, queries: shop.queries, bm25, dense, options: { tuneSplits: ["test"] } })).toThrow(/the reported split "test" cannot also tune/);
    expect(() => hybridSearchFromRuns({ products: shop.products, queries: shop.queries, bm25, dense: new Map() })).toThrow(/the dense run has no ranking for \d+ of the \d+ queries/);
  });
});

describe("end to end on the fast shop", () => {
  const shipped = path.resolve("data/models/biencoder");
  let result: HybridSearchResult | null = null;
  let leaked = 0;

  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    if (!existsSync(shipped)) {
      console.warn(`hybrid-search test: skipping the end-to-end run, no shipped bi-encoder at ${shipped}.`);
      return;
    }
    const before = tf.memory().numTensors;
    const model = loadBiEncoder(shipped);
    try {
      result = await hybridSearch({ shop, biEncoder: model, samples: 2000 });
    } finally {
      model.dispose();
    }
    leaked = tf.memory().numTensors - before;
  });

  it("a dense run with scores: the same ids as chapter 3's denseRun, scores the cosines", async () => {
    const model = pretrainedBiEncoder({ maxLength: 16 });
    try {
      const catalog = shop.products.slice(0, 200);
      const some = shop.queries.slice(0, 4);
      const scored = await denseScoredRun(model, some, catalog, { depth: 10 });
      const ids = await denseRun(model, some, catalog, { k: 10 });
      const d = model.queryTower.encoder.config.hiddenSize;
      const qv = await model.embed(some.map((q) => q.text), "query");
      const pv = await model.embed(catalog.map((p) => `${p.title} ${p.description}`), "product");
      const row = new Map(catalog.map((p, j) => [p.id, j]));
      some.forEach((q, i) => {
        expect(scored.get(q.id)?.map((x) => x.id)).toEqual(ids.get(q.id));
        for (const hit of scored.get(q.id) ?? []) {
          const j = row.get(hit.id) as number;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += qv[i * d + c] * pv[j * d + c];
          expect(hit.score).toBeCloseTo(dot, 4);
        }
      });
    } finally {
      model.dispose();
    }
  });

  it("the hybrid beats both BM25 and dense overall; dense beats BM25 on vague queries; no tensor leaks", () => {
    if (!result) return;
    const row = (prefix: string) => result!.rows.find((r) => r.stage.startsWith(prefix))!;
    expect(result.rows.map((r) => r.stage)[0]).toBe("keyword");
    const hybrid = row(result.chosen.hybrid === "rrf" ? "hybrid RRF (tuned" : "hybrid linear");
    expect(hybrid.ndcg10).toBeGreaterThan(row("BM25").ndcg10);
    expect(hybrid.ndcg10).toBeGreaterThan(row("dense").ndcg10);
    // Vague queries name a need, not the product's words: dense retrieval's kind.
    expect(row("dense").byKind.vague!.ndcg10).toBeGreaterThan(row("BM25").byKind.vague!.ndcg10);
    expect(result.embeddingOf.size).toBe(shop.products.length);
    expect(leaked).toBe(0);
  });
});
