/**
 * Hostile submissions, graded in one run beside honest controls. For each: the grader finishes,
 * every other submission is graded exactly as the notebook's own checks grade it, the attack gains
 * nothing, and the gradebook records a reason. The attacks are in
 * test/fixtures/submissions/adversarial/*.ts.txt (placeholders filled in here).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeSubmissions, loadExercises, parseCsv, type GradeRun, type StudentGrade } from "shoplm";
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
