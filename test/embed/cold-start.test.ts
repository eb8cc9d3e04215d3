import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bagOfWordsNeighbours, coldProducts, coldStartNeighbours, coldStartTable, cosineMatrix, embeddingMap, embedTexts, initBackend,
  interactionCounts, loadShop, loadTextEmbedder, nearestNeighbours, neighbourCategoryAccuracy, pca, randomEmbeddings, Rng,
  similarityHeatmap, type EmbeddingMatrix, type LoadedShop,
} from "shoplm";

const PYTHON = "/usr/bin/python3";
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
if (!hasSklearn) console.warn("test/embed/cold-start.test.ts: the scikit-learn TF-IDF check is skipped: no python3-sklearn at /usr/bin/python3 (npm run setup installs it).");

/** Brute force in float64: the k most cosine-similar other rows, ties by lower index, groups excluded. */
function bruteForce(m: EmbeddingMatrix, k: number, groups?: Int32Array): number[][] {
  const d = m.dimension;
  const row = (i: number) => Array.from(m.vectors.subarray(i * d, (i + 1) * d));
  const cos = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j], 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
  return Array.from({ length: m.count }, (_, i) =>
    Array.from({ length: m.count }, (_, j) => j)
      .filter((j) => j !== i && !(groups && groups[j] === groups[i]))
      .map((j) => ({ j, s: cos(row(i), row(j)) }))
      .sort((a, b) => b.s - a.s || a.j - b.j)
      .slice(0, k)
      .map((x) => x.j),
  );
}

describe("cold start", () => {
  let shop: LoadedShop;
  beforeAll(async () => {
    await initBackend({ forced: "wasm", reset: true });
    shop = loadShop("fast");
  });

  it("the data: products launched in 2025 are NOT all untouched; 'no interactions' is checked against the raw events, and nothing is touched before launch", () => {
    const launched = coldProducts(shop, "launched-during-log");
    const untouched = coldProducts(shop);
    const touched = new Map<string, string>(); // product -> first day touched
    for (const s of shop.sessions) {
      for (const e of s.events) {
        if (e.type === "search") continue;
        const day = s.start.slice(0, 10);
        if (!touched.has(e.product) || day < (touched.get(e.product) as string)) touched.set(e.product, day);
      }
    }
    for (const p of shop.products) {
      expect(untouched.has(p.id)).toBe(!touched.has(p.id));
      if (touched.has(p.id)) expect(touched.get(p.id) as string >= p.launchDate).toBe(true);
      expect(launched.has(p.id)).toBe(p.launchDate >= "2025-01-01");
    }
    expect(interactionCounts(shop.sessions).size).toBe(touched.size);
    const launchedTouched = [...launched].filter((id) => touched.has(id)).length;
    // Measured on the shipped fast shop (3,000 products): 369 launched in 2025, 209 of them touched; 723 never touched.
    expect([shop.products.length, launched.size, launchedTouched, untouched.size]).toEqual([3000, 369, 209, 723]);
    expect(() => coldProducts(shop, "new" as "no-interactions")).toThrow(/definition must be "no-interactions" or "launched-during-log"; found "new"/);
  });

  it("nearestNeighbours equals brute force (k = 3, ties by lower index, a group never neighbours itself)", async () => {
    const rng = new Rng(4);
    const n = 60;
    const d = 5;
    // Rounded coordinates make exact ties (duplicated rows too).
    const vectors = Float32Array.from({ length: n * d }, () => Math.round(rng.normal() * 2));
    vectors.set(vectors.subarray(0, d), 7 * d);
    vectors.set(vectors.subarray(0, d), 9 * d);
    const m: EmbeddingMatrix = { vectors, count: n, dimension: d, modelId: "test" };
    const groups = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 3));
    for (const [k, g] of [[1, undefined], [3, undefined], [3, groups]] as const) {
      const got = await nearestNeighbours(m, { k, groups: g, blockSize: 16 });
      const want = bruteForce(m, k, g);
      for (let i = 0; i < n; i++) {
        // Same neighbours, or (float32 against float64 rounding) neighbours at the same similarity.
        const ids = Array.from(got.subarray(i * k, (i + 1) * k));
        if (ids.join() !== want[i].join()) {
          const sims = (list: number[]) => cosineMatrix(m, [i, ...list])[0].slice(1).map((s) => +s.toFixed(5));
          expect(sims(ids)).toEqual(sims(want[i]));
        }
      }
    }
    expect(Array.from((await nearestNeighbours(m, { k: 2 })).subarray(0, 2))).toEqual([7, 9]); // exact copies, lower index first
    expect(Array.from(await nearestNeighbours({ vectors: new Float32Array([1, 0]), count: 1, dimension: 2, modelId: "x" }))).toEqual([-1]);
    await expect(nearestNeighbours(m, { k: 0 })).rejects.toThrow(/k must be a positive integer; found 0/);
    await expect(nearestNeighbours({ ...m, vectors: Float32Array.from(vectors, (v, i) => (i === 12 ? Number.NaN : v)) })).rejects.toThrow(/row 2 holds a NaN/);
  });

  it.skipIf(!hasSklearn)("bag-of-words neighbours: the most similar other product under scikit-learn's TfidfVectorizer + cosine", () => {
    const products = shop.products.slice(0, 300);
    const texts = products.map((p) => p.title);
    const got = bagOfWordsNeighbours(texts);
    const code =
      "import json, sys\nfrom sklearn.feature_extraction.text import TfidfVectorizer\nfrom sklearn.metrics.pairwise import cosine_similarity\n" +
      "texts = json.load(sys.stdin)\nx = TfidfVectorizer(token_pattern=r'(?u)[^\\W_]+').fit_transform(texts)\n" +
      "s = cosine_similarity(x)\nprint(json.dumps(s.tolist()))";
    const r = spawnSync(PYTHON, ["-c", code], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    const sim = JSON.parse(r.stdout) as number[][];
    texts.forEach((_, i) => {
      const others = sim[i].filter((_, j) => j !== i);
      expect(sim[i][got[i]]).toBeCloseTo(Math.max(...others), 9);
    });
  });

  it("k-NN voting: majority category, ties to the nearer neighbour; counts split cold / warm", () => {
    const products = ["a", "b", "a", "c", "b"].map((category, i) => ({ id: `p${i}`, category }));
    // Row 0's neighbours: 1 (b), 2 (a), 4 (b) -> b wins 2:1; row 1's: 0 (a), 3 (c), 4 (b) -> all tie, the nearest (a) wins.
    const neighbours = Int32Array.from([1, 2, 4, 0, 3, 4, 0, 1, 3, 4, 2, 1, 1, 0, 2]);
    const r = neighbourCategoryAccuracy(neighbours, 3, products, new Set(["p0", "p1"]));
    // Votes: p0 -> b (wrong), p1 -> a (wrong), p2 -> a (right), p3 -> b (wrong: 4 b, 2 a, 1 b), p4 -> a (wrong: 1 b, 0 a, 2 a -> a 2:1).
    expect(r.cold).toEqual({ count: 2, correct: 0, accuracy: 0 });
    expect(r.warm).toEqual({ count: 3, correct: 1, accuracy: 1 / 3 });
  });

  describe("on the fast shop with chapter 1's encoder (titles, mean pooling)", () => {
    let embeddings: EmbeddingMatrix;
    beforeAll(async () => {
      const model = loadTextEmbedder();
      try {
        embeddings = await embedTexts(model, shop.products.map((p) => p.title), { progress: false });
      } finally {
        model.dispose();
      }
    });

    it("cold products find their category's neighbours far above chance; the baselines bracket it", async () => {
      const cold = coldProducts(shop);
      const rows = await coldStartTable(shop.products, shop.products.map((p) => p.title), { encoder: embeddings }, { cold });
      const [encoder, words, random] = rows;
      expect(rows.map((r) => r.embedding)).toEqual(["encoder", "bag of words (TF-IDF)", "random vectors"]);
      expect(rows.every((r) => r.cold === 723 && r.warm === 2277)).toBe(true);
      // 101 categories, the largest about 4 %: random vectors sit near chance.
      expect(random.coldAccuracy).toBeLessThan(0.05);
      expect(encoder.coldAccuracy).toBeGreaterThan(0.3);
      expect(encoder.coldAccuracy).toBeGreaterThan(10 * Math.max(random.coldAccuracy, 0.01));
      // Text does not need interactions: cold products are placed about as well as warm ones.
      expect(Math.abs(encoder.coldAccuracy - encoder.warmAccuracy)).toBeLessThan(0.1);
      expect(words.coldAccuracy).toBeGreaterThan(0.5);
      const same = await coldStartNeighbours(embeddings, shop.products, { cold, excludeSameFamily: false });
      expect(same.cold.accuracy).toBeGreaterThan(encoder.coldAccuracy); // a sibling variant is the easy neighbour
      const families = shop.products.map((p) => p.family);
      const r = await coldStartNeighbours(embeddings, shop.products, { cold, k: 5 });
      for (let i = 0; i < 200; i++) for (const j of r.neighbours.subarray(i * 5, i * 5 + 5)) expect(families[j]).not.toBe(families[i]);
      await expect(coldStartNeighbours(randomEmbeddings(10, 4), shop.products, { cold })).rejects.toThrow(/10 embedding rows for 3000 products/);
    });

    it("the 2-D map: one trace per department, hover text with title and category path; the similarity heat map", () => {
      const fit = pca(embeddings);
      const figure = embeddingMap(fit, shop.products);
      const departments = new Set(shop.products.map((p) => p.categoryPath[0]));
      expect(figure.data.map((t) => t.name).sort()).toEqual([...departments].sort());
      expect(figure.data.reduce((n, t) => n + (t.x as number[]).length, 0)).toBe(3000);
      const first = figure.data.find((t) => t.name === shop.products[0].categoryPath[0]);
      const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      expect((first?.text as string[])[0]).toBe(`${esc(shop.products[0].title)}<br>${esc(shop.products[0].categoryPath.join(" › "))}`);
      expect((first?.x as number[])[0]).toBe(fit.coordinates[0]);
      expect(String(figure.layout?.xaxis?.title && (figure.layout.xaxis.title as { text: string }).text)).toMatch(/^PC1 \(\d+\.\d % of variance\)$/);
      const sampled = embeddingMap(fit, shop.products, { maxPoints: 500, seed: 1 });
      expect(sampled.data.reduce((n, t) => n + (t.x as number[]).length, 0)).toBe(500);
      expect(sampled).toEqual(embeddingMap(fit, shop.products, { maxPoints: 500, seed: 1 }));
      expect(String((sampled.layout?.title as { text: string }).text)).toMatch(/\(500 of 3,000 products\)/);
      expect(embeddingMap(fit, shop.products, { colorBy: "category" }).data.length).toBe(new Set(shop.products.map((p) => p.categoryPath[2])).size);
      expect(() => embeddingMap({ coordinates: [1, 2, 3] }, shop.products.slice(0, 2))).toThrow(/2 \(or more\) coordinates per product for 2 products; found 3 values/);
      expect(embeddingMap({ coordinates: [0, 0] }, [{ title: "<b>x</b> & y", category: "c", categoryPath: ["d", "g", "c"] }]).data[0].text).toEqual(["&lt;b&gt;x&lt;/b&gt; &amp; y<br>d › g › c"]);

      const picks = [0, 1, 2, 3];
      const sims = cosineMatrix(embeddings, picks);
      sims.forEach((row, a) => expect(row[a]).toBeCloseTo(1, 5));
      const heat = similarityHeatmap(sims, picks.map((i) => shop.products[i].title));
      expect(heat.data[0].zmin).toBe(-1);
      expect(heat.data[0].z).toEqual(sims);
      expect(cosineMatrix({ vectors: [1, 0, 0, 0, 3, 4], count: 3, dimension: 2 })).toEqual([[1, 0, 0.6], [0, 0, 0], [0.6, 0, 1]]);
      expect(() => cosineMatrix(embeddings, [0, 3000])).toThrow(/indices\[1\] is 3000; expected a row from 0 to 2999/);
    });
  });
});
