import { describe, expect, it } from "vitest";
import { loadShop } from "../../lib/src/data/shop-files";
import { interactions } from "../../lib/src/data/logs";
import type { Product, Query } from "../../lib/src/data/records";
import { featureContext, FEATURE_NAMES } from "../../lib/src/rank/features";
import type { SearchImpression } from "../../lib/src/rank/click-logs";
import { clickDebiasExperiment, clickRankingData, linearRankNetRanker } from "../../lib/src/rank/click-debias";

const product = (id: string, title: string): Product => ({
  id, title, description: title, brand: "Acme", category: "mugs", categoryPath: ["home", "kitchen", "mugs"], family: id, model: id,
  attributes: {}, price: 10, rating: null, reviewCount: 0, launchDate: "2024-01-01", popularity: 1,
});

describe("click training data", () => {
  const products = [product("a", "red mug"), product("b", "blue mug"), product("c", "green cup")];
  const context = featureContext({ products, productVectors: new Map(), embedQuery: () => new Float32Array(0), interactions: [] });
  const query = { id: "q1", text: "mug", kind: "vague", split: "train", corrected: null, intent: { targets: [], brand: null, family: null, brandOnly: false, need: null } } as Query;
  const page = (clicked: boolean[]): SearchImpression => ({ session: "s", user: "u", split: "train", time: "2025-02-01T00:00:00Z", query: "q1", products: ["a", "b", "c"], clicked, policy: "ranker" });

  it("labels clicks, weights clicked rows by 1 / clipped propensity, and drops pages without a click", async () => {
    const pages = [page([false, true, true]), page([false, false, false]), page([true, false, false])];
    const naive = await clickRankingData(pages, [query], context);
    expect(naive.queryIds).toEqual(["q1", "q1"]);
    expect(Array.from(naive.labels)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(naive.weights).toBeNull();
    expect(naive.names).toEqual(FEATURE_NAMES);
    const ips = await clickRankingData(pages, [query], context, { propensities: { values: [1, 0.5, 0.02] }, floor: 0.1 });
    expect(Array.from(ips.weights as Float32Array)).toEqual([1, 2, 10, 1, 1, 1]);
  });

  it("says which page names an unknown query and refuses a log without clicks", async () => {
    await expect(clickRankingData([{ ...page([true, false, false]), query: "q9" }], [query], context)).rejects.toThrow(/page 0 \(session s\) searched query "q9", which is not among the 1 queries/);
    await expect(clickRankingData([page([false, false, false])], [query], context)).rejects.toThrow(/none of the 1 pages has a click/);
    await expect(clickRankingData([page([true, false, false])], [query], context, { propensities: { values: [1] }, floor: 0 })).rejects.toThrow(/floor must be in \(0, 1\], got 0/);
  });
});

describe("learning from clicks on the shop", () => {
  it("the naive ranker learns the logging policy's preferences; IPS weights undo most of it", async () => {
    const shop = loadShop("fast");
    // No embeddings here (cosine is 0 for all): keyword match and popularity are what the logging policy ranked by.
    const sources = { products: shop.products, productVectors: new Map<string, Float32Array>(), embedQuery: () => new Float32Array(0), interactions: interactions(shop.sessions) };
    const report = await clickDebiasExperiment(shop, sources, { ranker: linearRankNetRanker({ seed: 0 }), propensities: "shuffled" });
    const row = (name: string) => report.rows.find((r) => r.name === name)!;
    const w = (name: string, feature: string) => row(name).featureWeights![feature];
    expect(report.rows.map((r) => r.name)).toEqual(["judgments", "clicks-naive", "clicks-ips", "bm25"]);
    expect(report.sizes.clickPages).toBeGreaterThan(500);
    expect(report.propensities[0]).toBe(1);
    // Past interactions (popularity, itself inflated by the top positions): observed weights 0.09 (judgments), 0.49 (naive), 0.22 (IPS).
    expect(w("clicks-naive", "logInteractions")).toBeGreaterThan(2 * w("judgments", "logInteractions"));
    expect(w("clicks-ips", "logInteractions")).toBeLessThan(0.6 * w("clicks-naive", "logInteractions"));
    // Keyword match (BM25): 1.08, 1.94, 1.14.
    expect(w("clicks-naive", "bm25")).toBeGreaterThan(1.3 * w("judgments", "bm25"));
    expect(Math.abs(w("clicks-ips", "bm25") - w("judgments", "bm25"))).toBeLessThan(0.5 * Math.abs(w("clicks-naive", "bm25") - w("judgments", "bm25")));
    for (const r of report.rows) {
      expect(r.perQuery).toHaveLength(report.queries.length);
      expect(Object.keys(r.byKind).length).toBeGreaterThan(3);
      expect(r.ndcg).toBeGreaterThan(0.5);
    }
    expect(row("clicks-naive").vsJudgments!.n).toBe(report.queries.length);
    // The logging policy's order: judged grade falls with position, click-through falls much faster (examination).
    expect(report.logging[0].meanGrade).toBeGreaterThan(report.logging[9].meanGrade);
    expect(report.logging[0].ctr / report.logging[9].ctr).toBeGreaterThan(5);
    await expect(clickDebiasExperiment(shop, sources, { ignoreFeatures: ["clicks"] })).rejects.toThrow(/ignoreFeatures names "clicks"; expected one of cosine, bm25/);
  }, 120_000);
});
