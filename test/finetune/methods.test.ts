import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  adapters,
  Adapters,
  classificationBatch,
  fineTune,
  fullFineTuning,
  initBackend,
  layerDecayScale,
  linearProbe,
  lora,
  prefixTuning,
  Rng,
  SequenceClassificationHead,
  SequenceClassifier,
} from "shoplm";
import { LABELS, PAD, syntheticExamples, TINY, tinyEncoder } from "./fixtures";
import { lossEnds, trainTiny } from "./helpers";

const d = TINY.hiddenSize;
const L = TINY.layers;

function batchTensors() {
  const b = classificationBatch(syntheticExamples(5, 9), PAD, 12);
  const shape: [number, number] = [b.batch, b.length];
  return { inputIds: tf.tensor2d(b.inputIds, shape, "int32"), attentionMask: tf.tensor2d(b.attentionMask, shape), tokenTypeIds: tf.tensor2d(b.tokenTypeIds, shape, "int32") };
}

function forward(encoder: ReturnType<typeof tinyEncoder>, hooks?: object): Float32Array {
  return tf.tidy(() => {
    const inputs = batchTensors();
    return encoder.forwardRows(inputs, hooks ? { hooks } : {}).rows;
  }).dataSync() as Float32Array;
}

describe("fine-tuning methods on a tiny encoder", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("the encoder without hooks and with empty hooks gives the same bits, in training mode too", () => {
    const enc = tinyEncoder();
    try {
      expect(Array.from(forward(enc, {}))).toEqual(Array.from(forward(enc)));
      const run = (hooks?: object) =>
        tf.tidy(() => enc.forwardRows(batchTensors(), { training: true, rng: new Rng(4), ...(hooks ? { hooks } : {}) }).rows).dataSync();
      expect(Array.from(run({}))).toEqual(Array.from(run()));
    } finally {
      enc.dispose();
    }
  });

  it("linear probe: only the head trains; the encoder is bitwise unchanged; no tensor leaks", async () => {
    const enc = tinyEncoder();
    try {
      const run = await trainTiny(enc, linearProbe(), { lr: 3e-2 });
      expect(run.changedEncoder).toEqual([]);
      expect(run.trainable).toBe(d * 3 + 3);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(first);
      expect(new Set(run.tensorCounts).size).toBe(1);
    } finally {
      enc.dispose();
    }
  });

  it("full fine-tuning: every encoder weight moves, the loss falls, validation accuracy beats chance", async () => {
    const enc = tinyEncoder();
    try {
      const run = await trainTiny(enc, fullFineTuning(TINY), { steps: 60, lr: 1e-2 });
      expect(run.changedEncoder.length).toBe(enc.params.names().length);
      expect(run.trainable).toBe(enc.params.count() + d * 3 + 3);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(0.7 * first);
      expect((run.result.best as { score: number }).score).toBeGreaterThan(0.6);
      expect(new Set(run.tensorCounts).size).toBe(1);
    } finally {
      enc.dispose();
    }
  });

  it("layer-wise learning-rate decay: lower layers get smaller rates, the head the full rate", () => {
    expect(layerDecayScale("embeddings.word_embeddings", TINY, 0.5)).toBe(0.125);
    expect(layerDecayScale("encoder.layer_0.attention.self.query.kernel", TINY, 0.5)).toBe(0.25);
    expect(layerDecayScale("encoder.layer_1.output.dense.bias", TINY, 0.5)).toBe(0.5);
    expect(layerDecayScale("classifier.kernel", TINY, 0.5)).toBe(1);
    expect(() => fullFineTuning(TINY, { layerDecay: 1.5 })).toThrow(/layerDecay must be in \(0, 1\], got 1.5/);
  });

  it("layer-wise decay moves the embeddings less than plain full fine-tuning does", async () => {
    const moved = async (decay?: number) => {
      const enc = tinyEncoder();
      const before = Float32Array.from(enc.params.get("embeddings.position_embeddings").dataSync());
      await trainTiny(enc, fullFineTuning(TINY, { layerDecay: decay }), { steps: 10 });
      const after = enc.params.get("embeddings.position_embeddings").dataSync();
      let s = 0;
      for (let i = 0; i < before.length; i++) s += Math.abs(after[i] - before[i]);
      enc.dispose();
      return s;
    };
    const plain = await moved();
    const decayed = await moved(0.3);
    // Adam's step is about lr per weight, so 0.3^3 of the rate moves the embeddings far less.
    expect(decayed).toBeLessThan(0.2 * plain);
  });

  it("LoRA: starts as the base model, trains only A and B, leaves the encoder bitwise unchanged", async () => {
    const enc = tinyEncoder();
    const method = lora(enc, { rank: 2, alpha: 4, targets: ["query", "value"], seed: 2 });
    try {
      expect(Array.from(forward(enc, method.hooks))).toEqual(Array.from(forward(enc)));
      expect(method.params.count()).toBe(L * 2 * (d * 2 + 2 * d));
      const run = await trainTiny(enc, method, { steps: 60, lr: 2e-2 });
      expect(run.changedEncoder).toEqual([]);
      expect(run.changedMethod.sort()).toEqual(method.params.names().sort());
      expect(run.trainable).toBe(method.params.count() + d * 3 + 3);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(first);
      expect(new Set(run.tensorCounts).size).toBe(1);
    } finally {
      method.dispose();
      enc.dispose();
    }
  });

  it("LoRA merge: merged and unmerged outputs agree to 1e-5; unmerge restores the kernels", () => {
    const enc = tinyEncoder();
    const method = lora(enc, { rank: 3, alpha: 6, targets: ["query", "key", "value", "attention.output", "intermediate", "output"], seed: 2 });
    try {
      // Give B values (it starts at zero) so the update is not trivially zero.
      const rng = new Rng(8);
      for (const [name, v] of method.params.entries()) {
        if (name.endsWith("lora_B")) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal() * 0.3), v.shape));
      }
      const kernel = "encoder.layer_1.intermediate.dense.kernel";
      const original = Float32Array.from(enc.params.get(kernel).dataSync());
      const base = forward(enc);
      const unmerged = forward(enc, method.hooks);
      const gap = Math.max(...unmerged.map((x, i) => Math.abs(x - base[i])));
      expect(gap).toBeGreaterThan(1e-2);
      method.merge();
      expect(method.merged).toBe(true);
      const merged = forward(enc, method.hooks);
      const plainMerged = forward(enc);
      for (let i = 0; i < merged.length; i++) {
        expect(Math.abs(merged[i] - unmerged[i])).toBeLessThan(1e-5);
        expect(plainMerged[i]).toBe(merged[i]);
      }
      expect(() => method.merge()).toThrow(/already merged/);
      method.unmerge();
      const restored = enc.params.get(kernel).dataSync();
      for (let i = 0; i < original.length; i++) expect(Math.abs(restored[i] - original[i])).toBeLessThan(1e-6);
    } finally {
      method.dispose();
      enc.dispose();
    }
  });

  it("LoRA: a rank larger than the layer, an unknown target or layer is a clear error", () => {
    const enc = tinyEncoder();
    try {
      expect(() => lora(enc, { rank: 17 })).toThrow(/rank 17 is larger than the layer encoder\.layer_0\.attention\.self\.query allows \(kernel \[16, 16\]: at most 16\)/);
      expect(() => lora(enc, { rank: 0 })).toThrow(/rank must be a positive integer, got 0/);
      expect(() => lora(enc, { rank: 2, targets: ["querry" as "query"] })).toThrow(/unknown target "querry"/);
      expect(() => lora(enc, { rank: 2, layers: [2] })).toThrow(/layer 2 does not exist/);
      // The rank may reach the smaller side of a kernel (16 of [16, 32]).
      expect(lora(enc, { rank: 16, targets: ["intermediate"] }).params.count()).toBe(L * (16 * d + 16 * 32));
    } finally {
      enc.dispose();
    }
  });

  it("Adapters: near identity at the start, only adapters and head train, encoder bitwise unchanged", async () => {
    const enc = tinyEncoder();
    const method = adapters(enc, { size: 4, seed: 3 });
    try {
      const base = forward(enc);
      const adapted = forward(enc, method.hooks);
      const gap = Math.max(...adapted.map((x, i) => Math.abs(x - base[i])));
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThan(1e-2);
      expect(method.params.count()).toBe(L * 2 * (d * 4 + 4 + 4 * d + d));
      expect(method.params.has(`${Adapters.prefix(1, "feedForward")}.up.kernel`)).toBe(true);
      const run = await trainTiny(enc, method, { steps: 60, lr: 2e-2 });
      expect(run.changedEncoder).toEqual([]);
      expect(run.changedMethod.length).toBe(method.params.names().length);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(first);
      expect(new Set(run.tensorCounts).size).toBe(1);
    } finally {
      method.dispose();
      enc.dispose();
    }
  });

  it("prefix tuning: trainable key/value prefixes per layer steer the frozen encoder", async () => {
    const enc = tinyEncoder();
    const method = prefixTuning(enc, { length: 3, seed: 4 });
    try {
      expect(method.params.count()).toBe(L * 2 * 3 * d);
      // Attention weights now cover 3 prefix keys before the tokens, and still sum to 1 per query.
      const probs = tf.tidy(() => enc.forward(batchTensors(), { hooks: method.hooks, outputAttentions: true }).attentions?.[0] as tf.Tensor4D);
      expect(probs.shape[3]).toBe(probs.shape[2] + 3);
      const sums = tf.tidy(() => probs.sum(3)).dataSync();
      probs.dispose();
      for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      expect(Array.from(forward(enc, method.hooks))).not.toEqual(Array.from(forward(enc)));
      const run = await trainTiny(enc, method, { steps: 60, lr: 3e-2 });
      expect(run.changedEncoder).toEqual([]);
      expect(run.changedMethod.length).toBe(2 * L);
      expect(run.trainable).toBe(method.params.count() + d * 3 + 3);
      const { first, last } = lossEnds(run.result.losses);
      expect(last).toBeLessThan(first);
      expect(new Set(run.tensorCounts).size).toBe(1);
    } finally {
      method.dispose();
      enc.dispose();
    }
  });

  it("early stopping ends the run after `patience` evaluations without improvement and puts the best weights back", async () => {
    const enc = tinyEncoder();
    const head = new SequenceClassificationHead({ hiddenSize: d, labels: LABELS, seed: 1 });
    try {
      const c = new SequenceClassifier(enc, linearProbe(), head);
      const scores = [0.5, 0.9, 0.8, 0.85, 0.99];
      let k = 0;
      let atStep10: Float32Array | null = null;
      const r = await fineTune(c, syntheticExamples(100, 2), {
        steps: 50,
        batchSize: 10,
        learningRate: 1e-2,
        padId: PAD,
        maxLength: 12,
        validation: syntheticExamples(10, 3),
        evalEvery: 5,
        score: () => scores[k++],
        earlyStopping: { patience: 2 },
        onStep: (s) => void (s.step === 10 && (atStep10 = Float32Array.from(head.params.get("classifier.kernel").dataSync()))),
      });
      expect(r.steps).toBe(20);
      expect(r.losses.length).toBe(20);
      expect(r.evals.map((e) => e.step)).toEqual([5, 10, 15, 20]);
      expect(r.best).toEqual({ step: 10, score: 0.9 });
      expect(Array.from(head.params.get("classifier.kernel").dataSync())).toEqual(Array.from(atStep10 as unknown as Float32Array));
    } finally {
      head.dispose();
      enc.dispose();
    }
  });

  it("a classifier built from these parts counts its trainable weights from the optimizer's sets", () => {
    const enc = tinyEncoder();
    const method = lora(enc, { rank: 2 });
    const head = new SequenceClassificationHead({ hiddenSize: d, labels: LABELS });
    try {
      const c = new SequenceClassifier(enc, method, head);
      const sets = c.trainableSets();
      expect(sets).toEqual([head.params, method.params]);
      expect(c.trainableParameters()).toBe(sets.reduce((n, s) => n + s.variables().reduce((m, v) => m + v.size, 0), 0));
      expect(c.totalParameters()).toBe(enc.parameterCount() + method.params.count() + head.params.count());
    } finally {
      method.dispose();
      head.dispose();
      enc.dispose();
    }
  });
});

describe("a frozen encoder skips its weights' gradients", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("a classifier marks the encoder's variables frozen unless the method trains them; the frozen path computes the same outputs and the same gradients of what trains", () => {
    const encoder = tinyEncoder(3);
    const head = new SequenceClassificationHead({ hiddenSize: d, labels: LABELS, seed: 1 });
    const probe = linearProbe();
    const b = classificationBatch(syntheticExamples(6, 4), PAD, 12);
    try {
      new SequenceClassifier(encoder, fullFineTuning(TINY), head);
      expect(encoder.params.variables().every((v) => v.trainable)).toBe(true);
      // The probe's loss and head gradients through the fused path (encoder variables forced trainable) ...
      const trainable = new SequenceClassifier(encoder, probe, head);
      for (const v of encoder.params.variables()) v.trainable = true;
      const fused = tf.variableGrads(() => trainable.loss(b, null), head.params.variables());
      // ... and through the frozen path the probe's classifier selects.
      const frozenClassifier = new SequenceClassifier(encoder, probe, head);
      expect(encoder.params.variables().some((v) => v.trainable)).toBe(false);
      const plain = tf.variableGrads(() => frozenClassifier.loss(b, null), head.params.variables());
      expect(Math.abs(plain.value.dataSync()[0] - fused.value.dataSync()[0])).toBeLessThan(1e-5);
      for (const name of Object.keys(fused.grads)) {
        const a = fused.grads[name].dataSync();
        const c = plain.grads[name].dataSync();
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - c[i])).toBeLessThan(1e-5);
      }
      tf.dispose([fused.value, plain.value, ...Object.values(fused.grads), ...Object.values(plain.grads)]);
    } finally {
      head.dispose();
      encoder.dispose();
    }
  });
});
