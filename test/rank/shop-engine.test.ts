import { describe, expect, it } from "vitest";
import type { Query } from "../../lib/src/data/records";
import { productBm25Index } from "../../lib/src/rank/bm25";
import { shopQueryUnderstanding } from "../../lib/src/rank/query-understanding";
import { ShopEngine, type EngineReranker } from "../../lib/src/rank/shop-engine";
import { featureContext, FEATURE_NAMES, FEATURE_VERSION } from "../../lib/src/rank/features";
import { GBDT_FORMAT, type BoostedRanker } from "../../lib/src/rank/lambdamart";
import { LearnedReranker } from "../../lib/src/rank/rerank";
import { shoesAndBottles, tinyProduct } from "../fixtures/tiny-catalog";

const products = [...shoesAndBottles(), tinyProduct("e", "trail sneakers", "shoes", 90)];
const unit = (v: number[]) => Float32Array.from(v.map((x) => x / Math.hypot(...v)));
const productVectors = new Map([["a", unit([1, 0, 0])], ["b", unit([1, 0.2, 0])], ["c", unit([0, 0, 1])], ["d", unit([0, 0.3, 1])], ["e", unit([0.9, 0, 0.1])]]);
const interactions = [
  { user: "u1", product: "d", time: "2025-01-01T00:00:00Z" },
  { user: "u1", product: "c", time: "2025-01-02T00:00:00Z" },
  { user: "u2", product: "a", time: "2025-03-01T00:00:00Z" },
];
const queries = [{ id: "t1", text: "running shoes", split: "train", corrected: null, intent: { targets: [{ category: "shoes" }] } }] as unknown as Query[];
const parts = {
  products,
  bm25: productBm25Index(products),
  understanding: shopQueryUnderstanding({ products, queries } as never),
  productVectors,
  interactions,
};
const embed = async (texts: readonly string[]) => Float32Array.from(texts.flatMap((t) => [...(t.includes("sneaker") || t.includes("shoe") ? unit([1, 0, 0]) : unit([0, 0, 1]))]));

describe("ShopEngine", () => {
  it("BM25 alone, then each stage: spelling, the dense mix (finds what words miss), personalisation", async () => {
    const plain = new ShopEngine(parts, { understanding: false, dense: false, personalisation: false });
    // Without understanding the typo is searched as typed: only "shoes" matches.
    expect(plain.search("runing shoes", null, 3).searched).toBe("runing shoes");
    expect(plain.search("runing", null, 3).items).toEqual([]);
    const spelled = plain.with({ understanding: true }).search("runing shoes", null, 5);
    expect(spelled.searched).toBe("running shoes");
    expect(spelled.notes.join(" ")).toMatch(/searched "running shoes" for "runing shoes"/);
    // "sneakers" matches only e by words; the dense stage brings the other shoes in.
    const words = plain.search("sneakers", null, 5).items.map((h) => h.id);
    expect(words).toEqual(["e"]);
    const dense = plain.with({ dense: true });
    await dense.prepareQueries(["sneakers"], embed);
    expect(dense.search("sneakers", null, 3).items.map((h) => h.id).sort()).toEqual(["a", "b", "e"]);
    // u1 looked at bottles: personalisation lifts the bottles within the same query's candidates.
    const both = dense.with({ personalisation: true });
    await both.prepareQueries(["bottle shoes"], embed);
    const anonymous = both.search("bottle shoes", null, 5);
    const personal = both.search("bottle shoes", "u1", 5);
    expect(anonymous.stages.personalisation).toBe(false);
    expect(personal.stages.personalisation).toBe(true);
    const rankOf = (answer: typeof personal, id: string) => answer.items.findIndex((h) => h.id === id);
    expect(rankOf(personal, "d")).toBeLessThanOrEqual(rankOf(anonymous, "d"));
    expect(personal.items.find((h) => h.id === "d")!.score).toBeGreaterThan(anonymous.items.find((h) => h.id === "d")!.score);
    // Other weights share the prepared queries; weight 0 scores as the anonymous list does.
    const unweighted = both.with({}, { personalWeight: 0 });
    expect(unweighted.personalWeight).toBe(0);
    expect(unweighted.search("bottle shoes", "u1", 5).items).toEqual(anonymous.items);
    expect(() => both.with({}, { personalWeight: -1 })).toThrow(/personalWeight must be a finite number >= 0, got -1/);
  });

  it("says why a stage did not run: unknown shopper, no history before the time, no query vector, only stop words", async () => {
    const engine = new ShopEngine(parts);
    const unknown = engine.search("water bottle", "nobody", 3);
    expect(unknown.notes.join(" ")).toMatch(/unknown shopper "nobody".*not personalised/);
    expect(unknown.notes.join(" ")).toMatch(/no query vector prepared/);
    expect(unknown.stages).toEqual({ understanding: true, dense: false, rerank: false, personalisation: false });
    expect(engine.search("water bottle", "u2", 3, { time: "2025-02-01T00:00:00Z" }).notes.join(" ")).toMatch(/"u2" has no history before 2025-02-01/);
    const stop = engine.search("the and of !!", null, 3);
    expect(stop.items).toEqual([]);
    expect(stop.notes.join(" ")).toMatch(/no keyword/);
    const long = engine.search("bottle ".repeat(2000), null, 2);
    expect(long.items.map((h) => h.id).sort()).toEqual(["c", "d"]);
  });

  it("k = 0 gives nothing; k larger than the catalog gives at most the catalog, and says so; bad k and options are errors", () => {
    const engine = new ShopEngine(parts, { understanding: true, dense: false, personalisation: false });
    expect(engine.search("shoes", null, 0).items).toEqual([]);
    const big = engine.search("shoes", null, 50);
    expect(big.items.length).toBeLessThanOrEqual(products.length);
    expect(big.notes.join(" ")).toMatch(/k = 50 is larger than the catalog \(5 products\)/);
    expect(() => engine.search("shoes", null, -1)).toThrow(/k must be an integer >= 0, got -1/);
    expect(() => new ShopEngine({ products, bm25: parts.bm25 })).toThrow(/understanding stage needs parts.understanding/);
    expect(() => new ShopEngine({ ...parts, denseWeight: 2 })).toThrow(/denseWeight must be in \[0, 1\], got 2/);
  });

  it("recommends from the shopper's vector without what they had; unknown or history-less shoppers get the popular products, with a note", () => {
    const engine = new ShopEngine(parts);
    const u1 = engine.recommend("u1", 2);
    expect(u1.items.map((h) => h.id)).not.toContain("c");
    expect(u1.items.map((h) => h.id)).not.toContain("d");
    expect(u1.notes).toEqual([]);
    const stranger = engine.recommend("nobody", 2);
    expect(stranger.notes.join(" ")).toMatch(/unknown shopper "nobody": the most popular products/);
    expect(stranger.items.length).toBe(2);
    expect(engine.recommend("u2", 3, { time: "2025-02-01T00:00:00Z" }).notes.join(" ")).toMatch(/no usable history/);
  });

  it("re-ranks the top of the list with the reranker, keeps the rest below it, and prepares the corrected texts", async () => {
    const prepared: string[][] = [];
    const cheapFirst: EngineReranker = {
      name: "cheap first",
      depth: 2,
      prepareQueries: async (texts) => void prepared.push([...texts]),
      score: (_query, _user, hits) => hits.map((h) => -(products.find((p) => p.id === h.id)!.price)),
    };
    const base = new ShopEngine({ ...parts, reranker: cheapFirst }, { dense: false, personalisation: false });
    expect(base.stages.rerank).toBe(true);
    await base.prepareQueries(["runing shoes"], embed);
    expect(prepared).toEqual([["running shoes"]]);
    const without = base.with({ rerank: false }).search("running shoes trail", null, 5).items.map((h) => h.id);
    const withIt = base.search("running shoes trail", null, 5);
    // The stage added to a prepared engine gives the same answer.
    expect(new ShopEngine(parts, { dense: false, personalisation: false }).with({ rerank: true }, { reranker: cheapFirst }).search("running shoes trail", null, 5)).toEqual(withIt);
    // The first two of the plain list swap to cheapest first; the rest keep their order below them.
    const head = without.slice(0, 2).sort((x, y) => products.find((p) => p.id === x)!.price - products.find((p) => p.id === y)!.price);
    expect(withIt.items.map((h) => h.id)).toEqual([...head, ...without.slice(2)]);
    expect(withIt.items[0].score).toBe(1);
    expect(withIt.items[1].score).toBe(0);
    expect(withIt.items.slice(2).every((h) => h.score <= -1)).toBe(true);
    // Without a reranker the stage is off by default, and asking for it is an error.
    expect(new ShopEngine(parts).stages.rerank).toBe(false);
    expect(() => new ShopEngine(parts, { rerank: true })).toThrow(/rerank stage needs parts.reranker/);
    expect(() => new ShopEngine({ ...parts, reranker: { ...cheapFirst, depth: 0 } })).toThrow(/reranker.depth must be an integer >= 1, got 0/);
    const short: EngineReranker = { ...cheapFirst, score: () => [1] };
    expect(() => new ShopEngine({ ...parts, reranker: short }, { dense: false, personalisation: false }).search("running shoes", null, 3)).toThrow(/cheap first gave 1 scores for 2 candidates/);
  });

  it("runs a learned ranker over chapter 3's features as that stage (a price stump puts the cheaper shoe first)", async () => {
    const context = featureContext({ products, productVectors, embedQuery: (t) => (t.includes("shoe") ? unit([1, 0, 0]) : unit([0, 0, 1])), interactions: [] });
    const f = FEATURE_NAMES.indexOf("logPrice");
    const stump: BoostedRanker = {
      format: GBDT_FORMAT, objective: "lambdamart", version: FEATURE_VERSION, names: FEATURE_NAMES, baseScore: 0, learningRate: 1,
      trees: [{ feature: [f, -1, -1], threshold: [Math.log1p(100), 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 1, 0], gain: [1, 0, 0] }],
      validationNdcg: [], options: {},
    };
    const reranker = new LearnedReranker(stump, context, { depth: 3 });
    const engine = new ShopEngine({ ...parts, reranker }, { dense: false, personalisation: false });
    expect(() => engine.search("blue running shoes", null, 3)).toThrow(/"blue running shoes" was not prepared/);
    await engine.prepareQueries(["blue running shoes"], embed);
    const plain = engine.with({ rerank: false }).search("blue running shoes", null, 3).items.map((h) => h.id);
    expect(plain[0]).toBe("b");
    const answer = engine.search("blue running shoes", null, 3).items.map((h) => h.id);
    expect(answer[0]).toBe("a");
    expect(answer.slice().sort()).toEqual(plain.slice().sort());
    // A model trained with the stage score reads the engine's own score as its last column:
    // a stump on it alone keeps the engine's order.
    const stageStump: BoostedRanker = {
      ...stump,
      version: `${FEATURE_VERSION}+stageScore`,
      names: [...FEATURE_NAMES, "stageScore"],
      trees: [{ feature: [FEATURE_NAMES.length, -1, -1], threshold: [0.999, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 0, 1], gain: [1, 0, 0] }],
    };
    const staged = new LearnedReranker(stageStump, context, { depth: 3 });
    expect(staged.stageScore).toBe(true);
    const stagedEngine = new ShopEngine({ ...parts, reranker: staged }, { dense: false, personalisation: false });
    await stagedEngine.prepareQueries(["blue running shoes"], embed);
    expect(stagedEngine.search("blue running shoes", null, 3).items[0].id).toBe(plain[0]);
    expect(() => new LearnedReranker({ ...stump, version: "shop-features/0" }, context)).toThrow(/shop-features\/0/);
  });
});
