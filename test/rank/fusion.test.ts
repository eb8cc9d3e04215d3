import { describe, expect, it } from "vitest";
import { fuseRuns, linearFusion, reciprocalRankFusion } from "../../lib/src/rank/fusion";

describe("reciprocal rank fusion", () => {
  it("sums w / (k + rank) over the lists, worked by hand", () => {
    // keyword: a, b, c; dense: c, a, d (k = 60).
    const fused = reciprocalRankFusion([["a", "b", "c"], ["c", "a", "d"]]);
    const expected: Record<string, number> = { a: 1 / 61 + 1 / 62, c: 1 / 63 + 1 / 61, b: 1 / 62, d: 1 / 63 };
    expect(fused.map((x) => x.id)).toEqual(["a", "c", "b", "d"]);
    for (const x of fused) expect(x.score).toBeCloseTo(expected[x.id], 15);
  });

  it("k damps the head: k = 0 lets one list's first place win, a large k rewards agreement", () => {
    const lists = [["x", "y", "z"], ["w", "v", "y"]];
    expect(reciprocalRankFusion(lists, { k: 0 })[0].id).toBe("w"); // ties x and w at 1: id order
    expect(reciprocalRankFusion(lists, { k: 1000 })[0].id).toBe("y"); // in both lists
  });

  it("weights, depth, ties by id; the same input gives the same order", () => {
    const weighted = reciprocalRankFusion([["a"], ["b"]], { weights: [1, 2] });
    expect(weighted.map((x) => x.id)).toEqual(["b", "a"]);
    expect(reciprocalRankFusion([["b", "a"], ["a", "b"]]).map((x) => x.id)).toEqual(["a", "b"]);
    expect(reciprocalRankFusion([["a", "b", "c"]], { depth: 2 }).map((x) => x.id)).toEqual(["a", "b"]);
  });

  it("names what is wrong with bad input", () => {
    expect(() => reciprocalRankFusion([["a", "a"]])).toThrow(/list 0 holds "a" twice/);
    expect(() => reciprocalRankFusion([["a"]], { k: -1 })).toThrow(/k must be a finite number >= 0/);
    expect(() => reciprocalRankFusion([["a"], ["b"]], { weights: [1] })).toThrow(/1 weights for 2 lists/);
    expect(() => reciprocalRankFusion([["a", 3 as unknown as string]])).toThrow(/list 0, position 2: expected a product id/);
  });

  it("fuses whole runs query by query, a query missing from one run included", () => {
    const keyword = new Map([["q1", ["a", "b"]], ["q2", ["x"]]]);
    const dense = new Map([["q1", ["b", "c"]]]);
    const run = fuseRuns([keyword, dense], { cut: 2 });
    expect([...run.keys()]).toEqual(["q1", "q2"]);
    expect(run.get("q1")).toEqual(["b", "a"]);
    expect(run.get("q2")).toEqual(["x"]);
  });
});

describe("linear fusion of normalised scores", () => {
  const bm25 = new Map([["a", 12], ["b", 4], ["c", 8]]);
  const cosine = new Map([["c", 0.9], ["d", 0.7], ["a", 0.5]]);

  it("min-max per retriever, a product one retriever missed counted at 0, worked by hand", () => {
    const fused = linearFusion([bm25, cosine], { weights: [1, 1] });
    // bm25: a 1, b 0, c 0.5; cosine: c 1, d 0.5, a 0; missing -> 0.
    expect(fused.map((x) => x.id)).toEqual(["c", "a", "d", "b"]);
    [1.5, 1, 0.5, 0].forEach((score, i) => expect(fused[i].score).toBeCloseTo(score, 12));
  });

  it("z-scores: a missed product gets the retriever's lowest z-score; raw scores with none", () => {
    const z = linearFusion([bm25, cosine], { normalize: "zscore", weights: [0, 1] });
    const mean = 0.7;
    const sd = Math.sqrt((0.04 + 0 + 0.04) / 3);
    expect(z.find((x) => x.id === "c")!.score).toBeCloseTo((0.9 - mean) / sd, 12);
    expect(z.find((x) => x.id === "b")!.score).toBeCloseTo((0.5 - mean) / sd, 12);
    expect(linearFusion([bm25], { normalize: "none" })[0]).toEqual({ id: "a", score: 12 });
  });

  it("equal scores normalise to 1 under min-max, not NaN; bad scores are named", () => {
    expect(linearFusion([new Map([["a", 3], ["b", 3]]), new Map([["c", 1]])])).toEqual([
      { id: "a", score: 1 },
      { id: "b", score: 1 },
      { id: "c", score: 1 },
    ]);
    expect(() => linearFusion([new Map([["a", NaN]])])).toThrow(/the score of "a" is NaN/);
    expect(() => linearFusion([bm25], { normalize: "rank" as never })).toThrow(/normalize must be/);
  });
});
