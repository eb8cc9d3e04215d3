import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { MimeBundle } from "../../lib/src/viz";
import { PLOTLY_MIME, PLOTLY_EMBED_MARKER } from "../../lib/src/viz/plot";

type Viz = typeof import("../../lib/src/viz");

/** A fresh copy of the viz modules: the "plotly.js already sent" flag is per kernel session. */
async function freshViz(): Promise<Viz> {
  vi.resetModules();
  return import("../../lib/src/viz");
}

function capture(viz: Viz): { bundles: { bundle: MimeBundle; id: string | undefined; update: boolean }[]; restore: () => void } {
  const bundles: { bundle: MimeBundle; id: string | undefined; update: boolean }[] = [];
  const restore = viz.captureDisplay((bundle, id, update) => bundles.push({ bundle, id, update }));
  return { bundles, restore };
}

/** The first match with some context, or null (keeps failure messages short on 4 MB outputs). */
function firstMatch(text: string, pattern: RegExp): string | null {
  const m = pattern.exec(text);
  return m ? text.slice(Math.max(0, m.index - 60), m.index + 60) : null;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const html = (b: MimeBundle): string => {
  const value = b["text/html"];
  if (typeof value !== "string") throw new Error(`expected a text/html string, found ${typeof value}`);
  return value;
};

const plotlyBanner = (() => {
  const file = createRequire(__filename).resolve("plotly.js-dist-min/plotly.min.js");
  const version = (readFileSync(file, "utf8").match(/plotly\.js v(\d+\.\d+\.\d+)/) ?? [])[1];
  if (!version) throw new Error("could not read the plotly.js version banner");
  return `plotly.js v${version}`;
})();

/** The HTML with the inline bundles removed (they contain third-party URL strings that are never fetched). */
function withoutBundles(text: string): string {
  return text.replace(/<script data-shoplm-asset="[^"]+"[^>]*>[\s\S]*?<\/script>/g, "<script data-shoplm-asset></script>");
}

describe("plot", () => {
  test("plotly.js is embedded exactly once across two plot() calls, later plots only call window.Plotly", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    try {
      viz.plot(viz.lineChart({ train: [3, 2, 1.5], val: [3.2, 2.4, 2.1] }, { title: "Loss", xTitle: "step" }));
      viz.plot(viz.barChart(["shoes", "bags"], [12, 7]));
    } finally {
      restore();
    }
    expect(bundles).toHaveLength(2);
    const all = bundles.map((b) => html(b.bundle)).join("\n");
    expect(count(all, PLOTLY_EMBED_MARKER)).toBe(1);
    expect(count(all, plotlyBanner)).toBe(1);
    expect(count(html(bundles[0].bundle), plotlyBanner)).toBe(1);
    // The guard: the bundle only runs when the page has no Plotly yet.
    expect(html(bundles[0].bundle)).toContain("if (window.Plotly) return;");
    expect(html(bundles[1].bundle)).toContain("window.Plotly.newPlot");
    expect(html(bundles[1].bundle)).toContain("plotSetup();` and then this one again");
    expect(html(bundles[1].bundle).length).toBeLessThan(10_000);
  });

  test("plotSetup() sends the bundle again, and the next plot does not", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    try {
      viz.plot(viz.histogram([1, 2, 2, 3]));
      viz.plotSetup();
      viz.plot(viz.histogram([1, 2, 2, 3]));
    } finally {
      restore();
    }
    expect(bundles.map((b) => count(html(b.bundle), PLOTLY_EMBED_MARKER))).toEqual([1, 1, 0]);
  });

  test("the bundle carries the figure as plotly JSON, HTML and a one-line summary", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    const figure = viz.lineChart({ train: new Float32Array([4, 2, 1]), val: [4.5, 3, 2] }, { title: "MLM loss", x: [10, 20, 30] });
    try {
      viz.plot(figure);
    } finally {
      restore();
    }
    const bundle = bundles[0].bundle;
    const json = bundle[PLOTLY_MIME] as { data: { y: unknown; x: unknown }[] };
    expect(json.data[0].y).toEqual([4, 2, 1]); // typed array became a plain array
    expect(json.data[0].x).toEqual([10, 20, 30]);
    expect(bundle["text/plain"]).toBe('plot: 2 scatter (train, val) - "MLM loss"');
    expect(bundle["text/plain"]).not.toContain("\n");
  });

  test("no script is loaded from the network and no CDN is named in the HTML", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    try {
      viz.plot(viz.scatter([1, 2], [3, 4], { labels: ["a", "b"] }));
      viz.plot(viz.heatmap([[0.1, 0.9], [0.5, 0.5]]));
      const live = new viz.LivePlot({ intervalMs: 0 });
      live.push("train", 1, 2);
      live.done();
    } finally {
      restore();
    }
    expect(bundles.length).toBeGreaterThanOrEqual(3);
    for (const { bundle } of bundles) {
      const text = html(bundle);
      // Our own markup: no URL at all. The inline bundles name map-tile hosts used only by map traces.
      expect(firstMatch(text, /<script[^>]*\bsrc\s*=/i)).toBeNull();
      expect(firstMatch(withoutBundles(text), /https?:\/\/|cdn\.plot\.ly|jsdelivr|unpkg\.com|cdnjs/i)).toBeNull();
    }
  });

  test("figure data cannot close the script element", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    try {
      viz.plot({ data: [{ type: "bar", x: ["</script><img src=x onerror=alert(1)>"], y: [1], name: "<!--" }] });
    } finally {
      restore();
    }
    const text = withoutBundles(html(bundles[0].bundle));
    expect(firstMatch(text, /<\/script><img/)).toBeNull();
    expect(firstMatch(text, /<!--/)).toBeNull();
    // Three scripts: the (emptied) bundle, its loader and the draw call, each closed once.
    expect(count(text, "</script>")).toBe(3);
  });

  test("an object without data is refused with what was found", async () => {
    const viz = await freshViz();
    expect(() => viz.plot({ traces: [] } as unknown as import("../../lib/src/viz").PlotlyFigure)).toThrow(/expected a figure \{ data.*found object with keys \[traces\]/);
  });
});

describe("chart builders", () => {
  test("lineChart: one trace per series, shared x, log axis", async () => {
    const viz = await freshViz();
    const fig = viz.lineChart([{ name: "a", y: [1, 2] }, { name: "b", y: [3, 4], x: [5, 6] }], { x: [0, 10], logY: true, yTitle: "loss" });
    expect(fig.data.map((t) => [t.name, t.x, t.y])).toEqual([["a", [0, 10], [1, 2]], ["b", [5, 6], [3, 4]]]);
    expect(fig.layout?.yaxis?.type).toBe("log");
    expect(fig.layout?.yaxis?.title).toEqual({ text: "loss" });
    expect(() => viz.lineChart({ a: [1, 2, 3] }, { x: [1, 2] })).toThrow(/"a" has 3 y values but 2 x values/);
  });

  test("barChart: grouped series, horizontal bars, length mismatch", async () => {
    const viz = await freshViz();
    const fig = viz.barChart(["p@10", "ndcg@10"], { bm25: [0.2, 0.3], dense: [0.3, 0.4] });
    expect(fig.data.map((t) => t.name)).toEqual(["bm25", "dense"]);
    expect(fig.layout?.barmode).toBe("group");
    const h = viz.barChart(["x", "y"], [1, 2], { horizontal: true });
    expect(h.data[0]).toMatchObject({ orientation: "h", y: ["x", "y"], x: [1, 2] });
    expect(() => viz.barChart(["a"], [1, 2])).toThrow(/1 labels but 2 values/);
  });

  test("histogram: overlaid series with bins", async () => {
    const viz = await freshViz();
    const fig = viz.histogram({ pos: [1, 2], neg: [0, 1] }, { bins: 20, normalize: "probability density" });
    expect(fig.data).toHaveLength(2);
    expect(fig.data[0]).toMatchObject({ type: "histogram", nbinsx: 20, histnorm: "probability density", opacity: 0.6 });
    expect(fig.layout?.barmode).toBe("overlay");
  });

  test("scatter: one trace per group, hover labels follow their points", async () => {
    const viz = await freshViz();
    const fig = viz.scatter([0, 1, 2, 3], [0, 10, 20, 30], { groups: ["shoes", "bags", "shoes", "bags"], labels: ["a", "b", "c", "d"] });
    expect(fig.data.map((t) => [t.name, t.x, t.y, t.text])).toEqual([
      ["shoes", [0, 2], [0, 20], ["a", "c"]],
      ["bags", [1, 3], [10, 30], ["b", "d"]],
    ]);
    expect(() => viz.scatter([1, 2], [1])).toThrow(/2 x values but 1 y values/);
  });

  test("heatmap: repeated tokens keep their own row and column; row 0 on top", async () => {
    const viz = await freshViz();
    const tokens = ["the", "red", "the", "shoe"];
    const z = tokens.map((_, i) => tokens.map((__, j) => (i === j ? 1 : 0)));
    const fig = viz.heatmap(z, { xLabels: tokens, yLabels: tokens, title: "attention" });
    expect(fig.data[0].x).toEqual([0, 1, 2, 3]);
    expect(fig.layout?.xaxis?.ticktext).toEqual(tokens);
    expect(fig.layout?.yaxis?.tickvals).toEqual([0, 1, 2, 3]);
    expect(fig.layout?.yaxis?.autorange).toBe("reversed");
    expect(() => viz.heatmap([[1, 2], [3]])).toThrow(/row 0 has 2 values but row 1 has 1/);
    expect(() => viz.heatmap(z, { xLabels: ["a"] })).toThrow(/4 columns but 1 xLabels/);
  });
});

describe("LivePlot", () => {
  test("redraws in place at most once per interval, and always on done()", async () => {
    const viz = await freshViz();
    const { bundles, restore } = capture(viz);
    let clock = 0;
    try {
      const live = new viz.LivePlot({ intervalMs: 250, now: () => clock, title: "loss" });
      for (let step = 0; step < 10; step++) {
        clock = step * 100; // 0, 100, ..., 900 ms
        live.push("train", step, 10 - step);
      }
      live.done();
      expect(live.figure().data[0].y).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    } finally {
      restore();
    }
    // Shown at 0, 300, 600, 900 ms (each at least 250 ms after the last), then done().
    expect(bundles).toHaveLength(5);
    expect(new Set(bundles.map((b) => b.id)).size).toBe(1);
    expect(bundles[0].id).toBeTruthy();
    expect(bundles.map((b) => b.update)).toEqual([false, true, true, true, true]);
    const points = bundles.map((b) => (b.bundle[PLOTLY_MIME] as { data: { y: number[] }[] }).data[0].y.length);
    expect(points).toEqual([1, 4, 7, 10, 10]);
    expect(bundles[4].bundle["text/plain"]).toContain("last: train 1.0000 @ 9");
  });
});

describe("readable axes", () => {
  it("a log axis is labelled in full at 1-2-5 steps (400 reads 400, not 4)", async () => {
    const { lineChart, logTicks } = await import("../../lib/src/viz");
    expect(logTicks(6.3, 420)).toEqual({ tickvals: [10, 20, 50, 100, 200], ticktext: ["10", "20", "50", "100", "200"] });
    expect(logTicks(150, 180).tickvals).toEqual([150, 180]);
    const fig = lineChart({ loss: [400, 90, 7] }, { logY: true });
    expect(fig.layout?.yaxis).toMatchObject({ type: "log", tickvals: [10, 20, 50, 100, 200], ticktext: ["10", "20", "50", "100", "200"] });
  });

  it("axes grow their margins for long labels", async () => {
    const { barChart } = await import("../../lib/src/viz");
    const fig = barChart(["Home & Kitchen", "Electronics"], [3, 4], { title: "Products per department" });
    expect(fig.layout?.xaxis).toMatchObject({ automargin: true });
  });
});

describe("plotly.js reaches every page", () => {
  it("is sent with the first plot of each front-end session (a reload or a new tab), once per session", async () => {
    vi.resetModules();
    const viz = await import("../../lib/src/viz");
    const sent: boolean[] = [];
    const restore = viz.captureDisplay((bundle) => {
      if (typeof bundle["text/html"] === "string") sent.push(bundle["text/html"].includes(PLOTLY_EMBED_MARKER));
    });
    const g = globalThis as Record<symbol, unknown>;
    try {
      const fig = viz.lineChart({ loss: [3, 2, 1] });
      g[viz.FRONT_END_SESSION] = "page-1";
      viz.plot(fig);
      viz.plot(fig);
      g[viz.FRONT_END_SESSION] = "page-2 (reloaded)";
      viz.plot(fig);
      viz.plot(fig);
      g[viz.FRONT_END_SESSION] = "page-1";
      viz.plot(fig);
    } finally {
      restore();
      delete g[viz.FRONT_END_SESSION];
    }
    expect(sent).toEqual([true, false, true, false, true]);
  });
});
