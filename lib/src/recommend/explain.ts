/**
 * "Why this item?" for any recommender, by occlusion: take each distinct item out of the
 * shopper's history, score again, and see how much the recommended item's score falls. The
 * item whose removal costs most is the one that drove the recommendation. It needs nothing from
 * the model but `scoreBatch`, so popularity, kNN, Markov, BPR and SASRec are explained the same
 * way, and one batched call scores every occluded history at once.
 *
 * For an additive model the contributions are exact (item-kNN: the removed item's similarity to
 * the recommended one); for a non-linear one (SASRec) they are the effect of that item in this
 * context and need not add up to the score. Occlusion removes every occurrence of an item, so a
 * repeated view is one reason, not several.
 */
import type { Recommender } from "./recommender";

/** What one distinct history item did for a recommended item's score. */
export interface HistoryContribution {
  /** The history item (an item index). */
  readonly item: number;
  /** Its newest position in the history (0 = oldest). */
  readonly lastPosition: number;
  /** How many times it occurs in the history. */
  readonly occurrences: number;
  /** Score with the full history minus score without this item (positive: it pushed the item up). */
  readonly contribution: number;
  /** contribution / the sum of the absolute contributions (0 when they are all 0). */
  readonly share: number;
  /** Attribute names on which this history item and the recommended item agree (from `options.attributes`). */
  readonly shared: readonly string[];
}

export interface RecommendationExplanation {
  /** The explained item (an item index). */
  readonly item: number;
  /** Its score for the full history. */
  readonly score: number;
  /** Its score for an empty history: what the model gives it before knowing the shopper (popularity, a learned bias). */
  readonly prior: number;
  /** One row per distinct history item, the largest contribution first (ties: the newer item first). */
  readonly contributions: readonly HistoryContribution[];
}

export interface ExplainOptions {
  /** Descriptive attributes of an item (such as category and brand) to report which a history item shares with the recommendation. */
  readonly attributes?: (item: number) => Readonly<Record<string, string | undefined>>;
}

/**
 * Explains `items` (already recommended, or any items) for `user` with `history` under `model`
 * over a catalog of `catalogSize` items. Scores 2 + (distinct history items) histories in one
 * `scoreBatch` call.
 */
export async function explainRecommendations(
  model: Recommender,
  catalogSize: number,
  user: number,
  history: Int32Array,
  items: readonly number[],
  options: ExplainOptions = {},
): Promise<RecommendationExplanation[]> {
  if (!Number.isInteger(catalogSize) || catalogSize < 1) throw new Error(`explainRecommendations: catalogSize must be a positive integer, got ${catalogSize}.`);
  const check = (what: string, i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= catalogSize) throw new Error(`explainRecommendations: ${what} ${i} is not an item index from 0 to ${catalogSize - 1}.`);
  };
  history.forEach((i, p) => check(`history position ${p} holds`, i));
  items.forEach((i) => check("item", i));
  const distinct = [...new Set(history)];
  const last = new Map<number, number>();
  const occurrences = new Map<number, number>();
  history.forEach((i, p) => {
    last.set(i, p);
    occurrences.set(i, (occurrences.get(i) ?? 0) + 1);
  });
  const histories = [history, new Int32Array(0), ...distinct.map((d) => history.filter((i) => i !== d))];
  const rows = await model.scoreBatch(histories, histories.map(() => user));
  if (rows.length !== histories.length || rows.some((r) => r.length !== catalogSize)) {
    throw new Error(`explainRecommendations: ${model.name}.scoreBatch should return ${histories.length} rows of ${catalogSize} scores.`);
  }
  const [full, empty] = rows;
  return items.map((item) => {
    const raw = distinct.map((d, r) => ({ d, c: full[item] - rows[r + 2][item] }));
    const total = raw.reduce((a, x) => a + Math.abs(x.c), 0);
    const mine = options.attributes?.(item) ?? {};
    const contributions = raw
      .map(({ d, c }): HistoryContribution => {
        const theirs = options.attributes?.(d) ?? {};
        const shared = Object.keys(mine).filter((key) => mine[key] !== undefined && mine[key] === theirs[key]);
        return { item: d, lastPosition: last.get(d) as number, occurrences: occurrences.get(d) as number, contribution: c, share: total > 0 ? c / total : 0, shared };
      })
      .sort((a, b) => b.contribution - a.contribution || b.lastPosition - a.lastPosition);
    return { item, score: full[item], prior: empty[item], contributions };
  });
}
