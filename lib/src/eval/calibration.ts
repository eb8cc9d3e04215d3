/**
 * Calibration of predicted probabilities: reliability bins (the data of a reliability
 * diagram), expected and maximum calibration error, and the Brier score.
 *
 * Binning follows scikit-learn's `calibration_curve`:
 * - "uniform": edges i / n (computed as i * (1 / n), as numpy's linspace does); a probability
 *   on an inner edge goes to the bin *below* it (bins are (lo, hi], the first is [0, hi]).
 * - "quantile": edges are the 0, 1/n, ..., 1 quantiles of the predictions (linear
 *   interpolation, numpy's default), so bins hold about equally many samples; repeated edges
 *   give empty bins.
 * ECE = sum over bins of (count / N) * |fraction of positives - mean predicted probability|
 * (Naeini et al., AAAI 2015; Guo et al., ICML 2017). For a multi-class model, pass whether the
 * top class was right as the outcome and its probability as the prediction (top-label ECE).
 * Parameters are checked, never coerced (probabilities must be numbers in [0, 1], bins an
 * integer >= 1); no sample throws `EmptyInputError` (the library's rule, ./validate.ts).
 */
import { binaryLabel, type BinaryLabels } from "./classification";
import { checkChoice, checkNonEmpty, shown } from "./validate";

export type BinStrategy = "uniform" | "quantile";

export interface CalibrationOptions {
  /** Number of bins. Default 10. */
  readonly bins?: number;
  /** Bin edges: equal width ("uniform", default) or equal count ("quantile"). */
  readonly strategy?: BinStrategy;
}

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin (null when the bin is empty). */
  readonly meanPredicted: number | null;
  /** Fraction of positive outcomes in the bin (null when the bin is empty). */
  readonly fractionPositive: number | null;
}

function checkInputs(what: string, yTrue: BinaryLabels, probs: ArrayLike<number>): boolean[] {
  if (yTrue.length !== probs.length) throw new Error(`${what}: yTrue has ${yTrue.length} entries but probs has ${probs.length}; they must be the same length.`);
  checkNonEmpty(what, "yTrue", yTrue.length, "expected at least one sample, got none.");
  const out: boolean[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    out.push(binaryLabel(what, yTrue[i], i));
    const p = probs[i];
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${what}: probs[${i}] is ${String(p)}; expected a probability in [0, 1].`);
  }
  return out;
}

/** numpy's default (linear) percentile of sorted values, with its interpolation formula. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function binEdges(probs: ArrayLike<number>, bins: number, strategy: BinStrategy): number[] {
  const step = 1 / bins;
  if (strategy === "uniform") {
    const edges = Array.from({ length: bins + 1 }, (_, i) => i * step);
    edges[bins] = 1;
    return edges;
  }
  const sorted = Array.from(probs).sort((a, b) => a - b);
  return Array.from({ length: bins + 1 }, (_, i) => quantileSorted(sorted, ((i === bins ? 1 : i * step) * 100) / 100));
}

/** First index j with edges[j] >= p among the inner edges (numpy searchsorted, side left). */
function binOf(p: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length - 2; // inner edges are edges[1 .. n-1]; result in 0 .. n-1
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid + 1] >= p) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Reliability bins of binary predictions (empty bins included, with null means). */
export function reliabilityBins(yTrue: BinaryLabels, probs: ArrayLike<number>, options: CalibrationOptions = {}): ReliabilityBin[] {
  const what = "reliabilityBins";
  const y = checkInputs(what, yTrue, probs);
  const bins = options.bins ?? 10;
  if (typeof bins !== "number" || !Number.isInteger(bins) || bins < 1) throw new Error(`${what}: bins must be an integer >= 1, got ${shown(bins)}.`);
  const strategy = checkChoice(what, "strategy", options.strategy, ["uniform", "quantile"], "uniform");
  const edges = binEdges(probs, bins, strategy);
  const count = new Array<number>(bins).fill(0);
  const sumProb = count.slice();
  const sumPos = count.slice();
  for (let i = 0; i < y.length; i++) {
    const b = binOf(probs[i], edges);
    count[b]++;
    sumProb[b] += probs[i];
    if (y[i]) sumPos[b]++;
  }
  return count.map((c, b) => ({
    lower: edges[b],
    upper: edges[b + 1],
    count: c,
    meanPredicted: c > 0 ? sumProb[b] / c : null,
    fractionPositive: c > 0 ? sumPos[b] / c : null,
  }));
}

/** Expected calibration error: the count-weighted mean gap between outcome rate and mean prediction per bin. */
export function expectedCalibrationError(yTrue: BinaryLabels, probs: ArrayLike<number>, options: CalibrationOptions = {}): number {
  const bins = reliabilityBins(yTrue, probs, options);
  let ece = 0;
  for (const b of bins) if (b.count > 0) ece += (b.count / yTrue.length) * Math.abs((b.fractionPositive as number) - (b.meanPredicted as number));
  return ece;
}

/** Maximum calibration error: the largest gap over non-empty bins. */
export function maxCalibrationError(yTrue: BinaryLabels, probs: ArrayLike<number>, options: CalibrationOptions = {}): number {
  const bins = reliabilityBins(yTrue, probs, options);
  let mce = 0;
  for (const b of bins) if (b.count > 0) mce = Math.max(mce, Math.abs((b.fractionPositive as number) - (b.meanPredicted as number)));
  return mce;
}

/** Brier score: mean squared difference between the predicted probability and the 0/1 outcome. */
export function brierScore(yTrue: BinaryLabels, probs: ArrayLike<number>): number {
  const y = checkInputs("brierScore", yTrue, probs);
  let total = 0;
  for (let i = 0; i < y.length; i++) total += (probs[i] - (y[i] ? 1 : 0)) ** 2;
  return total / y.length;
}
