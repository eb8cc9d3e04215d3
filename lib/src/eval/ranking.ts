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
 */

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
  if (!Number.isInteger(k) || k < 1) throw new Error(`${where}: expected a cutoff k that is an integer >= 1, got ${k}.`);
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
  const docs = toScoredDocs(ranking, where);
  return docs.sort((p, q) => (p.score > q.score ? -1 : p.score < q.score ? 1 : compareCodePoints(q.docId, p.docId)));
}

function toScoredDocs(ranking: Ranking, where: string): ScoredDoc[] {
  if (!Array.isArray(ranking)) throw new Error(`${where}: expected a ranking (an array), got ${typeof ranking}.`);
  const seen = new Set<string>();
  const out: ScoredDoc[] = [];
  const n = ranking.length;
  for (let i = 0; i < n; i++) {
    const item = ranking[i] as ScoredDoc | string;
    const doc: ScoredDoc = typeof item === "string" ? { docId: item, score: n - i } : item;
    if (typeof doc.docId !== "string") throw new Error(`${where}: entry ${i} has docId ${String(doc.docId)}; expected a string.`);
    if (typeof doc.score !== "number" || Number.isNaN(doc.score)) {
      throw new Error(`${where}: document "${doc.docId}" (entry ${i}) has score ${String(doc.score)}; expected a number that is not NaN.`);
    }
    if (seen.has(doc.docId)) throw new Error(`${where}: document "${doc.docId}" appears twice in the ranking (entry ${i}).`);
    seen.add(doc.docId);
    out.push(doc);
  }
  return out;
}

/** A run of consecutive ranks whose order is uncertain (size 1 under the trec tie rule). */
interface Block {
  /** 0-based rank of the block's first document. */
  readonly start: number;
  readonly size: number;
  /** Documents in the block with grade >= the relevance threshold. */
  readonly relevant: number;
  /** Grades of the block's documents (0 for unjudged ones). */
  readonly grades: readonly number[];
}

/** What every metric needs about one query: its ranked blocks and its judgments. */
interface Prepared {
  readonly blocks: readonly Block[];
  readonly retrieved: number;
  /** R: judged documents with grade >= threshold. */
  readonly numRelevant: number;
  /** Grades of every judged document (for the ideal DCG). */
  readonly judgedGrades: readonly number[];
  readonly unjudged: number;
}

function checkedJudgments(judgments: Judgments, scale: GradeScale, where: string): Map<string, number> {
  if (judgments === null || typeof judgments !== "object") throw new Error(`${where}: expected judgments (docId -> grade), got ${String(judgments)}.`);
  const out = new Map<string, number>();
  for (const [docId, grade] of entriesOf(judgments)) {
    if (typeof grade !== "number" || !Number.isFinite(grade)) {
      throw new Error(`${where}: document "${docId}" has grade ${String(grade)}; expected a finite number.`);
    }
    if (grade < scale.min || grade > scale.max) {
      throw new Error(`${where}: document "${docId}" has grade ${grade}, outside the declared scale [${scale.min}, ${scale.max}] (pass options.scale to declare another).`);
    }
    out.set(docId, grade);
  }
  return out;
}

function prepare(ranking: Ranking, judgments: Judgments, options: RankingOptions, where: string): Prepared {
  const ties = options.ties ?? "trec";
  if (ties !== "trec" && ties !== "average") throw new Error(`${where}: ties must be "trec" or "average", got "${String(ties)}".`);
  const scale = options.scale ?? DEFAULT_SCALE;
  if (!(scale.min <= scale.max) || Number.isNaN(scale.min)) throw new Error(`${where}: scale must have min <= max, got [${scale.min}, ${scale.max}].`);
  const threshold = options.relevanceThreshold ?? 1;
  if (!Number.isFinite(threshold)) throw new Error(`${where}: relevanceThreshold must be a finite number, got ${threshold}.`);

  const judged = checkedJudgments(judgments, scale, where);
  const ordered = orderRanking(ranking, where);
  const blocks: Block[] = [];
  let unjudged = 0;
  let i = 0;
  while (i < ordered.length) {
    let j = i + 1;
    if (ties === "average") while (j < ordered.length && ordered[j].score === ordered[i].score) j++;
    const grades: number[] = [];
    let relevant = 0;
    for (let t = i; t < j; t++) {
      const grade = judged.get(ordered[t].docId);
      if (grade === undefined) unjudged++;
      const g = grade ?? 0;
      grades.push(g);
      if (grade !== undefined && g >= threshold) relevant++;
    }
    blocks.push({ start: i, size: j - i, relevant, grades });
    i = j;
  }
  let numRelevant = 0;
  const judgedGrades: number[] = [];
  for (const g of judged.values()) {
    judgedGrades.push(g);
    if (g >= threshold) numRelevant++;
  }
  return { blocks, retrieved: ordered.length, numRelevant, judgedGrades, unjudged };
}

// ---------------------------------------------------------------------------------------------
// Metrics on prepared blocks. Under "trec" every block has size 1 and the expectations below
// reduce to the usual definitions.

/** Expected number of relevant documents in the top k. */
function relevantInTop(p: Prepared, k: number): number {
  let count = 0;
  for (const b of p.blocks) {
    if (b.start >= k) break;
    const inside = Math.min(b.size, k - b.start);
    count += inside === b.size ? b.relevant : (inside * b.relevant) / b.size;
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
  for (const b of p.blocks) {
    if (b.start >= k) break;
    if (b.relevant === 0) continue;
    const slots = Math.min(b.size, k - b.start);
    if (slots === b.size) return 1;
    // P(no relevant document among `slots` drawn from the block without replacement)
    let none = 1;
    for (let t = 0; t < slots; t++) none *= (b.size - b.relevant - t) / (b.size - t);
    return 1 - Math.max(none, 0);
  }
  return 0;
}

function reciprocalRankOf(p: Prepared, k: number): number {
  for (const b of p.blocks) {
    if (b.start >= k) break;
    if (b.relevant === 0) continue;
    // X = offset of the first relevant document inside the block; P(X = 0) = r / n and
    // P(X = j + 1) / P(X = j) = (n - r - j) / (n - 1 - j).
    const n = b.size;
    const r = b.relevant;
    let prob = r / n;
    let expected = 0;
    for (let x = 0; x <= n - r; x++) {
      if (b.start + x >= k) break;
      expected += prob / (b.start + x + 1);
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
  for (const b of p.blocks) {
    if (b.start >= k) break;
    if (b.relevant > 0) {
      const n = b.size;
      const r = b.relevant;
      const pRel = r / n;
      const pPair = n > 1 ? (r * (r - 1)) / (n * (n - 1)) : 0;
      const end = Math.min(b.start + n, k);
      // E[rel_i * (#relevant at ranks <= i)] / i, for each rank i of the block.
      for (let i = b.start; i < end; i++) sum += (pRel * (1 + before) + (i - b.start) * pPair) / (i + 1);
    }
    before += b.relevant;
  }
  return sum / p.numRelevant;
}

function dcgOf(p: Prepared, k: number, gain: Gain): number {
  let dcg = 0;
  for (const b of p.blocks) {
    if (b.start >= k) break;
    let gainSum = 0;
    for (const g of b.grades) gainSum += gainOf(g, gain);
    if (gainSum === 0) continue;
    let discounts = 0;
    const end = Math.min(b.start + b.size, k);
    for (let i = b.start; i < end; i++) discounts += discount(i);
    dcg += (gainSum / b.size) * discounts;
  }
  return dcg;
}

function idealDcgOf(p: Prepared, k: number, gain: Gain): number {
  const gains = p.judgedGrades.map((g) => gainOf(g, gain)).filter((g) => g > 0).sort((a, b) => b - a);
  let ideal = 0;
  const end = Math.min(gains.length, k);
  for (let i = 0; i < end; i++) ideal += gains[i] * discount(i);
  return ideal;
}

function ndcgOf(p: Prepared, k: number, gain: Gain): number {
  const ideal = idealDcgOf(p, k, gain);
  return ideal > 0 ? dcgOf(p, k, gain) / ideal : 0;
}

function checkGain(gain: Gain | undefined, where: string): Gain {
  const g = gain ?? "linear";
  if (g !== "linear" && g !== "exponential") throw new Error(`${where}: gain must be "linear" or "exponential", got "${String(g)}".`);
  return g;
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
  if (metrics.length === 0) throw new Error("evaluateRun: expected at least one metric, got none.");
  const parsed = metrics.map((m) => parseMetric(m));
  const missing = options.missing ?? "skip";
  if (missing !== "skip" && missing !== "zero") throw new Error(`evaluateRun: missing must be "skip" or "zero", got "${String(missing)}".`);
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
