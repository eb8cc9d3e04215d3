/**
 * Labelled texts (or text pairs) to token sequences for a classifier: checked against the task's
 * label set and the model's vocabulary, with errors that name the field and the value at fault.
 */
import type { EncoderConfig } from "../model/config";
import type { TokenSequence } from "../train/batches";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { matchTokenTypes } from "./match-channel";

export interface LabelledText {
  readonly text: string;
  /** The second text of a pair (cross-encoder, pair classification); segment 1. */
  readonly pair?: string;
  readonly label: string;
}

export interface EncodedExample extends TokenSequence {
  readonly inputIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  /** Index in the task's label set. */
  readonly label: number;
}

/** A tokenizer must produce exactly the ids the checkpoint's embedding table has rows for. */
export function checkTokenizerFits(tokenizer: WordPieceTokenizer, config: EncoderConfig, source = "the checkpoint"): void {
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(
      `tokenizer vocabulary has ${tokenizer.vocabSize} tokens but ${source} has vocabSize ${config.vocabSize}: ` +
        "the token ids would index the wrong embedding rows (use the tokenizer saved with the checkpoint)."
    );
  }
}

export interface EncodeExamplesOptions {
  readonly labels: readonly string[];
  /** Tokens per sequence, special tokens included (truncated beyond). */
  readonly maxLength: number;
  /** Named in errors ("train", "validation"). */
  readonly what?: string;
  /** Pairs: mark the words both texts share with segment types 2 and 3 (match-channel.ts). */
  readonly matchChannel?: boolean;
}

/** Encode labelled texts; an empty text or a label outside `labels` is an error naming the example, the field and the value. */
export function encodeExamples(tokenizer: WordPieceTokenizer, examples: readonly LabelledText[], options: EncodeExamplesOptions): EncodedExample[] {
  const what = options.what ?? "examples";
  const index = new Map(options.labels.map((l, i) => [l, i]));
  if (!(Number.isInteger(options.maxLength) && options.maxLength >= 3)) throw new Error(`encodeExamples: maxLength must be an integer >= 3, got ${options.maxLength}.`);
  return examples.map((e, i) => {
    for (const field of ["text", "pair"] as const) {
      const v = e[field];
      if (field === "pair" && v === undefined) continue;
      if (typeof v !== "string" || v.trim() === "") throw new Error(`${what}[${i}].${field}: expected a non-empty text, got ${JSON.stringify(v)}.`);
    }
    const label = index.get(e.label);
    if (label === undefined) {
      const shown = options.labels.length > 8 ? `${options.labels.slice(0, 8).join(", ")}, ... (${options.labels.length} labels)` : options.labels.join(", ");
      throw new Error(`${what}[${i}].label: "${e.label}" is not in the task's label set {${shown}}.`);
    }
    const enc = tokenizer.encode(e.text, e.pair ?? null, { truncation: true, maxLength: options.maxLength, padding: false });
    return { inputIds: Int32Array.from(enc.inputIds), tokenTypeIds: options.matchChannel ? matchTokenTypes(enc) : Int32Array.from(enc.tokenTypeIds), label };
  });
}
