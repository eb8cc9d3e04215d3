/**
 * Query intent on the shop, fine-tuned from the shipped pretrained checkpoint: query text -> its
 * target leaf category (the first target) or its kind. `fineTuneIntent` trains one method and
 * reports top-1 accuracy and macro-F1 on the validation and test splits, beside the majority-class
 * baseline, from the evaluation library's metrics.
 */
import * as path from "node:path";
import { accuracy, f1Score, topKAccuracy } from "../eval/classification";
import type { Query } from "../data/records";
import { defaultDataRoot } from "../data/shop-files";
import { loadEncoder, readCheckpoint, type Checkpoint } from "../model/checkpoint";
import type { Encoder } from "../model/encoder";
import { loadTokenizer } from "../text/io";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { adalora } from "./adalora";
import { adapters } from "./adapter";
import { SequenceClassifier } from "./classifier";
import { checkTokenizerFits, encodeExamples, type EncodedExample, type LabelledText } from "./examples";
import { fineTune, type FineTuneResult } from "./fine-tune";
import { fullFineTuning } from "./full";
import { balancedClassWeights, SequenceClassificationHead, type Pooling } from "./heads";
import { lora } from "./lora";
import type { FineTuneMethod, MethodName } from "./method";
import { prefixTuning } from "./prefix";
import { linearProbe } from "./probe";

export type IntentField = "category" | "kind";

export interface IntentData {
  readonly labels: string[];
  readonly train: LabelledText[];
  readonly validation: LabelledText[];
  readonly test: LabelledText[];
}

/** The shipped pretrained checkpoint (chapter 1's model card). */
export function shippedCheckpointDir(): string {
  return path.join(defaultDataRoot(), "models", "full");
}

/** The queries as labelled texts by split; the label set is every label the shop's queries have, sorted. */
export function intentData(queries: readonly Query[], field: IntentField = "category"): IntentData {
  const labelOf = (q: Query): string => {
    if (field === "kind") return q.kind;
    const target = q.intent.targets[0];
    if (!target) throw new Error(`intentData: query ${q.id} ("${q.text}") has no intent target, so no category label.`);
    return target.category;
  };
  const out: IntentData = { labels: [...new Set(queries.map(labelOf))].sort(), train: [], validation: [], test: [] };
  for (const q of queries) out[q.split].push({ text: q.text, label: labelOf(q) });
  return out;
}

/** The most frequent training label, and its accuracy on `examples` (the baseline a classifier must beat). */
export function majorityBaseline(train: readonly LabelledText[], examples: readonly LabelledText[]): { label: string; accuracy: number } {
  const counts = new Map<string, number>();
  for (const e of train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  // Ties go to the label first in sorted order, so the baseline does not depend on the data's order.
  const label = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  return { label, accuracy: accuracy(examples.map((e) => e.label), examples.map(() => label)) };
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

export interface IntentRunOptions extends MethodSettings {
  readonly method: MethodName;
  readonly field?: IntentField;
  readonly queries: readonly Query[];
  /** A checkpoint folder (default the shipped one) or one already read. */
  readonly checkpoint?: string | Checkpoint;
  /** Default: the checkpoint's tokenizer. */
  readonly tokenizer?: WordPieceTokenizer;
  readonly steps: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly maxLength?: number;
  readonly pooling?: Pooling;
  readonly classWeights?: boolean;
  readonly evalEvery?: number;
  readonly patience?: number;
  readonly seed?: number;
}

export interface SplitScores {
  readonly accuracy: number;
  /** The true label among the three highest scores (scikit-learn's top_k_accuracy_score, k = 3). */
  readonly top3Accuracy: number;
  readonly macroF1: number;
  readonly majorityAccuracy: number;
}

export interface IntentRunResult {
  readonly method: MethodName;
  readonly field: IntentField;
  readonly labels: number;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  /** Mean training loss over the first and the last tenth of the steps. */
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly validation: SplitScores;
  readonly test: SplitScores;
  readonly training: FineTuneResult;
  /** Whether every frozen encoder weight is bit for bit what the checkpoint holds. */
  readonly encoderUnchanged: boolean;
}

async function scores(classifier: SequenceClassifier, labels: readonly string[], train: readonly LabelledText[], texts: readonly LabelledText[], encoded: readonly EncodedExample[], padId: number, maxLength: number): Promise<SplitScores> {
  const predicted = Array.from(await classifier.predict(encoded, padId, maxLength), (i) => labels[i]);
  const truth = texts.map((e) => e.label);
  const top3Accuracy = topKAccuracy(encoded.map((e) => e.label), await classifier.scores(encoded, padId, maxLength), 3);
  return { accuracy: accuracy(truth, predicted), top3Accuracy, macroF1: f1Score(truth, predicted, { average: "macro" }), majorityAccuracy: majorityBaseline(train, texts).accuracy };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Fine-tune one method on query intent and score it on the validation and test splits. */
export async function fineTuneIntent(options: IntentRunOptions): Promise<IntentRunResult> {
  const field = options.field ?? "category";
  const ckpt = typeof options.checkpoint === "object" ? options.checkpoint : readCheckpoint(options.checkpoint ?? shippedCheckpointDir());
  const tokenizer = options.tokenizer ?? (ckpt.tokenizerPath ? loadTokenizer(ckpt.tokenizerPath) : null);
  if (!tokenizer) throw new Error(`fineTuneIntent: checkpoint ${ckpt.dir} has no tokenizer.json; pass \`tokenizer\`.`);
  checkTokenizerFits(tokenizer, ckpt.config, `checkpoint ${ckpt.dir}`);
  const data = intentData(options.queries, field);
  const maxLength = Math.min(options.maxLength ?? 32, ckpt.config.maxPositions);
  const enc = (texts: readonly LabelledText[], what: string) => encodeExamples(tokenizer, texts, { labels: data.labels, maxLength, what });
  const train = enc(data.train, "train");
  const validation = enc(data.validation, "validation");
  const test = enc(data.test, "test");
  const seed = options.seed ?? 0;
  const encoder = loadEncoder(ckpt);
  const method = makeMethod(options.method, encoder, options, seed);
  const head = new SequenceClassificationHead({ hiddenSize: ckpt.config.hiddenSize, labels: data.labels, pooling: options.pooling ?? "cls", seed });
  const weights = options.classWeights ? balancedClassWeights(Int32Array.from(train, (e) => e.label), data.labels.length) : undefined;
  const classifier = new SequenceClassifier(encoder, method, head, weights);
  try {
    const training = await fineTune(classifier, train, {
      steps: options.steps,
      batchSize: options.batchSize ?? 32,
      learningRate: options.learningRate ?? DEFAULT_LEARNING_RATES[options.method],
      padId: tokenizer.padId,
      maxLength,
      validation,
      evalEvery: options.evalEvery,
      earlyStopping: options.patience ? { patience: options.patience } : undefined,
      seed,
    });
    const tenth = Math.max(1, Math.floor(training.losses.length / 10));
    let encoderUnchanged = true;
    for (const [name, v] of encoder.params.entries()) {
      const original = ckpt.weights.get(name)?.values;
      const now = (await v.data()) as Float32Array;
      if (!original || original.length !== now.length || original.some((x, i) => !Object.is(x, now[i]))) encoderUnchanged = false;
    }
    return {
      method: options.method,
      field,
      labels: data.labels.length,
      trainableParameters: classifier.trainableParameters(),
      totalParameters: classifier.totalParameters(),
      firstLoss: mean(training.losses.slice(0, tenth)),
      lastLoss: mean(training.losses.slice(-tenth)),
      validation: await scores(classifier, data.labels, data.train, data.validation, validation, tokenizer.padId, maxLength),
      test: await scores(classifier, data.labels, data.train, data.test, test, tokenizer.padId, maxLength),
      training,
      encoderUnchanged,
    };
  } finally {
    method.dispose();
    head.dispose();
    encoder.dispose();
  }
}

export interface IntentComparisonRow {
  readonly method: MethodName;
  readonly trainableParameters: number;
  /** Share of the classifier's scalars that train. */
  readonly trainableShare: number;
  readonly seconds: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly validationAccuracy: number;
  readonly testAccuracy: number;
  readonly testTop3Accuracy: number;
  readonly testMacroF1: number;
  readonly majorityAccuracy: number;
  readonly encoderUnchanged: boolean;
}

/** Every method on the same task with the same steps, batch and seed: one row each. */
export async function compareIntentMethods(methods: readonly MethodName[], options: Omit<IntentRunOptions, "method" | "learningRate"> & { readonly learningRates?: Partial<Record<MethodName, number>> }): Promise<IntentComparisonRow[]> {
  const ckpt = typeof options.checkpoint === "object" ? options.checkpoint : readCheckpoint(options.checkpoint ?? shippedCheckpointDir());
  const rows: IntentComparisonRow[] = [];
  for (const method of methods) {
    const r = await fineTuneIntent({ ...options, checkpoint: ckpt, method, learningRate: options.learningRates?.[method] });
    rows.push({
      method,
      trainableParameters: r.trainableParameters,
      trainableShare: r.trainableParameters / r.totalParameters,
      seconds: r.training.seconds,
      firstLoss: r.firstLoss,
      lastLoss: r.lastLoss,
      validationAccuracy: r.validation.accuracy,
      testAccuracy: r.test.accuracy,
      testTop3Accuracy: r.test.top3Accuracy,
      testMacroF1: r.test.macroF1,
      majorityAccuracy: r.test.majorityAccuracy,
      encoderUnchanged: r.encoderUnchanged,
    });
  }
  return rows;
}
