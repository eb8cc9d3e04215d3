/**
 * The cross-encoder's lexical match channel: which tokens it marks (hand-worked), that adding its
 * segment rows changes no output until they train, that it learns the synthetic pair task in a
 * tenth of the steps the plain pair needs, and that a saved model keeps it.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  candidatePools, encodeExamples, encodeTexts, fineTunedMlm, specialTokenIds, ESCI_GAINS, evaluateRun, hasMatchChannel, initBackend, loadCrossEncoder, loadEncoder, loadTokenizer, matchKey,
  matchTokenTypes, MATCH_TYPE_VOCAB, readCheckpoint, saveCrossEncoder, shippedCheckpointDir, trainCrossEncoder, withMatchChannel,
} from "shoplm";
import { makeMethod } from "../../lib/src/finetune/run";
import { saveTinyPairCheckpoint, syntheticPairs } from "../fixtures/synthetic-pairs";

let dir: string;

beforeAll(async () => {
  await initBackend({ forced: "wasm", reset: true });
  dir = mkdtempSync(path.join(tmpdir(), "match-channel-"));
  saveTinyPairCheckpoint(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("which tokens the match channel marks", () => {
  it("matchKey: lower case, accents and a plural s folded; stop words and punctuation never match", () => {
    expect(["Lights", "glass", "Café", "10", "USB-C", "the", "for", ",", "-", "bus"].map(matchKey)).toEqual(["light", "glass", "cafe", "10", "usb-c", null, null, null, null, "bus"]);
  });

  it("marks every piece of a word the other text contains (a hand-worked pair), and leaves a single text alone", () => {
    const tokenizer = loadTokenizer(shippedCheckpointDir());
    const enc = tokenizer.encode("LED christmas lights for the tree", "Christmas LED light string, 10 m", { truncation: true, maxLength: 48 });
    const marked = Array.from(matchTokenTypes(enc));
    const byToken = enc.tokens.map((t, i) => `${t}:${marked[i]}`);
    // Query: led, christmas, lights (= light) and tree... which the product lacks; "for" and "the" are stop words.
    expect(byToken).toEqual(
      enc.tokens.map((t, i) => {
        const seq = enc.sequenceIds[i];
        if (seq === null) return `${t}:${enc.tokenTypeIds[i]}`;
        const shared = seq === 0 ? ["led", "christmas", "lights"] : ["christmas", "led", "light"];
        return `${t}:${enc.tokenTypeIds[i] + (shared.includes(t) ? 2 : 0)}`;
      })
    );
    expect(marked.filter((t) => t === 2)).toHaveLength(3);
    expect(marked.filter((t) => t === 3)).toHaveLength(3);
    const single = tokenizer.encode("christmas lights christmas");
    expect(Array.from(matchTokenTypes(single))).toEqual(single.tokenTypeIds);
    // encodeExamples marks pairs only when asked.
    const [plain, withChannel] = [false, true].map((matchChannel) => encodeExamples(tokenizer, [{ text: "led lights", pair: "led strip", label: "E" }], { labels: ["E"], maxLength: 16, matchChannel })[0]);
    expect(Array.from(plain.tokenTypeIds).some((t) => t > 1)).toBe(false);
    expect(Array.from(withChannel.tokenTypeIds).filter((t) => t > 1)).toEqual([2, 3]);
  });
});

describe("the channel in the encoder", () => {
  it("adds two segment rows copied from rows 0 and 1: outputs unchanged, and a matched token reads as its segment", () => {
    const before = tf.memory().numTensors;
    const base = loadEncoder(readCheckpoint(dir));
    const ids = tf.tensor2d([[2, 7, 9, 3, 11, 12, 3]], [1, 7], "int32");
    const plainTypes = tf.tensor2d([[0, 0, 0, 0, 1, 1, 1]], [1, 7], "int32");
    const markedTypes = tf.tensor2d([[0, 2, 0, 0, 3, 1, 1]], [1, 7], "int32");
    const reference = base.forward({ inputIds: ids, tokenTypeIds: plainTypes }).sequence;
    const extended = withMatchChannel(base);
    expect([hasMatchChannel(base), hasMatchChannel(extended), extended.config.typeVocabSize]).toEqual([false, true, MATCH_TYPE_VOCAB]);
    expect(base.params.variables().every((v) => v.isDisposed)).toBe(true); // the original is freed
    const same = extended.forward({ inputIds: ids, tokenTypeIds: plainTypes }).sequence;
    const marked = extended.forward({ inputIds: ids, tokenTypeIds: markedTypes }).sequence;
    const gap = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a.sub(reference))).dataSync()[0]);
    expect(gap(same)).toBeLessThan(1e-6);
    expect(gap(marked)).toBeLessThan(1e-6);
    tf.dispose([ids, plainTypes, markedTypes, reference, same, marked]);
    extended.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the forgetting measurement reads a channel encoder as the plain one (single texts use segment 0 only)", async () => {
    const base = readCheckpoint(shippedCheckpointDir());
    const tokenizer = loadTokenizer(shippedCheckpointDir());
    const options = { sequences: encodeTexts(tokenizer, ["stainless steel travel mug with a lid", "wireless over-ear headphones"], 64), special: specialTokenIds(tokenizer), vocabSize: tokenizer.vocabSize, maxLength: 64, seed: 1 };
    const method = makeMethod("full", loadEncoder(base));
    const [plainEncoder, channelEncoder] = [loadEncoder(base), withMatchChannel(loadEncoder(base))];
    try {
      const plain = await fineTunedMlm(base, { encoder: plainEncoder, method }, options);
      const channel = await fineTunedMlm(base, { encoder: channelEncoder, method }, options);
      expect(channel.loss).toBe(plain.loss);
    } finally {
      plainEncoder.dispose();
      channelEncoder.dispose();
      method.dispose();
    }
  });

  it("needs full fine-tuning (a frozen table could not learn its rows): other methods are refused by name", async () => {
    await expect(trainCrossEncoder({ method: "lora", checkpoint: dir, train: syntheticPairs(4, 1, "x"), steps: 1, matchChannel: true, maxLength: 16 })).rejects.toThrow(
      /trainCrossEncoder: the match channel needs full fine-tuning \(method "lora" freezes the segment embeddings it adds\)/
    );
  });
});

describe("what the channel buys", () => {
  const score = async (matchChannel: boolean) => {
    const train = syntheticPairs(300, 1, "a");
    const test = syntheticPairs(40, 2, "b");
    // A tenth of the 1,500 steps relevance.test.ts gives the plain pair to learn this task.
    const trained = await trainCrossEncoder({ method: "full", checkpoint: dir, train, steps: 150, batchSize: 32, learningRate: 3e-3, maxLength: 16, seed: 4, matchChannel });
    const qrels = new Map<string, Map<string, number>>();
    for (const p of test) {
      if (!qrels.has(p.queryId)) qrels.set(p.queryId, new Map());
      (qrels.get(p.queryId) as Map<string, number>).set(p.docId, ESCI_GAINS[p.label as "E" | "S" | "I"]);
    }
    const { run } = await trained.crossEncoder.rerank(candidatePools(test));
    return { trained, test, ndcg: evaluateRun(run, qrels, ["ndcg@10"]).mean["ndcg@10"] };
  };

  it("learns the synthetic pair task in 150 steps, where the plain pair has not started; saved and loaded, the same scores", async () => {
    const before = tf.memory().numTensors;
    const plain = await score(false);
    plain.trained.crossEncoder.dispose();
    const matched = await score(true);
    try {
      expect(matched.trained.crossEncoder.matchChannel).toBe(true);
      expect(matched.ndcg).toBeGreaterThan(0.95);
      expect(matched.ndcg).toBeGreaterThan(plain.ndcg + 0.1);
      const saved = path.join(dir, "..", `${path.basename(dir)}-ce`);
      const manifest = saveCrossEncoder(saved, matched.trained);
      expect(manifest.matchChannel).toBe(true);
      const loaded = loadCrossEncoder(saved);
      try {
        expect(loaded.matchChannel).toBe(true);
        const pairs = matched.test.slice(0, 24);
        expect(Array.from(await loaded.expectedGrades(pairs))).toEqual(Array.from(await matched.trained.crossEncoder.expectedGrades(pairs)));
      } finally {
        loaded.dispose();
        rmSync(saved, { recursive: true, force: true });
      }
    } finally {
      matched.trained.crossEncoder.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});
