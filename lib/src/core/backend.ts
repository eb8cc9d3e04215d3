/**
 * The one place that picks the compute backend. Order: the native TensorFlow backend
 * (`@tensorflow/tfjs-node-gpu` when CUDA is visible, else `@tensorflow/tfjs-node`) when it
 * loads, else WebGPU on a hardware adapter, else `wasm`, else `cpu`; `webgpu-soft` (Mesa's
 * software GPU) only when forced. `COURSE_BACKEND` forces one. Native backends are optional
 * (`npm run setup:gpu`); where they are not installed the course runs on wasm. The inference
 * runtimes' device (COURSE_INFERENCE_DEVICE) is read here too, so the first cell reports it.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { registerWasmTrainingKernels } from "./wasm-kernels";
import { loadWebGpu } from "./webgpu";
import { inferenceDeviceSetting, inferenceDeviceSummary, type InferenceDeviceSetting } from "./inference-device";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu" | "webgpu-soft";
/** The order they are tried in; "webgpu-soft" (a software GPU) only when forced. */
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu", "webgpu-soft"];

export interface BackendAttempt {
  readonly name: BackendName;
  readonly ok: boolean;
  /** Why it was chosen or skipped, in words a student can act on. */
  readonly reason: string;
}

export interface BackendInfo {
  readonly name: BackendName;
  /** The value of COURSE_BACKEND (or the `forced` option) when one was given. */
  readonly forced: BackendName | null;
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  readonly tfjsVersion: string;
  /** Where onnxruntime-node and transformers.js run exported models (COURSE_INFERENCE_DEVICE, default "cpu"). */
  readonly inferenceDevice: InferenceDeviceSetting;
  /** One line for the top of a notebook: what runs (a skipped faster backend is not a failure). */
  toString(): string;
  /** Every backend tried, and why each was chosen or skipped (for a student debugging setup). */
  details(): string;
}

/** A way to bring one backend up; throws with a readable message when it cannot. */
export interface BackendCandidate {
  readonly name: BackendName;
  load(): Promise<string>;
  /** Never chosen by the fallback order, only by COURSE_BACKEND (a software GPU is slower than wasm). */
  readonly onlyWhenForced?: boolean;
}

export function parseBackendName(value: string, source = "COURSE_BACKEND"): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`Unknown backend "${value}" (from ${source}): expected one of ${BACKEND_NAMES.join(", ")}.`);
}

function cudaVisible(): boolean {
  return existsSync("/proc/driver/nvidia/version") || existsSync("/dev/nvidia0");
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend("${name}") returned false (the backend failed to initialise)`);
  await tf.ready();
}

function loadNative(): Promise<string> {
  const packages = cudaVisible() ? ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] : ["@tensorflow/tfjs-node"];
  const problems: string[] = [];
  for (const pkg of packages) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
    } catch (error) {
      const message = (error as Error).message.split("\n")[0];
      problems.push(/Cannot find module/.test(message) ? `${pkg} is not installed` : `${pkg} failed to load: ${message}`);
      continue;
    }
    // danfojs-node's install maps "@tensorflow/tfjs-node" to plain tfjs, which registers no native backend.
    if (tf.findBackendFactory("tensorflow") === null) {
      problems.push(`${pkg} loaded but registered no "tensorflow" backend (it is the stand-in used by danfojs-node, not the native build)`);
      continue;
    }
    return activate("tensorflow").then(() => `${pkg} (native TensorFlow${pkg.endsWith("-gpu") ? " with CUDA" : ""})`);
  }
  return Promise.reject(new Error(`${problems.join("; ")}; run \`npm run setup:gpu\` to install it where the network allows`));
}

async function loadWasm(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  // SHOPLM_WASM_DIR: a folder holding the package's tfjs-backend-wasm*.wasm files, for a bundled
  // script that carries them beside itself (scripts/gpu-bench-bundle.mjs); unset, the package's own dist.
  const dist = process.env.SHOPLM_WASM_DIR || path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  wasm.setWasmPaths(path.resolve(dist) + path.sep);
  await activate("wasm");
  const added = registerWasmTrainingKernels();
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  return `WebAssembly${simd ? " with SIMD" : ""}, one thread${added.length ? `; added training kernels: ${added.join(", ")}` : ""}`;
}

async function loadCpu(): Promise<string> {
  await activate("cpu");
  return "pure JavaScript (slowest; always available)";
}

export const DEFAULT_CANDIDATES: readonly BackendCandidate[] = [
  { name: "tensorflow", load: loadNative },
  { name: "webgpu", load: () => loadWebGpu("hardware") },
  { name: "wasm", load: loadWasm },
  { name: "cpu", load: loadCpu },
  { name: "webgpu-soft", load: () => loadWebGpu("software"), onlyWhenForced: true },
];

/**
 * Try the candidates in order (or only the forced one) and report every attempt.
 * A forced backend that cannot load is an error, never a silent fallback.
 */
export async function chooseBackend(
  candidates: readonly BackendCandidate[],
  forced: BackendName | null,
  inferenceDevice: InferenceDeviceSetting = "cpu"
): Promise<BackendInfo> {
  const attempts: BackendAttempt[] = [];
  const order = forced ? candidates.filter((c) => c.name === forced) : candidates.filter((c) => !c.onlyWhenForced);
  if (forced && order.length === 0) throw new Error(`Backend "${forced}" is not among the candidates ${candidates.map((c) => c.name).join(", ")}.`);
  for (const candidate of order) {
    try {
      const detail = await candidate.load();
      const reason = forced ? `forced by COURSE_BACKEND=${forced}: ${detail}` : `${detail}`;
      attempts.push({ name: candidate.name, ok: true, reason: detail });
      return makeInfo(candidate.name, forced, reason, attempts, inferenceDevice);
    } catch (error) {
      attempts.push({ name: candidate.name, ok: false, reason: (error as Error).message });
    }
  }
  const tried = attempts.map((a) => `${a.name}: ${a.reason}`).join("; ");
  throw new Error(forced ? `COURSE_BACKEND=${forced} could not be loaded: ${tried}` : `No compute backend could be loaded: ${tried}`);
}

function makeInfo(name: BackendName, forced: BackendName | null, reason: string, attempts: BackendAttempt[], inferenceDevice: InferenceDeviceSetting): BackendInfo {
  const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name} skipped (${a.reason})`);
  // The inference device is named on the one line only when it was set: the default (cpu) is no news.
  const inference = process.env.COURSE_INFERENCE_DEVICE ? ` Inference device: ${inferenceDevice}.` : "";
  return {
    name,
    forced,
    reason,
    attempts,
    tfjsVersion: tf.version.tfjs,
    inferenceDevice,
    toString: () => `Compute backend: ${name} - ${reason}. tfjs ${tf.version.tfjs}.${inference}${skipped.length ? " (backendInfo().details() says which others were tried.)" : ""}`,
    details: () =>
      [`Compute backend: ${name} - ${reason}.`, ...attempts.map((a) => `  ${a.name}: ${a.ok ? "chosen" : "skipped"} - ${a.reason}`), `tfjs ${tf.version.tfjs}.`, inferenceDeviceSummary()].join("\n"),
  };
}

let current: Promise<BackendInfo> | null = null;
let currentInfo: BackendInfo | null = null;

/**
 * Bring up the backend once per process (later calls return the same answer unless
 * `reset` is set). `forced` overrides COURSE_BACKEND.
 */
export function initBackend(options: { forced?: string; reset?: boolean; candidates?: readonly BackendCandidate[] } = {}): Promise<BackendInfo> {
  if (current && !options.reset) return current;
  const raw = options.forced ?? process.env.COURSE_BACKEND;
  let forced: BackendName | null;
  let inferenceDevice: InferenceDeviceSetting;
  try {
    forced = raw && raw.trim() !== "" ? parseBackendName(raw, options.forced ? "the forced option" : "COURSE_BACKEND") : null;
    // Read here so that a misspelt COURSE_INFERENCE_DEVICE is reported by the first cell, not at the first export.
    inferenceDevice = inferenceDeviceSetting();
  } catch (error) {
    return Promise.reject(error);
  }
  current = chooseBackend(options.candidates ?? DEFAULT_CANDIDATES, forced, inferenceDevice).then(
    (info) => (currentInfo = info),
    (error) => {
      current = null;
      throw error;
    }
  );
  return current;
}

/** The chosen backend and why; throws if `initBackend()` has not finished yet. */
export function backendInfo(): BackendInfo {
  if (!currentInfo) throw new Error("No backend chosen yet: run `await initBackend()` first (the first cell of every notebook does).");
  return currentInfo;
}
