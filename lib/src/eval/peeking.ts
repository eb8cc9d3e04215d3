/**
 * Why peeking at a running A/B test inflates false positives: simulate A/A tests (both arms
 * identical, so every "significant" result is a false positive), test at several interim
 * looks, and stop at the first p < alpha. The false-positive rate of "stop when significant"
 * grows with the number of looks (Armitage, McPherson and Rowe 1969: about 0.14 with 5 looks
 * and 0.19 with 10 at alpha = 0.05), while testing once at the planned end stays at alpha.
 */
import { Rng, type Seed } from "../core/random";
import { twoProportionZTest } from "./power";
import { checkAlpha, shown } from "./validate";

export interface PeekingPlan {
  readonly rate: number;
  readonly sessionsPerArm: number;
  /** Interim analyses, equally spaced; the last one is the planned end. */
  readonly looks: number;
  readonly experiments: number;
  readonly alpha?: number;
  readonly seed: Seed;
}

export interface PeekingResult {
  /** Share of A/A experiments significant at the planned end (should be close to alpha). */
  readonly fixedHorizon: number;
  /** Share significant at any look (what stopping early at the first p < alpha reports). */
  readonly peeking: number;
  /** Cumulative share significant by each look. */
  readonly byLook: readonly number[];
  readonly experiments: number;
  readonly alpha: number;
}

/**
 * Simulates `experiments` A/A tests with `looks` interim analyses each (seeded). rate in (0, 1),
 * alpha in (0, 1) (default 0.05), whole numbers for the counts; checked, never coerced.
 */
export function simulatePeeking(plan: PeekingPlan): PeekingResult {
  const what = "simulatePeeking";
  if (plan === null || typeof plan !== "object") throw new Error(`${what}: expected a plan { rate, sessionsPerArm, looks, experiments, seed }, got ${shown(plan)}.`);
  if (typeof plan.rate !== "number" || !(plan.rate > 0 && plan.rate < 1)) throw new Error(`${what}: rate must be in (0, 1), got ${shown(plan.rate)}.`);
  if (!Number.isInteger(plan.looks) || plan.looks < 1) throw new Error(`${what}: looks must be a positive whole number, got ${plan.looks}.`);
  if (!Number.isInteger(plan.sessionsPerArm) || plan.sessionsPerArm < plan.looks) {
    throw new Error(`${what}: sessionsPerArm must be a whole number of at least looks (${plan.looks}), got ${plan.sessionsPerArm}.`);
  }
  if (!Number.isInteger(plan.experiments) || plan.experiments < 1) throw new Error(`${what}: experiments must be a positive whole number, got ${plan.experiments}.`);
  const alpha = checkAlpha(what, plan.alpha);
  const rng = new Rng(plan.seed);
  const boundaries = Array.from({ length: plan.looks }, (_, i) => Math.round((plan.sessionsPerArm * (i + 1)) / plan.looks));
  const firstSignificant = new Array<number>(plan.looks).fill(0);
  let fixed = 0;
  for (let e = 0; e < plan.experiments; e++) {
    let a = 0;
    let b = 0;
    let done = 0;
    let stopped = -1;
    for (let look = 0; look < plan.looks; look++) {
      for (; done < boundaries[look]; done++) {
        if (rng.next() < plan.rate) a++;
        if (rng.next() < plan.rate) b++;
      }
      const significant = twoProportionZTest(a, done, b, done).pValue < alpha;
      if (significant && stopped < 0) stopped = look;
      if (look === plan.looks - 1 && significant) fixed++;
    }
    if (stopped >= 0) firstSignificant[stopped]++;
  }
  const byLook: number[] = [];
  let cumulative = 0;
  for (const count of firstSignificant) {
    cumulative += count;
    byLook.push(cumulative / plan.experiments);
  }
  return { fixedHorizon: fixed / plan.experiments, peeking: byLook[byLook.length - 1], byLook, experiments: plan.experiments, alpha };
}
