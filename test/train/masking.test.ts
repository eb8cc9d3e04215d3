import { describe, expect, it } from "vitest";
import { MASK_KIND, maskTokens, padBatch, Rng, type SpecialTokens } from "shoplm";

const special: SpecialTokens = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 };
const vocabSize = 60;

/** Sequences of [CLS] words [SEP], some with an [UNK] inside, of varied lengths. */
function corpus(n: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const words = rng.intBetween(3, 12);
    const inputIds = [special.cls];
    const wordIds: (number | null)[] = [null];
    for (let w = 0; w < words; w++) {
      const pieces = rng.intBetween(1, 3);
      for (let p = 0; p < pieces; p++) {
        inputIds.push(rng.bernoulli(0.05) ? special.unk : rng.intBetween(5, vocabSize - 1));
        wordIds.push(w);
      }
    }
    inputIds.push(special.sep);
    wordIds.push(null);
    return { inputIds, wordIds };
  });
}

describe("dynamic masking", () => {
  const sequences = corpus(400, 1);
  const batch = padBatch(sequences, { padId: special.pad, maxLength: 40 });
  const specials = new Set(Object.values(special));

  it("chooses 15 % of the ordinary tokens of each sequence, never a special token or padding", () => {
    const m = maskTokens(batch, { vocabSize, special }, new Rng(7));
    for (let b = 0; b < batch.batch; b++) {
      let candidates = 0;
      for (let j = 0; j < batch.length; j++) {
        const at = b * batch.length + j;
        if (batch.attentionMask[at] === 1 && !specials.has(batch.ids[at])) candidates++;
      }
      const chosen = Array.from(m.positions).filter((p) => Math.floor(p / batch.length) === b).length;
      expect(chosen).toBe(Math.max(1, Math.round(candidates * 0.15)));
    }
    for (const p of m.positions) {
      expect(batch.attentionMask[p]).toBe(1);
      expect(specials.has(batch.ids[p])).toBe(false);
    }
    expect(Array.from(m.labels)).toEqual(Array.from(m.positions).map((p) => batch.ids[p]));
    // Positions not chosen are untouched.
    const chosen = new Set(m.positions);
    for (let i = 0; i < batch.ids.length; i++) if (!chosen.has(i)) expect(m.inputIds[i]).toBe(batch.ids[i]);
  });

  it("replaces 80 % with [MASK], 10 % with a random ordinary token and keeps 10 %, over many draws", () => {
    const rng = new Rng(11);
    const counts = [0, 0, 0];
    let total = 0;
    for (let draw = 0; draw < 20; draw++) {
      const m = maskTokens(batch, { vocabSize, special }, rng);
      m.kinds.forEach((k, i) => {
        counts[k]++;
        const at = m.positions[i];
        if (k === MASK_KIND.mask) expect(m.inputIds[at]).toBe(special.mask);
        if (k === MASK_KIND.random) expect(specials.has(m.inputIds[at])).toBe(false);
        if (k === MASK_KIND.kept) expect(m.inputIds[at]).toBe(batch.ids[at]);
      });
      total += m.kinds.length;
    }
    expect(total).toBeGreaterThan(10000);
    // Binomial standard deviation at n = 10^4 is about 0.004 for 0.8 and 0.003 for 0.1: allow 4 sd.
    expect(Math.abs(counts[MASK_KIND.mask] / total - 0.8)).toBeLessThan(0.016);
    expect(Math.abs(counts[MASK_KIND.random] / total - 0.1)).toBeLessThan(0.012);
    expect(Math.abs(counts[MASK_KIND.kept] / total - 0.1)).toBeLessThan(0.012);
  });

  it("is reproducible from the seed and differs between seeds (dynamic)", () => {
    const a = maskTokens(batch, { vocabSize, special }, new Rng(3));
    const b = maskTokens(batch, { vocabSize, special }, new Rng(3));
    const c = maskTokens(batch, { vocabSize, special }, new Rng(4));
    expect(Array.from(a.inputIds)).toEqual(Array.from(b.inputIds));
    expect(Array.from(a.positions)).not.toEqual(Array.from(c.positions));
  });

  it("whole-word masking takes every piece of a chosen word and stays near 15 %", () => {
    const m = maskTokens(batch, { vocabSize, special, wholeWord: true }, new Rng(5));
    const chosen = new Set(m.positions);
    let wordsSeen = 0;
    for (const p of m.positions) {
      const b = Math.floor(p / batch.length);
      const w = batch.wordIds[p];
      for (let j = 0; j < batch.length; j++) {
        const at = b * batch.length + j;
        if (batch.wordIds[at] === w && !specials.has(batch.ids[at])) {
          expect(chosen.has(at)).toBe(true);
          wordsSeen++;
        }
      }
    }
    expect(wordsSeen).toBeGreaterThan(0);
    let candidates = 0;
    for (let i = 0; i < batch.ids.length; i++) if (batch.attentionMask[i] === 1 && !specials.has(batch.ids[i])) candidates++;
    expect(m.positions.length / candidates).toBeGreaterThan(0.12);
    expect(m.positions.length / candidates).toBeLessThan(0.17);
    // Token-level masking splits words: some chosen token has an unchosen sibling.
    const t = maskTokens(batch, { vocabSize, special }, new Rng(5));
    const tChosen = new Set(t.positions);
    const split = Array.from(t.positions).some((p) => {
      const b = Math.floor(p / batch.length);
      for (let j = 0; j < batch.length; j++) {
        const at = b * batch.length + j;
        if (batch.wordIds[at] === batch.wordIds[p] && batch.wordIds[p] >= 0 && !tChosen.has(at) && !specials.has(batch.ids[at])) return true;
      }
      return false;
    });
    expect(split).toBe(true);
  });

  it("rejects impossible settings", () => {
    expect(() => maskTokens(batch, { vocabSize, special, maskFraction: 0.9, randomFraction: 0.2 }, new Rng(1))).toThrow(/more than 1/);
    expect(() => maskTokens(batch, { vocabSize: 5, special }, new Rng(1))).toThrow(/no ordinary token to draw/);
  });
});

describe("whole-word masking on text pairs", () => {
  it("word ids that restart in the second text do not join words of the two texts", () => {
    // [CLS] w0 w0 w1 [SEP] w0 w1 w1 [SEP]: word 0 of each text is a different word.
    const b = padBatch([{ inputIds: [2, 10, 11, 12, 3, 20, 21, 22, 3], wordIds: [null, 0, 0, 1, null, 0, 1, 1, null] }], { padId: 0, maxLength: 9 });
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const m = maskTokens(b, { vocabSize: 30, special, wholeWord: true, probability: 0.3 }, new Rng(seed));
      seen.add(Array.from(m.positions).join(","));
    }
    // 6 candidates * 0.3 -> 2 tokens: one two-piece word, or the two one-piece words (positions 3 and 5).
    // Were word 0 of both texts one unit (1, 2, 5) it could never fit, and {1, 2} and {3, 5} would not occur.
    expect([...seen].sort()).toEqual(["1,2", "3,5", "6,7"]);
  });
});
