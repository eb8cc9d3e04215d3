/** The bilingual glossary: linked from every notebook's first cell, shipped to students, complete for the course's core terms. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RELEASE_ENTRIES, cellSource, parseNotebook } from "shoplm/instructor";

const ROOT = path.resolve(__dirname, "..", "..");
const glossary = readFileSync(path.join(ROOT, "docs", "glossary.md"), "utf8");

describe("the glossary", () => {
  it("every notebook links to it from its first cell, and the link resolves", () => {
    for (const name of readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
      const nb = parseNotebook(readFileSync(path.join(ROOT, "notebooks", name), "utf8"), name);
      const link = /\]\(([^)]*glossary\.md)\)/.exec(cellSource(nb.cells[0]));
      expect(link, `${name} does not link to the glossary in its first cell`).not.toBeNull();
      expect(existsSync(path.resolve(ROOT, "notebooks", link![1]))).toBe(true);
    }
  });

  it("pairs the course's core terms in English and Chinese, one row each", () => {
    const rows = glossary.split("\n").filter((l) => /^\| [^-|]/.test(l) && !l.startsWith("| English"));
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) expect(row.split("|").filter((c) => c.trim()).length, row).toBe(4);
    for (const [en, zh] of [
      ["pretraining", "预训练"],
      ["fine-tuning", "微调"],
      ["feature extraction", "特征提取"],
      ["retrieval", "召回"],
      ["ranking", "排序"],
      ["click-through rate", "点击率"],
      ["A/B test", "A/B 测试"],
    ]) {
      expect(rows.some((r) => r.includes(en) && r.includes(zh)), `${en} / ${zh}`).toBe(true);
    }
  });

  it("ships in the student release", () => {
    expect(RELEASE_ENTRIES).toContain("docs/glossary.md");
  });
});
