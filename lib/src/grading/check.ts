/**
 * `check(id, answer)` in a notebook: runs the exercise's public checks at once and says which
 * case failed, expected against got, with a hint. Hidden checks are not on the student's machine
 * at all (they live in `solutions/`, which the student release leaves out).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { inspect } from "node:util";
import { displayBundle, escapeHtml } from "../viz/display";
import { runChecks, scoreOutcomes, type CheckOutcome, type Exercise } from "./exercise";

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly passed: number;
  readonly total: number;
  readonly outcomes: readonly CheckOutcome[];
  /** Points the public checks alone would give; the grade also counts hidden checks. */
  readonly publicPoints: number;
  readonly hints: readonly string[];
}

/** The folder holding `exercises/` (the course root), from COURSE_ROOT or by walking up from here and from the working directory. */
export function findCourseRoot(start: string[] = [process.cwd(), __dirname]): string {
  const fromEnv = process.env.COURSE_ROOT;
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, "exercises"))) throw new Error(`COURSE_ROOT=${fromEnv} has no exercises/ folder.`);
    return fromEnv;
  }
  for (const dir of start) {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      if (existsSync(path.join(d, "exercises")) && existsSync(path.join(d, "package.json"))) return d;
      if (path.dirname(d) === d) break;
    }
  }
  throw new Error(`Cannot find the course folder (one with exercises/ and package.json) above ${start.join(" or ")}; set COURSE_ROOT.`);
}

/** Every exercise of the course, from the compiled `exercises/dist/index.js`. */
export function loadExercises(root = findCourseRoot()): readonly Exercise[] {
  const file = path.join(root, "exercises", "dist", "index.js");
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (or \`npm run setup\`) to compile the exercises.`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(file) as { exercises?: readonly Exercise[] };
  if (!Array.isArray(loaded.exercises)) throw new Error(`${file} does not export an "exercises" array.`);
  return loaded.exercises;
}

export function findExercise(id: string, exercises: readonly Exercise[] = loadExercises()): Exercise {
  const found = exercises.find((e) => e.id === id);
  if (!found) {
    throw new Error(`No exercise "${id}". Known exercises: ${exercises.map((e) => e.id).join(", ") || "none"}.`);
  }
  return found;
}

const failures = new Map<string, number>();

/**
 * The names whose latest definition did not compile: the course kernel (scripts/kernel) keeps
 * this set, because tslab keeps the last definition that compiled and `check` would otherwise
 * pass code the student no longer sees. Absent outside the course kernel.
 */
export const STALE_DEFINITIONS = Symbol.for("shoplm.kernel.staleDefinitions");

function staleDefinitions(): ReadonlySet<string> {
  const registry = (globalThis as Record<symbol, unknown>)[STALE_DEFINITIONS];
  return registry instanceof Set ? (registry as Set<string>) : new Set();
}

/** Run the public checks of exercise `id` on `answer` and show the verdict. */
export async function check(id: string, answer: unknown, options: { exercises?: readonly Exercise[]; quiet?: boolean } = {}): Promise<CheckResult> {
  const exercise = findExercise(id, options.exercises);
  const outcomes: CheckOutcome[] = staleDefinitions().has(exercise.answerName)
    ? [
        {
          name: `your latest ${exercise.answerName}`,
          status: "error",
          message: `the cell that defines ${exercise.answerName} did not compile, so the kernel still holds an older version; fix the error shown under that cell and run it again`,
          weight: 1,
        },
      ]
    : await runChecks(exercise, answer, exercise.checks);
  const passed = outcomes.filter((o) => o.status === "passed").length;
  let hints: string[] = [];
  if (passed < outcomes.length) {
    const n = (failures.get(id) ?? 0) + 1;
    failures.set(id, n);
    // The failed checks' own hints say what their case catches; then the general ones, one more per try.
    const own = outcomes.flatMap((o) => (o.status !== "passed" && o.hint ? [o.hint] : []));
    hints = [...new Set([...own, ...exercise.hints.slice(0, Math.min(n, exercise.hints.length))])];
  } else {
    failures.delete(id);
  }
  const result: CheckResult = {
    id,
    title: exercise.title,
    passed,
    total: outcomes.length,
    outcomes,
    publicPoints: scoreOutcomes(exercise.points, outcomes),
    hints,
  };
  Object.defineProperty(result, inspect.custom, { value: () => summaryLine(result), enumerable: false });
  // As a cell's last value in the course kernel: nothing more, the verdict is already on the page.
  Object.defineProperty(result, Symbol.for("Jupyter.display"), { value: () => (options.quiet ? { "text/plain": summaryLine(result) } : {}), enumerable: false });
  if (!options.quiet) displayBundle({ "text/html": feedbackHtml(result), "text/plain": feedbackText(result) });
  return result;
}

function summaryLine(r: CheckResult): string {
  return `Exercise ${r.id} (${r.title}): ${r.passed} of ${r.total} public checks passed`;
}

export function feedbackText(r: CheckResult): string {
  const lines = [`${r.passed === r.total ? "PASSED" : "NOT YET"} ${summaryLine(r)}.`];
  for (const o of r.outcomes) {
    lines.push(`  ${o.status === "passed" ? "ok  " : "FAIL"} ${o.name}${o.message ? `: ${o.message}` : ""}`);
    if (o.status !== "passed" && o.input !== undefined) lines.push(`       input: (${o.input})`);
  }
  r.hints.forEach((h, i) => lines.push(`  hint ${i + 1}: ${h}`));
  if (r.passed === r.total) lines.push("  Hidden checks run at grading time test more cases.");
  return lines.join("\n");
}

export function feedbackHtml(r: CheckResult): string {
  const ok = r.passed === r.total;
  const rows = r.outcomes
    .map(
      (o) =>
        `<li style="color:${o.status === "passed" ? "#1a7f37" : "#cf222e"}">${o.status === "passed" ? "&#10003;" : "&#10007;"} ${escapeHtml(o.name)}${
          o.message ? `: <code>${escapeHtml(o.message)}</code>` : ""
        }${o.status !== "passed" && o.input !== undefined ? `<div style="color:#57606a;margin-left:1.2em">input: <code>(${escapeHtml(o.input)})</code></div>` : ""}</li>`
    )
    .join("");
  const hints = r.hints.map((h, i) => `<div><b>Hint ${i + 1}:</b> ${escapeHtml(h)}</div>`).join("");
  return (
    `<div style="border-left:4px solid ${ok ? "#1a7f37" : "#cf222e"};padding:4px 10px;margin:4px 0">` +
    `<b>${ok ? "Passed" : "Not yet"}</b> ${escapeHtml(summaryLine(r))}.<ul style="margin:4px 0">${rows}</ul>${hints}` +
    (ok ? "<div><i>Hidden checks run at grading time test more cases.</i></div>" : "") +
    `</div>`
  );
}
