/**
 * Ranking metrics on hand-computed worked examples, tie rules, bad input and whole-run
 * evaluation. The randomised comparison with scikit-learn and independent definitions is in
 * reference.test.ts.
 */
import {
  averagePrecision,
  dcgAtK,
  evaluateRun,
  hitAtK,
  idealDcgAtK,
  ndcgAtK,
  orderRanking,
  pairedValues,
  perQueryValues,
  precisionAtK,
  recallAtK,
  reciprocalRank,
  rPrecision,
  type ScoredDoc,
} from "shoplm";
import { compareCodePoints } from "../../lib/src/eval/ranking";

// Ranked d1..d5; relevant: d1, d3, d5 retrieved and d9 judged relevant but never retrieved (R = 4).
const ranked = ["d1", "d2", "d3", "d4", "d5"];
const judged = { d1: 1, d2: 0, d3: 2, d5: 1, d9: 1 };

describe("binary metrics on a worked example (R = 4, one relevant document not retrieved)", () => {
  it("precision@k divides by k, also when fewer than k documents were retrieved", () => {
    expect(precisionAtK(ranked, judged, 1)).toBe(1);
    expect(precisionAtK(ranked, judged, 3)).toBeCloseTo(2 / 3, 15);
    expect(precisionAtK(ranked, judged, 5)).toBeCloseTo(3 / 5, 15);
    expect(precisionAtK(ranked, judged, 10)).toBeCloseTo(3 / 10, 15);
  });

  it("recall@k and R-precision divide by R, the relevant documents judged for the query", () => {
    expect(recallAtK(ranked, judged, 2)).toBeCloseTo(1 / 4, 15);
    expect(recallAtK(ranked, judged, 5)).toBeCloseTo(3 / 4, 15);
    expect(rPrecision(ranked, judged)).toBeCloseTo(2 / 4, 15); // precision at rank 4
  });

  it("average precision averages precision at each relevant document over all R", () => {
    expect(averagePrecision(ranked, judged)).toBeCloseTo((1 / 1 + 2 / 3 + 3 / 5) / 4, 15);
    // AP@2 keeps R = 4 as its denominator (trec_eval's map_cut)
    expect(averagePrecision(ranked, judged, 2)).toBeCloseTo(1 / 4, 15);
  });

  it("reciprocal rank and hit@k look at the first relevant document", () => {
    expect(reciprocalRank(["d2", "d4", "d3"], judged)).toBeCloseTo(1 / 3, 15);
    expect(reciprocalRank(["d2", "d4", "d3"], judged, 2)).toBe(0);
    expect(hitAtK(["d2", "d4", "d3"], judged, 2)).toBe(0);
    expect(hitAtK(["d2", "d4", "d3"], judged, 3)).toBe(1);
  });

  it("the relevance threshold changes what counts as relevant (trec_eval -l)", () => {
    // with threshold 2 only d3 is relevant
    expect(precisionAtK(ranked, judged, 5, { relevanceThreshold: 2 })).toBeCloseTo(1 / 5, 15);
    expect(averagePrecision(ranked, judged, undefined, { relevanceThreshold: 2 })).toBeCloseTo(1 / 3, 15);
    expect(reciprocalRank(ranked, judged, undefined, { relevanceThreshold: 2 })).toBeCloseTo(1 / 3, 15);
  });

  it("a query with no relevant document scores 0 (not NaN)", () => {
    const none = { d1: 0, d2: 0 };
    expect(recallAtK(ranked, none, 5)).toBe(0);
    expect(averagePrecision(ranked, none)).toBe(0);
    expect(rPrecision(ranked, none)).toBe(0);
    expect(ndcgAtK(ranked, none, 5)).toBe(0);
  });

  it("an empty ranking scores 0 everywhere", () => {
    expect(precisionAtK([], judged, 3)).toBe(0);
    expect(recallAtK([], judged, 3)).toBe(0);
    expect(averagePrecision([], judged)).toBe(0);
    expect(reciprocalRank([], judged)).toBe(0);
    expect(ndcgAtK([], judged, 3)).toBe(0);
  });
});

describe("DCG and NDCG", () => {
  // The graded example of Järvelin and Kekäläinen's DCG as popularised on Wikipedia: six ranked
  // documents with grades 3, 2, 3, 0, 1, 2 and two more judged but unretrieved (grades 3, 2).
  const docs = ["a", "b", "c", "d", "e", "f"];
  const grades = { a: 3, b: 2, c: 3, d: 0, e: 1, f: 2, g: 3, h: 2 };

  it("DCG sums grade / log2(rank + 1) (linear gain, trec_eval's)", () => {
    const expected = 3 / 1 + 2 / Math.log2(3) + 3 / 2 + 0 + 1 / Math.log2(6) + 2 / Math.log2(7);
    expect(dcgAtK(docs, grades)).toBeCloseTo(expected, 14);
    expect(dcgAtK(docs, grades, 3)).toBeCloseTo(3 + 2 / Math.log2(3) + 3 / 2, 14);
  });

  it("the ideal DCG is built from every judged document, retrieved or not", () => {
    const ideal6 = 3 + 3 / Math.log2(3) + 3 / 2 + 2 / Math.log2(5) + 2 / Math.log2(6) + 2 / Math.log2(7);
    expect(idealDcgAtK(grades, 6)).toBeCloseTo(ideal6, 14);
    const dcg6 = 3 + 2 / Math.log2(3) + 3 / 2 + 1 / Math.log2(6) + 2 / Math.log2(7);
    expect(ndcgAtK(docs, grades, 6)).toBeCloseTo(dcg6 / ideal6, 14);
    expect(ndcgAtK(docs, grades, 6)).toBeCloseTo(0.785, 3);
  });

  it("exponential gain is 2^grade - 1", () => {
    const g = { x: 2, y: 0, z: 1 };
    expect(dcgAtK(["x", "y", "z"], g, undefined, { gain: "exponential" })).toBeCloseTo(3 + 0 + 1 / 2, 14);
    expect(ndcgAtK(["x", "y", "z"], g, undefined, { gain: "exponential" })).toBeCloseTo(3.5 / (3 + 1 / Math.log2(3)), 14);
    // and differs from linear gain on the same input
    expect(ndcgAtK(["z", "x"], g, undefined, { gain: "exponential" })).not.toBeCloseTo(ndcgAtK(["z", "x"], g), 3);
  });

  it("a perfect ranking has NDCG 1 at every cutoff", () => {
    const perfect = ["a", "c", "g", "b", "f", "h", "e", "d"];
    for (const k of [1, 2, 3, 5, 8, 20]) expect(ndcgAtK(perfect, grades, k)).toBeCloseTo(1, 14);
  });
});

describe("tie rules", () => {
  const tied: ScoredDoc[] = [
    { docId: "a", score: 0.5 },
    { docId: "b", score: 0.5 },
  ];
  const aRelevant = { a: 1, b: 0 };

  it('"trec" orders equal scores by document id descending (b before a)', () => {
    expect(orderRanking(tied).map((d) => d.docId)).toEqual(["b", "a"]);
    expect(precisionAtK(tied, aRelevant, 1)).toBe(0);
    expect(reciprocalRank(tied, aRelevant)).toBe(0.5);
    expect(averagePrecision(tied, aRelevant)).toBe(0.5);
  });

  it('"average" gives the expected value over both orders', () => {
    const o = { ties: "average" as const };
    expect(precisionAtK(tied, aRelevant, 1, o)).toBe(0.5);
    expect(reciprocalRank(tied, aRelevant, undefined, o)).toBe(0.75);
    expect(averagePrecision(tied, aRelevant, undefined, o)).toBe(0.75);
    expect(hitAtK(tied, aRelevant, 1, o)).toBe(0.5);
    // DCG shares the mean gain over the tied positions (scikit-learn's ndcg_score)
    expect(dcgAtK(tied, aRelevant, undefined, o)).toBeCloseTo(0.5 * (1 + 1 / Math.log2(3)), 15);
  });

  it("scores decide the order, not the input order; plain id lists keep their order", () => {
    const shuffled: ScoredDoc[] = [
      { docId: "low", score: 1 },
      { docId: "high", score: 9 },
    ];
    expect(orderRanking(shuffled).map((d) => d.docId)).toEqual(["high", "low"]);
    expect(orderRanking(["z", "a", "m"]).map((d) => d.docId)).toEqual(["z", "a", "m"]);
  });

  it("document ids compare by code point (strcmp on UTF-8), not by UTF-16 unit", () => {
    const emoji = "\u{1F600}"; // U+1F600, stored as surrogates 0xD83D 0xDE00
    const fullwidth = "\uFF5E"; // U+FF5E
    expect(emoji < fullwidth).toBe(true); // JavaScript's UTF-16 order
    expect(compareCodePoints(emoji, fullwidth)).toBeGreaterThan(0); // code point order
    const docs: ScoredDoc[] = [
      { docId: fullwidth, score: 1 },
      { docId: emoji, score: 1 },
    ];
    expect(orderRanking(docs).map((d) => d.docId)).toEqual([emoji, fullwidth]);
  });
});

describe("bad input gets a clear error", () => {
  it("k < 1 or not an integer", () => {
    expect(() => precisionAtK(ranked, judged, 0)).toThrow(/integer >= 1, got 0/);
    expect(() => recallAtK(ranked, judged, 2.5)).toThrow(/integer >= 1, got 2.5/);
    expect(() => ndcgAtK(ranked, judged, -1)).toThrow(/integer >= 1/);
  });

  it("NaN scores and duplicated documents", () => {
    expect(() => precisionAtK([{ docId: "a", score: NaN }], judged, 1)).toThrow(/"a".*score NaN/);
    expect(() => precisionAtK(["a", "b", "a"], judged, 1)).toThrow(/"a" appears twice/);
  });

  it("grades outside the declared scale", () => {
    expect(() => ndcgAtK(ranked, { d1: -1 }, 3)).toThrow(/grade -1, outside the declared scale \[0, Infinity\]/);
    expect(() => ndcgAtK(ranked, { d1: 4 }, 3, { scale: { min: 0, max: 3 } })).toThrow(/grade 4, outside the declared scale \[0, 3\]/);
    expect(() => ndcgAtK(ranked, { d1: NaN }, 3)).toThrow(/expected a finite number/);
    // a declared scale may allow negative grades: they are non-relevant with gain 0
    expect(ndcgAtK(["d1", "d2"], { d1: -2, d2: 1 }, 2, { scale: { min: -2, max: 3 } })).toBeCloseTo(1 / Math.log2(3), 15);
  });

  it("unknown options", () => {
    // @ts-expect-error testing a wrong tie rule from untyped callers
    expect(() => precisionAtK(ranked, judged, 1, { ties: "random" })).toThrow(/ties must be "trec" or "average"/);
    // @ts-expect-error testing a wrong gain from untyped callers
    expect(() => ndcgAtK(ranked, judged, 1, { gain: "log" })).toThrow(/gain must be "linear" or "exponential"/);
  });
});

describe("evaluateRun", () => {
  const run = {
    q1: [
      { docId: "a", score: 3 },
      { docId: "x", score: 2 }, // never judged
      { docId: "b", score: 1 },
    ],
    q2: ["c", "d"],
    q3: ["e"], // not in the qrels
  };
  const qrels = {
    q1: { a: 1, b: 0, c: 1 },
    q2: { c: 0, d: 0 }, // no relevant document
    q4: { f: 2 }, // not in the run
  };

  it("returns per-query values, means, and reports unjudged documents and skipped queries", () => {
    const r = evaluateRun(run, qrels, ["precision@2", "ap", "rr", "ndcg@3", "hit@1"]);
    expect(r.queries).toEqual(["q1", "q2"]);
    expect(r.perQuery.get("q1")).toEqual({
      "precision@2": 0.5,
      ap: 0.5,
      rr: 1,
      "ndcg@3": 1 / (1 + 1 / Math.log2(3)),
      "hit@1": 1,
    });
    expect(r.perQuery.get("q2")).toEqual({ "precision@2": 0, ap: 0, rr: 0, "ndcg@3": 0, "hit@1": 0 });
    expect(r.mean.ap).toBe(0.25);
    expect(r.mean["hit@1"]).toBe(0.5);
    expect(r.unjudged.total).toBe(1);
    expect(r.unjudged.perQuery.get("q1")).toBe(1);
    expect(r.skipped).toEqual({ notJudged: ["q3"], notRetrieved: ["q4"] });
    expect(r.withoutRelevant).toEqual(["q2"]);
  });

  it('missing: "zero" counts judged queries absent from the run as 0 (trec_eval -c)', () => {
    const r = evaluateRun(run, qrels, ["ap"], { missing: "zero" });
    expect(r.queries).toEqual(["q1", "q2", "q4"]);
    expect(r.perQuery.get("q4")).toEqual({ ap: 0 });
    expect(r.mean.ap).toBeCloseTo(0.5 / 3, 15);
    expect(r.skipped.notRetrieved).toEqual([]);
  });

  it("accepts Maps as well as records, with the same result", () => {
    const asMap = new Map(Object.entries(run));
    const qrelsMap = new Map(Object.entries(qrels).map(([q, j]) => [q, new Map(Object.entries(j))]));
    const a = evaluateRun(run, qrels, ["ndcg", "recall@3"]);
    const b = evaluateRun(asMap, qrelsMap, ["ndcg", "recall@3"]);
    expect(b.mean).toEqual(a.mean);
    expect(Array.from(b.perQuery.entries())).toEqual(Array.from(a.perQuery.entries()));
  });

  it("rejects unknown metrics, missing cutoffs and disjoint query sets", () => {
    // @ts-expect-error not a metric
    expect(() => evaluateRun(run, qrels, ["bleu"])).toThrow(/unknown metric "bleu"/);
    // @ts-expect-error precision needs a cutoff
    expect(() => evaluateRun(run, qrels, ["precision"])).toThrow(/needs a cutoff, e.g. "precision@10"/);
    expect(() => evaluateRun(run, qrels, ["precision@0"])).toThrow(/cutoff "0"; expected an integer >= 1/);
    expect(() => evaluateRun({ z: ["a"] }, qrels, ["ap"])).toThrow(/no query is both in the run/);
  });

  it("pairedValues aligns two evaluations and refuses mismatched query sets", () => {
    const other = { q1: ["b", "a"], q2: ["d", "c"] };
    const a = evaluateRun(run, qrels, ["rr"]);
    const b = evaluateRun(other, qrels, ["rr"]);
    expect(pairedValues(a, b, "rr")).toEqual({ queries: ["q1", "q2"], a: [1, 0], b: [0.5, 0] });
    expect(perQueryValues(a, "rr")).toEqual([1, 0]);
    const c = evaluateRun(run, qrels, ["rr"], { missing: "zero" });
    expect(() => pairedValues(a, c, "rr")).toThrow(/cover different queries.*only in the second: 1 \[q4\]/);
  });
});
