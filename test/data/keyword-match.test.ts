import { describe, expect, it } from "vitest";
import { KeywordIndex, generateProducts, keywordMatch, keywordSearch, keywordTokens, loggingRanking, buildLoggingIndex, queryKeywords } from "shoplm";

describe("keyword matching", () => {
  it("tokenises to lower-case words and numbers, folding accents", () => {
    expect(keywordTokens("Babelle Étoile 2 Diaper-Bag, 15 L!")).toEqual(["babelle", "etoile", "2", "diaper", "bag", "15", "l"]);
  });

  it("requires every non-stop word of the query, exactly (no stemming, no synonyms)", () => {
    const text = "Voltix Pulse 3 Wireless Earbuds - Black. Keeps drinks hot? No: plays music.";
    expect(keywordMatch("black wireless earbuds", text)).toEqual({ matched: true, overlap: 1, found: ["black", "wireless", "earbuds"], missing: [] });
    const synonym = keywordMatch("ear buds for the gym", text);
    expect(synonym.matched).toBe(false);
    expect(synonym.missing).toEqual(["ear", "buds", "gym"]);
    expect(keywordMatch("earbud", text).matched).toBe(false);
    expect(keywordMatch("something to keep coffee hot", text).found).toEqual(["hot"]);
    expect(queryKeywords("the")).toEqual(["the"]);
    expect(keywordMatch("", text)).toEqual({ matched: false, overlap: 0, found: [], missing: [] });
  });

  it("the inverted index returns what a linear scan returns", () => {
    const products = generateProducts(600, 4);
    const index = new KeywordIndex(products);
    for (const q of ["black earbuds", "stainless steel water bottle", "ear buds", "voltix", "size m", "gift for a runner"]) {
      expect(index.search(q), q).toEqual(keywordSearch(q, products));
    }
    expect(index.search("black").length).toBeGreaterThan(20);
  });

  it("the logging ranker puts title matches first and fills with best sellers when nothing matches", () => {
    const products = generateProducts(600, 4);
    const index = buildLoggingIndex(products);
    const top = loggingRanking("water bottle", index, 10);
    expect(top).toHaveLength(10);
    const first = products.find((p) => p.id === top[0])!;
    expect(keywordMatch("water bottle", first.title).matched).toBe(true);
    const none = loggingRanking("zzqx", index, 5);
    const bestSellers = products.slice().sort((a, b) => b.popularity - a.popularity || (a.id < b.id ? -1 : 1)).slice(0, 5).map((p) => p.id);
    expect(none).toEqual(bestSellers);
  });
});
