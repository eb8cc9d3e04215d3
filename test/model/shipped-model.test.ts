/**
 * The shipped course model (data/models/full, made by `npm run pretrain -- --profile full`):
 * intact, of the full profile's shape, as good as the model card says and as the issue asks
 * (held-out perplexity at most a fifth of a unigram baseline's, on shop text and on real text).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { getProfile, initBackend, loadMaskedLanguageModel, loadTokenizer, readCheckpoint } from "shoplm";

const root = path.resolve(__dirname, "../..");
const dir = path.join(root, "data", "models", "full");

describe("the shipped course model", () => {
  it("is intact and has the full profile's shape", () => {
    const checkpoint = readCheckpoint(dir);
    const m = getProfile("full").model;
    expect(checkpoint.config).toMatchObject({ hiddenSize: m.hiddenSize, layers: m.layers, heads: m.heads, intermediateSize: m.intermediateSize, maxPositions: m.maxLength });
    expect(loadTokenizer(dir).vocabSize).toBe(checkpoint.config.vocabSize);
  });

  it("beats the unigram baseline fivefold on held-out shop text, and on amazon-scientific item text, and the model card says so", () => {
    const run = JSON.parse(readFileSync(path.join(dir, "run.json"), "utf8"));
    expect(run.profile).toBe("full");
    expect(run.heldOut.perplexity).toBeLessThanOrEqual(run.unigramPerplexity / 5);
    const amazon = JSON.parse(readFileSync(path.join(root, "data", "models", "amazon-scientific.json"), "utf8"));
    expect(amazon.heldOut.perplexity).toBeLessThanOrEqual(amazon.unigramPerplexity / 5);
    const card = spawnSync(process.execPath, [path.join(root, "scripts", "model-card.mjs"), "--check"], { encoding: "utf8" });
    expect(card.status, card.stderr).toBe(0);
  });

  it("fills in a blank in a shop phrase, the same way every time", async () => {
    await initBackend();
    const model = loadMaskedLanguageModel(dir);
    const tokenizer = loadTokenizer(dir);
    const maskId = tokenizer.tokenToId("[MASK]")!;
    const ids = tokenizer.encode("stainless steel water [MASK] with a leak-proof lid").inputIds;
    const before = tf.memory().numTensors;
    const [first] = await model.predictMasked([ids], maskId, { topK: 5 });
    const [again] = await model.predictMasked([ids], maskId, { topK: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(again).toEqual(first);
    expect(first.ids).toHaveLength(5);
    const total = first.probabilities.reduce((s, p) => s + p, 0);
    expect(total).toBeLessThanOrEqual(1 + 1e-6);
    for (let i = 1; i < 5; i++) expect(first.probabilities[i]).toBeLessThanOrEqual(first.probabilities[i - 1]);
    model.params.dispose();
  });
});
