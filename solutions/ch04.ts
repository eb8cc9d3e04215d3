/** Chapter 4 reference solutions and hidden checks. */
import { Rng } from "shoplm";
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 4.1
function bm25Scores(query: string[], documents: string[][], k1: number, b: number): number[] {
  const n = documents.length;
  const mean = documents.reduce((s, d) => s + d.length, 0) / n;
  const sets = documents.map((d) => new Set(d));
  const scores = new Array<number>(n).fill(0);
  for (const term of new Set(query)) {
    const df = sets.filter((s) => s.has(term)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    documents.forEach((d, i) => {
      const tf = d.filter((t) => t === term).length;
      if (tf === 0) return;
      const norm = tf / (1 - b + (b * d.length) / mean);
      scores[i] += (idf * norm) / (k1 + norm);
    });
  }
  return scores;
}
// #endregion

// #region solution 4.2
function rrfFuse(lists: string[][], k: number): string[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([id]) => id);
}
// #endregion

// #region solution 4.3
function pairwiseLoss(scores: number[], labels: number[], sigma: number): number {
  const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  let total = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] <= labels[j]) continue;
      total += softplus(-sigma * (scores[i] - scores[j]));
      pairs++;
    }
  }
  return pairs === 0 ? 0 : total / pairs;
}
// #endregion

// #region solution 4.4
function bprLoss(positive: number[], negative: number[]): number {
  const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  return positive.reduce((s, p, m) => s + softplus(-(p - negative[m])), 0) / positive.length;
}
// #endregion

// #region solution 4.5
function leaveOneOutMetrics(scores: number[][], targets: number[], histories: number[][], k: number): { hitRate: number; ndcg: number } {
  let hits = 0;
  let ndcg = 0;
  scores.forEach((row, u) => {
    const target = targets[u];
    const seen = new Set(histories[u]);
    if (seen.has(target)) return;
    let ahead = 0;
    row.forEach((s, i) => {
      if (i !== target && !seen.has(i) && s >= row[target]) ahead++;
    });
    const rank = ahead + 1;
    if (rank <= k) {
      hits++;
      ndcg += 1 / Math.log2(rank + 1);
    }
  });
  return { hitRate: hits / scores.length, ndcg: ndcg / scores.length };
}
// #endregion

// #region solution 4.6
function mmrSelect(relevance: number[], similarity: number[][], lambda: number, k: number): number[] {
  const n = relevance.length;
  const maxSim = new Array<number>(n).fill(0);
  const taken = new Array<boolean>(n).fill(false);
  const chosen: number[] = [];
  while (chosen.length < Math.min(k, n)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const s = lambda * relevance[i] - (1 - lambda) * maxSim[i];
      if (best < 0 || s > bestScore || (s === bestScore && relevance[i] > relevance[best])) {
        best = i;
        bestScore = s;
      }
    }
    taken[best] = true;
    chosen.push(best);
    for (let i = 0; i < n; i++) {
      if (!taken[i]) maxSim[i] = chosen.length === 1 ? similarity[i][best] : Math.max(maxSim[i], similarity[i][best]);
    }
  }
  return chosen;
}
// #endregion

const WORDS = ["phone", "case", "usb", "cable", "red", "blue", "mug", "steel", "lamp", "desk", "led", "charger", "wireless", "black", "kettle"];

/** A small tokenised catalog and a query drawn from its words (plus one absent word). */
function corpus(docs: number[], seed: number): [string[], string[][]] {
  const rng = new Rng(seed);
  const documents = docs.map((length) => Array.from({ length }, () => WORDS[rng.int(WORDS.length)]));
  const query = [WORDS[rng.int(WORDS.length)], WORDS[rng.int(WORDS.length)], "zzz"];
  return [query, documents];
}

/** Ranked lists of product ids drawn from a pool, overlapping. */
function rankedLists(lists: number, length: number, pool: number, seed: number): string[][] {
  const rng = new Rng(seed);
  return Array.from({ length: lists }, () => rng.permutation(pool).slice(0, length).map((i) => `p${String(i).padStart(3, "0")}`));
}

/** A pool's scores and graded labels. */
function pool(n: number, grades: number, spread: number, seed: number): [number[], number[]] {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, () => rng.int(grades));
  return [labels.map((y) => y + rng.normal(0, spread)), labels];
}

/** Score rows over a catalog, targets and histories for leave-one-out. */
function heldOut(users: number, items: number, seed: number, ties = false): [number[][], number[], number[][]] {
  const rng = new Rng(seed);
  const scores = Array.from({ length: users }, () => Array.from({ length: items }, () => (ties ? rng.int(4) / 4 : rng.next())));
  const targets = Array.from({ length: users }, () => rng.int(items));
  const histories = Array.from({ length: users }, () => rng.permutation(items).slice(0, rng.int(5)));
  return [scores, targets, histories];
}

/** Relevances and a symmetric cosine-similarity matrix of random vectors (some negative). */
function candidates(n: number, d: number, seed: number): [number[], number[][]] {
  const rng = new Rng(seed);
  const vectors = Array.from({ length: n }, () => {
    const v = Array.from({ length: d }, () => rng.normal(0, 1));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const similarity = vectors.map((a) => vectors.map((b) => a.reduce((s, x, j) => s + x * b[j], 0)));
  return [Array.from({ length: n }, () => rng.next()), similarity];
}

export const chapter4: readonly Solution[] = [
  defineSolution<typeof bm25Scores>({
    id: "4.1",
    reference: bm25Scores,
    hidden: [
      { name: "40 documents of 3 to 12 tokens, k1 1.2, b 0.75", args: [...corpus(Array.from({ length: 40 }, (_, i) => 3 + (i % 10)), 11), 1.2, 0.75] },
      { name: "b = 1: full length normalisation", args: [...corpus([2, 8, 20, 5, 5], 12), 0.9, 1] },
      { name: "k1 = 0: every match counts idf", args: [...corpus([4, 6, 3], 13), 0, 0.5] },
      { name: "a query word in every document", args: [["case"], [["case", "red"], ["case"], ["blue", "case", "case"]], 1.5, 0.75] },
    ],
  }),
  defineSolution<typeof rrfFuse>({
    id: "4.2",
    reference: rrfFuse,
    hidden: [
      { name: "three lists of 20 from 40 products, k = 60", args: [rankedLists(3, 20, 40, 21), 60] },
      { name: "two lists of 50 from 60, k = 1", args: [rankedLists(2, 50, 60, 22), 1] },
      { name: "one list: its own order", args: [rankedLists(1, 10, 10, 23), 60] },
      { name: "an empty list beside a full one", args: [[[], ["b", "a", "c"]], 60] },
    ],
  }),
  defineSolution<typeof pairwiseLoss>({
    id: "4.3",
    reference: pairwiseLoss,
    hidden: [
      { name: "a pool of 40 with grades 0-3", args: [...pool(40, 4, 1, 31), 1] },
      { name: "sigma 5, a noisy pool of 20", args: [...pool(20, 3, 3, 32), 5] },
      { name: "scores 1000 apart in the wrong order", args: [[-1000, 0, 1000], [2, 1, 0], 1] },
    ],
  }),
  defineSolution<typeof bprLoss>({
    id: "4.4",
    reference: bprLoss,
    hidden: [
      { name: "100 triples", args: (() => { const [s, y] = pool(200, 2, 2, 41); return [s.slice(0, 100), s.slice(100).map((x, i) => x + y[i])] as [number[], number[]]; })() },
      { name: "positives far above their negatives", args: [[800, 20, 5], [-800, 0, 4.5]] },
      { name: "one triple", args: [[0.25], [-0.25]] },
    ],
  }),
  defineSolution<typeof leaveOneOutMetrics>({
    id: "4.5",
    reference: leaveOneOutMetrics,
    hidden: [
      { name: "50 users, 200 items, k = 10", args: [...heldOut(50, 200, 51), 10] },
      { name: "scores in quarters (many ties), k = 5", args: [...heldOut(30, 40, 52, true), 5] },
      { name: "k = 1", args: [...heldOut(20, 15, 53), 1] },
    ],
  }),
  defineSolution<typeof mmrSelect>({
    id: "4.6",
    reference: mmrSelect,
    hidden: [
      { name: "30 candidates, lambda 0.5, k = 10", args: [...candidates(30, 8, 61), 0.5, 10] },
      { name: "lambda 0: diversity only", args: [...candidates(12, 4, 62), 0, 12] },
      { name: "lambda 0.9, k larger than the pool", args: [...candidates(6, 3, 63), 0.9, 20] },
    ],
  }),
];
