/**
 * The instructor's commands, called by scripts/release.mjs and scripts/grade.mjs:
 *   npm run release -- --out DIR [--assignment FILE|NAME | --exercises 5.1,5.2 | --chapter 5] [--notebooks DIR] [--course ROOT] [--force]
 *   npm run grade -- SUBMISSIONS --out DIR [--assignment FILE|NAME | --exercises 5.1,5.2 | --chapter 5] [--jobs N] [--check-seconds S] [--submission-seconds S]
 *                    [--memory-mb MB] [--output-kb KB] [--notebooks DIR] [--course ROOT]
 *                    [--isolation auto|strong|userns|none] [--allow-weak-sandbox] [--quiet]
 * Each returns the process exit code: 0 done, 1 failed, 2 bad usage.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { assignmentContext, assignmentFromOptions, loadAssignment, type Assignment } from "./assignment";
import { findCourseRoot } from "./check";
import { defaultJobs, gradeSubmissions } from "./grader";
import { buildRelease } from "./release";
import type { IsolationLevel } from "./sandbox";

const ASSIGNMENT_USAGE = `  --assignment FILE|NAME  an assignment file (assignments/NAME.json); see docs/grading.md
  --exercises 5.1,5.2     an assignment of these exercises (or --chapter 5: all of chapter 5)`;

export const RELEASE_USAGE = `usage: npm run release -- --out DIR [--assignment FILE|NAME | --exercises IDS | --chapter N] [--notebooks DIR] [--course ROOT] [--force]
  --out        where the student release goes (an empty folder, or an earlier release with --force)
${ASSIGNMENT_USAGE}
                          (the release ships setup_check and the assignment's notebooks only)
  --notebooks  the instructor's notebooks; default <course>/notebooks
  --course     the course root; default found from the working directory
  --force      replace an earlier release in --out`;

export const GRADE_USAGE = `usage: npm run grade -- SUBMISSIONS --out DIR [options]
  SUBMISSIONS           a folder of alice.ipynb files, or of alice/ folders of notebooks
  --out DIR             results/, gradebook.csv, gradebook.json, scores.csv, feedback/, summary.html; a second run resumes
${ASSIGNMENT_USAGE}
                          (grades its exercises only, into DIR/<assignment>/; DIR/assignments.csv lists them all)
  --jobs N              students graded at once (default min(cores, 4) = ${defaultJobs()})
  --check-seconds S     time limit of one check and of a cell's top-level code (default 10)
  --submission-seconds S  time budget of one student's whole submission (default 120)
  --memory-mb MB        JS heap limit of a sandbox process (default 512; resident memory may add 256)
  --output-kb KB        what a sandbox process may print (default 1024)
  --notebooks DIR       the instructor's notebooks, originals of the locked cells; default <course>/notebooks
  --course ROOT         the course root; default found from the working directory
  --isolation LEVEL     auto (default), strong (root: namespaces, private filesystem view, uid 65534), userns, none
  --allow-weak-sandbox  grade even if only "none" isolation works (no network isolation, no filesystem view)
  --quiet               print only problems and the final line`;

class UsageError extends Error {}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} expects a positive number, got "${value}".`);
  return n;
}

const ASSIGNMENT_OPTIONS = {
  assignment: { type: "string" },
  exercises: { type: "string" },
  chapter: { type: "string" },
} as const;

/** The assignment the options name, or undefined for the whole course. */
function chosenAssignment(values: { assignment?: string; exercises?: string; chapter?: string }, root: string, notebooks: string | undefined): Assignment | undefined {
  const given = ["assignment", "exercises", "chapter"].filter((k) => values[k as keyof typeof values] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of --assignment, --exercises and --chapter, not ${given.map((k) => `--${k}`).join(" and ")}.`);
  if (values.assignment !== undefined) return loadAssignment(values.assignment, root, notebooks);
  if (values.exercises !== undefined || values.chapter !== undefined) return assignmentFromOptions(values, assignmentContext(root, notebooks));
  return undefined;
}

function report(error: unknown, usage: string, command: string): number {
  if (error instanceof UsageError) {
    console.error(`${command}: ${error.message}\n${usage}`);
    return 2;
  }
  console.error(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

export async function releaseMain(argv: readonly string[]): Promise<number> {
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          out: { type: "string" },
          notebooks: { type: "string" },
          course: { type: "string" },
          force: { type: "boolean", default: false },
          ...ASSIGNMENT_OPTIONS,
          help: { type: "boolean", short: "h", default: false },
        },
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      console.log(RELEASE_USAGE);
      return 0;
    }
    if (!values.out) throw new UsageError("--out DIR is required.");
    const root = values.course ? path.resolve(values.course) : findCourseRoot();
    const notebooks = values.notebooks ? path.resolve(values.notebooks) : undefined;
    const assignment = chosenAssignment(values, root, notebooks);
    const result = buildRelease({ root, out: values.out, notebooks, force: values.force, assignment });
    for (const w of result.warnings) console.warn(`release: warning: ${w}`);
    console.log(
      `release: ${assignment ? `assignment ${assignment.name} (${assignment.exercises.join(", ")}; ${assignment.points} points): ` : ""}wrote ${result.files} files to ${result.out}: ${result.notebooks.length} notebook(s), ` +
        `exercises ${result.exercises.join(", ") || "none"} with stubs; no solutions, no hidden checks (searched).`
    );
    return 0;
  } catch (error) {
    return report(error, RELEASE_USAGE, "release");
  }
}

export async function gradeMain(argv: readonly string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          out: { type: "string" },
          jobs: { type: "string" },
          "check-seconds": { type: "string" },
          "submission-seconds": { type: "string" },
          "memory-mb": { type: "string" },
          "output-kb": { type: "string" },
          notebooks: { type: "string" },
          course: { type: "string" },
          isolation: { type: "string" },
          "allow-weak-sandbox": { type: "boolean", default: false },
          quiet: { type: "boolean", default: false },
          ...ASSIGNMENT_OPTIONS,
          help: { type: "boolean", short: "h", default: false },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(GRADE_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one SUBMISSIONS folder, got ${positionals.length}.`);
    if (!values.out) throw new UsageError("--out DIR is required.");
    const isolation = (values.isolation ?? "auto") as IsolationLevel | "auto";
    if (!["auto", "strong", "userns", "none"].includes(isolation)) throw new UsageError(`--isolation expects auto, strong, userns or none, got "${isolation}".`);
    const jobs = positiveNumber(values.jobs, "--jobs");
    const checkSeconds = positiveNumber(values["check-seconds"], "--check-seconds");
    const submissionSeconds = positiveNumber(values["submission-seconds"], "--submission-seconds");
    const memoryMb = positiveNumber(values["memory-mb"], "--memory-mb");
    const outputKb = positiveNumber(values["output-kb"], "--output-kb");
    const root = values.course ? path.resolve(values.course) : findCourseRoot();
    const assignment = chosenAssignment(values, root, values.notebooks ? path.resolve(values.notebooks) : undefined);
    const started = performance.now();
    const run = await gradeSubmissions({
      root,
      assignment,
      submissions: positionals[0],
      out: values.out,
      jobs: jobs === undefined ? undefined : Math.floor(jobs),
      limits: {
        ...(checkSeconds === undefined ? {} : { checkMs: Math.round(checkSeconds * 1000) }),
        ...(memoryMb === undefined ? {} : { memoryMb: Math.round(memoryMb) }),
        ...(outputKb === undefined ? {} : { outputBytes: Math.round(outputKb * 1024) }),
      },
      submissionMs: submissionSeconds === undefined ? undefined : Math.round(submissionSeconds * 1000),
      notebooks: values.notebooks,
      isolation,
      allowWeakSandbox: values["allow-weak-sandbox"],
      log: values.quiet ? undefined : (line) => console.log(`grade: ${line}`),
    });
    for (const problem of run.problems) console.error(`grade: ${problem}`);
    if (run.ignored.length > 0) console.log(`grade: left alone (not notebooks): ${run.ignored.join(", ")}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const flagged = run.grades.filter((g) => g.flags.length > 0 || g.exercises.some((e) => e.flags.length > 0)).length;
    console.log(
      `grade: ${run.grades.length - run.skipped.length} students (${run.graded.length} graded now, ${run.reused.length} kept from an earlier run), ` +
        (run.skipped.length > 0 ? `${run.skipped.length} entries not graded (a row each, with why), ` : "") +
        `${flagged} flagged, in ${seconds} s; ${assignment ? `assignment ${assignment.name} out of ${assignment.points} points; ` : ""}gradebook ${run.files.csv}, summary ${run.files.summary}` +
        (run.files.combined ? `, all assignments ${run.files.combined}` : "")
    );
    return run.problems.length > 0 ? 1 : 0;
  } catch (error) {
    return report(error, GRADE_USAGE, "grade");
  }
}
