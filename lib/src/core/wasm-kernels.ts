/**
 * Kernels that make the tfjs wasm backend usable for training.
 *
 * - `UnsortedSegmentSum` (the gradient of `tf.gather`) is missing on wasm: without it an embedding
 *   table cannot be trained at all ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'").
 * - `BatchMatMul` only reaches XNNPACK's fast path for one plain (untransposed) matrix product; with
 *   `transposeA`/`transposeB` (which every matMul gradient uses) or a batch of matrices (attention) it
 *   falls back to a scalar triple loop, 10-20x slower. The wrapper transposes explicitly and runs a
 *   batch as one XNNPACK product per matrix, on views into the same memory (no copies).
 * - `Transpose` of a matrix (or a batch of them) is a naive strided loop that thrashes the cache for
 *   large matrices; here it is done in cache-sized tiles.
 * - `Sum` over leading axes (every bias gradient) transposes first with that slow kernel; here it
 *   adds the rows directly.
 * - `_FusedMatMul` (matmul + bias) gets the same explicit transposes as `BatchMatMul`.
 * - `Identity` (`tf.clone`, used for every tensor the gradient tape saves) copies the data; tensors
 *   are immutable, so here it shares it, as the cpu backend does.
 * Each wrapper hands every case it does not improve to the original kernel, and registering twice
 * is harmless.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * Sum the rows of `x` into `numSegments` buckets given by `segmentIds` (ids outside
 * [0, numSegments) are skipped, as in TensorFlow). Pure, shared by the kernel and its tests.
 */
export function unsortedSegmentSumValues(
  x: NumericArray,
  segmentIds: Int32Array,
  numSegments: number,
  inner: number,
  out: NumericArray
): void {
  out.fill(0);
  for (let i = 0; i < segmentIds.length; i++) {
    const segment = segmentIds[i];
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

/** An index outside [0, rows) is an error naming it, as tfjs's cpu kernel does. */
export function checkGatherIndices(indices: Int32Array, rows: number): void {
  for (let k = 0; k < indices.length; k++) {
    if (!(indices[k] >= 0 && indices[k] < rows)) throw new Error(`GatherV2: the index value ${indices[k]} (position ${k}) is not in [0, ${rows - 1}].`);
  }
}

/**
 * out[k] = row indices[k] of x (rows of `inner` values): a gather along the first axis, of
 * indices already checked (`checkGatherIndices`). Pure, shared by the kernel and its tests.
 */
export function gatherRowsValues(x: NumericArray, indices: Int32Array, inner: number, out: NumericArray): void {
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * inner;
    const dst = k * inner;
    // Short rows (embeddings of 64-128 values) copy fastest in a loop; long ones through set().
    if (inner >= 256) out.set(x.subarray(src, src + inner) as never, dst);
    else for (let j = 0; j < inner; j++) out[dst + j] = x[src + j];
  }
}

// ------------------------------------------------------------------ transpose

/**
 * The same permutation on fewer axes: size-1 axes dropped and axes that stay neighbours in the
 * same order merged ([B,S,H,D] with perm [0,2,3,1] is [B,S,H*D] with perm [0,2,1]).
 */
export function collapseTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  if (shape.length !== perm.length) throw new Error(`transpose: perm [${perm.join(", ")}] does not match shape [${shape.join(", ")}].`);
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Group runs of consecutive input axes in output order.
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === axis - 1) last.push(axis);
    else groups.push([axis]);
  }
  const byInputOrder = groups.slice().sort((a, b) => a[0] - b[0]);
  const newShape = byInputOrder.map((g) => g.reduce((p, axis) => p * shape[axis], 1));
  const newPerm = groups.map((g) => byInputOrder.indexOf(g));
  return { shape: newShape, perm: newPerm };
}

// Tiles of 512 rows x 8 columns, walked in blocks of 4 x 4 held in locals (16 loads, then 16
// stores in four runs of 4): measured 0.7-0.8 ns per element in V8 over the shapes a training step
// transposes, against 1.5-1.7 for one element at a time.
const TILE_ROWS = 512;
const TILE_COLS = 8;

/** out[b, j, i] = x[b, i, j] for `batch` matrices of rows x cols, in cache-sized tiles. */
export function transposeBatched2d(x: NumericArray, batch: number, rows: number, cols: number, out: NumericArray): void {
  const size = rows * cols;
  // The largest multiples of 4: blocks cover [0, rows4) x [0, cols4), single elements the rest.
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let b = 0; b < batch; b++) {
    const base = b * size;
    for (let i0 = 0; i0 < rows4; i0 += TILE_ROWS) {
      const i1 = Math.min(i0 + TILE_ROWS, rows4);
      for (let j0 = 0; j0 < cols4; j0 += TILE_COLS) {
        const j1 = Math.min(j0 + TILE_COLS, cols4);
        for (let i = i0; i < i1; i += 4) {
          for (let j = j0; j < j1; j += 4) {
            const s0 = base + i * cols + j;
            const s1 = s0 + cols;
            const s2 = s1 + cols;
            const s3 = s2 + cols;
            const a0 = x[s0], a1 = x[s0 + 1], a2 = x[s0 + 2], a3 = x[s0 + 3];
            const b0 = x[s1], b1 = x[s1 + 1], b2 = x[s1 + 2], b3 = x[s1 + 3];
            const c0 = x[s2], c1 = x[s2 + 1], c2 = x[s2 + 2], c3 = x[s2 + 3];
            const d0 = x[s3], d1 = x[s3 + 1], d2 = x[s3 + 2], d3 = x[s3 + 3];
            const o0 = base + j * rows + i;
            const o1 = o0 + rows;
            const o2 = o1 + rows;
            const o3 = o2 + rows;
            out[o0] = a0; out[o0 + 1] = b0; out[o0 + 2] = c0; out[o0 + 3] = d0;
            out[o1] = a1; out[o1 + 1] = b1; out[o1 + 2] = c1; out[o1 + 3] = d1;
            out[o2] = a2; out[o2 + 1] = b2; out[o2 + 2] = c2; out[o2 + 3] = d2;
            out[o3] = a3; out[o3 + 1] = b3; out[o3 + 2] = c3; out[o3 + 3] = d3;
          }
        }
      }
    }
    // The edges: the last columns of the blocked rows, then whole rows past them.
    for (let i = 0; i < rows; i++) {
      for (let j = i < rows4 ? cols4 : 0; j < cols; j++) out[base + j * rows + i] = x[base + i * cols + j];
    }
  }
}

/** Copies runs of the unchanged last axis: the case [B,S,H,D] -> [B,H,S,D]. */
function transposeKeepLast(x: NumericArray, shape: number[], perm: number[], out: NumericArray): void {
  const rank = shape.length;
  const run = shape[rank - 1];
  const inStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const outShape = perm.map((p) => shape[p]);
  const stride = perm.map((p) => inStrides[p]);
  const outer = outShape.slice(0, -1);
  const index = new Array<number>(outer.length).fill(0);
  const total = out.length;
  let src = 0;
  for (let dst = 0; dst < total; dst += run) {
    for (let j = 0; j < run; j++) out[dst + j] = x[src + j];
    // Odometer over the outer output axes.
    for (let a = outer.length - 1; a >= 0; a--) {
      index[a]++;
      src += stride[a];
      if (index[a] < outer[a]) break;
      src -= stride[a] * outer[a];
      index[a] = 0;
    }
  }
}

/** Whether `transposeValues` covers the permutation: a copy, runs of an unchanged last axis, or (a batch of) matrix transposes. */
export function transposeHandled(shape: readonly number[], perm: readonly number[]): boolean {
  const c = collapseTranspose(shape, perm);
  const r = c.shape.length;
  return r <= 2 || c.perm[r - 1] === r - 1 || (r === 3 && c.perm[0] === 0 && c.perm[1] === 2 && c.perm[2] === 1);
}

/**
 * Writes the transpose of `x` (shape, perm as in `tf.transpose`) into `out` and returns true, or
 * returns false for a permutation this fast path does not cover (see `transposeHandled`).
 */
export function transposeValues(x: NumericArray, shape: readonly number[], perm: readonly number[], out: NumericArray): boolean {
  const c = collapseTranspose(shape, perm);
  const rank = c.shape.length;
  if (rank <= 1 || c.perm.every((p, i) => p === i)) {
    out.set(x.subarray(0, out.length) as never);
    return true;
  }
  if (c.perm[rank - 1] === rank - 1) {
    transposeKeepLast(x, c.shape, c.perm, out);
    return true;
  }
  if (rank === 2) {
    transposeBatched2d(x, 1, c.shape[0], c.shape[1], out);
    return true;
  }
  if (rank === 3 && c.perm[0] === 0 && c.perm[1] === 2 && c.perm[2] === 1) {
    transposeBatched2d(x, c.shape[0], c.shape[1], c.shape[2], out);
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ sum over leading axes

/** out[j] = sum over i of x[i * inner + j]: a sum over the leading axes (a bias gradient). */
export function sumLeadingValues(x: Float32Array, outer: number, inner: number, out: Float32Array): void {
  const acc = new Float64Array(inner);
  let i = 0;
  // Four rows per pass: a quarter of the accumulator loads and stores.
  for (; i + 4 <= outer; i += 4) {
    const a = i * inner;
    const b = a + inner;
    const c = b + inner;
    const d = c + inner;
    for (let j = 0; j < inner; j++) acc[j] += x[a + j] + x[b + j] + x[c + j] + x[d + j];
  }
  for (; i < outer; i++) {
    const a = i * inner;
    for (let j = 0; j < inner; j++) acc[j] += x[a + j];
  }
  for (let j = 0; j < inner; j++) out[j] = acc[j];
}

// ------------------------------------------------------------------ wasm plumbing

/** The parts of the wasm backend's Emscripten module used here (not in its public typings). */
interface WasmModuleInternals {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _register_tensor(id: number, size: number, memoryOffset: number): void;
  _dispose_data(id: number): void;
  _BatchMatMul(aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, transposeA: number, transposeB: number, outId: number): void;
}

interface WasmBackendInternals {
  wasm: WasmModuleInternals;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}

function internals(backend: unknown): WasmBackendInternals {
  return backend as WasmBackendInternals;
}

const originals = new Map<string, tf.KernelConfig>();

function original(name: string): tf.KernelFunc {
  const config = originals.get(name);
  if (!config) throw new Error(`wasm-kernels: the original ${name} kernel was not saved before it was wrapped.`);
  return config.kernelFunc;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const unsortedSegmentSumWasm: tf.KernelConfig = {
  kernelName: "UnsortedSegmentSum",
  backendName: "wasm",
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const outerRank = segmentIds.shape.length;
    const outShape = [numSegments, ...x.shape.slice(outerRank)];
    const inner = x.shape.slice(outerRank).reduce((a, b) => a * b, 1);
    const out = wasm.makeOutput(outShape, x.dtype);
    const ids = wasm.typedArrayFromHeap(segmentIds);
    unsortedSegmentSumValues(
      wasm.typedArrayFromHeap(x) as NumericArray,
      ids instanceof Int32Array ? ids : Int32Array.from(ids as ArrayLike<number>),
      numSegments,
      inner,
      wasm.typedArrayFromHeap(out) as NumericArray
    );
    return out;
  },
};

/** The transpose on the wasm heap, or null when the fast path does not apply. */
function fastTranspose(backend: WasmBackendInternals, x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo | null {
  if ((x.dtype !== "float32" && x.dtype !== "int32") || !transposeHandled(x.shape, perm)) return null;
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]),
    x.dtype
  );
  // Views only after the allocation: growing the heap detaches earlier views.
  transposeValues(backend.typedArrayFromHeap(x), x.shape, perm, backend.typedArrayFromHeap(out));
  return out;
}

const transposeWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { perm } = attrs as { perm: number[] };
  return fastTranspose(internals(backend), x, perm) ?? fallback()({ inputs, backend, attrs });
};

const sumWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (x.dtype !== "float32" || !leading) return fallback()({ inputs, backend, attrs });
  const b = internals(backend);
  const outer = size(x.shape.slice(0, axes.length));
  const innerShape = x.shape.slice(axes.length);
  const outShape = keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
  const out = b.makeOutput(outShape, "float32");
  sumLeadingValues(b.typedArrayFromHeap(x) as Float32Array, outer, size(innerShape), b.typedArrayFromHeap(out) as Float32Array);
  return out;
};

/** Per backend instance: heap room for two shapes and three tensor ids reserved for views. */
const viewScratch = new WeakMap<object, { shapes: number; ids: [number, number, number] }>();

function scratchFor(b: WasmBackendInternals): { shapes: number; ids: [number, number, number] } {
  let s = viewScratch.get(b);
  if (!s) {
    s = { shapes: b.wasm._malloc(6 * 4), ids: [b.dataIdNextNumber++, b.dataIdNextNumber++, b.dataIdNextNumber++] };
    viewScratch.set(b, s);
  }
  return s;
}

/**
 * Gather along the first axis (embedding lookups, the rows of a batch): the wasm kernel takes about
 * 30 ns an element, a row copy about 1. Other axes, batch dimensions and dtypes go to the original.
 */
const gatherWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  const rank = x.shape.length;
  const first = axis === 0 || axis === -rank;
  if (!first || (batchDims ?? 0) !== 0 || rank < 1 || (x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32") {
    return fallback()({ inputs, backend, attrs });
  }
  const be = internals(backend);
  const inner = size(x.shape.slice(1));
  // Indices checked before the output exists, so that a bad one leaves nothing allocated.
  checkGatherIndices(be.typedArrayFromHeap(indices) as Int32Array, x.shape[0]);
  // Allocate first, then take the views: growing the heap detaches views taken before.
  const out = be.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  gatherRowsValues(be.typedArrayFromHeap(x), be.typedArrayFromHeap(indices) as Int32Array, inner, be.typedArrayFromHeap(out));
  return out;
};

/** One XNNPACK product per matrix of the batch, on tensor ids registered as views into the batch. */
function batchedViaViews(b: WasmBackendInternals, a: tf.TensorInfo, bt: tf.TensorInfo, batchA: number, batchB: number, m: number, k: number, n: number): tf.TensorInfo {
  const batch = Math.max(batchA, batchB);
  const out = b.makeOutput([batch, m, n], "float32");
  const w = b.wasm;
  const scratch = scratchFor(b);
  const shapeScratch = scratch.shapes;
  const [ia, ib, io] = scratch.ids;
  new Int32Array(w.HEAPU8.buffer, shapeScratch, 6).set([1, m, k, 1, k, n]);
  const aOff = b.dataIdMap.get(a.dataId).memoryOffset;
  const bOff = b.dataIdMap.get(bt.dataId).memoryOffset;
  const oOff = b.dataIdMap.get(out.dataId).memoryOffset;
  for (let i = 0; i < batch; i++) {
    // The same three ids every time: registered, used, and released again.
    w._register_tensor(ia, m * k, aOff + (batchA === 1 ? 0 : i * m * k * 4));
    w._register_tensor(ib, k * n, bOff + (batchB === 1 ? 0 : i * k * n * 4));
    w._register_tensor(io, m * n, oOff + i * m * n * 4);
    w._BatchMatMul(ia, shapeScratch, 3, ib, shapeScratch + 12, 3, 0, 0, io);
    // Disposing the weight view also frees the XNNPACK operator cached on it; the memory stays.
    w._dispose_data(ia);
    w._dispose_data(ib);
    w._dispose_data(io);
  }
  return out;
}

const batchMatMulWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { a, b: bIn } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== "float32" || bIn.dtype !== "float32") return fallback()({ inputs, backend, attrs });
  const be = internals(backend);
  const aRank = a.shape.length;
  const bRank = bIn.shape.length;
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(bIn.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return fallback()({ inputs, backend, attrs });
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const n = transposeB ? bIn.shape[bRank - 2] : bIn.shape[bRank - 1];
  const kB = transposeB ? bIn.shape[bRank - 1] : bIn.shape[bRank - 2];
  if (k !== kB) return fallback()({ inputs, backend, attrs });
  const outShape = [...(batchA >= batchB ? a.shape : bIn.shape).slice(0, -2), m, n];
  const temps: tf.TensorInfo[] = [];
  const plain = (x: tf.TensorInfo, transpose: boolean, batch: number, rows: number, cols: number): tf.TensorInfo => {
    // A view of x as [batch, rows, cols] (transposing explicitly when asked).
    const as3d = { dataId: x.dataId, shape: transpose ? [batch, cols, rows] : [batch, rows, cols], dtype: x.dtype };
    if (!transpose) return as3d;
    const t = fastTranspose(be, as3d, [0, 2, 1]);
    if (!t) throw new Error("wasm BatchMatMul: the explicit transpose of a 3-d tensor was not handled.");
    temps.push(t);
    return t;
  };
  let a3 = plain(a, transposeA, batchA, m, k);
  const b3 = plain(bIn, transposeB, batchB, k, n);
  let result: tf.TensorInfo;
  if (batchA === 1 && batchB === 1) {
    result = fallback()({ inputs: { a: a3, b: b3 }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  } else if (batchB === 1) {
    // Shared weights: the whole batch is one tall matrix.
    a3 = { ...a3, shape: [1, batchA * m, k] };
    result = fallback()({ inputs: { a: a3, b: b3 }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  } else {
    result = batchedViaViews(be, a3, b3, batchA, batchB, m, k, n);
  }
  for (const t of temps) be.disposeData(t.dataId);
  return { dataId: result.dataId, shape: outShape, dtype: result.dtype };
};

/** The fused matmul(+bias, +activation) kernel: same explicit transposes, then XNNPACK. */
const fusedMatMulWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { a, b: bIn } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== "float32" || bIn.dtype !== "float32" || a.shape.length !== 3 || bIn.shape.length !== 3) return fallback()({ inputs, backend, attrs });
  const batchA = a.shape[0];
  const batchB = bIn.shape[0];
  if (!transposeA && !transposeB && !(batchB === 1 && batchA > 1)) return fallback()({ inputs, backend, attrs });
  if (batchB !== 1) return fallback()({ inputs, backend, attrs });
  const be = internals(backend);
  const temps: tf.TensorInfo[] = [];
  const untranspose = (x: tf.TensorInfo, transpose: boolean): tf.TensorInfo => {
    if (!transpose) return x;
    const t = fastTranspose(be, x, [0, 2, 1]);
    if (!t) throw new Error("wasm _FusedMatMul: the explicit transpose of a 3-d tensor was not handled.");
    temps.push(t);
    return t;
  };
  let a3 = untranspose(a, transposeA);
  const b3 = untranspose(bIn, transposeB);
  const [, m, k] = a3.shape;
  const n = b3.shape[2];
  if (batchA > 1) a3 = { ...a3, shape: [1, batchA * m, k] };
  const result = fallback()({ inputs: { ...inputs, a: a3, b: b3 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
  for (const t of temps) be.disposeData(t.dataId);
  return { dataId: result.dataId, shape: [batchA, m, n], dtype: result.dtype };
};

/**
 * `tf.clone` (and so every tensor the gradient tape saves) copies the data on wasm; tensors are
 * immutable, so sharing it with a reference count is enough, as the cpu backend does.
 */
const identityWasm = (fallback: () => tf.KernelFunc): tf.KernelFunc => ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (x.dtype === "string") return fallback()({ inputs, backend, attrs });
  (backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
};

type Wrapper = (fallback: () => tf.KernelFunc) => tf.KernelFunc;

const WRAPPERS: ReadonlyArray<readonly [string, Wrapper]> = [
  ["BatchMatMul", batchMatMulWasm],
  ["_FusedMatMul", fusedMatMulWasm],
  ["Transpose", transposeWasm],
  ["Sum", sumWasm],
  ["Identity", identityWasm],
  ["GatherV2", gatherWasm],
];

/** Kernels this module adds to wasm (wrappers of existing kernels are listed by name as they are registered). */
export const WASM_EXTRA_KERNELS: readonly tf.KernelConfig[] = [unsortedSegmentSumWasm];

const ours = new WeakSet<tf.KernelConfig>();

/** Register the missing kernels and the faster wrappers; returns the names registered by this call. */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of WASM_EXTRA_KERNELS) {
    if (tf.getKernel(config.kernelName, "wasm") === undefined) {
      tf.registerKernel(config);
      added.push(config.kernelName);
    }
  }
  for (const [name, wrap] of WRAPPERS) {
    const current = tf.getKernel(name, "wasm");
    if (current === undefined || ours.has(current)) continue;
    originals.set(name, current);
    const wrapped: tf.KernelConfig = {
      kernelName: name,
      backendName: "wasm",
      setupFunc: current.setupFunc,
      disposeFunc: current.disposeFunc,
      kernelFunc: wrap(() => original(name)),
    };
    ours.add(wrapped);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(wrapped);
    added.push(`${name} (faster)`);
  }
  return added;
}

/** Put the original wasm kernels back (tests compare both). Returns the names restored. */
export function unregisterWasmKernelWrappers(): string[] {
  const restored: string[] = [];
  for (const [name] of WRAPPERS) {
    const current = tf.getKernel(name, "wasm");
    const saved = originals.get(name);
    if (!current || !saved || !ours.has(current)) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(saved);
    restored.push(name);
  }
  return restored;
}
