/**
 * The Hugging Face `tokenizer.json` format for a WordPiece tokenizer (what `BertTokenizerFast`
 * saves, and what transformers.js and Python's `tokenizers` load), and the `tokenizer_config.json`
 * beside it that tells transformers/transformers.js which tokenizer class to build.
 *
 * Written: normalizer `Sequence[NFKC, BertNormalizer]` (plain `BertNormalizer` when NFKC is off),
 * pre_tokenizer `BertPreTokenizer`, model `WordPiece` (vocabulary in id order), post_processor
 * `TemplateProcessing`, decoder `WordPiece`, and the truncation and padding settings.
 * Read: the same, and `BertProcessing` as post-processor. Anything else is refused with an error
 * that names the field, what was expected and what was found.
 *
 * transformers.js 4.3 (`AutoTokenizer` on the saved folder) gives the same ids, token types,
 * masks, padded batches and decoded text (tested on synthetic edge cases, the Amazon item texts
 * and Crowdflower query-product pairs), except in four corners where it departs from BERT and
 * from Hugging Face's Rust/Python tokenizers, which this module follows:
 * - CJK ideographs beyond U+FFFF (Extension B, "𠮷") are not split into one-character words;
 * - an empty second text ("") is dropped: [CLS] A [SEP] instead of [CLS] A [SEP] [SEP];
 * - `truncation: true` cuts the end of the ids, [SEP] included (here the text is cut, [SEP] kept);
 * - `padding: true` pads to at most model_max_length, leaving longer rows longer.
 */
import { bertTemplate, type PaddingConfig, type PostProcessorTemplate, type Side, type TemplatePiece, type TruncationConfig, type TruncationStrategy } from "./encoding";
import type { NormalizerOptions } from "./normalize";
import { WordPieceTokenizer, type SpecialTokenNames, type WordPieceConfig } from "./wordpiece";

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface BertNormalizerJson {
  type: "BertNormalizer";
  clean_text: boolean;
  handle_chinese_chars: boolean;
  strip_accents: boolean | null;
  lowercase: boolean;
}

export type NormalizerJson = BertNormalizerJson | { type: "Sequence"; normalizers: [{ type: "NFKC" }, BertNormalizerJson] };

export type TemplatePieceJson = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: "A" | "B"; type_id: number } };

export interface TemplateProcessingJson {
  type: "TemplateProcessing";
  single: TemplatePieceJson[];
  pair: TemplatePieceJson[];
  special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }>;
}

export interface TruncationJson {
  direction: "Right" | "Left";
  max_length: number;
  strategy: "LongestFirst" | "OnlyFirst" | "OnlySecond";
  stride: number;
}

export interface PaddingJson {
  strategy: "BatchLongest" | { Fixed: number };
  direction: "Right" | "Left";
  pad_to_multiple_of: number | null;
  pad_id: number;
  pad_type_id: number;
  pad_token: string;
}

export interface WordPieceModelJson {
  type: "WordPiece";
  unk_token: string;
  continuing_subword_prefix: string;
  max_input_chars_per_word: number;
  vocab: Record<string, number>;
}

export interface TokenizerJson {
  version: "1.0";
  truncation: TruncationJson | null;
  padding: PaddingJson | null;
  added_tokens: AddedTokenJson[];
  normalizer: NormalizerJson;
  pre_tokenizer: { type: "BertPreTokenizer" };
  post_processor: TemplateProcessingJson;
  decoder: { type: "WordPiece"; prefix: string; cleanup: boolean };
  model: WordPieceModelJson;
}

/** The `tokenizer_config.json` fields transformers and transformers.js read for a BERT tokenizer. */
export interface TokenizerConfigJson {
  tokenizer_class: "BertTokenizer";
  do_lower_case: boolean;
  tokenize_chinese_chars: boolean;
  strip_accents: boolean | null;
  do_basic_tokenize: boolean;
  never_split: null;
  unk_token: string;
  sep_token: string;
  pad_token: string;
  cls_token: string;
  mask_token: string;
  additional_special_tokens: string[];
  model_max_length: number;
  padding_side: Side;
  truncation_side: Side;
  clean_up_tokenization_spaces: boolean;
  added_tokens_decoder: Record<string, Omit<AddedTokenJson, "id">>;
}

const STRATEGY_TO_JSON: Record<TruncationStrategy, TruncationJson["strategy"]> = {
  longest_first: "LongestFirst",
  only_first: "OnlyFirst",
  only_second: "OnlySecond",
};
const sideToJson = (side: Side): "Right" | "Left" => (side === "right" ? "Right" : "Left");

function addedTokens(tokenizer: WordPieceTokenizer): AddedTokenJson[] {
  return tokenizer.specialTokenList
    .map((content) => ({
      id: tokenizer.tokenToId(content) as number,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }))
    .sort((x, y) => x.id - y.id);
}

function normalizerJson(n: NormalizerOptions): NormalizerJson {
  const bert: BertNormalizerJson = {
    type: "BertNormalizer",
    clean_text: n.cleanText,
    handle_chinese_chars: n.handleChineseChars,
    strip_accents: n.stripAccents,
    lowercase: n.lowercase,
  };
  return n.unicodeForm === "NFKC" ? { type: "Sequence", normalizers: [{ type: "NFKC" }, bert] } : bert;
}

function templateJson(tokenizer: WordPieceTokenizer): TemplateProcessingJson {
  const { template } = tokenizer.config;
  const pieces = (list: readonly TemplatePiece[]): TemplatePieceJson[] =>
    list.map((p) =>
      p.kind === "special" ? { SpecialToken: { id: p.token, type_id: p.typeId } } : { Sequence: { id: p.sequence, type_id: p.typeId } },
    );
  const special_tokens: TemplateProcessingJson["special_tokens"] = {};
  for (const p of [...template.single, ...template.pair]) {
    if (p.kind === "special") special_tokens[p.token] = { id: p.token, ids: [tokenizer.tokenToId(p.token) as number], tokens: [p.token] };
  }
  return { type: "TemplateProcessing", single: pieces(template.single), pair: pieces(template.pair), special_tokens };
}

/** The tokenizer as a `tokenizer.json` object. */
export function toTokenizerJson(tokenizer: WordPieceTokenizer): TokenizerJson {
  const c = tokenizer.config;
  // No prototype, so a token spelled "__proto__" is an ordinary key.
  const vocab = Object.create(null) as Record<string, number>;
  c.vocab.forEach((token, id) => {
    vocab[token] = id;
  });
  const padding: PaddingJson | null =
    c.padding === null
      ? null
      : {
          strategy:
            c.padding.strategy === "longest"
              ? "BatchLongest"
              : { Fixed: c.padding.maxLength ?? c.truncation?.maxLength ?? c.modelMaxLength },
          direction: sideToJson(c.paddingSide),
          pad_to_multiple_of: c.padding.padToMultipleOf,
          pad_id: tokenizer.padId,
          pad_type_id: 0,
          pad_token: c.specialTokens.pad,
        };
  return {
    version: "1.0",
    truncation:
      c.truncation === null
        ? null
        : { direction: sideToJson(c.truncationSide), max_length: c.truncation.maxLength, strategy: STRATEGY_TO_JSON[c.truncation.strategy], stride: 0 },
    padding,
    added_tokens: addedTokens(tokenizer),
    normalizer: normalizerJson(c.normalizer),
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: templateJson(tokenizer),
    decoder: { type: "WordPiece", prefix: c.continuingSubwordPrefix, cleanup: c.decoderCleanup },
    model: {
      type: "WordPiece",
      unk_token: c.specialTokens.unk,
      continuing_subword_prefix: c.continuingSubwordPrefix,
      max_input_chars_per_word: c.maxInputCharsPerWord,
      vocab,
    },
  };
}

/**
 * `tokenizer.json` as text, indented, with the vocabulary written in id order (a plain object
 * would put digit tokens such as "3" first, since JavaScript orders integer-like keys first).
 */
export function tokenizerJsonText(tokenizer: WordPieceTokenizer): string {
  const json = toTokenizerJson(tokenizer);
  const placeholder = "\u0000vocab\u0000";
  const text = JSON.stringify({ ...json, model: { ...json.model, vocab: placeholder } }, null, 2);
  const entries = tokenizer.config.vocab.map((token, id) => `      ${JSON.stringify(token)}: ${id}`).join(",\n");
  return text.replace(JSON.stringify(placeholder), `{\n${entries}\n    }`) + "\n";
}

/** The `tokenizer_config.json` object (tokenizer class, special tokens, lengths, sides). */
export function toTokenizerConfigJson(tokenizer: WordPieceTokenizer): TokenizerConfigJson {
  const c = tokenizer.config;
  const roles = new Set(Object.values(c.specialTokens));
  const added_tokens_decoder: TokenizerConfigJson["added_tokens_decoder"] = {};
  for (const { id, ...rest } of addedTokens(tokenizer)) added_tokens_decoder[String(id)] = rest;
  return {
    tokenizer_class: "BertTokenizer",
    do_lower_case: c.normalizer.lowercase,
    tokenize_chinese_chars: c.normalizer.handleChineseChars,
    strip_accents: c.normalizer.stripAccents,
    do_basic_tokenize: true,
    never_split: null,
    unk_token: c.specialTokens.unk,
    sep_token: c.specialTokens.sep,
    pad_token: c.specialTokens.pad,
    cls_token: c.specialTokens.cls,
    mask_token: c.specialTokens.mask,
    additional_special_tokens: tokenizer.specialTokenList.filter((t) => !roles.has(t)),
    model_max_length: c.modelMaxLength,
    padding_side: c.paddingSide,
    truncation_side: c.truncationSide,
    clean_up_tokenization_spaces: c.cleanUpTokenizationSpaces,
    added_tokens_decoder,
  };
}

/** `vocab.txt`, one token per line in id order (what BERT's original code and slow tokenizers read). */
export function vocabText(tokenizer: WordPieceTokenizer): string {
  return tokenizer.config.vocab.join("\n") + "\n";
}

// ---- reading ----

type Json = unknown;

function describe(value: Json): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + "..." : text;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Reader {
  constructor(readonly source: string) {}

  fail(field: string, expected: string, found: Json): never {
    throw new Error(`${this.source}: expected ${field} to be ${expected}, found ${describe(found)}.`);
  }
  object(value: Json, field: string): Record<string, Json> {
    return isObject(value) ? value : this.fail(field, "an object", value);
  }
  string(value: Json, field: string): string {
    return typeof value === "string" ? value : this.fail(field, "a string", value);
  }
  bool(value: Json, field: string): boolean {
    return typeof value === "boolean" ? value : this.fail(field, "true or false", value);
  }
  int(value: Json, field: string, min = 0): number {
    return typeof value === "number" && Number.isInteger(value) && value >= min ? value : this.fail(field, `an integer >= ${min}`, value);
  }
  type(value: Json, field: string, expected: readonly string[], what: string): string {
    const obj = this.object(value, field);
    const type = obj.type;
    if (typeof type !== "string" || !expected.includes(type)) {
      const list = expected.map((e) => JSON.stringify(e)).join(" or ");
      throw new Error(`${this.source}: expected ${field}.type ${list} (${what}), found ${describe(type)}.`);
    }
    return type;
  }
}

function readNormalizer(r: Reader, value: Json): NormalizerOptions {
  const what = "BERT's normalizer, optionally after NFKC";
  const type = r.type(value, "normalizer", ["BertNormalizer", "Sequence"], what);
  let bert: Record<string, Json>;
  let unicodeForm: NormalizerOptions["unicodeForm"] = "none";
  if (type === "Sequence") {
    const list = (value as Record<string, Json>).normalizers;
    const types = Array.isArray(list) ? list.map((n) => (isObject(n) ? n.type : n)) : list;
    if (!Array.isArray(list) || list.length !== 2 || !isObject(list[0]) || list[0].type !== "NFKC" || !isObject(list[1]) || list[1].type !== "BertNormalizer") {
      r.fail("normalizer.normalizers", '[{"type": "NFKC"}, {"type": "BertNormalizer", ...}]', types);
    }
    unicodeForm = "NFKC";
    bert = list[1] as Record<string, Json>;
  } else {
    bert = value as Record<string, Json>;
  }
  const strip = bert.strip_accents;
  if (strip !== null && strip !== undefined && typeof strip !== "boolean") r.fail("normalizer.strip_accents", "true, false or null", strip);
  return {
    unicodeForm,
    cleanText: r.bool(bert.clean_text ?? true, "normalizer.clean_text"),
    handleChineseChars: r.bool(bert.handle_chinese_chars ?? true, "normalizer.handle_chinese_chars"),
    lowercase: r.bool(bert.lowercase ?? true, "normalizer.lowercase"),
    stripAccents: (strip ?? null) as boolean | null,
  };
}

function readTemplate(r: Reader, value: Json, vocab: ReadonlyMap<string, number>): PostProcessorTemplate {
  const type = r.type(value, "post_processor", ["TemplateProcessing", "BertProcessing"], "adds [CLS] and [SEP]");
  const obj = value as Record<string, Json>;
  if (type === "BertProcessing") {
    const pairOf = (field: "cls" | "sep"): string => {
      const v = obj[field];
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string" || typeof v[1] !== "number") {
        r.fail(`post_processor.${field}`, '[token, id] such as ["[CLS]", 101]', v);
      }
      if (vocab.get(v[0]) !== v[1]) r.fail(`post_processor.${field}`, `the vocabulary's id for ${JSON.stringify(v[0])} (${vocab.get(v[0])})`, v);
      return v[0];
    };
    return bertTemplate(pairOf("cls"), pairOf("sep"));
  }
  const specials = r.object(obj.special_tokens ?? {}, "post_processor.special_tokens");
  const pieces = (field: "single" | "pair"): TemplatePiece[] => {
    const list = obj[field];
    if (!Array.isArray(list)) r.fail(`post_processor.${field}`, "a list of template pieces", list);
    return list.map((item, i) => {
      const where = `post_processor.${field}[${i}]`;
      const piece = r.object(item, where);
      if (isObject(piece.SpecialToken)) {
        const id = r.string(piece.SpecialToken.id, `${where}.SpecialToken.id`);
        const entry = specials[id];
        if (entry !== undefined) {
          const e = r.object(entry, `post_processor.special_tokens[${JSON.stringify(id)}]`);
          const ids = e.ids;
          if (!Array.isArray(ids) || ids.length !== 1 || ids[0] !== vocab.get(id)) {
            r.fail(`post_processor.special_tokens[${JSON.stringify(id)}].ids`, `[${vocab.get(id)}] (one token, its vocabulary id)`, ids);
          }
        }
        return { kind: "special", token: id, typeId: r.int(piece.SpecialToken.type_id ?? 0, `${where}.SpecialToken.type_id`) };
      }
      if (isObject(piece.Sequence)) {
        const id = piece.Sequence.id;
        if (id !== "A" && id !== "B") r.fail(`${where}.Sequence.id`, '"A" or "B"', id);
        return { kind: "sequence", sequence: id, typeId: r.int(piece.Sequence.type_id ?? 0, `${where}.Sequence.type_id`) };
      }
      return r.fail(where, '{"SpecialToken": ...} or {"Sequence": ...}', item);
    });
  };
  return { single: pieces("single"), pair: pieces("pair") };
}

function readTruncation(r: Reader, value: Json): { truncation: TruncationConfig | null; side: Side | null } {
  if (value === null || value === undefined) return { truncation: null, side: null };
  const t = r.object(value, "truncation");
  const strategies: Record<string, TruncationStrategy> = { LongestFirst: "longest_first", OnlyFirst: "only_first", OnlySecond: "only_second" };
  const strategy = strategies[String(t.strategy ?? "LongestFirst")];
  if (strategy === undefined) r.fail("truncation.strategy", '"LongestFirst", "OnlyFirst" or "OnlySecond"', t.strategy);
  const direction = t.direction ?? "Right";
  if (direction !== "Right" && direction !== "Left") r.fail("truncation.direction", '"Right" or "Left"', direction);
  return {
    truncation: { maxLength: r.int(t.max_length, "truncation.max_length"), strategy },
    side: direction === "Right" ? "right" : "left",
  };
}

function readPadding(r: Reader, value: Json): { padding: PaddingConfig | null; side: Side | null; token: string | null } {
  if (value === null || value === undefined) return { padding: null, side: null, token: null };
  const p = r.object(value, "padding");
  let padding: PaddingConfig;
  const multiple = p.pad_to_multiple_of === null || p.pad_to_multiple_of === undefined ? null : r.int(p.pad_to_multiple_of, "padding.pad_to_multiple_of");
  if (p.strategy === "BatchLongest") {
    padding = { strategy: "longest", maxLength: null, padToMultipleOf: multiple };
  } else if (isObject(p.strategy) && p.strategy.Fixed !== undefined) {
    padding = { strategy: "max_length", maxLength: r.int(p.strategy.Fixed, "padding.strategy.Fixed", 1), padToMultipleOf: multiple };
  } else {
    return r.fail("padding.strategy", '"BatchLongest" or {"Fixed": length}', p.strategy);
  }
  const direction = p.direction ?? "Right";
  if (direction !== "Right" && direction !== "Left") r.fail("padding.direction", '"Right" or "Left"', direction);
  const token = p.pad_token === undefined ? null : r.string(p.pad_token, "padding.pad_token");
  return { padding, side: direction === "Right" ? "right" : "left", token };
}

/**
 * A tokenizer from a parsed `tokenizer.json` (and, if given, its `tokenizer_config.json`, for the
 * special tokens' roles, model_max_length and the padding/truncation sides). `source` names the
 * file in error messages.
 */
export function fromTokenizerJson(json: Json, source = "tokenizer.json", tokenizerConfig: Json = null): WordPieceTokenizer {
  const r: Reader = new Reader(source);
  const root = r.object(json, "the file");
  r.type(root.model, "model", ["WordPiece"], "a BERT-style WordPiece tokenizer");
  const model = root.model as Record<string, Json>;
  const vocabObj = r.object(model.vocab, "model.vocab");
  const entries = Object.entries(vocabObj);
  const vocab: string[] = new Array<string>(entries.length);
  const ids = new Map<string, number>();
  for (const [token, id] of entries) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= entries.length) {
      r.fail(`model.vocab[${JSON.stringify(token)}]`, `an id from 0 to ${entries.length - 1} (ids must be contiguous)`, id);
    }
    if (vocab[id] !== undefined) r.fail(`model.vocab[${JSON.stringify(token)}]`, `an id no other token has (${JSON.stringify(vocab[id])} has it too)`, id);
    vocab[id] = token;
    ids.set(token, id);
  }
  const unk = r.string(model.unk_token, "model.unk_token");
  if (!ids.has(unk)) r.fail("model.unk_token", "a token of model.vocab", unk);
  const prefix = r.string(model.continuing_subword_prefix ?? "##", "model.continuing_subword_prefix");
  const maxChars = r.int(model.max_input_chars_per_word ?? 100, "model.max_input_chars_per_word", 1);

  const normalizer = readNormalizer(r, root.normalizer);
  r.type(root.pre_tokenizer, "pre_tokenizer", ["BertPreTokenizer"], "BERT's split on whitespace and punctuation");
  const template = readTemplate(r, root.post_processor, ids);
  let decoderCleanup = true;
  if (root.decoder !== null && root.decoder !== undefined) {
    r.type(root.decoder, "decoder", ["WordPiece"], "glues ## pieces back together");
    const d = root.decoder as Record<string, Json>;
    const decoderPrefix = r.string(d.prefix ?? "##", "decoder.prefix");
    if (decoderPrefix !== prefix) r.fail("decoder.prefix", `the model's continuing_subword_prefix ${JSON.stringify(prefix)}`, decoderPrefix);
    decoderCleanup = r.bool(d.cleanup ?? true, "decoder.cleanup");
  }

  const added = root.added_tokens ?? [];
  if (!Array.isArray(added)) r.fail("added_tokens", "a list", added);
  const specials: string[] = [];
  added.forEach((item, i) => {
    const where = `added_tokens[${i}]`;
    const t = r.object(item, where);
    const content = r.string(t.content, `${where}.content`);
    const id = r.int(t.id, `${where}.id`);
    if (ids.get(content) !== id) r.fail(`${where}.id`, `the id of ${JSON.stringify(content)} in model.vocab (${ids.get(content)})`, id);
    if (t.special !== true) r.fail(`${where}.special`, "true (only special added tokens are supported)", t.special);
    for (const flag of ["single_word", "lstrip", "rstrip", "normalized"] as const) {
      if (t[flag] !== undefined && t[flag] !== false) r.fail(`${where}.${flag}`, "false (the only supported setting)", t[flag]);
    }
    specials.push(content);
  });

  const cfg = tokenizerConfig === null || tokenizerConfig === undefined ? {} : r.object(tokenizerConfig, "tokenizer_config.json");
  // A token tokenizer_config.json names must exist; without one, the usual BERT names are tried.
  const tokenFromConfig = (key: string): string | null => {
    const v = cfg[key];
    if (v === undefined || v === null) return null;
    const token = typeof v === "string" ? v : isObject(v) && typeof v.content === "string" ? v.content : null;
    if (token === null) return r.fail(`tokenizer_config.json's ${key}`, "a token string", v);
    if (!ids.has(token)) r.fail(`tokenizer_config.json's ${key}`, "a token of model.vocab", token);
    return token;
  };
  const { truncation, side: truncationSide } = readTruncation(r, root.truncation);
  const { padding, side: paddingSide, token: padFromPadding } = readPadding(r, root.padding);
  const templateSpecials = template.single.filter((p) => p.kind === "special") as { token: string }[];
  const pick = (role: keyof SpecialTokenNames, ...candidates: (string | null | undefined)[]): string => {
    const token = candidates.find((c): c is string => typeof c === "string" && ids.has(c));
    if (token === undefined) {
      const tried = candidates.filter((c) => typeof c === "string");
      throw new Error(`${source}: expected a ${role} token in the vocabulary, found none (tried ${tried.map((t) => JSON.stringify(t)).join(", ") || "nothing"}).`);
    }
    return token;
  };
  const specialTokens: SpecialTokenNames = {
    unk: pick("unk", tokenFromConfig("unk_token"), unk),
    cls: pick("cls", tokenFromConfig("cls_token"), templateSpecials[0]?.token, "[CLS]"),
    sep: pick("sep", tokenFromConfig("sep_token"), templateSpecials[templateSpecials.length - 1]?.token, "[SEP]"),
    pad: pick("pad", tokenFromConfig("pad_token"), padFromPadding, "[PAD]"),
    mask: pick("mask", tokenFromConfig("mask_token"), "[MASK]"),
  };
  const roles = new Set(Object.values(specialTokens));
  const sideFrom = (key: string): Side | null => {
    const v = cfg[key];
    if (v === undefined || v === null) return null;
    if (v !== "right" && v !== "left") return r.fail(`tokenizer_config.json's ${key}`, '"right" or "left"', v);
    return v;
  };
  const maxLengthValue = cfg.model_max_length;
  // Python writes a huge sentinel (1e30) for "no limit"; keep lengths a model can have.
  const modelMaxLength =
    typeof maxLengthValue === "number" && Number.isInteger(maxLengthValue) && maxLengthValue > 0 && maxLengthValue < 2 ** 31
      ? maxLengthValue
      : (truncation?.maxLength ?? 512);
  const cleanUp = cfg.clean_up_tokenization_spaces;
  const config: Partial<WordPieceConfig> & { vocab: string[] } = {
    vocab,
    specialTokens,
    additionalSpecialTokens: specials.filter((t) => !roles.has(t)),
    continuingSubwordPrefix: prefix,
    maxInputCharsPerWord: maxChars,
    normalizer,
    template,
    truncation,
    truncationSide: truncationSide ?? sideFrom("truncation_side") ?? "right",
    padding,
    paddingSide: paddingSide ?? sideFrom("padding_side") ?? "right",
    modelMaxLength,
    decoderCleanup,
    cleanUpTokenizationSpaces: typeof cleanUp === "boolean" ? cleanUp : true,
  };
  return new WordPieceTokenizer(config);
}

/** Parses `tokenizer.json` text (and optional `tokenizer_config.json` text) into a tokenizer. */
export function parseTokenizerJson(text: string, source = "tokenizer.json", tokenizerConfigText: string | null = null): WordPieceTokenizer {
  const parse = (t: string, where: string): Json => {
    try {
      return JSON.parse(t) as Json;
    } catch (error) {
      throw new Error(`${where}: expected JSON, found text that does not parse (${(error as Error).message}).`);
    }
  };
  const config = tokenizerConfigText === null ? null : parse(tokenizerConfigText, source.replace(/tokenizer\.json$/, "tokenizer_config.json"));
  return fromTokenizerJson(parse(text, source), source, config);
}
