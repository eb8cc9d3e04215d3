/**
 * RankNet (Burges et al. 2005), the pairwise learned ranker, in plain math (no tensor library: the
 * model is tiny and the lesson is the gradient).
 *
 * Scorer: linear, s(x) = w . z, or a one-hidden-layer MLP, s(x) = v . tanh(W z + b), on the
 * standardised features z = (x - mean) / sd (mean and sd of the training rows, kept in the model).
 * Loss: for every pair (i, j) of one query with label_i > label_j,
 *   weight_i * log(1 + exp(-sigma (s_i - s_j))),
 * averaged over the pairs' total weight; weight_i is the more relevant (clicked) document's row
 * weight (1 by default; inverse propensity weights for clicks, as in lambdamart.ts). The gradient
 * is computed per document first (the "lambda" factorisation: dL/ds_i summed over i's pairs), then
 * back through the scorer once per document. Trained with Adam on mini-batches of queries in a
 * seeded order.
 */
import { Rng, type Seed } from "../core/random";
import { checkFeatureVersion, type FeatureRows } from "./features";
import { meanDatasetNdcg, type RankingDataset } from "./ranking-dataset";

export const RANKNET_FORMAT = "shoplm-ranknet";

export interface RankNetModel {
  readonly format: typeof RANKNET_FORMAT;
  readonly version: string;
  readonly names: readonly string[];
  /** Hidden units; 0 for the linear scorer. */
  readonly hidden: number;
  readonly mean: readonly number[];
  readonly sd: readonly number[];
  /** Linear: w (columns). MLP: W (hidden x columns, row-major), then b (hidden), then v (hidden). */
  readonly params: readonly number[];
  readonly sigma: number;
  /** Mean training loss per epoch. */
  readonly losses: readonly number[];
  readonly validationNdcg: readonly number[];
}

export interface RankNetOptions {
  /** Hidden units of the MLP; 0 for a linear scorer. Default 16. */
  readonly hidden?: number;
  /** Default 30. */
  readonly epochs?: number;
  /** Adam's step size. Default 0.01. */
  readonly learningRate?: number;
  /** Queries per step. Default 32. */
  readonly batchQueries?: number;
  /** The logistic's steepness. Default 1. */
  readonly sigma?: number;
  /** L2 penalty on the parameters. Default 1e-4. */
  readonly l2?: number;
  /** Seed of the initial weights and the query order. Default 0. */
  readonly seed?: Seed;
  /** A held-out dataset scored after each epoch (NDCG@10, exponential gain); the best epoch's parameters are kept. */
  readonly validation?: RankingDataset;
  readonly onEpoch?: (epoch: number, loss: number, validationNdcg: number | null) => void;
}

/** The shape of a scorer: how many parameters and how to read them. */
interface Shape {
  readonly columns: number;
  readonly hidden: number;
}

function parameterCount(shape: Shape): number {
  return shape.hidden === 0 ? shape.columns : shape.hidden * (shape.columns + 2);
}

/** Scores standardised rows z (rows x columns); with `hiddenOut`, keeps tanh activations for the backward pass. */
function forward(shape: Shape, params: ArrayLike<number>, z: Float64Array, rows: number, hiddenOut?: Float64Array): Float64Array {
  const { columns: C, hidden: H } = shape;
  const s = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    if (H === 0) {
      let acc = 0;
      for (let j = 0; j < C; j++) acc += params[j] * z[i * C + j];
      s[i] = acc;
      continue;
    }
    let acc = 0;
    for (let u = 0; u < H; u++) {
      let pre = params[H * C + u];
      for (let j = 0; j < C; j++) pre += params[u * C + j] * z[i * C + j];
      const a = Math.tanh(pre);
      if (hiddenOut) hiddenOut[i * H + u] = a;
      acc += params[H * C + H + u] * a;
    }
    s[i] = acc;
  }
  return s;
}

/** Per-document dL/ds of the pairwise logistic loss of one query (rows a..b), added into ds; returns the loss and the pairs' weight. */
function pairLoss(labels: Float32Array, weights: Float32Array | null, s: Float64Array, offset: number, n: number, sigma: number, ds: Float64Array): [number, number] {
  let loss = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!(labels[offset + i] > labels[offset + j])) continue;
      const w = weights ? weights[offset + i] : 1;
      const x = sigma * (s[i] - s[j]);
      // log(1 + exp(-x)), stable for large |x|.
      loss += w * (x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x)));
      const rho = 1 / (1 + Math.exp(x));
      ds[i] -= w * sigma * rho;
      ds[j] += w * sigma * rho;
      total += w;
    }
  }
  return [loss, total];
}

/** Adds the gradient of sum_i ds_i * s_i with respect to the parameters into grad. */
function backward(shape: Shape, params: ArrayLike<number>, z: Float64Array, rows: number, hidden: Float64Array, ds: Float64Array, grad: Float64Array): void {
  const { columns: C, hidden: H } = shape;
  for (let i = 0; i < rows; i++) {
    const d = ds[i];
    if (d === 0) continue;
    if (H === 0) {
      for (let j = 0; j < C; j++) grad[j] += d * z[i * C + j];
      continue;
    }
    for (let u = 0; u < H; u++) {
      const a = hidden[i * H + u];
      grad[H * C + H + u] += d * a;
      const dpre = d * params[H * C + H + u] * (1 - a * a);
      grad[H * C + u] += dpre;
      for (let j = 0; j < C; j++) grad[u * C + j] += dpre * z[i * C + j];
    }
  }
}

function standardised(data: RankingDataset, mean: readonly number[], sd: readonly number[], from: number, to: number): Float64Array {
  const C = data.columns;
  const z = new Float64Array((to - from) * C);
  for (let i = from; i < to; i++) for (let j = 0; j < C; j++) z[(i - from) * C + j] = (data.values[i * C + j] - mean[j]) / sd[j];
  return z;
}

/**
 * The RankNet loss (mean over pair weight, plus l2/2 |params|^2) of some queries and its gradient
 * with respect to the parameters. Exposed for the numerical gradient check and the exercise.
 */
export function rankNetLoss(
  model: Pick<RankNetModel, "hidden" | "mean" | "sd" | "sigma">,
  params: ArrayLike<number>,
  data: RankingDataset,
  queries: ArrayLike<number> = Array.from({ length: data.queryIds.length }, (_, q) => q),
  l2 = 0
): { loss: number; gradient: Float64Array } {
  const shape = { columns: data.columns, hidden: model.hidden };
  const grad = new Float64Array(parameterCount(shape));
  if (params.length !== grad.length) throw new Error(`rankNetLoss: expected ${grad.length} parameters for ${model.hidden} hidden units and ${data.columns} columns, got ${params.length}.`);
  let loss = 0;
  let total = 0;
  const perQuery: { z: Float64Array; hidden: Float64Array; ds: Float64Array; n: number }[] = [];
  for (let k = 0; k < queries.length; k++) {
    const q = queries[k];
    const a = data.groupStarts[q];
    const n = data.groupStarts[q + 1] - a;
    const z = standardised(data, model.mean, model.sd, a, a + n);
    const hidden = new Float64Array(n * model.hidden);
    const s = forward(shape, params, z, n, hidden);
    const ds = new Float64Array(n);
    const [l, w] = pairLoss(data.labels, data.weights, s, a, n, model.sigma, ds);
    loss += l;
    total += w;
    perQuery.push({ z, hidden, ds, n });
  }
  const scale = total > 0 ? 1 / total : 0;
  for (const { z, hidden, ds, n } of perQuery) {
    for (let i = 0; i < n; i++) ds[i] *= scale;
    backward(shape, params, z, n, hidden, ds, grad);
  }
  let penalty = 0;
  for (let p = 0; p < grad.length; p++) {
    penalty += 0.5 * l2 * params[p] * params[p];
    grad[p] += l2 * params[p];
  }
  return { loss: loss * scale + penalty, gradient: grad };
}

/** Trains a RankNet (linear or MLP) on a ranking dataset; see the module comment. */
export function trainRankNet(data: RankingDataset, options: RankNetOptions = {}): RankNetModel {
  const hidden = options.hidden ?? 16;
  const epochs = options.epochs ?? 30;
  const lr = options.learningRate ?? 0.01;
  const batchQueries = options.batchQueries ?? 32;
  const sigma = options.sigma ?? 1;
  const l2 = options.l2 ?? 1e-4;
  for (const [name, v, min] of [["hidden", hidden, 0], ["epochs", epochs, 1], ["batchQueries", batchQueries, 1]] as const) {
    if (!(Number.isInteger(v) && v >= min)) throw new Error(`trainRankNet: ${name} must be an integer >= ${min}, got ${v}.`);
  }
  if (!(lr > 0) || !(sigma > 0) || !(l2 >= 0)) throw new Error(`trainRankNet: expected learningRate > 0, sigma > 0 and l2 >= 0, got ${lr}, ${sigma} and ${l2}.`);
  const C = data.columns;
  const mean = new Array<number>(C).fill(0);
  const sd = new Array<number>(C).fill(0);
  for (let i = 0; i < data.rows; i++) for (let j = 0; j < C; j++) mean[j] += data.values[i * C + j] / data.rows;
  for (let i = 0; i < data.rows; i++) for (let j = 0; j < C; j++) sd[j] += (data.values[i * C + j] - mean[j]) ** 2 / data.rows;
  for (let j = 0; j < C; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const shape = { columns: C, hidden };
  const rng = new Rng(options.seed ?? 0);
  const P = parameterCount(shape);
  const params = new Float64Array(P);
  // Xavier-style init for W and v; biases 0. The linear scorer starts at 0 (convex loss).
  if (hidden > 0) {
    for (let p = 0; p < hidden * C; p++) params[p] = rng.normal(0, 1 / Math.sqrt(C));
    for (let u = 0; u < hidden; u++) params[hidden * C + hidden + u] = rng.normal(0, 1 / Math.sqrt(hidden));
  }
  const m = new Float64Array(P);
  const v = new Float64Array(P);
  const model = { hidden, mean, sd, sigma };
  const losses: number[] = [];
  const history: number[] = [];
  let best = -Infinity;
  let bestParams = Float64Array.from(params);
  let step = 0;
  const order = Array.from({ length: data.queryIds.length }, (_, q) => q);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    let epochLoss = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += batchQueries) {
      const { loss, gradient } = rankNetLoss(model, params, data, order.slice(start, start + batchQueries), l2);
      step++;
      for (let p = 0; p < P; p++) {
        m[p] = 0.9 * m[p] + 0.1 * gradient[p];
        v[p] = 0.999 * v[p] + 0.001 * gradient[p] * gradient[p];
        params[p] -= (lr * (m[p] / (1 - 0.9 ** step))) / (Math.sqrt(v[p] / (1 - 0.999 ** step)) + 1e-8);
      }
      epochLoss += loss;
      batches++;
    }
    losses.push(epochLoss / Math.max(1, batches));
    let metric: number | null = null;
    if (options.validation) {
      metric = meanDatasetNdcg(options.validation, rankNetScores({ ...model, params: Array.from(params), names: data.names }, options.validation.values, options.validation.rows));
      history.push(metric);
      if (metric > best) {
        best = metric;
        bestParams = Float64Array.from(params);
      }
    }
    options.onEpoch?.(epoch, losses[losses.length - 1], metric);
  }
  const kept = options.validation ? bestParams : params;
  return { format: RANKNET_FORMAT, version: data.version, names: data.names, hidden, mean, sd, params: Array.from(kept), sigma, losses, validationNdcg: history };
}

/** Scores raw rows (rows x names.length, row-major) with a RankNet (no version check: see `scoreRankNetRows`). */
export function rankNetScores(model: Pick<RankNetModel, "hidden" | "mean" | "sd" | "params" | "names">, values: Float32Array, rows: number): Float64Array {
  const C = model.names.length;
  if (values.length !== rows * C) throw new Error(`rankNetScores: ${rows} rows of ${C} columns need ${rows * C} values, got ${values.length}.`);
  const z = new Float64Array(rows * C);
  for (let i = 0; i < rows; i++) for (let j = 0; j < C; j++) z[i * C + j] = (values[i * C + j] - model.mean[j]) / model.sd[j];
  return forward({ columns: C, hidden: model.hidden }, model.params, z, rows);
}

/** Scores feature rows (from `features()`) with a RankNet; refuses rows of another feature version. */
export function scoreRankNetRows(model: RankNetModel, rows: Pick<FeatureRows, "version" | "names" | "values">): Float64Array {
  checkFeatureVersion(rows, model.version);
  return rankNetScores(model, rows.values, rows.values.length / model.names.length);
}
