/**
 * "Why this item?" by occlusion (lib/src/recommend/explain.ts): exact for item-kNN (each history
 * item's similarity to the recommended one), Markov-1 credits only what the chain reads (the last
 * item, and the new last item once it is gone), one batched scoring call, and clear errors.
 */
import { describe, expect, it } from "vitest";
import { explainRecommendations, interactionData, itemKnnRecommender, leaveOneOutSplit, markovRecommender, Rng } from "shoplm";
import type { LeaveOneOutSplit, Recommender } from "shoplm";
import { itemNeighbours } from "../../lib/src/recommend/baselines";

function toySplit(seed: number, users = 60, items = 25): LeaveOneOutSplit {
  const rng = new Rng(seed);
  const seqs = Array.from({ length: users }, (_, u) => {
    const out: string[] = [];
    let last = rng.int(items);
    for (let p = 0, len = 3 + rng.int(7); p < len; p++) {
      last = rng.next() < 0.6 ? (last + 1 + rng.int(2)) % items : rng.int(items);
      out.push(`i${last}`);
    }
    return { user: `u${u}`, items: out, timestamps: null };
  });
  return leaveOneOutSplit(interactionData(seqs, { items: Array.from({ length: items }, (_, i) => `i${i}`) }));
}

describe("explainRecommendations", () => {
  const split = toySplit(3);
  const n = split.data.itemIds.length;

  it("gives item-kNN's exact reasons: each distinct history item's similarity to the recommendation", async () => {
    const model = itemKnnRecommender(split, { neighbours: 100 });
    const lists = itemNeighbours(split, 100);
    const sim = (a: number, b: number) => {
      for (let p = lists.offset[a]; p < lists.offset[a + 1]; p++) if (lists.index[p] === b) return lists.value[p];
      return 0;
    };
    const history = Int32Array.from([4, 7, 4, 9, 12]);
    const items = [5, 8, 13, 20];
    const [full] = await model.scoreBatch([history], [0]);
    const explained = await explainRecommendations(model, n, 0, history, items);
    expect(explained.map((e) => e.item)).toEqual(items);
    for (const e of explained) {
      expect(e.score).toBeCloseTo(full[e.item], 6);
      expect(e.prior).toBe(0);
      expect(e.contributions.map((c) => c.item).sort((a, b) => a - b)).toEqual([4, 7, 9, 12]);
      for (const c of e.contributions) expect(c.contribution).toBeCloseTo(sim(c.item, e.item), 6);
      // Additive model: the contributions add up to the score, and the shares to 1 when any is non-zero.
      expect(e.contributions.reduce((a, c) => a + c.contribution, 0)).toBeCloseTo(e.score, 5);
      if (e.score > 0) expect(e.contributions.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 6);
      for (let i = 1; i < e.contributions.length; i++) expect(e.contributions[i - 1].contribution).toBeGreaterThanOrEqual(e.contributions[i].contribution);
    }
    const four = explained[0].contributions.find((c) => c.item === 4)!;
    expect(four).toMatchObject({ occurrences: 2, lastPosition: 2 });
  });

  it("credits Markov-1's last item, and the new last item only through the transition it then reads", async () => {
    const model = markovRecommender(split);
    const history = Int32Array.from([2, 3, 10]);
    const [full] = await model.scoreBatch([history], [0]);
    let best = 0;
    for (let i = 0; i < n; i++) if (!history.includes(i) && full[i] > full[best]) best = i;
    const [e] = await explainRecommendations(model, n, 0, history, [best]);
    const [withoutLast] = await model.scoreBatch([Int32Array.from([2, 3])], [0]);
    const byItem = new Map(e.contributions.map((c) => [c.item, c.contribution]));
    expect(byItem.get(10)).toBeCloseTo(full[best] - withoutLast[best], 6);
    expect(byItem.get(2)).toBe(0);
    expect(byItem.get(3)).toBe(0);
    expect(e.contributions[0].item).toBe(10);
    // An empty history scores by popularity alone (the back-off).
    const [empty] = await model.scoreBatch([new Int32Array(0)], [0]);
    expect(e.prior).toBe(empty[best]);
  });

  it("reports shared attributes, scores every occluded history in one call, and handles an empty history", async () => {
    let calls = 0;
    const base = itemKnnRecommender(split);
    const model: Recommender = {
      name: "counted",
      scoreBatch: (h, u) => {
        calls++;
        return base.scoreBatch(h, u);
      },
    };
    const attributes = (i: number) => ({ brand: `b${i % 3}`, category: `c${i % 2}`, colour: undefined });
    const [e] = await explainRecommendations(model, n, 1, Int32Array.from([0, 1, 3]), [6], { attributes });
    expect(calls).toBe(1);
    const shared = new Map(e.contributions.map((c) => [c.item, c.shared]));
    expect(shared.get(0)).toEqual(["brand", "category"]);
    expect(shared.get(3)).toEqual(["brand"]);
    expect(shared.get(1)).toEqual([]);
    const [none] = await explainRecommendations(model, n, 1, new Int32Array(0), [6]);
    expect(none.contributions).toEqual([]);
    expect(none.score).toBe(none.prior);
  });

  it("names an item outside the catalog and a model that returns the wrong rows", async () => {
    const model = itemKnnRecommender(split);
    await expect(explainRecommendations(model, n, 0, Int32Array.from([1, n]), [2])).rejects.toThrow(`history position 1 holds ${n} is not an item index from 0 to ${n - 1}`);
    await expect(explainRecommendations(model, n, 0, Int32Array.from([1]), [-1])).rejects.toThrow("item -1 is not an item index");
    const broken: Recommender = { name: "broken", scoreBatch: (h) => h.slice(1).map(() => new Float32Array(n)) };
    await expect(explainRecommendations(broken, n, 0, Int32Array.from([1]), [2])).rejects.toThrow("broken.scoreBatch should return 3 rows");
  });
});
