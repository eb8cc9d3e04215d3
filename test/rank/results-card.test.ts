/**
 * Chapter 4's results card (data/models/ranking/README.md): generated from the records the runs
 * wrote, and what those records must show. Timings are reported, never asserted. A record not
 * yet produced is skipped with a message (the card says "Not run yet" for it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const dir = path.join(root, "data", "models", "ranking");
const file = (name: string) => path.join(dir, `${name}.json`);
const read = (name: string) => JSON.parse(readFileSync(file(name), "utf8"));
const has = (name: string) => {
  const there = existsSync(file(name));
  if (!there) console.warn(`test/rank/results-card.test.ts: data/models/ranking/${name}.json is not recorded yet; its checks are skipped.`);
  return there;
};
type KindRow = { queries: number; ndcg10: number; pValue: number | null };
type Row = { stage: string; queries: number; ndcg10: number; pValue: number | null; byKind: Record<string, KindRow> };

describe("the chapter 4 results card", () => {
  it("is what the records generate", () => {
    const card = spawnSync(process.execPath, [path.join(root, "scripts", "ranking-card.mjs"), "--check"], { encoding: "utf8" });
    expect(card.status, card.stderr).toBe(0);
  });

  it.runIf(has("search-quality"))("search: every stage scored on the same full-shop test queries; dense wins the vague queries, query understanding the misspelled ones", () => {
    const r = read("search-quality");
    expect(r.profile).toBe("full");
    const rows = r.rows as Row[];
    const row = (prefix: string) => rows.find((x) => x.stage.startsWith(prefix)) as Row;
    for (const x of rows) {
      expect(x.queries).toBe(r.sizes.scored);
      expect(Object.values(x.byKind).reduce((n, k) => n + k.queries, 0)).toBe(x.queries);
    }
    expect(row("BM25").pValue).toBeNull();
    expect(row("dense").byKind.vague.ndcg10).toBeGreaterThan(row("BM25").byKind.vague.ndcg10);
    expect(row("BM25 + query understanding").byKind.misspelled.ndcg10).toBeGreaterThan(row("BM25").byKind.misspelled.ndcg10);
    // Every stage the chapter asks for has its row: the cross-encoder, the learned rankers, clicks naive and debiased.
    for (const prefix of ["keyword", "dense", "hybrid RRF", "hybrid linear", "hybrid + cross-encoder", "hybrid + LambdaMART", "hybrid + linear RankNet on clicks, naive", "hybrid + linear RankNet on the same clicks, IPS"]) expect(row(prefix), prefix).toBeDefined();
    expect(r.crossEncoder.pairs).toBe(r.sizes.scored * r.crossEncoder.depth);
    // Query understanding with each intent model: naive Bayes, and chapter 2's classifier with its own row.
    expect(r.intents.map((x: { model: string }) => x.model)).toHaveLength(2);
    for (const x of r.intents) expect(x.accuracy).toBeGreaterThan(0);
    expect(row("BM25 + query understanding with chapter 2's intent model")).toBeDefined();
    // MMR: lambda 1 is the hybrid's own order; lowering it buys diversity.
    const points = r.mmr.points as { lambda: number; ndcg10: number; diversity: number }[];
    expect(points[0].lambda).toBe(1);
    expect(points[points.length - 1].diversity).toBeGreaterThan(points[0].diversity);
  });

  it.runIf(has("ranker"))("learned rankers: the library's LambdaMART is within 0.01 NDCG@10 of XGBoost's rank:ndcg on the same folds, and beats BM25", () => {
    const r = read("ranker");
    expect(r.profile).toBe("full");
    const lm = r.rows.find((x: { ranker: string }) => x.ranker.startsWith("LambdaMART"));
    const bm25 = r.rows.find((x: { ranker: string }) => x.ranker.startsWith("BM25"));
    expect(r.xgboost.folds.map((x: { fold: string }) => x.fold)).toEqual(lm.folds.map((x: { fold: string }) => x.fold));
    expect(lm.mean).toBeGreaterThan(r.xgboost.mean - 0.01);
    expect(lm.mean).toBeGreaterThan(bm25.mean);
  });

  it.runIf(has("clicks"))("clicks: both propensity estimates are near the generator's curve; IPS moves the click-trained linear ranker towards the judgment-trained one", () => {
    const r = read("clicks");
    expect(r.profile).toBe("full");
    const { shuffled, em, generator } = r.propensities as Record<string, number[]>;
    generator.forEach((g, i) => {
      expect(Math.abs(shuffled[i] - g)).toBeLessThan(0.05);
      expect(Math.abs(em[i] - g)).toBeLessThan(0.05);
    });
    const linear = r.experiments.find((x: { ranker: string }) => x.ranker === "linear RankNet");
    const ndcg = (name: string) => linear.rows.find((x: { name: string }) => x.name === name).ndcg;
    expect(ndcg("clicks-ips")).toBeGreaterThan(ndcg("clicks-naive"));
  });

  it.runIf(has("ab-test"))("A/B: the engine beats keyword search and BM25 in the simulator's truth; every comparison replays the same sessions", () => {
    const r = read("ab-test");
    expect(r.profile).toBe("full");
    type Arm = { sessions: number; expected: { clickThrough: number } };
    const rows = r.rows as { control: string; treatment: string; result: { control: Arm; treatment: Arm } }[];
    for (const control of ["keyword", "BM25"]) {
      const row = rows.find((x) => x.control.startsWith(control))!;
      expect(row.result.treatment.expected.clickThrough, control).toBeGreaterThan(row.result.control.expected.clickThrough);
    }
    const sizes = new Set(rows.map((x) => `${x.result.control.sessions}/${x.result.treatment.sessions}`));
    expect(sizes.size).toBe(1);
    // The re-ranking stage: fitted on validation queries (never the test ones), checked offline, then tested online.
    if (r.rerank) {
      expect(r.rerank.fitSplit).toBe("validation");
      for (const x of [r.rerank.offline.engine, r.rerank.offline.reranked]) expect(x).toBeGreaterThan(0);
      expect(rows.some((x) => x.treatment.startsWith("engine + learned re-ranking"))).toBe(true);
    }
  });

  it("recommendation: every record is leave-one-out with full-catalog ranking, and the history models beat popularity", () => {
    const files = readdirSync(dir).filter((x) => /^recommend-.*\.json$/.test(x));
    if (files.length === 0) console.warn("test/rank/results-card.test.ts: no recommend-*.json recorded yet.");
    for (const name of files) {
      const r = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
      expect(r.protocol).toMatch(/full-catalog ranking \(no sampled negatives\)/);
      const ndcg = (m: string) => r.models.find((x: { name: string }) => x.name === m)?.ndcg;
      for (const m of ["item-knn", "markov-1"]) if (ndcg(m) !== undefined) expect(ndcg(m), `${name}: ${m}`).toBeGreaterThan(ndcg("popularity"));
      for (const m of r.models) expect(m.count, `${name}: ${m.name}`).toBe(r.evaluated);
    }
  });

  it.runIf(has("recommend-amazon-scientific"))("amazon-scientific: the sequential model reaches NDCG@10 0.08 and beats Markov-1 fitted on the same items", () => {
    const r = read("recommend-amazon-scientific");
    const ndcg = (m: string) => r.models.find((x: { name: string }) => x.name === m)?.ndcg as number;
    expect(r.items).toBeGreaterThan(4000);
    expect(r.protocol).toMatch(/history excluded/);
    expect(ndcg("sasrec")).toBeGreaterThanOrEqual(0.08);
    expect(ndcg("sasrec")).toBeGreaterThan(ndcg("markov-1"));
  });

  it.runIf(has("bench-recommend"))("the recommender bench: the library's best is its fastest worker count, set against PyTorch's best, and nothing leaked", () => {
    const r = read("bench-recommend");
    type Rate = { tokensPerSecond: number; workers?: number; threads?: number };
    const byWorkers = (r.libraryByWorkers ?? [{ ...r.library, workers: 1 }]) as Rate[];
    const fastest = (xs: Rate[]) => Math.max(...xs.map((x) => x.tokensPerSecond));
    expect(byWorkers.map((x) => x.workers)).toContain(1);
    expect(r.library.tokensPerSecond).toBe(fastest(byWorkers));
    expect(r.ratio).toBeCloseTo(r.library.tokensPerSecond / fastest(r.pytorch as Rate[]), 10);
    expect(r.tensorsLeaked).toBe(0);
  });

  it.runIf(has("bench-twotower"))("the two-tower bench: the same model on both sides, the main thread and more workers against PyTorch's best, nothing leaked", () => {
    const r = read("bench-twotower");
    type Rate = { tokensPerSecond: number; workers?: number; threads?: number };
    expect(r.command).toMatch(/^npm run bench -- twotower/);
    expect(r.sameModel).toBeLessThan(1e-4);
    expect(r.tensorsLeaked).toBe(0);
    const [m] = r.methods as { library: Rate[]; pytorch: Rate[]; ratio: { value: number; library: number; pytorch: number } }[];
    expect(m.library.map((x) => x.workers)).toContain(1);
    const best = (xs: Rate[]) => xs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
    expect(m.ratio.library).toBe(best(m.library).workers);
    expect(m.ratio.value).toBeCloseTo(best(m.library).tokensPerSecond / best(m.pytorch).tokensPerSecond, 9);
  });
});
