/** Chapter 5 reference solutions and hidden checks. */
import { defineSolution, type Solution } from "shoplm/instructor";

// #region solution 5.1
function ndcgAtK(rankedGains: number[], judgedGains: number[], k: number): number {
  const dcg = (gains: number[]) => gains.slice(0, k).reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  const ideal = dcg([...judgedGains].sort((a, b) => b - a));
  return ideal === 0 ? 0 : dcg(rankedGains) / ideal;
}
// #endregion

// #region solution 5.2
function averagePrecision(relevant: boolean[], totalRelevant: number): number {
  if (totalRelevant === 0) return 0;
  let hits = 0;
  let sum = 0;
  relevant.forEach((isRelevant, i) => {
    if (!isRelevant) return;
    hits += 1;
    sum += hits / (i + 1);
  });
  return sum / totalRelevant;
}
// #endregion

// #region solution 5.3
import { Rng } from "shoplm";

function bootstrapInterval(values: number[], samples: number, level: number, seed: number): [number, number] {
  const rng = new Rng(seed);
  const means: number[] = [];
  for (let b = 0; b < samples; b++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[rng.int(values.length)];
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  const quantile = (q: number) => {
    const pos = q * (means.length - 1);
    const lo = Math.floor(pos);
    return means[lo] + (pos - lo) * (means[Math.min(lo + 1, means.length - 1)] - means[lo]);
  };
  return [quantile((1 - level) / 2), quantile(1 - (1 - level) / 2)];
}
// #endregion

// #region solution 5.4
import { normalQuantile } from "shoplm";

function sampleSizePerArm(baseline: number, lift: number, alpha: number, power: number): number {
  const p1 = baseline;
  const p2 = baseline * (1 + lift);
  const p = (p1 + p2) / 2;
  const zA = normalQuantile(1 - alpha / 2);
  const zB = normalQuantile(power);
  const n = (zA * Math.sqrt(2 * p * (1 - p)) + zB * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}
// #endregion

/** Gains of a 40-product ranking from a fixed pattern, with ties. */
const pattern = Array.from({ length: 40 }, (_, i) => [3, 0, 1, 0, 2, 0, 0, 1][(i * 5) % 8]);

export const chapter5: readonly Solution[] = [
  defineSolution<typeof ndcgAtK>({
    id: "5.1",
    reference: ndcgAtK,
    hidden: [
      { name: "k larger than the list", args: [[1, 3], [3, 1, 2], 10] },
      { name: "40 products at k = 10", args: [pattern, [...pattern, 3, 3], 10] },
      { name: "k = 1", args: [[0, 3], [3], 1] },
      { name: "empty ranking", args: [[], [2, 1], 5] },
    ],
  }),
  defineSolution<typeof averagePrecision>({
    id: "5.2",
    reference: averagePrecision,
    hidden: [
      { name: "all relevant", args: [[true, true, true], 3] },
      { name: "40 positions", args: [pattern.map((g) => g >= 2), 12] },
      { name: "empty ranking", args: [[], 4] },
    ],
  }),
  defineSolution<typeof bootstrapInterval>({
    id: "5.3",
    reference: bootstrapInterval,
    hidden: [
      { name: "per-query NDCG values", args: [pattern.map((g) => g / 3), 1000, 0.95, 11] },
      { name: "90 % level", args: [[0.2, 0.9, 0.4, 0.4, 0.7], 300, 0.9, 2] },
      { name: "one value", args: [[5], 20, 0.95, 4] },
    ],
  }),
  defineSolution<typeof sampleSizePerArm>({
    id: "5.4",
    reference: sampleSizePerArm,
    hidden: [
      { name: "2 % conversion, +10 %", args: [0.02, 0.1, 0.05, 0.8] },
      { name: "30 %, -10 %, alpha 0.01", args: [0.3, -0.1, 0.01, 0.9] },
      { name: "50 %, +5 %", args: [0.5, 0.05, 0.05, 0.8] },
    ],
  }),
];
