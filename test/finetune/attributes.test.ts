import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ATTRIBUTE_TAGS,
  attributeData,
  encodeTaggedExamples,
  fineTuneAttributes,
  initBackend,
  lexiconTags,
  loadAttributeTags,
  loadTokenizer,
  majorityTags,
  readCheckpoint,
  shippedCheckpointDir,
  spanScores,
  tokenClassificationBatch,
  WordPieceTokenizer,
  type AttributeRunResult,
  type Checkpoint,
} from "shoplm";

// Attribute extraction (BIO tags) on the fast shop from the shipped checkpoint: tiny runs.
const rows = loadAttributeTags("fast");
let ckpt: Checkpoint;
let tokenizer: WordPieceTokenizer;

describe("attribute extraction, fine-tuned from the shipped checkpoint", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    expect(existsSync(shippedCheckpointDir())).toBe(true);
    ckpt = readCheckpoint(shippedCheckpointDir());
    tokenizer = loadTokenizer(ckpt.tokenizerPath as string);
  });

  it("data by split; the baselines: all-O predicts no span, the lexicon finds some", () => {
    const data = attributeData(rows);
    expect(data.labels).toEqual(ATTRIBUTE_TAGS);
    expect(data.train.length + data.validation.length + data.test.length).toBe(rows.length);
    expect(attributeData(rows, ["query"]).test.every((e) => e.source === "query")).toBe(true);
    const truth = data.test.map((e) => e.tags);
    expect(spanScores(truth, majorityTags(data.test)).micro).toMatchObject({ f1: 0, predicted: 0 });
    expect(lexiconTags([{ words: ["Red", "mug"], tags: ["B-colour", "O"] }, { words: ["red"], tags: ["O"] }, { words: ["red"], tags: ["B-colour"] }], [{ words: ["RED", "cup"], tags: ["O", "O"] }])).toEqual([["B-colour", "O"]]);
  });

  it("words align to WordPiece tokens: the tag on the first sub-token, -1 on the others and on [CLS]/[SEP]/padding", () => {
    const words = ["Voltix", "earbuds", "micro-USB", "Black"];
    const [e] = encodeTaggedExamples(tokenizer, [{ words, tags: ["B-brand", "O", "O", "B-colour"] }], { labels: ATTRIBUTE_TAGS, maxLength: 48 });
    const pieces = words.map((w) => tokenizer.tokenize(w).length);
    expect(pieces[2]).toBeGreaterThan(1); // "micro", "-", "usb"
    expect(e.inputIds.length).toBe(2 + pieces.reduce((a, b) => a + b, 0));
    expect(e.inputIds[0]).toBe(tokenizer.clsId);
    expect(e.inputIds[e.inputIds.length - 1]).toBe(tokenizer.sepId);
    const expected = [-1];
    ["B-brand", "O", "O", "B-colour"].forEach((t, w) => expected.push(ATTRIBUTE_TAGS.indexOf(t), ...new Array(pieces[w] - 1).fill(-1)));
    expected.push(-1);
    expect(Array.from(e.labels)).toEqual(expected);
    expect(Array.from(e.firstTokens)).toEqual(expected.map((l, i) => (l >= 0 ? i : -1)).filter((i) => i >= 0));
    // Words beyond maxLength are cut (not trained on); the batch pads labels with -1.
    const [cut] = encodeTaggedExamples(tokenizer, [{ words, tags: ["B-brand", "O", "O", "B-colour"] }], { labels: ATTRIBUTE_TAGS, maxLength: 4 });
    expect(cut.firstTokens.length).toBeLessThan(4);
    expect(cut.wordCount).toBe(4);
    const b = tokenClassificationBatch([e, cut], tokenizer.padId, 48);
    expect(Array.from(b.labels.subarray(b.length, 2 * b.length)).filter((l) => l >= 0).length).toBe(cut.firstTokens.length);
    expect(b.labels[2 * b.length - 1]).toBe(-1);
  });

  it("bad input: a tag outside the tag set, a tags/words length mismatch, an empty text", () => {
    const enc = (words: string[], tags: string[]) => () => encodeTaggedExamples(tokenizer, [{ words: ["red"], tags: ["O"] }, { words, tags }], { labels: ATTRIBUTE_TAGS, maxLength: 16, what: "train" });
    expect(enc(["red", "mug"], ["B-color", "O"])).toThrow(/train\[1\]\.tags\[0\]: "B-color" \(word "red"\) is not in the tag set \{O, B-brand/);
    expect(enc(["red", "mug"], ["O"])).toThrow(/train\[1\]\.tags: expected one tag per word \(2 words\), got 1 tags/);
    expect(enc([], [])).toThrow(/train\[1\]\.words: expected a non-empty list of words \(the text must not be empty\), got \[\]/);
    expect(enc([" "], ["O"])).toThrow(/train\[1\]\.words: expected a non-empty list/);
  });

  const results = new Map<string, AttributeRunResult>();
  for (const method of ["lora", "full"] as const) {
    it(`${method}: the loss falls, test span F1 beats the all-O baseline, no tensor leaks`, async () => {
      const before = tf.memory().numTensors;
      const r = await fineTuneAttributes({ method, rows, checkpoint: ckpt, steps: 60, batchSize: 32, evalEvery: 30, seed: 1, learningRate: method === "full" ? 2e-3 : 1e-2 });
      results.set(method, r);
      expect(tf.memory().numTensors).toBe(before);
      expect(r.lastLoss).toBeLessThan(r.firstLoss * 0.5);
      const { all, query, title } = r.test;
      expect(all.majority.micro.f1).toBe(0);
      expect(all.model.micro.f1).toBeGreaterThan(0.3);
      expect(title?.model.micro.f1).toBeGreaterThan(0.3);
      expect(query?.texts).toBe(rows.filter((x) => x.split === "test" && x.source === "query").length);
      expect(all.model.micro.support).toBe(all.majority.micro.support);
      expect(all.lexicon.micro.f1).toBeGreaterThan(0);
      expect(r.training.evals.map((e) => e.step)).toEqual([30, 60]);
      expect(r.encoderUnchanged).toBe(method !== "full");
    }, 300_000);
  }

  it("trainable parameters: LoRA trains the head and its factors, full trains everything", () => {
    const l = results.get("lora") as AttributeRunResult;
    const f = results.get("full") as AttributeRunResult;
    const h = ckpt.config.hiddenSize;
    const k = ATTRIBUTE_TAGS.length;
    expect(l.trainableParameters).toBe(h * k + k + ckpt.config.layers * 2 * 16 * h);
    expect(f.trainableParameters).toBe(f.totalParameters);
  });

  it("a tokenizer whose vocabulary does not match the checkpoint is refused", async () => {
    const small = new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red"] });
    await expect(fineTuneAttributes({ method: "probe", rows, checkpoint: ckpt, tokenizer: small, steps: 1 })).rejects.toThrow(/tokenizer vocabulary has 6 tokens but checkpoint .* has vocabSize 8000/);
    await expect(fineTuneAttributes({ method: "probe", rows: rows.filter((r) => r.split !== "test"), checkpoint: ckpt, steps: 1 })).rejects.toThrow(/no test rows among/);
  });
});
