/**
 * A table file, CSV / TSV (gzip or not) or Parquet, read the same way: its column names, its rows
 * streamed as text cells with where each starts (a CSV line, a Parquet row number), or all of it
 * as a `CsvTable`. Parquet is told by its magic number, whatever the file's name.
 */
import { collectTable, readCsvHeader, streamCsvFile, type CsvFileInfo, type CsvOptions, type CsvTable } from "./csv";
import { readFileHead } from "./encoding";
import { isParquet, parquetColumns, streamParquetFile } from "./parquet";

/** File names the loaders take for tables. */
export const TABLE_FILE = /\.(csv|tsv)(\.gz)?$|\.parquet$/i;

export function isParquetFile(file: string): boolean {
  return isParquet(readFileHead(file, 4));
}

/** The table's column names (a CSV's first line, a Parquet file's schema). */
export function tableColumns(file: string, options: CsvOptions = {}): Promise<readonly string[]> {
  return isParquetFile(file) ? parquetColumns(file) : readCsvHeader(file, options);
}

/**
 * Streams the table's rows as text cells with where each starts: a CSV file's line (see
 * `streamCsvFile`), a Parquet file's 1-based row number (nulls are empty cells).
 */
export async function streamTable(file: string, options: CsvOptions, onRow: (row: string[], line: number) => void): Promise<CsvFileInfo> {
  if (!isParquetFile(file)) return streamCsvFile(file, options, onRow);
  const info = await streamParquetFile(file, onRow);
  return { file, columns: info.columns, rows: info.rows, encoding: "utf-8", encodingNote: "Parquet (row numbers for lines)", delimiter: "" };
}

/** The whole table (see `streamTable`). */
export function readTable(file: string, options: CsvOptions = {}): Promise<CsvTable> {
  return collectTable((onRow) => streamTable(file, options, onRow));
}
