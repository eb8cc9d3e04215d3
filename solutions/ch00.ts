/** Chapter 0 reference solutions and hidden checks. */
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 0.1
function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  const shown = new Array<number>(maxPosition).fill(0);
  const clicks = new Array<number>(maxPosition).fill(0);
  for (const { position, clicked } of impressions) {
    if (position < 1 || position > maxPosition) continue;
    shown[position - 1] += 1;
    if (clicked) clicks[position - 1] += 1;
  }
  return shown.map((n, i) => (n > 0 ? clicks[i] / n : 0));
}
// #endregion

// #region solution 0.0
function averageRating(ratings: (number | null)[]): number | null {
  const given = ratings.filter((r): r is number => r !== null);
  return given.length === 0 ? null : given.reduce((sum, r) => sum + r, 0) / given.length;
}
// #endregion

// #region solution 0.2
function topShare(popularity: number[], fraction: number): number {
  const sorted = [...popularity].sort((a, b) => b - a);
  const total = sorted.reduce((sum, p) => sum + p, 0);
  if (total === 0) return 0;
  const k = Math.ceil(fraction * sorted.length);
  return sorted.slice(0, k).reduce((sum, p) => sum + p, 0) / total;
}
// #endregion

/** Pareto-like popularity values from a fixed formula (no randomness needed). */
function paretoLike(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(((i * 7919) % n) + 1, 1.1));
}

/** Impressions with a click probability that falls with position, from a fixed pattern (no randomness needed). */
function positionBiased(count: number, maxPosition: number): { position: number; clicked: boolean }[] {
  return Array.from({ length: count }, (_, i) => {
    const position = (i % (maxPosition + 2)) + 1;
    return { position, clicked: (i * 7919) % 100 < 60 / position };
  });
}

export const chapter0: readonly Solution[] = [
  defineSolution<typeof averageRating>({
    id: "0.0",
    reference: averageRating,
    hidden: [
      { name: "a single rating", args: [[2.5]] },
      { name: "empty list", args: [[]] },
      { name: "many ratings with nulls", args: [[1, null, 2, 3, null, 4, 5, null, 4.5]] },
    ],
  }),
  defineSolution<typeof ctrByPosition>({
    id: "0.1",
    reference: ctrByPosition,
    hidden: [
      { name: "no impressions at all", args: [[], 4] },
      { name: "positions past maxPosition are ignored", args: [positionBiased(40, 3), 3] },
      { name: "200 position-biased impressions over 10 positions", args: [positionBiased(200, 10), 10] },
      { name: "every impression clicked", args: [[1, 2, 2, 3].map((position) => ({ position, clicked: true })), 3] },
    ],
  }),
  defineSolution<typeof topShare>({
    id: "0.2",
    reference: topShare,
    hidden: [
      { name: "top 1 % of 1,000 Pareto-like products", args: [paretoLike(1000), 0.01] },
      { name: "top 20 % of 1,000 Pareto-like products", args: [paretoLike(1000), 0.2] },
      { name: "all zero popularity", args: [[0, 0, 0], 0.5] },
      { name: "fraction 0 takes nothing", args: [[3, 1], 0] },
      { name: "ties at the cut", args: [[5, 5, 5, 1], 0.25] },
    ],
  }),
];
