/**
 * The outputs in a real browser, offline: a page assembled from the text/html parts as an HTML
 * export would lay them out, loaded in headless Chromium with every network request refused.
 * Leaves a screenshot in build/viz/render-check.png for a human to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { MimeBundle } from "../../lib/src/viz";

type Viz = typeof import("../../lib/src/viz");

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser render tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);

const MINDMAP = `mindmap
  root((LLMs for shop search))
    Pretraining
      WordPiece
      Masked LM
    Fine-tuning
      Intent
      Relevance
    Ranking
      BM25
      Two-tower
    Evaluation
      NDCG
      A/B tests`;

async function freshViz(): Promise<Viz> {
  vi.resetModules();
  return import("../../lib/src/viz");
}

/** The page an HTML export makes of a notebook's outputs: each text/html part in its own output div. */
function exportPage(bundles: readonly MimeBundle[]): string {
  const outputs = bundles.map((b, i) => `<div class="output" id="out-${i}">${b["text/html"] as string}</div>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>outputs</title>
<style>body{font-family:sans-serif;margin:16px;width:900px}.output{border-left:3px solid #ccc;padding:4px 12px;margin:12px 0}</style>
</head><body>${outputs}</body></html>`;
}

describe.skipIf(!hasChromium)("outputs in headless Chromium, offline", () => {
  let browser: Browser;
  let profile: string;
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    profile = mkdtempSync(join(tmpdir(), "shoplm-render-"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function openOffline(html: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 960, height: 800 } });
    const requests: string[] = [];
    const errors: string[] = [];
    await context.route("**/*", (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent(html, { waitUntil: "load", timeout: 60_000 });
    return { page, requests, errors };
  }

  test("two plots, a mindmap (script and SVG), a table and a progress bar render with no request made", async () => {
    const viz = await freshViz();
    const bundles: MimeBundle[] = [];
    const tokens = ["[CLS]", "red", "running", "shoes", "red", "[SEP]"];
    // As the front end does: an update replaces the output with the same display id.
    const slots = new Map<string, number>();
    const restore = viz.captureDisplay((b, id, update) => {
      if (update && id !== undefined && slots.has(id)) bundles[slots.get(id)!] = b;
      else {
        if (id !== undefined) slots.set(id, bundles.length);
        bundles.push(b);
      }
    });
    try {
      viz.plot(viz.lineChart({ train: [4.1, 3.2, 2.6, 2.2, 2.0, 1.9], val: [4.3, 3.5, 3.0, 2.8, 2.7, 2.7] }, { title: "MLM loss", xTitle: "step", yTitle: "loss", height: 320 }));
      viz.plot(viz.heatmap(tokens.map((_, i) => tokens.map((__, j) => Math.exp(-Math.abs(i - j)))), { xLabels: tokens, yLabels: tokens, title: "attention head 0", height: 360 }));
      viz.mermaid(MINDMAP);
      await viz.mermaid("flowchart LR\n  q[Query] --> bm[BM25] --> rr[Cross-encoder re-rank] --> top[Top 10]", { svg: true });
      viz.table([{ query: "red shoes", "ndcg@10": 0.61234 }, { query: "<b>bag</b>", "ndcg@10": 0.4 }], { caption: "per-query NDCG" });
      const bar = viz.progress(100, { label: "pretrain", mode: "notebook", intervalMs: 0 });
      bar.update(40, "loss 2.31");
    } finally {
      restore();
    }
    const { page, requests, errors } = await openOffline(exportPage(bundles));
    // plotly draws .main-svg; mermaid.run replaces the <pre> text with an <svg>.
    await page.waitForFunction(() => document.querySelectorAll(".shoplm-plot.js-plotly-plot .main-svg").length >= 2, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll(".shoplm-mermaid svg").length >= 2, undefined, { timeout: 30_000 });
    const facts = await page.evaluate(() => {
      // Visible label text of a diagram, without its <style>; words wrapped over lines are joined without spaces.
      const labels = (selector: string) =>
        Array.from(document.querySelectorAll(`${selector} text, ${selector} foreignObject`)).map((e) => (e.textContent ?? "").replace(/\s+/g, "")).join("|");
      return {
      plots: document.querySelectorAll(".shoplm-plot.js-plotly-plot").length,
      heatmapTicks: Array.from(document.querySelectorAll("#out-1 .xtick text")).map((t) => t.textContent),
      mindmapText: labels("#out-2 svg"),
      flowText: labels("#out-3 svg"),
      tableCells: Array.from(document.querySelectorAll(".shoplm-table td")).map((t) => t.textContent),
      progress: document.querySelector(".shoplm-progress")?.textContent ?? "",
      };
    });
    const shot = resolve(__dirname, "../../build/viz/render-check.png");
    mkdirSync(resolve(shot, ".."), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });

    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(facts.plots).toBe(2);
    expect(facts.heatmapTicks).toEqual(tokens); // "red" twice, each in its own column
    const missing = (text: string, wanted: string[]) => wanted.filter((w) => !text.includes(w.replace(/\s+/g, "")));
    expect(missing(facts.mindmapText, ["LLMs for shop search", "Pretraining", "WordPiece", "Two-tower", "A/B tests"])).toEqual([]);
    expect(missing(facts.flowText, ["Query", "BM25", "Cross-encoder re-rank", "Top 10"])).toEqual([]);
    expect(facts.tableCells).toContain("<b>bag</b>"); // shown as text, not markup
    expect(facts.progress).toContain("40/100 (40%)");
  }, 120_000);

  test("a plot or diagram whose page lost the bundle says what to re-run", async () => {
    const viz = await freshViz();
    const bundles: MimeBundle[] = [];
    const restore = viz.captureDisplay((b) => bundles.push(b));
    try {
      viz.plotSetup(); // the output that carried the bundle, later cleared
      viz.plot(viz.barChart(["a", "b"], [1, 2]));
      viz.mermaidSetup(); // likewise for mermaid.js
      viz.mermaid("graph TD\n  c-->d");
    } finally {
      restore();
    }
    const { page, errors } = await openOffline(exportPage([bundles[1], bundles[3]]));
    await page.waitForFunction(() => (document.body.textContent ?? "").includes("plotSetup();` and then this one again") && (document.body.textContent ?? "").includes("mermaidSetup();` and then this one again"), undefined, { timeout: 15_000 });
    expect(errors).toEqual([]);
  }, 60_000);
});
