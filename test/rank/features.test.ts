import { describe, expect, it } from "vitest";
import { checkFeatureVersion, featureContext, features, featuresWith, withStageScore, STAGE_FEATURE_VERSION, FEATURE_NAMES, FEATURE_VERSION, FEATURES, type LoggedInteraction } from "../../lib/src/rank/features";
import { productBm25Index } from "../../lib/src/rank/bm25";
import { userVector } from "../../lib/src/embed/user-vector";
import { shoesAndBottles, tinyProduct } from "../fixtures/tiny-catalog";

const products = [...shoesAndBottles(), tinyProduct("e", "trail shoes", "shoes", 100)];
const vectors = new Map<string, Float32Array>([
  ["a", Float32Array.from([1, 0, 0])],
  ["b", Float32Array.from([0.8, 0.6, 0])],
  ["c", Float32Array.from([0, 0, 1])],
  ["d", Float32Array.from([0, 0.6, 0.8])],
]);
const log: LoggedInteraction[] = [
  { user: "u1", product: "c", time: "2025-01-01T00:00:00Z" },
  { user: "u1", product: "a", time: "2025-01-31T00:00:00Z" },
  { user: "u2", product: "a", time: "2025-02-10T00:00:00Z" },
  { user: "u1", product: "b", time: "2025-03-01T00:00:00Z" },
];
const context = featureContext({
  products,
  productVectors: vectors,
  embedQuery: () => Float32Array.from([2, 0, 0]),
  intent: async () => new Map([["shoes", 0.7], ["bottles", 0.3]]),
  interactions: log,
  halfLifeDays: 30,
});
const col = (name: string) => FEATURE_NAMES.indexOf(name);

describe("ranking features", () => {
  it("lists its columns once, documented and versioned", () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const f of FEATURES) expect(f.description.length).toBeGreaterThan(10);
    expect(FEATURE_VERSION).toMatch(/^shop-features\/\d+$/);
  });

  it("featuresWith gives features' rows from a query vector and intent computed ahead, with no await", async () => {
    const want = await features("running shoes", "u1", ["a", "b", "c", "e"], context, { time: "2025-02-15T00:00:00Z" });
    const got = featuresWith("running shoes", { vector: Float32Array.from([2, 0, 0]), intent: new Map([["shoes", 0.7], ["bottles", 0.3]]) }, "u1", ["a", "b", "c", "e"], context, { time: "2025-02-15T00:00:00Z" });
    expect(got).toEqual(want);
    const noIntent = featuresWith("running shoes", { vector: Float32Array.from([2, 0, 0]), intent: null }, null, ["a"], context);
    expect(noIntent.values[col("categoryProbability")]).toBe(0);
    expect(() => featuresWith("x", { vector: Float32Array.from([1, 0, 0]), intent: null }, null, ["zz"], context)).toThrow('product 0 ("zz") is not in the feature context');
  });

  it("withStageScore appends the first stage's score, min-max normalised over the candidates, under its own version", async () => {
    const rows = await features("running shoes", null, ["a", "b", "c"], context);
    const out = withStageScore(rows, [3, 1, 2]);
    const F = FEATURE_NAMES.length;
    expect(out.version).toBe(STAGE_FEATURE_VERSION);
    expect(out.names).toEqual([...FEATURE_NAMES, "stageScore"]);
    expect([0, 1, 2].map((i) => out.values[i * (F + 1) + F])).toEqual([1, 0, 0.5]);
    expect(Array.from(out.values.subarray(F + 1, 2 * F + 1))).toEqual(Array.from(rows.values.subarray(F, 2 * F)));
    expect([0, 1].map((i) => withStageScore(rows, [2, 2, 2]).values[i * (F + 1) + F])).toEqual([1, 1]);
    expect(() => withStageScore(rows, [1, 2])).toThrow("2 stage scores for 3 products");
    expect(() => withStageScore(rows, [1, NaN, 2])).toThrow('product 1 ("b") is NaN');
    expect(() => withStageScore(out, [1, 2, 3])).toThrow(/shop-features\/1\+stageScore/);
  });

  it("computes each feature by its definition, with only the log before the query's time", async () => {
    const rows = await features("running shoes", "u1", ["a", "b", "c", "e"], context, { time: "2025-02-15T00:00:00Z" });
    expect(rows.productIds).toEqual(["a", "b", "c", "e"]);
    const F = FEATURE_NAMES.length;
    const at = (i: number, name: string) => rows.values[i * F + col(name)];
    expect(at(0, "cosine")).toBeCloseTo(1, 6);
    expect(at(1, "cosine")).toBeCloseTo(0.8, 6);
    expect(at(2, "cosine")).toBeCloseTo(0, 6);
    expect(at(3, "cosine")).toBe(0); // no embedding
    const bm25 = productBm25Index(products).scorePool("running shoes", ["a", "b", "c", "e"]);
    [0, 1, 2, 3].forEach((i) => expect(at(i, "bm25")).toBeCloseTo(bm25[i], 5));
    expect(at(0, "bm25")).toBeGreaterThan(at(3, "bm25"));
    expect(at(0, "categoryProbability")).toBeCloseTo(0.7, 6);
    expect(at(2, "categoryProbability")).toBeCloseTo(0.3, 6);
    expect([0, 1, 2, 3].map((i) => at(i, "categoryTop1"))).toEqual([1, 1, 0, 1]);
    expect(at(0, "logPrice")).toBeCloseTo(Math.log(81), 5);
    // shoes: 80, 100, 120 -> median 100.
    expect(at(1, "relativePrice")).toBeCloseTo(Math.log(1.2), 5);
    // Before Feb 15: a twice (u1, u2), c once, b not yet.
    expect(at(0, "logInteractions")).toBeCloseTo(Math.log(3), 5);
    expect(at(1, "logInteractions")).toBe(0);
    expect([0, 1, 2, 3].map((i) => at(i, "cold"))).toEqual([0, 1, 0, 1]);
    expect(at(0, "hasHistory")).toBe(1);
    // u1's past: c (45 days before), a (15 days before), half-life 30 days.
    const wc = Math.pow(0.5, 45 / 30);
    const wa = Math.pow(0.5, 15 / 30);
    const u = [wa / (wa + wc), 0, wc / (wa + wc)];
    const norm = Math.hypot(...u);
    expect(at(0, "userCosine")).toBeCloseTo(u[0] / norm, 5);
    expect(at(2, "userCosine")).toBeCloseTo(u[2] / norm, 5);
    expect(at(0, "userCategoryShare")).toBeCloseTo(0.5, 6);
    const meanLog = (Math.log(20) + Math.log(80)) / 2;
    expect(at(1, "userPriceGap")).toBeCloseTo(Math.abs(Math.log(120) - meanLog), 5);
  });

  it("gives an anonymous or new shopper zeros for the history features", async () => {
    for (const user of [null, "nobody"]) {
      const rows = await features("water bottle", user, products, context);
      const F = FEATURE_NAMES.length;
      for (let i = 0; i < products.length; i++) {
        for (const name of ["hasHistory", "userCosine", "userCategoryShare", "userPriceGap"]) expect(rows.values[i * F + col(name)]).toBe(0);
      }
    }
  });

  it("counts the whole log when no time is given", async () => {
    const rows = await features("shoes", null, ["b"], context);
    expect(rows.values[col("logInteractions")]).toBeCloseTo(Math.log(2), 5);
    expect(rows.values[col("cold")]).toBe(0);
  });

  it("names what is wrong with bad input", async () => {
    await expect(features("x", null, ["zz"], context)).rejects.toThrow(/product 0 \("zz"\) is not in the feature context's catalog/);
    await expect(features("x", null, ["a"], context, { time: "yesterday" })).rejects.toThrow(/not an ISO time/);
    const wrongDim = featureContext({ products, productVectors: vectors, embedQuery: () => new Float32Array(4), interactions: [] });
    await expect(features("x", null, ["a"], wrongDim)).rejects.toThrow(/dimension 4 and 3/);
    expect(() => featureContext({ products: [], productVectors: vectors, embedQuery: () => new Float32Array(3), interactions: [] })).toThrow(/at least one product/);
    expect(() => checkFeatureVersion({ version: "shop-features/0", names: [] })).toThrow(/"shop-features\/0", expected "shop-features\/1"/);
  });
});

describe("the user vector", () => {
  const history = [
    { product: "a", time: "2025-01-01T00:00:00Z" },
    { product: "c", time: "2025-01-11T00:00:00Z" },
    { product: "zz", time: "2025-01-12T00:00:00Z" },
  ];

  it("is the recency-weighted mean of past products' embeddings", () => {
    const v = userVector(history, vectors, { now: "2025-01-21T00:00:00Z", halfLifeDays: 10 }) as Float32Array;
    // a is 20 days old (weight 1/4), c 10 days (1/2); zz has no embedding.
    expect(Array.from(v).map((x) => +x.toFixed(6))).toEqual([+(0.25 / 0.75).toFixed(6), 0, +(0.5 / 0.75).toFixed(6)]);
  });

  it("ignores the future, and is the plain mean without decay", () => {
    const v = userVector(history, vectors, { now: "2025-01-05T00:00:00Z", halfLifeDays: 1 }) as Float32Array;
    expect(Array.from(v)).toEqual([1, 0, 0]);
    const mean = userVector(history, vectors, { halfLifeDays: Infinity }) as Float32Array;
    expect(Array.from(mean)).toEqual([0.5, 0, 0.5]);
  });

  it("is null without history, and refuses bad settings", () => {
    expect(userVector([], vectors)).toBeNull();
    expect(userVector(history, vectors, { now: "2024-01-01T00:00:00Z" })).toBeNull();
    expect(() => userVector(history, vectors, { halfLifeDays: 0 })).toThrow(/halfLifeDays must be positive/);
    expect(() => userVector([{ product: "a", time: "soon" }], vectors)).toThrow(/event 0's time is not an ISO time/);
  });
});
