import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { encoderConfig, initBackend, MaskedLanguageModel, Pretrainer, pretrain, unigramPerplexity, type EvalInfo, type PretrainOptions, type StepInfo } from "shoplm";
import { GRAMMAR_VOCAB, grammarCorpus, SPECIAL } from "./grammar";

const config = encoderConfig({ vocabSize: GRAMMAR_VOCAB, hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64, maxPositions: 8, dropout: 0.05, attentionDropout: 0.05 });
const train = grammarCorpus(2000, 1);
const heldOut = grammarCorpus(200, 2);
const base: PretrainOptions = { steps: 200, batchSize: 32, maxLength: 8, special: SPECIAL, learningRate: 1e-2, warmupSteps: 20, seed: 5 };

describe("MLM pretraining", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("learns the grammar: held-out perplexity falls far below the unigram baseline", async () => {
    const model = MaskedLanguageModel.create(config, 1);
    const steps: StepInfo[] = [];
    const evals: EvalInfo[] = [];
    const result = await pretrain(model, { train, heldOut }, { ...base, evalEvery: 100, onStep: (s) => void steps.push(s), onEval: (e) => void evals.push(e) });
    expect(steps.length).toBe(200);
    expect(evals.map((e) => e.step)).toEqual([100, 200]);
    expect(result.evals).toEqual(evals);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(steps.slice(0, 10).map((s) => s.loss));
    const last = mean(steps.slice(-10).map((s) => s.loss));
    expect(first).toBeGreaterThan(3); // about ln(45) at the start
    expect(last).toBeLessThan(first / 3);
    const baseline = unigramPerplexity(train.flatMap((s) => Array.from(s.inputIds)), heldOut.flatMap((s) => Array.from(s.inputIds).slice(1, -1)), GRAMMAR_VOCAB);
    expect(baseline).toBeGreaterThan(20);
    const final = evals[1];
    expect(final.perplexity).toBeLessThan(Math.min(2, baseline / 10));
    expect(final.accuracy).toBeGreaterThan(0.9);
    expect(final.loss).toBeLessThan(evals[0].loss + 0.05);
    // Step reports: the schedule's rates, real token counts, and a masked share near 15 %.
    expect(steps[19].learningRate).toBeCloseTo(1e-2, 9);
    expect(steps[199].learningRate).toBeCloseTo(0, 9);
    const tokens = steps.reduce((n, s) => n + s.tokens, 0);
    const masked = steps.reduce((n, s) => n + s.maskedTokens, 0);
    expect(masked / tokens).toBeGreaterThan(0.1);
    expect(steps.every((s) => s.tokensPerSecond > 0 && Number.isFinite(s.gradNorm))).toBe(true);
    // Fill in the blank: "[CLS] a_3 [MASK] c_3 d_3 [SEP]" -> b_3 = 18; "[CLS] a_7 b_7 c_7 [MASK] [SEP]" -> d_7 = 42.
    const guesses = await model.predictMasked(
      [
        [2, 8, SPECIAL.mask, 28, 38, 3],
        [2, 12, 22, 32, SPECIAL.mask, 3],
      ],
      SPECIAL.mask,
      { topK: 3 }
    );
    expect(guesses.map((g) => [g.sequence, g.position, g.ids[0]])).toEqual([
      [0, 2, 18],
      [1, 4, 42],
    ]);
    expect(guesses[0].probabilities[0]).toBeGreaterThan(0.5);
    expect(guesses[0].probabilities[0]).toBeGreaterThanOrEqual(guesses[0].probabilities[1]);
    model.dispose();
  });

  it("the same seed gives identical losses; another seed does not", async () => {
    const run = async (seed: number) => {
      const model = MaskedLanguageModel.create(config, 3);
      const r = await pretrain(model, { train }, { ...base, steps: 12, warmupSteps: 3, seed });
      model.dispose();
      return r.steps.map((s) => s.loss);
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("leaks no tensor across steps (tf.memory().numTensors is stable)", () => {
    const model = MaskedLanguageModel.create(config, 4);
    const trainer = new Pretrainer(model, train, heldOut, { ...base, steps: 40, evalBatches: 2 });
    trainer.trainStep(); // creates the optimizer's moments
    const counts: number[] = [];
    for (let i = 0; i < 30; i++) {
      trainer.trainStep();
      if (i % 10 === 0) trainer.evaluate();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    trainer.dispose();
    model.dispose();
  });

  it("clips the gradient norm and rejects settings that cannot work", () => {
    const model = MaskedLanguageModel.create(config, 6);
    const trainer = new Pretrainer(model, train, [], { ...base, clipNorm: 1e-3 });
    const s = trainer.trainStep();
    expect(s.clipped).toBe(true);
    expect(s.gradNorm).toBeGreaterThan(1e-3);
    trainer.dispose();
    // A learning rate far too high blows the weights up: the step says so instead of training on NaN.
    const wild = new Pretrainer(model, train, [], { ...base, learningRate: 1e9, warmupSteps: 0, clipNorm: null });
    expect(() => {
      for (let i = 0; i < 20; i++) wild.trainStep();
    }).toThrow(/training diverged \(learning rate/);
    wild.dispose();
    expect(() => new Pretrainer(model, train, [], { ...base, maxLength: 9 })).toThrow(/maxLength 9 exceeds the model's 8 positions/);
    expect(() => new Pretrainer(model, [], [], base)).toThrow(/no training sequences/);
    expect(() => new Pretrainer(model, [{ inputIds: [2, 45, 3] }], [], base)).toThrow(/training sequence 0 has token id 45 at position 1, outside the model's vocabulary of 45/);
    model.dispose();
  });
});
