/**
 * Reading Apache Parquet tables (the format the ESCI shopping queries dataset and many exports
 * ship in) with hyparquet, a dependency-free reader: the column names from the footer, then the
 * rows one row group at a time, as text cells like a CSV file's, so the loaders treat both alike.
 * Snappy (the usual codec) is built into hyparquet; gzip and brotli pages are inflated with
 * node:zlib, and zstd too where this Node has it.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import * as zlib from "node:zlib";
import type { CompressionCodec, FileMetaData } from "hyparquet";

/** The parts of hyparquet used here (an ES module, loaded on first use). */
interface Hyparquet {
  parquetMetadataAsync(file: AsyncFile): Promise<FileMetaData>;
  parquetRead(options: {
    file: AsyncFile;
    metadata: FileMetaData;
    columns?: string[];
    rowStart: number;
    rowEnd: number;
    compressors: Partial<Record<CompressionCodec, (input: Uint8Array, outputLength: number) => Uint8Array>>;
    onComplete: (rows: unknown[][]) => void;
  }): Promise<void>;
}

/** hyparquet's AsyncBuffer over a local file: reads only the byte ranges asked for. */
interface AsyncFile {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

let loaded: Promise<Hyparquet> | null = null;
function hyparquet(): Promise<Hyparquet> {
  loaded ??= import("hyparquet") as unknown as Promise<Hyparquet>;
  return loaded;
}

/** The PAR1 magic number a Parquet file starts (and ends) with. */
export function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

function asyncFile(file: string): AsyncFile {
  const byteLength = statSync(file).size;
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const length = Math.max(0, Math.min(end, byteLength) - start);
      const buffer = new Uint8Array(length);
      const fd = openSync(file, "r");
      try {
        let done = 0;
        while (done < length) {
          const n = readSync(fd, buffer, done, length - done, start + done);
          if (n === 0) break;
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return buffer.buffer;
    },
  };
}

const zstd = (zlib as unknown as { zstdDecompressSync?: (input: Uint8Array) => Buffer }).zstdDecompressSync;
const COMPRESSORS: Partial<Record<CompressionCodec, (input: Uint8Array, outputLength: number) => Uint8Array>> = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...(zstd ? { ZSTD: (input: Uint8Array) => zstd(input) } : {}),
};

async function metadataOf(file: string): Promise<{ api: Hyparquet; source: AsyncFile; metadata: FileMetaData }> {
  const api = await hyparquet();
  const source = asyncFile(file);
  try {
    return { api, source, metadata: await api.parquetMetadataAsync(source) };
  } catch (error) {
    throw new Error(`${file}: not a readable Parquet file (${(error as Error).message}).`);
  }
}

/** The top-level column names of a Parquet file, from its footer. */
export async function parquetColumns(file: string): Promise<string[]> {
  const { metadata } = await metadataOf(file);
  return topLevelColumns(metadata);
}

function topLevelColumns(metadata: FileMetaData): string[] {
  // schema[0] is the root; its num_children elements follow, each before its own subtree (flattened
  // depth first): skip a subtree by counting the elements still owed.
  const schema = metadata.schema;
  const names: string[] = [];
  let i = 1;
  for (let c = 0; c < (schema[0].num_children ?? 0) && i < schema.length; c++) {
    names.push(schema[i].name);
    for (let owed = 1; owed > 0 && i < schema.length; i++) owed += (schema[i].num_children ?? 0) - 1;
  }
  return names;
}

const SLICE_ROWS = 65536;

/** A cell as CSV text: strings as they are, numbers and booleans printed, null empty, lists and structs as JSON. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  // 64-bit integers come as BigInt: numbers where exact, else their digits.
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v));
}

/**
 * Streams a Parquet file's rows, one row group at a time, each as text cells in `columns` order
 * (all top-level columns by default) with its 1-based row number.
 */
export async function streamParquetFile(
  file: string,
  onRow: (row: string[], rowNumber: number) => void,
  columns?: readonly string[]
): Promise<{ readonly file: string; readonly columns: readonly string[]; readonly rows: number }> {
  const { api, source, metadata } = await metadataOf(file);
  const all = topLevelColumns(metadata);
  const wanted = columns ? [...columns] : all;
  const missing = wanted.filter((c) => !all.includes(c));
  if (missing.length > 0) throw new Error(`${file}: no column ${missing.map((c) => `"${c}"`).join(", ")} in this Parquet file; it has ${all.map((c) => `"${c}"`).join(", ")}.`);
  let rows = 0;
  // Slices of at most SLICE_ROWS rows: a writer's row group may hold a million rows of text.
  const slices: Array<[number, number]> = [];
  let at = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = at + Number(group.num_rows);
    for (let s = at; s < groupEnd; s += SLICE_ROWS) slices.push([s, Math.min(s + SLICE_ROWS, groupEnd)]);
    at = groupEnd;
  }
  for (const [start, end] of slices) {
    try {
      await api.parquetRead({
        file: source,
        metadata,
        columns: wanted,
        rowStart: start,
        rowEnd: end,
        compressors: COMPRESSORS,
        onComplete: (data) => {
          for (const values of data) onRow(values.map(cellText), ++rows);
        },
      });
    } catch (error) {
      const message = (error as Error).message;
      const codec = /unsupported compression codec:? *(\w+)/i.exec(message)?.[1];
      throw new Error(`${file}: rows ${start + 1}-${end}: ${codec ? `pages compressed with ${codec}, which this Node cannot inflate` : "could not be read"} (${message}).`);
    }
  }
  return { file, columns: wanted, rows };
}
