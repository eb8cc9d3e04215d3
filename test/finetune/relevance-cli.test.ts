/**
 * `npm run relevance` on data it has never seen: a small relevance file in Crowdflower's layout
 * (and one without a column it needs), cross-validated with a cross-encoder and the baselines.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "shoplm";

const root = path.resolve(__dirname, "../..");
let dir: string;

function relevance(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "relevance.mjs"), ...args], { encoding: "utf8", cwd: root, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Queries about colours and things; a product's grade is how much of the query it matches. */
function crowdflowerCsv(columns: readonly string[]): string {
  const rng = new Rng(5);
  const colours = ["red", "blue", "green", "black"];
  const things = ["lamp", "chair", "kettle", "towel"];
  const lines = [columns.map((c) => `"${c}"`).join(",")];
  let id = 1;
  for (let q = 0; q < 12; q++) {
    const colour = colours[q % 4];
    const thing = things[Math.floor(q / 3) % 4];
    for (let p = 0; p < 6; p++) {
      const c = rng.int(2) ? colour : colours[(q + 1 + p) % 4];
      const t = p < 3 ? thing : things[(q + p) % 4];
      const grade = 1 + (c === colour ? 1 : 0) + (t === thing ? 2 : 0);
      const row: Record<string, string | number> = { id: id++, query: `${colour} ${thing}`, product_title: `Classic ${c} ${t}`, product_description: `A ${c} ${t} for the home`, median_relevance: grade, relevance_variance: 0 };
      lines.push(columns.map((col) => (typeof row[col] === "number" ? String(row[col]) : `"${row[col]}"`)).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("npm run relevance on a new relevance file", () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "relevance-cli-"));
    writeFileSync(path.join(dir, "judged.csv"), crowdflowerCsv(["id", "query", "product_title", "product_description", "median_relevance", "relevance_variance"]));
    writeFileSync(path.join(dir, "no-grade.csv"), crowdflowerCsv(["id", "query", "product_title", "product_description", "relevance_variance"]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("cross-validates a cross-encoder beside the baselines and writes predictions, all or nothing", () => {
    const out = path.join(dir, "out");
    const r = relevance(["--data", path.join(dir, "judged.csv"), "--format", "crowdflower", "--folds", "3", "--method", "probe", "--steps", "4", "--batch", "8", "--max-length", "24", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/crowdflower, 72 pairs, 12 queries, 3 folds \(grouped by query, seed 0\)/);
    for (const name of ["random", "mean grade", "BM25", "LambdaMART on text-match features", "cross-encoder \\(probe\\)"]) expect(r.stdout).toMatch(new RegExp(`\\| ${name}`));
    expect(readdirSync(out).sort()).toEqual(["predictions.csv", "report.json", "report.md"]);
    const rows = parse(readFileSync(path.join(out, "predictions.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(72);
    for (const row of rows) {
      const predicted = Number(row.predicted);
      expect(predicted >= 0 && predicted <= 3).toBe(true);
      expect(["0", "1", "2", "3"]).toContain(row.grade);
    }
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    expect(report.scorers.map((s: { name: string }) => s.name)).toContain("cross-encoder (probe)");
    expect(report.scorers.find((s: { name: string }) => s.name === "cross-encoder (probe)").rmse).toBeGreaterThan(0);
    // From scratch: random weights of the checkpoint's sizes, named as such.
    const scratch = relevance(["--data", path.join(dir, "judged.csv"), "--folds", "3", "--only-folds", "1", "--method", "probe", "--init", "scratch", "--steps", "2", "--batch", "8", "--max-length", "24"]);
    expect(scratch.code, scratch.stderr).toBe(0);
    expect(scratch.stdout).toMatch(/\| cross-encoder \(probe, from scratch\)/);
    // A second run into the same folder needs --force.
    const again = relevance(["--data", path.join(dir, "judged.csv"), "--method", "none", "--folds", "3", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds an earlier run; pass --force/);
  }, 900_000);

  it("bad input: a missing column names the file and the column; nothing is written", () => {
    const out = path.join(dir, "out-bad");
    const r = relevance(["--data", path.join(dir, "no-grade.csv"), "--format", "crowdflower", "--folds", "3", "--method", "probe", "--out", out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-grade\.csv.*median_relevance/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes("partial"))).toEqual([]);
  }, 300_000);

  it("bad arguments: an unknown method, no --data, a foreign --out folder", () => {
    expect(relevance(["--data", path.join(dir, "judged.csv"), "--method", "magic"]).stderr).toMatch(/--method must be one of probe, full, lora, adapter, prefix, adalora, none, got "magic"/);
    expect(relevance([]).stderr).toMatch(/--data is required/);
    const foreign = path.join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "notes.txt"), "mine");
    expect(relevance(["--data", path.join(dir, "judged.csv"), "--out", foreign]).stderr).toMatch(/is not empty and was not written by this command/);
    expect(readFileSync(path.join(foreign, "notes.txt"), "utf8")).toBe("mine");
  }, 300_000);
});
