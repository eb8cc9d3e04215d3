/**
 * Classification and calibration metrics on hand-computed examples and bad input. The
 * randomised comparison with scikit-learn is in reference.test.ts.
 */
import {
  accuracy,
  averagePrecisionScore,
  brierScore,
  confusionMatrix,
  expectedCalibrationError,
  f1Score,
  logLoss,
  maxCalibrationError,
  mostConfused,
  precisionRecallCurve,
  precisionRecallFscore,
  precisionRecallFscorePerClass,
  reliabilityBins,
  rocAuc,
  rocCurve,
} from "shoplm";

describe("label metrics", () => {
  const yTrue = [2, 0, 2, 2, 0, 1];
  const yPred = [0, 0, 2, 2, 0, 2];

  it("most confused pairs: off-diagonal cells by count, ties by label; the rate is per true label", () => {
    const t = ["a", "a", "a", "a", "b", "b", "c", "c", "c"];
    const p = ["b", "b", "c", "a", "a", "c", "a", "b", "c"];
    expect(mostConfused(t, p)).toEqual([
      { truth: "a", predicted: "b", count: 2, rate: 0.5 },
      { truth: "a", predicted: "c", count: 1, rate: 0.25 },
      { truth: "b", predicted: "a", count: 1, rate: 0.5 },
      { truth: "b", predicted: "c", count: 1, rate: 0.5 },
      { truth: "c", predicted: "a", count: 1, rate: 1 / 3 },
      { truth: "c", predicted: "b", count: 1, rate: 1 / 3 },
    ]);
    expect(mostConfused(t, p, 1)).toEqual([{ truth: "a", predicted: "b", count: 2, rate: 0.5 }]);
    expect(mostConfused(["x", "y"], ["x", "y"])).toEqual([]);
    expect(() => mostConfused(t, p, -1)).toThrow(/k must be an integer >= 0, got -1/);
  });

  it("confusion matrix: rows are true labels, columns predicted", () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual({
      labels: [0, 1, 2],
      matrix: [
        [2, 0, 0],
        [0, 0, 1],
        [1, 0, 2],
      ],
    });
    expect(confusionMatrix(["cat", "dog"], ["dog", "dog"], { labels: ["dog", "cat"] }).matrix).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it("accuracy, per-class and averaged precision / recall / F1", () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 15);
    const per = precisionRecallFscorePerClass(yTrue, yPred);
    // class 0: tp 2, predicted 3, true 2; class 1: tp 0, predicted 0, true 1; class 2: tp 2, predicted 3, true 3
    expect(per.precision).toEqual([2 / 3, 0, 2 / 3]);
    expect(per.recall).toEqual([1, 0, 2 / 3]);
    expect(per.fscore[0]).toBeCloseTo(0.8, 15);
    expect(per.support).toEqual([2, 1, 3]);
    const macro = precisionRecallFscore(yTrue, yPred, { average: "macro" });
    expect(macro.precision).toBeCloseTo((2 / 3 + 0 + 2 / 3) / 3, 15);
    const micro = precisionRecallFscore(yTrue, yPred, { average: "micro" });
    expect(micro.fscore).toBeCloseTo(accuracy(yTrue, yPred), 15); // single-label multi-class: micro F1 = accuracy
    const weighted = precisionRecallFscore(yTrue, yPred, { average: "weighted" });
    expect(weighted.recall).toBeCloseTo((2 * 1 + 1 * 0 + 3 * (2 / 3)) / 6, 15);
  });

  it("zeroDivision sets the value of an undefined precision or recall", () => {
    expect(precisionRecallFscorePerClass(yTrue, yPred, { zeroDivision: 1 }).precision[1]).toBe(1);
    expect(precisionRecallFscore([0, 0], [0, 0], { average: "binary" })).toEqual({ precision: 0, recall: 0, fscore: 0 });
    expect(precisionRecallFscore([0, 0], [0, 0], { average: "binary", zeroDivision: 1 })).toEqual({ precision: 1, recall: 1, fscore: 1 });
  });

  it("binary F1 scores the positive label", () => {
    // tp 2, fp 1, fn 1 -> P = R = F1 = 2/3
    expect(f1Score([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(f1Score(["y", "y", "n"], ["y", "n", "n"], { positiveLabel: "y" })).toBeCloseTo(2 / 3, 15);
    expect(() => f1Score([0, 1, 2], [0, 1, 2])).toThrow(/average "binary" needs at most two labels, found 3/);
  });

  it("bad input: lengths, mixed label kinds, empty input", () => {
    expect(() => accuracy([1, 2], [1])).toThrow(/yTrue has 2 entries but yPred has 1/);
    expect(() => accuracy([], [])).toThrow(/at least one sample/);
    expect(() => accuracy([1, "a"] as (number | string)[], [1, 1])).toThrow(/mixes numbers and strings/);
    expect(() => confusionMatrix([1], ["1"] as unknown as number[])).toThrow(/yTrue holds numbers but yPred holds strings/);
  });
});

describe("score metrics", () => {
  // scikit-learn's documented example: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8]
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];

  it("ROC-AUC is the probability a positive outscores a negative (ties count one half)", () => {
    expect(rocAuc(y, s)).toBe(0.75); // pairs won: (0.35 > 0.1), (0.8 > 0.1), (0.8 > 0.4) of 4
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([true, false], [1, 0])).toBe(1);
    expect(rocCurve(y, s)).toEqual({ fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1] });
  });

  it("average precision steps over thresholds; tied scores enter together", () => {
    expect(averagePrecisionScore(y, s)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 15);
    // one tied block holding everything: AP is the base rate
    expect(averagePrecisionScore([1, 0, 0, 0], [1, 1, 1, 1])).toBe(0.25);
    expect(precisionRecallCurve(y, s).map((p) => [p.precision, p.recall])).toEqual([
      [1, 0.5],
      [0.5, 0.5],
      [2 / 3, 1],
      [0.5, 1],
    ]);
  });

  it("errors: one class only, NaN scores, labels not 0/1", () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/only positives; ROC-AUC is undefined/);
    expect(() => rocAuc([1, 0], [NaN, 0.3])).toThrow(/scores\[0\] is NaN/);
    expect(() => rocAuc([1, 2], [0.1, 0.3])).toThrow(/yTrue\[1\] is 2; expected true \/ false or 1 \/ 0/);
    expect(() => averagePrecisionScore([0, 0], [0.1, 0.3])).toThrow(/no positive/);
    expect(() => rocAuc([1, 0, 1], [0.1, 0.3])).toThrow(/3 entries but scores has 2/);
  });

  it("log loss: natural log, clipped at 2^-52 so a confident mistake is finite", () => {
    expect(logLoss([1, 0], [0.9, 0.2])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 15);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(2 ** -52), 10);
    expect(logLoss(["a", "b", "c"], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5]])).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8) + Math.log(0.5)) / 3, 14);
    expect(() => logLoss([0, 1], [[0.5, 0.6], [0.5, 0.5]])).toThrow(/probs\[0\] sums to 1.1/);
    expect(() => logLoss([0, 1], [1.2, 0.5])).toThrow(/probs\[0\] is 1.2; expected a probability/);
    expect(() => logLoss(["a", "b"], [[1, 0], [0, 1]], { labels: ["a", "c"] })).toThrow(/"b" is not among the labels/);
  });
});

describe("calibration", () => {
  const y = [0, 1, 1, 1];
  const p = [0.1, 0.2, 0.8, 0.9];

  it("reliability bins hold the mean prediction and the outcome rate; empty bins are null", () => {
    const bins = reliabilityBins(y, p, { bins: 4 });
    expect(bins.map((b) => b.count)).toEqual([2, 0, 0, 2]);
    expect(bins[0].meanPredicted).toBeCloseTo(0.15, 15);
    expect(bins[0].fractionPositive).toBe(0.5);
    expect(bins[1].meanPredicted).toBeNull();
    expect(bins[3]).toMatchObject({ lower: 0.75, upper: 1, count: 2, fractionPositive: 1 });
  });

  it("a probability on an inner edge falls in the bin below it (scikit-learn's rule)", () => {
    const bins = reliabilityBins([1, 0, 1], [0.5, 0, 1], { bins: 2 });
    expect(bins.map((b) => b.count)).toEqual([2, 1]);
  });

  it("ECE and MCE on a worked example", () => {
    // bin (0, 0.5]: mean 0.15, rate 0.5, gap 0.35; bin (0.5, 1]: mean 0.85, rate 1, gap 0.15
    expect(expectedCalibrationError(y, p, { bins: 2 })).toBeCloseTo(0.5 * 0.35 + 0.5 * 0.15, 15);
    expect(maxCalibrationError(y, p, { bins: 2 })).toBeCloseTo(0.35, 15);
    expect(expectedCalibrationError([0, 1], [0, 1])).toBe(0); // perfectly calibrated and sharp
  });

  it("quantile bins hold about equal counts", () => {
    const probs = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100);
    const outcomes = probs.map((q) => (q > 0.5 ? 1 : 0));
    expect(reliabilityBins(outcomes, probs, { bins: 4, strategy: "quantile" }).map((b) => b.count)).toEqual([25, 25, 25, 25]);
  });

  it("Brier score and bad input", () => {
    expect(brierScore(y, p)).toBeCloseTo((0.01 + 0.64 + 0.04 + 0.01) / 4, 15);
    expect(() => reliabilityBins(y, p, { bins: 0 })).toThrow(/bins must be an integer >= 1, got 0/);
    expect(() => reliabilityBins(y, [0.1, 0.2, 1.5, 0.3])).toThrow(/probs\[2\] is 1.5/);
    expect(() => brierScore(y, [0.1])).toThrow(/yTrue has 4 entries but probs has 1/);
  });
});
