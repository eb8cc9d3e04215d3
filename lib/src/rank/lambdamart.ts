/**
 * Gradient-boosted regression trees for ranking, written by hand as the lesson: LambdaMART
 * (Burges 2010, "From RankNet to LambdaRank to LambdaMART: An Overview") and, from the same tree
 * code, pointwise GBRT (squared error on the label).
 *
 * LambdaMART, per query and per pair (i, j) with label_i > label_j:
 * - gains 2^label - 1 (or the label itself with `gain: "linear"`, for metrics such as Crowdflower's that
 *   use linear gain); |dNDCG_ij| = |gain_i - gain_j| * |D(r_i) - D(r_j)| / IDCG@T, where r is the
 *   rank under the current scores, D(r) = 1 / log2(r + 2) for r < T and 0 beyond the truncation T
 *   (so the pair's weight is exactly how much NDCG@T changes if the two swap places);
 * - rho = 1 / (1 + exp(sigma (s_i - s_j))); the loss's gradient is -sigma rho |dNDCG| on s_i and
 *   +sigma rho |dNDCG| on s_j (the "lambdas" with the sign of a gradient), and its hessian
 *   sigma^2 rho (1 - rho) |dNDCG| on both;
 * - per-document weights (inverse propensity weights from click logs, click-debias.ts): each
 *   pair's gradient and hessian are multiplied by the weight of the more relevant (clicked)
 *   document, as IPS-LambdaMART does: the clicked document is the observation whose propensity
 *   the weight corrects (Joachims et al. 2017; Wang et al. 2018). Default weight 1.
 * Each tree is fitted to these gradients with Newton leaves -G / (H + lambda) (regression-tree.ts)
 * and added with shrinkage `learningRate`. Queries whose labels are all equal give no pair.
 *
 * A model records the feature list's version and names: `scoreRows` refuses rows of another
 * version (`checkFeatureVersion`), and `saveRanker` / `loadRanker` keep it in the JSON file.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../core/files";
import { checkFeatureVersion, type FeatureRows } from "./features";
import type { Gain } from "../eval/ranking";
import { meanDatasetNdcg, type RankingDataset } from "./ranking-dataset";
import { binFeatures, fitTree, predictTree, type BinningOptions, type RegressionTree, type TreeOptions } from "./regression-tree";

export const GBDT_FORMAT = "shoplm-gbdt";

export type BoostingObjective = "lambdamart" | "pointwise";

/** A boosted tree ensemble: score = baseScore + learningRate * sum of the trees. JSON-safe. */
export interface BoostedRanker {
  readonly format: typeof GBDT_FORMAT;
  readonly objective: BoostingObjective;
  /** The feature list's version and names the model was trained on. */
  readonly version: string;
  readonly names: readonly string[];
  readonly baseScore: number;
  readonly learningRate: number;
  /** The trees kept (with early stopping: up to the best validation round). */
  readonly trees: readonly RegressionTree[];
  /** Validation NDCG@k after each round (empty without a validation set). */
  readonly validationNdcg: readonly number[];
  readonly options: Readonly<Record<string, number | string | boolean>>;
}

export interface BoostingOptions extends TreeOptions, BinningOptions {
  /** Trees to fit (rounds). Default 100. */
  readonly trees?: number;
  /** Shrinkage of each tree. Default 0.1. */
  readonly learningRate?: number;
  /** A held-out dataset scored after every tree (NDCG@evalAt with `gain`). */
  readonly validation?: RankingDataset;
  /** Stop when validation NDCG has not improved for this many trees, and keep the best round. Needs `validation`. */
  readonly earlyStoppingRounds?: number;
  /** The cutoff of the validation NDCG. Default 10. */
  readonly evalAt?: number;
  /** The NDCG gain the validation NDCG (and LambdaMART's pair weights) use. Default "exponential". */
  readonly gain?: Gain;
  /** Called after each tree (for progress bars and curves). */
  readonly onTree?: (tree: number, validationNdcg: number | null) => void;
}

export interface LambdaMartOptions extends BoostingOptions {
  /** The logistic's steepness sigma. Default 1. */
  readonly sigma?: number;
  /** NDCG truncation T of the pair weights: pairs with both documents ranked beyond T get no gradient. Default Infinity (the whole list). */
  readonly truncation?: number;
}

/**
 * The LambdaMART gradients and hessians of every row for the current scores (see the module
 * comment), written into g and h (zeroed first).
 */
export function lambdaGradients(
  data: RankingDataset,
  scores: Float64Array,
  g: Float64Array,
  h: Float64Array,
  options: { readonly sigma?: number; readonly truncation?: number; readonly gain?: Gain } = {}
): void {
  const sigma = options.sigma ?? 1;
  const linear = options.gain === "linear";
  const truncation = options.truncation ?? Infinity;
  g.fill(0);
  h.fill(0);
  const { labels, weights, groupStarts } = data;
  for (let q = 0; q + 1 < groupStarts.length; q++) {
    const a = groupStarts[q];
    const n = groupStarts[q + 1] - a;
    if (n < 2) continue;
    // Ranks under the current scores (ties by row order: a model with equal scores is the row order).
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => scores[a + y] - scores[a + x] || x - y);
    const rank = new Int32Array(n);
    order.forEach((i, r) => (rank[i] = r));
    const gain = new Float64Array(n);
    for (let i = 0; i < n; i++) gain[i] = linear ? labels[a + i] : Math.pow(2, labels[a + i]) - 1;
    const ideal = Array.from(gain).sort((x, y) => y - x);
    let idcg = 0;
    for (let r = 0; r < Math.min(n, truncation); r++) idcg += ideal[r] / Math.log2(r + 2);
    if (!(idcg > 0)) continue;
    const disc = new Float64Array(n);
    for (let i = 0; i < n; i++) disc[i] = rank[i] < truncation ? 1 / Math.log2(rank[i] + 2) : 0;
    for (let i = 0; i < n; i++) {
      const yi = labels[a + i];
      for (let j = 0; j < n; j++) {
        if (!(yi > labels[a + j])) continue;
        // Both beyond the truncation: disc 0 on both sides, delta 0.
        const delta = (Math.abs(gain[i] - gain[j]) * Math.abs(disc[i] - disc[j])) / idcg;
        if (delta === 0) continue;
        const w = weights ? weights[a + i] : 1;
        const rho = 1 / (1 + Math.exp(sigma * (scores[a + i] - scores[a + j])));
        const lambda = sigma * rho * delta * w;
        const hess = sigma * sigma * rho * (1 - rho) * delta * w;
        g[a + i] -= lambda;
        g[a + j] += lambda;
        h[a + i] += hess;
        h[a + j] += hess;
      }
    }
  }
}

function checkCount(value: number, name: string, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) throw new Error(`boosting: ${name} must be an integer >= ${min}, got ${value}.`);
  return value;
}

/** Scores every row of a row-major matrix with an ensemble (no version check: see `scoreRows`). */
export function ensembleScores(model: Pick<BoostedRanker, "baseScore" | "learningRate" | "trees">, values: Float32Array, rows: number, columns: number): Float64Array {
  const out = new Float64Array(rows).fill(model.baseScore);
  for (const tree of model.trees) for (let i = 0; i < rows; i++) out[i] += model.learningRate * predictTree(tree, values, i, columns);
  return out;
}

function boost(
  objective: BoostingObjective,
  data: RankingDataset,
  options: LambdaMartOptions,
  gradients: (scores: Float64Array, g: Float64Array, h: Float64Array) => void,
  baseScore: number
): BoostedRanker {
  const rounds = checkCount(options.trees ?? 100, "trees", 1);
  const learningRate = options.learningRate ?? 0.1;
  if (!(learningRate > 0)) throw new Error(`boosting: learningRate must be > 0, got ${learningRate}.`);
  const patience = options.earlyStoppingRounds;
  if (patience !== undefined) {
    checkCount(patience, "earlyStoppingRounds", 1);
    if (!options.validation) throw new Error("boosting: earlyStoppingRounds needs a validation dataset (options.validation).");
  }
  if (options.gain !== undefined && options.gain !== "linear" && options.gain !== "exponential") {
    throw new Error(`boosting: gain must be "linear" or "exponential", got ${JSON.stringify(options.gain)}.`);
  }
  const validation = options.validation;
  if (validation && (validation.version !== data.version || validation.columns !== data.columns)) {
    throw new Error(`boosting: the validation rows are of feature version "${validation.version}" with ${validation.columns} columns; the training rows of "${data.version}" with ${data.columns}.`);
  }
  const binned = binFeatures(data, options);
  const scores = new Float64Array(data.rows).fill(baseScore);
  const validScores = validation ? new Float64Array(validation.rows).fill(baseScore) : null;
  const g = new Float64Array(data.rows);
  const h = new Float64Array(data.rows);
  const trees: RegressionTree[] = [];
  const history: number[] = [];
  let best = -Infinity;
  let bestRound = 0;
  for (let t = 0; t < rounds; t++) {
    gradients(scores, g, h);
    const tree = fitTree(binned, g, h, options);
    trees.push(tree);
    for (let i = 0; i < data.rows; i++) scores[i] += learningRate * predictTree(tree, data.values, i, data.columns);
    let metric: number | null = null;
    if (validation && validScores) {
      for (let i = 0; i < validation.rows; i++) validScores[i] += learningRate * predictTree(tree, validation.values, i, validation.columns);
      metric = meanDatasetNdcg(validation, validScores, { k: options.evalAt ?? 10, gain: options.gain });
      history.push(metric);
      if (metric > best) {
        best = metric;
        bestRound = t + 1;
      }
    }
    options.onTree?.(t + 1, metric);
    if (patience !== undefined && t + 1 - bestRound >= patience) break;
  }
  const kept = patience !== undefined ? trees.slice(0, bestRound) : trees;
  const recorded: Record<string, number | string | boolean> = {};
  for (const [key, value] of Object.entries(options)) if (["number", "string", "boolean"].includes(typeof value)) recorded[key] = value as number | string | boolean;
  return { format: GBDT_FORMAT, objective, version: data.version, names: data.names, baseScore, learningRate, trees: kept, validationNdcg: history, options: recorded };
}

/** LambdaMART: boosted trees on lambda gradients (module comment), labels graded or clicks, optional row weights. */
export function trainLambdaMart(data: RankingDataset, options: LambdaMartOptions = {}): BoostedRanker {
  const sigma = options.sigma ?? 1;
  if (!(sigma > 0)) throw new Error(`trainLambdaMart: sigma must be > 0, got ${sigma}.`);
  const truncation = options.truncation ?? Infinity;
  if (!(truncation === Infinity || (Number.isInteger(truncation) && truncation >= 1))) throw new Error(`trainLambdaMart: truncation must be an integer >= 1 or Infinity, got ${truncation}.`);
  return boost("lambdamart", data, options, (s, g, h) => lambdaGradients(data, s, g, h, { sigma, truncation, gain: options.gain }), 0);
}

/**
 * Pointwise GBRT: boosted least-squares trees predicting the label (grade or click) from the
 * features, weighted by the row weights; the ranking is by predicted label. The first score is
 * the weighted mean label.
 */
export function trainPointwiseGbrt(data: RankingDataset, options: BoostingOptions = {}): BoostedRanker {
  const { labels, weights } = data;
  let sw = 0;
  let swy = 0;
  for (let i = 0; i < data.rows; i++) {
    const w = weights ? weights[i] : 1;
    sw += w;
    swy += w * labels[i];
  }
  const base = sw > 0 ? swy / sw : 0;
  return boost(
    "pointwise",
    data,
    options,
    (s, g, h) => {
      for (let i = 0; i < data.rows; i++) {
        const w = weights ? weights[i] : 1;
        g[i] = w * (s[i] - labels[i]);
        h[i] = w;
      }
    },
    base
  );
}

/** Scores feature rows (one query's candidates, from `features()`) with a boosted ranker; refuses rows of another feature version. */
export function scoreRows(model: BoostedRanker, rows: Pick<FeatureRows, "version" | "names" | "values">): Float64Array {
  checkFeatureVersion(rows, model.version);
  const columns = model.names.length;
  if (rows.values.length % columns !== 0) throw new Error(`scoreRows: ${rows.values.length} values are not whole rows of ${columns} columns.`);
  return ensembleScores(model, rows.values, rows.values.length / columns, columns);
}

export interface FeatureImportance {
  readonly feature: string;
  /** Sum of the split gains on this feature over all trees. */
  readonly gain: number;
  /** The share of the total gain. */
  readonly share: number;
  readonly splits: number;
}

/** Gain importances (XGBoost's total_gain), most important first. */
export function featureImportances(model: Pick<BoostedRanker, "names" | "trees">): FeatureImportance[] {
  const gain = new Float64Array(model.names.length);
  const splits = new Int32Array(model.names.length);
  for (const tree of model.trees) {
    tree.feature.forEach((f, node) => {
      if (f < 0) return;
      gain[f] += tree.gain[node];
      splits[f]++;
    });
  }
  const total = gain.reduce((a, b) => a + b, 0);
  return model.names
    .map((feature, j) => ({ feature, gain: gain[j], share: total > 0 ? gain[j] / total : 0, splits: splits[j] }))
    .sort((a, b) => b.gain - a.gain || (a.feature < b.feature ? -1 : 1));
}

/** Writes a boosted ranker as JSON (atomically). */
export function saveRanker(model: BoostedRanker, file: string): void {
  writeFileAtomic(file, JSON.stringify(model));
}

/** Reads a boosted ranker written by `saveRanker`, checking its format and trees. */
export function loadRanker(file: string): BoostedRanker {
  let model: BoostedRanker;
  try {
    model = JSON.parse(readFileSync(file, "utf8")) as BoostedRanker;
  } catch (error) {
    throw new Error(`loadRanker: ${file} is not a readable JSON file (${(error as Error).message}).`);
  }
  if (model?.format !== GBDT_FORMAT) throw new Error(`loadRanker: ${file} has format ${JSON.stringify(model?.format)}, expected "${GBDT_FORMAT}".`);
  if (typeof model.version !== "string" || !Array.isArray(model.names) || !Array.isArray(model.trees)) throw new Error(`loadRanker: ${file} lacks its version, names or trees.`);
  model.trees.forEach((t: RegressionTree, k: number) => {
    const n = t.feature?.length;
    if (![t.threshold, t.left, t.right, t.value, t.gain].every((a) => Array.isArray(a) && a.length === n)) throw new Error(`loadRanker: ${file}: tree ${k}'s arrays differ in length.`);
    t.feature.forEach((f, node) => {
      if (f >= model.names.length) throw new Error(`loadRanker: ${file}: tree ${k}, node ${node} splits on feature ${f}, but the model has ${model.names.length} features.`);
    });
  });
  return model;
}
