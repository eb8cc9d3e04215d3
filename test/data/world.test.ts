import { beforeAll, describe, expect, it } from "vitest";
import {
  CATEGORIES,
  PROFILES,
  QUERY_KINDS,
  attributeSpec,
  categoryById,
  esciGrade,
  generateProducts,
  generateWorld,
  kindCounts,
  splitOf,
  type Product,
  type ShopWorld,
} from "shoplm";

let world: ShopWorld;
let byId: Map<string, Product>;
const settings = PROFILES.fast.shop;

beforeAll(() => {
  world = generateWorld(settings);
  byId = new Map(world.products.map((p) => [p.id, p]));
});

describe("generated catalog", () => {
  it("has the profile's sizes, unique ids, and one valid value for every attribute of its category", () => {
    expect(world.products).toHaveLength(settings.products);
    expect(new Set(world.products.map((p) => p.id)).size).toBe(settings.products);
    for (const p of world.products) {
      const c = categoryById(p.category);
      expect(p.categoryPath).toEqual(c.path);
      expect(Object.keys(p.attributes)).toEqual(c.attributes.map((a) => a.name));
      for (const spec of c.attributes) expect(spec.values, `${p.id}.${spec.name}`).toContain(p.attributes[spec.name]);
      expect(p.price).toBeGreaterThan(0);
      expect(Math.round(p.price * 100) / 100).toBe(p.price);
      expect(p.rating === null).toBe(p.reviewCount === 0);
      if (p.rating !== null) expect(p.rating).toBeGreaterThanOrEqual(1);
      expect(p.launchDate >= "2019-01-01" && p.launchDate <= "2025-06-20").toBe(true);
      expect(p.popularity).toBeGreaterThan(0);
    }
  });

  it("covers every category, with long-tailed popularity (mean 1, a few hits)", () => {
    expect(new Set(world.products.map((p) => p.category)).size).toBe(CATEGORIES.length);
    const pops = world.products.map((p) => p.popularity).sort((a, b) => b - a);
    const mean = pops.reduce((s, x) => s + x, 0) / pops.length;
    expect(mean).toBeCloseTo(1, 1);
    const top1 = pops.slice(0, pops.length / 100).reduce((s, x) => s + x, 0) / (mean * pops.length);
    expect(top1).toBeGreaterThan(0.1);
    expect(pops[Math.floor(pops.length / 2)]).toBeLessThan(0.8);
  });

  it("varies titles: several names per category, several layouts, brand not always first", () => {
    for (const id of ["earbuds", "office-chairs", "water-bottles"]) {
      const c = categoryById(id);
      const titles = world.products.filter((p) => p.category === id).map((p) => p.title.toLowerCase());
      const namesUsed = c.titleNames.filter((n) => titles.some((t) => t.includes(n.toLowerCase())));
      expect(namesUsed.length, id).toBeGreaterThanOrEqual(3);
    }
    const brandFirst = world.products.filter((p) => p.title.toLowerCase().startsWith(p.brand.toLowerCase())).length / world.products.length;
    expect(brandFirst).toBeGreaterThan(0.3);
    expect(brandFirst).toBeLessThan(0.9);
    const openers = new Set(world.products.map((p) => p.description.split(" ").slice(0, 2).join(" ")));
    expect(openers.size).toBeGreaterThan(50);
  });

  it("is deterministic from the seed, and another seed gives another catalog", () => {
    const a = generateProducts(400, 11);
    expect(generateProducts(400, 11)).toEqual(a);
    const b = generateProducts(400, 12);
    expect(b.map((p) => p.title)).not.toEqual(a.map((p) => p.title));
  });

  it("rejects a catalog too small to hold every category", () => {
    expect(() => generateProducts(10, 1)).toThrow(/expected an integer count of at least \d+ \(one per category\), got 10/);
  });
});

describe("generated queries and judgments", () => {
  it("has every kind in the planned numbers, unique texts, and kind-specific fields", () => {
    expect(world.queries).toHaveLength(settings.queries);
    const counts = kindCounts(settings.queries);
    for (const kind of QUERY_KINDS) expect(world.queries.filter((q) => q.kind === kind).length, kind).toBe(counts[kind]);
    expect(new Set(world.queries.map((q) => q.text)).size).toBe(world.queries.length);
    for (const q of world.queries) {
      expect(q.intent.targets.length, q.text).toBeGreaterThan(0);
      if (q.kind === "misspelled") expect(q.corrected && q.corrected !== q.text).toBe(true);
      else expect(q.corrected).toBeNull();
      if (q.kind === "vague") expect(q.intent.need).not.toBeNull();
      if (q.kind === "exact-product") expect(q.intent.family).not.toBeNull();
      if (q.kind === "brand") expect(q.intent.brand).not.toBeNull();
    }
    expect(new Set(world.queries.map((q) => q.split))).toEqual(new Set(["train", "validation", "test"]));
  });

  it("judges judgedPerQuery distinct products per query, with at least one Exact, labels = esciGrade of the intent", () => {
    const queries = new Map(world.queries.map((q) => [q.id, q]));
    const pools = new Map<string, string[]>();
    for (const j of world.judgments) {
      const q = queries.get(j.query);
      const p = byId.get(j.product);
      expect(q && p, `${j.query} / ${j.product}`).toBeTruthy();
      expect(j.label).toBe(esciGrade(q!.intent, p!));
      pools.set(j.query, [...(pools.get(j.query) ?? []), j.label]);
      expect(pools.get(j.query)!.length).toBeLessThanOrEqual(settings.judgedPerQuery);
    }
    for (const q of world.queries) {
      const labels = pools.get(q.id) ?? [];
      expect(labels, q.text).toHaveLength(settings.judgedPerQuery);
      expect(labels, q.text).toContain("E");
    }
    const pairs = new Set(world.judgments.map((j) => `${j.query}|${j.product}`));
    expect(pairs.size).toBe(world.judgments.length);
  });

  it("puts hard negatives in the pools: same category, wrong attribute (often the same model in another variant)", () => {
    const queries = new Map(world.queries.map((q) => [q.id, q]));
    let withHard = 0;
    let siblingNegatives = 0;
    let criticalIrrelevant = 0;
    const perQuery = new Map<string, boolean>();
    for (const j of world.judgments) {
      const q = queries.get(j.query)!;
      const p = byId.get(j.product)!;
      const target = q.intent.targets.find((t) => t.category === p.category);
      if (!target || j.label === "E" || q.intent.brandOnly) continue;
      perQuery.set(q.id, true);
      if (q.intent.family === p.family) siblingNegatives++;
      if (j.label === "I" && Object.keys(target.attributes).some((a) => attributeSpec(categoryById(p.category), a)?.critical)) criticalIrrelevant++;
    }
    // Queries that ask for something beyond the category (an attribute, a brand, a model) can be missed by a same-category product.
    const specific = world.queries.filter((q) => !q.intent.brandOnly && (q.intent.brand !== null || q.intent.targets.some((t) => Object.keys(t.attributes).length > 0)));
    withHard = specific.filter((q) => perQuery.get(q.id)).length;
    expect(specific.length).toBeGreaterThan(world.queries.length / 2);
    expect(withHard / specific.length).toBeGreaterThan(0.95);
    expect(siblingNegatives).toBeGreaterThan(20);
    expect(criticalIrrelevant).toBeGreaterThan(20);
  });
});

describe("generated users and sessions", () => {
  it("has users with hidden preferences over real categories and brands", () => {
    expect(world.users).toHaveLength(settings.users);
    for (const u of world.users) {
      expect(u.preferences.categories.length).toBeGreaterThan(0);
      for (const c of u.preferences.categories) expect(() => categoryById(c.value)).not.toThrow();
      expect(u.preferences.priceSensitivity).toBeGreaterThanOrEqual(0);
      expect(u.preferences.priceSensitivity).toBeLessThanOrEqual(1);
    }
    const activity = world.users.map((u) => u.preferences.activity);
    expect(activity.reduce((s, x) => s + x, 0) / activity.length).toBeGreaterThan(0.8);
    expect(activity.reduce((s, x) => s + x, 0) / activity.length).toBeLessThan(1.2);
  });

  it("logs consistent sessions: time order, splits by time, clicks on shown results, nothing before its launch or the user's join", () => {
    const users = new Map(world.users.map((u) => [u.id, u]));
    const queries = new Set(world.queries.map((q) => q.id));
    let previous = "";
    for (const s of world.sessions) {
      expect(s.start >= previous).toBe(true);
      previous = s.start;
      expect(s.split).toBe(splitOf(s.start));
      const user = users.get(s.user);
      expect(user).toBeDefined();
      expect(s.start.slice(0, 10) >= user!.joined).toBe(true);
      let shown: readonly string[] | null = null;
      let t = 0;
      const carted = new Set<string>();
      for (const e of s.events) {
        expect(e.t).toBeGreaterThanOrEqual(t);
        t = e.t;
        if (e.type === "search") {
          expect(queries.has(e.query)).toBe(true);
          expect(new Set(e.shown).size).toBe(e.shown.length);
          shown = e.shown;
        } else {
          const p = byId.get(e.product);
          expect(p).toBeDefined();
          expect(p!.launchDate <= s.start.slice(0, 10)).toBe(true);
          if (e.type === "click") expect(shown?.[e.position - 1]).toBe(e.product);
          if (e.type === "cart") carted.add(e.product);
          if (e.type === "purchase") expect(carted.has(e.product)).toBe(true);
        }
      }
    }
    for (const split of ["train", "validation", "test"]) expect(world.sessions.some((s) => s.split === split)).toBe(true);
  });
});
