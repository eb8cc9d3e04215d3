import { describe, expect, it } from "vitest";
import {
  ATTRIBUTE_NAMES,
  BRANDS,
  CATEGORIES,
  DEPARTMENTS,
  MISSPELLINGS,
  NEEDS,
  PERSONAS,
  Rng,
  attributeSpec,
  brandProblems,
  categoryById,
  misspell,
  taxonomyProblems,
  unitVariants,
  valueVariants,
} from "shoplm";

describe("taxonomy", () => {
  it("is sound: no dangling relations, duplicate ids, empty name lists or title/query name clashes", () => {
    expect(taxonomyProblems()).toEqual([]);
    expect(brandProblems()).toEqual([]);
  });

  it("has at least 8 departments and 60 leaf categories, each leaf with a price and attributes", () => {
    expect(DEPARTMENTS.length).toBeGreaterThanOrEqual(8);
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(60);
    for (const c of CATEGORIES) {
      expect(c.basePrice, c.id).toBeGreaterThan(0);
      expect(c.path).toEqual([c.department, c.group, c.name]);
      expect(DEPARTMENTS.find((d) => d.name === c.department)?.categories).toContain(c.id);
    }
  });

  it("uses the attribute kinds the course names, and marks compatibility and sizes as critical somewhere", () => {
    const used = new Set(CATEGORIES.flatMap((c) => c.attributes.map((a) => a.name)));
    for (const name of ["colour", "material", "size", "capacity", "style", "compatibleWith"] as const) expect(used.has(name), name).toBe(true);
    for (const name of used) expect(ATTRIBUTE_NAMES).toContain(name);
    expect(attributeSpec(categoryById("phone-cases"), "compatibleWith")?.critical).toBe(true);
    expect(attributeSpec(categoryById("t-shirts"), "size")?.critical).toBe(true);
    expect(attributeSpec(categoryById("t-shirts"), "colour")?.critical).toBe(false);
  });

  it("names a category with seller words and different shopper words (earbuds / in-ear headphones / ear buds)", () => {
    const earbuds = categoryById("earbuds");
    expect(earbuds.titleNames).toContain("earbuds");
    expect(earbuds.titleNames).toContain("in-ear headphones");
    expect(earbuds.queryNames).toContain("ear buds");
  });

  it("reports an unknown category id by saying what it expected", () => {
    expect(() => categoryById("earbud")).toThrow(/Unknown category id "earbud": expected one of the \d+ leaf ids/);
  });

  it("has brands in every price tier", () => {
    expect(new Set(BRANDS.map((b) => b.tier))).toEqual(new Set(["budget", "mid", "premium", "luxury"]));
  });
});

describe("vocabulary", () => {
  it("needs point at real categories, with attribute values those categories have", () => {
    for (const need of NEEDS) {
      expect(need.phrasings.length, need.id).toBeGreaterThanOrEqual(2);
      for (const t of need.targets) {
        const c = categoryById(t.category);
        for (const [name, value] of Object.entries(t.attributes ?? {})) {
          expect(attributeSpec(c, name)?.values, `${need.id}: ${t.category}.${name}`).toContain(value);
        }
      }
    }
  });

  it("personas point at real categories and needs", () => {
    const needIds = new Set(NEEDS.map((n) => n.id));
    for (const p of PERSONAS) {
      for (const c of p.categories) expect(() => categoryById(c), `${p.id}: ${c}`).not.toThrow();
      for (const n of p.needs) expect(needIds.has(n), `${p.id}: ${n}`).toBe(true);
    }
  });

  it("rewrites values as shoppers type them: synonyms, spellings and units", () => {
    expect(valueVariants("colour", "grey")).toContain("gray");
    expect(valueVariants("material", "aluminium")).toContain("aluminum");
    expect(valueVariants("material", "stainless steel")).toContain("ss");
    expect(unitVariants("1 l")).toEqual(expect.arrayContaining(["1 litre", "34 oz"]));
    expect(unitVariants("500 ml")).toContain("17 oz");
    expect(unitVariants("10000 mAh")).toContain("10k mah");
    expect(unitVariants("2-person")).toContain("2 man");
    expect(valueVariants("colour", "black")).toEqual([]);
  });

  it("misspells deterministically, never returns the word unchanged, and prefers known misspellings", () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const words = ["headphones", "kettle", "organizer", "backpack", "stroller", "waterproof", "lantern"];
    const first = words.map((w) => misspell(w, a));
    expect(words.map((w) => misspell(w, b))).toEqual(first);
    first.forEach((typo, i) => expect(typo).not.toBe(words[i]));
    const rng = new Rng(9);
    let known = 0;
    for (let i = 0; i < 200; i++) if (MISSPELLINGS.kettle.includes(misspell("kettle", rng))) known++;
    expect(known).toBeGreaterThan(110);
    expect(known).toBeLessThan(200);
  });
});
