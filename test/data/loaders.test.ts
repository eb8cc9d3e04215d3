// Loaders on small files written here in the real datasets' shapes (Home Depot, WANDS, ESCI,
// Crowdflower, RecBole, Amazon reviews), with the mess real files have.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  CsvFormatError,
  GRADE_MAPPINGS,
  decodeBytes,
  describeIssues,
  firstInvalidUtf8,
  loadRecSequences,
  loadSearchJudgments,
  parseCsvText,
  readCsvFile,
  recboleField,
  stripHtml,
} from "shoplm";
import { issue, tempDirs } from "../fixtures/temp-dirs";

const tempDir = tempDirs("loaders-");

describe("encoding", () => {
  it("finds the first byte that breaks UTF-8 (overlong, surrogate, truncated, stray continuation)", () => {
    expect(firstInvalidUtf8(Buffer.from("plain ascii"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from("café – 😀", "utf8"))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
    expect(firstInvalidUtf8(Uint8Array.from([0x80]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });

  it("decodes UTF-8 (dropping a BOM), falls back to latin-1 and says where and why", () => {
    expect(decodeBytes(Buffer.from("\ufeffhello", "utf8"))).toEqual({ text: "hello", encoding: "utf-8", bom: true, note: null });
    const latin = decodeBytes(Buffer.concat([Buffer.from("line one\n10"), Uint8Array.from([0xb0, 0x20, 0x93, 0x71, 0x94])]), "auto", "x.csv");
    expect(latin.text).toBe("line one\n10° “q”");
    expect(latin.encoding).toBe("latin1");
    expect(latin.note).toBe("invalid UTF-8 at byte 11 (line 2, value 0xb0); decoded as latin-1 (Windows-1252)");
    expect(() => decodeBytes(Uint8Array.from([0x61, 0xff]), "utf-8", "y.csv")).toThrow(/y\.csv: expected UTF-8, found an invalid byte at byte 1 \(line 1, value 0xff\)/);
  });
});

describe("HTML to text", () => {
  it("drops tags, scripts and comments, breaks lines at blocks, decodes entities", () => {
    expect(stripHtml("<p>Hello&nbsp;<b>world</b></p><script>var x = '<p>';</script><!-- c --><ul><li>5 &gt; 3</li><li>&#8220;q&#x201D; &amp; more</li></ul>")).toBe("Hello world\n5 > 3\n“q” & more");
    expect(stripHtml("no tags, 12&quot; wide")).toBe('no tags, 12" wide');
  });
});

describe("CSV", () => {
  it("parses quoted newlines and doubled quotes, keeps each row's starting line, sniffs tabs", async () => {
    const t = await parseCsvText('a,b,c\n1,"x\ny",3\n\n4,"""q""",6\r\n7,8,9', "t.csv");
    expect(t.columns).toEqual(["a", "b", "c"]);
    expect(t.rows).toEqual([["1", "x\ny", "3"], ["4", '"q"', "6"], ["7", "8", "9"]]);
    expect(t.lines).toEqual([2, 5, 6]);
    const tsv = await parseCsvText("a\tb\n1\t2\n", "t.tsv");
    expect(tsv.delimiter).toBe("\t");
    expect(tsv.rows).toEqual([["1", "2"]]);
  });

  it("names file, line, column and the expectation for each kind of malformed input", async () => {
    const fail = (text: string) => parseCsvText(text, "bad.csv").then(() => null, (e: unknown) => e as CsvFormatError);
    expect(await fail('a,b,c\n1,"x\ny",3\n4,"bad"quote,6\n')).toMatchObject({ line: 4, column: 2, field: "b", code: "CSV_INVALID_CLOSING_QUOTE" });
    const short = await fail("a,b\n1,2\n3\n");
    expect(short?.message).toBe("bad.csv: line 3, column 2 (b): expected 2 fields (as in the header), got 1 (Invalid Record Length: expect 2, got 1 on line 3)");
    expect(await fail('a,b\n1,2\n3,"4\n5,6\n')).toMatchObject({ line: 3, column: 2, field: "b" });
    expect((await fail("a,b\n1,2,3\n"))?.message).toMatch(/^bad\.csv: line 2, column 3: expected 2 fields \(as in the header\), got 3/);
    expect(await fail('a,b\n1,x"y\n')).toMatchObject({ line: 2, column: 2, field: "b" });
    expect((await fail(""))?.message).toBe("bad.csv: line 1, column 1: expected a header line with column names, found an empty file");
  });
});

describe("search judgments in the public shapes", () => {
  it("Home Depot: latin-1 train.csv, descriptions joined by product_uid, relevance 1..3 mapped by thresholds", async () => {
    const dir = tempDir();
    const rows = [
      ["2", "100001", "Simpson Strong-Tie 12-Gauge Angle", "angle bracket", "3"],
      ["3", "100001", "Simpson Strong-Tie 12-Gauge Angle", "l bracket", "2.5"],
      ["9", "100002", "BEHR Premium Textured 1 gal. \u00b0Deckover", "deck over", "2.33"],
      ["16", "100005", "Delta Vero 1-Handle Shower Faucet", "rain shower head", "1.67"],
      ["17", "100005", "Delta Vero 1-Handle Shower Faucet", "shower only faucet", "1"],
      ["18", "100006", "Whirlpool 1.9 cu. ft. Microwave", "", "3"],
      ["20", "100006", "Whirlpool 1.9 cu. ft. Microwave", "microwave", "4"],
    ];
    const csv = `"id","product_uid","product_title","search_term","relevance"\n${rows.map((r) => r.map((c) => `"${c}"`).join(",")).join("\n")}\n`;
    writeFileSync(path.join(dir, "train.csv"), Buffer.from(csv, "latin1"));
    writeFileSync(path.join(dir, "product_descriptions.csv"), '"product_uid","product_description"\n100001,"Angle made from 12-gauge steel"\n100002,"<p>Restores old decks</p>"\n');
    const result = await loadSearchJudgments(dir, { stripHtml: true });
    expect(result.format).toBe("homedepot");
    expect(result.records.map((r) => [r.query, r.label])).toEqual([
      ["angle bracket", "E"],
      ["l bracket", "E"],
      ["deck over", "S"],
      ["rain shower head", "C"],
      ["shower only faucet", "I"],
    ]);
    expect(result.records[2].title).toBe("BEHR Premium Textured 1 gal. °Deckover");
    expect(result.records[2].description).toBe("Restores old decks");
    expect(result.records[0].productId).toBe("100001");
    const train = result.sources.find((s) => s.file.endsWith("train.csv"))!;
    expect(train.encoding).toBe("latin1");
    expect(train.encodingNote).toMatch(/invalid UTF-8 at byte \d+ \(line 4, value 0xb0\)/);
    expect(issue(result.dropped, "empty query")).toEqual({ reason: "empty query", count: 1, examples: ["train.csv:7"] });
    expect(issue(result.dropped, "grade not on the format's scale")).toEqual({ reason: "grade not on the format's scale", count: 1, examples: ['train.csv:8: "4"'] });
    expect(issue(result.repaired, "missing description (kept as empty)")?.count).toBe(2);
    expect(describeIssues(result)[0]).toBe('dropped 1: empty query (e.g. train.csv:7)');
  });

  it("WANDS: tab-separated query/product/label files with raw quotes, Exact/Partial/Irrelevant -> E/S/I, unknown ids dropped", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "query.csv"), "query_id\tquery\tquery_class\n0\tsalon chair\tMassage Chairs\n1\tsmart coffee table\tCoffee & Cocktail Tables\n");
    writeFileSync(path.join(dir, "product.csv"), 'product_id\tproduct_name\tproduct_class\tcategory hierarchy\tproduct_description\n10\tsalon 12" chair\tChairs\tFurniture / Chairs\ta chair with a 12" seat\n11\tlift top coffee table\tTables\tFurniture / Tables\t\n');
    writeFileSync(path.join(dir, "label.csv"), "id\tquery_id\tproduct_id\tlabel\n0\t0\t10\tExact\n1\t1\t11\tPartial\n2\t0\t11\tIrrelevant\n3\t1\t99\tExact\n4\t0\t10\tMaybe\n");
    const result = await loadSearchJudgments(dir);
    expect(result.format).toBe("wands");
    expect(result.records.map((r) => [r.query, r.productId, r.label])).toEqual([
      ["salon chair", "10", "E"],
      ["smart coffee table", "11", "S"],
      ["salon chair", "11", "I"],
    ]);
    expect(result.records[0].title).toBe('salon 12" chair');
    expect(issue(result.dropped, "product_id not in product.csv")?.examples).toEqual(["label.csv:5: 99"]);
    expect(issue(result.dropped, "grade not on the format's scale")?.count).toBe(1);
  });

  it("ESCI: examples joined to products by id and locale, split as group, labels as letters or words", async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, "shopping_queries_dataset_examples.csv"),
      'example_id,query,query_id,product_id,product_locale,esci_label,small_version,large_version,split\n0," revent 80 cfm",0,B000MOO21W,us,I,0,1,train\n1,revent 80 cfm,0,B07X3Y6B1V,us,exact,0,1,train\n2,revent 80 cfm,0,B07X3Y6B1V,es,C,0,1,test\n3,revent 80 cfm,0,B0MISSING0,us,E,0,1,test\n'
    );
    writeFileSync(
      path.join(dir, "shopping_queries_dataset_products.csv"),
      'product_id,product_title,product_description,product_bullet_point,product_brand,product_color,product_locale\nB000MOO21W,Panasonic FV-20VQ3 WhisperCeiling 190 CFM,"<b>Quiet</b> fan",Energy Star,Panasonic,White,us\nB07X3Y6B1V,Homewerks 7141-80 Bathroom Fan,,"80 CFM\nquiet",Homewerks,White,us\nB07X3Y6B1V,Ventilador Homewerks,,,Homewerks,,es\n'
    );
    const result = await loadSearchJudgments(dir);
    expect(result.format).toBe("esci");
    expect(result.records.map((r) => [r.query, r.productId, r.label, r.group, r.title])).toEqual([
      ["revent 80 cfm", "B000MOO21W", "I", "train", "Panasonic FV-20VQ3 WhisperCeiling 190 CFM"],
      ["revent 80 cfm", "B07X3Y6B1V", "E", "train", "Homewerks 7141-80 Bathroom Fan"],
      ["revent 80 cfm", "B07X3Y6B1V", "C", "test", "Ventilador Homewerks"],
    ]);
    expect(result.records[0].description).toBe("<b>Quiet</b> fan\nEnergy Star");
    expect(result.records[1].description).toBe("80 CFM\nquiet");
    expect(issue(result.dropped, "product_id not in shopping_queries_dataset_products.csv")?.count).toBe(1);
    expect(GRADE_MAPPINGS.esci("Substitute")).toBe("S");
    expect(GRADE_MAPPINGS.esci("X")).toBeNull();
  });

  it("Crowdflower single file: grades off the 1..4 scale are dropped with file and line", async () => {
    const dir = tempDir();
    const file = path.join(dir, "train.csv");
    writeFileSync(file, '"id","query","product_title","product_description","median_relevance","relevance_variance"\n1,"tv","Big TV","<br>nice",4,0\n2,"tv","Small TV","",5,0\n');
    const result = await loadSearchJudgments(file);
    expect(result.format).toBe("crowdflower");
    expect(result.records).toHaveLength(1);
    expect(result.records[0].description).toBe("<br>nice");
    expect(result.dropped).toEqual([{ reason: "grade not on the format's scale", count: 1, examples: ['train.csv:3: "5"'] }]);
    expect(result.records[0].productId).toMatch(/^cf-[0-9a-f]{12}$/);
  });

  it("refuses a file whose columns match no known shape, listing what it found", async () => {
    const file = path.join(tempDir(), "other.csv");
    writeFileSync(file, "a,b\n1,2\n");
    await expect(loadSearchJudgments(file)).rejects.toThrow(/other\.csv: cannot tell which judgment format this is from its columns \(a, b\)/);
    await expect(loadSearchJudgments(path.join(tempDir(), "nothing-here.csv"))).rejects.toThrow(/no file or folder at/);
    const t = await readCsvFile(file);
    expect(t.encoding).toBe("utf-8");
  });
});

describe("recommendation data in the public shapes", () => {
  it("RecBole atomic files: typed headers, quotes taken literally, sequences sorted by timestamp", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "shop.inter"), "user_id:token\titem_id:token\trating:float\ttimestamp:float\nA\ti2\t5\t300\nA\ti1\t4\t100\nB\ti3\t3\t50\nA\ti9\t1\t200\nB\ti1\t2\t\n");
    writeFileSync(path.join(dir, "shop.item"), 'item_id:token\ttitle:token_seq\tbrand:token\tcategories:token_seq\ni1\t12" "pro" pan\tFerro\tKitchen,Pans\ni2\tkettle\tBrisa\tKitchen\ni3\tmug\t\tKitchen\n');
    const result = await loadRecSequences(dir);
    expect(result.format).toBe("recbole");
    expect(result.records).toEqual([
      { user: "A", items: ["i1", "i2"], timestamps: [100, 300] },
      { user: "B", items: ["i3"], timestamps: [50] },
    ]);
    expect(result.items.find((i) => i.id === "i1")).toEqual({ id: "i1", title: '12" "pro" pan', description: "", brand: "Ferro", categories: ["Kitchen", "Pans"] });
    expect(issue(result.dropped, "interaction with an item id not in the item file")?.examples).toEqual(["shop.inter: user A, item i9"]);
    expect(issue(result.dropped, "interaction without a numeric timestamp")?.examples).toEqual(["shop.inter:6"]);
    expect(result.interactions).toBe(3);
    expect(recboleField("item_id:token")).toEqual({ name: "item_id", type: "token" });
    expect(() => recboleField("item_id")).toThrow(/Expected a RecBole header field "name:type"/);
  });

  it("Amazon reviews (2018 JSON Lines, gzip'd) with metadata: time order per user, array fields joined", async () => {
    const dir = tempDir();
    const reviews = [
      { overall: 5, reviewerID: "R1", asin: "B2", unixReviewTime: 1400000000 },
      { overall: 4, reviewerID: "R1", asin: "B1", unixReviewTime: 1300000000 },
      { overall: 3, reviewerID: "R2", asin: "B1" },
      { overall: 2, reviewerID: "R2", asin: "B3", unixReviewTime: 1500000000 },
    ];
    writeFileSync(path.join(dir, "Scientific.json.gz"), gzipSync(reviews.map((r) => JSON.stringify(r)).join("\n")));
    const meta = [
      { asin: "B1", title: "Beaker", description: ["Glass <b>beaker</b>", "250 ml"], brand: "Lab", category: ["Industrial & Scientific", "Lab"] },
      { asin: "B2", title: "Funnel", description: [], category: [] },
      { asin: "B3", title: "Scale" },
    ];
    writeFileSync(path.join(dir, "meta_Scientific.json"), meta.map((m) => JSON.stringify(m)).join("\n"));
    const result = await loadRecSequences(path.join(dir, "Scientific.json.gz"), { stripHtml: true });
    expect(result.format).toBe("amazon-reviews");
    expect(result.records).toEqual([
      { user: "R1", items: ["B1", "B2"], timestamps: [1300000000, 1400000000] },
      { user: "R2", items: ["B3"], timestamps: [1500000000] },
    ]);
    expect(result.items[0]).toEqual({ id: "B1", title: "Beaker", description: "Glass beaker 250 ml", brand: "Lab", categories: ["Industrial & Scientific", "Lab"] });
    expect(issue(result.dropped, "review without a numeric unixReviewTime")?.examples).toEqual(["Scientific.json.gz:3"]);
    expect(issue(result.repaired, "item without categories (kept, empty)")?.count).toBe(2);
  });
});
