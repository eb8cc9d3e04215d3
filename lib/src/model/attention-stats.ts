/**
 * What an attention head looks at, in three numbers per head (chapter 1): how spread out its
 * rows are (entropy in bits; a head that looks at all n tokens equally has log2 n), how much
 * weight goes to the token just before, and how much to the first and last tokens ([CLS], [SEP]).
 */

export interface HeadStats {
  readonly layer: number;
  readonly head: number;
  /** Mean over rows of -sum p log2 p. */
  readonly entropyBits: number;
  /** Mean over rows 2..n of the weight on the previous token. */
  readonly previousToken: number;
  /** Mean over rows of the weight on the first plus the last token. */
  readonly firstAndLast: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

/** Statistics of every head of `maps` [layer][head][query][key] (one text, rows summing to 1). */
export function attentionHeadStats(maps: readonly (readonly (readonly (readonly number[])[])[])[]): HeadStats[] {
  const out: HeadStats[] = [];
  maps.forEach((layer, l) =>
    layer.forEach((rows, h) => {
      const n = rows.length;
      rows.forEach((row, i) => {
        if (row.length !== n) throw new Error(`attentionHeadStats: layer ${l}, head ${h}, row ${i} has ${row.length} weights for ${n} tokens; expected a square map.`);
      });
      out.push({
        layer: l,
        head: h,
        entropyBits: mean(rows.map((row) => -row.reduce((s, p) => s + (p > 0 ? p * Math.log2(p) : 0), 0))),
        previousToken: mean(rows.slice(1).map((row, i) => row[i])),
        firstAndLast: mean(rows.map((row) => (n === 1 ? row[0] : row[0] + row[n - 1]))),
      });
    })
  );
  return out;
}
