/**
 * Real search-relevance judgments (query, product, grade) from the public datasets' CSV shapes,
 * with each dataset's grade scale mapped explicitly onto the course's ESCI scale:
 *
 * | format | file(s) | grade | -> E | -> S | -> C | -> I |
 * | --- | --- | --- | --- | --- | --- | --- |
 * | crowdflower (Kaggle "Crowdflower Search Results Relevance") | train.csv or fold CSVs | median_relevance 1..4 | 4 | 3 | 2 | 1 |
 * | homedepot (Kaggle "Home Depot Product Search Relevance") | train.csv (+ product_descriptions.csv) | relevance, mean of 1..3 | >= 2.5 | >= 2 | >= 1.5 | < 1.5 |
 * | wands (Wayfair ANnotation DataSet) | label.csv, query.csv, product.csv (tab-separated) | Exact / Partial / Irrelevant | Exact | Partial | - | Irrelevant |
 * | esci (Amazon Shopping Queries) | examples (+ products), Parquet as published or CSV | esci_label E/S/C/I | E | S | C | I |
 *
 * The 4-point scales are ordinal: their third grade lands on C as "weakly relevant", not as a
 * complement. Pass `grade` to use another mapping.
 *
 * Input is a file or a folder of tables: CSV or TSV, gzip-compressed or not (see csv.ts for
 * encodings and line ends), or Parquet (see parquet.ts), any size (large files are streamed). In a folder every CSV file's header is read: the files with a format's columns are
 * the judgments (several: folds, each row's group named after its file), and the rest (a Kaggle
 * test.csv without grades, a sample submission, attributes) are skipped and named in `notes`. A
 * single file finds its side files beside it (Home Depot's descriptions, ESCI's products, WANDS's
 * query and product files).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { columnIndex, requireColumn, type CsvOptions, type CsvTable } from "./csv";
import { readTable, streamTable, tableColumns, TABLE_FILE } from "./tables";
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
  // Re-exports write the grade as a float ("4.0"); any other number is off the scale.
  crowdflower: (g) => (g.trim() === "" ? null : ({ 4: "E", 3: "S", 2: "C", 1: "I" } as const)[Number(g) as 1] ?? null),
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
  /**
   * Keep only the judgment rows whose columns equal these values (trimmed), e.g. ESCI's
   * `{ product_locale: "us", small_version: "1" }`; a column a judgment file lacks is an error.
   * The result's notes say how many rows each file kept.
   */
  readonly where?: Readonly<Record<string, string>>;
}

interface FileSet {
  readonly format: JudgmentFormat;
  /** Side files by role (products, descriptions; WANDS: label, query, product). */
  readonly files: Readonly<Record<string, string>>;
  /** The judgment files, one layout (several: folds or splits, each row's group named after its file). */
  readonly parts: readonly string[];
  /** Files seen and skipped, and why. */
  readonly notes: readonly string[];
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => TABLE_FILE.test(f) && statSync(path.join(dir, f)).isFile())
    .sort(naturalCompare)
    .map((f) => path.join(dir, f));
}

/** The first of `names` in `dir` (case-insensitive; also gzip-compressed, name.gz, or as Parquet, x.parquet for x.csv), or null. */
function findFile(dir: string, names: readonly string[]): string | null {
  const entries = readdirSync(dir);
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`, name.replace(/\.csv$/i, ".parquet")]) {
      const hit = entries.find((e) => e.toLowerCase() === candidate.toLowerCase());
      if (hit) return path.join(dir, hit);
    }
  }
  return null;
}

const FORMAT_COLUMNS: Readonly<Record<JudgmentFormat, readonly string[]>> = {
  crowdflower: ["query", "product_title", "median_relevance"],
  homedepot: ["search_term", "product_uid", "relevance"],
  esci: ["query", "product_id", "esci_label"],
  wands: ["query_id", "product_id", "label"],
};

function hasColumnsOf(columns: readonly string[], format: JudgmentFormat): boolean {
  return FORMAT_COLUMNS[format].every((c) => columns.some((x) => x.toLowerCase() === c));
}

/** The judgment format whose columns a header has, or null. */
function formatOf(columns: readonly string[]): JudgmentFormat | null {
  return (["crowdflower", "homedepot", "esci", "wands"] as const).find((f) => hasColumnsOf(columns, f)) ?? null;
}

function formatFromColumns(columns: readonly string[], file: string): JudgmentFormat {
  const format = formatOf(columns);
  if (format) return format;
  throw new Error(
    `${file}: cannot tell which judgment format this is from its columns (${columns.join(", ")}); expected ${JUDGMENT_FORMATS.map((f) => `${f} (${FORMAT_COLUMNS[f].join(", ")})`).join(", ")}. Pass { format } to say.`
  );
}

/** `options.format` checked: one of the formats (any case) or "auto"; null for auto. */
function requestedFormat(format: string | undefined): JudgmentFormat | null {
  const f = (format ?? "auto").trim().toLowerCase();
  if (f === "auto") return null;
  if ((JUDGMENT_FORMATS as readonly string[]).includes(f)) return f as JudgmentFormat;
  throw new Error(`Search judgments: unknown format "${format}"; expected one of ${JUDGMENT_FORMATS.join(", ")} or auto.`);
}

const ESCI_EXAMPLES = ["shopping_queries_dataset_examples.csv", "examples.csv"];
const ESCI_PRODUCTS = ["shopping_queries_dataset_products.csv", "products.csv"];

async function resolveFiles(input: string, options: JudgmentLoadOptions): Promise<FileSet> {
  if (!existsSync(input)) throw new Error(`Search judgments: no file or folder at ${input}.`);
  const csv: CsvOptions = { encoding: options.encoding };
  const forced = requestedFormat(options.format);
  const descriptionsBeside = (dir: string): string | null => options.descriptions ?? findFile(dir, ["product_descriptions.csv"]);
  const wandsBeside = (dir: string): FileSet | null => {
    const [label, query, product] = [findFile(dir, ["label.csv"]), findFile(dir, ["query.csv"]), findFile(dir, ["product.csv"])];
    return label && query && product ? { format: "wands", files: { label, query, product }, parts: [], notes: [] } : null;
  };
  if (!statSync(input).isDirectory()) {
    const columns = await tableColumns(input, csv);
    const format = forced ?? formatFromColumns(columns, input);
    const dir = path.dirname(input);
    if (format === "homedepot") {
      const descriptions = descriptionsBeside(dir);
      return { format, files: descriptions ? { train: input, descriptions } : { train: input }, parts: [input], notes: [] };
    }
    if (format === "wands") {
      const set = wandsBeside(dir);
      if (set) return set;
      throw new Error(`${input}: WANDS judgments need label.csv, query.csv and product.csv in one folder; pass that folder.`);
    }
    if (format === "esci" && !columns.some((c) => c.toLowerCase() === "product_title")) {
      const products = findFile(dir, ESCI_PRODUCTS);
      return { format, files: products ? { products } : {}, parts: [input], notes: [] };
    }
    return { format, files: {}, parts: [input], notes: [] };
  }
  if (forced === null || forced === "wands") {
    const set = wandsBeside(input);
    if (set) return set;
  }
  const examples = findFile(input, ESCI_EXAMPLES);
  if ((forced === null || forced === "esci") && examples) {
    const products = findFile(input, ESCI_PRODUCTS);
    return { format: "esci", files: products ? { products } : {}, parts: [examples], notes: [] };
  }
  // Every CSV file's header says what it holds: a Kaggle download keeps test.csv (no grades) and a
  // sample submission beside train.csv, and those are not judgments.
  const all = csvFiles(input);
  if (all.length === 0) throw new Error(`${input}: expected CSV files of search judgments (crowdflower folds, Home Depot train.csv, WANDS label/query/product.csv, ESCI examples), found none.`);
  const kinds = await Promise.all(all.map(async (file) => ({ file, columns: await tableColumns(file, csv) })));
  const judged = kinds.filter((k) => (forced ? hasColumnsOf(k.columns, forced) : formatOf(k.columns) !== null));
  const name = (f: string): string => path.basename(f);
  if (judged.length === 0) {
    throw new Error(
      `${input}: no file here has the columns of ${forced ? `the ${forced} format (${FORMAT_COLUMNS[forced].join(", ")})` : `a judgment format (${JUDGMENT_FORMATS.map((f) => `${f}: ${FORMAT_COLUMNS[f].join(", ")}`).join("; ")})`}; its CSV files: ${kinds.map((k) => `${name(k.file)} (${k.columns.join(", ")})`).join("; ")}.`
    );
  }
  const formats = [...new Set(judged.map((k) => forced ?? (formatOf(k.columns) as JudgmentFormat)))];
  if (formats.length > 1) {
    throw new Error(`${input}: the folder mixes judgment formats (${judged.map((k) => `${name(k.file)}: ${formatOf(k.columns)}`).join(", ")}); pass one file, or { format } to pick one.`);
  }
  const format = formats[0];
  const parts = judged.map((k) => k.file);
  if (format === "wands") throw new Error(`${input}: WANDS judgments need label.csv, query.csv and product.csv in one folder; found ${parts.map(name).join(", ")} without them.`);
  const side = format === "homedepot" ? descriptionsBeside(input) : format === "esci" ? findFile(input, ESCI_PRODUCTS) : null;
  const files: Record<string, string> = side === null ? {} : format === "homedepot" ? { descriptions: side } : { products: side };
  // Files neither judged nor joined (a side file is read, so it is not "skipped").
  const skipped = kinds.filter((k) => !judged.includes(k) && k.file !== side);
  const notes = skipped.length > 0 ? [`skipped ${skipped.map((k) => name(k.file)).join(", ")}: no ${format} judgment columns (${FORMAT_COLUMNS[format].join(", ")})`] : [];
  return { format, files, parts, notes };
}

class Builder {
  readonly records: SearchJudgment[] = [];
  readonly dropped = new IssueLog();
  readonly repaired = new IssueLog();
  readonly sources: SourceFile[] = [];

  private readonly kept = new Map<string, { kept: number; of: number }>();

  constructor(
    private readonly mapping: GradeMapping,
    private readonly strip: boolean,
    private readonly where: Readonly<Record<string, string>> = {}
  ) {}

  /** The `where` filter for one judgment file: a test of its rows (counted per file), or null without one. */
  filter(table: Pick<CsvTable, "file" | "columns">): ((row: readonly string[]) => boolean) | null {
    const conditions = Object.entries(this.where).map(([column, value]) => [requireColumn(table, column), value.trim()] as const);
    if (conditions.length === 0) return null;
    const count = { kept: 0, of: 0 };
    this.kept.set(table.file, count);
    return (row) => {
      count.of++;
      const pass = conditions.every(([i, value]) => row[i].trim() === value);
      if (pass) count.kept++;
      return pass;
    };
  }

  /** One line per filtered file. */
  filterNotes(): string[] {
    const rule = Object.entries(this.where).map(([c, v]) => `${c}=${v}`).join(", ");
    return [...this.kept.entries()].map(([file, c]) => `${path.basename(file)}: kept ${c.kept} of ${c.of} rows where ${rule}`);
  }

  source(table: Pick<CsvTable, "file" | "encoding" | "encodingNote"> & { readonly rows: number | CsvTable["rows"] }): void {
    this.sources.push({ file: table.file, encoding: table.encoding, encodingNote: table.encodingNote, rows: typeof table.rows === "number" ? table.rows : table.rows.length });
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

  result(notes: readonly string[]): LoadedRecords<SearchJudgment> {
    return { records: this.records, dropped: this.dropped.list(), repaired: this.repaired.list(), sources: this.sources, notes };
  }
}

const where = (table: CsvTable, r: number): string => `${path.basename(table.file)}:${table.lines[r]}`;

/** A row's group: its file's name without extensions (fold-1.csv.gz: fold-1), when there are several files. */
function groupOf(file: string, parts: readonly string[]): string | null {
  return parts.length > 1 ? path.basename(file).replace(/(\.gz)?$/i, "").replace(/\.[^.]+$/, "") : null;
}

async function loadCrowdflower(parts: readonly string[], b: Builder, csv: CsvOptions): Promise<void> {
  for (const file of parts) {
    const t = await readTable(file, csv);
    b.source(t);
    const q = requireColumn(t, "query");
    const title = requireColumn(t, "product_title");
    const desc = columnIndex(t, "product_description");
    const grade = requireColumn(t, "median_relevance");
    const group = groupOf(file, parts);
    const keep = b.filter(t);
    t.rows.forEach((row, r) => {
      if (keep && !keep(row)) return;
      b.add({ query: row[q], queryId: null, productId: null, title: row[title], description: desc >= 0 ? row[desc] : "", grade: row[grade], group }, where(t, r));
    });
  }
}

async function loadHomeDepot(files: Readonly<Record<string, string>>, parts: readonly string[], b: Builder, csv: CsvOptions): Promise<void> {
  const descriptions = new Map<string, string>();
  if (files.descriptions) {
    const d = await readTable(files.descriptions, csv);
    b.source(d);
    const uid = requireColumn(d, "product_uid");
    const text = requireColumn(d, "product_description");
    for (const row of d.rows) descriptions.set(row[uid].trim(), row[text]);
  }
  for (const file of parts) {
    const t = await readTable(file, csv);
    b.source(t);
    const uid = requireColumn(t, "product_uid");
    const title = requireColumn(t, "product_title");
    const q = requireColumn(t, "search_term");
    const grade = requireColumn(t, "relevance");
    const group = groupOf(file, parts);
    const keep = b.filter(t);
    t.rows.forEach((row, r) => {
      if (keep && !keep(row)) return;
      b.add({ query: row[q], queryId: null, productId: row[uid], title: row[title], description: descriptions.get(row[uid].trim()) ?? "", grade: row[grade], group }, where(t, r));
    });
  }
}

async function loadWands(files: Readonly<Record<string, string>>, b: Builder, csv: CsvOptions): Promise<void> {
  // WANDS is tab-separated and writes quotes inside fields unescaped (12" shelf).
  const tsv: CsvOptions = { ...csv, delimiter: "\t", relaxQuotes: true };
  const queries = await readTable(files.query, tsv);
  const products = await readTable(files.product, tsv);
  const labels = await readTable(files.label, tsv);
  for (const t of [queries, products, labels]) {
    b.source(t);
    // The files are not quoted, but a quote at the start of a field opens a quoted field (as pandas,
    // WANDS's own reader, takes it): say so where one ran on past its line.
    t.rows.forEach((row, r) => {
      if (row.some((field) => field.includes("\n"))) b.repaired.add("a field spans lines (a quote at its start opened a quoted field, as pandas reads it)", where(t, r));
    });
  }
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
  const keep = b.filter(labels);
  labels.rows.forEach((row, r) => {
    if (keep && !keep(row)) return;
    const query = queryText.get(row[lq].trim());
    const product = productText.get(row[lp].trim());
    if (query === undefined) return b.dropped.add("query_id not in query.csv", `${where(labels, r)}: ${row[lq]}`);
    if (product === undefined) return b.dropped.add("product_id not in product.csv", `${where(labels, r)}: ${row[lp]}`);
    b.add({ query, queryId: row[lq], productId: row[lp], title: product.title, description: product.description, grade: row[lg], group: null }, where(labels, r));
  });
}

/**
 * ESCI: the examples are streamed first, keeping what each row needs and which products it names;
 * then the products file (the full one holds 1.8 million products, too large for one string) is
 * streamed keeping only those products' text.
 */
async function loadEsci(files: Readonly<Record<string, string>>, parts: readonly string[], b: Builder, csv: CsvOptions): Promise<void> {
  const productsFile = files.products as string | undefined;
  const productColumns = productsFile ? await tableColumns(productsFile, csv) : [];
  // Products by id and locale; by id alone where either file has no locale column.
  const productsHaveLocale = columnIndex({ columns: productColumns }, "product_locale") >= 0;
  type Example = { query: string; queryId: string | null; productId: string; key: string | null; locale: string | null; title: string; description: string; grade: string; group: string | null; where: string };
  const examples: Example[] = [];
  const needed = new Set<string>();
  for (const file of parts) {
    const t = { file, columns: await tableColumns(file, csv) };
    const q = requireColumn(t, "query");
    const qid = columnIndex(t, "query_id");
    const pid = requireColumn(t, "product_id");
    const locale = columnIndex(t, "product_locale");
    const grade = requireColumn(t, "esci_label");
    const split = columnIndex(t, "split");
    const title = columnIndex(t, "product_title");
    const desc = columnIndex(t, "product_description");
    if (title < 0 && !productsFile) throw new Error(`${file}: expected a product_title column, or a products CSV (${ESCI_PRODUCTS.join(" or ")}) next to it to join titles from.`);
    const group = split >= 0 ? null : groupOf(file, parts);
    const base = path.basename(file);
    const keep = b.filter(t);
    const info = await streamTable(file, csv, (row, line) => {
      if (keep && !keep(row)) return;
      const productId = row[pid];
      const key = title >= 0 ? null : productsHaveLocale && locale >= 0 ? `${productId.trim()}|${row[locale].trim()}` : productId.trim();
      if (key !== null) needed.add(key);
      examples.push({
        query: row[q],
        queryId: qid >= 0 ? row[qid] : null,
        productId,
        key,
        locale: key !== null && productsHaveLocale && locale >= 0 ? row[locale] : null,
        title: title >= 0 ? row[title] : "",
        description: desc >= 0 ? row[desc] : "",
        grade: row[grade],
        group: split >= 0 ? row[split].trim() || null : group,
        where: `${base}:${line}`,
      });
    });
    b.source(info);
  }
  const catalog = new Map<string, { title: string; description: string }>();
  if (productsFile && needed.size > 0) {
    const p = { file: productsFile, columns: productColumns };
    const id = requireColumn(p, "product_id");
    const locale = columnIndex(p, "product_locale");
    const title = requireColumn(p, "product_title");
    const desc = columnIndex(p, "product_description");
    const bullets = columnIndex(p, "product_bullet_point");
    const info = await streamTable(productsFile, csv, (row) => {
      const key = row[id].trim();
      const keys = locale >= 0 ? [`${key}|${row[locale].trim()}`, key] : [key];
      const wanted = keys.filter((k) => needed.has(k) && !catalog.has(k));
      if (wanted.length === 0) return;
      const description = [desc >= 0 ? row[desc] : "", bullets >= 0 ? row[bullets] : ""].filter((x) => x.trim() !== "").join("\n");
      for (const k of wanted) catalog.set(k, { title: row[title], description });
    });
    b.source(info);
  }
  for (const e of examples) {
    let text = { title: e.title, description: e.description };
    if (e.key !== null) {
      const hit = catalog.get(e.key);
      if (!hit) {
        b.dropped.add(`product_id not in ${path.basename(productsFile as string)}`, `${e.where}: ${e.productId}${e.locale !== null ? ` (${e.locale})` : ""}`);
        continue;
      }
      text = hit;
    }
    b.add({ query: e.query, queryId: e.queryId, productId: e.productId, title: text.title, description: text.description, grade: e.grade, group: e.group }, e.where);
  }
}

/**
 * Search judgments from a CSV file or a folder (crowdflower folds, Home Depot, WANDS, ESCI),
 * mapped to ESCI labels. Rows with no query, a grade off the scale or an unknown id are dropped
 * and counted; empty descriptions and stripped HTML are counted as repairs.
 */
export async function loadSearchJudgments(input: string, options: JudgmentLoadOptions = {}): Promise<LoadedRecords<SearchJudgment> & { readonly format: JudgmentFormat }> {
  const files = await resolveFiles(path.resolve(input), options);
  const b = new Builder(options.grade ?? GRADE_MAPPINGS[files.format], options.stripHtml ?? false, options.where);
  const csv: CsvOptions = { encoding: options.encoding ?? "auto" };
  if (files.format === "crowdflower") await loadCrowdflower(files.parts, b, csv);
  else if (files.format === "homedepot") await loadHomeDepot(files.files, files.parts, b, csv);
  else if (files.format === "wands") await loadWands(files.files, b, csv);
  else await loadEsci(files.files, files.parts, b, csv);
  return { ...b.result([...files.notes, ...b.filterNotes()]), format: files.format };
}
