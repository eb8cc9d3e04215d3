/**
 * How close an approximate index comes to exact search: recall@k of its results against the
 * exact ones, and the recall-vs-speed curve of HNSW as its search-time candidate list (efSearch)
 * grows.
 */
import type { HnswIndex } from "./hnsw-index";
import { checkK, type VectorHits, type VectorRows } from "./vector-search";
import type { ExactIndex } from "./vector-search";

/** One query's result: its ids best first, or the hits object an index returns. */
export type RankedIds = readonly number[] | VectorHits;

function idsOf(result: RankedIds): readonly number[] {
  return Array.isArray(result) ? result : (result as VectorHits).ids;
}

/**
 * Mean over queries of |approx top-k ∩ exact top-k| / |exact top-k|. A query whose exact list is
 * shorter than k (an index smaller than k) is measured against what exact search returned.
 * Pure: takes id lists (or hits), compares ids only.
 */
export function recallAgainstExact(approx: readonly RankedIds[], exact: readonly RankedIds[], k: number): number {
  checkK("recallAgainstExact", k);
  if (!Array.isArray(approx) || !Array.isArray(exact)) throw new Error("recallAgainstExact: approx and exact must be arrays with one result per query.");
  if (approx.length !== exact.length) {
    throw new Error(`recallAgainstExact: ${approx.length} approximate results for ${exact.length} exact ones (one per query, same order, expected).`);
  }
  if (exact.length === 0) throw new Error("recallAgainstExact: no queries (empty result lists); recall is undefined.");
  let total = 0;
  for (let q = 0; q < exact.length; q++) {
    const truth = new Set(idsOf(exact[q]).slice(0, k));
    if (truth.size === 0) throw new Error(`recallAgainstExact: query ${q} has no exact results; recall is undefined for it.`);
    const found = new Set(idsOf(approx[q]).slice(0, k));
    let hit = 0;
    for (const id of found) if (truth.has(id)) hit++;
    total += hit / truth.size;
  }
  return total / exact.length;
}

/** One point of the recall-vs-speed curve. */
export interface EfSearchRow {
  readonly efSearch: number;
  readonly recallAt10: number;
  readonly queriesPerSecond: number;
  readonly msPerQuery: number;
}

export interface EfSearchSweepOptions {
  /** The efSearch values to try, in order; default [10, 20, 40, 80, 160, 320]. */
  readonly efSearch?: readonly number[];
  /** Timed passes over the queries per value (the fastest counts); default 3. */
  readonly repeats?: number;
}

/**
 * Recall@10 against exact search and queries per second (one query at a time, one thread) of an
 * HNSW index at each efSearch. `exact` is the exact index over the same vectors or its top-10 ids
 * per query. The index's efSearch is restored afterwards. Times are measured here and vary with
 * the machine's load: plot them, do not compare them across runs.
 */
export function efSearchSweep(
  index: HnswIndex,
  queries: VectorRows,
  exact: ExactIndex | readonly RankedIds[],
  options: EfSearchSweepOptions = {}
): EfSearchRow[] {
  const values = options.efSearch ?? [10, 20, 40, 80, 160, 320];
  const repeats = options.repeats ?? 3;
  checkK("efSearchSweep (repeats)", repeats);
  if (values.length === 0) throw new Error("efSearchSweep: efSearch must list at least one value.");
  const truth = Array.isArray(exact) ? (exact as readonly RankedIds[]) : (exact as ExactIndex).searchBatch(queries, 10);
  const nq = queries instanceof Float32Array ? queries.length / index.metadata.dimension : queries.length;
  if (truth.length !== nq) throw new Error(`efSearchSweep: ${truth.length} exact results for ${nq} queries.`);
  const before = index.efSearch;
  const rows: EfSearchRow[] = [];
  try {
    for (const ef of values) {
      index.efSearch = ef;
      let best = Infinity;
      let hits: VectorHits[] = [];
      for (let r = 0; r < repeats; r++) {
        const started = performance.now();
        hits = index.searchBatch(queries, 10);
        best = Math.min(best, performance.now() - started);
      }
      const msPerQuery = best / nq;
      rows.push({ efSearch: ef, recallAt10: recallAgainstExact(hits, truth, 10), queriesPerSecond: 1000 / msPerQuery, msPerQuery });
    }
  } finally {
    index.efSearch = before;
  }
  return rows;
}
