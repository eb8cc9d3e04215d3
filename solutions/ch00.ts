/** Chapter 0 reference solutions and hidden checks. */
import { defineSolution, type Solution } from "shoplm";

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

/** Impressions with a click probability that falls with position, from a fixed pattern (no randomness needed). */
function positionBiased(count: number, maxPosition: number): { position: number; clicked: boolean }[] {
  return Array.from({ length: count }, (_, i) => {
    const position = (i % (maxPosition + 2)) + 1;
    return { position, clicked: (i * 7919) % 100 < 60 / position };
  });
}

export const chapter0: readonly Solution[] = [
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
];
