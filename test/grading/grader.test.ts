/**
 * Bulk grading end to end: 200 generated honest submissions (right and wrong in many ways, as
 * single notebooks and as per-student folders) graded by the command-line entry point, stopped
 * with kill -9 halfway and started again; every grade must equal what the notebook's own checks
 * give the same cell in this process. Then: determinism across runs and --jobs, and the pages.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeSubmissions, loadExercises, parseCsv, type StudentGrade } from "shoplm/instructor";
import { COURSE_NOTEBOOKS, expectedGrade, honestSubmissions, ROOT, writeHonest, writeNotebook, submissionNotebook } from "../fixtures/submissions/generate";

/** The exercises the grader grades: the compiled ones it loads. */
const exercises = loadExercises(ROOT);
/** The submissions carry exercise 0.1 only; the course's other exercises are graded "missing". */
const ex01 = <E extends { id: string }>(grade: { exercises: readonly E[] }): E => grade.exercises.find((e) => e.id === "0.1")!;

const CLI = path.join(ROOT, "lib", "dist", "grading", "cli.js");
const RUN_CLI = `require(${JSON.stringify(CLI)}).gradeMain(process.argv.slice(1)).then((code) => process.exit(code));`;

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", RUN_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function resultFiles(out: string): string[] {
  try {
    return readdirSync(path.join(out, "results")).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
}

describe("bulk grading: 200 honest submissions, stopped and resumed", () => {
  const N = 200;
  const submissions = honestSubmissions(N);
  const expected = new Map<string, number>();
  let tmp = "";

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "grading-honest-"));
    writeHonest(path.join(tmp, "submissions"), submissions);
    for (const s of submissions) expected.set(s.student, await expectedGrade(s.source));
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the expected grades are varied (some full, some partial, some zero)", () => {
    const values = [...expected.values()];
    expect(values.filter((v) => v === 2).length).toBeGreaterThan(30);
    expect(values.filter((v) => v > 0 && v < 2).length).toBeGreaterThan(30);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(30);
  });

  it("kill -9 halfway keeps every finished result; the second run grades only the rest; all grades exact", async () => {
    const subs = path.join(tmp, "submissions");
    const out = path.join(tmp, "out");
    const args = [subs, "--out", out, "--jobs", "2", "--notebooks", COURSE_NOTEBOOKS, "--course", ROOT, "--check-seconds", "10", "--quiet"];

    const first = spawn(process.execPath, ["-e", RUN_CLI, ...args], { stdio: "ignore", detached: true });
    let exited = false;
    first.on("exit", () => (exited = true));
    const stopAt = 60;
    for (let waited = 0; resultFiles(out).length < stopAt && !exited && waited < 120_000; waited += 25) await sleep(25);
    process.kill(-first.pid!, "SIGKILL");
    await new Promise((r) => (exited ? r(null) : first.on("exit", r)));
    const kept = resultFiles(out);
    expect(kept.length).toBeGreaterThanOrEqual(stopAt);
    expect(kept.length).toBeLessThan(N);
    const keptTimes = new Map(kept.map((f) => [f, statSync(path.join(out, "results", f)).mtimeMs]));
    for (const f of kept) {
      const grade = JSON.parse(readFileSync(path.join(out, "results", f), "utf8")) as StudentGrade;
      expect(grade.exercises.map((e) => e.id)).toEqual(exercises.map((e) => e.id));
      expect(ex01(grade).points, JSON.stringify(ex01(grade))).toBe(expected.get(grade.student));
      expect(grade.exercises.filter((e) => e.id !== "0.1").every((e) => e.status === "missing" && e.points === 0)).toBe(true);
    }

    const second = await runCli(args);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`${N} students (${N - kept.length} graded now, ${kept.length} kept from an earlier run)`);
    for (const [f, mtime] of keptTimes) expect(statSync(path.join(out, "results", f)).mtimeMs).toBe(mtime);
    expect(resultFiles(out)).toHaveLength(N);
    expect(readdirSync(path.join(out, "results")).filter((f) => f.startsWith(".tmp-"))).toEqual([]);

    const book = JSON.parse(readFileSync(path.join(out, "gradebook.json"), "utf8")) as {
      students: { student: string; points: number; exercises: { id: string; points: number; status: string; reason: string }[] }[];
    };
    expect(book.students.map((s) => s.student)).toEqual(submissions.map((s) => s.student));
    const wrong = book.students
      .filter((s) => ex01(s).points !== expected.get(s.student) || s.points !== expected.get(s.student))
      .map((s) => `${s.student}: ${s.points} != ${expected.get(s.student)}`);
    expect(wrong).toEqual([]);
    for (const s of book.students) {
      const status = ex01(s).status;
      const want = expected.get(s.student)!;
      if (want === 2) expect(status).toBe("passed");
      else expect(["partial", "failed", "error"]).toContain(status);
    }
    const rows = parseCsv(readFileSync(path.join(out, "gradebook.csv"), "utf8"));
    expect(rows).toHaveLength(N * exercises.length + 1);
    expect(new Set(rows.slice(1).map((r) => `${r[0]} ${r[1]}`)).size).toBe(N * exercises.length);
    const byStudent = new Map(book.students.map((s) => [s.student, ex01(s)]));
    // Variants 12 and 13 of the generator: a cell that does not compile, and one that names the answer differently.
    expect(submissions[12].source).toContain("impressions.map((x => x.position");
    expect(submissions[13].source).toMatch(/^function ctrByPositions13\(/);
    expect(byStudent.get("student-012")).toMatchObject({ status: "error" });
    expect(byStudent.get("student-012")!.reason).toMatch(/^the cell does not compile: exercise-0\.1\.ts\(2,\d+\): /);
    expect(byStudent.get("student-013")!.reason).toBe("the cell does not define ctrByPosition (only the exercise's solution cell is graded)");
    expect(readFileSync(path.join(out, "summary.html"), "utf8")).toMatch(/<svg[^>]*aria-label="score distribution"/);
    expect(readdirSync(path.join(out, "feedback"))).toHaveLength(N);
  }, 300_000);
});

describe("grading is deterministic", () => {
  let tmp = "";
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("two runs (one job, then three) write byte-identical gradebooks, results and pages", async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "grading-determinism-"));
    const subs = path.join(tmp, "submissions");
    writeHonest(subs, honestSubmissions(14));
    // Randomness in an answer is seeded in the sandbox: the same run gives the same numbers.
    writeNotebook(
      path.join(subs, "random.ipynb"),
      submissionNotebook(`function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  console.log("noise", Math.random());
  return Array.from({ length: maxPosition }, () => Math.round(Math.random() * 4) / 4);
}`)
    );
    // A crash's reason quotes stderr: it must be complete in both runs, not cut where the pipe was when the process died.
    writeNotebook(
      path.join(subs, "crash.ipynb"),
      submissionNotebook(`function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  console.log("x".repeat(3000));
  console.error("about to fail on", impressions.length, "impressions");
  process.exit(3);
}`)
    );
    const common = { root: ROOT, submissions: subs, notebooks: COURSE_NOTEBOOKS };
    const a = await gradeSubmissions({ ...common, out: path.join(tmp, "a"), jobs: 1 });
    const b = await gradeSubmissions({ ...common, out: path.join(tmp, "b"), jobs: 3 });
    const files = (dir: string) => {
      const list: string[] = [];
      const walk = (d: string) => {
        for (const name of readdirSync(d).sort()) {
          const full = path.join(d, name);
          if (statSync(full).isDirectory()) walk(full);
          else list.push(path.relative(dir, full));
        }
      };
      walk(dir);
      return list;
    };
    expect(files(path.join(tmp, "a"))).toEqual(files(path.join(tmp, "b")));
    for (const f of files(path.join(tmp, "a"))) expect(readFileSync(path.join(tmp, "b", f), "utf8"), f).toBe(readFileSync(path.join(tmp, "a", f), "utf8"));
    expect(a.grades.map((g) => g.points)).toEqual(b.grades.map((g) => g.points));
    expect(ex01(a.grades.find((g) => g.student === "random")!).output.stdout).toMatch(/^noise 0\.\d+\n/);
    const crash = ex01(a.grades.find((g) => g.student === "crash")!);
    expect(crash.reason).toContain('first check "one position, half clicked": the process exited with code 3 before answering (stderr: about to fail on 2 impressions)');
    expect(crash.output.stdout).toHaveLength(4096);
  }, 180_000);
});
