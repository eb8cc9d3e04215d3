#!/usr/bin/env node
// `npm run exercises [-- --check]`: write every exercise's three notebook cells (instructions,
// solution, check) from its one definition (exercises/chNN.ts and the region of solutions/chNN.ts).
// With --check, change nothing and exit 1 if any cell differs. The work is in
// lib/dist/grading/exercise-cells.js (through shoplm/instructor); this wrapper builds what it needs and does the file I/O.
import { readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildOrExit } from "./lib/build.mjs";
import { paths } from "./lib/project.mjs";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--check");
if (unknown.length) {
  console.error(`exercises: unknown argument ${unknown.join(" ")}; usage: npm run exercises [-- --check]`);
  process.exit(2);
}
const checkOnly = args.includes("--check");

buildOrExit("exercises");
const require = createRequire(import.meta.url);
const grading = require(path.join(paths.root, "lib", "dist", "instructor.js"));
const { exercises } = require(path.join(paths.root, "exercises", "dist", "index.js"));
const region = (id) => grading.solutionSource(paths.root, id);

let drifted = 0;
for (const name of readdirSync(paths.notebooks).filter((f) => f.endsWith(".ipynb")).sort()) {
  const file = path.join(paths.notebooks, name);
  const text = readFileSync(file, "utf8");
  const { notebook, drift } = grading.syncExerciseCells(grading.parseNotebook(text, file), exercises, region);
  for (const d of drift) {
    console.log(`${path.relative(paths.root, file)}, cell ${d.cell}: exercise ${d.id} ${d.role}, line ${d.line}\n  found:    ${d.found}\n  expected: ${d.expected}`);
  }
  drifted += drift.length;
  if (drift.length && !checkOnly) {
    // Written beside and renamed, so an interrupted run never leaves half a notebook.
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, grading.formatNotebook(notebook));
    renameSync(tmp, file);
  }
}
if (drifted === 0) console.log("exercises: every exercise cell matches its definition.");
else if (checkOnly) {
  console.error(`exercises: ${drifted} cell(s) differ from their definitions; run \`npm run exercises\` to rewrite them.`);
  process.exit(1);
} else console.log(`exercises: rewrote ${drifted} cell(s) from their definitions.`);
