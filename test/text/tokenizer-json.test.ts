import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_NORMALIZER,
  fromTokenizerJson,
  loadTokenizer,
  parseTokenizerJson,
  saveTokenizer,
  tokenizerJsonText,
  toTokenizerConfigJson,
  toTokenizerJson,
  trainWordPiece,
  WordPieceTokenizer,
} from "shoplm";
import { EDGE_CASES, randomPairs, randomTexts } from "./synthetic";

const corpus = [...EDGE_CASES, ...randomTexts(1500, "json-train")];
const trained = trainWordPiece(corpus, { vocabSize: 400 }).tokenizer;
let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shoplm-tokenizer-json-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("tokenizer.json written", () => {
  it("has the Hugging Face pipeline for BERT", () => {
    const json = toTokenizerJson(trained);
    expect(json.version).toBe("1.0");
    expect(json.normalizer).toEqual({
      type: "Sequence",
      normalizers: [{ type: "NFKC" }, { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true }],
    });
    expect(json.pre_tokenizer).toEqual({ type: "BertPreTokenizer" });
    expect(json.model).toMatchObject({ type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100 });
    expect(Object.keys(json.model.vocab)).toHaveLength(trained.vocabSize);
    expect(json.decoder).toEqual({ type: "WordPiece", prefix: "##", cleanup: true });
    expect(json.post_processor.type).toBe("TemplateProcessing");
    expect(json.post_processor.pair).toEqual([
      { SpecialToken: { id: "[CLS]", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: "[SEP]", type_id: 0 } },
      { Sequence: { id: "B", type_id: 1 } },
      { SpecialToken: { id: "[SEP]", type_id: 1 } },
    ]);
    expect(json.post_processor.special_tokens["[CLS]"]).toEqual({ id: "[CLS]", ids: [trained.clsId], tokens: ["[CLS]"] });
    expect(json.added_tokens.map((t) => [t.id, t.content, t.special, t.normalized])).toEqual([
      [0, "[PAD]", true, false],
      [1, "[UNK]", true, false],
      [2, "[CLS]", true, false],
      [3, "[SEP]", true, false],
      [4, "[MASK]", true, false],
    ]);
    expect(json.truncation).toBeNull();
    expect(json.padding).toBeNull();
    const plain = new WordPieceTokenizer({ vocab: trained.config.vocab, normalizer: { ...DEFAULT_NORMALIZER, unicodeForm: "none" } });
    expect(toTokenizerJson(plain).normalizer.type).toBe("BertNormalizer");
  });

  it("writes the vocabulary in id order, digits included", () => {
    const text = tokenizerJsonText(trained);
    const start = text.indexOf('"vocab": {');
    const lines = text.slice(start).split("\n").slice(1, trained.vocabSize + 1);
    expect(lines.map((l) => Number(l.trim().replace(/,$/, "").split(": ").pop()))).toEqual(trained.config.vocab.map((_, i) => i));
    expect(trained.config.vocab.some((t) => /^\d$/.test(t))).toBe(true);
    expect(JSON.parse(text)).toEqual(clone(toTokenizerJson(trained)));
  });

  it("stores truncation and padding the way the Rust library serialises them", () => {
    const t = new WordPieceTokenizer({
      vocab: trained.config.vocab,
      truncation: { maxLength: 64, strategy: "only_second" },
      truncationSide: "left",
      padding: { strategy: "max_length", maxLength: 64, padToMultipleOf: 8 },
    });
    const json = toTokenizerJson(t);
    expect(json.truncation).toEqual({ direction: "Left", max_length: 64, strategy: "OnlySecond", stride: 0 });
    expect(json.padding).toEqual({ strategy: { Fixed: 64 }, direction: "Right", pad_to_multiple_of: 8, pad_id: 0, pad_type_id: 0, pad_token: "[PAD]" });
    const longest = new WordPieceTokenizer({ vocab: trained.config.vocab, padding: { strategy: "longest", maxLength: null, padToMultipleOf: null } });
    expect(toTokenizerJson(longest).padding?.strategy).toBe("BatchLongest");
    const back = fromTokenizerJson(clone(json));
    expect(back.config.truncation).toEqual(t.config.truncation);
    expect(back.config.truncationSide).toBe("left");
    expect(back.config.padding).toEqual(t.config.padding);
  });

  it("writes a tokenizer_config.json for transformers and transformers.js", () => {
    const config = toTokenizerConfigJson(trained);
    expect(config).toMatchObject({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      tokenize_chinese_chars: true,
      strip_accents: null,
      unk_token: "[UNK]",
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      mask_token: "[MASK]",
      model_max_length: 512,
      clean_up_tokenization_spaces: true,
    });
    expect(config.added_tokens_decoder["4"]).toEqual({ content: "[MASK]", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  });
});

describe("saveTokenizer / loadTokenizer", () => {
  it("writes the four files and reads back a tokenizer that encodes everything identically", () => {
    const dir = path.join(tmp, "round-trip");
    const files = saveTokenizer(trained, dir).map((f) => path.basename(f));
    expect(files).toEqual(["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]);
    expect(fs.readFileSync(path.join(dir, "vocab.txt"), "utf8").split("\n").slice(0, -1)).toEqual(trained.config.vocab);
    const back = loadTokenizer(dir);
    expect(back.config).toEqual(trained.config);
    expect(loadTokenizer(path.join(dir, "tokenizer.json")).config).toEqual(trained.config);
    const inputs = [...EDGE_CASES, ...randomTexts(300, "json-check")];
    for (const text of inputs) expect(back.encode(text)).toEqual(trained.encode(text));
    for (const [a, b] of randomPairs(100, "json-pairs")) expect(back.encode(a, b)).toEqual(trained.encode(a, b));
  });

  it("says which file is missing", () => {
    expect(() => loadTokenizer(path.join(tmp, "nowhere"))).toThrow(/expected a tokenizer.json at .*nowhere.tokenizer\.json, found no such file/);
  });
});

describe("reading tokenizer.json: what is accepted and what is refused", () => {
  // Loose on purpose: these tests write wrong values into the fields.
  type Loose = Record<string, any>;
  const base = (): Loose => clone(toTokenizerJson(trained)) as unknown as Loose;

  it("accepts BertProcessing and a plain BertNormalizer (as older BERT files have)", () => {
    const json = base();
    json.post_processor = { type: "BertProcessing", sep: ["[SEP]", trained.sepId], cls: ["[CLS]", trained.clsId] };
    json.normalizer = { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
    const t = fromTokenizerJson(json);
    expect(t.encode("Wireless, blue", "蓝牙")).toEqual(trained.encode("Wireless, blue", "蓝牙"));
    expect(t.config.normalizer.unicodeForm).toBe("none");
    expect(t.encode("ＵＳＢ").tokens).not.toEqual(trained.encode("ＵＳＢ").tokens);
  });

  it("names the expected and found model type", () => {
    const json = base();
    json.model = { type: "BPE", vocab: {}, merges: [] };
    expect(() => fromTokenizerJson(json, "gpt2/tokenizer.json")).toThrow(
      'gpt2/tokenizer.json: expected model.type "WordPiece" (a BERT-style WordPiece tokenizer), found "BPE".',
    );
    const unigram = base();
    unigram.model = { type: "Unigram", vocab: [] };
    expect(() => fromTokenizerJson(unigram)).toThrow(/expected model.type "WordPiece" .*found "Unigram"/);
  });

  it("refuses other normalizers, pre-tokenizers, post-processors and decoders, naming the field", () => {
    const cases: [string, (j: Loose) => void, RegExp][] = [
      ["normalizer", (j) => (j.normalizer = { type: "Lowercase" }), /expected normalizer.type "BertNormalizer" or "Sequence" .*found "Lowercase"/],
      ["sequence", (j) => (j.normalizer.normalizers = [{ type: "NFC" }, j.normalizer.normalizers[1]]), /expected normalizer.normalizers to be .*found \["NFC","BertNormalizer"\]/],
      ["pre_tokenizer", (j) => (j.pre_tokenizer = { type: "ByteLevel" }), /expected pre_tokenizer.type "BertPreTokenizer" .*found "ByteLevel"/],
      ["post_processor", (j) => (j.post_processor = { type: "RobertaProcessing" }), /expected post_processor.type "TemplateProcessing" or "BertProcessing" .*found "RobertaProcessing"/],
      ["decoder", (j) => (j.decoder = { type: "ByteLevel" }), /expected decoder.type "WordPiece" .*found "ByteLevel"/],
      ["decoder prefix", (j) => (j.decoder.prefix = "@@"), /expected decoder.prefix to be the model's continuing_subword_prefix "##", found "@@"/],
      ["vocab gap", (j) => (j.model.vocab["[MASK]"] = 5000), /expected model.vocab\["\[MASK\]"\] to be an id from 0 to \d+ \(ids must be contiguous\), found 5000/],
      ["vocab twice", (j) => (j.model.vocab["[MASK]"] = 0), /an id no other token has \("\[PAD\]" has it too\)/],
      ["unk", (j) => (j.model.unk_token = "<unk>"), /expected model.unk_token to be a token of model.vocab, found "<unk>"/],
      ["added id", (j) => (j.added_tokens[0].id = 7), /expected added_tokens\[0\].id to be the id of "\[PAD\]" in model.vocab \(0\), found 7/],
      ["added normalized", (j) => (j.added_tokens[1].normalized = true), /expected added_tokens\[1\].normalized to be false/],
      ["template piece", (j) => (j.post_processor.single[1] = { Sequence: { id: "C", type_id: 0 } }), /expected post_processor.single\[1\].Sequence.id to be "A" or "B", found "C"/],
      ["truncation", (j) => (j.truncation = { max_length: 8, strategy: "Middle", stride: 0 }), /expected truncation.strategy to be "LongestFirst", "OnlyFirst" or "OnlySecond", found "Middle"/],
      ["padding", (j) => (j.padding = { strategy: "Longest" }), /expected padding.strategy to be "BatchLongest" or \{"Fixed": length\}, found "Longest"/],
      ["no model", (j) => delete j.model, /expected model to be an object, found nothing/],
    ];
    for (const [, change, message] of cases) {
      const json = base();
      change(json);
      expect(() => fromTokenizerJson(json)).toThrow(message);
    }
  });

  it("reports text that is not JSON, with the file name", () => {
    expect(() => parseTokenizerJson('{"model": ', "broken/tokenizer.json")).toThrow(/^broken\/tokenizer\.json: expected JSON, found text that does not parse/);
  });

  it("takes special-token roles and lengths from tokenizer_config.json when present", () => {
    const json = base();
    const t = fromTokenizerJson(json, "tokenizer.json", { model_max_length: 128, padding_side: "left", mask_token: { content: "[MASK]", __type: "AddedToken" } });
    expect(t.config.modelMaxLength).toBe(128);
    expect(t.config.paddingSide).toBe("left");
    // Python writes 1e30 for "no limit": fall back to a usable length.
    expect(fromTokenizerJson(json, "tokenizer.json", { model_max_length: 1e30 }).config.modelMaxLength).toBe(512);
    expect(() => fromTokenizerJson(json, "tokenizer.json", { mask_token: "<mask>" })).toThrow(
      'tokenizer.json: expected tokenizer_config.json\'s mask_token to be a token of model.vocab, found "<mask>".',
    );
  });
});
