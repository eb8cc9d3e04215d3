import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  embedTexts, embedTextStream, initBackend, l2NormalizeVector, loadShop, loadTextEmbedder, poolVectors,
  type EmbeddingMatrix, type LoadedTextEmbedder, type PoolingMode,
} from "shoplm";

function row(e: EmbeddingMatrix, i: number): Float32Array {
  return e.vectors.subarray(i * e.dimension, (i + 1) * e.dimension);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("embedTexts on chapter 1's encoder (data/models/full)", () => {
  let model: LoadedTextEmbedder;
  let titles: string[];

  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    model = loadTextEmbedder();
    const shop = loadShop("fast");
    // Short and long product texts mixed, so batches pad to very different lengths.
    titles = shop.products.slice(0, 40).map((p, i) => (i % 3 === 0 ? `${p.title}. ${p.description}` : p.title));
  });
  afterAll(() => model?.dispose());

  it("returns one row per text in input order; batching, padding and length sorting change nothing (1e-5)", async () => {
    for (const pooling of ["mean", "cls", "max"] as const) {
      const batched = await embedTexts(model, titles, { pooling, batchSize: 16 });
      expect(batched.count).toBe(titles.length);
      expect(batched.dimension).toBe(128);
      expect(batched.vectors.length).toBe(titles.length * 128);
      expect(batched.modelId).toMatch(new RegExp(`^full@[0-9a-f]{12}:${pooling}:l2$`));
      const unsorted = await embedTexts(model, titles, { pooling, batchSize: 7, windowBatches: 1 });
      expect(maxAbsDiff(batched.vectors, unsorted.vectors)).toBeLessThan(1e-5);
      for (const i of [0, 1, 5, 17, 39]) {
        const alone = await embedTexts(model, [titles[i]], { pooling, batchSize: 1 });
        expect(maxAbsDiff(row(batched, i), alone.vectors)).toBeLessThan(1e-5);
        expect(Math.hypot(...row(batched, i))).toBeCloseTo(1, 5);
      }
    }
  });

  it("equals the encoder run by hand on one text, pooled by the plain-array function", async () => {
    const text = titles[3];
    const ids = model.tokenizer.encode(text, null, { truncation: true, maxLength: 64 }).inputIds;
    const tokens = tf.tidy(() => model.encoder.forward({ inputIds: tf.tensor2d([ids], [1, ids.length], "int32") }).sequence.arraySync()[0]);
    for (const pooling of ["mean", "max", "cls"] as PoolingMode[]) {
      const want = poolVectors(tokens, ids.map(() => 1), pooling);
      const raw = await embedTexts(model, [text], { pooling, normalize: false });
      expect(raw.modelId.endsWith(`:${pooling}`)).toBe(true);
      expect(maxAbsDiff(raw.vectors, want)).toBeLessThan(1e-5);
      const unit = await embedTexts(model, [text], { pooling });
      expect(maxAbsDiff(unit.vectors, l2NormalizeVector(want))).toBeLessThan(1e-5);
    }
  });

  it("holds no tensor after a run (every batch is freed)", async () => {
    await embedTexts(model, titles.slice(0, 5)); // warm-up: the backend's own lazily made tensors
    const before = tf.memory().numTensors;
    await embedTexts(model, titles, { batchSize: 8, pooling: "max" });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("streams chunks in input order from an async source; the chunks make up embedTexts' matrix", async () => {
    async function* source(): AsyncGenerator<string> {
      for (const t of titles) yield t;
    }
    const whole = await embedTexts(model, titles, { batchSize: 4, windowBatches: 3 });
    const starts: number[] = [];
    const vectors = new Float32Array(whole.vectors.length);
    for await (const chunk of embedTextStream(model, source(), { batchSize: 4, windowBatches: 3 })) {
      starts.push(chunk.start);
      expect(chunk.vectors.length).toBe(chunk.count * 128);
      vectors.set(chunk.vectors, chunk.start * 128);
    }
    expect(starts).toEqual([0, 12, 24, 36]);
    expect(maxAbsDiff(vectors, whole.vectors)).toBe(0);
  });

  it("bad input: empty text is [CLS] [SEP]; 100,000 characters are truncated; lone surrogates are dropped; a non-string names its index", async () => {
    const empty = await embedTexts(model, ["", "   "], { normalize: false, pooling: "mean" });
    const clsSep = tf.tidy(() => model.encoder.forward({ inputIds: tf.tensor2d([[model.tokenizer.clsId, model.tokenizer.sepId]], [1, 2], "int32") }).sequence.arraySync()[0]);
    expect(maxAbsDiff(row(empty, 0), poolVectors(clsSep, [1, 1], "mean"))).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(empty, 1), row(empty, 0))).toBe(0);

    const huge = "red running shoe ".repeat(6000).slice(0, 100_000);
    expect(huge.length).toBe(100_000);
    const [a, b] = [await embedTexts(model, [huge]), await embedTexts(model, ["red running shoe ".repeat(40)])];
    expect(a.vectors.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(a.vectors, b.vectors)).toBeLessThan(1e-5); // both cut to the same first 62 pieces

    const broken = await embedTexts(model, ["red\uD800 shoe \uDFFF", "red shoe"]);
    expect(maxAbsDiff(row(broken, 0), row(broken, 1))).toBeLessThan(1e-6);

    await expect(embedTexts(model, ["ok", 42 as unknown as string])).rejects.toThrow(/texts\[1\] is a number \(42\); expected a string/);
    await expect(embedTexts(model, ["ok", null as unknown as string])).rejects.toThrow(/texts\[1\] is null; expected a string/);
    await expect(embedTexts(model, ["ok"], { maxLength: 65 })).rejects.toThrow(/maxLength must be between 2 and the encoder's maxPositions 64; found 65/);
    await expect(embedTexts(model, ["ok"], { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer; found 0/);
    await expect(embedTexts(model, ["ok"], { pooling: "sum" as PoolingMode })).rejects.toThrow(/pooling must be "cls", "mean" or "max"; found "sum"/);
    const none = await embedTexts(model, []);
    expect([none.count, none.vectors.length]).toEqual([0, 0]);
  });
});
