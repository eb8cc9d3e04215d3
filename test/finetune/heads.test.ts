import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  balancedClassWeights,
  checkTokenizerFits,
  classificationBatch,
  classificationLoss,
  EarlyStopping,
  encodeExamples,
  fineTune,
  initBackend,
  linearProbe,
  poolRows,
  Rng,
  SequenceClassificationHead,
  SequenceClassifier,
  TokenClassificationHead,
  Trainer,
  WordPieceTokenizer,
  type BatchSource,
} from "shoplm";
import { LABELS, PAD, syntheticExamples, TINY, tinyEncoder } from "./fixtures";
import { lossEnds } from "./helpers";

/** Cross-entropy by hand in float64: -log softmax(z)[y]. */
function ce(z: number[], y: number): number {
  const m = Math.max(...z);
  const s = z.reduce((a, v) => a + Math.exp(v - m), 0);
  return Math.log(s) + m - z[y];
}

const tokenizer = new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "shoe", "phone", "case"] });

describe("task heads", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("pools the [CLS] row or the mean of the real tokens (padding left out)", () => {
    const rows = tf.tensor2d([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 99, 99], [6, 2]); // 2 sequences x 3 tokens x 2
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 0], [2, 3]);
    expect(Array.from(poolRows(rows, 2, 3, mask, "cls").dataSync())).toEqual([1, 2, 10, 20]);
    expect(Array.from(poolRows(rows, 2, 3, mask, "mean").dataSync())).toEqual([3, 4, 20, 30]);
    tf.dispose([rows, mask]);
    expect(() => new SequenceClassificationHead({ hiddenSize: 4, labels: LABELS, pooling: "max" as "cls" })).toThrow(/pooling must be "cls" or "mean", got "max"/);
    expect(() => new SequenceClassificationHead({ hiddenSize: 4, labels: ["a", "b", "a"] })).toThrow(/label "a" appears twice/);
  });

  it("class weights: balanced weights as scikit-learn defines them, and the weighted mean cross-entropy", () => {
    const w = balancedClassWeights([0, 0, 0, 1, 2, 2], 4);
    // n / (k * count) over the 3 classes present: 6/9, 6/3, 6/6; the absent class gets 0.
    expect(Array.from(w).map((x) => +x.toFixed(6))).toEqual([0.666667, 2, 1, 0]);
    expect(() => balancedClassWeights([0, 5], 3)).toThrow(/labels\[1\] is 5, outside 0..2/);
    const z = [
      [1, 2, 0.5],
      [0.2, -1, 3],
      [2, 2, 2],
    ];
    const y = [1, 2, 0];
    const cw = [0.5, 2, 3];
    const logits = tf.tensor2d(z);
    const plain = classificationLoss(logits, Int32Array.from(y));
    const weighted = classificationLoss(logits, Int32Array.from(y), Float32Array.from(cw));
    const ignored = classificationLoss(logits, Int32Array.from([1, -1, 0]));
    const expectPlain = (ce(z[0], 1) + ce(z[1], 2) + ce(z[2], 0)) / 3;
    const expectWeighted = (2 * ce(z[0], 1) + 3 * ce(z[1], 2) + 0.5 * ce(z[2], 0)) / 5.5;
    expect(plain.dataSync()[0]).toBeCloseTo(expectPlain, 5);
    expect(weighted.dataSync()[0]).toBeCloseTo(expectWeighted, 5);
    expect(ignored.dataSync()[0]).toBeCloseTo((ce(z[0], 1) + ce(z[2], 0)) / 2, 5);
    expect(() => classificationLoss(logits, Int32Array.from([1, 3, 0]))).toThrow(/label 3 at row 1 is outside 0..2/);
    tf.dispose([logits, plain, weighted, ignored]);
  });

  it("class weights change what the classifier learns: the rare class is predicted more", async () => {
    // 90 % of the examples are class 0 and the text carries no signal: unweighted, the head learns the prior.
    const rng = new Rng(3);
    const data = syntheticExamples(200, 4).map((e) => ({ ...e, label: rng.next() < 0.9 ? 0 : 1 }));
    const share = async (weights?: Float32Array) => {
      const enc = tinyEncoder();
      const head = new SequenceClassificationHead({ hiddenSize: TINY.hiddenSize, labels: ["common", "rare"], pooling: "mean", seed: 1, dropout: 0 });
      const c = new SequenceClassifier(enc, linearProbe(), head, weights);
      await fineTune(c, data, { steps: 40, batchSize: 40, learningRate: 5e-2, padId: PAD, maxLength: 12, seed: 2 });
      const predicted = await c.predict(data, PAD, 12);
      head.dispose();
      enc.dispose();
      return predicted.filter((p) => p === 1).length / predicted.length;
    };
    const plain = await share();
    const balanced = await share(balancedClassWeights(Int32Array.from(data, (e) => e.label), 2));
    expect(plain).toBeLessThan(0.1);
    expect(balanced).toBeGreaterThan(plain + 0.2);
  });

  it("pair classification: the second text's segment id reaches the encoder", () => {
    const enc = tinyEncoder();
    const head = new SequenceClassificationHead({ hiddenSize: TINY.hiddenSize, labels: LABELS, seed: 2 });
    try {
      const c = new SequenceClassifier(enc, linearProbe(), head);
      const pairs = syntheticExamples(4, 8, true);
      const b = classificationBatch(pairs, PAD, 12);
      expect(Array.from(b.tokenTypeIds.slice(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
      const same = { ...b, tokenTypeIds: new Int32Array(b.tokenTypeIds.length) };
      const a = c.logits(b, null);
      const z = c.logits(same, null);
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(z.dataSync()));
      tf.dispose([a, z]);
      // The tokenizer makes pairs with segment ids too.
      const [e] = encodeExamples(tokenizer, [{ text: "red shoe", pair: "phone case", label: "green" }], { labels: LABELS, maxLength: 10 });
      expect(Array.from(e.tokenTypeIds)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    } finally {
      head.dispose();
      enc.dispose();
    }
  });

  it("token classification: one label per token, padding and specials ignored, learns through the Trainer", async () => {
    const enc = tinyEncoder();
    const head = new TokenClassificationHead({ hiddenSize: TINY.hiddenSize, labels: ["O", "COLOR"], seed: 1 });
    const data = syntheticExamples(120, 3);
    // Tag the label-carrying word (ids 10..12) as COLOR, other words O, [CLS]/[SEP] -1.
    const tags = (ids: Int32Array) => Int32Array.from(ids, (t) => (t < 5 ? -1 : t >= 10 && t <= 12 ? 1 : 0));
    type B = { batch: ReturnType<typeof classificationBatch>; tags: Int32Array };
    let order = 0;
    const source: BatchSource<B> = {
      next: (rng) => {
        const part = Array.from({ length: 24 }, () => data[rng.int(data.length)]);
        const batch = classificationBatch(part, PAD, 12);
        order++;
        return { batch: { batch, tags: tags(batch.inputIds).map((t, i) => (batch.attentionMask[i] ? t : -1)) }, rows: 24, count: 24, tokens: 24 * batch.length };
      },
      state: () => ({ order: [], at: order, epoch: 0 }),
      restore: () => {},
    };
    const loss = (b: B, rng: Rng | null) =>
      tf.tidy(() => {
        const shape: [number, number] = [b.batch.batch, b.batch.length];
        const { rows } = enc.forwardRows({ inputIds: tf.tensor2d(b.batch.inputIds, shape, "int32"), attentionMask: tf.tensor2d(b.batch.attentionMask, shape) }, rng ? { training: true, rng } : {});
        return classificationLoss(head.logits(rows, rng), b.tags);
      });
    const trainer = new Trainer({ params: [head.params, enc.params], loss }, source, { steps: 40, schedule: { peak: 1e-2, totalSteps: 40, warmupSteps: 4, decay: "linear" }, workers: 1, seed: 1 });
    try {
      const run = await trainer.run();
      const { first, last } = lossEnds(run.steps.map((s) => s.loss));
      expect(last).toBeLessThan(0.5 * first);
    } finally {
      trainer.dispose();
      head.dispose();
      enc.dispose();
    }
  });

  it("early stopping stops after `patience` evaluations without improvement and remembers the best", () => {
    const s = new EarlyStopping({ patience: 2, minDelta: 0.01 });
    expect(s.update(0.5, 10)).toBe(true);
    expect(s.update(0.505, 20)).toBe(false);
    expect(s.shouldStop).toBe(false);
    expect(s.update(0.6, 30)).toBe(true);
    s.update(0.59, 40);
    s.update(0.6, 50);
    expect(s.shouldStop).toBe(true);
    expect(s.best).toEqual({ value: 0.6, step: 30 });
    expect(() => new EarlyStopping({ patience: 0 })).toThrow(/patience must be a positive integer, got 0/);
  });

  it("bad input: a label outside the set, an empty text, a tokenizer that does not fit the checkpoint", () => {
    expect(() => encodeExamples(tokenizer, [{ text: "red shoe", label: "green" }, { text: "blue", label: "purple" }], { labels: LABELS, maxLength: 8, what: "train" })).toThrow(
      /train\[1\]\.label: "purple" is not in the task's label set \{red, green, blue\}/
    );
    expect(() => encodeExamples(tokenizer, [{ text: "  ", label: "red" }], { labels: LABELS, maxLength: 8, what: "validation" })).toThrow(
      /validation\[0\]\.text: expected a non-empty text, got "  "/
    );
    expect(() => encodeExamples(tokenizer, [{ text: "red", pair: "", label: "red" }], { labels: LABELS, maxLength: 8 })).toThrow(/examples\[0\]\.pair: expected a non-empty text, got ""/);
    expect(() => checkTokenizerFits(tokenizer, TINY, "checkpoint data/models/x")).toThrow(
      /tokenizer vocabulary has 10 tokens but checkpoint data\/models\/x has vocabSize 30/
    );
    const head = new SequenceClassificationHead({ hiddenSize: 4, labels: LABELS });
    expect(() => head.labelIndex("teal", "query q0003 label")).toThrow(/query q0003 label: "teal" is not in the task's label set \{red, green, blue\}/);
    head.dispose();
  });
});
