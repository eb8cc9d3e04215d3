import { captureDisplay, formatCell, table, tableHtml, tableText, toTableModel, type MimeBundle } from "../../lib/src/viz";

/** Cell texts of an HTML table, row by row (header first), entities left as they are. */
function htmlCells(html: string): string[][] {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]));
}

describe("table inputs", () => {
  test("row objects: columns in order of first appearance, missing cells empty", () => {
    const model = toTableModel([{ id: 1, title: "red shoe" }, { id: 2, price: 9.5 }]);
    expect(model.columns).toEqual(["id", "title", "price"]);
    expect(model.rows).toEqual([[1, "red shoe", undefined], [2, undefined, 9.5]]);
    expect(tableText([{ id: 1, title: "red shoe" }, { id: 2, price: 9.5 }], { index: false })).toBe(
      ["id  title      price", "--  --------  ------", " 1  red shoe", " 2            9.5000"].join("\n"),
    );
  });

  test("column object, 1-D, 2-D and typed arrays", () => {
    expect(toTableModel({ q: ["a", "b"], ndcg: new Float32Array([0.5, 0.25]) }).rows).toEqual([["a", 0.5], ["b", 0.25]]);
    expect(toTableModel([3, 1, 2]).columns).toEqual(["value"]);
    expect(toTableModel(new Int32Array([7, 8])).rows).toEqual([[7], [8]]);
    expect(toTableModel([[1, 2], [3, 4]])).toEqual({ columns: ["0", "1"], rows: [[1, 2], [3, 4]], index: [0, 1] });
    expect(toTableModel([new Float64Array([1, 2]), new Float64Array([3, 4])]).rows).toEqual([[1, 2], [3, 4]]);
    expect(() => toTableModel({ a: [1, 2], b: [1] })).toThrow(/column "a" has 2 values but column "b" has 1/);
    expect(() => toTableModel([{ a: 1 }, 5] as unknown as number[])).toThrow(/row 0 is an object but row 1 is number/);
  });

  test("a tensor by shape: rank 1 and 2 shown, rank 3 refused with the shape", () => {
    const tensor = (shape: number[], values: unknown) => ({ shape, arraySync: () => values });
    expect(toTableModel(tensor([2, 2], [[1, 2], [3, 4]])).rows).toEqual([[1, 2], [3, 4]]);
    expect(toTableModel(tensor([3], [1, 2, 3])).columns).toEqual(["value"]);
    expect(toTableModel(tensor([], 5)).rows).toEqual([[5]]);
    expect(() => toTableModel(tensor([2, 3, 4], []))).toThrow(/rank 1 or 2 .* found shape \[2, 3, 4\]/);
  });

  test("a danfojs DataFrame and Series (real ones) keep their columns and index", async () => {
    const dfd = await import("danfojs-node");
    const df = new dfd.DataFrame({ query: ["red shoes", "bag"], clicks: [12, 3] }, { index: ["q1", "q2"] });
    const model = toTableModel(df);
    expect(model).toEqual({ columns: ["query", "clicks"], rows: [["red shoes", 12], ["bag", 3]], index: ["q1", "q2"] });
    const series = df["clicks"] as unknown as Parameters<typeof toTableModel>[0];
    expect(toTableModel(series)).toEqual({ columns: ["clicks"], rows: [[12], [3]], index: ["q1", "q2"] });
  }, 60_000);

  test("a plain object named like a DataFrame is still a column object", () => {
    expect(toTableModel({ columns: ["x", "y"], values: [1, 2] }).columns).toEqual(["columns", "values"]);
  });
});

describe("table rendering", () => {
  test("every cell, header and caption is escaped in HTML", () => {
    const html = tableHtml([{ "<b>name</b>": "<script>alert(1)</script>", note: 'a "quoted" & <i>' }], { caption: "<caption>" });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;name&lt;/b&gt;");
    expect(html).toContain("a &quot;quoted&quot; &amp; &lt;i&gt;");
    expect(html).toContain(">&lt;caption&gt;</caption>");
  });

  test("maxRows: head and tail with an ellipsis row and the total count", () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ i, sq: i * i }));
    const cells = htmlCells(tableHtml(rows, { maxRows: 6 }));
    // Header, 3 head rows, the ellipsis row, 3 tail rows; the index column shows the original row numbers.
    expect(cells.map((r) => r[0])).toEqual(["", "0", "1", "2", "…", "97", "98", "99"]);
    expect(cells[4]).toEqual(["…", "…", "…"]);
    expect(cells[7]).toEqual(["99", "99", "9801"]);
    expect(tableHtml(rows, { maxRows: 6 })).toContain("100 rows × 2 columns");
    const text = tableText(rows, { maxRows: 5 }).split("\n");
    expect(text).toHaveLength(2 + 3 + 1 + 2 + 1);
    expect(text[text.length - 1]).toBe("[100 rows × 2 columns]");
    expect(tableHtml(rows.slice(0, 6), { maxRows: 6 })).not.toContain("…");
    expect(() => tableText(rows, { maxRows: 0 })).toThrow(/maxRows should be a positive integer; found 0/);
  });

  test("numbers: integers exact, decimals to `digits`, tiny and huge in exponent form", () => {
    expect(formatCell(42)).toBe("42");
    expect(formatCell(1 / 3)).toBe("0.3333");
    expect(formatCell(1 / 3, 2)).toBe("0.33");
    expect(formatCell(0.00001234)).toBe("1.234e-5");
    expect(formatCell(NaN)).toBe("NaN");
    expect(formatCell(null)).toBe("");
    expect(formatCell(true)).toBe("true");
    expect(formatCell([1, "a"])).toBe('[1,"a"]');
    const text = tableText({ score: [0.5, 12.25] }, { digits: 1, index: false });
    expect(text).toBe(["score", "-----", "  0.5", " 12.3"].join("\n"));
  });

  test("text: long cells are cut, newlines shown as ⏎, numeric columns right-aligned", () => {
    const text = tableText([{ title: "x".repeat(50), n: 5 }, { title: "a\nb", n: 123 }], { maxCellWidth: 10 });
    expect(text.split("\n")).toEqual(["   title         n", "-  ----------  ---", "0  xxxxxxxxx…    5", "1  a⏎b         123"]);
  });

  test("columns option picks and orders columns, and names the ones that exist when wrong", () => {
    expect(tableText([{ a: 1, b: 2 }], { columns: ["b", "a"], index: false }).split("\n")[0]).toBe("b  a");
    expect(() => tableText([{ a: 1 }], { columns: ["z"] })).toThrow(/no column "z"; the columns are \[a\]/);
  });

  test("table() sends one bundle with the HTML and the text", () => {
    const seen: MimeBundle[] = [];
    const restore = captureDisplay((b) => seen.push(b));
    try {
      table([{ a: 1 }], { caption: "one" });
    } finally {
      restore();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]["text/html"]).toBe(tableHtml([{ a: 1 }], { caption: "one" }));
    expect(seen[0]["text/plain"]).toBe(tableText([{ a: 1 }], { caption: "one" }));
  });
});

describe("a one-row table", () => {
  test("has no index column unless asked for (a lone 0 says nothing)", () => {
    expect(tableText([{ products: 3000, queries: 300 }])).toBe(tableText([{ products: 3000, queries: 300 }], { index: false }));
    expect(tableHtml([{ products: 3000 }])).not.toContain(">0</th>");
    expect(tableHtml([{ products: 3000 }], { index: true })).toContain(">0</th>");
    expect(tableHtml([{ products: 3000 }, { products: 30000 }])).toContain(">1</th>");
  });
});
