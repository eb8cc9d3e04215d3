#!/usr/bin/env node
// `node scripts/gpu-path-record.mjs [--notebook 01_pretraining] [--backends wasm,webgpu-soft] [--out data/models/gpu-path.json]`
// Runs one notebook headless once per backend (COURSE_BACKEND forced; `webgpu-soft` is the GPU code
// path on Mesa's software adapter, what CI can run) and records, side by side, each run's time,
// the backend line its first cell printed, and every value it recorded. The chapter 1 model card
// (scripts/model-card.mjs) shows the comparison; a test checks the values agree.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { commandLine } from "./lib/args.mjs";
import { paths, run } from "./lib/project.mjs";
import { writeRecord } from "./lib/record.mjs";

const cli = commandLine(
  "gpu-path-record",
  { notebook: "string", backends: "string", out: "string" },
  "usage: node scripts/gpu-path-record.mjs [--notebook 01_pretraining] [--backends wasm,webgpu-soft] [--out data/models/gpu-path.json]"
);
const notebook = cli.get("notebook") ?? "01_pretraining";
const backends = (cli.get("backends") ?? "wasm,webgpu-soft").split(",");
const out = path.resolve(cli.get("out") ?? path.join(paths.root, "data", "models", "gpu-path.json"));

/** The "Compute backend: ..." line the notebook's first code cell printed. */
function backendLine(executed) {
  const nb = JSON.parse(readFileSync(executed, "utf8"));
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const text = Array.isArray(o.text) ? o.text.join("") : (o.text ?? "");
      const line = text.split("\n").find((l) => l.startsWith("Compute backend:"));
      if (line) return line;
    }
  }
  return null;
}

const runs = [];
for (const backend of backends) {
  const dir = path.join(paths.root, "build", "gpu-path", backend);
  console.log(`gpu-path: ${notebook} with COURSE_BACKEND=${backend} ...`);
  const result = run(process.execPath, [path.join(paths.root, "scripts", "notebooks.mjs"), notebook, "--out", dir, "--timeout", "3000"], {
    cwd: paths.root,
    env: { ...process.env, COURSE_BACKEND: backend },
    timeout: 3300_000,
  });
  const runRecord = JSON.parse(readFileSync(path.join(dir, `${notebook}.run.json`), "utf8"));
  if (result.status !== 0 || runRecord.status !== "passed") {
    console.error(`gpu-path: ${notebook} failed on ${backend}:\n${(result.stdout + result.stderr).split("\n").slice(-30).join("\n")}`);
    process.exit(1);
  }
  const records = JSON.parse(readFileSync(path.join(dir, `${notebook}.records.json`), "utf8"));
  runs.push({ backend, backendLine: backendLine(path.join(dir, `${notebook}.ipynb`)), seconds: runRecord.seconds, codeCells: runRecord.codeCells, records });
  console.log(`gpu-path: ${backend}: passed in ${runRecord.seconds} s`);
}

const record = {
  command: `node scripts/gpu-path-record.mjs --notebook ${notebook} --backends ${backends.join(",")}`,
  date: new Date().toISOString().slice(0, 10),
  notebook,
  profile: "fast",
  runs,
};
console.log(`gpu-path: wrote ${writeRecord(out, record)}; run \`node scripts/model-card.mjs\` to update the card.`);
