/**
 * LambdaMART and pointwise GBRT (lib/src/rank/lambdamart.ts): lambda gradients worked by hand
 * and checked numerically, per-document weights, truncation, learning on synthetic queries,
 * early stopping, importances, and save/load with the feature version.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURE_VERSION, Rng } from "shoplm";
import { featureImportances, lambdaGradients, loadRanker, saveRanker, scoreRows, trainLambdaMart, trainPointwiseGbrt, ensembleScores } from "../../lib/src/rank/lambdamart";
import { meanDatasetNdcg, rankingDataset, subsetQueries, type RankingDataset } from "../../lib/src/rank/ranking-dataset";
import { fitRegressionTree } from "../../lib/src/rank/regression-tree";

const scratch = mkdtempSync(path.join(tmpdir(), "lambdamart-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function oneQuery(labels: number[], columns = 1, weights?: number[]): RankingDataset {
  return rankingDataset({ version: "test/1", names: Array.from({ length: columns }, (_, j) => `f${j}`), values: new Float32Array(labels.length * columns), labels, weights, queryIds: ["q"], docIds: labels.map((_, i) => `d${i}`), groupSizes: [labels.length] });
}

/**
 * Synthetic queries: label from a noisy mix of features 0 and 1 (feature 2 is noise), grades 0..3.
 */
function synthetic(queries: number, perQuery: number, seed: number, version = "test/1"): RankingDataset {
  const rng = new Rng(seed);
  const values: number[] = [];
  const labels: number[] = [];
  const docIds: string[] = [];
  for (let q = 0; q < queries; q++) {
    for (let i = 0; i < perQuery; i++) {
      const x = [rng.normal(), rng.normal(), rng.normal()];
      values.push(...x);
      const latent = 1.5 * x[0] + (x[1] > 0.5 ? 1 : 0) + rng.normal(0, 0.5);
      labels.push(latent > 2 ? 3 : latent > 1 ? 2 : latent > 0 ? 1 : 0);
      docIds.push(`q${q}d${i}`);
    }
  }
  return rankingDataset({ version, names: ["signal", "step", "noise"], values: Float32Array.from(values), labels, queryIds: Array.from({ length: queries }, (_, q) => `q${q}`), docIds, groupSizes: Array(queries).fill(perQuery) });
}

/** The LambdaMART loss with the pair weights |dNDCG| frozen at the current ranks (what the gradient differentiates). */
function frozenLoss(data: RankingDataset, scores: Float64Array, sigma: number): (s: Float64Array) => number {
  const n = data.rows;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const rank = new Array<number>(n);
  order.forEach((i, r) => (rank[i] = r));
  const gain = Array.from(data.labels, (y) => 2 ** y - 1);
  const idcg = [...gain].sort((a, b) => b - a).reduce((acc, v, r) => acc + v / Math.log2(r + 2), 0);
  return (s) => {
    let loss = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (!(data.labels[i] > data.labels[j])) continue;
        const delta = (Math.abs(gain[i] - gain[j]) * Math.abs(1 / Math.log2(rank[i] + 2) - 1 / Math.log2(rank[j] + 2))) / idcg;
        const w = data.weights ? data.weights[i] : 1;
        loss += w * delta * Math.log1p(Math.exp(-sigma * (s[i] - s[j])));
      }
    return loss;
  };
}

describe("lambda gradients", () => {
  it("two documents, worked by hand", () => {
    // labels 1, 0 at scores 0, 0: gains 1, 0; ranks 0, 1; IDCG 1; |dNDCG| = 1 - 1/log2(3); rho = 1/2.
    const data = oneQuery([1, 0]);
    const g = new Float64Array(2);
    const h = new Float64Array(2);
    lambdaGradients(data, new Float64Array(2), g, h);
    const delta = 1 - 1 / Math.log2(3);
    expect(g[0]).toBeCloseTo(-0.5 * delta, 15);
    expect(g[1]).toBeCloseTo(0.5 * delta, 15);
    expect(h[0]).toBeCloseTo(0.25 * delta, 15);
    expect(h[1]).toBeCloseTo(0.25 * delta, 15);
    // sigma 2 at scores 1, 0: rho = 1 / (1 + e^2), gradient sigma rho delta, hessian sigma^2 rho (1 - rho) delta.
    lambdaGradients(data, Float64Array.of(1, 0), g, h, { sigma: 2 });
    const rho = 1 / (1 + Math.exp(2));
    expect(g[0]).toBeCloseTo(-2 * rho * delta, 15);
    expect(h[1]).toBeCloseTo(4 * rho * (1 - rho) * delta, 15);
  });

  it("linear gain, worked by hand: labels 3, 1, 0 weigh pairs by the label, not 2^label - 1", () => {
    // Scores 0, 0, 0 keep row order: ranks 0, 1, 2; discounts 1, 1/log2 3, 1/2. Linear gains 3, 1, 0:
    // IDCG = 3 + 1/log2 3. Pair (0, 1): |3 - 1| |1 - 1/log2 3| / IDCG; (0, 2): 3 (1 - 1/2) / IDCG;
    // (1, 2): 1 |1/log2 3 - 1/2| / IDCG; rho = 1/2 on each, so g[0] = -(d01 + d02) / 2.
    const data = oneQuery([3, 1, 0]);
    const g = new Float64Array(3);
    const h = new Float64Array(3);
    const l3 = 1 / Math.log2(3);
    const idcg = 3 + l3;
    const [d01, d02, d12] = [(2 * (1 - l3)) / idcg, (3 * 0.5) / idcg, (l3 - 0.5) / idcg];
    lambdaGradients(data, new Float64Array(3), g, h, { gain: "linear" });
    expect(g[0]).toBeCloseTo(-(d01 + d02) / 2, 15);
    expect(g[1]).toBeCloseTo((d01 - d12) / 2, 15);
    expect(g[2]).toBeCloseTo((d02 + d12) / 2, 15);
    // Exponential (the default) weighs the same pairs by gains 7, 1, 0.
    lambdaGradients(data, new Float64Array(3), g, h);
    const idcgExp = 7 + l3;
    expect(g[0]).toBeCloseTo(-((6 * (1 - l3)) / idcgExp + (7 * 0.5) / idcgExp) / 2, 15);
    expect(() => trainLambdaMart(data, { gain: "log" as never })).toThrow(/gain must be "linear" or "exponential", got "log"/);
  });

  it("equal the numerical gradient of the pairwise loss weighted by |dNDCG| (weights included)", () => {
    const rng = new Rng(7);
    const labels = [3, 0, 2, 1, 0, 2, 1, 3];
    const weights = labels.map(() => rng.uniform(0.5, 2));
    const data = oneQuery(labels, 1, weights);
    const scores = Float64Array.from(labels, () => rng.normal());
    const g = new Float64Array(labels.length);
    const h = new Float64Array(labels.length);
    lambdaGradients(data, scores, g, h, { sigma: 1.3 });
    const loss = frozenLoss(data, scores, 1.3);
    const eps = 1e-6;
    for (let i = 0; i < labels.length; i++) {
      const up = Float64Array.from(scores);
      const down = Float64Array.from(scores);
      up[i] += eps;
      down[i] -= eps;
      expect(g[i]).toBeCloseTo((loss(up) - loss(down)) / (2 * eps), 6);
    }
  });

  it("a document weight scales only the pairs where that document is the more relevant one", () => {
    const g1 = new Float64Array(3);
    const g2 = new Float64Array(3);
    const h = new Float64Array(3);
    const scores = Float64Array.of(0.2, -0.1, 0.4);
    lambdaGradients(oneQuery([2, 1, 0]), scores, g1, h);
    lambdaGradients(oneQuery([2, 1, 0], 1, [3, 1, 5]), scores, g2, h);
    // Document 0 is the more relevant side of both its pairs: its gradient triples.
    expect(g2[0]).toBeCloseTo(3 * g1[0], 12);
    // Document 2 (label 0) is never the more relevant one: its weight 5 does nothing.
    lambdaGradients(oneQuery([2, 1, 0], 1, [1, 1, 5]), scores, g2, h);
    expect(Array.from(g2)).toEqual(Array.from(g1));
  });

  it("no gradient for a query whose labels are all equal, and none for pairs both beyond the truncation", () => {
    const g = new Float64Array(3);
    const h = new Float64Array(3);
    lambdaGradients(oneQuery([1, 1, 1]), Float64Array.of(1, 2, 3), g, h);
    expect(Array.from(g)).toEqual([0, 0, 0]);
    // Scores 3, 2, 1 put the documents (labels 0, 2, 1) at ranks 0, 1, 2. Truncation 1: IDCG@1 = 3;
    // pair (1, 0): |3 - 0| |0 - 1| / 3 = 1; pair (2, 0): |1 - 0| |0 - 1| / 3 = 1/3; pair (1, 2): both
    // beyond rank 1, nothing.
    lambdaGradients(oneQuery([0, 2, 1]), Float64Array.of(3, 2, 1), g, h, { truncation: 1 });
    const rho = (d: number): number => 1 / (1 + Math.exp(d));
    expect(g[1]).toBeCloseTo(-rho(2 - 3), 14);
    expect(g[2]).toBeCloseTo(-rho(1 - 3) / 3, 14);
    expect(g[0]).toBeCloseTo(rho(2 - 3) + rho(1 - 3) / 3, 14);
  });
});

describe("training", () => {
  const train = synthetic(120, 20, 1);
  const valid = synthetic(60, 20, 2);

  it("LambdaMART learns the label's features and beats a single feature and the random order", () => {
    const model = trainLambdaMart(train, { trees: 40, maxDepth: 3, learningRate: 0.1 });
    const ndcg = meanDatasetNdcg(valid, ensembleScores(model, valid.values, valid.rows, valid.columns));
    const signalOnly = meanDatasetNdcg(valid, Float64Array.from({ length: valid.rows }, (_, i) => valid.values[i * 3]));
    const constant = meanDatasetNdcg(valid, new Float64Array(valid.rows));
    expect(ndcg).toBeGreaterThan(signalOnly);
    expect(signalOnly).toBeGreaterThan(constant + 0.1);
    const imp = featureImportances(model);
    expect(imp[0].feature).toBe("signal");
    expect(imp[imp.length - 1].feature).toBe("noise");
    expect(imp.reduce((a, b) => a + b.share, 0)).toBeCloseTo(1, 12);
  });

  it("is deterministic", () => {
    const a = trainLambdaMart(train, { trees: 5, maxDepth: 3 });
    const b = trainLambdaMart(train, { trees: 5, maxDepth: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it("early stopping keeps the best validation round", () => {
    let calls = 0;
    const model = trainLambdaMart(train, { trees: 300, maxDepth: 6, learningRate: 0.5, validation: valid, earlyStoppingRounds: 5, onTree: () => calls++ });
    const best = Math.max(...model.validationNdcg);
    expect(calls).toBeLessThan(300);
    expect(model.trees.length).toBe(model.validationNdcg.indexOf(best) + 1);
    expect(calls).toBe(model.trees.length + 5);
    expect(meanDatasetNdcg(valid, ensembleScores(model, valid.values, valid.rows, valid.columns))).toBeCloseTo(best, 12);
    expect(() => trainLambdaMart(train, { earlyStoppingRounds: 3 })).toThrow(/needs a validation dataset/);
  });

  it("pointwise GBRT: one tree at learning rate 1 is the least-squares tree of the residuals from the mean", () => {
    const model = trainPointwiseGbrt(train, { trees: 1, learningRate: 1, maxDepth: 3, lambda: 0 });
    const mean = Array.from(train.labels).reduce((a, b) => a + b, 0) / train.rows;
    expect(model.baseScore).toBeCloseTo(mean, 6);
    const tree = fitRegressionTree(train, Array.from(train.labels, (y) => y - mean), { maxDepth: 3, lambda: 0 });
    expect(model.trees[0].feature).toEqual(tree.feature);
    model.trees[0].value.forEach((v, i) => expect(v).toBeCloseTo(tree.value[i], 9));
    const better = trainPointwiseGbrt(train, { trees: 40, maxDepth: 3 });
    expect(meanDatasetNdcg(valid, ensembleScores(better, valid.values, valid.rows, valid.columns))).toBeGreaterThan(0.7);
  });

  it("row weights of 0 take a query out of training (exact splits, so the bins do not see the other rows)", () => {
    const weights = new Float32Array(train.rows).fill(1);
    weights.fill(0, train.groupStarts[60]);
    const weighted = rankingDataset({ ...train, weights, groupSizes: Array(120).fill(20) });
    const half = subsetQueries(train, Array.from({ length: 60 }, (_, q) => q));
    const a = trainLambdaMart(weighted, { trees: 3, maxDepth: 2, minHessian: 0, maxBins: Infinity });
    const b = trainLambdaMart(half, { trees: 3, maxDepth: 2, minHessian: 0, maxBins: Infinity });
    expect(a.trees.map((t) => t.value.map((v) => v.toFixed(9)))).toEqual(b.trees.map((t) => t.value.map((v) => v.toFixed(9))));
  });
});

describe("saved models and the feature version", () => {
  it("round-trips through JSON and refuses rows of another version", () => {
    const data = synthetic(10, 8, 3, FEATURE_VERSION);
    const wide = rankingDataset({ ...data, names: FEATURE_NAMES, values: Float32Array.from({ length: data.rows * FEATURE_NAMES.length }, (_, k) => data.values[Math.floor(k / FEATURE_NAMES.length) * 3 + (k % 3)]), groupSizes: Array(10).fill(8) });
    const model = trainLambdaMart(wide, { trees: 5, maxDepth: 3 });
    const file = path.join(scratch, "model.json");
    saveRanker(model, file);
    const loaded = loadRanker(file);
    const rows = { version: FEATURE_VERSION, names: FEATURE_NAMES, values: wide.values };
    expect(Array.from(scoreRows(loaded, rows))).toEqual(Array.from(scoreRows(model, rows)));
    expect(() => scoreRows(loaded, { ...rows, version: "shop-features/0" })).toThrow(/version "shop-features\/0", expected "shop-features\/1"/);
    writeFileSync(path.join(scratch, "bad.json"), "{");
    expect(() => loadRanker(path.join(scratch, "bad.json"))).toThrow(/not a readable JSON file/);
    writeFileSync(path.join(scratch, "other.json"), JSON.stringify({ format: "x" }));
    expect(() => loadRanker(path.join(scratch, "other.json"))).toThrow(/format "x", expected "shoplm-gbdt"/);
  });
});
