/**
 * Every evaluation entry point that takes a collection, on a million elements: a million
 * logged events, judged pairs, ranked documents, samples, pairs, slots or sessions. This is a
 * correctness test (no error, sane values), not a timing: `Math.max(...x)` used to throw
 * "Maximum call stack size exceeded" near 130,000 values. The distribution functions take
 * scalars and are not here. Where a function's cost is inherently quadratic in its input
 * (`intraListDiversity` with an arbitrary distance), the million elements are pairs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  accuracy,
  averagePrecision,
  averagePrecisionScore,
  bootstrapConfidenceInterval,
  brierScore,
  catalogCoverage,
  categoryDiversity,
  confusionMatrix,
  cosineDistance,
  dcgAtK,
  embeddingDiversity,
  evaluateRun,
  expectedCalibrationError,
  exposureGini,
  f1Score,
  formatQrels,
  formatRun,
  giniIndex,
  groupExposure,
  hitAtK,
  holmCorrection,
  idealDcgAtK,
  intraListDiversity,
  ipsEstimate,
  itemExposure,
  judgmentsFor,
  loadShop,
  logLoss,
  longTailShare,
  maxCalibrationError,
  ndcgAtK,
  novelty,
  orderRanking,
  pairedBootstrapTest,
  pairedRandomisationTest,
  pairedTTest,
  pairedValues,
  parseQrels,
  parseRun,
  perQueryValues,
  popularityHead,
  powerCurve,
  precisionAtK,
  precisionRecallCurve,
  precisionRecallFscore,
  precisionRecallFscorePerClass,
  precisionScore,
  rankWithTies,
  readQrels,
  readRun,
  recallAtK,
  recallScore,
  reciprocalRank,
  reliabilityBins,
  rocAuc,
  rocAucOneVsRest,
  rocCurve,
  rPrecision,
  Rng,
  ShopLookup,
  simulateAbTest,
  simulatePeeking,
  snipsEstimate,
  topSlotLog,
  uniqueLabels,
  wilcoxonSignedRank,
  writeQrels,
  writeRun,
  type LoggedEvent,
  type ScoredDoc,
  type Session,
} from "shoplm";
import { compareCodePoints, entriesOf } from "../../lib/src/eval/ranking";

const N = 1_000_000;
/** Yields to the event loop, so that the test worker answers vitest between long synchronous steps. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const rng = new Rng("scale");
const ids = Array.from({ length: N }, (_, i) => `d${i}`);
/** The 10,000 x 100 run, shared by the evaluateRun and TREC tests. */
let large: { run: Map<string, ScoredDoc[]>; qrels: Map<string, Map<string, number>>; mean: Record<string, number> } | undefined;

// Correctness, not speed: a generous limit, since the shared CI machine may be slow.
describe("a million elements through every evaluation entry point", { timeout: 300_000 }, () => {
  afterEach(tick);

  it("off-policy estimators: a million logged events, as objects and as columns", () => {
    const events: LoggedEvent[] = [];
    const reward = new Float64Array(N);
    const logging = new Float64Array(N);
    const target = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const a = rng.int(4);
      logging[i] = 0.25;
      target[i] = a === 0 ? 0.7 : 0.1;
      reward[i] = rng.next() < (a === 0 ? 0.3 : 0.1) ? 1 : 0;
      events.push({ reward: reward[i], loggingProbability: logging[i], targetProbability: target[i] });
    }
    const columns = { reward, loggingProbability: logging, targetProbability: target };
    for (const data of [events, columns]) {
      const ips = ipsEstimate(data, { rewardRange: "binary" });
      const snips = snipsEstimate(data, { rewardRange: "binary" });
      const clipped = ipsEstimate(data, { clip: 2 });
      // truth: 0.7 * 0.3 + 0.3 * 0.1 = 0.24
      for (const e of [ips, snips]) {
        expect(Math.abs(e.value - 0.24)).toBeLessThan(0.005);
        expect(e.n).toBe(N);
        expect(e.maxWeight).toBeCloseTo(2.8, 12);
        expect(e.warnings).toEqual([]);
      }
      expect(clipped.maxWeight).toBe(2);
    }
    expect(ipsEstimate(events)).toEqual(ipsEstimate(columns));
  });

  it("ranking metrics on one ranked list of a million documents", async () => {
    // In trec order (as runs usually arrive, so the check finds it sorted), with a block of
    // 1,000 tied scores at the end (ids descending within it); the sort itself runs below on
    // the reversed list.
    const ranking: ScoredDoc[] = ids.map((docId, i) => ({ docId, score: i >= N - 1000 ? 0 : N - i }));
    for (let a = N - 1000, b = N - 1; a < b; a++, b--) [ranking[a], ranking[b]] = [ranking[b], ranking[a]];
    const judgments = new Map<string, number>();
    for (let i = 0; i < N; i += 7) judgments.set(ids[i], 1 + (i % 3));
    // Each call checks and orders the million documents again: yield between calls so that
    // the test worker stays responsive, and split the metrics over the two tie rules.
    const values: number[] = [];
    for (const f of [
      () => precisionAtK(ranking, judgments, N),
      () => recallAtK(ranking, judgments, N),
      () => rPrecision(ranking, judgments),
      () => hitAtK(ranking, judgments, 10),
      () => dcgAtK(ranking, judgments),
      () => averagePrecision(ranking, judgments, undefined, { ties: "average" }),
      () => reciprocalRank(ranking, judgments, undefined, { ties: "average" }),
      () => ndcgAtK(ranking, judgments, 10, { ties: "average" }),
      () => ndcgAtK(ranking, judgments, undefined, { ties: "average", gain: "exponential" }),
      () => idealDcgAtK(judgments),
    ]) {
      values.push(f());
      await tick();
    }
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    expect(values[1]).toBeCloseTo(1, 12); // recall over the whole list
    expect(values[0]).toBeCloseTo(judgments.size / N, 12);
    const reversed = ranking.slice().reverse();
    expect(orderRanking(reversed).map((d) => d.docId)).toEqual(ranking.map((d) => d.docId));
    await tick();
    expect(precisionAtK(ids, judgments, N)).toBeCloseTo(judgments.size / N, 12);
  });

  it("evaluateRun, TREC files and paired values on a run of 10,000 queries x 100 documents (a million judged pairs)", () => {
    const run = new Map<string, ScoredDoc[]>();
    const qrels = new Map<string, Map<string, number>>();
    for (let q = 0; q < 10_000; q++) {
      const docs: ScoredDoc[] = [];
      const judged = new Map<string, number>();
      for (let d = 0; d < 100; d++) {
        docs.push({ docId: `d${d}`, score: rng.next() });
        judged.set(`d${d}`, rng.int(4));
      }
      run.set(`q${q}`, docs);
      qrels.set(`q${q}`, judged);
    }
    const metrics = ["ndcg@10", "ap", "rr", "precision@10"] as const;
    const e = evaluateRun(run, qrels, metrics);
    expect(e.queries).toHaveLength(10_000);
    for (const m of metrics) expect(e.mean[m]).toBeGreaterThan(0);
    expect(perQueryValues(e, "ap")).toHaveLength(10_000);
    expect(pairedValues(e, e, "ndcg@10").a).toHaveLength(10_000);
    expect(judgmentsFor(qrels, "q0")).toBe(qrels.get("q0"));
    expect(entriesOf(qrels)).toHaveLength(10_000);

    expect(compareCodePoints(ids[N - 1], ids[0])).toBeGreaterThan(0);
    large = { run, qrels, mean: e.mean };
  });

  it("TREC files of a million lines: format, parse, write and read", async () => {
    const { run, qrels, mean } = large!;
    // The run goes through text in memory, the qrels through a file; together they cover all eight functions.
    const parsedRun = parseRun(formatRun(run));
    expect(parsedRun.get("q9999")).toHaveLength(100);
    await tick();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shoplm-scale-"));
    try {
      writeQrels(path.join(dir, "qrels"), qrels);
      const parsedQrels = readQrels(path.join(dir, "qrels"));
      expect(parsedQrels.size).toBe(10_000);
      expect(parseQrels(formatQrels(new Map([["q0", qrels.get("q0")!]]))).get("q0")).toEqual(qrels.get("q0"));
      expect(evaluateRun(parsedRun, parsedQrels, ["ndcg@10", "ap", "rr", "precision@10"]).mean).toEqual(mean);
      writeRun(path.join(dir, "run"), new Map([["q0", run.get("q0")!]]));
      expect(readRun(path.join(dir, "run")).get("q0")).toHaveLength(100);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("classification and calibration on a million samples", () => {
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const scores = new Float64Array(N);
    const rows: number[][] = [];
    for (let i = 0; i < N; i++) {
      const y = rng.next() < 0.3 ? 1 : 0;
      const s = Math.min(1, Math.max(0, 0.3 + 0.4 * (y - 0.3) + 0.3 * (rng.next() - 0.5)));
      yTrue.push(y);
      scores[i] = Math.round(s * 1000) / 1000; // ties
      yPred.push(scores[i] > 0.5 ? 1 : 0);
      rows.push([1 - scores[i], scores[i]]);
    }
    expect(uniqueLabels(yTrue, yPred)).toEqual([0, 1]);
    expect(accuracy(yTrue, yPred)).toBeGreaterThan(0.5);
    expect(confusionMatrix(yTrue, yPred).matrix.flat().reduce((s, x) => s + x, 0)).toBe(N);
    expect(precisionRecallFscorePerClass(yTrue, yPred).support.reduce((s, x) => s + x, 0)).toBe(N);
    for (const average of ["micro", "macro", "weighted", "binary"] as const) expect(precisionRecallFscore(yTrue, yPred, { average }).fscore).toBeGreaterThan(0);
    expect(f1Score(yTrue, yPred) + precisionScore(yTrue, yPred) + recallScore(yTrue, yPred)).toBeGreaterThan(0);
    const auc = rocAuc(yTrue, scores);
    expect(auc).toBeGreaterThan(0.7);
    expect(rocCurve(yTrue, scores).fpr.at(-1)).toBe(1);
    expect(rocAucOneVsRest(yTrue, rows)).toBeCloseTo(auc, 12);
    expect(precisionRecallCurve(yTrue, scores).at(-1)!.recall).toBe(1);
    expect(averagePrecisionScore(yTrue, scores)).toBeGreaterThan(0.3);
    expect(logLoss(yTrue, Array.from(scores))).toBeGreaterThan(0);
    expect(logLoss(yTrue, rows)).toBeCloseTo(logLoss(yTrue, Array.from(scores)), 9);
    expect(reliabilityBins(yTrue, scores, { strategy: "quantile" })).toHaveLength(10);
    expect(expectedCalibrationError(yTrue, scores)).toBeLessThan(maxCalibrationError(yTrue, scores) + 1e-12);
    expect(brierScore(yTrue, scores)).toBeLessThan(0.25);
  });

  it("significance tests on a million pairs (modest resampling counts)", async () => {
    const a = new Float64Array(N);
    const b = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      a[i] = rng.next();
      b[i] = a[i] - 0.001 + 0.1 * (rng.next() - 0.5);
    }
    expect(pairedTTest(a, b).pValue).toBeLessThan(0.05);
    expect(wilcoxonSignedRank(a, b).method).toBe("approx");
    expect(rankWithTies(Array.from(a)).ranks).toHaveLength(N);
    expect(pairedRandomisationTest(a, b, { samples: 20 }).samples).toBe(20);
    await tick();
    expect(pairedBootstrapTest(a, b, { samples: 5 }).warnings).toEqual([]);
    expect(bootstrapConfidenceInterval(a, { samples: 5 }).lower).toBeLessThan(0.51);
    const p = Array.from({ length: N }, () => rng.next());
    expect(holmCorrection(p).adjusted).toHaveLength(N);
  });

  it("beyond-accuracy metrics on a million recommended slots and a catalog of a million items", async () => {
    const lists: string[][] = [];
    for (let u = 0; u < 100_000; u++) lists.push(Array.from({ length: 10 }, () => ids[rng.int(N)]));
    const popularity = new Map(ids.map((id, i) => [id, i % 50]));
    const group = (item: string) => `g${item.length}`;
    expect(catalogCoverage(lists, ids)).toBeGreaterThan(0.5);
    expect(catalogCoverage(lists, N)).toBe(catalogCoverage(lists, ids));
    expect(longTailShare(lists, popularity)).toBeGreaterThan(0.5);
    expect(exposureGini(lists, ids, { weighting: "log" })).toBeGreaterThan(0);
    expect(itemExposure(lists).size).toBeGreaterThan(N / 2);
    expect(groupExposure(lists, group).size).toBeGreaterThan(1);
    expect(popularityHead(popularity).size).toBe(N / 5);
    expect(giniIndex(Array.from({ length: N }, (_, i) => i % 7))).toBeGreaterThan(0);
    await tick();
    // One list of a million items.
    const category = (item: string) => `c${item.length % 3}`;
    expect(categoryDiversity(ids, category)).toBeGreaterThan(0);
    const vector = (item: string) => [1, item.length % 2, 0.5];
    expect(embeddingDiversity(ids, vector)).toBeGreaterThan(0);
    expect(novelty(ids, popularity, 100, { smoothing: 1 })).toBeGreaterThan(0);
    expect(cosineDistance(new Float64Array(N).fill(1), new Float64Array(N).fill(2))).toBeCloseTo(0, 12);
    // intraListDiversity calls the distance for each of n(n-1)/2 pairs: 1,415 items are 1,000,405 pairs.
    const xs = Array.from({ length: 1415 }, (_, i) => i);
    expect(intraListDiversity(xs, (x, y) => (x % 2 === y % 2 ? 0 : 1))).toBeGreaterThan(0.49);
  });

  it("planning, peeking, the A/B simulator and the top-slot log on a million sessions", async () => {
    expect(powerCurve({ baseline: 0.1, lift: 0.1 }, Array.from({ length: N }, (_, i) => 100 + i))).toHaveLength(N);
    const peek = simulatePeeking({ rate: 0.1, sessionsPerArm: N / 2, looks: 2, experiments: 1, seed: 1 });
    expect(peek.byLook).toHaveLength(2);
    await tick();

    const shop = loadShop("fast");
    const user = shop.users[0].id;
    const query = shop.queries[0].id;
    const shown = shop.products.slice(0, 3).map((p) => p.id);
    const session: Session = { id: "s", user, start: "2024-01-01T00:00:00Z", split: "test", events: [{ t: 0, type: "search", query, shown, policy: "shuffle" }] };
    const big = { ...shop, sessions: new Array<Session>(N).fill(session) };
    expect(new ShopLookup(big, "scale").user(session).id).toBe(user);
    const ab = simulateAbTest(big, () => shown, () => [...shown].reverse(), { seed: 1, listLength: 3 });
    expect(ab.control.sessions + ab.treatment.sessions).toBe(N);
    await tick();
    const log = topSlotLog(big, (_q, _u, c) => c);
    expect(log.events).toHaveLength(N);
    expect(ipsEstimate(log.events, { rewardRange: log.rewardRange }).value).toBeCloseTo(log.logged, 12);
  });
});
