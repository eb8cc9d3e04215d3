/**
 * Planning an A/B test: how many sessions per arm detect a given lift, and what power a given
 * size has. Two conventions for conversion rates, both standard and both checked against
 * statsmodels in the tests:
 * - "pooled" (the textbook two-proportion z-test, Fleiss 1981):
 *   n = (z_a * sqrt(2 p q) + z_b * sqrt(p1 q1 + p2 q2))^2 / (p2 - p1)^2 with p the mean rate,
 *   as statsmodels' `samplesize_proportions_2indep_onetail`;
 * - "arcsine" (Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1), variance-stabilised):
 *   as statsmodels' `NormalIndPower` with `proportion_effectsize`.
 * Two-sided power counts both rejection tails (statsmodels does too).
 * Parameters are checked, never coerced (./validate.ts): rates, alpha and power in (0, 1),
 * counts whole numbers. A z-test whose arms are both all-success or all-failure has a
 * zero-width interval and an undefined lift; `warnings` says so.
 */
import { normalCdf, normalQuantile, normalSf } from "./distributions";
import { checkAlpha, checkChoice, checkNonEmpty, checkNumber, shown, type EvalWarning } from "./validate";

export type PowerMethod = "pooled" | "arcsine";
export type Sidedness = "two-sided" | "one-sided";

export interface ProportionPlan {
  /** Conversion rate of the control arm, in (0, 1). */
  readonly baseline: number;
  /** Rate of the treatment arm; give this or `lift`. */
  readonly treatment?: number;
  /** Relative lift over the baseline (0.05 = +5 %); give this or `treatment`. */
  readonly lift?: number;
  readonly alpha?: number;
  readonly power?: number;
  readonly sides?: Sidedness;
  readonly method?: PowerMethod;
}

function rates(plan: ProportionPlan, what: string): { p1: number; p2: number } {
  if (plan === null || typeof plan !== "object") throw new Error(`${what}: expected a plan { baseline, treatment or lift, ... }, got ${shown(plan)}.`);
  const p1 = plan.baseline;
  if (typeof p1 !== "number" || !(p1 > 0 && p1 < 1)) throw new Error(`${what}: baseline must be a rate in (0, 1), got ${shown(p1)}.`);
  if ((plan.treatment === undefined) === (plan.lift === undefined)) throw new Error(`${what}: give exactly one of treatment or lift.`);
  if (plan.lift !== undefined) checkNumber(what, "lift", plan.lift);
  if (plan.treatment !== undefined && typeof plan.treatment !== "number") throw new Error(`${what}: treatment must be a rate in (0, 1), got ${shown(plan.treatment)}.`);
  const p2 = plan.treatment ?? p1 * (1 + (plan.lift as number));
  if (!(p2 > 0 && p2 < 1)) throw new Error(`${what}: the treatment rate must be in (0, 1), got ${p2}.`);
  checkChoice(what, "sides", plan.sides, ["two-sided", "one-sided"], "two-sided");
  checkChoice(what, "method", plan.method, ["pooled", "arcsine"], "pooled");
  if (p2 === p1) throw new Error(`${what}: the treatment rate equals the baseline; there is no effect to detect.`);
  return { p1, p2 };
}

function level(value: number | undefined, fallback: number, name: string, what: string): number {
  return checkAlpha(what, value, fallback, name);
}

/** Power of a test with `perArm` sessions in each arm. */
export function powerProportions(plan: ProportionPlan & { readonly perArm: number }): number {
  const what = "powerProportions";
  const { p1, p2 } = rates(plan, what);
  const alpha = level(plan.alpha, 0.05, "alpha", what);
  checkNumber(what, "perArm", plan.perArm, { min: 0, minExclusive: true });
  const twoSided = (plan.sides ?? "two-sided") === "two-sided";
  const crit = normalQuantile(1 - (twoSided ? alpha / 2 : alpha));
  const n = plan.perArm;
  if ((plan.method ?? "pooled") === "arcsine") {
    const h = Math.abs(2 * Math.asin(Math.sqrt(p2)) - 2 * Math.asin(Math.sqrt(p1)));
    const shift = h * Math.sqrt(n / 2);
    return normalSf(crit - shift) + (twoSided ? normalCdf(-crit - shift) : 0);
  }
  const pBar = (p1 + p2) / 2;
  const sdNull = Math.sqrt(2 * pBar * (1 - pBar));
  const sdAlt = Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const delta = Math.abs(p2 - p1) * Math.sqrt(n);
  return normalSf((crit * sdNull - delta) / sdAlt) + (twoSided ? normalCdf((-crit * sdNull - delta) / sdAlt) : 0);
}

export interface SampleSize {
  /** Sessions per arm (fractional, as the formula gives; round up to plan). */
  readonly perArmExact: number;
  readonly perArm: number;
  readonly total: number;
  readonly baseline: number;
  readonly treatment: number;
  readonly method: PowerMethod;
}

/** Sessions per arm to detect the plan's effect with the given power. */
export function sampleSizeProportions(plan: ProportionPlan): SampleSize {
  const what = "sampleSizeProportions";
  const { p1, p2 } = rates(plan, what);
  const alpha = level(plan.alpha, 0.05, "alpha", what);
  const power = level(plan.power, 0.8, "power", what);
  const method = plan.method ?? "pooled";
  const twoSided = (plan.sides ?? "two-sided") === "two-sided";
  const zA = normalQuantile(1 - (twoSided ? alpha / 2 : alpha));
  const zB = normalQuantile(power);
  // The closed forms ignore the far rejection tail; refine so that powerProportions(n) == power exactly.
  let guess: number;
  if (method === "arcsine") {
    const h = Math.abs(2 * Math.asin(Math.sqrt(p2)) - 2 * Math.asin(Math.sqrt(p1)));
    guess = (2 * (zA + zB) ** 2) / h ** 2;
  } else {
    const pBar = (p1 + p2) / 2;
    guess = (zA * Math.sqrt(2 * pBar * (1 - pBar)) + zB * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  }
  const f = (n: number) => powerProportions({ ...plan, treatment: p2, lift: undefined, perArm: n }) - power;
  let lo = guess * 0.5;
  let hi = guess * 1.5;
  while (f(lo) > 0) lo /= 2;
  while (f(hi) < 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  const perArmExact = (lo + hi) / 2;
  const perArm = Math.ceil(perArmExact - 1e-9);
  return { perArmExact, perArm, total: 2 * perArm, baseline: p1, treatment: p2, method };
}

/** Power at each sample size (for a power curve plot). No size throws `EmptyInputError`. */
export function powerCurve(plan: ProportionPlan, perArm: readonly number[]): { perArm: number; power: number }[] {
  if (!Array.isArray(perArm)) throw new Error(`powerCurve: perArm must be an array of sample sizes, got ${shown(perArm)}.`);
  checkNonEmpty("powerCurve", "perArm", perArm.length, "a power curve needs at least one sample size.");
  return perArm.map((n) => ({ perArm: n, power: powerProportions({ ...plan, perArm: n }) }));
}

export interface ProportionTest {
  readonly statistic: number;
  readonly pValue: number;
  /** Treatment rate minus control rate. */
  readonly difference: number;
  /** Relative lift, difference / control rate (NaN when the control rate is 0; see `warnings`). */
  readonly lift: number;
  /** Unpooled (Wald) confidence interval of the difference. */
  readonly interval: readonly [number, number];
  readonly rates: readonly [number, number];
  /** Problems with the test (a zero-width interval, an undefined lift); empty when there are none. */
  readonly warnings: readonly EvalWarning[];
}

/**
 * Two-proportion z-test of control (x1 of n1) against treatment (x2 of n2), pooled variance
 * under the null (statsmodels' `proportions_ztest`), with a Wald interval for the difference.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number, options: { alpha?: number; sides?: Sidedness } = {}): ProportionTest {
  const what = "twoProportionZTest";
  for (const [name, x, n] of [["control", x1, n1], ["treatment", x2, n2]] as const) {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: the ${name} arm needs a positive whole number of trials, got ${shown(n)}.`);
    if (!Number.isInteger(x) || x < 0 || x > n) throw new Error(`${what}: the ${name} arm has ${shown(x)} successes of ${n}; expected a whole number in [0, ${n}].`);
  }
  const sides = checkChoice(what, "sides", options.sides, ["two-sided", "one-sided"], "two-sided");
  const alpha = level(options.alpha, 0.05, "alpha", what);
  const r1 = x1 / n1;
  const r2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const diff = r2 - r1;
  const statistic = se0 === 0 ? 0 : diff / se0;
  const twoSided = sides === "two-sided";
  const pValue = twoSided ? Math.min(1, 2 * normalSf(Math.abs(statistic))) : normalSf(statistic);
  const se = Math.sqrt((r1 * (1 - r1)) / n1 + (r2 * (1 - r2)) / n2);
  const z = normalQuantile(1 - alpha / 2);
  const warnings: EvalWarning[] = [];
  if (se === 0) {
    warnings.push({
      code: "zero-variance",
      message: `each arm's rate is 0 or 1 (${x1} of ${n1}, ${x2} of ${n2}), so the Wald interval has width 0 and the test has nothing to compare; that is not certainty (collect more data, or use an exact test).`,
    });
  }
  if (r1 === 0) warnings.push({ code: "undefined-ratio", message: "the control rate is 0, so the relative lift is undefined (NaN)." });
  return { statistic, pValue, difference: diff, lift: r1 > 0 ? diff / r1 : NaN, interval: [diff - z * se, diff + z * se], rates: [r1, r2], warnings };
}
