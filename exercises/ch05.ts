/** Chapter 5: evaluation. */
import { defineExercise, type Exercise } from "shoplm";

export type NdcgAtK = (rankedGains: number[], judgedGains: number[], k: number) => number;

export const ndcgAtK = defineExercise<NdcgAtK>({
  id: "5.1",
  title: "NDCG@k",
  points: 3,
  answerName: "ndcgAtK",
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "`rankedGains[i]` is the gain of the product a ranker put at position `i + 1`; `judgedGains` holds the gains of",
    "every judged product of the query (in any order). Write `ndcgAtK(rankedGains, judgedGains, k)`: DCG@k divided by",
    "the ideal DCG@k, where DCG@k = sum over the first k positions of gain / log2(position + 1) (linear gain, as",
    "trec_eval) and the ideal ranking sorts all judged gains from high to low. Return 0 when the ideal DCG is 0.",
  ].join("\n"),
  stub: [
    "function ndcgAtK(rankedGains: number[], judgedGains: number[], k: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Write a helper dcg(gains, k) that sums gains[i] / Math.log2(i + 2) for i < min(k, gains.length).",
    "The ideal list is a sorted copy of judgedGains (descending); k may be larger than either list.",
  ],
  checks: [
    { name: "perfect order", args: [[3, 2, 1], [1, 2, 3], 3], expected: 1 },
    { name: "swapped top two", args: [[2, 3], [3, 2], 2], expected: (2 + 3 / Math.log2(3)) / (3 + 2 / Math.log2(3)) },
    { name: "a relevant product not retrieved", args: [[1, 0], [1, 1], 2], expected: 1 / (1 + 1 / Math.log2(3)) },
    { name: "nothing relevant judged", args: [[0, 0], [0, 0, 0], 5], expected: 0 },
  ],
});

export type AveragePrecision = (relevant: boolean[], totalRelevant: number) => number;

export const averagePrecision = defineExercise<AveragePrecision>({
  id: "5.2",
  title: "Average precision",
  points: 2,
  answerName: "averagePrecision",
  instructions: [
    "`relevant[i]` says whether the product at position `i + 1` is relevant, and `totalRelevant` is how many relevant",
    "products the query has in all (some may not be retrieved). Write `averagePrecision(relevant, totalRelevant)`:",
    "the mean, over all `totalRelevant` relevant products, of the precision at the position of each one (a relevant",
    "product never retrieved contributes 0). Return 0 when `totalRelevant` is 0.",
  ].join("\n"),
  stub: [
    "function averagePrecision(relevant: boolean[], totalRelevant: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Walk down the list counting hits; at each relevant position add hits / position to a sum.",
    "Divide the sum by totalRelevant, not by the number retrieved.",
  ],
  checks: [
    { name: "hits at 1 and 3", args: [[true, false, true], 2], expected: (1 + 2 / 3) / 2 },
    { name: "one relevant product missed", args: [[false, true], 2], expected: 0.5 / 2 },
    { name: "no relevant products", args: [[false, false], 0], expected: 0 },
  ],
});

export type BootstrapInterval = (values: number[], samples: number, level: number, seed: number) => [number, number];

export const bootstrapInterval = defineExercise<BootstrapInterval>({
  id: "5.3",
  title: "A bootstrap confidence interval",
  points: 3,
  answerName: "bootstrapInterval",
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "Write `bootstrapInterval(values, samples, level, seed)`: the percentile bootstrap interval of the mean of `values`.",
    "Make one generator `const rng = new Rng(seed)` (imported from \"shoplm\"); for each of the `samples` resamples, draw",
    "`values.length` indexes with `rng.int(values.length)` (in that order) and take the mean of the drawn values. Sort",
    "the means and return their quantiles at `(1 - level) / 2` and `1 - (1 - level) / 2`, with linear interpolation:",
    "the quantile q of sorted m (length B) is at position q * (B - 1), between m[floor] and m[ceil] (numpy's default).",
  ].join("\n"),
  stub: [
    'import { Rng } from "shoplm";',
    "",
    "function bootstrapInterval(values: number[], samples: number, level: number, seed: number): [number, number] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Use a single Rng for all resamples, and draw exactly values.length indexes per resample, in order.",
    "quantile(q): const pos = q * (B - 1), lo = Math.floor(pos); return m[lo] + (pos - lo) * (m[Math.min(lo + 1, B - 1)] - m[lo]).",
  ],
  checks: [
    { name: "constant values give a point", args: [[2, 2, 2, 2], 50, 0.95, 1], expected: [2, 2] },
    {
      name: "the interval contains the sample mean",
      property: (answer) => {
        const values = [0.1, 0.4, 0.35, 0.8, 0.2, 0.55, 0.6, 0.05];
        const mean = values.reduce((s, x) => s + x, 0) / values.length;
        const [lo, hi] = answer(values, 500, 0.9, 7);
        return lo <= mean && mean <= hi && lo < hi ? undefined : `got [${lo}, ${hi}] for a sample mean of ${mean}`;
      },
    },
    {
      name: "a higher level gives a wider interval",
      property: (answer) => {
        const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
        const [a, b] = answer(values, 400, 0.8, 3);
        const [c, d] = answer(values, 400, 0.99, 3);
        return c <= a && d >= b ? undefined : `80 %: [${a}, ${b}], 99 %: [${c}, ${d}]`;
      },
    },
  ],
});

export type SampleSizePerArm = (baseline: number, lift: number, alpha: number, power: number) => number;

export const sampleSizePerArm = defineExercise<SampleSizePerArm>({
  id: "5.4",
  title: "Sample size for an A/B test",
  points: 2,
  answerName: "sampleSizePerArm",
  instructions: [
    "Write `sampleSizePerArm(baseline, lift, alpha, power)`: the sessions each arm needs to detect a relative `lift` of a",
    "conversion rate `baseline` (p1 = baseline, p2 = baseline * (1 + lift)) with a two-sided test at level `alpha`:",
    "n = (z_a * sqrt(2 p q) + z_b * sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2, with p = (p1 + p2) / 2, q = 1 - p,",
    "z_a = normalQuantile(1 - alpha / 2) and z_b = normalQuantile(power) (`normalQuantile` is in \"shoplm\"), rounded up.",
  ].join("\n"),
  stub: [
    'import { normalQuantile } from "shoplm";',
    "",
    "function sampleSizePerArm(baseline: number, lift: number, alpha: number, power: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: ["Compute p1, p2, their mean p, then the formula; Math.ceil at the end.", "Check: 10 % to 12 % at alpha 0.05 and power 0.8 needs 3,841 per arm."],
  checks: [
    { name: "10 % to 12 %", args: [0.1, 0.2, 0.05, 0.8], expected: 3841 },
    {
      name: "a smaller lift needs more sessions",
      property: (answer) => {
        const big = answer(0.05, 0.2, 0.05, 0.8);
        const small = answer(0.05, 0.05, 0.05, 0.8);
        return small > big ? undefined : `lift 20 %: ${big}, lift 5 %: ${small}`;
      },
    },
  ],
});

export const chapter5: readonly Exercise[] = [ndcgAtK, averagePrecision, bootstrapInterval, sampleSizePerArm];
