#!/usr/bin/env node
// `npm run setup:gpu`: says what the WebGPU route finds (a hardware adapter, the software one, or
// none) and where exported models can run (onnxruntime-node's cpu, webgpu and cuda providers; the
// CUDA one is installed when CUDA is visible), then installs the optional native TensorFlow backend, tfjs-node-gpu when CUDA
// is visible, else tfjs-node. Their install scripts download libtensorflow from Google's storage,
// so on a machine without that network this fails; the course then keeps running on wasm.
//
// About the name @tensorflow/tfjs-node: package.json overrides it, for danfojs-node only, with
// plain @tensorflow/tfjs, and npm hoists that stand-in to node_modules/@tensorflow/tfjs-node. A
// real install replaces the stand-in (danfojs-node then uses the native backend, as it was built
// to); a failed one is rolled back by npm, leaving the stand-in in place. Either way the next
// `npm ci` puts the stand-in back: run `npm run setup:gpu` again after it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { paths, run, seconds } from "./lib/project.mjs";

const VERSION = "4.22.0";

function cudaVisible() {
  if (existsSync("/proc/driver/nvidia")) return "/proc/driver/nvidia exists";
  const smi = run("nvidia-smi", ["-L"], { timeout: 20_000 });
  return smi.status === 0 ? `nvidia-smi: ${smi.stdout.trim().split("\n")[0]}` : null;
}

/** What node_modules holds under a name: "missing", "stand-in" (plain tfjs) or the real version. */
function installed(name) {
  const manifest = path.join(paths.nodeModules, ...name.split("/"), "package.json");
  if (!existsSync(manifest)) return "missing";
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  return pkg.name === name ? pkg.version : `stand-in (${pkg.name}@${pkg.version}, from the danfojs-node override)`;
}

/** Loads the package in a fresh node and checks that it registered the `tensorflow` backend. */
function nativeBackendLoads(name) {
  const code = `const tf = require(${JSON.stringify(name)}); const ok = tf.engine().registryFactory.tensorflow !== undefined; console.log(ok ? "tensorflow backend registered" : "no tensorflow backend"); process.exit(ok ? 0 : 1);`;
  const result = run(process.execPath, ["-e", code], { cwd: paths.root, timeout: 120_000 });
  return { ok: result.status === 0, detail: (result.stdout + result.stderr).trim().split("\n").slice(-3).join("\n") };
}

function libraryStillLoads() {
  const result = run(process.execPath, ["-e", "require('shoplm'); require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm')"], { cwd: paths.root, timeout: 120_000 });
  return { ok: result.status === 0, detail: (result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n") };
}

/** What the WebGPU route finds here (it installs with the course; no download): a hardware adapter, or why not. */
function webGpuReport() {
  const code =
    "const s = require('shoplm'); s.initBackend({ forced: process.argv[1], reset: true })" +
    ".then((i) => { console.log(i.toString()); process.exit(0); }, (e) => { console.log(e.message); process.exit(1); });";
  const hardware = run(process.execPath, ["-e", code, "webgpu"], { cwd: paths.root, timeout: 120_000 });
  const line = (r) => (r.stdout || r.stderr).trim().split("\n").filter((l) => !l.startsWith("Warning:")).slice(-1)[0] ?? "";
  if (hardware.status === 0) return `WebGPU: ${line(hardware)} (the picker uses it before wasm)`;
  const soft = process.platform === "linux" ? run(process.execPath, ["-e", code, "webgpu-soft"], { cwd: paths.root, timeout: 120_000 }) : null;
  return (
    `WebGPU: no hardware adapter (${line(hardware)}); ` +
    (soft ? (soft.status === 0 ? "the software one works (COURSE_BACKEND=webgpu-soft; slower than wasm)" : `no software one either (${line(soft)})`) : "the picker uses wasm")
  );
}

/** Where onnxruntime-node (and transformers.js on it) can run exported models here: each device tried on a MatMul. */
function inferenceReport() {
  const code = "require('shoplm').probeInferenceDevices().then((r) => { console.log(JSON.stringify(r)); process.exit(0); }, (e) => { console.log(JSON.stringify([{ device: 'cpu', ok: false, reason: e.message }])); process.exit(1); });";
  const probe = run(process.execPath, ["-e", code], { cwd: paths.root, timeout: 120_000 });
  const line = probe.stdout.trim().split("\n").filter((l) => l.startsWith("[")).pop();
  if (!line) return [{ device: "cpu", ok: false, reason: (probe.stderr || "the probe printed nothing").trim().split("\n").slice(-2).join(" ") }];
  return JSON.parse(line);
}

/** onnxruntime-node's CUDA provider is not on npm: its own install script fetches it (from NuGet) when asked. */
function installCudaInference() {
  const script = path.join(paths.nodeModules, "onnxruntime-node", "script", "install.js");
  console.log("setup:gpu: installing onnxruntime-node's CUDA provider (its install script downloads it) ...");
  const result = run(process.execPath, [script, "--onnxruntime-node-install=cuda12"], { cwd: path.dirname(path.dirname(script)), timeout: 20 * 60_000 });
  const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-4).join("\n");
  console.log(result.status === 0 ? `setup:gpu: CUDA provider installed in ${seconds(result.seconds)}.` : `setup:gpu: the CUDA provider's install failed (inference stays on the CPU):\n${tail}`);
}

function printInference(devices) {
  const ok = devices.filter((d) => d.ok).map((d) => d.device);
  console.log(`setup:gpu: inference (onnxruntime-node, transformers.js) runs here on: ${ok.join(", ") || "nothing"}; COURSE_INFERENCE_DEVICE picks one (default cpu, "auto": the first of cuda, webgpu, cpu that opens).`);
  for (const d of devices.filter((x) => !x.ok)) console.log(`setup:gpu:   ${d.device}: ${d.reason}`);
}

console.log(`setup:gpu: ${webGpuReport()}`);
const cuda = cudaVisible();
let inference = inferenceReport();
if (cuda && !inference.some((d) => d.device === "cuda" && d.ok)) {
  installCudaInference();
  inference = inferenceReport();
}
printInference(inference);
const name = cuda ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
console.log(`setup:gpu: ${cuda ? `CUDA visible (${cuda})` : "no CUDA visible (no nvidia-smi, no /proc/driver/nvidia)"}; native backend: ${name}@${VERSION}`);
console.log(`setup:gpu: node_modules/${name} now: ${installed(name)}`);

const before = nativeBackendLoads(name);
if (installed(name) === VERSION && before.ok) {
  console.log(`setup:gpu: ${name} is installed and loads (${before.detail}); nothing to do.`);
  process.exit(0);
}

console.log(`setup:gpu: npm install --no-save ${name}@${VERSION} (its install script downloads libtensorflow) ...`);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// The project's .npmrc skips dependencies' install scripts; this one's script is the point (it fetches libtensorflow).
const install = run(npm, ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts=false", `${name}@${VERSION}`], { cwd: paths.root, timeout: 20 * 60_000 });
const after = install.status === 0 ? nativeBackendLoads(name) : { ok: false, detail: "" };

if (install.status === 0 && after.ok) {
  console.log(`setup:gpu: ${name}@${VERSION} installed in ${seconds(install.seconds)}; ${after.detail}.`);
  console.log("setup:gpu: the library picks the native backend when it loads. After the next `npm ci`, run `npm run setup:gpu` again.");
  process.exit(0);
}

// Say what failed in a few lines: npm's own log is long and mostly engine warnings.
const log = `${install.stdout}\n${install.stderr}`.split("\n");
const telling = log.filter((line) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|Downloading|https?:\/\/|Error:|command failed|code \d/.test(line));
const why = install.error ? install.error.message : install.status !== 0 ? telling.slice(0, 12).join("\n") || log.slice(-15).join("\n") : after.detail;
const library = libraryStillLoads();
console.error(`setup:gpu: installing ${name}@${VERSION} failed after ${seconds(install.seconds)}:\n${why}\n`);
console.error(
  "setup:gpu: the course still runs, on the tfjs wasm backend (slower, one core). The native backend's install downloads\n" +
    "  libtensorflow from Google's storage; behind a proxy set HTTPS_PROXY, or point TFJS_NODE_CDN_STORAGE at a mirror,\n" +
    "  then run `npm run setup:gpu` again."
);
console.error(
  library.ok
    ? `setup:gpu: checked: require('shoplm') and the wasm backend still load; node_modules/${name} is ${installed(name)}.`
    : `setup:gpu: WARNING: after the failed install require('shoplm') fails:\n${library.detail}\n  Run \`npm ci\` (or \`npm run setup\`) to restore node_modules.`
);
process.exit(1);
