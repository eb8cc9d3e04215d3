/**
 * Top-k accuracy against scikit-learn's `top_k_accuracy_score` (Debian python3-sklearn), computed
 * in the same run on the same seeded scores, ties included (scores rounded to one decimal).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EmptyInputError, Rng, topKAccuracy } from "shoplm";

const PYTHON = "/usr/bin/python3";
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
if (!hasSklearn) console.warn("top-k accuracy reference check skipped: no python3-sklearn at /usr/bin/python3 (npm run setup installs it).");

function cases(): { yTrue: number[]; scores: number[][]; k: number }[] {
  const rng = new Rng(11);
  const out: { yTrue: number[]; scores: number[][]; k: number }[] = [];
  for (const [n, classes] of [[50, 5], [200, 12], [30, 3]]) {
    const scores = Array.from({ length: n }, () => Array.from({ length: classes }, () => Math.round(rng.next() * 10) / 10));
    const yTrue = Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
    for (const k of [1, 2, 3]) out.push({ yTrue, scores, k });
  }
  return out;
}

describe("topKAccuracy", () => {
  it.skipIf(!hasSklearn)("equals scikit-learn's top_k_accuracy_score, ties and all", () => {
    const all = cases();
    const code =
      "import json, sys\nfrom sklearn.metrics import top_k_accuracy_score\n" +
      "cases = json.load(sys.stdin)\n" +
      "print(json.dumps([top_k_accuracy_score(c['yTrue'], c['scores'], k=c['k'], labels=list(range(len(c['scores'][0])))) for c in cases]))";
    const r = spawnSync(PYTHON, ["-c", code], { input: JSON.stringify(all), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const reference = JSON.parse(r.stdout) as number[];
    expect(all.map((c) => topKAccuracy(c.yTrue, c.scores, c.k))).toEqual(reference);
  });

  it("ties go to the higher class index, as scikit-learn sorts; k past the classes gives 1", () => {
    expect(topKAccuracy([0, 1, 2], [[0.5, 0.5, 0], [0.5, 0.5, 0], [0.2, 0.2, 0.2]], 1)).toBeCloseTo(2 / 3, 15);
    expect(topKAccuracy([0, 1], [[0.1, 0.9], [0.3, 0.7]], 5)).toBe(1);
  });

  it("says what is wrong", () => {
    expect(() => topKAccuracy([0], [[1, 2]], 0)).toThrow(/topKAccuracy: k must be an integer >= 1, got 0/);
    expect(() => topKAccuracy([2], [[1, 2]], 1)).toThrow(/yTrue\[0\] is 2; expected a class index in \[0, 2\)/);
    expect(() => topKAccuracy([0, 1], [[1, 2], [1]], 1)).toThrow(/scores row 1 has 1 classes, row 0 has 2/);
    expect(() => topKAccuracy([], [], 1)).toThrow(EmptyInputError);
  });
});
