// loadRecSequences on small files in the shapes real recommendation data comes in (Amazon
// reviews 2018 and 2023, items.json + sequences.json, RecBole atomic files and benchmark splits),
// and `npm run recommend` on data it cannot use.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadRecSequences } from "shoplm";
import { issue, tempDirs } from "../fixtures/temp-dirs";

const root = path.resolve(__dirname, "../..");
const tempDir = tempDirs("sequences-");
const jsonl = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const failure = (promise: Promise<unknown>): Promise<Error> => promise.then(
  () => {
    throw new Error("expected the load to fail");
  },
  (error: unknown) => error as Error,
);

/** 2018 reviews: 3 users x `items` items B1.., seconds. */
function reviews2018(items = 4): object[] {
  const out: object[] = [];
  for (const u of ["U1", "U2", "U3"]) for (let i = 1; i <= items; i++) out.push({ overall: 5, reviewerID: u, asin: `B${i}`, unixReviewTime: 1400000000 + 86400 * i });
  return out;
}
const meta2018 = (ids: readonly string[]): object[] => ids.map((id) => ({ asin: id, title: `Item ${id}`, brand: "Lab", category: ["Industrial & Scientific", "Lab"], description: ["A", "B"] }));

describe("Amazon reviews JSON Lines: finding the files", () => {
  it("reads a folder holding a 5-core reviews file", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Industrial_and_Scientific_5.json"), jsonl(reviews2018()));
    const result = await loadRecSequences(dir);
    expect(result.format).toBe("amazon-reviews");
    expect(result.records).toHaveLength(3);
    expect(result.records[0]).toEqual({ user: "U1", items: ["B1", "B2", "B3", "B4"], timestamps: [1400086400, 1400172800, 1400259200, 1400345600] });
  });

  it("joins a reviews file with its own meta_<Category> file, not the alphabetically first one", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Industrial_and_Scientific_5.json"), jsonl(reviews2018()));
    writeFileSync(path.join(dir, "meta_Appliances.json"), jsonl([{ asin: "X1", title: "Fridge" }]));
    writeFileSync(path.join(dir, "meta_Industrial_and_Scientific.json.gz"), gzipSync(jsonl(meta2018(["B1", "B2", "B3", "B4"]))));
    for (const input of [dir, path.join(dir, "Industrial_and_Scientific_5.json")]) {
      const result = await loadRecSequences(input);
      expect(result.records).toHaveLength(3);
      expect(result.interactions).toBe(12);
      expect(result.items.map((i) => i.id)).toEqual(["B1", "B2", "B3", "B4"]);
      expect(result.sources.map((s) => path.basename(s.file))).toEqual(["Industrial_and_Scientific_5.json", "meta_Industrial_and_Scientific.json.gz"]);
      expect(result.dropped).toEqual([]);
    }
    // The metadata file given as the data names its reviews file.
    const meta = await failure(loadRecSequences(path.join(dir, "meta_Industrial_and_Scientific.json.gz")));
    expect(meta.message).toMatch(/this is an Amazon metadata file; pass the reviews file \(Industrial_and_Scientific_5\.json beside it\)/);
  });

  it("refuses a folder with several reviews files, listing them; one given as the file gets its own metadata", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Industrial_and_Scientific_5.json"), jsonl(reviews2018()));
    writeFileSync(path.join(dir, "Appliances_5.json"), jsonl([{ reviewerID: "A", asin: "X1", unixReviewTime: 1 }]));
    writeFileSync(path.join(dir, "meta_Appliances.json"), jsonl([{ asin: "X1", title: "Fridge" }]));
    writeFileSync(path.join(dir, "meta_Industrial_and_Scientific.json"), jsonl(meta2018(["B1", "B2", "B3", "B4"])));
    const error = await failure(loadRecSequences(dir));
    expect(error.message).toMatch(/holds 2 Amazon reviews files \(Appliances_5\.json, Industrial_and_Scientific_5\.json\).*pass one of them as the path/);
    const appliances = await loadRecSequences(path.join(dir, "Appliances_5.json"));
    expect(appliances.items.map((i) => i.title)).toEqual(["Fridge"]);
    expect(appliances.records).toEqual([{ user: "A", items: ["X1"], timestamps: [1] }]);
  });

  it("joins no other category's metadata, and says so", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Industrial_and_Scientific_5.json"), jsonl(reviews2018()));
    writeFileSync(path.join(dir, "meta_Appliances.json"), jsonl([{ asin: "X1", title: "Fridge" }]));
    const result = await loadRecSequences(dir);
    expect(result.interactions).toBe(12);
    expect(result.items).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/no metadata joined: meta_Appliances\.json is not meta_Industrial_and_Scientific\.json\[l\]\[\.gz\]/);
  });

  it("leaves metadata of items no review names out of the catalog, with a count", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Scientific_5.json"), jsonl(reviews2018(2)));
    writeFileSync(path.join(dir, "meta_Scientific.json"), jsonl(meta2018(["B1", "B2", "B7", "B8", "B9"])));
    const result = await loadRecSequences(dir);
    expect(result.items.map((i) => i.id)).toEqual(["B1", "B2"]);
    expect(result.notes).toContain("meta_Scientific.json: 3 items that no review in Scientific_5.json names left out of the catalog.");
  });
});

describe("Amazon reviews JSON Lines: the 2018 and 2023 fields", () => {
  it("reads the 2023 release: user_id, parent_asin, timestamp in milliseconds, metadata keyed by parent_asin", async () => {
    const dir = tempDir();
    const reviews = [
      { rating: 5, title: "ok", text: "fine", images: [], asin: "C1", parent_asin: "P1", user_id: "U1", timestamp: 1588687728923, helpful_vote: 0, verified_purchase: true },
      { rating: 4, title: "", text: "", images: [], asin: "C9", parent_asin: "P2", user_id: "U1", timestamp: 1588600000000, helpful_vote: 1, verified_purchase: false },
      { rating: 3, asin: "P3", user_id: "U1", timestamp: 1588700000000 },
      { rating: 3, asin: "C1", parent_asin: "P1", timestamp: 1588700000000 },
      { rating: 3, user_id: "U2", timestamp: 1588700000000 },
      { rating: 3, parent_asin: "P1", user_id: "U2" },
    ];
    writeFileSync(path.join(dir, "All_Beauty.jsonl"), jsonl(reviews));
    const meta = [
      { main_category: "All Beauty", title: "Brush", average_rating: 4.5, rating_number: 10, features: ["soft"], description: ["A soft", "brush"], price: 3.5, images: [], videos: [], store: "Acme", categories: ["Beauty", "Tools"], details: { Brand: "Other" }, parent_asin: "P1", bought_together: null },
      { main_category: "All Beauty", title: "Comb", description: [], store: null, categories: [], details: { Brand: "Combco" }, parent_asin: "P2" },
      { main_category: "All Beauty", title: "Mirror", parent_asin: "P3", store: "Glass" },
    ];
    writeFileSync(path.join(dir, "meta_All_Beauty.jsonl"), jsonl(meta));
    const result = await loadRecSequences(dir);
    expect(result.format).toBe("amazon-reviews");
    // Time order, the parent_asin as the item (asin when there is none), seconds.
    expect(result.records).toEqual([{ user: "U1", items: ["P2", "P1", "P3"], timestamps: [1588600000, 1588687728.923, 1588700000] }]);
    expect(result.items).toEqual([
      { id: "P1", title: "Brush", description: "A soft brush", brand: "Acme", categories: ["Beauty", "Tools"] },
      { id: "P2", title: "Comb", description: "", brand: "Combco", categories: ["All Beauty"] },
      { id: "P3", title: "Mirror", description: "", brand: "Glass", categories: ["All Beauty"] },
    ]);
    expect(result.dropped.map((d) => `${d.count} ${d.reason} (${d.examples.join("; ")})`)).toEqual([
      "1 review without user_id (All_Beauty.jsonl:4)",
      "1 review without parent_asin or asin (All_Beauty.jsonl:5)",
      "1 review without a numeric timestamp (All_Beauty.jsonl:6)",
    ]);
    expect(result.notes).toContain("All_Beauty.jsonl: timestamps are milliseconds (median 1588687728923); converted to seconds.");
  });

  it("names the 2018 fields in its drop reasons, and refuses a file with neither release's fields", async () => {
    const dir = tempDir();
    const rows = [{ reviewerID: "R1", asin: "B1", unixReviewTime: 1400000000 }, { asin: "B1", unixReviewTime: 1 }, { reviewerID: "R1", unixReviewTime: 1 }, { reviewerID: "R1", asin: "B2", unixReviewTime: null }];
    writeFileSync(path.join(dir, "Cat.json"), jsonl(rows));
    const result = await loadRecSequences(path.join(dir, "Cat.json"));
    expect(result.dropped.map((d) => d.reason)).toEqual(["review without reviewerID", "review without asin", "review without a numeric unixReviewTime"]);
    expect(result.records).toEqual([{ user: "R1", items: ["B1"], timestamps: [1400000000] }]);
    expect(result.notes).toEqual([]);

    writeFileSync(path.join(dir, "Other.jsonl"), jsonl([{ user: "a", product: "b" }]));
    const error = await failure(loadRecSequences(path.join(dir, "Other.jsonl")));
    expect(error.message).toMatch(/Other\.jsonl: expected Amazon reviews JSON Lines with reviewerID, asin and unixReviewTime \(2018\) or user_id, parent_asin and timestamp \(2023\); line 1 has the fields user, product/);
  });

  it("converts a 2018 file's millisecond timestamps to seconds, with a note, and keeps seconds as they are", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Ms.json"), jsonl([{ reviewerID: "R1", asin: "B2", unixReviewTime: 1400000500000 }, { reviewerID: "R1", asin: "B1", unixReviewTime: 1400000000000 }]));
    const result = await loadRecSequences(path.join(dir, "Ms.json"));
    expect(result.records).toEqual([{ user: "R1", items: ["B1", "B2"], timestamps: [1400000000, 1400000500] }]);
    expect(result.notes).toEqual(["Ms.json: timestamps are milliseconds (median 1400000500000); converted to seconds."]);
  });

  it("reads a file larger than one read chunk whole, line by line, gzip'd or not", async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 6000 }, (_, i) => ({ reviewerID: `U${i % 97}`, asin: `B${i % 13}`, unixReviewTime: 1400000000 + i, summary: `très ${"é".repeat(i % 40)}` }));
    writeFileSync(path.join(dir, "Big.json"), jsonl(rows));
    mkdirSync(path.join(dir, "gz"));
    writeFileSync(path.join(dir, "gz", "Big.json.gz"), gzipSync(jsonl(rows)));
    for (const input of [path.join(dir, "Big.json"), path.join(dir, "gz")]) {
      const result = await loadRecSequences(input);
      expect(result.interactions).toBe(6000);
      expect(result.records).toHaveLength(97);
      expect(result.records[5].items.slice(0, 3)).toEqual(["B5", `B${(5 + 97) % 13}`, `B${(5 + 194) % 13}`]);
      expect(result.sources[0].rows).toBe(6000);
    }
  });
});

describe("Amazon JSON Lines: malformed and empty files", () => {
  it("names file, line and column of a malformed line", async () => {
    const dir = tempDir();
    const bad = '{"reviewerID": "R1", "asin": B1, "unixReviewTime": 1}';
    writeFileSync(path.join(dir, "Cat.json"), `${JSON.stringify({ reviewerID: "R0", asin: "B0", unixReviewTime: 1 })}\n${bad}\n`);
    const error = await failure(loadRecSequences(path.join(dir, "Cat.json")));
    expect(error.message).toContain(`Cat.json: line 2, column ${bad.indexOf("B1") + 1}: expected one JSON object per line`);
    // The 2014 metadata: Python dicts.
    writeFileSync(path.join(dir, "Py.json"), "{'reviewerID': 'R1'}\n");
    expect((await failure(loadRecSequences(path.join(dir, "Py.json")))).message).toMatch(/line 1, column 2: .*looks like a Python dict/);
  });

  it("says an empty JSON Lines file is empty", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Empty.jsonl"), "");
    const result = await loadRecSequences(path.join(dir, "Empty.jsonl"));
    expect(result.records).toEqual([]);
    expect(result.notes[0]).toBe("Empty.jsonl: empty file.");
  });

  it("says a truncated .gz is truncated, and reads plain text named .gz as plain text", async () => {
    const dir = tempDir();
    const whole = gzipSync(jsonl(reviews2018(200)));
    writeFileSync(path.join(dir, "Cut.json.gz"), whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect((await failure(loadRecSequences(path.join(dir, "Cut.json.gz")))).message).toMatch(/Cut\.json\.gz: the gzip file is truncated .*download it again/);
    writeFileSync(path.join(dir, "Plain.json.gz"), jsonl(reviews2018()));
    const plain = await loadRecSequences(path.join(dir, "Plain.json.gz"));
    expect(plain.interactions).toBe(12);
    expect(plain.sources[0].encodingNote).toMatch(/not gzip-compressed despite its \.gz name/);
  });

  it("reads a line that is not UTF-8 as Windows-1252 and says which", async () => {
    const dir = tempDir();
    const latin = Buffer.concat([Buffer.from('{"reviewerID": "R\xe9", "asin": "B1", "unixReviewTime": 1}\n', "latin1"), Buffer.from(jsonl([{ reviewerID: "Ré", asin: "B2", unixReviewTime: 2 }]), "utf8")]);
    writeFileSync(path.join(dir, "Mixed.json"), latin);
    const result = await loadRecSequences(path.join(dir, "Mixed.json"));
    expect(result.records).toEqual([{ user: "Ré", items: ["B1", "B2"], timestamps: [1, 2] }]);
    expect(result.sources[0].encodingNote).toMatch(/1 line not valid UTF-8 \(the first: line 1\)/);
  });
});

describe("items.json + sequences.json", () => {
  function folder(): string {
    const dir = tempDir();
    writeFileSync(path.join(dir, "items.json"), JSON.stringify({ a: { title: "A" }, b: { title: "B" } }));
    writeFileSync(path.join(dir, "sequences.json"), JSON.stringify({ u1: ["a", "b"], u2: ["b"] }));
    return dir;
  }

  it("reads the folder when items.json or sequences.json is given as the file", async () => {
    const dir = folder();
    for (const file of ["items.json", "sequences.json"]) {
      const result = await loadRecSequences(path.join(dir, file));
      expect(result.format).toBe("amazon-json");
      expect(result.records).toEqual([
        { user: "u1", items: ["a", "b"], timestamps: null },
        { user: "u2", items: ["b"], timestamps: null },
      ]);
    }
    rmSync(path.join(dir, "sequences.json"));
    expect((await failure(loadRecSequences(path.join(dir, "items.json")))).message).toMatch(/expected items\.json and sequences\.json side by side, found no sequences\.json/);
  });

  it("says an empty file is empty, and names line and column where V8's message has no position", async () => {
    const dir = folder();
    writeFileSync(path.join(dir, "sequences.json"), "");
    expect((await failure(loadRecSequences(dir))).message).toMatch(/sequences\.json: the file is empty; expected one JSON object keyed by user id/);
    writeFileSync(path.join(dir, "sequences.json"), '{\n  "u1": ["a",\n    tru]\n}');
    expect((await failure(loadRecSequences(dir))).message).toMatch(/sequences\.json: line 3, column 8: expected valid JSON/);
    // Nested 200,000 deep with the fault at the very end: found without overflowing the call stack.
    writeFileSync(path.join(dir, "sequences.json"), `{"u1": ${"[".repeat(200000)}1x}`);
    expect((await failure(loadRecSequences(dir))).message).toMatch(/sequences\.json: line 1, column 200009: expected valid JSON/);
  });
});

describe("RecBole atomic files", () => {
  const header = "user_id:token\titem_id:token\ttimestamp:float";

  it("merges a dataset's benchmark splits in time order and reads its .item file, with a note", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "x.train.inter"), `${header}\nu1\ti1\t1\nu1\ti2\t2\nu2\ti1\t1\nu2\ti3\t2\n`);
    writeFileSync(path.join(dir, "x.valid.inter"), `${header}\nu2\ti2\t3\n`);
    writeFileSync(path.join(dir, "x.test.inter"), `${header}\nu1\ti3\t3\n`);
    writeFileSync(path.join(dir, "x.item"), "item_id:token\ttitle:token_seq\ni1\tone\ni2\ttwo\ni3\tthree\n");
    for (const input of [dir, path.join(dir, "x.test.inter")]) {
      const result = await loadRecSequences(input);
      expect(result.records).toEqual([
        { user: "u1", items: ["i1", "i2", "i3"], timestamps: [1, 2, 3] },
        { user: "u2", items: ["i1", "i3", "i2"], timestamps: [1, 2, 3] },
      ]);
      expect(result.items.map((i) => i.title)).toEqual(["one", "two", "three"]);
      expect(result.sources.map((s) => path.basename(s.file))).toEqual(["x.item", "x.train.inter", "x.valid.inter", "x.test.inter"]);
      expect(result.notes.join("\n")).toMatch(/merged the benchmark splits x\.train\.inter, x\.valid\.inter, x\.test\.inter into one sequence per user/);
    }
    writeFileSync(path.join(dir, "y.inter"), `${header}\nu1\ti1\t1\n`);
    expect((await failure(loadRecSequences(dir))).message).toMatch(/holds 2 RecBole datasets: x \(x\.test\.inter, x\.train\.inter, x\.valid\.inter\); y \(y\.inter\)\. Pass one dataset's \.inter file/);
  });

  it("converts millisecond timestamps, and says a header-only file has no interactions", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "ms.inter"), `${header}\nu1\ti2\t1500000002000\nu1\ti1\t1500000001000\n`);
    const result = await loadRecSequences(dir);
    expect(result.records).toEqual([{ user: "u1", items: ["i1", "i2"], timestamps: [1500000001, 1500000002] }]);
    expect(result.notes).toEqual(["ms.inter: timestamps are milliseconds (median 1500000002000); converted to seconds."]);
    const empty = tempDir();
    writeFileSync(path.join(empty, "h.inter"), `${header}\n`);
    const none = await loadRecSequences(empty);
    expect(none.records).toEqual([]);
    expect(none.notes[0]).toBe("h.inter: header only, no interactions.");
  });

  it("needs types only on the columns it reads, and names the file of a bad one", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "x.inter"), `user_id:token\titem_id:token\trating\ttimestamp:Float\nu1\ti1\t5\t1\n`);
    expect((await loadRecSequences(dir)).records).toEqual([{ user: "u1", items: ["i1"], timestamps: [1] }]);
    writeFileSync(path.join(dir, "x.inter"), `user_id:token\titem_id\ttimestamp:float\nu1\ti1\t1\n`);
    expect((await failure(loadRecSequences(dir))).message).toMatch(/x\.inter: line 1, column 2: expected a RecBole header field "name:type" .* got "item_id"/);
  });

  it("drops (and counts) item rows with a repeated or empty item_id, and interactions without ids", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "x.inter"), "user_id:token\titem_id:token\nu1\ti1\nu1\t\n\ti2\nu1\ti2\n");
    writeFileSync(path.join(dir, "x.item"), "item_id:token\ttitle:token_seq\ni1\tone\ni1\tagain\n\tnone\ni2\ttwo\n");
    const result = await loadRecSequences(dir);
    expect(result.records).toEqual([{ user: "u1", items: ["i1", "i2"], timestamps: null }]);
    expect(result.items.map((i) => `${i.id} ${i.title}`)).toEqual(["i1 one", "i2 two"]);
    expect(issue(result.dropped, "duplicate item_id in the item file (kept the first)")?.examples).toEqual(["x.item:3: i1"]);
    expect(issue(result.dropped, "item row without an item_id")?.examples).toEqual(["x.item:4"]);
    expect(issue(result.dropped, "interaction without a user_id or item_id")?.count).toBe(2);
  });
});

describe("npm run recommend on data it cannot use", () => {
  function recommend(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "recommend.mjs"), ...args, "--model", "popularity"], { encoding: "utf8", cwd: root, timeout: 600_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("prints the drop reasons and exits 1 when no sequence loads; no stack trace", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "Cat.json"), jsonl([{ reviewerID: "R1", unixReviewTime: 1 }, { reviewerID: "R1", asin: "B1" }]));
    const r = recommend(["--data", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/recommend: no user sequence loaded from .* \(amazon-reviews\)/);
    expect(r.stderr).toMatch(/dropped 1: review without asin \(e\.g\. Cat\.json:1\)/);
    expect(r.stderr).toMatch(/dropped 1: review without a numeric unixReviewTime/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 600_000);

  it("lowers k to a smaller catalog with a note, and exits 1 when no user has three interactions", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "x.inter"), "user_id:token\titem_id:token\ttimestamp:float\nu1\ti1\t1\nu1\ti2\t2\nu1\ti3\t3\nu2\ti2\t1\nu2\ti1\t2\nu2\ti3\t3\n");
    const r = recommend(["--data", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/note: --k 10 is more than the catalog's 3 items: using k = 3/);
    expect(r.stdout).toMatch(/model\s+HR@3\s+NDCG@3/);
    const short = tempDir();
    writeFileSync(path.join(short, "x.inter"), "user_id:token\titem_id:token\nu1\ti1\nu1\ti2\n");
    const s = recommend(["--data", short]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/recommend: no user has three or more interactions \(1 users?, 2 interactions\)/);
    expect(s.stderr).not.toMatch(/\n\s+at /);
  }, 600_000);
});

describe("one dataset in every format", () => {
  it("loads the same sequences, times and item text from amazon-json, 2018 and 2023 reviews and RecBole splits", async () => {
    // 40 users over 30 items, random lengths and times (ties included), seeded.
    let s = 11;
    const rnd = (n: number): number => {
      s = (s * 48271) % 2147483647;
      return s % n;
    };
    const users = Array.from({ length: 40 }, (_, u) => {
      const n = 1 + rnd(9);
      const times = Array.from({ length: n }, () => 1500000000 + 3600 * rnd(500)).sort((a, b) => a - b);
      return { user: `U${u}`, items: times.map(() => `B${rnd(30)}`), times };
    });
    const ids = [...new Set(users.flatMap((u) => u.items))].sort();
    const text = (id: string): { title: string; description: string; brand: string; categories: string[] } => ({ title: `Item ${id}`, description: `About ${id}`, brand: `Brand ${id.length}`, categories: ["Lab", `Shelf ${id.slice(-1)}`] });
    const root = tempDir();
    const dirs = { json: path.join(root, "json"), r2018: path.join(root, "r2018"), r2023: path.join(root, "r2023"), recbole: path.join(root, "recbole") };
    for (const d of Object.values(dirs)) mkdirSync(d);
    writeFileSync(path.join(dirs.json, "items.json"), JSON.stringify(Object.fromEntries(ids.map((id) => [id, text(id)]))));
    writeFileSync(path.join(dirs.json, "sequences.json"), JSON.stringify(Object.fromEntries(users.map((u) => [u.user, u.items]))));
    // Reviews in a shuffled order: the loader must sort each user's items by time (ties: file order, so ties keep their order here).
    const order = users.flatMap((u) => u.items.map((item, k) => ({ u, item, k }))).sort((a, b) => a.u.times[a.k] - b.u.times[b.k] || a.k - b.k);
    writeFileSync(path.join(dirs.r2018, "Lab_5.json.gz"), gzipSync(jsonl(order.map(({ u, item, k }) => ({ reviewerID: u.user, asin: item, unixReviewTime: u.times[k], overall: 5 })))));
    writeFileSync(path.join(dirs.r2018, "meta_Lab.json.gz"), gzipSync(jsonl(ids.map((id) => ({ asin: id, title: text(id).title, description: [text(id).description], brand: text(id).brand, category: text(id).categories })))));
    writeFileSync(path.join(dirs.r2023, "Lab.jsonl"), jsonl(order.map(({ u, item, k }) => ({ rating: 5, asin: `${item}-variant`, parent_asin: item, user_id: u.user, timestamp: u.times[k] * 1000 }))));
    writeFileSync(path.join(dirs.r2023, "meta_Lab.jsonl"), jsonl(ids.map((id) => ({ parent_asin: id, title: text(id).title, description: [text(id).description], store: text(id).brand, categories: text(id).categories, main_category: "Industrial" }))));
    const inter = (rows: typeof order): string => `user_id:token\titem_id:token\ttimestamp:float\n${rows.map(({ u, item, k }) => `${u.user}\t${item}\t${u.times[k]}`).join("\n")}\n`;
    // RecBole's splits by time per user: the last item in test, the one before in valid.
    const split = (r: (typeof order)[number]): string => (r.k === r.u.items.length - 1 ? "test" : r.k === r.u.items.length - 2 ? "valid" : "train");
    for (const name of ["train", "valid", "test"]) writeFileSync(path.join(dirs.recbole, `lab.${name}.inter`), inter(order.filter((r) => split(r) === name)));
    writeFileSync(path.join(dirs.recbole, "lab.item"), `item_id:token\ttitle:token_seq\tdescription:token_seq\tbrand:token\tcategories:token_seq\n${ids.map((id) => `${id}\t${text(id).title}\t${text(id).description}\t${text(id).brand}\t${text(id).categories.join(",")}`).join("\n")}\n`);

    const want = users.map((u) => ({ user: u.user, items: u.items }));
    const loaded = await Promise.all(Object.values(dirs).map((d) => loadRecSequences(d)));
    expect(loaded.map((l) => l.format)).toEqual(["amazon-json", "amazon-reviews", "amazon-reviews", "recbole"]);
    for (const l of loaded) {
      expect(l.dropped).toEqual([]);
      const byUser = new Map(l.records.map((r) => [r.user, r]));
      expect(users.map((u) => ({ user: u.user, items: byUser.get(u.user)?.items }))).toEqual(want);
      expect(new Map(l.items.map((i) => [i.id, [i.title, i.description, i.brand, i.categories]]))).toEqual(new Map(ids.map((id) => [id, [text(id).title, text(id).description, text(id).brand, text(id).categories]])));
    }
    // Times in seconds from every timed format (the 2023 file's milliseconds converted).
    for (const l of loaded.slice(1)) expect(users.map((u) => l.records.find((r) => r.user === u.user)?.timestamps)).toEqual(users.map((u) => u.times));
  });
});
