/**
 * Fine-tuning on worker threads (lib/src/finetune/classifier-worker.ts): a cross-encoder trained
 * with 2 gradient workers gives the losses of one thread within 1e-5 relative (float summation
 * order), for full fine-tuning with layer-wise decay and the match channel, LoRA, class
 * weights, the pairwise and listwise losses inside pools, and a token tagger; the predictions after training agree; no thread survives the run; a method that
 * cannot run on workers (AdaLoRA) is refused when workers are asked for, and falls back to one
 * thread when the count comes from COURSE_WORKERS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fineTuneAttributes, initBackend, loadAttributeTags, readCheckpoint, shippedCheckpointDir, trainCrossEncoder, type CrossEncoderOptions } from "shoplm";
import { saveTinyPairCheckpoint, syntheticPairs } from "../fixtures/synthetic-pairs";

let dir: string;
const train = syntheticPairs(120, 1, "a");
const test = syntheticPairs(20, 2, "b");

async function run(options: Partial<CrossEncoderOptions>, workers: number): Promise<{ losses: number[]; scores: number[]; threads: number }> {
  const trained = await trainCrossEncoder({ method: "full", checkpoint: dir, train, steps: 8, batchSize: 16, learningRate: 3e-3, maxLength: 16, seed: 4, workers, ...options } as CrossEncoderOptions);
  try {
    const scores = await trained.crossEncoder.expectedGrades(test.map((p) => ({ query: p.query, text: p.text })));
    return { losses: trained.training.losses, scores: Array.from(scores), threads: trained.training.workers };
  } finally {
    trained.crossEncoder.dispose();
  }
}

function expectClose(a: readonly number[], b: readonly number[], relative: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]) / Math.max(1e-12, Math.abs(b[i])), `entry ${i}: ${x} against ${b[i]}`).toBeLessThan(relative));
}

describe("fine-tuning a cross-encoder on worker threads", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    dir = mkdtempSync(path.join(tmpdir(), "finetune-workers-"));
    saveTinyPairCheckpoint(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, Partial<CrossEncoderOptions>][] = [
    ["full fine-tuning with layer-wise decay and the match channel", { method: "full", layerDecay: 0.8, matchChannel: true }],
    ["LoRA (frozen encoder read by each worker from the checkpoint)", { method: "lora", loraRank: 4, learningRate: 1e-2 }],
    ["a probe with class weights (each shard's loss weighted by its share of the weights)", { method: "probe", classWeights: true, learningRate: 1e-2 }],
    ["the listwise loss inside pools (a batch split inside a pool; the logits gathered)", { method: "full", objective: "listwise", perPool: 5 }],
    ["the pairwise loss inside pools, with class weights on its pointwise part", { method: "lora", objective: "pairwise", perPool: 3, classWeights: true, learningRate: 1e-2 }],
  ];
  for (const [name, options] of cases) {
    it(`${name}: 2 workers give one thread's losses within 1e-5`, async () => {
      const one = await run(options, 1);
      const two = await run(options, 2);
      expect(one.losses).toHaveLength(8);
      expect([one.threads, two.threads]).toEqual([1, 2]);
      expectClose(two.losses, one.losses, 1e-5);
      expectClose(two.scores, one.scores, 1e-4);
    }, 120_000);
  }

  it("token tagging (attribute extraction, BIO tags, class weights): 2 workers give one thread's losses within 1e-5", async () => {
    const rows = loadAttributeTags("fast");
    const checkpoint = readCheckpoint(shippedCheckpointDir());
    const tag = (workers: number) => fineTuneAttributes({ method: "lora", rows, checkpoint, steps: 6, batchSize: 16, maxLength: 24, seed: 2, learningRate: 1e-2, classWeights: true, workers });
    const one = await tag(1);
    const two = await tag(2);
    expect([one.training.workers, two.training.workers]).toEqual([1, 2]);
    expectClose(two.training.losses, one.training.losses, 1e-5);
  }, 120_000);

  it("AdaLoRA is refused on workers when asked for, and trains on one thread when COURSE_WORKERS asks", async () => {
    await expect(run({ method: "adalora" }, 2)).rejects.toThrow(/fineTune\(adalora\): 2 workers asked for, but method "adalora" changes the model after each update on the main thread; train with workers: 1/);
    const saved = process.env.COURSE_WORKERS;
    process.env.COURSE_WORKERS = "2";
    try {
      const trained = await trainCrossEncoder({ method: "adalora", checkpoint: dir, train, steps: 3, batchSize: 16, maxLength: 16, seed: 4 });
      expect(trained.training.losses).toHaveLength(3);
      expect(trained.training.workers).toBe(1);
      trained.crossEncoder.dispose();
    } finally {
      if (saved === undefined) delete process.env.COURSE_WORKERS;
      else process.env.COURSE_WORKERS = saved;
    }
  }, 60_000);
});
