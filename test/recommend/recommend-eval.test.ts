/**
 * Full-catalog leave-one-out evaluation (lib/src/recommend/recommend-eval.ts) and the baselines
 * (lib/src/recommend/baselines.ts): ranks with ties worked by hand, the streaming top-k against a
 * sort, and HR/NDCG/MRR and the baselines' scores against an independent numpy reference
 * (scripts/golden/recommend_reference.py).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateRecommender, interactionData, recommendItems, itemKnnRecommender, leaveOneOutSplit, markovRecommender, popularityRecommender, Rng } from "shoplm";
import type { LeaveOneOutSplit, Recommender } from "shoplm";
import { targetRank, topKItems } from "../../lib/src/recommend/recommend-eval";

const PYTHON = "/usr/bin/python3";
const REFERENCE = path.resolve(__dirname, "../../scripts/golden/recommend_reference.py");
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import numpy"]).status === 0;
if (!hasNumpy) console.warn("test/recommend/recommend-eval.test.ts: the numpy reference checks are skipped: no /usr/bin/python3 with numpy.");

interface Reference {
  metrics: { hr: number; ndcg: number; mrr: number } | null;
  ranks: number[] | null;
  popularity?: number[][];
  item_knn?: number[][];
  markov?: number[][];
  baseline_metrics?: Record<string, { hr: number; ndcg: number; mrr: number }>;
}

function reference(input: object): Reference {
  const r = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`recommend_reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Reference;
}

/** A seeded toy log: skewed popularity, some repeats, lengths 1 to 9. */
function toySplit(seed: number, users = 40, items = 30): LeaveOneOutSplit {
  const rng = new Rng(seed);
  const seqs = Array.from({ length: users }, (_, u) => {
    const len = 1 + rng.int(9);
    const out: string[] = [];
    let last = rng.int(items);
    for (let p = 0; p < len; p++) {
      // Half the time a neighbour of the last item (sequential signal), else a popular-skewed draw.
      last = rng.next() < 0.5 ? (last + 1 + rng.int(2)) % items : Math.floor(items * rng.next() ** 2);
      out.push(`i${last}`);
    }
    return { user: `u${u}`, items: out, timestamps: null };
  });
  return leaveOneOutSplit(interactionData(seqs, { items: Array.from({ length: items }, (_, i) => `i${i}`) }));
}

const matrixModel = (rows: Float32Array[]): Recommender => {
  let next = 0;
  return { name: "matrix", scoreBatch: (h) => h.map(() => rows[next++]) };
};

const matrixModelFixed = (row: Float32Array): Recommender => ({ name: "fixed", scoreBatch: (h) => h.map(() => row.slice()) });

describe("targetRank and topKItems", () => {
  it("counts ties pessimistically and leaves a masked target out of the ranking (rank n + 1)", () => {
    const s = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.5]);
    expect(targetRank(s, 1)).toBe(1);
    expect(targetRank(s, 0)).toBe(4); // 0.9 and the two other 0.5s rank ahead
    expect(targetRank(s, 2)).toBe(4);
    expect(targetRank(s, 3)).toBe(5);
    expect(targetRank(s, 0, Uint8Array.from([0, 1, 0, 0, 0]))).toBe(3);
    expect(targetRank(s, 1, Uint8Array.from([0, 1, 0, 0, 0]))).toBe(6);
    expect(targetRank(new Float32Array(4), 2)).toBe(4); // constant scores: last
    expect(() => targetRank(Float32Array.from([NaN, 1]), 0)).toThrow(/NaN/);
  });

  it("returns the k best, ties to the lower index, skipping masked items", () => {
    const s = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.5, 0.95]);
    expect(Array.from(topKItems(s, 3))).toEqual([5, 1, 0]);
    expect(Array.from(topKItems(s, 4, Uint8Array.from([0, 1, 0, 0, 0, 0])))).toEqual([5, 0, 2, 4]);
    const rng = new Rng(3);
    const big = Float32Array.from({ length: 500 }, () => Math.round(rng.next() * 50));
    const sorted = Array.from(big.keys()).sort((a, b) => big[b] - big[a] || a - b);
    expect(Array.from(topKItems(big, 20))).toEqual(sorted.slice(0, 20));
  });
});

describe("evaluateRecommender", () => {
  it("reports the metrics of a score matrix equal to the numpy reference (1e-9), with and without excluding history", async () => {
    if (!hasNumpy) return;
    const split = toySplit(7);
    const n = split.data.itemIds.length;
    const rng = new Rng(11);
    // Scores on a coarse grid, so that ties happen.
    const rows = split.test.map(() => Float32Array.from({ length: n }, () => Math.floor(rng.next() * 8) / 4));
    for (const exclude of [true, false]) {
      const mine = await evaluateRecommender(matrixModel(rows), split, { k: 5, excludeHistory: exclude, batchSize: 7 });
      const ref = reference({ n_items: n, k: 5, exclude_history: exclude, scores: rows.map((r) => Array.from(r)), held_out: split.test.map((h) => ({ history: Array.from(h.history), target: h.target })) });
      expect(Array.from(mine.ranks)).toEqual(ref.ranks);
      expect(Math.abs(mine.hr - ref.metrics!.hr)).toBeLessThan(1e-9);
      expect(Math.abs(mine.ndcg - ref.metrics!.ndcg)).toBeLessThan(1e-9);
      expect(Math.abs(mine.mrr - ref.metrics!.mrr)).toBeLessThan(1e-9);
    }
  });

  it("groups by activity and target popularity, and measures coverage and popularity bias", async () => {
    const split = toySplit(5);
    const pop = await evaluateRecommender(popularityRecommender(split), split, { k: 3 });
    expect(pop.count).toBe(split.test.length);
    expect(pop.byActivity.reduce((a, g) => a + g.count, 0)).toBe(split.test.length);
    expect(pop.byTargetPopularity.map((g) => g.group)).toEqual(["0", "1-4", "5+"]);
    expect(pop.byTargetPopularity[0].hr).toBe(0); // a popularity model never ranks an unseen item in its top 3
    expect(pop.topK.every((l) => l.length === 3)).toBe(true);
    expect(pop.popularityPercentile).toBeGreaterThan(0.8);
    const knn = await evaluateRecommender(itemKnnRecommender(split), split, { k: 3 });
    expect(knn.coverage).toBeGreaterThan(pop.coverage);
    expect(knn.popularityPercentile).toBeLessThan(pop.popularityPercentile);
    // History items never appear in a top-k list when excluded.
    pop.topK.forEach((list, i) => list.forEach((item) => expect(split.test[i].history.includes(item)).toBe(false)));
  });

  it("rejects a bad k, a wrong number of rows and rows of the wrong length", async () => {
    const split = toySplit(5);
    const n = split.data.itemIds.length;
    await expect(evaluateRecommender(popularityRecommender(split), split, { k: 0 })).rejects.toThrow(/options.k must be an integer from 1 to the catalog size 30, got 0/);
    await expect(evaluateRecommender({ name: "short", scoreBatch: (h) => h.slice(1).map(() => new Float32Array(n)) }, split)).rejects.toThrow(/returned \d+ score rows for \d+ histories/);
    await expect(evaluateRecommender({ name: "narrow", scoreBatch: (h) => h.map(() => new Float32Array(n - 1)) }, split)).rejects.toThrow(/Float32Array of 30 scores/);
  });
});

describe("recommendItems", () => {
  it("lists the best item ids after a history, leaving the history out by default", async () => {
    const split = toySplit(5);
    const model = matrixModelFixed(Float32Array.from({ length: 30 }, (_, i) => i));
    expect(await recommendItems(model, split.data, 0, Int32Array.from([29, 27]), 3)).toEqual(["i28", "i26", "i25"]);
    expect(await recommendItems(model, split.data, 0, Int32Array.from([29]), 2, { excludeHistory: false })).toEqual(["i29", "i28"]);
    await expect(recommendItems(model, split.data, 0, Int32Array.from([30]), 2)).rejects.toThrow(/history holds 30, not an item index from 0 to 29/);
  });
});

describe("baselines against the numpy reference", () => {
  it("popularity, item-kNN and Markov-1 give the reference's scores and metrics", async () => {
    if (!hasNumpy) return;
    const split = toySplit(9, 60, 25);
    const held = split.test.map((h) => ({ history: Array.from(h.history), target: h.target }));
    const ref = reference({ n_items: 25, k: 5, exclude_history: true, scores: null, held_out: held, train: split.train.map((t) => Array.from(t)), neighbours: 4 });
    const models: Array<[Recommender, number[][], string]> = [
      [popularityRecommender(split), ref.popularity!, "popularity"],
      [itemKnnRecommender(split, { neighbours: 4 }), ref.item_knn!, "item-knn"],
      [markovRecommender(split), ref.markov!, "markov-1"],
    ];
    for (const [model, expected, name] of models) {
      const rows = await model.scoreBatch(split.test.map((h) => h.history), split.test.map((h) => h.user));
      rows.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i][j]), `${name} row ${i} item ${j}`).toBeLessThan(1e-5)));
      const mine = await evaluateRecommender(model, split, { k: 5 });
      const want = ref.baseline_metrics![name];
      expect(Math.abs(mine.ndcg - want.ndcg), name).toBeLessThan(1e-9);
      expect(Math.abs(mine.hr - want.hr), name).toBeLessThan(1e-9);
      expect(Math.abs(mine.mrr - want.mrr), name).toBeLessThan(1e-9);
    }
  });
});
