/**
 * Authoring rules the release and the grader rely on (beside exercise.test.ts): every exercise
 * sits in a course notebook as its three tagged cells, the solution cell is exactly the region of
 * solutions/chNN.ts, and every check can be sent to the sandbox and replayed on the trusted side
 * (the reference passes them all that way too).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  cellSource,
  compareValues,
  decodeValue,
  encodeValue,
  exerciseTag,
  prepareExercise,
  readCourseNotebooks,
  runPropertyRemote,
  sameSolution,
  solutionSource,
  type CallResult,
  type Notebook,
  type RemoteAnswer,
} from "shoplm";
import { exercises } from "../../exercises/index";
import { solutions } from "../../solutions/index";
import { COURSE_NOTEBOOKS, ROOT } from "../fixtures/submissions/generate";

interface Found {
  file: string;
  role: string;
  source: string;
}

function taggedCells(notebooks: { file: string; notebook: Notebook }[]): Map<string, Found[]> {
  const found = new Map<string, Found[]>();
  for (const { file, notebook } of notebooks) {
    for (const cell of notebook.cells) {
      const tag = exerciseTag(cell);
      if (!tag) continue;
      found.set(tag.id, [...(found.get(tag.id) ?? []), { file: path.relative(ROOT, file), role: tag.role, source: cellSource(cell) }]);
    }
  }
  return found;
}

/** The problems of one exercise's cells (empty when it follows the convention). */
function cellProblems(id: string, cells: Found[] | undefined): string[] {
  const exercise = exercises.find((e) => e.id === id)!;
  if (!cells) return [`exercise ${id} has no tagged cells in any notebook`];
  const problems: string[] = [];
  for (const role of ["instructions", "solution", "check"]) {
    const n = cells.filter((c) => c.role === role).length;
    if (n !== 1) problems.push(`exercise ${id} has ${n} ${role} cells (expected 1)`);
  }
  const solution = cells.find((c) => c.role === "solution");
  if (solution && !sameSolution(solution.source, solutionSource(ROOT, id))) problems.push(`${solution.file}: the solution cell of ${id} is not the region in solutions/`);
  const check = cells.find((c) => c.role === "check");
  if (check && !check.source.includes(`check(${JSON.stringify(id)}, ${exercise.answerName})`)) problems.push(`${check.file}: the check cell of ${id} does not call check("${id}", ${exercise.answerName})`);
  return problems;
}

describe("every exercise is in the course notebooks", () => {
  const notebooks = readCourseNotebooks(path.join(ROOT, "notebooks"));
  const found = taggedCells(notebooks);

  for (const exercise of exercises) {
    it(`${exercise.id}: one instructions, one solution (equal to solutions/ch${exercise.id.split(".")[0].padStart(2, "0")}.ts's region) and one check cell`, () => {
      expect(cellProblems(exercise.id, found.get(exercise.id))).toEqual([]);
    });
  }

  it("no tagged cell names an exercise that does not exist", () => {
    expect([...found.keys()].filter((id) => !exercises.some((e) => e.id === id))).toEqual([]);
  });
});

describe("the rules catch a broken notebook", () => {
  const fixture = readCourseNotebooks(COURSE_NOTEBOOKS);

  it("the course fixture notebook follows them", () => {
    expect(cellProblems("0.1", taggedCells(fixture).get("0.1"))).toEqual([]);
  });

  it("a missing check cell, a drifted solution and a second solution cell are reported", () => {
    const broken = structuredClone(fixture);
    const cells = broken[0].notebook.cells;
    const solution = cells.find((c) => exerciseTag(c)?.role === "solution")!;
    solution.source = cellSource(solution).replace("shown[position - 1] += 1", "shown[position - 1]++");
    cells.push({ ...structuredClone(solution) });
    broken[0].notebook.cells = cells.filter((c) => exerciseTag(c)?.role !== "check");
    const problems = cellProblems("0.1", taggedCells(broken).get("0.1"));
    expect(problems).toEqual([
      "exercise 0.1 has 2 solution cells (expected 1)",
      "exercise 0.1 has 0 check cells (expected 1)",
      "test/fixtures/course-notebook/ex.ipynb: the solution cell of 0.1 is not the region in solutions/",
    ]);
    expect(cellProblems("0.1", undefined)).toEqual(["exercise 0.1 has no tagged cells in any notebook"]);
  });
});

/** The reference as a sandbox would answer: through the same encoding, in this process. */
function inProcess(reference: (...args: never[]) => unknown): RemoteAnswer {
  return {
    async call(args: string, wantArgs: boolean): Promise<CallResult> {
      const decoded = decodeValue(JSON.parse(args)) as unknown[];
      let value = (reference as (...a: unknown[]) => unknown)(...decoded);
      const isAsync = value instanceof Promise;
      value = await value;
      return { kind: "returned", async: isAsync, value: encodeValue(value), ...(wantArgs ? { argsAfter: encodeValue(decoded) } : {}) };
    },
  };
}

describe("every check can go through the sandbox", () => {
  for (const exercise of exercises) {
    it(`${exercise.id}: inputs and expected values survive encoding, and the reference passes every check on the trusted side`, async () => {
      const solution = solutions.find((s) => s.id === exercise.id)!;
      const prepared = await prepareExercise(exercise, solution);
      expect(prepared.checks).toHaveLength(exercise.checks.length + solution.hidden.length);
      const remote = inProcess(solution.reference);
      for (const check of prepared.checks) {
        if (check.kind === "case") {
          const result = await remote.call(check.args, false);
          expect(result.kind).toBe("returned");
          if (result.kind === "returned") expect(compareValues(check.expected, decodeValue(result.value), check.tolerance), check.name).toBeNull();
        } else {
          expect(await runPropertyRemote(check.check, remote), check.name).toEqual({ status: "passed" });
        }
      }
    });
  }
});
