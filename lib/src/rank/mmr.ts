/**
 * Maximal Marginal Relevance (Carbonell and Goldstein, SIGIR 1998): re-rank a candidate list so
 * that each next item is relevant and unlike the items already chosen. Greedily, from the
 * candidates not yet selected S:
 *
 *   next = argmax_c  lambda * rel(c) - (1 - lambda) * max_{s in S} sim(c, s)
 *
 * with max over an empty S taken as 0 (the first pick is the most relevant for every lambda > 0).
 * lambda = 1 keeps the relevance order; lambda = 0 picks, after the most relevant item, the one
 * least similar to what is already shown.
 *
 * - Relevance: the candidates' scores, min-max normalised over the candidate list to [0, 1]
 *   (by default), so that lambda weighs two quantities on comparable scales (a cosine similarity
 *   lies in [-1, 1], and in practice in [0, 1] between products); all-equal scores become 1.
 *   `normalize: "none"` takes the scores as they are.
 * - Similarity: any function of two ids, or cosine similarity of embeddings (`embeddingSimilarity`).
 * - Ties (equal MMR score): the higher normalised relevance, then the earlier candidate in the
 *   input order. Deterministic.
 * - Cost: O(k x n) similarity calls for n candidates (each candidate keeps its running maximum).
 */
import type { QueryKind } from "../data/records";
import { categoryDiversity, cosineDistance, embeddingDiversity, giniIndex, groupExposure, type ItemLookup } from "../eval/beyond";
import { evaluateRun } from "../eval/ranking";
import type { FusedItem } from "./fusion";

export interface MmrOptions {
  /** Trade-off in [0, 1]: 1 is relevance only, 0 is diversity only (after the first pick). */
  readonly lambda: number;
  /** Items to select (default all candidates). */
  readonly k?: number;
  /** Similarity of two candidates (higher is more alike). Give this or `embeddings`. */
  readonly similarity?: (a: string, b: string) => number;
  /** Candidate id -> vector; similarity is then the cosine. */
  readonly embeddings?: ItemLookup<ArrayLike<number>>;
  /** How scores become relevance: "minmax" over the candidates (default) or "none". */
  readonly normalize?: "minmax" | "none";
}

export interface MmrItem {
  readonly id: string;
  /** The candidate's normalised relevance. */
  readonly relevance: number;
  /** Its largest similarity to the items selected before it (0 for the first). */
  readonly maxSimilarity: number;
  /** lambda * relevance - (1 - lambda) * maxSimilarity when it was selected. */
  readonly score: number;
}

function lookupVector(table: ItemLookup<ArrayLike<number>>, id: string): ArrayLike<number> | undefined {
  if (typeof table === "function") return table(id);
  if (table instanceof Map) return table.get(id);
  const rec = table as { readonly [item: string]: ArrayLike<number> };
  return Object.prototype.hasOwnProperty.call(rec, id) ? rec[id] : undefined;
}

/** Cosine similarity of two items' embeddings (a missing embedding is an error naming the item). */
export function embeddingSimilarity(embeddings: ItemLookup<ArrayLike<number>>): (a: string, b: string) => number {
  const vector = (id: string): ArrayLike<number> => {
    const v = lookupVector(embeddings, id);
    if (v === undefined) throw new Error(`embeddingSimilarity: item "${id}" has no embedding.`);
    return v;
  };
  return (a, b) => 1 - cosineDistance(vector(a), vector(b));
}

/** MMR re-ranking of one candidate list (best first, with scores); returns the k selected, in selection order. */
export function mmrRerank(candidates: readonly FusedItem[], options: MmrOptions): MmrItem[] {
  const what = "mmrRerank";
  const lambda = options.lambda;
  if (typeof lambda !== "number" || !(lambda >= 0 && lambda <= 1)) throw new Error(`${what}: lambda must be a number in [0, 1], got ${JSON.stringify(lambda)}.`);
  if (!Array.isArray(candidates)) throw new Error(`${what}: candidates must be an array of { id, score }, got ${typeof candidates}.`);
  const n = candidates.length;
  const k = options.k ?? n;
  if (!Number.isInteger(k) || k < 0) throw new Error(`${what}: k must be an integer >= 0, got ${JSON.stringify(options.k)}.`);
  if ((options.similarity === undefined) === (options.embeddings === undefined)) throw new Error(`${what}: give exactly one of similarity (a function of two ids) or embeddings (id -> vector).`);
  const sim = options.similarity ?? embeddingSimilarity(options.embeddings as ItemLookup<ArrayLike<number>>);
  const seen = new Set<string>();
  candidates.forEach((c, i) => {
    if (typeof c?.id !== "string") throw new Error(`${what}: candidate ${i} has id ${JSON.stringify(c?.id)}; expected a string.`);
    if (!Number.isFinite(c.score)) throw new Error(`${what}: candidate ${i} ("${c.id}") has score ${c.score}; expected a finite number.`);
    if (seen.has(c.id)) throw new Error(`${what}: "${c.id}" is a candidate twice (positions must be distinct products).`);
    seen.add(c.id);
  });
  const normalize = options.normalize ?? "minmax";
  if (normalize !== "minmax" && normalize !== "none") throw new Error(`${what}: normalize must be "minmax" or "none", got ${JSON.stringify(normalize)}.`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of candidates) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const relevance = candidates.map((c) => (normalize === "none" ? c.score : hi > lo ? (c.score - lo) / (hi - lo) : 1));
  const maxSim = new Float64Array(n); // running max similarity to the selected (0 while none is)
  const taken = new Uint8Array(n);
  const out: MmrItem[] = [];
  for (let step = 0; step < Math.min(k, n); step++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const s = lambda * relevance[i] - (1 - lambda) * maxSim[i];
      // Strictly better, or equal with higher relevance; the earlier candidate keeps a full tie.
      if (best < 0 || s > bestScore || (s === bestScore && relevance[i] > relevance[best])) {
        best = i;
        bestScore = s;
      }
    }
    taken[best] = 1;
    out.push({ id: candidates[best].id, relevance: relevance[best], maxSimilarity: maxSim[best], score: bestScore });
    if (lambda === 1) continue; // similarity plays no part
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const s = sim(candidates[i].id, candidates[best].id);
      if (typeof s !== "number" || Number.isNaN(s)) throw new Error(`${what}: similarity of "${candidates[i].id}" and "${candidates[best].id}" is ${String(s)}; expected a number.`);
      if (out.length === 1 || s > maxSim[i]) maxSim[i] = s;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The trade-off curve.

export interface MmrPoint {
  readonly lambda: number;
  /** Mean NDCG@10 over the scored queries (graded gains). */
  readonly ndcg10: number;
  /** Mean intra-list diversity of the top k: mean pairwise cosine distance of the embeddings. */
  readonly diversity: number;
  /** Mean share of top-k pairs of different brands (intra-list diversity on brands). */
  readonly brandDiversity: number;
  /** Mean number of distinct brands in the top k. */
  readonly distinctBrands: number;
  /** Gini of the brands' exposure (position-weighted, 1 / log2(rank + 1)) over every brand of the catalog: 0 is even. */
  readonly brandExposureGini: number;
  /** NDCG@10 by query kind. */
  readonly byKind: Partial<Record<QueryKind, number>>;
}

/**
 * NDCG@10 against diversity and brand exposure for each lambda: every scored query's candidate
 * list (its run, scores normalised per query) re-ranked by MMR on the embeddings' cosine, top k.
 * Measures are chapter 5's (`embeddingDiversity`, `categoryDiversity` on brands, `groupExposure`,
 * `giniIndex`). The queries are those of a `SearchQualityContext` (scored with its grades).
 */
export function mmrTradeOff(options: {
  readonly run: ReadonlyMap<string, readonly FusedItem[]>;
  readonly queries: ReadonlyArray<{ readonly id: string; readonly kind: QueryKind }>;
  readonly qrels: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly embeddings: ItemLookup<ArrayLike<number>>;
  readonly brandOf: ReadonlyMap<string, string>;
  readonly lambdas?: readonly number[];
  readonly k?: number;
  /** Candidates re-ranked per query (the run's first `depth`). Default 100. */
  readonly depth?: number;
}): MmrPoint[] {
  const k = options.k ?? 10;
  const depth = options.depth ?? 100;
  if (!Number.isInteger(k) || k < 1) throw new Error(`mmrTradeOff: k must be an integer >= 1, got ${JSON.stringify(options.k)}.`);
  if (!Number.isInteger(depth) || depth < k) throw new Error(`mmrTradeOff: depth must be an integer >= k (${k}), got ${JSON.stringify(options.depth)}.`);
  if (options.queries.length === 0) throw new Error("mmrTradeOff: no query to score.");
  const brands = [...new Set(options.brandOf.values())];
  const similarity = embeddingSimilarity(options.embeddings);
  const judged = new Map(options.queries.map((q) => [q.id, options.qrels.get(q.id) ?? new Map<string, number>()]));
  return (options.lambdas ?? [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0]).map((lambda) => {
    const lists = new Map(options.queries.map((q) => [q.id, mmrRerank((options.run.get(q.id) ?? []).slice(0, depth), { lambda, k, similarity }).map((x) => x.id)]));
    const e = evaluateRun(lists, judged, ["ndcg@10"] as const, { relevanceThreshold: 1, scale: { min: 0, max: 1 }, missing: "zero" });
    const shown = [...lists.values()];
    const avg = (f: (l: string[]) => number): number => shown.reduce((s, l) => s + f(l), 0) / shown.length;
    const exposure = groupExposure(shown, options.brandOf, { weighting: "log", k });
    const byKind: Partial<Record<QueryKind, number>> = {};
    for (const q of options.queries) byKind[q.kind] = 0;
    for (const kind of Object.keys(byKind) as QueryKind[]) {
      const ids = options.queries.filter((q) => q.kind === kind).map((q) => q.id);
      byKind[kind] = ids.reduce((s, id) => s + (e.perQuery.get(id)?.["ndcg@10"] ?? 0), 0) / ids.length;
    }
    return {
      lambda,
      ndcg10: e.mean["ndcg@10"],
      diversity: avg((l) => embeddingDiversity(l, options.embeddings)),
      brandDiversity: avg((l) => categoryDiversity(l, options.brandOf)),
      distinctBrands: avg((l) => new Set(l.map((id) => options.brandOf.get(id))).size),
      brandExposureGini: giniIndex(brands.map((b) => exposure.get(b)?.exposure ?? 0)),
      byKind,
    };
  });
}
