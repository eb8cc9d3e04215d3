/**
 * Query intent on the shop, fine-tuned from the shipped pretrained checkpoint: query text -> its
 * target leaf category (the first target) or its kind. `fineTuneIntent` trains one method and
 * reports top-1 accuracy and macro-F1 on the validation and test splits, beside the majority-class
 * baseline, from the evaluation library's metrics.
 */
import { accuracy, f1Score, topKAccuracy } from "../eval/classification";
import type { Query } from "../data/records";
import { classifierRecipe, classifierWorkerSpec } from "./classifier-worker";
import { SequenceClassifier } from "./classifier";
import { encodeExamples, type EncodedExample, type LabelledText } from "./examples";
import { fineTune, type FineTuneResult } from "./fine-tune";
import { balancedClassWeights, SequenceClassificationHead, type Pooling } from "./heads";
import type { MethodName } from "./method";
import { saveFineTuned, type LoadedFineTuned } from "./fine-tuned-checkpoint";
import { baseCheckpoint, encoderUnchanged, fineTuneSettings, lossEnds, methodSettingsOf, prepareRun, type RunSetup, type TrainingSettings } from "./run";

export type IntentField = "category" | "kind";

export interface IntentData {
  readonly labels: string[];
  readonly train: LabelledText[];
  readonly validation: LabelledText[];
  readonly test: LabelledText[];
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

export interface IntentRunOptions extends RunSetup, TrainingSettings {
  readonly field?: IntentField;
  readonly queries: readonly Query[];
  readonly pooling?: Pooling;
}

export interface SplitScores {
  /** Each text's true and predicted label, in split order (for a confusion matrix). */
  readonly truth: readonly string[];
  readonly predicted: readonly string[];
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
  return { truth, predicted, accuracy: accuracy(truth, predicted), top3Accuracy, macroF1: f1Score(truth, predicted, { average: "macro" }), majorityAccuracy: majorityBaseline(train, texts).accuracy };
}

/** Fine-tune one method on query intent and score it on the validation and test splits. */
export async function fineTuneIntent(options: IntentRunOptions): Promise<IntentRunResult> {
  const field = options.field ?? "category";
  const base = baseCheckpoint(options.checkpoint);
  const data = intentData(options.queries, field);
  const run = prepareRun("fineTuneIntent", options, base);
  const { tokenizer, seed, encoder, method } = run;
  const head = new SequenceClassificationHead({ hiddenSize: base.config.hiddenSize, labels: data.labels, pooling: options.pooling ?? "cls", seed });
  try {
    const maxLength = Math.min(options.maxLength ?? 32, base.config.maxPositions);
    const enc = (texts: readonly LabelledText[], what: string) => encodeExamples(tokenizer, texts, { labels: data.labels, maxLength, what });
    const train = enc(data.train, "train");
    const validation = enc(data.validation, "validation");
    const test = enc(data.test, "test");
    const weights = options.classWeights ? balancedClassWeights(Int32Array.from(train, (e) => e.label), data.labels.length) : undefined;
    const classifier = new SequenceClassifier(encoder, method, head, weights);
    const workerTask = classifierWorkerSpec(classifierRecipe(base, options, { labels: data.labels, pooling: options.pooling ?? "cls" }, weights));
    const training = await fineTune(classifier, train, { ...fineTuneSettings(options, run, maxLength, validation), workerTask });
    await options.observer?.inspect?.({
      ...run,
      save: (dir, metadata) => void saveFineTuned(dir, classifier, { base, task: `intent:${field}`, settings: methodSettingsOf(options), seed, maxLength, metadata: { labels: "leaf category ids", ...metadata } }),
    });
    return {
      method: options.method,
      field,
      labels: data.labels.length,
      trainableParameters: classifier.trainableParameters(),
      totalParameters: classifier.totalParameters(),
      ...lossEnds(training.losses),
      validation: await scores(classifier, data.labels, data.train, data.validation, validation, tokenizer.padId, maxLength),
      test: await scores(classifier, data.labels, data.train, data.test, test, tokenizer.padId, maxLength),
      training,
      encoderUnchanged: await encoderUnchanged(encoder, base),
    };
  } finally {
    method.dispose();
    head.dispose();
    encoder.dispose();
  }
}

/**
 * A saved category-intent classifier (`npm run finetune -- --task intent --save DIR`, loaded by
 * `loadFineTuned`) as query understanding's category intent: the softmax over the leaf categories
 * of each given text, computed once in batches (asynchronous reads, every backend), then looked
 * up synchronously, as `understandQuery` asks. A text that was not given is an error naming it.
 * The classifier is not disposed here.
 */
export async function classifierIntent(loaded: LoadedFineTuned, texts: readonly string[], options: { readonly batchSize?: number } = {}): Promise<(text: string) => ReadonlyMap<string, number>> {
  const { manifest, classifier, tokenizer } = loaded;
  if (manifest.task !== "intent:category") throw new Error(`classifierIntent: the checkpoint's task is "${manifest.task}"; expected "intent:category" (a model saved by npm run finetune -- --task intent).`);
  const labels = manifest.head.labels;
  const unique = [...new Set(texts)];
  const encoded = encodeExamples(tokenizer, unique.map((text) => ({ text, label: labels[0] })), { labels, maxLength: manifest.maxLength, what: "intent texts" });
  const logits = await classifier.scores(encoded, tokenizer.padId, manifest.maxLength, options.batchSize ?? 64);
  const table = new Map<string, ReadonlyMap<string, number>>();
  unique.forEach((text, i) => {
    const row = logits[i];
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    const e = Array.from(row, (x) => {
      const v = Math.exp(x - max);
      sum += v;
      return v;
    });
    table.set(text, new Map(labels.map((label, j) => [label, e[j] / sum])));
  });
  return (text: string) => {
    const found = table.get(text);
    if (!found) throw new Error(`classifierIntent: "${text}" was not among the ${unique.length} texts classified ahead; pass every text the understanding will see (the corrected ones).`);
    return found;
  };
}
