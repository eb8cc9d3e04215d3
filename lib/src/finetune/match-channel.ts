/**
 * The lexical match channel of a cross-encoder. A small encoder fine-tuned on a few thousand
 * judged pairs does not learn, from [CLS] query [SEP] product [SEP] alone, which query words the
 * product repeats: that is what keyword search and BM25 rank by, and chapter 2's plain
 * cross-encoder stays near a random order. The channel tells it directly, through the segment
 * embeddings every token already gets: besides "query" (0) and "product" (1), a query word that
 * the product also contains is type 2, and a product word that the query contains is type 3
 * (the exact-match feature of reading-comprehension models, given to a pair classifier).
 *
 * Words are the tokenizer's words (pieces joined), compared after lower-casing and folding a
 * plural "s" ("lights" matches "light"); stop words and punctuation never match. The two new
 * rows of the segment table start as copies of rows 0 and 1, so before training the model is
 * exactly the pretrained one; full fine-tuning learns them (the other methods freeze the table).
 */
import type { TokenEncoding } from "../text/encoding";
import { STOP_WORDS } from "../data/keyword-match";
import { Encoder } from "../model/encoder";
import type { WeightValue } from "../model/parameters";

/** Segment types with the channel: query, product, matched query word, matched product word. */
export const MATCH_TYPE_VOCAB = 4;
/** The segment embedding table the channel extends. */
export const TYPE_TABLE = "embeddings.token_type_embeddings";

/** A word as the channel compares it, or null when it never matches (stop words, punctuation). */
export function matchKey(word: string): string | null {
  let w = word.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  if (!/[a-z0-9]/.test(w) || STOP_WORDS.has(w)) return null;
  if (/^[a-z]+$/.test(w) && w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  return w;
}

/** Each text's words (pieces joined, by word index) of an encoding. */
function wordsOf(encoding: TokenEncoding, sequence: 0 | 1): Map<number, string> {
  const words = new Map<number, string>();
  encoding.tokens.forEach((token, i) => {
    const w = encoding.wordIds[i];
    if (encoding.sequenceIds[i] !== sequence || w === null) return;
    words.set(w, (words.get(w) ?? "") + (token.startsWith("##") ? token.slice(2) : token));
  });
  return words;
}

/**
 * Segment ids of a pair's encoding with the channel: 0/1 as the tokenizer gives them, plus 2 for
 * every piece of a word that the other text also contains. A single text (no pair) is unchanged.
 */
export function matchTokenTypes(encoding: TokenEncoding): Int32Array {
  const types = Int32Array.from(encoding.tokenTypeIds);
  if (!encoding.sequenceIds.includes(1)) return types;
  const words = [wordsOf(encoding, 0), wordsOf(encoding, 1)];
  const keys = words.map((m) => new Map([...m].map(([w, text]) => [w, matchKey(text)])));
  const present = keys.map((m) => new Set([...m.values()].filter((k): k is string => k !== null)));
  encoding.tokens.forEach((_, i) => {
    const sequence = encoding.sequenceIds[i];
    const w = encoding.wordIds[i];
    if (sequence === null || w === null) return;
    const key = keys[sequence].get(w);
    if (key && present[1 - sequence].has(key)) types[i] += 2;
  });
  return types;
}

/** Whether an encoder has the channel's segment rows. */
export function hasMatchChannel(encoder: { readonly config: { readonly typeVocabSize: number } }): boolean {
  return encoder.config.typeVocabSize === MATCH_TYPE_VOCAB;
}

/**
 * The same encoder with the channel's two segment rows added (copies of rows 0 and 1): its
 * outputs are unchanged until they train. Frees `encoder`.
 */
export function withMatchChannel(encoder: Encoder): Encoder {
  if (hasMatchChannel(encoder)) return encoder;
  if (encoder.config.typeVocabSize !== 2) throw new Error(`withMatchChannel: the encoder has ${encoder.config.typeVocabSize} segment types; the channel extends a pair encoder's 2.`);
  const weights = encoder.params.snapshot();
  const table = weights.get(TYPE_TABLE) as WeightValue;
  const d = table.shape[1];
  const values = new Float32Array(MATCH_TYPE_VOCAB * d);
  values.set(table.values.subarray(0, 2 * d), 0);
  values.set(table.values.subarray(0, 2 * d), 2 * d);
  weights.set(TYPE_TABLE, { shape: [MATCH_TYPE_VOCAB, d], values });
  const extended = Encoder.create({ ...encoder.config, typeVocabSize: MATCH_TYPE_VOCAB }, 0);
  try {
    extended.params.load(weights, { source: "withMatchChannel" });
  } catch (error) {
    extended.dispose();
    throw error;
  }
  encoder.dispose();
  return extended;
}
