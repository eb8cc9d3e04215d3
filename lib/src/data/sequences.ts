/**
 * Real recommendation data: item text and each user's time-ordered item sequence, from
 * - "amazon-json": a folder with items.json ({id: {title, description, brand, categories}}) and
 *   sequences.json ({user: [item ids in time order]}), the layout of ../shared/datasets/amazon-scientific;
 * - "amazon-reviews": Amazon reviews JSON Lines, gzip'd or plain, read a chunk at a time: the 2018
 *   release (reviews: reviewerID, asin, unixReviewTime in seconds; metadata: asin, title,
 *   description, brand, category) and the 2023 release (reviews: user_id, parent_asin, timestamp
 *   in milliseconds; metadata: parent_asin, title, description, store, categories). A reviews file
 *   <Category>[_5].json[l][.gz] is joined with its own meta_<Category>.json[l][.gz] beside it;
 * - "recbole": RecBole atomic files, <name>.inter (user_id:token, item_id:token, timestamp:float...)
 *   or its benchmark splits <name>.train.inter, <name>.valid.inter, <name>.test.inter (merged), and
 *   optional <name>.item (item_id:token, title:token_seq, ...), tab-separated with typed headers.
 * Timestamps come out in seconds: a file whose timestamps are milliseconds is converted, with a note.
 */
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { readCsvFile, readCsvHeader, streamCsvFile, type CsvTable } from "./csv";
import { decodeBytes, decodeLatin1, firstInvalidUtf8, gzipError, isGzip, readFileHead, readTextFile, type TextEncoding } from "./encoding";
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
  /** What the loader decided about the input as a whole: files merged or not joined, units converted, empty files. */
  readonly notes: readonly string[];
}

export interface SequenceLoadOptions {
  readonly format?: SequenceFormat | "auto";
  /** Strip HTML from titles and descriptions (default false). */
  readonly stripHtml?: boolean;
  readonly encoding?: TextEncoding | "auto";
  /** amazon-reviews: the metadata file (default: meta_<Category>.json[l][.gz] beside the reviews). */
  readonly metadata?: string;
}

interface Sink {
  readonly dropped: IssueLog;
  readonly repaired: IssueLog;
  readonly sources: SourceFile[];
  readonly notes: string[];
  readonly strip: boolean;
}

/** Amazon's JSON Lines names: .json or .jsonl, gzip'd or not. */
const JSON_LINES = /\.jsonl?(\.gz)?$/i;
const AMAZON_JSON_FILES = ["items.json", "sequences.json", "items.json.gz", "sequences.json.gz"];
/** Timestamps above this are milliseconds: as seconds they would fall after the year 5000. */
const MILLISECONDS_ABOVE = 1e11;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The visible plain files of a folder, sorted (macOS "._x" shadows and other dot files left out). */
function filesIn(dir: string): string[] {
  const isFile = (n: string): boolean => {
    try {
      return statSync(path.join(dir, n)).isFile();
    } catch {
      return false; // a broken link
    }
  };
  return readdirSync(dir)
    .filter((n) => !n.startsWith(".") && isFile(n))
    .sort();
}

function readWhole(file: string, encoding: TextEncoding | "auto"): { text: string; source: SourceFile } {
  const decoded = readTextFile(file, encoding);
  const notes = [decoded.gzip ? "gzip-compressed" : null, decoded.note].filter((n): n is string => n !== null);
  return { text: decoded.text, source: { file, encoding: decoded.encoding, encodingNote: notes.length > 0 ? notes.join("; ") : null, rows: 0 } };
}

/**
 * Where JSON.parse stopped: the offset the message names, else (V8's "Unexpected token 'x', ...
 * is not valid JSON" names none) the first syntax error found by scanning, else the end.
 */
function jsonErrorOffset(text: string, message: string): number {
  const m = /position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  const scanned = firstJsonSyntaxError(text);
  return scanned >= 0 ? scanned : text.length;
}

/**
 * Offset of the first character that breaks the JSON grammar (RFC 8259), or -1. Iterative, with a
 * stack of the open containers: a line nested a million deep cannot overflow the call stack.
 */
function firstJsonSyntaxError(text: string): number {
  const n = text.length;
  let i = 0;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const space = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        i++;
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return false;
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else return false;
        continue;
      }
      i++;
    }
    return false;
  };
  /** A scalar at i (string, literal, number), consumed; false where it breaks. */
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) {
      if (c !== word[0]) continue;
      // Consumed letter by letter, so a misspelling is reported where it starts.
      for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) return false;
      return true;
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text) === null) return false;
    i = NUMBER.lastIndex;
    return true;
  };
  /** An object key and its colon, consumed; false where they break. */
  const key = (): boolean => {
    space();
    if (text[i] !== '"' || !string()) return false;
    space();
    if (text[i] !== ":") return false;
    i++;
    return true;
  };
  const open: string[] = [];
  for (;;) {
    // A value is expected at i.
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      i++;
      space();
      if (text[i] === (c === "{" ? "}" : "]")) i++;
      else {
        open.push(c);
        if (c === "{" && !key()) return Math.min(i, n);
        continue;
      }
    } else if (!scalar()) return Math.min(i, n);
    // After a value: a comma (then the next value), a closing bracket, or the end.
    for (;;) {
      space();
      const top = open[open.length - 1];
      if (top === undefined) return i < n ? i : -1;
      if (text[i] === ",") {
        i++;
        if (top === "{" && !key()) return Math.min(i, n);
        break;
      }
      if (text[i] !== (top === "{" ? "}" : "]")) return Math.min(i, n);
      i++;
      open.pop();
    }
  }
}

/** JSON.parse with an error that names the file, line and column. */
export function parseJsonFile(text: string, file: string): unknown {
  if (text.trim() === "") throw new Error(`${file}: the file is empty; expected JSON.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const pos = jsonErrorOffset(text, message);
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    const column = pos - before.lastIndexOf("\n");
    throw new Error(`${file}: line ${line}, column ${column}: expected valid JSON (${message}).`);
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

interface TextFields {
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  readonly categories: string;
}
const SAME_FIELDS: TextFields = { title: "title", description: "description", brand: "brand", categories: "categories" };

function item(sink: Sink, id: string, raw: Record<string, unknown>, where: string, fields: TextFields): ItemText {
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

interface RawSequence {
  readonly user: string;
  readonly items: string[];
  readonly timestamps: number[] | null;
  readonly where: string;
}

/** Keeps known items of each sequence, drops the unknown ones (counted) and users left with nothing. */
function finish(sink: Sink, format: SequenceFormat, items: ItemText[], raw: RawSequence[], itemFiles: string): SequenceLoadResult {
  const known = new Set(items.map((i) => i.id));
  const records: UserSequence[] = [];
  let interactions = 0;
  let named = 0;
  for (const seq of raw) {
    const keep: number[] = [];
    seq.items.forEach((id, k) => {
      if (known.size === 0 || known.has(id)) keep.push(k);
      else sink.dropped.add("interaction with an item id not in the item file", `${seq.where}: user ${seq.user}, item ${id}`);
    });
    named += seq.items.length;
    if (keep.length === 0) {
      sink.dropped.add("user with no interactions left", `${seq.where}: user ${seq.user}`);
      continue;
    }
    records.push({ user: seq.user, items: keep.map((k) => seq.items[k]), timestamps: seq.timestamps ? keep.map((k) => (seq.timestamps as number[])[k]) : null });
    interactions += keep.length;
  }
  // Every interaction dropped for its item: most likely the item file of other data.
  if (known.size > 0 && named > 0 && interactions === 0) sink.notes.push(`none of the ${plural(named, "interaction")} names an item of ${itemFiles} (${plural(known.size, "item")}): do the files belong together?`);
  return { format, records, items, interactions, dropped: sink.dropped.list(), repaired: sink.repaired.list(), sources: sink.sources, notes: sink.notes };
}

/**
 * Converts a file's timestamps to seconds when they are milliseconds (their median above 1e11),
 * in place, with a note: one unit per file, never a mix.
 */
function timesToSeconds(times: number[], file: string, sink: Sink): void {
  if (times.length === 0) return;
  const sorted = Float64Array.from(times).sort();
  const median = sorted[sorted.length >> 1];
  if (!(median > MILLISECONDS_ABOVE)) return;
  for (let k = 0; k < times.length; k++) times[k] /= 1000;
  sink.notes.push(`${path.basename(file)}: timestamps are milliseconds (median ${median}); converted to seconds.`);
}

/** items.json or items.json.gz (gzip'd or not by content), else null. */
function amazonJsonFile(dir: string, name: string): string | null {
  for (const n of [name, `${name}.gz`]) if (existsSync(path.join(dir, n))) return path.join(dir, n);
  return null;
}

function loadAmazonJson(dir: string, sink: Sink, encoding: TextEncoding | "auto"): SequenceLoadResult {
  const itemsFile = amazonJsonFile(dir, "items.json");
  const seqFile = amazonJsonFile(dir, "sequences.json");
  if (itemsFile === null || seqFile === null) throw new Error(`${dir}: expected items.json and sequences.json side by side, ${itemsFile === null && seqFile === null ? "found neither" : `found no ${itemsFile === null ? "items.json" : "sequences.json"}`}.`);
  const itemsText = readWhole(itemsFile, encoding);
  if (itemsText.text.trim() === "") throw new Error(`${itemsFile}: the file is empty; expected one JSON object keyed by item id.`);
  const rawItems = parseJsonFile(itemsText.text, itemsFile);
  if (rawItems === null || typeof rawItems !== "object" || Array.isArray(rawItems)) throw new Error(`${itemsFile}: expected one JSON object keyed by item id, got ${Array.isArray(rawItems) ? "an array" : typeof rawItems}.`);
  const items: ItemText[] = [];
  for (const [id, value] of Object.entries(rawItems as Record<string, unknown>)) {
    const where = `items.json: item ${id}`;
    if (value === null || typeof value !== "object") {
      sink.dropped.add("item that is not an object", where);
      continue;
    }
    items.push(item(sink, id, value as Record<string, unknown>, where, SAME_FIELDS));
  }
  sink.sources.push({ ...itemsText.source, rows: items.length });
  if (items.length === 0) sink.notes.push("items.json: no items; the sequences are kept without item text.");
  const seqText = readWhole(seqFile, encoding);
  if (seqText.text.trim() === "") throw new Error(`${seqFile}: the file is empty; expected one JSON object keyed by user id.`);
  const rawSeqs = parseJsonFile(seqText.text, seqFile);
  if (rawSeqs === null || typeof rawSeqs !== "object" || Array.isArray(rawSeqs)) throw new Error(`${seqFile}: expected one JSON object keyed by user id, got ${Array.isArray(rawSeqs) ? "an array" : typeof rawSeqs}.`);
  const raw: RawSequence[] = [];
  for (const [user, value] of Object.entries(rawSeqs as Record<string, unknown>)) {
    if (!Array.isArray(value)) {
      sink.dropped.add("user whose sequence is not an array", `sequences.json: user ${user}`);
      continue;
    }
    raw.push({ user, items: value.map((v) => String(v)), timestamps: null, where: "sequences.json" });
  }
  sink.sources.push({ ...seqText.source, rows: raw.length });
  if (Object.keys(rawSeqs as object).length === 0) sink.notes.push("sequences.json: no users (an empty object).");
  return finish(sink, "amazon-json", items, raw, "items.json");
}


const isUtf16Bom = (b: Uint8Array): boolean => b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff));

/**
 * Reads a JSON Lines file (gzip'd or not, by its content) a chunk at a time, since real review
 * files outgrow one string, calling `each` for every object line. Lines that are JSON but not
 * objects are dropped and counted; a malformed line stops the load with file, line and column.
 * Bytes that are not UTF-8 are decoded per line (see decodeBytes) and said so in the source.
 * Returns the number of objects.
 */
async function readJsonLines(file: string, sink: Sink, encoding: TextEncoding | "auto", each: (value: Record<string, unknown>, line: number) => void): Promise<number> {
  const base = path.basename(file);
  const head = readFileHead(file, 2);
  const gzip = isGzip(head);
  // By content, as readTextFile does: a ".gz" name on plain text is read as plain text (and said so).
  const misnamed = !gzip && /\.gz$/i.test(file) && head.length > 0;
  let objects = 0;
  let lineNo = 0;
  let latin1Lines = 0;
  let firstLatin1 = 0;
  let latin1Whole = false;
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const onText = (text: string): void => {
    lineNo++;
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      // The 2014 Amazon metadata is Python dict literals, one per line.
      const hint = /^\s*\{\s*'/.test(text) ? " The line looks like a Python dict (single quotes), as the 2014 Amazon metadata is: convert it to JSON first." : "";
      throw new Error(`${file}: line ${lineNo}, column ${jsonErrorOffset(text, message) + 1}: expected one JSON object per line (${message}).${hint}`);
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      objects++;
      each(value as Record<string, unknown>, lineNo);
    } else sink.dropped.add("line that is not a JSON object", `${base}:${lineNo}`);
  };
  const onBytes = (line: Uint8Array): void => {
    const bom = lineNo === 0 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf;
    const bytes = bom ? line.subarray(3) : line;
    if (encoding === "latin1") return onText(decodeLatin1(bytes));
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      if (encoding === "utf-8") throw new Error(`${file}: line ${lineNo + 1}: expected UTF-8, found an invalid byte at byte ${firstInvalidUtf8(bytes) + 1} of the line. Pass encoding "latin1" (or "auto") to read it as latin-1.`);
      const decoded = decodeBytes(bytes, "auto", file);
      if (decoded.encoding === "latin1") latin1Whole = true;
      if (latin1Lines++ === 0) firstLatin1 = lineNo + 1;
      text = decoded.text;
    }
    onText(text);
  };

  const stream = createReadStream(file);
  const input = gzip ? pipeline(stream, createGunzip(), () => undefined) : stream;
  let pending: Buffer[] = [];
  let first = true;
  let utf16 = encoding === "utf-16le" || encoding === "utf-16be";
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        utf16 ||= isUtf16Bom(chunk);
      }
      // UTF-16 (rare for JSON Lines) is read whole below: its line feeds are two bytes.
      if (utf16) break;
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        onBytes(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    throw gzipError(file, error, `after ${plural(lineNo, "line")}`);
  } finally {
    stream.destroy();
  }
  let encodingNote: string | null = null;
  let used: TextEncoding = encoding === "latin1" ? "latin1" : "utf-8";
  if (utf16) {
    const whole = readWhole(file, encoding);
    whole.text.split("\n").forEach(onText);
    used = whole.source.encoding;
    encodingNote = whole.source.encodingNote;
  } else {
    if (pending.length > 0) onBytes(Buffer.concat(pending));
    if (latin1Whole) used = "latin1";
    const notes = [gzip ? "gzip-compressed" : misnamed ? "not gzip-compressed despite its .gz name: read as plain text" : null, encoding === "latin1" ? "latin-1 requested" : null, latin1Lines > 0 ? `${plural(latin1Lines, "line")} not valid UTF-8 (the first: line ${firstLatin1}), decoded as Windows-1252 where not UTF-8` : null];
    encodingNote = notes.filter((n) => n !== null).join("; ") || null;
  }
  sink.sources.push({ file, encoding: used, encodingNote, rows: objects });
  if (objects === 0) sink.notes.push(`${base}: ${lineNo === 0 ? "empty file" : `no JSON object in ${plural(lineNo, "line")}`}.`);
  return objects;
}

type Release = "2018" | "2023";
/** The review fields each release uses (the 2023 item is the parent_asin, its recommended id). */
const REVIEW_FIELDS: Readonly<Record<Release, { user: string; item: string; time: string }>> = {
  "2018": { user: "reviewerID", item: "asin", time: "unixReviewTime" },
  "2023": { user: "user_id", item: "parent_asin or asin", time: "timestamp" },
};

/** A number from a JSON value, NaN for a missing or empty one (Number(null) would be 0). */
function numeric(value: unknown): number {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return NaN;
  return typeof value === "number" || typeof value === "string" ? Number(value) : NaN;
}

/** The first non-empty text among `values`. */
function firstText(...values: unknown[]): string {
  for (const v of values) {
    const t = asText(v).trim();
    if (t !== "") return t;
  }
  return "";
}

async function loadAmazonReviews(reviewsFile: string, metaFile: string | null, sink: Sink, encoding: TextEncoding | "auto"): Promise<SequenceLoadResult> {
  const reviewsBase = path.basename(reviewsFile);
  const byUser = new Map<string, Array<{ item: string; time: number; order: number }>>();
  // Each kept review once, in file order, beside its time in `times`.
  const entries: Array<{ item: string; time: number; order: number }> = [];
  const times: number[] = [];
  const lines: Record<Release, number> = { "2018": 0, "2023": 0 };
  // Drops wait for the file's release, whose field names their reasons name.
  const problems: Array<{ missing: "user" | "item" | "time"; line: number }> = [];
  let firstFields: string[] | null = null;
  let firstLine = 0;
  let order = 0;
  const objects = await readJsonLines(reviewsFile, sink, encoding, (value, line) => {
    if (firstFields === null) {
      firstFields = Object.keys(value);
      firstLine = line;
    }
    const release: Release | null = "user_id" in value ? "2023" : "reviewerID" in value ? "2018" : null;
    if (release === null) {
      problems.push({ missing: "user", line });
      return;
    }
    lines[release]++;
    const user = asText(release === "2023" ? value.user_id : value.reviewerID).trim();
    if (user === "") {
      problems.push({ missing: "user", line });
      return;
    }
    const asin = release === "2023" ? firstText(value.parent_asin, value.asin) : asText(value.asin).trim();
    if (asin === "") {
      problems.push({ missing: "item", line });
      return;
    }
    const time = numeric(release === "2023" ? value.timestamp : value.unixReviewTime);
    if (!Number.isFinite(time)) {
      problems.push({ missing: "time", line });
      return;
    }
    const entry = { item: asin, time, order: order++ };
    const list = byUser.get(user) ?? [];
    list.push(entry);
    byUser.set(user, list);
    entries.push(entry);
    times.push(time);
  });
  if (objects > 0 && lines["2018"] + lines["2023"] === 0) {
    throw new Error(
      `${reviewsFile}: expected Amazon reviews JSON Lines with reviewerID, asin and unixReviewTime (2018) or user_id, parent_asin and timestamp (2023); line ${firstLine} has ${(firstFields ?? []).length > 0 ? `the fields ${(firstFields ?? []).join(", ")}` : "no fields"}. Pass { format } if it is another format.`,
    );
  }
  const release: Release = lines["2023"] > lines["2018"] ? "2023" : "2018";
  if (lines["2018"] > 0 && lines["2023"] > 0) sink.notes.push(`${reviewsBase}: ${plural(lines["2018"], "review")} in the 2018 fields (reviewerID, asin, unixReviewTime) and ${lines["2023"]} in the 2023 fields (user_id, parent_asin, timestamp); each read by its own fields.`);
  const fields = REVIEW_FIELDS[release];
  for (const p of problems) {
    const reason = p.missing === "user" ? `review without ${fields.user}` : p.missing === "item" ? `review without ${fields.item}` : `review without a numeric ${fields.time}`;
    sink.dropped.add(reason, `${reviewsBase}:${p.line}`);
  }
  timesToSeconds(times, reviewsFile, sink);
  entries.forEach((entry, k) => (entry.time = times[k]));

  const items: ItemText[] = [];
  if (metaFile) {
    const metaBase = path.basename(metaFile);
    const reviewed = new Set<string>();
    for (const entry of entries) reviewed.add(entry.item);
    // The reviews' item id: asin in 2018, parent_asin in 2023.
    const key = release === "2023" ? "parent_asin" : "asin";
    const seen = new Set<string>();
    const unreviewed = new Set<string>();
    await readJsonLines(metaFile, sink, encoding, (value, line) => {
      const where = `${metaBase}:${line}`;
      const id = release === "2023" ? firstText(value.parent_asin, value.asin) : firstText(value.asin, value.parent_asin);
      if (id === "") {
        sink.dropped.add(`metadata line without ${key}`, where);
        return;
      }
      // A category's metadata lists every product, most of them never reviewed in a 5-core file: they stay out of the catalog (counted in a note).
      if (!reviewed.has(id)) {
        unreviewed.add(id);
        return;
      }
      if (seen.has(id)) {
        sink.dropped.add(`duplicate metadata for ${key === "asin" ? "an" : "a"} ${key} (kept the first)`, `${where}: ${id}`);
        return;
      }
      seen.add(id);
      const details = value.details !== null && typeof value.details === "object" ? (value.details as Record<string, unknown>) : {};
      const categories = splitCategoryPath(value.category).length > 0 ? value.category : splitCategoryPath(value.categories).length > 0 ? value.categories : value.main_category;
      // 2018: brand and category; 2023: store (or details.Brand) and categories (or main_category).
      const text = { title: value.title, description: value.description, brand: firstText(value.brand, value.store, details.Brand, details.brand), categories };
      items.push(item(sink, id, text, where, SAME_FIELDS));
    });
    if (unreviewed.size > 0) sink.notes.push(`${metaBase}: ${plural(unreviewed.size, "item")} that no review in ${reviewsBase} names left out of the catalog.`);
    if (items.length === 0) sink.notes.push(`${metaBase}: no metadata for any reviewed item; the sequences are kept without item text.`);
  }

  const raw = [...byUser.entries()].map(([user, list]) => {
    list.sort((x, y) => x.time - y.time || x.order - y.order);
    return { user, items: list.map((x) => x.item), timestamps: list.map((x) => x.time), where: reviewsBase };
  });
  return finish(sink, "amazon-reviews", items, raw, metaFile ? path.basename(metaFile) : "the metadata");
}

/** RecBole's typed header: "item_id:token" -> { name: "item_id", type: "token" }. */
export function recboleField(header: string): { name: string; type: string } {
  // RecBole's types are lower case; "Token" is read as "token".
  const m = /^([^:]+):(token|token_seq|float|float_seq)$/i.exec(header.trim());
  if (!m) throw new Error(`Expected a RecBole header field "name:type" with type token, token_seq, float or float_seq, got "${header}".`);
  return { name: m[1], type: m[2].toLowerCase() };
}

/** The column named `name` (its header up to the colon); only a column used needs a valid type. */
function fieldIndex(table: Pick<CsvTable, "file" | "columns">, name: string, required: boolean): number {
  const i = table.columns.findIndex((c) => c.split(":")[0].trim() === name);
  if (i < 0) {
    if (required) throw new Error(`${table.file}: line 1: expected a "${name}:token" column, found ${table.columns.map((c) => `"${c}"`).join(", ")}.`);
    return i;
  }
  try {
    recboleField(table.columns[i]);
  } catch {
    throw new Error(`${table.file}: line 1, column ${i + 1}: expected a RecBole header field "name:type" with type token, token_seq, float or float_seq, got "${table.columns[i]}".`);
  }
  return i;
}

/** The benchmark split names RecBole's benchmark_filename uses, in time order. */
const SPLIT_ORDER: Readonly<Record<string, number>> = { train: 0, valid: 1, validation: 1, val: 1, dev: 1, test: 2 };

function interName(file: string): { file: string; dataset: string; split: string | null } {
  const base = path.basename(file).replace(/\.inter$/, "");
  const m = /^(.+)\.(train|valid|validation|val|dev|test)$/i.exec(base);
  return m ? { file, dataset: m[1], split: m[2].toLowerCase() } : { file, dataset: base, split: null };
}

/** One dataset's .inter files (the whole file, else its splits in time order) and its .item file. */
function recboleFiles(target: string, isDir: boolean, sink: Sink): { inters: string[]; itemFile: string | null } {
  const dir = isDir ? target : path.dirname(target);
  const name = path.basename(target);
  // A file of another name given with format "recbole" is read as it is.
  if (!isDir && !/\.(inter|item)$/.test(name)) return { inters: [target], itemFile: null };
  const all = filesIn(dir)
    .filter((n) => n.endsWith(".inter"))
    .map((n) => interName(path.join(dir, n)));
  let dataset: string;
  if (isDir) {
    const names = [...new Set(all.map((f) => f.dataset))].sort();
    if (names.length === 0) throw new Error(`${dir}: expected a RecBole <name>.inter file.`);
    if (names.length > 1) {
      const list = names.map((d) => `${d} (${all.filter((f) => f.dataset === d).map((f) => path.basename(f.file)).join(", ")})`).join("; ");
      throw new Error(`${dir}: holds ${names.length} RecBole datasets: ${list}. Pass one dataset's .inter file.`);
    }
    dataset = names[0];
  } else dataset = name.endsWith(".item") ? name.slice(0, -".item".length) : interName(target).dataset;
  const mine = all.filter((f) => f.dataset === dataset);
  if (mine.length === 0) throw new Error(`${target}: expected the RecBole interactions ${dataset}.inter (or ${dataset}.train.inter, ...) beside it, found none.`);
  const whole = mine.find((f) => f.split === null);
  let inters: string[];
  if (whole) {
    inters = [whole.file];
    const splits = mine.filter((f) => f !== whole).map((f) => path.basename(f.file));
    if (splits.length > 0) sink.notes.push(`${path.basename(whole.file)} holds the whole dataset and was read; the split files ${splits.join(", ")} were not.`);
  } else {
    inters = mine.sort((a, b) => (SPLIT_ORDER[a.split ?? ""] ?? 3) - (SPLIT_ORDER[b.split ?? ""] ?? 3)).map((f) => f.file);
    if (inters.length > 1) sink.notes.push(`merged the benchmark splits ${inters.map((f) => path.basename(f)).join(", ")} into one sequence per user, in that order; their split is not kept (split the sequences anew, e.g. leave-one-out).`);
  }
  const itemFile = path.join(dir, `${dataset}.item`);
  const otherItems = filesIn(dir).filter((n) => n.endsWith(".item") && n !== `${dataset}.item`);
  if (!existsSync(itemFile) && otherItems.length > 0) sink.notes.push(`no ${dataset}.item; ${otherItems.join(", ")} not read (another dataset's).`);
  return { inters, itemFile: existsSync(itemFile) ? itemFile : null };
}

async function loadRecBole(interFiles: readonly string[], itemFile: string | null, sink: Sink, encoding: TextEncoding | "auto"): Promise<SequenceLoadResult> {
  // RecBole writes plain tab-separated text: no quoting.
  const csv = { delimiter: "\t", quotes: false, encoding } as const;
  const items: ItemText[] = [];
  if (itemFile) {
    const t = await readCsvFile(itemFile, csv);
    const itemBase = path.basename(itemFile);
    sink.sources.push({ file: t.file, encoding: t.encoding, encodingNote: t.encodingNote, rows: t.rows.length });
    const id = fieldIndex(t, "item_id", true);
    const names = t.columns.map((c) => c.split(":")[0].trim());
    const seen = new Set<string>();
    t.rows.forEach((row, r) => {
      const where = `${itemBase}:${t.lines[r]}`;
      const itemId = row[id].trim();
      if (itemId === "") {
        sink.dropped.add("item row without an item_id", where);
        return;
      }
      if (seen.has(itemId)) {
        sink.dropped.add("duplicate item_id in the item file (kept the first)", `${where}: ${itemId}`);
        return;
      }
      seen.add(itemId);
      const record: Record<string, unknown> = {};
      names.forEach((n, k) => (record[n] = row[k]));
      items.push(item(sink, itemId, record, where, SAME_FIELDS));
    });
    if (t.rows.length === 0) sink.notes.push(`${itemBase}: header only, no items; the sequences are kept without item text.`);
  }
  // Headers first (to settle the clock), then each file streamed: an .inter file of tens of millions of rows is never held as rows.
  const tables = await Promise.all(interFiles.map(async (file) => ({ file, columns: await readCsvHeader(file, csv) })));
  const timed = tables.filter((t) => fieldIndex(t, "timestamp", false) >= 0);
  // Timestamps from some files only would order those users' items by two clocks: use none.
  if (timed.length > 0 && timed.length < tables.length) {
    sink.notes.push(`${tables.filter((t) => !timed.includes(t)).map((t) => path.basename(t.file)).join(", ")} ${tables.length - timed.length === 1 ? "has" : "have"} no timestamp column: all interactions ordered by file and line, without timestamps.`);
  }
  const useTime = timed.length === tables.length;
  const byUser = new Map<string, Array<{ item: string; time: number; order: number }>>();
  let order = 0;
  for (const t of tables) {
    const base = path.basename(t.file);
    const u = fieldIndex(t, "user_id", true);
    const i = fieldIndex(t, "item_id", true);
    const ts = useTime ? fieldIndex(t, "timestamp", false) : -1;
    const kept: Array<{ user: string; item: string; order: number }> = [];
    const times: number[] = [];
    const info = await streamCsvFile(t.file, csv, (row, line) => {
      const user = row[u].trim();
      const itemId = row[i].trim();
      if (user === "" || itemId === "") {
        sink.dropped.add("interaction without a user_id or item_id", `${base}:${line}`);
        return;
      }
      const time = ts >= 0 ? numeric(row[ts]) : 0;
      if (ts >= 0 && !Number.isFinite(time)) {
        sink.dropped.add("interaction without a numeric timestamp", `${base}:${line}`);
        return;
      }
      kept.push({ user, item: itemId, order: order++ });
      times.push(time);
    });
    sink.sources.push({ file: t.file, encoding: info.encoding, encodingNote: info.encodingNote, rows: info.rows });
    if (info.rows === 0) sink.notes.push(`${base}: header only, no interactions.`);
    if (ts >= 0) timesToSeconds(times, t.file, sink);
    kept.forEach((k, n) => {
      const list = byUser.get(k.user) ?? [];
      list.push({ item: k.item, time: ts >= 0 ? times[n] : k.order, order: k.order });
      byUser.set(k.user, list);
    });
  }
  const where = interFiles.map((f) => path.basename(f)).join("+");
  const raw = [...byUser.entries()].map(([user, list]) => {
    list.sort((x, y) => x.time - y.time || x.order - y.order);
    return { user, items: list.map((x) => x.item), timestamps: useTime ? list.map((x) => x.time) : null, where };
  });
  return finish(sink, "recbole", items, raw, itemFile ? path.basename(itemFile) : "the item file");
}

const isMetaName = (name: string): boolean => /^meta(data)?([_.-]|$)/i.test(name);
/** "Industrial_and_Scientific_5.json.gz" -> "Industrial_and_Scientific" (2014's "reviews_X_5" too). */
const reviewCategory = (name: string): string => name.replace(JSON_LINES, "").replace(/^reviews_/i, "").replace(/_5$/, "");
const metaCategory = (name: string): string => name.replace(JSON_LINES, "").replace(/^meta(data)?[_.-]?/i, "");

/** The one reviews file in a folder; several (or none) are an error that lists what is there. */
function reviewsIn(dir: string): string {
  const json = filesIn(dir).filter((n) => JSON_LINES.test(n) && !AMAZON_JSON_FILES.includes(n));
  const reviews = json.filter((n) => !isMetaName(n));
  if (reviews.length === 1) return path.join(dir, reviews[0]);
  if (reviews.length === 0) throw new Error(`${dir}: expected an Amazon reviews JSON Lines file (<Category>.jsonl or <Category>_5.json, optionally .gz)${json.length > 0 ? `, found only metadata (${json.join(", ")})` : ""}.`);
  throw new Error(`${dir}: holds ${reviews.length} Amazon reviews files (${reviews.join(", ")}) and nothing says which to read; pass one of them as the path (its meta_<Category> file beside it is joined).`);
}

/** The metadata file of a reviews file: meta_<Category>.json[l][.gz] beside it (a lone "meta.json" too), else null with a note. */
function pairedMeta(reviewsFile: string, sink: Sink): string | null {
  const dir = path.dirname(reviewsFile);
  const base = path.basename(reviewsFile);
  const category = reviewCategory(base);
  const metas = filesIn(dir).filter((n) => JSON_LINES.test(n) && isMetaName(n) && n !== base);
  const own = metas.filter((n) => metaCategory(n).toLowerCase() === category.toLowerCase());
  if (own.length > 0) {
    if (own.length > 1) sink.notes.push(`${own.join(", ")} all match ${base}; joined ${own[0]}.`);
    return path.join(dir, own[0]);
  }
  if (metas.length === 1 && metaCategory(metas[0]) === "") return path.join(dir, metas[0]);
  if (metas.length > 0) sink.notes.push(`no metadata joined: ${metas.join(", ")} ${metas.length === 1 ? "is" : "are"} not meta_${category}.json[l][.gz], the metadata of ${base}; pass { metadata } to join one.`);
  return null;
}

/** A file named as the reviews: a metadata file is an error that names its reviews file. */
function reviewsFileAt(file: string): string {
  const name = path.basename(file);
  if (!isMetaName(name)) return file;
  const category = metaCategory(name).toLowerCase();
  const reviews = filesIn(path.dirname(file)).filter((n) => JSON_LINES.test(n) && !isMetaName(n) && reviewCategory(n).toLowerCase() === category);
  throw new Error(`${file}: this is an Amazon metadata file; pass the reviews file${reviews.length > 0 ? ` (${reviews.join(" or ")} beside it)` : ""}, and its metadata is joined.`);
}

function detectFormat(target: string, isDir: boolean): SequenceFormat {
  const name = path.basename(target);
  if (!isDir) {
    // items.json or sequences.json alone is half of a folder in the amazon-json layout.
    if (AMAZON_JSON_FILES.includes(name)) return "amazon-json";
    if (/\.(inter|item)$/.test(name)) return "recbole";
    if (JSON_LINES.test(name)) return "amazon-reviews";
    throw new Error(`${target}: expected items.json or sequences.json, a RecBole .inter file, or an Amazon reviews JSON Lines file (.json or .jsonl, optionally .gz); pass { format } to say which.`);
  }
  const names = filesIn(target);
  const hasItems = names.includes("items.json") || names.includes("items.json.gz");
  const hasSequences = names.includes("sequences.json") || names.includes("sequences.json.gz");
  if (hasItems && hasSequences) return "amazon-json";
  if (names.some((n) => n.endsWith(".inter"))) return "recbole";
  if (names.some((n) => JSON_LINES.test(n) && !AMAZON_JSON_FILES.includes(n))) return "amazon-reviews";
  if (hasItems || hasSequences) throw new Error(`${target}: holds ${hasItems ? "items.json" : "sequences.json"} but no ${hasItems ? "sequences.json" : "items.json"}; the amazon-json layout needs both.`);
  const found = names.length === 0 ? "no files" : `${names.slice(0, 10).join(", ")}${names.length > 10 ? `, ... (${names.length} files)` : ""}`;
  throw new Error(`${target}: expected items.json + sequences.json, RecBole .inter files, or Amazon reviews JSON Lines files (.json or .jsonl, optionally .gz), found ${found}; pass { format } to say which.`);
}

/**
 * Item text and user sequences from a folder or file in one of the three formats (detected from
 * the files when `format` is "auto"). Unknown item ids and unusable rows are dropped and counted;
 * missing text fields are kept empty and counted; decisions about whole files are in `notes`.
 */
export async function loadRecSequences(input: string, options: SequenceLoadOptions = {}): Promise<SequenceLoadResult> {
  const target = path.resolve(input);
  if (!existsSync(target)) throw new Error(`Recommendation data: no file or folder at ${target}.`);
  const sink: Sink = { dropped: new IssueLog(), repaired: new IssueLog(), sources: [], notes: [], strip: options.stripHtml ?? false };
  const encoding = options.encoding ?? "auto";
  const isDir = statSync(target).isDirectory();
  const dir = isDir ? target : path.dirname(target);
  const format = options.format && options.format !== "auto" ? options.format : detectFormat(target, isDir);
  if (format === "amazon-json") return loadAmazonJson(dir, sink, encoding);
  if (format === "recbole") {
    const { inters, itemFile } = recboleFiles(target, isDir, sink);
    return loadRecBole(inters, itemFile, sink, encoding);
  }
  const reviews = isDir ? reviewsIn(dir) : reviewsFileAt(target);
  let meta: string | null;
  if (options.metadata !== undefined) {
    meta = path.resolve(options.metadata);
    if (!existsSync(meta) || statSync(meta).isDirectory()) throw new Error(`options.metadata: no metadata file at ${meta}.`);
  } else meta = pairedMeta(reviews, sink);
  return loadAmazonReviews(reviews, meta, sink, encoding);
}
