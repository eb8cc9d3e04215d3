/**
 * A folder of submissions: one notebook per student (`alice.ipynb`) or one folder per student
 * (`alice/03_ranking.ipynb`, ...). What is graded of a notebook is only the solution cell of each
 * exercise; its locked cells (instructions, check) are compared with the instructor's notebook and
 * an edit is flagged, never used.
 */
import { sha256Hex } from "../core/hash";
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Stats } from "node:fs";
import * as path from "node:path";
import {
  checkCellSource,
  findExerciseCells,
  LOCKED_ROLES,
  lockRecord,
  normaliseCellSource,
  parseNotebook,
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
  /** Entries of the student's folder that were not read, each with why (flags in the gradebook). */
  readonly skipped: readonly string[];
}

/** An entry of the submissions folder that is not graded: it still gets a gradebook row, with why. */
export interface SkippedEntry {
  readonly student: string;
  readonly stem: string;
  readonly reason: string;
}

export interface Discovery {
  readonly submissions: readonly Submission[];
  readonly skipped: readonly SkippedEntry[];
  /** Plain files at the top that are not notebooks (a README, a zip): left alone, listed for the log. */
  readonly ignored: readonly string[];
}

/** Longest stem kept as it is; a longer one is cut and ends with a hash of the whole name. */
export const MAX_STEM_LENGTH = 100;
/** How deep a student's folder is searched, and how many entries and notebooks are looked at. */
export const MAX_FOLDER_DEPTH = 8;
export const MAX_FOLDER_ENTRIES = 10_000;
export const MAX_NOTEBOOKS_PER_STUDENT = 64;

const KEPT = /^[A-Za-z0-9-]$/;

/**
 * Characters kept as they are in file names; any other byte becomes `_xx` (hex), so the map is
 * one-to-one on the raw name (also one that is not UTF-8). A stem longer than MAX_STEM_LENGTH is
 * cut and ends with `_h` and a hash of the raw name (`h` is not hex, so no short stem ends that way).
 */
export function safeStem(name: string | Uint8Array): string {
  const bytes = typeof name === "string" ? Buffer.from(name, "utf8") : Buffer.from(name);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const ch = String.fromCharCode(bytes[i]);
    out += KEPT.test(ch) || (ch === "." && i > 0) ? ch : `_${bytes[i].toString(16).padStart(2, "0")}`;
  }
  if (out.length > MAX_STEM_LENGTH) out = `${out.slice(0, 64)}_h${sha256Hex(bytes).slice(0, 16)}`;
  return out || "_";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A raw file name as text: itself when it is UTF-8, else with each stray byte written as \xNN. */
export function displayName(raw: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: utf8.decode(raw), utf8: true };
  } catch {
    let text = "";
    for (const b of raw) text += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
    return { text, utf8: false };
  }
}

/** What a file system entry is, in words, when it is not a plain file or folder. */
function entryKind(stat: Stats): string | null {
  if (stat.isSymbolicLink()) return "a symbolic link (links are not followed: hand in the notebook itself)";
  if (stat.isFIFO()) return "a named pipe (FIFO)";
  if (stat.isSocket()) return "a socket";
  if (stat.isBlockDevice() || stat.isCharacterDevice()) return "a device";
  if (stat.isFile() || stat.isDirectory()) return null;
  return "not a plain file";
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "error";
}

function sortedEntries(dir: string): Buffer[] {
  return readdirSync(dir, { encoding: "buffer" }).sort(Buffer.compare);
}

/** A student's folder: its notebooks (never through a link), and flags for what was left out. */
function walkStudentFolder(top: string, student: string): { files: string[]; skipped: string[] } {
  const files: string[] = [];
  const skipped: string[] = [];
  let seen = 0;
  const visit = (dir: string, rel: string, depth: number): void => {
    let names: Buffer[];
    try {
      names = sortedEntries(dir);
    } catch (error) {
      skipped.push(`skipped ${rel}/: the folder could not be read (${errorCode(error)})`);
      return;
    }
    for (const raw of names) {
      const { text, utf8: valid } = displayName(raw);
      const shown = `${rel}/${text}`;
      if (++seen > MAX_FOLDER_ENTRIES) {
        skipped.push(`skipped the rest of ${student}/: more than ${MAX_FOLDER_ENTRIES} entries`);
        return;
      }
      if (!valid) {
        skipped.push(`skipped ${shown}: the name is not valid UTF-8; rename it`);
        continue;
      }
      if (text === ".ipynb_checkpoints") continue; // Jupyter's autosave copies, never the hand-in
      const full = path.join(dir, text);
      let stat: Stats;
      try {
        stat = lstatSync(full);
      } catch (error) {
        skipped.push(`skipped ${shown}: it could not be read (${errorCode(error)})`);
        continue;
      }
      const notebook = text.endsWith(".ipynb");
      if (text.startsWith(".")) {
        if (notebook || stat.isDirectory()) skipped.push(`skipped ${shown}: the name starts with a dot (a hidden file); rename it`);
        continue;
      }
      const kind = entryKind(stat);
      if (kind) {
        if (notebook || stat.isSymbolicLink()) skipped.push(`skipped ${shown}: ${kind}`);
        continue;
      }
      if (stat.isDirectory()) {
        if (depth >= MAX_FOLDER_DEPTH) skipped.push(`skipped ${shown}/: folders nested more than ${MAX_FOLDER_DEPTH} deep`);
        else visit(full, shown, depth + 1);
      } else if (notebook) {
        if (files.length >= MAX_NOTEBOOKS_PER_STUDENT) skipped.push(`skipped ${shown}: more than ${MAX_NOTEBOOKS_PER_STUDENT} notebooks`);
        else files.push(full);
      }
    }
  };
  visit(top, student, 1);
  return { files, skipped };
}

/**
 * The students of a submissions folder, sorted by name, and every entry that is not graded with
 * why. Nothing is followed or opened here (lstat only), and no entry can stop the others: links,
 * devices, FIFOs, sockets, dot-files, names that are not UTF-8 and unreadable entries each get a
 * reason, never an exception.
 */
export function discoverSubmissions(dir: string): Discovery {
  const byStudent = new Map<string, { files: string[]; skipped: string[] }>();
  const rejected: { student: string; raw: Buffer; reason: string }[] = [];
  const ignored: string[] = [];
  const entry = (student: string) => {
    let found = byStudent.get(student);
    if (!found) byStudent.set(student, (found = { files: [], skipped: [] }));
    return found;
  };
  for (const raw of sortedEntries(dir)) {
    const { text, utf8: valid } = displayName(raw);
    const student = text.endsWith(".ipynb") ? text.slice(0, -".ipynb".length) : text;
    if (!valid) {
      rejected.push({ student, raw, reason: `not graded: the name ${text} is not valid UTF-8 (a zip made with another encoding?); rename it and grade again` });
      continue;
    }
    if (text.startsWith(".")) {
      rejected.push({ student, raw, reason: `not graded: the name ${text} starts with a dot (a hidden file or folder); rename it to grade it` });
      continue;
    }
    const full = path.join(dir, text);
    let stat: Stats;
    try {
      stat = lstatSync(full);
    } catch (error) {
      rejected.push({ student, raw, reason: `not graded: ${text} could not be read (${errorCode(error)})` });
      continue;
    }
    const kind = entryKind(stat);
    if (kind) rejected.push({ student, raw, reason: `not graded: ${text} is ${kind}` });
    else if (stat.isDirectory()) {
      const walked = walkStudentFolder(full, text);
      entry(student).files.push(...walked.files);
      entry(student).skipped.push(...walked.skipped);
    } else if (text.endsWith(".ipynb")) entry(student).files.push(full);
    else ignored.push(text);
  }
  // A rejected entry of a student who also handed in something readable is a flag on that student.
  const skipped: SkippedEntry[] = [];
  for (const r of rejected) {
    const found = byStudent.get(r.student);
    if (found) found.skipped.push(r.reason.replace(/^not graded: /, "skipped: "));
    else skipped.push({ student: r.student, stem: safeStem(r.raw), reason: r.reason });
  }
  const stems = new Set(skipped.map((s) => s.stem));
  const submissions = [...byStudent.keys()].sort().map((student) => {
    let stem = safeStem(student);
    // Only a cut stem (hash) or a skipped row could collide: keep both, told apart by a longer hash.
    if (stems.has(stem)) stem = `${stem.slice(0, 64)}_h${sha256Hex(`${student}\n${stem}`).slice(0, 24)}`;
    stems.add(stem);
    const found = byStudent.get(student)!;
    return { student, stem, files: [...found.files].sort(), skipped: found.skipped };
  });
  return { submissions, skipped: skipped.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0)), ignored };
}

/** The students of a submissions folder, sorted by name (entries that cannot be graded left out). */
export function findSubmissions(dir: string): Submission[] {
  return [...discoverSubmissions(dir).submissions];
}

export const MAX_NOTEBOOK_BYTES = 20 << 20;

export interface ReadNotebook {
  readonly file: string;
  readonly notebook: Notebook | null;
  /** Why it could not be read (not JSON, not a notebook, too large); names only the relative path. */
  readonly problem: string | null;
  /** What the grade depends on: the hash of the bytes read, or the problem. */
  readonly digest: string;
}

/**
 * Read a submitted file without following a link or blocking on a FIFO, reading at most
 * `limit` + 1 bytes whatever the file's size (a sparse 3 GB file costs nothing).
 */
export function readCapped(file: string, limit: number): { bytes: Buffer } | { problem: string; size?: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { problem: errorCode(error) === "ELOOP" ? "a symbolic link (not followed)" : `could not be opened (${errorCode(error)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { problem: entryKind(stat) ?? "not a plain file" };
    if (stat.size > limit) return { problem: `larger than ${limit >> 20} MB`, size: stat.size };
    const bytes = Buffer.alloc(Math.min(stat.size, limit) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, bytes, length, bytes.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > limit) return { problem: `larger than ${limit >> 20} MB` };
      if (length === bytes.length) break;
    }
    return { bytes: bytes.subarray(0, length) };
  } catch (error) {
    return { problem: `could not be read (${errorCode(error)})` };
  } finally {
    closeSync(fd);
  }
}

export function readSubmissionNotebook(file: string, relativeTo: string): ReadNotebook {
  const name = path.relative(relativeTo, file);
  const read = readCapped(file, MAX_NOTEBOOK_BYTES);
  if ("problem" in read) return { file, notebook: null, problem: `${name} is ${read.problem}`, digest: `problem:${read.problem}` };
  const digest = sha256Hex(read.bytes);
  try {
    return { file, notebook: parseNotebook(read.bytes.toString("utf8"), name), problem: null, digest };
  } catch (error) {
    return { file, notebook: null, problem: error instanceof Error ? error.message : String(error), digest };
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

/** A locked cell the release hashed is never longer than this; a longer one counts as edited. */
export const MAX_LOCKED_CELL_BYTES = 1 << 20;

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
    const source = submitted.source;
    let edited: boolean;
    // Normalising only trims and turns CRLF into LF: a cell far longer than its original is edited
    // without looking (this runs in the grader's process, on up to 20 MB of the student's text).
    if (reference !== undefined) edited = source.length > 2 * reference.length + 4096 || normaliseCellSource(source) !== normaliseCellSource(reference);
    else {
      const lock = lockRecord(submitted.cell);
      edited = lock !== null && (source.length > MAX_LOCKED_CELL_BYTES || lock.sha256 !== sha256Hex(normaliseCellSource(source)));
    }
    if (edited) flags.push(`tampered: the locked ${role} cell was edited`);
  }
  if (cells.repeated.length > 0) flags.push(`repeated: more than one ${[...new Set(cells.repeated)].join("/")} cell for exercise ${cells.id}; the first was graded`);
  return flags;
}
