/**
 * BM25F by hand (lib/src/rank/bm25.ts): a case worked by hand, the independent Python reference
 * (scripts/golden/bm25_reference.py, brute force from the formula) to 1e-9 on a random corpus and
 * on the shop's products, top-k against a full sort, and ranking quality against Xapian's BM25
 * (Debian python3-xapian) on the shop's judged pools.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Bm25Index, evaluateRun, judgedPools, judgmentQrels, keywordTokens, loadShop, productBm25Index, Rng, type Bm25Params } from "shoplm";

const PYTHON = "/usr/bin/python3";
const REFERENCE = path.resolve(__dirname, "../../scripts/golden/bm25_reference.py");
const hasPython = existsSync(PYTHON);
const hasXapian = hasPython && spawnSync(PYTHON, ["-c", "import xapian"]).status === 0;
if (!hasPython) console.warn("test/rank/bm25.test.ts: the Python reference checks are skipped: no /usr/bin/python3.");
if (!hasXapian) console.warn("test/rank/bm25.test.ts: the Xapian comparison is skipped: no python3-xapian (npm run setup installs it).");

type Doc = { id: string; title: string; description: string };

function python<T>(input: unknown): T {
  const r = spawnSync(PYTHON, [REFERENCE], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bm25_reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const tokensOf = (docs: readonly Doc[]) => docs.map((d) => ({ id: d.id, tokens: { title: keywordTokens(d.title), description: keywordTokens(d.description) } }));

/** Every document's score for every query and parameter set, from the index and from Python. */
function compareWithReference(docs: readonly Doc[], queries: readonly string[], params: readonly Bm25Params[]): number {
  const index = productBm25Index(docs);
  const ids = docs.map((d) => d.id);
  const ref = python<{ scores: number[][][] }>({ fields: ["title", "description"], docs: tokensOf(docs), queries: queries.map((q) => index.terms(q)), params });
  let worst = 0;
  let nonZero = 0;
  params.forEach((p, pi) =>
    queries.forEach((q, qi) => {
      const mine = index.scorePool(q, ids, p);
      mine.forEach((s, j) => {
        worst = Math.max(worst, Math.abs(s - ref.scores[pi][qi][j]));
        if (s > 0) nonZero++;
      });
    })
  );
  expect(nonZero).toBeGreaterThan(0);
  return worst;
}

function randomCorpus(seed: number): { docs: Doc[]; queries: string[] } {
  const rng = new Rng(seed);
  // Zipf-like word choice, so that some words are in most documents (low, even tiny IDF).
  const vocabulary = Array.from({ length: 60 }, (_, i) => `w${i}`);
  const weights = vocabulary.map((_, i) => 1 / (i + 1));
  const words = (n: number) => Array.from({ length: n }, () => vocabulary[rng.weightedIndex(weights)]).join(" ");
  const docs = Array.from({ length: 80 }, (_, i) => ({ id: `d${String(i).padStart(3, "0")}`, title: words(1 + rng.int(8)), description: rng.next() < 0.15 ? "" : words(rng.int(50)) }));
  const queries = Array.from({ length: 25 }, () => words(1 + rng.int(4)));
  queries.push("w59 unknownword", "w0");
  return { docs, queries };
}

const PARAMS: Bm25Params[] = [
  { k1: 1.2, b: 0.75, fieldWeights: { title: 2, description: 1 } },
  { k1: 0.5, b: { title: 0.3, description: 0.9 }, fieldWeights: { title: 3.5, description: 0.5 } },
  { k1: 2, b: 0, fieldWeights: { title: 1, description: 0 } },
  { k1: 0, b: 1, fieldWeights: { title: 1, description: 1 } },
];

describe("Bm25Index", () => {
  it("scores a case worked by hand (BM25F, Lucene IDF)", () => {
    const docs = [
      { id: "a", title: "red shoe", description: "a red running shoe" },
      { id: "b", title: "blue shoe", description: "" },
      { id: "c", title: "red hat", description: "warm hat" },
    ];
    const index = productBm25Index(docs, { k1: 1.2, b: 0.75, fieldWeights: { title: 2, description: 1 } });
    // N = 3; "red" is in a and c (df 2); avg title length 2, avg description length (4 + 0 + 2) / 3 = 2.
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    expect(index.idf("red")).toBeCloseTo(idf, 15);
    // a: title tf 1, length 2 -> norm 1; description tf 1, length 4 -> norm 1 - 0.75 + 0.75 * 4 / 2 = 1.75.
    const tfA = (2 * 1) / 1 + 1 / 1.75;
    // c: title tf 1, length 2 -> norm 1; no "red" in the description.
    const tfC = 2;
    const [a, b, c] = index.scorePool("red", ["a", "b", "c"]);
    expect(a).toBeCloseTo((idf * tfA) / (1.2 + tfA), 14);
    expect(b).toBe(0);
    expect(c).toBeCloseTo((idf * tfC) / (1.2 + tfC), 14);
    // A repeated query word counts once; stop words are dropped from the query.
    expect(index.scorePool("the red red", ["a", "c"])).toEqual(index.scorePool("red", ["a", "c"]));
    expect(index.documentFrequency("red")).toBe(2);
    expect(index.idf("missing")).toBe(0);
  });

  it.skipIf(!hasPython)("equals the independent Python reference to 1e-9 on a random corpus (four parameter sets)", () => {
    const { docs, queries } = randomCorpus(7);
    expect(compareWithReference(docs, queries, PARAMS)).toBeLessThan(1e-9);
  });

  it.skipIf(!hasPython)("equals the independent Python reference to 1e-9 on the shop's products and queries", () => {
    const shop = loadShop("fast");
    const queries = shop.queries.slice(0, 40).map((q) => q.text);
    expect(compareWithReference(shop.products, queries, PARAMS.slice(0, 2))).toBeLessThan(1e-9);
  });

  it("search(): the top k of a full sort (score, then id), bounded by the matches", () => {
    const { docs, queries } = randomCorpus(3);
    const index = productBm25Index(docs);
    const ids = docs.map((d) => d.id);
    for (const q of queries) {
      const scores = index.scorePool(q, ids);
      const all = ids.map((id, i) => ({ id, score: scores[i] })).filter((h) => h.score > 0);
      all.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
      for (const k of [1, 5, 10, 200]) expect(index.search(q, k)).toEqual(all.slice(0, k));
      expect(index.search(q, 0)).toEqual([]);
    }
    // Equal scores come back by id: two identical documents.
    const twins = productBm25Index([
      { id: "z", title: "lamp", description: "" },
      { id: "y", title: "lamp", description: "" },
      { id: "x", title: "desk", description: "" },
    ]);
    expect(twins.search("lamp", 2).map((h) => h.id)).toEqual(["y", "z"]);
    expect(twins.search("", 5)).toEqual([]);
  });

  it("rejects bad input with what was expected", () => {
    const docs = [{ id: "a", fields: { title: "x", description: "y" } }];
    expect(() => new Bm25Index([])).toThrow(/at least one document/);
    expect(() => new Bm25Index([...docs, ...docs])).toThrow(/"a" appears twice/);
    expect(() => new Bm25Index([{ id: "b", fields: { title: "x" } }], { fields: ["title", "description"] })).toThrow(/no text field "description"/);
    const index = new Bm25Index(docs);
    expect(() => index.scorePool("x", ["nope"])).toThrow(/candidate 0 \("nope"\) is not in the index/);
    expect(() => index.scorePool("x", ["a"], { k1: -1 })).toThrow(/k1 to be a number in \[0, inf\], got -1/);
    expect(() => index.scorePool("x", ["a"], { b: 1.5 })).toThrow(/b to be a number in \[0, 1\], got 1.5/);
    expect(() => index.scorePool("x", ["a"], { fieldWeights: { brand: 2 } })).toThrow(/fieldWeights names "brand", which is not an indexed field/);
    expect(() => index.search("x", -1)).toThrow(/k to be an integer >= 0, got -1/);
  });

  it.skipIf(!hasXapian)("ranks the shop's judged pools about as well as Xapian's BM25 (NDCG@10 within 0.03)", () => {
    const shop = loadShop("fast");
    const pools = judgedPools(shop.judgments);
    const qrels = judgmentQrels(shop.judgments);
    const queries = shop.queries.filter((q) => pools.has(q.id));
    const params = { k1: 1.2, b: 0.75, fieldWeights: { title: 2, description: 1 } };
    const index = productBm25Index(shop.products, params);
    const ours = new Map(queries.map((q) => {
      const ids = pools.get(q.id) as string[];
      const scores = index.scorePool(q.text, ids);
      return [q.id, ids.map((docId, i) => ({ docId, score: scores[i] }))] as const;
    }));
    const xapian = python<{ scores: number[][] }>({
      mode: "xapian",
      fields: ["title", "description"],
      docs: tokensOf(shop.products),
      pools: queries.map((q) => ({ terms: index.terms(q.text), ids: pools.get(q.id) })),
      params,
    });
    const theirs = new Map(queries.map((q, i) => [q.id, (pools.get(q.id) as string[]).map((docId, j) => ({ docId, score: xapian.scores[i][j] }))] as const));
    const ndcg = (run: typeof ours) => evaluateRun(run, qrels, ["ndcg@10"], { ties: "average" }).mean["ndcg@10"];
    const a = ndcg(ours);
    const b = ndcg(theirs);
    console.log(`shop (fast) judged pools, ${queries.length} queries: NDCG@10 library BM25F ${a.toFixed(4)}, Xapian BM25 ${b.toFixed(4)}`);
    expect(Math.abs(a - b)).toBeLessThan(0.03);
    // Not the same formula: the scores differ (the test would be vacuous if Xapian were us).
    expect([...ours.values()].some((r, i) => r.some((d, j) => Math.abs(d.score - xapian.scores[i][j]) > 1e-6))).toBe(true);
  });
});
