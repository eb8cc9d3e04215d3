/**
 * The parity check on the whole shop catalog: a tokenizer trained on the full shop's
 * products and queries, saved as tokenizer.json and loaded by transformers.js's AutoTokenizer,
 * gives the same ids on every product text, every query and (query, product) pairs.
 */
import { describe, expect, it } from "vitest";
import { loadShop, trainWordPiece, type TextPair } from "shoplm";
import { compareWithTransformersJs, unexplainedDifferences } from "./transformers-js";

describe("tokenizer parity with transformers.js on the shop catalog", () => {
  it("gives identical ids on every product and query of the full shop", async () => {
    const shop = loadShop("full");
    const productTexts = shop.products.map((p) => `${p.title}. ${p.description}`);
    const queries = shop.queries.map((q) => q.text);
    const { tokenizer } = trainWordPiece([...productTexts, ...queries], { vocabSize: 8000 });
    const titles = new Map(shop.products.map((p) => [p.id, p.title]));
    const texts = new Map(shop.queries.map((q) => [q.id, q.text]));
    // Every 10th judgment: (query, product title) pairs as chapter 2's cross-encoder reads them.
    const pairs: TextPair[] = shop.judgments.filter((_, i) => i % 10 === 0).map((j) => [texts.get(j.query)!, titles.get(j.product)!]);
    const inputs = [...productTexts, ...queries, ...pairs];
    const report = await compareWithTransformersJs(tokenizer, inputs);
    console.log(`catalog parity: ${report.identical} of ${report.compared} inputs identical (${productTexts.length} products, ${queries.length} queries, ${pairs.length} pairs)`);
    expect(report.compared).toBe(inputs.length);
    expect(unexplainedDifferences(report, inputs)).toEqual([]);
    expect(report.identical).toBe(report.compared);
  }, 600_000);
});
