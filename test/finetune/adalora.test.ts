import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { adalora, adaloraBudget, classificationBatch, initBackend } from "shoplm";
import { PAD, syntheticExamples, tinyEncoder } from "./fixtures";
import { lossEnds, trainTiny } from "./helpers";

function forward(encoder: ReturnType<typeof tinyEncoder>, hooks?: object): Float32Array {
  return tf.tidy(() => {
    const b = classificationBatch(syntheticExamples(4, 9), PAD, 12);
    const shape: [number, number] = [b.batch, b.length];
    return encoder.forwardRows({ inputIds: tf.tensor2d(b.inputIds, shape, "int32"), attentionMask: tf.tensor2d(b.attentionMask, shape) }, hooks ? { hooks } : {}).rows;
  }).dataSync() as Float32Array;
}

describe("AdaLoRA", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("the budget: the initial total until warm-up ends, a cubic decrease, then the target", () => {
    expect(adaloraBudget(5, 40, 16, 10, 30)).toBe(40);
    expect(adaloraBudget(10, 40, 16, 10, 30)).toBe(40);
    expect(adaloraBudget(20, 40, 16, 10, 30)).toBe(19); // 16 + 24 * 0.5^3
    expect(adaloraBudget(30, 40, 16, 10, 30)).toBe(16);
    expect(adaloraBudget(99, 40, 16, 10, 30)).toBe(16);
  });

  it("starts as the base model, trains to its rank budget, keeps the encoder bitwise, pulls P and Q towards orthogonal", async () => {
    const enc = tinyEncoder();
    const method = adalora(enc, { initialRank: 4, targetRank: 2, warmupSteps: 10, finalStep: 40, pruneEvery: 5, orthogonality: 0.1, seed: 3 });
    try {
      expect(Array.from(forward(enc, method.hooks))).toEqual(Array.from(forward(enc)));
      const n = method.projections.length;
      expect(n).toBe(4); // query and value of 2 layers
      expect(method.params.count()).toBe(n * (16 * 4 + 4 + 4 * 16));
      const penalty = () => {
        const r = method.regularizer();
        const v = r.dataSync()[0];
        r.dispose();
        return v;
      };
      const before = penalty();
      const run = await trainTiny(enc, method, { steps: 60, lr: 2e-2 });
      expect(run.changedEncoder).toEqual([]);
      // Importance comes from the real gradients: positive for kept triplets, and not all alike.
      const scores = Object.values(method.importance()).flat();
      expect(scores.filter((s) => s > 0).length).toBeGreaterThanOrEqual(2 * n);
      expect(new Set(scores).size).toBeGreaterThan(n);
      const { total, byProjection } = method.ranks();
      expect(total).toBe(2 * n);
      expect(Object.values(byProjection).every((k) => k >= 0 && k <= 4)).toBe(true);
      expect(penalty()).toBeLessThan(0.5 * before);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(first);
      expect(new Set(run.tensorCounts).size).toBe(1);
      // A pruned triplet has no effect: zeroing its P column changes nothing.
      const [name, k] = Object.entries(byProjection).find(([, k]) => k < 4) as [string, number];
      expect(k).toBeLessThan(4);
      const out = forward(enc, method.hooks);
      const pruned = method.projections.find((p) => p.name === name)?.mask.findIndex((m) => m === 0) as number;
      const P = method.params.get(`${name}.adalora_P`);
      const values = Float32Array.from(P.dataSync());
      const zeroed = values.map((v, i) => (i % 4 === pruned ? 0 : v));
      tf.tidy(() => P.assign(tf.tensor(zeroed, P.shape)));
      expect(Array.from(forward(enc, method.hooks))).toEqual(Array.from(out));
    } finally {
      method.dispose();
      enc.dispose();
    }
  });

  it("bad options are clear errors", () => {
    const enc = tinyEncoder();
    try {
      expect(() => adalora(enc, { initialRank: 2, targetRank: 3, warmupSteps: 1, finalStep: 5 })).toThrow(/targetRank must be an integer in \[0, initialRank=2\], got 3/);
      expect(() => adalora(enc, { initialRank: 20, targetRank: 3, warmupSteps: 1, finalStep: 5 })).toThrow(/initialRank 20 is larger than the layer encoder\.layer_0\.attention\.self\.query allows/);
      expect(() => adalora(enc, { initialRank: 2, targetRank: 1, warmupSteps: 5, finalStep: 5 })).toThrow(/0 <= warmupSteps < finalStep/);
    } finally {
      enc.dispose();
    }
  });
});
