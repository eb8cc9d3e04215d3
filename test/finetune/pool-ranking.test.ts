import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { candidatePools, ESCI_GAINS, evaluateRun, initBackend, Rng, trainCrossEncoder } from "shoplm";
import type { EncodedExample } from "../../lib/src/finetune/examples";
import { groupIntoPools, PoolBatches, poolRankingLoss, rankablePools, type EncodedPool } from "../../lib/src/finetune/pool-ranking";
import { saveTinyPairCheckpoint, syntheticPairs } from "../fixtures/synthetic-pairs";

/** The losses written out pair by pair and pool by pool, in float64 (the reference). */
function referenceLoss(s: number[], g: number[], sizes: number[], objective: "pairwise" | "listwise", sharpness: number, temperature = 1): number {
  let start = 0;
  let sum = 0;
  let count = 0;
  for (const size of sizes) {
    const idx = Array.from({ length: size }, (_, i) => start + i);
    if (objective === "pairwise") {
      for (const i of idx) for (const j of idx) if (g[i] > g[j]) {
        sum += Math.log1p(Math.exp(-sharpness * (s[i] - s[j])));
        count++;
      }
    } else {
      const zt = idx.reduce((a, i) => a + Math.exp(g[i] / temperature), 0);
      const zs = idx.reduce((a, i) => a + Math.exp(sharpness * s[i]), 0);
      for (const i of idx) sum -= (Math.exp(g[i] / temperature) / zt) * (sharpness * s[i] - Math.log(zs));
      count++;
    }
    start += size;
  }
  return sum / count;
}

describe("ranking losses inside pools", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  const grades = [0, 1, 2, 3];
  const labels = Int32Array.from([3, 0, 1, 2, 2, 0, 1]);
  const sizes = Int32Array.from([4, 3]);
  const scores = [0.3, 0.9, -0.2, 1.4, 0.1, 0.5, 0.45];

  for (const objective of ["pairwise", "listwise"] as const) {
    it(`${objective}: equals the loss written out by hand, and its gradient the finite differences`, () => {
      const before = tf.memory().numTensors;
      const options = { objective, grades, sharpness: 2, temperature: 1 };
      const g = Array.from(labels, (l) => grades[l]);
      const loss = tf.tidy(() => poolRankingLoss(tf.tensor1d(scores), labels, sizes, options).dataSync()[0]);
      expect(loss).toBeCloseTo(referenceLoss(scores, g, Array.from(sizes), objective, 2), 5);
      const grad = tf.tidy(() => Array.from(tf.grad((s: tf.Tensor) => poolRankingLoss(s as tf.Tensor1D, labels, sizes, options))(tf.tensor1d(scores)).dataSync()));
      const h = 1e-5;
      scores.forEach((_, i) => {
        const up = scores.map((v, j) => (j === i ? v + h : v));
        const down = scores.map((v, j) => (j === i ? v - h : v));
        const numeric = (referenceLoss(up, g, Array.from(sizes), objective, 2) - referenceLoss(down, g, Array.from(sizes), objective, 2)) / (2 * h);
        expect(grad[i]).toBeCloseTo(numeric, 4);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("only the order inside a pool counts: adding a constant to one pool's scores changes nothing", () => {
    for (const objective of ["pairwise", "listwise"] as const) {
      const shifted = scores.map((v, i) => (i < 4 ? v + 5 : v - 3));
      const a = tf.tidy(() => poolRankingLoss(tf.tensor1d(scores), labels, sizes, { objective, grades }).dataSync()[0]);
      const b = tf.tidy(() => poolRankingLoss(tf.tensor1d(shifted), labels, sizes, { objective, grades }).dataSync()[0]);
      expect(b).toBeCloseTo(a, 4);
    }
  });

  it("refuses pools that do not add up to the scores", () => {
    expect(() => poolRankingLoss(tf.tensor1d(scores), labels, Int32Array.from([4, 2]), { objective: "listwise", grades })).toThrow(/the pools hold 6 candidates, the scores 7/);
  });
});

describe("batches of pools", () => {
  const example = (label: number, token: number): EncodedExample => ({ inputIds: Int32Array.from([2, token, 3]), tokenTypeIds: new Int32Array(3), label } as unknown as EncodedExample);
  const pools: EncodedPool[] = Array.from({ length: 6 }, (_, q) => ({
    queryId: `q${q}`,
    examples: Array.from({ length: 12 }, (_, d) => example(q === 5 ? 1 : (d * 7 + q) % 4, 10 + d)),
  }));
  const grades = [0, 1, 2, 3];

  it("drops pools of one grade; every pool drawn holds its best and worst grade; the same seed draws the same batches", () => {
    const kept = rankablePools(pools, grades);
    expect(kept.map((p) => p.queryId)).toEqual(["q0", "q1", "q2", "q3", "q4"]);
    const source = () => new PoolBatches(kept, { poolsPerBatch: 2, perPool: 4, padId: 0, maxLength: 8, grades });
    const a = source();
    const b = source();
    const rngA = new Rng(1);
    const rngB = new Rng(1);
    for (let step = 0; step < 5; step++) {
      const x = a.next(rngA);
      const y = b.next(rngB);
      expect(Array.from(x.batch.inputIds)).toEqual(Array.from(y.batch.inputIds));
      expect(Array.from(x.batch.poolSizes)).toEqual([4, 4]);
      expect(x.rows).toBe(8);
      for (let p = 0; p < 2; p++) {
        const g = Array.from(x.batch.labels.slice(p * 4, p * 4 + 4), (l) => grades[l]);
        expect(g[0]).toBe(3);
        expect(g[1]).toBe(0);
      }
    }
    expect(() => new PoolBatches([], { poolsPerBatch: 2, perPool: 4, padId: 0, maxLength: 8, grades })).toThrow(/no pool holds two different grades/);
  });

  it("groups examples by query in first-seen order", () => {
    const e = [example(0, 1), example(1, 2), example(2, 3)];
    expect(groupIntoPools(e, ["b", "a", "b"]).map((p) => [p.queryId, p.examples.length])).toEqual([["b", 2], ["a", 1]]);
    expect(() => groupIntoPools(e, ["a"])).toThrow(/3 examples for 1 query ids/);
  });
});

describe("a cross-encoder trained with a listwise loss", () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    dir = mkdtempSync(path.join(tmpdir(), "pool-ranking-"));
saveTinyPairCheckpoint(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("learns to order each held-out query's candidates (loss falls, NDCG above the shuffled order), without leaking tensors", async () => {
    const before = tf.memory().numTensors;
    const test = syntheticPairs(40, 2, "b");
    const trained = await trainCrossEncoder({ method: "full", checkpoint: dir, train: syntheticPairs(300, 1, "a"), objective: "listwise", perPool: 8, steps: 800, batchSize: 32, learningRate: 3e-3, maxLength: 16, seed: 4 });
    try {
      expect(trained.objective).toBe("listwise");
      const losses = trained.training.losses;
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(-50))).toBeLessThan(mean(losses.slice(0, 50)) - 0.3);
      const { run } = await trained.crossEncoder.rerank(candidatePools(test));
      const qrels = new Map<string, Map<string, number>>();
      for (const p of test) {
        if (!qrels.has(p.queryId)) qrels.set(p.queryId, new Map());
        (qrels.get(p.queryId) as Map<string, number>).set(p.docId, ESCI_GAINS[p.label as "E" | "S" | "I"]);
      }
      const ours = evaluateRun(run, qrels, ["ndcg@10"]).mean["ndcg@10"];
      const rng = new Rng(5);
      const shuffled = new Map([...run.keys()].map((q) => [q, rng.shuffle([...(run.get(q) as string[])])]));
      expect(ours).toBeGreaterThan(evaluateRun(shuffled, qrels, ["ndcg@10"]).mean["ndcg@10"] + 0.1);
    } finally {
      trained.crossEncoder.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});
