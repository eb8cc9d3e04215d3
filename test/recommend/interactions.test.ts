/**
 * Dense interactions (lib/src/recommend/interactions.ts) and the leave-one-out split
 * (lib/src/recommend/leave-one-out.ts): indices, order, unknown items, duplicates, the shop's
 * sessions, and which users are evaluated.
 */
import { describe, expect, it } from "vitest";
import { interactionData, leaveOneOutSplit, loadShop, shopInteractions, trainWithValidation } from "shoplm";
import type { Session } from "shoplm";

const seq = (user: string, items: string[]) => ({ user, items, timestamps: null });

describe("interactionData", () => {
  it("indexes items by first appearance and keeps users in input order", () => {
    const d = interactionData([seq("b", ["x", "y", "x"]), seq("a", ["z", "y"])]);
    expect(d.itemIds).toEqual(["x", "y", "z"]);
    expect(d.userIds).toEqual(["b", "a"]);
    expect(d.sequences.map((s) => Array.from(s))).toEqual([[0, 1, 0], [2, 1]]);
    expect(d.itemIndex.get("z")).toBe(2);
  });

  it("uses the given catalog, so that items nobody touched are indexed too", () => {
    const d = interactionData([seq("u", ["c", "a"])], { items: ["a", "b", "c"] });
    expect(d.itemIds).toEqual(["a", "b", "c"]);
    expect(Array.from(d.sequences[0])).toEqual([2, 0]);
  });

  it("rejects an unknown item by default, naming user, position and item; drops it on request", () => {
    expect(() => interactionData([seq("u7", ["a", "q"])], { items: ["a", "b"] })).toThrow(/user "u7", position 1: item "q" is not in options.items/);
    const d = interactionData([seq("u1", ["a", "q", "b"]), seq("u2", ["q"])], { items: ["a", "b"], unknownItems: "drop" });
    expect(d.userIds).toEqual(["u1"]);
    expect(Array.from(d.sequences[0])).toEqual([0, 1]);
  });

  it("keeps repeats by default and collapses consecutive ones on request", () => {
    const s = [seq("u", ["a", "a", "b", "a", "a"])];
    expect(Array.from(interactionData(s).sequences[0])).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(interactionData(s, { duplicates: "collapse" }).sequences[0])).toEqual([0, 1, 0]);
  });

  it("rejects a user listed twice, an empty sequence and a duplicated catalog id", () => {
    expect(() => interactionData([seq("u", ["a"]), seq("u", ["b"])])).toThrow(/user "u" appears twice/);
    expect(() => interactionData([seq("u", [])])).toThrow(/has no items/);
    expect(() => interactionData([seq("u", ["a"])], { items: ["a", "a"] })).toThrow(/lists item "a" twice/);
    expect(() => interactionData([seq("u", ["a"])], { duplicates: "all" as never })).toThrow(/duplicates must be "keep" or "collapse"/);
  });
});

describe("shopInteractions", () => {
  const session = (id: string, user: string, start: string, events: Session["events"]): Session => ({ id, user, start, split: "train", events });
  const shop = {
    products: [{ id: "p1" }, { id: "p2" }, { id: "p3" }, { id: "p4" }],
    users: [{ id: "u1" }, { id: "u2" }, { id: "u3" }],
    sessions: [
      session("s2", "u1", "2026-01-02T00:00:00Z", [
        { t: 0, type: "search", query: "q", shown: ["p2", "p3"], policy: "ranker" },
        { t: 5, type: "click", product: "p3", position: 2 },
        { t: 9, type: "cart", product: "p3" },
        { t: 12, type: "purchase", product: "p3" },
      ]),
      session("s1", "u1", "2026-01-01T00:00:00Z", [
        { t: 0, type: "view", product: "p1" },
        { t: 3, type: "view", product: "p2" },
      ]),
      session("s3", "u2", "2026-01-01T00:00:00Z", [{ t: 0, type: "search", query: "q", shown: ["p1"], policy: "ranker" }]),
    ],
  };

  it("orders sessions by start, collapses click-cart-purchase of one product, keeps every product in the catalog", () => {
    const d = shopInteractions(shop);
    expect(d.itemIds).toEqual(["p1", "p2", "p3", "p4"]);
    expect(d.userIds).toEqual(["u1"]); // u2 only searched, u3 has no session
    expect(Array.from(d.sequences[0])).toEqual([0, 1, 2]);
  });

  it("can count only some event types, and rejects unknown ones", () => {
    expect(Array.from(shopInteractions(shop, { events: ["purchase"] }).sequences[0])).toEqual([2]);
    expect(Array.from(shopInteractions(shop, { duplicates: "keep" }).sequences[0])).toEqual([0, 1, 2, 2, 2]);
    expect(() => shopInteractions(shop, { events: ["search" as never] })).toThrow(/expected some of click, view, cart, purchase/);
  });

  it("reads the course's fast shop", () => {
    const s = loadShop("fast");
    const d = shopInteractions(s);
    expect(d.itemIds.length).toBe(s.products.length);
    expect(d.userIds.length).toBeGreaterThan(100);
    for (const q of d.sequences) for (let i = 1; i < q.length; i++) expect(q[i]).not.toBe(q[i - 1]);
  });
});

describe("leaveOneOutSplit", () => {
  it("holds out the last item for test and the second last for validation; short users train only", () => {
    const d = interactionData([seq("a", ["1", "2", "3", "4"]), seq("b", ["1", "2"]), seq("c", ["3", "2", "1"])]);
    const split = leaveOneOutSplit(d);
    expect(split.train.map((t) => Array.from(t))).toEqual([[0, 1], [0, 1], [2]]);
    expect(split.test.map((h) => [h.user, Array.from(h.history), h.target])).toEqual([
      [0, [0, 1, 2], 3],
      [2, [2, 1], 0],
    ]);
    expect(split.validation.map((h) => [h.user, Array.from(h.history), h.target])).toEqual([
      [0, [0, 1], 2],
      [2, [2], 1],
    ]);
  });

  it("trainWithValidation: the final fit trains on each test history, and the test targets stay unseen", () => {
    const d = interactionData([seq("a", ["1", "2", "3", "4"]), seq("b", ["1", "2"]), seq("c", ["3", "2", "1"])]);
    const split = leaveOneOutSplit(d);
    const refit = trainWithValidation(split);
    expect(refit.train.map((t) => Array.from(t))).toEqual([[0, 1, 2], [0, 1], [2, 1]]);
    expect(refit.validation).toEqual([]);
    expect(refit.test).toBe(split.test);
    for (const h of refit.test) expect(Array.from(refit.train[h.user])).toEqual(Array.from(h.history));
    // The plain split is left as it was.
    expect(split.train.map((t) => Array.from(t))).toEqual([[0, 1], [0, 1], [2]]);
    expect(() => trainWithValidation({} as never)).toThrow("expected a LeaveOneOutSplit");
  });
});
