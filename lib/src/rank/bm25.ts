/**
 * BM25 written by hand: an inverted index with postings, field weights (title boosted over
 * description), k1 and b, query-time top-k, and scoring of a given candidate pool (what an
 * offline evaluation does with a judged pool).
 *
 * Formula (BM25F, Robertson, Zaragoza and Taylor, "Simple BM25 extension to multiple weighted
 * fields", CIKM 2004). For a query term t and a document d with fields f:
 *
 *   tf~(t, d) = sum_f  w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)
 *   score(q, d) = sum over the distinct query terms t of  idf(t) * tf~(t, d) / (k1 + tf~(t, d))
 *
 * Each field's term frequency is length-normalised against that field's average length first,
 * then the weighted frequencies are added into one pseudo frequency, and only then saturated by
 * k1. This is BM25F, not a sum of per-field BM25 scores: a word found in both title and
 * description saturates once, as it would in one document.
 *
 * IDF is Lucene's (Robertson–Spärck Jones with +1 inside the log), never negative:
 *
 *   idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
 *
 * with N the number of documents and df(t) the documents that hold t in any field. (The classic
 * RSJ form ln((N - df + 0.5) / (df + 0.5)) goes negative for words in more than half the
 * documents, which would make a match count against a product.)
 *
 * Tokenisation: the project's keyword tokeniser (`keywordTokens`: lower case, accents folded,
 * split on anything that is not a letter or a digit, no stemming). Documents keep every token;
 * a query is reduced to its distinct keywords (`queryKeywords`: stop words dropped unless the
 * query is only stop words), so a repeated query word counts once.
 *
 * k1, b and the field weights are query-time parameters: the index stores raw term frequencies
 * and field lengths, so one index serves a whole grid of parameters (tuning needs no re-index).
 */
import { keywordTokens, queryKeywords } from "../data/keyword-match";

/** The parameters of the BM25F formula above. */
export interface Bm25Params {
  /** Term-frequency saturation (> 0 keeps frequency information; 0 makes every match count 1). Default 1.2. */
  readonly k1: number;
  /** Length normalisation in [0, 1], one number for every field or one per field name. Default 0.75. */
  readonly b: number | Readonly<Record<string, number>>;
  /** Weight of each field (>= 0); a field left out weighs 1. Default { title: 2, description: 1 }. */
  readonly fieldWeights: Readonly<Record<string, number>>;
}

export const DEFAULT_BM25_PARAMS: Bm25Params = { k1: 1.2, b: 0.75, fieldWeights: { title: 2, description: 1 } };

/** A document to index: an id and its text fields. */
export interface Bm25Document {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Text to tokens; the default is `keywordTokens`. */
export type Bm25Tokenizer = (text: string) => string[];

export interface Bm25IndexOptions {
  /** Field names, in order (default: the fields of the first document). Every document must have each as a string. */
  readonly fields?: readonly string[];
  /** Document tokeniser (default `keywordTokens`). */
  readonly tokenize?: Bm25Tokenizer;
  /** Query tokeniser, giving the distinct query terms (default `queryKeywords`). */
  readonly queryTerms?: Bm25Tokenizer;
  /** Parameters used when a call gives none (default `DEFAULT_BM25_PARAMS`). */
  readonly params?: Partial<Bm25Params>;
}

/** One term's postings: the documents holding it (ascending index) and, per field, how often. */
interface Postings {
  readonly docs: Int32Array;
  /** docs.length x fields, row-major: tf[i * F + f] is the frequency in field f of docs[i]. */
  readonly tf: Int32Array;
}

export interface Bm25Hit {
  readonly id: string;
  readonly score: number;
}

/** Parameters resolved against the index's fields: numbers per field index. */
interface Resolved {
  readonly k1: number;
  readonly weight: Float64Array;
  readonly b: Float64Array;
}

function checkParam(value: unknown, name: string, low: number, high: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < low || value > high) {
    throw new Error(`BM25: expected ${name} to be a number in [${low}, ${high === Infinity ? "inf" : high}], got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * An inverted index for BM25F over documents with named fields. Build once; score with any
 * parameters.
 */
export class Bm25Index {
  readonly fields: readonly string[];
  readonly size: number;
  readonly defaults: Bm25Params;
  private readonly ids: readonly string[];
  private readonly position = new Map<string, number>();
  private readonly postings = new Map<string, Postings>();
  /** size x fields, row-major: tokens in each field of each document. */
  private readonly lengths: Int32Array;
  private readonly averageLengths: Float64Array;
  private readonly queryTerms: Bm25Tokenizer;

  constructor(documents: readonly Bm25Document[], options: Bm25IndexOptions = {}) {
    if (!Array.isArray(documents) || documents.length === 0) throw new Error(`BM25: expected at least one document to index, got ${Array.isArray(documents) ? "none" : typeof documents}.`);
    const fields = options.fields ?? Object.keys(documents[0]?.fields ?? {});
    if (fields.length === 0) throw new Error("BM25: expected at least one text field (e.g. title, description); the first document has none.");
    const tokenize = options.tokenize ?? keywordTokens;
    this.queryTerms = options.queryTerms ?? queryKeywords;
    this.fields = [...fields];
    this.size = documents.length;
    this.ids = documents.map((d) => d.id);
    const F = fields.length;
    this.lengths = new Int32Array(this.size * F);
    const totals = new Float64Array(F);
    // Build with growable arrays, then freeze each term's postings into typed arrays.
    const building = new Map<string, { docs: number[]; tf: number[] }>();
    documents.forEach((doc, d) => {
      if (typeof doc?.id !== "string") throw new Error(`BM25: document ${d} has id ${JSON.stringify(doc?.id)}; expected a string.`);
      if (this.position.has(doc.id)) throw new Error(`BM25: document id "${doc.id}" appears twice (documents ${this.position.get(doc.id)} and ${d}).`);
      this.position.set(doc.id, d);
      const counts = new Map<string, Int32Array>();
      fields.forEach((field, f) => {
        const text = doc.fields?.[field];
        if (typeof text !== "string") throw new Error(`BM25: document "${doc.id}" has no text field "${field}" (got ${JSON.stringify(text)}); expected a string for each of ${fields.join(", ")}.`);
        const tokens = tokenize(text);
        this.lengths[d * F + f] = tokens.length;
        totals[f] += tokens.length;
        for (const token of tokens) {
          let c = counts.get(token);
          if (!c) counts.set(token, (c = new Int32Array(F)));
          c[f]++;
        }
      });
      for (const [term, c] of counts) {
        let p = building.get(term);
        if (!p) building.set(term, (p = { docs: [], tf: [] }));
        p.docs.push(d);
        for (let f = 0; f < F; f++) p.tf.push(c[f]);
      }
    });
    for (const [term, p] of building) this.postings.set(term, { docs: Int32Array.from(p.docs), tf: Int32Array.from(p.tf) });
    this.averageLengths = totals.map((t) => t / this.size);
    this.defaults = this.resolveDefaults(options.params);
  }

  private resolveDefaults(p: Partial<Bm25Params> | undefined): Bm25Params {
    const params = { ...DEFAULT_BM25_PARAMS, ...(p ?? {}) };
    this.resolve(params); // validates
    return params;
  }

  private resolve(params: Partial<Bm25Params> | undefined): Resolved {
    const p = { ...(this.defaults ?? DEFAULT_BM25_PARAMS), ...(params ?? {}) };
    const k1 = checkParam(p.k1, "k1", 0, Infinity);
    const F = this.fields.length;
    const weight = new Float64Array(F);
    const b = new Float64Array(F);
    for (const name of Object.keys(p.fieldWeights)) {
      if (!this.fields.includes(name)) throw new Error(`BM25: fieldWeights names "${name}", which is not an indexed field; expected some of ${this.fields.join(", ")}.`);
    }
    if (typeof p.b === "object" && p.b !== null) {
      for (const name of Object.keys(p.b)) if (!this.fields.includes(name)) throw new Error(`BM25: b names "${name}", which is not an indexed field; expected some of ${this.fields.join(", ")}.`);
    }
    this.fields.forEach((name, f) => {
      weight[f] = checkParam(p.fieldWeights[name] ?? 1, `fieldWeights.${name}`, 0, Infinity);
      b[f] = checkParam(typeof p.b === "number" ? p.b : (p.b[name] ?? DEFAULT_BM25_PARAMS.b), typeof p.b === "number" ? "b" : `b.${name}`, 0, 1);
    });
    return { k1, weight, b };
  }

  /** Lucene's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)); 0 for a term no document holds. */
  idf(term: string): number {
    const df = this.postings.get(term)?.docs.length ?? 0;
    if (df === 0) return 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** Documents holding `term` in any field. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** The distinct terms a query is scored on (after the query tokeniser). */
  terms(query: string): string[] {
    if (typeof query !== "string") throw new Error(`BM25: expected the query to be a string, got ${JSON.stringify(query)}.`);
    return [...new Set(this.queryTerms(query))];
  }

  /** One term's BM25F contribution for the posting at `i` of `postings` (document `d`). */
  private termScore(idf: number, postings: Postings, i: number, d: number, r: Resolved): number {
    const F = this.fields.length;
    let tf = 0;
    for (let f = 0; f < F; f++) {
      const raw = postings.tf[i * F + f];
      if (raw === 0 || r.weight[f] === 0) continue;
      const avg = this.averageLengths[f];
      const norm = avg > 0 ? 1 - r.b[f] + (r.b[f] * this.lengths[d * F + f]) / avg : 1;
      tf += (r.weight[f] * raw) / norm;
    }
    return tf === 0 ? 0 : (idf * tf) / (r.k1 + tf);
  }

  /**
   * The k best documents for `query`, highest score first; equal scores by id (ascending, by
   * UTF-16 code unit), so results are reproducible. Only documents matching some query term
   * are returned (so fewer than k when fewer match). Term-at-a-time accumulation over the
   * postings, then a bounded min-heap of size k: O(postings + matches log k).
   */
  search(query: string, k: number, params?: Partial<Bm25Params>): Bm25Hit[] {
    if (!Number.isInteger(k) || k < 0) throw new Error(`BM25 search: expected k to be an integer >= 0, got ${JSON.stringify(k)}.`);
    const r = this.resolve(params);
    const scores = new Float64Array(this.size);
    const touched: number[] = [];
    for (const term of this.terms(query)) {
      const postings = this.postings.get(term);
      if (!postings) continue;
      const idf = this.idf(term);
      for (let i = 0; i < postings.docs.length; i++) {
        const d = postings.docs[i];
        const s = this.termScore(idf, postings, i, d, r);
        if (s === 0) continue;
        if (scores[d] === 0) touched.push(d);
        scores[d] += s;
      }
    }
    if (k === 0) return [];
    const heap = new TopK(k, (a, b) => scores[a] - scores[b] || (this.ids[a] < this.ids[b] ? 1 : this.ids[a] > this.ids[b] ? -1 : 0));
    for (const d of touched) heap.offer(d);
    return heap.sorted().map((d) => ({ id: this.ids[d], score: scores[d] }));
  }

  /**
   * BM25F scores of the given documents (in the given order) for `query`: re-ranking a
   * candidate pool. Each term's postings are searched by binary search for each candidate.
   * An id that is not in the index is an error.
   */
  scorePool(query: string, ids: readonly string[], params?: Partial<Bm25Params>): number[] {
    const r = this.resolve(params);
    const docs = ids.map((id, i) => {
      const d = this.position.get(id);
      if (d === undefined) throw new Error(`BM25 scorePool: candidate ${i} ("${id}") is not in the index (${this.size} documents); index every candidate first.`);
      return d;
    });
    const out = new Array<number>(docs.length).fill(0);
    for (const term of this.terms(query)) {
      const postings = this.postings.get(term);
      if (!postings) continue;
      const idf = this.idf(term);
      docs.forEach((d, j) => {
        const i = findPosting(postings.docs, d);
        if (i >= 0) out[j] += this.termScore(idf, postings, i, d, r);
      });
    }
    return out;
  }

  /** Whether a document id is indexed. */
  has(id: string): boolean {
    return this.position.has(id);
  }
}

/** Index of document `d` in a sorted postings list, or -1. */
function findPosting(docs: Int32Array, d: number): number {
  let lo = 0;
  let hi = docs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = docs[mid];
    if (x === d) return mid;
    if (x < d) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Keeps the k largest items under `compare` (positive when a ranks above b) in a binary
 * min-heap: the root is the weakest kept item, replaced when a better one arrives.
 */
class TopK {
  private readonly heap: number[] = [];
  constructor(
    private readonly k: number,
    private readonly compare: (a: number, b: number) => number
  ) {}

  offer(x: number): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(x);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.compare(h[i], h[parent]) >= 0) break;
        [h[i], h[parent]] = [h[parent], h[i]];
        i = parent;
      }
    } else if (this.compare(x, h[0]) > 0) {
      h[0] = x;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let weakest = i;
      if (l < h.length && this.compare(h[l], h[weakest]) < 0) weakest = l;
      if (r < h.length && this.compare(h[r], h[weakest]) < 0) weakest = r;
      if (weakest === i) return;
      [h[i], h[weakest]] = [h[weakest], h[i]];
      i = weakest;
    }
  }

  /** The kept items, best first. */
  sorted(): number[] {
    return [...this.heap].sort((a, b) => this.compare(b, a));
  }
}

/** A BM25 index over products' titles and descriptions (the shop's records or any with those fields). */
export function productBm25Index(
  products: ReadonlyArray<{ readonly id: string; readonly title: string; readonly description: string }>,
  params?: Partial<Bm25Params>
): Bm25Index {
  return new Bm25Index(
    products.map((p) => ({ id: p.id, fields: { title: p.title, description: p.description } })),
    { fields: ["title", "description"], params }
  );
}
