import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { fineTuneIntent, initBackend, intentData, loadShop, majorityBaseline, readCheckpoint, shippedCheckpointDir, WordPieceTokenizer, type Checkpoint, type IntentRunResult, type MethodName } from "shoplm";

// Query intent (leaf category) on the fast shop from the shipped checkpoint: a tiny run per method.
const shop = loadShop("fast");
// Tiny runs need brisk rates (the library's defaults suit the longer runs of `fineTuneIntent`).
const RATES = { probe: 2e-2, full: 2e-3, lora: 1e-2 } as const;
let ckpt: Checkpoint;

describe("query intent, fine-tuned from the shipped checkpoint", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    expect(existsSync(shippedCheckpointDir())).toBe(true);
    ckpt = readCheckpoint(shippedCheckpointDir());
  });

  it("intent data: the first target's leaf category by split; the majority baseline", () => {
    const data = intentData(shop.queries);
    expect(data.train.length + data.validation.length + data.test.length).toBe(shop.queries.length);
    expect(data.labels).toEqual([...new Set(shop.queries.map((q) => q.intent.targets[0].category))].sort());
    const q = shop.queries.find((x) => x.split === "validation") as (typeof shop.queries)[number];
    expect(data.validation).toContainEqual({ text: q.text, label: q.intent.targets[0].category });
    const kinds = intentData(shop.queries, "kind");
    expect(kinds.labels.length).toBe(6);
    const base = majorityBaseline([{ text: "a", label: "x" }, { text: "b", label: "y" }, { text: "c", label: "y" }], [{ text: "d", label: "y" }, { text: "e", label: "x" }]);
    expect(base).toEqual({ label: "y", accuracy: 0.5 });
  });

  const results = new Map<MethodName, IntentRunResult>();
  for (const method of ["probe", "full", "lora"] as const) {
    it(`${method}: the loss falls and test accuracy beats the majority class`, async () => {
      const before = tf.memory().numTensors;
      const r = await fineTuneIntent({ method, queries: shop.queries, checkpoint: ckpt, steps: 80, batchSize: 32, evalEvery: 40, seed: 1, learningRate: RATES[method] });
      results.set(method, r);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.lastLoss).toBeLessThan(r.firstLoss - 0.5);
      expect(r.test.accuracy).toBeGreaterThan(r.test.majorityAccuracy + 0.03);
      expect(r.test.top3Accuracy).toBeGreaterThanOrEqual(r.test.accuracy);
      expect(r.test.top3Accuracy).toBeLessThanOrEqual(1);
      expect(r.validation.accuracy).toBeGreaterThan(r.validation.majorityAccuracy);
      expect(r.test.macroF1).toBeGreaterThan(0);
      expect(r.encoderUnchanged).toBe(method !== "full");
      expect(r.labels).toBe(intentData(shop.queries).labels.length);
    }, 300_000); // about 5 s each alone; a busy 2-core machine makes it many times that
  }

  it("trainable parameters: probe < LoRA << full, and full trains everything", () => {
    const p = results.get("probe") as IntentRunResult;
    const l = results.get("lora") as IntentRunResult;
    const f = results.get("full") as IntentRunResult;
    const h = ckpt.config.hiddenSize;
    expect(p.trainableParameters).toBe(h * p.labels + p.labels);
    // LoRA rank 8 on query and value of each layer: (h * 8 + 8 * h) per projection.
    expect(l.trainableParameters).toBe(p.trainableParameters + ckpt.config.layers * 2 * 16 * h);
    expect(f.trainableParameters).toBe(f.totalParameters);
  });

  it("a tokenizer whose vocabulary does not match the checkpoint is refused, naming both sizes", async () => {
    const small = new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "phone"] });
    await expect(fineTuneIntent({ method: "probe", queries: shop.queries, checkpoint: ckpt, tokenizer: small, steps: 1 })).rejects.toThrow(
      /tokenizer vocabulary has 6 tokens but checkpoint .*models.full has vocabSize 8000/
    );
  });
});
