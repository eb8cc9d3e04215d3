/**
 * What a tokenizer hands to a model: ids with their attention mask, token type ids (which text
 * of a pair each token belongs to), word ids (for whole-word masking) and special-token masks;
 * plus the three steps between the word pieces of one or two texts and that result: truncation,
 * the post-processing template that adds [CLS]/[SEP], and padding. The rules follow Hugging Face
 * tokenizers (the Rust library behind `tokenizer.json`), so a batch built here matches one built
 * by Python's fast tokenizers.
 */

/** One encoded text or text pair. Every array has the same length. */
export interface TokenEncoding {
  readonly inputIds: number[];
  readonly tokens: string[];
  /** 0 for the first text and its [CLS]/[SEP], 1 for the second text of a pair and its [SEP]. */
  readonly tokenTypeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: number[];
  /** 1 for special tokens ([CLS], [SEP], [PAD], and [MASK] typed in the text), else 0. */
  readonly specialTokensMask: number[];
  /** The word each token comes from, counted per text from 0; null for template tokens and padding. */
  readonly wordIds: (number | null)[];
  /** 0 or 1 for the text a token comes from; null for template tokens and padding. */
  readonly sequenceIds: (number | null)[];
}

/** Encodings of several inputs, padded to one length when padding was asked for. */
export interface TokenBatch {
  readonly inputIds: number[][];
  readonly tokens: string[][];
  readonly tokenTypeIds: number[][];
  readonly attentionMask: number[][];
  readonly specialTokensMask: number[][];
  readonly wordIds: (number | null)[][];
  readonly sequenceIds: (number | null)[][];
  /** The number of real (non-padding) tokens of each row. */
  readonly lengths: number[];
}

export type TruncationStrategy = "longest_first" | "only_first" | "only_second";
export type Side = "right" | "left";

export interface TruncationConfig {
  /** Length of the whole encoding, special tokens included. */
  readonly maxLength: number;
  readonly strategy: TruncationStrategy;
}

export interface PaddingConfig {
  /** "longest": to the longest row of the batch; "max_length": to a fixed length. */
  readonly strategy: "longest" | "max_length";
  /** The fixed length for "max_length" (null: the truncation length, else modelMaxLength). */
  readonly maxLength: number | null;
  /** Round the padded length up to a multiple of this (null: no rounding). */
  readonly padToMultipleOf: number | null;
}

export type TemplatePiece =
  | { readonly kind: "special"; readonly token: string; readonly typeId: number }
  | { readonly kind: "sequence"; readonly sequence: "A" | "B"; readonly typeId: number };

/** How special tokens wrap one text ("single") or a pair ("pair"). */
export interface PostProcessorTemplate {
  readonly single: readonly TemplatePiece[];
  readonly pair: readonly TemplatePiece[];
}

/** BERT's template: "[CLS] A [SEP]" and "[CLS] A [SEP] B [SEP]", B and its [SEP] with type 1. */
export function bertTemplate(cls: string, sep: string): PostProcessorTemplate {
  return {
    single: [
      { kind: "special", token: cls, typeId: 0 },
      { kind: "sequence", sequence: "A", typeId: 0 },
      { kind: "special", token: sep, typeId: 0 },
    ],
    pair: [
      { kind: "special", token: cls, typeId: 0 },
      { kind: "sequence", sequence: "A", typeId: 0 },
      { kind: "special", token: sep, typeId: 0 },
      { kind: "sequence", sequence: "B", typeId: 1 },
      { kind: "special", token: sep, typeId: 1 },
    ],
  };
}

/** How many special tokens the template adds to one text or to a pair. */
export function templateSpecialCount(template: PostProcessorTemplate, pair: boolean): number {
  return (pair ? template.pair : template.single).filter((p) => p.kind === "special").length;
}

/** The word pieces of one text before the template: ids, tokens, word index, special flag. */
export interface SequencePieces {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  readonly wordIds: readonly number[];
  readonly special: readonly boolean[];
}

/**
 * The lengths two texts keep under a budget of `budget` tokens (special tokens not counted),
 * as Hugging Face tokenizers computes them. "longest_first" on a pair: if the shorter text
 * fits in half the budget it stays whole and the longer one gets the rest, else both get half
 * (the longer one the odd token).
 */
export function truncatedLengths(
  lengthA: number,
  lengthB: number | null,
  budget: number,
  strategy: TruncationStrategy,
): [number, number | null] {
  const total = lengthA + (lengthB ?? 0);
  if (total <= budget) return [lengthA, lengthB];
  const toRemove = total - budget;
  if (strategy === "longest_first") {
    if (lengthB === null) return [budget, null];
    let n1 = lengthA;
    let n2 = lengthB;
    const swap = n1 > n2;
    if (swap) [n1, n2] = [n2, n1];
    n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
    if (n1 + n2 > budget) {
      n1 = Math.floor(budget / 2);
      n2 = n1 + (budget % 2);
    }
    return swap ? [n2, n1] : [n1, n2];
  }
  if (strategy === "only_second" && lengthB === null) {
    throw new Error(`Truncation "only_second": expected a pair of texts, found a single text of ${lengthA} tokens over the budget of ${budget}.`);
  }
  const target = strategy === "only_first" ? lengthA : (lengthB as number);
  if (target <= toRemove) {
    const which = strategy === "only_first" ? "first" : "second";
    throw new Error(
      `Truncation "${strategy}": the ${which} text has ${target} tokens, too few to remove the ${toRemove} needed to fit ${budget} (use "longest_first" or a larger maxLength).`,
    );
  }
  return strategy === "only_first" ? [lengthA - toRemove, lengthB] : [lengthA, (lengthB as number) - toRemove];
}

/** Keeps `length` pieces from the start ("right" truncation) or from the end ("left"). */
export function truncatePieces(pieces: SequencePieces, length: number, side: Side): SequencePieces {
  if (length >= pieces.ids.length) return pieces;
  const from = side === "right" ? 0 : pieces.ids.length - length;
  const to = from + length;
  return {
    ids: pieces.ids.slice(from, to),
    tokens: pieces.tokens.slice(from, to),
    wordIds: pieces.wordIds.slice(from, to),
    special: pieces.special.slice(from, to),
  };
}

/** Lays one or two texts out along the template (or bare, without special tokens). */
export function applyTemplate(
  a: SequencePieces,
  b: SequencePieces | null,
  template: PostProcessorTemplate | null,
  tokenId: (token: string) => number,
): TokenEncoding {
  const out: TokenEncoding = {
    inputIds: [],
    tokens: [],
    tokenTypeIds: [],
    attentionMask: [],
    specialTokensMask: [],
    wordIds: [],
    sequenceIds: [],
  };
  const pushSequence = (s: SequencePieces, typeId: number, sequenceId: number): void => {
    for (let i = 0; i < s.ids.length; i++) {
      out.inputIds.push(s.ids[i]);
      out.tokens.push(s.tokens[i]);
      out.tokenTypeIds.push(typeId);
      out.attentionMask.push(1);
      out.specialTokensMask.push(s.special[i] ? 1 : 0);
      out.wordIds.push(s.wordIds[i]);
      out.sequenceIds.push(sequenceId);
    }
  };
  if (template === null) {
    pushSequence(a, 0, 0);
    if (b !== null) pushSequence(b, 1, 1);
    return out;
  }
  for (const piece of b === null ? template.single : template.pair) {
    if (piece.kind === "special") {
      out.inputIds.push(tokenId(piece.token));
      out.tokens.push(piece.token);
      out.tokenTypeIds.push(piece.typeId);
      out.attentionMask.push(1);
      out.specialTokensMask.push(1);
      out.wordIds.push(null);
      out.sequenceIds.push(null);
    } else if (piece.sequence === "A") {
      pushSequence(a, piece.typeId, 0);
    } else if (b !== null) {
      pushSequence(b, piece.typeId, 1);
    }
  }
  return out;
}

/** The encoding lengthened to `length` with padding on `side` (unchanged if already that long). */
export function padEncoding(encoding: TokenEncoding, length: number, padId: number, padToken: string, side: Side): TokenEncoding {
  const n = length - encoding.inputIds.length;
  if (n <= 0) return encoding;
  const fill = <T>(values: T[], value: T): T[] => {
    const pad = new Array<T>(n).fill(value);
    return side === "right" ? values.concat(pad) : pad.concat(values);
  };
  return {
    inputIds: fill(encoding.inputIds, padId),
    tokens: fill(encoding.tokens, padToken),
    tokenTypeIds: fill(encoding.tokenTypeIds, 0),
    attentionMask: fill(encoding.attentionMask, 0),
    specialTokensMask: fill(encoding.specialTokensMask, 1),
    wordIds: fill<number | null>(encoding.wordIds, null),
    sequenceIds: fill<number | null>(encoding.sequenceIds, null),
  };
}

/** `length` rounded up to a multiple of `multiple` (unchanged when multiple is null or 1). */
export function roundUpToMultiple(length: number, multiple: number | null): number {
  if (multiple === null || multiple <= 1) return length;
  return Math.ceil(length / multiple) * multiple;
}

/** Stacks encodings of equal or unequal length into a batch (no padding here). */
export function toBatch(encodings: readonly TokenEncoding[]): TokenBatch {
  return {
    inputIds: encodings.map((e) => e.inputIds),
    tokens: encodings.map((e) => e.tokens),
    tokenTypeIds: encodings.map((e) => e.tokenTypeIds),
    attentionMask: encodings.map((e) => e.attentionMask),
    specialTokensMask: encodings.map((e) => e.specialTokensMask),
    wordIds: encodings.map((e) => e.wordIds),
    sequenceIds: encodings.map((e) => e.sequenceIds),
    lengths: encodings.map((e) => e.attentionMask.reduce((s, m) => s + m, 0)),
  };
}
