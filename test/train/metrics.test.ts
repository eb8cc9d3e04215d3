import { describe, expect, it } from "vitest";
import { MlmMetrics, perplexity, unigramPerplexity } from "shoplm";

describe("language-model metrics", () => {
  it("perplexity is exp of the mean loss; metrics add over batches", () => {
    expect(perplexity(Math.log(7))).toBeCloseTo(7, 12);
    const m = new MlmMetrics();
    m.add({ lossSum: 3, correct: 1, count: 2 });
    m.add({ lossSum: 1, correct: 2, count: 2 });
    expect(m.loss()).toBe(1);
    expect(m.perplexity()).toBeCloseTo(Math.E, 12);
    expect(m.accuracy()).toBe(0.75);
    expect(() => new MlmMetrics().loss()).toThrow(/no predicted tokens/);
  });

  it("unigram perplexity by hand", () => {
    // Counts 0:3, 1:1, 2:0 with add-one smoothing over 3 ids: p = 4/7, 2/7, 1/7.
    const ppl = unigramPerplexity([0, 0, 0, 1], [0, 1], 3);
    expect(ppl).toBeCloseTo(Math.exp(-(Math.log(4 / 7) + Math.log(2 / 7)) / 2), 12);
    expect(() => unigramPerplexity([5], [0], 3)).toThrow(/training id 5 is outside \[0, 3\)/);
  });
});
