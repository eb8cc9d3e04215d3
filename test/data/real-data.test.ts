// Loaders on the real public data in ../shared/datasets (read in place, never copied into the
// project). Skipped, with a message, on machines that do not have that folder.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CsvFormatError, loadRecSequences, loadSearchJudgments, searchJudgmentsFrame } from "shoplm";
import { issue, tempDirs } from "../fixtures/temp-dirs";

const projectRoot = path.resolve(__dirname, "../..");
const shared = path.resolve(projectRoot, "../shared/datasets");
const present = existsSync(path.join(shared, "crowdflower-search")) && existsSync(path.join(shared, "amazon-scientific"));
if (!present) console.warn(`test/data/real-data.test.ts: skipped, ${shared} (crowdflower-search, amazon-scientific) not found on this machine.`);

const tempDir = tempDirs("real-data-");


describe.skipIf(!present)("crowdflower-search (../shared/datasets)", () => {
  it("reads all 10 folds: 10,158 pairs, 261 queries, nothing dropped, grades mapped 4/3/2/1 -> E/S/C/I", async () => {
    const result = await loadSearchJudgments(path.join(shared, "crowdflower-search"));
    expect(result.format).toBe("crowdflower");
    expect(result.records).toHaveLength(10158);
    expect(new Set(result.records.map((r) => r.query)).size).toBe(261);
    expect(new Set(result.records.map((r) => r.group))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `fold-${i + 1}`)));
    expect(result.dropped).toEqual([]);
    expect(result.sources).toHaveLength(10);
    expect(result.sources.every((s) => s.encoding === "utf-8")).toBe(true);
    expect(result.sources.reduce((n, s) => n + s.rows, 0)).toBe(10158);
    // Reference counts from Python's csv module over the same files (an independent parser).
    const byGrade = (g: string): number => result.records.filter((r) => r.original === g).length;
    expect([byGrade("4"), byGrade("3"), byGrade("2"), byGrade("1")]).toEqual([6171, 1737, 1476, 774]);
    for (const r of result.records) expect(r.label).toBe({ "4": "E", "3": "S", "2": "C", "1": "I" }[r.original]);
    expect(issue(result.repaired, "missing description (kept as empty)")?.count).toBe(2444);
    const first = result.records[0];
    expect(first).toMatchObject({ query: "light bulb", title: "Wintergreen Lighting Christmas LED Light Bulb (Pack of 25)", original: "2", label: "C", group: "fold-1", source: "fold-1.csv:2" });
    expect(first.description.startsWith("WTGR1011\nFeatures\nNickel base")).toBe(true);
    expect(searchJudgmentsFrame(result.records.slice(0, 5)).shape).toEqual([5, 10]);
  });

  it("strips HTML when asked, and counts the rows it changed", async () => {
    const kept = await loadSearchJudgments(path.join(shared, "crowdflower-search", "fold-1.csv"));
    const stripped = await loadSearchJudgments(path.join(shared, "crowdflower-search", "fold-1.csv"), { stripHtml: true });
    expect(stripped.records).toHaveLength(kept.records.length);
    const withTags = kept.records.filter((r) => /<\/?(br|p|li|ul|div|b|strong)\b/i.test(r.description)).length;
    expect(withTags).toBeGreaterThan(0);
    expect(issue(stripped.repaired, "HTML stripped from description")?.count).toBeGreaterThanOrEqual(withTags);
    expect(stripped.records.filter((r) => /<\/?(br|p|li|ul|div|b|strong)\b/i.test(r.description))).toHaveLength(0);
  });

  it("rejects broken copies with the file, line, column and what was expected", async () => {
    const dir = tempDir();
    const original = readFileSync(path.join(shared, "crowdflower-search", "fold-1.csv"), "utf8");
    const lines = original.split("\n");

    // A stray character after a closing quote on line 2 ("light bulb"x,...): the query column.
    const strayQuote = path.join(dir, "stray-quote.csv");
    writeFileSync(strayQuote, original.replace('7,"light bulb","Wintergreen', '7,"light bulb"x,"Wintergreen'));
    const e1 = await loadSearchJudgments(strayQuote).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CsvFormatError);
    expect(e1).toMatchObject({ file: strayQuote, line: 2, column: 2, field: "query" });
    expect((e1 as Error).message).toMatch(/stray-quote\.csv: line 2, column 2 \(query\): expected a delimiter or the end of the line after the closing quote/);

    // A record with one field too many, far into the file: its line is reported.
    const target = lines.findIndex((l, i) => i > 200 && /^\d+,"[^"]*","[^"]*","/.test(l));
    const tooMany = path.join(dir, "too-many.csv");
    writeFileSync(tooMany, lines.map((l, i) => (i === target ? l.replace(/^(\d+),/, "$1,extra,") : l)).join("\n"));
    const e2 = await loadSearchJudgments(tooMany).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(CsvFormatError);
    expect((e2 as CsvFormatError).line).toBe(target + 1);
    expect((e2 as Error).message).toMatch(new RegExp(`too-many\\.csv: line ${target + 1}, column \\d+: expected 6 fields \\(as in the header\\), got 7`));

    // A quote that never closes: reported where its record starts.
    const unclosed = path.join(dir, "unclosed.csv");
    const body = original.endsWith("\n") ? original : `${original}\n`;
    writeFileSync(unclosed, `${body}99999,"broken query,title,,1,0\n`);
    const e3 = await loadSearchJudgments(unclosed).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(CsvFormatError);
    expect((e3 as CsvFormatError).line).toBe(body.split("\n").length);
    expect((e3 as Error).message).toMatch(/expected a closing quote/);
  });
});

describe.skipIf(!present)("amazon-scientific (../shared/datasets)", () => {
  it("reads 4,344 items, 8,317 users and 58,492 interactions; counts the items with missing fields", async () => {
    const result = await loadRecSequences(path.join(shared, "amazon-scientific"));
    expect(result.format).toBe("amazon-json");
    expect(result.items).toHaveLength(4344);
    expect(result.records).toHaveLength(8317);
    expect(result.interactions).toBe(58492);
    expect(result.records.reduce((n, s) => n + s.items.length, 0)).toBe(58492);
    expect(result.dropped).toEqual([]);
    expect(issue(result.repaired, "item without categories (kept, empty)")?.count).toBe(131);
    expect(issue(result.repaired, "item without description (kept, empty)")?.count).toBe(123);
    const first = result.items.find((i) => i.id === "0")!;
    expect(first.categories).toEqual(["Industrial & Scientific", "Industrial Electrical", "Passive Components", "Capacitors"]);
    expect(result.items.some((i) => i.categories.includes("Tapes, Adhesives & Sealants"))).toBe(true);
    expect(result.records.find((s) => s.user === "0")?.items).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(result.records[0].timestamps).toBeNull();
  });

  it("rejects a broken items.json with its line and column, and drops (and counts) unknown item ids", async () => {
    const dir = tempDir();
    const items = readFileSync(path.join(shared, "amazon-scientific", "items.json"), "utf8");
    const lines = items.split("\n");
    const at = lines.findIndex((l) => l.includes('"title"') && l.trim().endsWith(","));
    const broken = lines.map((l, i) => (i === at ? l.replace(/,$/, "") : l)).join("\n");
    writeFileSync(path.join(dir, "items.json"), broken);
    copyFileSync(path.join(shared, "amazon-scientific", "sequences.json"), path.join(dir, "sequences.json"));
    const error = await loadRecSequences(dir).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`items\\.json: line ${at + 2}, column \\d+: expected valid JSON`));

    const small = tempDir();
    writeFileSync(path.join(small, "items.json"), JSON.stringify({ a: { title: "A" }, b: { title: "B", categories: "X,Y" } }));
    writeFileSync(path.join(small, "sequences.json"), JSON.stringify({ u1: ["a", "zz", "b"], u2: ["zz"] }));
    const result = await loadRecSequences(small);
    expect(result.records).toEqual([{ user: "u1", items: ["a", "b"], timestamps: null }]);
    expect(issue(result.dropped, "interaction with an item id not in the item file")?.count).toBe(2);
    expect(issue(result.dropped, "user with no interactions left")?.count).toBe(1);
  });
});
