/**
 * Formulas read like a textbook: every chapter notebook, exported to HTML with the course's local
 * MathJax (`npm run export-html`), is opened in headless Chromium with every network request
 * refused; MathJax must typeset its formulas, and no raw TeX may be left in the rendered text.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ESM script of the project, typed by use
import { MATHJAX, exportHtml } from "../../scripts/export-html.mjs";

const CHROMIUM = "/usr/bin/chromium";
const ready = existsSync(CHROMIUM) && existsSync(MATHJAX as string);
if (!ready) console.warn(`formula rendering tests skipped: need ${CHROMIUM} and ${MATHJAX as string} (npm run setup installs both as root).`);

const CHAPTERS = ["00_the_shop", "01_pretraining", "05_evaluation"];

describe.skipIf(!ready)("formulas in the exported chapters, offline Chromium", () => {
  let browser: Browser;
  let out: string;
  let pages: string[];
  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), "course-html-"));
    pages = (exportHtml as (o: { names: string[]; out: string }) => string[])({ names: CHAPTERS, out });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"] });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(out, { recursive: true, force: true });
  });

  for (const [i, name] of CHAPTERS.entries()) {
    it(`${name}: MathJax typesets its formulas and no raw TeX is left`, async () => {
      const page = await browser.newPage();
      // Offline: only the page itself and the local MathJax files load.
      await page.route("**/*", (route) => (route.request().url().startsWith("file://") ? route.continue() : route.abort()));
      await page.goto(`file://${pages[i]}`);
      await page.waitForFunction(
        () => {
          const hub = (window as unknown as { MathJax?: { Hub?: { queue?: { pending: number; running: number } } } }).MathJax?.Hub;
          return !!hub?.queue && hub.queue.pending === 0 && hub.queue.running === 0 && document.querySelectorAll(".MathJax_CHTML, .MathJax_Display").length > 0;
        },
        undefined,
        { timeout: 120_000 }
      );
      const { typeset, errors, raw } = await page.evaluate(() => {
        const text = Array.from(document.querySelectorAll(".jp-MarkdownCell, .text_cell_render"))
          .map((e) => (e as HTMLElement).innerText)
          .join("\n");
        const rawTex = text.match(/\$\$|\\(frac|sum|mathrm|sqrt|text|left|right|operatorname|lceil|log)\b|\$[^\s$][^$\n]*[^\s$]\$/g) ?? [];
        return { typeset: document.querySelectorAll(".MathJax_CHTML").length, errors: document.querySelectorAll(".MathJax_Error, .mjx-merror, [data-mjx-error]").length, raw: rawTex.slice(0, 5) };
      });
      await page.close();
      expect(typeset).toBeGreaterThan(3);
      expect(errors).toBe(0);
      expect(raw).toEqual([]);
    }, 180_000);
  }
});
