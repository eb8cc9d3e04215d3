/**
 * Hybrid retrieval: merging the rankings of several retrievers (keyword search and a bi-encoder,
 * say) into one.
 *
 * - Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each list gives a product
 *   w / (k + rank), rank counted from 1; the sums rank the union. It needs no scores, only
 *   positions, so lists on incomparable scales (BM25 and cosine) merge without tuning; k (60 in
 *   the paper) damps the head of each list.
 * - Linear fusion: each retriever's scores normalised per query (min-max to [0, 1], or z-scores),
 *   then a weighted sum; a product a retriever did not return gets that retriever's lowest
 *   normalised score (0 under min-max): it ranked below everything returned.
 *
 * Ties are broken by product id (code-point order), so a fusion is reproducible.
 */
import { compareCodePoints } from "../eval/ranking";

export interface FusedItem {
  readonly id: string;
  readonly score: number;
}

export interface RrfOptions {
  /** The damping constant (default 60, as in the paper); must be >= 0. */
  readonly k?: number;
  /** One weight per list (default 1 each). */
  readonly weights?: readonly number[];
  /** Only each list's first `depth` items count (default all). */
  readonly depth?: number;
}

function checkWeights(what: string, weights: readonly number[] | undefined, lists: number): readonly number[] {
  if (weights === undefined) return new Array<number>(lists).fill(1);
  if (weights.length !== lists) throw new Error(`${what}: ${weights.length} weights for ${lists} lists (one weight per list).`);
  weights.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new Error(`${what}: weights[${i}] must be a finite number >= 0, got ${w}.`);
  });
  return weights;
}

const ranked = (scores: Map<string, number>): FusedItem[] =>
  [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || compareCodePoints(a.id, b.id));

/** Reciprocal rank fusion of ranked id lists (best first) for one query. */
export function reciprocalRankFusion(lists: ReadonlyArray<readonly string[]>, options: RrfOptions = {}): FusedItem[] {
  const what = "reciprocalRankFusion";
  const k = options.k ?? 60;
  if (!Number.isFinite(k) || k < 0) throw new Error(`${what}: k must be a finite number >= 0, got ${k}.`);
  const depth = options.depth ?? Infinity;
  if (!(depth >= 1)) throw new Error(`${what}: depth must be at least 1, got ${depth}.`);
  const weights = checkWeights(what, options.weights, lists.length);
  const scores = new Map<string, number>();
  lists.forEach((list, l) => {
    const seen = new Set<string>();
    list.slice(0, Math.min(list.length, depth)).forEach((id, i) => {
      if (typeof id !== "string") throw new Error(`${what}: list ${l}, position ${i + 1}: expected a product id (string), got ${JSON.stringify(id)}.`);
      if (seen.has(id)) throw new Error(`${what}: list ${l} holds "${id}" twice (positions of one ranking must be distinct).`);
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + weights[l] / (k + i + 1));
    });
  });
  return ranked(scores);
}

export type ScoreNormalization = "minmax" | "zscore" | "none";

export interface LinearFusionOptions {
  /** One weight per retriever (default 1 each). */
  readonly weights?: readonly number[];
  /** Per-query normalisation of each retriever's scores (default "minmax"). */
  readonly normalize?: ScoreNormalization;
}

/** One retriever's scores for one query, normalised; with the value a product it did not return gets. Scores must be finite (`what` names the caller). */
export function normalized(scores: ReadonlyMap<string, number>, how: ScoreNormalization, what: string): { values: Map<string, number>; missing: number } {
  const entries = [...scores];
  for (const [id, s] of entries) if (!Number.isFinite(s)) throw new Error(`${what}: the score of "${id}" is ${s}; expected a finite number.`);
  if (entries.length === 0) return { values: new Map(), missing: 0 };
  const xs = entries.map(([, s]) => s);
  let shift = 0;
  let scale = 1;
  if (how === "minmax") {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    shift = lo;
    // All equal: every returned product gets 1 (they beat what was not returned, which gets 0).
    scale = hi > lo ? hi - lo : 0;
  } else if (how === "zscore") {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    shift = mean;
    scale = sd > 0 ? sd : 0;
  } else if (how !== "none") throw new Error(`${what}: normalize must be "minmax", "zscore" or "none", got ${JSON.stringify(how)}.`);
  const f = (s: number): number => (how === "none" ? s : scale > 0 ? (s - shift) / scale : how === "minmax" ? 1 : 0);
  const values = new Map(entries.map(([id, s]) => [id, f(s)]));
  const lowest = Math.min(...values.values());
  return { values, missing: how === "minmax" ? Math.min(0, lowest) : lowest };
}

/** Linear fusion of several retrievers' scored results (id -> score, higher is better) for one query. */
export function linearFusion(results: ReadonlyArray<ReadonlyMap<string, number>>, options: LinearFusionOptions = {}): FusedItem[] {
  const what = "linearFusion";
  const weights = checkWeights(what, options.weights, results.length);
  const parts = results.map((r) => normalized(r, options.normalize ?? "minmax", what));
  const ids = new Set<string>();
  for (const r of results) for (const id of r.keys()) ids.add(id);
  const scores = new Map<string, number>();
  for (const id of ids) scores.set(id, parts.reduce((sum, p, i) => sum + weights[i] * (p.values.get(id) ?? p.missing), 0));
  return ranked(scores);
}

/**
 * RRF over whole runs (query id -> ranked ids, as `evaluateRun` takes): each query's lists fused,
 * cut to `cut` results (default all). A query missing from a run has an empty list there.
 */
export function fuseRuns(runs: ReadonlyArray<ReadonlyMap<string, readonly string[]>>, options: RrfOptions & { readonly cut?: number } = {}): Map<string, string[]> {
  const queries = new Set<string>();
  for (const run of runs) for (const q of run.keys()) queries.add(q);
  const out = new Map<string, string[]>();
  for (const q of [...queries].sort(compareCodePoints)) {
    const fused = reciprocalRankFusion(runs.map((run) => run.get(q) ?? []), options).map((x) => x.id);
    out.set(q, options.cut === undefined ? fused : fused.slice(0, options.cut));
  }
  return out;
}
