import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  compareFineTuningMethods,
  encodeTexts,
  fineTunedMlm,
  initBackend,
  loadEncoder,
  loadShop,
  loadTokenizer,
  lora,
  readCheckpoint,
  shippedCheckpointDir,
  shopTextSplit,
  specialTokenIds,
  type Checkpoint,
} from "shoplm";

const shop = loadShop("fast");
let base: Checkpoint;

describe("forgetting: the base MLM head on a fine-tuned encoder", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    base = readCheckpoint(shippedCheckpointDir());
  });

  it("a fresh LoRA (B = 0) changes nothing; a non-zero update changes the perplexity; nothing leaks", async () => {
    const tokenizer = loadTokenizer(base.tokenizerPath as string);
    const options = { sequences: encodeTexts(tokenizer, shopTextSplit(shop).heldOut.slice(0, 64), 32), special: specialTokenIds(tokenizer), vocabSize: tokenizer.vocabSize, maxLength: 32, seed: 3 };
    const before = tf.memory().numTensors;
    const encoder = loadEncoder(base);
    const method = lora(encoder, { rank: 4, alpha: 8, targets: ["query", "value"], seed: 1 });
    try {
      const plain = await fineTunedMlm(base, null, options);
      const fresh = await fineTunedMlm(base, { encoder, method }, options);
      expect(fresh.perplexity).toBe(plain.perplexity);
      expect(fresh.maskedTokens).toBe(plain.maskedTokens);
      for (const [name, v] of (method.params as NonNullable<typeof method.params>).entries()) {
        if (!name.endsWith("lora_B")) continue;
        const filled = tf.fill(v.shape, 0.05);
        v.assign(filled);
        filled.dispose();
      }
      const moved = await fineTunedMlm(base, { encoder, method }, options);
      expect(moved.perplexity).not.toBe(plain.perplexity);
    } finally {
      method.dispose();
      encoder.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});

describe("the comparison runner", () => {
  it("one row per method, same budget: trainable share, seconds per epoch, memory, quality, forgetting", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const rows: string[] = [];
    const c = await compareFineTuningMethods({
      task: "intent",
      methods: ["probe", "full", "lora"],
      shop,
      checkpoint: base,
      steps: 4,
      batchSize: 8,
      seed: 1,
      forgettingBatches: 2,
      onRow: (r) => rows.push(r.method),
    });
    expect(rows).toEqual(["probe", "full", "lora"]);
    expect(c.metric).toMatch(/accuracy/);
    expect(c.baseline.name).toBe("majority class");
    expect(c.trainExamples).toBe(shop.queries.filter((q) => q.split === "train").length);
    const [probe, full, lo] = c.rows;
    // A probe leaves the encoder as it was: the same masked-LM perplexity as the base, bit for bit.
    expect(probe.mlmPerplexity).toBe(c.basePerplexity);
    expect(full.mlmPerplexity).not.toBe(c.basePerplexity);
    expect(lo.mlmPerplexity).not.toBe(c.basePerplexity);
    expect(probe.trainableParameters).toBeLessThan(lo.trainableParameters);
    expect(lo.trainableParameters).toBeLessThan(full.trainableParameters);
    expect(full.trainableShare).toBe(1);
    for (const r of c.rows) {
      expect(r.steps).toBe(4);
      expect(r.secondsPerEpoch).toBeCloseTo((r.seconds * c.trainExamples) / (4 * 8), 6);
      expect(r.peakTensors).toBeGreaterThan(0);
      expect(r.peakBytes).toBeGreaterThan(0);
      expect(r.test).toBeGreaterThanOrEqual(0);
      expect(r.validation).not.toBeNull();
    }
    // Full fine-tuning keeps AdamW moments for every weight: more memory between steps than a probe.
    expect(full.peakBytes).toBeGreaterThan(probe.peakBytes);
  }, 600_000);

  it("with workers asked for, every method but AdaLoRA trains on them; AdaLoRA on one thread, and each row says which", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const c = await compareFineTuningMethods({ task: "intent", methods: ["probe", "adalora"], shop, checkpoint: base, steps: 2, batchSize: 8, seed: 1, forgettingBatches: 1, workers: 2 });
    expect(c.rows.map((r) => [r.method, r.workers])).toEqual([
      ["probe", 2],
      ["adalora", 1],
    ]);
  }, 600_000);

  it("refuses an unknown task and an empty method list", async () => {
    await expect(compareFineTuningMethods({ task: "ranking" as never, methods: ["probe"], shop, steps: 1 })).rejects.toThrow(/task must be one of intent, attributes, relevance, got "ranking"/);
    await expect(compareFineTuningMethods({ task: "intent", methods: [], shop, steps: 1 })).rejects.toThrow(/no methods/);
  });
});
