/**
 * Training pairs (lib/src/embed/retrieval-pairs.ts) and full-catalog retrieval evaluation
 * (lib/src/embed/retrieval-eval.ts) on the fast shop: where every pair and hard negative comes
 * from, the catalog-wide grades against the grading rule applied to every product, exact top-k
 * against a full sort, metrics against the eval library, and the keyword baseline's known
 * weakness on synonym, vague and misspelled queries.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  catalogQrels,
  compareRetrieval,
  denseRun,
  ESCI_GAINS,
  esciGrade,
  evaluateRun,
  initBackend,
  keywordMatch,
  keywordRun,
  loadShop,
  pretrainedBiEncoder,
  retrievalTable,
  retrievalTrainingData,
  scoreRetrieval,
  type Query,
} from "shoplm";
import type { Product } from "shoplm";

const shop = loadShop("fast");
const queries = new Map(shop.queries.map((q) => [q.id, q]));
const products = new Map(shop.products.map((p) => [p.id, p]));

describe("retrieval training pairs", () => {
  const data = retrievalTrainingData(shop, { seed: 5 });

  it("come from train-split queries only: Exact judgments and purchases after a search in train-split sessions", () => {
    const exact = new Set(shop.judgments.filter((j) => j.label === "E").map((j) => `${j.query}|${j.product}`));
    const purchased = new Set<string>();
    for (const s of shop.sessions) {
      if (s.split !== "train") continue;
      let last: string | null = null;
      for (const e of s.events) {
        if (e.type === "search") last = e.query;
        else if (e.type === "purchase" && last) purchased.add(`${last}|${e.product}`);
      }
    }
    expect(data.pairs.length).toBeGreaterThan(100);
    for (const p of data.pairs) {
      const q = queries.get(p.queryId) as Query;
      expect(q.split).toBe("train");
      expect(p.query).toBe(q.text);
      expect((p.source === "judgment" ? exact : purchased).has(`${p.queryId}|${p.productId}`)).toBe(true);
      expect(data.positives.get(p.queryId)?.has(p.productId)).toBe(true);
    }
    const c = data.counts;
    expect(c.pairs).toBe(data.pairs.length);
    expect(c.fromJudgments + c.fromPurchases).toBe(c.pairs);
    expect(c.fromPurchases).toBeGreaterThan(0);
    expect(new Set(data.pairs.map((p) => `${p.queryId}|${p.productId}`)).size).toBe(c.pairs);
  });

  it("hard negatives are judged Irrelevant or Complement, or keyword look-alikes that are not Exact; never a known positive", () => {
    const labels = new Map(shop.judgments.map((j) => [`${j.query}|${j.product}`, j.label]));
    let total = 0;
    let keywordOnes = 0;
    for (const [qid, ids] of data.hardNegatives) {
      const q = queries.get(qid) as Query;
      expect(q.split).toBe("train");
      expect(ids.length).toBeLessThanOrEqual(20);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) {
        expect(data.positives.get(qid)?.has(id)).toBe(false);
        const label = labels.get(`${qid}|${id}`);
        if (label === "I" || label === "C") continue;
        keywordOnes++;
        expect(esciGrade(q.intent, products.get(id) as Product)).not.toBe("E");
        expect(keywordMatch(q.text, `${products.get(id)?.title} ${products.get(id)?.description}`).matched).toBe(true);
      }
      total += ids.length;
    }
    expect(total).toBe(data.counts.hardNegatives);
    expect(data.counts.fromJudgedPools + data.counts.fromKeyword).toBe(total);
    expect(keywordOnes).toBeGreaterThan(0);
  });

  it("are deterministic from the seed (another seed: the same pairs in another order)", () => {
    const again = retrievalTrainingData(shop, { seed: 5 });
    expect(again.pairs).toEqual(data.pairs);
    expect([...again.hardNegatives]).toEqual([...data.hardNegatives]);
    const other = retrievalTrainingData(shop, { seed: 6 });
    expect(other.pairs).not.toEqual(data.pairs);
    const key = (p: { queryId: string; productId: string }) => `${p.queryId}|${p.productId}`;
    expect(new Set(other.pairs.map(key))).toEqual(new Set(data.pairs.map(key)));
  });

  it("options are checked and honoured", () => {
    const none = retrievalTrainingData(shop, { keywordDepth: 0, purchases: false, maxHardNegatives: 3 });
    expect(none.counts.fromKeyword).toBe(0);
    expect(none.counts.fromPurchases).toBe(0);
    expect(Math.max(...[...none.hardNegatives.values()].map((l) => l.length))).toBe(3);
    expect(() => retrievalTrainingData(shop, { keywordDepth: -1 })).toThrow(/keywordDepth must be a whole number >= 0, got -1/);
  });
});

describe("full-catalog retrieval evaluation", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });
  const test = shop.queries.filter((q) => q.split === "test");

  it("catalog-wide grades are the grading rule applied to every product", () => {
    const some = test.slice(0, 12);
    const qrels = catalogQrels(shop.products, some);
    for (const q of some) {
      const brute = new Map<string, number>();
      for (const p of shop.products) {
        const gain = ESCI_GAINS[esciGrade(q.intent, p)];
        if (gain > 0) brute.set(p.id, gain);
      }
      expect(qrels.get(q.id)).toEqual(brute);
    }
  });

  it("a dense run is each query's exact top k by cosine over the whole catalog", async () => {
    const model = pretrainedBiEncoder({ maxLength: 16 });
    try {
      const catalog = shop.products.slice(0, 300);
      const some = test.slice(0, 5);
      const run = await denseRun(model, some, catalog, { k: 10 });
      const d = model.queryTower.encoder.config.hiddenSize;
      const pv = await model.embed(catalog.map((p) => `${p.title} ${p.description}`), "product");
      const qv = await model.embed(some.map((q) => q.text), "query");
      some.forEach((q, i) => {
        const scores = catalog.map((p, j) => {
          let s = 0;
          for (let k = 0; k < d; k++) s += qv[i * d + k] * pv[j * d + k];
          return { id: p.id, s };
        });
        scores.sort((a, b) => b.s - a.s);
        expect(run.get(q.id)).toEqual(scores.slice(0, 10).map((x) => x.id));
      });
    } finally {
      model.dispose();
    }
  });

  it("metrics are the eval library's, overall and by kind, on the queries that have an Exact product", () => {
    const some = test.slice(0, 30);
    const qrels = catalogQrels(shop.products, some);
    const run = keywordRun(some, shop.products);
    const row = scoreRetrieval("keyword", run, some, qrels);
    const scored = some.filter((q) => [...(qrels.get(q.id)?.values() ?? [])].some((g) => g === 1));
    const e = evaluateRun(run, new Map(scored.map((q) => [q.id, qrels.get(q.id) as Map<string, number>])), ["recall@10", "recall@100", "ndcg@10"], {
      relevanceThreshold: 1,
      scale: { min: 0, max: 1 },
      missing: "zero",
    });
    expect(row.overall.queries).toBe(scored.length);
    expect(row.overall.recall10).toBeCloseTo(e.mean["recall@10"], 12);
    expect(row.overall.recall100).toBeCloseTo(e.mean["recall@100"], 12);
    expect(row.overall.ndcg10).toBeCloseTo(e.mean["ndcg@10"], 12);
    const kinds = Object.values(row.byKind);
    expect(kinds.reduce((s, m) => s + m.queries, 0)).toBe(scored.length);
    expect(kinds.reduce((s, m) => s + m.queries * m.ndcg10, 0) / scored.length).toBeCloseTo(row.overall.ndcg10, 12);
    // Keyword results hold every query keyword, at most 100 of them.
    for (const q of some) {
      const ids = run.get(q.id) as string[];
      expect(ids.length).toBeLessThanOrEqual(100);
      for (const id of ids.slice(0, 5)) expect(keywordMatch(q.text, `${products.get(id)?.title} ${products.get(id)?.description}`).matched).toBe(true);
    }
    expect(() => scoreRetrieval("empty", new Map(), some, qrels)).toThrow(/the run of empty has no ranking for \d+ queries/);
  });

  it("keyword search against the pretrained encoder on the test queries: keyword fails on synonym, vague and misspelled queries", async () => {
    const model = pretrainedBiEncoder({ maxLength: 32 });
    try {
      const c = await compareRetrieval({ shop, retrievers: [["encoder", model]] });
      expect(c.rows.map((r) => r.retriever)).toEqual(["keyword", "encoder"]);
      expect(c.catalog).toBe(shop.products.length);
      const kw = c.rows[0].byKind;
      for (const kind of ["synonym", "vague", "misspelled"] as const) expect(kw[kind]?.recall100 ?? 1).toBeLessThan((kw["exact-product"]?.recall100 ?? 0) / 2);
      for (const row of c.rows) for (const v of [row.overall.recall10, row.overall.recall100, row.overall.ndcg10]) expect(v >= 0 && v <= 1).toBe(true);
      // The dense run finds something for the kinds keyword search finds nothing for.
      expect(c.rows[1].byKind.vague?.recall100).toBeGreaterThan(kw.vague?.recall100 ?? 0);
      const table = retrievalTable(c);
      expect(table[0]).toMatchObject({ retriever: "keyword", kind: "all", queries: c.queries });
    } finally {
      model.dispose();
    }
  });
});
