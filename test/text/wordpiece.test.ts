import { Rng, truncatedLengths, wordPieceSplit, WordPieceTokenizer, type TruncationStrategy } from "shoplm";

const VOCAB = [
  "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
  "wire", "##less", "head", "##phone", "##s", "blue", "##tooth", ",", "-", "usb", "c", "cable",
  "蓝", "牙", "cafe", "the", "is", "water", "##proof", "shoe", "run", "##ning", "!", ".", "'", "t", "don",
];
const tokenizer = new WordPieceTokenizer({ vocab: VOCAB });
const id = (t: string): number => VOCAB.indexOf(t);

describe("wordPieceSplit (greedy longest match first)", () => {
  const vocab = new Set(["un", "##break", "##able", "##a", "##b", "b", "ab", "##cd", "abc", "a", "##bcd", "👍", "##🏽"]);

  it("takes the longest piece at each position", () => {
    expect(wordPieceSplit("unbreakable", vocab)).toEqual(["un", "##break", "##able"]);
    expect(wordPieceSplit("abcd", new Set(["ab", "##cd", "a", "##bcd"]))).toEqual(["ab", "##cd"]);
  });

  it("gives [UNK] for the whole word when greedy gets stuck, even if another split exists", () => {
    // "a" + "##bcd" would cover "abcd", but greedy commits to "abc" and finds no "##d".
    expect(wordPieceSplit("abcd", new Set(["abc", "a", "##bcd"]))).toEqual(["[UNK]"]);
    expect(wordPieceSplit("unbreakablez", vocab)).toEqual(["[UNK]"]);
  });

  it("counts code points, never cuts a surrogate pair, and gives [UNK] past the length limit", () => {
    expect(wordPieceSplit("👍🏽", vocab)).toEqual(["👍", "##🏽"]);
    const v = new Set(["a", "##a"]);
    expect(wordPieceSplit("a".repeat(100), v)).toHaveLength(100);
    expect(wordPieceSplit("a".repeat(101), v)).toEqual(["[UNK]"]);
    expect(wordPieceSplit("aaa", v, { maxInputCharsPerWord: 2, unkToken: "<unk>" })).toEqual(["<unk>"]);
    expect(wordPieceSplit("👍👍", new Set(["👍", "##👍"]), { maxInputCharsPerWord: 2 })).toEqual(["👍", "##👍"]);
  });

  it("gives the same pieces with the maxPieceChars speed-up as without it", () => {
    const rng = new Rng(7);
    const letters = ["a", "b", "c", "é", "👍"];
    const word = (n: number): string => Array.from({ length: n }, () => letters[rng.int(letters.length)]).join("");
    for (let trial = 0; trial < 200; trial++) {
      const entries = Array.from({ length: 30 }, () => {
        const w = word(1 + rng.int(4));
        return rng.bernoulli(0.6) ? "##" + w : w;
      });
      const vocab = new Set([...entries, ...letters, ...letters.map((l) => "##" + l)].filter(() => rng.bernoulli(0.9)));
      const longest = Math.max(...[...vocab].map((t) => [...t].length));
      for (let k = 0; k < 20; k++) {
        const w = word(1 + rng.int(10));
        expect(wordPieceSplit(w, vocab, { maxPieceChars: longest })).toEqual(wordPieceSplit(w, vocab));
      }
    }
  });
});

describe("WordPieceTokenizer.encode", () => {
  it("adds [CLS]/[SEP] and reports word ids, types and special tokens", () => {
    const e = tokenizer.encode("Wireless headphones");
    expect(e.tokens).toEqual(["[CLS]", "wire", "##less", "head", "##phone", "##s", "[SEP]"]);
    expect(e.inputIds).toEqual(e.tokens.map(id));
    expect(e.wordIds).toEqual([null, 0, 0, 1, 1, 1, null]);
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(e.attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(e.specialTokensMask).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect(e.sequenceIds).toEqual([null, 0, 0, 0, 0, 0, null]);
  });

  it("encodes a (query, product) pair with token type ids 0 then 1", () => {
    const e = tokenizer.encode("USB-C cable", "Wireless headphones");
    expect(e.tokens).toEqual(["[CLS]", "usb", "-", "c", "cable", "[SEP]", "wire", "##less", "head", "##phone", "##s", "[SEP]"]);
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(e.wordIds).toEqual([null, 0, 1, 2, 3, null, 0, 0, 1, 1, 1, null]);
    expect(e.sequenceIds).toEqual([null, 0, 0, 0, 0, null, 1, 1, 1, 1, 1, null]);
  });

  it("keeps a [MASK] typed in the text whole and marks it special; unknown words become one [UNK]", () => {
    const e = tokenizer.encode("The shoe is [MASK] waterproofs zzz");
    expect(e.tokens).toEqual(["[CLS]", "the", "shoe", "is", "[MASK]", "water", "##proof", "##s", "[UNK]", "[SEP]"]);
    expect(e.specialTokensMask).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(e.wordIds).toEqual([null, 0, 1, 2, 3, 4, 4, 4, 5, null]);
    // Special tokens are case-sensitive: "[mask]" is ordinary text ("[", "mask", "]"), all unknown here.
    expect(tokenizer.encode("[mask]").tokens).toEqual(["[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"]);
  });

  it("splits Chinese one character per word and handles empty text", () => {
    expect(tokenizer.tokenize("蓝牙")).toEqual(["蓝", "牙"]);
    expect(tokenizer.encode("").tokens).toEqual(["[CLS]", "[SEP]"]);
    expect(tokenizer.encode("", "").tokens).toEqual(["[CLS]", "[SEP]", "[SEP]"]);
    expect(tokenizer.encode("blue", null, { addSpecialTokens: false }).tokens).toEqual(["blue"]);
  });

  it("truncates the text, not the special tokens, on either side", () => {
    const text = "wireless headphones , blue cable"; // 8 pieces
    const right = tokenizer.encode(text, null, { truncation: true, maxLength: 5 });
    expect(right.tokens).toEqual(["[CLS]", "wire", "##less", "head", "[SEP]"]);
    const leftTok = new WordPieceTokenizer({ vocab: VOCAB, truncationSide: "left" });
    expect(leftTok.encode(text, null, { truncation: true, maxLength: 5 }).tokens).toEqual(["[CLS]", ",", "blue", "cable", "[SEP]"]);
    expect(tokenizer.encode(text, null, { truncation: true, maxLength: 100 }).tokens).toHaveLength(10);
    expect(() => tokenizer.encode(text, "blue", { truncation: true, maxLength: 2 })).toThrow(/at least 3/);
  });

  it("truncates pairs longest-first, or only one side when asked", () => {
    const a = "wireless headphones wireless headphones"; // 10 pieces
    const b = "blue cable"; // 2 pieces
    const e = tokenizer.encode(a, b, { truncation: true, maxLength: 10 }); // budget 7
    expect(e.tokens).toEqual(["[CLS]", "wire", "##less", "head", "##phone", "##s", "[SEP]", "blue", "cable", "[SEP]"]);
    const onlyFirst = tokenizer.encode(b, a, { truncation: "only_second", maxLength: 10 });
    expect(onlyFirst.tokens).toEqual(["[CLS]", "blue", "cable", "[SEP]", "wire", "##less", "head", "##phone", "##s", "[SEP]"]);
    expect(() => tokenizer.encode(b, a, { truncation: "only_first", maxLength: 10 })).toThrow(/first text has 2 tokens, too few to remove the 5/);
  });

  it("applies the tokenizer's own truncation when a call does not say", () => {
    const t = new WordPieceTokenizer({ vocab: VOCAB, truncation: { maxLength: 4, strategy: "longest_first" } });
    expect(t.encode("wireless headphones").tokens).toEqual(["[CLS]", "wire", "##less", "[SEP]"]);
    expect(t.encode("wireless headphones", null, { truncation: false }).tokens).toHaveLength(7);
  });

  it("refuses inputs and configurations that do not fit", () => {
    expect(() => new WordPieceTokenizer({ vocab: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] })).toThrow(/mask token "\[MASK\]" is not in the vocabulary/);
    expect(() => new WordPieceTokenizer({ vocab: [...VOCAB, "blue"] })).toThrow(/unique tokens, found "blue" at ids 10 and 32/);
    expect(() => tokenizer.encodeBatch([42 as unknown as string])).toThrow(/expected a string or a \[text, pair\] tuple at index 0, found 42/);
  });
});

describe("Rust tokenizers' truncation table (tokenizers/src/utils/truncation.rs, max_length 7)", () => {
  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
    [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
    [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
    [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
  ];
  it.each(cases)("lengths %i and %i keep %i and %i", (a, b, ea, eb) => {
    expect(truncatedLengths(a, b, 7, "longest_first")).toEqual([ea, eb]);
  });
  it("never exceeds the budget and removes only what it must", () => {
    const strategies: TruncationStrategy[] = ["longest_first", "only_first", "only_second"];
    for (let a = 0; a < 12; a++)
      for (let b = 0; b < 12; b++)
        for (let budget = 0; budget < 14; budget++)
          for (const s of strategies) {
            let kept: [number, number | null];
            try {
              kept = truncatedLengths(a, b, budget, s);
            } catch {
              continue;
            }
            const [x, y] = kept as [number, number];
            expect(x + y).toBe(Math.min(a + b, budget));
            expect(x <= a && y <= b).toBe(true);
          }
  });
});

describe("WordPieceTokenizer.encodeBatch", () => {
  it("pads to the longest row with [PAD], mask 0 and word id null", () => {
    const batch = tokenizer.encodeBatch(["blue", "wireless headphones"], { padding: "longest" });
    expect(batch.tokens[0]).toEqual(["[CLS]", "blue", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"]);
    expect(batch.inputIds[0]).toEqual([id("[CLS]"), id("blue"), id("[SEP]"), 0, 0, 0, 0]);
    expect(batch.attentionMask[0]).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(batch.wordIds[0]).toEqual([null, 0, null, null, null, null, null]);
    expect(batch.specialTokensMask[0]).toEqual([1, 0, 1, 1, 1, 1, 1]);
    expect(batch.lengths).toEqual([3, 7]);
    expect(batch.inputIds[1]).toHaveLength(7);
  });

  it("pads to a fixed length, to a multiple, on the left, and mixes pairs with single texts", () => {
    const fixed = tokenizer.encodeBatch(["blue"], { padding: "max_length", maxLength: 6 });
    expect(fixed.inputIds[0]).toHaveLength(6);
    const multiple = tokenizer.encodeBatch(["blue", "wireless headphones"], { padding: "longest", padToMultipleOf: 8 });
    expect(multiple.inputIds.map((r) => r.length)).toEqual([8, 8]);
    const left = new WordPieceTokenizer({ vocab: VOCAB, paddingSide: "left" });
    expect(left.encodeBatch(["blue", "blue cable"], { padding: "longest" }).tokens[0]).toEqual(["[PAD]", "[CLS]", "blue", "[SEP]"]);
    const mixed = tokenizer.encodeBatch([["blue", "cable"], "shoe"], { padding: "longest" });
    expect(mixed.tokenTypeIds).toEqual([
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 0],
    ]);
  });

  it("truncates and pads together, for a model with a fixed length", () => {
    const batch = tokenizer.encodeBatch(["wireless headphones wireless", "blue"], { truncation: true, padding: "max_length", maxLength: 5 });
    expect(batch.tokens).toEqual([
      ["[CLS]", "wire", "##less", "head", "[SEP]"],
      ["[CLS]", "blue", "[SEP]", "[PAD]", "[PAD]"],
    ]);
  });
});

describe("WordPieceTokenizer.decode", () => {
  it("glues ## pieces, removes spaces before punctuation, and can skip special tokens", () => {
    const ids = tokenizer.encode("Wireless headphones, blue!").inputIds;
    expect(tokenizer.decode(ids)).toBe("[CLS] wireless headphones, blue! [SEP]");
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("wireless headphones, blue!");
    expect(tokenizer.decode(tokenizer.encode("don't").inputIds, { skipSpecialTokens: true })).toBe("don't");
    expect(tokenizer.decode(tokenizer.encode("don't").inputIds, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false })).toBe("don ' t");
    expect(tokenizer.decode([])).toBe("");
    expect(tokenizer.decode([9999])).toBe("[UNK]");
  });
});
