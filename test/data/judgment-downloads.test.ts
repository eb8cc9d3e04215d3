// Search judgments as real downloads and re-exports come: a Kaggle folder with its test file and
// sample submission, gzip, Windows line ends, float grades, stray Windows-1252 bytes, UTF-16,
// an ESCI examples file passed on its own. Each case once failed or loaded the wrong thing.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeBytes, loadRelevanceFolds, loadSearchJudgments, parseCsvText, readCsvFile, readCsvHeader, streamTable, tableColumns } from "shoplm";
import { issue, tempDirs } from "../fixtures/temp-dirs";

const tempDir = tempDirs("judgment-downloads-");

const CF_HEADER = "id,query,product_title,product_description,median_relevance,relevance_variance\n";

describe("CSV as real files come", () => {
  it("numbers lines right in a Windows file whose quoted fields hold line breaks, and keeps no \\r", async () => {
    const dir = tempDir();
    const file = path.join(dir, "crlf.csv");
    writeFileSync(file, `${CF_HEADER.replace("\n", "\r\n")}1,"a","t","x\r\ny",4,0\r\n2,"b","t","d",3,0\r\n`);
    const t = await readCsvFile(file);
    expect(t.lines).toEqual([2, 4]);
    expect(t.rows[0][3]).toBe("x\ny");
    writeFileSync(file, `${CF_HEADER.replace("\n", "\r\n")}1,"a","t","x\r\ny",4,0\r\n2,"b","t","d",3,0\r\n3,"c","t","d",3,0,EXTRA\r\n`);
    await expect(readCsvFile(file)).rejects.toThrow(/crlf\.csv: line 5, column 7: expected 6 fields/);
  });

  it("reads gzip-compressed CSV by its content, and says a truncated one is truncated", async () => {
    const dir = tempDir();
    const file = path.join(dir, "fold-1.csv.gz");
    const packed = gzipSync(`${CF_HEADER}1,tv,Big TV,d,4,0\n`);
    writeFileSync(file, packed);
    const t = await readCsvFile(file);
    expect(t.rows).toEqual([["1", "tv", "Big TV", "d", "4", "0"]]);
    expect(t.encodingNote).toBe("gzip-compressed");
    expect(await readCsvHeader(file)).toEqual(CF_HEADER.trim().split(","));
    writeFileSync(file, packed.subarray(0, packed.length - 12));
    await expect(readCsvFile(file)).rejects.toThrow(/fold-1\.csv\.gz: the gzip file is truncated/);
  });

  it("keeps UTF-8 where a few stray Windows-1252 bytes are, reads UTF-16 after its byte-order mark", async () => {
    const mixed = Buffer.concat([Buffer.from("café, naïve, ", "utf8"), Uint8Array.from([0x96]), Buffer.from(" crème\n", "utf8")]);
    const decoded = decodeBytes(mixed, "auto", "m.csv");
    expect(decoded.text).toBe("café, naïve, – crème\n");
    expect(decoded.encoding).toBe("utf-8");
    expect(decoded.note).toMatch(/^UTF-8 with 1 invalid byte \(the first at byte 15 \(line 1, value 0x96\)\) among 3 valid multi-byte characters; those bytes decoded as Windows-1252$/);
    // A latin-1 file (no valid multi-byte characters) is still latin-1 throughout.
    expect(decodeBytes(Uint8Array.from([0x63, 0x61, 0x66, 0xe9])).text).toBe("café");
    const dir = tempDir();
    const text = `${CF_HEADER}1,thé,Théière,d,4,0\n`;
    for (const [name, bytes] of [
      ["le.csv", Buffer.concat([Uint8Array.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])],
      ["be.csv", Buffer.concat([Uint8Array.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()])],
    ] as const) {
      writeFileSync(path.join(dir, name), bytes);
      const t = await readCsvFile(path.join(dir, name));
      expect(t.rows[0][2]).toBe("Théière");
      expect(await readCsvHeader(path.join(dir, name))).toEqual(CF_HEADER.trim().split(","));
    }
  });
});

describe("search judgments as downloads come", () => {
  it("the unzipped Kaggle Crowdflower folder: train.csv read, test.csv and the sample submission skipped and named", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "train.csv"), `${CF_HEADER}1,tv,Big TV,d,4,0\n2,tv,Small TV,d,1,0\n`);
    writeFileSync(path.join(dir, "test.csv"), "id,query,product_title,product_description\n3,tv,Mid TV,d\n");
    writeFileSync(path.join(dir, "sampleSubmission.csv"), "id,prediction\n3,1\n");
    for (const format of ["auto", "crowdflower", "CrowdFlower"] as const) {
      const result = await loadSearchJudgments(dir, { format: format as "auto" });
      expect(result.format).toBe("crowdflower");
      expect(result.records.map((r) => [r.title, r.label, r.group])).toEqual([
        ["Big TV", "E", null],
        ["Small TV", "I", null],
      ]);
      expect(result.notes).toEqual(["skipped sampleSubmission.csv, test.csv: no crowdflower judgment columns (query, product_title, median_relevance)"]);
    }
  });

  it("the Kaggle Home Depot folder: descriptions joined, test, attributes and submission files skipped", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "train.csv"), "id,product_uid,product_title,search_term,relevance\n2,100001,Simpson Strong-Tie,angle bracket,3\n");
    writeFileSync(path.join(dir, "test.csv"), "id,product_uid,product_title,search_term\n1,100001,Simpson Strong-Tie,90 degree bracket\n");
    writeFileSync(path.join(dir, "product_descriptions.csv"), "product_uid,product_description\n100001,Not only do angles make joints stronger\n");
    writeFileSync(path.join(dir, "attributes.csv"), "product_uid,name,value\n100001,Bullet01,Versatile\n");
    writeFileSync(path.join(dir, "sample_submission.csv"), "id,relevance\n1,1\n");
    const result = await loadSearchJudgments(dir);
    expect(result.format).toBe("homedepot");
    expect(result.records.map((r) => [r.query, r.description, r.label])).toEqual([["angle bracket", "Not only do angles make joints stronger", "E"]]);
    expect(result.notes).toEqual(["skipped attributes.csv, sample_submission.csv, test.csv: no homedepot judgment columns (search_term, product_uid, relevance)"]);
  });

  it("folds as gzip files; grades written as floats; a folder mixing formats is refused", async () => {
    const dir = tempDir();
    for (const fold of [1, 2]) writeFileSync(path.join(dir, `fold-${fold}.csv.gz`), gzipSync(`${CF_HEADER}${fold},q${fold},T${fold},d,4.0,0.0\n${fold}0,q${fold},U${fold},d,2.0,0.5\n`));
    const result = await loadSearchJudgments(dir);
    expect(result.records.map((r) => [r.group, r.label, r.original])).toEqual([
      ["fold-1", "E", "4.0"],
      ["fold-1", "C", "2.0"],
      ["fold-2", "E", "4.0"],
      ["fold-2", "C", "2.0"],
    ]);
    const folds = await loadRelevanceFolds(dir);
    expect(folds.split).toBe("files");
    expect(folds.pools.flatMap((p) => p.items.map((i) => i.grade))).toEqual([3, 1, 3, 1]);
    writeFileSync(path.join(dir, "train.csv"), "id,product_uid,product_title,search_term,relevance\n2,100001,T,q,3\n");
    await expect(loadSearchJudgments(dir)).rejects.toThrow(/mixes judgment formats \(fold-1\.csv\.gz: crowdflower, fold-2\.csv\.gz: crowdflower, train\.csv: homedepot\)/);
    expect((await loadSearchJudgments(dir, { format: "homedepot" })).records).toHaveLength(1);
  });

  it("an unknown format name is an error that lists the formats", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "train.csv"), `${CF_HEADER}1,tv,Big TV,d,4,0\n`);
    await expect(loadSearchJudgments(path.join(dir, "train.csv"), { format: "kaggle" as "auto" })).rejects.toThrow('unknown format "kaggle"; expected one of crowdflower, homedepot, wands, esci or auto.');
  });

  it("when every row is dropped, the relevance loader says why rather than 'no judgments'", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "train.csv"), `${CF_HEADER}1,tv,Big TV,d,5,0\n2,tv,Small TV,d,high,0\n`);
    await expect(loadRelevanceFolds(path.join(dir, "train.csv"))).rejects.toThrow(/every row was dropped:\n {2}dropped 2: grade not on the format's scale \(e\.g\. train\.csv:2: "5"; train\.csv:3: "high"\)/);
    writeFileSync(path.join(dir, "train.csv"), CF_HEADER);
    await expect(loadRelevanceFolds(path.join(dir, "train.csv"))).rejects.toThrow(/no judgments to evaluate \(crowdflower\): the files hold no data rows/);
  });

  it("ESCI: the examples file passed on its own joins the products file beside it, by id alone where the products have no locale", async () => {
    const dir = tempDir();
    const examples = path.join(dir, "shopping_queries_dataset_examples.csv");
    writeFileSync(examples, "example_id,query,query_id,product_id,product_locale,esci_label,split\n0,fan,0,B1,us,E,train\n1,fan,0,B2,us,I,test\n");
    writeFileSync(path.join(dir, "shopping_queries_dataset_products.csv"), "product_id,product_title,product_description,product_locale\nB1,Fan,quiet,us\nB2,Lamp,,us\n");
    const withLocale = await loadSearchJudgments(examples);
    expect(withLocale.records.map((r) => [r.productId, r.title, r.group])).toEqual([
      ["B1", "Fan", "train"],
      ["B2", "Lamp", "test"],
    ]);
    writeFileSync(path.join(dir, "shopping_queries_dataset_products.csv"), "product_id,product_title\nB1,Fan\n");
    const byId = await loadSearchJudgments(dir);
    expect(byId.records.map((r) => [r.productId, r.title])).toEqual([["B1", "Fan"]]);
    expect(issue(byId.dropped, "product_id not in shopping_queries_dataset_products.csv")?.examples).toEqual(["shopping_queries_dataset_examples.csv:3: B2"]);
  });

  it("ESCI examples under another name: found by their columns, the products file joined and not called skipped", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "esci-us-sample.csv"), "query,product_id,esci_label\nfan,B1,E\n");
    writeFileSync(path.join(dir, "products.csv"), "product_id,product_title\nB1,Fan\n");
    writeFileSync(path.join(dir, "sources.csv"), "query_id,source\n0,other\n");
    const result = await loadSearchJudgments(dir);
    expect(result.records.map((r) => [r.query, r.title])).toEqual([["fan", "Fan"]]);
    expect(result.notes).toEqual(["skipped sources.csv: no esci judgment columns (query, product_id, esci_label)"]);
  });

  it("WANDS: label.csv passed on its own finds query.csv and product.csv; a field running past its line is reported", async () => {
    const dir = path.join(tempDir(), "WANDS dataset");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "query.csv"), "query_id\tquery\tquery_class\n0\tchair\tChairs\n");
    writeFileSync(path.join(dir, "product.csv"), 'product_id\tproduct_name\tproduct_description\n1\tchair\t"big chair, 24 wide\n2\ttable\tit is 30" tall\n3\tlamp\tbright\n');
    writeFileSync(path.join(dir, "label.csv"), "id\tquery_id\tproduct_id\tlabel\n0\t0\t1\tExact\n1\t0\t3\tIrrelevant\n");
    const result = await loadSearchJudgments(path.join(dir, "label.csv"));
    expect(result.format).toBe("wands");
    expect(result.records.map((r) => [r.productId, r.label])).toEqual([
      ["1", "E"],
      ["3", "I"],
    ]);
    expect(issue(result.repaired, "a field spans lines (a quote at its start opened a quoted field, as pandas reads it)")?.examples).toEqual(["product.csv:2"]);
  });
});

describe("CSV files of any size", () => {
  it("streams a file over many read chunks as the whole text parses: quoted line breaks across chunks, CRLF, a late stray byte, gzip", async () => {
    const dir = tempDir();
    // About 2 MB: records whose quoted fields hold Windows line breaks fall across the 64 kB reads.
    const lines = [CF_HEADER.replace("\n", "\r\n")];
    for (let i = 0; i < 12000; i++) lines.push(`${i},"q ${i % 97}","Title ${i}, ""quoted""","line one\r\nline two ${"é".repeat(i % 40)}",${1 + (i % 4)},0\r\n`);
    const text = lines.join("");
    // One Windows-1252 dash near the end: the file's decoding is decided over all of it.
    const bytes = Buffer.concat([Buffer.from(text.slice(0, -40), "utf8"), Uint8Array.from([0x96]), Buffer.from(text.slice(-40), "utf8")]);
    writeFileSync(path.join(dir, "big.csv"), bytes);
    writeFileSync(path.join(dir, "big.csv.gz"), gzipSync(bytes));
    const whole = await parseCsvText(decodeBytes(bytes, "auto", "big.csv").text, "big.csv");
    expect(whole.rows).toHaveLength(12000);
    for (const name of ["big.csv", "big.csv.gz"]) {
      const t = await readCsvFile(path.join(dir, name));
      expect(t.rows).toEqual(whole.rows);
      expect(t.lines).toEqual(whole.lines);
      expect(t.lines.at(-1)).toBe(1 + 2 * 11999 + 1);
      expect(t.encoding).toBe("utf-8");
      expect(t.encodingNote).toMatch(new RegExp(`${name.endsWith(".gz") ? "^gzip-compressed; " : "^"}UTF-8 with 1 invalid byte \\(the first at byte ${bytes.indexOf(0x96)} \\(line 24001,`));
    }
    // A malformed record far into the file: its line, and nothing after it is read.
    writeFileSync(path.join(dir, "bad.csv"), `${text}12000,"q","t","d",4,0,EXTRA\r\n${text.split("\r\n").slice(1).join("\r\n")}`);
    await expect(readCsvFile(path.join(dir, "bad.csv"))).rejects.toThrow(/bad\.csv: line 24002, column 7: expected 6 fields/);
  });
});

describe("ESCI as it is published: Parquet", () => {
  // Written by Apache Arrow (scripts/golden/esci_parquet_fixture.py): the same table as Parquet
  // (snappy examples, gzip products, several row groups) and as CSV.
  const fixtures = path.join(__dirname, "..", "fixtures", "esci-parquet");

  it("loads the Parquet folder as the CSV folder: the same judgments, products joined by id and locale", async () => {
    const fromParquet = await loadSearchJudgments(path.join(fixtures, "parquet"));
    const fromCsv = await loadSearchJudgments(path.join(fixtures, "csv"));
    const fields = (r: (typeof fromCsv.records)[number]): unknown[] => [r.query, r.queryId, r.productId, r.title, r.description, r.label, r.group, r.original];
    expect(fromParquet.format).toBe("esci");
    expect(fromParquet.records.map(fields)).toEqual(fromCsv.records.map(fields));
    expect(fromParquet.records).toHaveLength(9);
    // Parquet rows are numbered where CSV files have lines (one line per row here: no quoted line breaks in the examples).
    expect(fromParquet.records.map((r) => r.source.replace(/\.parquet:/, ".csv:").replace(/:(\d+)$/, (_m, n: string) => `:${Number(n) + 1}`))).toEqual(fromCsv.records.map((r) => r.source));
    expect(fromParquet.records.find((r) => r.productId === "B0JP000001")?.title).toBe("山善 扇風機 30cm");
    expect(fromParquet.records.find((r) => r.productId === "B000MOO21W")?.description).toBe('<b>Quiet</b> fan, "190" CFM\nEnergy Star');
    expect(fromParquet.dropped).toEqual(fromCsv.dropped.map((d) => ({ ...d, reason: d.reason.replace(".csv", ".parquet"), examples: d.examples.map((e) => e.replace(".csv:4", ".parquet:3")) })));
    expect(fromParquet.sources.map((s) => [path.basename(s.file), s.rows, s.encodingNote])).toEqual([
      ["shopping_queries_dataset_examples.parquet", 10, "Parquet (row numbers for lines)"],
      ["shopping_queries_dataset_products.parquet", 8, "Parquet (row numbers for lines)"],
    ]);
  });

  it("reads a Parquet examples file passed on its own, and says a file that is not Parquet is not", async () => {
    const one = await loadSearchJudgments(path.join(fixtures, "parquet", "shopping_queries_dataset_examples.parquet"));
    expect(one.records).toHaveLength(9);
    const dir = tempDir();
    writeFileSync(path.join(dir, "x.parquet"), Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(20)]));
    await expect(loadSearchJudgments(path.join(dir, "x.parquet"))).rejects.toThrow(/x\.parquet: not a readable Parquet file/);
  });
});

describe("a subset of the rows", () => {
  it("keeps the rows whose columns equal the given values (ESCI's locale and reduced set), says how many, joins only their products", async () => {
    const fixtures = path.join(__dirname, "..", "fixtures", "esci-parquet");
    for (const kind of ["parquet", "csv"]) {
      const result = await loadSearchJudgments(path.join(fixtures, kind), { where: { product_locale: "us", small_version: "1" } });
      expect(result.records.map((r) => [r.queryId, r.productId])).toEqual([
        ["0", "B07X3Y6B1V"],
        ["1", "B08L3B9B9Y"],
      ]);
      expect(result.dropped.map((d) => [d.count, d.examples])).toEqual([[1, [`shopping_queries_dataset_examples.${kind}:${kind === "csv" ? 4 : 3}: B0MISSING0 (us)`]]]);
      expect(result.notes).toEqual([`shopping_queries_dataset_examples.${kind}: kept 3 of 10 rows where product_locale=us, small_version=1`]);
    }
    const dir = tempDir();
    writeFileSync(path.join(dir, "train.csv"), `${CF_HEADER}1,tv,Big TV,d,4,0\n`);
    await expect(loadSearchJudgments(dir, { where: { product_locale: "us" } })).rejects.toThrow(/train\.csv: expected a column named "product_locale", found columns/);
  });
});

describe("Parquet schemas", () => {
  it("finds the top-level columns past nested ones (lists, structs in structs) and prints nested cells as JSON", async () => {
    const file = path.join(__dirname, "..", "fixtures", "esci-parquet", "nested.parquet");
    expect(await tableColumns(file)).toEqual(["query", "tags", "dims", "product_id", "esci_label"]);
    const rows: string[][] = [];
    await streamTable(file, {}, (row) => rows.push(row));
    expect(rows).toEqual([
      ["fan", '["a","b"]', '{"w":1,"h":{"cm":2}}', "B1", "E"],
      ["lamp", "[]", "", "B2", "I"],
    ]);
  });
});
