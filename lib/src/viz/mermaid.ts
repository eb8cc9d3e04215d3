/**
 * Mermaid diagrams (the course map, pipelines) in notebooks. Three ways to be seen:
 * `text/vnd.mermaid` (JupyterLab 4.1+ renders it itself), `text/html` with mermaid.js inline
 * (once per page, like plotly), and, with `{ svg: true }`, a static SVG rendered here in headless
 * Chromium, so executed copies and HTML exports show the picture without any JavaScript.
 */
import { sha256Hex } from "../core/hash";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { displayBundle, escapeHtml, PerPage, type MimeBundle } from "./display";
import { assetMarker, assetSource, assetVersion, cacheDir, inlineAssetScript, MERMAID_ASSET, scriptJson, uniqueElementId } from "./assets";

export const MERMAID_MIME = "text/vnd.mermaid";

/** Diagram types mermaid knows (the first word of a diagram); "-beta" / "-v2" variants are accepted too. */
export const MERMAID_DIAGRAM_TYPES: readonly string[] = [
  "graph", "flowchart", "mindmap", "sequenceDiagram", "classDiagram", "stateDiagram", "erDiagram",
  "gantt", "pie", "journey", "timeline", "gitGraph", "quadrantChart", "requirementDiagram",
  "C4Context", "C4Container", "C4Component", "C4Dynamic", "C4Deployment", "sankey", "xychart",
  "block", "packet", "kanban", "architecture", "radar", "treemap",
];

export interface MermaidSvgOptions {
  /** Where rendered SVGs are kept (default build/cache/mermaid under the project root, else the OS temp dir). */
  cacheDir?: string;
  /** The Chromium binary (default /usr/bin/chromium, Debian's package). */
  executablePath?: string;
  /** Limit for launching the browser and for rendering, each (default 60 s). */
  timeoutMs?: number;
}

export interface MermaidOptions extends MermaidSvgOptions {
  /** Also render a static SVG (image/svg+xml) in headless Chromium; the call then returns a promise. */
  svg?: boolean;
}

/** Chromium or playwright-core is missing, or the browser could not start: a setup problem, not a diagram problem. */
export class MermaidUnavailableError extends Error {
  override readonly name = "MermaidUnavailableError";
}

/**
 * Checks that the text looks like a mermaid diagram and returns it trimmed: not empty, and the
 * first line that is not a comment (%%), directive or front matter starts with a diagram type.
 */
export function validateMermaid(diagram: string): string {
  if (typeof diagram !== "string") {
    throw new Error(`mermaid: expected the diagram source as a string; found ${diagram === null ? "null" : typeof diagram}.`);
  }
  const source = diagram.replace(/^\s*\n/, "").replace(/\s+$/, "");
  const lines = source.split("\n");
  let i = 0;
  // YAML front matter (title, config) comes before the diagram type.
  if (lines[0]?.trim() === "---") {
    const end = lines.findIndex((line, k) => k > 0 && line.trim() === "---");
    if (end < 0) throw new Error("mermaid: the front matter that starts with --- on line 1 is never closed by another --- line.");
    i = end + 1;
  }
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("%%")) continue;
    const word = /^[A-Za-z][\w-]*/.exec(line)?.[0] ?? "";
    const base = word.replace(/-(beta|v2)$/, "");
    if (!MERMAID_DIAGRAM_TYPES.includes(base)) {
      throw new Error(
        `mermaid: line ${i + 1} should start with a diagram type (${MERMAID_DIAGRAM_TYPES.slice(0, 11).join(", ")}, ...); found "${line.slice(0, 60)}".`,
      );
    }
    return source;
  }
  throw new Error("mermaid: the diagram is empty (only blank lines, comments or front matter); expected e.g. \"mindmap\" or \"flowchart LR\" followed by its nodes.");
}

// ---------------------------------------------------------------- static SVG

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Labels as SVG text rather than HTML in <foreignObject>, so the SVG also shows outside browsers. */
const SVG_CONFIG = {
  startOnLoad: false,
  securityLevel: "strict",
  htmlLabels: false,
  flowchart: { htmlLabels: false },
} as const;

/** The cache key: same source, same mermaid version and settings, same picture. */
export function mermaidCacheKey(diagram: string): string {
  const source = validateMermaid(diagram);
  return sha256Hex(JSON.stringify([assetVersion(MERMAID_ASSET), SVG_CONFIG, source])).slice(0, 32);
}

interface MermaidPageApi {
  initialize(config: object): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/**
 * Render a diagram to SVG text in headless Chromium (no network), cached by a hash of the source.
 * Rejects with MermaidUnavailableError, saying what to install, when Chromium or playwright-core is missing.
 */
export async function mermaidSvg(diagram: string, options: MermaidSvgOptions = {}): Promise<string> {
  const source = validateMermaid(diagram);
  const key = mermaidCacheKey(source);
  const dir = options.cacheDir ?? cacheDir("mermaid");
  const file = join(dir, `${key}.svg`);
  if (existsSync(file)) return readFileSync(file, "utf8");

  const executablePath = options.executablePath ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new MermaidUnavailableError(
      `mermaidSvg: no Chromium at ${executablePath}; install it with \`apt-get install chromium\` (Debian/Ubuntu) or pass { executablePath }.`,
    );
  }
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch (error) {
    throw new MermaidUnavailableError(`mermaidSvg: playwright-core is not installed; run \`npm i playwright-core\` (${(error as Error).message.split("\n")[0]}).`);
  }
  const timeout = options.timeoutMs ?? 60_000;
  let browser: import("playwright-core").Browser;
  try {
    // Playwright gives every launch a fresh temporary user-data-dir, removed on close.
    browser = await playwright.chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout });
  } catch (error) {
    throw new MermaidUnavailableError(`mermaidSvg: Chromium at ${executablePath} did not start: ${(error as Error).message.split("\n")[0]}`);
  }
  let svg: string;
  try {
    const context = await browser.newContext();
    await context.route("**/*", (route) => route.abort()); // nothing may come from the network
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent("<!doctype html><html><head><meta charset=\"utf-8\"></head><body></body></html>");
    await page.addScriptTag({ content: assetSource(MERMAID_ASSET) });
    const result = await page.evaluate(
      async ({ text, id, config }) => {
        const api = (window as unknown as { mermaid?: MermaidPageApi }).mermaid;
        if (!api) return { error: "the mermaid bundle did not define window.mermaid" };
        try {
          api.initialize(config);
          const { svg: markup } = await api.render(id, text);
          // Re-serialise as XML: HTML serialisation may leave void tags (<br>) that break image/svg+xml.
          const holder = document.createElement("div");
          holder.innerHTML = markup;
          const element = holder.querySelector("svg");
          if (!element) return { error: "mermaid returned no <svg> element" };
          return { svg: new XMLSerializer().serializeToString(element) };
        } catch (error) {
          return { error: error instanceof Error ? error.message : String(error) };
        }
      },
      { text: source, id: `mermaid-${key.slice(0, 12)}`, config: SVG_CONFIG },
    );
    if ("error" in result && result.error !== undefined) {
      throw new Error(`mermaidSvg: mermaid could not render the diagram: ${result.error}`);
    }
    svg = result.svg as string;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("mermaidSvg:")) throw error;
    throw new MermaidUnavailableError(`mermaidSvg: headless Chromium failed while rendering: ${(error as Error).message.split("\n")[0]}`);
  } finally {
    await browser.close();
  }
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, svg);
  renameSync(partial, file); // atomic: a concurrent reader never sees half a file
  return svg;
}

// ---------------------------------------------------------------- display

/** Which page has mermaid.js (see plot.ts: a reloaded page gets it again). */
const mermaidOnPage = new PerPage();

const MISSING_MESSAGE =
  'mermaid.js is not loaded on this page (the output that carried it was cleared). Run a cell with `import { mermaidSetup } from "shoplm"; mermaidSetup();` and then this one again, or use mermaid(diagram, { svg: true }).';

/** The HTML part that draws in the browser: a <pre class="mermaid"> and mermaid.run on it. */
export function mermaidHtml(source: string, options: { embed: boolean }): string {
  const id = uniqueElementId("shoplm-mermaid");
  const run =
    `<script>(function () {\n` +
    `  var el = document.getElementById(${scriptJson(id)}); var tries = 0;\n` +
    `  function fail(text) { var p = document.createElement("pre"); p.style.color = "#b00"; p.textContent = text; el.parentNode.appendChild(p); }\n` +
    `  function run() {\n` +
    `    var m = window.mermaid;\n` +
    `    if (m) {\n` +
    `      if (!window.__shoplmMermaidReady) { m.initialize({ startOnLoad: false, securityLevel: "strict" }); window.__shoplmMermaidReady = true; }\n` +
    `      m.run({ nodes: [el] }).catch(function (e) { fail("mermaid: " + (e && e.message ? e.message : e)); });\n` +
    `      return;\n` +
    `    }\n` +
    `    if (++tries > 50) { fail(${scriptJson(MISSING_MESSAGE)}); return; }\n` +
    `    setTimeout(run, 100);\n` +
    `  }\n` +
    `  run();\n` +
    `})();</script>`;
  return (
    (options.embed ? inlineAssetScript(MERMAID_ASSET) : "") +
    `<div class="shoplm-mermaid"><pre class="mermaid" id="${id}">${escapeHtml(source)}</pre></div>` +
    run
  );
}

/**
 * Send mermaid.js to the page now (again). Needed only when the output that carried it was
 * cleared; the first mermaid() of a session does it by itself.
 */
export function mermaidSetup(): void {
  const version = assetVersion(MERMAID_ASSET);
  displayBundle({
    "text/html": `${inlineAssetScript(MERMAID_ASSET)}<div class="shoplm-mermaid-setup" style="font-size:0.85em;color:#666">mermaid ${version} loaded for this page (offline).</div>`,
    "text/plain": `mermaid ${version} loaded for this page.`,
  });
  mermaidOnPage.markSent();
}

/** Marker present once per inline mermaid.js bundle in an HTML output. */
export const MERMAID_EMBED_MARKER = assetMarker(MERMAID_ASSET);

function scriptBundle(source: string, note?: string): MimeBundle {
  const embed = mermaidOnPage.needed();
  const bundle: MimeBundle = {
    [MERMAID_MIME]: source,
    "text/html": mermaidHtml(source, { embed }),
    "text/plain": note ? `${note}\n${source}` : source,
  };
  mermaidOnPage.markSent();
  return bundle;
}

/**
 * Show a mermaid diagram. `mermaid(src)` displays at once; `await mermaid(src, { svg: true })`
 * adds a static SVG and falls back to the script version (with a note) when Chromium is missing.
 */
export function mermaid(diagram: string, options?: MermaidOptions & { svg?: false }): void;
export function mermaid(diagram: string, options: MermaidOptions & { svg: true }): Promise<void>;
export function mermaid(diagram: string, options: MermaidOptions = {}): void | Promise<void> {
  const source = validateMermaid(diagram);
  if (!options.svg) {
    displayBundle(scriptBundle(source));
    return;
  }
  return mermaidSvg(source, options).then(
    (svg) => {
      displayBundle({
        [MERMAID_MIME]: source,
        "image/svg+xml": svg,
        "text/html": `<div class="shoplm-mermaid">${svg}</div>`,
        "text/plain": source,
      });
    },
    (error: unknown) => {
      if (!(error instanceof MermaidUnavailableError)) throw error;
      displayBundle(scriptBundle(source, `[static SVG unavailable, showing the interactive diagram: ${error.message.replace(/^mermaidSvg: /, "")}]`));
    },
  );
}
