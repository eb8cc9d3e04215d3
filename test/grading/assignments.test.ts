/**
 * Assignments (issue 18, point 2): an assignment of one chapter is released (only its notebooks
 * and setup_check ship), worked by a student (the reference answers filled into the released
 * notebook, one exercise left as the stub), handed in and graded by the command-line entry point:
 * the total, the gradebook, the scores table and the feedback page cover the assignment only. A
 * second assignment graded into the same --out keeps the first. Bad assignment files give errors
 * that name the file, the field and the value.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignmentContext,
  assignmentFromOptions,
  AssignmentError,
  exerciseTag,
  formatNotebook,
  loadAssignment,
  parseAssignment,
  parseCsv,
  parseNotebook,
  solutionSource,
  type Assignment,
  type Notebook,
} from "shoplm/instructor";
import { ROOT } from "../fixtures/submissions/generate";

const CLI = path.join(ROOT, "lib", "dist", "grading", "cli.js");

function runCli(command: "releaseMain" | "gradeMain", args: string[]): Promise<{ code: number | null; output: string }> {
  const script = `require(${JSON.stringify(CLI)}).${command}(process.argv.slice(1)).then((code) => process.exit(code));`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script, "--", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** A released notebook worked by a student: each listed exercise's stub replaced by the reference answer. */
function worked(file: string, answered: readonly string[]): Notebook {
  const nb = parseNotebook(readFileSync(file, "utf8"), file);
  for (const cell of nb.cells) {
    const tag = exerciseTag(cell);
    if (tag?.role === "solution" && answered.includes(tag.id)) cell.source = solutionSource(ROOT, tag.id);
  }
  return nb;
}

describe("an assignment file", () => {
  const context = assignmentContext(ROOT);
  const bad = (text: string) => () => parseAssignment(text, "assignments/bad.json", context);

  it("the course's ch05 assignment is chapter 5, its notebook, out of its exercises' points", () => {
    const a = loadAssignment("ch05", ROOT);
    const ch5 = context.exercises.filter((e) => e.id.startsWith("5."));
    expect(a.exercises).toEqual(ch5.map((e) => e.id));
    expect(a.points).toBe(ch5.reduce((s, e) => s + e.points, 0));
    expect(a.notebooks).toEqual(["05_evaluation.ipynb"]);
    expect(a.due).toBe("2027-01-15T23:59:00Z");
  });

  it("bad files give errors naming the file, the field and the value", () => {
    expect(bad(`{"name": "x", "exercises": ["5.1", "9.9"]}`)).toThrow(/assignments\/bad\.json: "exercises": unknown exercise "9\.9"/);
    expect(bad(`{"name": "x", "exercises": ["5.1"], "notebooks": ["99_nope.ipynb"]}`)).toThrow(/"notebooks": no notebook "99_nope\.ipynb"/);
    expect(bad(`{"name": "x", "exercises": ["5.1"], "notebooks": ["00_the_shop.ipynb"]}`)).toThrow(/"exercises": exercise "5\.1" is in no listed notebook \(00_the_shop\.ipynb\); it is in 05_evaluation\.ipynb/);
    expect(bad(`{"name": "x",\n  "chapter": 5,\n}`)).toThrow(/assignments\/bad\.json, line 3, column 1: not valid JSON/);
    expect(bad(`{"name": "../x", "chapter": 5}`)).toThrow(/"name": expected .* found "\.\.\/x"/);
    expect(bad(`{"name": "results", "chapter": 5}`)).toThrow(/"name": "results" is a folder of a whole-course gradebook/);
    expect(bad(`{"name": "x", "chapter": 5, "due": "next friday"}`)).toThrow(/"due": expected an ISO 8601 date .* found "next friday"/);
    expect(bad(`{"name": "x", "chapter": 42}`)).toThrow(/"chapter": chapter 42 has no exercises/);
    expect(bad(`{"name": "x", "chapter": 5, "exercises": ["5.1"]}`)).toThrow(/give exactly one of "chapter" .* and "exercises"/);
    expect(bad(`{"name": "x", "exercises": ["5.1", "5.1"]}`)).toThrow(/exercise "5\.1" is listed twice/);
    expect(bad(`{"name": "x", "chapter": 5, "points": 10}`)).toThrow(/"points": unknown field/);
    expect(bad(`["5.1"]`)).toThrow(AssignmentError);
    expect(() => assignmentFromOptions({ exercises: "5.1,7.7" }, context)).toThrow(/unknown exercise "7\.7"/);
    expect(() => loadAssignment("no-such-assignment", ROOT)).toThrow(/no file "no-such-assignment" and no assignments\/no-such-assignment\.json/);
  });

  it("--exercises sorts the ids into the course's order and finds their notebooks", () => {
    const a = assignmentFromOptions({ exercises: "5.2, 0.0" }, context);
    expect(a.exercises).toEqual(["0.0", "5.2"]);
    expect(a.notebooks).toEqual(["05_evaluation.ipynb", "setup_check.ipynb"]);
    expect(a.name).toBe("exercises-0.0-5.2");
  });
});

describe("an assignment of one chapter: released, worked, handed in, graded", () => {
  let tmp = "";
  let ch05: Assignment;
  const release = () => path.join(tmp, "release");
  const out = () => path.join(tmp, "grades");
  let releaseRun: { code: number | null; output: string };
  let gradeRun: { code: number | null; output: string };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "assignment-"));
    ch05 = loadAssignment("ch05", ROOT);
    releaseRun = await runCli("releaseMain", ["--out", release(), "--assignment", "ch05"]);
    if (releaseRun.code !== 0) return;
    // alice answers 5.1-5.3 with the references and leaves 5.4 as the stub; bob hands in the release untouched.
    const subs = path.join(tmp, "submissions");
    mkdirSync(path.join(subs, "alice"), { recursive: true });
    mkdirSync(path.join(subs, "bob"), { recursive: true });
    const nb = path.join(release(), "notebooks", "05_evaluation.ipynb");
    writeFileSync(path.join(subs, "alice", "05_evaluation.ipynb"), formatNotebook(worked(nb, ["5.1", "5.2", "5.3"])));
    writeFileSync(path.join(subs, "alice", "setup_check.ipynb"), formatNotebook(worked(path.join(release(), "notebooks", "setup_check.ipynb"), ["0.0"])));
    writeFileSync(path.join(subs, "bob", "05_evaluation.ipynb"), readFileSync(nb));
    gradeRun = await runCli("gradeMain", [subs, "--out", out(), "--assignment", "ch05", "--quiet", "--jobs", "2"]);
  }, 600_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the release ships setup_check and the assignment's notebook only", () => {
    expect(releaseRun.code, releaseRun.output).toBe(0);
    expect(readdirSync(path.join(release(), "notebooks")).filter((f) => f.endsWith(".ipynb")).sort()).toEqual(["05_evaluation.ipynb", "setup_check.ipynb"]);
    expect(existsSync(path.join(release(), "solutions"))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(release(), ".course-release"), "utf8")).assignment).toMatchObject({ name: "ch05", exercises: ch05.exercises });
    // The stubs are there, not the reference answers.
    const nb = parseNotebook(readFileSync(path.join(release(), "notebooks", "05_evaluation.ipynb"), "utf8"));
    const solutionCells = nb.cells.filter((c) => exerciseTag(c)?.role === "solution");
    expect(solutionCells.map((c) => exerciseTag(c)!.id).sort()).toEqual(ch05.exercises);
    for (const c of solutionCells) expect(c.source).not.toBe(solutionSource(ROOT, exerciseTag(c)!.id));
    expect(releaseRun.output).toMatch(/assignment ch05 \(5\.1, 5\.2, 5\.3, 5\.4; 10 points\)/);
  });

  it("the grade covers the assignment's exercises only, out of its points", () => {
    expect(gradeRun.code, gradeRun.output).toBe(0);
    const book = JSON.parse(readFileSync(path.join(out(), "ch05", "gradebook.json"), "utf8"));
    expect(book.assignment).toMatchObject({ name: "ch05", exercises: ch05.exercises, points: ch05.points });
    const alice = book.students.find((s: { student: string }) => s.student === "alice");
    const bob = book.students.find((s: { student: string }) => s.student === "bob");
    expect(alice.exercises.map((e: { id: string }) => e.id)).toEqual(ch05.exercises);
    const pts = (id: string) => assignmentContext(ROOT).exercises.find((e) => e.id === id)!.points;
    expect(alice.max).toBe(ch05.points);
    // The reference answers get every point (public and hidden checks); the stub gets none.
    expect(alice.points).toBe(pts("5.1") + pts("5.2") + pts("5.3"));
    expect(alice.exercises.find((e: { id: string }) => e.id === "5.4").points).toBe(0);
    expect(bob.points).toBe(0);
    expect(bob.max).toBe(ch05.points);
    // 0.0, answered in alice's setup_check, is not part of the assignment: no row for it anywhere.
    const csv = parseCsv(readFileSync(path.join(out(), "ch05", "gradebook.csv"), "utf8"));
    expect(new Set(csv.slice(1).map((r) => r[1]))).toEqual(new Set(ch05.exercises));
    // scores.csv: one column per exercise, a total and the assignment's points.
    const scores = parseCsv(readFileSync(path.join(out(), "ch05", "scores.csv"), "utf8"));
    expect(scores[0]).toEqual(["student", ...ch05.exercises, "total", "max"]);
    expect(scores[1]).toEqual(["alice", String(pts("5.1")), String(pts("5.2")), String(pts("5.3")), "0", String(alice.points), String(ch05.points)]);
  });

  it("the feedback page shows the assignment, its total and no section for other chapters", () => {
    const page = readFileSync(path.join(out(), "ch05", "feedback", "alice.html"), "utf8");
    expect(page).toContain("Chapter 5: Evaluation");
    expect(page).toContain("due 2027-01-15T23:59:00Z");
    expect(page).toMatch(new RegExp(`<b>\\d+ / ${ch05.points} points</b>`));
    expect(page).not.toContain("not found in the submission");
    const sections = [...page.matchAll(/<h2>Exercise ([\d.]+):/g)].map((m) => m[1]);
    expect(sections).toEqual(ch05.exercises);
  });

  it("a second assignment graded into the same --out keeps the first; assignments.csv shows both", async () => {
    const second = await runCli("gradeMain", [path.join(tmp, "submissions"), "--out", out(), "--exercises", "0.0", "--quiet", "--jobs", "2"]);
    expect(second.code, second.output).toBe(0);
    expect(existsSync(path.join(out(), "ch05", "gradebook.json"))).toBe(true);
    const first = JSON.parse(readFileSync(path.join(out(), "ch05", "gradebook.json"), "utf8"));
    expect(first.students.find((s: { student: string }) => s.student === "alice").max).toBe(ch05.points);
    const combined = parseCsv(readFileSync(path.join(out(), "assignments.csv"), "utf8"));
    expect(combined[0]).toEqual(["student", ...ch05.exercises.map((id) => `ch05:${id}`), "ch05:total", "ch05:max", "exercises-0.0:0.0", "exercises-0.0:total", "exercises-0.0:max", "total", "max"]);
    const alice = combined.find((r) => r[0] === "alice")!;
    const ch05Total = Number(alice[1 + ch05.exercises.length]);
    expect(Number(alice.at(-5))).toBe(1); // 0.0 answered with the reference
    expect(Number(alice.at(-2))).toBe(ch05Total + 1);
    expect(Number(alice.at(-1))).toBe(ch05.points + 1);
    const bob = combined.find((r) => r[0] === "bob")!;
    expect(bob.at(-2)).toBe("0");
  }, 300_000);
});
