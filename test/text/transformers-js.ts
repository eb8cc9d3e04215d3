/**
 * Parity with transformers.js: the course tokenizer is saved as tokenizer.json +
 * tokenizer_config.json, loaded back with transformers.js's AutoTokenizer from that local folder
 * (no network), and both encode the same texts. Reusable on any list of texts or (query, product)
 * pairs, e.g. the whole shop catalog once data/ exists:
 *
 *   const report = await compareWithTransformersJs(tokenizer, texts);
 *   expect(report.mismatches).toEqual([]);
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { saveTokenizer, type TextPair, type WordPieceTokenizer } from "shoplm";

/** The part of transformers.js's PreTrainedTokenizer these checks use. */
export interface TransformersJsTokenizer {
  (
    text: string | string[],
    options: { text_pair?: string | string[] | null; padding?: boolean; truncation?: boolean; max_length?: number; return_tensor: false },
  ): { input_ids: number[] | number[][]; attention_mask: number[] | number[][]; token_type_ids?: number[] | number[][] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  readonly constructor: { name: string };
}

/** Saves the tokenizer in a temporary folder and loads it with transformers.js's AutoTokenizer. */
export async function loadWithTransformersJs(tokenizer: WordPieceTokenizer): Promise<TransformersJsTokenizer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "shoplm-tokenizer-"));
  const saved = { local: env.localModelPath, remote: env.allowRemoteModels, allowLocal: env.allowLocalModels, fsCache: env.useFSCache };
  try {
    saveTokenizer(tokenizer, path.join(root, "course-tokenizer"));
    env.localModelPath = root + path.sep;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    const loaded = await AutoTokenizer.from_pretrained("course-tokenizer");
    return loaded as unknown as TransformersJsTokenizer;
  } finally {
    env.localModelPath = saved.local;
    env.allowRemoteModels = saved.remote;
    env.allowLocalModels = saved.allowLocal;
    env.useFSCache = saved.fsCache;
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export interface ParityMismatch {
  readonly index: number;
  readonly input: string | TextPair;
  readonly what: "input_ids" | "token_type_ids" | "attention_mask" | "decode" | "decode skipping special tokens" | "batch";
  readonly ours: unknown;
  readonly theirs: unknown;
}

export interface ParityReport {
  /** Inputs encoded by both. */
  readonly compared: number;
  /** Inputs with the same input_ids, token_type_ids and attention_mask. */
  readonly identical: number;
  /** Inputs whose ids decode to the same text (with and without special tokens). */
  readonly decodeIdentical: number;
  /** Padded batches compared (inputs with a known divergence left out), and how many were identical. */
  readonly batches: number;
  readonly batchesIdentical: number;
  /** Inputs left out of the batches because their encoding is longer than model_max_length. */
  readonly longerThanModelMaxLength: number;
  /** At most `maxMismatches` differences, in input order. */
  readonly mismatches: ParityMismatch[];
  /** Indices of the inputs that differed in any way. */
  readonly differing: number[];
}

// CJK ideographs outside the Basic Multilingual Plane (Extension B and later, compatibility supplement).
const ASTRAL_CJK = /[\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/u;

/**
 * Why transformers.js 4.3 (its @huggingface/tokenizers 0.2) encodes this input differently from
 * the course tokenizer, which follows BERT and Hugging Face's Rust tokenizers; null when it should not.
 * - It tests "is this a CJK ideograph" on UTF-16 code units, so ideographs beyond U+FFFF
 *   (Extension B: "𠀀", "𠮷") are not split off as one-character words.
 * - It drops an empty second text ("" is falsy), encoding [CLS] A [SEP] instead of [CLS] A [SEP] [SEP].
 */
export function knownDivergence(input: string | TextPair): string | null {
  const texts = typeof input === "string" ? [input] : input;
  if (texts.some((t) => ASTRAL_CJK.test(t.normalize("NFKC")))) return "CJK ideograph beyond U+FFFF";
  if (typeof input !== "string" && input[1] === "") return "empty second text of a pair";
  return null;
}

/** The differing inputs that no known transformers.js divergence explains. */
export function unexplainedDifferences(report: ParityReport, inputs: readonly (string | TextPair)[]): (string | TextPair)[] {
  return report.differing.map((i) => inputs[i]).filter((input) => knownDivergence(input) === null);
}

const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

/**
 * Encodes every input with the course tokenizer and with transformers.js (loaded from the saved
 * files) and compares ids, token types, attention masks and decoded text one by one, then in
 * padded batches of `batchSize` (singles and pairs batched separately).
 */
export async function compareWithTransformersJs(
  tokenizer: WordPieceTokenizer,
  inputs: readonly (string | TextPair)[],
  options: { readonly batchSize?: number; readonly maxMismatches?: number; readonly decode?: boolean } = {},
): Promise<ParityReport> {
  const theirs = await loadWithTransformersJs(tokenizer);
  const batchSize = options.batchSize ?? 16;
  const maxMismatches = options.maxMismatches ?? 50;
  const checkDecode = options.decode ?? true;
  const mismatches: ParityMismatch[] = [];
  const differing = new Set<number>();
  const note = (m: ParityMismatch): void => {
    differing.add(m.index);
    if (mismatches.length < maxMismatches) mismatches.push(m);
  };
  let identical = 0;
  let decodeIdentical = 0;
  inputs.forEach((input, index) => {
    const [text, pair] = typeof input === "string" ? [input, null] : input;
    const ours = tokenizer.encode(text, pair);
    const t = theirs(text, { text_pair: pair, return_tensor: false });
    const fields = [
      ["input_ids", ours.inputIds, t.input_ids],
      ["token_type_ids", ours.tokenTypeIds, t.token_type_ids],
      ["attention_mask", ours.attentionMask, t.attention_mask],
    ] as const;
    let ok = true;
    for (const [what, o, x] of fields) {
      if (!same(o, x)) {
        ok = false;
        note({ index, input, what, ours: o, theirs: x });
      }
    }
    if (ok) identical++;
    if (checkDecode) {
      const ids = t.input_ids as number[];
      const plain = [tokenizer.decode(ids), theirs.decode(ids)];
      const skipped = [tokenizer.decode(ids, { skipSpecialTokens: true }), theirs.decode(ids, { skip_special_tokens: true })];
      if (plain[0] !== plain[1]) note({ index, input, what: "decode", ours: plain[0], theirs: plain[1] });
      if (skipped[0] !== skipped[1]) note({ index, input, what: "decode skipping special tokens", ours: skipped[0], theirs: skipped[1] });
      if (plain[0] === plain[1] && skipped[0] === skipped[1]) decodeIdentical++;
    }
  });

  // Batches: padding and pair layout. Left out: inputs with a known divergence (reported above),
  // and inputs longer than model_max_length, because transformers.js caps "pad to the longest" at
  // model_max_length (Python transformers pads to the longest row whatever its length).
  let batches = 0;
  let batchesIdentical = 0;
  let longerThanModel = 0;
  const fits = (input: string | TextPair): boolean => {
    const [text, pair] = typeof input === "string" ? [input, null] : input;
    const ok = tokenizer.encode(text, pair).inputIds.length <= tokenizer.config.modelMaxLength;
    if (!ok) longerThanModel++;
    return ok;
  };
  const usable = inputs.map((input, i) => [input, i] as const).filter(([input]) => knownDivergence(input) === null && fits(input));
  const singles = usable.filter(([input]) => typeof input === "string");
  const pairs = usable.filter(([input]) => typeof input !== "string");
  for (const group of [singles, pairs]) {
    for (let from = 0; from < group.length; from += batchSize) {
      const chunk = group.slice(from, from + batchSize);
      const ours = tokenizer.encodeBatch(chunk.map(([input]) => input), { padding: "longest" });
      const t =
        typeof chunk[0][0] === "string"
          ? theirs(chunk.map(([input]) => input as string), { padding: true, return_tensor: false })
          : theirs(chunk.map(([input]) => (input as TextPair)[0]), {
              text_pair: chunk.map(([input]) => (input as TextPair)[1]),
              padding: true,
              return_tensor: false,
            });
      batches++;
      const theirIds = t.input_ids as number[][];
      const theirMask = t.attention_mask as number[][];
      const theirTypes = t.token_type_ids as number[][];
      let ok = true;
      chunk.forEach(([input, index], row) => {
        const rowSame =
          same(ours.inputIds[row], theirIds[row]) && same(ours.attentionMask[row], theirMask[row]) && same(ours.tokenTypeIds[row], theirTypes[row]);
        if (!rowSame) {
          ok = false;
          note({ index, input, what: "batch", ours: ours.inputIds[row], theirs: theirIds[row] });
        }
      });
      if (ok) batchesIdentical++;
    }
  }
  return {
    compared: inputs.length,
    identical,
    decodeIdentical: checkDecode ? decodeIdentical : 0,
    batches,
    batchesIdentical,
    longerThanModelMaxLength: longerThanModel,
    mismatches,
    differing: [...differing].sort((x, y) => x - y),
  };
}
