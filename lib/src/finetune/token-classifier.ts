/**
 * A token classifier being fine-tuned (attribute extraction, named entities): words with one tag
 * each, aligned to WordPiece tokens, the encoder + method + token head, its loss and its per-word
 * predictions. It has the surface `fineTune` trains (FineTunable), like the sequence classifier.
 *
 * Alignment: each word is split into sub-tokens by the tokenizer on its own; the word's tag is the
 * label of its FIRST sub-token, and the other sub-tokens, [CLS], [SEP] and padding get the ignore
 * index -1 (PyTorch's convention is -100; the library's loss ignores -1). A word the tokenizer
 * drops entirely (only control characters) becomes [UNK], so every word keeps one labelled token.
 * Words that do not fit in `maxLength` tokens are cut: they are not trained on, and `predictTags`
 * gives them "O".
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/random";
import type { Encoder } from "../model/encoder";
import type { WordPieceTokenizer } from "../text/wordpiece";
import { padBatch } from "../train/batches";
import type { TrainingTask } from "../train/trainer";
import type { FineTunable } from "./fine-tune";
import { HeadedEncoder, ShuffledBatches, slicePaddedBatch, type PaddedBatch } from "./headed-encoder";
import type { TokenClassificationHead } from "./heads";
import type { FineTuneMethod } from "./method";

/** Words and one tag per word. */
export interface TaggedWords {
  readonly words: readonly string[];
  readonly tags: readonly string[];
}

export interface EncodedTaggedExample {
  readonly inputIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  /** Per token: the tag index on a word's first sub-token, -1 elsewhere. */
  readonly labels: Int32Array;
  /** Token position of each word that fits (its first sub-token). */
  readonly firstTokens: Int32Array;
  /** Words in the text (some may have been cut). */
  readonly wordCount: number;
}

export interface EncodeTaggedOptions {
  /** The tag set, in label-index order. */
  readonly labels: readonly string[];
  /** Tokens per sequence, [CLS] and [SEP] included. */
  readonly maxLength: number;
  /** Named in errors ("train", "test"). */
  readonly what?: string;
}

/**
 * Tagged words to token sequences; no words, a tags/words length mismatch or a tag outside the
 * tag set is an error naming the example, the field and the value.
 */
export function encodeTaggedExamples(tokenizer: WordPieceTokenizer, examples: readonly TaggedWords[], options: EncodeTaggedOptions): EncodedTaggedExample[] {
  const what = options.what ?? "examples";
  if (!(Number.isInteger(options.maxLength) && options.maxLength >= 3)) throw new Error(`encodeTaggedExamples: maxLength must be an integer >= 3, got ${options.maxLength}.`);
  const index = new Map(options.labels.map((l, i) => [l, i]));
  return examples.map((e, i) => {
    if (!Array.isArray(e.words) || e.words.length === 0 || e.words.every((w) => typeof w !== "string" || w.trim() === "")) {
      throw new Error(`${what}[${i}].words: expected a non-empty list of words (the text must not be empty), got ${JSON.stringify(e.words)}.`);
    }
    if (!Array.isArray(e.tags) || e.tags.length !== e.words.length) {
      throw new Error(`${what}[${i}].tags: expected one tag per word (${e.words.length} words), got ${Array.isArray(e.tags) ? `${e.tags.length} tags` : JSON.stringify(e.tags)}.`);
    }
    const ids = [tokenizer.clsId];
    const labels = [-1];
    const firstTokens: number[] = [];
    for (let w = 0; w < e.words.length; w++) {
      const tag = index.get(e.tags[w]);
      if (tag === undefined) {
        const shown = options.labels.length > 8 ? `${options.labels.slice(0, 8).join(", ")}, ... (${options.labels.length} tags)` : options.labels.join(", ");
        throw new Error(`${what}[${i}].tags[${w}]: "${e.tags[w]}" (word "${e.words[w]}") is not in the tag set {${shown}}.`);
      }
      const pieces = tokenizer.tokenize(e.words[w]).map((t) => tokenizer.tokenToId(t) as number);
      if (pieces.length === 0) pieces.push(tokenizer.unkId);
      if (ids.length + pieces.length > options.maxLength - 1) continue; // cut: checked tags, no tokens
      firstTokens.push(ids.length);
      pieces.forEach((id, k) => {
        ids.push(id);
        labels.push(k === 0 ? tag : -1);
      });
    }
    ids.push(tokenizer.sepId);
    labels.push(-1);
    return { inputIds: Int32Array.from(ids), tokenTypeIds: new Int32Array(ids.length), labels: Int32Array.from(labels), firstTokens: Int32Array.from(firstTokens), wordCount: e.words.length };
  });
}

/** A padded batch with one label per token (-1: ignored). */
export interface TokenClassificationBatch extends PaddedBatch {
  /** [batch * length]. */
  readonly labels: Int32Array;
}

export function tokenClassificationBatch(examples: readonly EncodedTaggedExample[], padId: number, maxLength: number): TokenClassificationBatch {
  const b = padBatch(examples, { padId, maxLength });
  const labels = new Int32Array(b.batch * b.length).fill(-1);
  examples.forEach((e, i) => labels.set(e.labels.subarray(0, b.length), i * b.length));
  return { batch: b.batch, length: b.length, inputIds: b.ids, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds ?? new Int32Array(b.ids.length), labels };
}

/** Rows [start, end) of a token batch, their per-token labels with them (for gradient workers). */
export function sliceTokenClassificationBatch(b: TokenClassificationBatch, start: number, end: number): TokenClassificationBatch {
  const part = slicePaddedBatch(b, start, end, "sliceTokenClassificationBatch");
  return { ...part, labels: b.labels.slice(start * b.length, end * b.length) };
}

export class TokenClassifier extends HeadedEncoder<TokenClassificationBatch> implements FineTunable<EncodedTaggedExample, TokenClassificationBatch> {
  constructor(
    encoder: Encoder,
    method: FineTuneMethod,
    readonly head: TokenClassificationHead,
    /** Per-tag loss weights; none: plain mean over labelled tokens. */
    classWeights?: Float32Array
  ) {
    super(encoder, method, head, classWeights, "TokenClassifier");
  }

  /** Scores [batch * length, tags]. */
  logits(b: TokenClassificationBatch, rng: Rng | null): tf.Tensor2D {
    return tf.tidy(() => this.head.logits(this.encode(b, rng).rows, rng));
  }

  protected targets(b: TokenClassificationBatch): Int32Array {
    return b.labels;
  }

  /** Predicted tag index of every word that fits, example after example (asynchronous reads: every backend). */
  async predict(examples: readonly EncodedTaggedExample[], padId: number, maxLength: number, batchSize = 64): Promise<Int32Array> {
    const out: number[] = [];
    for (let start = 0; start < examples.length; start += batchSize) {
      const part = examples.slice(start, start + batchSize);
      const b = tokenClassificationBatch(part, padId, maxLength);
      const arg = tf.tidy(() => tf.argMax(this.logits(b, null), 1));
      try {
        const best = (await arg.data()) as Int32Array;
        part.forEach((e, i) => e.firstTokens.forEach((t) => out.push(best[i * b.length + t])));
      } finally {
        arg.dispose();
      }
    }
    return Int32Array.from(out);
  }

  /** Predicted tags per example, one per word; words cut by `maxLength` get "O". */
  async predictTags(examples: readonly EncodedTaggedExample[], padId: number, maxLength: number): Promise<string[][]> {
    const flat = await this.predict(examples, padId, maxLength);
    let at = 0;
    return examples.map((e) => {
      const tags = new Array<string>(e.wordCount).fill("O");
      for (let w = 0; w < e.firstTokens.length; w++) tags[w] = this.head.labels[flat[at++]];
      return tags;
    });
  }

  /** The true tag index of every word that fits, aligned with `predict`. */
  labelsOf(examples: readonly EncodedTaggedExample[]): Int32Array {
    const out: number[] = [];
    for (const e of examples) for (const t of e.firstTokens) out.push(e.labels[t]);
    return Int32Array.from(out);
  }

  /**
   * Batches in a fresh seeded order every epoch; the loss averages over labelled tokens (with class
   * weights: over their weights, so that the shares of a batch split across workers add up).
   */
  batchSource(examples: readonly EncodedTaggedExample[], options: { readonly batchSize: number; readonly padId: number; readonly maxLength: number }): ShuffledBatches<EncodedTaggedExample, TokenClassificationBatch> {
    const weights = this.classWeights;
    const count = (b: TokenClassificationBatch) => {
      let total = 0;
      for (let i = 0; i < b.labels.length; i++) if (b.labels[i] >= 0) total += weights ? weights[b.labels[i]] : 1;
      return total;
    };
    return new ShuffledBatches(examples, options, tokenClassificationBatch, count, sliceTokenClassificationBatch);
  }

  task(): TrainingTask<TokenClassificationBatch> {
    return { params: this.trainableSets(), loss: (b, rng) => this.loss(b, rng) };
  }
}
