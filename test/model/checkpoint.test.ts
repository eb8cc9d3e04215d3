import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encoderConfig,
  initBackend,
  loadEncoder,
  loadMaskedLanguageModel,
  loadWeightsInto,
  MaskedLanguageModel,
  Pretrainer,
  readCheckpoint,
  saveCheckpoint,
  type MaskedLanguageModel as Mlm,
} from "shoplm";
import { GRAMMAR_VOCAB, grammarCorpus, SPECIAL } from "../train/grammar";

const config = encoderConfig({ vocabSize: GRAMMAR_VOCAB, hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32, maxPositions: 8 });
const inputs = () => ({ inputIds: tf.tensor2d([[2, 5, 4, 25, 35, 3, 0, 0]], [1, 8], "int32"), attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 0, 0]]) });
const tokenizer = { version: "1.0", model: { type: "WordPiece", vocab: { "[PAD]": 0 } } };

function logits(model: Mlm): number[] {
  return tf.tidy(() => Array.from(model.logitsAt(inputs(), [2, 3]).dataSync()));
}

describe("checkpoints", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    root = mkdtempSync(path.join(tmpdir(), "shoplm-ckpt-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("written and read back: identical outputs, config, tokenizer and metadata", () => {
    const model = MaskedLanguageModel.create(config, 7);
    const dir = path.join(root, "roundtrip");
    const manifest = saveCheckpoint(dir, model, { tokenizer, metadata: { command: "test", backend: "wasm" } });
    expect(manifest.version).toBe(1);
    expect(manifest.weights.tensors.map((t) => t.name)).toEqual(model.params.names());
    expect(manifest.weights.byteLength).toBe(4 * model.parameterCount());
    const loaded = loadMaskedLanguageModel(dir);
    expect(logits(loaded)).toEqual(logits(model));
    const ckpt = readCheckpoint(dir);
    expect(ckpt.config).toEqual(config);
    expect(ckpt.tokenizer).toEqual(tokenizer);
    expect(ckpt.manifest.metadata).toEqual({ command: "test", backend: "wasm" });
    // A tokenizer given as a file is copied byte for byte.
    const file = path.join(root, "tok.json");
    writeFileSync(file, '{"copied": true}\n');
    saveCheckpoint(path.join(root, "copy"), model, { tokenizer: file });
    expect(readFileSync(path.join(root, "copy", "tokenizer.json"), "utf8")).toBe('{"copied": true}\n');
    // The encoder alone loads from the MLM checkpoint and gives the MLM's encoder outputs.
    const encoder = loadEncoder(dir);
    const a = tf.tidy(() => Array.from(encoder.forward(inputs()).sequence.dataSync()));
    const b = tf.tidy(() => Array.from(model.encoder.forward(inputs()).sequence.dataSync()));
    expect(a).toEqual(b);
    [model, loaded, encoder].forEach((m) => m.dispose());
  });

  it("a run resumed from a checkpoint continues with exactly the losses of an uninterrupted run", () => {
    const train = grammarCorpus(300, 1);
    const options = { steps: 12, batchSize: 16, maxLength: 8, special: SPECIAL, learningRate: 5e-3, warmupSteps: 2, seed: 3 };
    const straight = MaskedLanguageModel.create(config, 1);
    const t1 = new Pretrainer(straight, train, [], options);
    const all = Array.from({ length: 12 }, () => t1.trainStep().loss);

    const first = MaskedLanguageModel.create(config, 1);
    const t2 = new Pretrainer(first, train, [], options);
    const head = Array.from({ length: 6 }, () => t2.trainStep().loss);
    const dir = path.join(root, "resume");
    saveCheckpoint(dir, first, { training: t2.state() });

    const ckpt = readCheckpoint(dir);
    const resumed = loadMaskedLanguageModel(ckpt);
    const t3 = new Pretrainer(resumed, train, [], options);
    t3.restore(ckpt.training as NonNullable<typeof ckpt.training>);
    expect(t3.step).toBe(6);
    const tail = Array.from({ length: 6 }, () => t3.trainStep().loss);
    expect([...head, ...tail]).toEqual(all);
    [t1, t2, t3].forEach((t) => t.dispose());
    [straight, first, resumed].forEach((m) => m.dispose());
  });

  it("loading into a model of another shape names the tensor and both shapes", () => {
    const model = MaskedLanguageModel.create(config, 2);
    const dir = path.join(root, "shape");
    saveCheckpoint(dir, model);
    const wider = MaskedLanguageModel.create({ ...config, intermediateSize: 48 }, 2);
    expect(() => loadWeightsInto(wider, dir)).toThrow(
      /Weight "encoder\.layer_0\.intermediate\.dense\.kernel" has shape \[16, 32\] in checkpoint .* but the model expects \[16, 48\]/
    );
    // A manifest whose config does not fit its weights is caught the same way.
    const manifestPath = path.join(dir, "checkpoint.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.config.hiddenSize = 32;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(() => loadMaskedLanguageModel(dir)).toThrow(/Weight "embeddings\.word_embeddings" has shape \[45, 16\] .* but its config makes \[45, 32\]/);
    model.dispose();
    wider.dispose();
  });

  it("detects a truncated or corrupted weights file, naming the damaged tensor", () => {
    const model = MaskedLanguageModel.create(config, 3);
    const truncated = path.join(root, "truncated");
    const manifest = saveCheckpoint(truncated, model);
    truncateSync(path.join(truncated, "weights.bin"), manifest.weights.byteLength - 100);
    expect(() => readCheckpoint(truncated)).toThrow(/weights\.bin is \d+ bytes but the manifest says \d+; the file is truncated/);

    const corrupted = path.join(root, "corrupted");
    saveCheckpoint(corrupted, model);
    const file = path.join(corrupted, "weights.bin");
    const bytes = readFileSync(file);
    const target = manifest.weights.tensors.find((t) => t.name === "encoder.layer_1.output.dense.kernel");
    if (!target) throw new Error("test setup: tensor not found");
    bytes[target.offset + 5] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => readCheckpoint(corrupted)).toThrow(/weights\.bin is corrupted: .*damaged tensor\(s\): encoder\.layer_1\.output\.dense\.kernel\./);

    expect(() => readCheckpoint(path.join(root, "nowhere"))).toThrow(/no checkpoint\.json/);
    const versioned = path.join(root, "versioned");
    saveCheckpoint(versioned, model);
    const m = JSON.parse(readFileSync(path.join(versioned, "checkpoint.json"), "utf8"));
    writeFileSync(path.join(versioned, "checkpoint.json"), JSON.stringify({ ...m, version: 99 }));
    expect(() => readCheckpoint(versioned)).toThrow(/format version 99; this library reads version 1/);
    model.dispose();
  });
});
