import { describe, expect, it } from "vitest";
import { ESCI_GRADES, clickThroughByPosition, cumulativeShare, judgmentQrels, positionClickModel, topPopularityShare, type Judgment } from "shoplm";

describe("clickThroughByPosition", () => {
  it("divides clicks by impressions per position, 0 where nothing was shown, ignoring positions past the last", () => {
    const rows = [
      { position: 1, clicked: true },
      { position: 1, clicked: false },
      { position: 3, clicked: true },
      { position: 4, clicked: true },
    ];
    expect(clickThroughByPosition(rows, 3)).toEqual([0.5, 0, 1]);
    expect(() => clickThroughByPosition(rows, 0)).toThrow(/maxPosition must be a positive integer, got 0/);
  });
});

describe("positionClickModel", () => {
  it("smooths with one click in two extra impressions, and positions past the last share its estimate", () => {
    const rows = [
      { position: 1, clicked: true },
      { position: 1, clicked: true },
      { position: 2, clicked: false },
      { position: 5, clicked: true },
    ];
    const p = positionClickModel(rows, 3);
    expect(p(1)).toBeCloseTo(3 / 4, 15);
    expect(p(2)).toBeCloseTo(1 / 3, 15);
    expect(p(3)).toBeCloseTo(2 / 3, 15); // position 5 counted at the last position
    expect(p(9)).toBe(p(3));
    expect(() => positionClickModel([{ position: 0, clicked: true }], 3)).toThrow(/position 0; positions start at 1/);
  });
});

describe("the long tail", () => {
  it("cumulative shares of the values sorted from largest, and the top share at ceil(fraction * n)", () => {
    expect(cumulativeShare([1, 3, 2, 4])).toEqual([0.4, 0.7, 0.9, 1]);
    expect(cumulativeShare([0, 0])).toEqual([0, 0]);
    expect(topPopularityShare([1, 3, 2, 4], 0.5)).toBeCloseTo(0.7, 15);
    expect(topPopularityShare([10, 1, 1, 1, 1], 0.1)).toBeCloseTo(10 / 14, 15);
    expect(topPopularityShare([], 0.2)).toBe(0);
    expect(topPopularityShare([3, 1], 0)).toBe(0);
    expect(() => topPopularityShare([1], 1.5)).toThrow(/fraction must be between 0 and 1, got 1.5/);
  });
});

describe("judgmentQrels", () => {
  it("maps each query's judged products to ESCI grades (or given ones)", () => {
    const judgments = [
      { query: "q1", product: "p1", label: "E" },
      { query: "q1", product: "p2", label: "C" },
      { query: "q2", product: "p1", label: "I" },
    ] as unknown as Judgment[];
    const qrels = judgmentQrels(judgments);
    expect([...qrels.get("q1")!]).toEqual([["p1", ESCI_GRADES.E], ["p2", 1]]);
    expect(qrels.get("q2")!.get("p1")).toBe(0);
    expect(judgmentQrels(judgments, { E: 1, S: 0.1, C: 0.01, I: 0 }).get("q1")!.get("p2")).toBe(0.01);
  });
});
