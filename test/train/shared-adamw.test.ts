import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { abortBarrier, AdamW, adamwHyper, arriveAtBarrier, BarrierAborted, initBackend, Parameters, Rng, SharedAdamW, sharedOptimizerBuffers, type FlatSlot } from "shoplm";

/** Three weights: one decayed, one bias (not decayed), one that gets no gradient. */
function weights(seed: number): { params: Parameters; layout: FlatSlot[]; total: number } {
  const rng = new Rng(seed);
  const params = new Parameters("shared-adamw");
  const shapes: Array<[string, number[]]> = [
    ["dense.kernel", [7, 5]],
    ["dense.bias", [5]],
    ["other.kernel", [3, 3]],
  ];
  const layout: FlatSlot[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    params.add(name, Float32Array.from({ length: size }, () => rng.next() - 0.5), shape);
    layout.push({ name, offset, size });
    offset += size;
  }
  return { params, layout, total: offset };
}

describe("AdamW shared out by segment", () => {
  beforeAll(async () => {
    await initBackend({ forced: "wasm" });
  });

  it("segments that cut through weights give AdamW.apply's bits, moments and step; a weight without a gradient is untouched", () => {
    const { params, layout, total } = weights(1);
    const scale = (n: string) => (n.startsWith("dense.") ? 0.5 : 1);
    const reference = new AdamW(params, { weightDecay: 0.1, learningRateScale: scale });
    const start = new Map(params.entries().map(([n, v]) => [n, { values: Float32Array.from(v.dataSync()) }]));
    const buffers = sharedOptimizerBuffers(layout, total, start, reference.state());
    const decayed = new Set(layout.map((s) => s.name).filter((n) => reference.decayed(n)));
    const scales = new Map(layout.map((s): [string, number] => [s.name, scale(s.name)]));
    // Two "workers" with segments that split dense.kernel and dense.bias.
    const parts = [new SharedAdamW(layout, buffers, adamwHyper({ weightDecay: 0.1 }), decayed, scales, 0), new SharedAdamW(layout, buffers, adamwHyper({ weightDecay: 0.1 }), decayed, scales, 0)];
    const cut = 17;
    const rng = new Rng(2);
    const updated = [true, true, false];
    for (let step = 0; step < 4; step++) {
      const grad = new Float32Array(total);
      for (let i = 0; i < layout[2].offset; i++) grad[i] = rng.next() - 0.5;
      const grads = new Map(layout.slice(0, 2).map((s) => [s.name, tf.tensor(grad.slice(s.offset, s.offset + s.size), params.get(s.name).shape)]));
      reference.apply(grads, 0.01, 0.7);
      tf.dispose([...grads.values()]);
      parts[0].apply(grad, updated, 0.01, 0.7, 0, cut);
      parts[1].apply(grad, updated, 0.01, 0.7, cut, total);
    }
    for (const s of layout) {
      expect(Array.from(parts[0].weights.subarray(s.offset, s.offset + s.size)), s.name).toEqual(Array.from(params.get(s.name).dataSync()));
    }
    expect(Array.from(parts[1].weights.subarray(layout[2].offset))).toEqual(Array.from(start.get("other.kernel")?.values ?? []));
    const want = reference.state();
    for (const part of parts) {
      const got = part.state();
      expect(got.step).toBe(4);
      expect([...got.moments.keys()]).toEqual(["dense.kernel", "dense.bias"]);
      for (const [name, { m, v }] of want.moments) {
        expect(Array.from(got.moments.get(name)?.m ?? [])).toEqual(Array.from(m));
        expect(Array.from(got.moments.get(name)?.v ?? [])).toEqual(Array.from(v));
      }
    }
    reference.dispose();
    params.dispose();
  });

  it("starts from saved moments, and refuses moments of a weight it does not have or of another size", () => {
    const { params, layout, total } = weights(3);
    const start = new Map(params.entries().map(([n, v]) => [n, { values: Float32Array.from(v.dataSync()) }]));
    const m = Float32Array.from({ length: 5 }, (_, i) => i);
    const buffers = sharedOptimizerBuffers(layout, total, start, { step: 9, moments: new Map([["dense.bias", { m, v: m }]]) });
    const resumed = new SharedAdamW(layout, buffers, adamwHyper(), new Set(), null, 9).state();
    expect(resumed.step).toBe(9);
    expect(Array.from(resumed.moments.get("dense.bias")?.m ?? [])).toEqual(Array.from(m));
    expect(() => sharedOptimizerBuffers(layout, total, start, { step: 1, moments: new Map([["nope", { m, v: m }]]) })).toThrow(/moments for "nope", which this optimizer does not update/);
    expect(() => sharedOptimizerBuffers(layout, total, start, { step: 1, moments: new Map([["dense.kernel", { m, v: m }]]) })).toThrow(/moments of "dense.kernel" have 5\/5 values, the weight 35/);
    expect(() => sharedOptimizerBuffers(layout, total, new Map(), { step: 0, moments: new Map() })).toThrow(/no weight "dense.kernel" of 35 values/);
    params.dispose();
  });

  it("the barrier lets the last arrival through and is reusable; an abort releases a waiter with BarrierAborted", () => {
    const barrier = new Int32Array(new SharedArrayBuffer(12));
    // One worker alone passes at once, generation after generation.
    for (let i = 0; i < 3; i++) arriveAtBarrier(barrier, 1);
    expect(Atomics.load(barrier, 1)).toBe(3);
    expect(Atomics.load(barrier, 0)).toBe(0);
    // A second that never comes: the abort releases the one waiting.
    abortBarrier(barrier);
    expect(() => arriveAtBarrier(barrier, 2)).toThrow(BarrierAborted);
  });
});
