/**
 * Every notebook of the course, executed headless in the fast profile through a real Jupyter
 * client (`npm run notebooks`), and the values each one records asserted here.
 * Adding a notebook without adding its expectations below fails the suite.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNotebooks, readRecords, runNotebooksCli, type CliResult } from "../../scripts/lib/notebooks.mjs";

type Records = ReturnType<typeof readRecords>;

const expectations: Record<string, (r: Records) => void> = {
  setup_check: (r) => {
    expect(["tensorflow", "wasm", "cpu"]).toContain(r.backend);
    expect(r.profile).toBe("fast");
    expect(r["loss.last"] as number).toBeLessThan((r["loss.first"] as number) * 0.01);
    expect(r["tensors.leaked"]).toBe(0);
    expect(r["table.rows"]).toBe(5);
    expect(r["exercise.0.1.passed"]).toBe(r["exercise.0.1.total"]);
    expect(r["exercise.0.1.total"] as number).toBeGreaterThan(0);
  },
};

describe("the course notebooks, run headless", () => {
  let out: string;
  let run: CliResult;
  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), "course-notebooks-"));
    run = await runNotebooksCli(["--out", out, "--profile", "fast"], { env: { ...process.env, COURSE_PROFILE: "fast" } });
  }, 3_600_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("all run without a failing cell", () => {
    expect(run.code, run.output).toBe(0);
  });

  it("every notebook has expectations on its recorded values", () => {
    expect(listNotebooks().sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, check] of Object.entries(expectations)) {
    it(`${name} records what it should`, () => check(readRecords(name, out)));
  }
});
