/**
 * The comparison runner: every fine-tuning method on one shop task with the same budget (steps,
 * batch, sequence length, seed), one row each: trainable parameters (count and share of the
 * model), seconds per epoch, memory, validation and test quality beside the task's baseline, and
 * how much the encoder forgot of its language modelling (held-out masked-LM perplexity under the
 * base checkpoint's MLM head, against the base's own).
 *
 * Memory is what stays allocated between steps (weights, optimizer moments, method state): tfjs's
 * `tf.memory()` read after every step, the largest value kept. Activations live only inside a step.
 */
import * as tf from "@tensorflow/tfjs";
import * as path from "node:path";
import type { AttributeTagRow } from "../data/attribute-tags";
import type { Judgment, Product, Query } from "../data/records";
import type { Checkpoint } from "../model/checkpoint";
import { encodeTexts, shopTextSplit, specialTokenIds } from "../train/course-model";
import { fineTuneAttributes } from "./attributes";
import { fineTunedMlm } from "./forgetting";
import { fineTuneIntent } from "./intent";
import type { MethodName } from "./method";
import { fineTuneShopRelevance } from "./relevance";
import type { RankingObjective } from "./pool-ranking";
import { baseCheckpoint, runTokenizer, type FineTuneObserver, type MethodSettings, type TrainedModel } from "./run";

export type ShopTask = "intent" | "attributes" | "relevance";

export const SHOP_TASKS: readonly ShopTask[] = ["intent", "attributes", "relevance"];

export interface MethodComparisonOptions extends MethodSettings {
  readonly task: ShopTask;
  readonly methods: readonly MethodName[];
  readonly shop: { readonly queries: readonly Query[]; readonly products: readonly Product[]; readonly judgments: readonly Judgment[] };
  /** Rows of `loadAttributeTags(...)` (the attributes task). */
  readonly attributeRows?: readonly AttributeTagRow[];
  readonly checkpoint?: string | Checkpoint;
  readonly steps: number;
  readonly batchSize?: number;
  readonly maxLength?: number;
  readonly seed?: number;
  /** Per-method peak learning rates (default each method's own). */
  readonly learningRates?: Partial<Record<MethodName, number>>;
  /** Held-out texts for the forgetting measurement (default chapter 1's held-out shop text) and how many batches of them. */
  readonly forgettingTexts?: readonly string[];
  readonly forgettingBatches?: number;
  /** The relevance task's loss: pointwise (default), pairwise or listwise inside each query's pool (pool-ranking.ts). */
  readonly objective?: RankingObjective;
  /** The relevance task's lexical match channel (match-channel.ts; full fine-tuning only). */
  readonly matchChannel?: boolean;
  /** Save each trained model (tasks with a sequence head) as a fine-tuned checkpoint in `saveDir/<task>-<method>`. */
  readonly saveDir?: string;
  /**
   * Gradient worker threads for every method that can use them (see `TrainerOptions.workers`);
   * AdaLoRA, which changes the model after each update, trains on one. Default: COURSE_WORKERS, else 1.
   */
  readonly workers?: number | "auto";
  /** Called as each method finishes. */
  readonly onRow?: (row: MethodComparisonRow) => void;
}

export interface MethodComparisonRow {
  readonly method: MethodName;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  /** Share of the model's scalars that train. */
  readonly trainableShare: number;
  readonly steps: number;
  readonly seconds: number;
  /** Threads that computed the gradients. */
  readonly workers: number;
  /** Seconds per pass over the training examples (steps x batch / examples of them). */
  readonly secondsPerEpoch: number;
  /** The most tensors and bytes held between steps. */
  readonly peakTensors: number;
  readonly peakBytes: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  /** The task's metric (see `MethodComparison.metric`) on the validation split (null where not measured) and on the test split. */
  readonly validation: number | null;
  readonly test: number;
  /** Held-out masked-LM perplexity of the fine-tuned encoder (base MLM head). */
  readonly mlmPerplexity: number;
}

export interface MethodComparison {
  readonly task: ShopTask;
  readonly metric: string;
  readonly baseline: { readonly name: string; readonly test: number };
  /** The base checkpoint's own held-out masked-LM perplexity on the same masked positions. */
  readonly basePerplexity: number;
  readonly trainExamples: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly rows: readonly MethodComparisonRow[];
}

interface TaskOutcome {
  readonly trainableParameters: number;
  readonly totalParameters: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly seconds: number;
  readonly steps: number;
  readonly validation: number | null;
  readonly test: number;
  readonly baseline: { readonly name: string; readonly test: number };
  readonly trainExamples: number;
  readonly workers: number;
}

async function runTask(options: MethodComparisonOptions, method: MethodName, base: Checkpoint, observer: FineTuneObserver): Promise<TaskOutcome> {
  // AdaLoRA refuses workers asked for explicitly (its rank allocation runs after each update).
  const workers = method === "adalora" && options.workers !== undefined ? 1 : options.workers;
  const common = { ...options, method, checkpoint: base, learningRate: options.learningRates?.[method], observer, workers };
  if (options.task === "intent") {
    const r = await fineTuneIntent({ ...common, queries: options.shop.queries, evalEvery: options.steps });
    return { ...r, workers: r.training.workers, seconds: r.training.seconds, steps: r.training.steps, validation: r.validation.accuracy, test: r.test.accuracy, baseline: { name: "majority class", test: r.test.majorityAccuracy }, trainExamples: options.shop.queries.filter((q) => q.split === "train").length };
  }
  if (options.task === "attributes") {
    if (!options.attributeRows) throw new Error("compareFineTuningMethods: the attributes task needs attributeRows (loadAttributeTags(...)).");
    const r = await fineTuneAttributes({ ...common, rows: options.attributeRows, evalEvery: options.steps });
    return {
      ...r,
      workers: r.training.workers,
      seconds: r.training.seconds,
      steps: r.training.steps,
      validation: r.validation.all.model.micro.f1,
      test: r.test.all.model.micro.f1,
      baseline: { name: "lexicon (each word's most frequent training tag)", test: r.test.all.lexicon.micro.f1 },
      trainExamples: options.attributeRows.filter((row) => row.split === "train").length,
    };
  }
  const r = await fineTuneShopRelevance({ ...common, shop: options.shop });
  const keyword = r.rows.find((row) => row.ranker === "keyword");
  return { ...r, workers: r.training.workers, seconds: r.training.seconds, steps: r.training.steps, validation: null, test: r.rows[0].ndcg10, baseline: { name: "keyword", test: keyword ? keyword.ndcg10 : NaN }, trainExamples: r.trainPairs };
}

const METRICS: Readonly<Record<ShopTask, string>> = {
  intent: "accuracy (leaf category)",
  attributes: "span micro-F1 (exact match)",
  relevance: "NDCG@10 re-ranking judged pools (ESCI gains)",
};

/** Every method on one task with one budget; rows in the order of `methods`. */
export async function compareFineTuningMethods(options: MethodComparisonOptions): Promise<MethodComparison> {
  if (!SHOP_TASKS.includes(options.task)) throw new Error(`compareFineTuningMethods: task must be one of ${SHOP_TASKS.join(", ")}, got "${String(options.task)}".`);
  if (options.methods.length === 0) throw new Error("compareFineTuningMethods: no methods to compare.");
  if (options.matchChannel && options.task !== "relevance") throw new Error(`compareFineTuningMethods: the match channel marks words a query and a product share; task ${options.task} has no pairs.`);
  const base = baseCheckpoint(options.checkpoint);
  const tokenizer = runTokenizer("compareFineTuningMethods", base);
  const maxLength = base.config.maxPositions;
  const texts = options.forgettingTexts ?? shopTextSplit(options.shop).heldOut;
  const forgetting = { sequences: encodeTexts(tokenizer, texts, maxLength), special: specialTokenIds(tokenizer), vocabSize: tokenizer.vocabSize, maxLength, seed: (options.seed ?? 0) + 1, maxBatches: options.forgettingBatches ?? 16 };
  const basePerplexity = (await fineTunedMlm(base, null, forgetting)).perplexity;
  const rows: MethodComparisonRow[] = [];
  let outcome: TaskOutcome | null = null;
  for (const method of options.methods) {
    let peakTensors = 0;
    let peakBytes = 0;
    let mlmPerplexity = NaN;
    const observer: FineTuneObserver = {
      onStep: () => {
        const m = tf.memory();
        peakTensors = Math.max(peakTensors, m.numTensors);
        peakBytes = Math.max(peakBytes, m.numBytes);
      },
      inspect: async (trained: TrainedModel) => {
        // Saved before the forgetting measurement, so that a long run's model survives a failure there.
        if (options.saveDir && trained.save) trained.save(path.join(options.saveDir, `${options.task}-${method}`), { steps: options.steps, batchSize: options.batchSize ?? 32 });
        mlmPerplexity = (await fineTunedMlm(trained.base, trained, forgetting)).perplexity;
      },
    };
    outcome = await runTask(options, method, base, observer);
    const batchSize = options.batchSize ?? 32;
    const epochs = (outcome.steps * batchSize) / outcome.trainExamples;
    const row: MethodComparisonRow = {
      method,
      trainableParameters: outcome.trainableParameters,
      totalParameters: outcome.totalParameters,
      trainableShare: outcome.trainableParameters / outcome.totalParameters,
      steps: outcome.steps,
      seconds: outcome.seconds,
      workers: outcome.workers,
      secondsPerEpoch: outcome.seconds / epochs,
      peakTensors,
      peakBytes,
      firstLoss: outcome.firstLoss,
      lastLoss: outcome.lastLoss,
      validation: outcome.validation,
      test: outcome.test,
      mlmPerplexity,
    };
    rows.push(row);
    options.onRow?.(row);
  }
  const last = outcome as TaskOutcome;
  return { task: options.task, metric: METRICS[options.task], baseline: last.baseline, basePerplexity, trainExamples: last.trainExamples, steps: options.steps, batchSize: options.batchSize ?? 32, rows };
}
