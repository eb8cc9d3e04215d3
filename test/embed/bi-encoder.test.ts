/**
 * The bi-encoder (lib/src/embed/bi-encoder.ts) on the shipped chapter 1 checkpoint: a small run
 * whose loss falls with no tensor left behind across steps, the same run twice from one seed,
 * shared and separate towers, LoRA leaving the encoder bit for bit, a learned temperature, save
 * and load, and the embeddings (unit length, the same however they are batched).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBiEncoder, initBackend, loadBiEncoder, loadShop, pretrainedBiEncoder, retrievalTrainingData, saveBiEncoder, trainBiEncoder, type RetrievalTrainingData, type TrainedBiEncoder } from "shoplm";
import { baseCheckpoint, encoderUnchanged } from "../../lib/src/finetune/run";

const shop = loadShop("fast");
const base = baseCheckpoint(undefined);
let data: RetrievalTrainingData;
const scratch = mkdtempSync(path.join(tmpdir(), "biencoder-test-"));

/** 16 pairs (two batches of 8) of the fast shop, with their hard negatives and known positives. */
function smallData(): RetrievalTrainingData {
  const all = retrievalTrainingData(shop, { seed: 1 });
  return { ...all, pairs: all.pairs.slice(0, 16) };
}

const run = (over: Partial<Parameters<typeof trainBiEncoder>[0]> = {}): Promise<TrainedBiEncoder> =>
  trainBiEncoder({ method: "full", checkpoint: base, data, products: shop.products, steps: 12, batchSize: 8, maxLength: 16, seed: 3, ...over });

describe("bi-encoder", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    data = smallData();
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("the loss falls on a small run, and no tensor is left behind across steps or after dispose", async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const trained = await run({ steps: 30, learningRate: 1e-3, onStep: () => counts.push(tf.memory().numTensors) });
    // Step 1 creates AdamW's moments; from then on every step leaves exactly what it found.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(trained.lastLoss).toBeLessThan(0.6 * trained.firstLoss);
    expect(trained.losses.every(Number.isFinite)).toBe(true);
    expect(trained.trainableParameters).toBe(trained.biEncoder.queryTower.encoder.params.count());
    trained.biEncoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("one seed, one run: the same losses twice; another seed, other losses", async () => {
    const a = await run({ steps: 5 });
    const b = await run({ steps: 5 });
    const c = await run({ steps: 5, seed: 4 });
    expect(b.losses).toEqual(a.losses);
    expect(c.losses).not.toEqual(a.losses);
    for (const t of [a, b, c]) t.biEncoder.dispose();
  });

  it("separate towers train two copies (twice the weights, names kept apart); shared towers one", async () => {
    const shared = await run({ steps: 3 });
    const separate = await run({ steps: 3, shared: false });
    expect(shared.biEncoder.shared).toBe(true);
    expect(separate.biEncoder.shared).toBe(false);
    expect(separate.trainableParameters).toBe(2 * shared.trainableParameters);
    // Both towers moved, and not identically (each gets its own texts' gradients).
    const q = separate.biEncoder.queryTower.encoder.params.get("encoder.layer_0.attention.self.query.kernel").dataSync();
    const p = separate.biEncoder.productTower.encoder.params.get("encoder.layer_0.attention.self.query.kernel").dataSync();
    const original = base.weights.get("encoder.layer_0.attention.self.query.kernel")?.values as Float32Array;
    const moved = (x: Float32Array | Int32Array | Uint8Array) => x.some((v, i) => v !== original[i]);
    expect(moved(q)).toBe(true);
    expect(moved(p)).toBe(true);
    expect(q.some((v, i) => v !== p[i])).toBe(true);
    shared.biEncoder.dispose();
    separate.biEncoder.dispose();
  });

  it("LoRA trains only its factors (the encoder stays bit for bit) and learns the temperature when asked", async () => {
    const trained = await run({ method: "lora", loraRank: 4, learnTemperature: true, temperature: 0.1, learningRate: 1e-2 });
    const { encoder, method } = trained.biEncoder.queryTower;
    expect(await encoderUnchanged(encoder, base)).toBe(true);
    expect(trained.trainableParameters).toBe((method.params?.count() ?? 0) + 1);
    expect(trained.temperature).not.toBe(0.1);
    expect(trained.temperature).toBeGreaterThan(0);

    // Saved and loaded: the same vectors, and a small file (no encoder weights).
    const dir = path.join(scratch, "lora");
    const manifest = saveBiEncoder(dir, trained, { note: "test" });
    expect(manifest.weights.tensors.every((t) => t.name.startsWith("query/method/"))).toBe(true);
    const texts = ["running shoes for women", "a waterproof jacket", shop.products[0].title];
    const loaded = loadBiEncoder(dir, { base });
    expect(loaded.pooling).toBe(trained.biEncoder.pooling);
    expect(await loaded.temperature()).toBeCloseTo(trained.temperature, 6);
    for (const tower of ["query", "product"] as const) {
      const a = await trained.biEncoder.embed(texts, tower);
      const b = await loaded.embed(texts, tower);
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
    }
    loaded.dispose();
    trained.biEncoder.dispose();
  });

  it("a full fine-tuned, separate-tower model saves both encoders and loads back the same", async () => {
    const trained = await run({ steps: 2, shared: false });
    const dir = path.join(scratch, "full");
    saveBiEncoder(dir, trained);
    const loaded = loadBiEncoder(dir, { base });
    expect(loaded.shared).toBe(false);
    const texts = ["kids rain boots", "usb-c charger"];
    const a = await trained.biEncoder.embed(texts, "product");
    const b = await loaded.embed(texts, "product");
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-6));
    loaded.dispose();
    trained.biEncoder.dispose();
  });

  it("embeddings are unit vectors, the same whatever the batch size and text order", async () => {
    const model = pretrainedBiEncoder({ checkpoint: base, maxLength: 24 });
    const texts = shop.products.slice(0, 20).map((p) => `${p.title} ${p.description}`);
    const d = base.config.hiddenSize;
    const one = await model.embed(texts, "product", { batchSize: 1 });
    const many = await model.embed(texts, "product", { batchSize: 7 });
    for (let i = 0; i < texts.length; i++) {
      let norm = 0;
      for (let j = 0; j < d; j++) norm += one[i * d + j] ** 2;
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
    one.forEach((v, i) => expect(Math.abs(v - many[i])).toBeLessThan(1e-5));
    model.dispose();
  });

  it("bad input is an error naming the setting and the value", async () => {
    expect(() => createBiEncoder({ method: "probe", checkpoint: base, pooling: "max" as "mean" })).toThrow(/pooling must be "mean" or "cls", got "max"/);
    expect(() => createBiEncoder({ method: "probe", checkpoint: base, maxLength: 500 })).toThrow(/maxLength must be an integer in 3\.\.64/);
    expect(() => createBiEncoder({ method: "probe", checkpoint: base, temperature: -1 })).toThrow(/temperature must be a finite number > 0, got -1/);
    await expect(run({ batchSize: 1 })).rejects.toThrow(/batchSize must be an integer >= 2/);
    await expect(run({ data: { pairs: [{ queryId: "q", query: "x", productId: "nope", source: "judgment" }] } })).rejects.toThrow(/product nope is not in the catalog/);
    const model = pretrainedBiEncoder({ checkpoint: base });
    await expect(model.embed(["ok", "  "], "query")).rejects.toThrow(/texts\[1\] must be a non-empty text/);
    model.dispose();
    const bad = path.join(scratch, "bad");
    const untrained = createBiEncoder({ method: "lora", checkpoint: base });
    saveBiEncoder(bad, { biEncoder: untrained, base, settings: {}, seed: 0, temperature: 0.05 });
    untrained.dispose();
    writeFileSync(path.join(bad, "biencoder.json"), "{ not json");
    expect(() => loadBiEncoder(bad, { base })).toThrow(/biencoder\.json is not valid JSON/);
    expect(() => loadBiEncoder(path.join(scratch, "missing"), { base })).toThrow(/no biencoder\.json/);
  });

  it("npm run biencoder: a bad argument stops before any work, naming the flag", () => {
    const script = path.resolve(__dirname, "../../scripts/biencoder.mjs");
    for (const [args, message] of [
      [["--method", "adapter"], /--method must be one of full, lora, got "adapter"/],
      [["--steps", "0"], /--steps must be a whole number >= 1, got "0"/],
      [["--temperature", "0"], /--temperature must be a number > 0, got "0"/],
      [["--shared", "--separate"], /--shared and --separate exclude each other/],
      [["--batch"], /Option '--batch <value>' argument missing/],
      [["--colour", "red"], /Unknown option '--colour'/],
    ] as const) {
      const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
