/**
 * Jupyter notebooks (nbformat 4) as the course uses them: read with errors that say where the
 * file is broken, written the way Jupyter writes them, and searched for an exercise's tagged cells
 * (`exercise:<id>` plus one of `instructions`, `solution`, `check`).
 */

export type CellType = "code" | "markdown" | "raw";

export interface NotebookCell {
  cell_type: CellType;
  /** nbformat allows one string or a list of lines; `cellSource` joins either. */
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  id?: string;
  attachments?: Record<string, unknown>;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export type ExerciseRole = "instructions" | "solution" | "check";
export const EXERCISE_ROLES: readonly ExerciseRole[] = ["instructions", "solution", "check"];
/** The cells a student may not edit: the grader takes them from the instructor's notebook. */
export const LOCKED_ROLES: readonly ExerciseRole[] = ["instructions", "check"];

/** Where a notebook's text is broken, as line and column (1-based) when JSON.parse says so. */
export class NotebookFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotebookFormatError";
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/** Deepest JSON nesting a notebook may have (Jupyter's own are about 10 deep). */
export const MAX_NOTEBOOK_DEPTH = 256;

/** Where the nesting first goes deeper than `max` (an offset), or -1: one linear scan, before JSON.parse. */
export function jsonTooDeep(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return -1;
}

/** Parse and check the shape of an .ipynb text; `file` only names it in errors. */
export function parseNotebook(text: string, file = "notebook"): Notebook {
  // V8 parses deep nesting slowly (20 MB of "[" took 9 s): refuse it first, in linear time.
  const deep = jsonTooDeep(text, MAX_NOTEBOOK_DEPTH);
  if (deep >= 0) throw new NotebookFormatError(`${file} is nested more than ${MAX_NOTEBOOK_DEPTH} deep at ${lineColumn(text, deep)}; a notebook is about 10 deep.`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : "";
    // V8 quotes the text around the error ('"/** secre"... is not valid JSON'): never echo file content.
    const said = message.split('"')[0].replace(/ in JSON at position \d+.*$/, "").trimEnd().replace(/,$/, "");
    throw new NotebookFormatError(`${file} is not valid JSON${where}: ${said}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new NotebookFormatError(`${file}: expected a JSON object with "cells", found ${Array.isArray(data) ? "an array" : typeof data}.`);
  }
  const nb = data as Partial<Notebook>;
  if (!Array.isArray(nb.cells)) throw new NotebookFormatError(`${file}: expected a "cells" array (nbformat 4), found ${typeof nb.cells}.`);
  if (typeof nb.nbformat === "number" && nb.nbformat < 4) throw new NotebookFormatError(`${file}: nbformat ${nb.nbformat} is too old; expected 4.`);
  nb.cells.forEach((cell, i) => {
    if (cell === null || typeof cell !== "object") throw new NotebookFormatError(`${file}: cell ${i + 1} is not an object.`);
    if (!["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new NotebookFormatError(`${file}: cell ${i + 1} has cell_type ${JSON.stringify(cell.cell_type)}; expected code, markdown or raw.`);
    }
    if (typeof cell.source !== "string" && !(Array.isArray(cell.source) && cell.source.every((s) => typeof s === "string"))) {
      throw new NotebookFormatError(`${file}: cell ${i + 1} has a source that is neither a string nor a list of strings.`);
    }
    if (cell.metadata === undefined) cell.metadata = {};
    if (cell.metadata === null || typeof cell.metadata !== "object") throw new NotebookFormatError(`${file}: cell ${i + 1} has metadata that is not an object.`);
  });
  return { cells: nb.cells, metadata: nb.metadata ?? {}, nbformat: nb.nbformat ?? 4, nbformat_minor: nb.nbformat_minor ?? 5 };
}

/** The text Jupyter would write: one-space indent, sources as lists of lines, a final newline. */
export function formatNotebook(nb: Notebook): string {
  const cells = nb.cells.map((cell) => ({ ...cell, source: sourceLines(cellSource(cell)) }));
  return `${JSON.stringify({ ...nb, cells }, null, 1)}\n`;
}

export function cellSource(cell: Pick<NotebookCell, "source">): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Split a source into Jupyter's list of lines, each but the last keeping its "\n". */
export function sourceLines(source: string): string[] {
  if (source === "") return [];
  const lines = source.split("\n").map((line) => `${line}\n`);
  const last = lines.length - 1;
  lines[last] = lines[last].slice(0, -1);
  if (lines[last] === "") lines.pop();
  return lines;
}

export function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

const EXERCISE_TAG = /^exercise:(\d+\.\d+)$/;

/** The exercise id and role of a tagged cell, or null for any other cell. */
export function exerciseTag(cell: NotebookCell): { id: string; role: ExerciseRole } | null {
  const tags = cellTags(cell);
  const id = tags.map((t) => EXERCISE_TAG.exec(t)?.[1]).find((x) => x !== undefined);
  const role = EXERCISE_ROLES.find((r) => tags.includes(r));
  return id !== undefined && role !== undefined ? { id, role } : null;
}

export interface TaggedCell {
  readonly index: number;
  readonly cell: NotebookCell;
  readonly source: string;
}

/** An exercise's cells in one notebook; a role found twice keeps the first and is listed in `repeated`. */
export interface ExerciseCells {
  readonly id: string;
  instructions?: TaggedCell;
  solution?: TaggedCell;
  check?: TaggedCell;
  readonly repeated: ExerciseRole[];
}

export function findExerciseCells(nb: Notebook): Map<string, ExerciseCells> {
  const found = new Map<string, ExerciseCells>();
  nb.cells.forEach((cell, index) => {
    const tag = exerciseTag(cell);
    if (!tag) return;
    let entry = found.get(tag.id);
    if (!entry) {
      entry = { id: tag.id, repeated: [] };
      found.set(tag.id, entry);
    }
    if (entry[tag.role]) entry.repeated.push(tag.role);
    else entry[tag.role] = { index, cell, source: cellSource(cell) };
  });
  return found;
}

/**
 * Locked cells compare after CRLF and trailing whitespace are normalised (editors add newlines).
 * Linear in the length: it runs in the grader's own process on students' cells, and a regex such
 * as /\s+$/ retries from every position of a long whitespace run (quadratic).
 */
export function normaliseCellSource(source: string): string {
  // trimEnd removes exactly what \s matches (WhiteSpace and LineTerminator), in one backward scan.
  return source.replace(/\r\n?/g, "\n").trimEnd();
}

/** What the release records in a locked cell's metadata (`metadata.course`). */
export interface LockRecord {
  readonly locked: true;
  readonly role: ExerciseRole;
  readonly sha256: string;
}

export function lockRecord(cell: NotebookCell): LockRecord | null {
  const course = cell.metadata?.course as Partial<LockRecord> | undefined;
  if (!course || course.locked !== true || typeof course.sha256 !== "string") return null;
  return course as LockRecord;
}

/** The canonical check cell of an exercise (the convention the course's notebooks follow). */
export function checkCellSource(id: string, answerName: string): string {
  return `await check(${JSON.stringify(id)}, ${answerName});`;
}
