/**
 * Text-match features (lib/src/rank/relevance-features.ts), worked by hand on three products, and
 * the LambdaMART ranker over them under cross-validation: it learns a text-grade relation from the
 * training folds, never reads a test grade, and is reproducible; then the real Crowdflower folds
 * when ../shared/datasets has them.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  bm25RelevanceScorer,
  evaluateRelevanceFolds,
  lambdaMartRelevanceScorer,
  loadRelevanceFolds,
  randomRelevanceScorer,
  RELEVANCE_BASE_FEATURES,
  RELEVANCE_FEATURE_NAMES,
  relevanceFeatureExtractor,
  relevanceFolds,
  sStem,
  type SearchJudgment,
} from "shoplm";
import { Rng } from "../../lib/src/core/random";

describe("sStem (Harman's S-stemmer)", () => {
  it("folds plurals and keeps its exceptions", () => {
    const cases: [string, string][] = [
      ["pillows", "pillow"],
      ["batteries", "battery"],
      ["boxes", "boxe"],
      ["glass", "glass"],
      ["bus", "bus"],
      ["shoes", "shoe"], // "oes" is an exception of the "es" rule only; the "s" rule applies
      ["trees", "tree"],
      ["is", "is"],
      ["gas", "ga"], // the rule knows no words: query and product are folded alike
      ["60", "60"],
    ];
    for (const [word, stem] of cases) expect(sStem(word), word).toBe(stem);
  });
});

describe("relevanceFeatureExtractor", () => {
  const products = [
    { id: "p1", title: "Red Throw Pillows 18x18", description: "A soft cover." },
    { id: "p2", title: "Blue Pillow Case", description: "" },
    { id: "p3", title: "Lamp", description: "Red lamp, 60 watt" },
  ];
  const extractor = relevanceFeatureExtractor(products);
  const B = RELEVANCE_BASE_FEATURES.length;
  const column = (rows: Float32Array, name: string) => {
    const c = RELEVANCE_FEATURE_NAMES.indexOf(name);
    expect(c, name).toBeGreaterThanOrEqual(0);
    return [0, 1, 2].map((r) => rows[r * RELEVANCE_FEATURE_NAMES.length + c]);
  };

  it("computes each raw feature as its description says (worked by hand)", () => {
    // Query keywords after stemming: red, pillow, 60. Titles: [red throw pillow 18x18], [blue pillow case], [lamp].
    const rows = extractor.rows("red pillows 60", ["p1", "p2", "p3"]);
    expect(rows).toHaveLength(3 * 2 * B);
    expect(column(rows, "title_coverage")).toEqual([2 / 3, 1 / 3, 0].map((x) => expect.closeTo(x, 6)));
    expect(column(rows, "description_coverage")).toEqual([0, 0, 2 / 3].map((x) => expect.closeTo(x, 6)));
    expect(column(rows, "head_in_title")).toEqual([0, 0, 0]);
    expect(column(rows, "phrase_in_title")).toEqual([0, 0, 0]);
    expect(column(rows, "bigram_coverage")).toEqual([0, 0, 0]);
    expect(column(rows, "first_match")).toEqual([0, 1 / 3, 1].map((x) => expect.closeTo(x, 6)));
    expect(column(rows, "missing_numbers")).toEqual([1, 1, 0]);
    expect(column(rows, "title_words")).toEqual([4, 3, 1]);
    expect(column(rows, "description_words")).toEqual([3, 0, 4]);
    expect(column(rows, "query_words")).toEqual([3, 3, 3]);
    // Exact words: "pillows" is in p1's title only; the stemmed BM25F also matches p2's "pillow".
    const [t1, t2, t3] = column(rows, "bm25_title");
    expect(t1).toBeGreaterThan(0);
    expect(t2).toBe(0);
    expect(t3).toBe(0);
    expect(column(rows, "bm25f_stemmed")[1]).toBeGreaterThan(0);
    expect(column(rows, "bm25_description")).toEqual([0, 0, expect.any(Number)]);
    expect(column(rows, "bm25_description")[2]).toBeGreaterThan(0);
    // A contiguous phrase, its head and its bigram; character trigrams identical for a one-word title.
    const lamp = extractor.rows("lamps", ["p3", "p1", "p2"]);
    expect(column(lamp, "phrase_in_title")).toEqual([1, 0, 0]);
    expect(column(lamp, "head_in_title")).toEqual([1, 0, 0]);
    expect(column(lamp, "bigram_coverage")).toEqual([1, 0, 0]);
    expect(column(lamp, "trigram_jaccard")[0]).toBeCloseTo(1, 6);
    expect(column(lamp, "trigram_containment")[0]).toBeCloseTo(1, 6);
    const pair = extractor.rows("throw pillow", ["p1", "p2", "p3"]);
    expect(column(pair, "phrase_in_title")).toEqual([1, 0, 0]);
    expect(column(pair, "bigram_coverage")).toEqual([1, 0, 0]);
    expect(column(pair, "head_in_title")).toEqual([1, 1, 0]);
  });

  it("follows the raw features with their z-scores within the pool (0 for a constant column)", () => {
    const rows = extractor.rows("red pillows 60", ["p1", "p2", "p3"]);
    for (const spec of RELEVANCE_BASE_FEATURES) {
      const raw = column(rows, spec.name);
      const z = column(rows, `${spec.name}_z`);
      const mean = raw.reduce((s, x) => s + x, 0) / 3;
      const sd = Math.sqrt(raw.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
      z.forEach((v, i) => expect(v, spec.name).toBeCloseTo(sd > 1e-12 ? (raw[i] - mean) / sd : 0, 5));
    }
    expect(column(rows, "query_words_z")).toEqual([0, 0, 0]);
  });

  it("names a product it was not built from", () => {
    expect(() => extractor.rows("red", ["p1", "p9"])).toThrow(/product "p9" is not in the collection/);
  });
});

/** 24 queries "colour thing", 12 products each: grade 3 with both words in the title, 1 or 2 with one, 0 with none; noise words everywhere. */
function textRecords(): SearchJudgment[] {
  const rng = new Rng(3);
  const colours = ["red", "blue", "green", "black", "white", "grey"];
  const things = ["lamp", "chair", "pillow", "mug"];
  const noise = ["soft", "modern", "classic", "set", "large", "small", "home", "decor"];
  const out: SearchJudgment[] = [];
  colours.forEach((colour) =>
    things.forEach((thing) => {
      const query = `${colour} ${thing}`;
      for (let i = 0; i < 12; i++) {
        const hasColour = rng.next() < 0.5;
        const hasThing = rng.next() < 0.5;
        const words = [rng.choice(noise), hasColour ? colour : rng.choice(colours.filter((c) => c !== colour)), rng.choice(noise), hasThing ? `${thing}s` : rng.choice(things.filter((t) => t !== thing))];
        const grade = hasColour && hasThing ? 4 : hasThing ? 3 : hasColour ? 2 : 1;
        out.push({ query, queryId: query, productId: `${query}/${i}`, title: words.join(" "), description: rng.choice(noise), label: "E", gain: 0, original: String(grade), group: null, source: `t.csv:${out.length + 2}` });
      }
    })
  );
  return out;
}

describe("lambdaMartRelevanceScorer", () => {
  const folds = relevanceFolds(textRecords(), "crowdflower", { folds: 3, seed: 0 });

  it("learns the text-grade relation from the training folds, far above random, and reproducibly", async () => {
    const report = await evaluateRelevanceFolds(folds, [randomRelevanceScorer(0), lambdaMartRelevanceScorer(folds, { seed: 1 })]);
    const [random, ltr] = report.scorers;
    expect(ltr.ndcgMean).toBeGreaterThan(0.95);
    expect(ltr.ndcgMean).toBeGreaterThan(random.ndcgMean + 0.15);
    for (const f of ltr.folds) expect(f.note).toMatch(/^\d+ trees \(held-out NDCG@10 [01]\.\d{4} on \d+ queries\)$/);
    const again = await evaluateRelevanceFolds(folds, [lambdaMartRelevanceScorer(folds, { seed: 1 })]);
    expect(again.scorers[0].folds.map((f) => f.ndcg)).toEqual(ltr.folds.map((f) => f.ndcg));
  });

  it("never reads a test grade: scores depend on the text alone", async () => {
    const train = folds.pools.filter((p) => p.fold !== 0);
    const test = folds.pools.filter((p) => p.fold === 0);
    const model = await lambdaMartRelevanceScorer(folds).train(train, { index: 0, name: "1" });
    for (const pool of test) {
      const flipped = { ...pool, items: pool.items.map((item) => ({ ...item, grade: 3 - item.grade })) };
      expect(await model.score(flipped)).toEqual(await model.score(pool));
    }
  });

  it("with fewer than 8 training queries holds none out and fits 50 trees", async () => {
    const few = relevanceFolds(textRecords().filter((r) => /^(red|blue) (lamp|chair|pillow)$/.test(r.query)), "crowdflower", { folds: 3, seed: 0 });
    const report = await evaluateRelevanceFolds(few, [lambdaMartRelevanceScorer(few)]);
    for (const f of report.scorers[0].folds) expect(f.note).toMatch(/^50 trees \(4 training queries: none held out\)$/);
    expect(report.scorers[0].ndcgMean).toBeGreaterThan(0.8);
  });

  it("refuses a validation share outside (0, 1)", () => {
    expect(() => lambdaMartRelevanceScorer(folds, { validationShare: 1 })).toThrow(/validationShare must be between 0 and 1 \(exclusive\), got 1/);
  });
});

const CROWDFLOWER = path.resolve(__dirname, "../../../shared/datasets/crowdflower-search");

describe.skipIf(!existsSync(CROWDFLOWER))("on Crowdflower (10 query-grouped folds)", () => {
  it("the learned text-match ranker beats BM25 tuned on the same folds (two folds, for time)", async () => {
    const folds = await loadRelevanceFolds(CROWDFLOWER, { folds: 10, seed: 0 });
    const report = await evaluateRelevanceFolds(folds, [bm25RelevanceScorer(folds), lambdaMartRelevanceScorer(folds)], { onlyFolds: [0, 1] });
    const [bm25, ltr] = report.scorers;
    expect(ltr.ndcgMean).toBeGreaterThan(bm25.ndcgMean);
  }, 300_000);
});
if (!existsSync(CROWDFLOWER)) console.warn(`relevance-features: skipping the Crowdflower check: no data at ${CROWDFLOWER}.`);
