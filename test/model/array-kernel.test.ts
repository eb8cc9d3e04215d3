import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { initBackend } from "shoplm";
import { backendCopiesNewTensors, heldValues } from "../../lib/src/model/array-kernel";

describe.each(["wasm", "cpu"] as const)("a tensor's values without a copy, on %s", (backend) => {
  afterAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("gives a float32 tensor's own values (also an op's output), and null for int32", async () => {
    await initBackend({ forced: backend, reset: true });
    tf.tidy(() => {
      const a = tf.tensor([[1, -2, 3.5], [4, 5, -6.25]]);
      const b = a.mul(2).add(a.square());
      for (const t of [a, b]) {
        const held = heldValues(t);
        expect(held).toBeInstanceOf(Float32Array);
        expect(Array.from(held as Float32Array)).toEqual(Array.from(t.dataSync()));
      }
      expect(heldValues(tf.tensor([1, 2], [2], "int32"))).toBeNull();
    });
  });

  it("says whether a new tensor copies its array: then a view may be rewritten after", async () => {
    await initBackend({ forced: backend, reset: true });
    expect(backendCopiesNewTensors()).toBe(backend === "wasm");
    const buffer = new Float32Array([1, 2, 3, 4]);
    const t = tf.tensor(buffer.subarray(1, 3));
    buffer.fill(0);
    // cpu keeps the array it was given: the rewrite shows through, which is why it gets a copy.
    expect(Array.from(t.dataSync())).toEqual(backend === "wasm" ? [2, 3] : [0, 0]);
    t.dispose();
  });
});
