/**
 * Regression trees fitted to gradients and hessians: the weak learner of gradient boosting
 * (pointwise GBRT and LambdaMART, chapter 4). Written by hand as the lesson.
 *
 * - Input: a dense row-major feature matrix (`values[i * columns + j]`), pre-binned once by
 *   `binFeatures` into quantile bins (at most `maxBins` per column; `maxBins: Infinity` gives one
 *   bin per distinct value, which is exact split finding). A split "x <= t" uses a threshold t
 *   that is a value of the column, so the binned training partition and the float prediction agree.
 * - Second order (Newton) fitting, as XGBoost and LambdaMART with Newton steps do: each row has a
 *   gradient g and a hessian h of the loss with respect to its score. A leaf's value is
 *   -G / (H + lambda) (G, H: sums over the leaf's rows), and a split's gain is
 *   G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - G^2 / (H + lambda) (the loss reduction,
 *   up to a factor 1/2, XGBoost's "gain"). Least squares is the special case g = prediction - y,
 *   h = 1: the leaf value is the mean residual (shrunk by lambda).
 * - Growth is best-first: the leaf with the largest gain is split next, until `maxLeaves`, no
 *   leaf under `maxDepth`, or no split with gain above `minGain` that leaves `minSamplesLeaf`
 *   rows and `minHessian` hessian on each side. With the default `maxLeaves` (2^maxDepth) this
 *   grows the same tree as level-by-level growth.
 * - Deterministic: ties between splits go to the lower feature, then the lower threshold; ties
 *   between leaves to the one created first. Nothing is sampled.
 */

/** A dense feature matrix, row-major. */
export interface FeatureMatrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

/** A feature matrix mapped to quantile bins, computed once per training set. */
export interface BinnedFeatures {
  readonly rows: number;
  readonly columns: number;
  /** `bins[i * columns + j]`: the bin of row i's feature j. */
  readonly bins: Uint16Array;
  /** Per column, each bin's upper edge (a value of the column, increasing); bin b holds edges[b-1] < x <= edges[b]. */
  readonly edges: readonly Float32Array[];
}

export interface BinningOptions {
  /** Bins per column (2..65535), or Infinity for one per distinct value (exact splits). Default 256. */
  readonly maxBins?: number;
}

export interface TreeOptions {
  /** Deepest level a split may create (the root is depth 0). Default 6. */
  readonly maxDepth?: number;
  /** Most leaves. Default 2^maxDepth. */
  readonly maxLeaves?: number;
  /** Fewest rows in each child of a split. Default 1. */
  readonly minSamplesLeaf?: number;
  /** Smallest hessian sum in each child (XGBoost's min_child_weight). Default 1e-3. */
  readonly minHessian?: number;
  /** L2 penalty on leaf values (XGBoost's lambda). Default 1. */
  readonly lambda?: number;
  /** Smallest gain worth a split (XGBoost's gamma). Default 0 (any positive gain). */
  readonly minGain?: number;
}

/** A fitted tree as flat arrays (node 0 is the root; a leaf has feature -1). JSON-safe. */
export interface RegressionTree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  /** The leaf value (unused on inner nodes, where it is the node's own Newton value). */
  readonly value: number[];
  /** The split's gain (0 on leaves). */
  readonly gain: number[];
}

function checkMatrix(matrix: FeatureMatrix, where: string): void {
  const { values, rows, columns } = matrix;
  if (!(values instanceof Float32Array)) throw new Error(`${where}: expected the feature values as a Float32Array, got ${Object.prototype.toString.call(values)}.`);
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(columns) || columns < 1) throw new Error(`${where}: expected integer rows >= 0 and columns >= 1, got rows ${rows} and columns ${columns}.`);
  if (values.length !== rows * columns) throw new Error(`${where}: ${rows} rows x ${columns} columns need ${rows * columns} values, got ${values.length}.`);
}

/** Quantile bins of every column: cut points among the column's distinct values, by row count. */
export function binFeatures(matrix: FeatureMatrix, options: BinningOptions = {}): BinnedFeatures {
  checkMatrix(matrix, "binFeatures");
  const maxBins = options.maxBins ?? 256;
  if (!(maxBins === Infinity || (Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= 65535))) throw new Error(`binFeatures: maxBins must be an integer in 2..65535 or Infinity, got ${maxBins}.`);
  const { values, rows, columns } = matrix;
  const bins = new Uint16Array(rows * columns);
  const edges: Float32Array[] = [];
  const column = new Float32Array(rows);
  for (let j = 0; j < columns; j++) {
    for (let i = 0; i < rows; i++) {
      const x = values[i * columns + j];
      if (Number.isNaN(x)) throw new Error(`binFeatures: row ${i}, column ${j} is NaN; expected a number (fill missing features first).`);
      column[i] = x;
    }
    const sorted = column.slice().sort();
    // Distinct values and how many rows hold each.
    const distinct: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
      else {
        distinct.push(sorted[i]);
        counts.push(1);
      }
    }
    let cut: number[];
    if (distinct.length <= maxBins) cut = distinct;
    else {
      // Close a bin once it holds its share of the rows, so that bins hold similar row counts.
      cut = [];
      let seen = 0;
      for (let d = 0; d < distinct.length; d++) {
        seen += counts[d];
        if (seen >= ((cut.length + 1) * rows) / maxBins || d === distinct.length - 1) cut.push(distinct[d]);
        if (cut.length === maxBins - 1 && d < distinct.length - 1) {
          cut.push(distinct[distinct.length - 1]);
          break;
        }
      }
    }
    if (cut.length > 65535) throw new Error(`binFeatures: column ${j} has ${cut.length} distinct values; at most 65535 bins fit (set maxBins).`);
    const e = Float32Array.from(cut);
    edges.push(e);
    for (let i = 0; i < rows; i++) {
      // The first edge >= x.
      const x = column[i];
      let lo = 0;
      let hi = e.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      bins[i * columns + j] = lo;
    }
  }
  return { rows, columns, bins, edges };
}

interface Split {
  readonly feature: number;
  readonly bin: number;
  readonly gain: number;
}

interface Leaf {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly split: Split | null;
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) throw new Error(`fitTree: ${name} must be an integer >= ${min}, got ${value}.`);
  return value;
}

/**
 * Fits one tree to per-row gradients and hessians (the rows of `binned`, or only `rowSubset`).
 * Leaf values are Newton steps -G / (H + lambda); see the module comment.
 */
export function fitTree(binned: BinnedFeatures, gradients: Float64Array, hessians: Float64Array, options: TreeOptions = {}, rowSubset?: Int32Array): RegressionTree {
  const maxDepth = positiveInteger(options.maxDepth ?? 6, "maxDepth", 0);
  const maxLeaves = positiveInteger(options.maxLeaves ?? 2 ** Math.min(maxDepth, 30), "maxLeaves", 1);
  const minSamplesLeaf = positiveInteger(options.minSamplesLeaf ?? 1, "minSamplesLeaf", 1);
  const minHessian = options.minHessian ?? 1e-3;
  const lambda = options.lambda ?? 1;
  const minGain = options.minGain ?? 0;
  if (!(minHessian >= 0)) throw new Error(`fitTree: minHessian must be >= 0, got ${minHessian}.`);
  if (!(lambda >= 0)) throw new Error(`fitTree: lambda must be >= 0, got ${lambda}.`);
  if (!(minGain >= 0)) throw new Error(`fitTree: minGain must be >= 0, got ${minGain}.`);
  const { rows, columns, bins, edges } = binned;
  if (gradients.length !== rows || hessians.length !== rows) throw new Error(`fitTree: expected ${rows} gradients and hessians (one per row), got ${gradients.length} and ${hessians.length}.`);
  const index = rowSubset ? Int32Array.from(rowSubset) : Int32Array.from({ length: rows }, (_, i) => i);
  const scratch = new Int32Array(index.length);
  let maxBin = 1;
  for (const e of edges) maxBin = Math.max(maxBin, e.length);
  const histG = new Float64Array(columns * maxBin);
  const histH = new Float64Array(columns * maxBin);
  const histN = new Int32Array(columns * maxBin);

  const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[], gain: [] as number[] };
  const newNode = (g: number, h: number): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(h + lambda > 0 ? 0 - g / (h + lambda) : 0); // 0 - x, not -x: no -0 in saved models
    tree.gain.push(0);
    return tree.feature.length - 1;
  };
  const sums = (start: number, end: number): [number, number] => {
    let g = 0;
    let h = 0;
    for (let r = start; r < end; r++) {
      g += gradients[index[r]];
      h += hessians[index[r]];
    }
    return [g, h];
  };
  const score = (g: number, h: number): number => (h + lambda > 0 ? (g * g) / (h + lambda) : 0);

  const bestSplit = (start: number, end: number, depth: number): Split | null => {
    if (depth >= maxDepth || end - start < 2 * minSamplesLeaf) return null;
    histG.fill(0);
    histH.fill(0);
    histN.fill(0);
    let G = 0;
    let H = 0;
    for (let r = start; r < end; r++) {
      const i = index[r];
      const g = gradients[i];
      const h = hessians[i];
      G += g;
      H += h;
      const base = i * columns;
      for (let j = 0; j < columns; j++) {
        const k = j * maxBin + bins[base + j];
        histG[k] += g;
        histH[k] += h;
        histN[k]++;
      }
    }
    const parent = score(G, H);
    const n = end - start;
    let best: Split | null = null;
    for (let j = 0; j < columns; j++) {
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b < edges[j].length - 1; b++) {
        const k = j * maxBin + b;
        gl += histG[k];
        hl += histH[k];
        nl += histN[k];
        if (histN[k] === 0) continue;
        if (nl < minSamplesLeaf) continue;
        if (n - nl < minSamplesLeaf) break;
        if (hl < minHessian || H - hl < minHessian) continue;
        const gain = score(gl, hl) + score(G - gl, H - hl) - parent;
        if (gain > minGain && (best === null || gain > best.gain)) best = { feature: j, bin: b, gain };
      }
    }
    return best;
  };

  const [g0, h0] = sums(0, index.length);
  const leaves: Leaf[] = [{ node: newNode(g0, h0), start: 0, end: index.length, depth: 0, split: bestSplit(0, index.length, 0) }];
  let leafCount = 1;
  while (leafCount < maxLeaves) {
    let pick = -1;
    for (let l = 0; l < leaves.length; l++) {
      const s = leaves[l].split;
      if (s && (pick < 0 || s.gain > (leaves[pick].split as Split).gain)) pick = l;
    }
    if (pick < 0) break;
    const leaf = leaves[pick];
    const split = leaf.split as Split;
    // Stable partition: rows with bin <= split.bin first, each side in its old order.
    let nl = 0;
    let nr = 0;
    for (let r = leaf.start; r < leaf.end; r++) {
      const i = index[r];
      if (bins[i * columns + split.feature] <= split.bin) index[leaf.start + nl++] = i;
      else scratch[nr++] = i;
    }
    index.set(scratch.subarray(0, nr), leaf.start + nl);
    const mid = leaf.start + nl;
    const [gl, hl] = sums(leaf.start, mid);
    const [gr, hr] = sums(mid, leaf.end);
    const left = newNode(gl, hl);
    const right = newNode(gr, hr);
    tree.feature[leaf.node] = split.feature;
    tree.threshold[leaf.node] = edges[split.feature][split.bin];
    tree.left[leaf.node] = left;
    tree.right[leaf.node] = right;
    tree.gain[leaf.node] = split.gain;
    leaves.splice(
      pick,
      1,
      { node: left, start: leaf.start, end: mid, depth: leaf.depth + 1, split: bestSplit(leaf.start, mid, leaf.depth + 1) },
      { node: right, start: mid, end: leaf.end, depth: leaf.depth + 1, split: bestSplit(mid, leaf.end, leaf.depth + 1) }
    );
    leafCount++;
  }
  return tree;
}

/** The tree's value for row `row` of a row-major matrix with `columns` columns. */
export function predictTree(tree: RegressionTree, values: Float32Array, row: number, columns: number): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = values[row * columns + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  return tree.value[node];
}

/** The number of leaves of a tree. */
export function treeLeaves(tree: RegressionTree): number {
  return tree.feature.filter((f) => f < 0).length;
}

/**
 * A least-squares regression tree fitted to targets y (and optional row weights): the Newton tree
 * of g = -w y, h = w from a zero prediction, so each leaf holds the weighted mean of its targets
 * (shrunk towards 0 by lambda, default 0 here).
 */
export function fitRegressionTree(matrix: FeatureMatrix, targets: ArrayLike<number>, options: TreeOptions & BinningOptions & { readonly weights?: ArrayLike<number> } = {}): RegressionTree {
  checkMatrix(matrix, "fitRegressionTree");
  if (targets.length !== matrix.rows) throw new Error(`fitRegressionTree: expected ${matrix.rows} targets (one per row), got ${targets.length}.`);
  const g = new Float64Array(matrix.rows);
  const h = new Float64Array(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) {
    const w = options.weights ? options.weights[i] : 1;
    g[i] = -w * targets[i];
    h[i] = w;
  }
  return fitTree(binFeatures(matrix, options), g, h, { lambda: 0, ...options });
}
