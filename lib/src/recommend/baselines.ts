/**
 * The baselines every recommender must beat, computed from the training part of a leave-one-out
 * split: popularity, item-kNN (cosine on co-occurrence within users) and first-order Markov.
 */
import type { LeaveOneOutSplit, Recommender } from "./recommender";
import { trainingCounts } from "./recommend-eval";

/** The same scores for every user: each item's number of training interactions. */
export function popularityRecommender(split: LeaveOneOutSplit): Recommender {
  const scores = Float32Array.from(trainingCounts(split));
  return {
    name: "popularity",
    scoreBatch: (histories) => histories.map(() => scores.slice()),
  };
}

export interface ItemKnnOptions {
  /** Neighbours kept per item, the most similar first (default 100). */
  readonly neighbours?: number;
}

/** Sparse rows: for item i, `index[offset[i]..offset[i+1]]` with similarities `value[...]`. */
export interface NeighbourLists {
  readonly offset: Int32Array;
  readonly index: Int32Array;
  readonly value: Float32Array;
}

/**
 * For every item, its `neighbours` most similar items by cosine similarity of their user sets
 * (binary user-item matrix from the training sequences: co-occurrence counted once per user, so
 * a repeated item does not weigh more). Ties go to the lower item index; zero similarities are
 * never neighbours.
 */
export function itemNeighbours(split: LeaveOneOutSplit, neighbours: number): NeighbourLists {
  if (!Number.isInteger(neighbours) || neighbours < 1) throw new Error(`itemKnn: neighbours must be an integer >= 1, got ${neighbours}.`);
  const n = split.data.itemIds.length;
  const userItems = split.train.map((seq) => Int32Array.from(new Set(seq)));
  const usersOf: number[][] = Array.from({ length: n }, () => []);
  userItems.forEach((items, u) => items.forEach((i) => usersOf[i].push(u)));
  const norm = usersOf.map((users) => Math.sqrt(users.length));
  const co = new Float64Array(n);
  const touched: number[] = [];
  const offset = new Int32Array(n + 1);
  const index: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const u of usersOf[i]) {
      for (const j of userItems[u]) {
        if (j === i) continue;
        if (co[j] === 0) touched.push(j);
        co[j]++;
      }
    }
    const candidates = touched.map((j) => ({ j, s: co[j] / (norm[i] * norm[j]) }));
    candidates.sort((a, b) => b.s - a.s || a.j - b.j);
    for (const c of candidates.slice(0, neighbours)) {
      index.push(c.j);
      value.push(c.s);
    }
    offset[i + 1] = index.length;
    for (const j of touched) co[j] = 0;
    touched.length = 0;
  }
  return { offset, index: Int32Array.from(index), value: Float32Array.from(value) };
}

/**
 * Item-based collaborative filtering: the score of item j is the sum, over the distinct items h
 * of the history, of sim(h, j) when j is among h's neighbours (Sarwar et al. 2001; Deshpande
 * and Karypis 2004).
 */
export function itemKnnRecommender(split: LeaveOneOutSplit, options: ItemKnnOptions = {}): Recommender {
  const lists = itemNeighbours(split, options.neighbours ?? 100);
  const n = split.data.itemIds.length;
  return {
    name: "item-knn",
    scoreBatch: (histories) =>
      histories.map((history) => {
        const scores = new Float32Array(n);
        for (const h of new Set(history)) {
          for (let p = lists.offset[h]; p < lists.offset[h + 1]; p++) scores[lists.index[p]] += lists.value[p];
        }
        return scores;
      }),
  };
}

/**
 * First-order Markov chain: the score of item j after last item a is the number of training
 * transitions a -> j, plus the item's popularity scaled below one transition (popularity / (1 +
 * max popularity)), so that popularity only orders items the chain cannot tell apart (back-off).
 * An empty history gets popularity alone.
 */
export function markovRecommender(split: LeaveOneOutSplit): Recommender {
  const n = split.data.itemIds.length;
  const transitions: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const seq of split.train) {
    for (let p = 1; p < seq.length; p++) {
      const row = transitions[seq[p - 1]];
      row.set(seq[p], (row.get(seq[p]) ?? 0) + 1);
    }
  }
  const counts = trainingCounts(split);
  let max = 0;
  for (const c of counts) max = Math.max(max, c);
  const backOff = Float32Array.from(counts, (c) => c / (1 + max));
  return {
    name: "markov-1",
    scoreBatch: (histories) =>
      histories.map((history) => {
        const scores = backOff.slice();
        if (history.length > 0) for (const [j, c] of transitions[history[history.length - 1]]) scores[j] += c;
        return scores;
      }),
  };
}
