/** Train a tiny classifier with one method through `fineTune` (the course's Trainer) and report what changed. */
import * as tf from "@tensorflow/tfjs";
import { fineTune, SequenceClassificationHead, SequenceClassifier, type Encoder, type FineTuneMethod, type FineTuneResult } from "shoplm";
import { changedWeights, copyWeights, LABELS, PAD, syntheticExamples, TINY } from "./fixtures";

export interface TinyRun {
  readonly result: FineTuneResult;
  readonly changedEncoder: string[];
  readonly changedMethod: string[];
  /** tf.memory().numTensors after each step from the second on. */
  readonly tensorCounts: number[];
  readonly trainable: number;
}

export async function trainTiny(encoder: Encoder, method: FineTuneMethod, options: { steps?: number; lr?: number; pooling?: "cls" | "mean" } = {}): Promise<TinyRun> {
  const head = new SequenceClassificationHead({ hiddenSize: TINY.hiddenSize, labels: LABELS, pooling: options.pooling ?? "mean", seed: 3 });
  const classifier = new SequenceClassifier(encoder, method, head);
  const beforeEncoder = copyWeights(encoder.params.entries());
  const beforeMethod = method.params ? copyWeights(method.params.entries()) : new Map();
  const counts: number[] = [];
  try {
    const result = await fineTune(classifier, syntheticExamples(240, 5), {
      steps: options.steps ?? 40,
      batchSize: 24,
      learningRate: options.lr ?? 1e-2,
      padId: PAD,
      maxLength: 12,
      seed: 7,
      validation: syntheticExamples(60, 6),
      evalEvery: 20,
      onStep: (s) => void (s.step > 1 && counts.push(tf.memory().numTensors)),
    });
    return {
      result,
      changedEncoder: changedWeights(beforeEncoder, encoder.params.entries()),
      changedMethod: method.params ? changedWeights(beforeMethod, method.params.entries()) : [],
      tensorCounts: counts,
      trainable: classifier.trainableParameters(),
    };
  } finally {
    head.dispose();
  }
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean loss over the first and last quarter of a run. */
export function lossEnds(losses: readonly number[]): { first: number; last: number } {
  const q = Math.max(1, Math.floor(losses.length / 4));
  return { first: mean(losses.slice(0, q)), last: mean(losses.slice(-q)) };
}
