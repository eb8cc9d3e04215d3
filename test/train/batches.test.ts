import { describe, expect, it } from "vitest";
import { BatchSampler, padBatch, Rng } from "shoplm";

describe("batches", () => {
  it("pads to the longest, cuts at maxLength, keeps type and word ids, drops padding already present", () => {
    const b = padBatch(
      [
        { inputIds: [2, 5, 6, 3], wordIds: [null, 0, 0, null], tokenTypeIds: [0, 0, 0, 0] },
        { inputIds: [2, 7, 3, 0, 0], attentionMask: [1, 1, 1, 0, 0], tokenTypeIds: [0, 1, 1, 0, 0] },
        { inputIds: [2, 8, 9, 10, 11, 12, 3] },
      ],
      { padId: 0, maxLength: 6 }
    );
    expect(b.length).toBe(6);
    expect(Array.from(b.ids)).toEqual([2, 5, 6, 3, 0, 0, 2, 7, 3, 0, 0, 0, 2, 8, 9, 10, 11, 12]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(b.wordIds.subarray(0, 6))).toEqual([-1, 0, 0, -1, -1, -1]);
    expect(Array.from(b.tokenTypeIds ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(padBatch([{ inputIds: [1, 2] }], { padId: 0, maxLength: 4, padTo: "max" }).length).toBe(4);
    expect(() => padBatch([{ inputIds: [1, 2], wordIds: [0] }], { padId: 0, maxLength: 4 })).toThrow(/2 ids but 1 word ids/);
  });

  it("the sampler visits every sequence once per epoch, in a seeded order", () => {
    const s = new BatchSampler(10, 3);
    const rng = new Rng(1);
    const first = [s.next(rng), s.next(rng), s.next(rng)].flat();
    expect(new Set(first).size).toBe(9);
    expect(s.epoch).toBe(0);
    s.next(rng);
    expect(s.epoch).toBe(1);
    const again = new BatchSampler(10, 3);
    const rng2 = new Rng(1);
    expect([again.next(rng2), again.next(rng2), again.next(rng2)].flat()).toEqual(first);
  });
});
