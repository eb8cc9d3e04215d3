/**
 * The bi-encoder on gradient workers (lib/src/embed/bi-encoder-worker.ts): in-batch negatives
 * couple a batch's rows, so each worker gathers the others' vectors mid-step. Two workers give
 * the losses of one thread within 1e-5 over a run with hard negatives, dropout, separate towers,
 * a learned temperature and the symmetric loss; the batch's pieces are sliced as documented.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, loadShop, retrievalTrainingData, sliceBiEncoderBatch, trainBiEncoder, type BiEncoderBatch, type RetrievalTrainingData, type TrainedBiEncoder } from "shoplm";
import { baseCheckpoint } from "../../lib/src/finetune/run";

const shop = loadShop("fast");
const base = baseCheckpoint(undefined);
let data: RetrievalTrainingData;

const run = (over: Partial<Parameters<typeof trainBiEncoder>[0]> = {}): Promise<TrainedBiEncoder> =>
  trainBiEncoder({ method: "full", checkpoint: base, data, products: shop.products, steps: 6, batchSize: 8, maxLength: 16, seed: 3, learningRate: 1e-3, ...over });

function close(a: readonly number[], b: readonly number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]) / Math.abs(b[i]), `step ${i + 1}`).toBeLessThan(1e-5));
}

describe("bi-encoder on gradient workers", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    const all = retrievalTrainingData(shop, { seed: 1 });
    data = { ...all, pairs: all.pairs.slice(0, 24) };
  });

  it("2 workers give one thread's losses within 1e-5 (hard negatives, dropout, full fine-tuning), and the loss falls", async () => {
    const one = await run();
    const two = await run({ workers: 2 });
    expect(one.workers).toBe(1);
    expect(two.workers).toBe(2);
    close(two.losses, one.losses);
    expect(one.lastLoss).toBeLessThan(one.firstLoss);
    // The models agree after training too.
    const texts = shop.products.slice(0, 5).map((p) => p.title);
    const [a, b] = [await one.biEncoder.embed(texts, "product"), await two.biEncoder.embed(texts, "product")];
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])))).toBeLessThan(1e-4);
    one.biEncoder.dispose();
    two.biEncoder.dispose();
  }, 120_000);

  it("separate towers, LoRA, a learned temperature and the symmetric loss: the same losses and temperature", async () => {
    const over = { method: "lora" as const, shared: false, learnTemperature: true, symmetric: true, hardNegativesPerPair: 2 };
    const one = await run(over);
    const two = await run({ ...over, workers: 2 });
    close(two.losses, one.losses);
    expect(Math.abs(two.temperature - one.temperature) / one.temperature).toBeLessThan(1e-5);
    expect(one.temperature).not.toBe(0.05);
    one.biEncoder.dispose();
    two.biEncoder.dispose();
  }, 120_000);

  it("AdaLoRA is refused on workers when asked for; more workers than pairs in a batch are refused", async () => {
    await expect(run({ method: "adalora", workers: 2, steps: 1 })).rejects.toThrow(/2 workers asked for, but method "adalora" changes the model after each update/);
    await expect(run({ workers: 3, batchSize: 2, steps: 1 })).rejects.toThrow(/3 workers need a batch of at least 3 pairs/);
    // Fewer pairs than workers: every batch is smaller than the batch size, and the Trainer says so.
    await expect(run({ workers: 2, steps: 1, data: { ...data, pairs: data.pairs.slice(0, 1) } })).rejects.toThrow(/a batch of 1 row cannot be shared by 2 workers that exchange rows/);
  });

  it("a share of a batch: its pairs, its part of the hard negatives (rounded up), the whole batch's exclusions", () => {
    const text = (rows: number, length: number) => ({ batch: rows, length, inputIds: Int32Array.from({ length: rows * length }, (_, i) => i), attentionMask: new Float32Array(rows * length).fill(1) });
    const batch: BiEncoderBatch = { queries: text(4, 3), positives: text(4, 5), negatives: text(1, 2), exclude: new Uint8Array(4 * 5) };
    const first = sliceBiEncoderBatch(batch, 0, 2);
    const second = sliceBiEncoderBatch(batch, 2, 4);
    expect(first.queries.batch).toBe(2);
    expect(Array.from(second.queries.inputIds)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(second.positives.length).toBe(5);
    // One hard negative: the first share holds it (its worker's dropout stream is the step's).
    expect(first.negatives?.batch).toBe(1);
    expect(second.negatives).toBeNull();
    expect(first.shard).toEqual({ start: 0, total: 4, negativesStart: 0, negativesTotal: 1 });
    expect(second.shard).toEqual({ start: 2, total: 4, negativesStart: 1, negativesTotal: 1 });
    expect(second.exclude).toBe(batch.exclude);
    expect(() => sliceBiEncoderBatch(batch, 2, 2)).toThrow(/pairs \[2, 2\) are not a non-empty part of a batch of 4/);
    expect(() => sliceBiEncoderBatch(first, 0, 1)).toThrow(/already a share/);
  });
});
