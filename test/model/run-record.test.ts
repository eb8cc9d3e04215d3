import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { attentionHeadStats, parsePretrainRun, readPretrainRun } from "shoplm";

const ROOT = path.resolve(__dirname, "..", "..");

describe("the pretraining run record", () => {
  it("reads the shipped model's run.json", () => {
    const run = readPretrainRun(path.join(ROOT, "data", "models", "full"));
    expect(run.command).toMatch(/^npm run pretrain/);
    expect(run.lossCurve.length).toBeGreaterThan(1);
    expect(run.heldOut.perplexity).toBeLessThan(run.unigramPerplexity);
  });

  it("names the field that is wrong, and the file", () => {
    const good = readPretrainRun(path.join(ROOT, "data", "models", "full"));
    expect(() => parsePretrainRun({ ...good, steps: "4000" }, "x/run.json")).toThrow('x/run.json: field "steps" should be a finite number, found "4000".');
    expect(() => parsePretrainRun({ ...good, lossCurve: [] })).toThrow(/field "lossCurve" should be a non-empty list/);
    expect(() => parsePretrainRun([])).toThrow(/expected a JSON object, found an array/);
    const dir = mkdtempSync(path.join(tmpdir(), "run-record-"));
    try {
      expect(() => readPretrainRun(dir)).toThrow(/run\.json is missing/);
      writeFileSync(path.join(dir, "run.json"), "{ nope");
      expect(() => readPretrainRun(dir)).toThrow(/run\.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("attentionHeadStats", () => {
  it("uniform rows have log2(n) bits; a previous-token head puts its weight there", () => {
    const n = 4;
    const uniform = Array.from({ length: n }, () => new Array(n).fill(1 / n));
    const previous = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j === Math.max(0, i - 1) ? 1 : 0)));
    const [u, p] = attentionHeadStats([[uniform, previous]]);
    expect(u).toMatchObject({ layer: 0, head: 0, previousToken: 0.25, firstAndLast: 0.5 });
    expect(u.entropyBits).toBeCloseTo(2, 12);
    expect(p).toMatchObject({ layer: 0, head: 1, entropyBits: 0, previousToken: 1 });
    expect(p.firstAndLast).toBeCloseTo(0.5, 12); // rows 0 and 1 look at token 0
    expect(() => attentionHeadStats([[[[1, 0]]]])).toThrow(/row 0 has 2 weights for 1 tokens/);
  });
});
