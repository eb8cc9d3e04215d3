/**
 * The GPU code path's record (data/models/gpu-path.json, written by scripts/gpu-path-record.mjs):
 * notebook 01 ran to the end under COURSE_BACKEND=webgpu-soft (WebGPU on Mesa's software adapter)
 * and recorded what it records on wasm, up to float rounding. The model card shows it (its
 * generated block is checked by shipped-model.test.ts).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

interface GpuPathRun {
  backend: string;
  backendLine: string | null;
  seconds: number;
  records: Record<string, unknown>;
}

const record = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "data", "models", "gpu-path.json"), "utf8")) as { notebook: string; runs: GpuPathRun[] };

describe("the GPU code path record", () => {
  it("notebook 01 ran on wasm and on the software GPU, each under the backend it names", () => {
    expect(record.notebook).toBe("01_pretraining");
    expect(record.runs.map((r) => r.backend)).toEqual(["wasm", "webgpu-soft"]);
    for (const r of record.runs) {
      expect(r.backendLine).toMatch(new RegExp(`^Compute backend: ${r.backend} - `));
      expect(r.seconds).toBeGreaterThan(0);
    }
    expect(record.runs[1].backendLine).toMatch(/WebGPU on llvmpipe/);
  });

  it("records the same values on both, numbers within float rounding after 200 training steps (1e-2 relative, absolute near 0)", () => {
    const [wasm, gpu] = record.runs;
    expect(Object.keys(gpu.records).sort()).toEqual(Object.keys(wasm.records).sort());
    expect(Object.keys(wasm.records).length).toBeGreaterThan(40);
    for (const [key, x] of Object.entries(wasm.records)) {
      const y = gpu.records[key];
      if (typeof x !== "number" || typeof y !== "number") {
        expect(y, key).toEqual(x);
        continue;
      }
      // Relative, absolute below 1e-3 (two float-noise values near 0, such as attention.maxDifference, are not far apart).
      expect(Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-3), key).toBeLessThan(1e-2);
    }
    // The exercises pass and the live run learns on both.
    for (const r of record.runs) {
      expect(r.records["exercise.1.3.passed"]).toBe(r.records["exercise.1.3.total"]);
      expect(r.records["live.loss.last"] as number).toBeLessThan((r.records["live.loss.first"] as number) - 1);
    }
  });
});
