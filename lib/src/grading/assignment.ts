/**
 * An assignment: the part of the course an instructor sets at once (one chapter, or a list of
 * exercises), the notebooks that carry it and an optional due date. The release ships only its
 * notebooks, the grader grades only its exercises (totals out of its points), and its gradebook
 * lives in a folder of its own beside the other assignments' (see docs/grading.md, "Assignments").
 *
 * File format, `assignments/<name>.json`:
 *   { "name": "ch05", "title": "Evaluation", "chapter": 5, "notebooks": ["05_evaluation.ipynb"], "due": "2027-01-15" }
 * with either "chapter" or "exercises" (["5.1", "5.2"]); "notebooks" defaults to those holding the exercises.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { loadExercises } from "./check";
import type { Exercise } from "./exercise";
import { readCourseNotebooks } from "./grader";
import { findExerciseCells } from "./notebook";

export interface Assignment {
  /** Safe as a folder name: the assignment's gradebook goes to `<out>/<name>/`. */
  readonly name: string;
  readonly title: string;
  /** Exercise ids, in the course's order. */
  readonly exercises: readonly string[];
  /** Notebooks the release ships for it, relative to the notebooks folder. */
  readonly notebooks: readonly string[];
  /** Sum of the exercises' points. */
  readonly points: number;
  /** ISO 8601 date (or date and time), or null. */
  readonly due: string | null;
  /** Where it was defined: a file, or the command-line option. */
  readonly source: string;
}

/** What an assignment is checked against: the course's exercises and which notebook holds which. */
export interface AssignmentContext {
  readonly exercises: readonly Pick<Exercise, "id" | "points">[];
  /** Notebook (relative to the notebooks folder) -> ids of the exercises it has a solution cell for. */
  readonly notebooks: ReadonlyMap<string, readonly string[]>;
}

/** Notebooks every release ships, whatever the assignment: the environment check comes first. */
export const ALWAYS_RELEASED: readonly string[] = ["setup_check.ipynb"];

export class AssignmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssignmentError";
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DUE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
/** Folders a whole-course grading run writes beside the assignments' folders. */
const RESERVED = ["results", "feedback"];
const FIELDS = ["name", "title", "chapter", "exercises", "notebooks", "due"] as const;

/** The course's exercises and the notebooks that hold them. */
export function assignmentContext(root: string, notebooksDir = path.join(root, "notebooks")): AssignmentContext {
  const notebooks = new Map<string, string[]>();
  for (const { file, notebook } of existsSync(notebooksDir) ? readCourseNotebooks(notebooksDir) : []) {
    const rel = path.relative(notebooksDir, file).split(path.sep).join("/");
    const cells = findExerciseCells(notebook);
    notebooks.set(rel, [...cells.values()].filter((c) => c.solution).map((c) => c.id));
  }
  return { exercises: loadExercises(root), notebooks };
}

function lineColumn(text: string, error: Error): string {
  const pos = /position (\d+)/.exec(error.message);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    return `line ${line}, column ${Number(pos[1]) - before.lastIndexOf("\n")}`;
  }
  const lc = /line (\d+) column (\d+)/.exec(error.message);
  return lc ? `line ${lc[1]}, column ${lc[2]}` : "";
}

function holders(context: AssignmentContext, id: string): string[] {
  return [...context.notebooks].filter(([, ids]) => ids.includes(id)).map(([nb]) => nb);
}

function build(
  where: string,
  fields: { name: string; title?: string; ids: readonly string[]; notebooks?: readonly string[]; due?: string | null },
  context: AssignmentContext
): Assignment {
  const order = context.exercises.map((e) => e.id);
  const ids = [...fields.ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const fail = (field: string, message: string) => new AssignmentError(`${where}: "${field}": ${message}`);
  for (const id of ids) if (!order.includes(id)) throw fail("exercises", `unknown exercise "${id}"; the course has ${order.join(", ") || "none"}.`);
  let notebooks: string[];
  if (fields.notebooks) {
    notebooks = [...fields.notebooks];
    const known = [...context.notebooks.keys()];
    for (const nb of notebooks) if (!context.notebooks.has(nb)) throw fail("notebooks", `no notebook "${nb}" in the course; it has ${known.join(", ") || "none"}.`);
    for (const id of ids) {
      if (notebooks.some((nb) => context.notebooks.get(nb)!.includes(id))) continue;
      const where2 = holders(context, id);
      throw fail("exercises", `exercise "${id}" is in no listed notebook (${notebooks.join(", ")}); ${where2.length ? `it is in ${where2.join(", ")}` : "no notebook of the course has its cells"}.`);
    }
  } else {
    notebooks = [];
    for (const id of ids) {
      const found = holders(context, id);
      if (found.length === 0) throw fail("exercises", `exercise "${id}" has no solution cell in any notebook of the course.`);
      for (const nb of found) if (!notebooks.includes(nb)) notebooks.push(nb);
    }
  }
  const points = ids.reduce((s, id) => s + context.exercises.find((e) => e.id === id)!.points, 0);
  return { name: fields.name, title: fields.title ?? fields.name, exercises: ids, notebooks: notebooks.sort(), points: Math.round(points * 1000) / 1000, due: fields.due ?? null, source: where };
}

function chapterIds(context: AssignmentContext, chapter: number): string[] {
  return context.exercises.map((e) => e.id).filter((id) => id.split(".")[0] === String(chapter));
}

/** Parse and check an assignment file's text; errors name the file, the field and the value. */
export function parseAssignment(text: string, file: string, context: AssignmentContext): Assignment {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const at = lineColumn(text, error as Error);
    throw new AssignmentError(`${file}${at ? `, ${at}` : ""}: not valid JSON (${(error as Error).message}).`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new AssignmentError(`${file}: expected a JSON object { "name": ..., "exercises" or "chapter": ... }, found ${Array.isArray(raw) ? "an array" : JSON.stringify(raw)}.`);
  const obj = raw as Record<string, unknown>;
  const fail = (field: string, message: string) => new AssignmentError(`${file}: "${field}": ${message}`);
  for (const key of Object.keys(obj)) if (!(FIELDS as readonly string[]).includes(key)) throw fail(key, `unknown field; expected ${FIELDS.join(", ")}.`);
  const { name, title, chapter, exercises, notebooks, due } = obj;
  if (typeof name !== "string" || !NAME.test(name)) throw fail("name", `expected letters, digits, ".", "_" or "-" (a folder name, at most 64 characters), found ${JSON.stringify(name)}.`);
  if (RESERVED.includes(name)) throw fail("name", `"${name}" is a folder of a whole-course gradebook; choose another name.`);
  if (title !== undefined && (typeof title !== "string" || title.trim() === "")) throw fail("title", `expected a non-empty string, found ${JSON.stringify(title)}.`);
  if ((chapter === undefined) === (exercises === undefined)) throw fail(chapter === undefined ? "exercises" : "chapter", `give exactly one of "chapter" (a number) and "exercises" (a list of ids such as ["5.1", "5.2"]).`);
  let ids: string[];
  if (chapter !== undefined) {
    if (typeof chapter !== "number" || !Number.isInteger(chapter) || chapter < 0) throw fail("chapter", `expected a chapter number such as 5, found ${JSON.stringify(chapter)}.`);
    ids = chapterIds(context, chapter);
    if (ids.length === 0) throw fail("chapter", `chapter ${chapter} has no exercises; the course has exercises ${context.exercises.map((e) => e.id).join(", ") || "none"}.`);
  } else {
    if (!Array.isArray(exercises) || exercises.length === 0 || !exercises.every((x) => typeof x === "string")) throw fail("exercises", `expected a non-empty list of exercise ids such as ["5.1", "5.2"], found ${JSON.stringify(exercises)}.`);
    const seen = new Set<string>();
    for (const id of exercises as string[]) {
      if (seen.has(id)) throw fail("exercises", `exercise "${id}" is listed twice.`);
      seen.add(id);
    }
    ids = exercises as string[];
  }
  if (notebooks !== undefined && (!Array.isArray(notebooks) || notebooks.length === 0 || !notebooks.every((x) => typeof x === "string"))) throw fail("notebooks", `expected a non-empty list of notebook files such as ["05_evaluation.ipynb"], found ${JSON.stringify(notebooks)}.`);
  if (due !== undefined && (typeof due !== "string" || !DUE.test(due) || Number.isNaN(Date.parse(due)))) throw fail("due", `expected an ISO 8601 date such as "2027-01-15" or "2027-01-15T23:59:00Z", found ${JSON.stringify(due)}.`);
  return build(file, { name, title: title as string | undefined, ids, notebooks: notebooks as string[] | undefined, due: (due as string | undefined) ?? null }, context);
}

/** An assignment from the command line: `--exercises 5.1,5.2` or `--chapter 5`. */
export function assignmentFromOptions(options: { exercises?: string; chapter?: string }, context: AssignmentContext): Assignment {
  if (options.exercises !== undefined && options.chapter !== undefined) throw new AssignmentError(`give one of --exercises and --chapter, not both.`);
  if (options.chapter !== undefined) {
    const n = Number(options.chapter);
    if (!/^\d+$/.test(options.chapter)) throw new AssignmentError(`--chapter: expected a chapter number such as 5, found "${options.chapter}".`);
    const ids = chapterIds(context, n);
    if (ids.length === 0) throw new AssignmentError(`--chapter: chapter ${n} has no exercises; the course has exercises ${context.exercises.map((e) => e.id).join(", ") || "none"}.`);
    return build("--chapter", { name: `ch${String(n).padStart(2, "0")}`, title: `Chapter ${n}`, ids }, context);
  }
  const ids = (options.exercises ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new AssignmentError(`--exercises: expected exercise ids separated by commas such as 5.1,5.2, found "${options.exercises ?? ""}".`);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new AssignmentError(`--exercises: exercise "${dup}" is listed twice.`);
  const assignment = build("--exercises", { name: "x", ids }, context);
  const name = `exercises-${assignment.exercises.join("-")}`.slice(0, 64);
  return { ...assignment, name, title: `Exercises ${assignment.exercises.join(", ")}` };
}

/** Read an assignment: a path to a JSON file, or a name of `<root>/assignments/<name>.json`. */
export function loadAssignment(spec: string, root: string, notebooksDir?: string): Assignment {
  const byName = path.join(root, "assignments", `${spec}.json`);
  const file = existsSync(spec) ? path.resolve(spec) : NAME.test(spec) && existsSync(byName) ? byName : null;
  if (!file) {
    const byNameText = NAME.test(spec) && !spec.endsWith(".json") ? ` and no ${path.join("assignments", `${spec}.json`)} in the course` : "";
    throw new AssignmentError(`--assignment: no file "${spec}"${byNameText}; expected a path to an assignment file or the name of one in assignments/.`);
  }
  const shown = path.relative(root, file).startsWith("..") ? file : path.relative(root, file);
  return parseAssignment(readFileSync(file, "utf8"), shown, assignmentContext(root, notebooksDir));
}
