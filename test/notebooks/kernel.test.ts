/**
 * The library as seen from a notebook: the project's kernel spec starts tslab, which imports
 * "shoplm" from notebooks/ and sees its types (completion, type errors, inspection).
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lastJsonLine, runPython } from "./python";

const root = path.resolve(__dirname, "../..");

/**
 * The built library's values: the root entry's, the instructor entry's that the root lacks, and
 * every other value a compiled module exports that neither entry re-exports (the internals).
 */
const SCRIPTS = new Set(["train/worker.js", "grading/sandbox-child.js", "grading/compile-worker.js"]);

function libraryNames(): { root: Set<string>; instructorOnly: Set<string>; internal: Set<string> } {
  const dist = path.join(root, "lib", "dist");
  const load = (file: string): Record<string, unknown> => require(file) as Record<string, unknown>;
  const rootNames = new Set(Object.keys(load(path.join(dist, "index.js"))));
  const instructorOnly = new Set(Object.keys(load(path.join(dist, "instructor.js"))).filter((n) => !rootNames.has(n)));
  const internal = new Set<string>();
  for (const entry of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    // Skipped: the entries, and the scripts that run when loaded (worker threads, the sandbox's child).
    if (!entry.endsWith(".js") || path.basename(entry) === "index.js" || SCRIPTS.has(entry) || entry === "instructor.js") continue;
    for (const name of Object.keys(load(path.join(dist, entry)))) {
      if (!rootNames.has(name) && !instructorOnly.has(name) && name !== "__esModule" && name !== "default") internal.add(name);
    }
  }
  return { root: rootNames, instructorOnly, internal };
}

interface Cell {
  stdout: string;
  error: string | null;
  traceback: string[];
  results: Record<string, unknown>[];
  status: string;
  replyError: string | null;
}

describe("the course kernel", () => {
  it("imports the library in a notebook folder, completes its members, reports errors and shows results", async () => {
    const probe = await runPython([path.join(__dirname, "kernel_probe.py"), path.join(root, "notebooks")], { ...process.env, JUPYTER_PATH: path.join(root, ".jupyter-course") }, 240_000);
    expect(probe.status, probe.stderr).toBe(0);
    const result = lastJsonLine<{
      import: Cell;
      completion: string[];
      namespaceCompletion: string[];
      typeError: Cell;
      runtimeError: Cell;
      lastValue: Cell;
      undefinedValue: Cell;
      inspect: string;
      staleAfterBadEdit: Cell;
      staleAfterFix: Cell;
      session: Cell;
      clientSession: string;
    }>(probe);
    expect(result.import.error).toBeNull();
    expect(result.import.stdout.trim()).toBe("fast");
    expect(result.completion).toContain("shop");
    // A compile error is an error message (and reply) naming the cell, line and column, not stderr text.
    expect(result.typeError.status).toBe("error");
    expect(result.typeError.error).toBe("CompileError: Type 'Profile' is not assignable to type 'number'.");
    expect(result.typeError.replyError).toBe(result.typeError.error);
    expect(result.typeError.traceback.join("\n")).toMatch(/In\[\d+\]:1:7 - error TS2322: Type 'Profile'/);
    expect(result.typeError.stdout).toBe("");
    // A thrown error: its name and message, and frames at the cell's own lines (throw on line 3, call on line 5).
    expect(result.runtimeError.status).toBe("error");
    expect(result.runtimeError.error).toBe("RangeError: on purpose");
    const frames = result.runtimeError.traceback;
    expect(frames[0]).toBe("RangeError: on purpose");
    expect(frames[1]).toMatch(/^ {4}at explode \(In\[\d+\]:3:9\)$/);
    expect(frames[2]).toMatch(/^ {4}at In\[\d+\]:5:1$/);
    expect(frames.join("\n")).not.toMatch(/evalmachine|node:vm|tslab\/dist/);
    // The last expression's value is the cell's result; console.log stays on stdout; undefined shows nothing.
    expect(result.lastValue.stdout).toBe("printed\n");
    expect(result.lastValue.results).toEqual([{ "text/plain": "42" }]);
    expect(result.undefinedValue.results).toEqual([]);
    expect(result.undefinedValue.status).toBe("ok");
    expect(result.inspect).toMatch(/getProfile\(name\?: string/);
    // What check() and plot() read: names whose latest definition did not compile, and the page asking.
    // (`n` is the earlier cell that did not compile.)
    expect(JSON.parse(result.staleAfterBadEdit.stdout)).toEqual(["answer2", "n"]);
    expect(JSON.parse(result.staleAfterFix.stdout)).toEqual(["n"]);
    expect(result.session.stdout.trim()).toBe(result.clientSession);
    // `shoplm.` then Tab: the course's concepts, no instructor tooling, no internal helper.
    const offered = new Set(result.namespaceCompletion);
    const api = libraryNames();
    expect(offered.size).toBeGreaterThan(100);
    for (const name of ["buildRelease", "gradeSubmissions", "sandboxConfig", "defineExercise"]) expect(api.instructorOnly, name).toContain(name);
    for (const name of ["entriesOf", "compareCodePoints", "unregisterWasmKernelWrappers", "WorkerPool"]) expect(api.internal, name).toContain(name);
    for (const name of ["loadShop", "ndcgAtK", "trainCourseModel", "check", "plot", "Lora"]) expect(offered, name).toContain(name);
    expect([...offered].filter((name) => api.instructorOnly.has(name))).toEqual([]);
    expect([...offered].filter((name) => api.internal.has(name))).toEqual([]);
    // Every value the root exports is offered (types are not values and are not listed after a dot).
    expect([...api.root].filter((name) => !offered.has(name))).toEqual([]);
  }, 300_000);
});
