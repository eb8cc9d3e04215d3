/**
 * Classification metrics: accuracy, confusion matrix, precision / recall / F-beta (per class,
 * micro, macro, weighted, binary), ROC curve and ROC-AUC, average precision (PR-AUC) and log
 * loss. The conventions are scikit-learn's (checked against it in the tests):
 * - Labels are numbers or strings (one kind per call); the default label set is the sorted
 *   union of the true and predicted labels (numbers numerically, strings by code point).
 * - Confusion matrix rows are true labels and columns predicted labels.
 * - A precision with no predicted sample, or a recall with no true sample, is `zeroDivision`
 *   (default 0, scikit-learn's "warn" value); F is 0 whenever precision + recall is 0.
 * - ROC-AUC is the trapezoidal area under the ROC curve, which equals the probability that a
 *   random positive outscores a random negative with ties counted one half (Mann-Whitney).
 * - Average precision is sum_n (R_n - R_(n-1)) P_n over the distinct score thresholds (tied
 *   scores enter together): scikit-learn's `average_precision_score`, not the trapezoidal
 *   area, which is optimistic.
 * - Log loss clips probabilities to [eps, 1 - eps] with eps = 2^-52 (float64 machine epsilon,
 *   scikit-learn's `eps="auto"`), then renormalises each row.
 * - Parameters are checked, never coerced (./validate.ts): beta, eps, zeroDivision, scores and
 *   probabilities must be numbers. No sample at all throws `EmptyInputError` (the library's
 *   empty-input rule). Every function is a loop or a sort (no spread), fine on millions of samples.
 */
import { checkNonEmpty, checkNumber, shown } from "./validate";

export type Label = string | number;

/** Outcomes of a binary task: booleans, or 0 / 1. */
export type BinaryLabels = readonly boolean[] | readonly number[];

function checkSameLength(what: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>, nameA: string, nameB: string): void {
  if (a.length !== b.length) throw new Error(`${what}: ${nameA} has ${a.length} entries but ${nameB} has ${b.length}; they must be the same length.`);
  checkNonEmpty(what, nameA, a.length, "expected at least one sample, got none.");
}

function checkLabels(what: string, labels: readonly Label[], name: string): "number" | "string" {
  let kind: "number" | "string" | undefined;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    const t = typeof v;
    if (t !== "number" && t !== "string") throw new Error(`${what}: ${name}[${i}] is ${String(v)} (${t}); labels must be numbers or strings.`);
    if (t === "number" && !Number.isFinite(v as number)) throw new Error(`${what}: ${name}[${i}] is ${v}; numeric labels must be finite.`);
    if (kind === undefined) kind = t as "number" | "string";
    else if (kind !== t) throw new Error(`${what}: ${name} mixes numbers and strings (entry ${i} is ${JSON.stringify(v)}); use one kind of label.`);
  }
  return kind ?? "number";
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The sorted distinct labels of the given arrays (scikit-learn's `unique_labels`). */
export function uniqueLabels<L extends Label>(...arrays: readonly (readonly L[])[]): L[] {
  const set = new Set<L>();
  for (const arr of arrays) for (const v of arr) set.add(v);
  return Array.from(set).sort(compareLabels);
}

/** Fraction of samples whose predicted label equals the true label. */
export function accuracy<L extends Label>(yTrue: readonly L[], yPred: readonly L[]): number {
  checkSameLength("accuracy", yTrue, yPred, "yTrue", "yPred");
  checkLabels("accuracy", yTrue, "yTrue");
  checkLabels("accuracy", yPred, "yPred");
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * Top-k accuracy (scikit-learn's `top_k_accuracy_score`): the share of samples whose true class
 * index is among the k highest of its row of `scores` ([samples][classes]). Ties are ordered as
 * scikit-learn orders them (a stable ascending sort, reversed: the higher class index first).
 * Empty input throws `EmptyInputError`; k at least the number of classes gives 1.
 */
export function topKAccuracy(yTrue: ArrayLike<number>, scores: readonly ArrayLike<number>[], k: number): number {
  const what = "topKAccuracy";
  checkNumber(what, "k", k, { integer: true, min: 1 });
  checkSameLength(what, yTrue, scores, "yTrue", "scores");
  checkNonEmpty(what, "yTrue", yTrue.length, "expected at least one sample, got none.");
  const classes = scores[0].length;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = scores[i];
    const label = yTrue[i];
    if (row.length !== classes) throw new Error(`${what}: scores row ${i} has ${row.length} classes, row 0 has ${classes}.`);
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`${what}: yTrue[${i}] is ${shown(label)}; expected a class index in [0, ${classes}).`);
    const own = row[label];
    if (!Number.isFinite(own)) throw new Error(`${what}: scores[${i}][${label}] is ${shown(own)}; expected a finite number.`);
    // Classes ranked above the true one: higher scores, and equal scores of a higher index.
    let above = 0;
    for (let c = 0; c < classes; c++) if (row[c] > own || (row[c] === own && c > label)) above++;
    if (above < k) hits++;
  }
  return hits / yTrue.length;
}

export interface ConfusionMatrix<L extends Label> {
  readonly labels: readonly L[];
  /** matrix[i][j]: samples whose true label is labels[i] and predicted label labels[j]. */
  readonly matrix: readonly (readonly number[])[];
}

/** The confusion matrix over `labels` (default: sorted union of both arrays); samples with other labels are left out. */
export function confusionMatrix<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: { labels?: readonly L[] } = {}): ConfusionMatrix<L> {
  checkSameLength("confusionMatrix", yTrue, yPred, "yTrue", "yPred");
  const kind = checkLabels("confusionMatrix", yTrue, "yTrue");
  const kindPred = checkLabels("confusionMatrix", yPred, "yPred");
  if (kind !== kindPred) throw new Error(`confusionMatrix: yTrue holds ${kind}s but yPred holds ${kindPred}s.`);
  const labels = options.labels ? options.labels.slice() : uniqueLabels(yTrue, yPred);
  if (labels.length === 0) throw new Error("confusionMatrix: labels is empty; expected at least one label.");
  const index = new Map<L, number>();
  labels.forEach((l, i) => {
    if (index.has(l)) throw new Error(`confusionMatrix: label ${JSON.stringify(l)} is listed twice in labels.`);
    index.set(l, i);
  });
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined && p !== undefined) matrix[t][p]++;
  }
  return { labels, matrix };
}

export interface ConfusedPair<L extends Label> {
  readonly truth: L;
  readonly predicted: L;
  readonly count: number;
  /** The share of `truth`'s examples predicted as `predicted`. */
  readonly rate: number;
}

/**
 * The `k` most frequent confusions (true label predicted as another), most frequent first; ties
 * by true label, then predicted label (code point order), so the list is reproducible.
 */
export function mostConfused<L extends Label>(yTrue: readonly L[], yPred: readonly L[], k = 10): ConfusedPair<L>[] {
  if (!Number.isInteger(k) || k < 0) throw new Error(`mostConfused: k must be an integer >= 0, got ${shown(k)}.`);
  const { labels, matrix } = confusionMatrix(yTrue, yPred);
  const pairs: ConfusedPair<L>[] = [];
  labels.forEach((t, i) => {
    const total = matrix[i].reduce((a, b) => a + b, 0);
    labels.forEach((p, j) => {
      if (i !== j && matrix[i][j] > 0) pairs.push({ truth: t, predicted: p, count: matrix[i][j], rate: matrix[i][j] / total });
    });
  });
  const key = (l: L): string => String(l);
  return pairs
    .sort((a, b) => b.count - a.count || (key(a.truth) < key(b.truth) ? -1 : key(a.truth) > key(b.truth) ? 1 : key(a.predicted) < key(b.predicted) ? -1 : key(a.predicted) > key(b.predicted) ? 1 : 0))
    .slice(0, k);
}

export type Average = "micro" | "macro" | "weighted" | "binary";

export interface PrfOptions<L extends Label> {
  /** How per-class scores are combined. Default "binary" for two labels, else required. */
  readonly average?: Average;
  /** Labels to score (and, for micro / macro / weighted, to average over). Default: all labels present. */
  readonly labels?: readonly L[];
  /** The class scored when average = "binary". Default 1. */
  readonly positiveLabel?: L;
  /** F-beta's beta (recall weighs beta times as much as precision). Default 1. */
  readonly beta?: number;
  /** Value of a precision or recall whose denominator is 0. Default 0. */
  readonly zeroDivision?: 0 | 1;
}

export interface PerClassScores<L extends Label> {
  readonly labels: readonly L[];
  readonly precision: readonly number[];
  readonly recall: readonly number[];
  readonly fscore: readonly number[];
  /** Number of true samples of each label. */
  readonly support: readonly number[];
}

export interface AveragedScores {
  readonly precision: number;
  readonly recall: number;
  readonly fscore: number;
}

interface Counts<L extends Label> {
  labels: L[];
  tp: number[];
  predicted: number[];
  actual: number[];
}

function countPerLabel<L extends Label>(what: string, yTrue: readonly L[], yPred: readonly L[], labels: readonly L[] | undefined): Counts<L> {
  checkSameLength(what, yTrue, yPred, "yTrue", "yPred");
  const kind = checkLabels(what, yTrue, "yTrue");
  const kindPred = checkLabels(what, yPred, "yPred");
  if (kind !== kindPred) throw new Error(`${what}: yTrue holds ${kind}s but yPred holds ${kindPred}s.`);
  const chosen = labels ? labels.slice() : uniqueLabels(yTrue, yPred);
  if (chosen.length === 0) throw new Error(`${what}: labels is empty; expected at least one label.`);
  const index = new Map<L, number>();
  chosen.forEach((l, i) => {
    if (index.has(l)) throw new Error(`${what}: label ${JSON.stringify(l)} is listed twice in labels.`);
    index.set(l, i);
  });
  const tp = new Array<number>(chosen.length).fill(0);
  const predicted = tp.slice();
  const actual = tp.slice();
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined) actual[t]++;
    if (p !== undefined) predicted[p]++;
    if (t !== undefined && yTrue[i] === yPred[i]) tp[t]++;
  }
  return { labels: chosen, tp, predicted, actual };
}

function divide(num: number, den: number, zeroDivision: number): number {
  return den === 0 ? zeroDivision : num / den;
}

function fbeta(p: number, r: number, beta2: number): number {
  const den = beta2 * p + r;
  return den === 0 ? 0 : ((1 + beta2) * p * r) / den;
}

function checkZeroDivision(z: number | undefined, what: string): number {
  const v = z ?? 0;
  if (v !== 0 && v !== 1) throw new Error(`${what}: zeroDivision must be 0 or 1, got ${shown(z)}.`);
  return v;
}

function checkBeta(beta: number | undefined, what: string): number {
  const b = beta ?? 1;
  if (typeof b !== "number" || !(b >= 0) || !Number.isFinite(b)) throw new Error(`${what}: beta must be a finite number >= 0, got ${shown(beta)}.`);
  return b;
}

/** Precision, recall, F-beta and support for each label. */
export function precisionRecallFscorePerClass<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: Omit<PrfOptions<L>, "average" | "positiveLabel"> = {},
): PerClassScores<L> {
  const what = "precisionRecallFscorePerClass";
  const zd = checkZeroDivision(options.zeroDivision, what);
  const beta2 = checkBeta(options.beta, what) ** 2;
  const c = countPerLabel(what, yTrue, yPred, options.labels);
  const precision = c.tp.map((tp, i) => divide(tp, c.predicted[i], zd));
  const recall = c.tp.map((tp, i) => divide(tp, c.actual[i], zd));
  const fscore = precision.map((p, i) => fbeta(p, recall[i], beta2));
  return { labels: c.labels, precision, recall, fscore, support: c.actual };
}

/** Precision, recall and F-beta combined over labels as `average` says (scikit-learn's precision_recall_fscore_support). */
export function precisionRecallFscore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: PrfOptions<L> = {}): AveragedScores {
  const what = "precisionRecallFscore";
  const zd = checkZeroDivision(options.zeroDivision, what);
  const beta2 = checkBeta(options.beta, what) ** 2;
  const average = options.average ?? "binary";
  if (!["micro", "macro", "weighted", "binary"].includes(average)) {
    throw new Error(`${what}: average must be "micro", "macro", "weighted" or "binary", got "${String(average)}".`);
  }
  if (average === "binary") {
    checkSameLength(what, yTrue, yPred, "yTrue", "yPred");
    const present = uniqueLabels(yTrue, yPred);
    if (present.length > 2) {
      throw new Error(`${what}: average "binary" needs at most two labels, found ${present.length} (${present.slice(0, 6).map((l) => JSON.stringify(l)).join(", ")}); choose "micro", "macro" or "weighted".`);
    }
    const positive = (options.positiveLabel ?? 1) as L;
    if (!present.includes(positive) && present.length >= 2) {
      throw new Error(`${what}: positiveLabel ${JSON.stringify(positive)} is not one of the labels ${present.map((l) => JSON.stringify(l)).join(", ")}.`);
    }
    const c = countPerLabel(what, yTrue, yPred, [positive]);
    const p = divide(c.tp[0], c.predicted[0], zd);
    const r = divide(c.tp[0], c.actual[0], zd);
    return { precision: p, recall: r, fscore: fbeta(p, r, beta2) };
  }
  const c = countPerLabel(what, yTrue, yPred, options.labels);
  if (average === "micro") {
    const tp = c.tp.reduce((s, x) => s + x, 0);
    const p = divide(tp, c.predicted.reduce((s, x) => s + x, 0), zd);
    const r = divide(tp, c.actual.reduce((s, x) => s + x, 0), zd);
    return { precision: p, recall: r, fscore: fbeta(p, r, beta2) };
  }
  const precision = c.tp.map((tp, i) => divide(tp, c.predicted[i], zd));
  const recall = c.tp.map((tp, i) => divide(tp, c.actual[i], zd));
  const fscore = precision.map((p, i) => fbeta(p, recall[i], beta2));
  if (average === "macro") {
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return { precision: mean(precision), recall: mean(recall), fscore: mean(fscore) };
  }
  const total = c.actual.reduce((s, x) => s + x, 0);
  if (total === 0) {
    // No true sample of any chosen label: scikit-learn's convention for this corner.
    const predictedAny = c.predicted.some((x) => x > 0);
    return predictedAny ? { precision: 0, recall: zd, fscore: 0 } : { precision: zd, recall: zd, fscore: zd };
  }
  const weighted = (xs: number[]) => xs.reduce((s, x, i) => s + x * c.actual[i], 0) / total;
  return { precision: weighted(precision), recall: weighted(recall), fscore: weighted(fscore) };
}

/** F1 score (see `precisionRecallFscore` for the options). */
export function f1Score<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: Omit<PrfOptions<L>, "beta"> = {}): number {
  return precisionRecallFscore(yTrue, yPred, { ...options, beta: 1 }).fscore;
}

/** Precision (see `precisionRecallFscore` for the options). */
export function precisionScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: Omit<PrfOptions<L>, "beta"> = {}): number {
  return precisionRecallFscore(yTrue, yPred, options).precision;
}

/** Recall (see `precisionRecallFscore` for the options). */
export function recallScore<L extends Label>(yTrue: readonly L[], yPred: readonly L[], options: Omit<PrfOptions<L>, "beta"> = {}): number {
  return precisionRecallFscore(yTrue, yPred, options).recall;
}

// ---------------------------------------------------------------------------------------------
// Score-based binary metrics.

/** A binary label as a boolean: true / false or 1 / 0, anything else an error naming the entry. */
export function binaryLabel(what: string, value: unknown, index: number): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw new Error(`${what}: yTrue[${index}] is ${JSON.stringify(value)}; expected true / false or 1 / 0.`);
}

function binaryOutcomes(what: string, yTrue: BinaryLabels, scores: ArrayLike<number>, scoreName = "scores"): boolean[] {
  checkSameLength(what, yTrue, scores, "yTrue", scoreName);
  const out: boolean[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    out.push(binaryLabel(what, yTrue[i], i));
    const s = scores[i];
    if (typeof s !== "number" || Number.isNaN(s)) throw new Error(`${what}: ${scoreName}[${i}] is ${String(s)}; expected a number that is not NaN.`);
  }
  return out;
}

/**
 * The distinct scores, highest first, with how many positives and negatives share each one.
 * Counted in a Map and ordered by a typed-array sort of the distinct values: no comparator sort
 * of a million indices and no array per sample.
 */
function scoreGroups(y: readonly boolean[], scores: ArrayLike<number>): { score: Float64Array; pos: Float64Array; neg: Float64Array } {
  const slot = new Map<number, number>(); // SameValueZero: -0 and 0 share a group, as they compare equal
  const pos: number[] = [];
  const neg: number[] = [];
  const distinct: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const v = scores[i];
    let g = slot.get(v);
    if (g === undefined) {
      g = distinct.length;
      slot.set(v, g);
      distinct.push(v);
      pos.push(0);
      neg.push(0);
    }
    if (y[i]) pos[g]++;
    else neg[g]++;
  }
  const ascending = Float64Array.from(distinct).sort();
  const m = ascending.length;
  const out = { score: new Float64Array(m), pos: new Float64Array(m), neg: new Float64Array(m) };
  for (let t = 0; t < m; t++) {
    const g = slot.get(ascending[m - 1 - t]) as number;
    out.score[t] = distinct[g];
    out.pos[t] = pos[g];
    out.neg[t] = neg[g];
  }
  return out;
}

export interface RocCurve {
  /** False positive rate at each threshold, starting at 0. */
  readonly fpr: readonly number[];
  /** True positive rate at each threshold, starting at 0. */
  readonly tpr: readonly number[];
  /** Score thresholds (predict positive when score >= threshold); the first is +Infinity. */
  readonly thresholds: readonly number[];
}

/** The ROC curve with one point per distinct score (scikit-learn's roc_curve with drop_intermediate=false). */
export function rocCurve(yTrue: BinaryLabels, scores: ArrayLike<number>): RocCurve {
  const what = "rocCurve";
  const y = binaryOutcomes(what, yTrue, scores);
  const positives = y.filter(Boolean).length;
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`${what}: yTrue holds only ${positives === 0 ? "negatives" : "positives"}; the ROC curve needs both classes.`);
  }
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  const groups = scoreGroups(y, scores);
  for (let g = 0; g < groups.score.length; g++) {
    tp += groups.pos[g];
    fp += groups.neg[g];
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(groups.score[g]);
  }
  return { fpr, tpr, thresholds };
}

/** Area under the ROC curve (binary; ties count one half). Needs both classes in yTrue. */
export function rocAuc(yTrue: BinaryLabels, scores: ArrayLike<number>): number {
  const what = "rocAuc";
  const y = binaryOutcomes(what, yTrue, scores);
  const positives = y.filter(Boolean).length;
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`${what}: yTrue holds only ${positives === 0 ? "negatives" : "positives"}; ROC-AUC is undefined with one class.`);
  }
  // Mann-Whitney: for each group of tied scores, every positive beats the negatives below it
  // and ties with the negatives inside the group.
  let negativesBelow = negatives;
  let wins = 0;
  const groups = scoreGroups(y, scores);
  for (let g = 0; g < groups.score.length; g++) {
    const pos = groups.pos[g];
    const neg = groups.neg[g];
    negativesBelow -= neg;
    wins += pos * negativesBelow + 0.5 * pos * neg;
  }
  return wins / (positives * negatives);
}

/**
 * Multi-class ROC-AUC, one class against the rest: the binary AUC of each class's probability
 * column, averaged with equal weights ("macro", default) or by class prevalence ("weighted"),
 * as scikit-learn's roc_auc_score(multi_class="ovr"). Every class must occur in yTrue.
 */
export function rocAucOneVsRest<L extends Label>(
  yTrue: readonly L[],
  probs: readonly (readonly number[])[],
  options: { labels?: readonly L[]; average?: "macro" | "weighted" } = {},
): number {
  const what = "rocAucOneVsRest";
  checkSameLength(what, yTrue, probs, "yTrue", "probs");
  checkLabels(what, yTrue, "yTrue");
  const labels = options.labels ? options.labels.slice() : uniqueLabels(yTrue);
  const average = options.average ?? "macro";
  if (average !== "macro" && average !== "weighted") throw new Error(`${what}: average must be "macro" or "weighted", got "${String(average)}".`);
  probs.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== labels.length) {
      throw new Error(`${what}: probs[${i}] has ${Array.isArray(row) ? row.length : "no"} columns but there are ${labels.length} labels.`);
    }
  });
  let total = 0;
  let weights = 0;
  labels.forEach((label, j) => {
    const isClass = yTrue.map((y) => y === label);
    const count = isClass.filter(Boolean).length;
    if (count === 0) throw new Error(`${what}: label ${JSON.stringify(label)} never occurs in yTrue; its one-vs-rest AUC is undefined.`);
    const w = average === "macro" ? 1 : count;
    total += w * rocAuc(isClass, probs.map((row) => row[j]));
    weights += w;
  });
  return total / weights;
}

export interface PrecisionRecallPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** Precision and recall at each distinct score threshold, from the highest score down. */
export function precisionRecallCurve(yTrue: BinaryLabels, scores: ArrayLike<number>): PrecisionRecallPoint[] {
  const what = "precisionRecallCurve";
  const y = binaryOutcomes(what, yTrue, scores);
  const positives = y.filter(Boolean).length;
  if (positives === 0) throw new Error(`${what}: yTrue holds no positive; recall is undefined.`);
  const points: PrecisionRecallPoint[] = [];
  let tp = 0;
  let seen = 0;
  const groups = scoreGroups(y, scores);
  for (let g = 0; g < groups.score.length; g++) {
    tp += groups.pos[g];
    seen += groups.pos[g] + groups.neg[g];
    points.push({ threshold: groups.score[g], precision: tp / seen, recall: tp / positives });
  }
  return points;
}

/**
 * Average precision, the step-wise area under the precision-recall curve:
 * sum over distinct thresholds of (R_n - R_(n-1)) * P_n (scikit-learn's average_precision_score).
 */
export function averagePrecisionScore(yTrue: BinaryLabels, scores: ArrayLike<number>): number {
  const points = precisionRecallCurve(yTrue, scores);
  let ap = 0;
  let previousRecall = 0;
  for (const p of points) {
    ap += (p.recall - previousRecall) * p.precision;
    previousRecall = p.recall;
  }
  return ap;
}

// ---------------------------------------------------------------------------------------------
// Log loss.

const FLOAT64_EPS = 2 ** -52;

export interface LogLossOptions<L extends Label> {
  /** Class order of the probability columns (multi-class form). Default: sorted labels of yTrue. */
  readonly labels?: readonly L[];
  /** Clipping: probabilities are clipped to [eps, 1 - eps]. Default 2^-52. */
  readonly eps?: number;
}

/**
 * Mean negative log-likelihood (natural log). Binary form: yTrue is 0/1 or boolean and probs[i]
 * is P(y_i = 1). Multi-class form: probs[i] is a row of class probabilities in `labels` order.
 * Rows must sum to 1 (within 1e-6); probabilities are clipped to [eps, 1 - eps] and rows
 * renormalised (scikit-learn's rule), so a confident mistake costs about 36 nats, not Infinity.
 */
export function logLoss<L extends Label>(yTrue: readonly L[] | readonly boolean[], probs: readonly number[] | readonly (readonly number[])[], options: LogLossOptions<L> = {}): number {
  const what = "logLoss";
  const eps = options.eps ?? FLOAT64_EPS;
  if (typeof eps !== "number" || !(eps > 0 && eps < 0.5)) throw new Error(`${what}: eps must be a number in (0, 0.5), got ${shown(eps)}.`);
  checkSameLength(what, yTrue, probs, "yTrue", "probs");
  const checkProb = (p: unknown, where: string): number => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${what}: ${where} is ${String(p)}; expected a probability in [0, 1].`);
    return p;
  };
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps);
  if (typeof probs[0] === "number") {
    const y = binaryOutcomes(what, yTrue as BinaryLabels, (probs as readonly number[]).map((p, i) => checkProb(p, `probs[${i}]`)), "probs");
    let total = 0;
    for (let i = 0; i < y.length; i++) {
      const p1 = clip(probs[i] as number);
      const p0 = 1 - p1;
      const s = p0 + p1;
      total -= Math.log((y[i] ? p1 : p0) / s);
    }
    return total / y.length;
  }
  const rows = probs as readonly (readonly number[])[];
  const yt = yTrue as readonly L[];
  checkLabels(what, yt, "yTrue");
  const labels = options.labels ? options.labels.slice() : uniqueLabels(yt);
  const index = new Map<L, number>();
  labels.forEach((l, i) => index.set(l, i));
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row) || row.length !== labels.length) {
      throw new Error(`${what}: probs[${i}] has ${Array.isArray(row) ? row.length : "no"} columns but there are ${labels.length} labels (${labels.map((l) => JSON.stringify(l)).join(", ")}); pass options.labels if yTrue misses some classes.`);
    }
    let sum = 0;
    row.forEach((p, j) => (sum += checkProb(p, `probs[${i}][${j}]`)));
    if (Math.abs(sum - 1) > 1e-6) throw new Error(`${what}: probs[${i}] sums to ${sum}; each row must sum to 1.`);
    const c = index.get(yt[i]);
    if (c === undefined) throw new Error(`${what}: yTrue[${i}] = ${JSON.stringify(yt[i])} is not among the labels ${labels.map((l) => JSON.stringify(l)).join(", ")}.`);
    let clippedSum = 0;
    for (const p of row) clippedSum += clip(p);
    total -= Math.log(clip(row[c]) / clippedSum);
  }
  return total / rows.length;
}
