/**
 * The catalog in an embedded vector database: LanceDB (`@lancedb/lancedb`, files in a folder, no
 * server). One table row per product (id, vector, category, department, price, title); vector
 * search combined with metadata filters (category, department, price range), which an in-memory
 * index cannot do without scanning. Chapter 6 takes the same code path to a larger catalog.
 *
 * Conventions as in `ExactIndex`: inner-product scores (cosine: vectors normalised here, zero
 * vectors refused), hits best first with ties broken by the smaller id, k larger than the
 * matching rows returns them all. The table is searched without an ANN index (LanceDB scans it
 * exactly, fine for thousands of rows); filters apply before the top-k is taken.
 *
 * `store.json` beside the table records dimension, model id and metric; `VectorStore.open`
 * refuses a folder built for another model or dimension.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Product } from "../data/records";
import { checkK, checkMetadata, oneQuery, toCheckedMatrix, type EmbeddedRows, type VectorIndexMetadata } from "./vector-search";

type LanceModule = typeof import("@lancedb/lancedb");
type LanceTable = Awaited<ReturnType<Awaited<ReturnType<LanceModule["connect"]>>["openTable"]>>;

/** One product of the catalog table. */
export interface CatalogRow {
  readonly id: number;
  readonly vector: ArrayLike<number>;
  readonly category: string;
  readonly department: string;
  readonly price: number;
  readonly title: string;
}

/** Restricts a search to products that match every field given. */
export interface CatalogFilter {
  /** One category or any of several. */
  readonly category?: string | readonly string[];
  readonly department?: string | readonly string[];
  /** Inclusive bounds, in the catalog's currency. */
  readonly minPrice?: number;
  readonly maxPrice?: number;
}

export interface CatalogHit {
  readonly id: number;
  readonly score: number;
  readonly category: string;
  readonly department: string;
  readonly price: number;
  readonly title: string;
}

interface StoreSidecar extends VectorIndexMetadata {
  readonly format: "shoplm-vector-store";
  readonly version: 1;
  readonly table: string;
  readonly count: number;
}

/**
 * The shop's products as catalog rows, with the vectors `embedTexts` gave for them (same order).
 * A row's id is the product's position in `products` (LanceDB and HNSW ids are integers):
 * `products[hit.id]` is the product.
 */
export function catalogRows(products: readonly Product[], embeddings: EmbeddedRows): CatalogRow[] {
  const d = embeddings.dimension;
  if (embeddings.vectors.length !== products.length * d) {
    throw new Error(`catalogRows: ${products.length} products but ${embeddings.vectors.length / d} embedded rows (one per product, same order, expected).`);
  }
  return products.map((p, i) => ({
    id: i,
    vector: embeddings.vectors.subarray(i * d, (i + 1) * d),
    category: p.category,
    department: p.categoryPath[0] ?? "",
    price: p.price,
    title: p.title,
  }));
}

export const VECTOR_STORE_SIDECAR = "store.json";
const TABLE = "catalog";

function lance(): LanceModule {
  // Quiet by default: LanceDB logs a warning when it creates a table. LANCEDB_LOG overrides.
  process.env.LANCEDB_LOG ??= "error";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@lancedb/lancedb") as LanceModule;
}

/** A SQL string literal (single quotes doubled), so category names cannot change the query. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The filter as a LanceDB (DataFusion SQL) predicate, or null for none; checks each field. */
export function catalogWhere(filter: CatalogFilter): string | null {
  const parts: string[] = [];
  for (const column of ["category", "department"] as const) {
    const value = filter[column];
    if (value === undefined) continue;
    const values = typeof value === "string" ? [value] : value;
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string")) {
      throw new Error(`VectorStore.search: filter.${column} must be a string or a non-empty array of strings, got ${JSON.stringify(value)}.`);
    }
    parts.push(values.length === 1 ? `${column} = ${literal(values[0])}` : `${column} IN (${values.map(literal).join(", ")})`);
  }
  for (const [key, op] of [["minPrice", ">="], ["maxPrice", "<="]] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`VectorStore.search: filter.${key} must be a finite number, got ${value}.`);
    parts.push(`price ${op} ${value}`);
  }
  if (filter.minPrice !== undefined && filter.maxPrice !== undefined && filter.minPrice > filter.maxPrice) {
    throw new Error(`VectorStore.search: filter.minPrice ${filter.minPrice} is above filter.maxPrice ${filter.maxPrice}.`);
  }
  return parts.length > 0 ? parts.join(" AND ") : null;
}

function checkRows(rows: readonly CatalogRow[], dimension: number): void {
  if (!Array.isArray(rows)) throw new Error("VectorStore.create: rows must be an array of catalog rows.");
  const seen = new Set<number>();
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object") throw new Error(`VectorStore.create: row ${i} is not an object.`);
    if (!Number.isSafeInteger(row.id) || row.id < 0) throw new Error(`VectorStore.create: row ${i} has id ${row.id}; ids must be non-negative integers.`);
    if (seen.has(row.id)) throw new Error(`VectorStore.create: row ${i} repeats id ${row.id}; ids must be unique.`);
    seen.add(row.id);
    for (const key of ["category", "department", "title"] as const) {
      if (typeof row[key] !== "string") throw new Error(`VectorStore.create: row ${i} (id ${row.id}): ${key} must be a string, got ${typeof row[key]}.`);
    }
    if (typeof row.price !== "number" || !Number.isFinite(row.price)) throw new Error(`VectorStore.create: row ${i} (id ${row.id}): price must be a finite number, got ${row.price}.`);
    if (!row.vector || row.vector.length !== dimension) {
      throw new Error(`VectorStore.create: row ${i} (id ${row.id}) has a vector of dimension ${row.vector?.length}, expected ${dimension}.`);
    }
  });
}

function writeSidecar(dir: string, sidecar: StoreSidecar): void {
  const file = path.join(dir, VECTOR_STORE_SIDECAR);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(sidecar, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

function readSidecar(dir: string): StoreSidecar {
  const file = path.join(dir, VECTOR_STORE_SIDECAR);
  if (!existsSync(file)) throw new Error(`VectorStore.open: ${file} is missing (expected a folder written by VectorStore.create).`);
  let s: Partial<StoreSidecar>;
  try {
    s = JSON.parse(readFileSync(file, "utf8")) as Partial<StoreSidecar>;
  } catch (error) {
    throw new Error(`VectorStore.open: ${file} is not valid JSON (${(error as Error).message}).`);
  }
  if (s === null || typeof s !== "object" || s.format !== "shoplm-vector-store" || s.version !== 1) {
    throw new Error(`VectorStore.open: ${file} is not a vector-store sidecar of this library (expected format "shoplm-vector-store", version 1).`);
  }
  checkMetadata(`VectorStore.open: ${file}`, s as VectorIndexMetadata);
  if (typeof s.table !== "string" || !Number.isInteger(s.count)) throw new Error(`VectorStore.open: ${file}: fields "table" and "count" are missing or invalid.`);
  return s as StoreSidecar;
}

export class VectorStore {
  private constructor(
    readonly dir: string,
    readonly metadata: VectorIndexMetadata,
    private readonly table: LanceTable,
    readonly size: number
  ) {}

  /**
   * Writes `rows` as the catalog table in `dir` (replacing a catalog already there) and returns
   * the open store. Vectors are checked (finite; non-zero under cosine) and stored as float32.
   */
  static async create(dir: string, rows: readonly CatalogRow[], metadata: VectorIndexMetadata): Promise<VectorStore> {
    checkMetadata("VectorStore.create", metadata);
    checkRows(rows, metadata.dimension);
    if (rows.length === 0) throw new Error("VectorStore.create: no rows; a catalog table needs at least one product.");
    const ids = rows.map((row) => row.id);
    const matrix = toCheckedMatrix("VectorStore.create", rows.map((row) => row.vector), metadata.dimension, metadata.metric, "vectors", ids);
    const d = metadata.dimension;
    const records = rows.map((row, i) => ({
      id: row.id,
      vector: Array.from(matrix.subarray(i * d, (i + 1) * d)),
      category: row.category,
      department: row.department,
      price: row.price,
      title: row.title,
    }));
    mkdirSync(dir, { recursive: true });
    // The old sidecar goes first: a failure below must not leave it describing a half-written table.
    rmSync(path.join(dir, VECTOR_STORE_SIDECAR), { force: true });
    const db = await lance().connect(dir);
    const table = await db.createTable(TABLE, records, { mode: "overwrite" });
    const meta = { dimension: metadata.dimension, modelId: metadata.modelId, metric: metadata.metric };
    writeSidecar(dir, { format: "shoplm-vector-store", version: 1, ...meta, table: TABLE, count: rows.length });
    return new VectorStore(dir, meta, table, rows.length);
  }

  /** Opens a store written by `create`; `expected` fields (dimension, modelId, metric) must match. */
  static async open(dir: string, expected: Partial<VectorIndexMetadata> = {}): Promise<VectorStore> {
    const sidecar = readSidecar(dir);
    for (const key of ["dimension", "modelId", "metric"] as const) {
      if (expected[key] !== undefined && expected[key] !== sidecar[key]) {
        throw new Error(
          `VectorStore.open: ${dir} was built with ${key} ${JSON.stringify(sidecar[key])}, expected ${JSON.stringify(expected[key])}; rebuild the store with the current embeddings.`
        );
      }
    }
    const db = await lance().connect(dir);
    const names = await db.tableNames();
    if (!names.includes(sidecar.table)) throw new Error(`VectorStore.open: ${dir} has no table "${sidecar.table}" (found ${names.length ? names.join(", ") : "none"}); the folder is incomplete.`);
    const table = await db.openTable(sidecar.table);
    const count = await table.countRows();
    if (count !== sidecar.count) throw new Error(`VectorStore.open: the table in ${dir} holds ${count} rows, its sidecar says ${sidecar.count}.`);
    const schema = await table.schema();
    const vectorField = schema.fields.find((f) => f.name === "vector");
    const listSize = (vectorField?.type as { listSize?: number } | undefined)?.listSize;
    if (listSize !== sidecar.dimension) {
      throw new Error(`VectorStore.open: the table's vector column has dimension ${listSize}, its sidecar says ${sidecar.dimension}.`);
    }
    return new VectorStore(dir, { dimension: sidecar.dimension, modelId: sidecar.modelId, metric: sidecar.metric }, table, count);
  }

  /** The k products closest to `query` among those that pass `filter`, best first. */
  async search(query: ArrayLike<number>, k: number, filter: CatalogFilter = {}): Promise<CatalogHit[]> {
    checkK("VectorStore.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("VectorStore.search", oneQuery("VectorStore.search", query), dimension, metric, "query");
    const where = catalogWhere(filter);
    let request = this.table.vectorSearch(Array.from(q)).distanceType("dot").limit(k);
    if (where) request = request.where(where);
    const rows = (await request.toArray()) as Array<Record<string, unknown>>;
    // LanceDB's "dot" distance is 1 - dot; ties are re-ordered by id here.
    const hits = rows.map((row) => ({
      id: Number(row.id),
      score: 1 - Number(row._distance),
      category: String(row.category),
      department: String(row.department),
      price: Number(row.price),
      title: String(row.title),
    }));
    return hits.sort((a, b) => b.score - a.score || a.id - b.id);
  }
}
