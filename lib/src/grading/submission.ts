/**
 * A folder of submissions: one notebook per student (`alice.ipynb`) or one folder per student
 * (`alice/03_ranking.ipynb`, ...). What is graded of a notebook is only the solution cell of each
 * exercise; its locked cells (instructions, check) are compared with the instructor's notebook and
 * an edit is flagged, never used.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import {
  checkCellSource,
  findExerciseCells,
  LOCKED_ROLES,
  lockRecord,
  normaliseCellSource,
  parseNotebook,
  sha256Hex,
  type ExerciseCells,
  type ExerciseRole,
  type Notebook,
} from "./notebook";

export interface Submission {
  readonly student: string;
  /** A file-name-safe, one-to-one form of the student's name. */
  readonly stem: string;
  /** Absolute paths of the student's notebooks, sorted. */
  readonly files: readonly string[];
}

/** Characters kept as they are in file names; anything else becomes `_xx` (UTF-8 bytes in hex). */
export function safeStem(name: string): string {
  let out = "";
  for (const [i, ch] of [...name].entries()) {
    if (/[A-Za-z0-9-]/.test(ch) || (ch === "." && i > 0)) out += ch;
    else out += [...Buffer.from(ch, "utf8")].map((b) => `_${b.toString(16).padStart(2, "0")}`).join("");
  }
  return out || "_";
}

function notebooksUnder(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const full = path.join(dir, name);
    const stat = statSync(full);
    if (stat.isDirectory()) notebooksUnder(full, out);
    else if (stat.isFile() && name.endsWith(".ipynb")) out.push(full);
  }
}

/** The students of a submissions folder, sorted by name. */
export function findSubmissions(dir: string): Submission[] {
  const byStudent = new Map<string, string[]>();
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const full = path.join(dir, name);
    const stat = statSync(full);
    if (stat.isFile() && name.endsWith(".ipynb")) {
      const student = name.slice(0, -".ipynb".length);
      byStudent.set(student, [...(byStudent.get(student) ?? []), full]);
    } else if (stat.isDirectory()) {
      const files: string[] = [];
      notebooksUnder(full, files);
      byStudent.set(name, [...(byStudent.get(name) ?? []), ...files]);
    }
  }
  const students = [...byStudent.keys()].sort();
  const stems = new Set<string>();
  return students.map((student) => {
    const stem = safeStem(student);
    if (stems.has(stem)) throw new Error(`Two students map to the same file name ${stem}; rename one of them.`);
    stems.add(stem);
    return { student, stem, files: [...(byStudent.get(student) ?? [])].sort() };
  });
}

export const MAX_NOTEBOOK_BYTES = 20 << 20;

export interface ReadNotebook {
  readonly file: string;
  readonly notebook: Notebook | null;
  /** Why it could not be read (not JSON, not a notebook, too large). */
  readonly problem: string | null;
}

export function readSubmissionNotebook(file: string, relativeTo: string): ReadNotebook {
  const name = path.relative(relativeTo, file);
  try {
    const size = statSync(file).size;
    if (size > MAX_NOTEBOOK_BYTES) return { file, notebook: null, problem: `${name} is larger than ${MAX_NOTEBOOK_BYTES >> 20} MB` };
    return { file, notebook: parseNotebook(readFileSync(file, "utf8"), name), problem: null };
  } catch (error) {
    return { file, notebook: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** The instructor's locked cells, by exercise id (from the course's notebooks). */
export type OriginalCells = ReadonlyMap<string, Partial<Record<ExerciseRole, string>>>;

export function originalCells(notebooks: readonly Notebook[]): OriginalCells {
  const found = new Map<string, Partial<Record<ExerciseRole, string>>>();
  for (const nb of notebooks) {
    for (const [id, cells] of findExerciseCells(nb)) {
      const entry = found.get(id) ?? {};
      for (const role of ["instructions", "solution", "check"] as const) if (cells[role] && entry[role] === undefined) entry[role] = cells[role]!.source;
      found.set(id, entry);
    }
  }
  return found;
}

/**
 * Flags for a submitted exercise whose locked cells differ from the originals: the instructor's
 * notebook when it has the cell, else the hash the release stored, else the canonical check cell.
 */
export function tamperFlags(cells: ExerciseCells, original: Partial<Record<ExerciseRole, string>> | undefined, answerName: string): string[] {
  const flags: string[] = [];
  for (const role of LOCKED_ROLES) {
    const submitted = cells[role];
    if (!submitted) {
      flags.push(`tampered: the locked ${role} cell was deleted`);
      continue;
    }
    const reference = original?.[role] ?? (role === "check" ? checkCellSource(cells.id, answerName) : undefined);
    const got = normaliseCellSource(submitted.source);
    let edited: boolean;
    if (reference !== undefined) edited = got !== normaliseCellSource(reference);
    else {
      const lock = lockRecord(submitted.cell);
      edited = lock !== null && lock.sha256 !== sha256Hex(got);
    }
    if (edited) flags.push(`tampered: the locked ${role} cell was edited`);
  }
  if (cells.repeated.length > 0) flags.push(`repeated: more than one ${[...new Set(cells.repeated)].join("/")} cell for exercise ${cells.id}; the first was graded`);
  return flags;
}
