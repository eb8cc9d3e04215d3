/**
 * Regression trees (lib/src/rank/regression-tree.ts): splits and Newton leaf values worked by
 * hand, the growth limits, quantile binning, determinism, bad input, and least-squares trees
 * against scikit-learn's DecisionTreeRegressor (Debian python3-sklearn) on the same rows.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Rng } from "shoplm";
import { binFeatures, fitRegressionTree, fitTree, predictTree, treeLeaves, type FeatureMatrix } from "../../lib/src/rank/regression-tree";

const PYTHON = "/usr/bin/python3";
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn, numpy"]).status === 0;
if (!hasSklearn) console.warn("test/rank/regression-tree.test.ts: the scikit-learn comparison is skipped: no /usr/bin/python3 with sklearn (Debian python3-sklearn).");

function matrix(rows: number[][]): FeatureMatrix {
  return { values: Float32Array.from(rows.flat()), rows: rows.length, columns: rows[0].length };
}

const predictAll = (tree: ReturnType<typeof fitTree>, m: FeatureMatrix): number[] => Array.from({ length: m.rows }, (_, i) => predictTree(tree, m.values, i, m.columns));

describe("least-squares trees, worked by hand", () => {
  it("splits x = 1, 2, 3, 4 with y = 1, 1, 5, 5 at x <= 2, leaves 1 and 5, gain 16", () => {
    // G = -12, H = 4: parent score 144 / 4 = 36; left G = -2, H = 2: 2; right G = -10, H = 2: 50.
    const m = matrix([[1], [2], [3], [4]]);
    const tree = fitRegressionTree(m, [1, 1, 5, 5], { maxDepth: 1 });
    expect(tree.feature).toEqual([0, -1, -1]);
    expect(tree.threshold[0]).toBe(2);
    expect(tree.gain[0]).toBeCloseTo(16, 12);
    expect(predictAll(tree, m)).toEqual([1, 1, 5, 5]);
    expect(predictTree(tree, Float32Array.of(2.5), 0, 1)).toBe(5);
  });

  it("Newton leaf value -G / (H + lambda)", () => {
    const binned = binFeatures(matrix([[0], [1], [2]]));
    const tree = fitTree(binned, Float64Array.of(1, 2, 3), Float64Array.of(1, 1, 2), { maxDepth: 0, lambda: 2 });
    expect(tree.feature).toEqual([-1]);
    expect(tree.value[0]).toBeCloseTo(-6 / (4 + 2), 15);
  });

  it("lambda shrinks the gain and the leaves", () => {
    // lambda 1: left G = -2, H = 2 -> 4/3; right G = -10, H = 2 -> 100/3; parent 144/5; gain 104/3 - 144/5.
    const tree = fitRegressionTree(matrix([[1], [2], [3], [4]]), [1, 1, 5, 5], { maxDepth: 1, lambda: 1 });
    expect(tree.gain[0]).toBeCloseTo(104 / 3 - 144 / 5, 12);
    expect(tree.value[1]).toBeCloseTo(2 / 3, 12);
    expect(tree.value[2]).toBeCloseTo(10 / 3, 12);
  });

  it("picks the better feature, and the lower feature on a tie", () => {
    const better = fitRegressionTree(matrix([[1, 4], [2, 3], [3, 2], [4, 1]]), [0, 0, 0, 8], { maxDepth: 1 });
    expect(better.feature[0]).toBe(0); // x0 <= 3 isolates the 8; x1 <= 1 would too, but as "x1 > 1" -> same gain: lower feature wins.
    const onlySecond = fitRegressionTree(matrix([[1, 1], [1, 2], [1, 3], [1, 4]]), [0, 0, 5, 5], { maxDepth: 1 });
    expect(onlySecond.feature[0]).toBe(1);
    expect(onlySecond.threshold[0]).toBe(2);
  });

  it("respects minSamplesLeaf and minHessian", () => {
    const m = matrix([[1], [2], [3], [4]]);
    const free = fitRegressionTree(m, [0, 0, 0, 9], { maxDepth: 1 });
    expect(free.threshold[0]).toBe(3); // isolates the outlier
    const two = fitRegressionTree(m, [0, 0, 0, 9], { maxDepth: 1, minSamplesLeaf: 2 });
    expect(two.threshold[0]).toBe(2);
    const three = fitRegressionTree(m, [0, 0, 0, 9], { maxDepth: 1, minSamplesLeaf: 3 });
    expect(three.feature).toEqual([-1]);
    const heavy = fitTree(binFeatures(m), Float64Array.of(0, 0, 0, -9), Float64Array.of(1, 1, 1, 1), { maxDepth: 1, minHessian: 1.5, lambda: 0 });
    expect(heavy.threshold[0]).toBe(2);
  });

  it("grows best-first under maxLeaves, and stops at maxDepth", () => {
    const m = matrix([[1], [2], [3], [4], [5], [6], [7], [8]]);
    const y = [0, 0, 2, 2, 10, 10, 14, 14];
    const full = fitRegressionTree(m, y, { maxDepth: 2 });
    expect(treeLeaves(full)).toBe(4);
    expect(predictAll(full, m)).toEqual(y);
    const three = fitRegressionTree(m, y, { maxDepth: 2, maxLeaves: 3 });
    expect(treeLeaves(three)).toBe(3);
    // Root split at x <= 4 (gain 242 against 150 at x <= 6); then the right side (gain 16) before the left (gain 4).
    expect(predictAll(three, m)).toEqual([1, 1, 1, 1, 10, 10, 14, 14]);
    expect(three.gain[0]).toBeCloseTo(242, 9);
    expect(treeLeaves(fitRegressionTree(m, y, { maxDepth: 1 }))).toBe(2);
  });

  it("weighted targets give weighted leaf means", () => {
    const tree = fitRegressionTree(matrix([[0], [0]]), [1, 4], { maxDepth: 0, weights: [3, 1] });
    expect(tree.value[0]).toBeCloseTo(7 / 4, 12);
  });

  it("splits no further when every target is equal", () => {
    expect(fitRegressionTree(matrix([[1], [2], [3]]), [2, 2, 2]).feature).toEqual([-1]);
  });
});

describe("binning", () => {
  it("one bin per distinct value when they fit, quantile bins otherwise", () => {
    const m = matrix([[3], [1], [2], [2], [4], [5], [6], [7]]);
    const exact = binFeatures(m, { maxBins: Infinity });
    expect(Array.from(exact.edges[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(exact.bins)).toEqual([2, 0, 1, 1, 3, 4, 5, 6]);
    const coarse = binFeatures(m, { maxBins: 4 });
    expect(coarse.edges[0].length).toBeLessThanOrEqual(4);
    expect(coarse.edges[0][coarse.edges[0].length - 1]).toBe(7);
    // Every value lies in the bin whose edges bracket it.
    for (let i = 0; i < m.rows; i++) {
      const b = coarse.bins[i];
      expect(m.values[i]).toBeLessThanOrEqual(coarse.edges[0][b]);
      if (b > 0) expect(m.values[i]).toBeGreaterThan(coarse.edges[0][b - 1]);
    }
  });

  it("histogram and exact split finding agree when the bins hold every distinct value", () => {
    const rng = new Rng(3);
    const rows = Array.from({ length: 200 }, () => [rng.int(20), rng.int(7), rng.uniform(0, 1)]);
    const y = rows.map((r) => Math.sin(r[0]) + r[1] * 0.3 + rng.normal(0, 0.1));
    const m = matrix(rows);
    const a = fitRegressionTree(m, y, { maxDepth: 4, maxBins: Infinity });
    const b = fitRegressionTree(m, y, { maxDepth: 4, maxBins: 256 });
    expect(b).toEqual(a);
  });

  it("is deterministic", () => {
    const rng = new Rng(5);
    const rows = Array.from({ length: 500 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const y = rows.map((r) => r[0] * r[1] + r[2]);
    expect(JSON.stringify(fitRegressionTree(matrix(rows), y, { maxDepth: 5, maxBins: 32 }))).toBe(JSON.stringify(fitRegressionTree(matrix(rows), y, { maxDepth: 5, maxBins: 32 })));
  });
});

describe("bad input", () => {
  it("names what was expected and what was found", () => {
    expect(() => binFeatures({ values: Float32Array.of(1, NaN), rows: 2, columns: 1 })).toThrow(/row 1, column 0 is NaN/);
    expect(() => binFeatures({ values: Float32Array.of(1, 2, 3), rows: 2, columns: 2 })).toThrow(/need 4 values, got 3/);
    expect(() => binFeatures(matrix([[1]]), { maxBins: 1 })).toThrow(/maxBins must be/);
    expect(() => fitRegressionTree(matrix([[1], [2]]), [1])).toThrow(/expected 2 targets/);
    const binned = binFeatures(matrix([[1], [2]]));
    expect(() => fitTree(binned, new Float64Array(3), new Float64Array(3))).toThrow(/expected 2 gradients/);
    expect(() => fitTree(binned, new Float64Array(2), new Float64Array(2), { maxDepth: 1.5 })).toThrow(/maxDepth must be an integer/);
    expect(() => fitTree(binned, new Float64Array(2), new Float64Array(2), { lambda: -1 })).toThrow(/lambda must be >= 0/);
  });
});

describe.skipIf(!hasSklearn)("against scikit-learn's DecisionTreeRegressor", () => {
  it("least-squares trees with exact splits predict the same on training and new rows", () => {
    const rng = new Rng(11);
    const n = 400;
    const rows = Array.from({ length: n }, () => [rng.normal(), rng.uniform(-2, 2), rng.normal()]);
    const y = rows.map((r) => (r[0] > 0.3 ? 2 : -1) + r[1] * r[1] + 0.5 * r[2] + rng.normal(0, 0.2));
    const probe = Array.from({ length: 100 }, () => [rng.normal(), rng.uniform(-2, 2), rng.normal()]);
    // float32 on both sides, so thresholds compare the same numbers.
    const f32 = (a: number[][]): number[][] => a.map((r) => r.map((v) => Math.fround(v)));
    const script = [
      "import json, sys, numpy as np",
      "from sklearn.tree import DecisionTreeRegressor",
      "d = json.load(sys.stdin)",
      "X = np.asarray(d['X'], dtype=np.float32); P = np.asarray(d['P'], dtype=np.float32)",
      "t = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, np.asarray(d['y']))",
      "json.dump({'train': t.predict(X).tolist(), 'probe': t.predict(P).tolist()}, sys.stdout)",
    ].join("\n");
    const r = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify({ X: f32(rows), P: f32(probe), y }), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as { train: number[]; probe: number[] };
    const m = matrix(rows);
    const tree = fitRegressionTree(m, y, { maxDepth: 4, maxBins: Infinity });
    const ours = predictAll(tree, m);
    ours.forEach((v, i) => expect(v).toBeCloseTo(ref.train[i], 9));
    // New rows may fall between a split's two neighbouring values, where sklearn's midpoint and
    // our lower value disagree; almost all do not.
    const pm = matrix(probe);
    const agree = predictAll(tree, pm).filter((v, i) => Math.abs(v - ref.probe[i]) < 1e-9).length;
    expect(agree).toBeGreaterThanOrEqual(90);
  });
});
