/**
 * The A/B simulator and the off-policy estimate on the shop's own users and logs (fast world).
 */
import { describe, expect, it } from "vitest";
import {
  esciGrade,
  ipsEstimate,
  judgedPools,
  loadShop,
  popularityRanker,
  randomRanker,
  simulateAbTest,
  snipsEstimate,
  topSlotLog,
  type Product,
  type Query,
} from "shoplm";

const shop = loadShop("fast");
const pools = judgedPools(shop.judgments);
const products = new Map(shop.products.map((p) => [p.id, p]));
const gain = { E: 3, S: 2, C: 1, I: 0 } as const;
/** Knows the hidden intent: the best any ranker can do on grades. */
const oracle = (query: Query, candidates: readonly string[] = pools.get(query.id)!) =>
  [...candidates].sort((a, b) => gain[esciGrade(query.intent, products.get(b) as Product)] - gain[esciGrade(query.intent, products.get(a) as Product)] || (a < b ? -1 : 1));

describe("A/B test simulator", () => {
  it("a clearly better ranker wins on click-through, and the estimates bracket the model's truth", () => {
    const r = simulateAbTest(shop, randomRanker(pools, 1), (q) => oracle(q), { seed: 3 });
    expect(r.control.sessions + r.treatment.sessions).toBe(shop.sessions.filter((s) => s.split === "test" && s.events.some((e) => e.type === "search")).length);
    expect(r.treatment.expected.clickThrough).toBeGreaterThan(r.control.expected.clickThrough + 0.05);
    expect(r.clickThrough.difference).toBeGreaterThan(0);
    expect(r.clickThrough.pValue).toBeLessThan(0.001);
    for (const arm of [r.control, r.treatment]) {
      const sd = Math.sqrt((arm.expected.clickThrough * (1 - arm.expected.clickThrough)) / arm.sessions);
      expect(Math.abs(arm.clickThrough.value - arm.expected.clickThrough)).toBeLessThan(4 * sd);
      expect(arm.revenuePerSession.interval[0]).toBeLessThanOrEqual(arm.revenuePerSession.value);
    }
    expect(r.treatment.expected.revenuePerSession).toBeGreaterThan(r.control.expected.revenuePerSession);
  });

  it("an A/A test shows no real difference and is reproducible from its seed", () => {
    const popular = popularityRanker(pools, shop.products);
    const a = simulateAbTest(shop, popular, popular, { seed: 9 });
    expect(Math.abs(a.treatment.expected.clickThrough - a.control.expected.clickThrough)).toBeLessThan(0.03);
    expect(simulateAbTest(shop, popular, popular, { seed: 9 })).toEqual(a);
    expect(simulateAbTest(shop, popular, popular, { seed: 10 })).not.toEqual(a);
  });

  it("a ranker that returns a product the shop does not have is named in the error", () => {
    expect(() => simulateAbTest(shop, () => ["nope"], () => ["nope"], { seed: 1 })).toThrow(/the (control|treatment) ranker returned "nope" for q\d+, which is not a product of the shop/);
  });
});

describe("off-policy estimate on the logged shuffle traffic", () => {
  it("IPS and SNIPS estimate a new re-ranker's top-slot click-through close to the truth; the logged rate does not", () => {
    const log = topSlotLog(shop, (query, _user, shown) => oracle(query, shown));
    expect(log.searches).toBeGreaterThan(100);
    for (const estimate of [ipsEstimate(log.events), snipsEstimate(log.events)]) {
      expect(Math.abs(estimate.value - log.truth)).toBeLessThan(3 * estimate.standardError);
    }
    expect(log.truth).toBeGreaterThan(log.logged + 0.05);
  });
});
