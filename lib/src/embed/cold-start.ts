/**
 * Cold start: a product nobody has clicked, viewed, carted or bought yet has no collaborative
 * signal, but it has text. If text embeddings place it among products of its own category, a
 * recommender can treat it like its neighbours from day one.
 *
 * The measure is leave-one-out nearest-neighbour category accuracy: for every product, its
 * nearest *other* product by cosine similarity (k = 1; with k > 1, the majority category of the
 * k nearest, ties going to the category of the nearer neighbour), counted separately for cold
 * and warm products. By default a product's own family (its colour and size variants, whose
 * titles are near copies) is left out of the candidates, so the score says whether the model
 * knows what kind of product it is, not whether it can find a sibling listing.
 *
 * Two baselines give the number a scale: random vectors (chance: they know nothing) and TF-IDF
 * bag of words (knows the words, nothing more).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/random";
import type { Product, Session } from "../data/records";
import type { EmbeddingMatrix } from "./embed-texts";

/** Event types that count as an interaction with a product (an impression in a result list does not). */
export const INTERACTION_TYPES = ["click", "view", "cart", "purchase"] as const;

/** Interaction events per product id over the sessions. */
export function interactionCounts(sessions: readonly Pick<Session, "events">[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sessions) {
    for (const e of s.events) {
      if (e.type === "search") continue;
      counts.set(e.product, (counts.get(e.product) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Which products are cold: "no-interactions" (default): no click, view, cart or purchase
 * anywhere in the log; "launched-during-log": launched on or after the log's first day
 * (`logStart`, default 2025-01-01), whether or not anyone has touched them since.
 */
export function coldProducts(
  shop: { readonly products: readonly Product[]; readonly sessions: readonly Pick<Session, "events">[] },
  definition: "no-interactions" | "launched-during-log" = "no-interactions",
  logStart = "2025-01-01",
): Set<string> {
  if (definition === "launched-during-log") return new Set(shop.products.filter((p) => p.launchDate >= logStart).map((p) => p.id));
  if (definition !== "no-interactions") throw new Error(`coldProducts: definition must be "no-interactions" or "launched-during-log"; found ${JSON.stringify(definition)}.`);
  const counts = interactionCounts(shop.sessions);
  return new Set(shop.products.filter((p) => !counts.has(p.id)).map((p) => p.id));
}

export interface NeighbourOptions {
  /** Neighbours per row (default 1). */
  readonly k?: number;
  /** A group id per row: a row never has a neighbour from its own group (e.g. the product family). */
  readonly groups?: Int32Array;
  /** Rows scored per matrix product (default 256). */
  readonly blockSize?: number;
}

function unitRows(m: EmbeddingMatrix): Float32Array {
  const d = m.dimension;
  const out = new Float32Array(m.vectors.length);
  for (let i = 0; i < m.count; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += m.vectors[i * d + j] ** 2;
    const norm = Math.sqrt(s);
    if (!Number.isFinite(norm)) throw new Error(`nearestNeighbours: row ${i} holds a NaN or infinite value.`);
    if (norm > 0) for (let j = 0; j < d; j++) out[i * d + j] = m.vectors[i * d + j] / norm;
  }
  return out;
}

/** Insert (score, index) into a descending top-k list; ties go to the lower index. */
function offer(scores: Float64Array, ids: Int32Array, k: number, score: number, index: number): void {
  if (!(score > scores[k - 1] || (score === scores[k - 1] && index < ids[k - 1]))) return;
  let at = k - 1;
  while (at > 0 && (score > scores[at - 1] || (score === scores[at - 1] && index < ids[at - 1]))) {
    scores[at] = scores[at - 1];
    ids[at] = ids[at - 1];
    at--;
  }
  scores[at] = score;
  ids[at] = index;
}

/**
 * The k most cosine-similar other rows of every row, row-major [count, k], most similar first
 * (ties by lower index); -1 where fewer than k candidates exist. Exact: a blocked matrix product.
 */
export async function nearestNeighbours(m: EmbeddingMatrix, options: NeighbourOptions = {}): Promise<Int32Array> {
  const { count: n, dimension: d } = m;
  if (m.vectors.length !== n * d) throw new Error(`nearestNeighbours: ${n} rows of ${d} need ${n * d} values; found ${m.vectors.length}.`);
  const k = options.k ?? 1;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`nearestNeighbours: k must be a positive integer; found ${k}.`);
  const groups = options.groups;
  if (groups && groups.length !== n) throw new Error(`nearestNeighbours: ${n} rows but ${groups.length} group ids.`);
  const blockSize = options.blockSize ?? 256;
  const out = new Int32Array(n * k).fill(-1);
  if (n === 0) return out;
  const unit = unitRows(m);
  // An explicit transpose then a plain matMul: much faster on wasm than matMul(..., transposeB).
  const all = tf.tidy(() => tf.tensor2d(unit, [n, d]).transpose());
  try {
    const best = new Float64Array(k);
    const bestIds = new Int32Array(k);
    for (let start = 0; start < n; start += blockSize) {
      const rows = Math.min(blockSize, n - start);
      const block = tf.tidy(() => tf.matMul(tf.tensor2d(unit.subarray(start * d, (start + rows) * d), [rows, d]), all));
      let scores: Float32Array;
      try {
        scores = (await block.data()) as Float32Array;
      } finally {
        block.dispose();
      }
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        best.fill(Number.NEGATIVE_INFINITY);
        bestIds.fill(-1);
        const base = r * n;
        const own = groups ? groups[i] : -1;
        for (let j = 0; j < n; j++) {
          if (j === i || (groups && groups[j] === own)) continue;
          offer(best, bestIds, k, scores[base + j], j);
        }
        out.set(bestIds, i * k);
      }
    }
  } finally {
    all.dispose();
  }
  return out;
}

/**
 * Nearest neighbours by TF-IDF bag of words over lower-cased words (letters and digits), cosine
 * similarity, same conventions as `nearestNeighbours`. Sparse: only rows sharing a word are scored.
 */
export function bagOfWordsNeighbours(texts: readonly string[], options: Omit<NeighbourOptions, "blockSize"> = {}): Int32Array {
  const n = texts.length;
  const k = options.k ?? 1;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`bagOfWordsNeighbours: k must be a positive integer; found ${k}.`);
  const groups = options.groups;
  if (groups && groups.length !== n) throw new Error(`bagOfWordsNeighbours: ${n} texts but ${groups.length} group ids.`);
  const vocab = new Map<string, number>();
  const docs = texts.map((t, i) => {
    if (typeof t !== "string") throw new Error(`bagOfWordsNeighbours: texts[${i}] is ${typeof t}; expected a string.`);
    const counts = new Map<number, number>();
    for (const w of t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      let id = vocab.get(w);
      if (id === undefined) vocab.set(w, (id = vocab.size));
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  });
  const df = new Float64Array(vocab.size);
  for (const doc of docs) for (const id of doc.keys()) df[id]++;
  // scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1.
  const idf = Float64Array.from(df, (f) => Math.log((1 + n) / (1 + f)) + 1);
  const postings: { doc: number; w: number }[][] = Array.from({ length: vocab.size }, () => []);
  const weights = docs.map((doc, i) => {
    const entries = [...doc].map(([id, c]) => [id, c * idf[id]] as [number, number]);
    const norm = Math.sqrt(entries.reduce((s, [, w]) => s + w * w, 0));
    const unit = entries.map(([id, w]) => [id, norm > 0 ? w / norm : 0] as [number, number]);
    for (const [id, w] of unit) postings[id].push({ doc: i, w });
    return unit;
  });
  const out = new Int32Array(n * k).fill(-1);
  const score = new Float64Array(n);
  const touched: number[] = [];
  const best = new Float64Array(k);
  const bestIds = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    for (const [id, w] of weights[i]) {
      for (const p of postings[id]) {
        if (score[p.doc] === 0) touched.push(p.doc);
        score[p.doc] += w * p.w;
      }
    }
    best.fill(Number.NEGATIVE_INFINITY);
    bestIds.fill(-1);
    const own = groups ? groups[i] : -1;
    for (const j of touched) if (j !== i && !(groups && groups[j] === own)) offer(best, bestIds, k, score[j], j);
    // Rows sharing no word score 0: they fill what is left, lowest index first.
    if (bestIds[k - 1] === -1) {
      for (let j = 0; j < n && bestIds[k - 1] === -1; j++) {
        if (j !== i && score[j] === 0 && !(groups && groups[j] === own)) offer(best, bestIds, k, 0, j);
      }
    }
    out.set(bestIds, i * k);
    for (const j of touched) score[j] = 0;
    touched.length = 0;
  }
  return out;
}

/** `count` Gaussian random vectors (seeded): an embedding that knows nothing, the chance level. */
export function randomEmbeddings(count: number, dimension: number, seed = 0): EmbeddingMatrix {
  const rng = new Rng(seed);
  return { vectors: Float32Array.from({ length: count * dimension }, () => rng.normal()), count, dimension, modelId: `random:${seed}` };
}

export interface NeighbourAccuracy {
  readonly count: number;
  readonly correct: number;
  /** correct / count (NaN when count is 0). */
  readonly accuracy: number;
}

export interface ColdStartReport {
  readonly k: number;
  readonly excludeSameFamily: boolean;
  readonly cold: NeighbourAccuracy;
  readonly warm: NeighbourAccuracy;
  readonly all: NeighbourAccuracy;
  /** Neighbour rows per product, row-major [products, k]. */
  readonly neighbours: Int32Array;
}

export interface ColdStartOptions {
  /** Ids of the cold products (see `coldProducts`). */
  readonly cold: ReadonlySet<string>;
  /** Neighbours that vote (default 1: the nearest decides). */
  readonly k?: number;
  /** Leave the product's own family out of its candidates (default true). */
  readonly excludeSameFamily?: boolean;
}

function familyGroups(products: readonly Pick<Product, "family">[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(products, (p) => {
    let id = ids.get(p.family);
    if (id === undefined) ids.set(p.family, (id = ids.size));
    return id;
  });
}

/** The category the k neighbours vote for (ties: the category of the nearer neighbour). */
function vote(neighbours: Int32Array, i: number, k: number, categories: readonly string[]): string | null {
  const counts = new Map<string, number>();
  let winner: string | null = null;
  for (let r = 0; r < k; r++) {
    const j = neighbours[i * k + r];
    if (j < 0) continue;
    const c = categories[j];
    counts.set(c, (counts.get(c) ?? 0) + 1);
    if (winner === null || (counts.get(c) as number) > (counts.get(winner) as number)) winner = c;
  }
  return winner;
}

/** Accuracy of neighbour-voted categories, cold and warm apart, from neighbour rows already found. */
export function neighbourCategoryAccuracy(neighbours: Int32Array, k: number, products: readonly Pick<Product, "id" | "category">[], cold: ReadonlySet<string>): Omit<ColdStartReport, "excludeSameFamily" | "neighbours"> {
  if (neighbours.length !== products.length * k) throw new Error(`neighbourCategoryAccuracy: ${products.length} products x k ${k} need ${products.length * k} neighbours; found ${neighbours.length}.`);
  const categories = products.map((p) => p.category);
  const tally = { cold: [0, 0], warm: [0, 0] };
  products.forEach((p, i) => {
    const t = cold.has(p.id) ? tally.cold : tally.warm;
    t[0]++;
    if (vote(neighbours, i, k, categories) === p.category) t[1]++;
  });
  const acc = ([count, correct]: number[]): NeighbourAccuracy => ({ count, correct, accuracy: count > 0 ? correct / count : Number.NaN });
  return { k, cold: acc(tally.cold), warm: acc(tally.warm), all: acc([tally.cold[0] + tally.warm[0], tally.cold[1] + tally.warm[1]]) };
}

/**
 * Leave-one-out nearest-neighbour category accuracy of an embedding of the catalog (row i is
 * product i), for cold and warm products:
 *
 *   const cold = coldProducts(shop);
 *   const r = await coldStartNeighbours(embeddings, shop.products, { cold });
 *   r.cold.accuracy, r.warm.accuracy
 */
export async function coldStartNeighbours(embeddings: EmbeddingMatrix, products: readonly Product[], options: ColdStartOptions): Promise<ColdStartReport> {
  if (embeddings.count !== products.length) throw new Error(`coldStartNeighbours: ${embeddings.count} embedding rows for ${products.length} products; expected one row per product, in catalog order.`);
  const k = options.k ?? 1;
  const excludeSameFamily = options.excludeSameFamily ?? true;
  const neighbours = await nearestNeighbours(embeddings, { k, groups: excludeSameFamily ? familyGroups(products) : undefined });
  return { ...neighbourCategoryAccuracy(neighbours, k, products, options.cold), excludeSameFamily, neighbours };
}

export interface ColdStartRow {
  readonly embedding: string;
  readonly coldAccuracy: number;
  readonly warmAccuracy: number;
  readonly cold: number;
  readonly warm: number;
}

/**
 * The cold-start table: the given embeddings beside TF-IDF bag of words over `texts` and random
 * vectors (seeded), same neighbours, same products. One call for the notebook:
 *
 *   table(await coldStartTable(shop.products, titles, { "chapter 1 encoder": embeddings }, { cold }))
 */
export async function coldStartTable(
  products: readonly Product[],
  texts: readonly string[],
  embeddings: Readonly<Record<string, EmbeddingMatrix>>,
  options: ColdStartOptions & { readonly seed?: number },
): Promise<ColdStartRow[]> {
  if (texts.length !== products.length) throw new Error(`coldStartTable: ${texts.length} texts for ${products.length} products.`);
  const k = options.k ?? 1;
  const excludeSameFamily = options.excludeSameFamily ?? true;
  const row = (name: string, r: Omit<ColdStartReport, "excludeSameFamily" | "neighbours">): ColdStartRow => ({
    embedding: name,
    coldAccuracy: r.cold.accuracy,
    warmAccuracy: r.warm.accuracy,
    cold: r.cold.count,
    warm: r.warm.count,
  });
  const rows: ColdStartRow[] = [];
  for (const [name, e] of Object.entries(embeddings)) rows.push(row(name, await coldStartNeighbours(e, products, options)));
  const groups = excludeSameFamily ? familyGroups(products) : undefined;
  rows.push(row("bag of words (TF-IDF)", neighbourCategoryAccuracy(bagOfWordsNeighbours(texts, { k, groups }), k, products, options.cold)));
  const dimension = Object.values(embeddings)[0]?.dimension ?? 128;
  rows.push(row("random vectors", await coldStartNeighbours(randomEmbeddings(products.length, dimension, options.seed ?? 0), products, options)));
  return rows;
}
