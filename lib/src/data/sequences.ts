/**
 * Real recommendation data: item text and each user's time-ordered item sequence, from
 * - "amazon-json": a folder with items.json ({id: {title, description, brand, categories}}) and
 *   sequences.json ({user: [item ids in time order]}), the layout of ../shared/datasets/amazon-scientific;
 * - "amazon-reviews": the Amazon Reviews (2018) JSON Lines files, reviews (reviewerID, asin,
 *   unixReviewTime) plus optional metadata (asin, title, description, brand, category), .gz or plain;
 * - "recbole": RecBole atomic files, <name>.inter (user_id:token, item_id:token, timestamp:float...)
 *   and optional <name>.item (item_id:token, title:token_seq, ...), tab-separated with typed headers.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { readCsvFile, type CsvTable } from "./csv";
import { decodeBytes, type TextEncoding } from "./encoding";
import { looksLikeHtml, stripHtml } from "./html";
import { IssueLog, type LoadedRecords, type SourceFile } from "./load-report";

export interface ItemText {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  /** Department first. */
  readonly categories: readonly string[];
}

export interface UserSequence {
  readonly user: string;
  /** Item ids, oldest first. */
  readonly items: readonly string[];
  /** Unix seconds per item when the source has them, else null. */
  readonly timestamps: readonly number[] | null;
}

export type SequenceFormat = "amazon-json" | "amazon-reviews" | "recbole";

export interface SequenceLoadResult extends LoadedRecords<UserSequence> {
  readonly format: SequenceFormat;
  readonly items: ItemText[];
  /** Items over all kept sequences. */
  readonly interactions: number;
}

export interface SequenceLoadOptions {
  readonly format?: SequenceFormat | "auto";
  /** Strip HTML from titles and descriptions (default false). */
  readonly stripHtml?: boolean;
  readonly encoding?: TextEncoding | "auto";
  /** amazon-reviews: the metadata file (default: a meta_*.json(.gz) next to the reviews). */
  readonly metadata?: string;
}

interface Sink {
  readonly dropped: IssueLog;
  readonly repaired: IssueLog;
  readonly sources: SourceFile[];
  readonly strip: boolean;
}

function readText(file: string, encoding: TextEncoding | "auto"): { text: string; source: SourceFile } {
  let bytes: Buffer = readFileSync(file);
  if (file.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${file}: expected a gzip file, could not decompress (${(error as Error).message}).`);
    }
  }
  const decoded = decodeBytes(bytes, encoding, file);
  return { text: decoded.text, source: { file, encoding: decoded.encoding, encodingNote: decoded.note, rows: 0 } };
}

/** JSON.parse with an error that names the file, line and column. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const m = /position (\d+)/.exec(message);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split("\n").length;
      const column = pos - before.lastIndexOf("\n");
      throw new Error(`${file}: line ${line}, column ${column}: expected valid JSON (${message}).`);
    }
    throw new Error(`${file}: expected valid JSON (${message}).`);
  }
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(asText).filter((x) => x !== "").join(" ");
  return String(value);
}

function cleanText(sink: Sink, value: unknown, field: string, where: string): string {
  let text = asText(value).trim();
  if (sink.strip && looksLikeHtml(text)) {
    text = stripHtml(text);
    sink.repaired.add(`HTML stripped from ${field}`, where);
  }
  return text;
}

/** "A,B, C & D,E" -> ["A", "B, C & D", "E"]: category names may hold ", " themselves. */
export function splitCategoryPath(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => asText(v).trim()).filter((v) => v !== "");
  return asText(value)
    .split(/,(?! )/)
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

function item(sink: Sink, id: string, raw: Record<string, unknown>, where: string, fields: { title: string; description: string; brand: string; categories: string }): ItemText {
  const out: ItemText = {
    id,
    title: cleanText(sink, raw[fields.title], "title", where),
    description: cleanText(sink, raw[fields.description], "description", where),
    brand: cleanText(sink, raw[fields.brand], "brand", where),
    categories: splitCategoryPath(raw[fields.categories]),
  };
  if (out.title === "") sink.repaired.add("item without title (kept)", where);
  if (out.description === "") sink.repaired.add("item without description (kept, empty)", where);
  if (out.brand === "") sink.repaired.add("item without brand (kept, empty)", where);
  if (out.categories.length === 0) sink.repaired.add("item without categories (kept, empty)", where);
  return out;
}

/** Keeps known items of each sequence, drops the unknown ones (counted) and users left with nothing. */
function finish(sink: Sink, format: SequenceFormat, items: ItemText[], raw: Array<{ user: string; items: string[]; timestamps: number[] | null; where: string }>): SequenceLoadResult {
  const known = new Set(items.map((i) => i.id));
  const records: UserSequence[] = [];
  let interactions = 0;
  for (const seq of raw) {
    const keep: number[] = [];
    seq.items.forEach((id, k) => {
      if (known.size === 0 || known.has(id)) keep.push(k);
      else sink.dropped.add("interaction with an item id not in the item file", `${seq.where}: user ${seq.user}, item ${id}`);
    });
    if (keep.length === 0) {
      sink.dropped.add("user with no interactions left", `${seq.where}: user ${seq.user}`);
      continue;
    }
    records.push({ user: seq.user, items: keep.map((k) => seq.items[k]), timestamps: seq.timestamps ? keep.map((k) => (seq.timestamps as number[])[k]) : null });
    interactions += keep.length;
  }
  return { format, records, items, interactions, dropped: sink.dropped.list(), repaired: sink.repaired.list(), sources: sink.sources };
}

function loadAmazonJson(dir: string, sink: Sink, encoding: TextEncoding | "auto"): SequenceLoadResult {
  const itemsFile = path.join(dir, "items.json");
  const seqFile = path.join(dir, "sequences.json");
  const itemsText = readText(itemsFile, encoding);
  const rawItems = parseJsonFile(itemsText.text, itemsFile);
  if (rawItems === null || typeof rawItems !== "object" || Array.isArray(rawItems)) throw new Error(`${itemsFile}: expected one JSON object keyed by item id, got ${Array.isArray(rawItems) ? "an array" : typeof rawItems}.`);
  const items: ItemText[] = [];
  for (const [id, value] of Object.entries(rawItems as Record<string, unknown>)) {
    const where = `items.json: item ${id}`;
    if (value === null || typeof value !== "object") {
      sink.dropped.add("item that is not an object", where);
      continue;
    }
    items.push(item(sink, id, value as Record<string, unknown>, where, { title: "title", description: "description", brand: "brand", categories: "categories" }));
  }
  sink.sources.push({ ...itemsText.source, rows: items.length });
  const seqText = readText(seqFile, encoding);
  const rawSeqs = parseJsonFile(seqText.text, seqFile);
  if (rawSeqs === null || typeof rawSeqs !== "object" || Array.isArray(rawSeqs)) throw new Error(`${seqFile}: expected one JSON object keyed by user id, got ${Array.isArray(rawSeqs) ? "an array" : typeof rawSeqs}.`);
  const raw: Array<{ user: string; items: string[]; timestamps: null; where: string }> = [];
  for (const [user, value] of Object.entries(rawSeqs as Record<string, unknown>)) {
    if (!Array.isArray(value)) {
      sink.dropped.add("user whose sequence is not an array", `sequences.json: user ${user}`);
      continue;
    }
    raw.push({ user, items: value.map((v) => String(v)), timestamps: null, where: "sequences.json" });
  }
  sink.sources.push({ ...seqText.source, rows: raw.length });
  return finish(sink, "amazon-json", items, raw);
}

function jsonLines(file: string, sink: Sink, encoding: TextEncoding | "auto"): Array<{ value: Record<string, unknown>; line: number }> {
  const { text, source } = readText(file, encoding);
  const out: Array<{ value: Record<string, unknown>; line: number }> = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) out.push({ value: value as Record<string, unknown>, line: i + 1 });
      else sink.dropped.add("line that is not a JSON object", `${path.basename(file)}:${i + 1}`);
    } catch (error) {
      throw new Error(`${file}: line ${i + 1}: expected one JSON object per line (${(error as Error).message}).`);
    }
  });
  sink.sources.push({ ...source, rows: out.length });
  return out;
}

function loadAmazonReviews(reviewsFile: string, metaFile: string | null, sink: Sink, encoding: TextEncoding | "auto"): SequenceLoadResult {
  const items: ItemText[] = [];
  if (metaFile) {
    const seen = new Set<string>();
    for (const { value, line } of jsonLines(metaFile, sink, encoding)) {
      const where = `${path.basename(metaFile)}:${line}`;
      const asin = asText(value.asin).trim();
      if (asin === "") {
        sink.dropped.add("metadata line without asin", where);
        continue;
      }
      if (seen.has(asin)) {
        sink.dropped.add("duplicate metadata for an asin (kept the first)", `${where}: ${asin}`);
        continue;
      }
      seen.add(asin);
      items.push(item(sink, asin, value, where, { title: "title", description: "description", brand: "brand", categories: "category" }));
    }
  }
  const byUser = new Map<string, Array<{ item: string; time: number; order: number }>>();
  let order = 0;
  for (const { value, line } of jsonLines(reviewsFile, sink, encoding)) {
    const where = `${path.basename(reviewsFile)}:${line}`;
    const user = asText(value.reviewerID).trim();
    const asin = asText(value.asin).trim();
    const time = Number(value.unixReviewTime);
    if (user === "" || asin === "") {
      sink.dropped.add("review without reviewerID or asin", where);
      continue;
    }
    if (!Number.isFinite(time)) {
      sink.dropped.add("review without a numeric unixReviewTime", where);
      continue;
    }
    const list = byUser.get(user) ?? [];
    list.push({ item: asin, time, order: order++ });
    byUser.set(user, list);
  }
  const raw = [...byUser.entries()].map(([user, list]) => {
    list.sort((x, y) => x.time - y.time || x.order - y.order);
    return { user, items: list.map((x) => x.item), timestamps: list.map((x) => x.time), where: path.basename(reviewsFile) };
  });
  return finish(sink, "amazon-reviews", items, raw);
}

/** RecBole's typed header: "item_id:token" -> { name: "item_id", type: "token" }. */
export function recboleField(header: string): { name: string; type: string } {
  const m = /^([^:]+):(token|token_seq|float|float_seq)$/.exec(header.trim());
  if (!m) throw new Error(`Expected a RecBole header field "name:type" with type token, token_seq, float or float_seq, got "${header}".`);
  return { name: m[1], type: m[2] };
}

function fieldIndex(table: CsvTable, name: string, required: boolean): number {
  const i = table.columns.findIndex((c) => recboleField(c).name === name);
  if (i < 0 && required) throw new Error(`${table.file}: expected a "${name}:..." column, found ${table.columns.join(", ")}.`);
  return i;
}

async function loadRecBole(interFile: string, itemFile: string | null, sink: Sink, encoding: TextEncoding | "auto"): Promise<SequenceLoadResult> {
  // RecBole writes plain tab-separated text: no quoting.
  const csv = { delimiter: "\t", quotes: false, encoding } as const;
  const items: ItemText[] = [];
  if (itemFile) {
    const t = await readCsvFile(itemFile, csv);
    sink.sources.push({ file: t.file, encoding: t.encoding, encodingNote: t.encodingNote, rows: t.rows.length });
    const id = fieldIndex(t, "item_id", true);
    const names = t.columns.map((c) => recboleField(c).name);
    t.rows.forEach((row, r) => {
      const record: Record<string, unknown> = {};
      names.forEach((n, k) => (record[n] = row[k]));
      items.push(item(sink, row[id].trim(), record, `${path.basename(itemFile)}:${t.lines[r]}`, { title: "title", description: "description", brand: "brand", categories: "categories" }));
    });
  }
  const t = await readCsvFile(interFile, csv);
  sink.sources.push({ file: t.file, encoding: t.encoding, encodingNote: t.encodingNote, rows: t.rows.length });
  const u = fieldIndex(t, "user_id", true);
  const i = fieldIndex(t, "item_id", true);
  const ts = fieldIndex(t, "timestamp", false);
  const byUser = new Map<string, Array<{ item: string; time: number; order: number }>>();
  t.rows.forEach((row, r) => {
    const time = ts >= 0 ? Number(row[ts]) : r;
    if (ts >= 0 && (row[ts].trim() === "" || !Number.isFinite(time))) {
      sink.dropped.add("interaction without a numeric timestamp", `${path.basename(interFile)}:${t.lines[r]}`);
      return;
    }
    const list = byUser.get(row[u].trim()) ?? [];
    list.push({ item: row[i].trim(), time, order: r });
    byUser.set(row[u].trim(), list);
  });
  const raw = [...byUser.entries()].map(([user, list]) => {
    list.sort((x, y) => x.time - y.time || x.order - y.order);
    return { user, items: list.map((x) => x.item), timestamps: ts >= 0 ? list.map((x) => x.time) : null, where: path.basename(interFile) };
  });
  return finish(sink, "recbole", items, raw);
}

function findOne(dir: string, test: (name: string) => boolean): string | null {
  const hit = readdirSync(dir).sort().find(test);
  return hit ? path.join(dir, hit) : null;
}

/**
 * Item text and user sequences from a folder or file in one of the three formats (detected from
 * the files when `format` is "auto"). Unknown item ids and unusable rows are dropped and counted;
 * missing text fields are kept empty and counted.
 */
export async function loadRecSequences(input: string, options: SequenceLoadOptions = {}): Promise<SequenceLoadResult> {
  const target = path.resolve(input);
  if (!existsSync(target)) throw new Error(`Recommendation data: no file or folder at ${target}.`);
  const sink: Sink = { dropped: new IssueLog(), repaired: new IssueLog(), sources: [], strip: options.stripHtml ?? false };
  const encoding = options.encoding ?? "auto";
  const isDir = statSync(target).isDirectory();
  const dir = isDir ? target : path.dirname(target);
  let format = options.format && options.format !== "auto" ? options.format : null;
  if (format === null) {
    if (isDir && existsSync(path.join(dir, "items.json")) && existsSync(path.join(dir, "sequences.json"))) format = "amazon-json";
    else if ((isDir && findOne(dir, (n) => n.endsWith(".inter"))) || target.endsWith(".inter")) format = "recbole";
    else if (!isDir && /\.json(l)?(\.gz)?$/.test(target)) format = "amazon-reviews";
    else throw new Error(`${target}: expected items.json + sequences.json, a RecBole .inter file, or an Amazon reviews JSON Lines file; pass { format } to say which.`);
  }
  if (format === "amazon-json") return loadAmazonJson(dir, sink, encoding);
  if (format === "recbole") {
    const inter = isDir ? findOne(dir, (n) => n.endsWith(".inter")) : target;
    if (!inter) throw new Error(`${target}: expected a RecBole <name>.inter file.`);
    const itemFile = inter.replace(/\.inter$/, ".item");
    return loadRecBole(inter, existsSync(itemFile) ? itemFile : null, sink, encoding);
  }
  const reviews = isDir ? findOne(dir, (n) => /\.json(l)?(\.gz)?$/.test(n) && !n.startsWith("meta")) : target;
  if (!reviews) throw new Error(`${target}: expected an Amazon reviews JSON Lines file.`);
  const meta = options.metadata ?? findOne(dir, (n) => n.startsWith("meta") && /\.json(l)?(\.gz)?$/.test(n));
  return loadAmazonReviews(reviews, meta, sink, encoding);
}
