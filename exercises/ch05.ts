/** Chapter 5: evaluation. */
import { defineExercise, type Exercise } from "shoplm/instructor";

export type NdcgAtK = (rankedGains: number[], judgedGains: number[], k: number) => number;

export const ndcgAtK = defineExercise<NdcgAtK>({
  id: "5.1",
  title: "NDCG@k",
  points: 3,
  answerName: "ndcgAtK",
  libraryCounterparts: ["ndcgAtK", "dcgAtK", "idealDcgAtK", "evaluateRun"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "`rankedGains[i]` is the gain of the product a ranker put at position `i + 1`; `judgedGains` holds the gains of",
    "every judged product of the query (in any order). Write `ndcgAtK(rankedGains, judgedGains, k)`:",
    "",
    "$$\\mathrm{DCG@}k = \\sum_{i=1}^{\\min(k,\\,n)} \\frac{g_i}{\\log_2(i + 1)}, \\qquad \\mathrm{NDCG@}k = \\frac{\\mathrm{DCG@}k}{\\mathrm{IDCG@}k},$$",
    "",
    "where $g_i$ is the gain at position $i$ of a list of $n$ (linear gain, as trec_eval), and the ideal $\\mathrm{IDCG@}k$",
    "is the DCG@k of all judged gains sorted from high to low. Return 0 when the ideal DCG is 0.",
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
  libraryCounterparts: ["averagePrecision", "averagePrecisionScore", "evaluateRun"],
  instructions: [
    "`relevant[i]` says whether the product at position `i + 1` is relevant, and `totalRelevant` ($R$) is how many",
    "relevant products the query has in all (some may not be retrieved). Write `averagePrecision(relevant, totalRelevant)`:",
    "the mean, over all $R$ relevant products, of the precision at the position of each one,",
    "",
    "$$\\mathrm{AP} = \\frac{1}{R} \\sum_{i \\,:\\, \\text{relevant}_i} P@i, \\qquad P@i = \\frac{\\text{relevant products in the first } i}{i},$$",
    "",
    "so a relevant product never retrieved contributes 0. Return 0 when `totalRelevant` is 0.",
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
  libraryCounterparts: ["bootstrapConfidenceInterval", "pairedBootstrapTest"],
  tolerance: { abs: 1e-9, rel: 1e-9 },
  instructions: [
    "Write `bootstrapInterval(values, samples, level, seed)`: the percentile bootstrap interval of the mean of `values`.",
    "Make one generator `const rng = new Rng(seed)` (imported from \"shoplm\"); for each of the `samples` resamples, draw",
    "`values.length` indexes with `rng.int(values.length)` (in that order) and take the mean of the drawn values. Sort",
    "the means and return their quantiles at `(1 - level) / 2` and `1 - (1 - level) / 2`, with linear interpolation:",
    "the quantile $q$ of the sorted means $m$ (length $B$) is at position $q \\, (B - 1)$, between `m[floor]` and `m[ceil]`",
    "(numpy's default). This is the percentile interval, not the normal approximation mean $\\pm z \\cdot \\text{se}$.",
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
    // The exact percentile interval for seed 11 (a normal approximation gives about [0.264, 0.669]).
    {
      name: "six values, 200 resamples, 90 %, seed 11",
      args: [[0.2, 0.5, 0.9, 0.1, 0.4, 0.7], 200, 0.9, 11],
      expected: [0.2833333333333333, 0.6674999999999996],
      hint: "The interval comes from the sorted resample means (their quantiles), not from mean ± z · se; one Rng(seed) for all resamples.",
    },
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
  libraryCounterparts: ["sampleSizeProportions", "powerProportions"],
  instructions: [
    "Write `sampleSizePerArm(baseline, lift, alpha, power)`: the sessions each arm needs to detect a relative `lift` of a",
    "conversion rate `baseline` ($p_1$ = baseline, $p_2$ = baseline $\\cdot$ (1 + lift)) with a two-sided test at level",
    "`alpha` ($\\alpha$) and the given `power` ($1 - \\beta$):",
    "",
    "$$n = \\left\\lceil \\frac{\\left(z_{1-\\alpha/2} \\sqrt{2 \\bar p \\bar q} + z_{1-\\beta} \\sqrt{p_1 q_1 + p_2 q_2}\\right)^2}{(p_2 - p_1)^2} \\right\\rceil,$$",
    "",
    "with $q_i = 1 - p_i$, $\\bar p = (p_1 + p_2) / 2$, $\\bar q = 1 - \\bar p$, $z_{1-\\alpha/2}$ = `normalQuantile(1 - alpha / 2)` and",
    "$z_{1-\\beta}$ = `normalQuantile(power)` (`normalQuantile` is in \"shoplm\"). Round up: $\\lceil x \\rceil$ is `Math.ceil`.",
    "",
    "(The library's `sampleSizeProportions` starts from this closed form, then also counts the far rejection tail and",
    "solves for the exact power, so it can answer one session less, as for 50 % +5 %.)",
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
    // The exact value is 31,233.44: rounding to the nearest integer would give one session too few.
    {
      name: "5 % to 5.5 % (rounded up, not to the nearest)",
      args: [0.05, 0.1, 0.05, 0.8],
      expected: 31234,
      hint: "31,233.4 sessions are not enough: a fraction of a session still needs a whole one, so use Math.ceil, not Math.round.",
    },
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
