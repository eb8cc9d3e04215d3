/**
 * The two-tower recommender (lib/src/recommend/two-tower.ts): the item tower reads text vectors,
 * so an item absent from training (cold start) is still ranked well above random for users whose
 * history is like it, where an id-only model cannot place it; training lowers the loss, leaks no
 * tensor and is seeded; bad input is named.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, Rng } from "shoplm";
import { interactionData } from "../../lib/src/recommend/interactions";
import { leaveOneOutSplit } from "../../lib/src/recommend/leave-one-out";
import { evaluateRecommender, targetRank } from "../../lib/src/recommend/recommend-eval";
import type { LeaveOneOutSplit } from "../../lib/src/recommend/recommender";
import { embedItemTexts, sliceTwoTowerBatch, trainTwoTower, TwoTower, TwoTowerBatches, type ItemTextVectors } from "../../lib/src/recommend/two-tower";

const CLUSTERS = 6;
const PER_CLUSTER = 20;
const ITEMS = CLUSTERS * PER_CLUSTER;
const DIM = 16;
/** The last two items of every cluster never appear in any sequence: cold start. */
const isCold = (item: number) => item % PER_CLUSTER >= PER_CLUSTER - 2;

/**
 * Items in topic clusters: an item's "text vector" is its cluster's direction plus noise (what a
 * text encoder gives products of one category), and each user buys within one cluster.
 */
function clusterWorld(seed = 1): { split: LeaveOneOutSplit; text: ItemTextVectors; clusterOf: (user: number) => number } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => rng.normal()));
  const vectors = new Float32Array(ITEMS * DIM);
  for (let i = 0; i < ITEMS; i++) {
    const c = centres[Math.floor(i / PER_CLUSTER)];
    for (let j = 0; j < DIM; j++) vectors[i * DIM + j] = c[j] + 0.6 * rng.normal();
  }
  const userCluster: number[] = [];
  const sequences = Array.from({ length: 300 }, (_, u) => {
    const cluster = rng.int(CLUSTERS);
    userCluster.push(cluster);
    const items = Array.from({ length: 5 + rng.int(4) }, () => `i${cluster * PER_CLUSTER + rng.int(PER_CLUSTER - 2)}`);
    return { user: `u${u}`, items, timestamps: null };
  });
  const data = interactionData(sequences, { items: Array.from({ length: ITEMS }, (_, i) => `i${i}`) });
  return { split: leaveOneOutSplit(data), text: { vectors, count: ITEMS, dimension: DIM }, clusterOf: (u) => userCluster[u] };
}

/** Mean rank (1 = best, of 120) of each cold item for the test users of its cluster. */
async function coldRanks(model: TwoTower, split: LeaveOneOutSplit, clusterOf: (u: number) => number): Promise<number> {
  const users = split.test;
  const scores = await model.scoreBatch(users.map((h) => h.history));
  let sum = 0;
  let n = 0;
  users.forEach((h, r) => {
    for (let k = 0; k < PER_CLUSTER; k++) {
      const item = clusterOf(h.user) * PER_CLUSTER + k;
      if (!isCold(item)) continue;
      sum += targetRank(scores[r], item);
      n++;
    }
  });
  return sum / n;
}

describe("two-tower", () => {
  let world: ReturnType<typeof clusterWorld>;
  beforeAll(async () => {
    await initBackend({ forced: "wasm" });
    world = clusterWorld();
  });

  it("the cold items are absent from training", () => {
    for (const seq of world.split.train) for (const item of seq) expect(isCold(item)).toBe(false);
  });

  it("ranks cold-start items well above random from their text; an id-only tower cannot", async () => {
    const { split, text, clusterOf } = world;
    const trained = await trainTwoTower(split, text, { hiddenSize: 32, epochs: 8, batchSize: 64, seed: 2 });
    // The same model with text that says nothing (one vector for every item): ids alone.
    const noText: ItemTextVectors = { vectors: new Float32Array(ITEMS * DIM).fill(1), count: ITEMS, dimension: DIM };
    const idOnly = await trainTwoTower(split, noText, { hiddenSize: 32, epochs: 8, batchSize: 64, idDropout: 0, seed: 2 });
    try {
      expect(trained.losses.at(-1)).toBeLessThan(trained.losses[0]);
      const withText = await coldRanks(trained.model, split, clusterOf);
      const withoutText = await coldRanks(idOnly.model, split, clusterOf);
      // Random is (120 + 1) / 2 = 60.5; the cluster has 20 items, so "its cluster first" is about 10.
      console.log(`two-tower cold-start mean rank of 120 (random 60.5): with text ${withText.toFixed(1)}, id-only ${withoutText.toFixed(1)}`);
      expect(withText).toBeLessThan(20);
      expect(withoutText).toBeGreaterThan(30);
      // The warm items: the usual leave-one-out evaluation, far above random (HR@10 of random: 10/120).
      const e = await evaluateRecommender(trained.model, split);
      console.log(`two-tower warm leave-one-out HR@10 ${e.hr.toFixed(3)} (random ${(10 / 120).toFixed(3)})`);
      expect(e.hr).toBeGreaterThan(0.3);
    } finally {
      trained.model.dispose();
      idOnly.model.dispose();
    }
  });

  it("leaks no tensor across steps, and the same seed gives the same losses", async () => {
    const { split, text } = world;
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const a = await trainTwoTower(split, text, { hiddenSize: 8, steps: 6, batchSize: 32, seed: 4, onStep: () => void counts.push(tf.memory().numTensors) });
    expect(new Set(counts.slice(1)).size).toBe(1);
    a.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const b = await trainTwoTower(split, text, { hiddenSize: 8, steps: 6, batchSize: 32, seed: 4 });
    expect(b.losses).toEqual(a.losses);
    b.model.dispose();
  });

  it("trains on 2 gradient workers with one thread's losses (within 1e-5), id dropout included; a share of a batch is its examples", async () => {
    const { split, text } = world;
    const options = { hiddenSize: 16, steps: 8, batchSize: 48, seed: 5 };
    const one = await trainTwoTower(split, text, options);
    const two = await trainTwoTower(split, text, { ...options, workers: 2 });
    expect([one.workers, two.workers]).toEqual([1, 2]);
    two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]) / one.losses[i], `step ${i + 1}`).toBeLessThan(1e-5));
    expect(one.losses[7]).toBeLessThan(one.losses[0]);
    const [a, b] = [await one.model.scoreBatch([Int32Array.from([1, 2, 3])]), await two.model.scoreBatch([Int32Array.from([1, 2, 3])])];
    expect(Math.max(...Array.from(a[0], (x, i) => Math.abs(x - b[0][i])))).toBeLessThan(1e-4);
    one.model.dispose();
    two.model.dispose();
    const batch = { histories: [Int32Array.from([1, 2]), Int32Array.from([3])], targets: Int32Array.from([4, 5]) };
    const share = sliceTwoTowerBatch(batch, 1, 2);
    expect(share.shard).toEqual({ start: 1, end: 2 });
    expect(share.histories.length).toBe(2);
    expect(() => sliceTwoTowerBatch(batch, 1, 1)).toThrow(/examples \[1, 1\) are not a non-empty part of a batch of 2/);
    await expect(trainTwoTower(split, text, { ...options, batchSize: 2, workers: 3 })).rejects.toThrow(/3 workers need batches of at least 3 examples/);
  }, 60_000);

  it("embeds item text with chapter 3's shipped bi-encoder (the registry's two-tower reads it)", async () => {
    const before = tf.memory().numTensors;
    const text = await embedItemTexts(["cordless drill 18v", "drill bits set", "summer dress"]);
    expect([text.count, text.dimension]).toEqual([3, 128]);
    const v = (i: number) => text.vectors.subarray(i * 128, (i + 1) * 128);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    expect(dot(v(0), v(0))).toBeCloseTo(1, 4);
    expect(tf.memory().numTensors).toBe(before);
    await expect(embedItemTexts(["x"], { biEncoder: "/nonexistent/biencoder" })).rejects.toThrow(/no bi-encoder at \/nonexistent\/biencoder/);
  });

  it("names bad input", async () => {
    const { split, text } = world;
    await expect(trainTwoTower(split, { ...text, count: 10, vectors: text.vectors.subarray(0, 10 * DIM) })).rejects.toThrow(/itemText has 10 rows but the catalog has 120 items/);
    expect(() => new TwoTower({ vectors: new Float32Array(5), count: 2, dimension: 3 })).toThrow(/5 values for 2 x 3/);
    expect(() => new TwoTower(text, { temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => new TwoTowerBatches([Int32Array.from([1])], 8, 5)).toThrow(/no user has two or more training items/);
    const model = new TwoTower(text, {}, 0);
    try {
      await expect(model.scoreBatch([Int32Array.from([3, 500])])).rejects.toThrow(/history 0, position 1: item 500 is outside the catalog of 120 items/);
      const [empty] = await model.scoreBatch([new Int32Array(0)]);
      expect(empty.every((x) => x === 0)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
