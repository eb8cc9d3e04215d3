import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { classifierIntent, encodeExamples, fineTuneIntent, initBackend, loadFineTuned, intentData, loadShop, majorityBaseline, readCheckpoint, shippedCheckpointDir, WordPieceTokenizer, type Checkpoint, type IntentRunResult, type MethodName } from "shoplm";

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

  it("a saved intent model serves query understanding: softmax over the categories, argmax = its prediction, unknown texts named", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "intent-"));
    const dir = path.join(scratch, "model");
    try {
      await fineTuneIntent({ method: "lora", queries: shop.queries, checkpoint: ckpt, steps: 20, batchSize: 32, seed: 1, learningRate: RATES.lora, observer: { inspect: ({ save }) => save?.(dir, {}) } });
      const loaded = loadFineTuned(dir);
      try {
        const texts = shop.queries.slice(0, 12).map((q) => q.text);
        const intent = await classifierIntent(loaded, texts);
        const encoded = encodeExamples(loaded.tokenizer, texts.map((text) => ({ text, label: loaded.manifest.head.labels[0] })), { labels: loaded.manifest.head.labels, maxLength: loaded.manifest.maxLength });
        const predicted = await loaded.classifier.predict(encoded, loaded.tokenizer.padId, loaded.manifest.maxLength);
        texts.forEach((text, i) => {
          const p = intent(text);
          expect(p.size).toBe(loaded.manifest.head.labels.length);
          expect([...p.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          const best = [...p].reduce((a, b) => (b[1] > a[1] ? b : a));
          expect(best[0]).toBe(loaded.manifest.head.labels[predicted[i]]);
        });
        expect(() => intent("never classified")).toThrow(/"never classified" was not among the 12 texts/);
      } finally {
        loaded.classifier.dispose();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 300_000);

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

  it("trains on 2 gradient worker threads with one thread's losses (1e-5) and predictions", async () => {
    const run = (workers: number) => fineTuneIntent({ method: "full", layerDecay: 0.9, classWeights: true, queries: shop.queries, checkpoint: ckpt, steps: 6, batchSize: 32, seed: 1, learningRate: RATES.full, workers });
    const one = await run(1);
    const two = await run(2);
    expect([one.training.workers, two.training.workers]).toEqual([1, 2]);
    two.training.losses.forEach((l, i) => expect(Math.abs(l - one.training.losses[i]) / one.training.losses[i]).toBeLessThan(1e-5));
    const agree = two.test.predicted.filter((p, i) => p === one.test.predicted[i]).length / one.test.predicted.length;
    expect(agree).toBeGreaterThan(0.98);
  }, 180_000);

  it("a tokenizer whose vocabulary does not match the checkpoint is refused, naming both sizes", async () => {
    const small = new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "phone"] });
    await expect(fineTuneIntent({ method: "probe", queries: shop.queries, checkpoint: ckpt, tokenizer: small, steps: 1 })).rejects.toThrow(
      /tokenizer vocabulary has 6 tokens but checkpoint .*models.full has vocabSize 8000/
    );
  });
});
