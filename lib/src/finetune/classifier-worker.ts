/**
 * Fine-tuning on worker threads: how a gradient worker builds its replica of a sequence or token
 * classifier. The main thread describes its classifier by a recipe (the base checkpoint's folder,
 * the run's setup, the head's labels and pooling, the class weights); a worker rebuilds the same
 * structure from it, and the Trainer then overwrites every trainable weight with the main thread's
 * values. Frozen weights (the encoder under a probe, LoRA, adapters or prefixes) come from the same
 * checkpoint file, or from the same seed when the run starts from random weights: the same bits.
 */
import * as path from "node:path";
import { readCheckpoint, type Checkpoint } from "../model/checkpoint";
import type { TrainingTask } from "../train/trainer";
import type { WorkerTaskSpec } from "../train/worker-pool";
import { SequenceClassifier, type ClassificationBatch } from "./classifier";
import { SequenceClassificationHead, TokenClassificationHead, type Pooling } from "./heads";
import { PoolRankingClassifier, type PoolBatch, type PoolRankingOptions } from "./pool-ranking";
import { TokenClassifier, type TokenClassificationBatch } from "./token-classifier";
import { encoderAndMethod, methodSettingsOf, type RunSetup } from "./run";

/** What a worker needs to rebuild a sequence classifier (plain data: it is cloned to the thread). */
export interface ClassifierRecipe {
  /** The base checkpoint's folder (read again by each worker). */
  readonly checkpoint: string;
  /** The run's method, its settings, seed, start (pretrained or from scratch) and match channel. */
  readonly setup: Omit<RunSetup, "checkpoint" | "tokenizer">;
  /** The head: a sequence head with its pooling, or a token head (one label per token). */
  readonly head: { readonly labels: readonly string[]; readonly pooling: Pooling | "tokens"; readonly seed: number };
  readonly classWeights: Float32Array | null;
  /** Trained with a ranking loss inside pools (`PoolRankingClassifier`); null: pointwise. */
  readonly ranking?: PoolRankingOptions | null;
}

/** The recipe of a classifier a task run builds: `prepareRun`'s encoder and method from `setup` on `base`, a sequence head. */
export function classifierRecipe(
  base: Checkpoint,
  setup: RunSetup,
  head: { readonly labels: readonly string[]; readonly pooling: Pooling | "tokens" },
  classWeights: Float32Array | undefined,
  ranking: PoolRankingOptions | null = null
): ClassifierRecipe {
  const seed = setup.seed ?? 0;
  return {
    checkpoint: base.dir,
    setup: { method: setup.method, ...methodSettingsOf(setup), seed, fromScratch: setup.fromScratch, matchChannel: setup.matchChannel },
    head: { labels: head.labels, pooling: head.pooling, seed },
    classWeights: classWeights ?? null,
    ranking,
  };
}

/** How a worker thread builds the classifier's training task (this module, from the built package or the sources). */
export function classifierWorkerSpec(recipe: ClassifierRecipe): WorkerTaskSpec {
  return { module: path.join(__dirname, `classifier-worker${path.extname(__filename)}`), exportName: "classifierWorkerTask", config: recipe };
}

/** A worker's replica of the classifier, as a training task (its trainable weights are then overwritten with the main thread's). */
export function classifierWorkerTask(recipe: ClassifierRecipe): TrainingTask<ClassificationBatch> | TrainingTask<TokenClassificationBatch> | TrainingTask<PoolBatch> {
  const base = readCheckpoint(recipe.checkpoint);
  const { encoder, method } = encoderAndMethod("classifierWorkerTask", recipe.setup, base);
  const { labels, pooling, seed } = recipe.head;
  const weights = recipe.classWeights ?? undefined;
  if (pooling === "tokens") return new TokenClassifier(encoder, method, new TokenClassificationHead({ hiddenSize: base.config.hiddenSize, labels, seed }), weights).task();
  const head = new SequenceClassificationHead({ hiddenSize: base.config.hiddenSize, labels, pooling, seed });
  const classifier = new SequenceClassifier(encoder, method, head, weights);
  return recipe.ranking ? new PoolRankingClassifier(classifier, recipe.ranking).task() : classifier.task();
}
