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
  bootstrapConfidenceInterval,
  clickThroughByPosition,
  cumulativeShare,
  learningRateAt,
  ndcgAtK,
  averagePrecision,
  sampleSizeProportions,
  scaledDotProductAttention,
  topPopularityShare,
  wordPieceSplit,
} from "shoplm";
import { compareValues, type Check, type AnswerFunction } from "shoplm/instructor";
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

const FLOAT32 = new Set(["scaledDotProductAttention"]);

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

  it("each known difference is explained where the student meets it", () => {
    const sampleSize = exercises.find((e) => e.id === "5.4")!;
    expect(sampleSize.instructions).toMatch(/sampleSizeProportions/);
  });
});
