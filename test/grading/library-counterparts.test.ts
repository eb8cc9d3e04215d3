/**
 * Where the library has a function an exercise asks the student to write, the two agree on every
 * public and hidden case, or the exercise says why they differ. Each exercise names its
 * counterparts (`libraryCounterparts`); here each one is called, through a small adapter from the
 * exercise's arguments to the library's signature, on every case of the exercise.
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import * as shoplm from "shoplm";
import {
  adalora,
  bioSpans,
  bootstrapConfidenceInterval,
  classificationLoss,
  clickThroughByPosition,
  cumulativeShare,
  learningRateAt,
  lora,
  ndcgAtK,
  Parameters,
  averagePrecision,
  sampleSizeProportions,
  scaledDotProductAttention,
  topPopularityShare,
  wordPieceSplit,
  poolVectors,
  poolTokens,
  ExactIndex,
  infoNce,
  infoNceLoss,
  recallAgainstExact,
  Bm25Index,
  reciprocalRankFusion,
  evaluateRecommender,
  mmrRerank,
} from "shoplm";
import { compareValues, type Check, type AnswerFunction } from "shoplm/instructor";
import type { Encoder } from "../../lib/src/model/encoder";
import type { Lora } from "../../lib/src/finetune/lora";
import { exercises } from "../../exercises/index";
import { solutions } from "../../solutions/index";

type Schedule = { peak: number; warmupSteps: number; totalSteps: number; decay: "linear" | "cosine"; minimum: number };

/** Ids d0, d1, ... for a list of gains, and judgments for them plus `extra` unretrieved ones. */
function asRun(gains: number[], judged: number[]): { ranking: string[]; judgments: Record<string, number> } {
  const ranking = gains.map((_, i) => `d${i}`);
  const judgments: Record<string, number> = {};
  gains.forEach((g, i) => (judgments[`d${i}`] = g));
  // The judged gains not matched by a ranked product with the same gain are unretrieved products.
  const left = [...judged];
  for (const g of gains) {
    const at = left.indexOf(g);
    if (at >= 0) left.splice(at, 1);
  }
  left.forEach((g, i) => (judgments[`u${i}`] = g));
  return { ranking, judgments };
}

function attentionViaLibrary(q: number[][], k: number[][], v: number[][], mask: number[]): { weights: number[][]; output: number[][] } {
  return tf.tidy(() => {
    const qt = tf.tensor(q).reshape([1, 1, q.length, q[0].length]) as tf.Tensor4D;
    const kT = tf.tensor(k).transpose().reshape([1, 1, k[0].length, k.length]) as tf.Tensor4D;
    const vt = tf.tensor(v).reshape([1, 1, v.length, v[0].length]) as tf.Tensor4D;
    const m = tf.tensor([mask]) as tf.Tensor2D;
    const { context, probs } = scaledDotProductAttention(qt, kT, vt, m, 0, null);
    return { weights: (probs.arraySync() as number[][][][])[0][0], output: (context.arraySync() as number[][][][])[0][0] };
  });
}

/** The library's LoRA on a one-projection stand-in encoder: W is the query kernel, A and B its LoRA weights. */
function withLora<T>(W: number[][], A: number[][], B: number[][], alpha: number, use: (adapter: Lora, name: string, kernel: tf.Variable) => T): T {
  const name = "encoder.layer_0.attention.self.query";
  const params = new Parameters("counterpart");
  const kernel = params.add(`${name}.kernel`, Float32Array.from(W.flat()), [W.length, W[0].length]);
  const adapter = lora({ config: { layers: 1 }, params } as unknown as Encoder, { rank: A[0].length, alpha, targets: ["query"] });
  try {
    tf.tidy(() => {
      adapter.params.get(`${name}.lora_A`).assign(tf.tensor2d(A));
      adapter.params.get(`${name}.lora_B`).assign(tf.tensor2d(B));
    });
    return use(adapter, name, kernel);
  } finally {
    adapter.dispose();
    params.dispose();
  }
}

type Triplet = { lambda: number; lambdaGrad: number; p: number[]; pGrad: number[]; q: number[]; qGrad: number[] };

/**
 * The library's AdaLoRA score of one triplet: a rank-1 AdaLora on a stand-in encoder, each step's
 * weights assigned and its gradients handed over where the backward pass would leave them (the
 * private map the gradient taps fill), then `afterStep` (warm-up past the last step: no pruning).
 */
async function adaloraImportance(steps: Triplet[], beta1: number, beta2: number): Promise<number> {
  const name = "encoder.layer_0.attention.self.query";
  const dIn = steps[0].p.length;
  const dOut = steps[0].q.length;
  const params = new Parameters("counterpart");
  params.add(`${name}.kernel`, new Float32Array(dIn * dOut), [dIn, dOut]);
  const method = adalora({ config: { layers: 1 }, params } as unknown as Encoder, {
    initialRank: 1, targetRank: 1, warmupSteps: steps.length + 1, finalStep: steps.length + 2, targets: ["query"], beta1, beta2,
  });
  const grads = (method as unknown as { grads: Map<string, tf.Tensor> }).grads;
  try {
    for (const [t, s] of steps.entries()) {
      tf.tidy(() => {
        method.params.get(`${name}.adalora_P`).assign(tf.tensor2d(s.p, [dIn, 1]));
        method.params.get(`${name}.adalora_lambda`).assign(tf.tensor1d([s.lambda]));
        method.params.get(`${name}.adalora_Q`).assign(tf.tensor2d(s.q, [1, dOut]));
      });
      grads.set(`${name}.adalora_P`, tf.tensor2d(s.pGrad, [dIn, 1]));
      grads.set(`${name}.adalora_lambda`, tf.tensor1d([s.lambdaGrad]));
      grads.set(`${name}.adalora_Q`, tf.tensor2d(s.qGrad, [1, dOut]));
      await method.afterStep(t + 1);
    }
    return method.importance()[name][0];
  } finally {
    method.dispose();
    params.dispose();
  }
}

/** Each counterpart as the exercise's answer function. */
const adapters: Record<string, Record<string, AnswerFunction>> = {
  "0.1": { clickThroughByPosition: (imps: { position: number; clicked: boolean }[], max: number) => clickThroughByPosition(imps, max) },
  "0.2": {
    topPopularityShare: (p: number[], f: number) => topPopularityShare(p, f),
    cumulativeShare: (p: number[], f: number) => (Math.ceil(f * p.length) === 0 ? 0 : cumulativeShare(p)[Math.ceil(f * p.length) - 1]),
  },
  "1.1": {
    wordPieceSplit: (word: string, vocab: string[]) => wordPieceSplit(word, new Set(vocab)),
  },
  "1.3": { scaledDotProductAttention: attentionViaLibrary },
  "1.4": { learningRateAt: (step: number, s: Schedule) => learningRateAt(step, s) },
  "2.1": {
    classificationLoss: (logits: number[][], labels: number[], weights: number[]) =>
      tf.tidy(() => classificationLoss(tf.tensor2d(logits), Int32Array.from(labels), Float32Array.from(weights)).dataSync()[0]),
  },
  "2.2": {
    lora: (x: number[], W: number[][], A: number[][], B: number[][], alpha: number) =>
      withLora(W, A, B, alpha, (adapter, name, kernel) =>
        tf.tidy(() => {
          const row = tf.tensor2d([x]);
          return Array.from(adapter.hooks.projection(name, row, tf.matMul(row, kernel)).dataSync());
        })
      ),
  },
  "2.3": {
    Lora: (W: number[][], A: number[][], B: number[][], alpha: number) =>
      withLora(W, A, B, alpha, (adapter, _name, kernel) => {
        adapter.merge();
        return kernel.arraySync() as number[][];
      }),
  },
  "2.4": { bioSpans: (tags: string[]) => bioSpans(tags) },
  "2.5": { AdaLora: (steps: Triplet[], beta1: number, beta2: number) => adaloraImportance(steps, beta1, beta2) },
  "3.1": {
    poolVectors: (tokens: number[][], mask: number[]) => poolVectors(tokens, mask, "mean"),
    poolTokens: (tokens: number[][], mask: number[]) =>
      tf.tidy(() => Array.from(poolTokens(tf.tensor3d([tokens]), tf.tensor2d([mask]), "mean").dataSync())),
  },
  "3.2": {
    ExactIndex: (query: number[], products: number[][], k: number) => {
      const index = new ExactIndex({ dimension: query.length, metric: "cosine", modelId: "exercise-3.2" });
      index.add(products);
      return Array.from(index.search(query, k).ids);
    },
  },
  "3.3": {
    infoNce: (q: number[][], p: number[][], t: number) => infoNce(q, p, t),
    infoNceLoss: (q: number[][], p: number[][], t: number) => tf.tidy(() => infoNceLoss(tf.tensor2d(q), tf.tensor2d(p), { temperature: t }).dataSync()[0]),
  },
  "3.4": { recallAgainstExact: (a: number[][], e: number[][], k: number) => recallAgainstExact(a, e, k) },
  "4.1": {
    Bm25Index: (query: string[], documents: string[][], k1: number, b: number) => {
      const tokens = (text: string) => text.split(" ").filter((t) => t !== "");
      const index = new Bm25Index(
        documents.map((d, i) => ({ id: `d${i}`, fields: { text: d.join(" ") } })),
        { fields: ["text"], tokenize: tokens, queryTerms: tokens, params: { k1, b, fieldWeights: { text: 1 } } }
      );
      return index.scorePool(query.join(" "), documents.map((_, i) => `d${i}`));
    },
  },
  "4.2": { reciprocalRankFusion: (lists: string[][], k: number) => reciprocalRankFusion(lists, { k }).map((item) => item.id) },
  "4.5": {
    evaluateRecommender: async (scores: number[][], targets: number[], histories: number[][], k: number) => {
      const n = scores[0].length;
      const itemIds = Array.from({ length: n }, (_, i) => `i${i}`);
      const userIds = scores.map((_, u) => `u${u}`);
      const sequences = histories.map((h, u) => Int32Array.from([...h, targets[u]]));
      const split = {
        data: { itemIds, itemIndex: new Map(itemIds.map((id, i) => [id, i])), userIds, sequences },
        train: histories.map((h) => Int32Array.from(h)),
        validation: [],
        test: scores.map((_, u) => ({ user: u, history: Int32Array.from(histories[u]), target: targets[u] })),
      };
      const model = { name: "exercise-4.5", scoreBatch: (_h: readonly Int32Array[], users: readonly number[]) => users.map((u) => Float32Array.from(scores[u])) };
      // The library's k is at most the catalog; a larger k ranks every item either way.
      const result = await evaluateRecommender(model, split, { k: Math.min(k, n) });
      return { hitRate: result.hr, ndcg: result.ndcg };
    },
  },
  "4.6": {
    mmrRerank: (relevance: number[], similarity: number[][], lambda: number, k: number) =>
      mmrRerank(relevance.map((score, i) => ({ id: String(i), score })), { lambda, k, normalize: "none", similarity: (a, b) => similarity[Number(a)][Number(b)] }).map((item) => Number(item.id)),
  },
  "5.1": {
    ndcgAtK: (ranked: number[], judged: number[], k: number) => {
      const { ranking, judgments } = asRun(ranked, judged);
      return ndcgAtK(ranking, judgments, k);
    },
  },
  "5.2": {
    averagePrecision: (relevant: boolean[], total: number) => {
      const gains = relevant.map((r) => (r ? 1 : 0));
      const judged = [...new Array<number>(total).fill(1)];
      const { ranking, judgments } = asRun(gains, judged);
      return averagePrecision(ranking, judgments);
    },
  },
  "5.3": {
    bootstrapConfidenceInterval: (values: number[], samples: number, level: number, seed: number) => {
      const r = bootstrapConfidenceInterval(values, { samples, level, seed });
      return [r.lower, r.upper];
    },
  },
  "5.4": {
    sampleSizeProportions: (baseline: number, lift: number, alpha: number, power: number) => sampleSizeProportions({ baseline, lift, alpha, power }).perArm,
  },
};

/**
 * Cases where a counterpart answers differently on purpose, and why (each reason is also in the
 * exercise's instructions or the function's documentation).
 */
const knownDifferences: Record<string, { counterpart: string; cases: string[]; why: string }[]> = {
  "5.3": [{ counterpart: "bootstrapConfidenceInterval", cases: ["one value"], why: "the library gives (-Infinity, Infinity) with a warning for one value: one value shows no spread" }],
  "5.4": [
    {
      counterpart: "sampleSizeProportions",
      cases: ["50 %, +5 %"],
      why: "the library also counts the far rejection tail and solves for the exact power, so it can need a session less than the closed form",
    },
  ],
};

const FLOAT32 = new Set(["scaledDotProductAttention", "classificationLoss", "lora", "Lora", "AdaLora", "poolTokens", "ExactIndex", "infoNceLoss"]);

function isCase(check: Check<AnswerFunction>): check is Extract<Check<AnswerFunction>, { args: unknown }> {
  return "args" in check;
}

describe("library counterparts agree with the reference solutions", () => {
  it("every counterpart an exercise names is a library export, and has an adapter here (or is covered by another)", () => {
    for (const exercise of exercises) {
      for (const name of exercise.libraryCounterparts ?? []) expect(shoplm, `${exercise.id}: ${name}`).toHaveProperty(name);
      if ((exercise.libraryCounterparts ?? []).length > 0) expect(Object.keys(adapters[exercise.id] ?? {}).length, exercise.id).toBeGreaterThan(0);
    }
  });

  for (const exercise of exercises) {
    const solution = solutions.find((s) => s.id === exercise.id)!;
    for (const [name, adapter] of Object.entries(adapters[exercise.id] ?? {})) {
      it(`${exercise.id}: ${name} answers like the reference on every public and hidden case`, async () => {
        const differences: string[] = [];
        for (const check of [...exercise.checks, ...solution.hidden]) {
          if (!isCase(check)) continue;
          const expected = check.expected !== undefined ? check.expected : await solution.reference(...(structuredClone(check.args) as never[]));
          let got: unknown;
          try {
            got = await adapter(...(structuredClone(check.args) as never[]));
          } catch (error) {
            got = `threw ${String(error)}`;
          }
          // Tensor counterparts compute in float32.
          const tolerance = FLOAT32.has(name) ? { abs: 1e-5, rel: 1e-5 } : (check.tolerance ?? exercise.tolerance ?? { abs: 1e-9, rel: 1e-9 });
          const diff = compareValues(expected, got, tolerance);
          if (diff) differences.push(check.name);
        }
        const known = (knownDifferences[exercise.id] ?? []).filter((d) => d.counterpart === name).flatMap((d) => d.cases);
        expect(differences).toEqual(known);
      });
    }
  }

  it("the tensor adapters of chapter 2 leave no tensor behind", async () => {
    const before = tf.memory().numTensors;
    for (const id of ["2.1", "2.2", "2.3", "2.5"]) {
      const exercise = exercises.find((e) => e.id === id)!;
      for (const adapter of Object.values(adapters[id])) {
        for (const check of exercise.checks) if (isCase(check)) await adapter(...(structuredClone(check.args) as never[]));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("each known difference is explained where the student meets it", () => {
    const sampleSize = exercises.find((e) => e.id === "5.4")!;
    expect(sampleSize.instructions).toMatch(/sampleSizeProportions/);
  });
});
