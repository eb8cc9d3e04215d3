import { describe, expect, it } from "vitest";
import { encodeTexts, encodeWindows, getProfile, initBackend, trainCourseModel, trainWordPiece } from "shoplm";

const corpus = [
  "stainless steel water bottle with a leak-proof lid",
  "insulated water bottle, stainless steel, keeps drinks cold for 24 hours",
  "heavy-duty staples for insulation, carpet underlay and roofing felt",
  "narrow crown staples in stainless steel for marine environments",
];
const { tokenizer } = trainWordPiece(corpus, { vocabSize: 120 });
const long = `${corpus.join(". ")}. ${corpus.join(". ")}`;

describe("encodeWindows", () => {
  it("cuts a long text into framed windows that together hold every token, in order", () => {
    const full = tokenizer.encode(long, null, { truncation: false });
    const content = full.inputIds.slice(1, -1);
    for (const maxLength of [8, 16, 33]) {
      const windows = encodeWindows(tokenizer, [long], maxLength);
      expect(windows.length).toBeGreaterThanOrEqual(Math.ceil(content.length / (maxLength - 2)));
      const joined: number[] = [];
      for (const w of windows) {
        const ids = Array.from(w.inputIds);
        expect(ids.length).toBeLessThanOrEqual(maxLength);
        expect(ids[0]).toBe(tokenizer.clsId);
        expect(ids[ids.length - 1]).toBe(tokenizer.sepId);
        joined.push(...ids.slice(1, -1));
        // Word ids restart at 0 in each window and frame tokens have none.
        const words = Array.from(w.wordIds!);
        expect(words[0]).toBeNull();
        expect(words[words.length - 1]).toBeNull();
        expect(words[1]).toBe(0);
      }
      expect(joined).toEqual(content);
    }
  });

  it("never splits a word across windows unless the word alone is longer than a window", () => {
    const full = tokenizer.encode(long, null, { truncation: false });
    const words = full.wordIds.slice(1, -1);
    const windows = encodeWindows(tokenizer, [long], 10);
    const pieces = new Map<number | null, number>();
    for (const w of words) pieces.set(w, (pieces.get(w) ?? 0) + 1);
    let offset = 0;
    let splits = 0;
    for (const w of windows.slice(0, -1)) {
      offset += w.inputIds.length - 2;
      if (words[offset] === words[offset - 1]) {
        splits++;
        expect(pieces.get(words[offset])).toBeGreaterThan(8);
      }
    }
    expect(splits).toBeLessThan(windows.length / 2);
    // A word of letters the vocabulary only has singly: more pieces than a window holds.
    const oov = encodeWindows(tokenizer, ["qxqxqxqxqxqxqxqxqxqxqx water"], 5);
    expect(oov.every((w) => w.inputIds.length <= 5)).toBe(true);
    expect(oov.flatMap((w) => Array.from(w.inputIds).slice(1, -1))).toEqual(tokenizer.encode("qxqxqxqxqxqxqxqxqxqxqx water").inputIds.slice(1, -1));
  });

  it("gives short texts one window, equal to the truncating encoder's sequence", () => {
    const [w] = encodeWindows(tokenizer, [corpus[0]], 64);
    const [t] = encodeTexts(tokenizer, [corpus[0]], 64);
    expect(Array.from(w.inputIds)).toEqual(Array.from(t.inputIds));
    expect(Array.from(w.wordIds!)).toEqual(Array.from(t.wordIds!));
  });

  it("refuses a window too small for a token", () => {
    expect(() => encodeWindows(tokenizer, corpus, 2)).toThrow(/maxLength must be an integer of at least 3/);
  });
});

describe("trainCourseModel", () => {
  it("takes other sizes and trains on every window of long texts", async () => {
    await initBackend();
    const text = { train: Array.from({ length: 12 }, (_, i) => `${corpus[i % 4]}. ${corpus[(i + 1) % 4]}`), heldOut: [long] };
    const model = { vocabSize: 150, maxLength: 12, hiddenSize: 16, layers: 1, heads: 2, intermediateSize: 32 };
    const windows = await trainCourseModel({ profile: getProfile("fast"), text, steps: 2, batchSize: 4, evalEvery: 2, model, longTexts: "windows" });
    const truncated = await trainCourseModel({ profile: getProfile("fast"), text, steps: 2, batchSize: 4, evalEvery: 2, model });
    expect(windows.model.config).toMatchObject({ hiddenSize: 16, layers: 1, heads: 2, intermediateSize: 32, maxPositions: 12 });
    expect(windows.tokenizer.vocabSize).toBeLessThanOrEqual(150);
    // The windows keep every token of the long texts; truncation keeps the first 10 of each.
    expect(windows.trainTokens).toBeGreaterThan(truncated.trainTokens);
    expect(windows.heldOut.maskedTokens).toBeGreaterThan(0);
    windows.model.params.dispose();
    truncated.model.params.dispose();
  });
});
