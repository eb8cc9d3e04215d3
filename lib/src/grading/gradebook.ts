/**
 * What grading produces: one result per student (written atomically, so a stopped run keeps
 * every finished student and loses none halfway), and the gradebook assembled from those results
 * (CSV and JSON: student, exercise, points, max, status, reason, flags).
 *
 * Reasons in the gradebook and on feedback pages never show a hidden check's name, inputs,
 * expected value or the answer's messages on it (they could carry the inputs): only "hidden check
 * N" and the kind of failure. The per-student result files keep the full story for the instructor.
 */
import { parse } from "csv-parse/sync";
import { writeFileAtomic } from "../core/files";
import type { CheckStatus } from "./exercise";

/** Re-exported where the grader has always offered it. */
export { writeFileAtomic };

/** Why a check did not pass, in one word the feedback page can show for hidden checks too. */
export type FailureKind =
  | "wrong" // a wrong value, or a property the answer lacks
  | "threw" // the answer threw
  | "timeout"
  | "memory"
  | "crash" // the process exited or died before answering
  | "output" // printed or returned too much
  | "unreadable" // returned something that cannot be compared, or broke the protocol
  | "not-run" // the cell could not be loaded
  | "budget" // the submission's time budget ran out first
  | "grader"; // the check itself is broken (an authoring error)

export const FAILURE_TEXT: Readonly<Record<FailureKind, string>> = {
  wrong: "wrong result",
  threw: "the answer threw an error",
  timeout: "took too long",
  memory: "used too much memory",
  crash: "the process crashed",
  output: "printed or returned too much",
  unreadable: "returned a value the grader cannot read",
  "not-run": "not run: the cell could not be loaded",
  budget: "not run: the submission's time budget ran out",
  grader: "the check could not be run (grader problem)",
};

export interface GradedCheck {
  readonly name: string;
  readonly hidden: boolean;
  /** 1-based position among the exercise's public or hidden checks. */
  readonly number: number;
  readonly status: CheckStatus;
  readonly kind: FailureKind | null;
  /** Full detail, for the instructor; hidden checks' messages are never shown to students. */
  readonly message: string;
  readonly weight: number;
}

/** `not-graded`: the grader failed (graded again next run), or the entry cannot be graded (a link, a FIFO, ...). */
export type ExerciseStatus = "passed" | "partial" | "failed" | "error" | "missing" | "unreadable" | "not-graded";

export interface ExerciseGrade {
  readonly id: string;
  readonly title: string;
  readonly points: number;
  readonly max: number;
  readonly status: ExerciseStatus;
  /** Safe to show the student. */
  readonly reason: string;
  readonly flags: readonly string[];
  readonly checks: readonly GradedCheck[];
  /** The notebook the graded cell came from, relative to the submissions folder. */
  readonly notebook: string | null;
  /** The first bytes the cell printed and the end of its stderr (instructor only). */
  readonly output: { readonly stdout: string; readonly stderr: string };
}

export interface StudentGrade {
  readonly version: number;
  /** Hash of everything the grade depends on: a resumed run re-grades when it changed. */
  readonly fingerprint: string;
  readonly student: string;
  readonly files: readonly string[];
  readonly points: number;
  readonly max: number;
  readonly exercises: readonly ExerciseGrade[];
  /** Problems with the submission as a whole (unreadable notebooks, repeated cells). */
  readonly flags: readonly string[];
}

export const RESULT_VERSION = 1;

/** The student-safe one-line reason for an exercise's grade. */
export function exerciseReason(status: ExerciseStatus, checks: readonly GradedCheck[], loadProblem?: string): string {
  if (status === "passed") return "";
  if (loadProblem) return loadProblem;
  const failing = checks.filter((c) => c.status !== "passed");
  if (failing.length === 0) return "";
  const kinds = new Map<FailureKind, number>();
  for (const c of failing) kinds.set(c.kind ?? "wrong", (kinds.get(c.kind ?? "wrong") ?? 0) + 1);
  // Detail the commonest kind of failure (the earliest on a tie): on a busy machine a memory bomb's
  // first check can time out before the cap stops it, and the student should read what most checks say.
  let commonest = failing[0].kind ?? "wrong";
  for (const [k, n] of kinds) if (n > (kinds.get(commonest) ?? 0)) commonest = k;
  const shown = failing.find((c) => (c.kind ?? "wrong") === commonest) ?? failing[0];
  const detail = shown.hidden
    ? `hidden check ${shown.number}: ${FAILURE_TEXT[shown.kind ?? "wrong"]}`
    : `check "${shown.name}": ${shown.message || FAILURE_TEXT[shown.kind ?? "wrong"]}`;
  const tally = [...kinds].map(([k, n]) => `${FAILURE_TEXT[k]} x${n}`).join(", ");
  const text = `${failing.length} of ${checks.length} checks did not pass (${tally}); ${shown === failing[0] ? "first" : "most often"} ${detail}`;
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}

export interface GradebookRow {
  readonly student: string;
  readonly exercise: string;
  readonly points: number;
  readonly max: number;
  readonly status: ExerciseStatus;
  readonly reason: string;
  readonly flags: string;
}

export function gradebookRows(grades: readonly StudentGrade[]): GradebookRow[] {
  return grades.flatMap((g) =>
    g.exercises.map((e) => ({
      student: g.student,
      exercise: e.id,
      points: e.points,
      max: e.max,
      status: e.status,
      reason: e.reason,
      flags: [...e.flags, ...g.flags].join("; "),
    }))
  );
}

function csvField(value: string | number): string {
  const text = String(value);
  // Quote what needs it, and defuse spreadsheet formulas in student-controlled text.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const GRADEBOOK_COLUMNS = ["student", "exercise", "points", "max", "status", "reason", "flags"] as const;

export function gradebookCsv(grades: readonly StudentGrade[]): string {
  const lines = [GRADEBOOK_COLUMNS.join(",")];
  for (const row of gradebookRows(grades)) lines.push(GRADEBOOK_COLUMNS.map((c) => csvField(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}

/** What a gradebook records of the assignment it grades (null: the whole course). */
export interface GradebookAssignment {
  readonly name: string;
  readonly title: string;
  readonly exercises: readonly string[];
  readonly points: number;
  readonly due: string | null;
}

export function gradebookJson(grades: readonly StudentGrade[], sandbox: string, assignment: GradebookAssignment | null = null): string {
  const students = grades.map((g) => ({
    student: g.student,
    points: g.points,
    max: g.max,
    flags: g.flags,
    exercises: g.exercises.map((e) => ({ id: e.id, points: e.points, max: e.max, status: e.status, reason: e.reason, flags: e.flags })),
  }));
  return `${JSON.stringify({ ...(assignment ? { assignment } : {}), students, rows: gradebookRows(grades), sandbox }, null, 2)}\n`;
}

/** One gradebook of a combined table: its label (the assignment's name, or "" for the whole course) and its students. */
export interface ScoreSheet {
  readonly label: string;
  readonly exercises: readonly string[];
  readonly points: number;
  readonly students: readonly { readonly student: string; readonly points: number; readonly exercises: readonly { readonly id: string; readonly points: number }[] }[];
}

/**
 * The wide table a spreadsheet wants: one row per student, one column per exercise of each sheet,
 * a total per sheet and, with more than one sheet, an overall total. A student absent from a
 * sheet gets empty cells there (not handed in), which counts 0 in the overall total.
 */
export function scoresCsv(sheets: readonly ScoreSheet[]): string {
  const prefix = (s: ScoreSheet) => (sheets.length > 1 ? `${s.label}:` : "");
  const header = ["student"];
  for (const s of sheets) header.push(...s.exercises.map((id) => `${prefix(s)}${id}`), `${prefix(s)}total`, `${prefix(s)}max`);
  if (sheets.length > 1) header.push("total", "max");
  const names = [...new Set(sheets.flatMap((s) => s.students.map((g) => g.student)))].sort();
  const lines = [header.map(csvField).join(",")];
  for (const name of names) {
    const row: (string | number)[] = [name];
    let total = 0;
    for (const s of sheets) {
      const g = s.students.find((x) => x.student === name);
      for (const id of s.exercises) row.push(g ? (g.exercises.find((e) => e.id === id)?.points ?? 0) : "");
      row.push(g ? g.points : "", s.points);
      total += g ? g.points : 0;
    }
    if (sheets.length > 1) row.push(Math.round(total * 1000) / 1000, Math.round(sheets.reduce((t, s) => t + s.points, 0) * 1000) / 1000);
    lines.push(row.map(csvField).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Parse CSV as written above (for tests and for tools that read the gradebook back), with the csv-parse the data loaders use. */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: true, record_delimiter: ["\r\n", "\n"] }) as string[][];
}
