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

/**
 * A position-only click model: the probability of a click at each position, estimated from
 * logged impressions with add-one smoothing, (clicks + 1) / (impressions + 2), so a position
 * never shown gets 0.5 rather than 0 / 0. Returns the predictor; positions past `maxPosition`
 * share its estimate.
 */
export function positionClickModel(impressions: Iterable<PositionedClick>, maxPosition: number): (position: number) => number {
  if (!Number.isInteger(maxPosition) || maxPosition < 1) throw new RangeError(`maxPosition must be a positive integer, got ${String(maxPosition)}.`);
  const shown = new Array<number>(maxPosition).fill(0);
  const clicks = new Array<number>(maxPosition).fill(0);
  for (const { position, clicked } of impressions) {
    if (!(position >= 1)) throw new RangeError(`an impression has position ${String(position)}; positions start at 1.`);
    const i = Math.min(position, maxPosition) - 1;
    shown[i] += 1;
    if (clicked) clicks[i] += 1;
  }
  const p = shown.map((n, i) => (clicks[i] + 1) / (n + 2));
  return (position: number) => p[Math.min(Math.max(1, Math.floor(position)), maxPosition) - 1];
}
