/**
 * The headless notebook runner (`npm run notebooks`) end to end: fixture notebooks executed by a
 * real Jupyter client on the course-ts kernel, records collected, failures reported at the cell.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecords, readRun, runNotebooksCli, type CliResult } from "../scripts/lib/notebooks.mjs";

const fixtures = path.join(__dirname, "fixtures", "notebooks");

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }[];
}
function cellsOf(file: string): Cell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells;
}
const codeCells = (file: string) => cellsOf(file).filter((cell) => cell.cell_type === "code");

describe("npm run notebooks", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), "course-runner-"));
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  describe("a notebook that passes", () => {
    let run: CliResult;
    beforeAll(async () => {
      run = await runNotebooksCli(["--dir", fixtures, "--out", out, "01_records.ipynb"]);
    }, 300_000);

    it("exits 0 and says how long the notebook took", () => {
      expect(run.code, run.output).toBe(0);
      expect(run.stdout).toMatch(/ok {5}01_records: 3 code cells in \d+\.\d s/);
      expect(run.stdout).toContain("notebooks: 1 passed, 0 failed");
    });

    it("collects exactly the recorded values, a later value of a name overwriting an earlier one", () => {
      expect(readRecords("01_records", out)).toEqual({
        mean: 5, // (1+2+3+4)/4 = 2.5, recorded again doubled in the third code cell
        profile: "fast", // COURSE_PROFILE reached the kernel
        cwd: "notebooks", // the kernel runs in the notebook's folder
        labels: ["a", "b"],
      });
      const summary = readRun("01_records", out);
      expect(summary?.status).toBe("passed");
      expect(summary?.cellsRun).toBe(3);
      // mean was last recorded in the file's cell 3 (cell 0 is markdown).
      expect(summary?.recordCells.mean).toBe(3);
    });

    it("writes the executed copy with its outputs", () => {
      const file = path.join(out, "01_records.ipynb");
      expect(existsSync(file)).toBe(true);
      const cells = codeCells(file);
      expect(cells.map((cell) => cell.execution_count)).toEqual([1, 2, 3]);
      const third = cells[2].outputs ?? [];
      expect(third.filter((o) => o.data?.["application/vnd.shoplm.record+json"])).toHaveLength(2);
      const printed = third.filter((o) => o.output_type === "stream").map((o) => [o.text].flat().join(""));
      expect(printed.join("")).toBe("done\n");
    });
  });

  describe("a notebook whose second code cell throws", () => {
    let run: CliResult;
    beforeAll(async () => {
      run = await runNotebooksCli(["--dir", fixtures, "--out", out, "02"]);
    }, 300_000);

    it("exits non-zero naming the notebook, the cell and the error", () => {
      expect(run.code, run.output).toBe(1);
      // Name, message and line come from the kernel's error message (the throw is on the cell's line 2).
      expect(run.stdout).toContain("FAILED 02_failing: code cell 2 of 3 (cell index 3 in the file), line 2, raised Error: fixture exploded on purpose");
      // The failing cell's source is shown with the line marked, and the stack at the cell's lines.
      expect(run.stdout).toContain("   1 | function explode(): never {");
      expect(run.stdout).toContain('-> 2 |   throw new Error("fixture exploded on purpose");');
      expect(run.stdout).toMatch(/at explode \(In\[2\]:2:9\)/);
      expect(run.stdout).toMatch(/at In\[2\]:4:1/);
      expect(run.stdout).not.toMatch(/tslab\/dist|evalmachine/);
      expect(run.stdout).toContain("notebooks: 0 passed, 1 failed");
    });

    it("stops there: the third code cell did not run", () => {
      const cells = codeCells(path.join(out, "02_failing.ipynb"));
      expect(cells[0].execution_count).toBe(1);
      expect(cells[1].execution_count).toBe(2);
      expect(cells[2].execution_count).toBeNull();
      expect(cells[2].outputs).toEqual([]);
      const summary = readRun("02_failing", out);
      expect(summary?.status).toBe("failed");
      expect(summary?.failure).toMatchObject({ kind: "cell", codeCell: 2, cellIndex: 3, ename: "Error", evalue: "fixture exploded on purpose", line: 2, column: 9 });
      // What ran before the failure is kept for the student to look at...
      expect(JSON.parse(readFileSync(path.join(out, "02_failing.records.json"), "utf8"))).toEqual({ before: 1 });
      // ...but is never taken for the notebook's results.
      expect(() => readRecords("02_failing", out)).toThrow(/Notebook "02_failing" failed in code cell 2 \(cell index 3\), line 2: Error: fixture exploded on purpose/);
    });
  });

  describe("a notebook whose cell does not compile", () => {
    let run: CliResult;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "course-runner-compile-"));
      const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
      const notebook = {
        cells: [cell("const ok = 1;"), cell('const total = ok + 1;\nconst label: number = "total";\nconsole.log(label);')],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      };
      writeFileSync(path.join(dir, "compile_error.ipynb"), JSON.stringify(notebook));
      run = await runNotebooksCli(["--dir", dir, "--out", out, "compile_error"]);
    }, 300_000);
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("reports the compiler's message with the cell's line and column", () => {
      expect(run.code, run.output).toBe(1);
      expect(run.stdout).toContain("FAILED compile_error: code cell 2 of 2 (cell index 1 in the file), line 2, raised CompileError: Type 'string' is not assignable to type 'number'.");
      expect(run.stdout).toContain("-> 2 | const label: number = \"total\";");
      expect(run.stdout).toMatch(/In\[2\]:2:7 - error TS2322/);
      expect(readRun("compile_error", out)?.failure).toMatchObject({ ename: "CompileError", line: 2, column: 7 });
    });
  });

  it("rejects an unknown notebook name with exit 2 and the list of notebooks", async () => {
    const run = await runNotebooksCli(["--dir", fixtures, "--out", out, "03_missing"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown notebook "03_missing"');
    expect(run.stderr).toMatch(/Available:\n {2}01_records\n {2}02_failing/);
    expect(existsSync(path.join(out, "03_missing.ipynb"))).toBe(false);
  });

  it("rejects an unknown profile with exit 2, naming fast and full", async () => {
    const run = await runNotebooksCli(["--dir", fixtures, "--out", out, "--profile", "turbo", "01"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown profile "turbo" (from --profile): expected one of fast, full.');
  });

  it("reads no records from a folder where the notebook never ran", () => {
    expect(() => readRecords("01_records", fixtures)).toThrow(/No run of notebook "01_records"/);
  });
});
