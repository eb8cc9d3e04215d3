import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import * as shoplm from "shoplm";
import { describe, expect, it } from "vitest";
import { captureDisplay, check, type MimeBundle } from "shoplm";
import { compareValues, runChecks, scoreOutcomes, solutionRegion, STALE_DEFINITIONS } from "shoplm/instructor";
import { exercises } from "../../exercises/index";
import { solutions } from "../../solutions/index";
import { wrongAnswers } from "../fixtures/wrong-answers";

const root = path.resolve(__dirname, "../..");

describe("compareValues", () => {
  it("accepts equal values within tolerance and points at the first difference", () => {
    expect(compareValues([1, 0.5, { a: "x" }], [1, 0.5 + 1e-12, { a: "x" }])).toBeNull();
    expect(compareValues([1, 0.5, 0], [1, 0.25, 0])).toBe("at [1]: expected 0.5, got 0.25");
    expect(compareValues({ a: [1, 2] }, { a: [1, 2, 3] })).toBe("at .a: expected length 2, got length 3 ([1,2,3])");
    expect(compareValues({ a: 1, b: 2 }, { a: 1 })).toBe('missing key "b"');
    expect(compareValues({ a: 1 }, { a: 1, c: 3 })).toBe('unexpected key "c"');
    expect(compareValues(2, "2")).toBe('expected the number 2, got string "2"');
    expect(compareValues(Float32Array.from([1, 2]), [1, 2])).toBeNull();
    expect(compareValues(NaN, NaN)).toBeNull();
    expect(compareValues(1, NaN)).toBe("expected 1, got NaN");
    expect(compareValues(1, 1.001, { abs: 0.01 })).toBeNull();
    expect(compareValues(new Map([["k", 1]]), new Map([["k", 2]]))).toBe("at .k: expected 1, got 2");
  });
});

describe("check() in a notebook", () => {
  const shown: MimeBundle[] = [];
  const capture = () => captureDisplay((bundle) => shown.push(bundle));

  it("reports the failing case with expected and got, and a hint", async () => {
    const restore = capture();
    const wrong = (impressions: { position: number; clicked: boolean }[], maxPosition: number) =>
      Array.from({ length: maxPosition }, (_, i) => impressions.filter((x) => x.position === i + 1 && x.clicked).length);
    const result = await check("0.1", wrong, { exercises });
    restore();
    expect(result.passed).toBeLessThan(result.total);
    const failed = result.outcomes.find((o) => o.name === "one position, half clicked");
    expect(failed?.status).toBe("failed");
    expect(failed?.message).toBe("at [0]: expected 0.5, got 1");
    expect(result.hints.length).toBe(1);
    const text = String(shown.at(-1)?.["text/plain"]);
    expect(text).toContain("FAIL one position, half clicked: at [0]: expected 0.5, got 1");
    expect(text).toContain("hint 1:");
    expect(String(shown.at(-1)?.["text/html"])).toContain("&#10007; one position, half clicked");
  });

  it("shows one more hint each time the same exercise fails again", async () => {
    const again = await check("0.1", () => [], { exercises, quiet: true });
    const general = exercises.find((e) => e.id === "0.1")!.hints;
    expect(again.hints.filter((h) => general.includes(h))).toEqual(general.slice(0, 2));
  });

  it("a stub that throws and a non-function are errors with the reason", async () => {
    const stub = await check("0.1", () => { throw new Error("not implemented yet"); }, { exercises, quiet: true });
    expect(stub.outcomes[0]).toMatchObject({ status: "error", message: "threw Error: not implemented yet" });
    const thrownString = await check("0.1", () => { throw "oops"; }, { exercises, quiet: true });
    expect(thrownString.outcomes[0].message).toBe('threw a non-Error value was thrown: "oops"');
    const notFunction = await check("0.1", 42, { exercises, quiet: true });
    expect(notFunction.outcomes.every((o) => o.status === "error" && o.message === "expected a function, got 42")).toBe(true);
  });

  it("runs only public checks: hidden check names never appear", async () => {
    const reference = solutions.find((s) => s.id === "0.1")!.reference;
    const result = await check("0.1", reference, { exercises, quiet: true });
    expect(result.passed).toBe(result.total);
    const hiddenNames = solutions.find((s) => s.id === "0.1")!.hidden.map((h) => h.name);
    expect(result.outcomes.map((o) => o.name).some((n) => hiddenNames.includes(n))).toBe(false);
  });

  it("a failed case shows its input, and the check's own hint comes first", async () => {
    const restore = capture();
    const keepsAll = wrongAnswers["0.1"].find((w) => w.mistake.startsWith("keeps positions past maxPosition"))!.answer;
    const result = await check("0.1", keepsAll, { exercises });
    restore();
    const failed = result.outcomes.find((o) => o.name === "positions greater than maxPosition do not count")!;
    expect(failed.status).toBe("failed");
    // Each argument is shortened the way expected and got values are.
    expect(failed.input).toMatch(/^\[\{"position":1,"clicked":false\},\{"position":2,"clicked":true\}.*\.\.\., 2$/);
    expect(result.hints[0]).toMatch(/greater than maxPosition/);
    expect(String(shown.at(-1)?.["text/plain"])).toContain('input: ([{"position":1');
    expect(String(shown.at(-1)?.["text/html"])).toContain("input: <code>([{&quot;position&quot;:1");
    expect(result.outcomes.filter((o) => o.status === "passed").every((o) => o.input === undefined)).toBe(true);
  });

  it("does not pass a definition the kernel marks stale (its latest version did not compile)", async () => {
    const reference = solutions.find((s) => s.id === "0.1")!.reference;
    const registry = new Set(["ctrByPosition"]);
    (globalThis as Record<symbol, unknown>)[STALE_DEFINITIONS] = registry;
    try {
      const stale = await check("0.1", reference, { exercises, quiet: true });
      expect(stale.passed).toBe(0);
      expect(stale.outcomes[0].message).toMatch(/did not compile/);
      registry.clear();
      const fresh = await check("0.1", reference, { exercises, quiet: true });
      expect(fresh.passed).toBe(fresh.total);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[STALE_DEFINITIONS];
    }
  });

  it("an unknown exercise id lists the known ones", async () => {
    await expect(check("9.9", () => 0, { exercises })).rejects.toThrow(/No exercise "9.9". Known exercises: 0.0, 0.1, 0.2/);
  });
});

describe("the course's exercises", () => {
  it("ids are unique and every exercise has a reference solution with hidden checks", () => {
    const ids = exercises.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(solutions.map((s) => s.id).sort()).toEqual([...ids].sort());
  });

  for (const exercise of exercises) {
    it(`${exercise.id}: the reference solution passes its public and hidden checks`, async () => {
      const solution = solutions.find((s) => s.id === exercise.id)!;
      const outcomes = await runChecks(exercise, solution.reference, [...exercise.checks, ...solution.hidden], solution.reference);
      expect(outcomes.filter((o) => o.status !== "passed")).toEqual([]);
      expect(scoreOutcomes(exercise.points, outcomes)).toBe(exercise.points);
    });

    it(`${exercise.id}: the stub fails the public checks, and the solution region is in the solutions file`, async () => {
      const chapter = exercise.id.split(".")[0].padStart(2, "0");
      const source = readFileSync(path.join(root, "solutions", `ch${chapter}.ts`), "utf8");
      expect(solutionRegion(source, exercise.id)).toContain(`function ${exercise.answerName}`);
      const js = ts.transpileModule(exercise.stub, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
      const stub = new Function("require", "exports", `${js}; return ${exercise.answerName};`)(() => shoplm, {});
      const outcomes = await runChecks(exercise, stub, exercise.checks);
      expect(outcomes.some((o) => o.status !== "passed")).toBe(true);
    });
  }
});
