import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  countParameters,
  Encoder,
  encoderConfig,
  encoderConfigFromProfile,
  encoderSpecs,
  getProfile,
  initBackend,
  MaskedLanguageModel,
  mlmTrainingFlops,
  Rng,
  type EncoderConfig,
} from "shoplm";

const small: EncoderConfig = encoderConfig({ vocabSize: 50, hiddenSize: 16, layers: 2, heads: 4, intermediateSize: 32, maxPositions: 12 });

function ids(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0].length], "int32");
}

describe("encoder config", () => {
  it("fills defaults and rejects impossible sizes with the value at fault", () => {
    expect(small.typeVocabSize).toBe(2);
    expect(() => encoderConfig({ vocabSize: 50, hiddenSize: 10, heads: 4 })).toThrow(/hiddenSize 10 is not a multiple of heads 4/);
    expect(() => encoderConfig({ vocabSize: 0 })).toThrow(/vocabSize: expected a positive integer, got 0/);
    expect(() => encoderConfig({ vocabSize: 5, dropout: 1 })).toThrow(/dropout: expected a probability in \[0, 1\), got 1/);
    expect(() => encoderConfig({ vocabSize: 5, hidenSize: 3 } as never)).toThrow(/unknown option\(s\) hidenSize/);
  });

  it("takes the profile's sizes", () => {
    const c = encoderConfigFromProfile(getProfile("full"));
    const m = getProfile("full").model;
    expect([c.vocabSize, c.hiddenSize, c.layers, c.heads, c.intermediateSize, c.maxPositions]).toEqual([m.vocabSize, m.hiddenSize, m.layers, m.heads, m.intermediateSize, m.maxLength]);
  });

  it("counts parameters by hand for BERT-base's sizes (110M with its 30522-token vocabulary)", () => {
    const base = encoderConfig({ vocabSize: 30522, hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072, maxPositions: 512 });
    // The published count of bert-base-uncased's encoder (BertModel without the pooler): 108,891,648 + pooler 590,592 = 109,482,240.
    expect(countParameters(base).encoder).toBe(109_482_240 - 590_592);
  });

  it("FLOPs of a training step: 3x the forward matrix products", () => {
    const c = encoderConfig({ vocabSize: 100, hiddenSize: 8, layers: 1, heads: 2, intermediateSize: 16, maxPositions: 4 });
    // batch 2 x length 4 = 8 tokens; forward: projections 2*8*8*8*4 = 4096, scores 2*2*4*4*8*2 = 1024,
    // feed-forward 2*8*8*16*2 = 4096, head 2*3*8*8 + 2*3*8*100 = 5184.
    expect(mlmTrainingFlops(c, 2, 4, 3)).toBe(3 * (4096 + 1024 + 4096 + 5184));
  });
});

describe("encoder", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("has the counted parameters under BERT's names, and the same seed gives the same weights", () => {
    const a = Encoder.create(small, 3);
    const b = Encoder.create(small, 3);
    const c = Encoder.create(small, 4);
    const mlm = MaskedLanguageModel.create(small, 3);
    expect(a.parameterCount()).toBe(countParameters(small).encoder);
    expect(mlm.parameterCount()).toBe(countParameters(small).total);
    expect(mlm.encoder.parameterCount()).toBe(countParameters(small).encoder);
    expect(a.params.names()).toContain("encoder.layer_1.attention.self.query.kernel");
    expect(a.params.names()).toEqual(encoderSpecs(small).map((s) => s.name));
    const w = (e: Encoder) => Array.from(e.params.get("encoder.layer_0.intermediate.dense.kernel").dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    // The MLM model's encoder is initialised exactly like a lone encoder with the same seed.
    expect(w(mlm.encoder)).toEqual(w(a));
    // Truncated normal: within 2 std, std about initializerRange.
    const all = w(a);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(2 * small.initializerRange + 1e-9);
    [a, b, c, mlm].forEach((m) => m.dispose());
  });

  it("maps [batch, length] ids to [batch, length, hidden] and returns attention weights per layer", () => {
    const enc = Encoder.create(small, 1);
    const out = enc.forward({ inputIds: ids([[2, 7, 8, 9, 3], [2, 10, 11, 3, 0]]), attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]) }, { outputAttentions: true });
    expect(out.sequence.shape).toEqual([2, 5, 16]);
    expect(out.attentions?.length).toBe(2);
    expect(out.attentions?.[0].shape).toEqual([2, 4, 5, 5]);
    const probs = out.attentions?.[1].arraySync() as number[][][][];
    // Every row sums to 1; the padded key of sequence 1 gets exactly zero weight from every query, in every head.
    for (const head of probs[1]) {
      for (const row of head) {
        expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        expect(row[4]).toBe(0);
      }
    }
    tf.dispose([out.sequence, ...(out.attentions ?? [])]);
    enc.dispose();
  });

  it("adding padding leaves the outputs at real positions unchanged", () => {
    const enc = Encoder.create(small, 2);
    const short = enc.forward({ inputIds: ids([[2, 7, 8, 9, 3]]) }).sequence;
    const padded = enc.forward({ inputIds: ids([[2, 7, 8, 9, 3, 0, 0, 0]]), attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 0, 0, 0]]) }).sequence;
    const real = padded.slice([0, 0, 0], [1, 5, 16]);
    const diff = tf.max(tf.abs(real.sub(short))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    // Without the mask the padding would change them: the test can tell.
    const unmasked = enc.forward({ inputIds: ids([[2, 7, 8, 9, 3, 0, 0, 0]]) }).sequence.slice([0, 0, 0], [1, 5, 16]);
    expect(tf.max(tf.abs(unmasked.sub(short))).dataSync()[0]).toBeGreaterThan(1e-3);
    enc.dispose();
  });

  it("segment ids change the output; dropout is seeded in training and off at evaluation", () => {
    const enc = Encoder.create(small, 5);
    const input = { inputIds: ids([[2, 7, 8, 3, 9, 10, 3]]) };
    const evalA = enc.forward(input).sequence.dataSync();
    const evalB = enc.forward(input).sequence.dataSync();
    expect(Array.from(evalA)).toEqual(Array.from(evalB));
    const pair = enc.forward({ ...input, tokenTypeIds: ids([[0, 0, 0, 0, 1, 1, 1]]) }).sequence.dataSync();
    expect(Array.from(pair)).not.toEqual(Array.from(evalA));
    const t1 = enc.forward(input, { training: true, rng: new Rng(1) }).sequence.dataSync();
    const t2 = enc.forward(input, { training: true, rng: new Rng(1) }).sequence.dataSync();
    const t3 = enc.forward(input, { training: true, rng: new Rng(2) }).sequence.dataSync();
    expect(Array.from(t1)).toEqual(Array.from(t2));
    expect(Array.from(t1)).not.toEqual(Array.from(t3));
    expect(Array.from(t1)).not.toEqual(Array.from(evalA));
    expect(() => enc.forward(input, { training: true })).toThrow(/training mode needs an `rng`/);
    expect(() => enc.forward({ inputIds: ids([Array.from({ length: 13 }, () => 5)]) })).toThrow(/13 tokens are longer than the 12 positions/);
    enc.dispose();
  });

  it("gives the same outputs on wasm and cpu", async () => {
    const run = async (backend: "wasm" | "cpu") => {
      await initBackend({ forced: backend, reset: true });
      const mlm = MaskedLanguageModel.create(small, 8);
      const logits = mlm.logitsAt({ inputIds: ids([[2, 7, 4, 9, 3], [2, 4, 11, 3, 0]]), attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]) }, [2, 6]);
      const out = Array.from(logits.dataSync());
      logits.dispose();
      mlm.dispose();
      return out;
    };
    const cpu = await run("cpu");
    const wasm = await run("wasm");
    expect(cpu.length).toBe(2 * 50);
    cpu.forEach((v, i) => expect(wasm[i]).toBeCloseTo(v, 4));
  });
});
