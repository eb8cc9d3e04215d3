/**
 * The steps every fine-tuning task shares (intent, attributes, relevance): read the checkpoint and
 * its tokenizer and check they fit, load the encoder and build the method on it; afterwards, the
 * loss at both ends of the run, whether frozen weights stayed bit for bit, and an observer that
 * sees every step and the trained model before it is freed (the comparison runner's memory and
 * forgetting measurements, saving a checkpoint).
 */
import * as path from "node:path";
import { defaultDataRoot } from "../data/shop-files";
import { loadEncoder, readCheckpoint, type Checkpoint } from "../model/checkpoint";
import { Encoder } from "../model/encoder";
import { loadTokenizer } from "../text/io";
import type { WordPieceTokenizer } from "../text/wordpiece";
import type { TrainStepInfo } from "../train/trainer";
import { adalora } from "./adalora";
import { adapters } from "./adapter";
import { checkTokenizerFits } from "./examples";
import type { FineTuneOptions } from "./fine-tune";
import { fullFineTuning } from "./full";
import { lora } from "./lora";
import { withMatchChannel } from "./match-channel";
import type { FineTuneMethod, MethodName } from "./method";
import { prefixTuning } from "./prefix";
import { linearProbe } from "./probe";

/** The shipped pretrained checkpoint (chapter 1's model card). */
export function shippedCheckpointDir(): string {
  return path.join(defaultDataRoot(), "models", "full");
}

export interface MethodSettings {
  /** LoRA rank (default 8), alpha (default 2 x rank), targets query and value. */
  readonly loraRank?: number;
  readonly adapterSize?: number;
  readonly prefixLength?: number;
  readonly layerDecay?: number;
  /** AdaLoRA: rank at the start (default 12; the budget ends at loraRank per projection), pruning start and end steps. */
  readonly adaloraInitialRank?: number;
  readonly adaloraWarmup?: number;
  readonly adaloraFinalStep?: number;
}

/** A fine-tuning method by name on `encoder`. */
export function makeMethod(name: MethodName, encoder: Encoder, settings: MethodSettings = {}, seed = 0): FineTuneMethod {
  switch (name) {
    case "probe":
      return linearProbe();
    case "full":
      return fullFineTuning(encoder.config, { layerDecay: settings.layerDecay });
    case "lora": {
      const rank = settings.loraRank ?? 8;
      return lora(encoder, { rank, alpha: 2 * rank, targets: ["query", "value"], seed });
    }
    case "adapter":
      return adapters(encoder, { size: settings.adapterSize ?? 16, seed });
    case "adalora":
      return adalora(encoder, { initialRank: settings.adaloraInitialRank ?? 12, targetRank: settings.loraRank ?? 8, alpha: 2 * (settings.adaloraInitialRank ?? 12), warmupSteps: settings.adaloraWarmup ?? 50, finalStep: settings.adaloraFinalStep ?? 300, pruneEvery: 10, seed });
    case "prefix":
      return prefixTuning(encoder, { length: settings.prefixLength ?? 8, seed });
    default:
      throw new Error(`makeMethod: unknown method "${name as string}"; expected probe, full, lora, adalora, adapter or prefix.`);
  }
}

/** Peak learning rates that work for each method on the course model (few weights train faster). */
export const DEFAULT_LEARNING_RATES: Readonly<Record<MethodName, number>> = { probe: 1e-2, full: 5e-4, lora: 5e-3, adapter: 3e-3, prefix: 1e-2, adalora: 5e-3 };

/** The trained model a run shows its observer before freeing it. */
export interface TrainedModel {
  readonly base: Checkpoint;
  readonly tokenizer: WordPieceTokenizer;
  readonly encoder: Encoder;
  readonly method: FineTuneMethod;
  /** Saves the trained model as a fine-tuned checkpoint (tasks with a sequence head: intent, relevance). */
  readonly save?: (dir: string, metadata?: Record<string, unknown>) => void;
}

export interface FineTuneObserver {
  readonly onStep?: (info: TrainStepInfo) => void;
  readonly inspect?: (trained: TrainedModel) => void | Promise<void>;
}

export interface RunSetup extends MethodSettings {
  readonly method: MethodName;
  /** A checkpoint folder (default the shipped one) or one already read. */
  readonly checkpoint?: string | Checkpoint;
  /** Default: the checkpoint's tokenizer. */
  readonly tokenizer?: WordPieceTokenizer;
  readonly seed?: number;
  /** Random weights of the checkpoint's sizes instead of its pretrained ones (what pretraining buys). */
  readonly fromScratch?: boolean;
  /** Pair tasks: the lexical match channel's two extra segment types (match-channel.ts; full fine-tuning only). */
  readonly matchChannel?: boolean;
}

/** How long and how a task trains: the settings every task run takes. */
export interface TrainingSettings {
  readonly steps: number;
  readonly batchSize?: number;
  /** Peak learning rate (default the method's, `DEFAULT_LEARNING_RATES`). */
  readonly learningRate?: number;
  /** Tokens per sequence, special tokens included (each task has its default). */
  readonly maxLength?: number;
  /** Weight the loss by inverse label frequency (imbalanced labels). */
  readonly classWeights?: boolean;
  /** Score the validation split every `evalEvery` steps; with `patience`, stop early when it stops improving. */
  readonly evalEvery?: number;
  readonly patience?: number;
  /** Sees every step, and the trained model before the run frees it. */
  readonly observer?: FineTuneObserver;
  /**
   * Gradient worker threads (see `TrainerOptions.workers`): 1 by default (unless COURSE_WORKERS is
   * set); "auto" takes the cores minus one. Tasks that rebuild their classifier on a thread use them.
   */
  readonly workers?: number | "auto";
}

/** `fineTune`'s options from a task's settings (the method's default learning rate, early stopping from patience). */
export function fineTuneSettings<E>(
  settings: TrainingSettings & { readonly method: MethodName },
  run: { readonly tokenizer: WordPieceTokenizer; readonly seed: number },
  maxLength: number,
  validation?: readonly E[],
  score?: (yTrue: Int32Array, yPred: Int32Array) => number
): FineTuneOptions<E> {
  return {
    steps: settings.steps,
    batchSize: settings.batchSize ?? 32,
    learningRate: settings.learningRate ?? DEFAULT_LEARNING_RATES[settings.method],
    padId: run.tokenizer.padId,
    maxLength,
    validation,
    score,
    evalEvery: settings.evalEvery,
    earlyStopping: settings.patience ? { patience: settings.patience } : undefined,
    seed: run.seed,
    onStep: settings.observer?.onStep,
    workers: settings.workers,
  };
}

export interface PreparedRun {
  readonly base: Checkpoint;
  readonly tokenizer: WordPieceTokenizer;
  readonly seed: number;
  readonly encoder: Encoder;
  readonly method: FineTuneMethod;
}

/** The checkpoint read once (a path, or already read), or the shipped one. */
export function baseCheckpoint(source: string | Checkpoint | undefined): Checkpoint {
  return typeof source === "object" ? source : readCheckpoint(source ?? shippedCheckpointDir());
}

/** The checkpoint's tokenizer (or the one given), checked against its vocabulary. */
export function runTokenizer(what: string, base: Checkpoint, tokenizer?: WordPieceTokenizer): WordPieceTokenizer {
  const t = tokenizer ?? (base.tokenizerPath ? loadTokenizer(base.tokenizerPath) : null);
  if (!t) throw new Error(`${what}: checkpoint ${base.dir} has no tokenizer.json; pass \`tokenizer\`.`);
  checkTokenizerFits(t, base.config, `checkpoint ${base.dir}`);
  return t;
}

/**
 * The encoder (pretrained or, from scratch, random of the checkpoint's sizes from the seed) and
 * the method on it: what a run and a worker thread's replica both build.
 */
export function encoderAndMethod(what: string, setup: Omit<RunSetup, "checkpoint" | "tokenizer">, base: Checkpoint): { encoder: Encoder; method: FineTuneMethod } {
  const seed = setup.seed ?? 0;
  let encoder = setup.fromScratch ? Encoder.create(base.config, seed) : loadEncoder(base);
  try {
    if (setup.matchChannel) {
      // Its new segment rows must train: only a method that updates the encoder's embeddings does.
      if (setup.method !== "full") throw new Error(`${what}: the match channel needs full fine-tuning (method "${setup.method}" freezes the segment embeddings it adds).`);
      encoder = withMatchChannel(encoder);
    }
    return { encoder, method: makeMethod(setup.method, encoder, setup, seed) };
  } catch (error) {
    encoder.dispose();
    throw error;
  }
}

/** Encoder and method from the setup; the caller frees them (`method.dispose()`, `encoder.dispose()`). */
export function prepareRun(what: string, setup: RunSetup, base = baseCheckpoint(setup.checkpoint), tokenizer = runTokenizer(what, base, setup.tokenizer)): PreparedRun {
  return { base, tokenizer, seed: setup.seed ?? 0, ...encoderAndMethod(what, setup, base) };
}

const METHOD_SETTINGS = ["loraRank", "adapterSize", "prefixLength", "layerDecay", "adaloraInitialRank", "adaloraWarmup", "adaloraFinalStep"] as const satisfies readonly (keyof MethodSettings)[];

/** The method settings among `options` (what a fine-tuned checkpoint records to rebuild the method). */
export function methodSettingsOf(options: MethodSettings): MethodSettings {
  return Object.fromEntries(METHOD_SETTINGS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) as MethodSettings;
}

/** Mean training loss over the first and the last tenth of the steps. */
export function lossEnds(losses: readonly number[]): { readonly firstLoss: number; readonly lastLoss: number } {
  const tenth = Math.max(1, Math.floor(losses.length / 10));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { firstLoss: mean(losses.slice(0, tenth)), lastLoss: mean(losses.slice(-tenth)) };
}

/** Whether every encoder weight is bit for bit what the checkpoint holds (asynchronous reads). */
export async function encoderUnchanged(encoder: Encoder, base: Checkpoint): Promise<boolean> {
  for (const [name, v] of encoder.params.entries()) {
    const original = base.weights.get(name)?.values;
    const now = (await v.data()) as Float32Array;
    if (!original || original.length !== now.length || original.some((x, i) => !Object.is(x, now[i]))) return false;
  }
  return true;
}
