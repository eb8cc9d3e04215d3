/**
 * Significance tests for comparing two systems on the same queries (paired samples), and the
 * Holm correction for several comparisons. Each test returns its statistic, a p-value and an
 * effect size, so that a notebook can say both "is it real?" and "is it big?".
 *
 * Conventions (differences are d_i = a_i - b_i; "greater" means a tends to exceed b):
 * - Paired t-test: t = mean(d) / (sd(d) / sqrt(n)), n - 1 degrees of freedom; p-values match
 *   scipy.stats.ttest_rel. Effect size: Cohen's d_z = mean(d) / sd(d). When every difference
 *   is equal the test is degenerate: all zero gives t = 0 and p = 1 (SciPy returns NaN), a
 *   constant non-zero difference gives t = +-Infinity and p = 0.
 * - Wilcoxon signed-rank: SciPy's defaults (zero_method "wilcox": zero differences are
 *   dropped; no continuity correction). Exact null distribution when n <= 50 and there are no
 *   zeros and no tied |d| (as SciPy 1.10's "auto", which however also uses the exact
 *   distribution with ties; we use the normal approximation there, as newer SciPy does);
 *   otherwise the normal approximation with the tie correction of the variance. The statistic
 *   is min(W+, W-) for two-sided tests and W+ for one-sided ones (SciPy's). Effect size: the
 *   matched-pairs rank-biserial correlation (W+ - W-) / (W+ + W-) (Kerby 2014). All
 *   differences zero gives p = 1 (SciPy raises an error).
 * - Paired randomisation (permutation) test: statistic mean(d); under the null each d_i's sign
 *   is a coin flip. Exact (all 2^n sign vectors) when 2^n <= samples, else `samples` random
 *   sign vectors from the seeded Rng and p = (count + 1) / (samples + 1), which never
 *   reports 0 (Phipson and Smyth 2010; also SciPy's permutation_test). Two-sided p is twice
 *   the smaller one-sided p, capped at 1 (SciPy's). Effect size: d_z.
 * - Bootstrap: percentile confidence intervals (quantiles with linear interpolation, numpy's
 *   default) of a statistic over resamples drawn with replacement; the paired bootstrap test
 *   resamples the differences shifted to mean 0 and p = (#{|mean*| >= |mean(d)|} + 1) /
 *   (samples + 1) for two-sided tests (Efron and Tibshirani 1993, ch. 16; Sakai 2006).
 * - Holm (1979) step-down adjusted p-values: sorted ascending, p_(i) * (m - i + 1), made
 *   monotone, capped at 1; a hypothesis is rejected when its adjusted p <= alpha.
 * - Randomised procedures take a seed and are deterministic.
 * - Parameters are checked, never coerced (./validate.ts): level and alpha in (0, 1), samples
 *   an integer >= 1, values finite numbers. No pair (no value) throws `EmptyInputError`.
 * - Bootstrap intervals carry `warnings`: from a single value the spread cannot be estimated
 *   (the interval is then (-Infinity, Infinity), "variance-not-estimable"); identical values
 *   give a zero-width interval flagged "zero-variance".
 * - Scale: loops and typed-array sorts only (no spread); the resampling tests cost
 *   samples x n, so keep `samples` modest on millions of pairs.
 */
import { Rng, type Seed } from "../core/random";
import { normalCdf, normalSf, studentTCdf, studentTQuantile, studentTSf } from "./distributions";
import { checkAlpha, checkChoice, checkNonEmpty, shown, type EvalWarning } from "./validate";

export type Alternative = "two-sided" | "greater" | "less";

export interface TestResult {
  readonly test: string;
  readonly statistic: number;
  readonly pValue: number;
  readonly effectSize: number;
  readonly effectSizeName: string;
  /** Number of pairs used. */
  readonly n: number;
  readonly alternative: Alternative;
}

function checkAlternative(alt: Alternative | undefined, what: string): Alternative {
  return checkChoice(what, "alternative", alt, ["two-sided", "greater", "less"], "two-sided");
}

function checkLevel(level: number | undefined, what: string): number {
  return checkAlpha(what, level, 0.95, "level");
}

function checkSeries(x: ArrayLike<number>, name: string, what: string): void {
  if (x === null || typeof x !== "object" || typeof x.length !== "number") throw new Error(`${what}: ${name} must be an array of numbers, got ${shown(x)}.`);
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>, what: string, minimum: number): number[] {
  checkSeries(a, "a", what);
  checkSeries(b, "b", what);
  if (a.length !== b.length) throw new Error(`${what}: the paired samples have ${a.length} and ${b.length} values; they must be the same length.`);
  checkNonEmpty(what, "a", a.length, `expected at least ${minimum} pairs, got 0.`);
  if (a.length < minimum) throw new Error(`${what}: expected at least ${minimum} pairs, got ${a.length}.`);
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new Error(`${what}: pair ${i} is (${shown(a[i])}, ${shown(b[i])}); expected finite numbers.`);
    d.push(a[i] - b[i]);
  }
  return d;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator), two-pass for accuracy. */
function sampleSd(xs: readonly number[], m = mean(xs)): number {
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

function cohenDz(d: readonly number[]): number {
  const m = mean(d);
  const sd = d.length > 1 ? sampleSd(d, m) : 0;
  if (sd === 0) return m === 0 ? 0 : m > 0 ? Infinity : -Infinity;
  return m / sd;
}

// ---------------------------------------------------------------------------------------------
// Paired t-test.

export interface PairedTTestResult extends TestResult {
  readonly df: number;
  readonly meanDifference: number;
  /** Confidence interval for the mean difference (two-sided, at `level`). */
  readonly confidenceInterval: readonly [number, number];
  readonly level: number;
}

/** Paired (dependent samples) t-test on a - b. */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>, options: { alternative?: Alternative; level?: number } = {}): PairedTTestResult {
  const what = "pairedTTest";
  const alternative = checkAlternative(options.alternative, what);
  const level = checkLevel(options.level, what);
  const d = differences(a, b, what, 2);
  const n = d.length;
  const df = n - 1;
  const m = mean(d);
  const sd = sampleSd(d, m);
  const se = sd / Math.sqrt(n);
  let t: number;
  let p: number;
  if (se === 0) {
    t = m === 0 ? 0 : m > 0 ? Infinity : -Infinity;
    p = m === 0 ? 1 : alternative === "two-sided" ? 0 : (alternative === "greater") === m > 0 ? 0 : 1;
  } else {
    t = m / se;
    if (alternative === "two-sided") p = Math.min(1, 2 * studentTSf(Math.abs(t), df));
    else if (alternative === "greater") p = studentTSf(t, df);
    else p = studentTCdf(t, df);
  }
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return {
    test: "paired t-test",
    statistic: t,
    pValue: p,
    effectSize: cohenDz(d),
    effectSizeName: "Cohen's d_z",
    n,
    alternative,
    df,
    meanDifference: m,
    confidenceInterval: [m - half, m + half],
    level,
  };
}

// ---------------------------------------------------------------------------------------------
// Wilcoxon signed-rank test.

export interface WilcoxonResult extends TestResult {
  readonly method: "exact" | "approx";
  /** Sum of the ranks of positive differences. */
  readonly wPlus: number;
  /** Sum of the ranks of negative differences. */
  readonly wMinus: number;
  /** Differences equal to zero (dropped). */
  readonly zeros: number;
  /** The standardised statistic (normal approximation only; null for the exact method). */
  readonly z: number | null;
}

/** Average ranks (1-based) of the values, ties sharing the mean of their ranks. */
export function rankWithTies(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  let i = 0;
  while (i < order.length) {
    let j = i + 1;
    while (j < order.length && values[order[j]] === values[order[i]]) j++;
    const avg = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) ranks[order[t]] = avg;
    if (j - i > 1) tieSizes.push(j - i);
    i = j;
  }
  return { ranks, tieSizes };
}

/** Largest n for the exact signed-rank distribution: 2^n must stay a finite double and the table small. */
const EXACT_WILCOXON_MAX = 1000;

/** Null distribution of W+ for n untied non-zero differences: counts[w] of the 2^n sign vectors. */
function signedRankCounts(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let w = (r * (r + 1)) / 2; w >= r; w--) counts[w] += counts[w - r];
  return counts;
}

/** Wilcoxon signed-rank test on a - b (see the module comment for the conventions). */
export function wilcoxonSignedRank(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { alternative?: Alternative; method?: "auto" | "exact" | "approx" } = {},
): WilcoxonResult {
  const what = "wilcoxonSignedRank";
  const alternative = checkAlternative(options.alternative, what);
  const method = checkChoice(what, "method", options.method, ["auto", "exact", "approx"], "auto");
  const all = differences(a, b, what, 1);
  const d = all.filter((x) => x !== 0);
  const zeros = all.length - d.length;
  const n = d.length;
  const base = { test: "Wilcoxon signed-rank", effectSizeName: "matched-pairs rank-biserial", alternative, zeros };
  if (n === 0) {
    return { ...base, statistic: 0, pValue: 1, effectSize: 0, n: 0, method: "approx", wPlus: 0, wMinus: 0, z: null };
  }
  const { ranks, tieSizes } = rankWithTies(d.map(Math.abs));
  let wPlus = 0;
  let wMinus = 0;
  d.forEach((x, i) => (x > 0 ? (wPlus += ranks[i]) : (wMinus += ranks[i])));
  const statistic = alternative === "two-sided" ? Math.min(wPlus, wMinus) : wPlus;
  const effectSize = (wPlus - wMinus) / (wPlus + wMinus);
  const exactPossible = zeros === 0 && tieSizes.length === 0;
  if (method === "exact" && !exactPossible) {
    throw new Error(`${what}: the exact distribution needs no zero and no tied differences; found ${zeros} zero(s) and ${tieSizes.length} group(s) of ties. Use method "approx" or "auto".`);
  }
  if (method === "exact" && n > EXACT_WILCOXON_MAX) {
    throw new Error(`${what}: the exact distribution is enumerated only up to ${EXACT_WILCOXON_MAX} differences (2^n sign vectors), got ${n}; use method "approx" or "auto".`);
  }
  const useExact = method === "exact" || (method === "auto" && exactPossible && all.length <= 50);
  if (useExact) {
    const counts = signedRankCounts(n);
    const total = Math.pow(2, n);
    const w = Math.round(wPlus);
    let lower = 0;
    for (let x = 0; x <= w; x++) lower += counts[x];
    let upper = 0;
    for (let x = w; x < counts.length; x++) upper += counts[x];
    const pLess = lower / total;
    const pGreater = upper / total;
    const p = alternative === "two-sided" ? Math.min(1, 2 * Math.min(pLess, pGreater)) : alternative === "greater" ? pGreater : pLess;
    return { ...base, statistic, pValue: p, effectSize, n, method: "exact", wPlus, wMinus, z: null };
  }
  const mn = (n * (n + 1)) / 4;
  let variance = n * (n + 1) * (2 * n + 1);
  for (const t of tieSizes) variance -= 0.5 * t * (t * t - 1);
  const se = Math.sqrt(variance / 24);
  const z = (statistic - mn) / se;
  const p = alternative === "two-sided" ? Math.min(1, 2 * normalSf(Math.abs(z))) : alternative === "greater" ? normalSf(z) : normalCdf(z);
  return { ...base, statistic, pValue: p, effectSize, n, method: "approx", wPlus, wMinus, z };
}

// ---------------------------------------------------------------------------------------------
// Paired randomisation (permutation) test.

export interface RandomisationResult extends TestResult {
  /** True when every sign vector was enumerated (then the p-value is exact). */
  readonly exact: boolean;
  /** Sign vectors evaluated (2^n when exact). */
  readonly samples: number;
}

export interface ResamplingOptions {
  readonly alternative?: Alternative;
  /** Random resamples. Default 10000. */
  readonly samples?: number;
  /** Seed of the Rng (deterministic results). Default 0. */
  readonly seed?: Seed;
}

function checkSamples(samples: number | undefined, what: string): number {
  const s = samples ?? 10_000;
  if (typeof s !== "number" || !Number.isInteger(s) || s < 1) throw new Error(`${what}: samples must be an integer >= 1, got ${shown(samples)}.`);
  return s;
}

/** Paired randomisation test of mean(a - b) (see the module comment). */
export function pairedRandomisationTest(a: ArrayLike<number>, b: ArrayLike<number>, options: ResamplingOptions = {}): RandomisationResult {
  const what = "pairedRandomisationTest";
  const alternative = checkAlternative(options.alternative, what);
  const samples = checkSamples(options.samples, what);
  const d = differences(a, b, what, 1);
  const n = d.length;
  let observed = 0;
  let scale = 0;
  for (const x of d) {
    observed += x;
    scale += Math.abs(x);
  }
  // Sums that differ only by rounding count as equal (permutations that reorder equal terms).
  const tolerance = 1e-12 * scale;
  let atMost = 0; // resampled sum <= observed
  let atLeast = 0; // resampled sum >= observed
  let total: number;
  const exact = n < 31 && Math.pow(2, n) <= samples;
  if (exact) {
    total = Math.pow(2, n);
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i] : d[i];
      if (s <= observed + tolerance) atMost++;
      if (s >= observed - tolerance) atLeast++;
    }
  } else {
    const rng = new Rng(options.seed ?? 0);
    total = samples;
    for (let r = 0; r < samples; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        // One engine output gives 32 signs.
        s += rng.nextUint32() & 1 ? -d[i] : d[i];
      }
      if (s <= observed + tolerance) atMost++;
      if (s >= observed - tolerance) atLeast++;
    }
  }
  const adjust = exact ? 0 : 1;
  const pLess = (atMost + adjust) / (total + adjust);
  const pGreater = (atLeast + adjust) / (total + adjust);
  const p = alternative === "two-sided" ? Math.min(1, 2 * Math.min(pLess, pGreater)) : alternative === "greater" ? pGreater : pLess;
  return {
    test: "paired randomisation",
    statistic: observed / n,
    pValue: p,
    effectSize: cohenDz(d),
    effectSizeName: "Cohen's d_z",
    n,
    alternative,
    exact,
    samples: total,
  };
}

// ---------------------------------------------------------------------------------------------
// Bootstrap.

/** numpy's default percentile (linear interpolation) of sorted values, q in [0, 1]. */
function percentileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = h - lo;
  const diff = sorted[hi] - sorted[lo];
  return t >= 0.5 ? sorted[hi] - diff * (1 - t) : sorted[lo] + diff * t;
}

export interface BootstrapInterval {
  /** The statistic on the original sample. */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly samples: number;
  /** Problems with the interval (one value, or no spread); empty when there are none. */
  readonly warnings: readonly EvalWarning[];
}

function spreadWarnings(n: number, lower: number, upper: number, what: string): EvalWarning[] {
  if (n < 2) return [{ code: "variance-not-estimable", message: `${what} rests on one value, which shows no spread: the interval is (-Infinity, Infinity).` }];
  if (lower === upper) return [{ code: "zero-variance", message: `every resample gave the same statistic (the values do not vary), so the interval has width 0; that is not certainty.` }];
  return [];
}

/**
 * Percentile bootstrap confidence interval of a statistic (default: the mean) of one sample.
 * For paired data, pass the differences a - b. One value gives (-Infinity, Infinity) and a
 * warning; no value throws `EmptyInputError`.
 */
export function bootstrapConfidenceInterval(
  values: ArrayLike<number>,
  options: { statistic?: (sample: readonly number[]) => number; samples?: number; level?: number; seed?: Seed } = {},
): BootstrapInterval {
  const what = "bootstrapConfidenceInterval";
  const samples = checkSamples(options.samples, what);
  const level = checkLevel(options.level, what);
  checkSeries(values, "values", what);
  const xs = Array.from(values);
  checkNonEmpty(what, "values", xs.length, "expected at least one value, got none.");
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`${what}: value ${i} is ${shown(x)}; expected a finite number.`);
  });
  if (options.statistic !== undefined && typeof options.statistic !== "function") throw new Error(`${what}: statistic must be a function of a sample, got ${shown(options.statistic)}.`);
  const statistic = options.statistic ?? mean;
  const rng = new Rng(options.seed ?? 0);
  const n = xs.length;
  const replicate = new Array<number>(n);
  const stats: number[] = [];
  for (let r = 0; r < samples; r++) {
    for (let i = 0; i < n; i++) replicate[i] = xs[rng.int(n)];
    const s = statistic(replicate);
    if (Number.isNaN(s)) throw new Error(`${what}: the statistic returned NaN on bootstrap sample ${r}.`);
    stats.push(s);
  }
  stats.sort((p, q) => p - q);
  const alpha = 1 - level;
  const lower = n < 2 ? -Infinity : percentileSorted(stats, alpha / 2);
  const upper = n < 2 ? Infinity : percentileSorted(stats, 1 - alpha / 2);
  return { estimate: statistic(xs), lower, upper, level, samples, warnings: spreadWarnings(n, lower, upper, what) };
}

export interface PairedBootstrapResult extends TestResult {
  /** Percentile interval of the mean difference. */
  readonly confidenceInterval: readonly [number, number];
  readonly level: number;
  readonly samples: number;
  /** Problems with the interval (one pair, or no spread); empty when there are none. */
  readonly warnings: readonly EvalWarning[];
}

/**
 * Paired bootstrap test of mean(a - b), with a percentile interval for the mean difference.
 * One pair cannot show any spread: p = 1, interval (-Infinity, Infinity) and a warning.
 */
export function pairedBootstrapTest(a: ArrayLike<number>, b: ArrayLike<number>, options: ResamplingOptions & { level?: number } = {}): PairedBootstrapResult {
  const what = "pairedBootstrapTest";
  const alternative = checkAlternative(options.alternative, what);
  const samples = checkSamples(options.samples, what);
  const level = checkLevel(options.level, what);
  const d = differences(a, b, what, 1);
  const n = d.length;
  const observed = mean(d);
  const rng = new Rng(options.seed ?? 0);
  const means: number[] = [];
  let extreme = 0;
  const tolerance = 1e-12 * (Math.abs(observed) + 1e-300);
  for (let r = 0; r < samples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    const m = s / n;
    means.push(m);
    // The null distribution is the same resample shifted to mean zero.
    const shifted = m - observed;
    if (alternative === "two-sided" ? Math.abs(shifted) >= Math.abs(observed) - tolerance : alternative === "greater" ? shifted >= observed - tolerance : shifted <= observed + tolerance) extreme++;
  }
  means.sort((p, q) => p - q);
  const alpha = 1 - level;
  const lower = n < 2 ? -Infinity : percentileSorted(means, alpha / 2);
  const upper = n < 2 ? Infinity : percentileSorted(means, 1 - alpha / 2);
  return {
    test: "paired bootstrap",
    statistic: observed,
    pValue: n < 2 ? 1 : (extreme + 1) / (samples + 1),
    effectSize: cohenDz(d),
    effectSizeName: "Cohen's d_z",
    n,
    alternative,
    confidenceInterval: [lower, upper],
    level,
    samples,
    warnings: spreadWarnings(n, lower, upper, what),
  };
}

// ---------------------------------------------------------------------------------------------
// Several comparisons.

export interface HolmResult {
  /** Holm-adjusted p-values, in the order of the input. */
  readonly adjusted: readonly number[];
  /** Whether each hypothesis is rejected at `alpha`. */
  readonly rejected: readonly boolean[];
  readonly alpha: number;
}

/** Holm's step-down correction of m p-values (controls the family-wise error rate at alpha). */
export function holmCorrection(pValues: ArrayLike<number>, options: { alpha?: number } = {}): HolmResult {
  const what = "holmCorrection";
  const alpha = checkAlpha(what, options.alpha);
  checkSeries(pValues, "pValues", what);
  const m = pValues.length;
  checkNonEmpty(what, "pValues", m, "expected at least one p-value, got none.");
  const ps = Array.from(pValues);
  ps.forEach((p, i) => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${what}: p-value ${i} is ${shown(p)}; expected a number in [0, 1].`);
  });
  const order = ps.map((_, i) => i).sort((i, j) => ps[i] - ps[j] || i - j);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * ps[idx]));
    adjusted[idx] = running;
  });
  return { adjusted, rejected: adjusted.map((p) => p <= alpha), alpha };
}
