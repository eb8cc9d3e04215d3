import {
  checkNormalizerOptions,
  cleanText,
  DEFAULT_NORMALIZER,
  hasCjk,
  isBertPunctuation,
  isCjkCodePoint,
  normalizeText,
  padCjkChars,
  preTokenize,
  splitOnSpecialTokens,
  stripAccents,
  type NormalizerOptions,
} from "shoplm";

describe("normalizeText (NFKC + BERT uncased)", () => {
  it("lowercases and strips accents", () => {
    expect(normalizeText("Café Crème Brûlée")).toBe("cafe creme brulee");
    expect(normalizeText("MÜLLER Straße")).toBe("muller straße");
  });

  it("maps full-width and compatibility characters to plain ones (NFKC)", () => {
    expect(normalizeText("ＵＳＢ　３．０")).toBe("usb 3.0");
    expect(normalizeText("ﬁne ﬂour m² ½")).toBe("fine flour m2 1⁄2");
    const noNfkc: NormalizerOptions = { ...DEFAULT_NORMALIZER, unicodeForm: "none" };
    expect(normalizeText("ＵＳＢ ﬁ", noNfkc)).toBe("ｕｓｂ ﬁ");
  });

  it("puts spaces around each CJK ideograph, but not around kana or Hangul", () => {
    expect(normalizeText("蓝牙耳机")).toBe(" 蓝  牙  耳  机 ");
    expect(normalizeText("小米Redmi")).toBe(" 小  米 redmi");
    expect(normalizeText("カタカナ")).toBe("カタカナ");
    // Extension B lies beyond U+FFFF and is split too (BERT's definition).
    expect(normalizeText("𠀀a")).toBe(" 𠀀 a");
  });

  it("cleans control, format and private-use characters and maps whitespace to spaces", () => {
    expect(cleanText("a\u0000b\tc\u200bd\u00a0e\u3000f\ufeffg\ue000h\ufffdi\nj\r\nk")).toBe("ab cd e fghi j  k");
    expect(cleanText("lone \ud800 surrogate")).toBe("lone  surrogate");
    expect(cleanText("\u0085next\u2028line")).toBe("next line");
  });

  it("keeps case and accents when told, and strips accents of a cased text when told", () => {
    const cased: NormalizerOptions = { ...DEFAULT_NORMALIZER, lowercase: false, stripAccents: null };
    expect(normalizeText("Café", cased)).toBe("Café");
    expect(normalizeText("Café", { ...cased, stripAccents: true })).toBe("Cafe");
    expect(normalizeText("Café", { ...DEFAULT_NORMALIZER, stripAccents: false })).toBe("café");
  });

  it("decomposes Hangul into jamo when stripping accents (BERT uncased does the same)", () => {
    expect(normalizeText("한")).toBe("\u1112\u1161\u11ab");
    expect(stripAccents("e\u0301")).toBe("e");
  });

  it("recognises the CJK blocks BERT uses, and only those", () => {
    for (const cp of [0x4e00, 0x9fff, 0x3400, 0x4dbf, 0xf900, 0x20000, 0x2a6df, 0x2b820, 0x2f800]) expect(isCjkCodePoint(cp)).toBe(true);
    for (const cp of [0x4dff, 0x3041, 0x30a2, 0xac00, 0x41, 0x2fa20, 0x3000]) expect(isCjkCodePoint(cp)).toBe(false);
    expect(hasCjk("shoe 鞋")).toBe(true);
    expect(hasCjk("shoe")).toBe(false);
    expect(padCjkChars("a鞋b")).toBe("a 鞋 b");
  });

  it("refuses malformed options, saying what was expected", () => {
    expect(() => checkNormalizerOptions({ ...DEFAULT_NORMALIZER, unicodeForm: "NFC" as "NFKC" })).toThrow(
      /expected unicodeForm "NFKC" or "none", found "NFC"/,
    );
    expect(() => checkNormalizerOptions({ ...DEFAULT_NORMALIZER, stripAccents: "yes" as unknown as boolean })).toThrow(/stripAccents/);
  });
});

describe("preTokenize (BertPreTokenizer)", () => {
  it("splits on whitespace and isolates each punctuation mark", () => {
    expect(preTokenize("usb-c cable, 2m")).toEqual(["usb", "-", "c", "cable", ",", "2m"]);
    expect(preTokenize("$19.99!!")).toEqual(["$", "19", ".", "99", "!", "!"]);
    expect(preTokenize("a…b「c」")).toEqual(["a", "…", "b", "「", "c", "」"]);
    expect(preTokenize("   ")).toEqual([]);
    expect(preTokenize("")).toEqual([]);
  });

  it("keeps symbols that are not punctuation inside words (emoji, currency, math)", () => {
    expect(preTokenize("great👍 €5 ±2")).toEqual(["great👍", "€5", "±2"]);
  });

  it("treats every ASCII symbol as punctuation, like BERT", () => {
    for (const c of "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") expect(isBertPunctuation(c)).toBe(true);
    for (const c of ["a", "1", "€", "±", "👍", " "]) expect(isBertPunctuation(c)).toBe(false);
    for (const c of ["…", "«", "。", "、", "¿"]) expect(isBertPunctuation(c)).toBe(true);
  });
});

describe("splitOnSpecialTokens", () => {
  const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  it("cuts raw text around special tokens", () => {
    expect(splitOnSpecialTokens("a [MASK] b", specials)).toEqual([
      { text: "a ", special: false },
      { text: "[MASK]", special: true },
      { text: " b", special: false },
    ]);
    expect(splitOnSpecialTokens("[MASK][MASK]", specials)).toEqual([
      { text: "[MASK]", special: true },
      { text: "[MASK]", special: true },
    ]);
  });

  it("leaves look-alikes alone and prefers the longest match", () => {
    expect(splitOnSpecialTokens("[mask] [MASK", specials)).toEqual([{ text: "[mask] [MASK", special: false }]);
    expect(splitOnSpecialTokens("x[A]B", ["[A]", "[A]B"])).toEqual([
      { text: "x", special: false },
      { text: "[A]B", special: true },
    ]);
    expect(splitOnSpecialTokens("", specials)).toEqual([]);
    expect(splitOnSpecialTokens("plain", [])).toEqual([{ text: "plain", special: false }]);
  });
});
