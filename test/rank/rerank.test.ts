import { describe, expect, it } from "vitest";
import type { Query } from "../../lib/src/data/records";
import { productBm25Index } from "../../lib/src/rank/bm25";
import { featureContext, FEATURE_NAMES, FEATURE_VERSION } from "../../lib/src/rank/features";
import { GBDT_FORMAT, type BoostedRanker } from "../../lib/src/rank/lambdamart";
import { correctedText, shopQueryUnderstanding, understandQuery, applyQueryUnderstanding } from "../../lib/src/rank/query-understanding";
import { candidateRankingDataset, rerankRun, rerankTopByPairs, understoodBm25Run } from "../../lib/src/rank/rerank";
import { shoesAndBottles } from "../fixtures/tiny-catalog";

const products = shoesAndBottles();
const context = featureContext({
  products,
  productVectors: new Map([["a", Float32Array.from([1, 0])], ["b", Float32Array.from([0, 1])], ["c", Float32Array.from([1, 1])], ["d", Float32Array.from([0.5, 1])]]),
  embedQuery: () => Float32Array.from([1, 0]),
  interactions: [],
});
const query = (id: string, text: string): Query => ({ id, text, kind: "exact-product", split: "test", intent: { targets: [{ category: "shoes" }] }, corrected: null }) as unknown as Query;

/** One stump: cheaper than e^4 - 1 (about 54 USD) scores 1, dearer 0. */
function priceStump(): BoostedRanker {
  const f = FEATURE_NAMES.indexOf("logPrice");
  return {
    format: GBDT_FORMAT, objective: "lambdamart", version: FEATURE_VERSION, names: FEATURE_NAMES, baseScore: 0, learningRate: 1,
    trees: [{ feature: [f, -1, -1], threshold: [4, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 1, 0], gain: [1, 0, 0] }],
    validationNdcg: [], options: {},
  };
}

describe("rerankRun", () => {
  it("re-ranks each query's top candidates by the ranker's scores, ties by id, and cuts at depth", async () => {
    const run = new Map<string, readonly (string | { id: string; score: number })[]>([["q1", ["a", "b", "c", "d"].map((id, i) => ({ id, score: 4 - i }))], ["q2", ["b", "a"]]]);
    const out = await rerankRun(run, [query("q1", "shoes"), query("q2", "shoes"), query("q3", "none")], priceStump(), context, { depth: 3 });
    // c (20 USD) scores 1; a (80) and b (120) score 0 and keep id order; d is beyond the depth.
    expect(out.get("q1")?.map((x) => x.id)).toEqual(["c", "a", "b"]);
    expect(out.get("q1")?.map((x) => x.score)).toEqual([1, 0, 0]);
    expect(out.get("q2")?.map((x) => x.id)).toEqual(["a", "b"]);
    expect(out.has("q3")).toBe(false);
  });

  it("refuses a ranker of another feature version, and a bad depth", async () => {
    const run = new Map([["q1", ["a"]]]);
    await expect(rerankRun(run, [query("q1", "shoes")], { ...priceStump(), version: "shop-features/0" }, context)).rejects.toThrow(/shop-features\/0/);
    await expect(rerankRun(run, [query("q1", "shoes")], priceStump(), context, { depth: 0 })).rejects.toThrow(/depth must be an integer >= 1, got 0/);
  });
});

describe("understoodBm25Run", () => {
  it("searches the corrected text and applies the boost and demotion, as one query through applyQueryUnderstanding", () => {
    const shop = { products, queries: [query("t1", "running shoes")].map((q) => ({ ...q, split: "train" })) as Query[] };
    const model = shopQueryUnderstanding(shop as never);
    const index = productBm25Index(products);
    const q = query("q1", "runing shoes");
    const run = understoodBm25Run(index, [q], model, products, { depth: 10 });
    const understood = understandQuery(q.text, model);
    expect(understood.corrected).toBe("running shoes");
    expect(correctedText(q.text, model)).toBe(understood.corrected);
    const want = applyQueryUnderstanding(index.search(understood.corrected, 10), understood, new Map(products.map((p) => [p.id, p])), model).hits;
    expect(run.get("q1")).toEqual(want.map((h) => ({ id: h.id, score: h.score })));
    expect(run.get("q1")?.slice(0, 2).map((x) => x.id).sort()).toEqual(["a", "b"]);
  });
});

describe("rerankTopByPairs", () => {
  it("re-orders each head by the pair scores in one call, ties by id, and keeps the tail in order below it", async () => {
    const run = new Map<string, readonly (string | { id: string; score: number })[]>([["q1", ["a", "b", "c", "d"].map((id, i) => ({ id, score: 4 - i }))], ["q2", ["b", "a"]]]);
    const calls: { query: string; id: string }[][] = [];
    const lengthOfTitle = async (pairs: readonly { query: string; id: string }[]) => {
      calls.push([...pairs]);
      return pairs.map((p) => (p.id === "c" ? 5 : p.id === "b" && p.query === "bottles" ? 1 : 0));
    };
    const out = await rerankTopByPairs(run, [query("q1", "shoes"), query("q2", "bottles"), query("q3", "none")], lengthOfTitle, 3);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual([{ query: "shoes", id: "a" }, { query: "shoes", id: "b" }, { query: "shoes", id: "c" }, { query: "bottles", id: "b" }, { query: "bottles", id: "a" }]);
    expect(out.get("q1")).toEqual([{ id: "c", score: 5 }, { id: "a", score: 0 }, { id: "b", score: 0 }, { id: "d", score: -1 }]);
    expect(out.get("q2")?.map((x) => x.id)).toEqual(["b", "a"]);
    expect(out.has("q3")).toBe(false);
  });

  it("names a scorer that returns the wrong count or a non-finite score, and a bad depth", async () => {
    const run = new Map([["q1", ["a", "b"]]]);
    await expect(rerankTopByPairs(run, [query("q1", "x")], async () => [1], 2)).rejects.toThrow("returned 1 scores for 2 pairs");
    await expect(rerankTopByPairs(run, [query("q1", "x")], async () => [1, NaN], 2)).rejects.toThrow("query q1, product b is NaN");
    await expect(rerankTopByPairs(run, [query("q1", "x")], async () => [], 0)).rejects.toThrow("depth must be an integer >= 1, got 0");
  });
});

describe("candidateRankingDataset", () => {
  it("adds the run's own score as a last column on request, and needs a scored run for it", async () => {
    const scored = new Map([["q1", [{ id: "a", score: 5 }, { id: "c", score: 3 }, { id: "b", score: 1 }]]]);
    const grade = (_q: string, id: string) => (id === "a" ? 2 : 0);
    const plain = await candidateRankingDataset(scored, [query("q1", "shoes")], grade, context, { depth: 3 });
    const staged = await candidateRankingDataset(scored, [query("q1", "shoes")], grade, context, { depth: 3, stageScore: true });
    expect(plain.version).toBe(FEATURE_VERSION);
    expect(staged.version).toBe(`${FEATURE_VERSION}+stageScore`);
    expect(staged.names).toEqual([...FEATURE_NAMES, "stageScore"]);
    const F = staged.columns;
    expect([0, 1, 2].map((i) => staged.values[i * F + F - 1])).toEqual([1, 0.5, 0]);
    expect(Array.from(staged.labels)).toEqual([2, 0, 0]);
    await expect(candidateRankingDataset(new Map([["q1", ["a", "b"]]]), [query("q1", "shoes")], grade, context, { stageScore: true })).rejects.toThrow('query q1\'s candidate 0 ("a") has no score');
  });
});
