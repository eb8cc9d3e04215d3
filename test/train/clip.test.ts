import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { clipByGlobalNorm, clipScale, globalNorm, initBackend } from "shoplm";

describe("gradient clipping", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
  });

  it("global norm over all tensors by hand: sqrt(3^2 + 4^2 + 12^2) = 13", () => {
    const g = [tf.tensor([3, 4]), tf.tensor([[12]])];
    expect(globalNorm(g)).toBeCloseTo(13, 5);
    const { grads, norm, scale } = clipByGlobalNorm(g, 6.5);
    expect(norm).toBeCloseTo(13, 5);
    expect(scale).toBeCloseTo(6.5 / (13 + 1e-6), 9);
    expect(globalNorm(grads)).toBeCloseTo(6.5, 4);
    expect(Array.from(grads[0].dataSync())).toEqual([3 * scale, 4 * scale].map(Math.fround));
    tf.dispose([...g, ...grads]);
  });

  it("leaves small gradients alone and refuses a non-positive limit", () => {
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(5, null)).toBe(1);
    expect(() => clipScale(1, 0)).toThrow(/maxNorm must be positive/);
  });
});
