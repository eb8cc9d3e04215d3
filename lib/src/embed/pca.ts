/**
 * Principal component analysis, written out: centre the rows, form the covariance matrix
 * (divided by n - 1, as scikit-learn does), and find its leading eigenvectors one at a time by
 * power iteration, deflating the matrix after each (and, each step, removing the earlier
 * components from the iterate, so rounding cannot pull it back). The start vector comes from a seed, and
 * each component's sign is fixed so that its largest-magnitude entry is positive, so the picture
 * is the same on every run and every machine. Arithmetic is in float64.
 *
 * Power iteration converges at the rate lambda_{k+1} / lambda_k; components whose eigenvalues
 * are (nearly) equal converge slowly and are then only defined up to a rotation. `converged`
 * says, per component, whether the tolerance was met within `maxIterations`.
 */
import { Rng } from "../core/random";

/** A row-major matrix: `count` rows of `dimension` numbers (an `EmbeddingMatrix` is one). */
export interface RowMatrix {
  readonly vectors: ArrayLike<number>;
  readonly count: number;
  readonly dimension: number;
}

export interface PcaOptions {
  /** Number of components (default 2). */
  readonly components?: number;
  /** Seed of the power iteration's start vectors (default 0). */
  readonly seed?: number;
  /** Iteration cap per component (default 10,000). */
  readonly maxIterations?: number;
  /** Stop when no entry of the unit vector moves more than this in one iteration (default 1e-12). */
  readonly tolerance?: number;
}

export interface PcaResult {
  readonly count: number;
  readonly dimension: number;
  /** The column means subtracted before projecting. */
  readonly mean: Float64Array;
  /** Unit-length principal axes, strongest first. */
  readonly components: Float64Array[];
  /** Variance along each component (eigenvalues of the covariance, n - 1 denominator). */
  readonly explainedVariance: number[];
  /** Each component's share of the total variance (the covariance's trace). */
  readonly explainedVarianceRatio: number[];
  /** The rows' coordinates, row-major [count, components]: (x - mean) . component. */
  readonly coordinates: Float64Array;
  readonly iterations: number[];
  readonly converged: boolean[];
}

function checkMatrix(what: string, m: RowMatrix): void {
  if (m === null || typeof m !== "object" || m.vectors === undefined) {
    throw new Error(`${what}: expected a matrix { vectors, count, dimension }; found ${m === null ? "null" : typeof m}.`);
  }
  const { count, dimension } = m;
  if (!(Number.isInteger(count) && count >= 0 && Number.isInteger(dimension) && dimension > 0)) {
    throw new Error(`${what}: expected a non-negative integer count and a positive integer dimension; found count ${count}, dimension ${dimension}.`);
  }
  if (m.vectors.length !== count * dimension) {
    throw new Error(`${what}: ${count} rows of ${dimension} need ${count * dimension} values; found ${m.vectors.length}.`);
  }
  for (let i = 0; i < m.vectors.length; i++) {
    if (!Number.isFinite(m.vectors[i])) {
      throw new Error(`${what}: row ${Math.floor(i / dimension)}, column ${i % dimension} is ${m.vectors[i]}; expected finite numbers.`);
    }
  }
}

/** Column means and the covariance matrix (d x d, row-major, n - 1 denominator). */
function covariance(m: RowMatrix): { mean: Float64Array; cov: Float64Array } {
  const { vectors: x, count: n, dimension: d } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) r[j] = x[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = r[a];
      if (ra === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b] += ra * r[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, cov };
}

function matVec(a: Float64Array, v: Float64Array, out: Float64Array): void {
  const d = v.length;
  for (let i = 0; i < d; i++) {
    let s = 0;
    const base = i * d;
    for (let j = 0; j < d; j++) s += a[base + j] * v[j];
    out[i] = s;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** v minus its projections on the earlier components, scaled to unit length; false when nothing is left. */
function orthonormalize(v: Float64Array, basis: readonly Float64Array[]): boolean {
  for (const u of basis) {
    const p = dot(v, u);
    for (let i = 0; i < v.length; i++) v[i] -= p * u[i];
  }
  const norm = Math.sqrt(dot(v, v));
  if (!(norm > 0)) return false;
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return true;
}

/** The sign convention: the entry of largest magnitude is positive (the first such entry on ties). */
function fixSign(v: Float64Array): void {
  let at = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[at])) at = i;
  if (v[at] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
}

/**
 * PCA of the rows of a matrix (e.g. catalog embeddings) down to `components` dimensions:
 *
 *   const map = pca(embeddings);                 // 2 components
 *   map.coordinates                              // [x0, y0, x1, y1, ...]
 *   map.explainedVarianceRatio                   // [0.21, 0.12]
 */
export function pca(matrix: RowMatrix, options: PcaOptions = {}): PcaResult {
  checkMatrix("pca", matrix);
  const { count: n, dimension: d } = matrix;
  const k = options.components ?? 2;
  if (!(Number.isInteger(k) && k >= 1 && k <= d)) throw new Error(`pca: components must be an integer from 1 to the dimension ${d}; found ${k}.`);
  if (n < 2) throw new Error(`pca: needs at least 2 rows to estimate a variance; found ${n}.`);
  const maxIterations = options.maxIterations ?? 10_000;
  const tolerance = options.tolerance ?? 1e-12;
  const rng = new Rng(options.seed ?? 0);
  const { mean, cov } = covariance(matrix);
  let total = 0;
  for (let j = 0; j < d; j++) total += cov[j * d + j];

  const components: Float64Array[] = [];
  const explainedVariance: number[] = [];
  const iterations: number[] = [];
  const converged: boolean[] = [];
  const w = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    orthonormalize(v, components);
    let it = 0;
    let done = false;
    while (it < maxIterations && !done) {
      it++;
      matVec(cov, v, w);
      if (!orthonormalize(w, components)) {
        done = true; // no variance left outside the earlier components: any orthogonal direction will do
        break;
      }
      let change = 0;
      for (let i = 0; i < d; i++) change = Math.max(change, Math.abs(w[i] - v[i]));
      v.set(w);
      done = change <= tolerance;
    }
    fixSign(v);
    matVec(cov, v, w);
    const lambda = Math.max(0, dot(v, w));
    // Deflate: the next power iteration sees the covariance without this direction.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b];
    components.push(v);
    explainedVariance.push(lambda);
    iterations.push(it);
    converged.push(done);
  }
  const result = {
    count: n,
    dimension: d,
    mean,
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((l) => (total > 0 ? l / total : 0)),
    iterations,
    converged,
  };
  return { ...result, coordinates: pcaProject(result, matrix) };
}

/** Coordinates of (other) rows on a fitted PCA's components, row-major [count, components]. */
export function pcaProject(fit: Pick<PcaResult, "mean" | "components" | "dimension">, matrix: RowMatrix): Float64Array {
  checkMatrix("pcaProject", matrix);
  const d = fit.dimension;
  if (matrix.dimension !== d) throw new Error(`pcaProject: the PCA was fitted on ${d}-dimensional rows; found rows of ${matrix.dimension}.`);
  const k = fit.components.length;
  const out = new Float64Array(matrix.count * k);
  const r = new Float64Array(d);
  for (let i = 0; i < matrix.count; i++) {
    for (let j = 0; j < d; j++) r[j] = matrix.vectors[i * d + j] - fit.mean[j];
    for (let c = 0; c < k; c++) out[i * k + c] = dot(r, fit.components[c]);
  }
  return out;
}
