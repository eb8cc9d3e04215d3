/**
 * BPR matrix factorisation (lib/src/recommend/bpr.ts) and the model registry
 * (lib/src/recommend/registry.ts): the loss falls, a seed fixes the run, the scores are the
 * factors' dot products, BPR learns taste groups that popularity cannot see, and every
 * registered model trains and scores the whole catalog.
 */
import { describe, expect, it } from "vitest";
import { evaluateRecommender, interactionData, leaveOneOutSplit, popularityRecommender, RECOMMENDER_MODELS, recommenderModel, Rng, trainBpr } from "shoplm";
import type { LeaveOneOutSplit } from "shoplm";

/** Two taste groups over disjoint halves of the catalog, with one globally popular item each. */
function groupSplit(seed: number, users = 120, items = 40): LeaveOneOutSplit {
  const rng = new Rng(seed);
  const half = items / 2;
  const seqs = Array.from({ length: users }, (_, u) => {
    const base = u % 2 === 0 ? 0 : half;
    const len = 4 + rng.int(5);
    const out = new Set<string>();
    while (out.size < len) out.add(`i${base + Math.floor(half * rng.next() ** 1.5)}`);
    return { user: `u${u}`, items: [...out], timestamps: null };
  });
  return leaveOneOutSplit(interactionData(seqs, { items: Array.from({ length: items }, (_, i) => `i${i}`) }));
}

describe("trainBpr", () => {
  it("lowers the BPR loss, and the same seed gives the same model", async () => {
    const split = groupSplit(1);
    const a = await trainBpr(split, { seed: 3, epochs: 15, factors: 8 });
    expect(a.losses).toHaveLength(15);
    expect(a.losses[0]).toBeGreaterThan(0.6); // about ln 2 with small random factors
    expect(a.losses[7]).toBeLessThan(a.losses[0]);
    expect(a.losses[14]).toBeLessThan(a.losses[7]);
    expect(a.losses[14]).toBeLessThan(0.9 * a.losses[0]);
    const b = await trainBpr(split, { seed: 3, epochs: 15, factors: 8 });
    expect(Array.from(b.itemFactors)).toEqual(Array.from(a.itemFactors));
    const c = await trainBpr(split, { seed: 4, epochs: 15, factors: 8 });
    expect(Array.from(c.itemFactors)).not.toEqual(Array.from(a.itemFactors));
  });

  it("scores an item by the user's vector times the item's, plus its bias", async () => {
    const split = groupSplit(2);
    const m = await trainBpr(split, { seed: 1, epochs: 2, factors: 4 });
    const [row] = await m.scoreBatch([new Int32Array()], [5]);
    let expected = m.itemBias[7];
    for (let f = 0; f < 4; f++) expected += m.userFactors[5 * 4 + f] * m.itemFactors[7 * 4 + f];
    expect(row[7]).toBeCloseTo(expected, 5);
    expect(() => m.scoreBatch([new Int32Array()], [10_000])).toThrow(/user index 10000 is not a user of the training split/);
  });

  it("learns the taste groups: beats popularity on held-out items", async () => {
    const split = groupSplit(3);
    const bpr = await evaluateRecommender(await trainBpr(split, { seed: 1, epochs: 40, factors: 8 }), split, { k: 5 });
    const pop = await evaluateRecommender(popularityRecommender(split), split, { k: 5 });
    expect(bpr.ndcg).toBeGreaterThan(pop.ndcg + 0.05);
  });

  it("rejects bad sizes", async () => {
    const split = groupSplit(1);
    await expect(trainBpr(split, { factors: 0 })).rejects.toThrow(/factors must be an integer >= 1, got 0/);
    await expect(trainBpr(split, { learningRate: -1 })).rejects.toThrow(/learningRate must be a finite number >= 0, got -1/);
    await expect(trainBpr(split, { profile: "huge" as never })).rejects.toThrow(/profile must be "fast" or "full"/);
  });
});

describe("RECOMMENDER_MODELS", () => {
  it("trains every registered model by name and scores the whole catalog", async () => {
    const split = groupSplit(4, 40, 20);
    for (const name of Object.keys(RECOMMENDER_MODELS)) {
      const model = await recommenderModel(name).train(split, { seed: 1, epochs: 1, itemText: split.data.itemIds.map((id) => `item ${id}`) });
      const rows = await model.scoreBatch([split.test[0].history], [split.test[0].user]);
      expect(rows[0], name).toBeInstanceOf(Float32Array);
      expect(rows[0].length, name).toBe(20);
    }
    expect(() => recommenderModel("nope")).toThrow(/Unknown recommender "nope": expected one of popularity, item-knn, markov-1, bpr/);
  });
});
