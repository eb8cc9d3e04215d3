/**
 * The student release (`npm run release`): what it carries and what it must not, built from the
 * real course and from fixtures; a search for every solution body and hidden check that finds
 * them where they are planted and nowhere in a release; and the release run as a student gets
 * it: its exercises compile and its notebooks execute headless with the stubs in place.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildRelease,
  cellSource,
  exerciseTag,
  findLeaks,
  formatNotebook,
  lockRecord,
  normaliseCellSource,
  parseNotebook,
  readCourseNotebooks,
  relativeLinks,
  releaseSecrets,
  solutionSource,
  studentMarkdown,
  type Notebook,
  type ReleaseReport,
} from "shoplm/instructor";
import { sha256Hex } from "../../lib/src/core/hash";
import { exercises } from "../../exercises/index";
import { solutions } from "../../solutions/index";
import { COURSE_NOTEBOOKS, courseNotebook, ROOT, writeNotebook } from "../fixtures/submissions/generate";

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (name === "node_modules") continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

/** A fixture notebook as an instructor's notebook looks after a run: outputs and counts everywhere. */
function withOutputs(nb: Notebook): Notebook {
  let n = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    cell.execution_count = ++n;
    cell.outputs = [{ output_type: "stream", name: "stdout", text: [`output of cell ${n}\n`] }];
  }
  return nb;
}

const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** Run a command without blocking the test worker (a long spawnSync starves vitest's own messages). */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (status) => resolve({ status, output }));
  });
}

describe("the student release of the course", () => {
  let tmp = "";
  let release = "";
  let report: ReleaseReport;
  const secrets = releaseSecrets(ROOT, exercises, solutions);

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "course-release-"));
    release = path.join(tmp, "release");
    report = buildRelease({ root: ROOT, out: release });
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("carries the library, exercises, notebooks, data, scripts and package files, and no solutions", () => {
    const files = listFiles(release);
    for (const needed of ["package.json", "package-lock.json", "tsconfig.json", "lib/package.json", "lib/tsconfig.json", "lib/src/index.ts", "exercises/index.ts", "exercises/tsconfig.json", "scripts/setup.mjs", "scripts/notebooks.mjs"]) {
      expect(files, needed).toContain(needed);
    }
    if (existsSync(path.join(ROOT, "README.md"))) expect(files).toContain("README.md");
    if (existsSync(path.join(ROOT, "data"))) expect(existsSync(path.join(release, "data"))).toBe(true);
    expect(files.filter((f) => /(^|\/)solutions(\/|$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)dist\//.test(f))).toEqual([]);
    expect(files.filter((f) => /^scripts\/(grade|release|test)\.mjs$/.test(f))).toEqual([]);
    const scripts = (JSON.parse(readFileSync(path.join(release, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const name of ["grade", "release", "test"]) expect(scripts[name]).toBeUndefined();
    expect(Object.values(scripts).filter((c) => /solutions|vitest|bench\//.test(c))).toEqual([]);
    expect(scripts.setup).toBeDefined();
  });

  it("gives students a README without instructor commands and with no link to a file it does not carry", () => {
    if (!existsSync(path.join(ROOT, "README.md"))) return;
    const readme = readFileSync(path.join(release, "README.md"), "utf8");
    expect(readme).not.toMatch(/instructor-only|student-only|npm test|npm run (grade|release|bench)|docs\/grading\.md/);
    expect(readme).toMatch(/npm start/);
    expect(report.warnings.filter((w) => /links to files/.test(w))).toEqual([]);
  });

  it("every exercise the course notebooks carry is released with its stub, locked cells marked", () => {
    const course = readCourseNotebooks(path.join(ROOT, "notebooks"));
    const tagged = new Set(course.flatMap((n) => n.notebook.cells.map(exerciseTag).filter((t) => t).map((t) => t!.id)));
    expect(report.exercises).toEqual([...tagged].sort());
    for (const rel of report.notebooks) {
      const original = parseNotebook(readFileSync(path.join(ROOT, "notebooks", rel), "utf8"));
      const released = parseNotebook(readFileSync(path.join(release, "notebooks", rel), "utf8"));
      expect(released.cells).toHaveLength(original.cells.length);
      released.cells.forEach((cell, i) => {
        if (cell.cell_type === "code") {
          expect(cell.outputs).toEqual([]);
          expect(cell.execution_count).toBeNull();
        }
        const tag = exerciseTag(cell);
        if (!tag) return expect(cellSource(cell)).toBe(cellSource(original.cells[i]));
        const exercise = exercises.find((e) => e.id === tag.id)!;
        if (tag.role === "solution") {
          expect(cellSource(cell)).toBe(exercise.stub);
        } else {
          expect(cellSource(cell)).toBe(cellSource(original.cells[i]));
          expect(lockRecord(cell)).toEqual({ locked: true, role: tag.role, sha256: sha256Hex(normaliseCellSource(cellSource(cell))) });
          expect(cell.metadata.editable).toBe(false);
        }
      });
    }
  });

  it("holds no solution body and no hidden check, by the same search that finds them when planted", () => {
    for (const e of exercises) expect(secrets.some((x) => x.label === `the reference solution of ${e.id}`)).toBe(true);
    for (const s of solutions) {
      s.hidden.forEach((h, i) => {
        expect(secrets.find((x) => x.label === `the name of hidden check ${i + 1} of ${s.id}`)?.text).toBe(h.name);
        const json = "args" in h ? JSON.stringify(h.args) : "";
        expect(secrets.some((x) => x.label === `the arguments of hidden check ${i + 1} of ${s.id}`)).toBe(json.replace(/\s+/g, "").length >= 16);
      });
    }
    expect(findLeaks(release, secrets)).toEqual([]);

    const planted = path.join(tmp, "planted");
    mkdirSync(planted);
    const region = solutionSource(ROOT, "0.1");
    // The body reformatted, a hidden check's name in prose, its arguments as JSON, and the body inside a notebook cell.
    writeFileSync(path.join(planted, "copied.ts"), region.replace(/\n/g, "\n\n   ").replace(/ = /g, "   =   "));
    const sol01 = solutions.find((s) => s.id === "0.1")!;
    // A long name is found in prose; a short one only where it is quoted (as in a copied check).
    const shortName = sol01.hidden[0].name;
    expect(shortName.split(" ").length).toBeLessThan(5);
    writeFileSync(path.join(planted, "notes.md"), `Remember: ${sol01.hidden[1].name}. And ${shortName} is ordinary prose.`);
    writeFileSync(path.join(planted, "copied-check.ts"), `const c = { name: ${JSON.stringify(shortName)}, args: [] };`);
    const args = sol01.hidden.find((h) => "args" in h && JSON.stringify(h.args).length > 20)!;
    writeFileSync(path.join(planted, "data.json"), JSON.stringify({ cases: [("args" in args ? args.args : null)] }, null, 2));
    const nb = courseNotebook();
    nb.cells.push({ cell_type: "code", metadata: {}, source: region, outputs: [], execution_count: null });
    nb.cells = nb.cells.filter((c) => exerciseTag(c)?.role !== "solution");
    writeNotebook(path.join(planted, "nb.ipynb"), nb);
    const found = findLeaks(planted, secrets);
    expect(found).toContainEqual({ file: "copied.ts", label: "the reference solution of 0.1" });
    expect(found).toContainEqual({ file: "nb.ipynb", label: "the reference solution of 0.1" });
    expect(found).toContainEqual({ file: "notes.md", label: "the name of hidden check 2 of 0.1" });
    expect(found).not.toContainEqual({ file: "notes.md", label: "the name of hidden check 1 of 0.1" });
    expect(found).toContainEqual({ file: "copied-check.ts", label: "the name of hidden check 1 of 0.1" });
    expect(found.some((f) => f.file === "data.json" && /the arguments of hidden check \d of 0\.1/.test(f.label))).toBe(true);
  });

  it("compiles its exercises and runs its exercise notebooks headless: checks fail on the stubs, nothing else fails", async () => {
    // A student's `npm ci`, without the network: the course's installed packages, the release's own library.
    mkdirSync(path.join(release, "node_modules"));
    for (const name of readdirSync(path.join(ROOT, "node_modules"))) {
      if (name === "shoplm" || name.startsWith(".course-setup")) continue;
      symlinkSync(path.join(ROOT, "node_modules", name), path.join(release, "node_modules", name));
    }
    symlinkSync(path.join("..", "lib"), path.join(release, "node_modules", "shoplm"));
    // Packages npm nests under the workspace (lib/node_modules: versions the root's cannot share).
    const nested = path.join(ROOT, "lib", "node_modules");
    if (existsSync(nested)) symlinkSync(nested, path.join(release, "lib", "node_modules"));
    for (const project of ["lib", "exercises"]) {
      const built = await run(process.execPath, [tsc, "-p", path.join(release, project, "tsconfig.json")], { cwd: release });
      expect(built.status, `${project}: ${built.output}`).toBe(0);
    }
    expect(existsSync(path.join(release, "exercises", "dist", "index.js"))).toBe(true);

    const withExercises = report.notebooks.filter((rel) =>
      parseNotebook(readFileSync(path.join(release, "notebooks", rel), "utf8")).cells.some((c) => exerciseTag(c))
    );
    const runs = path.join(tmp, "runs");
    const names = withExercises.map((rel) => rel.replace(/\.ipynb$/, ""));
    const executed = await run(process.execPath, [path.join(release, "scripts", "notebooks.mjs"), "--dir", path.join(release, "notebooks"), "--out", runs, ...names], {
      cwd: release,
      env: { ...process.env, COURSE_PROFILE: "fast" },
    });
    expect(executed.status, executed.output).toBe(0);
    for (const rel of withExercises) {
      const copy = parseNotebook(readFileSync(path.join(runs, rel), "utf8"));
      for (const cell of copy.cells) {
        const tag = exerciseTag(cell);
        if (tag?.role !== "check") continue;
        const text = JSON.stringify(cell.outputs);
        expect(text).toContain(`NOT YET Exercise ${tag.id}`);
        expect(text).toMatch(/0 of \d+ public checks passed/);
      }
    }
  }, 600_000);
});

describe("building a release", () => {
  let tmp = "";
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "course-release-fixture-"));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("clears every output and execution count", () => {
    const notebooks = path.join(tmp, "nb-outputs");
    writeNotebook(path.join(notebooks, "ex.ipynb"), withOutputs(courseNotebook()));
    const out = path.join(tmp, "r1");
    buildRelease({ root: ROOT, out, notebooks });
    const text = readFileSync(path.join(out, "notebooks", "ex.ipynb"), "utf8");
    expect(text).not.toContain("output of cell");
    expect(parseNotebook(text).cells.filter((c) => c.cell_type === "code").every((c) => c.execution_count === null && c.outputs?.length === 0)).toBe(true);
  });

  it("refuses a solution cell that drifted from the solutions file", () => {
    const nb = courseNotebook();
    const cell = nb.cells.find((c) => exerciseTag(c)?.role === "solution")!;
    cell.source = `${cellSource(cell)}\n// an edit made only in the notebook`;
    const notebooks = path.join(tmp, "nb-drift");
    writeNotebook(path.join(notebooks, "ex.ipynb"), nb);
    expect(() => buildRelease({ root: ROOT, out: path.join(tmp, "r2"), notebooks })).toThrow(/ex\.ipynb, cell \d+: the solution cell of exercise 0\.1 differs from the region in solutions\//);
  });

  it("refuses, and deletes, a release that would leak a solution through an untagged cell", () => {
    const nb = courseNotebook();
    nb.cells.push({ cell_type: "markdown", metadata: {}, source: `Spoiler:\n\n${solutionSource(ROOT, "0.1")}` });
    const notebooks = path.join(tmp, "nb-leak");
    writeNotebook(path.join(notebooks, "ex.ipynb"), nb);
    const out = path.join(tmp, "r3");
    expect(() => buildRelease({ root: ROOT, out, notebooks })).toThrow(/would leak .*notebooks\/ex\.ipynb: the reference solution of 0\.1/);
    expect(existsSync(out)).toBe(false);
  });

  it("writes only into an empty folder or over its own earlier release (with force)", () => {
    const foreign = path.join(tmp, "foreign");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "keep.txt"), "mine");
    expect(() => buildRelease({ root: ROOT, out: foreign, notebooks: COURSE_NOTEBOOKS, force: true })).toThrow(/not empty and was not written by the release builder/);
    expect(readFileSync(path.join(foreign, "keep.txt"), "utf8")).toBe("mine");
    const out = path.join(tmp, "r4");
    buildRelease({ root: ROOT, out, notebooks: COURSE_NOTEBOOKS });
    expect(() => buildRelease({ root: ROOT, out, notebooks: COURSE_NOTEBOOKS })).toThrow(/pass --force/);
    cpSync(path.join(out, "package.json"), path.join(tmp, "package.json.before"));
    expect(buildRelease({ root: ROOT, out, notebooks: COURSE_NOTEBOOKS, force: true }).exercises).toEqual(["0.1"]);
    expect(() => buildRelease({ root: ROOT, out: path.join(ROOT, "lib", "release"), notebooks: COURSE_NOTEBOOKS })).toThrow(/inside .*lib, which the release copies/);
  });

  it("a released notebook is the instructor's, with a stub where the solution was", () => {
    const out = path.join(tmp, "r5");
    buildRelease({ root: ROOT, out, notebooks: COURSE_NOTEBOOKS });
    const released = parseNotebook(readFileSync(path.join(out, "notebooks", "ex.ipynb"), "utf8"));
    const original = courseNotebook();
    expect(formatNotebook(released)).not.toBe(formatNotebook(original));
    const stubCell = released.cells.find((c) => exerciseTag(c)?.role === "solution")!;
    expect(cellSource(stubCell)).toBe(exercises.find((e) => e.id === "0.1")!.stub);
    expect(released.cells.map((c) => c.id)).toEqual(original.cells.map((c) => c.id));
  });
});

describe("student markdown", () => {
  it("drops instructor-only regions and shows student-only ones", () => {
    const text = "# A\n<!-- instructor-only -->\nrun `npm test`\n<!-- /instructor-only -->\n<!-- student-only\nrun `npm start`\n-->\nend\n";
    expect(studentMarkdown(text)).toBe("# A\nrun `npm start`\nend\n");
    expect(studentMarkdown("plain\n")).toBe("plain\n");
    expect(() => studentMarkdown("a <!-- instructor-only --> b")).toThrow(/no partner/);
  });

  it("finds relative links outside code, without anchors, and skips URLs", () => {
    const md = "[a](docs/x.md) [b](https://e.org/y) [c](data/README.md#counts) [d](#top) `[e](z.md)`\n```\n[f](w.md)\n```\n[g](<my%20file.md> \"title\")";
    expect(relativeLinks(md)).toEqual(["docs/x.md", "data/README.md", "my file.md"]);
  });
});
