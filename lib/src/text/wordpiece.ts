/**
 * The WordPiece tokenizer: normalise, cut into words, then split each word greedily into the
 * longest pieces the vocabulary holds ("unbreakable" -> "un", "##break", "##able"); a word that
 * cannot be covered, or is longer than `maxInputCharsPerWord`, becomes [UNK] as a whole. Then the
 * BERT template adds [CLS]/[SEP], and batches are truncated and padded.
 *
 * It behaves as Hugging Face's `tokenizer.json` with BertNormalizer, BertPreTokenizer, WordPiece,
 * TemplateProcessing and the WordPiece decoder; `tokenizer-json.ts` writes and reads that file.
 */
import {
  applyTemplate,
  bertTemplate,
  padEncoding,
  roundUpToMultiple,
  templateSpecialCount,
  toBatch,
  truncatePieces,
  truncatedLengths,
  type PaddingConfig,
  type PostProcessorTemplate,
  type SequencePieces,
  type Side,
  type TokenBatch,
  type TokenEncoding,
  type TruncationConfig,
  type TruncationStrategy,
} from "./encoding";
import { checkNormalizerOptions, DEFAULT_NORMALIZER, normalizeText, type NormalizerOptions } from "./normalize";
import { preTokenize, splitOnSpecialTokens } from "./pretokenize";

export interface WordPieceSplitOptions {
  /** Marks a piece that continues a word ("##"). */
  readonly prefix?: string;
  /** Longer words (in code points) are [UNK] without trying. */
  readonly maxInputCharsPerWord?: number;
  readonly unkToken?: string;
  /** No vocabulary entry is longer than this many code points (a speed-up only). */
  readonly maxPieceChars?: number;
}

/**
 * Greedy longest-match-first WordPiece on one word: take the longest vocabulary entry that starts
 * the word, then the longest "##" entry that continues it, and so on. If some position has no
 * match the whole word is unknown: `[unkToken]`.
 */
export function wordPieceSplit(word: string, vocab: { has(token: string): boolean }, options: WordPieceSplitOptions = {}): string[] {
  const prefix = options.prefix ?? "##";
  const unk = options.unkToken ?? "[UNK]";
  const maxChars = options.maxInputCharsPerWord ?? 100;
  // UTF-16 offsets of code point boundaries, so an emoji or a rare ideograph is never cut in half.
  const bounds: number[] = [];
  for (let i = 0; i < word.length; ) {
    bounds.push(i);
    i += (word.codePointAt(i) as number) > 0xffff ? 2 : 1;
  }
  const n = bounds.length;
  bounds.push(word.length);
  if (n > maxChars) return [unk];
  const longest = options.maxPieceChars ?? n;
  const pieces: string[] = [];
  let start = 0;
  while (start < n) {
    let end = Math.min(n, start + longest);
    let piece: string | null = null;
    while (end > start) {
      const sub = word.slice(bounds[start], bounds[end]);
      const candidate = start > 0 ? prefix + sub : sub;
      if (vocab.has(candidate)) {
        piece = candidate;
        break;
      }
      end--;
    }
    if (piece === null) return [unk];
    pieces.push(piece);
    start = end;
  }
  return pieces;
}

/** The tokens with a role; all of them are also "special" (never split, never normalised). */
export interface SpecialTokenNames {
  readonly pad: string;
  readonly unk: string;
  readonly cls: string;
  readonly sep: string;
  readonly mask: string;
}

export const BERT_SPECIAL_TOKENS: SpecialTokenNames = Object.freeze({
  pad: "[PAD]",
  unk: "[UNK]",
  cls: "[CLS]",
  sep: "[SEP]",
  mask: "[MASK]",
});

/** Everything that defines a WordPiece tokenizer (what `tokenizer.json` stores). */
export interface WordPieceConfig {
  /** Token of each id: vocab[id]. */
  readonly vocab: readonly string[];
  readonly specialTokens: SpecialTokenNames;
  /** Further special tokens (kept whole in text, skipped by decode with skipSpecialTokens). */
  readonly additionalSpecialTokens: readonly string[];
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly normalizer: NormalizerOptions;
  readonly template: PostProcessorTemplate;
  /** Truncation applied when a call does not say (null: none). */
  readonly truncation: TruncationConfig | null;
  readonly truncationSide: Side;
  /** Padding applied when a call does not say (null: none). */
  readonly padding: PaddingConfig | null;
  readonly paddingSide: Side;
  /** Length limit of the model the tokenizer feeds (the default truncation length). */
  readonly modelMaxLength: number;
  /** Decoder: remove spaces before punctuation token by token (the WordPiece decoder's "cleanup"). */
  readonly decoderCleanup: boolean;
  /** Decoder: the same clean-up on the whole decoded string (transformers' clean_up_tokenization_spaces). */
  readonly cleanUpTokenizationSpaces: boolean;
}

export interface EncodeOptions {
  /** Add [CLS]/[SEP] by the template (default true). */
  readonly addSpecialTokens?: boolean;
  /** Truncate: true uses the tokenizer's strategy (or "longest_first"); default: the tokenizer's setting. */
  readonly truncation?: boolean | TruncationStrategy;
  /** Padding: "longest" (batch only) or "max_length"; default: the tokenizer's setting. */
  readonly padding?: false | "longest" | "max_length";
  /** The truncation and "max_length" padding length, special tokens included. */
  readonly maxLength?: number;
  readonly padToMultipleOf?: number;
}

export interface DecodeOptions {
  readonly skipSpecialTokens?: boolean;
  readonly cleanUpTokenizationSpaces?: boolean;
}

/** A pair of texts (query, product) for a cross-encoder. */
export type TextPair = readonly [string, string];

const WORD_CACHE_LIMIT = 200_000;

export class WordPieceTokenizer {
  readonly config: WordPieceConfig;
  private readonly ids: Map<string, number>;
  private readonly specialSet: ReadonlySet<string>;
  private readonly specialList: readonly string[];
  private readonly maxPieceChars: number;
  // Words repeat a lot in product text; the cache only remembers results, so encode stays pure.
  private readonly wordCache = new Map<string, readonly number[]>();

  constructor(config: Partial<WordPieceConfig> & { readonly vocab: readonly string[] }) {
    const specialTokens = config.specialTokens ?? BERT_SPECIAL_TOKENS;
    this.config = Object.freeze({
      vocab: Object.freeze([...config.vocab]),
      specialTokens: Object.freeze({ ...specialTokens }),
      additionalSpecialTokens: Object.freeze([...(config.additionalSpecialTokens ?? [])]),
      continuingSubwordPrefix: config.continuingSubwordPrefix ?? "##",
      maxInputCharsPerWord: config.maxInputCharsPerWord ?? 100,
      normalizer: checkNormalizerOptions({ ...(config.normalizer ?? DEFAULT_NORMALIZER) }),
      template: config.template ?? bertTemplate(specialTokens.cls, specialTokens.sep),
      truncation: config.truncation ?? null,
      truncationSide: config.truncationSide ?? "right",
      padding: config.padding ?? null,
      paddingSide: config.paddingSide ?? "right",
      modelMaxLength: config.modelMaxLength ?? 512,
      decoderCleanup: config.decoderCleanup ?? true,
      cleanUpTokenizationSpaces: config.cleanUpTokenizationSpaces ?? true,
    });
    const c = this.config;
    this.ids = new Map();
    c.vocab.forEach((token, id) => {
      if (typeof token !== "string" || token.length === 0) {
        throw new Error(`WordPieceTokenizer: expected a non-empty string token at id ${id}, found ${JSON.stringify(token)}.`);
      }
      const previous = this.ids.get(token);
      if (previous !== undefined) {
        throw new Error(`WordPieceTokenizer: expected unique tokens, found ${JSON.stringify(token)} at ids ${previous} and ${id}.`);
      }
      this.ids.set(token, id);
    });
    const roles = Object.entries(c.specialTokens) as [keyof SpecialTokenNames, string][];
    for (const [role, token] of roles) {
      if (!this.ids.has(token)) {
        throw new Error(`WordPieceTokenizer: the ${role} token ${JSON.stringify(token)} is not in the vocabulary (${c.vocab.length} tokens).`);
      }
    }
    for (const token of c.additionalSpecialTokens) {
      if (!this.ids.has(token)) throw new Error(`WordPieceTokenizer: the special token ${JSON.stringify(token)} is not in the vocabulary.`);
    }
    for (const piece of [...c.template.single, ...c.template.pair]) {
      if (piece.kind === "special" && !this.ids.has(piece.token)) {
        throw new Error(`WordPieceTokenizer: the template's special token ${JSON.stringify(piece.token)} is not in the vocabulary.`);
      }
    }
    if (!(Number.isInteger(c.maxInputCharsPerWord) && c.maxInputCharsPerWord > 0)) {
      throw new Error(`WordPieceTokenizer: expected maxInputCharsPerWord to be a positive integer, found ${c.maxInputCharsPerWord}.`);
    }
    if (c.continuingSubwordPrefix.length === 0) throw new Error("WordPieceTokenizer: expected a non-empty continuingSubwordPrefix.");
    if (!(Number.isInteger(c.modelMaxLength) && c.modelMaxLength > 0)) {
      throw new Error(`WordPieceTokenizer: expected modelMaxLength to be a positive integer, found ${c.modelMaxLength}.`);
    }
    if (c.truncation !== null) {
      const { maxLength, strategy } = c.truncation;
      if (!(Number.isInteger(maxLength) && maxLength > 0)) {
        throw new Error(`WordPieceTokenizer: expected truncation.maxLength to be a positive integer, found ${maxLength}.`);
      }
      if (!["longest_first", "only_first", "only_second"].includes(strategy)) {
        throw new Error(`WordPieceTokenizer: expected truncation.strategy "longest_first", "only_first" or "only_second", found ${JSON.stringify(strategy)}.`);
      }
    }
    this.specialList = [...new Set([...Object.values(c.specialTokens), ...c.additionalSpecialTokens])];
    this.specialSet = new Set(this.specialList);
    // An upper bound on the code points a piece can cover (whole tokens, prefix included: safe).
    let longest = 1;
    for (const token of c.vocab) longest = Math.max(longest, [...token].length);
    this.maxPieceChars = longest;
  }

  get vocabSize(): number {
    return this.config.vocab.length;
  }
  get padId(): number {
    return this.ids.get(this.config.specialTokens.pad) as number;
  }
  get unkId(): number {
    return this.ids.get(this.config.specialTokens.unk) as number;
  }
  get clsId(): number {
    return this.ids.get(this.config.specialTokens.cls) as number;
  }
  get sepId(): number {
    return this.ids.get(this.config.specialTokens.sep) as number;
  }
  get maskId(): number {
    return this.ids.get(this.config.specialTokens.mask) as number;
  }
  /** All special tokens: the five roles, then the additional ones. */
  get specialTokenList(): readonly string[] {
    return this.specialList;
  }
  /** Ids of all special tokens (never masked by MLM, skipped by decode when asked). */
  get specialIds(): number[] {
    return this.specialList.map((t) => this.ids.get(t) as number);
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }
  idToToken(id: number): string | undefined {
    return this.config.vocab[id];
  }
  isSpecial(token: string): boolean {
    return this.specialSet.has(token);
  }

  /** The text's normalised form (what pre-tokenization sees). */
  normalize(text: string): string {
    return normalizeText(text, this.config.normalizer);
  }

  /** The word pieces of one word (already normalised), or [UNK]. */
  splitWord(word: string): string[] {
    return this.wordIds(word).map((id) => this.config.vocab[id]);
  }

  /** Tokens of a text, without [CLS]/[SEP]. */
  tokenize(text: string): string[] {
    return this.pieces(text).tokens.slice();
  }

  /** One text, or a pair of texts, encoded (truncated and padded as options or the tokenizer say). */
  encode(text: string, pair: string | null = null, options: EncodeOptions = {}): TokenEncoding {
    const encoding = this.encodeUnpadded(text, pair, options);
    const padding = options.padding !== undefined ? options.padding : (this.config.padding?.strategy ?? false);
    if (padding !== "max_length") return encoding;
    return this.pad(encoding, roundUpToMultiple(this.fixedPaddingLength(options), this.padMultiple(options)));
  }

  /** Several texts or (query, product) pairs, padded to one length if padding is on. */
  encodeBatch(inputs: readonly (string | TextPair)[], options: EncodeOptions = {}): TokenBatch {
    const encodings = inputs.map((input, i) => {
      if (typeof input === "string") return this.encodeUnpadded(input, null, options);
      if (Array.isArray(input) && input.length === 2 && typeof input[0] === "string" && typeof input[1] === "string") {
        return this.encodeUnpadded(input[0], input[1], options);
      }
      throw new Error(`encodeBatch: expected a string or a [text, pair] tuple at index ${i}, found ${JSON.stringify(input)}.`);
    });
    const padding = options.padding !== undefined ? options.padding : (this.config.padding?.strategy ?? false);
    if (padding === false) return toBatch(encodings);
    const target =
      padding === "longest" ? Math.max(0, ...encodings.map((e) => e.inputIds.length)) : this.fixedPaddingLength(options);
    const length = roundUpToMultiple(target, this.padMultiple(options));
    return toBatch(encodings.map((e) => this.pad(e, length)));
  }

  /**
   * Ids back to text: pieces starting with "##" are glued to the previous one, others get a space;
   * then spaces before punctuation are removed. Lowercasing and stripped accents are not undone.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const unk = this.config.specialTokens.unk;
    let tokens = ids.map((id) => this.config.vocab[id] ?? unk);
    if (options.skipSpecialTokens) tokens = tokens.filter((t) => !this.specialSet.has(t));
    const prefix = this.config.continuingSubwordPrefix;
    const parts = tokens.map((token, i) => {
      let part = token;
      if (i > 0) part = token.startsWith(prefix) ? token.slice(prefix.length) : " " + token;
      return this.config.decoderCleanup ? cleanUpTokenization(part) : part;
    });
    const text = parts.join("");
    return (options.cleanUpTokenizationSpaces ?? this.config.cleanUpTokenizationSpaces) ? cleanUpTokenization(text) : text;
  }

  /** Word pieces of one text: special tokens typed in the text kept whole, word index per piece. */
  private pieces(text: string): SequencePieces {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: number[] = [];
    const special: boolean[] = [];
    let word = 0;
    for (const section of splitOnSpecialTokens(text, this.specialList)) {
      if (section.special) {
        ids.push(this.ids.get(section.text) as number);
        tokens.push(section.text);
        wordIds.push(word++);
        special.push(true);
        continue;
      }
      for (const w of preTokenize(this.normalize(section.text))) {
        for (const id of this.wordIds(w)) {
          ids.push(id);
          tokens.push(this.config.vocab[id]);
          wordIds.push(word);
          special.push(false);
        }
        word++;
      }
    }
    return { ids, tokens, wordIds, special };
  }

  private wordIds(word: string): readonly number[] {
    const cached = this.wordCache.get(word);
    if (cached !== undefined) return cached;
    const pieces = wordPieceSplit(word, this.ids, {
      prefix: this.config.continuingSubwordPrefix,
      maxInputCharsPerWord: this.config.maxInputCharsPerWord,
      unkToken: this.config.specialTokens.unk,
      maxPieceChars: this.maxPieceChars,
    });
    const ids = Object.freeze(pieces.map((p) => this.ids.get(p) as number));
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }

  private encodeUnpadded(text: string, pair: string | null, options: EncodeOptions): TokenEncoding {
    if (typeof text !== "string") throw new Error(`encode: expected a string, found ${JSON.stringify(text)}.`);
    if (pair !== null && typeof pair !== "string") throw new Error(`encode: expected the pair to be a string or null, found ${JSON.stringify(pair)}.`);
    const c = this.config;
    const addSpecial = options.addSpecialTokens ?? true;
    let a = this.pieces(text);
    let b = pair === null ? null : this.pieces(pair);
    const truncate = options.truncation !== undefined ? options.truncation !== false : c.truncation !== null;
    if (truncate) {
      const strategy = typeof options.truncation === "string" ? options.truncation : (c.truncation?.strategy ?? "longest_first");
      const maxLength = options.maxLength ?? c.truncation?.maxLength ?? c.modelMaxLength;
      const added = addSpecial ? templateSpecialCount(c.template, b !== null) : 0;
      if (!(Number.isInteger(maxLength) && maxLength >= added)) {
        throw new Error(`encode: expected maxLength to be an integer of at least ${added} (the special tokens it must hold), found ${maxLength}.`);
      }
      const [n1, n2] = truncatedLengths(a.ids.length, b === null ? null : b.ids.length, maxLength - added, strategy);
      a = truncatePieces(a, n1, c.truncationSide);
      if (b !== null) b = truncatePieces(b, n2 as number, c.truncationSide);
    }
    return applyTemplate(a, b, addSpecial ? c.template : null, (t) => this.ids.get(t) as number);
  }

  private fixedPaddingLength(options: EncodeOptions): number {
    const c = this.config;
    const length = options.maxLength ?? c.padding?.maxLength ?? c.truncation?.maxLength ?? c.modelMaxLength;
    if (!(Number.isInteger(length) && length > 0)) throw new Error(`encode: expected a positive integer padding length, found ${length}.`);
    return length;
  }

  private padMultiple(options: EncodeOptions): number | null {
    return options.padToMultipleOf ?? this.config.padding?.padToMultipleOf ?? null;
  }

  private pad(encoding: TokenEncoding, length: number): TokenEncoding {
    return padEncoding(encoding, length, this.padId, this.config.specialTokens.pad, this.config.paddingSide);
  }
}

/** Hugging Face's `clean_up_tokenization`: no space before . ? ! , and English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replace(/ \./g, ".")
    .replace(/ \?/g, "?")
    .replace(/ !/g, "!")
    .replace(/ ,/g, ",")
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}
