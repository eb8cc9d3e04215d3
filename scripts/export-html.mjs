#!/usr/bin/env node
// `npm run export-html [-- names] [--out DIR] [--executed]`: the course notebooks as standalone
// HTML pages (nbconvert), with formulas typeset by a local MathJax, so the pages work offline.
// --executed exports the executed copies `npm run notebooks` wrote to build/notebooks.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { paths, pythonPath, run } from "./lib/project.mjs";

/** Debian's libjs-mathjax (MathJax 2.7, the version nbconvert's templates configure). */
export const MATHJAX = "/usr/share/javascript/mathjax/MathJax.js";

export function exportHtml({ names = [], out = path.join(paths.root, "build", "html"), executed = false } = {}) {
  if (!existsSync(MATHJAX)) throw new Error(`No local MathJax at ${MATHJAX}: install it with \`apt-get install libjs-mathjax\` (npm run setup does, as root).`);
  const dir = executed ? paths.builtNotebooks : paths.notebooks;
  const available = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ipynb")).map((f) => f.slice(0, -6)).sort() : [];
  const chosen = names.length ? names : available;
  const unknown = chosen.filter((n) => !available.includes(n));
  if (unknown.length) throw new Error(`No notebook ${unknown.join(", ")} in ${dir}; there are: ${available.join(", ") || "none"}.`);
  mkdirSync(out, { recursive: true });
  const pages = [];
  for (const name of chosen) {
    const r = run(pythonPath(), [
      "-m", "nbconvert", "--to", "html", "--log-level", "WARN",
      `--HTMLExporter.mathjax_url=file://${MATHJAX}?config=TeX-AMS_CHTML-full`,
      "--output-dir", out, path.join(dir, `${name}.ipynb`),
    ]);
    if (r.status !== 0) throw new Error(`nbconvert failed on ${name}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
    pages.push(path.join(out, `${name}.html`));
  }
  return pages;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const options = { names: [], executed: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out") options.out = path.resolve(args[++i] ?? "");
    else if (args[i] === "--executed") options.executed = true;
    else if (args[i].startsWith("--")) {
      console.error(`export-html: unknown option ${args[i]}; usage: npm run export-html [-- names] [--out DIR] [--executed]`);
      process.exit(2);
    } else options.names.push(args[i]);
  }
  try {
    for (const page of exportHtml(options)) console.log(`wrote ${path.relative(process.cwd(), page)}`);
  } catch (error) {
    console.error(`export-html: ${error.message}`);
    process.exit(1);
  }
}
