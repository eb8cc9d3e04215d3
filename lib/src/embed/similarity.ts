/**
 * Cosine similarity between rows of an embedding matrix: the numbers behind a similarity heat
 * map of a handful of products. Computed in float64 from the stored vectors; a zero row has
 * similarity 0 with everything (itself included), rather than NaN.
 */
import type { RowMatrix } from "./pca";

function rowNorm(m: RowMatrix, i: number): number {
  let s = 0;
  for (let j = 0; j < m.dimension; j++) s += m.vectors[i * m.dimension + j] ** 2;
  return Math.sqrt(s);
}

/** Cosine of the angle between rows i and j (0 when either row is zero). */
export function cosineSimilarity(m: RowMatrix, i: number, j: number): number {
  const d = m.dimension;
  let s = 0;
  for (let k = 0; k < d; k++) s += m.vectors[i * d + k] * m.vectors[j * d + k];
  const n = rowNorm(m, i) * rowNorm(m, j);
  return n > 0 ? s / n : 0;
}

/**
 * The cosine matrix of the chosen rows (default all rows; keep it to a handful for a heat map):
 * `cosineMatrix(embeddings, [0, 5, 9])[a][b]` compares rows indices[a] and indices[b].
 */
export function cosineMatrix(m: RowMatrix, indices?: readonly number[]): number[][] {
  if (m.vectors.length !== m.count * m.dimension) {
    throw new Error(`cosineMatrix: ${m.count} rows of ${m.dimension} need ${m.count * m.dimension} values; found ${m.vectors.length}.`);
  }
  const rows = indices ?? Array.from({ length: m.count }, (_, i) => i);
  rows.forEach((r, at) => {
    if (!(Number.isInteger(r) && r >= 0 && r < m.count)) throw new Error(`cosineMatrix: indices[${at}] is ${r}; expected a row from 0 to ${m.count - 1}.`);
  });
  return rows.map((a) => rows.map((b) => cosineSimilarity(m, a, b)));
}
