/**
 * Parameter checks and the conventions every evaluation function shares, so that a bad call
 * fails the same way everywhere and a degenerate input is reported, never hidden.
 *
 * Conventions of the evaluation library (each function's documentation says how it applies):
 * - Parameters: numbers must be numbers (a string such as "0.5" is an error, never coerced),
 *   `alpha` lies in (0, 1), a cutoff `k` is an integer >= 1, probabilities lie in their
 *   documented range. The error names the function, the parameter and the value found.
 * - Empty input: a function that summarises a collection (a mean, a share, a Gini index, a
 *   test, an estimate) throws `EmptyInputError` when that collection holds nothing (no lists
 *   or no recommended slot, no sample, no pair, no event); nothing returns NaN for it.
 *   Functions that return a table (`itemExposure`, `groupExposure`) return an empty one.
 *   Degenerate but non-empty inputs keep their field's documented value: a ranking that
 *   retrieves nothing, or a query without a relevant document, scores 0 (trec_eval); a list of
 *   one item has intra-list diversity 0 (no pair differs); the Gini index of all-zero values is 0.
 * - Results with an uncertainty (off-policy estimates, bootstrap intervals, the z-test, the A/B
 *   simulator) carry `warnings`: an empty list when nothing is wrong, otherwise one
 *   `{ code, message }` per problem (too few events to estimate a variance, no spread at all,
 *   a small effective sample size, an interval clipped or outside the reward range, an
 *   undefined ratio). A standard error that cannot be estimated is reported as Infinity with
 *   the widest interval, never as 0 or NaN; a zero-width interval is always flagged.
 * - Loops and chunked reductions only: no spread of an input into a call (`Math.max(...x)`
 *   overflows the stack near 130,000 values) and no recursion that grows with the input, so
 *   every function runs on millions of elements.
 */

/** Something about an input that makes a result less trustworthy than it looks. */
export interface EvalWarning {
  /** A stable identifier to test against. */
  readonly code: EvalWarningCode;
  /** What happened and what to do, in words. */
  readonly message: string;
}

export type EvalWarningCode =
  /** Fewer than two events (or less than two events' worth of weight): the variance cannot be estimated. */
  | "variance-not-estimable"
  /** The sample standard error is exactly 0 (every weighted reward equal): a zero-width interval that is not certainty. */
  | "zero-variance"
  /** The effective sample size is below the declared minimum: the normal interval is unreliable. */
  | "low-effective-sample-size"
  /** The interval was cut to the declared reward range. */
  | "interval-clipped"
  /** A ratio whose denominator is 0 (a relative lift over a control rate of 0) is reported as NaN. */
  | "undefined-ratio"
  /** The whole interval lies outside the declared reward range: the estimate is implausible. */
  | "interval-outside-range";

/** Thrown when the collection a function summarises is empty (see the module comment). */
export class EmptyInputError extends RangeError {
  constructor(
    readonly fn: string,
    readonly parameter: string,
    detail: string,
  ) {
    super(`${fn}: ${parameter} is empty; ${detail}`);
    this.name = "EmptyInputError";
  }
}

/** A value as an error message shows it: strings quoted and marked, so "0.5" is not mistaken for 0.5. */
export function shown(value: unknown): string {
  if (typeof value === "string") return `"${value}" (a string)`;
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) return String(value);
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

export interface NumberRule {
  /** Lowest allowed value (inclusive unless `minExclusive`). */
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
  /** Allow +-Infinity (default false). */
  readonly infinite?: boolean;
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? "an integer" : rule.infinite ? "a number" : "a finite number";
  const lo = rule.min === undefined ? undefined : rule.minExclusive ? `> ${rule.min}` : `>= ${rule.min}`;
  const hi = rule.max === undefined ? undefined : rule.maxExclusive ? `< ${rule.max}` : `<= ${rule.max}`;
  if (lo !== undefined && hi !== undefined) return `${kind} in ${rule.minExclusive ? "(" : "["}${rule.min}, ${rule.max}${rule.maxExclusive ? ")" : "]"}`;
  if (lo !== undefined) return `${kind} ${lo}`;
  if (hi !== undefined) return `${kind} ${hi}`;
  return kind;
}

/** True when `value` is a number obeying `rule`. */
export function obeys(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  if (!rule.infinite && !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.min !== undefined && (rule.minExclusive ? !(value > rule.min) : !(value >= rule.min))) return false;
  if (rule.max !== undefined && (rule.maxExclusive ? !(value < rule.max) : !(value <= rule.max))) return false;
  return true;
}

/** `value` if it is a number obeying `rule`, else an error naming `fn`, `name` and the value found. */
export function checkNumber(fn: string, name: string, value: unknown, rule: NumberRule = {}): number {
  if (!obeys(value, rule)) throw new Error(`${fn}: ${name} must be ${ruleText(rule)}, got ${shown(value)}.`);
  return value;
}

/** An optional number: `fallback` when undefined, else checked. */
export function optionalNumber(fn: string, name: string, value: unknown, fallback: number, rule: NumberRule = {}): number {
  return value === undefined ? fallback : checkNumber(fn, name, value, rule);
}

/** A significance level (or any open-unit parameter): a number in (0, 1). Default 0.05. */
export function checkAlpha(fn: string, value: unknown, fallback = 0.05, name = "alpha"): number {
  return optionalNumber(fn, name, value, fallback, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
}

/** One of the allowed strings, else an error listing them. */
export function checkChoice<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  const quoted = allowed.map((a) => `"${a}"`);
  const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}` : quoted.join("");
  throw new Error(`${fn}: ${name} must be ${list}, got ${shown(value)}.`);
}

/** Throws `EmptyInputError` when `length` is 0. */
export function checkNonEmpty(fn: string, name: string, length: number, detail: string): void {
  if (length === 0) throw new EmptyInputError(fn, name, detail);
}

/**
 * The power of two 2^-e that brings `magnitude` near 1. Multiplying by it is exact in binary
 * floating point (no rounding, barring underflow), so sums of scaled values are the scaled sums
 * bit for bit, while squares no longer overflow.
 */
export function powerOfTwoScale(magnitude: number): number {
  if (!(magnitude > 0) || !Number.isFinite(magnitude)) return 1;
  const e = Math.floor(Math.log2(magnitude));
  // 2^e itself may be off by one for values near a power of two; either is fine for scaling.
  return Math.pow(2, -Math.max(-1000, Math.min(1000, e)));
}
