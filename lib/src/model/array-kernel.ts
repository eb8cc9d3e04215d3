/**
 * A kernel written once over typed arrays and registered for the `cpu` and `wasm` backends. Both
 * keep tensors in memory JavaScript can see (a typed array on cpu, the WebAssembly heap on wasm),
 * so one loop serves both without copying. Ops built on these kernels fall back to composite tf ops
 * on a backend without them (the native `tensorflow` backend).
 */
import * as tf from "@tensorflow/tfjs";

export type KernelArray = Float32Array | Int32Array;

export interface ArrayKernelOutput {
  readonly shape: number[];
  readonly dtype: "float32" | "int32";
}

export interface ArrayKernelSpec<A> {
  readonly name: string;
  /** Input names, in the order `run` receives their arrays. */
  readonly inputs: readonly string[];
  /** The outputs' shapes from the inputs' shapes. */
  outputs(shapes: number[][], attrs: A): ArrayKernelOutput[];
  run(inputs: KernelArray[], outputs: KernelArray[], shapes: number[][], attrs: A): void;
}

/** The backends that hold tensor data in JavaScript-visible memory. */
export const ARRAY_BACKENDS = ["cpu", "wasm"] as const;

interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: KernelArray): tf.TensorInfo;
}

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): unknown;
}

function asKernelArray(values: unknown, what: string): KernelArray {
  if (values instanceof Float32Array || values instanceof Int32Array) return values;
  throw new Error(`array kernel: ${what} is not held as a Float32Array or Int32Array.`);
}

function cpuKernel<A>(spec: ArrayKernelSpec<A>): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as CpuBackendInternals;
    const infos = spec.inputs.map((name) => inputInfo(inputs, name, spec.name));
    const shapes = infos.map((t) => t.shape.slice());
    const arrays = infos.map((t, i) => asKernelArray(b.data.get(t.dataId).values, `input ${spec.inputs[i]} of ${spec.name}`));
    const outSpecs = spec.outputs(shapes, attrs as unknown as A);
    const outArrays = outSpecs.map((o) => (o.dtype === "int32" ? new Int32Array(size(o.shape)) : new Float32Array(size(o.shape))));
    spec.run(arrays, outArrays, shapes, attrs as unknown as A);
    const outs = outSpecs.map((o, i) => b.makeTensorInfo(o.shape, o.dtype, outArrays[i]));
    return outs.length === 1 ? outs[0] : outs;
  };
}

function wasmKernel<A>(spec: ArrayKernelSpec<A>): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as WasmBackendInternals;
    const infos = spec.inputs.map((name) => inputInfo(inputs, name, spec.name));
    const shapes = infos.map((t) => t.shape.slice());
    const outSpecs = spec.outputs(shapes, attrs as unknown as A);
    // Allocate first: growing the heap detaches views taken before.
    const outs = outSpecs.map((o) => b.makeOutput(o.shape, o.dtype));
    const arrays = infos.map((t, i) => asKernelArray(b.typedArrayFromHeap(t), `input ${spec.inputs[i]} of ${spec.name}`));
    const outArrays = outs.map((t, i) => asKernelArray(b.typedArrayFromHeap(t), `output ${i} of ${spec.name}`));
    spec.run(arrays, outArrays, shapes, attrs as unknown as A);
    return outs.length === 1 ? outs[0] : outs;
  };
}

function inputInfo(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const info = inputs[name];
  if (!info) throw new Error(`${kernel}: missing input "${name}".`);
  return info;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Register the kernel for cpu and wasm (once; later calls do nothing). */
export function registerArrayKernel<A>(spec: ArrayKernelSpec<A>): void {
  for (const backendName of ARRAY_BACKENDS) {
    if (tf.getKernel(spec.name, backendName) !== undefined) continue;
    tf.registerKernel({ kernelName: spec.name, backendName, kernelFunc: backendName === "cpu" ? cpuKernel(spec) : wasmKernel(spec) });
  }
}

/**
 * A float32 tensor's values without a copy where its backend holds them in memory JavaScript can
 * see (cpu: its own array; wasm: a view of the heap, which the next allocation may detach), for
 * reading at once; null on other backends, which need `data()`.
 */
export function heldValues(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== "float32") return null;
  const name = tf.getBackend();
  const b = tf.backend();
  const values = name === "cpu" ? (b as unknown as CpuBackendInternals).data.get(t.dataId).values : name === "wasm" ? (b as unknown as WasmBackendInternals).typedArrayFromHeap(t) : null;
  return values instanceof Float32Array ? values : null;
}

/**
 * Whether the active backend copies the array a new tensor is made from (wasm copies it into its
 * heap), so a view of a buffer that is rewritten later may be passed; cpu and webgpu keep the array.
 */
export function backendCopiesNewTensors(): boolean {
  return tf.getBackend() === "wasm";
}

/** Whether the active backend has the named kernel. */
export function backendHasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Run a registered kernel on tensors (one output). */
export function runArrayKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Run a registered kernel on tensors (several outputs). */
export function runArrayKernelMulti(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}
