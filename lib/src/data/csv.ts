/**
 * Reading real CSV / TSV files with a real parser (csv-parse): quoted fields with newlines and
 * doubled quotes, a byte-order mark, UTF-8, latin-1 or UTF-16, gzip or not, Windows or Unix line
 * ends, and errors that name the file, the line, the column and what was expected there.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { gunzipSync, constants as zlibConstants } from "node:zlib";
import { parse, type CsvError, type Options } from "csv-parse";
import { decodeBytes, isGzip, readTextFile, type TextEncoding } from "./encoding";

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

/** Parses CSV text; `source` names it in errors. */
export function parseCsvText(input: string, source: string, options: CsvOptions = {}): Promise<Omit<CsvTable, "encoding" | "encodingNote">> {
  // One line end: csv-parse counts a \r\n inside a quoted field as two lines, so line numbers
  // drifted in Windows files; and a field's text should not keep a \r.
  const text = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const delimiter = options.delimiter === undefined || options.delimiter === "auto" ? sniffDelimiter(text) : options.delimiter;
  const quotes = options.quotes ?? true;
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    const lines: number[] = [];
    let lastEndLine = 0;
    let header: string[] | null = null;
    parse(
      text,
      {
        delimiter,
        quote: quotes ? '"' : false,
        relax_column_count: false,
        relax_quotes: options.relaxQuotes ?? false,
        skip_empty_lines: true,
        raw: true,
        record_delimiter: ["\r\n", "\n", "\r"],
        // Records are taken here, as they come, so that an error knows the header and the last good line.
        // With raw: true csv-parse hands on_record {record, raw}; its types do not say so.
        on_record: (({ record, raw }: { record: string[]; raw: string }, context: RecordContext) => {
          // raw holds skipped blank lines before the record and its own line break after it.
          const body = raw.replace(/^[\r\n]+/, "").replace(/(\r\n|\n|\r)$/, "");
          const start = context.lines - countNewlines(body);
          lastEndLine = context.lines;
          if (header === null) header = record.map((h) => h.trim());
          else {
            rows.push(record);
            lines.push(start);
          }
          return null;
        }) as unknown as Options["on_record"],
      },
      (error: CsvError | undefined) => {
        if (error) {
          reject(toFormatError(error, source, header, lastEndLine));
          return;
        }
        if (header === null) {
          reject(new CsvFormatError(source, 1, 1, null, "expected a header line with column names, found an empty file", "CSV_EMPTY"));
          return;
        }
        resolve({ file: source, columns: header, rows, lines, delimiter });
      }
    );
  });
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

/** Reads a CSV / TSV file (gzip or not): decodes it (see `decodeBytes`) and parses it. */
export async function readCsvFile(file: string, options: CsvOptions = {}): Promise<CsvTable> {
  const decoded = readTextFile(file, options.encoding ?? "auto");
  const table = await parseCsvText(decoded.text, file, options);
  const notes = [decoded.gzip ? "gzip-compressed" : null, decoded.note].filter((n) => n !== null);
  return { ...table, encoding: decoded.encoding, encodingNote: notes.length > 0 ? notes.join("; ") : null };
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
  const fd = openSync(file, "r");
  let head: Uint8Array;
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    head = buffer.subarray(0, readSync(fd, buffer, 0, HEADER_BYTES, 0));
  } finally {
    closeSync(fd);
  }
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
