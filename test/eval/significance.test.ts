/**
 * Significance tests on hand-computed examples, degenerate inputs and determinism. The
 * randomised comparison with SciPy is in reference.test.ts.
 */
import {
  bootstrapConfidenceInterval,
  holmCorrection,
  pairedBootstrapTest,
  pairedRandomisationTest,
  pairedTTest,
  rankWithTies,
  studentTSf,
  wilcoxonSignedRank,
} from "shoplm";

describe("paired t-test", () => {
  it("works a small example by hand", () => {
    // differences 1..5: mean 3, sd sqrt(2.5), t = 3 / (sqrt(2.5) / sqrt(5)) = 3 * sqrt(2)
    const a = [2, 4, 6, 8, 10];
    const b = [1, 2, 3, 4, 5];
    const r = pairedTTest(a, b);
    expect(r.statistic).toBeCloseTo(3 * Math.SQRT2, 14);
    expect(r.df).toBe(4);
    expect(r.pValue).toBeCloseTo(2 * studentTSf(3 * Math.SQRT2, 4), 15);
    expect(r.effectSize).toBeCloseTo(3 / Math.sqrt(2.5), 14);
    expect(r.meanDifference).toBe(3);
    expect(r.confidenceInterval[0]).toBeLessThan(3);
    expect(r.confidenceInterval[1]).toBeGreaterThan(3);
    expect(pairedTTest(a, b, { alternative: "greater" }).pValue).toBeCloseTo(r.pValue / 2, 15);
    expect(pairedTTest(a, b, { alternative: "less" }).pValue).toBeCloseTo(1 - r.pValue / 2, 14);
  });

  it("degenerate differences: all zero gives p = 1, a constant shift gives p = 0", () => {
    expect(pairedTTest([1, 2, 3], [1, 2, 3])).toMatchObject({ statistic: 0, pValue: 1, effectSize: 0 });
    expect(pairedTTest([2, 3, 4], [1, 2, 3])).toMatchObject({ statistic: Infinity, pValue: 0, effectSize: Infinity });
    expect(pairedTTest([2, 3, 4], [1, 2, 3], { alternative: "less" }).pValue).toBe(1);
  });

  it("bad input", () => {
    expect(() => pairedTTest([1, 2], [1])).toThrow(/2 and 1 values; they must be the same length/);
    expect(() => pairedTTest([1], [2])).toThrow(/at least 2 pairs, got 1/);
    expect(() => pairedTTest([1, NaN], [2, 3])).toThrow(/pair 1 is \(NaN, 3\)/);
    // @ts-expect-error wrong alternative
    expect(() => pairedTTest([1, 2], [2, 3], { alternative: "both" })).toThrow(/alternative must be/);
  });
});

describe("Wilcoxon signed-rank test", () => {
  it("exact p-value worked by hand", () => {
    // d = 1, -2, 3, 4, 5: ranks 1..5, W+ = 13, W- = 2. Under H0 the 32 sign vectors are equally
    // likely; W+ >= 13 means the negative ranks sum to <= 2: {}, {1}, {2} -> 3/32.
    const a = [1, -2, 3, 4, 5];
    const b = [0, 0, 0, 0, 0];
    const r = wilcoxonSignedRank(a, b);
    expect(r.method).toBe("exact");
    expect(r).toMatchObject({ wPlus: 13, wMinus: 2, statistic: 2, n: 5 });
    expect(r.pValue).toBeCloseTo(6 / 32, 15);
    expect(wilcoxonSignedRank(a, b, { alternative: "greater" }).pValue).toBeCloseTo(3 / 32, 15);
    expect(wilcoxonSignedRank(a, b, { alternative: "greater" }).statistic).toBe(13);
    expect(r.effectSize).toBeCloseTo((13 - 2) / 15, 15);
  });

  it("zeros are dropped and force the normal approximation; ties get average ranks", () => {
    const r = wilcoxonSignedRank([1, 1, 2, 3, 5, 6], [1, 0, 0, 0, 0, 0]);
    expect(r.zeros).toBe(1);
    expect(r.n).toBe(5);
    expect(r.method).toBe("approx");
    expect(rankWithTies([3, 1, 3, 2])).toEqual({ ranks: [3.5, 1, 3.5, 2], tieSizes: [2] });
    expect(() => wilcoxonSignedRank([1, 1, 2], [1, 0, 0], { method: "exact" })).toThrow(/needs no zero and no tied differences; found 1 zero/);
  });

  it("all differences zero gives p = 1", () => {
    expect(wilcoxonSignedRank([1, 2], [1, 2])).toMatchObject({ pValue: 1, n: 0, zeros: 2 });
  });
});

describe("paired randomisation test", () => {
  it("exact enumeration worked by hand", () => {
    // d = 1, 2, 3: sums over the 8 sign vectors are +-1 +-2 +-3; only (+,+,+) reaches 6,
    // so P(sum >= 6) = 1/8 and the two-sided p is 2/8.
    const r = pairedRandomisationTest([1, 2, 3], [0, 0, 0]);
    expect(r.exact).toBe(true);
    expect(r.samples).toBe(8);
    expect(r.statistic).toBe(2);
    expect(r.pValue).toBe(0.25);
    expect(pairedRandomisationTest([1, 2, 3], [0, 0, 0], { alternative: "greater" }).pValue).toBe(0.125);
    expect(pairedRandomisationTest([1, 2, 3], [0, 0, 0], { alternative: "less" }).pValue).toBe(1);
  });

  it("Monte Carlo p-values are seeded, deterministic and close to the exact value", () => {
    const a = Array.from({ length: 16 }, (_, i) => Math.sin(i) * 0.3 + 0.5);
    const b = a.map((x, i) => x - 0.1 + Math.cos(3 * i) * 0.2);
    const exact = pairedRandomisationTest(a, b, { samples: 2 ** 16 });
    expect(exact.exact).toBe(true);
    const mc1 = pairedRandomisationTest(a, b, { samples: 20_000, seed: 1 });
    const mc1again = pairedRandomisationTest(a, b, { samples: 20_000, seed: 1 });
    const mc2 = pairedRandomisationTest(a, b, { samples: 20_000, seed: 3 });
    expect(mc1.exact).toBe(false);
    expect(mc1.pValue).toBe(mc1again.pValue);
    expect(mc1.pValue).not.toBe(mc2.pValue);
    // binomial standard error of a p near 0.1 with 20k samples is about 0.002
    expect(Math.abs(mc1.pValue - exact.pValue)).toBeLessThan(0.01);
    expect(Math.abs(mc2.pValue - exact.pValue)).toBeLessThan(0.01);
  });
});

describe("bootstrap", () => {
  const sample = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 400) / 400); // uniform grid on [0, 1)

  it("the percentile interval of a mean is close to mean +- 1.96 se for a large sample", () => {
    const r = bootstrapConfidenceInterval(sample, { samples: 20_000, seed: 3 });
    const mean = sample.reduce((s, x) => s + x, 0) / sample.length;
    const sd = Math.sqrt(sample.reduce((s, x) => s + (x - mean) ** 2, 0) / sample.length);
    const se = sd / Math.sqrt(sample.length);
    expect(r.estimate).toBeCloseTo(mean, 15);
    // Monte Carlo error of a 2.5% quantile from 20k resamples is a few hundredths of se
    expect(Math.abs(r.lower - (mean - 1.96 * se))).toBeLessThan(0.08 * se);
    expect(Math.abs(r.upper - (mean + 1.96 * se))).toBeLessThan(0.08 * se);
  });

  it("is deterministic for a seed and takes any statistic", () => {
    const median = (xs: readonly number[]) => {
      const s = xs.slice().sort((x, y) => x - y);
      return s[Math.floor(s.length / 2)];
    };
    const r1 = bootstrapConfidenceInterval(sample, { statistic: median, samples: 500, seed: 9 });
    const r2 = bootstrapConfidenceInterval(sample, { statistic: median, samples: 500, seed: 9 });
    expect(r1).toEqual(r2);
    expect(r1.lower).toBeLessThanOrEqual(r1.estimate);
    expect(r1.upper).toBeGreaterThanOrEqual(r1.estimate);
  });

  it("the paired bootstrap test separates a real shift from none", () => {
    const a = sample.slice(0, 100);
    const shifted = a.map((x, i) => x + 0.05 + (i % 2 ? 0.01 : -0.01));
    const noise = a.map((x, i) => x + (i % 2 ? 0.01 : -0.01));
    const real = pairedBootstrapTest(shifted, a, { samples: 2000, seed: 1 });
    const none = pairedBootstrapTest(noise, a, { samples: 2000, seed: 1 });
    expect(real.pValue).toBeLessThan(0.01);
    expect(real.confidenceInterval[0]).toBeGreaterThan(0.04);
    expect(none.pValue).toBeGreaterThan(0.5);
    expect(real.pValue).toBeGreaterThan(0); // (count + 1) / (samples + 1) is never 0
  });
});

describe("Holm correction", () => {
  it("works the step-down example by hand", () => {
    // sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> monotone 0.06
    const r = holmCorrection([0.01, 0.04, 0.03, 0.005]);
    expect(r.adjusted[0]).toBeCloseTo(0.03, 15);
    expect(r.adjusted[1]).toBeCloseTo(0.06, 15);
    expect(r.adjusted[2]).toBeCloseTo(0.06, 15);
    expect(r.adjusted[3]).toBeCloseTo(0.02, 15);
    expect(r.rejected).toEqual([true, false, false, true]);
  });

  it("never lowers a p-value, caps at 1, and rejects input that is not a probability", () => {
    const ps = [0.2, 0.5, 0.001, 0.9, 0.04];
    const r = holmCorrection(ps, { alpha: 0.01 });
    r.adjusted.forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(ps[i]);
      expect(p).toBeLessThanOrEqual(1);
    });
    expect(r.rejected).toEqual([false, false, true, false, false]);
    expect(() => holmCorrection([0.1, 1.2])).toThrow(/p-value 1 is 1.2/);
    expect(() => holmCorrection([])).toThrow(/at least one p-value/);
  });
});
