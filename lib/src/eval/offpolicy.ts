/**
 * Counterfactual (off-policy) evaluation: estimate how a new ranker would have done from logs
 * collected under another one, when the logging probabilities (propensities) are known.
 * - IPS (inverse propensity scoring, Horvitz and Thompson 1952): mean of w_i r_i with
 *   w_i = target_i / logging_i. Unbiased when logging_i > 0 wherever target_i > 0.
 * - Self-normalised IPS (Swaminathan and Joachims 2015): sum(w_i r_i) / sum(w_i); slightly
 *   biased, much lower variance.
 * - Clipped IPS caps each weight at `clip` (bias for variance).
 * Each estimate comes with a normal-approximation confidence interval (delta method for SNIPS)
 * and the effective sample size (sum w)^2 / sum(w^2), which says how much of the log the
 * estimate really rests on.
 *
 * Conventions (see also ./validate.ts):
 * - Events are given as an array of `LoggedEvent` or as three parallel columns (typed arrays
 *   suit logs of millions of events). Every field must be a number (a string such as "0.5" is
 *   an error): logging probability in (0, 1], target probability in [0, 1], a finite reward.
 *   No event at all throws `EmptyInputError`; a target that gives probability 0 to every logged
 *   action leaves SNIPS undefined (an error).
 * - `alpha` in (0, 1) (default 0.05): the interval is value -+ z_(1 - alpha / 2) * se.
 * - The standard error cannot be estimated from fewer than two events, nor (SNIPS) when less
 *   than two events' worth of weight carries the estimate (effective sample size < 2, e.g. one
 *   event holds all the weight, where the delta method would report 0): it is then Infinity,
 *   the interval is (-Infinity, Infinity) cut to the reward range when clipping is on, and
 *   `warnings` holds "variance-not-estimable". A standard error of exactly 0 (every weighted
 *   reward equal, e.g. no click at all) is kept but flagged "zero-variance".
 * - An effective sample size below `minEffectiveSampleSize` (default 30, the usual rule of
 *   thumb for a normal interval of a mean) adds "low-effective-sample-size".
 * - Reward range: `rewardRange` declares what rewards can be ("binary": 0 or 1, clicks or
 *   purchases; or [min, max]); every reward is checked against it. The policy value lies in
 *   that range, so the interval may be cut to it: `clipInterval`, on by default for "binary"
 *   and off otherwise. The point estimate is never clipped (IPS is unbiased only as it is).
 *   A cut interval carries "interval-clipped"; an interval entirely outside the range is left
 *   as computed with "interval-outside-range" (cutting would collapse it to a point).
 * - Weights are rescaled by a power of two before squaring, which changes no bit of the
 *   result but keeps a propensity of 1e-300 from overflowing into NaN; a weight that is itself
 *   infinite (a subnormal propensity) is an error.
 */
import { normalQuantile } from "./distributions";
import { checkAlpha, checkNonEmpty, obeys, optionalNumber, powerOfTwoScale, shown, type EvalWarning } from "./validate";

export interface LoggedEvent {
  /** The outcome observed (a click, a purchase, revenue). */
  readonly reward: number;
  /** Probability the logging policy gave to the action it took, in (0, 1]. */
  readonly loggingProbability: number;
  /** Probability the evaluated policy gives to that same action, in [0, 1]. */
  readonly targetProbability: number;
}

/** The same log as three parallel columns (one entry per event). */
export interface LoggedColumns {
  readonly reward: ArrayLike<number>;
  readonly loggingProbability: ArrayLike<number>;
  readonly targetProbability: ArrayLike<number>;
}

export type LoggedData = readonly LoggedEvent[] | LoggedColumns;

/** What rewards can be: "binary" (0 or 1) or a closed range [min, max]. */
export type RewardRange = "binary" | readonly [number, number];

export interface OffPolicyOptions {
  /** Significance level of the interval, in (0, 1). Default 0.05. */
  readonly alpha?: number;
  /** The rewards' range, checked on every event; see `clipInterval`. */
  readonly rewardRange?: RewardRange;
  /** Cut the interval to `rewardRange`. Default: true when rewardRange is "binary", else false. */
  readonly clipInterval?: boolean;
  /** Below this effective sample size a "low-effective-sample-size" warning is added. Default 30. */
  readonly minEffectiveSampleSize?: number;
}

export interface OffPolicyEstimate {
  readonly estimator: "ips" | "snips" | "clipped-ips";
  readonly value: number;
  /** Infinity when it cannot be estimated (see `warnings`). */
  readonly standardError: number;
  readonly interval: readonly [number, number];
  readonly effectiveSampleSize: number;
  readonly n: number;
  readonly maxWeight: number;
  readonly alpha: number;
  /** The declared reward range as numbers, or null when none was declared. */
  readonly rewardRange: readonly [number, number] | null;
  /** Whether the interval was cut to `rewardRange`. */
  readonly intervalClipped: boolean;
  /** Problems with this estimate; empty when there are none. */
  readonly warnings: readonly EvalWarning[];
}

interface Checked {
  /** Importance weights (clipped when asked). */
  readonly w: Float64Array;
  readonly r: Float64Array;
  readonly n: number;
  readonly alpha: number;
  readonly range: readonly [number, number] | null;
  readonly clip: boolean;
  readonly minEss: number;
  /** Largest weight and largest |w_i r_i|, found while checking (they set the overflow-safe scales). */
  readonly maxWeight: number;
  readonly maxAbsTerm: number;
}

function checkOptions(what: string, options: OffPolicyOptions): Omit<Checked, "w" | "r" | "n" | "maxWeight" | "maxAbsTerm"> {
  const alpha = checkAlpha(what, options.alpha);
  let range: readonly [number, number] | null = null;
  const declared = options.rewardRange;
  if (declared === "binary") range = [0, 1];
  else if (declared !== undefined) {
    const ok = Array.isArray(declared) && declared.length === 2 && obeys(declared[0], {}) && obeys(declared[1], {}) && declared[0] < declared[1];
    if (!ok) throw new Error(`${what}: rewardRange must be "binary" or [min, max] with finite numbers min < max, got ${Array.isArray(declared) ? `[${declared.map(shown).join(", ")}]` : shown(declared)}.`);
    range = [declared[0], declared[1]];
  }
  if (options.clipInterval !== undefined && typeof options.clipInterval !== "boolean") throw new Error(`${what}: clipInterval must be true or false, got ${shown(options.clipInterval)}.`);
  const clip = options.clipInterval ?? declared === "binary";
  if (clip && range === null) throw new Error(`${what}: clipInterval needs a rewardRange to clip to ("binary" or [min, max]).`);
  const minEss = optionalNumber(what, "minEffectiveSampleSize", options.minEffectiveSampleSize, 30, { min: 0 });
  return { alpha, range, clip, minEss };
}

function eventError(what: string, i: number, field: string, value: unknown, expected: string): Error {
  return new Error(`${what}: event ${i} has ${field} ${shown(value)}; expected ${expected}.`);
}

/** One event's importance weight (capped at `cap`), every field checked. Small, so that it inlines into the loops. */
function checkedWeight(what: string, i: number, reward: unknown, logging: unknown, target: unknown, range: readonly [number, number] | null, binary: boolean, cap: number): number {
  if (
    typeof logging === "number" &&
    logging > 0 &&
    logging <= 1 &&
    typeof target === "number" &&
    target >= 0 &&
    target <= 1 &&
    typeof reward === "number" &&
    reward - reward === 0 && // finite
    (range === null || (binary ? reward === 0 || reward === 1 : reward >= range[0] && reward <= range[1]))
  ) {
    const weight = target / logging;
    if (weight !== Infinity) return weight < cap ? weight : cap;
  }
  return badEvent(what, i, reward, logging, target, range, binary);
}

/** Throws the error that says which field of event i is wrong (the cold path of `checkedWeight`). */
function badEvent(what: string, i: number, reward: unknown, logging: unknown, target: unknown, range: readonly [number, number] | null, binary: boolean): never {
  if (typeof logging !== "number" || !(logging > 0 && logging <= 1)) {
    throw eventError(what, i, "logging probability", logging, "a number in (0, 1] (an action the logger never takes cannot be reweighted)");
  }
  if (typeof target !== "number" || !(target >= 0 && target <= 1)) throw eventError(what, i, "target probability", target, "a number in [0, 1]");
  if (typeof reward !== "number" || !Number.isFinite(reward)) throw eventError(what, i, "reward", reward, "a finite number");
  if (range !== null && (binary ? reward !== 0 && reward !== 1 : reward < range[0] || reward > range[1])) {
    throw eventError(what, i, "reward", reward, binary ? 'either 0 or 1 (rewardRange is "binary")' : `a value in the declared rewardRange [${range[0]}, ${range[1]}]`);
  }
  throw eventError(what, i, "logging probability", logging, "one whose inverse is finite (target / logging overflows)");
}

/** Checks every event and returns the weights (capped at `cap`) and rewards as columns. */
function checkEvents(what: string, data: LoggedData, options: OffPolicyOptions, cap = Infinity): Checked {
  const opts = checkOptions(what, options);
  if (data === null || typeof data !== "object") throw new Error(`${what}: expected an array of logged events or { reward, loggingProbability, targetProbability } columns, got ${shown(data)}.`);
  const range = opts.range;
  const binary = options.rewardRange === "binary";
  let w: Float64Array;
  let r: Float64Array;
  // Two plain loops (no tuple per event): this is the hot path on tens of millions of events.
  if (Array.isArray(data)) {
    const events = data as readonly LoggedEvent[];
    checkNonEmpty(what, "events", events.length, "there are no logged events to estimate from.");
    w = new Float64Array(events.length);
    r = new Float64Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e === null || typeof e !== "object") throw new Error(`${what}: event ${i} is ${shown(e)}; expected { reward, loggingProbability, targetProbability }.`);
      w[i] = checkedWeight(what, i, e.reward, e.loggingProbability, e.targetProbability, range, binary, cap);
      r[i] = e.reward;
    }
  } else {
    const cols = data as LoggedColumns;
    for (const name of ["reward", "loggingProbability", "targetProbability"] as const) {
      const c = cols[name];
      if (c === null || typeof c !== "object" || typeof c.length !== "number") throw new Error(`${what}: column ${name} is ${shown(c)}; expected an array of numbers.`);
    }
    const n = cols.reward.length;
    if (cols.loggingProbability.length !== n || cols.targetProbability.length !== n) {
      throw new Error(`${what}: the columns have ${n} rewards, ${cols.loggingProbability.length} logging and ${cols.targetProbability.length} target probabilities; they must be the same length.`);
    }
    checkNonEmpty(what, "events", n, "there are no logged events to estimate from.");
    w = new Float64Array(n);
    r = cols.reward instanceof Float64Array ? cols.reward : new Float64Array(n);
    const { reward, loggingProbability, targetProbability } = cols;
    for (let i = 0; i < n; i++) {
      w[i] = checkedWeight(what, i, reward[i], loggingProbability[i], targetProbability[i], range, binary, cap);
      if (r !== reward) r[i] = reward[i];
    }
  }
  const n = w.length;
  let maxWeight = -Infinity;
  let maxAbsTerm = 0;
  for (let i = 0; i < n; i++) {
    if (w[i] > maxWeight) maxWeight = w[i];
    const a = Math.abs(w[i] * r[i]);
    if (a > maxAbsTerm) maxAbsTerm = a;
  }
  return { ...opts, w, r, n, maxWeight, maxAbsTerm };
}

interface WeightStats {
  readonly ess: number;
  readonly maxWeight: number;
}

/** (sum w)^2 / sum(w^2) from the sums of the weights scaled by a power of two (scale-free). */
function essOf(scaledSum: number, scaledSumSq: number): number {
  return scaledSumSq > 0 ? (scaledSum * scaledSum) / scaledSumSq : 0;
}

function summary(estimator: OffPolicyEstimate["estimator"], value: number, se: number, c: Checked, stats: WeightStats, warnings: EvalWarning[]): OffPolicyEstimate {
  const z = normalQuantile(1 - c.alpha / 2);
  let interval: [number, number] = se === Infinity ? [-Infinity, Infinity] : [value - z * se, value + z * se];
  if (stats.ess < c.minEss) {
    warnings.push({
      code: "low-effective-sample-size",
      message: `the effective sample size is ${stats.ess.toPrecision(3)} (of ${c.n} events), below ${c.minEss}: a few large weights carry the estimate and the normal interval is unreliable.`,
    });
  }
  let clipped = false;
  if (c.clip && c.range !== null) {
    const [lo, hi] = c.range;
    if (interval[1] < lo || interval[0] > hi) {
      warnings.push({
        code: "interval-outside-range",
        message: `the interval [${interval[0]}, ${interval[1]}] lies entirely outside the reward range [${lo}, ${hi}]; it is left unclipped, and the estimate is implausible (check the propensities).`,
      });
    } else if (interval[0] < lo || interval[1] > hi) {
      clipped = true;
      interval = [Math.max(interval[0], lo), Math.min(interval[1], hi)];
      warnings.push({ code: "interval-clipped", message: `the interval was cut to the reward range [${lo}, ${hi}].` });
    }
  }
  return {
    estimator,
    value,
    standardError: se,
    interval,
    effectiveSampleSize: stats.ess,
    n: c.n,
    maxWeight: stats.maxWeight,
    alpha: c.alpha,
    rewardRange: c.range,
    intervalClipped: clipped,
    warnings,
  };
}

function notEstimable(why: string): EvalWarning {
  return { code: "variance-not-estimable", message: `${why}: the standard error cannot be estimated, so it is Infinity and the interval the widest possible.` };
}

function zeroVariance(): EvalWarning {
  return {
    code: "zero-variance",
    message: "every weighted reward is the same (for clicks: none or all clicked), so the sample standard error is 0 and the interval has width 0; that is not certainty, only no spread seen in this log.",
  };
}

/**
 * IPS (or clipped IPS with `clip` > 0): the mean of w_i r_i, with its sample standard error and
 * a normal interval at `alpha` (in (0, 1), default 0.05). No event throws `EmptyInputError`;
 * one event gives standardError Infinity and the widest interval ("variance-not-estimable");
 * an effective sample size below `minEffectiveSampleSize` (default 30) adds a warning; with a
 * `rewardRange` the rewards are checked and ("binary" by default) the interval is clipped to
 * it, never the value. See the module comment for every rule.
 */
export function ipsEstimate(events: LoggedData, options: OffPolicyOptions & { clip?: number } = {}): OffPolicyEstimate {
  const clipped = options.clip !== undefined;
  const what = clipped ? "ipsEstimate (clipped)" : "ipsEstimate";
  const cap = clipped ? optionalNumber(what, "clip", options.clip, Infinity, { min: 0, minExclusive: true }) : Infinity;
  const c = checkEvents(what, events, options, cap);
  const n = c.n;
  // Scale the terms and the weights by powers of two so that their squares cannot overflow
  // (exact: see validate.ts); one pass for the sums, one for the variance.
  const s = powerOfTwoScale(c.maxAbsTerm);
  const sw = powerOfTwoScale(c.maxWeight);
  let sum = 0;
  let sumW = 0;
  let sumWSq = 0;
  for (let i = 0; i < n; i++) {
    sum += c.w[i] * c.r[i] * s;
    const x = c.w[i] * sw;
    sumW += x;
    sumWSq += x * x;
  }
  const meanScaled = sum / n;
  const warnings: EvalWarning[] = [];
  let se: number;
  if (n < 2) {
    se = Infinity;
    warnings.push(notEstimable("one logged event"));
  } else {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (c.w[i] * c.r[i] * s - meanScaled) ** 2;
    se = Math.sqrt(ss / (n - 1) / n) / s;
    if (se === 0) warnings.push(zeroVariance());
  }
  return summary(clipped ? "clipped-ips" : "ips", meanScaled / s, se, c, { ess: essOf(sumW, sumWSq), maxWeight: c.maxWeight }, warnings);
}

/**
 * Self-normalised IPS: sum(w_i r_i) / sum(w_i), with a delta-method standard error. The same
 * rules as `ipsEstimate`, plus: when less than two events' worth of weight carries the estimate
 * (effective sample size < 2, e.g. one event holds all the weight) the standard error is
 * Infinity with "variance-not-estimable" (the delta method would report 0); a target that gives
 * probability 0 to every logged action is an error.
 */
export function snipsEstimate(events: LoggedData, options: OffPolicyOptions = {}): OffPolicyEstimate {
  const what = "snipsEstimate";
  const c = checkEvents(what, events, options);
  // Scale-free ratios: scale the weights so that their squares cannot overflow.
  const s = powerOfTwoScale(c.maxWeight);
  let sumW = 0;
  let sumWR = 0;
  let sumWSq = 0;
  for (let i = 0; i < c.n; i++) {
    const x = c.w[i] * s;
    sumW += x;
    sumWR += x * c.r[i];
    sumWSq += x * x;
  }
  const stats = { ess: essOf(sumW, sumWSq), maxWeight: c.maxWeight };
  if (sumW === 0) throw new Error(`${what}: the target policy gives probability 0 to every logged action; nothing can be estimated.`);
  const value = sumWR / sumW;
  const warnings: EvalWarning[] = [];
  let se: number;
  if (c.n < 2 || stats.ess < 2) {
    se = Infinity;
    warnings.push(notEstimable(c.n < 2 ? "one logged event" : `less than two events' worth of weight (effective sample size ${stats.ess.toPrecision(3)})`));
  } else {
    // Delta method: Var ~ sum(w_i^2 (r_i - value)^2) / (sum w)^2.
    let acc = 0;
    for (let i = 0; i < c.n; i++) {
      const x = c.w[i] * s;
      acc += x * x * (c.r[i] - value) ** 2;
    }
    se = Math.sqrt(acc) / sumW;
    if (se === 0) warnings.push(zeroVariance());
  }
  return summary("snips", value, se, c, stats, warnings);
}
