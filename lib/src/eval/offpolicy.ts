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
 */
import { normalQuantile } from "./distributions";

export interface LoggedEvent {
  /** The outcome observed (a click, a purchase, revenue). */
  readonly reward: number;
  /** Probability the logging policy gave to the action it took, in (0, 1]. */
  readonly loggingProbability: number;
  /** Probability the evaluated policy gives to that same action, in [0, 1]. */
  readonly targetProbability: number;
}

export interface OffPolicyEstimate {
  readonly estimator: "ips" | "snips" | "clipped-ips";
  readonly value: number;
  readonly standardError: number;
  readonly interval: readonly [number, number];
  readonly effectiveSampleSize: number;
  readonly n: number;
  readonly maxWeight: number;
}

function weights(events: readonly LoggedEvent[], what: string): number[] {
  if (events.length === 0) throw new Error(`${what}: no logged events.`);
  return events.map((e, i) => {
    if (!(e.loggingProbability > 0 && e.loggingProbability <= 1)) {
      throw new Error(`${what}: event ${i} has logging probability ${e.loggingProbability}; expected a value in (0, 1] (an action the logger never takes cannot be reweighted).`);
    }
    if (!(e.targetProbability >= 0 && e.targetProbability <= 1)) throw new Error(`${what}: event ${i} has target probability ${e.targetProbability}; expected a value in [0, 1].`);
    if (!Number.isFinite(e.reward)) throw new Error(`${what}: event ${i} has reward ${e.reward}; expected a finite number.`);
    return e.targetProbability / e.loggingProbability;
  });
}

function summary(
  estimator: OffPolicyEstimate["estimator"],
  value: number,
  se: number,
  w: readonly number[],
  alpha: number
): OffPolicyEstimate {
  const z = normalQuantile(1 - alpha / 2);
  const sum = w.reduce((s, x) => s + x, 0);
  const sumSq = w.reduce((s, x) => s + x * x, 0);
  return {
    estimator,
    value,
    standardError: se,
    interval: [value - z * se, value + z * se],
    effectiveSampleSize: sumSq > 0 ? (sum * sum) / sumSq : 0,
    n: w.length,
    maxWeight: Math.max(...w),
  };
}

function meanAndSe(values: readonly number[]): { mean: number; se: number } {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, se: NaN };
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

export function ipsEstimate(events: readonly LoggedEvent[], options: { alpha?: number; clip?: number } = {}): OffPolicyEstimate {
  const what = options.clip === undefined ? "ipsEstimate" : "ipsEstimate (clipped)";
  if (options.clip !== undefined && !(options.clip > 0)) throw new Error(`${what}: clip must be positive, got ${options.clip}.`);
  const w = weights(events, what).map((x) => (options.clip === undefined ? x : Math.min(x, options.clip)));
  const { mean, se } = meanAndSe(w.map((x, i) => x * events[i].reward));
  return summary(options.clip === undefined ? "ips" : "clipped-ips", mean, se, w, options.alpha ?? 0.05);
}

export function snipsEstimate(events: readonly LoggedEvent[], options: { alpha?: number } = {}): OffPolicyEstimate {
  const what = "snipsEstimate";
  const w = weights(events, what);
  const sumW = w.reduce((s, x) => s + x, 0);
  if (sumW === 0) throw new Error(`${what}: the target policy gives probability 0 to every logged action; nothing can be estimated.`);
  const value = w.reduce((s, x, i) => s + x * events[i].reward, 0) / sumW;
  // Delta method: Var ~ sum(w_i^2 (r_i - value)^2) / (sum w)^2.
  const se = Math.sqrt(w.reduce((s, x, i) => s + x * x * (events[i].reward - value) ** 2, 0)) / sumW;
  return summary("snips", value, se, w, options.alpha ?? 0.05);
}
