/**
 * How concentrated demand is: the share of all popularity held by the most popular products
 * (chapter 0's long tail). Exercise 0.2 asks the student to write `topShare`; graded code cannot
 * call these.
 */

/** Entry `i` is the share of the total held by the `i + 1` largest values (all 0 when the total is 0). */
export function cumulativeShare(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => b - a);
  let total = 0;
  for (const v of sorted) total += v;
  let running = 0;
  return sorted.map((v) => (total === 0 ? 0 : (running += v) / total));
}

/**
 * The share held by the `Math.ceil(fraction * n)` most popular of `n` values; 0 for an empty
 * list, a zero total or a fraction of 0.
 */
export function topPopularityShare(popularity: readonly number[], fraction: number): number {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be between 0 and 1, got ${String(fraction)}.`);
  const k = Math.ceil(fraction * popularity.length);
  return k === 0 ? 0 : cumulativeShare(popularity)[k - 1];
}
