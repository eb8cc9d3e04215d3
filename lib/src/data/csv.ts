/**
 * Reading real CSV / TSV files with a real parser (csv-parse): quoted fields with newlines and
 * doubled quotes, a byte-order mark, UTF-8, latin-1 or UTF-16, gzip or not, Windows or Unix line
 * ends, and errors that name the file, the line, the column and what was expected there.
 */
import { createReadStream } from "node:fs";
import { createGunzip, gunzipSync, constants as zlibConstants } from "node:zlib";
import { parse, type CsvError, type Options } from "csv-parse";
import { decodeBytes, gzipError, hasUtf8Bom, isGzip, readFileHead, readTextFile, Utf8Census, utf8Decoding, type TextEncoding } from "./encoding";

export interface CsvOptions {
  /** Field delimiter; "auto" (default) picks the most frequent of , \t ; | in the header line. */
  readonly delimiter?: string;
  readonly encoding?: TextEncoding | "auto";
  /** Honour double quotes (default true). RecBole-style TSV files are read with quoting off. */
  readonly quotes?: boolean;
  /** Accept a quote inside an unquoted field as a literal character (TSV exports do this). */
  readonly relaxQuotes?: boolean;
}

export interface CsvTable {
  readonly file: string;
  readonly columns: readonly string[];
  /** Data rows (the header excluded), each as long as `columns`. */
  readonly rows: ReadonlyArray<readonly string[]>;
  /** 1-based line of the file where each row starts (quoted newlines make rows span lines). */
  readonly lines: readonly number[];
  readonly encoding: TextEncoding;
  /** Why that encoding (null for plain UTF-8). */
  readonly encodingNote: string | null;
  readonly delimiter: string;
}

/** A malformed CSV file: where (file, 1-based line and column) and what was expected there. */
export class CsvFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string | null,
    readonly expected: string,
    readonly code: string
  ) {
    super(`${file}: line ${line}, column ${column}${field ? ` (${field})` : ""}: ${expected}`);
    this.name = "CsvFormatError";
  }
}

function sniffDelimiter(text: string): string {
  const header = text.slice(0, text.indexOf("\n") >= 0 ? text.indexOf("\n") : text.length);
  let best = ",";
  let bestCount = 0;
  for (const d of [",", "\t", ";", "|"]) {
    const count = header.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

interface RecordContext {
  readonly lines: number;
}

/** One line end: csv-parse counts a \r\n inside a quoted field as two lines (line numbers drifted in Windows files), and a field's text should not keep a \r. */
function oneLineEnd(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/** A csv-parse stream that hands each data row (with its 1-based starting line) to `onRow` as it comes. */
function rowParser(source: string, options: CsvOptions, firstText: string, onRow: (row: string[], line: number) => void): { readonly failed: boolean; write(text: string): void; end(): Promise<{ columns: string[]; delimiter: string }> } {
  const delimiter = options.delimiter === undefined || options.delimiter === "auto" ? sniffDelimiter(firstText) : options.delimiter;
  const quotes = options.quotes ?? true;
  let lastEndLine = 0;
  let header: string[] | null = null;
  let failure: CsvFormatError | null = null;
  const parser = parse({
    delimiter,
    quote: quotes ? '"' : false,
    relax_column_count: false,
    relax_quotes: options.relaxQuotes ?? false,
    skip_empty_lines: true,
    raw: true,
    record_delimiter: ["\n"],
    // Records are taken here, as they come, so that an error knows the header and the last good line.
    // With raw: true csv-parse hands on_record {record, raw}; its types do not say so.
    on_record: (({ record, raw }: { record: string[]; raw: string }, context: RecordContext) => {
      // raw holds skipped blank lines before the record and its own line break after it.
      const body = raw.replace(/^\n+/, "").replace(/\n$/, "");
      const start = context.lines - countNewlines(body);
      lastEndLine = context.lines;
      if (header === null) header = record.map((h) => h.trim());
      else onRow(record, start);
      return null;
    }) as unknown as Options["on_record"],
  });
  const done = new Promise<{ columns: string[]; delimiter: string }>((resolve, reject) => {
    parser.on("error", (error: CsvError) => {
      failure ??= toFormatError(error, source, header, lastEndLine);
      reject(failure);
    });
    parser.on("end", () => {
      if (header === null) reject(new CsvFormatError(source, 1, 1, null, "expected a header line with column names, found an empty file", "CSV_EMPTY"));
      else resolve({ columns: header, delimiter });
    });
  });
  // Awaited only at end(): a failure before that is not an unhandled rejection.
  done.catch(() => undefined);
  // Nothing is read from the parser (on_record keeps no record): flowing mode lets "end" come.
  parser.resume();
  return {
    get failed(): boolean {
      return failure !== null;
    },
    write(text: string): void {
      if (failure === null && text !== "") parser.write(oneLineEnd(text));
    },
    end(): Promise<{ columns: string[]; delimiter: string }> {
      parser.end();
      return done;
    },
  };
}

/** Parses CSV text; `source` names it in errors. */
export async function parseCsvText(input: string, source: string, options: CsvOptions = {}): Promise<Omit<CsvTable, "encoding" | "encodingNote">> {
  const text = oneLineEnd(input);
  const rows: string[][] = [];
  const lines: number[] = [];
  const parser = rowParser(source, options, text, (row, line) => {
    rows.push(row);
    lines.push(line);
  });
  parser.write(text);
  const { columns, delimiter } = await parser.end();
  return { file: source, columns, rows, lines, delimiter };
}

function toFormatError(error: CsvError, file: string, header: string[] | null, lastEndLine: number): CsvFormatError {
  const context = error as CsvError & { lines?: number; index?: number; column?: string | number; record?: string[] };
  const line = typeof context.lines === "number" ? context.lines : lastEndLine + 1;
  const index = typeof context.index === "number" ? context.index : 0;
  const name = (i: number): string | null => (header && i < header.length ? header[i] : null);
  // csv-parse names some codes with a CSV_ prefix and some without.
  switch (String(error.code).replace(/^CSV_/, "")) {
    case "RECORD_INCONSISTENT_FIELDS_LENGTH":
    case "RECORD_INCONSISTENT_COLUMNS": {
      const got = context.record?.length ?? index + 1;
      const want = header?.length ?? got;
      const column = Math.min(got, want) + 1;
      // Report where the record starts; quoted newlines can make it end lines later.
      const start = Math.min(line, lastEndLine + 1);
      const span = line > start ? `; the record spans lines ${start}-${line}` : "";
      return new CsvFormatError(file, start, column, name(column - 1), `expected ${want} fields (as in the header), got ${got}${span} (${error.message})`, error.code);
    }
    case "QUOTE_NOT_CLOSED":
      // The parser reports the end of the file; the record that never closed started after the last good one.
      return new CsvFormatError(file, lastEndLine + 1, index + 1, name(index), `expected a closing quote for the quoted field that starts in this record; the file ends inside it (${error.message})`, error.code);
    case "INVALID_CLOSING_QUOTE":
      return new CsvFormatError(file, line, index + 1, name(index), `expected a delimiter or the end of the line after the closing quote of this field (${error.message})`, error.code);
    case "INVALID_OPENING_QUOTE":
      return new CsvFormatError(file, line, index + 1, name(index), `expected a quote only at the start of a field (${error.message})`, error.code);
    default:
      return new CsvFormatError(file, line, index + 1, name(index), error.message, error.code ?? "CSV_ERROR");
  }
}

/** What `streamCsvFile` read: a `CsvTable` without the rows it handed on. */
export type CsvFileInfo = Omit<CsvTable, "rows" | "lines"> & { readonly rows: number };

/**
 * The file's bytes in pieces that end at line feeds (the last may not), decompressed when it is
 * gzip (by content): a line feed never falls inside a UTF-8 character, so each piece decodes alone.
 */
async function* linePieces(file: string, gzip: boolean): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(file);
  const input: AsyncIterable<Buffer> = gzip ? stream.pipe(createGunzip()) : stream;
  let carry: Buffer | null = null;
  try {
    for await (const chunk of input) {
      const last = chunk.lastIndexOf(0x0a);
      if (last < 0) {
        carry = carry ? Buffer.concat([carry, chunk]) : chunk;
        continue;
      }
      const head = chunk.subarray(0, last + 1);
      yield carry ? Buffer.concat([carry, head]) : head;
      carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
    }
  } catch (error) {
    throw gzipError(file, error);
  } finally {
    stream.destroy();
  }
  if (carry) yield carry;
}

/**
 * Streams a CSV / TSV file of any size (gzip or not), handing each data row and its starting line
 * to `onRow` without keeping them: the encoding is decided over the whole file first (one pass,
 * as `decodeBytes` decides it), then the file is decoded and parsed piece by piece. UTF-16 files
 * are read whole.
 */
export async function streamCsvFile(file: string, options: CsvOptions, onRow: (row: string[], line: number) => void): Promise<CsvFileInfo> {
  const start = readFileHead(file, 4);
  const gzip = isGzip(start);
  const head = gzip ? await firstBytes(linePieces(file, true), 4) : start;
  const encoding = options.encoding ?? "auto";
  const utf16 = encoding === "utf-16le" || encoding === "utf-16be" || (encoding === "auto" && head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)));
  let rows = 0;
  const count = (row: string[], line: number): void => {
    rows++;
    onRow(row, line);
  };
  const gzipNote = (note: string | null): string | null => [gzip ? "gzip-compressed" : null, note].filter((n) => n !== null).join("; ") || null;
  if (utf16) {
    const decoded = readTextFile(file, encoding);
    const parser = rowParser(file, options, decoded.text, count);
    parser.write(decoded.text);
    const { columns, delimiter } = await parser.end();
    return { file, columns, rows, encoding: decoded.encoding, encodingNote: gzipNote(decoded.note), delimiter };
  }
  const bom = hasUtf8Bom(head);
  const census = new Utf8Census();
  if (encoding !== "latin1") {
    let first = true;
    for await (const piece of linePieces(file, gzip)) {
      census.add(first && bom ? piece.subarray(3) : piece);
      first = false;
    }
  }
  const decoding = utf8Decoding(census, encoding === "latin1" || encoding === "utf-8" ? encoding : "auto", file, bom ? 3 : 0);
  let parser: ReturnType<typeof rowParser> | null = null;
  let first = true;
  for await (const piece of linePieces(file, gzip)) {
    const text = decoding.decode(first && bom ? piece.subarray(3) : piece);
    first = false;
    parser ??= rowParser(file, options, text, count);
    parser.write(text);
    // A malformed record ends the parse: end() reports it without reading the rest.
    if (parser.failed) break;
  }
  parser ??= rowParser(file, options, "", count);
  const { columns, delimiter } = await parser.end();
  return { file, columns, rows, encoding: decoding.encoding, encodingNote: gzipNote(decoding.note), delimiter };
}


async function firstBytes(pieces: AsyncGenerator<Uint8Array>, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  for await (const piece of pieces) {
    parts.push(piece);
    have += piece.length;
    if (have >= n) break;
  }
  await pieces.return(undefined);
  return Buffer.concat(parts).subarray(0, n);
}

/** A table from a streaming reader (`streamCsvFile`, `streamTable`): its rows and lines kept. */
export async function collectTable(stream: (onRow: (row: string[], line: number) => void) => Promise<CsvFileInfo>): Promise<CsvTable> {
  const rows: string[][] = [];
  const lines: number[] = [];
  const info = await stream((row, line) => {
    rows.push(row);
    lines.push(line);
  });
  return { ...info, rows, lines };
}

/** Reads a CSV / TSV file (gzip or not, streamed: see `streamCsvFile`) into a table. */
export function readCsvFile(file: string, options: CsvOptions = {}): Promise<CsvTable> {
  return collectTable((onRow) => streamCsvFile(file, options, onRow));
}

const HEADER_BYTES = 1 << 16;

/** Where the first line ends (after its line feed), in UTF-8/latin-1 bytes or UTF-16 code units after a byte-order mark. */
function firstLineEnd(bytes: Uint8Array): number {
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (!le && !be) {
    const end = bytes.indexOf(0x0a);
    return end >= 0 ? end + 1 : bytes.length;
  }
  for (let i = 2; i + 1 < bytes.length; i += 2) if ((le ? bytes[i] : bytes[i + 1]) === 0x0a && (le ? bytes[i + 1] : bytes[i]) === 0) return i + 2;
  return bytes.length & ~1;
}

/**
 * A CSV / TSV file's column names from its first line only (the first 64 KB, gzip or not), to
 * tell formats apart without parsing whole files.
 */
export async function readCsvHeader(file: string, options: CsvOptions = {}): Promise<readonly string[]> {
  let head: Uint8Array = readFileHead(file, HEADER_BYTES);
  if (isGzip(head)) {
    try {
      // A prefix of the stream: flush what it holds rather than fail on the missing end.
      head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEADER_BYTES);
    } catch (error) {
      throw new Error(`${file}: the gzip data is corrupt (zlib: ${(error as Error).message}).`);
    }
  }
  // Up to the first line end (a header with a quoted line break is read whole by readCsvFile).
  const line = head.subarray(0, firstLineEnd(head));
  const decoded = decodeBytes(line, options.encoding ?? "auto", file);
  const firstLine = decoded.text.split(/\r?\n|\r/)[0];
  if (firstLine.trim() === "") return [];
  return (await parseCsvText(firstLine, file, { ...options, relaxQuotes: true })).columns;
}

/** The index of the first of `names` that is a column of `table` (case-insensitive), or -1. */
export function columnIndex(table: Pick<CsvTable, "columns">, ...names: string[]): number {
  const lower = table.columns.map((c) => c.toLowerCase());
  for (const n of names) {
    const i = lower.indexOf(n.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

/** Like `columnIndex`, but a missing column is an error that lists the columns the file has. */
export function requireColumn(table: Pick<CsvTable, "columns" | "file">, ...names: string[]): number {
  const i = columnIndex(table, ...names);
  if (i < 0) throw new Error(`${table.file}: expected a column named ${names.map((n) => `"${n}"`).join(" or ")}, found columns ${table.columns.map((c) => `"${c}"`).join(", ")}.`);
  return i;
}
