/**
 * Authoring rules the release and the grader rely on (beside exercise.test.ts): every exercise
 * sits in a course notebook as its three tagged cells, each exactly what its one definition makes
 * (instructions and check from exercises/chNN.ts, solution from the region of solutions/chNN.ts;
 * `npm run exercises` writes them), and every check can be sent to the sandbox and replayed on
 * the trusted side (the reference passes them all that way too).
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
  solutionSource,
  syncExerciseCells,
  type CallResult,
  type Notebook,
  type RemoteAnswer,
} from "shoplm/instructor";
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
function cellProblems(id: string, cells: Found[] | undefined, notebooks: { file: string; notebook: Notebook }[]): string[] {
  if (!cells) return [`exercise ${id} has no tagged cells in any notebook`];
  const problems: string[] = [];
  for (const role of ["instructions", "solution", "check"]) {
    const n = cells.filter((c) => c.role === role).length;
    if (n !== 1) problems.push(`exercise ${id} has ${n} ${role} cells (expected 1)`);
  }
  for (const { file, notebook } of notebooks) {
    for (const d of syncExerciseCells(notebook, exercises, (x) => solutionSource(ROOT, x)).drift) {
      if (d.id === id) problems.push(`${path.relative(ROOT, file)}, cell ${d.cell}: the ${d.role} cell of ${id} differs from its definition at line ${d.line}: found ${JSON.stringify(d.found)}, expected ${JSON.stringify(d.expected)}`);
    }
  }
  return problems;
}

describe("every exercise is in the course notebooks", () => {
  const notebooks = readCourseNotebooks(path.join(ROOT, "notebooks"));
  const found = taggedCells(notebooks);

  for (const exercise of exercises) {
    it(`${exercise.id}: one instructions, one solution and one check cell, each character for character what its definition makes (npm run exercises)`, () => {
      expect(cellProblems(exercise.id, found.get(exercise.id), notebooks)).toEqual([]);
    });
  }

  it("no tagged cell names an exercise that does not exist", () => {
    expect([...found.keys()].filter((id) => !exercises.some((e) => e.id === id))).toEqual([]);
  });
});

describe("the rules catch a broken notebook", () => {
  const fixture = readCourseNotebooks(COURSE_NOTEBOOKS);

  it("the course fixture notebook follows them", () => {
    expect(cellProblems("0.1", taggedCells(fixture).get("0.1"), fixture)).toEqual([]);
  });

  it("a missing check cell, a drifted solution, drifted instructions and a second solution cell are reported", () => {
    const broken = structuredClone(fixture);
    const cells = broken[0].notebook.cells;
    const solution = cells.find((c) => exerciseTag(c)?.role === "solution")!;
    solution.source = cellSource(solution).replace("shown[position - 1] += 1", "shown[position - 1]++");
    const instructions = cells.find((c) => exerciseTag(c)?.role === "instructions")!;
    instructions.source = cellSource(instructions).replace("greater than", "below");
    cells.push({ ...structuredClone(solution) });
    broken[0].notebook.cells = cells.filter((c) => exerciseTag(c)?.role !== "check");
    const problems = cellProblems("0.1", taggedCells(broken).get("0.1"), broken);
    expect(problems).toHaveLength(5);
    expect(problems.slice(0, 2)).toEqual(["exercise 0.1 has 2 solution cells (expected 1)", "exercise 0.1 has 0 check cells (expected 1)"]);
    expect(problems[2]).toMatch(/^test\/fixtures\/course-notebook\/ex\.ipynb, cell \d+: the instructions cell of 0\.1 differs from its definition at line \d+: found ".*below `maxPosition`/);
    expect(problems[3]).toMatch(/the solution cell of 0\.1 differs from its definition at line 6: found "    shown\[position - 1\]\+\+;", expected "    shown\[position - 1\] \+= 1;"/);
    expect(problems[4]).toMatch(/the solution cell of 0\.1 differs/);
    expect(cellProblems("0.1", undefined, broken)).toEqual(["exercise 0.1 has no tagged cells in any notebook"]);
  });

  it("a check cell that calls another function is reported", () => {
    const broken = structuredClone(fixture);
    const check = broken[0].notebook.cells.find((c) => exerciseTag(c)?.role === "check")!;
    check.source = 'await check("0.1", ctrByPositionV2);';
    expect(cellProblems("0.1", taggedCells(broken).get("0.1"), broken)).toEqual([
      expect.stringMatching(/the check cell of 0\.1 differs from its definition at line 1: found "await check\(\\"0\.1\\", ctrByPositionV2\);"/),
    ]);
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
