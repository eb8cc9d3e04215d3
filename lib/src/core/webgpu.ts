/**
 * The GPU route that installs from npm alone: the `webgpu` package (Dawn, Chromium's WebGPU,
 * prebuilt for Linux, macOS and Windows) gives Node a `navigator.gpu`, and
 * `@tensorflow/tfjs-backend-webgpu` runs tfjs on it.
 * - "webgpu": a hardware adapter (Metal, D3D12, Vulkan). A software adapter is refused here:
 *   on a CPU the wasm backend is faster.
 * - "webgpu-soft": Mesa's software OpenGL ES (llvmpipe) through Dawn's compatibility mode, the
 *   GPU code path on any Linux machine (CI tests it there). Needs Debian's libegl1, libgles2,
 *   libegl-mesa0 and libgl1-mesa-dri, and EGL_PLATFORM=surfaceless, which this sets when unset.
 * tfjs's webgpu backend registers itself only when `navigator.gpu` exists as it loads, so the GPU
 * object is set up first. WebGPU under Node has no synchronous read: use `await t.data()`.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";

export type WebGpuMode = "hardware" | "software";

export interface GpuAdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (llvmpipe, SwiftShader, WARP) rather than a GPU. */
  readonly software: boolean;
}

interface Adapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<Adapter | null>;
  getPreferredCanvasFormat?(): string;
  readonly wgslLanguageFeatures?: unknown;
}
interface DawnModule {
  create(options: string[]): Gpu;
  globals: Record<string, unknown>;
}

/**
 * The adapter, its devices asking for every storage buffer per shader stage it has: the default
 * (8, or 4 in compatibility mode) is less than tfjs's kernels with many inputs need (AddN of
 * eight gradients binds nine buffers), and tfjs does not ask for more itself.
 */
function withStorageBuffers(adapter: Adapter | null): Adapter | null {
  if (!adapter) return adapter;
  const raw = adapter as Adapter & { limits?: Record<string, number>; requestDevice(descriptor?: { requiredLimits?: Record<string, number> }): Promise<unknown> };
  const most = raw.limits?.maxStorageBuffersPerShaderStage;
  if (typeof most !== "number") return adapter;
  return new Proxy(raw, {
    get(target, key) {
      if (key !== "requestDevice") {
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (descriptor: { requiredLimits?: Record<string, number> } = {}) =>
        target.requestDevice({ ...descriptor, requiredLimits: { ...descriptor.requiredLimits, maxStorageBuffersPerShaderStage: most } });
    },
  });
}

/** The adapter's own words, and whether they name a CPU implementation. */
export function describeAdapter(adapter: Adapter): GpuAdapterDescription {
  const info = adapter.info ?? {};
  const d = {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    description: info.description ?? "",
  };
  const software = adapter.isFallbackAdapter === true || /llvmpipe|lavapipe|softpipe|swiftshader|warp|microsoft basic render/i.test(`${d.vendor} ${d.device} ${d.description}`);
  return { ...d, software };
}

export function adapterLabel(a: GpuAdapterDescription): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== "");
  return `${parts.join(", ") || "an unnamed adapter"}${a.software ? " (software)" : ""}`;
}

/**
 * Dawn's native module, as the `webgpu` package's ES-module entry loads it (that entry adds only
 * a buffer clean-up on device.destroy(), which tfjs never calls); required directly so that the
 * CommonJS library and the test runner load it the same way.
 */
function loadDawn(): DawnModule {
  const platform = process.platform === "darwin" ? "darwin-universal" : `${process.platform}-${process.arch}`;
  // SHOPLM_WEBGPU_DIR: a folder holding dawn.node itself (a copy of the package's dist/<platform>), for
  // a bundled script that carries it beside itself (scripts/gpu-bench-bundle.mjs); unset, the package's own.
  const override = process.env.SHOPLM_WEBGPU_DIR;
  const file = override
    ? path.join(path.resolve(override), "dawn.node")
    : path.join(path.dirname(require.resolve("webgpu/package.json")), "dist", platform, "dawn.node");
  if (!existsSync(file)) {
    throw new Error(override ? `SHOPLM_WEBGPU_DIR=${override} holds no dawn.node (${file})` : `the webgpu package has no build for ${platform} (${file})`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as DawnModule;
}

let described: GpuAdapterDescription | null = null;

function linuxGpuDevice(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/dev/dri").some((name) => name.startsWith("renderD"));
  } catch {
    return false;
  }
}

/** The adapter the webgpu backend runs on, once `loadWebGpu` succeeded. */
export function webGpuAdapter(): GpuAdapterDescription | null {
  return described;
}

const SOFTWARE_HINT =
  "install Mesa's OpenGL ES (Debian: apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri; `npm run setup:gpu` does it as root)";

/**
 * Bring up tfjs's webgpu backend on the adapter `mode` asks for; returns a description for
 * `backendInfo()`. Throws, saying what is missing and how to install it, when there is none.
 */
export async function loadWebGpu(mode: WebGpuMode): Promise<string> {
  // On Linux a GPU driver needs a device node; without one Dawn only prints Vulkan loader errors.
  if (mode === "hardware" && process.platform === "linux" && !linuxGpuDevice()) {
    throw new Error("no GPU device on this machine (no /dev/dri/renderD* or /dev/nvidia*)");
  }
  let dawn: DawnModule;
  try {
    dawn = loadDawn();
  } catch (error) {
    throw new Error(`the webgpu package did not load (${(error as Error).message.split("\n")[0]}); run \`npm ci\``);
  }
  if (mode === "software") {
    if (process.platform !== "linux") throw new Error(`webgpu-soft uses Mesa's OpenGL ES, which the course sets up on Linux only (this is ${process.platform})`);
    process.env.EGL_PLATFORM ??= "surfaceless";
    process.env.XDG_RUNTIME_DIR ??= "/tmp";
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(mode === "software" ? ["backend=opengles"] : []);
  // tfjs asks for an adapter with its own options; a software adapter is only offered in compatibility mode.
  const view: Gpu = {
    requestAdapter: async (options = {}) => withStorageBuffers(await gpu.requestAdapter(mode === "software" ? { ...options, featureLevel: "compatibility" } : options)),
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat?.() ?? "rgba8unorm",
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  const adapter = await view.requestAdapter({});
  if (!adapter) {
    throw new Error(mode === "software" ? `no software WebGPU adapter: ${SOFTWARE_HINT}` : "no WebGPU adapter: this machine has no GPU driver Dawn can use (Metal on macOS, D3D12 on Windows, Vulkan on Linux)");
  }
  const description = describeAdapter(adapter);
  if (mode === "hardware" && description.software) {
    throw new Error(`the only WebGPU adapter is a software one (${adapterLabel(description)}); wasm is faster on a CPU (force it with COURSE_BACKEND=webgpu-soft)`);
  }
  Object.defineProperty(globalThis, "navigator", { value: { ...(globalThis as { navigator?: object }).navigator, gpu: view }, configurable: true, writable: true });
  if (tf.findBackendFactory("webgpu") === null) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@tensorflow/tfjs-backend-webgpu");
  }
  if (tf.findBackendFactory("webgpu") === null) throw new Error("@tensorflow/tfjs-backend-webgpu loaded but registered no backend (navigator.gpu was not seen)");
  const ok = await tf.setBackend("webgpu");
  if (!ok) throw new Error(`tf.setBackend("webgpu") returned false on ${adapterLabel(description)}`);
  await tf.ready();
  described = description;
  return `WebGPU on ${adapterLabel(description)}${mode === "software" ? ", compatibility mode (the GPU code path on the CPU: correct, slow)" : ""}`;
}
