/**
 * Spelling correction for search queries, the noisy-channel way (Kernighan, Church and Gale 1990;
 * Norvig's "How to write a spelling corrector"): for a typed word x, pick the vocabulary word w
 * that maximises
 *
 *   P(w | x, C)  ∝  P(w) * P(x | w) * prod over the query's other words c of P(c | w)
 *
 * - P(w), the language model: w's relative frequency in the shop's own text (product titles and
 *   descriptions, and the training queries), add-one smoothed: (count(w) + 1) / (total + V).
 * - P(x | w), the error model: `editProbability` (0.01) to the power of the edit distance between
 *   x and w, times `firstLetterPenalty` (0.1) when the first letters differ (people rarely get
 *   the first letter wrong; Yannakoudakis and Fawthrop 1983, and the shop's own typo generator
 *   keeps it).
 * - P(c | w), the context: the share of the documents holding w that also hold c, Dirichlet-
 *   smoothed towards c's document frequency (mu = `contextSmoothing`, 10); "bans" next to
 *   "resistance" becomes "bands", next to "rubber" "band". Naive Bayes: the words count apart.
 * - The word as typed competes too, as a real word the shop's text lacks: P = `novelWordProbability`
 *   (1e-8, chosen on the full shop's validation queries: it keeps "gamer" and "texting" while
 *   still fixing the typos), with its context at the background rate df(c) / N.
 *
 * A word already in the vocabulary is kept as typed (the corrector only fixes what it does not
 * know), and so are stop words ("the", "and": a catalog may not contain them, a query often
 * does), words shorter than `minLength` and words with a digit ("s5", "500").
 *
 * Distance: Damerau-Levenshtein in its restricted form, optimal string alignment (OSA): insert,
 * delete, substitute or swap two adjacent letters, each costing 1, no substring edited twice.
 * Candidates within `maxDistance` (default 2) come from a deletion neighbourhood (SymSpell,
 * Garbe 2012): every string made by deleting up to `maxDistance` letters from each vocabulary
 * word is indexed once; a typed word's own deletions are looked up there, which finds every word
 * within that distance (an insert, substitution or swap needs at most one deletion on each side
 * per edit) without comparing against the whole vocabulary; each hit is then verified with the
 * exact OSA distance.
 */
import { keywordTokens, STOP_WORDS } from "../data/keyword-match";

export interface SpellingOptions {
  /** Largest edit distance of a correction (1 or 2). Default 2. */
  readonly maxDistance?: number;
  /** Words shorter than this are never corrected (too many neighbours). Default 3. */
  readonly minLength?: number;
  /** Probability of one edit in the error model, P(x | w) = editProbability^distance. Default 0.01. */
  readonly editProbability?: number;
  /** Factor on P(x | w) when x and w start with different letters. Default 0.1. */
  readonly firstLetterPenalty?: number;
  /**
   * Weight of the context model (0 turns it off): each other word c of the query multiplies the
   * score by P(c | w)^contextWeight, the share of the documents holding w that also hold c
   * (Dirichlet-smoothed with `contextSmoothing`). Default 1.
   */
  readonly contextWeight?: number;
  /**
   * Probability that an unknown word is meant as typed (a real word the shop's text lacks). The
   * word is kept unless a candidate's score beats log(novelWordProbability) plus the context's
   * log-probability under the background model (each context word c at df(c) / N). 0 turns it
   * off (always correct when a candidate exists). Default 1e-8.
   */
  readonly novelWordProbability?: number;
  /** Dirichlet prior mass of the context model: P(c | w) = (co(w, c) + mu * df(c) / N) / (df(w) + mu). Default 10. */
  readonly contextSmoothing?: number;
}

export const DEFAULT_SPELLING_OPTIONS: Required<SpellingOptions> = { maxDistance: 2, minLength: 3, editProbability: 0.01, firstLetterPenalty: 0.1, contextWeight: 1, contextSmoothing: 10, novelWordProbability: 1e-8 };

/** A vocabulary word that could have been meant, with its noisy-channel log score. */
export interface SpellingCandidate {
  readonly word: string;
  readonly distance: number;
  /** How often the word occurs in the corrector's text. */
  readonly count: number;
  /** log P(w) + log P(x | w). */
  readonly score: number;
}

/** One word changed by `correct`. */
export interface SpellingChange {
  readonly from: string;
  readonly to: string;
  readonly distance: number;
}

export interface SpellingCorrection {
  readonly text: string;
  /** The text with each unknown word replaced by its best candidate (words with no candidate stay). */
  readonly corrected: string;
  readonly changes: readonly SpellingChange[];
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment). With `max`, returns
 * max + 1 as soon as the distance must exceed `max` (a row's minimum is above it).
 */
export function damerauLevenshtein(a: string, b: string, max = Infinity): number {
  if (typeof a !== "string" || typeof b !== "string") throw new Error(`damerauLevenshtein: expected two strings, got ${typeof a} and ${typeof b}.`);
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (n === 0 || m === 0) return Math.max(n, m); // within max: checked above
  let twoBack = new Array<number>(m + 1).fill(0);
  let previous = Array.from({ length: m + 1 }, (_, j) => j);
  let current = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, twoBack[j - 2] + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return previous[m] > max ? max + 1 : previous[m];
}

/** Every distinct string made by deleting up to `depth` characters of `word` (the word itself included). */
function deletions(word: string, depth: number): Set<string> {
  const out = new Set<string>([word]);
  let frontier = [word];
  for (let d = 0; d < depth; d++) {
    const next: string[] = [];
    for (const w of frontier) {
      for (let i = 0; i < w.length; i++) {
        const shorter = w.slice(0, i) + w.slice(i + 1);
        if (!out.has(shorter)) {
          out.add(shorter);
          next.push(shorter);
        }
      }
    }
    frontier = next;
  }
  return out;
}

function checkOption(value: number, name: string, low: number, high: number, integer = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < low || value > high || (integer && !Number.isInteger(value))) {
    throw new Error(`SpellingCorrector: expected ${name} to be ${integer ? "an integer" : "a number"} in [${low}, ${high}], got ${JSON.stringify(value)}.`);
  }
  return value;
}

const HAS_DIGIT = /[0-9]/;

/** Words on each side of a word that form its context in `correct`. */
const CONTEXT_WINDOW = 5;

/** Size of the intersection of two ascending lists. */
function intersectionSize(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      n++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return n;
}

/**
 * A noisy-channel spelling corrector over the words of a set of documents (see the module
 * comment). The documents give the word counts of P(w) and, for the context model, which words
 * occur together.
 */
export class SpellingCorrector {
  readonly options: Required<SpellingOptions>;
  /** Number of documents the vocabulary was read from. */
  readonly documents: number;
  private readonly words: readonly string[];
  private readonly counts: Float64Array;
  private readonly known = new Map<string, number>();
  /** Per word: the documents holding it, ascending. */
  private readonly postings: Int32Array[];
  /** Deletion string -> indices of the vocabulary words that produce it. */
  private readonly neighbourhood = new Map<string, number[]>();
  private readonly logTotal: number;
  /** Length of the longest vocabulary word: a longer typed word (by more than maxDistance) has no candidate. */
  private readonly longest: number;

  /** `documents`: each document's tokens (lower case, as `keywordTokens` gives them). */
  constructor(documents: Iterable<readonly string[]>, options: SpellingOptions = {}) {
    const o = { ...DEFAULT_SPELLING_OPTIONS, ...options };
    this.options = {
      maxDistance: checkOption(o.maxDistance, "maxDistance", 1, 2, true),
      minLength: checkOption(o.minLength, "minLength", 1, 100, true),
      editProbability: checkOption(o.editProbability, "editProbability", Number.MIN_VALUE, 1),
      firstLetterPenalty: checkOption(o.firstLetterPenalty, "firstLetterPenalty", Number.MIN_VALUE, 1),
      contextWeight: checkOption(o.contextWeight, "contextWeight", 0, 100),
      contextSmoothing: checkOption(o.contextSmoothing, "contextSmoothing", Number.MIN_VALUE, 1e12),
      novelWordProbability: checkOption(o.novelWordProbability, "novelWordProbability", 0, 1),
    };
    const words: string[] = [];
    const counts: number[] = [];
    const postings: number[][] = [];
    let d = 0;
    let total = 0;
    for (const tokens of documents) {
      if (!Array.isArray(tokens)) throw new Error(`SpellingCorrector: expected document ${d} to be an array of tokens, got ${JSON.stringify(tokens)}.`);
      for (const token of tokens) {
        if (typeof token !== "string" || token.length === 0) throw new Error(`SpellingCorrector: document ${d} has token ${JSON.stringify(token)}; expected non-empty strings.`);
        let i = this.known.get(token);
        if (i === undefined) {
          this.known.set(token, (i = words.length));
          words.push(token);
          counts.push(0);
          postings.push([]);
        }
        counts[i]++;
        total++;
        const list = postings[i];
        if (list[list.length - 1] !== d) list.push(d);
      }
      d++;
    }
    if (words.length === 0) throw new Error(`SpellingCorrector: expected documents with at least one word (the vocabulary), got ${d} documents and no word.`);
    this.documents = d;
    this.words = words;
    this.counts = Float64Array.from(counts);
    this.postings = postings.map((p) => Int32Array.from(p));
    this.logTotal = Math.log(total + words.length);
    this.longest = words.reduce((m, w) => Math.max(m, w.length), 0);
    words.forEach((word, i) => {
      // Never proposed: numbers and model codes are not misspelled words, and short words are never corrected either.
      if (HAS_DIGIT.test(word) || word.length < this.options.minLength) return;
      for (const key of deletions(word, this.options.maxDistance)) {
        const hits = this.neighbourhood.get(key);
        if (hits) hits.push(i);
        else this.neighbourhood.set(key, [i]);
      }
    });
  }

  /** A corrector whose documents are `texts`, each split by `keywordTokens`. */
  static fromTexts(texts: Iterable<string>, options: SpellingOptions = {}): SpellingCorrector {
    const documents: string[][] = [];
    for (const text of texts) {
      if (typeof text !== "string") throw new Error(`SpellingCorrector.fromTexts: expected text ${documents.length} to be a string, got ${JSON.stringify(text)}.`);
      documents.push(keywordTokens(text));
    }
    return new SpellingCorrector(documents, options);
  }

  /** Distinct vocabulary words. */
  get vocabularySize(): number {
    return this.words.length;
  }

  /** Whether `word` (lower case) is in the vocabulary. */
  has(word: string): boolean {
    return this.known.has(word);
  }

  /** Occurrences of `word` in the documents (0 when unknown). */
  count(word: string): number {
    const i = this.known.get(word);
    return i === undefined ? 0 : this.counts[i];
  }

  /** log P(c | w) summed over the context words (indices), Dirichlet-smoothed. */
  private contextScore(i: number, context: readonly number[]): number {
    const mu = this.options.contextSmoothing;
    const mine = this.postings[i];
    let s = 0;
    for (const c of context) {
      if (c === i) continue;
      const theirs = this.postings[c];
      s += Math.log((intersectionSize(mine, theirs) + (mu * theirs.length) / this.documents) / (mine.length + mu));
    }
    return s * this.options.contextWeight;
  }

  /**
   * Vocabulary words within `maxDistance` of `word` (lower case), best score first (ties: the
   * smaller distance, then the word). The word itself is a candidate at distance 0 when known.
   * `context`: the other words of the query (unknown ones are ignored).
   */
  candidates(word: string, options: { readonly limit?: number; readonly context?: readonly string[] } = {}): SpellingCandidate[] {
    if (typeof word !== "string") throw new Error(`SpellingCorrector.candidates: expected a word (string), got ${JSON.stringify(word)}.`);
    const max = this.options.maxDistance;
    if (word.length > this.longest + max) return []; // nothing that long in the vocabulary (and no deletion blow-up)
    const o = this.options;
    const context = this.options.contextWeight > 0 ? [...new Set(options.context ?? [])].flatMap((c) => (c === word || !this.known.has(c) ? [] : [this.known.get(c) as number])) : [];
    const seen = new Set<number>();
    const out: SpellingCandidate[] = [];
    for (const key of deletions(word, max)) {
      for (const i of this.neighbourhood.get(key) ?? []) {
        if (seen.has(i)) continue;
        seen.add(i);
        const w = this.words[i];
        const distance = damerauLevenshtein(word, w, max);
        if (distance > max) continue;
        let score = Math.log(this.counts[i] + 1) - this.logTotal + distance * Math.log(o.editProbability);
        if (w[0] !== word[0]) score += Math.log(o.firstLetterPenalty);
        score += this.contextScore(i, context);
        out.push({ word: w, distance, count: this.counts[i], score });
      }
    }
    out.sort((a, b) => b.score - a.score || a.distance - b.distance || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    return out.slice(0, options.limit ?? Infinity);
  }

  /** The word as corrected (kept when known, a stop word, short or numeric, or when no candidate is near); `context` as in `candidates`. */
  correctWord(word: string, context: readonly string[] = []): string {
    return this.correction(word.toLowerCase(), context)?.to ?? word;
  }

  private correction(lower: string, context: readonly string[]): { to: string; distance: number } | null {
    if (lower.length < this.options.minLength || lower.length > this.longest + this.options.maxDistance || HAS_DIGIT.test(lower) || this.known.has(lower) || STOP_WORDS.has(lower)) return null;
    const best = this.candidates(lower, { limit: 1, context })[0];
    if (!best) return null;
    const novel = this.options.novelWordProbability;
    if (novel > 0 && best.score < this.novelScore(lower, context)) return null;
    return { to: best.word, distance: best.distance };
  }

  /** log P(the word is meant as typed) + the context under the background model (df(c) / N per context word). */
  private novelScore(word: string, context: readonly string[]): number {
    let s = Math.log(this.options.novelWordProbability);
    if (this.options.contextWeight > 0) {
      for (const c of new Set(context)) {
        const i = c === word ? undefined : this.known.get(c);
        if (i !== undefined) s += this.options.contextWeight * Math.log(this.postings[i].length / this.documents);
      }
    }
    return s;
  }

  /**
   * Corrects every word of `text` (a word: a run of letters and digits, compared in lower case
   * with accents folded), each in the context of the query's other words as typed; everything
   * between words is kept as typed.
   */
  correct(text: string): SpellingCorrection {
    if (typeof text !== "string") throw new Error(`SpellingCorrector.correct: expected the query text to be a string, got ${JSON.stringify(text)}.`);
    const tokens = keywordTokens(text);
    const changes: SpellingChange[] = [];
    let at = 0; // position in `tokens` of the word being corrected
    const corrected = text.replace(/[\p{L}\p{N}]+/gu, (word) => {
      const folded = keywordTokens(word);
      const position = at;
      at += folded.length;
      // A word that folds into several tokens (rare accents) is left alone.
      if (folded.length !== 1) return word;
      // Context: the nearest CONTEXT_WINDOW words on each side, stop words left out (a 10,000-character query stays linear).
      const context = tokens.slice(Math.max(0, position - CONTEXT_WINDOW), position + CONTEXT_WINDOW + 1).filter((t, i) => i !== Math.min(position, CONTEXT_WINDOW) && !STOP_WORDS.has(t));
      const change = this.correction(folded[0], context);
      if (!change) return word;
      changes.push({ from: word, to: change.to, distance: change.distance });
      return change.to;
    });
    return { text, corrected, changes };
  }
}

/** The texts of a shop the corrector trusts: every product title and description, and the training queries. */
export interface SpellingSources {
  readonly products: ReadonlyArray<{ readonly title: string; readonly description: string }>;
  readonly queries: ReadonlyArray<{ readonly text: string; readonly split: string; readonly corrected: string | null }>;
}

/**
 * The shop's spelling corrector: vocabulary and counts from product titles and descriptions and
 * the training split's queries. A training query that was logged with a typo contributes its
 * corrected text (in a real shop: the query the shopper re-typed, or the one they clicked
 * through after "did you mean"), so that typos never enter the vocabulary. Validation and test
 * queries are never read.
 */
export function shopSpellingCorrector(shop: SpellingSources, options: SpellingOptions = {}): SpellingCorrector {
  const texts: string[] = [];
  for (const p of shop.products) texts.push(p.title, p.description);
  for (const q of shop.queries) if (q.split === "train") texts.push(q.corrected ?? q.text);
  return SpellingCorrector.fromTexts(texts, options);
}

/** Correction accuracy on one group of queries. */
export interface SpellingAccuracy {
  /** A query kind, or "all". */
  readonly kind: string;
  readonly queries: number;
  /** Queries whose corrected keyword tokens equal the intended ones (the typed ones for queries without a typo). */
  readonly exact: number;
  /** Queries the corrector changed. */
  readonly changed: number;
  /** exact / queries. */
  readonly accuracy: number;
}

/**
 * Spelling accuracy by query kind on one split: a misspelled query counts as right when its
 * corrected keyword tokens equal those of its `corrected` text; any other query counts as right
 * when it comes back unchanged (so `changed` on those kinds is the false-correction count).
 */
export function evaluateSpelling(corrector: SpellingCorrector, queries: ReadonlyArray<{ readonly text: string; readonly kind: string; readonly split: string; readonly corrected: string | null }>, split = "test"): SpellingAccuracy[] {
  const groups = new Map<string, { queries: number; exact: number; changed: number }>();
  const add = (kind: string, exact: boolean, changed: boolean): void => {
    const g = groups.get(kind) ?? { queries: 0, exact: 0, changed: 0 };
    g.queries++;
    if (exact) g.exact++;
    if (changed) g.changed++;
    groups.set(kind, g);
  };
  for (const q of queries) {
    if (q.split !== split) continue;
    const c = corrector.correct(q.text);
    const exact = keywordTokens(c.corrected).join(" ") === keywordTokens(q.corrected ?? q.text).join(" ");
    add("all", exact, c.changes.length > 0);
    add(q.kind, exact, c.changes.length > 0);
  }
  if (groups.size === 0) throw new Error(`evaluateSpelling: no query in split "${split}".`);
  return [...groups].map(([kind, g]) => ({ kind, ...g, accuracy: g.exact / g.queries })).sort((a, b) => (a.kind === "all" ? -1 : b.kind === "all" ? 1 : a.kind < b.kind ? -1 : 1));
}
