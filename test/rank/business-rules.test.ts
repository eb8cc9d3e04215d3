/**
 * Business rules as filters (lib/src/rank/business-rules.ts): each rule's verdict, k kept, order
 * kept, the deeper fetch triggered when filtering leaves fewer than k, a clear shortfall when the
 * catalog cannot give k, and the same on the shop with BM25 as the retriever.
 */
import { describe, expect, it } from "vitest";
import { loadShop, productBm25Index } from "shoplm";
import { businessRules, topKWithRules } from "../../lib/src/rank/business-rules";

const product = (id: string, price: number, brand = "Acme", category = "earbuds", launchDate = "2024-01-01") => ({ id, price, brand, category, launchDate });
// p0..p29: price = 10 * i; every third is brand Zed; p25.. launch in 2025-03.
const catalog = Array.from({ length: 30 }, (_, i) => product(`p${String(i).padStart(2, "0")}`, 10 * i, i % 3 === 0 ? "Zed" : "Acme", i % 5 === 0 ? "kettles" : "earbuds", i >= 25 ? "2025-03-01" : "2024-01-01"));
const ids = catalog.map((p) => p.id);

/** A retriever over `ids` in order that records the depths it was asked for. */
function recording(list: readonly string[]) {
  const depths: number[] = [];
  return { depths, retrieve: (depth: number) => (depths.push(depth), list.slice(0, depth)) };
}

describe("businessRules", () => {
  it("gives each product the first rule it breaks, or null", () => {
    const check = businessRules(catalog, { availableOn: "2025-01-31", outOfStock: ["p01"], minPrice: 20, maxPrice: 250, excludeBrands: ["Zed"], excludeCategories: ["kettles"] });
    expect(check("p26")).toBe("not-launched");
    expect(check("p01")).toBe("out-of-stock");
    expect(check("p00")).toBe("price"); // also Zed and kettles: price is checked first
    expect(check("p02")).toBe(null);
    expect(check("p03")).toBe("brand");
    expect(check("p10")).toBe("category");
    expect(check("p23")).toBe(null); // 230 <= 250, Acme, earbuds
    expect(check("nope")).toBe("unknown-product");
    const only = businessRules(catalog, { includeBrands: new Set(["Zed"]), includeCategories: ["earbuds"] });
    expect(ids.filter((id) => only(id) === null)).toEqual(["p03", "p06", "p09", "p12", "p18", "p21", "p24", "p27"]);
    // Launched on the day itself: orderable.
    expect(businessRules(catalog, { availableOn: "2025-03-01" })("p29")).toBe(null);
  });

  it("names what is wrong with bad rules", () => {
    expect(() => businessRules(catalog, { availableOn: "31/01/2025" })).toThrow(/availableOn must be a date YYYY-MM-DD, got "31\/01\/2025"/);
    expect(() => businessRules(catalog, { minPrice: 50, maxPrice: 10 })).toThrow(/minPrice \(50\) is above maxPrice \(10\)/);
    expect(() => businessRules(catalog, { maxPrice: -1 })).toThrow(/maxPrice must be a finite number >= 0/);
    expect(() => businessRules(catalog, { excludeBrands: "Zed" as unknown as string[] })).toThrow(/excludeBrands must be a list or set of strings/);
    expect(() => businessRules(catalog, { inStock: true } as unknown as object)).toThrow(/unknown rule "inStock"/);
  });
});

describe("topKWithRules", () => {
  it("keeps k and the retriever's order without a deeper fetch when the first over-fetch is enough", async () => {
    const r = recording(ids);
    const check = businessRules(catalog, { excludeBrands: ["Zed"] });
    const out = await topKWithRules(r.retrieve, 5, check);
    expect(out.items).toEqual(["p01", "p02", "p04", "p05", "p07"]);
    expect(out).toMatchObject({ complete: true, fetches: 1, depth: 10, exhausted: false, shortfall: null });
    expect(r.depths).toEqual([10]);
    expect(out.removed).toEqual({ brand: 3 }); // p00, p03, p06
  });

  it("fetches deeper (depth doubling) when filtering leaves fewer than k, and still returns k in order", async () => {
    const r = recording(ids);
    const check = businessRules(catalog, { minPrice: 150 }); // p15 onwards
    const out = await topKWithRules(r.retrieve, 4, check);
    expect(r.depths).toEqual([8, 16, 32]); // 8 -> none, 16 -> p15 only, 32 -> exhausted at 30 but 4 pass
    expect(out.items).toEqual(["p15", "p16", "p17", "p18"]);
    expect(out.complete).toBe(true);
    expect(out.fetches).toBe(3);
    // The same items as filtering the whole ranking and cutting at k.
    expect(out.items).toEqual(ids.filter((id) => check(id) === null).slice(0, 4));
  });

  it("says when the catalog cannot give k: the retriever is exhausted, or maxDepth stops it", async () => {
    const check = businessRules(catalog, { includeBrands: ["Zed"], maxPrice: 60 }); // p00, p03, p06
    const out = await topKWithRules(recording(ids).retrieve, 5, check);
    expect(out.items).toEqual(["p00", "p03", "p06"]);
    expect(out.complete).toBe(false);
    expect(out.exhausted).toBe(true);
    expect(out.shortfall).toMatch(/only 3 of the retriever's 30 results pass the rules \(removed: .*\); it has nothing more, so fewer than k = 5/);
    const capped = await topKWithRules(recording(ids).retrieve, 5, businessRules(catalog, { minPrice: 200 }), { maxDepth: 12 });
    expect(capped).toMatchObject({ items: [], complete: false, exhausted: false, depth: 12 });
    expect(capped.shortfall).toMatch(/maxDepth \(12\) stops a deeper fetch/);
  });

  it("takes scored hits and async retrievers; k = 0 fetches nothing", async () => {
    const hits = ids.map((id, i) => ({ id, score: 30 - i }));
    const out = await topKWithRules(async (d) => hits.slice(0, d), 2, businessRules(catalog, { excludeCategories: ["kettles"] }), { overFetch: 1 });
    expect(out.items).toEqual([hits[1], hits[2]]);
    expect(out.depth).toBe(4); // 2 (p00 removed, one short) then 4
    expect(await topKWithRules(() => { throw new Error("not called"); }, 0, () => null)).toMatchObject({ items: [], complete: true, fetches: 0 });
  });

  it("names what is wrong with bad input", async () => {
    const check = businessRules(catalog, {});
    await expect(topKWithRules(recording(ids).retrieve, -1, check)).rejects.toThrow(/k must be an integer >= 0, got -1/);
    await expect(topKWithRules(recording(ids).retrieve, 2, check, { overFetch: 0.5 })).rejects.toThrow(/overFetch must be a number >= 1/);
    await expect(topKWithRules(() => ["p01", "p01"], 2, check)).rejects.toThrow(/returned "p01" twice/);
    await expect(topKWithRules(() => ids, 2, check)).rejects.toThrow(/retrieve\(4\) returned 30 items; expected at most 4/);
    let calls = 0;
    const unstable = (d: number) => (calls++ === 0 ? ["p00", "p01"] : ["p01", "p00", "p02"]).slice(0, d);
    await expect(topKWithRules(unstable, 2, businessRules(catalog, { excludeBrands: ["Zed"] }), { overFetch: 1 })).rejects.toThrow(/disagrees with the shallower call at rank 1/);
  });
});

describe("rules on the shop, BM25 as the retriever", () => {
  const shop = loadShop("fast");
  const index = productBm25Index(shop.products);

  it("a price range and availability keep k = 10 in BM25 order, fetching deeper as needed", async () => {
    const byId = new Map(shop.products.map((p) => [p.id, p]));
    const check = businessRules(shop.products, { maxPrice: 40, availableOn: "2025-01-01" });
    const query = shop.queries.find((q) => index.search(q.text, 1000).filter((h) => check(h.id) === null).length >= 10 && index.search(q.text, 20).filter((h) => check(h.id) === null).length < 10);
    expect(query, "a query whose top 20 holds fewer than 10 products under $40").toBeDefined();
    const depths: number[] = [];
    const out = await topKWithRules((d) => (depths.push(d), index.search(query!.text, d)), 10, check);
    expect(out.complete).toBe(true);
    expect(out.items.length).toBe(10);
    expect(depths.length).toBeGreaterThan(1);
    const reference = index.search(query!.text, shop.products.length).filter((h) => check(h.id) === null).slice(0, 10);
    expect(out.items).toEqual(reference);
    for (const h of out.items) {
      expect(byId.get(h.id)!.price).toBeLessThanOrEqual(40);
      expect(byId.get(h.id)!.launchDate <= "2025-01-01").toBe(true);
    }
  });
});
