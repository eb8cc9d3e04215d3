/**
 * The library as seen from a notebook: the project's kernel spec starts tslab, which imports
 * "shoplm" from notebooks/ and sees its types (completion, type errors, inspection).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lastJsonLine, runPython } from "./python";

const root = path.resolve(__dirname, "../..");

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
  }, 300_000);
});
