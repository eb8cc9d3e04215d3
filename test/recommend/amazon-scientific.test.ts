/**
 * The recommendation baselines on real logs: ../shared/datasets/amazon-scientific (Amazon
 * Reviews 2018 Industrial & Scientific, 5-core), leave-one-out with full-catalog ranking. Skips
 * with a message where the folder is absent (it is never shipped with the project).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateRecommender, interactionData, leaveOneOutSplit, loadRecSequences, markovRecommender, popularityRecommender } from "shoplm";

const DATA = path.resolve(__dirname, "../../../shared/datasets/amazon-scientific");
const present = existsSync(path.join(DATA, "sequences.json"));
if (!present) console.warn(`test/recommend/amazon-scientific.test.ts: skipped: no real data at ${DATA} (see ../shared/datasets/README.md).`);

describe.skipIf(!present)("amazon-scientific, leave-one-out, full ranking", () => {
  it("Markov-1 reaches about 0.07 NDCG@10 and beats popularity by far", async () => {
    const loaded = await loadRecSequences(DATA);
    const data = interactionData(loaded.records, { items: loaded.items.map((i) => i.id) });
    expect(data.userIds.length).toBe(8317);
    expect(data.itemIds.length).toBe(4344);
    const split = leaveOneOutSplit(data);
    expect(split.test.length).toBe(8317); // 5-core: every user has at least five items
    const markov = await evaluateRecommender(markovRecommender(split), split, { batchSize: 512 });
    const pop = await evaluateRecommender(popularityRecommender(split), split, { batchSize: 512 });
    // Measured 0.0681 (HR@10 0.0897); popularity 0.0167.
    expect(markov.ndcg).toBeGreaterThan(0.06);
    expect(markov.ndcg).toBeLessThan(0.08);
    expect(markov.ndcg).toBeGreaterThan(3 * pop.ndcg);
    expect(markov.repeatTargets).toBe(0);
  });
});
