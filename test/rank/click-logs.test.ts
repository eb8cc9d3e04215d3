import { describe, expect, it } from "vitest";
import { loadShop } from "../../lib/src/data/shop-files";
import { impressions } from "../../lib/src/data/logs";
import type { Session } from "../../lib/src/data/records";
import { clicksByPosition, searchImpressions } from "../../lib/src/rank/click-logs";

const session = (events: Session["events"], split: Session["split"] = "train"): Session => ({ id: "s1", user: "u1", start: "2025-02-01T10:00:00Z", split, events });

describe("search impressions (click logs)", () => {
  it("groups a session's pages with their clicks, counting a repeated click once", () => {
    const pages = searchImpressions([
      session([
        { t: 0, type: "search", query: "q1", shown: ["a", "b", "c"], policy: "ranker" },
        { t: 5, type: "click", product: "b", position: 2 },
        { t: 9, type: "view", product: "x" },
        { t: 20, type: "click", product: "b", position: 2 },
        { t: 30, type: "search", query: "q2", shown: ["d", "e"], policy: "shuffle" },
        { t: 31, type: "click", product: "e", position: 2 },
        { t: 40, type: "cart", product: "e" },
      ]),
    ]);
    expect(pages).toEqual([
      { session: "s1", user: "u1", split: "train", time: "2025-02-01T10:00:00Z", query: "q1", products: ["a", "b", "c"], clicked: [false, true, false], policy: "ranker" },
      { session: "s1", user: "u1", split: "train", time: "2025-02-01T10:00:30Z", query: "q2", products: ["d", "e"], clicked: [false, true], policy: "shuffle" },
    ]);
    expect(searchImpressions([session([{ t: 0, type: "search", query: "q", shown: ["a"], policy: "ranker" }], "test")], { splits: ["train"] })).toEqual([]);
  });

  it("names the session and event of a click that does not match its page", () => {
    const bad = session([
      { t: 0, type: "search", query: "q1", shown: ["a", "b"], policy: "ranker" },
      { t: 1, type: "click", product: "z", position: 2 },
    ]);
    expect(() => searchImpressions([bad])).toThrow(/session s1, event 1: a click on "z" at position 2, but the page shows "b"/);
    expect(() => searchImpressions([session([{ t: 1, type: "click", product: "z", position: 1 }])])).toThrow(/before any search/);
  });

  it("agrees with chapter 0's per-row impressions on the shop", () => {
    const shop = loadShop("fast");
    const pages = searchImpressions(shop.sessions, { splits: ["train"] });
    const rows = impressions(shop.sessions).filter((r) => r.split === "train");
    expect(pages.reduce((n, p) => n + p.products.length, 0)).toBe(rows.length);
    expect(pages.reduce((n, p) => n + p.clicked.filter(Boolean).length, 0)).toBe(rows.filter((r) => r.clicked).length);
    const shuffled = searchImpressions(shop.sessions, { policies: ["shuffle"] });
    expect(shuffled.length).toBeGreaterThan(100);
    expect(shuffled.every((p) => p.policy === "shuffle")).toBe(true);
    const { shown, clicks } = clicksByPosition(pages, 10);
    expect(shown[0]).toBe(pages.length);
    expect(clicks[0]).toBeGreaterThan(clicks[9]); // position bias is visible in the raw counts
  });
});
