/**
 * TREC `qrels` and `run` files, read and written, so that the course's numbers can be
 * cross-checked with trec_eval (or any tool that reads these files).
 *
 * qrels: one judgment per line, `query_id iteration doc_id grade` (the iteration column is
 *   ignored, written as 0).
 * run:   one retrieved document per line, `query_id Q0 doc_id rank score tag`. Like trec_eval,
 *   the reader keeps the score and ignores the rank column (the order comes from the scores
 *   and the tie rule); the writer ranks documents by the trec tie rule and prints each score
 *   in JavaScript's shortest round-trip form, so that C's `atof` reads back the same double.
 *
 * Fields are separated by spaces or tabs; empty lines and lines starting with `#` are skipped.
 * Errors name the source, the line, the column and the value found. Empty text gives an
 * empty table (a file with no line judges nothing; `evaluateRun` then reports no query).
 * Parsing and writing are loops over lines: a million-line file is fine.
 */
import { compareCodePoints, entriesOf, orderRanking, type Judgments, type Qrels, type Run, type ScoredDoc } from "./ranking";
import { shown } from "./validate";
import { writeFileAtomic } from "../core/files";
import { readTextFile } from "../data/encoding";

function checkText(fn: string, text: unknown): void {
  if (typeof text !== "string") throw new Error(`${fn}: text must be a string (the file's contents), got ${shown(text)}.`);
}

export interface ParseOptions {
  /** A name for error messages (a file path). Default "<qrels>" or "<run>". */
  readonly source?: string;
}

function splitFields(line: string): string[] {
  return line.trim().split(/[ \t]+/);
}

function parseNumber(text: string): number {
  // C's atof also accepts inf / infinity in any case; Number() does not.
  const lower = text.toLowerCase();
  if (/^[+]?inf(inity)?$/.test(lower)) return Infinity;
  if (/^-inf(inity)?$/.test(lower)) return -Infinity;
  if (text.trim() === "") return NaN;
  return Number(text);
}

function columnOf(line: string, field: number): number {
  // 1-based column where the field starts, for error messages.
  const re = /[^ \t]+/g;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(line)) !== null) {
    if (i === field) return m.index + 1;
    i++;
  }
  return 1;
}

/** Parses qrels text into query id -> (doc id -> grade). Duplicate (query, doc) pairs are errors. */
export function parseQrels(text: string, options: ParseOptions = {}): Map<string, Map<string, number>> {
  checkText("parseQrels", text);
  const source = options.source ?? "<qrels>";
  const qrels = new Map<string, Map<string, number>>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const at = `${source}:${index + 1}`;
    const fields = splitFields(line);
    if (fields.length !== 4) {
      throw new Error(`${at}: expected 4 fields "query_id iteration doc_id grade", found ${fields.length}: "${line.trim()}".`);
    }
    const [queryId, , docId, gradeText] = fields;
    const grade = parseNumber(gradeText);
    if (!Number.isFinite(grade)) {
      throw new Error(`${at}:${columnOf(line, 3)}: expected a numeric grade, found "${gradeText}".`);
    }
    let judgments = qrels.get(queryId);
    if (!judgments) {
      judgments = new Map();
      qrels.set(queryId, judgments);
    }
    if (judgments.has(docId)) {
      throw new Error(`${at}:${columnOf(line, 2)}: document "${docId}" is judged twice for query "${queryId}" (trec_eval rejects duplicates too).`);
    }
    judgments.set(docId, grade);
  });
  return qrels;
}

/** Parses run text into query id -> scored documents (in file order). Duplicate (query, doc) pairs are errors. */
export function parseRun(text: string, options: ParseOptions = {}): Map<string, ScoredDoc[]> {
  checkText("parseRun", text);
  const source = options.source ?? "<run>";
  const run = new Map<string, ScoredDoc[]>();
  const seen = new Map<string, Set<string>>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const at = `${source}:${index + 1}`;
    const fields = splitFields(line);
    if (fields.length !== 6) {
      throw new Error(`${at}: expected 6 fields "query_id Q0 doc_id rank score tag", found ${fields.length}: "${line.trim()}".`);
    }
    const [queryId, , docId, rankText, scoreText] = fields;
    if (!/^-?\d+$/.test(rankText)) {
      throw new Error(`${at}:${columnOf(line, 3)}: expected an integer rank, found "${rankText}".`);
    }
    const score = parseNumber(scoreText);
    if (Number.isNaN(score)) {
      throw new Error(`${at}:${columnOf(line, 4)}: expected a numeric score, found "${scoreText}".`);
    }
    let docs = run.get(queryId);
    let ids = seen.get(queryId);
    if (!docs || !ids) {
      docs = [];
      ids = new Set();
      run.set(queryId, docs);
      seen.set(queryId, ids);
    }
    if (ids.has(docId)) {
      throw new Error(`${at}:${columnOf(line, 2)}: document "${docId}" is retrieved twice for query "${queryId}" (trec_eval rejects duplicates too).`);
    }
    ids.add(docId);
    docs.push({ docId, score });
  });
  return run;
}

function checkToken(value: string, what: string): void {
  if (typeof value !== "string") throw new Error(`TREC files hold text fields, so a ${what} must be a string; got ${shown(value)}.`);
  if (value === "" || /[\s]/.test(value)) {
    throw new Error(`TREC files separate fields by whitespace, so a ${what} cannot be empty or contain spaces; got "${value}".`);
  }
}

/** Writes qrels as text: queries and documents sorted by code point, iteration column 0. */
export function formatQrels(qrels: Qrels): string {
  const out: string[] = [];
  const queries = entriesOf(qrels).sort((a, b) => compareCodePoints(a[0], b[0]));
  for (const [queryId, judgments] of queries) {
    checkToken(queryId, "query id");
    const docs = entriesOf(judgments as Judgments).sort((a, b) => compareCodePoints(a[0], b[0]));
    for (const [docId, grade] of docs) {
      checkToken(docId, "document id");
      if (!Number.isFinite(grade)) throw new Error(`formatQrels: query "${queryId}" document "${docId}" has grade ${grade}; expected a finite number.`);
      out.push(`${queryId} 0 ${docId} ${grade}`);
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
}

export interface FormatRunOptions {
  /** The run tag in the last column. Default "shoplm". */
  readonly tag?: string;
  /** Keep only the top `depth` documents per query (trec_eval reads up to 1000 by default convention). */
  readonly depth?: number;
}

/**
 * Writes a run as text: queries sorted by code point, each query's documents in trec order
 * (score descending, ties by document id descending) with ranks 1, 2, ... Rankings given as
 * plain id lists get scores n, n-1, ..., 1 so that any tool recovers their order.
 */
export function formatRun(run: Run, options: FormatRunOptions = {}): string {
  const tag = options.tag ?? "shoplm";
  checkToken(tag, "run tag");
  const depth = options.depth ?? Infinity;
  if (depth !== Infinity && (!Number.isInteger(depth) || depth < 1)) throw new Error(`formatRun: depth must be an integer >= 1, got ${shown(depth)}.`);
  const out: string[] = [];
  const queries = entriesOf(run).sort((a, b) => compareCodePoints(a[0], b[0]));
  for (const [queryId, ranking] of queries) {
    checkToken(queryId, "query id");
    const ordered = orderRanking(ranking, `formatRun (query "${queryId}")`);
    const end = Math.min(ordered.length, depth);
    for (let i = 0; i < end; i++) {
      const { docId, score } = ordered[i];
      checkToken(docId, "document id");
      out.push(`${queryId} Q0 ${docId} ${i + 1} ${String(score)} ${tag}`);
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
}

/** Reads a qrels file (gzip or not; a byte-order mark is dropped). */
export function readQrels(path: string): Map<string, Map<string, number>> {
  return parseQrels(readTextFile(path).text, { source: path });
}

/** Reads a run file (gzip or not; a byte-order mark is dropped). */
export function readRun(path: string): Map<string, ScoredDoc[]> {
  return parseRun(readTextFile(path).text, { source: path });
}

/** Writes a qrels file (whole or not at all: see `writeFileAtomic`). */
export function writeQrels(path: string, qrels: Qrels): void {
  writeFileAtomic(path, formatQrels(qrels));
}

/** Writes a run file (whole or not at all). */
export function writeRun(path: string, run: Run, options: FormatRunOptions = {}): void {
  writeFileAtomic(path, formatRun(run, options));
}
