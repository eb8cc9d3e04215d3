// Notebook names, profiles and the files the headless runner writes (build/notebooks by default):
//   <name>.ipynb         the executed copy (also for a failed run, up to the failing cell)
//   <name>.records.json  { recordName: value } from every record(...) output, later ones winning
//   <name>.run.json      { status, profile, seconds, cellsRun, failure, recordCells }
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { paths } from "./project.mjs";

export const RECORD_MIME = "application/vnd.shoplm.record+json";

/** The notebook names (file names without .ipynb) in `dir`, sorted. */
export function listNotebooks(dir = paths.notebooks) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ipynb") && !file.startsWith("."))
    .map((file) => file.slice(0, -".ipynb".length))
    .sort();
}

export class UsageError extends Error {}

/**
 * Resolves what the user typed to notebook names: an exact name, the name with .ipynb, or a
 * prefix that matches one notebook only (`00` for `00_shop_and_course_map`). No names: all.
 */
export function resolveNotebooks(requested, dir = paths.notebooks) {
  const available = listNotebooks(dir);
  const list = available.length > 0 ? available.map((name) => `  ${name}`).join("\n") : "  (none)";
  if (requested.length === 0) {
    if (available.length === 0) throw new UsageError(`No notebooks (*.ipynb) in ${dir}.`);
    return available;
  }
  const chosen = [];
  for (const raw of requested) {
    const wanted = path.basename(raw).replace(/\.ipynb$/, "");
    let match = available.filter((name) => name === wanted);
    if (match.length === 0) match = available.filter((name) => name.startsWith(wanted));
    if (match.length === 0) {
      throw new UsageError(`Unknown notebook "${raw}": no notebook in ${dir} is named or starts with "${wanted}". Available:\n${list}`);
    }
    if (match.length > 1) {
      throw new UsageError(`Notebook name "${raw}" is ambiguous in ${dir}: it begins ${match.join(", ")}. Give more of the name.`);
    }
    if (!chosen.includes(match[0])) chosen.push(match[0]);
  }
  return chosen;
}

const FALLBACK_PROFILES = {
  fast: { name: "fast", notebookTimeoutSeconds: 600 },
  full: { name: "full", notebookTimeoutSeconds: 3600 },
};

/**
 * The profiles from the built library (lib/src/core/profile.ts is their one source); the
 * fallback only serves a clone whose library is not built yet (setup builds it first).
 */
export function profiles() {
  const built = path.join(paths.root, "lib", "dist", "core", "profile.js");
  if (existsSync(built)) {
    try {
      const { PROFILES } = createRequire(import.meta.url)(built);
      if (PROFILES && typeof PROFILES === "object") return PROFILES;
    } catch {
      // a half-written build: use the fallback
    }
  }
  return FALLBACK_PROFILES;
}

export function resolveProfile(name, source = "--profile") {
  const all = profiles();
  const chosen = name === undefined || name === "" ? "fast" : name;
  if (!Object.hasOwn(all, chosen)) {
    throw new UsageError(`Unknown profile "${chosen}" (from ${source}): expected one of ${Object.keys(all).join(", ")}.`);
  }
  return all[chosen];
}

/** The summary of the last run of notebook `name` in `outDir`, or null when it never ran there. */
export function readRun(name, outDir = paths.builtNotebooks) {
  const file = path.join(outDir, `${name}.run.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

/**
 * The values notebook `name` recorded in its last run in `outDir`. Throws when it did not run
 * there or its last run failed (records of a partial run must not pass for a notebook's results).
 */
export function readRecords(name, outDir = paths.builtNotebooks) {
  const run = readRun(name, outDir);
  if (!run) throw new Error(`No run of notebook "${name}" in ${outDir}: expected ${name}.run.json there (run \`npm run notebooks -- ${name}\`).`);
  if (run.status !== "passed") {
    const failure = run.failure;
    const line = failure && failure.line ? `, line ${failure.line}` : "";
    const where = failure && failure.kind === "cell" ? ` in code cell ${failure.codeCell} (cell index ${failure.cellIndex})${line}` : "";
    throw new Error(`Notebook "${name}" ${run.status}${where}: ${failure ? `${failure.ename}: ${failure.evalue}` : "no detail"}; its records are incomplete.`);
  }
  return JSON.parse(readFileSync(path.join(outDir, `${name}.records.json`), "utf8"));
}

/**
 * Runs `node scripts/notebooks.mjs ...args` (for tests and other scripts) and resolves with its
 * exit code and output; it never rejects on a failing notebook, only when node cannot start.
 */
export function runNotebooksCli(args, { env = process.env, timeoutMs = 30 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(paths.root, "scripts", "notebooks.mjs"), ...args], {
      cwd: paths.root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr, output: stdout + stderr });
    });
  });
}
