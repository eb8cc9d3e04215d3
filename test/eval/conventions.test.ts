/**
 * The conventions every evaluation function shares (lib/src/eval/validate.ts): parameters are
 * checked and never coerced, empty input throws EmptyInputError, degenerate input gives a
 * documented result with warnings (never a silent NaN, never a zero-width interval presented
 * as certainty), and intervals can be clipped to a declared reward range. Issue #19's concrete
 * cases are each a test here.
 */
import { describe, expect, it } from "vitest";
import {
  bootstrapConfidenceInterval,
  brierScore,
  catalogCoverage,
  categoryDiversity,
  EmptyInputError,
  embeddingDiversity,
  evaluateRun,
  exposureGini,
  giniIndex,
  groupExposure,
  holmCorrection,
  ipsEstimate,
  itemExposure,
  logLoss,
  longTailShare,
  ndcgAtK,
  normalCdf,
  normalQuantile,
  novelty,
  pairedBootstrapTest,
  pairedTTest,
  popularityHead,
  powerProportions,
  precisionAtK,
  precisionRecallFscore,
  reliabilityBins,
  sampleSizeProportions,
  simulatePeeking,
  snipsEstimate,
  studentTQuantile,
  twoProportionZTest,
  type LoggedEvent,
} from "shoplm";

const codes = (e: { warnings: readonly { code: string }[] }) => e.warnings.map((w) => w.code);
const untyped = (x: unknown) => x as never;

describe("issue #19: off-policy edge cases", () => {
  const oneCarriesAll: LoggedEvent[] = [
    { reward: 1, loggingProbability: 0.5, targetProbability: 1 },
    { reward: 0, loggingProbability: 0.5, targetProbability: 0 },
    { reward: 0, loggingProbability: 0.5, targetProbability: 0 },
  ];

  it("SNIPS with all weight on one event: no standard error of 0, but Infinity and a warning", () => {
    const s = snipsEstimate(oneCarriesAll);
    expect(s.value).toBe(1);
    expect(s.effectiveSampleSize).toBe(1);
    expect(s.standardError).toBe(Infinity);
    expect(s.interval).toEqual([-Infinity, Infinity]);
    expect(codes(s)).toContain("variance-not-estimable");
    expect(codes(s)).toContain("low-effective-sample-size");
    // Declared binary: the widest interval is the reward range, still flagged.
    const b = snipsEstimate(oneCarriesAll, { rewardRange: "binary" });
    expect(b.interval).toEqual([0, 1]);
    expect(b.intervalClipped).toBe(true);
    expect(codes(b)).toEqual(["variance-not-estimable", "low-effective-sample-size", "interval-clipped"]);
    // IPS on the same events: 0.667 +- 0.667, as the issue found, now with the low-ESS warning.
    const ips = ipsEstimate(oneCarriesAll);
    expect(ips.value).toBeCloseTo(2 / 3, 15);
    expect(ips.standardError).toBeCloseTo(2 / 3, 15);
    expect(codes(ips)).toEqual(["low-effective-sample-size"]);
  });

  it("IPS and SNIPS with one event: Infinity and a warning, never NaN", () => {
    for (const e of [ipsEstimate([oneCarriesAll[0]]), snipsEstimate([oneCarriesAll[0]])]) {
      expect(e.standardError).toBe(Infinity);
      expect(e.interval).toEqual([-Infinity, Infinity]);
      expect(codes(e)[0]).toBe("variance-not-estimable");
      expect(Number.isNaN(e.value) || Number.isNaN(e.effectiveSampleSize)).toBe(false);
    }
  });

  it("a logging propensity of 1e-300 gives finite numbers, not NaN; a subnormal one that overflows is an error", () => {
    const log: LoggedEvent[] = [
      { reward: 1, loggingProbability: 1e-300, targetProbability: 1 },
      { reward: 0, loggingProbability: 0.5, targetProbability: 0.5 },
      { reward: 1, loggingProbability: 0.5, targetProbability: 0.5 },
    ];
    const s = snipsEstimate(log);
    const ips = ipsEstimate(log);
    for (const e of [s, ips]) {
      expect(Number.isNaN(e.effectiveSampleSize)).toBe(false);
      expect(Number.isNaN(e.standardError)).toBe(false);
      expect(e.effectiveSampleSize).toBeCloseTo(1, 12);
      expect(codes(e)).toContain("low-effective-sample-size");
    }
    expect(s.value).toBe(1);
    expect(s.standardError).toBe(Infinity);
    expect(ips.value).toBeCloseTo(1e300 / 3, -285);
    expect(Number.isFinite(ips.standardError)).toBe(true);
    expect(() => ipsEstimate([{ reward: 1, loggingProbability: 5e-324, targetProbability: 1 }])).toThrow(/event 0 has logging probability 5e-324; expected one whose inverse is finite/);
  });

  it("rescaling the weights changes no bit of an ordinary estimate", () => {
    const log: LoggedEvent[] = Array.from({ length: 50 }, (_, i) => ({ reward: (i * 7) % 3 === 0 ? 1 : 0, loggingProbability: 0.1 + (i % 9) / 10, targetProbability: ((i * 5) % 11) / 10 }));
    const w = log.map((e) => e.targetProbability / e.loggingProbability);
    const x = w.map((v, i) => v * log[i].reward);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const se = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (x.length - 1) / x.length);
    const sumW = w.reduce((s, v) => s + v, 0);
    const snips = w.reduce((s, v, i) => s + v * log[i].reward, 0) / sumW;
    const snipsSe = Math.sqrt(w.reduce((s, v, i) => s + v * v * (log[i].reward - snips) ** 2, 0)) / sumW;
    const ess = (sumW * sumW) / w.reduce((s, v) => s + v * v, 0);
    expect(ipsEstimate(log).value).toBe(mean);
    expect(ipsEstimate(log).standardError).toBe(se);
    expect(snipsEstimate(log).value).toBe(snips);
    expect(snipsEstimate(log).standardError).toBe(snipsSe);
    expect(snipsEstimate(log).effectiveSampleSize).toBe(ess);
  });

  it("intervals are clipped to a declared reward range: by default for binary rewards, on request otherwise", () => {
    // A click-through rate whose normal interval reaches below 0 (the issue saw [-0.14, 0.90]).
    const log: LoggedEvent[] = Array.from({ length: 40 }, (_, i) => ({ reward: i < 3 ? 1 : 0, loggingProbability: 0.25, targetProbability: i < 3 ? 1 : 0.1 }));
    const raw = ipsEstimate(log);
    expect(raw.interval[0]).toBeLessThan(0);
    expect(raw.rewardRange).toBeNull();
    const binary = ipsEstimate(log, { rewardRange: "binary" });
    expect(binary.value).toBe(raw.value); // the point estimate is never clipped
    expect(binary.interval).toEqual([0, raw.interval[1]]);
    expect(binary.intervalClipped).toBe(true);
    expect(codes(binary)).toContain("interval-clipped");
    expect(ipsEstimate(log, { rewardRange: "binary", clipInterval: false }).interval).toEqual(raw.interval);
    expect(ipsEstimate(log, { rewardRange: [0, 5] }).interval).toEqual(raw.interval); // declared range: off by default
    expect(ipsEstimate(log, { rewardRange: [0, 5], clipInterval: true }).interval[0]).toBe(0);
    // An interval wholly outside the range is left as computed and flagged.
    const wild: LoggedEvent[] = Array.from({ length: 40 }, () => ({ reward: 1, loggingProbability: 0.1, targetProbability: 0.5 + 0.01 }));
    wild[0] = { reward: 1, loggingProbability: 0.1, targetProbability: 0.6 };
    const outside = ipsEstimate(wild, { rewardRange: "binary" });
    expect(outside.interval[0]).toBeGreaterThan(1);
    expect(codes(outside)).toContain("interval-outside-range");
    // Rewards are checked against the declared range.
    expect(() => ipsEstimate([{ reward: 2, loggingProbability: 0.5, targetProbability: 1 }], { rewardRange: "binary" })).toThrow(/event 0 has reward 2; expected either 0 or 1/);
    expect(() => ipsEstimate(log, { clipInterval: true })).toThrow(/clipInterval needs a rewardRange/);
    expect(() => ipsEstimate(log, { rewardRange: untyped([1, 0]) })).toThrow(/rewardRange must be "binary" or \[min, max\]/);
  });

  it("no spread at all flags a zero-width interval instead of presenting it as certainty", () => {
    const none: LoggedEvent[] = Array.from({ length: 100 }, () => ({ reward: 0, loggingProbability: 0.5, targetProbability: 0.5 }));
    const e = ipsEstimate(none);
    expect(e.interval).toEqual([0, 0]);
    expect(codes(e)).toEqual(["zero-variance"]);
  });

  it("alpha 0, 1, 2, negative, NaN and '0.05' are errors that name alpha and the value", () => {
    const log = oneCarriesAll;
    for (const [alpha, text] of [[0, "0"], [1, "1"], [2, "2"], [-0.1, "-0.1"], [NaN, "NaN"], ["0.05", '"0.05" \\(a string\\)']] as const) {
      for (const f of [ipsEstimate, snipsEstimate]) {
        expect(() => f(log, { alpha: untyped(alpha) })).toThrow(new RegExp(`alpha must be a finite number in \\(0, 1\\), got ${text}\\.`));
      }
    }
    expect(() => twoProportionZTest(1, 10, 2, 10, { alpha: 1 })).toThrow(/twoProportionZTest: alpha must be a finite number in \(0, 1\), got 1/);
    expect(() => holmCorrection([0.01], { alpha: 0 })).toThrow(/holmCorrection: alpha must be/);
    expect(() => simulatePeeking({ rate: 0.1, sessionsPerArm: 10, looks: 1, experiments: 1, seed: 1, alpha: 2 })).toThrow(/simulatePeeking: alpha must be/);
    expect(() => powerProportions({ baseline: 0.1, lift: 0.1, perArm: 100, alpha: -1 })).toThrow(/powerProportions: alpha must be/);
    expect(() => pairedTTest([1, 2], [2, 1], { level: 1 })).toThrow(/pairedTTest: level must be a finite number in \(0, 1\), got 1/);
  });

  it("strings are not numbers: propensities, rewards, k, probabilities", () => {
    expect(() => ipsEstimate([{ reward: 1, loggingProbability: untyped("0.5"), targetProbability: 1 }])).toThrow(/event 0 has logging probability "0.5" \(a string\); expected a number in \(0, 1\]/);
    expect(() => snipsEstimate([{ reward: untyped("1"), loggingProbability: 0.5, targetProbability: 1 }])).toThrow(/event 0 has reward "1" \(a string\)/);
    expect(() => ipsEstimate([{ reward: 1, loggingProbability: 0.5, targetProbability: untyped("1") }])).toThrow(/target probability "1" \(a string\)/);
    expect(() => ipsEstimate(oneCarriesAll, { clip: untyped("2") })).toThrow(/clip must be a finite number > 0, got "2" \(a string\)/);
    expect(() => precisionAtK(["a"], { a: 1 }, untyped("10"))).toThrow(/precisionAtK: expected a cutoff k that is an integer >= 1, got "10" \(a string\)/);
    expect(() => ndcgAtK(["a"], { a: 1 }, 0)).toThrow(/ndcgAtK: expected a cutoff k that is an integer >= 1, got 0/);
    expect(() => precisionAtK(["a"], { a: 1 }, 1, { relevanceThreshold: untyped("1") })).toThrow(/relevanceThreshold must be a finite number, got "1" \(a string\)/);
    expect(() => brierScore([1], [untyped("0.5")])).toThrow(/probs\[0\] is 0.5; expected a probability/);
    expect(() => logLoss([1, 0], [0.5, 0.5], { eps: untyped("0.1") })).toThrow(/eps must be a number in \(0, 0.5\), got "0.1" \(a string\)/);
    expect(() => precisionRecallFscore([1, 0], [1, 0], { beta: untyped("2") })).toThrow(/beta must be a finite number >= 0, got "2" \(a string\)/);
    expect(() => reliabilityBins([1], [0.5], { bins: untyped("10") })).toThrow(/bins must be an integer >= 1, got "10" \(a string\)/);
    expect(() => normalQuantile(untyped("0.5"))).toThrow(/normalQuantile: p must be a number, got "0.5" \(a string\)/);
    expect(() => normalCdf(untyped("1"))).toThrow(/normalCdf: z must be a number/);
    expect(() => studentTQuantile(0.5, untyped("3"))).toThrow(/studentTQuantile: df must be a number/);
    expect(() => holmCorrection([untyped("0.01")])).toThrow(/p-value 0 is "0.01" \(a string\)/);
    expect(() => sampleSizeProportions({ baseline: untyped("0.1"), lift: 0.1 })).toThrow(/baseline must be a rate in \(0, 1\), got "0.1" \(a string\)/);
    expect(() => novelty(["a"], { a: 1 }, untyped("10"))).toThrow(/novelty: population must be a finite number > 0, got "10" \(a string\)/);
    expect(() => popularityHead({ a: 1 }, untyped("0.2"))).toThrow(/headFraction must be a finite number in \[0, 1\], got "0.2" \(a string\)/);
    expect(() => catalogCoverage([["a"]], ["a"], { k: untyped("1") })).toThrow(/catalogCoverage: expected a cutoff k that is an integer >= 1, got "1" \(a string\)/);
    expect(() => itemExposure([["a"]], { weighting: untyped("exp") })).toThrow(/weighting must be "uniform" or "log", got "exp" \(a string\)/);
  });
});

describe("one convention for empty input: EmptyInputError naming the parameter", () => {
  const catalog = ["a", "b", "c"];
  const popularity = { a: 3, b: 1, c: 0 };
  const empties: [string, () => unknown, string][] = [
    ["catalogCoverage", () => catalogCoverage([], catalog), "lists"],
    ["catalogCoverage (only empty lists)", () => catalogCoverage([[], []], catalog), "lists"],
    ["exposureGini", () => exposureGini([], catalog), "lists"],
    ["exposureGini (top 0 of nothing)", () => exposureGini([[]], catalog, { weighting: "log" }), "lists"],
    ["longTailShare", () => longTailShare([], popularity), "lists"],
    ["novelty", () => novelty([], popularity, 3), "list"],
    ["giniIndex", () => giniIndex([]), "values"],
    ["ipsEstimate", () => ipsEstimate([]), "events"],
    ["snipsEstimate (columns)", () => snipsEstimate({ reward: [], loggingProbability: [], targetProbability: [] }), "events"],
    ["brierScore", () => brierScore([], []), "yTrue"],
    ["bootstrapConfidenceInterval", () => bootstrapConfidenceInterval([]), "values"],
    ["pairedTTest", () => pairedTTest([], []), "a"],
    ["holmCorrection", () => holmCorrection([]), "pValues"],
  ];
  for (const [name, call, parameter] of empties) {
    it(name, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EmptyInputError);
      expect((error as EmptyInputError).parameter).toBe(parameter);
      expect((error as Error).message).toMatch(new RegExp(`: ${parameter} is empty; `));
    });
  }

  it("tables are simply empty, and degenerate non-empty inputs keep their documented values", () => {
    expect(itemExposure([]).size).toBe(0);
    expect(groupExposure([], () => "g").size).toBe(0);
    expect(precisionAtK([], { a: 1 }, 10)).toBe(0); // a ranking that retrieves nothing scores 0 (trec_eval)
    expect(ndcgAtK(["a"], { a: 0 }, 10)).toBe(0); // no relevant document: 0, listed in withoutRelevant
    expect(evaluateRun({ q: ["a"] }, { q: { a: 0 } }, ["ndcg@10"]).withoutRelevant).toEqual(["q"]);
    expect(categoryDiversity(["a"], { a: "x" })).toBe(0); // one item: no pair differs
    expect(giniIndex([0, 0, 0])).toBe(0);
    expect(() => evaluateRun({}, {}, ["ap"])).toThrow(/no query is both in the run/);
  });
});

describe("novelty with an item missing from the popularity table", () => {
  it("is an error with or without smoothing, unless missing items are declared as never interacted with", () => {
    const popularity = { a: 4, b: 0 };
    expect(() => novelty(["a", "zz"], popularity, 8)).toThrow(/item "zz" is missing from popularity; list every item .* or pass missing: "zero"/);
    expect(() => novelty(["a", "zz"], popularity, 8, { smoothing: 1 })).toThrow(/item "zz" is missing from popularity/);
    // The explicit rule: a missing item counts like b (count 0), which needs smoothing.
    expect(novelty(["a", "zz"], popularity, 8, { smoothing: 1, missing: "zero" })).toBe(novelty(["a", "b"], popularity, 8, { smoothing: 1 }));
    expect(() => novelty(["zz"], popularity, 8, { missing: "zero" })).toThrow(/never interacted with.*smoothing/);
    expect(() => novelty(["a"], popularity, 8, { missing: untyped("skip") })).toThrow(/missing must be "error" or "zero"/);
  });
});

describe("bootstrap and z-test degenerate cases carry warnings", () => {
  it("a bootstrap from one value has no spread to show: (-inf, inf) and a warning; equal values are flagged", () => {
    const one = bootstrapConfidenceInterval([0.7], { samples: 50 });
    expect([one.lower, one.upper]).toEqual([-Infinity, Infinity]);
    expect(codes(one)).toEqual(["variance-not-estimable"]);
    const same = bootstrapConfidenceInterval([2, 2, 2], { samples: 50 });
    expect(same.lower).toBe(same.upper);
    expect(codes(same)).toEqual(["zero-variance"]);
    const pair = pairedBootstrapTest([1], [0], { samples: 50 });
    expect(pair.pValue).toBe(1);
    expect(codes(pair)).toEqual(["variance-not-estimable"]);
    expect(bootstrapConfidenceInterval([1, 2, 3, 4], { samples: 200 }).warnings).toEqual([]);
  });

  it("a z-test with rates of 0 in both arms: zero-width interval and undefined lift are flagged", () => {
    const t = twoProportionZTest(0, 50, 0, 60);
    expect(t.interval).toEqual([0, 0]);
    expect(Number.isNaN(t.lift)).toBe(true);
    expect(codes(t)).toEqual(["zero-variance", "undefined-ratio"]);
    expect(twoProportionZTest(5, 50, 9, 60).warnings).toEqual([]);
  });

  it("embedding diversity is linear but agrees with the pairwise mean", () => {
    const emb: Record<string, number[]> = { a: [1, 0, 0], b: [0, 2, 0], c: [1, 1, 0], d: [-3, 0, 1], e: [1, 0, 0] };
    const items = Object.keys(emb);
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const [x, y] = [emb[items[i]], emb[items[j]]];
        const dot = x.reduce((s, v, t) => s + v * y[t], 0);
        total += 1 - dot / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
        pairs++;
      }
    }
    expect(embeddingDiversity(items, emb)).toBeCloseTo(total / pairs, 14);
    expect(() => embeddingDiversity(["a", "z"], { a: [1, 0], z: [0, 0] })).toThrow(/item "z" has a zero or non-finite embedding/);
  });
});
