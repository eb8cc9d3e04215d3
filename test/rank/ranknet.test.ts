/**
 * RankNet (lib/src/rank/ranknet.ts): the pairwise loss worked by hand, its gradient checked
 * numerically (linear and MLP scorers, with document weights), learning on synthetic queries,
 * determinism and bad input.
 */
import { describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURE_VERSION, Rng } from "shoplm";
import { meanDatasetNdcg, rankingDataset, type RankingDataset } from "../../lib/src/rank/ranking-dataset";
import { rankNetLoss, rankNetScores, scoreRankNetRows, trainRankNet } from "../../lib/src/rank/ranknet";

function synthetic(queries: number, perQuery: number, seed: number, weighted = false): RankingDataset {
  const rng = new Rng(seed);
  const values: number[] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  const docIds: string[] = [];
  for (let q = 0; q < queries; q++) {
    for (let i = 0; i < perQuery; i++) {
      const x = [rng.normal(), rng.normal(), rng.normal()];
      values.push(...x);
      const latent = x[0] - 0.7 * x[1] * x[1] + rng.normal(0, 0.3);
      labels.push(latent > 1 ? 2 : latent > 0 ? 1 : 0);
      weights.push(rng.uniform(0.2, 3));
      docIds.push(`q${q}d${i}`);
    }
  }
  return rankingDataset({ version: "test/1", names: ["a", "b", "c"], values: Float32Array.from(values), labels, weights: weighted ? weights : null, queryIds: Array.from({ length: queries }, (_, q) => `q${q}`), docIds, groupSizes: Array(queries).fill(perQuery) });
}

const shape = (hidden: number, columns: number) => ({ hidden, mean: Array(columns).fill(0), sd: Array(columns).fill(1), sigma: 1 });

describe("the RankNet loss", () => {
  it("is ln 2 per pair at equal scores, and log(1 + e^-(s_i - s_j)) otherwise (worked by hand)", () => {
    const data = rankingDataset({ version: "t", names: ["x"], values: Float32Array.of(1, 0), labels: [1, 0], queryIds: ["q"], docIds: ["a", "b"], groupSizes: [2] });
    expect(rankNetLoss(shape(0, 1), [0], data).loss).toBeCloseTo(Math.LN2, 15);
    // Linear w = 2: s = 2, 0: loss log(1 + e^-2); d loss / d w = -(1 / (1 + e^2)) * (x_i - x_j).
    const { loss, gradient } = rankNetLoss(shape(0, 1), [2], data);
    expect(loss).toBeCloseTo(Math.log1p(Math.exp(-2)), 15);
    expect(gradient[0]).toBeCloseTo(-1 / (1 + Math.exp(2)), 15);
  });

  for (const hidden of [0, 4]) {
    it(`its gradient equals the numerical one (${hidden ? "MLP" : "linear"}, document weights, L2)`, () => {
      const data = synthetic(3, 6, 9, true);
      const rng = new Rng(hidden + 1);
      const count = hidden === 0 ? 3 : hidden * 5;
      const params = Array.from({ length: count }, () => rng.normal(0, 0.7));
      const model = { hidden, mean: [0.1, -0.2, 0], sd: [1.5, 0.8, 1], sigma: 1.7 };
      const { gradient } = rankNetLoss(model, params, data, [0, 1, 2], 0.01);
      const eps = 1e-6;
      for (let p = 0; p < count; p++) {
        const up = params.slice();
        const down = params.slice();
        up[p] += eps;
        down[p] -= eps;
        const numeric = (rankNetLoss(model, up, data, [0, 1, 2], 0.01).loss - rankNetLoss(model, down, data, [0, 1, 2], 0.01).loss) / (2 * eps);
        expect(gradient[p]).toBeCloseTo(numeric, 7);
      }
    });
  }

  it("says how many parameters it expected", () => {
    expect(() => rankNetLoss(shape(4, 3), [1, 2], synthetic(1, 3, 1))).toThrow(/expected 20 parameters for 4 hidden units and 3 columns, got 2/);
  });
});

describe("training", () => {
  const train = synthetic(80, 15, 1);
  const valid = synthetic(40, 15, 2);

  it("the MLP learns the non-linear label and beats the linear scorer; the loss goes down", () => {
    const mlp = trainRankNet(train, { hidden: 16, epochs: 25, seed: 0 });
    const linear = trainRankNet(train, { hidden: 0, epochs: 25, seed: 0 });
    const score = (m: typeof mlp): number => meanDatasetNdcg(valid, rankNetScores(m, valid.values, valid.rows));
    expect(mlp.losses[mlp.losses.length - 1]).toBeLessThan(mlp.losses[0]);
    expect(score(linear)).toBeGreaterThan(meanDatasetNdcg(valid, new Float64Array(valid.rows)) + 0.05);
    expect(score(mlp)).toBeGreaterThan(score(linear));
  });

  it("is deterministic for a seed, and keeps the best validation epoch", () => {
    const a = trainRankNet(train, { hidden: 4, epochs: 3, seed: 5 });
    const b = trainRankNet(train, { hidden: 4, epochs: 3, seed: 5 });
    expect(a.params).toEqual(b.params);
    expect(trainRankNet(train, { hidden: 4, epochs: 3, seed: 6 }).params).not.toEqual(a.params);
    const kept = trainRankNet(train, { hidden: 4, epochs: 6, seed: 5, validation: valid, learningRate: 0.05 });
    expect(meanDatasetNdcg(valid, rankNetScores(kept, valid.values, valid.rows))).toBeCloseTo(Math.max(...kept.validationNdcg), 12);
  });

  it("refuses bad options and rows of another feature version", () => {
    expect(() => trainRankNet(train, { hidden: -1 })).toThrow(/hidden must be an integer >= 0, got -1/);
    expect(() => trainRankNet(train, { learningRate: 0 })).toThrow(/learningRate > 0/);
    const wide = rankingDataset({ version: FEATURE_VERSION, names: FEATURE_NAMES, values: new Float32Array(4 * FEATURE_NAMES.length).map((_, k) => k % 7), labels: [1, 0, 2, 0], queryIds: ["q"], docIds: ["a", "b", "c", "d"], groupSizes: [4] });
    const model = trainRankNet(wide, { hidden: 2, epochs: 1 });
    expect(scoreRankNetRows(model, { version: FEATURE_VERSION, names: FEATURE_NAMES, values: wide.values }).length).toBe(4);
    expect(() => scoreRankNetRows(model, { version: "old", names: FEATURE_NAMES, values: wide.values })).toThrow(/version "old"/);
  });
});
