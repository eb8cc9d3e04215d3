/**
 * Bulk grading: every student's solution cells against the public and hidden checks, each
 * exercise in its own sandboxed process, with partial credit per check (scoreOutcomes).
 *
 * The trusted side (this process) holds the checks, the reference solution and the expected
 * values; the sandbox receives only the cell's code and the check inputs, and sends back raw
 * outputs, which are compared here. Property checks are replayed here against those outputs
 * (replay.ts). One result file per student is written atomically, so a stopped run resumes where
 * it stopped; the gradebook, feedback pages and summary are then assembled from the results.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Assignment } from "./assignment";
import { findCourseRoot, loadExercises } from "./check";
import { cloneArgs, compareValues, type Tolerance } from "./compare";
import { scoreOutcomes, type AnswerFunction, type Check, type CheckOutcome, type Exercise, type PropertyCheck, type Solution } from "./exercise";
import { feedbackPage, summaryPage } from "./feedback";
import {
  exerciseReason,
  gradebookCsv,
  gradebookJson,
  RESULT_VERSION,
  scoresCsv,
  type GradebookAssignment,
  type ScoreSheet,
  writeFileAtomic,
  type ExerciseGrade,
  type ExerciseStatus,
  type FailureKind,
  type GradedCheck,
  type StudentGrade,
} from "./gradebook";
import { sha256Hex } from "../core/hash";
import { cellSource, findExerciseCells, parseNotebook, type ExerciseCells, type Notebook } from "./notebook";
import { runPropertyRemote, type RemoteAnswer, type RemoteResult } from "./replay";
import {
  candidateIsolation,
  DEFAULT_LIMITS,
  killLeftoverSandboxes,
  sandboxConfig,
  SandboxProcess,
  type IsolationLevel,
  type LoadSpec,
  type SandboxConfig,
  type SandboxLimits,
} from "./sandbox";
import {
  discoverSubmissions,
  originalCells,
  readSubmissionNotebook,
  tamperFlags,
  type OriginalCells,
  type ReadNotebook,
  type SkippedEntry,
  type Submission,
} from "./submission";
import { decodeValue, encodeText, roundTrip } from "./transfer";
import { transpileBounded } from "./compile";

/** Bump when a change to the grader can change a grade: resumed runs then re-grade everyone. */
export const GRADER_VERSION = "2";

/**
 * A fault of the grader or the machine, not of the submission (a sandbox that cannot start or
 * mount its view): the student's result is "not graded: grader error", never saved, and the
 * next run grades them again.
 */
export class GraderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraderError";
  }
}

export type PreparedCheck =
  | {
      readonly kind: "case";
      readonly name: string;
      readonly hidden: boolean;
      readonly weight: number;
      readonly args: string;
      readonly expected: unknown;
      readonly tolerance: Tolerance | undefined;
    }
  | { readonly kind: "property"; readonly name: string; readonly hidden: boolean; readonly weight: number; readonly check: PropertyCheck<AnswerFunction> };

export interface PreparedExercise {
  readonly exercise: Exercise;
  readonly checks: readonly PreparedCheck[];
}

export interface Course {
  readonly root: string;
  readonly exercises: readonly PreparedExercise[];
  readonly originals: OriginalCells;
  /** Hash of the compiled exercises and solutions and of the instructor's locked cells. */
  readonly fingerprint: string;
}

function filesUnder(dir: string, pattern: RegExp, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) filesUnder(full, pattern, out);
    else if (pattern.test(name)) out.push(full);
  }
  return out;
}

/** Every notebook in a folder (recursively), parsed; an unreadable instructor notebook is an error. */
export function readCourseNotebooks(dir: string): { file: string; notebook: Notebook }[] {
  return filesUnder(dir, /\.ipynb$/).map((file) => ({ file, notebook: parseNotebook(readFileSync(file, "utf8"), file) }));
}

/** The solutions of the course, from the compiled `solutions/dist/index.js`. */
export function loadSolutions(root: string): readonly Solution[] {
  const file = path.join(root, "solutions", "dist", "index.js");
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run setup\` (or tsc -p solutions/tsconfig.json) to compile the solutions.`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(file) as { solutions?: readonly Solution[] };
  if (!Array.isArray(loaded.solutions)) throw new Error(`${file} does not export a "solutions" array.`);
  return loaded.solutions;
}

function isCase(check: Check<AnswerFunction>): check is Extract<Check<AnswerFunction>, { args: unknown }> {
  return "args" in check;
}

/** Checks with their inputs encoded and their expected values computed (by the reference when absent). */
export async function prepareExercise(exercise: Exercise, solution: Solution): Promise<PreparedExercise> {
  const checks: PreparedCheck[] = [];
  const all = [...exercise.checks.map((c) => ({ c, hidden: false })), ...solution.hidden.map((c) => ({ c, hidden: true }))];
  for (const { c, hidden } of all) {
    const weight = c.weight ?? 1;
    if (!isCase(c)) {
      checks.push({ kind: "property", name: c.name, hidden, weight, check: c as PropertyCheck<AnswerFunction> });
      continue;
    }
    let args: string;
    try {
      args = encodeText(c.args);
    } catch (error) {
      throw new Error(`Exercise ${exercise.id}, check "${c.name}": its arguments cannot be sent to the sandbox: ${(error as Error).message}.`);
    }
    const expected = c.expected !== undefined ? c.expected : await (solution.reference as (...a: unknown[]) => unknown)(...cloneArgs(c.args as unknown[]));
    let normalised: unknown;
    try {
      normalised = roundTrip(expected);
    } catch (error) {
      throw new Error(`Exercise ${exercise.id}, check "${c.name}": its expected value cannot be compared across processes: ${(error as Error).message}.`);
    }
    checks.push({ kind: "case", name: c.name, hidden, weight, args, expected: normalised, tolerance: c.tolerance ?? exercise.tolerance });
  }
  return { exercise, checks };
}

/** The course as the grader sees it; with `only`, just those exercises (an assignment's). */
export async function prepareCourse(root: string, notebooksDir = path.join(root, "notebooks"), only?: readonly string[]): Promise<Course> {
  const all = loadExercises(root);
  const missing = (only ?? []).filter((id) => !all.some((e) => e.id === id));
  if (missing.length) throw new Error(`No exercise ${missing.join(", ")} in the course (it has ${all.map((e) => e.id).join(", ")}).`);
  const exercises = only ? all.filter((e) => only.includes(e.id)) : all;
  const solutions = loadSolutions(root);
  const prepared: PreparedExercise[] = [];
  for (const exercise of exercises) {
    const solution = solutions.find((s) => s.id === exercise.id);
    if (!solution) throw new Error(`Exercise ${exercise.id} has no reference solution in solutions/ (found: ${solutions.map((s) => s.id).join(", ") || "none"}).`);
    prepared.push(await prepareExercise(exercise, solution));
  }
  const originals = originalCells(readCourseNotebooks(notebooksDir).map((n) => n.notebook));
  const compiled = [...filesUnder(path.join(root, "exercises", "dist"), /\.js$/), ...filesUnder(path.join(root, "solutions", "dist"), /\.js$/)];
  const hash = sha256Hex(
    [GRADER_VERSION, JSON.stringify(only ?? null), ...compiled.map((f) => `${path.relative(root, f)}\n${sha256Hex(readFileSync(f))}`), JSON.stringify([...originals.entries()])].join("\n")
  );
  return { root, exercises: prepared, originals, fingerprint: hash };
}

/** Time left for one student's submission (monotonic clock). */
class Budget {
  private readonly deadline: number;
  constructor(readonly totalMs: number) {
    this.deadline = performance.now() + totalMs;
  }
  remaining(): number {
    return Math.max(0, Math.floor(this.deadline - performance.now()));
  }
}

/** The answer as the sandbox runs it: restarts the process after a crash, remembers a cell that cannot load. */
class SandboxedAnswer implements RemoteAnswer {
  private process: SandboxProcess | null = null;
  private loadProblem: { kind: FailureKind; message: string } | null = null;
  stdout = "";
  stderr = "";

  constructor(
    private readonly config: SandboxConfig,
    private readonly spec: LoadSpec,
    private readonly budget: Budget
  ) {}

  get problem(): { kind: FailureKind; message: string } | null {
    return this.loadProblem;
  }

  private budgetResult(): RemoteResult {
    return { kind: "budget", message: `not run: the submission used up its ${Math.round(this.budget.totalMs / 1000)} s time budget` };
  }

  async call(args: string, wantArgs: boolean): Promise<RemoteResult> {
    if (this.loadProblem) return { kind: "not-run", message: this.loadProblem.message };
    const limits = this.config.limits;
    if (!this.process || this.process.dead) {
      await this.collect();
      const remaining = this.budget.remaining();
      if (remaining <= 0) return this.budgetResult();
      const full = limits.startupMs + limits.checkMs;
      const limit = Math.min(full, remaining);
      const { process, load } = await this.startSandbox(limit);
      this.process = process;
      if (!load.ok) {
        process.kill();
        await this.collect();
        if (load.kind === "timeout" && limit < full) return this.budgetResult();
        const message = load.kind === "refused" ? load.message : `while loading the cell, ${load.message}`;
        const kind: FailureKind = load.kind === "refused" ? "not-run" : load.kind === "protocol" ? "unreadable" : load.kind === "sandbox" ? "crash" : load.kind;
        this.loadProblem = { kind, message };
        return { kind: "not-run", message };
      }
    }
    const remaining = this.budget.remaining();
    if (remaining <= 0) return this.budgetResult();
    const limit = Math.min(limits.checkMs, remaining);
    const result = await this.process.call(args, wantArgs, limit);
    if (result.kind === "timeout" && limit < limits.checkMs) return this.budgetResult();
    return result;
  }

  /**
   * Start a sandbox; one that fails before any student code ran (start-up, mounts, Node not
   * starting in the full time) is tried once more, then the grader's own error is thrown.
   */
  private async startSandbox(limit: number): Promise<Awaited<ReturnType<typeof SandboxProcess.start>>> {
    const full = this.config.limits.startupMs + this.config.limits.checkMs;
    for (let attempt = 1; ; attempt++) {
      const started = await SandboxProcess.start(this.config, this.spec, limit);
      const { process, load } = started;
      const infrastructure = !load.ok && (load.kind === "sandbox" || (load.kind === "timeout" && !process.started && limit >= full));
      if (!infrastructure) return started;
      process.kill();
      await process.finished;
      if (attempt >= 2) throw new GraderError(load.ok ? "the sandbox did not start" : load.message);
    }
  }

  /** Keep what a finished process printed (once it has all been read), and let go of it. */
  private async collect(): Promise<void> {
    const done = this.process;
    if (!done) return;
    this.process = null;
    await done.finished;
    if (this.stdout.length < 4096) this.stdout += done.stdoutHead.slice(0, 4096 - this.stdout.length);
    if (done.stderrTail) this.stderr = (this.stderr + done.stderrTail).slice(-4096);
  }

  async close(): Promise<void> {
    if (this.process && !this.process.dead) await this.process.close();
    await this.collect();
  }
}

type Judged = Pick<GradedCheck, "status" | "kind" | "message">;

function judgeFailure(result: Exclude<RemoteResult, { kind: "returned" }>): Judged {
  switch (result.kind) {
    case "threw":
      return { status: "error", kind: "threw", message: `threw ${result.message}` };
    case "unserializable":
      return { status: "error", kind: "unreadable", message: `returned a value that cannot be compared: ${result.message}` };
    case "protocol":
      return { status: "error", kind: "unreadable", message: result.message };
    case "sandbox":
      // Only before the cell ran; a call never sees it (the start-up turns it into a GraderError).
      throw new GraderError(result.message);
    default:
      return { status: "error", kind: result.kind, message: result.message };
  }
}

async function judgeCase(check: Extract<PreparedCheck, { kind: "case" }>, answer: RemoteAnswer): Promise<Judged> {
  const result = await answer.call(check.args, false);
  if (result.kind !== "returned") return judgeFailure(result);
  try {
    const got = decodeValue(result.value);
    const diff = compareValues(check.expected, got, check.tolerance);
    return diff ? { status: "failed", kind: "wrong", message: diff } : { status: "passed", kind: null, message: "" };
  } catch (error) {
    return { status: "error", kind: "unreadable", message: `the output could not be read: ${(error as Error).message}` };
  }
}

async function judgeProperty(check: Extract<PreparedCheck, { kind: "property" }>, answer: RemoteAnswer): Promise<Judged> {
  try {
    const verdict = await runPropertyRemote(check.check, answer);
    switch (verdict.status) {
      case "passed":
        return { status: "passed", kind: null, message: "" };
      case "failed":
        return { status: "failed", kind: "wrong", message: verdict.message };
      case "error":
        return { status: "error", kind: verdict.cause === "answer" ? "threw" : verdict.cause === "authoring" ? "grader" : "wrong", message: verdict.message };
      case "stopped":
        return judgeFailure(verdict.result);
    }
  } catch (error) {
    if (error instanceof GraderError) throw error;
    return { status: "error", kind: "grader", message: (error as Error).message };
  }
}

export interface GradeExerciseOptions {
  readonly config: SandboxConfig;
  readonly budget: Budget;
  readonly seed?: number;
}

/** Grade one solution cell: every check, in order (public first), partial credit by weight. */
export async function gradeCell(
  prepared: PreparedExercise,
  source: string,
  options: GradeExerciseOptions
): Promise<{ checks: GradedCheck[]; points: number; loadProblem: string | null; stdout: string; stderr: string }> {
  const { exercise } = prepared;
  const file = `exercise-${exercise.id}.ts`;
  const numbered = (i: number) => prepared.checks.slice(0, i + 1).filter((c) => c.hidden === prepared.checks[i].hidden).length;
  // In a worker thread with a time limit: the compiler is super-linear on some inputs (a 256 KB
  // chain of "1 + 1 + ..." takes minutes), and this process must stay free for the other students.
  const compiled = await transpileBounded(source, file, Math.min(options.config.limits.startupMs + options.config.limits.checkMs, Math.max(1, options.budget.remaining())));
  if ("error" in compiled) {
    const checks = prepared.checks.map((c, i) => ({ name: c.name, hidden: c.hidden, number: numbered(i), weight: c.weight, status: "error" as const, kind: "not-run" as const, message: compiled.error }));
    return { checks, points: 0, loadProblem: compiled.error, stdout: "", stderr: "" };
  }
  const answer = new SandboxedAnswer(
    options.config,
    { code: compiled.code, answerName: exercise.answerName, file, seed: options.seed ?? 42, withheld: exercise.libraryCounterparts ?? [] },
    options.budget
  );
  const checks: GradedCheck[] = [];
  try {
    for (const [i, check] of prepared.checks.entries()) {
      const judged = check.kind === "case" ? await judgeCase(check, answer) : await judgeProperty(check, answer);
      checks.push({ name: check.name, hidden: check.hidden, number: numbered(i), weight: check.weight, ...judged });
    }
  } finally {
    await answer.close();
  }
  const outcomes: CheckOutcome[] = checks.map((c) => ({ name: c.name, status: c.status, message: c.message, weight: c.weight }));
  const loadProblem = answer.problem && checks.every((c) => c.kind === "not-run") ? answer.problem.message : null;
  return { checks, points: scoreOutcomes(exercise.points, outcomes), loadProblem, stdout: answer.stdout, stderr: answer.stderr };
}

function statusOf(points: number, max: number, loadProblem: string | null): ExerciseStatus {
  if (loadProblem) return "error";
  if (points >= max) return "passed";
  return points > 0 ? "partial" : "failed";
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface StudentOptions {
  readonly course: Course;
  readonly config: SandboxConfig;
  readonly submissionMs: number;
  /** The submissions folder (file names in the results are relative to it). */
  readonly submissionsDir: string;
  readonly fingerprint: string;
  /** The student's notebooks, already read (readSubmission); read here when absent. */
  readonly read?: readonly ReadNotebook[];
  /** Text of the grader's machine that must not reach a student (paths, host name); see redactor. */
  readonly redact?: (text: string) => string;
}

/** Most bytes read of one student's notebooks in all; what is past it is reported, not read. */
export const MAX_SUBMISSION_BYTES = 64 << 20;

/** Read every notebook of a submission once (capped in size, links not followed). */
export function readSubmission(submission: Submission, submissionsDir: string): ReadNotebook[] {
  let total = 0;
  return submission.files.map((f) => {
    if (total > MAX_SUBMISSION_BYTES) {
      const name = path.relative(submissionsDir, f);
      const problem = `${name} was not read: the submission's notebooks are more than ${MAX_SUBMISSION_BYTES >> 20} MB in all`;
      return { file: f, notebook: null, problem, digest: "problem:total" };
    }
    const read = readSubmissionNotebook(f, submissionsDir);
    try {
      total += lstatSync(f).size;
    } catch {
      // gone since: the read already says so
    }
    return read;
  });
}

const REFERENCE_ERROR = /ReferenceError: ([A-Za-z_$][\w$]{0,200}) is not defined/;

/**
 * Where a name the graded cell used but did not define is declared in another cell of the
 * student's notebooks (a helper left in its own cell): "cell 7 of 05_evaluation.ipynb", or null.
 * One linear scan per code cell (the pattern cannot backtrack past one whitespace run).
 */
export function definedElsewhere(name: string, read: readonly ReadNotebook[], graded: { file: string; index: number }, submissionsDir: string): string | null {
  const escaped = name.replace(/\$/g, "\\$");
  const declaration = new RegExp(`(?:^|[^\\w$.])(?:function\\*?|class|const|let|var)\\s+${escaped}(?![\\w$])|(?:^|[^\\w$.])${escaped}\\s*=[^=>]`, "m");
  for (const r of read) {
    if (!r.notebook) continue;
    const file = path.relative(submissionsDir, r.file);
    for (const [index, cell] of r.notebook.cells.entries()) {
      if (cell.cell_type !== "code" || (file === graded.file && index === graded.index)) continue;
      const source = cellSource(cell);
      if (source.includes(name) && declaration.test(source)) return `cell ${index + 1} of ${file}`;
    }
  }
  return null;
}

/** The reason's prefix when the graded cell needs something another cell defines. */
function otherCellHint(checks: readonly GradedCheck[], loadProblem: string | null, read: readonly ReadNotebook[], graded: { file: string; index: number }, submissionsDir: string): string | null {
  for (const message of [loadProblem ?? "", ...checks.map((c) => c.message)]) {
    const name = REFERENCE_ERROR.exec(message)?.[1];
    if (!name) continue;
    const where = definedElsewhere(name, read, graded, submissionsDir);
    if (where) return `only the answer cell is graded; \`${name}\` is defined in another cell of your notebook (${where}): move it into the answer cell`;
  }
  return null;
}

export async function gradeStudent(submission: Submission, options: StudentOptions): Promise<StudentGrade> {
  const { course } = options;
  const redact = options.redact ?? ((text: string) => text);
  const read = options.read ?? readSubmission(submission, options.submissionsDir);
  const flags = read.filter((r) => r.problem).map((r) => `unreadable: ${r.problem}`);
  flags.push(...submission.skipped);
  if (submission.files.length === 0) flags.push("no notebook (.ipynb) in the submission");
  const found = new Map<string, { cells: ExerciseCells; file: string; copies: number }>();
  for (const r of read) {
    if (!r.notebook) continue;
    for (const [id, cells] of findExerciseCells(r.notebook)) {
      if (!cells.solution) continue;
      const seen = found.get(id);
      if (seen) seen.copies++;
      else found.set(id, { cells, file: path.relative(options.submissionsDir, r.file), copies: 1 });
    }
  }
  const budget = new Budget(options.submissionMs);
  const exercises: ExerciseGrade[] = [];
  for (const prepared of course.exercises) {
    const { exercise } = prepared;
    const entry = found.get(exercise.id);
    if (!entry) {
      const unreadable = read.some((r) => r.problem);
      const reason = unreadable
        ? `no solution cell for exercise ${exercise.id} in the readable notebooks; ${read.filter((r) => r.problem).map((r) => r.problem).join("; ")}`
        : `no cell tagged exercise:${exercise.id} and solution in the submission`;
      exercises.push({
        id: exercise.id,
        title: exercise.title,
        points: 0,
        max: exercise.points,
        status: unreadable ? "unreadable" : "missing",
        reason: redact(reason),
        flags: [],
        checks: [],
        notebook: null,
        output: { stdout: "", stderr: "" },
      });
      continue;
    }
    const exerciseFlags = tamperFlags(entry.cells, course.originals.get(exercise.id), exercise.answerName);
    if (entry.copies > 1) exerciseFlags.push(`repeated: exercise ${exercise.id} appears in ${entry.copies} notebooks; ${entry.file} was graded`);
    const solution = entry.cells.solution!;
    const graded = await gradeCell(prepared, solution.source, { config: options.config, budget });
    const status = statusOf(graded.points, exercise.points, graded.loadProblem);
    let reason = exerciseReason(status, graded.checks, graded.loadProblem ?? undefined);
    if (status !== "passed") {
      const hint = otherCellHint(graded.checks, graded.loadProblem, read, { file: entry.file, index: solution.index }, options.submissionsDir);
      if (hint) reason = `${hint}. ${reason}`;
    }
    exercises.push({
      id: exercise.id,
      title: exercise.title,
      points: graded.points,
      max: exercise.points,
      status,
      reason: redact(reason),
      flags: exerciseFlags.map(redact),
      checks: graded.checks.map((c) => ({ ...c, message: redact(c.message) })),
      notebook: entry.file,
      output: { stdout: graded.stdout, stderr: graded.stderr },
    });
  }
  return {
    version: RESULT_VERSION,
    fingerprint: options.fingerprint,
    student: submission.student,
    files: submission.files.map((f) => path.relative(options.submissionsDir, f)),
    points: round3(exercises.reduce((s, e) => s + e.points, 0)),
    max: round3(exercises.reduce((s, e) => s + e.max, 0)),
    exercises,
    flags: flags.map(redact),
  };
}

/** A student not graded at all (a grader error, or an entry that cannot be graded): a row per exercise, with why. */
function notGraded(student: string, files: readonly string[], course: Course, fingerprint: string, reason: string, flags: readonly string[]): StudentGrade {
  const exercises: ExerciseGrade[] = course.exercises.map(({ exercise }) => ({
    id: exercise.id,
    title: exercise.title,
    points: 0,
    max: exercise.points,
    status: "not-graded",
    reason,
    flags: [],
    checks: [],
    notebook: null,
    output: { stdout: "", stderr: "" },
  }));
  return {
    version: RESULT_VERSION,
    fingerprint,
    student,
    files,
    points: 0,
    max: round3(exercises.reduce((s, e) => s + e.max, 0)),
    exercises,
    flags,
  };
}

function graderFailure(submission: Submission, course: Course, fingerprint: string, submissionsDir: string): StudentGrade {
  return notGraded(
    submission.student,
    submission.files.map((f) => path.relative(submissionsDir, f)),
    course,
    fingerprint,
    "not graded: grader error (the grader failed on this submission; it is graded again on the next run)",
    ["grader-error: the grader failed on this submission; it is graded again on the next run"]
  );
}

function skippedGrade(entry: SkippedEntry, course: Course): StudentGrade {
  return notGraded(entry.student, [], course, "", entry.reason, []);
}

/** What a student's grade depends on besides the course: their files (as read) and the limits. */
export function studentFingerprint(course: Course, submission: Submission, limits: SandboxLimits, submissionMs: number, read?: readonly ReadNotebook[]): string {
  const digests = read ?? readSubmission(submission, path.dirname(submission.files[0] ?? "."));
  const files = submission.files.map((f, i) => `${path.basename(f)}:${digests[i]?.digest ?? "missing"}`);
  return sha256Hex([course.fingerprint, JSON.stringify(limits), String(submissionMs), submission.student, ...submission.skipped, ...files].join("\n"));
}

/**
 * Replace what belongs to the grader's machine (the course, output and submissions folders, the
 * home folder, the Node install, the host name) wherever it appears in text a student sees: a
 * cell can print `process.execArgv` or `require.resolve("shoplm")` into its error message.
 */
export function redactor(secrets: readonly (readonly [string, string])[]): (text: string) => string {
  const pairs = secrets.filter(([secret]) => secret.length >= 4).sort((a, b) => b[0].length - a[0].length);
  return (text: string) => {
    let out = text;
    for (const [secret, shown] of pairs) if (out.includes(secret)) out = out.split(secret).join(shown);
    return out;
  };
}

export interface GradeOptions {
  /** The course root (with exercises/dist and solutions/dist); found from the working directory by default. */
  readonly root?: string;
  readonly submissions: string;
  readonly out: string;
  /** Students graded at once; default min(cores, 4). */
  readonly jobs?: number;
  readonly limits?: Partial<SandboxLimits>;
  /** Wall-clock budget for all of one student's exercises, in ms (default 120 s). */
  readonly submissionMs?: number;
  /** The instructor's notebooks, the originals of the locked cells; default <root>/notebooks. */
  readonly notebooks?: string;
  /** `auto` (default) takes the strongest isolation that works here. */
  readonly isolation?: IsolationLevel | "auto";
  /** Grade even when only `none` isolation (no network isolation) is available. */
  readonly allowWeakSandbox?: boolean;
  /** Grade only this assignment's exercises, into `<out>/<name>/`, and rebuild `<out>/assignments.csv`. */
  readonly assignment?: Assignment;
  readonly log?: (line: string) => void;
}

export interface GradeRun {
  readonly grades: readonly StudentGrade[];
  /** Students graded by this run, and those whose earlier result was kept. */
  readonly graded: readonly string[];
  readonly reused: readonly string[];
  /** Faults of the grader itself, one per student it could not grade (not saved: the next run retries). */
  readonly problems: readonly string[];
  /** Entries of the submissions folder that were not graded (links, FIFOs, dot-files, ...), each with a gradebook row. */
  readonly skipped: readonly SkippedEntry[];
  /** Plain files beside the submissions that are not notebooks (left alone). */
  readonly ignored: readonly string[];
  readonly sandbox: string;
  readonly files: {
    readonly csv: string;
    readonly json: string;
    /** One row per student, one column per exercise, the total. */
    readonly scores: string;
    readonly summary: string;
    readonly feedback: string;
    readonly results: string;
    /** With an assignment: every assignment graded into the same --out, side by side. */
    readonly combined: string | null;
  };
}

const PROBE = (direct: string, viaLink: string) => `
function probe() {
  const fs = require("fs");
  const unreadable = (file) => { try { fs.readFileSync(file); return false; } catch (e) { return true; } };
  let deniedSpawn = false;
  try { require("child_process").spawnSync("true"); } catch (e) { deniedSpawn = e.code === "ERR_ACCESS_DENIED"; }
  const interfaces = Object.keys(require("os").networkInterfaces());
  return { uid: typeof process.getuid === "function" ? process.getuid() : -1, interfaces, deniedRead: unreadable(${JSON.stringify(direct)}),
    deniedLink: unreadable(${JSON.stringify(viaLink)}), deniedSpawn };
}`;

/** Try one isolation level with a probe cell; the description of what holds, or why it failed. */
export async function probeSandbox(config: SandboxConfig, root: string): Promise<{ ok: boolean; description: string }> {
  const direct = path.join(root, "package.json");
  // The course's workspace link: with only the permission model, "<link>/../package.json" is read.
  const viaLink = `${config.nodeModules}/shoplm/../package.json`; // not path.join: it would remove the ".."
  const { process: proc, load } = await SandboxProcess.start(config, { code: PROBE(direct, viaLink), answerName: "probe", file: "probe.js", seed: 1 }, 30_000);
  if (!load.ok) return { ok: false, description: `${config.isolation}: ${load.message}${proc.stderrTail ? ` (${proc.stderrTail.trim().split("\n").slice(-1)[0]})` : ""}` };
  const result = await proc.call(encodeText([]), false, 10_000);
  await proc.close();
  if (result.kind !== "returned") return { ok: false, description: `${config.isolation}: the probe ${result.message}` };
  const got = decodeValue(result.value) as { uid: number; interfaces: string[]; deniedRead: boolean; deniedLink: boolean; deniedSpawn: boolean };
  const isolated = config.isolation !== "none";
  const problems: string[] = [];
  if (!got.deniedRead) problems.push(`the sandbox could read ${direct}`);
  if (isolated && !got.deniedLink) problems.push(`the sandbox could read ${viaLink}`);
  if (!got.deniedSpawn) problems.push("the sandbox could start a process");
  if (isolated && got.interfaces.length > 0) problems.push(`the sandbox sees network interfaces ${got.interfaces.join(", ")}`);
  if (config.isolation === "strong" && got.uid !== config.uid) problems.push(`the sandbox runs as uid ${got.uid}, not ${config.uid}`);
  if (problems.length) return { ok: false, description: `${config.isolation}: ${problems.join("; ")}` };
  const l = config.limits;
  const parts = [
    "Node permission model (reads only lib/dist and node_modules; no writes, child processes, workers, addons)",
    ...(isolated
      ? ["a private read-only filesystem view (system, Node, lib/dist, node_modules only)", "no network (own network namespace)", "own PID, IPC and mount namespaces"]
      : [`NO network isolation, NO filesystem view${got.deniedLink ? "" : ` (symbolic links get around the permission model: ${viaLink} was readable)`}`]),
    ...(config.isolation === "strong" ? [`unprivileged uid ${config.uid}`] : []),
    config.tools.prlimit ? `rlimits (address space ${1536 + l.memoryMb} MB, CPU ${config.cpuSeconds} s, no files, no core dumps)` : "no rlimits (prlimit missing)",
    `heap ${l.memoryMb} MB, resident memory ${l.memoryMb + 256} MB, ${l.checkMs} ms per check, output ${l.outputBytes} bytes`,
  ];
  return { ok: true, description: `${config.isolation}: ${parts.join("; ")}` };
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function readResult(file: string): StudentGrade | null {
  try {
    const grade = JSON.parse(readFileSync(file, "utf8")) as StudentGrade;
    return grade.version === RESULT_VERSION && typeof grade.fingerprint === "string" ? grade : null;
  } catch {
    return null;
  }
}

/**
 * Run `task` over `items` with at most `jobs` at once; results keep the items' order. An item whose
 * task throws gets `onError`'s value, and the others go on: this settles only when every worker
 * has stopped, so nothing shared is torn down under a running one.
 */
async function pool<T, R>(items: readonly T[], jobs: number, task: (item: T) => Promise<R>, onError: (item: T, error: unknown) => R): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i]);
      } catch (error) {
        results[i] = onError(items[i], error);
      }
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

export function defaultJobs(): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 4));
}

/** The gradebooks of every assignment graded into `dir` (its subfolders' gradebook.json), by name. */
export function assignmentSheets(dir: string): ScoreSheet[] {
  const sheets: ScoreSheet[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, "gradebook.json");
    if (!existsSync(file)) continue;
    try {
      const book = JSON.parse(readFileSync(file, "utf8")) as { assignment?: GradebookAssignment; students?: ScoreSheet["students"] };
      if (!book.assignment || book.assignment.name !== name || !Array.isArray(book.students)) continue;
      sheets.push({ label: name, exercises: book.assignment.exercises, points: book.assignment.points, students: book.students });
    } catch {
      // a gradebook being rewritten by another run, or not ours: left out of the combined table
    }
  }
  return sheets;
}

/** Grade a folder of submissions into `out`: results/, gradebook.csv/.json, feedback/, summary.html. */
export async function gradeSubmissions(options: GradeOptions): Promise<GradeRun> {
  const log = options.log ?? (() => undefined);
  const root = realpathSync(options.root ?? findCourseRoot());
  const submissionsDir = realpathSync(options.submissions);
  const assignment = options.assignment ?? null;
  mkdirSync(options.out, { recursive: true });
  // Each assignment has its own folder, so that grading another one into the same --out keeps this one.
  const out = assignment ? path.join(realpathSync(options.out), assignment.name) : realpathSync(options.out);
  mkdirSync(out, { recursive: true });
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const submissionMs = options.submissionMs ?? 120_000;
  if (inside(out, submissionsDir)) throw new Error(`The output folder ${out} is inside the submissions folder ${submissionsDir}; put it elsewhere.`);
  if (inside(submissionsDir, out)) throw new Error(`The submissions folder ${submissionsDir} is inside the output folder ${out}; put it elsewhere.`);

  const course = await prepareCourse(root, options.notebooks, assignment?.exercises);
  const cpuSeconds = Math.ceil(submissionMs / 1000) + 30;
  const levels = options.isolation && options.isolation !== "auto" ? [options.isolation] : candidateIsolation();
  let config: SandboxConfig | null = null;
  let sandbox = "";
  const failures: string[] = [];
  // The filesystem view is mounted on this empty folder, inside each sandbox's own mount namespace
  // (the folder stays empty out here; a run stopped by kill -9 leaves it for the next run).
  const view = path.join(out, ".sandbox-view");
  mkdirSync(view, { recursive: true });
  // Sandboxes of a run stopped by kill -9 die with it (parent-death signal); any left where that
  // signal is missing are ended here, before this run uses the view.
  const leftover = killLeftoverSandboxes(view);
  if (leftover > 0) log(`ended ${leftover} sandbox process(es) left by an earlier run`);
  if (readdirSync(view).length > 0) throw new Error(`${view} should be empty (the sandboxes mount their view on it); remove what is in it.`);
  try {
    for (const level of levels) {
      const candidate = sandboxConfig({ root, limits, isolation: level, cpuSeconds, view });
      for (const p of candidate.binds) {
        for (const [what, dir] of [["output", out], ["submissions", submissionsDir]] as const) {
          if (inside(dir, p) || inside(p, dir)) throw new Error(`The ${what} folder ${dir} overlaps ${p}, which the sandbox can see; put it elsewhere.`);
        }
      }
      const probe = await probeSandbox(candidate, root);
      if (probe.ok) {
        config = candidate;
        sandbox = probe.description;
        break;
      }
      failures.push(probe.description);
    }
    if (!config) throw new Error(`No sandbox works on this machine: ${failures.join(" | ")}`);
    if (config.isolation === "none" && !options.allowWeakSandbox) {
      throw new Error(
        `Only weak isolation is available here (${sandbox}). Student code could use the network. ` +
          `Run as root on Linux with util-linux (unshare, setpriv, prlimit), or pass --allow-weak-sandbox to grade anyway.` +
          (failures.length ? ` Stronger levels failed: ${failures.join(" | ")}` : "")
      );
    }
    log(`sandbox: ${sandbox}`);

    const resultsDir = path.join(out, "results");
    const feedbackDir = path.join(out, "feedback");
    mkdirSync(resultsDir, { recursive: true });
    mkdirSync(feedbackDir, { recursive: true });
    // Half-written temporaries of a stopped run; finished results were renamed into place.
    for (const dir of [resultsDir, feedbackDir, out]) {
      for (const name of readdirSync(dir)) if (name.startsWith(".tmp-")) rmSync(path.join(dir, name), { force: true });
    }

    const { submissions, skipped, ignored } = discoverSubmissions(submissionsDir);
    for (const entry of skipped) log(`${entry.student}: ${entry.reason}`);
    const redact = redactor([
      [root, "<course>"],
      [out, "<out>"],
      [submissionsDir, "<submissions>"],
      // Node's own folder, when it is not a system one (/usr would hide every system path).
      ...(/^\/(usr|bin)\//.test(config.node) ? [] : [[path.dirname(path.dirname(config.node)), "<node>"] as const]),
      [os.homedir(), "~"],
    ]);
    const graded: string[] = [];
    const reused: string[] = [];
    const problems: string[] = [];
    let done = 0;
    const fail = (submission: Submission, error: unknown): StudentGrade => {
      // A fault of the grader itself: reported for this student, not saved, so the next run retries.
      problems.push(`${submission.student}: the grader failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      done++;
      return graderFailure(submission, course, "", submissionsDir);
    };
    const grades = await pool(
      submissions,
      options.jobs ?? defaultJobs(),
      async (submission) => {
        const file = path.join(resultsDir, `${submission.stem}.json`);
        const read = readSubmission(submission, submissionsDir);
        const fingerprint = studentFingerprint(course, submission, limits, submissionMs, read);
        const previous = existsSync(file) ? readResult(file) : null;
        if (previous && previous.fingerprint === fingerprint && previous.student === submission.student) {
          reused.push(submission.student);
          done++;
          return previous;
        }
        const grade = await gradeStudent(submission, { course, config: config!, submissionMs, submissionsDir, fingerprint, read, redact });
        writeFileAtomic(file, `${JSON.stringify(grade, null, 2)}\n`);
        graded.push(submission.student);
        done++;
        log(`graded ${submission.student}: ${grade.points}/${grade.max} (${done}/${submissions.length})`);
        return grade;
      },
      fail
    );

    // Every entry gets its row: the students in name order, then what could not be graded.
    const rows = [
      ...grades.map((grade, i) => ({ grade, stem: submissions[i].stem })),
      ...skipped.map((entry) => ({ grade: skippedGrade(entry, course), stem: entry.stem })),
    ];
    const files = {
      csv: path.join(out, "gradebook.csv"),
      json: path.join(out, "gradebook.json"),
      scores: path.join(out, "scores.csv"),
      summary: path.join(out, "summary.html"),
      feedback: feedbackDir,
      results: resultsDir,
      combined: assignment ? path.join(path.dirname(out), "assignments.csv") : null,
    };
    const all = rows.map((r) => r.grade);
    const ids = course.exercises.map((p) => p.exercise.id);
    const points = round3(course.exercises.reduce((t, p) => t + p.exercise.points, 0));
    const recorded: GradebookAssignment | null = assignment ? { name: assignment.name, title: assignment.title, exercises: ids, points, due: assignment.due } : null;
    writeFileAtomic(files.csv, gradebookCsv(all));
    writeFileAtomic(files.json, gradebookJson(all, sandbox, recorded));
    writeFileAtomic(files.scores, scoresCsv([{ label: assignment?.name ?? "", exercises: ids, points, students: all }]));
    if (files.combined) writeFileAtomic(files.combined, scoresCsv(assignmentSheets(path.dirname(out))));
    for (const { grade, stem } of rows) {
      try {
        writeFileAtomic(path.join(feedbackDir, `${stem}.html`), feedbackPage(grade, recorded));
      } catch (error) {
        problems.push(`${grade.student}: the feedback page could not be written: ${(error as Error).message}`);
      }
    }
    writeFileAtomic(files.summary, summaryPage(all, rows.map((r) => `feedback/${r.stem}.html`), sandbox));
    return { grades: all, graded: graded.sort(), reused: reused.sort(), problems, skipped, ignored, sandbox, files };
  } finally {
    // Empty out here (mounts live in the sandboxes' own namespaces); already gone if someone removed it.
    try {
      rmdirSync(view);
    } catch {
      // gone already: nothing to remove
    }
  }
}
