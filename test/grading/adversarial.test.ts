/**
 * Hostile submissions, graded in one run beside honest controls. For each: the grader finishes,
 * every other submission is graded exactly as the notebook's own checks grade it, the attack gains
 * nothing, and the gradebook records a reason. The attacks are in
 * test/fixtures/submissions/adversarial/*.ts.txt (placeholders filled in here).
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  gradeSubmissions,
  loadExercises,
  parseCsv,
  type GradeRun,
  type StudentGrade,
  type Notebook,
} from "shoplm/instructor";
import {
  ADVERSARIAL,
  adversarialCell,
  COURSE_NOTEBOOKS,
  courseNotebook,
  expectedGrade,
  ROOT,
  solutionCellOf,
  submissionNotebook,
  writeNotebook,
} from "../fixtures/submissions/generate";
import { solutions } from "../../solutions/index";

const LIMITS = { checkMs: 1500, startupMs: 3000, memoryMb: 128, outputBytes: 256 * 1024 };
const ZEROS = `function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  return new Array(maxPosition).fill(0);
}`;
const MUTATES = `function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  impressions.sort((a, b) => a.position - b.position);
  const shown = new Array(maxPosition).fill(0), clicks = new Array(maxPosition).fill(0);
  for (const { position, clicked } of impressions) if (position <= maxPosition) { shown[position - 1]++; if (clicked) clicks[position - 1]++; }
  return shown.map((n, i) => (n ? clicks[i] / n : 0));
}`;
const MARKER = "/tmp/sandbox-escape-marker";
/** The exercises the grader grades: the compiled ones it loads. */
const exercises = loadExercises(ROOT);

function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(path.relative(dir, full), createHash("sha256").update(readFileSync(full)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}

describe("adversarial submissions", () => {
  let tmp = "";
  let subs = "";
  let out = "";
  let run: GradeRun;
  let server: Server;
  const hits: string[] = [];
  let before = new Map<string, string>();
  const expected = new Map<string, number>();
  const attacks = readdirSync(ADVERSARIAL)
    .filter((f) => f.endsWith(".ts.txt"))
    .map((f) => f.slice(0, -".ts.txt".length))
    .sort();
  const grade = (student: string): StudentGrade => {
    const found = run.grades.find((g) => g.student === student);
    if (!found) throw new Error(`no grade for ${student}`);
    return found;
  };

  beforeAll(async () => {
    rmSync(MARKER, { force: true });
    server = createServer((req, res) => {
      hits.push(req.url ?? "?");
      res.end("ok");
    });
    server.on("connection", () => hits.push("connection"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = String((server.address() as AddressInfo).port);
    tmp = mkdtempSync(path.join(os.tmpdir(), "grading-adversarial-"));
    subs = path.join(tmp, "submissions");
    out = path.join(tmp, "out");
    const values = { ROOT, OUT: out, SUBMISSIONS: subs, PORT: port };
    for (const name of attacks) writeNotebook(path.join(subs, `${name}.ipynb`), submissionNotebook(adversarialCell(name, values)));
    const reference = solutionCellOf(courseNotebook());
    writeNotebook(path.join(subs, "control-right.ipynb"), submissionNotebook(reference));
    writeNotebook(path.join(subs, "control-zeros.ipynb"), submissionNotebook(ZEROS));
    writeNotebook(path.join(subs, "control-mutates", "00_shop.ipynb"), submissionNotebook(MUTATES));
    writeNotebook(path.join(subs, "broken-json.ipynb"), '{"cells": [{"cell_type": "code", "source": "x"');
    writeNotebook(
      path.join(subs, "tampered.ipynb"),
      submissionNotebook(reference, { check: 'await check("0.1", () => [0.5]);', instructions: "### Exercise 0.1\n\nAnything goes." })
    );
    for (const [student, source] of [
      ["control-right", reference],
      ["control-zeros", ZEROS],
      ["control-mutates", MUTATES],
    ] as const) {
      expected.set(student, await expectedGrade(source));
    }
    before = hashTree(subs);
    run = await gradeSubmissions({ root: ROOT, submissions: subs, out, notebooks: COURSE_NOTEBOOKS, jobs: 2, submissionMs: 20_000, limits: LIMITS });
  }, 240_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("runs in a sandbox with namespaces (no network), and grades every submission once", () => {
    expect(run.sandbox).toMatch(/^(strong|userns): /);
    expect(run.sandbox).toContain("no network");
    const students = run.grades.map((g) => g.student);
    expect(new Set(students).size).toBe(students.length);
    expect(students).toEqual([...attacks, "broken-json", "control-mutates", "control-right", "control-zeros", "tampered"].sort());
    const rows = parseCsv(readFileSync(run.files.csv, "utf8"));
    expect(rows[0]).toEqual(["student", "exercise", "points", "max", "status", "reason", "flags"]);
    expect(rows.length - 1).toBe(students.length * exercises.length);
    for (const g of run.grades) {
      for (const e of g.exercises) if (e.status !== "passed") expect(e.reason, `${g.student} has no reason`).not.toBe("");
    }
  });

  it("grades the honest controls exactly as the notebook's own checks do", () => {
    expect(expected.get("control-right")).toBe(2);
    for (const [student, points] of expected) expect(grade(student).points, student).toBe(points);
    expect(grade("control-mutates").exercises.find((x) => x.id === "0.1")!.checks.find((c) => c.status !== "passed")?.message).toBe("the impressions array was modified");
  });

  const cases: Record<string, { points?: number | "zeros"; atMost?: number | "zeros"; status?: string; reason: RegExp; detail?: RegExp; kind?: string }> = {
    "infinite-loop": { points: 0, reason: /the answer took longer than the 1\.5 s limit/, kind: "timeout" },
    "top-level-loop": { points: 0, status: "error", reason: /while loading the cell, .*took longer than/ },
    "memory-bomb": { points: 0, reason: /ran out of memory|used more than \d+ MB of memory/, kind: "memory" },
    "buffer-bomb": { points: 0, reason: /used more than \d+ MB of memory|Array buffer allocation failed|ran out of memory/ },
    "process-exit": { points: 0, reason: /exited with code 0 before answering/, kind: "crash" },
    "throw-string": { points: 0, status: "error", reason: /the cell's code threw a non-Error value: "boom"/ },
    "async-throw": { points: 0, reason: /uncaught exception: a non-Error value was thrown: 42/, kind: "crash" },
    "fork-bomb": { points: 0, reason: /Access to this API has been restricted/, kind: "threw" },
    "spawn-child": { points: 0, reason: /Access to this API has been restricted/, kind: "threw" },
    network: { atMost: 0.25, reason: /no network: .*(ENETUNREACH|fetch failed)/ },
    "flood-output": { atMost: "zeros", reason: /printed or returned too much/ },
    "read-solution-fs": { points: 0, reason: /Access to this API has been restricted/ },
    "read-solution-require": { points: 0, reason: /cannot import files/, detail: /cannot import files .*(Access to this API has been restricted|Cannot find module)/ },
    "read-solution-symlink": { points: 0, reason: /ENOENT: no such file or directory/, detail: /solutions\/dist\/ch00\.js'.*ENOENT/ },
    "read-solution-import": { atMost: 0.25, reason: /cannot import files/, detail: /cannot import files .*dynamic import callback/ },
    "overwrite-checks": { atMost: "zeros", reason: /did not pass/ },
    "patch-random-date": { points: 2, status: "passed", reason: /^$/ },
    "patch-clock-loop": { points: 0, reason: /took longer than the 1\.5 s limit/, kind: "timeout" },
    "write-files": { points: 2, status: "passed", reason: /^$/ },
    "fake-results": { points: 0, reason: /without this run's nonce/ },
    "kill-others": { points: "zeros", reason: /did not pass/ },
  };

  it("has an expectation for every attack in the fixtures folder", () => {
    expect(Object.keys(cases).sort()).toEqual(attacks);
  });

  for (const [name, want] of Object.entries(cases)) {
    it(`${name}: gains nothing and the gradebook says why`, () => {
      const e = grade(name).exercises.find((x) => x.id === "0.1")!;
      const resolve = (x: number | "zeros") => (x === "zeros" ? expected.get("control-zeros")! : x);
      if (want.points !== undefined) expect(e.points).toBe(resolve(want.points));
      if (want.atMost !== undefined) expect(e.points).toBeLessThanOrEqual(resolve(want.atMost));
      if (want.status) expect(e.status).toBe(want.status);
      expect(e.reason).toMatch(want.reason);
      if (want.detail) expect(e.checks.find((c) => c.status !== "passed")?.message).toMatch(want.detail);
      if (want.kind) expect(e.checks.filter((c) => c.status !== "passed").every((c) => c.kind === want.kind)).toBe(true);
    });
  }

  it("no request reached the network, and no file was written or changed", () => {
    expect(hits).toEqual([]);
    expect(existsSync(MARKER)).toBe(false);
    expect(hashTree(subs)).toEqual(before);
    expect(readFileSync(run.files.csv, "utf8")).not.toContain("hacked");
    for (const file of readdirSync(run.files.results)) expect(readFileSync(path.join(run.files.results, file), "utf8").startsWith("{")).toBe(true);
  });

  it("a notebook that is not JSON is reported with where it breaks", () => {
    const g = grade("broken-json");
    expect(g.exercises.every((e) => e.status === "unreadable")).toBe(true);
    expect(g.flags.join()).toMatch(/broken-json\.ipynb is not valid JSON at line 1, column \d+/);
  });

  it("edited locked cells are flagged, and the grade comes from the solution cell alone", () => {
    const e = grade("tampered").exercises.find((x) => x.id === "0.1")!;
    expect(e.points).toBe(2);
    expect(e.flags).toEqual(["tampered: the locked instructions cell was edited", "tampered: the locked check cell was edited"]);
    expect(readFileSync(run.files.csv, "utf8")).toMatch(/tampered,0\.1,2,2,passed,,"?tampered: the locked instructions cell was edited; tampered: the locked check cell was edited/);
  });

  it("feedback pages never show a hidden check's name or inputs", () => {
    const graded = solutions.filter((s) => s.id === "0.1");
    const hidden = graded.flatMap((s) => s.hidden.flatMap((h) => [h.name, ..."args" in h ? [JSON.stringify(h.args)] : []]));
    for (const file of readdirSync(run.files.feedback)) {
      const html = readFileSync(path.join(run.files.feedback, file), "utf8");
      for (const secret of hidden) expect(html.includes(secret) || html.includes(secret.replace(/"/g, "&quot;")), `${file} shows "${secret.slice(0, 40)}"`).toBe(false);
    }
    const page = readFileSync(path.join(run.files.feedback, "infinite-loop.html"), "utf8");
    expect(page).toContain("hidden check 1 failed: took too long");
  });
});

/** Sandbox processes (their node, running sandbox-child.js) started by `ancestor`, however deep. */
function sandboxesUnder(ancestor: number): number[] {
  const parentOf = new Map<number, number>();
  const found: number[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  for (const pid of parentOf.keys()) {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!cmdline.includes("sandbox-child.js")) continue;
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p === ancestor) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Issue 15: the grader's own process and the file system as attack surfaces. One batch of hostile
 * files and cells beside honest students, graded by the command line, stopped by kill -9 while a
 * sandbox hangs, and resumed: the honest students get exactly their grades, every entry gets a row.
 */
describe("hostile files, and the grader's own process", () => {
  let tmp = "";
  let subs = "";
  let out = "";
  let run: GradeRun;
  const expected = new Map<string, number>();
  const keptAfterKill = new Map<string, number>();
  let survivors: number[] = [];
  let sandboxesAtKill: number[] = [];
  const nonUtf8 = () => Buffer.concat([Buffer.from(`${subs}/M`), Buffer.from([0xfc]), Buffer.from("ller.ipynb")]);
  const LONG = `0${"é".repeat(80)}`; // 161 bytes: a legal name whose escaped form is 481 characters
  const HELPER = "function rate(clicks: number, shown: number): number {\n  return shown > 0 ? clicks / shown : 0;\n}";
  const USES_HELPER = `function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  const shown = new Array(maxPosition).fill(0), clicks = new Array(maxPosition).fill(0);
  for (const { position, clicked } of impressions) if (position <= maxPosition) { shown[position - 1]++; if (clicked) clicks[position - 1]++; }
  return shown.map((n, i) => rate(clicks[i], n));
}`;
  const LEAK = `function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  throw new Error(["argv", ...process.execArgv, "PWD", String(process.env.PWD), "cwd", process.cwd(), "env", JSON.stringify(process.env)].join(" "));
}`;
  const HANG = `await new Promise(() => {}); // top level: never settles, uses no CPU
function ctrByPosition(impressions: { position: number; clicked: boolean }[], maxPosition: number): number[] {
  return [];
}`;
  const grade = (student: string): StudentGrade => {
    const found = run.grades.find((g) => g.student === student);
    if (!found) throw new Error(`no row for ${student}; rows: ${run.grades.map((g) => g.student).join(", ")}`);
    return found;
  };
  const ex = (student: string) => grade(student).exercises.find((e) => e.id === "0.1")!;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "grading-hostile-"));
    subs = path.join(tmp, "submissions");
    out = path.join(tmp, "out");
    const reference = solutionCellOf(courseNotebook());
    const put = (name: string, nb: Notebook | string) => writeNotebook(path.join(subs, name), nb);
    put("control-right.ipynb", submissionNotebook(reference));
    put("control-zeros.ipynb", submissionNotebook(ZEROS));
    const helper = submissionNotebook(USES_HELPER);
    helper.cells.splice(2, 0, { cell_type: "code", source: HELPER, metadata: {}, outputs: [], execution_count: null });
    put("control-helper.ipynb", helper);
    put(`${LONG}.ipynb`, submissionNotebook(reference));
    put("folder-student/00_shop.ipynb", submissionNotebook(reference));
    symlinkSync(path.join(COURSE_NOTEBOOKS, "ex.ipynb"), path.join(subs, "folder-student", "link.ipynb"));
    execFileSync("mkfifo", [path.join(subs, "folder-student", "fifo.ipynb")]);
    // Issue 15.1: 4 MB of spaces in a locked cell (450k blocked the grader for 170 s), a chain the compiler is super-linear on, a cell over the cap, deep JSON.
    put("whitespace-bomb.ipynb", submissionNotebook(reference, { check: `${" ".repeat(4 << 20)}//` }));
    put("long-chain.ipynb", submissionNotebook(`const s = ${"1 + ".repeat(50_000)}1;\n${ZEROS}`));
    put("huge-cell.ipynb", submissionNotebook(`//${"x".repeat(300 << 10)}\n${reference}`));
    put("deep-json.ipynb", "[".repeat(1 << 20));
    put("a-hang.ipynb", submissionNotebook(HANG));
    put("leak.ipynb", submissionNotebook(LEAK));
    // Issue 15.2 and 15.3: a sparse 3 GB notebook, links that dangle, loop, or point at the course; a FIFO; a dot-file; a Latin-1 name.
    const fd = openSync(path.join(subs, "sparse.ipynb"), "w");
    ftruncateSync(fd, 3 * 1024 ** 3);
    closeSync(fd);
    symlinkSync("/nonexistent/notebook.ipynb", path.join(subs, "dangling.ipynb"));
    symlinkSync(".", path.join(subs, "loop"));
    symlinkSync(path.join(COURSE_NOTEBOOKS, "ex.ipynb"), path.join(subs, "lazy.ipynb"));
    symlinkSync(path.join(ROOT, "solutions", "ch00.ts"), path.join(subs, "peek.ipynb"));
    execFileSync("mkfifo", [path.join(subs, "pipe.ipynb")]);
    put(".hidden.ipynb", submissionNotebook(reference));
    writeFileSync(nonUtf8(), readFileSync(path.join(COURSE_NOTEBOOKS, "ex.ipynb")));

    for (const [student, source] of [
      ["control-right", reference],
      ["control-zeros", ZEROS],
      ["control-helper", USES_HELPER],
      [LONG, reference],
      ["folder-student", reference],
      ["whitespace-bomb", reference],
    ] as const) {
      expected.set(student, await expectedGrade(source));
    }

    // First run: the command line, stopped by kill -9 (the grader alone, not its group) while a sandbox hangs.
    const cli = path.join(ROOT, "lib", "dist", "grading", "cli.js");
    const args = [subs, "--out", out, "--jobs", "2", "--notebooks", COURSE_NOTEBOOKS, "--course", ROOT, "--check-seconds", "3", "--submission-seconds", "60", "--memory-mb", "256", "--quiet"];
    const first = spawn(process.execPath, ["-e", `require(${JSON.stringify(cli)}).gradeMain(process.argv.slice(1)).then((c) => process.exit(c))`, ...args], { stdio: "ignore" });
    const exited = new Promise((resolve) => first.on("exit", resolve));
    const results = () => (existsSync(path.join(out, "results")) ? readdirSync(path.join(out, "results")).filter((f) => f.endsWith(".json")) : []);
    for (let waited = 0; waited < 120_000 && first.exitCode === null; waited += 50) {
      sandboxesAtKill = sandboxesUnder(first.pid!);
      if (results().length >= 1 && sandboxesAtKill.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill("SIGKILL");
    await exited;
    for (const f of results()) keptAfterKill.set(f, statSync(path.join(out, "results", f)).mtimeMs);
    for (let waited = 0; waited < 30_000; waited += 100) {
      survivors = sandboxesAtKill.filter(alive);
      if (survivors.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // Second run: resumed in this process with the same settings.
    run = await gradeSubmissions({
      root: ROOT,
      submissions: subs,
      out,
      notebooks: COURSE_NOTEBOOKS,
      jobs: 2,
      submissionMs: 60_000,
      limits: { checkMs: 3000, memoryMb: 256 },
    });
  }, 400_000);

  afterAll(() => {
    if (!tmp) return;
    // rm's recursive walk reads names as UTF-8: the Latin-1 one goes by its bytes first.
    rmSync(nonUtf8(), { force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it("kill -9 of the grader ends its sandboxes (one hung on a promise); the resumed run keeps what was finished", () => {
    expect(sandboxesAtKill.length).toBeGreaterThan(0);
    expect(survivors).toEqual([]);
    expect(keptAfterKill.size).toBeGreaterThan(0);
    for (const [f, mtime] of keptAfterKill) expect(statSync(path.join(out, "results", f)).mtimeMs, f).toBe(mtime);
    expect(run.reused.length).toBe(keptAfterKill.size);
    expect(run.problems).toEqual([]);
  });

  it("honest students in the batch get exactly their grades (a helper in another cell is named in the reason)", () => {
    expect(expected.get("control-right")).toBe(2);
    for (const [student, points] of expected) expect(ex(student).points, student).toBe(points);
    expect(grade("folder-student").flags).toEqual([
      "skipped folder-student/fifo.ipynb: a named pipe (FIFO)",
      "skipped folder-student/link.ipynb: a symbolic link (links are not followed: hand in the notebook itself)",
    ]);
    expect(ex("control-helper").reason).toMatch(
      /^only the answer cell is graded; `rate` is defined in another cell of your notebook \(cell 3 of control-helper\.ipynb\): move it into the answer cell\. .*ReferenceError: rate is not defined/
    );
    expect(ex("whitespace-bomb").flags).toEqual(["tampered: the locked check cell was edited"]);
  });

  it("a name longer than the file system allows once escaped gets a hashed file name, and its pages", () => {
    const stem = readdirSync(run.files.feedback).find((f) => f.startsWith("0_c3_a9"))!;
    expect(stem).toMatch(/^0(_c3_a9){10}_c3_h[0-9a-f]{16}\.html$/);
    expect(existsSync(path.join(run.files.results, stem.replace(/\.html$/, ".json")))).toBe(true);
    expect(readFileSync(path.join(run.files.feedback, stem), "utf8")).toContain(`Feedback for ${LONG}`);
  });

  it("pathological cells and notebooks are graded as errors, with a reason", () => {
    expect(ex("long-chain")).toMatchObject({ points: 0, status: "error", reason: expect.stringMatching(/^the cell does not compile: exercise-0\.1\.ts: compiling it took longer than 13 s$/) });
    expect(ex("huge-cell")).toMatchObject({ points: 0, status: "error", reason: expect.stringMatching(/^the cell is 30\d KB, more than the 256 KB a graded cell may have$/) });
    expect(ex("deep-json")).toMatchObject({ points: 0, status: "unreadable" });
    expect(grade("deep-json").flags).toEqual(["unreadable: deep-json.ipynb is nested more than 256 deep at line 1, column 257; a notebook is about 10 deep."]);
    expect(grade("sparse").flags).toEqual(["unreadable: sparse.ipynb is larger than 20 MB"]);
    expect(ex("a-hang")).toMatchObject({ points: 0, status: "error", reason: expect.stringMatching(/while loading the cell, .*took longer than/) });
  });

  it("links, FIFOs, dot-files and names that are not UTF-8 each get a row that says why, and nothing from where a link points", () => {
    const rows: Record<string, RegExp> = {
      dangling: /^not graded: dangling\.ipynb is a symbolic link/,
      loop: /^not graded: loop is a symbolic link/,
      lazy: /^not graded: lazy\.ipynb is a symbolic link/,
      peek: /^not graded: peek\.ipynb is a symbolic link/,
      pipe: /^not graded: pipe\.ipynb is a named pipe \(FIFO\)$/,
      ".hidden": /^not graded: the name \.hidden\.ipynb starts with a dot/,
      "M\\xfcller": /^not graded: the name M\\xfcller\.ipynb is not valid UTF-8/,
    };
    for (const [student, reason] of Object.entries(rows)) {
      const e = ex(student);
      expect(e, student).toMatchObject({ points: 0, status: "not-graded" });
      expect(e.reason, student).toMatch(reason);
    }
    const csv = parseCsv(readFileSync(run.files.csv, "utf8"));
    expect(new Set(csv.slice(1).map((r) => r[0]))).toEqual(new Set(run.grades.map((g) => g.student)));
    expect(csv.filter((r) => r[4] === "not-graded").length).toBe(Object.keys(rows).length * exercises.length);
    const secret = readFileSync(path.join(ROOT, "solutions", "ch00.ts"), "utf8").slice(0, 12);
    for (const file of [run.files.csv, run.files.json, ...readdirSync(run.files.feedback).map((f) => path.join(run.files.feedback, f))]) {
      expect(readFileSync(file, "utf8"), file).not.toContain(secret);
    }
  });

  it("nothing of the grader's machine reaches a student: no course, output or submissions path, no environment", () => {
    const e = ex("leak");
    expect(e.checks[0].message).toMatch(/^threw Error: argv --(experimental-)?permission --allow-fs-read=<course>\/lib\/dist /);
    expect(e.checks[0].message).toContain("PWD undefined cwd / env {");
    const page = readFileSync(path.join(run.files.feedback, "leak.html"), "utf8");
    for (const text of [page, readFileSync(run.files.csv, "utf8"), readFileSync(run.files.json, "utf8")]) {
      for (const secret of [ROOT, tmp, realpathSync(tmp), out, subs]) expect(text.includes(secret), secret).toBe(false);
    }
  });
});

describe("a sandbox that cannot start is the grader's failure, not the student's", () => {
  let tmp = "";
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("with the view removed halfway, nothing is saved and the batch still finishes; the next run grades everyone exactly", async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "grading-infra-"));
    const subs = path.join(tmp, "submissions");
    const out = path.join(tmp, "out");
    const reference = solutionCellOf(courseNotebook());
    writeNotebook(path.join(subs, "control-right.ipynb"), submissionNotebook(reference));
    writeNotebook(path.join(subs, "control-zeros.ipynb"), submissionNotebook(ZEROS));
    const common = { root: ROOT, submissions: subs, out, notebooks: COURSE_NOTEBOOKS, jobs: 2, submissionMs: 20_000, limits: LIMITS };
    // Once the sandbox is chosen, its mount point disappears: every sandbox then fails to mount its view.
    const broken = await gradeSubmissions({ ...common, log: (line) => line.startsWith("sandbox:") && rmdirSync(path.join(out, ".sandbox-view")) });
    expect(broken.problems).toHaveLength(2);
    expect(broken.problems.join("\n")).toMatch(/the sandbox did not start: exited with code/);
    for (const g of broken.grades) {
      expect(g.exercises.every((e) => e.status === "not-graded" && e.reason.startsWith("not graded: grader error"))).toBe(true);
      expect(g.flags).toEqual(["grader-error: the grader failed on this submission; it is graded again on the next run"]);
    }
    expect(readdirSync(path.join(out, "results"))).toEqual([]);
    mkdirSync(path.join(out, ".sandbox-view"), { recursive: true });
    const again = await gradeSubmissions(common);
    expect(again.problems).toEqual([]);
    expect(again.graded).toEqual(["control-right", "control-zeros"]);
    expect(again.grades.map((g) => g.points)).toEqual([await expectedGrade(reference), await expectedGrade(ZEROS)]);
  }, 120_000);
});
