import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { evaluateRun, formatQrels, formatRun, parseQrels, parseRun, readQrels, readRun, writeQrels, writeRun, type MetricSpec } from "shoplm";

const qrelsText = `# query iteration doc grade
q1 0 a 2
q1 0 b 0
q1\t0\tc\t1

q2 0 a 1
`;

const runText = `q1 Q0 b 1 0.5 sys
q1 Q0 a 2 0.5 sys
q1 Q0 z 3 0.25 sys
q2 Q0 a 7 -inf sys
`;

describe("reading TREC files", () => {
  it("parses qrels (spaces or tabs, comments and blank lines skipped)", () => {
    const q = parseQrels(qrelsText);
    expect(Array.from(q.keys())).toEqual(["q1", "q2"]);
    expect(Array.from((q.get("q1") as Map<string, number>).entries())).toEqual([
      ["a", 2],
      ["b", 0],
      ["c", 1],
    ]);
  });

  it("parses runs, keeping scores and ignoring the rank column as trec_eval does", () => {
    const r = parseRun(runText);
    expect(r.get("q1")).toEqual([
      { docId: "b", score: 0.5 },
      { docId: "a", score: 0.5 },
      { docId: "z", score: 0.25 },
    ]);
    expect(r.get("q2")).toEqual([{ docId: "a", score: -Infinity }]);
    // ranks say b first, but the tie rule (doc id descending) also puts b first; flip the ids to see scores rule:
    const flipped = parseRun("q Q0 low 1 1 s\nq Q0 high 2 9 s\n");
    const e = evaluateRun(flipped, { q: { high: 1 } }, ["rr"]);
    expect(e.mean.rr).toBe(1);
  });

  it("reports the source, line, column and value of a bad field", () => {
    expect(() => parseQrels("q1 0 a 1\nq1 0 b x\n", { source: "my.qrels" })).toThrow(/my\.qrels:2:8: expected a numeric grade, found "x"/);
    expect(() => parseQrels("q1 0 a\n")).toThrow(/<qrels>:1: expected 4 fields .* found 3/);
    expect(() => parseRun("q1 Q0 a 1 nope tag\n", { source: "r.txt" })).toThrow(/r\.txt:1:11: expected a numeric score, found "nope"/);
    expect(() => parseRun("q1 Q0 a one 1 tag\n")).toThrow(/:1:9: expected an integer rank, found "one"/);
    expect(() => parseRun("q1 Q0 a 1 1\n")).toThrow(/expected 6 fields/);
  });

  it("rejects duplicate documents, like trec_eval", () => {
    expect(() => parseQrels("q 0 a 1\nq 0 a 0\n")).toThrow(/:2:5: document "a" is judged twice for query "q"/);
    expect(() => parseRun("q Q0 a 1 1 s\nq Q0 a 2 0 s\n")).toThrow(/:2:6: document "a" is retrieved twice for query "q"/);
  });
});

describe("writing TREC files", () => {
  it("writes runs in trec order (score descending, ties by doc id descending) with ranks from 1", () => {
    const text = formatRun({ q2: ["x"], q1: [{ docId: "a", score: 1 }, { docId: "c", score: 2 }, { docId: "b", score: 1 }] }, { tag: "bm25" });
    expect(text).toBe("q1 Q0 c 1 2 bm25\nq1 Q0 b 2 1 bm25\nq1 Q0 a 3 1 bm25\nq2 Q0 x 1 1 bm25\n");
  });

  it("cuts at depth and refuses ids with spaces", () => {
    expect(formatRun({ q: ["a", "b", "c"] }, { depth: 2 })).toBe("q Q0 a 1 3 shoplm\nq Q0 b 2 2 shoplm\n");
    expect(() => formatRun({ q: ["a b"] })).toThrow(/cannot be empty or contain spaces; got "a b"/);
    expect(() => formatQrels({ "q 1": { a: 1 } })).toThrow(/query id cannot be empty or contain spaces/);
  });

  it("round-trips exactly: scores keep every bit, and evaluation is unchanged", () => {
    const run = {
      q1: [0.1 + 0.2, 1 / 3, 1e-300, -7.5e21, 0.1 + 0.2].map((score, i) => ({ docId: `d${i}`, score })),
      q2: [{ docId: "d1", score: Math.PI }],
    };
    const qrels = { q1: { d0: 1, d2: 2, d4: 1, d9: 3 }, q2: { d1: 1 } };
    const back = parseRun(formatRun(run));
    for (const [q, docs] of Object.entries(run)) {
      const parsed = back.get(q) as { docId: string; score: number }[];
      const byId = new Map(parsed.map((d) => [d.docId, d.score]));
      for (const d of docs) expect(Object.is(byId.get(d.docId), d.score)).toBe(true);
    }
    const metrics: MetricSpec[] = ["ap", "ndcg@3", "precision@2", "rr"];
    const qrelsBack = parseQrels(formatQrels(qrels));
    expect(evaluateRun(back, qrelsBack, metrics).mean).toEqual(evaluateRun(run, qrels, metrics).mean);
  });

  it("reads and writes files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shoplm-trec-"));
    try {
      writeQrels(path.join(dir, "qrels.txt"), { q: { a: 1, b: 0 } });
      writeRun(path.join(dir, "run.txt"), { q: ["b", "a"] }, { tag: "t" });
      expect(fs.readFileSync(path.join(dir, "qrels.txt"), "utf8")).toBe("q 0 a 1\nq 0 b 0\n");
      expect(readRun(path.join(dir, "run.txt")).get("q")).toEqual([
        { docId: "b", score: 2 },
        { docId: "a", score: 1 },
      ]);
      expect(readQrels(path.join(dir, "qrels.txt")).get("q")?.get("a")).toBe(1);
      fs.writeFileSync(path.join(dir, "bad.txt"), "q 0 a 1\nq 0 b\n");
      expect(() => readQrels(path.join(dir, "bad.txt"))).toThrow(new RegExp(`${path.join(dir, "bad.txt").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:2: expected 4 fields`));
      // As downloads come: gzip-compressed, or with a byte-order mark from a Windows editor.
      fs.writeFileSync(path.join(dir, "qrels.txt.gz"), zlib.gzipSync("q 0 a 2\n"));
      expect(readQrels(path.join(dir, "qrels.txt.gz")).get("q")?.get("a")).toBe(2);
      fs.writeFileSync(path.join(dir, "bom.txt"), "\ufeffq Q0 a 1 3.5 t\r\n");
      expect(readRun(path.join(dir, "bom.txt")).get("q")).toEqual([{ docId: "a", score: 3.5 }]);
      // Written whole, through a temporary file that does not stay behind.
      expect(fs.readdirSync(dir).filter((f) => f.startsWith(".tmp"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
