import { Writable } from "node:stream";
import { captureDisplay, formatDuration, formatRate, progress, trackProgress, type MimeBundle } from "../../lib/src/viz";

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** A stream that keeps what is written; `tty` makes it look like a terminal. */
function memoryStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  stream.isTTY = tty;
  stream.columns = 120;
  return { stream, text: () => chunks.join("") };
}

function captureAll(): { seen: { bundle: MimeBundle; id: string | undefined; update: boolean }[]; restore: () => void } {
  const seen: { bundle: MimeBundle; id: string | undefined; update: boolean }[] = [];
  const restore = captureDisplay((bundle, id, update) => seen.push({ bundle, id, update }));
  return { seen, restore };
}

describe("formatting", () => {
  test("durations and rates", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(61_400)).toBe("1:01");
    expect(formatDuration(3_725_000)).toBe("1:02:05");
    expect(formatRate(0, "step")).toBe("- step/s");
    expect(formatRate(250, "doc")).toBe("250 doc/s");
    expect(formatRate(12.345, "it")).toBe("12.3 it/s");
    expect(formatRate(2.5, "it")).toBe("2.50 it/s");
    expect(formatRate(0.25, "step")).toBe("4.00 s/step");
  });
});

describe("progress state from a fake clock", () => {
  test("rate is units per second since the start, ETA is what is left at that rate", () => {
    const clock = fakeClock();
    const { seen, restore } = captureAll();
    try {
      const bar = progress(100, { label: "pretrain", unit: "step", mode: "notebook", now: clock.now });
      clock.advance(2000);
      bar.tick(10, "loss 3.21");
      const s = bar.state();
      expect(s.rate).toBeCloseTo(5, 10); // 10 steps in 2 s
      expect(s.etaMs).toBeCloseTo(18_000, 6); // 90 steps at 5/s
      expect(s.fraction).toBeCloseTo(0.1, 10);
      expect(bar.line()).toBe("pretrain: 10/100 (10%) | 5.00 step/s | elapsed 0:02 | ETA 0:18 | loss 3.21");
      clock.advance(8000);
      bar.update(40);
      expect(bar.state().rate).toBeCloseTo(4, 10); // 40 in 10 s
      expect(bar.state().etaMs).toBeCloseTo(15_000, 6);
      expect(bar.state().info).toBe("loss 3.21"); // kept until replaced
      bar.done("loss 1.02");
      expect(bar.line()).toBe("pretrain: 40/100 (40%) | 4.00 step/s | in 0:10 | loss 1.02");
    } finally {
      restore();
    }
    const last = seen[seen.length - 1].bundle;
    expect(last["text/plain"]).toBe("pretrain: 40/100 (40%) | 4.00 step/s | in 0:10 | loss 1.02");
    expect(last["text/html"]).toContain("width:40.0%");
  });

  test("without a total: count and rate, no percent or ETA", () => {
    const clock = fakeClock();
    const bar = progress(undefined, { unit: "doc", mode: "log", stream: memoryStream(false).stream, now: clock.now });
    clock.advance(500);
    bar.tick(50);
    expect(bar.state().etaMs).toBeUndefined();
    expect(bar.line()).toBe("50 doc | 100 doc/s | elapsed 0:01");
  });

  test("bad totals and values are refused", () => {
    expect(() => progress(-1, { mode: "log" })).toThrow(/total should be a finite number >= 0 .* found -1/);
    const bar = progress(3, { mode: "log", stream: memoryStream(false).stream });
    expect(() => bar.update(NaN)).toThrow(/value should be a finite number; found NaN/);
  });
});

describe("notebook mode", () => {
  test("one display updated in place, throttled to the interval, always redrawn on done()", () => {
    const clock = fakeClock();
    const { seen, restore } = captureAll();
    try {
      const bar = progress(20, { label: "epoch", mode: "notebook", intervalMs: 200, now: clock.now });
      for (let i = 0; i < 20; i++) {
        clock.advance(50); // a tick every 50 ms: 1 s in all
        bar.tick();
      }
      bar.done();
      bar.done(); // a second done() does nothing
      bar.tick(); // nor does a tick after done()
    } finally {
      restore();
    }
    // Shown at creation (0 ms), then at 200, 400, 600, 800, 1000 ms, then done().
    expect(seen.map((s) => s.update)).toEqual([false, true, true, true, true, true, true]);
    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
    expect(seen[0].id).toMatch(/^shoplm-/);
    const texts = seen.map((s) => s.bundle["text/plain"] as string);
    expect(texts[1]).toMatch(/^epoch: 4\/20 \(20%\)/);
    expect(texts[texts.length - 1]).toBe("epoch: 20/20 (100%) | 20.0 it/s | in 0:01");
    const html = seen[seen.length - 1].bundle["text/html"] as string;
    expect(html).toContain("<b>epoch</b>");
    expect(html).toContain("width:100.0%;background:#16a34a"); // green when done
  });

  test("labels and info are escaped in the HTML", () => {
    const { seen, restore } = captureAll();
    try {
      const bar = progress(2, { label: "<img src=x>", mode: "notebook" });
      bar.done("<script>x</script>");
    } finally {
      restore();
    }
    const html = seen[seen.length - 1].bundle["text/html"] as string;
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;x&lt;/script&gt;");
  });
});

describe("terminal modes", () => {
  test("log (not a TTY): a line at most every logIntervalMs, plus the final line", () => {
    const clock = fakeClock();
    const out = memoryStream(false);
    const bar = progress(120, { label: "index", unit: "doc", mode: "auto", stream: out.stream, logIntervalMs: 5000, now: clock.now });
    expect(bar.mode).toBe("log");
    for (let i = 0; i < 120; i++) {
      clock.advance(100); // 12 s in all
      bar.tick();
    }
    bar.done();
    const lines = out.text().trimEnd().split("\n");
    expect(lines).toEqual([
      "index: 50/120 (42%) | 10.0 doc/s | elapsed 0:05 | ETA 0:07",
      "index: 100/120 (83%) | 10.0 doc/s | elapsed 0:10 | ETA 0:02",
      "index: 120/120 (100%) | 10.0 doc/s | in 0:12",
    ]);
  });

  test("a short loop in a log prints only its final line", () => {
    const out = memoryStream(false);
    const bar = progress(3, { mode: "log", stream: out.stream });
    bar.tick();
    bar.tick();
    bar.tick();
    bar.done();
    expect(out.text().trimEnd().split("\n")).toHaveLength(1);
  });

  test("tty: cli-progress redraws one line with the bar and our numbers", () => {
    const clock = fakeClock();
    const out = memoryStream(true);
    const bar = progress(10, { label: "train", unit: "step", stream: out.stream, now: clock.now });
    expect(bar.mode).toBe("tty");
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      bar.tick(1, `loss ${(1 / (i + 1)).toFixed(2)}`);
    }
    bar.done();
    const text = out.text();
    // The line is redrawn in place (carriage moves, no newline per tick) and ends with the final state.
    expect(text.split("\n").length).toBeLessThanOrEqual(2);
    expect(text).toContain("train |");
    expect(text).toContain("10/10 (100%) | 1.00 step/s | in 0:10 | loss 0.10");
  });
});

describe("trackProgress", () => {
  test("yields every item, takes the total from the length, and finishes the bar even on break", () => {
    const out = memoryStream(false);
    const seen: number[] = [];
    for (const x of trackProgress([1, 2, 3, 4], { label: "batches", mode: "log", stream: out.stream })) {
      seen.push(x);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(out.text()).toMatch(/^batches: 4\/4 \(100%\)/);

    const out2 = memoryStream(false);
    for (const x of trackProgress(new Set(["a", "b", "c"]), { mode: "log", stream: out2.stream })) {
      if (x === "b") break;
    }
    // "a" was counted when the loop came back for "b"; the break finished the bar at 1/3.
    expect(out2.text()).toMatch(/^1\/3 \(33%\)/);
  });
});
