/**
 * The shipped shop files (data/<profile>/): writing them byte for byte the same on every run and
 * machine, and reading them back into typed records.
 *
 * Layout: manifest.json, taxonomy.json, vocabulary.json (plain JSON) and products, queries,
 * judgments, users, sessions as gzip'd JSON Lines (one record per line, keys in a fixed order),
 * and attributes.jsonl.gz: the BIO attribute tags of every query and title, derived from those
 * records without a random draw (attribute-tags.ts), so the other files do not change with it.
 * Gzip headers carry no time stamp (node:zlib writes 0) and a fixed OS byte (zlib writes the
 * build platform's code there; we overwrite it), so the bytes depend on the records only.
 */
import { sha256Hex } from "../core/hash";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { isProfileName, type ProfileName } from "../core/profile";
import { attributeTagRows, parseAttributeTags, type AttributeTagRow } from "./attribute-tags";
import { BRANDS } from "./brands";
import { LOG_END, LOG_START, SPLIT_BOUNDARIES } from "./calendar";
import type { Judgment, Product, Query, Session, User } from "./records";
import { CATEGORIES, DEPARTMENTS, DEVICES } from "./taxonomy";
import { vocabularyData } from "./vocabulary";
import { GENERATOR_VERSION, type ShopSettings, type ShopWorld } from "./world";

/** The record files of a shop, in the order they are written. */
export const SHOP_RECORD_FILES = ["products", "queries", "judgments", "users", "sessions"] as const;
export type ShopRecordFile = (typeof SHOP_RECORD_FILES)[number];

/** The attribute tags' file, written after the record files. */
export const ATTRIBUTE_TAGS_FILE = "attributes.jsonl.gz";

export interface ShopRecords {
  products: Product;
  queries: Query;
  judgments: Judgment;
  users: User;
  sessions: Session;
}

export interface ManifestFile {
  readonly name: string;
  readonly rows: number;
  /** sha256 of the uncompressed content (so a different zlib cannot hide a content change). */
  readonly contentSha256: string;
}

export interface ShopManifest {
  readonly generator: string;
  readonly generatorVersion: number;
  readonly profile: string;
  readonly settings: ShopSettings;
  readonly logPeriod: { readonly start: string; readonly end: string };
  readonly splitBoundaries: { readonly validation: string; readonly test: string };
  readonly files: readonly ManifestFile[];
}

export type LoadedShop = ShopWorld & { readonly manifest: ShopManifest };

/** Fixed gzip settings: level 9, default window, memory and strategy. */
const GZIP_OPTIONS = { level: 9, windowBits: 15, memLevel: 8, strategy: constants.Z_DEFAULT_STRATEGY };
const GZIP_OS_UNIX = 3;

/** Gzip with no time stamp and a fixed OS byte: equal input, equal bytes. */
export function gzipDeterministic(data: Buffer | string): Buffer {
  const out = gzipSync(typeof data === "string" ? Buffer.from(data, "utf8") : data, GZIP_OPTIONS);
  out.writeUInt32LE(0, 4); // MTIME (node writes 0 already; make it a guarantee)
  out[9] = GZIP_OS_UNIX;
  return out;
}

/** One JSON object per line, newline-terminated. */
export function toJsonLines(rows: readonly unknown[]): string {
  let out = "";
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

/** Parses JSON Lines; a bad line is an error naming the source, the line and the JSON parser's complaint. */
export function parseJsonLines<T>(text: string, source: string): T[] {
  const rows: T[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (error) {
      throw new Error(`${source}: line ${i + 1}: expected one JSON object per line, got invalid JSON (${(error as Error).message}).`);
    }
  }
  return rows;
}

function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

/** The taxonomy, brands and devices as plain data (taxonomy.json). */
export function taxonomyData(): object {
  return { departments: DEPARTMENTS, categories: CATEGORIES, brands: BRANDS, devices: DEVICES };
}

/**
 * Every file of a world's folder as bytes, keyed by file name, in a fixed order. Pure: the same
 * world gives the same bytes.
 */
export function serializeWorld(world: ShopWorld, profile: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const manifestFiles: ManifestFile[] = [];
  for (const name of SHOP_RECORD_FILES) {
    const rows = world[name] as readonly unknown[];
    const text = toJsonLines(rows);
    const fileName = `${name}.jsonl.gz`;
    files.set(fileName, gzipDeterministic(text));
    manifestFiles.push({ name: fileName, rows: rows.length, contentSha256: sha256Hex(text) });
  }
  const tagged = toJsonLines(attributeTagRows(world));
  files.set(ATTRIBUTE_TAGS_FILE, gzipDeterministic(tagged));
  manifestFiles.push({ name: ATTRIBUTE_TAGS_FILE, rows: world.queries.length + world.products.length, contentSha256: sha256Hex(tagged) });
  const taxonomy = prettyJson(taxonomyData());
  const vocabulary = prettyJson(vocabularyData());
  files.set("taxonomy.json", Buffer.from(taxonomy, "utf8"));
  files.set("vocabulary.json", Buffer.from(vocabulary, "utf8"));
  const manifest: ShopManifest = {
    generator: "shoplm generateWorld",
    generatorVersion: GENERATOR_VERSION,
    profile,
    settings: world.settings,
    logPeriod: { start: LOG_START, end: LOG_END },
    splitBoundaries: SPLIT_BOUNDARIES,
    files: manifestFiles,
  };
  files.set("manifest.json", Buffer.from(prettyJson(manifest), "utf8"));
  return files;
}

/** Writes `files` into `dir` (created if missing). */
export function writeFiles(dir: string, files: ReadonlyMap<string, Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(path.join(dir, name), bytes);
}

/** `sha256sum`-compatible lines ("<hex>  <path>"), sorted by path. */
export function checksumLines(files: ReadonlyMap<string, Buffer>): string {
  return [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, bytes]) => `${sha256Hex(bytes)}  ${name}\n`)
    .join("");
}

/** Parses `sha256sum` output into path -> hex; a malformed line is an error naming it. */
export function parseChecksums(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`${source}: line ${i + 1}: expected "<64 hex digits>  <path>", got "${line}".`);
    out.set(m[2], m[1]);
  });
  return out;
}

/** The project's data/ folder: lib/{src,dist}/data/ -> ../../../data. */
export function defaultDataRoot(): string {
  return path.resolve(__dirname, "..", "..", "..", "data");
}

/** The folder of a shipped world: a profile name ("fast", "full") or a path. */
export function shopDir(profileOrDir: ProfileName | string = "fast"): string {
  return isProfileName(profileOrDir) ? path.join(defaultDataRoot(), profileOrDir) : path.resolve(profileOrDir);
}

function readBytes(file: string): Buffer {
  if (!existsSync(file)) throw new Error(`Shop file not found: ${file}. Expected the files written by \`npm run data\` (data/fast, data/full), or a folder with the same layout.`);
  return readFileSync(file);
}

export function readManifest(dir: string): ShopManifest {
  const file = path.join(dir, "manifest.json");
  try {
    return JSON.parse(readBytes(file).toString("utf8")) as ShopManifest;
  } catch (error) {
    if ((error as Error).message.startsWith("Shop file not found")) throw error;
    throw new Error(`${file}: expected a JSON manifest, got invalid JSON (${(error as Error).message}).`);
  }
}

function gunzipText(file: string): string {
  try {
    return gunzipSync(readBytes(file)).toString("utf8");
  } catch (error) {
    if ((error as Error).message.startsWith("Shop file not found")) throw error;
    throw new Error(`${file}: expected gzip'd JSON Lines, could not decompress (${(error as Error).message}).`);
  }
}

/** The records of one shop file, checked against the manifest's row count. */
export function readShopFile<K extends ShopRecordFile>(dir: string, name: K, manifest: ShopManifest = readManifest(dir)): ShopRecords[K][] {
  const file = path.join(dir, `${name}.jsonl.gz`);
  const rows = parseJsonLines<ShopRecords[K]>(gunzipText(file), file);
  const expected = manifest.files.find((f) => f.name === `${name}.jsonl.gz`);
  if (expected && expected.rows !== rows.length) throw new Error(`${file}: the manifest says ${expected.rows} rows, the file has ${rows.length}.`);
  return rows;
}

/** A shipped world: `loadShop("fast")`, `loadShop("full")` or `loadShop("/path/to/folder")`. */
export function loadShop(profileOrDir: ProfileName | string = "fast"): LoadedShop {
  const dir = shopDir(profileOrDir);
  const manifest = readManifest(dir);
  return {
    manifest,
    settings: manifest.settings,
    products: readShopFile(dir, "products", manifest),
    queries: readShopFile(dir, "queries", manifest),
    judgments: readShopFile(dir, "judgments", manifest),
    users: readShopFile(dir, "users", manifest),
    sessions: readShopFile(dir, "sessions", manifest),
  };
}

/**
 * The attribute tags of a shipped world (one row per query, then per product title), every row
 * checked: a malformed line, a tag outside the tag set or a tags/words length mismatch is an error
 * naming the file, line, column and field.
 */
export function loadAttributeTags(profileOrDir: ProfileName | string = "fast"): AttributeTagRow[] {
  const dir = shopDir(profileOrDir);
  const file = path.join(dir, ATTRIBUTE_TAGS_FILE);
  const rows = parseAttributeTags(gunzipText(file), file);
  const expected = readManifest(dir).files.find((f) => f.name === ATTRIBUTE_TAGS_FILE);
  if (expected && expected.rows !== rows.length) throw new Error(`${file}: the manifest says ${expected.rows} rows, the file has ${rows.length}.`);
  return rows;
}
