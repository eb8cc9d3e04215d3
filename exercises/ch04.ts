/** Chapter 4: ranking and recommendation (BM25, fusion, a pairwise loss, BPR, leave-one-out metrics, diversity). */
import { defineExercise, type Exercise } from "shoplm/instructor";

export type Bm25Scores = (query: string[], documents: string[][], k1: number, b: number) => number[];

export const bm25Scores = defineExercise<Bm25Scores>({
  id: "4.1",
  title: "BM25 scores of a small catalog",
  points: 3,
  answerName: "bm25Scores",
  libraryCounterparts: ["Bm25Index"],
  tolerance: { abs: 1e-12, rel: 1e-12 },
  instructions: [
    "Each document is a list of tokens (already lower-cased and split); the query is a list of tokens too. With $N$",
    "documents, $\\mathrm{df}(t)$ the number of documents that contain term $t$, $\\mathrm{tf}(t, d)$ how often $t$ occurs",
    "in document $d$, $|d|$ its length and $\\overline{|d|}$ the mean length over the catalog, BM25 scores",
    "",
    "$$\\mathrm{idf}(t) = \\ln\\Big(1 + \\frac{N - \\mathrm{df}(t) + 0.5}{\\mathrm{df}(t) + 0.5}\\Big), \\qquad",
    "\\widetilde{\\mathrm{tf}}(t, d) = \\frac{\\mathrm{tf}(t, d)}{1 - b + b \\, |d| / \\overline{|d|}},$$",
    "",
    "$$\\mathrm{score}(q, d) = \\sum_{t \\in q} \\mathrm{idf}(t) \\, \\frac{\\widetilde{\\mathrm{tf}}(t, d)}{k_1 + \\widetilde{\\mathrm{tf}}(t, d)},$$",
    "",
    "the sum over the query's *distinct* terms (a word typed twice counts once). Write `bm25Scores(query, documents, k1, b)`:",
    "one score per document, in the documents' order. A document without any query term scores 0. (This is the library's",
    "`Bm25Index` with one field of weight 1; its numerator leaves out the constant $k_1 + 1$ of the textbook form, which",
    "changes no ranking.)",
  ].join("\n"),
  stub: [
    "function bm25Scores(query: string[], documents: string[][], k1: number, b: number): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Count df with a Set per document; the mean length is the total number of tokens over N.",
    "Loop over new Set(query), not over query: a repeated query word counts once.",
  ],
  checks: [
    {
      name: "one term, three documents of equal length",
      args: [["case"], [["phone", "case"], ["phone", "charger"], ["case", "case"]], 1.2, 0.75],
      expected: [0.21363801329351617, 0, 0.29375226827858475],
    },
    {
      name: "a repeated query word counts once",
      args: [["red", "red", "mug"], [["red", "mug"], ["blue", "mug", "big"], ["red", "kettle", "steel", "lid"]], 1.2, 0.75],
      expected: [0.49474066236393227, 0.21363801329351617, 0.18800145169829427],
      hint: "Iterate over the distinct query terms (new Set(query)).",
    },
    {
      name: "b = 0: no length normalisation",
      args: [["usb"], [["usb", "cable", "long", "braided"], ["usb", "hub"]], 2, 0],
      expected: [0.06077385226465153, 0.06077385226465153],
      hint: "With b = 0 the denominator 1 - b + b |d| / avg is 1 for every document.",
    },
    {
      name: "a query word in no document adds nothing",
      args: [["lamp", "zebra"], [["desk", "lamp"], ["floor", "lamp", "led"], ["rug"]], 1.2, 0.75],
      expected: [0.21363801329351617, 0.17735986009273044, 0],
    },
  ],
});

export type RrfFuse = (lists: string[][], k: number) => string[];

export const rrfFuse = defineExercise<RrfFuse>({
  id: "4.2",
  title: "Reciprocal rank fusion",
  points: 2,
  answerName: "rrfFuse",
  libraryCounterparts: ["reciprocalRankFusion"],
  instructions: [
    "Hybrid search merges the rankings of keyword search and a bi-encoder, whose scores are on different scales.",
    "Reciprocal rank fusion needs only positions: each list $\\ell$ gives a product at position $r_\\ell(d)$ (counted from 1)",
    "the score $1 / (k + r_\\ell(d))$, and a product's fused score is the sum over the lists it appears in:",
    "",
    "$$\\mathrm{RRF}(d) = \\sum_{\\ell : d \\in \\ell} \\frac{1}{k + r_\\ell(d)}.$$",
    "",
    "Write `rrfFuse(lists, k)`: every product of any list, by fused score, best first. Equal scores are ordered by product",
    "id (the smaller string first, as `<` compares them), so that a fusion is reproducible.",
  ].join("\n"),
  stub: [
    "function rrfFuse(lists: string[][], k: number): string[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Accumulate into a Map<string, number>: for each list, for each (id, i), add 1 / (k + i + 1).",
    "Sort the entries with (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0).",
  ],
  checks: [
    { name: "two lists that agree", args: [[["a", "b", "c"], ["a", "b", "c"]], 60], expected: ["a", "b", "c"] },
    {
      name: "a product in both lists beats one that tops only one",
      args: [[["p1", "p2", "p3"], ["p4", "p2", "p5"]], 60],
      expected: ["p2", "p1", "p4", "p3", "p5"],
      hint: "p2 collects 1/62 twice, more than p1's single 1/61.",
    },
    {
      name: "equal scores in id order",
      args: [[["x", "y"], ["y", "x"]], 10],
      expected: ["x", "y"],
      hint: "x and y both score 1/11 + 1/12: order them by id.",
    },
    {
      name: "k = 0: positions count in full",
      args: [[["a", "b", "c", "d"], ["d"]], 0],
      expected: ["d", "a", "b", "c"],
      hint: "Position 1 of a list gives 1 / (0 + 1) = 1: d gets 1/4 + 1.",
    },
  ],
});

export type PairwiseLoss = (scores: number[], labels: number[], sigma: number) => number;

export const pairwiseLoss = defineExercise<PairwiseLoss>({
  id: "4.3",
  title: "The RankNet pairwise loss",
  points: 2,
  answerName: "pairwiseLoss",
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "A learned ranker scores each product of a query's pool; RankNet trains it on pairs. For every pair $(i, j)$ of the pool",
    "with $y_i > y_j$ (product $i$ is more relevant), the model's probability that $i$ ranks above $j$ is",
    "$\\sigma(\\sigma_0 (s_i - s_j))$ with the logistic $\\sigma$ and the scale $\\sigma_0$ (`sigma`), and the loss is its negative log:",
    "",
    "$$\\mathcal{L} = \\frac{1}{|P|} \\sum_{(i, j) \\in P} \\ln\\big(1 + e^{-\\sigma_0 (s_i - s_j)}\\big), \\qquad P = \\{(i, j) : y_i > y_j\\}.$$",
    "",
    "Write `pairwiseLoss(scores, labels, sigma)`. Pairs with equal labels do not count; a pool without any such pair has loss 0.",
    "Scores can be far apart: compute $\\ln(1 + e^{x})$ as $\\max(x, 0) + \\ln(1 + e^{-|x|})$ so that it never overflows.",
  ].join("\n"),
  stub: [
    "function pairwiseLoss(scores: number[], labels: number[], sigma: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Two loops over i and j; keep only labels[i] > labels[j]; count the pairs.",
    "softplus(x) = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), with x = -sigma * (s_i - s_j).",
  ],
  checks: [
    { name: "one pair, equal scores", args: [[0, 0], [1, 0], 1], expected: Math.LN2 },
    {
      name: "three grades, sigma 1",
      args: [[2, 1, 0.5], [2, 1, 0], 1],
      expected: 0.3295839832270273,
      hint: "Every pair with different labels counts once, the more relevant product first.",
    },
    {
      name: "equal labels make no pair",
      args: [[3, -1, 0.2, 0.2], [1, 1, 0, 0], 2],
      expected: 1.2452635977904483,
      hint: "Only pairs with labels[i] > labels[j]: (0, 2), (0, 3), (1, 2), (1, 3).",
    },
    {
      name: "a wrong order by 800: no overflow",
      args: [[-400, 400], [1, 0], 1],
      expected: 800,
      hint: "Math.exp(800) is Infinity: use max(x, 0) + log1p(exp(-|x|)).",
    },
    { name: "no pair at all", args: [[0.3, 0.1], [2, 2], 1], expected: 0 },
  ],
});

export type BprLoss = (positive: number[], negative: number[]) => number;

export const bprLoss = defineExercise<BprLoss>({
  id: "4.4",
  title: "The BPR loss",
  points: 2,
  answerName: "bprLoss",
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "Bayesian Personalised Ranking learns from implicit feedback: for a user $u$, an item they interacted with ($i$) should",
    "score higher than a sampled item they did not ($j$). With the model's scores $\\hat x_{ui}$ and $\\hat x_{uj}$ of each",
    "sampled triple, the loss (before regularisation) is the mean negative log-likelihood",
    "",
    "$$\\mathcal{L} = -\\frac{1}{n} \\sum_{m=1}^{n} \\ln \\sigma\\big(\\hat x_{u i_m} - \\hat x_{u j_m}\\big).$$",
    "",
    "Write `bprLoss(positive, negative)`, where `positive[m]` and `negative[m]` are triple $m$'s two scores. Note that",
    "$-\\ln \\sigma(x) = \\ln(1 + e^{-x})$; compute it without overflow when $x$ is very negative.",
  ].join("\n"),
  stub: [
    "function bprLoss(positive: number[], negative: number[]): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For each m, x = positive[m] - negative[m]; the triple's loss is softplus(-x).",
    "softplus(z) = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); average over the triples.",
  ],
  checks: [
    { name: "equal scores: ln 2", args: [[1], [1]], expected: Math.LN2 },
    {
      name: "two triples",
      args: [[2, 0.5], [0, 1.5]],
      expected: 0.7200948492805976,
      hint: "The difference is positive minus negative: a positive scored below its negative costs more than ln 2.",
    },
    {
      name: "a negative scored 1000 above the positive",
      args: [[-500, 3], [500, 3]],
      expected: 500.34657359027995,
      hint: "Math.exp(1000) is Infinity: softplus(z) = max(z, 0) + log1p(exp(-|z|)).",
    },
  ],
});

export type LeaveOneOutMetrics = (scores: number[][], targets: number[], histories: number[][], k: number) => { hitRate: number; ndcg: number };

export const leaveOneOutMetrics = defineExercise<LeaveOneOutMetrics>({
  id: "4.5",
  title: "Leave-one-out HR@k and NDCG@k with full ranking",
  points: 3,
  answerName: "leaveOneOutMetrics",
  libraryCounterparts: ["evaluateRecommender"],
  tolerance: { abs: 1e-12, rel: 1e-12 },
  instructions: [
    "Leave-one-out evaluation holds out each user's last item (`targets[u]`) and asks the recommender to score every item of",
    "the catalog (`scores[u][i]`), with no sampled negatives. Items the user already had (`histories[u]`) are out of the",
    "ranking. The target's rank is 1 plus the number of other ranked items whose score is *at least* the target's (ties",
    "count against the model, so a model that scores everything alike gains nothing); a target that is in the user's",
    "history is a miss. Then",
    "",
    "$$\\mathrm{HR@}k = \\frac{1}{|U|} \\sum_u [\\mathrm{rank}_u \\le k], \\qquad",
    "\\mathrm{NDCG@}k = \\frac{1}{|U|} \\sum_u \\frac{[\\mathrm{rank}_u \\le k]}{\\log_2(\\mathrm{rank}_u + 1)}$$",
    "",
    "(one relevant item per user, so the ideal DCG is 1). Write `leaveOneOutMetrics(scores, targets, histories, k)`",
    "returning `{ hitRate, ndcg }`.",
  ].join("\n"),
  stub: [
    "function leaveOneOutMetrics(scores: number[][], targets: number[], histories: number[][], k: number): { hitRate: number; ndcg: number } {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "For user u: const seen = new Set(histories[u]); if seen.has(target) it is a miss; else count items i !== target, not in seen, with scores[u][i] >= scores[u][target].",
    "rank = count + 1; a hit adds 1 to the hit rate and 1 / Math.log2(rank + 1) to the NDCG; divide both by the number of users.",
  ],
  checks: [
    {
      name: "one user, target second",
      args: [[[0.1, 0.9, 0.5, 0.2]], [2], [[]], 10],
      expected: { hitRate: 1, ndcg: 1 / Math.log2(3) },
    },
    {
      name: "history items are out of the ranking",
      args: [[[0.1, 0.9, 0.5, 0.2]], [2], [[1]], 1],
      expected: { hitRate: 1, ndcg: 1 },
      hint: "Item 1 scores higher but the user already has it: leave it out, and the target ranks first.",
    },
    {
      name: "ties count against the model",
      args: [[[1, 1, 1], [0.3, 0.3, 0.7]], [0, 1], [[], []], 2],
      expected: { hitRate: 0, ndcg: 0 },
      hint: "An item with the same score as the target ranks ahead of it.",
    },
    {
      name: "two users, one beyond k",
      args: [[[0.9, 0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4]], [0, 0], [[], [3]], 2],
      expected: { hitRate: 0.5, ndcg: 0.5 },
    },
    {
      name: "a target in the history is a miss",
      args: [[[0.5, 0.4]], [0], [[0]], 2],
      expected: { hitRate: 0, ndcg: 0 },
    },
  ],
});

export type MmrSelect = (relevance: number[], similarity: number[][], lambda: number, k: number) => number[];

export const mmrSelect = defineExercise<MmrSelect>({
  id: "4.6",
  title: "Diversity by maximal marginal relevance",
  points: 2,
  answerName: "mmrSelect",
  libraryCounterparts: ["mmrRerank"],
  instructions: [
    "A result page of ten phone cases of one brand is relevant and useless. MMR builds the page one product at a time:",
    "with $S$ the products chosen so far, it takes the candidate $i \\notin S$ that maximises",
    "",
    "$$\\lambda \\, \\mathrm{rel}_i - (1 - \\lambda) \\max_{j \\in S} \\mathrm{sim}_{ij}$$",
    "",
    "(the max is 0 while $S$ is empty). `relevance[i]` is candidate $i$'s relevance, `similarity[i][j]` the similarity of",
    "candidates $i$ and $j$ (symmetric). Write `mmrSelect(relevance, similarity, lambda, k)`: the indices of the `k`",
    "chosen candidates in the order chosen (all of them when `k` is larger). On equal MMR scores take the more relevant",
    "candidate, and on equal relevance too the smaller index.",
  ].join("\n"),
  stub: [
    "function mmrSelect(relevance: number[], similarity: number[][], lambda: number, k: number): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Keep maxSim[i], the largest similarity[i][j] over the chosen j (use 0 only while nothing is chosen; similarities can be negative).",
    "Scan i in index order and replace the best only on a strictly higher score, or an equal score with higher relevance.",
  ],
  checks: [
    { name: "lambda 1: the relevance order", args: [[0.2, 0.9, 0.5], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1, 3], expected: [1, 2, 0] },
    {
      name: "a near-duplicate is pushed down",
      args: [[1, 0.95, 0.6], [[1, 0.98, 0.1], [0.98, 1, 0.1], [0.1, 0.1, 1]], 0.5, 3],
      expected: [0, 2, 1],
      hint: "After product 0, product 1 scores 0.5 * 0.95 - 0.5 * 0.98 < 0, product 2 scores 0.5 * 0.6 - 0.5 * 0.1.",
    },
    {
      name: "k smaller than the pool",
      args: [[0.9, 0.8, 0.7, 0.1], [[1, 0.9, 0.2, 0], [0.9, 1, 0.3, 0], [0.2, 0.3, 1, 0], [0, 0, 0, 1]], 0.3, 2],
      expected: [0, 2],
    },
    {
      name: "a negative similarity counts (the max over the chosen, not over 0 and the chosen)",
      args: [[1, 0.4, 0.5], [[1, -0.5, 0], [-0.5, 1, 0], [0, 0, 1]], 0.5, 3],
      expected: [0, 1, 2],
      hint: "Product 1 is unlike product 0 (similarity -0.5): its max similarity to the chosen is -0.5, not 0.",
    },
    {
      name: "the max similarity to the chosen, not the sum",
      args: [[1, 0.9, 0.8, 0.7], [[1, 0.5, 0, 0.7], [0.5, 1, 0.5, 0], [0, 0.5, 1, 0], [0.7, 0, 0, 1]], 0.5, 4],
      expected: [0, 2, 1, 3],
      hint: "Product 1 is 0.5 like each of the two chosen: its penalty is the max, 0.5, not 1.",
    },
    {
      name: "lambda weighs the relevance",
      args: [[1, 0.9, 0.3], [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]], 0.8, 3],
      expected: [0, 1, 2],
      hint: "lambda multiplies the relevance and 1 - lambda the similarity.",
    },
    {
      name: "equal scores: the more relevant, then the smaller index",
      args: [[0.5, 0.5, 0.5], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 0.7, 3],
      expected: [0, 1, 2],
      hint: "Replace the current best only on a strictly higher score (or equal score and higher relevance).",
    },
  ],
});

export const chapter4: readonly Exercise[] = [bm25Scores, rrfFuse, pairwiseLoss, bprLoss, leaveOneOutMetrics, mmrSelect];
