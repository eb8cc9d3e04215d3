/** Chapter 3: feature extraction (pooling, cosine top-k, the contrastive loss, an approximate index's recall). */
import { defineExercise, type Exercise } from "shoplm/instructor";

export type MaskedMeanPool = (tokens: number[][], mask: number[]) => number[];

export const maskedMeanPool = defineExercise<MaskedMeanPool>({
  id: "3.1",
  title: "Masked mean pooling",
  points: 2,
  answerName: "maskedMeanPool",
  libraryCounterparts: ["poolVectors", "poolTokens"],
  tolerance: { abs: 1e-12, rel: 1e-12 },
  instructions: [
    "The encoder gives one vector per token; a sentence embedding is one vector per text. `tokens[i]` is token $i$'s",
    "vector $h_i$ (all of the same length $d$) and `mask[i]` ($m_i$) is 1 for a real token and 0 for padding (a batch pads",
    "short texts to the longest one). Write `maskedMeanPool(tokens, mask)`: the mean of the real tokens' vectors,",
    "",
    "$$e = \\frac{\\sum_i m_i \\, h_i}{\\sum_i m_i},$$",
    "",
    "so that padding never changes a text's embedding. A row of padding only (every $m_i = 0$) has no real token:",
    "return a vector of $d$ zeros (the library's convention), never `NaN`.",
  ].join("\n"),
  stub: [
    "function maskedMeanPool(tokens: number[][], mask: number[]): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Start from new Array(tokens[0].length).fill(0); add tokens[i] for every i with mask[i] === 1, and count them.",
    "Divide by the count of real tokens (not by tokens.length); when the count is 0, return the zeros as they are.",
  ],
  checks: [
    { name: "no padding: the plain mean", args: [[[1, 2], [3, 4], [5, 9]], [1, 1, 1]], expected: [3, 5] },
    {
      name: "padding does not count",
      args: [[[2, 0, 4], [4, 2, 0], [100, -100, 100], [100, 100, 100]], [1, 1, 0, 0]],
      expected: [3, 1, 2],
      hint: "Divide by the number of real tokens (mask 1), and leave the padded vectors out of the sum.",
    },
    { name: "one real token", args: [[[0.5, -1.5], [7, 7]], [1, 0]], expected: [0.5, -1.5] },
    {
      name: "only padding: zeros, not NaN",
      args: [[[1, 2, 3], [4, 5, 6]], [0, 0]],
      expected: [0, 0, 0],
      hint: "0 / 0 is NaN in JavaScript: when no token is real, return the zero vector.",
    },
  ],
});

export type CosineTopK = (query: number[], products: number[][], k: number) => number[];

export const cosineTopK = defineExercise<CosineTopK>({
  id: "3.2",
  title: "Cosine top-k with ties",
  points: 2,
  answerName: "cosineTopK",
  libraryCounterparts: ["ExactIndex"],
  instructions: [
    "Exact vector search: score every product vector $p_j$ against the query vector $q$ by cosine similarity,",
    "",
    "$$\\cos(q, p_j) = \\frac{q \\cdot p_j}{\\lVert q \\rVert \\, \\lVert p_j \\rVert},$$",
    "",
    "and return the indices of the `k` best, best first. Two products with the same score come in index order (the",
    "smaller index first), so that the same catalog always gives the same list. When `k` is larger than the catalog,",
    "return every index. No vector here is zero.",
  ].join("\n"),
  stub: [
    "function cosineTopK(query: number[], products: number[][], k: number): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Compute the scores into an array of { index, score }, then sort with (a, b) => b.score - a.score || a.index - b.index.",
    "Divide by both norms: a long product vector is not a better match. slice(0, k) works when k is larger than the array.",
  ],
  checks: [
    { name: "three products, k = 2", args: [[1, 0], [[0, 1], [1, 1], [1, 0]], 2], expected: [2, 1] },
    {
      name: "length does not count, only direction",
      args: [[1, 1], [[10, 0], [0.5, 0.5], [3, 1]], 3],
      expected: [1, 2, 0],
      hint: "Cosine divides by the product's norm: [10, 0] is long but points away from [1, 1].",
    },
    {
      name: "a tie: the smaller index first",
      args: [[0, 1], [[1, 0], [0, 2], [1, 1], [0, 2]], 3],
      expected: [1, 3, 2],
      hint: "Products 1 and 3 are the same vector: equal scores come in index order.",
    },
    { name: "k larger than the catalog", args: [[1, 0], [[-1, 0], [1, 0]], 5], expected: [1, 0] },
  ],
});

export type InfoNceLoss = (queries: number[][], products: number[][], temperature: number) => number;

export const infoNceLoss = defineExercise<InfoNceLoss>({
  id: "3.3",
  title: "The InfoNCE loss with in-batch negatives",
  points: 3,
  answerName: "infoNceLoss",
  libraryCounterparts: ["infoNce", "infoNceLoss"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "A bi-encoder learns from a batch of $B$ (query, product) pairs: query $i$'s positive is product $i$, and the other",
    "$B - 1$ products of the batch serve as its negatives. With the scores $s_{ij} = q_i \\cdot p_j / \\tau$ (`temperature`",
    "$\\tau$; the vectors are already L2-normalised), the loss is the mean cross-entropy of each row against its diagonal,",
    "",
    "$$\\mathcal{L} = -\\frac{1}{B} \\sum_{i=1}^{B} \\log \\frac{e^{s_{ii}}}{\\sum_{j=1}^{B} e^{s_{ij}}}.$$",
    "",
    "Write `infoNceLoss(queries, products, temperature)`. A small temperature makes scores large (1 / 0.05 = 20 times",
    "the cosine), so compute $\\log \\sum_j e^{s_{ij}}$ as $m + \\log \\sum_j e^{s_{ij} - m}$ with $m = \\max_j s_{ij}$.",
  ].join("\n"),
  stub: [
    "function infoNceLoss(queries: number[][], products: number[][], temperature: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For row i: const s = products.map((p) => dot(queries[i], p) / temperature); the row's loss is logSumExp(s) - s[i].",
    "Average the rows' losses over B (queries.length); the positive of query i is products[i], not products[0].",
  ],
  checks: [
    // Expected values: PyTorch's cross_entropy on q @ p.T / tau in float64 (Debian python3-torch).
    { name: "two orthogonal pairs, temperature 1", args: [[[1, 0], [0, 1]], [[1, 0], [0, 1]], 1], expected: 0.31326168751822286 },
    {
      name: "the same pairs at temperature 0.05",
      args: [[[1, 0], [0, 1]], [[1, 0], [0, 1]], 0.05],
      expected: 2.0611536900435727e-9,
      hint: "Divide the dot products by the temperature before the softmax; subtract the row's largest score before Math.exp.",
    },
    {
      name: "three pairs, one positive scored below a negative",
      args: [[[0.6, 0.8], [1, 0], [0, 1]], [[0.8, 0.6], [0.6, -0.8], [0, 1]], 0.1],
      expected: 0.776425850799753,
      hint: "Row i's target is column i (its own product); average the rows' losses over the batch.",
    },
    {
      name: "temperature 0.001: scores up to 1000",
      args: [[[1, 0], [0.6, 0.8]], [[0.6, 0.8], [1, 0]], 0.001],
      expected: 400,
      hint: "Math.exp(1000) is Infinity: subtract the row's largest score before exponentiating, and add it back after the log.",
    },
    { name: "a batch of one: nothing to tell apart", args: [[[1, 0]], [[0.3, 0.4]], 0.5], expected: 0 },
  ],
});

export type RecallAgainstExact = (approximate: number[][], exact: number[][], k: number) => number;

export const recallAgainstExact = defineExercise<RecallAgainstExact>({
  id: "3.4",
  title: "Recall@k of an approximate index against exact search",
  points: 2,
  answerName: "recallAgainstExact",
  libraryCounterparts: ["recallAgainstExact"],
  tolerance: { abs: 1e-12, rel: 1e-12 },
  instructions: [
    "An approximate index (HNSW) answers faster than exact search but may miss some of the true nearest neighbours.",
    "`approximate[q]` and `exact[q]` are the ids query $q$ got from each, best first. Write",
    "`recallAgainstExact(approximate, exact, k)`: the mean over queries of the share of the exact top $k$ that the",
    "approximate top $k$ found,",
    "",
    "$$\\mathrm{recall@}k = \\frac{1}{Q} \\sum_{q} \\frac{\\lvert A_q \\cap E_q \\rvert}{\\lvert E_q \\rvert},$$",
    "",
    "where $A_q$ and $E_q$ are the first $k$ ids of each list. Order inside the top $k$ does not matter. When the index",
    "holds fewer than $k$ vectors, exact search returns fewer than $k$ ids: divide by how many it returned.",
  ].join("\n"),
  stub: [
    "function recallAgainstExact(approximate: number[][], exact: number[][], k: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For each query: const truth = new Set(exact[q].slice(0, k)); count the ids of approximate[q].slice(0, k) in truth.",
    "Divide each query's count by truth.size (not by k), then average over the queries.",
  ],
  checks: [
    { name: "the same lists", args: [[[1, 2, 3]], [[1, 2, 3]], 3], expected: 1 },
    {
      name: "order inside the top k does not count",
      args: [[[3, 1, 2], [5, 4, 9]], [[1, 2, 3], [4, 5, 6]], 3],
      expected: (1 + 2 / 3) / 2,
      hint: "Compare the top k as sets, per query, then average the queries' recalls.",
    },
    {
      name: "only the first k of each list",
      args: [[[7, 1, 2, 3]], [[1, 2, 3, 7]], 2],
      expected: 0.5,
      hint: "Cut both lists to their first k ids before comparing them.",
    },
    {
      name: "an index smaller than k",
      args: [[[2, 1], [0]], [[1, 2], [0, 1]], 10],
      expected: (1 + 0.5) / 2,
      hint: "Divide by the number of exact ids (at most k), not by k.",
    },
  ],
});

export const chapter3: readonly Exercise[] = [maskedMeanPool, cosineTopK, infoNceLoss, recallAgainstExact];
