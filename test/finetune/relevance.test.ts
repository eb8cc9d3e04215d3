import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  candidatePools,
  Encoder,
  ESCI_GAINS,
  ESCI_SCALE,
  evaluateRun,
  evaluateShopReranking,
  fineTuneShopRelevance,
  gradeRmse,
  initBackend,
  judgedPools,
  judgmentQrels,
  keywordRanker,
  loadCrossEncoder,
  loadShop,
  rankingsSideBySide,
  readCheckpoint,
  Rng,
  saveCheckpoint,
  saveCrossEncoder,
  shippedCheckpointDir,
  shopRelevancePairs,
  trainCrossEncoder,
  trainWordPiece,
} from "shoplm";

import { saveTinyPairCheckpoint, syntheticPairs } from "../fixtures/synthetic-pairs";

let dir: string;

describe("cross-encoder relevance", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    dir = mkdtempSync(path.join(tmpdir(), "cross-encoder-"));
    saveTinyPairCheckpoint(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("learns a pair task: the loss falls and re-ranking held-out queries beats their judged order shuffled", async () => {
    const before = tf.memory().numTensors;
    // Matching two segments from scratch is slow to learn: the loss sits at the labels' entropy
    // (1.08) for a few hundred steps, then falls (about 0.5 after 2,000).
    const train = syntheticPairs(300, 1, "a");
    const test = syntheticPairs(40, 2, "b");
    const trained = await trainCrossEncoder({ method: "full", checkpoint: dir, train, steps: 1500, batchSize: 32, learningRate: 3e-3, maxLength: 16, seed: 4 });
    try {
      const losses = trained.training.losses;
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(-50))).toBeLessThan(mean(losses.slice(0, 50)) - 0.3);
      const { run, scores } = await trained.crossEncoder.rerank(candidatePools(test));
      const qrels = new Map<string, Map<string, number>>();
      for (const p of test) {
        if (!qrels.has(p.queryId)) qrels.set(p.queryId, new Map());
        (qrels.get(p.queryId) as Map<string, number>).set(p.docId, ESCI_GAINS[p.label as "E" | "S" | "I"]);
      }
      const ours = evaluateRun(run, qrels, ["ndcg@10"]).mean["ndcg@10"];
      const rng = new Rng(5);
      const shuffled = new Map([...run.keys()].map((q) => [q, rng.shuffle([...(run.get(q) as string[])])]));
      const random = evaluateRun(shuffled, qrels, ["ndcg@10"]).mean["ndcg@10"];
      expect(ours).toBeGreaterThan(random + 0.1);
      // The run is the scores' order, highest first.
      const [q] = run.keys();
      const s = scores.get(q) as Map<string, number>;
      const ranked = run.get(q) as string[];
      for (let i = 1; i < ranked.length; i++) expect(s.get(ranked[i - 1]) as number).toBeGreaterThanOrEqual(s.get(ranked[i]) as number);
      // Expected grades lie within the scale's grades.
      for (const v of s.values()) expect(v >= 0 && v <= 3).toBe(true);

      // Saved as a fine-tuned checkpoint (base reference + head + weights) and loaded back: the same scores.
      const saved = path.join(dir, "..", `${path.basename(dir)}-ce`);
      const manifest = saveCrossEncoder(saved, trained, { note: "test" });
      expect(manifest.base.weightsSha256).toBe(readCheckpoint(dir).manifest.weights.sha256);
      expect(manifest.weights.tensors.some((t) => t.name.startsWith("encoder/"))).toBe(true); // full fine-tuning keeps the encoder
      const pairs = test.slice(0, 24);
      const loaded = loadCrossEncoder(saved);
      try {
        expect(Array.from(await loaded.expectedGrades(pairs))).toEqual(Array.from(await trained.crossEncoder.expectedGrades(pairs)));
      } finally {
        loaded.dispose();
        rmSync(saved, { recursive: true, force: true });
      }
    } finally {
      trained.crossEncoder.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);

  it("bad input: a label outside the scale, an empty title, a tokenizer for another vocabulary", async () => {
    const good = syntheticPairs(2, 1, "x");
    await expect(trainCrossEncoder({ method: "probe", checkpoint: dir, train: [{ ...good[0], label: "X" }], steps: 1 })).rejects.toThrow(/train\[0\]\.label: "X" is not in the task's label set \{E, S, C, I\}/);
    await expect(trainCrossEncoder({ method: "probe", checkpoint: dir, train: [{ ...good[0], text: " " }], steps: 1 })).rejects.toThrow(/train\[0\]\.pair: expected a non-empty text, got " "/);
    const other = trainWordPiece(["a b c d e f g"], { vocabSize: 40, minFrequency: 1 }).tokenizer;
    await expect(trainCrossEncoder({ method: "probe", checkpoint: dir, tokenizer: other, train: good, steps: 1 })).rejects.toThrow(/tokenizer vocabulary has \d+ tokens but checkpoint .* has vocabSize \d+/);
    await expect(trainCrossEncoder({ method: "probe", checkpoint: dir, train: good, steps: 1, scale: { labels: ["a", "b"], grades: [0] } })).rejects.toThrow(/2 labels but 1 grades/);
  }, 120_000);

  it("a LoRA checkpoint holds only the head and the LoRA factors; another base or shape is refused by name", async () => {
    const before = tf.memory().numTensors;
    const trained = await trainCrossEncoder({ method: "lora", loraRank: 2, checkpoint: dir, train: syntheticPairs(20, 3, "c"), steps: 3, batchSize: 8, maxLength: 16, seed: 1 });
    const saved = path.join(dir, "..", `${path.basename(dir)}-lora`);
    try {
      const manifest = saveCrossEncoder(saved, trained);
      const h = 32;
      // Head h x 4 + 4; LoRA rank 2 on query and value of 2 layers: 2 * 2 * (h * 2 + 2 * h).
      const scalars = manifest.weights.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      expect(scalars).toBe(h * 4 + 4 + 2 * 2 * (h * 2 + 2 * h));
      expect(manifest.weights.byteLength).toBe(4 * scalars);
      expect(manifest.method).toMatchObject({ name: "lora", settings: { loraRank: 2 }, seed: 1 });
      const pairs = syntheticPairs(2, 4, "d");
      const loaded = loadCrossEncoder(saved);
      expect(Array.from(await loaded.expectedGrades(pairs))).toEqual(Array.from(await trained.crossEncoder.expectedGrades(pairs)));
      loaded.dispose();
      // Another base: a checkpoint with other weights.
      const other = path.join(dir, "..", `${path.basename(dir)}-other`);
      const ckpt = readCheckpoint(dir);
      const encoder = Encoder.create(ckpt.config, 99);
      saveCheckpoint(other, encoder, { tokenizer: ckpt.tokenizerPath });
      encoder.dispose();
      expect(() => loadCrossEncoder(saved, { base: other })).toThrow(/trained on the base whose weights have sha256 [0-9a-f]{64}, but .* has [0-9a-f]{64}: it is another base model/);
      rmSync(other, { recursive: true, force: true });
      // A head of another shape (one label more in the manifest than the saved tensor has).
      const file = path.join(saved, "finetuned.json");
      const json = JSON.parse(readFileSync(file, "utf8"));
      json.head.labels.push("X");
      json.grades.push(9);
      writeFileSync(file, JSON.stringify(json));
      expect(() => loadCrossEncoder(saved)).toThrow(/Weight "classifier.kernel" has shape \[32, 4\] in fine-tuned checkpoint .* but the model expects \[32, 5\]/);
      // A folder that is not a fine-tuned checkpoint.
      expect(() => loadCrossEncoder(dir)).toThrow(/no finetuned.json \(not a fine-tuned checkpoint folder/);
    } finally {
      trained.crossEncoder.dispose();
      rmSync(saved, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it("gradeRmse: a hand-worked case and its errors", () => {
    expect(gradeRmse([1, 2, 4], [1, 3, 2])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(() => gradeRmse([1], [1, 2])).toThrow(/1 predictions for 2 grades/);
    expect(() => gradeRmse([], [])).toThrow(/no grades/);
  });
});

describe("shop relevance from the shipped checkpoint", () => {
  it("trains on train-split judgments, re-ranks every test pool, and scores the baselines on the same queries", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const shop = loadShop("fast");
    const train = shopRelevancePairs(shop, "train");
    const trainQueries = new Set(shop.queries.filter((q) => q.split === "train").map((q) => q.id));
    expect(train.length).toBe(shop.judgments.filter((j) => trainQueries.has(j.query)).length);
    expect(new Set(train.map((p) => p.label))).toEqual(new Set(ESCI_SCALE.labels));
    const before = tf.memory().numTensors;
    const r = await fineTuneShopRelevance({ shop, method: "lora", checkpoint: readCheckpoint(shippedCheckpointDir()), steps: 6, batchSize: 16, maxLength: 32, maxTrainPairs: 200, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.trainPairs).toBe(200);
    expect(r.testQueries).toBe(shop.queries.filter((q) => q.split === "test").length);
    expect(r.rows.map((x) => x.ranker)).toEqual(["cross-encoder (lora)", "random", "popularity", "keyword"]);
    // Every test pool is re-ranked whole.
    const pools = judgedPools(shop.judgments.filter((j) => r.run.has(j.query)));
    for (const [q, ids] of r.run) expect([...ids].sort()).toEqual([...(pools.get(q) as string[])].sort());
    // The keyword row is what evaluating the keyword baseline directly gives.
    const qrels = judgmentQrels(shop.judgments.filter((j) => r.run.has(j.query)), ESCI_GAINS);
    const keyword = keywordRanker(pools, shop.products);
    const direct = evaluateRun(new Map(shop.queries.filter((q) => q.split === "test").map((q) => [q.id, keyword(q)])), qrels, ["ndcg@10", "rr"], { relevanceThreshold: 1, scale: { min: 0, max: 1 } });
    const row = r.rows[3];
    expect(row.ndcg10).toBeCloseTo(direct.mean["ndcg@10"], 12);
    expect(row.mrr).toBeCloseTo(direct.mean.rr, 12);
    const vs = row.versusCrossEncoder as NonNullable<typeof row.versusCrossEncoder>;
    expect(vs.meanDifference).toBeCloseTo(r.rows[0].ndcg10 - row.ndcg10, 12);
    expect(vs.holmP).toBeGreaterThanOrEqual(vs.randomisationP);
    // The same evaluation for any run: the keyword baseline ranked against itself differs by 0.
    const keywordRun = new Map([...r.run.keys()].map((q) => [q, keyword(shop.queries.find((x) => x.id === q) as (typeof shop.queries)[number])]));
    const self = evaluateShopReranking(shop, keywordRun, "keyword again", 2);
    expect(self[0].ndcg10).toBeCloseTo(direct.mean["ndcg@10"], 12);
    expect(self[3].versusCrossEncoder?.meanDifference).toBe(0);
    expect(() => evaluateShopReranking(shop, new Map([["no-such-query", []]]), "x")).toThrow(/1 of the run's query ids are not queries of this shop/);
    // Side by side: titles with their judged labels, rank by rank.
    const [q] = r.run.keys();
    const side = rankingsSideBySide(shop, q, { keyword: keywordRun.get(q) as string[], "cross-encoder": r.run.get(q) as string[] }, 3);
    expect(side.map((row) => row.rank)).toEqual([1, 2, 3]);
    const first = shop.products.find((p) => p.id === (keywordRun.get(q) as string[])[0]) as (typeof shop.products)[number];
    expect(side[0].keyword).toMatch(new RegExp(`^${first.title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\((Exact|Substitute|Complement|Irrelevant)\\)$`));
  }, 600_000);
});
