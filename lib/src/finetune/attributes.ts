/**
 * Attribute extraction on the shop (token classification, BIO tags), fine-tuned from the shipped
 * pretrained checkpoint: query words and product-title words -> spans of brand, colour, size,
 * material, capacity and compatible device. `fineTuneAttributes` trains one method through
 * `fineTune` (validation score: span micro-F1) and reports span precision, recall and F1 (exact
 * match, seqeval's convention, eval/spans.ts) on the test split, for queries and titles apart and
 * together, beside two baselines: every word "O" (the majority tag, F1 0) and each word's most
 * frequent training tag (a lexicon).
 */
import { ATTRIBUTE_TAGS, type AttributeTagRow } from "../data/attribute-tags";
import { spanScores, type SpanReport } from "../eval/spans";
import { classifierRecipe, classifierWorkerSpec } from "./classifier-worker";
import { fineTune, type FineTuneResult } from "./fine-tune";
import { balancedClassWeights, TokenClassificationHead } from "./heads";
import { baseCheckpoint, encoderUnchanged, fineTuneSettings, lossEnds, prepareRun, type RunSetup, type TrainingSettings } from "./run";
import type { MethodName } from "./method";
import { encodeTaggedExamples, TokenClassifier, type EncodedTaggedExample, type TaggedWords } from "./token-classifier";

export type AttributeSource = AttributeTagRow["source"];

export interface AttributeExample extends TaggedWords {
  readonly source: AttributeSource;
}

export interface AttributeData {
  /** The tag set (ATTRIBUTE_TAGS), in label-index order. */
  readonly labels: readonly string[];
  readonly train: AttributeExample[];
  readonly validation: AttributeExample[];
  readonly test: AttributeExample[];
}

/** Tagged rows (`loadAttributeTags`) by split, from the chosen sources (default both). */
export function attributeData(rows: readonly AttributeTagRow[], sources: readonly AttributeSource[] = ["query", "title"]): AttributeData {
  const out: AttributeData = { labels: ATTRIBUTE_TAGS, train: [], validation: [], test: [] };
  for (const r of rows) if (sources.includes(r.source)) out[r.split].push({ source: r.source, words: r.words, tags: r.tags });
  return out;
}

/** Every word tagged "O" (the majority tag): no span predicted, so span F1 is 0. */
export function majorityTags(examples: readonly TaggedWords[]): string[][] {
  return examples.map((e) => e.words.map(() => "O"));
}

/**
 * A lexicon baseline: each word (lower case) gets its most frequent training tag (ties: the tag
 * first in sorted order); unseen words get "O".
 */
export function lexiconTags(train: readonly TaggedWords[], examples: readonly TaggedWords[]): string[][] {
  const counts = new Map<string, Map<string, number>>();
  for (const e of train) {
    e.words.forEach((w, i) => {
      const key = w.toLowerCase();
      const c = counts.get(key) ?? new Map<string, number>();
      counts.set(key, c);
      c.set(e.tags[i], (c.get(e.tags[i]) ?? 0) + 1);
    });
  }
  const best = new Map<string, string>();
  for (const [w, c] of counts) best.set(w, [...c.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0]);
  return examples.map((e) => e.words.map((w) => best.get(w.toLowerCase()) ?? "O"));
}

export interface AttributeRunOptions extends RunSetup, TrainingSettings {
  /** Rows of `loadAttributeTags(...)`. */
  readonly rows: readonly AttributeTagRow[];
  /** Which texts to train and evaluate on (default both). Sequences default to 48 tokens: every shop query and nearly every title fits. */
  readonly sources?: readonly AttributeSource[];
}

/** Span scores of the model and of the two baselines on one set of texts. */
export interface AttributeScores {
  readonly texts: number;
  readonly model: SpanReport;
  /** Every word "O". */
  readonly majority: SpanReport;
  /** Each word's most frequent training tag. */
  readonly lexicon: SpanReport;
}

export interface AttributeSplitScores {
  /** All texts of the split. */
  readonly all: AttributeScores;
  readonly query: AttributeScores | null;
  readonly title: AttributeScores | null;
}

export interface AttributeRunResult {
  readonly method: MethodName;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  /** Mean training loss over the first and the last tenth of the steps. */
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly validation: AttributeSplitScores;
  readonly test: AttributeSplitScores;
  readonly training: FineTuneResult;
  /** Whether every encoder weight is bit for bit what the checkpoint holds. */
  readonly encoderUnchanged: boolean;
}


/** Span micro-F1 of flattened per-word label indices, cut back into texts of the given lengths. */
function flatSpanF1(labels: readonly string[], lengths: readonly number[]): (yTrue: Int32Array, yPred: Int32Array) => number {
  return (yTrue, yPred) => {
    const t: string[][] = [];
    const p: string[][] = [];
    let at = 0;
    for (const n of lengths) {
      t.push(Array.from(yTrue.subarray(at, at + n), (i) => labels[i]));
      p.push(Array.from(yPred.subarray(at, at + n), (i) => labels[i]));
      at += n;
    }
    return spanScores(t, p).micro.f1;
  };
}

async function splitScores(classifier: TokenClassifier, data: AttributeData, examples: readonly AttributeExample[], encoded: readonly EncodedTaggedExample[], padId: number, maxLength: number): Promise<AttributeSplitScores> {
  const predicted = await classifier.predictTags(encoded, padId, maxLength);
  const lexicon = lexiconTags(data.train, examples);
  const scoresOf = (idx: readonly number[]): AttributeScores => {
    const truth = idx.map((i) => examples[i].tags);
    return {
      texts: idx.length,
      model: spanScores(truth, idx.map((i) => predicted[i])),
      majority: spanScores(truth, majorityTags(idx.map((i) => examples[i]))),
      lexicon: spanScores(truth, idx.map((i) => lexicon[i])),
    };
  };
  const of = (source: AttributeSource): AttributeScores | null => {
    const idx = examples.map((e, i) => (e.source === source ? i : -1)).filter((i) => i >= 0);
    return idx.length === 0 ? null : scoresOf(idx);
  };
  return { all: scoresOf(examples.map((_, i) => i)), query: of("query"), title: of("title") };
}

/** Fine-tune one method on attribute extraction and score its spans on the validation and test splits. */
export async function fineTuneAttributes(options: AttributeRunOptions): Promise<AttributeRunResult> {
  const base = baseCheckpoint(options.checkpoint);
  const data = attributeData(options.rows, options.sources);
  for (const split of ["train", "validation", "test"] as const) {
    if (data[split].length === 0) throw new Error(`fineTuneAttributes: no ${split} rows among the ${options.rows.length} given (sources ${(options.sources ?? ["query", "title"]).join(", ")}); expected rows of loadAttributeTags().`);
  }
  const run = prepareRun("fineTuneAttributes", options, base);
  const { tokenizer, seed, encoder, method } = run;
  const head = new TokenClassificationHead({ hiddenSize: base.config.hiddenSize, labels: data.labels, seed });
  try {
    const maxLength = Math.min(options.maxLength ?? 48, base.config.maxPositions);
    const enc = (examples: readonly AttributeExample[], what: string) => encodeTaggedExamples(tokenizer, examples, { labels: data.labels, maxLength, what });
    const train = enc(data.train, "train");
    const validation = enc(data.validation, "validation");
    const test = enc(data.test, "test");
    const weights = options.classWeights ? balancedClassWeights(Int32Array.from(train.flatMap((e) => Array.from(e.labels).filter((l) => l >= 0))), data.labels.length) : undefined;
    const classifier = new TokenClassifier(encoder, method, head, weights);
    const workerTask = classifierWorkerSpec(classifierRecipe(base, options, { labels: data.labels, pooling: "tokens" }, weights));
    const training = await fineTune(classifier, train, { ...fineTuneSettings(options, run, maxLength, validation, flatSpanF1(data.labels, validation.map((e) => e.firstTokens.length))), workerTask });
    await options.observer?.inspect?.(run);
    return {
      method: options.method,
      trainableParameters: classifier.trainableParameters(),
      totalParameters: classifier.totalParameters(),
      ...lossEnds(training.losses),
      validation: await splitScores(classifier, data, data.validation, validation, tokenizer.padId, maxLength),
      test: await splitScores(classifier, data, data.test, test, tokenizer.padId, maxLength),
      training,
      encoderUnchanged: await encoderUnchanged(encoder, base),
    };
  } finally {
    method.dispose();
    head.dispose();
    encoder.dispose();
  }
}
