/**
 * Real search-relevance judgments (query, product, grade) from the public datasets' CSV shapes,
 * with each dataset's grade scale mapped explicitly onto the course's ESCI scale:
 *
 * | format | file(s) | grade | -> E | -> S | -> C | -> I |
 * | --- | --- | --- | --- | --- | --- | --- |
 * | crowdflower (Kaggle "Crowdflower Search Results Relevance") | train.csv or fold CSVs | median_relevance 1..4 | 4 | 3 | 2 | 1 |
 * | homedepot (Kaggle "Home Depot Product Search Relevance") | train.csv (+ product_descriptions.csv) | relevance, mean of 1..3 | >= 2.5 | >= 2 | >= 1.5 | < 1.5 |
 * | wands (Wayfair ANnotation DataSet) | label.csv, query.csv, product.csv (tab-separated) | Exact / Partial / Irrelevant | Exact | Partial | - | Irrelevant |
 * | esci (Amazon Shopping Queries, exported to CSV) | examples CSV (+ products CSV) | esci_label E/S/C/I | E | S | C | I |
 *
 * The 4-point scales are ordinal: their third grade lands on C as "weakly relevant", not as a
 * complement. Pass `grade` to use another mapping.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { columnIndex, readCsvFile, requireColumn, type CsvOptions, type CsvTable } from "./csv";
import type { TextEncoding } from "./encoding";
import { ESCI_GAINS, isEsciLabel } from "./esci";
import { looksLikeHtml, stripHtml } from "./html";
import { IssueLog, type LoadedRecords, type SourceFile } from "./load-report";
import type { EsciLabel } from "./records";

export type JudgmentFormat = "crowdflower" | "homedepot" | "wands" | "esci";

export const JUDGMENT_FORMATS: readonly JudgmentFormat[] = ["crowdflower", "homedepot", "wands", "esci"];

export interface SearchJudgment {
  readonly query: string;
  /** The file's query id, or the query text when the file has none. */
  readonly queryId: string;
  /** The file's product id; crowdflower has none, so there it is "cf-" + a hash of title and description. */
  readonly productId: string;
  readonly title: string;
  readonly description: string;
  /** On the course's ESCI scale. */
  readonly label: EsciLabel;
  readonly gain: number;
  /** The grade as the file wrote it. */
  readonly original: string;
  /** Fold, split or file the row came from (null when there is only one). */
  readonly group: string | null;
  /** "file:line". */
  readonly source: string;
}

/** Maps a file's grade (as written) to an ESCI label, or null when it is not on the scale. */
export type GradeMapping = (original: string) => EsciLabel | null;

export const GRADE_MAPPINGS: Readonly<Record<JudgmentFormat, GradeMapping>> = {
  crowdflower: (g) => ({ "4": "E", "3": "S", "2": "C", "1": "I" } as const)[g.trim() as "1"] ?? null,
  homedepot: (g) => {
    const r = Number(g);
    if (g.trim() === "" || !Number.isFinite(r) || r < 1 || r > 3) return null;
    return r >= 2.5 ? "E" : r >= 2 ? "S" : r >= 1.5 ? "C" : "I";
  },
  wands: (g) => ({ exact: "E", partial: "S", irrelevant: "I" } as const)[g.trim().toLowerCase() as "exact"] ?? null,
  esci: (g) => {
    const t = g.trim();
    if (isEsciLabel(t.toUpperCase()) && t.length === 1) return t.toUpperCase() as EsciLabel;
    return ({ exact: "E", substitute: "S", complement: "C", irrelevant: "I" } as const)[t.toLowerCase() as "exact"] ?? null;
  },
};

export interface JudgmentLoadOptions {
  /** Default "auto": from the folder's files or the CSV header. */
  readonly format?: JudgmentFormat | "auto";
  /** Strip HTML from titles and descriptions (default false: keep the text as written). */
  readonly stripHtml?: boolean;
  readonly encoding?: TextEncoding | "auto";
  /** Overrides the format's grade mapping. */
  readonly grade?: GradeMapping;
  /** Home Depot: the product_descriptions.csv to join (default: next to train.csv, when present). */
  readonly descriptions?: string;
}

interface FileSet {
  readonly format: JudgmentFormat;
  readonly files: Readonly<Record<string, string>>;
  /** For crowdflower folds and similar: several files with one layout. */
  readonly parts: readonly string[];
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(csv|tsv)$/i.test(f))
    .sort(naturalCompare)
    .map((f) => path.join(dir, f));
}

function findFile(dir: string, names: readonly string[]): string | null {
  const entries = readdirSync(dir);
  for (const name of names) {
    const hit = entries.find((e) => e.toLowerCase() === name.toLowerCase());
    if (hit) return path.join(dir, hit);
  }
  return null;
}

function formatFromColumns(columns: readonly string[], file: string): JudgmentFormat {
  const has = (...names: string[]): boolean => names.every((n) => columns.some((c) => c.toLowerCase() === n));
  if (has("query", "product_title", "median_relevance")) return "crowdflower";
  if (has("search_term", "product_uid", "relevance")) return "homedepot";
  if (has("query", "product_id", "esci_label")) return "esci";
  if (has("query_id", "product_id", "label")) return "wands";
  throw new Error(
    `${file}: cannot tell which judgment format this is from its columns (${columns.join(", ")}); expected crowdflower (query, product_title, median_relevance), homedepot (search_term, product_uid, relevance), esci (query, product_id, esci_label) or wands (query_id, product_id, label). Pass { format } to say.`
  );
}

async function header(file: string, options: CsvOptions): Promise<readonly string[]> {
  return (await readCsvFile(file, options)).columns;
}

async function resolveFiles(input: string, options: JudgmentLoadOptions): Promise<FileSet> {
  if (!existsSync(input)) throw new Error(`Search judgments: no file or folder at ${input}.`);
  const csv: CsvOptions = { encoding: options.encoding };
  const forced = options.format && options.format !== "auto" ? options.format : null;
  if (statSync(input).isDirectory()) {
    const label = findFile(input, ["label.csv"]);
    if ((forced === null || forced === "wands") && label && findFile(input, ["query.csv"]) && findFile(input, ["product.csv"])) {
      return { format: "wands", files: { label, query: findFile(input, ["query.csv"]) as string, product: findFile(input, ["product.csv"]) as string }, parts: [] };
    }
    const examples = findFile(input, ["shopping_queries_dataset_examples.csv", "examples.csv"]);
    if ((forced === null || forced === "esci") && examples) {
      const products = findFile(input, ["shopping_queries_dataset_products.csv", "products.csv"]);
      return { format: "esci", files: products ? { examples, products } : { examples }, parts: [] };
    }
    const train = findFile(input, ["train.csv"]);
    const descriptions = options.descriptions ?? findFile(input, ["product_descriptions.csv"]);
    if (train && (forced === "homedepot" || (forced === null && formatFromColumns(await header(train, csv), train) === "homedepot"))) {
      return { format: "homedepot", files: descriptions ? { train, descriptions } : { train }, parts: [] };
    }
    const parts = csvFiles(input);
    if (parts.length === 0) throw new Error(`${input}: expected CSV files of search judgments (crowdflower folds, Home Depot train.csv, WANDS label/query/product.csv, ESCI examples), found none.`);
    const format = forced ?? formatFromColumns(await header(parts[0], csv), parts[0]);
    return { format, files: {}, parts };
  }
  const format = forced ?? formatFromColumns(await header(input, csv), input);
  if (format === "homedepot") {
    const descriptions = options.descriptions ?? findFile(path.dirname(input), ["product_descriptions.csv"]);
    return { format, files: descriptions ? { train: input, descriptions } : { train: input }, parts: [] };
  }
  if (format === "wands") throw new Error(`${input}: WANDS judgments need the folder with label.csv, query.csv and product.csv; pass the folder.`);
  return { format, files: {}, parts: [input] };
}

class Builder {
  readonly records: SearchJudgment[] = [];
  readonly dropped = new IssueLog();
  readonly repaired = new IssueLog();
  readonly sources: SourceFile[] = [];

  constructor(
    private readonly mapping: GradeMapping,
    private readonly strip: boolean
  ) {}

  source(table: CsvTable): void {
    this.sources.push({ file: table.file, encoding: table.encoding, encodingNote: table.encodingNote, rows: table.rows.length });
  }

  text(value: string | undefined, field: string, where: string): string {
    let out = (value ?? "").trim();
    if (this.strip && looksLikeHtml(out)) {
      out = stripHtml(out);
      this.repaired.add(`HTML stripped from ${field}`, where);
    }
    return out;
  }

  add(row: { query: string; queryId: string | null; productId: string | null; title: string; description: string; grade: string; group: string | null }, where: string): void {
    const query = row.query.trim();
    if (query === "") {
      this.dropped.add("empty query", where);
      return;
    }
    const label = this.mapping(row.grade);
    if (label === null) {
      this.dropped.add("grade not on the format's scale", `${where}: "${row.grade}"`);
      return;
    }
    const title = this.text(row.title, "title", where);
    const description = this.text(row.description, "description", where);
    if (title === "") this.repaired.add("empty title (kept)", where);
    if (description === "") this.repaired.add("missing description (kept as empty)", where);
    const productId = row.productId?.trim() || `cf-${createHash("sha1").update(`${title}\n${description}`).digest("hex").slice(0, 12)}`;
    this.records.push({ query, queryId: row.queryId?.trim() || query, productId, title, description, label, gain: ESCI_GAINS[label], original: row.grade.trim(), group: row.group, source: where });
  }

  result(): LoadedRecords<SearchJudgment> {
    return { records: this.records, dropped: this.dropped.list(), repaired: this.repaired.list(), sources: this.sources };
  }
}

const where = (table: CsvTable, r: number): string => `${path.basename(table.file)}:${table.lines[r]}`;

async function loadCrowdflower(parts: readonly string[], b: Builder, csv: CsvOptions): Promise<void> {
  for (const file of parts) {
    const t = await readCsvFile(file, csv);
    b.source(t);
    const q = requireColumn(t, "query");
    const title = requireColumn(t, "product_title");
    const desc = columnIndex(t, "product_description");
    const grade = requireColumn(t, "median_relevance");
    const group = parts.length > 1 ? path.basename(file).replace(/\.[^.]+$/, "") : null;
    t.rows.forEach((row, r) => b.add({ query: row[q], queryId: null, productId: null, title: row[title], description: desc >= 0 ? row[desc] : "", grade: row[grade], group }, where(t, r)));
  }
}

async function loadHomeDepot(files: Readonly<Record<string, string>>, b: Builder, csv: CsvOptions): Promise<void> {
  const descriptions = new Map<string, string>();
  if (files.descriptions) {
    const d = await readCsvFile(files.descriptions, csv);
    b.source(d);
    const uid = requireColumn(d, "product_uid");
    const text = requireColumn(d, "product_description");
    for (const row of d.rows) descriptions.set(row[uid].trim(), row[text]);
  }
  const t = await readCsvFile(files.train, csv);
  b.source(t);
  const uid = requireColumn(t, "product_uid");
  const title = requireColumn(t, "product_title");
  const q = requireColumn(t, "search_term");
  const grade = requireColumn(t, "relevance");
  t.rows.forEach((row, r) => b.add({ query: row[q], queryId: null, productId: row[uid], title: row[title], description: descriptions.get(row[uid].trim()) ?? "", grade: row[grade], group: null }, where(t, r)));
}

async function loadWands(files: Readonly<Record<string, string>>, b: Builder, csv: CsvOptions): Promise<void> {
  // WANDS is tab-separated and writes quotes inside fields unescaped (12" shelf).
  const tsv: CsvOptions = { ...csv, delimiter: "\t", relaxQuotes: true };
  const queries = await readCsvFile(files.query, tsv);
  const products = await readCsvFile(files.product, tsv);
  const labels = await readCsvFile(files.label, tsv);
  for (const t of [queries, products, labels]) b.source(t);
  const qId = requireColumn(queries, "query_id");
  const qText = requireColumn(queries, "query");
  const queryText = new Map(queries.rows.map((row) => [row[qId].trim(), row[qText]]));
  const pId = requireColumn(products, "product_id");
  const pName = requireColumn(products, "product_name");
  const pDesc = columnIndex(products, "product_description");
  const productText = new Map(products.rows.map((row) => [row[pId].trim(), { title: row[pName], description: pDesc >= 0 ? row[pDesc] : "" }]));
  const lq = requireColumn(labels, "query_id");
  const lp = requireColumn(labels, "product_id");
  const lg = requireColumn(labels, "label");
  labels.rows.forEach((row, r) => {
    const query = queryText.get(row[lq].trim());
    const product = productText.get(row[lp].trim());
    if (query === undefined) return b.dropped.add("query_id not in query.csv", `${where(labels, r)}: ${row[lq]}`);
    if (product === undefined) return b.dropped.add("product_id not in product.csv", `${where(labels, r)}: ${row[lp]}`);
    b.add({ query, queryId: row[lq], productId: row[lp], title: product.title, description: product.description, grade: row[lg], group: null }, where(labels, r));
  });
}

async function loadEsci(files: Readonly<Record<string, string>>, parts: readonly string[], b: Builder, csv: CsvOptions): Promise<void> {
  const catalog = new Map<string, { title: string; description: string }>();
  if (files.products) {
    const p = await readCsvFile(files.products, csv);
    b.source(p);
    const id = requireColumn(p, "product_id");
    const locale = columnIndex(p, "product_locale");
    const title = requireColumn(p, "product_title");
    const desc = columnIndex(p, "product_description");
    const bullets = columnIndex(p, "product_bullet_point");
    for (const row of p.rows) {
      const description = [desc >= 0 ? row[desc] : "", bullets >= 0 ? row[bullets] : ""].filter((x) => x.trim() !== "").join("\n");
      catalog.set(`${row[id].trim()}|${locale >= 0 ? row[locale].trim() : ""}`, { title: row[title], description });
    }
  }
  for (const file of files.examples ? [files.examples] : parts) {
    const t = await readCsvFile(file, csv);
    b.source(t);
    const q = requireColumn(t, "query");
    const qid = columnIndex(t, "query_id");
    const pid = requireColumn(t, "product_id");
    const locale = columnIndex(t, "product_locale");
    const grade = requireColumn(t, "esci_label");
    const split = columnIndex(t, "split");
    const title = columnIndex(t, "product_title");
    const desc = columnIndex(t, "product_description");
    if (title < 0 && !files.products) throw new Error(`${file}: expected a product_title column, or a products CSV (shopping_queries_dataset_products.csv) next to it to join titles from.`);
    t.rows.forEach((row, r) => {
      let text = { title: title >= 0 ? row[title] : "", description: desc >= 0 ? row[desc] : "" };
      if (title < 0) {
        const hit = catalog.get(`${row[pid].trim()}|${locale >= 0 ? row[locale].trim() : ""}`);
        if (!hit) return b.dropped.add("product_id not in the products file", `${where(t, r)}: ${row[pid]}`);
        text = hit;
      }
      b.add({ query: row[q], queryId: qid >= 0 ? row[qid] : null, productId: row[pid], title: text.title, description: text.description, grade: row[grade], group: split >= 0 ? row[split].trim() || null : null }, where(t, r));
    });
  }
}

/**
 * Search judgments from a CSV file or a folder (crowdflower folds, Home Depot, WANDS, ESCI),
 * mapped to ESCI labels. Rows with no query, a grade off the scale or an unknown id are dropped
 * and counted; empty descriptions and stripped HTML are counted as repairs.
 */
export async function loadSearchJudgments(input: string, options: JudgmentLoadOptions = {}): Promise<LoadedRecords<SearchJudgment> & { readonly format: JudgmentFormat }> {
  const files = await resolveFiles(path.resolve(input), options);
  const b = new Builder(options.grade ?? GRADE_MAPPINGS[files.format], options.stripHtml ?? false);
  const csv: CsvOptions = { encoding: options.encoding ?? "auto" };
  if (files.format === "crowdflower") await loadCrowdflower(files.parts, b, csv);
  else if (files.format === "homedepot") await loadHomeDepot(files.files, b, csv);
  else if (files.format === "wands") await loadWands(files.files, b, csv);
  else await loadEsci(files.files, files.parts, b, csv);
  return { ...b.result(), format: files.format };
}
