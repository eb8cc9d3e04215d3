import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend, type BackendName } from "shoplm";
import { chooseBackend, parseBackendName, type BackendCandidate } from "../../lib/src/core/backend";
import { unsortedSegmentSumValues } from "../../lib/src/core/wasm-kernels";

function fake(name: BackendName, outcome: "ok" | "fail", log: string[]): BackendCandidate {
  return {
    name,
    load: async () => {
      log.push(name);
      if (outcome === "fail") throw new Error(`${name} is not installed`);
      return `${name} detail`;
    },
  };
}

describe("backend picker", () => {
  it("falls back in order and says why each one was skipped", async () => {
    const log: string[] = [];
    const info = await chooseBackend([fake("tensorflow", "fail", log), fake("wasm", "fail", log), fake("cpu", "ok", log)], null);
    expect(info.name).toBe("cpu");
    expect(log).toEqual(["tensorflow", "wasm", "cpu"]);
    expect(info.attempts.map((a) => [a.name, a.ok])).toEqual([["tensorflow", false], ["wasm", false], ["cpu", true]]);
    expect(info.toString()).not.toContain("skipped");
    expect(info.details()).toContain("tensorflow: skipped - tensorflow is not installed");
    expect(info.details()).toContain("wasm: skipped");
  });

  it("stops at the first backend that loads", async () => {
    const log: string[] = [];
    const info = await chooseBackend([fake("tensorflow", "fail", log), fake("wasm", "ok", log), fake("cpu", "ok", log)], null);
    expect(info.name).toBe("wasm");
    expect(log).toEqual(["tensorflow", "wasm"]);
  });

  it("a forced backend is the only one tried, and its failure is an error, not a fallback", async () => {
    const log: string[] = [];
    const info = await chooseBackend([fake("tensorflow", "ok", log), fake("wasm", "ok", log), fake("cpu", "ok", log)], "cpu");
    expect(info.name).toBe("cpu");
    expect(info.reason).toContain("forced by COURSE_BACKEND=cpu");
    expect(log).toEqual(["cpu"]);
    await expect(chooseBackend([fake("wasm", "fail", log), fake("cpu", "ok", log)], "wasm")).rejects.toThrow(
      /COURSE_BACKEND=wasm could not be loaded: wasm: wasm is not installed/
    );
  });

  it("no backend at all is an error listing every attempt", async () => {
    const log: string[] = [];
    await expect(chooseBackend([fake("wasm", "fail", log), fake("cpu", "fail", log)], null)).rejects.toThrow(
      /No compute backend could be loaded: wasm: wasm is not installed; cpu: cpu is not installed/
    );
  });

  it("rejects an unknown backend name with the known ones", async () => {
    expect(() => parseBackendName("metal")).toThrow(/Unknown backend "metal" \(from COURSE_BACKEND\): expected one of tensorflow, webgpu, wasm, cpu, webgpu-soft/);
    await expect(initBackend({ forced: "gpu", reset: true })).rejects.toThrow(/Unknown backend "gpu"/);
  });

  it("on this machine picks a real backend and explains the native one's absence", async () => {
    const info = await initBackend({ reset: true });
    expect(tf.getBackend()).toBe(info.name);
    if (info.name !== "tensorflow") {
      const native = info.attempts.find((a) => a.name === "tensorflow");
      expect(native?.ok).toBe(false);
      expect(native?.reason).toMatch(/not installed|stand-in|failed to load/);
      expect(native?.reason).toContain("npm run setup:gpu");
    }
  });
});

describe("wasm training kernels", () => {
  it("unsortedSegmentSumValues sums rows by segment and skips ids out of range", () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // 4 rows of 2
    const out = new Float32Array(6);
    unsortedSegmentSumValues(x, Int32Array.from([2, 0, 2, 5]), 3, 2, out);
    expect(Array.from(out)).toEqual([3, 4, 0, 0, 1 + 5, 2 + 6]);
  });

  it("the wasm UnsortedSegmentSum kernel matches cpu on random input, ids out of range included", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const values = Array.from({ length: 6 * 4 * 3 }, (_, i) => Math.sin(i * 1.7));
    const cases: Array<{ ids: number[]; xShape: number[]; n: number }> = [
      { ids: [3, 0, 1, 3, 3, 7, 0, 2, 1, 0, 5, 4, 1, 1, 2, 6, 0, 3, 2, 2, 1, 0, 3, 4], xShape: [24, 3], n: 8 },
      { ids: [1, 0, -1, 2, 9, 0], xShape: [6, 12], n: 3 },
    ];
    for (const c of cases) {
      const compute = (backend: string) => {
        tf.setBackend(backend);
        const sums = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor(values, c.xShape), tf.tensor1d(c.ids, "int32"), c.n));
        const out = Array.from(sums.dataSync());
        sums.dispose();
        return out;
      };
      const onWasm = compute("wasm");
      const onCpu = compute("cpu");
      expect(onWasm.length).toBe(onCpu.length);
      // Same sums, possibly in another order: equal to float rounding.
      onWasm.forEach((v, i) => expect(v).toBeCloseTo(onCpu[i], 5));
    }
    await initBackend({ forced: "wasm", reset: true });
  });

  /** A small embedding model trained with Adam: returns the losses of `steps` steps. */
  async function trainEmbedding(backend: "wasm" | "cpu", steps: number): Promise<{ losses: number[]; leaked: number[] }> {
    await initBackend({ forced: backend, reset: true });
    const vocab = 50;
    const dim = 8;
    const classes = 5;
    const init = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 997 + i * 12.9898) * 0.3);
    const table = tf.variable(tf.tensor2d(init(vocab * dim, 1), [vocab, dim]), true, `emb-${backend}`);
    const w = tf.variable(tf.tensor2d(init(dim * classes, 2), [dim, classes]), true, `w-${backend}`);
    const ids = tf.tensor2d(Array.from({ length: 16 * 6 }, (_, i) => (i * 7 + 3) % vocab), [16, 6], "int32");
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % classes), "int32"), classes);
    const optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    const leaked: number[] = [];
    for (let step = 0; step < steps; step++) {
      const before = tf.memory().numTensors;
      const loss = optimizer.minimize(() => {
        const pooled = tf.gather(table, ids).mean(1);
        return tf.losses.softmaxCrossEntropy(labels, pooled.matMul(w));
      }, true) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
      if (step > 0) leaked.push(tf.memory().numTensors - before);
    }
    optimizer.dispose();
    tf.dispose([table, w, ids, labels]);
    return { losses, leaked };
  }

  it("an embedding trains on wasm with the same losses as on cpu, without leaking tensors", async () => {
    const cpu = await trainEmbedding("cpu", 8);
    const wasm = await trainEmbedding("wasm", 8);
    expect(wasm.losses.length).toBe(8);
    for (let i = 0; i < 8; i++) expect(wasm.losses[i]).toBeCloseTo(cpu.losses[i], 4);
    expect(wasm.losses[7]).toBeLessThan(wasm.losses[0] * 0.8);
    expect(wasm.leaked.every((n) => n === 0)).toBe(true);
    expect(cpu.leaked.every((n) => n === 0)).toBe(true);
  });
});
