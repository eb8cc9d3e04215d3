/**
 * The bi-encoder on gradient worker threads: how a worker builds its replica. As for chapter 2's
 * classifiers (`classifier-worker.ts`), the main thread describes its model by a recipe (the base
 * checkpoint's folder, the run's method and settings, the bi-encoder's options, shared or separate
 * towers); a worker rebuilds the same structure, and the Trainer overwrites every trainable weight
 * with the main thread's values. Frozen weights come from the same checkpoint file (or the same
 * seed from scratch). The in-batch negatives couple a batch's rows, so each worker's loss gathers
 * the others' vectors (`BiEncoder.loss` with a `RowExchange`).
 */
import * as path from "node:path";
import type { Checkpoint } from "../model/checkpoint";
import { methodSettingsOf, type RunSetup } from "../finetune/run";
import type { TrainingTask } from "../train/trainer";
import type { WorkerTaskSpec } from "../train/worker-pool";
import { createBiEncoder, type BiEncoderBatch, type BiEncoderOptions } from "./bi-encoder";

/** What a worker needs to rebuild a bi-encoder (plain data: it is cloned to the thread). */
export interface BiEncoderRecipe {
  readonly checkpoint: string;
  readonly setup: Omit<RunSetup, "checkpoint" | "tokenizer">;
  readonly options: Omit<BiEncoderOptions, "modelId">;
  readonly shared: boolean;
  readonly symmetric: boolean;
}

/** The recipe of the bi-encoder `trainBiEncoder` builds from `setup` on `base`. */
export function biEncoderRecipe(base: Checkpoint, setup: RunSetup & BiEncoderOptions & { readonly shared?: boolean }, symmetric: boolean): BiEncoderRecipe {
  return {
    checkpoint: base.dir,
    setup: { method: setup.method, ...methodSettingsOf(setup), seed: setup.seed ?? 0, fromScratch: setup.fromScratch, matchChannel: setup.matchChannel },
    options: { pooling: setup.pooling, maxLength: setup.maxLength, temperature: setup.temperature, learnTemperature: setup.learnTemperature },
    shared: setup.shared !== false,
    symmetric,
  };
}

/** How a worker thread builds the bi-encoder's training task (this module, from the built package or the sources). */
export function biEncoderWorkerSpec(recipe: BiEncoderRecipe): WorkerTaskSpec {
  return { module: path.join(__dirname, `bi-encoder-worker${path.extname(__filename)}`), exportName: "biEncoderWorkerTask", config: recipe };
}

/** A worker's replica of the bi-encoder, as a training task. */
export function biEncoderWorkerTask(recipe: BiEncoderRecipe): TrainingTask<BiEncoderBatch> {
  const model = createBiEncoder({ checkpoint: recipe.checkpoint, ...recipe.setup, ...recipe.options, shared: recipe.shared });
  return { params: model.trainableSets(), loss: (b, rng, exchange) => model.loss(b, rng, recipe.symmetric, exchange) };
}
