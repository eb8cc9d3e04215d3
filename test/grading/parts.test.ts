/**
 * The grading system's parts one at a time: the value encoding across the sandbox's pipe, the
 * notebook reader, property replay, tamper flags, the gradebook's CSV and reasons, the
 * histogram, and one sandboxed process spoken to directly.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import {
  candidateIsolation,
  checkLine,
  compareValues,
  decodeText,
  decodeValue,
  disposeSandbox,
  encodeText,
  encodeValue,
  exerciseReason,
  findExerciseCells,
  formatNotebook,
  gradebookCsv,
  lockRecord,
  normaliseCellSource,
  parseCsv,
  parseNotebook,
  runPropertyRemote,
  safeStem,
  permissionFlag,
  sandboxCommand,
  sandboxConfig,
  SandboxProcess,
  scoreHistogram,
  studentNotebook,
  syncInto,
  tamperFlags,
  TransferError,
  transpileCell,
  type CallResult,
  type GradedCheck,
  type PropertyCheck,
  type RemoteAnswer,
  type StudentGrade,
} from "shoplm/instructor";
import { sha256Hex } from "../../lib/src/core/hash";
import { exercises } from "../../exercises/index";
import { courseNotebook, ROOT, solutionCellOf } from "../fixtures/submissions/generate";

describe("values across the pipe", () => {
  it("round-trips what JSON cannot carry, exactly", () => {
    const value = {
      nan: NaN,
      inf: [Infinity, -Infinity],
      negZero: -0,
      nothing: undefined,
      big: 12345678901234567890n,
      f32: Float32Array.from([0.1, NaN, -2]),
      i64: BigInt64Array.from([-5n]),
      map: new Map<unknown, unknown>([["a", 1], [2, [3]]]),
      set: new Set(["x", "y"]),
      date: new Date(86_400_000),
      nested: JSON.parse('{"__proto__": {"polluted": true}, "list": [1, "two", null, true]}') as Record<string, unknown>,
    };
    const back = decodeText(encodeText(value)) as typeof value;
    expect(compareValues(value, back)).toBeNull();
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.f32).toBeInstanceOf(Float32Array);
    expect(Array.from(back.f32).map(String)).toEqual(Array.from(value.f32).map(String));
    expect(back.big).toBe(value.big);
    expect(back.map.get(2)).toEqual([3]);
    expect(back.date.getTime()).toBe(86_400_000);
    // "__proto__" stays data: an own key, not a new prototype.
    expect(Object.getPrototypeOf(back.nested)).toBe(Object.prototype);
    expect(Object.keys(back.nested)).toEqual(["__proto__", "list"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((back.nested as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses functions, symbols and cycles, saying where", () => {
    expect(() => encodeValue([1, { f: () => 1 }])).toThrow(new TransferError("a function at [1].f cannot be compared; return plain data"));
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => encodeValue(cyclic)).toThrow(/contains a cycle \(at \.self\)/);
    expect(() => encodeValue(Symbol("s"))).toThrow(/a symbol cannot be compared/);
    const shared = { a: 1 };
    expect(decodeValue(encodeValue([shared, shared]))).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it("rejects malformed data instead of trusting it", () => {
    for (const bad of [["x"], ["t", "Function", ""], ["b", "1e3"], ["o", [[1, 2]]], 1e999, ["n", "nope"], { a: 1 }]) {
      expect(() => decodeValue(bad), JSON.stringify(bad)).toThrow(TransferError);
    }
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = ["a", [deep]];
    expect(() => decodeValue(deep)).toThrow(/nested more than/);
  });

  it("syncInto makes an argument look like it did after the call, in place", () => {
    const target = { list: [3, 1, 2], gone: true, inner: { n: 1 } };
    const keep = target.list;
    syncInto(target, { list: [1, 2, 3, 4], inner: { n: 2 } });
    expect(target).toEqual({ list: [1, 2, 3, 4], inner: { n: 2 } });
    expect(target.list).toBe(keep);
    const typed = Float64Array.from([1, 2]);
    syncInto(typed, Float64Array.from([5, 6]));
    expect(Array.from(typed)).toEqual([5, 6]);
  });
});

describe("notebooks", () => {
  it("says where a notebook is not JSON, and what shape is wrong", () => {
    expect(() => parseNotebook('{\n  "cells": [\n    {,\n', "a.ipynb")).toThrow(/^a\.ipynb is not valid JSON at line 3, column 6: /);
    expect(() => parseNotebook("[]", "b.ipynb")).toThrow('b.ipynb: expected a JSON object with "cells", found an array.');
    expect(() => parseNotebook('{"cells": [{"cell_type": "code", "source": 3}]}', "c.ipynb")).toThrow("c.ipynb: cell 1 has a source that is neither a string nor a list of strings.");
  });

  it("writes what it reads back unchanged", () => {
    const nb = courseNotebook();
    expect(formatNotebook(parseNotebook(formatNotebook(nb)))).toBe(formatNotebook(nb));
    const cells = findExerciseCells(nb).get("0.1")!;
    expect([cells.instructions, cells.solution, cells.check].every(Boolean)).toBe(true);
    expect(cells.repeated).toEqual([]);
  });
});

describe("locked cells", () => {
  const exercise = exercises.find((e) => e.id === "0.1")!;
  const released = () => studentNotebook(courseNotebook(), exercises, new Map([["0.1", solutionCellOf(courseNotebook())]]), "ex.ipynb", new Set());

  it("are compared with the instructor's cells, or with the release's hash when there is no original", () => {
    const nb = released();
    const cells = findExerciseCells(nb).get("0.1")!;
    const originals = { instructions: cells.instructions!.source, check: cells.check!.source };
    expect(tamperFlags(cells, originals, exercise.answerName)).toEqual([]);
    expect(tamperFlags(cells, undefined, exercise.answerName)).toEqual([]);
    expect(lockRecord(cells.check!.cell)?.sha256).toBe(sha256Hex(normaliseCellSource(cells.check!.source)));

    cells.instructions!.cell.source = "### Exercise 0.1\n\nWhatever you like.";
    const edited = findExerciseCells(nb).get("0.1")!;
    expect(tamperFlags(edited, undefined, exercise.answerName)).toEqual(["tampered: the locked instructions cell was edited"]);
    expect(tamperFlags(edited, originals, exercise.answerName)).toEqual(["tampered: the locked instructions cell was edited"]);

    nb.cells = nb.cells.filter((c) => c !== cells.check!.cell);
    expect(tamperFlags(findExerciseCells(nb).get("0.1")!, originals, exercise.answerName)).toContain("tampered: the locked check cell was deleted");
  });

  it("a trailing newline or CRLF added by an editor is not an edit", () => {
    const nb = released();
    const cells = findExerciseCells(nb).get("0.1")!;
    cells.check!.cell.source = `${cells.check!.source.replace(/\n/g, "\r\n")}\n\n`;
    expect(tamperFlags(findExerciseCells(nb).get("0.1")!, undefined, exercise.answerName)).toEqual([]);
  });
});

/** A remote answer computed here, counting calls. */
function local(fn: (...a: unknown[]) => unknown): RemoteAnswer & { calls: number } {
  return {
    calls: 0,
    async call(args: string, wantArgs: boolean): Promise<CallResult> {
      this.calls++;
      const decoded = decodeText(args) as unknown[];
      try {
        const value = fn(...decoded);
        return { kind: "returned", async: false, value: encodeValue(value), ...(wantArgs ? { argsAfter: encodeValue(decoded) } : {}) };
      } catch (error) {
        return { kind: "threw", async: false, message: `${(error as Error).name}: ${(error as Error).message}`, ...(wantArgs ? { argsAfter: encodeValue(decoded) } : {}) };
      }
    },
  };
}

describe("property checks replayed on the trusted side", () => {
  const notMutating: PropertyCheck<(xs: number[]) => number[]> = {
    name: "does not change its input",
    property: (answer) => {
      const input = [3, 1, 2];
      answer(input);
      return input.join() === "3,1,2" ? undefined : "the input was modified";
    },
  };

  it("sees how the answer changed its arguments, and calls it once per distinct call", async () => {
    const sorting = local((xs) => (xs as number[]).sort());
    expect(await runPropertyRemote(notMutating, sorting)).toEqual({ status: "failed", message: "the input was modified" });
    expect(sorting.calls).toBe(1);
    expect(await runPropertyRemote(notMutating, local((xs) => [...(xs as number[])].sort()))).toEqual({ status: "passed" });
  });

  it("passes on the answer's exceptions, and a property that catches them still gets its verdict", async () => {
    const throwing = local(() => {
      throw new RangeError("no");
    });
    expect(await runPropertyRemote(notMutating, throwing)).toEqual({ status: "error", message: "threw RangeError: no", cause: "answer" });
    const expectsThrow: PropertyCheck<(x: number) => number> = {
      name: "throws on negative input",
      property: (answer) => {
        try {
          answer(-1);
        } catch {
          return undefined;
        }
        return "did not throw";
      },
    };
    expect(await runPropertyRemote(expectsThrow, throwing)).toEqual({ status: "passed" });
    expect(await runPropertyRemote(expectsThrow, local(() => 1))).toEqual({ status: "failed", message: "did not throw" });
  });

  it("a property that is not deterministic is an authoring error, not the student's", async () => {
    let n = 0;
    const flaky: PropertyCheck<(x: number) => number> = {
      name: "flaky",
      property: (answer) => {
        answer(n++);
        answer(n++);
      },
    };
    const verdict = await runPropertyRemote(flaky, local((x) => x));
    expect(verdict).toMatchObject({ status: "error", cause: "authoring" });
    expect(verdict.status === "error" && verdict.message).toMatch(/is not deterministic/);
  });
});

describe("the gradebook", () => {
  const check = (over: Partial<GradedCheck>): GradedCheck => ({ name: "c", hidden: false, number: 1, status: "passed", kind: null, message: "", weight: 1, ...over });

  it("reasons never show a hidden check's name or message", () => {
    const checks = [
      check({ name: "public one" }),
      check({ name: "secret case [[1,2],3]", hidden: true, number: 1, status: "error", kind: "threw", message: "threw Error: input was [[1,2],3]" }),
    ];
    const reason = exerciseReason("partial", checks);
    expect(reason).toBe("1 of 2 checks did not pass (the answer threw an error x1); first hidden check 1: the answer threw an error");
    expect(checkLine(checks[1])).toBe('<li><span class="no">&#10007;</span> hidden check 1 failed: the answer threw an error</li>');
    expect(checkLine(check({ name: "<b>x</b>", status: "failed", kind: "wrong", message: "got <i>" }))).toContain("&lt;b&gt;x&lt;/b&gt;: <code>got &lt;i&gt;</code>");
  });

  it("the reason details the commonest kind of failure, the earliest on a tie", () => {
    const timeout = { status: "error" as const, kind: "timeout" as const, message: "the answer took longer than the 1.5 s limit" };
    const memory = { status: "error" as const, kind: "memory" as const, message: "used more than 128 MB of memory" };
    const checks = [check({ name: "a", ...timeout }), check({ name: "b", number: 2, ...memory }), check({ name: "c", number: 3, ...memory })];
    expect(exerciseReason("failed", checks)).toBe(
      '3 of 3 checks did not pass (took too long x1, used too much memory x2); most often check "b": used more than 128 MB of memory',
    );
    expect(exerciseReason("failed", checks.slice(0, 2))).toBe(
      '2 of 2 checks did not pass (took too long x1, used too much memory x1); first check "a": the answer took longer than the 1.5 s limit',
    );
  });

  it("CSV quotes what needs quoting and defuses spreadsheet formulas", () => {
    const grade: StudentGrade = {
      version: 1,
      fingerprint: "f",
      student: "=HYPERLINK(\"x\")",
      files: [],
      points: 1,
      max: 2,
      flags: [],
      exercises: [{ id: "0.1", title: "t", points: 1, max: 2, status: "partial", reason: 'a, "b"\nc', flags: [], checks: [], notebook: null, output: { stdout: "", stderr: "" } }],
    };
    const rows = parseCsv(gradebookCsv([grade]));
    expect(rows).toEqual([
      ["student", "exercise", "points", "max", "status", "reason", "flags"],
      ["'=HYPERLINK(\"x\")", "0.1", "1", "2", "partial", 'a, "b"\nc', ""],
    ]);
  });

  it("histogram bins cover [0, max] with the top score in the last bin", () => {
    expect(scoreHistogram([0, 0.2, 1, 1.99, 2, 2], 2, 4).counts).toEqual([2, 0, 1, 3]);
  });

  it("student names become distinct, safe file names", () => {
    const names = ["alice", "Alice", "a_b", "a b", "../etc", ".hidden", "José", "a.b"];
    const stems = names.map(safeStem);
    expect(new Set(stems).size).toBe(names.length);
    for (const s of stems) expect(s).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/);
  });
});

describe("one sandboxed process", () => {
  const isolation = candidateIsolation()[0];
  const config = sandboxConfig({ root: ROOT, isolation, limits: { checkMs: 3000 } });
  afterAll(() => disposeSandbox(config));

  /** A sandbox with `source` loaded as exercise 9.9's answer cell. */
  async function loadAnswer(source: string): Promise<SandboxProcess> {
    const code = transpileCell(source, "exercise-9.9.ts");
    if ("error" in code) throw new Error(code.error);
    const { process: proc, load } = await SandboxProcess.start(config, { code: code.code, answerName: "answer", file: "exercise-9.9.ts", seed: 1 }, 20_000);
    expect(load).toEqual({ ok: true });
    return proc;
  }

  it("is started behind the permission model and, as root on Linux, namespaces and another user", () => {
    const { command, args } = sandboxCommand(config);
    const line = [command, ...args].join(" ");
    expect(line).toContain(permissionFlag(config.nodeVersion));
    expect(line).toContain(`--allow-fs-read=${path.join(ROOT, "lib", "dist")}`);
    expect(line).not.toContain("solutions");
    if (isolation === "strong") expect(line).toMatch(/unshare --mount --net --pid --ipc --fork --kill-child -- \S*sh -c .* -- \S*prlimit .*setpriv --reuid=65534/s);
    if (isolation !== "none") expect(config.binds).toEqual(expect.arrayContaining([path.join(ROOT, "lib", "dist"), path.join(ROOT, "node_modules")]));
    expect(config.binds.filter((b) => b === ROOT || b.startsWith(path.join(ROOT, "solutions")))).toEqual([]);
  });

  it("answers calls by value: returned, async, thrown, and unsendable", async () => {
    const proc = await loadAnswer(
      `let calls = 0;
function answer(x: number[]): unknown {
  calls++;
  if (x[0] === 1) return x.map((v) => v * 2);
  if (x[0] === 2) return Promise.resolve(new Float32Array(x));
  if (x[0] === 3) throw new TypeError("three");
  if (x[0] === 4) { x.push(calls); return null; }
  return () => 1;
}`
    );
    try {
      expect(await proc.call(encodeText([[1, 2]]), false, 3000)).toEqual({ kind: "returned", async: false, value: encodeValue([2, 4]) });
      expect(await proc.call(encodeText([[2, 0.5]]), false, 3000)).toEqual({ kind: "returned", async: true, value: encodeValue(Float32Array.from([2, 0.5])) });
      expect(await proc.call(encodeText([[3]]), false, 3000)).toEqual({ kind: "threw", async: false, message: "TypeError: three" });
      expect(await proc.call(encodeText([[4]]), true, 3000)).toEqual({ kind: "returned", async: false, value: null, argsAfter: encodeValue([[4, 4]]) });
      expect(await proc.call(encodeText([[5]]), false, 3000)).toEqual({ kind: "unserializable", message: "a function cannot be compared; return plain data" });
    } finally {
      proc.kill();
    }
  });

  it("caps writable memory in the kernel: untouched buffers, which the resident-memory watchdog never sees, stop at the cap", async () => {
    if (!config.tools.prlimit || process.platform !== "linux") return;
    const { args } = sandboxCommand(config);
    const cap = config.nodeBaseMb + config.limits.memoryMb + 256;
    expect(config.nodeBaseMb).toBeGreaterThan(0);
    expect(args).toContain(`--data=${cap * 1024 * 1024}`);
    const proc = await loadAnswer(
      `function answer(): number {
  const hoard: Uint8Array[] = [];
  try { for (;;) hoard.push(new Uint8Array(16 * 1024 * 1024)); } catch { return hoard.length * 16; }
}`
    );
    try {
      const result = await proc.call(encodeText([]), false, 3000);
      // Stopped at the cap: the answer caught the failed allocation, or V8 itself found no page left.
      // Without the cap only the address-space limit (1.5 GB + heap) would stop it.
      if (result.kind === "returned") {
        expect(Number(result.value)).toBeGreaterThan(64);
        expect(Number(result.value)).toBeLessThan(config.limits.memoryMb + 256);
      } else expect(result).toEqual({ kind: "memory", message: `ran out of memory (the ${config.limits.memoryMb + 256} MB cap on memory beyond Node's own)` });
    } finally {
      proc.kill();
    }
  });

  it("reports a cell that does not compile or does not define the answer", async () => {
    expect(transpileCell("function f( {", "exercise-9.9.ts")).toEqual({ error: expect.stringMatching(/^the cell does not compile: exercise-9\.9\.ts\(1,\d+\): /) });
    const { process: proc, load } = await SandboxProcess.start(config, { code: "const other = 1;", answerName: "answer", file: "x.ts", seed: 1 }, 20_000);
    proc.kill();
    expect(load).toEqual({ ok: false, kind: "refused", message: "the cell does not define answer (only the exercise's solution cell is graded)" });
  });
});
