/**
 * Where the standard inference stack runs an exported model: onnxruntime-node and transformers.js
 * (which runs on onnxruntime-node under Node) read one setting, `COURSE_INFERENCE_DEVICE`:
 * - "cpu" (the default): ONNX Runtime's CPU kernels, on every machine;
 * - "webgpu": ONNX Runtime's WebGPU execution provider (its own Dawn: Vulkan on Linux, Metal on
 *   macOS, D3D12 on Windows); a software Vulkan driver is refused by Dawn, so a CPU-only machine
 *   has no adapter for it;
 * - "cuda": ONNX Runtime's CUDA provider, which onnxruntime-node does not bundle
 *   (`npm run setup:gpu` installs it where CUDA is visible);
 * - "auto": cuda, then webgpu, then cpu, the first that opens a session (each skip is reported).
 * A device that is named and cannot be used is an error saying why and what to set, never a silent
 * fallback. This is separate from the training backend (`COURSE_BACKEND`): a laptop may train on
 * wasm and serve on its GPU, or the reverse.
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";

export type InferenceDevice = "cpu" | "webgpu" | "cuda";
export type InferenceDeviceSetting = InferenceDevice | "auto";

export const INFERENCE_DEVICE_SETTINGS: readonly InferenceDeviceSetting[] = ["cpu", "webgpu", "cuda", "auto"];
/** The order "auto" tries. */
const AUTO_ORDER: readonly InferenceDevice[] = ["cuda", "webgpu", "cpu"];

export const INFERENCE_DEVICE_VARIABLE = "COURSE_INFERENCE_DEVICE";

export function parseInferenceDevice(value: string, source = INFERENCE_DEVICE_VARIABLE): InferenceDeviceSetting {
  const name = value.trim().toLowerCase();
  if ((INFERENCE_DEVICE_SETTINGS as readonly string[]).includes(name)) return name as InferenceDeviceSetting;
  throw new Error(`Unknown inference device "${value}" (from ${source}): expected one of ${INFERENCE_DEVICE_SETTINGS.join(", ")}.`);
}

/** The setting: an explicit value, else COURSE_INFERENCE_DEVICE, else "cpu". */
export function inferenceDeviceSetting(explicit?: string): InferenceDeviceSetting {
  if (explicit !== undefined) return parseInferenceDevice(explicit, "the device option");
  const raw = process.env[INFERENCE_DEVICE_VARIABLE];
  return raw && raw.trim() !== "" ? parseInferenceDevice(raw) : "cpu";
}

/** One execution provider as onnxruntime-node lists it; `bundled: false` means an add-on to install. */
export interface OfferedDevice {
  readonly name: string;
  readonly bundled: boolean;
}

export interface OnnxRuntimeOffer {
  /** onnxruntime-node's version, or null when it does not load. */
  readonly version: string | null;
  readonly devices: readonly OfferedDevice[];
  /** Why nothing is offered (the package failed to load). */
  readonly problem: string | null;
}

let offerCache: OnnxRuntimeOffer | null = null;

/** What this machine's onnxruntime-node offers (its `listSupportedBackends()`); loaded once. */
export function onnxRuntimeOffer(): OnnxRuntimeOffer {
  if (offerCache) return offerCache;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require("onnxruntime-node") as typeof import("onnxruntime-node") & { listSupportedBackends?: () => OfferedDevice[] };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require("onnxruntime-node/package.json") as { version: string }).version;
    const devices = ort.listSupportedBackends ? ort.listSupportedBackends().map((d) => ({ name: d.name, bundled: d.bundled })) : [{ name: "cpu", bundled: true }];
    offerCache = { version, devices, problem: null };
  } catch (error) {
    offerCache = { version: null, devices: [], problem: (error as Error).message.split("\n")[0] };
  }
  return offerCache;
}

/** How to get a device the runtime lacks or cannot open, in words a student can act on. */
function remedy(device: InferenceDevice): string {
  if (device === "cuda") return "onnxruntime-node's CUDA provider is an add-on: run `npm run setup:gpu` on a machine with an NVIDIA driver and CUDA 12, or set COURSE_INFERENCE_DEVICE=cpu";
  if (device === "webgpu") return "ONNX Runtime's WebGPU needs a hardware adapter (Vulkan with a GPU driver on Linux, Metal on macOS, D3D12 on Windows); set COURSE_INFERENCE_DEVICE=cpu on a machine without one";
  return "reinstall the course's packages (`npm ci`)";
}

/** Why `device` cannot be tried at all here, or null when the runtime lists it as ready. */
export function deviceUnavailable(device: InferenceDevice, offer: OnnxRuntimeOffer = onnxRuntimeOffer()): string | null {
  if (offer.problem) return `onnxruntime-node does not load (${offer.problem})`;
  const entry = offer.devices.find((d) => d.name === device);
  if (!entry) return `onnxruntime-node ${offer.version} on ${process.platform}-${process.arch} has no ${device} provider (it offers ${offer.devices.map((d) => d.name).join(", ")})`;
  if (!entry.bundled && device === "cuda" && !cudaProviderInstalled()) return `onnxruntime-node's ${device} provider is not installed (it is not bundled in the npm package)`;
  return null;
}

/** onnxruntime-node's CUDA add-on lies beside its binding once installed. */
function cudaProviderInstalled(): boolean {
  try {
    const root = path.dirname(require.resolve("onnxruntime-node/package.json"));
    const dir = path.join(root, "bin", "napi-v6", process.platform, process.arch);
    return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith("libonnxruntime_providers_cuda"));
  } catch {
    return false;
  }
}

export interface DeviceAttempt {
  readonly device: InferenceDevice;
  readonly ok: boolean;
  readonly reason: string;
}

/** Something opened on a device, and how the device was chosen. */
export interface OnDevice<T> {
  readonly value: T;
  readonly device: InferenceDevice;
  readonly setting: InferenceDeviceSetting;
  readonly attempts: readonly DeviceAttempt[];
}

/**
 * Open something (a session, a pipeline) on the device the setting names, through `open(device)`.
 * A named device that fails is an error naming the runtime, the device, the runtime's reason and
 * the remedy; "auto" tries cuda, webgpu, cpu and keeps every attempt. An error on the CPU is
 * `open`'s own (the model's fault, not the device's) and is thrown unchanged.
 */
export async function openOnDevice<T>(
  runtime: string,
  setting: InferenceDeviceSetting,
  open: (device: InferenceDevice) => Promise<T>,
  offer: OnnxRuntimeOffer = onnxRuntimeOffer()
): Promise<OnDevice<T>> {
  const order = setting === "auto" ? AUTO_ORDER : [setting];
  const attempts: DeviceAttempt[] = [];
  for (const device of order) {
    const unavailable = device === "cpu" ? null : deviceUnavailable(device, offer);
    if (unavailable) {
      attempts.push({ device, ok: false, reason: unavailable });
      continue;
    }
    try {
      const value = await open(device);
      attempts.push({ device, ok: true, reason: setting === "auto" ? "the first that opened" : `${INFERENCE_DEVICE_VARIABLE}=${setting}` });
      return { value, device, setting, attempts };
    } catch (error) {
      // The CPU always exists: a failure there is the model's, passed on as the caller worded it.
      if (device === "cpu") throw error;
      attempts.push({ device, ok: false, reason: firstLine((error as Error).message) });
      if (setting !== "auto") break;
    }
  }
  const last = attempts[attempts.length - 1];
  if (setting === "auto") {
    throw new Error(`${runtime}: no inference device could be opened: ${attempts.map((a) => `${a.device}: ${a.reason}`).join("; ")}`);
  }
  throw new Error(`${runtime} cannot run on the inference device "${setting}": ${last.reason}. ${remedy(setting)}.`);
}

/** The runtime's message without its C++ source position, failed check and stack lines. */
function firstLine(message: string): string {
  let line = message.split("\n")[0].trim();
  // ONNX Runtime: "<file>.cc:136 <function> <check> was false. <what went wrong>"
  const check = line.indexOf(" was false. ");
  if (/^\S+\.(cc|cpp|h):\d+ /.test(line)) line = check >= 0 ? line.slice(check + " was false. ".length) : line.replace(/^\S+ /, "");
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** One line for `backendInfo().details()`: the setting and what onnxruntime-node offers here. */
export function inferenceDeviceSummary(): string {
  let setting: string;
  try {
    const value = inferenceDeviceSetting();
    setting = `${value}${process.env[INFERENCE_DEVICE_VARIABLE] ? ` (${INFERENCE_DEVICE_VARIABLE})` : " (the default)"}`;
  } catch (error) {
    setting = `invalid: ${(error as Error).message}`;
  }
  const offer = onnxRuntimeOffer();
  const offered = offer.problem
    ? `onnxruntime-node does not load (${offer.problem})`
    : `onnxruntime-node ${offer.version} offers ${offer.devices.map((d) => (d.bundled || (d.name === "cuda" && cudaProviderInstalled()) ? d.name : `${d.name} (add-on, not installed)`)).join(", ")}`;
  return `Inference (onnxruntime-node, transformers.js): ${setting}; ${offered}.`;
}
