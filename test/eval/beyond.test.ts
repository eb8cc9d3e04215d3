import {
  catalogCoverage,
  categoryDiversity,
  cosineDistance,
  embeddingDiversity,
  exposureGini,
  giniIndex,
  groupExposure,
  intraListDiversity,
  itemExposure,
  longTailShare,
  novelty,
  popularityHead,
} from "shoplm";

const lists = [
  ["a", "b", "c"],
  ["a", "d", "b"],
];
const catalog = ["a", "b", "c", "d", "e", "f", "g", "h"];

describe("coverage", () => {
  it("counts distinct recommended items over the catalog", () => {
    expect(catalogCoverage(lists, catalog)).toBe(4 / 8);
    expect(catalogCoverage(lists, catalog, { k: 1 })).toBe(1 / 8);
    expect(catalogCoverage(lists, 10)).toBe(0.4);
  });

  it("refuses items outside the catalog and impossible sizes", () => {
    expect(() => catalogCoverage([["a", "zz"]], catalog)).toThrow(/1 recommended item\(s\) are not in the catalog, e.g. "zz"/);
    expect(() => catalogCoverage(lists, 3)).toThrow(/show 4 distinct items but the catalog size is 3/);
    expect(() => catalogCoverage(lists, catalog, { k: 0 })).toThrow(/integer >= 1, got 0/);
  });
});

describe("intra-list diversity", () => {
  it("on categories: the share of pairs in different categories", () => {
    const category = { a: "shoes", b: "shoes", c: "bags", d: "hats" };
    // pairs (a,b) same, (a,c) and (b,c) differ -> 2 of 3
    expect(categoryDiversity(["a", "b", "c"], category)).toBeCloseTo(2 / 3, 15);
    expect(categoryDiversity(["a", "c", "d"], new Map(Object.entries(category)))).toBe(1);
    expect(categoryDiversity(["a"], category)).toBe(0);
    expect(() => categoryDiversity(["a", "x"], category)).toThrow(/item "x" has no category/);
  });

  it("on embeddings: mean pairwise cosine distance", () => {
    const emb = { a: [1, 0], b: [0, 1], c: [-1, 0], d: [2, 0] };
    expect(cosineDistance(emb.a, emb.d)).toBeCloseTo(0, 15);
    expect(cosineDistance(emb.a, emb.c)).toBeCloseTo(2, 15);
    // pairs: (a,b) 1, (a,c) 2, (b,c) 1 -> 4/3
    expect(embeddingDiversity(["a", "b", "c"], emb)).toBeCloseTo(4 / 3, 15);
    expect(() => cosineDistance([0, 0], [1, 0])).toThrow(/zero vector/);
    expect(() => cosineDistance([1], [1, 0])).toThrow(/lengths 1 and 2/);
  });

  it("takes any distance", () => {
    expect(intraListDiversity([1, 4, 6], (x, y) => Math.abs(x - y))).toBeCloseTo((3 + 5 + 2) / 3, 15);
  });
});

describe("novelty and popularity bias", () => {
  const popularity = { a: 4, b: 1, c: 2, d: 0, e: 8, f: 0, g: 0, h: 0 };

  it("novelty is the mean self-information -log2(count / population)", () => {
    expect(novelty(["a", "b"], popularity, 8)).toBeCloseTo((1 + 3) / 2, 15);
    expect(novelty(["e"], popularity, 8)).toBe(0);
    expect(() => novelty(["d"], popularity, 8)).toThrow(/never interacted with.*smoothing/);
    expect(novelty(["d"], popularity, 8, { smoothing: 1 })).toBeCloseTo(-Math.log2(1 / 9), 15);
    expect(() => novelty(["a"], { a: 9 }, 8)).toThrow(/popularity 9; expected a count between 0 and the population 8/);
  });

  it("the popularity head is the top fraction of the catalog, ties broken by id", () => {
    expect(Array.from(popularityHead(popularity, 0.25)).sort()).toEqual(["a", "e"]);
    // 3 of 8 rounds up; d, f, g, h tie at 0 but only the top 3 count
    expect(Array.from(popularityHead(popularity, 0.3)).sort()).toEqual(["a", "c", "e"]);
    expect(Array.from(popularityHead({ y: 1, x: 1, z: 1 }, 0.34))).toEqual(["x", "y"]);
  });

  it("long-tail share is the fraction of recommended slots outside the head", () => {
    // head (25%) = {e, a}; slots: a b c | a d b -> tail slots b c d b = 4 of 6
    expect(longTailShare(lists, popularity, { headFraction: 0.25 })).toBeCloseTo(4 / 6, 15);
    expect(longTailShare(lists, popularity, { headFraction: 0.25, k: 1 })).toBe(0);
    expect(() => longTailShare([["zz"]], popularity)).toThrow(/item "zz" \(list 0\) is missing from popularity/);
  });

  it("Gini index: 0 for equal values, (n - 1) / n for all mass on one", () => {
    expect(giniIndex([5, 5, 5, 5])).toBe(0);
    expect(giniIndex([0, 0, 0, 7])).toBeCloseTo(3 / 4, 15);
    expect(giniIndex([1, 2, 3])).toBeCloseTo((-2 * 1 + 0 * 2 + 2 * 3) / (3 * 6), 15);
    expect(giniIndex([0, 0])).toBe(0);
    expect(() => giniIndex([1, -1])).toThrow(/value 1 is -1/);
  });
});

describe("exposure", () => {
  it("item exposure sums position weights; log weights are the DCG discount", () => {
    expect(itemExposure(lists)).toEqual(new Map([["a", 2], ["b", 2], ["c", 1], ["d", 1]]));
    const log = itemExposure(lists, { weighting: "log" });
    expect(log.get("a")).toBe(2);
    expect(log.get("b")).toBeCloseTo(1 / Math.log2(3) + 1 / Math.log2(4), 15);
  });

  it("exposure Gini counts catalog items never shown as 0", () => {
    // exposures over 8 items: 2, 2, 1, 1, 0, 0, 0, 0
    expect(exposureGini(lists, catalog)).toBeCloseTo(giniIndex([2, 2, 1, 1, 0, 0, 0, 0]), 15);
    expect(exposureGini(lists, catalog)).toBeGreaterThan(exposureGini(lists, ["a", "b", "c", "d"]));
    expect(() => exposureGini([["zz"]], catalog)).toThrow(/"zz" is not in the catalog/);
  });

  it("exposure per brand: summed weights and share", () => {
    const brand = (item: string) => ({ a: "acme", b: "acme", c: "zeta", d: "zeta" })[item];
    const uniform = groupExposure(lists, brand);
    expect(Array.from(uniform.keys())).toEqual(["acme", "zeta"]);
    expect(uniform.get("acme")).toEqual({ exposure: 4, share: 4 / 6, slots: 4 });
    const log = groupExposure(lists, brand, { weighting: "log" });
    const acme = 1 + 1 / Math.log2(3) + 1 + 1 / Math.log2(4);
    const zeta = 1 / Math.log2(4) + 1 / Math.log2(3);
    expect(log.get("acme")?.share).toBeCloseTo(acme / (acme + zeta), 15);
    expect(() => groupExposure([["x"]], brand)).toThrow(/item "x" \(list 0, rank 1\) has no group/);
  });
});
