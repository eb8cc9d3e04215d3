import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { dropout, dropoutMaskValues, initBackend, Rng } from "shoplm";

describe("seeded dropout", () => {
  it("drops about `rate` of the values and scales the rest by 1 / (1 - rate)", () => {
    const out = dropoutMaskValues(new Float32Array(200_000), 0.1, new Rng(1));
    const dropped = out.filter((v) => v === 0).length / out.length;
    expect(Math.abs(dropped - 0.1)).toBeLessThan(0.003); // 4 standard deviations
    expect(new Set(out)).toEqual(new Set([0, Math.fround(1 / 0.9)]));
  });

  it("draws from the course's xoshiro128** stream seeded by four outputs of the Rng", () => {
    const seeder = new Rng(42);
    const state = [seeder.nextUint32(), seeder.nextUint32(), seeder.nextUint32(), seeder.nextUint32()] as const;
    const reference = Rng.fromState(state);
    const rate = 0.3;
    const threshold = Math.round(rate * 4294967296);
    const expected = Array.from({ length: 1000 }, () => (reference.nextUint32() >= threshold ? Math.fround(1 / 0.7) : 0));
    expect(Array.from(dropoutMaskValues(new Float32Array(1000), rate, new Rng(42)))).toEqual(expected);
  });

  it("is the identity without an Rng or at rate 0, and rejects a rate of 1", async () => {
    await initBackend({ forced: "wasm", reset: true });
    const x = tf.ones([3, 4]);
    expect(dropout(x, 0.5, null)).toBe(x);
    expect(dropout(x, 0, new Rng(1))).toBe(x);
    expect(() => dropout(x, 1, new Rng(1))).toThrow(/rate in \[0, 1\), got 1/);
    const y = dropout(x, 0.5, new Rng(3));
    expect(Array.from(y.dataSync()).every((v) => v === 0 || v === 2)).toBe(true);
    tf.dispose([x, y]);
  });
});
