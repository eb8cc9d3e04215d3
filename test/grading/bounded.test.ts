/**
 * The grader's own process does only bounded work on what students hand in (issue 15): every step
 * it runs on submitted text, fed a pathological input of the largest size it accepts, finishes.
 *
 * Each case runs in a child process with a hard limit of BOUND_MS, far above normal (each takes
 * well under a second here; a quadratic regex on the 20 MB whitespace run would take days): a case
 * that blows up is killed and fails, instead of blocking the test runner. Nothing here compares
 * speeds; the bound only tells "finishes" from "does not".
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../fixtures/submissions/generate";

const BOUND_MS = 60_000;
const GRADING = path.join(ROOT, "lib", "dist", "instructor.js");

/** Run `body` (CommonJS, `g` = the compiled grading module) in a child; its last line is JSON. */
function bounded(body: string): unknown {
  const script = `const g = require(${JSON.stringify(GRADING)}); const MB = 1 << 20;\n(async () => {\n${body}\n})().then((r) => { console.log(JSON.stringify(r ?? null)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: BOUND_MS, killSignal: "SIGKILL", maxBuffer: 64 << 20 });
  expect(run.signal, `killed after ${BOUND_MS / 1000} s: the work is not bounded`).toBeNull();
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").pop()!);
}

describe("parent-side work on student input is bounded (maximum sizes, pathological shapes)", () => {
  it("normaliseCellSource: a 20 MB whitespace run, before and after text", () => {
    const got = bounded(`
      const a = g.normaliseCellSource(" ".repeat(20 * MB) + "//");
      const b = g.normaliseCellSource("x" + " \\t\\r\\n".repeat(5 * MB));
      const c = g.normaliseCellSource("\\r\\n".repeat(10 * MB) + "y");
      return [a.length, b, c.length];`);
    expect(got).toEqual([20 * (1 << 20) + 2, "x", 10 * (1 << 20) + 1]);
  });

  it("tamperFlags: 20 MB locked cells, against the original and against the release's hash", () => {
    const got = bounded(`
      const cell = (source, lock) => ({ index: 0, cell: { cell_type: "code", source, metadata: lock ? { course: { locked: true, role: "check", sha256: "0" } } : {} }, source });
      const huge = " ".repeat(20 * MB) + "//";
      const withOriginal = g.tamperFlags({ id: "0.1", instructions: cell(huge), check: cell("\\r\\n".repeat(10 * MB)), repeated: [] }, { instructions: "x", check: "y" }, "f");
      const withHash = g.tamperFlags({ id: "0.1", instructions: cell(huge, true), check: cell("await check(\\"0.1\\", f);" + " ".repeat(20 * MB)), repeated: [] }, undefined, "f");
      return [withOriginal, withHash];`);
    expect(got).toEqual([
      ["tampered: the locked instructions cell was edited", "tampered: the locked check cell was edited"],
      // Normalising trims trailing whitespace, but a cell more than twice its original's size counts as edited unread.
      ["tampered: the locked instructions cell was edited", "tampered: the locked check cell was edited"],
    ]);
  });

  it("parseNotebook and findExerciseCells: deep nesting, 300,000 cells, a million tags, a 19 MB tag and a 19 MB line", () => {
    const got = bounded(`
      const tryParse = (text) => { try { g.parseNotebook(text, "x.ipynb"); return "parsed"; } catch (e) { return e.message.slice(0, 60); } };
      const deep = [tryParse("[".repeat(20 * MB)), tryParse('{"cells": ' + "[".repeat(10 * MB) + "]".repeat(10 * MB) + "}")];
      const cells = Array.from({ length: 300000 }, () => ({ cell_type: "code", source: "", metadata: { tags: ["exercise:0.1", "check"] } }));
      const many = g.findExerciseCells(g.parseNotebook(JSON.stringify({ cells, metadata: {}, nbformat: 4 }))).get("0.1").repeated.length;
      const tags = g.findExerciseCells(g.parseNotebook(JSON.stringify({ cells: [{ cell_type: "code", source: "", metadata: { tags: Array(1000000).fill("exercise:1111111111") } }], nbformat: 4 }))).size;
      const longTag = g.findExerciseCells(g.parseNotebook(JSON.stringify({ cells: [{ cell_type: "code", source: "", metadata: { tags: ["exercise:" + "1".repeat(19 * MB), "solution"] } }], nbformat: 4 }))).size;
      const line = g.parseNotebook(JSON.stringify({ cells: [{ cell_type: "code", source: "x".repeat(19 * MB), metadata: {} }], nbformat: 4 })).cells[0].source.length;
      const broken = tryParse('{"cells": [' + " ".repeat(19 * MB));
      return { deep, many, tags, longTag, line, broken };`) as Record<string, unknown>;
    expect(got.deep).toEqual([expect.stringMatching(/nested more than 256 deep at line 1, column 257/), expect.stringMatching(/nested more than 256 deep at line 1, column 266/)]);
    expect(got).toMatchObject({ many: 299_999, tags: 0, longTag: 0, line: 19 * (1 << 20) });
    expect(got.broken).toMatch(/^x\.ipynb is not valid JSON/);
  });

  it("transpiling: a 256 KB chain the compiler is super-linear on stops at its limit in a worker; the event loop keeps running", () => {
    const got = bounded(`
      let ticks = 0;
      const timer = setInterval(() => ticks++, 20);
      const chain = await g.transpileBounded("const s = " + "1 + ".repeat(g.MAX_CELL_BYTES / 4 - 4) + "1;", "exercise-0.1.ts", 3000);
      const nested = await g.transpileBounded("x = " + "(".repeat(g.MAX_CELL_BYTES / 2 - 4) + ")".repeat(g.MAX_CELL_BYTES / 2 - 4), "exercise-0.1.ts", 20000);
      const tooBig = await g.transpileBounded("//" + "x".repeat(g.MAX_CELL_BYTES), "exercise-0.1.ts", 3000);
      const fine = await g.transpileBounded("const x: number = 1;", "exercise-0.1.ts", 20000);
      clearInterval(timer);
      return { chain, nested, tooBig, fine, ticks };`) as Record<string, unknown>;
    expect(got.chain).toEqual({ error: "the cell does not compile: exercise-0.1.ts: compiling it took longer than 3 s" });
    expect(got.nested).toEqual({ error: expect.stringMatching(/^the cell does not compile: exercise-0\.1\.ts/) });
    expect(got.tooBig).toEqual({ error: "the cell is 257 KB, more than the 256 KB a graded cell may have" });
    expect(got.fine).toEqual({ code: "const x = 1;\n" });
    // The 3 s of compiling happened off the event loop: the interval fired during it (20 ms apart).
    expect(got.ticks).toBeGreaterThan(10);
  });

  it("reading: a sparse 3 GB notebook, a FIFO and a link are refused without reading them; the fingerprint reads no more than the cap", () => {
    const got = bounded(`
      const fs = require("fs"), os = require("os"), path = require("path"), cp = require("child_process");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grading-bounded-"));
      try {
        const big = path.join(dir, "big.ipynb");
        const fd = fs.openSync(big, "w"); fs.ftruncateSync(fd, 3 * 1024 * MB); fs.closeSync(fd);
        cp.execFileSync("mkfifo", [path.join(dir, "pipe.ipynb")]);
        fs.symlinkSync("/etc/passwd", path.join(dir, "link.ipynb"));
        const read = ["big", "pipe", "link"].map((n) => g.readSubmissionNotebook(path.join(dir, n + ".ipynb"), dir).problem);
        const submission = { student: "big", stem: "big", files: [big], skipped: [] };
        const course = { fingerprint: "c" };
        const fingerprint = g.studentFingerprint(course, submission, g.DEFAULT_LIMITS, 1000).length;
        return { read, fingerprint };
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }`) as Record<string, unknown>;
    expect(got.read).toEqual(["big.ipynb is larger than 20 MB", "pipe.ipynb is a named pipe (FIFO)", "link.ipynb is a symbolic link (not followed)"]);
    expect(got.fingerprint).toBe(64);
  });

  it("names, the other-cell search and redaction: long names, 20 MB cells, long texts", () => {
    const got = bounded(`
      const stems = [g.safeStem("0" + "é".repeat(80)), g.safeStem(Buffer.from([0x4d, 0xfc, 0x6c])), g.safeStem("\\u00e9".repeat(127))];
      const cell = (source) => ({ cell_type: "code", source, metadata: {} });
      const read = [{ file: "/s/a.ipynb", problem: null, digest: "", notebook: { cells: [cell("const" + " ".repeat(20 * MB)), cell("let" + " ".repeat(20 * MB) + "dcg2 = dcg"), cell("function dcg(x) {}")], metadata: {}, nbformat: 4, nbformat_minor: 5 } }];
      const where = g.definedElsewhere("dcg", read, { file: "a.ipynb", index: 5 }, "/s");
      const redact = g.redactor([["/work/course", "<course>"], ["/tmp/out", "<out>"]]);
      const text = redact("/work/course/lib ".repeat(MB) + "/tmp/out").length;
      return { stems, where, text };`) as Record<string, unknown>;
    const stems = got.stems as string[];
    expect(stems[0]).toMatch(/^0(_c3_a9){10}_c3_h[0-9a-f]{16}$/);
    expect(stems[1]).toBe("M_fcl");
    for (const s of stems) expect(s.length).toBeLessThanOrEqual(100);
    expect(got.where).toBe("cell 3 of a.ipynb");
    expect(got.text).toBe("<course>/lib ".length * (1 << 20) + "<out>".length);
  });
});
