/** Chapter 0: the shop and the course map. */
import { defineExercise, type Exercise } from "shoplm/instructor";

export interface Impression {
  /** 1 is the top of the result list. */
  position: number;
  clicked: boolean;
}

export type CtrByPosition = (impressions: Impression[], maxPosition: number) => number[];

export const ctrByPosition = defineExercise<CtrByPosition>({
  id: "0.1",
  title: "Click-through rate by position",
  points: 2,
  answerName: "ctrByPosition",
  libraryCounterparts: ["clickThroughByPosition"],
  instructions: [
    "Each impression says at which position (1 = top) a product was shown and whether it was clicked.",
    "Write `ctrByPosition(impressions, maxPosition)`: an array of `maxPosition` numbers whose entry `i` is the",
    "click-through rate at position $p = i + 1$,",
    "",
    "$$\\mathrm{CTR}(p) = \\frac{\\text{clicks at } p}{\\text{impressions at } p}.$$",
    "",
    "A position with no impressions has rate `0`. Impressions at a position greater than `maxPosition` (further down",
    "the list than you were asked about) are ignored. Do not change the input array.",
  ].join("\n"),
  stub: [
    "function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Keep two arrays of length maxPosition: impressions seen and clicks, both starting at 0.",
    "Position p goes to index p - 1; skip positions greater than maxPosition; divide only where impressions > 0.",
  ],
  checks: [
    { name: "one position, half clicked", args: [[{ position: 1, clicked: true }, { position: 1, clicked: false }], 1], expected: [0.5] },
    {
      name: "three positions",
      args: [
        [
          { position: 1, clicked: true },
          { position: 2, clicked: false },
          { position: 2, clicked: true },
          { position: 3, clicked: false },
          { position: 1, clicked: true },
        ],
        3,
      ],
      expected: [1, 0.5, 0],
    },
    { name: "a position never shown has rate 0", args: [[{ position: 2, clicked: true }], 3], expected: [0, 1, 0] },
    {
      name: "positions greater than maxPosition do not count",
      args: [
        [
          { position: 1, clicked: false },
          { position: 2, clicked: true },
          { position: 3, clicked: true },
          { position: 5, clicked: true },
        ],
        2,
      ],
      expected: [0, 1],
      hint: "Skip an impression whose position is greater than maxPosition before you count it; the result has exactly maxPosition entries.",
    },
    {
      name: "does not change its input",
      property: (answer) => {
        const input = [{ position: 2, clicked: true }, { position: 1, clicked: false }];
        const copy = JSON.stringify(input);
        answer(input, 2);
        return JSON.stringify(input) === copy ? undefined : "the impressions array was modified";
      },
    },
  ],
});

export type AverageRating = (ratings: (number | null)[]) => number | null;

/** The worked example in notebooks/setup_check.ipynb: what every exercise looks like. */
export const averageRating = defineExercise<AverageRating>({
  id: "0.0",
  title: "Average rating",
  points: 1,
  answerName: "averageRating",
  instructions: [
    "Products without reviews have the rating `null`. Write `averageRating(ratings)`: the mean of the ratings",
    "that are numbers, or `null` when there are none.",
  ].join("\n"),
  stub: [
    "function averageRating(ratings: (number | null)[]): number | null {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: ["Filter out the nulls first, then divide the sum by how many are left.", "An empty list after filtering must give null, not NaN (0 / 0)."],
  checks: [
    { name: "three ratings", args: [[4, 5, 3]], expected: 4 },
    { name: "nulls are skipped", args: [[null, 4.5, null, 3.5]], expected: 4 },
    { name: "no ratings at all", args: [[null, null]], expected: null },
  ],
});

export type TopShare = (popularity: number[], fraction: number) => number;

export const topShare = defineExercise<TopShare>({
  id: "0.2",
  title: "How long is the long tail?",
  points: 2,
  answerName: "topShare",
  libraryCounterparts: ["topPopularityShare", "cumulativeShare"],
  instructions: [
    "Popularity in a shop is concentrated: a few products get most of the demand. Write `topShare(popularity, fraction)`:",
    "the share of the total popularity held by the most popular $k = \\lceil \\text{fraction} \\cdot n \\rceil$ products",
    "(`Math.ceil(fraction * n)`), where $n$ is the number of products and `fraction` is between 0 and 1:",
    "",
    "$$\\text{share} = \\frac{\\sum_{i=1}^{k} x_{(i)}}{\\sum_{i=1}^{n} x_i},$$",
    "",
    "with $x_{(1)} \\ge x_{(2)} \\ge \\dots$ the popularity values from largest to smallest. An empty list, or one whose",
    "total is 0, gives 0. Do not change the input array.",
  ].join("\n"),
  stub: [
    "function topShare(popularity: number[], fraction: number): number {",
    "  // YOUR CODE HERE",
    '  throw new Error("not implemented yet");',
    "}",
  ].join("\n"),
  hints: [
    "Sort a copy in descending order (`[...popularity].sort((a, b) => b - a)`), then sum the first k values.",
    "k = Math.ceil(fraction * popularity.length); divide by the sum of all values, and return 0 when the total is 0.",
  ],
  checks: [
    { name: "top half of four", args: [[1, 3, 2, 4], 0.5], expected: 7 / 10 },
    { name: "a fraction that rounds up", args: [[10, 1, 1, 1, 1], 0.1], expected: 10 / 14 },
    { name: "everything", args: [[2, 2, 2], 1], expected: 1 },
    { name: "empty catalog", args: [[], 0.2], expected: 0, hint: "With no products the total is 0: return 0 before dividing (0 / 0 is NaN)." },
    {
      name: "does not change its input",
      property: (answer) => {
        const input = [1, 5, 3];
        answer(input, 0.5);
        return input.join(",") === "1,5,3" ? undefined : `the popularity array was changed to [${input.join(", ")}]`;
      },
    },
  ],
});

export const chapter0: readonly Exercise[] = [averageRating, ctrByPosition, topShare];
