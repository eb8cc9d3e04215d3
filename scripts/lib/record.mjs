// Writing a run's record (the JSON a results card is generated from) or any other output file of a
// script: into a uniquely named temporary file beside it, then renamed, so a reader never sees half
// a file and two runs writing the same file never write into one temporary file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** Writes `text` to `file` all or nothing (its folder is created when missing). */
export function writeAtomic(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Writes a record as the scripts do (JSON, one-space indent, a final newline) and returns the path relative to the working directory. */
export function writeRecord(file, record) {
  writeAtomic(file, `${JSON.stringify(record, null, 1)}\n`);
  return path.relative(process.cwd(), file);
}
