/**
 * The shop's timeline: when products launch, when the interaction log runs, and where the
 * time-based train / validation / test split cuts it. All times are UTC.
 */
import type { Split } from "./records";

const DAY_MS = 86_400_000;

/** First and last possible product launch days. */
export const CATALOG_FIRST_DAY = "2019-01-01";
export const CATALOG_LAST_DAY = "2025-06-20";

/** The interaction log covers [LOG_START, LOG_END). */
export const LOG_START = "2025-01-01T00:00:00Z";
export const LOG_END = "2025-07-01T00:00:00Z";

/** Sessions starting before `validation` are train, before `test` validation, the rest test. */
export const SPLIT_BOUNDARIES: Readonly<{ validation: string; test: string }> = {
  validation: "2025-05-01T00:00:00Z",
  test: "2025-06-01T00:00:00Z",
};

/** Milliseconds since the epoch of an ISO date or time (UTC); an unparsable string is an error. */
export function toMs(iso: string): number {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(ms)) throw new Error(`Expected an ISO date (YYYY-MM-DD) or UTC time, got "${iso}".`);
  return ms;
}

/** "YYYY-MM-DD" of a time in ms. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "YYYY-MM-DDTHH:MM:SSZ" of a time in ms, rounded down to the second. */
export function isoSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function addDays(isoDate: string, days: number): string {
  return isoDay(toMs(isoDate) + Math.round(days) * DAY_MS);
}

/** Whole days from `from` to `to` (may be negative). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY_MS);
}

/** The time-based split a moment falls in. */
export function splitOf(iso: string | number): Split {
  const ms = typeof iso === "number" ? iso : toMs(iso);
  if (ms < toMs(SPLIT_BOUNDARIES.validation)) return "train";
  if (ms < toMs(SPLIT_BOUNDARIES.test)) return "validation";
  return "test";
}

export const DAY_MILLISECONDS = DAY_MS;
