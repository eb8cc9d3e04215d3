/**
 * The SASRec-style sequential recommender (lib/src/recommend/sasrec.ts): it learns a sequential
 * pattern that popularity cannot (full and sampled softmax), training leaks no tensor across steps,
 * the same seed gives the same model, a history longer than maxLength reads as its newest items,
 * save and load round-trip (a wrong shape names the tensor and both shapes), bad input is named,
 * and, under COURSE_PROFILE=full (it trains for many minutes), on ../shared/datasets/amazon-scientific
 * it beats first-order Markov and popularity from the same run (it says so when it misses the
 * issue's goal, NDCG@10 >= 0.08).
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "shoplm";
import { loadRecSequences } from "../../lib/src/data/sequences";
import { markovRecommender, popularityRecommender } from "../../lib/src/recommend/baselines";
import { interactionData } from "../../lib/src/recommend/interactions";
import { leaveOneOutSplit } from "../../lib/src/recommend/leave-one-out";
import { evaluateRecommender } from "../../lib/src/recommend/recommend-eval";
import type { LeaveOneOutSplit } from "../../lib/src/recommend/recommender";
import { recommenderModel } from "../../lib/src/recommend/registry";
import { loadSasRec, SasRec, SasRecBatches, saveSasRec, sasRecConfig, trainSasRec } from "../../lib/src/recommend/sasrec";

const AMAZON = path.resolve(__dirname, "../../../shared/datasets/amazon-scientific");
const hasAmazon = existsSync(path.join(AMAZON, "sequences.json"));
const FULL = process.env.COURSE_PROFILE === "full";
/** The best recipe measured (40 epochs of 130 steps, about 12 minutes on a busy 2-core machine). */
const SASREC_AMAZON = { epochs: 40, batchSize: 64, dropout: 0.5, learningRate: 1e-3, seed: 0 } as const;
if (!hasAmazon) console.warn(`test/recommend/sasrec.test.ts: the amazon-scientific check is skipped: ${AMAZON} is absent (real data is fetched by the user).`);
else if (!FULL) console.warn("test/recommend/sasrec.test.ts: the amazon-scientific check (tens of minutes of training) runs under COURSE_PROFILE=full only.");

/**
 * Users walk a ring of items in one of two directions (up or down), from a random start. The next
 * item depends on the last two (the direction), so the last item alone (Markov-1) is right half
 * the time and popularity is near random; a model that reads the order gets it right.
 */
function ringSplit(items = 24, users = 240, seed = 1): LeaveOneOutSplit {
  const rng = new Rng(seed);
  const sequences = Array.from({ length: users }, (_, u) => {
    const step = rng.bernoulli(0.5) ? 1 : items - 1;
    let at = rng.int(items);
    const length = 5 + rng.int(6);
    const seq: string[] = [];
    for (let t = 0; t < length; t++) {
      seq.push(`i${at}`);
      at = (at + step) % items;
    }
    return { user: `u${u}`, items: seq, timestamps: null };
  });
  return leaveOneOutSplit(interactionData(sequences, { items: Array.from({ length: items }, (_, i) => `i${i}`) }));
}

describe("sasrec", () => {
  let split: LeaveOneOutSplit;
  beforeAll(async () => {
    await initBackend({ forced: "wasm" });
    split = ringSplit();
  });

  it("learns an order-dependent pattern that Markov-1 gets half right (full softmax)", async () => {
    const trained = await trainSasRec(split, { hiddenSize: 32, layers: 2, heads: 2, intermediateSize: 32, maxLength: 12, dropout: 0.1, batchSize: 32, steps: 300, learningRate: 3e-3, seed: 3 });
    try {
      expect(trained.losses.at(-1)).toBeLessThan(trained.losses[0] - 1.5);
      // History items stay in the ranking: else the one wrong Markov candidate (the previous item) is removed.
      const ours = await evaluateRecommender(trained.model, split, { k: 1, excludeHistory: false });
      const markov = await evaluateRecommender(markovRecommender(split), split, { k: 1, excludeHistory: false });
      expect(ours.hr).toBeGreaterThan(0.9);
      expect(markov.hr).toBeLessThan(0.7);
      expect(trained.tokensPerSecond).toBeGreaterThan(0);
    } finally {
      trained.model.dispose();
    }
  });

  it("sampled softmax (a few items per batch plus the batch's targets) learns it too", async () => {
    const trained = await trainSasRec(split, { hiddenSize: 32, layers: 2, heads: 2, intermediateSize: 32, maxLength: 12, dropout: 0.1, batchSize: 32, steps: 300, learningRate: 3e-3, sampledItems: 4, seed: 3 });
    try {
      const ours = await evaluateRecommender(trained.model, split, { k: 1, excludeHistory: false });
      expect(ours.hr).toBeGreaterThan(0.85);
    } finally {
      trained.model.dispose();
    }
  });

  it("sampled batches hold their targets among the candidates", () => {
    const source = new SasRecBatches(split.train, { batchSize: 8, maxLength: 12, sampledItems: 5, items: 24 });
    const { batch, count } = source.next(new Rng(0));
    expect(batch.candidates).not.toBeNull();
    expect(batch.labels.length).toBe(count);
    const full = new SasRecBatches(split.train, { batchSize: 8, maxLength: 12, sampledItems: 0, items: 24 }).next(new Rng(0)).batch;
    batch.labels.forEach((l, i) => expect((batch.candidates as Int32Array)[l]).toBe(full.labels[i]));
  });

  it("leaks no tensor across training steps, and the same seed gives the same losses", async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const options = { hiddenSize: 16, layers: 1, heads: 1, intermediateSize: 16, maxLength: 8, batchSize: 16, steps: 12, seed: 5 };
    const epochs: Array<{ epoch: number; epochs: number; loss: number }> = [];
    const a = await trainSasRec(split, { ...options, onStep: () => void counts.push(tf.memory().numTensors), onEpoch: (p) => void epochs.push(p) });
    expect(new Set(counts.slice(1)).size).toBe(1);
    // 12 steps of a 15-step epoch: one report, at the end.
    expect(epochs).toEqual([{ epoch: 1, epochs: 1, loss: a.losses.reduce((x, y) => x + y, 0) / 12 }]);
    const scores = await a.model.scoreBatch([split.test[0].history]);
    a.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const b = await trainSasRec(split, options);
    expect(b.losses).toEqual(a.losses);
    expect(await b.model.scoreBatch([split.test[0].history])).toEqual(scores);
    b.model.dispose();
  });

  it("trains on 2 gradient worker threads with one thread's losses (1e-5), full and sampled softmax", async () => {
    for (const sampledItems of [0, 4]) {
      const options = { hiddenSize: 16, layers: 1, heads: 2, intermediateSize: 16, maxLength: 8, dropout: 0.1, batchSize: 16, steps: 8, seed: 5, sampledItems };
      const one = await trainSasRec(split, { ...options, workers: 1 });
      const two = await trainSasRec(split, { ...options, workers: 2 });
      expect([one.workers, two.workers]).toEqual([1, 2]);
      two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]) / one.losses[i], `sampled ${sampledItems}, step ${i + 1}`).toBeLessThan(1e-5));
      const [a, b] = [await one.model.scoreBatch([split.test[0].history]), await two.model.scoreBatch([split.test[0].history])];
      a[0].forEach((x, i) => expect(Math.abs(x - b[0][i])).toBeLessThan(1e-4));
      one.model.dispose();
      two.model.dispose();
    }
  }, 120_000);

  it("a batch's users slice with their positions and labels (the sampled classes stay the batch's)", () => {
    const source = new SasRecBatches(split.train, { batchSize: 8, maxLength: 6, sampledItems: 3, items: 24 });
    const { batch, count } = source.next(new Rng(2));
    const front = source.slice(batch, 0, 3);
    const back = source.slice(batch, 3, 8);
    expect(front.count + back.count).toBe(count);
    expect([...front.batch.labels, ...back.batch.labels]).toEqual([...batch.labels]);
    expect([...front.batch.positions, ...Array.from(back.batch.positions, (p) => p + 3 * batch.length)]).toEqual([...batch.positions]);
    expect(back.batch.tokens).toEqual(batch.tokens.slice(3 * batch.length));
    expect(back.batch.candidates).toBe(batch.candidates);
    expect(() => source.slice(batch, 3, 3)).toThrow(/expected rows 0 <= start < end <= 8, got \[3, 3\)/);
  });

  it("reads only the newest maxLength items of a long history; an empty history gets the item bias", async () => {
    const model = SasRec.create(sasRecConfig({ items: 24, hiddenSize: 16, layers: 1, heads: 2, intermediateSize: 16, maxLength: 4 }), 7);
    try {
      const long = Int32Array.from([1, 2, 3, 4, 5, 6, 7]);
      const [a, b, c, empty] = await model.scoreBatch([long, long.slice(3), long.slice(4), new Int32Array(0)]);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      expect(Array.from(empty)).toEqual(Array.from(new Float32Array(24)));
    } finally {
      model.dispose();
    }
  });

  it("names an item outside the catalog and bad sizes", async () => {
    const model = SasRec.create(sasRecConfig({ items: 24, hiddenSize: 16, layers: 1, heads: 1, intermediateSize: 16, maxLength: 4 }), 0);
    try {
      await expect(model.scoreBatch([Int32Array.from([1, 2]), Int32Array.from([3, 99])])).rejects.toThrow(/history 1, position 1: item 99 is outside the catalog of 24 items/);
    } finally {
      model.dispose();
    }
    expect(() => sasRecConfig({ items: 10, hiddenSize: 30, heads: 4 })).toThrow(/hiddenSize 30 is not a multiple of heads 4/);
    expect(() => sasRecConfig({ items: 10, maxLen: 5 } as never)).toThrow(/unknown option\(s\) maxLen/);
    expect(() => new SasRecBatches([Int32Array.from([1])], { batchSize: 4, maxLength: 4, sampledItems: 0, items: 10 })).toThrow(/no user has two or more training items/);
  });

  it("is in the registry of recommenders (npm run recommend, the notebook's table)", async () => {
    const model = await recommenderModel("sasrec").train(split, { epochs: 1, seed: 1 });
    expect(model.name).toBe("sasrec");
    const [scores] = await model.scoreBatch([split.test[0].history], [split.test[0].user]);
    expect(scores.length).toBe(24);
    (model as SasRec).dispose();
    await expect(recommenderModel("two-tower").train(split)).rejects.toThrow(/options.itemText .* is required/);
  });

  describe("save and load", () => {
    let dir: string;
    beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), "sasrec-"))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("round-trips the scores and the item ids", async () => {
      const model = SasRec.create(sasRecConfig({ items: 24, hiddenSize: 16, layers: 1, heads: 1, intermediateSize: 16, maxLength: 6 }), 11);
      const histories = split.test.slice(0, 5).map((h) => h.history);
      const before = await model.scoreBatch(histories);
      saveSasRec(dir, model, split.data.itemIds);
      model.dispose();
      const loaded = loadSasRec(dir);
      expect(loaded.itemIds).toEqual(split.data.itemIds);
      expect(await loaded.model.scoreBatch(histories)).toEqual(before);
      loaded.model.dispose();
    });

    it("a tensor of the wrong shape is named with both shapes", () => {
      const manifest = JSON.parse(readFileSync(path.join(dir, "sasrec.json"), "utf8"));
      manifest.config.items = 30;
      const other = mkdtempSync(path.join(tmpdir(), "sasrec-bad-"));
      try {
        writeFileSync(path.join(other, "sasrec.json"), JSON.stringify(manifest));
        writeFileSync(path.join(other, "sasrec.bin"), readFileSync(path.join(dir, "sasrec.bin")));
        expect(() => loadSasRec(other)).toThrow(/"embeddings.word_embeddings" has shape \[25, ?16\].*expects \[31, ?16\]/);
        expect(() => loadSasRec(path.join(other, "missing"))).toThrow(/sasrec.json is missing/);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });

  it.skipIf(!hasAmazon || !FULL)(
    "amazon-scientific, leave-one-out, full ranking: above Markov-1 and popularity from the same run (the issue's goal: NDCG@10 >= 0.08)",
    async () => {
      const loaded = await loadRecSequences(AMAZON);
      const real = leaveOneOutSplit(interactionData(loaded.records));
      const trained = await trainSasRec(real, SASREC_AMAZON);
      try {
        const ours = await evaluateRecommender(trained.model, real);
        const markov = await evaluateRecommender(markovRecommender(real), real);
        const popularity = await evaluateRecommender(popularityRecommender(real), real);
        console.log(`sasrec on amazon-scientific (${trained.epochs} epochs, ${Math.round(trained.tokensPerSecond)} tokens/s): NDCG@10 ${ours.ndcg.toFixed(4)}, HR@10 ${ours.hr.toFixed(4)}; Markov-1 ${markov.ndcg.toFixed(4)}; popularity ${popularity.ndcg.toFixed(4)}`);
        // Measured 2026-12-05 with this recipe: 0.0745 (Markov-1 0.0681): the goal of 0.08 is not met yet.
        if (ours.ndcg < 0.08) console.warn(`sasrec on amazon-scientific: NDCG@10 ${ours.ndcg.toFixed(4)} is below the issue's goal of 0.08.`);
        expect(ours.ndcg).toBeGreaterThan(markov.ndcg);
        expect(ours.ndcg).toBeGreaterThan(popularity.ndcg);
      } finally {
        trained.model.dispose();
      }
    },
    7_200_000
  );
});

describe("sasRecPlan: the profile's recipe adapted to the data's size", () => {
  const splitOf = (users: number, length: number, items: number) =>
    leaveOneOutSplit(interactionData(Array.from({ length: users }, (_, u) => ({ user: `u${u}`, items: Array.from({ length }, (_, t) => `i${(u * 7 + t) % items}`), timestamps: null })), { items: Array.from({ length: items }, (_, i) => `i${i}`) }));

  it("keeps the recipe for a small catalog, samples the softmax above the threshold, and caps the predictions", async () => {
    const { sasRecPlan, SASREC_FULL_SOFTMAX_ITEMS, SASREC_SAMPLED_ITEMS, SASREC_MAX_PREDICTIONS } = await import("../../lib/src/recommend/registry");
    const small = sasRecPlan(splitOf(100, 6, 50), "full");
    expect(small).toMatchObject({ epochs: 40, batchSize: 64, sampledItems: 0, notes: [] });
    const wide = sasRecPlan(splitOf(100, 6, SASREC_FULL_SOFTMAX_ITEMS + 1), "fast");
    expect(wide.sampledItems).toBe(SASREC_SAMPLED_ITEMS);
    expect(wide.epochs).toBe(20);
    expect(wide.notes.join(" ")).toMatch(/sampled softmax/);
    // 20,000 users x 60 items: training sequences of 58, capped at 51, so 50 predictions each.
    const long = sasRecPlan(splitOf(20_000, 60, 500), "full");
    expect(long.epochs).toBe(Math.floor(SASREC_MAX_PREDICTIONS / (20_000 * 50)));
    expect(long.notes.join(" ")).toMatch(/epochs instead of 40: 1000000 predictions per epoch/);
    expect(sasRecPlan(splitOf(20_000, 60, 500), "full", 7).epochs).toBe(7);
  });
});
