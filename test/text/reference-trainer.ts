/**
 * A deliberately naive WordPiece/BPE trainer for tests: at every step it recounts every pair and
 * every piece from scratch and takes the best pair by the same documented rule (score, then left
 * piece, then right piece in string order). Slow, short, and obviously right.
 */
export interface NaiveMerge {
  left: string;
  right: string;
  token: string;
  pairCount: number;
  score: number;
}

export function naiveMerges(
  counts: ReadonlyMap<string, number>,
  options: { scoring: "wordpiece" | "bpe"; minFrequency: number; prefix?: string; maxMerges?: number },
): NaiveMerge[] {
  const prefix = options.prefix ?? "##";
  const words = [...counts].map(([word, count]) => ({ pieces: Array.from(word).map((ch, i) => (i === 0 ? ch : prefix + ch)), count }));
  const merges: NaiveMerge[] = [];
  const limit = options.maxMerges ?? Infinity;
  while (merges.length < limit) {
    const pairs = new Map<string, { left: string; right: string; count: number }>();
    const freq = new Map<string, number>();
    for (const { pieces, count } of words) {
      pieces.forEach((p) => freq.set(p, (freq.get(p) ?? 0) + count));
      for (let i = 0; i + 1 < pieces.length; i++) {
        const key = pieces[i] + "\u0000" + pieces[i + 1];
        const entry = pairs.get(key) ?? { left: pieces[i], right: pieces[i + 1], count: 0 };
        entry.count += count;
        pairs.set(key, entry);
      }
    }
    let best: (NaiveMerge & { score: number }) | null = null;
    for (const { left, right, count } of pairs.values()) {
      if (count <= 0 || count < options.minFrequency) continue;
      const score = options.scoring === "bpe" ? count : count / ((freq.get(left) as number) * (freq.get(right) as number));
      const better =
        best === null ||
        score > best.score ||
        (score === best.score && (left < best.left || (left === best.left && right < best.right)));
      if (better) best = { left, right, token: left + right.slice(prefix.length), pairCount: count, score };
    }
    if (best === null) break;
    merges.push(best);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.pieces.length; ) {
        if (i + 1 < w.pieces.length && w.pieces[i] === best.left && w.pieces[i + 1] === best.right) {
          out.push(best.token);
          i += 2;
        } else {
          out.push(w.pieces[i++]);
        }
      }
      w.pieces = out;
    }
  }
  return merges;
}
