#!/usr/bin/env node
// `npm test`: set up what the tests need, run every vitest suite (library units, notebooks,
// grading), and end with one plain summary line that CI can read.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });

const setup = run(process.execPath, [path.join(root, "scripts", "setup.mjs"), "--quiet"]);
if (setup.status !== 0) {
  console.error("Setup failed (see above); no test was run.");
  process.exit(setup.status ?? 1);
}

mkdirSync(path.join(root, "build"), { recursive: true });
const report = path.join(root, "build", "vitest-report.json");
rmSync(report, { force: true });
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const result = run(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)]);

if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
}
process.exit(result.status ?? 1);
