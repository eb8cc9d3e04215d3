/**
 * Graded code cannot call the library's own answer to its exercise: the names an exercise lists
 * in `libraryCounterparts` refuse to run in the sandbox (1.4's `learningRateAt`, 5.1's `ndcgAtK`,
 * 5.4's `sampleSizeProportions`, ...), the rest of the library works, and the library's files
 * cannot be imported one by one to get around it.
 */
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  candidateIsolation,
  disposeSandbox,
  encodeText,
  sandboxConfig,
  SandboxProcess,
  transpileCell,
} from "shoplm/instructor";
import { exercises } from "../../exercises/index";

const ROOT = path.resolve(__dirname, "..", "..");

describe("a graded cell's view of the library", () => {
  const config = sandboxConfig({ root: ROOT, isolation: candidateIsolation()[0], limits: { checkMs: 5000 } });
  afterAll(() => disposeSandbox(config));

  async function load(source: string, withheld: readonly string[]) {
    const code = transpileCell(source, "exercise-1.4.ts");
    if ("error" in code) throw new Error(code.error);
    return SandboxProcess.start(config, { code: code.code, answerName: "answer", file: "exercise-1.4.ts", seed: 1, withheld }, 30_000);
  }

  it("every exercise that has a library answer names it", () => {
    expect(exercises.find((e) => e.id === "1.4")?.libraryCounterparts).toContain("learningRateAt");
    expect(exercises.find((e) => e.id === "5.1")?.libraryCounterparts).toContain("ndcgAtK");
    expect(exercises.find((e) => e.id === "5.4")?.libraryCounterparts).toContain("sampleSizeProportions");
  });

  it("a withheld name refuses to run, with the reason; the rest of the library works", async () => {
    const { process: proc, load: loaded } = await load(
      `import { learningRateAt, Rng } from "shoplm";
function answer(which: number): number {
  if (which === 0) return new Rng(3).int(100);
  return learningRateAt(5, { peak: 1, warmupSteps: 10, totalSteps: 20, decay: "linear" });
}`,
      exercises.find((e) => e.id === "1.4")!.libraryCounterparts!
    );
    expect(loaded).toEqual({ ok: true });
    try {
      const fine = await proc.call(encodeText([0]), false, 5000);
      expect(fine.kind).toBe("returned");
      const refused = await proc.call(encodeText([1]), false, 5000);
      expect(refused.kind).toBe("threw");
      expect(JSON.stringify(refused)).toMatch(/learningRateAt is the library's own answer to this exercise/);
    } finally {
      proc.kill();
    }
  }, 60_000);

  it("the same cell may call it where the exercise does not withhold it", async () => {
    const { process: proc, load: loaded } = await load(
      `import { learningRateAt } from "shoplm";
function answer(): number {
  return learningRateAt(5, { peak: 1, warmupSteps: 10, totalSteps: 20, decay: "linear" });
}`,
      []
    );
    expect(loaded).toEqual({ ok: true });
    try {
      expect(await proc.call(encodeText([]), false, 5000)).toMatchObject({ kind: "returned" });
    } finally {
      proc.kill();
    }
  }, 60_000);

  it("the library's own files cannot be imported to get around it", async () => {
    const { load: loaded } = await load(
      `import { learningRateAt } from "shoplm/dist/train/schedule";
function answer(): number {
  return learningRateAt(5, { peak: 1, warmupSteps: 10, totalSteps: 20, decay: "linear" });
}`,
      ["learningRateAt"]
    );
    expect(loaded.ok).toBe(false);
    expect(JSON.stringify(loaded)).toMatch(/may import \\"shoplm\\" itself, not its files/);
  }, 60_000);
});
