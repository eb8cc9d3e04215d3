import { describe, expect, it } from "vitest";
import { learningRateAt, scheduleCurve, validateSchedule } from "shoplm";

describe("learning-rate schedule", () => {
  const base = { peak: 1e-3, totalSteps: 10, warmupSteps: 4 } as const;

  it("warms up linearly, then decays linearly to the minimum at the last step", () => {
    const s = { ...base, decay: "linear" as const, minimum: 1e-4 };
    // Warm-up: 1e-3 * t / 4.
    expect(learningRateAt(1, s)).toBeCloseTo(2.5e-4, 12);
    expect(learningRateAt(4, s)).toBeCloseTo(1e-3, 12);
    // Decay: progress (t - 4) / 6; t = 7 -> 0.5 -> 1e-3 - 9e-4 * 0.5 = 5.5e-4.
    expect(learningRateAt(7, s)).toBeCloseTo(5.5e-4, 12);
    expect(learningRateAt(10, s)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(50, s)).toBeCloseTo(1e-4, 12);
  });

  it("cosine decay: half-way is the mean of peak and minimum, a quarter is peak - (1 - cos(pi/4))/2 of the range", () => {
    const s = { peak: 1, totalSteps: 12, warmupSteps: 4, decay: "cosine" as const };
    expect(learningRateAt(8, s)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(6, s)).toBeCloseTo((1 + Math.cos(Math.PI / 4)) / 2, 12);
    expect(learningRateAt(12, s)).toBeCloseTo(0, 12);
  });

  it("constant after warm-up, no warm-up, and the curve", () => {
    expect(learningRateAt(9, { ...base, decay: "constant" })).toBe(1e-3);
    expect(learningRateAt(1, { ...base, warmupSteps: 0, decay: "linear" })).toBeCloseTo(1e-3 * (1 - 1 / 10), 12);
    const curve = scheduleCurve({ ...base, decay: "linear" });
    expect(curve.length).toBe(10);
    expect(curve[3]).toBeCloseTo(1e-3, 12);
    expect(Math.max(...curve)).toBeCloseTo(1e-3, 12);
  });

  it("rejects bad settings", () => {
    expect(() => validateSchedule({ ...base, warmupSteps: 11, decay: "linear" })).toThrow(/warmupSteps must be an integer in \[0, totalSteps=10\], got 11/);
    expect(() => validateSchedule({ ...base, peak: 0, decay: "linear" })).toThrow(/peak learning rate must be a positive number/);
    expect(() => learningRateAt(0, { ...base, decay: "linear" })).toThrow(/step must be an integer from 1/);
  });
});
