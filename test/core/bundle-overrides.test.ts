/**
 * SHOPLM_WASM_DIR and SHOPLM_WEBGPU_DIR: where a bundled script (scripts/gpu-bench-bundle.mjs)
 * tells the library its tfjs wasm binaries and Dawn's dawn.node lie, since require.resolve finds
 * no packages there. Unset, the packages' own files are used (the other core tests). The wasm
 * side runs in its own Node process on lib/dist: the wasm backend initialises once per process.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "shoplm";

const ROOT = path.resolve(__dirname, "..", "..");
const built = existsSync(path.join(ROOT, "lib", "dist", "index.js"));
const scratch = mkdtempSync(path.join(tmpdir(), "shoplm-overrides-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function wasmInChild(dir: string): { status: number | null; out: string } {
  const code =
    "require('./lib/dist/index.js').initBackend({ forced: 'wasm' })" +
    ".then((i) => { console.log(i.toString()); process.exit(0); }, (e) => { console.log(e.message); process.exit(1); });";
  const r = spawnSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, SHOPLM_WASM_DIR: dir } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!built)("SHOPLM_WASM_DIR", () => {
  it("loads the wasm binaries from the folder it names, and only from there", () => {
    const dir = path.join(scratch, "wasm");
    const empty = path.join(scratch, "empty");
    for (const d of [dir, empty]) rmSync(d, { recursive: true, force: true });
    const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    mkdirSync(dir);
    mkdirSync(empty);
    for (const f of readdirSync(dist).filter((f) => f.endsWith(".wasm"))) copyFileSync(path.join(dist, f), path.join(dir, f));
    const ok = wasmInChild(dir);
    expect(ok.status, ok.out).toBe(0);
    expect(ok.out).toMatch(/Compute backend: wasm/);
    const missing = wasmInChild(empty);
    expect(missing.status).toBe(1);
    expect(missing.out).toContain(path.join(empty, "tfjs-backend-wasm"));
  });
});

describe("SHOPLM_WEBGPU_DIR", () => {
  it("a folder without dawn.node is a clear error naming the variable", async () => {
    if (process.platform !== "linux") return;
    const before = process.env.SHOPLM_WEBGPU_DIR;
    process.env.SHOPLM_WEBGPU_DIR = scratch;
    try {
      // The software adapter loads Dawn first (the hardware one first checks for a GPU device).
      await expect(initBackend({ forced: "webgpu-soft", reset: true })).rejects.toThrow(
        new RegExp(`webgpu-soft: the webgpu package did not load \\(SHOPLM_WEBGPU_DIR=${scratch} holds no dawn\\.node`)
      );
    } finally {
      if (before === undefined) delete process.env.SHOPLM_WEBGPU_DIR;
      else process.env.SHOPLM_WEBGPU_DIR = before;
    }
    await initBackend({ forced: "wasm", reset: true });
  });
});
