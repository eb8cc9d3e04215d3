#!/usr/bin/env node
// `npm run notebooks [-- names...] [--profile fast|full] [--out DIR] [--dir DIR] [--timeout S] [--node PATH] [--verbose]`
// Executes notebooks headless on the course-ts kernel (scripts/run_notebooks.py does the Jupyter
// side) and writes executed copies and records to build/notebooks (see scripts/lib/notebooks.mjs).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { projectBuilds, runBuild } from "./lib/build.mjs";
import { kernelSpec, writeKernelSpec } from "./lib/kernelspec.mjs";
import { resolveNotebooks, resolveProfile, UsageError } from "./lib/notebooks.mjs";
import { jupyterEnv, KERNEL_NAME, paths, pythonPath } from "./lib/project.mjs";

const USAGE = `usage: npm run notebooks -- [name ...] [--profile fast|full] [--out DIR] [--dir DIR] [--timeout SECONDS] [--node PATH] [--verbose]
  name       a notebook in the folder, with or without .ipynb, or a unique prefix (00); none: all, sorted
  --profile  sizes to run with (COURSE_PROFILE in the kernel); default fast
  --out      where executed copies and records go; default build/notebooks
  --dir      the notebooks folder; default notebooks
  --timeout  seconds one notebook may take in all; default the profile's (env COURSE_NOTEBOOK_TIMEOUT)
  --node     the node binary the kernel runs on; default the one running this command (the
             course's kernel spec is left alone: a spec of that node goes under build/)`;

function withKernelPath(env, dir) {
  return dir ? { ...env, JUPYTER_PATH: `${dir}${path.delimiter}${env.JUPYTER_PATH}` } : env;
}

function fail(message, code) {
  console.error(`notebooks: ${message}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      profile: { type: "string" },
      out: { type: "string" },
      dir: { type: "string" },
      timeout: { type: "string" },
      node: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  fail(`${error.message}\n${USAGE}`, 2);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const dir = path.resolve(values.dir ?? paths.notebooks);
const out = path.resolve(values.out ?? paths.builtNotebooks);
let profile;
let names;
try {
  profile = resolveProfile(values.profile ?? process.env.COURSE_PROFILE, values.profile === undefined && process.env.COURSE_PROFILE ? "COURSE_PROFILE" : "--profile");
  names = resolveNotebooks(positionals, dir);
} catch (error) {
  if (error instanceof UsageError) fail(error.message, 2);
  throw error;
}
const timeoutText = values.timeout ?? process.env.COURSE_NOTEBOOK_TIMEOUT;
const timeout = timeoutText === undefined ? profile.notebookTimeoutSeconds : Number(timeoutText);
if (!Number.isFinite(timeout) || timeout <= 0) fail(`--timeout (or COURSE_NOTEBOOK_TIMEOUT) must be a positive number of seconds, got "${timeoutText}".`, 2);

// What the kernel needs, without the slow parts of setup (npm ci would pull node_modules out
// from under a running test): tslab, the built library, the kernel spec.
if (!existsSync(paths.tslabBin)) fail(`tslab is not installed (${paths.tslabBin} is missing); run \`npm run setup\`.`, 3);
const lib = projectBuilds().find((build) => build.name === "lib");
if (!existsSync(lib.output)) {
  console.log("notebooks: lib/dist is missing; building the library ...");
  const result = runBuild(lib);
  if (!existsSync(lib.output)) fail(`building the library failed:\n${result.output}`, 3);
}
// Another node (the test of each supported Node line): a spec of its own, found first on JUPYTER_PATH.
let kernelPath = null;
if (values.node !== undefined) {
  const node = path.resolve(values.node);
  const probe = spawnSync(node, ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) fail(`--node ${values.node}: cannot run it (${probe.error ? probe.error.message : probe.stderr.trim()}).`, 2);
  kernelPath = path.join(paths.root, "build", `jupyter-node-${probe.stdout.trim()}`);
  writeKernelSpec(kernelSpec(node), path.join(kernelPath, "kernels", KERNEL_NAME));
  console.log(`notebooks: the kernel runs on ${node} (${probe.stdout.trim()})`);
} else writeKernelSpec();

const args = [paths.runner, "--out", out, "--profile", profile.name, "--timeout", String(timeout), "--kernel", KERNEL_NAME];
if (values.verbose) args.push("--verbose");
args.push(...names.map((name) => path.join(dir, `${name}.ipynb`)));
const child = spawn(pythonPath(), args, {
  cwd: dir,
  stdio: "inherit",
  env: withKernelPath(jupyterEnv({ COURSE_PROFILE: profile.name, PYTHONUNBUFFERED: "1" }), kernelPath),
});
// Ctrl-C reaches the runner too (same process group); wait for it to shut its kernel down.
process.on("SIGINT", () => {});
child.on("error", (error) => fail(`could not start ${pythonPath()}: ${error.message}. Run \`npm run setup\` or set COURSE_PYTHON.`, 3));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
