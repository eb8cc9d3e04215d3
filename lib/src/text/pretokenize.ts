/**
 * Pre-tokenization: cutting normalised text into words before WordPiece sees it, as BERT's
 * `BertPreTokenizer` does: split on whitespace, and make every punctuation character a word of
 * its own ("usb-c" -> "usb", "-", "c"). Also the split of raw text around special tokens such
 * as "[MASK]", which happens before normalisation so that they survive lowercasing.
 */

/**
 * BERT's punctuation: Unicode category P plus every ASCII symbol that is not a letter, digit or
 * space ("$", "+", "<", "=", ">", "^", "`", "|", "~" are symbols in Unicode, punctuation for BERT).
 */
const PUNCTUATION_CLASS = "\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E";
const WORD_OR_PUNCTUATION = new RegExp(`[^\\s${PUNCTUATION_CLASS}]+|[${PUNCTUATION_CLASS}]`, "gu");
const ONE_PUNCTUATION = new RegExp(`^[${PUNCTUATION_CLASS}]$`, "u");

/** True for a single character (code point) that BERT treats as punctuation. */
export function isBertPunctuation(char: string): boolean {
  return ONE_PUNCTUATION.test(char);
}

/** Words and single punctuation marks of a normalised text, in order. */
export function preTokenize(normalized: string): string[] {
  return normalized.trim().match(WORD_OR_PUNCTUATION) ?? [];
}

/** A stretch of raw text: either ordinary text or exactly one special token. */
export interface TextSection {
  readonly text: string;
  readonly special: boolean;
}

/**
 * Cuts raw text around special tokens (leftmost, then longest match), the way Hugging Face's
 * added-token splitter does: "a [MASK] b" -> "a ", "[MASK]", " b".
 */
export function splitOnSpecialTokens(text: string, specialTokens: readonly string[]): TextSection[] {
  const tokens = specialTokens.filter((t) => t.length > 0);
  if (tokens.length === 0 || text.length === 0) return text.length === 0 ? [] : [{ text, special: false }];
  const byLength = [...tokens].sort((x, y) => y.length - x.length);
  const firstChars = new Set(byLength.map((t) => t[0]));
  const sections: TextSection[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    let match: string | undefined;
    if (firstChars.has(text[i])) match = byLength.find((t) => text.startsWith(t, i));
    if (match === undefined) {
      i++;
      continue;
    }
    if (i > start) sections.push({ text: text.slice(start, i), special: false });
    sections.push({ text: match, special: true });
    i += match.length;
    start = i;
  }
  if (start < text.length) sections.push({ text: text.slice(start), special: false });
  return sections;
}
