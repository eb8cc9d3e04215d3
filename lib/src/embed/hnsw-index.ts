/**
 * Approximate nearest-neighbour search with HNSW (hierarchical navigable small-world graphs,
 * Malkov and Yashunin 2018) through `hnswlib-node`, the Node binding of the reference C++ library.
 *
 * Same conventions as `ExactIndex`: inner-product scores (cosine = inner product of unit vectors,
 * normalised here so that a zero vector is an error instead of passing through silently),
 * integer ids in [0, 2^32) (default: the running row number), hits best first with ties broken by
 * the smaller id, k larger than the index returns every vector. hnswlib measures "ip" as
 * `1 - dot`; the score reported is the dot product.
 *
 * Knobs: `M` (graph degree), `efConstruction` (candidate list while building), `efSearch`
 * (candidate list while searching: larger is slower and closer to exact), `seed` (the level
 * draws; with one build thread the graph is reproducible).
 *
 * `save(dir)` writes `index.hnsw` and a sidecar `index.json` (dimension, count, model id, metric,
 * M, efConstruction, hnswlib-node's version and the SHA-256 of the index file), each through a
 * temporary file renamed into place. `HnswIndex.load(dir, expected)` checks the sidecar and the
 * checksum before hnswlib reads the file (a corrupted file could crash the native reader) and
 * refuses an index built for another dimension, model or metric.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { HierarchicalNSW } from "hnswlib-node";
import {
  checkIds, checkK, checkMetadata, oneQuery, rowCount, sortHits, toCheckedMatrix,
  type EmbeddedRows, type VectorHits, type VectorIndexMetadata, type VectorRows,
} from "./vector-search";

export interface HnswOptions extends VectorIndexMetadata {
  /** Links per node (hnswlib's M); default 16. */
  readonly M?: number;
  /** Candidate list size while building; default 200. */
  readonly efConstruction?: number;
  /** Candidate list size while searching (raised to k when k is larger); default 64. */
  readonly efSearch?: number;
  /** Seed of the level draws; default 100 (hnswlib's). */
  readonly seed?: number;
}

/** The sidecar written beside `index.hnsw`. */
export interface HnswSidecar extends VectorIndexMetadata {
  readonly format: "shoplm-hnsw";
  readonly version: 1;
  readonly count: number;
  readonly M: number;
  readonly efConstruction: number;
  readonly seed: number;
  readonly library: string;
  readonly indexFile: string;
  readonly indexBytes: number;
  readonly sha256: string;
}

export const HNSW_INDEX_FILE = "index.hnsw";
export const HNSW_SIDECAR_FILE = "index.json";

/** hnswlib-node's version, recorded in the sidecar. */
export function hnswlibVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return `hnswlib-node ${(require("hnswlib-node/package.json") as { version: string }).version}`;
}

type HnswModule = typeof import("hnswlib-node");

/**
 * hnswlib-node, loaded on first use: it is a native addon built by `npm run setup`, and a missing
 * build must not stop the rest of the library from loading.
 */
function hnswlib(): HnswModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("hnswlib-node") as HnswModule;
  } catch (error) {
    throw new Error(
      `HnswIndex: hnswlib-node's native addon could not be loaded (${(error as Error).message.split("\n")[0]}); ` +
        "run `npm run setup`, which builds it (it needs make, a C++ compiler and Python 3)."
    );
  }
}

function positiveInt(where: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${where}: ${name} must be a positive integer, got ${value}.`);
  return value;
}

/** SHA-256 of a file, read in 4 MiB pieces (an index of a million vectors is most of a gigabyte). */
function sha256File(file: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  const fd = openSync(file, "r");
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** Removes the files if they exist; used to leave nothing half-written behind after an error. */
function removeQuietly(...files: string[]): void {
  for (const file of files) rmSync(file, { force: true });
}

export class HnswIndex {
  readonly metadata: VectorIndexMetadata;
  readonly M: number;
  readonly efConstruction: number;
  readonly seed: number;
  private efSearchValue: number;
  private readonly native: HierarchicalNSW;
  private capacity = 0;
  private readonly taken = new Set<number>();
  private count = 0;

  constructor(options: HnswOptions) {
    checkMetadata("HnswIndex", options);
    this.metadata = { dimension: options.dimension, modelId: options.modelId, metric: options.metric };
    this.M = positiveInt("HnswIndex", "M", options.M ?? 16);
    this.efConstruction = positiveInt("HnswIndex", "efConstruction", options.efConstruction ?? 200);
    this.efSearchValue = positiveInt("HnswIndex", "efSearch", options.efSearch ?? 64);
    const seed = options.seed ?? 100;
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new Error(`HnswIndex: seed must be an integer in [0, 2^31 - 1], got ${seed}.`);
    this.seed = seed;
    // Always "ip": cosine vectors are normalised (and checked) before they reach hnswlib.
    this.native = new (hnswlib().HierarchicalNSW)("ip", options.dimension);
  }

  /** An HNSW index over `embedTexts` output in one call (metric default "cosine"). */
  static fromEmbeddings(
    embeddings: EmbeddedRows,
    options: Partial<Omit<HnswOptions, "dimension" | "modelId">> & { readonly ids?: ArrayLike<number> } = {}
  ): HnswIndex {
    const { ids, ...knobs } = options;
    const index = new HnswIndex({ ...knobs, dimension: embeddings.dimension, modelId: embeddings.modelId, metric: options.metric ?? "cosine" });
    index.add(embeddings.vectors, ids);
    return index;
  }

  get size(): number {
    return this.count;
  }

  get efSearch(): number {
    return this.efSearchValue;
  }

  /** Changes the search-time candidate list (the recall-vs-speed knob); takes effect at once. */
  set efSearch(value: number) {
    this.efSearchValue = positiveInt("HnswIndex", "efSearch", value);
    if (this.capacity > 0) this.native.setEf(value);
  }

  /** Adds vectors; ids default to the running row number. The graph grows as needed. */
  add(vectors: VectorRows, ids?: ArrayLike<number>): void {
    const { dimension, metric } = this.metadata;
    const n = rowCount("HnswIndex.add", vectors, dimension, "vectors");
    const rowIds = checkIds("HnswIndex.add", ids ?? Array.from({ length: n }, (_, i) => this.count + i), n, this.taken);
    const matrix = toCheckedMatrix("HnswIndex.add", vectors, dimension, metric, "vectors", ids);
    if (n === 0) return;
    this.reserve(this.count + n);
    for (let r = 0; r < n; r++) {
      this.native.addPoint(Array.from(matrix.subarray(r * dimension, (r + 1) * dimension)), rowIds[r]);
      this.taken.add(rowIds[r]);
      this.count++;
    }
  }

  search(query: ArrayLike<number>, k: number): VectorHits {
    return this.searchBatch(oneQuery("HnswIndex.search", query), k)[0];
  }

  searchBatch(queries: VectorRows, k: number): VectorHits[] {
    checkK("HnswIndex.search", k);
    const { dimension, metric } = this.metadata;
    const q = toCheckedMatrix("HnswIndex.search", queries, dimension, metric, "query");
    if (this.count === 0) throw new Error("HnswIndex.search: the index is empty; add vectors before searching.");
    const kk = Math.min(k, this.count);
    const out: VectorHits[] = [];
    // One array, reused: hnswlib-node reads it element by element through N-API, which costs less
    // on an array of boxed numbers than on one of unboxed doubles (about a fifth of a query's time).
    const row: unknown[] = [null];
    for (let r = 0; r < q.length / dimension; r++) {
      for (let j = 0; j < dimension; j++) row[j] = q[r * dimension + j];
      const found = this.native.searchKnn(row as number[], kk);
      out.push(sortHits(found.neighbors, found.distances.map((distance) => 1 - distance)));
    }
    return out;
  }

  /**
   * Writes `index.hnsw` and `index.json` into `dir` (created if missing). Each file goes to a
   * temporary name first and is renamed into place, so a failed save leaves no partial file.
   */
  save(dir: string): HnswSidecar {
    if (this.count === 0) throw new Error("HnswIndex.save: the index is empty; add vectors before saving.");
    mkdirSync(dir, { recursive: true });
    const suffix = `.tmp-${process.pid}-${Date.now().toString(36)}`;
    const indexFile = path.join(dir, HNSW_INDEX_FILE);
    const sidecarFile = path.join(dir, HNSW_SIDECAR_FILE);
    const indexTmp = indexFile + suffix;
    const sidecarTmp = sidecarFile + suffix;
    try {
      this.native.writeIndexSync(indexTmp);
      const sidecar: HnswSidecar = {
        format: "shoplm-hnsw",
        version: 1,
        ...this.metadata,
        count: this.count,
        M: this.M,
        efConstruction: this.efConstruction,
        seed: this.seed,
        library: hnswlibVersion(),
        indexFile: HNSW_INDEX_FILE,
        indexBytes: statSync(indexTmp).size,
        sha256: sha256File(indexTmp),
      };
      writeFileSync(sidecarTmp, `${JSON.stringify(sidecar, null, 2)}\n`);
      // Sidecar last: a reader that finds the new sidecar also finds the index it describes.
      renameSync(indexTmp, indexFile);
      renameSync(sidecarTmp, sidecarFile);
      return sidecar;
    } catch (error) {
      removeQuietly(indexTmp, sidecarTmp);
      throw new Error(`HnswIndex.save: could not write ${dir}: ${(error as Error).message}`);
    }
  }

  /**
   * Reads an index saved by `save`. `expected` (dimension, modelId, metric: any of them) must match
   * the sidecar; the index file must match the sidecar's size and checksum.
   */
  static load(dir: string, expected: Partial<VectorIndexMetadata> & { readonly efSearch?: number } = {}): HnswIndex {
    const sidecar = readHnswSidecar(dir);
    for (const key of ["dimension", "modelId", "metric"] as const) {
      if (expected[key] !== undefined && expected[key] !== sidecar[key]) {
        throw new Error(
          `HnswIndex.load: ${dir} was built with ${key} ${JSON.stringify(sidecar[key])}, expected ${JSON.stringify(expected[key])}; ` +
            `rebuild the index with the current embeddings.`
        );
      }
    }
    const indexFile = path.join(dir, sidecar.indexFile);
    if (!existsSync(indexFile)) throw new Error(`HnswIndex.load: the index file ${indexFile} is missing (its sidecar ${HNSW_SIDECAR_FILE} is there).`);
    const bytes = statSync(indexFile).size;
    if (bytes !== sidecar.indexBytes) {
      throw new Error(`HnswIndex.load: ${indexFile} is corrupted or truncated: ${bytes} bytes, the sidecar says ${sidecar.indexBytes}.`);
    }
    const sum = sha256File(indexFile);
    if (sum !== sidecar.sha256) throw new Error(`HnswIndex.load: ${indexFile} is corrupted: its SHA-256 is ${sum}, the sidecar says ${sidecar.sha256}.`);
    const index = new HnswIndex({ ...sidecar, efSearch: expected.efSearch });
    index.native.readIndexSync(indexFile);
    const loaded = index.native.getCurrentCount();
    if (loaded !== sidecar.count || index.native.getNumDimensions() !== sidecar.dimension) {
      throw new Error(`HnswIndex.load: ${indexFile} holds ${loaded} vectors of dimension ${index.native.getNumDimensions()}, the sidecar says ${sidecar.count} of ${sidecar.dimension}.`);
    }
    index.capacity = index.native.getMaxElements();
    index.native.setEf(index.efSearchValue);
    for (const id of index.native.getIdsList()) index.taken.add(id);
    index.count = loaded;
    return index;
  }

  private reserve(needed: number): void {
    if (this.capacity === 0) {
      this.capacity = Math.max(needed, 1024);
      this.native.initIndex({ maxElements: this.capacity, m: this.M, efConstruction: this.efConstruction, randomSeed: this.seed });
      this.native.setEf(this.efSearchValue);
    } else if (needed > this.capacity) {
      this.capacity = Math.max(needed, this.capacity * 2);
      this.native.resizeIndex(this.capacity);
    }
  }
}

/** The sidecar of a saved HNSW index, checked field by field. */
export function readHnswSidecar(dir: string): HnswSidecar {
  const file = path.join(dir, HNSW_SIDECAR_FILE);
  if (!existsSync(file)) throw new Error(`HnswIndex.load: ${file} is missing (expected the sidecar written by HnswIndex.save).`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`HnswIndex.load: ${file} is not valid JSON (${(error as Error).message}).`);
  }
  const s = raw as Partial<Record<keyof HnswSidecar, unknown>>;
  if (s === null || typeof s !== "object" || s.format !== "shoplm-hnsw" || s.version !== 1) {
    throw new Error(`HnswIndex.load: ${file} is not an HNSW sidecar of this library (expected format "shoplm-hnsw", version 1).`);
  }
  const ints = ["dimension", "count", "M", "efConstruction", "seed", "indexBytes"] as const;
  for (const key of ints) {
    if (!Number.isInteger(s[key]) || (s[key] as number) < 0) throw new Error(`HnswIndex.load: ${file}: field "${key}" must be a non-negative integer, got ${JSON.stringify(s[key])}.`);
  }
  for (const key of ["modelId", "library", "indexFile", "sha256"] as const) {
    if (typeof s[key] !== "string" || (s[key] as string).length === 0) throw new Error(`HnswIndex.load: ${file}: field "${key}" must be a non-empty string.`);
  }
  if (path.basename(s.indexFile as string) !== s.indexFile) throw new Error(`HnswIndex.load: ${file}: indexFile must be a file name inside the folder, got ${JSON.stringify(s.indexFile)}.`);
  checkMetadata(`HnswIndex.load: ${file}`, s as unknown as VectorIndexMetadata);
  return s as unknown as HnswSidecar;
}
