/**
 * Click-through rate by position: the first sign of position bias in a shop's logs (chapter 0).
 * Exercise 0.1 asks the student to write the same function; graded code cannot call this one.
 */

/** What the rate needs of an impression (the logs' `Impression` rows have it). */
export interface PositionedClick {
  /** 1 is the top of the result list. */
  readonly position: number;
  readonly clicked: boolean;
}

/**
 * Entry `i` is clicks / impressions at position `i + 1`, for positions 1 to `maxPosition`; a
 * position never shown has rate 0, and positions past `maxPosition` are ignored.
 */
export function clickThroughByPosition(impressions: Iterable<PositionedClick>, maxPosition: number): number[] {
  if (!Number.isInteger(maxPosition) || maxPosition < 1) throw new RangeError(`maxPosition must be a positive integer, got ${String(maxPosition)}.`);
  const shown = new Array<number>(maxPosition).fill(0);
  const clicks = new Array<number>(maxPosition).fill(0);
  for (const { position, clicked } of impressions) {
    if (!(position >= 1 && position <= maxPosition)) continue;
    shown[position - 1] += 1;
    if (clicked) clicks[position - 1] += 1;
  }
  return shown.map((n, i) => (n > 0 ? clicks[i] / n : 0));
}
