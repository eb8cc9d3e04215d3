/**
 * Leave-one-out evaluation of a recommender by full-catalog ranking: the held-out item is ranked
 * against every item of the catalog (no sampled negatives, which inflate and reorder models;
 * Krichene and Rendle 2020), in batches, with a streaming top-k instead of a sort.
 */
import { catalogCoverage, longTailShare } from "../eval/beyond";
import type { HeldOutItem, InteractionData, LeaveOneOutSplit, Recommender } from "./recommender";

/** Hit rate, NDCG and MRR over a group of held-out items. */
export interface RecommendMetrics {
  /** Held-out items in the group. */
  readonly count: number;
  /** HR@k: share of targets ranked within the top k. */
  readonly hr: number;
  /** NDCG@k with one relevant item: 1 / log2(rank + 1) when rank <= k, else 0. */
  readonly ndcg: number;
  /** Mean reciprocal rank over the whole catalog (no cut-off). */
  readonly mrr: number;
}

/** One bucket of held-out items; an empty bucket has count 0 and metrics 0. */
export interface RecommendGroup extends RecommendMetrics {
  readonly group: string;
}

export interface RecommendEvaluation extends RecommendMetrics {
  readonly model: string;
  readonly k: number;
  readonly heldOut: "test" | "validation";
  readonly excludeHistory: boolean;
  /** Share of the catalog that appears in at least one top-k list. */
  readonly coverage: number;
  /** Share of recommended slots filled by long-tail items (outside the 20 % most popular, by training counts). */
  readonly longTailShare: number;
  /**
   * Mean popularity percentile of recommended slots: for each recommended item, the share of the
   * catalog strictly less popular in training (0: among the least popular, near 1: the head).
   */
  readonly popularityPercentile: number;
  /** Share of targets already in their history (repeat interactions); with excludeHistory they are misses. */
  readonly repeatTargets: number;
  /** By the user's number of training items. */
  readonly byActivity: readonly RecommendGroup[];
  /** By the target item's number of training interactions: 0 is a cold-start item. */
  readonly byTargetPopularity: readonly RecommendGroup[];
  /** Per held-out item, in split order: its rank in the catalog (1 = best). */
  readonly ranks: Int32Array;
  /** Per held-out item, the top-k item indices, best first. */
  readonly topK: readonly Int32Array[];
  readonly seconds: number;
}

export interface RecommendEvalOptions {
  /** Cut-off for HR, NDCG, coverage and popularity (default 10). */
  readonly k?: number;
  /** Which held-out items (default "test"). */
  readonly heldOut?: "test" | "validation";
  /**
   * Remove the items of the user's history from the ranking (default true, as RecBole's full
   * sort does): recommending what the user just bought is rarely useful, and on data without
   * repeats (most public sets) it only removes noise. A target that repeats a history item is
   * then a miss; `repeatTargets` says how often that happens (pass false on data with repeats).
   */
  readonly excludeHistory?: boolean;
  /** Histories scored per `scoreBatch` call (default 256). */
  readonly batchSize?: number;
  /** Upper bounds (exclusive) of the activity buckets, in training items (default [5, 10, 20]). */
  readonly activityBuckets?: readonly number[];
  /** Upper bounds (exclusive) of the target-popularity buckets, in training interactions (default [1, 5]: cold, rare, the rest). */
  readonly popularityBuckets?: readonly number[];
  /** Called after each batch with the held-out items done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Rank of `target` among all items: 1 + the number of other items scoring higher, with ties
 * counted pessimistically (every other item with the same score ranks ahead), so a model that
 * gives every item the same score ranks each target last. Items with `masked[i]` set are out of
 * the ranking; a masked target is not ranked at all: rank n + 1 (a miss at every k, reciprocal
 * rank 0). NaN scores are an error.
 */
export function targetRank(scores: Float32Array, target: number, masked?: Uint8Array): number {
  const n = scores.length;
  // Out of the ranking: below every rankable item, a miss at every k (k <= n) and MRR 0.
  if (masked && masked[target]) return n + 1;
  const t = scores[target];
  if (Number.isNaN(t)) throw new Error(`targetRank: the score of target item ${target} is NaN.`);
  let ahead = 0;
  for (let i = 0; i < n; i++) {
    if (i === target || (masked && masked[i])) continue;
    if (scores[i] >= t) ahead++;
  }
  return ahead + 1;
}

/**
 * The k best items, best first, skipping masked items; ties go to the lower item index. One pass
 * with a sorted buffer of k: most items fail the comparison with the current k-th and cost one test.
 */
export function topKItems(scores: Float32Array, k: number, masked?: Uint8Array): Int32Array {
  const best = new Int32Array(k);
  const bestScore = new Float32Array(k);
  let size = 0;
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    if (masked && masked[i]) continue;
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`topKItems: the score of item ${i} is NaN.`);
    if (size === k && !(s > bestScore[k - 1])) continue;
    let p = size < k ? size : k - 1;
    while (p > 0 && s > bestScore[p - 1]) {
      best[p] = best[p - 1];
      bestScore[p] = bestScore[p - 1];
      p--;
    }
    best[p] = i;
    bestScore[p] = s;
    if (size < k) size++;
  }
  return size === k ? best : best.slice(0, size);
}

function bucketLabels(bounds: readonly number[], what: string): string[] {
  bounds.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || (i > 0 && b <= bounds[i - 1])) throw new Error(`evaluateRecommender: options.${what} must be increasing integers >= 1, got [${bounds.join(", ")}].`);
  });
  const labels: string[] = [];
  let low = 0;
  for (const b of bounds) {
    labels.push(b - 1 === low ? `${low}` : `${low}-${b - 1}`);
    low = b;
  }
  labels.push(`${low}+`);
  return labels;
}

function bucketOf(value: number, bounds: readonly number[]): number {
  let b = 0;
  while (b < bounds.length && value >= bounds[b]) b++;
  return b;
}

function summarise(ranks: ArrayLike<number>, members: readonly number[] | null, k: number, n: number): RecommendMetrics {
  let hr = 0;
  let ndcg = 0;
  let mrr = 0;
  const count = members ? members.length : ranks.length;
  for (let m = 0; m < count; m++) {
    const r = ranks[members ? members[m] : m];
    if (r <= k) {
      hr += 1;
      ndcg += 1 / Math.log2(r + 1);
    }
    if (r <= n) mrr += 1 / r;
  }
  return count === 0 ? { count, hr: 0, ndcg: 0, mrr: 0 } : { count, hr: hr / count, ndcg: ndcg / count, mrr: mrr / count };
}

/**
 * The k item ids `model` recommends after `history` (item indices, oldest first) for user
 * `user`, best first; the history's items are left out unless `excludeHistory` is false.
 */
export async function recommendItems(model: Recommender, data: InteractionData, user: number, history: Int32Array, k = 10, options: { excludeHistory?: boolean } = {}): Promise<string[]> {
  const n = data.itemIds.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`recommendItems: k must be an integer from 1 to the catalog size ${n}, got ${k}.`);
  if (!Number.isInteger(user) || user < 0 || user >= data.userIds.length) throw new Error(`recommendItems: user must be a user index from 0 to ${data.userIds.length - 1}, got ${user}.`);
  for (const item of history) if (!Number.isInteger(item) || item < 0 || item >= n) throw new Error(`recommendItems: history holds ${item}, not an item index from 0 to ${n - 1}.`);
  const [row] = await model.scoreBatch([history], [user]);
  if (!(row instanceof Float32Array) || row.length !== n) throw new Error(`recommendItems: ${model.name}.scoreBatch should return a Float32Array of ${n} scores.`);
  let masked: Uint8Array | undefined;
  if (options.excludeHistory ?? true) {
    masked = new Uint8Array(n);
    for (const item of history) masked[item] = 1;
  }
  return Array.from(topKItems(row, k, masked), (i) => data.itemIds[i]);
}

/** Training interactions per item (the popularity every model and metric here uses). */
export function trainingCounts(split: LeaveOneOutSplit): Float64Array {
  const counts = new Float64Array(split.data.itemIds.length);
  for (const seq of split.train) for (const item of seq) counts[item]++;
  return counts;
}

/**
 * Evaluates `model` on the split's held-out items by full-catalog ranking (every item is a
 * candidate; no sampled negatives): HR@k, NDCG@k, MRR, catalog coverage and popularity bias of
 * the top-k lists, by user activity and by target popularity (cold-start targets). Ranks count
 * ties pessimistically (see `targetRank`).
 */
export async function evaluateRecommender(model: Recommender, split: LeaveOneOutSplit, options: RecommendEvalOptions = {}): Promise<RecommendEvaluation> {
  const started = performance.now();
  const n = split.data.itemIds.length;
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`evaluateRecommender: options.k must be an integer from 1 to the catalog size ${n}, got ${k}.`);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluateRecommender: options.batchSize must be an integer >= 1, got ${batchSize}.`);
  const heldOutName = options.heldOut ?? "test";
  if (heldOutName !== "test" && heldOutName !== "validation") throw new Error(`evaluateRecommender: options.heldOut must be "test" or "validation", got ${JSON.stringify(heldOutName)}.`);
  const heldOut: readonly HeldOutItem[] = heldOutName === "test" ? split.test : split.validation;
  if (heldOut.length === 0) throw new Error(`evaluateRecommender: the split has no ${heldOutName} items (every user has fewer than three interactions).`);
  const excludeHistory = options.excludeHistory ?? true;
  const activityBounds = options.activityBuckets ?? [5, 10, 20];
  const popularityBounds = options.popularityBuckets ?? [1, 5];
  const activityLabels = bucketLabels(activityBounds, "activityBuckets");
  const popularityLabels = bucketLabels(popularityBounds, "popularityBuckets");

  const ranks = new Int32Array(heldOut.length);
  const topK: Int32Array[] = new Array<Int32Array>(heldOut.length);
  const masked = new Uint8Array(n);
  let repeats = 0;
  for (let start = 0; start < heldOut.length; start += batchSize) {
    const batch = heldOut.slice(start, start + batchSize);
    const scores = await model.scoreBatch(
      batch.map((h) => h.history),
      batch.map((h) => h.user),
    );
    if (!Array.isArray(scores) || scores.length !== batch.length) throw new Error(`evaluateRecommender: ${model.name}.scoreBatch returned ${Array.isArray(scores) ? scores.length : typeof scores} score rows for ${batch.length} histories.`);
    batch.forEach((h, b) => {
      const row = scores[b];
      if (!(row instanceof Float32Array) || row.length !== n) throw new Error(`evaluateRecommender: ${model.name}.scoreBatch row ${b} should be a Float32Array of ${n} scores (one per item), got ${row instanceof Float32Array ? `length ${row.length}` : typeof row}.`);
      let repeat = false;
      for (const item of h.history) if (item === h.target) repeat = true;
      if (repeat) repeats++;
      if (excludeHistory) for (const item of h.history) masked[item] = 1;
      ranks[start + b] = targetRank(row, h.target, excludeHistory ? masked : undefined);
      topK[start + b] = topKItems(row, k, excludeHistory ? masked : undefined);
      if (excludeHistory) for (const item of h.history) masked[item] = 0;
    });
    options.onProgress?.(Math.min(start + batchSize, heldOut.length), heldOut.length);
  }

  const counts = trainingCounts(split);
  const byActivity = activityLabels.map(() => [] as number[]);
  const byPopularity = popularityLabels.map(() => [] as number[]);
  heldOut.forEach((h, i) => {
    byActivity[bucketOf(split.train[h.user].length, activityBounds)].push(i);
    byPopularity[bucketOf(counts[h.target], popularityBounds)].push(i);
  });

  const ids = split.data.itemIds;
  const lists = topK.map((list) => Array.from(list, (i) => ids[i]));
  const popularity = new Map<string, number>();
  ids.forEach((id, i) => popularity.set(id, counts[i]));
  // Share of items strictly less popular, for every distinct count.
  const sorted = Float64Array.from(counts).sort();
  const below = (c: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < c) lo = mid + 1;
      else hi = mid;
    }
    return lo / n;
  };
  let percentile = 0;
  let slots = 0;
  for (const list of topK) for (const item of list) {
    percentile += below(counts[item]);
    slots++;
  }
  return {
    model: model.name,
    k,
    heldOut: heldOutName,
    excludeHistory,
    ...summarise(ranks, null, k, n),
    coverage: catalogCoverage(lists, ids),
    longTailShare: longTailShare(lists, popularity),
    popularityPercentile: slots === 0 ? 0 : percentile / slots,
    repeatTargets: repeats / heldOut.length,
    byActivity: activityLabels.map((group, g) => ({ group, ...summarise(ranks, byActivity[g], k, n) })),
    byTargetPopularity: popularityLabels.map((group, g) => ({ group, ...summarise(ranks, byPopularity[g], k, n) })),
    ranks,
    topK,
    seconds: (performance.now() - started) / 1000,
  };
}
