import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MimeBundle } from "../../lib/src/viz";
import { MERMAID_MIME, MERMAID_EMBED_MARKER, mermaidCacheKey } from "../../lib/src/viz/mermaid";

type Viz = typeof import("../../lib/src/viz");

async function freshViz(): Promise<Viz> {
  vi.resetModules();
  return import("../../lib/src/viz");
}

function captured(viz: Viz): { bundles: MimeBundle[]; restore: () => void } {
  const bundles: MimeBundle[] = [];
  const restore = viz.captureDisplay((bundle) => bundles.push(bundle));
  return { bundles, restore };
}

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`mermaid SVG tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);
}

const COURSE_MAP = `mindmap
  root((Shop search))
    Pretraining
      Tokenizer
      Encoder
    Ranking
      BM25
      Dense retrieval
    Evaluation
      NDCG`;

/** The visible text of an SVG: words split over <tspan>s joined back. */
function svgText(svg: string): string {
  return svg.replace(/<style>[\s\S]*?<\/style>/g, "").replace(/<[^>]+>/g, "");
}

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), "shoplm-mermaid-test-"));
});
afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
});

describe("validateMermaid", () => {
  test("accepts known diagram types after comments, directives and front matter", async () => {
    const { validateMermaid } = await freshViz();
    expect(validateMermaid("\n  flowchart LR\n  a --> b\n")).toBe("  flowchart LR\n  a --> b");
    expect(() => validateMermaid("%% the course\n%%{init: {'theme': 'dark'}}%%\nmindmap\n  root")).not.toThrow();
    expect(() => validateMermaid("---\ntitle: Map\n---\ngraph TD\n  a-->b")).not.toThrow();
    expect(() => validateMermaid("stateDiagram-v2\n  [*] --> A")).not.toThrow();
    expect(() => validateMermaid("xychart-beta\n  x-axis [a, b]")).not.toThrow();
  });

  test("refuses empty text and unknown first lines, saying what was found", async () => {
    const { validateMermaid } = await freshViz();
    expect(() => validateMermaid("   \n%% only a comment\n")).toThrow(/the diagram is empty/);
    expect(() => validateMermaid("mind map\n  root")).toThrow(/line 1 should start with a diagram type \(graph, flowchart, mindmap.*found "mind map"/);
    expect(() => validateMermaid("---\ntitle: x\ngraph TD")).toThrow(/front matter .* never closed/);
    expect(() => validateMermaid(42 as unknown as string)).toThrow(/expected the diagram source as a string; found number/);
  });
});

describe("mermaid display", () => {
  test("bundle: text/vnd.mermaid, HTML running mermaid on a <pre class=mermaid>, source as text", async () => {
    const viz = await freshViz();
    const { bundles, restore } = captured(viz);
    try {
      viz.mermaid("flowchart LR\n  q[Query] --> r{{Ranker <b>}}");
      viz.mermaid(COURSE_MAP);
    } finally {
      restore();
    }
    expect(bundles).toHaveLength(2);
    expect(bundles[0][MERMAID_MIME]).toBe("flowchart LR\n  q[Query] --> r{{Ranker <b>}}");
    expect(bundles[0]["text/plain"]).toBe(bundles[0][MERMAID_MIME]);
    const first = bundles[0]["text/html"] as string;
    const second = bundles[1]["text/html"] as string;
    // The diagram source is escaped inside the <pre>, and mermaid.js comes inline exactly once.
    expect(first).toContain('<pre class="mermaid"');
    expect(first).toContain("r{{Ranker &lt;b&gt;}}");
    expect(first.split(MERMAID_EMBED_MARKER).length - 1).toBe(1);
    expect(second.split(MERMAID_EMBED_MARKER).length - 1).toBe(0);
    expect(second).toContain("m.run({ nodes: [el] })");
    expect(second.length).toBeLessThan(10_000);
    expect(/<script[^>]*\bsrc\s*=/i.test(first + second)).toBe(false);
  });

  test("mermaidSetup() sends mermaid.js again, and the next diagram does not", async () => {
    const viz = await freshViz();
    const { bundles, restore } = captured(viz);
    try {
      viz.mermaid("graph TD\n  a-->b");
      viz.mermaidSetup();
      viz.mermaid("graph TD\n  c-->d");
    } finally {
      restore();
    }
    expect(bundles.map((b) => (b["text/html"] as string).split(MERMAID_EMBED_MARKER).length - 1)).toEqual([1, 1, 0]);
  });

  test("an invalid diagram is refused before anything is displayed", async () => {
    const viz = await freshViz();
    const { bundles, restore } = captured(viz);
    try {
      expect(() => viz.mermaid("hello")).toThrow(/diagram type/);
    } finally {
      restore();
    }
    expect(bundles).toHaveLength(0);
  });

  test("without Chromium, mermaidSvg says what to install and mermaid({svg:true}) falls back with a note", async () => {
    const viz = await freshViz();
    const missing = "/nonexistent/chromium";
    await expect(viz.mermaidSvg(COURSE_MAP, { executablePath: missing, cacheDir: cache })).rejects.toThrow(/apt-get install chromium/);
    await expect(viz.mermaidSvg(COURSE_MAP, { executablePath: missing, cacheDir: cache })).rejects.toBeInstanceOf(viz.MermaidUnavailableError);
    const { bundles, restore } = captured(viz);
    try {
      await viz.mermaid(COURSE_MAP, { svg: true, executablePath: missing, cacheDir: cache });
    } finally {
      restore();
    }
    expect(bundles).toHaveLength(1);
    expect(bundles[0]["image/svg+xml"]).toBeUndefined();
    expect(bundles[0][MERMAID_MIME]).toBe(COURSE_MAP);
    expect(bundles[0]["text/html"]).toContain('<pre class="mermaid"');
    const text = bundles[0]["text/plain"] as string;
    expect(text.split("\n")[0]).toMatch(/^\[static SVG unavailable.*apt-get install chromium.*\]$/);
    expect(text.split("\n").slice(1).join("\n")).toBe(COURSE_MAP);
  });
});

describe("mermaidSvg without playwright-core", () => {
  afterEach(() => {
    vi.doUnmock("playwright-core");
  });
  test("rejects with the npm command to run", async () => {
    vi.doMock("playwright-core", () => {
      throw new Error("Cannot find module 'playwright-core'");
    });
    const viz = await freshViz();
    // Any existing file passes the Chromium check, so the missing module is what fails.
    const attempt = viz.mermaidSvg("graph TD\n  a-->b", { executablePath: process.execPath, cacheDir: cache });
    await expect(attempt).rejects.toBeInstanceOf(viz.MermaidUnavailableError);
    await expect(attempt).rejects.toThrow(/npm i playwright-core/);
  });
});

describe.skipIf(!hasChromium)("mermaid SVG in headless Chromium", () => {
  test("the mindmap renders to an SVG holding every node label, cached by source hash", async () => {
    const viz = await freshViz();
    const t0 = performance.now();
    const svg = await viz.mermaidSvg(COURSE_MAP, { cacheDir: cache });
    const firstMs = performance.now() - t0;
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.includes('xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const labels = ["Shop search", "Pretraining", "Tokenizer", "Encoder", "Ranking", "BM25", "Dense retrieval", "Evaluation", "NDCG"];
    const text = svgText(svg);
    expect(labels.filter((label) => !text.includes(label))).toEqual([]);
    // Labels are SVG text, not HTML in <foreignObject>, so the picture shows outside browsers too.
    expect(svg.includes("<foreignObject")).toBe(false);
    const files = readdirSync(cache).filter((f) => f.endsWith(".svg"));
    expect(files).toEqual([`${mermaidCacheKey(COURSE_MAP)}.svg`]);
    const t1 = performance.now();
    expect(await viz.mermaidSvg(COURSE_MAP, { cacheDir: cache })).toBe(svg);
    const cachedMs = performance.now() - t1;
    expect(cachedMs).toBeLessThan(Math.min(50, firstMs / 10));
  }, 120_000);

  test("mermaid({svg: true}) adds image/svg+xml and shows the SVG as HTML without any script", async () => {
    const viz = await freshViz();
    const { bundles, restore } = captured(viz);
    try {
      await viz.mermaid("flowchart LR\n  q[Query] --> b[BM25] --> r[Re-rank]", { svg: true, cacheDir: cache });
    } finally {
      restore();
    }
    const bundle = bundles[0];
    const svg = bundle["image/svg+xml"] as string;
    expect(svgText(svg).includes("Re-rank")).toBe(true);
    expect(bundle["text/html"]).toBe(`<div class="shoplm-mermaid">${svg}</div>`);
    expect(bundle["text/html"]).not.toContain("<script");
    expect(bundle[MERMAID_MIME]).toContain("flowchart LR");
  }, 120_000);

  test("a diagram mermaid cannot parse is an error with mermaid's message, not a silent fallback", async () => {
    const viz = await freshViz();
    await expect(viz.mermaidSvg("flowchart LR\n  a --> --> b((", { cacheDir: cache })).rejects.toThrow(/mermaid could not render the diagram: .*(Parse error|Expecting|error)/i);
  }, 120_000);
});
