/**
 * Chapter 3's results card (data/models/embed/README.md): generated from the records the runs
 * wrote, and what those records must show. Timings are reported, never asserted.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const dir = path.join(root, "data", "models", "embed");
const read = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8"));
type Metrics = { queries: number; recall10: number; recall100: number; ndcg10: number };
type Row = { retriever: string; overall: Metrics; byKind: Record<string, Metrics> };

describe("the chapter 3 results card", () => {
  it("is what the records generate", () => {
    const card = spawnSync(process.execPath, [path.join(root, "scripts", "embed-card.mjs"), "--check"], { encoding: "utf8" });
    expect(card.status, card.stderr).toBe(0);
  });

  it("retrieval: the shipped bi-encoder, made by the command the record names, beats keyword search where keyword search fails", () => {
    const r = read("retrieval");
    expect(r.command).toMatch(/^npm run biencoder -- .*--save data\/models\/biencoder/);
    expect(r.profile).toBe("full");
    expect(r.training.lastLoss).toBeLessThan(r.training.firstLoss);
    const rows = r.retrieval.rows as Row[];
    const keyword = rows.find((x) => x.retriever === "keyword") as Row;
    const untrained = rows.find((x) => x.retriever.startsWith("encoder, not fine-tuned")) as Row;
    const trained = rows.find((x) => x.retriever.startsWith("bi-encoder")) as Row;
    for (const kind of ["synonym", "vague", "misspelled"]) {
      expect(trained.byKind[kind].ndcg10, kind).toBeGreaterThan(keyword.byKind[kind].ndcg10);
      expect(trained.byKind[kind].recall100, kind).toBeGreaterThan(keyword.byKind[kind].recall100);
    }
    // Contrastive training is what makes the encoder a retriever.
    expect(trained.overall.ndcg10).toBeGreaterThan(untrained.overall.ndcg10 + 0.2);
    // The per-kind query counts add up to the whole.
    expect(Object.values(trained.byKind).reduce((n, m) => n + m.queries, 0)).toBe(trained.overall.queries);
    // The saved model is the one notebook 03 loads, on the shipped chapter 1 checkpoint.
    const manifest = JSON.parse(readFileSync(path.join(root, "data", "models", "biencoder", "biencoder.json"), "utf8"));
    const base = JSON.parse(readFileSync(path.join(root, "data", "models", "full", "checkpoint.json"), "utf8"));
    expect(manifest.base.weightsSha256).toBe(base.weights.sha256);
    expect(manifest.method.name).toBe(r.settings.method);
  });

  it("cold start: text places cold products near their category far above chance; the bi-encoder's overlap with its training data is stated", () => {
    const r = read("cold-start");
    expect(r.profile).toBe("full");
    const row = (name: string) => r.rows.find((x: { embedding: string }) => x.embedding.startsWith(name));
    expect(row("random vectors").coldAccuracy).toBeLessThan(0.1);
    expect(row("chapter 1 encoder (mean").coldAccuracy).toBeGreaterThan(row("random vectors").coldAccuracy + 0.5);
    for (const x of r.rows) expect(x.cold + x.warm).toBe(r.products);
    expect(r.biencoder.coldInTrainingData).toBeGreaterThanOrEqual(0);
    expect(r.biencoder.coldInTrainingData).toBeLessThanOrEqual(r.cold);
  });

  it("ONNX: every export passed the checker, and both runtimes compute the library's vectors (1e-4)", () => {
    const files = ["onnx", "onnx-biencoder"].filter((f) => existsSync(path.join(dir, `${f}.json`)));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = read(f);
      expect(r.checker.ok, f).toBe(true);
      expect(r.parity.map((p: { runtime: string }) => p.runtime).sort()).toEqual(["onnxruntime-node", "transformers.js"]);
      for (const p of r.parity) {
        expect(p.texts).toBeGreaterThanOrEqual(1000);
        expect(p.truncated).toBeGreaterThan(0);
        expect(p.idsDiffer).toBe(0);
        expect(p.maxAbsTokens).toBeLessThan(1e-4);
        expect(p.maxAbsEmbedding).toBeLessThan(1e-4);
      }
    }
  });

  it("the embedding bench compared the same model on every engine", () => {
    const r = read("bench-embed");
    expect(r.command).toMatch(/^npm run bench -- embed/);
    expect(r.maxAbsDifference).toBeLessThan(1e-4);
    expect(r.rows.some((x: { name: string }) => x.name.startsWith("onnxruntime-node"))).toBe(true);
  });

  it.runIf(existsSync(path.join(dir, "bench-biencoder.json")))("the bi-encoder training record: the same model on both sides, each method on 1 and more workers against PyTorch's best, nothing leaked", () => {
    const r = read("bench-biencoder");
    expect(r.command).toMatch(/^npm run bench -- biencoder/);
    expect(r.sameModel).toBeLessThan(1e-4);
    expect(r.tensorsLeaked).toBe(0);
    type Rate = { tokensPerSecond: number; workers?: number; threads?: number };
    for (const m of r.methods as { method: string; library: Rate[]; pytorch: Rate[]; ratio: { value: number; library: number; pytorch: number } }[]) {
      expect(m.library.map((x) => x.workers)).toContain(1);
      expect(m.library.some((x) => (x.workers as number) > 1), m.method).toBe(true);
      const best = (xs: Rate[]) => xs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
      expect(m.ratio.library).toBe(best(m.library).workers);
      expect(m.ratio.pytorch).toBe(best(m.pytorch).threads);
      expect(m.ratio.value).toBeCloseTo(best(m.library).tokensPerSecond / best(m.pytorch).tokensPerSecond, 9);
    }
  });

  it("the vector-search speed record: both sets, every exact kernel against FAISS flat's best, both HNSW paths over the whole efSearch sweep", () => {
    const r = read("bench-search");
    expect(r.command).toMatch(/^npm run bench -- search /);
    expect(r.sets).toHaveLength(2);
    type SearchRow = { name: string; queriesPerSecond: number; recallAt10: number; ratio: number | null };
    for (const set of r.sets as { name: string; rows: SearchRow[] }[]) {
      const flat = set.rows.filter((x) => x.name.startsWith("FAISS IndexFlatIP"));
      expect(flat.map((x) => x.name)).toEqual(["FAISS IndexFlatIP, 1 thread", "FAISS IndexFlatIP, 2 threads"]);
      const best = Math.max(...flat.map((x) => x.queriesPerSecond));
      const exact = set.rows.filter((x) => /^library Exact/.test(x.name));
      expect(exact.length).toBeGreaterThanOrEqual(4);
      for (const x of exact) {
        // Every kernel finds the same neighbours (near-ties may swap at the k boundary).
        expect(x.recallAt10, `${set.name}: ${x.name}`).toBeGreaterThanOrEqual(0.999);
        expect(x.ratio as number).toBeCloseTo(x.queriesPerSecond / best, 9);
      }
      const sweep = (prefix: string) => set.rows.filter((x) => x.name.startsWith(prefix)).map((x) => Number(/efSearch (\d+)/.exec(x.name)?.[1]));
      const efs = sweep("FAISS IndexHNSWFlat");
      expect(efs.length).toBeGreaterThanOrEqual(3);
      expect(sweep("library HnswIndex")).toEqual(efs);
      expect(sweep("library HnswSearchPool")).toEqual(efs);
      for (const x of set.rows.filter((y) => y.name.startsWith("library Hnsw"))) expect(x.ratio === null || x.ratio > 0).toBe(true);
    }
  });
});
