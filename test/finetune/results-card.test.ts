/**
 * Chapter 2's results card (data/models/finetune/README.md): generated from the records the runs
 * wrote, and what those records must show.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const dir = path.join(root, "data", "models", "finetune");
const read = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8"));
type Row = { method: string; trainableParameters: number; trainableShare: number; test: number; validation: number | null; mlmPerplexity: number; steps: number };

describe("the chapter 2 results card", () => {
  it("is what the records generate", () => {
    const card = spawnSync(process.execPath, [path.join(root, "scripts", "finetune-card.mjs"), "--check"], { encoding: "utf8" });
    expect(card.status, card.stderr).toBe(0);
  });

  it("every shop task: the same budget for every method, made from the shipped checkpoint by the command it names", () => {
    for (const task of ["intent", "attributes", "relevance"]) {
      const r = read(task);
      expect(r.command).toMatch(new RegExp(`^npm run finetune -- --task ${task} `));
      expect(r.profile).toBe("full");
      for (const row of r.rows as Row[]) {
        expect(row.steps, `${task} ${row.method}`).toBe(r.steps);
        expect(row.trainableShare > 0 && row.trainableShare <= 1).toBe(true);
      }
      // A probe changes no encoder weight: the base model's masked-LM perplexity, exactly.
      const probe = (r.rows as Row[]).find((x) => x.method === "probe") as Row;
      expect(probe.mlmPerplexity).toBe(r.basePerplexity);
      const full = (r.rows as Row[]).find((x) => x.method === "full") as Row;
      expect(full.trainableShare).toBe(1);
      expect(full.mlmPerplexity).toBeGreaterThan(r.basePerplexity);
    }
  });

  it("intent: every method beats the majority class, full fine-tuning by far; all six methods compared", () => {
    const r = read("intent");
    expect((r.rows as Row[]).map((x) => x.method).sort()).toEqual(["adalora", "adapter", "full", "lora", "prefix", "probe"]);
    for (const row of r.rows as Row[]) expect(row.test).toBeGreaterThan(r.baseline.test);
    const full = (r.rows as Row[]).find((x) => x.method === "full") as Row;
    expect(full.test).toBeGreaterThan(r.baseline.test + 0.3);
  });

  it("Crowdflower, where the cross-encoder starts: the shop checkpoint, after domain-adaptive pretraining, from random weights; the same folds", () => {
    const plain = read("crowdflower");
    const variants = readdirSync(dir)
      .filter((f) => /^crowdflower-match-.+\.json$/.test(f))
      .map((f) => ({ ...read(f.replace(/\.json$/, "")), name: f.replace(/\.json$/, "") }));
    expect(variants.length).toBeGreaterThanOrEqual(1);
    const mean = (record: typeof plain, prefix: string) => record.scorers.find((x: { name: string }) => x.name.startsWith(prefix)).ndcgMean;
    for (const r of variants) {
      // The same budget, or a longer one that the record's name states (crowdflower-match-<steps>).
      const steps = /^crowdflower-match-(\d+)$/.exec(r.name)?.[1];
      expect([r.matchChannel, r.method, r.steps, r.maxLength, r.folds]).toEqual([true, "full", steps ? Number(steps) : plain.steps, plain.maxLength, plain.folds]);
      if (steps) expect(r.command).toContain(`--steps ${steps}`);
      expect(mean(r, "BM25 (tuned on train)")).toBeCloseTo(mean(plain, "BM25 (tuned on train)"), 10);
      if (r.dapt) {
        // Domain-adaptive pretraining learned the new text: its held-out perplexity fell.
        expect(r.command).toContain(`--dapt-steps ${r.dapt.steps}`);
        expect(r.dapt.perplexityAfter).toBeLessThan(r.dapt.perplexityBefore / 10);
        expect(mean(r, "cross-encoder")).toBeGreaterThan(mean(plain, "cross-encoder") + 0.02);
      }
      if (r.init === "scratch") expect(r.command).toContain("--init scratch");
    }
  });

  it("Crowdflower with four times the fine-tuning: the cross-encoder gains, its fusion with LambdaMART stays below LambdaMART alone", () => {
    const short = read("crowdflower-match");
    const long = read("crowdflower-match-1000");
    const mean = (record: typeof short, prefix: string) => record.scorers.find((x: { name: string }) => x.name.startsWith(prefix)).ndcgMean;
    expect([short.steps, long.steps, long.workers]).toEqual([250, 1000, 2]);
    expect(mean(long, "cross-encoder")).toBeGreaterThan(mean(short, "cross-encoder"));
    expect(mean(long, "fusion: cross-encoder (full, match channel) + LambdaMART")).toBeLessThan(mean(long, "LambdaMART"));
    // The same folds and the same LambdaMART: only the cross-encoder's training changed.
    expect(mean(long, "LambdaMART")).toBe(mean(short, "LambdaMART"));
  });

  it("relevance with the lexical match channel: the full cross-encoder passes keyword overlap, which the plain pair does not", () => {
    const plain = read("relevance");
    const r = read("relevance-match");
    expect(r.command).toMatch(/^npm run finetune -- --task relevance .*--match-channel/);
    expect([r.matchChannel, r.profile, r.steps, r.rows.map((x: Row) => x.method)]).toEqual([true, "full", plain.steps, ["full"]]);
    expect(r.baseline.test).toBeCloseTo(plain.baseline.test, 10); // the same test pools and keyword ranker
    const full = (plain.rows as Row[]).find((x) => x.method === "full") as Row;
    expect(full.test).toBeLessThan(plain.baseline.test);
    expect(r.rows[0].test).toBeGreaterThan(r.baseline.test + 0.05);
  });

  it("attributes: full fine-tuning beats the lexicon baseline on test spans", () => {
    const r = read("attributes");
    const full = (r.rows as Row[]).find((x) => x.method === "full") as Row;
    expect(full.test).toBeGreaterThan(r.baseline.test);
  });

  it("Crowdflower: the cross-encoder and the baselines over the same ten query-grouped folds, from one run", () => {
    const r = read("crowdflower");
    expect(r.command).toMatch(/^npm run relevance -- --data \S*crowdflower-search --folds 10 /);
    expect(r.split).toBe("queries");
    expect(r.folds).toHaveLength(10);
    const names = r.scorers.map((x: { name: string }) => x.name);
    for (const name of ["random", "mean grade", "BM25 (tuned on train)"]) expect(names).toContain(name);
    expect(names.some((n: string) => n.startsWith("cross-encoder"))).toBe(true);
    for (const scorer of r.scorers) expect(scorer.folds.map((f: { fold: string }) => f.fold)).toEqual(r.folds);
    const mean = (name: string) => r.scorers.find((x: { name: string }) => x.name === name).ndcgMean;
    // The reference points: random about 0.77, a tuned BM25 about 0.85.
    expect(mean("random")).toBeGreaterThan(0.74);
    expect(mean("random")).toBeLessThan(0.8);
    expect(mean("BM25 (tuned on train)")).toBeGreaterThan(mean("random") + 0.05);
  });

  it("Crowdflower with the lexical match channel: the same folds and baselines, and a cross-encoder that has left random behind", () => {
    const plain = read("crowdflower");
    const r = read("crowdflower-match");
    expect(r.command).toMatch(/^npm run relevance -- --data \S*crowdflower-search --folds 10 .*--match-channel/);
    expect([r.matchChannel, r.method, r.split, r.steps, r.maxLength]).toEqual([true, "full", "queries", plain.steps, plain.maxLength]);
    expect(r.folds).toEqual(plain.folds);
    const mean = (record: typeof r, prefix: string) => record.scorers.find((x: { name: string }) => x.name.startsWith(prefix)).ndcgMean;
    // The same folds: the baselines are the same numbers in both runs.
    for (const name of ["random", "mean grade", "BM25 (tuned on train)"]) expect(mean(r, name)).toBeCloseTo(mean(plain, name), 10);
    const channel = mean(r, "cross-encoder (full, match channel");
    expect(channel).toBeGreaterThan(mean(plain, "cross-encoder") + 0.02);
    // Significantly above random over the 261 queries (the plain cross-encoder is not).
    const versusRandom = r.comparisons.find((c: { a: string; b: string }) => c.a.startsWith("cross-encoder") && c.b === "random");
    expect(versusRandom.meanDifference).toBeGreaterThan(0);
    expect(versusRandom.randomisationP).toBeLessThan(0.01);
  });

  it("Crowdflower, the cross-encoder fused with the tuned BM25 in the same run: fold by fold between its parts or above", () => {
    const r = read("crowdflower-match");
    expect(r.fuse).toBe(true);
    expect(r.command).toContain("--fuse");
    const by = (prefix: string) => r.scorers.find((x: { name: string }) => x.name.startsWith(prefix));
    const [fusion, ce, bm25] = [by("fusion:"), by("cross-encoder"), by("BM25 (tuned on train)")];
    expect(fusion.name).toBe(`fusion: ${ce.name} + ${bm25.name}, z-scores`);
    // Fixed equal weights on z-scores: never below the weaker part of a fold by more than noise.
    fusion.folds.forEach((f: { ndcg: number }, i: number) => expect(f.ndcg).toBeGreaterThan(Math.min(ce.folds[i].ndcg, bm25.folds[i].ndcg) - 0.005));
    expect(fusion.ndcgMean).toBeGreaterThan(Math.max(ce.ndcgMean, bm25.ndcgMean));
    const versusBm25 = r.comparisons.find((c: { a: string; b: string }) => c.a === fusion.name && c.b === bm25.name);
    expect(versusBm25.queries).toBe(261);
  });

  it("Crowdflower, LambdaMART on text-match features in the same run: significantly above the tuned BM25 on every query-grouped fold's mean, and fused with the cross-encoder", () => {
    const r = read("crowdflower-match");
    const by = (name: string) => r.scorers.find((x: { name: string }) => x.name === name);
    const ce = r.scorers.find((x: { name: string }) => x.name.startsWith("cross-encoder"));
    const [ltr, bm25] = [by("LambdaMART on text-match features"), by("BM25 (tuned on train)")];
    expect(ltr.folds).toHaveLength(10);
    // Trained per fold on the training queries only; the number of trees chosen on held-out training queries.
    for (const f of ltr.folds) expect(f.note).toMatch(/^\d+ trees \(held-out NDCG@10 0\.\d{4} on \d+ queries\)$/);
    expect(ltr.ndcgMean).toBeGreaterThan(bm25.ndcgMean + 0.01);
    const versusBm25 = r.comparisons.find((c: { a: string; b: string }) => c.a === ltr.name && c.b === bm25.name);
    expect(versusBm25.queries).toBe(261);
    expect(versusBm25.meanDifference).toBeCloseTo(ltr.ndcgMean - bm25.ndcgMean, 2);
    expect(versusBm25.randomisationP).toBeLessThan(0.01);
    const fusion = by(`fusion: ${ce.name} + ${ltr.name}, z-scores`);
    fusion.folds.forEach((f: { ndcg: number }, i: number) => expect(f.ndcg).toBeGreaterThan(Math.min(ce.folds[i].ndcg, ltr.folds[i].ndcg) - 0.005));
    expect(r.comparisons.some((c: { a: string; b: string }) => c.a === fusion.name && c.b === ltr.name)).toBe(true);
  });

  it("the fine-tuning speed records: both methods on 1 and 2 gradient workers beside PyTorch at 1 and 2 threads, the ratio of the two bests", () => {
    const benches = readdirSync(dir).filter((f) => /^bench-finetune.*\.json$/.test(f));
    expect(benches.length).toBeGreaterThan(0);
    type Side = { tokensPerSecond: number };
    for (const file of benches) {
      const r = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
      expect(r.command).toMatch(/^npm run bench -- finetune/);
      expect(r.methods.map((m: { method: string }) => m.method)).toEqual(["full", "lora"]);
      for (const m of r.methods) {
        expect(m.library.map((x: { workers: number }) => x.workers)).toEqual([1, 2]);
        expect(m.pytorch.map((x: { threads: number }) => x.threads)).toEqual([1, 2]);
        const best = (xs: Side[]) => Math.max(...xs.map((x) => x.tokensPerSecond));
        expect(m.ratio.value, `${file} ${m.method}`).toBeCloseTo(best(m.library) / best(m.pytorch), 10);
        expect(m.library.find((x: Side) => x.tokensPerSecond === best(m.library)).workers).toBe(m.ratio.library);
      }
    }
  });
});
