import { describe, expect, it } from "vitest";
import { loadShop } from "../../lib/src/data/shop-files";
import { DEFAULT_CHOICE_PARAMS } from "../../lib/src/data/choice-model";
import { searchImpressions, type SearchImpression } from "../../lib/src/rank/click-logs";
import { emPropensities, propensityAt, shuffledPropensities } from "../../lib/src/rank/propensity";

// The generator's true examination curve, relative to position 1: read here only to grade the estimators.
const truth = Array.from({ length: 10 }, (_, k) => 1 / Math.pow(k + 1, DEFAULT_CHOICE_PARAMS.positionDecay));
const maxError = (values: readonly number[]): number => Math.max(...values.map((v, k) => Math.abs(v - truth[k])));

describe("position propensities", () => {
  // The full shop: 85,883 pages, 6,905 of them shuffled (the fast shop's 344 are too few for 0.05).
  const pages = searchImpressions(loadShop("full").sessions);

  it("recovers the examination curve from the shuffled traffic, within 0.05 at every position", () => {
    const p = shuffledPropensities(pages);
    expect(p.values[0]).toBe(1);
    expect(maxError(p.values)).toBeLessThan(0.05);
    // Observed 0.025 at most, about 2 standard errors (0.008 to 0.016).
    p.values.forEach((v, k) => expect(Math.abs(v - truth[k])).toBeLessThan(0.01 + 4 * p.standardErrors[k]));
    // The naive click-through rate by position, on all traffic, mixes relevance into the curve: it falls faster.
    const all = pages.flatMap((page) => page.products.map((_, i) => ({ i, c: page.clicked[i] })));
    const ctr = (k: number) => all.filter((r) => r.i === k).filter((r) => r.c).length / all.filter((r) => r.i === k).length;
    expect(ctr(4) / ctr(0)).toBeLessThan(truth[4] - 0.02);
  });

  it("recovers it by EM on all logs, not told which pages were shuffled, within 0.05; the log-likelihood never decreases", () => {
    const em = emPropensities(pages);
    expect(em.converged).toBe(true);
    expect(em.values[0]).toBe(1);
    expect(maxError(em.values)).toBeLessThan(0.05); // observed 0.035 (0.028 with minPairImpressions 30)
    for (let i = 1; i < em.logLikelihood.length; i++) expect(em.logLikelihood[i]).toBeGreaterThanOrEqual(em.logLikelihood[i - 1] - 1e-9 * Math.abs(em.logLikelihood[i]));
    for (const g of em.relevance.values()) expect(g).toBeGreaterThanOrEqual(0);
  });

  it("is deterministic and refuses what it cannot estimate", () => {
    const fast = searchImpressions(loadShop("fast").sessions);
    expect(emPropensities(fast, { minPairImpressions: 10 })).toEqual(emPropensities(fast, { minPairImpressions: 10 }));
    expect(shuffledPropensities(fast)).toEqual(shuffledPropensities(fast));
    const rankerOnly = fast.filter((p) => p.policy === "ranker");
    expect(() => shuffledPropensities(rankerOnly)).toThrow(/expected pages with policy "shuffle".*found none among \d+ pages/);
    expect(() => emPropensities([], {})).toThrow(/at least one page/);
    expect(() => emPropensities(fast, { maxPosition: 0 })).toThrow(/maxPosition must be a positive integer, got 0/);
    expect(() => emPropensities(fast, { minPairImpressions: 1e9 })).toThrow(/no \(query, product\) pair was shown at least/);
  });

  it("gives clipped propensities by position", () => {
    const page: SearchImpression = { session: "s", user: "u", split: "train", time: "2025-01-01T00:00:00Z", query: "q", products: ["a", "b", "c"], clicked: [true, true, false], policy: "shuffle" };
    const p = shuffledPropensities([page, { ...page, clicked: [true, false, false] }], { maxPosition: 3 });
    expect(p.values).toEqual([1, 0.5, 0]);
    const at = propensityAt(p, 0.1);
    expect([1, 2, 3, 7].map(at)).toEqual([1, 0.5, 0.1, 0.1]);
    expect(() => at(0)).toThrow(/position must be an integer >= 1, got 0/);
  });
});
