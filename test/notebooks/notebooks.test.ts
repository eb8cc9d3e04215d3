/**
 * Every notebook of the course, executed headless in the fast profile through a real Jupyter
 * client (`npm run notebooks`), and the values each one records asserted here.
 * Adding a notebook without adding its expectations below fails the suite.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadShop } from "shoplm";
import { listNotebooks, readRecords, runNotebooksCli, type CliResult } from "../../scripts/lib/notebooks.mjs";

type Records = ReturnType<typeof readRecords>;

const num = (r: Records, key: string): number => {
  const value = r[key];
  if (typeof value !== "number") throw new Error(`record "${key}" is ${JSON.stringify(value)}, expected a number`);
  return value;
};

const expectations: Record<string, (r: Records) => void> = {
  "00_the_shop": (r) => {
    const shop = loadShop("fast");
    expect(num(r, "count.products")).toBe(shop.products.length);
    expect(num(r, "count.queries")).toBe(shop.queries.length);
    expect(num(r, "count.judgments")).toBe(shop.judgments.length);
    expect(num(r, "count.sessions")).toBe(shop.sessions.length);
    expect(num(r, "categories")).toBeGreaterThanOrEqual(60);
    expect(num(r, "departments")).toBeGreaterThanOrEqual(8);
    expect(num(r, "judgments.perQuery")).toBeGreaterThanOrEqual(30);
    // A long tail: the top fifth of products holds most of the demand.
    expect(num(r, "popularity.top20")).toBeGreaterThan(0.5);
    // Position bias, also under the random shuffle.
    expect(num(r, "ctr.ranker.1")).toBeGreaterThan(5 * num(r, "ctr.ranker.10"));
    expect(num(r, "ctr.shuffle.1")).toBeGreaterThan(2 * num(r, "ctr.shuffle.10"));
    // The first failure: keyword search misses synonym and vague queries.
    const exact = num(r, "keyword.recall.exact-product");
    expect(exact).toBeGreaterThan(0.6);
    for (const kind of ["synonym", "vague", "misspelled"]) expect(num(r, `keyword.recall.${kind}`)).toBeLessThan(exact / 2);
    for (const id of ["0.1", "0.2"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  setup_check: (r) => {
    expect(["tensorflow", "wasm", "cpu"]).toContain(r.backend);
    expect(r.profile).toBe("fast");
    expect(r["loss.last"] as number).toBeLessThan((r["loss.first"] as number) * 0.01);
    expect(r["tensors.leaked"]).toBe(0);
    expect(r["table.rows"]).toBe(5);
    expect(r["exercise.0.0.passed"]).toBe(r["exercise.0.0.total"]);
    expect(r["exercise.0.0.total"] as number).toBeGreaterThan(0);
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
