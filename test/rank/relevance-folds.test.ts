/**
 * Relevance folds (lib/src/rank/relevance-folds.ts): pools and folds from the loaders' records,
 * the cross-validated evaluation (training never sees a test pool, NDCG and RMSE worked by hand),
 * the baselines and the paired test; then the real Crowdflower folds when ../shared/datasets has them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  bm25FixedScorer,
  bm25RelevanceScorer,
  compareRelevanceScorers,
  evaluateRelevanceFolds,
  fusedRelevanceScorer,
  loadRelevanceFolds,
  rememberingScorer,
  meanGradeScorer,
  pairScorer,
  randomRelevanceScorer,
  relevanceFolds,
  relevanceTable,
  type RelevancePool,
  type RelevanceScorer,
  type SearchJudgment,
} from "shoplm";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "relevance-folds-"));
  temps.push(dir);
  return dir;
}

const LABELS = { "4": "E", "3": "S", "2": "C", "1": "I" } as const;

/** Crowdflower-like records: `queries` queries, `perQuery` products each, grade from a fixed pattern. */
function records(queries: number, perQuery: number, group: (q: number, i: number) => string | null): SearchJudgment[] {
  const out: SearchJudgment[] = [];
  for (let q = 0; q < queries; q++)
    for (let i = 0; i < perQuery; i++) {
      const original = String(1 + ((q + i * 3) % 4)) as keyof typeof LABELS;
      out.push({
        query: `query ${q}`,
        queryId: `query ${q}`,
        productId: `p${q}-${i}`,
        title: `product ${i} for ${q} ${original === "4" ? `query ${q}` : ""}`,
        description: "",
        label: LABELS[original],
        gain: 0,
        original,
        group: group(q, i),
        source: `f.csv:${out.length + 2}`,
      });
    }
  return out;
}

/** Scores each item by its true grade (an oracle), optionally predicting grades. */
const oracle = (name = "oracle"): RelevanceScorer => ({ name, predictsGrades: true, train: () => ({ score: (pool) => pool.items.map((i) => i.grade) }) });

describe("relevanceFolds", () => {
  it("keeps fold files as folds (fold k = test), pools per (fold, query), grades shifted to start at 0", () => {
    const folds = relevanceFolds(records(3, 8, (_q, i) => `fold-${1 + (i % 4)}`), "crowdflower");
    expect(folds.split).toBe("files");
    expect(folds.foldNames).toEqual(["fold-1", "fold-2", "fold-3", "fold-4"]);
    expect(folds.pools).toHaveLength(12);
    expect(folds.pools.every((p) => p.items.length === 2)).toBe(true);
    expect(folds.scale).toEqual({ min: 0, max: 3 });
    expect(new Set(folds.pools.flatMap((p) => p.items.map((i) => i.grade)))).toEqual(new Set([0, 1, 2, 3]));
    expect(folds.queries).toBe(3);
    expect(folds.pairs).toBe(24);
    // fold-10 sorts after fold-2.
    const ten = relevanceFolds(records(2, 10, (_q, i) => `fold-${i + 1}`), "crowdflower");
    expect(ten.foldNames.slice(0, 3)).toEqual(["fold-1", "fold-2", "fold-3"]);
    expect(ten.foldNames[9]).toBe("fold-10");
  });

  it("splits a single file into K query-grouped folds, by seed", () => {
    const recs = records(23, 3, () => null);
    const a = relevanceFolds(recs, "crowdflower", { folds: 5, seed: 1 });
    expect(a.split).toBe("queries");
    expect(a.foldNames).toEqual(["1", "2", "3", "4", "5"]);
    expect(a.pools).toHaveLength(23);
    const foldOf = (f: typeof a) => new Map(f.pools.map((p) => [p.queryId, p.fold]));
    const sizes = [0, 1, 2, 3, 4].map((k) => a.pools.filter((p) => p.fold === k).length).sort();
    expect(sizes).toEqual([4, 4, 5, 5, 5]);
    expect(foldOf(relevanceFolds(recs, "crowdflower", { folds: 5, seed: 1 }))).toEqual(foldOf(a));
    expect(foldOf(relevanceFolds(recs, "crowdflower", { folds: 5, seed: 2 }))).not.toEqual(foldOf(a));
    // Without fold files, 5 folds by default; fold files can be overridden by a count.
    expect(relevanceFolds(recs, "crowdflower").foldNames).toHaveLength(5);
    const filed = records(6, 4, (_q, i) => `fold-${1 + (i % 2)}`);
    expect(relevanceFolds(filed, "crowdflower", { folds: 3 }).pools).toHaveLength(6);
  });

  it("grades: ESCI_GRADES for ESCI and WANDS, the shifted number for Home Depot", () => {
    const esci = records(2, 4, () => null).map((r) => ({ ...r, original: r.label }));
    expect(relevanceFolds(esci, "esci", { folds: 2 }).pools.flatMap((p) => p.items.map((i) => i.grade))).toEqual(esci.map((r) => ({ E: 3, S: 2, C: 1, I: 0 })[r.label]));
    const hd = records(2, 2, () => null).map((r, i) => ({ ...r, original: ["2.67", "1", "3", "1.33"][i] }));
    expect(relevanceFolds(hd, "homedepot", { folds: 2 }).pools.flatMap((p) => p.items.map((i) => i.grade))).toEqual([1.67, 0, 2, 0.33].map((x) => expect.closeTo(x, 12)));
  });

  it("rejects a fold count below 2 or above the number of queries, and 'files' without fold files", () => {
    const recs = records(4, 2, () => null);
    expect(() => relevanceFolds(recs, "crowdflower", { folds: 1 })).toThrow(/folds to be "files" or an integer from 2 to 4 \(the number of queries\), got 1/);
    expect(() => relevanceFolds(recs, "crowdflower", { folds: 5 })).toThrow(/from 2 to 4 .* got 5/);
    expect(() => relevanceFolds(recs, "crowdflower", { folds: 2.5 })).toThrow(/got 2.5/);
    expect(() => relevanceFolds(recs, "crowdflower", { folds: "files" })).toThrow(/needs judgments from at least 2 fold files, found 1/);
    expect(() => relevanceFolds([], "crowdflower")).toThrow(/expected judgments, got none/);
  });

  it("a relevance file with a missing column names the file and the column", async () => {
    const dir = tempDir();
    const file = path.join(dir, "no-grade.csv");
    writeFileSync(file, '"id","query","product_title","product_description"\n1,"red shoe","Red shoe","A shoe"\n');
    await expect(loadRelevanceFolds(file, { format: "crowdflower" })).rejects.toThrow(/no-grade\.csv: expected a column named "median_relevance", found columns "id", "query", "product_title", "product_description"/);
    await expect(loadRelevanceFolds(file)).rejects.toThrow(/no-grade\.csv: cannot tell which judgment format .*median_relevance/);
  });

  it("reads fold files from a folder, stripping HTML from product text by default", async () => {
    const dir = tempDir();
    for (const k of [1, 2]) {
      writeFileSync(
        path.join(dir, `fold-${k}.csv`),
        '"id","query","product_title","product_description","median_relevance","relevance_variance"\n' +
          `1,"red shoe","Red shoe ${k}","A <b>red</b> shoe",4,0\n2,"red shoe","Blue hat ${k}","",1,0\n3,"lamp","Desk lamp ${k}","bright",3,0.5\n`
      );
    }
    const folds = await loadRelevanceFolds(dir);
    expect(folds.format).toBe("crowdflower");
    expect(folds.foldNames).toEqual(["fold-1", "fold-2"]);
    expect(folds.pools.map((p) => [p.fold, p.query, p.items.map((i) => i.grade)])).toEqual([
      [0, "red shoe", [3, 0]],
      [0, "lamp", [2]],
      [1, "red shoe", [3, 0]],
      [1, "lamp", [2]],
    ]);
    expect(folds.pools[0].items[0].description).toBe("A red shoe");
    expect(folds.pools[0].items[0].id).toBe("fold-1.csv:2");
  });
});

describe("evaluateRelevanceFolds", () => {
  const folds = relevanceFolds(records(12, 6, () => null), "crowdflower", { folds: 3, seed: 4 });

  it("trains on the other folds only, and scores every test pool once", async () => {
    const seen: { fold: number; train: readonly RelevancePool[] }[] = [];
    const spy: RelevanceScorer = {
      name: "spy",
      train: (train, fold) => {
        seen.push({ fold: fold.index, train });
        return { score: (pool) => pool.items.map(() => 0) };
      },
    };
    const report = await evaluateRelevanceFolds(folds, [spy]);
    expect(seen.map((s) => s.fold)).toEqual([0, 1, 2]);
    for (const { fold, train } of seen) {
      expect(train.every((p) => p.fold !== fold)).toBe(true);
      expect(train.length + folds.pools.filter((p) => p.fold === fold).length).toBe(folds.pools.length);
    }
    expect(report.scorers[0].folds.reduce((n, f) => n + f.pools, 0)).toBe(12);
    expect(report.scorers[0].perQuery.size).toBe(12);
  });

  it("fusion: z-scores summed per pool by hand; remembered parts train and score once; a fusion beats its weaker part", async () => {
    const calls = { train: 0, score: 0 };
    const counted = (name: string, f: (pool: RelevancePool) => number[]): RelevanceScorer => ({
      name,
      train: () => {
        calls.train++;
        return {
          score: (pool) => {
            calls.score++;
            return f(pool);
          },
        };
      },
    });
    // Part a: the true grade plus a fixed wobble; part b: the grade of the item two places on.
    const a = rememberingScorer(counted("a", (pool) => pool.items.map((it, i) => it.grade + 0.9 * Math.sin(7 * i))));
    const b = rememberingScorer(counted("b", (pool) => pool.items.map((_, i) => pool.items[(i + 2) % pool.items.length].grade)));
    const fused = fusedRelevanceScorer("a + b", [a, b], { weights: [2, 1] });
    const report = await evaluateRelevanceFolds(folds, [a, b, fused]);
    expect(calls.train).toBe(2 * 3); // each part once per fold, none for the fusion
    expect(calls.score).toBe(2 * 12); // each part once per test pool
    // By hand for one pool: 2 z(a) + z(b), z with the population standard deviation.
    const pool = folds.pools[0];
    const z = (xs: number[]) => {
      const mean = xs.reduce((t, x) => t + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((t, x) => t + (x - mean) ** 2, 0) / xs.length);
      return xs.map((x) => (x - mean) / sd);
    };
    const sa = z(pool.items.map((it, i) => it.grade + 0.9 * Math.sin(7 * i)));
    const sb = z(pool.items.map((_, i) => pool.items[(i + 2) % pool.items.length].grade));
    const model = await fused.train([], { index: pool.fold, name: folds.foldNames[pool.fold] });
    const got = await model.score(pool);
    got.forEach((x, i) => expect(x).toBeCloseTo(2 * sa[i] + sb[i], 12));
    const [ra, rb, rf] = report.scorers;
    expect(rf.ndcgMean).toBeGreaterThan(rb.ndcgMean);
    expect(ra.ndcgMean).toBeGreaterThan(rb.ndcgMean);
    expect(() => fusedRelevanceScorer("one", [a])).toThrow(/at least 2 scorers to fuse, got 1/);
    expect(() => fusedRelevanceScorer("bad", [a, b], { weights: [1, -1] })).toThrow(/expected 2 finite weights >= 0, got \[1,-1\]/);
  });

  it("NDCG@10 and RMSE as worked by hand: an oracle scores 1 and RMSE 0; the mean-grade predictor's RMSE is the grades' spread", async () => {
    const report = await evaluateRelevanceFolds(folds, [oracle(), meanGradeScorer(), randomRelevanceScorer(1)]);
    const [o, mean, random] = report.scorers;
    expect(o.ndcgMean).toBe(1);
    expect(o.ndcgStd).toBe(0);
    expect(o.rmse).toBe(0);
    expect(random.rmse).toBeNull();
    // Mean grade: each fold predicts its training mean; RMSE by hand over all test items.
    let sq = 0;
    let n = 0;
    for (let f = 0; f < 3; f++) {
      const train = folds.pools.filter((p) => p.fold !== f).flatMap((p) => p.items.map((i) => i.grade));
      const m = train.reduce((s, g) => s + g, 0) / train.length;
      for (const p of folds.pools.filter((p) => p.fold === f)) for (const i of p.items) (sq += (i.grade - m) ** 2), n++;
    }
    expect(mean.rmse).toBeCloseTo(Math.sqrt(sq / n), 12);
    // All ties, averaged: the expected NDCG of a random order, below 1 and above 0.
    expect(mean.ndcgMean).toBeGreaterThan(0.4);
    expect(mean.ndcgMean).toBeLessThan(1);
    // A hand-worked pool: grades [3, 0], ranked worst first: DCG = 0 + 3 / log2(3); ideal 3.
    const two = relevanceFolds(records(2, 2, () => null).map((r, i) => ({ ...r, original: ["4", "1", "4", "1"][i] })), "crowdflower", { folds: 2 });
    const reverse = await evaluateRelevanceFolds(two, [pairScorer("worst first", (_q, text) => (text.includes("product 0") ? 0 : 1))]);
    expect(reverse.scorers[0].ndcgMean).toBeCloseTo(1 / Math.log2(3), 14);
    expect(relevanceTable(report)).toContain("| oracle | 1.0000 | 0.0000 | 0.0000 |");
  });

  it("random is reproducible by seed, and a paired test tells the oracle from it", async () => {
    const a = await evaluateRelevanceFolds(folds, [randomRelevanceScorer(5), oracle()]);
    const b = await evaluateRelevanceFolds(folds, [randomRelevanceScorer(5)]);
    const c = await evaluateRelevanceFolds(folds, [randomRelevanceScorer(6)]);
    expect(b.scorers[0].folds.map((f) => f.ndcg)).toEqual(a.scorers[0].folds.map((f) => f.ndcg));
    expect(c.scorers[0].folds.map((f) => f.ndcg)).not.toEqual(a.scorers[0].folds.map((f) => f.ndcg));
    const cmp = compareRelevanceScorers(a, "oracle", "random", { samples: 2000 });
    expect(cmp.queries).toBe(12);
    expect(cmp.meanDifference).toBeGreaterThan(0);
    expect(cmp.tTest.pValue).toBeLessThan(0.01);
    expect(cmp.randomisation.pValue).toBeLessThan(0.01);
    expect(() => compareRelevanceScorers(a, "oracle", "bm25")).toThrow(/no scorer named "bm25" in the report; it has "random", "oracle"/);
  });

  it("says which scorer gave bad scores, for which query", async () => {
    const short: RelevanceScorer = { name: "short", train: () => ({ score: (pool) => pool.items.slice(1).map(() => 1) }) };
    await expect(evaluateRelevanceFolds(folds, [short])).rejects.toThrow(/short: expected 6 scores for the pool of query "query \d+" \(fold \d\), got 5/);
    const nan: RelevanceScorer = { name: "nan", train: () => ({ score: (pool) => pool.items.map(() => NaN) }) };
    await expect(evaluateRelevanceFolds(folds, [nan])).rejects.toThrow(/nan: score 0 for query "query \d+" .* is NaN; expected a finite number/);
    await expect(evaluateRelevanceFolds(folds, [oracle("x"), oracle("x")])).rejects.toThrow(/two scorers are named "x"/);
    await expect(evaluateRelevanceFolds(folds, [])).rejects.toThrow(/at least one scorer/);
  });

  it("tunes BM25 on the training folds: it finds the query words the relevant titles carry", async () => {
    const report = await evaluateRelevanceFolds(folds, [bm25RelevanceScorer(folds, { grid: { k1: [1.2], b: [0.75], titleWeight: [1, 2] } }), randomRelevanceScorer(0)]);
    const [bm25, random] = report.scorers;
    expect(bm25.folds.every((f) => /^k1 1.2, b 0.75, title weight [12] \(train NDCG@10 0\.\d{4}\)$/.test(f.note ?? ""))).toBe(true);
    expect(bm25.ndcgMean).toBeGreaterThan(random.ndcgMean);
  });
});

const PYTHON = "/usr/bin/python3";
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
if (!hasSklearn) console.warn("test/rank/relevance-folds.test.ts: the scikit-learn NDCG check is skipped: no python3-sklearn at /usr/bin/python3 (npm run setup installs it).");
const shared = path.resolve(__dirname, "../../../shared/datasets/crowdflower-search");
const present = existsSync(shared);
if (!present) console.warn(`test/rank/relevance-folds.test.ts: the Crowdflower checks are skipped: ${shared} not found on this machine.`);

describe.skipIf(!present)("Crowdflower (../shared/datasets/crowdflower-search)", () => {
  it("its ten fold files: 2,509 pools of 261 queries, each query spread over several folds; query-grouped folds: one pool per query", async () => {
    const files = await loadRelevanceFolds(shared);
    expect(files.split).toBe("files");
    expect(files.foldNames).toEqual(Array.from({ length: 10 }, (_, i) => `fold-${i + 1}`));
    expect(files.pools).toHaveLength(2509);
    expect(files.pools.reduce((n, p) => n + p.items.length, 0)).toBe(10158);
    expect(files.scale).toEqual({ min: 0, max: 3 });
    const foldsPerQuery = new Map<string, number>();
    for (const p of files.pools) foldsPerQuery.set(p.queryId, (foldsPerQuery.get(p.queryId) ?? 0) + 1);
    expect(foldsPerQuery.size).toBe(261);
    expect(Math.min(...foldsPerQuery.values())).toBeGreaterThan(1);
    const grouped = await loadRelevanceFolds(shared, { folds: 10, seed: 0 });
    expect(grouped.pools).toHaveLength(261);
    expect(new Set(grouped.pools.map((p) => p.queryId)).size).toBe(261);
  });

  it.skipIf(!hasSklearn)("per-query NDCG@10 equals scikit-learn's ndcg_score on the same grades and BM25 scores (ties averaged)", async () => {
    const folds = await loadRelevanceFolds(shared, { folds: 10, seed: 0 });
    const scorer = bm25FixedScorer(folds);
    const report = await evaluateRelevanceFolds(folds, [scorer], { onlyFolds: [0, 1] });
    const model = await scorer.train([], { index: 0, name: "1" });
    const pools = folds.pools.filter((p) => p.fold <= 1);
    const cases = await Promise.all(pools.map(async (p) => ({ grades: p.items.map((i) => i.grade), scores: [...(await model.score(p))] })));
    // Rounded scores: ties for sklearn to average too.
    for (const c of cases) c.scores = c.scores.map((x) => Math.round(x * 10) / 10);
    const rounded: RelevanceScorer = { name: "rounded", train: () => ({ score: (pool) => cases[pools.indexOf(pool)].scores }) };
    const again = await evaluateRelevanceFolds(folds, [rounded], { onlyFolds: [0, 1] });
    const code =
      "import json, sys\nfrom sklearn.metrics import ndcg_score\n" +
      "cases = json.load(sys.stdin)\n" +
      "print(json.dumps([ndcg_score([c['grades']], [c['scores']], k=10) if len(c['grades']) > 1 else 1.0 for c in cases]))";
    const r = spawnSync(PYTHON, ["-c", code], { input: JSON.stringify(cases), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const reference = JSON.parse(r.stdout) as number[];
    pools.forEach((p, i) => expect(again.scorers[0].perQuery.get(p.queryId)).toBeCloseTo(reference[i], 12));
    expect(report.scorers[0].perQuery.size).toBe(pools.length);
    expect(cases.some((c) => new Set(c.scores).size < c.scores.length)).toBe(true);
  });

  it("BM25 tuned on train beats random on query-grouped folds (two folds, a small grid)", async () => {
    const folds = await loadRelevanceFolds(shared, { folds: 10, seed: 0 });
    const report = await evaluateRelevanceFolds(folds, [randomRelevanceScorer(0), bm25RelevanceScorer(folds, { grid: { k1: [1.2, 2], b: [0.75], titleWeight: [1, 5] } })], { onlyFolds: [0, 1] });
    const [random, bm25] = report.scorers;
    expect(random.ndcgMean).toBeGreaterThan(0.6);
    expect(random.ndcgMean).toBeLessThan(0.9);
    expect(bm25.ndcgMean).toBeGreaterThan(random.ndcgMean + 0.03);
  });
});
