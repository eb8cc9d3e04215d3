/**
 * The contrastive loss of a bi-encoder, InfoNCE with in-batch negatives (van den Oord et al.
 * 2018; Karpukhin et al. 2020, "Dense passage retrieval"): query i's positive is product i, and
 * every other product of the batch (plus any extra hard-negative rows) is a negative. The scores
 * are the dot products over a temperature, s_ij = q_i . p_j / tau, and the loss is the
 * cross-entropy of each row against its diagonal:
 *
 *   L = -1/B sum_i log( exp(s_ii) / sum_j exp(s_ij) ).
 *
 * Symmetric: the mean of that and the product -> query direction (each product picks its query
 * among the batch's queries; hard negatives take no part there, as in CLIP). A mask leaves out
 * columns that are known positives of the row's query too (the same product twice in a batch):
 * a false negative would push a right answer away.
 */
import * as tf from "@tensorflow/tfjs";
import { sparseCrossEntropy } from "../model/fused";

export interface InfoNceOptions {
  /** tau > 0; the scores are divided by it (a learned one is passed as a scalar tensor). */
  readonly temperature: number | tf.Scalar;
  /** Extra negative products [H, d]: H more columns for every query. */
  readonly hardNegatives?: tf.Tensor2D;
  /** Average with the product -> query direction. Default false. */
  readonly symmetric?: boolean;
  /**
   * Columns to leave out, row-major [B, B + H] (1 = leave out): known positives of row i other
   * than its own. The diagonal is never left out.
   */
  readonly exclude?: Uint8Array;
}

function checkTemperature(t: number, what: string): void {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`${what}: temperature must be a finite number > 0, got ${t}.`);
}

function checkExclude(exclude: Uint8Array | undefined, rows: number, columns: number, what: string): void {
  if (!exclude) return;
  if (exclude.length !== rows * columns) throw new Error(`${what}: exclude has ${exclude.length} entries, expected ${rows} x ${columns} = ${rows * columns}.`);
  for (let i = 0; i < rows; i++) if (exclude[i * columns + i]) throw new Error(`${what}: exclude leaves out row ${i}'s own positive (column ${i}).`);
}

// A large negative rather than -Infinity: exp() of it is exactly 0 in float32 and its gradient stays finite.
const LEFT_OUT = -1e9;

/** InfoNCE of queries [B, d] against their positives [B, d] (row i matches row i), a scalar. */
export function infoNceLoss(queries: tf.Tensor2D, positives: tf.Tensor2D, options: InfoNceOptions): tf.Scalar {
  const what = "infoNceLoss";
  if (queries.rank !== 2 || positives.rank !== 2) throw new Error(`${what}: queries and positives must be [batch, dim], got [${queries.shape}] and [${positives.shape}].`);
  const [b, d] = queries.shape;
  if (positives.shape[0] !== b || positives.shape[1] !== d) throw new Error(`${what}: positives [${positives.shape}] must match queries [${queries.shape}].`);
  if (b < 1) throw new Error(`${what}: the batch is empty.`);
  const hn = options.hardNegatives;
  if (hn && (hn.rank !== 2 || hn.shape[1] !== d)) throw new Error(`${what}: hardNegatives must be [H, ${d}], got [${hn.shape}].`);
  if (typeof options.temperature === "number") checkTemperature(options.temperature, what);
  const columns = b + (hn ? hn.shape[0] : 0);
  checkExclude(options.exclude, b, columns, what);
  const labels = Int32Array.from({ length: b }, (_, i) => i);
  return tf.tidy(() => {
    const products = hn ? tf.concat([positives, hn], 0) : positives;
    // An explicit transpose then a plain matMul: transposeB is 10-20x slower on wasm (ENVIRONMENT.md).
    let scores = tf.matMul(queries, tf.transpose(products)).div(options.temperature) as tf.Tensor2D;
    if (options.exclude) scores = scores.add(tf.tensor2d(Float32Array.from(options.exclude, (x) => (x ? LEFT_OUT : 0)), [b, columns]));
    const y = tf.tensor1d(labels, "int32");
    const forward = sparseCrossEntropy(scores, y).mean() as tf.Scalar;
    if (!options.symmetric) return forward;
    const square = hn ? (tf.slice(scores, [0, 0], [b, b]) as tf.Tensor2D) : scores;
    const backward = sparseCrossEntropy(tf.transpose(square) as tf.Tensor2D, y).mean();
    return forward.add(backward).div(2) as tf.Scalar;
  });
}

function logSoftmaxAt(row: readonly number[], at: number, skip: (j: number) => boolean): number {
  let max = -Infinity;
  row.forEach((s, j) => {
    if (!skip(j) && s > max) max = s;
  });
  let sum = 0;
  row.forEach((s, j) => {
    if (!skip(j)) sum += Math.exp(s - max);
  });
  return row[at] - max - Math.log(sum);
}

/**
 * The same loss on plain numbers (the exercise's version, and a check on the tensor one):
 * vectors as rows, the temperature a number; exclude as a [B][B + H] array of booleans.
 */
export function infoNce(
  queries: readonly (readonly number[])[],
  positives: readonly (readonly number[])[],
  temperature: number,
  options: { readonly hardNegatives?: readonly (readonly number[])[]; readonly symmetric?: boolean; readonly exclude?: readonly (readonly boolean[])[] } = {}
): number {
  const what = "infoNce";
  checkTemperature(temperature, what);
  const b = queries.length;
  if (b < 1) throw new Error(`${what}: no queries.`);
  if (positives.length !== b) throw new Error(`${what}: ${b} queries but ${positives.length} positives (one per query).`);
  const products = [...positives, ...(options.hardNegatives ?? [])];
  const d = queries[0].length;
  const check = (v: readonly number[], name: string): void => {
    if (v.length !== d) throw new Error(`${what}: ${name} has ${v.length} dimensions, queries[0] has ${d}.`);
  };
  queries.forEach((q, i) => check(q, `queries[${i}]`));
  products.forEach((p, j) => check(p, j < b ? `positives[${j}]` : `hardNegatives[${j - b}]`));
  const dot = (a: readonly number[], c: readonly number[]): number => a.reduce((s, x, k) => s + x * c[k], 0);
  const scores = queries.map((q) => products.map((p) => dot(q, p) / temperature));
  const ex = options.exclude;
  if (ex) checkExclude(Uint8Array.from(ex.flatMap((r) => r.map((x) => (x ? 1 : 0)))), b, products.length, what);
  const left = (i: number, j: number): boolean => Boolean(ex?.[i]?.[j]) && i !== j;
  let forward = 0;
  for (let i = 0; i < b; i++) forward -= logSoftmaxAt(scores[i], i, (j) => left(i, j));
  forward /= b;
  if (!options.symmetric) return forward;
  let backward = 0;
  for (let j = 0; j < b; j++) {
    const column = scores.slice(0, b).map((row) => row[j]);
    backward -= logSoftmaxAt(column, j, (i) => left(i, j));
  }
  return (forward + backward / b) / 2;
}
