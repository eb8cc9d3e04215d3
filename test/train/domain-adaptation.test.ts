import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adaptToDomain, Encoder, encoderConfig, initBackend, loadTokenizer, MaskedLanguageModel, readCheckpoint, Rng, saveCheckpoint, toTokenizerJson, trainWordPiece } from "shoplm";

// A "domain" the base never saw: texts from a small grammar; the base is a random tiny model.
function domainTexts(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const colours = ["amber", "teal", "ivory", "slate"];
  const things = ["lantern", "kettle", "blanket", "planter"];
  return Array.from({ length: n }, () => `${colours[rng.int(4)]} ${things[rng.int(4)]} with ${colours[rng.int(4)]} trim for the garden`);
}

let dir: string;
let encoderOnly: string;

describe("domain-adaptive pretraining", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    dir = mkdtempSync(path.join(tmpdir(), "dapt-"));
    encoderOnly = mkdtempSync(path.join(tmpdir(), "dapt-encoder-"));
    const { tokenizer } = trainWordPiece(domainTexts(200, 1), { vocabSize: 80, minFrequency: 1 });
    const config = encoderConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 16, dropout: 0, attentionDropout: 0 });
    const mlm = MaskedLanguageModel.create(config, 4);
    saveCheckpoint(dir, mlm, { tokenizer: toTokenizerJson(tokenizer) });
    mlm.params.dispose();
    const enc = Encoder.create(config, 4);
    saveCheckpoint(encoderOnly, enc, { tokenizer: toTokenizerJson(tokenizer) });
    enc.dispose();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(encoderOnly, { recursive: true, force: true });
  });

  it("continues the masked-LM objective on the domain's text: held-out perplexity falls; nothing leaks", async () => {
    const base = readCheckpoint(dir);
    const tokenizer = loadTokenizer(base.tokenizerPath as string);
    const before = tf.memory().numTensors;
    const r = await adaptToDomain(base, tokenizer, domainTexts(400, 2), { steps: 60, batchSize: 16, learningRate: 3e-3, seed: 1 });
    try {
      expect(r.trainTexts).toBe(380);
      expect(r.heldOutTexts).toBe(20);
      expect(r.after.perplexity).toBeLessThan(r.before.perplexity * 0.7);
      expect(r.before.maskedTokens).toBe(r.after.maskedTokens); // the same masks before and after
      expect(r.piecesPerWord).toBeGreaterThanOrEqual(1);
    } finally {
      r.model.params.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it("refuses an encoder-only checkpoint and too little text", async () => {
    const base = readCheckpoint(encoderOnly);
    const tokenizer = loadTokenizer(base.tokenizerPath as string);
    await expect(adaptToDomain(base, tokenizer, domainTexts(100, 3), { steps: 1 })).rejects.toThrow(/has no MLM head/);
    await expect(adaptToDomain(readCheckpoint(dir), tokenizer, domainTexts(10, 3), { steps: 1 })).rejects.toThrow(/10 non-empty texts; at least 40 are needed/);
  });
});
