/**
 * MMR re-ranking (lib/src/rank/mmr.ts): hand-worked cases (lambda 1 keeps the relevance order,
 * lambda 0 maximises diversity, a middle lambda worked step by step), deterministic ties, an
 * independent brute-force MMR on random lists, and the trade-off curve against the eval library.
 */
import { describe, expect, it } from "vitest";
import { categoryDiversity, embeddingDiversity, evaluateRun, giniIndex, groupExposure, Rng } from "shoplm";
import { embeddingSimilarity, mmrRerank, mmrTradeOff } from "../../lib/src/rank/mmr";

// a and b are near duplicates; d is unlike everything.
const SIM: Record<string, number> = { "a|b": 0.9, "a|c": 0.1, "a|d": 0, "b|c": 0.2, "b|d": 0, "c|d": 0.3 };
const sim = (x: string, y: string): number => (x === y ? 1 : SIM[[x, y].sort().join("|")]);
const candidates = [
  { id: "a", score: 10 },
  { id: "b", score: 9 },
  { id: "c", score: 5 },
  { id: "d", score: 0 },
];

describe("mmrRerank", () => {
  it("lambda 1 is the relevance order and never calls the similarity", () => {
    let calls = 0;
    const out = mmrRerank(candidates, { lambda: 1, similarity: (x, y) => (calls++, sim(x, y)) });
    expect(out.map((x) => x.id)).toEqual(["a", "b", "c", "d"]);
    expect(calls).toBe(0);
    // Min-max relevance: (s - 0) / (10 - 0).
    expect(out.map((x) => x.relevance)).toEqual([1, 0.9, 0.5, 0]);
  });

  it("lambda 0.5, worked by hand: a (0.5), then c (0.25 - 0.05), then b (0.45 - 0.45), then d (0 - 0.15)", () => {
    const out = mmrRerank(candidates, { lambda: 0.5, similarity: sim });
    expect(out.map((x) => x.id)).toEqual(["a", "c", "b", "d"]);
    const expected = [0.5, 0.2, 0, -0.15];
    out.forEach((x, i) => expect(x.score).toBeCloseTo(expected[i], 12));
    expect(out.map((x) => x.maxSimilarity)).toEqual([0, 0.1, 0.9, 0.3]);
  });

  it("lambda 0: the most relevant first (the tie of all zeros), then each pick least like those chosen", () => {
    // After a: b 0.9, c 0.1, d 0 -> d. After d: b max(0.9, 0) = 0.9, c max(0.1, 0.3) = 0.3 -> c, then b.
    expect(mmrRerank(candidates, { lambda: 0, similarity: sim }).map((x) => x.id)).toEqual(["a", "d", "c", "b"]);
    expect(mmrRerank(candidates, { lambda: 0, similarity: sim, k: 2 }).map((x) => x.id)).toEqual(["a", "d"]);
  });

  it("ties: the higher relevance, then the earlier candidate; the same input gives the same output", () => {
    const zero = () => 0;
    const same = [{ id: "y", score: 1 }, { id: "x", score: 1 }, { id: "z", score: 1 }];
    expect(mmrRerank(same, { lambda: 0.5, similarity: zero }).map((x) => x.id)).toEqual(["y", "x", "z"]);
    expect(mmrRerank([...same].reverse(), { lambda: 0.5, similarity: zero }).map((x) => x.id)).toEqual(["z", "x", "y"]);
    // All-equal scores are relevance 1 (min-max of a constant list).
    expect(mmrRerank(same, { lambda: 0.5, similarity: zero })[0].relevance).toBe(1);
    // lambda 0 with equal diversity: the more relevant of the two wins.
    const two = mmrRerank([{ id: "p", score: 3 }, { id: "q", score: 2 }, { id: "r", score: 1 }], { lambda: 0, similarity: (u, v) => (u === "p" || v === "p" ? 0.5 : 0) });
    expect(two.map((x) => x.id)).toEqual(["p", "q", "r"]);
  });

  it("agrees with a brute-force MMR (max similarity recomputed over the selected set at every step) on random lists", () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(rng.next() * 25);
      const dim = 4;
      const vectors = new Map<string, number[]>();
      const list = Array.from({ length: n }, (_, i) => {
        const id = `p${i}`;
        vectors.set(id, Array.from({ length: dim }, () => rng.next() - 0.3));
        return { id, score: Math.round(rng.next() * 5) }; // rounded: ties happen
      });
      const lambda = Math.round(rng.next() * 10) / 10;
      const k = 1 + Math.floor(rng.next() * n);
      const cos = (u: string, v: string): number => {
        const a = vectors.get(u) as number[];
        const b = vectors.get(v) as number[];
        const dot = a.reduce((s, x, i) => s + x * b[i], 0);
        return dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
      };
      // Brute force, written from the paper's formula.
      const lo = Math.min(...list.map((c) => c.score));
      const hi = Math.max(...list.map((c) => c.score));
      const rel = (c: { score: number }) => (hi > lo ? (c.score - lo) / (hi - lo) : 1);
      const chosen: string[] = [];
      const left = [...list];
      while (chosen.length < k) {
        const scored = left.map((c, i) => ({ i, c, s: lambda * rel(c) - (1 - lambda) * (chosen.length ? Math.max(...chosen.map((s) => cos(c.id, s))) : 0) }));
        scored.sort((x, y) => y.s - x.s || rel(y.c) - rel(x.c) || x.i - y.i);
        chosen.push(scored[0].c.id);
        left.splice(scored[0].i, 1);
      }
      const out = mmrRerank(list, { lambda, k, embeddings: vectors });
      // Scores equal to rounding can order differently; compare selections where the brute force has no near tie.
      expect(out.map((x) => x.id)).toEqual(chosen);
    }
  });

  it("names what is wrong with bad input", () => {
    expect(() => mmrRerank(candidates, { lambda: 1.5, similarity: sim })).toThrow(/lambda must be a number in \[0, 1\], got 1.5/);
    expect(() => mmrRerank(candidates, { lambda: 0.5 })).toThrow(/give exactly one of similarity .* or embeddings/);
    expect(() => mmrRerank([{ id: "a", score: 1 }, { id: "a", score: 2 }], { lambda: 0.5, similarity: sim })).toThrow(/"a" is a candidate twice/);
    expect(() => mmrRerank([{ id: "a", score: NaN }], { lambda: 0.5, similarity: sim })).toThrow(/candidate 0 \("a"\) has score NaN/);
    expect(() => mmrRerank(candidates, { lambda: 0.5, k: -1, similarity: sim })).toThrow(/k must be an integer >= 0/);
    expect(() => mmrRerank(candidates, { lambda: 0.5, embeddings: new Map([["a", [1, 0]]]) })).toThrow(/item "b" has no embedding/);
    expect(mmrRerank([], { lambda: 0.5, similarity: sim })).toEqual([]);
  });

  it("embeddingSimilarity is the cosine", () => {
    const s = embeddingSimilarity({ u: [1, 0], v: [1, 1], w: [0, 3] });
    expect(s("u", "v")).toBeCloseTo(Math.SQRT1_2, 12);
    expect(s("u", "w")).toBeCloseTo(0, 12);
  });
});

describe("mmrTradeOff", () => {
  // Two queries over eight products in four brands; each query's relevant products are near duplicates.
  const rng = new Rng(3);
  const ids = Array.from({ length: 8 }, (_, i) => `p${i}`);
  const base = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const embeddings = new Map(ids.map((id, i) => [id, base[i % 3].map((x) => x + 0.05 * rng.next())]));
  const brandOf = new Map(ids.map((id, i) => [id, `brand${i % 4}`]));
  // Ranked by direction: the near duplicates p0, p3, p6 head q1's list.
  const order = ["p0", "p3", "p6", "p1", "p4", "p7", "p2", "p5"];
  const run = new Map([
    ["q1", order.map((id, i) => ({ id, score: 8 - i }))],
    ["q2", [...order].reverse().map((id, i) => ({ id, score: 8 - i }))],
  ]);
  const qrels = new Map([
    ["q1", new Map([["p0", 1], ["p3", 1], ["p1", 0.1]])],
    ["q2", new Map([["p7", 1], ["p4", 0.1]])],
  ]);
  const queries = [{ id: "q1", kind: "synonym" as const }, { id: "q2", kind: "vague" as const }];
  const points = mmrTradeOff({ run, queries, qrels, embeddings, brandOf, k: 4, depth: 8, lambdas: [1, 0.5, 0] });

  it("lambda 1 scores the run itself; measures are the eval library's", () => {
    const top = new Map([...run].map(([q, l]) => [q, l.slice(0, 4).map((x) => x.id)]));
    const e = evaluateRun(top, qrels, ["ndcg@10"], { relevanceThreshold: 1, scale: { min: 0, max: 1 } });
    expect(points[0].lambda).toBe(1);
    expect(points[0].ndcg10).toBeCloseTo(e.mean["ndcg@10"], 12);
    expect(points[0].byKind.synonym).toBeCloseTo(e.perQuery.get("q1")?.["ndcg@10"] as number, 12);
    const lists = [...top.values()];
    expect(points[0].diversity).toBeCloseTo((embeddingDiversity(lists[0], embeddings) + embeddingDiversity(lists[1], embeddings)) / 2, 12);
    expect(points[0].brandDiversity).toBeCloseTo((categoryDiversity(lists[0], brandOf) + categoryDiversity(lists[1], brandOf)) / 2, 12);
    const exposure = groupExposure(lists, brandOf, { weighting: "log" });
    expect(points[0].brandExposureGini).toBeCloseTo(giniIndex(["brand0", "brand1", "brand2", "brand3"].map((b) => exposure.get(b)?.exposure ?? 0)), 12);
  });

  it("lowering lambda trades relevance for diversity", () => {
    expect(points[2].diversity).toBeGreaterThan(points[0].diversity);
    expect(points[2].ndcg10).toBeLessThanOrEqual(points[0].ndcg10);
    expect(() => mmrTradeOff({ run, queries, qrels, embeddings, brandOf, k: 4, depth: 3 })).toThrow(/depth must be an integer >= k \(4\)/);
  });
});
