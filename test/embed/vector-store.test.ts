import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadShop, Rng } from "shoplm";
import { catalogRows, catalogWhere, VectorStore, type CatalogRow } from "../../lib/src/embed/vector-store";
import { ExactIndex } from "../../lib/src/embed/vector-search";

const DIM = 16;
const CATEGORIES = ["earbuds", "kettles", "tents", "o'brien's"];

function catalog(seed: number, count: number): CatalogRow[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: 3 * i + 1,
    vector: Array.from({ length: DIM }, () => rng.normal()),
    category: CATEGORIES[i % CATEGORIES.length],
    department: i % 2 === 0 ? "audio" : "outdoor",
    price: Math.round(rng.uniform(5, 500) * 100) / 100,
    title: `product ${i}`,
  }));
}

describe("VectorStore (LanceDB)", () => {
  const rows = catalog(31, 300);
  const queries = catalog(32, 12).map((row) => row.vector);
  let dir = "";
  let store: VectorStore;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vector-store-"));
    store = await VectorStore.create(path.join(dir, "catalog"), rows, { dimension: DIM, modelId: "encoder@1", metric: "cosine" });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Exact search over the rows that pass `keep`: the expected answer. */
  function exactOver(keep: (row: CatalogRow) => boolean) {
    const index = new ExactIndex({ dimension: DIM, modelId: "encoder@1", metric: "cosine", kernel: "js" });
    const kept = rows.filter(keep);
    index.add(kept.map((r) => r.vector), kept.map((r) => r.id));
    return index;
  }

  it("vector search equals exact search (ids and cosine scores)", async () => {
    const exact = exactOver(() => true);
    for (const q of queries) {
      const hits = await store.search(q, 10);
      const want = exact.search(q, 10);
      expect(hits.map((h) => h.id)).toEqual(want.ids);
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(want.scores[i], 5));
    }
    const first = (await store.search(queries[0], 1))[0];
    const row = rows.find((r) => r.id === first.id)!;
    expect(first).toMatchObject({ category: row.category, department: row.department, price: row.price, title: row.title });
  });

  it("filters by category, department and price range before taking the top k", async () => {
    const cases = [
      { filter: { category: "kettles" }, keep: (r: CatalogRow) => r.category === "kettles" },
      { filter: { category: ["tents", "earbuds"], maxPrice: 200 }, keep: (r: CatalogRow) => ["tents", "earbuds"].includes(r.category) && r.price <= 200 },
      { filter: { department: "outdoor", minPrice: 100, maxPrice: 300 }, keep: (r: CatalogRow) => r.department === "outdoor" && r.price >= 100 && r.price <= 300 },
      // A quote in a category name is data, not SQL.
      { filter: { category: "o'brien's" }, keep: (r: CatalogRow) => r.category === "o'brien's" },
    ];
    for (const { filter, keep } of cases) {
      const exact = exactOver(keep);
      for (const q of queries.slice(0, 4)) {
        const hits = await store.search(q, 8, filter);
        expect(hits.map((h) => h.id)).toEqual(exact.search(q, 8).ids);
        for (const h of hits) expect(keep(rows.find((r) => r.id === h.id)!)).toBe(true);
      }
    }
    expect(await store.search(queries[0], 5, { category: "x' OR '1'='1" })).toEqual([]);
  });

  it("k larger than the matches returns them all", async () => {
    expect(await store.search(queries[0], 1000)).toHaveLength(300);
    const few = rows.filter((r) => r.category === "tents" && r.price < 60).length;
    expect(await store.search(queries[0], 1000, { category: "tents", maxPrice: 59.999 })).toHaveLength(few);
  });

  it("reopens from its folder and refuses another model or dimension", async () => {
    const folder = path.join(dir, "catalog");
    const again = await VectorStore.open(folder, { dimension: DIM, modelId: "encoder@1" });
    expect(again.size).toBe(300);
    expect(await again.search(queries[1], 5)).toEqual(await store.search(queries[1], 5));
    await expect(VectorStore.open(folder, { modelId: "encoder@2" })).rejects.toThrow(/built with modelId "encoder@1", expected "encoder@2"/);
    await expect(VectorStore.open(folder, { dimension: 128 })).rejects.toThrow(/built with dimension 16, expected 128/);
    await expect(VectorStore.open(path.join(dir, "nowhere"))).rejects.toThrow(/store.json is missing/);
    expect(readdirSync(folder).sort()).toEqual(["catalog.lance", "store.json"]);
  });

  it("a sidecar that disagrees with the table is refused", async () => {
    const folder = path.join(dir, "small");
    await VectorStore.create(folder, rows.slice(0, 20), { dimension: DIM, modelId: "m", metric: "ip" });
    const sidecar = path.join(folder, "store.json");
    const good = JSON.parse(readFileSync(sidecar, "utf8"));
    writeFileSync(sidecar, JSON.stringify({ ...good, count: 21 }));
    await expect(VectorStore.open(folder)).rejects.toThrow(/holds 20 rows, its sidecar says 21/);
    writeFileSync(sidecar, JSON.stringify({ ...good, dimension: 8 }));
    await expect(VectorStore.open(folder)).rejects.toThrow(/vector column has dimension 16, its sidecar says 8/);
    writeFileSync(sidecar, JSON.stringify({ ...good, table: "other" }));
    await expect(VectorStore.open(folder)).rejects.toThrow(/has no table "other" \(found catalog\)/);
  });

  it("bad input: rows, queries, k and filters", async () => {
    const meta = { dimension: DIM, modelId: "m", metric: "cosine" } as const;
    const target = path.join(dir, "bad");
    await expect(VectorStore.create(target, [], meta)).rejects.toThrow(/no rows/);
    await expect(VectorStore.create(target, [{ ...rows[0], vector: [1, 2] }], meta)).rejects.toThrow(/row 0 \(id 1\) has a vector of dimension 2, expected 16/);
    await expect(VectorStore.create(target, [{ ...rows[0], vector: new Array(DIM).fill(0) }], meta)).rejects.toThrow(/vectors row 0 \(id 1\) is a zero vector/);
    const nan = [...rows[0].vector as number[]];
    nan[3] = Number.NaN;
    await expect(VectorStore.create(target, [rows[1], { ...rows[0], vector: nan }], meta)).rejects.toThrow(/vectors row 1 \(id 1\), column 3 is NaN/);
    await expect(VectorStore.create(target, [rows[0], rows[0]], meta)).rejects.toThrow(/row 1 repeats id 1/);
    await expect(VectorStore.create(target, [{ ...rows[0], price: Number.NaN }], meta)).rejects.toThrow(/price must be a finite number/);
    await expect(store.search([1, 2, 3], 5)).rejects.toThrow(/query row 0 has dimension 3, expected 16/);
    await expect(store.search(new Array(DIM).fill(0), 5)).rejects.toThrow(/query row 0 is a zero vector/);
    await expect(store.search(queries[0], 0)).rejects.toThrow(/k must be a positive integer, got 0/);
    await expect(store.search(queries[0], 5, { minPrice: 10, maxPrice: 5 })).rejects.toThrow(/minPrice 10 is above filter.maxPrice 5/);
    await expect(store.search(queries[0], 5, { category: [] })).rejects.toThrow(/filter.category must be a string or a non-empty array/);
    expect(catalogWhere({ category: ["a", "b"], minPrice: 1.5 })).toBe("category IN ('a', 'b') AND price >= 1.5");
    expect(catalogWhere({})).toBeNull();
  });

  it("catalogRows: the shop's products with their vectors, id = position", async () => {
    const products = loadShop("fast").products.slice(0, 200);
    const rng = new Rng(5);
    const embeddings = { vectors: Float32Array.from({ length: 200 * DIM }, () => rng.normal()), dimension: DIM, modelId: "random" };
    const shopRows = catalogRows(products, embeddings);
    expect(shopRows[7]).toMatchObject({ id: 7, category: products[7].category, department: products[7].categoryPath[0], price: products[7].price, title: products[7].title });
    expect(Array.from(shopRows[7].vector)).toEqual(Array.from(embeddings.vectors.subarray(7 * DIM, 8 * DIM)));
    const shopStore = await VectorStore.create(path.join(dir, "shop"), shopRows, { dimension: DIM, modelId: "random", metric: "cosine" });
    const category = products[3].category;
    const hits = await shopStore.search(shopRows[3].vector, 5, { category });
    expect(hits[0].id).toBe(3);
    expect(hits[0].score).toBeCloseTo(1, 5);
    for (const h of hits) expect(products[h.id].category).toBe(category);
    expect(() => catalogRows(products.slice(0, 10), embeddings)).toThrow(/10 products but 200 embedded rows/);
  });
});
