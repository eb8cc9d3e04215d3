/** Chapter 3 reference solutions and hidden checks. */
import { Rng } from "shoplm";
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 3.1
function maskedMeanPool(tokens: number[][], mask: number[]): number[] {
  const sum = new Array<number>(tokens[0].length).fill(0);
  let count = 0;
  tokens.forEach((h, i) => {
    if (mask[i] !== 1) return;
    h.forEach((v, j) => (sum[j] += v));
    count++;
  });
  // Only padding: no real token to average, the zero vector.
  return count === 0 ? sum : sum.map((v) => v / count);
}
// #endregion

// #region solution 3.2
function cosineTopK(query: number[], products: number[][], k: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const q = norm(query);
  const scored = products.map((p, index) => ({ index, score: p.reduce((s, x, j) => s + x * query[j], 0) / (q * norm(p)) }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, k).map((s) => s.index);
}
// #endregion

// #region solution 3.3
function infoNceLoss(queries: number[][], products: number[][], temperature: number): number {
  let total = 0;
  queries.forEach((q, i) => {
    const s = products.map((p) => p.reduce((acc, x, j) => acc + x * q[j], 0) / temperature);
    const m = Math.max(...s);
    const logSumExp = m + Math.log(s.reduce((acc, v) => acc + Math.exp(v - m), 0));
    total += logSumExp - s[i];
  });
  return total / queries.length;
}
// #endregion

// #region solution 3.4
function recallAgainstExact(approximate: number[][], exact: number[][], k: number): number {
  let total = 0;
  exact.forEach((list, q) => {
    const truth = new Set(list.slice(0, k));
    const found = new Set(approximate[q].slice(0, k));
    let hits = 0;
    for (const id of found) if (truth.has(id)) hits++;
    total += hits / truth.size;
  });
  return total / exact.length;
}
// #endregion

/** A [rows, cols] matrix of normal draws, reproducible from `seed`. */
function matrix(rows: number, cols: number, seed: number, sd = 1): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal(0, sd)));
}

const unit = (v: number[]): number[] => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

/** Token vectors of a padded batch row: `real` tokens then padding, mask to match. */
function paddedRow(real: number, padded: number, d: number, seed: number): [number[][], number[]] {
  return [matrix(real + padded, d, seed), [...new Array<number>(real).fill(1), ...new Array<number>(padded).fill(0)]];
}

/** A batch of query and product vectors, positives near their query (cosine about 0.8), normalised. */
function contrastiveBatch(b: number, d: number, seed: number): [number[][], number[][]] {
  const queries = matrix(b, d, seed).map(unit);
  const noise = matrix(b, d, seed + 1, 0.6);
  return [queries, queries.map((q, i) => unit(q.map((x, j) => x + noise[i][j] / Math.sqrt(d))))];
}

/** Exact top-k lists and an approximation of them that misses some ids and reorders others. */
function approximateRuns(queries: number, k: number, missRate: number, seed: number): [number[][], number[][]] {
  const rng = new Rng(seed);
  const exact = Array.from({ length: queries }, (_, q) => rng.permutation(1000).slice(0, k).map((x) => x + q));
  const approx = exact.map((list) => rng.shuffle(list.map((id) => (rng.next() < missRate ? 5000 + rng.int(1000) : id))));
  return [approx, exact];
}

export const chapter3: readonly Solution[] = [
  defineSolution<typeof maskedMeanPool>({
    id: "3.1",
    reference: maskedMeanPool,
    hidden: [
      { name: "12 real tokens of 16, d = 32", args: paddedRow(12, 4, 32, 11) },
      { name: "no padding, d = 128 (the course model's width)", args: paddedRow(9, 0, 128, 12) },
      { name: "[CLS] only, the rest padding", args: paddedRow(1, 15, 8, 13) },
      { name: "a whole row of padding, d = 5", args: paddedRow(0, 6, 5, 14) },
    ],
  }),
  defineSolution<typeof cosineTopK>({
    id: "3.2",
    reference: cosineTopK,
    hidden: [
      { name: "200 products of dimension 16, k = 10", args: [matrix(1, 16, 21)[0], matrix(200, 16, 22), 10] },
      {
        name: "duplicated products in the top 5",
        args: (() => {
          const products = matrix(30, 8, 31);
          const query = matrix(1, 8, 32)[0];
          const best = cosineTopK(query, products, 2);
          products[25] = [...products[best[0]]];
          products[3] = [...products[best[1]]];
          return [query, products, 5] as [number[], number[][], number];
        })(),
      },
      { name: "k = 1", args: [matrix(1, 4, 41)[0], matrix(50, 4, 42), 1] },
      { name: "k equal to the catalog", args: [matrix(1, 3, 51)[0], matrix(7, 3, 52), 7] },
    ],
  }),
  defineSolution<typeof infoNceLoss>({
    id: "3.3",
    reference: infoNceLoss,
    hidden: [
      { name: "a batch of 16, dimension 32, temperature 0.05", args: [...contrastiveBatch(16, 32, 61), 0.05] },
      { name: "a batch of 8 at temperature 1", args: [...contrastiveBatch(8, 16, 71), 1] },
      { name: "temperature 0.01 (scores up to 100)", args: [...contrastiveBatch(6, 8, 81), 0.01] },
      { name: "positives that are the queries themselves", args: (() => { const q = matrix(5, 6, 91).map(unit); return [q, q.map((v) => [...v]), 0.1] as [number[][], number[][], number]; })() },
    ],
  }),
  defineSolution<typeof recallAgainstExact>({
    id: "3.4",
    reference: recallAgainstExact,
    hidden: [
      { name: "100 queries at k = 10, about 8 % missed", args: [...approximateRuns(100, 10, 0.08, 101), 10] },
      { name: "lists of 100 scored at k = 10", args: [...approximateRuns(20, 100, 0.3, 111), 10] },
      { name: "nothing found", args: [[[9, 8], [7]], [[1, 2], [3]], 2] },
      { name: "one query, k = 1", args: [[[4, 5]], [[4, 6]], 1] },
    ],
  }),
];
