/**
 * The student release: the course as students get it, built from the instructor's sources.
 * Notebooks get their solution cells replaced by the stubs and every output cleared; the locked
 * cells (instructions, check) are marked read-only with a hash of their source; solutions/ and
 * the scripts that need it are left out. Before it is done, the release is searched for every
 * reference solution body and every hidden check (name and arguments) and refused if one is found.
 */
import { sha256Hex } from "../core/hash";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ALWAYS_RELEASED, type Assignment } from "./assignment";
import { loadExercises } from "./check";
import { solutionRegion, type Exercise, type Solution } from "./exercise";
import { loadSolutions } from "./grader";
import {
  cellSource,
  exerciseTag,
  formatNotebook,
  LOCKED_ROLES,
  normaliseCellSource,
  parseNotebook,
  type LockRecord,
  type Notebook,
} from "./notebook";

/** Top-level entries of the course that the release carries (when they exist). */
export const RELEASE_ENTRIES = [
  "package.json",
  "package-lock.json",
  ".npmrc",
  ".gitignore",
  "tsconfig.json",
  "README.md",
  "LICENSE",
  "vendor",
  "lib",
  "exercises",
  "data",
  "scripts",
  "notebooks",
  // The bilingual glossary every chapter links to (the rest of docs/ is for instructors).
  "docs/glossary.md",
] as const;

/** Scripts that need solutions/ or the test suite, dropped from the release's package.json and scripts/. */
export const INSTRUCTOR_SCRIPTS = ["grade", "release", "test", "test:unit", "exercises"] as const;
const INSTRUCTOR_SCRIPT_FILES = new Set(["grade.mjs", "release.mjs", "test.mjs", "exercises.mjs"]);
const SKIP_NAMES = new Set(["node_modules", "dist", ".ipynb_checkpoints", ".git", ".DS_Store"]);
export const RELEASE_MARKER = ".course-release";

export interface ReleaseOptions {
  readonly root: string;
  readonly out: string;
  /** The instructor's notebooks; default <root>/notebooks. */
  readonly notebooks?: string;
  /** Replace an earlier release in `out` (only a folder this builder wrote). */
  readonly force?: boolean;
  /** Ship only this assignment's notebooks (and ALWAYS_RELEASED); default every notebook. */
  readonly assignment?: Assignment;
}

export interface ReleaseReport {
  readonly out: string;
  readonly notebooks: readonly string[];
  /** Exercises whose cells the release's notebooks carry. */
  readonly exercises: readonly string[];
  readonly warnings: readonly string[];
  readonly files: number;
  /** The assignment the release was built for, or null for the whole course. */
  readonly assignment: string | null;
}

export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseError";
  }
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function copyTree(from: string, to: string, skip: (name: string, full: string) => boolean): number {
  const stat = statSync(from);
  if (!stat.isDirectory()) {
    mkdirSync(path.dirname(to), { recursive: true });
    // Every markdown file gets the student's text (instructor-only regions out), not only the README.
    if (from.endsWith(".md")) writeFileSync(to, studentMarkdown(readFileSync(from, "utf8")));
    else copyFileSync(from, to);
    return 1;
  }
  mkdirSync(to, { recursive: true });
  let n = 0;
  for (const name of readdirSync(from).sort()) {
    const full = path.join(from, name);
    if (SKIP_NAMES.has(name) || name.endsWith(".tsbuildinfo") || skip(name, full)) continue;
    n += copyTree(full, path.join(to, name), skip);
  }
  return n;
}

/** The solution region of an exercise, from solutions/chNN.ts (NN: the chapter, two digits). */
export function solutionSource(root: string, id: string): string {
  const chapter = id.split(".")[0].padStart(2, "0");
  const file = path.join(root, "solutions", `ch${chapter}.ts`);
  if (!existsSync(file)) throw new ReleaseError(`Exercise ${id}: ${file} is missing.`);
  return solutionRegion(readFileSync(file, "utf8"), id);
}

/** Trailing whitespace aside, the solution cell must be the solutions file's region. */
export function sameSolution(cell: string, region: string): boolean {
  return cell.replace(/\s+$/, "") === region.replace(/\s+$/, "");
}

/** A notebook as students get it; `found` collects the exercise ids of its tagged cells. */
export function studentNotebook(nb: Notebook, exercises: readonly Exercise[], regions: ReadonlyMap<string, string>, file: string, found: Set<string>): Notebook {
  const cells = nb.cells.map((original, i) => {
    const cell = { ...original, metadata: { ...original.metadata } };
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    const tag = exerciseTag(cell);
    if (!tag) return cell;
    const exercise = exercises.find((e) => e.id === tag.id);
    if (!exercise) throw new ReleaseError(`${file}, cell ${i + 1}: tagged exercise:${tag.id}, but there is no exercise ${tag.id} in exercises/.`);
    found.add(tag.id);
    if (tag.role === "solution") {
      const region = regions.get(tag.id)!;
      if (!sameSolution(cellSource(cell), region)) {
        throw new ReleaseError(`${file}, cell ${i + 1}: the solution cell of exercise ${tag.id} differs from the region in solutions/; copy the region into the cell.`);
      }
      cell.source = exercise.stub;
      delete cell.metadata.course;
      cell.metadata.editable = true;
      cell.metadata.deletable = false;
    } else if (LOCKED_ROLES.includes(tag.role)) {
      const lock: LockRecord = { locked: true, role: tag.role, sha256: sha256Hex(normaliseCellSource(cellSource(cell))) };
      cell.metadata.course = lock;
      cell.metadata.editable = false;
      cell.metadata.deletable = false;
    }
    return cell;
  });
  return { ...nb, cells };
}

export interface ReleaseSecret {
  readonly label: string;
  readonly text: string;
  /** Found only as a whole quoted string ("...", '...' or `...`): for names too common to search in prose. */
  readonly quoted?: boolean;
}

const squash = (text: string) => text.replace(/\s+/g, "");

/** Hidden check names of fewer words are searched only as quoted strings (short names are also ordinary prose). */
export const DISTINCT_NAME_WORDS = 5;
/** Argument serialisations shorter than this (`[[]]`, `[[2.5]]`) identify nothing and are not searched. */
export const MIN_ARGS_CHARS = 16;

/**
 * What must not appear in a release: each reference solution body, and each hidden check's name
 * and arguments (`JSON.stringify(args)`), within the limits above.
 */
export function releaseSecrets(root: string, exercises: readonly Exercise[], solutions: readonly Solution[]): ReleaseSecret[] {
  const secrets: ReleaseSecret[] = [];
  for (const e of exercises) secrets.push({ label: `the reference solution of ${e.id}`, text: solutionSource(root, e.id) });
  for (const s of solutions) {
    s.hidden.forEach((check, i) => {
      const words = check.name.trim().split(/\s+/).length;
      secrets.push({ label: `the name of hidden check ${i + 1} of ${s.id}`, text: check.name, quoted: words < DISTINCT_NAME_WORDS });
      if ("args" in check) {
        let json: string | undefined;
        try {
          json = JSON.stringify(check.args);
        } catch {
          json = undefined;
        }
        if (json && squash(json).length >= MIN_ARGS_CHARS) secrets.push({ label: `the arguments of hidden check ${i + 1} of ${s.id}`, text: json });
      }
    });
  }
  return secrets.filter((s) => squash(s.text).length > 0);
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) {
    out.push(k);
    collectStrings(v, out);
  }
}

/** Files the search skips: binary (a NUL byte in the first 8 KB) or larger than this. */
export const MAX_SEARCHED_BYTES = 64 << 20;

/**
 * Every file under `dir` that contains a secret (whitespace ignored; JSON files also by their
 * decoded strings). Binary and very large files are skipped and passed to `onSkip`.
 */
export function findLeaks(dir: string, secrets: readonly ReleaseSecret[], onSkip: (file: string) => void = () => undefined): { file: string; label: string }[] {
  const needles = secrets.map((s) => ({
    label: s.label,
    forms: s.quoted ? ['"', "'", "`"].map((q) => `${q}${squash(s.text)}${q}`) : [squash(s.text)],
  }));
  const leaks: { file: string; label: string }[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (name === "node_modules") continue;
        visit(full);
        continue;
      }
      if (stat.size > MAX_SEARCHED_BYTES) {
        onSkip(path.relative(dir, full));
        continue;
      }
      const bytes = readFileSync(full);
      if (bytes.subarray(0, 8192).includes(0)) {
        onSkip(path.relative(dir, full));
        continue;
      }
      const texts = [bytes.toString("utf8")];
      if (/\.(ipynb|json)$/.test(name)) {
        try {
          const strings: string[] = [];
          collectStrings(JSON.parse(texts[0]), strings);
          texts.push(strings.join("\n"), strings.join(""));
        } catch {
          // not JSON after all: the raw text is searched
        }
      }
      const hay = texts.map(squash);
      for (const n of needles) if (hay.some((h) => n.forms.some((f) => h.includes(f)))) leaks.push({ file: path.relative(dir, full), label: n.label });
    }
  };
  visit(dir);
  return leaks;
}

const INSTRUCTOR_ONLY = /<!--\s*instructor-only\s*-->[\s\S]*?<!--\s*\/instructor-only\s*-->\n?/g;
const STUDENT_ONLY = /<!--\s*student-only\s*\n([\s\S]*?)\n?-->\n?/g;

/**
 * A markdown file as students get it: regions between `<!-- instructor-only -->` and
 * `<!-- /instructor-only -->` are dropped, and the text inside `<!-- student-only ... -->`
 * (hidden in the instructor's copy) is shown. So one README serves both, and the release never
 * tells students to run commands it does not carry.
 */
export function studentMarkdown(text: string): string {
  const unclosed = text.replace(INSTRUCTOR_ONLY, "").match(/<!--\s*\/?instructor-only\s*-->/);
  if (unclosed) throw new ReleaseError(`An instructor-only marker has no partner: ${unclosed[0]}.`);
  return text.replace(INSTRUCTOR_ONLY, "").replace(STUDENT_ONLY, (_, body: string) => `${body}\n`);
}

/** Relative links of a markdown text ([text](target), without the #anchor), skipping URLs and code. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const links: string[] = [];
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1].split("#")[0];
    if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push(decodeURIComponent(target));
  }
  return links;
}

/** Files under `dir` whose names end with `suffix`, in sorted order, skipping SKIP_NAMES. */
function filesEndingWith(dir: string, suffix: string): string[] {
  const files: string[] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (SKIP_NAMES.has(name)) continue;
      if (statSync(full).isDirectory()) visit(full);
      else if (name.endsWith(suffix)) files.push(full);
    }
  };
  visit(dir);
  return files;
}

function deadLinks(out: string): string[] {
  const dead: string[] = [];
  for (const file of filesEndingWith(out, ".md")) {
    for (const link of relativeLinks(readFileSync(file, "utf8"))) {
      if (!existsSync(path.resolve(path.dirname(file), link))) dead.push(`${path.relative(out, file)} -> ${link}`);
    }
  }
  return dead;
}

function dropInstructorScripts(text: string): string {
  const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
  if (pkg.scripts) {
    for (const name of INSTRUCTOR_SCRIPTS) delete pkg.scripts[name];
    // And any script that needs what the release leaves out (solutions, tests, benchmarks, docs).
    for (const [name, command] of Object.entries(pkg.scripts)) if (/\b(solutions|test|bench|docs)\/|vitest/.test(command)) delete pkg.scripts[name];
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export function buildRelease(options: ReleaseOptions): ReleaseReport {
  const root = realpathSync(options.root);
  const out = path.resolve(options.out);
  const notebooksDir = path.resolve(options.notebooks ?? path.join(root, "notebooks"));
  if (inside(root, out)) throw new ReleaseError(`The release folder ${out} contains the course itself; choose another.`);
  for (const entry of [...RELEASE_ENTRIES, "solutions"]) {
    const src = path.join(root, entry);
    if (existsSync(src) && inside(out, src)) throw new ReleaseError(`The release folder ${out} is inside ${src}, which the release copies; choose another (for example build/release).`);
  }
  if (inside(out, notebooksDir)) throw new ReleaseError(`The release folder ${out} is inside the notebooks folder ${notebooksDir}; choose another.`);
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(path.join(out, RELEASE_MARKER))) throw new ReleaseError(`${out} is not empty and was not written by the release builder; choose an empty folder.`);
    if (!options.force) throw new ReleaseError(`${out} holds an earlier release; pass --force to replace it.`);
    rmSync(out, { recursive: true, force: true });
  }

  const exercises = loadExercises(root);
  const solutions = loadSolutions(root);
  const regions = new Map(exercises.map((e) => [e.id, solutionSource(root, e.id)]));
  const warnings: string[] = [];
  mkdirSync(out, { recursive: true });
  const assignment = options.assignment ?? null;
  const marker = { release: 1, note: "student release built by npm run release", ...(assignment ? { assignment: { name: assignment.name, title: assignment.title, exercises: assignment.exercises, due: assignment.due } } : {}) };
  writeFileSync(path.join(out, RELEASE_MARKER), `${JSON.stringify(marker)}\n`);

  let files = 0;
  for (const entry of RELEASE_ENTRIES) {
    const src = path.join(root, entry);
    if (entry === "notebooks" || !existsSync(src)) continue;
    if (entry === "package.json") {
      writeFileSync(path.join(out, entry), dropInstructorScripts(readFileSync(src, "utf8")));
      files++;
      continue;
    }
    if (entry === "README.md") {
      writeFileSync(path.join(out, entry), studentMarkdown(readFileSync(src, "utf8")));
      files++;
      continue;
    }
    files += copyTree(src, path.join(out, entry), (name, full) => entry === "scripts" && path.dirname(full) === src && INSTRUCTOR_SCRIPT_FILES.has(name));
  }
  if (!existsSync(path.join(root, "README.md"))) warnings.push("the course has no README.md; the release has none either");

  const found = new Set<string>();
  const notebooks: string[] = [];
  const outNotebooks = path.join(out, "notebooks");
  mkdirSync(outNotebooks, { recursive: true });
  if (existsSync(notebooksDir)) {
    files += copyTree(notebooksDir, outNotebooks, (name) => name.endsWith(".ipynb"));
    for (const full of filesEndingWith(notebooksDir, ".ipynb")) {
      const rel = path.relative(notebooksDir, full);
      const posix = rel.split(path.sep).join("/");
      if (assignment && !assignment.notebooks.includes(posix) && !ALWAYS_RELEASED.includes(posix)) continue;
      const nb = parseNotebook(readFileSync(full, "utf8"), rel);
      const target = path.join(outNotebooks, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, formatNotebook(studentNotebook(nb, exercises, regions, rel, found)));
      notebooks.push(rel);
      files++;
    }
  } else warnings.push(`no notebooks folder at ${notebooksDir}`);
  for (const e of exercises) if (!found.has(e.id) && !assignment) warnings.push(`exercise ${e.id} has no tagged cells in any notebook`);
  const absent = (assignment?.exercises ?? []).filter((id) => !found.has(id));
  if (absent.length) {
    rmSync(out, { recursive: true, force: true });
    throw new ReleaseError(`Assignment ${assignment!.name}: exercise(s) ${absent.join(", ")} have no tagged cells in the notebooks it ships (${assignment!.notebooks.join(", ")}).`);
  }
  const dead = deadLinks(out);
  if (dead.length) warnings.push(`links to files the release does not carry: ${dead.join(", ")}`);

  const skipped: string[] = [];
  const leaks = findLeaks(out, releaseSecrets(root, exercises, solutions), (file) => skipped.push(file));
  if (skipped.length) warnings.push(`not searched for solutions (binary or over ${MAX_SEARCHED_BYTES >> 20} MB): ${skipped.join(", ")}`);
  const stray = existsSync(path.join(out, "solutions")) ? [{ file: "solutions/", label: "the solutions folder" }] : [];
  if (leaks.length + stray.length > 0) {
    rmSync(out, { recursive: true, force: true });
    const list = [...stray, ...leaks].map((l) => `${l.file}: ${l.label}`).join("; ");
    throw new ReleaseError(`The release would leak what students must not see, so it was deleted: ${list}.`);
  }
  return { out, notebooks, exercises: [...found].sort(), warnings, files, assignment: assignment?.name ?? null };
}
