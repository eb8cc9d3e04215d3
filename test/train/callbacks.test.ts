import { describe, expect, it } from "vitest";
import { stepSummary, trainingDisplay, type StepInfo } from "shoplm";

function step(n: number, loss: number): StepInfo {
  return { step: n, totalSteps: 4, loss, learningRate: 1e-3, gradNorm: 1, clipped: false, tokens: 100, maskedTokens: 15, tokensPerSecond: 2500.4, stepMs: 40 };
}

describe("training display", () => {
  it("feeds the progress bar and the live curve from the callbacks", () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => void lines.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    const d = trainingDisplay(4, { progress: { mode: "log", stream }, plotEvery: 2, plotOptions: { intervalMs: 1e9 } });
    [5, 4, 3, 2].forEach((loss, i) => d.callbacks.onStep(step(i + 1, loss)));
    d.callbacks.onEval({ step: 4, loss: 2.5, perplexity: Math.exp(2.5), accuracy: 0.4, maskedTokens: 60 });
    d.done();
    expect(d.bar.state().value).toBe(4);
    const traces = (d.plot?.figure().data ?? []) as Array<{ name?: string; x?: ArrayLike<number>; y?: ArrayLike<number> }>;
    expect(traces.map((t) => t.name)).toEqual(["train", "held-out"]);
    expect(Array.from(traces[0].x ?? [])).toEqual([2, 4]);
    expect(Array.from(traces[0].y ?? [])).toEqual([4, 2]);
    expect(lines.join("")).toContain("held-out ppl 12.18 acc 40.0%");
    expect(stepSummary(step(1, 2.34567))).toBe("loss 2.346 | lr 1.00e-3 | 2500 tok/s");
  });
});
