/**
 * `npm ci` as people type it, with nothing but the npm registry reachable: no dependency's install
 * script may download anything (onnxruntime-node's would fetch CUDA providers from a host outside
 * the registry). Run with this machine's npm and with npm 10 (the one Node 22 ships, which still
 * runs dependency scripts by default), in a copy of the files npm reads.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const work = mkdtempSync(path.join(tmpdir(), "course-npm-ci-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The files `npm ci` reads: manifests, lock, .npmrc, the workspace and the vendored stand-in. */
function project(name: string): string {
  const dir = path.join(work, name);
  for (const file of ["package.json", "package-lock.json", ".npmrc", "lib/package.json", "vendor"]) {
    cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
  }
  return dir;
}

/** Asynchronous, so the test worker keeps answering vitest while npm works for minutes. */
function npmCi(dir: string, npm: string[]): Promise<{ status: number | null; output: string }> {
  // The caller's npm_config_* (set by `npm test`) must not leak into the install under test.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "ONNXRUNTIME_NODE_INSTALL"));
  return new Promise((resolve) => {
    const child = spawn(npm[0], [...npm.slice(1), "ci", "--no-audit", "--no-fund"], {
      cwd: dir,
      env: { ...env, npm_config_cache: path.join(work, "cache") },
      timeout: 540_000,
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (error) => resolve({ status: null, output: `${output}\n${String(error)}` }));
    child.on("close", (status) => resolve({ status, output }));
  });
}

describe("plain npm ci on a fresh copy", () => {
  for (const [label, npm] of [
    ["this machine's npm", ["npm"]],
    ["npm 10 (Node 22's)", ["npx", "-y", "npm@10.9.2"]],
  ] as const) {
    it(`${label}: installs offline from the registry, onnxruntime's CPU binaries in place, no config warning`, async () => {
      const dir = project(label.replace(/\W+/g, "-"));
      const { status, output } = await npmCi(dir, [...npm]);
      expect(status, output.slice(-3000)).toBe(0);
      expect(output).not.toMatch(/Unknown (project|user) config/);
      expect(output).not.toMatch(/ENOTFOUND|getaddrinfo/);
      expect(existsSync(path.join(dir, "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "x64", "onnxruntime_binding.node"))).toBe(process.platform === "linux" && process.arch === "x64");
      expect(existsSync(path.join(dir, "node_modules", "shoplm"))).toBe(true);
    }, 600_000);
  }
});
