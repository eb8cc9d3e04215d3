import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ATTRIBUTE_TAGS,
  ATTRIBUTE_TAG_TYPES,
  attributeTagRows,
  gzipDeterministic,
  loadAttributeTags,
  loadShop,
  splitWords,
  tagQuery,
  tagTitle,
  titleSplit,
  wordSpans,
  writeFiles,
  type AttributeTagRow,
  type LoadedShop,
} from "shoplm";
// Plumbing, not in the root API: the matcher and the row parser.
import { parseAttributeTags, tagMentions } from "../../lib/src/data/attribute-tags";

const dataDir = path.resolve(__dirname, "../../data");
let shop: LoadedShop;
let rows: AttributeTagRow[];

beforeAll(() => {
  shop = loadShop("fast");
  rows = loadAttributeTags("fast");
});

const show = (r: Pick<AttributeTagRow, "words" | "tags">): string => r.words.map((w, i) => (r.tags[i] === "O" ? w : `${w}/${r.tags[i]}`)).join(" ");

describe("words", () => {
  it("split on spaces and punctuation, keeping punctuation inside a word", () => {
    expect(splitWords('Sonara 13" Laptop Sleeve (SN-EC739), USB-C – men\'s 15.6 Inch')).toEqual(["Sonara", "13", '"', "Laptop", "Sleeve", "(", "SN-EC739", ")", ",", "USB-C", "–", "men's", "15.6", "Inch"]);
    expect(splitWords("Kids' Bike Helmet")).toEqual(["Kids", "'", "Bike", "Helmet"]);
    expect(splitWords("   ")).toEqual([]);
    const text = "Basix Case | for Orbis S5";
    for (const s of wordSpans(text)) expect(text.slice(s.start, s.end)).toBe(s.word);
  });
});

describe("tags from the records", () => {
  it("a hand-checked title: brand, material, colour and size with its unit", () => {
    const p = shop.products.find((x) => x.id === "p00004")!;
    expect(p.title).toBe("Sonara Polyester Laptop Sleeve, Beige, 13 Inch");
    expect(tagTitle(p)).toEqual(["B-brand", "B-material", "O", "O", "O", "B-colour", "O", "B-size", "I-size"]);
  });

  it("the model line is never a size, 'for' and 'Size' introduce a value without joining it, longer matches win", () => {
    const title = { title: "Marlowe Chelsea S Hoodie, Size S | for Orbis S5", brand: "Marlowe", family: "marlowe-chelsea-s-hoodies", category: "hoodies", model: "MW-CH100", attributes: { size: "S", compatibleWith: "Orbis S5" } };
    expect(show({ words: splitWords(title.title), tags: tagTitle(title) })).toBe("Marlowe/B-brand Chelsea S Hoodie , Size S/B-size | for Orbis/B-compatibleWith S5/I-compatibleWith");
    // A brand that is also the device's maker: the device span (two words) is claimed first.
    const orbis = { ...title, title: "Orbis Slim Case for Orbis S5", brand: "Orbis", family: "orbis-slim-phone-cases", category: "phone-cases", attributes: { compatibleWith: "Orbis S5" } };
    expect(tagTitle(orbis)).toEqual(["B-brand", "O", "O", "O", "B-compatibleWith", "I-compatibleWith"]);
    // Reserved words stay O even when they spell a value; an untagged attribute claims its words.
    expect(tagMentions(["pulse", "s", "spf", "30", "s"], [{ type: "size", forms: [["s"]] }, { type: null, forms: [["spf", "30"]] }, { type: "size", forms: [["30"]] }], [["pulse", "s"]])).toEqual(["O", "O", "O", "O", "B-size"]);
  });

  it("queries: synonyms and units are tagged; a misspelled word keeps the tag of the word it replaced", () => {
    const byText = new Map(rows.map((r) => [r.text, r]));
    expect(show(byText.get("android phone 256 gig")!)).toBe("android phone 256/B-capacity gig/I-capacity");
    expect(show(byText.get("wired balck studio headphones")!)).toBe("wired balck/B-colour studio headphones");
    const q = shop.queries.find((x) => x.text === "wired balck studio headphones")!;
    expect(q.corrected).toBe("wired black studio headphones");
    expect(tagQuery({ ...q, text: q.corrected as string, corrected: null })).toEqual(tagQuery(q));
    expect(() => tagQuery({ ...q, text: "wired balck-studio headphones" })).toThrow(/3 words but its corrected text .* has 4/);
  });

  it("every attribute a category-attribute or synonym query asked for is a span, every brand query names its brand, vague queries have none", () => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    let checked = 0;
    for (const q of shop.queries) {
      const tags = byId.get(q.id)!.tags;
      if (q.kind === "vague") expect(tags.every((t) => t === "O"), q.text).toBe(true);
      if (q.kind === "brand") expect(tags, q.text).toContain("B-brand");
      if (q.kind !== "category-attribute" && q.kind !== "synonym") continue;
      for (const name of Object.keys(q.intent.targets[0].attributes)) {
        if (!(ATTRIBUTE_TAG_TYPES as readonly string[]).includes(name)) continue;
        expect(tags, `${q.text}: ${name}`).toContain(`B-${name}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("every title names its brand; only the six types and O are used; no I- without its B-", () => {
    for (const r of rows) {
      if (r.source === "title") expect(r.tags, r.text).toContain("B-brand");
      r.tags.forEach((t, i) => {
        expect(ATTRIBUTE_TAGS).toContain(t);
        if (t.startsWith("I-")) expect([`B-${t.slice(2)}`, t]).toContain(r.tags[i - 1]);
      });
    }
  });

  it("the file holds exactly what the records give (queries, then titles), and a family's titles share one split", () => {
    expect(rows).toEqual(attributeTagRows(shop));
    expect(rows.map((r) => r.id)).toEqual([...shop.queries.map((q) => q.id), ...shop.products.map((p) => p.id)]);
    const splits = new Map<string, string>();
    for (const p of shop.products) {
      const s = titleSplit(p);
      expect(splits.get(p.family) ?? s).toBe(s);
      splits.set(p.family, s);
    }
    const titles = rows.filter((r) => r.source === "title");
    const share = (s: string): number => titles.filter((r) => r.split === s).length / titles.length;
    expect(share("train")).toBeGreaterThan(0.6);
    expect(share("test")).toBeGreaterThan(0.1);
    for (const q of shop.queries) expect(rows.find((r) => r.id === q.id)!.split).toBe(q.split);
  });
});

describe("bad input: errors name the file, line, column and field", () => {
  const good = '{"source":"query","id":"q1","split":"train","text":"red mug","words":["red","mug"],"tags":["B-colour","O"]}';
  it("a tag outside the tag set", () => {
    expect(() => parseAttributeTags(`${good}\n${good.replace('"B-colour"', '"B-color"')}\n`, "a.jsonl")).toThrow(
      /a\.jsonl: line 2, column 92: field "tags\[0\]": expected a tag of \{O, B-brand, .*\}, found "B-color"/
    );
  });
  it("a tags/words length mismatch, an empty text, a bad split, invalid JSON", () => {
    expect(() => parseAttributeTags(good.replace('"tags":["B-colour","O"]', '"tags":["O"]'), "a.jsonl")).toThrow(/line 1, column \d+: field "tags": expected one tag per word \(2 words, 1 tags\), found \["O"\]/);
    expect(() => parseAttributeTags(good.replace('"text":"red mug"', '"text":" "'), "a.jsonl")).toThrow(/line 1, column 52: field "text": expected a non-empty text, found " "/);
    expect(() => parseAttributeTags(good.replace('"train"', '"dev"'), "a.jsonl")).toThrow(/field "split": expected train, validation or test, found "dev"/);
    expect(() => parseAttributeTags(`${good}\n{"source":"query",,}`, "a.jsonl")).toThrow(/a\.jsonl: line 2, column 19: expected one JSON object per line/);
  });
  it("a file whose rows disagree with the manifest, or missing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tags-"));
    try {
      writeFiles(dir, new Map([
        ["manifest.json", Buffer.from(JSON.stringify({ files: [{ name: "attributes.jsonl.gz", rows: 2, contentSha256: "" }] }))],
        ["attributes.jsonl.gz", gzipDeterministic(`${good}\n`)],
      ]));
      expect(() => loadAttributeTags(dir)).toThrow(/attributes\.jsonl\.gz: the manifest says 2 rows, the file has 1/);
      rmSync(path.join(dir, "attributes.jsonl.gz"));
      expect(() => loadAttributeTags(dir)).toThrow(/Shop file not found: .*attributes\.jsonl\.gz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dataset card", () => {
  it("states the per-type span counts and per-tag word counts of both shipped files", () => {
    const card = readFileSync(path.join(dataDir, "README.md"), "utf8");
    const start = card.indexOf("### Attribute tags (attributes.jsonl.gz)");
    expect(start).toBeGreaterThan(0);
    const table = new Map<string, number[]>();
    for (const line of card.slice(start, card.indexOf("\n\n", card.indexOf("|", start))).split("\n")) {
      const cells = line.split("|").slice(1, -1).map((c) => c.trim());
      if (cells.length === 5 && !cells[1].startsWith("-")) table.set(cells[0], cells.slice(1).map((c) => Number(c.replace(/,/g, ""))));
    }
    const full = loadAttributeTags("full");
    for (const [col, data] of [[0, rows.filter((r) => r.source === "query")], [1, rows.filter((r) => r.source === "title")], [2, full.filter((r) => r.source === "query")], [3, full.filter((r) => r.source === "title")]] as const) {
      expect(table.get("texts")![col]).toBe(data.length);
      for (const type of ATTRIBUTE_TAG_TYPES) expect(table.get(`spans: ${type}`)![col], type).toBe(data.reduce((n, r) => n + r.tags.filter((t) => t === `B-${type}`).length, 0));
      for (const tag of ATTRIBUTE_TAGS) expect(table.get(`words tagged ${tag}`)![col], tag).toBe(data.reduce((n, r) => n + r.tags.filter((t) => t === tag).length, 0));
    }
  });

  it("quotes examples that are in data/fast with the tags it shows", () => {
    const card = readFileSync(path.join(dataDir, "README.md"), "utf8").replace(/\s*\n\s*/g, " ");
    const byText = new Map(rows.map((r) => [r.text, r]));
    let checked = 0;
    for (const m of card.matchAll(/"([^"]+)" is `([^`]+)`/g)) {
      expect(byText.get(m[1])?.tags.join(" "), m[1]).toBe(m[2]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});

afterAll(() => {
  shop = undefined as unknown as LoadedShop;
  rows = [];
});
