/**
 * The GPU code path, on a software GPU: tfjs's webgpu backend on Dawn over Mesa's OpenGL ES
 * (llvmpipe), as CI runs it. The MLM loss and every gradient (each encoder op forward and
 * backward), and eight training steps (AdamW, clipping, dropout), must equal wasm's within 1e-4,
 * with no tensor left behind. The computation runs in its own Node process (webgpu-probe.cjs):
 * inside a test-runner fork Dawn aborts on a futex error. Skips with the install hint where
 * Mesa's libraries are absent.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { initBackend } from "shoplm";
import { adapterLabel, describeAdapter } from "../../lib/src/core/webgpu";
import { GRAMMAR_VOCAB, grammarCorpus, SPECIAL } from "../train/grammar";

const ROOT = path.resolve(__dirname, "..", "..");
const MESA = ["/usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0", "/usr/lib/x86_64-linux-gnu/libGLESv2.so.2"];
const ready = process.platform === "linux" && process.arch === "x64" && MESA.every((f) => existsSync(f)) && existsSync(path.join(ROOT, "lib", "dist", "index.js"));
if (!ready) console.warn("webgpu tests skipped: no Mesa OpenGL ES (apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri; npm run setup does it as root) or no lib/dist.");

interface Side {
  info: string;
  adapter: { software: boolean; description: string } | null;
  loss: number;
  grads: Record<string, number[]>;
  losses: number[];
  norms: number[];
  leaked: number;
}

function probe(backends: string[]): Promise<Record<string, Side>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, "webgpu-probe.cjs"), ...backends], { cwd: ROOT, timeout: 540_000 });
    child.stdin.end(JSON.stringify({ special: SPECIAL, vocab: GRAMMAR_VOCAB, train: grammarCorpus(400, 1), heldOut: grammarCorpus(64, 2) }));
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        const parsed = JSON.parse(line) as Record<string, Side> & { error?: string };
        if (parsed.error || code !== 0) reject(new Error(`probe failed (exit ${code}): ${parsed.error ?? ""}\n${err.slice(-2000)}`));
        else resolve(parsed);
      } catch {
        reject(new Error(`probe printed no result (exit ${code}):\n${out.slice(-1000)}\n${err.slice(-2000)}`));
      }
    });
  });
}

function maxRelative(a: readonly number[], b: readonly number[]): number {
  expect(b).toHaveLength(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(a[i])));
  return worst;
}

describe.skipIf(!ready)("webgpu on a software adapter against wasm", () => {
  it("names the adapter; the loss, every gradient and eight training steps agree within 1e-4; no tensor leaks", async () => {
    const { "webgpu-soft": gpu, wasm } = await probe(["webgpu-soft", "wasm"]);
    expect(gpu.info).toMatch(/^Compute backend: webgpu-soft .*WebGPU on .*OpenGL ES/);
    expect(gpu.adapter?.software).toBe(true);
    expect(Math.abs(gpu.loss - wasm.loss) / wasm.loss).toBeLessThan(1e-4);
    expect(Object.keys(gpu.grads).sort()).toEqual(Object.keys(wasm.grads).sort());
    expect(Object.keys(wasm.grads).length).toBeGreaterThan(20);
    for (const name of Object.keys(wasm.grads)) expect(maxRelative(wasm.grads[name], gpu.grads[name]), name).toBeLessThan(1e-4);
    expect(gpu.losses).toHaveLength(8);
    expect(maxRelative(wasm.losses, gpu.losses)).toBeLessThan(1e-4);
    expect(maxRelative(wasm.norms, gpu.norms)).toBeLessThan(1e-4);
    expect(gpu.leaked).toBe(0);
    expect(wasm.leaked).toBe(0);
  }, 600_000);
});

describe("choosing webgpu", () => {
  it("tells hardware adapters from software ones by what they say", () => {
    expect(describeAdapter({ info: { vendor: "nvidia", device: "NVIDIA H200" } }).software).toBe(false);
    expect(describeAdapter({ info: { description: "llvmpipe (LLVM 15.0.6, 256 bits)" } }).software).toBe(true);
    expect(describeAdapter({ isFallbackAdapter: true }).software).toBe(true);
    expect(adapterLabel(describeAdapter({ info: { vendor: "apple", architecture: "metal-3" } }))).toBe("apple, metal-3");
  });

  it("a forced hardware webgpu on a machine with no GPU is a clear error naming what is missing", async () => {
    if (process.platform !== "linux" || existsSync("/dev/nvidia0") || existsSync("/dev/dri")) return;
    await expect(initBackend({ forced: "webgpu", reset: true })).rejects.toThrow(/COURSE_BACKEND=webgpu could not be loaded: webgpu: no GPU device on this machine/);
    await initBackend({ forced: "wasm", reset: true });
  });
});
