/**
 * Kernels the tfjs wasm backend lacks for training. Without `UnsortedSegmentSum` (the gradient
 * of `tf.gather`) an embedding table cannot be trained on wasm at all; it fails with
 * "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'".
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

/** Kernels this module adds to wasm; registering twice is harmless. */
export const WASM_EXTRA_KERNELS: readonly tf.KernelConfig[] = [unsortedSegmentSumWasm];

export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of WASM_EXTRA_KERNELS) {
    if (tf.getKernel(config.kernelName, "wasm") === undefined) {
      tf.registerKernel(config);
      added.push(config.kernelName);
    }
  }
  return added;
}
