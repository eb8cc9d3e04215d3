/**
 * Ranking metrics, per query and averaged over queries: precision@k, recall@k, R-precision,
 * average precision (MAP), reciprocal rank (MRR), hit rate, and (N)DCG with linear or
 * exponential gain.
 *
 * Conventions (trec_eval's unless said otherwise, so that results cross-check with it):
 * - A ranking is either a list of `{docId, score}` (ordered here by the tie rule below) or a
 *   plain list of document ids, already in rank order (no ties possible).
 * - Ties: `ties: "trec"` (the default) orders equal scores by document id, *descending*
 *   (trec_eval's `comp_sim_docno`; ids compared by Unicode code point, which is `strcmp` on
 *   UTF-8). `ties: "average"` instead reports the expected value of the metric over every
 *   order of the tied documents (McSherry and Najork, ECIR 2008, "Computing information
 *   retrieval performance measures efficiently in the presence of tied scores"); for DCG
 *   this is scikit-learn's `ndcg_score` (tied documents share their average gain).
 * - A document is relevant when its grade is >= `relevanceThreshold` (default 1, trec_eval's
 *   `-l`). Documents the judgments do not mention are non-relevant and are counted as
 *   `unjudged` by `evaluateRun` (never an error).
 * - Grades must lie in the declared `scale` (default [0, +inf)): a grade outside it is an
 *   error, because it usually means a wrong column or a wrong label mapping.
 * - Cutoffs: k is an integer >= 1. precision@k divides by k even when fewer than k documents
 *   were retrieved (the missing ranks count as non-relevant). Recall, AP and R-precision
 *   divide by R, the number of relevant documents judged for the query (retrieved or not);
 *   AP@k keeps R as its denominator (trec_eval's `map_cut`). Metrics whose k is optional use
 *   the whole ranking when it is left out.
 * - NDCG: DCG@k = sum over ranks i = 1..k of gain_i / log2(i + 1); linear gain is the grade
 *   (trec_eval's `ndcg_cut`), exponential gain is 2^grade - 1 (Burges et al. 2005); negative
 *   grades (if the scale allows them) give gain 0. The ideal DCG is built from *all* judged
 *   documents of the query, not only the retrieved ones.
 * - A query without any relevant (or positive-gain) document scores 0 on recall, R-precision,
 *   AP, RR, hit and NDCG (trec_eval and scikit-learn both do so); `evaluateRun` lists such
 *   queries in `withoutRelevant` so they can be spotted or filtered.
 * - Parameters are checked and never coerced (./validate.ts): k, relevanceThreshold and the
 *   scale's ends must be numbers ("10" is an error). Empty input: a ranking that retrieves
 *   nothing scores 0 (it is one query's result, not a collection to average); `evaluateRun`
 *   with no query in both the run and the qrels is an error.
 * - Scale: every function is a loop over the ranking (a ranked list of a million documents,
 *   or a run of 10,000 queries x 100 documents, is fine); nothing spreads an array into a call.
 */
import { checkChoice, shown } from "./validate";

export interface ScoredDoc {
  readonly docId: string;
  readonly score: number;
}

/** One query's results: scored documents (ordered by the tie rule) or ids already in rank order. */
export type Ranking = readonly ScoredDoc[] | readonly string[];

/** One query's judgments: document id to relevance grade. */
export type Judgments = ReadonlyMap<string, number> | { readonly [docId: string]: number };

/** A run: query id to that query's ranking. */
export type Run = ReadonlyMap<string, Ranking> | { readonly [queryId: string]: Ranking };

/** Relevance judgments: query id to that query's judgments. */
export type Qrels = ReadonlyMap<string, Judgments> | { readonly [queryId: string]: Judgments };

export type TieRule = "trec" | "average";
export type Gain = "linear" | "exponential";

/** The grades a judgment may take, both ends included. */
export interface GradeScale {
  readonly min: number;
  readonly max: number;
}

export interface RankingOptions {
  /** How equal scores are ordered; see the module comment. Default "trec". */
  readonly ties?: TieRule;
  /** The lowest grade that counts as relevant for binary metrics. Default 1. */
  readonly relevanceThreshold?: number;
  /** The grades judgments may take. Default [0, +inf). */
  readonly scale?: GradeScale;
}

export interface GainOptions extends RankingOptions {
  /** "linear" (gain = grade, trec_eval) or "exponential" (2^grade - 1). Default "linear". */
  readonly gain?: Gain;
}

const DEFAULT_SCALE: GradeScale = { min: 0, max: Infinity };

// ---------------------------------------------------------------------------------------------
// Small helpers shared with the other evaluation modules.

/** Entries of a Map or of a plain record, uniformly. */
export function entriesOf<V>(collection: ReadonlyMap<string, V> | { readonly [key: string]: V }): [string, V][] {
  if (isMap(collection)) return Array.from(collection.entries());
  return Object.entries(collection) as [string, V][];
}

function isMap<V>(x: ReadonlyMap<string, V> | { readonly [key: string]: V }): x is ReadonlyMap<string, V> {
  return x instanceof Map || (typeof (x as ReadonlyMap<string, V>).get === "function" && typeof (x as ReadonlyMap<string, V>).has === "function");
}

function lookup<V>(collection: ReadonlyMap<string, V> | { readonly [key: string]: V }, key: string): V | undefined {
  if (isMap(collection)) return collection.get(key);
  return Object.prototype.hasOwnProperty.call(collection, key) ? collection[key] : undefined;
}

/**
 * Compares strings by Unicode code point (the order `strcmp` gives on UTF-8, which is what
 * trec_eval uses); JavaScript's `<` compares UTF-16 code units, which differs for characters
 * beyond U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Move surrogates above U+E000..U+FFFF so that code-unit order becomes code-point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function checkCutoff(k: number | undefined, where: string, optional: boolean): number {
  if (k === undefined || (optional && k === Infinity)) {
    if (!optional) throw new Error(`${where}: a cutoff k is required.`);
    return Infinity;
  }
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) throw new Error(`${where}: expected a cutoff k that is an integer >= 1, got ${shown(k)}.`);
  return k;
}

function gainOf(grade: number, gain: Gain): number {
  const g = grade > 0 ? grade : 0;
  return gain === "exponential" ? Math.pow(2, g) - 1 : g;
}

function discount(index0: number): number {
  return 1 / Math.log2(index0 + 2);
}

// ---------------------------------------------------------------------------------------------
// Ordering and tie blocks.

/** The scored documents in trec_eval's order: score descending, then document id descending. */
export function orderRanking(ranking: Ranking, where = "orderRanking"): ScoredDoc[] {
  const o = ordered(ranking, where);
  const out: ScoredDoc[] = new Array(o.ids.length);
  for (let i = 0; i < o.ids.length; i++) out[i] = { docId: o.ids[i], score: o.scores[i] };
  return out;
}

/** Document ids and scores in trec order, checked (columns: no object per document). */
function ordered(ranking: Ranking, where: string): { ids: string[]; scores: Float64Array } {
  if (!Array.isArray(ranking)) throw new Error(`${where}: expected a ranking (an array), got ${shown(ranking)}.`);
  const n = ranking.length;
  const ids: string[] = new Array(n);
  const scores = new Float64Array(n);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const item = ranking[i] as ScoredDoc | string;
    const docId = typeof item === "string" ? item : item?.docId;
    const score = typeof item === "string" ? n - i : item?.score;
    if (typeof docId !== "string") throw new Error(`${where}: entry ${i} has docId ${shown(docId)}; expected a string.`);
    if (typeof score !== "number" || Number.isNaN(score)) {
      throw new Error(`${where}: document "${docId}" (entry ${i}) has score ${String(score)}; expected a number that is not NaN.`);
    }
    if (seen.has(docId)) throw new Error(`${where}: document "${docId}" appears twice in the ranking (entry ${i}).`);
    seen.add(docId);
    ids[i] = docId;
    scores[i] = score;
  }
  const before = (a: number, b: number) => (scores[a] > scores[b] ? -1 : scores[a] < scores[b] ? 1 : compareCodePoints(ids[b], ids[a]));
  // Runs usually arrive in order (and id lists always do): check in one pass before sorting.
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (before(i - 1, i) > 0) sorted = false;
  if (sorted) return { ids, scores };
  const order = mergeSortIndices(n, before);
  const sortedIds: string[] = new Array(n);
  const sortedScores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sortedIds[i] = ids[order[i]];
    sortedScores[i] = scores[order[i]];
  }
  return { ids: sortedIds, scores: sortedScores };
}

/**
 * The indices 0..n-1 sorted by `before`: a bottom-up merge sort on Int32Arrays (stable, no
 * recursion, no comparator call through Array.prototype.sort's generic path), with insertion
 * sort on runs of 16. About twice as fast as Array.prototype.sort on the per-query lists of a run.
 */
function mergeSortIndices(n: number, before: (a: number, b: number) => number): Int32Array {
  let src = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = src[i];
      let j = i - 1;
      while (j >= lo && before(src[j], x) > 0) {
        src[j + 1] = src[j];
        j--;
      }
      src[j + 1] = x;
    }
  }
  if (n <= RUN) return src;
  let dst = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) dst[k++] = before(src[j], src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/**
 * What every metric needs about one query: the grade at each rank and the blocks of ranks whose
 * order is uncertain (tied scores under "average"; one rank per block under "trec"), as
 * typed-array columns so that a million documents make no million small objects.
 */
interface Prepared {
  readonly nBlocks: number;
  /** 0-based rank where block b starts; blockStart[nBlocks] = retrieved. */
  readonly blockStart: Int32Array;
  /** Documents in block b with grade >= the relevance threshold. */
  readonly blockRelevant: Int32Array;
  /** Grade at each rank (0 for unjudged documents). */
  readonly grades: Float64Array;
  readonly retrieved: number;
  /** R: judged documents with grade >= threshold. */
  readonly numRelevant: number;
  /** Grades of every judged document (for the ideal DCG). */
  readonly judgedGrades: Float64Array;
  readonly unjudged: number;
}

/** The judgments as a Map, every grade checked against the scale. */
function checkedJudgments(judgments: Judgments, scale: GradeScale, where: string): ReadonlyMap<string, number> {
  if (judgments === null || typeof judgments !== "object") throw new Error(`${where}: expected judgments (docId -> grade), got ${shown(judgments)}.`);
  const check = (grade: unknown, docId: string): number => {
    if (typeof grade !== "number" || !Number.isFinite(grade)) {
      throw new Error(`${where}: document "${docId}" has grade ${String(grade)}; expected a finite number.`);
    }
    if (grade < scale.min || grade > scale.max) {
      throw new Error(`${where}: document "${docId}" has grade ${grade}, outside the declared scale [${scale.min}, ${scale.max}] (pass options.scale to declare another).`);
    }
    return grade;
  };
  if (judgments instanceof Map) {
    // Checked in place: no copy per query.
    judgments.forEach((grade, docId) => check(grade, docId));
    return judgments as ReadonlyMap<string, number>;
  }
  const out = new Map<string, number>();
  for (const [docId, grade] of entriesOf(judgments)) out.set(docId, check(grade, docId));
  return out;
}

function prepare(ranking: Ranking, judgments: Judgments, options: RankingOptions, where: string): Prepared {
  if (options === null || typeof options !== "object") throw new Error(`${where}: options must be an object, got ${shown(options)}.`);
  const ties = checkChoice(where, "ties", options.ties, ["trec", "average"], "trec");
  const scale = options.scale ?? DEFAULT_SCALE;
  if (typeof scale !== "object" || typeof scale.min !== "number" || typeof scale.max !== "number" || !(scale.min <= scale.max)) {
    throw new Error(`${where}: scale must be { min, max } with numbers min <= max, got [${shown(scale?.min)}, ${shown(scale?.max)}].`);
  }
  const threshold = options.relevanceThreshold ?? 1;
  if (typeof threshold !== "number" || !Number.isFinite(threshold)) throw new Error(`${where}: relevanceThreshold must be a finite number, got ${shown(threshold)}.`);

  const judged = checkedJudgments(judgments, scale, where);
  const { ids, scores } = ordered(ranking, where);
  const n = ids.length;
  const grades = new Float64Array(n);
  const blockStart = new Int32Array(n + 1);
  const blockRelevant = new Int32Array(n);
  let nBlocks = 0;
  let unjudged = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    if (ties === "average") while (j < n && scores[j] === scores[i]) j++;
    let relevant = 0;
    for (let t = i; t < j; t++) {
      const grade = judged.get(ids[t]);
      if (grade === undefined) unjudged++;
      else {
        grades[t] = grade;
        if (grade >= threshold) relevant++;
      }
    }
    blockStart[nBlocks] = i;
    blockRelevant[nBlocks] = relevant;
    nBlocks++;
    i = j;
  }
  blockStart[nBlocks] = n;
  let numRelevant = 0;
  const judgedGrades = new Float64Array(judged.size);
  let g = 0;
  for (const grade of judged.values()) {
    judgedGrades[g++] = grade;
    if (grade >= threshold) numRelevant++;
  }
  return { nBlocks, blockStart, blockRelevant, grades, retrieved: n, numRelevant, judgedGrades, unjudged };
}

// ---------------------------------------------------------------------------------------------
// Metrics on prepared blocks. Under "trec" every block has size 1 and the expectations below
// reduce to the usual definitions.

/** Expected number of relevant documents in the top k. */
function relevantInTop(p: Prepared, k: number): number {
  let count = 0;
  for (let b = 0; b < p.nBlocks; b++) {
    const start = p.blockStart[b];
    if (start >= k) break;
    const size = p.blockStart[b + 1] - start;
    const inside = Math.min(size, k - start);
    count += inside === size ? p.blockRelevant[b] : (inside * p.blockRelevant[b]) / size;
  }
  return count;
}

function precisionOf(p: Prepared, k: number): number {
  return relevantInTop(p, k) / k;
}

function recallOf(p: Prepared, k: number): number {
  return p.numRelevant === 0 ? 0 : relevantInTop(p, k) / p.numRelevant;
}

function rPrecisionOf(p: Prepared): number {
  return p.numRelevant === 0 ? 0 : relevantInTop(p, p.numRelevant) / p.numRelevant;
}

function hitOf(p: Prepared, k: number): number {
  for (let b = 0; b < p.nBlocks; b++) {
    const start = p.blockStart[b];
    if (start >= k) break;
    const relevant = p.blockRelevant[b];
    if (relevant === 0) continue;
    const size = p.blockStart[b + 1] - start;
    const slots = Math.min(size, k - start);
    if (slots === size) return 1;
    // P(no relevant document among `slots` drawn from the block without replacement)
    let none = 1;
    for (let t = 0; t < slots; t++) none *= (size - relevant - t) / (size - t);
    return 1 - Math.max(none, 0);
  }
  return 0;
}

function reciprocalRankOf(p: Prepared, k: number): number {
  for (let b = 0; b < p.nBlocks; b++) {
    const start = p.blockStart[b];
    if (start >= k) break;
    const r = p.blockRelevant[b];
    if (r === 0) continue;
    // X = offset of the first relevant document inside the block; P(X = 0) = r / n and
    // P(X = j + 1) / P(X = j) = (n - r - j) / (n - 1 - j).
    const n = p.blockStart[b + 1] - start;
    let prob = r / n;
    let expected = 0;
    for (let x = 0; x <= n - r; x++) {
      if (start + x >= k) break;
      expected += prob / (start + x + 1);
      prob *= (n - r - x) / (n - 1 - x);
    }
    return expected;
  }
  return 0;
}

function averagePrecisionOf(p: Prepared, k: number): number {
  if (p.numRelevant === 0) return 0;
  let sum = 0;
  let before = 0; // relevant documents in earlier blocks
  for (let b = 0; b < p.nBlocks; b++) {
    const start = p.blockStart[b];
    if (start >= k) break;
    const r = p.blockRelevant[b];
    if (r > 0) {
      const n = p.blockStart[b + 1] - start;
      const pRel = r / n;
      const pPair = n > 1 ? (r * (r - 1)) / (n * (n - 1)) : 0;
      const end = Math.min(start + n, k);
      // E[rel_i * (#relevant at ranks <= i)] / i, for each rank i of the block.
      for (let i = start; i < end; i++) sum += (pRel * (1 + before) + (i - start) * pPair) / (i + 1);
    }
    before += r;
  }
  return sum / p.numRelevant;
}

function dcgOf(p: Prepared, k: number, gain: Gain): number {
  let dcg = 0;
  for (let b = 0; b < p.nBlocks; b++) {
    const start = p.blockStart[b];
    if (start >= k) break;
    const stop = p.blockStart[b + 1];
    let gainSum = 0;
    for (let t = start; t < stop; t++) gainSum += gainOf(p.grades[t], gain);
    if (gainSum === 0) continue;
    let discounts = 0;
    const end = Math.min(stop, k);
    for (let i = start; i < end; i++) discounts += discount(i);
    dcg += (gainSum / (stop - start)) * discounts;
  }
  return dcg;
}

function idealDcgOf(p: Prepared, k: number, gain: Gain): number {
  const gains = new Float64Array(p.judgedGrades.length);
  let m = 0;
  for (let i = 0; i < p.judgedGrades.length; i++) {
    const g = gainOf(p.judgedGrades[i], gain);
    if (g > 0) gains[m++] = g;
  }
  const positive = gains.subarray(0, m).sort(); // ascending; read from the end for descending
  let ideal = 0;
  const end = Math.min(m, k);
  for (let i = 0; i < end; i++) ideal += positive[m - 1 - i] * discount(i);
  return ideal;
}

function ndcgOf(p: Prepared, k: number, gain: Gain): number {
  const ideal = idealDcgOf(p, k, gain);
  return ideal > 0 ? dcgOf(p, k, gain) / ideal : 0;
}

function checkGain(gain: Gain | undefined, where: string): Gain {
  return checkChoice(where, "gain", gain, ["linear", "exponential"], "linear");
}

// ---------------------------------------------------------------------------------------------
// Per-query metrics (public).

/** Precision@k: relevant documents in the top k, divided by k (even if fewer than k were retrieved). */
export function precisionAtK(ranking: Ranking, judgments: Judgments, k: number, options: RankingOptions = {}): number {
  const kk = checkCutoff(k, "precisionAtK", false);
  return precisionOf(prepare(ranking, judgments, options, "precisionAtK"), kk);
}

/** Recall@k: relevant documents in the top k, divided by all relevant judged documents (0 if none). */
export function recallAtK(ranking: Ranking, judgments: Judgments, k: number, options: RankingOptions = {}): number {
  const kk = checkCutoff(k, "recallAtK", false);
  return recallOf(prepare(ranking, judgments, options, "recallAtK"), kk);
}

/** R-precision: precision at rank R, where R is the number of relevant judged documents (0 if R = 0). */
export function rPrecision(ranking: Ranking, judgments: Judgments, options: RankingOptions = {}): number {
  return rPrecisionOf(prepare(ranking, judgments, options, "rPrecision"));
}

/**
 * Average precision: the mean, over all R relevant judged documents, of the precision at the
 * rank where each is retrieved (0 for those not retrieved within the cutoff). Its mean over
 * queries is MAP. Without k the whole ranking counts.
 */
export function averagePrecision(ranking: Ranking, judgments: Judgments, k?: number, options: RankingOptions = {}): number {
  const kk = checkCutoff(k, "averagePrecision", true);
  return averagePrecisionOf(prepare(ranking, judgments, options, "averagePrecision"), kk);
}

/** Reciprocal rank: 1 / rank of the first relevant document (0 if none within the cutoff). Its mean is MRR. */
export function reciprocalRank(ranking: Ranking, judgments: Judgments, k?: number, options: RankingOptions = {}): number {
  const kk = checkCutoff(k, "reciprocalRank", true);
  return reciprocalRankOf(prepare(ranking, judgments, options, "reciprocalRank"), kk);
}

/** Hit@k: 1 if a relevant document is in the top k, else 0 (trec_eval's `success`). Its mean is the hit rate. */
export function hitAtK(ranking: Ranking, judgments: Judgments, k: number, options: RankingOptions = {}): number {
  const kk = checkCutoff(k, "hitAtK", false);
  return hitOf(prepare(ranking, judgments, options, "hitAtK"), kk);
}

/** DCG@k = sum over the top k of gain(grade_i) / log2(i + 1). Without k the whole ranking counts. */
export function dcgAtK(ranking: Ranking, judgments: Judgments, k?: number, options: GainOptions = {}): number {
  const kk = checkCutoff(k, "dcgAtK", true);
  return dcgOf(prepare(ranking, judgments, options, "dcgAtK"), kk, checkGain(options.gain, "dcgAtK"));
}

/** The ideal DCG@k: the DCG of all judged documents sorted by gain, cut at k. */
export function idealDcgAtK(judgments: Judgments, k?: number, options: GainOptions = {}): number {
  const kk = checkCutoff(k, "idealDcgAtK", true);
  return idealDcgOf(prepare([], judgments, options, "idealDcgAtK"), kk, checkGain(options.gain, "idealDcgAtK"));
}

/** NDCG@k = DCG@k / ideal DCG@k (0 when the query has no positive-gain judged document). */
export function ndcgAtK(ranking: Ranking, judgments: Judgments, k?: number, options: GainOptions = {}): number {
  const kk = checkCutoff(k, "ndcgAtK", true);
  return ndcgOf(prepare(ranking, judgments, options, "ndcgAtK"), kk, checkGain(options.gain, "ndcgAtK"));
}

// ---------------------------------------------------------------------------------------------
// Whole runs.

type CutoffMetric = "precision" | "recall" | "hit";
type OptionalCutoffMetric = "ap" | "rr" | "ndcg" | "ndcg_exp" | "dcg" | "dcg_exp";

/**
 * A metric to compute per query, as a string: `precision@10`, `recall@100`, `hit@10`, `rprec`,
 * `ap` or `ap@10` (mean: MAP), `rr` or `rr@10` (mean: MRR), `ndcg` / `ndcg@10` (linear gain),
 * `ndcg_exp` / `ndcg_exp@10` (exponential gain), `dcg...` likewise.
 */
export type MetricSpec = `${CutoffMetric}@${number}` | OptionalCutoffMetric | `${OptionalCutoffMetric}@${number}` | "rprec";

interface ParsedMetric {
  readonly name: CutoffMetric | OptionalCutoffMetric | "rprec";
  readonly k: number;
}

const CUTOFF_METRICS: readonly string[] = ["precision", "recall", "hit"];
const OPTIONAL_METRICS: readonly string[] = ["ap", "rr", "ndcg", "ndcg_exp", "dcg", "dcg_exp"];

function parseMetric(spec: string): ParsedMetric {
  const match = /^([a-z_]+)(?:@(.+))?$/.exec(spec);
  const known = 'precision@k, recall@k, hit@k, rprec, ap[@k], rr[@k], ndcg[@k], ndcg_exp[@k], dcg[@k], dcg_exp[@k]';
  if (!match) throw new Error(`evaluateRun: cannot read metric "${spec}"; expected one of ${known}.`);
  const [, name, kText] = match;
  if (name === "rprec") {
    if (kText !== undefined) throw new Error(`evaluateRun: "rprec" takes no cutoff (it is precision at R), got "${spec}".`);
    return { name, k: Infinity };
  }
  const isCutoff = CUTOFF_METRICS.includes(name);
  if (!isCutoff && !OPTIONAL_METRICS.includes(name)) throw new Error(`evaluateRun: unknown metric "${spec}"; expected one of ${known}.`);
  if (kText === undefined) {
    if (isCutoff) throw new Error(`evaluateRun: metric "${spec}" needs a cutoff, e.g. "${name}@10".`);
    return { name: name as OptionalCutoffMetric, k: Infinity };
  }
  const k = Number(kText);
  if (!Number.isInteger(k) || k < 1) throw new Error(`evaluateRun: metric "${spec}" has cutoff "${kText}"; expected an integer >= 1.`);
  return { name: name as CutoffMetric | OptionalCutoffMetric, k };
}

function metricValue(p: Prepared, m: ParsedMetric): number {
  switch (m.name) {
    case "precision":
      return precisionOf(p, m.k);
    case "recall":
      return recallOf(p, m.k);
    case "hit":
      return hitOf(p, m.k);
    case "rprec":
      return rPrecisionOf(p);
    case "ap":
      return averagePrecisionOf(p, m.k);
    case "rr":
      return reciprocalRankOf(p, m.k);
    case "ndcg":
      return ndcgOf(p, m.k, "linear");
    case "ndcg_exp":
      return ndcgOf(p, m.k, "exponential");
    case "dcg":
      return dcgOf(p, m.k, "linear");
    case "dcg_exp":
      return dcgOf(p, m.k, "exponential");
  }
}

export interface EvaluateOptions extends RankingOptions {
  /**
   * Queries judged in the qrels but absent from the run: "skip" them (trec_eval's default) or
   * count them with 0 on every metric ("zero", trec_eval's `-c`). Default "skip".
   */
  readonly missing?: "skip" | "zero";
}

export interface RunEvaluation<M extends string = MetricSpec> {
  readonly metrics: readonly M[];
  /** Evaluated query ids, sorted by code point (trec_eval's order). */
  readonly queries: readonly string[];
  readonly perQuery: ReadonlyMap<string, Readonly<Record<M, number>>>;
  /** Arithmetic mean over `queries` (so `ap` gives MAP and `rr` gives MRR). */
  readonly mean: Readonly<Record<M, number>>;
  /** Retrieved documents the qrels never judged (counted as non-relevant). */
  readonly unjudged: { readonly total: number; readonly perQuery: ReadonlyMap<string, number> };
  /** Queries not evaluated: in the run but not judged, and judged but not in the run (when missing = "skip"). */
  readonly skipped: { readonly notJudged: readonly string[]; readonly notRetrieved: readonly string[] };
  /** Evaluated queries whose judgments hold no relevant document (they score 0 on most metrics). */
  readonly withoutRelevant: readonly string[];
}

/**
 * Evaluates a run against qrels: every metric per query, and its mean. Queries in only one of
 * the two are reported in `skipped` (see `missing`); unjudged documents are counted, not errors.
 */
export function evaluateRun<M extends MetricSpec>(run: Run, qrels: Qrels, metrics: readonly M[], options: EvaluateOptions = {}): RunEvaluation<M> {
  if (!Array.isArray(metrics as unknown) || metrics.length === 0) throw new Error(`evaluateRun: expected at least one metric, got ${Array.isArray(metrics as unknown) ? "none" : shown(metrics)}.`);
  const parsed = metrics.map((m) => {
    if (typeof m !== "string") throw new Error(`evaluateRun: each metric must be a string such as "ndcg@10", got ${shown(m)}.`);
    return parseMetric(m);
  });
  const missing = checkChoice("evaluateRun", "missing", options.missing, ["skip", "zero"], "skip");
  for (const [name, x] of [["run", run], ["qrels", qrels]] as const) {
    if (x === null || typeof x !== "object") throw new Error(`evaluateRun: ${name} must be a Map or a record keyed by query id, got ${shown(x)}.`);
  }
  const runQueries = new Map(entriesOf(run));
  const judgedQueries = new Map(entriesOf(qrels));

  const notJudged = Array.from(runQueries.keys()).filter((q) => !judgedQueries.has(q)).sort(compareCodePoints);
  const notRetrieved = Array.from(judgedQueries.keys()).filter((q) => !runQueries.has(q)).sort(compareCodePoints);
  const queries = Array.from(judgedQueries.keys())
    .filter((q) => runQueries.has(q) || missing === "zero")
    .sort(compareCodePoints);
  if (queries.length === 0) {
    throw new Error(`evaluateRun: no query is both in the run (${runQueries.size} queries) and in the qrels (${judgedQueries.size} queries); check that the query ids match.`);
  }

  const perQuery = new Map<string, Record<M, number>>();
  const unjudgedPerQuery = new Map<string, number>();
  const withoutRelevant: string[] = [];
  const sums = new Array<number>(metrics.length).fill(0);
  let unjudgedTotal = 0;
  for (const q of queries) {
    const judgments = judgedQueries.get(q) as Judgments;
    const ranking = runQueries.get(q) ?? [];
    const prepared = prepare(ranking, judgments, options, `evaluateRun (query "${q}")`);
    if (prepared.numRelevant === 0) withoutRelevant.push(q);
    unjudgedPerQuery.set(q, prepared.unjudged);
    unjudgedTotal += prepared.unjudged;
    const row = {} as Record<M, number>;
    parsed.forEach((m, i) => {
      const v = runQueries.has(q) ? metricValue(prepared, m) : 0;
      row[metrics[i]] = v;
      sums[i] += v;
    });
    perQuery.set(q, row);
  }
  const mean = {} as Record<M, number>;
  metrics.forEach((m, i) => (mean[m] = sums[i] / queries.length));
  return {
    metrics: metrics.slice(),
    queries,
    perQuery,
    mean,
    unjudged: { total: unjudgedTotal, perQuery: unjudgedPerQuery },
    skipped: { notJudged, notRetrieved: missing === "skip" ? notRetrieved : [] },
    withoutRelevant,
  };
}

/** The per-query values of one metric, in the order of `evaluation.queries`. */
export function perQueryValues<M extends string>(evaluation: RunEvaluation<M>, metric: M): number[] {
  if (!evaluation.metrics.includes(metric)) {
    throw new Error(`perQueryValues: metric "${metric}" was not computed; the evaluation has ${evaluation.metrics.join(", ")}.`);
  }
  return evaluation.queries.map((q) => (evaluation.perQuery.get(q) as Record<M, number>)[metric]);
}

/**
 * Paired per-query values of one metric for two evaluations of the same queries (the input of
 * the paired significance tests). Throws if the evaluated query sets differ, since a paired
 * test on mismatched queries is meaningless; evaluate both with `missing: "zero"` to align them.
 */
export function pairedValues<M extends string>(a: RunEvaluation<M>, b: RunEvaluation<M>, metric: M): { queries: string[]; a: number[]; b: number[] } {
  const setB = new Set(b.queries);
  const onlyA = a.queries.filter((q) => !setB.has(q));
  const setA = new Set(a.queries);
  const onlyB = b.queries.filter((q) => !setA.has(q));
  if (onlyA.length > 0 || onlyB.length > 0) {
    const show = (xs: string[]) => (xs.length > 5 ? `${xs.slice(0, 5).join(", ")}, ...` : xs.join(", "));
    throw new Error(`pairedValues: the two evaluations cover different queries (only in the first: ${onlyA.length} [${show(onlyA)}]; only in the second: ${onlyB.length} [${show(onlyB)}]).`);
  }
  return { queries: a.queries.slice(), a: perQueryValues(a, metric), b: perQueryValues(b, metric) };
}

/** Looks a query's judgments up in qrels given as a Map or a record. */
export function judgmentsFor(qrels: Qrels, queryId: string): Judgments | undefined {
  return lookup(qrels, queryId);
}
