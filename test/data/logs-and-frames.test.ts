import { beforeAll, describe, expect, it } from "vitest";
import {
  impressions,
  impressionsFrame,
  interactions,
  judgmentsFrame,
  loadShop,
  productsFrame,
  queriesFrame,
  sessionsFrame,
  userSequences,
  usersFrame,
  type LoadedShop,
  type Session,
} from "shoplm";

let shop: LoadedShop;
beforeAll(() => {
  shop = loadShop("fast");
});

const handMade: Session[] = [
  {
    id: "s1",
    user: "u1",
    start: "2025-02-01T10:00:00Z",
    split: "train",
    events: [
      { t: 0, type: "search", query: "q1", shown: ["p1", "p2", "p3"], policy: "ranker" },
      { t: 5, type: "click", product: "p2", position: 2 },
      { t: 30, type: "cart", product: "p2" },
      { t: 40, type: "view", product: "p7" },
      { t: 50, type: "search", query: "q2", shown: ["p4", "p2"], policy: "shuffle" },
      { t: 60, type: "click", product: "p4", position: 1 },
      { t: 90, type: "purchase", product: "p2" },
    ],
  },
  { id: "s0", user: "u1", start: "2025-01-01T09:00:00Z", split: "train", events: [{ t: 0, type: "view", product: "p9" }] },
];

describe("flat views of the logs", () => {
  it("impressions: one row per shown result, with click, cart and purchase credited to the list they came from", () => {
    const rows = impressions(handMade);
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => [r.query, r.position, r.product, r.clicked, r.carted, r.purchased, r.policy])).toEqual([
      ["q1", 1, "p1", false, false, false, "ranker"],
      ["q1", 2, "p2", true, true, true, "ranker"],
      ["q1", 3, "p3", false, false, false, "ranker"],
      ["q2", 1, "p4", true, false, false, "shuffle"],
      ["q2", 2, "p2", false, false, false, "shuffle"],
    ]);
    expect(rows[3].time).toBe("2025-02-01T10:00:50Z");
  });

  it("interactions and sequences: time order across sessions, clicks and views by default", () => {
    const rows = interactions(handMade);
    expect(rows.map((r) => r.type)).toEqual(["click", "cart", "view", "click", "purchase", "view"]);
    expect(rows[0]).toMatchObject({ query: "q1", position: 2, time: "2025-02-01T10:00:05Z" });
    expect(rows[1]).toMatchObject({ query: null, position: null });
    expect(userSequences(handMade).get("u1")).toEqual(["p9", "p2", "p7", "p4"]);
    expect(userSequences(handMade, { types: ["purchase"] }).get("u1")).toEqual(["p2"]);
    expect(userSequences(handMade, { splits: ["test"] }).size).toBe(0);
  });

  it("on the shipped fast world, impressions match the searches and clicks in the log", () => {
    const rows = impressions(shop.sessions);
    const searches = shop.sessions.flatMap((s) => s.events.filter((e) => e.type === "search"));
    expect(rows).toHaveLength(searches.reduce((n, e) => n + (e.type === "search" ? e.shown.length : 0), 0));
    const clicks = shop.sessions.reduce((n, s) => n + s.events.filter((e) => e.type === "click").length, 0);
    expect(rows.filter((r) => r.clicked).length).toBe(clicks);
  });
});

describe("DataFrames", () => {
  it("products: one row per product, attributes as columns", () => {
    const df = productsFrame(shop.products.slice(0, 50));
    expect(df.shape).toEqual([50, 22]);
    expect(df.columns.slice(0, 4)).toEqual(["id", "title", "brand", "category"]);
    expect(df.column("price").values).toEqual(shop.products.slice(0, 50).map((p) => expect.closeTo(p.price, 3)));
    expect(df.column("colour").values).toEqual(shop.products.slice(0, 50).map((p) => p.attributes.colour ?? null));
  });

  it("queries, judgments, users, sessions and impressions convert with the documented columns", () => {
    expect(queriesFrame(shop.queries).shape).toEqual([shop.queries.length, 9]);
    const j = judgmentsFrame(shop.judgments.slice(0, 100));
    expect(j.columns).toEqual(["query", "product", "label", "gain"]);
    expect(usersFrame(shop.users.slice(0, 10)).shape).toEqual([10, 9]);
    const s = sessionsFrame(shop.sessions.slice(0, 20));
    expect(s.column("events").values).toEqual(shop.sessions.slice(0, 20).map((x) => x.events.length));
    const imp = impressionsFrame(impressions(shop.sessions.slice(0, 50)));
    expect(imp.columns).toContain("clicked");
  });
});
