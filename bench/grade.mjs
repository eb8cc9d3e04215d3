#!/usr/bin/env node
// `npm run bench -- grade [--students N] [--jobs N] [--chapter 05_evaluation] [--baseline DIR] [--keep DIR]`:
// bulk-grading throughput (submissions per minute) of one batch of chapter notebooks, graded with
// the default settings (all limits as shipped, `--jobs` = min(cores, 4)) side by side with the
// same batch graded one submission at a time (`--jobs 1`), and, with `--baseline DIR`, by another
// build of the grader (DIR = its lib/dist, e.g. of the previous commit) with the same settings.
// All runs must give byte-identical gradebooks, or the bench exits 1. Besides wall-clock time it
// reports the CPU seconds per submission (this process and every sandbox, from /proc/self/stat),
// which a shared machine's load does not change, and the submissions per minute that CPU time
// allows on 2 idle cores. Then one sandbox start, with and without `import ... from "shoplm"`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const grading = require(path.join(root, "lib", "dist", "grading", "index.js"));

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "60" },
    jobs: { type: "string" },
    chapter: { type: "string", default: "05_evaluation" },
    keep: { type: "string" },
    baseline: { type: "string" },
  },
});
const students = Number(values.students);
const jobs = values.jobs ? Number(values.jobs) : grading.defaultJobs();
if (!Number.isInteger(students) || students < 1) throw new Error(`--students expects a positive integer, got "${values.students}".`);

const source = path.join(root, "notebooks", `${values.chapter}.ipynb`);
const notebook = grading.parseNotebook(readFileSync(source, "utf8"), source);
const exercises = new Map(grading.loadExercises(root).map((e) => [e.id, e]));
const tmp = values.keep ? path.resolve(values.keep) : mkdtempSync(path.join(os.tmpdir(), "bench-grade-"));
const subs = path.join(tmp, "submissions");
mkdirSync(subs, { recursive: true });

// The instructor's notebook as handed in: the reference in every solution cell, except that every
// third student left one exercise's stub in place (a failing answer costs a grader more: every check runs).
for (let i = 0; i < students; i++) {
  const nb = structuredClone(notebook);
  let k = 0;
  for (const cell of nb.cells) {
    const tag = grading.exerciseTag(cell);
    if (tag?.role !== "solution") continue;
    const stub = i % 3 === 2 && k === i % 4 ? exercises.get(tag.id)?.stub : undefined;
    cell.source = `${stub ?? grading.cellSource(cell)}\n// student ${i}\n`;
    k++;
  }
  writeFileSync(path.join(subs, `student-${String(i).padStart(4, "0")}.ipynb`), grading.formatNotebook(nb));
}
const perStudent = notebook.cells.filter((c) => grading.exerciseTag(c)?.role === "solution").length;

/** CPU seconds of this process and of its waited-for children (the sandboxes), from /proc. */
function cpuSeconds() {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime are fields 14-17 (1-based), in clock ticks of 1/100 s on Linux.
  return fields.slice(11, 15).reduce((s, x) => s + Number(x), 0) / 100;
}

async function timed(label, module, jobCount) {
  const out = path.join(tmp, `out-${label}`);
  rmSync(out, { recursive: true, force: true });
  const cpu = cpuSeconds();
  const started = performance.now();
  const run = await module.gradeSubmissions({ root, submissions: subs, out, jobs: jobCount });
  const seconds = (performance.now() - started) / 1000;
  const cpuPer = (cpuSeconds() - cpu) / students;
  if (run.problems.length) throw new Error(`${label}: ${run.problems.join("\n")}`);
  return { label, jobs: jobCount, seconds, perMinute: (students / seconds) * 60, cpuPer, csv: readFileSync(run.files.csv, "utf8"), sandbox: run.sandbox };
}

console.log(`grade bench: ${students} submissions of ${values.chapter} (${perStudent} exercises each), ${os.cpus().length} cores, Node ${process.version}`);
console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
const runs = [await timed("one-at-a-time", grading, 1), await timed("default", grading, jobs)];
if (values.baseline) {
  const baseline = require(path.join(path.resolve(values.baseline), "grading", "index.js"));
  runs.push(await timed(`baseline (${values.baseline})`, baseline, jobs));
}
const [one, many] = runs;
console.log(`sandbox: ${many.sandbox}`);
console.log("| run | jobs | seconds | submissions/min | CPU s per submission | submissions/min the CPU time allows on 2 idle cores |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of runs) {
  console.log(`| ${r.label} | ${r.jobs} | ${r.seconds.toFixed(1)} | ${r.perMinute.toFixed(0)} | ${r.cpuPer.toFixed(3)} | ${((2 * 60) / r.cpuPer).toFixed(0)} |`);
}
console.log(`speed-up of --jobs ${jobs} over one at a time: ${(many.perMinute / one.perMinute).toFixed(2)}x; load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
const same = runs.every((r) => r.csv === one.csv);
console.log(`gradebooks identical: ${same ? "yes" : "NO"}`);

// Where the time of one exercise goes: a sandbox's start (Node, namespaces, the view) with a
// plain cell and with one that imports the library, and one call.
const config = grading.sandboxConfig({ root, isolation: many.sandbox.split(":")[0] });
const spec = (code) => ({ code, answerName: "f", file: "f.js", seed: 1 });
const sample = async (code, n = 5) => {
  const start = [];
  const call = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const { process: proc, load } = await grading.SandboxProcess.start(config, spec(code), 30_000);
    start.push(performance.now() - t);
    if (!load.ok) throw new Error(load.message);
    t = performance.now();
    await proc.call(grading.encodeText([[1, 2, 3]]), false, 10_000);
    call.push(performance.now() - t);
    await proc.close();
  }
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { start: median(start), call: median(call) };
};
const plain = await sample("function f(x) { return x.length; }");
const withLibrary = await sample('const { Rng } = require("shoplm"); function f(x) { return x.length; }');
grading.disposeSandbox(config);
console.log(`one sandbox (median of 5): start ${plain.start.toFixed(0)} ms, with the library imported ${withLibrary.start.toFixed(0)} ms; one call ${plain.call.toFixed(1)} ms`);
if (!values.keep) rmSync(tmp, { recursive: true, force: true });
process.exit(same ? 0 : 1);
