import { countWords, Rng, trainWordPiece, trainWordPieceFromCounts, type MergeScoring, type TrainerProgress } from "shoplm";
import { naiveMerges } from "./reference-trainer";

function randomCounts(seed: number, words: number, letters: readonly string[], maxLength: number): Map<string, number> {
  const rng = new Rng(seed);
  const counts = new Map<string, number>();
  for (let i = 0; i < words; i++) {
    const n = 1 + rng.int(maxLength);
    const word = Array.from({ length: n }, () => letters[rng.int(letters.length)]).join("");
    counts.set(word, (counts.get(word) ?? 0) + 1 + rng.int(5));
  }
  return counts;
}

const strip = (m: { left: string; right: string; token: string; pairCount: number; score: number }) => ({
  left: m.left,
  right: m.right,
  token: m.token,
  pairCount: m.pairCount,
  score: m.score,
});

describe("trainWordPiece against a from-scratch recount at every step", () => {
  const settings: [MergeScoring, number][] = [
    ["bpe", 1],
    ["bpe", 2],
    ["bpe", 3],
    ["wordpiece", 1],
    ["wordpiece", 2],
    ["wordpiece", 3],
  ];
  it.each(settings)("scoring %s, min frequency %i: the same merges, counts and scores until no pair is left", (scoring, minFrequency) => {
    for (let seed = 0; seed < 12; seed++) {
      // Few letters and repeated runs ("aaaa") make ties, overlapping pairs and pieces reached twice.
      const letters = seed % 2 === 0 ? ["a", "b", "c"] : ["a", "b", "c", "d", "é", "👍"];
      const counts = randomCounts(seed, 20 + 10 * seed, letters, 9);
      const ours = trainWordPieceFromCounts(counts, { vocabSize: 1_000_000, scoring, minFrequency });
      const reference = naiveMerges(counts, { scoring, minFrequency });
      expect(ours.merges.map(strip)).toEqual(reference);
      expect(ours.merges.length).toBeGreaterThan(10);
    }
  });

  it("stops at the vocabulary size with the same merges as the reference so far", () => {
    const counts = randomCounts(99, 400, ["a", "b", "c", "d", "e", "f"], 10);
    for (const scoring of ["bpe", "wordpiece"] as const) {
      const ours = trainWordPieceFromCounts(counts, { vocabSize: 150, scoring });
      expect(ours.vocab).toHaveLength(150);
      expect(ours.merges.map(strip)).toEqual(naiveMerges(counts, { scoring, minFrequency: 2, maxMerges: ours.merges.length }));
    }
  });
});

describe("trainWordPiece on the Hugging Face course example", () => {
  // hug x10, pug x5, pun x12, bun x4, hugs x5 (Hugging Face NLP course, chapter 6, WordPiece).
  const corpus = [
    ...Array<string>(10).fill("hug"),
    ...Array<string>(5).fill("pug"),
    ...Array<string>(12).fill("pun"),
    ...Array<string>(4).fill("bun"),
    ...Array<string>(5).fill("hugs"),
  ];

  it("wordpiece score: first ##g + ##s (1/20), then the 1/36 tie goes to the alphabetically first pair", () => {
    const { merges } = trainWordPiece(corpus, { scoring: "wordpiece", vocabSize: 30 });
    expect(merges[0]).toMatchObject({ left: "##g", right: "##s", token: "##gs", pairCount: 5, score: 1 / 20 });
    // After it every pair scores 1/36; "##u" sorts before "b", "h" and "p", "##g" before "##gs" and "##n".
    expect(merges[1]).toMatchObject({ left: "##u", right: "##g", token: "##ug", pairCount: 15, score: 1 / 36 });
  });

  it("bpe score: the most frequent pairs ##u + ##g (20), ##u + ##n (16), h + ##ug (15)", () => {
    const { merges } = trainWordPiece(corpus, { scoring: "bpe", vocabSize: 30 });
    expect(merges.slice(0, 3).map((m) => [m.token, m.pairCount])).toEqual([
      ["##ug", 20],
      ["##un", 16],
      ["hug", 15],
    ]);
  });
});

describe("trainWordPiece results", () => {
  const texts = [
    "Wireless Bluetooth headphones with noise cancelling, black",
    "Running shoes for men, waterproof trail running shoe",
    "USB-C charging cable 2m, fast charging, braided",
    "蓝牙耳机 无线 降噪",
    "Café crème mug, ceramic, 350 ml",
    "Wireless charger pad for phones",
    "Noise cancelling wireless earbuds [MASK] test",
  ];
  const corpus = Array.from({ length: 30 }, (_, i) => texts[i % texts.length] + " " + texts[(i * 3) % texts.length]);

  it("puts the special tokens first, then characters, then merged pieces, up to the size asked", () => {
    const r = trainWordPiece(corpus, { vocabSize: 150 });
    expect(r.vocab.slice(0, 5)).toEqual(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
    expect(r.vocab).toHaveLength(150);
    expect(new Set(r.vocab).size).toBe(150);
    expect(trainWordPiece(corpus, { vocabSize: 100_000 }).vocab.length).toBeLessThan(1000); // runs out of pairs first
    expect(r.vocab).toContain("蓝");
    expect(r.vocab).not.toContain("##蓝"); // CJK characters are always words of their own
    expect(r.vocab).not.toContain("##,");
    expect(r.vocab).toContain("##w"); // any letter may continue a word
    expect(r.vocab).not.toContain("mask"); // "[MASK]" in the text is a special token, not text
    expect(r.baseVocabSize).toBe(5 + r.alphabet.length + r.alphabet.filter((c) => /\p{L}|\p{N}/u.test(c) && !/\p{Script=Han}/u.test(c)).length);
  });

  it("records a history in which the corpus shrinks at every merge and every merge is frequent enough", () => {
    const r = trainWordPiece(corpus, { vocabSize: 300, minFrequency: 3 });
    let previous = r.initialCorpusTokens;
    for (const m of r.merges) {
      expect(m.pairCount).toBeGreaterThanOrEqual(3);
      expect(m.corpusTokens).toBe(previous - m.pairCount);
      previous = m.corpusTokens;
    }
    expect(r.merges[r.merges.length - 1].vocabSize).toBe(r.vocab.length);
    // Each word splits back into pieces that spell it.
    for (const [word] of countWords(corpus)) {
      const pieces = r.tokenizer.splitWord(word);
      expect(pieces.map((p, i) => (i === 0 ? p : p.replace(/^##/, ""))).join("")).toBe(word);
    }
  });

  it("does not depend on the order of the texts", () => {
    const shuffled = [...corpus].reverse();
    for (const scoring of ["bpe", "wordpiece"] as const) {
      expect(trainWordPiece(shuffled, { vocabSize: 250, scoring }).vocab).toEqual(trainWordPiece(corpus, { vocabSize: 250, scoring }).vocab);
    }
  });

  it("never gives [UNK] for a new word made of characters it has seen", () => {
    const r = trainWordPiece(corpus, { vocabSize: 120 });
    const rng = new Rng(3);
    const letters = r.alphabet.filter((c) => /\p{L}/u.test(c) && !/\p{Script=Han}/u.test(c));
    for (let i = 0; i < 200; i++) {
      const word = Array.from({ length: 1 + rng.int(12) }, () => letters[rng.int(letters.length)]).join("");
      expect(r.tokenizer.splitWord(word)).not.toContain("[UNK]");
    }
    expect(r.tokenizer.splitWord("qzx")).toEqual(["[UNK]"]); // "q", "z" and "x" never occur
  });

  it("limits the alphabet, leaves out too-long words, and reports progress", () => {
    const limited = trainWordPiece(corpus, { vocabSize: 100, limitAlphabet: 10 });
    expect(limited.alphabet).toHaveLength(10);
    expect(limited.skippedWordTypes).toBeGreaterThan(0);
    const long = trainWordPiece(["a".repeat(30) + " ab ab"], { vocabSize: 50, maxInputCharsPerWord: 20, minFrequency: 1 });
    expect(long.skippedWordTypes).toBe(1);
    expect(long.wordTypes).toBe(1);
    const seen: TrainerProgress[] = [];
    trainWordPiece(corpus, { vocabSize: 150, progressEvery: 10, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen[seen.length - 1]).toMatchObject({ vocabSize: 150, targetVocabSize: 150 });
  });

  it("says what is wrong with its options", () => {
    expect(() => trainWordPiece(corpus, { vocabSize: 0 })).toThrow(/expected vocabSize to be a positive integer, found 0/);
    expect(() => trainWordPiece(corpus, { scoring: "unigram" as MergeScoring })).toThrow(/expected scoring "wordpiece" or "bpe", found "unigram"/);
    expect(() => trainWordPieceFromCounts(new Map([["ab", -1]]))).toThrow(/expected positive word counts, found -1 for "ab"/);
  });
});
