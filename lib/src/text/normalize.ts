/**
 * Text normalisation before tokenization: BERT's "BasicTokenizer" cleaning, preceded by Unicode
 * NFKC, so that the course tokenizer and Hugging Face's `BertNormalizer` (the `tokenizer.json`
 * normalizer that transformers.js and the Rust library run) turn the same text into the same string.
 *
 * The steps, in order (each can be switched off):
 * 1. NFKC: compatibility forms become plain ones (full-width "ＵＳＢ　３．０" -> "USB 3.0", "ﬁ" -> "fi",
 *    "m²" -> "m2"), which product text from Asian marketplaces and PDFs is full of.
 * 2. clean: drop NUL, U+FFFD and control/format/private-use/surrogate characters (Unicode
 *    categories Cc, Cf, Co, Cs, except tab, newline and carriage return), turn every other
 *    whitespace into a plain space.
 * 3. CJK: put spaces around each CJK ideograph, so Chinese text splits one character per word
 *    (Chinese has no spaces; BERT's vocabularies hold single ideographs). Japanese kana and Korean
 *    Hangul are not ideographs and stay in runs, as in BERT.
 * 4. lowercase (JavaScript's `toLowerCase`, the function transformers.js uses). This is
 *    lowercasing, not full Unicode case folding ("ß" stays "ß" rather than becoming "ss"), so that
 *    the ids match the ones transformers.js computes from the saved tokenizer.json.
 * 5. strip accents: decompose (NFD) and drop non-spacing marks (category Mn): "Café" -> "cafe".
 *    As in BERT uncased, this happens whenever lowercasing does unless told otherwise; a side
 *    effect worth knowing is that Korean syllables come out as their separate jamo letters.
 */

export interface NormalizerOptions {
  /** Unicode normalisation applied before everything else. */
  readonly unicodeForm: "NFKC" | "none";
  /** Remove control characters and map all whitespace to a plain space. */
  readonly cleanText: boolean;
  /** Surround CJK ideographs with spaces (one ideograph per word). */
  readonly handleChineseChars: boolean;
  readonly lowercase: boolean;
  /** Remove accents; null follows `lowercase` (BERT's rule: uncased models strip accents). */
  readonly stripAccents: boolean | null;
}

/** BERT uncased (clean, split CJK, lowercase, strip accents) after NFKC: the course default. */
export const DEFAULT_NORMALIZER: NormalizerOptions = Object.freeze({
  unicodeForm: "NFKC",
  cleanText: true,
  handleChineseChars: true,
  lowercase: true,
  stripAccents: null,
});

// Cc, Cf, Co and Cs (lone surrogates too: the `u` flag matches them as code points) and U+FFFD.
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/gu;
const WHITESPACE = /\s/g;

/** BERT's text cleaning: drops control characters, maps tab/newline/any whitespace to " ". */
export function cleanText(text: string): string {
  return text
    .replace(CONTROL, (c) => (c === "\t" || c === "\n" || c === "\r" ? " " : ""))
    .replace(WHITESPACE, " ");
}

/**
 * The CJK Unified Ideographs blocks BERT treats as one-character words (its `_is_chinese_char`):
 * the main block, extensions A to F and the compatibility ideographs.
 */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const CJK =
  /[\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}]/gu;
const CJK_TEST = new RegExp(CJK.source, "u");

/** True when the text holds at least one CJK ideograph. */
export function hasCjk(text: string): boolean {
  return CJK_TEST.test(text);
}

/** Spaces around every CJK ideograph ("蓝牙耳机" -> " 蓝  牙  耳  机 "). */
export function padCjkChars(text: string): string {
  return text.replace(CJK, " $& ");
}

const NON_SPACING_MARK = /\p{Mn}/gu;

/** Canonical decomposition, then non-spacing marks removed: "Crème brûlée" -> "Creme brulee". */
export function stripAccents(text: string): string {
  return text.normalize("NFD").replace(NON_SPACING_MARK, "");
}

/** The whole normalisation, in the order transformers.js's BertNormalizer applies it. */
export function normalizeText(text: string, options: NormalizerOptions = DEFAULT_NORMALIZER): string {
  let out = options.unicodeForm === "NFKC" ? text.normalize("NFKC") : text;
  if (options.cleanText) out = cleanText(out);
  if (options.handleChineseChars) out = padCjkChars(out);
  if (options.lowercase) out = out.toLowerCase();
  if (options.stripAccents ?? options.lowercase) out = stripAccents(out);
  return out;
}

/** Checks a NormalizerOptions value read from outside (a file, a notebook cell). */
export function checkNormalizerOptions(options: NormalizerOptions, source = "normalizer options"): NormalizerOptions {
  if (options.unicodeForm !== "NFKC" && options.unicodeForm !== "none") {
    throw new Error(`${source}: expected unicodeForm "NFKC" or "none", found ${JSON.stringify(options.unicodeForm)}.`);
  }
  for (const key of ["cleanText", "handleChineseChars", "lowercase"] as const) {
    if (typeof options[key] !== "boolean") {
      throw new Error(`${source}: expected ${key} to be true or false, found ${JSON.stringify(options[key])}.`);
    }
  }
  if (options.stripAccents !== null && typeof options.stripAccents !== "boolean") {
    throw new Error(`${source}: expected stripAccents true, false or null, found ${JSON.stringify(options.stripAccents)}.`);
  }
  return options;
}
